//! A county we do not ship, set up as its statistician would: `plan new` from the national
//! division codes (several provinces and every level, an ambiguous name), the plan workbook,
//! targets typed in, templates for every township, a month filled, `run`: a bulletin that says
//! 县 and 乡镇 throughout and judges its targets. And the shipped plans through the workbook:
//! the same plan, byte-identical outputs.

use std::path::Path;

use crate::common::Workspace;
use crate::support::csv_maps;
use zhenxing::divisions::{Divisions, TownshipKind};
use zhenxing::period::Period;
use zhenxing::plan::Plan;
use zhenxing::plan::starter::{County, new_plan};
use zhenxing::report::template::{TemplateRequest, file_name, workbook_bytes};

fn starter(name: &str, city: Option<&str>) -> Plan {
    new_plan(&County { name, city, code: None }, 2025).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn plan_new_gives_exactly_the_units_and_villages_of_the_2023_codes() {
    let divisions = Divisions::load();
    // (name, city, level's whole, units, villages): a 县, a 县级市, two 区 of two provinces, a 旗,
    // a 区 that shares its name with another.
    let cases = [
        ("萧县", None, "全县", 27, 277),
        ("大冶市", None, "全市", 0, 0),
        ("云溪区", None, "全区", 5, 56),
        ("鄂城区", None, "全区", 0, 0),
        ("鄂托克旗", None, "全旗", 0, 0),
        ("朝阳区", Some("长春市"), "全区", 0, 0),
    ];
    for (name, city, whole, units, villages) in cases {
        let plan = starter(name, city);
        let county = divisions.pick(name, city, None).unwrap();
        // Every township-level unit but the county's directly governed villages and zones without
        // real villages, in code order, with its real (not virtual) villages.
        let expected: Vec<(String, Vec<String>)> = divisions
            .townships(county)
            .into_iter()
            .map(|t| (t.kind(), t.name.clone(), t.villages.iter().filter(|v| !v.is_virtual()).map(|v| v.name.clone()).collect::<Vec<_>>()))
            .filter(|(kind, _, villages)| *kind != TownshipKind::Direct && !(*kind == TownshipKind::Zone && villages.is_empty()))
            .map(|(_, name, villages)| (name, villages))
            .collect();
        let got: Vec<(String, Vec<String>)> = plan.units.iter().map(|u| (u.name.clone(), u.villages.names().to_vec())).collect();
        assert_eq!(got, expected, "{name}");
        assert!(!plan.units.is_empty(), "{name}");
        assert_eq!(plan.wording().whole, whole, "{name}");
        assert_eq!(plan.plan.code, county.code, "{name}");
        if units > 0 {
            assert_eq!((plan.units.len(), got.iter().map(|(_, v)| v.len()).sum::<usize>()), (units, villages), "{name}");
        }
        // Nothing of another county's document or year: no project deadline, no 2024 date, no
        // 云溪 outside 云溪区's own plan.
        let text = plan.to_toml();
        assert!(name == "云溪区" || !text.contains("云溪"), "{name}");
        assert!(plan.forms.iter().all(|f| f.timing.as_ref().is_none_or(|t| t.due.is_none())), "{name}: a deadline the county did not set");
        assert!(!text.contains("2024"), "{name}: {}", text.lines().find(|l| l.contains("2024")).unwrap_or(""));
    }
    // 云溪区 in 2023 is the shipped plan's 2022 list, village for village.
    let yunxi = Plan::resolve(Some("yunxi-2024")).unwrap().0;
    let fresh = starter("云溪区", None);
    let names = |p: &Plan| p.units.iter().map(|u| (u.name.clone(), u.villages.names().to_vec())).collect::<Vec<_>>();
    assert_eq!(names(&fresh), names(&yunxi));
}

#[test]
fn a_folder_without_a_plan_is_told_it_gets_the_sample_plan() {
    let ws = Workspace::new();
    let check = ws.run(&["plan", "check"]);
    check.expect_code(0);
    assert!(check.stderr().contains("当前目录没有 plan.toml 或 方案.xlsx，使用内置示例方案 yunxi-2024"), "{}", check.stderr());
    // Named, it is no surprise: nothing said.
    let named = ws.run(&["plan", "check", "--plan", "yunxi-2024"]);
    assert!(!named.stderr().contains("当前目录没有"), "{}", named.stderr());
    // Both plan files here: plan.toml is taken, and the workbook named as unused.
    ws.run(&["plan", "export", "--plan", "yunxi-2024", "--to", "plan.toml"]).expect_code(0);
    ws.run(&["plan", "export", "--plan", "echeng-2024", "--to", "方案.xlsx"]).expect_code(0);
    let both = ws.run(&["plan", "show"]);
    assert!(both.stderr().contains("当前目录同时有 plan.toml 和 方案.xlsx，使用 plan.toml（方案.xlsx 未使用）"), "{}", both.stderr());
    assert!(both.stdout().contains("云溪区"), "plan.toml is the one shown");
}

#[test]
fn text_left_as_plan_new_wrote_it_is_named_at_its_cell() {
    let ws = Workspace::new();
    ws.run(&["plan", "new", "--district", "萧县", "--year", "2025"]).expect_code(0);
    let check = ws.run(&["plan", "check"]);
    let said = check.stdout() + &check.stderr();
    assert!(said.contains("基本信息!B9：方案标题（title）仍是待填写的“（请填写萧县2025年乡村振兴方案文件的标题）”"), "{said}");
    assert!(said.contains("目标!B3：条款（clause）仍是待填写的“（条款）”"), "{said}");
    assert!(said.contains("目标!L3：原文（quote）仍是待填写的“（请粘贴方案原文中写明这一目标的句子）”"), "{said}");
}

#[test]
fn an_ambiguous_name_lists_its_candidates_and_the_city_picks_one() {
    let ws = Workspace::new();
    let run = ws.run(&["plan", "new", "--district", "朝阳区"]);
    run.expect_code(2);
    let stderr = run.stderr();
    assert!(stderr.contains("与“朝阳区”相符的县级单位有 2 个"), "{stderr}");
    assert!(stderr.contains("北京市朝阳区（代码 110105）") && stderr.contains("吉林省长春市朝阳区（代码 220104）"), "{stderr}");
    assert!(!ws.path("方案.xlsx").exists(), "nothing written for an ambiguous name");
    ws.run(&["plan", "new", "--district", "朝阳区", "--city", "长春市", "--year", "2025"]).expect_code(0);
    assert!(ws.path("方案.xlsx").is_file());
    // A second `plan new` never overwrites the office's workbook.
    let again = ws.run(&["plan", "new", "--district", "萧县"]);
    again.expect_code(2);
    assert!(again.stderr().contains("已存在"), "{}", again.stderr());
    let unknown = ws.run(&["plan", "new", "--district", "不存在县"]);
    unknown.expect_code(2);
    assert!(unknown.stderr().contains("找不到名为“不存在县”的县"), "{}", unknown.stderr());
}

/// The starter plan of 萧县 with the numbers of an imagined document typed in.
fn xiao_plan() -> Plan {
    let mut plan = starter("萧县", None);
    let values = [("T01", 1_460_000.0), ("T02", 2_100_000.0), ("T03", 60_000.0), ("T04", 120.0), ("T05", 90.0), ("T06", 20_000.0)];
    for (id, value) in values {
        let target = plan.targets.iter_mut().find(|t| t.id == id).unwrap();
        target.value = Some(value);
        target.clause = "二(一)1".into();
        target.quote = format!("{}达到{value}。", target.name);
        target.schedule = Some(zhenxing::plan::Schedule {
            kind: zhenxing::plan::ScheduleKind::Linear,
            start: None,
            due: None,
            curve: None,
            month: None,
            indicator: None,
            assumed: false,
            source: "全年均匀推进".into(),
        });
    }
    // 高标准农田 allocated to every unit (2,000 亩 each, the rest to the last), as counties do:
    // the allocations go through the workbook and come out on 乡镇街道进度.
    let names: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
    let hsf = plan.targets.iter_mut().find(|t| t.id == "T03").unwrap();
    hsf.allocations = names.iter().enumerate().map(|(i, n)| (n.clone(), if i + 1 == names.len() { 8_000.0 } else { 2_000.0 })).collect();
    // Only the targets judged over time take a schedule.
    for t in plan.targets.iter_mut().filter(|t| !matches!(t.kind, zhenxing::plan::TargetKind::AtLeast | zhenxing::plan::TargetKind::Count))
    {
        t.schedule = None;
    }
    plan.plan.title = "萧县2025年乡村振兴重点工作方案".into();
    plan
}

#[test]
fn a_county_set_up_from_plan_new_gets_a_bulletin_in_its_own_words() {
    let ws = Workspace::new();
    // The plan workbook as `plan new` writes it asks for the document's numbers, at their cells.
    ws.run(&["plan", "new", "--district", "萧县", "--year", "2025"]).expect_code(0);
    let check = ws.run(&["plan", "check", "--plan", "方案.xlsx"]);
    check.expect_code(2);
    assert!(check.stderr().contains("目标!G3：年度/限期目标须填写目标值（value）"), "{}", check.stderr());
    // Typed in (here through TOML), written back into the workbook, checked clean.
    std::fs::remove_file(ws.path("方案.xlsx")).unwrap();
    let plan = xiao_plan();
    ws.write("typed.toml", plan.to_toml());
    ws.run(&["plan", "export", "--plan", "typed.toml", "--to", "方案.xlsx"]).expect_code(0);
    // A second export does not overwrite the county's workbook unless asked to.
    let again = ws.run(&["plan", "export", "--plan", "yunxi-2024", "--to", "方案.xlsx"]);
    again.expect_code(2);
    assert!(again.stderr().contains("方案.xlsx 已存在，为免覆盖未写出"), "{}", again.stderr());
    ws.run(&["plan", "export", "--plan", "typed.toml", "--to", "方案.xlsx", "--replace"]).expect_code(0);
    std::fs::remove_file(ws.path("typed.toml")).unwrap();
    // `plan check` with no --plan checks ./方案.xlsx, as `run` and `template` read it.
    let check = ws.run(&["plan", "check"]);
    check.expect_code(0);
    assert!(check.stdout().contains("校验通过：27 个乡镇（街道）、277 个村（社区）"), "{}", check.stdout());
    // Templates for every township with its real villages (./方案.xlsx is the plan by default).
    ws.run(&["template", "--period", "2025-03", "--output", "templates"]).expect_code(0);
    for unit in &plan.units {
        assert!(ws.path(&format!("templates/{}", file_name(&unit.name, march()))).is_file(), "{}", unit.name);
    }
    // A filled month: every township, and every department due in March (县统计局 reports
    // annually and is not).
    for unit in &plan.units {
        let filled = zhenxing::sample::township_forms(&plan, unit, march());
        let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: &unit.name, period: march(), filled, protect: true }).unwrap();
        ws.write(&format!("input/2025-03/{}", file_name(&unit.name, march())), bytes);
    }
    let run = ws.run(&["run", "--quiet"]);
    assert!(matches!(run.code(), Some(0 | 1)), "{}", run.stderr());
    let bulletin = ws.path("output/2025-03/萧县乡村振兴重点指标进度通报_2025年03月.xlsx");
    let text = workbook_text(&bulletin);
    for said in ["全县", "乡镇（街道）", "乡镇街道进度", "县直部门", "县统计局", "未到报送期"] {
        assert!(text.contains(said), "the bulletin says {said}");
    }
    // 说明 says how this plan's 序时进度 is made (no phases: over the year), and nothing of
    // 云溪区's document.
    assert!(text.contains("未写明的在全年（1月至12月）内按已过月数均匀推进"), "说明 states the pace");
    assert!(text.contains("（文号、印发日期未载明）"), "说明 says what the plan does not know");
    for never in ["全区", "区直部门", "镇街进度", "应报 27 个镇（街道）", "云溪", "2023年度高标准农田", "÷ 12"]
    {
        assert!(!text.contains(never), "the bulletin of a 县 never says {never}");
    }
    let townships = csv_maps(&ws.path("output/2025-03/townships.csv"));
    let allocated: Vec<&str> = townships.iter().filter(|r| r["indicator_id"] == "hsf_done").map(|r| r["allocation"].as_str()).collect();
    assert_eq!(allocated.len(), 27, "{allocated:?}");
    assert_eq!(allocated.iter().filter(|a| **a == "2000").count(), 26, "the workbook's allocations reach the bulletin: {allocated:?}");
    let reminders = std::fs::read_to_string(ws.path("output/2025-03/reminders.csv")).unwrap();
    assert!(!reminders.contains("县统计局"), "a department not due is not chased:\n{reminders}");
    // Every target is judged: none is 无数据.
    let progress = csv_maps(&ws.path("output/2025-03/progress.csv"));
    let status = |id: &str| progress.iter().find(|r| r["indicator_id"] == id).map(|r| r["status"].clone()).unwrap_or_default();
    for (id, expected) in [("grain_area", None), ("cultivated_land", None), ("income_ledger", Some("未到报送期"))] {
        let got = status(id);
        assert!(!got.is_empty() && got != "无数据", "{id}: {got}");
        if let Some(expected) = expected {
            assert_eq!(got, expected, "{id}");
        }
    }
    // April: 县统计局 sends a ledger before it is due. It is taken, but it is not 应报: the
    // bulletin does not count a department that owed nothing.
    let april = Period::new(2025, 4).unwrap();
    for unit in &plan.units {
        let filled = zhenxing::sample::township_forms(&plan, unit, april);
        let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: &unit.name, period: april, filled, protect: true }).unwrap();
        ws.write(&format!("input/2025-04/{}", file_name(&unit.name, april)), bytes);
    }
    let values = std::collections::BTreeMap::from([("T06", 9_800.0)]);
    let filled =
        std::collections::BTreeMap::from([("BM01".to_string(), zhenxing::sample::department_form(&plan, "县统计局", april, &values))]);
    let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: "县统计局", period: april, filled, protect: true }).unwrap();
    ws.write(&format!("input/2025-04/部门/{}", file_name("县统计局", april)), bytes);
    ws.run(&["run", "--quiet"]).expect_code(0);
    let notice = std::fs::read_to_string(ws.path("output/2025-04/bulletin.txt")).unwrap();
    assert!(notice.contains("牵头部门台账本月均未到报送期（县统计局已提前报送，照常采用）"), "{notice}");
    assert!(!notice.contains("应报台账1个"), "{notice}");
}

