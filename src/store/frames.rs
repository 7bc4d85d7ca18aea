//! Records ↔ the store's tables: one wide frame per form, one row per source row, typed columns
//! named by the plan's column ids, plus the reporting unit, the record key and where each row and
//! value came from (lineage).
//!
//! | column | type | meaning |
//! |---|---|---|
//! | plan_id | string | plan the row was validated against, e.g. `yunxi-2024` |
//! | township | string | reporting unit: township, department (`区民政局`), or `区直部门` |
//! | record_key | string | village or project name (or ledger item id) |
//! | *plan column ids* | float64 (numbers, in the plan column's unit) or string (texts, 是/否, dates `2024-03-28`, months `2024-09`) | the row's values; null where blank |
//! | source_file | string | input file, relative to the input folder |
//! | sheet | string | sheet name in the source file |
//! | row | uint32 | 1-based sheet row |
//! | cells | string | each value's sheet column: `village=A;area=C` (the same text for every row of a table) |
//! | units | string, null | numbers not in their plan column's unit (per-row units): `completed=座` |
//!
//! The period is the partition's (`period=YYYY-MM` in the path), the form the table's (`form=ZX01`).

use std::collections::HashMap;
use std::sync::Arc;

use polars::prelude::*;
use rayon::prelude::*;

use crate::plan::{ColumnKind, Form, Plan};
use crate::validate::{Record, Value};

/// Columns every table has besides the plan's, before them.
pub const KEY_COLUMNS: [&str; 3] = ["plan_id", "township", "record_key"];
/// Lineage columns, after the plan's.
pub const LINEAGE_COLUMNS: [&str; 5] = ["source_file", "sheet", "row", "cells", "units"];

/// The store's type of a plan column: numbers are float64, everything else text.
pub fn dtype(kind: ColumnKind) -> DataType {
    if kind == ColumnKind::Number { DataType::Float64 } else { DataType::String }
}

/// One form's rows of a month.
pub struct FormFrame {
    pub form: String,
    pub frame: DataFrame,
}

/// The records as one frame per form (plan order; forms without records are left out), each
/// built on its own core.
pub fn form_frames(plan: &Plan, records: &[Record]) -> PolarsResult<Vec<FormFrame>> {
    let mut by_form: Vec<Vec<&Record>> = vec![Vec::new(); plan.forms.len()];
    let index: HashMap<&str, usize> = plan.forms.iter().enumerate().map(|(i, f)| (f.id.as_str(), i)).collect();
    for record in records {
        if let Some(&i) = index.get(&*record.form) {
            by_form[i].push(record);
        }
    }
    plan.forms
        .par_iter()
        .zip(by_form.par_iter())
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(form, rows)| Ok(FormFrame { form: form.id.clone(), frame: form_frame(&plan.plan.id, form, rows)? }))
        .collect()
}

fn form_frame(plan_id: &str, form: &Form, records: &[&Record]) -> PolarsResult<DataFrame> {
    let n = records.len();
    let mut columns: Vec<Column> = Vec::with_capacity(form.columns.len() + 8);
    columns.push(Column::new("plan_id".into(), vec![plan_id; n]));
    columns.push(Column::new("township".into(), records.iter().map(|r| &*r.township).collect::<Vec<_>>()));
    columns.push(Column::new("record_key".into(), records.iter().map(|r| r.key.as_str()).collect::<Vec<_>>()));
    // The plan columns' values, gathered in one pass over the records (each record's values are
    // read once, in order, rather than once per column).
    enum Gathered<'r> {
        Number(Vec<Option<f64>>),
        Text(Vec<Option<&'r str>>),
    }
    let mut gathered: Vec<Gathered> = form
        .columns
        .iter()
        .map(|c| if c.kind == ColumnKind::Number { Gathered::Number(Vec::with_capacity(n)) } else { Gathered::Text(Vec::with_capacity(n)) })
        .collect();
    for record in records {
        for (ci, column) in gathered.iter_mut().enumerate() {
            let value = record.values.get(ci);
            match column {
                Gathered::Number(values) => values.push(value.and_then(Value::number)),
                Gathered::Text(values) => values.push(match value {
                    Some(Value::Text(t)) => Some(t.as_str()),
                    _ => None,
                }),
            }
        }
    }
    for (column, values) in form.columns.iter().zip(gathered) {
        let name = PlSmallStr::from(column.id.as_str());
        match values {
            Gathered::Number(values) => columns.push(Column::new(name, values)),
            Gathered::Text(values) => columns.push(Column::new(name, values)),
        }
    }
    columns.push(Column::new("source_file".into(), records.iter().map(|r| &*r.file).collect::<Vec<&str>>()));
    columns.push(Column::new("sheet".into(), records.iter().map(|r| &*r.sheet).collect::<Vec<&str>>()));
    columns.push(Column::new("row".into(), records.iter().map(|r| r.row).collect::<Vec<u32>>()));
    // A table's records share their column positions: its `cells` text is made once.
    let mut cells_of: crate::FastMap<*const [Option<u16>], String> = crate::FastMap::default();
    for record in records {
        cells_of.entry(Arc::as_ptr(&record.columns)).or_insert_with(|| cells_text(form, &record.columns));
    }
    let cells: Vec<&str> = records.iter().map(|r| cells_of[&Arc::as_ptr(&r.columns)].as_str()).collect();
    columns.push(Column::new("cells".into(), cells));
    let units: Vec<Option<String>> = records.iter().map(|r| units_text(form, r)).collect();
    columns.push(Column::new("units".into(), units));
    DataFrame::new(n, columns)
}

