//! Bytes → grids of cells, for every format townships send: xlsx, xlsm, xlsb, xls, ods (calamine)
//! and csv (UTF-8 or GBK). This is the only place that touches calamine.
//!
//! A file is read into memory once: its sha256 is taken from the same bytes, the format is sniffed
//! from its first bytes (not trusted from its extension), and `guard` inspects zip containers before
//! calamine sees them, so a hostile file becomes one error instead of an aborted process.

use std::io::Cursor;

use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsb, Xlsx, XlsxError};
use chrono::NaiveDate;

use super::guard::{self, Limits};
pub use super::unreadable::{Format, Unreadable, too_big};

/// One cell as the rest of the pipeline sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    /// A formula error such as `#DIV/0!`.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, as a statistician would read it on screen.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }

    /// `text`, borrowed where the cell holds text (no copy for the checks that look at every cell).
    pub fn text_cow(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Cell::Text(t) | Cell::Error(t) => std::borrow::Cow::Borrowed(t),
            other => std::borrow::Cow::Owned(other.text()),
        }
    }

    /// `text_cow`, trimmed (as it is read for a header or a value).
    pub fn trimmed_text(&self) -> std::borrow::Cow<'_, str> {
        match self.text_cow() {
            std::borrow::Cow::Borrowed(t) => std::borrow::Cow::Borrowed(t.trim()),
            std::borrow::Cow::Owned(mut t) => {
                // Trimmed in place: a number's or a date's text rarely needs it.
                t.truncate(t.trim_end().len());
                let start = t.len() - t.trim_start().len();
                t.drain(..start);
                std::borrow::Cow::Owned(t)
            }
        }
    }
}

/// A number without a trailing `.0`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

/// One sheet's cells; `rows[r][c]` is the cell at A1-row `r + 1`, column `c`.
#[derive(Debug, Clone)]
pub struct Grid {
    pub sheet: String,
    pub rows: Vec<Vec<Cell>>,
    /// The sheet's merged ranges over more than one row, `[top, left, bottom, right]` 0-based
    /// (xlsx, xls and ods; none for xlsb and csv).
    pub merges: Vec<[u32; 4]>,
    /// Columns the sheet hides (0-based; xlsx, xls and ods): a helper column, such as a
    /// dropdown's list, that the clerk does not see is never a header to rename (W11).
    pub hidden: Vec<u32>,
}

impl Grid {
    /// A sheet's cells, with no merged ranges.
    pub fn new(sheet: String, rows: Vec<Vec<Cell>>) -> Grid {
        Grid { sheet, rows, merges: Vec::new(), hidden: Vec::new() }
    }

    /// The same grid with its merged ranges (those over one row only are dropped: a merge
    /// across columns leaves nothing to fill down).
    pub fn with_merges(mut self, merges: impl IntoIterator<Item = [u32; 4]>) -> Grid {
        self.merges = merges.into_iter().filter(|[top, _, bottom, _]| bottom > top).take(guard::MAX_MERGES).collect();
        self
    }

    pub fn get(&self, row: usize, col: usize) -> &Cell {
        self.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&Cell::Empty)
    }

    /// The cell as it shows: a cell a merged range covers below its first row reads as the
    /// range's first cell, in the range's first column (a value merged down over several rows
    /// belongs to each); other cells as they are.
    pub fn shown(&self, row: usize, col: usize) -> &Cell {
        let cell = self.get(row, col);
        if !cell.is_empty() || self.merges.is_empty() {
            return cell;
        }
        let (r, c) = (row as u32, col as u32);
        match self.merges.iter().find(|[top, left, bottom, _]| *left == c && *top < r && r <= *bottom) {
            Some([top, left, _, _]) => self.get(*top as usize, *left as usize),
            None => cell,
        }
    }
}

