//! `zhenxing run`: the monthly job. ingest → validate → store → aggregate → report, under a lock,
//! with every output written atomically.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::aggregate::{self, Aggregated};
use crate::error::{Error, ExitCode, Result};
use crate::ingest::{self, Limits};
use crate::period::Period;
use crate::plan::{Plan, PlanSource};
use crate::report;
use crate::store;
use crate::validate::{self, History, SubmissionStatus, Validated};

use super::{Folders, PlanArg};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// 统计月份：YYYY-MM 或 last-month；默认取输入目录中最新的月份文件夹
    #[arg(long)]
    pub period: Option<String>,
    #[command(flatten)]
    pub folders: Folders,
    #[command(flatten)]
    pub plan: PlanArg,
    /// 输入文件与上次运行相同时跳过（适合 cron 频繁调用）
    #[arg(long)]
    pub if_changed: bool,
    /// 只输出错误
    #[arg(long, short)]
    pub quiet: bool,
    /// 逐个文件输出处理情况
    #[arg(long, short)]
    pub verbose: bool,
    /// 允许用没有镇街报表或数据少得多的月份文件夹替换历史数据库中已有的该月数据
    #[arg(long)]
    pub replace: bool,
    /// 同时把通报另存为 PDF（便于在工作群转发；需要安装 LibreOffice）
    #[arg(long)]
    pub pdf: bool,
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
    /// sha256 of the store partition written with these outputs (`--if-changed` reruns when the
    /// store does not hold it: a run killed between the outputs and the store).
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

/// Prints progress: lines under cron, a bar on a terminal, nothing with --quiet.
struct Console {
    quiet: bool,
    verbose: bool,
    log: Vec<String>,
}

impl Console {
    fn say(&mut self, line: String) {
        if !self.quiet {
            crate::text::say(&line);
        }
        self.log.push(line);
    }

    fn detail(&mut self, line: String) {
        if self.verbose && !self.quiet {
            crate::text::say(&line);
        }
        self.log.push(line);
    }
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let started = crate::period::now_in_china();
    let clock = Instant::now();
    let mut phases = Phases::start();
    let (plan, source) = Plan::resolve(args.plan.plan.as_deref())?;
    let folders = &args.folders;
    if !folders.input.is_dir() {
        return Err(Error::Usage(format!("找不到输入目录 {}（用 --input 指定）", folders.input.display())));
    }
    let period = match args.period.as_deref() {
        Some("last-month") => super::template::last_month(),
        Some(text) => Period::parse_arg(text)?,
        None => latest_period(&folders.input)?,
    };
    let period_dir = folders.input.join(period.to_string());
    if !period_dir.is_dir() {
        return Err(Error::Usage(format!("输入目录中没有 {period} 文件夹：{}", period_dir.display())));
    }
    std::fs::create_dir_all(&folders.output).map_err(|e| Error::io(&folders.output, e))?;
    let _lock = acquire_lock(&folders.output)?;
    // The store is locked too: two runs with different output folders and one store would
    // otherwise interleave their partitions and the reductions kept beside them.
    std::fs::create_dir_all(&folders.store).map_err(|e| Error::io(&folders.store, e))?;
    let same_folder = matches!(
        (folders.output.canonicalize(), folders.store.canonicalize()),
        (Ok(output), Ok(store)) if output == store
    );
    let _store_lock = if same_folder { None } else { Some(acquire_lock(&folders.store)?) };
    let mut console = Console { quiet: args.quiet, verbose: args.verbose, log: Vec::new() };
    let plan_name = match &source {
        PlanSource::Shipped(name) => name.to_string(),
        PlanSource::File(path) => path.display().to_string(),
    };
    console.say(format!("zhenxing {}：{} {}，方案 {}", crate::VERSION, plan.plan.district_full, period.label(), plan_name));

    let files = ingest::discover(&period_dir, &folders.input).map_err(|e| Error::io(&period_dir, e))?;
    let out_dir = folders.output.join(period.to_string());
    remove_stale_temporaries(&out_dir, &folders.store);
    let fingerprint = input_fingerprint(&plan, &files);
    if args.if_changed && unchanged_since_last_run(&out_dir, &folders.store, period, &fingerprint) {
        console.say(format!("{period} 的输入文件与上次运行相同，跳过（去掉 --if-changed 可强制重算）"));
        return Ok(ExitCode::Clean);
    }

