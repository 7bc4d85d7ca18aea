//! A plan's cross-reference checks that serde cannot do (`Plan::check`), one function per
//! section of the plan, each problem with its key path (and the line, found by `PlanProblem::locate`).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::locate::locate_key_path;
use super::{
    Aggregation, ColumnKind, Direction, Form, PhaseRole, Plan, RESERVED_COLUMN_IDS, Reporter, RowFilter, Schedule, ScheduleKind,
    THIS_MONTH, Target, TargetKind, Villages,
};

/// One problem found by `Plan::check`.
#[derive(Debug, Clone)]
pub struct PlanProblem {
    /// Key path, e.g. `targets[3](Y04).indicator`.
    pub key: String,
    /// A line of TOML that identifies the item (`id = "Y04"`), used to find the line number.
    anchor: Option<String>,
    pub message: String,
    /// A warning: the plan can be used, but its author should look (`plan check` lists it).
    pub warning: bool,
}

impl PlanProblem {
    /// `第 113 行第 1 列 targets[0](T01).indicator：…`, the line and column found in the plan's
    /// TOML `text`.
    pub fn describe(&self, text: &str) -> String {
        match self.position(text) {
            Some((line, column)) => format!("第 {line} 行第 {column} 列 {}：{}", self.key, self.message),
            None => format!("{}：{}", self.key, self.message),
        }
    }

    /// 1-based line and column of the problem in the TOML text: the key the path ends in, else
    /// its item's anchor line (at its first character).
    pub fn position(&self, text: &str) -> Option<(usize, usize)> {
        if let Some(offset) = super::locate::locate_key_offset(text, &self.key) {
            return Some((super::locate::line_of_offset(text, offset), super::locate::column_of_offset(text, offset)));
        }
        let line = self.locate(text)?;
        let column = text.lines().nth(line - 1).map_or(1, |l| l.chars().take_while(|c| c.is_whitespace()).count() + 1);
        Some((line, column))
    }

    /// 1-based line of the problem in the TOML text: the line of the key the path ends in
    /// (`targets[3](Y04).indicator`), found inside that very item; else the anchor line.
    pub fn locate(&self, text: &str) -> Option<usize> {
        if let Some(line) = locate_key_path(text, &self.key) {
            return Some(line);
        }
        let anchor = self.anchor.as_deref()?;
        text.lines().position(|line| line.trim().replace(' ', "") == anchor.replace(' ', "")).map(|i| i + 1)
    }
}

/// An item's key path (`targets[3](T04)`) and anchor line, for its problems.
struct At {
    key: String,
    anchor: Option<String>,
}

impl At {
    fn key(&self, field: &str) -> String {
        format!("{}.{field}", self.key)
    }

    fn anchor(&self) -> Option<String> {
        self.anchor.clone()
    }
}

/// A milestone target's milestones: there, in date order, not decreasing, in percent.
fn check_milestones(at: &At, t: &Target, p: &mut Problems) {
    if t.milestones.is_empty() {
        p.push(at.key("milestones"), at.anchor(), "时序进度目标须列出时序节点（milestones）".into());
    }
    if let Some(j) = t.milestones.windows(2).position(|w| w[0].by >= w[1].by || w[0].value > w[1].value) {
        let (before, after) = (&t.milestones[j], &t.milestones[j + 1]);
        p.push(
            at.key(&format!("milestones[{}]", j + 1)),
            at.anchor(),
            format!(
                "时序节点（milestones）须按日期递增且数值不减：{} 的 {} 排在 {} 的 {} 之后",
                after.by,
                crate::text::fmt(after.value),
                before.by,
                crate::text::fmt(before.value)
            ),
        );
    }
    if t.milestones.last().is_some_and(|m| m.value > 0.0) && t.milestones.iter().all(|m| m.value <= 1.0) {
        p.push(at.key("milestones"), at.anchor(), "时序进度按百分数填写（35% 写 35），现均不超过 1".into());
    }
}

/// The problems found so far, in the order the plan's sections are checked.
#[derive(Default)]
struct Problems(Vec<PlanProblem>);

impl Problems {
    fn push(&mut self, key: String, anchor: Option<String>, message: String) {
        self.0.push(PlanProblem { key, anchor, message, warning: false });
    }

    /// A problem that does not stop the plan from being used.
    fn warn(&mut self, key: String, anchor: Option<String>, message: String) {
        self.0.push(PlanProblem { key, anchor, message, warning: true });
    }
}

