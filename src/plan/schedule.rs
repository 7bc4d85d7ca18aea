//! When a target is due and what it expects by each month's end (SPEC "Time"): a target's
//! schedule with the plan's defaults applied (`Plan::schedule` → `ResolvedSchedule`), linear
//! shares in whole months, and the year-end assessment's start.

use chrono::{Datelike, NaiveDate};

use super::{Milestone, Phase, PhaseRole, Plan, ScheduleKind, Target, TargetKind};

/// A target's schedule with every default applied (`Plan::schedule`).
#[derive(Debug, Clone, PartialEq)]
pub enum Timing {
    Linear {
        start: NaiveDate,
        due: NaiveDate,
    },
    Curve {
        shares: Vec<f64>,
        due: NaiveDate,
    },
    Event {
        due: NaiveDate,
    },
    YearEnd {
        due: NaiveDate,
    },
    /// Dated absolute values (the target's `milestones`).
    Milestones,
    /// Expected values from the projects' planned months (`ScheduleKind::Planned`): the share
    /// is filled in for the period being judged, from the planned indicator's value.
    Planned {
        indicator: String,
        due: NaiveDate,
        share: Option<f64>,
    },
}

/// Share of a linear schedule due at the end of `date`'s month, counted in whole months as
/// 序时进度 is in statistical bulletins: the window runs from the start's month (or the next
/// month, when the start falls in the second half of its month) to the due date's month, and
/// each month counts once it has ended.
pub fn linear_share(start: NaiveDate, due: NaiveDate, date: NaiveDate) -> f64 {
    let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
    if date >= due {
        return 1.0;
    }
    let first = index(start) + if start.day() > 15 { 1 } else { 0 };
    let total = (index(due) - first + 1).max(1);
    let elapsed = (index(date) - first + 1).clamp(0, total);
    elapsed as f64 / total as f64
}

/// The last day of `date`'s month: monthly reports judge a due date by its month.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    crate::period::Period::new(date.year(), date.month()).map(|p| p.end()).unwrap_or(date)
}

/// A resolved schedule: the timing, whether it is assumed, and a description for CSV and notes.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSchedule {
    pub timing: Timing,
    pub assumed: bool,
    pub source: String,
}

impl ResolvedSchedule {
    /// The last day anything is expected by.
    pub fn due(&self, milestones: &[Milestone]) -> Option<NaiveDate> {
        match &self.timing {
            Timing::Linear { due, .. }
            | Timing::Curve { due, .. }
            | Timing::Event { due }
            | Timing::YearEnd { due }
            | Timing::Planned { due, .. } => Some(*due),
            Timing::Milestones => milestones.last().map(|m| m.by),
        }
    }

    /// The expected cumulative share (0–1) at the end of `date`; `None` for a year-end target
    /// before its date (not yet judged) and for milestones (compared in their own terms).
    pub fn share_at(&self, date: NaiveDate) -> Option<f64> {
        match &self.timing {
            Timing::Linear { start, due } => Some(linear_share(*start, *due, date)),
            Timing::Curve { shares, .. } => Some(shares.get(date.month0() as usize).copied().unwrap_or(1.0)),
            Timing::Event { due } => Some(if date >= *due { 1.0 } else { 0.0 }),
            Timing::YearEnd { due } => (date >= *due).then_some(1.0),
            Timing::Milestones => None,
            Timing::Planned { due, share, .. } => {
                if date >= *due {
                    Some(1.0)
                } else {
                    *share
                }
            }
        }
    }

    /// `linear 2024-03-25..2024-10-30`, `curve grain_sowing`, `event 2024-10`, `year_end 2024-12-31`, `milestones`.
    pub fn describe(&self, curve: Option<&str>) -> String {
        match &self.timing {
            Timing::Linear { start, due } => format!("linear {start}..{due}"),
            Timing::Curve { .. } => format!("curve {}", curve.unwrap_or("")),
            Timing::Event { due } => format!("event {}", due.format("%Y-%m")),
            Timing::YearEnd { due } => format!("year_end {due}"),
            Timing::Milestones => "milestones".to_string(),
            Timing::Planned { indicator, .. } => format!("planned {indicator}"),
        }
    }
}

