//! A topic's subtotals when it has more counted rows than leaders read (the plan's `[report]
//! topic_detail_rows`): per township (and per category where the category sets the unit), then
//! the district's, with 是 counts and 按期情况 counts. Numbers are added only where they share a
//! unit: a form whose numbers take their unit from a category (农村公路: 公里 for roads, 座 for
//! bridges) is subtotalled per township and category, never across units.

use std::collections::BTreeMap;

use super::{ProjectStatus, project_status};
use crate::period::Period;
use crate::plan::{ColumnKind, Form, Plan};
use crate::validate::{Record, Value};

/// One summarised topic: its form, how many counted rows it has, and its subtotals.
#[derive(Debug, Clone)]
pub struct TopicSubtotals {
    pub form: String,
    pub rows: usize,
    pub subtotals: Vec<Subtotal>,
}

/// The subtotals of every township form with more counted rows this month than the plan's
/// `[report] topic_detail_rows`.
pub fn topic_subtotals(plan: &Plan, records: &[Record], period: Period) -> Vec<TopicSubtotals> {
    plan.township_forms()
        .filter_map(|form| {
            let rows: Vec<&Record> = records.iter().filter(|r| *r.form == *form.id).collect();
            plan.report.summarises(rows.len()).then(|| TopicSubtotals {
                form: form.id.clone(),
                rows: rows.len(),
                subtotals: subtotals(form, &rows, period, &plan.wording().whole),
            })
        })
        .collect()
}

/// The order the 按期情况 counts are listed in.
pub const STATUS_ORDER: [ProjectStatus; 6] = [
    ProjectStatus::OnTime,
    ProjectStatus::Done,
    ProjectStatus::Late,
    ProjectStatus::Overdue,
    ProjectStatus::NotDue,
    ProjectStatus::Unplanned,
];

/// The figures of one subtotal row: a township (and category), or the district (`district`, named
/// 全区合计, 全县合计 … as the plan's words say).
#[derive(Debug, Clone, PartialEq)]
pub struct Subtotal {
    pub township: String,
    /// The district's total row.
    pub district: bool,
    /// The category (e.g. 白改黑) for forms subtotalled per category.
    pub category: Option<String>,
    /// The unit of the numbers without a plan unit (from the category).
    pub unit: Option<String>,
    /// Detail rows in the group.
    pub rows: usize,
    /// Per plan column: the sum of its numbers (number columns; `None` where no row has one).
    pub sums: Vec<Option<f64>>,
    /// Per plan column: how many rows say 是 (是/否 columns).
    pub yes: Vec<usize>,
    /// Per `STATUS_ORDER` entry: how many projects have that 按期情况.
    pub statuses: [usize; 6],
}

/// Per-township subtotals of a topic's detail rows (per township and category where the
/// category sets the unit), townships in the order of their first row, then the district's
/// total(s) (one per category). Sums are added in row order, as the CSV file lists the rows.
pub fn subtotals(form: &Form, records: &[&Record], period: Period, whole: &str) -> Vec<Subtotal> {
    let category = category_column(form);
    let width = form.columns.len();
    let district_name = format!("{whole}合计");
    let empty = |township: &str, category_value: &Option<String>| Subtotal {
        township: township.to_string(),
        district: township == district_name,
        category: category_value.clone(),
        unit: category.zip(category_value.as_ref()).and_then(|(c, value)| form.columns[c].category_units.get(value).cloned()),
        rows: 0,
        sums: vec![None; width],
        yes: vec![0; width],
        statuses: [0; 6],
    };
    let add = |total: &mut Subtotal, record: &Record| {
        total.rows += 1;
        for (c, value) in record.values.iter().enumerate() {
            match (form.columns[c].kind, value) {
                (ColumnKind::Number, Value::Number(n)) => *total.sums[c].get_or_insert(0.0) += n,
                (ColumnKind::YesNo, Value::Text(t)) if t == "是" => total.yes[c] += 1,
                _ => {}
            }
        }
        if let Some(status) = project_status(form, record, period) {
            total.statuses[STATUS_ORDER.iter().position(|s| *s == status).expect("every status listed")] += 1;
        }
    };
    // Townships in the order of their first row; within one, categories in the plan's order.
    let rank = |value: &Option<String>| {
        category.zip(value.as_ref()).map_or(0, |(c, v)| form.columns[c].categories.iter().position(|k| k == v).unwrap_or(usize::MAX))
    };
    // One unit's (or the district's) subtotals, by (category rank, category).
    type Group = BTreeMap<(usize, Option<String>), Subtotal>;
    // Keyed by the records' shared township names (no copy per record).
    let mut townships: Vec<std::sync::Arc<str>> = Vec::new();
    let mut groups: crate::FastMap<std::sync::Arc<str>, Group> = crate::FastMap::default();
    let mut district: Group = BTreeMap::new();
    for record in records {
        let value = category.and_then(|c| record.values[c].text()).map(str::to_string);
        let key = (rank(&value), value);
        let own = groups.entry(record.township.clone()).or_insert_with(|| {
            townships.push(record.township.clone());
            BTreeMap::new()
        });
        add(own.entry(key.clone()).or_insert_with(|| empty(&record.township, &key.1)), record);
        add(district.entry(key.clone()).or_insert_with(|| empty(&district_name, &key.1)), record);
    }
    let mut out = Vec::with_capacity(records.len().min(townships.len() * 8) + district.len());
    for township in &townships {
        out.extend(groups.remove(township).into_iter().flat_map(BTreeMap::into_values));
    }
    out.extend(district.into_values());
    out
}

/// The category column that sets the unit of a form's unit-less numbers (农村公路's 项目类别).
pub fn category_column(form: &Form) -> Option<usize> {
    form.columns.iter().position(|c| c.kind == ColumnKind::Category && !c.category_units.is_empty())
}
