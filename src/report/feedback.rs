//! The feedback workbook a township gets back: every issue with its cell, and a copy of each
//! sheet's values with the offending cells highlighted, so the statistician can find and fix them.

use std::collections::{BTreeMap, BTreeSet};

use rust_xlsxwriter::{Color, Workbook, Worksheet, XlsxError};

use crate::error::Result;
use crate::ingest::{Cell, Grid};
use crate::issue::{Issue, Severity};
use crate::period::Period;
use crate::plan::Plan;

use super::style::{self, WriteText};

pub struct Feedback<'a> {
    pub plan: &'a Plan,
    pub township: &'a str,
    pub period: Period,
    pub issues: &'a [&'a Issue],
    /// (file, its grids) for the files the issues are in.
    pub sheets: &'a [(String, Vec<Grid>)],
}

type XResult<T> = std::result::Result<T, XlsxError>;

pub fn file_name(township: &str, period: Period) -> String {
    format!("{}_数据校验反馈_{}.xlsx", crate::text::file_safe(township), period.label_padded())
}

pub fn feedback_bytes(request: &Feedback<'_>) -> Result<Vec<u8>> {
    let path = std::path::PathBuf::from(file_name(request.township, request.period));
    let map = |e| super::xlsx_error(&path, e);
    let mut workbook = Workbook::new();
    workbook.set_properties(&style::properties(request.period, &format!("{} 数据校验反馈", request.township), &request.plan.plan.office));
    let mut used = BTreeSet::new();
    issue_list(workbook.add_worksheet(), request, &mut used).map_err(map)?;
    // A copy of each sheet that has issues, offending cells highlighted.
    for (file, grids) in request.sheets {
        for grid in grids {
            let marks: BTreeMap<String, Severity> = request
                .issues
                .iter()
                .filter(|i| &i.file == file && i.sheet == grid.sheet && !i.cell.is_empty())
                .fold(BTreeMap::new(), |mut m, i| {
                    let entry = m.entry(i.cell.clone()).or_insert(i.severity());
                    *entry = (*entry).min(i.severity());
                    m
                });
            if !marks.is_empty() {
                marked_copy(workbook.add_worksheet(), file, grid, &marks, &mut used).map_err(map)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(map)
}

/// 问题清单: every issue with its file, sheet and cell, errors red and warnings yellow.
fn issue_list(sheet: &mut Worksheet, request: &Feedback<'_>, used: &mut BTreeSet<String>) -> XResult<()> {
    sheet.set_name(style::sheet_name("问题清单", used))?;
    let errors = request.issues.iter().filter(|i| i.severity() == Severity::Error).count();
    let title = format!("{} {} 报表数据校验反馈", request.township, request.period.label());
    sheet.merge_range(0, 0, 0, 7, &title, &style::title())?;
    let summary = if errors > 0 {
        format!(
            "共发现 {} 个问题，其中错误 {errors} 个：有错误的报表本月不予采用（同一文件中没有错误的报表照常采用），请改正后重新报送。",
            request.issues.len()
        )
    } else {
        format!("共发现 {} 个警告：数据已采用，请核实；如有误请改正后重新报送。", request.issues.len())
    };
    sheet.merge_range(1, 0, 1, 7, &summary, &style::subtitle().set_text_wrap())?;
    sheet.set_row_height(1, style::fit_height(&[(&summary, 165.0)]).max(30.0))?;
    let headers = ["序号", "文件", "工作表", "单元格", "严重程度", "规则", "填写值", "问题及修改建议"];
    let widths = [6.0, 30.0, 14.0, 8.0, 9.0, 22.0, 16.0, 60.0];
    for (c, (h, w)) in headers.iter().zip(widths).enumerate() {
        sheet.text(2, c as u16, *h, &style::header())?;
        sheet.set_column_width(c as u16, w)?;
    }
    let red = style::text_cell().set_font_color(Color::RGB(style::RED_TEXT)).set_background_color(Color::RGB(style::RED));
    let yellow = style::text_cell().set_font_color(Color::RGB(style::YELLOW_TEXT)).set_background_color(Color::RGB(style::YELLOW));
    for (i, issue) in request.issues.iter().enumerate() {
        let row = 3 + i as u32;
        let tone = if issue.severity() == Severity::Error { &red } else { &yellow };
        sheet.write_number_with_format(row, 0, (i + 1) as f64, &style::cell())?;
        for (c, text) in [&issue.file, &issue.sheet, &issue.cell].iter().enumerate() {
            sheet.text(row, c as u16 + 1, text.as_str(), &style::text_cell())?;
        }
        sheet.text(row, 4, issue.severity().label(), tone)?;
        sheet.text(row, 5, issue.rule_label(), &style::text_cell())?;
        sheet.text(row, 6, &issue.value, &style::text_cell())?;
        sheet.text(row, 7, &issue.message, &style::text_cell())?;
        // Each row as tall as its longest wrapped text, so that printed rows never overlap.
        let rule = issue.rule_label();
        let cells = [
            (issue.file.as_str(), widths[1]),
            (issue.sheet.as_str(), widths[2]),
            (rule.as_str(), widths[5]),
            (issue.value.as_str(), widths[6]),
            (issue.message.as_str(), widths[7]),
        ];
        sheet.set_row_height(row, style::fit_height(&cells))?;
    }
    let last = 2 + request.issues.len() as u32;
    sheet.autofilter(2, 0, last.max(3), 7)?;
    sheet.set_freeze_panes(3, 0)?;
    style::print_setup(sheet, &title, 2);
    Ok(())
}

/// A copy of one sheet's values (up to 5,000 rows and 200 columns) with the cells in `marks`
/// highlighted: red for an error, yellow for a warning.
fn marked_copy(
    sheet: &mut Worksheet,
    file: &str,
    grid: &Grid,
    marks: &BTreeMap<String, Severity>,
    used: &mut BTreeSet<String>,
) -> XResult<()> {
    // Named from the township's own sheet name, made safe; should Excel's rules still refuse
    // it, a plain numbered name.
    if sheet.set_name(style::sheet_name(&format!("标注_{}", grid.sheet), used)).is_err() {
        sheet.set_name(style::sheet_name("标注", used))?;
    }
    let plain = style::base();
    let red = style::base().set_background_color(Color::RGB(style::RED)).set_bold();
    let yellow = style::base().set_background_color(Color::RGB(style::YELLOW)).set_bold();
    let mut widths: BTreeMap<u16, usize> = BTreeMap::new();
    for (r, row) in grid.rows.iter().enumerate().take(5_000) {
        for (c, cell) in row.iter().enumerate().take(200) {
            let reference = crate::issue::a1(r, c);
            let format = match marks.get(&reference) {
                Some(Severity::Error) => &red,
                Some(Severity::Warning) => &yellow,
                None => &plain,
            };
            let (r32, c16) = (r as u32, c as u16);
            match cell {
                Cell::Empty if marks.contains_key(&reference) => {
                    sheet.write_blank(r32, c16, format)?;
                }
                Cell::Empty => {}
                Cell::Number(n) => {
                    sheet.write_number_with_format(r32, c16, *n, format)?;
                }
                other => {
                    let text = other.text();
                    let width = widths.entry(c16).or_default();
                    *width = (*width).max(crate::text::display_width(&text));
                    sheet.text(r32, c16, &text, format)?;
                }
            }
        }
    }
    for (c, w) in widths {
        sheet.set_column_width(c, ((w as f64) + 2.0).clamp(8.0, 40.0))?;
    }
    style::print_setup(sheet, &format!("{file} {}", grid.sheet), 0);
    Ok(())
}
