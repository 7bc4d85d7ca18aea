//! Reading a plan workbook (方案.xlsx, or the same sheets saved by WPS or Excel as .xls, .ods):
//! the file read as any input is (bounded, guarded), its sheets' cells handed to
//! `plan::book::plan_from_sheets`; and resolving `--plan`, which may name such a workbook.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::plan::book::{self, BookCell, BookProblem, ReadSheet};
use crate::plan::{Examined, Plan, PlanSource};

use super::{Cell, Limits, read, read_bounded};

/// The default plan workbook name in the working folder, looked for after `plan.toml`.
pub const DEFAULT_WORKBOOK: &str = "方案.xlsx";

/// Whether `--plan` names a workbook (by its extension) rather than TOML or a shipped plan.
pub fn is_workbook(path: &Path) -> bool {
    path.extension().map(|e| e.to_string_lossy().to_lowercase()).is_some_and(|e| ["xlsx", "xlsm", "xls", "ods", "et"].contains(&e.as_str()))
}

/// A plan workbook's cells, sheet by sheet, as the plan's reader takes them.
pub fn read_sheets(path: &Path) -> std::result::Result<Vec<ReadSheet>, String> {
    let limits = Limits::default();
    let bytes = match read_bounded(path, limits.max_file_bytes) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(size)) => return Err(format!("文件过大（{} MB）", size / 1024 / 1024)),
        Err(e) => return Err(format!("无法读取：{e}")),
    };
    let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let grids = read::sniff(&bytes, &extension).and_then(|format| read::read_grids(&bytes, format, &limits)).map_err(|e| e.0)?;
    Ok(grids
        .into_iter()
        .map(|grid| ReadSheet {
            name: grid.sheet,
            rows: grid
                .rows
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|cell| match cell {
                            Cell::Empty => BookCell::Empty,
                            Cell::Number(n) => BookCell::Number(n),
                            Cell::Text(t) => BookCell::Text(t),
                            Cell::Date(d) => BookCell::Text(d.to_string()),
                            other => BookCell::Text(other.text()),
                        })
                        .collect()
                })
                .collect(),
        })
        .collect())
}

/// The plan in a plan workbook, with its warnings; or every problem, at its sheet and cell.
pub fn load_workbook(path: &Path) -> std::result::Result<(Plan, Vec<BookProblem>), Vec<BookProblem>> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let sheets = read_sheets(path).map_err(|message| vec![BookProblem { sheet: name, cell: String::new(), message, warning: false }])?;
    book::plan_from_sheets(&sheets)
}

/// `--plan NAME|FILE` as `Plan::resolve` takes it, and a plan workbook too: a path to one, or
/// `./方案.xlsx` when neither `--plan` nor `./plan.toml` says otherwise.
pub fn resolve_plan(arg: Option<&str>) -> Result<(Plan, PlanSource)> {
    let Some(path) = workbook_named(arg) else { return Plan::resolve(arg) };
    if !path.is_file() {
        return Err(Error::Plan(format!("找不到方案表 {}", path.display())));
    }
    match load_workbook(&path) {
        Ok((plan, _)) => Ok((plan, PlanSource::File(path))),
        Err(problems) => {
            let errors: Vec<String> = problems.iter().filter(|p| !p.warning).map(|p| format!("  {p}")).collect();
            Err(Error::Plan(format!("方案表 {} 有 {} 处错误：\n{}", path.display(), errors.len(), errors.join("\n"))))
        }
    }
}

/// The plan workbook `--plan` names, if it names one: a workbook path (not a shipped plan's
/// name), or with no `--plan` the default `方案.xlsx` when there is no `plan.toml` here.
fn workbook_named(arg: Option<&str>) -> Option<PathBuf> {
    match arg {
        Some(arg) if is_workbook(Path::new(arg)) && !crate::plan::SHIPPED_PLANS.iter().any(|(n, _)| *n == arg) => Some(PathBuf::from(arg)),
        None if !Path::new("plan.toml").exists() && Path::new(DEFAULT_WORKBOOK).is_file() => Some(PathBuf::from(DEFAULT_WORKBOOK)),
        _ => None,
    }
}

/// `plan check`: a plan (TOML, shipped, or the plan workbook) read and checked, with every
/// error and warning at its line or cell, and where it came from.
pub fn examine(arg: Option<&str>) -> Result<(Examined, PlanSource)> {
    if let Some(path) = workbook_named(arg) {
        let describe = |problems: &[&BookProblem]| problems.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        let examined = match load_workbook(&path) {
            Ok((plan, warnings)) => {
                Examined { plan: Some(plan), errors: Vec::new(), warnings: describe(&warnings.iter().collect::<Vec<_>>()) }
            }
            Err(problems) => {
                let (warnings, errors): (Vec<&BookProblem>, Vec<&BookProblem>) = problems.iter().partition(|p| p.warning);
                Examined { plan: None, errors: describe(&errors), warnings: describe(&warnings) }
            }
        };
        return Ok((examined, PlanSource::File(path)));
    }
    let (text, source) = Plan::locate(arg)?;
    Ok((Plan::examine(&text, &source.origin()), source))
}
