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
    #[error("读写 {path} 失败：{}", io_text(.source))]
    Io { path: PathBuf, source: std::io::Error },
    #[error("写出 {path} 失败：{}", xlsx_text(.source))]
    Write { path: PathBuf, source: rust_xlsxwriter::XlsxError },
    #[error("数据汇总失败：{}", polars_text(.0))]
    Aggregate(#[source] polars::prelude::PolarsError),
    #[error("历史数据库 {path} 读写失败：{}", polars_text(.source))]
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

/// An operating-system error as an office reads it: the usual causes in Chinese, with what to
/// do, and the system's own words after them for whoever helps (a full disk was told in
/// Parquet's and Rust's English only).
pub fn io_text(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let cause = match error.kind() {
        ErrorKind::StorageFull => "磁盘空间已满，请腾出空间后重新运行（上次的结果和历史数据库不受影响）",
        ErrorKind::QuotaExceeded => "超出磁盘配额，请腾出空间或请管理员放宽配额后重新运行",
        ErrorKind::PermissionDenied => "没有读写权限，请用有权限的账户运行，或请管理员开放该文件夹的权限",
        ErrorKind::ReadOnlyFilesystem => "磁盘或文件夹是只读的，请换一个可写的位置",
        ErrorKind::NotFound => "文件或文件夹不存在",
        _ => return format!("{error}"),
    };
    format!("{cause}（系统信息：{error}）")
}

/// A polars error: an operating-system error inside it as `io_text` tells it.
pub fn polars_text(error: &polars::prelude::PolarsError) -> String {
    match error {
        polars::prelude::PolarsError::IO { error, .. } => io_text(error),
        other => other.to_string(),
    }
}

/// A workbook writer's error: an operating-system error inside it as `io_text` tells it.
pub fn xlsx_text(error: &rust_xlsxwriter::XlsxError) -> String {
    match error {
        rust_xlsxwriter::XlsxError::IoError(error) => io_text(error),
        other => other.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_told_in_chinese_wherever_it_comes_from() {
        let full = || std::io::Error::from_raw_os_error(28); // ENOSPC
        let io = Error::io("data/period=2024-06", full()).to_string();
        assert!(io.starts_with("读写 data/period=2024-06 失败：磁盘空间已满，请腾出空间后重新运行"), "{io}");
        let parquet = polars::prelude::PolarsError::IO { error: std::sync::Arc::new(full()), msg: None };
        let store = Error::Store { path: "data/period=2024-06/form=ZX01/rows.parquet".into(), source: parquet }.to_string();
        assert!(store.contains("读写失败：磁盘空间已满"), "{store}");
        let xlsx =
            Error::Write { path: "output/2024-06/通报.xlsx".into(), source: rust_xlsxwriter::XlsxError::IoError(full()) }.to_string();
        assert!(xlsx.contains("失败：磁盘空间已满"), "{xlsx}");
        let denied = Error::io("output", std::io::Error::from_raw_os_error(13)).to_string();
        assert!(denied.contains("没有读写权限"), "{denied}");
    }
}
