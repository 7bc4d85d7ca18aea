//! `zhenxing check FILE|DIR…`: validate only, print the issues grouped by file, write nothing.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use rayon::prelude::*;

use crate::error::{Error, ExitCode, Result};
use crate::ingest::{self, InputFile, Limits};
use crate::period::Period;
use crate::validate;

use super::PlanArg;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// 要校验的文件或目录
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// 报送月份（YYYY-MM）；默认取目录名或文件名中的月份
    #[arg(long)]
    pub period: Option<String>,
    /// 输出格式
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// 历史数据库目录，用于“累计数小于上月”“大起大落”校验
    #[arg(long, default_value = "data", value_name = "DIR")]
    pub store: PathBuf,
    #[command(flatten)]
    pub plan: PlanArg,
}

/// Which leaf of a column group split by period (本月 | 本年累计) each file was read from: said,
/// not left to be guessed.
fn say_leaves_read(reads: &[ingest::FileRead]) {
    for read in reads {
        for table in &read.tables {
            for m in table.columns.iter().flatten() {
                if let Some(leaf) = &m.leaf {
                    crate::text::say(&format!(
                        "说明：{} {}!{}“{}”分列填报（本月、本年累计等），按“{leaf}”读取，其余列不计入汇总。",
                        read.input.display,
                        table.sheet,
                        crate::issue::a1(table.header_row, m.index),
                        m.header
                    ));
                }
            }
        }
    }
}

pub fn check(args: CheckArgs) -> Result<ExitCode> {
    let plan = args.plan.load()?;
    let mut files: Vec<InputFile> = Vec::new();
    let mut period = args.period.as_deref().map(Period::parse_arg).transpose()?;
    // Where the period came from, when it is the file's own word (said in the output).
    let mut from_file: Option<String> = None;
    for path in &args.paths {
        // A folder named like a workbook (`陆城镇_2024年06月.xlsx/`) is checked as the file it
        // poses as, and said to be a folder (E01), not looked into and passed with 0 files.
        let poses_as_workbook = path.extension().is_some() && crate::report::is_workbook_file(&path.to_string_lossy());
        if path.is_dir() && !poses_as_workbook {
            if period.is_none() {
                period = path.file_name().and_then(|n| n.to_str()).and_then(Period::parse);
            }
            let root = path.parent().unwrap_or(Path::new("."));
            files.extend(ingest::discover(path, root).map_err(|e| Error::io(path, e))?);
        } else if path.exists() {
            let department = path.parent().and_then(|p| p.file_name()).is_some_and(|n| n == ingest::DEPARTMENT_FOLDER);
            if period.is_none() {
                period = path
                    .parent()
                    .and_then(|p| if department { p.parent() } else { Some(p) })
                    .and_then(|p| p.file_name())
                    .and_then(|n| n.to_str())
                    .and_then(|n| (n.len() == 7).then(|| Period::parse(n)).flatten());
                if period.is_none() {
                    period = path.file_stem().and_then(|n| n.to_str()).and_then(Period::parse_in_name);
                    if period.is_some() {
                        from_file = Some(format!("文件名“{}”", path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()));
                    }
                }
            }
            files.push(InputFile { path: path.clone(), display: path.display().to_string(), department });
        } else {
            return Err(Error::Usage(format!("找不到 {}", path.display())));
        }
    }
    if files.is_empty() {
        let given: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Usage(format!("{} 中没有任何文件，无可检查：请指定报表文件或放有报表的文件夹", given.join("、"))));
    }
    let limits = Limits::default();
    let names = ingest::layout::PlanNames::new(&plan);
    let reads: Vec<_> = files.into_par_iter().map(|f| ingest::read_file_with(f, &plan, &names, &limits)).collect();
    // Outside a period folder and without a month in its name, a file's 填报月份 line says it.
    if period.is_none() {
        for read in &reads {
            if let Some((claim, found)) = read.claims.periods.iter().find_map(|c| validate::claimed_period(&c.text).map(|p| (c, p))) {
                period = Some(found);
                from_file = Some(format!("{} {}!{} 的填报月份“{}”", read.input.display, claim.sheet, claim.cell, claim.text));
                break;
            }
        }
    }
    let period =
        period.ok_or_else(|| Error::Usage("无法从目录名、文件名或表内“填报月份”判断报送月份，请用 --period YYYY-MM 指定".into()))?;
    let history = crate::pipeline::history::load_history(&args.store, &plan, period)?;
    let validated = validate::validate(&plan, period, &reads, &history, validate::Receipts::NONE);
    match args.format {
        OutputFormat::Csv => {
            use std::io::Write;
            let bytes = crate::report::csv::issues_csv(&validated.issues);
            // A closed pipe loses the output, never the result.
            let _ = std::io::stdout().write_all(&bytes[3..]);
        }
        OutputFormat::Json => {
            let json = serde_json::json!({
                "period": period.to_string(),
                "period_from_file": from_file,
                "history_checked": validated.history_checked,
                "files": validated.files,
                "issues": validated.issues,
            });
            crate::text::say(&serde_json::to_string_pretty(&json).expect("serialisable"));
        }
        OutputFormat::Table => {
            if let Some(source) = &from_file {
                crate::text::say(&format!("报送月份按{source}取为{}。", period.label()));
            }
            say_leaves_read(&reads);
            crate::text::say_raw(&crate::report::issues_table(&plan, &validated))
        }
    }
    // A workbook that is not counted (none of the forms, an unknown unit) is not a clean answer
    // either; a photo or a document beside the reports is.
    let uncounted = validated.files.iter().any(|f| {
        f.status == validate::FileStatus::UnknownTownship
            || (f.status == validate::FileStatus::Attachment && crate::report::is_workbook_file(&f.file))
    });
    Ok(if validated.error_count() > 0 || uncounted { ExitCode::DataProblems } else { ExitCode::Clean })
}