/// Sniff the format from the content (and, for text files, the extension).
pub fn sniff(bytes: &[u8], extension: &str) -> Result<Format, Unreadable> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.is_empty() {
        return Err(Unreadable("文件是空的（0 字节），请重新保存后报送".into()));
    }
    if bytes.starts_with(ZIP) {
        return guard::zip_format(bytes);
    }
    if bytes.starts_with(CFB) {
        let utf16 = |s: &str| s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect::<Vec<u8>>();
        let encrypted = utf16("EncryptionInfo");
        if bytes.windows(encrypted.len()).any(|w| w == encrypted.as_slice()) {
            return Err(Unreadable("文件设置了打开密码（已加密），无法读取。请取消密码后重新保存报送".into()));
        }
        return Ok(Format::Xls);
    }
    if extension.eq_ignore_ascii_case("csv") || extension.eq_ignore_ascii_case("txt") {
        return Ok(Format::Csv);
    }
    if extension.is_empty() {
        return Err(Unreadable("文件没有扩展名，内容也不是 Excel/WPS 表格，请用 Excel 或 WPS 另存为 .xlsx 后报送".into()));
    }
    Err(Unreadable(format!(
        "文件内容不是 Excel/WPS 表格（扩展名为 .{extension}，但内容不是表格文件），请用 Excel 或 WPS 另存为 .xlsx 后报送"
    )))
}

/// Read every sheet of a file into grids.
pub fn read_grids(bytes: &[u8], format: Format, limits: &Limits) -> Result<Vec<Grid>, Unreadable> {
    let checked = match format {
        Format::Csv => guard::Checked::default(),
        Format::Xls => guard::Checked { hidden_columns_by_place: guard::check_cfb(bytes, limits)?, ..guard::Checked::default() },
        _ => guard::check_zip(bytes, format, limits)?,
    };
    // calamine should not panic on a file that passed the guard; if it does, that file fails alone
    // (and quietly: the default hook would print a panic message on stderr under cron).
    quiet_panics();
    QUIET.with(|q| q.set(true));
    // A zip's parts are read from what the guard inflated and checked (stored uncompressed),
    // rather than inflated a second time.
    let mut checked = checked;
    let content = checked.unpacked.take().unwrap_or_else(|| bytes.to_vec());
    let result = std::panic::catch_unwind(move || match format {
        Format::Xlsx => read_xlsx(content, limits, &checked),
        Format::Xlsb => read_with::<Xlsb<_>>(content, limits, &checked, |_, _| Vec::new()),
        Format::Ods => read_with::<Ods<_>>(content, limits, &checked, |_, name| checked.merges.get(name).cloned().unwrap_or_default()),
        Format::Xls => read_with::<Xls<_>>(content, limits, &checked, xls_merges),
        Format::Csv => read_csv(&content, limits).map(|g| vec![g]),
    });
    QUIET.with(|q| q.set(false));
    result.unwrap_or_else(|_| Err(Unreadable("文件结构异常，读取时出错，请用 Excel 或 WPS 打开后另存为 .xlsx 再报送".into())))
}

thread_local! {
    /// Set while this thread reads a file under `catch_unwind`: a panic there is reported as one
    /// unreadable file, not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Install (once) a panic hook that stays silent on threads reading a file and prints as usual
/// everywhere else.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                default(info)
            }
        }));
    });
}

/// The text a formula cell without a cached value reads as: validation reports it (E16) at its
/// cell, never as an empty (zero) value.
pub const FORMULA_WITHOUT_VALUE: &str = "#无计算结果 ";

