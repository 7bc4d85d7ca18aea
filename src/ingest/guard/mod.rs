//! Checks a workbook before calamine parses it, so that a hostile or corrupt file becomes one
//! error for that file instead of an aborted process.
//!
//! calamine trusts what a file declares, and an allocation failure is not a panic: it aborts the
//! process and cannot be caught. Known ways to get there, each modelled here on calamine 0.38's
//! own parsing so that what calamine will allocate is bounded before it runs:
//! - xlsx: `<sst uniqueCount="1000000000000">` makes it reserve that many strings; a sheet with
//!   cells at A1 and XFD1048576 makes it allocate the dense grid between them (positions come
//!   from `r` attributes, or from counting `<row>`/`<c>` elements that have none).
//! - ods: `table:number-columns-repeated` / `number-rows-repeated` on a non-empty cell expand into
//!   real cells (calamine caps them at 16384 × 1048576, far beyond memory).
//! - xlsb: row headers and cell records place cells anywhere (a dense grid again); a record header
//!   may declare a length of up to 256 MB, which calamine allocates before reading.
//! - xls: the compound file (CFB) container has sector chains that can loop (calamine follows the
//!   directory chain until it ends: forever), a DIFAT can list one FAT sector thousands of times,
//!   a DIMENSIONS record makes calamine reserve rows × columns cells, and BOUNDSHEET records can
//!   point many sheets at one huge sheet.
//! - every zip: entries decompress into memory (zip bombs).
//!
//! So every zip entry is decompressed here first, capped, and scanned — XML with quick-xml set
//! up as calamine sets it up, so the guard sees the elements calamine will see; a compound
//! file's chains are walked with a step limit and its workbook stream's records are scanned. The
//! scanners over-approximate what calamine will build (a styled but empty far cell is not
//! counted, a far cell with any content is), and every limit is per file. The cells of an xlsx
//! part read whole are not placed here: `read::read_xlsx` checks each position as calamine
//! streams the cells, before anything is allocated for them.

mod cfb;
mod inflate;
#[cfg(test)]
pub(crate) mod tests;
mod xlsb;
mod xml;

use std::collections::HashMap;
use std::io::{Cursor, Read};

use super::unreadable::{Format, Unreadable, too_big};
use inflate::{CHUNK, Inflating, Kept, Part, RawPart};
use xlsb::{RecordScanner, is_xlsb_record_part, is_xlsb_sheet};
pub(crate) use xml::{MAX_HIDDEN_COLUMNS, MAX_MERGES};
use xml::{XmlFound, first_sst_count, hidden_columns, may_hold_formulas, merged_ranges, scan_xml, scan_xml_slice, xml_reader};

/// Size limits for one township file.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted file on disk.
    pub max_file_bytes: u64,
    /// Largest total of decompressed entries.
    pub max_unpacked_bytes: u64,
    pub max_entries: usize,
    /// Largest sheet extent accepted (rows from A1, columns from A).
    pub max_rows: usize,
    pub max_columns: usize,
    /// Largest number of grid cells (rows × columns from A1, summed over the file's sheets) that
    /// the reader may allocate. Township forms are a few thousand cells.
    pub max_cells: u64,
    /// Largest shared-string count accepted.
    pub max_shared_strings: u64,
    /// Largest XML event (a tag, a text, a comment) the reader may buffer: far beyond anything a
    /// spreadsheet writer produces (a cell's text is at most 32,767 characters), but a binary
    /// part (an image) read as XML may hold a `<![` whose `]]>` is megabytes on.
    pub max_xml_event_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * 1024 * 1024,
            max_unpacked_bytes: 200 * 1024 * 1024,
            max_entries: 2_000,
            max_rows: 100_000,
            max_columns: 256,
            max_cells: 2_000_000,
            max_shared_strings: 5_000_000,
            max_xml_event_bytes: 64 * 1024 * 1024,
        }
    }
}

fn damaged(detail: &str) -> Unreadable {
    Unreadable(format!("文件已损坏或不完整（{detail}），无法读取。请用 Excel 或 WPS 打开后另存为 .xlsx 再报送"))
}