    // A month already stored is never replaced by an empty folder (a copy that went wrong, a
    // folder emptied by mistake) unless the operator says so.
    let stored = store::periods(&folders.store).contains(&period);
    if stored && !args.replace && !files.iter().any(|f| !f.department && ingest::is_spreadsheet_name(&extension_of(&f.path))) {
        return Err(Error::Refused(format!(
            "{} 文件夹中没有任何镇（街道）报表，而历史数据库中已有该月数据；为免误删，本次未运行。如确需清空该月，请加 --replace",
            period_dir.display()
        )));
    }
    let limits = Limits::default();
    phases.lap("准备（方案、找文件、输入指纹）");
    backfill_history(&plan, folders, period, &limits, &mut console)?;
    phases.lap("补建历史");
    let bar = progress_bar(files.len() as u64, args.quiet);
    // The year's earlier months (their kept reductions, or their facts reduced where none is
    // valid) are gathered for aggregation while this month's files are read and validated.
    let (ingested, history) = rayon::join(
        || ingest_period(&plan, folders, period, files, &limits, bar.as_ref(), &mut phases),
        || {
            let clock = Instant::now();
            reduce_history(&plan, &folders.store, period).map(|reduced| (reduced, clock.elapsed().as_secs_f64()))
        },
    );
    let (reads, validated, facts) = ingested?;
    if stored && !args.replace {
        let before = store::read_partition(&folders.store, period, &["township"]).map(|df| df.height()).unwrap_or(0);
        if before > 0 && facts.height() * 2 < before {
            return Err(Error::Refused(format!(
                "{period} 本次采用的数据（{} 项）不到历史数据库中该月已有数据（{before} 项）的一半，为免误替换，本次未写出任何结果。请检查 {} 中的文件；如确需替换，请加 --replace",
                facts.height(),
                period_dir.display()
            )));
        }
    }
    // When each file arrived (the first time a run saw it, kept in the store) and who is late.
    let mut validated = validated;
    let arrivals = store::arrivals(&folders.store, &reads);
    let deadline = plan.submission_deadline(period);
    mark_arrivals(&mut validated, &arrivals.by_file, deadline);
    let contacts = store::contacts(&folders.store, &validated, &reads, period);
    let (mut reduced, history_seconds) = history?;
    phases.alongside("读历史（与读取、校验同时）", history_seconds);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for file in &validated.files {
        console.detail(format!(
            "  {}：{}，{}（错误 {}，警告 {}）",
            file.file,
            if file.township.is_empty() { "单位不明" } else { &file.township },
            file.status.label(),
            file.errors,
            file.warnings
        ));
    }
    // The month is aggregated; its outputs are written as a set into a staging folder; the
    // store's partition is written beside its old one; the outputs are swapped into place in
    // one step; then the partition is committed (see ARCHITECTURE "Outputs appear as a set").
    let statuses: Vec<(String, String, SubmissionStatus)> =
        validated.townships.iter().flat_map(|t| t.forms.iter().map(|f| (t.township.clone(), f.form.clone(), f.status))).collect();
    let submissions = store::submissions(&validated);
    let mut to_store = facts.clone();
    let (month, aggregated) = {
        let (mut month, ledger) = reduce_current(&plan, period, facts)?;
        month.set_counted(validated.counted_forms());
        reduced.insert_month(&plan, period, month.clone());
        let mut aggregated = aggregate::aggregate_reduced(&plan, period, reduced, &ledger, statuses)?;
        // 同比: the same month of the previous year, where the store holds it.
        if let Some(year_ago) = Period::new(period.year - 1, period.month)
            && store::periods(&folders.store).contains(&year_ago)
        {
            let month = match kept_month(&plan, &folders.store, year_ago) {
                Some(month) => Some(month),
                None => store::read_partition(&folders.store, year_ago, &aggregate::FACT_COLUMNS)
                    .ok()
                    .and_then(|facts| reduce_and_keep(&plan, &folders.store, year_ago, &facts).ok()),
            };
            if let Some(month) = month {
                let values = aggregate::month_values(&plan, year_ago, month);
                for target in &mut aggregated.targets {
                    target.last_year = target.indicator_id.as_ref().and_then(|id| values.get(id)).copied();
                }
            }
        }
        (month, aggregated)
    };
    release_freed_memory();
    phases.lap("汇总");

