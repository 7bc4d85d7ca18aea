//! The folders a run works in: locks, what a killed run left behind, the input fingerprint that
//! `--if-changed` compares, the newest month folder, and the run's own record (`run.json`,
//! `run.log`).

use std::fs::File;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::ingest::{self, Limits};
use crate::period::Period;
use crate::plan::{Plan, PlanSource};
use crate::store;

use super::RunConfig;
use super::diag::Console;

/// What the run works on once its folders are locked: the plan, the month and its files.
pub struct Prepared {
    pub plan: Plan,
    pub period: Period,
    pub period_dir: PathBuf,
    /// `output/<YYYY-MM>`.
    pub out_dir: PathBuf,
    /// The month is in the store already.
    pub stored: bool,
    /// The locks on the output folder and the store, held until the run ends.
    pub _locks: Vec<File>,
}

/// Stage 1: resolve the plan and the month, lock the output folder and the store, migrate a
/// store of the previous layout, find the month's files and their fingerprint. `None` when
/// `--if-changed` finds the inputs unchanged (said on the console); refuses to replace a stored
/// month with a folder without township files.
pub fn prepare(args: &RunConfig, console: &mut Console) -> Result<Option<(Prepared, Vec<ingest::InputFile>)>> {
    let (plan, source) = ingest::plan_book::resolve_plan(args.plan.as_deref())?;
    let folders = &args.folders;
    if !folders.input.is_dir() {
        return Err(Error::Usage(format!("找不到输入目录 {}（用 --input 指定）", folders.input.display())));
    }
    let period = match args.period.as_deref() {
        Some("last-month") => Period::last_month(),
        Some(text) => Period::parse_arg(text)?,
        None => latest_period(&folders.input)?,
    };
    let period_dir = folders.input.join(period.to_string());
    if !period_dir.is_dir() {
        return Err(Error::Usage(format!("输入目录中没有 {period} 文件夹：{}", period_dir.display())));
    }
    std::fs::create_dir_all(&folders.output).map_err(|e| Error::io(&folders.output, e))?;
    let lock = acquire_lock(&folders.output)?;
    // The store is locked too: two runs with different output folders and one store would
    // otherwise interleave their months.
    std::fs::create_dir_all(&folders.store).map_err(|e| Error::io(&folders.store, e))?;
    let same_folder = matches!(
        (folders.output.canonicalize(), folders.store.canonicalize()),
        (Ok(output), Ok(store)) if output == store
    );
    let store_lock = if same_folder { None } else { Some(acquire_lock(&folders.store)?) };
    let out_dir = folders.output.join(period.to_string());
    console.run_log = Some(out_dir.join("run.log"));
    let plan_name = match &source {
        PlanSource::Shipped(name) => name.to_string(),
        PlanSource::Default(name) => format!("{name}（内置示例；当前目录没有 plan.toml 或 方案.xlsx）"),
        PlanSource::File(path) => path.display().to_string(),
    };
    console.say(format!("zhenxing {}：{} {}，方案 {}", crate::VERSION, plan.plan.district_full, period.label(), plan_name));
    let migrated = store::migrate::migrate(&folders.store, &plan)?;
    if !migrated.is_empty() {
        console.say(format!(
            "历史数据库已转为按报表分表存储（{} 个月）；旧文件移至 {}",
            migrated.len(),
            folders.store.join(store::migrate::LEGACY_DIR).display()
        ));
    }

    let renamed = store::remove_old_derived(&folders.store);
    if renamed > 0 {
        console.say(format!(
            "历史数据库中的汇总缓存改名为 _reduced-*.cache（{renamed} 个月，按需重建）：用 DuckDB 读取 data/**/*.parquet 时不再混入"
        ));
    }

    let files = ingest::discover(&period_dir, &folders.input).map_err(|e| Error::io(&period_dir, e))?;
    remove_stale_temporaries(&out_dir, &folders.store);
    // --if-changed hashes the files here, only to decide whether to run: the fingerprint a run
    // records is taken from the files as they are read (see `reads_fingerprint`).
    if args.if_changed && unchanged_since_last_run(&out_dir, &folders.store, period, &input_fingerprint(&plan, &files)) {
        console.say(format!("{period} 的输入文件与上次运行相同，跳过（去掉 --if-changed 可强制重算）"));
        return Ok(None);
    }

    // A month already stored is never replaced by an empty folder (a copy that went wrong, a
    // folder emptied by mistake) unless the operator says so.
    let stored = store::periods(&folders.store).contains(&period);
    if stored && !args.replace && !files.iter().any(|f| !f.department && ingest::is_spreadsheet_name(&extension_of(&f.path))) {
        return Err(Error::Refused(format!(
            "{} 文件夹中没有任何{}报表，而历史数据库中已有该月数据；为免误删，本次未运行。如确需清空该月，请加 --replace",
            period_dir.display(),
            plan.wording().townships
        )));
    }
    let locks = [Some(lock), store_lock].into_iter().flatten().collect();
    Ok(Some((Prepared { plan, period, period_dir, out_dir, stored, _locks: locks }, files)))
}

