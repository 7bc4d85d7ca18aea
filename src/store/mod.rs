//! Stage 3: the Parquet history, one table per form and month, one row per source row, so that
//! month-on-month values and trends come from history and DuckDB, Spark or Trino read a
//! district's store as it is (Hive partitioning):
//!
//! ```text
//! data/period=2024-06/form=ZX01/rows.parquet   one form's rows of one month (schema: `frames`)
//! data/period=2024-06/month.json               the month's record: its tables and who was counted
//! data/arrivals.json, data/contacts.json       when each input file first arrived; each unit's 填报人
//! ```
//!
//! The month is the outer partition key because a month is what a run replaces, and it must be
//! replaced as a whole: its folder is built beside the one in place (`stage_month`) and swapped
//! with it in one step (`StagedMonth::commit`, `atomic::swap_into_place`), so a reader never sees
//! one form's new rows beside another's old ones, and a killed run leaves the previous month.
//! A month is in the store when its `month.json` is (`periods`).
//!
//! The record's `submissions` say which reporting unit's forms were counted that month (unit,
//! form, status, file): coverage of earlier months (who was counted, whose value is carried)
//! comes from them. A plan column added later in the year is simply absent from earlier tables
//! (read with `union_by_name`, or as null by `scan_form`).
//!
//! A store written before this layout (`period=YYYY-MM/facts.parquet`, one row per cell) is
//! migrated by `migrate` the first time `run` opens it: see `migrate.rs`.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::period::Period;
use crate::plan::Plan;
use crate::validate::Record;

pub mod frames;
pub mod migrate;

pub use frames::{FormFrame, form_frames};

/// File name of a form's table in its partition folder.
pub const TABLE_FILE: &str = "rows.parquet";
/// The month's record in its folder.
pub const MONTH_FILE: &str = "month.json";
/// Version of the layout, in each month's record.
pub const FORMAT: u32 = 2;

fn store_error(path: &Path, source: PolarsError) -> Error {
    Error::Store { path: path.to_path_buf(), source }
}

/// `<store>/period=<YYYY-MM>`: one month.
pub fn month_dir(store: &Path, period: Period) -> PathBuf {
    store.join(format!("period={period}"))
}

/// The table of one form and month.
pub fn table_path(store: &Path, form: &str, period: Period) -> PathBuf {
    month_dir(store, period).join(format!("form={form}")).join(TABLE_FILE)
}

/// A month's record (`period=YYYY-MM/month.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MonthRecord {
    pub format: u32,
    pub plan_id: String,
    pub period: String,
    /// The month's tables, in plan order.
    pub tables: Vec<StoredTable>,
    pub submissions: Vec<Submission>,
}

/// The file beside `month.json` naming the run that committed the month: its start, as its
/// run.json says (`started`). A stop between a run's outputs and its store month leaves the two
/// naming different runs. (Not in `month.json`, which stays the same bytes for the same input.)
pub const RUN_FILE: &str = "_run.txt";

