//! `Reduced`, the one form of the reduced numbers: every indicator's value per unit and month,
//! as `reduce` makes them from rows and as the store keeps them beside a month, laid out as the
//! district sums read them (one column of values per indicator and month, townships in the
//! order sums add them), and who was counted each month.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::FastMap;
use crate::period::Period;
use crate::plan::Plan;

/// What aggregation keeps of the rows: every indicator's value per unit and period, and the
/// forms of each unit counted in each period. Small (indicators × units × months).
///
/// Units have slots: the plan's townships first, in name order (the order district sums add
/// them, whatever the plan's order), then any other unit that has values (departments, the
/// combined ledger) as it comes. A column (indicator, period) holds one value per slot, NaN
/// where the unit has none, so a district sum reads one contiguous slice.
#[derive(Debug, Clone)]
pub struct Reduced {
    /// Unit name → slot.
    slots: FastMap<String, usize>,
    /// Slot → unit name.
    names: Vec<String>,
    /// How many slots are the plan's townships (the first ones).
    townships: usize,
    /// (index in `plan.indicators`, period) → value per slot; at least `townships` long.
    columns: FastMap<(usize, Period), Vec<f64>>,
    /// The forms of each unit counted in each period (from each month's submissions).
    counted: BTreeMap<Period, Counted>,
}

/// The forms counted of each unit in one period: unit → form ids.
pub type Counted = FastMap<String, BTreeSet<String>>;

impl Reduced {
    /// Nothing reduced yet, with a slot for each of the plan's townships.
    pub fn new(plan: &Plan) -> Reduced {
        let mut names: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
        names.sort();
        names.dedup();
        let slots = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        Reduced { slots, townships: names.len(), names, columns: FastMap::default(), counted: BTreeMap::new() }
    }

    /// The plan's townships in the order district sums add them (by name): a column's slots.
    pub fn sum_order(&self) -> &[String] {
        &self.names[..self.townships]
    }

    /// Every township's value of indicator `index` in `period`, by position in `sum_order`
    /// (NaN: none); `None` when no unit has a value of it that month.
    pub fn column(&self, index: usize, period: Period) -> Option<&[f64]> {
        self.columns.get(&(index, period)).map(|c| &c[..self.townships])
    }

    /// One unit's value of indicator `index` in `period`.
    pub fn value(&self, index: usize, period: Period, unit: &str) -> Option<f64> {
        let slot = *self.slots.get(unit)?;
        self.columns.get(&(index, period))?.get(slot).copied().filter(|v| !v.is_nan())
    }

    /// The forms of each unit counted in each period.
    pub fn counted(&self) -> &BTreeMap<Period, Counted> {
        &self.counted
    }

    /// Who was counted in `period` (from the month's submissions), added to what is known.
    pub fn set_counted(&mut self, period: Period, counted: Vec<(String, String)>) {
        let month = self.counted.entry(period).or_default();
        for (unit, form) in counted {
            month.entry(unit).or_default().insert(form);
        }
    }

    /// Who was counted in `period`, replacing what was known (the month being run: the
    /// validation's verdict, even for a form with no rows).
    pub fn replace_counted(&mut self, period: Period, counted: Counted) {
        self.counted.insert(period, counted);
    }

    fn slot(&mut self, unit: &str) -> usize {
        if let Some(&slot) = self.slots.get(unit) {
            return slot;
        }
        let slot = self.names.len();
        self.names.push(unit.to_string());
        self.slots.insert(unit.to_string(), slot);
        slot
    }

    /// Add a frame's values: row `r` is unit `units[r]` in month `period_of(r)`; each column
    /// holds one indicator (index in `plan.indicators`). A later value of a cell replaces it.
    pub(super) fn insert_rows(
        &mut self,
        units: &StringChunked,
        period_of: impl Fn(usize) -> Option<Period>,
        columns: &[(usize, Float64Chunked)],
    ) {
        for (row, unit) in units.iter().enumerate() {
            let (Some(unit), Some(period)) = (unit, period_of(row)) else { continue };
            let slot = self.slot(unit);
            for (i, column) in columns {
                if let Some(v) = column.get(row) {
                    let townships = self.townships;
                    let values = self.columns.entry((*i, period)).or_insert_with(|| vec![f64::NAN; townships]);
                    if values.len() <= slot {
                        values.resize(slot + 1, f64::NAN);
                    }
                    values[slot] = v;
                }
            }
        }
    }

    /// One month's values as a frame: `unit`'s name as `township`, then one float column per
    /// indicator id (the ratios' are null), units with a value that month in name order; what
    /// the store keeps beside a month (`store::write_derived`) so that later runs need not
    /// reduce it again.
    pub fn month_frame(&self, plan: &Plan, period: Period) -> PolarsResult<DataFrame> {
        let mut present = vec![false; self.names.len()];
        for ((_, p), values) in &self.columns {
            if *p == period {
                for (slot, v) in values.iter().enumerate() {
                    present[slot] |= !v.is_nan();
                }
            }
        }
        let mut slots: Vec<usize> = (0..self.names.len()).filter(|&s| present[s]).collect();
        slots.sort_by(|a, b| self.names[*a].cmp(&self.names[*b]));
        let names: Vec<&str> = slots.iter().map(|&s| self.names[s].as_str()).collect();
        let mut columns = vec![Column::new("township".into(), names)];
        for (i, indicator) in plan.indicators.iter().enumerate() {
            let column = self.columns.get(&(i, period));
            let values: Vec<Option<f64>> = slots.iter().map(|&s| column.and_then(|c| c.get(s)).copied().filter(|v| !v.is_nan())).collect();
            columns.push(Column::new(indicator.id.as_str().into(), values));
        }
        DataFrame::new(slots.len(), columns)
    }

    /// Add one month's values from a frame made by `month_frame` (for the same plan: columns of
    /// indicators the plan does not have are left out).
    pub fn insert_month_frame(&mut self, plan: &Plan, period: Period, frame: &DataFrame) -> PolarsResult<()> {
        let units = frame.column("township")?.as_materialized_series().str()?.clone();
        let mut columns = Vec::new();
        for (i, indicator) in plan.indicators.iter().enumerate() {
            if let Ok(column) = frame.column(&indicator.id) {
                columns.push((i, column.as_materialized_series().f64()?.clone()));
            }
        }
        self.insert_rows(&units, |_| Some(period), &columns);
        Ok(())
    }
}
