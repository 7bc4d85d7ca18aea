//! Stage 4: facts → progress. Reduces the facts (polars frames of all townships' facts, one pass
//! over their columns) to every indicator's value per township and month, then evaluates each
//! target: 本月, 累计, 完成率, 序时进度, 进度差, status, and township rankings with ties.
//!
//! No I/O: the caller reduces the facts a month at a time (`Reduced`, `reduce_month`: the current
//! period's, and the year's history from the store) and passes them to `aggregate_reduced`, which
//! keeps memory to one month of facts at province scale.
//! Townships that did not report or whose files had errors never count as zero: they are absent
//! from the totals and named in each row's note.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;

use crate::FastMap;
use crate::error::Result;
use crate::period::Period;
use crate::plan::DEPARTMENTS;
use crate::plan::{Aggregation, Direction, Indicator, Measure, Plan, Reporter, ResolvedSchedule, Target, TargetKind, Thresholds};
use crate::validate::SubmissionStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Completed,
    OnTrack,
    Lagging,
    SeverelyLagging,
    Met,
    Warning,
    NotMet,
    Tracked,
    NoData,
    NotStarted,
    InProgress,
    NotReported,
    /// A floor, ceiling or baseline whose total still lacks units: cannot be judged.
    Incomplete,
    /// Not completed after its due date (逾期未完成).
    Overdue,
    /// A year-end target before its assessment (未到考核期): the value is shown, not judged.
    NotDue,
    /// Reached, but only after its deadline (逾期完成): judged from completion dates.
    CompletedLate,
}

/// How a status is coloured in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Green,
    Yellow,
    Red,
    Neutral,
}

impl Status {
    pub const ALL: [Status; 16] = [
        Status::Completed,
        Status::OnTrack,
        Status::Lagging,
        Status::SeverelyLagging,
        Status::Met,
        Status::Warning,
        Status::NotMet,
        Status::Tracked,
        Status::NoData,
        Status::NotStarted,
        Status::InProgress,
        Status::NotReported,
        Status::Incomplete,
        Status::Overdue,
        Status::NotDue,
        Status::CompletedLate,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::Completed => "已完成",
            Status::OnTrack => "正常",
            Status::Lagging => "滞后",
            Status::SeverelyLagging => "严重滞后",
            Status::Met => "达标",
            Status::Warning => "预警",
            Status::NotMet => "未达标",
            Status::Tracked => "跟踪监测",
            Status::NoData => "无数据",
            Status::NotStarted => "未启动",
            Status::InProgress => "推进中",
            Status::NotReported => "未报送",
            Status::Incomplete => "数据不全",
            Status::Overdue => "逾期未完成",
            Status::NotDue => "未到考核期",
            Status::CompletedLate => "逾期完成",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Status::Completed | Status::OnTrack | Status::Met => Tone::Green,
            Status::Lagging | Status::InProgress | Status::CompletedLate => Tone::Yellow,
            Status::SeverelyLagging | Status::Warning | Status::NotMet | Status::NotStarted | Status::NotReported | Status::Overdue => {
                Tone::Red
            }
            Status::Tracked | Status::NoData | Status::Incomplete | Status::NotDue => Tone::Neutral,
        }
    }
}

/// One row of the headline table: a target and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct TargetProgress {
    pub target_id: String,
    pub indicator_id: Option<String>,
    pub clause: String,
    pub task: String,
    pub name: String,
    pub kind: TargetKind,
    pub unit: String,
    pub decimals: u8,
    pub target: Option<f64>,
    pub stated: String,
    pub month_value: Option<f64>,
    pub cumulative: Option<f64>,
    pub completion_rate: Option<f64>,
    pub time_progress: Option<f64>,
    pub gap_pp: Option<f64>,
    pub status: Status,
    pub lead_units: String,
    /// What the figure does not include (townships not counted), or a ledger's 进展说明.
    pub note: String,
    /// Who the cumulative figure counts (empty for qualitative targets).
    pub coverage: Coverage,
    /// 序时目标: what the schedule expects by the period's end, in the target's unit.
    pub expected: Option<f64>,
    /// Floors, ceilings, baselines: distance to the line on its right side (negative: beyond).
    pub margin: Option<f64>,
    /// The schedule, e.g. `linear 2024-03-25..2024-10-30` (empty for targets without one).
    pub schedule: String,
    /// What of this row is not the document's (暂定): the schedule's or the target's assumption.
    pub assumptions: Vec<String>,
    /// The schedule is assumed (its expected value is 暂定).
    pub schedule_assumed: bool,
    /// The target value or baseline is assumed (暂定).
    pub target_assumed: bool,
    /// The indicator's unit is a percentage: its 本月 is a change in points.
    pub percent: bool,
    /// 同比: the district value in the same month of the previous year, where the store holds it.
    pub last_year: Option<f64>,
}

/// Who a district figure counts: units counted this month, units whose last accepted value is
/// carried (沿用, with the month it is from), and units left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub counted: Vec<String>,
    pub carried: Vec<(String, Period)>,
    pub missing: Vec<String>,
}

impl Coverage {
    /// Merge another figure's coverage (a ratio's denominator): a unit counts only where both
    /// count it; carried where either carries it; missing where either misses it. Sets, not
    /// list scans: a province has 2,000 units.
    fn merge(&mut self, other: Coverage) {
        use std::collections::HashSet;
        let other_missing: HashSet<String> = other.missing.iter().cloned().collect();
        let other_carried: HashSet<String> = other.carried.iter().map(|(u, _)| u.clone()).collect();
        let mut known: HashSet<String> =
            self.counted.iter().chain(&self.missing).chain(self.carried.iter().map(|(u, _)| u)).cloned().collect();
        for unit in other.counted {
            if known.insert(unit.clone()) {
                self.counted.push(unit);
            }
        }
        self.counted.retain(|u| !other_carried.contains(u) && !other_missing.contains(u));
        let missing: HashSet<&String> = self.missing.iter().collect();
        let mut carried: HashSet<String> = self.carried.iter().map(|(u, _)| u.clone()).collect();
        let mut added = Vec::new();
        for (unit, from) in other.carried {
            if !missing.contains(&unit) && carried.insert(unit.clone()) {
                added.push((unit, from));
            }
        }
        self.carried.extend(added);
        self.carried.retain(|(u, _)| !other_missing.contains(u));
        let mut missing: HashSet<String> = self.missing.iter().cloned().collect();
        for unit in other.missing {
            if missing.insert(unit.clone()) {
                self.missing.push(unit);
            }
        }
    }

    /// `松杨湖街道（2024年5月）、…`: the carried units with the month each value is from.
    pub fn carried_text(&self) -> String {
        self.carried.iter().map(|(u, p)| format!("{u}（{}）", p.label())).collect::<Vec<_>>().join("、")
    }

    /// A short line for trend tables: `采用5个`, `采用4个，沿用1个：…，缺1个：…`.
    pub fn summary(&self) -> String {
        let mut text = format!("采用{}个", self.counted.len());
        if !self.carried.is_empty() {
            text.push_str(&format!("，沿用{}个：{}", self.carried.len(), self.carried_text()));
        }
        if !self.missing.is_empty() {
            text.push_str(&format!("，缺{}个：{}", self.missing.len(), self.missing.join("、")));
        }
        text
    }
}

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
}

/// One cross-check this month: both figures, with where each comes from.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub decimals: u8,
    /// `镇街报表：危房改造`, and the figure.
    pub left_label: String,
    pub left: Option<f64>,
    /// `区住建局台账：…` or `目标Y08：…`, and the figure.
    pub right_label: String,
    pub right: Option<f64>,
    /// left − right, where both are known.
    pub difference: Option<f64>,
    /// `Some(false)`: the two disagree beyond the tolerance (a warning).
    pub agrees: Option<bool>,
    /// Who the township figure leaves out, and the plan's note on the check.
    pub note: String,
}

impl CheckResult {
    /// 一致 / 不一致 / 无法核对.
    pub fn verdict(&self) -> &'static str {
        match self.agrees {
            Some(true) => "一致",
            Some(false) => "不一致",
            None => "无法核对",
        }
    }
}

/// The plan columns one form's indicators read (summed or counted columns and their filters'),
/// in plan order: what aggregation scans of the form's tables.
pub fn indicator_columns<'p>(plan: &'p Plan, form: &'p crate::plan::Form) -> Vec<&'p str> {
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for indicator in plan.indicators.iter().filter(|i| !i.is_ratio() && i.form.as_deref() == Some(form.id.as_str())) {
        match (indicator.aggregation, indicator.column.as_deref()) {
            (_, Some(column)) => used.insert(column),
            (Aggregation::Count, None) => used.insert(form.key_column().id.as_str()),
            (Aggregation::Sum, None) => continue,
        };
        used.extend(indicator.filters.iter().map(|f| f.column.as_str()));
    }
    form.columns.iter().map(|c| c.id.as_str()).filter(|c| used.contains(c)).collect()
}

/// A row filter as a polars predicate. Dates and months are ISO texts, so they compare as text:
/// `not_after = "2024-03-31"` is `date <= '2024-03-31'`; `本月` compares the month part of a date
/// with the row's period. A blank cell, or a filter on a number column, passes nothing.
fn filter_predicate(form: &crate::plan::Form, filter: &crate::plan::RowFilter) -> Expr {
    let is_text = form.columns.iter().find(|c| c.id == filter.column).is_some_and(|c| c.kind != crate::plan::ColumnKind::Number);
    if !is_text {
        return lit(false);
    }
    let column = col(filter.column.as_str());
    let predicate = match (&filter.equals, filter.not_after.as_deref()) {
        (Some(equals), _) => column.clone().eq(lit(equals.clone())),
        (None, Some(crate::plan::THIS_MONTH)) => column.clone().str().slice(lit(0), lit(7)).lt_eq(col("period")),
        (None, Some(date)) => column.clone().lt_eq(lit(date.to_string())),
        (None, None) => lit(false),
    };
    // Null (a blank cell) is false, not unknown: `a AND NOT b` must not pass a blank `b`.
    predicate.fill_null(lit(false))
}

