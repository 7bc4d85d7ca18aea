//! Writes a province-scale month for the benchmark (see BENCHMARKS.md):
//!
//! ```text
//! <DIR>/plan.toml                       yunxi-2024 with its units replaced by N generated townships
//! <DIR>/input/2024-12/<镇街>_2024年12月.xlsx   one canonical workbook per township (+ 部门/ ledger)
//! <DIR>/store/period=2024-01 … 2024-11/  11 months of history, written directly as the store's tables
//! <DIR>/gen.json                        what was generated
//! ```
//!
//! Townships have realistic names (`松岗镇`, `青石乡`, `北湖街道` …), 10–30 villages each (about one
//! in ten a 社区) and 5–20 projects each (高标准农田 and 农村公路 together), with the figures of
//! `zhenxing::sample`. As in a real month, a few townships did not report (1 in 100), a few sent a
//! file with an error (1 in 100: 早稻 larger than 粮食播种面积) and some a 合计 row that does not add
//! up (1 in 50, a warning), so that `run` also writes feedback workbooks.
//!
//! History is not generated as workbooks and ingested (that would be 12× the files): the records
//! `validate` would produce from the same figures are built directly and stored with
//! `store::form_frames` + `store::write_month`, the functions `run` uses.
//!
//! Run: `cargo run --release --bin gen-bench -- --townships 2000 --dir /var/tmp/zhenxing-bench/n2000`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use rayon::prelude::*;

use zhenxing::period::Period;
use zhenxing::plan::{ColumnKind, Form, Plan, ReportingUnit, RowKind, Villages};
use zhenxing::report::template::{Fill, FilledForm, TemplateRequest, file_name, workbook_bytes};
use zhenxing::sample;
use zhenxing::validate::{Record, Value};

/// Marker file: a folder with it was written by gen-bench and may be regenerated.
pub const MARKER: &str = ".zhenxing-bench";

#[derive(Debug, Clone, Parser)]
#[command(name = "gen-bench", about = "生成省级规模的基准测试数据（N 个镇街的一个月报表 + 11 个月历史数据）")]
pub struct GenArgs {
    /// Number of townships (reporting units).
    #[arg(long, short = 'n', default_value_t = 2000)]
    pub townships: usize,
    /// Folder to write into (created; a folder written earlier by gen-bench is replaced).
    #[arg(long, default_value = "/var/tmp/zhenxing-bench/n2000")]
    pub dir: PathBuf,
    /// The month to generate workbooks for; the months before it in the same year become history.
    #[arg(long, default_value = "2024-12")]
    pub period: String,
    /// Do not generate the history partitions.
    #[arg(long)]
    pub no_history: bool,
}

/// What was generated, written to `gen.json`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GenSummary {
    pub townships: usize,
    pub period: String,
    pub files: usize,
    pub file_bytes: u64,
    pub villages: usize,
    pub projects: usize,
    pub missing: Vec<String>,
    pub with_errors: Vec<String>,
    pub with_warnings: usize,
    pub history_months: usize,
    pub history_facts: usize,
    pub seconds: f64,
}

#[allow(dead_code)]
fn main() {
    let args = GenArgs::parse();
    match generate(&args) {
        Ok(summary) => {
            println!(
                "已生成 {}：{} 个镇街，{} 个文件（{:.1} MB），{} 个村，{} 个项目；历史 {} 个月（{} 条事实）；用时 {:.1} 秒",
                args.dir.display(),
                summary.townships,
                summary.files,
                summary.file_bytes as f64 / 1e6,
                summary.villages,
                summary.projects,
                summary.history_months,
                summary.history_facts,
                summary.seconds
            );
        }
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::exit(3);
        }
    }
}

/// Characters of place names, for townships and villages.
const PLACE: &[char] = &[
    '长', '岭', '云', '溪', '松', '杨', '湖', '陆', '城', '路', '新', '桥', '河', '山', '石', '坪', '塘', '田', '林', '沙', '港', '洲',
    '坡', '江', '龙', '凤', '马', '白', '黄', '青', '金', '花', '平', '安', '和', '兴', '华', '东', '西', '南', '北', '中', '高', '宝',
    '丰', '太', '永', '隆', '福', '盛', '泉', '岗', '桃', '柳', '梅', '竹', '枫', '荷', '双', '三', '五', '铺', '垸', '冲', '畈', '峰',
    '源', '岩', '滩', '湾',
];

