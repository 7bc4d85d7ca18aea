//! `zhenxing check FILE|DIR…` run as the real binary on a temp workspace (SPEC "Commands"):
//! issues printed grouped by file, exit code 1 when a file has errors and 0 otherwise,
//! `--format json` and `--format csv` machine-readable, nothing written.
//!
//! Input files are township workbooks from the canonical template writer (the same one that
//! makes the sample input), with one deliberate mistake where a test needs it.

use crate::common;

use std::collections::BTreeMap;

use common::Workspace;
use zhenxing::issue::Rule;
use zhenxing::period::Period;
use zhenxing::plan::Plan;
use zhenxing::report::template::{Fill, FilledForm, TemplateRequest, file_name, workbook_bytes};

fn march() -> Period {
    Period::new(2024, 3).expect("valid period")
}

/// A township's March workbook with the sample figures, after `edit`.
fn workbook(unit: &str, edit: impl FnOnce(&mut BTreeMap<String, FilledForm>)) -> Vec<u8> {
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).expect("shipped plan");
    let reporting_unit = plan.unit(unit).expect("reporting unit").clone();
    let mut filled = zhenxing::sample::township_forms(&plan, &reporting_unit, march());
    edit(&mut filled);
    workbook_bytes(&TemplateRequest { plan: &plan, unit, period: march(), filled, protect: true }).expect("workbook")
}

fn clean(unit: &str) -> Vec<u8> {
    workbook(unit, |_| {})
}

/// 耕地面积 of the fifth village (row 8) typed as `约1500`: one E05 error.
fn with_error(unit: &str) -> Vec<u8> {
    workbook(unit, |forms| forms.get_mut("ZX01").expect("ZX01").rows[4][1] = Fill::Text("约1500".into()))
}

/// The first 高标准农田 project entered twice: one W04 warning, at the returned cell.
fn with_warning(unit: &str) -> (Vec<u8>, String) {
    let mut cell = String::new();
    let bytes = workbook(unit, |forms| {
        let rows = &mut forms.get_mut("ZX02").expect("ZX02").rows;
        rows.push(rows[0].clone());
        cell = format!("A{}", 3 + rows.len());
    });
    (bytes, cell)
}

fn put(workspace: &Workspace, unit: &str, bytes: &[u8]) -> String {
    let relative = format!("input/2024-03/{}", file_name(unit, march()));
    workspace.write(&relative, bytes);
    relative
}

/// The table output split into blocks: a file's heading line → its issue lines.
fn blocks(stdout: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        match (line.starts_with("  "), blocks.last_mut()) {
            (true, Some((_, lines))) => lines.push(line.trim().to_string()),
            _ => blocks.push((line.to_string(), Vec::new())),
        }
    }
    blocks
}

