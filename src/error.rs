//! The library's one error type and the process exit codes, in one place.
//!
//! Bad input data is not an error (it becomes `validate::Issue`s); `Error` means the job itself
//! could not be done: the plan is wrong, a directory cannot be written, another run holds the lock.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan file is missing or wrong. Message is user-facing Chinese.
    #[error("{0}")]
    Plan(String),
    /// The command line asks for something impossible (bad period, missing folder).
    #[error("{0}")]
    Usage(String),
    /// Another `run` holds the lock on the output folder.
    #[error("另一个 zhenxing run 正在运行（锁文件 {0}），本次退出。请等待其完成后再运行。")]
    Locked(PathBuf),
    #[error("读写 {path} 失败：{source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("写出 {path} 失败：{message}")]
    Write { path: PathBuf, message: String },
    #[error("数据汇总失败：{0}")]
    Aggregate(String),
    #[error("历史数据库 {path} 读写失败：{message}")]
    Store { path: PathBuf, message: String },
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
            Error::Plan(_) | Error::Usage(_) => ExitCode::UsageOrPlan,
            Error::Locked(_) => ExitCode::Locked,
            Error::Refused(_) => ExitCode::Refused,
            Error::Io { .. } | Error::Write { .. } | Error::Aggregate(_) | Error::Store { .. } => ExitCode::Runtime,
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
