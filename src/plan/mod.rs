//! The reporting system of one district-year as data: units, forms, indicators, targets.
//!
//! A plan is a TOML file (see `plans/*.toml`). Everything district-specific lives here so that the
//! rest of the tool is generic. `Plan::from_toml` parses and then checks cross-references; every
//! problem is reported with the key path and the line it is on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

mod locate;
use locate::{key_path_at, line_of_offset, locate_key_path};

/// The plans that ship inside the binary: (name, TOML text).
pub const SHIPPED_PLANS: &[(&str, &str)] =
    &[("yunxi-2024", include_str!("../../plans/yunxi-2024.toml")), ("echeng-2024", include_str!("../../plans/echeng-2024.toml"))];

/// Pseudo reporting unit of a combined department ledger: a file under `部门/` that names no
/// single department (the office's own compilation of every bureau's figures).
pub const DEPARTMENTS: &str = "区直部门";

/// The plan used when neither `--plan` nor `./plan.toml` says otherwise.
pub const DEFAULT_PLAN: &str = "yunxi-2024";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub plan: PlanMeta,
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The document's phases (实施步骤), if it sets them: the implementation phase is the default
    /// window of a linear schedule, the assessment phase starts the year-end judgement.
    #[serde(default)]
    pub phases: Vec<Phase>,
    /// Seasonal curves of expected cumulative share by month, named for schedules.
    #[serde(default)]
    pub curves: Vec<Curve>,
    pub units: Vec<ReportingUnit>,
    pub forms: Vec<Form>,
    pub indicators: Vec<Indicator>,
    pub targets: Vec<Target>,
    /// Cross-checks between two figures for the same thing (核对): a township sum against a
    /// department's figure, or the projects' total against the target's value.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// How the bulletin is laid out (`[report]`).
    #[serde(default)]
    pub report: ReportSettings,
    /// sha256 of the TOML text the plan was read from (hex); filled by the loader.
    #[serde(skip)]
    pub source_sha256: String,
}

/// A plan's departments (`Plan::department_names`).
pub struct DepartmentNames<'p> {
    plan: &'p Plan,
    names: Vec<String>,
}

impl DepartmentNames<'_> {
    /// The departments, as `Plan::departments` lists them.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// `Plan::is_department`: the combined ledger, or a department that is not also a township.
    pub fn contains(&self, unit: &str) -> bool {
        // The few departments first: a township's name is then never searched for among
        // thousands of units.
        unit == DEPARTMENTS || (self.names.iter().any(|d| d == unit) && self.plan.unit(unit).is_none())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanMeta {
    /// Short machine name, e.g. `yunxi-2024`.
    pub id: String,
    /// District name used in titles and file names, e.g. `云溪区`.
    pub district: String,
    /// Full name with the city, e.g. `岳阳市云溪区`.
    pub district_full: String,
    pub year: i32,
    /// Title of the source document.
    pub title: String,
    /// Document number, e.g. `岳云委乡振组办发〔2024〕2号`.
    #[serde(default)]
    pub document_no: String,
    #[serde(default)]
    pub issued_by: String,
    #[serde(default, deserialize_with = "toml_date::optional")]
    pub issued: Option<NaiveDate>,
    /// Office that runs the tool and is named in report headers.
    #[serde(default)]
    pub office: String,
    /// Day of the next month by which township and department reports are due (e.g. 5: the
    /// June report by 5 July, 24:00); a file arriving later is 迟报. None: no deadline.
    #[serde(default)]
    pub submission_deadline_day: Option<u32>,
    /// Set when the document names no lead units and the plan's are the encoder's assignment:
    /// the bulletin then marks them 暂定, with this note.
    #[serde(default)]
    pub lead_units_assumption: String,
}

/// What a phase of the document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseRole {
    /// 安排部署: plans and ledgers, no output expected.
    Prepare,
    /// 集中实施: the work; the default window of linear schedules.
    Implement,
    /// 考核验收: the year-end assessment; from its start the bulletin lists 完成/未完成.
    Assess,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub name: String,
    pub role: PhaseRole,
    #[serde(deserialize_with = "toml_date::required")]
    pub start: NaiveDate,
    #[serde(deserialize_with = "toml_date::required")]
    pub end: NaiveDate,
}

/// Expected cumulative share of a seasonal target at each month end, January to December.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Curve {
    pub id: String,
    pub name: String,
    /// Twelve cumulative shares (0–1), non-decreasing, the last 1.
    pub shares: Vec<f64>,
    /// Where the calendar comes from.
    pub source: String,
    /// The document does not state it: the bulletin marks expected values from it 暂定.
    #[serde(default)]
    pub assumed: bool,
}

/// How a target's expected value grows through the year (SPEC "Time").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// Straight from `start` to `due` (defaults: the implementation phase, else the year; `due`
    /// is the target's deadline where it has one).
    Linear,
    /// A named seasonal curve.
    Curve,
    /// A one-off: nothing expected before the end of `month`, everything from it.
    Event,
    /// Judged at `due` (default the year end) only; before it 未到考核期.
    YearEnd,
    /// What the projects planned to finish by each month add up to: the expected value at a
    /// period is `indicator`'s value then (e.g. 建设任务 of roads whose 计划完工月份 has come).
    Planned,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub kind: ScheduleKind,
    #[serde(default, deserialize_with = "toml_date::optional")]
    pub start: Option<NaiveDate>,
    #[serde(default, deserialize_with = "toml_date::optional")]
    pub due: Option<NaiveDate>,
    /// For `curve`: the id of a `[[curves]]` entry.
    #[serde(default)]
    pub curve: Option<String>,
    /// For `event`: the planned month (1–12) of the plan year.
    #[serde(default)]
    pub month: Option<u32>,
    /// For `planned`: the indicator whose value is what is expected by each month.
    #[serde(default)]
    pub indicator: Option<String>,
    /// The document does not state this timing: expected values from it are marked 暂定.
    #[serde(default)]
    pub assumed: bool,
    /// Why this timing (the document's words, or the assumption made).
    #[serde(default)]
    pub source: String,
}

/// A target's schedule with every default applied (`Plan::schedule`).
#[derive(Debug, Clone, PartialEq)]
pub enum Timing {
    Linear {
        start: NaiveDate,
        due: NaiveDate,
    },
    Curve {
        shares: Vec<f64>,
        due: NaiveDate,
    },
    Event {
        due: NaiveDate,
    },
    YearEnd {
        due: NaiveDate,
    },
    /// Dated absolute values (the target's `milestones`).
    Milestones,
    /// Expected values from the projects' planned months (`ScheduleKind::Planned`): the share
    /// is filled in for the period being judged, from the planned indicator's value.
    Planned {
        indicator: String,
        due: NaiveDate,
        share: Option<f64>,
    },
}

