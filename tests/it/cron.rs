//! Cron-grade operation of `zhenxing run`, tested on the real binary in temporary folders.
//!
//! What each test proves:
//! - `second_run_exits_at_once_while_the_lock_is_held`: while another process holds the OS lock
//!   on `output/.zhenxing.lock`, `run` exits within seconds with exit code 4 and a message naming
//!   the lock, writing nothing; once released, `run` works. The same for the store's lock, when
//!   two runs write different output folders (`a_second_run_into_another_output_folder_…`).
//! - `killed_runs_leave_old_or_new_outputs`: a run killed with SIGKILL at many moments (from 0 ms
//!   to the end of a slowed-down run) leaves the previous run's whole set of outputs or the new
//!   whole set, never a mix and never a partial file; the store's partitions always
//!   read back with polars and equal one of the two versions; the OS lock is free right after the
//!   kill; the next complete run removes the temporaries a kill left.
//! - `if_changed_skips_unchanged_input_and_says_so`: `run --if-changed` on unchanged input says
//!   跳过, exits 0 and touches no output (same bytes, same mtimes); after an input changes it runs.
//! - `inputs_are_never_changed_and_run_json_records_them`: a run (over good and hostile files)
//!   leaves every input byte-identical with its mtime; run.json lists each input's sha256 (equal to
//!   the file's) and status.
//! - `township_text_stays_inert_in_every_workbook_and_csv`: project names `=HYPERLINK(…)`, `+1`,
//!   `-2`, `@SUM(A1)` come out as text: quoted in the CSVs, string cells (never formulas) in the
//!   bulletin and the feedback workbook.

use crate::hostile::corpus;
use crate::hostile::workspace;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use crate::common::Workspace;
use crate::common::snapshot;
use crate::support::csv_rows;
use sha2::{Digest, Sha256};
use workspace::{FIFTH, GOOD, TownshipInput};
use zhenxing::period::Period;
use zhenxing::report::template::{Fill, TemplateRequest, workbook_bytes};

const LOCK: &str = ".zhenxing.lock";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A workspace with June's good townships, and the run lock of its folder `folder` taken by this
/// test process (as another run would hold it).
fn workspace_with_lock_held(folder: &str) -> (Workspace, File) {
    let plan = corpus::plan();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, corpus::june());
    std::fs::create_dir_all(ws.path(folder)).unwrap();
    let holder = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(ws.path(folder).join(LOCK)).unwrap();
    holder.try_lock().expect("the test takes the lock first");
    (ws, holder)
}

#[test]
fn second_run_exits_at_once_while_the_lock_is_held() {
    let (ws, holder) = workspace_with_lock_held("output");

    let started = Instant::now();
    let out = ws.run(&["run", "--period", "2024-06"]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(4), "stdout:\n{}\nstderr:\n{}", stdout(&out), stderr(&out));
    assert!(elapsed < Duration::from_secs(10), "a locked run took {elapsed:?}");
    let message = stderr(&out);
    assert!(message.contains(LOCK) && message.contains("正在运行"), "{message}");
    assert!(!ws.path("output/2024-06").exists(), "a locked run wrote outputs");
    assert!(!ws.path("data").exists() || std::fs::read_dir(ws.path("data")).unwrap().next().is_none(), "a locked run wrote the store");

    holder.unlock().unwrap();
    drop(holder);
    let out = ws.run(&["run", "--period", "2024-06"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out)); // 松杨湖街道 未报送
    assert!(ws.path("output/2024-06/run.json").is_file());
}