fn too_many_cells(cells: u64, limits: &Limits) -> Unreadable {
    Unreadable(format!(
        "文件中的表格区域合计约 {cells} 个单元格，超过 {} 个的上限（远超报表规模，可能在远处单元格误填了内容或文件异常）；请删除多余内容后重新报送",
        limits.max_cells
    ))
}

/// Which zip-based format this is, from the entries it holds: an xlsx or xlsb workbook part
/// where Excel puts it or where the package's `_rels/.rels` says it is (a minimal package keeps
/// `workbook.xml` at its root; a Windows tool may write `xl\workbook.xml`, calamine reads both).
pub fn zip_format(bytes: &[u8]) -> Result<Format, Unreadable> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(&format!("压缩结构错误：{e}")))?;
    let names: Vec<String> = archive.file_names().filter_map(|n| n.ok()).map(|n| normalised(&n)).collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if has("content.xml") {
        Ok(Format::Ods)
    } else {
        match main_part(&mut archive) {
            Some(part) if part.ends_with(".xml") && has(&part) => Ok(Format::Xlsx),
            Some(part) if part.ends_with(".bin") && has(&part) => Ok(Format::Xlsb),
            _ => Err(Unreadable("文件是压缩包，但不是 Excel/WPS 表格，请另存为 .xlsx 后报送".into())),
        }
    }
}

/// Most bytes of a package part read for its names and relationships (far beyond any).
const MAX_SMALL_PART: u64 = 1024 * 1024;

/// A small part of the package by its normalised name, if it is there and small.
fn small_part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, wanted: &str) -> Option<Vec<u8>> {
    let index = (0..archive.len()).find(|&i| archive.name_for_index(i).and_then(|n| n.ok()).is_some_and(|n| normalised(&n) == wanted))?;
    let entry = archive.by_index(index).ok()?;
    let mut bytes = Vec::new();
    entry.take(MAX_SMALL_PART + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 <= MAX_SMALL_PART).then_some(bytes)
}

/// The workbook part the package's `_rels/.rels` names (its `officeDocument` relationship),
/// normalised; `xl/workbook.xml` where Excel puts it.
fn main_part(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Option<String> {
    let rels = small_part(archive, "_rels/.rels")?;
    elements(&rels, "Relationship")
        .find(|e| attribute_text(e, "Type").is_some_and(|t| t.ends_with("/officeDocument")))
        .and_then(|e| attribute_text(&e, "Target"))
        .map(|target| normalised(target.trim_start_matches('/')))
}

/// Running total of grid cells over a file's sheets (the guard's, and the xlsx reader's as it
/// places cells: `read::read_xlsx`).
pub(super) struct Budget<'a> {
    limits: &'a Limits,
    cells: u64,
}

impl<'a> Budget<'a> {
    pub(super) fn new(limits: &'a Limits) -> Self {
        Budget { limits, cells: 0 }
    }

    /// Whether one more sheet of `rows` × `columns` cells would be accepted by `sheet`.
    pub(super) fn fits(&self, rows: u64, columns: u64) -> bool {
        rows <= self.limits.max_rows as u64
            && columns <= self.limits.max_columns as u64
            && self.cells.saturating_add(rows.saturating_mul(columns)) <= self.limits.max_cells
    }

    /// Account for one sheet (or one allocation) of `rows` × `columns` cells.
    pub(super) fn sheet(&mut self, sheet: &str, rows: u64, columns: u64) -> Result<(), Unreadable> {
        self.sheet_named(|| sheet.to_string(), rows, columns)
    }

    /// As `sheet`, with the sheet's name made only for the message.
    fn sheet_named(&mut self, sheet: impl FnOnce() -> String, rows: u64, columns: u64) -> Result<(), Unreadable> {
        if rows > self.limits.max_rows as u64 || columns > self.limits.max_columns as u64 {
            return Err(too_big(&sheet(), rows.min(usize::MAX as u64) as usize, columns.min(usize::MAX as u64) as usize));
        }
        self.cells = self.cells.saturating_add(rows.saturating_mul(columns));
        if self.cells > self.limits.max_cells {
            return Err(too_many_cells(self.cells, self.limits));
        }
        Ok(())
    }

