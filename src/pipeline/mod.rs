//! The monthly run as a library: `run_month` takes the folders and options and does the stages
//! in order, each a function with typed inputs and outputs:
//!
//! 1. prepare (`workspace`): plan, month, locks, store migration, files (and, for `--if-changed`,
//!    the input fingerprint that decides whether to run; the one recorded is made from the
//!    digests reading takes);
//! 2. history (`history`): earlier months of the input the store lacks are stored first;
//! 3. read and validate (`ingest_period`: each file read by `ingest` and checked by
//!    `validate::FileChecker` as soon as it is read, files written meanwhile read again
//!    (`settle`), then the month accepted and its tables made), while the year's stored months
//!    are reduced (`history::reduce_history`);
//! 4. aggregate (`aggregate_month`) and write the bulletin and the files made from it
//!    (`outputs::write_outputs`) into a staging folder, while the store month is staged
//!    (`store::stage_month`) and the outputs that need no aggregate are written there
//!    (`outputs::early_outputs`);
//! 5. run.json and run.log, then put the outputs in place and commit the store month
//!    (`atomic`).
//!
//! `cmd::run` parses the command line into a `RunConfig`; the benchmark calls `run_month` too.

pub mod diag;
pub mod history;
pub mod outputs;
pub mod workspace;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::aggregate::{self, Aggregated};
use crate::error::{Error, ExitCode, Result};
use crate::ingest::{self, Limits};
use crate::period::Period;
use crate::plan::Plan;
use crate::report;
use crate::store;
use crate::validate::{self, SubmissionStatus, Validated};

use diag::{Console, Phases};

/// The folders of a run.
#[derive(Debug, Clone)]
pub struct Folders {
    pub input: PathBuf,
    pub output: PathBuf,
    pub store: PathBuf,
}

/// What `zhenxing run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// `YYYY-MM`, `last-month`, or the newest month folder of the input.
    pub period: Option<String>,
    pub folders: Folders,
    /// Plan name or file (see `Plan::resolve`).
    pub plan: Option<String>,
    pub if_changed: bool,
    pub quiet: bool,
    pub verbose: bool,
    pub replace: bool,
    pub pdf: bool,
}

pub fn run_month(args: &RunConfig) -> Result<ExitCode> {
    let started = crate::period::now_in_china();
    let mut console = Console { quiet: args.quiet, verbose: args.verbose, log: Vec::new(), run_log: None };
    let result = run_stages(args, started, &mut console);
    // A run that fails once it holds the locks (a full disk, a refused month, a damaged store)
    // leaves its outputs as they were, and says so in the month's run.log too: cron's mail may
    // be read by no one. (A run that fails before, on its plan or another run's lock, has no
    // month of its own to write in.)
    if let (Err(error), Some(log)) = (&result, console.run_log.take()) {
        let mut lines = std::mem::take(&mut console.log);
        lines.push(format!("运行失败（退出码 {}）：{error}", error.exit_code() as u8));
        if let Some(dir) = log.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = workspace::append_log(&log, started, &lines);
    }
    result
}

fn run_stages(args: &RunConfig, started: chrono::DateTime<chrono::FixedOffset>, console: &mut Console) -> Result<ExitCode> {
    let clock = Instant::now();
    let mut phases = Phases::start();
    // 1. The plan, the month, the locks and the files.
    let Some((prepared, files)) = workspace::prepare(args, console)? else {
        return Ok(ExitCode::Clean);
    };
    let folders = &args.folders;
    let limits = Limits::default();
    phases.lap("准备（方案、找文件）");
    // 2. Earlier months of the input the store lacks.
    history::backfill_history(&prepared.plan, folders, prepared.period, &limits, console)?;
    phases.lap("补建历史");
    // 3. This month read and validated, the year's stored months reduced beside.
    let month = read_month(&prepared, files, folders, &limits, args.quiet, &mut phases)?;
    if !month.reread.is_empty() {
        console.say(format!("注意：{} 在读取期间被改动（可能正在复制或同步），已按改动后的内容重新读取", month.reread.join("、")));
    }
    refuse_shrinking_month(&prepared, folders, &month, args.replace)?;
    for file in &month.validated.files {
        let unit = if file.township.is_empty() { "单位不明" } else { &file.township };
        console.detail(format!("  {}：{unit}，{}（错误 {}，警告 {}）", file.file, file.status.label(), file.errors, file.warnings));
    }
    // 4. Aggregated, and written as a set into a staging folder while the store month is
    // staged beside the stored one (see ARCHITECTURE "Outputs appear as a set").
    let staging = crate::atomic::staging_for(&prepared.out_dir)?;
    let reported = report_month(&prepared, folders, &limits, month, &staging, &mut phases)?;
    // 5. The summary, run.json and run.log; the outputs swapped into place, then the store month.
    finish(Finish { args, prepared, reported, staging, started, clock, phases, console })
}

