//! Writes the shipped sample input: `input/2024-03` … `input/2024-06` for the yunxi-2024 plan,
//! and `samples/echeng-2024/input/2024-05` … `2024-06` for echeng-2024. Synthetic but realistic
//! figures (see `zhenxing::sample`), plus the mistakes statisticians really make.
//! Run: `cargo run --release --bin gen-sample -- [DIR] [ECHENG_DIR] [LAST_MONTH]`. LAST_MONTH
//! (default 6) extends both plans' months past June with the same generator, e.g. to look at a
//! December bulletin in a scratch folder; the shipped sample stops at June.
//! `gen-sample --plan FILE|NAME YYYY-MM DIR` writes one month of clean synthetic workbooks for
//! any plan (every township's forms, every department's ledger) into `DIR/YYYY-MM/`, to look at a
//! county's bulletin before its first real month.

use std::collections::BTreeMap;
use std::path::PathBuf;

use zhenxing::atomic::write_bytes;
use zhenxing::period::Period;
use zhenxing::plan::Plan;
use zhenxing::report::template::{Fill, TemplateRequest, file_name, workbook_bytes};
use zhenxing::sample;

fn main() -> zhenxing::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "gen-sample [DIR] [ECHENG_DIR] [LAST_MONTH]   the shipped sample input (default input/, samples/echeng-2024/input/, June)\n\
             gen-sample --plan FILE|NAME YYYY-MM DIR     one clean synthetic month of any plan in DIR/YYYY-MM/"
        );
        return Ok(());
    }
    if let Some(flag) = args.iter().find(|a| a.starts_with('-') && *a != "--plan") {
        eprintln!("gen-sample：不认识的参数 {flag}（--help 看用法）");
        std::process::exit(2);
    }
    if let [flag, plan, period, dir] = args.as_slice()
        && flag == "--plan"
    {
        return any_plan(plan, period, &PathBuf::from(dir));
    }
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "input".into()));
    let echeng_root = PathBuf::from(std::env::args().nth(2).unwrap_or_else(|| "samples/echeng-2024/input".into()));
    let last_month: u32 = std::env::args().nth(3).and_then(|m| m.parse().ok()).filter(|m| (6..=12).contains(m)).unwrap_or(6);
    echeng(&echeng_root, last_month)?;
    let (plan, _) = Plan::resolve(Some("yunxi-2024"))?;
    // Department ledger values by month (03..06): target id → cumulative value.
    let ledger: [(&str, [f64; 4]); 11] = [
        ("Y10", [0.0, 1.0, 1.0, 1.0]),
        ("Y11", [0.0, 0.0, 0.0, 1.0]),
        ("Y12", [52.3, 56.8, 61.2, 63.5]),
        ("Y13", [0.0, 0.0, 0.0, 1.0]),
        ("Y14", [0.0, 1.0, 1.0, 2.0]),
        ("Y19", [0.0, 0.0, 1.0, 1.0]),
        ("Y20", [0.0, 1.0, 1.0, 2.0]),
        ("Y22", [0.0, 1.0, 1.0, 2.0]),
        ("Y23", [0.0, 0.0, 1.0, 1.0]),
        ("Y24", [2.5, 4.8, 6.3, 7.9]),
        // Open “三保障”/饮水安全 problems: two found in March, cleared by May (清零).
        ("Y40", [2.0, 1.0, 0.0, 0.0]),
    ];
    // Each township's latest 危房改造 as its files say: 区住建局's ledger reports their sum (Y21),
    // except in May, when it counts one house the townships have not entered yet (a 核对 warning).
    let mut dilapidated: BTreeMap<String, f64> = BTreeMap::new();
    for month in 3..=last_month {
        let period = Period::new(2024, month).expect("valid");
        let dir = root.join(period.to_string());
        for unit in &plan.units {
            if month == 6 && unit.name == "松杨湖街道" {
                continue; // did not report in June
            }
            let mut filled = sample::township_forms(&plan, unit, period);
            dilapidated.insert(unit.name.clone(), column_sum(&plan, &filled, "ZX04", "dilapidated"));
            let mut name = file_name(&unit.name, period);
            let zx01 = filled.get_mut("ZX01").expect("form");
            match (month, unit.name.as_str()) {
                // A 合计 row that disagrees with its rows (the statistician typed it by hand).
                (4, "陆城镇") => {
                    let columns = &plan.form("ZX01").expect("form").columns;
                    let mut total = vec![Fill::Text("合计".into())];
                    for (c, _) in columns.iter().enumerate().skip(1) {
                        let sum: f64 = zx01.rows.iter().filter_map(|r| if let Fill::Number(n) = r[c] { Some(n) } else { None }).sum();
                        total.push(Fill::Number(if c == 3 { (sum + 120.0).round() } else { (sum * 10.0).round() / 10.0 }));
                    }
                    zx01.total = Some(total);
                }
                // Areas reported in 公顷 (the header says so); the tool converts them.
                (5, "路口镇") => {
                    for (c, id) in [(1usize, "cultivated_land"), (2, "basic_farmland")] {
                        let column = plan.form("ZX01").unwrap().column(id).unwrap();
                        zx01.header_overrides.insert(id.into(), format!("{}（公顷）", column.name));
                        for row in &mut zx01.rows {
                            if let Fill::Number(n) = row[c] {
                                row[c] = Fill::Number((n / 15.0 * 100.0).round() / 100.0);
                            }
                        }
                    }
                }
                // 早稻 larger than the grain area it is part of: an error, the file is not counted.
                (5, "云溪街道") => {
                    let row = &mut zx01.rows[4];
                    if let Fill::Number(grain) = row[3] {
                        row[4] = Fill::Number((grain + 35.0).round());
                    }
                }
                // Numbers stored as text with thousands separators, and an odd file name.
                (6, "长岭街道") => {
                    for row in &mut zx01.rows {
                        if let Fill::Number(n) = row[1] {
                            row[1] = Fill::Text(format_thousands(n));
                        }
                    }
                    name = "长岭街道2024年6月乡村振兴报表.xlsx".into();
                }
                // The same project entered twice in the road form.
                (6, "陆城镇") => {
                    let zx03 = filled.get_mut("ZX03").expect("form");
                    if let Some(first) = zx03.rows.first().cloned() {
                        zx03.rows.push(first);
                    }
                }
                _ => {}
            }
            sign(&mut filled, &unit.name, &unit.code);
            let request = TemplateRequest { plan: &plan, unit: &unit.name, period, filled, protect: true };
            write_bytes(&dir.join(&name), &workbook_bytes(&request)?)?;
        }
        let mut values: BTreeMap<&str, f64> = ledger.iter().map(|(id, v)| (*id, v[((month - 3) as usize).min(3)])).collect();
        values.insert("Y21", dilapidated.values().sum::<f64>() + if month == 5 { 1.0 } else { 0.0 });
        // 区卫健局 has not sent its June ledger: its May figure is carried (沿用).
        let late: &[&str] = if month == 6 { &["区卫健局"] } else { &[] };
        write_ledgers(&plan, period, &dir, &values, late)?;
    }
    Ok(())
}

