//! `zhenxing plan check|show`: both shipped plans pass; a broken plan file exits with code 2 and
//! a Chinese message naming the key path and the exact line; `show` lists every target; every
//! shipped target carries its clause and quote, and the numbers it states are in its document.

use crate::support;

use crate::common::Workspace;
use zhenxing::plan::{Plan, SHIPPED_PLANS};

/// A small valid plan; the broken plans below each change one line of it. Line numbers in the
/// cases refer to this text.
const BASE_PLAN: &str = r#"[plan]
id = "test-2024"
district = "测试区"
district_full = "测试市测试区"
year = 2024
title = "测试区乡村振兴方案"

[[units]]
name = "甲镇"
villages = ["一村", "二村"]

[[forms]]
id = "ZX01"
sheet = "粮食"
title = "粮食情况表"
row_kind = "village"

[[forms.columns]]
id = "village"
name = "村（社区）"
kind = "key"

[[forms.columns]]
id = "grain_area"
name = "粮食播种面积"
kind = "number"
unit = "亩"

[[forms.columns]]
id = "early_rice"
name = "其中：早稻"
kind = "number"
unit = "亩"
part_of = "grain_area"

[[forms.columns]]
id = "note"
name = "备注"
kind = "text"

[[forms]]
id = "ZX02"
sheet = "项目"
title = "项目情况表"
row_kind = "project"

[[forms.columns]]
id = "project"
name = "项目名称"
kind = "key"

[[forms.columns]]
id = "category"
name = "项目类别"
kind = "category"
categories = ["新建桥梁", "危桥改造"]

[[forms.columns]]
id = "funds"
name = "下达资金"
kind = "number"
unit = "万元"

[[forms.columns]]
id = "paid"
name = "已拨付"
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
id = "bridges"
name = "新建桥梁"
unit = "座"
form = "ZX02"
aggregation = "count"
filters = [{ column = "category", equals = "新建桥梁" }]

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

[[targets]]
id = "T01"
clause = "一1"
task = "粮食生产"
name = "粮食播种面积"
kind = "at_least"
indicator = "grain_area"
value = 100
lead_units = ["区农业农村局"]
quote = "粮食播种面积100亩。"

[[targets]]
id = "T02"
clause = "一2"
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
id = "T03"
clause = "一3"
task = "资金管理"
name = "拨付比例"
kind = "ratio"
indicator = "pay_progress"
value = 60
lead_units = ["区财政局"]
quote = "不低于60%。"
"#;

#[test]
fn base_plan_of_these_tests_is_valid() {
    let wd = Workspace::new();
    wd.write("plan.toml", BASE_PLAN);
    let run = wd.run(&["plan", "check", "--plan", "plan.toml"]);
    run.expect_code(0);
    assert!(run.stdout().contains("校验通过"), "{}", run.stdout());
}

#[test]
fn plan_check_passes_for_both_shipped_plans() {
    let wd = Workspace::new();
    for (name, _) in SHIPPED_PLANS {
        let run = wd.run(&["plan", "check", "--plan", name]);
        run.expect_code(0);
        assert!(run.stdout().contains(&format!("方案 {name}")) && run.stdout().contains("校验通过"), "{}", run.stdout());
        assert_eq!(run.stderr(), "");
    }
    // Without --plan and without ./plan.toml: the embedded default.
    let run = wd.run(&["plan", "check"]);
    run.expect_code(0);
    assert!(run.stdout().contains("方案 yunxi-2024"), "{}", run.stdout());
}

