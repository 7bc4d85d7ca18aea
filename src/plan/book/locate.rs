//! Where a problem of `Plan::check` sits in the plan workbook: its key path
//! (`targets[3](T04).value`) turned into the sheet and cell the value came from (目标!G6), and
//! a definition's key path into the row of its TOML line (报表与指标定义!A120).

use std::collections::BTreeMap;

use super::*;
use crate::issue::a1;
use crate::plan::PlanProblem;

/// Where each part of a plan read from a workbook came from (0-based sheet rows and columns).
#[derive(Debug, Default)]
pub(super) struct Located {
    /// 基本信息's fact → its 内容 cell.
    pub(super) basics: BTreeMap<&'static str, String>,
    pub(super) phases: Vec<usize>,
    pub(super) units: Vec<usize>,
    pub(super) departments: Vec<usize>,
    pub(super) targets: Vec<usize>,
    /// 目标's header → its column.
    pub(super) target_columns: BTreeMap<&'static str, Option<usize>>,
    /// A target's id → its column on 分解任务.
    pub(super) allocation_columns: BTreeMap<String, usize>,
    /// The definitions' TOML text (its line n is on row `HEADER_ROW + n`).
    pub(super) definitions: String,
}

/// The 目标 column a target field is read from.
fn target_header(field: &str) -> &'static str {
    match field {
        "id" => "编号",
        "clause" => "条款",
        "task" => "重点任务",
        "name" => "目标名称",
        "kind" => "类型",
        "indicator" => "指标",
        "value" => "目标值",
        "stated" => "原文表述",
        "deadline" => "完成时限",
        "lead_units" => "牵头单位",
        "responsible_units" => "责任单位",
        "quote" => "原文",
        "frequency" => "报送频次",
        "report_month" => "年报月份",
        "baseline" => "基数",
        "baseline_label" => "基数说明",
        "milestones" => "时序节点",
        "start" => "进度开始",
        "due" => "进度截止",
        "curve" => "进度曲线",
        "month" => "计划月份",
        "source" => "进度依据",
        "on_time" => "按期指标",
        "assumption" => "目标值暂定原因",
        _ => "编号",
    }
}

/// The plan section and the index of its item in a key path: `targets[3](T04).value` →
/// (`targets`, 3, [`value`]).
fn section(key: &str) -> (&str, Option<usize>, Vec<&str>) {
    let mut parts = key.split('.');
    let head = parts.next().unwrap_or("");
    let name = head.split(['[', '(']).next().unwrap_or(head);
    let index = head.split_once('[').and_then(|(_, rest)| rest.split(']').next()).and_then(|i| i.parse().ok());
    let rest: Vec<&str> = parts.map(|p| p.split(['[', '(']).next().unwrap_or(p)).collect();
    (name, index, rest)
}

impl Located {
    /// The plan workbook's place of a problem `Plan::check` found.
    pub(super) fn problem(&self, problem: &PlanProblem, _sheets: &[ReadSheet]) -> BookProblem {
        let (sheet, cell) = self.place(&problem.key);
        BookProblem { sheet: sheet.to_string(), cell, message: problem.message.clone(), warning: problem.warning }
    }

    fn place(&self, key: &str) -> (&'static str, String) {
        let (name, index, rest) = section(key);
        let row = |rows: &Vec<usize>| index.and_then(|i| rows.get(i)).copied();
        match name {
            "plan" | "thresholds" | "report" => {
                let fact = match rest.first().copied().unwrap_or("") {
                    "id" => "方案编号",
                    "district" => "县（市、区、旗）名称",
                    "district_full" => "全称",
                    "level" => "级别",
                    "code" => "区划代码",
                    "year" => "年度",
                    "title" => "方案标题",
                    "document_no" => "文号",
                    "issued_by" => "印发单位",
                    "issued" => "印发日期",
                    "office" => "办公室",
                    "submission_deadline_day" => "报送截止日",
                    "lead_units_assumption" => "牵头单位暂定说明",
                    "severe_lag_pp" => "严重滞后（百分点）",
                    "jump_ratio" => "大起大落比例",
                    "jump_min_abs" => "大起大落最小变动",
                    "total_tolerance" => "合计行容差",
                    "carry_months" => "沿用月数",
                    "missing_share" => "缺报占比（%）",
                    "topic_detail_rows" => "专题明细行数上限",
                    _ => "",
                };
                (BASICS, self.basics.get(fact).cloned().unwrap_or_default())
            }
            "phases" => (PHASES, row(&self.phases).map(|r| a1(r, 0)).unwrap_or_default()),
            "units" => (UNITS, row(&self.units).map(|r| a1(r, 1)).unwrap_or_default()),
            "departments" => (DEPARTMENTS, row(&self.departments).map(|r| a1(r, 0)).unwrap_or_default()),
            "targets" => {
                let Some(r) = row(&self.targets) else { return (TARGETS, String::new()) };
                let field = rest.last().copied().unwrap_or("id");
                if field == "allocations" {
                    let id = key.split_once('(').and_then(|(_, rest)| rest.split(')').next()).unwrap_or("");
                    return (ALLOCATIONS, self.allocation_columns.get(id).map(|c| a1(HEADER_ROW, *c)).unwrap_or_default());
                }
                // `schedule` alone (its kind), or one of its fields.
                let header = match (rest.first().copied(), field) {
                    (Some("schedule"), "schedule") => "进度安排",
                    (Some("schedule"), "indicator") => "计划指标",
                    (_, field) => target_header(field),
                };
                let column = self.target_columns.get(header).copied().flatten().unwrap_or(0);
                (TARGETS, a1(r, column))
            }
            _ => {
                // Forms, indicators, curves, checks: their TOML line on the definitions sheet.
                let line = crate::plan::locate::locate_key_path(&self.definitions, key);
                (ADVANCED, line.map(|l| a1(HEADER_ROW + l, 0)).unwrap_or_default())
            }
        }
    }
}
