//! The plan workbook's sheets read back into a plan (`plan_from_sheets`): each sheet found by its
//! name, its columns by their headers (in any order), each cell typed, every problem at its
//! cell; then `Plan::check`, its problems placed at their cells too (`locate`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::locate::Located;
use super::write::{BASIC_FACTS, Definitions, TARGET_COLUMNS};
use super::*;
use crate::issue::a1;
use crate::plan::{
    Department, Milestone, Phase, Plan, PlanMeta, ReportSettings, ReportingUnit, Schedule, Target, Thresholds, UnitKind, Villages,
};
use crate::text::normalise;

/// What reading found: problems at their cells, and where each part of the plan came from.
pub(super) struct Reading<'s> {
    pub(super) sheets: &'s [ReadSheet],
    pub(super) problems: Vec<BookProblem>,
    pub(super) located: Located,
}

/// One data sheet: its rows below the header, and each expected header's column.
pub(super) struct Table<'s> {
    pub(super) name: &'static str,
    /// (0-based sheet row, cells).
    pub(super) rows: Vec<(usize, &'s [BookCell])>,
    /// Normalised header → column.
    pub(super) columns: BTreeMap<String, usize>,
    /// The header row as typed (分解任务 reads a target's id before the space of its header).
    pub(super) headers: &'s [BookCell],
}

impl Table<'_> {
    /// The column of a header, if the sheet has it.
    pub(super) fn column(&self, header: &str) -> Option<usize> {
        self.columns.get(&normalise(header)).copied()
    }

    fn cell<'c>(&self, cells: &'c [BookCell], header: &str) -> &'c BookCell {
        self.column(header).and_then(|c| cells.get(c)).unwrap_or(&BookCell::Empty)
    }

    fn text(&self, cells: &[BookCell], header: &str) -> String {
        self.cell(cells, header).as_text()
    }

    /// A1 of the cell under `header` in sheet row `row`.
    pub(super) fn at(&self, row: usize, header: &str) -> String {
        self.column(header).map(|c| a1(row, c)).unwrap_or_default()
    }
}

