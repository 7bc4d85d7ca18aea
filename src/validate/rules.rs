//! The rules for one form table of one file (`TableCheck`): each detail row typed into a
//! `Record` (see `typing`), duplicates counted once, the row's own rules (其中项, 不大于,
//! 应填未填), last month's (累计数小于上月, 大起大落), the 合计 rows against their detail rows,
//! and the villages a village form leaves out.

use std::sync::Arc;

use super::history::{History, TownshipHistory};
use super::{Record, Value};
use crate::ingest::{Cell, FormTable, RowType};
use crate::issue::{Issue, Rule, Severity, a1};
use crate::period::Period;
use crate::plan::{ColumnKind, Form, Measure, Plan, RowKind};
use crate::text::{fmt, normalise, parse_number};
use crate::units;
use crate::{FastMap, FastSet};

/// What checking a form's rows needs from the plan, worked out once per run rather than once
/// per row or cell (a province month checks 2,000 files of four forms).
pub(super) struct FormRules {
    /// The form's id, shared by its records.
    pub(super) id: Arc<str>,
    /// For each column: the column holding its per-row unit (计量单位), if any.
    pub(super) row_unit: Vec<Option<usize>>,
    /// The first column whose categories set the unit (项目类别): its index and its categories'
    /// units, in the plan's order.
    pub(super) category_units: Option<(usize, Vec<CategoryUnit>)>,
    /// For each column: its categories normalised.
    pub(super) categories: Vec<Vec<String>>,
    /// For each column: the column its `required_if` looks at.
    pub(super) required_if: Vec<Option<usize>>,
    /// For each column: the columns it is `part_of` and `not_above`.
    pub(super) limits: Vec<[Option<usize>; 2]>,
    /// For each column: its id as last month's records share it (`History::column`), if any
    /// record of last month has it.
    pub(super) history_ids: Vec<Option<Arc<str>>>,
}

/// A category that sets the unit of a row's numbers (`Column::category_units`).
pub(super) struct CategoryUnit {
    pub(super) normalised: String,
    pub(super) category: String,
    pub(super) unit: String,
}

impl FormRules {
    pub(super) fn new(form: &Form, history: &History) -> FormRules {
        let index_of = |id: &str| form.columns.iter().position(|c| c.id == id);
        let row_unit = form.columns.iter().map(|column| form.columns.iter().position(|c| c.unit_of.contains(&column.id))).collect();
        let category_units = form.columns.iter().enumerate().find(|(_, c)| !c.category_units.is_empty()).map(|(i, c)| {
            let units =
                c.category_units.iter().map(|(k, u)| CategoryUnit { normalised: normalise(k), category: k.clone(), unit: u.clone() });
            (i, units.collect())
        });
        let categories = form.columns.iter().map(|c| c.categories.iter().map(|k| normalise(k)).collect()).collect();
        let required_if = form.columns.iter().map(|c| c.required_if.as_ref().and_then(|f| index_of(&f.column))).collect();
        // The plan's own check makes every `part_of` and `not_above` a column of the form.
        let limit = |id: Option<&str>| id.map(|id| index_of(id).expect("checked by plan"));
        let limits = form.columns.iter().map(|c| [limit(c.part_of.as_deref()), limit(c.not_above.as_deref())]).collect();
        let history_ids = form.columns.iter().map(|c| history.column(&c.id).cloned()).collect();
        FormRules { id: Arc::from(form.id.as_str()), row_unit, category_units, categories, required_if, limits, history_ids }
    }
}

/// The rules for one form table of one file.
pub(super) struct TableCheck<'a> {
    pub(super) plan: &'a Plan,
    pub(super) form: &'a Form,
    pub(super) rules: &'a FormRules,
    /// The unit's villages and their normalised names (empty for a department).
    pub(super) villages: (&'a [&'a str], &'a [String]),
    /// The unit takes any village name (`villages = "any"`).
    pub(super) any_village: bool,
    pub(super) table: &'a FormTable,
    pub(super) file: &'a str,
    pub(super) township: &'a Arc<str>,
    pub(super) period: Period,
    pub(super) previous: Option<&'a TownshipHistory>,
    /// For each column without a per-row unit: the factor from the unit its header states to the
    /// plan's, and the plan's unit (the same for every row of the table).
    pub(super) fixed_units: Vec<UnitFactor>,
}

/// The units a row's 计量单位 columns give (each column, and the factor and unit found), each
/// worked out for the row's first number in that unit.
#[derive(Default)]
pub(super) struct PerRowUnits(pub(super) Vec<(usize, UnitFactor)>);