/// Break `BASE_PLAN` by replacing `find` (which must occur exactly once) with `replace`, run
/// `plan check`, and expect exit code 2 and `第 {line} 行第 {column} 列 {key}：…{message}…` on stderr.
fn check_broken(find: &str, replace: &str, line: usize, key: &str, message: &str) {
    assert_eq!(BASE_PLAN.matches(find).count(), 1, "test setup: “{find}” must occur once");
    let broken = BASE_PLAN.replacen(find, replace, 1);
    let wd = Workspace::new();
    wd.write("broken.toml", &broken);
    let run = wd.run(&["plan", "check", "--plan", "broken.toml"]);
    run.expect_code(2);
    assert_eq!(run.stdout(), "", "nothing on stdout for a broken plan");
    let stderr = run.stderr();
    assert!(stderr.starts_with("错误：方案 broken.toml"), "{stderr}");
    let (expected, key) = (format!("第 {line} 行第 "), format!(" {key}："));
    let reported = stderr
        .lines()
        .find(|l| l.contains(&expected) && l.contains(&key))
        .unwrap_or_else(|| panic!("expected “{expected}… {key}” in:\n{stderr}"));
    assert!(reported.contains(message), "expected “{message}” in: {reported}");
    // The line named is the one that was changed (or, for a deleted key, its item's header).
    let named = broken.lines().nth(line - 1).expect("line exists");
    let first_word = replace.split_whitespace().next().unwrap_or("");
    assert!(named.contains(first_word) || replace.is_empty(), "line {line} is “{named}”, not the broken one");
}

#[test]
fn toml_syntax_error_names_the_line_and_key() {
    check_broken("title = \"粮食情况表\"", "title = \"粮食情况表", 15, "forms[0](ZX01).title", "文字缺少结尾的英文双引号");
}

/// Issue 32: a unit's name becomes file names; `../../escape镇` wrote its feedback outside
/// `output/`. plan check refuses it at its line.
#[test]
fn a_unit_name_with_a_path_in_it_is_refused() {
    check_broken("name = \"甲镇\"", "name = \"../../escape镇\"", 9, "units[0].name", "不能用于文件名的字符");
}

#[test]
fn unknown_field_names_the_line_and_key() {
    check_broken(
        "lead_units = [\"区农业农村局\"]",
        "lead_unit = [\"区农业农村局\"]",
        115,
        "targets[0](T01).lead_unit",
        "不认识的键“lead_unit”",
    );
}

#[test]
fn unknown_target_kind_lists_the_kinds() {
    check_broken("kind = \"at_least\"", "kind = \"atleast\"", 112, "targets[0](T01).kind", "“atleast”不是可选的值");
}

#[test]
fn target_pointing_at_an_unknown_indicator() {
    check_broken(
        "indicator = \"grain_area\"",
        "indicator = \"grain_areas\"",
        113,
        "targets[0](T01).indicator",
        "指标（indicator）“grain_areas”不是已定义的指标，是否为“grain_area”？",
    );
}

/// A column named like one of the store's own (`township`) would collide in its table.
#[test]
fn a_column_id_the_store_uses_is_refused() {
    check_broken("id = \"note\"", "id = \"township\"", 37, "forms[0](ZX01).columns[3](township).id", "是历史数据库自用的列名");
}

#[test]
fn ratio_target_written_as_a_fraction() {
    check_broken("value = 60", "value = 0.6", 140, "targets[2](T03).value", "比例目标按百分数填写（60% 写 60），现为 0.6");
}

/// Regression: the line was that of the first `id = "funds"` in the file (a form column).
#[test]
fn duplicate_indicator_id_points_at_the_second_definition() {
    check_broken(
        "id = \"paid\"\nname = \"已拨付资金\"",
        "id = \"funds\"\nname = \"已拨付资金\"",
        94,
        "indicators[3](funds).id",
        "指标 id“funds”重复",
    );
}

#[test]
fn part_of_pointing_at_a_text_column() {
    check_broken(
        "part_of = \"grain_area\"",
        "part_of = \"note\"",
        34,
        "forms[0](ZX01).columns[2](early_rice).part_of",
        "part_of 指向的“note”不是本表的数值列",
    );
}

#[test]
fn milestones_not_increasing_point_at_the_milestone() {
    check_broken(
        "{ by = 2024-09-30, value = 80.0 }",
        "{ by = 2024-05-31, value = 80.0 }",
        128,
        "targets[1](T02).milestones[2]",
        "时序节点（milestones）须按日期递增且数值不减",
    );
}

