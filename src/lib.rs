//! zhenxing (振兴): a district's monthly rural-revitalization statistics, from township workbooks
//! to a progress bulletin.
//!
//! Data flows one way: `plan` → `ingest` → `validate` → `store` → `aggregate` → `report`;
//! `pipeline` runs the month through them (`pipeline::run_month`), and `cmd` holds one thin
//! module per subcommand. Modules use only their own floor and below (ARCHITECTURE.md, checked by
//! `tests/it/tidy.rs`).

pub mod aggregate;
pub mod atomic;
pub mod cmd;
pub mod divisions;
pub mod error;
pub mod ingest;
pub mod issue;
pub mod period;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod sample;
pub mod store;
pub mod text;
pub mod units;
pub mod validate;

pub use error::{Error, ExitCode, Result};

/// Tool version, as shown in reports and run.json.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `zhenxing --version`: the version, the commit the binary was built from and the build date
/// (`build.rs`); reports carry `VERSION` only, so that their bytes do not depend on the build.
pub const LONG_VERSION: &str =
    concat!(env!("CARGO_PKG_VERSION"), "（提交 ", env!("ZHENXING_COMMIT"), "，构建于 ", env!("ZHENXING_BUILD_DATE"), "）");

/// Hash map of the per-value hot paths (last month's values, the reduction, target evaluation):
/// foldhash, seeded per process, instead of the standard library's slower SipHash.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Hash set to go with `FastMap`.
pub type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
