//! One project row judged against its due date (the topic sheets' 按期情况 column), from its
//! form's `timing`: a pure function of one record and the period.

use super::Tone;
use crate::period::Period;

/// Where one project stands against its due date (the topic sheets' 按期情况 column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStatus {
    /// Finished on or before its due date (按期完工).
    OnTime,
    /// Finished after its due date (逾期完工).
    Late,
    /// Finished; the form records no date to judge it by (已完工).
    Done,
    /// Not finished and its due month has passed (逾期未完工).
    Overdue,
    /// Not finished, not yet due (未到期).
    NotDue,
    /// No planned month given (未定计划).
    Unplanned,
}

impl ProjectStatus {
    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::OnTime => "按期完工",
            ProjectStatus::Late => "逾期完工",
            ProjectStatus::Done => "已完工",
            ProjectStatus::Overdue => "逾期未完工",
            ProjectStatus::NotDue => "未到期",
            ProjectStatus::Unplanned => "未定计划",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            ProjectStatus::OnTime | ProjectStatus::Done => Tone::Green,
            ProjectStatus::Late | ProjectStatus::Unplanned => Tone::Yellow,
            ProjectStatus::Overdue => Tone::Red,
            ProjectStatus::NotDue => Tone::Neutral,
        }
    }
}

/// A project row judged by its form's `timing` at the end of `period`; `None` for forms without
/// one and rows its filters leave out (e.g. projects of another 建设年度). A due date is judged
/// by its month, as targets are.
pub fn project_status(form: &crate::plan::Form, record: &crate::validate::Record, period: Period) -> Option<ProjectStatus> {
    let timing = form.timing.as_ref()?;
    let value = |id: &str| form.columns.iter().position(|c| c.id == id).and_then(|i| record.values[i].text());
    if !timing.filters.iter().all(|f| f.passes(value(&f.column), period)) {
        return None;
    }
    let due = match (&timing.due, &timing.due_column) {
        (Some(d), _) => Some(crate::plan::month_end(*d)),
        (None, Some(c)) => {
            value(c).and_then(|m| chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()).map(crate::plan::month_end)
        }
        (None, None) => None,
    };
    let done = value(&timing.done) == Some("是");
    let date = timing.date.as_deref().and_then(value).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    Some(match (done, due, date) {
        (true, Some(due), Some(date)) if date > due => ProjectStatus::Late,
        (true, Some(_), Some(_)) => ProjectStatus::OnTime,
        (true, _, _) => ProjectStatus::Done,
        (false, None, _) => ProjectStatus::Unplanned,
        (false, Some(due), _) if period.end() > due => ProjectStatus::Overdue,
        (false, Some(_), _) => ProjectStatus::NotDue,
    })
}