#[test]
fn filter_value_not_among_the_categories() {
    check_broken(
        "equals = \"新建桥梁\"",
        "equals = \"新桥\"",
        84,
        "indicators[1](bridges).filters[0]",
        "筛选值“新桥”不是列“项目类别”的可选值（新建桥梁、危桥改造）",
    );
}

#[test]
fn missing_required_key_points_at_its_item() {
    check_broken("quote = \"不低于60%。\"\n", "", 133, "targets[2](T03).quote", "缺少必填的键“quote”");
}

/// Nothing stops at the first problem: every cross-reference error is listed, each with its line.
#[test]
fn every_problem_of_a_plan_is_listed() {
    let broken = BASE_PLAN
        .replacen("indicator = \"grain_area\"", "indicator = \"nope\"", 1)
        .replacen("value = 60", "value = 0.6", 1)
        .replacen("part_of = \"grain_area\"", "part_of = \"note\"", 1);
    let wd = Workspace::new();
    wd.write("broken.toml", &broken);
    let run = wd.run(&["plan", "check", "--plan", "broken.toml"]);
    run.expect_code(2);
    let stderr = run.stderr();
    assert!(stderr.contains("有 3 处错误"), "{stderr}");
    for expected in [
        "第 34 行第 1 列 forms[0](ZX01).columns[2](early_rice).part_of：",
        "第 113 行第 1 列 targets[0](T01).indicator：",
        "第 140 行第 1 列 targets[2](T03).value：",
    ] {
        assert!(stderr.contains(expected), "expected “{expected}” in:\n{stderr}");
    }
    // The other subcommands refuse the plan the same way.
    wd.run(&["plan", "show", "--plan", "broken.toml"]).expect_code(2);
    wd.run(&["template", "--plan", "broken.toml", "--period", "2024-07", "--output", "t"]).expect_code(2);
    assert!(!wd.path("t").exists(), "no templates from a broken plan");
}

#[test]
fn plan_show_lists_every_target() {
    let wd = Workspace::new();
    for (name, text) in SHIPPED_PLANS {
        let plan = Plan::from_toml(text, name).expect("shipped plan is valid");
        let run = wd.run(&["plan", "show", "--plan", name]);
        run.expect_code(0);
        let stdout = run.stdout();
        assert!(stdout.contains(&plan.plan.district_full), "{stdout}");
        for target in &plan.targets {
            let row = stdout
                .lines()
                .find(|l| l.split_whitespace().next() == Some(target.id.as_str()))
                .unwrap_or_else(|| panic!("{name}: target {} not listed", target.id));
            assert!(row.contains(&target.clause) && row.contains(target.kind.label()), "{name}: {row}");
        }
        let numeric = plan.targets.iter().filter(|t| t.is_numeric()).count();
        assert!(stdout.contains(&format!("共 {} 项目标：量化 {numeric} 项", plan.targets.len())), "{stdout}");
    }
}

/// Number tokens of a text (`5.4`, `10.29`, `2023`), full-width digits read as ASCII.
fn numbers_in(text: &str) -> Vec<String> {
    let ascii: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            _ => c,
        })
        .collect();
    let mut numbers = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = ascii.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let decimal_point =
            *c == '.' && !current.is_empty() && !current.contains('.') && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || decimal_point {
            current.push(*c);
        } else if !current.is_empty() {
            numbers.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        numbers.push(current);
    }
    numbers
}

