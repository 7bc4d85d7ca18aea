//! Aggregation's unit tests: schedules and statuses, coverage, reduction, project timing, ranks.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::*;
use crate::plan::{Milestone, Target, TargetKind, Thresholds};
use crate::validate::{Record, Value};

#[test]
fn a_ratio_counts_a_unit_only_where_both_parts_count_it() {
    let may = Period::new(2024, 5).unwrap();
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut numerator =
        Coverage {
            counted: names(&["甲", "乙", "丙"]), carried: vec![("丁".into(), may)], missing: names(&["戊"]), ..Default::default()
        };
    let denominator = Coverage {
        counted: names(&["甲", "丁", "己"]),
        carried: vec![("乙".into(), may), ("庚".into(), may)],
        missing: names(&["丙", "戊"]),
        ..Default::default()
    };
    numerator.merge(denominator);
    assert_eq!(numerator.counted, names(&["甲", "己"]));
    assert_eq!(numerator.carried, vec![("丁".to_string(), may), ("乙".to_string(), may), ("庚".to_string(), may)]);
    assert_eq!(numerator.missing, names(&["戊", "丙"]));
}

fn target(kind: TargetKind, value: Option<f64>) -> Target {
    Target {
        id: "T".into(),
        clause: "一1".into(),
        task: "任务".into(),
        name: "指标".into(),
        kind,
        indicator: Some("i".into()),
        value,
        stated: String::new(),
        deadline: None,
        milestones: vec![],
        baseline: None,
        baseline_label: String::new(),
        allocations: Default::default(),
        lead_units: vec!["区农业农村局".into()],
        responsible_units: vec![],
        quote: String::new(),
        schedule: None,
        assumption: String::new(),
        on_time: None,
        frequency: Default::default(),
        report_month: None,
    }
}

