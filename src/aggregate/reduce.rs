//! Rows to indicator values: one polars lazy query per form, the plan's indicators of that form
//! as expressions inside `group_by([township, period]).agg(…)` (sums with row filters, counts,
//! correctly rounded sums), over this month's frames and the stored tables alike.

use std::collections::BTreeSet;

use polars::prelude::*;

use super::Reduced;
use crate::period::Period;
use crate::plan::{Aggregation, ColumnKind, Condition, Form, Indicator, Plan, RowFilter};

/// The plan columns one form's indicators read (summed or counted columns and their filters'),
/// in plan order: what aggregation scans of the form's tables.
pub fn indicator_columns<'p>(plan: &'p Plan, form: &'p Form) -> Vec<&'p str> {
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

/// A row filter as a polars predicate, as `RowFilter::condition` says what it means: `本月`
/// compares the month part of a date with the row's period. A blank cell, or a filter on a
/// number column, passes nothing.
fn filter_predicate(form: &Form, filter: &RowFilter) -> Expr {
    let is_text = form.column(&filter.column).is_some_and(|c| c.kind != ColumnKind::Number);
    if !is_text {
        return lit(false);
    }
    let column = col(filter.column.as_str());
    let predicate = match filter.condition() {
        Condition::Equals(equals) => column.eq(lit(equals.to_string())),
        Condition::AtMost(date) => column.lt_eq(lit(date.to_string())),
        Condition::MonthAtMost => column.str().slice(lit(0), lit(7)).lt_eq(col("period")),
        Condition::Never => lit(false),
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
/// Null when the unit filled the column in none of its rows (a column it left out, W10: "not
/// reported", never zero); for a township, 0 when it filled it but no row passes the filters. A counted
/// township with no rows at all reads as 0 in sums later (`Calculator::raw`); a ratio leaves a
/// township whose numerator or denominator is null out of both sums. The amounts are
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

fn indicator_exprs(form: &Form, indicator: &Indicator, position: usize) -> Option<IndicatorExprs> {
    let (count, column) = match (indicator.aggregation, indicator.column.as_deref()) {
        (Aggregation::Sum, Some(column)) => (false, column),
        (Aggregation::Count, column) => (true, column.unwrap_or(&form.key_column().id)),
        (Aggregation::Sum, None) => return None,
    };
    let (a, u, r, n, f) =
        (format!("a{position}"), format!("u{position}"), format!("r{position}"), format!("n{position}"), format!("f{position}"));
    let amount = match indicator.filters.iter().map(|f| filter_predicate(form, f)).reduce(|a, b| a.and(b)) {
        Some(passes) => when(passes).then(col(column)).otherwise(lit(NULL)),
        None => col(column),
    };
    let amount = amount.alias(a.as_str());
    let mut parts = Vec::new();
    let mut aggs = vec![col(a.as_str()).count().alias(n.as_str())];
    // Whether a township filled the column at all (before the filters). A department ledger's
    // rows are other targets' items: a ledger without this item's row has no value of it.
    let zero_when_filled = !indicator.filters.is_empty() && form.reporter == crate::plan::Reporter::Township;
    if zero_when_filled {
        aggs.push(col(column).count().alias(f.as_str()));
    }
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
    let none = lit(NULL).cast(DataType::Float64);
    let otherwise = if !zero_when_filled { none } else { when(col(f.as_str()).gt(lit(0))).then(lit(0.0)).otherwise(none) };
    let value = when(col(n.as_str()).gt(lit(0))).then(total).otherwise(otherwise).alias(format!("i{position}"));
    Some(IndicatorExprs { amount, parts, aggs, value })
}

/// One form's rows over some months: a lazy frame with `township`, `period` (`YYYY-MM`) and the
/// columns `indicator_columns` names (typed as the store types them).
pub struct FormRows<'p> {
    pub form: &'p Form,
    pub rows: LazyFrame,
}

/// The rows of a form's frame of one month in memory (a month being run, not yet stored), as
/// `FormRows` wants them.
pub fn frame_rows(plan: &Plan, form: &Form, frame: &DataFrame, period: Period) -> LazyFrame {
    let mut select = vec![col("township"), lit(period.to_string()).alias("period")];
    select.extend(indicator_columns(plan, form).into_iter().map(col));
    frame.clone().lazy().select(select)
}

/// Reduce the rows of each form to the indicators' values: one polars query per form, the
/// plan's indicators of that form as expressions inside `group_by([township, period]).agg(…)`.
/// The values go into `reduced`. Who was counted is not read from the rows: the caller says it
/// (`Reduced::set_counted`, from the months' submissions; `aggregate_reduced` for the month
/// being run).
pub fn reduce(plan: &Plan, forms: Vec<FormRows<'_>>, reduced: &mut Reduced) -> PolarsResult<()> {
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
    Ok(())
}
