//! `zhenxing template`: one workbook per township plus the department ledger, read back with
//! calamine for what a statistician sees (sheets, the 填报单位 line, headers, villages), and
//! unzipped for what calamine cannot see (data validation, protection, print setup). A template
//! filled by the tool's own filler passes `check` with no issues.

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{Run, Workspace};
use calamine::{Data, Reader, SheetVisible, Xlsx, open_workbook};
use support::{attribute, sheet_xml, start_tags, zip_entry};
use zhenxing::period::Period;
use zhenxing::plan::{ColumnKind, Plan, Reporter, RowKind};
use zhenxing::report::template::{TemplateRequest, department_items, file_name, workbook_bytes};

fn yunxi() -> Plan {
    Plan::resolve(Some("yunxi-2024")).expect("shipped plan").0
}

/// A workspace with `zhenxing template --period 2024-07 --output templates` run in it.
fn templates() -> (Workspace, Run) {
    let wd = Workspace::new();
    let run = wd.run(&["template", "--period", "2024-07", "--output", "templates"]);
    run.expect_code(0);
    (wd, run)
}

fn text_at(range: &calamine::Range<Data>, row: u32, column: u32) -> String {
    range.get_value((row, column)).map(|d| d.to_string()).unwrap_or_default()
}

#[test]
fn writes_one_workbook_per_township_and_per_department() {
    let (wd, run) = templates();
    let plan = yunxi();
    let period = Period::new(2024, 7).unwrap();
    let mut expected: Vec<PathBuf> = plan.units.iter().map(|u| PathBuf::from(file_name(&u.name, period))).collect();
    let departments = plan.departments();
    // Ten first lead units of ledger targets, and 区住建局, whose ledger also reports its own 危房改造
    // figure (Y21) for the cross-check with the townships' sum.
    assert_eq!(departments.len(), 11, "the first lead units of yunxi's ledger targets: {departments:?}");
    assert!(departments.iter().any(|d| d == "区住建局"), "{departments:?}");
    for department in &departments {
        expected.push(Path::new("部门").join(file_name(department, period)));
    }
    let mut found = Vec::new();
    for entry in walk(&wd.path("templates")) {
        found.push(entry.strip_prefix(wd.path("templates")).unwrap().to_path_buf());
    }
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(expected.len(), 16, "5 townships + 11 departments' ledgers under 部门/");
    for name in &expected {
        assert!(run.stdout().contains(&name.file_name().unwrap().to_string_lossy().to_string()), "{}", run.stdout());
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn township_workbooks_have_the_forms_headers_villages_and_unit_line() {
    let (wd, _) = templates();
    let plan = yunxi();
    let forms: Vec<_> = plan.township_forms().collect();
    let sheets: Vec<&str> = forms.iter().map(|f| f.sheet.as_str()).collect();
    assert_eq!(sheets, ["粮食与耕地", "高标准农田", "农村公路", "人居环境"]);
    for unit in &plan.units {
        let path = wd.path(&format!("templates/{}_2024年07月.xlsx", unit.name));
        let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
        let visible: Vec<String> =
            workbook.sheets_metadata().iter().filter(|s| s.visible == SheetVisible::Visible).map(|s| s.name.clone()).collect();
        assert_eq!(visible, ["粮食与耕地", "高标准农田", "农村公路", "人居环境", "填报说明"], "{}", unit.name);
        let hidden: Vec<String> =
            workbook.sheets_metadata().iter().filter(|s| s.visible != SheetVisible::Visible).map(|s| s.name.clone()).collect();
        assert_eq!(hidden, ["名录"], "the village list for the dropdowns is a hidden sheet");
        for form in &forms {
            let range = workbook.worksheet_range(&form.sheet).unwrap();
            assert_eq!(text_at(&range, 0, 0), format!("{}（{}）", form.title, form.id));
            assert_eq!(text_at(&range, 1, 0), format!("填报单位：{}    填报月份：2024年7月", unit.name), "{} {}", unit.name, form.sheet);
            let headers: Vec<String> = (0..form.columns.len() as u32).map(|c| text_at(&range, 2, c)).collect();
            let expected: Vec<String> = form.columns.iter().map(|c| c.header()).collect();
            assert_eq!(headers, expected, "{} {} header row 3", unit.name, form.sheet);
            if form.row_kind == RowKind::Village {
                let keys: Vec<String> = (0..unit.villages.names().len() as u32).map(|r| text_at(&range, 3 + r, 0)).collect();
                assert_eq!(keys, unit.villages.names(), "{} {}: every village from row 4", unit.name, form.sheet);
                assert_eq!(text_at(&range, 3 + unit.villages.names().len() as u32, 0), "", "no row after the last village");
            }
        }
        let list = workbook.worksheet_range("名录").unwrap();
        let listed: Vec<String> = (1..=unit.villages.names().len() as u32).map(|r| text_at(&list, r, 0)).collect();
        assert_eq!(listed, unit.villages.names());
        let notes = workbook.worksheet_range("填报说明").unwrap();
        let all: Vec<String> = notes.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
        assert!(all.iter().any(|t| t.contains("填报说明")), "title");
        for form in &forms {
            for column in &form.columns {
                assert!(all.contains(&column.header()), "填报说明 lists {} {}", form.id, column.header());
            }
            for line in &form.instructions {
                assert!(all.contains(line), "填报说明 has the instruction “{line}”");
            }
        }
    }
}

#[test]
fn a_department_ledger_lists_the_items_it_leads() {
    let (wd, _) = templates();
    let plan = yunxi();
    let path = wd.path("templates/部门/区民政局_2024年07月.xlsx");
    let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
    let form = plan.forms.iter().find(|f| f.reporter == Reporter::Department).unwrap();
    assert_eq!(workbook.sheet_names(), [form.sheet.as_str(), "填报说明"]);
    let range = workbook.worksheet_range(&form.sheet).unwrap();
    assert_eq!(text_at(&range, 1, 0), "填报单位：区民政局    填报月份：2024年7月");
    // 区民政局 leads 建设社区日间照料中心 (Y23) and 低保扩围 (Y24), and nothing else.
    let keys: Vec<String> = (0..3).map(|r| text_at(&range, 3 + r, 0)).collect();
    assert_eq!(keys, ["Y23", "Y24", ""]);

    // The combined ledger (on request) lists every department item.
    wd.run(&["template", "--period", "2024-07", "--township", "区直部门", "--output", "combined"]).expect_code(0);
    let mut workbook: Xlsx<_> = open_workbook(wd.path("combined/部门/区直部门_2024年07月.xlsx")).unwrap();
    let range = workbook.worksheet_range(&form.sheet).unwrap();
    assert_eq!(text_at(&range, 1, 0), "填报单位：区直部门    填报月份：2024年7月");
    let items = department_items(&plan);
    assert!(!items.is_empty());
    let keys: Vec<String> = (0..items.len() as u32).map(|r| text_at(&range, 3 + r, 0)).collect();
    assert_eq!(keys, items);
}

/// Style index → whether cells of that style are locked when the sheet is protected.
fn locked_styles(path: &Path) -> Vec<bool> {
    let styles = zip_entry(path, "xl/styles.xml");
    let start = styles.find("<cellXfs").expect("cellXfs");
    let end = styles[start..].find("</cellXfs>").map(|e| start + e).expect("cellXfs end");
    styles[start..end].split("<xf ").skip(1).map(|xf| !xf.contains("locked=\"0\"")).collect()
}

fn cell_style(xml: &str, cell: &str) -> usize {
    let tag = start_tags(xml, "c").into_iter().find(|c| attribute(c, "r") == Some(cell)).unwrap_or_else(|| panic!("no cell {cell}"));
    attribute(tag, "s").map(|s| s.parse().unwrap()).unwrap_or(0)
}

fn column_letter(index: usize) -> char {
    (b'A' + index as u8) as char
}

#[test]
fn township_workbooks_validate_protect_and_print() {
    let (wd, _) = templates();
    let plan = yunxi();
    let unit = plan.unit("陆城镇").unwrap();
    let path = wd.path("templates/陆城镇_2024年07月.xlsx");
    let sheets = sheet_xml(&path);
    let locked = locked_styles(&path);
    for form in plan.township_forms() {
        let xml = &sheets[&form.sheet];
        let validations = start_tags(xml, "dataValidation");
        let formula_of = |column: usize| -> Option<String> {
            let letter = column_letter(column);
            let at = xml.find(&format!("sqref=\"{letter}4:"))?;
            let tag_start = xml[..at].rfind("<dataValidation ")?;
            let formula = &xml[tag_start..];
            let f_start = formula.find("<formula1>")? + "<formula1>".len();
            let f_end = formula.find("</formula1>")?;
            Some(formula[f_start..f_end].to_string())
        };
        let validation_of = |column: usize| {
            let letter = column_letter(column);
            validations.iter().find(|v| attribute(v, "sqref").is_some_and(|s| s.starts_with(&format!("{letter}4:")))).copied()
        };
        for (c, column) in form.columns.iter().enumerate() {
            let what = format!("{} {}", form.sheet, column.header());
            match column.kind {
                ColumnKind::Number => {
                    let v = validation_of(c).unwrap_or_else(|| panic!("{what}: no validation"));
                    assert!(v.starts_with("<dataValidation type=\"decimal\" operator=\"greaterThanOrEqual\""), "{what}: {v}");
                    assert_eq!(formula_of(c).as_deref(), Some("0"), "{what}: ≥ 0");
                }
                ColumnKind::YesNo => {
                    assert_eq!(validation_of(c).and_then(|v| attribute(v, "type")), Some("list"), "{what}");
                    assert_eq!(formula_of(c).as_deref(), Some("\"是,否\""), "{what}");
                }
                ColumnKind::Category | ColumnKind::Unit => {
                    assert_eq!(validation_of(c).and_then(|v| attribute(v, "type")), Some("list"), "{what}");
                    assert_eq!(formula_of(c), Some(format!("\"{}\"", column.categories.join(","))), "{what}");
                }
                ColumnKind::Village => {
                    assert_eq!(validation_of(c).and_then(|v| attribute(v, "type")), Some("list"), "{what}");
                    assert_eq!(
                        formula_of(c),
                        Some(format!("名录!$A$2:$A${}", unit.villages.names().len() + 1)),
                        "{what}: the hidden village list"
                    );
                }
                _ => {}
            }
        }
        // The category dropdown of ZX03 is the plan's list of 项目类别.
        if form.id == "ZX03" {
            assert!(xml.contains("<formula1>\"白改黑,安全防护,新建桥梁,危桥改造,道路提质\"</formula1>"), "ZX03 categories");
        }
        // Protected, with the header rows locked and the cells to fill unlocked.
        let protection = start_tags(xml, "sheetProtection");
        assert_eq!(protection.len(), 1, "{}: <sheetProtection", form.sheet);
        assert_eq!(attribute(protection[0], "sheet"), Some("1"));
        for c in 0..form.columns.len() {
            let header = format!("{}3", column_letter(c));
            assert!(locked[cell_style(xml, &header)], "{} {header} (header) must be locked", form.sheet);
        }
        assert!(!locked[cell_style(xml, "B4")], "{} B4 (a value) must be open for input", form.sheet);
        let key_locked = locked[cell_style(xml, "A4")];
        assert_eq!(key_locked, form.row_kind == RowKind::Village, "{} A4: village names locked, project names open", form.sheet);
        // Print setup: A4 landscape, fit to one page wide (fitToWidth defaults to 1 when absent,
        // and rust_xlsxwriter writes only non-default values), headers repeated on every page.
        let setup = start_tags(xml, "pageSetup");
        assert_eq!(setup.len(), 1, "{}: <pageSetup", form.sheet);
        assert!(setup[0].starts_with("<pageSetup paperSize=\"9\""), "{}: {}", form.sheet, setup[0]);
        assert_eq!(attribute(setup[0], "orientation"), Some("landscape"));
        assert_eq!(attribute(setup[0], "fitToWidth").unwrap_or("1"), "1", "fitToWidth");
        assert_eq!(attribute(setup[0], "fitToHeight"), Some("0"), "as many pages high as needed");
        assert!(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{}: fit to page", form.sheet);
    }
    let workbook = zip_entry(&path, "xl/workbook.xml");
    for form in plan.township_forms() {
        assert!(workbook.contains(&format!("{}!$1:$3</definedName>", form.sheet)), "{}: rows 1–3 repeat on every printed page", form.sheet);
    }
    assert!(workbook.contains("name=\"名录\" sheetId=\"6\" state=\"hidden\""), "{workbook}");
}

/// Round trip: every township's template filled by `zhenxing::sample` (the tool's own filler),
/// and the department ledger, are accepted by `check` without a single issue, for both plans.
#[test]
fn filled_templates_pass_check_without_issues() {
    for (name, _) in zhenxing::plan::SHIPPED_PLANS {
        let plan = Plan::resolve(Some(name)).unwrap().0;
        let period = Period::new(2024, 7).unwrap();
        let wd = Workspace::new();
        for unit in &plan.units {
            let filled = zhenxing::sample::township_forms(&plan, unit, period);
            let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: &unit.name, period, filled, protect: true }).unwrap();
            wd.write(&format!("input/2024-07/{}", file_name(&unit.name, period)), bytes);
        }
        let mut files_expected = plan.units.len();
        if let Some(ledger) = plan.forms.iter().find(|f| f.reporter == Reporter::Department) {
            let values: BTreeMap<&str, f64> = BTreeMap::new();
            let filled = [(ledger.id.clone(), zhenxing::sample::department_form(&plan, plan.combined_ledger(), period, &values))]
                .into_iter()
                .collect();
            let bytes =
                workbook_bytes(&TemplateRequest { plan: &plan, unit: plan.combined_ledger(), period, filled, protect: true }).unwrap();
            wd.write("input/2024-07/部门/区直部门_2024年07月.xlsx", bytes);
            files_expected += 1;
        }

        let run = wd.run(&["check", "input/2024-07", "--format", "json", "--store", "empty-store", "--plan", name]);
        run.expect_code(0);
        let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
        assert_eq!(json["period"], "2024-07");
        assert_eq!(json["issues"].as_array().map(Vec::len), Some(0), "{name} issues: {:#}", json["issues"]);
        let files = json["files"].as_array().unwrap();
        assert_eq!(files.len(), files_expected, "{name}");
        for file in files {
            assert_eq!(file["status"], "used", "{name} {file}");
            assert_eq!((file["errors"].as_u64(), file["warnings"].as_u64()), (Some(0), Some(0)), "{name} {file}");
        }
        let townships: Vec<&str> = files.iter().filter_map(|f| f["township"].as_str()).collect();
        for unit in &plan.units {
            assert!(townships.contains(&unit.name.as_str()), "{name}: {} identified", unit.name);
        }
        // The table format says so too.
        let run = wd.run(&["check", "input/2024-07", "--store", "empty-store", "--plan", name]);
        run.expect_code(0);
        assert!(run.stdout().contains(&format!("共 {files_expected} 个文件：错误 0 个，警告 0 个。")), "{}", run.stdout());
        assert!(!wd.path("empty-store").exists(), "check writes nothing");
    }
}

/// The blank template itself is what a township would send back untouched: it is read (every
/// sheet found, township and month identified), and the only complaints are blank values.
#[test]
fn blank_template_is_recognised_by_check() {
    let (wd, _) = templates();
    let run = wd.run(&["check", "templates/陆城镇_2024年07月.xlsx", "--format", "json", "--store", "none"]);
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    assert_eq!(json["period"], "2024-07");
    assert_eq!(json["files"][0]["township"], "陆城镇");
    assert_eq!(json["files"][0]["errors"], 0);
    let issues = json["issues"].as_array().unwrap();
    assert!(!issues.is_empty(), "blank required numbers are flagged");
    for issue in issues {
        let message = issue["message"].as_str().unwrap_or_default();
        assert!(issue["severity"] == "warning" && message.contains("未填写"), "only blank values: {issue}");
    }
}

#[test]
fn one_township_only_and_a_misspelt_one_refused() {
    let wd = Workspace::new();
    wd.run(&["template", "--period", "2024-07", "--township", "陆城镇", "--output", "t"]).expect_code(0);
    assert_eq!(walk(&wd.path("t")), [wd.path("t/陆城镇_2024年07月.xlsx")]);
    let run = wd.run(&["template", "--period", "2024-07", "--township", "陆城", "--output", "u"]);
    run.expect_code(2);
    assert!(run.stderr().contains("“陆城”不是方案 yunxi-2024 的填报单位") && run.stderr().contains("陆城镇"), "{}", run.stderr());
    assert!(!wd.path("u").exists());
}

/// With a store, `template` fills what does not change by itself from the last stored month
/// (villages, 耕地 and other stock values, each project's identity and 建设任务) and shows last
/// month's year-to-date values as notes beside the cells the clerk fills again. A prefilled
/// workbook whose cumulative cells the clerk then fills is read back by `check` without an issue.
#[test]
fn templates_are_prefilled_from_the_store() {
    let wd = Workspace::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("input");
    for month in ["2024-05", "2024-06"] {
        for entry in std::fs::read_dir(sample.join(month)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                wd.write(&format!("input/{month}/{}", path.file_name().unwrap().to_string_lossy()), std::fs::read(&path).unwrap());
            }
        }
    }
    wd.run(&["run", "--quiet"]).expect_code(1);
    let run = wd.run(&["template", "--period", "2024-07", "--township", "陆城镇", "--output", "t"]);
    run.expect_code(0);
    assert!(run.stdout().contains("2024年6月"), "{}", run.stdout());
    let plan = yunxi();
    let mut workbook: Xlsx<_> = open_workbook(wd.path("t/陆城镇_2024年07月.xlsx")).unwrap();
    let zx01 = workbook.worksheet_range("粮食与耕地").unwrap();
    // 耕地面积 (a stock) is June's; 粮食播种面积 (year to date) is left for the clerk.
    assert_ne!(text_at(&zx01, 3, 1), "", "耕地面积 prefilled");
    assert_eq!(text_at(&zx01, 3, 3), "", "粮食播种面积 left blank");
    let zx03 = workbook.worksheet_range("农村公路").unwrap();
    assert_ne!(text_at(&zx03, 3, 0), "", "the first road project's name is prefilled");
    assert_ne!(text_at(&zx03, 3, 3), "", "its 建设任务 too");
    assert_eq!(text_at(&zx03, 3, 4), "", "its 累计完成 is the clerk's");
    // Last month's cumulative values are notes (comments), which readers ignore.
    let comments = zip_entry(&wd.path("t/陆城镇_2024年07月.xlsx"), "xl/comments1.xml");
    assert!(comments.contains("2024年6月所填"), "{}", &comments[..comments.len().min(400)]);

    // The clerk fills the cumulative cells (here: June's figures again); check finds nothing wrong.
    let records = zhenxing::store::read_records(&wd.path("data"), &plan, Period::new(2024, 6).unwrap(), None).unwrap();
    let mut filled = zhenxing::report::template::prefilled_forms(&plan, "陆城镇", &records, true, "2024年6月所填");
    let june_forms = zhenxing::sample::township_forms(&plan, plan.unit("陆城镇").unwrap(), Period::new(2024, 6).unwrap());
    for (form, prefilled) in filled.iter_mut() {
        let Some(source) = june_forms.get(form) else { continue };
        for (row, source_row) in prefilled.rows.iter_mut().zip(&source.rows) {
            for (cell, value) in row.iter_mut().zip(source_row) {
                if *cell == zhenxing::report::template::Fill::Empty {
                    *cell = value.clone();
                }
            }
        }
    }
    let period = Period::new(2024, 7).unwrap();
    let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: "陆城镇", period, filled, protect: true }).unwrap();
    wd.write("back/2024-07/陆城镇_2024年07月.xlsx", bytes);
    let run = wd.run(&["check", "back/2024-07", "--format", "json", "--store", "none"]);
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    assert_eq!(json["issues"].as_array().map(Vec::len), Some(0), "{:#}", json["issues"]);
}
