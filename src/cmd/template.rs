//! `zhenxing template`: blank township workbooks (and the department ledger) for a period.

use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, ExitCode, Result};
use crate::period::Period;
use crate::plan::{Plan, Reporter};
use crate::report::template::{TemplateRequest, file_name, workbook_bytes};
use crate::validate::DEPARTMENTS;

use super::PlanArg;

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// 填报月份（YYYY-MM），默认为上个月
    #[arg(long)]
    pub period: Option<String>,
    /// 只生成这个镇（街道）的模板；“区直部门”生成部门台账
    #[arg(long)]
    pub township: Option<String>,
    /// 输出目录
    #[arg(long, default_value = "templates", value_name = "DIR")]
    pub output: PathBuf,
    #[command(flatten)]
    pub plan: PlanArg,
}

pub fn template(args: TemplateArgs) -> Result<ExitCode> {
    let (plan, _) = Plan::resolve(args.plan.plan.as_deref())?;
    let period = match args.period.as_deref() {
        Some(text) => Period::parse_arg(text)?,
        None => last_month(),
    };
    let mut units: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
    if plan.forms.iter().any(|f| f.reporter == Reporter::Department) {
        units.push(DEPARTMENTS.to_string());
    }
    if let Some(wanted) = &args.township {
        if !units.contains(wanted) {
            let hint =
                crate::text::closest(wanted, units.iter().map(String::as_str)).map(|s| format!("，是否为“{s}”？")).unwrap_or_default();
            return Err(Error::Usage(format!("“{wanted}”不是方案 {} 的填报单位{hint}", plan.plan.id)));
        }
        units.retain(|u| u == wanted);
    }
    for unit in &units {
        let request = TemplateRequest { plan: &plan, unit, period, filled: Default::default(), protect: true };
        let bytes = workbook_bytes(&request)?;
        let dir = if unit == DEPARTMENTS { args.output.join(crate::ingest::DEPARTMENT_FOLDER) } else { args.output.clone() };
        let path = dir.join(file_name(unit, period));
        crate::report::write_atomic(&path, &bytes)?;
        println!("已生成 {}", path.display());
    }
    Ok(ExitCode::Clean)
}

/// The month before today's.
pub fn last_month() -> Period {
    use chrono::Datelike;
    let today = chrono::Local::now().date_naive();
    Period::new(today.year(), today.month()).expect("valid month").previous()
}