/// Every sheet of a workbook calamine reads whole (xls, xlsb, ods), with its merged ranges
/// (`merges_of`) and the hidden columns the guard found (by name, or for xls by place).
fn read_with<R>(
    bytes: Vec<u8>,
    limits: &Limits,
    checked: &guard::Checked,
    merges_of: impl Fn(&R, &str) -> Vec<[u32; 4]>,
) -> Result<Vec<Grid>, Unreadable>
where
    R: Reader<Cursor<Vec<u8>>>,
    R::Error: std::fmt::Display,
{
    let mut workbook = R::new(Cursor::new(bytes)).map_err(|e| explain(&e.to_string()))?;
    // Each sheet keeps its place among all of them (an xls's hidden columns are found by place).
    let names = worksheets(workbook.sheets_metadata());
    let mut grids = Vec::with_capacity(names.len());
    for (place, name) in names {
        let range = workbook.worksheet_range(&name).map_err(|e| explain(&e.to_string()))?;
        let (height, width) = range.get_size();
        let (top, left) = range.start().unwrap_or((0, 0));
        if top as usize + height > limits.max_rows || left as usize + width > limits.max_columns {
            return Err(too_big(&name, top as usize + height, left as usize + width));
        }
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); top as usize];
        for row in range.rows() {
            let mut cells: Vec<Cell> = vec![Cell::Empty; left as usize];
            cells.extend(row.iter().map(convert));
            while cells.last().is_some_and(Cell::is_empty) {
                cells.pop();
            }
            rows.push(cells);
        }
        // A formula whose value the file does not hold (saved by a program that does not
        // calculate) reads as empty in calamine: such cells are marked, so that they are
        // reported, not summed as nothing. Only sheets the guard saw formulas in are re-read.
        if checked.formula_sheets.contains(&name)
            && let Ok(formulas) = workbook.worksheet_formula(&name)
        {
            for (r, c, formula) in formulas.used_cells() {
                let (Some(fr), Some(fc)) = (formulas.start().map(|s| s.0 as usize + r), formulas.start().map(|s| s.1 as usize + c)) else {
                    continue;
                };
                if formula.trim().is_empty() || fr >= limits.max_rows || fc >= limits.max_columns {
                    continue;
                }
                if rows.len() <= fr {
                    rows.resize(fr + 1, Vec::new());
                }
                let row = &mut rows[fr];
                if row.len() <= fc {
                    row.resize(fc + 1, Cell::Empty);
                }
                if row[fc].is_empty() {
                    row[fc] = Cell::Error(format!("{FORMULA_WITHOUT_VALUE}{formula}"));
                }
            }
        }
        while rows.last().is_some_and(|r| r.is_empty()) {
            rows.pop();
        }
        let merges = merges_of(&workbook, &name);
        let hidden = match checked.hidden_columns.get(&name) {
            Some(hidden) => hidden.clone(),
            None => checked.hidden_columns_by_place.iter().find(|(p, _)| *p == place).map(|(_, h)| h.clone()).unwrap_or_default(),
        };
        grids.push(Grid { hidden, ..Grid::new(name, rows).with_merges(merges) });
    }
    Ok(grids)
}

/// An `.xls` sheet's merged ranges, as calamine read them from its MERGEDCELLS records.
fn xls_merges(workbook: &Xls<Cursor<Vec<u8>>>, name: &str) -> Vec<[u32; 4]> {
    let ranges = workbook.merge_cells_by_sheet_name(name).unwrap_or_default();
    ranges.iter().map(|d| [d.start.0, d.start.1, d.end.0, d.end.1]).collect()
}

/// The worksheets of a workbook, each with its place among all its sheets: a chart sheet holds
/// no cells (and calamine fails to read an xlsb one as a worksheet, which made a whole valid
/// workbook 已损坏), a dialog, macro or VBA sheet no form.
fn worksheets(sheets: &[calamine::Sheet]) -> Vec<(usize, String)> {
    sheets
        .iter()
        .enumerate()
        .filter(|(_, sheet)| sheet.typ == calamine::SheetType::WorkSheet)
        .map(|(place, sheet)| (place, sheet.name.clone()))
        .collect()
}