impl Plan {
    /// Cross-reference checks that serde cannot do. Returns every problem found.
    pub fn check(&self) -> Vec<PlanProblem> {
        let mut p = Problems::default();
        self.check_units(&mut p);
        self.check_forms(&mut p);
        self.check_indicators(&mut p);
        self.check_form_rules(&mut p);
        self.check_checks(&mut p);
        self.check_phases(&mut p);
        self.check_curves(&mut p);
        self.check_targets(&mut p);
        p.0
    }

    fn check_units(&self, p: &mut Problems) {
        if self.units.is_empty() {
            p.push("units".into(), None, "至少需要一个填报单位".into());
        }
        let mut seen = BTreeSet::new();
        // Village forms check each row's name against the unit's list.
        let village_forms = self.township_forms().any(|f| f.row_kind == crate::plan::RowKind::Village);
        let mut any_village = Vec::new();
        for (i, unit) in self.units.iter().enumerate() {
            let anchor = Some(quoted("name", &unit.name));
            if !seen.insert(unit.name.as_str()) {
                p.push(format!("units[{i}].name"), anchor.clone(), format!("填报单位“{}”重复", unit.name));
            }
            // A unit's name becomes file names (templates, feedback): no path in it.
            if !crate::text::is_file_safe(&unit.name) {
                p.push(
                    format!("units[{i}].name"),
                    anchor.clone(),
                    format!(
                        "填报单位名称“{}”含有 / \\ : * ? \" < > | 或换行等不能用于文件名的字符，请改为单位的正式名称",
                        unit.name.escape_debug()
                    ),
                );
            }
            match &unit.villages {
                Villages::Listed(names) if names.is_empty() && village_forms => p.push(
                    format!("units[{i}].villages"),
                    anchor,
                    format!(
                        "“{}”没有村（社区）名单：请按统计名录补上，或写 villages = \"any\"（方案表中村名单填“不限”），暂不核对村名",
                        unit.name
                    ),
                ),
                Villages::Any => any_village.push(unit.name.as_str()),
                Villages::Listed(_) => {}
            }
        }
        if !any_village.is_empty() && village_forms {
            p.warn(
                "units".into(),
                None,
                format!(
                    "以下单位不核对村名（villages = \"any\"），报来的村名在通报“说明”中列出，请确认后补上名单：{}",
                    any_village.join("、")
                ),
            );
        }
        self.check_departments(p);
    }

    /// The departments: named once, with a report month only where they report annually.
    fn check_departments(&self, p: &mut Problems) {
        let mut seen = BTreeSet::new();
        for (i, department) in self.department_list.iter().enumerate() {
            let anchor = Some(quoted("name", &department.name));
            if !seen.insert(department.name.as_str()) {
                p.push(format!("departments[{i}].name"), anchor.clone(), format!("部门“{}”重复", department.name));
            }
            if !crate::text::is_file_safe(&department.name) {
                p.push(
                    format!("departments[{i}].name"),
                    anchor.clone(),
                    format!(
                        "部门名称“{}”含有不能用于文件名的字符（/ \\ : * ? \" < > | 或换行），请改为部门的正式名称",
                        department.name.escape_debug()
                    ),
                );
            }
            if let Some(m) = department.report_month
                && !(1..=12).contains(&m)
            {
                p.push(format!("departments[{i}].report_month"), anchor, format!("年报月份（report_month）应为 1—12，现为 {m}"));
            }
        }
        if self.department_list.is_empty() && self.has_ledger() {
            p.warn(
                "departments".into(),
                None,
                "方案未列出部门（[[departments]]，方案表的“部门”表），牵头单位是否写对无法核对；建议列出各牵头单位".into(),
            );
        }
    }