/// Share of a linear schedule due at the end of `date`'s month, counted in whole months as
/// 序时进度 is in statistical bulletins: the window runs from the start's month (or the next
/// month, when the start falls in the second half of its month) to the due date's month, and
/// each month counts once it has ended.
pub fn linear_share(start: NaiveDate, due: NaiveDate, date: NaiveDate) -> f64 {
    let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
    if date >= due {
        return 1.0;
    }
    let first = index(start) + if start.day() > 15 { 1 } else { 0 };
    let total = (index(due) - first + 1).max(1);
    let elapsed = (index(date) - first + 1).clamp(0, total);
    elapsed as f64 / total as f64
}

/// The last day of `date`'s month: monthly reports judge a due date by its month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    crate::period::Period::new(date.year(), date.month()).map(|p| p.end()).unwrap_or(date)
}

/// A resolved schedule: the timing, whether it is assumed, and a description for CSV and notes.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSchedule {
    pub timing: Timing,
    pub assumed: bool,
    pub source: String,
}

impl ResolvedSchedule {
    /// The last day anything is expected by.
    pub fn due(&self, milestones: &[Milestone]) -> Option<NaiveDate> {
        match &self.timing {
            Timing::Linear { due, .. }
            | Timing::Curve { due, .. }
            | Timing::Event { due }
            | Timing::YearEnd { due }
            | Timing::Planned { due, .. } => Some(*due),
            Timing::Milestones => milestones.last().map(|m| m.by),
        }
    }

    /// The expected cumulative share (0–1) at the end of `date`; `None` for a year-end target
    /// before its date (not yet judged) and for milestones (compared in their own terms).
    pub fn share_at(&self, date: NaiveDate) -> Option<f64> {
        match &self.timing {
            Timing::Linear { start, due } => Some(linear_share(*start, *due, date)),
            Timing::Curve { shares, .. } => Some(shares.get(date.month0() as usize).copied().unwrap_or(1.0)),
            Timing::Event { due } => Some(if date >= *due { 1.0 } else { 0.0 }),
            Timing::YearEnd { due } => (date >= *due).then_some(1.0),
            Timing::Milestones => None,
            Timing::Planned { due, share, .. } => {
                if date >= *due {
                    Some(1.0)
                } else {
                    *share
                }
            }
        }
    }

    /// `linear 2024-03-25..2024-10-30`, `curve grain_sowing`, `event 2024-10`, `year_end 2024-12-31`, `milestones`.
    pub fn describe(&self, curve: Option<&str>) -> String {
        match &self.timing {
            Timing::Linear { start, due } => format!("linear {start}..{due}"),
            Timing::Curve { .. } => format!("curve {}", curve.unwrap_or("")),
            Timing::Event { due } => format!("event {}", due.format("%Y-%m")),
            Timing::YearEnd { due } => format!("year_end {due}"),
            Timing::Milestones => "milestones".to_string(),
            Timing::Planned { indicator, .. } => format!("planned {indicator}"),
        }
    }
}

/// Status thresholds and validation tolerances, all plan settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// Points behind 序时进度 at which 滞后 becomes 严重滞后.
    pub severe_lag_pp: f64,
    /// Month-on-month relative change beyond which a value is flagged 大起大落 (0.5 = 50%).
    pub jump_ratio: f64,
    /// Absolute change below which no jump is flagged (avoids noise on tiny values).
    pub jump_min_abs: f64,
    /// Relative tolerance for a 合计 row against the sum of detail rows.
    pub total_tolerance: f64,
    /// How many months back a unit's last accepted value of a form may be carried into a month
    /// it is not counted in (沿用上月数); 0 carries nothing. Within the plan year only.
    pub carry_months: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { severe_lag_pp: 10.0, jump_ratio: 0.5, jump_min_abs: 50.0, total_tolerance: 0.001, carry_months: 2 }
    }
}

/// Bulletin layout settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportSettings {
    /// Most detail rows a topic sheet lists. A topic with more counted rows in a month (a
    /// province-scale month has tens of thousands) shows per-township subtotals and the trend
    /// instead; its rows go to a CSV file beside the bulletin (and, as always, to the store).
    pub topic_detail_rows: usize,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings { topic_detail_rows: 5_000 }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportingUnit {
    pub name: String,
    /// 2022 statistics division code.
    #[serde(default)]
    pub code: String,
    /// Other names the unit goes by (e.g. an abbreviation) that identify it in file names.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub villages: Vec<String>,
}

/// Who fills a form: every township, or the lead departments at district level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Reporter {
    #[default]
    Township,
    Department,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// One row per village of the township; the key column must name a known village.
    Village,
    /// One row per project; the key column is the project name.
    Project,
    /// One row per ledger item (department forms); the key column is an item id.
    Item,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// 表号, e.g. `ZX01`.
    pub id: String,
    /// Sheet name in the workbook, e.g. `粮食与耕地`.
    pub sheet: String,
    /// Title printed on the first row, e.g. `粮食与耕地情况表`.
    pub title: String,
    /// Short topic for the report's topic sheet, e.g. `粮食与耕地`.
    #[serde(default)]
    pub topic: String,
    pub row_kind: RowKind,
    #[serde(default)]
    pub reporter: Reporter,
    /// Rows the template leaves for projects or items (village forms get one per village).
    #[serde(default = "default_blank_rows")]
    pub blank_rows: u32,
    /// Lines for the 填报说明 sheet.
    #[serde(default)]
    pub instructions: Vec<String>,
    pub columns: Vec<Column>,
    /// Project forms: how each project is judged against its due date (按期情况).
    #[serde(default)]
    pub timing: Option<ProjectTiming>,
}

/// How a project form says whether each project finished on time: a 是/否 completion column, an
/// optional completion date, and the due date, fixed for the form or a month column per row.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectTiming {
    /// The 是/否 column saying the project (or its main works) is finished.
    pub done: String,
    /// The date column it finished on, where the form has one.
    #[serde(default)]
    pub date: Option<String>,
    /// One due date for every project the filters select.
    #[serde(default, deserialize_with = "toml_date::optional")]
    pub due: Option<NaiveDate>,
    /// Or a month column holding each project's planned completion month (计划完工月份).
    #[serde(default)]
    pub due_column: Option<String>,
    /// Only rows passing these are judged (e.g. 建设年度 = 2023).
    #[serde(default)]
    pub filters: Vec<RowFilter>,
}

/// A cross-check (核对) of two figures that should agree, reported as a warning naming both.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: String,
    /// What is compared, e.g. `危房改造：镇街合计与区住建局台账`.
    pub name: String,
    /// The first figure: an indicator's district value.
    pub indicator: String,
    /// The second figure: another indicator's district value …
    #[serde(default)]
    pub against: Option<String>,
    /// … or a target's value (e.g. the projects' total 建设任务 against the 5,600 亩 target).
    #[serde(default)]
    pub target: Option<String>,
    /// Largest difference still read as agreement, in the indicator's unit.
    #[serde(default)]
    pub tolerance: f64,
    /// Why the two should agree and what to do when they do not.
    #[serde(default)]
    pub note: String,
}

