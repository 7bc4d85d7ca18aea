//! District figures from the reduced values: each unit counted this month, carried from its
//! last counted month (沿用) or missing (`Coverage`); township sums in name order, department
//! ledger values by trust, ratios of district sums, and 本月 as this month less last month.

use std::collections::HashSet;

use serde::Serialize;

use super::Reduced;
use crate::FastMap;
use crate::period::Period;
use crate::plan::{Indicator, Measure, Plan, Reporter};

/// Who a district figure counts: units counted this month, units whose last accepted value is
/// carried (沿用, with the month it is from), and units left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    pub counted: Vec<String>,
    pub carried: Vec<(String, Period)>,
    pub missing: Vec<String>,
    /// Units counted whose figure lacks a part (a ratio's numerator or denominator column left
    /// out or blank): left out of both sums, never read as zero.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<String>,
}

impl Coverage {
    /// Merge another figure's coverage (a ratio's denominator): a unit counts only where both
    /// count it; carried where either carries it; missing where either misses it. Sets, not
    /// list scans: a province has 2,000 units.
    pub(super) fn merge(&mut self, other: Coverage) {
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
        for unit in other.partial {
            if !self.partial.contains(&unit) {
                self.partial.push(unit);
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
        if !self.partial.is_empty() {
            text.push_str(&format!("，缺列{}个：{}", self.partial.len(), self.partial.join("、")));
        }
        text
    }
}

/// A district figure's change this month (本月).
#[derive(Debug, Clone, Default)]
pub(super) struct MonthChange {
    pub(super) value: Option<f64>,
    /// Townships with no figure last month: left out of the change.
    pub(super) left_out: Vec<String>,
    /// Townships whose year-to-date figure went down, with the change (negative).
    pub(super) decreased: Vec<(String, f64)>,
}

/// Where a unit's value of a form in a month comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    Counted,
    /// Not counted this month: its value of that earlier month stands in (沿用).
    Carried(Period),
    Missing,
}

/// Works out district figures from `Reduced` for one plan.
pub(super) struct Calculator<'a> {
    pub(super) plan: &'a Plan,
    reduced: &'a Reduced,
    /// indicator id → index in `plan.indicators`.
    index: FastMap<&'a str, usize>,
    /// The departments with a ledger of their own, by name.
    departments: Vec<String>,
    carry_months: u32,
    /// (period, form) → whether each township's form was counted that month, by position in
    /// `sum_order` (made once: the sums run over every township for every indicator and
    /// month, and name lookups there were most of the aggregation's time at province scale).
    counted_at: FastMap<(Period, &'a str), Vec<bool>>,
}

/// The value at `pos` of a `column` (0 where there is none).
fn value_at(column: Option<&[f64]>, pos: usize) -> f64 {
    column.map(|c| c[pos]).filter(|v| !v.is_nan()).unwrap_or(0.0)
}

impl<'a> Calculator<'a> {
    /// A calculator carrying a unit's values at most `carry_months` back.
    pub(super) fn new(plan: &'a Plan, reduced: &'a Reduced, carry_months: u32) -> Self {
        let index = plan.indicators.iter().enumerate().map(|(i, ind)| (ind.id.as_str(), i)).collect();
        let mut departments = plan.departments();
        departments.sort();
        let sum_order = reduced.sum_order();
        let position: FastMap<&str, usize> = sum_order.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
        let mut counted_at: FastMap<(Period, &'a str), Vec<bool>> = FastMap::default();
        for (period, units) in reduced.counted() {
            for (unit, forms) in units {
                let Some(&pos) = position.get(unit.as_str()) else { continue };
                for form in forms {
                    counted_at.entry((*period, form.as_str())).or_insert_with(|| vec![false; sum_order.len()])[pos] = true;
                }
            }
        }
        Calculator { plan, reduced, index, departments, carry_months, counted_at }
    }

    /// Whether anything was counted in `period` (a month of the year the store holds).
    pub(super) fn has_month(&self, period: Period) -> bool {
        self.reduced.counted().contains_key(&period)
    }

    /// Where each township's figures of `form` for `period` come from, by position in
    /// `sum_order` (as `source`, without a name lookup per township).
    fn sources(&self, form: &str, period: Period) -> Vec<Source> {
        let mut months = vec![(period, self.counted_at.get(&(period, form)))];
        let mut earlier = period;
        for _ in 0..self.carry_months {
            if earlier.month == 1 {
                break;
            }
            earlier = earlier.previous();
            months.push((earlier, self.counted_at.get(&(earlier, form))));
        }
        (0..self.sum_order().len())
            .map(|pos| match months.iter().position(|(_, c)| c.is_some_and(|c| c[pos])) {
                Some(0) => Source::Counted,
                Some(k) => Source::Carried(months[k].0),
                None => Source::Missing,
            })
            .collect()
    }

    /// The value of indicator `index` for the township at `pos` of `sum_order` (0 where none).
    fn raw_at(&self, index: Option<usize>, period: Period, pos: usize) -> f64 {
        value_at(self.column(index, period), pos)
    }

    /// Every township's value of indicator `index` in `period`, by position in `sum_order`.
    fn column(&self, index: Option<usize>, period: Period) -> Option<&[f64]> {
        self.reduced.column(index?, period)
    }

    /// The townships, in the order district sums add them (by name).
    pub(super) fn sum_order(&self) -> &[String] {
        self.reduced.sum_order()
    }

    pub(super) fn reporter(&self, indicator: &Indicator) -> Reporter {
        self.form_of(indicator).and_then(|f| self.plan.form(f)).map(|f| f.reporter).unwrap_or(Reporter::Township)
    }

    /// The form an indicator is computed from (the numerator's, for a ratio).
    pub(super) fn form_of<'i>(&'i self, indicator: &'i Indicator) -> Option<&'i str> {
        self.plan.indicator_form(indicator)
    }

    fn get(&self, indicator: &str, period: Period, township: &str) -> Option<f64> {
        self.reduced.value(*self.index.get(indicator)?, period, township)
    }

    fn raw(&self, indicator: &str, period: Period, township: &str) -> f64 {
        self.get(indicator, period, township).unwrap_or(0.0)
    }

    pub(super) fn is_counted(&self, unit: &str, form: &str, period: Period) -> bool {
        self.reduced.counted().get(&period).and_then(|c| c.get(unit)).is_some_and(|forms| forms.contains(form))
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

    /// A township's figure in `period` as the district sum takes it: counted, or carried from
    /// its last counted month; `None` when it is missing.
    pub(super) fn unit_figure(&self, indicator: &Indicator, period: Period, township: &str) -> Option<f64> {
        let form = self.form_of(indicator)?;
        match self.source(township, form, period) {
            Source::Counted => self.township_value(indicator, period, township),
            Source::Carried(from) => self.township_value(indicator, from, township),
            Source::Missing => None,
        }
    }

    /// A township's value in the last month of the year before `period` its form was counted
    /// (however long ago): what it last held of a figure it is now missing from.
    pub(super) fn last_counted_figure(&self, indicator: &Indicator, period: Period, township: &str) -> Option<f64> {
        let form = self.form_of(indicator)?;
        let mut month = period;
        while month.month > 1 {
            month = month.previous();
            if self.is_counted(township, form, month) {
                return self.township_value(indicator, month, township);
            }
        }
        None
    }

    /// A township indicator's district sum with each township's latest counted value of the year
    /// (this month's or carried, else its last counted month's however long ago): what was done
    /// by a past date, which a township missing now cannot undo. Ratios and department figures
    /// are their district value.
    pub(super) fn latest_sum(&self, indicator: &Indicator, period: Period) -> Option<f64> {
        if indicator.is_ratio() || self.reporter(indicator) == Reporter::Department {
            return self.district_value(indicator, period).0;
        }
        let mut sum = None;
        for unit in self.sum_order() {
            if let Some(v) = self.unit_figure(indicator, period, unit).or_else(|| self.last_counted_figure(indicator, period, unit)) {
                *sum.get_or_insert(0.0) += v;
            }
        }
        sum
    }

    /// A counted township's value (0 where it reported no matching rows).
    pub(super) fn township_value(&self, indicator: &Indicator, period: Period, township: &str) -> Option<f64> {
        if indicator.is_ratio() {
            // A part the township left out (its column missing or blank) is not a zero.
            let num = self.get(indicator.numerator.as_deref()?, period, township)?;
            let den = self.get(indicator.denominator.as_deref()?, period, township)?;
            return (den > 0.0).then(|| num / den * 100.0);
        }
        Some(self.raw(&indicator.id, period, township))
    }

    /// Who one form's figures count in `period`.
    pub(super) fn form_coverage(&self, form: &crate::plan::Form, period: Period) -> Coverage {
        let sources = if form.reporter == Reporter::Department {
            let mut units = self.departments.to_vec();
            let combined = self.plan.combined_ledger();
            if self.reduced.counted().get(&period).is_some_and(|c| c.contains_key(combined)) {
                units.push(combined.to_string());
            }
            units.into_iter().map(|unit| (self.source(&unit, &form.id, period), unit)).collect::<Vec<_>>()
        } else {
            self.sources(&form.id, period).into_iter().zip(self.sum_order().iter().cloned()).collect()
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
        let now = self.column(index, period);
        for (pos, (unit, source)) in self.sum_order().iter().zip(self.sources(form, period)).enumerate() {
            match source {
                Source::Counted => {
                    sum += value_at(now, pos);
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
    pub(super) fn ledger_candidates(&self, indicator: &Indicator) -> Vec<String> {
        let mut candidates: Vec<String> = Vec::new();
        let item = self.plan.ledger_item(indicator);
        if let Some(target) =
            self.plan.targets.iter().find(|t| t.indicator.as_deref() == Some(indicator.id.as_str()) || Some(t.id.as_str()) == item)
        {
            candidates.push(self.plan.ledger_owner(target).to_string());
        }
        for unit in std::iter::once(self.plan.combined_ledger()).chain(self.departments.iter().map(String::as_str)) {
            if !candidates.iter().any(|c| c == unit) {
                candidates.push(unit.to_string());
            }
        }
        candidates
    }

    /// A department indicator (not a ratio): the value of the first candidate counted with it
    /// this month, else the latest carried one.
    pub(super) fn ledger_value(&self, indicator: &Indicator, period: Period) -> (Option<f64>, Coverage) {
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

    /// A ratio of two township indicators of one form: the sums of the townships that give both
    /// parts (counted or carried); a township that left a part out (its column missing or
    /// blank, W10) is left out of both sums and named in `Coverage::partial`. `None` when the
    /// parts are not two township indicators of one form.
    fn township_ratio(&self, indicator: &Indicator, period: Period) -> Option<(Option<f64>, Coverage)> {
        let num = self.plan.indicator(indicator.numerator.as_deref()?)?;
        let den = self.plan.indicator(indicator.denominator.as_deref()?)?;
        let form = num.form.as_deref()?;
        if num.is_ratio() || den.is_ratio() || den.form.as_deref() != Some(form) || self.reporter(num) != Reporter::Township {
            return None;
        }
        let (num_index, den_index) = (self.index.get(num.id.as_str()).copied(), self.index.get(den.id.as_str()).copied());
        let part = |index: Option<usize>, p: Period, pos: usize| self.column(index, p).map(|c| c[pos]).filter(|v| !v.is_nan());
        let mut coverage = Coverage::default();
        let (mut n, mut d) = (0.0, 0.0);
        for (pos, (unit, source)) in self.sum_order().iter().zip(self.sources(form, period)).enumerate() {
            let from = match source {
                Source::Counted => period,
                Source::Carried(from) => from,
                Source::Missing => {
                    coverage.missing.push(unit.clone());
                    continue;
                }
            };
            match (part(num_index, from, pos), part(den_index, from, pos)) {
                (Some(a), Some(b)) => {
                    n += a;
                    d += b;
                }
                _ => {
                    coverage.partial.push(unit.clone());
                    continue;
                }
            }
            match source {
                Source::Carried(from) => coverage.carried.push((unit.clone(), from)),
                _ => coverage.counted.push(unit.clone()),
            }
        }
        let value = (d > 0.0).then(|| n / d * 100.0);
        Some((value, coverage))
    }

    /// District value and who it counts. A ratio is the ratio of the district sums.
    pub(super) fn district_value(&self, indicator: &Indicator, period: Period) -> (Option<f64>, Coverage) {
        if !indicator.is_ratio() {
            return self.plain_value(indicator, period);
        }
        if let Some(ratio) = self.township_ratio(indicator, period) {
            return ratio;
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
    /// stored last month (or for a ratio). A year-to-date figure that went down at a township is
    /// named with its change (`MonthChange::decreased`).
    pub(super) fn month_value(&self, indicator: &Indicator, period: Period) -> MonthChange {
        let nothing = MonthChange::default();
        if indicator.is_ratio() {
            return nothing;
        }
        let measure = self.plan.indicator_measure(indicator);
        if period.month == 1 && measure == Measure::Ytd {
            return MonthChange { value: self.district_value(indicator, period).0, ..nothing };
        }
        if !self.reduced.counted().contains_key(&period.previous()) || period.month == 1 {
            return nothing;
        }
        if self.reporter(indicator) == Reporter::Department {
            let (now, _) = self.ledger_value(indicator, period);
            let (before, _) = self.ledger_value(indicator, period.previous());
            return MonthChange { value: now.zip(before).map(|(n, b)| n - b), ..nothing };
        }
        let Some(form) = indicator.form.as_deref() else { return nothing };
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
        let mut decreased = Vec::new();
        for (pos, unit) in self.sum_order().iter().enumerate() {
            match (value_at(pos, now[pos], period), value_at(pos, before[pos], period.previous())) {
                (Some(now), Some(before)) => {
                    change += now - before;
                    any = true;
                    if measure == Measure::Ytd && now < before - 1e-9 {
                        decreased.push((unit.clone(), now - before));
                    }
                }
                (Some(_), None) => left_out.push(unit.clone()),
                _ => {}
            }
        }
        MonthChange { value: any.then_some(change), left_out, decreased }
    }
}
