//! 总览: the 通报 text and the counts of who reported, the headline table (one row per numeric
//! target, red/yellow/green status), the notes on what the figures leave out and what is
//! 暂定, 同比, and the chart of completion against 序时进度.

use rust_xlsxwriter::{Chart, ChartType, FormatAlign, Worksheet};

use super::super::style::{self, WriteText};
use super::{Bulletin, HEADLINE, HEADLINE_ROW, XResult, headline_name, opt_number, status_colours};
use crate::aggregate::TargetProgress;
use crate::plan::{Plan, TargetKind};
use crate::validate::{SubmissionStatus, TownshipOutcome, Validated};

/// Column widths of the headline table.
const WIDTHS: [f64; 13] = [5.0, 18.0, 22.0, 5.0, 11.0, 11.0, 11.0, 8.0, 15.0, 8.0, 18.0, 10.0, 20.0];

pub(super) fn overview(sheet: &mut Worksheet, b: &Bulletin<'_>, title: &str) -> XResult<()> {
    let period = b.aggregated.period;
    sheet.set_name("总览")?;
    overview_top(sheet, b, title)?;
    let rows: Vec<&TargetProgress> = b.aggregated.targets.iter().filter(|t| !t.kind.is_qualitative()).collect();
    headline(sheet, &rows)?;
    for (c, w) in widths(&rows).iter().enumerate() {
        sheet.set_column_width(c as u16, *w)?;
    }
    let last_row = HEADLINE_ROW + rows.len().max(1) as u32;
    let note_row = overview_notes(sheet, b.plan, &rows, last_row + 2)?;
    let note_row = year_on_year(sheet, b, &rows, note_row)?;
    let end = completion_chart(sheet, &rows, note_row)?;
    sheet.set_freeze_panes(HEADLINE_ROW + 1, 0)?;
    // Printed: the table's header repeats on each page, not the 通报 above it; the sheet prints
    // to the chart's end, the chart on a page of its own.
    style::print_setup_repeating(sheet, &format!("{title}（{}）", period.label()), HEADLINE_ROW, HEADLINE_ROW);
    sheet.set_print_area(0, 0, end, HEADLINE.len() as u16 - 1)?;
    sheet.set_active(true);
    Ok(())
}

/// The column widths of the headline table: 年度目标 and 序时目标 widen to show `（暂定）` after
/// their longest number (a narrower column prints ###).
fn widths(rows: &[&TargetProgress]) -> [f64; 13] {
    let mut widths = WIDTHS;
    let shown = |value: Option<f64>, decimals: u8, suffixed: bool| -> f64 {
        // Digits, thousands separators and sign; （暂定） is four full-width characters.
        let digits = value.map(|v| format!("{:.*}", decimals as usize, v.abs()).len() as f64).unwrap_or(0.0);
        let separators = value.map(|v| (v.abs().max(1.0).log10().floor() / 3.0).floor()).unwrap_or(0.0);
        digits + separators + 1.0 + if suffixed { 8.0 } else { 0.0 } + 2.0
    };
    for t in rows {
        widths[4] = widths[4].max(shown(t.target, t.decimals, t.target_assumed));
        widths[8] = widths[8].max(shown(t.expected, t.decimals, t.schedule_assumed));
    }
    widths
}

/// The title, the month, the office line and the 通报 with the counts line under it.
fn overview_top(sheet: &mut Worksheet, b: &Bulletin<'_>, title: &str) -> XResult<()> {
    let (plan, period) = (b.plan, b.aggregated.period);
    let last_col = HEADLINE.len() as u16 - 1;
    sheet.merge_range(0, 0, 0, last_col, title, &style::title())?;
    sheet.set_row_height(0, 32)?;
    let month = format!("（{}）", period.label());
    sheet.merge_range(1, 0, 1, last_col, &month, &style::base().set_align(FormatAlign::Center).set_font_size(12))?;
    let office = format!("{}    数据截至{}", plan.plan.office, period.end().format("%Y年%-m月%-d日"));
    sheet.merge_range(2, 0, 2, last_col, &office, &style::subtitle())?;
    // The 通报 text, then the counts line with every name.
    let counts = submission_counts(plan, b.validated);
    let notice = format!("{}\n{counts}", super::super::notice::paragraphs(plan, b.validated, b.aggregated, false).join("\n"));
    sheet.merge_range(3, 0, 3, last_col, &notice, &style::subtitle().set_text_wrap().set_align(FormatAlign::Top))?;
    let width: f64 = WIDTHS.iter().sum();
    sheet.set_row_height(3, style::fit_height(&[(&notice, width)]).max(30.0))?;
    Ok(())
}

