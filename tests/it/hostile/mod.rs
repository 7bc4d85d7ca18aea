//! Hostile and corrupt input files: each is one clear error (E01) for that file, the process never
//! dies, memory stays bounded, and every other township is still reported.
//!
//! The corpus is in `tests/fixtures/hostile/` (made by `hostile/corpus.rs`). What each test proves:
//! - `fixtures_are_committed_and_described`: the committed corpus is what the generator lists,
//!   and its README is current.
//! - `each_hostile_file_is_one_clear_error`: `ingest::read_file` turns every fixture into exactly
//!   one E01 issue with an actionable Chinese message.
//! - `benign_twins_read_fine`: the hand-made containers (xlsx, ods, xlsb, xls) are real files
//!   calamine reads once they are not hostile, so the corpus tests the guard, not a parse error.
//! - `calamine_alone_dies_on_the_corpus`: without the guard, calamine kills a memory-limited
//!   process on every file marked so (the threat is real), and returns on the others.
//! - `run_reports_good_townships_beside_the_corpus`: `zhenxing run` over four good townships plus
//!   the whole corpus, under a virtual-memory limit: exit code 1, the four 已报送, every hostile
//!   file listed with E01, peak RSS close to a clean run's.

pub mod corpus;
pub mod workspace;

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::Workspace;
use crate::support::csv_rows;
use corpus::{Hostile, Make, Raw};
use workspace::{FIFTH, GOOD, TownshipInput, has_chinese, run_measured};
use zhenxing::ingest::{self, InputFile, Limits};
use zhenxing::issue::Rule;

/// How to regenerate the corpus (see `common::regenerate`).
const REGENERATE: &str = "ZHENXING_REGENERATE=hostile";

/// The committed corpus is what the generator writes today (else a fixture tests a file the
/// generator no longer describes). With `ZHENXING_REGENERATE=hostile` the corpus is written
/// instead (`hostile:name1,hostile:name2` writes only those files; the README always):
/// `ZHENXING_REGENERATE=hostile cargo test --test it hostile::fixtures_match`.
#[test]
fn fixtures_match_their_generator() {
    let dir = corpus::fixtures_dir();
    if let Some(names) = crate::common::regenerate("hostile") {
        let only: Vec<&str> = names.iter().map(String::as_str).filter(|n| !n.is_empty()).collect();
        corpus::write_all(&dir, &only);
        return;
    }
    let mut stale = Vec::new();
    for h in corpus::corpus() {
        let Make::File(make) = h.make else { continue };
        // Deflating the bomb takes minutes in a debug build; what it must do (exceed the unpacked
        // limit) is checked by reading it.
        if h.name == "zip_bomb.xlsx" {
            continue;
        }
        if std::fs::read(dir.join(h.name)).ok().as_deref() != Some(make().as_slice()) {
            stale.push(h.name);
        }
    }
    assert!(stale.is_empty(), "committed fixtures differ from their generator: {stale:?} (regenerate with {REGENERATE}:name,…)");
}

