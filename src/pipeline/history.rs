//! The store read back for a run: last month's values for validation's cross-period rules, the
//! year's stored months reduced for aggregation, and earlier months of the input that the store
//! lacks (stored on a first run, oldest first).

use std::collections::BTreeMap;
use std::path::Path;

use crate::aggregate;
use crate::error::{Error, Result};
use crate::ingest::{self, Limits};
use crate::period::Period;
use crate::plan::Plan;
use crate::store;
use crate::validate::{History, SubmissionStatus};

use super::Folders;
use super::diag::{Console, Phases};

/// Last month's values from the store, for the cross-period rules (numbers only: the rules
/// compare numbers). A month stored under another plan is no history of this one.
pub fn load_history(store_dir: &Path, plan: &Plan, period: Period) -> Result<History> {
    let previous = period.previous();
    if store::month_record(store_dir, previous).is_none_or(|r| r.plan_id != plan.plan.id) {
        return Ok(History::default());
    }
    let mut history = History::of(previous);
    for record in store::read_records(store_dir, plan, previous, None)? {
        let form = plan.form(&record.form).expect("read by the plan's forms");
        for (column, value) in form.columns.iter().zip(&record.values) {
            if let Some(v) = value.number() {
                history.insert(&record.township, &record.form, &record.key, &column.id, v);
            }
        }
    }
    Ok(history)
}

/// The stored months `periods` reduced for aggregation (see `aggregate::reduce`): each form's
/// tables of those months scanned with only the columns its indicators read, one query per form.
pub fn reduce_stored(plan: &Plan, store_dir: &Path, periods: &[Period]) -> Result<aggregate::Reduced> {
    let mut counted = BTreeMap::new();
    for &p in periods {
        if let Some(record) = store::month_record(store_dir, p) {
            counted.insert(p, record.counted());
        }
    }
    let mut forms = Vec::new();
    for form in &plan.forms {
        let columns = aggregate::indicator_columns(plan, form);
        let mut scans = Vec::new();
        for &p in periods {
            if let Some(scan) = store::scan_form(store_dir, form, p, &columns)? {
                scans.push(scan);
            }
        }
        if !scans.is_empty() {
            let rows = polars::prelude::concat(scans, polars::prelude::UnionArgs::default())
                .map_err(|e| Error::Store { path: store_dir.to_path_buf(), message: e.to_string() })?;
            forms.push(aggregate::FormRows { form, rows });
        }
    }
    aggregate::reduce(plan, forms, counted).map_err(|e| Error::Store { path: store_dir.to_path_buf(), message: e.to_string() })
}

/// The year's stored months before `period`, reduced for aggregation.
pub fn reduce_history(plan: &Plan, store_dir: &Path, period: Period) -> Result<aggregate::Reduced> {
    let earlier: Vec<Period> = store::periods(store_dir).into_iter().filter(|p| p.year == period.year && *p < period).collect();
    reduce_stored(plan, store_dir, &earlier)
}

/// Store the earlier months of the year that are in the input but not yet in the store, oldest
/// first, so that 本月 and trends have their history (e.g. on a first run over several months).
pub fn backfill_history(plan: &Plan, folders: &Folders, period: Period, limits: &Limits, console: &mut Console) -> Result<()> {
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
        let (reads, validated, frames) = super::ingest_period(plan, folders, earlier, files, limits, None, &mut Phases::start())?;
        // Whom to call and when files arrived are learnt from earlier months too.
        store::keep_contacts(&folders.store, &store::contacts(&folders.store, &validated, &reads, earlier));
        store::keep_arrivals(&folders.store, &store::arrivals(&folders.store, &reads));
        store::write_month(&folders.store, plan, earlier, frames, store::submissions(&validated))?;
        let reported = validated.count(SubmissionStatus::Reported);
        console.say(format!("补建历史数据 {earlier}：采用 {reported} 个镇（街道）的报表（该月通报未生成，可用 --period {earlier} 生成）"));
    }
    Ok(())
}