impl<'s> Reading<'s> {
    /// A sheet by its name, however its spaces and brackets are typed.
    fn find_sheet(&self, name: &str) -> Option<&'s ReadSheet> {
        self.sheets.iter().find(|s| normalise(&s.name) == normalise(name))
    }

    /// `find_sheet`, or a problem naming the missing sheet (`holds`: what it holds, in brackets).
    fn sheet(&mut self, name: &'static str, holds: &str) -> Option<&'s ReadSheet> {
        let found = self.find_sheet(name);
        if found.is_none() {
            let message = format!("找不到工作表“{name}”{holds}：请用 zhenxing plan new 或 plan export 生成的方案表，不要删除或改名工作表");
            self.problem(name, String::new(), message);
        }
        found
    }

    fn problem(&mut self, sheet: &str, cell: String, message: String) {
        self.problems.push(BookProblem { sheet: sheet.to_string(), cell, message, warning: false });
    }

    /// A data sheet by name, its header found in the first rows by its first header; `None` (and
    /// a problem) when the sheet or its header is missing.
    fn table(&mut self, name: &'static str, first_header: &str) -> Option<Table<'s>> {
        let sheet = self.sheet(name, "")?;
        let wanted = normalise(first_header);
        let Some(header) = sheet.rows.iter().take(10).position(|r| r.iter().any(|c| normalise(&c.as_text()) == wanted)) else {
            self.problem(name, String::new(), format!("找不到表头“{first_header}”（应在前几行）"));
            return None;
        };
        let columns =
            sheet.rows[header].iter().enumerate().map(|(c, cell)| (normalise(&cell.as_text()), c)).filter(|(h, _)| !h.is_empty()).collect();
        let rows = sheet
            .rows
            .iter()
            .enumerate()
            .skip(header + 1)
            .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
            .map(|(i, r)| (i, r.as_slice()))
            .collect();
        Some(Table { name, rows, columns, headers: &sheet.rows[header] })
    }

    fn number(&mut self, table: &Table<'_>, row: usize, cells: &[BookCell], header: &str) -> Option<f64> {
        match table.cell(cells, header) {
            BookCell::Empty => None,
            BookCell::Number(n) => Some(*n),
            BookCell::Text(t) if t.trim().is_empty() => None,
            BookCell::Text(t) => match crate::text::parse_number(t) {
                Ok(Some(n)) => Some(n),
                _ => {
                    let hint = match crate::units::in_base_unit(t) {
                        Some((n, unit)) => {
                            format!("；“{t}”即 {}{unit}，请填 {}，并在“原文表述”中写“{t}”", crate::text::fmt(n), crate::text::fmt(n))
                        }
                        None => String::new(),
                    };
                    self.problem(table.name, table.at(row, header), format!("“{header}”应填数字，现为“{t}”{hint}"));
                    None
                }
            },
        }
    }

    fn whole(
        &mut self,
        table: &Table<'_>,
        row: usize,
        cells: &[BookCell],
        header: &str,
        range: std::ops::RangeInclusive<u32>,
    ) -> Option<u32> {
        let value = self.number(table, row, cells, header)?;
        if value.fract() == 0.0 && range.contains(&(value as u32)) && value >= 0.0 {
            Some(value as u32)
        } else {
            self.problem(
                table.name,
                table.at(row, header),
                format!("“{header}”应为 {} 到 {} 的整数，现为 {value}", range.start(), range.end()),
            );
            None
        }
    }

    fn date(&mut self, table: &Table<'_>, row: usize, cells: &[BookCell], header: &str) -> Option<NaiveDate> {
        let cell = table.cell(cells, header);
        if cell.is_empty() {
            return None;
        }
        let parsed = match cell {
            BookCell::Number(n) => excel_date(*n),
            other => {
                let text = other.as_text();
                let digits: Vec<u32> =
                    text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect();
                match digits.as_slice() {
                    [y, m, d] => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
                    _ => None,
                }
            }
        };
        if parsed.is_none() {
            self.problem(table.name, table.at(row, header), format!("“{header}”应写成日期，如 2025-03-31，现为“{}”", cell.as_text()));
        }
        parsed
    }

    fn choice<T>(
        &mut self,
        table: &Table<'_>,
        row: usize,
        cells: &[BookCell],
        header: &str,
        parse: impl Fn(&str) -> Option<T>,
        choices: &str,
    ) -> Option<T> {
        let text = table.text(cells, header);
        if text.is_empty() {
            return None;
        }
        let value = parse(&text);
        if value.is_none() {
            self.problem(table.name, table.at(row, header), format!("“{header}”只能填：{choices}；现为“{text}”"));
        }
        value
    }
}

/// An Excel date serial as a date (what a date cell holds when it is read as a number).
fn excel_date(serial: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    (serial.fract() == 0.0 && (1.0..200_000.0).contains(&serial)).then(|| base + chrono::Duration::days(serial as i64))
}

/// The plan a plan workbook holds, or every problem found (errors; warnings come with a plan).
pub fn plan_from_sheets(sheets: &[ReadSheet]) -> Result<(Plan, Vec<BookProblem>), Vec<BookProblem>> {
    let mut reading = Reading { sheets, problems: Vec::new(), located: Located::default() };
    let (meta, thresholds, report) = read_basics(&mut reading);
    let phases = read_phases(&mut reading);
    let mut units = read_units(&mut reading);
    read_villages(&mut reading, &mut units);
    let department_list = read_departments(&mut reading);
    let mut targets = read_targets(&mut reading);
    read_allocations(&mut reading, &units, &mut targets);
    let definitions = read_definitions(&mut reading);
    let (Some(meta), Some(definitions)) = (meta, definitions) else { return Err(reading.problems) };
    let mut plan = Plan {
        plan: meta,
        thresholds,
        phases,
        curves: definitions.curves,
        units,
        department_list,
        forms: definitions.forms,
        indicators: definitions.indicators,
        targets,
        checks: definitions.checks,
        report,
        digest: String::new(),
        wording: Default::default(),
    };
    plan.digest = plan.content_digest();
    // The plan's own checks run even when some cells could not be read, so that one round of
    // `plan check` lists every problem; a row with a cell that could not be read is left to
    // that cell's message (what the check says of it follows from the cell).
    let unreadable: BTreeSet<(String, String)> =
        reading.problems.iter().filter(|p| !p.warning).map(|p| (p.sheet.clone(), row_of(&p.cell))).collect();
    let mut found = reading.problems.clone();
    for problem in plan.check().iter().map(|p| reading.located.problem(p, sheets)) {
        if !unreadable.contains(&(problem.sheet.clone(), row_of(&problem.cell))) {
            found.push(problem);
        }
    }
    if found.iter().any(|p| !p.warning) { Err(found) } else { Ok((plan, found)) }
}

/// The row part of an A1 reference (`G3` → `3`); empty for a whole sheet.
fn row_of(cell: &str) -> String {
    cell.chars().filter(char::is_ascii_digit).collect()
}

fn read_basics(reading: &mut Reading<'_>) -> (Option<PlanMeta>, Thresholds, ReportSettings) {
    let defaults = (Thresholds::default(), ReportSettings::default());
    let Some(table) = reading.table(BASICS, "项目") else { return (None, defaults.0, defaults.1) };
    // 项目 → (row, its 内容 cell).
    let mut facts: BTreeMap<String, (usize, &BookCell)> = BTreeMap::new();
    for (row, cells) in &table.rows {
        let name = table.text(cells, "项目");
        facts.insert(normalise(&name), (*row, table.cell(cells, "内容")));
    }
    let content = table.column("内容").unwrap_or(1);
    for (name, _) in BASIC_FACTS {
        reading.located.basics.insert(name, facts.get(&normalise(name)).map(|(row, _)| a1(*row, content)).unwrap_or_default());
    }
    let cell = |name: &str| facts.get(&normalise(name)).map(|(_, c)| (*c).clone()).unwrap_or(BookCell::Empty);
    let text = |name: &str| cell(name).as_text();
    // Typed facts, each checked at its cell.
    let fake = Table { name: BASICS, rows: Vec::new(), columns: BTreeMap::from([(normalise("内容"), 0)]), headers: &[] };
    let number = |reading: &mut Reading<'_>, name: &str| -> Option<f64> {
        let row = facts.get(&normalise(name)).map(|(r, _)| *r).unwrap_or(0);
        let cells = [cell(name)];
        let value = reading.number(&fake, row, &cells, "内容");
        // Problems name the fact, not the 内容 column.
        if let Some(last) = reading.problems.last_mut()
            && last.sheet == BASICS
            && last.message.starts_with("“内容”")
        {
            last.message = last.message.replacen("“内容”", &format!("“{name}”"), 1);
            last.cell = a1(row, content);
        }
        value
    };
    let year = number(reading, "年度");
    let deadline_day = number(reading, "报送截止日");
    let mut thresholds = defaults.0;
    let mut report = defaults.1;
    let set = |reading: &mut Reading<'_>, name: &str, slot: &mut f64| {
        if let Some(v) = number(reading, name) {
            *slot = v;
        }
    };
    set(reading, "严重滞后（百分点）", &mut thresholds.severe_lag_pp);
    set(reading, "大起大落比例", &mut thresholds.jump_ratio);
    set(reading, "大起大落最小变动", &mut thresholds.jump_min_abs);
    set(reading, "合计行容差", &mut thresholds.total_tolerance);
    set(reading, "缺报占比（%）", &mut thresholds.missing_share);
    if let Some(v) = number(reading, "沿用月数") {
        thresholds.carry_months = v as u32;
    }
    if let Some(v) = number(reading, "专题明细行数上限") {
        report.topic_detail_rows = v as usize;
    }
    let level_text = text("级别");
    let level = (!level_text.is_empty()).then(|| crate::plan::Level::parse(&level_text)).flatten();
    if !level_text.is_empty() && level.is_none() {
        let cell = reading.located.basics["级别"].clone();
        reading.problem(BASICS, cell, format!("“级别”只能填：区、县、县级市、旗；现为“{level_text}”"));
    }
    let issued_cells = [cell("印发日期")];
    let issued_row = facts.get(&normalise("印发日期")).map(|(r, _)| *r).unwrap_or(0);
    let issued = reading.date(&fake, issued_row, &issued_cells, "内容");
    for (name, required) in [("方案编号", true), ("县（市、区、旗）名称", true), ("全称", true), ("方案标题", true)] {
        if required && text(name).is_empty() {
            let cell = reading.located.basics[name].clone();
            reading.problem(BASICS, cell, format!("缺少“{name}”"));
        }
    }
    let Some(year) = year else {
        let cell = reading.located.basics["年度"].clone();
        reading.problem(BASICS, cell, "缺少“年度”（如 2025）".to_string());
        return (None, thresholds, report);
    };
    let meta = PlanMeta {
        id: text("方案编号"),
        district: text("县（市、区、旗）名称"),
        district_full: text("全称"),
        level,
        code: text("区划代码"),
        year: year as i32,
        title: text("方案标题"),
        document_no: text("文号"),
        issued_by: text("印发单位"),
        issued,
        office: text("办公室"),
        submission_deadline_day: deadline_day.map(|d| d as u32),
        lead_units_assumption: text("牵头单位暂定说明"),
    };
    (Some(meta), thresholds, report)
}

