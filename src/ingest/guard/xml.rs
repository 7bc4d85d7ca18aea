//! The XML parts of xlsx and ods, read with quick-xml configured as calamine configures it:
//! declared shared-string counts, cell extents (`r` attributes or counted rows and cells), ods
//! repeats of non-empty cells, and whether a part may hold formulas; and what calamine does not
//! read of a sheet's layout: xlsx and ods merged ranges and hidden columns.

use std::io::Read;

use super::inflate::Inflating;
use super::{Budget, Limits, ScanError};

/// What an XML entry declares and places.
#[derive(Debug, Default, PartialEq)]
pub(super) struct XmlFound {
    /// Largest `uniqueCount` of an `<sst>` element.
    pub(super) unique_count: u64,
    /// Extent of the cells with content (xlsx), from A1.
    pub(super) rows: u64,
    pub(super) columns: u64,
    /// The part holds formulas (`<f>`): its cached values must be checked.
    pub(super) formulas: bool,
    /// The merged ranges and hidden columns of each ods table (`table:table`) that has any.
    pub(super) ods_layouts: Vec<OdsLayout>,
}

/// What calamine does not read of an ods table's layout (it reads only the cells): the ranges
/// its cells span (`table:number-rows-spanned`, `table:number-columns-spanned`) and its
/// collapsed columns (`table:table-column table:visibility="collapse"`).
#[derive(Debug, Default, PartialEq)]
pub(super) struct OdsLayout {
    /// The table's name (`table:name`), calamine's sheet name.
    pub(super) name: String,
    /// `[top, left, bottom, right]`, 0-based, at most `MAX_MERGES`.
    pub(super) merges: Vec<[u32; 4]>,
    /// 0-based, below the file's column limit.
    pub(super) hidden: Vec<u32>,
}

/// Most hidden columns kept of one file, over its sheets: a township workbook hides a few.
pub(crate) const MAX_HIDDEN_COLUMNS: usize = 65_536;

/// An XML reader configured as calamine configures its readers, so that the guard sees exactly
/// the elements calamine will see.
pub(super) fn xml_reader<R>(input: R) -> quick_xml::Reader<R> {
    let mut reader = quick_xml::Reader::from_reader(input);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    // calamine expands `<x/>` into a start and an end; kept apart here because an empty ods
    // cell is not a valued one (and expanded in `XmlScanner::event`).
    config.expand_empty_elements = false;
    reader
}

/// Scan an XML entry read whole (no copy of its events).
pub(super) fn scan_xml_slice(xml: &[u8], budget: &mut Budget) -> Result<XmlFound, ScanError> {
    let mut reader = xml_reader(xml);
    let mut scanner = XmlScanner::default();
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event();
        if !scanner.event(event, || reader.buffer_position() > before, budget)? {
            break;
        }
    }
    scanner.finish(budget)
}

/// The `uniqueCount` of an xlsx part's first `<sst>` (0 without one): the only count calamine
/// reserves strings for. Its `read_shared_strings` reads events up to the first `sst` start
/// (an empty `<sst/>` is a start to it: it expands empty elements), reserves, and from then on
/// looks only at `<si>` elements and the end of `sst`. So the rest of the part is not parsed
/// here: at province scale the shared strings are a sixth of every workbook's XML.
pub(super) fn first_sst_count(xml: &[u8]) -> u64 {
    use quick_xml::events::Event;
    let mut reader = xml_reader(xml);
    loop {
        let before = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if Element::of(e.name()) == Element::Sst => {
                return attribute(e.attributes_raw().as_bytes(), "uniqueCount").map(digits_value).unwrap_or(0);
            }
            Ok(Event::Eof) => return 0,
            // After a syntax error calamine stops; reading on where possible sees only more.
            Err(_) if reader.buffer_position() <= before => return 0,
            _ => {}
        }
    }
}

/// Scan an XML entry as it streams in: no event may buffer more than the limit.
pub(super) fn scan_xml<R: Read>(input: &mut Inflating<R>, budget: &mut Budget) -> Result<XmlFound, ScanError> {
    let mut reader = xml_reader(&mut *input);
    let mut scanner = XmlScanner::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let before = reader.buffer_position();
        let event = reader.read_event_into(&mut buf);
        let source = reader.get_mut();
        let overlong = source.event > source.max_event;
        source.event = 0;
        if let Some(failure) = source.failure.take() {
            // An overlong event in a part that is also over the file's limit is a bomb: that is
            // what the township is told.
            drop(reader);
            if overlong {
                input.max_event = u64::MAX;
                input.each_chunk(|_| Ok(()))?;
            }
            return Err(failure);
        }
        if !scanner.event(event, || reader.buffer_position() > before, budget)? {
            break;
        }
    }
    drop(reader);
    input.each_chunk(|_| Ok(()))?;
    scanner.finish(budget)
}

