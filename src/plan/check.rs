//! A plan's cross-reference checks that serde cannot do (`Plan::check`), one function per
//! section of the plan, each problem with its key path (and the line, found by `PlanProblem::locate`).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use super::locate::locate_key_path;
use super::{
    Aggregation, ColumnKind, Direction, Form, PhaseRole, Plan, RESERVED_COLUMN_IDS, Reporter, RowFilter, Schedule, ScheduleKind,
    THIS_MONTH, Target, TargetKind,
};

/// One problem found by `Plan::check`.
#[derive(Debug, Clone)]
pub struct PlanProblem {
    /// Key path, e.g. `targets[3](Y04).indicator`.
    pub key: String,
    /// A line of TOML that identifies the item (`id = "Y04"`), used to find the line number.
    anchor: Option<String>,
    pub message: String,
}

impl PlanProblem {
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

/// The problems found so far, in the order the plan's sections are checked.
#[derive(Default)]
struct Problems(Vec<PlanProblem>);

impl Problems {
    fn push(&mut self, key: String, anchor: Option<String>, message: String) {
        self.0.push(PlanProblem { key, anchor, message });
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
        for (i, unit) in self.units.iter().enumerate() {
            if !seen.insert(unit.name.as_str()) {
                p.push(format!("units[{i}].name"), Some(quoted("name", &unit.name)), format!("填报单位“{}”重复", unit.name));
            }
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
                (Aggregation::Sum, Some(c)) if form.column(c).is_some_and(|c| c.kind == ColumnKind::Number) => {}
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
        for form in &self.forms {
            let anchor = Some(quoted("id", &form.id));
            for column in &form.columns {
                if let Some(filter) = &column.required_if
                    && let Some(message) = filter_problem(form, filter)
                {
                    p.push(format!("forms({}).columns({}).required_if", form.id, column.id), anchor.clone(), message);
                }
            }
            let Some(timing) = &form.timing else { continue };
            let key = format!("forms({}).timing", form.id);
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
        let mut target_ids = BTreeSet::new();
        for (ti, t) in self.targets.iter().enumerate() {
            let key = format!("targets[{ti}]({})", t.id);
            let anchor = Some(quoted("id", &t.id));
            if !target_ids.insert(t.id.as_str()) {
                p.push(format!("{key}.id"), anchor.clone(), format!("目标 id“{}”重复", t.id));
            }
            if t.clause.trim().is_empty() {
                p.push(format!("{key}.clause"), anchor.clone(), "缺少条款引用 clause".into());
            }
            let needs_indicator = !matches!(t.kind, TargetKind::Qualitative);
            match (&t.indicator, needs_indicator) {
                (Some(i), _) if !self.indicators.iter().any(|ind| &ind.id == i) => {
                    p.push(format!("{key}.indicator"), anchor.clone(), format!("indicator“{i}”不是已定义的指标"))
                }
                (None, true) => p.push(format!("{key}.indicator"), anchor.clone(), format!("{} 类目标必须指定 indicator", t.kind.label())),
                _ => {}
            }
            let needs_value =
                matches!(t.kind, TargetKind::AtLeast | TargetKind::Count | TargetKind::Floor | TargetKind::Ceiling | TargetKind::Ratio);
            if needs_value && t.value.is_none() {
                p.push(format!("{key}.value"), anchor.clone(), format!("{} 类目标必须有 value", t.kind.label()));
            }
            if let Some(v) = t.value
                && (!v.is_finite() || v < 0.0)
            {
                p.push(format!("{key}.value"), anchor.clone(), format!("目标值 {v} 不是非负数"));
            }
            if t.kind == TargetKind::Ratio
                && let Some(v) = t.value
                && v <= 1.0
            {
                p.push(format!("{key}.value"), anchor.clone(), format!("比例目标按百分数填写（60% 写 60），现为 {v}"));
            }
            if t.kind == TargetKind::Milestones {
                if t.milestones.is_empty() {
                    p.push(format!("{key}.milestones"), anchor.clone(), "时序进度目标必须列出 milestones".into());
                }
                if let Some(j) = t.milestones.windows(2).position(|w| w[0].by >= w[1].by || w[0].value > w[1].value) {
                    let (before, after) = (&t.milestones[j], &t.milestones[j + 1]);
                    p.push(
                        format!("{key}.milestones[{}]", j + 1),
                        anchor.clone(),
                        format!(
                            "milestones 必须按日期递增且数值不减：{} 的 {} 排在 {} 的 {} 之后",
                            after.by,
                            crate::text::fmt(after.value),
                            before.by,
                            crate::text::fmt(before.value)
                        ),
                    );
                }
                if t.milestones.last().is_some_and(|m| m.value > 0.0) && t.milestones.iter().all(|m| m.value <= 1.0) {
                    p.push(format!("{key}.milestones"), anchor.clone(), "时序进度按百分数填写（35% 写 35），现均不超过 1".into());
                }
            }
            if t.kind == TargetKind::Baseline && t.baseline.is_none() {
                p.push(format!("{key}.baseline"), anchor.clone(), "不低于基数类目标必须有 baseline".into());
            }
            if let Some(d) = t.deadline
                && d.year() != self.plan.year
            {
                p.push(format!("{key}.deadline"), anchor.clone(), format!("deadline {d} 不在方案年度 {} 内", self.plan.year));
            }
            if let Some(schedule) = &t.schedule {
                self.check_schedule(&key, &anchor, t, schedule, p);
            }
            if t.kind == TargetKind::Ceiling
                && let Some(ind) = t.indicator.as_deref().and_then(|i| self.indicator(i))
                && ind.direction != Direction::Lower
            {
                p.push(format!("{key}.indicator"), anchor.clone(), format!("上限（清零）目标的指标“{}”应写 direction = \"lower\"", ind.id));
            }
            for name in t.allocations.keys() {
                if self.unit(name).is_none() {
                    p.push(format!("{key}.allocations"), anchor.clone(), format!("分解到的“{name}”不是填报单位"));
                }
            }
            if t.lead_units.is_empty() {
                p.push(format!("{key}.lead_units"), anchor.clone(), "缺少牵头单位 lead_units".into());
            }
            if let Some(i) = &t.on_time {
                if !self.known_indicator(i) {
                    p.push(format!("{key}.on_time"), anchor.clone(), format!("on_time“{i}”不是已定义的指标"));
                }
                if !matches!(t.kind, TargetKind::AtLeast | TargetKind::Count) {
                    p.push(format!("{key}.on_time"), anchor.clone(), format!("{} 类目标没有期限，不能写 on_time", t.kind.label()));
                }
            }
        }
    }

    /// A target's `schedule`: only where the target is judged over time, dates in the plan year,
    /// and what its kind needs.
    fn check_schedule(&self, key: &str, anchor: &Option<String>, t: &Target, schedule: &Schedule, p: &mut Problems) {
        let key = format!("{key}.schedule");
        if !matches!(t.kind, TargetKind::AtLeast | TargetKind::Count) {
            p.push(key.clone(), anchor.clone(), format!("{} 类目标不按进度考核，不能写 schedule", t.kind.label()));
        }
        for (field, date) in [("start", schedule.start), ("due", schedule.due)] {
            if let Some(d) = date
                && d.year() != self.plan.year
            {
                p.push(format!("{key}.{field}"), anchor.clone(), format!("{field} {d} 不在方案年度 {} 内", self.plan.year));
            }
        }
        if let (Some(start), Some(due)) = (schedule.start, schedule.due)
            && start >= due
        {
            p.push(format!("{key}.start"), anchor.clone(), format!("开始日期 {start} 应早于完成日期 {due}"));
        }
        match schedule.kind {
            ScheduleKind::Curve => match schedule.curve.as_deref() {
                None => p.push(format!("{key}.curve"), anchor.clone(), "curve 类进度必须写 curve（曲线 id）".into()),
                Some(id) if !self.curves.iter().any(|c| c.id == id) => {
                    p.push(format!("{key}.curve"), anchor.clone(), format!("curve“{id}”不是已定义的曲线"))
                }
                _ => {}
            },
            ScheduleKind::Event => {
                if !schedule.month.is_some_and(|m| (1..=12).contains(&m)) {
                    p.push(format!("{key}.month"), anchor.clone(), "event 类进度必须写计划月份 month（1–12）".into());
                }
            }
            ScheduleKind::Planned => match schedule.indicator.as_deref() {
                Some(i) if self.known_indicator(i) => {}
                _ => p.push(format!("{key}.indicator"), anchor.clone(), "planned 类进度必须写 indicator（计划完成量的指标）".into()),
            },
            ScheduleKind::Linear | ScheduleKind::YearEnd => {}
        }
        if schedule.assumed && schedule.source.trim().is_empty() {
            p.push(format!("{key}.source"), anchor.clone(), "暂定的进度安排（assumed = true）必须在 source 中说明依据".into());
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
