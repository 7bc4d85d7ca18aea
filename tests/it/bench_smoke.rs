//! The province-scale benchmark's generator and harness, end to end at a small size. Speed is
//! measured with the bench binary and recorded in BENCHMARKS.md, never asserted in a test: these
//! only check that the generated month is what `run` accepts and that the harness measures it.

use std::path::Path;
use std::process::Command;

use crate::common::Workspace;

const TOWNSHIPS: usize = 20;

fn generate(dir: &Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_gen-bench"))
        .args(["--townships", &TOWNSHIPS.to_string(), "--dir"])
        .arg(dir)
        .output()
        .expect("gen-bench starts");
    assert!(out.status.success(), "gen-bench failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn generated_month_and_history_are_what_run_reads() {
    let ws = Workspace::new();
    let dir = ws.path("bench");
    generate(&dir);
    let period_dir = dir.join("input/2024-12");
    let workbooks = std::fs::read_dir(&period_dir)
        .expect("period folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "xlsx"))
        .count();
    assert_eq!(workbooks, TOWNSHIPS, "one workbook per township (none of the first 20 is set to be missing)");
    assert!(period_dir.join("部门").read_dir().expect("department folder").next().is_some());
    let months: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("store"))
        .expect("store")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("period=")))
        .collect();
    assert_eq!(months.len(), 11, "history 2024-01 … 2024-11");
    for month in &months {
        assert!(month.join("month.json").is_file(), "each month has its record, as run writes it: {}", month.display());
        assert!(month.join("form=ZX01/rows.parquet").is_file(), "and one table per form: {}", month.display());
    }

    let run = |output: &str| {
        let output = format!("bench/{output}");
        ws.run(&[
            "run",
            "--plan",
            "bench/plan.toml",
            "--input",
            "bench/input",
            "--output",
            &output,
            "--store",
            "bench/store",
            "--period",
            "2024-12",
        ])
    };
    let out = run("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Township 11 has a 合计 row that does not add up (a warning): counted, exit 0.
    assert_eq!(out.status.code(), Some(0), "run: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("应报 {TOWNSHIPS} 个，已报送 {TOWNSHIPS} 个")), "{stdout}");
    assert!(!stdout.contains("没有上月数据"), "history in the store is read for the cross-period rules: {stdout}");
    let issues = std::fs::read_to_string(dir.join("output/2024-12/issues.csv")).expect("issues.csv");
    assert_eq!(issues.lines().count(), 2, "exactly the planted warning, no cross-period noise from the generated history: {issues}");
    assert!(issues.contains("W01"), "{issues}");
    let progress = std::fs::read_to_string(dir.join("output/2024-12/progress.csv")).expect("progress.csv");
    let grain = progress.lines().find(|l| l.starts_with("grain_area,")).expect("a grain area row");
    let cells: Vec<&str> = grain.split(',').collect();
    assert!(cells[3..=9].iter().all(|c| !c.is_empty()), "grain area has values: {progress}");
    assert_eq!(cells[11..14], [TOWNSHIPS.to_string().as_str(), "", ""], "every township counted: {grain}");
}

#[test]
fn bench_measures_floor_and_run_and_reports_the_ratio() {
    let temp = tempfile::tempdir().expect("temp dir");
    let json = temp.path().join("results.json");
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("--dir")
        .arg(temp.path())
        .args(["--sizes", &TOWNSHIPS.to_string(), "--repeat", "1", "--warmup", "0", "--json"])
        .arg(&json)
        .output()
        .expect("bench starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("| N | files |"), "prints the table: {stdout}");
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("valid json");
    let r = &results[0];
    assert_eq!(r["townships"], TOWNSHIPS);
    assert_eq!(r["files"], TOWNSHIPS + 1, "township workbooks and the department ledger");
    for key in ["floor_median", "run_median", "guard_median", "ratio", "files_per_second", "run_peak_mb", "floor_peak_mb"] {
        let v = r[key].as_f64().unwrap_or(f64::NAN);
        assert!(v.is_finite() && v > 0.0, "{key} = {v}");
    }
    assert!(r["cells"].as_u64().unwrap_or(0) > 0);
    assert!(matches!(r["run_exit_code"].as_i64(), Some(0 | 1)));
    let report = &r["report"];
    assert!(report["largest_rows"].as_u64().unwrap_or(u64::MAX) < 1_048_576);
    assert_eq!(report["townships_sorted"], true);
    assert_eq!(report["townships_filterable"], true);
    assert!(r["run_phases"].as_str().is_some_and(|p| p.contains("读取")), "run logs its phase timings");

    // The same harness times a given zhenxing binary (peak memory polled from /proc).
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("--dir")
        .arg(temp.path())
        .args(["--sizes", &TOWNSHIPS.to_string(), "--repeat", "1", "--warmup", "0", "--zhenxing", env!("CARGO_BIN_EXE_zhenxing")])
        .output()
        .expect("bench starts");
    assert!(out.status.success(), "bench --zhenxing failed: {}", String::from_utf8_lossy(&out.stderr));
}