fn june() -> Period {
    Period::new(2024, 6).unwrap()
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

fn timing(timing: Timing) -> ResolvedSchedule {
    ResolvedSchedule { timing, assumed: false, source: String::new() }
}

/// (month, value, expected 序时目标 or None, status) for one target and schedule.
type Case = (u32, f64, Option<f64>, Status);

fn check(t: &Target, schedule: Option<&ResolvedSchedule>, cases: &[Case]) {
    for &(month, value, expected, status) in cases {
        let whole = t.kind == TargetKind::Count;
        let e = evaluate(t, schedule, Some(value), Period::new(2024, month).unwrap(), &Thresholds::default(), whole);
        let got = e.expected.map(|x| (x * 1e6).round() / 1e6);
        let want = expected.map(|x| (x * 1e6).round() / 1e6);
        assert_eq!((got, e.status), (want, status), "month {month}, value {value}: {e:?}");
    }
}

use crate::plan::{ResolvedSchedule, Timing};
use Status::*;

#[test]
fn linear_over_the_implementation_phase_counts_whole_months() {
    // 集中实施 3/25–10/30: March is not counted (the phase starts in its second half), so the
    // window is April–October, 7 months. 100 亩 due.
    let t = target(TargetKind::AtLeast, Some(100.0));
    let s = timing(Timing::Linear { start: date(3, 25), due: date(10, 30) });
    check(
        &t,
        Some(&s),
        &[
            (1, 0.0, Some(0.0), OnTrack),                  // before the start: nothing expected
            (3, 0.0, Some(0.0), OnTrack),                  // the phase has begun, no month elapsed
            (6, 40.0, Some(300.0 / 7.0), Lagging),         // 3 of 7 months: 42.86 expected, 40 done (−2.86)
            (6, 30.0, Some(300.0 / 7.0), SeverelyLagging), // −12.86 points
            (10, 95.0, Some(100.0), Overdue),              // the due month's end: all expected, 5 short
            (10, 100.0, Some(100.0), Completed),
            (11, 95.0, Some(100.0), Overdue), // after the due date: 逾期未完成
            (12, 95.0, Some(100.0), Overdue),
            (12, 101.0, Some(100.0), Completed),
        ],
    );
    // A deadline target (2023 高标准农田, 5600 亩 by 3/31, from January): 1/3 in January,
    // all on the due date, 逾期 after it.
    let t = target(TargetKind::AtLeast, Some(5_600.0));
    let s = timing(Timing::Linear { start: date(1, 1), due: date(3, 31) });
    check(
        &t,
        Some(&s),
        &[
            (1, 2_000.0, Some(5_600.0 / 3.0), OnTrack),
            (3, 5_000.0, Some(5_600.0), Overdue), // 89.3% at the due date: 逾期未完成, not 严重滞后
            (6, 5_000.0, Some(5_600.0), Overdue),
            (10, 5_600.0, Some(5_600.0), Completed),
        ],
    );
}

#[test]
fn curves_follow_the_season_and_a_closed_window_is_overdue() {
    // 早稻: 85% by April, all by May; the window then closes.
    let shares = vec![0.0, 0.0, 0.0, 0.85, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let t = target(TargetKind::AtLeast, Some(3_000.0));
    let s = timing(Timing::Curve { shares, due: date(5, 31) });
    check(
        &t,
        Some(&s),
        &[
            (1, 0.0, Some(0.0), OnTrack),
            (3, 0.0, Some(0.0), OnTrack), // not red in March: nothing is sown yet
            (4, 2_400.0, Some(2_550.0), Lagging),
            (5, 2_900.0, Some(3_000.0), Overdue), // the window closes with May
            (5, 3_000.0, Some(3_000.0), Completed),
            (6, 2_520.0, Some(3_000.0), Overdue), // 84% in June: the window has closed
            (10, 2_520.0, Some(3_000.0), Overdue),
            (11, 2_520.0, Some(3_000.0), Overdue),
            (12, 2_520.0, Some(3_000.0), Overdue),
        ],
    );
    // 粮食总产量: nothing before the July harvest, 90% by October, all by November.
    let shares = vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.30, 0.45, 0.70, 0.90, 1.0, 1.0];
    let t = target(TargetKind::AtLeast, Some(17_000.0));
    let s = timing(Timing::Curve { shares, due: date(11, 30) });
    check(
        &t,
        Some(&s),
        &[
            (1, 0.0, Some(0.0), OnTrack),
            (3, 0.0, Some(0.0), OnTrack),
            (6, 245.8, Some(0.0), OnTrack),                  // not red in June: the harvest has not begun
            (10, 13_600.0, Some(15_300.0), SeverelyLagging), // 80% vs 90%: −10
            (11, 16_150.0, Some(17_000.0), Overdue),         // 95% at the due month's end
            (12, 16_150.0, Some(17_000.0), Overdue),
        ],
    );
}

#[test]
fn an_event_is_due_from_its_planned_month() {
    // 泵站完工 planned for October: nothing expected before, all from October's end.
    let t = target(TargetKind::Count, Some(1.0));
    let s = timing(Timing::Event { due: date(10, 31) });
    check(
        &t,
        Some(&s),
        &[
            (1, 0.0, Some(0.0), OnTrack),
            (3, 0.0, Some(0.0), OnTrack), // not red in March
            (6, 0.0, Some(0.0), OnTrack),
            (10, 0.0, Some(1.0), Overdue), // its month has ended
            (10, 1.0, Some(1.0), Completed),
            (11, 0.0, Some(1.0), Overdue),
            (12, 0.0, Some(1.0), Overdue),
        ],
    );
}

#[test]
fn a_year_end_target_is_judged_at_the_year_end_only() {
    // 省级示范村 1个, awarded at the year end: 未到考核期 until December, unless done sooner.
    let t = target(TargetKind::Count, Some(1.0));
    let s = timing(Timing::YearEnd { due: date(12, 31) });
    check(
        &t,
        Some(&s),
        &[
            (1, 0.0, None, NotDue),
            (3, 0.0, None, NotDue),
            (6, 0.0, None, NotDue),
            (10, 0.0, None, NotDue),
            (11, 0.0, None, NotDue),
            (11, 1.0, None, Completed),
            (12, 0.0, Some(1.0), Overdue), // judged at the year end: not achieved
            (12, 1.0, Some(1.0), Completed),
        ],
    );
    // Over-achieved counts are 已完成 at 100%, not 1,100%.
    let e = evaluate(&t, Some(&s), Some(11.0), june(), &Thresholds::default(), false);
    assert_eq!((e.completion_rate, e.status, e.gap_pp), (Some(1.0), Completed, None));
}

#[test]
fn milestones_are_compared_in_their_own_terms() {
    // 拨付 4月 35%、6月 55%、9月 80%: the paid share against the milestone due, in points.
    let mut t = target(TargetKind::Milestones, None);
    t.milestones = vec![
        Milestone { by: date(4, 30), value: 35.0 },
        Milestone { by: date(6, 30), value: 55.0 },
        Milestone { by: date(9, 30), value: 80.0 },
    ];
    let s = timing(Timing::Milestones);
    check(
        &t,
        Some(&s),
        &[
            (1, 5.0, Some(0.0), OnTrack), // nothing is due before the first milestone
            (3, 10.0, Some(0.0), OnTrack),
            (5, 45.8, Some(35.0), OnTrack), // between two milestones: the earlier is due
            (6, 55.8, Some(55.0), OnTrack),
            (6, 40.0, Some(55.0), SeverelyLagging),
            (9, 78.0, Some(80.0), Overdue), // the last milestone's month has ended
            (10, 78.0, Some(80.0), Overdue),
            (10, 81.0, Some(80.0), Completed),
            (11, 78.0, Some(80.0), Overdue),
            (12, 80.0, Some(80.0), Completed),
        ],
    );
    // June 55.8% against 55%: +0.8 points, no rescaling, no 完成率.
    let e = evaluate(&t, Some(&s), Some(55.8), june(), &Thresholds::default(), false);
    assert!((e.gap_pp.unwrap() - 0.8).abs() < 1e-9, "{e:?}");
    assert_eq!((e.completion_rate, e.time_progress), (None, None));
}

#[test]
fn lines_show_their_margin_never_a_rate() {
    let t = target(TargetKind::Floor, Some(102_900.0));
    let breached = evaluate(&t, None, Some(102_850.0), june(), &Thresholds::default(), false);
    assert_eq!((breached.status, breached.margin, breached.completion_rate), (Warning, Some(-50.0), None));
    let held = evaluate(&t, None, Some(111_566.0), june(), &Thresholds::default(), false);
    assert_eq!((held.status, held.margin, held.completion_rate), (Met, Some(8_666.0), None));
    // A ceiling (清零): the margin below it.
    let t = target(TargetKind::Ceiling, Some(0.0));
    assert_eq!(evaluate(&t, None, Some(0.0), june(), &Thresholds::default(), false).status, Met);
    let over = evaluate(&t, None, Some(2.0), june(), &Thresholds::default(), false);
    assert_eq!((over.status, over.margin), (Warning, Some(-2.0)));
    let mut baseline = target(TargetKind::Baseline, None);
    baseline.baseline = Some(4_200.0);
    assert_eq!(evaluate(&baseline, None, Some(4_100.0), june(), &Thresholds::default(), false).margin, Some(-100.0));
    assert_eq!(evaluate(&baseline, None, Some(4_200.0), june(), &Thresholds::default(), false).status, Met);
    // A ratio with no date of its own (快递进村全覆盖) is judged at the year end: shown with its
    // value before it, never red from May.
    let mut ratio = target(TargetKind::Ratio, Some(60.0));
    let june_short = evaluate(&ratio, None, Some(58.0), june(), &Thresholds::default(), false);
    assert_eq!((june_short.status, june_short.completion_rate.map(|r| (r * 1e4).round())), (NotDue, Some(9_667.0)));
    assert_eq!(evaluate(&ratio, None, Some(61.0), june(), &Thresholds::default(), false).status, Met);
    let december = Period::new(2024, 12).unwrap();
    assert_eq!(evaluate(&ratio, None, Some(58.0), december, &Thresholds::default(), false).status, NotMet);
    // With a date, from that month's end.
    ratio.deadline = Some(date(6, 30));
    assert_eq!(evaluate(&ratio, None, Some(58.0), june(), &Thresholds::default(), false).status, NotMet);
    assert_eq!(evaluate(&ratio, None, Some(58.0), Period::new(2024, 5).unwrap(), &Thresholds::default(), false).status, NotDue);
}

#[test]
fn countable_targets_expect_whole_things() {
    // 4 houses over April–October: at the end of June (3 of 7 months, 42.9%) 1 is expected,
    // not 1.71; one done is on schedule, and 序时进度 is the whole number's share.
    let t = target(TargetKind::AtLeast, Some(4.0));
    let s = timing(Timing::Linear { start: date(4, 1), due: date(10, 31) });
    let at = |value: f64, month: u32, whole: bool| {
        evaluate(&t, Some(&s), Some(value), Period::new(2024, month).unwrap(), &Thresholds::default(), whole)
    };
    let june = at(1.0, 6, true);
    assert_eq!((june.expected, june.time_progress, june.status), (Some(1.0), Some(0.25), OnTrack), "{june:?}");
    assert_eq!(at(0.0, 6, true).status, SeverelyLagging);
    // The same figures in 亩 expect the fraction.
    let acres = at(1.0, 6, false);
    assert!((acres.expected.unwrap() - 12.0 / 7.0).abs() < 1e-9 && acres.status == SeverelyLagging, "{acres:?}");
    // At the due month the whole target is expected.
    assert_eq!((at(3.0, 10, true).expected, at(3.0, 10, true).status), (Some(4.0), Overdue));
}

#[test]
fn shipped_plans_resolve_their_schedules() {
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let of = |id: &str| plan.schedule(plan.targets.iter().find(|t| t.id == id).unwrap()).unwrap();
    // No schedule of its own: the implementation phase.
    assert_eq!(of("Y09").timing, Timing::Linear { start: date(3, 25), due: date(10, 30) });
    assert!(!of("Y09").assumed);
    assert_eq!(of("Y08").timing, Timing::Linear { start: date(1, 1), due: date(3, 31) });
    assert!(matches!(of("Y02").timing, Timing::Curve { due, .. } if due == date(5, 31)));
    assert!(of("Y02").assumed, "crop calendars are not in the document");
    assert_eq!(of("Y11").timing, Timing::Event { due: date(10, 31) });
    assert_eq!(of("Y13").timing, Timing::YearEnd { due: date(12, 31) });
    assert_eq!(plan.assessment_start(), date(11, 1));
    let (echeng, _) = Plan::resolve(Some("echeng-2024")).unwrap();
    // No phases: the year.
    let e09 = echeng.targets.iter().find(|t| t.kind == TargetKind::AtLeast);
    if let Some(t) = e09 {
        assert_eq!(echeng.schedule(t).unwrap().timing, Timing::Linear { start: date(1, 1), due: date(12, 31) });
    }
    assert_eq!(echeng.assessment_start(), date(12, 1));
}

/// A record of `township` in `form` with the given cells (numbers where the plan's column is
/// a number).
fn record(plan: &Plan, township: &str, form: &str, row: u32, cells: &[(&str, &str)]) -> crate::validate::Record {
    let form = plan.form(form).unwrap();
    let values = form
        .columns
        .iter()
        .map(|c| match cells.iter().find(|(id, _)| *id == c.id) {
            Some((_, v)) if c.kind == crate::plan::ColumnKind::Number => crate::validate::Value::Number(v.parse().unwrap()),
            Some((_, v)) => crate::validate::Value::Text(v.to_string()),
            None => crate::validate::Value::Missing,
        })
        .collect::<Vec<_>>();
    crate::validate::Record {
        township: township.into(),
        form: form.id.as_str().into(),
        row,
        key: format!("行{row}"),
        units: vec![None; values.len()],
        columns: vec![None; values.len()].into(),
        values,
        file: "f.xlsx".into(),
        sheet: form.sheet.as_str().into(),
    }
}

#[test]
fn reduced_sums_columns_and_counts_rows_that_pass_their_filters() {
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let p = june();
    // 甲镇: two villages' grain area, a road row (白改黑, 1.5 km done) and a bridge row (1 座),
    // two village rows of 人居环境 of which one has 垃圾收运 and one a blank 改厕 value.
    // 乙镇: one row with a village name only: counted that month, with no values.
    let records = [
        record(&plan, "甲镇", "ZX01", 4, &[("village", "东村"), ("grain_area", "100")]),
        record(&plan, "甲镇", "ZX01", 5, &[("village", "西村"), ("grain_area", "50.5")]),
        record(&plan, "甲镇", "ZX03", 4, &[("category", "白改黑"), ("done", "1.5")]),
        record(&plan, "甲镇", "ZX03", 5, &[("category", "新建桥梁"), ("done", "1")]),
        record(&plan, "甲镇", "ZX04", 4, &[("village", "东村"), ("garbage", "是")]),
        record(&plan, "甲镇", "ZX04", 5, &[("village", "西村")]),
        record(&plan, "乙镇", "ZX01", 4, &[("village", "南村")]),
    ];
    let frames = crate::store::form_frames(&plan, &records).unwrap();
    let forms = frames
        .iter()
        .map(|f| {
            let form = plan.form(&f.form).unwrap();
            FormRows { form, rows: frame_rows(&plan, form, &f.frame, p) }
        })
        .collect();
    let mut reduced = Reduced::new(&plan);
    reduce(&plan, forms, &mut reduced).unwrap();
    let value = |township: &str, id: &str| {
        let index = plan.indicators.iter().position(|i| i.id == id).unwrap();
        reduced.value(index, p, township)
    };
    assert_eq!(value("甲镇", "grain_area"), Some(150.5));
    assert_eq!(value("甲镇", "road_black"), Some(1.5));
    assert_eq!(value("甲镇", "bridge_new"), Some(1.0));
    // Filled, but no row passes the filters: 0, not "not reported".
    assert_eq!(value("甲镇", "road_safety"), Some(0.0));
    assert_eq!(value("甲镇", "garbage_villages"), Some(1.0));
    assert_eq!(value("甲镇", "toilets_year"), None);
    assert_eq!(value("乙镇", "grain_area"), None);
    // Who was counted is what the month's submissions say (`set_counted`), never who has rows.
    assert!(reduced.counted().is_empty());
}

#[test]
fn sums_are_correctly_rounded_whatever_the_order() {
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let p = june();
    // 0.1 added 10 times naively is 0.9999999999999999; the exact sum is 1.
    let records: Vec<_> = (0..10).map(|i| record(&plan, "甲镇", "ZX01", 4 + i, &[("grain_area", "0.1")])).collect();
    let frames = crate::store::form_frames(&plan, &records).unwrap();
    let form = plan.form("ZX01").unwrap();
    let forms = vec![FormRows { form, rows: frame_rows(&plan, form, &frames[0].frame, p) }];
    let mut reduced = Reduced::new(&plan);
    reduce(&plan, forms, &mut reduced).unwrap();
    let index = plan.indicators.iter().position(|i| i.id == "grain_area").unwrap();
    assert_eq!(reduced.value(index, p, "甲镇"), Some(1.0));
}

/// A project row of yunxi's ZX02 (high-standard farmland) with the given 建设年度, 主体工程完工
/// and 完工日期, and of its ZX03 (roads) with a 计划完工月份 and 是否完工.
fn project(plan: &Plan, form: &str, cells: &[(&str, &str)]) -> crate::validate::Record {
    let form = plan.form(form).unwrap();
    let values = form
        .columns
        .iter()
        .map(|c| match cells.iter().find(|(id, _)| *id == c.id) {
            Some((_, v)) => crate::validate::Value::Text(v.to_string()),
            None => crate::validate::Value::Missing,
        })
        .collect::<Vec<_>>();
    crate::validate::Record {
        township: "长岭街道".into(),
        form: form.id.as_str().into(),
        row: 4,
        key: "项目".into(),
        units: vec![None; values.len()],
        columns: vec![None; values.len()].into(),
        values,
        file: "f.xlsx".into(),
        sheet: form.sheet.as_str().into(),
    }
}

#[test]
fn projects_are_judged_by_their_dates_and_planned_months() {
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let april = Period::new(2024, 4).unwrap();
    let march = Period::new(2024, 3).unwrap();
    let hsf = |year: &str, done: &str, date: &str| {
        let mut cells = vec![("build_year", year), ("main_done", done)];
        if !date.is_empty() {
            cells.push(("done_date", date));
        }
        project(&plan, "ZX02", &cells)
    };
    // 2023 projects are due 3月31日; 2024 projects are not judged.
    assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "是", "2024-03-31"), april), Some(ProjectStatus::OnTime));
    assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "是", "2024-04-01"), april), Some(ProjectStatus::Late));
    assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "否", ""), april), Some(ProjectStatus::Overdue));
    assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "否", ""), march), Some(ProjectStatus::NotDue));
    assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2023", "是", ""), april), Some(ProjectStatus::Done));
    assert_eq!(project_status(plan.form("ZX02").unwrap(), &hsf("2024", "否", ""), april), None);
    // Roads: each project by its own month, overdue only once that month has ended.
    let road = |month: &str, done: &str| {
        let mut cells = vec![("completed", done)];
        if !month.is_empty() {
            cells.push(("planned_month", month));
        }
        project(&plan, "ZX03", &cells)
    };
    let zx03 = plan.form("ZX03").unwrap();
    assert_eq!(project_status(zx03, &road("2024-04", "否"), april), Some(ProjectStatus::NotDue));
    assert_eq!(project_status(zx03, &road("2024-03", "否"), april), Some(ProjectStatus::Overdue));
    assert_eq!(project_status(zx03, &road("2024-03", "是"), april), Some(ProjectStatus::Done));
    assert_eq!(project_status(zx03, &road("", "否"), april), Some(ProjectStatus::Unplanned));
}

