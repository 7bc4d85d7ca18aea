//! A topic's counted detail rows when there are more than leaders read: the per-township
//! subtotals its sheet shows instead, and the CSV file (one per form, beside the bulletin) that
//! holds the rows themselves.
//!
//! The plan's `[report] topic_detail_rows` (default 5,000) decides: at or below it the topic sheet
//! lists every row (as it always has); above it, the sheet shows `subtotals` and the rows go to
//! `detail_csv`. Subtotals add numbers only where they share a unit: a form whose numbers take
//! their unit from a category (农村公路: 公里 for roads, 座 for bridges) is subtotalled per township
//! and category, never across units.

use std::collections::BTreeMap;

use crate::aggregate::{ProjectStatus, project_status};
use crate::period::Period;
use crate::plan::{ColumnKind, Form, Plan};
use crate::text::inert;
use crate::validate::{Record, Validated, Value};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The counted detail rows of one form, in the order the bulletin lists them.
pub fn rows<'a>(validated: &'a Validated, form: &Form) -> Vec<&'a Record> {
    validated.records.iter().filter(|r| *r.form == *form.id).collect()
}

/// Whether a topic with `rows` detail rows is shown as subtotals (its rows in a CSV file).
pub fn summarised(plan: &Plan, rows: usize) -> bool {
    rows > plan.report.topic_detail_rows
}

/// The topics of this month shown as subtotals: (form, its detail rows).
pub fn summarised_forms<'a>(plan: &'a Plan, validated: &'a Validated) -> Vec<(&'a Form, Vec<&'a Record>)> {
    plan.township_forms().map(|form| (form, rows(validated, form))).filter(|(_, rows)| summarised(plan, rows.len())).collect()
}

/// `农村公路明细_2024年12月.csv`.
pub fn csv_file_name(form: &Form, period: Period) -> String {
    format!("{}明细_{}.csv", form.topic(), period.label_padded())
}

/// The header of a topic's detail table and CSV file: 镇（街道）, the plan's columns, 按期情况
/// (forms with timing), 来源文件, 行号.
pub fn detail_headers(form: &Form) -> Vec<String> {
    let mut headers = vec!["镇（街道）".to_string()];
    headers.extend(form.columns.iter().map(|c| c.header()));
    if form.timing.is_some() {
        headers.push("按期情况".to_string());
    }
    headers.extend(["来源文件".to_string(), "行号".to_string()]);
    headers
}

/// The source file as the detail table shows it: its name without the folder.
pub fn file_label(record: &Record) -> &str {
    record.file.rsplit('/').next().unwrap_or(&record.file)
}

/// A topic's detail rows as CSV (UTF-8 with BOM, CRLF, text that a spreadsheet would take for a
/// formula made inert): the same columns and values as the detail table. Numbers are written in
/// full (the shortest text that reads back as the same number), in the plan's unit.
pub fn detail_csv(form: &Form, records: &[&Record], period: Period) -> Vec<u8> {
    let mut out = BOM.to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        writer.write_record(detail_headers(form)).expect("writing to memory");
        // Field by field (a province's topic is 100,000 rows): no text is copied, and numbers
        // are formatted into one buffer.
        let mut number = String::new();
        let field = |writer: &mut csv::Writer<&mut Vec<u8>>, text: &str| writer.write_field(text).expect("writing to memory");
        for record in records {
            field(&mut writer, &inert(&record.township));
            for value in &record.values {
                match value {
                    Value::Number(n) => {
                        number.clear();
                        crate::text::push_shortest(&mut number, *n);
                        field(&mut writer, &number);
                    }
                    Value::Text(t) => field(&mut writer, &inert(t)),
                    Value::Missing => field(&mut writer, ""),
                }
            }
            if form.timing.is_some() {
                field(&mut writer, project_status(form, record, period).map(|s| s.label()).unwrap_or(""));
            }
            field(&mut writer, &inert(file_label(record)));
            field(&mut writer, itoa::Buffer::new().format(record.row));
            writer.write_record(None::<&[u8]>).expect("writing to memory");
        }
        writer.flush().expect("writing to memory");
    }
    out
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

/// The figures of one subtotal row: a township (and category), or the district (`township` = 全区合计).
#[derive(Debug, Clone, PartialEq)]
pub struct Subtotal {
    pub township: String,
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

/// What a topic's subtotal table shows, from the plan.
pub struct SubtotalLayout<'a> {
    pub form: &'a Form,
    /// The category column that sets the unit of the form's unit-less numbers, if any.
    pub category: Option<usize>,
    /// Plan columns with sums, in order.
    pub numbers: Vec<usize>,
    /// Plan columns with 是 counts, in order.
    pub yes_no: Vec<usize>,
    /// `STATUS_ORDER` positions with counts (those that occur this month).
    pub statuses: Vec<usize>,
}

