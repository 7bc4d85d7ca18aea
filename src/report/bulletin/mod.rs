//! The leaders' workbook: `<区名>乡村振兴重点指标进度通报_<YYYY>年<MM>月.xlsx`, read on screen and
//! printed on A4. Sheets, each made by its own module: 总览 (`overview`), 年终考核 (`year_end`),
//! 镇街进度 (`townships`), one per form topic (`topics`), 定性任务 and 牵头单位 (`ledger`),
//! 报送情况, 催报名单, 数据问题 and 数据核对 (`submissions`), 说明 (`notes`). This module fills
//! them in parallel and holds what they share.
//!
//! Values are written as computed numbers, never formulas; township text is always written with
//! `write_string`, so a village named `=HYPERLINK(...)` stays inert. Document properties are
//! fixed to the period's end so a re-run gives identical bytes.

mod ledger;
mod notes;
mod overview;
mod submissions;
mod topics;
mod townships;
mod year_end;

use rayon::prelude::*;
use rust_xlsxwriter::{Color, ConditionalFormatText, ConditionalFormatTextRule, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::aggregate::{Aggregated, Status, TargetProgress, Tone};
use crate::error::Result;
use crate::period::Period;
use crate::plan::{Plan, TargetKind};
use crate::validate::Validated;

use super::style::{self, WriteText};

pub struct Bulletin<'a> {
    pub plan: &'a Plan,
    pub validated: &'a Validated,
    pub aggregated: &'a Aggregated,
    /// The 催报名单 (see `report::reminders`).
    pub reminders: &'a [super::Reminder],
    /// sha256 of the input set, shown in 说明 instead of a wall-clock time.
    pub input_fingerprint: &'a str,
}

pub fn file_name(plan: &Plan, period: Period) -> String {
    format!("{}乡村振兴重点指标进度通报_{}.xlsx", plan.plan.district, period.label_padded())
}

/// Headline table columns (SPEC).
pub const HEADLINE: [&str; 13] = [
    "序号",
    "重点任务",
    "指标",
    "单位",
    "年度目标",
    "本月完成",
    "累计完成",
    "完成率",
    "序时目标",
    "序时进度",
    "进度差（百分点）",
    "状态",
    "牵头单位",
];

/// Colours of submission statuses.
pub(super) const SUBMISSION_TONES: [(&str, Tone); 4] =
    [("迟报", Tone::Yellow), ("数据有误", Tone::Red), ("未报送", Tone::Red), ("已报送", Tone::Green)];

/// Row (0-based) of the headline table's header on 总览.
pub const HEADLINE_ROW: u32 = 4;

pub(super) type XResult<T> = std::result::Result<T, XlsxError>;

/// Every sheet of the bulletin, filled (in parallel), in order; `save` makes the file of it.
pub fn bulletin_workbook(b: &Bulletin<'_>) -> Result<Workbook> {
    let path = std::path::PathBuf::from(file_name(b.plan, b.aggregated.period));
    let map = |e| super::xlsx_error(&path, e);
    let mut workbook = Workbook::new();
    // Deflate level 1 rather than 6: at province scale the detail sheets are a million cells and
    // level 6 takes half again as long to write them (2,000 townships: 2.1 s instead of 1.4 s)
    // for a file about 40% smaller (7 MB instead of 12 MB).
    workbook.set_zip_compression_level(1);
    let period = b.aggregated.period;
    let title = format!("{}乡村振兴重点指标进度通报", b.plan.plan.district_full);
    workbook.set_properties(&style::properties(period, &format!("{title}（{}）", period.label()), &b.plan.plan.office));
    // The sheets are filled in parallel, then added in their fixed order.
    let forms: Vec<&crate::plan::Form> = b.plan.township_forms().collect();
    let sheet = |fill: &(dyn Fn(&mut Worksheet) -> XResult<()> + Sync)| -> XResult<Worksheet> {
        let mut sheet = Worksheet::new();
        fill(&mut sheet)?;
        Ok(sheet)
    };
    let (front, (topics, back)) = rayon::join(
        || -> XResult<Vec<Worksheet>> {
            let mut front = vec![sheet(&|s| overview::overview(s, b, &title))?];
            // From the assessment phase on, the bulletin is also the year-end list.
            if period.end() >= b.plan.assessment_start() {
                front.push(sheet(&|s| year_end::year_end(s, b))?);
            }
            front.push(sheet(&|s| townships::townships(s, b))?);
            Ok(front)
        },
        || {
            rayon::join(
                || {
                    forms
                        .par_iter()
                        .map(|form| {
                            let mut sheet = Worksheet::new();
                            let table = match b.aggregated.subtotals_of(&form.id) {
                                Some(subtotals) => topics::topic_subtotals(&mut sheet, b, form, subtotals)?,
                                None => topics::topic_detail(
                                    &mut sheet,
                                    b.validated.period,
                                    form,
                                    &super::detail::rows(b.validated, form),
                                    &b.plan.wording().townships,
                                )?,
                            };
                            topics::topic_trend(&mut sheet, b, form, &table)?;
                            Ok(sheet)
                        })
                        .collect::<XResult<Vec<Worksheet>>>()
                },
                || -> XResult<Vec<Worksheet>> {
                    Ok([
                        sheet(&|s| ledger::qualitative(s, b))?,
                        sheet(&|s| ledger::lead_units(s, b))?,
                        sheet(&|s| submissions::submissions(s, b))?,
                        sheet(&|s| submissions::reminder_sheet(s, b))?,
                        sheet(&|s| submissions::problems(s, b))?,
                    ]
                    .into_iter()
                    .chain(if b.plan.checks.is_empty() { None } else { Some(sheet(&|s| submissions::checks(s, b))?) })
                    .chain(Some(sheet(&|s| notes::notes(s, b))?))
                    .collect())
                },
            )
        },
    );
    for sheet in front.map_err(map)?.into_iter().chain(topics.map_err(map)?).chain(back.map_err(map)?) {
        workbook.push_worksheet(sheet);
    }
    Ok(workbook)
}

