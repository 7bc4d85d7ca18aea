//! The machine-readable outputs: `progress.csv`, `townships.csv`, `issues.csv` (UTF-8 with BOM so
//! that Excel and WPS open them as Chinese), with the exact columns SPEC names. Text that a
//! spreadsheet would take for a formula is made inert.

use crate::aggregate::{Aggregated, TargetProgress, TownshipValue};
use crate::issue::Issue;
use crate::text::inert;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A number with at most `decimals` places and no trailing zeros; empty for `None`.
pub fn num(value: Option<f64>, decimals: usize) -> String {
    value.filter(|v| v.is_finite()).map(|v| crate::text::fixed(v, decimals)).unwrap_or_default()
}

fn write(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = BOM.to_vec();
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        writer.write_record(header).expect("writing to memory");
        for row in rows {
            writer.write_record(row.iter().map(|cell| inert(cell).into_owned())).expect("writing to memory");
        }
        writer.flush().expect("writing to memory");
    }
    out
}

pub const PROGRESS_COLUMNS: &[&str] = &[
    "indicator_id",
    "indicator",
    "unit",
    "target",
    "month_value",
    "cumulative",
    "completion_rate",
    "time_progress",
    "gap_pp",
    "status",
    "lead_units",
    "units_counted",
    "units_carried",
    "units_missing",
    "note",
    "expected",
    "schedule",
    "assumed",
    "margin",
    "last_year",
    "yoy_change",
];

pub fn progress_csv(aggregated: &Aggregated) -> Vec<u8> {
    write(PROGRESS_COLUMNS, aggregated.targets.iter().map(progress_row))
}

fn progress_row(t: &TargetProgress) -> Vec<String> {
    vec![
        t.indicator_id.clone().unwrap_or_else(|| t.target_id.clone()),
        t.name.clone(),
        t.unit.clone(),
        num(t.target, 4),
        num(t.month_value, 4),
        num(t.cumulative, 4),
        num(t.completion_rate, 4),
        num(t.time_progress, 4),
        num(t.gap_pp, 2),
        t.status.label().to_string(),
        t.lead_units.clone(),
        if t.indicator_id.is_some() { t.coverage.counted.len().to_string() } else { String::new() },
        t.coverage.carried.iter().map(|(u, p)| format!("{u}@{p}")).collect::<Vec<_>>().join(";"),
        t.coverage.missing.join(";"),
        t.note.clone(),
        num(t.expected, 4),
        t.schedule.clone(),
        t.assumptions.join(";"),
        num(t.margin, 4),
        num(t.last_year, 4),
        num(t.cumulative.zip(t.last_year).map(|(now, then)| now - then), 4),
    ]
}

pub const TOWNSHIP_COLUMNS: &[&str] =
    &["township", "indicator_id", "value", "allocation", "completion_rate", "rank", "submission_status", "form", "share"];

pub fn townships_csv(aggregated: &Aggregated) -> Vec<u8> {
    write(TOWNSHIP_COLUMNS, aggregated.townships.iter().map(township_row))
}

fn township_row(t: &TownshipValue) -> Vec<String> {
    vec![
        t.township.clone(),
        t.indicator_id.clone(),
        num(t.value, 4),
        num(t.allocation, 4),
        num(t.completion_rate, 4),
        t.rank.map(|r| r.to_string()).unwrap_or_default(),
        t.submission_status.label().to_string(),
        t.form.clone(),
        num(t.share, 4),
    ]
}

pub const REMINDER_COLUMNS: &[&str] = &["unit", "kind", "situation", "filler", "phone", "action"];

/// reminders.csv: the 催报名单.
pub fn reminders_csv(reminders: &[super::Reminder]) -> Vec<u8> {
    write(
        REMINDER_COLUMNS,
        reminders
            .iter()
            .map(|r| vec![r.unit.clone(), r.kind.to_string(), r.situation.clone(), r.filler.clone(), r.phone.clone(), r.action.clone()]),
    )
}

pub const ISSUE_COLUMNS: &[&str] = &["file", "sheet", "cell", "township", "severity", "rule", "value", "message", "explanation"];

pub fn issues_csv(issues: &[Issue]) -> Vec<u8> {
    write(
        ISSUE_COLUMNS,
        issues.iter().map(|i| {
            vec![
                i.file.clone(),
                i.sheet.clone(),
                i.cell.clone(),
                i.township.clone(),
                i.severity().label().to_string(),
                i.rule_label(),
                i.value.clone(),
                i.message.clone(),
                i.explanation.clone(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(Some(0.5), 4), "0.5");
        assert_eq!(num(Some(54000.0), 4), "54000");
        assert_eq!(num(Some(-0.00001), 4), "0");
        assert_eq!(num(None, 4), "");
    }

    #[test]
    fn csv_has_bom_and_inert_formulas() {
        let bytes = write(&["a"], std::iter::once(vec!["=1+1".to_string()]));
        assert!(bytes.starts_with(BOM));
        assert_eq!(String::from_utf8(bytes[3..].to_vec()).unwrap(), "a\r\n'=1+1\r\n");
    }
}