impl Plan {
    fn year_start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.plan.year, 1, 1).expect("valid date")
    }

    fn year_end(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.plan.year, 12, 31).expect("valid date")
    }

    /// The plan's phase of this role (安排部署, 集中实施, 考核验收), if it has one.
    pub fn phase(&self, role: PhaseRole) -> Option<&Phase> {
        self.phases.iter().find(|p| p.role == role)
    }

    /// The day the year-end assessment starts (the assessment phase, else 1 December): from its
    /// month on, the bulletin lists 完成/未完成 per target.
    pub fn assessment_start(&self) -> NaiveDate {
        self.phase(PhaseRole::Assess)
            .map(|p| p.start)
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(self.plan.year, 12, 1).expect("valid date"))
    }

    /// A target's schedule with the defaults applied; `None` for targets judged without time
    /// (floors, ceilings, baselines, ratios, tracked and qualitative ones).
    pub fn schedule(&self, target: &Target) -> Option<ResolvedSchedule> {
        if target.kind == TargetKind::Milestones {
            return Some(ResolvedSchedule { timing: Timing::Milestones, assumed: false, source: String::new() });
        }
        if !matches!(target.kind, TargetKind::AtLeast | TargetKind::Count) {
            return None;
        }
        let implement = self.phase(PhaseRole::Implement);
        let default_start = implement.map(|p| p.start).unwrap_or_else(|| self.year_start());
        let default_due = target.deadline.or(implement.map(|p| p.end)).unwrap_or_else(|| self.year_end());
        let Some(schedule) = &target.schedule else {
            let start = if default_start < default_due { default_start } else { self.year_start() };
            let source = match implement {
                Some(p) if target.deadline.is_none() => {
                    format!("{}阶段（{}至{}）", p.name, p.start.format("%-m月%-d日"), p.end.format("%-m月%-d日"))
                }
                _ if target.deadline.is_some() => format!("期限{}", default_due.format("%-m月%-d日")),
                _ => "全年".to_string(),
            };
            return Some(ResolvedSchedule { timing: Timing::Linear { start, due: default_due }, assumed: false, source });
        };
        let timing = match schedule.kind {
            ScheduleKind::Linear => {
                let due = schedule.due.unwrap_or(default_due);
                let start = schedule.start.unwrap_or(if default_start < due { default_start } else { self.year_start() });
                Timing::Linear { start, due }
            }
            ScheduleKind::Curve => {
                let curve = self.curves.iter().find(|c| Some(&c.id) == schedule.curve.as_ref())?;
                let full = curve.shares.iter().position(|s| *s >= 1.0 - 1e-9).unwrap_or(11) as u32 + 1;
                let due = crate::period::Period::new(self.plan.year, full).map(|p| p.end()).unwrap_or_else(|| self.year_end());
                Timing::Curve { shares: curve.shares.clone(), due }
            }
            ScheduleKind::Event => {
                let month = schedule.month.unwrap_or(12);
                let due = crate::period::Period::new(self.plan.year, month).map(|p| p.end()).unwrap_or_else(|| self.year_end());
                Timing::Event { due }
            }
            ScheduleKind::YearEnd => Timing::YearEnd { due: schedule.due.unwrap_or_else(|| self.year_end()) },
            ScheduleKind::Planned => Timing::Planned {
                indicator: schedule.indicator.clone()?,
                due: schedule.due.unwrap_or_else(|| self.year_end()),
                share: None,
            },
        };
        let curve = schedule.curve.as_deref().and_then(|id| self.curves.iter().find(|c| c.id == id));
        let assumed = schedule.assumed || curve.is_some_and(|c| c.assumed);
        let source = match curve {
            Some(c) if schedule.source.is_empty() => format!("{}：{}", c.name, c.source),
            _ => schedule.source.clone(),
        };
        Some(ResolvedSchedule { timing, assumed, source })
    }
}