#[test]
fn date_and_month_filters_compare_with_the_day_and_the_period() {
    let filter = |not_after: &str| crate::plan::RowFilter { column: "c".into(), equals: None, not_after: Some(not_after.into()) };
    let june = june();
    assert!(filter("2024-03-31").passes(Some("2024-03-31"), june));
    assert!(!filter("2024-03-31").passes(Some("2024-04-01"), june));
    assert!(filter("2024-03-31").passes(Some("2024-03"), june), "a month passes a date in it");
    assert!(filter("本月").passes(Some("2024-06"), june));
    assert!(filter("本月").passes(Some("2024-06-30"), june));
    assert!(!filter("本月").passes(Some("2024-07"), june));
    assert!(filter("本月").passes(Some("2023-12"), june));
    assert!(!filter("本月").passes(None, june), "a blank month is not planned");
}

#[test]
fn ranks_share_ties() {
    let ranked = rank_with_ties(vec![("甲".into(), 5.0), ("乙".into(), 7.0), ("丙".into(), 5.0), ("丁".into(), 1.0)]);
    let by_name: HashMap<String, (u32, bool)> = ranked.into_iter().map(|(n, r, t)| (n, (r, t))).collect();
    assert_eq!(by_name["乙"], (1, false));
    assert_eq!(by_name["甲"], (2, true));
    assert_eq!(by_name["丙"], (2, true));
    assert_eq!(by_name["丁"], (4, false));
}