/// The township names: unique two-character place names with 镇 (most), 乡 or 街道.
pub fn township_names(n: usize) -> Vec<String> {
    let mut pairs: Vec<(char, char)> = PLACE.iter().flat_map(|a| PLACE.iter().filter(move |b| *b != a).map(move |b| (*a, *b))).collect();
    let mut rng = fastrand::Rng::with_seed(20_240_101);
    rng.shuffle(&mut pairs);
    assert!(n <= pairs.len(), "at most {} townships", pairs.len());
    pairs
        .into_iter()
        .take(n)
        .map(|(a, b)| {
            let suffix = match rng.u32(0..20) {
                0..=13 => "镇",
                14..=16 => "乡",
                _ => "街道",
            };
            format!("{a}{b}{suffix}")
        })
        .collect()
}

/// 10–30 villages, about one in ten a 社区, unique within the township.
fn villages_of(township: &str) -> Vec<String> {
    let mut rng = sample::rng_for(&["villages", township]);
    let count = rng.usize(10..=30);
    let mut names: Vec<String> = Vec::with_capacity(count);
    while names.len() < count {
        let (a, b) = (PLACE[rng.usize(..PLACE.len())], PLACE[rng.usize(..PLACE.len())]);
        if a == b {
            continue;
        }
        let name = format!("{a}{b}{}", if rng.u32(0..10) == 0 { "社区" } else { "村" });
        let stem: String = name.chars().take(2).collect();
        if !names.iter().any(|n| n.starts_with(&stem)) {
            names.push(name);
        }
    }
    names
}

/// The benchmark plan: yunxi-2024's forms, indicators and targets, N generated townships.
pub fn bench_plan(n: usize) -> zhenxing::Result<Plan> {
    let (mut plan, _) = Plan::resolve(Some("yunxi-2024"))?;
    plan.units = township_names(n)
        .into_iter()
        .enumerate()
        .map(|(i, name)| ReportingUnit {
            villages: Villages::Listed(villages_of(&name)),
            kind: None,
            code: format!("43{:010}", i + 1),
            aliases: vec![],
            name,
        })
        .collect();
    for target in &mut plan.targets {
        target.allocations.clear();
    }
    Ok(plan)
}

/// The sample figures plus extra project rows, so that each township has 5–20 projects.
fn township_forms(plan: &Plan, unit: &ReportingUnit, period: Period) -> BTreeMap<String, FilledForm> {
    let mut forms = sample::township_forms(plan, unit, period);
    // The sample names a project after its village; two projects of one form in the same village
    // would be a duplicate (W04). Number the later ones, the same way every month.
    for (id, filled) in forms.iter_mut() {
        let Some(key) =
            plan.form(id).filter(|f| f.row_kind == RowKind::Project).and_then(|f| f.columns.iter().position(|c| c.kind == ColumnKind::Key))
        else {
            continue;
        };
        let mut seen: Vec<String> = Vec::new();
        for row in &mut filled.rows {
            if let Fill::Text(name) = &row[key] {
                let mut unique = name.clone();
                let mut n = 2;
                while seen.contains(&unique) {
                    unique = format!("{name}（{n}）");
                    n += 1;
                }
                seen.push(unique.clone());
                row[key] = Fill::Text(unique);
            }
        }
    }
    let mut rng = sample::rng_for(&["projects", &unit.name]);
    let wanted = rng.usize(5..=20);
    // The extra projects exist the whole year (every month tells the same story): their number
    // is counted against the sample's projects of December, their progress follows the month.
    let december = Period::new(period.year, 12).expect("valid");
    let sample_projects: usize = sample::township_forms(plan, unit, december)
        .iter()
        .filter(|(id, _)| plan.form(id).is_some_and(|f| f.row_kind == RowKind::Project))
        .map(|(_, f)| f.rows.len())
        .sum();
    let extra = wanted.saturating_sub(sample_projects);
    let month = period.month as f64;
    let village = |rng: &mut fastrand::Rng| unit.villages.names()[rng.usize(..unit.villages.names().len())].clone();
    for k in 0..extra {
        let mut p = sample::rng_for(&["project", &unit.name, &k.to_string()]);
        let v = village(&mut p);
        if p.bool() {
            let form = plan.form("ZX02").expect("yunxi form");
            let task = (300.0 + p.f64() * 1_200.0).round();
            let start = 3.0 + p.f64() * 4.0;
            let share = ((month - start) * (0.12 + p.f64() * 0.06)).clamp(0.0, 1.0);
            let done = (task * share).round();
            let finished = done >= task;
            let fills: BTreeMap<&str, Fill> = BTreeMap::from([
                ("project", Fill::Text(format!("{v}2024年度高标准农田建设项目（第{}标段）", k + 1))),
                ("build_year", Fill::Number(2024.0)),
                ("village", Fill::Text(v.clone())),
                ("task_area", Fill::Number(task)),
                ("done_area", Fill::Number(done)),
                ("main_done", Fill::Text(if finished { "是" } else { "否" }.into())),
                ("done_date", if finished { Fill::Text(format!("{}-{:02}-28", period.year, period.month)) } else { Fill::Empty }),
            ]);
            push_row(forms.get_mut("ZX02").expect("form"), form, &fills);
        } else {
            let form = plan.form("ZX03").expect("yunxi form");
            let category = ["白改黑", "安全防护", "道路提质"][p.usize(..3)];
            let task = ((1.0 + p.f64() * 9.0) * 10.0).round() / 10.0;
            let share = (0.09 * month + p.f64() * 0.1).min(1.0);
            let done = (task * share * 10.0).round() / 10.0;
            let fills: BTreeMap<&str, Fill> = BTreeMap::from([
                ("project", Fill::Text(format!("{v}{category}工程（{}）", k + 1))),
                ("category", Fill::Text(category.into())),
                ("village", Fill::Text(v.clone())),
                ("task", Fill::Number(task)),
                ("done", Fill::Number(done)),
                ("unit", Fill::Text("公里".into())),
                ("completed", Fill::Text(if done >= task { "是" } else { "否" }.into())),
            ]);
            push_row(forms.get_mut("ZX03").expect("form"), form, &fills);
        }
    }
    forms
}

