//! Township (and department) workbooks in the canonical layout of the plan's forms: the blank
//! templates of `zhenxing template`, and — given values — the sample input and benchmark files.
//!
//! Each form sheet: title row, `填报单位：…    填报月份：…` line, one header row, data rows (one
//! per village for village forms), footer lines. Data validation: non-negative numbers, 是/否
//! and category dropdowns, the township's villages; header rows locked; a 填报说明 sheet.

use std::collections::BTreeMap;

use rust_xlsxwriter::{DataValidation, DataValidationRule, Format, FormatAlign, Formula, ProtectionOptions, Workbook, Worksheet};

use crate::error::Result;
use crate::period::Period;
use crate::plan::{ColumnKind, Form, Plan, Reporter, RowKind};

use super::style::{self, WriteText};

/// A value to put in a template cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Fill {
    Empty,
    Number(f64),
    Text(String),
}

/// Values for one form sheet, and deliberate deviations from the canonical layout (used by
/// the sample input to show what real files look like).
#[derive(Debug, Clone, Default)]
pub struct FilledForm {
    /// Rows in plan column order. For village forms, row i is the township's village i.
    pub rows: Vec<Vec<Fill>>,
    /// A 合计 row after the data rows.
    pub total: Option<Vec<Fill>>,
    /// Header text to write instead of the canonical one, by column id (e.g. a unit in 公顷).
    pub header_overrides: BTreeMap<String, String>,
    /// The footer line as a township filled it (default: the blank 填报人/联系电话 line).
    pub footer: Option<String>,
    /// Hints shown as cell notes (批注), by row and column: last month's value beside a column
    /// the clerk fills again. Readers ignore notes.
    pub hints: Vec<Vec<Option<String>>>,
}

/// What to write in one workbook.
#[derive(Debug, Clone)]
pub struct TemplateRequest<'a> {
    pub plan: &'a Plan,
    /// Reporting unit name: a township, a department (its own ledger), or `区直部门` for the
    /// combined ledger of every department.
    pub unit: &'a str,
    pub period: Period,
    /// Values by form id; absent forms are left blank.
    pub filled: BTreeMap<String, FilledForm>,
    /// Whether to protect the header rows (templates: yes; generated sample files: yes as well,
    /// as a statistician's file made from the template would be).
    pub protect: bool,
}

/// File name of a township's workbook: `长岭街道_2024年03月.xlsx`.
pub fn file_name(unit: &str, period: Period) -> String {
    format!("{}_{}.xlsx", crate::text::file_safe(unit), period.label_padded())
}

const FIRST_DATA_ROW: u32 = 3;

/// The workbook's bytes.
pub fn workbook_bytes(request: &TemplateRequest<'_>) -> Result<Vec<u8>> {
    let path = std::path::PathBuf::from(file_name(request.unit, request.period));
    let map = |e| super::xlsx_error(&path, e);
    let plan = request.plan;
    let department = plan_is_department(request.plan, request.unit);
    let reporter = if department { Reporter::Department } else { Reporter::Township };
    let villages: Vec<String> = plan.unit(request.unit).map(|u| u.villages.names().to_vec()).unwrap_or_default();
    let mut workbook = Workbook::new();
    workbook.set_properties(&style::properties(
        request.period,
        &format!("{} {} 填报表", request.unit, request.period.label()),
        &plan.plan.office,
    ));
    let forms: Vec<&Form> = plan.forms.iter().filter(|f| f.reporter == reporter).collect();
    // Hidden list sheet for the village dropdowns.
    let list_sheet = "名录";
    for form in &forms {
        let sheet = workbook.add_worksheet();
        write_form_sheet(sheet, request, form, &villages, list_sheet).map_err(map)?;
    }
    let notes = workbook.add_worksheet();
    write_instructions(notes, plan, &forms, request).map_err(map)?;
    if !villages.is_empty() {
        let list = workbook.add_worksheet();
        list.set_name(list_sheet).map_err(map)?;
        list.write_string(0, 0, "村（社区）").map_err(map)?;
        for (i, v) in villages.iter().enumerate() {
            list.write_string(i as u32 + 1, 0, v).map_err(map)?;
        }
        list.set_hidden(true);
    }
    workbook.save_to_buffer().map_err(map)
}

type XResult<T> = std::result::Result<T, rust_xlsxwriter::XlsxError>;

