//! The small plan of the pipeline tests (three townships, a village form and a project form,
//! a target of every kind) and its township workbooks for May and June 2024, with figures chosen
//! so that every expected value can be computed by hand.

use std::collections::BTreeMap;

use zhenxing::period::Period;
use zhenxing::plan::Plan;
use zhenxing::report::template::{Fill, FilledForm, TemplateRequest, file_name, workbook_bytes};

use crate::common::{Run, Workspace};

/// Three townships of two villages; a village form (ZX01) and a project form (ZX02).
pub const PLAN: &str = r#"
[plan]
id = "pipeline-2024"
district = "测试区"
district_full = "测试市测试区"
year = 2024
title = "测试区2024年乡村振兴重点工作方案"
office = "测试区乡村振兴办"

[[units]]
name = "甲镇"
villages = ["一村", "二村"]

[[units]]
name = "乙镇"
villages = ["三村", "四村"]

[[units]]
name = "丙镇"
villages = ["五村", "六村"]

[[forms]]
id = "ZX01"
sheet = "村级指标"
title = "村级指标表"
row_kind = "village"

[[forms.columns]]
id = "village"
name = "村（社区）"
kind = "key"
required = true

[[forms.columns]]
id = "cultivated_land"
name = "耕地面积"
kind = "number"
unit = "亩"
measure = "stock"
required = true

[[forms.columns]]
id = "grain_area"
name = "粮食播种面积"
kind = "number"
unit = "亩"
required = true

[[forms.columns]]
id = "hsf_done"
name = "高标准农田完工"
kind = "number"
unit = "亩"

[[forms.columns]]
id = "camellia"
name = "新造油茶"
kind = "number"
unit = "亩"

[[forms.columns]]
id = "migrant_workers"
name = "脱贫人口外出务工"
kind = "number"
unit = "人"
measure = "stock"

[[forms.columns]]
id = "toilets"
name = "本年改厕"
kind = "number"
unit = "户"

[[forms]]
id = "ZX02"
sheet = "项目"
title = "项目情况表"
row_kind = "project"
blank_rows = 5

[[forms.columns]]
id = "project"
name = "项目名称"
kind = "key"
required = true

[[forms.columns]]
id = "category"
name = "项目类别"
kind = "category"
categories = ["产业发展", "基础设施", "新建桥梁"]

[[forms.columns]]
id = "village"
name = "涉及村"
kind = "village"

[[forms.columns]]
id = "funds"
name = "下达资金"
kind = "number"
unit = "万元"
measure = "stock"

[[forms.columns]]
id = "paid"
name = "已拨付资金"
kind = "number"
unit = "万元"
not_above = "funds"

[[indicators]]
id = "grain_area"
name = "粮食播种面积"
unit = "亩"
form = "ZX01"
column = "grain_area"

[[indicators]]
id = "cultivated_land"
name = "耕地面积"
unit = "亩"
form = "ZX01"
column = "cultivated_land"

[[indicators]]
id = "hsf_done"
name = "高标准农田完工"
unit = "亩"
form = "ZX01"
column = "hsf_done"

[[indicators]]
id = "camellia"
name = "新造油茶"
unit = "亩"
form = "ZX01"
column = "camellia"

[[indicators]]
id = "migrant_workers"
name = "脱贫人口外出务工"
unit = "人"
form = "ZX01"
column = "migrant_workers"
decimals = 0

[[indicators]]
id = "toilets"
name = "本年改厕"
unit = "户"
form = "ZX01"
column = "toilets"
decimals = 0

[[indicators]]
id = "funds"
name = "下达资金"
unit = "万元"
form = "ZX02"
column = "funds"

[[indicators]]
id = "paid"
name = "已拨付资金"
unit = "万元"
form = "ZX02"
column = "paid"

[[indicators]]
id = "pay_progress"
name = "资金拨付进度"
unit = "%"
numerator = "paid"
denominator = "funds"

[[indicators]]
id = "industry_funds"
name = "产业发展资金"
unit = "万元"
form = "ZX02"
column = "funds"
filters = [{ column = "category", equals = "产业发展" }]

[[indicators]]
id = "industry_share"
name = "产业发展资金占比"
unit = "%"
numerator = "industry_funds"
denominator = "funds"

[[indicators]]
id = "bridges"
name = "新建桥梁"
unit = "座"
form = "ZX02"
aggregation = "count"
filters = [{ column = "category", equals = "新建桥梁" }]
decimals = 0

[[targets]]
id = "T01"
clause = "一1"
task = "粮食生产"
name = "粮食播种面积"
kind = "at_least"
indicator = "grain_area"
value = 1000
allocations = { "甲镇" = 600.0, "乙镇" = 300.0, "丙镇" = 200.0 }
lead_units = ["区农业农村局"]
quote = "粮食播种面积1000亩。"

