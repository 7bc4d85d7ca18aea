//! Fonts, colours and number formats shared by every workbook the tool writes, and the
//! deterministic document properties that make re-runs byte-identical.

use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use crate::period::Period;
use crate::text::display_width;

/// A serif CJK font present on Windows and in WPS.
pub const FONT: &str = "宋体";
pub const TITLE_FONT: &str = "黑体";

pub const GREEN: u32 = 0xC6EFCE;
pub const GREEN_TEXT: u32 = 0x006100;
pub const YELLOW: u32 = 0xFFEB9C;
pub const YELLOW_TEXT: u32 = 0x9C5700;
pub const RED: u32 = 0xFFC7CE;
pub const RED_TEXT: u32 = 0x9C0006;
pub const HEADER_FILL: u32 = 0xDDEBF7;

pub fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_size(11)
}

pub fn title() -> Format {
    Format::new()
        .set_font_name(TITLE_FONT)
        .set_font_size(16)
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
}

pub fn subtitle() -> Format {
    base().set_align(FormatAlign::Left).set_align(FormatAlign::VerticalCenter)
}

pub fn header() -> Format {
    base()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(HEADER_FILL))
}

pub fn cell() -> Format {
    base().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter)
}

pub fn text_cell() -> Format {
    cell().set_text_wrap()
}

/// A number format with `decimals` places.
pub fn number(decimals: u8) -> Format {
    let pattern = if decimals == 0 { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(decimals as usize)) };
    cell().set_num_format(pattern)
}

/// A number shown red with its minus sign when negative (a year-to-date figure that went down).
pub fn number_red_negative(decimals: u8) -> Format {
    let pattern = if decimals == 0 { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(decimals as usize)) };
    cell().set_num_format(format!("{pattern};[Red]-{pattern}"))
}

/// A number that includes carried values (沿用上月数): the same format followed by ※ (still a
/// number for the reader's sums), explained in the sheet's notes.
pub fn number_carried(decimals: u8) -> Format {
    let pattern = if decimals == 0 { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(decimals as usize)) };
    cell().set_num_format(format!("{pattern}\"※\""))
}

/// A number followed by a fixed text, e.g. `4,200（暂定）`.
pub fn number_suffixed(decimals: u8, suffix: &str) -> Format {
    let pattern = if decimals == 0 { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(decimals as usize)) };
    cell().set_num_format(format!("{pattern}\"{suffix}\""))
}

/// A change with its sign and unit, e.g. `+2.3个百分点`.
pub fn signed_number(decimals: u8, suffix: &str) -> Format {
    let pattern = if decimals == 0 { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(decimals as usize)) };
    cell().set_num_format(format!("+{pattern}\"{suffix}\";-{pattern}\"{suffix}\";0\"{suffix}\""))
}

/// A margin to a line: `高于底线8,666.0亩` for a positive value, `低于底线120.0亩` for a negative.
pub fn margin(above: &str, below: &str, decimals: u8, unit: &str) -> Format {
    let pattern = if decimals == 0 { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(decimals as usize)) };
    cell().set_num_format(format!("\"{above}\"{pattern}\"{unit}\";\"{below}\"{pattern}\"{unit}\";\"恰在线上\""))
}

pub fn percent() -> Format {
    cell().set_num_format("0.0%")
}

/// Fixed document properties: the creation time is the period's last day, so that the same
/// inputs give the same bytes.
pub fn properties(period: Period, title: &str, author: &str) -> DocProperties {
    let end = period.end();
    use chrono::Datelike;
    let created = ExcelDateTime::from_ymd(end.year() as u16, end.month() as u8, end.day() as u8)
        .and_then(|d| d.and_hms(18, 0, 0))
        .expect("valid date");
    DocProperties::new().set_title(title).set_author(author).set_company(author).set_creation_datetime(&created)
}

/// Column width in Excel units for the widest of `texts`, CJK counted double, within bounds.
pub fn width_for<'a>(texts: impl IntoIterator<Item = &'a str>, min: f64, max: f64) -> f64 {
    let widest = texts.into_iter().map(|t| t.lines().map(display_width).max().unwrap_or(0)).max().unwrap_or(0);
    ((widest as f64) * 1.1 + 2.0).clamp(min, max)
}

/// A4 landscape, one page wide, title rows repeated, 第 N 页 共 M 页 in the footer.
pub fn print_setup(sheet: &mut Worksheet, header_text: &str, repeat_last_row: u32) {
    print_setup_repeating(sheet, header_text, 0, repeat_last_row);
}

