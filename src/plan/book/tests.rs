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