[[targets]]
id = "T02"
clause = "一2"
task = "耕地保护"
name = "耕地保有量"
kind = "floor"
indicator = "cultivated_land"
value = 2000
lead_units = ["区自然资源局"]
quote = "守住2000亩耕地红线。"

[[targets]]
id = "T03"
clause = "一3"
task = "高标准农田"
name = "高标准农田主体完工"
kind = "at_least"
indicator = "hsf_done"
value = 250
deadline = 2024-03-31
lead_units = ["区农业农村局"]
quote = "3月底前完工250亩。"

[[targets]]
id = "T04"
clause = "一4"
task = "油茶"
name = "新造油茶"
kind = "at_least"
indicator = "camellia"
value = 100
deadline = 2024-09-30
allocations = { "甲镇" = 60.0 }
lead_units = ["区林业局"]
quote = "9月底前新造油茶100亩。"

[[targets]]
id = "T05"
clause = "二1"
task = "资金管理"
name = "资金拨付时序进度"
kind = "milestones"
indicator = "pay_progress"
milestones = [
  { by = 2024-04-30, value = 35.0 },
  { by = 2024-06-30, value = 55.0 },
  { by = 2024-09-30, value = 80.0 },
]
lead_units = ["区财政局"]
quote = "4月35%、6月55%、9月80%。"

[[targets]]
id = "T06"
clause = "二2"
task = "资金管理"
name = "产业发展资金占比"
kind = "ratio"
indicator = "industry_share"
value = 60
lead_units = ["区财政局"]
quote = "用于产业发展的比例不低于60%。"

[[targets]]
id = "T07"
clause = "三1"
task = "稳岗就业"
name = "脱贫人口外出务工规模不减"
kind = "baseline"
indicator = "migrant_workers"
baseline = 100
baseline_label = "2023年"
lead_units = ["区人社局"]
quote = "务工规模不减。"

[[targets]]
id = "T08"
clause = "四1"
task = "农村公路"
name = "新建桥梁"
kind = "count"
indicator = "bridges"
value = 2
lead_units = ["区交通运输局"]
quote = "新建桥梁2座。"

[[targets]]
id = "T09"
clause = "五1"
task = "人居环境"
name = "本年改厕"
kind = "tracked"
indicator = "toilets"
lead_units = ["区农业农村局"]
quote = "持续抓好农村改厕。"
"#;

pub const BULLETIN_JUNE: &str = "output/2024-06/测试区乡村振兴重点指标进度通报_2024年06月.xlsx";

pub fn plan() -> Plan {
    Plan::from_toml(PLAN, "pipeline test plan").expect("test plan is valid")
}

fn num(n: f64) -> Fill {
    Fill::Number(n)
}

fn text(s: &str) -> Fill {
    Fill::Text(s.to_string())
}

