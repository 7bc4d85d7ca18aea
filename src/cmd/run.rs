//! `zhenxing run`: the monthly job. Parses the command line and calls `pipeline::run_month`,
//! which does the stages (see `pipeline`).

use clap::Args;

use crate::error::{ExitCode, Result};
use crate::pipeline::{self, RunConfig};

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

impl RunArgs {
    /// The run the arguments ask for.
    pub fn config(self) -> RunConfig {
        RunConfig {
            period: self.period,
            folders: self.folders.paths(),
            plan: self.plan.plan,
            if_changed: self.if_changed,
            quiet: self.quiet,
            verbose: self.verbose,
            replace: self.replace,
            pdf: self.pdf,
        }
    }
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    pipeline::run_month(&args.config())
}