/// Sums are correctly rounded: the total of many figures with one decimal comes out as the
/// nearest double to the exact sum (8995.8, not 8995.800000000001), whatever the order of the rows
/// or of polars' summation. Each value is split into a multiple of 2⁻²⁰ (summed exactly as
/// integers) and a remainder below 2⁻²¹ (summed as floats, its error far below the result's last
/// digit); the two sums are added once. Exact while a total stays below 2³³ (8.6 billion).
const SCALE: f64 = 1_048_576.0; // 2^20: multiplying by it is exact

/// One indicator of a form as polars expressions: the row's amount (its column where the row
/// passes the indicator's filters, else null) split for the exact sum, then aggregated over a
/// (township, period) group: a sum, or a count of the rows whose column is filled and that pass.
/// Null when no row counts towards it, so that "nothing reported" stays apart from zero (a
/// counted township with no such row reads as 0 later, see `Calculator::raw`). The amounts are
/// columns made before grouping, so that the aggregation runs polars' plain grouped sums and
/// counts (a filter inside `agg` would gather each group's rows first).
struct IndicatorExprs {
    /// The amount `a{i}`, a column added to the rows.
    amount: Expr,
    /// For sums, its parts `u{i}`/`r{i}`, added next.
    parts: Vec<Expr>,
    /// Aggregations over a group.
    aggs: Vec<Expr>,
    /// The indicator's value `i{i}` from the aggregations.
    value: Expr,
}

fn indicator_exprs(form: &crate::plan::Form, indicator: &Indicator, position: usize) -> Option<IndicatorExprs> {
    let (count, column) = match (indicator.aggregation, indicator.column.as_deref()) {
        (Aggregation::Sum, Some(column)) => (false, column),
        (Aggregation::Count, column) => (true, column.unwrap_or(&form.key_column().id)),
        (Aggregation::Sum, None) => return None,
    };
    let (a, u, r, n) = (format!("a{position}"), format!("u{position}"), format!("r{position}"), format!("n{position}"));
    let amount = match indicator.filters.iter().map(|f| filter_predicate(form, f)).reduce(|a, b| a.and(b)) {
        Some(passes) => when(passes).then(col(column)).otherwise(lit(NULL)),
        None => col(column),
    };
    let amount = amount.alias(a.as_str());
    let mut parts = Vec::new();
    let mut aggs = vec![col(a.as_str()).count().alias(n.as_str())];
    let total = if count {
        col(n.as_str()).cast(DataType::Float64)
    } else {
        let units = (col(a.as_str()) * lit(SCALE)).round(0, RoundMode::HalfToEven);
        parts.push(units.clone().cast(DataType::Int64).alias(u.as_str()));
        parts.push((col(a.as_str()) - units / lit(SCALE)).alias(r.as_str()));
        aggs.push(col(u.as_str()).sum().alias(u.as_str()));
        aggs.push(col(r.as_str()).sum().alias(r.as_str()));
        col(u.as_str()).cast(DataType::Float64) / lit(SCALE) + col(r.as_str())
    };
    let value = when(col(n.as_str()).gt(lit(0))).then(total).otherwise(lit(NULL).cast(DataType::Float64)).alias(format!("i{position}"));
    Some(IndicatorExprs { amount, parts, aggs, value })
}

/// What aggregation keeps of the stored rows: every indicator's value per township and period,
/// and the forms of each unit counted in each period. Small (indicators × townships × months).
#[derive(Debug, Clone, Default)]
pub struct Reduced {
    /// township → (index in `plan.indicators`, period) → value.
    values: FastMap<String, FastMap<(usize, Period), f64>>,
    /// The forms of each unit counted in each period (from each month's submissions).
    counted: BTreeMap<Period, Counted>,
}

/// The forms counted of each unit in one period: unit → form ids.
pub type Counted = FastMap<String, BTreeSet<String>>;

impl Reduced {
    /// Add what was reduced from other months (the same plan).
    pub fn merge(&mut self, other: Reduced) {
        for (period, units) in other.counted {
            let month = self.counted.entry(period).or_default();
            for (unit, forms) in units {
                month.entry(unit).or_default().extend(forms);
            }
        }
        for (township, values) in other.values {
            self.values.entry(township).or_default().extend(values);
        }
    }

    /// One month's values as a frame: `township`, then one float column per indicator id (the
    /// ratios' are null), townships in name order; what the store keeps beside a month
    /// (`store::write_derived`) so that later runs need not reduce it again.
    pub fn month_frame(&self, plan: &Plan, period: Period) -> PolarsResult<DataFrame> {
        let mut townships: Vec<&String> = self.values.iter().filter(|(_, v)| v.keys().any(|(_, p)| *p == period)).map(|(t, _)| t).collect();
        townships.sort();
        let mut columns = vec![Column::new("township".into(), townships.iter().map(|t| t.as_str()).collect::<Vec<_>>())];
        for (i, indicator) in plan.indicators.iter().enumerate() {
            let values: Vec<Option<f64>> = townships.iter().map(|t| self.values[*t].get(&(i, period)).copied()).collect();
            columns.push(Column::new(indicator.id.as_str().into(), values));
        }
        DataFrame::new(townships.len(), columns)
    }

    /// Add one month's values from a frame made by `month_frame` (for the same plan: columns of
    /// indicators the plan does not have are left out).
    pub fn insert_month_frame(&mut self, plan: &Plan, period: Period, frame: &DataFrame) -> PolarsResult<()> {
        let townships = frame.column("township")?.as_materialized_series().str()?.clone();
        let mut columns = Vec::new();
        for (i, indicator) in plan.indicators.iter().enumerate() {
            if let Ok(column) = frame.column(&indicator.id) {
                columns.push((i, column.as_materialized_series().f64()?.clone()));
            }
        }
        self.insert_rows(&townships, |_| Some(period), &columns);
        Ok(())
    }

    /// Add a frame's values: row `r` is township `townships[r]` in month `period_of(r)`; each
    /// column holds one indicator (index in `plan.indicators`). Row by row, so that each
    /// township's map is looked up (and its name copied) once.
    fn insert_rows(&mut self, townships: &StringChunked, period_of: impl Fn(usize) -> Option<Period>, columns: &[(usize, Float64Chunked)]) {
        for (row, t) in townships.iter().enumerate() {
            let (Some(t), Some(period)) = (t, period_of(row)) else { continue };
            let values = match self.values.get_mut(t) {
                Some(values) => values,
                None => self.values.entry(t.to_string()).or_default(),
            };
            for (i, column) in columns {
                if let Some(v) = column.get(row) {
                    values.insert((*i, period), v);
                }
            }
        }
    }

    /// Who was counted in `period` (from the month's submissions).
    pub fn set_counted(&mut self, period: Period, counted: Vec<(String, String)>) {
        let month = self.counted.entry(period).or_default();
        for (unit, form) in counted {
            month.entry(unit).or_default().insert(form);
        }
    }
}

/// One form's rows over some months: a lazy frame with `township`, `period` (`YYYY-MM`) and the
/// columns `indicator_columns` names (typed as the store types them).
pub struct FormRows<'p> {
    pub form: &'p crate::plan::Form,
    pub rows: LazyFrame,
}

/// The rows of a form's frame of one month in memory (a month being run, not yet stored), as
/// `FormRows` wants them.
pub fn frame_rows(plan: &Plan, form: &crate::plan::Form, frame: &DataFrame, period: Period) -> LazyFrame {
    let mut select = vec![col("township"), lit(period.to_string()).alias("period")];
    select.extend(indicator_columns(plan, form).into_iter().map(col));
    frame.clone().lazy().select(select)
}

/// Reduce the rows of each form to the indicators' values: one polars query per form, the
/// plan's indicators of that form as expressions inside `group_by([township, period]).agg(…)`.
/// Who was counted is not read from the rows: the caller says it (`set_counted`, from the months'
/// submissions; `aggregate_reduced` for the month being run).
pub fn reduce(plan: &Plan, forms: Vec<FormRows<'_>>) -> PolarsResult<Reduced> {
    let mut reduced = Reduced::default();
    let queries: Vec<(Vec<usize>, LazyFrame)> = forms
        .into_iter()
        .filter_map(|FormRows { form, rows }| {
            let (positions, exprs): (Vec<usize>, Vec<IndicatorExprs>) = plan
                .indicators
                .iter()
                .enumerate()
                .filter(|(_, i)| !i.is_ratio() && i.form.as_deref() == Some(form.id.as_str()))
                .filter_map(|(position, i)| Some((position, indicator_exprs(form, i, position)?)))
                .unzip();
            if exprs.is_empty() {
                return None;
            }
            let keys = [col("township"), col("period")];
            let amounts: Vec<Expr> = exprs.iter().map(|e| e.amount.clone()).collect();
            let parts: Vec<Expr> = exprs.iter().flat_map(|e| e.parts.clone()).collect();
            let aggs: Vec<Expr> = exprs.iter().flat_map(|e| e.aggs.clone()).collect();
            let values: Vec<Expr> = keys.iter().cloned().chain(exprs.into_iter().map(|e| e.value)).collect();
            let query = rows.with_columns(amounts).with_columns(parts).group_by(keys).agg(aggs).select(values);
            Some((positions, query))
        })
        .collect();
    for (positions, query) in queries {
        let frame = query.collect()?;
        let townships = frame.column("township")?.as_materialized_series().str()?.clone();
        let periods: Vec<Option<Period>> =
            frame.column("period")?.as_materialized_series().str()?.iter().map(|p| p.and_then(Period::parse)).collect();
        let columns = positions
            .iter()
            .map(|&i| Ok((i, frame.column(&format!("i{i}"))?.as_materialized_series().f64()?.clone())))
            .collect::<PolarsResult<Vec<_>>>()?;
        reduced.insert_rows(&townships, |row| periods[row], &columns);
    }
    Ok(reduced)
}

