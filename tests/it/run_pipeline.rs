//! `zhenxing run` end to end on a small plan written here: every target kind (annual, deadline
//! before and after the month, floor, milestones, ratio, baseline, count with a category filter,
//! tracked) against values computed by hand; 本月 from the stored history; a township missing in
//! June not counted as zero; allocations with ranks and ties; byte-identical re-runs; exit codes.

use crate::support;

use std::collections::BTreeMap;

use crate::common::Workspace;
use support::csv_maps;
use support::pipeline::{BULLETIN_JUNE, run, workspace};

/// progress.csv as indicator_id → the row's cells from `target` to `status`.
fn progress(wd: &Workspace, period: &str) -> BTreeMap<String, [String; 7]> {
    csv_maps(&wd.path(&format!("output/{period}/progress.csv")))
        .into_iter()
        .map(|row| {
            let cells =
                ["target", "month_value", "cumulative", "completion_rate", "time_progress", "gap_pp", "status"].map(|c| row[c].clone());
            (row["indicator_id"].clone(), cells)
        })
        .collect()
}

/// townships.csv as (township, indicator_id) → [value, allocation, completion_rate, rank, submission_status].
fn townships(wd: &Workspace, period: &str) -> BTreeMap<(String, String), [String; 5]> {
    csv_maps(&wd.path(&format!("output/{period}/townships.csv")))
        .into_iter()
        .map(|row| {
            let cells = ["value", "allocation", "completion_rate", "rank", "submission_status"].map(|c| row[c].clone());
            ((row["township"].clone(), row["indicator_id"].clone()), cells)
        })
        .collect()
}

fn row<const N: usize>(cells: [&str; N]) -> [String; N] {
    cells.map(str::to_string)
}

fn of(township: &str, indicator: &str) -> (String, String) {
    (township.to_string(), indicator.to_string())
}

/// May (all three townships), then June with 丙镇 missing: its May figures are carried.
#[test]
fn every_target_kind_with_a_township_missing_in_june() {
    let wd = workspace(&["甲镇", "乙镇"]);

    // May: every township reports, nothing is wrong → exit 0.
    run(&wd, Some("2024-05")).expect_code(0);
    let may = progress(&wd, "2024-05");
    // Milestone between two milestones: May 31 lies between 4月(35%) and 6月(55%), so 35% is due.
    // 拨付进度 = paid ÷ funds = (40+20+0 + 80 + 30) ÷ (100+100+50 + 150 + 100) = 170 ÷ 500 = 34%.
    // Compared in its own terms, never rescaled: 34% − 35% = −1 point → 滞后; no 完成率 or 序时进度.
    // A ratio has no 本月 (it is not a flow).
    assert_eq!(may["pay_progress"], row(["80", "", "34", "", "", "-1", "滞后"]));
    // 本月 needs April, which is not in the store: empty, not the cumulative value.
    assert_eq!(may["grain_area"][1], "");
    assert_eq!(may["grain_area"][2], "300", "May grain area = 160 + 80 + 60");

    // June: 丙镇 did not report → exit 1, and it is named. Its May figures are carried
    // (沿用上月数, one month back, within the default two), marked in every row's note.
    let june_run = run(&wd, None);
    june_run.expect_code(1);
    let june = progress(&wd, "2024-06");

    // Annual target, June: 序时进度 = 6 ÷ 12 = 0.5. Counted: 甲镇 300 + 乙镇 150, and 丙镇's
    // May 60 carried = 510. 本月 = June − May per township, 丙镇's carried value unchanged:
    // (300 − 160) + (150 − 80) + (60 − 60) = 210. 完成率 0.51, 进度差 +1 → 正常.
    assert_eq!(june["grain_area"], row(["1000", "210", "510", "0.51", "0.5", "1", "正常"]));
    // Floor (红线) breached: 900 + 500 + 丙镇 400 (carried) = 1800 < 2000 → 预警, never
    // "completed" and never a 完成率 (every township is in the total, so it can be judged); stock:
    // 本月 0. The margin to the line is −200 (last column of progress.csv).
    assert_eq!(june["cultivated_land"], row(["2000", "0", "1800", "", "", "", "预警"]));
    // Deadline before the month (2024-03-31): everything is due and the due month is past.
    // 140 + 40 + 丙镇 0 = 180 of 250 = 0.72; 进度差 = (0.72 − 1) × 100 = −28 → 逾期未完成.
    // 本月 = (140 − 90) + (40 − 30) + 0 = 60.
    assert_eq!(june["hsf_done"], row(["250", "60", "180", "0.72", "1", "-28", "逾期未完成"]));
    // Deadline after the month (2024-09-30): 序时进度 = 6 ÷ 9 = 0.6667. 50 + 15 + 0 = 65 of 100;
    // 进度差 = (0.65 − 0.66667) × 100 = −1.67 → 滞后. 本月 = (50 − 20) + (15 − 5) = 40.
    assert_eq!(june["camellia"], row(["100", "40", "65", "0.65", "0.6667", "-1.67", "滞后"]));
    // Milestone on its date: June 30 → 55% due. 拨付进度 = (60+45+20 + 90+10 + 丙镇 30) ÷
    // (250 + 200 + 100) = 255 ÷ 550 = 46.3636%, against 55%: 46.3636 − 55 = −8.64 points → 滞后.
    assert_eq!(june["pay_progress"], row(["80", "", "46.3636", "", "", "-8.64", "滞后"]));
    // Ratio: 产业发展 funds ÷ all funds = (100 + 150 + 100) ÷ 550 = 63.6364% ≥ 60% → 达标.
    assert_eq!(june["industry_share"], row(["60", "", "63.6364", "1.0606", "", "", "达标"]));
    // Baseline: 外出务工 55 + 30 + 丙镇 25 = 110 ≥ 100 (2023) → 达标 (a margin of 10, no 完成率).
    assert_eq!(june["migrant_workers"], row(["100", "0", "110", "", "", "", "达标"]));
    // Count with a category filter: 新建桥梁 rows: 甲三桥梁 (since May) + 乙二桥梁 (new) = 2 of 2
    // → 已完成 (no 进度差 for a count done); 本月 = 甲镇 (1 − 1) + 乙镇 (1 − 0) + 丙镇 0 = 1.
    assert_eq!(june["bridges"], row(["2", "1", "2", "1", "0.5", "", "已完成"]));
    // Tracked: 12 + 3 + 丙镇 1 = 16, 本月 (12 − 8) + (3 − 2) + 0 = 5, no target.
    assert_eq!(june["toilets"], row(["", "5", "16", "", "", "", "跟踪监测"]));
    assert_eq!(june.len(), 9, "one row per target");
    // Every figure says whom it carries.
    let carried = csv_maps(&wd.path("output/2024-06/progress.csv"));
    for r in &carried {
        assert_eq!(
            (r["units_counted"].as_str(), r["units_carried"].as_str(), r["units_missing"].as_str()),
            ("2", "丙镇@2024-05", ""),
            "{r:?}"
        );
        assert!(r["note"].contains("含沿用数：丙镇（2024年5月）"), "{r:?}");
    }

    // townships.csv: allocations, completion against them, ranks with ties.
    let towns = townships(&wd, "2024-06");
    // 甲镇 300 of 600 and 乙镇 150 of 300 are both 50%: rank 1, tied.
    assert_eq!(towns[&of("甲镇", "grain_area")], row(["300", "600", "0.5", "1", "已报送"]));
    assert_eq!(towns[&of("乙镇", "grain_area")], row(["150", "300", "0.5", "1", "已报送"]));
    // 丙镇: no value (not zero), its allocation still shown, no rank, 未报送.
    assert_eq!(towns[&of("丙镇", "grain_area")], row(["", "200", "", "", "未报送"]));
    // Without allocations, a rate ranks by value: 拨付进度 50% and 50% → tied at 1.
    assert_eq!(towns[&of("甲镇", "pay_progress")], row(["50", "", "", "1", "已报送"]));
    assert_eq!(towns[&of("乙镇", "pay_progress")], row(["50", "", "", "1", "已报送"]));
    // A raw size without allocations is not ranked (a large township is not "better"): it shows
    // its share of the district instead, 140 ÷ (140 + 40) and 40 ÷ 180.
    assert_eq!(towns[&of("甲镇", "hsf_done")], row(["140", "", "", "", "已报送"]));
    assert_eq!(towns[&of("乙镇", "hsf_done")], row(["40", "", "", "", "已报送"]));
    let shares: BTreeMap<String, String> = csv_maps(&wd.path("output/2024-06/townships.csv"))
        .into_iter()
        .filter(|r| r["indicator_id"] == "hsf_done")
        .map(|r| (r["township"].clone(), r["share"].clone()))
        .collect();
    assert_eq!(shares["甲镇"], "0.7778");
    assert_eq!(shares["乙镇"], "0.2222");
    assert_eq!(shares["丙镇"], "");
    for indicator in
        ["grain_area", "cultivated_land", "hsf_done", "camellia", "pay_progress", "industry_share", "migrant_workers", "bridges", "toilets"]
    {
        let c = &towns[&of("丙镇", indicator)];
        assert_eq!((c[0].as_str(), c[3].as_str(), c[4].as_str()), ("", "", "未报送"), "丙镇 {indicator}");
    }

    // The bulletin names 丙镇 where the figures leave it out.
    use calamine::Reader;
    let mut bulletin: calamine::Xlsx<_> = calamine::open_workbook(wd.path(BULLETIN_JUNE)).unwrap();
    let overview = bulletin.worksheet_range("总览").unwrap();
    let texts: Vec<String> = overview.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(texts.iter().any(|t| t.contains("未报送 1 个") && t.contains("未报送：丙镇")), "counts line: {texts:?}");
    assert!(texts.iter().any(|t| t.contains("含沿用数：丙镇（2024年5月）")), "note on the figures: {texts:?}");
    assert!(!texts.iter().any(|t| t.contains("不含丙镇")), "丙镇 is carried, not left out: {texts:?}");
    assert!(june_run.stderr().is_empty(), "{}", june_run.stderr());
    assert!(june_run.stdout().is_empty(), "--quiet prints nothing: {}", june_run.stdout());
    // Without --quiet the summary names it too.
    let loud = wd.run(&["run", "--plan", "plan/pipeline.toml", "--input", "in", "--output", "output", "--store", "data"]);
    loud.expect_code(1);
    assert!(loud.stdout().contains("已报送 2 个，未报送 1 个") && loud.stdout().contains("丙镇：未报送"), "{}", loud.stdout());
}

