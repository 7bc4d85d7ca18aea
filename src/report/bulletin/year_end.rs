//! 年终考核: every target, 完成 or 未完成 as the period's figures stand (from the plan's
//! assessment phase on).

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
            Status::NotReportingPeriod => "未到报送期",
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