#[test]
fn fixtures_are_committed_and_described() {
    if crate::common::regenerate("hostile").is_some() {
        return; // being rewritten by `fixtures_match_their_generator`
    }
    let dir = corpus::fixtures_dir();
    for h in corpus::corpus() {
        let path = dir.join(h.name);
        match h.make {
            Make::Directory => assert!(path.is_dir(), "{} should be a directory", h.name),
            _ => assert!(path.is_file(), "missing fixture {} (regenerate with {REGENERATE})", h.name),
        }
        if path.is_file() {
            let size = std::fs::metadata(&path).unwrap().len();
            assert!(size < 2 * 1024 * 1024, "{} is {size} bytes; fixtures stay under 2 MB", h.name);
        }
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert_eq!(readme, corpus::readme(), "tests/fixtures/hostile/README.md is out of date (regenerate)");
}

fn read_fixture(h: &Hostile) -> ingest::FileRead {
    let plan = corpus::plan();
    let path = corpus::fixtures_dir().join(h.name);
    let input = InputFile { path, display: format!("2024-06/{}", h.name), department: false };
    ingest::read_file(input, &plan, &Limits::default())
}

#[test]
fn each_hostile_file_is_one_clear_error() {
    for h in corpus::corpus() {
        let started = Instant::now();
        let read = read_fixture(&h);
        let elapsed = started.elapsed();
        assert_eq!(read.issues.len(), 1, "{}: {:?}", h.name, read.issues);
        let issue = &read.issues[0];
        assert_eq!(issue.rule, Rule::Unreadable, "{}: {:?}", h.name, issue);
        assert_eq!(issue.rule.id(), "E01");
        assert_eq!(issue.file, format!("2024-06/{}", h.name));
        assert!(has_chinese(&issue.message), "{}: {}", h.name, issue.message);
        assert!(
            h.expect.iter().any(|w| issue.message.contains(w)),
            "{}: message {:?} should say one of {:?}",
            h.name,
            issue.message,
            h.expect
        );
        assert!(read.unreadable.is_some() && read.tables.is_empty(), "{}", h.name);
        assert!(elapsed < Duration::from_secs(60), "{} took {elapsed:?}", h.name);
        println!("{:<36} {:>8.0} ms  {}", h.name, elapsed.as_secs_f64() * 1000.0, issue.message);
    }
}

/// Read bytes the way `ingest::read_file` does, without a file.
fn read_bytes(bytes: &[u8], extension: &str) -> Result<Vec<ingest::Grid>, String> {
    ingest::read::sniff(bytes, extension).and_then(|f| ingest::read::read_grids(bytes, f, &Limits::default())).map_err(|e| e.0)
}

/// Issue 32: a sheet too large was named by its zip part (`content.xml`, `sheet1.bin`), which
/// the clerk never sees; it is named by its tab.
#[test]
fn a_sheet_too_large_is_named_by_its_tab() {
    for (bytes, extension) in [(corpus::ods_repeat_bomb(), "ods"), (corpus::xlsb_far_cell(), "xlsb")] {
        let message = read_bytes(&bytes, extension).expect_err("too large");
        assert!(message.contains("工作表“粮食与耕地”的数据区域过大"), "{extension}: {message}");
    }
}

#[test]
fn benign_twins_read_fine() {
    use ingest::Cell;
    for (name, bytes, extension) in [
        ("xlsx", corpus::benign_xlsx(), "xlsx"),
        ("ods", corpus::benign_ods(), "ods"),
        ("xlsb", corpus::benign_xlsb(), "xlsb"),
        ("xls", corpus::benign_xls(), "xls"),
    ] {
        let grids = read_bytes(&bytes, extension).unwrap_or_else(|e| panic!("benign {name}: {e}"));
        assert_eq!(grids.len(), 1, "{name}");
        let cells: Vec<&Cell> = grids[0].rows.iter().flatten().filter(|c| !c.is_empty()).collect();
        assert!(cells.contains(&&Cell::Number(1234.5)), "{name}: {:?}", grids[0].rows);
    }
    // The ods twin has LibreOffice's usual trailing repeats (1,022 empty columns, 1,048,575
    // empty rows): not counted as cells.
    let grid = &read_bytes(&corpus::benign_ods(), "ods").unwrap()[0];
    assert_eq!(grid.rows.len(), 1);
    assert_eq!(grid.get(0, 0), &Cell::Text("荆竹村".into()));
    // A real township workbook from the template writer passes the guard too.
    let plan = corpus::plan();
    let good = corpus::township_workbook(&plan, "陆城镇", corpus::june());
    assert!(read_bytes(&good, "xlsx").unwrap().len() >= 4);
}

#[test]
fn calamine_alone_dies_on_the_corpus() {
    use std::os::unix::process::ExitStatusExt;
    // The bench binary's `__calamine` mode opens a file with calamine alone.
    let exe = env!("CARGO_BIN_EXE_bench");
    // 1.5 GiB of address space: far above what reading a township file needs.
    let limit_kib = 1_536 * 1024;
    for h in corpus::corpus().into_iter().filter(|h| h.raw != Raw::NotReached) {
        let path = corpus::fixtures_dir().join(h.name);
        let started = Instant::now();
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -v {limit_kib}; exec \"$0\" __calamine \"$1\""))
            .arg(exe)
            .arg(&path)
            .env("RUST_BACKTRACE", "0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut hung = false;
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(120) {
                child.kill().unwrap();
                hung = true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let returned = stdout.find("RAW-CALAMINE-RETURNED").map(|at| stdout[at..].lines().next().unwrap_or_default().to_string());
        let died = hung || output.status.signal().is_some();
        println!(
            "{:<36} {:>6.1} s  {}",
            h.name,
            started.elapsed().as_secs_f64(),
            returned.clone().unwrap_or_else(|| format!("died: {:?}", output.status))
        );
        match h.raw {
            Raw::Aborts => assert!(
                died && returned.is_none(),
                "{}: calamine alone should die, got {:?}\n{}",
                h.name,
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
            Raw::Harmless => assert!(
                !died,
                "{}: calamine alone died ({:?}); mark it Raw::Aborts\n{}",
                h.name,
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
            Raw::NotReached => unreachable!(),
        }
    }
}

/// Names the corpus files get in the end-to-end input: most are sent "by" the fifth township,
/// the others keep names that match no township.
fn input_name(h: &Hostile, index: usize) -> String {
    if h.name.starts_with("陆城镇") {
        // the directory fixture: renamed so that 陆城镇's good file is not contradicted
        return format!("{FIFTH}_2024年06月.xlsx");
    }
    if index.is_multiple_of(2) { format!("{FIFTH}_{}", h.name) } else { h.name.to_string() }
}

#[test]
fn run_reports_good_townships_beside_the_corpus() {
    let plan = corpus::plan();
    let june = corpus::june();

    // A clean run first (four good townships only): its peak RSS and virtual size are the baseline.
    let clean = Workspace::new();
    clean.add_townships(&plan, &GOOD, june);
    let baseline = run_measured(&clean, &["run", "--period", "2024-06"], None);
    assert_eq!(baseline.output.status.code(), Some(1), "{}", String::from_utf8_lossy(&baseline.output.stderr)); // 松杨湖街道 未报送

    let ws = Workspace::new();
    ws.add_townships(&plan, &GOOD, june);
    let dir = ws.period_dir(june);
    let mut hostile_inputs = Vec::new();
    for (i, h) in corpus::corpus().iter().enumerate() {
        let from = corpus::fixtures_dir().join(h.name);
        let name = input_name(h, i);
        if from.is_dir() {
            std::fs::create_dir_all(dir.join(&name)).unwrap();
        } else {
            std::fs::copy(&from, dir.join(&name)).unwrap();
        }
        hostile_inputs.push(format!("2024-06/{name}"));
    }
    // Limit the address space to the clean run's peak plus 1 GiB: a zip bomb inflated in memory,
    // a reserved string table or a dense far-cell grid would not fit, and without the guard the
    // process would abort.
    let limit_kib = baseline.peak_vm_kib.max(800 * 1024) + 1024 * 1024;
    let measured = run_measured(&ws, &["run", "--period", "2024-06"], Some(limit_kib));
    let stdout = String::from_utf8_lossy(&measured.output.stdout);
    let stderr = String::from_utf8_lossy(&measured.output.stderr);
    println!(
        "clean run: peak RSS {} MiB, peak VM {} MiB, {:.1} s; hostile run (limit {} MiB VM): peak RSS {} MiB, {:.1} s",
        baseline.peak_rss_kib / 1024,
        baseline.peak_vm_kib / 1024,
        baseline.elapsed.as_secs_f64(),
        limit_kib / 1024,
        measured.peak_rss_kib / 1024,
        measured.elapsed.as_secs_f64()
    );
    assert_eq!(measured.output.status.code(), Some(1), "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", measured.output.status);
    assert!(measured.peak_rss_kib > 0, "peak RSS was not measured");
    assert!(
        measured.peak_rss_kib < baseline.peak_rss_kib + 256 * 1024,
        "hostile run peaked at {} MiB RSS, clean run at {} MiB",
        measured.peak_rss_kib / 1024,
        baseline.peak_rss_kib / 1024
    );

    let out = ws.path("output/2024-06");
    let townships = csv_rows(&out.join("townships.csv"));
    let status_col = townships[0].iter().position(|h| h == "submission_status").unwrap();
    for good in GOOD {
        let rows: Vec<&Vec<String>> = townships.iter().filter(|r| r[0] == good).collect();
        assert!(!rows.is_empty(), "{good} missing from townships.csv");
        assert!(rows.iter().all(|r| r[status_col] == "已报送"), "{good}: {rows:?}");
    }
    assert!(townships.iter().filter(|r| r[0] == FIFTH).all(|r| r[status_col] == "数据有误"));

    let issues = csv_rows(&out.join("issues.csv"));
    let (file_col, rule_col, message_col) = (0, 5, 7);
    assert_eq!(issues[0][rule_col], "rule");
    for input in &hostile_inputs {
        let e01: Vec<&Vec<String>> = issues.iter().filter(|r| &r[file_col] == input && r[rule_col].starts_with("E01")).collect();
        assert_eq!(e01.len(), 1, "{input}: {e01:?}");
        assert!(has_chinese(&e01[0][message_col]));
    }
    // No issue at all for the good townships' files.
    for good in GOOD {
        assert!(!issues.iter().any(|r| r[file_col].contains(good) && r[rule_col].starts_with('E')), "{good} got an error: {issues:?}");
    }

    let run: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    let inputs = run["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), GOOD.len() + hostile_inputs.len());
    for input in inputs {
        let path = input["path"].as_str().unwrap();
        assert!(!input["status"].as_str().unwrap().is_empty(), "{path}");
        let sha = input["sha256"].as_str().unwrap();
        let on_disk = ws.path("input").join(path);
        if on_disk.is_file() {
            assert_eq!(sha.len(), 64, "{path}: {sha}");
        }
        if GOOD.iter().any(|g| path.contains(g)) {
            assert_eq!(input["status"], "已采用", "{input}");
        }
    }
    assert_eq!(run["counts"]["reported"], 4);
}

#[test]
fn regression_a_fifo_named_like_a_workbook_is_one_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("松杨湖街道_2024年06月.xlsx");
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0, "mkfifo: {}", std::io::Error::last_os_error());
    let plan = crate::support::yunxi();
    let input = zhenxing::ingest::InputFile { path: path.clone(), display: "松杨湖街道_2024年06月.xlsx".into(), department: false };
    let read = zhenxing::ingest::read_file(input, plan, &zhenxing::ingest::Limits::default());
    assert_eq!(read.issues.len(), 1);
    assert_eq!(read.issues[0].rule.id(), "E01");
    assert!(read.issues[0].message.contains("不是普通文件"), "{}", read.issues[0].message);
}

/// Regression: an XOR-encrypted .xls was reported as 41 trillion cells. Any FILEPASS is one clear
/// password message.
#[test]
fn an_encrypted_xls_is_a_password_message() {
    for bytes in [corpus::xls_xor_filepass(), corpus::xls_filepass()] {
        let message = read_bytes(&bytes, "xls").expect_err("an encrypted workbook is not read");
        assert!(message.contains("密码"), "{message}");
    }
}