/// Regression: with an allocation for only some townships, ranks compared 甲镇's completion
/// rate (0.83) with 乙镇's raw value (15 亩), putting 乙镇 first. Only allocated townships rank.
#[test]
fn partial_allocations_rank_only_the_allocated_townships() {
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, None).expect_code(1);
    let towns = townships(&wd, "2024-06");
    // 新造油茶: 甲镇 50 of its 60 = 0.8333; 乙镇 (15) has no allocation, so no completion and no rank.
    assert_eq!(towns[&of("甲镇", "camellia")], row(["50", "60", "0.8333", "1", "已报送"]));
    assert_eq!(towns[&of("乙镇", "camellia")], row(["15", "", "", "", "已报送"]));
}

/// Every township reports both months: exit 0, no issues, and 丙镇 counted.
#[test]
fn clean_month_exits_zero_with_every_township_counted() {
    let wd = workspace(&["甲镇", "乙镇", "丙镇"]);
    let june_run = run(&wd, None);
    june_run.expect_code(0);
    let issues = csv_maps(&wd.path("output/2024-06/issues.csv"));
    assert!(issues.is_empty(), "{issues:?}");
    assert!(!wd.path("output/2024-06/feedback").exists(), "no feedback without issues");
    let june = progress(&wd, "2024-06");
    // 450 + 丙镇 130 = 580; 本月 = 210 + (130 − 60) = 280; 0.58 vs 0.5 → +8 → 正常.
    assert_eq!(june["grain_area"], row(["1000", "280", "580", "0.58", "0.5", "8", "正常"]));
    // 1400 + 400 = 1800 < 2000: the floor is still breached.
    assert_eq!(june["cultivated_land"], row(["2000", "0", "1800", "", "", "", "预警"]));
    // 180 + 10 = 190 of 250 = 0.76, three months after its March deadline; 本月 60 + (10 − 0) = 70.
    assert_eq!(june["hsf_done"], row(["250", "70", "190", "0.76", "1", "-24", "逾期未完成"]));
    // 65 + 5 = 70 of 100 = 0.7 vs 0.6667 → +3.33 → 正常; 本月 40 + 5 = 45.
    assert_eq!(june["camellia"], row(["100", "45", "70", "0.7", "0.6667", "3.33", "正常"]));
    // (225 + 60) ÷ (450 + 100) = 285 ÷ 550 = 51.8182% against the 55% due: −3.18 points.
    assert_eq!(june["pay_progress"], row(["80", "", "51.8182", "", "", "-3.18", "滞后"]));
    // (250 + 100) ÷ 550 = 63.6364% ≥ 60% → 达标; ÷ 60 = 1.0606.
    assert_eq!(june["industry_share"], row(["60", "", "63.6364", "1.0606", "", "", "达标"]));
    // 85 + 25 = 110 ≥ 100 → 达标.
    assert_eq!(june["migrant_workers"], row(["100", "0", "110", "", "", "", "达标"]));
    assert_eq!(june["toilets"], row(["", "7", "18", "", "", "", "跟踪监测"]));

    // Ranks with a tie below the top: 丙镇 130 of 200 = 0.65 first; 甲镇 and 乙镇 (0.5) both 2nd.
    let towns = townships(&wd, "2024-06");
    assert_eq!(towns[&of("丙镇", "grain_area")], row(["130", "200", "0.65", "1", "已报送"]));
    assert_eq!(towns[&of("甲镇", "grain_area")], row(["300", "600", "0.5", "2", "已报送"]));
    assert_eq!(towns[&of("乙镇", "grain_area")], row(["150", "300", "0.5", "2", "已报送"]));
}

/// A second run over the same inputs gives the same bytes, and the first run of June (which
/// stores May on the way) gives the same figures as running May and then June.
#[test]
fn rerun_is_byte_identical() {
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, None).expect_code(1);
    let files = ["output/2024-06/progress.csv", "output/2024-06/townships.csv", "output/2024-06/issues.csv", BULLETIN_JUNE];
    let first: Vec<Vec<u8>> = files.iter().map(|f| wd.read(f)).collect();
    let store_first = wd.read("data/period=2024-06/form=ZX01/rows.parquet");
    run(&wd, None).expect_code(1);
    for (file, bytes) in files.iter().zip(&first) {
        assert!(wd.read(file) == *bytes, "{file} differs on a re-run");
    }
    assert!(wd.read("data/period=2024-06/form=ZX01/rows.parquet") == store_first, "June's ZX01 table differs on a re-run");

    let stepwise = workspace(&["甲镇", "乙镇"]);
    run(&stepwise, Some("2024-05")).expect_code(0);
    run(&stepwise, Some("2024-06")).expect_code(1);
    for file in &files[..3] {
        assert!(stepwise.read(file) == wd.read(file), "{file}: backfilled history differs from month-by-month runs");
    }
}

