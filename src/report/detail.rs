//! A topic's counted detail rows when there are more than leaders read: the per-township
//! subtotals its sheet shows instead, and the CSV file (one per form, beside the bulletin) that
//! holds the rows themselves.
//!
//! The plan's `[report] topic_detail_rows` (default 5,000) decides: at or below it the topic sheet
//! lists every row (as it always has); above it, the sheet shows the subtotals aggregation made
//! (`aggregate::topics`) and the rows go to `detail_csv`.

use crate::aggregate::{STATUS_ORDER, Subtotal, project_status, topics};
use crate::period::Period;
use crate::plan::{ColumnKind, Form, Plan};
use crate::text::inert;
use crate::validate::{Record, Validated, Value};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The counted detail rows of one form, in the order the bulletin lists them.
pub fn rows<'a>(validated: &'a Validated, form: &Form) -> Vec<&'a Record> {
    validated.records.iter().filter(|r| *r.form == *form.id).collect()
}

/// The topics of this month shown as subtotals: (form, its detail rows).
pub fn summarised_forms<'a>(plan: &'a Plan, validated: &'a Validated) -> Vec<(&'a Form, Vec<&'a Record>)> {
    plan.township_forms().map(|form| (form, rows(validated, form))).filter(|(_, rows)| plan.report.summarises(rows.len())).collect()
}

/// `农村公路明细_2024年12月.csv`.
pub fn csv_file_name(form: &Form, period: Period) -> String {
    format!("{}明细_{}.csv", form.topic(), period.label_padded())
}

/// The header of a topic's detail table and CSV file: 镇（街道）, the plan's columns, 按期情况
/// (forms with timing), 来源文件, 行号.
pub fn detail_headers(form: &Form, townships: &str) -> Vec<String> {
    let mut headers = vec![townships.to_string()];
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
pub fn detail_csv(form: &Form, records: &[&Record], period: Period, townships: &str) -> Vec<u8> {
    let mut out = BOM.to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        writer.write_record(detail_headers(form, townships)).expect("writing to memory");
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
        let category = topics::category_column(form);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::tests::road;

    #[test]
    fn the_csv_is_inert_text_with_full_numbers() {
        let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
        let form = plan.form("ZX03").unwrap();
        let record = road("路口镇", "白改黑", 0.1 + 0.2, "公里");
        let bytes = detail_csv(form, &[&record], Period::new(2024, 6).unwrap(), "镇（街道）");
        let text = String::from_utf8(bytes).unwrap();
        let line = text.lines().nth(1).unwrap();
        assert!(line.starts_with("路口镇,\"'=HYPERLINK(\"\"x\"\")\",白改黑,荆竹村,0.30000000000000004,"), "{line}");
        assert!(line.ends_with(",路口镇.xlsx,4"), "{line}");
    }
}