/// A month read and validated (stage 3), and the year's stored months reduced beside it.
struct ReadMonth {
    reads: Vec<ingest::FileRead>,
    validated: Validated,
    frames: Vec<store::FormFrame>,
    /// When each input file arrived, and the record of arrivals to keep.
    arrivals: store::Arrivals,
    /// Each unit's 填报人 and 联系电话, with this month's footers.
    contacts: BTreeMap<String, store::Contact>,
    /// The input fingerprint (`run.json`, `--if-changed`).
    fingerprint: String,
    /// The year's months before this one, reduced.
    history: aggregate::Reduced,
    /// Files read again because they were written while the run read them.
    reread: Vec<String>,
}

/// Stage 3: read and validate the month's files while the year's earlier stored months are
/// reduced for aggregation.
fn read_month(
    prepared: &workspace::Prepared,
    files: Vec<ingest::InputFile>,
    folders: &Folders,
    limits: &Limits,
    quiet: bool,
    phases: &mut Phases,
) -> Result<ReadMonth> {
    let (plan, period) = (&prepared.plan, prepared.period);
    let bar = diag::progress_bar(files.len() as u64, quiet);
    let mut progress = diag::RunProgress { bar: bar.as_ref(), phases };
    let (ingested, history) = beside(
        || ingest_period(plan, folders, period, files, limits, &mut progress),
        || {
            let clock = Instant::now();
            history::reduce_history(plan, &folders.store, period).map(|reduced| (reduced, clock.elapsed().as_secs_f64()))
        },
    );
    let Ingested { reads, validated, frames, arrivals, reread } = ingested?;
    // What run.json records is what was read: with --if-changed too, where the fingerprint taken
    // before reading only decided whether to run (a file re-copied meanwhile differs).
    let fingerprint = workspace::reads_fingerprint(plan, &reads);
    let contacts = store::contacts(&folders.store, &validated, &reads, period);
    let (history, history_seconds) = history?;
    phases.alongside("读历史（与读取、校验同时）", history_seconds);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(ReadMonth { reads, validated, frames, arrivals, contacts, fingerprint, history, reread })
}

/// A month already stored is not replaced by one with less than half its rows (a copy gone
/// wrong) unless the operator says so (`--replace`).
fn refuse_shrinking_month(prepared: &workspace::Prepared, folders: &Folders, month: &ReadMonth, replace: bool) -> Result<()> {
    if !prepared.stored || replace {
        return Ok(());
    }
    let period = prepared.period;
    let rows: usize = month.frames.iter().map(|f| f.frame.height()).sum();
    let before = store::month_record(&folders.store, period).map(|r| r.rows()).unwrap_or(0);
    if before > 0 && rows * 2 < before {
        return Err(Error::Refused(format!(
            "{period} 本次采用的数据（{rows} 行）不到历史数据库中该月已有数据（{before} 行）的一半，为免误替换，本次未写出任何结果。请检查 {} 中的文件；如确需替换，请加 --replace",
            prepared.period_dir.display()
        )));
    }
    Ok(())
}

/// What stage 4 made: the month's aggregates and files, and its store month staged.
struct Reported {
    reads: Vec<ingest::FileRead>,
    validated: Validated,
    aggregated: Aggregated,
    staged: store::StagedMonth,
    /// Every file written into the staging folder.
    written: Vec<PathBuf>,
    arrivals: store::Arrivals,
    contacts: BTreeMap<String, store::Contact>,
    fingerprint: String,
}

