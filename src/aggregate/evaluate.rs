//! A target's numbers judged against its schedule at a period's end (SPEC "Time"): the status
//! names and their colours, and `evaluate` (完成率, 序时目标, 序时进度, 进度差, margins).

use serde::Serialize;

use crate::period::Period;
use crate::plan::{ResolvedSchedule, Target, TargetKind, Thresholds};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Completed,
    OnTrack,
    Lagging,
    SeverelyLagging,
    Met,
    Warning,
    NotMet,
    Tracked,
    NoData,
    NotStarted,
    InProgress,
    NotReported,
    /// A floor, ceiling or baseline whose total still lacks units: cannot be judged.
    Incomplete,
    /// Not completed after its due date (逾期未完成).
    Overdue,
    /// A year-end target before its assessment (未到考核期): the value is shown, not judged.
    NotDue,
    /// Reached, but only after its deadline (逾期完成): judged from completion dates.
    CompletedLate,
    /// A figure reported quarterly or annually, not due this month and not yet reported
    /// (未到报送期): shown, never 未报送.
    NotReportingPeriod,
    /// A continuing task (持续性任务) reported 推进中: its normal state (持续推进).
    Continuing,
}

/// How a status is coloured in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Green,
    Yellow,
    Red,
    Neutral,
}

impl Status {
    pub const ALL: [Status; 18] = [
        Status::Completed,
        Status::OnTrack,
        Status::Lagging,
        Status::SeverelyLagging,
        Status::Met,
        Status::Warning,
        Status::NotMet,
        Status::Tracked,
        Status::NoData,
        Status::NotStarted,
        Status::InProgress,
        Status::NotReported,
        Status::Incomplete,
        Status::Overdue,
        Status::NotDue,
        Status::CompletedLate,
        Status::NotReportingPeriod,
        Status::Continuing,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Status::Completed => "已完成",
            Status::OnTrack => "正常",
            Status::Lagging => "滞后",
            Status::SeverelyLagging => "严重滞后",
            Status::Met => "达标",
            Status::Warning => "预警",
            Status::NotMet => "未达标",
            Status::Tracked => "跟踪监测",
            Status::NoData => "无数据",
            Status::NotStarted => "未启动",
            Status::InProgress => "推进中",
            Status::NotReported => "未报送",
            Status::Incomplete => "数据不全",
            Status::Overdue => "逾期未完成",
            Status::NotDue => "未到考核期",
            Status::CompletedLate => "逾期完成",
            Status::NotReportingPeriod => "未到报送期",
            Status::Continuing => "持续推进",
        }
    }

    pub fn tone(self) -> Tone {
        match self {
            Status::Completed | Status::OnTrack | Status::Met | Status::Continuing => Tone::Green,
            Status::Lagging | Status::InProgress | Status::CompletedLate => Tone::Yellow,
            Status::SeverelyLagging | Status::Warning | Status::NotMet | Status::NotStarted | Status::NotReported | Status::Overdue => {
                Tone::Red
            }
            Status::Tracked | Status::NoData | Status::Incomplete | Status::NotDue | Status::NotReportingPeriod => Tone::Neutral,
        }
    }
}

/// What a target's numbers mean at the end of `period`.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub completion_rate: Option<f64>,
    /// Expected share of the target by the period's end (序时进度), for scheduled targets.
    pub time_progress: Option<f64>,
    /// Expected value by the period's end (序时目标), in the target's unit.
    pub expected: Option<f64>,
    /// Completion − expected share, in points; for milestones, value − expected value.
    pub gap_pp: Option<f64>,
    /// Floors, ceilings and baselines: how far the value is on the right side of the line
    /// (negative: beyond it), in the indicator's unit.
    pub margin: Option<f64>,
    pub status: Status,
}

impl Evaluation {
    pub(super) fn only(status: Status) -> Evaluation {
        Evaluation { completion_rate: None, time_progress: None, expected: None, gap_pp: None, margin: None, status }
    }
}

/// Status of a value `gap` points from what is expected.
pub(super) fn lag_status(gap: f64, thresholds: &Thresholds) -> Status {
    if gap >= -1e-9 {
        Status::OnTrack
    } else if gap > -thresholds.severe_lag_pp + 1e-9 {
        Status::Lagging
    } else {
        Status::SeverelyLagging
    }
}

