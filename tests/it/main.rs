//! The integration tests, in one binary (each test binary would link polars again): every
//! module runs the real `zhenxing` binary in temporary workspaces or calls the library.
//! Helpers: `common` (a temp workspace, running the binary, a workbook builder for messy
//! layouts), `support` (a small test plan with every target kind, pipeline workspaces) and
//! `hostile::{corpus, workspace}` (the hostile-file corpus).

#[macro_use]
mod common;
mod support;

mod bench_smoke;
mod bulletin;
mod check_cli;
mod cron;
mod echeng;
mod hostile;
mod ingest;
mod plan_cli;
mod run_pipeline;
mod store_reader;
mod template;
mod tidy;