/// `village=A;area=C`: the sheet column of each plan column present in the file.
fn cells_text(form: &Form, positions: &[Option<u16>]) -> String {
    let mut out = String::new();
    for (column, position) in form.columns.iter().zip(positions) {
        if let Some(p) = position {
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str(&column.id);
            out.push('=');
            out.push_str(&crate::issue::column_letters(*p as usize));
        }
    }
    out
}

/// `completed=座`: numbers whose unit is not their plan column's (null when there are none).
fn units_text(form: &Form, record: &Record) -> Option<String> {
    let mut out = String::new();
    for ((column, value), unit) in form.columns.iter().zip(&record.values).zip(&record.units) {
        if let (Value::Number(_), Some(unit)) = (value, unit)
            && column.unit.as_deref() != Some(&**unit)
        {
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str(&column.id);
            out.push('=');
            out.push_str(unit);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// 0-based column of A1 column letters (`A` → 0, `AB` → 27).
fn column_index(letters: &str) -> Option<u16> {
    let mut n: u32 = 0;
    for b in letters.bytes() {
        if !b.is_ascii_uppercase() {
            return None;
        }
        n = n.checked_mul(26)?.checked_add((b - b'A' + 1) as u32)?;
    }
    u16::try_from(n.checked_sub(1)?).ok()
}

/// 0-based column of an A1 reference (`C12` → 2).
pub fn column_of_a1(cell: &str) -> Option<u16> {
    column_index(cell.trim_end_matches(|c: char| c.is_ascii_digit()))
}

/// The records of one form's frame (as `form_frame` wrote it, or an older table of the same
/// form: a plan column the table lacks reads as blank), optionally of one unit only.
pub fn records_of(form: &Form, frame: &DataFrame, unit: Option<&str>) -> PolarsResult<Vec<Record>> {
    let text = |name: &str| -> PolarsResult<StringChunked> { Ok(frame.column(name)?.as_materialized_series().str()?.clone()) };
    let township = text("township")?;
    let key = text("record_key")?;
    let file = text("source_file")?;
    let sheet = text("sheet")?;
    let cells = text("cells")?;
    let units = text("units")?;
    let row = frame.column("row")?.as_materialized_series().u32()?.clone();
    let form_id: Arc<str> = Arc::from(form.id.as_str());
    enum Values {
        Number(Float64Chunked),
        Text(StringChunked),
        Absent,
    }
    let values: Vec<Values> = form
        .columns
        .iter()
        .map(|c| match frame.column(&c.id) {
            Ok(col) if c.kind == ColumnKind::Number => {
                col.as_materialized_series().cast(&DataType::Float64).map(|s| Values::Number(s.f64().expect("cast").clone()))
            }
            Ok(col) => col.as_materialized_series().cast(&DataType::String).map(|s| Values::Text(s.str().expect("cast").clone())),
            Err(_) => Ok(Values::Absent),
        })
        .collect::<PolarsResult<_>>()?;
    let plan_units: Vec<Option<Arc<str>>> = form.columns.iter().map(|c| c.unit.as_deref().map(Arc::from)).collect();
    let mut shared: HashMap<String, Arc<str>> = HashMap::new();
    let mut share = |s: &str| -> Arc<str> { shared.entry(s.to_string()).or_insert_with(|| Arc::from(s)).clone() };
    let mut positions: HashMap<String, Arc<[Option<u16>]>> = HashMap::new();
    let mut records = Vec::new();
    for i in 0..frame.height() {
        let t = township.get(i).unwrap_or_default();
        if unit.is_some_and(|u| u != t) {
            continue;
        }
        let mut record_units = plan_units.clone();
        if let Some(text) = units.get(i) {
            for (id, u) in text.split(';').filter_map(|p| p.split_once('=')) {
                if let Some(ci) = form.columns.iter().position(|c| c.id == id) {
                    record_units[ci] = Some(share(u));
                }
            }
        }
        let cells_text = cells.get(i).unwrap_or_default();
        let columns = positions
            .entry(cells_text.to_string())
            .or_insert_with(|| {
                let at: HashMap<&str, u16> =
                    cells_text.split(';').filter_map(|p| p.split_once('=')).filter_map(|(id, l)| Some((id, column_index(l)?))).collect();
                form.columns.iter().map(|c| at.get(c.id.as_str()).copied()).collect()
            })
            .clone();
        let record_values: Vec<Value> = values
            .iter()
            .map(|v| match v {
                Values::Number(ca) => ca.get(i).map_or(Value::Missing, Value::Number),
                Values::Text(ca) => ca.get(i).map_or(Value::Missing, |t| Value::Text(t.to_string())),
                Values::Absent => Value::Missing,
            })
            .collect();
        // Units only of the numbers present.
        for (u, v) in record_units.iter_mut().zip(&record_values) {
            if !matches!(v, Value::Number(_)) {
                *u = None;
            }
        }
        records.push(Record {
            township: Arc::from(t),
            form: form_id.clone(),
            row: row.get(i).unwrap_or(0),
            key: key.get(i).unwrap_or_default().to_string(),
            values: record_values,
            units: record_units,
            columns,
            file: share(file.get(i).unwrap_or_default()),
            sheet: share(sheet.get(i).unwrap_or_default()),
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_reserves_every_column_the_store_names() {
        for name in KEY_COLUMNS.iter().chain(&LINEAGE_COLUMNS).chain(&["period", "form"]) {
            assert!(crate::plan::RESERVED_COLUMN_IDS.contains(name), "{name}");
        }
    }

    #[test]
    fn column_letters_read_back() {
        for col in [0usize, 1, 25, 26, 27, 701, 702, 16383] {
            assert_eq!(column_index(&crate::issue::column_letters(col)), Some(col as u16));
        }
        assert_eq!(column_index(""), None);
        assert_eq!(column_index("a"), None);
    }
}