#[test]
fn every_shipped_target_has_its_clause_quote_and_stated_numbers_from_the_seed() {
    for (name, text) in SHIPPED_PLANS {
        let plan = Plan::from_toml(text, name).expect("shipped plan is valid");
        for target in &plan.targets {
            assert!(!target.clause.trim().is_empty(), "{name} {}: no clause", target.id);
            assert!(!target.quote.trim().is_empty(), "{name} {}: no quote", target.id);
        }
    }
    let seeds = support::seeds_dir();
    if !support::tool_or_skip("seeds", seeds.is_some(), "the district documents in ../shared/seeds next to the repository") {
        return;
    }
    let seeds = seeds.unwrap();
    for (name, prefix) in [("yunxi-2024", "000_"), ("echeng-2024", "002_")] {
        let seed = std::fs::read_dir(&seeds)
            .expect("seeds folder readable")
            .filter_map(|e| e.ok())
            .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
            .unwrap_or_else(|| panic!("no seed {prefix}*.txt in {}", seeds.display()));
        let document = std::fs::read_to_string(seed.path()).expect("seed is UTF-8");
        let in_document: std::collections::BTreeSet<String> = numbers_in(&document).into_iter().collect();
        let (plan, _) = Plan::resolve(Some(name)).expect("shipped plan");
        let mut stated = 0;
        for target in plan.targets.iter().filter(|t| !t.stated.is_empty()) {
            stated += 1;
            for number in numbers_in(&target.stated) {
                assert!(
                    in_document.contains(&number),
                    "{name} {}: “{}” states {number}, which is not in {}",
                    target.id,
                    target.stated,
                    seed.path().display()
                );
            }
        }
        assert!(stated >= 10, "{name}: only {stated} targets state their wording");
        // Quotes are the document's own words: each fragment (joined by ……) is in the seed verbatim.
        for target in &plan.targets {
            for fragment in target.quote.split("……").map(|f| f.trim_end_matches('。')).filter(|f| !f.is_empty()) {
                assert!(document.contains(fragment), "{name} {}: quote fragment “{fragment}” is not in the document", target.id);
            }
        }
    }
}

#[test]
fn numbers_in_reads_decimals_and_full_width_digits() {
    assert_eq!(numbers_in("5.4万亩（3月底前）"), ["5.4", "3"]);
    assert_eq!(numbers_in("１０．２９万亩，120%。"), ["10.29", "120"]);
}

/// Schedules are checked when the plan is loaded: curves must be twelve non-decreasing shares
/// ending at 100%, dates must fall in the plan year, every schedule must resolve (its curve
/// exists, an event has its month), and an assumed timing must say why.
#[test]
fn schedules_are_checked() {
    let broken = BASE_PLAN
        .replacen(
            "[[targets]]",
            r#"[[curves]]
id = "dips"
name = "回落的曲线"
shares = [0.0, 0.1, 0.3, 0.2, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.0, 1.0]
source = "测试"

[[curves]]
id = "short"
name = "不到百分之百"
shares = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.9, 0.9]
source = "测试"

[[targets]]"#,
            1,
        )
        .replacen(
            "quote = \"粮食播种面积100亩。\"",
            "quote = \"粮食播种面积100亩。\"\nschedule = { kind = \"linear\", start = 2023-12-01, due = 2024-10-30, assumed = true }",
            1,
        )
        + r#"
[[targets]]
id = "T04"
clause = "一4"
task = "工程"
name = "泵站完工"
kind = "count"
indicator = "grain_area"
value = 1
lead_units = ["区水利局"]
quote = "完成泵站。"
schedule = { kind = "event" }

[[targets]]
id = "T05"
clause = "一5"
task = "工程"
name = "播种"
kind = "at_least"
indicator = "grain_area"
value = 1
lead_units = ["区农业农村局"]
quote = "播种。"
schedule = { kind = "curve", curve = "missing" }
"#;
    let wd = Workspace::new();
    wd.write("broken.toml", &broken);
    let run = wd.run(&["plan", "check", "--plan", "broken.toml"]);
    run.expect_code(2);
    let stderr = run.stderr();
    for (key, message) in [
        ("curves[0](dips).shares", "shares 应逐月不减：4 月比 3 月小"),
        ("curves[1](short).shares", "shares 最后（12月）应为 1（100%），现为 0.9"),
        ("targets[0](T01).schedule.start", "进度开始（start）2023-12-01 不在方案年度 2024 内"),
        ("targets[0](T01).schedule.source", "暂定的进度安排（进度暂定，assumed = true）须写明进度依据（source）"),
        ("targets[3](T04).schedule.month", "一次性完成的，须写计划月份（month，1–12）"),
        ("targets[4](T05).schedule.curve", "进度曲线（curve）“missing”不是已定义的曲线"),
    ] {
        assert!(stderr.lines().any(|l| l.contains(key) && l.contains(message)), "expected {key}: {message} in:\n{stderr}");
    }
}