fn read_phases(reading: &mut Reading<'_>) -> Vec<Phase> {
    let Some(table) = reading.table(PHASES, "阶段名称") else { return Vec::new() };
    let mut phases = Vec::new();
    for (row, cells) in &table.rows {
        let role = reading.choice(&table, *row, cells, "作用", super::parse_phase_role, "安排部署、集中实施、考核验收");
        let (start, end) = (reading.date(&table, *row, cells, "开始日期"), reading.date(&table, *row, cells, "结束日期"));
        reading.located.phases.push(*row);
        match (role, start, end) {
            (Some(role), Some(start), Some(end)) => phases.push(Phase { name: table.text(cells, "阶段名称"), role, start, end }),
            _ => reading.problem(PHASES, a1(*row, 0), "阶段须写明作用、开始日期和结束日期".to_string()),
        }
    }
    phases
}

fn read_units(reading: &mut Reading<'_>) -> Vec<ReportingUnit> {
    let Some(table) = reading.table(UNITS, "名称") else { return Vec::new() };
    let mut units = Vec::new();
    let kinds: Vec<&str> = UnitKind::ALL.iter().map(|k| unit_kind_label(*k)).collect();
    for (row, cells) in &table.rows {
        let name = table.text(cells, "名称");
        if name.is_empty() {
            reading.problem(UNITS, table.at(*row, "名称"), "缺少单位名称".to_string());
            continue;
        }
        let kind = reading.choice(&table, *row, cells, "类型", UnitKind::parse, &kinds.join("、"));
        // The kind is kept only where the name does not say it (`UnitKind::from_name`).
        let kind = kind.filter(|k| *k != UnitKind::from_name(&name));
        let any =
            reading.choice(&table, *row, cells, "村名单", |t| [LISTED, ANY_VILLAGE].iter().position(|c| *c == t), "名录、不限") == Some(1);
        reading.located.units.push(*row);
        units.push(ReportingUnit {
            name,
            kind,
            code: table.text(cells, "区划代码"),
            aliases: split_list(&table.text(cells, "别名")),
            villages: if any { Villages::Any } else { Villages::Listed(Vec::new()) },
        });
    }
    units
}

