//! A plan as text for the terminal (`zhenxing plan show`): every target with its clause, kind,
//! value as the document states it, timing and lead units, aligned for CJK terminals.

use super::{Plan, TargetKind, Timing};
use crate::text::display_width;

impl Plan {
    /// The targets as a text table, aligned for CJK terminals.
    pub fn show(&self) -> String {
        let plan = self;
        let mut out =
            format!("{} {}年 乡村振兴重点目标（方案 {}）\n{}\n\n", plan.plan.district_full, plan.plan.year, plan.plan.id, plan.plan.title);
        let header = ["编号", "条款", "类型", "目标（指标）", "目标值", "期限/进度", "牵头单位"];
        let mut rows: Vec<Vec<String>> = Vec::new();
        for t in &plan.targets {
            let unit = t.indicator.as_deref().and_then(|i| plan.indicator(i)).map(|i| i.unit.clone()).unwrap_or_default();
            let value = match t.kind {
                TargetKind::Baseline => {
                    t.baseline.map(|b| format!("≥ {} {unit}（{}）", crate::text::fmt(b), t.baseline_label)).unwrap_or_default()
                }
                TargetKind::Tracked | TargetKind::Qualitative | TargetKind::Ongoing => "—".to_string(),
                TargetKind::Milestones => t.stated.clone(),
                _ => t.value.map(|v| format!("{} {unit}", crate::text::fmt(v))).unwrap_or_default(),
            };
            let value = if !t.stated.is_empty() && !matches!(t.kind, TargetKind::Milestones) && value != "—" {
                format!("{value}（{}）", t.stated)
            } else {
                value
            };
            let when = match t.kind {
                TargetKind::Milestones => t
                    .milestones
                    .iter()
                    .map(|m| format!("{}前{}", m.by.format("%m-%d"), crate::text::fmt(m.value)))
                    .collect::<Vec<_>>()
                    .join(" "),
                TargetKind::AtLeast | TargetKind::Count => match plan.schedule(t).map(|s| (s.timing, s.assumed)) {
                    Some((Timing::Linear { start, due }, _)) => format!("{}—{}均匀推进", start.format("%m-%d"), due.format("%m-%d")),
                    Some((Timing::Curve { due, .. }, assumed)) => format!(
                        "{}，{}前完成{}",
                        t.schedule
                            .as_ref()
                            .and_then(|s| s.curve.as_deref())
                            .and_then(|c| plan.curves.iter().find(|x| x.id == c))
                            .map(|c| c.name.as_str())
                            .unwrap_or("季节曲线"),
                        due.format("%m-%d"),
                        if assumed { "（暂定）" } else { "" }
                    ),
                    Some((Timing::Event { due }, assumed)) => {
                        format!("{}月完成{}", due.format("%-m"), if assumed { "（暂定）" } else { "" })
                    }
                    Some((Timing::YearEnd { due }, _)) => format!("年终考核（{}）", due.format("%m-%d")),
                    _ => t.due(plan.plan.year).format("%Y-%m-%d").to_string(),
                },
                TargetKind::Floor | TargetKind::Ceiling => "每月".to_string(),
                _ => String::new(),
            };
            rows.push(vec![
                t.id.clone(),
                t.clause.clone(),
                t.kind.label().to_string(),
                t.name.clone(),
                value,
                when,
                t.lead_units.join("、"),
            ]);
        }
        let widths: Vec<usize> = (0..header.len())
            .map(|c| rows.iter().map(|r| display_width(&r[c])).chain([display_width(header[c])]).max().unwrap_or(0).min(40))
            .collect();
        let line = |cells: Vec<&str>| {
            let mut s = String::new();
            for (c, cell) in cells.iter().enumerate() {
                s.push_str(cell);
                if c + 1 < cells.len() {
                    s.push_str(&" ".repeat(widths[c].saturating_sub(display_width(cell)) + 2));
                }
            }
            s.trim_end().to_string() + "\n"
        };
        out.push_str(&line(header.to_vec()));
        out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str).collect()));
        for row in &rows {
            out.push_str(&line(row.iter().map(String::as_str).collect()));
        }
        let numeric = plan.targets.iter().filter(|t| t.is_numeric()).count();
        out.push_str(&format!("\n共 {} 项目标：量化 {} 项，定性 {} 项。\n", plan.targets.len(), numeric, plan.targets.len() - numeric));
        out.push_str(&self.show_assumed());
        out.push_str(&self.show_allocations());
        out.push_str(&self.show_frequencies());
        out
    }

    /// What is 暂定 (not the document's): schedules and curves, values and baselines, lead units,
    /// each with its reason, as the bulletin will mark them.
    fn show_assumed(&self) -> String {
        let mut lines = Vec::new();
        for t in &self.targets {
            if let Some(schedule) = self.schedule(t).filter(|s| s.assumed) {
                lines.push(format!("  {} {}：序时进度暂定——{}", t.id, t.name, schedule.source));
            }
            if !t.assumption.is_empty() {
                let what = match t.kind {
                    TargetKind::Baseline => "基数",
                    TargetKind::Milestones => "时序节点",
                    _ => "目标值",
                };
                lines.push(format!("  {} {}：{what}暂定——{}", t.id, t.name, t.assumption));
            }
        }
        if !self.plan.lead_units_assumption.is_empty() {
            lines.push(format!("  牵头单位暂定——{}", self.plan.lead_units_assumption));
        }
        if lines.is_empty() {
            return "\n暂定：无（全部按方案文件）。\n".to_string();
        }
        format!("\n暂定（不是方案文件原有的，通报中标“暂定”，共 {} 处）：\n{}\n", lines.len(), lines.join("\n"))
    }

    /// Each target's allocations to the units, their sum against the target.
    fn show_allocations(&self) -> String {
        let lines: Vec<String> = self
            .targets
            .iter()
            .filter(|t| !t.allocations.is_empty())
            .map(|t| {
                let shares: Vec<String> = self
                    .units
                    .iter()
                    .filter_map(|u| t.allocations.get(&u.name).map(|v| format!("{} {}", u.name, crate::text::fmt(*v))))
                    .collect();
                let sum: f64 = t.allocations.values().sum();
                let target = t.value.map(|v| format!("，目标 {}", crate::text::fmt(v))).unwrap_or_default();
                format!("  {} {}：{}；合计 {}{target}", t.id, t.name, shares.join("、"), crate::text::fmt(sum))
            })
            .collect();
        if lines.is_empty() {
            return String::new();
        }
        format!("\n分解任务：\n{}\n", lines.join("\n"))
    }

    /// Figures and ledgers reported other than monthly.
    fn show_frequencies(&self) -> String {
        let mut lines: Vec<String> = self
            .department_list
            .iter()
            .filter(|d| !d.frequency.is_monthly())
            .map(|d| format!("  {}：{}", d.name, d.frequency.label(d.report_month)))
            .collect();
        lines.extend(
            self.targets
                .iter()
                .filter(|t| !t.frequency.is_monthly())
                .map(|t| format!("  {} {}：{}", t.id, t.name, t.frequency.label(t.report_month))),
        );
        if lines.is_empty() {
            return String::new();
        }
        format!("\n非月报（未到报送期不算未报送）：\n{}\n", lines.join("\n"))
    }
}
