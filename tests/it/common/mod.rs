//! Shared helpers for the integration tests: the test workspace (the one harness: a temporary
//! working folder, running the built `zhenxing` binary in it), and a small builder for hand-made workbooks (titles, merged headers, text
//! numbers — the layouts statisticians produce, which the canonical template writer never does).
//!
//! Generic on purpose: nothing here knows a plan. Each test file keeps its own domain helpers.

#![allow(dead_code)] // each test crate uses a different subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

pub const BIN: &str = env!("CARGO_BIN_EXE_zhenxing");

/// Every file under `dir`, relative path → bytes (hidden files included when `hidden`).
pub fn snapshot(dir: &Path, hidden: bool) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, hidden: bool, files: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if !hidden && name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, hidden, files);
            } else {
                files.insert(path.strip_prefix(root).unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, hidden, &mut files);
    files
}

/// The one switch that makes tests write the files they otherwise compare with:
/// `ZHENXING_REGENERATE`, a comma-separated list of `golden` (tests/golden), `hostile` or
/// `hostile:NAME` (the hostile corpus, or some of its files), `fixture-source:PATH` (the messy
/// workbook that `tests/fixtures/make_fixtures.sh` converts) and `layout-sources:DIR` (the
/// layouts it converts into `tests/fixtures/layouts/`). For `what`, `None` when it is not
/// asked for, else what follows each `what:` entry (empty for a bare `what`).
pub fn regenerate(what: &str) -> Option<Vec<String>> {
    let value = std::env::var("ZHENXING_REGENERATE").ok()?;
    let asked: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter_map(|entry| match entry.split_once(':') {
            Some((name, arg)) if name == what => Some(arg.to_string()),
            None if entry == what => Some(String::new()),
            _ => None,
        })
        .collect();
    (!asked.is_empty()).then_some(asked)
}

/// The test workspace (the one harness of the integration tests): a temporary folder that looks
/// like the office's working folder (`input/`, `output/`, `data/` are created on demand), where
/// the built binary runs. Removed when dropped.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// What one run of the binary printed, and how it exited, as UTF-8 text.
#[derive(Debug)]
pub struct RunOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// One run of the binary (`Workspace::run`): the process output (also reachable as
/// `run.status`, `run.stdout` …), with the arguments for failure messages.
pub struct Run {
    pub args: String,
    pub output: Output,
}

impl std::ops::Deref for Run {
    type Target = Output;
    fn deref(&self) -> &Output {
        &self.output
    }
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Panics with stdout and stderr unless the exit code is `expected`.
    pub fn expect_code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code(),
            Some(expected),
            "zhenxing {} exited with {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.args,
            self.code(),
            self.stdout(),
            self.stderr()
        );
        self
    }
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace { dir: tempfile::Builder::new().prefix("zhenxing-test-").tempdir().expect("temp dir") }
    }

    /// A workspace with a copy of the shipped sample input (`input/`).
    pub fn with_sample_input() -> Workspace {
        let ws = Workspace::new();
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("input"), &ws.path("input"));
        ws
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Write a file (creating its folders) and return its full path.
    pub fn write(&self, relative: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create folders");
        std::fs::write(&path, bytes).expect("write file");
        path
    }

    pub fn read(&self, relative: &str) -> Vec<u8> {
        std::fs::read(self.path(relative)).unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
    }

    /// `input/<period>/`, created.
    pub fn period_dir(&self, period: zhenxing::period::Period) -> PathBuf {
        let dir = self.path("input").join(period.to_string());
        std::fs::create_dir_all(&dir).expect("create folders");
        dir
    }

    /// Set a file's modification time to `seconds` after 2024-04-01 00:00 UTC (files "arrive"
    /// in a known order, whatever the speed of the machine).
    pub fn set_modified(&self, relative: &str, seconds: u64) {
        let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_711_929_600);
        let file = std::fs::OpenOptions::new().write(true).open(self.path(relative)).expect("open file");
        file.set_modified(base + Duration::from_secs(seconds)).expect("set modification time");
    }

    /// Every file under the workspace with its bytes, sorted: to show a command wrote nothing.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(self.root(), true)
    }

    /// The binary with `args`, in the workspace, on two threads whatever the machine (so that
    /// timings and memory are those of the machines the office runs it on).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(self.root())
            .env_remove("RUST_BACKTRACE")
            .env("RAYON_NUM_THREADS", "2")
            .env("POLARS_MAX_THREADS", "2");
        command
    }

    /// Run the binary in the workspace.
    pub fn run(&self, args: &[&str]) -> Run {
        Run { args: args.join(" "), output: self.command(args).output().expect("run zhenxing") }
    }

    /// Start the binary in the background (its output discarded, so a kill loses nothing).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start zhenxing")
    }

    /// Run the binary; its output as UTF-8 text.
    pub fn zhenxing(&self, args: &[&str]) -> RunOutput {
        let output = self.run(args).output;
        RunOutput {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }
}

/// Copy a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// One cell of a hand-made sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A real date cell (number with a date format), as Excel stores a typed-in date.
    Date(u16, u8, u8),
}