/// Stage 4: aggregation (mostly on one core), then the bulletin and the other files made from
/// it; meanwhile the store month is staged (beside the one in place, not yet committed) and the
/// outputs that need no aggregate are written: the topics' detail CSV files and the feedback
/// workbooks. Those have a rayon pool of their own: in the global one, aggregation's and the
/// bulletin's parallel steps would wait behind every feedback workbook queued there.
fn report_month(
    prepared: &workspace::Prepared,
    folders: &Folders,
    limits: &Limits,
    month: ReadMonth,
    staging: &Path,
    phases: &mut Phases,
) -> Result<Reported> {
    let (plan, period) = (&prepared.plan, prepared.period);
    let ReadMonth { reads, validated, frames, arrivals, contacts, fingerprint, history, .. } = month;
    let to_store: Vec<store::FormFrame> =
        frames.iter().map(|f| store::FormFrame { form: f.form.clone(), frame: f.frame.clone() }).collect();
    let (reported, alongside) = beside(
        || -> Result<_> {
            let (aggregated, month_frame) = aggregate_month(plan, &folders.store, period, &frames, &validated, history)?;
            diag::release_freed_memory();
            phases.lap("汇总");
            let written = outputs::write_outputs(plan, &validated, &aggregated, &contacts, staging, &fingerprint, phases)?;
            Ok((aggregated, month_frame, written))
        },
        || {
            let clock = Instant::now();
            let work = || {
                let staged = store::stage_month(&folders.store, plan, period, to_store);
                (staged, outputs::early_outputs(plan, &validated, &reads, limits, staging))
            };
            let (staged, early) = match rayon::ThreadPoolBuilder::new().num_threads(rayon::current_num_threads()).build() {
                Ok(pool) => pool.install(work),
                Err(_) => work(),
            };
            (staged, early, clock.elapsed().as_secs_f64())
        },
    );
    drop(frames);
    let (staged, early, alongside_seconds) = alongside;
    let (aggregated, mut month_frame, written) = reported?;
    let (staged, early) = (staged?, early?);
    phases.alongside("存入历史库、明细与反馈表（与汇总、通报同时）", alongside_seconds);
    staged.add_derived(&history::reduction_key(plan), &mut month_frame)?;
    let written = early.listed_with(written);
    Ok(Reported { reads, validated, aggregated, staged, written, arrivals, contacts, fingerprint })
}

/// What the last stage needs.
struct Finish<'a> {
    args: &'a RunConfig,
    prepared: workspace::Prepared,
    reported: Reported,
    staging: PathBuf,
    started: chrono::DateTime<chrono::FixedOffset>,
    clock: Instant,
    phases: Phases,
    console: &'a mut Console,
}

/// Stage 5: the PDF if asked, the console summary, run.json and run.log, then the outputs in
/// one step and the store month after them (the previous month stays until the outputs are in
/// place), and what the store learnt of arrivals and contacts.
fn finish(finish: Finish<'_>) -> Result<ExitCode> {
    let Finish { args, prepared, reported, staging, started, clock, phases, console } = finish;
    let Reported { reads, validated, aggregated, staged, written, arrivals, contacts, fingerprint } = reported;
    let (plan, period, out_dir) = (prepared.plan, prepared.period, prepared.out_dir);
    if args.pdf
        && let Err(reason) = outputs::bulletin_pdf(&staging.join(report::bulletin::file_name(&plan, period)))
    {
        console.say(format!("警告：未生成 PDF（{reason}）；通报的 Excel 文件照常生成"));
    }
    let exit = exit_code(&validated);
    summarise(console, &plan, &validated);
    for path in &written {
        let shown = out_dir.join(path.strip_prefix(&staging).unwrap_or(path));
        console.detail(format!("  已写出 {}", shown.display()));
    }
    console.detail(format!("分阶段用时：{}", phases.summary()));
    console.say(format!("已生成 {}（{} 个文件，用时 {:.1} 秒）", out_dir.display(), written.len(), clock.elapsed().as_secs_f64()));
    let record = workspace::run_record(&plan, &validated, started, fingerprint, staged.sha256(), exit);
    let json = serde_json::to_vec_pretty(&record).expect("serialisable");
    crate::atomic::write_bytes(&staging.join("run.json"), &json)?;
    // run.log goes on from the previous runs' lines.
    let old_log = out_dir.join("run.log");
    if old_log.is_file() {
        std::fs::copy(&old_log, staging.join("run.log")).map_err(|e| Error::io(&old_log, e))?;
    }
    workspace::append_log(&staging.join("run.log"), started, &console.log)?;
    crate::atomic::swap_into_place(&staging, &out_dir)?;
    // The store month last, naming this run: until it is in place, `--if-changed` runs again
    // (see `workspace::unchanged_since_last_run`), so arrivals and contacts go before it.
    store::keep_arrivals(&args.folders.store, &arrivals);
    store::keep_contacts(&args.folders.store, &contacts);
    staged.commit(store::submissions(&validated), Some(record.started.clone()))?;
    // A province-month's records, issues and results are millions of allocations: they are
    // freed on another thread, and a process that exits now does not wait for that.
    // (`Builder::spawn`, not `thread::spawn`, which panics when no thread can be started: then
    // the closure, and the results with it, are freed here instead.)
    let results = (validated, aggregated, reads, plan);
    let _ = std::thread::Builder::new().spawn(move || drop(results));
    Ok(exit)
}

