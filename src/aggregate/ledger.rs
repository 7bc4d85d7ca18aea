//! Department ledgers' texts (status, 进展说明) per item, for qualitative tasks and notes.

use std::collections::HashMap;

use polars::prelude::*;

use crate::plan::{Plan, Reporter};

/// Ledger text (status, 进展说明) of department items: target id → (status, note).
pub type Ledger = HashMap<String, (Option<String>, Option<String>)>;

/// The ledger of one period from its department forms' frames. Where several departments'
/// files hold the same item, the owner's row counts, then the combined ledger's, then the first
/// other department's by name.
pub fn ledger_texts(plan: &Plan, frames: &[crate::store::FormFrame]) -> PolarsResult<Ledger> {
    // target id → (trust rank of the unit, status, note); lower rank wins.
    let mut best: HashMap<String, (u8, Option<String>, Option<String>)> = HashMap::new();
    for frame in frames {
        if !plan.form(&frame.form).is_some_and(|f| f.reporter == Reporter::Department) {
            continue;
        }
        let schema = frame.frame.schema();
        let texts = |name: &str| if schema.contains(name) { col(name) } else { lit(NULL).cast(DataType::String).alias(name) };
        let rows = frame
            .frame
            .clone()
            .lazy()
            .select([col("township"), col("record_key"), texts("status"), texts("progress_note")])
            .sort(["township"], SortMultipleOptions::default().with_maintain_order(true))
            .collect()?;
        let column = |name: &str| -> PolarsResult<StringChunked> { Ok(rows.column(name)?.as_materialized_series().str()?.clone()) };
        let (unit, key, status, note) = (column("township")?, column("record_key")?, column("status")?, column("progress_note")?);
        for i in 0..rows.height() {
            let (Some(u), Some(k)) = (unit.get(i), key.get(i)) else { continue };
            let owner = plan.targets.iter().find(|x| x.id == k).map(|x| plan.ledger_owner(x));
            let rank = if owner == Some(u) {
                0
            } else if u == plan.combined_ledger() {
                1
            } else {
                2
            };
            let entry = best.entry(k.to_string()).or_insert((rank, None, None));
            if rank < entry.0 {
                *entry = (rank, None, None);
            }
            if rank == entry.0 {
                if entry.1.is_none() {
                    entry.1 = status.get(i).map(str::to_string);
                }
                if entry.2.is_none() {
                    entry.2 = note.get(i).map(str::to_string);
                }
            }
        }
    }
    Ok(best.into_iter().map(|(k, (_, status, note))| (k, (status, note))).collect())
}