// ------------------------------------------------------------- what a careless plan gets wrong

/// The stderr of `plan check` on `BASE_PLAN` with `find` replaced (exit code 2).
fn broken_plan_message(find: &str, replace: &str) -> String {
    assert_eq!(BASE_PLAN.matches(find).count(), 1, "test setup: “{find}” must occur once");
    let wd = Workspace::new();
    wd.write("broken.toml", BASE_PLAN.replacen(find, replace, 1));
    let run = wd.run(&["plan", "check", "--plan", "broken.toml"]);
    run.expect_code(2);
    run.stderr()
}

/// The stdout of a `plan check` that passes, with `find` replaced (its warnings).
fn plan_warnings(find: &str, replace: &str) -> String {
    assert_eq!(BASE_PLAN.matches(find).count(), 1, "test setup: “{find}” must occur once");
    let wd = Workspace::new();
    wd.write("plan.toml", BASE_PLAN.replacen(find, replace, 1));
    let run = wd.run(&["plan", "check", "--plan", "plan.toml"]);
    run.expect_code(0);
    run.stdout()
}

#[test]
fn full_width_punctuation_typed_on_a_chinese_keyboard_is_named_at_its_column() {
    let stderr = broken_plan_message("lead_units = [\"区农业农村局\"]", "lead_units = [\"区农业农村局\"，\"区水利局\"]");
    assert!(stderr.contains("第 115 行第 23 列：中文逗号（，）应改为英文逗号（,）"), "{stderr}");
    let stderr = broken_plan_message("name = \"粮食播种面积\"\nkind = \"at_least\"", "name = “粮食播种面积”\nkind = \"at_least\"");
    assert!(stderr.contains("第 111 行第 8 列：中文引号（“）应改为英文双引号（\"）"), "{stderr}");
    assert!(stderr.contains("有 2 处错误"), "{stderr}");
    // Inside quotes, full-width punctuation is text and stays.
    plan_warnings("quote = \"粮食播种面积100亩。\"", "quote = \"粮食播种面积，100亩：完成。\"");
}

#[test]
fn a_value_written_with_its_unit_says_the_number_to_write() {
    let stderr = broken_plan_message("value = 100\n", "value = \"6万亩\"\n");
    assert!(stderr.contains("第 114 行第 9 列 targets[0](T01).value："), "{stderr}");
    assert!(stderr.contains("请写 value = 60000（以亩计），并把文件的写法写在 stated = \"6万亩\""), "{stderr}");
}

#[test]
fn toml_syntax_errors_say_in_chinese_what_to_write() {
    // What a statistician types where the TOML parser has only English: a number with its
    // unit, thousands separators, full-width digits, text without quotes, a short date.
    for (typed, said) in [
        ("value = 6万亩\n", "“6万亩”带了单位，这里只写数字：请写 value = 60000（以亩计），并把文件的写法写在 stated = \"6万亩\""),
        ("value = 1,000\n", "“1,000”这里只写阿拉伯数字（不带千分位逗号、单位和全角数字）：请写 value = 1000"),
        ("value = １００\n", "请写 value = 100"),
        ("value = \n", "等号后没有值"),
        ("value = 100。\n", "“100。”不是数字"),
        ("value = 100\ndeadline = 2024-9-30\n", "日期“2024-9-30”应写作 2024-09-30（年-月-日，月和日各两位，不加引号）"),
        ("value = 100\ndeadline = 2024年9月30日\n", "日期“2024年9月30日”应写作 2024-09-30"),
        ("value = 100\nclause = T03\n", "文字要加英文双引号：写成 clause = \"T03\""),
        ("value = 100\nclause = N03\n", "文字要加英文双引号：写成 clause = \"N03\""),
    ] {
        let stderr = broken_plan_message("value = 100\n", typed);
        assert!(stderr.contains("第 114 行第 ") || stderr.contains("第 115 行第 "), "{typed}: {stderr}");
        assert!(stderr.contains(said), "{typed}: {stderr}");
        assert!(!stderr.contains("expected"), "no English left: {stderr}");
    }
    let stderr = broken_plan_message("kind = \"at_least\"\nindicator = \"grain_area\"", "kind = \"红线\"\nindicator = \"grain_area\"");
    assert!(stderr.contains("“红线”不是可选的值（可选：at_least（年度/限期目标）、count（数量目标）、floor（底线（红线））"), "{stderr}");
}

