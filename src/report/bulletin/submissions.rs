//! Who reported and what was found: 报送情况 (every unit and file), 催报名单 (whom to call),
//! 数据问题 (every issue, filterable) and 数据核对 (the plan's cross-checks).

use rust_xlsxwriter::{FormatAlign, Worksheet};

use super::super::style::{self, WriteText};
use super::{Bulletin, SUBMISSION_TONES, XResult, opt_number, table_start, text_colours};
use crate::aggregate::Tone;
use crate::validate::SubmissionStatus;

pub(super) fn submissions(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
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
pub(super) fn reminder_sheet(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let title = format!("催报名单（{}）", b.aggregated.period.label());
    let columns = [("单位", 14.0), ("类别", 10.0), ("情况", 12.0), ("填报人", 10.0), ("联系电话", 16.0), ("需要做的", 60.0)];
    table_start(sheet, "催报名单", &title, &columns)?;
    let center = style::cell().set_align(FormatAlign::Center);
    for (i, r) in b.reminders.iter().enumerate() {
        let row = 2 + i as u32;
        sheet.text(row, 0, &r.unit, &style::text_cell())?;
        sheet.text(row, 1, &r.kind, &center)?;
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

pub(super) fn problems(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
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
pub(super) fn checks(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
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