    // The partition is staged (beside the one in place, not yet committed) before the outputs
    // are written, so that the month's facts are freed before the bulletin is built.
    let staged = store::stage_partition(&folders.store, period, &mut to_store)?;
    drop(to_store);
    release_freed_memory();
    let staging = staging_dir(&folders.output, period);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    let written = write_outputs(&plan, &validated, &aggregated, &contacts, &staging, &reads, &limits, &fingerprint, &mut phases)?;
    if args.pdf {
        match bulletin_pdf(&staging.join(report::workbook::file_name(&plan, period))) {
            Ok(()) => {}
            Err(reason) => console.say(format!("警告：未生成 PDF（{reason}）；通报的 Excel 文件照常生成")),
        }
    }
    let exit =
        if validated.error_count() > 0 || validated.count(SubmissionStatus::Missing) > 0 || validated.count(SubmissionStatus::Rejected) > 0
        {
            ExitCode::DataProblems
        } else {
            ExitCode::Clean
        };
    let units = plan.units.len();
    console.say(format!(
        "报送情况：应报 {units} 个，已报送 {} 个，未报送 {} 个，数据有误 {} 个；问题：错误 {} 个，警告 {} 个",
        validated.count(SubmissionStatus::Reported),
        validated.count(SubmissionStatus::Missing),
        validated.count(SubmissionStatus::Rejected),
        validated.error_count(),
        validated.warning_count()
    ));
    let departments = validated.units_of_kind(true);
    if !departments.is_empty() {
        console.say(format!(
            "部门台账：应报 {} 个单位，已报送 {} 个",
            departments.len(),
            departments.iter().filter(|t| t.status == SubmissionStatus::Reported).count()
        ));
    }
    for t in validated.townships.iter().filter(|t| t.status != SubmissionStatus::Reported) {
        console.say(format!("  {}：{}", t.township, report::unit_status_text(&plan, t)));
    }
    if !validated.history_checked {
        console.say("注：历史数据库中没有上月数据，未做“累计数小于上月”“大起大落”校验".to_string());
    }
    for path in &written {
        let shown = out_dir.join(path.strip_prefix(&staging).unwrap_or(path));
        console.detail(format!("  已写出 {}", shown.display()));
    }
    console.detail(format!("分阶段用时：{}", phases.summary()));
    console.say(format!("已生成 {}（{} 个文件，用时 {:.1} 秒）", out_dir.display(), written.len(), clock.elapsed().as_secs_f64()));

    let record = RunRecord {
        tool_version: crate::VERSION.to_string(),
        plan_id: plan.plan.id.clone(),
        plan_sha256: plan.source_sha256.clone(),
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
        partition_sha256: staged.sha256.clone(),
        exit_code: exit as u8,
    };
    let json = serde_json::to_vec_pretty(&record).expect("serialisable");
    report::write_atomic(&staging.join("run.json"), &json)?;
    // run.log goes on from the previous runs' lines.
    let old_log = out_dir.join("run.log");
    if old_log.is_file() {
        std::fs::copy(&old_log, staging.join("run.log")).map_err(|e| Error::io(&old_log, e))?;
    }
    append_log(&staging.join("run.log"), started, &console.log)?;
    // The store's partition first (its previous version stays until the outputs are in place),
    // then the outputs in one step, then the partition committed with its reduction.
    swap_into_place(&staging, &out_dir)?;
    staged.commit(&folders.store, period, &submissions)?;
    store::keep_arrivals(&folders.store, &arrivals);
    store::keep_contacts(&folders.store, &contacts);
    keep_month(&plan, &folders.store, period, &month);
    // A province-month's records, issues and results are millions of allocations: they are
    // freed on another thread, and a process that exits now does not wait for that.
    // (`Builder::spawn`, not `thread::spawn`, which panics when no thread can be started: then
    // the closure, and the results with it, are freed here instead.)
    let results = (validated, aggregated, reads, plan);
    let _ = std::thread::Builder::new().spawn(move || drop(results));
    Ok(exit)
}

/// Read, validate and turn into facts the files of one period.
fn ingest_period(
    plan: &Plan,
    folders: &Folders,
    period: Period,
    files: Vec<ingest::InputFile>,
    limits: &Limits,
    bar: Option<&indicatif::ProgressBar>,
    phases: &mut Phases,
) -> Result<(Vec<ingest::FileRead>, Validated, polars::prelude::DataFrame)> {
    // Last month's values are read from the store while the files are (it is one task among the
    // files' on the same cores).
    let (mut reads, history) = rayon::join(
        || -> Vec<ingest::FileRead> {
            files
                .into_par_iter()
                .map(|f| {
                    let read = ingest::read_file(f, plan, limits);
                    if let Some(bar) = bar {
                        bar.inc(1);
                    }
                    read
                })
                .collect()
        },
        || {
            let clock = Instant::now();
            load_history(&folders.store, plan, period).map(|history| (history, clock.elapsed().as_secs_f64()))
        },
    );
    let (history, history_seconds) = history?;
    release_freed_memory();
    phases.lap("读取");
    phases.alongside("读上月（与读取同时）", history_seconds);
    let validated = validate::validate(plan, period, &reads, &history);
    drop(history);
    // What was read is in the records and issues now; later stages need only each file's name,
    // path and readability (feedback workbooks re-read the few files with issues).
    for read in &mut reads {
        read.tables = Vec::new();
        // The footer's 填报人 and 联系电话 are kept for the 催报 list.
        read.claims.townships = Vec::new();
        read.claims.periods = Vec::new();
        read.issues = Vec::new();
    }
    release_freed_memory();
    phases.lap("校验");
    let facts = facts_frame(plan, &validated.records)?;
    phases.lap("事实表");
    Ok((reads, validated, facts))
}