/// Evaluate one numeric target against its cumulative value at the end of `period` (SPEC
/// "Time"): scheduled targets against what their schedule expects by then, milestones in their
/// own terms, floors, ceilings and baselines by their margin to the line.
///
/// A target is due in the month its schedule expects all of it by (its due month, the end of
/// its window, its event, the year end): from that month's end on it is 已完成 or 逾期未完成,
/// never 滞后, because the bulletin reports the month's end. A countable target (`whole`: 户,
/// 座, 个 …) expects whole things: 4 houses at 43% of the window expect 1, not 1.71, and its
/// 序时进度 is that whole number's share. A ratio with no date of its own is judged at the year
/// end (未到考核期 before it, its value shown).
pub fn evaluate(
    target: &Target,
    schedule: Option<&ResolvedSchedule>,
    value: Option<f64>,
    period: Period,
    thresholds: &Thresholds,
    whole: bool,
) -> Evaluation {
    let Some(value) = value else {
        return Evaluation::only(if target.kind == TargetKind::Tracked { Status::Tracked } else { Status::NoData });
    };
    let end = period.end();
    match target.kind {
        TargetKind::AtLeast | TargetKind::Count => {
            let Some(goal) = target.value.filter(|g| *g > 0.0) else { return Evaluation::only(Status::NoData) };
            let completion = value / goal;
            let share = schedule.and_then(|s| s.share_at(end));
            let due = schedule.and_then(|s| s.due(&target.milestones));
            // Whole things: the expected count is the whole number the share has reached.
            let expected = share.map(|s| if whole { (goal * s + 1e-9).floor() } else { goal * s });
            let share = if whole { expected.map(|e| e / goal) } else { share };
            let gap = share.map(|s| (completion - s) * 100.0);
            // A count over-achieved is 已完成, not 1,100%.
            let shown = if target.kind == TargetKind::Count { completion.min(1.0) } else { completion };
            let mut evaluation = Evaluation {
                completion_rate: Some(shown),
                time_progress: share,
                expected,
                gap_pp: gap,
                margin: None,
                status: Status::NoData,
            };
            evaluation.status = if completion >= 1.0 - 1e-9 {
                if target.kind == TargetKind::Count {
                    evaluation.gap_pp = None;
                }
                Status::Completed
            } else if due.is_some_and(|d| end >= crate::plan::month_end(d)) || share.is_some_and(|s| s >= 1.0 - 1e-9) {
                // At or past the due month's end (all of it expected by now): 逾期未完成.
                Status::Overdue
            } else {
                match gap {
                    Some(g) => lag_status(g, thresholds),
                    None => Status::NotDue,
                }
            };
            evaluation
        }
        TargetKind::Milestones => {
            // Compared in their own terms: the value (a percentage) against the latest milestone
            // due, in points; nothing is expected before the first.
            let expected = target.milestones.iter().rev().find(|m| m.by <= end).map(|m| m.value).unwrap_or(0.0);
            let last = target.milestones.last();
            let gap = value - expected;
            let status = if last.is_some_and(|m| value >= m.value - 1e-9) {
                Status::Completed
            } else if last.is_some_and(|m| end >= crate::plan::month_end(m.by)) {
                Status::Overdue
            } else {
                lag_status(gap, thresholds)
            };
            Evaluation { completion_rate: None, time_progress: None, expected: Some(expected), gap_pp: Some(gap), margin: None, status }
        }
        TargetKind::Floor | TargetKind::Baseline => {
            let goal = if target.kind == TargetKind::Floor { target.value } else { target.baseline };
            let margin = goal.map(|g| value - g);
            let met = margin.is_none_or(|m| m >= -1e-9);
            Evaluation { margin, ..Evaluation::only(if met { Status::Met } else { Status::Warning }) }
        }
        TargetKind::Ceiling => {
            let margin = target.value.map(|g| g - value);
            let met = margin.is_none_or(|m| m >= -1e-9);
            Evaluation { margin, ..Evaluation::only(if met { Status::Met } else { Status::Warning }) }
        }
        TargetKind::Ratio => {
            let met = target.value.is_none_or(|g| value >= g - 1e-9);
            let completion = target.value.filter(|g| *g > 0.0).map(|g| value / g);
            // Judged at its date (the year end when the document gives none); before it a ratio
            // still short is shown with its value, not red.
            let judged = end >= crate::plan::month_end(target.due(period.year));
            let status = if met {
                Status::Met
            } else if judged {
                Status::NotMet
            } else {
                Status::NotDue
            };
            Evaluation { completion_rate: completion, ..Evaluation::only(status) }
        }
        TargetKind::Tracked => Evaluation::only(Status::Tracked),
        TargetKind::Qualitative | TargetKind::Ongoing => Evaluation::only(Status::NotReported),
    }
}
