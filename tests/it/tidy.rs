//! The layout rules of ARCHITECTURE.md, checked on the source: the floors (a module uses only
//! modules on its own floor or below, so data flows one way, grouped `use crate::{…}` included),
//! which modules and binaries may name calamine, rust_xlsxwriter or the file system, a `//!` line
//! on every module, thin subcommands, and no ignored tests.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The library's modules (not the binaries), by their path under `src/`.
fn library() -> Vec<(String, String)> {
    let src = root().join("src");
    rust_files(&src)
        .into_iter()
        .filter(|p| !p.starts_with(src.join("bin")) && !p.ends_with("main.rs"))
        .map(|p| (p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/"), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

/// The top-level module a source file belongs to (`store/frames.rs` → `store`).
fn module_of(path: &str) -> &str {
    path.split('/').next().unwrap().trim_end_matches(".rs")
}

/// Floors, bottom up (ARCHITECTURE.md "Bird's-eye view").
fn floor(module: &str) -> usize {
    match module {
        "lib" | "error" | "period" | "issue" | "text" | "units" | "atomic" | "divisions" => 0,
        "plan" => 1,
        "ingest" => 2,
        "validate" => 3,
        "store" => 4,
        "aggregate" => 5,
        "report" | "sample" => 6,
        "pipeline" => 7,
        "cmd" => 8,
        other => panic!("module {other} has no floor: add it to ARCHITECTURE.md and here"),
    }
}

/// Code without its comments (rules are about what the code uses, not what it mentions).
fn code(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The top-level modules a piece of code names through `crate::`: `crate::plan::Form` names
/// `plan`, `use crate::{aggregate, plan::Plan}` names both; a path to the crate root itself
/// (`crate::FastMap`) names `lib`.
fn crate_modules(code: &str) -> Vec<String> {
    let mut used = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + 7..];
        if let Some(group) = rest.strip_prefix('{') {
            // Each item of the group up to its matching brace, by its first path segment.
            let mut depth = 1;
            let end = group.char_indices().find(|(_, c)| {
                depth += match c {
                    '{' => 1,
                    '}' => -1,
                    _ => 0,
                };
                depth == 0
            });
            let inner = &group[..end.map_or(group.len(), |(i, _)| i)];
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        item_start = false;
                        let name: String = inner[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                        used.push(module_name(&name));
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            used.push(module_name(&name));
        }
    }
    used
}

/// A path segment after `crate::` as a module: lower-case names are modules, others (types,
/// constants, `self`) are the crate root's.
fn module_name(name: &str) -> String {
    if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && name != "self" { name.to_string() } else { "lib".to_string() }
}

#[test]
fn grouped_uses_are_read_as_their_modules() {
    assert_eq!(crate_modules("use crate::{aggregate, plan::{Form, Plan}, FastMap};"), ["aggregate", "plan", "lib"]);
    assert_eq!(crate_modules("let x = crate::text::fmt(1.0);"), ["text"]);
}

#[test]
fn modules_use_only_their_floor_and_below() {
    let mut wrong = Vec::new();
    for (path, text) in library() {
        let own = module_of(&path);
        for used in crate_modules(&code(&text)) {
            if floor(&used) > floor(own) {
                wrong.push(format!("{path} uses crate::{used} (floor {} above {})", floor(&used), floor(own)));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "upward uses:\n{}", wrong.join("\n"));
}

/// The binaries under `src/bin`, by file name.
fn binaries() -> Vec<(String, String)> {
    let dir = root().join("src/bin");
    rust_files(&dir)
        .into_iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

#[test]
fn binaries_use_the_library_and_only_the_bench_reads_with_calamine() {
    for (name, text) in binaries() {
        let code = code(&text);
        assert!(!code.contains("crate::"), "src/bin/{name} reaches into a crate of its own: use the library (`zhenxing::`)");
        // The benchmark's floor is calamine alone, measured beside `run`; nothing else reads or
        // writes workbooks but through the library.
        if code.contains("calamine::") {
            assert_eq!(name, "bench.rs", "src/bin/{name} names calamine");
        }
        assert!(!code.contains("rust_xlsxwriter::"), "src/bin/{name} names rust_xlsxwriter: write through `zhenxing::report`");
    }
}

#[test]
fn the_guard_and_the_reader_do_not_use_each_other_both_ways() {
    let guard: String = rust_files(&root().join("src/ingest/guard")).iter().map(|p| code(&std::fs::read_to_string(p).unwrap())).collect();
    assert!(
        !guard.contains("super::read") && !guard.contains("ingest::read"),
        "the guard uses the reader: take the shared part into unreadable.rs"
    );
}

#[test]
fn only_ingest_reads_with_calamine_and_only_report_writes_xlsx() {
    for (path, text) in library() {
        let code = code(&text);
        if code.contains("calamine::") {
            assert_eq!(path, "ingest/read.rs", "{path} names calamine");
        }
        // error.rs names the writer's error type, as the typed source of `Error::Write`.
        if code.contains("rust_xlsxwriter::") {
            assert!(path.starts_with("report/") || path == "error.rs", "{path} names rust_xlsxwriter");
        }
        if ["validate", "aggregate"].contains(&module_of(&path)) {
            assert!(!code.contains("std::fs") && !code.contains("File::"), "{path} does I/O");
        }
    }
}

#[test]
fn every_module_says_what_it_is() {
    for path in rust_files(&root().join("src")).into_iter().chain(rust_files(&root().join("tests/it"))) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("//!"), "{} has no //! line at its top", path.display());
    }
}

#[test]
fn subcommands_are_thin() {
    for path in rust_files(&root().join("src/cmd")) {
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert!(lines <= 150, "{} has {lines} lines: move the work into the library", path.display());
    }
}

#[test]
fn no_test_is_ignored() {
    for path in rust_files(&root().join("tests/it")).into_iter().chain(rust_files(&root().join("src"))) {
        let text = std::fs::read_to_string(&path).unwrap();
        let marker = ["#[", "ignore"].concat();
        assert!(!text.contains(&marker), "{} ignores a test: a test that cannot run here must fail or be skipped by name", path.display());
    }
}