/// The facts of the records, built in parallel in slices of records (a frame of a whole
/// province-month built at once holds every value's strings twice), then stacked in order: the
/// same frame as `store::facts_frame` over all records.
fn facts_frame(plan: &Plan, records: &[validate::Record]) -> Result<polars::prelude::DataFrame> {
    const SLICE: usize = 4096;
    let err = |e: polars::prelude::PolarsError| Error::Aggregate(e.to_string());
    if records.len() <= SLICE {
        return store::facts_frame(&plan.plan.id, records, plan).map_err(err);
    }
    let parts: Vec<polars::prelude::DataFrame> = records
        .par_chunks(SLICE)
        .map(|slice| store::facts_frame(&plan.plan.id, slice, plan))
        .collect::<polars::prelude::PolarsResult<_>>()
        .map_err(err)?;
    let mut parts = parts.into_iter();
    let mut facts = parts.next().expect("more than one slice");
    for part in parts {
        facts.vstack_mut_owned(part).map_err(err)?;
    }
    Ok(facts)
}

/// Store the earlier months of the year that are in the input but not yet in the store, oldest
/// first, so that 本月 and trends have their history (e.g. on a first run over several months).
fn backfill_history(plan: &Plan, folders: &Folders, period: Period, limits: &Limits, console: &mut Console) -> Result<()> {
    let stored = store::periods(&folders.store);
    let mut missing: Vec<Period> = std::fs::read_dir(&folders.input)
        .map_err(|e| Error::io(&folders.input, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name.len() == 7).then(|| Period::parse(&name)).flatten()
        })
        .filter(|p| p.year == period.year && *p < period && !stored.contains(p))
        .collect();
    missing.sort();
    for earlier in missing {
        let dir = folders.input.join(earlier.to_string());
        let files = ingest::discover(&dir, &folders.input).map_err(|e| Error::io(&dir, e))?;
        let (reads, validated, mut facts) = ingest_period(plan, folders, earlier, files, limits, None, &mut Phases::start())?;
        // Whom to call and when files arrived are learnt from earlier months too.
        store::keep_contacts(&folders.store, &store::contacts(&folders.store, &validated, &reads, earlier));
        store::keep_arrivals(&folders.store, &store::arrivals(&folders.store, &reads));
        store::write_submissions(&folders.store, earlier, &store::submissions(&validated))?;
        store::write_partition(&folders.store, earlier, &mut facts)?;
        // Its reduction is kept now, from the facts in hand, rather than read back from the
        // partition by `reduce_history` a moment later.
        reduce_and_keep(plan, &folders.store, earlier, &facts).map_err(|e| Error::Aggregate(e.to_string()))?;
        let reported = validated.count(SubmissionStatus::Reported);
        console.say(format!("补建历史数据 {earlier}：采用 {reported} 个镇（街道）的报表（该月通报未生成，可用 --period {earlier} 生成）"));
    }
    Ok(())
}

fn extension_of(path: &Path) -> String {
    path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default()
}

