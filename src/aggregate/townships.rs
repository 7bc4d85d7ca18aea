//! 镇街进度: each township's value of the indicators townships report, its allocation and
//! completion, and fair ranks with ties (SPEC "Rankings").

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use super::district::Calculator;
use crate::period::Period;
use crate::plan::{Direction, Reporter};
use crate::validate::SubmissionStatus;

/// One township's value of one indicator.
#[derive(Debug, Clone, Serialize)]
pub struct TownshipValue {
    pub township: String,
    pub indicator_id: String,
    pub value: Option<f64>,
    pub allocation: Option<f64>,
    pub completion_rate: Option<f64>,
    /// Competition rank (1, 2, 2, 4); `tied` marks a shared rank.
    pub rank: Option<u32>,
    pub tied: bool,
    /// The township's share of the district value (raw sizes, which are not ranked).
    pub share: Option<f64>,
    /// The township's status for the indicator's form this month.
    pub submission_status: SubmissionStatus,
    /// The indicator's form (the numerator's, for a ratio).
    pub form: String,
}

/// Every indicator a numeric target uses that townships report, in plan order.
pub(super) fn township_indicators(calc: &Calculator<'_>) -> Vec<String> {
    let plan = calc.plan;
    let mut township_indicators: Vec<String> = Vec::new();
    for target in plan.targets.iter().filter(|t| t.is_numeric()) {
        let Some(indicator) = target.indicator.as_deref().and_then(|i| plan.indicator(i)) else { continue };
        if calc.reporter(indicator) == Reporter::Township && !township_indicators.contains(&indicator.id) {
            township_indicators.push(indicator.id.clone());
        }
    }
    township_indicators
}

/// The township table: every township's row of each indicator, indicators in parallel, each
/// indicator's townships in plan order. `statuses` are (unit, form, status) this month.
pub(super) fn township_values(
    calc: &Calculator<'_>,
    period: Period,
    indicators: &[String],
    statuses: &[(String, String, SubmissionStatus)],
) -> Vec<TownshipValue> {
    let status_of: HashMap<(&str, &str), SubmissionStatus> = statuses.iter().map(|(u, f, s)| ((u.as_str(), f.as_str()), *s)).collect();
    indicators.par_iter().flat_map_iter(|indicator_id| indicator_rows(calc, period, indicator_id, &status_of)).collect()
}

/// One indicator's rows, townships in plan order. Townships are ranked only where the
/// comparison is fair (SPEC "Rankings"): by completion of their allocation where the plan
/// allocates (those without one are not ranked), or by a rate in the indicator's direction. Raw
/// sizes are not ranked: each shows its share of the district instead.
fn indicator_rows(
    calc: &Calculator<'_>,
    period: Period,
    indicator_id: &str,
    status_of: &HashMap<(&str, &str), SubmissionStatus>,
) -> Vec<TownshipValue> {
    let plan = calc.plan;
    let indicator = plan.indicator(indicator_id).expect("listed from plan");
    let form = calc.form_of(indicator).unwrap_or_default().to_string();
    let target = plan.targets.iter().find(|t| t.indicator.as_deref() == Some(indicator_id));
    // (township, status, value, allocation, completion against the allocation)
    let figures: Vec<(&str, SubmissionStatus, Option<f64>, Option<f64>, Option<f64>)> = plan
        .units
        .iter()
        .map(|unit| {
            let township = unit.name.as_str();
            let status = status_of.get(&(township, form.as_str())).copied().unwrap_or(SubmissionStatus::Missing);
            let value = if status == SubmissionStatus::Reported { calc.township_value(indicator, period, township) } else { None };
            let allocation = target.and_then(|t| t.allocations.get(township).copied());
            let completion_rate = value.zip(allocation).filter(|(_, a)| *a > 0.0).map(|(v, a)| v / a);
            (township, status, value, allocation, completion_rate)
        })
        .collect();
    let allocated = figures.iter().any(|f| f.3.is_some());
    let lower = indicator.direction == Direction::Lower;
    let scores: Vec<(String, f64)> = if allocated {
        figures.iter().filter_map(|f| f.4.map(|s| (f.0.to_string(), s))).collect()
    } else if indicator.is_ratio() {
        figures.iter().filter_map(|f| f.2.map(|v| (f.0.to_string(), if lower { -v } else { v }))).collect()
    } else {
        Vec::new()
    };
    let shared = !allocated && !indicator.is_ratio();
    let total: f64 = figures.iter().filter_map(|f| f.2).sum();
    let ranks: HashMap<String, (u32, bool)> = rank_with_ties(scores).into_iter().map(|(name, rank, tied)| (name, (rank, tied))).collect();
    figures
        .into_iter()
        .map(|(township, status, value, allocation, completion_rate)| {
            let rank = ranks.get(township).copied();
            TownshipValue {
                township: township.to_string(),
                indicator_id: indicator_id.to_string(),
                value,
                allocation,
                completion_rate,
                rank: rank.map(|(r, _)| r),
                tied: rank.is_some_and(|(_, tied)| tied),
                share: value.filter(|_| shared && total > 0.0).map(|v| v / total),
                submission_status: status,
                form: form.clone(),
            }
        })
        .collect()
}

/// Competition ranks of (name, score) pairs, higher score first: [(name, rank, tied)].
pub fn rank_with_ties(mut scores: Vec<(String, f64)>) -> Vec<(String, u32, bool)> {
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut ranked: Vec<(String, u32, bool)> = Vec::with_capacity(scores.len());
    for (i, (name, score)) in scores.iter().enumerate() {
        let rank = if i > 0 && (scores[i - 1].1 - score).abs() < 1e-9 { ranked[i - 1].1 } else { i as u32 + 1 };
        ranked.push((name.clone(), rank, false));
    }
    let counts = ranked.iter().fold(HashMap::new(), |mut m: HashMap<u32, usize>, r| {
        *m.entry(r.1).or_default() += 1;
        m
    });
    for r in &mut ranked {
        r.2 = counts[&r.1] > 1;
    }
    ranked
}
