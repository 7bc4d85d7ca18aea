//! The Parquet store as a province warehouse sees it: DuckDB (through Python) reads one table per
//! form and month (`data/period=*/form=ZX01/rows.parquet`, Hive-partitioned, one row per source
//! row) and the months' records (`data/period=*/month.json`), and computes in plain SQL what progress.csv and
//! townships.csv say. Needs `python3 -c "import duckdb"`, which `.ci/run` installs
//! (`pip install duckdb`); without it the tests fail and say so (see `support::tool_or_skip`).

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::common::Workspace;
use support::csv_maps;
use support::pipeline::{run, workspace};
use zhenxing::period::Period;
use zhenxing::plan::{Aggregation, Plan, Reporter, RowFilter, THIS_MONTH};

fn duckdb_present() -> bool {
    let present = Command::new("python3").args(["-c", "import duckdb"]).output().is_ok_and(|o| o.status.success());
    support::tool_or_skip("duckdb", present, "python3 -m pip install duckdb")
}

/// Run SQL with DuckDB in `dir`; each result row as tab-separated text.
fn duckdb(dir: &Path, sql: &str) -> Vec<String> {
    let script = "import duckdb, sys\nfor row in duckdb.sql(sys.argv[1]).fetchall():\n    print('\\t'.join('' if v is None else str(v) for v in row))";
    let out = Command::new("python3").args(["-c", script, sql]).current_dir(dir).output().expect("python3 runs");
    assert!(out.status.success(), "DuckDB failed on {sql}:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

/// Equal up to progress.csv's rounding (4 decimals); both empty is equal too.
fn close(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 5e-5 + 1e-9,
        _ => a.is_empty() && b.is_empty(),
    }
}

/// A form's table over every month, as an analyst reads it.
fn table(form: &str) -> String {
    format!("read_parquet('data/period=*/form={form}/*.parquet', hive_partitioning = true, union_by_name = true)")
}

/// Issue 34: `read_parquet('data/**/*.parquet', hive_partitioning = true)`, the natural way to
/// read the whole store, failed with a Hive partition mismatch: the reduction caches
/// (`reduced-*.parquet`) sat among the tables. They are `_reduced-*.cache` now, and a store of
/// the earlier name loses its old caches on the next run, which says so.
#[test]
fn duckdb_reads_the_whole_store_the_natural_way() {
    if !duckdb_present() {
        return;
    }
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, Some("2024-05")).expect_code(0);
    let old = wd.path("data/period=2024-05/reduced-0123456789abcdef.parquet");
    std::fs::copy(wd.path("data/period=2024-05/form=ZX01/rows.parquet"), &old).unwrap();
    let out =
        wd.run(&["run", "--plan", "plan/pipeline.toml", "--input", "in", "--output", "output", "--store", "data", "--period", "2024-06"]);
    out.expect_code(1);
    assert!(out.stdout().contains("历史数据库中的汇总缓存改名为 _reduced-*.cache（1 个月"), "{}", out.stdout());
    assert!(!old.exists());
    let everything = "read_parquet('data/**/*.parquet', hive_partitioning = true, union_by_name = true)";
    let counts = duckdb(wd.dir.path(), &format!("SELECT form, period, count(*) FROM {everything} GROUP BY ALL ORDER BY ALL"));
    let plan = support::pipeline::plan();
    let mut expected = Vec::new();
    for form in &plan.forms {
        for period in ["2024-05", "2024-06"] {
            if wd.path(&format!("data/period={period}/form={}/rows.parquet", form.id)).is_file() {
                let n = duckdb(wd.dir.path(), &format!("SELECT count(*) FROM {} WHERE period = '{period}'", table(&form.id)));
                expected.push(format!("{}\t{period}\t{}", form.id, n[0]));
            }
        }
    }
    expected.sort();
    assert!(expected.len() >= 4, "{expected:?}");
    assert_eq!(counts, expected);
    // The caches are still kept (the months are not reduced again next time), under their name.
    assert!(std::fs::read_dir(wd.path("data/period=2024-05")).unwrap().flatten().any(|f| {
        let name = f.file_name().to_string_lossy().into_owned();
        name.starts_with("_reduced-") && name.ends_with(".cache")
    }));
}