/// The newest `YYYY-MM` folder in the input.
fn latest_period(input: &Path) -> Result<Period> {
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

/// Delete the temporary files a killed run left behind. Outputs and store partitions are written
/// to a hidden temporary name and renamed into place (`report::write_atomic`,
/// `store::write_partition`), so a kill leaves the previous good file plus, at most, such a
/// temporary. Only those two name patterns, only in the folders `run` writes, and only while
/// holding the lock.
fn remove_stale_temporaries(out_dir: &Path, store_dir: &Path) {
    // A staging folder (or, without an atomic exchange, the previous set renamed aside) that a
    // killed run left: the outputs in place are whole, these are not needed.
    if let Some(output) = out_dir.parent()
        && let Ok(entries) = std::fs::read_dir(output)
    {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if name.starts_with(".zhenxing-staging-") {
                let _ = std::fs::remove_dir_all(entry.path());
            } else if let Some(month) = name.strip_prefix(".zhenxing-old-") {
                // Killed between the two renames (no atomic exchange): the old set is put back.
                let target = output.join(month);
                if target.exists() {
                    let _ = std::fs::remove_dir_all(entry.path());
                } else {
                    let _ = std::fs::rename(entry.path(), target);
                }
            }
        }
    }
    let mut dirs = vec![out_dir.to_path_buf(), out_dir.join("feedback")];
    if let Ok(entries) = std::fs::read_dir(store_dir) {
        dirs.extend(entries.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("period=")).map(|e| e.path()));
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = (name.starts_with(".zhenxing-") && name.ends_with(".tmp"))
                || (name.starts_with(".facts-") && name.ends_with(".parquet.tmp"));
            if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Each file's arrival (China Standard Time) as its `received`, late files and units marked.
fn mark_arrivals(validated: &mut Validated, arrivals: &BTreeMap<String, String>, deadline: Option<chrono::NaiveDateTime>) {
    let late_at = |file: &str| -> bool {
        let (Some(deadline), Some(arrived)) = (deadline, arrivals.get(file)) else { return false };
        chrono::NaiveDateTime::parse_from_str(arrived, "%Y-%m-%d %H:%M:%S").is_ok_and(|a| a > deadline)
    };
    for file in &mut validated.files {
        if let Some(arrived) = arrivals.get(&file.file) {
            file.received = arrived.clone();
        }
        file.late = late_at(&file.file) && file.status != validate::FileStatus::Attachment;
    }
    for unit in &mut validated.townships {
        // A unit is late when a file it is counted (or judged) from came after the deadline.
        let used: Vec<&String> = unit.forms.iter().filter_map(|f| f.file.as_ref()).collect();
        unit.late = used.iter().any(|f| late_at(f));
    }
}

/// The bulletin as PDF beside it, by LibreOffice (`soffice`), for offices that forward it in chat
/// groups. A missing LibreOffice or a failed conversion is a reason, never a failed run.
fn bulletin_pdf(xlsx: &Path) -> std::result::Result<(), String> {
    let dir = xlsx.parent().unwrap_or(Path::new("."));
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let output = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(xlsx)
        .env("HOME", profile.path())
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|_| "未安装 LibreOffice（soffice），可执行 apt-get install libreoffice-calc-nogui".to_string())?;
    if output.status.success() && xlsx.with_extension("pdf").is_file() {
        Ok(())
    } else {
        Err(format!("LibreOffice 转换失败：{}", String::from_utf8_lossy(&output.stderr).trim()))
    }
}

/// The folder a run writes its outputs into before they replace `output/<YYYY-MM>/` as a set.
fn staging_dir(output: &Path, period: Period) -> PathBuf {
    output.join(format!(".zhenxing-staging-{period}"))
}

/// Put the staged outputs in place of the old ones in one step: on Linux an atomic exchange of
/// the two folders (a reader sees the whole old set or the whole new one), then the old set is
/// removed; elsewhere two renames, between which the folder is briefly absent.
fn swap_into_place(staging: &Path, out_dir: &Path) -> Result<()> {
    if !out_dir.exists() {
        return std::fs::rename(staging, out_dir).map_err(|e| Error::io(out_dir, e));
    }
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let from = CString::new(staging.as_os_str().as_bytes()).map_err(|e| Error::io(staging, std::io::Error::other(e)))?;
        let to = CString::new(out_dir.as_os_str().as_bytes()).map_err(|e| Error::io(out_dir, std::io::Error::other(e)))?;
        // SAFETY: two valid NUL-terminated paths; renameat2 only reads them.
        let result = unsafe { libc::renameat2(libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), libc::RENAME_EXCHANGE) };
        if result == 0 {
            // `staging` now holds the previous set.
            let _ = std::fs::remove_dir_all(staging);
            return Ok(());
        }
    }
    let old = staging
        .with_file_name(format!(".zhenxing-old-{}", out_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()));
    let _ = std::fs::remove_dir_all(&old);
    std::fs::rename(out_dir, &old).map_err(|e| Error::io(out_dir, e))?;
    std::fs::rename(staging, out_dir).map_err(|e| Error::io(out_dir, e))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Take the run lock in a folder (output or store), or fail at once. The OS releases it if we