fn write_form_sheet(
    sheet: &mut Worksheet,
    request: &TemplateRequest<'_>,
    form: &Form,
    villages: &[String],
    list_sheet: &str,
) -> XResult<()> {
    let filled = request.filled.get(&form.id);
    sheet.set_name(&form.sheet)?;
    let widths = form_header(sheet, request, form, filled)?;
    let last_data_row = form_rows(sheet, request, form, filled, villages, &widths)?;
    form_footer(sheet, filled, last_data_row)?;
    form_validations(sheet, request, form, villages, list_sheet, last_data_row)?;
    sheet.set_freeze_panes(FIRST_DATA_ROW, 1)?;
    style::print_setup(sheet, &format!("{} {} {}", request.unit, request.period.label(), form.title), FIRST_DATA_ROW - 1);
    if request.protect {
        let options = ProtectionOptions {
            format_columns: true,
            format_rows: true,
            insert_rows: true,
            delete_rows: true,
            ..ProtectionOptions::default()
        };
        sheet.protect_with_options(&options);
    }
    Ok(())
}

/// The title, the 填报单位/填报月份 line and the header row; returns the columns' widths.
fn form_header(sheet: &mut Worksheet, request: &TemplateRequest<'_>, form: &Form, filled: Option<&FilledForm>) -> XResult<Vec<f64>> {
    let last_col = form.columns.len() as u16 - 1;
    sheet.merge_range(0, 0, 0, last_col, &format!("{}（{}）", form.title, form.id), &style::title())?;
    sheet.set_row_height(0, 30)?;
    let line = format!("填报单位：{}    填报月份：{}", request.unit, request.period.label());
    sheet.merge_range(1, 0, 1, last_col, &line, &style::subtitle())?;
    let header_format = style::header();
    let mut widths = Vec::with_capacity(form.columns.len());
    for (c, column) in form.columns.iter().enumerate() {
        let text = filled.and_then(|f| f.header_overrides.get(&column.id).cloned()).unwrap_or_else(|| column.header());
        sheet.text(2, c as u16, &text, &header_format)?;
        // Headers wrap onto up to three lines, so columns need not be as wide as their header.
        let width = match column.kind {
            ColumnKind::Key => 22.0,
            ColumnKind::Text | ColumnKind::Village => 14.0,
            _ => (style::width_for([text.as_str()], 8.0, 40.0) / 2.0 + 2.0).clamp(9.0, 14.0),
        };
        sheet.set_column_width(c as u16, width)?;
        widths.push(width);
    }
    sheet.set_row_height(2, 48)?;
    Ok(widths)
}

/// The data rows: villages or ledger items prefilled as keys (locked), what `filled` gives, and
/// blank rows for projects; notes with last month's values. Returns the last data row.
fn form_rows(
    sheet: &mut Worksheet,
    request: &TemplateRequest<'_>,
    form: &Form,
    filled: Option<&FilledForm>,
    villages: &[String],
    widths: &[f64],
) -> XResult<u32> {
    let plan = request.plan;
    let prefilled_keys: Vec<String> = match form.row_kind {
        RowKind::Village => villages.to_vec(),
        RowKind::Item => department_items_of(plan, request.unit),
        RowKind::Project => Vec::new(),
    };
    // A unit without a village list (any name taken) writes its villages itself: open rows, as
    // for projects, never locked empty ones.
    let open_keys = form.row_kind == RowKind::Project || (form.row_kind == RowKind::Village && villages.is_empty());
    let blank = if open_keys { form.blank_rows as usize } else { 0 };
    let data_rows = filled.map(|f| f.rows.len()).unwrap_or(0).max(prefilled_keys.len()).max(blank);
    let locked_text = style::cell();
    let open_text = style::text_cell().set_unlocked();
    for r in 0..data_rows {
        let row = FIRST_DATA_ROW + r as u32;
        // A prefilled text that wraps (a long project name) makes its row as tall as it needs,
        // or its lines are drawn over the rows below.
        let mut lines = 1usize;
        for (c, column) in form.columns.iter().enumerate() {
            let fill = filled.and_then(|f| f.rows.get(r)).and_then(|cells| cells.get(c)).cloned().unwrap_or(Fill::Empty);
            let fill = match (&fill, column.kind) {
                (Fill::Empty, ColumnKind::Key) => prefilled_keys.get(r).map(|k| Fill::Text(k.clone())).unwrap_or(Fill::Empty),
                (Fill::Empty, ColumnKind::Text) if form.row_kind == RowKind::Item && column.id == "item" => {
                    item_name(plan, prefilled_keys.get(r)).map(Fill::Text).unwrap_or(Fill::Empty)
                }
                _ => fill,
            };
            let key_locked = column.kind == ColumnKind::Key && !open_keys;
            // (format, whether it wraps text)
            let (format, wraps): (Format, bool) = match column.kind {
                ColumnKind::Number => (style::number(2).set_unlocked().set_num_format("#,##0.##"), false),
                _ if key_locked => (locked_text.clone(), false),
                _ => (open_text.clone(), true),
            };
            match fill {
                Fill::Number(n) => sheet.write_number_with_format(row, c as u16, n, &format)?,
                Fill::Text(t) => {
                    if wraps {
                        lines = lines.max(style::wrapped_lines(&t, widths[c]));
                    }
                    sheet.text(row, c as u16, &t, &format)?
                }
                Fill::Empty => sheet.write_blank(row, c as u16, &format)?,
            };
            if let Some(hint) = filled.and_then(|f| f.hints.get(r)).and_then(|h| h.get(c)).cloned().flatten() {
                // Excel's limit for a note's author is 52 characters (rust_xlsxwriter drops a
                // longer one with a warning on stderr).
                let author: String = plan.wording().office.chars().take(50).collect();
                sheet.insert_note(row, c as u16, &rust_xlsxwriter::Note::new(hint).set_author(author))?;
            }
        }
        if lines > 1 {
            sheet.set_row_height(row, style::height_of_lines(lines))?;
        }
    }
    Ok(FIRST_DATA_ROW + data_rows.max(1) as u32 - 1)
}