impl<'a> SubtotalLayout<'a> {
    pub fn new(form: &'a Form, subtotals: &[Subtotal]) -> Self {
        let category = category_column(form);
        let numbers = (0..form.columns.len())
            .filter(|&c| form.columns[c].kind == ColumnKind::Number && (form.columns[c].unit.is_some() || category.is_some()))
            .collect();
        let yes_no = (0..form.columns.len()).filter(|&c| form.columns[c].kind == ColumnKind::YesNo).collect();
        let statuses = if form.timing.is_some() {
            (0..STATUS_ORDER.len()).filter(|&s| subtotals.iter().any(|t| t.statuses[s] > 0)).collect()
        } else {
            vec![]
        };
        SubtotalLayout { form, category, numbers, yes_no, statuses }
    }

    /// 村（社区）数 or 项目数.
    pub fn count_label(&self) -> &'static str {
        match self.form.row_kind {
            crate::plan::RowKind::Village => "村（社区）数",
            crate::plan::RowKind::Project => "项目数",
            _ => "行数",
        }
    }

    /// A number column's header in the subtotal table: its name and unit (the 计量单位 column
    /// gives the unit of numbers without a plan unit).
    pub fn number_header(&self, c: usize) -> String {
        let column = &self.form.columns[c];
        match &column.unit {
            Some(unit) => format!("{}（{}）", column.name, unit),
            None => column.name.clone(),
        }
    }
}

/// Per-township subtotals of a topic's detail rows (per township and category where the
/// category sets the unit), townships in the order of their first row, then the district's
/// total(s) (one per category). Sums are added in row order, as the CSV file lists the rows.
pub fn subtotals(form: &Form, records: &[&Record], period: Period) -> Vec<Subtotal> {
    let category = category_column(form);
    let width = form.columns.len();
    let empty = |township: &str, category_value: &Option<String>| Subtotal {
        township: township.to_string(),
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
        add(district.entry(key.clone()).or_insert_with(|| empty("全区合计", &key.1)), record);
    }
    let mut out = Vec::with_capacity(records.len().min(townships.len() * 8) + district.len());
    for township in &townships {
        out.extend(groups.remove(township).into_iter().flat_map(BTreeMap::into_values));
    }
    out.extend(district.into_values());
    out
}

/// The category column that sets the unit of a form's unit-less numbers (农村公路's 项目类别).
fn category_column(form: &Form) -> Option<usize> {
    form.columns.iter().position(|c| c.kind == ColumnKind::Category && !c.category_units.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn road(township: &str, category: &str, task: f64, unit: &str) -> Record {
        let text = |t: &str| Value::Text(t.into());
        Record {
            township: township.into(),
            form: "ZX03".into(),
            row: 4,
            key: "=项目".into(),
            values: vec![
                text("=HYPERLINK(\"x\")"),
                text(category),
                text("荆竹村"),
                Value::Number(task),
                Value::Number(task / 2.0),
                text(unit),
                text("否"),
                text("2024-09"),
                Value::Missing,
            ],
            units: vec![None; 9],
            columns: Arc::from(vec![None; 9]),
            file: Arc::from("2024-06/路口镇.xlsx"),
            sheet: Arc::from("农村公路"),
        }
    }

    #[test]
    fn numbers_are_subtotalled_per_category_never_across_units() {
        let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
        let form = plan.form("ZX03").unwrap();
        let period = Period::new(2024, 6).unwrap();
        let rows = [road("路口镇", "新建桥梁", 1.0, "座"), road("路口镇", "白改黑", 2.5, "公里"), road("云溪街道", "白改黑", 1.5, "公里")];
        let rows: Vec<&Record> = rows.iter().collect();
        let totals = subtotals(form, &rows, period);
        let keys: Vec<(&str, Option<&str>, Option<&str>, usize)> =
            totals.iter().map(|t| (t.township.as_str(), t.category.as_deref(), t.unit.as_deref(), t.rows)).collect();
        assert_eq!(
            keys,
            [
                ("路口镇", Some("白改黑"), Some("公里"), 1),
                ("路口镇", Some("新建桥梁"), Some("座"), 1),
                ("云溪街道", Some("白改黑"), Some("公里"), 1),
                ("全区合计", Some("白改黑"), Some("公里"), 2),
                ("全区合计", Some("新建桥梁"), Some("座"), 1),
            ]
        );
        let task = form.columns.iter().position(|c| c.id == "task").unwrap();
        assert_eq!(totals[3].sums[task], Some(4.0));
        assert_eq!(totals[3].statuses.iter().sum::<usize>(), 2, "both roads judged");
    }

    #[test]
    fn the_csv_is_inert_text_with_full_numbers() {
        let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
        let form = plan.form("ZX03").unwrap();
        let record = road("路口镇", "白改黑", 0.1 + 0.2, "公里");
        let bytes = detail_csv(form, &[&record], Period::new(2024, 6).unwrap());
        let text = String::from_utf8(bytes).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert!(line.starts_with("路口镇,\"'=HYPERLINK(\"\"x\"\")\",白改黑,荆竹村,0.30000000000000004,"), "{line}");
        assert!(line.ends_with(",路口镇.xlsx,4"), "{line}");
    }
}
