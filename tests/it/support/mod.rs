//! Helpers shared by the integration tests of plans, templates, the monthly run and the store:
//! CSV and xlsx readers (the workspace is `common::Workspace`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

pub mod pipeline;

/// The shipped `yunxi-2024` plan, loaded once for every test that reads it.
pub fn yunxi() -> &'static zhenxing::plan::Plan {
    static PLAN: std::sync::OnceLock<zhenxing::plan::Plan> = std::sync::OnceLock::new();
    PLAN.get_or_init(|| zhenxing::plan::Plan::resolve(Some("yunxi-2024")).expect("shipped plan").0)
}

/// Rows of a CSV file written by the tool (UTF-8 with BOM), header row included.
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{} has no BOM", path.display());
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[3..]);
    reader.records().map(|r| r.expect("valid CSV").iter().map(str::to_string).collect()).collect()
}

/// A CSV as maps from header to cell, one per data row.
pub fn csv_maps(path: &Path) -> Vec<BTreeMap<String, String>> {
    let rows = csv_rows(path);
    let (header, data) = rows.split_first().expect("a header row");
    data.iter().map(|row| header.iter().cloned().zip(row.iter().cloned()).collect()).collect()
}

/// The text of one entry of a zip file (an xlsx part such as `xl/worksheets/sheet1.xml`).
pub fn zip_entry(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut archive = zip::ZipArchive::new(file).expect("an xlsx is a zip");
    let mut entry = archive.by_name(name).unwrap_or_else(|e| panic!("{} has no {name}: {e}", path.display()));
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("UTF-8 XML");
    text
}

/// The elements `<tag …>` (start tags, attributes included) in an XML text.
pub fn start_tags<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let end = rest[start..].find('>').map(|e| start + e + 1).unwrap_or(rest.len());
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

/// The value of `name="…"` in a start tag.
pub fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// Worksheet XML by sheet name, in workbook order (`xl/worksheets/sheetN.xml`).
pub fn sheet_xml(path: &Path) -> BTreeMap<String, String> {
    let workbook = zip_entry(path, "xl/workbook.xml");
    let rels = zip_entry(path, "xl/_rels/workbook.xml.rels");
    let mut sheets = BTreeMap::new();
    for sheet in start_tags(&workbook, "sheet") {
        let name = attribute(sheet, "name").unwrap().to_string();
        let id = attribute(sheet, "r:id").unwrap();
        let target = start_tags(&rels, "Relationship")
            .into_iter()
            .find(|r| attribute(r, "Id") == Some(id))
            .and_then(|r| attribute(r, "Target"))
            .unwrap();
        sheets.insert(name, zip_entry(path, &format!("xl/{}", target.trim_start_matches('/').trim_start_matches("xl/"))));
    }
    sheets
}

/// `shared/seeds` next to the repository, where CI keeps the two plan documents.
pub fn seeds_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    dir.is_dir().then_some(dir)
}

/// Whether a test that needs `tool` can run. An absent tool fails the test with the command that
/// installs it, unless `ZHENXING_ALLOW_SKIP` names it (`.ci/run` sets it only for a tool it could
/// not install, and says so): then the test prints that it skipped and returns.
pub fn tool_or_skip(tool: &str, present: bool, install: &str) -> bool {
    if present {
        return true;
    }
    let allowed = std::env::var("ZHENXING_ALLOW_SKIP").unwrap_or_default();
    assert!(allowed.split(',').any(|t| t.trim() == tool), "{tool} is needed by this test and is not available: {install}");
    println!("skipped ({tool} absent, allowed by ZHENXING_ALLOW_SKIP): {install}");
    false
}