    fn check_forms(&self, p: &mut Problems) {
        let mut form_ids = BTreeSet::new();
        for (fi, form) in self.forms.iter().enumerate() {
            let anchor = Some(quoted("id", &form.id));
            if !form_ids.insert(form.id.as_str()) {
                p.push(format!("forms[{fi}]({}).id", form.id), anchor.clone(), format!("表号“{}”重复", form.id));
            }
            let keys = form.columns.iter().filter(|c| c.kind == ColumnKind::Key).count();
            if keys != 1 {
                p.push(
                    format!("forms[{fi}]({})", form.id),
                    anchor.clone(),
                    format!("每张表必须有且只有一个 kind = \"key\" 的列，现有 {keys} 个"),
                );
            }
            let mut column_ids = BTreeSet::new();
            for (ci, col) in form.columns.iter().enumerate() {
                let key = format!("forms[{fi}]({}).columns[{ci}]({})", form.id, col.id);
                let anchor = Some(quoted("id", &col.id));
                if !column_ids.insert(col.id.as_str()) {
                    p.push(format!("{key}.id"), anchor.clone(), format!("列 id“{}”重复", col.id));
                }
                if RESERVED_COLUMN_IDS.contains(&col.id.as_str()) {
                    p.push(
                        format!("{key}.id"),
                        anchor.clone(),
                        format!("列 id“{}”是历史数据库自用的列名（{}），请换一个", col.id, RESERVED_COLUMN_IDS.join("、")),
                    );
                }
                let unit_given_per_row = form.columns.iter().any(|c| c.unit_of.contains(&col.id));
                if col.kind == ColumnKind::Number && col.unit.is_none() && !unit_given_per_row && form.reporter == Reporter::Township {
                    p.push(format!("{key}.unit"), anchor.clone(), "数值列必须写明 unit（计量单位）".into());
                }
                if let Some(unit) = &col.unit
                    && crate::units::factor(unit, unit).is_none()
                {
                    p.push(format!("{key}.unit"), anchor.clone(), format!("不认识的计量单位“{unit}”"));
                }
                if matches!(col.kind, ColumnKind::Category | ColumnKind::Unit) && col.categories.is_empty() {
                    p.push(format!("{key}.categories"), anchor.clone(), "分类列必须列出 categories".into());
                }
                for cat in col.category_units.keys() {
                    if !col.categories.contains(cat) {
                        p.push(format!("{key}.category_units"), anchor.clone(), format!("category_units 中的“{cat}”不在 categories 中"));
                    }
                }
            }
            for (ci, col) in form.columns.iter().enumerate() {
                let key = format!("forms[{fi}]({}).columns[{ci}]({})", form.id, col.id);
                let anchor = Some(quoted("id", &col.id));
                for (what, other) in [("part_of", &col.part_of), ("not_above", &col.not_above)] {
                    if let Some(other) = other
                        && !form.columns.iter().any(|c| &c.id == other && c.kind == ColumnKind::Number)
                    {
                        p.push(format!("{key}.{what}"), anchor.clone(), format!("{what} 指向的“{other}”不是本表的数值列"));
                    }
                }
                for other in &col.unit_of {
                    if !form.columns.iter().any(|c| &c.id == other && c.kind == ColumnKind::Number) {
                        p.push(format!("{key}.unit_of"), anchor.clone(), format!("unit_of 指向的“{other}”不是本表的数值列"));
                    }
                }
            }
        }
    }

    fn check_indicators(&self, p: &mut Problems) {
        let mut indicator_ids = BTreeSet::new();
        for (ii, ind) in self.indicators.iter().enumerate() {
            let key = format!("indicators[{ii}]({})", ind.id);
            let anchor = Some(quoted("id", &ind.id));
            if !indicator_ids.insert(ind.id.as_str()) {
                p.push(format!("{key}.id"), anchor.clone(), format!("指标 id“{}”重复", ind.id));
            }
            if ind.is_ratio() {
                for (field, part) in [("numerator", &ind.numerator), ("denominator", &ind.denominator)] {
                    match part {
                        Some(p) if self.indicators.iter().any(|o| &o.id == p && !o.is_ratio()) => {}
                        Some(part) => {
                            p.push(format!("{key}.{field}"), anchor.clone(), format!("比例的分子/分母“{part}”不是已定义的非比例指标"))
                        }
                        None => p.push(format!("{key}.{field}"), anchor.clone(), "比例指标必须同时有 numerator 和 denominator".into()),
                    }
                }
                continue;
            }
            let Some(form) = ind.form.as_deref().and_then(|f| self.form(f)) else {
                p.push(format!("{key}.form"), anchor.clone(), format!("form“{}”不是已定义的表号", ind.form.as_deref().unwrap_or("")));
                continue;
            };
            match (ind.aggregation, ind.column.as_deref()) {
                (Aggregation::Sum, Some(c)) if form.column(c).is_some_and(|c| c.kind == ColumnKind::Number) => {
                    // Sums are in the column's unit: an indicator labelled otherwise misstates them.
                    let column = form.column(c).expect("found above");
                    if let Some(unit) = column.unit.as_deref().filter(|u| *u != ind.unit) {
                        p.push(
                            format!("{key}.unit"),
                            anchor.clone(),
                            format!(
                                "指标单位“{}”与所汇总的列“{}”的单位“{unit}”不同：汇总数按列的单位计，请把指标的 unit 改为“{unit}”",
                                ind.unit,
                                column.header()
                            ),
                        );
                    }
                }
                (Aggregation::Sum, c) => p.push(
                    format!("{key}.column"),
                    anchor.clone(),
                    format!("求和指标的 column“{}”不是表 {} 的数值列", c.unwrap_or(""), form.id),
                ),
                (Aggregation::Count, None) => {}
                (Aggregation::Count, Some(c)) if form.column(c).is_some() => {}
                (Aggregation::Count, Some(c)) => {
                    p.push(format!("{key}.column"), anchor.clone(), format!("column“{c}”不在表 {} 中", form.id))
                }
            }
            for (k, filter) in ind.filters.iter().enumerate() {
                if let Some(message) = filter_problem(form, filter) {
                    p.push(format!("{key}.filters[{k}]"), anchor.clone(), message);
                }
            }
        }
    }

