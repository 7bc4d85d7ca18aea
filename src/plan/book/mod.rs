//! The plan workbook (方案.xlsx): the plan as a statistician keeps it, one sheet per part —
//! basic facts, phases, units and their villages, departments, targets one per row, allocations
//! (units × targets) — and the forms, indicators, curves and checks as TOML on a sheet of their
//! own. A plan written into the workbook and read back is the same plan (`Plan::content_digest`).
//!
//! This module is the workbook's content as tables of cells, both ways (`write::sheets`,
//! `read::plan_from_sheets`) and where a problem of `Plan::check` sits in it (`locate`);
//! `report::plan_book` writes the tables as xlsx, `ingest::plan_book` reads them back.

mod locate;
mod read;
mod write;

#[cfg(test)]
mod tests;

pub use read::plan_from_sheets;
pub use write::sheets;

use crate::plan::{Frequency, Level, PhaseRole, ScheduleKind, TargetKind, UnitKind};

/// One cell of the plan workbook.
#[derive(Debug, Clone, PartialEq)]
pub enum BookCell {
    Empty,
    Text(String),
    Number(f64),
}

impl BookCell {
    /// A text cell, or an empty one for an empty text.
    pub fn text(text: impl Into<String>) -> BookCell {
        let text = text.into();
        if text.is_empty() { BookCell::Empty } else { BookCell::Text(text) }
    }

    /// A number cell, or an empty one.
    pub fn number(value: Option<f64>) -> BookCell {
        value.map_or(BookCell::Empty, BookCell::Number)
    }

    /// The cell as the text a person typed (numbers as they read, e.g. `2024`, `0.5`).
    pub fn as_text(&self) -> String {
        match self {
            BookCell::Empty => String::new(),
            BookCell::Text(t) => t.trim().to_string(),
            BookCell::Number(n) => n.to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            BookCell::Empty => true,
            BookCell::Text(t) => t.trim().is_empty(),
            BookCell::Number(_) => false,
        }
    }
}

/// What a column holds, for the writer's formats and dropdowns.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnType {
    Text,
    /// Long text that wraps (a quote, a note).
    Wrapped,
    Number,
    /// A date written as `2024-03-31`.
    Date,
    /// One of these (a dropdown).
    Choice(Vec<String>),
    /// An indicator id (a dropdown of the 指标 sheet).
    Indicator,
}

/// One column of a sheet: its header, width, what it holds, and a note for the header cell.
#[derive(Debug, Clone, PartialEq)]
pub struct BookColumn {
    pub header: String,
    pub width: f64,
    pub kind: ColumnType,
    pub note: &'static str,
}

/// One sheet of the plan workbook as the writer makes it: a title row, the header row, data.
#[derive(Debug, Clone, PartialEq)]
pub struct BookSheet {
    pub name: &'static str,
    pub title: String,
    pub columns: Vec<BookColumn>,
    pub rows: Vec<Vec<BookCell>>,
    /// Rows at the end that are sums or the targets (分解任务's 合计 and 目标值): not read back.
    pub summary_rows: usize,
}

/// One sheet as read: its name and cells (row by row, from A1).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadSheet {
    pub name: String,
    pub rows: Vec<Vec<BookCell>>,
}

/// A problem of a plan workbook, at its sheet and cell.
#[derive(Debug, Clone, PartialEq)]
pub struct BookProblem {
    pub sheet: String,
    /// A1 cell, or empty for the sheet as a whole.
    pub cell: String,
    pub message: String,
    /// A warning: the plan can be used, but the statistician should look.
    pub warning: bool,
}

impl std::fmt::Display for BookProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.cell.is_empty() {
            true => write!(f, "{}：{}", self.sheet, self.message),
            false => write!(f, "{}!{}：{}", self.sheet, self.cell, self.message),
        }
    }
}