/// ZX01 of one village: 耕地, 粮食, 高标准农田完工, 新造油茶, 外出务工, 本年改厕.
pub type Village = (&'static str, [f64; 6]);

/// ZX02 of one project: name, category, village, 下达资金, 已拨付.
pub type Project = (&'static str, &'static str, &'static str, f64, f64);

/// Figures of each township for May (month 5) and June (month 6).
pub fn figures(township: &str, month: u32) -> (Vec<Village>, Vec<Project>) {
    match (township, month) {
        ("甲镇", 5) => (
            vec![("一村", [500.0, 100.0, 50.0, 10.0, 30.0, 5.0]), ("二村", [400.0, 60.0, 40.0, 10.0, 25.0, 3.0])],
            vec![
                ("甲一产业项目", "产业发展", "一村", 100.0, 40.0),
                ("甲二道路项目", "基础设施", "二村", 100.0, 20.0),
                ("甲三桥梁", "新建桥梁", "一村", 50.0, 0.0),
            ],
        ),
        ("甲镇", 6) => (
            vec![("一村", [500.0, 200.0, 80.0, 30.0, 30.0, 8.0]), ("二村", [400.0, 100.0, 60.0, 20.0, 25.0, 4.0])],
            vec![
                ("甲一产业项目", "产业发展", "一村", 100.0, 60.0),
                ("甲二道路项目", "基础设施", "二村", 100.0, 45.0),
                ("甲三桥梁", "新建桥梁", "一村", 50.0, 20.0),
            ],
        ),
        ("乙镇", 5) => (
            vec![("三村", [300.0, 50.0, 20.0, 0.0, 20.0, 2.0]), ("四村", [200.0, 30.0, 10.0, 5.0, 10.0, 0.0])],
            vec![("乙一产业项目", "产业发展", "三村", 150.0, 80.0)],
        ),
        ("乙镇", 6) => (
            vec![("三村", [300.0, 80.0, 20.0, 10.0, 20.0, 2.0]), ("四村", [200.0, 70.0, 20.0, 5.0, 10.0, 1.0])],
            vec![("乙一产业项目", "产业发展", "三村", 150.0, 90.0), ("乙二桥梁", "新建桥梁", "四村", 50.0, 10.0)],
        ),
        ("丙镇", 5) => (
            vec![("五村", [250.0, 40.0, 0.0, 0.0, 15.0, 1.0]), ("六村", [150.0, 20.0, 0.0, 0.0, 10.0, 0.0])],
            vec![("丙一产业项目", "产业发展", "五村", 100.0, 30.0)],
        ),
        ("丙镇", 6) => (
            vec![("五村", [250.0, 90.0, 10.0, 0.0, 15.0, 2.0]), ("六村", [150.0, 40.0, 0.0, 5.0, 10.0, 1.0])],
            vec![("丙一产业项目", "产业发展", "五村", 100.0, 60.0)],
        ),
        _ => unreachable!("no figures for {township} in month {month}"),
    }
}

/// The township's workbook for 2024-`month`, in the canonical template layout.
pub fn workbook(plan: &Plan, township: &str, month: u32) -> Vec<u8> {
    workbook_edited(plan, township, month, month, |_, _| {})
}

/// The township's workbook for 2024-`period_month` with the figures of `figures_month`, as
/// `edit` changes them.
pub fn workbook_edited(
    plan: &Plan,
    township: &str,
    figures_month: u32,
    period_month: u32,
    edit: impl FnOnce(&mut Vec<Village>, &mut Vec<Project>),
) -> Vec<u8> {
    workbook_full(plan, township, figures_month, period_month, edit, None)
}

/// `workbook_edited` with a footer line on every form (e.g. `填报人：张三  联系电话：…`).
pub fn workbook_full(
    plan: &Plan,
    township: &str,
    figures_month: u32,
    period_month: u32,
    edit: impl FnOnce(&mut Vec<Village>, &mut Vec<Project>),
    footer: Option<&str>,
) -> Vec<u8> {
    let (mut villages, mut projects) = figures(township, figures_month);
    edit(&mut villages, &mut projects);
    let mut filled = BTreeMap::new();
    let rows = villages.iter().map(|(name, values)| std::iter::once(text(name)).chain(values.iter().map(|v| num(*v))).collect()).collect();
    filled.insert("ZX01".to_string(), FilledForm { rows, footer: footer.map(str::to_string), ..Default::default() });
    let rows = projects
        .iter()
        .map(|(name, category, village, funds, paid)| vec![text(name), text(category), text(village), num(*funds), num(*paid)])
        .collect();
    filled.insert("ZX02".to_string(), FilledForm { rows, footer: footer.map(str::to_string), ..Default::default() });
    let period = if period_month > 12 { Period::new(2023, period_month - 12) } else { Period::new(2024, period_month) }.unwrap();
    workbook_bytes(&TemplateRequest { plan, unit: township, period, filled, protect: true }).expect("workbook")
}

/// The township's workbook for 2023-`month` with the figures of 2024-`figures_month`.
pub fn workbook_a_year_before(plan: &Plan, township: &str, figures_month: u32, month: u32) -> Vec<u8> {
    workbook_full(plan, township, figures_month, month + 12, |_, _| {}, None)
}

/// Where the township's workbook for 2024-`month` goes under `in/`.
pub fn input_path(township: &str, month: u32) -> String {
    let period = Period::new(2024, month).unwrap();
    format!("in/{period}/{}", file_name(township, period))
}

/// A workspace with the plan file and the input of May (all three) and June (`june` townships).
pub fn workspace(june: &[&str]) -> Workspace {
    let plan = plan();
    let wd = Workspace::new();
    wd.write("plan/pipeline.toml", PLAN);
    for township in ["甲镇", "乙镇", "丙镇"] {
        wd.write(&format!("in/2024-05/{}", file_name(township, Period::new(2024, 5).unwrap())), workbook(&plan, township, 5));
    }
    for township in june {
        wd.write(&format!("in/2024-06/{}", file_name(township, Period::new(2024, 6).unwrap())), workbook(&plan, township, 6));
    }
    wd
}

/// `zhenxing run --quiet` with the test plan on `in/`, writing `output/` and `data/`.
pub fn run(wd: &Workspace, period: Option<&str>) -> Run {
    let mut args = vec!["run", "--plan", "plan/pipeline.toml", "--input", "in", "--output", "output", "--store", "data", "--quiet"];
    if let Some(period) = period {
        args.extend(["--period", period]);
    }
    wd.run(&args)
}
