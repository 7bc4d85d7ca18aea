//! Grids → form tables: find each form's sheet (by name or by its headers), its header row
//! (wherever it is, possibly merged over two or three rows), the unit each header states, the data
//! rows, the 合计/小计 rows, and the 填报单位/填报月份 line.
//!
//! Here: the tables' types and the plan's names as headers spell them (`PlanNames`). `header`:
//! where a form's header is and what its columns are; `period`: column groups split by period;
//! `rows`: the data rows under a header; `claims`: what the sheet says around its tables.

use std::borrow::Cow;

use crate::issue::a1;
use crate::plan::{ColumnKind, Form, Measure, Plan};
use crate::text::{normalise, normalise_cow};
use crate::units;
use crate::{FastMap, FastSet};

use super::read::{Cell, Grid};

mod claims;
mod header;
mod period;
mod rows;

pub use claims::{find_claims, find_contacts, find_titles};
pub use header::{apply_unit_line, header_extras, locate_form, split_unit, unit_text};
use header::{is_total_word, split_unit_normalised};
pub use period::{Leaf, period_leaf, under_period};
pub use rows::{is_total_label, read_rows};

/// Where a plan column was found in a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMatch {
    /// 0-based sheet column.
    pub index: usize,
    /// The header text as found (all header rows joined).
    pub header: String,
    /// The unit the header states, if any (`公顷` in `耕地面积（公顷）`).
    pub unit: Option<String>,
    /// The column is one leaf of a group split by period (`粮食播种面积` over `本月 | 本年累计`):
    /// the leaf read (`本年累计`); the others are kept out of the sums.
    pub leaf: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowType {
    Detail,
    /// A 合计/小计 row: excluded from the data, checked against it.
    Total,
}

#[derive(Debug, Clone)]
pub struct TableRow {
    /// 0-based sheet row.
    pub row: usize,
    pub kind: RowType,
    /// One cell per plan column (Empty where the column was not found).
    pub cells: Vec<Cell>,
}

/// One form as found in one sheet.
#[derive(Debug, Clone)]
pub struct FormTable {
    pub form_id: String,
    pub sheet: String,
    /// 0-based row of the (last) header row.
    pub header_row: usize,
    /// One entry per plan column.
    pub columns: Vec<Option<ColumnMatch>>,
    pub rows: Vec<TableRow>,
}

/// A 填报单位 or 填报月份 statement found in a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub sheet: String,
    pub cell: String,
    pub text: String,
}

/// The township and period a file states about itself.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    pub townships: Vec<Claim>,
    pub periods: Vec<Claim>,
    /// Titles above a form's header, and form sheets' names, that name a month (a copied
    /// template keeps last month's): `cell` empty for a sheet name.
    pub titles: Vec<Claim>,
    /// 填报人 and 联系电话 as a footer states them (for the 催报 list).
    pub filler: Option<String>,
    pub phone: Option<String>,
}

const HEADER_SEARCH_ROWS: usize = 40;

/// The names layout compares header texts with, for every form of a plan, normalised once per
/// run rather than once per file (a province month reads 2,000 files of four forms each).
pub struct PlanNames(Vec<FormNames>);

impl PlanNames {
    pub fn new(plan: &Plan) -> PlanNames {
        PlanNames(plan.forms.iter().map(FormNames::new).collect())
    }

    /// The names of the plan's `index`-th form.
    pub fn form(&self, index: usize) -> &FormNames {
        &self.0[index]
    }

    /// The form whose header this row is (its texts name at least three of that form's columns,
    /// more than of any other, and it holds no number): where a second table on a sheet starts.
    pub fn header_of(&self, raw: &[Cell]) -> Option<usize> {
        if raw.iter().any(|c| matches!(c, Cell::Number(_))) || raw.iter().filter(|c| !c.is_empty()).count() < 3 {
            return None;
        }
        // A header's first cells name columns (its key and the next two): a data row is let go
        // on those, before its other cells are looked at.
        let first: Vec<String> = raw.iter().filter(|c| !c.is_empty()).take(3).map(|c| normalise_cow(&c.text_cow()).into_owned()).collect();
        let names_one = |t: &String| self.0.iter().any(|form| form.columns.find(split_unit_normalised(t).0).is_some());
        if first.iter().filter(|t| names_one(t)).count() < 2 {
            return None;
        }
        let texts: Vec<String> = raw.iter().map(|c| normalise(&c.text_cow())).filter(|t| !t.is_empty()).collect();
        let named = |form: &FormNames| {
            let mut found: Vec<usize> = texts.iter().filter_map(|t| form.columns.find(split_unit_normalised(t).0)).collect();
            found.sort_unstable();
            found.dedup();
            found.len()
        };
        let (index, count) = self.0.iter().map(named).enumerate().max_by_key(|&(i, n)| (n, std::cmp::Reverse(i)))?;
        (count >= 3).then_some(index)
    }
}

/// One form's names: its columns' (for the header search) and its key column's (a header
/// repeated among the data rows).
pub struct FormNames {
    columns: ColumnNames,
    key: FastSet<String>,
}

impl FormNames {
    pub fn new(form: &Form) -> FormNames {
        let key = form.columns.iter().find(|c| c.kind == ColumnKind::Key);
        let key = key.map(|k| std::iter::once(&k.name).chain(&k.aliases).map(|n| without_qizhong(&normalise(n)).into_owned()).collect());
        FormNames { columns: ColumnNames::new(form), key: key.unwrap_or_default() }
    }
}

/// Every name of every plan column of a form (name and aliases), normalised once per form rather
/// than once per header candidate: header search tries up to 40 rows × 3 depths × every cell.
/// A header name names a column when it equals one of the column's names, `其中:` aside.
struct ColumnNames(FastMap<String, usize>);

impl ColumnNames {
    fn new(form: &Form) -> ColumnNames {
        let mut names = FastMap::default();
        for (index, column) in form.columns.iter().enumerate() {
            for name in std::iter::once(&column.name).chain(&column.aliases) {
                // Two columns with the same name: the first in plan order wins.
                names.entry(without_qizhong(&normalise(name)).into_owned()).or_insert(index);
            }
        }
        ColumnNames(names)
    }

    /// The plan column a header name (unit removed, normalised) names.
    fn find(&self, name: &str) -> Option<usize> {
        self.0.get(without_qizhong(name).as_ref()).copied()
    }
}

/// A header name without the marks of a sub-item: `其中:早稻`, `其中早稻`, `#早稻` (as yearbook
/// tables write 其中 items) all name `早稻`.
fn without_qizhong(name: &str) -> Cow<'_, str> {
    let name = name.trim_start_matches(['#', '＃']);
    if name.contains("其中:") {
        return Cow::Owned(without_qizhong_prefix(&name.replace("其中:", "")).to_string());
    }
    Cow::Borrowed(without_qizhong_prefix(name))
}

/// `其中早稻`, `其中#早稻`, `其中、早稻` → `早稻` (`其中` alone stays).
fn without_qizhong_prefix(name: &str) -> &str {
    match name.strip_prefix("其中") {
        Some(rest) if !rest.is_empty() => rest.trim_start_matches(['#', ',', '、']),
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_items_as_offices_mark_them() {
        for header in ["早稻", "其中:早稻", "其中早稻", "#早稻", "其中#早稻"] {
            assert_eq!(without_qizhong(&normalise(header)), "早稻", "{header}");
        }
    }
}