/// Two runs with different output folders share one store: the second exits at once, before
/// writing anything, while the first holds the store's lock.
#[test]
fn a_second_run_into_another_output_folder_exits_while_the_store_is_locked() {
    let (ws, holder) = workspace_with_lock_held("data");

    let out = ws.run(&["run", "--period", "2024-06", "--output", "other"]);
    assert_eq!(out.status.code(), Some(4), "stdout:\n{}\nstderr:\n{}", stdout(&out), stderr(&out));
    let message = stderr(&out);
    assert!(message.contains(&format!("data/{LOCK}")) && message.contains("正在运行"), "{message}");
    assert!(!ws.path("other/2024-06").exists(), "a locked run wrote outputs");
    let stored = std::fs::read_dir(ws.path("data")).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name() != LOCK).count();
    assert_eq!(stored, 0, "a locked run wrote the store");

    holder.unlock().unwrap();
    drop(holder);
    let out = ws.run(&["run", "--period", "2024-06", "--output", "other"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out)); // 松杨湖街道 未报送
    assert!(ws.path("other/2024-06/run.json").is_file());
    // Output and store in one folder: one lock, taken once.
    let out = ws.run(&["run", "--period", "2024-06", "--output", "both", "--store", "both"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// Output files compared byte for byte (run.json has timestamps, run.log is an append-only log).
fn comparable(files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    files.iter().filter(|(k, _)| !k.ends_with("run.json") && !k.ends_with("run.log")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn fingerprint(out_dir: &Path) -> Option<String> {
    let text = std::fs::read(out_dir.join("run.json")).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&text).expect("run.json is always complete JSON");
    value["input_fingerprint"].as_str().map(str::to_string)
}

fn read_partition(path: &Path) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    ParquetReader::new(File::open(path).unwrap()).finish().unwrap_or_else(|e| panic!("{} does not read back: {e}", path.display()))
}

/// A month's input in its own folder (`--input` points at it), files written once so their
/// mtimes (shown in the bulletin) never change between runs.
fn write_input(root: &Path, files: &[(String, Vec<u8>)]) {
    let dir = root.join("2024-06");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn killed_runs_leave_old_or_new_outputs() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    let name = |unit: &str| zhenxing::report::template::file_name(unit, june);

    // Old input: four townships, 陆城镇 with a project entered twice (a warning, so a feedback
    // workbook). New input: all five with 400 more projects each, plus twelve more 陆城镇 files
    // (superseded: a longer run, and a much larger feedback workbook written last).
    let old: Vec<(String, Vec<u8>)> =
        GOOD.iter().map(|u| (name(u), padded_workbook(&plan, u, june, if *u == "陆城镇" { 1 } else { 0 }, *u == "陆城镇"))).collect();
    let mut new: Vec<(String, Vec<u8>)> = Vec::new();
    for unit in GOOD.iter().chain([&FIFTH]) {
        new.push((name(unit), padded_workbook(&plan, unit, june, 400, false)));
    }
    for i in 0..12 {
        new.push((format!("陆城镇_补报材料{i:02}.xlsx"), padded_workbook(&plan, "陆城镇", june, 400, false)));
    }
    write_input(&ws.path("in_old"), &old);
    write_input(&ws.path("in_new"), &new);
    let out_dir = ws.path("output/2024-06");
    let partition = ws.path("data/period=2024-06/month.json");
    let run = |input: &str| {
        // `--replace`: the old input deliberately replaces a larger stored month.
        let out = ws.run(&["run", "--period", "2024-06", "--input", input, "--quiet", "--replace"]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    };

    // The two complete versions (and a check that a re-run gives the same bytes).
    run("in_new");
    let new_files = comparable(&snapshot(&out_dir, false));
    let new_store = std::fs::read(&partition).unwrap();
    let new_fp = fingerprint(&out_dir).unwrap();
    run("in_old");
    let old_files = comparable(&snapshot(&out_dir, false));
    let old_store = std::fs::read(&partition).unwrap();
    let old_fp = fingerprint(&out_dir).unwrap();
    assert_ne!(old_fp, new_fp);
    let started = Instant::now();
    run("in_new");
    let full = started.elapsed();
    let again = comparable(&snapshot(&out_dir, false));
    for (file, bytes) in &new_files {
        assert_eq!(again.get(file), Some(bytes), "{file} differs between two runs on the same input");
    }
    assert_eq!(std::fs::read(&partition).unwrap(), new_store, "the store partition differs between two runs on the same input");

    // Kill at fixed early moments and at fractions of a full run, each time from the old state;
    // then again, more densely, between the last kill that found only old outputs and the first
    // that found all new ones (the window in which outputs are being replaced).
    let differing = new_files.iter().filter(|(f, b)| old_files.get(*f) != Some(*b)).count();
    println!(
        "outputs: old {:?}, new {:?}; issues in the new run: {}",
        old_files.keys(),
        new_files.keys(),
        csv_rows(&out_dir.join("issues.csv")).len() - 1
    );
    let kill_at = |delay: Duration| -> usize {
        run("in_old");
        let mut child = ws.spawn(&["run", "--period", "2024-06", "--input", "in_new", "--quiet", "--replace"]);
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();

        // The lock is released by the OS at once.
        let lock = File::options().write(true).open(ws.path("output").join(LOCK)).unwrap();
        lock.try_lock().unwrap_or_else(|e| panic!("lock still held after a kill at {delay:?}: {e:?}"));
        lock.unlock().unwrap();

        let now = comparable(&snapshot(&out_dir, false));
        let mut already_new = Vec::new();
        for (file, bytes) in &now {
            let is_old = old_files.get(file) == Some(bytes);
            let is_new = new_files.get(file) == Some(bytes);
            assert!(
                is_old || is_new,
                "after a kill at {delay:?} ({status:?}), {file} is neither the old nor the new version ({} bytes)",
                bytes.len()
            );
            if is_new && !is_old {
                already_new.push(file.rsplit('/').next().unwrap().to_string());
            }
        }
        for file in old_files.keys() {
            assert!(now.contains_key(file), "after a kill at {delay:?}, {file} disappeared");
        }
        // The outputs appear as a set: the whole old one or the whole new one, never a mix, and
        // run.json belongs to the set in place.
        assert!(now == old_files || now == new_files, "after a kill at {delay:?}, the output folder mixes two runs: {already_new:?}");
        let fp = fingerprint(&out_dir).unwrap();
        assert_eq!(fp, if now == new_files { new_fp.clone() } else { old_fp.clone() }, "run.json fingerprint after a kill at {delay:?}");
        let store = std::fs::read(&partition).unwrap();
        assert!(store == old_store || store == new_store, "store partition after a kill at {delay:?} is neither version");
        // The month in place is whole: every table its record names is there, as recorded.
        for period in zhenxing::store::periods(&ws.path("data")) {
            assert!(zhenxing::store::month_sha256(&ws.path("data"), period).is_some(), "{period} after a kill at {delay:?}");
            for form in ["ZX01", "ZX02"] {
                let table = zhenxing::store::table_path(&ws.path("data"), form, period);
                if table.is_file() {
                    read_partition(&table);
                }
            }
        }
        println!(
            "kill at {:>5} ms: store {}, {} of {differing} changed outputs already new {already_new:?}",
            delay.as_millis(),
            if store == new_store { "new" } else { "old" },
            already_new.len()
        );
        already_new.len()
    };
    let mut delays: Vec<Duration> = [0u64, 5, 20, 50].iter().map(|ms| Duration::from_millis(*ms)).collect();
    delays.extend([0.2, 0.4, 0.6, 0.8, 0.9, 1.0, 1.2].iter().map(|f| full.mul_f64(*f)));
    let results: Vec<(Duration, usize)> = delays.iter().map(|d| (*d, kill_at(*d))).collect();
    let before = results.iter().filter(|(_, n)| *n == 0).map(|(d, _)| *d).max().unwrap_or_default();
    let after = results.iter().filter(|(_, n)| *n == differing).map(|(d, _)| *d).min().unwrap_or(full);
    let mut mixed = results.iter().filter(|(_, n)| *n > 0 && *n < differing).count();
    if after > before {
        for i in 1..=8 {
            let n = kill_at(before + (after - before).mul_f64(i as f64 / 9.0));
            mixed += usize::from(n > 0 && n < differing);
        }
    }
    println!("full run {} ms; {mixed} kills landed while outputs were being replaced", full.as_millis());

    // A complete run afterwards gives the new version and leaves no temporaries behind.
    run("in_new");
    assert_eq!(comparable(&snapshot(&out_dir, false)).iter().filter(|(f, _)| new_files.contains_key(*f)).count(), new_files.len());
    for (file, bytes) in &new_files {
        assert_eq!(std::fs::read(out_dir.join(file)).unwrap(), *bytes, "{file}");
    }
    let leftovers: Vec<String> = snapshot(&ws.path("output"), true)
        .keys()
        .chain(snapshot(&ws.path("data"), true).keys())
        .filter(|k| k.ends_with(".tmp"))
        .cloned()
        .collect();
    assert!(leftovers.is_empty(), "temporary files left after a complete run: {leftovers:?}");
}

/// A township workbook with `extra` more projects in ZX02 (a bigger file, a longer run), all named
/// alike when `duplicate` (a W04 warning each).
fn padded_workbook(plan: &zhenxing::plan::Plan, unit: &str, period: Period, extra: usize, duplicate: bool) -> Vec<u8> {
    let reporting = plan.unit(unit).unwrap();
    let mut filled = zhenxing::sample::township_forms(plan, reporting, period);
    let form = plan.form("ZX02").unwrap();
    let key = form.columns.iter().position(|c| c.kind == zhenxing::plan::ColumnKind::Key).unwrap();
    let zx02 = filled.get_mut("ZX02").unwrap();
    let template = zx02.rows[0].clone();
    for i in 0..extra {
        let mut row = template.clone();
        if !duplicate {
            row[key] = Fill::Text(format!("{unit}补充项目{i:04}"));
        }
        zx02.rows.push(row);
    }
    workbook_bytes(&TemplateRequest { plan, unit, period, filled, protect: true }).unwrap()
}

fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    snapshot(dir, true).keys().map(|k| (k.clone(), std::fs::metadata(dir.join(k)).unwrap().modified().unwrap())).collect()
}

#[test]
fn if_changed_skips_unchanged_input_and_says_so() {
    let plan = corpus::plan();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, corpus::june());
    // An attachment is part of the input too.
    std::fs::write(ws.path("input/2024-06/扫描件.pdf"), b"%PDF-1.4 scan").unwrap();
    // A run without the flag takes the fingerprint from the files as it read them; a run with
    // it, from the files before reading: the two must agree.
    let first = ws.run(&["run", "--period", "2024-06"]);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert!(!stdout(&first).contains("跳过"));
    let before = snapshot(&ws.path("output"), true);
    let times = mtimes(&ws.path("output"));
    let store_times = mtimes(&ws.path("data"));
    std::thread::sleep(Duration::from_millis(20)); // so that any rewrite would show in mtimes

    let second = ws.run(&["run", "--period", "2024-06", "--if-changed"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(stdout(&second).contains("跳过"), "{}", stdout(&second));
    assert_eq!(snapshot(&ws.path("output"), true), before, "a skipped run changed outputs");
    assert_eq!(mtimes(&ws.path("output")), times, "a skipped run touched outputs");
    assert_eq!(mtimes(&ws.path("data")), store_times, "a skipped run touched the store");

    // A changed input is noticed.
    ws.add_townships(&plan, &[FIFTH], corpus::june());
    let third = ws.run(&["run", "--period", "2024-06", "--if-changed"]);
    // Every township now; the lead departments' ledgers are not in this folder: 未报送, exit 1.
    assert_eq!(third.status.code(), Some(1), "{}\n{}", stdout(&third), stderr(&third));
    assert!(!stdout(&third).contains("跳过"));
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(ws.path("output/2024-06/run.json")).unwrap()).unwrap();
    assert_eq!(run["counts"]["reported"], 5);
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn inputs_are_never_changed_and_run_json_records_them() {
    use std::os::unix::fs::PermissionsExt;
    let plan = corpus::plan();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, corpus::june());
    let dir = ws.period_dir(corpus::june());
    for hostile in ["truncated.xlsx", "shared_strings_bomb.xlsx", "text_renamed.xlsx", "xls_filepass.xls"] {
        std::fs::copy(corpus::fixtures_dir().join(hostile), dir.join(format!("{FIFTH}_{hostile}"))).unwrap();
    }
    // Read-only inputs must be fine too (a run never needs to write them).
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    }
    let state = |root: &Path| -> BTreeMap<String, (String, SystemTime, u32)> {
        snapshot(root, true)
            .into_iter()
            .map(|(k, bytes)| {
                let meta = std::fs::metadata(root.join(&k)).unwrap();
                (k, (sha256_hex(&bytes), meta.modified().unwrap(), meta.permissions().mode()))
            })
            .collect()
    };
    let before = state(&ws.path("input"));
    let out = ws.run(&["run", "--period", "2024-06"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(state(&ws.path("input")), before, "run changed its input");

    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(ws.path("output/2024-06/run.json")).unwrap()).unwrap();
    let inputs = run["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), before.len());
    for input in inputs {
        let path = input["path"].as_str().unwrap();
        let (sha, _, _) = &before[path];
        assert_eq!(input["sha256"].as_str().unwrap(), sha, "{path}");
        let status = input["status"].as_str().unwrap();
        if path.contains(FIFTH) {
            assert_eq!(status, "有错误未采用", "{path}");
        } else {
            assert_eq!(status, "已采用", "{path}");
        }
    }
}

const INJECTED: [&str; 4] = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)"];

#[test]
fn township_text_stays_inert_in_every_workbook_and_csv() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &["长岭街道", "云溪街道", "路口镇", FIFTH], june);
    // 陆城镇's ZX02 projects are named like formulas, each entered twice (a W04 warning whose
    // value is the name, so the names reach issues.csv and the feedback workbook; the file is
    // still counted, so they reach the bulletin's detail sheet).
    let unit = "陆城镇";
    let mut filled = zhenxing::sample::township_forms(&plan, plan.unit(unit).unwrap(), june);
    let form = plan.form("ZX02").unwrap();
    let key = form.columns.iter().position(|c| c.kind == zhenxing::plan::ColumnKind::Key).unwrap();
    let zx02 = filled.get_mut("ZX02").unwrap();
    let template = zx02.rows[0].clone();
    zx02.rows.clear();
    for text in INJECTED {
        for _ in 0..2 {
            let mut row = template.clone();
            row[key] = Fill::Text(text.to_string());
            zx02.rows.push(row);
        }
    }
    let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit, period: june, filled, protect: true }).unwrap();
    std::fs::write(ws.period_dir(june).join(zhenxing::report::template::file_name(unit, june)), bytes).unwrap();
    let out = ws.run(&["run", "--period", "2024-06"]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    let out_dir = ws.path("output/2024-06");

    // CSVs: no cell a spreadsheet would take for a formula. `=…` and `@…` are quoted; a cell
    // starting with + or - must be quoted or be a plain number (which a spreadsheet reads as a
    // number, never as a formula).
    let issues = csv_rows(&out_dir.join("issues.csv"));
    for text in ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)"] {
        let quoted = format!("'{text}");
        assert!(issues.iter().any(|r| r[6] == quoted), "issues.csv should hold {quoted:?}: {issues:?}");
    }
    for text in ["+1", "-2"] {
        assert!(issues.iter().any(|r| r[6] == text || r[6] == format!("'{text}")), "issues.csv should list {text}");
    }
    for csv in ["issues.csv", "progress.csv", "townships.csv"] {
        for row in csv_rows(&out_dir.join(csv)) {
            for cell in row {
                match cell.chars().next() {
                    Some('=' | '@' | '\t' | '\r') => panic!("{csv}: live formula text {cell:?}"),
                    Some('+' | '-') => assert!(cell.parse::<f64>().is_ok(), "{csv}: {cell:?} would be read as a formula"),
                    _ => {}
                }
            }
        }
    }

    // Workbooks: every injected text that appears is a string cell with no formula behind it.
    let bulletin =
        std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|e| e == "xlsx")).unwrap();
    let feedback = out_dir.join("feedback").join(zhenxing::report::feedback::file_name(unit, june));
    for path in [&bulletin, &feedback] {
        let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
        let mut found: BTreeMap<&str, usize> = BTreeMap::new();
        for sheet in workbook.sheet_names() {
            let values = workbook.worksheet_range(&sheet).unwrap();
            let formulas = workbook.worksheet_formula(&sheet).unwrap();
            for (row, col, formula) in formulas.used_cells() {
                assert!(
                    !INJECTED.iter().any(|t| formula.contains(t.trim_start_matches(['=', '@', '+']))) && !formula.contains("HYPERLINK"),
                    "{}: {sheet}!R{row}C{col} holds formula {formula:?}",
                    path.display()
                );
            }
            for (row, col, value) in values.used_cells() {
                for text in INJECTED {
                    let hit = match value {
                        Data::String(s) => s == text,
                        _ => false,
                    };
                    if hit {
                        *found.entry(text).or_default() += 1;
                        let absolute = (values.start().unwrap().0 + row as u32, values.start().unwrap().1 + col as u32);
                        assert!(
                            formulas.get_value(absolute).is_none_or(|f| f.is_empty()),
                            "{}: {sheet} cell {absolute:?} with {text:?} has a formula",
                            path.display()
                        );
                    }
                }
            }
        }
        let file = path.file_name().unwrap().to_string_lossy();
        println!("{file}: {found:?}");
        for text in INJECTED {
            assert!(found.get(text).is_some_and(|n| *n > 0), "{file} should show {text:?} as text");
        }
    }
}

