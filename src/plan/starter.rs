//! A county's starter plan (`zhenxing plan new`): its township-level units and villages from the
//! national division codes, its level and wording, the standard forms and indicators of the
//! shipped library (`plans/library.toml`), the usual county departments, and one target per
//! topic waiting for the document's numbers.

use serde::Deserialize;

use super::{
    Aggregation, Department, Form, Frequency, Indicator, Level, Plan, PlanMeta, ReportSettings, ReportingUnit, RowFilter, Target,
    TargetKind, Thresholds, UnitKind, Villages,
};
use crate::divisions::{self, CountyLevel, Township, TownshipKind};

/// The standard form library, embedded: the four township topics and the department ledger.
pub const LIBRARY: &str = include_str!("../../plans/library.toml");

/// The forms and indicators of the library.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Library {
    pub forms: Vec<Form>,
    pub indicators: Vec<Indicator>,
}

impl Library {
    /// The embedded library.
    pub fn standard() -> Library {
        toml::from_str(LIBRARY).expect("the embedded library parses (pinned by a unit test)")
    }
}

/// The departments a county usually has for this work, by their short names (县农业农村局 …).
const DEPARTMENTS: [&str; 12] = [
    "农业农村局",
    "自然资源局",
    "水利局",
    "交通运输局",
    "住建局",
    "卫健局",
    "财政局",
    "统计局",
    "林业局",
    "生态环境局",
    "民政局",
    "人社局",
];

/// The plan's level from the division codes' (a 县级市 is a city; 林区, 特区 and zones are taken
/// as counties).
fn level_of(county: &divisions::County) -> Level {
    match county.level() {
        CountyLevel::District => Level::District,
        CountyLevel::City => Level::City,
        CountyLevel::Banner => Level::Banner,
        CountyLevel::County | CountyLevel::Special | CountyLevel::Zone => Level::County,
    }
}

/// A township-level unit as a reporting unit: its kind, code and villages (the virtual ones left
/// out; a unit without real villages takes any name until the office writes its list). `None`
/// for the villages governed directly by the county (直辖村级区划) and for a zone without real
/// villages, which report no township forms.
fn reporting_unit(township: &Township) -> Option<ReportingUnit> {
    let kind = match township.kind() {
        TownshipKind::Town => UnitKind::Town,
        TownshipKind::Township => UnitKind::Township,
        TownshipKind::Subdistrict => UnitKind::Subdistrict,
        TownshipKind::Sumu => UnitKind::Sumu,
        TownshipKind::Zone => UnitKind::Zone,
        TownshipKind::Direct => return None,
    };
    let villages: Vec<String> = township.villages.iter().filter(|v| !v.is_virtual()).map(|v| v.name.clone()).collect();
    if kind == UnitKind::Zone && villages.is_empty() {
        return None;
    }
    let villages = if villages.is_empty() { Villages::Any } else { Villages::Listed(villages) };
    // The kind is written only where the name does not say it.
    let kind = (UnitKind::from_name(&township.name) != kind).then_some(kind);
    Some(ReportingUnit { name: township.name.clone(), kind, code: township.code.clone(), aliases: Vec::new(), villages })
}

/// A county as a person names it for `plan new`.
pub struct County<'a> {
    pub name: &'a str,
    /// The city or province it is in, to tell apart counties of one name.
    pub city: Option<&'a str>,
    /// Its division code (6 or 12 digits), instead of the name.
    pub code: Option<&'a str>,
}

/// The starter plan of the county a person names (`plan new`), from the built-in division codes;
/// an unknown or ambiguous name is an error listing the candidates.
pub fn new_plan(county: &County<'_>, year: i32) -> Result<Plan, String> {
    let divisions = crate::divisions::Divisions::load();
    let found = divisions.pick(county.name, county.city, county.code)?;
    Ok(starter_plan(found, &divisions.townships(found), year))
}

