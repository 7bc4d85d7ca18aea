//! The 通报: the few sentences a district office sends leaders with the table, written from the
//! month's results in plain government prose (counts by status, what is furthest behind and who
//! leads it, who has not reported, data problems, carried or incomplete figures). Deterministic:
//! the same results give the same text. Shown at the top of 总览 and written to `bulletin.txt`.

use crate::aggregate::{Aggregated, Status, TargetProgress};
use crate::plan::{Plan, TargetKind};
use crate::validate::{SubmissionStatus, TownshipOutcome, Validated};

/// The 通报 as paragraphs: where the targets stand, what is furthest behind, who reported
/// (unless `with_reporting` is false: 总览 says it once, in its own counts line), data problems
/// and carried figures, and cross-checks that disagree.
pub fn paragraphs(plan: &Plan, validated: &Validated, aggregated: &Aggregated, with_reporting: bool) -> Vec<String> {
    let numeric: Vec<&TargetProgress> = aggregated.targets.iter().filter(|t| !t.kind.is_qualitative()).collect();
    let mut text: Vec<String> = year_result(plan, aggregated, &numeric).into_iter().collect();
    text.extend(tasks_at_year_end(aggregated));
    text.push(standing(plan, aggregated, &numeric));
    text.extend(behind(&numeric));
    if with_reporting {
        text.push(reporting(plan, validated));
    }
    text.push(data_problems(validated, &numeric, aggregated.checks.iter().any(|c| c.agrees == Some(false))));
    text.extend(disagreements(aggregated));
    text
}

/// How many of `numeric` have one of `statuses`.
fn count(numeric: &[&TargetProgress], statuses: &[Status]) -> usize {
    numeric.iter().filter(|t| statuses.contains(&t.status)).count()
}

/// December's opening: the year's result, as 年终考核 gives it (完成 x 项、未完成 y 项, named).
fn year_result(plan: &Plan, aggregated: &Aggregated, numeric: &[&TargetProgress]) -> Option<String> {
    if aggregated.period.month != 12 {
        return None;
    }
    let judged: Vec<&&TargetProgress> = numeric.iter().filter(|t| t.kind != TargetKind::Tracked).collect();
    let done = judged.iter().filter(|t| matches!(t.status, Status::Completed | Status::Met | Status::CompletedLate)).count();
    let failed: Vec<String> = judged
        .iter()
        .filter(|t| matches!(t.status, Status::Overdue | Status::NotMet | Status::Warning | Status::Lagging | Status::SeverelyLagging))
        .map(|t| t.name.clone())
        .collect();
    let open = judged.len() - done - failed.len();
    let mut text =
        format!("{}年{}{}项量化目标，全年完成{done}项、未完成{}项", plan.plan.year, plan.plan.district, judged.len(), failed.len());
    if !failed.is_empty() {
        // Names may hold 、 themselves (和平大道、云华路提质改造): separated by ；.
        text.push_str(&format!("：{}", failed.join("；")));
    }
    if open > 0 {
        text.push_str(&format!("，{open}项数据不全或未到报送期、暂不能判断"));
    }
    text.push('。');
    Some(text)
}

/// December's word on the tasks without numbers, as 年终考核 gives them: 已完成, 持续推进 (the
/// continuing ones carried on), 未完成 named (a task that ends and is not 已完成, not started or
/// not reported), and those judged later (their evidence comes next year).
fn tasks_at_year_end(aggregated: &Aggregated) -> Option<String> {
    let tasks: Vec<&TargetProgress> = aggregated.targets.iter().filter(|t| t.kind.is_qualitative()).collect();
    if aggregated.period.month != 12 || tasks.is_empty() {
        return None;
    }
    let of = |wanted: &[Status]| tasks.iter().filter(|t| wanted.contains(&t.status)).count();
    let failed: Vec<&str> = tasks
        .iter()
        .filter(|t| !matches!(t.status, Status::Completed | Status::Continuing | Status::NotDue))
        .map(|t| t.name.as_str())
        .collect();
    let mut parts: Vec<String> = [("已完成", of(&[Status::Completed])), ("持续推进", of(&[Status::Continuing]))]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| format!("{label}{n}项"))
        .collect();
    if !failed.is_empty() {
        parts.push(format!("未完成{}项（{}）", failed.len(), failed.join("；")));
    }
    let later = of(&[Status::NotDue]);
    if later > 0 {
        parts.push(format!("{later}项须待次年数据判断"));
    }
    Some(format!("{}项定性任务中，{}。", tasks.len(), parts.join("、")))
}