    /// Account for a reservation of `cells` cells (calamine's `reserve` from declared sizes).
    fn reserve(&mut self, cells: u64) -> Result<(), Unreadable> {
        self.cells = self.cells.saturating_add(cells);
        if self.cells > self.limits.max_cells {
            return Err(too_many_cells(self.cells, self.limits));
        }
        Ok(())
    }
}

/// Normalised zip entry name, as calamine looks entries up (case-insensitive, `\` as `/`).
pub(crate) fn normalised(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

/// A zip part's file name, for messages when its tab name is not known (`sheet1.xml`).
fn sheet_label(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).to_string()
}

/// What the guard learnt of a file that passed it.
#[derive(Debug, Default)]
pub struct Checked {
    /// Tab names (xlsx) of the sheets that hold formulas: their cached values are checked.
    pub formula_sheets: std::collections::HashSet<String>,
    /// The checked parts, as they were inflated here, in a zip archive that stores them
    /// uncompressed: calamine reads these bytes, so that no part is inflated twice and calamine
    /// reads exactly what was checked. `None` when they were more than `KEEP_UNPACKED` or could
    /// not be stored again (calamine then reads the file itself, whose parts were all checked).
    pub unpacked: Option<Vec<u8>>,
    /// Sheet names → the merged ranges their sheet declares, `[top, left, bottom, right]`
    /// 0-based: xlsx tabs (a sheet part too large to keep whole gives none) and ods tables (`.xls`
    /// merges are calamine's own).
    pub merges: HashMap<String, Vec<[u32; 4]>>,
    /// Hidden columns (0-based) by sheet name: xlsx sheets whose part was read whole, ods tables.
    pub hidden_columns: HashMap<String, Vec<u32>>,
    /// The workbook's relationships name an Excel 4.0 macro sheet, which calamine refuses the
    /// whole workbook for (`read::without_macro_sheets`).
    pub macro_sheets: bool,
    /// Hidden columns (0-based) of an `.xls`'s sheets that hide any, by the sheet's place among
    /// its BOUNDSHEET records, which is calamine's order of its sheets (`Reader::sheet_names`):
    /// calamine's decoding of the names (by the file's code page) is not repeated here.
    pub hidden_columns_by_place: Vec<(usize, Vec<u32>)>,
}

/// Most inflated bytes of one file kept for calamine (`Checked::unpacked`). A township workbook
/// is a few hundred KB inflated; a file beyond this is streamed through the checks in chunks,
/// as every file once was, so that the guard's memory stays bounded.
const KEEP_UNPACKED: u64 = 32 * 1024 * 1024;

