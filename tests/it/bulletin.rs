//! The leaders' workbook: headline values agree with progress.csv, the layout is pinned by a
//! golden summary of the sheet XML, text stays inert, re-runs are byte-identical, and the
//! workbook renders with LibreOffice.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::common::Workspace;

const BULLETIN: &str = "云溪区乡村振兴重点指标进度通报_2024年06月.xlsx";

fn progress_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

fn number(cell: &Data) -> Option<f64> {
    match cell {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// The workbook holds the computed number; the CSV rounds it (4 decimals, points to 2).
fn close(a: Option<f64>, b: &str) -> bool {
    match (a, b.parse::<f64>().ok()) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= 0.005 + 1e-6 * y.abs(),
        _ => false,
    }
}

#[test]
fn every_headline_value_matches_progress_csv() {
    let ws = Workspace::with_sample_input();
    let out = ws.run(&["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = progress_rows(&ws.path("output/2024-06/progress.csv"));
    let numeric: Vec<&Vec<String>> = rows.iter().filter(|r| !r[0].starts_with('Q')).collect();
    let mut workbook: Xlsx<_> = open_workbook(ws.path(&format!("output/2024-06/{BULLETIN}"))).unwrap();
    let sheet = workbook.worksheet_range("总览").unwrap();
    let header_row = 4;
    let header: Vec<String> = (0..13).map(|c| sheet.get((header_row, c)).map(|d| d.to_string()).unwrap_or_default()).collect();
    assert_eq!(
        header,
        [
            "序号",
            "重点任务",
            "指标",
            "单位",
            "年度目标",
            "本月完成",
            "累计完成",
            "完成率",
            "序时目标",
            "序时进度",
            "进度差（百分点）",
            "状态",
            "牵头单位"
        ]
    );
    for (i, csv_row) in numeric.iter().enumerate() {
        let r = header_row + 1 + i;
        let cell = |c: usize| sheet.get((r, c)).cloned().unwrap_or(Data::Empty);
        assert!(cell(2).to_string().starts_with(&csv_row[1]), "row {r}: {} vs {}", cell(2), csv_row[1]);
        assert_eq!(cell(3).to_string(), csv_row[2], "unit of {}", csv_row[1]);
        // 进度差 holds the margin to the line for floors, ceilings and baselines.
        let gap_column = if csv_row[18].is_empty() { 8 } else { 18 };
        for (col, csv_col) in [(4, 3), (5, 4), (6, 5), (7, 6), (8, 15), (9, 7), (10, gap_column)] {
            assert!(
                close(number(&cell(col)), &csv_row[csv_col]),
                "{} column {col}: workbook {:?} vs csv {:?}",
                csv_row[1],
                cell(col),
                csv_row[csv_col]
            );
        }
        // The status cell is the CSV's status, marked ※ exactly where the figure carries a value.
        let shown = cell(11).to_string();
        assert_eq!(shown.trim_end_matches('※'), csv_row[9], "status of {}", csv_row[1]);
        assert_eq!(shown.ends_with('※'), !csv_row[12].is_empty(), "※ of {}: carried {:?}", csv_row[1], csv_row[12]);
        assert_eq!(cell(12).to_string(), csv_row[10], "lead units of {}", csv_row[1]);
    }
    // The counts line names the township that did not report.
    let counts = sheet.get((3, 0)).unwrap().to_string();
    assert!(counts.contains("已报送 4 个") && counts.contains("未报送 1 个") && counts.contains("松杨湖街道"), "{counts}");
}

#[test]
fn bulletin_has_every_sheet_in_order_and_every_target() {
    let ws = Workspace::with_sample_input();
    ws.run(&["run", "--quiet"]);
    let mut workbook: Xlsx<_> = open_workbook(ws.path(&format!("output/2024-06/{BULLETIN}"))).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        [
            "总览",
            "镇街进度",
            "粮食与耕地",
            "高标准农田",
            "农村公路",
            "人居环境",
            "定性任务",
            "牵头单位",
            "报送情况",
            "催报名单",
            "数据问题",
            "数据核对",
            "说明"
        ]
    );
    let (plan, _) = zhenxing::plan::Plan::resolve(Some("yunxi-2024")).unwrap();
    let notes = workbook.worksheet_range("说明").unwrap();
    let ids: Vec<String> = notes.rows().filter_map(|r| r.first().map(|c| c.to_string())).collect();
    for target in &plan.targets {
        assert!(ids.contains(&target.id), "target {} missing from 说明", target.id);
    }
    let qualitative = workbook.worksheet_range("定性任务").unwrap();
    let count = plan.targets.iter().filter(|t| !t.is_numeric()).count();
    assert_eq!(qualitative.rows().skip(2).filter(|r| r[0] != Data::Empty).count(), count);
}

#[test]
fn qualitative_rows_are_as_tall_as_their_wrapped_texts() {
    // A task or lead unit longer than its column wraps; a one-line row would draw it over the
    // rows below when printed.
    use zhenxing::report::style::{height_of_lines, wrapped_lines};
    let ws = Workspace::with_sample_input();
    ws.run(&["run", "--quiet"]);
    let path = ws.path(&format!("output/2024-06/{BULLETIN}"));
    let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
    let range = workbook.worksheet_range("定性任务").unwrap();
    let xml = crate::support::sheet_xml(&path).remove("定性任务").expect("a 定性任务 sheet");
    let height = |row: usize| -> f64 {
        let tag =
            crate::support::start_tags(&xml, "row").into_iter().find(|t| crate::support::attribute(t, "r") == Some(&(row + 1).to_string()));
        tag.and_then(|t| crate::support::attribute(t, "ht")).map(|h| h.parse().unwrap()).unwrap_or(15.0)
    };
    // 重点任务, 任务内容, 牵头单位, 进展说明 and their widths.
    let wrapping = [(2, 20.0), (3, 34.0), (4, 20.0), (6, 40.0)];
    let mut wrapped = 0;
    for (r, row) in range.rows().enumerate().skip(2).filter(|(_, row)| row[0] != Data::Empty) {
        let lines = wrapping.iter().map(|&(c, width)| wrapped_lines(&row[c].to_string(), width)).max().unwrap();
        if lines > 1 {
            wrapped += 1;
            assert!(height(r) >= height_of_lines(lines), "row {} ({}) is {} points for {lines} lines", r + 1, row[3], height(r));
        }
    }
    assert!(wrapped > 0, "the sample's 定性任务 has texts that wrap");
}

/// Drops row numbers from a range such as `人居环境!$A$2:$J$52` (they follow the data, not the layout).
fn without_rows(text: &str) -> String {
    let mut out = String::new();
    let mut after_letter = false;
    for c in text.chars() {
        if c.is_ascii_digit() && after_letter {
            continue;
        }
        after_letter = c.is_ascii_uppercase() || (after_letter && c == '$');
        out.push(c);
    }
    out
}

/// The parts of the sheet XML that make the layout: widths, merges, panes, print setup.
fn layout_summary(xlsx: &Path) -> String {
    let file = std::fs::File::open(xlsx).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut text = String::new();
    archive.by_name("xl/workbook.xml").unwrap().read_to_string(&mut text).unwrap();
    let mut summary = String::new();
    for tag in ["<sheet ", "<definedName "] {
        for part in text.split(tag).skip(1) {
            let item = part.split("/>").next().unwrap_or("").split("</").next().unwrap_or("");
            let item = if item.contains("_FilterDatabase") { without_rows(item) } else { item.to_string() };
            summary.push_str(&format!("workbook {tag}{item}\n"));
        }
    }
    for n in 1..=12 {
        let mut xml = String::new();
        archive.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap().read_to_string(&mut xml).unwrap();
        for tag in ["<col ", "<pane ", "<pageSetup ", "<printOptions ", "<pageMargins ", "<oddHeader>", "<oddFooter>", "<autoFilter "] {
            for part in xml.split(tag).skip(1) {
                let end = part.find("/>").or_else(|| part.find("</")).unwrap_or(part.len());
                let item = if tag == "<autoFilter " { without_rows(&part[..end]) } else { part[..end].to_string() };
                summary.push_str(&format!("sheet{n} {tag}{item}\n"));
            }
        }
        if n == 1 {
            for part in xml.split("<mergeCell ").skip(1) {
                summary.push_str(&format!("sheet1 <mergeCell {}\n", part.split("/>").next().unwrap()));
            }
        }
    }
    summary
}

#[test]
fn layout_matches_the_golden_summary() {
    let ws = Workspace::with_sample_input();
    ws.run(&["run", "--quiet"]);
    let summary = layout_summary(&ws.path(&format!("output/2024-06/{BULLETIN}")));
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bulletin_layout.txt");
    if crate::common::regenerate("golden").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &summary).unwrap();
    }
    let expected = std::fs::read_to_string(&golden)
        .expect("tests/golden/bulletin_layout.txt (ZHENXING_REGENERATE=golden cargo test --test it bulletin:: writes it)");
    assert_eq!(summary, expected, "layout changed; if intended, rerun with ZHENXING_REGENERATE=golden and review the diff");
}