/// 1 when there are data problems (errors, townships or lead departments missing or 数据有误),
/// else 0. A department not due this month is neither.
fn exit_code(validated: &Validated) -> ExitCode {
    let missing_or_rejected = |status| validated.count(status) + validated.department_count(status) > 0;
    let problems =
        validated.error_count() > 0 || missing_or_rejected(SubmissionStatus::Missing) || missing_or_rejected(SubmissionStatus::Rejected);
    if problems { ExitCode::DataProblems } else { ExitCode::Clean }
}

/// The console's summary of who reported and what was found.
fn summarise(console: &mut Console, plan: &Plan, validated: &Validated) {
    console.say(format!(
        "报送情况：应报 {} 个，已报送 {} 个，未报送 {} 个，数据有误 {} 个；问题：错误 {} 个，警告 {} 个",
        plan.units.len(),
        validated.count(SubmissionStatus::Reported),
        validated.count(SubmissionStatus::Missing),
        validated.count(SubmissionStatus::Rejected),
        validated.error_count(),
        validated.warning_count()
    ));
    let departments = validated.department_counts();
    if !departments.is_empty() {
        let early = if departments.early.is_empty() {
            String::new()
        } else {
            format!("，另有{}提前报送（未到报送期）", departments.early.join("、"))
        };
        console.say(format!("部门台账：应报 {} 个单位，已报送 {} 个{early}", departments.due, departments.reported));
    }
    for t in validated.townships.iter().filter(|t| t.status != SubmissionStatus::Reported) {
        console.say(format!("  {}：{}", t.township, report::unit_status_text(plan, t)));
    }
    if !validated.history_checked {
        console.say("注：历史数据库中没有上月数据，未做“累计数小于上月”“大起大落”校验".to_string());
    }
}