#[test]
fn check_dir_prints_issues_grouped_by_file_and_exits_1_on_errors() {
    let workspace = Workspace::new();
    put(&workspace, "长岭街道", &with_error("长岭街道"));
    put(&workspace, "云溪街道", &clean("云溪街道"));
    let (warned, warned_cell) = with_warning("陆城镇");
    put(&workspace, "陆城镇", &warned);

    let run = workspace.zhenxing(&["check", "input/2024-03"]);
    assert_eq!(run.code, 1, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    // Nothing on stderr but the word that the sample plan was taken (no plan file here).
    let said: Vec<&str> = run.stderr.lines().filter(|l| !l.starts_with("提示：当前目录没有 plan.toml 或 方案.xlsx")).collect();
    assert!(said.is_empty(), "{}", run.stderr);
    let blocks = blocks(&run.stdout);
    let headings: Vec<&str> = blocks.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(
        headings,
        [
            "2024-03/云溪街道_2024年03月.xlsx（云溪街道）：通过，错误 0 个，警告 0 个",
            "2024-03/长岭街道_2024年03月.xlsx（长岭街道）：有错误，不予采用，错误 1 个，警告 0 个",
            "2024-03/陆城镇_2024年03月.xlsx（陆城镇）：可采用，有警告，错误 0 个，警告 1 个",
            "注：历史数据库中没有上月数据，未做“累计数小于上月”“大起大落”校验。",
            "共 3 个文件：错误 1 个，警告 1 个。",
        ]
    );
    assert_eq!(blocks[0].1, Vec::<String>::new());
    assert_eq!(blocks[1].1.len(), 1);
    let error_line = &blocks[1].1[0];
    assert!(error_line.starts_with("✗ 粮食与耕地!B8"), "{error_line}");
    assert!(error_line.contains("E05 不是数字") && error_line.contains("约1500"), "{error_line}");
    assert_eq!(blocks[2].1.len(), 1);
    let warning_line = &blocks[2].1[0];
    assert!(warning_line.starts_with(&format!("! 高标准农田!{warned_cell}")), "{warning_line}");
    assert!(warning_line.contains("W04 重复填报"), "{warning_line}");
}

#[test]
fn check_exit_code_says_whether_a_file_has_errors() {
    // (what the folder holds, arguments, exit code)
    let cases: &[(&str, &[&str], i32)] = &[
        ("clean", &["check", "input/2024-03"], 0),
        ("warnings only", &["check", "input/2024-03"], 0),
        ("an error", &["check", "input/2024-03"], 1),
        ("an error, one file named", &["check", "input/2024-03/长岭街道_2024年03月.xlsx"], 1),
        ("clean, period given", &["check", "input/2024-03", "--period", "2024-03"], 0),
        ("clean, no such folder", &["check", "input/2024-13"], 2),
    ];
    for (what, args, code) in cases {
        let workspace = Workspace::new();
        let bytes = match *what {
            w if w.starts_with("clean") => clean("长岭街道"),
            "warnings only" => with_warning("长岭街道").0,
            _ => with_error("长岭街道"),
        };
        put(&workspace, "长岭街道", &bytes);
        let run = workspace.zhenxing(args);
        assert_eq!(run.code, *code, "{what}: stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        if *code == 2 {
            assert!(run.stderr.lines().last().is_some_and(|l| l.starts_with("错误：")), "{what}: {}", run.stderr);
        } else {
            assert!(run.stdout.contains("2024-03/长岭街道_2024年03月.xlsx（长岭街道）"), "{what}: {}", run.stdout);
        }
    }
}

/// Issue 31: a workbook holding none of the forms was `（单位不明）：通过` with exit 0. It is an
/// attachment, the forms it should hold are named, and the exit code says it is not counted; a
/// photo beside a clean report changes nothing.
#[test]
fn check_on_a_workbook_that_holds_none_of_the_forms_does_not_say_passed() {
    let workspace = Workspace::new();
    let mut sheet = common::Sheet::new("Sheet1");
    sheet.set("A1", "办公经费支出明细").set("A2", "项目").set("B2", "金额").set("A3", "办公费").set("B3", 100.0);
    workspace.write("other.xlsx", common::xlsx(&[sheet]));
    let run = workspace.zhenxing(&["check", "other.xlsx", "--period", "2024-03"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("附件：未找到任何一张报表（应有 粮食与耕地、高标准农田、农村公路、人居环境）"), "{}", run.stdout);
    assert!(!run.stdout.contains("通过"), "{}", run.stdout);

    let workspace = Workspace::new();
    put(&workspace, "长岭街道", &clean("长岭街道"));
    workspace.write("input/2024-03/现场照片.jpg", b"\xFF\xD8\xFF\xE0 not really a photo");
    let run = workspace.zhenxing(&["check", "input/2024-03"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("附件（非报表），不计入汇总"), "{}", run.stdout);
}

#[test]
fn check_format_json_is_parseable_and_lists_files_and_issues() {
    let workspace = Workspace::new();
    put(&workspace, "长岭街道", &with_error("长岭街道"));
    put(&workspace, "云溪街道", &clean("云溪街道"));
    let run = workspace.zhenxing(&["check", "input/2024-03", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is one JSON document");
    assert_eq!(json["period"], "2024-03");
    assert_eq!(json["history_checked"], false);
    let files: Vec<(String, String, String, u64)> = json["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().into(),
                f["township"].as_str().unwrap().into(),
                f["status"].as_str().unwrap().into(),
                f["errors"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("2024-03/云溪街道_2024年03月.xlsx".into(), "云溪街道".into(), "used".into(), 0),
            // One error in one form: that form is not counted, the file's other forms are.
            ("2024-03/长岭街道_2024年03月.xlsx".into(), "长岭街道".into(), "partly_used".into(), 1),
        ]
    );
    let issues = json["issues"].as_array().expect("issues");
    assert_eq!(issues.len(), 1);
    let issue = &issues[0];
    assert_eq!(issue["file"], "2024-03/长岭街道_2024年03月.xlsx");
    assert_eq!(issue["sheet"], "粮食与耕地");
    assert_eq!(issue["cell"], "B8");
    assert_eq!(issue["township"], "长岭街道");
    assert_eq!(issue["severity"], "error");
    assert_eq!(issue["rule"], serde_json::to_value(Rule::NotANumber).expect("rule"));
    assert_eq!(issue["value"], "约1500");
    assert!(issue["message"].as_str().expect("message").contains("应填数字"));
}

#[test]
fn check_format_csv_is_parseable_with_the_issue_columns() {
    let workspace = Workspace::new();
    put(&workspace, "长岭街道", &with_error("长岭街道"));
    let (warned, warned_cell) = with_warning("陆城镇");
    put(&workspace, "陆城镇", &warned);
    let run = workspace.zhenxing(&["check", "input/2024-03", "--format", "csv"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.starts_with('\u{feff}'), "no BOM on a terminal");
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(String::from).collect();
    assert_eq!(header, ["file", "sheet", "cell", "township", "severity", "rule", "value", "message", "explanation"]);
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.expect("record").iter().map(String::from).collect()).collect();
    let short: Vec<[&str; 6]> =
        rows.iter().map(|r| [r[0].as_str(), r[1].as_str(), r[2].as_str(), r[3].as_str(), r[4].as_str(), r[5].as_str()]).collect();
    assert_eq!(
        short,
        [
            ["2024-03/长岭街道_2024年03月.xlsx", "粮食与耕地", "B8", "长岭街道", "错误", "E05 不是数字"],
            ["2024-03/陆城镇_2024年03月.xlsx", "高标准农田", warned_cell.as_str(), "陆城镇", "警告", "W04 重复填报"],
        ]
    );
    assert_eq!(rows[0][6], "约1500");
    assert!(!rows[1][7].is_empty());
}

#[test]
fn check_writes_nothing_and_leaves_the_input_untouched() {
    let workspace = Workspace::new();
    put(&workspace, "长岭街道", &with_error("长岭街道"));
    put(&workspace, "云溪街道", &clean("云溪街道"));
    let before = workspace.snapshot();
    for format in ["table", "json", "csv"] {
        let run = workspace.zhenxing(&["check", "input/2024-03", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
    }
    assert_eq!(workspace.snapshot(), before, "no file created, changed or removed");
}

/// Regression: `check` on a single file outside a period folder refused to check anything
/// without `--period`. It takes the month from the file (here its 填报月份 line; the name has
/// none) and says which it used; only a file with no month anywhere asks for `--period`.
#[test]
fn check_takes_the_period_from_the_file_and_says_so() {
    let workspace = Workspace::new();
    let path = workspace.write("downloads/长岭街道报表.xlsx", clean("长岭街道"));
    let out = workspace.zhenxing(&["check", path.to_str().unwrap(), "--store", "none"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("报送月份按") && out.stdout.contains("填报月份“2024年3月”") && out.stdout.contains("取为2024年3月"),
        "{}",
        out.stdout
    );
    // A year-to-date name (`1-3月`) means March.
    let path = workspace.write("downloads/长岭街道2024年1-3月乡村振兴报表.xlsx", clean("长岭街道"));
    let out = workspace.zhenxing(&["check", path.to_str().unwrap(), "--store", "none", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["period"], "2024-03");
    assert!(json["period_from_file"].as_str().is_some_and(|s| s.contains("文件名")), "{json}");
    // No month anywhere: asked for.
    let path = workspace.write("downloads/空白.csv", "村,耕地\n".as_bytes());
    let out = workspace.zhenxing(&["check", path.to_str().unwrap(), "--store", "none"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("--period"), "{}", out.stderr);
}

/// A department's ledger dropped among the townships' files is named (W13) with the folder it
/// belongs in, and the file is said not to count, not "可采用".
#[test]
fn a_ledger_outside_its_folder_is_named_and_not_counted() {
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).expect("shipped plan");
    let values = BTreeMap::from([("Y21", 3.0)]);
    let filled = BTreeMap::from([("BM01".to_string(), zhenxing::sample::department_form(&plan, "区住建局", march(), &values))]);
    let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: "区住建局", period: march(), filled, protect: true }).unwrap();
    let workspace = Workspace::new();
    workspace.write(&format!("input/2024-03/{}", file_name("区住建局", march())), bytes);
    let run = workspace.zhenxing(&["check", "input/2024-03"]);
    assert!(run.stdout.contains("2024-03/区住建局_2024年03月.xlsx（单位不明）：不计入汇总"), "{}", run.stdout);
    assert_eq!(run.code, 1, "a file that does not count is not a clean check");
    assert!(
        run.stdout
            .contains("W13 部门台账放错文件夹  这是部门台账（区直部门重点任务进展台账），应放在本月的“部门”文件夹中（2024-03/部门/）"),
        "{}",
        run.stdout
    );
}

/// `zhenxing --version` says the version, the commit it was built from and the build date, so
/// that an office can tell which build it runs (issue 34).
#[test]
fn version_names_the_commit_and_the_build_date() {
    let workspace = Workspace::new();
    let run = workspace.zhenxing(&["--version"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run.stdout.trim();
    assert!(line.starts_with(&format!("zhenxing {}（提交 ", env!("CARGO_PKG_VERSION"))), "{line}");
    let date = line.rsplit("构建于 ").next().unwrap_or_default().trim_end_matches('）');
    assert!(date == "unknown" || chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(), "{line}");
}

/// `check` on a folder named like a workbook says it is a folder (E01) and exits 1; on an empty
/// folder it says there is nothing to check (exit 2), never 通过 with 0 files (issue 32).
#[test]
fn a_folder_posing_as_a_workbook_or_an_empty_folder_is_not_passed() {
    let workspace = Workspace::new();
    std::fs::create_dir_all(workspace.path("input/2024-06/陆城镇_2024年06月.xlsx")).unwrap();
    std::fs::create_dir_all(workspace.path("input/2024-07")).unwrap();
    let run = workspace.zhenxing(&["check", "input/2024-06/陆城镇_2024年06月.xlsx"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("E01 文件无法读取  这是一个文件夹而不是表格文件"), "{}", run.stdout);
    let run = workspace.zhenxing(&["check", "input/2024-07"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("input/2024-07 中没有任何文件，无可检查"), "{}", run.stderr);
}