/// xlsx sheets are read cell by cell as calamine streams them, and each cell's position is
/// checked against the file's limits before it is placed: calamine's `worksheet_range` would
/// first collect the cells and allocate the dense grid of their extent, which is what a far cell
/// turns into an aborted process. So the guard does not scan xlsx sheets (it checks the zip and
/// the declared string count, and notes which parts hold formulas).
fn read_xlsx(bytes: Vec<u8>, limits: &Limits, checked: &guard::Checked) -> Result<Vec<Grid>, Unreadable> {
    let failed = |e: XlsxError| explain(&e.to_string());
    let bytes = if checked.macro_sheets { without_macro_sheets(&bytes).unwrap_or(bytes) } else { bytes };
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(failed)?;
    let names = worksheets(workbook.sheets_metadata());
    let mut grids = Vec::with_capacity(names.len());
    let mut budget = guard::Budget::new(limits);
    for (_, name) in names {
        let mut sheet = Placing { budget: &budget, rows: Vec::new(), extent: (0, 0), over: false };
        match workbook.worksheet_cells_reader(&name) {
            Ok(mut reader) => {
                while let Some(cell) = reader.next_cell().map_err(failed)? {
                    let position = cell.get_position();
                    let value = cell_of(cell.get_value());
                    if !matches!(value, Cell::Empty) {
                        sheet.place(position, value, false);
                    }
                }
            }
            // A chart sheet: no cells (as `worksheet_range` reads it).
            Err(XlsxError::NotAWorksheet(_)) => {}
            Err(e) => return Err(failed(e)),
        }
        sheet.trim_cells();
        // A formula whose value the file does not hold (saved by a program that does not
        // calculate) reads as empty in calamine: such cells are marked, so that they are
        // reported, not summed as nothing. Only sheets the guard saw formulas in are re-read.
        if checked.formula_sheets.contains(&name)
            && let Ok(mut reader) = workbook.worksheet_cells_reader(&name)
        {
            while let Ok(Some(cell)) = reader.next_formula() {
                let formula = cell.get_value();
                if !formula.trim().is_empty() {
                    sheet.place(cell.get_position(), Cell::Error(format!("{FORMULA_WITHOUT_VALUE}{formula}")), true);
                }
            }
        }
        let ((height, width), rows) = sheet.finish();
        // A sheet beyond the limits is refused as the guard refuses one, with its whole extent.
        budget.sheet(&name, height, width)?;
        let merges = checked.merges.get(&name).cloned().unwrap_or_default();
        let hidden = checked.hidden_columns.get(&name).cloned().unwrap_or_default();
        grids.push(Grid { hidden, ..Grid::new(name, rows).with_merges(merges) });
    }
    Ok(grids)
}

/// The same package with its Excel 4.0 macro sheets named as dialog sheets in the workbook's
/// relationships: calamine refuses a whole workbook whose relationships name a sheet type it
/// does not know (`xlMacrosheet`), which made a township's workbook with an old macro sheet
/// 已损坏; as a dialog sheet it is known, and left out with the other sheets that are no
/// worksheet. Every other part is copied as it is. `None` when the package cannot be rewritten.
fn without_macro_sheets(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).ok()?;
        let name = entry.name().ok()?.into_owned();
        if !guard::normalised(&name).ends_with("workbook.xml.rels") {
            out.raw_copy_file(entry).ok()?;
            continue;
        }
        drop(entry);
        let mut text = String::new();
        archive.by_index(index).ok()?.read_to_string(&mut text).ok()?;
        let text = text.replace("/xlMacrosheet\"", "/dialogsheet\"").replace("/xlIntlMacrosheet\"", "/dialogsheet\"");
        out.start_file(name, zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)).ok()?;
        out.write_all(text.as_bytes()).ok()?;
    }
    out.finish().ok().map(Cursor::into_inner)
}

/// One sheet's cells, placed as they stream in.
struct Placing<'b> {
    /// The file's limits, with the cells of its earlier sheets.
    budget: &'b guard::Budget<'b>,
    rows: Vec<Vec<Cell>>,
    /// Rows and columns from A1 to the farthest cell seen, placed or not.
    extent: (u64, u64),
    /// A cell was beyond the limits: the rest are only measured, so that the message gives the
    /// sheet's whole extent, as the guard's did.
    over: bool,
}