/// crash.
fn acquire_lock(folder: &Path) -> Result<File> {
    let path = folder.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(path)),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}

fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() || total < 2 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(indicatif::ProgressStyle::with_template("读取报表 {bar:40} {pos}/{len} {eta}").expect("valid template"));
    Some(bar)
}

/// Last month's values from the store, for the cross-period rules (numbers only: the rules
/// compare numbers; only the columns they need are read).
pub fn load_history(store_dir: &Path, plan: &Plan, period: Period) -> Result<History> {
    use polars::prelude::*;
    let previous = period.previous();
    if !store::periods(store_dir).contains(&previous) {
        return Ok(History::default());
    }
    let df = store::read_partition(store_dir, previous, &["plan_id", "township", "form", "record_key", "column", "value"])?;
    let path = store::partition_dir(store_dir, previous).join(store::FACTS_FILE);
    let err = |e: PolarsError| Error::Store { path: path.clone(), message: e.to_string() };
    let get_str = |name: &str| df.column(name).and_then(|c| c.as_materialized_series().str().cloned()).map_err(err);
    let plan_id = get_str("plan_id")?;
    let township = get_str("township")?;
    let form = get_str("form")?;
    let key = get_str("record_key")?;
    let column = get_str("column")?;
    let value = df.column("value").and_then(|c| c.as_materialized_series().f64().cloned()).map_err(err)?;
    let mut history = History::of(previous);
    let rows = plan_id.iter().zip(township.iter()).zip(form.iter().zip(key.iter())).zip(column.iter().zip(value.iter()));
    for (((id, t), (f, k)), (c, v)) in rows {
        if id != Some(plan.plan.id.as_str()) {
            continue;
        }
        if let (Some(t), Some(f), Some(k), Some(c), Some(v)) = (t, f, k, c, v) {
            history.insert(t, f, k, c, v);
        }
    }
    Ok(history)
}

/// The year's facts before `period`, reduced for aggregation one month at a time (see
/// `aggregate::Reduced`). Each month comes from the reduction kept beside its partition
/// (`kept_month`); a partition without a valid one is read (only the columns aggregation
/// uses), reduced, and its reduction kept for the next run.
fn reduce_history(plan: &Plan, store_dir: &Path, period: Period) -> Result<aggregate::Reduced> {
    let mut reduced = aggregate::Reduced::default();
    for earlier in store::periods(store_dir).into_iter().filter(|p| p.year == period.year && *p < period) {
        let month = match kept_month(plan, store_dir, earlier) {
            Some(month) => month,
            None => {
                let df = store::read_partition(store_dir, earlier, &aggregate::FACT_COLUMNS)?;
                let path = store::partition_dir(store_dir, earlier).join(store::FACTS_FILE);
                reduce_and_keep(plan, store_dir, earlier, &df).map_err(|e| Error::Store { path, message: e.to_string() })?
            }
        };
        reduced.insert_month(plan, earlier, month);
    }
    Ok(reduced)
}

/// Name and key of the reduction kept beside a partition: one file per plan (by its digest),
/// valid for this version of the tool and while the partition is unchanged. A change to what
/// `Reduced::add` computes must bump the `v1` in the key, so that no build trusts reductions
/// another build made differently.
fn kept_month_file(plan: &Plan) -> (String, String) {
    let digest = plan.source_sha256.get(..16).unwrap_or(&plan.source_sha256);
    (format!("reduced-{digest}{}", store::DERIVED_SUFFIX), format!("zhenxing {} reduced month v2", crate::VERSION))
}

/// The reduction of a stored month kept beside its partition, if it is still valid.
pub fn kept_month(plan: &Plan, store_dir: &Path, period: Period) -> Option<aggregate::ReducedMonth> {
    let (name, key) = kept_month_file(plan);
    store::read_derived(store_dir, period, &name, &key)
}

/// Keep a stored month's reduction beside its partition, for later runs (see `kept_month`). A
/// reduction that cannot be written (a read-only store) is only made again next time.
pub fn keep_month(plan: &Plan, store_dir: &Path, period: Period, month: &aggregate::ReducedMonth) {
    let (name, key) = kept_month_file(plan);
    let _ = store::write_derived(store_dir, period, &name, &key, month);
}