/// A road project row of 云溪区's ZX03 (also used by the detail CSV's tests).
pub(crate) fn road(township: &str, category: &str, task: f64, unit: &str) -> Record {
    let text = |t: &str| Value::Text(t.into());
    Record {
        township: township.into(),
        form: "ZX03".into(),
        row: 4,
        key: "=项目".into(),
        values: vec![
            text("=HYPERLINK(\"x\")"),
            text(category),
            text("荆竹村"),
            Value::Number(task),
            Value::Number(task / 2.0),
            text(unit),
            text("否"),
            text("2024-09"),
            Value::Missing,
        ],
        units: vec![None; 9],
        columns: Arc::from(vec![None; 9]),
        file: Arc::from("2024-06/路口镇.xlsx"),
        sheet: Arc::from("农村公路"),
    }
}

#[test]
fn numbers_are_subtotalled_per_category_never_across_units() {
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let form = plan.form("ZX03").unwrap();
    let period = Period::new(2024, 6).unwrap();
    let rows = [road("路口镇", "新建桥梁", 1.0, "座"), road("路口镇", "白改黑", 2.5, "公里"), road("云溪街道", "白改黑", 1.5, "公里")];
    let rows: Vec<&Record> = rows.iter().collect();
    let totals = topics::subtotals(form, &rows, period, "全区");
    let keys: Vec<(&str, Option<&str>, Option<&str>, usize)> =
        totals.iter().map(|t| (t.township.as_str(), t.category.as_deref(), t.unit.as_deref(), t.rows)).collect();
    assert_eq!(
        keys,
        [
            ("路口镇", Some("白改黑"), Some("公里"), 1),
            ("路口镇", Some("新建桥梁"), Some("座"), 1),
            ("云溪街道", Some("白改黑"), Some("公里"), 1),
            ("全区合计", Some("白改黑"), Some("公里"), 2),
            ("全区合计", Some("新建桥梁"), Some("座"), 1),
        ]
    );
    let task = form.columns.iter().position(|c| c.id == "task").unwrap();
    assert_eq!(totals[3].sums[task], Some(4.0));
    assert_eq!(totals[3].statuses.iter().sum::<usize>(), 2, "both roads judged");
}