/// A 合计 row where `filled` has one, then the signature line (填报人, 联系电话 …).
fn form_footer(sheet: &mut Worksheet, filled: Option<&FilledForm>, last_data_row: u32) -> XResult<()> {
    let mut footer_row = last_data_row + 1;
    if let Some(total) = filled.and_then(|f| f.total.as_ref()) {
        for (c, fill) in total.iter().enumerate() {
            match fill {
                Fill::Number(n) => {
                    sheet.write_number_with_format(footer_row, c as u16, *n, &style::number(2).set_num_format("#,##0.##").set_bold())?
                }
                Fill::Text(t) => sheet.text(footer_row, c as u16, t, &style::cell().set_bold())?,
                Fill::Empty => sheet.write_blank(footer_row, c as u16, &style::cell())?,
            };
        }
        footer_row += 1;
    }
    let footer =
        filled.and_then(|f| f.footer.as_deref()).unwrap_or("填报人：            联系电话：            审核人：            填报日期：");
    sheet.text(footer_row + 1, 0, footer, &style::base())?;
    Ok(())
}

/// Data validation on the data rows (and 50 rows at least): non-negative numbers, 是/否 and
/// category dropdowns, years, months of the plan year, the unit's villages.
fn form_validations(
    sheet: &mut Worksheet,
    request: &TemplateRequest<'_>,
    form: &Form,
    villages: &[String],
    list_sheet: &str,
    last_data_row: u32,
) -> XResult<()> {
    for (c, column) in form.columns.iter().enumerate() {
        let c = c as u16;
        let validation = match column.kind {
            ColumnKind::Number => Some(
                DataValidation::new()
                    .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
                    .set_error_title("数值错误")?
                    .set_error_message(format!("“{}”请填写不小于 0 的数字", column.header()))?,
            ),
            ColumnKind::YesNo => {
                Some(DataValidation::new().allow_list_strings(&["是", "否"])?.set_error_message("请从下拉框选择“是”或“否”")?)
            }
            ColumnKind::Category | ColumnKind::Unit => Some(
                DataValidation::new()
                    .allow_list_strings(&column.categories)?
                    .set_error_message(format!("请从下拉框选择：{}", column.categories.join("、")))?,
            ),
            ColumnKind::Year => Some(
                DataValidation::new()
                    .allow_whole_number(DataValidationRule::Between(2015, 2035))
                    .set_error_message("请填写4位年份，如 2023")?,
            ),
            ColumnKind::Month => {
                let months: Vec<String> = (1..=12).map(|m| format!("{}年{m}月", request.period.year)).collect();
                Some(
                    DataValidation::new()
                        .allow_list_strings(&months)?
                        .set_error_message(format!("请从下拉框选择月份，如 {}年9月", request.period.year))?,
                )
            }
            ColumnKind::Village if !villages.is_empty() => Some(
                DataValidation::new()
                    .allow_list_formula(Formula::new(format!("={list_sheet}!$A$2:$A${}", villages.len() + 1)))
                    .set_error_message(format!("请从下拉框选择本{}的村（社区）", request.plan.wording().townships))?,
            ),
            _ => None,
        };
        if let Some(validation) = validation {
            sheet.add_data_validation(FIRST_DATA_ROW, c, last_data_row.max(FIRST_DATA_ROW + 49), c, &validation)?;
        }
    }
    Ok(())
}