fn read_villages(reading: &mut Reading<'_>, units: &mut [ReportingUnit]) {
    let Some(table) = reading.table(VILLAGES, "村（社区）") else { return };
    let unit_column = *table.columns.iter().find(|(h, _)| h.starts_with("所属")).map(|(_, c)| c).unwrap_or(&0);
    for (row, cells) in &table.rows {
        let unit = cells.get(unit_column).map(BookCell::as_text).unwrap_or_default();
        let village = table.text(cells, "村（社区）");
        match units.iter_mut().find(|u| u.name == unit) {
            Some(u) => match &mut u.villages {
                Villages::Listed(names) if !village.is_empty() => names.push(village),
                Villages::Listed(_) => reading.problem(VILLAGES, table.at(*row, "村（社区）"), "缺少村（社区）名称".to_string()),
                Villages::Any => reading.problem(
                    VILLAGES,
                    a1(*row, unit_column),
                    format!("“{unit}”在单位表中村名单为“不限”，这里却列了村名：请把村名单改为“名录”，或删去这些行"),
                ),
            },
            None => reading.problem(VILLAGES, a1(*row, unit_column), format!("“{unit}”不是单位表中的单位")),
        }
    }
}

fn read_departments(reading: &mut Reading<'_>) -> Vec<Department> {
    let Some(table) = reading.table(DEPARTMENTS, "名称") else { return Vec::new() };
    let mut departments = Vec::new();
    for (row, cells) in &table.rows {
        let frequency = reading.choice(&table, *row, cells, "报送频次", parse_frequency, "月报、季报、年报").unwrap_or_default();
        let report_month = reading.whole(&table, *row, cells, "年报月份", 1..=12);
        reading.located.departments.push(*row);
        departments.push(Department {
            name: table.text(cells, "名称"),
            aliases: split_list(&table.text(cells, "别名")),
            frequency,
            report_month,
        });
    }
    departments
}

