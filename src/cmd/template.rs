//! `zhenxing template`: blank township workbooks (and the department ledger) for a period.

use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, ExitCode, Result};
use crate::period::Period;
use crate::report::template::{TemplateRequest, file_name, workbook_bytes};

use super::PlanArg;

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// 填报月份（YYYY-MM），默认为上个月
    #[arg(long)]
    pub period: Option<String>,
    /// 只生成这个填报单位的模板：镇（街道）或牵头部门（如“区民政局”）；“区直部门”生成全部指标的汇总台账
    #[arg(long)]
    pub township: Option<String>,
    /// 输出目录
    #[arg(long, default_value = "templates", value_name = "DIR")]
    pub output: PathBuf,
    /// 历史数据库：有上月数据时，模板预填村（社区）、耕地等时点数和项目基本信息，累计数旁以批注提示上月值
    #[arg(long, default_value = "data", value_name = "DIR")]
    pub store: PathBuf,
    #[command(flatten)]
    pub plan: PlanArg,
}

pub fn template(args: TemplateArgs) -> Result<ExitCode> {
    let plan = args.plan.load()?;
    let period = match args.period.as_deref() {
        Some(text) => Period::parse_arg(text)?,
        None => crate::period::Period::last_month(),
    };
    // Townships, then each department's own ledger (the targets it leads).
    let mut units: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
    units.extend(plan.departments());
    let mut wanted_units = units.clone();
    if plan.has_ledger() {
        // The combined ledger only on request (`--township 区直部门`).
        wanted_units.push(plan.combined_ledger().to_string());
    }
    if let Some(wanted) = &args.township {
        if !wanted_units.contains(wanted) {
            let hint = crate::text::closest(wanted, wanted_units.iter().map(String::as_str))
                .map(|s| format!("，是否为“{s}”？"))
                .unwrap_or_default();
            return Err(Error::Usage(format!("“{wanted}”不是方案 {} 的填报单位{hint}", plan.plan.id)));
        }
        units = vec![wanted.clone()];
    }
    // The latest stored month before this one, for prefilling.
    let last = crate::store::periods(&args.store).into_iter().filter(|p| *p < period).max();
    let stored = last.and_then(|p| crate::store::read_records(&args.store, &plan, p, None).ok());
    if let Some(p) = last
        && stored.is_some()
    {
        crate::text::say(&format!("按历史数据库中 {} 的数据预填（时点数和项目信息），累计数请各单位填写", p.label()));
    }
    for unit in &units {
        let filled = match (&stored, last) {
            (Some(records), Some(p)) if !plan.is_department(unit) => {
                crate::report::template::prefilled_forms(&plan, unit, records, p.year == period.year, &format!("{}所填", p.label()))
            }
            _ => Default::default(),
        };
        let request = TemplateRequest { plan: &plan, unit, period, filled, protect: true };
        let bytes = workbook_bytes(&request)?;
        let dir = if plan.is_department(unit) { args.output.join(crate::ingest::DEPARTMENT_FOLDER) } else { args.output.clone() };
        let path = dir.join(file_name(unit, period));
        crate::atomic::write_bytes(&path, &bytes)?;
        crate::text::say(&format!("已生成 {}", path.display()));
    }
    Ok(ExitCode::Clean)
}