/// A store written before one table per form (`period=YYYY-MM/facts.parquet`, one row per cell:
/// tests/fixtures/store-v1, the sample's May) is migrated by the next run: June then reads it as
/// it reads a May stored today, and the old files are kept aside.
#[test]
fn a_store_of_the_previous_layout_is_migrated_and_read() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("input");
    let copy_sample = |wd: &Workspace| {
        for month in ["2024-05", "2024-06"] {
            for entry in std::fs::read_dir(sample.join(month)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    wd.write(&format!("input/{month}/{}", path.file_name().unwrap().to_string_lossy()), std::fs::read(&path).unwrap());
                } else {
                    for file in std::fs::read_dir(&path).unwrap() {
                        let file = file.unwrap().path();
                        let name = format!("input/{month}/部门/{}", file.file_name().unwrap().to_string_lossy());
                        wd.write(&name, std::fs::read(&file).unwrap());
                    }
                }
            }
        }
    };
    // Today: May stored by this version (backfilled), then June.
    let fresh = Workspace::new();
    copy_sample(&fresh);
    fresh.run(&["run", "--quiet"]).expect_code(1);

    let wd = Workspace::new();
    copy_sample(&wd);
    let old = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1/period=2024-05");
    for entry in std::fs::read_dir(&old).unwrap() {
        let path = entry.unwrap().path();
        wd.write(&format!("data/period=2024-05/{}", path.file_name().unwrap().to_string_lossy()), std::fs::read(&path).unwrap());
    }
    let out = wd.run(&["run"]);
    out.expect_code(1);
    assert!(out.stdout().contains("历史数据库已转为按报表分表存储（1 个月）"), "{}", out.stdout());
    assert!(!out.stdout().contains("补建历史"), "May is not read again from the input: {}", out.stdout());
    for file in ["progress.csv", "townships.csv", "bulletin.txt", "issues.csv"] {
        assert!(
            wd.read(&format!("output/2024-06/{file}")) == fresh.read(&format!("output/2024-06/{file}")),
            "{file}: June from the migrated May differs from June from a May stored today"
        );
    }
    assert!(wd.path("data/period=2024-05/form=ZX01/rows.parquet").is_file());
    assert!(wd.path("data/legacy-v1/period=2024-05/facts.parquet").is_file(), "the old facts are kept aside");
    assert!(!wd.path("data/period=2024-05/facts.parquet").exists());
    // A second run has nothing to migrate.
    let again = wd.run(&["run"]);
    assert!(!again.stdout().contains("转为按报表分表存储"), "{}", again.stdout());
}

/// run.json as JSON.
fn run_json(wd: &Workspace, period: &str) -> serde_json::Value {
    serde_json::from_slice(&wd.read(&format!("output/{period}/run.json"))).expect("run.json is JSON")
}