/// A unit's template prefilled from its last stored month (`records` of that month, as
/// `store::read_records` gives them): what does not change by itself is filled (the villages,
/// stock values such as 耕地面积 and 农户总数, each project's name, year, village, category and
/// 建设任务); year-to-date columns stay for the clerk, last month's value shown beside them as a
/// note (批注), which readers ignore. `same_year`: last month is of the template's year (else its
/// year-to-date values are no hint).
pub fn prefilled_forms(
    plan: &Plan,
    unit: &str,
    records: &[crate::validate::Record],
    same_year: bool,
    last_label: &str,
) -> BTreeMap<String, FilledForm> {
    use crate::plan::Measure;
    use crate::validate::Value;
    // form → record key → (first row, column → fill)
    let mut records_by_form: BTreeMap<String, BTreeMap<String, (u32, BTreeMap<String, Fill>)>> = BTreeMap::new();
    for record in records.iter().filter(|r| &*r.township == unit) {
        let Some(form) = plan.form(&record.form) else { continue };
        let entry =
            records_by_form.entry(record.form.to_string()).or_default().entry(record.key.clone()).or_insert((record.row, BTreeMap::new()));
        entry.0 = entry.0.min(record.row);
        for (column, value) in form.columns.iter().zip(&record.values) {
            let fill = match value {
                Value::Number(n) => Fill::Number(*n),
                Value::Text(t) => Fill::Text(t.clone()),
                Value::Missing => continue,
            };
            entry.1.insert(column.id.clone(), fill);
        }
    }
    let records = records_by_form;
    let villages: Vec<String> = plan.unit(unit).map(|u| u.villages.names().to_vec()).unwrap_or_default();
    let mut forms = BTreeMap::new();
    for form in plan.forms.iter().filter(|f| f.reporter == Reporter::Township) {
        let Some(last) = records.get(&form.id) else { continue };
        // Columns that identify a row or do not change by themselves are filled; the rest get a hint.
        let kept = |c: &crate::plan::Column| match c.kind {
            ColumnKind::Key | ColumnKind::Village | ColumnKind::Year | ColumnKind::Month | ColumnKind::Category | ColumnKind::Unit => true,
            ColumnKind::Number => c.measure == Measure::Stock || form.columns.iter().any(|o| o.not_above.as_deref() == Some(c.id.as_str())),
            _ => false,
        };
        let keys: Vec<String> = match form.row_kind {
            RowKind::Village => villages.clone(),
            _ => {
                let mut keys: Vec<(&u32, &String)> = last.iter().map(|(k, (r, _))| (r, k)).collect();
                keys.sort();
                keys.into_iter().map(|(_, k)| k.clone()).collect()
            }
        };
        let mut rows = Vec::new();
        let mut hints = Vec::new();
        for k in &keys {
            let values = last.get(k).map(|(_, v)| v);
            let mut row = Vec::new();
            let mut hint = Vec::new();
            for c in &form.columns {
                let mut previous = values.and_then(|v| v.get(&c.id)).cloned();
                // A stored month (`2024-09`) is written as the template's list offers it.
                if c.kind == ColumnKind::Month
                    && let Some(Fill::Text(t)) = &previous
                    && let Some((y, m)) = t.split_once('-').and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
                {
                    previous = Some(Fill::Text(format!("{y}年{m}月")));
                }
                if c.kind == ColumnKind::Key {
                    row.push(Fill::Text(k.clone()));
                    hint.push(None);
                } else if kept(c) {
                    row.push(previous.unwrap_or(Fill::Empty));
                    hint.push(None);
                } else {
                    row.push(Fill::Empty);
                    let shown = match previous {
                        Some(Fill::Number(n)) if same_year => Some(crate::text::fmt(n)),
                        Some(Fill::Text(t)) if same_year && c.kind != ColumnKind::Text => Some(t),
                        _ => None,
                    };
                    hint.push(shown.map(|s| format!("{last_label}：{s}（仅供参考，请填写本月数）")));
                }
            }
            rows.push(row);
            hints.push(hint);
        }
        forms.insert(form.id.clone(), FilledForm { rows, hints, ..FilledForm::default() });
    }
    forms
}

/// Ledger rows of the department form: every target reported by a department, and every
/// qualitative task (its status), in plan order.
pub fn department_items(plan: &Plan) -> Vec<String> {
    plan.ledger_targets().map(|t| t.id.clone()).collect()
}