    /// Each form's `required_if` filters and project `timing`.
    fn check_form_rules(&self, p: &mut Problems) {
        for (fi, form) in self.forms.iter().enumerate() {
            let anchor = Some(quoted("id", &form.id));
            for (ci, column) in form.columns.iter().enumerate() {
                if let Some(filter) = &column.required_if
                    && let Some(message) = filter_problem(form, filter)
                {
                    p.push(format!("forms[{fi}]({}).columns[{ci}]({}).required_if", form.id, column.id), anchor.clone(), message);
                }
            }
            let Some(timing) = &form.timing else { continue };
            let key = format!("forms[{fi}]({}).timing", form.id);
            let kind_of = |id: &str| form.column(id).map(|c| c.kind);
            if kind_of(&timing.done) != Some(ColumnKind::YesNo) {
                p.push(format!("{key}.done"), anchor.clone(), format!("done“{}”应是表 {} 的是/否列", timing.done, form.id));
            }
            if let Some(date) = &timing.date
                && kind_of(date) != Some(ColumnKind::Date)
            {
                p.push(format!("{key}.date"), anchor.clone(), format!("date“{date}”应是表 {} 的日期列", form.id));
            }
            match (&timing.due, &timing.due_column) {
                (Some(due), None) if due.year() != self.plan.year => p.warn(
                    format!("{key}.due"),
                    anchor.clone(),
                    format!(
                        "“{}”各项目的统一期限（due）{due} 不在方案年度 {} 内：是否沿用了别的年度的方案？请按本年方案改正",
                        form.title, self.plan.year
                    ),
                ),
                (Some(_), None) => {}
                (None, Some(c)) if kind_of(c) == Some(ColumnKind::Month) => {}
                (None, Some(c)) => {
                    p.push(format!("{key}.due_column"), anchor.clone(), format!("due_column“{c}”应是表 {} 的月份列", form.id))
                }
                _ => p.push(key.clone(), anchor.clone(), "timing 须写 due（统一期限）或 due_column（各项目计划完工月份）之一".into()),
            }
            for (k, filter) in timing.filters.iter().enumerate() {
                if let Some(message) = filter_problem(form, filter) {
                    p.push(format!("{key}.filters[{k}]"), anchor.clone(), message);
                }
            }
        }
    }

    fn known_indicator(&self, id: &str) -> bool {
        self.indicators.iter().any(|i| i.id == id)
    }

    fn check_checks(&self, p: &mut Problems) {
        let mut check_ids = BTreeSet::new();
        for (ci, check) in self.checks.iter().enumerate() {
            let key = format!("checks[{ci}]({})", check.id);
            let anchor = Some(quoted("id", &check.id));
            if !check_ids.insert(check.id.as_str()) {
                p.push(format!("{key}.id"), anchor.clone(), format!("核对项 id“{}”重复", check.id));
            }
            if !self.known_indicator(&check.indicator) {
                p.push(format!("{key}.indicator"), anchor.clone(), format!("indicator“{}”不是已定义的指标", check.indicator));
            }
            match (&check.against, &check.target) {
                (Some(a), None) if self.known_indicator(a) => {}
                (Some(a), None) => p.push(format!("{key}.against"), anchor.clone(), format!("against“{a}”不是已定义的指标")),
                (None, Some(t)) if self.targets.iter().any(|x| &x.id == t && x.value.is_some()) => {}
                (None, Some(t)) => p.push(format!("{key}.target"), anchor.clone(), format!("target“{t}”不是有目标值的目标")),
                _ => p.push(key.clone(), anchor.clone(), "核对项须写 against（另一指标）或 target（目标值）之一".into()),
            }
            if !check.tolerance.is_finite() || check.tolerance < 0.0 {
                p.push(format!("{key}.tolerance"), anchor.clone(), "tolerance 应为非负数".into());
            }
        }
    }