/// One township's forms in run.json: form → status.
fn unit_forms(json: &serde_json::Value, unit: &str) -> BTreeMap<String, String> {
    let units = json["units"].as_array().expect("units");
    let entry = units.iter().find(|u| u["unit"] == unit).unwrap_or_else(|| panic!("{unit} in run.json"));
    entry["forms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["form"].as_str().unwrap().to_string(), f["status"].as_str().unwrap().to_string()))
        .collect()
}

/// progress.csv as indicator_id → (units_counted, units_carried, units_missing).
fn coverage(wd: &Workspace, period: &str) -> BTreeMap<String, [String; 3]> {
    csv_maps(&wd.path(&format!("output/{period}/progress.csv")))
        .into_iter()
        .map(|row| (row["indicator_id"].clone(), ["units_counted", "units_carried", "units_missing"].map(|c| row[c].clone())))
        .collect()
}

/// Regression: one cell error in one form (May 2024, 云溪街道's 早稻) rejected all four of the
/// township's forms. Now only the form with the error is not counted: 乙镇's negative grain area
/// (E06, in 村级指标) leaves its 项目 form counted, and its village figures are carried from May.
#[test]
fn an_error_rejects_only_the_form_it_is_in() {
    use support::pipeline::{input_path, plan, workbook_edited};
    let wd = workspace(&["甲镇", "丙镇"]);
    let bad = workbook_edited(&plan(), "乙镇", 6, 6, |villages, _| villages[0].1[1] = -5.0);
    wd.write(&input_path("乙镇", 6), bad);
    run(&wd, None).expect_code(1);
    let june = progress(&wd, "2024-06");
    // 村级指标: 甲镇 300 + 丙镇 130 counted, 乙镇's May 80 carried = 510; 本月 140 + 70 + 0 = 210.
    assert_eq!(june["grain_area"], row(["1000", "210", "510", "0.51", "0.5", "1", "正常"]));
    // Floor with 乙镇 carried: 900 + 400 + 500 = 1800 → judged (预警), not 数据不全.
    assert_eq!(june["cultivated_land"], row(["2000", "0", "1800", "", "", "", "预警"]));
    // 项目 of 乙镇 is counted as if nothing were wrong: (250 + 200 + 100) funds, (100 + 150 + 100)
    // 产业发展 → 63.6364%; paid (125 + 100 + 60) ÷ 550 = 51.8182%.
    assert_eq!(june["industry_share"], row(["60", "", "63.6364", "1.0606", "", "", "达标"]));
    assert_eq!(june["pay_progress"][2], "51.8182");
    let cov = coverage(&wd, "2024-06");
    assert_eq!(cov["grain_area"], row(["2", "乙镇@2024-05", ""]));
    assert_eq!(cov["industry_share"], row(["3", "", ""]), "the project form counts all three");

    // Status per form: townships.csv, run.json and the file's status.
    let towns = townships(&wd, "2024-06");
    assert_eq!(towns[&of("乙镇", "grain_area")], row(["", "300", "", "", "数据有误"]));
    // 拨付进度 by value: 丙镇 60% first; 甲镇 125 ÷ 250 and 乙镇 100 ÷ 200 = 50%, tied second.
    assert_eq!(towns[&of("乙镇", "pay_progress")], row(["50", "", "", "2", "已报送"]));
    let json = run_json(&wd, "2024-06");
    assert_eq!(
        unit_forms(&json, "乙镇"),
        [("ZX01", "数据有误"), ("ZX02", "已报送")].into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    );
    assert_eq!(
        (json["counts"]["reported"].as_u64(), json["counts"]["rejected"].as_u64(), json["counts"]["missing"].as_u64()),
        (Some(2), Some(1), Some(0))
    );
    let input = json["inputs"].as_array().unwrap().iter().find(|i| i["township"] == "乙镇").expect("乙镇's file");
    assert_eq!(input["status"], "部分采用");
    let issues = csv_maps(&wd.path("output/2024-06/issues.csv"));
    assert!(issues.iter().any(|i| i["township"] == "乙镇" && i["rule"].starts_with("E06") && i["sheet"] == "村级指标"), "{issues:?}");
}

/// 丙镇 reports March only. April and May carry its March figures (one and two months back);
/// June leaves it out (three months back): the floor and the baseline are then 数据不全, and
/// the trend's coverage column says who each month counts.
#[test]
fn a_missing_township_is_carried_for_two_months_then_left_out() {
    use support::pipeline::{input_path, plan, workbook_edited};
    let plan = plan();
    let wd = Workspace::new();
    wd.write("plan/pipeline.toml", support::pipeline::PLAN);
    for month in 3..=6 {
        let figures = if month == 6 { 6 } else { 5 };
        for township in ["甲镇", "乙镇"] {
            wd.write(&input_path(township, month), workbook_edited(&plan, township, figures, month, |_, _| {}));
        }
    }
    wd.write(&input_path("丙镇", 3), workbook_edited(&plan, "丙镇", 5, 3, |_, _| {}));

    run(&wd, None).expect_code(1);
    let june = progress(&wd, "2024-06");
    // Three months back is beyond the two the plan allows: 丙镇 is left out, never zero.
    // 300 + 150 = 450; 本月 (300 − 160) + (150 − 80) = 210. The target has allocations, so the
    // missing 丙镇 does not decide its colour: 甲镇 and 乙镇 did 450 of their 600 + 300, 50%, on
    // schedule (50%), where the district figure alone (45%) would have read 滞后.
    assert_eq!(june["grain_area"], row(["1000", "210", "450", "0.5", "0.5", "0", "正常"]));
    let rows = csv_maps(&wd.path("output/2024-06/progress.csv"));
    let note = &rows.iter().find(|r| r["indicator_id"] == "grain_area").unwrap()["note"];
    assert!(note.contains("按已报送的2个镇计，完成其分解任务的50%，序时50%") && note.contains("不含丙镇"), "{note}");
    // A floor and a baseline whose total lacks a township cannot be judged: 数据不全.
    assert_eq!(june["cultivated_land"], row(["2000", "0", "1400", "", "", "", "数据不全"]));
    assert_eq!(june["migrant_workers"], row(["100", "0", "85", "", "", "", "数据不全"]));
    assert_eq!(coverage(&wd, "2024-06")["grain_area"], row(["2", "", "丙镇"]));

    // The trend (村级指标 sheet): March counts all three, April and May carry 丙镇's March, June
    // lacks it. The cumulative figure never falls because a township dropped out.
    use calamine::Reader;
    let mut bulletin: calamine::Xlsx<_> = calamine::open_workbook(wd.path(BULLETIN_JUNE)).unwrap();
    let sheet = bulletin.worksheet_range("村级指标").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let trend_row =
        |month: &str| rows.iter().find(|r| r.first().is_some_and(|c| c == month)).unwrap_or_else(|| panic!("{month} in trend: {rows:?}"));
    let header = rows.iter().find(|r| r.iter().any(|c| c.starts_with("报送覆盖"))).expect("coverage column");
    let grain = header.iter().position(|c| c.starts_with("粮食播种面积")).expect("grain column");
    let cov = header.iter().position(|c| c.starts_with("报送覆盖")).unwrap();
    assert_eq!((trend_row("2024年3月")[grain].as_str(), trend_row("2024年3月")[cov].as_str()), ("300", "采用3个"));
    assert_eq!(
        (trend_row("2024年4月")[grain].as_str(), trend_row("2024年4月")[cov].as_str()),
        ("300", "采用2个，沿用1个：丙镇（2024年3月）")
    );
    assert_eq!(trend_row("2024年5月")[cov], "采用2个，沿用1个：丙镇（2024年3月）");
    assert_eq!((trend_row("2024年6月")[grain].as_str(), trend_row("2024年6月")[cov].as_str()), ("450", "采用2个，缺1个：丙镇"));

    // May itself: 丙镇's March figures carried two months, so the floor is judged on all three.
    run(&wd, Some("2024-05")).expect_code(1);
    let may = progress(&wd, "2024-05");
    assert_eq!(may["grain_area"][1..3], row(["0", "300"]), "本月 0: nobody's figure moved since April");
    assert_eq!(may["cultivated_land"], row(["2000", "0", "1800", "", "", "", "预警"]));
    assert_eq!(coverage(&wd, "2024-05")["cultivated_land"], row(["2", "丙镇@2024-03", ""]));
    // Carried values never enter the store as May's facts.
    let month: serde_json::Value = serde_json::from_slice(&wd.read("data/period=2024-05/month.json")).unwrap();
    let bing: Vec<&serde_json::Value> = month["submissions"].as_array().unwrap().iter().filter(|s| s["unit"] == "丙镇").collect();
    assert!(bing.iter().all(|s| s["status"] == "missing"), "{bing:?}");

    // Once 丙镇 reports May, a re-run replaces the carried values with its own.
    wd.write(&input_path("丙镇", 5), workbook_edited(&plan, "丙镇", 6, 5, |_, _| {}));
    run(&wd, Some("2024-05")).expect_code(0);
    assert_eq!(progress(&wd, "2024-05")["grain_area"][2], "370", "160 + 80 + 丙镇's own 130");
    assert_eq!(coverage(&wd, "2024-05")["grain_area"], row(["3", "", ""]));
}

/// Regression: a road project entered twice (W04) was summed twice. The first row counts; the
/// warning names both rows and which one counted.
#[test]
fn a_project_entered_twice_is_counted_once() {
    use support::pipeline::{input_path, plan, workbook_edited};
    let wd = workspace(&["乙镇", "丙镇"]);
    wd.write(&input_path("甲镇", 6), workbook_edited(&plan(), "甲镇", 6, 6, |_, projects| projects.push(projects[0])));
    run(&wd, None).expect_code(0);
    let june = progress(&wd, "2024-06");
    // As in the clean month: 产业发展 (100 + 150 + 100) ÷ 550 and paid 285 ÷ 550.
    assert_eq!(june["industry_share"][2], "63.6364");
    assert_eq!(june["pay_progress"][2], "51.8182");
    let issues = csv_maps(&wd.path("output/2024-06/issues.csv"));
    let duplicate = issues.iter().find(|i| i["rule"].starts_with("W04")).expect("a W04 warning");
    // Data rows start on sheet row 4: the three projects are rows 4–6, the copy row 7.
    assert_eq!(duplicate["cell"], "A7");
    assert!(duplicate["message"].contains("第 4 行和第 7 行") && duplicate["message"].contains("只计第 4 行"), "{duplicate:?}");
}

/// Departments are reporting units: each sends its own ledger (identified by its file name),
/// several in one month all count, one that has not sent June's is 未报送 and its May figure is
/// carried, and run.json counts departments apart from townships.
#[test]
fn each_department_sends_its_own_ledger() {
    use std::collections::BTreeMap as Map;
    use zhenxing::period::Period;
    use zhenxing::report::template::{TemplateRequest, file_name, workbook_bytes};
    let (plan, _) = zhenxing::plan::Plan::resolve(Some("yunxi-2024")).unwrap();
    let wd = Workspace::new();
    let values = |month: u32| -> Map<&'static str, f64> {
        let may = [("Y12", 61.2), ("Y22", 1.0), ("Y23", 1.0), ("Y24", 6.3)];
        let june = [("Y12", 63.5), ("Y22", 2.0), ("Y23", 2.0), ("Y24", 7.9)];
        (if month == 5 { may } else { june }).into_iter().collect()
    };
    for month in [5, 6] {
        let period = Period::new(2024, month).unwrap();
        for department in plan.departments() {
            if month == 6 && department == "区卫健局" {
                continue;
            }
            let mut filled = Map::new();
            filled.insert("BM01".to_string(), zhenxing::sample::department_form(&plan, &department, period, &values(month)));
            let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: &department, period, filled, protect: true }).unwrap();
            wd.write(&format!("input/{period}/部门/{}", file_name(&department, period)), bytes);
        }
    }
    wd.run(&["run", "--quiet"]).expect_code(1);
    let indicator_of = |target: &str| plan.targets.iter().find(|t| t.id == target).and_then(|t| t.indicator.clone()).unwrap();
    let june = progress(&wd, "2024-06");
    let cov = coverage(&wd, "2024-06");
    // 区民政局's and 区农业农村局's own files both count.
    assert_eq!(june[&indicator_of("Y23")][2], "2");
    assert_eq!(june[&indicator_of("Y24")][2], "7.9");
    assert_eq!(june[&indicator_of("Y12")][2], "63.5");
    assert_eq!(cov[&indicator_of("Y23")], row(["1", "", ""]));
    // 区卫健局 sent no June ledger: its May figure (1) stands, marked as carried.
    assert_eq!(june[&indicator_of("Y22")][2], "1");
    assert_eq!(cov[&indicator_of("Y22")], row(["0", "区卫健局@2024-05", ""]));
    let json = run_json(&wd, "2024-06");
    let departments = plan.departments().len() as u64;
    assert_eq!(json["department_counts"]["units"].as_u64(), Some(departments));
    assert_eq!(json["department_counts"]["reported"].as_u64(), Some(departments - 1));
    assert_eq!(json["department_counts"]["missing"].as_u64(), Some(1));
    assert_eq!(json["counts"]["units"].as_u64(), Some(5), "townships only");
    assert_eq!(json["counts"]["missing"].as_u64(), Some(5));
    assert_eq!(unit_forms(&json, "区卫健局")["BM01"], "未报送");
    assert_eq!(unit_forms(&json, "区民政局")["BM01"], "已报送");
    // 报送情况 lists every department with its status.
    use calamine::Reader;
    let mut bulletin: calamine::Xlsx<_> =
        calamine::open_workbook(wd.path("output/2024-06/云溪区乡村振兴重点指标进度通报_2024年06月.xlsx")).unwrap();
    let sheet = bulletin.worksheet_range("报送情况").unwrap();
    let status_of = |unit: &str| sheet.rows().find(|r| r.first().is_some_and(|c| *c == unit)).map(|r| r[1].to_string()).unwrap_or_default();
    assert_eq!(status_of("区卫健局"), "未报送");
    assert_eq!(status_of("区民政局"), "已报送");
    assert_eq!(status_of("区农业农村局"), "已报送");
}

