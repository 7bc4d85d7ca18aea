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

use crate::aggregate::{self, AggregateInput, Aggregated};
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
}

/// The lock file that keeps two runs from writing the same outputs.
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
    pub history_checked: bool,
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
            println!("{line}");
        }
        self.log.push(line);
    }

    fn detail(&mut self, line: String) {
        if self.verbose && !self.quiet {
            println!("{line}");
        }
        self.log.push(line);
    }
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let started = chrono::Local::now();
    let clock = Instant::now();
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
    let mut console = Console { quiet: args.quiet, verbose: args.verbose, log: Vec::new() };
    let plan_name = match &source {
        PlanSource::Shipped(name) => name.to_string(),
        PlanSource::File(path) => path.display().to_string(),
    };
    console.say(format!("zhenxing {}：{} {}，方案 {}", crate::VERSION, plan.plan.district_full, period.label(), plan_name));

    let files = ingest::discover(&period_dir, &folders.input).map_err(|e| Error::io(&period_dir, e))?;
    let out_dir = folders.output.join(period.to_string());
    let fingerprint = input_fingerprint(&plan, &files);
    if args.if_changed && previous_fingerprint(&out_dir).as_deref() == Some(fingerprint.as_str()) {
        console.say(format!("{period} 的输入文件与上次运行相同，跳过（去掉 --if-changed 可强制重算）"));
        return Ok(ExitCode::Clean);
    }

    let limits = Limits::default();
    backfill_history(&plan, folders, period, &limits, &mut console)?;
    let bar = progress_bar(files.len() as u64, args.quiet);
    let (reads, validated, mut facts) = ingest_period(&plan, folders, period, files, &limits, bar.as_ref())?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for file in &validated.files {
        console.detail(format!("  {}：{}，{}（错误 {}，警告 {}）", file.file, if file.township.is_empty() { "单位不明" } else { &file.township }, file.status.label(), file.errors, file.warnings));
    }
    store::write_partition(&folders.store, period, &mut facts)?;
    let year_facts = year_facts(&folders.store, period, &facts)?;
    let statuses: Vec<(String, SubmissionStatus)> = validated.townships.iter().map(|t| (t.township.clone(), t.status)).collect();
    let aggregated = aggregate::aggregate(AggregateInput { plan: &plan, period, facts: year_facts, statuses })?;

    let written = write_outputs(&plan, &validated, &aggregated, &out_dir, &reads, &limits, &fingerprint)?;
    let exit = if validated.error_count() > 0 || validated.count(SubmissionStatus::Missing) > 0 || validated.count(SubmissionStatus::Rejected) > 0 {
        ExitCode::DataProblems
    } else {
        ExitCode::Clean
    };
    let units = plan.units.len();
    console.say(format!(
        "报送情况：应报 {units} 个，已报送 {} 个，未报送 {} 个，数据有误 {} 个；问题：错误 {} 个，警告 {} 个",
        validated.townships.iter().filter(|t| t.status == SubmissionStatus::Reported && plan.unit(&t.township).is_some()).count(),
        validated.count(SubmissionStatus::Missing) - validated.townships.iter().filter(|t| t.status == SubmissionStatus::Missing && plan.unit(&t.township).is_none()).count(),
        validated.count(SubmissionStatus::Rejected),
        validated.error_count(),
        validated.warning_count()
    ));
    for t in validated.townships.iter().filter(|t| t.status != SubmissionStatus::Reported) {
        console.say(format!("  {}：{}", t.township, t.status.label()));
    }
    if !validated.history_checked {
        console.say("注：历史数据库中没有上月数据，未做“累计数小于上月”“大起大落”校验".to_string());
    }
    for path in &written {
        console.detail(format!("  已写出 {}", path.display()));
    }
    console.say(format!("已生成 {}（{} 个文件，用时 {:.1} 秒）", out_dir.display(), written.len(), clock.elapsed().as_secs_f64()));

    let record = RunRecord {
        tool_version: crate::VERSION.to_string(),
        plan_id: plan.plan.id.clone(),
        plan_sha256: plan.source_sha256.clone(),
        period: period.to_string(),
        started: started.to_rfc3339(),
        finished: chrono::Local::now().to_rfc3339(),
        input_fingerprint: fingerprint,
        inputs: validated
            .files
            .iter()
            .map(|f| RunInput { path: f.file.clone(), sha256: f.sha256.clone(), township: f.township.clone(), status: f.status.label().to_string(), errors: f.errors, warnings: f.warnings })
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
        history_checked: validated.history_checked,
        exit_code: exit as u8,
    };
    let json = serde_json::to_vec_pretty(&record).expect("serialisable");
    report::write_atomic(&out_dir.join("run.json"), &json)?;
    append_log(&out_dir.join("run.log"), started, &console.log)?;
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
) -> Result<(Vec<ingest::FileRead>, Validated, polars::prelude::DataFrame)> {
    let reads: Vec<ingest::FileRead> = files
        .into_par_iter()
        .map(|f| {
            let read = ingest::read_file(f, plan, limits);
            if let Some(bar) = bar {
                bar.inc(1);
            }
            read
        })
        .collect();
    let history = load_history(&folders.store, plan, period)?;
    let validated = validate::validate(plan, period, &reads, &history);
    let facts = store::facts_frame(&plan.plan.id, &validated.records, plan).map_err(|e| Error::Aggregate(e.to_string()))?;
    Ok((reads, validated, facts))
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
        let (_, validated, mut facts) = ingest_period(plan, folders, earlier, files, limits, None)?;
        store::write_partition(&folders.store, earlier, &mut facts)?;
        let reported = validated.townships.iter().filter(|t| t.status == SubmissionStatus::Reported && plan.unit(&t.township).is_some()).count();
        console.say(format!("补建历史数据 {earlier}：采用 {reported} 个镇（街道）的报表（该月通报未生成，可用 --period {earlier} 生成）"));
    }
    Ok(())
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