/// The starter plan of `county` for `year`, with its township-level units `townships`.
pub fn starter_plan(county: &divisions::County, townships: &[Township], year: i32) -> Plan {
    let level = level_of(county);
    let area = level.area();
    let library = Library::standard();
    let meta = PlanMeta {
        id: format!("{}-{year}", county.code.get(..6).unwrap_or(&county.code)),
        district: county.name.clone(),
        district_full: county.full_name(),
        level: Some(level),
        code: county.code.clone(),
        year,
        title: format!("（请填写{}{year}年乡村振兴方案文件的标题）", county.name),
        document_no: String::new(),
        issued_by: String::new(),
        issued: None,
        office: format!("{}乡村振兴工作领导小组办公室", county.name),
        submission_deadline_day: None,
        lead_units_assumption: String::new(),
    };
    let department = |name: &str| format!("{area}{name}");
    let departments: Vec<Department> = DEPARTMENTS
        .iter()
        .map(|name| Department {
            name: department(name),
            aliases: Vec::new(),
            frequency: if *name == "统计局" { Frequency::Annual } else { Frequency::Monthly },
            report_month: None,
        })
        .collect();
    let mut indicators = library.indicators;
    indicators.extend(year_indicators(year));
    let mut plan = Plan {
        plan: meta,
        thresholds: Thresholds::default(),
        phases: Vec::new(),
        curves: Vec::new(),
        units: townships.iter().filter_map(reporting_unit).collect(),
        department_list: departments,
        forms: library.forms,
        indicators,
        targets: starter_targets(area),
        checks: Vec::new(),
        report: ReportSettings::default(),
        digest: String::new(),
        wording: Default::default(),
    };
    plan.forms.iter_mut().filter(|f| f.id == "BM01").for_each(|f| f.title = format!("{area}直部门重点任务进展台账"));
    plan.digest = plan.content_digest();
    plan
}

/// The indicators of the plan year's high-standard farmland (建设年度 = `year`), and the
/// department ledger item of the starter's annual statistic.
fn year_indicators(year: i32) -> Vec<Indicator> {
    let indicator = |id: &str, name: String, unit: &str, form: &str, column: &str, filters: Vec<RowFilter>| Indicator {
        id: id.to_string(),
        name,
        unit: unit.to_string(),
        form: Some(form.to_string()),
        column: Some(column.to_string()),
        aggregation: Aggregation::Sum,
        filters,
        numerator: None,
        denominator: None,
        decimals: 1,
        direction: Default::default(),
    };
    let equals = |column: &str, value: String| RowFilter { column: column.to_string(), equals: Some(value), not_after: None };
    vec![
        indicator(
            "hsf_task",
            format!("{year}年度高标准农田建设任务"),
            "亩",
            "ZX02",
            "task_area",
            vec![equals("build_year", year.to_string())],
        ),
        indicator(
            "hsf_done",
            format!("{year}年度高标准农田累计完工"),
            "亩",
            "ZX02",
            "done_area",
            vec![equals("build_year", year.to_string())],
        ),
        indicator(
            "income_ledger",
            "农村居民人均可支配收入".to_string(),
            "元",
            "BM01",
            "value",
            vec![equals("target_id", "T06".to_string())],
        ),
    ]
}

/// One target per topic, waiting for the document's numbers (`value` empty: `plan check` asks for
/// it), with the usual lead department.
fn starter_targets(area: &str) -> Vec<Target> {
    let target = |id: &str, task: &str, name: &str, kind: TargetKind, indicator: &str, lead: &str| Target {
        id: id.to_string(),
        clause: "（条款）".to_string(),
        task: task.to_string(),
        name: name.to_string(),
        kind,
        indicator: Some(indicator.to_string()),
        value: None,
        stated: String::new(),
        deadline: None,
        milestones: Vec::new(),
        baseline: None,
        baseline_label: String::new(),
        allocations: Default::default(),
        lead_units: vec![format!("{area}{lead}")],
        responsible_units: vec!["各乡镇（街道）".to_string()],
        quote: "（请粘贴方案原文中写明这一目标的句子）".to_string(),
        schedule: None,
        assumption: String::new(),
        on_time: None,
        frequency: Frequency::Monthly,
        report_month: None,
    };
    let mut income = target("T06", "促进农民增收", "农村居民人均可支配收入", TargetKind::AtLeast, "income_ledger", "统计局");
    income.frequency = Frequency::Annual;
    income.responsible_units = Vec::new();
    vec![
        target("T01", "抓好粮食生产", "粮食播种面积", TargetKind::AtLeast, "grain_area", "农业农村局"),
        target("T02", "严格耕地保护", "耕地保有量（红线）", TargetKind::Floor, "cultivated_land", "自然资源局"),
        target("T03", "建设高标准农田", "高标准农田建设", TargetKind::AtLeast, "hsf_done", "农业农村局"),
        target("T04", "推进农村公路建设", "农村道路“白改黑”", TargetKind::AtLeast, "road_black", "交通运输局"),
        target("T05", "改善农村人居环境", "农村卫生厕所普及率", TargetKind::Ratio, "toilet_coverage", "农业农村局"),
        income,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_parses_and_its_references_hold() {
        let library = Library::standard();
        let ids: Vec<&str> = library.forms.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["ZX01", "ZX02", "ZX03", "ZX04", "BM01"]);
        for indicator in &library.indicators {
            match (&indicator.form, &indicator.numerator) {
                (Some(form), _) => assert!(ids.contains(&form.as_str()), "{}", indicator.id),
                (None, Some(n)) => assert!(library.indicators.iter().any(|i| &i.id == n), "{}", indicator.id),
                _ => panic!("{} has no form", indicator.id),
            }
        }
    }
}