/// From the assessment month on (for a plan without phases, December) the bulletin is also the
/// year-end list: every target 完成 or 未完成. Before it there is no such sheet.
#[test]
fn the_year_end_list_appears_from_the_assessment_month() {
    use support::pipeline::{input_path, plan, workbook_edited};
    let wd = workspace(&["甲镇", "乙镇", "丙镇"]);
    for township in ["甲镇", "乙镇", "丙镇"] {
        wd.write(&input_path(township, 12), workbook_edited(&plan(), township, 6, 12, |_, _| {}));
    }
    run(&wd, None).expect_code(0);
    use calamine::Reader;
    let mut december: calamine::Xlsx<_> =
        calamine::open_workbook(wd.path("output/2024-12/测试区乡村振兴重点指标进度通报_2024年12月.xlsx")).unwrap();
    assert_eq!(december.sheet_names()[..3], ["总览", "年终考核", "镇进度"]);
    let sheet = december.worksheet_range("年终考核").unwrap();
    let result = |name: &str| {
        sheet.rows().find(|r| r.get(2).is_some_and(|c| c.to_string().starts_with(name))).map(|r| r[6].to_string()).unwrap_or_default()
    };
    assert_eq!(result("粮食播种面积"), "未完成", "580 of 1000");
    assert_eq!(result("新建桥梁"), "完成", "2 of 2");
    assert_eq!(result("耕地保有量"), "未完成", "1800 below the 2000 line");
    assert_eq!(result("脱贫人口外出务工规模不减"), "完成", "110 ≥ 100");
    assert_eq!(result("高标准农田主体完工"), "未完成（逾期）", "190 of 250, due in March");
    assert_eq!(result("本年改厕"), "跟踪监测");
    // 总览 says the same in its status column, and the 通报 opens with the year's result.
    let overview = december.worksheet_range("总览").unwrap();
    let status = |name: &str| {
        overview.rows().find(|r| r.get(2).is_some_and(|c| c.to_string().starts_with(name))).map(|r| r[11].to_string()).unwrap_or_default()
    };
    assert_eq!(status("粮食播种面积"), "逾期未完成");
    assert_eq!(status("高标准农田主体完工"), "逾期未完成");
    let text = String::from_utf8(wd.read("output/2024-12/bulletin.txt")).unwrap();
    let first = text.lines().nth(2).unwrap_or_default();
    assert!(first.starts_with("2024年测试区") && first.contains("全年完成") && first.contains("粮食播种面积"), "{text}");
    assert!(first.contains("未完成") && !first.contains("新建桥梁"), "{first}");
    run(&wd, Some("2024-06")).expect_code(0);
    let june: calamine::Xlsx<_> = calamine::open_workbook(wd.path(BULLETIN_JUNE)).unwrap();
    assert!(!june.sheet_names().iter().any(|n| n == "年终考核"), "not before the assessment");
}

/// The 通报 text of a hand-built month (June: 丙镇 missing, its May figures carried) is the
/// golden text below, at the top of 总览 and in bulletin.txt.
#[test]
fn the_notice_text_says_what_a_leader_needs() {
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, None).expect_code(1);
    let text = String::from_utf8(wd.read("output/2024-06/bulletin.txt")).unwrap();
    let expected = "测试市测试区乡村振兴重点指标进度通报（2024年6月）

截至2024年6月底，测试区8项量化目标中，已完成1项、正常推进1项、滞后2项、逾期未完成1项；底线、比例等目标达标2项、预警或未达标1项；另有1项监测指标只跟踪、不考核。
进度落后最多的是：高标准农田主体完工（逾期未完成，落后28.0个百分点，含丙镇（2024年5月）沿用数，牵头单位：区农业农村局）；资金拨付时序进度（滞后，落后8.6个百分点，含丙镇（2024年5月）沿用数，牵头单位：区财政局）；新造油茶（滞后，落后1.7个百分点，含丙镇（2024年5月）沿用数，牵头单位：区林业局）。
需关注：耕地保有量（预警）。
报送方面，应报3个镇，已报送2个，丙镇未报送。
本月报表未发现数据问题；未采用本月数据的单位沿用最近一次数据：丙镇（2024年5月），相关数字标“※”。
";
    assert_eq!(text, expected);
    use calamine::Reader;
    let mut bulletin: calamine::Xlsx<_> = calamine::open_workbook(wd.path(BULLETIN_JUNE)).unwrap();
    let overview = bulletin.worksheet_range("总览").unwrap();
    let top = overview.get((3, 0)).map(|c| c.to_string()).unwrap_or_default();
    assert!(top.starts_with("截至2024年6月底，测试区8项量化目标中"), "{top}");
    // The 报送 sentence is said once on 总览, in its counts line, not twice.
    assert_eq!(top.matches("应报3个镇").count() + top.matches("应报 3 个镇").count(), 1, "{top}");
}

/// 牵头单位: each lead unit's targets and how many are behind, units with most behind first;
/// `--pdf` without LibreOffice warns and the run's result is unchanged.
#[test]
fn targets_by_lead_unit_and_a_pdf_without_libreoffice() {
    let wd = workspace(&["甲镇", "乙镇"]);
    let out = wd
        .command(&["run", "--plan", "plan/pipeline.toml", "--input", "in", "--output", "output", "--store", "data", "--pdf"])
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("警告：未生成 PDF") && stdout.contains("LibreOffice"), "{stdout}");
    assert!(wd.path(BULLETIN_JUNE).is_file());
    use calamine::Reader;
    let mut bulletin: calamine::Xlsx<_> = calamine::open_workbook(wd.path(BULLETIN_JUNE)).unwrap();
    let sheet = bulletin.worksheet_range("牵头单位").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().skip(2).map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let of = |unit: &str| rows.iter().filter(|r| r[0] == unit).cloned().collect::<Vec<_>>();
    // 区农业农村局 leads 粮食播种面积 (正常), 高标准农田 (逾期未完成) and 本年改厕 (跟踪监测): 1 behind.
    let agriculture = of("区农业农村局");
    assert_eq!(agriculture.len(), 3);
    assert!(agriculture.iter().all(|r| r[1] == "1"), "{agriculture:?}");
    assert!(agriculture.iter().any(|r| r[3].starts_with("高标准农田主体完工") && r[4].starts_with("逾期未完成")), "{agriculture:?}");
    // 区人社局 (务工 达标) and 区交通运输局 (桥梁 已完成) have nothing behind: listed last.
    assert_eq!(of("区人社局")[0][1], "0");
    let last_units: Vec<&str> = rows.iter().rev().take(2).map(|r| r[0].as_str()).collect();
    assert!(last_units.iter().all(|u| ["区人社局", "区交通运输局"].contains(u)), "{last_units:?}");
}

