//! 镇街进度: one block per indicator, townships sorted by rank (ties 并列), missing ones last,
//! with data bars and a chart of the first indicator.

use rust_xlsxwriter::{Chart, ChartType, ConditionalFormatDataBar, FormatAlign, Worksheet};

use super::super::style::{self, WriteText};
use super::{Bulletin, SUBMISSION_TONES, XResult, blank_format, text_colours};
use crate::plan::Wording;

/// How 镇街进度 ranks (SPEC "Rankings"), in the plan's words.
fn ranking_note(w: &Wording) -> String {
    format!(
        "按指标分组，组内按排名排序（并列名次相同）。只在可比时排名：有分解任务的按完成率，比率类指标按数值（越低越好的指标从低到高）；总量类指标不排名，列出占{}比重。未报送或数据有误的{}不参与排名，列在组末。",
        w.whole, w.townships
    )
}

/// 镇街进度: one block per indicator, townships sorted by rank (ties 并列), missing ones last.
/// A long table rather than a townships × indicators matrix: it prints on A4 at any number of
/// indicators, filters by 指标 or 镇街, and stays far below Excel's row limit at province scale.
pub(super) fn townships(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let plan = b.plan;
    let period = b.aggregated.period;
    let w = plan.wording();
    let sheet_name = format!("{}进度", w.townships_short);
    sheet.set_name(&sheet_name)?;
    let title = format!("各{}重点指标完成情况（{}）", w.townships, period.label());
    let share = format!("占{}", w.whole);
    let headers = ["指标", "单位", w.townships.as_str(), "完成数", "分解任务", "完成率", "排名", "报送状态", share.as_str()];
    let ranking = ranking_note(w);
    let widths = [30.0, 6.0, 14.0, 12.0, 10.0, 9.0, 8.0, 10.0, 8.0];
    sheet.merge_range(0, 0, 0, headers.len() as u16 - 1, &title, &style::title())?;
    sheet.set_row_height(0, 30)?;
    sheet.merge_range(1, 0, 1, headers.len() as u16 - 1, &ranking, &style::subtitle().set_text_wrap())?;
    sheet.set_row_height(1, style::fit_height(&[(&ranking, widths.iter().sum())]))?;
    for (c, (h, w)) in headers.iter().zip(widths).enumerate() {
        sheet.text(2, c as u16, *h, &style::header())?;
        sheet.set_column_width(c as u16, w)?;
    }
    // 46,000 rows at province scale: cells are written without a format and formatted column
    // by column afterwards (`ColumnFormats`). Formats: cell, centred, percent and its “—”, then
    // each indicator's number and its “—”.
    const CELL: usize = 0;
    const CENTER: usize = 1;
    const PERCENT: usize = 2;
    let mut formats = vec![style::cell(), style::cell().set_align(FormatAlign::Center), style::percent(), blank_format(&style::percent())];
    let first_number = formats.len();
    for id in &b.aggregated.township_indicators {
        let number = style::number(plan.indicator(id).expect("from plan").decimals);
        let blank = blank_format(&number);
        formats.extend([number, blank]);
    }
    let mut column_formats = style::ColumnFormats::new(formats);
    // `opt_number` with these formats: `number` is the format's index, its “—”'s the one after.
    let put_number =
        |sheet: &mut Worksheet, formats: &mut style::ColumnFormats, row: u32, col: u16, value: Option<f64>, number: usize| match value {
            Some(v) if v.is_finite() => formats.number(sheet, row, col, v, number),
            _ => formats.text(sheet, row, col, "—", number + 1),
        };
    let order: std::collections::HashMap<&str, usize> = plan.units.iter().enumerate().map(|(i, u)| (u.name.as_str(), i)).collect();
    let mut row = 3u32;
    let mut first_block: Option<(u32, u32)> = None;
    for (k, id) in b.aggregated.township_indicators.iter().enumerate() {
        let indicator = plan.indicator(id).expect("from plan");
        let mut values: Vec<&crate::aggregate::TownshipValue> = b.aggregated.townships.iter().filter(|t| &t.indicator_id == id).collect();
        // Ranked first by rank; unranked raw sizes by their share, largest first.
        values.sort_by(|a, b| {
            (a.rank.is_none(), a.rank, a.value.is_none())
                .cmp(&(b.rank.is_none(), b.rank, b.value.is_none()))
                .then_with(|| b.share.unwrap_or(0.0).total_cmp(&a.share.unwrap_or(0.0)))
                .then_with(|| order.get(a.township.as_str()).cmp(&order.get(b.township.as_str())))
        });
        let start = row;
        // The indicator's number format (its “—” is the one after it).
        let number = first_number + 2 * k;
        for v in values {
            let f = &mut column_formats;
            f.text(sheet, row, 0, &indicator.name, CELL)?;
            f.text(sheet, row, 1, &indicator.unit, CENTER)?;
            f.text(sheet, row, 2, &v.township, CELL)?;
            put_number(sheet, f, row, 3, v.value, number)?;
            put_number(sheet, f, row, 4, v.allocation, number)?;
            put_number(sheet, f, row, 5, v.completion_rate, PERCENT)?;
            let rank = v.rank.map(|r| if v.tied { format!("并列{r}") } else { r.to_string() }).unwrap_or_else(|| "—".to_string());
            f.text(sheet, row, 6, &rank, CENTER)?;
            f.text(sheet, row, 7, v.submission_status.label(), CENTER)?;
            put_number(sheet, f, row, 8, v.share, PERCENT)?;
            row += 1;
        }
        if row > start {
            sheet.add_conditional_format(start, 3, row - 1, 3, &ConditionalFormatDataBar::new())?;
            first_block.get_or_insert((start, row - 1));
        }
    }
    column_formats.finish(sheet)?;
    let last_row = row.max(4) - 1;
    text_colours(sheet, 3, last_row, 7, &SUBMISSION_TONES)?;
    sheet.autofilter(2, 0, last_row, headers.len() as u16 - 1)?;
    // A chart of the first indicator by township; beyond 60 townships a bar chart is unreadable.
    if let (Some(first), Some((start, end))) = (b.aggregated.township_indicators.first(), first_block)
        && end - start < 60
    {
        let indicator = plan.indicator(first).expect("from plan");
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name(format!("各{}{}（{}）", w.townships, indicator.name, indicator.unit).as_str());
        chart.add_series().set_name(indicator.name.as_str()).set_categories((sheet_name.as_str(), start, 2, end, 2)).set_values((
            sheet_name.as_str(),
            start,
            3,
            end,
            3,
        ));
        chart.legend().set_hidden();
        chart.set_width(640).set_height(300);
        sheet.insert_chart(last_row + 2, 0, &chart)?;
    }
    sheet.set_freeze_panes(3, 0)?;
    style::print_setup(sheet, &title, 2);
    Ok(())
}
