//! Synthetic but realistic township figures, for the shipped sample input (`gen-sample`) and the
//! province-scale benchmark (`gen-bench`). Not a pipeline stage: nothing in `run` uses it.
//!
//! Values are drawn once per township and village from a seeded generator (so every month of the
//! same township tells a consistent story) and grown through the year along seasonal curves:
//! early rice is sown in April, soybeans in May and June, camellia is planted in winter.

use std::collections::BTreeMap;

use crate::period::Period;
use crate::plan::{ColumnKind, Form, Plan, ReportingUnit, RowKind};
use crate::report::template::{Fill, FilledForm};

/// A generator seeded by a text (township, village, project), so values are stable across runs.
pub fn rng_for(parts: &[&str]) -> fastrand::Rng {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut hasher);
    fastrand::Rng::with_seed(hasher.finish())
}

/// Share of the annual value reached by the end of `month` (year-to-date curves).
fn season(column: &str, month: u32) -> f64 {
    let curve: [f64; 12] = match column {
        "grain_area" => [0.02, 0.03, 0.05, 0.35, 0.50, 0.58, 0.72, 0.85, 0.95, 1.0, 1.0, 1.0],
        "early_rice" => [0.0, 0.0, 0.0, 0.85, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "soybean" => [0.0, 0.0, 0.0, 0.05, 0.40, 0.80, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0],
        "grain_output" => [0.0, 0.0, 0.0, 0.0, 0.02, 0.08, 0.40, 0.55, 0.80, 0.95, 1.0, 1.0],
        "new_camellia" => [0.30, 0.55, 0.70, 0.85, 0.88, 0.88, 0.88, 0.88, 0.90, 0.95, 1.0, 1.0],
        "camellia_upgrade" => [0.10, 0.20, 0.30, 0.45, 0.52, 0.60, 0.65, 0.70, 0.80, 0.90, 1.0, 1.0],
        "abandoned_recovered" => [0.05, 0.15, 0.35, 0.60, 0.75, 0.85, 0.90, 0.95, 1.0, 1.0, 1.0, 1.0],
        "toilets_year" => [0.05, 0.10, 0.20, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.92, 1.0, 1.0],
        "dilapidated" => [0.0, 0.0, 0.0, 0.25, 0.50, 0.75, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0],
        _ => [
            (1.0 / 12.0) * 1.0,
            2.0 / 12.0,
            3.0 / 12.0,
            4.0 / 12.0,
            5.0 / 12.0,
            6.0 / 12.0,
            7.0 / 12.0,
            8.0 / 12.0,
            9.0 / 12.0,
            10.0 / 12.0,
            11.0 / 12.0,
            1.0,
        ],
    };
    curve[(month.clamp(1, 12) - 1) as usize]
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Yearly (or stock) value of a village column, before the seasonal curve; `values` holds the
/// row's columns so far (sanitation counts are parts of the households and natural villages).
fn village_base(column: &str, land: f64, households: f64, values: &BTreeMap<&str, f64>, rng: &mut fastrand::Rng, month: u32) -> f64 {
    let of = |id: &str| values.get(id).copied().unwrap_or(0.0);
    match column {
        // Sanitation: most 改厕 are 无害化; problem toilets are found through the year and fixed
        // a few months later; sewage treatment and garbage collection by natural village.
        "sanitary_toilets" => (of("toilets_total") * (0.88 + rng.f64() * 0.1)).round(),
        "problem_toilets" => (households * (0.01 + rng.f64() * 0.02)).round(),
        "problem_toilets_fixed" => (of("problem_toilets") * (0.25 + 0.08 * month as f64 + rng.f64() * 0.1).min(1.0)).floor(),
        "sewage_households" => (households * (0.35 + rng.f64() * 0.45 + 0.01 * month as f64).min(1.0)).round(),
        "natural_villages" => (if land < 1_000.0 { 1.0 + rng.f64() * 2.0 } else { 6.0 + rng.f64() * 9.0 }).round(),
        "garbage_natural" => {
            let all = of("natural_villages");
            if rng.f64() < 0.8 { all } else { (all - 1.0 - (rng.f64() * 2.0).floor()).max(0.0) }
        }
        "cultivated_land" => land,
        "basic_farmland" => (land * (0.78 + rng.f64() * 0.1)).round(),
        "grain_area" => land * (0.48 + rng.f64() * 0.1),
        "early_rice" => land * (0.015 + rng.f64() * 0.02),
        "soybean" => land * (0.01 + rng.f64() * 0.03),
        "grain_output" => land * 0.53 * 0.31,
        "abandoned_recovered" => (rng.f64() * 40.0).round(),
        "new_camellia" => {
            if rng.f64() < 0.5 {
                land * (0.01 + rng.f64() * 0.03)
            } else {
                0.0
            }
        }
        "camellia_upgrade" => {
            if rng.f64() < 0.5 {
                land * (0.005 + rng.f64() * 0.02)
            } else {
                0.0
            }
        }
        "households" => households,
        "toilets_total" => (households * (0.86 + rng.f64() * 0.1)).round(),
        "toilets_year" => (households * (0.01 + rng.f64() * 0.02)).round(),
        "dilapidated" => {
            if rng.f64() < 0.07 {
                1.0
            } else {
                0.0
            }
        }
        // echeng-2024 (EC03, EC04)
        "abandoned_cleared" => (rng.f64() * 30.0).round(),
        "monitored_households" => (3.0 + rng.f64() * 12.0).round(),
        "monitored_new" => (rng.f64() * 2.5).round(),
        "below_line_unmonitored" => {
            if rng.f64() < 0.04 {
                1.0
            } else {
                0.0
            }
        }
        "migrant_workers" => (18.0 + rng.f64() * 16.0).round(),
        "welfare_jobs" => (1.0 + rng.f64() * 4.0).round(),
        _ => (rng.f64() * 100.0).round(),
    }
}

/// Values of a village form for one township and month.
fn village_form(form: &Form, unit: &ReportingUnit, period: Period) -> FilledForm {
    let mut rows = Vec::new();
    for village in unit.villages.names() {
        let mut rng = rng_for(&[&unit.name, village]);
        let urban = village.ends_with("社区");
        let land = if urban { 200.0 + rng.f64() * 600.0 } else { 1_600.0 + rng.f64() * 2_400.0 }.round();
        let households = if urban { 600.0 + rng.f64() * 1_500.0 } else { 300.0 + rng.f64() * 700.0 }.round();
        let mut row = vec![Fill::Empty; form.columns.len()];
        let mut values: BTreeMap<&str, f64> = BTreeMap::new();
        // Numbers first (a count may depend on an earlier one), then the 是/否 that sum them up.
        let order = form.columns.iter().enumerate().filter(|(_, c)| c.kind == ColumnKind::Number);
        for (ci, column) in order.chain(form.columns.iter().enumerate().filter(|(_, c)| c.kind != ColumnKind::Number)) {
            let mut column_rng = rng_for(&[&unit.name, village, &column.id]);
            let fill = match column.kind {
                ColumnKind::Key => Fill::Text(village.clone()),
                ColumnKind::Number => {
                    let base = village_base(&column.id, land, households, &values, &mut column_rng, period.month);
                    let value = match column.measure {
                        crate::plan::Measure::Stock => base,
                        crate::plan::Measure::Ytd => base * season(&column.id, period.month),
                    };
                    let value = match column.part_of.as_deref().and_then(|p| values.get(p)) {
                        Some(parent) => value.min(*parent),
                        None => value,
                    };
                    let value =
                        if column.unit.as_deref().is_some_and(|u| matches!(u, "户" | "人")) { value.round() } else { round1(value) };
                    values.insert(column.id.as_str(), value);
                    Fill::Number(value)
                }
                // The village is covered when every natural village is; sewage when most households are.
                ColumnKind::YesNo if column.id == "garbage" && values.contains_key("garbage_natural") => {
                    let yes = values["garbage_natural"] >= values.get("natural_villages").copied().unwrap_or(0.0);
                    Fill::Text(if yes { "是" } else { "否" }.into())
                }
                ColumnKind::YesNo if column.id == "sewage" && values.contains_key("sewage_households") => {
                    let yes = values["sewage_households"] >= 0.7 * households;
                    Fill::Text(if yes { "是" } else { "否" }.into())
                }
                ColumnKind::YesNo => {
                    let share = match column.id.as_str() {
                        "integrated_pilot" => 0.03,
                        "garbage" => 0.9,
                        "express_point" => 0.80 + 0.025 * period.month as f64,
                        _ => 0.35 + 0.04 * period.month as f64,
                    };
                    Fill::Text(if column_rng.f64() < share { "是" } else { "否" }.into())
                }
                ColumnKind::Category if column.categories.iter().any(|c| c == "社区") => {
                    Fill::Text(if urban { "社区" } else { "行政村" }.into())
                }
                _ => Fill::Empty,
            };
            row[ci] = fill;
        }
        rows.push(row);
    }
    FilledForm { rows, ..Default::default() }
}

/// A village of `unit` drawn by `rng` (where a project is).
fn any_village(unit: &ReportingUnit, rng: &mut fastrand::Rng) -> String {
    unit.villages.names().get(rng.usize(..unit.villages.names().len().max(1))).cloned().unwrap_or_default()
}

/// A project of a project form: (name, values by column id) for one month.
struct Project {
    name: String,
    fills: BTreeMap<String, Fill>,
}

fn projects(form: &Form, unit: &ReportingUnit, period: Period, plan: &Plan) -> Vec<Project> {
    let mut rng = rng_for(&[&unit.name, &form.id]);
    let village = |rng: &mut fastrand::Rng| any_village(unit, rng);
    let month = period.month as f64;
    let mut out = Vec::new();
    match form.id.as_str() {
        "ZX02" | "EC08" => hsf_projects(form, unit, period, plan, &mut rng, &mut out),
        "ZX03" | "EC09" => road_projects(unit, period, &mut rng, &mut out),
        "EC01" => {
            // 衔接资金项目: disbursement follows the 4月35%、6月55%、9月80% schedule, roughly.
            let paid_share =
                [0.05, 0.12, 0.22, 0.36, 0.47, 0.57, 0.64, 0.72, 0.82, 0.90, 0.96, 1.0][(period.month.clamp(1, 12) - 1) as usize];
            for i in 0..rng.usize(3..=7) {
                let v = village(&mut rng);
                let year = if i == 0 && rng.f64() < 0.4 { 2023.0 } else { 2024.0 };
                let allocated = (40.0 + rng.f64() * 260.0).round();
                let central = (allocated * (0.7 + rng.f64() * 0.3)).round();
                let industry = rng.f64() < 0.72;
                let leading = industry && rng.f64() < 0.75;
                let share = if year < 2024.0 { 1.0 } else { (paid_share * (0.8 + rng.f64() * 0.4)).min(1.0) };
                let mut fills = BTreeMap::new();
                fills.insert("fund_year".into(), Fill::Number(year));
                fills.insert("village".into(), Fill::Text(v.clone()));
                fills.insert("allocated".into(), Fill::Number(allocated));
                fills.insert("allocated_central".into(), Fill::Number(central));
                fills.insert("paid".into(), Fill::Number(round1(allocated * share)));
                fills.insert("industry".into(), Fill::Text(if industry { "是" } else { "否" }.into()));
                fills.insert("leading_industry".into(), Fill::Text(if leading { "是" } else { "否" }.into()));
                let kind = if industry {
                    ["特色种植基地", "农产品加工车间", "冷链仓储", "乡村旅游配套"][rng.usize(..4)]
                } else {
                    ["村组道路硬化", "安全饮水巩固提升", "人居环境整治"][rng.usize(..3)]
                };
                out.push(Project { name: format!("{v}{kind}项目（{}年第{}批）", year as i32, i + 1), fills });
            }
        }
        "EC02" => {
            for i in 0..rng.usize(4..=9) {
                let v = village(&mut rng);
                let investment = (80.0 + rng.f64() * 420.0).round();
                let fund = (investment * (0.55 + rng.f64() * 0.35)).round();
                let mut fills = BTreeMap::new();
                fills.insert("library_year".into(), Fill::Number(2024.0));
                fills.insert("village".into(), Fill::Text(v.clone()));
                fills.insert("planned_investment".into(), Fill::Number(investment));
                fills.insert("planned_fund".into(), Fill::Number(fund));
                fills.insert("in_library".into(), Fill::Text(if rng.f64() < 0.9 { "是" } else { "否" }.into()));
                let kind = ["产业发展", "基础设施", "公共服务", "就业帮扶"][rng.usize(..4)];
                out.push(Project { name: format!("{v}{kind}储备项目{}", i + 1), fills });
            }
        }
        "EC05" => {
            let areas = ["特色种植", "养殖", "休闲旅游", "生产生活服务", "手工加工"];
            for i in 0..rng.usize(1..=3) {
                let v = village(&mut rng);
                let area = areas[rng.usize(..areas.len())];
                let surname = ["张", "王", "李", "刘", "陈", "杨", "黄", "周"][rng.usize(..8)];
                let mut fills = BTreeMap::new();
                fills.insert("area".into(), Fill::Text(area.into()));
                fills.insert("village".into(), Fill::Text(v.clone()));
                fills.insert("operator".into(), Fill::Text(format!("{surname}某某")));
                fills.insert("households".into(), Fill::Number((1.0 + rng.f64() * 9.0).round()));
                out.push(Project { name: format!("{v}庭院{area}试点{}", i + 1), fills });
            }
        }
        "EC06" => {
            let kinds = ["古树", "古屋", "古桥", "古井"];
            for i in 0..rng.usize(2..=7) {
                let v = village(&mut rng);
                let kind = kinds[rng.usize(..kinds.len())];
                // Both draws every month, so that each month draws the same sequence: the
                // registry keeps its items (an item once 建档 stays so) and only grows.
                let archived = rng.f64() < 0.45 + 0.08 * month;
                let listed_draw = rng.f64();
                let listed = archived && listed_draw < 0.5;
                let mut fills = BTreeMap::new();
                fills.insert("category".into(), Fill::Text(kind.into()));
                fills.insert("village".into(), Fill::Text(v.clone()));
                fills.insert("archived".into(), Fill::Text(if archived { "是" } else { "否" }.into()));
                fills.insert("listed".into(), Fill::Text(if listed { "是" } else { "否" }.into()));
                out.push(Project { name: format!("{v}{kind}{}", i + 1), fills });
            }
        }
        _ => {}
    }
    out
}

/// 2023 tasks of yunxi's high-standard farmland by township: 5,600 亩 in all, as the plan says.
/// 路口镇's second project finishes its main works on 12 April, after the 3月底 deadline.
fn hsf_2023(unit: &str) -> &'static [f64] {
    match unit {
        "长岭街道" => &[1_200.0],
        "云溪街道" => &[800.0],
        "松杨湖街道" => &[600.0],
        "陆城镇" => &[900.0, 600.0],
        "路口镇" => &[800.0, 700.0],
        _ => &[],
    }
}

/// A month as the template's list writes it.
fn month_text(year: i32, month: u32) -> Fill {
    Fill::Text(format!("{year}年{month}月"))
}

fn hsf_projects(form: &Form, unit: &ReportingUnit, period: Period, plan: &Plan, rng: &mut fastrand::Rng, out: &mut Vec<Project>) {
    let village = |rng: &mut fastrand::Rng| any_village(unit, rng);
    let year = plan.plan.year;
    let month = period.month;
    let has_plan_month = form.column("planned_month").is_some();
    // Continuing 2023 projects: main works finished in March (one in April); 初验 from May,
    // 竣工验收 from August. echeng's are drawn, yunxi's add up to its 5,600 亩.
    let tasks: Vec<f64> = if form.id == "ZX02" {
        hsf_2023(&unit.name).to_vec()
    } else {
        (0..rng.usize(1..=2)).map(|_| (300.0 + rng.f64() * 900.0).round()).collect()
    };
    for (i, task) in tasks.iter().enumerate() {
        let v = village(rng);
        let late = unit.name == "路口镇" && i == 1;
        let (finish_month, finish_day) = if late { (4, 12) } else { (3, 18 + 3 * i as u32) };
        let finished = month >= finish_month;
        let done = if finished { *task } else { (task * (0.9 + 0.02 * month as f64)).round().min(task - 1.0) };
        let stage = match month {
            _ if !finished => "在建",
            m if m >= 8 => "竣工验收",
            m if m >= 5 => "初验",
            _ => "完工",
        };
        let investment = (task * (0.28 + rng.f64() * 0.06)).round();
        let spent = if finished { investment } else { (investment * 0.9).round() };
        let mut fills = BTreeMap::new();
        fills.insert("build_year".into(), Fill::Number(2023.0));
        fills.insert("village".into(), Fill::Text(v.clone()));
        fills.insert("task_area".into(), Fill::Number(*task));
        fills.insert("done_area".into(), Fill::Number(done));
        fills.insert("stage".into(), Fill::Text(stage.into()));
        fills.insert("planned_investment".into(), Fill::Number(investment));
        fills.insert("done_investment".into(), Fill::Number(spent));
        if has_plan_month {
            fills.insert("planned_month".into(), month_text(year, 3));
        }
        fills.insert("main_done".into(), Fill::Text(if finished { "是" } else { "否" }.into()));
        if finished {
            fills.insert("done_date".into(), Fill::Text(format!("{year}-{finish_month:02}-{finish_day:02}")));
        }
        let name = if tasks.len() > 1 {
            format!("{v}2023年度高标准农田建设项目（{}标段）", i + 1)
        } else {
            format!("{v}2023年度高标准农田建设项目")
        };
        out.push(Project { name, fills });
    }
    // The 2024 project: designed in April–May (前期), built from June, planned for December.
    if month >= 4 {
        let v = village(rng);
        let task = (800.0 + rng.f64() * 1_000.0).round();
        let done = (task * ((month as f64 - 5.0).max(0.0) * 0.08)).round();
        let investment = (task * (0.3 + rng.f64() * 0.05)).round();
        let mut fills = BTreeMap::new();
        fills.insert("build_year".into(), Fill::Number(2024.0));
        fills.insert("village".into(), Fill::Text(v.clone()));
        fills.insert("task_area".into(), Fill::Number(task));
        fills.insert("done_area".into(), Fill::Number(done));
        fills.insert("stage".into(), Fill::Text(if month >= 6 { "在建" } else { "前期" }.into()));
        fills.insert("planned_investment".into(), Fill::Number(investment));
        fills.insert("done_investment".into(), Fill::Number((investment * (month as f64 - 4.0).max(0.0) * 0.09).round()));
        if has_plan_month {
            fills.insert("planned_month".into(), month_text(year, 12));
        }
        fills.insert("main_done".into(), Fill::Text("否".into()));
        out.push(Project { name: format!("{v}2024年度高标准农田建设项目"), fills });
    }
}

/// Road projects with their planned month; a bridge now and then finishes a month late. 道路提质:
/// 云华路 (云溪街道, finished in May) and 和平大道 (长岭街道, planned for October), as the
/// 交通运输局's ledger reports them.
fn road_projects(unit: &ReportingUnit, period: Period, rng: &mut fastrand::Rng, out: &mut Vec<Project>) {
    let village = |rng: &mut fastrand::Rng| any_village(unit, rng);
    let month = period.month;
    let year = period.year;
    let kinds = [("白改黑", "公里", 1.0, 1.2), ("安全防护", "公里", 6.0, 9.0), ("新建桥梁", "座", 1.0, 0.0), ("危桥改造", "座", 1.0, 0.0)];
    for (k, (category, unit_name, task_min, task_span)) in kinds.iter().enumerate() {
        if rng.f64() < if k >= 2 { 0.35 } else { 0.9 } {
            let v = village(rng);
            let task = round1(task_min + rng.f64() * task_span);
            let (done, finished, planned) = if *unit_name == "座" {
                let finish_month = 5 + rng.u32(0..4);
                let finished = month >= finish_month;
                let planned = if rng.f64() < 0.3 { finish_month - 1 } else { finish_month };
                (if finished { task } else { 0.0 }, finished, planned)
            } else {
                let speed = 0.12 + rng.f64() * 0.02;
                let share = (speed * month as f64).min(1.0);
                let planned = ((1.0 / speed).ceil() as u32).clamp(6, 10);
                (round1(task * share), share >= 1.0, planned)
            };
            let mut fills = BTreeMap::new();
            fills.insert("category".into(), Fill::Text(category.to_string()));
            fills.insert("village".into(), Fill::Text(v.clone()));
            fills.insert("task".into(), Fill::Number(task));
            fills.insert("done".into(), Fill::Number(done));
            fills.insert("unit".into(), Fill::Text(unit_name.to_string()));
            fills.insert("planned_month".into(), month_text(year, planned));
            fills.insert("completed".into(), Fill::Text(if finished { "是" } else { "否" }.into()));
            let name = match *category {
                "新建桥梁" => format!("{v}新建桥梁工程"),
                "危桥改造" => format!("{v}危桥改造工程"),
                "白改黑" => format!("{v}通村道路“白改黑”"),
                _ => format!("{v}农村公路安全防护工程"),
            };
            out.push(Project { name, fills });
        }
    }
    let upgrade = match unit.name.as_str() {
        "云溪街道" => Some(("云华路提质改造", 2.6, 5)),
        "长岭街道" => Some(("和平大道提质改造", 3.4, 10)),
        "泽林镇" => Some(("泽林大道提质改造", 4.2, 9)),
        "杜山镇" => Some(("杜山集镇道路提质改造", 1.8, 6)),
        _ => None,
    };
    if let Some((name, task, planned)) = upgrade {
        let finished = month >= planned;
        let done = if finished { task } else { round1(task * (0.15 * month as f64).min(0.9)) };
        let mut fills = BTreeMap::new();
        fills.insert("category".into(), Fill::Text("道路提质".into()));
        fills.insert("task".into(), Fill::Number(task));
        fills.insert("done".into(), Fill::Number(done));
        fills.insert("unit".into(), Fill::Text("公里".into()));
        fills.insert("planned_month".into(), month_text(year, planned));
        fills.insert("completed".into(), Fill::Text(if finished { "是" } else { "否" }.into()));
        out.push(Project { name: name.to_string(), fills });
    }
}

/// Values for every township form of `unit` in `period` (project forms only for known plans).
pub fn township_forms(plan: &Plan, unit: &ReportingUnit, period: Period) -> BTreeMap<String, FilledForm> {
    let mut forms = BTreeMap::new();
    for form in plan.township_forms() {
        let filled = match form.row_kind {
            RowKind::Village => village_form(form, unit, period),
            RowKind::Project | RowKind::Item => {
                let rows = projects(form, unit, period, plan)
                    .into_iter()
                    .map(|p| {
                        form.columns
                            .iter()
                            .map(|c| {
                                if c.kind == ColumnKind::Key {
                                    Fill::Text(p.name.clone())
                                } else {
                                    p.fills.get(&c.id).cloned().unwrap_or(Fill::Empty)
                                }
                            })
                            .collect()
                    })
                    .collect();
                FilledForm { rows, ..Default::default() }
            }
        };
        forms.insert(form.id.clone(), filled);
    }
    forms
}

/// The ledger of one department (or, for `区直部门`, the combined ledger of all): values for
/// department targets and a status for qualitative tasks.
pub fn department_form(plan: &Plan, unit: &str, period: Period, values: &BTreeMap<&str, f64>) -> FilledForm {
    let Some(form) = plan.forms.iter().find(|f| f.reporter == crate::plan::Reporter::Department) else { return FilledForm::default() };
    let items = crate::report::template::department_items_of(plan, unit);
    let mut rows = Vec::new();
    for id in &items {
        let target = plan.targets.iter().find(|t| &t.id == id).expect("item from plan");
        // Drawn once per task, not per month: a task starts, goes on and may finish, and never
        // goes back (已完成 → 推进中 would be a W15 warning).
        let mut rng = rng_for(&["ledger", id]);
        let start_month = rng.u32(1..=4);
        let done_month = if target.kind == crate::plan::TargetKind::Ongoing { 13 } else { rng.u32(6..=16) };
        let row = form
            .columns
            .iter()
            .map(|c| match c.id.as_str() {
                "target_id" => Fill::Text(id.clone()),
                "item" => Fill::Text(format!("{}（{}）", target.name, target.lead_units.join("、"))),
                "value" => values.get(id.as_str()).map(|v| Fill::Number(*v)).unwrap_or(Fill::Empty),
                "status" => Fill::Text(
                    if target.is_numeric() {
                        let done = values.get(id.as_str()).zip(target.value).is_some_and(|(v, t)| *v >= t);
                        if done { "已完成" } else { "推进中" }
                    } else if period.month >= done_month {
                        "已完成"
                    } else if period.month < start_month {
                        "未启动"
                    } else {
                        "推进中"
                    }
                    .into(),
                ),
                "progress_note" => Fill::Text(if target.is_numeric() {
                    format!(
                        "截至{}，{}已完成{}{}。",
                        period.label(),
                        target.name,
                        values.get(id.as_str()).map(|v| crate::text::fmt(*v)).unwrap_or_else(|| "—".into()),
                        plan.indicator(target.indicator.as_deref().unwrap_or("")).map(|i| i.unit.clone()).unwrap_or_default()
                    )
                } else {
                    format!("按方案{}条推进，已制定工作方案并建立台账。", target.clause)
                }),
                "lead_unit" => Fill::Text(target.lead_units.first().cloned().unwrap_or_default()),
                _ => Fill::Empty,
            })
            .collect();
        rows.push(row);
    }
    FilledForm { rows, ..Default::default() }
}
