//! Stage 3: the Parquet history. Validated facts of each period are kept as one Hive partition
//! (`<store>/period=YYYY-MM/facts.parquet`) so that month-on-month values and trends come from
//! history, and so that DuckDB, Spark or Trino can read every district's store as it is.
//!
//! Schema of `facts.parquet` (the partition key `period` is in the path, not in the file):
//!
//! | column | type | meaning |
//! |---|---|---|
//! | plan_id | string | plan the facts were validated against, e.g. `yunxi-2024` |
//! | township | string | reporting unit: township, department (`区民政局`), or `区直部门` for a combined ledger |
//! | form | string | 表号, e.g. `ZX01` |
//! | row | uint32 | 1-based sheet row of the source |
//! | record_key | string | village or project name (or ledger item id) |
//! | column | string | plan column id, e.g. `grain_area` |
//! | value | float64, null | the number, converted to `unit` |
//! | text | string, null | the text value (villages, categories, 是/否, years, dates) |
//! | unit | string, null | unit of `value` |
//! | source_file | string | input file, relative to the input folder |
//! | sheet | string | sheet name in the source file |
//! | cell | string | A1 cell of the value in the source |
//!
//! A partition is replaced by writing a temporary file and renaming it over the old one, so a
//! reader never sees half a partition and a killed run leaves the previous partition intact.
//!
//! Beside `facts.parquet` a partition holds `submissions.json`: which reporting unit's forms
//! were counted that month (unit, form, status, file), written just before the facts. Coverage
//! of earlier months (who was counted, whose value is carried) comes from it; a partition
//! written by an older version without it is taken to count each unit's forms that have facts.
//!
//! Beside `facts.parquet` a partition may also hold derived files (`*.derived.json`, see
//! `read_derived`): what was computed from its facts, valid only while the facts file is the one
//! they were made from, deleted whenever the partition is written again.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::period::Period;
use crate::validate::{Record, Value};

pub const FACTS_FILE: &str = "facts.parquet";

/// Column names, in file order.
pub const COLUMNS: &[&str] =
    &["plan_id", "township", "form", "row", "record_key", "column", "value", "text", "unit", "source_file", "sheet", "cell"];

fn store_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Store { path: path.to_path_buf(), message: e.to_string() }
}

pub fn partition_dir(store: &Path, period: Period) -> PathBuf {
    store.join(format!("period={period}"))
}

/// Long-format facts of the records: one row per non-empty value.
pub fn facts_frame(plan_id: &str, records: &[Record], plan: &crate::plan::Plan) -> PolarsResult<DataFrame> {
    // Text borrowed from the records: the frame copies it once into its own buffers.
    let values: usize = records.iter().map(|r| r.values.len()).sum();
    let mut township: Vec<&str> = Vec::with_capacity(values);
    let mut form: Vec<&str> = Vec::with_capacity(values);
    let mut row = Vec::with_capacity(values);
    let mut key: Vec<&str> = Vec::with_capacity(values);
    let mut column: Vec<&str> = Vec::with_capacity(values);
    let mut value: Vec<Option<f64>> = Vec::with_capacity(values);
    let mut text: Vec<Option<&str>> = Vec::with_capacity(values);
    let mut unit: Vec<Option<&str>> = Vec::with_capacity(values);
    let mut file: Vec<&str> = Vec::with_capacity(values);
    let mut sheet: Vec<&str> = Vec::with_capacity(values);
    // The A1 texts, written one after another into one buffer (not one allocation each).
    let mut cells = String::with_capacity(values * 4);
    let mut cell_ends: Vec<usize> = Vec::with_capacity(values);
    for record in records {
        let Some(plan_form) = plan.form(&record.form) else { continue };
        for (ci, v) in record.values.iter().enumerate() {
            let (number, words) = match v {
                Value::Missing => continue,
                Value::Number(n) => (Some(*n), None),
                Value::Text(t) => (None, Some(t.as_str())),
            };
            township.push(&record.township);
            form.push(&record.form);
            row.push(record.row);
            key.push(&record.key);
            column.push(&plan_form.columns[ci].id);
            value.push(number);
            text.push(words);
            unit.push(if number.is_some() { record.units[ci].as_deref() } else { None });
            file.push(&record.file);
            sheet.push(&record.sheet);
            record.push_cell(&mut cells, ci);
            cell_ends.push(cells.len());
        }
    }
    let cell: Vec<&str> = cell_ends.iter().scan(0, |start, &end| Some(&cells[std::mem::replace(start, end)..end])).collect();
    let n = township.len();
    df!(
        "plan_id" => vec![plan_id; n],
        "township" => township,
        "form" => form,
        "row" => row,
        "record_key" => key,
        "column" => column,
        "value" => value,
        "text" => text,
        "unit" => unit,
        "source_file" => file,
        "sheet" => sheet,
        "cell" => cell,
    )
}