/// The yunxi plan's month `p` aggregated from `records`, the units in `reported` counted for
/// the forms their records are in (every other unit missing).
fn aggregate_month(plan: &Plan, p: Period, records: &[crate::validate::Record], reported: &[(&str, &str)]) -> Aggregated {
    let frames = crate::store::form_frames(plan, records).unwrap();
    let forms = frames
        .iter()
        .map(|f| {
            let form = plan.form(&f.form).unwrap();
            FormRows { form, rows: frame_rows(plan, form, &f.frame, p) }
        })
        .collect();
    let mut reduced = Reduced::new(plan);
    reduce(plan, forms, &mut reduced).unwrap();
    let statuses = reported.iter().map(|(u, f)| (u.to_string(), f.to_string(), crate::validate::SubmissionStatus::Reported)).collect();
    let ledger = Ledger::default();
    let month = MonthInput { period: p, ledger: &ledger, statuses, last_year: BTreeMap::new(), records };
    aggregate_reduced(plan, reduced, month).unwrap()
}

/// The last of `months` aggregated after the earlier ones: each month's records of `form`
/// reduced, with the units counted that month (the last month's as its validation says).
fn aggregate_months(plan: &Plan, form: &str, months: Vec<(Period, Vec<crate::validate::Record>, Vec<&str>)>) -> Aggregated {
    let mut reduced = Reduced::new(plan);
    let the_form = plan.form(form).unwrap();
    let (last, _, counted_last) = months.last().cloned().expect("a month");
    for (period, records, counted) in months {
        let frames = crate::store::form_frames(plan, &records).unwrap();
        let rows = frame_rows(plan, the_form, &frames.iter().find(|f| f.form == form).unwrap().frame, period);
        reduce(plan, vec![FormRows { form: the_form, rows }], &mut reduced).unwrap();
        if period != last {
            reduced.set_counted(period, counted.iter().map(|u| (u.to_string(), form.to_string())).collect());
        }
    }
    let ledger = Ledger::default();
    let statuses = counted_last.iter().map(|u| (u.to_string(), form.to_string(), crate::validate::SubmissionStatus::Reported)).collect();
    let month = MonthInput { period: last, ledger: &ledger, statuses, last_year: BTreeMap::new(), records: &[] };
    aggregate_reduced(plan, reduced, month).unwrap()
}