fn march() -> Period {
    Period::new(2025, 3).unwrap()
}

/// Every text of a workbook (its shared strings and sheet names), to search what it says.
fn workbook_text(path: &Path) -> String {
    crate::support::zip_entry(path, "xl/sharedStrings.xml") + &crate::support::zip_entry(path, "xl/workbook.xml")
}

/// The files of a run's output folder that are made from the plan's content.
fn outputs(ws: &Workspace, month: &str, bulletin: &str) -> Vec<(String, Vec<u8>)> {
    ["progress.csv", "townships.csv", "issues.csv", "bulletin.txt", bulletin]
        .iter()
        .map(|name| (name.to_string(), ws.read(&format!("output/{month}/{name}"))))
        .collect()
}

#[test]
fn shipped_plans_through_the_workbook_give_byte_identical_outputs() {
    let cases = [
        ("yunxi-2024", Path::new(env!("CARGO_MANIFEST_DIR")).join("input"), "2024-06", "云溪区乡村振兴重点指标进度通报_2024年06月.xlsx"),
        (
            "echeng-2024",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/echeng-2024/input"),
            "2024-06",
            "鄂城区乡村振兴重点指标进度通报_2024年06月.xlsx",
        ),
    ];
    for (name, input, month, bulletin) in cases {
        let input = input.to_string_lossy().into_owned();
        let shipped = Workspace::new();
        shipped.run(&["run", "--quiet", "--plan", name, "--input", &input]);
        let through = Workspace::new();
        through.run(&["plan", "export", "--plan", name, "--to", "方案.xlsx"]).expect_code(0);
        through.run(&["plan", "check", "--plan", "方案.xlsx"]).expect_code(0);
        // And back to TOML: the same plan again.
        through.run(&["plan", "export", "--plan", "方案.xlsx", "--to", "back.toml"]).expect_code(0);
        let back = Plan::from_toml(&std::fs::read_to_string(through.path("back.toml")).unwrap(), "back.toml").unwrap();
        assert_eq!(back.digest, Plan::resolve(Some(name)).unwrap().0.digest, "{name}");
        // `run` takes ./方案.xlsx by default.
        through.run(&["run", "--quiet", "--input", &input]);
        assert_eq!(outputs(&through, month, bulletin), outputs(&shipped, month, bulletin), "{name}");
    }
}