#[test]
fn duckdb_reads_one_table_per_form_with_lineage() {
    if !duckdb_present() {
        return;
    }
    // May with all three townships, June without 丙镇.
    let wd = workspace(&["甲镇", "乙镇"]);
    run(&wd, Some("2024-05")).expect_code(0);
    run(&wd, Some("2024-06")).expect_code(1);
    let plan = support::pipeline::plan();
    let zx01 = table("ZX01");

    // The schema a warehouse sees: unit and key, the plan's columns, lineage, the partition keys.
    let columns = duckdb(wd.dir.path(), &format!("SELECT column_name FROM (DESCRIBE SELECT * FROM {zx01})"));
    let mut expected: Vec<String> = zhenxing::store::frames::KEY_COLUMNS.iter().map(|c| c.to_string()).collect();
    expected.extend(plan.form("ZX01").unwrap().columns.iter().map(|c| c.id.clone()));
    expected.extend(zhenxing::store::frames::LINEAGE_COLUMNS.iter().map(|c| c.to_string()));
    expected.extend(["form".to_string(), "period".to_string()]);
    assert_eq!(columns, expected);
    assert_eq!(duckdb(wd.dir.path(), &format!("SELECT DISTINCT period FROM {zx01} ORDER BY 1")), ["2024-05", "2024-06"]);

    // June's grain area of the townships counted in June (甲镇 300 + 乙镇 150); the district
    // figure adds 丙镇's May 60, carried (沿用) because it sent no June file.
    let progress: BTreeMap<String, BTreeMap<String, String>> =
        csv_maps(&wd.path("output/2024-06/progress.csv")).into_iter().map(|r| (r["indicator_id"].clone(), r)).collect();
    let grain = duckdb(wd.dir.path(), &format!("SELECT sum(grain_area) FROM {zx01} WHERE period = '2024-06'"));
    assert!(close(&grain[0], "450"), "{grain:?}");
    assert_eq!(progress["grain_area"]["cumulative"], "510");
    assert_eq!(progress["grain_area"]["units_carried"], "丙镇@2024-05");

    // A filtered indicator is a WHERE on the same row: 新建桥梁 counted, 拨付进度 a ratio of sums.
    let bridges =
        duckdb(wd.dir.path(), &format!("SELECT count(*) FROM {} WHERE period = '2024-05' AND category = '新建桥梁'", table("ZX02")));
    let may: BTreeMap<String, BTreeMap<String, String>> =
        csv_maps(&wd.path("output/2024-05/progress.csv")).into_iter().map(|r| (r["indicator_id"].clone(), r)).collect();
    assert!(close(&bridges[0], &may["bridges"]["cumulative"]), "{bridges:?} vs {}", may["bridges"]["cumulative"]);
    let ratio = duckdb(wd.dir.path(), &format!("SELECT 100 * sum(paid) / sum(funds) FROM {} WHERE period = '2024-05'", table("ZX02")));
    assert!(close(&ratio[0], &may["pay_progress"]["cumulative"]), "{ratio:?} vs {}", may["pay_progress"]["cumulative"]);

    // Per township = townships.csv; 丙镇 has no June rows at all (not zeros).
    let towns =
        duckdb(wd.dir.path(), &format!("SELECT township, sum(grain_area) FROM {zx01} WHERE period = '2024-06' GROUP BY ALL ORDER BY ALL"));
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
    assert_eq!(duckdb(wd.dir.path(), &format!("SELECT count(*) FROM {zx01} WHERE period = '2024-06' AND township = '丙镇'")), ["0"]);
    assert_eq!(duckdb(wd.dir.path(), &format!("SELECT count(*) FROM {zx01} WHERE period = '2024-05' AND township = '丙镇'")), ["2"]);

    // Lineage: each row names its file, sheet and row, and each value's column letter.
    let lineage = duckdb(
        wd.dir.path(),
        &format!(
            "SELECT source_file, sheet, \"row\", cells FROM {zx01} WHERE period = '2024-06' AND township = '甲镇' AND record_key = '一村'"
        ),
    );
    assert_eq!(lineage.len(), 1);
    let fields: Vec<&str> = lineage[0].split('\t').collect();
    assert_eq!(fields[..3], ["2024-06/甲镇_2024年06月.xlsx", "村级指标", "4"]);
    assert!(fields[3].split(';').any(|c| c == "grain_area=C"), "{}", fields[3]);

    // Who was counted each month is in the months' records.
    let counted = duckdb(
        wd.dir.path(),
        "SELECT s.unit FROM (SELECT unnest(submissions) AS s FROM read_json('data/period=2024-06/month.json')) WHERE s.form = 'ZX01' AND s.status = 'reported' ORDER BY 1",
    );
    assert_eq!(counted, ["乙镇", "甲镇"]);
}

/// The SQL of a row filter (dates and months are ISO texts; `本月` is the row's own month).
fn filter_sql(filter: &RowFilter) -> String {
    let column = format!("\"{}\"", filter.column);
    match (&filter.equals, filter.not_after.as_deref()) {
        (Some(v), _) => format!("{column} = '{v}'"),
        (None, Some(THIS_MONTH)) => format!("left({column}, 7) <= period"),
        (None, Some(date)) => format!("{column} <= '{date}'"),
        (None, None) => "false".to_string(),
    }
}