fn default_blank_rows() -> u32 {
    20
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// The row's key: village name or project/item name.
    Key,
    /// A village name (for project forms: 涉及村).
    Village,
    Text,
    Number,
    /// 是 / 否.
    YesNo,
    /// One of `categories`.
    Category,
    /// A calendar date.
    Date,
    /// A year such as 2023.
    Year,
    /// A month of a year (计划完工月份), stored as `2024-09`.
    Month,
    /// A unit of measure named per row (e.g. 公里 / 座), see `Column::unit_of`.
    Unit,
}

/// Whether a number is a month-end stock or a year-to-date cumulative value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Stock,
    #[default]
    Ytd,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub id: String,
    /// Header text without unit, e.g. `耕地面积`.
    pub name: String,
    pub kind: ColumnKind,
    /// Canonical unit (numbers are stored in this unit), e.g. `亩`.
    #[serde(default)]
    pub unit: Option<String>,
    /// Other header texts that mean this column (without unit; normalised before matching).
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub measure: Measure,
    /// This column is a 其中项 of that column (must not exceed it).
    #[serde(default)]
    pub part_of: Option<String>,
    /// This column must not exceed that column (e.g. 累计完工 ≤ 建设任务).
    #[serde(default)]
    pub not_above: Option<String>,
    /// Allowed values for `category` columns (and for `unit` columns).
    #[serde(default)]
    pub categories: Vec<String>,
    /// For a `category` column: the unit each category must be reported in.
    #[serde(default)]
    pub category_units: BTreeMap<String, String>,
    /// For a `unit` column: the number columns whose unit it gives.
    #[serde(default)]
    pub unit_of: Vec<String>,
    /// Hint printed in the 填报说明 sheet.
    #[serde(default)]
    pub note: String,
    /// Must be filled on rows passing this filter (e.g. 完工日期 when 主体工程完工 = 是): a blank
    /// is a warning, as the row cannot be judged.
    #[serde(default)]
    pub required_if: Option<RowFilter>,
}

impl Column {
    /// The header as the template writes it: `耕地面积（亩）`.
    pub fn header(&self) -> String {
        match &self.unit {
            Some(unit) if self.kind == ColumnKind::Number => format!("{}（{}）", self.name, unit),
            _ if self.kind == ColumnKind::YesNo => format!("{}（是/否）", self.name),
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Sum of the value column over matching rows.
    #[default]
    Sum,
    /// Number of matching rows.
    Count,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowFilter {
    pub column: String,
    /// The row's text in that column must equal this (after normalisation) …
    #[serde(default)]
    pub equals: Option<String>,
    /// … or the row's date or month must not be after this: a date (`2024-03-31`), or `本月`
    /// for the month being reported (projects planned to finish by now).
    #[serde(default)]
    pub not_after: Option<String>,
}

/// What is wrong with a filter on `form`, if anything.
fn filter_problem(form: &Form, filter: &RowFilter) -> Option<String> {
    let Some(col) = form.column(&filter.column) else { return Some(format!("筛选列“{}”不在表 {} 中", filter.column, form.id)) };
    match (&filter.equals, filter.not_after.as_deref()) {
        (Some(_), Some(_)) | (None, None) => Some("筛选条件须写 equals 或 not_after 之一".into()),
        (Some(e), None) if !col.categories.is_empty() && !col.categories.contains(e) => {
            Some(format!("筛选值“{e}”不是列“{}”的可选值（{}）", col.name, col.categories.join("、")))
        }
        (Some(e), None) if col.kind == ColumnKind::YesNo && !["是", "否"].contains(&e.as_str()) => {
            Some(format!("是/否列“{}”的筛选值只能是“是”或“否”", col.name))
        }
        (None, Some(_)) if !matches!(col.kind, ColumnKind::Date | ColumnKind::Month) => {
            Some(format!("not_after 只能用于日期或月份列，“{}”不是", col.name))
        }
        (None, Some(d)) if d != THIS_MONTH && NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() => {
            Some(format!("not_after“{d}”应写成 2024-03-31 或“{THIS_MONTH}”"))
        }
        _ => None,
    }
}

/// `RowFilter::not_after` for the month being reported.
pub const THIS_MONTH: &str = "本月";

/// Column ids a plan may not use: the store's tables name their own columns so (the unit, the
/// record key, lineage, and the partition keys; see `store::frames`).
pub const RESERVED_COLUMN_IDS: &[&str] =
    &["plan_id", "township", "record_key", "source_file", "sheet", "row", "cells", "units", "period", "form"];

impl RowFilter {
    /// Whether a row whose text in the filter's column is `text` passes, in `period`. Dates and
    /// months are ISO texts (`2024-03-28`, `2024-09`), so they compare as text: a month passes a
    /// date in it, a date passes `本月` when its month is the period's or earlier.
    pub fn passes(&self, text: Option<&str>, period: crate::period::Period) -> bool {
        let Some(text) = text else { return false };
        if let Some(equals) = &self.equals {
            return text == equals;
        }
        match self.not_after.as_deref() {
            Some(THIS_MONTH) => text.get(..7).unwrap_or(text) <= period.to_string().as_str(),
            Some(date) => text <= date,
            None => false,
        }
    }

    /// `建设年度为2023`, `完工日期不晚于2024-03-31`, for notes and `plan show`.
    pub fn describe(&self, column: &str) -> String {
        match (&self.equals, self.not_after.as_deref()) {
            (Some(e), _) => format!("{column}为{e}"),
            (None, Some(THIS_MONTH)) => format!("{column}不晚于本月"),
            (None, Some(d)) => format!("{column}不晚于{d}"),
            (None, None) => column.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// Form and column it is computed from (absent for ratios).
    #[serde(default)]
    pub form: Option<String>,
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub aggregation: Aggregation,
    #[serde(default)]
    pub filters: Vec<RowFilter>,
    /// A ratio indicator: numerator ÷ denominator, both indicator ids.
    #[serde(default)]
    pub numerator: Option<String>,
    #[serde(default)]
    pub denominator: Option<String>,
    /// Decimals to show.
    #[serde(default = "default_decimals")]
    pub decimals: u8,
    /// Whether more is better (the default) or less (清零 measures).
    #[serde(default)]
    pub direction: Direction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Higher,
    Lower,
}

fn default_decimals() -> u8 {
    1
}

impl Indicator {
    pub fn is_ratio(&self) -> bool {
        self.numerator.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Reach `value` by `deadline` (default: the plan year's end). Annual targets are this.
    AtLeast,
    /// Number of events (projects, villages, facilities) to reach by `deadline`.
    Count,
    /// Must stay at or above `value` at every month end (红线); never "completed".
    Floor,
    /// Must stay at or below `value` at every month end (清零 targets: 应纳未纳 = 0).
    Ceiling,
    /// A ratio indicator at or above `value`, in percent (60 = 60%).
    Ratio,
    /// Reach the latest milestone at or before the period's end (percent of a ratio indicator).
    Milestones,
    /// Not below `baseline` (the previous year's value).
    Baseline,
    /// Shown with its trend; no target.
    Tracked,
    /// A task without a number; a lead unit reports its status.
    Qualitative,
}

impl TargetKind {
    pub fn label(self) -> &'static str {
        match self {
            TargetKind::AtLeast => "年度/限期目标",
            TargetKind::Count => "数量目标",
            TargetKind::Floor => "底线（红线）",
            TargetKind::Ceiling => "上限（清零）",
            TargetKind::Ratio => "比例目标",
            TargetKind::Milestones => "时序进度",
            TargetKind::Baseline => "不低于基数",
            TargetKind::Tracked => "跟踪监测",
            TargetKind::Qualitative => "定性任务",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    #[serde(deserialize_with = "toml_date::required")]
    pub by: NaiveDate,
    pub value: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    /// Clause reference in the plan document, e.g. `二(一)1`.
    pub clause: String,
    /// 重点任务: the numbered task the target belongs to.
    pub task: String,
    /// Short name of what is measured, e.g. `粮食播种面积`.
    pub name: String,
    pub kind: TargetKind,
    #[serde(default)]
    pub indicator: Option<String>,
    /// Target value in the indicator's unit (ratios and milestones in percent: 60 = 60%).
    #[serde(default)]
    pub value: Option<f64>,
    /// How the document states it, e.g. `5.4万亩`.
    #[serde(default)]
    pub stated: String,
    #[serde(default, deserialize_with = "toml_date::optional")]
    pub deadline: Option<NaiveDate>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    #[serde(default)]
    pub baseline: Option<f64>,
    #[serde(default)]
    pub baseline_label: String,
    /// Township allocations (indicator unit), where the plan allocates.
    #[serde(default)]
    pub allocations: BTreeMap<String, f64>,
    #[serde(default)]
    pub lead_units: Vec<String>,
    #[serde(default)]
    pub responsible_units: Vec<String>,
    /// The sentence of the document the target comes from.
    pub quote: String,
    /// When the document gives no timing, or another than the default (SPEC "Time").
    #[serde(default)]
    pub schedule: Option<Schedule>,
    /// Set when the target's value or baseline is not the document's (e.g. a placeholder the
    /// office must replace): the bulletin marks it 暂定 with this note.
    #[serde(default)]
    pub assumption: String,
    /// The indicator counting only what was finished by the deadline (e.g. area of projects whose
    /// 完工日期 is on or before it): after the deadline a target reached late is 逾期完成.
    #[serde(default)]
    pub on_time: Option<String>,
}

impl Target {
    /// The date by which the target is due: the deadline, or the plan year's end.
    pub fn due(&self, year: i32) -> NaiveDate {
        self.deadline.unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 12, 31).expect("valid date"))
    }

    pub fn is_numeric(&self) -> bool {
        !matches!(self.kind, TargetKind::Qualitative)
    }
}

/// Dates in plans are TOML dates (`deadline = 2024-03-31`) or strings (`"2024-03-31"`).
mod toml_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, de::Error};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum DateRepr {
        Toml(toml::value::Datetime),
        Text(String),
    }

    fn parse<E: Error>(repr: DateRepr) -> Result<NaiveDate, E> {
        let text = match repr {
            DateRepr::Toml(dt) => match dt.date {
                Some(d) => {
                    return NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32).ok_or_else(|| E::custom("日期无效"));
                }
                None => return Err(E::custom("需要日期（如 2024-03-31）")),
            },
            DateRepr::Text(text) => text,
        };
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| E::custom(format!("日期“{text}”应写成 2024-03-31")))
    }

    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        parse(DateRepr::deserialize(d)?)
    }

    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Ok(Some(parse(DateRepr::deserialize(d)?)?))
    }
}