/// echeng-2024 from May to `last_month`: every township and the department ledger; 沙窝乡 has
/// not reported June yet.
fn echeng(root: &std::path::Path, last_month: u32) -> zhenxing::Result<()> {
    let (plan, _) = Plan::resolve(Some("echeng-2024"))?;
    let mut dilapidated: BTreeMap<String, f64> = BTreeMap::new();
    for month in 5..=last_month {
        let period = Period::new(2024, month).expect("valid");
        let dir = root.join(period.to_string());
        for unit in &plan.units {
            if month == 6 && unit.name == "沙窝乡" {
                continue;
            }
            let mut filled = sample::township_forms(&plan, unit, period);
            dilapidated.insert(unit.name.clone(), column_sum(&plan, &filled, "EC10", "dilapidated"));
            sign(&mut filled, &unit.name, &unit.code);
            let request = TemplateRequest { plan: &plan, unit: &unit.name, period, filled, protect: true };
            write_bytes(&dir.join(file_name(&unit.name, period)), &workbook_bytes(&request)?)?;
        }
        let values: BTreeMap<&str, f64> =
            [("E33", if month == 5 { 4.0 } else { 5.0 }), ("E49", dilapidated.values().sum())].into_iter().collect();
        write_ledgers(&plan, period, &dir, &values, &[])?;
    }
    Ok(())
}

/// One clean month of `plan` (a file, TOML or workbook, or a shipped name): every township and
/// every department.
fn any_plan(plan: &str, period: &str, root: &std::path::Path) -> zhenxing::Result<()> {
    let (plan, _) = zhenxing::ingest::plan_book::resolve_plan(Some(plan))?;
    let period = Period::parse_arg(period)?;
    let dir = root.join(period.to_string());
    for unit in &plan.units {
        let mut filled = sample::township_forms(&plan, unit, period);
        sign(&mut filled, &unit.name, &unit.code);
        let request = TemplateRequest { plan: &plan, unit: &unit.name, period, filled, protect: true };
        write_bytes(&dir.join(file_name(&unit.name, period)), &workbook_bytes(&request)?)?;
    }
    write_ledgers(&plan, period, &dir, &BTreeMap::new(), &[])
}

/// Each department's ledger of a month under `<dir>/部门/<部门>_<YYYY>年<MM>月.xlsx`, with the
/// given values by target id; the departments in `late` send none.
fn write_ledgers(plan: &Plan, period: Period, dir: &std::path::Path, values: &BTreeMap<&str, f64>, late: &[&str]) -> zhenxing::Result<()> {
    for department in plan.departments().iter().filter(|d| !late.contains(&d.as_str())) {
        let mut filled = BTreeMap::new();
        filled.insert("BM01".to_string(), sample::department_form(plan, department, period, values));
        let request = TemplateRequest { plan, unit: department, period, filled, protect: true };
        write_bytes(&dir.join(zhenxing::ingest::DEPARTMENT_FOLDER).join(file_name(department, period)), &workbook_bytes(&request)?)?;
    }
    println!("已生成 {}", dir.display());
    Ok(())
}

/// The footer a statistician signs (synthetic: the office's 统计员 and a made-up number from the
/// unit's division code), so that the 催报名单 has whom to call.
fn sign(filled: &mut BTreeMap<String, zhenxing::report::template::FilledForm>, unit: &str, code: &str) {
    let digits: String = code.chars().filter(char::is_ascii_digit).skip(6).take(4).collect();
    let footer = format!("填报人：{unit}统计员    联系电话：0730-860{digits}    审核人：{unit}党政办");
    for form in filled.values_mut() {
        form.footer = Some(footer.clone());
    }
}

/// The sum of one number column of a filled form.
fn column_sum(plan: &Plan, filled: &BTreeMap<String, zhenxing::report::template::FilledForm>, form: &str, column: &str) -> f64 {
    let Some(at) = plan.form(form).and_then(|f| f.columns.iter().position(|c| c.id == column)) else { return 0.0 };
    filled.get(form).map(|f| f.rows.iter().filter_map(|r| if let Fill::Number(n) = r[at] { Some(n) } else { None }).sum()).unwrap_or(0.0)
}

fn format_thousands(n: f64) -> String {
    let whole = n.trunc() as i64;
    let frac = ((n - n.trunc()) * 10.0).round() as i64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if frac != 0 { format!("{out}.{frac}") } else { out }
}
