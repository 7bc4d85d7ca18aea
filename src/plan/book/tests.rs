//! The plan workbook's tables both ways: a plan written and read back is the same plan, and a
//! problem is reported at its sheet and cell.

use super::*;
use crate::plan::{Plan, SHIPPED_PLANS};

/// The sheets as a reader sees them: the title on row 1, the header on row 2, data below.
pub(super) fn as_read(sheets: &[BookSheet]) -> Vec<ReadSheet> {
    sheets
        .iter()
        .map(|s| {
            let mut rows = vec![vec![BookCell::text(&s.title)], s.columns.iter().map(|c| BookCell::text(&c.header)).collect()];
            rows.extend(s.rows.iter().cloned());
            ReadSheet { name: s.name.to_string(), rows }
        })
        .collect()
}

#[test]
fn shipped_plans_written_into_the_workbook_read_back_as_the_same_plan() {
    for (name, text) in SHIPPED_PLANS {
        let plan = Plan::from_toml(text, name).unwrap();
        let (again, problems) = plan_from_sheets(&as_read(&sheets(&plan))).unwrap_or_else(|p| panic!("{name}: {p:?}"));
        assert!(problems.iter().all(|p| p.warning), "{name}: {problems:?}");
        let (a, b) = (again.to_toml(), plan.to_toml());
        if let Some((i, (x, y))) = a.lines().zip(b.lines()).enumerate().find(|(_, (x, y))| x != y) {
            panic!("{name}: line {} differs: read back `{x}`, written `{y}`", i + 1);
        }
        assert_eq!(a.lines().count(), b.lines().count(), "{name}");
        assert_eq!(again.digest, plan.digest, "{name}");
    }
}

#[test]
fn allocations_typed_on_their_sheet_are_read_back_for_their_target_and_unit() {
    // Neither shipped plan allocates: give Y09 (7000 亩) and Y21 allocations, as a county would.
    let mut plan = Plan::from_toml(SHIPPED_PLANS[0].1, "yunxi").unwrap();
    let names: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
    for (id, each) in [("Y09", 1400.0), ("Y21", 1.0)] {
        let target = plan.targets.iter_mut().find(|t| t.id == id).unwrap();
        target.allocations = names.iter().map(|n| (n.clone(), each)).collect();
    }
    let plan = Plan::from_toml(&plan.to_toml(), "allocated").unwrap();
    let (again, _) = plan_from_sheets(&as_read(&sheets(&plan))).unwrap_or_else(|p| panic!("{p:?}"));
    for id in ["Y09", "Y21"] {
        let (a, b) = (again.targets.iter().find(|t| t.id == id).unwrap(), plan.targets.iter().find(|t| t.id == id).unwrap());
        assert_eq!(a.allocations, b.allocations, "{id}");
        assert_eq!(a.allocations.len(), 5, "{id}");
    }
    assert_eq!(again.digest, plan.digest);
    // A typed number lands on its target and unit.
    let mut read = as_read(&sheets(&plan));
    let sheet = read.iter_mut().find(|s| s.name == ALLOCATIONS).unwrap();
    let column = sheet.rows[1].iter().position(|c| c.as_text().starts_with("Y09 ")).unwrap();
    sheet.rows[2][column] = BookCell::Number(2100.0);
    let (typed, _) = plan_from_sheets(&read).unwrap_or_else(|p| panic!("{p:?}"));
    let y09 = typed.targets.iter().find(|t| t.id == "Y09").unwrap();
    assert_eq!(y09.allocations[&names[0]], 2100.0);
}

#[test]
fn a_target_id_names_its_own_column_and_not_a_longer_ones() {
    assert!(super::read::names_target("Y09 2024年度高标准农田设计规划（亩）", "Y09"));
    assert!(super::read::names_target("Ｙ０９\u{3000}高标准农田", "Y09"));
    assert!(!super::read::names_target("T10 粮食（亩）", "T1"));
    assert!(!super::read::names_target("T1_b 粮食", "T1"));
}