/// Where a plan comes from: a shipped name or a file.
#[derive(Debug, Clone)]
pub enum PlanSource {
    Shipped(&'static str),
    File(std::path::PathBuf),
}

impl Plan {
    /// Resolve `--plan NAME|FILE`: a shipped name, a path, `./plan.toml` if present, else the default.
    pub fn resolve(arg: Option<&str>) -> Result<(Plan, PlanSource)> {
        match arg {
            Some(name) => {
                if let Some((shipped, text)) = SHIPPED_PLANS.iter().find(|(n, _)| *n == name) {
                    return Ok((Plan::from_toml(text, shipped)?, PlanSource::Shipped(shipped)));
                }
                let path = Path::new(name);
                if path.is_file() {
                    return Ok((Plan::load_file(path)?, PlanSource::File(path.to_path_buf())));
                }
                if std::fs::symlink_metadata(path).is_ok() {
                    return Err(Error::Plan(format!("方案 {} 不是可读取的文件（可能是文件夹或失效的链接）", path.display())));
                }
                let names: Vec<&str> = SHIPPED_PLANS.iter().map(|(n, _)| *n).collect();
                Err(Error::Plan(format!("找不到方案“{name}”：既不是内置方案（{}），也不是存在的文件", names.join("、"))))
            }
            None => {
                let local = Path::new("plan.toml");
                if local.is_file() {
                    return Ok((Plan::load_file(local)?, PlanSource::File(local.to_path_buf())));
                }
                // A plan.toml that is there but not a readable file (a folder, a broken link) is
                // an error, never silently replaced by the embedded plan.
                if std::fs::symlink_metadata(local).is_ok() {
                    return Err(Error::Plan(format!(
                        "当前目录下的方案文件 {} 不是可读取的文件（可能是文件夹或失效的链接），请改正或删除它",
                        local.display()
                    )));
                }
                let text = SHIPPED_PLANS.iter().find(|(n, _)| *n == DEFAULT_PLAN).expect("default plan ships").1;
                Ok((Plan::from_toml(text, DEFAULT_PLAN)?, PlanSource::Shipped(DEFAULT_PLAN)))
            }
        }
    }

    pub fn load_file(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::PlanRead { path: path.to_path_buf(), source })?;
        Plan::from_toml(&text, &path.display().to_string())
    }