/// Ledger text (status, 进展说明) of department items: target id → (status, note).
pub type Ledger = HashMap<String, (Option<String>, Option<String>)>;

/// The ledger of one period from its department forms' frames. Where several departments'
/// files hold the same item, the owner's row counts, then the combined ledger's, then the first
/// other department's by name.
pub fn ledger_texts(plan: &Plan, frames: &[crate::store::FormFrame]) -> PolarsResult<Ledger> {
    // target id → (trust rank of the unit, status, note); lower rank wins.
    let mut best: HashMap<String, (u8, Option<String>, Option<String>)> = HashMap::new();
    for frame in frames {
        if !plan.form(&frame.form).is_some_and(|f| f.reporter == Reporter::Department) {
            continue;
        }
        let schema = frame.frame.schema();
        let texts = |name: &str| if schema.contains(name) { col(name) } else { lit(NULL).cast(DataType::String).alias(name) };
        let rows = frame
            .frame
            .clone()
            .lazy()
            .select([col("township"), col("record_key"), texts("status"), texts("progress_note")])
            .sort(["township"], SortMultipleOptions::default().with_maintain_order(true))
            .collect()?;
        let column = |name: &str| -> PolarsResult<StringChunked> { Ok(rows.column(name)?.as_materialized_series().str()?.clone()) };
        let (unit, key, status, note) = (column("township")?, column("record_key")?, column("status")?, column("progress_note")?);
        for i in 0..rows.height() {
            let (Some(u), Some(k)) = (unit.get(i), key.get(i)) else { continue };
            let owner = plan.targets.iter().find(|x| x.id == k).map(|x| plan.ledger_owner(x));
            let rank = if owner == Some(u) {
                0
            } else if u == DEPARTMENTS {
                1
            } else {
                2
            };
            let entry = best.entry(k.to_string()).or_insert((rank, None, None));
            if rank < entry.0 {
                *entry = (rank, None, None);
            }
            if rank == entry.0 {
                if entry.1.is_none() {
                    entry.1 = status.get(i).map(str::to_string);
                }
                if entry.2.is_none() {
                    entry.2 = note.get(i).map(str::to_string);
                }
            }
        }
    }
    Ok(best.into_iter().map(|(k, (_, status, note))| (k, (status, note))).collect())
}

/// What a target's numbers mean at the end of `period`.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub completion_rate: Option<f64>,
    /// Expected share of the target by the period's end (序时进度), for scheduled targets.
    pub time_progress: Option<f64>,
    /// Expected value by the period's end (序时目标), in the target's unit.
    pub expected: Option<f64>,
    /// Completion − expected share, in points; for milestones, value − expected value.
    pub gap_pp: Option<f64>,
    /// Floors, ceilings and baselines: how far the value is on the right side of the line
    /// (negative: beyond it), in the indicator's unit.
    pub margin: Option<f64>,
    pub status: Status,
}

impl Evaluation {
    fn only(status: Status) -> Evaluation {
        Evaluation { completion_rate: None, time_progress: None, expected: None, gap_pp: None, margin: None, status }
    }
}

/// Status of a value `gap` points from what is expected.
fn lag_status(gap: f64, thresholds: &Thresholds) -> Status {
    if gap >= -1e-9 {
        Status::OnTrack
    } else if gap > -thresholds.severe_lag_pp + 1e-9 {
        Status::Lagging
    } else {
        Status::SeverelyLagging
    }
}

/// Evaluate one numeric target against its cumulative value at the end of `period` (SPEC
/// "Time"): scheduled targets against what their schedule expects by then, milestones in their
/// own terms, floors, ceilings and baselines by their margin to the line.
pub fn evaluate(
    target: &Target,
    schedule: Option<&ResolvedSchedule>,
    value: Option<f64>,
    period: Period,
    thresholds: &Thresholds,
) -> Evaluation {
    let Some(value) = value else {
        return Evaluation::only(if target.kind == TargetKind::Tracked { Status::Tracked } else { Status::NoData });
    };
    let end = period.end();
    match target.kind {
        TargetKind::AtLeast | TargetKind::Count => {
            let Some(goal) = target.value.filter(|g| *g > 0.0) else { return Evaluation::only(Status::NoData) };
            let completion = value / goal;
            let share = schedule.and_then(|s| s.share_at(end));
            let due = schedule.and_then(|s| s.due(&target.milestones));
            let expected = share.map(|s| goal * s);
            let gap = share.map(|s| (completion - s) * 100.0);
            // A count over-achieved is 已完成, not 1,100%.
            let shown = if target.kind == TargetKind::Count { completion.min(1.0) } else { completion };
            let mut evaluation = Evaluation {
                completion_rate: Some(shown),
                time_progress: share,
                expected,
                gap_pp: gap,
                margin: None,
                status: Status::NoData,
            };
            evaluation.status = if completion >= 1.0 - 1e-9 {
                if target.kind == TargetKind::Count {
                    evaluation.gap_pp = None;
                }
                Status::Completed
            } else if due.is_some_and(|d| end > crate::plan::month_end(d))
                || schedule.is_some_and(|s| matches!(s.timing, crate::plan::Timing::YearEnd { due } if end >= due))
            {
                // Past the due month, or at the year-end judgement itself: 逾期未完成.
                Status::Overdue
            } else {
                match gap {
                    Some(g) => lag_status(g, thresholds),
                    None => Status::NotDue,
                }
            };
            evaluation
        }
        TargetKind::Milestones => {
            // Compared in their own terms: the value (a percentage) against the latest milestone
            // due, in points; nothing is expected before the first.
            let expected = target.milestones.iter().rev().find(|m| m.by <= end).map(|m| m.value).unwrap_or(0.0);
            let last = target.milestones.last();
            let gap = value - expected;
            let status = if last.is_some_and(|m| value >= m.value - 1e-9) {
                Status::Completed
            } else if last.is_some_and(|m| end > crate::plan::month_end(m.by)) {
                Status::Overdue
            } else {
                lag_status(gap, thresholds)
            };
            Evaluation { completion_rate: None, time_progress: None, expected: Some(expected), gap_pp: Some(gap), margin: None, status }
        }
        TargetKind::Floor | TargetKind::Baseline => {
            let goal = if target.kind == TargetKind::Floor { target.value } else { target.baseline };
            let margin = goal.map(|g| value - g);
            let met = margin.is_none_or(|m| m >= -1e-9);
            Evaluation { margin, ..Evaluation::only(if met { Status::Met } else { Status::Warning }) }
        }
        TargetKind::Ceiling => {
            let margin = target.value.map(|g| g - value);
            let met = margin.is_none_or(|m| m >= -1e-9);
            Evaluation { margin, ..Evaluation::only(if met { Status::Met } else { Status::Warning }) }
        }
        TargetKind::Ratio => {
            let met = target.value.is_none_or(|g| value >= g - 1e-9);
            let completion = target.value.filter(|g| *g > 0.0).map(|g| value / g);
            Evaluation { completion_rate: completion, ..Evaluation::only(if met { Status::Met } else { Status::NotMet }) }
        }
        TargetKind::Tracked => Evaluation::only(Status::Tracked),
        TargetKind::Qualitative => Evaluation::only(Status::NotReported),
    }
}

/// Where one project stands against its due date (the topic sheets' 按期情况 column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStatus {
    /// Finished on or before its due date (按期完工).
    OnTime,
    /// Finished after its due date (逾期完工).
    Late,
    /// Finished; the form records no date to judge it by (已完工).
    Done,
    /// Not finished and its due month has passed (逾期未完工).
    Overdue,
    /// Not finished, not yet due (未到期).
    NotDue,
    /// No planned month given (未定计划).
    Unplanned,
}

impl ProjectStatus {
    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::OnTime => "按期完工",
            ProjectStatus::Late => "逾期完工",
            ProjectStatus::Done => "已完工",
            ProjectStatus::Overdue => "逾期未完工",
            ProjectStatus::NotDue => "未到期",
            ProjectStatus::Unplanned => "未定计划",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            ProjectStatus::OnTime | ProjectStatus::Done => Tone::Green,
            ProjectStatus::Late | ProjectStatus::Unplanned => Tone::Yellow,
            ProjectStatus::Overdue => Tone::Red,
            ProjectStatus::NotDue => Tone::Neutral,
        }
    }
}

