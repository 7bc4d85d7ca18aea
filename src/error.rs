//! The library's one error type and the process exit codes, in one place.
//!
//! Bad input data is not an error (it becomes `issue::Issue`s); `Error` means the job itself
//! could not be done: the plan is wrong, a directory cannot be written, another run holds the lock.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan file is missing or wrong. Message is user-facing Chinese.
    #[error("{0}")]
    Plan(String),
    /// The plan file is not valid TOML (or not a plan): where, and what, in Chinese. (The TOML
    /// error is boxed: it would make every `Result` of the crate twice as large.)
    #[error("方案 {origin} 格式错误：{at}{message}")]
    PlanSyntax { origin: String, at: String, message: String, source: Box<toml::de::Error> },
    #[error("无法读取方案文件 {path}：{source}")]
    PlanRead { path: PathBuf, source: std::io::Error },
    /// The command line asks for something impossible (bad period, missing folder).
    #[error("{0}")]
    Usage(String),
    /// Another `run` holds the lock on the output folder.
    #[error("另一个 zhenxing run 正在运行（锁文件 {0}），本次退出。请等待其完成后再运行。")]
    Locked(PathBuf),
    #[error("读写 {path} 失败：{source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("写出 {path} 失败：{source}")]
    Write { path: PathBuf, source: rust_xlsxwriter::XlsxError },
    #[error("数据汇总失败：{0}")]
    Aggregate(#[source] polars::prelude::PolarsError),
    #[error("历史数据库 {path} 读写失败：{source}")]
    Store { path: PathBuf, source: polars::prelude::PolarsError },
    #[error("历史数据库 {path} 的月份记录无法写出：{source}")]
    StoreRecord { path: PathBuf, source: serde_json::Error },
    #[error("历史数据库 {path} 迁移旧版历史数据失败：{source}")]
    Migrate { path: PathBuf, source: polars::prelude::PolarsError },
    /// The month would replace a stored month with (much) less: refused unless `--replace`.
    #[error("{0}")]
    Refused(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { path: path.into(), source }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Plan(_) | Error::PlanSyntax { .. } | Error::PlanRead { .. } | Error::Usage(_) => ExitCode::UsageOrPlan,
            Error::Locked(_) => ExitCode::Locked,
            Error::Refused(_) => ExitCode::Refused,
            Error::Io { .. }
            | Error::Write { .. }
            | Error::Aggregate(_)
            | Error::Store { .. }
            | Error::StoreRecord { .. }
            | Error::Migrate { .. } => ExitCode::Runtime,
        }
    }
}

/// Process exit codes, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Everything read, no data problems.
    Clean = 0,
    /// Reports written, but some inputs have errors or townships are missing.
    DataProblems = 1,
    /// Bad command line or bad plan.
    UsageOrPlan = 2,
    /// The job could not be done (I/O, store, ...).
    Runtime = 3,
    /// Another run holds the lock.
    Locked = 4,
    /// The month folder would replace a stored month with nothing or much less (`--replace`).
    Refused = 5,
}