/// The start of the run that committed `period` (see `RUN_FILE`), when one did.
pub fn month_run(store: &Path, period: Period) -> Option<String> {
    std::fs::read_to_string(month_dir(store, period).join(RUN_FILE)).ok().map(|s| s.trim().to_string())
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredTable {
    pub form: String,
    pub rows: usize,
    pub sha256: String,
}

impl MonthRecord {
    pub fn rows(&self) -> usize {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// (unit, form) counted that month.
    pub fn counted(&self) -> Vec<(String, String)> {
        self.submissions
            .iter()
            .filter(|s| s.status == crate::validate::SubmissionStatus::Reported)
            .map(|s| (s.unit.clone(), s.form.clone()))
            .collect()
    }

    /// sha256 over the tables' digests: what `run.json` records as the month's store.
    pub fn sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for t in &self.tables {
            hasher.update(t.form.as_bytes());
            hasher.update(t.sha256.as_bytes());
        }
        crate::plan::hex(&hasher.finalize())
    }
}

/// A month's record, if the month is stored.
pub fn month_record(store: &Path, period: Period) -> Option<MonthRecord> {
    let bytes = std::fs::read(month_dir(store, period).join(MONTH_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The month's digest computed from the tables on disk (as `MonthRecord::sha256` from the
/// record), `None` when a table named by the record is missing or differs from it.
pub fn month_sha256(store: &Path, period: Period) -> Option<String> {
    let record = month_record(store, period)?;
    for t in &record.tables {
        let bytes = std::fs::read(table_path(store, &t.form, period)).ok()?;
        if crate::plan::hex(&Sha256::digest(&bytes)) != t.sha256 {
            return None;
        }
    }
    Some(record.sha256())
}

/// A month built in a staging folder beside the one in place, not yet committed (see
/// `stage_month`).
pub struct StagedMonth {
    staging: PathBuf,
    target: PathBuf,
    record: MonthRecord,
}

impl StagedMonth {
    /// Digest of the staged month (recorded in run.json; see `MonthRecord::sha256`).
    pub fn sha256(&self) -> String {
        self.record.sha256()
    }

    /// Keep a derived file (see `read_derived`) with the month: it is swapped in with it.
    pub fn add_derived(&self, key: &str, frame: &mut DataFrame) -> Result<()> {
        write_derived_in(&self.staging, key, frame)
    }

    /// Write the month's record (with its submissions) and put the month in place of the
    /// stored one in one step.
    /// `run`: the run's start, as its run.json records it (`RUN_FILE`; none for a month
    /// written without outputs).
    pub fn commit(mut self, submissions: Vec<Submission>, run: Option<String>) -> Result<()> {
        self.record.submissions = submissions;
        let path = self.staging.join(MONTH_FILE);
        let json = serde_json::to_vec_pretty(&self.record).map_err(|source| Error::StoreRecord { path: path.clone(), source })?;
        crate::atomic::write_bytes(&path, &json)?;
        if let Some(run) = run {
            crate::atomic::write_bytes(&self.staging.join(RUN_FILE), run.as_bytes())?;
        }
        crate::atomic::swap_into_place(&self.staging, &self.target)
    }
}

/// Write each form's table of `period` into a staging folder beside the month in place: the
/// store still shows the previous month until `commit`, which a run calls once its outputs are
/// in place. A run killed in between leaves a staging folder that the next run removes.
pub fn stage_month(store: &Path, plan: &Plan, period: Period, frames: Vec<FormFrame>) -> Result<StagedMonth> {
    std::fs::create_dir_all(store).map_err(|e| Error::io(store, e))?;
    let target = month_dir(store, period);
    let staging = crate::atomic::staging_for(&target)?;
    let mut tables = Vec::new();
    for FormFrame { form, mut frame } in frames {
        let dir = staging.join(format!("form={form}"));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join(TABLE_FILE);
        let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut writer = HashingWriter { inner: std::io::BufWriter::new(file), hasher: Sha256::new() };
        ParquetWriter::new(&mut writer).finish(&mut frame).map_err(|e| store_error(&path, e))?;
        let HashingWriter { inner, hasher } = writer;
        let file = inner.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        tables.push(StoredTable { form, rows: frame.height(), sha256: crate::plan::hex(&hasher.finalize()) });
    }
    let record = MonthRecord { format: FORMAT, plan_id: plan.plan.id.clone(), period: period.to_string(), tables, submissions: Vec::new() };
    Ok(StagedMonth { staging, target, record })
}

/// A writer that hashes what it writes (each table's sha256 without reading it back).
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: std::io::Write> std::io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The name of a derived file (a Parquet file that is not a table): not `*.parquet`, so that an
/// analyst's `read_parquet('data/**/*.parquet', hive_partitioning = true)` reads only the forms'
/// tables, and `_`-prefixed, as Hive conventions keep files out of a table scan.
fn derived_name(key: &str) -> String {
    format!("_reduced-{key}.cache")
}

/// A file made from a stored month's tables (aggregation's reduction of it), kept in the
/// month's folder: `period=YYYY-MM/_reduced-<key>.cache` (Parquet). The key names what made it
/// (plan digest, tool version); when the month is written again its folder is replaced whole,
/// so a derived file never outlives the tables it was made from. `None` when absent or
/// unreadable.
pub fn read_derived(store: &Path, period: Period, key: &str) -> Option<DataFrame> {
    let file = std::fs::File::open(month_dir(store, period).join(derived_name(key))).ok()?;
    ParquetReader::new(file).finish().ok()
}

/// Remove the derived files of the earlier name (`period=*/reduced-*.parquet`, which a table
/// scan of `data/**/*.parquet` mistook for a table); they are made again under their new name
/// when next needed. Returns how many months had one.
pub fn remove_old_derived(store: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(store) else { return 0 };
    let mut months = 0;
    for month in entries.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("period=")) {
        let Ok(files) = std::fs::read_dir(month.path()) else { continue };
        let old: Vec<PathBuf> = files
            .flatten()
            .filter(|f| {
                let name = f.file_name().to_string_lossy().into_owned();
                name.starts_with("reduced-") && name.ends_with(".parquet")
            })
            .map(|f| f.path())
            .collect();
        if !old.is_empty() && old.iter().all(|f| std::fs::remove_file(f).is_ok()) {
            months += 1;
        }
    }
    months
}

/// Keep a derived file in a stored month's folder (atomically; other keys' files there are
/// removed). A store that cannot be written only makes it again next time.
pub fn write_derived(store: &Path, period: Period, key: &str, frame: &mut DataFrame) {
    let dir = month_dir(store, period);
    if !dir.join(MONTH_FILE).is_file() {
        return;
    }
    let _ = write_derived_in(&dir, key, frame);
}

fn write_derived_in(dir: &Path, key: &str, frame: &mut DataFrame) -> Result<()> {
    let name = derived_name(key);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let other = entry.file_name().to_string_lossy().into_owned();
            if (other.starts_with("_reduced-") || other.starts_with("reduced-")) && other != name {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let target = dir.join(&name);
    crate::atomic::write_file(dir, &target, |file| ParquetWriter::new(file).finish(frame).map(|_| ()).map_err(|e| store_error(&target, e)))
}

/// Write a whole month at once (earlier months stored on a first run, which have no outputs
/// to wait for; the benchmark's history; migration).
pub fn write_month(store: &Path, plan: &Plan, period: Period, frames: Vec<FormFrame>, submissions: Vec<Submission>) -> Result<()> {
    stage_month(store, plan, period, frames)?.commit(submissions, None)
}

/// One reporting unit's form in one month, as the month's record keeps it.
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

/// Periods in the store (those with a record), sorted.
pub fn periods(store: &Path) -> Vec<Period> {
    let Ok(entries) = std::fs::read_dir(store) else { return Vec::new() };
    let mut periods: Vec<Period> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("period=")).and_then(Period::parse))
        .filter(|p| month_dir(store, *p).join(MONTH_FILE).is_file())
        .collect();
    periods.sort();
    periods
}

/// One form's table of a stored month, lazily, with only `columns` (plan column ids, or the
/// table's own such as `record_key`; a column the table lacks, e.g. added to the plan later in
/// the year, is null) plus `township` and the month as `period` (`YYYY-MM`). `None` when the
/// month has no rows of the form.
pub fn scan_form(store: &Path, form: &crate::plan::Form, period: Period, columns: &[&str]) -> Result<Option<LazyFrame>> {
    let path = table_path(store, &form.id, period);
    if !path.is_file() {
        return Ok(None);
    }
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let schema = ParquetReader::new(file).schema().map_err(|e| store_error(&path, e))?;
    let lazy = LazyFrame::scan_parquet(PlRefPath::from(path.to_string_lossy().as_ref()), ScanArgsParquet::default())
        .map_err(|e| store_error(&path, e))?;
    let mut select = vec![col("township"), lit(period.to_string()).alias("period")];
    for id in columns {
        let dtype = form.columns.iter().find(|c| c.id == *id).map(|c| frames::dtype(c.kind)).unwrap_or(DataType::String);
        select.push(if schema.contains(id) { col(*id).cast(dtype) } else { lit(NULL).cast(dtype).alias(*id) });
    }
    Ok(Some(lazy.select(select)))
}

/// One form's table of a stored month, every column.
pub fn read_form(store: &Path, form: &str, period: Period) -> Result<Option<DataFrame>> {
    let path = table_path(store, form, period);
    if !path.is_file() {
        return Ok(None);
    }
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    ParquetReader::new(file).finish().map(Some).map_err(|e| store_error(&path, e))
}

/// A stored month's records of the plan's forms (of one unit, or all), form by form.
pub fn read_records(store: &Path, plan: &Plan, period: Period, unit: Option<&str>) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    for form in &plan.forms {
        let Some(frame) = read_form(store, &form.id, period)? else { continue };
        let path = table_path(store, &form.id, period);
        records.extend(frames::records_of(form, &frame, unit).map_err(|e| store_error(&path, e))?);
    }
    Ok(records)
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
            let modified = read.modified().map(|t| chrono::DateTime::<chrono::Utc>::from(t).with_timezone(&crate::period::china_time()));
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
        let _ = crate::atomic::write_bytes(&store.join(ARRIVALS_FILE), &json);
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
        let _ = crate::atomic::write_bytes(&store.join(CONTACTS_FILE), &json);
    }
}
