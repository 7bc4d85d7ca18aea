//! Stage 4: rows → progress. Reduces each form's rows (this month's frames and the year's stored
//! tables, one polars query per form) to every indicator's value per unit and month
//! (`reduce` → `Reduced`), works out district figures with who they count (`district`), and
//! judges each target against its schedule (`evaluate`, `progress`): 本月, 累计, 完成率,
//! 序时进度, 进度差, status, township rankings with ties (`townships`), the cross-checks and
//! the trend.
//!
//! No I/O: the caller reduces a month at a time into one `Reduced` (the current period's frames,
//! and the year's history from the store) and passes it to `aggregate_reduced`, which keeps
//! memory to one month of rows at province scale. Townships that did not report or whose files
//! had errors never count as zero: they are absent from the totals and named in each row's note.

mod checks;
mod district;
mod evaluate;
mod ledger;
mod progress;
mod projects;
mod reduce;
mod reduced;
pub mod topics;
mod townships;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::FastMap;
use crate::error::Result;
use crate::period::Period;
use crate::plan::Plan;
use crate::validate::{Record, SubmissionStatus};

pub use checks::CheckResult;
pub use district::Coverage;
pub use evaluate::{Evaluation, Status, Tone, evaluate};
pub use ledger::{Ledger, ledger_texts};
pub use progress::TargetProgress;
pub use projects::{ProjectStatus, project_status};
pub use reduce::{FormRows, frame_rows, indicator_columns, reduce};
pub use reduced::{Counted, Reduced};
pub use topics::{STATUS_ORDER, Subtotal, TopicSubtotals};
pub use townships::{TownshipValue, rank_with_ties};

use district::Calculator;

/// A district value of one indicator in one month, for trend charts.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub indicator_id: String,
    pub period: Period,
    pub value: Option<f64>,
    pub townships_counted: usize,
    /// Who the value counts (carried values are marked in the trend tables).
    pub coverage: Coverage,
}

/// Who one form's figures count in one month, for the trend tables.
#[derive(Debug, Clone, Serialize)]
pub struct FormCoverage {
    pub form: String,
    pub period: Period,
    pub coverage: Coverage,
}

#[derive(Debug, Clone)]
pub struct Aggregated {
    pub period: Period,
    pub targets: Vec<TargetProgress>,
    pub townships: Vec<TownshipValue>,
    pub trend: Vec<TrendPoint>,
    /// Indicators shown per township, in plan order.
    pub township_indicators: Vec<String>,
    /// Each form's coverage in each month of the year up to the period.
    pub coverage: Vec<FormCoverage>,
    /// The plan's cross-checks (核对), in plan order.
    pub checks: Vec<CheckResult>,
    /// The topics with more counted rows than leaders read, subtotalled (in plan order).
    pub topics: Vec<TopicSubtotals>,
}

impl Aggregated {
    /// A topic's subtotals, when it is shown so (see `topics`).
    pub fn subtotals_of(&self, form: &str) -> Option<&TopicSubtotals> {
        self.topics.iter().find(|t| t.form == form)
    }
}

/// What aggregation is told of the month being run, beside the year's reduced values.
pub struct MonthInput<'a> {
    pub period: Period,
    /// The month's department ledger texts (`ledger_texts`).
    pub ledger: &'a Ledger,
    /// Every reporting unit's forms this month: (unit, form, status).
    pub statuses: Vec<(String, String, SubmissionStatus)>,
    /// 同比: each indicator's district value in the same month of the previous year, where the
    /// store holds it (`month_values`).
    pub last_year: BTreeMap<String, f64>,
    /// The month's counted records (for the subtotals of large topics).
    pub records: &'a [Record],
}

/// Run the aggregation for one period from the year's values already reduced (see `Reduced`,
/// the month being run included) and what `month` says of it.
pub fn aggregate_reduced(plan: &Plan, mut reduced: Reduced, month: MonthInput<'_>) -> Result<Aggregated> {
    let MonthInput { period, ledger, statuses, last_year, records } = month;
    // The current period's counted forms are the validation verdict, even for a form with no rows.
    let mut current: Counted = FastMap::default();
    for (unit, form, status) in &statuses {
        if *status == SubmissionStatus::Reported {
            current.entry(unit.clone()).or_default().insert(form.clone());
        }
    }
    reduced.replace_counted(period, current);
    let calc = Calculator::new(plan, &reduced, plan.thresholds.carry_months);
    // Targets, and below each township indicator, are worked out in parallel (in plan order).
    let targets: Vec<TargetProgress> = plan
        .targets
        .par_iter()
        .map(|target| {
            let last_year = target.indicator.as_ref().and_then(|id| last_year.get(id)).copied();
            calc.target_progress(target, period, ledger, last_year)
        })
        .collect();
    let township_indicators = townships::township_indicators(&calc);
    let townships = townships::township_values(&calc, period, &township_indicators, &statuses);
    let year_periods: Vec<Period> = (1..=period.month).filter_map(|m| Period::new(period.year, m)).filter(|p| calc.has_month(*p)).collect();
    let trend = trend(&calc, &year_periods);
    let mut coverage = Vec::new();
    for form in &plan.forms {
        for p in &year_periods {
            coverage.push(FormCoverage { form: form.id.clone(), period: *p, coverage: calc.form_coverage(form, *p) });
        }
    }
    let checks = plan.checks.iter().map(|check| calc.check(check, period)).collect();
    let topics = topics::topic_subtotals(plan, records, period);
    Ok(Aggregated { period, targets, townships, trend, township_indicators, coverage, checks, topics })
}

/// Each numeric target's district value in each month of the year that has figures.
fn trend(calc: &Calculator<'_>, periods: &[Period]) -> Vec<TrendPoint> {
    let plan = calc.plan;
    let mut trend = Vec::new();
    for target in plan.targets.iter().filter(|t| t.is_numeric()) {
        let Some(indicator) = target.indicator.as_deref().and_then(|i| plan.indicator(i)) else { continue };
        for p in periods {
            let (value, coverage) = calc.district_value(indicator, *p);
            let townships_counted = coverage.counted.len();
            trend.push(TrendPoint { indicator_id: indicator.id.clone(), period: *p, value, townships_counted, coverage });
        }
    }
    trend
}

/// 同比: every indicator's district value in one month (`period`, of an earlier year) from that
/// month's reduction alone: units counted then, nothing carried (its earlier months are not read).
pub fn month_values(plan: &Plan, period: Period, reduced: &Reduced) -> BTreeMap<String, f64> {
    let calc = Calculator::new(plan, reduced, 0);
    plan.indicators.iter().filter_map(|i| calc.district_value(i, period).0.map(|v| (i.id.clone(), v))).collect()
}

#[cfg(test)]
pub(crate) mod tests;
