//! The reporting system of one district-year as data: units, forms, indicators, targets.
//!
//! A plan is a TOML file (see `plans/*.toml`). Everything district-specific lives here so that the
//! rest of the tool is generic. The structure is in `schema` and `targets`, loading in `load`
//! (`Plan::from_toml` parses and then checks cross-references, `check`; every problem is reported
//! with the key path and the line it is on), schedules in `schedule`, row filters in `filter`.

pub mod book;
mod check;
mod export;
mod filter;
mod load;
mod locate;
mod schedule;
mod schema;
mod show;
pub mod starter;
mod targets;
mod wording;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use check::PlanProblem;
pub use filter::{Condition, RowFilter, THIS_MONTH};
pub use load::{Examined, PlanSource};
pub use schedule::{ResolvedSchedule, Timing, linear_share, month_end};
pub use schema::*;
pub use targets::*;
pub use wording::{Level, UnitKind, Wording};

/// The plans that ship inside the binary: (name, TOML text).
pub const SHIPPED_PLANS: &[(&str, &str)] =
    &[("yunxi-2024", include_str!("../../plans/yunxi-2024.toml")), ("echeng-2024", include_str!("../../plans/echeng-2024.toml"))];

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
    /// The departments that report ledgers (牵头单位), with how often; lead units are checked
    /// against them. When absent, the departments are the ledger targets' first lead units.
    #[serde(default, rename = "departments", skip_serializing_if = "Vec::is_empty")]
    pub department_list: Vec<Department>,
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
    /// sha256 of the plan's content (hex; `Plan::content_digest`), filled by the loader: the
    /// same plan has the same digest whatever its comments, layout or format (TOML or workbook).
    #[serde(skip)]
    pub digest: String,
    /// The words of the plan's texts, worked out once (`Plan::wording`).
    #[serde(skip)]
    wording: std::sync::OnceLock<Wording>,
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
        unit == self.plan.combined_ledger() || (self.names.iter().any(|d| d == unit) && self.plan.unit(unit).is_none())
    }
}

/// Column ids a plan may not use: the store's tables name their own columns so (the unit, the
/// record key, lineage, and the partition keys; see `store::frames`).
pub const RESERVED_COLUMN_IDS: &[&str] =
    &["plan_id", "township", "record_key", "source_file", "sheet", "row", "cells", "units", "period", "form"];

impl Plan {
    /// sha256 (hex) of the plan's content: its canonical JSON, so that two files of the same plan
    /// (TOML with other comments, or the plan workbook) have the same digest.
    pub fn content_digest(&self) -> String {
        let json = serde_json::to_vec(self).expect("a plan serialises");
        hex(&Sha256::digest(&json))
    }

    /// The county's level: as written, else as its name says.
    pub fn level(&self) -> Level {
        self.plan.level.unwrap_or_else(|| Level::from_name(&self.plan.district))
    }

    /// The words the plan's texts use for the county, its departments and its units.
    pub fn wording(&self) -> &Wording {
        self.wording.get_or_init(|| {
            let mut kinds: Vec<UnitKind> = self.units.iter().map(ReportingUnit::kind).collect();
            kinds.sort();
            kinds.dedup();
            Wording::new(self.level(), &kinds)
        })
    }

    /// How many of the plan's units `names` are, said as what they are: `14个乡镇（街道）和1个开发区`
    /// (a zone is not a 乡镇); names that are not units count with the townships.
    pub fn count_units<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> String {
        let (mut zones, mut others) = (0, 0);
        for name in names {
            match self.units.iter().find(|u| u.name == name).map(ReportingUnit::kind) {
                Some(UnitKind::Zone) => zones += 1,
                _ => others += 1,
            }
        }
        let townships = &self.wording().townships;
        match (others, zones) {
            (_, 0) => format!("{others}个{townships}"),
            (0, _) => format!("{zones}个开发区"),
            _ => format!("{others}个{townships}和{zones}个开发区"),
        }
    }

    /// `27 个乡镇（街道）、277 个村（社区）、5 张报表、40 个指标、6 项目标（量化 6 项，定性 0 项）`.
    pub fn summary(&self) -> String {
        let numeric = self.targets.iter().filter(|t| t.is_numeric()).count();
        let villages: usize = self.units.iter().map(|u| u.villages.names().len()).sum();
        format!(
            "{} 个{}、{villages} 个村（社区）、{} 张报表、{} 个指标、{} 项目标（量化 {numeric} 项，定性 {} 项）",
            self.units.len(),
            self.wording().townships,
            self.forms.len(),
            self.indicators.len(),
            self.targets.len(),
            self.targets.len() - numeric
        )
    }

    /// The pseudo reporting unit of a combined department ledger: a file under `部门/` that names
    /// no single department (the office's own compilation of every bureau's figures), `区直部门`
    /// or `县直部门` as the county is called (`Wording::departments`).
    pub fn combined_ledger(&self) -> &str {
        &self.wording().departments
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
        target.lead_units.first().map(String::as_str).unwrap_or(self.combined_ledger())
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
            if owner != self.combined_ledger() && !names.iter().any(|n| n == owner) {
                names.push(owner.to_string());
            }
        }
        names
    }

    /// Whether department `name`'s ledger is due in month `month` (1–12): as the department's
    /// own frequency says where the plan lists it, else when any target it leads is due.
    pub fn department_due(&self, name: &str, month: u32) -> bool {
        if let Some(department) = self.department_list.iter().find(|d| d.name == name) {
            return department.due_in(month);
        }
        let mut owned = self.ledger_targets().filter(|t| self.ledger_owner(t) == name).peekable();
        owned.peek().is_none() || owned.any(|t| t.due_in(month))
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

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}