fn read_targets(reading: &mut Reading<'_>) -> Vec<Target> {
    let Some(table) = reading.table(TARGETS, "编号") else { return Vec::new() };
    reading.located.target_columns = TARGET_COLUMNS.iter().map(|h| (*h, table.column(h))).collect();
    let kinds: Vec<&str> = TARGET_KINDS.iter().map(|k| k.label()).collect();
    let schedules: Vec<&str> = SCHEDULE_KINDS.iter().map(|k| schedule_kind_label(*k)).collect();
    let mut targets = Vec::new();
    for (row, cells) in &table.rows {
        let (row, text) = (*row, |h: &str| table.text(cells, h));
        let optional = |h: &str| Some(table.text(cells, h)).filter(|t| !t.is_empty());
        let Some(kind) = reading.choice(&table, row, cells, "类型", parse_target_kind, &kinds.join("、")) else {
            if table.text(cells, "类型").is_empty() {
                reading.problem(TARGETS, table.at(row, "类型"), "缺少目标类型".to_string());
            }
            continue;
        };
        let schedule_kind = reading.choice(&table, row, cells, "进度安排", parse_schedule_kind, &schedules.join("、"));
        let schedule = schedule_kind.map(|kind| Schedule {
            kind,
            start: reading.date(&table, row, cells, "进度开始"),
            due: reading.date(&table, row, cells, "进度截止"),
            curve: optional("进度曲线"),
            month: reading.whole(&table, row, cells, "计划月份", 1..=12),
            indicator: optional("计划指标"),
            assumed: text("进度暂定") == "是",
            source: text("进度依据"),
        });
        let milestones = read_milestones(reading, &table, row, &text("时序节点"));
        reading.located.targets.push(row);
        targets.push(Target {
            id: text("编号"),
            clause: text("条款"),
            task: text("重点任务"),
            name: text("目标名称"),
            kind,
            indicator: optional("指标"),
            value: reading.number(&table, row, cells, "目标值"),
            stated: text("原文表述"),
            deadline: reading.date(&table, row, cells, "完成时限"),
            milestones,
            baseline: reading.number(&table, row, cells, "基数"),
            baseline_label: text("基数说明"),
            allocations: BTreeMap::new(),
            lead_units: split_list(&text("牵头单位")),
            responsible_units: split_list(&text("责任单位")),
            quote: text("原文"),
            schedule,
            assumption: text("目标值暂定原因"),
            on_time: optional("按期指标"),
            frequency: reading.choice(&table, row, cells, "报送频次", parse_frequency, "月报、季报、年报").unwrap_or_default(),
            report_month: reading.whole(&table, row, cells, "年报月份", 1..=12),
        });
    }
    targets
}

