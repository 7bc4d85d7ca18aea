//! `zhenxing run` end to end on a small plan written here: every target kind (annual, deadline
//! before and after the month, floor, milestones, ratio, baseline, count with a category filter,
//! tracked) against values computed by hand; 本月 from the stored history; a township missing in
//! June not counted as zero; allocations with ranks and ties; byte-identical re-runs; exit codes.

mod support;

use std::collections::BTreeMap;

use support::pipeline::{BULLETIN_JUNE, run, workspace};
use support::{Workdir, csv_maps};

/// progress.csv as indicator_id → the row's cells from `target` to `status`.
fn progress(wd: &Workdir, period: &str) -> BTreeMap<String, [String; 7]> {
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
fn townships(wd: &Workdir, period: &str) -> BTreeMap<(String, String), [String; 5]> {
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

/// May (all three townships), then June with 丙镇 missing.
#[test]
fn every_target_kind_with_a_township_missing_in_june() {
    let wd = workspace(&["甲镇", "乙镇"]);

    // May: every township reports, nothing is wrong → exit 0.
    run(&wd, Some("2024-05")).expect_code(0);
    let may = progress(&wd, "2024-05");
    // Milestone between two milestones: May 31 lies between 4月(35%) and 6月(55%), so 35% is due.
    // 拨付进度 = paid ÷ funds = (40+20+0 + 80 + 30) ÷ (100+100+50 + 150 + 100) = 170 ÷ 500 = 34%.
    // 完成率 = 34 ÷ 80 (the schedule's end) = 0.425; 序时进度 = 35 ÷ 80 = 0.4375; 进度差 = −1.25 → 滞后.
    // A ratio has no 本月 (it is not a flow).
    assert_eq!(may["pay_progress"], row(["80", "", "34", "0.425", "0.4375", "-1.25", "滞后"]));
    // 本月 needs April, which is not in the store: empty, not the cumulative value.
    assert_eq!(may["grain_area"][1], "");
    assert_eq!(may["grain_area"][2], "300", "May grain area = 160 + 80 + 60");

    // June: 丙镇 did not report → exit 1, and it is named.
    let june_run = run(&wd, None);
    june_run.expect_code(1);
    let june = progress(&wd, "2024-06");

    // Annual target, June: 序时进度 = 6 ÷ 12 = 0.5. Counted: 甲镇 300 + 乙镇 150 = 450 (丙镇 is
    // not counted as zero: it is not counted at all). 本月 = June − May over townships counted in
    // both months: (300 − 160) + (150 − 80) = 210. 完成率 450 ÷ 1000 = 0.45, 进度差 −5 → 滞后.
    assert_eq!(june["grain_area"], row(["1000", "210", "450", "0.45", "0.5", "-5", "滞后"]));
    // Floor (红线) breached: 900 + 500 = 1400 < 2000 → 预警, never "completed"; stock, so 本月 is
    // the change since May (0); no 序时进度.
    assert_eq!(june["cultivated_land"], row(["2000", "0", "1400", "0.7", "", "", "预警"]));
    // Deadline before the month (2024-03-31): everything is due. 140 + 40 = 180 of 250 = 0.72;
    // 进度差 = (0.72 − 1) × 100 = −28 → 严重滞后. 本月 = (140 − 90) + (40 − 30) = 60.
    assert_eq!(june["hsf_done"], row(["250", "60", "180", "0.72", "1", "-28", "严重滞后"]));
    // Deadline after the month (2024-09-30): 序时进度 = 6 ÷ 9 = 0.6667. 50 + 15 = 65 of 100;
    // 进度差 = (0.65 − 0.66667) × 100 = −1.67 → 滞后. 本月 = (50 − 20) + (15 − 5) = 40.
    assert_eq!(june["camellia"], row(["100", "40", "65", "0.65", "0.6667", "-1.67", "滞后"]));
    // Milestone on its date: June 30 → 55% due. 拨付进度 = (60+45+20 + 90+10) ÷ (250 + 200)
    // = 225 ÷ 450 = 50%; 完成率 = 50 ÷ 80 = 0.625; 序时进度 = 55 ÷ 80 = 0.6875; −6.25 → 滞后.
    assert_eq!(june["pay_progress"], row(["80", "", "50", "0.625", "0.6875", "-6.25", "滞后"]));
    // Ratio: 产业发展 funds ÷ all funds = (100 + 150) ÷ 450 = 55.5556% < 60% → 未达标;
    // 完成率 = 55.5556 ÷ 60 = 0.9259.
    assert_eq!(june["industry_share"], row(["60", "", "55.5556", "0.9259", "", "", "未达标"]));
    // Baseline: 外出务工 55 + 30 = 85 < 100 (2023) → 预警.
    assert_eq!(june["migrant_workers"], row(["100", "0", "85", "0.85", "", "", "预警"]));
    // Count with a category filter: 新建桥梁 rows: 甲三桥梁 (since May) + 乙二桥梁 (new) = 2 of 2
    // → 已完成; 本月 = 甲镇 (1 − 1) + 乙镇 (1 − 0) = 1; 进度差 = (1 − 0.5) × 100 = 50.
    assert_eq!(june["bridges"], row(["2", "1", "2", "1", "0.5", "50", "已完成"]));
    // Tracked: 12 + 3 = 15, 本月 (12 − 8) + (3 − 2) = 5, no target.
    assert_eq!(june["toilets"], row(["", "5", "15", "", "", "", "跟踪监测"]));
    assert_eq!(june.len(), 9, "one row per target");

    // townships.csv: allocations, completion against them, ranks with ties.
    let towns = townships(&wd, "2024-06");
    // 甲镇 300 of 600 and 乙镇 150 of 300 are both 50%: rank 1, tied.
    assert_eq!(towns[&of("甲镇", "grain_area")], row(["300", "600", "0.5", "1", "已报送"]));
    assert_eq!(towns[&of("乙镇", "grain_area")], row(["150", "300", "0.5", "1", "已报送"]));
    // 丙镇: no value (not zero), its allocation still shown, no rank, 未报送.
    assert_eq!(towns[&of("丙镇", "grain_area")], row(["", "200", "", "", "未报送"]));
    // Without allocations, townships rank by value: 拨付进度 50% and 50% → tied at 1.
    assert_eq!(towns[&of("甲镇", "pay_progress")], row(["50", "", "", "1", "已报送"]));
    assert_eq!(towns[&of("乙镇", "pay_progress")], row(["50", "", "", "1", "已报送"]));
    assert_eq!(towns[&of("甲镇", "hsf_done")], row(["140", "", "", "1", "已报送"]));
    assert_eq!(towns[&of("乙镇", "hsf_done")], row(["40", "", "", "2", "已报送"]));
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
    assert!(texts.iter().any(|t| t.contains("不含丙镇（未报送或数据有误）")), "note on the figures: {texts:?}");
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
    assert_eq!(june["cultivated_land"], row(["2000", "0", "1800", "0.9", "", "", "预警"]));
    // 180 + 10 = 190 of 250 = 0.76 → −24; 本月 60 + (10 − 0) = 70.
    assert_eq!(june["hsf_done"], row(["250", "70", "190", "0.76", "1", "-24", "严重滞后"]));
    // 65 + 5 = 70 of 100 = 0.7 vs 0.6667 → +3.33 → 正常; 本月 40 + 5 = 45.
    assert_eq!(june["camellia"], row(["100", "45", "70", "0.7", "0.6667", "3.33", "正常"]));
    // (225 + 60) ÷ (450 + 100) = 285 ÷ 550 = 51.8182%; ÷ 80 = 0.6477; (0.64773 − 0.6875) × 100 = −3.98.
    assert_eq!(june["pay_progress"], row(["80", "", "51.8182", "0.6477", "0.6875", "-3.98", "滞后"]));
    // (250 + 100) ÷ 550 = 63.6364% ≥ 60% → 达标; ÷ 60 = 1.0606.
    assert_eq!(june["industry_share"], row(["60", "", "63.6364", "1.0606", "", "", "达标"]));
    // 85 + 25 = 110 ≥ 100 → 达标.
    assert_eq!(june["migrant_workers"], row(["100", "0", "110", "1.1", "", "", "达标"]));
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
    let store_first = wd.read("data/period=2024-06/facts.parquet");
    run(&wd, None).expect_code(1);
    for (file, bytes) in files.iter().zip(&first) {
        assert!(wd.read(file) == *bytes, "{file} differs on a re-run");
    }
    assert!(wd.read("data/period=2024-06/facts.parquet") == store_first, "the June partition differs on a re-run");

    let stepwise = workspace(&["甲镇", "乙镇"]);
    run(&stepwise, Some("2024-05")).expect_code(0);
    run(&stepwise, Some("2024-06")).expect_code(1);
    for file in &files[..3] {
        assert!(stepwise.read(file) == wd.read(file), "{file}: backfilled history differs from month-by-month runs");
    }
}

/// The reduction kept beside a stored month (what aggregation needs of its facts) is what later
/// runs use instead of reading the facts again, but only while the partition is the one it was
/// made from: after the partition is written again it is ignored and made anew.
#[test]
fn kept_month_reductions_are_used_only_while_their_partition_is_unchanged() {
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, Some("2024-05")).expect_code(0);
    let may_dir = wd.path("data/period=2024-05");
    let kept: Vec<std::path::PathBuf> = std::fs::read_dir(&may_dir)
        .expect("May partition")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".derived.json"))
        .collect();
    assert_eq!(kept.len(), 1, "one kept reduction beside May's facts: {kept:?}");
    let original: serde_json::Value = serde_json::from_slice(&std::fs::read(&kept[0]).expect("readable")).expect("JSON");
    let content = &original["content"];
    let column = content["indicators"].as_array().unwrap().iter().position(|i| i == "grain_area").expect("grain_area kept");
    let row = content["townships"].as_array().unwrap().iter().position(|t| t == "甲镇").expect("甲镇 kept");
    assert_eq!(content["values"][row][column], 160.0, "甲镇's May grain area");

    // June's 本月 = June's 450 − May's (160 + 80) of the townships counted in both months.
    run(&wd, Some("2024-06")).expect_code(1);
    assert_eq!(progress(&wd, "2024-06")["grain_area"][1], "210");

    // A changed kept value shows that June used it, not May's facts.
    let mut doctored = original.clone();
    doctored["content"]["values"][row][column] = serde_json::json!(1160.0);
    std::fs::write(&kept[0], serde_json::to_vec(&doctored).unwrap()).unwrap();
    run(&wd, Some("2024-06")).expect_code(1);
    assert_eq!(progress(&wd, "2024-06")["grain_area"][1], "-790");

    // Once the partition is written again (here: its modification time changes), the kept
    // reduction no longer matches it: May's facts are read again and the reduction made anew.
    let facts = std::fs::File::options().write(true).open(may_dir.join("facts.parquet")).expect("May facts");
    facts.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).expect("set mtime");
    drop(facts);
    run(&wd, Some("2024-06")).expect_code(1);
    assert_eq!(progress(&wd, "2024-06")["grain_area"][1], "210");
    let remade: serde_json::Value = serde_json::from_slice(&std::fs::read(&kept[0]).expect("made anew")).expect("JSON");
    assert_eq!(remade["content"], original["content"]);
    assert_ne!(remade["partition"], original["partition"]);
}
