//! Targets as the plan writes them: what is measured, its kind and value, the document's words,
//! deadline, milestones, allocations, lead units and schedule; and the document's phases and
//! seasonal curves that schedules refer to.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::schema::toml_date;

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
    /// A task without a number and without an end (持续推进、健全、鼓励): judged by being carried
    /// on (推进中 is its normal state, 持续推进), never 未完成 at the year end for not being 已完成.
    Ongoing,
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
            TargetKind::Ongoing => "持续性任务",
        }
    }

    /// A task a lead unit reports by its status (定性任务 or 持续性任务), not a number.
    pub fn is_qualitative(self) -> bool {
        matches!(self, TargetKind::Qualitative | TargetKind::Ongoing)
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
    /// How often its figure is reported (monthly unless said): before it is due in a month it is
    /// 未到报送期, never 未报送.
    #[serde(default, skip_serializing_if = "Frequency::is_monthly")]
    pub frequency: Frequency,
    /// For an annual figure: the month it is due (default December).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_month: Option<u32>,
}

/// How often a figure or a ledger is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Every month (月报).
    #[default]
    #[serde(alias = "月报", alias = "每月")]
    Monthly,
    /// At each quarter's end: March, June, September, December (季报).
    #[serde(alias = "季报", alias = "每季度")]
    Quarterly,
    /// Once a year, in its `report_month` (default December), and standing after it (年报).
    #[serde(alias = "年报", alias = "每年")]
    Annual,
}

impl Frequency {
    pub fn is_monthly(&self) -> bool {
        *self == Frequency::Monthly
    }

    /// Whether a figure of this frequency is due in month `month` (1–12): every month; at a
    /// quarter's end; or, once a year, from its `report_month` (default 12) on.
    pub fn due_in(self, month: u32, report_month: Option<u32>) -> bool {
        match self {
            Frequency::Monthly => true,
            Frequency::Quarterly => month.is_multiple_of(3),
            Frequency::Annual => month >= report_month.unwrap_or(12),
        }
    }

    /// 月报, 季报, 年报（N月）.
    pub fn label(self, report_month: Option<u32>) -> String {
        match self {
            Frequency::Monthly => "月报".to_string(),
            Frequency::Quarterly => "季报".to_string(),
            Frequency::Annual => format!("年报（{}月）", report_month.unwrap_or(12)),
        }
    }
}

impl Target {
    /// Whether the target's figure is due in month `month` of the plan year.
    pub fn due_in(&self, month: u32) -> bool {
        self.frequency.due_in(month, self.report_month)
    }

    /// The date by which the target is due: the deadline, or the plan year's end.
    pub fn due(&self, year: i32) -> NaiveDate {
        self.deadline.unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 12, 31).expect("valid date"))
    }

    pub fn is_numeric(&self) -> bool {
        !self.kind.is_qualitative()
    }
}