/// The headline table: its header and one row per numeric target.
fn headline(sheet: &mut Worksheet, rows: &[&TargetProgress]) -> XResult<()> {
    let header = style::header();
    for (c, h) in HEADLINE.iter().enumerate() {
        sheet.text(HEADLINE_ROW, c as u16, *h, &header)?;
    }
    sheet.set_row_height(HEADLINE_ROW, 30)?;
    for (i, t) in rows.iter().enumerate() {
        headline_row(sheet, HEADLINE_ROW + 1 + i as u32, i + 1, t)?;
    }
    let last_row = HEADLINE_ROW + rows.len().max(1) as u32;
    status_colours(sheet, HEADLINE_ROW + 1, last_row, 11)
}

/// Row `r` of the headline table: target `number`.
fn headline_row(sheet: &mut Worksheet, r: u32, number: usize, t: &TargetProgress) -> XResult<()> {
    let center = style::cell().set_align(FormatAlign::Center);
    let wrap = style::text_cell();
    let pct = style::percent();
    let format = style::number(t.decimals);
    let lead_units = t.lead_units_text();
    sheet.write_number_with_format(r, 0, number as f64, &center)?;
    sheet.text(r, 1, format!("{} {}", t.clause, t.task), &wrap)?;
    sheet.text(r, 2, headline_name(t), &wrap)?;
    sheet.text(r, 3, &t.unit, &center)?;
    let target_format = if t.target_assumed { style::number_suffixed(t.decimals, "（暂定）") } else { format.clone() };
    opt_number(sheet, r, 4, t.target, &target_format)?;
    // A percentage's monthly change is in points.
    let month_format = if t.percent { style::signed_number(t.decimals, "个百分点") } else { style::number_red_negative(t.decimals) };
    opt_number(sheet, r, 5, t.month_value, &month_format)?;
    let cumulative_format = if t.coverage.carried.is_empty() { format.clone() } else { style::number_carried(t.decimals) };
    opt_number(sheet, r, 6, t.cumulative, &cumulative_format)?;
    opt_number(sheet, r, 7, t.completion_rate, &pct)?;
    let expected_format = if t.schedule_assumed { style::number_suffixed(t.decimals, "（暂定）") } else { format.clone() };
    opt_number(sheet, r, 8, t.expected, &expected_format)?;
    opt_number(sheet, r, 9, t.time_progress, &pct)?;
    // Floors, ceilings and baselines: the margin to the line in the unit, never a rate.
    let line = match t.kind {
        TargetKind::Floor => Some(("高于底线", "低于底线")),
        TargetKind::Ceiling => Some(("低于上限", "超出上限")),
        TargetKind::Baseline => Some(("高于基数", "低于基数")),
        _ => None,
    };
    match (t.margin, line) {
        (Some(margin), Some((above, below))) => opt_number(sheet, r, 10, Some(margin), &style::margin(above, below, t.decimals, &t.unit))?,
        _ => opt_number(sheet, r, 10, t.gap_pp, &style::number(1))?,
    }
    sheet.text(r, 11, t.status_text(), &center)?;
    sheet.text(r, 12, &lead_units, &wrap)?;
    let task = format!("{} {}", t.clause, t.task);
    let name = headline_name(t);
    sheet.set_row_height(r, style::fit_height(&[(&task, WIDTHS[1]), (&name, WIDTHS[2]), (&lead_units, WIDTHS[12])]))?;
    Ok(())
}

