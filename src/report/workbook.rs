//! The leaders' workbook: `<区名>乡村振兴重点指标进度通报_<YYYY>年<MM>月.xlsx`, read on screen and
//! printed on A4. Sheets: 总览, 镇街进度, one per form topic, 定性任务, 报送情况, 数据问题, 说明.
//!
//! Values are written as computed numbers, never formulas; township text is always written with
//! `write_string`, so a village named `=HYPERLINK(...)` stays inert. Document properties are
//! fixed to the period's end so a re-run gives identical bytes.

use rayon::prelude::*;
use rust_xlsxwriter::{
    Chart, ChartType, Color, ConditionalFormatDataBar, ConditionalFormatText, ConditionalFormatTextRule, Format, FormatAlign, Workbook,
    Worksheet, XlsxError,
};

use crate::aggregate::{Aggregated, Status, TargetProgress, Tone};
use crate::error::Result;
use crate::period::Period;
use crate::plan::{ColumnKind, Plan, TargetKind};
use crate::validate::{SubmissionStatus, Validated, Value};

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

/// How 镇街进度 ranks (SPEC "Rankings").
const RANKING_NOTE: &str = "按指标分组，组内按排名排序（并列名次相同）。只在可比时排名：有分解任务的按完成率，比率类指标按数值（越低越好的指标从低到高）；总量类指标不排名，列出占全区比重。未报送或数据有误的镇（街道）不参与排名，列在组末。";

/// Colours of submission statuses.
const SUBMISSION_TONES: [(&str, Tone); 4] =
    [("迟报", Tone::Yellow), ("数据有误", Tone::Red), ("未报送", Tone::Red), ("已报送", Tone::Green)];

/// Column widths of the headline table.
const WIDTHS: [f64; 13] = [5.0, 18.0, 22.0, 5.0, 11.0, 11.0, 11.0, 8.0, 15.0, 8.0, 18.0, 10.0, 20.0];

/// Row (0-based) of the headline table's header on 总览.
pub const HEADLINE_ROW: u32 = 4;

