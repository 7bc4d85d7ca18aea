//! A headline row: one target and where it stands this month (`TargetProgress`), built from the
//! district figures, the target's schedule and the department ledger, each part worked out on
//! its own before the row is made.

use serde::Serialize;

use super::district::{Calculator, Coverage};
use super::evaluate::{Evaluation, Status, evaluate};
use super::ledger::Ledger;
use crate::period::Period;
use crate::plan::{Indicator, Reporter, ResolvedSchedule, Target, TargetKind, Timing};

/// One row of the headline table: a target and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct TargetProgress {
    pub target_id: String,
    pub indicator_id: Option<String>,
    pub clause: String,
    pub task: String,
    pub name: String,
    pub kind: TargetKind,
    pub unit: String,
    pub decimals: u8,
    pub target: Option<f64>,
    pub stated: String,
    pub month_value: Option<f64>,
    pub cumulative: Option<f64>,
    pub completion_rate: Option<f64>,
    pub time_progress: Option<f64>,
    pub gap_pp: Option<f64>,
    pub status: Status,
    pub lead_units: String,
    /// What the figure does not include (townships not counted), or a ledger's 进展说明.
    pub note: String,
    /// Who the cumulative figure counts (empty for qualitative targets).
    pub coverage: Coverage,
    /// 序时目标: what the schedule expects by the period's end, in the target's unit.
    pub expected: Option<f64>,
    /// Floors, ceilings, baselines: distance to the line on its right side (negative: beyond).
    pub margin: Option<f64>,
    /// The schedule, e.g. `linear 2024-03-25..2024-10-30` (empty for targets without one).
    pub schedule: String,
    /// What of this row is not the document's (暂定): the schedule's or the target's assumption.
    pub assumptions: Vec<String>,
    /// The schedule is assumed (its expected value is 暂定).
    pub schedule_assumed: bool,
    /// The target value or baseline is assumed (暂定).
    pub target_assumed: bool,
    /// The lead units are the office's assumption, not the document's (暂定).
    pub lead_units_assumed: bool,
    /// The indicator's unit is a percentage: its 本月 is a change in points.
    pub percent: bool,
    /// 同比: the district value in the same month of the previous year, where the store holds it.
    pub last_year: Option<f64>,
}

impl TargetProgress {
    /// The status as a cell shows it: marked ※ when the figure it judges includes a carried
    /// value (沿用), so the colour is never read as this month's own.
    pub fn status_text(&self) -> String {
        if self.coverage.carried.is_empty() { self.status.label().to_string() } else { format!("{}※", self.status.label()) }
    }

    /// The lead units as a cell shows them: `（暂定）` after them when the office assumed them.
    pub fn lead_units_text(&self) -> String {
        if self.lead_units_assumed { format!("{}（暂定）", self.lead_units) } else { self.lead_units.clone() }
    }

    /// The year's target as text, `（暂定）` after an assumed one: `4200亩（暂定）`.
    pub fn target_text(&self) -> String {
        let value = self.target.map(crate::text::fmt).unwrap_or_default();
        if self.target_assumed { format!("{value}{}（暂定）", self.unit) } else { format!("{value}{}", self.unit) }
    }
}

/// Where a numeric target stands: its figures, judgement and notes.
struct Standing {
    month_value: Option<f64>,
    cumulative: Option<f64>,
    evaluation: Evaluation,
    note: String,
    coverage: Coverage,
    schedule: String,
    assumptions: Vec<String>,
    schedule_assumed: bool,
    target_assumed: bool,
}