    /// Parse and check a plan. `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Plan> {
        let mut plan: Plan = toml::from_str(text).map_err(|e| {
            let at = match e.span().map(|s| s.start.min(text.len())) {
                Some(offset) => {
                    let key = key_path_at(text, offset, missing_field(e.message()));
                    let key = if key.is_empty() { String::new() } else { format!(" {key}") };
                    format!("第 {} 行{key}：", line_of_offset(text, offset))
                }
                None => String::new(),
            };
            let message = toml_message_in_chinese(e.message());
            Error::PlanSyntax { origin: origin.to_string(), at, message, source: Box::new(e) }
        })?;
        plan.source_sha256 = hex(&Sha256::digest(text.as_bytes()));
        let problems = plan.check();
        if problems.is_empty() {
            Ok(plan)
        } else {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| match p.locate(text) {
                    Some(line) => format!("  第 {line} 行 {}：{}", p.key, p.message),
                    None => format!("  {}：{}", p.key, p.message),
                })
                .collect();
            Err(Error::Plan(format!("方案 {origin} 有 {} 处错误：\n{}", problems.len(), lines.join("\n"))))
        }
    }

    /// Cross-reference checks that serde cannot do. Returns every problem found.
    pub fn check(&self) -> Vec<PlanProblem> {
        let mut problems = Vec::new();
        let mut push = |key: String, anchor: Option<String>, message: String| problems.push(PlanProblem { key, anchor, message });
        if self.units.is_empty() {
            push("units".into(), None, "至少需要一个填报单位".into());
        }
        let mut seen = BTreeSet::new();
        for (i, unit) in self.units.iter().enumerate() {
            if !seen.insert(unit.name.as_str()) {
                push(format!("units[{i}].name"), Some(quoted("name", &unit.name)), format!("填报单位“{}”重复", unit.name));
            }
        }
        let mut form_ids = BTreeSet::new();
        for (fi, form) in self.forms.iter().enumerate() {
            let anchor = Some(quoted("id", &form.id));
            if !form_ids.insert(form.id.as_str()) {
                push(format!("forms[{fi}]({}).id", form.id), anchor.clone(), format!("表号“{}”重复", form.id));
            }
            let keys = form.columns.iter().filter(|c| c.kind == ColumnKind::Key).count();
            if keys != 1 {
                push(
                    format!("forms[{fi}]({})", form.id),
                    anchor.clone(),
                    format!("每张表必须有且只有一个 kind = \"key\" 的列，现有 {keys} 个"),
                );
            }
            let mut column_ids = BTreeSet::new();
            for (ci, col) in form.columns.iter().enumerate() {
                let key = format!("forms[{fi}]({}).columns[{ci}]({})", form.id, col.id);
                let anchor = Some(quoted("id", &col.id));
                if !column_ids.insert(col.id.as_str()) {
                    push(format!("{key}.id"), anchor.clone(), format!("列 id“{}”重复", col.id));
                }
                if RESERVED_COLUMN_IDS.contains(&col.id.as_str()) {
                    push(
                        format!("{key}.id"),
                        anchor.clone(),
                        format!("列 id“{}”是历史数据库自用的列名（{}），请换一个", col.id, RESERVED_COLUMN_IDS.join("、")),
                    );
                }
                let unit_given_per_row = form.columns.iter().any(|c| c.unit_of.contains(&col.id));
                if col.kind == ColumnKind::Number && col.unit.is_none() && !unit_given_per_row && form.reporter == Reporter::Township {
                    push(format!("{key}.unit"), anchor.clone(), "数值列必须写明 unit（计量单位）".into());
                }
                if let Some(unit) = &col.unit
                    && crate::units::factor(unit, unit).is_none()
                {
                    push(format!("{key}.unit"), anchor.clone(), format!("不认识的计量单位“{unit}”"));
                }
                if matches!(col.kind, ColumnKind::Category | ColumnKind::Unit) && col.categories.is_empty() {
                    push(format!("{key}.categories"), anchor.clone(), "分类列必须列出 categories".into());
                }
                for cat in col.category_units.keys() {
                    if !col.categories.contains(cat) {
                        push(format!("{key}.category_units"), anchor.clone(), format!("category_units 中的“{cat}”不在 categories 中"));
                    }
                }
            }
            for (ci, col) in form.columns.iter().enumerate() {
                let key = format!("forms[{fi}]({}).columns[{ci}]({})", form.id, col.id);
                let anchor = Some(quoted("id", &col.id));
                for (what, other) in [("part_of", &col.part_of), ("not_above", &col.not_above)] {
                    if let Some(other) = other
                        && !form.columns.iter().any(|c| &c.id == other && c.kind == ColumnKind::Number)
                    {
                        push(format!("{key}.{what}"), anchor.clone(), format!("{what} 指向的“{other}”不是本表的数值列"));
                    }
                }
                for other in &col.unit_of {
                    if !form.columns.iter().any(|c| &c.id == other && c.kind == ColumnKind::Number) {
                        push(format!("{key}.unit_of"), anchor.clone(), format!("unit_of 指向的“{other}”不是本表的数值列"));
                    }
                }
            }
        }
        let mut indicator_ids = BTreeSet::new();
        for (ii, ind) in self.indicators.iter().enumerate() {
            let key = format!("indicators[{ii}]({})", ind.id);
            let anchor = Some(quoted("id", &ind.id));
            if !indicator_ids.insert(ind.id.as_str()) {
                push(format!("{key}.id"), anchor.clone(), format!("指标 id“{}”重复", ind.id));
            }
            if ind.is_ratio() {
                for (field, part) in [("numerator", &ind.numerator), ("denominator", &ind.denominator)] {
                    match part {
                        Some(p) if self.indicators.iter().any(|o| &o.id == p && !o.is_ratio()) => {}
                        Some(p) => push(format!("{key}.{field}"), anchor.clone(), format!("比例的分子/分母“{p}”不是已定义的非比例指标")),
                        None => push(format!("{key}.{field}"), anchor.clone(), "比例指标必须同时有 numerator 和 denominator".into()),
                    }
                }
                continue;
            }
            let Some(form) = ind.form.as_deref().and_then(|f| self.form(f)) else {
                push(format!("{key}.form"), anchor.clone(), format!("form“{}”不是已定义的表号", ind.form.as_deref().unwrap_or("")));
                continue;
            };
            match (ind.aggregation, ind.column.as_deref()) {
                (Aggregation::Sum, Some(c)) if form.column(c).is_some_and(|c| c.kind == ColumnKind::Number) => {}
                (Aggregation::Sum, c) => push(
                    format!("{key}.column"),
                    anchor.clone(),
                    format!("求和指标的 column“{}”不是表 {} 的数值列", c.unwrap_or(""), form.id),
                ),
                (Aggregation::Count, None) => {}
                (Aggregation::Count, Some(c)) if form.column(c).is_some() => {}
                (Aggregation::Count, Some(c)) => push(format!("{key}.column"), anchor.clone(), format!("column“{c}”不在表 {} 中", form.id)),
            }
            for (k, filter) in ind.filters.iter().enumerate() {
                if let Some(message) = filter_problem(form, filter) {
                    push(format!("{key}.filters[{k}]"), anchor.clone(), message);
                }
            }
        }
        for form in &self.forms {
            let anchor = Some(quoted("id", &form.id));
            for column in &form.columns {
                if let Some(filter) = &column.required_if
                    && let Some(message) = filter_problem(form, filter)
                {
                    push(format!("forms({}).columns({}).required_if", form.id, column.id), anchor.clone(), message);
                }
            }
            let Some(timing) = &form.timing else { continue };
            let key = format!("forms({}).timing", form.id);
            let kind_of = |id: &str| form.column(id).map(|c| c.kind);
            if kind_of(&timing.done) != Some(ColumnKind::YesNo) {
                push(format!("{key}.done"), anchor.clone(), format!("done“{}”应是表 {} 的是/否列", timing.done, form.id));
            }
            if let Some(date) = &timing.date
                && kind_of(date) != Some(ColumnKind::Date)
            {
                push(format!("{key}.date"), anchor.clone(), format!("date“{date}”应是表 {} 的日期列", form.id));
            }
            match (&timing.due, &timing.due_column) {
                (Some(_), None) => {}
                (None, Some(c)) if kind_of(c) == Some(ColumnKind::Month) => {}
                (None, Some(c)) => push(format!("{key}.due_column"), anchor.clone(), format!("due_column“{c}”应是表 {} 的月份列", form.id)),
                _ => push(key.clone(), anchor.clone(), "timing 须写 due（统一期限）或 due_column（各项目计划完工月份）之一".into()),
            }
            for (k, filter) in timing.filters.iter().enumerate() {
                if let Some(message) = filter_problem(form, filter) {
                    push(format!("{key}.filters[{k}]"), anchor.clone(), message);
                }
            }
        }
        let known_indicator = |id: &str| self.indicators.iter().any(|i| i.id == id);
        let mut check_ids = BTreeSet::new();
        for (ci, check) in self.checks.iter().enumerate() {
            let key = format!("checks[{ci}]({})", check.id);
            let anchor = Some(quoted("id", &check.id));
            if !check_ids.insert(check.id.as_str()) {
                push(format!("{key}.id"), anchor.clone(), format!("核对项 id“{}”重复", check.id));
            }
            if !known_indicator(&check.indicator) {
                push(format!("{key}.indicator"), anchor.clone(), format!("indicator“{}”不是已定义的指标", check.indicator));
            }
            match (&check.against, &check.target) {
                (Some(a), None) if known_indicator(a) => {}
                (Some(a), None) => push(format!("{key}.against"), anchor.clone(), format!("against“{a}”不是已定义的指标")),
                (None, Some(t)) if self.targets.iter().any(|x| &x.id == t && x.value.is_some()) => {}
                (None, Some(t)) => push(format!("{key}.target"), anchor.clone(), format!("target“{t}”不是有目标值的目标")),
                _ => push(key.clone(), anchor.clone(), "核对项须写 against（另一指标）或 target（目标值）之一".into()),
            }
            if !check.tolerance.is_finite() || check.tolerance < 0.0 {
                push(format!("{key}.tolerance"), anchor.clone(), "tolerance 应为非负数".into());
            }
        }
        for (pi, phase) in self.phases.iter().enumerate() {
            let key = format!("phases[{pi}]({})", phase.name);
            let anchor = Some(quoted("name", &phase.name));
            if phase.start.year() != self.plan.year || phase.end.year() != self.plan.year {
                push(key.clone(), anchor.clone(), format!("阶段日期 {}—{} 不在方案年度 {} 内", phase.start, phase.end, self.plan.year));
            }
            if phase.start > phase.end {
                push(format!("{key}.start"), anchor.clone(), format!("阶段开始 {} 晚于结束 {}", phase.start, phase.end));
            }
        }
        for role in [PhaseRole::Prepare, PhaseRole::Implement, PhaseRole::Assess] {
            if self.phases.iter().filter(|p| p.role == role).count() > 1 {
                push(
                    "phases".into(),
                    None,
                    format!(
                        "role = \"{}\" 的阶段只能有一个",
                        serde_json::to_value(role).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
                    ),
                );
            }
        }
        let mut curve_ids = BTreeSet::new();
        for (ci, curve) in self.curves.iter().enumerate() {
            let key = format!("curves[{ci}]({})", curve.id);
            let anchor = Some(quoted("id", &curve.id));
            if !curve_ids.insert(curve.id.as_str()) {
                push(format!("{key}.id"), anchor.clone(), format!("曲线 id“{}”重复", curve.id));
            }
            if curve.shares.len() != 12 {
                push(
                    format!("{key}.shares"),
                    anchor.clone(),
                    format!("shares 应为 1—12 月共 12 个累计比例，现有 {} 个", curve.shares.len()),
                );
            } else if curve.shares.iter().any(|s| !s.is_finite() || *s < 0.0 || *s > 1.0) {
                push(format!("{key}.shares"), anchor.clone(), "shares 的每个值应在 0 到 1 之间".into());
            } else if let Some(m) = curve.shares.windows(2).position(|w| w[1] < w[0]) {
                push(format!("{key}.shares"), anchor.clone(), format!("shares 应逐月不减：{} 月比 {} 月小", m + 2, m + 1));
            } else if (curve.shares[11] - 1.0).abs() > 1e-9 {
                push(format!("{key}.shares"), anchor.clone(), format!("shares 最后（12月）应为 1（100%），现为 {}", curve.shares[11]));
            }
            if curve.source.trim().is_empty() {
                push(format!("{key}.source"), anchor.clone(), "曲线必须在 source 中注明依据".into());
            }
        }
        let mut target_ids = BTreeSet::new();
        for (ti, t) in self.targets.iter().enumerate() {
            let key = format!("targets[{ti}]({})", t.id);
            let anchor = Some(quoted("id", &t.id));
            if !target_ids.insert(t.id.as_str()) {
                push(format!("{key}.id"), anchor.clone(), format!("目标 id“{}”重复", t.id));
            }
            if t.clause.trim().is_empty() {
                push(format!("{key}.clause"), anchor.clone(), "缺少条款引用 clause".into());
            }
            let needs_indicator = !matches!(t.kind, TargetKind::Qualitative);
            match (&t.indicator, needs_indicator) {
                (Some(i), _) if !self.indicators.iter().any(|ind| &ind.id == i) => {
                    push(format!("{key}.indicator"), anchor.clone(), format!("indicator“{i}”不是已定义的指标"))
                }
                (None, true) => push(format!("{key}.indicator"), anchor.clone(), format!("{} 类目标必须指定 indicator", t.kind.label())),
                _ => {}
            }
            let needs_value =
                matches!(t.kind, TargetKind::AtLeast | TargetKind::Count | TargetKind::Floor | TargetKind::Ceiling | TargetKind::Ratio);
            if needs_value && t.value.is_none() {
                push(format!("{key}.value"), anchor.clone(), format!("{} 类目标必须有 value", t.kind.label()));
            }
            if let Some(v) = t.value
                && (!v.is_finite() || v < 0.0)
            {
                push(format!("{key}.value"), anchor.clone(), format!("目标值 {v} 不是非负数"));
            }
            if t.kind == TargetKind::Ratio
                && let Some(v) = t.value
                && v <= 1.0
            {
                push(format!("{key}.value"), anchor.clone(), format!("比例目标按百分数填写（60% 写 60），现为 {v}"));
            }
            if t.kind == TargetKind::Milestones {
                if t.milestones.is_empty() {
                    push(format!("{key}.milestones"), anchor.clone(), "时序进度目标必须列出 milestones".into());
                }
                if let Some(j) = t.milestones.windows(2).position(|w| w[0].by >= w[1].by || w[0].value > w[1].value) {
                    let (before, after) = (&t.milestones[j], &t.milestones[j + 1]);
                    push(
                        format!("{key}.milestones[{}]", j + 1),
                        anchor.clone(),
                        format!(
                            "milestones 必须按日期递增且数值不减：{} 的 {} 排在 {} 的 {} 之后",
                            after.by,
                            crate::text::fmt(after.value),
                            before.by,
                            crate::text::fmt(before.value)
                        ),
                    );
                }
                if t.milestones.last().is_some_and(|m| m.value > 0.0) && t.milestones.iter().all(|m| m.value <= 1.0) {
                    push(format!("{key}.milestones"), anchor.clone(), "时序进度按百分数填写（35% 写 35），现均不超过 1".into());
                }
            }
            if t.kind == TargetKind::Baseline && t.baseline.is_none() {
                push(format!("{key}.baseline"), anchor.clone(), "不低于基数类目标必须有 baseline".into());
            }
            if let Some(d) = t.deadline
                && d.year() != self.plan.year
            {
                push(format!("{key}.deadline"), anchor.clone(), format!("deadline {d} 不在方案年度 {} 内", self.plan.year));
            }
            if let Some(schedule) = &t.schedule {
                let key = format!("{key}.schedule");
                if !matches!(t.kind, TargetKind::AtLeast | TargetKind::Count) {
                    push(key.clone(), anchor.clone(), format!("{} 类目标不按进度考核，不能写 schedule", t.kind.label()));
                }
                for (field, date) in [("start", schedule.start), ("due", schedule.due)] {
                    if let Some(d) = date
                        && d.year() != self.plan.year
                    {
                        push(format!("{key}.{field}"), anchor.clone(), format!("{field} {d} 不在方案年度 {} 内", self.plan.year));
                    }
                }
                if let (Some(start), Some(due)) = (schedule.start, schedule.due)
                    && start >= due
                {
                    push(format!("{key}.start"), anchor.clone(), format!("开始日期 {start} 应早于完成日期 {due}"));
                }
                match schedule.kind {
                    ScheduleKind::Curve => match schedule.curve.as_deref() {
                        None => push(format!("{key}.curve"), anchor.clone(), "curve 类进度必须写 curve（曲线 id）".into()),
                        Some(id) if !self.curves.iter().any(|c| c.id == id) => {
                            push(format!("{key}.curve"), anchor.clone(), format!("curve“{id}”不是已定义的曲线"))
                        }
                        _ => {}
                    },
                    ScheduleKind::Event => {
                        if !schedule.month.is_some_and(|m| (1..=12).contains(&m)) {
                            push(format!("{key}.month"), anchor.clone(), "event 类进度必须写计划月份 month（1–12）".into());
                        }
                    }
                    ScheduleKind::Planned => match schedule.indicator.as_deref() {
                        Some(i) if known_indicator(i) => {}
                        _ => push(format!("{key}.indicator"), anchor.clone(), "planned 类进度必须写 indicator（计划完成量的指标）".into()),
                    },
                    ScheduleKind::Linear | ScheduleKind::YearEnd => {}
                }
                if schedule.assumed && schedule.source.trim().is_empty() {
                    push(format!("{key}.source"), anchor.clone(), "暂定的进度安排（assumed = true）必须在 source 中说明依据".into());
                }
            }
            if t.kind == TargetKind::Ceiling
                && let Some(ind) = t.indicator.as_deref().and_then(|i| self.indicator(i))
                && ind.direction != Direction::Lower
            {
                push(format!("{key}.indicator"), anchor.clone(), format!("上限（清零）目标的指标“{}”应写 direction = \"lower\"", ind.id));
            }
            for name in t.allocations.keys() {
                if self.unit(name).is_none() {
                    push(format!("{key}.allocations"), anchor.clone(), format!("分解到的“{name}”不是填报单位"));
                }
            }
            if t.lead_units.is_empty() {
                push(format!("{key}.lead_units"), anchor.clone(), "缺少牵头单位 lead_units".into());
            }
            if let Some(i) = &t.on_time {
                if !known_indicator(i) {
                    push(format!("{key}.on_time"), anchor.clone(), format!("on_time“{i}”不是已定义的指标"));
                }
                if !matches!(t.kind, TargetKind::AtLeast | TargetKind::Count) {
                    push(format!("{key}.on_time"), anchor.clone(), format!("{} 类目标没有期限，不能写 on_time", t.kind.label()));
                }
            }
        }
        problems
    }

    pub fn form(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.id == id)
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    pub fn unit(&self, name: &str) -> Option<&ReportingUnit> {
        self.units.iter().find(|u| u.name == name)
    }

    pub fn township_forms(&self) -> impl Iterator<Item = &Form> {
        self.forms.iter().filter(|f| f.reporter == Reporter::Township)
    }

    /// The end of the day reports of `period` are due (China Standard Time), if the plan sets one.
    pub fn submission_deadline(&self, period: crate::period::Period) -> Option<chrono::NaiveDateTime> {
        let day = self.plan.submission_deadline_day?;
        let next = period.end() + chrono::Duration::days(1);
        let date = NaiveDate::from_ymd_opt(next.year(), next.month(), day.clamp(1, 28))?;
        date.and_hms_opt(23, 59, 59)
    }

    fn year_start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.plan.year, 1, 1).expect("valid date")
    }

    fn year_end(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.plan.year, 12, 31).expect("valid date")
    }

    fn phase(&self, role: PhaseRole) -> Option<&Phase> {
        self.phases.iter().find(|p| p.role == role)
    }

    /// The day the year-end assessment starts (the assessment phase, else 1 December): from its
    /// month on, the bulletin lists 完成/未完成 per target.
    pub fn assessment_start(&self) -> NaiveDate {
        self.phase(PhaseRole::Assess)
            .map(|p| p.start)
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(self.plan.year, 12, 1).expect("valid date"))
    }

    /// A target's schedule with the defaults applied; `None` for targets judged without time
    /// (floors, ceilings, baselines, ratios, tracked and qualitative ones).
    pub fn schedule(&self, target: &Target) -> Option<ResolvedSchedule> {
        if target.kind == TargetKind::Milestones {
            return Some(ResolvedSchedule { timing: Timing::Milestones, assumed: false, source: String::new() });
        }
        if !matches!(target.kind, TargetKind::AtLeast | TargetKind::Count) {
            return None;
        }
        let implement = self.phase(PhaseRole::Implement);
        let default_start = implement.map(|p| p.start).unwrap_or_else(|| self.year_start());
        let default_due = target.deadline.or(implement.map(|p| p.end)).unwrap_or_else(|| self.year_end());
        let Some(schedule) = &target.schedule else {
            let start = if default_start < default_due { default_start } else { self.year_start() };
            let source = match implement {
                Some(p) if target.deadline.is_none() => {
                    format!("{}阶段（{}至{}）", p.name, p.start.format("%-m月%-d日"), p.end.format("%-m月%-d日"))
                }
                _ if target.deadline.is_some() => format!("期限{}", default_due.format("%-m月%-d日")),
                _ => "全年".to_string(),
            };
            return Some(ResolvedSchedule { timing: Timing::Linear { start, due: default_due }, assumed: false, source });
        };
        let timing = match schedule.kind {
            ScheduleKind::Linear => {
                let due = schedule.due.unwrap_or(default_due);
                let start = schedule.start.unwrap_or(if default_start < due { default_start } else { self.year_start() });
                Timing::Linear { start, due }
            }
            ScheduleKind::Curve => {
                let curve = self.curves.iter().find(|c| Some(&c.id) == schedule.curve.as_ref())?;
                let full = curve.shares.iter().position(|s| *s >= 1.0 - 1e-9).unwrap_or(11) as u32 + 1;
                let due = crate::period::Period::new(self.plan.year, full).map(|p| p.end()).unwrap_or_else(|| self.year_end());
                Timing::Curve { shares: curve.shares.clone(), due }
            }
            ScheduleKind::Event => {
                let month = schedule.month.unwrap_or(12);
                let due = crate::period::Period::new(self.plan.year, month).map(|p| p.end()).unwrap_or_else(|| self.year_end());
                Timing::Event { due }
            }
            ScheduleKind::YearEnd => Timing::YearEnd { due: schedule.due.unwrap_or_else(|| self.year_end()) },
            ScheduleKind::Planned => Timing::Planned {
                indicator: schedule.indicator.clone()?,
                due: schedule.due.unwrap_or_else(|| self.year_end()),
                share: None,
            },
        };
        let curve = schedule.curve.as_deref().and_then(|id| self.curves.iter().find(|c| c.id == id));
        let assumed = schedule.assumed || curve.is_some_and(|c| c.assumed);
        let source = match curve {
            Some(c) if schedule.source.is_empty() => format!("{}：{}", c.name, c.source),
            _ => schedule.source.clone(),
        };
        Some(ResolvedSchedule { timing, assumed, source })
    }

    /// Whether any form is a department ledger.
    pub fn has_ledger(&self) -> bool {
        self.forms.iter().any(|f| f.reporter == Reporter::Department)
    }

    /// The targets a department ledger reports: those computed from a department form, every
    /// qualitative task (its status), and those a department indicator reads by item id (a
    /// department's own figure for a township target, for a cross-check). In plan order.
    pub fn ledger_targets(&self) -> impl Iterator<Item = &Target> {
        self.targets.iter().filter(|t| {
            let by_department = t
                .indicator
                .as_deref()
                .and_then(|i| self.indicator(i))
                .and_then(|i| i.form.as_deref())
                .and_then(|f| self.form(f))
                .is_some_and(|f| f.reporter == Reporter::Department);
            by_department || !t.is_numeric() || self.indicators.iter().any(|i| self.ledger_item(i) == Some(t.id.as_str()))
        })
    }

    /// The ledger item a department indicator reads: the target id its filter on the
    /// department form's key column names.
    pub fn ledger_item<'a>(&'a self, indicator: &'a Indicator) -> Option<&'a str> {
        let form = indicator.form.as_deref().and_then(|f| self.form(f)).filter(|f| f.reporter == Reporter::Department)?;
        let key = &form.key_column().id;
        indicator.filters.iter().find(|f| &f.column == key).and_then(|f| f.equals.as_deref())
    }

    /// The department that reports a ledger target: its first lead unit (牵头单位), or the
    /// combined ledger's pseudo-unit where the plan names none.
    pub fn ledger_owner<'a>(&'a self, target: &'a Target) -> &'a str {
        target.lead_units.first().map(String::as_str).unwrap_or(DEPARTMENTS)
    }

    /// The departments that report a ledger of their own: the owners of the ledger targets, in
    /// order of first appearance. Empty when the plan has no department form.
    pub fn departments(&self) -> Vec<String> {
        if !self.has_ledger() {
            return Vec::new();
        }
        let mut names: Vec<String> = Vec::new();
        for target in self.ledger_targets() {
            let owner = self.ledger_owner(target);
            if owner != DEPARTMENTS && !names.iter().any(|n| n == owner) {
                names.push(owner.to_string());
            }
        }
        names
    }

    /// Whether a reporting unit name is a department (or the combined ledger), not a township.
    pub fn is_department(&self, unit: &str) -> bool {
        self.department_names().contains(unit)
    }

    /// The departments, found once, to ask `is_department` of many names (validation asks it
    /// of every unit of a province: finding the departments takes a walk over the targets).
    pub fn department_names(&self) -> DepartmentNames<'_> {
        DepartmentNames { plan: self, names: self.departments() }
    }

    /// The measure (stock or year-to-date) of an indicator, from its value column.
    pub fn indicator_measure(&self, ind: &Indicator) -> Measure {
        if let (Some(form), Some(col)) = (ind.form.as_deref().and_then(|f| self.form(f)), ind.column.as_deref())
            && let Some(col) = form.column(col)
        {
            return col.measure;
        }
        if ind.is_ratio() { Measure::Stock } else { Measure::Ytd }
    }

    /// The form an indicator is computed from: its own, or its numerator's for a ratio.
    pub fn indicator_form<'a>(&'a self, ind: &'a Indicator) -> Option<&'a str> {
        match ind.numerator.as_deref() {
            Some(n) => self.indicator(n).and_then(|n| n.form.as_deref()),
            None => ind.form.as_deref(),
        }
    }
}