fn push_row(filled: &mut FilledForm, form: &Form, fills: &BTreeMap<&str, Fill>) {
    filled.rows.push(form.columns.iter().map(|c| fills.get(c.id.as_str()).cloned().unwrap_or(Fill::Empty)).collect());
}

/// What `validate` makes of a filled form written by the template (canonical layout: data from
/// sheet row 4, values already in the plan's units).
fn records(plan: &Plan, form: &Form, township: &str, period: Period, filled: &FilledForm) -> Vec<Record> {
    let key_index = form.columns.iter().position(|c| c.kind == ColumnKind::Key).expect("key column");
    let unit_column = form.columns.iter().position(|c| c.kind == ColumnKind::Unit);
    let file = if township == plan.combined_ledger() {
        format!("{period}/{}/{}", zhenxing::ingest::DEPARTMENT_FOLDER, file_name(township, period))
    } else {
        format!("{period}/{}", file_name(township, period))
    };
    let file: std::sync::Arc<str> = file.into();
    let sheet: std::sync::Arc<str> = form.sheet.as_str().into();
    // The template writes every plan column, in plan order, from column A.
    let columns: std::sync::Arc<[Option<u16>]> = (0..form.columns.len()).map(|ci| Some(ci as u16)).collect();
    let mut out = Vec::new();
    let keys: Vec<String> = match form.row_kind {
        RowKind::Item => zhenxing::report::template::department_items(plan),
        _ => Vec::new(),
    };
    for (i, row) in filled.rows.iter().enumerate() {
        let sheet_row = 3 + i; // 0-based: title, 填报单位 line, header
        let mut values = Vec::with_capacity(row.len());
        let mut units = Vec::with_capacity(row.len());
        for (ci, column) in form.columns.iter().enumerate() {
            let fill = match (&row[ci], column.kind) {
                (Fill::Empty, ColumnKind::Key) => keys.get(i).map(|k| Fill::Text(k.clone())).unwrap_or(Fill::Empty),
                (fill, _) => fill.clone(),
            };
            let value = match (fill, column.kind) {
                (Fill::Empty, _) => Value::Missing,
                (Fill::Number(n), ColumnKind::Year) => Value::Text(format!("{}", n as i64)),
                (Fill::Number(n), ColumnKind::Number) => Value::Number(n),
                (Fill::Number(n), _) => Value::Text(zhenxing::ingest::read::format_number(n)),
                (Fill::Text(t), ColumnKind::Number) => t.replace(',', "").parse().map(Value::Number).unwrap_or(Value::Missing),
                (Fill::Text(t), _) => Value::Text(t),
            };
            let unit = match unit_column {
                Some(u) if form.columns[u].unit_of.contains(&column.id) => match &row[u] {
                    Fill::Text(t) => Some(t.as_str().into()),
                    _ => None,
                },
                _ => column.unit.as_deref().map(Into::into),
            };
            values.push(value);
            units.push(unit);
        }
        let key = match &values[key_index] {
            Value::Text(t) => t.clone(),
            _ => continue,
        };
        out.push(Record {
            township: township.into(),
            form: form.id.as_str().into(),
            row: sheet_row as u32 + 1,
            key,
            values,
            units,
            columns: columns.clone(),
            file: file.clone(),
            sheet: sheet.clone(),
        });
    }
    out
}