/// `print_setup` repeating rows `first..=last` on every page (a table's header without the
/// text above it).
pub fn print_setup_repeating(sheet: &mut Worksheet, header_text: &str, first: u32, last: u32) {
    sheet.set_paper_size(9).set_landscape().set_print_fit_to_pages(1, 0).set_print_center_horizontally(true);
    sheet.set_margins(0.5, 0.5, 0.7, 0.7, 0.3, 0.3);
    let _ = sheet.set_repeat_rows(first, last);
    sheet.set_header(page_header(header_text));
    sheet.set_footer("&C&9&\"宋体,常规\"第 &P 页 共 &N 页");
}

/// The page header showing `text` (centred, 宋体 9 pt), shortened with `…` to Excel's limit of
/// 255 characters: a file's or sheet's name in it may be of any length (a 40,000-character
/// sheet name made rust_xlsxwriter drop the header and print a warning into cron's log).
pub fn page_header(text: &str) -> String {
    const LIMIT: usize = 255;
    // The size before the font: digits right after `&9` would be read as part of the size
    // (`&92024-06/…` showed as `-06/…`).
    let mut header = String::from("&C&9&\"宋体,常规\"");
    // Each character as written (`&` is doubled), counted as Excel counts: in UTF-16 units.
    let width = |c: char| if c == '&' { 2 } else { c.len_utf16() };
    let left = LIMIT - header.encode_utf16().count();
    let whole = text.chars().map(width).sum::<usize>() <= left;
    let room = if whole { left } else { left - 1 }; // room for the `…`
    let mut used = 0;
    for c in text.chars() {
        if used + width(c) > room {
            header.push('…');
            break;
        }
        used += width(c);
        header.push(c);
        if c == '&' {
            header.push('&');
        }
    }
    header
}

/// Row height (points) that shows every wrapped text of a row: `cells` are (text, column width).
pub fn fit_height(cells: &[(&str, f64)]) -> f64 {
    let lines = cells.iter().map(|(text, width)| wrapped_lines(text, *width)).max().unwrap_or(1);
    height_of_lines(lines)
}

/// Lines a text takes when wrapped in a column `width` characters wide.
pub fn wrapped_lines(text: &str, width: f64) -> usize {
    let per_line = (width - 1.0).max(2.0).floor() as usize;
    text.lines().map(|l| display_width(l).div_ceil(per_line.max(1)).max(1)).sum::<usize>().max(1)
}

/// Row height (points) for `lines` lines of text, within Excel's limit of 409 points. A line of
/// 11-point Chinese text takes about 16 points in LibreOffice and WPS (their CJK fonts have more
/// leading than Excel's 宋体 at 14.25): at 14.5 a seven-line 通报 on 总览 lost its last line under
/// the next row. Excel shows a little more space; nothing is cut anywhere.
/// Rounded up to whole pixels (0.75 point): a workbook stores heights in pixels, and 115 points
/// read back as 114.75 would be a quarter point short.
pub fn height_of_lines(lines: usize) -> f64 {
    (((lines as f64 * 16.0 + 3.0) / 0.75).ceil() * 0.75).clamp(18.0, 408.75)
}

/// Excel's limit on the text of one cell, in characters.
const MAX_CELL_CHARS: usize = 32_767;

/// Text from an input made safe for a cell: control characters (which XML cannot hold) become
/// spaces, and a text longer than Excel allows is cut with a mark. The original stays in
/// issues.csv.
pub fn cell_text(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && !matches!(c, '\n' | '\t');
    let too_long = text.len() > MAX_CELL_CHARS && text.chars().count() > MAX_CELL_CHARS;
    if !too_long && !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mark = "…（过长，已截断）";
    let keep = if too_long { MAX_CELL_CHARS - mark.chars().count() } else { usize::MAX };
    let mut out: String = text.chars().take(keep).map(|c| if unsafe_char(c) { ' ' } else { c }).collect();
    if too_long {
        out.push_str(mark);
    }
    std::borrow::Cow::Owned(out)
}

/// Writing text that may come from an input: always through `cell_text`.
pub trait WriteText {
    fn text(&mut self, row: u32, col: u16, text: impl AsRef<str>, format: &Format) -> Result<&mut Worksheet, XlsxError>;