/// With a submission deadline (day 5 of the next month), a file that arrived later is 迟报; the
/// 催报名单 names every unit late, missing or with errors, with the 填报人 and 联系电话 of its
/// latest file's footer; a file copied in again later keeps the arrival of its first sighting.
#[test]
fn late_files_and_the_reminder_list() {
    use support::pipeline::{input_path, workbook_full};
    let text =
        support::pipeline::PLAN.replacen("office = \"测试区乡村振兴办\"", "office = \"测试区乡村振兴办\"\nsubmission_deadline_day = 5", 1);
    let plan = zhenxing::plan::Plan::from_toml(&text, "test plan").unwrap();
    let wd = Workspace::new();
    wd.write("plan/pipeline.toml", &text);
    let at = |path: &str, unix: u64| {
        let file = std::fs::File::options().write(true).open(wd.path(path)).unwrap();
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix)).unwrap();
    };
    let footer = |t: &str, phone: &str| format!("填报人：{t}统计员    联系电话：{phone}    审核人：");
    for (t, phone) in [("甲镇", "0730-1001"), ("乙镇", "0730-1002"), ("丙镇", "0730-1003")] {
        wd.write(&input_path(t, 5), workbook_full(&plan, t, 5, 5, |_, _| {}, Some(&footer(t, phone))));
        at(&input_path(t, 5), 1_717_387_200); // 2024-06-03 12:00 China time: on time
    }
    wd.write(&input_path("甲镇", 6), workbook_full(&plan, "甲镇", 6, 6, |_, _| {}, Some(&footer("甲镇", "0730-1001"))));
    at(&input_path("甲镇", 6), 1_719_979_200); // 2024-07-03 12:00: on time
    wd.write(&input_path("乙镇", 6), workbook_full(&plan, "乙镇", 6, 6, |_, _| {}, Some(&footer("乙镇", "0730-2002"))));
    at(&input_path("乙镇", 6), 1_720_497_600); // 2024-07-09 12:00: after 7月5日
    run(&wd, None).expect_code(1);

    let reminders = csv_maps(&wd.path("output/2024-06/reminders.csv"));
    let by_unit: BTreeMap<&str, &BTreeMap<String, String>> = reminders.iter().map(|r| (r["unit"].as_str(), r)).collect();
    assert_eq!(by_unit.keys().copied().collect::<Vec<_>>(), ["丙镇", "乙镇"], "{reminders:?}");
    assert_eq!(
        (by_unit["乙镇"]["situation"].as_str(), by_unit["乙镇"]["filler"].as_str(), by_unit["乙镇"]["phone"].as_str()),
        ("迟报", "乙镇统计员", "0730-2002")
    );
    // Asked to be on time next month: July's report, due 5 August (not June's, long past).
    assert!(by_unit["乙镇"]["action"].contains("7月报表请于8月5日前按时报送"), "{:?}", by_unit["乙镇"]);
    // 丙镇 sent nothing in June: whom to call comes from its May file.
    assert_eq!((by_unit["丙镇"]["situation"].as_str(), by_unit["丙镇"]["phone"].as_str()), ("未报送", "0730-1003"));
    use calamine::Reader;
    let mut bulletin: calamine::Xlsx<_> = calamine::open_workbook(wd.path(BULLETIN_JUNE)).unwrap();
    let sheet = bulletin.worksheet_range("报送情况").unwrap();
    let status = |unit: &str| sheet.rows().find(|r| r.first().is_some_and(|c| *c == unit)).map(|r| r[1].to_string()).unwrap_or_default();
    assert_eq!((status("甲镇"), status("乙镇")), ("已报送".to_string(), "已报送（迟报）".to_string()));
    assert!(bulletin.sheet_names().iter().any(|n| n == "催报名单"));

    // 乙镇's file copied in again on 7月20日 (same content): it still arrived on 7月9日; 甲镇's
    // copied in again is still on time.
    at(&input_path("甲镇", 6), 1_721_448_000);
    run(&wd, None).expect_code(1);
    let statuses: Vec<(String, String)> =
        csv_maps(&wd.path("output/2024-06/reminders.csv")).into_iter().map(|r| (r["unit"].clone(), r["situation"].clone())).collect();
    assert_eq!(statuses, [("乙镇".to_string(), "迟报".to_string()), ("丙镇".to_string(), "未报送".to_string())], "plan order");
}

/// 同比: where the store holds the same month of the previous year, progress.csv and 总览 show it
/// and the change.
#[test]
fn year_on_year_from_a_two_year_store() {
    use support::pipeline::plan;
    let wd = workspace(&["甲镇", "乙镇", "丙镇"]);
    // June 2023: the three townships with May 2024's figures (粮食 160 + 80 + 60 = 300).
    for township in ["甲镇", "乙镇", "丙镇"] {
        let period = zhenxing::period::Period::new(2023, 6).unwrap();
        let bytes = support::pipeline::workbook_a_year_before(&plan(), township, 5, 6);
        wd.write(&format!("in/2023-06/{}", zhenxing::report::template::file_name(township, period)), bytes);
    }
    run(&wd, Some("2023-06")).expect_code(0);
    run(&wd, Some("2024-06")).expect_code(0);
    let rows = csv_maps(&wd.path("output/2024-06/progress.csv"));
    let grain = rows.iter().find(|r| r["indicator_id"] == "grain_area").unwrap();
    // June 2024: 300 + 150 + 130 = 580 against 300 a year before: +280.
    assert_eq!((grain["cumulative"].as_str(), grain["last_year"].as_str(), grain["yoy_change"].as_str()), ("580", "300", "280"));
    use calamine::Reader;
    let mut bulletin: calamine::Xlsx<_> = calamine::open_workbook(wd.path(BULLETIN_JUNE)).unwrap();
    let overview = bulletin.worksheet_range("总览").unwrap();
    let texts: Vec<String> = overview.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(texts.iter().any(|t| t.starts_with("同比（与2023年6月比较）")), "{texts:?}");
    // Without the previous year in the store, no 同比.
    let fresh = workspace(&["甲镇", "乙镇", "丙镇"]);
    run(&fresh, None).expect_code(0);
    let rows = csv_maps(&fresh.path("output/2024-06/progress.csv"));
    assert!(rows.iter().all(|r| r["last_year"].is_empty()));
}