// The sheets, in workbook order.
pub const GUIDE: &str = "填写说明";
pub const BASICS: &str = "基本信息";
pub const PHASES: &str = "实施阶段";
pub const UNITS: &str = "单位";
pub const VILLAGES: &str = "村（社区）";
pub const DEPARTMENTS: &str = "部门";
pub const TARGETS: &str = "目标";
pub const ALLOCATIONS: &str = "分解任务";
pub const INDICATORS: &str = "指标";
pub const ADVANCED: &str = "报表与指标定义";

/// The row (0-based) of every data sheet's header; the title is above it, data below.
pub const HEADER_ROW: usize = 1;

/// 村名单 of a unit: its villages are on the 村（社区） sheet, or any name is taken.
pub const LISTED: &str = "名录";
pub const ANY_VILLAGE: &str = "不限";

/// 合计 and 目标值 rows of 分解任务.
pub const SUM_ROW: &str = "合计";
pub const TARGET_ROW: &str = "目标值";

/// A list in one cell (lead units, aliases): `区农业农村局、区水利局`; where a name holds 、 itself
/// (`镇、街道`), the names are separated by `；` (and a single one ends with it: `镇、街道；`).
pub fn join_list(items: &[String]) -> String {
    if !items.iter().any(|i| i.contains(['、', ',', '，'])) {
        return items.join("、");
    }
    let mut text = items.join("；");
    if items.len() == 1 {
        text.push('；');
    }
    text
}

/// A list typed in one cell (`join_list`): split on ；or ; where there is one, else on 、 , ，.
pub fn split_list(text: &str) -> Vec<String> {
    let separators: &[char] = if text.contains(['；', ';']) { &['；', ';', '\n'] } else { &['、', ',', '，', '\n'] };
    text.split(separators).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

pub fn level_label(level: Level) -> &'static str {
    level.label()
}

pub fn unit_kind_label(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Zone => "开发区",
        other => other.label(),
    }
}

pub fn phase_role_label(role: PhaseRole) -> &'static str {
    match role {
        PhaseRole::Prepare => "安排部署",
        PhaseRole::Implement => "集中实施",
        PhaseRole::Assess => "考核验收",
    }
}

pub fn parse_phase_role(text: &str) -> Option<PhaseRole> {
    [PhaseRole::Prepare, PhaseRole::Implement, PhaseRole::Assess].into_iter().find(|r| phase_role_label(*r) == text.trim())
}

pub const TARGET_KINDS: [TargetKind; 10] = [
    TargetKind::AtLeast,
    TargetKind::Count,
    TargetKind::Floor,
    TargetKind::Ceiling,
    TargetKind::Ratio,
    TargetKind::Milestones,
    TargetKind::Baseline,
    TargetKind::Tracked,
    TargetKind::Qualitative,
    TargetKind::Ongoing,
];

pub fn parse_target_kind(text: &str) -> Option<TargetKind> {
    TARGET_KINDS.into_iter().find(|k| k.label() == text.trim())
}

pub fn schedule_kind_label(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Linear => "均匀推进",
        ScheduleKind::Curve => "农时曲线",
        ScheduleKind::Event => "一次性完成",
        ScheduleKind::YearEnd => "年终考核",
        ScheduleKind::Planned => "按计划完工月份",
    }
}

pub const SCHEDULE_KINDS: [ScheduleKind; 5] =
    [ScheduleKind::Linear, ScheduleKind::Curve, ScheduleKind::Event, ScheduleKind::YearEnd, ScheduleKind::Planned];

pub fn parse_schedule_kind(text: &str) -> Option<ScheduleKind> {
    SCHEDULE_KINDS.into_iter().find(|k| schedule_kind_label(*k) == text.trim())
}

pub fn frequency_label(frequency: Frequency) -> &'static str {
    match frequency {
        Frequency::Monthly => "月报",
        Frequency::Quarterly => "季报",
        Frequency::Annual => "年报",
    }
}

pub fn parse_frequency(text: &str) -> Option<Frequency> {
    match text.trim() {
        "" | "月报" | "每月" => Some(Frequency::Monthly),
        "季报" | "每季度" => Some(Frequency::Quarterly),
        "年报" | "每年" => Some(Frequency::Annual),
        _ => None,
    }
}