impl Placing<'_> {
    /// Place `cell` at `(row, column)`; `if_empty`: only over an empty cell.
    fn place(&mut self, (row, column): (u32, u32), cell: Cell, if_empty: bool) {
        let (row, column) = (row as usize, column as usize);
        self.extent = (self.extent.0.max(row as u64 + 1), self.extent.1.max(column as u64 + 1));
        if !self.budget.fits(self.extent.0, self.extent.1) {
            self.over = true;
            self.rows = Vec::new();
        }
        if self.over {
            return;
        }
        if self.rows.len() <= row {
            self.rows.resize(row + 1, Vec::new());
        }
        let cells = &mut self.rows[row];
        if cells.len() <= column {
            cells.resize(column + 1, Cell::Empty);
        }
        if !if_empty || cells[column].is_empty() {
            cells[column] = cell;
        }
    }

    /// Drop each row's trailing empty cells.
    fn trim_cells(&mut self) {
        for cells in &mut self.rows {
            while cells.last().is_some_and(Cell::is_empty) {
                cells.pop();
            }
        }
    }

    /// The sheet's extent, and its rows (trailing empty rows dropped; none once over the limits).
    fn finish(mut self) -> ((u64, u64), Vec<Vec<Cell>>) {
        while self.rows.last().is_some_and(|r| r.is_empty()) {
            self.rows.pop();
        }
        (self.extent, self.rows)
    }
}

/// A streamed xlsx value as a cell.
fn cell_of(value: &DataRef) -> Cell {
    match value {
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text(s.to_string()),
        DataRef::Empty => Cell::Empty,
        other => convert(&Data::from(other.clone())),
    }
}

fn explain(message: &str) -> Unreadable {
    let lower = message.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        Unreadable("文件设置了密码或工作簿保护，无法读取。请取消密码后重新保存报送".into())
    } else {
        Unreadable(format!("文件已损坏或格式不完整，无法读取（{message}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再报送"))
    }
}

fn convert(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            excel_serial_to_date(serial).map(Cell::Date).unwrap_or(Cell::Number(serial))
        }
        Data::DateTimeIso(s) => {
            NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").map(Cell::Date).unwrap_or_else(|_| Cell::Text(s.clone()))
        }
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e}")),
    }
}

/// Excel's 1900 date system: serial 1 is 1900-01-01 (with the 1900 leap-year bug), 45382 is 2024-03-31.
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

/// CSV in UTF-8 (with or without BOM) or GBK/GB18030. Bytes that are neither are refused rather
/// than decoded into mojibake. The same size limits as for workbooks apply (a file of commas is
/// millions of cells).
fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Grid, Unreadable> {
    let text = decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells_total: u64 = 0;
    for record in reader.records() {
        let record = record.map_err(|e| Unreadable(format!("CSV 格式错误：{e}")))?;
        // Width up to the last non-empty field (trailing empty fields are dropped below anyway).
        let width = (0..record.len()).rev().find(|i| !record[*i].trim().is_empty()).map_or(0, |p| p + 1);
        cells_total += width as u64;
        if rows.len() >= limits.max_rows || width > limits.max_columns || cells_total > limits.max_cells {
            return Err(too_big("CSV", rows.len() + 1, width));
        }
        let mut cells: Vec<Cell> =
            record.iter().take(width).map(|s| if s.trim().is_empty() { Cell::Empty } else { Cell::Text(s.to_string()) }).collect();
        while cells.last().is_some_and(Cell::is_empty) {
            cells.pop();
        }
        rows.push(cells);
    }
    Ok(Grid::new("CSV".into(), rows))
}