/// Decompress every entry with caps; check declared string counts and sheet extents.
pub fn check_zip(bytes: &[u8], format: Format, limits: &Limits) -> Result<Checked, Unreadable> {
    let mut checked = Checked::default();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(&format!("压缩结构错误：{e}")))?;
    if archive.len() > limits.max_entries {
        return Err(damaged(&format!("包含 {} 个内部文件", archive.len())));
    }
    let mut budget = Budget::new(limits);
    // Messages name a sheet by its tab, as the township sees it, where the workbook says it
    // (read only when a message or a formula sheet needs it).
    let tabs = std::cell::OnceCell::new();
    let label = |entry: &str| {
        let tabs = tabs.get_or_init(|| match format {
            Format::Xlsx => zip::ZipArchive::new(Cursor::new(bytes)).map(|mut a| tab_names(&mut a)).unwrap_or_default(),
            Format::Xlsb => zip::ZipArchive::new(Cursor::new(bytes)).map(|mut a| xlsb_tab_names(&mut a)).unwrap_or_default(),
            _ => HashMap::new(),
        });
        tabs.get(&normalised(entry)).cloned().unwrap_or_else(|| sheet_label(entry))
    };
    let mut unpacked_total: u64 = 0;
    let mut buffers = (Vec::new(), vec![0; CHUNK]);
    let mut kept = Kept::new(bytes.len());
    // One inflater for all the file's parts (reset for each): the zip reader would set up (and
    // zero) a new one, with its buffers, for every part of every file.
    let mut inflater = flate2::Decompress::new(false);
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| {
            let text = e.to_string().to_lowercase();
            if text.contains("password") || text.contains("encrypt") {
                Unreadable("文件设置了密码（已加密），无法读取。请取消密码后重新保存报送".into())
            } else {
                damaged(&format!("内部文件错误：{e}"))
            }
        })?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let key = normalised(&name);
        let folder = name.ends_with('/') || name.ends_with('\\');
        kept.start(&name, folder);
        let remaining = limits.max_unpacked_bytes.saturating_sub(unpacked_total);
        let room = kept.room();
        let entry = match RawPart::of(&entry, bytes) {
            Some((compressed, deflated)) => {
                inflater.reset(false);
                Part::Raw(RawPart::new(compressed, deflated.then_some(&mut inflater), entry.crc32()))
            }
            None => Part::Zip(entry),
        };
        let mut input = Inflating::new(entry, &name, &mut buffers, remaining, limits, (!folder).then_some(&mut kept));
        let refused = |e: ScanError| e.into_unreadable(&name, &label(&name));
        // xlsx and ods parts are XML wherever they are (calamine finds them through relationships,
        // so every entry is scanned); xlsb parts are binary records.
        if format != Format::Xlsb {
            // A part that fits beside the kept ones is read whole and scanned in place;
            // a larger one streams through the reader. xlsx cells are placed and checked by the
            // reader as calamine streams them (`read::read_xlsx`), so a whole xlsx part is only
            // parsed here up to its first `<sst>`, for the string count calamine reserves.
            let found = match input.whole(room) {
                Ok(true) if format == Format::Xlsx => {
                    let xml = input.rest();
                    let unique_count = if memchr::memmem::find(xml, b"uniqueCount").is_some() { first_sst_count(xml) } else { 0 };
                    let merges = merged_ranges(xml);
                    if !merges.is_empty() {
                        checked.merges.insert(label(&name), merges);
                    }
                    if key.ends_with("workbook.xml.rels") && memchr::memmem::find(xml, b"Macrosheet").is_some() {
                        checked.macro_sheets = true;
                    }
                    let hidden = hidden_columns(xml);
                    if !hidden.is_empty() {
                        checked.hidden_columns.insert(label(&name), hidden);
                    }
                    Ok(XmlFound { formulas: may_hold_formulas(xml), unique_count, ..XmlFound::default() })
                }
                Ok(true) => scan_xml_slice(input.rest(), &mut budget),
                Ok(false) => scan_xml(&mut input, &mut budget),
                Err(e) => Err(input.failure_or(e)),
            }
            .map_err(refused)?;
            // Every shared string takes at least `<si><t/></si>` (12 bytes) of XML.
            if found.unique_count > limits.max_shared_strings || found.unique_count > input.read / 12 + 16 {
                return Err(damaged(&format!("共享字符串声明了 {} 个，与文件内容不符", found.unique_count)));
            }
            if found.rows > 0 || found.columns > 0 {
                budget.sheet_named(|| label(&name), found.rows, found.columns)?;
            }
            if found.formulas {
                checked.formula_sheets.insert(label(&name));
            }
            // calamine reads an ods's sheets from `content.xml` alone.
            if format == Format::Ods && key == "content.xml" {
                for layout in found.ods_layouts {
                    checked.merges.insert(layout.name.clone(), layout.merges);
                    checked.hidden_columns.insert(layout.name, layout.hidden);
                }
            }
        } else if key.ends_with(".bin") && is_xlsb_record_part(&key) {
            let mut scanner = RecordScanner::new(is_xlsb_sheet(&key));
            input.each_chunk(|chunk| scanner.feed(chunk)).map_err(refused)?;
            let (rows, columns) = scanner.finish().map_err(refused)?;
            if rows > 0 || columns > 0 {
                budget.sheet_named(|| label(&name), rows, columns)?;
            }
        } else {
            input.each_chunk(|_| Ok(())).map_err(refused)?;
        }
        unpacked_total += input.read;
    }
    checked.unpacked = kept.finish();
    Ok(checked)
}