/// The notes under the headline table, from `note_row`: what the figures leave out (the same
/// remark on many rows said once, with the rows it covers), what is 暂定, and how to read the
/// table. Returns the row after them.
fn overview_notes(sheet: &mut Worksheet, plan: &Plan, rows: &[&TargetProgress], mut note_row: u32) -> XResult<u32> {
    let mut notes: Vec<String> = Vec::new();
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
        // The plan's lead-unit assumption is said once, below.
        let own: Vec<&str> = t.assumptions.iter().map(String::as_str).filter(|a| !a.starts_with("牵头单位暂定")).collect();
        if !own.is_empty() {
            notes.push(format!("序号{}：{}。", i + 1, own.join("；")));
        }
    }
    if !plan.plan.lead_units_assumption.is_empty() {
        notes.push(format!("牵头单位暂定：{}", plan.plan.lead_units_assumption));
    }
    notes.push(format!(
        "完成率 = 累计完成 ÷ 年度目标；序时目标 = 年度目标 × 序时进度，序时进度按各指标的进度安排（实施阶段内均匀推进、农时曲线、计划完成月份或年终考核，见“说明”）；进度差 = (完成率 − 序时进度) × 100；落后不足 {:.0} 个百分点为“滞后”，{:.0} 个百分点及以上为“严重滞后”；到了完成时限（到期当月月底）仍未完成为“逾期未完成”；年终考核的指标和未写期限的比例指标在年底前为“未到考核期”；按户、座、个等计数的序时目标取整数；状态后标“※”的，所依据的数字含沿用数；未报送单位占比较大的为“数据不全”，有分解任务的按已报送单位的分解任务判断（见注和“说明”）。",
        plan.thresholds.severe_lag_pp, plan.thresholds.severe_lag_pp
    ));
    notes.push(
        "时序进度指标（如资金拨付）按已到期节点的要求比较，进度差为实际比例减应达比例（百分点）；底线指标（耕地红线）每月检查，进度差一栏为距底线的余量，低于底线为“预警”；清零指标超过上限为“预警”；比例指标达到目标为“达标”；跟踪指标只列数值与趋势；百分比指标的本月完成为变动的百分点。"
            .to_string(),
    );
    sheet.text(note_row, 0, "注：", &style::base().set_bold())?;
    let last_col = HEADLINE.len() as u16 - 1;
    for note in &notes {
        sheet.merge_range(note_row, 1, note_row, last_col, note, &style::base().set_text_wrap().set_align(FormatAlign::Top))?;
        let width: f64 = WIDTHS[1..].iter().sum();
        sheet.set_row_height(note_row, style::fit_height(&[(note, width)]))?;
        note_row += 1;
    }
    Ok(note_row)
}

/// 同比: the same month of the previous year, where the store holds it, below `note_row`.
/// Returns the row after the table (`note_row` when there is none).
fn year_on_year(sheet: &mut Worksheet, b: &Bulletin<'_>, rows: &[&TargetProgress], note_row: u32) -> XResult<u32> {
    let period = b.aggregated.period;
    let compared: Vec<&&TargetProgress> = rows.iter().filter(|t| t.last_year.is_some() && t.cumulative.is_some()).collect();
    if compared.is_empty() {
        return Ok(note_row);
    }
    let (header, pct) = (style::header(), style::percent());
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
        let change_format = if t.percent { style::signed_number(t.decimals, "个百分点") } else { style::signed_number(t.decimals, "") };
        sheet.write_number_with_format(r, 5, now - then, &change_format)?;
        opt_number(sheet, r, 6, (!t.percent && then.abs() > 1e-9).then(|| (now - then) / then), &pct)?;
    }
    Ok(top + 2 + compared.len() as u32)
}

