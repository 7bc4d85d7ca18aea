//! Subcommands: each parses its arguments, loads the plan and calls the stages. Nothing here
//! computes; see the stage modules.

pub mod check;
pub mod plan;
pub mod run;
pub mod template;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{ExitCode, Result};

#[derive(Debug, Parser)]
#[command(name = "zhenxing", version = crate::LONG_VERSION, about = "乡村振兴重点指标月度统计：镇街报表校验、汇总与进度通报", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 校验、入库、汇总并生成本月通报
    #[command(
        before_help = "示例:\n  zhenxing run\n  zhenxing run --period 2024-06\n  zhenxing run --period last-month --plan echeng-2024 --quiet\n  zhenxing run --if-changed"
    )]
    Run(run::RunArgs),
    /// 只校验报表，列出问题，不写任何文件
    #[command(
        before_help = "示例:\n  zhenxing check input/2024-06/\n  zhenxing check 长岭街道_2024年06月.xlsx --period 2024-06\n  zhenxing check input/2024-06 --format json"
    )]
    Check(check::CheckArgs),
    /// 按方案生成镇街空白填报模板
    #[command(
        before_help = "示例:\n  zhenxing template --period 2024-07\n  zhenxing template --period 2024-07 --township 陆城镇 --output templates/"
    )]
    Template(template::TemplateArgs),
    /// 查看或校验方案
    #[command(
        before_help = "示例:\n  zhenxing plan check\n  zhenxing plan show --plan echeng-2024\n  zhenxing plan check --plan my-plan.toml"
    )]
    Plan(plan::PlanArgs),
}

/// `--plan NAME|FILE`, shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct PlanArg {
    /// 方案：内置方案名（yunxi-2024、echeng-2024）、方案表（.xlsx）或 TOML 文件路径；默认当前目录的 plan.toml，其次 方案.xlsx，否则 yunxi-2024
    #[arg(long, value_name = "NAME|FILE")]
    pub plan: Option<String>,
}

impl PlanArg {
    /// The plan `--plan` names (or the default), with a word on stderr when it is the embedded
    /// sample for want of a plan file here.
    pub fn load(&self) -> Result<crate::plan::Plan> {
        load_plan(self.plan.as_deref())
    }
}

/// `PlanArg::load` for a `--plan` value.
pub fn load_plan(arg: Option<&str>) -> Result<crate::plan::Plan> {
    let (plan, source) = crate::ingest::plan_book::resolve_plan(arg)?;
    announce(arg, &source);
    Ok(plan)
}

/// Say on stderr which plan was taken when it may surprise: the embedded sample for want of a
/// plan file, or plan.toml over a 方案.xlsx beside it.
pub fn announce(arg: Option<&str>, source: &crate::plan::PlanSource) {
    if let Some(notice) = source.default_notice() {
        crate::text::say_err(&notice);
    }
    let workbook = crate::ingest::plan_book::DEFAULT_WORKBOOK;
    if arg.is_none()
        && matches!(source, crate::plan::PlanSource::File(_))
        && std::path::Path::new("plan.toml").is_file()
        && std::path::Path::new(workbook).is_file()
    {
        crate::text::say_err(&format!(
            "提示：当前目录同时有 plan.toml 和 {workbook}，使用 plan.toml（{workbook} 未使用）；请只留一个，或用 --plan 指定"
        ));
    }
}

/// Folders, shared by `run` and others.
#[derive(Debug, Clone, Args)]
pub struct Folders {
    /// 报表输入目录（其下为 YYYY-MM 子目录）
    #[arg(long, default_value = "input", value_name = "DIR")]
    pub input: PathBuf,
    /// 输出目录
    #[arg(long, default_value = "output", value_name = "DIR")]
    pub output: PathBuf,
    /// 历史数据库目录（Parquet）
    #[arg(long, default_value = "data", value_name = "DIR")]
    pub store: PathBuf,
}

impl Folders {
    pub fn paths(&self) -> crate::pipeline::Folders {
        crate::pipeline::Folders { input: self.input.clone(), output: self.output.clone(), store: self.store.clone() }
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(args),
        Command::Template(args) => template::template(args),
        Command::Plan(args) => plan::plan(args),
    }
}