/// Reduce one stored month's facts and keep the reduction beside its partition. Who was
/// counted comes from the month's `submissions.json` where the partition has one.
pub fn reduce_and_keep(
    plan: &Plan,
    store_dir: &Path,
    period: Period,
    facts: &polars::prelude::DataFrame,
) -> polars::prelude::PolarsResult<aggregate::ReducedMonth> {
    let mut month = aggregate::reduce_month(plan, period, facts)?;
    if let Some(submissions) = store::read_submissions(store_dir, period) {
        month.set_counted(submissions.into_iter().filter(|s| s.status == SubmissionStatus::Reported).map(|s| (s.unit, s.form)).collect());
    }
    keep_month(plan, store_dir, period, &month);
    Ok(month)
}

/// The current month's facts reduced for aggregation, and its ledger.
fn reduce_current(
    plan: &Plan,
    period: Period,
    current: polars::prelude::DataFrame,
) -> Result<(aggregate::ReducedMonth, aggregate::Ledger)> {
    use polars::prelude::*;
    let err = |e: PolarsError| Error::Aggregate(e.to_string());
    let month = aggregate::reduce_month(plan, period, &current).map_err(err)?;
    let ledger = aggregate::ledger_texts(plan, &current).map_err(err)?;
    Ok((month, ledger))
}

fn input_fingerprint(plan: &Plan, files: &[ingest::InputFile]) -> String {
    // Each file's digest in parallel (a province-month is 2,000 files), combined in file order.
    let digests: Vec<Option<_>> = files
        .par_iter()
        // Bounded and regular files only, as everywhere a file is opened (a link to /proc or a
        // FIFO must not grow or block the run here either).
        .map(|file| match ingest::read_bounded(&file.path, Limits::default().max_file_bytes) {
            Ok(Ok(bytes)) => Some(Sha256::digest(&bytes)),
            _ => None,
        })
        .collect();
    let mut hasher = Sha256::new();
    hasher.update(crate::VERSION.as_bytes());
    hasher.update(plan.source_sha256.as_bytes());
    for (file, digest) in files.iter().zip(digests) {
        hasher.update(file.display.as_bytes());
        if let Some(digest) = digest {
            hasher.update(digest);
        }
    }
    crate::plan::hex(&hasher.finalize())
}

/// The inputs are those of the last complete run, and the store holds that run's partition (a
/// run killed after its outputs but before its store must be run again).
fn unchanged_since_last_run(out_dir: &Path, store_dir: &Path, period: Period, fingerprint: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(out_dir.join("run.json")) else { return false };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else { return false };
    let same_inputs = value.get("input_fingerprint").and_then(|v| v.as_str()) == Some(fingerprint);
    let partition = store::partition_dir(store_dir, period).join(store::FACTS_FILE);
    let stored = std::fs::read(partition).map(|bytes| crate::plan::hex(&Sha256::digest(&bytes))).unwrap_or_default();
    same_inputs && value.get("partition_sha256").and_then(|v| v.as_str()) == Some(stored.as_str())
}