impl Calculator<'_> {
    /// The headline row of `target` at the end of `period`; `last_year` is its district value
    /// in the same month of the previous year, where the store holds it (同比).
    pub(super) fn target_progress(&self, target: &Target, period: Period, ledger: &Ledger, last_year: Option<f64>) -> TargetProgress {
        let indicator = target.indicator.as_deref().and_then(|i| self.plan.indicator(i));
        let standing = match indicator {
            Some(indicator) => self.standing(target, indicator, period, ledger),
            None => qualitative_standing(target, period, ledger),
        };
        let Standing { month_value, cumulative, evaluation, note, coverage, schedule, mut assumptions, schedule_assumed, target_assumed } =
            standing;
        let lead_units_assumed = !self.plan.plan.lead_units_assumption.is_empty();
        if lead_units_assumed {
            assumptions.push(format!("牵头单位暂定（{}）", self.plan.plan.lead_units_assumption));
        }
        TargetProgress {
            target_id: target.id.clone(),
            indicator_id: indicator.map(|i| i.id.clone()),
            clause: target.clause.clone(),
            task: target.task.clone(),
            name: target.name.clone(),
            kind: target.kind,
            unit: indicator.map(|i| i.unit.clone()).unwrap_or_default(),
            decimals: indicator.map(|i| i.decimals).unwrap_or(1),
            target: match target.kind {
                TargetKind::Baseline => target.baseline,
                TargetKind::Milestones => target.value.or_else(|| target.milestones.last().map(|m| m.value)),
                _ => target.value,
            },
            stated: target.stated.clone(),
            month_value,
            cumulative,
            completion_rate: evaluation.completion_rate,
            time_progress: evaluation.time_progress,
            gap_pp: evaluation.gap_pp,
            status: evaluation.status,
            lead_units: target.lead_units.join("、"),
            note,
            coverage,
            expected: evaluation.expected,
            margin: evaluation.margin,
            schedule,
            assumptions,
            schedule_assumed,
            target_assumed,
            lead_units_assumed,
            percent: indicator.is_some_and(|i| i.unit == "%"),
            last_year: indicator.and(last_year),
        }
    }

    /// A numeric target: its district figures judged against its schedule.
    fn standing(&self, target: &Target, indicator: &Indicator, period: Period, ledger: &Ledger) -> Standing {
        let (cumulative, coverage) = self.district_value(indicator, period);
        let super::district::MonthChange { value: month_value, left_out: not_last_month, decreased } = self.month_value(indicator, period);
        let schedule = self.schedule_at(target, period);
        let mut evaluation = evaluate(target, schedule.as_ref(), cumulative, period, &self.plan.thresholds, indicator.is_countable());
        let on_time_note = self.judge_on_time(target, indicator, cumulative, period, &mut evaluation);
        let department = self.reporter(indicator) == Reporter::Department;
        // A figure reported quarterly or annually is not missing before it is due.
        let not_yet = department && cumulative.is_none() && !target.due_in(period.month);
        if not_yet {
            evaluation = Evaluation::only(Status::NotReportingPeriod);
        }
        // A line judged on a total that still lacks townships cannot be judged.
        if !department
            && cumulative.is_some()
            && !coverage.missing.is_empty()
            && matches!(target.kind, TargetKind::Floor | TargetKind::Ceiling | TargetKind::Baseline)
        {
            evaluation.status = Status::Incomplete;
            evaluation.margin = None;
        }
        let missing_note =
            if department { None } else { self.judge_missing(target, indicator, period, &coverage, cumulative, &mut evaluation) };
        let (assumptions, schedule_assumed, target_assumed) = assumptions(target, schedule.as_ref(), &evaluation);
        let mut notes: Vec<String> = on_time_note.into_iter().chain(missing_note).collect();
        if !coverage.missing.is_empty() && !department {
            notes.push(format!("不含{}（未报送或数据有误）", coverage.missing.join("、")));
        }
        if !coverage.partial.is_empty() {
            notes.push(format!("不含{}（未填报分子或分母列，不按零计）", coverage.partial.join("、")));
        }
        if !coverage.carried.is_empty() {
            notes.push(format!("含沿用数：{}本月未采用，沿用其最近一次采用的数据", coverage.carried_text()));
        }
        if !decreased.is_empty() {
            let units: Vec<String> = decreased.iter().map(|(u, d)| format!("{u}（{}{}）", crate::text::fmt(*d), indicator.unit)).collect();
            notes.push(format!("累计数较上月减少：{}，请核实是否删改了已报数据", units.join("、")));
        }
        if !not_last_month.is_empty() && month_value.is_some() {
            notes.push(format!("本月完成不含{}（上月数据未采用）", not_last_month.join("、")));
        }
        if department {
            if let Some((_, Some(note))) = ledger.get(&target.id) {
                notes.push(note.clone());
            }
            if not_yet {
                notes.push(format!("{}，本月未到报送期", target.frequency.label(target.report_month)));
            } else if cumulative.is_none() {
                notes.push("牵头单位本月未报送台账".to_string());
            }
        }
        let describe = |s: &ResolvedSchedule| s.describe(target.schedule.as_ref().and_then(|s| s.curve.as_deref()));
        Standing {
            month_value,
            cumulative,
            evaluation,
            note: notes.join("；"),
            coverage,
            schedule: schedule.as_ref().map(describe).unwrap_or_default(),
            assumptions,
            schedule_assumed,
            target_assumed,
        }
    }

    /// The target's schedule at `period`; a `planned` one with what the projects planned to
    /// finish by this month add up to as its expected share.
    fn schedule_at(&self, target: &Target, period: Period) -> Option<ResolvedSchedule> {
        let mut schedule = self.plan.schedule(target);
        if let Some(ResolvedSchedule { timing: Timing::Planned { indicator: planned, share, .. }, .. }) = &mut schedule {
            let planned = self.plan.indicator(planned).and_then(|i| self.district_value(i, period).0);
            *share = planned.zip(target.value.filter(|g| *g > 0.0)).map(|(p, g)| (p / g).min(1.0));
        }
        schedule
    }

    /// Units not counted this month never decide a colour. A target with allocations is judged on
    /// the units counted (or carried) against their own allocations, and the note says so; one
    /// without allocations whose missing units held more than `thresholds.missing_share` percent
    /// of the figure (at their last counted month, a ratio by its denominator; by their number
    /// when one was never counted this year) is 数据不全 rather than 滞后 or 逾期, and a ratio
    /// neither 达标 nor 未达标.
    fn judge_missing(
        &self,
        target: &Target,
        indicator: &Indicator,
        period: Period,
        coverage: &Coverage,
        cumulative: Option<f64>,
        evaluation: &mut Evaluation,
    ) -> Option<String> {
        if coverage.missing.is_empty() || !matches!(target.kind, TargetKind::AtLeast | TargetKind::Count | TargetKind::Ratio) {
            return None;
        }
        let townships = &self.plan.wording().townships;
        if target.kind != TargetKind::Ratio && !target.allocations.is_empty() {
            let allotted = |unit: &String| target.allocations.get(unit).copied().filter(|a| *a > 0.0);
            if !coverage.missing.iter().any(|u| allotted(u).is_some()) {
                return None;
            }
            let reporting = coverage.counted.iter().chain(coverage.carried.iter().map(|(u, _)| u));
            let (mut done, mut share_of, mut n) = (0.0, 0.0, 0);
            for unit in reporting {
                if let Some(a) = allotted(unit) {
                    share_of += a;
                    done += self.unit_figure(indicator, period, unit).unwrap_or(0.0);
                    n += 1;
                }
            }
            if evaluation.status == Status::Completed {
                return None;
            }
            if n == 0 {
                *evaluation = Evaluation { completion_rate: evaluation.completion_rate, ..Evaluation::only(Status::Incomplete) };
                return Some(format!("有分解任务的{townships}均未报送，暂不判断进度"));
            }
            let completion = done / share_of;
            evaluation.completion_rate = Some(if target.kind == TargetKind::Count { completion.min(1.0) } else { completion });
            evaluation.gap_pp = evaluation.time_progress.map(|s| (completion - s) * 100.0);
            evaluation.status = match (evaluation.status, evaluation.gap_pp) {
                // Due: those who reported are late with theirs, or done and the rest unknown.
                (Status::Overdue, _) if completion >= 1.0 - 1e-9 => Status::Incomplete,
                (Status::Overdue, _) => Status::Overdue,
                (_, Some(gap)) => super::evaluate::lag_status(gap, &self.plan.thresholds),
                (status, None) => status,
            };
            let schedule = evaluation.time_progress.map(|s| format!("，序时{}", percent(s))).unwrap_or_default();
            // Who is missing is named by the row's 不含 note.
            return Some(format!("按已报送的{n}个{townships}计，完成其分解任务的{}{schedule}", percent(completion)));
        }
        // A judgement the missing units could change: a lag, or a ratio met or not.
        let judged = match target.kind {
            TargetKind::Ratio => matches!(evaluation.status, Status::Met | Status::NotMet),
            _ => matches!(evaluation.status, Status::Lagging | Status::SeverelyLagging | Status::Overdue),
        };
        if !judged {
            return None;
        }
        // A ratio's share is its denominator's (the households, villages or funds it is of).
        let basis = match indicator.denominator.as_deref().and_then(|d| self.plan.indicator(d)) {
            Some(denominator) => denominator,
            None => indicator,
        };
        let last: Vec<Option<f64>> = coverage.missing.iter().map(|u| self.last_counted_figure(basis, period, u)).collect();
        let held: f64 = last.iter().flatten().map(|v| v.max(0.0)).sum();
        let present = if basis.id == indicator.id { cumulative } else { self.district_value(basis, period).0 };
        let whole = present.unwrap_or(0.0).max(0.0) + held;
        let units = coverage.counted.len() + coverage.carried.len() + coverage.missing.len();
        let (share, how) = if last.iter().any(Option::is_none) || whole <= 0.0 {
            (coverage.missing.len() as f64 / units.max(1) as f64 * 100.0, format!("占应报{townships}的"))
        } else {
            (held / whole * 100.0, "上次采用的数约占全部的".to_string())
        };
        if share <= self.plan.thresholds.missing_share + 1e-9 {
            return None;
        }
        evaluation.status = Status::Incomplete;
        Some(format!("未采用的单位{how}{share:.0}%，暂不判断进度"))
    }

    /// A target with `on_time` is judged from the completion dates: past the deadline, reached
    /// only by counting what finished after it is 逾期完成. The note says how much was in time.
    fn judge_on_time(
        &self,
        target: &Target,
        indicator: &Indicator,
        cumulative: Option<f64>,
        period: Period,
        evaluation: &mut Evaluation,
    ) -> Option<String> {
        let (Some(on_time), Some(done), Some(goal)) =
            (target.on_time.as_deref().and_then(|i| self.plan.indicator(i)), cumulative, target.value)
        else {
            return None;
        };
        let due = target.due(self.plan.plan.year);
        // What was done by the deadline is history: a township missing this month keeps its
        // last counted figures in it, so the note never shrinks.
        let in_time = self.latest_sum(on_time, period).unwrap_or(0.0);
        let done = self.latest_sum(indicator, period).unwrap_or(done).max(done);
        let unit = &indicator.unit;
        let past_due = period.end() > crate::plan::month_end(due);
        if evaluation.status == Status::Completed && past_due && in_time < goal - 1e-9 {
            evaluation.status = Status::CompletedLate;
        }
        (past_due || done > in_time + 1e-9).then(|| {
            format!(
                "按期（{}前）完成{}{unit}，逾期完成{}{unit}",
                due.format("%-m月%-d日"),
                crate::text::fmt(in_time),
                crate::text::fmt((done - in_time).max(0.0))
            )
        })
    }
}