/// The tab name of each worksheet part of an xlsx (normalised part name → tab name), from
/// `xl/workbook.xml` and its relationships: only for messages, so anything unreadable, or larger
/// than a workbook part ever is, gives no names.
fn tab_names(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> HashMap<String, String> {
    let main = main_part(archive).filter(|p| p.ends_with(".xml")).unwrap_or_else(|| "xl/workbook.xml".to_string());
    let (folder, file) = match main.rsplit_once('/') {
        Some((folder, file)) => (format!("{folder}/"), file.to_string()),
        None => (String::new(), main.clone()),
    };
    let (Some(workbook), Some(rels)) = (small_part(archive, &main), small_part(archive, &format!("{folder}_rels/{file}.rels"))) else {
        return HashMap::new();
    };
    let targets = relationship_targets(&rels, &folder);
    elements(&workbook, "sheet")
        .filter_map(|e| {
            let part = targets.get(&attribute_text(&e, "id")?)?;
            Some((part.clone(), attribute_text(&e, "name")?))
        })
        .collect()
}

/// The tab name of each sheet part of an xlsb (normalised part name → tab name), from
/// `xl/workbook.bin` and its relationships: only for messages, as `tab_names`.
fn xlsb_tab_names(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> HashMap<String, String> {
    let (Some(workbook), Some(rels)) = (small_part(archive, "xl/workbook.bin"), small_part(archive, "xl/_rels/workbook.bin.rels")) else {
        return HashMap::new();
    };
    let targets = relationship_targets(&rels, "xl/");
    xlsb::bundle_sheets(&workbook).into_iter().filter_map(|(id, name)| Some((targets.get(&id)?.clone(), name))).collect()
}

/// A relationships part's targets by id, as normalised part names: absolute ones from the root,
/// the others from `folder` (the folder of the part the relationships are of, with its `/`).
fn relationship_targets(rels: &[u8], folder: &str) -> HashMap<String, String> {
    elements(rels, "Relationship")
        .filter_map(|e| {
            let target = attribute_text(&e, "Target")?;
            let part = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("{folder}{target}"),
            };
            Some((attribute_text(&e, "Id")?, normalised(&part)))
        })
        .collect()
}

/// The elements of a (small) XML text with local name `wanted`.
fn elements<'x>(xml: &'x [u8], wanted: &'static str) -> impl Iterator<Item = quick_xml::events::BytesStart<'x>> {
    use quick_xml::events::Event;
    let mut reader = xml_reader(xml);
    std::iter::from_fn(move || {
        loop {
            let before = reader.buffer_position();
            match reader.read_event() {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == wanted => return Some(e),
                Ok(Event::Eof) => return None,
                Err(_) if reader.buffer_position() == before => return None,
                _ => {}
            }
        }
    })
}

/// The text of attribute `key` (by local name, so `r:id` is `id`), entities resolved.
fn attribute_text(element: &quick_xml::events::BytesStart, key: &str) -> Option<String> {
    let attribute = element.attributes().with_checks(false).flatten().find(|a| a.key.local_name().as_ref() == key)?;
    attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned())
}

/// Why a scanner refused an entry.
enum ScanError {
    /// A sheet larger than the limits.
    TooBig {
        rows: u64,
        columns: u64,
        /// The sheet's name, where the entry names it (an ods table).
        sheet: Option<String>,
    },
    /// Refused with a finished message (the file's cell budget).
    Refused(Unreadable),
    Damaged(String),
}

impl ScanError {
    /// The message for entry `entry` of the archive, shown to the township as sheet `label`.
    fn into_unreadable(self, entry: &str, label: &str) -> Unreadable {
        match self {
            ScanError::TooBig { rows, columns, sheet } => {
                too_big(sheet.as_deref().unwrap_or(label), rows.min(usize::MAX as u64) as usize, columns.min(usize::MAX as u64) as usize)
            }
            ScanError::Refused(unreadable) => unreadable,
            ScanError::Damaged(detail) => damaged(&format!("{entry}：{detail}")),
        }
    }
}

impl From<Unreadable> for ScanError {
    fn from(e: Unreadable) -> ScanError {
        ScanError::Refused(e)
    }
}

pub use cfb::check_cfb;