/// The four topics on yunxi-2024, April 2024, with figures chosen by hand:
/// - 高标准农田 (ZX02): 2023 projects 长岭 3,000 亩 finished 3月20日 (on time), 云溪 2,000 亩
///   finished 4月10日 (late), 陆城 600 亩 not finished. Y08 (5,600 亩 by 3月31日) is judged on the
///   主体完工 area, 5,000 亩, with 3,000 亩 of it on time → 逾期未完成; the projects' 建设任务 add up
///   to the 5,600 亩 of the target (核对 C01 一致); 投资完成率 = Σ完成 ÷ Σ计划.
/// - 农村公路 (ZX03): 白改黑 projects planned for March (4.0 km done, 2.0 km of which 1.0 done)
///   and September (3.0 km, 0.5 done): 序时目标 = 6.0 km planned by April; a 道路提质 project
///   finished, against a 交通运输局 ledger saying 1 (C02 一致).
/// - 人居环境 (ZX04): rates are ratios of district sums, not averages of township rates;
///   危房改造 3 户 against 区住建局's 2 (C03 不一致, a warning naming both figures).
#[test]
fn four_topics_hand_computed_on_yunxi() {
    use zhenxing::period::Period;
    use zhenxing::plan::Plan;
    use zhenxing::report::template::{Fill, FilledForm, TemplateRequest, file_name, workbook_bytes};

    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let april = Period::new(2024, 4).unwrap();
    let t = |s: &str| Fill::Text(s.to_string());
    let n = Fill::Number;
    let e = || Fill::Empty;
    let wd = Workspace::new();
    // (township, ZX02 rows, ZX03 rows, ZX04 first-village figures)
    type Hsf = Vec<Vec<Fill>>;
    // ZX02: 项目名称, 建设年度, 涉及村, 建设任务, 累计完工, 主体工程完工, 完工日期, 项目阶段, 计划投资, 完成投资, 备注
    let hsf = |name: &str, year: f64, task: f64, done: f64, stage: &str, inv: (f64, f64), main: &str, date: &str| -> Vec<Fill> {
        let date = if date.is_empty() { e() } else { t(date) };
        vec![t(name), n(year), e(), n(task), n(done), t(main), date, t(stage), n(inv.0), n(inv.1), e()]
    };
    // ZX03: 项目名称, 项目类别, 涉及村, 建设任务, 累计完成, 计量单位, 是否完工, 计划完工月份, 备注
    let road = |name: &str, category: &str, task: f64, done: f64, month: &str, completed: &str| -> Vec<Fill> {
        vec![t(name), t(category), e(), n(task), n(done), t("公里"), t(completed), t(month), e()]
    };
    let towns: [(&str, Hsf, Hsf, [f64; 10]); 5] = [
        (
            "长岭街道",
            vec![hsf("长岭2023年度高标准农田项目", 2023.0, 3000.0, 3000.0, "完工", (900.0, 900.0), "是", "2024-03-20")],
            vec![road("长岭白改黑", "白改黑", 4.0, 4.0, "2024年3月", "是")],
            [100.0, 90.0, 5.0, 90.0, 10.0, 10.0, 50.0, 5.0, 5.0, 1.0],
        ),
        (
            "云溪街道",
            vec![hsf("云溪2023年度高标准农田项目", 2023.0, 2000.0, 2000.0, "完工", (600.0, 600.0), "是", "2024-04-10")],
            vec![road("云溪白改黑", "白改黑", 2.0, 1.0, "2024年3月", "否")],
            [300.0, 250.0, 5.0, 150.0, 0.0, 0.0, 60.0, 8.0, 6.0, 1.0],
        ),
        (
            "陆城镇",
            vec![hsf("陆城2023年度高标准农田项目", 2023.0, 600.0, 400.0, "在建", (150.0, 120.0), "否", "")],
            vec![road("陆城白改黑", "白改黑", 3.0, 0.5, "9月", "否")],
            [200.0, 180.0, 5.0, 160.0, 20.0, 5.0, 100.0, 6.0, 6.0, 1.0],
        ),
        (
            "路口镇",
            vec![hsf("路口2024年度高标准农田项目", 2024.0, 1000.0, 0.0, "前期", (300.0, 30.0), "否", "")],
            vec![road("路口道路提质", "道路提质", 2.6, 2.6, "2024-04", "是")],
            [150.0, 130.0, 5.0, 120.0, 5.0, 5.0, 90.0, 4.0, 4.0, 0.0],
        ),
        (
            "松杨湖街道",
            // 主体工程完工 without its date: counted, and a W12 warning.
            vec![hsf("松杨湖2024年度小型农田项目", 2024.0, 100.0, 100.0, "完工", (0.0, 0.0), "是", "")],
            vec![],
            [250.0, 200.0, 5.0, 180.0, 15.0, 0.0, 100.0, 7.0, 3.0, 0.0],
        ),
    ];
    for (town, zx02, zx03, sanitation) in towns {
        let unit = plan.unit(town).unwrap();
        let mut filled = zhenxing::sample::township_forms(&plan, unit, april);
        filled.insert("ZX02".into(), FilledForm { rows: zx02, ..Default::default() });
        filled.insert("ZX03".into(), FilledForm { rows: zx03, ..Default::default() });
        // ZX04: 村, 农户总数, 累计改厕, 本年改厕, 垃圾收运覆盖, 污水治理, 危房改造, 无害化卫生厕所, 问题厕所摸排,
        // 已整改, 污水治理户数, 自然村数, 垃圾收运覆盖自然村数, 备注 — the first village only.
        let [hh, total, year, sanitary, problem, fixed, sewage, natural, garbage, dilapidated] = sanitation;
        let row = vec![
            t(&unit.villages.names()[0]),
            n(hh),
            n(total),
            n(year),
            t("否"),
            t("否"),
            n(dilapidated),
            n(sanitary),
            n(problem),
            n(fixed),
            n(sewage),
            n(natural),
            n(garbage),
            e(),
        ];
        filled.insert("ZX04".into(), FilledForm { rows: vec![row], ..Default::default() });
        let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: town, period: april, filled, protect: false }).unwrap();
        wd.write(&format!("input/2024-04/{}", file_name(town, april)), bytes);
    }
    // The ledgers: 交通运输局 says one 道路提质 road is finished (Y19), 住建局 says 2 houses (Y21).
    for (department, values) in [("区交通运输局", [("Y19", 1.0)]), ("区住建局", [("Y21", 2.0)])] {
        let values: BTreeMap<&str, f64> = values.into_iter().collect();
        let mut filled = BTreeMap::new();
        filled.insert("BM01".to_string(), zhenxing::sample::department_form(&plan, department, april, &values));
        let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: department, period: april, filled, protect: false }).unwrap();
        wd.write(&format!("input/2024-04/部门/{}", file_name(department, april)), bytes);
    }
    wd.run(&["run", "--period", "2024-04", "--quiet"]);
    let progress = progress(&wd, "2024-04");
    let note =
        |id: &str| csv_maps(&wd.path("output/2024-04/progress.csv")).into_iter().find(|r| r["indicator_id"] == id).unwrap()["note"].clone();

    // Y08: 5,000 of 5,600 亩 主体完工 (3,000 + 2,000), past its deadline → 逾期未完成, and the note
    // splits what was on time from what was late.
    assert_eq!(progress["hsf_2023_main_done"][2], "5000");
    assert_eq!(progress["hsf_2023_main_done"][6], "逾期未完成");
    assert!(note("hsf_2023_main_done").contains("按期（3月31日前）完成3000亩，逾期完成2000亩"), "{}", note("hsf_2023_main_done"));
    // 投资完成率 = (900 + 600 + 120 + 30 + 0) ÷ (900 + 600 + 150 + 300 + 0) = 1650 ÷ 1950.
    assert_eq!(progress["hsf_investment_rate"][2], "84.6154");
    // 白改黑: done 4.0 + 1.0 + 0.5 = 5.5 km; planned by April 4.0 + 2.0 = 6.0 of 9.6 → 62.5%;
    // 5.5 ÷ 9.6 = 57.29% → 5.21 points behind → 滞后.
    assert_eq!(progress["road_black"][2..7], row(["5.5", "0.5729", "0.625", "-5.21", "滞后"]));
    // Sanitation rates are ratios of the district sums (1,000 households in all).
    assert_eq!(progress["toilet_coverage"][2], "70", "(90+150+160+120+180) ÷ 1000");
    assert_eq!(progress["problem_toilet_fix_rate"][2], "40", "(10+0+5+5+0) ÷ (10+0+20+5+15)");
    assert_eq!(progress["sewage_rate"][2], "40", "(50+60+100+90+100) ÷ 1000");
    assert_eq!(progress["garbage_coverage"][2], "80", "(5+6+6+4+3) ÷ (5+8+6+4+7)");

    // The topic sheet judges each project; the 核对 sheet names both figures.
    use calamine::Reader;
    let bulletin = wd.path("output/2024-04/云溪区乡村振兴重点指标进度通报_2024年04月.xlsx");
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&bulletin).unwrap();
    let sheet = workbook.worksheet_range("高标准农田").unwrap();
    let header: Vec<String> = sheet.rows().nth(1).unwrap().iter().map(|c| c.to_string()).collect();
    let at = header.iter().position(|h| h == "按期情况").expect("按期情况 column");
    let status: BTreeMap<String, String> = sheet.rows().skip(2).map(|r| (r[1].to_string(), r[at].to_string())).collect();
    assert_eq!(status["长岭2023年度高标准农田项目"], "按期完工");
    assert_eq!(status["云溪2023年度高标准农田项目"], "逾期完工");
    assert_eq!(status["陆城2023年度高标准农田项目"], "逾期未完工");
    assert_eq!(status["路口2024年度高标准农田项目"], "", "2024 projects have no 3月 deadline");
    let roads = workbook.worksheet_range("农村公路").unwrap();
    let header: Vec<String> = roads.rows().nth(1).unwrap().iter().map(|c| c.to_string()).collect();
    let at = header.iter().position(|h| h == "按期情况").unwrap();
    let month = header.iter().position(|h| h == "计划完工月份").unwrap();
    let roads: BTreeMap<String, (String, String)> =
        roads.rows().skip(2).map(|r| (r[1].to_string(), (r[month].to_string(), r[at].to_string()))).collect();
    assert_eq!(roads["云溪白改黑"], ("2024-03".to_string(), "逾期未完工".to_string()));
    assert_eq!(roads["陆城白改黑"], ("2024-09".to_string(), "未到期".to_string()), "“9月” is read in the plan year");
    let checks = workbook.worksheet_range("数据核对").unwrap();
    let checks: BTreeMap<String, Vec<String>> =
        checks.rows().skip(2).map(|r| (r[0].to_string(), r.iter().map(|c| c.to_string()).collect())).collect();
    assert_eq!(checks["C01"][3..9], ["5600", "目标Y08：2023年度高标准农田主体工程完工（5600亩（3月底前））", "5600", "0", "亩", "一致"]);
    assert_eq!(checks["C02"][8], "一致", "{:?}", checks["C02"]);
    assert_eq!(checks["C03"][3..9], ["3", "区住建局台账：农村危房改造（区住建局台账）", "2", "1", "户", "不一致"]);
    let bulletin_text = String::from_utf8(wd.read("output/2024-04/bulletin.txt")).unwrap();
    assert!(
        bulletin_text.contains("数据核对不一致1项：农村危房改造：镇街合计与区住建局台账（镇街报表：危房改造3户，区住建局台账：农村危房改造（区住建局台账）2户）"),
        "{bulletin_text}"
    );
    // 主体工程完工 = 是 without 完工日期: a warning at the date cell.
    let issues = csv_maps(&wd.path("output/2024-04/issues.csv"));
    let w12: Vec<_> = issues.iter().filter(|i| i["rule"].starts_with("W12")).collect();
    assert_eq!(w12.len(), 1, "{issues:?}");
    assert_eq!((w12[0]["township"].as_str(), w12[0]["sheet"].as_str()), ("松杨湖街道", "高标准农田"));
}