#[test]
fn a_frequency_on_a_township_figure_is_a_warning_that_it_does_nothing() {
    let warnings = plan_warnings("lead_units = [\"区农业农村局\"]", "lead_units = [\"区农业农村局\"]\nfrequency = \"quarterly\"");
    assert!(warnings.contains("targets[0](T01).frequency：报送频次只对部门台账报送的指标起作用"), "{warnings}");
    assert!(warnings.contains("“季报”不起作用"), "{warnings}");
}

#[test]
fn allocations_far_from_the_target_are_an_error_and_near_it_a_warning() {
    let far = "value = 100\nallocations = { \"甲镇\" = 220 }\n";
    let stderr = broken_plan_message("value = 100\n", far);
    assert!(stderr.contains("分解任务合计 220 与目标值 100 相差太大（是目标值的 2.2 倍）"), "{stderr}");
    let near = plan_warnings("value = 100\n", "value = 100\nallocations = { \"甲镇\" = 95 }\n");
    assert!(near.contains("分解任务合计 95 比目标值 100 少 5，请确认"), "{near}");
    let equal = plan_warnings("value = 100\n", "value = 100\nallocations = { \"甲镇\" = 100 }\n");
    assert!(!equal.contains("分解任务"), "{equal}");
}

#[test]
fn an_indicator_in_another_unit_than_its_column_is_refused() {
    let stderr = broken_plan_message("unit = \"亩\"\nform = \"ZX01\"", "unit = \"个\"\nform = \"ZX01\"");
    assert!(stderr.contains("指标单位“个”与所汇总的列“粮食播种面积（亩）”的单位“亩”不同"), "{stderr}");
}

#[test]
fn a_value_on_a_tracked_target_is_refused() {
    let stderr = broken_plan_message("kind = \"at_least\"", "kind = \"tracked\"");
    assert!(stderr.contains("targets[0](T01).value：跟踪监测不设目标值"), "{stderr}");
}

#[test]
fn allocations_of_a_figure_no_unit_reports_are_refused() {
    // Departments report on a ledger; townships cannot be compared with shares of it.
    let ledger = r#"
[[forms]]
id = "BM01"
sheet = "部门台账"
title = "部门台账"
row_kind = "item"
reporter = "department"

[[forms.columns]]
id = "target_id"
name = "指标编号"
kind = "key"

[[forms.columns]]
id = "value"
name = "本年累计完成"
kind = "number"

[[indicators]]
id = "ledger_t01"
name = "粮食播种面积（台账）"
unit = "亩"
form = "BM01"
column = "value"
filters = [{ column = "target_id", equals = "T01" }]
"#;
    let stderr = broken_plan_message(
        "indicator = \"grain_area\"\nvalue = 100\n",
        &format!("indicator = \"ledger_t01\"\nvalue = 100\nallocations = {{ \"甲镇\" = 100 }}\n{}", ""),
    );
    // Without the ledger the indicator is unknown; with it, the allocations are the error.
    assert!(stderr.contains("ledger_t01"), "{stderr}");
    let wd = Workspace::new();
    let text = BASE_PLAN
        .replacen(
            "indicator = \"grain_area\"\nvalue = 100\n",
            "indicator = \"ledger_t01\"\nvalue = 100\nallocations = { \"甲镇\" = 100 }\n",
            1,
        )
        .replacen("[[targets]]", &format!("{ledger}\n[[targets]]"), 1);
    wd.write("plan.toml", &text);
    let run = wd.run(&["plan", "check", "--plan", "plan.toml"]);
    run.expect_code(2);
    assert!(run.stderr().contains("这个目标的指标由部门台账填报，各乡镇（街道）不报送它，分解任务无从比较"), "{}", run.stderr());
}