/// Decode a text file: UTF-8 (BOM optional), UTF-16 with BOM, else GB18030 (a superset of GBK).
pub fn decode_text(bytes: &[u8]) -> Result<String, Unreadable> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom..]);
        if had_errors {
            return Err(Unreadable(format!("文件声明为 {} 编码，但内容有无法解码的字节", encoding.name())));
        }
        return Ok(text.into_owned());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(Unreadable("CSV 文件既不是 UTF-8 也不是 GBK 编码，无法识别。请用 Excel 或 WPS 另存为 .xlsx 后报送".into()));
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serials_become_dates() {
        assert_eq!(excel_serial_to_date(45382.0), NaiveDate::from_ymd_opt(2024, 3, 31));
        assert_eq!(excel_serial_to_date(-1.0), None);
    }

    #[test]
    fn gbk_and_utf8_csv_decode_to_the_same_text() {
        let (gbk, _, _) = encoding_rs::GBK.encode("村（社区）,耕地面积（亩）\n荆竹村,1234");
        assert_eq!(decode_text(&gbk).unwrap(), "村（社区）,耕地面积（亩）\n荆竹村,1234");
        let mut utf8 = vec![0xEF, 0xBB, 0xBF];
        utf8.extend_from_slice("荆竹村".as_bytes());
        assert_eq!(decode_text(&utf8).unwrap(), "荆竹村");
    }

    #[test]
    fn binary_noise_is_refused_not_guessed() {
        assert!(decode_text(&[0x81, 0xFF, 0xFF]).is_err());
    }

    #[test]
    fn xlsx_cells_beyond_the_limits_are_refused_before_they_are_placed() {
        use crate::ingest::guard::tests::two_tab_workbook;
        let limits = Limits::default();
        let far = r#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="900000"><c r="B900000"><v>1</v></c></row></sheetData></worksheet>"#;
        let message = read_grids(&two_tab_workbook(far), Format::Xlsx, &limits).unwrap_err().0;
        assert!(message.contains("工作表“粮食&耕地”") && message.contains("900000 行 × 2 列"), "{message}");
        // Within the limits, cells land at their positions; a formula without a value is marked.
        let near = r#"<worksheet><sheetData><row r="2"><c r="C2"><v>7</v></c><c r="D2"><f>1+1</f></c></row></sheetData></worksheet>"#;
        let grids = read_grids(&two_tab_workbook(near), Format::Xlsx, &limits).unwrap();
        assert_eq!(grids[1].sheet, "粮食&耕地");
        assert_eq!(grids[1].get(1, 2), &Cell::Number(7.0));
        assert_eq!(grids[1].get(1, 3), &Cell::Error(format!("{FORMULA_WITHOUT_VALUE}1+1")));
        assert_eq!(grids[1].rows.len(), 2);
        // A formula without a value is a cell too: far away, it is refused like any far cell.
        let far_formula = r#"<worksheet><sheetData><row r="900000"><c r="B900000"><f>1+1</f></c></row></sheetData></worksheet>"#;
        let message = read_grids(&two_tab_workbook(far_formula), Format::Xlsx, &limits).unwrap_err().0;
        assert!(message.contains("900000 行 × 2 列"), "{message}");
        // The cells of all sheets count against the file's limit.
        let wide = r#"<worksheet><sheetData><row r="5000"><c r="CV5000"><v>1</v></c></row></sheetData></worksheet>"#;
        let small = Limits { max_cells: 400_000, ..Limits::default() };
        let message = read_grids(&two_tab_workbook(wide), Format::Xlsx, &small).unwrap_err().0;
        assert!(message.contains("500001 个单元格"), "{message}");
    }

    #[test]
    fn sniffing_ignores_the_extension_of_workbooks() {
        assert!(sniff(b"hello world", "xlsx").is_err());
        assert!(sniff(b"", "xlsx").is_err());
        assert_eq!(sniff("a,b\n".as_bytes(), "csv"), Ok(Format::Csv));
    }
}