/// Outputs and the store are readable as any file the user writes (atomic writes go through a
/// temporary file, private by default: a bulletin written by the cron job's account must not be
/// unreadable to the office's staff).
#[test]
fn outputs_and_store_files_have_the_modes_of_ordinary_files() {
    use std::os::unix::fs::PermissionsExt;
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, None).expect_code(1);
    let ordinary = wd.write("ordinary.txt", b"x");
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    for file in [
        BULLETIN_JUNE.to_string(),
        "output/2024-06/progress.csv".to_string(),
        "output/2024-06/run.json".to_string(),
        "data/period=2024-06/month.json".to_string(),
        "data/period=2024-06/form=ZX01/rows.parquet".to_string(),
    ] {
        assert_eq!(mode(&wd.path(&file)), mode(&ordinary), "{file}");
    }
}

/// Issue 32: one damaged table of an earlier month (`rows.parquet` truncated) stopped every run
/// with `…The file must end with PAR1`. The month is set aside (nothing deleted), rebuilt from
/// its input folder where that is still there, and the bulletin is what it was; without the
/// input the run goes on without that month and says how to rebuild it.
#[test]
fn a_damaged_month_of_the_store_is_set_aside_and_rebuilt() {
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, Some("2024-05")).expect_code(0);
    run(&wd, Some("2024-06")).expect_code(1);
    let before = wd.read("output/2024-06/progress.csv");
    let truncate = |wd: &Workspace| {
        let table = wd.path("data/period=2024-05/form=ZX01/rows.parquet");
        let bytes = std::fs::read(&table).unwrap();
        std::fs::write(&table, &bytes[..bytes.len() / 2]).unwrap();
    };
    truncate(&wd);
    let june =
        ["run", "--plan", "plan/pipeline.toml", "--input", "in", "--output", "output", "--store", "data", "--period", "2024-06", "--quiet"];
    let out = wd.run(&june);
    out.expect_code(1);
    assert!(out.stderr().contains("历史数据库中 2024-05 的数据已损坏") && out.stderr().contains("现从"), "{}", out.stderr());
    assert_eq!(wd.read("output/2024-06/progress.csv"), before, "May rebuilt from in/2024-05: the same June");
    assert!(wd.path("data/_damaged/2024-05-0/form=ZX01/rows.parquet.damaged").is_file());
    assert!(wd.path("data/period=2024-05/form=ZX01/rows.parquet").is_file());

    // Damaged again, and its input gone: the month is left out, the run still reports June.
    truncate(&wd);
    std::fs::remove_dir_all(wd.path("in/2024-05")).unwrap();
    let out = wd.run(&june);
    out.expect_code(1);
    assert!(out.stderr().contains("该月不计入本次汇总"), "{}", out.stderr());
    assert!(wd.path("data/_damaged/2024-05-1").is_dir());
    assert!(wd.path("output/2024-06/progress.csv").is_file());
}

/// Issue 32: a leftover the run could not delete (here a file where the month's output folder,
/// and then its staging folder, should be) made every later run exit 3. Runs go on, and the
/// month's outputs are a folder again.
#[test]
fn a_leftover_in_the_way_of_the_outputs_does_not_stop_later_runs() {
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, Some("2024-05")).expect_code(0);
    wd.write("output/2024-06", b"a file where the folder goes");
    run(&wd, Some("2024-06")).expect_code(1);
    assert!(wd.path("output/2024-06/progress.csv").is_file());
    wd.write("output/.zhenxing-staging-2024-06", b"a file left where the staging folder goes");
    run(&wd, Some("2024-06")).expect_code(1);
    run(&wd, Some("2024-06")).expect_code(1);
    assert!(wd.path("output/2024-06/progress.csv").is_file());
}

/// Issue 32: links in `input/` to files outside it were followed (`部门 → /etc` read 68 files,
/// and another office's workbook text went into the feedback sent back). Such a link is listed,
/// refused with a reason, and never read; a link inside the input folder still works.
#[cfg(unix)]
#[test]
fn links_out_of_the_input_folder_are_never_read() {
    use std::os::unix::fs::symlink;
    use zhenxing::period::Period;
    use zhenxing::report::template::file_name;
    let wd = workspace(&["甲镇", "乙镇"]);
    // 丙镇's June workbook lives elsewhere, and the 部门 folder is a link to another office's.
    let plan = support::pipeline::plan();
    let june = Period::new(2024, 6).unwrap();
    wd.write("elsewhere/丙镇.xlsx", support::pipeline::workbook(&plan, "丙镇", 6));
    wd.write("other-office/区财政局_2024年06月.xlsx", support::pipeline::workbook(&plan, "丙镇", 6));
    symlink(wd.path("elsewhere/丙镇.xlsx"), wd.path(&format!("in/2024-06/{}", file_name("丙镇", june)))).unwrap();
    symlink(wd.path("other-office"), wd.path("in/2024-06/部门")).unwrap();
    run(&wd, Some("2024-06")).expect_code(1);
    let issues = csv_maps(&wd.path("output/2024-06/issues.csv"));
    let refused: Vec<&String> =
        issues.iter().filter(|i| i["message"].contains("指向 input 文件夹以外的链接")).map(|i| &i["file"]).collect();
    assert_eq!(refused.len(), 2, "{issues:?}");
    assert!(refused.iter().any(|f| f.ends_with("部门")), "{refused:?}");
    // 丙镇 is not counted from the linked file: its May figures are carried.
    assert_eq!(progress(&wd, "2024-06")["grain_area"][2], "510");
}