#[test]
fn lead_units_must_be_among_the_departments_listed() {
    let departments = "[[departments]]\nname = \"区农业农村局\"\n\n[[departments]]\nname = \"区财政局\"\n\n[[targets]]";
    let ok = plan_warnings("[[targets]]\nid = \"T01\"", &format!("{departments}\nid = \"T01\""));
    assert!(!ok.contains("牵头单位"), "{ok}");
    let wd = Workspace::new();
    let text = BASE_PLAN.replacen("[[targets]]\nid = \"T01\"", &format!("{departments}\nid = \"T01\""), 1).replacen(
        "lead_units = [\"区财政局\"]",
        "lead_units = [\"区财务局\"]",
        1,
    );
    wd.write("plan.toml", &text);
    let run = wd.run(&["plan", "check", "--plan", "plan.toml"]);
    run.expect_code(2);
    assert!(run.stderr().contains("牵头单位“区财务局”不在部门表（departments）中，是否为“区财政局”？"), "{}", run.stderr());
    // Without a list of departments, lead units cannot be checked: said as a warning.
    assert!(plan_warnings("id = \"T01\"", "id = \"T01\"").contains("方案未列出部门") || !BASE_PLAN.contains("reporter = \"department\""));
}

#[test]
fn a_target_left_to_the_default_schedule_is_a_warning_naming_it() {
    let warnings = plan_warnings("id = \"T01\"", "id = \"T01\"");
    assert!(warnings.contains("targets[0](T01).schedule：未写进度安排（schedule），按默认的全年均匀推进计算序时进度"), "{warnings}");
    let quiet = plan_warnings("value = 100\n", "value = 100\nschedule = { kind = \"linear\" }\n");
    assert!(!quiet.contains("未写进度安排"), "{quiet}");
}

#[test]
fn a_unit_without_a_village_list_is_an_error_and_any_village_a_warning() {
    let stderr = broken_plan_message("villages = [\"一村\", \"二村\"]", "villages = []");
    assert!(stderr.contains("“甲镇”没有村（社区）名单：请按统计名录补上，或写 villages = \"any\""), "{stderr}");
    let warnings = plan_warnings("villages = [\"一村\", \"二村\"]", "villages = \"any\"");
    assert!(warnings.contains("以下单位不核对村名（villages = \"any\"）") && warnings.contains("甲镇"), "{warnings}");
}

/// A project deadline of another year (a plan copied from last year's) is a warning at the
/// `due` line itself.
#[test]
fn a_project_deadline_outside_the_plan_year_is_named_at_its_line() {
    let text = zhenxing::plan::SHIPPED_PLANS.iter().find(|(n, _)| *n == "yunxi-2024").unwrap().1;
    assert_eq!(text.matches("due = 2024-03-31\n").count(), 1, "test setup");
    let line = text.lines().position(|l| l == "due = 2024-03-31").unwrap() + 1;
    let wd = Workspace::new();
    wd.write("plan.toml", text.replacen("due = 2024-03-31\n", "due = 2023-03-31\n", 1));
    let run = wd.run(&["plan", "check", "--plan", "plan.toml"]);
    run.expect_code(0);
    let expected = format!(
        "第 {line} 行第 1 列 forms[1](ZX02).timing.due：“高标准农田建设进度表”各项目的统一期限（due）2023-03-31 不在方案年度 2024 内"
    );
    assert!(run.stdout().contains(&expected), "{expected}\n{}", run.stdout());
}