/// Where the targets stand: how many of each status; monitored indicators counted apart.
fn standing(plan: &Plan, aggregated: &Aggregated, numeric: &[&TargetProgress]) -> String {
    let period = aggregated.period;
    let tracked = count(numeric, &[Status::Tracked]);
    let count = |statuses: &[Status]| count(numeric, statuses);
    let scheduled: Vec<(&str, usize)> = [
        ("已完成", count(&[Status::Completed])),
        ("正常推进", count(&[Status::OnTrack])),
        ("滞后", count(&[Status::Lagging])),
        ("严重滞后", count(&[Status::SeverelyLagging])),
        ("逾期完成", count(&[Status::CompletedLate])),
        ("逾期未完成", count(&[Status::Overdue])),
        ("未到考核期", count(&[Status::NotDue])),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect();
    let lines: Vec<(&str, usize)> = [
        ("达标", count(&[Status::Met])),
        ("预警或未达标", count(&[Status::Warning, Status::NotMet])),
        ("数据不全", count(&[Status::Incomplete, Status::NoData])),
        ("未到报送期", count(&[Status::NotReportingPeriod])),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect();
    let join = |parts: &[(&str, usize)]| parts.iter().map(|(label, n)| format!("{label}{n}项")).collect::<Vec<_>>().join("、");
    let mut first = format!("截至{}底，{}{}项量化目标中", period.label(), plan.plan.district, numeric.len() - tracked);
    if !scheduled.is_empty() {
        first.push_str(&format!("，{}", join(&scheduled)));
    }
    if !lines.is_empty() {
        first.push_str(&format!("；底线、比例等目标{}", join(&lines)));
    }
    if tracked > 0 {
        first.push_str(&format!("；另有{tracked}项监测指标只跟踪、不考核"));
    }
    first.push('。');
    first
}

/// What is furthest behind, and who leads it; the lines breached.
fn behind(numeric: &[&TargetProgress]) -> Vec<String> {
    let mut text = Vec::new();
    let mut behind: Vec<&&TargetProgress> = numeric
        .iter()
        .filter(|t| matches!(t.status, Status::Lagging | Status::SeverelyLagging | Status::Overdue) && t.gap_pp.is_some())
        .collect();
    behind.sort_by(|a, b| a.gap_pp.unwrap_or(0.0).total_cmp(&b.gap_pp.unwrap_or(0.0)).then_with(|| a.target_id.cmp(&b.target_id)));
    if !behind.is_empty() {
        let items: Vec<String> = behind
            .iter()
            .take(3)
            .map(|t| {
                // The first lead unit leads; a long list is said as “… 等”.
                let mut leads = t.lead_units.split('、');
                let lead = leads.next().unwrap_or("");
                let more = if leads.next().is_some() { "等" } else { "" };
                // A lag that rests on a carried value says so.
                let carried =
                    if t.coverage.carried.is_empty() { String::new() } else { format!("，含{}沿用数", t.coverage.carried_text()) };
                format!(
                    "{}（{}，落后{:.1}个百分点{carried}{}，牵头单位：{lead}{more}）",
                    t.name,
                    t.status.label(),
                    -t.gap_pp.unwrap_or(0.0),
                    assumed(t)
                )
            })
            .collect();
        text.push(format!("进度落后最多的是：{}。", items.join("；")));
    }
    let warnings: Vec<String> = numeric
        .iter()
        .filter(|t| matches!(t.status, Status::Warning | Status::NotMet))
        .map(|t| format!("{}（{}{}）", t.name, t.status.label(), assumed(t)))
        .collect();
    if !warnings.is_empty() {
        text.push(format!("需关注：{}。", warnings.join("、")));
    }

    text
}

/// What of a named row is 暂定, so that the text forwarded alone carries the marks too.
fn assumed(t: &TargetProgress) -> &'static str {
    match (t.target_assumed, t.schedule_assumed) {
        (true, true) => "，目标值和序时目标暂定",
        (true, false) => "，目标值暂定",
        (false, true) => "，序时目标暂定",
        (false, false) => "",
    }
}

/// Who has not reported, or reported with errors or late.
fn reporting(plan: &Plan, validated: &Validated) -> String {
    let towns = validated.units_of_kind(false);
    let departments = validated.units_of_kind(true);
    let named = |units: &[&TownshipOutcome], status: SubmissionStatus| -> Vec<String> {
        units.iter().filter(|t| t.status == status).map(|t| t.township.clone()).collect()
    };
    let mut reporting = format!(
        "报送方面，应报{}，已报送{}个",
        plan.count_units(towns.iter().map(|t| t.township.as_str())),
        named(&towns, SubmissionStatus::Reported).len()
    );
    let missing = named(&towns, SubmissionStatus::Missing);
    if !missing.is_empty() {
        reporting.push_str(&format!("，{}未报送", missing.join("、")));
    }
    let rejected = named(&towns, SubmissionStatus::Rejected);
    if !rejected.is_empty() {
        reporting.push_str(&format!("，{}报表有误（有误的报表未计入）", rejected.join("、")));
    }
    let late: Vec<&str> = towns.iter().filter(|t| t.late).map(|t| t.township.as_str()).collect();
    if !late.is_empty() {
        reporting.push_str(&format!("，{}迟报", late.join("、")));
    }
    let counts = validated.department_counts();
    if !counts.is_empty() {
        if counts.due == 0 {
            reporting.push_str("；牵头部门台账本月均未到报送期");
        } else {
            reporting.push_str(&format!("；牵头部门应报台账{}个，已报送{}个", counts.due, counts.reported));
        }
        let mut aside = Vec::new();
        if !counts.not_due.is_empty() && counts.due > 0 {
            aside.push(format!("{}本月未到报送期", counts.not_due.join("、")));
        }
        if !counts.early.is_empty() {
            let said = if counts.due == 0 { "" } else { "未到报送期，" };
            aside.push(format!("{}{said}已提前报送，照常采用", counts.early.join("、")));
        }
        if !aside.is_empty() {
            reporting.push_str(&format!("（{}）", aside.join("；")));
        }
        let missing = named(&departments, SubmissionStatus::Missing);
        if !missing.is_empty() {
            reporting.push_str(&format!("，{}未报送", missing.join("、")));
        }
        let rejected = named(&departments, SubmissionStatus::Rejected);
        if !rejected.is_empty() {
            reporting.push_str(&format!("，{}台账有误", rejected.join("、")));
        }
    }
    reporting.push('。');
    reporting
}

/// Data problems, carried and incomplete figures (`disagree`: a cross-check disagrees, said
/// in its own paragraph, so the files are not called free of problems).
fn data_problems(validated: &Validated, numeric: &[&TargetProgress], disagree: bool) -> String {
    let errors = validated.error_count();
    let warnings = validated.warning_count();
    let mut data = if errors + warnings == 0 && disagree {
        "本月报表未发现填报错误，但数据核对有不一致（见下）".to_string()
    } else if errors + warnings == 0 {
        "本月报表未发现数据问题".to_string()
    } else {
        // Only what a feedback workbook lists is 反馈: a warning the unit has explained is not.
        let explained = validated.issues.iter().filter(|i| !i.explanation.is_empty()).count();
        let sent = if explained == 0 {
            "，已逐条反馈有关单位".to_string()
        } else if explained < errors + warnings {
            format!("，已逐条反馈有关单位（其中{explained}个已由填报单位说明，不再反馈）")
        } else {
            "，均已由填报单位说明".to_string()
        };
        format!("本月共发现数据问题{}个（错误{errors}个、提示{warnings}个）{sent}", errors + warnings)
    };
    let mut carried: Vec<String> =
        numeric.iter().flat_map(|t| t.coverage.carried.iter().map(|(u, p)| format!("{u}（{}）", p.label()))).collect();
    carried.sort();
    carried.dedup();
    if !carried.is_empty() {
        data.push_str(&format!("；未采用本月数据的单位沿用最近一次数据：{}，相关数字标“※”", carried.join("、")));
    }
    let incomplete = count(numeric, &[Status::Incomplete]);
    if incomplete > 0 {
        data.push_str(&format!("；{incomplete}项指标因缺少单位数据暂不作判断（数据不全）"));
    }
    data.push('。');
    data
}

/// Cross-checks that disagree: both figures, for the units to reconcile.
fn disagreements(aggregated: &Aggregated) -> Option<String> {
    let disagree: Vec<String> = aggregated
        .checks
        .iter()
        .filter(|c| c.agrees == Some(false))
        .map(|c| {
            let n = |v: Option<f64>| v.map(crate::text::fmt).unwrap_or_default();
            format!("{}（{}{}{}，{}{}{}）", c.name, c.left_label, n(c.left), c.unit, c.right_label, n(c.right), c.unit)
        })
        .collect();
    (!disagree.is_empty()).then(|| format!("数据核对不一致{}项：{}，请有关单位核实。", disagree.len(), disagree.join("；")))
}

/// The 通报 as one text, a paragraph a line (for `bulletin.txt`).
pub fn text(plan: &Plan, validated: &Validated, aggregated: &Aggregated) -> String {
    let title = format!("{}乡村振兴重点指标进度通报（{}）", plan.plan.district_full, aggregated.period.label());
    let mut out = format!("{title}\n\n");
    for paragraph in paragraphs(plan, validated, aggregated, true) {
        out.push_str(&paragraph);
        out.push('\n');
    }
    out
}