/// Department ledger values: each department target's value grown through the year.
fn ledger_values(plan: &Plan, period: Period) -> BTreeMap<String, f64> {
    zhenxing::report::template::department_items(plan)
        .into_iter()
        .filter_map(|id| {
            let target = plan.targets.iter().find(|t| t.id == id)?;
            let goal = target.value?;
            let value = (goal * period.month as f64 / 12.0 * 10.0).round() / 10.0;
            Some((id, value))
        })
        .collect()
}

fn department_forms(plan: &Plan, period: Period) -> BTreeMap<String, FilledForm> {
    let values = ledger_values(plan, period);
    let values: BTreeMap<&str, f64> = values.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut filled = BTreeMap::new();
    if let Some(form) = plan.forms.iter().find(|f| f.reporter == zhenxing::plan::Reporter::Department) {
        filled.insert(form.id.clone(), sample::department_form(plan, plan.combined_ledger(), period, &values));
    }
    filled
}

/// The deliberate problems of the month: (missing, error, warning) for township `i`.
fn mistakes(i: usize) -> (bool, bool, bool) {
    (i % 100 == 37, i % 100 == 59, i % 50 == 11)
}

fn io(path: &Path, e: std::io::Error) -> zhenxing::Error {
    zhenxing::Error::io(path, e)
}

