//! The plan's cross-checks (核对): two figures that should agree, from the same district values
//! as the targets, so that a check and the headline row cannot disagree.

use serde::Serialize;

use super::district::Calculator;
use crate::period::Period;
use crate::plan::{Indicator, Reporter};

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

impl Calculator<'_> {
    /// One cross-check this month (see `plan::Check`).
    pub(super) fn check(&self, check: &crate::plan::Check, period: Period) -> CheckResult {
        let indicator = self.plan.indicator(&check.indicator).expect("checked by plan");
        let source = |i: &Indicator| match self.reporter(i) {
            Reporter::Department => {
                format!("{}台账", self.ledger_candidates(i).first().map(String::as_str).unwrap_or(self.plan.combined_ledger()))
            }
            Reporter::Township => format!("{}报表", self.plan.wording().townships_short),
        };
        let (left, coverage) = self.district_value(indicator, period);
        let mut notes = Vec::new();
        if !coverage.missing.is_empty() {
            notes.push(format!("{}合计不含{}", self.plan.wording().townships_short, coverage.missing.join("、")));
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
}
