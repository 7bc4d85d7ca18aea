//! 年终考核: every target, 完成 or 未完成 as the period's figures stand (from the plan's
//! assessment phase on); before December a target still inside its schedule says where it
//! stands against it, not 未完成, and the result says the same as 总览's status.

use chrono::Datelike;
use rust_xlsxwriter::{FormatAlign, Worksheet};

use super::super::style::{self, WriteText};
use super::{Bulletin, XResult, headline_name, opt_number, table_start, text_colours};
use crate::aggregate::{Status, Tone};

/// 年终考核: every target, 完成 or 未完成 as the period's figures stand (from the plan's
/// assessment phase on).
pub(super) fn year_end(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let period = b.aggregated.period;
    let title = format!("年度目标完成情况（年终考核，截至{}）", period.label());
    let columns = [
        ("序号", 5.0),
        ("条款", 8.0),
        ("指标", 30.0),
        ("单位", 6.0),
        ("年度目标", 11.0),
        ("累计完成", 11.0),
        ("考核结果", 16.0),
        ("牵头单位", 24.0),
    ];
    table_start(sheet, "年终考核", &title, &columns)?;
    let center = style::cell().set_align(FormatAlign::Center);
    for (i, t) in b.aggregated.targets.iter().enumerate() {
        let r = 2 + i as u32;
        // Due before December and still not done: 未完成（逾期） even at the year end.
        let due_early = b
            .plan
            .targets
            .iter()
            .find(|x| x.id == t.target_id)
            .and_then(|x| b.plan.schedule(x).and_then(|s| s.due(&x.milestones)))
            .is_some_and(|d| d.month() < 12);
        let result = result(t.status, period.month == 12, due_early);
        let result = if t.coverage.carried.is_empty() { result.to_string() } else { format!("{result}※") };
        let name = headline_name(t);
        sheet.write_number_with_format(r, 0, (i + 1) as f64, &center)?;
        sheet.text(r, 1, &t.clause, &center)?;
        sheet.text(r, 2, &name, &style::text_cell())?;
        sheet.text(r, 3, &t.unit, &center)?;
        let format = style::number(t.decimals);
        let target = if t.target_assumed { style::number_suffixed(t.decimals, "（暂定）") } else { format.clone() };
        opt_number(sheet, r, 4, t.target, &target)?;
        let cumulative = if t.coverage.carried.is_empty() { format } else { style::number_carried(t.decimals) };
        opt_number(sheet, r, 5, t.cumulative, &cumulative)?;
        sheet.text(r, 6, &result, &center.clone().set_text_wrap())?;
        let lead_units = t.lead_units_text();
        sheet.text(r, 7, &lead_units, &style::text_cell())?;
        sheet.set_row_height(r, style::fit_height(&[(&name, columns[2].1), (&lead_units, columns[7].1), (&result, columns[6].1)]))?;
    }
    let last = 1 + b.aggregated.targets.len().max(1) as u32;
    let colours = [
        ("未完成", Tone::Red),
        ("严重滞后", Tone::Red),
        ("未启动", Tone::Red),
        ("未达标", Tone::Red),
        ("预警", Tone::Red),
        ("逾期完成", Tone::Yellow),
        ("滞后", Tone::Yellow),
        ("推进中", Tone::Yellow),
        ("持续推进", Tone::Green),
        ("完成", Tone::Green),
        ("正常", Tone::Green),
    ];
    text_colours(sheet, 2, last, 6, &colours)?;
    sheet.autofilter(1, 0, last, 7)?;
    sheet.set_freeze_panes(2, 0)?;
    style::print_setup(sheet, &title, 1);
    Ok(())
}

/// The 考核结果 of a status: 完成 or 未完成 once judged (未完成（逾期） for a target due before
/// December); before the year end (`year_end` false) a target still inside its schedule says
/// where it stands against it.
fn result(status: Status, year_end: bool, due_early: bool) -> &'static str {
    match status {
        Status::Completed | Status::Met => "完成",
        Status::CompletedLate => "逾期完成",
        Status::Overdue if year_end && !due_early => "未完成",
        Status::Overdue => "未完成（逾期）",
        Status::NotMet | Status::Warning if year_end => "未完成",
        Status::Tracked => "跟踪监测",
        Status::Incomplete | Status::NoData => "数据不全",
        Status::NotReported => "未报送",
        Status::NotReportingPeriod => "未到报送期",
        Status::Continuing => "持续推进",
        // At the year end only a task judged later (its evidence comes next year) is NotDue.
        Status::NotDue => "未到考核期",
        Status::OnTrack if !year_end => "正常（未到年终）",
        Status::Lagging if !year_end => "滞后（未到年终）",
        Status::SeverelyLagging if !year_end => "严重滞后（未到年终）",
        Status::InProgress if !year_end => "推进中（未到年终）",
        Status::NotStarted if !year_end => "未启动（未到年终）",
        Status::Warning => "预警（未到年终）",
        Status::NotMet => "未达标（未到年终）",
        _ => "未完成",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_the_year_end_a_target_says_where_it_stands_not_that_it_failed() {
        // November: still inside its schedule, not 未完成.
        assert_eq!(result(Status::OnTrack, false, false), "正常（未到年终）");
        assert_eq!(result(Status::SeverelyLagging, false, false), "严重滞后（未到年终）");
        assert_eq!(result(Status::NotDue, false, false), "未到考核期");
        assert_eq!(result(Status::InProgress, false, false), "推进中（未到年终）");
        // Due in March and not done: 未完成（逾期） whenever it is read.
        assert_eq!(result(Status::Overdue, false, true), "未完成（逾期）");
        assert_eq!(result(Status::Overdue, true, true), "未完成（逾期）");
        // December: judged.
        assert_eq!(result(Status::Overdue, true, false), "未完成");
        assert_eq!(result(Status::NotMet, true, false), "未完成");
        assert_eq!(result(Status::InProgress, true, false), "未完成");
        assert_eq!(result(Status::CompletedLate, true, false), "逾期完成");
    }
}
