//! The integration tests, in one binary (each test binary would link polars again): every
//! module runs the real `zhenxing` binary in temporary workspaces or calls the library.
//! Helpers: `common` (the one test workspace, `common::Workspace`: a temporary working folder
//! where the binary runs; a workbook builder for messy layouts), `support` (CSV and xlsx readers,
//! a small test plan with every target kind and its workspaces) and `hostile::{corpus, workspace}`
//! (the hostile-file corpus, its good township input and memory-measured runs).

#[macro_use]
mod common;
mod support;

mod bench_smoke;
mod bulletin;
mod check_cli;
mod county_plan;
mod cron;
mod echeng;
mod hostile;
mod ingest;
mod ledgers;
mod plan_cli;
mod run_pipeline;
mod store_reader;
mod template;
mod tidy;