/// A project row judged by its form's `timing` at the end of `period`; `None` for forms without
/// one and rows its filters leave out (e.g. projects of another 建设年度). A due date is judged
/// by its month, as targets are.
pub fn project_status(form: &crate::plan::Form, record: &crate::validate::Record, period: Period) -> Option<ProjectStatus> {
    let timing = form.timing.as_ref()?;
    let value = |id: &str| form.columns.iter().position(|c| c.id == id).and_then(|i| record.values[i].text());
    if !timing.filters.iter().all(|f| f.passes(value(&f.column), period)) {
        return None;
    }
    let due = match (&timing.due, &timing.due_column) {
        (Some(d), _) => Some(crate::plan::month_end(*d)),
        (None, Some(c)) => {
            value(c).and_then(|m| chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()).map(crate::plan::month_end)
        }
        (None, None) => None,
    };
    let done = value(&timing.done) == Some("是");
    let date = timing.date.as_deref().and_then(value).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    Some(match (done, due, date) {
        (true, Some(due), Some(date)) if date > due => ProjectStatus::Late,
        (true, Some(_), Some(_)) => ProjectStatus::OnTime,
        (true, _, _) => ProjectStatus::Done,
        (false, None, _) => ProjectStatus::Unplanned,
        (false, Some(due), _) if period.end() > due => ProjectStatus::Overdue,
        (false, Some(_), _) => ProjectStatus::NotDue,
    })
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

/// Run the aggregation for one period from the year's facts already reduced (see `Reduced`),
/// the period's ledger and the status of every reporting unit's forms this month
/// (unit, form, status).
pub fn aggregate_reduced(
    plan: &Plan,
    period: Period,
    reduced: Reduced,
    ledger: &Ledger,
    statuses: Vec<(String, String, SubmissionStatus)>,
) -> Result<Aggregated> {
    let Reduced { values, mut counted } = reduced;
    // The current period's counted forms are the validation verdict, even for a form with no rows.
    let mut current: Counted = FastMap::default();
    for (unit, form, status) in &statuses {
        if *status == SubmissionStatus::Reported {
            current.entry(unit.clone()).or_default().insert(form.clone());
        }
    }
    counted.insert(period, current);
    let mut units: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
    // District sums are added in name order (as they always were), whatever the plan's order.
    let mut sum_order = units.clone();
    sum_order.sort();
    units.shrink_to_fit();
    let index: FastMap<&str, usize> = plan.indicators.iter().enumerate().map(|(i, ind)| (ind.id.as_str(), i)).collect();
    let mut departments: Vec<String> = plan.departments();
    departments.sort();
    let calc = Calculator {
        plan,
        values: &values,
        index: &index,
        counted: &counted,
        sum_order: &sum_order,
        departments: &departments,
        carry_months: plan.thresholds.carry_months,
        dense: Dense::new(&sum_order, &values, &counted),
    };

    // Targets, and below each township indicator, are worked out in parallel (in plan order).
    let targets: Vec<TargetProgress> = plan.targets.par_iter().map(|target| calc.target_progress(target, period, ledger)).collect();

    // Township table: every indicator a numeric target uses that townships report.
    let mut township_indicators: Vec<String> = Vec::new();
    for target in plan.targets.iter().filter(|t| t.is_numeric()) {
        let Some(indicator) = target.indicator.as_deref().and_then(|i| plan.indicator(i)) else { continue };
        if calc.reporter(indicator) == Reporter::Township && !township_indicators.contains(&indicator.id) {
            township_indicators.push(indicator.id.clone());
        }
    }
    let status_of: HashMap<(&str, &str), SubmissionStatus> = statuses.iter().map(|(u, f, s)| ((u.as_str(), f.as_str()), *s)).collect();
    let township_rows = |indicator_id: &String| -> Vec<TownshipValue> {
        let indicator = plan.indicator(indicator_id).expect("listed from plan");
        let form = calc.form_of(indicator).unwrap_or_default().to_string();
        let target = plan.targets.iter().find(|t| t.indicator.as_deref() == Some(indicator_id.as_str()));
        let mut rows: Vec<TownshipValue> = units
            .iter()
            .map(|township| {
                let status = status_of.get(&(township.as_str(), form.as_str())).copied().unwrap_or(SubmissionStatus::Missing);
                let value = if status == SubmissionStatus::Reported { calc.township_value(indicator, period, township) } else { None };
                let allocation = target.and_then(|t| t.allocations.get(township).copied());
                let completion_rate = value.zip(allocation).filter(|(_, a)| *a > 0.0).map(|(v, a)| v / a);
                TownshipValue {
                    township: township.clone(),
                    indicator_id: indicator_id.clone(),
                    value,
                    allocation,
                    completion_rate,
                    rank: None,
                    tied: false,
                    share: None,
                    submission_status: status,
                    form: form.clone(),
                }
            })
            .collect();
        // Townships are ranked only where the comparison is fair (SPEC "Rankings"): by completion
        // of their allocation where the plan allocates (those without one are not ranked), or by
        // a rate in the indicator's direction. Raw sizes are not ranked: each shows its share of
        // the district instead.
        let allocated = rows.iter().any(|r| r.allocation.is_some());
        let lower = indicator.direction == Direction::Lower;
        let scores: Vec<(String, f64)> = if allocated {
            rows.iter().filter_map(|r| r.completion_rate.map(|s| (r.township.clone(), s))).collect()
        } else if indicator.is_ratio() {
            rows.iter().filter_map(|r| r.value.map(|v| (r.township.clone(), if lower { -v } else { v }))).collect()
        } else {
            let total: f64 = rows.iter().filter_map(|r| r.value).sum();
            for r in &mut rows {
                r.share = r.value.filter(|_| total > 0.0).map(|v| v / total);
            }
            Vec::new()
        };
        let position: HashMap<String, usize> = rows.iter().enumerate().map(|(i, r)| (r.township.clone(), i)).collect();
        for (name, rank, tied) in rank_with_ties(scores) {
            if let Some(&i) = position.get(&name) {
                rows[i].rank = Some(rank);
                rows[i].tied = tied;
            }
        }
        rows
    };
    let townships: Vec<TownshipValue> = township_indicators.par_iter().flat_map_iter(township_rows).collect();

    let mut trend = Vec::new();
    let year_periods: Vec<Period> = (1..=period.month).filter_map(|m| Period::new(period.year, m)).collect();
    for target in plan.targets.iter().filter(|t| t.is_numeric()) {
        let Some(indicator) = target.indicator.as_deref().and_then(|i| plan.indicator(i)) else { continue };
        for p in &year_periods {
            if !counted.contains_key(p) {
                continue;
            }
            let (value, coverage) = calc.district_value(indicator, *p);
            let townships_counted = coverage.counted.len();
            trend.push(TrendPoint { indicator_id: indicator.id.clone(), period: *p, value, townships_counted, coverage });
        }
    }
    let mut coverage = Vec::new();
    for form in &plan.forms {
        for p in year_periods.iter().filter(|p| counted.contains_key(p)) {
            coverage.push(FormCoverage { form: form.id.clone(), period: *p, coverage: calc.form_coverage(form, *p) });
        }
    }
    let checks = plan.checks.iter().map(|check| calc.check(check, period)).collect();
    Ok(Aggregated { period, targets, townships, trend, township_indicators, coverage, checks })
}

/// 同比: every indicator's district value in one month (`period`, of an earlier year) from that
/// month's reduction alone: units counted then, nothing carried (its earlier months are not read).
pub fn month_values(plan: &Plan, period: Period, reduced: Reduced) -> BTreeMap<String, f64> {
    let Reduced { values, counted } = reduced;
    let mut sum_order: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
    sum_order.sort();
    let index: FastMap<&str, usize> = plan.indicators.iter().enumerate().map(|(i, ind)| (ind.id.as_str(), i)).collect();
    let mut departments = plan.departments();
    departments.sort();
    let calc = Calculator {
        plan,
        values: &values,
        index: &index,
        counted: &counted,
        sum_order: &sum_order,
        departments: &departments,
        carry_months: 0,
        dense: Dense::new(&sum_order, &values, &counted),
    };
    plan.indicators.iter().filter_map(|i| calc.district_value(i, period).0.map(|v| (i.id.clone(), v))).collect()
}

/// Where a unit's value of a form in a month comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Counted,
    /// Not counted this month: its value of that earlier month stands in (沿用).
    Carried(Period),
    Missing,
}

struct Calculator<'a> {
    plan: &'a Plan,
    /// township → (indicator index, period) → value.
    values: &'a FastMap<String, FastMap<(usize, Period), f64>>,
    /// indicator id → index in `plan.indicators`.
    index: &'a FastMap<&'a str, usize>,
    /// The forms of each unit counted in each period.
    counted: &'a BTreeMap<Period, Counted>,
    /// The townships, in the order district sums add them (by name).
    sum_order: &'a [String],
    /// The departments with a ledger of their own, by name.
    departments: &'a [String],
    carry_months: u32,
    /// What district sums read per township, by position in `sum_order` (made once by
    /// `Dense::new`: the sums run over every township for every indicator and
    /// month, and name lookups there were most of the aggregation's time at province scale).
    dense: Dense<'a>,
}

/// Townships by position in `Calculator::sum_order`.
#[derive(Default)]
struct Dense<'a> {
    townships: usize,
    /// The periods with values, and their slot.
    periods: FastMap<Period, usize>,
    /// Values by indicator, period slot, then township (NaN: none), so that a district sum
    /// reads one contiguous column.
    values: Vec<f64>,
    /// (period, form) → whether each township's form was counted that month.
    counted: FastMap<(Period, &'a str), Vec<bool>>,
}

impl<'a> Dense<'a> {
    fn new(sum_order: &[String], values: &FastMap<String, FastMap<(usize, Period), f64>>, counted: &'a BTreeMap<Period, Counted>) -> Self {
        let townships = sum_order.len();
        let position: FastMap<&str, usize> = sum_order.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
        let mut periods: FastMap<Period, usize> = FastMap::default();
        let mut indicators = 0;
        for (township, own) in values {
            if position.contains_key(township.as_str()) {
                for (i, p) in own.keys() {
                    indicators = indicators.max(i + 1);
                    let next = periods.len();
                    periods.entry(*p).or_insert(next);
                }
            }
        }
        let mut dense =
            Dense { townships, values: vec![f64::NAN; indicators * periods.len() * townships], periods, counted: FastMap::default() };
        for (township, own) in values {
            let Some(&pos) = position.get(township.as_str()) else { continue };
            for ((i, p), v) in own {
                let slot = (i * dense.periods.len() + dense.periods[p]) * townships + pos;
                dense.values[slot] = *v;
            }
        }
        for (period, units) in counted {
            for (unit, forms) in units {
                let Some(&pos) = position.get(unit.as_str()) else { continue };
                for form in forms {
                    dense.counted.entry((*period, form.as_str())).or_insert_with(|| vec![false; townships])[pos] = true;
                }
            }
        }
        dense
    }