#[test]
fn rerun_gives_identical_bytes() {
    let ws = Workspace::with_sample_input();
    ws.run(&["run", "--quiet"]);
    let files = [BULLETIN, "progress.csv", "townships.csv", "issues.csv", "feedback/陆城镇_数据校验反馈_2024年06月.xlsx"];
    let first: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(ws.path(&format!("output/2024-06/{f}"))).unwrap()).collect();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ws.run(&["run", "--quiet"]);
    for (f, before) in files.iter().zip(first) {
        assert_eq!(std::fs::read(ws.path(&format!("output/2024-06/{f}"))).unwrap(), before, "{f} changed on re-run");
    }
}

#[test]
fn township_text_that_looks_like_a_formula_stays_text() {
    use zhenxing::report::template::{Fill, TemplateRequest, file_name, workbook_bytes};
    let ws = Workspace::with_sample_input();
    let (plan, _) = zhenxing::plan::Plan::resolve(Some("yunxi-2024")).unwrap();
    let period = zhenxing::period::Period::new(2024, 6).unwrap();
    let unit = plan.unit("松杨湖街道").unwrap();
    let mut filled = zhenxing::sample::township_forms(&plan, unit, period);
    let zx03 = filled.get_mut("ZX03").unwrap();
    let mut row = zx03.rows.first().cloned().unwrap_or_else(|| vec![Fill::Empty; 8]);
    row[0] = Fill::Text("=HYPERLINK(\"http://example.invalid\",\"点我\")".into());
    row[1] = Fill::Text("白改黑".into());
    row[3] = Fill::Number(1.0);
    row[4] = Fill::Number(0.5);
    row[5] = Fill::Text("公里".into());
    zx03.rows.push(row);
    let request = TemplateRequest { plan: &plan, unit: &unit.name, period, filled, protect: true };
    std::fs::write(ws.path(&format!("input/2024-06/{}", file_name(&unit.name, period))), workbook_bytes(&request).unwrap()).unwrap();
    ws.run(&["run", "--quiet"]);
    let mut workbook: Xlsx<_> = open_workbook(ws.path(&format!("output/2024-06/{BULLETIN}"))).unwrap();
    let formulas = workbook.worksheet_formula("农村公路").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "a formula was written");
    let values = workbook.worksheet_range("农村公路").unwrap();
    assert!(values.used_cells().any(|(_, _, v)| v.to_string().starts_with("=HYPERLINK")), "the name should be there as text");
}