/// The lock file that keeps two runs from writing the same outputs (in the output folder) or
/// the same store (in the store folder).
pub const LOCK_FILE: &str = ".zhenxing.lock";

/// What `run.json` records.
#[derive(Debug, Serialize)]
pub struct RunRecord {
    pub tool_version: String,
    pub plan_id: String,
    pub plan_sha256: String,
    pub period: String,
    pub started: String,
    pub finished: String,
    /// sha256 over the plan hash, tool version and every input's path and sha256.
    pub input_fingerprint: String,
    pub inputs: Vec<RunInput>,
    pub counts: RunCounts,
    pub department_counts: RunDepartmentCounts,
    pub units: Vec<RunUnit>,
    pub history_checked: bool,
    /// sha256 of the store month written with these outputs (`store::MonthRecord::sha256`;
    /// `--if-changed` reruns when the store does not hold it: a run killed between the outputs
    /// and the store).
    pub partition_sha256: String,
    pub exit_code: u8,
}

#[derive(Debug, Serialize)]
pub struct RunInput {
    pub path: String,
    pub sha256: String,
    pub township: String,
    pub status: String,
    pub errors: usize,
    pub warnings: usize,
}

/// One reporting unit in `run.json`: its status and each form's.
#[derive(Debug, Serialize)]
pub struct RunUnit {
    pub unit: String,
    pub department: bool,
    pub status: String,
    pub forms: Vec<RunForm>,
}

#[derive(Debug, Serialize)]
pub struct RunForm {
    pub form: String,
    pub status: String,
    pub file: Option<String>,
}

/// Departments' ledgers: how many were due and where they stand.
#[derive(Debug, Serialize)]
pub struct RunDepartmentCounts {
    pub units: usize,
    pub reported: usize,
    pub missing: usize,
    pub rejected: usize,
}

/// Townships only (departments are counted in `department_counts`).
#[derive(Debug, Serialize)]
pub struct RunCounts {
    pub units: usize,
    pub reported: usize,
    pub missing: usize,
    pub rejected: usize,
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub records: usize,
}

/// Take the run lock in a folder (output or store), or fail at once. The OS releases it if we
/// crash.
pub fn acquire_lock(folder: &Path) -> Result<File> {
    let path = folder.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(path)),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

pub fn extension_of(path: &Path) -> String {
    path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default()
}

/// The newest `YYYY-MM` folder in the input.
pub fn latest_period(input: &Path) -> Result<Period> {
    let entries = std::fs::read_dir(input).map_err(|e| Error::io(input, e))?;
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name.len() == 7).then(|| Period::parse(&name)).flatten()
        })
        .max()
        .ok_or_else(|| Error::Usage(format!("输入目录 {} 中没有 YYYY-MM 格式的月份文件夹", input.display())))
}

/// Delete what a killed run left behind: staging folders (`atomic::recover`) and the temporary
/// files every single file is written through (`.zhenxing-*.tmp`, `atomic::write_file`: outputs,
/// the store's records and kept reductions), so a kill leaves the previous good file plus, at most,
/// such a temporary. Only those name patterns, only in the folders `run` writes (the month's
/// outputs, the store and its months' folders), and only while holding the lock.
pub fn remove_stale_temporaries(out_dir: &Path, store_dir: &Path) {
    // A staging folder (or, without an atomic exchange, the previous set renamed aside) that a
    // killed run left, of the outputs or of a store month.
    if let Some(output) = out_dir.parent() {
        crate::atomic::recover(output);
    }
    crate::atomic::recover(store_dir);
    let mut dirs = vec![out_dir.to_path_buf(), out_dir.join("feedback"), store_dir.to_path_buf()];
    dirs.extend(store::periods(store_dir).into_iter().map(|p| store::month_dir(store_dir, p)));
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with(".zhenxing-") && name.ends_with(".tmp");
            if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The input fingerprint of the month's files, read and hashed here (for `--if-changed`, before
/// anything else is done).
pub fn input_fingerprint(plan: &Plan, files: &[ingest::InputFile]) -> String {
    // Each file's digest in parallel (a province-month is 2,000 files), combined in file order.
    let digests: Vec<Option<_>> = files
        .par_iter()
        // Bounded and regular files only, as everywhere a file is opened (a link to /proc or a
        // FIFO must not grow or block the run here either).
        .map(|file| match ingest::read_bounded(&file.path, Limits::default().max_file_bytes) {
            Ok(Ok(bytes)) => Some(ingest::file_digest(&bytes)),
            _ => None,
        })
        .collect();
    fingerprint(plan, files.iter().map(|f| f.display.as_str()).zip(digests))
}

/// The same fingerprint from the digests reading took (a file it could not read or hash has
/// none, as above).
pub fn reads_fingerprint(plan: &Plan, reads: &[ingest::FileRead]) -> String {
    let mut files: Vec<(&str, Option<[u8; 32]>)> = reads
        .iter()
        .map(|r| {
            let mut digest = [0u8; 32];
            let parsed =
                r.sha256.len() == 64 && (0..32).all(|i| u8::from_str_radix(&r.sha256[2 * i..2 * i + 2], 16).map(|b| digest[i] = b).is_ok());
            (r.input.display.as_str(), parsed.then_some(digest))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(b.0));
    fingerprint(plan, files.into_iter())
}

fn fingerprint<'a>(plan: &Plan, files: impl Iterator<Item = (&'a str, Option<[u8; 32]>)>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(crate::VERSION.as_bytes());
    hasher.update(plan.digest.as_bytes());
    for (display, digest) in files {
        hasher.update(display.as_bytes());
        if let Some(digest) = digest {
            hasher.update(digest);
        }
    }
    crate::plan::hex(&hasher.finalize())
}

