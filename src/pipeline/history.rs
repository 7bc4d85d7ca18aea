//! The store read back for a run: last month's values for validation's cross-period rules, the
//! year's stored months reduced for aggregation, and earlier months of the input that the store
//! lacks (stored on a first run, oldest first).

use std::path::Path;

use crate::aggregate;
use crate::error::{Error, Result};
use crate::ingest::{self, Limits};
use crate::period::Period;
use crate::plan::Plan;
use crate::store;
use crate::validate::{History, SubmissionStatus};

use super::Folders;
use super::diag::{Console, Unwatched};

/// Last month's values from the store, for the cross-period rules (numbers only: the rules
/// compare numbers; a stage column (`ordered`) is kept as its stage's position). A month stored
/// under another plan is no history of this one.
pub fn load_history(store_dir: &Path, plan: &Plan, period: Period) -> Result<History> {
    let previous = period.previous();
    if store::month_record(store_dir, previous).is_none_or(|r| r.plan_id != plan.plan.id) {
        return Ok(History::default());
    }
    let mut history = History::of(previous);
    for form in &plan.forms {
        let numbers: Vec<&str> = form.columns.iter().filter(|c| c.kind == crate::plan::ColumnKind::Number).map(|c| c.id.as_str()).collect();
        let stages: Vec<&crate::plan::Column> = form.columns.iter().filter(|c| c.ordered).collect();
        let wanted: Vec<&str> =
            std::iter::once("record_key").chain(numbers.iter().copied()).chain(stages.iter().map(|c| c.id.as_str())).collect();
        let Some(scan) = store::scan_form(store_dir, form, previous, &wanted)? else { continue };
        let path = store::table_path(store_dir, &form.id, previous);
        let err = |source| Error::Store { path: path.clone(), source };
        let frame = scan.collect().map_err(err)?;
        let keys = frame.column("record_key").and_then(|c| c.as_materialized_series().str().cloned()).map_err(err)?;
        let township = frame.column("township").and_then(|c| c.as_materialized_series().str().cloned()).map_err(err)?;
        let values: Vec<_> = numbers
            .iter()
            .map(|id| frame.column(id).and_then(|c| c.as_materialized_series().f64().cloned()))
            .collect::<Result<_, _>>()
            .map_err(err)?;
        let stage_texts: Vec<_> = stages
            .iter()
            .map(|c| frame.column(&c.id).and_then(|s| s.as_materialized_series().str().cloned()))
            .collect::<Result<_, _>>()
            .map_err(err)?;
        // Row by row (a record's township, form and key are looked up once for all its values).
        let mut columns: Vec<_> = values.iter().map(|v| v.iter()).collect();
        let mut stage_columns: Vec<_> = stage_texts.iter().map(|v| v.iter()).collect();
        for (t, k) in township.iter().zip(keys.iter()) {
            let mut row: Vec<(&str, f64)> =
                numbers.iter().zip(columns.iter_mut()).filter_map(|(id, c)| Some((*id, c.next().flatten()?))).collect();
            for (column, texts) in stages.iter().zip(stage_columns.iter_mut()) {
                if let Some(stage) = texts.next().flatten().and_then(|s| column.categories.iter().position(|c| c == s)) {
                    row.push((column.id.as_str(), stage as f64));
                }
            }
            if let (Some(t), Some(k)) = (t, k) {
                history.insert_record(t, &form.id, k, row);
            }
        }
    }
    Ok(history)
}

/// Name of the reduction kept in a stored month's folder: what made it (the plan's digest, this
/// tool's version and the reduction's own version, bumped whenever `aggregate::reduce` computes
/// something else).
pub fn reduction_key(plan: &Plan) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{} {} reduce v3", plan.digest, crate::VERSION).as_bytes());
    crate::plan::hex(&digest)[..16].to_string()
}

/// The stored months `periods` reduced for aggregation (see `aggregate::reduce`): each month's
/// reduction kept in its folder, else its tables scanned with only the columns the indicators
/// read, one query per form over every month without one (whose reductions are then kept).
pub fn reduce_stored(plan: &Plan, store_dir: &Path, periods: &[Period]) -> Result<aggregate::Reduced> {
    let key = reduction_key(plan);
    let mut reduced = aggregate::Reduced::new(plan);
    let mut missing = Vec::new();
    for &p in periods {
        let Some(record) = store::month_record(store_dir, p) else { continue };
        reduced.set_counted(p, record.counted());
        match store::read_derived(store_dir, p, &key) {
            Some(frame) if reduced.insert_month_frame(plan, p, &frame).is_ok() => {}
            _ => missing.push(p),
        }
    }
    if missing.is_empty() {
        return Ok(reduced);
    }
    let err = |source| Error::Store { path: store_dir.to_path_buf(), source };
    let mut forms = Vec::new();
    for form in &plan.forms {
        let columns = aggregate::indicator_columns(plan, form);
        let mut scans = Vec::new();
        for &p in &missing {
            if let Some(scan) = store::scan_form(store_dir, form, p, &columns)? {
                scans.push(scan);
            }
        }
        if !scans.is_empty() {
            let rows = polars::prelude::concat(scans, polars::prelude::UnionArgs::default()).map_err(err)?;
            forms.push(aggregate::FormRows { form, rows });
        }
    }
    aggregate::reduce(plan, forms, &mut reduced).map_err(err)?;
    for &p in &missing {
        if let Ok(mut frame) = reduced.month_frame(plan, p) {
            store::write_derived(store_dir, p, &key, &mut frame);
        }
    }
    Ok(reduced)
}

