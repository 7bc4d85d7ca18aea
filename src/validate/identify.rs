//! Whose a file is and which month it reports: the township from the file name and the
//! 填报单位 lines (a disagreement is an error, an unknown name a warning with the closest
//! suggested), the department of a ledger under `部门/`, and the period in the file name and the
//! 填报月份 lines, which must be the folder's.

use std::collections::HashMap;

use crate::ingest::FileRead;
use crate::issue::{Issue, Rule};
use crate::period::Period;
use crate::plan::Plan;
use crate::text::{closest, normalise};

/// The reporting units' names and aliases, normalised once per validation. A text names the
/// units whose name or alias it contains; each substring of the (short) text is looked up, rather
/// than every unit's names normalised and searched for every file, which grows with the square
/// of the number of townships.
pub(super) struct UnitNames<'p> {
    units: &'p [crate::plan::ReportingUnit],
    /// Every normalised name and alias, searched for at once (aho-corasick, overlapping).
    search: aho_corasick::AhoCorasick,
    /// The units each pattern of `search` names.
    units_of: Vec<Vec<usize>>,
    /// Units with an empty name or alias: contained in every text.
    always: Vec<usize>,
}

impl<'p> UnitNames<'p> {
    pub(super) fn new(plan: &'p Plan) -> UnitNames<'p> {
        let mut patterns: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut units_of: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, unit) in plan.units.iter().enumerate() {
            for name in std::iter::once(&unit.name).chain(&unit.aliases) {
                let n = normalise(name);
                if n.is_empty() {
                    always.push(i);
                    continue;
                }
                let at = *index.entry(n.clone()).or_insert_with(|| {
                    patterns.push(n);
                    units_of.push(Vec::new());
                    patterns.len() - 1
                });
                if !units_of[at].contains(&i) {
                    units_of[at].push(i);
                }
            }
        }
        let search = aho_corasick::AhoCorasick::new(&patterns).expect("unit names make a valid automaton");
        UnitNames { units: &plan.units, search, units_of, always }
    }

    /// The reporting unit a text names: exact, alias, or containing the unit's name; of several,
    /// the one with the longest name (the last in plan order among equals).
    pub(super) fn resolve(&self, text: &str) -> Option<&'p str> {
        let n = normalise(text);
        if n.is_empty() {
            return None;
        }
        let mut found: Vec<usize> = self.always.clone();
        for m in self.search.find_overlapping_iter(&n) {
            found.extend(&self.units_of[m.pattern().as_usize()]);
        }
        found.into_iter().max_by_key(|&i| (self.units[i].name.chars().count(), i)).map(|i| self.units[i].name.as_str())
    }
}

/// Township from the file name and the 填报单位 lines; a disagreement is an error, a name that
/// is no reporting unit a warning with the closest name suggested.
pub(super) fn identify_township(plan: &Plan, names: &UnitNames<'_>, read: &FileRead, issues: &mut Vec<Issue>) -> Option<String> {
    let stem = read.stem();
    let from_name = names.resolve(&stem);
    let mut resolved = from_name.map(|n| (n, "文件名".to_string(), String::new(), String::new()));
    for claim in &read.claims.townships {
        match (names.resolve(&claim.text), &resolved) {
            (Some(unit), Some((first, source, _, _))) if unit != *first => issues.push(
                Issue::new(
                    Rule::TownshipMismatch,
                    read.input.display.clone(),
                    format!("填报单位写的是“{}”，但{}表明是“{}”，请核对后改正", claim.text, source, first),
                )
                .at(claim.sheet.clone(), claim.cell.clone())
                .value(claim.text.clone()),
            ),
            (Some(unit), None) => {
                resolved = Some((unit, format!("{}!{}", claim.sheet, claim.cell), claim.sheet.clone(), claim.cell.clone()))
            }
            _ => {}
        }
    }
    if let Some((unit, _, _, _)) = resolved {
        return Some(unit.to_string());
    }
    let names: Vec<&str> = plan.units.iter().map(|u| u.name.as_str()).collect();
    let guess_text = read
        .claims
        .townships
        .first()
        .map(|c| c.text.clone())
        .unwrap_or_else(|| stem.split(['_', '-', ' ']).next().unwrap_or("").to_string());
    let suggestion = closest(&guess_text, names.iter().copied())
        .map(|s| format!("，是否为“{s}”？请按“{s}_{}”命名文件并填写填报单位", "YYYY年MM月"))
        .unwrap_or_else(|| format!("。本方案的填报单位为：{}", names.join("、")));
    let (sheet, cell) = read.claims.townships.first().map(|c| (c.sheet.clone(), c.cell.clone())).unwrap_or_default();
    issues.push(
        Issue::new(
            Rule::UnknownTownship,
            read.input.display.clone(),
            format!("无法确定文件属于哪个{}：“{guess_text}”不是本{}填报单位{suggestion}", plan.wording().townships, plan.wording().area),
        )
        .at(sheet, cell)
        .value(guess_text.clone()),
    );
    None
}

