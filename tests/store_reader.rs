//! The Parquet store as a province warehouse sees it: DuckDB (through Python) reads
//! `data/period=*/facts.parquet` with Hive partitioning, and its sums equal progress.csv and
//! townships.csv. Needs `python3 -c "import duckdb"`; without it the test says so and skips
//! (CI installs it: `pip install duckdb`).

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use support::csv_maps;
use support::pipeline::{run, workspace};

fn duckdb_available() -> bool {
    Command::new("python3").args(["-c", "import duckdb"]).output().is_ok_and(|o| o.status.success())
}

/// Run SQL with DuckDB in `dir`; each result row as tab-separated text.
fn duckdb(dir: &std::path::Path, sql: &str) -> Vec<String> {
    let script = "import duckdb, sys\nfor row in duckdb.sql(sys.argv[1]).fetchall():\n    print('\\t'.join('' if v is None else str(v) for v in row))";
    let out = Command::new("python3").args(["-c", script, sql]).current_dir(dir).output().expect("python3 runs");
    assert!(out.status.success(), "DuckDB failed on {sql}:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

/// Equal up to progress.csv's rounding (4 decimals).
fn close(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 5e-5 + 1e-9,
        _ => false,
    }
}

#[test]
fn duckdb_reads_the_store_and_its_sums_match_progress_csv() {
    if !duckdb_available() {
        println!("skipped: python duckdb not installed (pip install duckdb)");
        return;
    }
    // May with all three townships, June without 丙镇.
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, Some("2024-05")).expect_code(0);
    run(&wd, Some("2024-06")).expect_code(1);
    let facts = "read_parquet('data/*/facts.parquet', hive_partitioning = true)";

    // The schema a warehouse sees: the documented columns plus the partition key.
    let columns = duckdb(wd.dir.path(), &format!("SELECT column_name FROM (DESCRIBE SELECT * FROM {facts})"));
    let mut expected: Vec<String> = zhenxing::store::COLUMNS.iter().map(|c| c.to_string()).collect();
    expected.push("period".to_string());
    assert_eq!(columns, expected);
    assert_eq!(duckdb(wd.dir.path(), &format!("SELECT DISTINCT period FROM {facts} ORDER BY 1")), ["2024-05", "2024-06"]);

    // The query of the issue: June's grain area of the townships counted in June (甲镇 300 + 乙镇
    // 150); the district figure adds 丙镇's May 60, carried (沿用) because it sent no June file.
    let progress: BTreeMap<String, BTreeMap<String, String>> =
        csv_maps(&wd.path("output/2024-06/progress.csv")).into_iter().map(|r| (r["indicator_id"].clone(), r)).collect();
    let grain = duckdb(
        wd.dir.path(),
        &format!("SELECT sum(value) FROM {facts} WHERE period = '2024-06' AND form = 'ZX01' AND \"column\" = 'grain_area'"),
    );
    assert!(close(&grain[0], "450"));
    assert_eq!(progress["grain_area"]["cumulative"], "510");
    assert_eq!(progress["grain_area"]["units_carried"], "丙镇@2024-05");

    // A month's rows as the district figures count them: its own facts, plus the previous
    // month's facts of townships that sent nothing this month (carried; the store never holds
    // carried values as the month's facts).
    let month = |period: &str, previous: &str| {
        format!(
            "(SELECT * FROM {facts} WHERE period = '{period}' UNION ALL SELECT * FROM {facts} WHERE period = '{previous}' \
             AND township NOT IN (SELECT DISTINCT township FROM {facts} WHERE period = '{period}'))"
        )
    };

    // Every summed indicator, both months.
    for (period, previous) in [("2024-05", "2024-04"), ("2024-06", "2024-05")] {
        let rows = month(period, previous);
        let progress: BTreeMap<String, BTreeMap<String, String>> =
            csv_maps(&wd.path(&format!("output/{period}/progress.csv"))).into_iter().map(|r| (r["indicator_id"].clone(), r)).collect();
        for column in ["cultivated_land", "grain_area", "hsf_done", "camellia", "migrant_workers", "toilets"] {
            let sum = duckdb(wd.dir.path(), &format!("SELECT sum(value) FROM {rows} WHERE form = 'ZX01' AND \"column\" = '{column}'"));
            assert!(
                close(&sum[0], &progress[column]["cumulative"]),
                "{period} {column}: DuckDB {} vs progress.csv {}",
                sum[0],
                progress[column]["cumulative"]
            );
        }
        // A ratio is the ratio of the sums; a count counts the rows of its category.
        let ratio = duckdb(
            wd.dir.path(),
            &format!(
                "SELECT 100 * sum(value) FILTER (WHERE \"column\" = 'paid') / sum(value) FILTER (WHERE \"column\" = 'funds') FROM {rows} WHERE form = 'ZX02'"
            ),
        );
        assert!(
            close(&ratio[0], &progress["pay_progress"]["cumulative"]),
            "{period} 拨付进度: DuckDB {} vs {}",
            ratio[0],
            progress["pay_progress"]["cumulative"]
        );
        let bridges = duckdb(
            wd.dir.path(),
            &format!("SELECT count(*) FROM {rows} WHERE form = 'ZX02' AND \"column\" = 'category' AND text = '新建桥梁'"),
        );
        assert!(
            close(&bridges[0], &progress["bridges"]["cumulative"]),
            "{period} 新建桥梁: DuckDB {} vs {}",
            bridges[0],
            progress["bridges"]["cumulative"]
        );
    }

    // Per township = townships.csv; 丙镇 has no June facts at all (not zeros).
    let towns = duckdb(
        wd.dir.path(),
        &format!(
            "SELECT township, sum(value) FROM {facts} WHERE period = '2024-06' AND \"column\" = 'grain_area' GROUP BY ALL ORDER BY ALL"
        ),
    );
    let csv: Vec<BTreeMap<String, String>> = csv_maps(&wd.path("output/2024-06/townships.csv"))
        .into_iter()
        .filter(|r| r["indicator_id"] == "grain_area" && !r["value"].is_empty())
        .collect();
    assert_eq!(towns.len(), csv.len());
    for line in &towns {
        let (township, sum) = line.split_once('\t').unwrap();
        let row = csv.iter().find(|r| r["township"] == township).unwrap_or_else(|| panic!("{township} not in townships.csv"));
        assert!(close(sum, &row["value"]), "{township}: DuckDB {sum} vs townships.csv {}", row["value"]);
    }
    assert_eq!(duckdb(wd.dir.path(), &format!("SELECT count(*) FROM {facts} WHERE period = '2024-06' AND township = '丙镇'")), ["0"]);
    assert_eq!(
        duckdb(wd.dir.path(), &format!("SELECT count(*) FROM {facts} WHERE period = '2024-05' AND township = '丙镇' AND form = 'ZX01'")),
        ["14"],
        "May: 2 villages × (name + 6 values)"
    );

    // Provenance: every fact points at its source cell.
    let provenance = duckdb(
        wd.dir.path(),
        &format!(
            "SELECT source_file, sheet, cell, unit FROM {facts} WHERE period = '2024-06' AND township = '甲镇' AND record_key = '一村' AND \"column\" = 'grain_area'"
        ),
    );
    assert_eq!(provenance, ["2024-06/甲镇_2024年06月.xlsx\t村级指标\tC4\t亩"]);
}
