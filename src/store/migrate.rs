//! The store of the version before one table per form: `period=YYYY-MM/facts.parquet`, one row
//! per cell (plan_id, township, form, row, record_key, column, value, text, unit, source_file,
//! sheet, cell), with `submissions.json` beside it and reductions cached as `*.derived.json`.
//!
//! `migrate` turns each such partition into the month's tables and record (through the same
//! `Record`s validation makes, so the tables are what a run would have written) and swaps the new
//! month folder in; the old partition's files go to `legacy-v1/period=YYYY-MM/` in the store,
//! where nothing reads them: a value of a column the current plan no longer has is kept there,
//! never silently dropped.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::period::Period;
use crate::plan::Plan;
use crate::validate::{Record, SubmissionStatus, Value};

use super::{Submission, form_frames};

/// Where migrated partitions are kept.
pub const LEGACY_DIR: &str = "legacy-v1";

/// Months of the old layout in the store, sorted.
pub fn legacy_periods(store: &Path) -> Vec<Period> {
    let Ok(entries) = std::fs::read_dir(store) else { return Vec::new() };
    let mut periods: Vec<Period> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("period=")).and_then(Period::parse))
        .filter(|p| super::month_dir(store, *p).join("facts.parquet").is_file())
        .collect();
    periods.sort();
    periods
}

/// Migrate every old-layout month of the store (the caller holds the store's lock). Returns the
/// months migrated.
pub fn migrate(store: &Path, plan: &Plan) -> Result<Vec<Period>> {
    let periods = legacy_periods(store);
    for &period in &periods {
        let dir = store.join(format!("period={period}"));
        let path = dir.join("facts.parquet");
        let err = |source: PolarsError| Error::Migrate { path: path.clone(), source };
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let facts = ParquetReader::new(file).finish().map_err(err)?;
        let records = records_of_facts(plan, &facts).map_err(err)?;
        let submissions: Vec<Submission> =
            match std::fs::read(dir.join("submissions.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()) {
                Some(submissions) => submissions,
                // Older still: every unit's form with facts was counted.
                None => {
                    let mut met: Vec<(String, String)> = records.iter().map(|r| (r.township.to_string(), r.form.to_string())).collect();
                    met.sort();
                    met.dedup();
                    met.into_iter().map(|(unit, form)| Submission { unit, form, status: SubmissionStatus::Reported, file: None }).collect()
                }
            };
        let frames = form_frames(plan, &records).map_err(err)?;
        // The old files are copied aside first: once the new month is swapped in, the old folder
        // (now the staging one) is removed.
        let legacy = store.join(LEGACY_DIR).join(format!("period={period}"));
        std::fs::create_dir_all(&legacy).map_err(|e| Error::io(&legacy, e))?;
        for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Reductions cached from the old facts are of no use any more.
            if entry.path().is_file() && !name.ends_with(".derived.json") {
                std::fs::copy(entry.path(), legacy.join(&name)).map_err(|e| Error::io(entry.path(), e))?;
            }
        }
        super::write_month(store, plan, period, frames, submissions)?;
    }
    Ok(periods)
}

/// The records of an old partition's facts: its rows grouped by unit, form, sheet row, key and
/// source, in the order first met; values of columns the plan's form has.
fn records_of_facts(plan: &Plan, facts: &DataFrame) -> PolarsResult<Vec<Record>> {
    let text = |name: &str| -> PolarsResult<StringChunked> { Ok(facts.column(name)?.as_materialized_series().str()?.clone()) };
    let (township, form, key, column, words, unit, file, sheet, cell) = (
        text("township")?,
        text("form")?,
        text("record_key")?,
        text("column")?,
        text("text")?,
        text("unit")?,
        text("source_file")?,
        text("sheet")?,
        text("cell")?,
    );
    let row = facts.column("row")?.as_materialized_series().u32()?.clone();
    let value = facts.column("value")?.as_materialized_series().f64()?.clone();
    let mut index: HashMap<(String, String, u32, String, String, String), usize> = HashMap::new();
    let mut records: Vec<(Record, Vec<Option<u16>>)> = Vec::new();
    let mut shared: HashMap<String, Arc<str>> = HashMap::new();
    let mut share = |s: &str| -> Arc<str> { shared.entry(s.to_string()).or_insert_with(|| Arc::from(s)).clone() };
    for i in 0..facts.height() {
        let (Some(t), Some(f), Some(c)) = (township.get(i), form.get(i), column.get(i)) else { continue };
        let Some(plan_form) = plan.form(f) else { continue };
        let Some(ci) = plan_form.columns.iter().position(|x| x.id == c) else { continue };
        let r = row.get(i).unwrap_or(0);
        let k = key.get(i).unwrap_or_default();
        let (src, sh) = (file.get(i).unwrap_or_default(), sheet.get(i).unwrap_or_default());
        let id = (t.to_string(), f.to_string(), r, k.to_string(), src.to_string(), sh.to_string());
        let at = *index.entry(id).or_insert_with(|| {
            let n = plan_form.columns.len();
            records.push((
                Record {
                    township: Arc::from(t),
                    form: Arc::from(f),
                    row: r,
                    key: k.to_string(),
                    values: vec![Value::Missing; n],
                    units: vec![None; n],
                    columns: Arc::from(Vec::<Option<u16>>::new()),
                    file: share(src),
                    sheet: share(sh),
                },
                vec![None; n],
            ));
            records.len() - 1
        });
        let (record, positions) = &mut records[at];
        record.values[ci] = match (value.get(i), words.get(i)) {
            (Some(v), _) => Value::Number(v),
            (None, Some(w)) => Value::Text(w.to_string()),
            (None, None) => continue,
        };
        if record.values[ci].number().is_some() {
            record.units[ci] = unit.get(i).map(&mut share);
        }
        positions[ci] = cell.get(i).and_then(super::frames::column_of_a1);
    }
    Ok(records
        .into_iter()
        .map(|(mut record, positions)| {
            record.columns = Arc::from(positions);
            record
        })
        .collect())
}