/// The chart of completion against 序时进度 for the targets that have a schedule, from a small
/// data table of its own below `note_row` (rows without a schedule would leave gaps in it),
/// starting a printed page so that it is never split. Returns the last row the sheet uses.
fn completion_chart(sheet: &mut Worksheet, rows: &[&TargetProgress], note_row: u32) -> XResult<u32> {
    let scheduled: Vec<&&TargetProgress> = rows.iter().filter(|t| t.time_progress.is_some() && t.completion_rate.is_some()).collect();
    if scheduled.is_empty() {
        return Ok(note_row.saturating_sub(1));
    }
    let (header, pct) = (style::header(), style::percent());
    let top = note_row + 1;
    sheet.set_page_breaks(&[top])?;
    sheet.text(top, 1, "图表数据：完成率与序时进度", &style::base().set_bold())?;
    // In the wide columns 4 and 5: 100.0% does not fit the 单位 column (###).
    for (c, h) in [(2, "指标"), (4, "完成率"), (5, "序时进度")] {
        sheet.text(top + 1, c, h, &header)?;
    }
    let mut height = 0.0;
    for (i, t) in scheduled.iter().enumerate() {
        let r = top + 2 + i as u32;
        sheet.text(r, 2, &t.name, &style::text_cell())?;
        let row_height = style::fit_height(&[(&t.name, WIDTHS[2])]);
        height += row_height;
        sheet.set_row_height(r, row_height)?;
        sheet.write_number_with_format(r, 4, t.completion_rate.unwrap_or(0.0).min(9.99), &pct)?;
        sheet.write_number_with_format(r, 5, t.time_progress.unwrap_or(0.0), &pct)?;
    }
    let (first, last) = (top + 2, top + 1 + scheduled.len() as u32);
    let mut chart = Chart::new(ChartType::Bar);
    chart.title().set_name("完成率与序时进度");
    chart.add_series().set_name("完成率").set_categories(("总览", first, 2, last, 2)).set_values(("总览", first, 4, last, 4));
    chart.add_series().set_name("序时进度").set_categories(("总览", first, 2, last, 2)).set_values(("总览", first, 5, last, 5));
    chart.x_axis().set_num_format("0%").set_min(0.0);
    chart.y_axis().set_reverse();
    // At most a landscape page tall (about 620 pixels printed at the sheet's scale).
    let chart_height = (scheduled.len() as u32 * 24 + 80).clamp(320, 620);
    chart.set_width(660).set_height(chart_height);
    sheet.insert_chart(top + 1, 6, &chart)?;
    // The rows the chart covers beyond its data (pixels at 4/3 per point, 20 pixels a row).
    let data_pixels = height * 4.0 / 3.0 + 20.0;
    let extra = ((chart_height as f64 - data_pixels) / 20.0).ceil().max(0.0) as u32;
    Ok(last + extra + 1)
}

/// The 报送情况 line of 总览: townships by status (naming the forms not counted), then the
/// departments' ledgers.
fn submission_counts(plan: &Plan, v: &Validated) -> String {
    let towns = v.units_of_kind(false);
    let named = |status: SubmissionStatus| -> Vec<&TownshipOutcome> { towns.iter().copied().filter(|t| t.status == status).collect() };
    let (reported, missing, rejected) =
        (named(SubmissionStatus::Reported), named(SubmissionStatus::Missing), named(SubmissionStatus::Rejected));
    let mut counts = format!(
        "报送情况：应报{}，已报送 {} 个，未报送 {} 个，数据有误 {} 个",
        plan.count_units(towns.iter().map(|t| t.township.as_str())),
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
            .filter(|t| !matches!(t.status, SubmissionStatus::Reported | SubmissionStatus::NotDue))
            .map(|t| format!("{}{}", t.township, if t.status == SubmissionStatus::Missing { "" } else { "（数据有误）" }))
            .collect();
        let due = v.department_counts();
        counts.push_str(&format!("；部门台账：应报 {} 个单位，已报送 {} 个", due.due, due.reported));
        if !due.early.is_empty() {
            counts.push_str(&format!("，另有{}提前报送（未到报送期）", due.early.join("、")));
        }
        if !not_in.is_empty() {
            counts.push_str(&format!("，未报送或有误：{}", not_in.join("、")));
        }
    }
    counts
}

/// `1–3、5、7–8` for sorted numbers.
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