fn append_log(path: &Path, started: chrono::DateTime<chrono::FixedOffset>, lines: &[String]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| Error::io(path, e))?;
    let stamp = started.format("%Y-%m-%d %H:%M:%S");
    for line in lines {
        writeln!(file, "[{stamp}] {line}").map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

/// Every report file, each written atomically. Returns the paths written.
#[allow(clippy::too_many_arguments)]
fn write_outputs(
    plan: &Plan,
    validated: &Validated,
    aggregated: &Aggregated,
    contacts: &BTreeMap<String, store::Contact>,
    out_dir: &Path,
    reads: &[ingest::FileRead],
    limits: &Limits,
    fingerprint: &str,
    phases: &mut Phases,
) -> Result<Vec<PathBuf>> {
    let period = validated.period;
    let mut written = Vec::new();
    let mut put = |path: PathBuf, bytes: Vec<u8>| -> Result<()> {
        report::write_atomic(&path, &bytes)?;
        written.push(path);
        Ok(())
    };
    // The bulletin's sheets are filled on both cores; the workbook is then assembled and
    // compressed (mostly on one core) while the feedback workbooks (each re-reads its township's
    // files) are made and written on the other.
    let reminders = report::reminders(plan, validated, contacts);
    let bulletin = report::workbook::Bulletin { plan, validated, aggregated, reminders: &reminders, input_fingerprint: fingerprint };
    let workbook = report::workbook::bulletin_workbook(&bulletin)?;
    let (bulletin_bytes, feedback) =
        rayon::join(|| report::workbook::save(plan, period, workbook), || feedback_workbooks(plan, validated, reads, limits, out_dir));
    put(out_dir.join(report::workbook::file_name(plan, period)), bulletin_bytes?)?;
    put(out_dir.join("progress.csv"), report::csv::progress_csv(aggregated))?;
    put(out_dir.join("townships.csv"), report::csv::townships_csv(aggregated))?;
    put(out_dir.join("issues.csv"), report::csv::issues_csv(&validated.issues))?;
    put(out_dir.join("bulletin.txt"), report::notice::text(plan, validated, aggregated).into_bytes())?;
    put(out_dir.join("reminders.csv"), report::csv::reminders_csv(&reminders))?;
    phases.lap("通报");
    written.extend(feedback?);
    phases.lap("反馈表");
    Ok(written)
}

/// Feedback workbooks: one per township with issues, with a copy of its sheets' values; made and
/// written (each atomically) in parallel. Returns their paths in township order.
fn feedback_workbooks(
    plan: &Plan,
    validated: &Validated,
    reads: &[ingest::FileRead],
    limits: &Limits,
    out_dir: &Path,
) -> Result<Vec<PathBuf>> {
    let period = validated.period;
    let mut by_township: BTreeMap<String, Vec<&crate::issue::Issue>> = BTreeMap::new();
    // A warning the township has explained (已说明) is not asked again.
    for issue in validated.issues.iter().filter(|i| i.explanation.is_empty()) {
        let name = if issue.township.is_empty() { "单位不明".to_string() } else { issue.township.clone() };
        by_township.entry(name).or_default().push(issue);
    }
    let read_of: std::collections::HashMap<&str, &ingest::FileRead> = reads.iter().map(|r| (r.input.display.as_str(), r)).collect();
    let feedback_dir = out_dir.join("feedback");
    by_township
        .par_iter()
        .map(|(township, issues)| {
            let files: Vec<&str> = {
                let mut f: Vec<&str> = issues.iter().map(|i| i.file.as_str()).collect();
                f.dedup();
                f
            };
            let sheets: Vec<(String, Vec<ingest::Grid>)> = files
                .iter()
                .filter_map(|name| read_of.get(name).copied())
                .filter(|r| r.unreadable.is_none())
                .filter_map(|r| ingest::reread_grids(&r.input.path, limits).map(|g| (r.input.display.clone(), g)))
                .collect();
            let request = report::feedback::Feedback { plan, township, period, issues, sheets: &sheets };
            let path = feedback_dir.join(report::feedback::file_name(township, period));
            report::write_atomic(&path, &report::feedback::feedback_bytes(&request)?)?;
            Ok(path)
        })
        .collect()
}

/// Wall time of each stage of a run, the CPU time it used and the process's peak memory after
/// it (the last two on Linux), for `run.log` (and `--verbose`): where a slow or large month goes.
struct Phases {
    last: Instant,
    last_cpu: Option<f64>,
    laps: Vec<(&'static str, f64, Option<f64>, Option<u64>)>,
}

impl Phases {
    fn start() -> Phases {
        Phases { last: Instant::now(), last_cpu: cpu_seconds(), laps: Vec::new() }
    }

    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        let cpu = cpu_seconds();
        // VmHWM: the resident high-water mark so far, in kB.
        let peak = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
            s.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        });
        let used = cpu.zip(self.last_cpu).map(|(now, before)| now - before);
        self.laps.push((name, (now - self.last).as_secs_f64(), used, peak));
        self.last = now;
        self.last_cpu = cpu;
    }

    /// A stage that ran alongside the others (on another core): its own wall time.
    fn alongside(&mut self, name: &'static str, seconds: f64) {
        self.laps.push((name, seconds, None, None));
    }

    fn summary(&self) -> String {
        self.laps
            .iter()
            .map(|(name, s, cpu, peak)| {
                let mut extra = Vec::new();
                if let Some(cpu) = cpu {
                    extra.push(format!("CPU {cpu:.2} 秒"));
                }
                if let Some(kb) = peak {
                    extra.push(format!("峰值内存 {} MB", kb / 1024));
                }
                if extra.is_empty() { format!("{name} {s:.2} 秒") } else { format!("{name} {s:.2} 秒（{}）", extra.join("，")) }
            })
            .collect::<Vec<_>>()
            .join("，")
    }
}

/// Return freed heap memory to the OS. glibc keeps freed memory in its per-thread arenas for
/// reuse, where a later allocation of another thread or size often cannot use it: at province
/// scale last month's frame and values are a few hundred MB, freed before validation and before
/// the facts are built, and without this the process's resident peak is their sum.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only returns free pages of the allocator's arenas to the OS.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// User + system CPU time of this process so far (Linux, at the usual 100 ticks per second).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split_whitespace().collect();
    Some((fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?) as f64 / 100.0)
}