// ------------------------------------------------------------- reliability, round two (issue 18)

/// Every xlsx of a run's output folder opens (calamine reads every sheet back).
fn every_output_workbook_opens(out_dir: &Path) {
    use calamine::Reader;
    for (name, _) in snapshot(out_dir, false) {
        if name.ends_with(".xlsx") {
            let mut workbook: calamine::Xlsx<_> =
                calamine::open_workbook(out_dir.join(&name)).unwrap_or_else(|e| panic!("{name} does not open: {e}"));
            for sheet in workbook.sheet_names() {
                workbook.worksheet_range(&sheet).unwrap_or_else(|e| panic!("{name} sheet {sheet} does not read: {e}"));
            }
        }
    }
}

/// A workspace with June's good townships and 松杨湖街道's workbook as `edit` changes it.
fn with_fifth(edit: impl FnOnce(&mut BTreeMap<String, zhenxing::report::template::FilledForm>)) -> Workspace {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    let mut filled = zhenxing::sample::township_forms(&plan, plan.unit(FIFTH).unwrap(), june);
    edit(&mut filled);
    let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: FIFTH, period: june, filled, protect: true }).unwrap();
    std::fs::write(ws.period_dir(june).join(zhenxing::report::template::file_name(FIFTH, june)), bytes).unwrap();
    ws
}