/// The workbook's bytes. A province-month's workbook is a million cells: they are freed on
/// another thread.
pub fn save(plan: &Plan, period: Period, mut workbook: Workbook) -> Result<Vec<u8>> {
    let path = std::path::PathBuf::from(file_name(plan, period));
    let bytes = workbook.save_to_buffer().map_err(|e| super::xlsx_error(&path, e))?;
    rayon::spawn(move || drop(workbook));
    Ok(bytes)
}

pub(super) fn tone_format(tone: Tone) -> Format {
    let cell = style::cell().set_align(FormatAlign::Center).set_bold();
    match tone {
        Tone::Green => cell.set_font_color(Color::RGB(style::GREEN_TEXT)).set_background_color(Color::RGB(style::GREEN)),
        Tone::Yellow => cell.set_font_color(Color::RGB(style::YELLOW_TEXT)).set_background_color(Color::RGB(style::YELLOW)),
        Tone::Red => cell.set_font_color(Color::RGB(style::RED_TEXT)).set_background_color(Color::RGB(style::RED)),
        Tone::Neutral => cell,
    }
}

/// Status colours as conditional formats on a column, so they follow sorting and filtering.
/// Longer labels first: 严重滞后 must win over 滞后, 未达标 over 达标.
pub(super) fn status_colours(sheet: &mut Worksheet, first_row: u32, last_row: u32, col: u16) -> XResult<()> {
    let mut rules: Vec<(&str, Tone)> = Status::ALL.iter().filter(|s| s.tone() != Tone::Neutral).map(|s| (s.label(), s.tone())).collect();
    rules.sort_by_key(|(label, _)| std::cmp::Reverse(label.chars().count()));
    rules.dedup_by_key(|(label, _)| *label);
    text_colours(sheet, first_row, last_row, col, &rules)
}

/// A data sheet's title row and header row (row 1), with column widths.
pub(super) fn table_start(sheet: &mut Worksheet, name: &str, title: &str, columns: &[(&str, f64)]) -> XResult<()> {
    sheet.set_name(name)?;
    sheet.merge_range(0, 0, 0, columns.len() as u16 - 1, title, &style::title())?;
    sheet.set_row_height(0, 30)?;
    for (c, (header, width)) in columns.iter().enumerate() {
        sheet.text(1, c as u16, *header, &style::header())?;
        sheet.set_column_width(c as u16, *width)?;
    }
    Ok(())
}

/// Colour the cells of one column by the text they contain.
pub(super) fn text_colours(sheet: &mut Worksheet, first_row: u32, last_row: u32, col: u16, rules: &[(&str, Tone)]) -> XResult<()> {
    for (text, tone) in rules {
        let rule = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::Contains(text.to_string()))
            .set_format(tone_format(*tone))
            .set_stop_if_true(true);
        sheet.add_conditional_format(first_row, col, last_row, col, &rule)?;
    }
    Ok(())
}

pub(super) fn opt_number(sheet: &mut Worksheet, row: u32, col: u16, value: Option<f64>, format: &Format) -> XResult<()> {
    match value {
        Some(v) if v.is_finite() => sheet.write_number_with_format(row, col, v, format).map(|_| ()),
        _ => sheet.text(row, col, "—", &blank_format(format)).map(|_| ()),
    }
}

/// The format of the “—” written for a missing number (`opt_number`).
pub(super) fn blank_format(format: &Format) -> Format {
    format.clone().set_align(FormatAlign::Center)
}

pub(super) fn headline_name(t: &TargetProgress) -> String {
    match t.kind {
        TargetKind::Floor => format!("{}（不低于{}）", t.name, t.stated),
        TargetKind::Ceiling => format!("{}（{}）", t.name, t.stated),
        _ if !t.stated.is_empty() => format!("{}（{}）", t.name, t.stated),
        _ => t.name.clone(),
    }
}