    fn check_phases(&self, p: &mut Problems) {
        for (pi, phase) in self.phases.iter().enumerate() {
            let key = format!("phases[{pi}]({})", phase.name);
            let anchor = Some(quoted("name", &phase.name));
            if phase.start.year() != self.plan.year || phase.end.year() != self.plan.year {
                p.push(key.clone(), anchor.clone(), format!("阶段日期 {}—{} 不在方案年度 {} 内", phase.start, phase.end, self.plan.year));
            }
            if phase.start > phase.end {
                p.push(format!("{key}.start"), anchor.clone(), format!("阶段开始 {} 晚于结束 {}", phase.start, phase.end));
            }
        }
        for role in [PhaseRole::Prepare, PhaseRole::Implement, PhaseRole::Assess] {
            if self.phases.iter().filter(|p| p.role == role).count() > 1 {
                p.push(
                    "phases".into(),
                    None,
                    format!(
                        "role = \"{}\" 的阶段只能有一个",
                        serde_json::to_value(role).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
                    ),
                );
            }
        }
    }

    fn check_curves(&self, p: &mut Problems) {
        let mut curve_ids = BTreeSet::new();
        for (ci, curve) in self.curves.iter().enumerate() {
            let key = format!("curves[{ci}]({})", curve.id);
            let anchor = Some(quoted("id", &curve.id));
            if !curve_ids.insert(curve.id.as_str()) {
                p.push(format!("{key}.id"), anchor.clone(), format!("曲线 id“{}”重复", curve.id));
            }
            if curve.shares.len() != 12 {
                p.push(
                    format!("{key}.shares"),
                    anchor.clone(),
                    format!("shares 应为 1—12 月共 12 个累计比例，现有 {} 个", curve.shares.len()),
                );
            } else if curve.shares.iter().any(|s| !s.is_finite() || *s < 0.0 || *s > 1.0) {
                p.push(format!("{key}.shares"), anchor.clone(), "shares 的每个值应在 0 到 1 之间".into());
            } else if let Some(m) = curve.shares.windows(2).position(|w| w[1] < w[0]) {
                p.push(format!("{key}.shares"), anchor.clone(), format!("shares 应逐月不减：{} 月比 {} 月小", m + 2, m + 1));
            } else if (curve.shares[11] - 1.0).abs() > 1e-9 {
                p.push(format!("{key}.shares"), anchor.clone(), format!("shares 最后（12月）应为 1（100%），现为 {}", curve.shares[11]));
            }
            if curve.source.trim().is_empty() {
                p.push(format!("{key}.source"), anchor.clone(), "曲线必须在 source 中注明依据".into());
            }
        }
    }

    fn check_targets(&self, p: &mut Problems) {
        if is_placeholder(&self.plan.title) {
            p.warn(
                "plan.title".into(),
                Some("[plan]".into()),
                format!("方案标题（title）仍是待填写的“{}”：通报中会照样印出，请填写方案文件的标题", self.plan.title),
            );
        }
        let mut target_ids = BTreeSet::new();
        for (ti, t) in self.targets.iter().enumerate() {
            let at = At { key: format!("targets[{ti}]({})", t.id), anchor: Some(quoted("id", &t.id)) };
            if !target_ids.insert(t.id.as_str()) {
                p.push(at.key("id"), at.anchor(), format!("目标编号“{}”重复", t.id));
            }
            if t.clause.trim().is_empty() {
                p.push(at.key("clause"), at.anchor(), "缺少条款（clause），请写明方案文件中的条款，如 二(一)1".into());
            }
            for (field, label, text) in [("clause", "条款", &t.clause), ("quote", "原文", &t.quote)] {
                if is_placeholder(text) {
                    p.warn(
                        at.key(field),
                        at.anchor(),
                        format!("{label}（{field}）仍是待填写的“{text}”：通报的说明中会照样印出，请按方案文件填写"),
                    );
                }
            }
            self.check_target_indicator(&at, t, p);
            self.check_target_value(&at, t, p);
            self.check_target_frequency(&at, t, p);
            if t.kind == TargetKind::Milestones {
                check_milestones(&at, t, p);
            }
            if let Some(d) = t.deadline
                && d.year() != self.plan.year
            {
                p.push(at.key("deadline"), at.anchor(), format!("完成时限（deadline）{d} 不在方案年度 {} 内", self.plan.year));
            }
            match &t.schedule {
                Some(schedule) => self.check_schedule(&at.key, &at.anchor, t, schedule, p),
                None => self.warn_default_schedule(&at, t, p),
            }
            self.check_allocations(&at, t, p);
            self.check_lead_units(&at, t, p);
            if let Some(i) = &t.on_time {
                if !self.known_indicator(i) {
                    p.push(at.key("on_time"), at.anchor(), format!("按期指标（on_time）“{i}”不是已定义的指标"));
                }
                if !matches!(t.kind, TargetKind::AtLeast | TargetKind::Count) {
                    p.push(at.key("on_time"), at.anchor(), format!("{}没有期限，不能写按期指标（on_time）", t.kind.label()));
                }
            }
            if let Some(m) = t.report_month
                && !(1..=12).contains(&m)
            {
                p.push(at.key("report_month"), at.anchor(), format!("年报月份（report_month）应为 1—12，现为 {m}"));
            }
        }
    }