    /// The value at `pos` of a `column` (0 where there is none).
    fn value(column: Option<&[f64]>, pos: usize) -> f64 {
        column.map(|c| c[pos]).filter(|v| !v.is_nan()).unwrap_or(0.0)
    }

    /// Every township's value of indicator `index` in `period` (NaN: none).
    fn column(&self, index: Option<usize>, period: Period) -> Option<&[f64]> {
        let slot = *self.periods.get(&period)?;
        let start = (index? * self.periods.len() + slot) * self.townships;
        self.values.get(start..start + self.townships)
    }
}

impl Calculator<'_> {
    /// Where each township's figures of `form` for `period` come from, by position in
    /// `sum_order` (as `source`, without a name lookup per township).
    fn sources(&self, form: &str, period: Period) -> Vec<Source> {
        let mut months = vec![(period, self.dense.counted.get(&(period, form)))];
        let mut earlier = period;
        for _ in 0..self.carry_months {
            if earlier.month == 1 {
                break;
            }
            earlier = earlier.previous();
            months.push((earlier, self.dense.counted.get(&(earlier, form))));
        }
        (0..self.sum_order.len())
            .map(|pos| match months.iter().position(|(_, c)| c.is_some_and(|c| c[pos])) {
                Some(0) => Source::Counted,
                Some(k) => Source::Carried(months[k].0),
                None => Source::Missing,
            })
            .collect()
    }

    /// The value of indicator `index` for the township at `pos` of `sum_order` (0 where none).
    fn raw_at(&self, index: Option<usize>, period: Period, pos: usize) -> f64 {
        Dense::value(self.dense.column(index, period), pos)
    }

    fn reporter(&self, indicator: &Indicator) -> Reporter {
        self.form_of(indicator).and_then(|f| self.plan.form(f)).map(|f| f.reporter).unwrap_or(Reporter::Township)
    }

    /// The form an indicator is computed from (the numerator's, for a ratio).
    fn form_of<'i>(&'i self, indicator: &'i Indicator) -> Option<&'i str> {
        self.plan.indicator_form(indicator)
    }

    fn get(&self, indicator: &str, period: Period, township: &str) -> Option<f64> {
        let index = self.index.get(indicator)?;
        self.values.get(township)?.get(&(*index, period)).copied()
    }

    fn raw(&self, indicator: &str, period: Period, township: &str) -> f64 {
        self.get(indicator, period, township).unwrap_or(0.0)
    }

    fn is_counted(&self, unit: &str, form: &str, period: Period) -> bool {
        self.counted.get(&period).and_then(|c| c.get(unit)).is_some_and(|forms| forms.contains(form))
    }

    /// Where a unit's figures of `form` for `period` come from: counted, else its last counted
    /// month of the plan year at most `carry_months` back, else missing.
    fn source(&self, unit: &str, form: &str, period: Period) -> Source {
        if self.is_counted(unit, form, period) {
            return Source::Counted;
        }
        let mut earlier = period;
        for _ in 0..self.carry_months {
            if earlier.month == 1 {
                break;
            }
            earlier = earlier.previous();
            if self.is_counted(unit, form, earlier) {
                return Source::Carried(earlier);
            }
        }
        Source::Missing
    }

    /// A counted township's value (0 where it reported no matching rows).
    fn township_value(&self, indicator: &Indicator, period: Period, township: &str) -> Option<f64> {
        if indicator.is_ratio() {
            let num = self.raw(indicator.numerator.as_deref()?, period, township);
            let den = self.raw(indicator.denominator.as_deref()?, period, township);
            return (den > 0.0).then(|| num / den * 100.0);
        }
        Some(self.raw(&indicator.id, period, township))
    }

    /// Who one form's figures count in `period`.
    fn form_coverage(&self, form: &crate::plan::Form, period: Period) -> Coverage {
        let sources = if form.reporter == Reporter::Department {
            let mut units = self.departments.to_vec();
            if self.counted.get(&period).is_some_and(|c| c.contains_key(DEPARTMENTS)) {
                units.push(DEPARTMENTS.to_string());
            }
            units.into_iter().map(|unit| (self.source(&unit, &form.id, period), unit)).collect::<Vec<_>>()
        } else {
            self.sources(&form.id, period).into_iter().zip(self.sum_order.iter().cloned()).collect()
        };
        let mut coverage = Coverage::default();
        for (source, unit) in sources {
            match source {
                Source::Counted => coverage.counted.push(unit),
                Source::Carried(from) => coverage.carried.push((unit, from)),
                Source::Missing => coverage.missing.push(unit),
            }
        }
        coverage
    }

    /// The district sum of a township indicator (not a ratio): each township's counted value,
    /// or its carried one, added in name order; `None` when no township contributes.
    fn township_sum(&self, indicator: &Indicator, period: Period) -> (Option<f64>, Coverage) {
        let Some(form) = indicator.form.as_deref() else { return (None, Coverage::default()) };
        let index = self.index.get(indicator.id.as_str()).copied();
        let mut coverage = Coverage::default();
        let mut sum = 0.0;
        let now = self.dense.column(index, period);
        for (pos, (unit, source)) in self.sum_order.iter().zip(self.sources(form, period)).enumerate() {
            match source {
                Source::Counted => {
                    sum += Dense::value(now, pos);
                    coverage.counted.push(unit.clone());
                }
                Source::Carried(from) => {
                    sum += self.raw_at(index, from, pos);
                    coverage.carried.push((unit.clone(), from));
                }
                Source::Missing => coverage.missing.push(unit.clone()),
            }
        }
        let any = !coverage.counted.is_empty() || !coverage.carried.is_empty();
        (any.then_some(sum), coverage)
    }

    /// The departments that may hold a department indicator's value, in the order they are
    /// trusted: the owner of the target it measures, the combined ledger, then the others.
    fn ledger_candidates(&self, indicator: &Indicator) -> Vec<String> {
        let mut candidates: Vec<String> = Vec::new();
        let item = self.plan.ledger_item(indicator);
        if let Some(target) =
            self.plan.targets.iter().find(|t| t.indicator.as_deref() == Some(indicator.id.as_str()) || Some(t.id.as_str()) == item)
        {
            candidates.push(self.plan.ledger_owner(target).to_string());
        }
        for unit in std::iter::once(DEPARTMENTS).chain(self.departments.iter().map(String::as_str)) {
            if !candidates.iter().any(|c| c == unit) {
                candidates.push(unit.to_string());
            }
        }
        candidates
    }

    /// A department indicator (not a ratio): the value of the first candidate counted with it
    /// this month, else the latest carried one.
    fn ledger_value(&self, indicator: &Indicator, period: Period) -> (Option<f64>, Coverage) {
        let Some(form) = indicator.form.as_deref() else { return (None, Coverage::default()) };
        let candidates = self.ledger_candidates(indicator);
        let owner = candidates.first().cloned().unwrap_or_default();
        let mut month = period;
        for back in 0..=self.carry_months {
            if back > 0 {
                if month.month == 1 {
                    break;
                }
                month = month.previous();
            }
            for unit in &candidates {
                if self.is_counted(unit, form, month)
                    && let Some(v) = self.get(&indicator.id, month, unit)
                {
                    let mut coverage = Coverage::default();
                    if back == 0 {
                        coverage.counted.push(unit.clone());
                    } else {
                        coverage.carried.push((unit.clone(), month));
                    }
                    return (Some(v), coverage);
                }
            }
        }
        (None, Coverage { missing: vec![owner], ..Coverage::default() })
    }

    fn plain_value(&self, indicator: &Indicator, period: Period) -> (Option<f64>, Coverage) {
        if self.reporter(indicator) == Reporter::Department {
            self.ledger_value(indicator, period)
        } else {
            self.township_sum(indicator, period)
        }
    }

    /// One cross-check this month (see `plan::Check`).
    fn check(&self, check: &crate::plan::Check, period: Period) -> CheckResult {
        let indicator = self.plan.indicator(&check.indicator).expect("checked by plan");
        let source = |i: &Indicator| match self.reporter(i) {
            Reporter::Department => format!("{}台账", self.ledger_candidates(i).first().map(String::as_str).unwrap_or(DEPARTMENTS)),
            Reporter::Township => "镇街报表".to_string(),
        };
        let (left, coverage) = self.district_value(indicator, period);
        let mut notes = Vec::new();
        if !coverage.missing.is_empty() {
            notes.push(format!("镇街合计不含{}", coverage.missing.join("、")));
        }
        if !coverage.carried.is_empty() {
            notes.push(format!("含沿用数：{}", coverage.carried_text()));
        }
        let (right_label, right) = match (&check.against, &check.target) {
            (Some(other), _) => {
                let other = self.plan.indicator(other).expect("checked by plan");
                let (value, other_coverage) = self.district_value(other, period);
                if self.reporter(other) == Reporter::Township && !other_coverage.missing.is_empty() {
                    notes.push(format!("不含{}", other_coverage.missing.join("、")));
                }
                (format!("{}：{}", source(other), other.name), value)
            }
            (None, Some(target)) => {
                let target = self.plan.targets.iter().find(|t| &t.id == target).expect("checked by plan");
                (format!("目标{}：{}（{}）", target.id, target.name, target.stated), target.value)
            }
            (None, None) => (String::new(), None),
        };
        let difference = left.zip(right).map(|(l, r)| l - r);
        // A township sum that leaves units out cannot be said to disagree.
        let agrees = difference.filter(|_| coverage.missing.is_empty()).map(|d| d.abs() <= check.tolerance + 1e-9);
        if !check.note.is_empty() {
            notes.push(check.note.clone());
        }
        CheckResult {
            id: check.id.clone(),
            name: check.name.clone(),
            unit: indicator.unit.clone(),
            decimals: indicator.decimals,
            left_label: format!("{}：{}", source(indicator), indicator.name),
            left,
            right_label,
            right,
            difference,
            agrees,
            note: notes.join("；"),
        }
    }

    /// District value and who it counts. A ratio is the ratio of the district sums.
    fn district_value(&self, indicator: &Indicator, period: Period) -> (Option<f64>, Coverage) {
        if !indicator.is_ratio() {
            return self.plain_value(indicator, period);
        }
        let part = |id: Option<&str>| id.and_then(|i| self.plan.indicator(i)).map(|i| self.plain_value(i, period));
        let (Some((num, mut coverage)), Some((den, den_coverage))) =
            (part(indicator.numerator.as_deref()), part(indicator.denominator.as_deref()))
        else {
            return (None, Coverage::default());
        };
        coverage.merge(den_coverage);
        let value = match (num, den) {
            (Some(n), Some(d)) if d > 0.0 => Some(n / d * 100.0),
            _ => None,
        };
        (value, coverage)
    }

    /// This month's change: for each township, this month's value less last month's (each
    /// counted or carried); townships without both are left out and named. `None` without a
    /// stored last month (or for a ratio).
    fn month_value(&self, indicator: &Indicator, period: Period) -> (Option<f64>, Vec<String>) {
        if indicator.is_ratio() {
            return (None, vec![]);
        }
        let measure = self.plan.indicator_measure(indicator);
        if period.month == 1 && measure == Measure::Ytd {
            return (self.district_value(indicator, period).0, vec![]);
        }
        if !self.counted.contains_key(&period.previous()) || period.month == 1 {
            return (None, vec![]);
        }
        if self.reporter(indicator) == Reporter::Department {
            let (now, _) = self.ledger_value(indicator, period);
            let (before, _) = self.ledger_value(indicator, period.previous());
            return (now.zip(before).map(|(n, b)| n - b), vec![]);
        }
        let Some(form) = indicator.form.as_deref() else { return (None, vec![]) };
        let index = self.index.get(indicator.id.as_str()).copied();
        let value_at = |pos: usize, source: Source, p: Period| match source {
            Source::Counted => Some(self.raw_at(index, p, pos)),
            Source::Carried(from) => Some(self.raw_at(index, from, pos)),
            Source::Missing => None,
        };
        let (now, before) = (self.sources(form, period), self.sources(form, period.previous()));
        let mut change = 0.0;
        let mut any = false;
        let mut left_out = Vec::new();
        for (pos, unit) in self.sum_order.iter().enumerate() {
            match (value_at(pos, now[pos], period), value_at(pos, before[pos], period.previous())) {
                (Some(now), Some(before)) => {
                    change += now - before;
                    any = true;
                }
                (Some(_), None) => left_out.push(unit.clone()),
                _ => {}
            }
        }
        (any.then_some(change), left_out)
    }

    fn target_progress(&self, target: &Target, period: Period, ledger: &Ledger) -> TargetProgress {
        let indicator = target.indicator.as_deref().and_then(|i| self.plan.indicator(i));
        let mut row = TargetProgress {
            target_id: target.id.clone(),
            indicator_id: indicator.map(|i| i.id.clone()),
            clause: target.clause.clone(),
            task: target.task.clone(),
            name: target.name.clone(),
            kind: target.kind,
            unit: indicator.map(|i| i.unit.clone()).unwrap_or_default(),
            decimals: indicator.map(|i| i.decimals).unwrap_or(1),
            target: match target.kind {
                TargetKind::Baseline => target.baseline,
                TargetKind::Milestones => target.value.or_else(|| target.milestones.last().map(|m| m.value)),
                _ => target.value,
            },
            stated: target.stated.clone(),
            month_value: None,
            cumulative: None,
            completion_rate: None,
            time_progress: None,
            gap_pp: None,
            status: Status::NoData,
            lead_units: target.lead_units.join("、"),
            note: String::new(),
            coverage: Coverage::default(),
            expected: None,
            margin: None,
            schedule: String::new(),
            assumptions: Vec::new(),
            schedule_assumed: false,
            target_assumed: false,
            percent: false,
            last_year: None,
        };
        let Some(indicator) = indicator else {
            // Qualitative: the lead unit's ledger row says where it stands.
            let (status, note) = ledger.get(&target.id).cloned().unwrap_or_default();
            row.status = match status.as_deref() {
                Some("已完成") => Status::Completed,
                Some("推进中") => Status::InProgress,
                Some("未启动") => Status::NotStarted,
                _ => Status::NotReported,
            };
            row.note = note.unwrap_or_default();
            return row;
        };
        let (cumulative, coverage) = self.district_value(indicator, period);
        let (month_value, not_last_month) = self.month_value(indicator, period);
        let mut schedule = self.plan.schedule(target);
        if let Some(ResolvedSchedule { timing: crate::plan::Timing::Planned { indicator: planned, share, .. }, .. }) = &mut schedule {
            // Expected: what the projects planned to finish by this month add up to.
            let planned = self.plan.indicator(planned).and_then(|i| self.district_value(i, period).0);
            *share = planned.zip(target.value.filter(|g| *g > 0.0)).map(|(p, g)| (p / g).min(1.0));
        }
        let mut evaluation = evaluate(target, schedule.as_ref(), cumulative, period, &self.plan.thresholds);
        let mut on_time_note = None;
        if let (Some(on_time), Some(done), Some(goal)) =
            (target.on_time.as_deref().and_then(|i| self.plan.indicator(i)), cumulative, target.value)
        {
            // Judged from the completion dates: past the deadline, reached only by counting what
            // finished after it is 逾期完成.
            let due = target.due(self.plan.plan.year);
            let in_time = self.district_value(on_time, period).0.unwrap_or(0.0);
            let unit = &indicator.unit;
            if period.end() > crate::plan::month_end(due) || done > in_time + 1e-9 {
                on_time_note = Some(format!(
                    "按期（{}前）完成{}{unit}，逾期完成{}{unit}",
                    due.format("%-m月%-d日"),
                    crate::text::fmt(in_time),
                    crate::text::fmt((done - in_time).max(0.0))
                ));
            }
            if evaluation.status == Status::Completed && period.end() > crate::plan::month_end(due) && in_time < goal - 1e-9 {
                evaluation.status = Status::CompletedLate;
            }
        }
        row.cumulative = cumulative;
        row.month_value = month_value;
        row.completion_rate = evaluation.completion_rate;
        row.time_progress = evaluation.time_progress;
        row.expected = evaluation.expected;
        row.gap_pp = evaluation.gap_pp;
        row.margin = evaluation.margin;
        row.status = evaluation.status;
        row.percent = indicator.unit == "%";
        if let Some(schedule) = &schedule {
            row.schedule = schedule.describe(target.schedule.as_ref().and_then(|s| s.curve.as_deref()));
            if schedule.assumed && evaluation.expected.is_some() {
                row.schedule_assumed = true;
                row.assumptions.push(format!("序时目标暂定（{}）", schedule.source));
            }
        }
        if !target.assumption.is_empty() {
            row.target_assumed = true;
            // A milestone's values are its schedule: both are assumed.
            row.schedule_assumed |= target.kind == TargetKind::Milestones;
            let what = match target.kind {
                TargetKind::Baseline => "基数",
                TargetKind::Milestones => "时序节点",
                _ => "目标值",
            };
            row.assumptions.push(format!("{what}暂定（{}）", target.assumption));
        }
        let department = self.reporter(indicator) == Reporter::Department;
        // A line judged on a total that still lacks townships cannot be judged.
        if !department
            && cumulative.is_some()
            && !coverage.missing.is_empty()
            && matches!(target.kind, TargetKind::Floor | TargetKind::Ceiling | TargetKind::Baseline)
        {
            row.status = Status::Incomplete;
            row.margin = None;
        }
        let mut notes: Vec<String> = on_time_note.into_iter().collect();
        if !coverage.missing.is_empty() && !department {
            notes.push(format!("不含{}（未报送或数据有误）", coverage.missing.join("、")));
        }
        if !coverage.carried.is_empty() {
            notes.push(format!("含沿用数：{}本月未采用，沿用其最近一次采用的数据", coverage.carried_text()));
        }
        if !not_last_month.is_empty() && month_value.is_some() {
            notes.push(format!("本月完成不含{}（上月数据未采用）", not_last_month.join("、")));
        }
        if department {
            if let Some((_, Some(note))) = ledger.get(&target.id) {
                notes.push(note.clone());
            }
            if cumulative.is_none() {
                notes.push("牵头单位本月未报送台账".to_string());
            }
        }
        row.note = notes.join("；");
        row.coverage = coverage;
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Milestone;
    use chrono::NaiveDate;

    #[test]
    fn a_ratio_counts_a_unit_only_where_both_parts_count_it() {
        let may = Period::new(2024, 5).unwrap();
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut numerator =
            Coverage { counted: names(&["甲", "乙", "丙"]), carried: vec![("丁".into(), may)], missing: names(&["戊"]) };
        let denominator = Coverage {
            counted: names(&["甲", "丁", "己"]),
            carried: vec![("乙".into(), may), ("庚".into(), may)],
            missing: names(&["丙", "戊"]),
        };
        numerator.merge(denominator);
        assert_eq!(numerator.counted, names(&["甲", "己"]));
        assert_eq!(numerator.carried, vec![("丁".to_string(), may), ("乙".to_string(), may), ("庚".to_string(), may)]);
        assert_eq!(numerator.missing, names(&["戊", "丙"]));
    }

    fn target(kind: TargetKind, value: Option<f64>) -> Target {
        Target {
            id: "T".into(),
            clause: "一1".into(),
            task: "任务".into(),
            name: "指标".into(),
            kind,
            indicator: Some("i".into()),
            value,
            stated: String::new(),
            deadline: None,
            milestones: vec![],
            baseline: None,
            baseline_label: String::new(),
            allocations: Default::default(),
            lead_units: vec!["区农业农村局".into()],
            responsible_units: vec![],
            quote: String::new(),
            schedule: None,
            assumption: String::new(),
            on_time: None,
        }
    }

    fn june() -> Period {
        Period::new(2024, 6).unwrap()
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, d).unwrap()
    }

    fn timing(timing: Timing) -> ResolvedSchedule {
        ResolvedSchedule { timing, assumed: false, source: String::new() }
    }

    /// (month, value, expected 序时目标 or None, status) for one target and schedule.
    type Case = (u32, f64, Option<f64>, Status);

    fn check(t: &Target, schedule: Option<&ResolvedSchedule>, cases: &[Case]) {
        for &(month, value, expected, status) in cases {
            let e = evaluate(t, schedule, Some(value), Period::new(2024, month).unwrap(), &Thresholds::default());
            let got = e.expected.map(|x| (x * 1e6).round() / 1e6);
            let want = expected.map(|x| (x * 1e6).round() / 1e6);
            assert_eq!((got, e.status), (want, status), "month {month}, value {value}: {e:?}");
        }
    }

    use crate::plan::{ResolvedSchedule, Timing};
    use Status::*;

    #[test]
    fn linear_over_the_implementation_phase_counts_whole_months() {
        // 集中实施 3/25–10/30: March is not counted (the phase starts in its second half), so the
        // window is April–October, 7 months. 100 亩 due.
        let t = target(TargetKind::AtLeast, Some(100.0));
        let s = timing(Timing::Linear { start: date(3, 25), due: date(10, 30) });
        check(
            &t,
            Some(&s),
            &[
                (1, 0.0, Some(0.0), OnTrack),                  // before the start: nothing expected
                (3, 0.0, Some(0.0), OnTrack),                  // the phase has begun, no month elapsed
                (6, 40.0, Some(300.0 / 7.0), Lagging),         // 3 of 7 months: 42.86 expected, 40 done (−2.86)
                (6, 30.0, Some(300.0 / 7.0), SeverelyLagging), // −12.86 points
                (10, 95.0, Some(100.0), Lagging),              // on the due month: all expected, 5 short
                (10, 100.0, Some(100.0), Completed),
                (11, 95.0, Some(100.0), Overdue), // after the due date: 逾期未完成
                (12, 95.0, Some(100.0), Overdue),
                (12, 101.0, Some(100.0), Completed),
            ],
        );
        // A deadline target (2023 高标准农田, 5600 亩 by 3/31, from January): 1/3 in January,
        // all on the due date, 逾期 after it.
        let t = target(TargetKind::AtLeast, Some(5_600.0));
        let s = timing(Timing::Linear { start: date(1, 1), due: date(3, 31) });
        check(
            &t,
            Some(&s),
            &[
                (1, 2_000.0, Some(5_600.0 / 3.0), OnTrack),
                (3, 5_000.0, Some(5_600.0), SeverelyLagging), // 89.3% on the due date: −10.7
                (6, 5_000.0, Some(5_600.0), Overdue),
                (10, 5_600.0, Some(5_600.0), Completed),
            ],
        );
    }

    #[test]
    fn curves_follow_the_season_and_a_closed_window_is_overdue() {
        // 早稻: 85% by April, all by May; the window then closes.
        let shares = vec![0.0, 0.0, 0.0, 0.85, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let t = target(TargetKind::AtLeast, Some(3_000.0));
        let s = timing(Timing::Curve { shares, due: date(5, 31) });
        check(
            &t,
            Some(&s),
            &[
                (1, 0.0, Some(0.0), OnTrack),
                (3, 0.0, Some(0.0), OnTrack), // not red in March: nothing is sown yet
                (4, 2_400.0, Some(2_550.0), Lagging),
                (5, 3_000.0, Some(3_000.0), Completed),
                (6, 2_520.0, Some(3_000.0), Overdue), // 84% in June: the window has closed
                (10, 2_520.0, Some(3_000.0), Overdue),
                (11, 2_520.0, Some(3_000.0), Overdue),
                (12, 2_520.0, Some(3_000.0), Overdue),
            ],
        );
        // 粮食总产量: nothing before the July harvest, 90% by October, all by November.
        let shares = vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.30, 0.45, 0.70, 0.90, 1.0, 1.0];
        let t = target(TargetKind::AtLeast, Some(17_000.0));
        let s = timing(Timing::Curve { shares, due: date(11, 30) });
        check(
            &t,
            Some(&s),
            &[
                (1, 0.0, Some(0.0), OnTrack),
                (3, 0.0, Some(0.0), OnTrack),
                (6, 245.8, Some(0.0), OnTrack),                  // not red in June: the harvest has not begun
                (10, 13_600.0, Some(15_300.0), SeverelyLagging), // 80% vs 90%: −10
                (11, 16_150.0, Some(17_000.0), Lagging),         // 95% on the due month
                (12, 16_150.0, Some(17_000.0), Overdue),
            ],
        );
    }

    #[test]
    fn an_event_is_due_from_its_planned_month() {
        // 泵站完工 planned for October: nothing expected before, all from October's end.
        let t = target(TargetKind::Count, Some(1.0));
        let s = timing(Timing::Event { due: date(10, 31) });
        check(
            &t,
            Some(&s),
            &[
                (1, 0.0, Some(0.0), OnTrack),
                (3, 0.0, Some(0.0), OnTrack), // not red in March
                (6, 0.0, Some(0.0), OnTrack),
                (10, 0.0, Some(1.0), SeverelyLagging),
                (10, 1.0, Some(1.0), Completed),
                (11, 0.0, Some(1.0), Overdue),
                (12, 0.0, Some(1.0), Overdue),
            ],
        );
    }

    #[test]
    fn a_year_end_target_is_judged_at_the_year_end_only() {
        // 省级示范村 1个, awarded at the year end: 未到考核期 until December, unless done sooner.
        let t = target(TargetKind::Count, Some(1.0));
        let s = timing(Timing::YearEnd { due: date(12, 31) });
        check(
            &t,
            Some(&s),
            &[
                (1, 0.0, None, NotDue),
                (3, 0.0, None, NotDue),
                (6, 0.0, None, NotDue),
                (10, 0.0, None, NotDue),
                (11, 0.0, None, NotDue),
                (11, 1.0, None, Completed),
                (12, 0.0, Some(1.0), Overdue), // judged at the year end: not achieved
                (12, 1.0, Some(1.0), Completed),
            ],
        );
        // Over-achieved counts are 已完成 at 100%, not 1,100%.
        let e = evaluate(&t, Some(&s), Some(11.0), june(), &Thresholds::default());
        assert_eq!((e.completion_rate, e.status, e.gap_pp), (Some(1.0), Completed, None));
    }

    #[test]
    fn milestones_are_compared_in_their_own_terms() {
        // 拨付 4月 35%、6月 55%、9月 80%: the paid share against the milestone due, in points.
        let mut t = target(TargetKind::Milestones, None);
        t.milestones = vec![
            Milestone { by: date(4, 30), value: 35.0 },
            Milestone { by: date(6, 30), value: 55.0 },
            Milestone { by: date(9, 30), value: 80.0 },
        ];
        let s = timing(Timing::Milestones);
        check(
            &t,
            Some(&s),
            &[
                (1, 5.0, Some(0.0), OnTrack), // nothing is due before the first milestone
                (3, 10.0, Some(0.0), OnTrack),
                (5, 45.8, Some(35.0), OnTrack), // between two milestones: the earlier is due
                (6, 55.8, Some(55.0), OnTrack),
                (6, 40.0, Some(55.0), SeverelyLagging),
                (10, 78.0, Some(80.0), Overdue),
                (10, 81.0, Some(80.0), Completed),
                (11, 78.0, Some(80.0), Overdue),
                (12, 80.0, Some(80.0), Completed),
            ],
        );
        // June 55.8% against 55%: +0.8 points, no rescaling, no 完成率.
        let e = evaluate(&t, Some(&s), Some(55.8), june(), &Thresholds::default());
        assert!((e.gap_pp.unwrap() - 0.8).abs() < 1e-9, "{e:?}");
        assert_eq!((e.completion_rate, e.time_progress), (None, None));
    }

    #[test]
    fn lines_show_their_margin_never_a_rate() {
        let t = target(TargetKind::Floor, Some(102_900.0));
        let breached = evaluate(&t, None, Some(102_850.0), june(), &Thresholds::default());
        assert_eq!((breached.status, breached.margin, breached.completion_rate), (Warning, Some(-50.0), None));
        let held = evaluate(&t, None, Some(111_566.0), june(), &Thresholds::default());
        assert_eq!((held.status, held.margin, held.completion_rate), (Met, Some(8_666.0), None));
        // A ceiling (清零): the margin below it.
        let t = target(TargetKind::Ceiling, Some(0.0));
        assert_eq!(evaluate(&t, None, Some(0.0), june(), &Thresholds::default()).status, Met);
        let over = evaluate(&t, None, Some(2.0), june(), &Thresholds::default());
        assert_eq!((over.status, over.margin), (Warning, Some(-2.0)));
        let mut baseline = target(TargetKind::Baseline, None);
        baseline.baseline = Some(4_200.0);
        assert_eq!(evaluate(&baseline, None, Some(4_100.0), june(), &Thresholds::default()).margin, Some(-100.0));
        assert_eq!(evaluate(&baseline, None, Some(4_200.0), june(), &Thresholds::default()).status, Met);
        let ratio = target(TargetKind::Ratio, Some(60.0));
        assert_eq!(evaluate(&ratio, None, Some(58.0), june(), &Thresholds::default()).status, NotMet);
        assert_eq!(evaluate(&ratio, None, Some(61.0), june(), &Thresholds::default()).status, Met);
    }

    #[test]
    fn shipped_plans_resolve_their_schedules() {
        let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
        let of = |id: &str| plan.schedule(plan.targets.iter().find(|t| t.id == id).unwrap()).unwrap();
        // No schedule of its own: the implementation phase.
        assert_eq!(of("Y09").timing, Timing::Linear { start: date(3, 25), due: date(10, 30) });
        assert!(!of("Y09").assumed);
        assert_eq!(of("Y08").timing, Timing::Linear { start: date(1, 1), due: date(3, 31) });
        assert!(matches!(of("Y02").timing, Timing::Curve { due, .. } if due == date(5, 31)));
        assert!(of("Y02").assumed, "crop calendars are not in the document");
        assert_eq!(of("Y11").timing, Timing::Event { due: date(10, 31) });
        assert_eq!(of("Y13").timing, Timing::YearEnd { due: date(12, 31) });
        assert_eq!(plan.assessment_start(), date(11, 1));
        let (echeng, _) = Plan::resolve(Some("echeng-2024")).unwrap();
        // No phases: the year.
        let e09 = echeng.targets.iter().find(|t| t.kind == TargetKind::AtLeast);
        if let Some(t) = e09 {
            assert_eq!(echeng.schedule(t).unwrap().timing, Timing::Linear { start: date(1, 1), due: date(12, 31) });
        }
        assert_eq!(echeng.assessment_start(), date(12, 1));
    }

    /// A record of `township` in `form` with the given cells (numbers where the plan's column is
    /// a number).
    fn record(plan: &Plan, township: &str, form: &str, row: u32, cells: &[(&str, &str)]) -> crate::validate::Record {
        let form = plan.form(form).unwrap();
        let values = form
            .columns
            .iter()
            .map(|c| match cells.iter().find(|(id, _)| *id == c.id) {
                Some((_, v)) if c.kind == crate::plan::ColumnKind::Number => crate::validate::Value::Number(v.parse().unwrap()),
                Some((_, v)) => crate::validate::Value::Text(v.to_string()),
                None => crate::validate::Value::Missing,
            })
            .collect::<Vec<_>>();
        crate::validate::Record {
            township: township.into(),
            form: form.id.as_str().into(),
            row,
            key: format!("行{row}"),
            units: vec![None; values.len()],
            columns: vec![None; values.len()].into(),
            values,
            file: "f.xlsx".into(),
            sheet: form.sheet.as_str().into(),
        }
    }

    #[test]
    fn reduced_sums_columns_and_counts_rows_that_pass_their_filters() {
        let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
        let p = june();
        // 甲镇: two villages' grain area, a road row (白改黑, 1.5 km done) and a bridge row (1 座),
        // two village rows of 人居环境 of which one has 垃圾收运 and one a blank 改厕 value.
        // 乙镇: one row with a village name only: counted that month, with no values.
        let records = [
            record(&plan, "甲镇", "ZX01", 4, &[("village", "东村"), ("grain_area", "100")]),
            record(&plan, "甲镇", "ZX01", 5, &[("village", "西村"), ("grain_area", "50.5")]),
            record(&plan, "甲镇", "ZX03", 4, &[("category", "白改黑"), ("done", "1.5")]),
            record(&plan, "甲镇", "ZX03", 5, &[("category", "新建桥梁"), ("done", "1")]),
            record(&plan, "甲镇", "ZX04", 4, &[("village", "东村"), ("garbage", "是")]),
            record(&plan, "甲镇", "ZX04", 5, &[("village", "西村")]),
            record(&plan, "乙镇", "ZX01", 4, &[("village", "南村")]),
        ];
        let frames = crate::store::form_frames(&plan, &records).unwrap();
        let forms = frames
            .iter()
            .map(|f| {
                let form = plan.form(&f.form).unwrap();
                FormRows { form, rows: frame_rows(&plan, form, &f.frame, p) }
            })
            .collect();
        let reduced = reduce(&plan, forms).unwrap();
        let value = |township: &str, id: &str| {
            let index = plan.indicators.iter().position(|i| i.id == id).unwrap();
            reduced.values.get(township).and_then(|m| m.get(&(index, p))).copied()
        };
        assert_eq!(value("甲镇", "grain_area"), Some(150.5));
        assert_eq!(value("甲镇", "road_black"), Some(1.5));
        assert_eq!(value("甲镇", "bridge_new"), Some(1.0));
        assert_eq!(value("甲镇", "road_safety"), None);
        assert_eq!(value("甲镇", "garbage_villages"), Some(1.0));
        assert_eq!(value("甲镇", "toilets_year"), None);
        assert_eq!(value("乙镇", "grain_area"), None);
        // Who was counted is what the month's submissions say (`set_counted`), never who has rows.
        assert!(reduced.counted.is_empty());
    }

    #[test]
    fn sums_are_correctly_rounded_whatever_the_order() {
        let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
        let p = june();
        // 0.1 added 10 times naively is 0.9999999999999999; the exact sum is 1.
        let records: Vec<_> = (0..10).map(|i| record(&plan, "甲镇", "ZX01", 4 + i, &[("grain_area", "0.1")])).collect();
        let frames = crate::store::form_frames(&plan, &records).unwrap();
        let form = plan.form("ZX01").unwrap();
        let forms = vec![FormRows { form, rows: frame_rows(&plan, form, &frames[0].frame, p) }];
        let reduced = reduce(&plan, forms).unwrap();
        let index = plan.indicators.iter().position(|i| i.id == "grain_area").unwrap();
        assert_eq!(reduced.values["甲镇"][&(index, p)], 1.0);
    }

    /// A project row of yunxi's ZX02 (high-standard farmland) with the given 建设年度, 主体工程完工
    /// and 完工日期, and of its ZX03 (roads) with a 计划完工月份 and 是否完工.
    fn project(plan: &Plan, form: &str, cells: &[(&str, &str)]) -> crate::validate::Record {
        let form = plan.form(form).unwrap();
        let values = form
            .columns
            .iter()
            .map(|c| match cells.iter().find(|(id, _)| *id == c.id) {
                Some((_, v)) => crate::validate::Value::Text(v.to_string()),
                None => crate::validate::Value::Missing,
            })
            .collect::<Vec<_>>();
        crate::validate::Record {
            township: "长岭街道".into(),
            form: form.id.as_str().into(),
            row: 4,
            key: "项目".into(),
            units: vec![None; values.len()],
            columns: vec![None; values.len()].into(),
            values,
            file: "f.xlsx".into(),
            sheet: form.sheet.as_str().into(),
        }
    }

    #[test]
    fn projects_are_judged_by_their_dates_and_planned_months() {
        let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
        let april = Period::new(2024, 4).unwrap();
        let march = Period::new(2024, 3).unwrap();
        let hsf = |year: &str, done: &str, date: &str| {
            let mut cells = vec![("build_year", year), ("main_done", done)];
            if !date.is_empty() {
                cells.push(("done_date", date));
            }
            project(&plan, "ZX02", &cells)
        };
        // 2023 projects are due 3月31日; 2024 projects are not judged.
        assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "是", "2024-03-31"), april), Some(ProjectStatus::OnTime));
        assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "是", "2024-04-01"), april), Some(ProjectStatus::Late));
        assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "否", ""), april), Some(ProjectStatus::Overdue));
        assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "否", ""), march), Some(ProjectStatus::NotDue));
        assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "是", ""), april), Some(ProjectStatus::Done));
        assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2024", "否", ""), april), None);
        // Roads: each project by its own month, overdue only once that month has ended.
        let road = |month: &str, done: &str| {
            let mut cells = vec![("completed", done)];
            if !month.is_empty() {
                cells.push(("planned_month", month));
            }
            project(&plan, "ZX03", &cells)
        };
        let zx03 = plan.form("ZX03").unwrap();
        assert_eq!(project_status(zx03, &road("2024-04", "否"), april), Some(ProjectStatus::NotDue));
        assert_eq!(project_status(zx03, &road("2024-03", "否"), april), Some(ProjectStatus::Overdue));
        assert_eq!(project_status(zx03, &road("2024-03", "是"), april), Some(ProjectStatus::Done));
        assert_eq!(project_status(zx03, &road("", "否"), april), Some(ProjectStatus::Unplanned));
    }

    #[test]
    fn date_and_month_filters_compare_with_the_day_and_the_period() {
        let filter = |not_after: &str| crate::plan::RowFilter { column: "c".into(), equals: None, not_after: Some(not_after.into()) };
        let june = june();
        assert!(filter("2024-03-31").passes(Some("2024-03-31"), june));
        assert!(!filter("2024-03-31").passes(Some("2024-04-01"), june));
        assert!(filter("2024-03-31").passes(Some("2024-03"), june), "a month passes a date in it");
        assert!(filter("本月").passes(Some("2024-06"), june));
        assert!(filter("本月").passes(Some("2024-06-30"), june));
        assert!(!filter("本月").passes(Some("2024-07"), june));
        assert!(filter("本月").passes(Some("2023-12"), june));
        assert!(!filter("本月").passes(None, june), "a blank month is not planned");
    }

    #[test]
    fn ranks_share_ties() {
        let ranked = rank_with_ties(vec![("甲".into(), 5.0), ("乙".into(), 7.0), ("丙".into(), 5.0), ("丁".into(), 1.0)]);
        let by_name: HashMap<String, (u32, bool)> = ranked.into_iter().map(|(n, r, t)| (n, (r, t))).collect();
        assert_eq!(by_name["乙"], (1, false));
        assert_eq!(by_name["甲"], (2, true));
        assert_eq!(by_name["丙"], (2, true));
        assert_eq!(by_name["丁"], (4, false));
    }
}