/// The ledger rows one department reports: the targets it leads (its own ledger), or every row
/// for the combined ledger (`区直部门`).
pub fn department_items_of(plan: &Plan, unit: &str) -> Vec<String> {
    plan.ledger_targets().filter(|t| unit == plan.combined_ledger() || plan.ledger_owner(t) == unit).map(|t| t.id.clone()).collect()
}

/// Whether a template is a department ledger: for a department of the plan or the combined ledger.
fn plan_is_department(plan: &Plan, unit: &str) -> bool {
    plan.has_ledger() && plan.is_department(unit)
}

fn item_name(plan: &Plan, id: Option<&String>) -> Option<String> {
    let target = plan.targets.iter().find(|t| Some(&t.id) == id)?;
    Some(format!("{}（{}）", target.name, target.lead_units.join("、")))
}

fn write_instructions(
    sheet: &mut Worksheet,
    plan: &Plan,
    forms: &[&Form],
    request: &TemplateRequest<'_>,
) -> std::result::Result<(), rust_xlsxwriter::XlsxError> {
    sheet.set_name("填报说明")?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 26)?;
    sheet.set_column_width(2, 12)?;
    sheet.set_column_width(3, 60)?;
    sheet.merge_range(0, 0, 0, 3, &format!("{} 乡村振兴重点指标月报 填报说明", plan.plan.district_full), &style::title())?;
    let wrap = style::base().set_text_wrap().set_align(FormatAlign::Top);
    let general = [
        format!(
            "1. 本表由{}于每月结束后报送，文件名为“{}”，放入 input/{}/ 文件夹。",
            request.unit,
            file_name(request.unit, request.period),
            request.period
        ),
        "2. 请勿修改工作表名称、表头和村（社区）名称；灰色表头行已锁定，只需填写白色单元格。".to_string(),
        "3. 时点数填月末实有数；其余数值为本年1月1日起至本月末的累计数。没有数据的填 0，不要留空或填文字。".to_string(),
        "4. 合计行可填可不填；如填写，必须等于各行之和（汇总以明细为准）。".to_string(),
        if plan.plan.document_no.trim().is_empty() {
            format!("5. 依据：{}。", plan.plan.title)
        } else {
            format!("5. 依据：{}（{}）。", plan.plan.title, plan.plan.document_no)
        },
    ];
    let mut row = 2u32;
    for line in &general {
        sheet.merge_range(row, 0, row, 3, line, &wrap)?;
        sheet.set_row_height(row, 30)?;
        row += 1;
    }
    row += 1;
    let header = style::header();
    for (c, h) in ["表号", "列名", "类型", "填报要求"].iter().enumerate() {
        sheet.text(row, c as u16, *h, &header)?;
    }
    row += 1;
    let cell = style::text_cell();
    for form in forms {
        for line in &form.instructions {
            sheet.text(row, 0, format!("{} {}", form.id, form.sheet), &cell)?;
            sheet.merge_range(row, 1, row, 3, line, &cell)?;
            sheet.set_row_height(row, 30)?;
            row += 1;
        }
        for column in &form.columns {
            let kind = match column.kind {
                ColumnKind::Key => "名称",
                ColumnKind::Village => "村（社区）",
                ColumnKind::Text => "文字",
                ColumnKind::Number => match column.measure {
                    crate::plan::Measure::Stock => "数值（时点）",
                    crate::plan::Measure::Ytd => "数值（累计）",
                },
                ColumnKind::YesNo => "是/否",
                ColumnKind::Category => "下拉选择",
                ColumnKind::Date => "日期",
                ColumnKind::Year => "年份",
                ColumnKind::Month => "月份",
                ColumnKind::Unit => "计量单位",
            };
            let mut rule = column.note.clone();
            if let Some(parent) = column.part_of.as_deref().and_then(|p| form.column(p)) {
                rule.push_str(&format!("不得大于“{}”。", parent.name));
            }
            if let Some(limit) = column.not_above.as_deref().and_then(|p| form.column(p)) {
                rule.push_str(&format!("不得大于“{}”。", limit.name));
            }
            if !column.categories.is_empty() {
                rule.push_str(&format!("可选：{}。", column.categories.join("、")));
            }
            if column.required {
                rule.push_str("必填。");
            }
            sheet.text(row, 0, format!("{} {}", form.id, form.sheet), &cell)?;
            sheet.text(row, 1, column.header(), &cell)?;
            sheet.text(row, 2, kind, &cell)?;
            sheet.text(row, 3, &rule, &cell)?;
            row += 1;
        }
    }
    style::print_setup(sheet, "填报说明", 0);
    Ok(())
}