    /// A target's reporting frequency: it applies to a department's ledger figure only, and
    /// says the same as its lead department's (warnings: the plan still works).
    fn check_target_frequency(&self, at: &At, t: &Target, p: &mut Problems) {
        let by_ledger = self.has_ledger() && self.ledger_targets().any(|x| x.id == t.id);
        if !t.frequency.is_monthly() && !by_ledger {
            p.warn(
                at.key("frequency"),
                at.anchor(),
                format!(
                    "报送频次只对部门台账报送的指标起作用；这个目标的指标由各{}按月报送，“{}”不起作用，可删去",
                    self.wording().townships,
                    t.frequency.label(t.report_month)
                ),
            );
            return;
        }
        if !by_ledger {
            return;
        }
        let owner = self.ledger_owner(t);
        if let Some(department) = self.department_list.iter().find(|d| d.name == owner) {
            let (own, theirs) = (t.frequency.label(t.report_month), department.frequency.label(department.report_month));
            if own != theirs {
                p.warn(
                    at.key("frequency"),
                    at.anchor(),
                    format!(
                        "目标报送频次为{own}，牵头部门“{owner}”在部门表中为{theirs}：未到报送期的月份既不催报也不判断，请把两处改为一致"
                    ),
                );
            }
        }
    }

    /// A target's indicator: defined, present where the kind needs one, in the right direction.
    fn check_target_indicator(&self, at: &At, t: &Target, p: &mut Problems) {
        match (&t.indicator, t.kind) {
            (Some(i), _) if !self.known_indicator(i) => {
                let closest = crate::text::closest(i, self.indicators.iter().map(|d| d.id.as_str()))
                    .map(|c| format!("，是否为“{c}”？"))
                    .unwrap_or_else(|| "。".into());
                p.push(at.key("indicator"), at.anchor(), format!("指标（indicator）“{i}”不是已定义的指标{closest}请从“指标”表中选择"))
            }
            (None, TargetKind::Qualitative | TargetKind::Ongoing) => {}
            (None, kind) => p.push(at.key("indicator"), at.anchor(), format!("{}须选择指标（indicator）", kind.label())),
            _ => {}
        }
        if t.kind == TargetKind::Ceiling
            && let Some(ind) = t.indicator.as_deref().and_then(|i| self.indicator(i))
            && ind.direction != Direction::Lower
        {
            p.push(
                at.key("indicator"),
                at.anchor(),
                format!("上限（清零）目标的指标“{}”应为越低越好：在它的定义中写 direction = \"lower\"", ind.id),
            );
        }
    }

    /// A target's value and baseline: there where its kind needs them, a non-negative number,
    /// percentages as percent, and none on a target that only tracks.
    fn check_target_value(&self, at: &At, t: &Target, p: &mut Problems) {
        let needs_value =
            matches!(t.kind, TargetKind::AtLeast | TargetKind::Count | TargetKind::Floor | TargetKind::Ceiling | TargetKind::Ratio);
        if needs_value && t.value.is_none() {
            p.push(
                at.key("value"),
                at.anchor(),
                format!(
                    "{}须填写目标值（value）：{}",
                    t.kind.label(),
                    if t.kind == TargetKind::Ratio {
                        "按百分数填写（“60%以上”填 60）"
                    } else {
                        "按方案文件的数字，换算成指标的单位（如“6万亩”填 60000）"
                    }
                ),
            );
        }
        if let Some(v) = t.value
            && (!v.is_finite() || v < 0.0)
        {
            p.push(at.key("value"), at.anchor(), format!("目标值 {v} 不是非负数"));
        }
        if t.kind == TargetKind::Ratio
            && let Some(v) = t.value
            && v <= 1.0
        {
            p.push(at.key("value"), at.anchor(), format!("比例目标按百分数填写（60% 写 60），现为 {v}"));
        }
        if t.kind == TargetKind::Baseline && t.baseline.is_none() {
            p.push(at.key("baseline"), at.anchor(), "不低于基数类目标须填写基数（baseline）".into());
        }
        if matches!(t.kind, TargetKind::Tracked | TargetKind::Qualitative | TargetKind::Ongoing) {
            for (field, present) in [("value", t.value.is_some()), ("baseline", t.baseline.is_some())] {
                if present {
                    let what = if field == "value" { "目标值" } else { "基数" };
                    p.push(
                        at.key(field),
                        at.anchor(),
                        format!("{}不设{what}：有数字要达到的，请把类型改为相应的目标类型；否则删去{what}（{field}）", t.kind.label()),
                    );
                }
            }
        }
    }