#[test]
fn bulletin_renders_with_libreoffice() {
    let present = Command::new("soffice").arg("--version").output().is_ok();
    if !crate::support::tool_or_skip("libreoffice", present, "apt-get install libreoffice-calc-nogui") {
        return;
    }
    let ws = Workspace::with_sample_input();
    ws.run(&["run", "--quiet"]);
    let pdf_dir = ws.path("pdf");
    let status = Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&pdf_dir)
        .arg(ws.path(&format!("output/2024-06/{BULLETIN}")))
        .env("HOME", ws.path("."))
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let pdf = std::fs::read(pdf_dir.join(BULLETIN.replace(".xlsx", ".pdf"))).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let marker = b"/Type/Page";
    let pages = pdf.windows(marker.len() + 1).filter(|w| &w[..marker.len()] == marker && w[marker.len()] != b's').count();
    assert!(pages >= 8, "only {pages} pages rendered");
}

/// Regression on the shipped sample: May's one error in 云溪街道's 粮食与耕地 rejected all its
/// forms, so 耕地 fell from 111,566 to 74,845 亩 (a red-line 预警), the 2023 高标准农田 row flipped
/// 已完成 → 滞后 → 已完成, and year-to-date trends fell (本年改厕 357 → 281). Now the form alone is
/// rejected and its April figures carried: no total falls because a township was left out.
#[test]
fn shipped_sample_totals_never_drop_a_township() {
    let ws = Workspace::with_sample_input();
    assert_eq!(ws.run(&["run", "--quiet"]).status.code(), Some(1));
    for month in ["2024-03", "2024-04", "2024-05"] {
        assert_eq!(ws.run(&["run", "--quiet", "--period", month]).status.code(), Some(if month == "2024-05" { 1 } else { 0 }), "{month}");
    }
    let (plan, _) = zhenxing::plan::Plan::resolve(Some("yunxi-2024")).unwrap();
    // indicator_id → [cumulative, status, units_carried] per month.
    let months: Vec<std::collections::BTreeMap<String, [String; 3]>> = ["2024-03", "2024-04", "2024-05", "2024-06"]
        .iter()
        .map(|m| {
            let rows = progress_rows(&ws.path(&format!("output/{m}/progress.csv")));
            rows.into_iter().map(|r| (r[0].clone(), [r[5].clone(), r[9].clone(), r[12].clone()])).collect()
        })
        .collect();
    let may = &months[2];
    assert_eq!(may["cultivated_land"][1], "达标", "May's red line: {:?}", may["cultivated_land"]);
    assert_eq!(may["cultivated_land"][2], "云溪街道@2024-04", "云溪街道's 耕地 is April's, carried");
    // 2023 高标准农田: all 5,600 亩 主体完工 from April, 700 亩 of it after the 3月31日 deadline.
    for (i, m) in months.iter().enumerate().skip(1) {
        assert_eq!(m["hsf_2023_main_done"][..2], ["5600".to_string(), "逾期完成".to_string()], "2023 高标准农田 in month {}", i + 3);
    }
    // No year-to-date township total falls from one month to the next.
    for indicator in plan.indicators.iter().filter(|i| !i.is_ratio() && plan.indicator_measure(i) == zhenxing::plan::Measure::Ytd) {
        let Some(form) = indicator.form.as_deref().and_then(|f| plan.form(f)) else { continue };
        if form.reporter != zhenxing::plan::Reporter::Township || !months[0].contains_key(&indicator.id) {
            continue;
        }
        let values: Vec<f64> = months.iter().map(|m| m[&indicator.id][0].parse().unwrap_or(0.0)).collect();
        assert!(values.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{} falls: {values:?}", indicator.id);
    }
    // June: 松杨湖街道 did not report; its May figures are carried and the bulletin says so.
    assert_eq!(months[3]["grain_area"][2], "松杨湖街道@2024-05");
    let mut workbook: Xlsx<_> = open_workbook(ws.path(&format!("output/2024-06/{BULLETIN}"))).unwrap();
    let overview = workbook.worksheet_range("总览").unwrap();
    let texts: Vec<String> = overview.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(texts.iter().any(|t| t.contains("含沿用数：松杨湖街道（2024年5月）")), "{texts:?}");
}

/// March 2024 on the shipped sample: the plan was issued on 3/8 and 集中实施 began on 3/25, the
/// crops have their seasons, the one-off works their months. No row is yellow or red only because
/// of the calendar; the two red rows are red for reasons a leader would accept.
#[test]
fn shipped_sample_march_is_red_only_where_the_figures_are() {
    let ws = Workspace::with_sample_input();
    assert_eq!(ws.run(&["run", "--quiet", "--period", "2024-03"]).status.code(), Some(0));
    let rows = progress_rows(&ws.path("output/2024-03/progress.csv"));
    let status = |id: &str| rows.iter().find(|r| r[0] == id).map(|r| r[9].clone()).unwrap_or_default();
    let coloured: Vec<(String, String)> = rows
        .iter()
        .filter(|r| !r[0].starts_with('Q'))
        .filter(|r| ["滞后", "严重滞后", "逾期未完成", "预警", "未达标"].contains(&r[9].as_str()))
        .map(|r| (r[0].clone(), r[9].clone()))
        .collect();
    // 2023年度高标准农田: due 3/31, and 路口镇's second project (700 亩) has not finished its main
    // works (it does on 4/12): 4,900 of 5,600 亩 at the due month's end, 逾期未完成 (not 严重滞后:
    // the bulletin reports March's end). The “三保障”/饮水安全 problems: 2 still open (清零 is
    // checked every month). 中央财政衔接资金用于产业发展比例 (52.3% so far) has no date of its
    // own: judged at the year end, 未到考核期 before it.
    assert_eq!(
        coloured,
        [("hsf_2023_main_done".to_string(), "逾期未完成".to_string()), ("three_guarantees_issues".to_string(), "预警".to_string())]
    );
    assert_eq!(status("fund_industry_share"), "未到考核期");
    assert_eq!(rows.iter().find(|r| r[0] == "hsf_2023_main_done").unwrap()[5], "4900");
    let share = rows.iter().find(|r| r[0] == "fund_industry_share").unwrap();
    assert_eq!(share[5], "52.3");
    // What a straight months ÷ 12 got wrong: harvests, sowing seasons, one-off works and year-end
    // awards are not behind in March.
    for (id, expected) in [
        ("grain_output", "正常"),             // harvested from July
        ("soybean", "正常"),                  // sown in May–June
        ("early_rice", "正常"),               // transplanted in April
        ("pump_station", "正常"),             // planned for October
        ("irrigation_start", "正常"),         // planned for October
        ("bridge_repair", "正常"),            // its township plans it for May or later
        ("village_provincial", "未到考核期"), // awarded at the year end
        ("hsf_2024_task", "正常"),            // 集中实施 began on 3/25: no month of it has ended
        ("cultivated_land", "达标"),
    ] {
        assert_eq!(status(id), expected, "{id}");
    }
}

/// Above the plan's detail-row limit (`[report] topic_detail_rows`) a topic sheet shows
/// per-township subtotals; its rows go to a CSV file beside the bulletin with the detail table's
/// columns and values, and the sheet's figures are that file's sums. Below it nothing changes.
#[test]
fn topics_above_the_detail_limit_show_subtotals_of_a_csv_of_their_rows() {
    let ws = Workspace::with_sample_input();
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/yunxi-2024.toml")).unwrap();
    std::fs::write(ws.path("plan.toml"), format!("{shipped}\n[report]\ntopic_detail_rows = 10\n")).unwrap();
    ws.run(&["run", "--plan", "plan.toml", "--period", "2024-06", "--quiet"]);
    ws.run(&["run", "--plan", "yunxi-2024", "--period", "2024-06", "--output", "full", "--quiet"]);
    let dir = ws.path("output/2024-06");
    // 农村公路 has 12 counted rows in June, 高标准农田 fewer than 10.
    let csv_path = dir.join("农村公路明细_2024年06月.csv");
    let bytes = std::fs::read(&csv_path).unwrap_or_else(|e| panic!("{}: {e}", csv_path.display()));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    assert!(!dir.join("高标准农田明细_2024年06月.csv").exists());
    assert!(!ws.path("full/2024-06/农村公路明细_2024年06月.csv").exists(), "the shipped limit lists the sample's rows");
    let rows = progress_rows(&csv_path);
    let header: Vec<String> = csv::ReaderBuilder::new()
        .from_reader(String::from_utf8(bytes).unwrap().trim_start_matches('\u{feff}').as_bytes())
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(rows.len(), 12);

    // The CSV holds the detail table's columns and values, row for row.
    let mut full: Xlsx<_> = open_workbook(ws.path(&format!("full/2024-06/{BULLETIN}"))).unwrap();
    let detail = full.worksheet_range("农村公路").unwrap();
    let detail_header: Vec<String> = (0..header.len()).map(|c| detail.get((1, c)).map(|d| d.to_string()).unwrap_or_default()).collect();
    assert_eq!(header, detail_header);
    for (i, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let cell = detail.get((2 + i, c)).cloned().unwrap_or(Data::Empty);
            match number(&cell) {
                Some(n) => assert_eq!(text.parse::<f64>().ok(), Some(n), "row {i} column {}", header[c]),
                None => assert_eq!(&cell.to_string(), text, "row {i} column {}", header[c]),
            }
        }
    }

    // The subtotals: per township and 项目类别 (its unit), then the district per category.
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut expected: std::collections::BTreeMap<(String, String), (f64, f64, f64)> = Default::default();
    for row in &rows {
        for township in [row[0].clone(), "全区合计".to_string()] {
            let sums = expected.entry((township, row[col("项目类别")].clone())).or_default();
            sums.0 += 1.0;
            sums.1 += row[col("建设任务")].parse::<f64>().unwrap();
            sums.2 += row[col("累计完成")].parse::<f64>().unwrap();
        }
    }
    let mut workbook: Xlsx<_> = open_workbook(dir.join(BULLETIN)).unwrap();
    let sheet = workbook.worksheet_range("农村公路").unwrap();
    let text = |r: usize, c: usize| sheet.get((r, c)).map(|d| d.to_string()).unwrap_or_default();
    assert!(text(1, 0).contains("农村公路明细_2024年06月.csv") && text(1, 0).contains("12 行"), "{}", text(1, 0));
    let headers: Vec<String> = (0..6).map(|c| text(2, c)).collect();
    assert_eq!(headers, ["镇（街道）", "项目类别", "计量单位", "项目数", "建设任务", "累计完成"]);
    let mut seen = 0;
    for r in 3.. {
        if text(r, 0).is_empty() {
            break;
        }
        let key = (text(r, 0), text(r, 1));
        let sums = expected.get(&key).unwrap_or_else(|| panic!("unexpected subtotal row {key:?}"));
        let figure = |c: usize| number(sheet.get((r, c)).unwrap()).unwrap();
        assert_eq!((figure(3), figure(4), figure(5)), *sums, "{key:?}");
        let unit = if ["新建桥梁", "危桥改造"].contains(&key.1.as_str()) { "座" } else { "公里" };
        assert_eq!(text(r, 2), unit, "{key:?}");
        seen += 1;
    }
    assert_eq!(seen, expected.len(), "every township and category, and the district's, once");
    let notes = workbook.worksheet_range("说明").unwrap();
    assert!(
        notes.used_cells().any(|(_, _, v)| v.to_string().contains("明细数据") && v.to_string().contains("农村公路明细_2024年06月.csv"))
    );
}
