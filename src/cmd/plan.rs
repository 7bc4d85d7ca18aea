//! `zhenxing plan [show|check|new|export]`: list a plan's targets, check a plan (TOML or the plan
//! workbook) with every problem at its line or cell, start a county's plan from the national
//! division codes, or write a plan in the other format.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use crate::error::{Error, ExitCode, Result};
use crate::ingest::plan_book;
use crate::plan::Plan;

use super::PlanArg;

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub action: Option<PlanAction>,
    #[command(flatten)]
    pub plan: PlanArg,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PlanAction {
    /// 以表格列出方案的全部目标（默认）
    Show(PlanArg),
    /// 校验方案（TOML 文件或方案表），列出每处错误和提示的行号或单元格
    Check(PlanArg),
    /// 按县（区、市、旗）名称生成方案表：全部乡镇（街道）和村（社区）、标准报表、常用部门、每个专题一项待填目标
    #[command(
        before_help = "示例:\n  zhenxing plan new --district 萧县\n  zhenxing plan new --district 朝阳区 --city 长春市 --year 2025\n  zhenxing plan new --code 341322 --toml"
    )]
    New(NewArgs),
    /// 把方案转为另一种格式：方案表（.xlsx）或 TOML 文件（.toml）
    #[command(
        before_help = "示例:\n  zhenxing plan export --plan 方案.xlsx --to plan.toml\n  zhenxing plan export --plan yunxi-2024 --to 方案.xlsx"
    )]
    Export(ExportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct NewArgs {
    /// 县（区、县级市、旗）名称，如 萧县
    #[arg(long, value_name = "名称")]
    pub district: Option<String>,
    /// 同名时用所在的市或省区分，如 宿州市
    #[arg(long, value_name = "名称")]
    pub city: Option<String>,
    /// 区划代码（6位或12位），代替名称
    #[arg(long, value_name = "代码")]
    pub code: Option<String>,
    /// 方案年度（默认今年）
    #[arg(long)]
    pub year: Option<i32>,
    /// 写入的文件（默认 方案.xlsx；加 --toml 时默认 plan.toml）
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// 写 TOML 文件而不是方案表
    #[arg(long)]
    pub toml: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub plan: PlanArg,
    /// 写入的文件：.xlsx 为方案表，.toml 为 TOML
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
    /// 文件已存在时覆盖它（默认不覆盖）
    #[arg(long)]
    pub replace: bool,
}

pub fn plan(args: PlanArgs) -> Result<ExitCode> {
    match args.action {
        Some(PlanAction::New(new)) => new_plan(new),
        Some(PlanAction::Export(export)) => {
            let plan = super::load_plan(export.plan.plan.or(args.plan.plan).as_deref())?;
            if export.to.exists() && !export.replace {
                return Err(Error::Usage(format!(
                    "{} 已存在，为免覆盖未写出；请换一个文件名，或确需覆盖时加 --replace",
                    export.to.display()
                )));
            }
            write_plan(&plan, &export.to)
        }
        Some(PlanAction::Check(a)) => check(a.plan.or(args.plan.plan).as_deref()),
        Some(PlanAction::Show(a)) => show(a.plan.or(args.plan.plan).as_deref()),
        None => show(args.plan.plan.as_deref()),
    }
}

fn show(arg: Option<&str>) -> Result<ExitCode> {
    let plan = super::load_plan(arg)?;
    crate::text::say_raw(&plan.show());
    Ok(ExitCode::Clean)
}

/// Every error and warning of a plan, at its line (TOML) or sheet and cell (workbook).
fn check(arg: Option<&str>) -> Result<ExitCode> {
    let (examined, source) = plan_book::examine(arg)?;
    super::announce(arg, &source);
    let origin = source.origin();
    let lines = |lines: &[String]| lines.iter().map(|l| format!("\n  {l}")).collect::<String>();
    let warnings = if examined.warnings.is_empty() {
        String::new()
    } else {
        format!("提示（{} 处，不影响使用，请核实）：{}", examined.warnings.len(), lines(&examined.warnings))
    };
    let Some(plan) = examined.plan else {
        let errors = format!("方案 {origin} 有 {} 处错误：{}", examined.errors.len(), lines(&examined.errors));
        return Err(Error::Plan(if warnings.is_empty() { errors } else { format!("{errors}\n{warnings}") }));
    };
    if !warnings.is_empty() {
        crate::text::say(&warnings);
    }
    crate::text::say(&format!("方案 {}（{origin}）校验通过：{}。", plan.plan.id, plan.summary()));
    Ok(ExitCode::Clean)
}

fn new_plan(args: NewArgs) -> Result<ExitCode> {
    if args.district.is_none() && args.code.is_none() {
        return Err(Error::Usage("请用 --district 写明县（区、县级市、旗）名称，如 zhenxing plan new --district 萧县".into()));
    }
    let year = args.year.unwrap_or_else(|| crate::period::now_in_china().format("%Y").to_string().parse().unwrap_or(2025));
    let request = crate::plan::starter::County {
        name: args.district.as_deref().unwrap_or(""),
        city: args.city.as_deref(),
        code: args.code.as_deref(),
    };
    let plan = crate::plan::starter::new_plan(&request, year).map_err(Error::Usage)?;
    let output = args.output.unwrap_or_else(|| PathBuf::from(if args.toml { "plan.toml" } else { crate::report::plan_book::FILE_NAME }));
    if output.exists() {
        return Err(Error::Usage(format!("{} 已存在，为免覆盖未写出；请换一个文件名（--output）或先移走它", output.display())));
    }
    write_plan(&plan, &output)?;
    let next = format!("下一步：打开 {} 按方案文件填写，再运行 zhenxing plan check --plan {}", output.display(), output.display());
    crate::text::say(&format!("已按 2023 年统计用区划代码生成{}的方案：{}。{next}", plan.plan.district_full, plan.summary()));
    Ok(ExitCode::Clean)
}

/// Write a plan as the plan workbook (.xlsx) or TOML, by the file's extension.
fn write_plan(plan: &Plan, to: &Path) -> Result<ExitCode> {
    let bytes = if plan_book::is_workbook(to) { crate::report::plan_book::workbook_bytes(plan)? } else { plan.to_toml().into_bytes() };
    crate::atomic::write_bytes(to, &bytes)?;
    crate::text::say(&format!("已写出 {}", to.display()));
    Ok(ExitCode::Clean)
}