/// The factor from the unit a number is given in to the plan's, and the unit stored with it.
pub(super) type UnitFactor = (f64, Option<Arc<str>>);

/// The unit factor of each column of a table whose unit is not given per row (see `TableCheck`).
pub(super) fn fixed_units(form: &Form, table: &FormTable) -> Vec<UnitFactor> {
    form.columns
        .iter()
        .zip(&table.columns)
        .map(|(column, found)| {
            let plan_unit = column.unit.as_deref().map(Arc::from);
            match (found.as_ref().and_then(|m| m.unit.as_deref()), column.unit.as_deref()) {
                (Some(found), Some(unit)) => (units::factor(found, unit).unwrap_or(1.0), plan_unit),
                _ => (1.0, plan_unit),
            }
        })
        .collect()
}

impl TableCheck<'_> {
    pub(super) fn issue(&self, rule: Rule, cell: String, value: String, message: String) -> Issue {
        Issue::new(rule, self.file.to_string(), message).at(self.table.sheet.clone(), cell).value(value).of(self.township.to_string())
    }

    pub(super) fn cell_of(&self, row: usize, column: usize) -> String {
        self.table.columns[column].as_ref().map(|m| a1(row, m.index)).unwrap_or_default()
    }

    pub(super) fn run(&self, records: &mut Vec<Record>, issues: &mut Vec<Issue>, cap: &mut super::IssueCap) {
        let form = self.form;
        let key_index = form.columns.iter().position(|c| c.kind == ColumnKind::Key).expect("one key column");
        // The row's explanation column (备注/说明), if the form has one.
        let note_index =
            form.columns.iter().position(|c| c.kind == ColumnKind::Text && ["备注", "说明", "进展说明"].contains(&c.name.as_str()));
        let (villages, _) = self.villages;
        let mut detail: Vec<Record> = Vec::new();
        let mut seen_keys: FastMap<String, u32> = FastMap::default();
        let file: Arc<str> = Arc::from(self.file);
        let sheet: Arc<str> = Arc::from(self.table.sheet.as_str());
        let column_units: Vec<Option<Arc<str>>> = form.columns.iter().map(|c| c.unit.as_deref().map(Arc::from)).collect();
        // Sheet columns fit in 16 bits (Excel has 16,384); a wider one is treated as absent.
        let columns: Arc<[Option<u16>]> = self.table.columns.iter().map(|m| m.as_ref().and_then(|m| u16::try_from(m.index).ok())).collect();
        for row in self.table.rows.iter().filter(|r| r.kind == RowType::Detail) {
            let mut values = Vec::with_capacity(form.columns.len());
            let mut row_units = Vec::with_capacity(form.columns.len());
            let mut per_row = PerRowUnits::default();
            for (ci, column_unit) in column_units.iter().enumerate() {
                let (value, unit) = self.typed(ci, &row.cells[ci], row, &mut per_row, issues);
                values.push(value);
                row_units.push(unit.or_else(|| column_unit.clone()));
            }
            let key = match &values[key_index] {
                Value::Text(t) => t.clone(),
                _ => {
                    issues.push(self.issue(
                        Rule::MissingKey,
                        self.cell_of(row.row, key_index),
                        String::new(),
                        format!("第 {} 行有数据但没有填写“{}”，请补上", row.row + 1, form.columns[key_index].name),
                    ));
                    continue;
                }
            };
            if let Some(&first) = seen_keys.get(&key) {
                // A village or project entered twice would count twice: only its first row is
                // counted, and the warning names both rows.
                let what = if form.row_kind == RowKind::Village { "村（社区）" } else { "项目" };
                let message = format!(
                    "{what}“{key}”在第 {first} 行和第 {} 行重复填报，汇总只计第 {first} 行，第 {} 行未计入；请删除重复行（如确为两个项目，请改用不同名称）",
                    row.row + 1,
                    row.row + 1
                );
                issues.push(self.issue(Rule::DuplicateRow, self.cell_of(row.row, key_index), key.clone(), message));
                continue;
            }
            seen_keys.insert(key.clone(), row.row as u32 + 1);
            let record = Record {
                township: self.township.clone(),
                form: self.rules.id.clone(),
                row: row.row as u32 + 1,
                key,
                values,
                units: row_units,
                columns: columns.clone(),
                file: file.clone(),
                sheet: sheet.clone(),
            };
            let before = issues.len();
            self.row_rules(&record, issues);
            self.history_rules(&record, issues);
            // A warning on a row whose 备注/说明 explains it is 已说明.
            if let Some(note) = note_index.and_then(|i| record.values[i].text()).map(str::trim).filter(|t| !t.is_empty()) {
                for issue in issues[before..].iter_mut().filter(|i| i.severity() == Severity::Warning) {
                    issue.explanation = note.to_string();
                }
            }
            detail.push(record);
            if issues.len() >= super::IssueCap::COMPACT_AT {
                cap.compact(issues);
            }
        }
        self.total_rules(&detail, issues);
        if form.row_kind == RowKind::Village && !villages.is_empty() {
            let reported: FastSet<&str> = detail.iter().map(|r| r.key.as_str()).collect();
            let missing: Vec<&str> = villages.iter().copied().filter(|v| !reported.contains(v)).collect();
            if !missing.is_empty() {
                let header = self.table.columns[key_index].as_ref().map(|m| a1(self.table.header_row, m.index)).unwrap_or_default();
                issues.push(self.issue(
                    Rule::VillageNotReported,
                    header,
                    missing.join("、"),
                    format!("以下村（社区）没有填报：{}。请每个村（社区）填一行，没有数据的填 0", missing.join("、")),
                ));
            }
        }
        self.dropped_rows(&detail, key_index, issues);
        records.extend(detail);
    }

    /// W14: projects or registry items of last month with no row this month. Their figures
    /// leave the totals without anything else saying so (a count or cumulative figure goes
    /// down), so the township is asked, at the key column's header. Not in January: a new
    /// year's lists may drop last year's finished projects.
    fn dropped_rows(&self, detail: &[Record], key_index: usize, issues: &mut Vec<Issue>) {
        if self.form.row_kind != RowKind::Project || self.period.month == 1 {
            return;
        }
        let Some(last_keys) = self.previous.and_then(|p| p.keys(&self.form.id)) else { return };
        let reported: FastSet<&str> = detail.iter().map(|r| r.key.as_str()).collect();
        let mut dropped: Vec<&str> = last_keys.filter(|k| !reported.contains(k)).collect();
        if dropped.is_empty() {
            return;
        }
        dropped.sort_unstable();
        const SHOWN: usize = 20;
        let list =
            if dropped.len() > SHOWN { format!("{} 等 {} 个", dropped[..SHOWN].join("、"), dropped.len()) } else { dropped.join("、") };
        let header = self.table.columns[key_index].as_ref().map(|m| a1(self.table.header_row, m.index)).unwrap_or_default();
        let key_name = &self.form.columns[key_index].name;
        issues.push(self.issue(
            Rule::RowDropped,
            header,
            list.clone(),
            format!(
                "上月已填报、本月表中没有的“{key_name}”：{list}。这些行上月的数据本月不计入汇总，累计数会因此减少；漏填的请补上，已撤销、合并或改名的请在报送时说明"
            ),
        ));
    }

    fn row_rules(&self, record: &Record, issues: &mut Vec<Issue>) {
        for (ci, column) in self.form.columns.iter().enumerate() {
            // 完工日期 blank where 主体工程完工 = 是: the row cannot be judged on time.
            if let Some(filter) = &column.required_if
                && record.values[ci] == Value::Missing
                && let Some(fi) = self.rules.required_if[ci]
                && filter.passes(record.values[fi].text(), self.period)
            {
                let condition = filter.describe(&self.form.columns[fi].name);
                issues.push(self.issue(
                    Rule::ConditionalBlank,
                    record.cell(ci),
                    String::new(),
                    format!("{}：{condition}，应填“{}”，否则无法判断是否按期", record.key, column.name),
                ));
            }
        }
        for (ci, column) in self.form.columns.iter().enumerate() {
            let Some(value) = record.values[ci].number() else { continue };
            for (other, rule) in self.rules.limits[ci].iter().zip([Rule::PartAboveTotal, Rule::AboveLimit]) {
                let Some(oi) = *other else { continue };
                let Some(limit) = record.values[oi].number() else { continue };
                if value > limit + 1e-9 {
                    let message = match rule {
                        Rule::PartAboveTotal => format!(
                            "“{}”{}大于“{}”{}，其中项不能大于总项，请核实",
                            column.header(),
                            fmt(value),
                            self.form.columns[oi].header(),
                            fmt(limit)
                        ),
                        _ => format!(
                            "“{}”{}大于“{}”{}，请核实是否填错",
                            column.header(),
                            fmt(value),
                            self.form.columns[oi].header(),
                            fmt(limit)
                        ),
                    };
                    issues.push(self.issue(rule, record.cell(ci), fmt(value), format!("{}：{message}", record.key)));
                }
            }
        }
    }

    fn history_rules(&self, record: &Record, issues: &mut Vec<Issue>) {
        let Some(last_month) = self.previous.and_then(|p| p.record(&self.form.id, &record.key)) else { return };
        let thresholds = &self.plan.thresholds;
        for (ci, column) in self.form.columns.iter().enumerate() {
            // Last month's column ids are shared (`History::column`): found by pointer.
            let Some(id) = &self.rules.history_ids[ci] else { continue };
            let Some(last) = last_month.iter().find(|(c, _)| Arc::ptr_eq(c, id)).map(|(_, v)| *v) else { continue };
            if column.ordered {
                let stage = record.values[ci].text().and_then(|t| column.categories.iter().position(|c| c == t));
                if let Some(stage) = stage
                    && (stage as f64) < last
                    && let Some(before) = column.categories.get(last as usize)
                {
                    let now = &column.categories[stage];
                    issues.push(self.issue(
                        Rule::StageBack,
                        record.cell(ci),
                        now.clone(),
                        format!(
                            "{}：“{}”上月为“{before}”，本月为“{now}”，请核实；确有反复的请在进展说明中写明原因",
                            record.key, column.name
                        ),
                    ));
                }
                continue;
            }
            let Some(value) = record.values[ci].number() else { continue };
            if column.measure == Measure::Ytd && self.period.month != 1 && value + 1e-9 < last {
                issues.push(self.issue(
                    Rule::BelowLastMonth,
                    record.cell(ci),
                    fmt(value),
                    format!("{}：“{}”为本年累计数，本月 {} 小于上月 {}，请核实", record.key, column.header(), fmt(value), fmt(last)),
                ));
            } else if column.measure == Measure::Stock {
                let change = value - last;
                if change.abs() > thresholds.jump_min_abs.max(thresholds.jump_ratio * last.abs()) {
                    issues.push(self.issue(
                        Rule::Jump,
                        record.cell(ci),
                        fmt(value),
                        format!(
                            "{}：“{}”本月 {}，上月 {}，变动 {:+.1}%，超过 {:.0}% 的预警线，请核实",
                            record.key,
                            column.header(),
                            fmt(value),
                            fmt(last),
                            if last != 0.0 { change / last * 100.0 } else { 100.0 },
                            thresholds.jump_ratio * 100.0
                        ),
                    ));
                }
            }
        }
    }

    fn total_rules(&self, detail: &[Record], issues: &mut Vec<Issue>) {
        let tolerance = self.plan.thresholds.total_tolerance;
        // A 小计 closes the detail rows since the previous 合计/小计 row; a 合计 (or a 小计 with no
        // rows above it) covers every detail row.
        let mut previous_total: Option<usize> = None;
        for total in self.table.rows.iter().filter(|r| r.kind == RowType::Total) {
            let is_subtotal = total.cells.iter().any(|c| matches!(c, Cell::Text(t) if normalise(t).ends_with("小计")));
            let since = previous_total.map_or(0, |r| r + 1);
            previous_total = Some(total.row);
            let closed: Vec<&Record> = detail.iter().filter(|r| (since..total.row).contains(&(r.row as usize - 1))).collect();
            let covered: Vec<&Record> = if is_subtotal && !closed.is_empty() { closed } else { detail.iter().collect() };
            for (ci, column) in self.form.columns.iter().enumerate() {
                if column.kind != ColumnKind::Number || self.form.columns.iter().any(|c| c.unit_of.contains(&column.id)) {
                    continue;
                }
                let found = match &total.cells[ci] {
                    Cell::Number(n) => Some(*n),
                    other => parse_number(&other.text()).ok().flatten(),
                };
                let Some(found) = found else { continue };
                let factor = self.table.columns[ci]
                    .as_ref()
                    .and_then(|m| m.unit.as_deref())
                    .zip(column.unit.as_deref())
                    .and_then(|(from, to)| units::factor(from, to))
                    .unwrap_or(1.0);
                let found = found * factor;
                let sum: f64 = covered.iter().filter_map(|r| r.values[ci].number()).sum();
                if (found - sum).abs() > tolerance * sum.abs().max(1.0) + 0.01 {
                    issues.push(self.issue(
                        Rule::TotalMismatch,
                        self.cell_of(total.row, ci),
                        fmt(found),
                        format!(
                            "合计行“{}”为 {}，明细各行之和为 {}（相差 {}），请核对；汇总以明细为准",
                            column.header(),
                            fmt(found),
                            fmt(sum),
                            fmt(found - sum)
                        ),
                    ));
                }
            }
        }
    }
}