/// `main` here and `side` on a thread of its own, at the same time; both results.
///
/// Not `rayon::join` for work that waits on polars: polars runs on a pool of its own, and a
/// rayon worker that waits for another pool takes on tasks of its own pool meanwhile (rayon's
/// cross-pool wait). So last month's values, read beside the files on a worker, were finished
/// only after the last file had been read, by one core, and the validation waited for them. A
/// thread that is no worker just waits; `main`'s and `side`'s own rayon work goes to the global
/// pool as before. When no thread can be started, `side` runs after `main`.
fn beside<A, B>(main: impl FnOnce() -> A, side: impl FnOnce() -> B + Send) -> (A, B)
where
    B: Send,
{
    // Taken by the thread, or by this one if the thread cannot be started.
    let side = std::sync::Mutex::new(Some(side));
    let take = || side.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take().expect("taken once");
    std::thread::scope(|scope| match std::thread::Builder::new().spawn_scoped(scope, || take()()) {
        Ok(handle) => {
            let a = main();
            (a, handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        }
        Err(_) => {
            let a = main();
            (a, take()())
        }
    })
}

/// One period's files read, validated and turned into the month's tables.
pub struct Ingested {
    pub reads: Vec<ingest::FileRead>,
    pub validated: Validated,
    pub frames: Vec<store::FormFrame>,
    /// When each file arrived (the first time a run saw it), as the store keeps it.
    pub arrivals: store::Arrivals,
    /// The files read again because they were written while the run read (see `settle`).
    pub reread: Vec<String>,
}

/// Read, validate and turn into tables the files of one period; `progress` hears of each file
/// read and each stage's end.
pub fn ingest_period(
    plan: &Plan,
    folders: &Folders,
    period: Period,
    files: Vec<ingest::InputFile>,
    limits: &Limits,
    progress: &mut dyn diag::Progress,
) -> Result<Ingested> {
    // Last month's values are read from the store while the files are (on a thread of its own,
    // see `beside`); each file is checked as soon as they are there and it is read, and its rows
    // are freed then: a month's rows are never all held at once (ten files of 100,000 rows held
    // 950 MB between reading and validation).
    let names = ingest::layout::PlanNames::new(plan);
    let file_read: &dyn diag::Progress = progress;
    // The checker, once last month's values are read (`None` when they could not be: the error
    // is the side's).
    let checker: std::sync::OnceLock<Option<validate::FileChecker>> = std::sync::OnceLock::new();
    let read_and_check = |file: ingest::InputFile| {
        let mut read = ingest::read_file_with(file, plan, &names, limits);
        let check = checker.wait().as_ref().map(|checker| checker.check(&read));
        for table in &mut read.tables {
            table.rows = Vec::new();
        }
        (read, check)
    };
    let (checked, history_seconds) = beside(
        || -> Vec<_> {
            files
                .into_par_iter()
                .map(|f| {
                    let checked = read_and_check(f);
                    file_read.file_read();
                    checked
                })
                .collect()
        },
        || {
            // Whatever happens here (a panic too), the readers waiting for the checker go on.
            let _unblock = Unblock(&checker);
            let clock = Instant::now();
            let history = history::load_history(&folders.store, plan, period);
            let (checker_or_none, result) = match history {
                Ok(history) => (Some(validate::FileChecker::new(plan, period, history)), Ok(())),
                Err(e) => (None, Err(e)),
            };
            let _ = checker.set(checker_or_none);
            result.map(|()| clock.elapsed().as_secs_f64())
        },
    );
    let history_seconds = history_seconds?;
    let (mut reads, checks): (Vec<ingest::FileRead>, Vec<Option<validate::FileChecked>>) = checked.into_iter().unzip();
    let mut checks: Vec<validate::FileChecked> = checks.into_iter().map(|c| c.expect("checked: the history was read")).collect();
    let reread = settle(&mut reads, &mut checks, &read_and_check);
    diag::release_freed_memory();
    progress.lap("读取与逐个校验");
    progress.alongside("读上月（与读取同时）", history_seconds);
    // When each file arrived (the first time a run saw it) and who is late.
    let arrivals = store::arrivals(&folders.store, &reads);
    let receipts = validate::Receipts { arrived: Some(&arrivals.by_file), deadline: plan.submission_deadline(period) };
    let checker = checker.into_inner().flatten().expect("the history was read");
    let (validated, history) = checker.accept(&reads, checks, receipts);
    // Last month's values (a province's are a million small allocations) are freed on another
    // core, as is what was read below.
    rayon::spawn(move || drop(history));
    // What was read is in the records and issues now; later stages need only each file's name,
    // path and readability, and the content of files with marked cells (issues at a cell, not yet
    // explained), which their feedback workbooks copy.
    let marked: std::collections::HashSet<&str> =
        validated.issues.iter().filter(|i| i.explanation.is_empty() && !i.cell.is_empty()).map(|i| i.file.as_str()).collect();
    reads.par_iter_mut().for_each(|read| {
        if !marked.contains(read.input.display.as_str()) {
            read.content = Vec::new();
        }
        read.tables = Vec::new();
        // The footer's 填报人 and 联系电话 are kept for the 催报 list.
        read.claims.townships = Vec::new();
        read.claims.periods = Vec::new();
        read.claims.titles = Vec::new();
        read.issues = Vec::new();
    });
    diag::release_freed_memory();
    progress.lap("采用（各单位计入哪些表）");
    let frames = store::form_frames(plan, &validated.records).map_err(Error::Aggregate)?;
    progress.lap("事实表");
    Ok(Ingested { reads, validated, frames, arrivals, reread })
}

/// Sets the checker to none, if nothing set it, when dropped: the readers waiting for it never
/// wait for ever.
struct Unblock<'a, 'p>(&'a std::sync::OnceLock<Option<validate::FileChecker<'p>>>);

impl Drop for Unblock<'_, '_> {
    fn drop(&mut self) {
        let _ = self.0.set(None);
    }
}

/// How many times the files written while they were read are read again (see `settle`).
const SETTLE_ROUNDS: usize = 3;

/// Files written since they were read (a sync tool truncated one and wrote it again while the
/// run read the others; a copy finished) are read and checked again (`read_and_check`), so that
/// what the run reports is what the folder holds, not a half-copied file made 数据有误. Their
/// names, for the console; a file still changing after `SETTLE_ROUNDS` keeps its last read, and
/// the fingerprint the run records is of what was read, so that the next `--if-changed` run
/// sees the difference and runs.
fn settle<C: Send>(
    reads: &mut [ingest::FileRead],
    checks: &mut [C],
    read_and_check: &(dyn Fn(ingest::InputFile) -> (ingest::FileRead, Option<C>) + Sync),
) -> Vec<String> {
    let mut reread = Vec::new();
    for _ in 0..SETTLE_ROUNDS {
        let changed: Vec<(&mut ingest::FileRead, &mut C)> =
            reads.iter_mut().zip(checks.iter_mut()).filter(|(r, _)| r.changed_since_read()).collect();
        if changed.is_empty() {
            break;
        }
        for (read, _) in &changed {
            if !reread.contains(&read.input.display) {
                reread.push(read.input.display.clone());
            }
        }
        changed.into_par_iter().for_each(|(read, check)| {
            let (again, checked) = read_and_check(read.input.clone());
            *read = again;
            if let Some(checked) = checked {
                *check = checked;
            }
        });
    }
    reread
}

/// Stage 4: the month aggregated: this month's tables reduced (one polars query per form) and
/// added to the year's stored months reduced alongside reading, the ledger's texts, the targets
/// evaluated, and 同比 from the same month of the previous year where the store holds it.
fn aggregate_month(
    plan: &Plan,
    store_dir: &Path,
    period: Period,
    frames: &[store::FormFrame],
    validated: &Validated,
    mut reduced: aggregate::Reduced,
) -> Result<(Aggregated, polars::prelude::DataFrame)> {
    let statuses: Vec<(String, String, SubmissionStatus)> =
        validated.townships.iter().flat_map(|t| t.forms.iter().map(|f| (t.township.clone(), f.form.clone(), f.status))).collect();
    let err = Error::Aggregate;
    let current = plan
        .forms
        .iter()
        .filter_map(|form| {
            let frame = frames.iter().find(|f| f.form == form.id)?;
            Some(aggregate::FormRows { form, rows: aggregate::frame_rows(plan, form, &frame.frame, period) })
        })
        .collect();
    // Who was counted this month comes from `statuses` (aggregate_reduced).
    aggregate::reduce(plan, current, &mut reduced).map_err(err)?;
    // Kept with the stored month, so that later runs need not reduce it again.
    let month_frame = reduced.month_frame(plan, period).map_err(err)?;
    let ledger = aggregate::ledger_texts(plan, frames).map_err(err)?;
    // 同比: the same month of the previous year, where the store holds it.
    let last_year = match Period::new(period.year - 1, period.month) {
        Some(year_ago) if store::periods(store_dir).contains(&year_ago) => {
            aggregate::month_values(plan, year_ago, &history::reduce_stored(plan, store_dir, &[year_ago])?)
        }
        _ => BTreeMap::new(),
    };
    let aggregated = aggregate::aggregate_reduced(
        plan,
        reduced,
        aggregate::MonthInput { period, ledger: &ledger, statuses, last_year, records: &validated.records },
    )?;
    Ok((aggregated, month_frame))
}