/// `2025-04-30 35；2025-06-30 55` → milestones.
fn read_milestones(reading: &mut Reading<'_>, table: &Table<'_>, row: usize, text: &str) -> Vec<Milestone> {
    let mut milestones = Vec::new();
    for part in text.split(['；', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let by = words.next().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let value = words.next().and_then(|v| crate::text::parse_number(v.trim_end_matches('%')).ok().flatten());
        match (by, value) {
            (Some(by), Some(value)) => milestones.push(Milestone { by, value }),
            _ => reading.problem(
                TARGETS,
                table.at(row, "时序节点"),
                format!("时序节点“{part}”应写成“日期 数值”，如 2025-04-30 35；多个节点用“；”分隔"),
            ),
        }
    }
    milestones
}

fn read_allocations(reading: &mut Reading<'_>, units: &[ReportingUnit], targets: &mut [Target]) {
    let Some(table) = reading.table(ALLOCATIONS, &first_allocation_header(reading)) else { return };
    // Each column whose header starts with a target's id, before a space, is that target's:
    // `Y09 2024年度高标准农田设计规划（亩）`.
    let mut by_column: Vec<(usize, usize)> = Vec::new();
    for (column, header) in table.headers.iter().enumerate().skip(1) {
        if let Some(t) = targets.iter().position(|t| names_target(&header.as_text(), &t.id)) {
            by_column.push((column, t));
            reading.located.allocation_columns.insert(targets[t].id.clone(), column);
        }
    }
    for (row, cells) in &table.rows {
        let unit = cells.first().map(BookCell::as_text).unwrap_or_default();
        if unit == SUM_ROW || unit == TARGET_ROW {
            continue;
        }
        if !units.iter().any(|u| u.name == unit) {
            reading.problem(ALLOCATIONS, a1(*row, 0), format!("“{unit}”不是单位表中的单位"));
            continue;
        }
        for &(column, t) in &by_column {
            match cells.get(column).unwrap_or(&BookCell::Empty) {
                BookCell::Empty => {}
                BookCell::Number(n) => {
                    targets[t].allocations.insert(unit.clone(), *n);
                }
                BookCell::Text(text) if text.trim().is_empty() => {}
                BookCell::Text(text) => match crate::text::parse_number(text) {
                    Ok(Some(n)) => {
                        targets[t].allocations.insert(unit.clone(), n);
                    }
                    _ => {
                        let hint = match crate::units::in_base_unit(text) {
                            Some((n, unit)) if !unit.is_empty() => {
                                format!("；“{text}”即 {}{unit}，请填 {}", crate::text::fmt(n), crate::text::fmt(n))
                            }
                            _ => String::new(),
                        };
                        reading.problem(ALLOCATIONS, a1(*row, column), format!("分解任务应填数字，按目标值的单位，现为“{text}”{hint}"))
                    }
                },
            }
        }
    }
}

/// Whether an 分解任务 header is target `id`'s column: its first word is the id (full-width
/// letters and spaces as typed are folded), so `T1` is not `T10`'s.
pub(super) fn names_target(header: &str, id: &str) -> bool {
    header.split_whitespace().next().is_some_and(|first| normalise(first) == normalise(id))
}

/// The header of 分解任务's first column (the townships' word varies with the plan).
fn first_allocation_header(reading: &Reading<'_>) -> String {
    reading.find_sheet(ALLOCATIONS).and_then(|s| s.rows.get(HEADER_ROW)).and_then(|r| r.first()).map(BookCell::as_text).unwrap_or_default()
}

fn read_definitions(reading: &mut Reading<'_>) -> Option<Definitions> {
    let sheet = reading.sheet(ADVANCED, "（报表、指标的定义都在其中）")?;
    // The TOML lines as written (not trimmed), below the header.
    let lines: Vec<String> = sheet
        .rows
        .iter()
        .skip(HEADER_ROW + 1)
        .map(|r| match r.first() {
            Some(BookCell::Text(t)) => t.clone(),
            Some(BookCell::Number(n)) => n.to_string(),
            _ => String::new(),
        })
        .collect();
    let text = lines.join("\n");
    reading.located.definitions = text.clone();
    // Punctuation typed on a Chinese keyboard, at the cell of its line.
    let full_width = crate::plan::load::full_width_punctuation_at(&text);
    if !full_width.is_empty() {
        for (line, column, what) in full_width {
            reading.problem(ADVANCED, a1(HEADER_ROW + line, 0), format!("第 {column} 个字符：{what}"));
        }
        return None;
    }
    match toml::from_str::<Definitions>(&text) {
        Ok(definitions) => Some(definitions),
        Err(e) => {
            let line = e.span().map(|s| crate::plan::locate::line_of_offset(&text, s.start)).unwrap_or(1);
            let said = crate::plan::load::syntax_in_chinese(e.message(), text.lines().nth(line - 1).unwrap_or(""))
                .unwrap_or_else(|| crate::plan::load::toml_message_in_chinese(e.message()));
            reading.problem(ADVANCED, a1(HEADER_ROW + line, 0), format!("定义有误：{said}"));
            None
        }
    }
}