impl From<&str> for Cell {
    /// `""` is an empty cell; any other text is written as text (even `"1,234.5"`).
    fn from(text: &str) -> Cell {
        if text.is_empty() { Cell::Empty } else { Cell::Text(text.to_string()) }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::from(text.as_str())
    }
}

impl From<&String> for Cell {
    fn from(text: &String) -> Cell {
        Cell::from(text.as_str())
    }
}

impl From<f64> for Cell {
    fn from(number: f64) -> Cell {
        Cell::Number(number)
    }
}

impl From<i32> for Cell {
    fn from(number: i32) -> Cell {
        Cell::Number(number as f64)
    }
}

/// A row of cells of mixed kinds: `row!["东风村", 1400, "1,234.5", ""]`.
#[macro_export]
macro_rules! row {
    ($($cell:expr),* $(,)?) => { vec![$($crate::common::Cell::from($cell)),*] };
}

/// One worksheet, cell by cell. Rows and columns are 0-based, as in rust_xlsxwriter.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    cells: Vec<(u32, u16, Cell)>,
    merges: Vec<(u32, u16, u32, u16, String)>,
    hidden: Vec<u16>,
}

impl Sheet {
    pub fn new(name: &str) -> Sheet {
        Sheet { name: name.to_string(), cells: Vec::new(), merges: Vec::new(), hidden: Vec::new() }
    }

    /// Hide column `column` (0-based), as a helper column of a dropdown is hidden.
    pub fn hide_column(&mut self, column: u16) -> &mut Sheet {
        self.hidden.push(column);
        self
    }

    /// Make row `row` hold exactly `cells`, starting in column A (`row![]` clears the row).
    pub fn row(&mut self, row: u32, cells: Vec<Cell>) -> &mut Sheet {
        self.cells.retain(|(r, _, _)| *r != row);
        for (column, cell) in cells.into_iter().enumerate() {
            self.cell(row, column as u16, cell);
        }
        self
    }

    /// Put `rows` one under the other from row `first_row`; returns the row after the last.
    pub fn rows(&mut self, first_row: u32, rows: Vec<Vec<Cell>>) -> u32 {
        let mut row = first_row;
        for cells in rows {
            self.row(row, cells);
            row += 1;
        }
        row
    }

    /// Set one cell, replacing what an earlier call put there.
    pub fn cell(&mut self, row: u32, column: u16, cell: Cell) -> &mut Sheet {
        self.cells.retain(|(r, c, _)| !(*r == row && *c == column));
        if cell != Cell::Empty {
            self.cells.push((row, column, cell));
        }
        self
    }

    /// Set the cell at an A1 reference such as `"B8"`.
    pub fn set(&mut self, a1: &str, cell: impl Into<Cell>) -> &mut Sheet {
        let (row, column) = parse_a1(a1);
        self.cell(row, column, cell.into())
    }

    /// A merged range holding `text` (Excel keeps the text in the top-left cell only).
    pub fn merge(&mut self, first_row: u32, first_column: u16, last_row: u32, last_column: u16, text: &str) -> &mut Sheet {
        self.merges.push((first_row, first_column, last_row, last_column, text.to_string()));
        self
    }

    /// The cell at (row, column), as last set.
    pub fn get(&self, row: u32, column: u16) -> Cell {
        self.cells.iter().find(|(r, c, _)| *r == row && *c == column).map(|(_, _, cell)| cell.clone()).unwrap_or(Cell::Empty)
    }
}

/// The bytes of an .xlsx with these sheets, in order. The document creation time is fixed, so
/// the same sheets give the same bytes.
pub fn xlsx(sheets: &[Sheet]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2024, 4, 1).expect("valid date");
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name).expect("sheet name");
        for column in &sheet.hidden {
            worksheet.set_column_hidden(*column).expect("hide column");
        }
        for (first_row, first_column, last_row, last_column, text) in &sheet.merges {
            worksheet.merge_range(*first_row, *first_column, *last_row, *last_column, text, &Format::new()).expect("merge");
        }
        for (row, column, cell) in &sheet.cells {
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => {
                    worksheet.write_string(*row, *column, text).expect("write text");
                }
                Cell::Number(number) => {
                    worksheet.write_number(*row, *column, *number).expect("write number");
                }
                Cell::Date(year, month, day) => {
                    let date = ExcelDateTime::from_ymd(*year, *month, *day).expect("valid date");
                    worksheet.write_datetime_with_format(*row, *column, &date, &date_format).expect("write date");
                }
            }
        }
    }
    workbook.save_to_buffer().expect("workbook bytes")
}

/// 0-based (row, column) of an A1 reference: `"B8"` → (7, 1).
pub fn parse_a1(a1: &str) -> (u32, u16) {
    let letters: String = a1.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let column = letters.bytes().fold(0u32, |acc, b| acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1)) - 1;
    let row: u32 = a1[letters.len()..].parse().expect("A1 reference has a row number");
    (row - 1, column as u16)
}

/// Path of a file in `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name)
}