    /// A target judged over time without a schedule is judged by the default one: said, so that
    /// its author confirms it.
    fn warn_default_schedule(&self, at: &At, t: &Target, p: &mut Problems) {
        let Some(schedule) = self.schedule(t).filter(|_| matches!(t.kind, TargetKind::AtLeast | TargetKind::Count)) else { return };
        if t.deadline.is_some() {
            return;
        }
        p.warn(
            at.key("schedule"),
            at.anchor(),
            format!(
                "未写进度安排（schedule），按默认的{}均匀推进计算序时进度；季节性、一次性或年终评定的任务请写明进度安排",
                schedule.source
            ),
        );
    }

    /// Allocations: to units of the plan, of a figure the units report, adding up to the target.
    fn check_allocations(&self, at: &At, t: &Target, p: &mut Problems) {
        if t.allocations.is_empty() {
            return;
        }
        for name in t.allocations.keys() {
            if self.unit(name).is_none() {
                p.push(at.key("allocations"), at.anchor(), format!("分解到的“{name}”不是填报单位"));
            }
        }
        let indicator = t.indicator.as_deref().and_then(|i| self.indicator(i));
        let reporter = indicator.and_then(|i| self.indicator_form(i)).and_then(|f| self.form(f)).map(|f| f.reporter);
        if reporter == Some(Reporter::Department) {
            p.push(
                at.key("allocations"),
                at.anchor(),
                "这个目标的指标由部门台账填报，各乡镇（街道）不报送它，分解任务无从比较：请删去分解任务，或改选乡镇报表的指标".into(),
            );
        }
        let (Some(value), true) = (t.value, matches!(t.kind, TargetKind::AtLeast | TargetKind::Count | TargetKind::Floor)) else { return };
        let sum: f64 = t.allocations.values().sum();
        let fmt = crate::text::fmt;
        if value > 0.0 && (sum > value * 2.0 || sum < value / 2.0) {
            p.push(
                at.key("allocations"),
                at.anchor(),
                format!(
                    "分解任务合计 {} 与目标值 {} 相差太大（{}）：请核对是否多写或漏写了数字、单位是否一致",
                    fmt(sum),
                    fmt(value),
                    if sum > value {
                        format!("是目标值的 {:.1} 倍", sum / value)
                    } else if sum / value >= 0.01 {
                        format!("只有目标值的 {:.1}%", sum / value * 100.0)
                    } else {
                        "不到目标值的 1%，是否按万亩等大单位填写了？".to_string()
                    }
                ),
            );
        } else if (sum - value).abs() > value.abs() * 0.005 + 1e-9 {
            let (more, diff) = if sum > value { ("多", sum - value) } else { ("少", value - sum) };
            p.warn(
                at.key("allocations"),
                at.anchor(),
                format!("分解任务合计 {} 比目标值 {} {more} {}，请确认", fmt(sum), fmt(value), fmt(diff)),
            );
        }
    }

    /// Lead units: there, and among the plan's departments where it lists them.
    fn check_lead_units(&self, at: &At, t: &Target, p: &mut Problems) {
        if t.lead_units.is_empty() {
            p.push(at.key("lead_units"), at.anchor(), "缺少牵头单位（lead_units）".into());
        }
        if self.department_list.is_empty() {
            return;
        }
        for unit in &t.lead_units {
            if !self.department_list.iter().any(|d| &d.name == unit || d.aliases.contains(unit)) {
                let closest = crate::text::closest(unit, self.department_list.iter().map(|d| d.name.as_str()))
                    .map(|c| format!("，是否为“{c}”？"))
                    .unwrap_or_else(|| "；".to_string());
                p.push(
                    at.key("lead_units"),
                    at.anchor(),
                    format!("牵头单位“{unit}”不在部门表（departments）中{closest}请改正，或把它加入部门表"),
                );
            }
        }
    }