/// A share as a whole percentage: `46%`.
fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// What of a row is not the document's (暂定): (the notes, the schedule is assumed, the target
/// value or baseline is assumed).
fn assumptions(target: &Target, schedule: Option<&ResolvedSchedule>, evaluation: &Evaluation) -> (Vec<String>, bool, bool) {
    let mut notes = Vec::new();
    let mut schedule_assumed = false;
    if let Some(schedule) = schedule
        && schedule.assumed
        && evaluation.expected.is_some()
    {
        schedule_assumed = true;
        notes.push(format!("序时目标暂定（{}）", schedule.source));
    }
    let target_assumed = !target.assumption.is_empty();
    if target_assumed {
        // A milestone's values are its schedule: both are assumed.
        schedule_assumed |= target.kind == TargetKind::Milestones;
        let what = match target.kind {
            TargetKind::Baseline => "基数",
            TargetKind::Milestones => "时序节点",
            _ => "目标值",
        };
        notes.push(format!("{what}暂定（{}）", target.assumption));
    }
    (notes, schedule_assumed, target_assumed)
}

/// A qualitative task: the lead unit's ledger row says where it stands. A continuing task
/// (持续性任务) reported 推进中 is 持续推进, its normal state. A task whose schedule is due after
/// the period (its evidence, such as a year's income survey, comes later) is not 已完成 before
/// then, whatever the ledger says: 未到考核期, with the reason.
fn qualitative_standing(target: &Target, period: Period, ledger: &Ledger) -> Standing {
    let (status, note) = ledger.get(&target.id).cloned().unwrap_or_default();
    let mut note = note.unwrap_or_default();
    let mut status = match status.as_deref() {
        Some("已完成") => Status::Completed,
        Some("推进中") if target.kind == TargetKind::Ongoing => Status::Continuing,
        Some("推进中") => Status::InProgress,
        Some("未启动") => Status::NotStarted,
        _ => Status::NotReported,
    };
    if let Some(schedule) = &target.schedule
        && let Some(due) = schedule.due
        && due > period.end()
        && matches!(status, Status::Completed | Status::InProgress)
    {
        let reported = if status == Status::Completed { "台账报“已完成”，" } else { "" };
        let why = if schedule.source.is_empty() { String::new() } else { format!("：{}", schedule.source) };
        note = format!("{reported}须到 {} 后才能判断是否完成{why}。{note}", due.format("%Y年%-m月%-d日"));
        status = Status::NotDue;
    }
    Standing {
        month_value: None,
        cumulative: None,
        evaluation: Evaluation::only(status),
        note,
        coverage: Coverage::default(),
        schedule: String::new(),
        assumptions: Vec::new(),
        schedule_assumed: false,
        target_assumed: false,
    }
}