/// Generate everything into `args.dir`.
pub fn generate(args: &GenArgs) -> zhenxing::Result<GenSummary> {
    let clock = Instant::now();
    let period = Period::parse_arg(&args.period)?;
    if args.townships == 0 {
        return Err(zhenxing::Error::Usage("--townships 至少为 1".into()));
    }
    let dir = &args.dir;
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map_err(|e| io(dir, e))?.next().is_none();
        if !empty && !dir.join(MARKER).is_file() {
            return Err(zhenxing::Error::Usage(format!("{} 不是空目录，也不是 gen-bench 生成的目录；请换一个目录", dir.display())));
        }
        for sub in ["input", "store", "output"] {
            let path = dir.join(sub);
            if path.exists() {
                std::fs::remove_dir_all(&path).map_err(|e| io(&path, e))?;
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    std::fs::write(dir.join(MARKER), b"written by gen-bench; the folder may be regenerated\n").map_err(|e| io(dir, e))?;

    let plan = bench_plan(args.townships)?;
    let text = toml::to_string(&plan).map_err(|e| zhenxing::Error::Plan(format!("方案无法写出：{e}")))?;
    let plan_path = dir.join("plan.toml");
    std::fs::write(&plan_path, &text).map_err(|e| io(&plan_path, e))?;
    // Read it back the way `run --plan` will, so a serialisation problem shows here.
    let plan = Plan::load_file(&plan_path)?;

    // The month's workbooks.
    let period_dir = dir.join("input").join(period.to_string());
    std::fs::create_dir_all(period_dir.join(zhenxing::ingest::DEPARTMENT_FOLDER)).map_err(|e| io(&period_dir, e))?;
    let written: Vec<zhenxing::Result<(u64, usize)>> = plan
        .units
        .par_iter()
        .enumerate()
        .map(|(i, unit)| {
            let (missing, error, warning) = mistakes(i);
            if missing {
                return Ok((0, 0));
            }
            let mut filled = township_forms(&plan, unit, period);
            let zx01 = filled.get_mut("ZX01").expect("yunxi form");
            if error
                && let Some(row) = zx01.rows.first_mut()
                && let Fill::Number(grain) = row[3]
            {
                row[4] = Fill::Number((grain + 35.0).round()); // 早稻 > 粮食播种面积
            }
            if warning {
                let mut total = vec![Fill::Text("合计".into())];
                for c in 1..zx01.rows[0].len() {
                    let sum: f64 = zx01.rows.iter().filter_map(|r| if let Fill::Number(n) = r[c] { Some(n) } else { None }).sum();
                    total.push(Fill::Number(if c == 3 { (sum + 120.0).round() } else { (sum * 10.0).round() / 10.0 }));
                }
                zx01.total = Some(total);
            }
            let projects = ["ZX02", "ZX03"].iter().map(|f| filled.get(*f).map(|x| x.rows.len()).unwrap_or(0)).sum();
            let request = TemplateRequest { plan: &plan, unit: &unit.name, period, filled, protect: true };
            let bytes = workbook_bytes(&request)?;
            let path = period_dir.join(file_name(&unit.name, period));
            std::fs::write(&path, &bytes).map_err(|e| io(&path, e))?;
            Ok((bytes.len() as u64, projects))
        })
        .collect();
    let mut file_bytes = 0;
    let mut projects = 0;
    for result in written {
        let (b, p) = result?;
        file_bytes += b;
        projects += p;
    }
    let request =
        TemplateRequest { plan: &plan, unit: plan.combined_ledger(), period, filled: department_forms(&plan, period), protect: true };
    let bytes = workbook_bytes(&request)?;
    let path = period_dir.join(zhenxing::ingest::DEPARTMENT_FOLDER).join(file_name(plan.combined_ledger(), period));
    std::fs::write(&path, &bytes).map_err(|e| io(&path, e))?;
    file_bytes += bytes.len() as u64;
    let missing: Vec<String> = plan.units.iter().enumerate().filter(|(i, _)| mistakes(*i).0).map(|(_, u)| u.name.clone()).collect();
    let with_errors: Vec<String> =
        plan.units.iter().enumerate().filter(|(i, _)| mistakes(*i).1 && !mistakes(*i).0).map(|(_, u)| u.name.clone()).collect();
    let with_warnings = (0..plan.units.len()).filter(|i| mistakes(*i).2 && !mistakes(*i).0).count();
    let files = plan.units.len() - missing.len() + 1;

    // History: every township reported every earlier month of the year, without problems.
    let store = dir.join("store");
    let mut history_facts = 0;
    let history: Vec<Period> =
        if args.no_history { vec![] } else { (1..period.month).filter_map(|m| Period::new(period.year, m)).collect() };
    for month in &history {
        let month = *month;
        let mut recs: Vec<Record> = plan
            .units
            .par_iter()
            .flat_map_iter(|unit| {
                let filled = township_forms(&plan, unit, month);
                plan.township_forms()
                    .flat_map(|form| filled.get(&form.id).map(|f| records(&plan, form, &unit.name, month, f)).unwrap_or_default())
                    .collect::<Vec<_>>()
            })
            .collect();
        for (form_id, filled) in department_forms(&plan, month) {
            let form = plan.form(&form_id).expect("plan form");
            recs.extend(records(&plan, form, plan.combined_ledger(), month, &filled));
        }
        history_facts += recs.iter().map(|r| r.values.iter().filter(|v| !matches!(v, Value::Missing)).count()).sum::<usize>();
        // Every unit's form was counted that month.
        let mut counted: Vec<(String, String)> = recs.iter().map(|r| (r.township.to_string(), r.form.to_string())).collect();
        counted.sort();
        counted.dedup();
        let submissions = counted
            .into_iter()
            .map(|(unit, form)| zhenxing::store::Submission {
                unit,
                form,
                status: zhenxing::validate::SubmissionStatus::Reported,
                file: None,
            })
            .collect();
        let frames = zhenxing::store::form_frames(&plan, &recs).map_err(zhenxing::Error::Aggregate)?;
        zhenxing::store::write_month(&store, &plan, month, frames, submissions)?;
    }

    let summary = GenSummary {
        townships: plan.units.len(),
        period: period.to_string(),
        files,
        file_bytes,
        villages: plan.units.iter().map(|u| u.villages.names().len()).sum(),
        projects,
        missing,
        with_errors,
        with_warnings,
        history_months: history.len(),
        history_facts,
        seconds: clock.elapsed().as_secs_f64(),
    };
    let json = serde_json::to_vec_pretty(&summary).expect("serialisable");
    std::fs::write(dir.join("gen.json"), json).map_err(|e| io(dir, e))?;
    Ok(summary)
}