    /// A target's `schedule`: only where the target is judged over time, dates in the plan year,
    /// and what its kind needs.
    fn check_schedule(&self, key: &str, anchor: &Option<String>, t: &Target, schedule: &Schedule, p: &mut Problems) {
        let key = format!("{key}.schedule");
        // A qualitative task judged only once its evidence exists (a year's income figures, next
        // year): 年终考核 with the date it can be judged, which may be in the next year.
        let judged_later = t.kind == TargetKind::Qualitative && schedule.kind == ScheduleKind::YearEnd;
        if judged_later {
            if schedule.due.is_none() || schedule.source.trim().is_empty() {
                p.push(
                    key.clone(),
                    anchor.clone(),
                    "定性任务写进度安排的，只用于要等数据才能判断的任务：进度安排选“年终考核”，写明能判断的日期（due）和依据（source）"
                        .into(),
                );
            }
        } else if !matches!(t.kind, TargetKind::AtLeast | TargetKind::Count) {
            p.push(key.clone(), anchor.clone(), format!("“{}”不按进度考核，不能写进度安排（schedule）", t.kind.label()));
        }
        for (field, label, date) in [("start", "进度开始", schedule.start), ("due", "进度截止", schedule.due)] {
            if let Some(d) = date
                && d.year() != self.plan.year
                && !(judged_later && field == "due" && d.year() == self.plan.year + 1)
            {
                p.push(format!("{key}.{field}"), anchor.clone(), format!("{label}（{field}）{d} 不在方案年度 {} 内", self.plan.year));
            }
        }
        if let (Some(start), Some(due)) = (schedule.start, schedule.due)
            && start >= due
        {
            p.push(format!("{key}.start"), anchor.clone(), format!("开始日期 {start} 应早于完成日期 {due}"));
        }
        match schedule.kind {
            ScheduleKind::Curve => match schedule.curve.as_deref() {
                None => p.push(format!("{key}.curve"), anchor.clone(), "按农时曲线推进的，须写进度曲线（curve，曲线编号）".into()),
                Some(id) if !self.curves.iter().any(|c| c.id == id) => {
                    p.push(format!("{key}.curve"), anchor.clone(), format!("进度曲线（curve）“{id}”不是已定义的曲线"))
                }
                _ => {}
            },
            ScheduleKind::Event => {
                if !schedule.month.is_some_and(|m| (1..=12).contains(&m)) {
                    p.push(format!("{key}.month"), anchor.clone(), "一次性完成的，须写计划月份（month，1–12）".into());
                }
            }
            ScheduleKind::Planned => match schedule.indicator.as_deref() {
                Some(i) if self.known_indicator(i) => {}
                _ => p.push(
                    format!("{key}.indicator"),
                    anchor.clone(),
                    "按计划完工月份推进的，须写计划指标（indicator，计划完成量的指标）".into(),
                ),
            },
            ScheduleKind::Linear | ScheduleKind::YearEnd => {}
        }
        if schedule.assumed && schedule.source.trim().is_empty() {
            p.push(format!("{key}.source"), anchor.clone(), "暂定的进度安排（进度暂定，assumed = true）须写明进度依据（source）".into());
        }
    }
}

/// What is wrong with a filter on `form`, if anything.
fn filter_problem(form: &Form, filter: &RowFilter) -> Option<String> {
    let Some(col) = form.column(&filter.column) else { return Some(format!("筛选列“{}”不在表 {} 中", filter.column, form.id)) };
    match (&filter.equals, filter.not_after.as_deref()) {
        (Some(_), Some(_)) | (None, None) => Some("筛选条件须写 equals 或 not_after 之一".into()),
        (Some(e), None) if !col.categories.is_empty() && !col.categories.contains(e) => {
            Some(format!("筛选值“{e}”不是列“{}”的可选值（{}）", col.name, col.categories.join("、")))
        }
        (Some(e), None) if col.kind == ColumnKind::YesNo && !["是", "否"].contains(&e.as_str()) => {
            Some(format!("是/否列“{}”的筛选值只能是“是”或“否”", col.name))
        }
        (None, Some(_)) if !matches!(col.kind, ColumnKind::Date | ColumnKind::Month) => {
            Some(format!("not_after 只能用于日期或月份列，“{}”不是", col.name))
        }
        (None, Some(d)) if d != THIS_MONTH && NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() => {
            Some(format!("not_after“{d}”应写成 2024-03-31 或“{THIS_MONTH}”"))
        }
        _ => None,
    }
}

fn quoted(key: &str, value: &str) -> String {
    format!("{key} = \"{value}\"")
}

/// Text `plan new` leaves to be filled in: `（条款）`, `（请粘贴方案原文…）`.
fn is_placeholder(text: &str) -> bool {
    let text = text.trim();
    text.starts_with('（') && text.ends_with('）') && (text.contains('请') || text == "（条款）")
}