/// yunxi with one more target: 300 亩 of grain area over the implementation phase (3/25–10/30),
/// with the given allocations.
fn plan_with_grain_target(allocations: &[(&str, f64)]) -> Plan {
    let (mut plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let mut t = target(TargetKind::AtLeast, Some(300.0));
    t.id = "T1".into();
    t.indicator = Some("grain_area".into());
    t.allocations = allocations.iter().map(|(u, a)| (u.to_string(), *a)).collect();
    plan.targets.push(t);
    plan
}

#[test]
fn missing_townships_never_decide_a_colour() {
    // June, 3/7 of the window (42.9%): 陆城镇 and 路口镇 reported 60 and 50 亩; the three
    // others have not reported this year. District: 110 of 300, 36.7%, 6.2 points behind.
    let p = june();
    let (base, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let records = [
        record(&base, "陆城镇", "ZX01", 4, &[("village", "东村"), ("grain_area", "60")]),
        record(&base, "路口镇", "ZX01", 4, &[("village", "南村"), ("grain_area", "50")]),
    ];
    let reported = [("陆城镇", "ZX01"), ("路口镇", "ZX01")];
    let t1 = |a: &Aggregated| a.targets.iter().find(|t| t.target_id == "T1").cloned().unwrap();

    // With allocations of 100 each: the two who reported did 55% of theirs, ahead of 42.9%.
    let plan = plan_with_grain_target(&[("陆城镇", 100.0), ("路口镇", 100.0), ("长岭街道", 100.0)]);
    let row = t1(&aggregate_month(&plan, p, &records, &reported));
    assert_eq!(row.status, Status::OnTrack, "{row:?}");
    assert_eq!(row.cumulative, Some(110.0));
    assert!((row.completion_rate.unwrap() - 0.55).abs() < 1e-9, "{row:?}");
    assert!(row.note.contains("按已报送的2个镇（街道）计，完成其分解任务的55%，序时43%"), "{}", row.note);
    assert!(row.note.contains("不含云溪街道、松杨湖街道、长岭街道（未报送或数据有误）"), "{}", row.note);

    // Behind their own allocations (20 and 10 of 100 each: 15%), they are behind.
    let behind = [
        record(&plan, "陆城镇", "ZX01", 4, &[("village", "东村"), ("grain_area", "20")]),
        record(&plan, "路口镇", "ZX01", 4, &[("village", "南村"), ("grain_area", "10")]),
    ];
    assert_eq!(t1(&aggregate_month(&plan, p, &behind, &reported)).status, Status::SeverelyLagging);

    // Without allocations: three of five units (60%) missing is more than 10%: 数据不全, never
    // 滞后 from absence.
    let plan = plan_with_grain_target(&[]);
    let row = t1(&aggregate_month(&plan, p, &records, &reported));
    assert_eq!(row.status, Status::Incomplete, "{row:?}");
    assert!(row.note.contains("未采用的单位占应报镇（街道）的60%，暂不判断进度"), "{}", row.note);

    // Everyone reported the same 110 亩: judged as it stands, 6.2 points behind.
    let all: Vec<_> = ["陆城镇", "路口镇", "长岭街道", "云溪街道", "松杨湖街道"]
        .iter()
        .enumerate()
        .map(|(i, u)| record(&plan, u, "ZX01", 4 + i as u32, &[("village", "村"), ("grain_area", "22")]))
        .collect();
    let reported_all: Vec<(&str, &str)> = ["陆城镇", "路口镇", "长岭街道", "云溪街道", "松杨湖街道"].iter().map(|u| (*u, "ZX01")).collect();
    assert_eq!(t1(&aggregate_month(&plan, p, &all, &reported_all)).status, Status::Lagging);
}

#[test]
fn a_rate_leaves_out_a_township_that_left_a_part_out() {
    // 路口镇 left the 无害化卫生厕所户数 column out (W10): its 普及率 is not 0%, and the district
    // rate is 陆城镇's 80 of 100, not 80 of 200.
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let p = june();
    let records = [
        record(&plan, "陆城镇", "ZX04", 4, &[("village", "东村"), ("households", "100"), ("sanitary_toilets", "80")]),
        record(&plan, "路口镇", "ZX04", 4, &[("village", "南村"), ("households", "100")]),
    ];
    let a = aggregate_month(&plan, p, &records, &[("陆城镇", "ZX04"), ("路口镇", "ZX04")]);
    let y26 = a.targets.iter().find(|t| t.target_id == "Y26").unwrap();
    assert_eq!(y26.cumulative, Some(80.0), "{y26:?}");
    assert_eq!(y26.coverage.partial, vec!["路口镇".to_string()]);
    assert!(y26.note.contains("不含路口镇（未填报分子或分母列，不按零计）"), "{}", y26.note);
    let lukou = a.townships.iter().find(|t| t.indicator_id == "toilet_coverage" && t.township == "路口镇").unwrap();
    assert_eq!((lukou.value, lukou.rank), (None, None), "{lukou:?}");
}

#[test]
fn a_ratio_of_a_few_townships_is_not_judged_for_all() {
    // 普及率 ≥ 60% at the year end: 陆城镇 alone (80 of 100 households) reported in December;
    // four of five townships missing cannot be 达标 on its figure alone.
    let (mut plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let mut t = target(TargetKind::Ratio, Some(60.0));
    t.id = "T2".into();
    t.indicator = Some("toilet_coverage".into());
    plan.targets.push(t);
    let december = Period::new(2024, 12).unwrap();
    let one = [record(&plan, "陆城镇", "ZX04", 4, &[("village", "东村"), ("households", "100"), ("sanitary_toilets", "80")])];
    let a = aggregate_month(&plan, december, &one, &[("陆城镇", "ZX04")]);
    let t2 = a.targets.iter().find(|t| t.target_id == "T2").unwrap();
    assert_eq!((t2.status, t2.cumulative), (Status::Incomplete, Some(80.0)), "{t2:?}");
    // All five: judged.
    let names = ["陆城镇", "路口镇", "长岭街道", "云溪街道", "松杨湖街道"];
    let all: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, u)| record(&plan, u, "ZX04", 4 + i as u32, &[("village", "村"), ("households", "100"), ("sanitary_toilets", "70")]))
        .collect();
    let reported: Vec<(&str, &str)> = names.iter().map(|u| (*u, "ZX04")).collect();
    let a = aggregate_month(&plan, december, &all, &reported);
    assert_eq!(a.targets.iter().find(|t| t.target_id == "T2").unwrap().status, Status::Met);
}

#[test]
fn what_was_done_on_time_stays_done_when_a_township_goes_missing() {
    // 2023年度高标准农田 (5,600 亩 by 3/31): 陆城镇 finished 3,000 亩 on 3/20 and reported
    // March only; 路口镇 finished 2,000 亩 on 4/12. In June 陆城镇 is beyond the two months a
    // figure is carried: the note still says 3,000 亩 were on time.
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let (march, june) = (Period::new(2024, 3).unwrap(), june());
    let project = |unit: &str, area: &str, done: &str| {
        record(&plan, unit, "ZX02", 4, &[("build_year", "2023"), ("main_done", "是"), ("done_date", done), ("task_area", area)])
    };
    let a = aggregate_months(
        &plan,
        "ZX02",
        vec![
            (march, vec![project("陆城镇", "3000", "2024-03-20")], vec!["陆城镇"]),
            (june, vec![project("路口镇", "2000", "2024-04-12")], vec!["路口镇"]),
        ],
    );
    let y08 = a.targets.iter().find(|t| t.indicator_id.as_deref() == Some("hsf_2023_main_done")).unwrap();
    assert!(y08.note.contains("按期（3月31日前）完成3000亩，逾期完成2000亩"), "{}", y08.note);
}

#[test]
fn a_year_to_date_figure_that_goes_down_is_named() {
    // 白改黑: 陆城镇 reported 2.0 km done in May and 1.5 in June; 路口镇 1.0 both months.
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let (may, june) = (Period::new(2024, 5).unwrap(), june());
    let road = |unit: &str, done: &str| record(&plan, unit, "ZX03", 4, &[("category", "白改黑"), ("done", done)]);
    let both = || vec!["陆城镇", "路口镇"];
    let a = aggregate_months(
        &plan,
        "ZX03",
        vec![
            (may, vec![road("陆城镇", "2.0"), road("路口镇", "1.0")], both()),
            (june, vec![road("陆城镇", "1.5"), road("路口镇", "1.0")], both()),
        ],
    );
    let y15 = a.targets.iter().find(|t| t.indicator_id.as_deref() == Some("road_black")).unwrap();
    assert_eq!(y15.month_value, Some(-0.5));
    assert!(y15.note.contains("累计数较上月减少：陆城镇（-0.5公里）"), "{}", y15.note);
}