/// The year's stored months before `period`, reduced for aggregation.
pub fn reduce_history(plan: &Plan, store_dir: &Path, period: Period) -> Result<aggregate::Reduced> {
    let earlier: Vec<Period> = store::periods(store_dir).into_iter().filter(|p| p.year == period.year && *p < period).collect();
    reduce_stored(plan, store_dir, &earlier)
}

/// Move aside the stored months of the year before `period` that can no longer be read as
/// stored: a table truncated or changed since its month was written (its sha256 no longer the
/// record's), or a `month.json` that does not parse. One damaged month stopped every later run
/// (`…The file must end with PAR1`); now the month goes to `_damaged/` (its tables renamed
/// `*.parquet.damaged`, so that a scan of `data/**/*.parquet` passes them by, nothing deleted),
/// and `backfill_history` stores it again from `input/<month>` where that is still there.
/// Returns the months set aside.
pub fn set_aside_damaged(folders: &Folders, period: Period, console: &mut Console) -> Vec<Period> {
    let store = &folders.store;
    let Ok(entries) = std::fs::read_dir(store) else { return Vec::new() };
    let mut months: Vec<Period> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_prefix("period=")).and_then(Period::parse))
        .filter(|p| p.year == period.year && *p < period)
        .collect();
    months.sort();
    let mut aside = Vec::new();
    for month in months {
        let dir = store::month_dir(store, month);
        let reason = if !dir.join(store::MONTH_FILE).is_file() {
            continue; // not a stored month (a staging left by a kill is recovered elsewhere)
        } else if store::month_record(store, month).is_none() {
            "month.json 无法读取"
        } else if store::month_sha256(store, month).is_none() {
            "报表数据文件与记录的校验和不符（文件被截断或改动）"
        } else {
            continue;
        };
        let target = (0..).map(|n| store.join("_damaged").join(format!("{month}-{n}"))).find(|p| !p.exists()).expect("a free name");
        let moved = std::fs::create_dir_all(target.parent().expect("has a parent")).and_then(|_| std::fs::rename(&dir, &target));
        if let Err(e) = moved {
            console
                .warn(format!("警告：历史数据库中 {month} 的数据已损坏（{reason}），移走失败（{e}）；请删除 {} 后重新运行", dir.display()));
            continue;
        }
        mark_damaged(&target);
        let input = folders.input.join(month.to_string());
        let next = if input.is_dir() {
            format!("现从 {} 重建", input.display())
        } else {
            format!("该月不计入本次汇总（沿用数和本月完成可能受影响）；把该月报表放回 {} 后重新运行即可重建", input.display())
        };
        console.warn(format!("警告：历史数据库中 {month} 的数据已损坏（{reason}），原文件已移至 {}；{next}", target.display()));
        aside.push(month);
    }
    aside
}

/// Rename the Parquet files under a damaged month's folder `*.parquet.damaged`.
fn mark_damaged(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            mark_damaged(&path);
        } else if path.extension().is_some_and(|e| e == "parquet") {
            let _ = std::fs::rename(&path, path.with_extension("parquet.damaged"));
        }
    }
}

/// Store the earlier months of the year that are in the input but not yet in the store, oldest
/// first, so that 本月 and trends have their history (e.g. on a first run over several months).
pub fn backfill_history(plan: &Plan, folders: &Folders, period: Period, limits: &Limits, console: &mut Console) -> Result<()> {
    set_aside_damaged(folders, period, console);
    let stored = store::periods(&folders.store);
    let mut missing: Vec<Period> = std::fs::read_dir(&folders.input)
        .map_err(|e| Error::io(&folders.input, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name.len() == 7).then(|| Period::parse(&name)).flatten()
        })
        .filter(|p| p.year == period.year && *p < period && !stored.contains(p))
        .collect();
    missing.sort();
    for earlier in missing {
        let dir = folders.input.join(earlier.to_string());
        let files = ingest::discover(&dir, &folders.input).map_err(|e| Error::io(&dir, e))?;
        let super::Ingested { reads, validated, frames, arrivals, .. } =
            super::ingest_period(plan, folders, earlier, files, limits, &mut Unwatched)?;
        // Whom to call and when files arrived are learnt from earlier months too.
        store::keep_contacts(&folders.store, &store::contacts(&folders.store, &validated, &reads, earlier));
        store::keep_arrivals(&folders.store, &arrivals);
        store::write_month(&folders.store, plan, earlier, frames, store::submissions(&validated))?;
        let reported = validated.count(SubmissionStatus::Reported);
        console.say(format!(
            "补建历史数据 {earlier}：采用 {reported} 个{}的报表（该月通报未生成，可用 --period {earlier} 生成）",
            plan.wording().townships
        ));
    }
    Ok(())
}