#[test]
fn a_unit_without_a_village_list_takes_any_name_and_lists_it_to_confirm() {
    let ws = Workspace::new();
    let mut plan = xiao_plan();
    plan.units.truncate(2);
    plan.targets.iter_mut().for_each(|t| t.allocations.clear());
    plan.units[0].villages = zhenxing::plan::Villages::Any;
    ws.write("plan.toml", plan.to_toml());
    let unit = plan.units[0].name.clone();
    let period = march();
    // Its template: open rows for its villages, not locked empty ones.
    let template =
        workbook_bytes(&TemplateRequest { plan: &plan, unit: &unit, period, filled: Default::default(), protect: true }).unwrap();
    ws.write("t.xlsx", &template);
    {
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::open_workbook(ws.path("t.xlsx")).unwrap();
        let zx01 = book.worksheet_range("粮食与耕地").unwrap();
        assert!(zx01.height() >= 3 + 20, "open rows for the villages: {}", zx01.height());
    }
    // A month with villages of its own naming: counted, no E11, listed in 说明.
    let mut filled = zhenxing::sample::township_forms(&plan, &plan.units[1], period);
    for form in filled.values_mut() {
        for (i, row) in form.rows.iter_mut().enumerate() {
            if let Some(zhenxing::report::template::Fill::Text(name)) = row.first_mut() {
                *name = format!("新命名{i}村");
            }
        }
    }
    let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: &unit, period, filled, protect: true }).unwrap();
    ws.write(&format!("input/2025-03/{}", file_name(&unit, period)), bytes);
    ws.run(&["run", "--quiet"]);
    let issues = std::fs::read_to_string(ws.path("output/2025-03/issues.csv")).unwrap();
    assert!(!issues.contains("E11"), "{issues}");
    let text = workbook_text(&ws.path("output/2025-03/萧县乡村振兴重点指标进度通报_2025年03月.xlsx"));
    assert!(text.contains("村名待确认") && text.contains("新命名0村"), "说明 lists the names to confirm");
}