/// The department a ledger file under `部门/` is from: the department its 填报单位 line or its
/// file name names (in full, `区民政局`, without the county's `区` or `县`, `民政局`, or by one of
/// its aliases); of several, the longest name. A file that names none is the office's combined
/// ledger (`区直部门`, `县直部门` …).
pub(super) fn identify_department(plan: &Plan, read: &FileRead) -> String {
    let departments = plan.departments();
    let area = plan.wording().area;
    let aliases = |name: &str| -> Vec<String> {
        plan.department_list.iter().filter(|d| d.name == name).flat_map(|d| d.aliases.iter().map(|a| normalise(a))).collect()
    };
    let names_in = |text: &str| -> Option<&String> {
        let text = normalise(text);
        departments
            .iter()
            .filter(|d| {
                let full = normalise(d);
                let short = full.strip_prefix(area).filter(|s| s.chars().count() >= 2).unwrap_or(&full);
                text.contains(&full) || text.contains(short) || aliases(d).iter().any(|a| text.contains(a.as_str()))
            })
            .max_by_key(|d| d.chars().count())
    };
    read.claims
        .townships
        .iter()
        .find_map(|claim| names_in(&claim.text))
        .or_else(|| names_in(&read.stem()))
        .cloned()
        .unwrap_or_else(|| plan.combined_ledger().to_string())
}

/// The 填报月份 lines must be the folder's (E14: the clerk's own statement of the month). A file
/// name, title or sheet name naming another month is W16: a file copied from last month keeps
/// them, and its figures are read as the folder's month, which the warning says.
pub(super) fn check_period(read: &FileRead, period: Period, issues: &mut Vec<Issue>) {
    let stem = read.stem();
    let read_as = format!("本表数据按{}汇总；如是沿用上月的表格，请改正", period.label());
    if let Some(found) = Period::parse_in_name(&stem)
        && found != period
    {
        issues.push(
            Issue::new(
                Rule::MonthNamedElsewhere,
                read.input.display.clone(),
                format!(
                    "文件名中的月份是{}，但文件放在{}的文件夹中。{read_as}文件名；如放错了文件夹，请移到{}的文件夹",
                    found.label(),
                    period.label(),
                    found.label()
                ),
            )
            .value(stem.clone()),
        );
    }
    let mut named: Vec<(&str, Period)> = Vec::new();
    for claim in &read.claims.titles {
        let Some(found) = Period::named_in_title(&claim.text, period.year) else { continue };
        // One warning per sheet and month (a title repeated in two cells is one mistake).
        if found == period || named.contains(&(claim.sheet.as_str(), found)) {
            continue;
        }
        named.push((claim.sheet.as_str(), found));
        let what = if claim.cell.is_empty() { "工作表名" } else { "标题" };
        issues.push(
            Issue::new(
                Rule::MonthNamedElsewhere,
                read.input.display.clone(),
                format!("{what}“{}”写的是{}，但文件放在{}的文件夹中。{read_as}{what}", claim.text, found.label(), period.label()),
            )
            .at(claim.sheet.clone(), claim.cell.clone())
            .value(claim.text.clone()),
        );
    }
    for claim in &read.claims.periods {
        match claimed_period(&claim.text) {
            Some(found) if found != period => issues.push(
                Issue::new(
                    Rule::PeriodMismatch,
                    read.input.display.clone(),
                    format!("填报月份写的是{}，但文件放在{}的文件夹中，请改正填报月份或放入正确的文件夹", found.label(), period.label()),
                )
                .at(claim.sheet.clone(), claim.cell.clone())
                .value(claim.text.clone()),
            ),
            _ => {}
        }
    }
}

/// The period a 填报月份 text states. A year-to-date range (`2024年1-3月`, `2024年1至3月`), as
/// cumulative reports are often labelled, means its last month.
pub fn claimed_period(text: &str) -> Option<Period> {
    let n = normalise(text);
    if let Some((before, _)) = n.split_once('月')
        && let Some((from, to)) = before.rsplit_once(['-', '—', '–', '~', '至', '到'])
        && let Some((year, _)) = from.split_once('年')
    {
        return Period::parse(&format!("{year}年{to}月"));
    }
    Period::parse(&n)
}