impl Form {
    pub fn column(&self, id: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == id)
    }

    pub fn key_column(&self) -> &Column {
        self.columns.iter().find(|c| c.kind == ColumnKind::Key).expect("checked: one key column")
    }

    pub fn topic(&self) -> &str {
        if self.topic.is_empty() { &self.sheet } else { &self.topic }
    }
}

/// One problem found by `Plan::check`.
#[derive(Debug, Clone)]
pub struct PlanProblem {
    /// Key path, e.g. `targets[3](Y04).indicator`.
    pub key: String,
    /// A line of TOML that identifies the item (`id = "Y04"`), used to find the line number.
    anchor: Option<String>,
    pub message: String,
}

impl PlanProblem {
    /// 1-based line of the problem in the TOML text: the line of the key the path ends in
    /// (`targets[3](Y04).indicator`), found inside that very item; else the anchor line.
    pub fn locate(&self, text: &str) -> Option<usize> {
        if let Some(line) = locate_key_path(text, &self.key) {
            return Some(line);
        }
        let anchor = self.anchor.as_deref()?;
        text.lines().position(|line| line.trim().replace(' ', "") == anchor.replace(' ', "")).map(|i| i + 1)
    }
}

/// `missing field `quote`` → `quote`.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The names between backticks in a serde message: "expected one of `a`, `b`" → [a, b].
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// serde and TOML messages in Chinese (the original kept where it adds detail).
fn toml_message_in_chinese(message: &str) -> String {
    if message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        return message.to_string(); // our own messages (dates)
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        return format!("不认识的键“{field}”（可用的键：{}）", backticked(expected).join("、"));
    }
    if let Some(field) = missing_field(message) {
        return format!("缺少必填的键“{field}”");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        return format!("“{value}”不是可选的值（可选：{}）", backticked(expected).join("、"));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("值的类型不对：应为 {expected}，实为 {found}");
    }
    if message.starts_with("duplicate key") {
        return "键重复定义".to_string();
    }
    format!("TOML 语法错误（{message}）")
}

fn quoted(key: &str, value: &str) -> String {
    format!("{key} = \"{value}\"")
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}
