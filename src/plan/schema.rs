//! The reporting system's structure as the plan writes it: the district (`PlanMeta`), thresholds
//! and report settings, reporting units with their villages, forms and their columns, and
//! indicators (how each is computed from a form).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Frequency, Level, RowFilter, UnitKind};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanMeta {
    /// Short machine name, e.g. `yunxi-2024`.
    pub id: String,
    /// District name used in titles and file names, e.g. `云溪区`.
    pub district: String,
    /// Full name with the city, e.g. `岳阳市云溪区`.
    pub district_full: String,
    /// 区, 县, 县级市 or 旗: the words of every text follow it (`Plan::wording`). When absent,
    /// the district's name says it (`Level::from_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The county's statistics division code (12 digits), when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
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
    /// Percent of a figure the units not counted this month may hold (by their last counted
    /// value) before a scheduled target without allocations is 数据不全 rather than judged
    /// 滞后 or 逾期: missing townships must not decide a colour.
    pub missing_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            severe_lag_pp: 10.0,
            jump_ratio: 0.5,
            jump_min_abs: 50.0,
            total_tolerance: 0.001,
            carry_months: 2,
            missing_share: 10.0,
        }
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

impl ReportSettings {
    /// Whether a topic with `rows` counted detail rows is shown as subtotals (its rows in a CSV
    /// file beside the bulletin) rather than row by row.
    pub fn summarises(&self, rows: usize) -> bool {
        rows > self.topic_detail_rows
    }
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
    /// What the unit is (镇, 乡, 街道, 苏木, 开发区); when absent, its name says it
    /// (`UnitKind::from_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<UnitKind>,
    /// Statistics division code.
    #[serde(default)]
    pub code: String,
    /// Other names the unit goes by (e.g. an abbreviation, or its name before a rename) that
    /// identify it in file names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Its villages (村、社区) as the statistics list names them, or `"any"`: any name is taken
    /// (and listed for the office to confirm).
    #[serde(default)]
    pub villages: Villages,
}

impl ReportingUnit {
    /// What the unit is: its `kind`, else what its name says.
    pub fn kind(&self) -> UnitKind {
        self.kind.unwrap_or_else(|| UnitKind::from_name(&self.name))
    }
}

/// A unit's villages: a list (village forms check each row's name against it), or any name
/// (`villages = "any"`, for a unit whose list the office has not written yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Villages {
    Listed(Vec<String>),
    Any,
}

impl Default for Villages {
    fn default() -> Self {
        Villages::Listed(Vec::new())
    }
}

impl Villages {
    /// The listed names (none for `Any`).
    pub fn names(&self) -> &[String] {
        match self {
            Villages::Listed(names) => names,
            Villages::Any => &[],
        }
    }

    /// Any name is taken.
    pub fn is_any(&self) -> bool {
        matches!(self, Villages::Any)
    }
}

impl Serialize for Villages {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Villages::Listed(names) => names.serialize(serializer),
            Villages::Any => serializer.serialize_str("any"),
        }
    }
}

impl<'de> Deserialize<'de> for Villages {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Listed(Vec<String>),
            Word(String),
        }
        match Repr::deserialize(deserializer)? {
            Repr::Listed(names) => Ok(Villages::Listed(names)),
            Repr::Word(word) if ["any", "不限", "任意"].contains(&word.trim()) => Ok(Villages::Any),
            Repr::Word(word) => Err(serde::de::Error::custom(format!(
                "villages 应为村（社区）名单（如 [\"荆竹村\", \"八字门社区\"]）或 \"any\"（不限村名），现为“{word}”"
            ))),
        }
    }
}

/// A department that reports a ledger (牵头单位): its name, other names its files may use, and
/// how often it reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// How often its ledger is due (monthly unless said; see `Frequency`).
    #[serde(default, skip_serializing_if = "Frequency::is_monthly")]
    pub frequency: Frequency,
    /// For an annual ledger: the month it is due (default December).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_month: Option<u32>,
}

impl Department {
    /// Whether its ledger is due in month `month` of the plan year.
    pub fn due_in(&self, month: u32) -> bool {
        self.frequency.due_in(month, self.report_month)
    }
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
    /// For a `category` column: its categories are stages in order (未启动, 推进中, 已完成), and
    /// a row is not expected to go back to an earlier one than last month's (W15).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ordered: bool,
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

    /// Whether the indicator counts whole things (its unit is 户, 座, 个 …, and it is no ratio).
    pub fn is_countable(&self) -> bool {
        !self.is_ratio() && crate::units::is_countable(&self.unit)
    }
}

/// Dates in plans are TOML dates (`deadline = 2024-03-31`) or strings (`"2024-03-31"`).
pub(super) mod toml_date {
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