#[test]
fn a_value_typed_with_its_unit_is_refused_at_its_cell_with_the_number_to_write() {
    let plan = Plan::from_toml(SHIPPED_PLANS[0].1, "yunxi").unwrap();
    let mut read = as_read(&sheets(&plan));
    let targets = read.iter_mut().find(|s| s.name == TARGETS).unwrap();
    let value = targets.rows[1].iter().position(|c| c.as_text() == "目标值").unwrap();
    targets.rows[2][value] = BookCell::text("5.4万亩");
    let problems = plan_from_sheets(&read).unwrap_err();
    let cell = crate::issue::a1(2, value);
    let problem = problems.iter().find(|p| p.sheet == TARGETS && p.cell == cell).unwrap_or_else(|| panic!("{problems:?}"));
    assert!(problem.message.contains("请填 54000"), "{}", problem.message);
}

#[test]
fn one_round_of_checking_lists_unreadable_cells_and_the_plans_own_problems_together() {
    let plan = Plan::from_toml(SHIPPED_PLANS[0].1, "yunxi").unwrap();
    let mut read = as_read(&sheets(&plan));
    let targets = read.iter_mut().find(|s| s.name == TARGETS).unwrap();
    let value = targets.rows[1].iter().position(|c| c.as_text() == "目标值").unwrap();
    targets.rows[2][value] = BookCell::text("5.4万亩");
    for row in 3..=5 {
        targets.rows[row][value] = BookCell::Empty;
    }
    let problems = plan_from_sheets(&read).unwrap_err();
    let at = |row: usize| problems.iter().filter(|p| p.sheet == TARGETS && p.cell == crate::issue::a1(row, value)).count();
    assert_eq!(at(2), 1, "the unreadable cell once, not again as missing: {problems:?}");
    for row in 3..=5 {
        assert_eq!(at(row), 1, "row {row}: the empty value in the same round: {problems:?}");
    }
}

#[test]
fn the_definitions_sheet_missing_or_typed_on_a_chinese_keyboard_is_named() {
    let plan = Plan::from_toml(SHIPPED_PLANS[0].1, "yunxi").unwrap();
    let mut read = as_read(&sheets(&plan));
    read.retain(|s| s.name != ADVANCED);
    let problems = plan_from_sheets(&read).unwrap_err();
    assert!(problems.iter().any(|p| p.sheet == ADVANCED && p.message.contains("找不到工作表“报表与指标定义”")), "{problems:?}");
    let mut read = as_read(&sheets(&plan));
    let definitions = read.iter_mut().find(|s| s.name == ADVANCED).unwrap();
    let row = definitions.rows.iter().position(|r| r.first().is_some_and(|c| c.as_text() == "name = \"耕地面积\"")).unwrap();
    definitions.rows[row][0] = BookCell::text("name ＝ “耕地面积”");
    let problems = plan_from_sheets(&read).unwrap_err();
    let cell = crate::issue::a1(row, 0);
    let here: Vec<&str> = problems.iter().filter(|p| p.sheet == ADVANCED && p.cell == cell).map(|p| p.message.as_str()).collect();
    assert_eq!(
        here,
        [
            "第 6 个字符：全角等号（＝）应改为半角等号（=）",
            "第 8 个字符：中文引号（“）应改为英文双引号（\"）",
            "第 13 个字符：中文引号（”）应改为英文双引号（\"）"
        ]
    );
}

#[test]
fn a_check_problem_is_placed_at_the_target_cell_it_comes_from() {
    let plan = Plan::from_toml(SHIPPED_PLANS[0].1, "yunxi").unwrap();
    let mut read = as_read(&sheets(&plan));
    let targets = read.iter_mut().find(|s| s.name == TARGETS).unwrap();
    let indicator = targets.rows[1].iter().position(|c| c.as_text() == "指标").unwrap();
    targets.rows[4][indicator] = BookCell::text("no_such_indicator");
    let problems = plan_from_sheets(&read).unwrap_err();
    assert!(
        problems.iter().any(|p| p.sheet == TARGETS && p.cell == crate::issue::a1(4, indicator) && p.message.contains("no_such_indicator")),
        "{problems:?}"
    );
}