/// The rows a district figure of `form` at `period` counts: each unit's rows of the month it
/// is counted from (this month, else its last counted month up to `carry` months back in the
/// year), from the months' records.
fn counted_rows(dir: &Path, plan: &Plan, form: &str, period: Period) -> String {
    let mut months = vec![period];
    let mut p = period;
    for _ in 0..plan.thresholds.carry_months {
        if p.month == 1 {
            break;
        }
        p = p.previous();
        months.push(p);
    }
    months.retain(|m| dir.join(format!("data/period={m}/month.json")).is_file());
    let list = months.iter().map(|m| format!("'data/period={m}/month.json'")).collect::<Vec<_>>().join(", ");
    format!(
        "(WITH counted AS (SELECT s.unit, m.period FROM (SELECT period, unnest(submissions) AS s FROM read_json([{list}])) m \
           WHERE s.form = '{form}' AND s.status = 'reported'), \
         source AS (SELECT unit, max(period) AS period FROM counted GROUP BY unit) \
         SELECT t.* FROM {} t JOIN source ON t.township = source.unit AND t.period = source.period)",
        table(form)
    )
}

#[test]
fn duckdb_computes_every_indicator_of_the_yunxi_sample() {
    if !duckdb_present() {
        return;
    }
    let dir = Workspace::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("input");
    for month in ["2024-05", "2024-06"] {
        for entry in walk(&sample.join(month)) {
            let relative = entry.strip_prefix(&sample).unwrap();
            let target = dir.path("input").join(relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    }
    let out = dir.run(&["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let period = Period::new(2024, 6).unwrap();
    let progress = csv_maps(&dir.path("output/2024-06/progress.csv"));
    let mut departments = plan.departments();
    departments.sort();
    // Each indicator's district value in SQL, from the plan's definition of it.
    let sql_of = |id: &str| -> String {
        let indicator = plan.indicator(id).unwrap();
        if let (Some(num), Some(den)) = (&indicator.numerator, &indicator.denominator) {
            return format!(
                "SELECT 100 * ({}) / ({})",
                sql_sum(dir.root(), &plan, num, period, &departments),
                sql_sum(dir.root(), &plan, den, period, &departments)
            );
        }
        sql_sum(dir.root(), &plan, id, period, &departments)
    };
    let mut checked = 0;
    for row in &progress {
        let id = &row["indicator_id"];
        if plan.indicator(id).is_none() {
            continue; // a qualitative target (its id is the target's)
        }
        let value = duckdb(dir.root(), &format!("SELECT ({})", sql_of(id)));
        assert!(close(&value[0], &row["cumulative"]), "{id}: DuckDB {} vs progress.csv {}\n{}", value[0], row["cumulative"], sql_of(id));
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} indicators checked");
}

/// A summed or counted indicator's district value in SQL: townships' rows summed over the
/// units counted (or carried); a department indicator from one department's rows (the target's
/// lead unit first, then the combined ledger, then the others by name), this month or carried.
fn sql_sum(dir: &Path, plan: &Plan, id: &str, period: Period, departments: &[String]) -> String {
    let indicator = plan.indicator(id).unwrap();
    let form = plan.form(indicator.form.as_deref().unwrap()).unwrap();
    let column = indicator.column.clone().unwrap_or_else(|| form.key_column().id.clone());
    let amount = match indicator.aggregation {
        Aggregation::Sum => format!("sum(\"{column}\")"),
        Aggregation::Count => format!("count(\"{column}\")"),
    };
    let filters: Vec<String> = indicator.filters.iter().map(filter_sql).collect();
    let filter = if filters.is_empty() { "true".to_string() } else { filters.join(" AND ") };
    let rows = counted_rows(dir, plan, &form.id, period);
    if form.reporter == Reporter::Township {
        return format!("SELECT {amount} FROM {rows} WHERE {filter}");
    }
    let item = plan.ledger_item(indicator);
    let owner = plan
        .targets
        .iter()
        .find(|t| t.indicator.as_deref() == Some(id) || Some(t.id.as_str()) == item)
        .map(|t| plan.ledger_owner(t).to_string())
        .unwrap_or_default();
    let order: Vec<String> = std::iter::once(owner.clone())
        .chain(std::iter::once(plan.combined_ledger().to_string()))
        .chain(departments.iter().cloned())
        .collect();
    let rank = order.iter().enumerate().map(|(i, u)| format!("WHEN '{u}' THEN {i}")).collect::<Vec<_>>().join(" ");
    format!(
        "SELECT v FROM (SELECT township, period, {amount} AS v FROM {rows} WHERE {filter} GROUP BY ALL) \
         ORDER BY period DESC, CASE township {rank} ELSE 999 END LIMIT 1"
    )
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