/// A partition written beside the one in place, not yet committed (see `stage_partition`).
pub struct StagedPartition {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
    /// sha256 of the staged file (recorded in run.json).
    pub sha256: String,
}

/// Write the partition of `period` to a temporary file beside the one in place: the store still
/// shows the previous version until `commit`, which a run calls once its outputs are in place.
/// A run killed in between leaves a temporary that the next run removes.
pub fn stage_partition(store: &Path, period: Period, facts: &mut DataFrame) -> Result<StagedPartition> {
    use sha2::{Digest, Sha256};
    use std::io::{Read, Seek};
    let dir = partition_dir(store, period);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let target = dir.join(FACTS_FILE);
    let mut temp = tempfile::Builder::new().prefix(".facts-").suffix(".parquet.tmp").tempfile_in(&dir).map_err(|e| Error::io(&dir, e))?;
    // Row groups no larger than the slices `run` builds the frame in (4,096 records, ~40,000
    // values): with polars' default (512 × 512 rows) the writer first copies the whole frame to
    // merge the slices into row groups.
    ParquetWriter::new(temp.as_file_mut()).with_row_group_size(Some(32_768)).finish(facts).map_err(|e| store_error(&target, e))?;
    temp.as_file().sync_all().map_err(|e| Error::io(&target, e))?;
    let mut bytes = Vec::new();
    temp.as_file_mut().rewind().and_then(|_| temp.as_file_mut().read_to_end(&mut bytes)).map_err(|e| Error::io(&target, e))?;
    let sha256 = crate::plan::hex(&Sha256::digest(&bytes));
    Ok(StagedPartition { temp, target, sha256 })
}

impl StagedPartition {
    /// Put the staged partition (and the month's submissions) in place; what was derived from
    /// the old one is removed.
    pub fn commit(self, store: &Path, period: Period, submissions: &[Submission]) -> Result<()> {
        write_submissions(store, period, submissions)?;
        self.temp.persist(&self.target).map_err(|e| Error::io(&self.target, e.error))?;
        remove_derived(&partition_dir(store, period));
        Ok(())
    }
}