/// Take the run lock in the output folder, or fail at once. The OS releases it if we crash.
fn acquire_lock(output: &Path) -> Result<File> {
    let path = output.join(LOCK_FILE);
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

/// Last month's values from the store, for the cross-period rules.
pub fn load_history(store_dir: &Path, plan: &Plan, period: Period) -> Result<History> {
    let previous = period.previous();
    if !store::periods(store_dir).contains(&previous) {
        return Ok(History::default());
    }
    let df = store::read_periods(store_dir, &[previous])?;
    let err = |e: polars::prelude::PolarsError| Error::Store { path: store_dir.to_path_buf(), message: e.to_string() };
    let get_str = |name: &str| df.column(name).and_then(|c| c.as_materialized_series().str().cloned()).map_err(err);
    let township = get_str("township")?;
    let form = get_str("form")?;
    let key = get_str("record_key")?;
    let column = get_str("column")?;
    let plan_id = get_str("plan_id")?;
    let value = df.column("value").and_then(|c| c.as_materialized_series().f64().cloned()).map_err(err)?;
    let mut history = History { period: Some(previous), townships: Default::default() };
    for i in 0..df.height() {
        if plan_id.get(i) != Some(plan.plan.id.as_str()) {
            continue;
        }
        if let (Some(t), Some(f), Some(k), Some(c), Some(v)) = (township.get(i), form.get(i), key.get(i), column.get(i), value.get(i)) {
            history.townships.entry(t.to_string()).or_default().insert((f.to_string(), k.to_string(), c.to_string()), v);
        }
    }
    Ok(history)
}

/// The year's facts up to `period`: history partitions plus the current facts.
fn year_facts(store_dir: &Path, period: Period, current: &polars::prelude::DataFrame) -> Result<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let earlier: Vec<Period> = store::periods(store_dir).into_iter().filter(|p| p.year == period.year && *p < period).collect();
    let history = store::read_periods(store_dir, &earlier)?;
    let current = current.clone().lazy().with_column(lit(period.to_string()).alias("period"));
    concat([history.lazy(), current], UnionArgs::default())
        .and_then(|lf| lf.collect())
        .map_err(|e| Error::Aggregate(e.to_string()))
}

fn input_fingerprint(plan: &Plan, files: &[ingest::InputFile]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(crate::VERSION.as_bytes());
    hasher.update(plan.source_sha256.as_bytes());
    for file in files {
        hasher.update(file.display.as_bytes());
        if let Ok(bytes) = std::fs::read(&file.path) {
            hasher.update(Sha256::digest(&bytes));
        }
    }
    crate::plan::hex(&hasher.finalize())
}

fn previous_fingerprint(out_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(out_dir.join("run.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.get("input_fingerprint")?.as_str().map(str::to_string)
}

fn append_log(path: &Path, started: chrono::DateTime<chrono::Local>, lines: &[String]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| Error::io(path, e))?;
    let stamp = started.format("%Y-%m-%d %H:%M:%S");
    for line in lines {
        writeln!(file, "[{stamp}] {line}").map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

/// Every report file, each written atomically. Returns the paths written.
fn write_outputs(
    plan: &Plan,
    validated: &Validated,
    aggregated: &Aggregated,
    out_dir: &Path,
    reads: &[ingest::FileRead],
    limits: &Limits,
    fingerprint: &str,
) -> Result<Vec<PathBuf>> {
    let period = validated.period;
    let mut written = Vec::new();
    let mut put = |path: PathBuf, bytes: Vec<u8>| -> Result<()> {
        report::write_atomic(&path, &bytes)?;
        written.push(path);
        Ok(())
    };
    let bulletin = report::workbook::Bulletin { plan, validated, aggregated, input_fingerprint: fingerprint };
    put(out_dir.join(report::workbook::file_name(plan, period)), report::workbook::bulletin_bytes(&bulletin)?)?;
    put(out_dir.join("progress.csv"), report::csv::progress_csv(aggregated))?;
    put(out_dir.join("townships.csv"), report::csv::townships_csv(aggregated))?;
    put(out_dir.join("issues.csv"), report::csv::issues_csv(&validated.issues))?;

    // Feedback workbooks: one per township with issues, with a copy of its sheets' values.
    let mut by_township: BTreeMap<String, Vec<&crate::issue::Issue>> = BTreeMap::new();
    for issue in &validated.issues {
        let name = if issue.township.is_empty() { "单位不明".to_string() } else { issue.township.clone() };
        by_township.entry(name).or_default().push(issue);
    }
    let feedback_dir = out_dir.join("feedback");
    for (township, issues) in &by_township {
        let files: Vec<&str> = {
            let mut f: Vec<&str> = issues.iter().map(|i| i.file.as_str()).collect();
            f.dedup();
            f
        };
        let sheets: Vec<(String, Vec<ingest::Grid>)> = files
            .iter()
            .filter_map(|name| reads.iter().find(|r| r.input.display == *name))
            .filter(|r| r.unreadable.is_none())
            .filter_map(|r| ingest::reread_grids(&r.input.path, limits).map(|g| (r.input.display.clone(), g)))
            .collect();
        let request = report::feedback::Feedback { plan, township, period, issues, sheets: &sheets };
        put(feedback_dir.join(report::feedback::file_name(township, period)), report::feedback::feedback_bytes(&request)?)?;
    }
    Ok(written)
}