/// Regression: a village name of 32,767 characters or a 40,000-character note stopped every
/// township's report (exit 3). Input text is cut to Excel's limit in the workbooks (kept whole in
/// issues.csv); the run reports as usual and every workbook it writes opens.
#[test]
fn one_townships_text_can_never_stop_the_report() {
    let june = corpus::june();
    let ws = with_fifth(|filled| filled.get_mut("ZX01").unwrap().rows[0][0] = Fill::Text("村".repeat(32_767)));
    // A CSV of 高标准农田 with a 40,000-character note, from the same township.
    let note = "说".repeat(40_000);
    let csv =
        format!("项目名称,建设年度,涉及村,建设任务,累计完工,主体工程完工,完工日期,备注\n东风村高标准农田,2024,东风村,100,50,否,,{note}\n");
    std::fs::write(ws.period_dir(june).join("松杨湖街道_高标准农田_2024年06月.csv"), csv).unwrap();
    let out = ws.run(&["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    every_output_workbook_opens(&ws.path("output/2024-06"));
    let issues = std::fs::read_to_string(ws.path("output/2024-06/issues.csv")).unwrap();
    assert!(issues.contains(&"村".repeat(32_767)), "issues.csv keeps the whole text");
}

/// Sheet names from township files (too long, ending in a quote, rare CJK characters, differing
/// only in case, control characters) are made valid and unique before they reach the writer.
#[test]
fn sheet_names_from_inputs_are_made_valid() {
    use zhenxing::report::style::sheet_name;
    let mut used = std::collections::BTreeSet::new();
    let names: Vec<String> =
        ["表".repeat(40_000), "粮食'".into(), "𠀀".repeat(20), "Sheet1".into(), "SHEET1".into(), "a\u{1}b".into(), "".into()]
            .iter()
            .map(|n| sheet_name(n, &mut used))
            .collect();
    for name in &names {
        assert!(name.encode_utf16().count() <= 31, "{name}");
        assert!(!name.starts_with('\'') && !name.ends_with('\'') && !name.chars().any(char::is_control), "{name:?}");
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook.add_worksheet().set_name(name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
    }
    assert_eq!(names[3], "Sheet1");
    assert_ne!(names[4].to_lowercase(), names[3].to_lowercase(), "unique regardless of case");

    // The feedback's page header names the file and sheet: a name of any length is shortened to
    // Excel's 255 characters (rust_xlsxwriter dropped the header and printed a warning).
    use zhenxing::report::style::page_header;
    for text in ["表".repeat(40_000), "&".repeat(300), "𠀀".repeat(200), "路口镇_2024年06月.xlsx 粮食与耕地".into()] {
        let header = page_header(&text);
        assert!(header.encode_utf16().count() <= 255, "{} characters", header.encode_utf16().count());
        assert!(!header.ends_with("&…") || header.matches('&').count() % 2 == 1, "an escaped & is never cut in half");
    }
    assert_eq!(page_header("A&B"), "&C&9&\"宋体,常规\"A&&B");
    // Digits first are text, not more of the font size (`&92024-06/…` showed as `-06/…`).
    assert_eq!(page_header("2024-06/x.xlsx"), "&C&9&\"宋体,常规\"2024-06/x.xlsx");
    assert!(page_header(&"表".repeat(40_000)).ends_with('…'));
}

/// Regression: files were read whole before the size check (a 2 GB file cost 2.1 GB), and a
/// symlink to /proc/self/pagemap grew until allocation failed; a FIFO put in place of an input
/// blocked the feedback step forever. Only regular files are read, at most the cap.
#[test]
fn reads_are_bounded_and_only_of_regular_files() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    let dir = ws.period_dir(june);
    // 60 MB, sparse: over the 50 MB cap without costing the disk.
    let big = File::create(dir.join("松杨湖街道_2024年06月.xlsx")).unwrap();
    big.set_len(60 * 1024 * 1024).unwrap();
    std::os::unix::fs::symlink("/proc/self/pagemap", dir.join("陆城镇_补报_2024年06月.xlsx")).unwrap();
    let fifo = dir.join("路口镇_补报_2024年06月.xlsx");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    let out = ws.run(&["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let issues = std::fs::read_to_string(ws.path("output/2024-06/issues.csv")).unwrap();
    assert!(issues.contains("文件过大"), "{issues}");
    assert!(issues.contains("陆城镇_补报_2024年06月.xlsx") && issues.contains("路口镇_补报_2024年06月.xlsx"), "{issues}");
    // The feedback step reads nothing again: it copies sheets from the content kept at the first
    // (bounded) read, and a FIFO has none.
    let input = zhenxing::ingest::InputFile { path: fifo.clone(), display: "路口镇_补报_2024年06月.xlsx".into(), department: false };
    let read = zhenxing::ingest::read_file(input, &plan, &zhenxing::ingest::Limits::default());
    assert!(read.unreadable.is_some() && read.content.is_empty() && read.grids(&zhenxing::ingest::Limits::default()).is_empty());
}

/// Regression: one 2.7 MB file yielded about a million issues. At most 200 per file and rule are
/// listed, then one summary with the count. 12,000 wrong cells: more than a file's issues are
/// let grow before they are compacted while being made (`IssueCap::COMPACT_AT`), so the count
/// must survive compaction.
#[test]
fn issues_are_capped_per_file_and_rule() {
    let ws = with_fifth(|filled| {
        let zx02 = filled.get_mut("ZX02").unwrap();
        let template = zx02.rows[0].clone();
        zx02.rows = (0..12_000)
            .map(|i| {
                let mut row = template.clone();
                row[0] = Fill::Text(format!("项目{i}"));
                row[3] = Fill::Text("很多".into());
                row
            })
            .collect();
    });
    let out = ws.run(&["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let rows = csv_rows(&ws.path("output/2024-06/issues.csv"));
    let e05: Vec<&Vec<String>> = rows.iter().filter(|r| r[5].starts_with("E05")).collect();
    assert_eq!(e05.len(), 201, "200 listed and one summary");
    assert!(e05.iter().any(|r| r[7].contains("另有 11800 处")), "{:?}", e05.last());
}

/// What a killed run leaves (a temporary beside an output, inside a store month, a staging
/// folder) is removed by the next run.
#[test]
fn a_run_removes_what_a_killed_one_left() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june.previous());
    ws.add_townships(&plan, &GOOD, june);
    assert_eq!(ws.run(&["run", "--quiet"]).status.code(), Some(1));
    // May is stored and not written again by June's run: its folder is only cleaned.
    let left = [
        "output/2024-06/.zhenxing-killed.tmp",
        "data/.zhenxing-killed.tmp",
        "data/period=2024-05/.zhenxing-killed.tmp",
        "data/.zhenxing-staging-period=2024-06/form=ZX01/rows.parquet",
    ];
    for path in left {
        std::fs::create_dir_all(ws.path(path).parent().unwrap()).unwrap();
        std::fs::write(ws.path(path), b"half").unwrap();
    }
    assert_eq!(ws.run(&["run", "--quiet"]).status.code(), Some(1));
    for path in left {
        assert!(!ws.path(path).exists(), "{path} left behind");
    }
}

/// Regression: an empty month folder silently replaced that month's stored data (1,140 facts →
/// 0). It is refused (exit 5) unless --replace; the store is untouched.
#[test]
fn an_empty_month_folder_never_replaces_a_stored_month() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    assert_eq!(ws.run(&["run", "--quiet"]).status.code(), Some(1));
    let partition = ws.path("data/period=2024-06/month.json");
    let stored = std::fs::read(&partition).unwrap();
    let outputs = comparable(&snapshot(&ws.path("output/2024-06"), false));
    for entry in std::fs::read_dir(ws.period_dir(june)).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let out = ws.run(&["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("--replace"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&partition).unwrap(), stored, "the stored month is untouched");
    assert_eq!(comparable(&snapshot(&ws.path("output/2024-06"), false)), outputs, "the outputs are untouched");
    // Issue 32: a failed run added nothing to run.log; now its last line says why it failed.
    let log = String::from_utf8(ws.read("output/2024-06/run.log")).unwrap();
    let last = log.lines().last().unwrap();
    assert!(last.contains("运行失败（退出码 5）") && last.contains("--replace"), "{log}");
    let out = ws.run(&["run", "--quiet", "--replace"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_ne!(std::fs::read(&partition).unwrap(), stored, "replaced on request");
}

/// Regression: one junk file in 部门/ removed every department's ledger from the targets. Each
/// ledger is read on its own: the junk file is one issue, the departments' files count.
#[test]
fn a_junk_file_among_the_ledgers_costs_only_itself() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    let ledgers = ws.period_dir(june).join("部门");
    std::fs::create_dir_all(&ledgers).unwrap();
    for department in ["区民政局", "区农业农村局"] {
        let values: BTreeMap<&str, f64> = [("Y23", 2.0), ("Y24", 7.9), ("Y12", 63.5)].into_iter().collect();
        let mut filled = BTreeMap::new();
        filled.insert("BM01".to_string(), zhenxing::sample::department_form(&plan, department, june, &values));
        let bytes = workbook_bytes(&TemplateRequest { plan: &plan, unit: department, period: june, filled, protect: true }).unwrap();
        std::fs::write(ledgers.join(zhenxing::report::template::file_name(department, june)), bytes).unwrap();
    }
    std::fs::write(ledgers.join("新建 Microsoft Excel 工作表.xlsx"), b"PK\x03\x04 junk").unwrap();
    assert_eq!(ws.run(&["run", "--quiet"]).status.code(), Some(1));
    let progress = csv_rows(&ws.path("output/2024-06/progress.csv"));
    let cumulative = |id: &str| progress.iter().find(|r| r[0] == id).map(|r| r[5].clone()).unwrap_or_default();
    assert_eq!(
        (cumulative("day_care"), cumulative("dibao_expansion"), cumulative("fund_industry_share")),
        ("2".into(), "7.9".into(), "63.5".into())
    );
    let issues = std::fs::read_to_string(ws.path("output/2024-06/issues.csv")).unwrap();
    assert!(issues.contains("新建 Microsoft Excel 工作表.xlsx") && issues.contains("E01"), "{issues}");
}

/// Regression: a plan.toml that is a folder or a broken link was ignored and the embedded plan
/// used. It is exit 2 naming the path.
#[test]
fn a_plan_path_that_is_not_a_file_is_an_error() {
    let ws = Workspace::new();
    ws.add_townships(&corpus::plan(), &GOOD, corpus::june());
    std::fs::create_dir_all(ws.path("plan.toml")).unwrap();
    let out = ws.run(&["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("plan.toml"), "{}", stderr(&out));
    std::fs::remove_dir(ws.path("plan.toml")).unwrap();
    std::os::unix::fs::symlink("nowhere.toml", ws.path("plan.toml")).unwrap();
    let out = ws.run(&["run", "--quiet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = ws.run(&["plan", "check", "--plan", "missing/plan.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Regression: the bulletin's bytes changed with the machine's time zone. Times are China
/// Standard Time whatever TZ says.
#[test]
fn bytes_do_not_depend_on_the_time_zone() {
    let plan = corpus::plan();
    let june = corpus::june();
    let bulletin = "output/2024-06/云溪区乡村振兴重点指标进度通报_2024年06月.xlsx";
    let mut results = Vec::new();
    for tz in ["UTC", "America/New_York", "Asia/Shanghai"] {
        let ws = Workspace::new();
        ws.add_townships(&plan, &GOOD, june);
        for entry in std::fs::read_dir(ws.period_dir(june)).unwrap() {
            let file = File::options().write(true).open(entry.unwrap().path()).unwrap();
            file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_720_000_000)).unwrap();
        }
        let out = ws.command(&["run", "--quiet"]).env("TZ", tz).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        results.push(std::fs::read(ws.path(bulletin)).unwrap());
        let rows = csv_rows(&ws.path("output/2024-06/issues.csv"));
        assert!(!rows.is_empty());
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]), "the bulletin differs between time zones");
}

/// Regression: a full disk on the cron log or a closed pipe made `run` panic (exit 101). The
/// run's result and exit code do not depend on stdout.
#[test]
fn stdout_failures_never_change_the_result() {
    let ws = Workspace::new();
    ws.add_townships(&corpus::plan(), &GOOD, corpus::june());
    let full = File::options().write(true).open("/dev/full").unwrap();
    let out = ws.command(&["run"]).stdout(full).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let mut child = ws.command(&["run", "--verbose"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take()); // the reader goes away
    assert_eq!(child.wait().unwrap().code(), Some(1));
    assert!(ws.path("output/2024-06/run.json").is_file());
}

/// Regression: WPS `.et` files and files without an extension were skipped without a word (the
/// township showed 未报送). They are read by their content; any other file is listed as 附件.
#[test]
fn every_file_of_a_month_folder_is_accounted_for() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD[..3], june);
    let dir = ws.period_dir(june);
    std::fs::write(dir.join("陆城镇_2024年06月.et"), corpus::township_workbook(&plan, "陆城镇", june)).unwrap();
    std::fs::write(dir.join("松杨湖街道_2024年06月"), corpus::township_workbook(&plan, FIFTH, june)).unwrap();
    std::fs::write(dir.join("说明.txt"), "本月无异常").unwrap();
    let out = ws.run(&["run", "--quiet"]);
    // Every township is read; the lead departments sent no ledgers here: exit 1 says so.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(ws.path("output/2024-06/run.json")).unwrap()).unwrap();
    let status = |path: &str| {
        run["inputs"].as_array().unwrap().iter().find(|i| i["path"] == path).map(|i| i["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status("2024-06/陆城镇_2024年06月.et").as_deref(), Some("已采用"));
    assert_eq!(status("2024-06/松杨湖街道_2024年06月").as_deref(), Some("已采用"));
    assert_eq!(status("2024-06/说明.txt").as_deref(), Some("附件（非报表）"));
}

/// Issue 32: a newline in a file's name wrote a line of its own into run.log (a forged entry).
/// Every entry is one line, its control characters escaped.
#[cfg(unix)]
#[test]
fn a_newline_in_a_file_name_cannot_forge_a_line_of_run_log() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD[..1], june);
    let forged = "[2024-06-01 00:00:00] 伪造的记录";
    std::fs::write(ws.period_dir(june).join(format!("路口镇\n{forged}_2024年06月.xlsx")), corpus::township_workbook(&plan, "路口镇", june))
        .unwrap();
    ws.run(&["run", "--quiet"]);
    let log = String::from_utf8(std::fs::read(ws.path("output/2024-06/run.log")).unwrap()).unwrap();
    assert!(log.contains(&format!("路口镇\\n{forged}")), "{log}");
    assert!(!log.lines().any(|l| l.starts_with(forged)), "{log}");
}

/// Issue 32: a file whose modification time is in the future (a clerk's clock set to 2030)
/// beat every later correction, because files were ordered by modification time. They are
/// ordered by when they came: the 2030 file came when first seen, the correction after it.
#[test]
fn a_file_dated_in_the_future_does_not_beat_a_later_correction() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    let dated = ws.period_dir(june).join(zhenxing::report::template::file_name("路口镇", june));
    let file = File::options().write(true).open(&dated).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000)).unwrap(); // 2030-01-01
    ws.run(&["run", "--quiet"]);
    std::thread::sleep(Duration::from_millis(1_100)); // arrivals are kept to the second
    std::fs::write(ws.period_dir(june).join("路口镇_2024年06月_更正.xlsx"), corpus::township_workbook(&plan, "路口镇", june)).unwrap();
    ws.run(&["run", "--quiet"]);
    let rows = csv_rows(&ws.path("output/2024-06/issues.csv"));
    let superseded: Vec<&Vec<String>> = rows.iter().filter(|r| r.iter().any(|c| c.starts_with("W06"))).collect();
    assert_eq!(superseded.len(), 1, "{rows:?}");
    assert!(superseded[0].iter().any(|c| c.ends_with("路口镇_2024年06月.xlsx")), "the 2030 file is the one superseded: {superseded:?}");
}

/// Issue 32: a folder named like a township's file (`陆城镇_2024年06月.csv/`) or a note without
/// an extension (`陆城镇_2024年06月_说明`) superseded its good workbook, and the township was
/// 数据有误. The folder is still said to be one (E01) and the note is an attachment; neither
/// supersedes the workbook, which counts.
#[test]
fn a_folder_or_a_note_named_like_a_workbook_does_not_supersede_it() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    let dir = ws.period_dir(june);
    std::fs::create_dir(dir.join("陆城镇_2024年06月.csv")).unwrap();
    std::fs::write(dir.join("陆城镇_2024年06月_说明"), "本月数据已核实，无异常。\n").unwrap();
    for note in ["陆城镇_2024年06月.csv", "陆城镇_2024年06月_说明"] {
        let file = File::open(dir.join(note)).unwrap();
        file.set_modified(SystemTime::now() + Duration::from_secs(3_600)).unwrap();
    }
    ws.run(&["run", "--quiet"]);
    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(ws.path("output/2024-06/run.json")).unwrap()).unwrap();
    let unit = run["units"].as_array().unwrap().iter().find(|u| u["unit"] == "陆城镇").cloned().unwrap();
    assert_eq!(unit["status"], "已报送", "{unit}");
}

/// Counts the files read; when the last one has been read, writes `bytes` to `path` (a sync
/// tool writing a file again after the run has read its truncated state).
struct RewriteAfterReading {
    files: usize,
    read: std::sync::atomic::AtomicUsize,
    path: std::path::PathBuf,
    bytes: Vec<u8>,
}

impl zhenxing::pipeline::diag::Progress for RewriteAfterReading {
    fn file_read(&self) {
        if self.read.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == self.files {
            std::fs::write(&self.path, &self.bytes).unwrap();
        }
    }
}

/// Issue 32: a file re-copied during a run (truncated, then the same bytes written again, as
/// sync tools do) was read in its truncated state: the township was 数据有误, its rows left the
/// store, and run.json recorded the fingerprint taken before reading, so every later
/// `--if-changed` run skipped although `input/` held the good file. Now a file written since it
/// was read is read again before validation, and the fingerprint is of what was read.
#[test]
fn a_file_rewritten_while_the_run_reads_is_read_again() {
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    let name = zhenxing::report::template::file_name("路口镇", june);
    let path = ws.period_dir(june).join(&name);
    let good = std::fs::read(&path).unwrap();
    std::fs::write(&path, b"").unwrap(); // the sync tool's first step
    let folders = zhenxing::pipeline::Folders { input: ws.path("input"), output: ws.path("output"), store: ws.path("data") };
    let files = zhenxing::ingest::discover(&ws.period_dir(june), &folders.input).unwrap();
    let mut progress = RewriteAfterReading { files: files.len(), read: 0.into(), path: path.clone(), bytes: good };
    let limits = zhenxing::ingest::Limits::default();
    let ingested = zhenxing::pipeline::ingest_period(&plan, &folders, june, files, &limits, &mut progress).unwrap();

    assert_eq!(ingested.reread, vec![format!("2024-06/{name}")]);
    let township = ingested.validated.townships.iter().find(|t| t.township == "路口镇").unwrap();
    assert_eq!(township.status, zhenxing::validate::SubmissionStatus::Reported, "{:?}", ingested.validated.issues);
    let now = zhenxing::ingest::discover(&ws.period_dir(june), &folders.input).unwrap();
    assert_eq!(
        zhenxing::pipeline::workspace::reads_fingerprint(&plan, &ingested.reads),
        zhenxing::pipeline::workspace::input_fingerprint(&plan, &now),
        "the fingerprint of what was read is that of the folder as it is now"
    );
}

/// Issue 32: a run stopped between putting its outputs in place and committing its store month
/// left the store's record (submissions, arrivals, contacts) stale for good under
/// `--if-changed` whenever the month's tables had not changed (here: an attachment came): the
/// new run.json matched the input and the old tables. The store month now names the run that
/// wrote it, and a run.json of another run is not a complete run.
#[test]
fn a_run_stopped_before_its_store_month_is_run_again_by_if_changed() {
    let plan = corpus::plan();
    let june = corpus::june();
    let stopped = Workspace::new();
    stopped.add_townships(&plan, &GOOD, june);
    stopped.run(&["run", "--quiet"]);
    // The same month with a scan added, run to the end in a copy of the workspace: its outputs
    // are what the stopped run had put in place before it was stopped.
    let complete = Workspace::new();
    crate::common::copy_dir(stopped.root(), complete.root());
    std::fs::write(complete.path("input/2024-06/扫描件.pdf"), b"%PDF-1.4 scan").unwrap();
    complete.run(&["run", "--quiet"]);
    std::fs::write(stopped.path("input/2024-06/扫描件.pdf"), b"%PDF-1.4 scan").unwrap();
    std::fs::remove_dir_all(stopped.path("output/2024-06")).unwrap();
    crate::common::copy_dir(&complete.path("output/2024-06"), &stopped.path("output/2024-06"));
    let run: serde_json::Value = serde_json::from_slice(&stopped.read("output/2024-06/run.json")).unwrap();
    assert_eq!(
        run["partition_sha256"].as_str(),
        zhenxing::store::month_sha256(&stopped.path("data"), june).as_deref(),
        "the stopped run's tables are those already stored"
    );

    let again = stopped.run(&["run", "--if-changed"]);
    assert!(!again.stdout().contains("跳过"), "{}", again.stdout());
    let run: serde_json::Value = serde_json::from_slice(&stopped.read("output/2024-06/run.json")).unwrap();
    let month_run = zhenxing::store::month_run(&stopped.path("data"), june);
    assert_eq!(run["started"].as_str(), month_run.as_deref());
    let arrivals = String::from_utf8(stopped.read(&format!("data/{}", zhenxing::store::ARRIVALS_FILE))).unwrap();
    assert!(arrivals.contains("扫描件.pdf"), "{arrivals}");
    // And now it is complete: the next one skips.
    assert!(stopped.run(&["run", "--if-changed"]).stdout().contains("跳过"));
}

/// Issue 32: names that are not UTF-8 (a Windows zip unpacked here keeps GBK bytes) were shown
/// with `�`, two of them identically, and a township's GBK-named file was not recognised by its
/// name. GBK names are read as GBK; other bytes are shown as `\xNN`.
#[cfg(unix)]
#[test]
fn names_that_are_not_utf8_are_read_as_gbk_or_shown_byte_by_byte() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let plan = corpus::plan();
    let june = corpus::june();
    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    let dir = ws.period_dir(june);
    let name = zhenxing::report::template::file_name("路口镇", june);
    let (gbk, _, _) = encoding_rs::GBK.encode(&name);
    std::fs::rename(dir.join(&name), dir.join(OsStr::from_bytes(&gbk))).unwrap();
    for bytes in [&b"\xff\xfe.pdf"[..], &b"\xff\xfd.pdf"[..]] {
        std::fs::write(dir.join(OsStr::from_bytes(bytes)), b"%PDF-1.4").unwrap();
    }
    let files = zhenxing::ingest::discover(&dir, &ws.path("input")).unwrap();
    let shown: Vec<&str> = files.iter().map(|f| f.display.as_str()).collect();
    assert!(shown.contains(&format!("2024-06/{name}").as_str()), "{shown:?}");
    assert!(shown.contains(&"2024-06/\\xFF\\xFE.pdf") && shown.contains(&"2024-06/\\xFF\\xFD.pdf"), "{shown:?}");

    ws.run(&["run", "--quiet"]);
    let run: serde_json::Value = serde_json::from_slice(&ws.read("output/2024-06/run.json")).unwrap();
    let unit = run["units"].as_array().unwrap().iter().find(|u| u["unit"] == "路口镇").cloned().unwrap();
    assert_eq!(unit["status"], "已报送", "{unit}");
}
