//! The targets by who answers for them: 定性任务 (each qualitative task with its department's
//! reported status) and 牵头单位 (each lead unit's targets, units with most behind first).

use rust_xlsxwriter::{FormatAlign, Worksheet};

use super::super::style::{self, WriteText};
use super::{Bulletin, XResult, headline_name, opt_number, status_colours, table_start};
use crate::aggregate::{Status, TargetProgress};

/// 牵头单位: each lead unit's targets with where they stand, units with the most targets behind
/// first, so that leaders can ask each bureau about its own; 责任单位 beside them.
pub(super) fn lead_units(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
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
            let unit_text = if t.lead_units_assumed { format!("{unit}（暂定）") } else { unit.clone() };
            sheet.text(row, 0, &unit_text, &style::text_cell())?;
            sheet.write_number_with_format(row, 1, count as f64, &center)?;
            sheet.text(row, 2, &t.clause, &center)?;
            sheet.text(row, 3, &name, &style::text_cell())?;
            sheet.text(row, 4, t.status_text(), &center)?;
            let format = style::number(t.decimals);
            let cumulative = if t.coverage.carried.is_empty() { format.clone() } else { style::number_carried(t.decimals) };
            opt_number(sheet, row, 5, t.cumulative, &cumulative)?;
            let target = if t.target_assumed { style::number_suffixed(t.decimals, "（暂定）") } else { format };
            opt_number(sheet, row, 6, t.target, &target)?;
            sheet.text(row, 7, &responsible, &style::text_cell())?;
            sheet.set_row_height(
                row,
                style::fit_height(&[(&name, columns[3].1), (&responsible, columns[7].1), (&unit_text, columns[0].1)]),
            )?;
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

pub(super) fn qualitative(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let title = format!("定性任务推进情况（{}）", b.aggregated.period.label());
    let columns =
        [("序号", 5.0), ("条款", 8.0), ("重点任务", 20.0), ("任务内容", 34.0), ("牵头单位", 20.0), ("进展状态", 9.0), ("进展说明", 40.0)];
    table_start(sheet, "定性任务", &title, &columns)?;
    let rows: Vec<&TargetProgress> = b.aggregated.targets.iter().filter(|t| t.kind.is_qualitative()).collect();
    let center = style::cell().set_align(FormatAlign::Center);
    for (i, t) in rows.iter().enumerate() {
        let r = 2 + i as u32;
        sheet.write_number_with_format(r, 0, (i + 1) as f64, &center)?;
        sheet.text(r, 1, &t.clause, &center)?;
        sheet.text(r, 2, &t.task, &style::text_cell())?;
        sheet.text(r, 3, &t.name, &style::text_cell())?;
        let lead_units = t.lead_units_text();
        sheet.text(r, 4, &lead_units, &style::text_cell())?;
        sheet.text(r, 5, t.status.label(), &center)?;
        sheet.text(r, 6, &t.note, &style::text_cell())?;
        // As tall as its longest wrapped text, or the lines are drawn over the rows below.
        let cells = [
            (t.task.as_str(), columns[2].1),
            (t.name.as_str(), columns[3].1),
            (lead_units.as_str(), columns[4].1),
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
