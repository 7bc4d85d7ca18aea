//! One sheet per form topic: the counted detail rows (or, above the plan's limit, the
//! subtotals per township with the rows in a CSV file), then the month-by-month trend of the
//! topic's target indicators with who each month counts.

use rust_xlsxwriter::{Chart, ChartType, Format, Worksheet};

use super::super::style::{self, WriteText};
use super::{Bulletin, XResult, opt_number, text_colours};
use crate::aggregate::{STATUS_ORDER, Tone, TopicSubtotals};
use crate::period::Period;
use crate::plan::ColumnKind;
use crate::validate::Value;

/// The table at the top of a topic sheet, as the trend below it needs to know it.
pub(super) struct TopicTable {
    /// The sheet's title (also its printed page header).
    title: String,
    /// The row of the table's column headers (repeated on every printed page).
    header_row: u32,
    last_row: u32,
    /// The width of each of the table's columns.
    widths: Vec<f64>,
}

/// A topic sheet's table of every counted detail row.
pub(super) fn topic_detail(
    sheet: &mut Worksheet,
    period: Period,
    form: &crate::plan::Form,
    records: &[&crate::validate::Record],
    townships: &str,
) -> XResult<TopicTable> {
    sheet.set_name(form.topic())?;
    let title = format!("{}明细（{}，已采用数据）", form.title, period.label());
    // The columns as `detail::detail_headers` lists them (a large topic's CSV file has the same):
    // 镇（街道）, the plan's columns, 按期情况 (forms with a due date), 来源文件, 行号.
    let mut widths = vec![11.0];
    widths.extend(detail_widths(form, records));
    let timing_col = form.timing.as_ref().map(|_| widths.len() as u16);
    if timing_col.is_some() {
        widths.push(11.0);
    }
    widths.extend([30.0, 6.0]);
    let last_col = widths.len() as u16 - 1;
    sheet.merge_range(0, 0, 0, last_col, &title, &style::title())?;
    sheet.set_row_height(0, 30)?;
    for (c, (header, width)) in super::super::detail::detail_headers(form, townships).iter().zip(&widths).enumerate() {
        sheet.text(1, c as u16, header, &style::header())?;
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_row_height(1, 42)?;
    // This loop writes every counted row of the month (up to the plan's limit): cells without a
    // format, formatted column by column afterwards (`ColumnFormats`).
    const CELL: usize = 0;
    const TEXT: usize = 1;
    const NUMBER: usize = 2;
    const WHOLE: usize = 3;
    let mut formats = style::ColumnFormats::new(vec![style::cell(), style::text_cell(), style::number(1), style::number(0)]);
    let counts = whole_numbers(form);
    for (i, record) in records.iter().enumerate() {
        let row = 2 + i as u32;
        formats.text(sheet, row, 0, &record.township, CELL)?;
        // The row is as tall as its longest wrapped text (a long project name), so nothing is cut.
        let mut lines = 1usize;
        for (c, value) in record.values.iter().enumerate() {
            let col = c as u16 + 1;
            match value {
                Value::Number(n) => formats.number(sheet, row, col, *n, if counts[c] { WHOLE } else { NUMBER })?,
                Value::Text(t) => {
                    lines = lines.max(style::wrapped_lines(t, widths[col as usize]));
                    formats.text(sheet, row, col, t, TEXT)?
                }
                // A blank cell with the cell format.
                Value::Missing => formats.set(sheet, row, col, CELL)?,
            }
        }
        if lines > 1 {
            sheet.set_row_height(row, style::height_of_lines(lines))?;
        }
        if let Some(col) = timing_col {
            let status = crate::aggregate::project_status(form, record, period);
            formats.text(sheet, row, col, status.map(|s| s.label()).unwrap_or(""), CELL)?;
        }
        formats.text(sheet, row, last_col - 1, super::super::detail::file_label(record), CELL)?;
        formats.number(sheet, row, last_col, record.row as f64, WHOLE)?;
    }
    formats.finish(sheet)?;
    let last_row = 1 + records.len().max(1) as u32;
    if let Some(col) = timing_col {
        let rules: Vec<(&str, Tone)> = [
            crate::aggregate::ProjectStatus::Overdue,
            crate::aggregate::ProjectStatus::Late,
            crate::aggregate::ProjectStatus::Unplanned,
            crate::aggregate::ProjectStatus::OnTime,
        ]
        .iter()
        .map(|s| (s.label(), s.tone()))
        .collect();
        text_colours(sheet, 2, last_row, col, &rules)?;
    }
    sheet.autofilter(1, 0, last_row, last_col)?;
    sheet.set_freeze_panes(2, 2)?;
    Ok(TopicTable { title, header_row: 1, last_row, widths })
}

/// Which of a form's columns hold whole numbers (households, villages and the like), shown
/// without decimals.
fn whole_numbers(form: &crate::plan::Form) -> Vec<bool> {
    form.columns.iter().map(|c| matches!(c.unit.as_deref(), Some("户" | "个" | "人" | "处" | "家"))).collect()
}

/// A topic sheet above the plan's detail-row limit: where the rows are, then the subtotals per
/// township (and category where it sets the unit) and the district's.
pub(super) fn topic_subtotals(
    sheet: &mut Worksheet,
    b: &Bulletin<'_>,
    form: &crate::plan::Form,
    topic: &TopicSubtotals,
) -> XResult<TopicTable> {
    use super::super::detail::{self, SubtotalLayout};
    let period = b.aggregated.period;
    sheet.set_name(form.topic())?;
    let totals = &topic.subtotals;
    let layout = SubtotalLayout::new(form, totals);
    // Columns: 镇（街道）, [category, 计量单位], count, sums, 是 counts, 按期情况 counts.
    let w = b.plan.wording();
    let mut headers: Vec<(String, f64)> = vec![(w.townships.clone(), 11.0)];
    if let Some(c) = layout.category {
        headers.push((form.columns[c].name.clone(), 12.0));
        headers.push(("计量单位".into(), 12.0));
    }
    // At least 12 wide: the trend below puts district totals in these columns.
    headers.push((layout.count_label().into(), 12.0));
    for &c in &layout.numbers {
        let header = layout.number_header(c);
        headers.push((header.clone(), style::width_for([header.as_str()], 15.0, 20.0) * 0.8));
    }
    for &c in &layout.yes_no {
        let header = format!("{}（是）", form.columns[c].name);
        headers.push((header.clone(), style::width_for([header.as_str()], 15.0, 16.0) * 0.8));
    }
    for &s in &layout.statuses {
        headers.push((STATUS_ORDER[s].label().into(), 12.0));
    }
    let last_col = headers.len() as u16 - 1;
    let title = format!("{}分{}小计（{}，已采用数据）", form.title, w.townships, period.label());
    sheet.merge_range(0, 0, 0, last_col, &title, &style::title())?;
    sheet.set_row_height(0, 30)?;
    let note = format!(
        "本月已采用明细 {} 行，超过专题表逐行列出的上限（{} 行，可在方案中调整）：本表列各{}小计，逐行明细见本通报同一文件夹中的“{}”（UTF-8 编码，可用 WPS 或 Excel 打开），并已写入历史数据库。",
        topic.rows,
        b.plan.report.topic_detail_rows,
        w.townships,
        detail::csv_file_name(form, period)
    );
    let width: f64 = headers.iter().map(|(_, w)| w).sum();
    sheet.merge_range(1, 0, 1, last_col, &note, &style::text_cell())?;
    sheet.set_row_height(1, style::fit_height(&[(&note, width)]))?;
    for (c, (header, w)) in headers.iter().enumerate() {
        sheet.text(2, c as u16, header, &style::header())?;
        sheet.set_column_width(c as u16, *w)?;
    }
    let cells: Vec<(&str, f64)> = headers.iter().map(|(h, w)| (h.as_str(), *w)).collect();
    sheet.set_row_height(2, style::fit_height(&cells).max(30.0))?;
    let (cell, whole) = (style::cell(), style::number(0));
    let bold = |f: Format| f.set_bold();
    let counts = whole_numbers(form);
    let mut row = 3u32;
    for total in totals {
        let district = total.district;
        let (cell, whole, number) = if district {
            (bold(style::cell()), bold(style::number(0)), bold(style::number(1)))
        } else {
            (cell.clone(), whole.clone(), style::number(1))
        };
        let mut col = 0u16;
        sheet.text(row, col, &total.township, &cell)?;
        if layout.category.is_some() {
            sheet.text(row, col + 1, total.category.as_deref().unwrap_or(""), &cell)?;
            sheet.text(row, col + 2, total.unit.as_deref().unwrap_or(""), &cell)?;
            col += 2;
        }
        col += 1;
        sheet.write_number_with_format(row, col, total.rows as f64, &whole)?;
        for &c in &layout.numbers {
            col += 1;
            opt_number(sheet, row, col, total.sums[c], if counts[c] { &whole } else { &number })?;
        }
        for &c in &layout.yes_no {
            col += 1;
            sheet.write_number_with_format(row, col, total.yes[c] as f64, &whole)?;
        }
        for &s in &layout.statuses {
            col += 1;
            sheet.write_number_with_format(row, col, total.statuses[s] as f64, &whole)?;
        }
        row += 1;
    }
    let last_row = row.max(4) - 1;
    sheet.autofilter(2, 0, last_row, last_col)?;
    sheet.set_freeze_panes(3, 1)?;
    Ok(TopicTable { title, header_row: 2, last_row, widths: headers.into_iter().map(|(_, w)| w).collect() })
}

/// Width of column `col` of a topic sheet's table (`widths`: every column's), or of a column
/// beyond it.
fn detail_width(widths: &[f64], col: u16) -> f64 {
    widths.get(col as usize).copied().unwrap_or(6.0)
}

/// Widths of a topic sheet's plan columns (after the township column): wide enough for the
/// header (wrapped) and for the widest value, up to a limit past which text wraps (key and text
/// columns), so that dates and project names are never cut.
fn detail_widths(form: &crate::plan::Form, records: &[&crate::validate::Record]) -> Vec<f64> {
    form.columns
        .iter()
        .enumerate()
        .map(|(c, column)| {
            let header = style::width_for([column.header().as_str()], 8.0, 20.0) * 0.8;
            let widest = records
                .iter()
                .filter_map(|r| match r.values.get(c) {
                    Some(Value::Text(t)) => Some(style::width_for([t.as_str()], 0.0, 200.0)),
                    Some(Value::Number(n)) => Some(format!("{n:.1}").len() as f64 * 1.2 + 2.0),
                    _ => None,
                })
                .fold(0.0, f64::max);
            let limit = match column.kind {
                ColumnKind::Key => 36.0,
                ColumnKind::Text => 24.0,
                _ => 16.0,
            };
            header.max(widest.min(limit)).max(if column.kind == ColumnKind::Key { 16.0 } else { 8.0 })
        })
        .collect()
}

/// The rest of a topic sheet below its table (`last_row`): the month-by-month trend of the form's
/// target indicators (from the store), and the print setup.
pub(super) fn topic_trend(sheet: &mut Worksheet, b: &Bulletin<'_>, form: &crate::plan::Form, table: &TopicTable) -> XResult<()> {
    let period = b.aggregated.period;
    let (last_row, widths) = (table.last_row, table.widths.as_slice());
    // Month-by-month trend of this form's target indicators (from the store).
    let indicators: Vec<&crate::plan::Indicator> = b
        .plan
        .targets
        .iter()
        .filter(|t| t.is_numeric())
        .filter_map(|t| t.indicator.as_deref().and_then(|i| b.plan.indicator(i)))
        .filter(|i| b.plan.indicator_form(i) == Some(form.id.as_str()))
        .collect();
    if !indicators.is_empty() {
        let top = last_row + 2;
        sheet.text(top, 0, format!("逐月趋势（{}累计，来自历史数据库）", b.plan.wording().whole), &style::base().set_bold())?;
        sheet.text(top + 1, 0, "月份", &style::header())?;
        for (i, ind) in indicators.iter().enumerate() {
            sheet.text(top + 1, 1 + i as u16, format!("{}（{}）", ind.name, ind.unit), &style::header())?;
        }
        let coverage_col = 1 + indicators.len() as u16;
        let last_col = (widths.len() as u16 - 1).max(coverage_col);
        if last_col > coverage_col {
            sheet.merge_range(top + 1, coverage_col, top + 1, last_col, "报送覆盖（数值后标※的含沿用数）", &style::header())?;
        } else {
            sheet.text(top + 1, coverage_col, "报送覆盖（数值后标※的含沿用数）", &style::header())?;
        }
        // The header row as tall as its longest wrapped indicator name in its (detail) column.
        let headers: Vec<String> = indicators.iter().map(|ind| format!("{}（{}）", ind.name, ind.unit)).collect();
        let cells: Vec<(&str, f64)> = headers.iter().enumerate().map(|(i, h)| (h.as_str(), detail_width(widths, 1 + i as u16))).collect();
        sheet.set_row_height(top + 1, style::fit_height(&cells).max(42.0))?;
        let months: Vec<Period> = (1..=period.month).filter_map(|m| Period::new(period.year, m)).collect();
        let mut row = top + 2;
        for month in &months {
            if !b.aggregated.trend.iter().any(|p| p.period == *month) {
                continue;
            }
            sheet.text(row, 0, month.label(), &style::cell())?;
            for (i, ind) in indicators.iter().enumerate() {
                let point = b.aggregated.trend.iter().find(|p| p.period == *month && p.indicator_id == ind.id);
                let carried = point.is_some_and(|p| !p.coverage.carried.is_empty());
                let format = if carried { style::number_carried(ind.decimals) } else { style::number(ind.decimals) };
                opt_number(sheet, row, 1 + i as u16, point.and_then(|p| p.value), &format)?;
            }
            let coverage = b
                .aggregated
                .coverage
                .iter()
                .find(|c| c.period == *month && c.form == form.id)
                .map(|c| c.coverage.summary())
                .unwrap_or_default();
            // The coverage text spans the detail table's columns to the right of the figures.
            let coverage_col = 1 + indicators.len() as u16;
            let last_col = (widths.len() as u16 - 1).max(coverage_col);
            let width: f64 = (coverage_col..=last_col).map(|c| detail_width(widths, c)).sum();
            if last_col > coverage_col {
                sheet.merge_range(row, coverage_col, row, last_col, &coverage, &style::text_cell())?;
            } else {
                sheet.text(row, coverage_col, &coverage, &style::text_cell())?;
            }
            sheet.set_row_height(row, style::fit_height(&[(&coverage, width)]))?;
            row += 1;
        }
        if row > top + 2 {
            // One axis, one unit: the chart shows the indicators in the first one's unit.
            let unit = &indicators[0].unit;
            let mut chart = Chart::new(ChartType::Line);
            chart.title().set_name(format!("{}逐月趋势（{unit}）", form.topic()).as_str());
            let sheet_name = form.topic().to_string();
            for (i, ind) in indicators.iter().enumerate().filter(|(_, ind)| &ind.unit == unit).take(6) {
                chart.add_series().set_name(ind.name.as_str()).set_categories((sheet_name.as_str(), top + 2, 0, row - 1, 0)).set_values((
                    sheet_name.as_str(),
                    top + 2,
                    1 + i as u16,
                    row - 1,
                    1 + i as u16,
                ));
            }
            chart.set_width(720).set_height(300);
            sheet.insert_chart(row + 1, 0, &chart)?;
        }
    }
    style::print_setup(sheet, &table.title, table.header_row);
    Ok(())
}