/// Delete the files derived from a partition (they would be ignored anyway).
fn remove_derived(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().ends_with(DERIVED_SUFFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Replace the partition of `period` with `facts`, atomically (staged, then put in place at
/// once: earlier months stored on a first run, which have no outputs to wait for).
pub fn write_partition(store: &Path, period: Period, facts: &mut DataFrame) -> Result<PathBuf> {
    let staged = stage_partition(store, period, facts)?;
    let target = staged.target.clone();
    staged.temp.persist(&target).map_err(|e| Error::io(&target, e.error))?;
    remove_derived(&partition_dir(store, period));
    Ok(target)
}

pub const SUBMISSIONS_FILE: &str = "submissions.json";

/// One reporting unit's form in one month, as `submissions.json` keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    pub unit: String,
    pub form: String,
    pub status: crate::validate::SubmissionStatus,
    #[serde(default)]
    pub file: Option<String>,
}

/// The submissions of a validated month, in unit and form order.
pub fn submissions(validated: &crate::validate::Validated) -> Vec<Submission> {
    validated
        .townships
        .iter()
        .flat_map(|t| {
            t.forms.iter().map(|f| Submission { unit: t.township.clone(), form: f.form.clone(), status: f.status, file: f.file.clone() })
        })
        .collect()
}

/// Write a partition's `submissions.json` (atomically). Called before `write_partition`.
pub fn write_submissions(store: &Path, period: Period, submissions: &[Submission]) -> Result<()> {
    let dir = partition_dir(store, period);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let target = dir.join(SUBMISSIONS_FILE);
    let json = serde_json::to_vec_pretty(submissions).map_err(|e| store_error(&target, e))?;
    write_file_atomic(&dir, &target, &json)
}

/// A partition's submissions, or `None` for a partition written before they were kept (or an
/// unreadable file: the caller then falls back to the facts).
pub fn read_submissions(store: &Path, period: Period) -> Option<Vec<Submission>> {
    let bytes = std::fs::read(partition_dir(store, period).join(SUBMISSIONS_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write_file_atomic(dir: &Path, target: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut temp = tempfile::Builder::new().prefix(".zhenxing-").suffix(".tmp").tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    temp.write_all(bytes).map_err(|e| Error::io(target, e))?;
    temp.as_file().sync_all().map_err(|e| Error::io(target, e))?;
    temp.persist(target).map_err(|e| Error::io(target, e.error))?;
    Ok(())
}

/// Files derived from a partition end in this; `write_partition` deletes them.
pub const DERIVED_SUFFIX: &str = ".derived.json";

/// A file kept beside a partition, made from its facts (e.g. the month reduced for
/// aggregation), so later runs need not read the facts again. It records the partition file's
/// size and modification time and a `key` of the caller's (tool version, plan digest): it is
/// used only while all of them still match, and otherwise made again.
#[derive(Serialize, Deserialize)]
struct Derived<T> {
    key: String,
    partition: String,
    content: T,
}

/// Size and modification time (ns) of a partition's facts file: changes whenever it is written.
fn stamp(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{} bytes, modified {}.{:09}", meta.len(), modified.as_secs(), modified.subsec_nanos()))
}

/// The derived file `name` (ending in `DERIVED_SUFFIX`) of a partition, if it was made from
/// the partition as it is now and with the same `key`. Anything unreadable is `None`.
pub fn read_derived<T: DeserializeOwned>(store: &Path, period: Period, name: &str, key: &str) -> Option<T> {
    let dir = partition_dir(store, period);
    let partition = stamp(&dir.join(FACTS_FILE))?;
    let bytes = std::fs::read(dir.join(name)).ok()?;
    let derived: Derived<T> = serde_json::from_slice(&bytes).ok()?;
    (derived.key == key && derived.partition == partition).then_some(derived.content)
}

/// Write the derived file `name` of a partition (atomically: a reader sees the old file or the
/// new one).
pub fn write_derived<T: Serialize>(store: &Path, period: Period, name: &str, key: &str, content: &T) -> Result<()> {
    let dir = partition_dir(store, period);
    let facts = dir.join(FACTS_FILE);
    let target = dir.join(name);
    let partition = stamp(&facts).ok_or_else(|| store_error(&facts, "找不到分区文件"))?;
    let json = serde_json::to_vec(&Derived { key: key.to_string(), partition, content }).map_err(|e| store_error(&target, e))?;
    write_file_atomic(&dir, &target, &json)
}

/// The partition of `period`, only the given columns.
pub fn read_partition(store: &Path, period: Period, columns: &[&str]) -> Result<DataFrame> {
    let path = partition_dir(store, period).join(FACTS_FILE);
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let columns = columns.iter().map(|c| c.to_string()).collect();
    ParquetReader::new(file).with_columns(Some(columns)).finish().map_err(|e| store_error(&path, e))
}

/// Periods present in the store, sorted.
pub fn periods(store: &Path) -> Vec<Period> {
    let Ok(entries) = std::fs::read_dir(store) else { return Vec::new() };
    let mut periods: Vec<Period> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("period=")).and_then(Period::parse))
        .filter(|p| partition_dir(store, *p).join(FACTS_FILE).is_file())
        .collect();
    periods.sort();
    periods
}

/// When each input file first arrived: `arrivals.json` in the store keeps, per file path and
/// content (sha256), the first time a run saw it (or the file's modification time, if earlier),
/// so that copying files again later does not change when they arrived.
pub const ARRIVALS_FILE: &str = "arrivals.json";

/// The arrivals of this run's files and the whole record to keep.
#[derive(Debug, Clone, Default)]
pub struct Arrivals {
    /// Input path (relative to the input folder) → arrival, `YYYY-MM-DD HH:MM:SS` China time.
    pub by_file: std::collections::BTreeMap<String, String>,
    /// `path|sha256` → arrival: everything ever seen.
    known: std::collections::BTreeMap<String, String>,
}

pub fn arrivals(store: &Path, reads: &[crate::ingest::FileRead]) -> Arrivals {
    let mut known: std::collections::BTreeMap<String, String> =
        std::fs::read(store.join(ARRIVALS_FILE)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let now = crate::period::now_in_china();
    let mut by_file = std::collections::BTreeMap::new();
    for read in reads {
        let key = format!("{}|{}", read.input.display, read.sha256);
        let arrived = known.entry(key).or_insert_with(|| {
            let modified = read.modified.map(|t| chrono::DateTime::<chrono::Utc>::from(t).with_timezone(&crate::period::china_time()));
            let first = match modified {
                Some(m) if m < now => m,
                _ => now,
            };
            first.format("%Y-%m-%d %H:%M:%S").to_string()
        });
        by_file.insert(read.input.display.clone(), arrived.clone());
    }
    Arrivals { by_file, known }
}

/// Keep the arrivals (a store that cannot be written only forgets them).
pub fn keep_arrivals(store: &Path, arrivals: &Arrivals) {
    if let Ok(json) = serde_json::to_vec_pretty(&arrivals.known) {
        let _ = write_file_atomic(store, &store.join(ARRIVALS_FILE), &json);
    }
}

/// Each unit's 填报人 and 联系电话 from its latest file's footer (`contacts.json`), for the 催报 list.
pub const CONTACTS_FILE: &str = "contacts.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub filler: String,
    pub phone: String,
    /// The month of the file they come from.
    pub period: String,
}

pub fn contacts(
    store: &Path,
    validated: &crate::validate::Validated,
    reads: &[crate::ingest::FileRead],
    period: Period,
) -> std::collections::BTreeMap<String, Contact> {
    let mut known: std::collections::BTreeMap<String, Contact> =
        std::fs::read(store.join(CONTACTS_FILE)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    for (file, read) in validated.files.iter().zip(reads) {
        if file.township.is_empty() || (read.claims.filler.is_none() && read.claims.phone.is_none()) {
            continue;
        }
        let entry = known.entry(file.township.clone()).or_default();
        if entry.period.as_str() > period.to_string().as_str() {
            continue; // a later month already gave them
        }
        *entry = Contact {
            filler: read.claims.filler.clone().unwrap_or_default(),
            phone: read.claims.phone.clone().unwrap_or_default(),
            period: period.to_string(),
        };
    }
    known
}

pub fn keep_contacts(store: &Path, contacts: &std::collections::BTreeMap<String, Contact>) {
    if let Ok(json) = serde_json::to_vec_pretty(contacts) {
        let _ = write_file_atomic(store, &store.join(CONTACTS_FILE), &json);
    }
}