    /// `text` without a format, for a block formatted afterwards by `ColumnFormats`.
    fn plain_text(&mut self, row: u32, col: u16, text: impl AsRef<str>) -> Result<&mut Worksheet, XlsxError>;
}

impl WriteText for Worksheet {
    fn text(&mut self, row: u32, col: u16, text: impl AsRef<str>, format: &Format) -> Result<&mut Worksheet, XlsxError> {
        self.write_string_with_format(row, col, cell_text(text.as_ref()).as_ref(), format)
    }

    fn plain_text(&mut self, row: u32, col: u16, text: impl AsRef<str>) -> Result<&mut Worksheet, XlsxError> {
        self.write_string(row, col, cell_text(text.as_ref()).as_ref())
    }
}

/// The formats of a long table's cells, set after its cells are written without one, column by
/// column over runs of rows that share a format. rust_xlsxwriter looks a format up (hashing
/// and comparing the whole `Format`) for every cell written with one, most of the cost of a
/// sheet of 46,000 rows; `set_range_format` looks it up once per run. The result is the same
/// cells with the same formats. Cells must be written before `set`'s later rows or `finish`
/// apply their formats (writing a cell again replaces its format).
pub struct ColumnFormats {
    formats: Vec<Format>,
    /// Per column: the run being built (first row, last row, format).
    runs: Vec<Option<(u32, u32, usize)>>,
}

impl ColumnFormats {
    /// `formats` are referred to by their index in `set`.
    pub fn new(formats: Vec<Format>) -> ColumnFormats {
        ColumnFormats { formats, runs: Vec::new() }
    }

    /// Write text (through `cell_text`, as `WriteText::text`) with format `format`.
    pub fn text(&mut self, sheet: &mut Worksheet, row: u32, col: u16, text: &str, format: usize) -> Result<(), XlsxError> {
        sheet.plain_text(row, col, text)?;
        self.set(sheet, row, col, format)
    }

    /// Write a number with format `format`.
    pub fn number(&mut self, sheet: &mut Worksheet, row: u32, col: u16, value: f64, format: usize) -> Result<(), XlsxError> {
        sheet.write_number(row, col, value)?;
        self.set(sheet, row, col, format)
    }

    /// Cell (`row`, `col`) has format `format` (an index into the formats given to `new`); a
    /// cell not written is a blank one with that format.
    pub fn set(&mut self, sheet: &mut Worksheet, row: u32, col: u16, format: usize) -> Result<(), XlsxError> {
        let c = col as usize;
        if self.runs.len() <= c {
            self.runs.resize(c + 1, None);
        }
        match self.runs[c] {
            Some((first, last, f)) if f == format && last + 1 == row => self.runs[c] = Some((first, row, f)),
            _ => {
                self.flush(sheet, col)?;
                self.runs[c] = Some((row, row, format));
            }
        }
        Ok(())
    }

    fn flush(&mut self, sheet: &mut Worksheet, col: u16) -> Result<(), XlsxError> {
        if let Some((first, last, f)) = self.runs[col as usize].take() {
            sheet.set_range_format(first, col, last, col, &self.formats[f])?;
        }
        Ok(())
    }

    /// Apply the runs still open (after the table's last cells are written).
    pub fn finish(mut self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        for col in 0..self.runs.len() {
            self.flush(sheet, col as u16)?;
        }
        Ok(())
    }
}

/// A sheet name made from an input's text that Excel accepts: no `[]:*?/\` or control
/// characters, no leading or trailing `'`, at most 31 characters, not empty, and unique in the
/// workbook regardless of case (`used` holds the lower-cased names taken).
pub fn sheet_name(text: &str, used: &mut std::collections::BTreeSet<String>) -> String {
    let clean: String = text.chars().map(|c| if "[]:*?/\\".contains(c) || c.is_control() { '_' } else { c }).collect();
    let clean = clean.trim().trim_matches('\'').trim();
    // 28 UTF-16 units (Excel counts those; a rare CJK character outside the BMP takes two),
    // leaving room for a number that keeps the name unique.
    let mut units = 0;
    let clean: String = if clean.is_empty() {
        "工作表".to_string()
    } else {
        clean
            .chars()
            .take_while(|c| {
                units += c.len_utf16();
                units <= 28
            })
            .collect()
    };
    let clean = clean.trim_end_matches('\'').to_string();
    let mut name = clean.clone();
    let mut n = 2;
    while !used.insert(name.to_lowercase()) {
        name = format!("{clean}{n}");
        n += 1;
    }
    name
}