type XResult<T> = std::result::Result<T, XlsxError>;

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
            let mut front = vec![sheet(&|s| overview(s, b, &title))?];
            // From the assessment phase on, the bulletin is also the year-end list.
            if period.end() >= b.plan.assessment_start() {
                front.push(sheet(&|s| year_end(s, b))?);
            }
            front.push(sheet(&|s| townships(s, b))?);
            Ok(front)
        },
        || {
            rayon::join(
                || {
                    forms
                        .par_iter()
                        .map(|form| {
                            let mut sheet = Worksheet::new();
                            let records = super::detail::rows(b.validated, form);
                            let table = if super::detail::summarised(b.plan, records.len()) {
                                topic_subtotals(&mut sheet, b, form, &records)?
                            } else {
                                topic_detail(&mut sheet, b.validated.period, form, &records)?
                            };
                            topic_trend(&mut sheet, b, form, &table)?;
                            Ok(sheet)
                        })
                        .collect::<XResult<Vec<Worksheet>>>()
                },
                || -> XResult<Vec<Worksheet>> {
                    Ok([
                        sheet(&|s| qualitative(s, b))?,
                        sheet(&|s| lead_units(s, b))?,
                        sheet(&|s| submissions(s, b))?,
                        sheet(&|s| reminder_sheet(s, b))?,
                        sheet(&|s| problems(s, b))?,
                    ]
                    .into_iter()
                    .chain(if b.plan.checks.is_empty() { None } else { Some(sheet(&|s| checks(s, b))?) })
                    .chain(Some(sheet(&|s| notes(s, b))?))
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

fn tone_format(tone: Tone) -> Format {
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
fn status_colours(sheet: &mut Worksheet, first_row: u32, last_row: u32, col: u16) -> XResult<()> {
    let mut rules: Vec<(&str, Tone)> = Status::ALL.iter().filter(|s| s.tone() != Tone::Neutral).map(|s| (s.label(), s.tone())).collect();
    rules.sort_by_key(|(label, _)| std::cmp::Reverse(label.chars().count()));
    rules.dedup_by_key(|(label, _)| *label);
    text_colours(sheet, first_row, last_row, col, &rules)
}

/// A data sheet's title row and header row (row 1), with column widths.
fn table_start(sheet: &mut Worksheet, name: &str, title: &str, columns: &[(&str, f64)]) -> XResult<()> {
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
fn text_colours(sheet: &mut Worksheet, first_row: u32, last_row: u32, col: u16, rules: &[(&str, Tone)]) -> XResult<()> {
    for (text, tone) in rules {
        let rule = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::Contains(text.to_string()))
            .set_format(tone_format(*tone))
            .set_stop_if_true(true);
        sheet.add_conditional_format(first_row, col, last_row, col, &rule)?;
    }
    Ok(())
}

fn opt_number(sheet: &mut Worksheet, row: u32, col: u16, value: Option<f64>, format: &Format) -> XResult<()> {
    match value {
        Some(v) if v.is_finite() => sheet.write_number_with_format(row, col, v, format).map(|_| ()),
        _ => sheet.text(row, col, "—", &blank_format(format)).map(|_| ()),
    }
}

/// The format of the “—” written for a missing number (`opt_number`).
fn blank_format(format: &Format) -> Format {
    format.clone().set_align(FormatAlign::Center)
}

fn overview(sheet: &mut Worksheet, b: &Bulletin<'_>, title: &str) -> XResult<()> {
    let period = b.aggregated.period;
    let plan = b.plan;
    sheet.set_name("总览")?;
    let last_col = HEADLINE.len() as u16 - 1;
    sheet.merge_range(0, 0, 0, last_col, title, &style::title())?;
    sheet.set_row_height(0, 32)?;
    sheet.merge_range(
        1,
        0,
        1,
        last_col,
        &format!("（{}）", period.label()),
        &style::base().set_align(FormatAlign::Center).set_font_size(12),
    )?;
    let v = b.validated;
    let counts = submission_counts(plan, v);
    sheet.merge_range(
        2,
        0,
        2,
        last_col,
        &format!("{}    数据截至{}", plan.plan.office, period.end().format("%Y年%-m月%-d日")),
        &style::subtitle(),
    )?;
    // The 通报 text, then the counts line with every name.
    let notice = format!("{}\n{counts}", super::notice::paragraphs(plan, v, b.aggregated).join("\n"));
    sheet.merge_range(3, 0, 3, last_col, &notice, &style::subtitle().set_text_wrap().set_align(FormatAlign::Top))?;
    let width: f64 = WIDTHS.iter().sum();
    sheet.set_row_height(3, style::fit_height(&[(&notice, width)]).max(30.0))?;
    let header = style::header();
    for (c, h) in HEADLINE.iter().enumerate() {
        sheet.text(HEADLINE_ROW, c as u16, *h, &header)?;
    }
    sheet.set_row_height(HEADLINE_ROW, 30)?;
    let rows: Vec<&TargetProgress> = b.aggregated.targets.iter().filter(|t| t.kind != TargetKind::Qualitative).collect();
    let center = style::cell().set_align(FormatAlign::Center);
    let wrap = style::text_cell();
    let pct = style::percent();
    let pp = style::number(1);
    for (i, t) in rows.iter().enumerate() {
        let r = HEADLINE_ROW + 1 + i as u32;
        let number = style::number(t.decimals);
        let lead_units =
            if b.plan.plan.lead_units_assumption.is_empty() { t.lead_units.clone() } else { format!("{}（暂定）", t.lead_units) };
        sheet.write_number_with_format(r, 0, (i + 1) as f64, &center)?;
        sheet.text(r, 1, format!("{} {}", t.clause, t.task), &wrap)?;
        sheet.text(r, 2, headline_name(t), &wrap)?;
        sheet.text(r, 3, &t.unit, &center)?;
        let target_format = if t.target_assumed { style::number_suffixed(t.decimals, "（暂定）") } else { number.clone() };
        opt_number(sheet, r, 4, t.target, &target_format)?;
        // A percentage's monthly change is in points.
        let month_format = if t.percent { style::signed_number(t.decimals, "个百分点") } else { number.clone() };
        opt_number(sheet, r, 5, t.month_value, &month_format)?;
        let cumulative_format = if t.coverage.carried.is_empty() { number.clone() } else { style::number_carried(t.decimals) };
        opt_number(sheet, r, 6, t.cumulative, &cumulative_format)?;
        opt_number(sheet, r, 7, t.completion_rate, &pct)?;
        let expected_format = if t.schedule_assumed { style::number_suffixed(t.decimals, "（暂定）") } else { number.clone() };
        opt_number(sheet, r, 8, t.expected, &expected_format)?;
        opt_number(sheet, r, 9, t.time_progress, &pct)?;
        // Floors, ceilings and baselines: the margin to the line in the unit, never a rate.
        match (t.margin, t.kind) {
            (Some(margin), TargetKind::Floor) => {
                opt_number(sheet, r, 10, Some(margin), &style::margin("高于底线", "低于底线", t.decimals, &t.unit))?
            }
            (Some(margin), TargetKind::Ceiling) => {
                opt_number(sheet, r, 10, Some(margin), &style::margin("低于上限", "超出上限", t.decimals, &t.unit))?
            }
            (Some(margin), TargetKind::Baseline) => {
                opt_number(sheet, r, 10, Some(margin), &style::margin("高于基数", "低于基数", t.decimals, &t.unit))?
            }
            _ => opt_number(sheet, r, 10, t.gap_pp, &pp)?,
        }
        sheet.text(r, 11, t.status.label(), &center)?;
        sheet.text(r, 12, &lead_units, &wrap)?;
        let task = format!("{} {}", t.clause, t.task);
        let name = headline_name(t);
        sheet.set_row_height(r, style::fit_height(&[(&task, WIDTHS[1]), (&name, WIDTHS[2]), (&lead_units, WIDTHS[12])]))?;
    }
    let last_row = HEADLINE_ROW + rows.len().max(1) as u32;
    status_colours(sheet, HEADLINE_ROW + 1, last_row, 11)?;
    for (c, w) in WIDTHS.iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    // Notes: what the figures leave out, target wording.
    let mut note_row = last_row + 2;
    let mut notes: Vec<String> = Vec::new();
    // The same remark on many rows (a township not counted) is said once, with the rows it covers.
    let mut grouped: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, t) in rows.iter().enumerate() {
        for part in t.note.split('；').filter(|p| !p.is_empty()) {
            match grouped.iter_mut().find(|(text, _)| text == part) {
                Some((_, numbers)) => numbers.push(i + 1),
                None => grouped.push((part.to_string(), vec![i + 1])),
            }
        }
    }
    for (text, numbers) in grouped {
        let which = if numbers.len() == rows.len() { "各项".to_string() } else { format!("序号{}", number_ranges(&numbers)) };
        notes.push(format!("{which}：{}。", text.trim_end_matches('。')));
    }
    if rows.iter().any(|t| !t.coverage.carried.is_empty()) {
        notes.push(format!(
            "累计完成后标“※”的，含本月未采用单位沿用的最近一次采用数据（最多沿用 {} 个月）；底线、上限、基数类指标仍缺单位数据的，状态为“数据不全”。",
            plan.thresholds.carry_months
        ));
    }
    for (i, t) in rows.iter().enumerate() {
        if !t.assumptions.is_empty() {
            notes.push(format!("序号{}：{}。", i + 1, t.assumptions.join("；")));
        }
    }
    if !plan.plan.lead_units_assumption.is_empty() {
        notes.push(format!("牵头单位暂定：{}", plan.plan.lead_units_assumption));
    }
    notes.push(format!(
        "完成率 = 累计完成 ÷ 年度目标；序时目标 = 年度目标 × 序时进度，序时进度按各指标的进度安排（实施阶段内均匀推进、农时曲线、计划完成月份或年终考核，见“说明”）；进度差 = (完成率 − 序时进度) × 100；落后不足 {:.0} 个百分点为“滞后”，{:.0} 个百分点及以上为“严重滞后”；过了完成时限仍未完成为“逾期未完成”；年终考核的指标在考核前为“未到考核期”。",
        plan.thresholds.severe_lag_pp, plan.thresholds.severe_lag_pp
    ));
    notes.push(
        "时序进度指标（如资金拨付）按已到期节点的要求比较，进度差为实际比例减应达比例（百分点）；底线指标（耕地红线）每月检查，进度差一栏为距底线的余量，低于底线为“预警”；清零指标超过上限为“预警”；比例指标达到目标为“达标”；跟踪指标只列数值与趋势；百分比指标的本月完成为变动的百分点。"
            .to_string(),
    );
    sheet.text(note_row, 0, "注：", &style::base().set_bold())?;
    for note in &notes {
        sheet.merge_range(note_row, 1, note_row, last_col, note, &style::base().set_text_wrap().set_align(FormatAlign::Top))?;
        let width: f64 = WIDTHS[1..].iter().sum();
        sheet.set_row_height(note_row, style::fit_height(&[(note, width)]))?;
        note_row += 1;
    }
    // 同比: the same month of the previous year, where the store holds it.
    let compared: Vec<&&TargetProgress> = rows.iter().filter(|t| t.last_year.is_some() && t.cumulative.is_some()).collect();
    if !compared.is_empty() {
        let top = note_row + 1;
        sheet.text(top, 1, format!("同比（与{}年{}月比较）", period.year - 1, period.month), &style::base().set_bold())?;
        for (c, h) in ["指标", "去年同期", "本年累计", "增减", "增减幅度"].iter().enumerate() {
            sheet.text(top + 1, 2 + c as u16, *h, &header)?;
        }
        for (i, t) in compared.iter().enumerate() {
            let r = top + 2 + i as u32;
            let (then, now) = (t.last_year.unwrap_or(0.0), t.cumulative.unwrap_or(0.0));
            let number = style::number(t.decimals);
            sheet.text(r, 2, &t.name, &style::text_cell())?;
            sheet.write_number_with_format(r, 3, then, &number)?;
            sheet.write_number_with_format(r, 4, now, &number)?;
            let change_format =
                if t.percent { style::signed_number(t.decimals, "个百分点") } else { style::signed_number(t.decimals, "") };
            sheet.write_number_with_format(r, 5, now - then, &change_format)?;
            opt_number(sheet, r, 6, (!t.percent && then.abs() > 1e-9).then(|| (now - then) / then), &pct)?;
        }
        note_row = top + 2 + compared.len() as u32;
    }
    // Chart: completion against time progress for the targets that have a schedule, from a
    // small data table of its own (rows without a schedule would leave gaps in the chart).
    let scheduled: Vec<&&TargetProgress> = rows.iter().filter(|t| t.time_progress.is_some() && t.completion_rate.is_some()).collect();
    if !scheduled.is_empty() {
        let top = note_row + 1;
        sheet.text(top, 1, "图表数据：完成率与序时进度", &style::base().set_bold())?;
        for (c, h) in ["指标", "完成率", "序时进度"].iter().enumerate() {
            sheet.text(top + 1, 2 + c as u16, *h, &header)?;
        }
        for (i, t) in scheduled.iter().enumerate() {
            let r = top + 2 + i as u32;
            sheet.text(r, 2, &t.name, &style::text_cell())?;
            sheet.set_row_height(r, style::fit_height(&[(&t.name, WIDTHS[2])]))?;
            sheet.write_number_with_format(r, 3, t.completion_rate.unwrap_or(0.0).min(9.99), &pct)?;
            sheet.write_number_with_format(r, 4, t.time_progress.unwrap_or(0.0), &pct)?;
        }
        let (first, last) = (top + 2, top + 1 + scheduled.len() as u32);
        let mut chart = Chart::new(ChartType::Bar);
        chart.title().set_name("完成率与序时进度");
        chart.add_series().set_name("完成率").set_categories(("总览", first, 2, last, 2)).set_values(("总览", first, 3, last, 3));
        chart.add_series().set_name("序时进度").set_categories(("总览", first, 2, last, 2)).set_values(("总览", first, 4, last, 4));
        chart.x_axis().set_num_format("0%").set_min(0.0);
        chart.y_axis().set_reverse();
        chart.set_width(760).set_height((scheduled.len() as u32 * 24 + 80).clamp(320, 900));
        sheet.insert_chart(top + 1, 6, &chart)?;
    }
    sheet.set_freeze_panes(HEADLINE_ROW + 1, 0)?;
    style::print_setup(sheet, &format!("{title}（{}）", period.label()), HEADLINE_ROW);
    sheet.set_active(true);
    Ok(())
}

/// `1–3、5、7–8` for sorted numbers.
/// The 报送情况 line of 总览: townships by status (naming the forms not counted), then the
/// departments' ledgers.
fn submission_counts(plan: &crate::plan::Plan, v: &Validated) -> String {
    let towns = v.units_of_kind(false);
    let named = |status: SubmissionStatus| -> Vec<&crate::validate::TownshipOutcome> {
        towns.iter().copied().filter(|t| t.status == status).collect()
    };
    let (reported, missing, rejected) =
        (named(SubmissionStatus::Reported), named(SubmissionStatus::Missing), named(SubmissionStatus::Rejected));
    let mut counts = format!(
        "报送情况：应报 {} 个镇（街道），已报送 {} 个，未报送 {} 个，数据有误 {} 个",
        towns.len(),
        reported.len(),
        missing.len(),
        rejected.len()
    );
    if !missing.is_empty() {
        counts.push_str(&format!("（未报送：{}）", missing.iter().map(|t| t.township.as_str()).collect::<Vec<_>>().join("、")));
    }
    let late: Vec<&str> = towns.iter().filter(|t| t.late).map(|t| t.township.as_str()).collect();
    if !late.is_empty() {
        counts.push_str(&format!("，迟报 {} 个（{}）", late.len(), late.join("、")));
    }
    if !rejected.is_empty() {
        let texts: Vec<String> = rejected
            .iter()
            .map(|t| {
                let forms: Vec<&str> = t
                    .forms
                    .iter()
                    .filter(|f| f.status != SubmissionStatus::Reported)
                    .filter_map(|f| plan.form(&f.form).map(|x| x.topic()))
                    .collect();
                let counted = t.forms.iter().any(|f| f.status == SubmissionStatus::Reported);
                if counted { format!("{}的{}，其余报表已采用", t.township, forms.join("、")) } else { t.township.clone() }
            })
            .collect();
        counts.push_str(&format!("（数据有误：{}）", texts.join("；")));
    }
    let departments = v.units_of_kind(true);
    if !departments.is_empty() {
        let not_in: Vec<String> = departments
            .iter()
            .filter(|t| t.status != SubmissionStatus::Reported)
            .map(|t| format!("{}{}", t.township, if t.status == SubmissionStatus::Missing { "" } else { "（数据有误）" }))
            .collect();
        counts.push_str(&format!(
            "；部门台账：应报 {} 个单位，已报送 {} 个",
            departments.len(),
            departments.iter().filter(|t| t.status == SubmissionStatus::Reported).count()
        ));
        if !not_in.is_empty() {
            counts.push_str(&format!("，未报送或有误：{}", not_in.join("、")));
        }
    }
    counts
}

fn number_ranges(numbers: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let mut j = i;
        while j + 1 < numbers.len() && numbers[j + 1] == numbers[j] + 1 {
            j += 1;
        }
        parts.push(if j > i { format!("{}–{}", numbers[i], numbers[j]) } else { numbers[i].to_string() });
        i = j + 1;
    }
    parts.join("、")
}

fn headline_name(t: &TargetProgress) -> String {
    match t.kind {
        TargetKind::Floor => format!("{}（不低于{}）", t.name, t.stated),
        TargetKind::Ceiling => format!("{}（{}）", t.name, t.stated),
        _ if !t.stated.is_empty() => format!("{}（{}）", t.name, t.stated),
        _ => t.name.clone(),
    }
}

/// 镇街进度: one block per indicator, townships sorted by rank (ties 并列), missing ones last.
/// A long table rather than a townships × indicators matrix: it prints on A4 at any number of
/// indicators, filters by 指标 or 镇街, and stays far below Excel's row limit at province scale.
fn townships(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let plan = b.plan;
    let period = b.aggregated.period;
    sheet.set_name("镇街进度")?;
    let title = format!("各镇（街道）重点指标完成情况（{}）", period.label());
    let headers = ["指标", "单位", "镇（街道）", "完成数", "分解任务", "完成率", "排名", "报送状态", "占全区"];
    let widths = [30.0, 6.0, 14.0, 12.0, 10.0, 9.0, 8.0, 10.0, 8.0];
    sheet.merge_range(0, 0, 0, headers.len() as u16 - 1, &title, &style::title())?;
    sheet.set_row_height(0, 30)?;
    sheet.merge_range(1, 0, 1, headers.len() as u16 - 1, RANKING_NOTE, &style::subtitle().set_text_wrap())?;
    sheet.set_row_height(1, style::fit_height(&[(RANKING_NOTE, widths.iter().sum())]))?;
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
        chart.title().set_name(format!("各镇（街道）{}（{}）", indicator.name, indicator.unit).as_str());
        chart.add_series().set_name(indicator.name.as_str()).set_categories(("镇街进度", start, 2, end, 2)).set_values((
            "镇街进度",
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

/// The table at the top of a topic sheet, as the trend below it needs to know it.
struct TopicTable {
    /// The sheet's title (also its printed page header).
    title: String,
    /// The row of the table's column headers (repeated on every printed page).
    header_row: u32,
    last_row: u32,
    /// The width of each of the table's columns.
    widths: Vec<f64>,
}

/// A topic sheet's table of every counted detail row.
fn topic_detail(
    sheet: &mut Worksheet,
    period: Period,
    form: &crate::plan::Form,
    records: &[&crate::validate::Record],
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
    for (c, (header, width)) in super::detail::detail_headers(form).iter().zip(&widths).enumerate() {
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
        formats.text(sheet, row, last_col - 1, super::detail::file_label(record), CELL)?;
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
fn topic_subtotals(
    sheet: &mut Worksheet,
    b: &Bulletin<'_>,
    form: &crate::plan::Form,
    records: &[&crate::validate::Record],
) -> XResult<TopicTable> {
    use super::detail::{self, STATUS_ORDER, SubtotalLayout};
    let period = b.aggregated.period;
    sheet.set_name(form.topic())?;
    let totals = detail::subtotals(form, records, period);
    let layout = SubtotalLayout::new(form, &totals);
    // Columns: 镇（街道）, [category, 计量单位], count, sums, 是 counts, 按期情况 counts.
    let mut headers: Vec<(String, f64)> = vec![("镇（街道）".into(), 11.0)];
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
    let title = format!("{}分镇（街道）小计（{}，已采用数据）", form.title, period.label());
    sheet.merge_range(0, 0, 0, last_col, &title, &style::title())?;
    sheet.set_row_height(0, 30)?;
    let note = format!(
        "本月已采用明细 {} 行，超过专题表逐行列出的上限（{} 行，可在方案中调整）：本表列各镇（街道）小计，逐行明细见本通报同一文件夹中的“{}”（UTF-8 编码，可用 WPS 或 Excel 打开），并已写入历史数据库。",
        records.len(),
        b.plan.report.topic_detail_rows,
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
    for total in &totals {
        let district = total.township == "全区合计";
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
fn topic_trend(sheet: &mut Worksheet, b: &Bulletin<'_>, form: &crate::plan::Form, table: &TopicTable) -> XResult<()> {
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
        sheet.text(top, 0, "逐月趋势（全区累计，来自历史数据库）", &style::base().set_bold())?;
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

/// 年终考核: every target, 完成 or 未完成 as the period's figures stand (from the plan's
/// assessment phase on).
fn year_end(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let period = b.aggregated.period;
    let title = format!("年度目标完成情况（年终考核，截至{}）", period.label());
    let columns = [
        ("序号", 5.0),
        ("条款", 8.0),
        ("指标", 30.0),
        ("单位", 6.0),
        ("年度目标", 11.0),
        ("累计完成", 11.0),
        ("考核结果", 12.0),
        ("牵头单位", 24.0),
    ];
    table_start(sheet, "年终考核", &title, &columns)?;
    let center = style::cell().set_align(FormatAlign::Center);
    for (i, t) in b.aggregated.targets.iter().enumerate() {
        let r = 2 + i as u32;
        let result = match t.status {
            Status::Completed | Status::Met => "完成",
            Status::Tracked => "跟踪监测",
            Status::Incomplete | Status::NoData | Status::NotReported => "数据不全",
            Status::Overdue => "未完成（逾期）",
            Status::CompletedLate => "完成（逾期）",
            _ => "未完成",
        };
        let name = headline_name(t);
        sheet.write_number_with_format(r, 0, (i + 1) as f64, &center)?;
        sheet.text(r, 1, &t.clause, &center)?;
        sheet.text(r, 2, &name, &style::text_cell())?;
        sheet.text(r, 3, &t.unit, &center)?;
        opt_number(sheet, r, 4, t.target, &style::number(t.decimals))?;
        opt_number(sheet, r, 5, t.cumulative, &style::number(t.decimals))?;
        sheet.text(r, 6, result, &center)?;
        sheet.text(r, 7, &t.lead_units, &style::text_cell())?;
        sheet.set_row_height(r, style::fit_height(&[(&name, columns[2].1), (&t.lead_units, columns[7].1)]))?;
    }
    let last = 1 + b.aggregated.targets.len().max(1) as u32;
    text_colours(sheet, 2, last, 6, &[("未完成（逾期）", Tone::Red), ("未完成", Tone::Red), ("完成", Tone::Green)])?;
    sheet.autofilter(1, 0, last, 7)?;
    sheet.set_freeze_panes(2, 0)?;
    style::print_setup(sheet, &title, 1);
    Ok(())
}

/// 牵头单位: each lead unit's targets with where they stand, units with the most targets behind
/// first, so that leaders can ask each bureau about its own; 责任单位 beside them.
fn lead_units(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let title = format!("按牵头单位的目标推进情况（{}）", b.aggregated.period.label());
    let columns = [
        ("牵头单位", 16.0),
        ("落后项数", 8.0),
        ("条款", 8.0),
        ("指标或任务", 34.0),
        ("状态", 11.0),
        ("累计完成", 12.0),
        ("年度目标", 12.0),
        ("责任单位", 24.0),
    ];
    table_start(sheet, "牵头单位", &title, &columns)?;
    let behind = |t: &TargetProgress| {
        matches!(
            t.status,
            Status::Lagging
                | Status::SeverelyLagging
                | Status::Overdue
                | Status::Warning
                | Status::NotMet
                | Status::NotStarted
                | Status::NotReported
        )
    };
    // Lead unit → its targets, in plan order.
    let mut units: Vec<(String, Vec<&TargetProgress>)> = Vec::new();
    for (target, progress) in b.plan.targets.iter().zip(&b.aggregated.targets) {
        for unit in &target.lead_units {
            match units.iter_mut().find(|(u, _)| u == unit) {
                Some((_, list)) => list.push(progress),
                None => units.push((unit.clone(), vec![progress])),
            }
        }
    }
    units.sort_by(|a, b| {
        let count = |list: &Vec<&TargetProgress>| list.iter().filter(|t| behind(t)).count();
        count(&b.1).cmp(&count(&a.1)).then_with(|| a.0.cmp(&b.0))
    });
    let responsible: std::collections::HashMap<&str, String> =
        b.plan.targets.iter().map(|t| (t.id.as_str(), t.responsible_units.join("、"))).collect();
    let center = style::cell().set_align(FormatAlign::Center);
    let mut row = 2u32;
    for (unit, list) in &units {
        let count = list.iter().filter(|t| behind(t)).count();
        for t in list {
            let name = headline_name(t);
            let responsible = responsible.get(t.target_id.as_str()).cloned().unwrap_or_default();
            sheet.text(row, 0, unit, &style::text_cell())?;
            sheet.write_number_with_format(row, 1, count as f64, &center)?;
            sheet.text(row, 2, &t.clause, &center)?;
            sheet.text(row, 3, &name, &style::text_cell())?;
            sheet.text(row, 4, t.status.label(), &center)?;
            opt_number(sheet, row, 5, t.cumulative, &style::number(t.decimals))?;
            opt_number(sheet, row, 6, t.target, &style::number(t.decimals))?;
            sheet.text(row, 7, &responsible, &style::text_cell())?;
            sheet.set_row_height(row, style::fit_height(&[(&name, columns[3].1), (&responsible, columns[7].1), (unit, columns[0].1)]))?;
            row += 1;
        }
    }
    let last = row.max(3) - 1;
    status_colours(sheet, 2, last, 4)?;
    sheet.autofilter(1, 0, last, 7)?;
    sheet.set_freeze_panes(2, 1)?;
    style::print_setup(sheet, &title, 1);
    Ok(())
}

fn qualitative(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let title = format!("定性任务推进情况（{}）", b.aggregated.period.label());
    let columns =
        [("序号", 5.0), ("条款", 8.0), ("重点任务", 20.0), ("任务内容", 34.0), ("牵头单位", 20.0), ("进展状态", 9.0), ("进展说明", 40.0)];
    table_start(sheet, "定性任务", &title, &columns)?;
    let rows: Vec<&TargetProgress> = b.aggregated.targets.iter().filter(|t| t.kind == TargetKind::Qualitative).collect();
    let center = style::cell().set_align(FormatAlign::Center);
    for (i, t) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        sheet.write_number_with_format(r, 0, (i + 1) as f64, &center)?;
        sheet.text(r, 1, &t.clause, &center)?;
        sheet.text(r, 2, &t.task, &style::text_cell())?;
        sheet.text(r, 3, &t.name, &style::text_cell())?;
        sheet.text(r, 4, &t.lead_units, &style::text_cell())?;
        sheet.text(r, 5, t.status.label(), &center)?;
        sheet.text(r, 6, &t.note, &style::text_cell())?;
        // As tall as its longest wrapped text, or the lines are drawn over the rows below.
        let cells = [
            (t.task.as_str(), columns[2].1),
            (t.name.as_str(), columns[3].1),
            (t.lead_units.as_str(), columns[4].1),
            (t.note.as_str(), columns[6].1),
        ];
        sheet.set_row_height(r, style::fit_height(&cells))?;
    }
    let last = 1 + rows.len().max(1) as u32;
    status_colours(sheet, 2, last, 5)?;
    sheet.autofilter(1, 0, last, 6)?;
    sheet.set_freeze_panes(2, 0)?;
    style::print_setup(sheet, &title, 1);
    Ok(())
}

fn submissions(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let title = format!("报表报送情况（{}）", b.aggregated.period.label());
    let columns = [
        ("填报单位", 14.0),
        ("报送状态", 9.0),
        ("各表采用情况", 30.0),
        ("文件", 34.0),
        ("文件处理", 12.0),
        ("接收时间", 18.0),
        ("错误数", 7.0),
        ("警告数", 7.0),
        ("sha256", 66.0),
    ];
    table_start(sheet, "报送情况", &title, &columns)?;
    let center = style::cell().set_align(FormatAlign::Center);
    let (cell, text, whole, small) = (style::cell(), style::text_cell(), style::number(0), style::cell().set_font_size(8));
    let plan = b.plan;
    // Each form's status, e.g. `粮食与耕地 已采用；高标准农田 数据有误`.
    let forms_text = |unit: &crate::validate::TownshipOutcome| -> String {
        unit.forms
            .iter()
            .map(|f| {
                let name = plan.form(&f.form).map(|x| x.topic().to_string()).unwrap_or_else(|| f.form.clone());
                let status = if f.status == SubmissionStatus::Reported { "已采用" } else { f.status.label() };
                format!("{name} {status}")
            })
            .collect::<Vec<_>>()
            .join("；")
    };
    let file_row =
        |sheet: &mut Worksheet, row: u32, unit: &str, status: &str, forms: &str, file: &crate::validate::FileOutcome| -> XResult<()> {
            sheet.text(row, 0, unit, &cell)?;
            sheet.text(row, 1, status, &center)?;
            sheet.text(row, 2, forms, &text)?;
            sheet.text(row, 3, &file.file, &text)?;
            sheet.text(row, 4, file.status.label(), &center)?;
            sheet.text(row, 5, &file.received, &center)?;
            sheet.write_number_with_format(row, 6, file.errors as f64, &whole)?;
            sheet.write_number_with_format(row, 7, file.warnings as f64, &whole)?;
            sheet.text(row, 8, &file.sha256, &small)?;
            sheet.set_row_height(row, style::fit_height(&[(forms, columns[2].1), (&file.file, columns[3].1)]))?;
            Ok(())
        };
    let mut row = 2u32;
    let mut files_of: std::collections::HashMap<&str, Vec<&crate::validate::FileOutcome>> = std::collections::HashMap::new();
    for file in &b.validated.files {
        files_of.entry(file.township.as_str()).or_default().push(file);
    }
    for unit in &b.validated.townships {
        let status = if unit.late { format!("{}（迟报）", unit.status.label()) } else { unit.status.label().to_string() };
        let status = status.as_str();
        let forms = forms_text(unit);
        // A department counted through the combined ledger has no file of its own.
        let files: Vec<_> = files_of.get(unit.township.as_str()).cloned().unwrap_or_default();
        if files.is_empty() {
            sheet.text(row, 0, &unit.township, &cell)?;
            sheet.text(row, 1, status, &center)?;
            sheet.text(row, 2, &forms, &text)?;
            let via = unit.files.join("、");
            sheet.text(row, 3, &via, &text)?;
            for c in 4..9 {
                sheet.write_blank(row, c, &cell)?;
            }
            sheet.set_row_height(row, style::fit_height(&[(&forms, columns[2].1), (&via, columns[3].1)]))?;
            row += 1;
        }
        for file in files {
            file_row(sheet, row, &unit.township, status, &forms, file)?;
            row += 1;
        }
    }
    let known: std::collections::HashSet<&str> = b.validated.townships.iter().map(|t| t.township.as_str()).collect();
    for file in b.validated.files.iter().filter(|f| !known.contains(f.township.as_str())) {
        file_row(sheet, row, "单位不明", "—", "", file)?;
        row += 1;
    }
    let last = row.max(3) - 1;
    text_colours(sheet, 2, last, 1, &SUBMISSION_TONES)?;
    sheet.autofilter(1, 0, last, 8)?;
    sheet.set_freeze_panes(2, 1)?;
    style::print_setup(sheet, &title, 1);
    Ok(())
}

/// 催报名单: every unit not reported, late or with errors, whom to call and what it must do.
fn reminder_sheet(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let title = format!("催报名单（{}）", b.aggregated.period.label());
    let columns = [("单位", 14.0), ("类别", 10.0), ("情况", 12.0), ("填报人", 10.0), ("联系电话", 16.0), ("需要做的", 60.0)];
    table_start(sheet, "催报名单", &title, &columns)?;
    let center = style::cell().set_align(FormatAlign::Center);
    for (i, r) in b.reminders.iter().enumerate() {
        let row = 2 + i as u32;
        sheet.text(row, 0, &r.unit, &style::text_cell())?;
        sheet.text(row, 1, r.kind, &center)?;
        sheet.text(row, 2, &r.situation, &center)?;
        sheet.text(row, 3, &r.filler, &center)?;
        sheet.text(row, 4, &r.phone, &center)?;
        sheet.text(row, 5, &r.action, &style::text_cell())?;
        sheet.set_row_height(row, style::fit_height(&[(&r.action, columns[5].1), (&r.unit, columns[0].1)]))?;
    }
    if b.reminders.is_empty() {
        sheet.text(2, 0, "本月各单位均已按时报送，无需催报", &style::text_cell())?;
    }
    let last = 1 + b.reminders.len().max(1) as u32;
    text_colours(sheet, 2, last, 2, &[("未报送", Tone::Red), ("数据有误", Tone::Red), ("迟报", Tone::Yellow)])?;
    sheet.set_freeze_panes(2, 1)?;
    style::print_setup(sheet, &title, 1);
    Ok(())
}

fn problems(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let title = format!("数据问题清单（{}）", b.aggregated.period.label());
    let columns = [
        ("文件", 28.0),
        ("工作表", 12.0),
        ("单元格", 7.0),
        ("填报单位", 11.0),
        ("严重程度", 8.0),
        ("规则", 20.0),
        ("填写值", 14.0),
        ("说明", 60.0),
        ("单位的解释（已说明）", 30.0),
    ];
    table_start(sheet, "数据问题", &title, &columns)?;
    let center = style::cell().set_align(FormatAlign::Center);
    let text = style::text_cell();
    // Explained warnings are listed apart, after the rest; a list longer than a sheet should hold
    // ends with a line pointing to issues.csv (which has every issue).
    const MAX_ROWS: usize = 200_000;
    let mut listed: Vec<&crate::issue::Issue> = b.validated.issues.iter().filter(|i| i.explanation.is_empty()).collect();
    listed.extend(b.validated.issues.iter().filter(|i| !i.explanation.is_empty()));
    let omitted = listed.len().saturating_sub(MAX_ROWS);
    listed.truncate(MAX_ROWS);
    for (i, issue) in listed.iter().enumerate() {
        let r = 2 + i as u32;
        sheet.text(r, 8, &issue.explanation, &text)?;
        sheet.text(r, 0, &issue.file, &text)?;
        sheet.text(r, 1, &issue.sheet, &text)?;
        sheet.text(r, 2, &issue.cell, &center)?;
        sheet.text(r, 3, &issue.township, &text)?;
        sheet.text(r, 4, issue.severity().label(), &center)?;
        sheet.text(r, 5, issue.rule_label(), &text)?;
        sheet.text(r, 6, &issue.value, &text)?;
        sheet.text(r, 7, &issue.message, &text)?;
    }
    if omitted > 0 {
        sheet.text(2 + listed.len() as u32, 0, format!("另有 {omitted} 条问题未在此列出，完整清单见 issues.csv"), &text)?;
    }
    let last = 1 + listed.len().max(1) as u32;
    text_colours(sheet, 2, last, 4, &[("错误", Tone::Red), ("警告", Tone::Yellow)])?;
    sheet.autofilter(1, 0, last, 8)?;
    sheet.set_freeze_panes(2, 0)?;
    style::print_setup(sheet, &title, 1);
    Ok(())
}

/// 数据核对: the plan's cross-checks, both figures and where each comes from.
fn checks(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let title = format!("数据核对（{}）", b.aggregated.period.label());
    let columns = [
        ("编号", 5.0),
        ("核对项", 24.0),
        ("数据一", 26.0),
        ("数值", 10.0),
        ("数据二", 26.0),
        ("数值", 10.0),
        ("差额", 9.0),
        ("单位", 6.0),
        ("结论", 9.0),
        ("说明", 40.0),
    ];
    table_start(sheet, "数据核对", &title, &columns)?;
    let center = style::cell().set_align(FormatAlign::Center);
    let text = style::text_cell();
    for (i, check) in b.aggregated.checks.iter().enumerate() {
        let r = 2 + i as u32;
        let number = style::number(check.decimals);
        sheet.text(r, 0, &check.id, &center)?;
        sheet.text(r, 1, &check.name, &text)?;
        sheet.text(r, 2, &check.left_label, &text)?;
        opt_number(sheet, r, 3, check.left, &number)?;
        sheet.text(r, 4, &check.right_label, &text)?;
        opt_number(sheet, r, 5, check.right, &number)?;
        opt_number(sheet, r, 6, check.difference, &number)?;
        sheet.text(r, 7, &check.unit, &center)?;
        sheet.text(r, 8, check.verdict(), &center)?;
        sheet.text(r, 9, &check.note, &text)?;
        let cells = [
            (check.name.as_str(), 24.0),
            (check.left_label.as_str(), 26.0),
            (check.right_label.as_str(), 26.0),
            (check.note.as_str(), 40.0),
        ];
        sheet.set_row_height(r, style::fit_height(&cells))?;
    }
    let last = 1 + b.aggregated.checks.len().max(1) as u32;
    text_colours(sheet, 2, last, 8, &[("不一致", Tone::Yellow), ("一致", Tone::Green)])?;
    sheet.set_freeze_panes(2, 0)?;
    style::print_setup(sheet, &title, 1);
    Ok(())
}

fn notes(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let plan = b.plan;
    sheet.set_name("说明")?;
    sheet.merge_range(0, 0, 0, 5, "说明", &style::title())?;
    sheet.set_row_height(0, 30)?;
    let wrap = style::base().set_text_wrap().set_align(FormatAlign::Top);
    let t = &plan.thresholds;
    let lines = [
        format!("方案：{}（{}，{}印发）。", plan.plan.title, if plan.plan.document_no.is_empty() { "文号未载明" } else { &plan.plan.document_no }, plan.plan.issued.map(|d| d.format("%Y年%-m月%-d日").to_string()).unwrap_or_else(|| "日期未载明".into())),
        format!("方案编号 {}，方案文件 sha256 {}。", plan.plan.id, plan.source_sha256),
        "数据来源：各镇（街道）按月报送的填报表，经逐格校验；某张报表有错误，只该表不计入汇总（该镇街显示“数据有误”并注明哪张表），其余报表照常采用；未报送的不按零计算。同一村（社区）或项目重复填报的，只计第一行。".to_string(),
        format!("沿用数：某镇（街道）或部门的某张报表本月未采用（未报送或数据有误）时，其时点数和本年累计数沿用最近一次采用的数据（最多往前 {} 个月，限本年度），数值后标“※”并在注中写明单位和月份；沿用数不写入历史数据库，该单位补报后重新运行即被替换。超过期限的不计入汇总，底线、上限和基数类指标因此缺单位数据时状态为“数据不全”。", t.carry_months),
        "部门台账：各牵头单位分别报送本单位牵头指标的台账（放在“部门”文件夹，文件名或填报单位写明单位名称）；多个部门的台账同时采用；区乡村振兴办汇总的“区直部门”台账也可采用，同一指标以牵头单位自报的为准。".to_string(),
        "本月完成：本年累计数为本月累计减上月累计（1月为本月累计）；时点数为本月较上月增减。按单位逐个相减（含沿用数），两个月都没有数据的单位不计入。".to_string(),
        "序时进度：年度目标为已过月数 ÷ 12（6月为50%）；限期目标为自年初至截止日期按月折算，过期为100%；时序进度目标取统计月末以前最近一个节点的要求。".to_string(),
        format!("状态：完成率 ≥ 100% 为“已完成”；完成率 ≥ 序时进度为“正常”；落后不足 {0:.0} 个百分点为“滞后”（黄）；落后 {0:.0} 个百分点及以上为“严重滞后”（红）。底线指标：不低于底线为“达标”，否则“预警”。比例指标：达到目标为“达标”，否则“未达标”。", t.severe_lag_pp),
        "期限与按期情况：有完工日期的限期目标（如2023年度高标准农田3月底前主体完工）按各项目的完工标志和完工日期判断：期限前全部完成为“已完成”，期限后才达到为“逾期完成”（黄），期限过后仍未达到为“逾期未完成”（红）。项目表的“按期情况”列逐个项目判断：按期完工、逾期完工、逾期未完工（红）、未到期；按各项目计划完工月份的目标，序时目标为计划已到期项目的任务量之和。".to_string(),
        "数据核对：同一事项由不同单位填报的两个数字（如镇街合计与牵头部门台账、项目任务合计与方案目标）逐月比对，不一致的列入“数据核对”表，请有关单位核实；镇街合计缺单位时不作判断。".to_string(),
        format!("校验阈值：合计行与明细之和相对误差超过 {:.1}‰ 提示；时点数环比变动超过 {:.0}% 且绝对值超过 {} 提示“大起大落”。", t.total_tolerance * 1000.0, t.jump_ratio * 100.0, crate::text::fmt(t.jump_min_abs)),
        format!("生成工具：zhenxing {}；输入文件指纹（sha256）{}。同一输入重复运行，本表内容逐字节相同。", crate::VERSION, b.input_fingerprint),
    ];
    // Topics whose rows are in CSV files (above the plan's limit), named where leaders look.
    let summarised = super::detail::summarised_forms(plan, b.validated);
    let details = (!summarised.is_empty()).then(|| {
        let files: Vec<String> = summarised
            .iter()
            .map(|(form, rows)| format!("{}（{} 行）：“{}”", form.topic(), rows.len(), super::detail::csv_file_name(form, b.validated.period)))
            .collect();
        format!(
            "明细数据：本月已采用明细超过 {} 行的专题，专题表只列各镇（街道）小计和逐月趋势，逐行明细在本通报同一文件夹的 CSV 文件中（UTF-8 编码，可用 WPS 或 Excel 打开；列与专题明细表相同），并已写入历史数据库：{}。",
            plan.report.topic_detail_rows,
            files.join("；")
        )
    });
    let lines: Vec<String> = lines.into_iter().chain(details).collect();
    let mut row = 2u32;
    for line in &lines {
        sheet.merge_range(row, 0, row, 5, line, &wrap)?;
        let width: f64 = [6.0, 8.0, 11.0, 24.0, 60.0, 22.0].iter().sum();
        sheet.set_row_height(row, style::fit_height(&[(line, width)]))?;
        row += 1;
    }
    row += 1;
    sheet.text(row, 0, "目标条款对照", &style::base().set_bold())?;
    row += 1;
    let headers = ["编号", "条款", "类型", "目标", "原文", "牵头单位"];
    let widths = [6.0, 8.0, 11.0, 24.0, 60.0, 22.0];
    for (c, (h, w)) in headers.iter().zip(widths).enumerate() {
        sheet.text(row, c as u16, *h, &style::header())?;
        sheet.set_column_width(c as u16, w)?;
    }
    row += 1;
    for target in &plan.targets {
        sheet.text(row, 0, &target.id, &style::cell())?;
        sheet.text(row, 1, &target.clause, &style::cell())?;
        sheet.text(row, 2, target.kind.label(), &style::cell())?;
        let name = if target.stated.is_empty() { target.name.clone() } else { format!("{}（{}）", target.name, target.stated) };
        sheet.text(row, 3, &name, &style::text_cell())?;
        sheet.text(row, 4, &target.quote, &style::text_cell())?;
        sheet.text(row, 5, target.lead_units.join("、"), &style::text_cell())?;
        row += 1;
    }
    style::print_setup(sheet, "说明", 0);
    Ok(())
}