/// Whether XML text may hold a formula element (`<f>`, `<x:f …>`): over-approximated from the
/// bytes, since a false yes costs only a second read of the sheet's formulas.
pub(super) fn may_hold_formulas(xml: &[u8]) -> bool {
    memchr::memchr_iter(b'f', xml).any(|at| {
        at > 0 && matches!(xml[at - 1], b'<' | b':') && matches!(xml.get(at + 1), Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'))
    })
}

/// Most merged ranges kept of one sheet: a workbook has a few; more are not a form's.
pub(crate) const MAX_MERGES: usize = 10_000;

/// The merged ranges an xlsx sheet part declares (`<mergeCell ref="A4:A6"/>`), as 0-based
/// `[top, left, bottom, right]`; refs that do not read as a range are skipped, and at most
/// `MAX_MERGES` are kept.
pub(crate) fn merged_ranges(xml: &[u8]) -> Vec<[u32; 4]> {
    let mut ranges = Vec::new();
    for at in memchr::memmem::find_iter(xml, b"mergeCell") {
        // `<mergeCell ` or `<x:mergeCell `, not `<mergeCells`.
        let rest = &xml[at + b"mergeCell".len()..];
        if at == 0 || !matches!(xml[at - 1], b'<' | b':') || !matches!(rest.first(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            continue;
        }
        let element = &rest[..memchr::memchr(b'>', rest).unwrap_or(rest.len())];
        let Some(start) = memchr::memmem::find(element, b"ref=").map(|r| r + 4) else { continue };
        let Some(&quote) = element.get(start).filter(|q| matches!(q, b'"' | b'\'')) else { continue };
        let value = &element[start + 1..];
        let Some(end) = memchr::memchr(quote, value) else { continue };
        if let Some(range) = std::str::from_utf8(&value[..end]).ok().and_then(parse_range) {
            ranges.push(range);
            if ranges.len() >= MAX_MERGES {
                break;
            }
        }
    }
    ranges
}

/// The hidden columns an xlsx sheet part declares (`<col min="6" max="7" hidden="1"/>`), 0-based,
/// at most Excel's 16,384.
pub(crate) fn hidden_columns(xml: &[u8]) -> Vec<u32> {
    let mut hidden = Vec::new();
    for at in memchr::memmem::find_iter(xml, b"col") {
        // `<col ` or `<x:col `, not `<cols` or `<colBreaks`.
        let rest = &xml[at + 3..];
        if at == 0 || !matches!(xml[at - 1], b'<' | b':') || !matches!(rest.first(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            continue;
        }
        let element = &rest[..memchr::memchr(b'>', rest).unwrap_or(rest.len())];
        let value = |key: &str| attribute(element, key).and_then(|v| std::str::from_utf8(v).ok());
        if !matches!(value("hidden"), Some("1" | "true")) {
            continue;
        }
        let (Some(min), Some(max)) = (value("min").and_then(|v| v.parse::<u32>().ok()), value("max").and_then(|v| v.parse::<u32>().ok()))
        else {
            continue;
        };
        for column in min.max(1)..=max.min(16_384) {
            hidden.push(column - 1);
        }
        if hidden.len() >= 16_384 {
            break;
        }
    }
    hidden
}

/// `A4:B6` as 0-based `[top, left, bottom, right]`.
fn parse_range(text: &str) -> Option<[u32; 4]> {
    let (from, to) = text.split_once(':')?;
    let cell = |a1: &str| -> Option<(u32, u32)> {
        let letters = a1.bytes().take_while(u8::is_ascii_alphabetic).count();
        if letters == 0 || letters > 3 {
            return None;
        }
        let column = a1[..letters].bytes().try_fold(0u32, |c, b| Some(c * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1))? - 1;
        let row: u32 = a1[letters..].parse().ok().filter(|r| *r >= 1)?;
        Some((row - 1, column))
    };
    let ((top, left), (bottom, right)) = (cell(from)?, cell(to)?);
    (top <= bottom && left <= right).then_some([top, left, bottom, right])
}

/// calamine's placement of cells, followed over the elements of one XML entry.
#[derive(Default)]
pub(super) struct XmlScanner {
    pub(super) found: XmlFound,
    // xlsx cell placement (calamine's `XlsxCellReader::next_cell`)
    pub(super) row_index: u64,
    pub(super) col_index: u64,
    /// Position of the `<c>` being read, and whether it has a child (a value) yet.
    pub(super) open_cell: Option<(u64, u64)>,
    // ods placement (calamine's `read_table` / `read_row`)
    pub(super) ods: OdsTable,
    pub(super) ods_row: Option<OdsRow>,
    /// Merged ranges and hidden columns kept so far, over the entry's tables.
    pub(super) ods_merges: usize,
    pub(super) ods_hidden: usize,
}

#[derive(Default)]
pub(super) struct OdsTable {
    pub(super) open: bool,
    /// Rows so far, counting repeats.
    pub(super) row_position: u64,
    /// Rows up to the last non-empty row, and the widest non-empty row.
    pub(super) rows: u64,
    pub(super) columns: u64,
    /// Columns declared so far (`table:table-column`, counting repeats).
    pub(super) column_position: u64,
    /// The table's name, merged ranges and hidden columns.
    pub(super) layout: OdsLayout,
}

pub(super) struct OdsRow {
    pub(super) repeats: u64,
    pub(super) column: u64,
    pub(super) width: u64,
}

impl XmlScanner {
    /// Follow one event; `false` at the end of the entry. After a syntax error the reader goes
    /// on where it can (calamine stops there, so reading on can only see more), unless it made
    /// no progress (`moved`).
    pub(super) fn event(
        &mut self,
        event: quick_xml::Result<quick_xml::events::Event>,
        moved: impl FnOnce() -> bool,
        budget: &mut Budget,
    ) -> Result<bool, ScanError> {
        use quick_xml::events::Event;
        match event {
            Ok(Event::Start(e)) => self.start(Element::of(e.name()), e.attributes_raw().as_bytes(), false, budget)?,
            Ok(Event::Empty(e)) => {
                let element = Element::of(e.name());
                self.start(element, e.attributes_raw().as_bytes(), true, budget)?;
                self.end(element, budget)?;
            }
            Ok(Event::End(e)) => self.end(Element::of(e.name()), budget)?,
            Ok(Event::Eof) => return Ok(false),
            Ok(_) => {}
            Err(_) => return Ok(moved()),
        }
        Ok(true)
    }

    pub(super) fn finish(mut self, budget: &mut Budget) -> Result<XmlFound, ScanError> {
        self.close_table(budget)?;
        Ok(self.found)
    }

    pub(super) fn start(&mut self, element: Element, attributes: &[u8], empty: bool, budget: &mut Budget) -> Result<(), ScanError> {
        // Any element inside a `<c>` is its value: the cell counts.
        if let Some((row, col)) = self.open_cell.take() {
            self.note_cell(row, col);
        }
        match element {
            Element::F => self.found.formulas = true,
            Element::Sst => {
                if let Some(value) = attribute(attributes, "uniqueCount") {
                    self.found.unique_count = self.found.unique_count.max(digits_value(value));
                }
            }
            Element::Row => {
                if let Some((row, _)) = attribute(attributes, "r").and_then(parse_reference) {
                    self.row_index = row.saturating_sub(1);
                }
            }
            Element::C => {
                let position = match attribute(attributes, "r").and_then(parse_reference) {
                    Some((row, Some(col))) if row > 0 && col > 0 => {
                        self.col_index = col - 1;
                        (row - 1, col - 1)
                    }
                    _ => (self.row_index, self.col_index),
                };
                self.open_cell = Some(position);
            }
            Element::Table => {
                self.close_table(budget)?;
                let name = attribute(attributes, "table:name").map(attribute_text).unwrap_or_default();
                self.ods = OdsTable { open: true, layout: OdsLayout { name, ..OdsLayout::default() }, ..OdsTable::default() };
            }
            Element::TableColumn => self.ods_column(attributes, budget.limits),
            Element::TableRow => {
                let repeats = attribute(attributes, "number-rows-repeated").map(|v| digits_value(&unescape_digits(v))).unwrap_or(1);
                self.ods_row = Some(OdsRow { repeats, column: 0, width: 0 });
            }
            Element::TableCell => {
                if let Some(row) = self.ods_row.as_mut() {
                    let repeats = attribute(attributes, "number-columns-repeated").map(|v| digits_value(&unescape_digits(v))).unwrap_or(1);
                    let (top, left) = (self.ods.row_position, row.column);
                    row.column = row.column.saturating_add(repeats);
                    // A cell with a value attribute or any content (`<text:p>`) is not empty.
                    let valued = ["value", "string-value", "date-value", "time-value", "boolean-value", "formula"]
                        .iter()
                        .any(|k| attribute(attributes, k).is_some());
                    if valued || !empty {
                        row.width = row.column;
                    }
                    self.ods_span(attributes, (top, left), budget.limits);
                }
            }
            Element::Other => {}
        }
        Ok(())
    }

    pub(super) fn end(&mut self, element: Element, budget: &mut Budget) -> Result<(), ScanError> {
        match element {
            Element::C => {
                self.open_cell = None;
                self.col_index = self.col_index.saturating_add(1);
            }
            Element::Row => {
                self.row_index = self.row_index.saturating_add(1);
                self.col_index = 0;
            }
            Element::TableRow => {
                if let Some(row) = self.ods_row.take() {
                    self.ods.row_position = self.ods.row_position.saturating_add(row.repeats);
                    if row.width > 0 {
                        self.ods.rows = self.ods.row_position;
                        self.ods.columns = self.ods.columns.max(row.width);
                        // Each non-empty row is expanded `repeats` times: stop at the first absurd one.
                        let limits = budget.limits;
                        if self.ods.rows > limits.max_rows as u64 || self.ods.columns > limits.max_columns as u64 {
                            let sheet = Some(self.ods.layout.name.clone()).filter(|n| !n.is_empty());
                            return Err(ScanError::TooBig { rows: self.ods.rows, columns: self.ods.columns, sheet });
                        }
                    }
                }
            }
            Element::Table => self.close_table(budget)?,
            _ => {}
        }
        Ok(())
    }

    pub(super) fn close_table(&mut self, budget: &mut Budget) -> Result<(), ScanError> {
        if self.ods.open {
            self.ods.open = false;
            let layout = std::mem::take(&mut self.ods.layout);
            if self.ods.rows > 0 {
                budget.sheet(if layout.name.is_empty() { "content.xml" } else { &layout.name }, self.ods.rows, self.ods.columns)?;
            }
            if !layout.merges.is_empty() || !layout.hidden.is_empty() {
                self.found.ods_layouts.push(layout);
            }
        }
        Ok(())
    }

    /// An ods cell at `(top, left)` that spans more than itself: its range, cut at the file's
    /// limits (a table cannot hold cells beyond them), at most `MAX_MERGES` per table and file.
    fn ods_span(&mut self, attributes: &[u8], (top, left): (u64, u64), limits: &Limits) {
        let (rows, columns) =
            (count_attribute(attributes, "table:number-rows-spanned"), count_attribute(attributes, "table:number-columns-spanned"));
        let (max_rows, max_columns) = (limits.max_rows as u64, limits.max_columns as u64);
        if rows <= 1 && columns <= 1 || top >= max_rows || left >= max_columns || self.ods_merges >= MAX_MERGES {
            return;
        }
        let bottom = top.saturating_add(rows.max(1) - 1).min(max_rows - 1);
        let right = left.saturating_add(columns.max(1) - 1).min(max_columns - 1);
        // Within the limits, which are far below u32::MAX.
        self.ods.layout.merges.push([top, left, bottom, right].map(|v| v as u32));
        self.ods_merges += 1;
    }

    /// An ods column declaration (`table:table-column`, repeated or not): its columns, hidden when
    /// collapsed, below the file's column limit, at most `MAX_HIDDEN_COLUMNS` per file.
    fn ods_column(&mut self, attributes: &[u8], limits: &Limits) {
        if !self.ods.open {
            return;
        }
        let repeats = count_attribute(attributes, "table:number-columns-repeated");
        let first = self.ods.column_position;
        self.ods.column_position = first.saturating_add(repeats);
        if attribute(attributes, "table:visibility") != Some(b"collapse") {
            return;
        }
        for column in first..self.ods.column_position.min(limits.max_columns as u64) {
            if self.ods_hidden >= MAX_HIDDEN_COLUMNS {
                return;
            }
            self.ods.layout.hidden.push(column as u32);
            self.ods_hidden += 1;
        }
    }

    pub(super) fn note_cell(&mut self, row: u64, col: u64) {
        self.found.rows = self.found.rows.max(row.saturating_add(1));
        self.found.columns = self.found.columns.max(col.saturating_add(1));
    }
}

/// The elements the scanner acts on, named as calamine matches them: xlsx elements by local
/// name (after the first `:`, quick-xml's `local_name`), ods elements by their full name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Element {
    Sst,
    F,
    Row,
    C,
    Table,
    TableRow,
    /// `table:table-cell` or `table:covered-table-cell`.
    TableCell,
    /// `table:table-column`: a column's (or repeated columns') declaration.
    TableColumn,
    Other,
}

impl Element {
    pub(super) fn of(name: quick_xml::name::QName) -> Element {
        match name.as_ref() {
            "table:table" => Element::Table,
            "table:table-row" => Element::TableRow,
            "table:table-cell" | "table:covered-table-cell" => Element::TableCell,
            "table:table-column" => Element::TableColumn,
            _ => match name.local_name().as_ref() {
                "c" => Element::C,
                "f" => Element::F,
                "row" => Element::Row,
                "sst" => Element::Sst,
                _ => Element::Other,
            },
        }
    }
}

/// The raw value of attribute `key` (exact or with any prefix), parsed the way calamine's
/// `RawAttrIter` does: whitespace, key up to `=`, optional whitespace, a quoted value.
pub(super) fn attribute<'a>(raw: &'a [u8], key: &str) -> Option<&'a [u8]> {
    let mut pos = 0;
    let len = raw.len();
    loop {
        while pos < len && raw[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= len {
            return None;
        }
        let key_start = pos;
        while pos < len && raw[pos] != b'=' {
            pos += 1;
        }
        if pos >= len {
            return None;
        }
        let name = raw[key_start..pos].trim_ascii_end();
        pos += 1;
        while pos < len && raw[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let quote = *raw.get(pos)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        pos += 1;
        let value_start = pos;
        while pos < len && raw[pos] != quote {
            pos += 1;
        }
        let value = &raw[value_start..pos];
        pos += 1;
        let matches = name == key.as_bytes() || (name.ends_with(key.as_bytes()) && name[..name.len() - key.len()].last() == Some(&b':'));
        if matches {
            return Some(value);
        }
    }
}

/// A count an ods element states (`table:number-rows-spanned`, `…-columns-repeated`) where it
/// places cells or columns: 1 where absent or not a number.
fn count_attribute(attributes: &[u8], key: &str) -> u64 {
    attribute(attributes, key).and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok()).unwrap_or(1)
}

/// An attribute's value as text, entities resolved as calamine resolves them (`decode_attr`).
fn attribute_text(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    quick_xml::escape::unescape(&text).map(|t| t.into_owned()).unwrap_or_else(|_| text.into_owned())
}

/// A cell reference as calamine reads it: letters (column, optional) then digits (row).
/// Saturates instead of wrapping, so an absurd reference reads as absurdly large.
pub(super) fn parse_reference(value: &[u8]) -> Option<(u64, Option<u64>)> {
    let letters = value.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &value[letters..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let column =
        value[..letters].iter().fold(0u64, |acc, b| acc.saturating_mul(26).saturating_add((b.to_ascii_uppercase() - b'A' + 1) as u64));
    Some((digits_value(digits), (letters > 0).then_some(column)))
}

/// All ASCII digits of a value read as one number (saturating). Over-reads rather than
/// under-reads what a strict parser would accept (leading zeros, signs, spaces).
pub(super) fn digits_value(value: &[u8]) -> u64 {
    value.iter().filter(|b| b.is_ascii_digit()).fold(0u64, |acc, b| acc.saturating_mul(10).saturating_add((b - b'0') as u64))
}

/// Decode numeric character references (`&#49;`, `&#x31;`) so digits hidden in them count.
pub(super) fn unescape_digits(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'&'
            && let Some(end) = value[i..].iter().position(|b| *b == b';')
        {
            let entity = &value[i + 1..i + end];
            let code = if let Some(hex) = entity.strip_prefix(b"#x").or_else(|| entity.strip_prefix(b"#X")) {
                std::str::from_utf8(hex).ok().and_then(|h| u32::from_str_radix(h, 16).ok())
            } else if let Some(dec) = entity.strip_prefix(b"#") {
                std::str::from_utf8(dec).ok().and_then(|d| d.parse::<u32>().ok())
            } else {
                None
            };
            if let Some(c) = code.and_then(char::from_u32).filter(char::is_ascii) {
                out.push(c as u8);
                i += end + 1;
                continue;
            }
        }
        out.push(value[i]);
        i += 1;
    }
    out
}