/// The inputs are those of the last complete run, and the store holds that run's month: its
/// tables, and its record written by that very run (`store::RUN_FILE`, the run's start). A run
/// killed after its outputs but before its store month was committed must be run again, even
/// when its tables are the same as the month before (a new 填报人, a file renamed): the
/// store's record of submissions, arrivals and contacts would stay stale for good.
pub fn unchanged_since_last_run(out_dir: &Path, store_dir: &Path, period: Period, fingerprint: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(out_dir.join("run.json")) else { return false };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else { return false };
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
    let same_inputs = field("input_fingerprint").as_deref() == Some(fingerprint);
    let stored = store::month_sha256(store_dir, period).unwrap_or_default();
    let same_run = store::month_run(store_dir, period).is_some_and(|run| field("started").is_some_and(|s| s == run));
    same_inputs && field("partition_sha256").as_deref() == Some(stored.as_str()) && same_run
}

pub fn append_log(path: &Path, started: chrono::DateTime<chrono::FixedOffset>, lines: &[String]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| Error::io(path, e))?;
    let stamp = started.format("%Y-%m-%d %H:%M:%S");
    for line in lines {
        // One entry, one line: a newline in a file name must not write a line of its own (a
        // forged entry); control characters are shown escaped.
        let line: String =
            line.chars().flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect();
        writeln!(file, "[{stamp}] {line}").map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

/// What `run.json` records of a run.
pub fn run_record(
    plan: &Plan,
    validated: &crate::validate::Validated,
    started: chrono::DateTime<chrono::FixedOffset>,
    fingerprint: String,
    partition_sha256: String,
    exit: crate::error::ExitCode,
) -> RunRecord {
    use crate::validate::SubmissionStatus;
    let period = validated.period;
    let units = plan.units.len();
    RunRecord {
        tool_version: crate::VERSION.to_string(),
        plan_id: plan.plan.id.clone(),
        plan_sha256: plan.digest.clone(),
        period: period.to_string(),
        started: started.to_rfc3339(),
        finished: crate::period::now_in_china().to_rfc3339(),
        input_fingerprint: fingerprint,
        inputs: validated
            .files
            .iter()
            .map(|f| RunInput {
                path: f.file.clone(),
                sha256: f.sha256.clone(),
                township: f.township.clone(),
                status: f.status.label().to_string(),
                errors: f.errors,
                warnings: f.warnings,
            })
            .collect(),
        counts: RunCounts {
            units,
            reported: validated.count(SubmissionStatus::Reported),
            missing: validated.count(SubmissionStatus::Missing),
            rejected: validated.count(SubmissionStatus::Rejected),
            files: validated.files.len(),
            errors: validated.error_count(),
            warnings: validated.warning_count(),
            records: validated.records.len(),
        },
        department_counts: RunDepartmentCounts {
            units: validated.townships.iter().filter(|t| t.department).count(),
            reported: validated.department_count(SubmissionStatus::Reported),
            missing: validated.department_count(SubmissionStatus::Missing),
            rejected: validated.department_count(SubmissionStatus::Rejected),
        },
        units: validated
            .townships
            .iter()
            .map(|t| RunUnit {
                unit: t.township.clone(),
                department: t.department,
                status: t.status.label().to_string(),
                forms: t
                    .forms
                    .iter()
                    .map(|f| RunForm { form: f.form.clone(), status: f.status.label().to_string(), file: f.file.clone() })
                    .collect(),
            })
            .collect(),
        history_checked: validated.history_checked,
        partition_sha256,
        exit_code: exit as u8,
    }
}
