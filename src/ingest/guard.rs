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

use std::collections::HashMap;
use std::io::{BufRead, Cursor, Read};

use super::unreadable::{Format, Unreadable, too_big};

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

/// Which zip-based format this is, from the entries it holds.
pub fn zip_format(bytes: &[u8]) -> Result<Format, Unreadable> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(&format!("压缩结构错误：{e}")))?;
    let names: Vec<String> = archive.file_names().filter_map(|n| n.ok()).map(|n| n.into_owned()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if names.contains(&"xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if names.contains(&"xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if names.contains(&"content.xml") {
        Ok(Format::Ods)
    } else {
        Err(Unreadable("文件是压缩包，但不是 Excel/WPS 表格，请另存为 .xlsx 后报送".into()))
    }
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
fn normalised(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

fn sheet_label(name: &str) -> String {
    name.rsplit(['/', '\\']).next().unwrap_or(name).to_string()
}

/// Decompress every entry with caps; check declared string counts and sheet extents.
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
}

/// Most inflated bytes of one file kept for calamine (`Checked::unpacked`). A township workbook
/// is a few hundred KB inflated; a file beyond this is streamed through the checks in chunks,
/// as every file once was, so that the guard's memory stays bounded.
const KEEP_UNPACKED: u64 = 32 * 1024 * 1024;

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

/// A zip entry's bytes as the guard reads them: inflated from the file's bytes in memory
/// (`RawPart`), or through the zip reader where the entry is not a plain stored or deflated one.
enum Part<'s, E> {
    Raw(RawPart<'s>),
    Zip(E),
}

impl<E: Read> Read for Part<'_, E> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Part::Raw(part) => part.read(out),
            Part::Zip(entry) => entry.read(out),
        }
    }
}

/// A stored or deflated entry read straight from the file's bytes: inflated by a reused
/// inflater, its CRC-32 checked at its end as the zip reader checks it.
struct RawPart<'s> {
    compressed: &'s [u8],
    /// `None` for a stored entry.
    inflater: Option<&'s mut flate2::Decompress>,
    crc: crc32fast::Hasher,
    expected_crc: u32,
    finished: bool,
}

impl<'s> RawPart<'s> {
    /// The entry's compressed bytes within `bytes`, and whether they are deflated; `None` for an
    /// encrypted entry, another method, or bytes beyond the file's (left to the zip reader,
    /// which refuses them as before).
    fn of<R: Read>(entry: &zip::read::ZipFile<'_, R>, bytes: &'s [u8]) -> Option<(&'s [u8], bool)> {
        let deflated = match entry.compression() {
            zip::CompressionMethod::Stored => false,
            zip::CompressionMethod::Deflated => true,
            _ => return None,
        };
        if entry.encrypted() {
            return None;
        }
        let start = usize::try_from(entry.data_start()?).ok()?;
        let end = start.checked_add(usize::try_from(entry.compressed_size()).ok()?)?;
        Some((bytes.get(start..end)?, deflated))
    }

    fn new(compressed: &'s [u8], inflater: Option<&'s mut flate2::Decompress>, expected_crc: u32) -> RawPart<'s> {
        RawPart { compressed, inflater, crc: crc32fast::Hasher::new(), expected_crc, finished: false }
    }

    fn damaged(detail: &str) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, detail.to_string())
    }
}

impl Read for RawPart<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() || self.finished {
            return Ok(0);
        }
        let n = match self.inflater.as_mut() {
            None => {
                let n = out.len().min(self.compressed.len());
                out[..n].copy_from_slice(&self.compressed[..n]);
                self.compressed = &self.compressed[n..];
                n
            }
            Some(inflater) => loop {
                let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
                let status = inflater
                    .decompress(self.compressed, out, flate2::FlushDecompress::None)
                    .map_err(|_| RawPart::damaged("压缩数据损坏"))?;
                let consumed = (inflater.total_in() - before_in) as usize;
                let produced = (inflater.total_out() - before_out) as usize;
                self.compressed = &self.compressed[consumed..];
                if produced > 0 || status == flate2::Status::StreamEnd {
                    break produced;
                }
                if consumed == 0 {
                    // No progress with room to write: the compressed data ended early.
                    return Err(RawPart::damaged("压缩数据不完整"));
                }
            },
        };
        self.crc.update(&out[..n]);
        if n == 0 {
            self.finished = true;
            if self.crc.clone().finalize() != self.expected_crc {
                return Err(RawPart::damaged("校验和不符"));
            }
        }
        Ok(n)
    }
}

/// The checked parts stored again for calamine (see `Checked::unpacked`), while they fit.
struct Kept {
    writer: Option<zip::ZipWriter<Cursor<Vec<u8>>>>,
    total: u64,
}

impl Kept {
    fn new(packed: usize) -> Kept {
        Kept { writer: Some(zip::ZipWriter::new(Cursor::new(Vec::with_capacity(packed * 8)))), total: 0 }
    }

    /// Begin the next entry (a folder entry gets none: the zip writer would not take its bytes).
    fn start(&mut self, name: &str, folder: bool) {
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        if let Some(writer) = self.writer.as_mut().filter(|_| !folder)
            && writer.start_file(name, stored).is_err()
        {
            self.writer = None;
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        use std::io::Write;
        self.total += bytes.len() as u64;
        if self.total > KEEP_UNPACKED {
            self.writer = None;
        }
        if let Some(writer) = self.writer.as_mut()
            && writer.write_all(bytes).is_err()
        {
            self.writer = None;
        }
    }

    /// How many more inflated bytes can be kept.
    fn room(&self) -> u64 {
        if self.writer.is_some() { KEEP_UNPACKED.saturating_sub(self.total) } else { 0 }
    }

    fn finish(self) -> Option<Vec<u8>> {
        self.writer.and_then(|writer| writer.finish().ok()).map(Cursor::into_inner)
    }
}

/// One zip entry as it is inflated, read through `BufRead` by the XML reader or in chunks by the
/// record scanner: each byte is inflated once, counted against the file's limit and stored in
/// the kept archive as it passes, and no XML event may buffer more than the limit.
struct Inflating<'a, R> {
    entry: R,
    name: &'a str,
    /// Inflated bytes not yet taken are `buffer[start..]`; `chunk` is what the inflater fills.
    buffer: &'a mut Vec<u8>,
    chunk: &'a mut [u8],
    start: usize,
    /// Bytes inflated so far, and how many the file's limit leaves for this entry.
    read: u64,
    remaining: u64,
    max_unpacked: u64,
    kept: Option<&'a mut Kept>,
    /// Bytes taken since the XML reader last returned an event, and the most one may take.
    event: u64,
    max_event: u64,
    /// Why reading stopped (the reader sees only an I/O error).
    failure: Option<ScanError>,
}

impl<'a, R: Read> Inflating<'a, R> {
    /// `buffers`: the buffer and the inflater's chunk, reused from entry to entry.
    fn new(
        entry: R,
        name: &'a str,
        buffers: &'a mut (Vec<u8>, Vec<u8>),
        remaining: u64,
        limits: &Limits,
        kept: Option<&'a mut Kept>,
    ) -> Self {
        buffers.0.clear();
        buffers.1.resize(CHUNK, 0);
        Inflating {
            entry,
            name,
            buffer: &mut buffers.0,
            chunk: &mut buffers.1,
            start: 0,
            read: 0,
            remaining,
            max_unpacked: limits.max_unpacked_bytes,
            kept,
            event: 0,
            max_event: limits.max_xml_event_bytes,
            failure: None,
        }
    }

    fn fail(&mut self, failure: ScanError) -> std::io::Error {
        self.failure = Some(failure);
        std::io::Error::other("refused")
    }

    /// The failure behind an I/O error of the reader, or the error itself as damage.
    fn failure_or(&mut self, error: impl std::fmt::Display) -> ScanError {
        self.failure.take().unwrap_or_else(|| ScanError::Damaged(error.to_string()))
    }

    /// Pass every remaining byte to `scan`, chunk by chunk.
    fn each_chunk(&mut self, mut scan: impl FnMut(&[u8]) -> Result<(), ScanError>) -> Result<(), ScanError> {
        loop {
            let chunk = match self.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) => return Err(self.failure_or(e)),
            };
            if chunk.is_empty() {
                return Ok(());
            }
            let n = chunk.len();
            scan(chunk)?;
            self.consume(n);
        }
    }
}

impl<R: Read> Read for Inflating<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Inflating<'_, R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.start == self.buffer.len() {
            if self.event > self.max_event {
                let detail = format!("XML 标签或文字超过 {} MB", self.max_event / 1024 / 1024);
                return Err(self.fail(ScanError::Damaged(detail)));
            }
            self.buffer.clear();
            self.start = 0;
            self.inflate()?;
        }
        Ok(&self.buffer[self.start..])
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        self.event += n as u64;
    }
}

/// Bytes inflated per read.
const CHUNK: usize = 64 * 1024;

impl<R: Read> Inflating<'_, R> {
    /// Inflate up to `CHUNK` more bytes onto the buffer: counted, kept; 0 at the entry's end.
    fn inflate(&mut self) -> std::io::Result<usize> {
        let from = self.buffer.len();
        let n = match self.entry.read(self.chunk) {
            Ok(n) => n,
            Err(e) => {
                let unreadable = damaged(&format!("{} 解压失败：{e}", self.name));
                return Err(self.fail(ScanError::Refused(unreadable)));
            }
        };
        self.buffer.extend_from_slice(&self.chunk[..n]);
        self.read += n as u64;
        if self.read > self.remaining {
            let unreadable = Unreadable(format!(
                "文件解压后超过 {} MB（疑似压缩炸弹或异常文件），已拒收。请检查文件后重新报送",
                self.max_unpacked / 1024 / 1024
            ));
            return Err(self.fail(ScanError::Refused(unreadable)));
        }
        if let Some(kept) = self.kept.as_mut() {
            kept.write(&self.buffer[from..]);
        }
        Ok(n)
    }

    /// Inflate the rest of the entry into the buffer if it is at most `room` bytes: `true` when
    /// it was (then `rest` is all of it); `false` leaves what was inflated to be read on.
    fn whole(&mut self, room: u64) -> std::io::Result<bool> {
        loop {
            if (self.buffer.len() - self.start) as u64 > room {
                return Ok(false);
            }
            if self.inflate()? == 0 {
                return Ok(true);
            }
        }
    }

    /// The inflated bytes not yet taken.
    fn rest(&self) -> &[u8] {
        &self.buffer[self.start..]
    }
}

/// The tab name of each worksheet part of an xlsx (normalised part name → tab name), from
/// `xl/workbook.xml` and its relationships: only for messages, so anything unreadable, or larger
/// than a workbook part ever is, gives no names.
fn tab_names(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> HashMap<String, String> {
    const MAX_PART: u64 = 1024 * 1024;
    let mut part = |wanted: &str| -> Option<Vec<u8>> {
        let index =
            (0..archive.len()).find(|&i| archive.name_for_index(i).and_then(|n| n.ok()).is_some_and(|n| normalised(&n) == wanted))?;
        let entry = archive.by_index(index).ok()?;
        let mut bytes = Vec::new();
        entry.take(MAX_PART + 1).read_to_end(&mut bytes).ok()?;
        (bytes.len() as u64 <= MAX_PART).then_some(bytes)
    };
    let (Some(workbook), Some(rels)) = (part("xl/workbook.xml"), part("xl/_rels/workbook.xml.rels")) else { return HashMap::new() };
    let targets: HashMap<String, String> = elements(&rels, "Relationship")
        .filter_map(|e| {
            let target = attribute_text(&e, "Target")?;
            let part = match target.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("xl/{target}"),
            };
            Some((attribute_text(&e, "Id")?, normalised(&part)))
        })
        .collect();
    elements(&workbook, "sheet")
        .filter_map(|e| {
            let part = targets.get(&attribute_text(&e, "id")?)?;
            Some((part.clone(), attribute_text(&e, "name")?))
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
    },
    /// Refused with a finished message (the file's cell budget).
    Refused(Unreadable),
    Damaged(String),
}

impl ScanError {
    /// The message for entry `entry` of the archive, shown to the township as sheet `label`.
    fn into_unreadable(self, entry: &str, label: &str) -> Unreadable {
        match self {
            ScanError::TooBig { rows, columns } => {
                too_big(label, rows.min(usize::MAX as u64) as usize, columns.min(usize::MAX as u64) as usize)
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

// ---------------------------------------------------------------------------------------------
// XML (xlsx, ods)

/// What an XML entry declares and places.
#[derive(Debug, Default, PartialEq)]
struct XmlFound {
    /// Largest `uniqueCount` of an `<sst>` element.
    unique_count: u64,
    /// Extent of the cells with content (xlsx), from A1.
    rows: u64,
    columns: u64,
    /// The part holds formulas (`<f>`): its cached values must be checked.
    formulas: bool,
}

/// An XML reader configured as calamine configures its readers, so that the guard sees exactly
/// the elements calamine will see.
fn xml_reader<R>(input: R) -> quick_xml::Reader<R> {
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
fn scan_xml_slice(xml: &[u8], budget: &mut Budget) -> Result<XmlFound, ScanError> {
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
fn first_sst_count(xml: &[u8]) -> u64 {
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
fn scan_xml<R: Read>(input: &mut Inflating<R>, budget: &mut Budget) -> Result<XmlFound, ScanError> {
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
fn may_hold_formulas(xml: &[u8]) -> bool {
    memchr::memchr_iter(b'f', xml).any(|at| {
        at > 0 && matches!(xml[at - 1], b'<' | b':') && matches!(xml.get(at + 1), Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n'))
    })
}

/// calamine's placement of cells, followed over the elements of one XML entry.
#[derive(Default)]
struct XmlScanner {
    found: XmlFound,
    // xlsx cell placement (calamine's `XlsxCellReader::next_cell`)
    row_index: u64,
    col_index: u64,
    /// Position of the `<c>` being read, and whether it has a child (a value) yet.
    open_cell: Option<(u64, u64)>,
    // ods placement (calamine's `read_table` / `read_row`)
    ods: OdsTable,
    ods_row: Option<OdsRow>,
}

#[derive(Default)]
struct OdsTable {
    open: bool,
    /// Rows so far, counting repeats.
    row_position: u64,
    /// Rows up to the last non-empty row, and the widest non-empty row.
    rows: u64,
    columns: u64,
}

struct OdsRow {
    repeats: u64,
    column: u64,
    width: u64,
}

impl XmlScanner {
    /// Follow one event; `false` at the end of the entry. After a syntax error the reader goes
    /// on where it can (calamine stops there, so reading on can only see more), unless it made
    /// no progress (`moved`).
    fn event(
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

    fn finish(mut self, budget: &mut Budget) -> Result<XmlFound, ScanError> {
        self.close_table(budget)?;
        Ok(self.found)
    }

    fn start(&mut self, element: Element, attributes: &[u8], empty: bool, budget: &mut Budget) -> Result<(), ScanError> {
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
                self.ods = OdsTable { open: true, ..OdsTable::default() };
            }
            Element::TableRow => {
                let repeats = attribute(attributes, "number-rows-repeated").map(|v| digits_value(&unescape_digits(v))).unwrap_or(1);
                self.ods_row = Some(OdsRow { repeats, column: 0, width: 0 });
            }
            Element::TableCell => {
                if let Some(row) = self.ods_row.as_mut() {
                    let repeats = attribute(attributes, "number-columns-repeated").map(|v| digits_value(&unescape_digits(v))).unwrap_or(1);
                    row.column = row.column.saturating_add(repeats);
                    // A cell with a value attribute or any content (`<text:p>`) is not empty.
                    let valued = ["value", "string-value", "date-value", "time-value", "boolean-value", "formula"]
                        .iter()
                        .any(|k| attribute(attributes, k).is_some());
                    if valued || !empty {
                        row.width = row.column;
                    }
                }
            }
            Element::Other => {}
        }
        Ok(())
    }

    fn end(&mut self, element: Element, budget: &mut Budget) -> Result<(), ScanError> {
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
                            return Err(ScanError::TooBig { rows: self.ods.rows, columns: self.ods.columns });
                        }
                    }
                }
            }
            Element::Table => self.close_table(budget)?,
            _ => {}
        }
        Ok(())
    }

    fn close_table(&mut self, budget: &mut Budget) -> Result<(), ScanError> {
        if self.ods.open {
            self.ods.open = false;
            if self.ods.rows > 0 {
                budget.sheet("content.xml", self.ods.rows, self.ods.columns)?;
            }
        }
        Ok(())
    }

    fn note_cell(&mut self, row: u64, col: u64) {
        self.found.rows = self.found.rows.max(row.saturating_add(1));
        self.found.columns = self.found.columns.max(col.saturating_add(1));
    }
}

/// The elements the scanner acts on, named as calamine matches them: xlsx elements by local
/// name (after the first `:`, quick-xml's `local_name`), ods elements by their full name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Element {
    Sst,
    F,
    Row,
    C,
    Table,
    TableRow,
    /// `table:table-cell` or `table:covered-table-cell`.
    TableCell,
    Other,
}

impl Element {
    fn of(name: quick_xml::name::QName) -> Element {
        match name.as_ref() {
            "table:table" => Element::Table,
            "table:table-row" => Element::TableRow,
            "table:table-cell" | "table:covered-table-cell" => Element::TableCell,
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
fn attribute<'a>(raw: &'a [u8], key: &str) -> Option<&'a [u8]> {
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

/// A cell reference as calamine reads it: letters (column, optional) then digits (row).
/// Saturates instead of wrapping, so an absurd reference reads as absurdly large.
fn parse_reference(value: &[u8]) -> Option<(u64, Option<u64>)> {
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
fn digits_value(value: &[u8]) -> u64 {
    value.iter().filter(|b| b.is_ascii_digit()).fold(0u64, |acc, b| acc.saturating_mul(10).saturating_add((b - b'0') as u64))
}

/// Decode numeric character references (`&#49;`, `&#x31;`) so digits hidden in them count.
fn unescape_digits(value: &[u8]) -> Vec<u8> {
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

// ---------------------------------------------------------------------------------------------
// xlsb records

/// Record lengths above this are refused (calamine allocates the declared length before reading;
/// real records are at most a few tens of KB).
const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;

/// Entries calamine reads as record streams: the workbook, strings, styles and sheets.
fn is_xlsb_record_part(key: &str) -> bool {
    matches!(key, "xl/workbook.bin" | "xl/sharedstrings.bin" | "xl/styles.bin") || is_xlsb_sheet(key)
}

fn is_xlsb_sheet(key: &str) -> bool {
    ["xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/"].iter().any(|p| key.starts_with(p))
}

/// Walks xlsb records (1–2 byte type, 1–4 byte length) across chunks; in sheets, follows
/// calamine's placement: `BrtRowHdr` sets the row, a cell record's first 4 bytes are its column
/// (read from a reused buffer, so a short record sees the previous record's bytes, as in calamine).
struct RecordScanner {
    sheet: bool,
    state: RecordState,
    typ: u16,
    len: u64,
    header: Vec<u8>,
    /// First 4 bytes of the reused record buffer, and how long that buffer has grown.
    head: [u8; 4],
    head_filled: usize,
    buffer_len: u64,
    /// Bytes of the current record's data read so far.
    read: u64,
    row: u64,
    rows: u64,
    columns: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum RecordState {
    Type,
    Length,
    Data,
}

impl RecordScanner {
    fn new(sheet: bool) -> RecordScanner {
        RecordScanner {
            sheet,
            state: RecordState::Type,
            typ: 0,
            len: 0,
            header: Vec::new(),
            head: [0; 4],
            head_filled: 0,
            buffer_len: 0,
            read: 0,
            row: 0,
            rows: 0,
            columns: 0,
        }
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), ScanError> {
        let mut i = 0;
        while i < chunk.len() {
            match self.state {
                RecordState::Type => {
                    self.header.push(chunk[i]);
                    i += 1;
                    let first = self.header[0];
                    if first & 0x80 == 0 || self.header.len() == 2 {
                        self.typ =
                            if first & 0x80 == 0 { first as u16 } else { (first & 0x7F) as u16 + (((self.header[1] & 0x7F) as u16) << 7) };
                        self.header.clear();
                        self.state = RecordState::Length;
                    }
                }
                RecordState::Length => {
                    let b = chunk[i];
                    i += 1;
                    self.header.push(b);
                    if b & 0x80 == 0 || self.header.len() == 4 {
                        self.len = self.header.iter().enumerate().map(|(k, b)| ((b & 0x7F) as u64) << (7 * k)).sum();
                        self.header.clear();
                        if self.len > MAX_RECORD_BYTES {
                            return Err(ScanError::Damaged(format!("记录长度声明为 {} 字节", self.len)));
                        }
                        self.read = 0;
                        self.head_filled = 0;
                        self.state = RecordState::Data;
                        if self.len == 0 {
                            self.end_record();
                        }
                    }
                }
                RecordState::Data => {
                    let take = ((self.len - self.read) as usize).min(chunk.len() - i);
                    let slice = &chunk[i..i + take];
                    for b in slice.iter().take(4usize.saturating_sub(self.head_filled)) {
                        self.head[self.head_filled] = *b;
                        self.head_filled += 1;
                    }
                    self.read += take as u64;
                    i += take;
                    if self.read == self.len {
                        self.end_record();
                    }
                }
            }
        }
        Ok(())
    }

    fn end_record(&mut self) {
        self.buffer_len = self.buffer_len.max(self.len);
        self.state = RecordState::Type;
        if !self.sheet || self.buffer_len < 4 {
            return;
        }
        let value = u32::from_le_bytes(self.head) as u64;
        match self.typ {
            // BrtRowHdr
            0x0000 => self.row = value,
            // cell records with a value (calamine skips blanks)
            0x0002..=0x000A => {
                self.rows = self.rows.max(self.row.saturating_add(1));
                self.columns = self.columns.max(value.saturating_add(1));
            }
            _ => {}
        }
    }

    fn finish(self) -> Result<(u64, u64), ScanError> {
        if self.state == RecordState::Data && self.len - self.read > 0 {
            // calamine would allocate `len` and then fail to read: refuse a large one.
            if self.len > 64 * 1024 {
                return Err(ScanError::Damaged("记录被截断".into()));
            }
        }
        Ok((self.rows, self.columns))
    }
}

// ---------------------------------------------------------------------------------------------
// xls (compound file + BIFF records)

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A compound file as calamine reads it (`cfb.rs`), with every chain walk bounded.
struct Compound<'a> {
    bytes: &'a [u8],
    sector_size: usize,
    /// Largest sector id calamine accepts.
    maxid: u32,
    fats: Vec<u32>,
}

impl<'a> Compound<'a> {
    fn sector(&self, id: u32) -> Result<&'a [u8], Unreadable> {
        if id > self.maxid {
            return Err(damaged(&format!("复合文档扇区 {id} 超出文件范围")));
        }
        let start = (id as usize + 1) * self.sector_size;
        if start >= self.bytes.len() {
            return Err(damaged(&format!("复合文档扇区 {id} 超出文件范围")));
        }
        Ok(&self.bytes[start..(start + self.sector_size).min(self.bytes.len())])
    }

    /// Follow a chain as calamine's `get_chain` does, but stop after as many steps as the file
    /// has sectors: a longer chain loops, which calamine would follow until memory runs out.
    fn chain(&self, start: u32, len: usize) -> Result<Vec<u8>, Unreadable> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps: u64 = 0;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > self.maxid as u64 + 1 {
                return Err(damaged("复合文档扇区链循环"));
            }
            let sector = self.sector(id)?;
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            id = *self.fats.get(id as usize).ok_or_else(|| damaged("复合文档扇区表不完整"))?;
        }
        Ok(out)
    }
}

/// Check an `.xls` (or any compound file calamine will read as one) before calamine parses it.
pub fn check_cfb(bytes: &[u8], limits: &Limits) -> Result<(), Unreadable> {
    // Header problems calamine reports itself (as an error, not an abort).
    if bytes.len() < 512 {
        return Ok(());
    }
    let sector_size = match u16_at(bytes, 30) {
        Some(0x0009) => 512,
        Some(0x000C) => 4096,
        _ => return Ok(()),
    };
    if u16_at(bytes, 32) != Some(0x0006) || bytes.len() < sector_size {
        return Ok(());
    }
    let version = u16_at(bytes, 26).unwrap_or(0);
    let dir_start = u32_at(bytes, 48).unwrap_or(ENDOFCHAIN);
    let mini_fat_start = u32_at(bytes, 60).unwrap_or(ENDOFCHAIN);
    let mini_fat_len = u32_at(bytes, 64).unwrap_or(0) as usize;
    let difat_start = u32_at(bytes, 68).unwrap_or(ENDOFCHAIN);
    let maxid = (bytes.len() / sector_size) as u32;
    let mut compound = Compound { bytes, sector_size, maxid, fats: Vec::new() };

    // DIFAT: the header's 109 entries, then the DIFAT chain (bounded in calamine too).
    let mut difat: Vec<u32> = bytes[76..512].chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let mut id = difat_start;
    let mut steps = 0u64;
    while id < RESERVED_SECTORS {
        steps += 1;
        if steps > maxid as u64 + 1 {
            return Err(damaged("复合文档 DIFAT 链循环"));
        }
        let sector = compound.sector(id)?;
        difat.extend(sector.chunks(4).filter(|c| c.len() == 4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        id = difat.pop().unwrap_or(ENDOFCHAIN);
    }
    // calamine appends one sector of FAT per DIFAT entry, duplicates included.
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
    if fat_sectors.len() as u64 > maxid as u64 + 1 {
        return Err(damaged(&format!("复合文档声明了 {} 个扇区表扇区", fat_sectors.len())));
    }
    let mut fats = Vec::new();
    for id in fat_sectors {
        let sector = compound.sector(id)?;
        fats.extend(sector.chunks(4).filter(|c| c.len() == 4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
    }
    compound.fats = fats;

    let directory = compound.chain(dir_start, usize::MAX)?;
    let entries: Vec<(String, u32, u64)> = directory
        .chunks(128)
        .filter(|c| c.len() == 128)
        .map(|c| {
            let units: Vec<u16> = c[..64].chunks(2).map(|u| u16::from_le_bytes([u[0], u[1]])).collect();
            let name: String = char::decode_utf16(units).map(|r| r.unwrap_or('\u{FFFD}')).take_while(|c| *c != '\0').collect();
            let start = u32::from_le_bytes([c[116], c[117], c[118], c[119]]);
            let len = if sector_size == 512 {
                u32::from_le_bytes([c[120], c[121], c[122], c[123]]) as u64
            } else {
                u64::from_le_bytes(c[120..128].try_into().expect("8 bytes"))
            };
            (name, start, len)
        })
        .collect();
    let Some(root) = entries.first() else { return Ok(()) };
    if version != 3 && root.1 == ENDOFCHAIN {
        return Ok(());
    }
    let (ministream, minifat) = if mini_fat_len > 0 {
        let ministream = compound.chain(root.1, usize::try_from(root.2).unwrap_or(usize::MAX))?;
        let minifat_bytes = compound.chain(mini_fat_start, mini_fat_len.saturating_mul(sector_size))?;
        let minifat: Vec<u32> =
            minifat_bytes.chunks(4).filter(|c| c.len() == 4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        (ministream, minifat)
    } else {
        (Vec::new(), Vec::new())
    };

    // calamine reads "Workbook", or "Book" when that fails (first entry of that name).
    let mut budget = Budget::new(limits);
    for wanted in ["Workbook", "Book"] {
        let Some((_, start, len)) = entries.iter().find(|(name, _, _)| name.eq_ignore_ascii_case(wanted)) else { continue };
        let len = usize::try_from(*len).unwrap_or(usize::MAX);
        let stream = if len < 4096 { mini_chain(&ministream, &minifat, *start, len)? } else { compound.chain(*start, len)? };
        scan_biff(&stream, &mut budget)?;
    }
    Ok(())
}

/// A stream in the mini stream (64-byte sectors), bounded like `Compound::chain`.
fn mini_chain(ministream: &[u8], minifat: &[u32], start: u32, len: usize) -> Result<Vec<u8>, Unreadable> {
    let mut out = Vec::new();
    let mut id = start;
    let mut steps = 0usize;
    while id != ENDOFCHAIN {
        steps += 1;
        if steps > ministream.len() / 64 + 1 {
            return Err(damaged("复合文档短扇区链循环"));
        }
        let begin = id as usize * 64;
        if begin + 64 > ministream.len() {
            // calamine would read past the mini stream from wherever the file reader stands.
            return Err(damaged("复合文档短扇区超出范围"));
        }
        let take = 64.min(len - out.len());
        out.extend_from_slice(&ministream[begin..begin + take]);
        if out.len() >= len {
            break;
        }
        id = *minifat.get(id as usize).ok_or_else(|| damaged("复合文档短扇区表不完整"))?;
    }
    Ok(out)
}

/// BIFF records as calamine's `RecordIter` yields them (Continue records folded in).
fn biff_records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let typ = u16::from_le_bytes([rest[0], rest[1]]);
        let len = u16::from_le_bytes([rest[2], rest[3]]) as usize;
        if rest.len() < len + 4 {
            return None;
        }
        let data = &rest[4..len + 4];
        rest = &rest[len + 4..];
        while rest.len() > 4 && u16::from_le_bytes([rest[0], rest[1]]) == 0x003C {
            let l = u16::from_le_bytes([rest[2], rest[3]]) as usize;
            if rest.len() < l + 4 {
                return None;
            }
            rest = &rest[l + 4..];
        }
        Some((typ, data))
    })
}

/// The workbook globals' BOUNDSHEET positions, then each sheet substream as calamine parses it:
/// DIMENSIONS reserves rows × columns cells, cell records place cells (dense grid from A1).
fn scan_biff(stream: &[u8], budget: &mut Budget) -> Result<(), Unreadable> {
    let mut positions: Vec<usize> = Vec::new();
    for (typ, data) in biff_records(stream) {
        match typ {
            0x0085 => positions.push(u32_at(data, 0).map(|p| p as usize).unwrap_or(usize::MAX)),
            // FILEPASS: the rest is encrypted (RC4, or the old XOR obfuscation, which calamine
            // would read as garbage declaring trillions of cells): one clear message.
            0x002F => return Err(Unreadable("文件设置了密码（已加密），无法读取。请取消密码后重新保存报送".into())),
            0x000A => break,
            _ => {}
        }
    }
    // Many BOUNDSHEETs may point at one substream: each is parsed (and kept) separately.
    let mut memo: std::collections::HashMap<usize, (u64, u64, u64)> = std::collections::HashMap::new();
    for (index, pos) in positions.into_iter().enumerate() {
        if pos > stream.len() {
            continue;
        }
        let (reserve, rows, columns) = *memo.entry(pos).or_insert_with(|| scan_substream(&stream[pos..]));
        budget.reserve(reserve)?;
        if rows > 0 || columns > 0 {
            budget.sheet(&format!("第 {} 个工作表", index + 1), rows, columns)?;
        }
    }
    Ok(())
}

/// (cells reserved by DIMENSIONS, rows and columns of the dense grid from A1).
fn scan_substream(substream: &[u8]) -> (u64, u64, u64) {
    let mut reserve: u64 = 0;
    let (mut rows, mut columns) = (0u64, 0u64);
    let mut note = |row: u16, col: u16| {
        rows = rows.max(row as u64 + 1);
        columns = columns.max(col as u64 + 1);
    };
    let mut seen_bof = false;
    let mut depth = 0usize;
    for (typ, data) in biff_records(substream) {
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        match typ {
            0x0809 => {
                if seen_bof {
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            0x0200 => reserve = reserve.max(dimensions_reserve(data)),
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 => {
                if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                    note(row, col);
                }
            }
            0x00BD => {
                if let (Some(row), Some(first), Some(last)) =
                    (u16_at(data, 0), u16_at(data, 2), data.len().checked_sub(2).and_then(|at| u16_at(data, at)))
                {
                    note(row, first.max(last));
                }
            }
            0x000A => break,
            _ => {}
        }
    }
    (reserve, rows, columns)
}

/// What calamine's `parse_dimensions` + `cells.reserve(rows * cols)` asks for, with its u32
/// arithmetic wrapping as in a release build.
fn dimensions_reserve(r: &[u8]) -> u64 {
    let (rf, rl, mut cf, cl) = match r.len() {
        10 => (
            u16_at(r, 0).unwrap_or(0) as u32,
            u16_at(r, 2).unwrap_or(0) as u32,
            u16_at(r, 4).unwrap_or(0) as u32,
            u16_at(r, 6).unwrap_or(0) as u32,
        ),
        14 | 16 => {
            (u32_at(r, 0).unwrap_or(0), u32_at(r, 4).unwrap_or(0), u16_at(r, 8).unwrap_or(0) as u32, u16_at(r, 10).unwrap_or(0) as u32)
        }
        _ => return 0,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if 1 <= rl && 1 <= cl { ((rf, cf), (rl - 1, cl - 1)) } else { ((rf, cf), (rf, cf)) };
    let rows = end.0.wrapping_sub(start.0).wrapping_add(1) as u64;
    let cols = end.1.wrapping_sub(start.1).wrapping_add(1) as u64;
    // A debug build panics on the same overflow (caught); count it as huge either way.
    let rows = if end.0 < start.0 { u64::MAX } else { rows };
    let cols = if end.1 < start.1 { u64::MAX } else { cols };
    rows.saturating_mul(cols)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn scan(xml: &[u8], chunk: usize) -> Result<XmlFound, String> {
        scan_within(xml, chunk, &Limits::default())
    }

    /// Scan `xml` as an entry inflated `chunk` bytes at a time.
    fn scan_within(xml: &[u8], chunk: usize, limits: &Limits) -> Result<XmlFound, String> {
        let mut budget = Budget::new(limits);
        let mut buffers = Default::default();
        let mut input = Inflating::new(Chunks(xml, chunk), "x", &mut buffers, limits.max_unpacked_bytes, limits, None);
        let streamed = scan_xml(&mut input, &mut budget).map_err(|e| e.into_unreadable("x", "x").0);
        // Read whole, the same part gives the same answer.
        let mut budget = Budget::new(limits);
        let whole = scan_xml_slice(xml, &mut budget).map_err(|e| e.into_unreadable("x", "x").0);
        if !streamed.as_ref().is_err_and(|e| e.contains("XML 标签或文字超过")) {
            assert_eq!(streamed, whole);
        }
        streamed
    }

    /// A reader that gives at most `.1` bytes per read.
    struct Chunks<'a>(&'a [u8], usize);

    impl Read for Chunks<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// An xlsx whose second tab, 粮食&耕地 (part sheet2.xml), holds `sheet2`.
    pub(crate) fn two_tab_workbook(sheet2: &str) -> Vec<u8> {
        let parts: [(&str, &[u8]); 5] = [
            (
                "_rels/.rels",
                br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<workbook xmlns:r="r"><sheets><sheet name="说明" sheetId="1" r:id="rId2"/><sheet name="粮食&amp;耕地" sheetId="2" r:id="rId1"/></sheets></workbook>"#.as_bytes(),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                concat!(
                    r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>"#,
                    r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>"#
                )
                .as_bytes(),
            ),
            ("xl/worksheets/sheet1.xml", br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#),
            ("xl/worksheets/sheet2.xml", sheet2.as_bytes()),
        ];
        deflated(&parts)
    }

    #[test]
    fn parts_are_named_by_their_tabs() {
        let formula = r#"<worksheet><sheetData><row r="2"><c r="B2"><f>1+1</f></c></row></sheetData></worksheet>"#;
        let checked = check_zip(&two_tab_workbook(formula), Format::Xlsx, &Limits::default()).unwrap();
        assert_eq!(checked.formula_sheets.into_iter().collect::<Vec<_>>(), ["粮食&耕地"]);
        // Without the workbook part, the part's file name is all there is.
        let checked = check_zip(&deflated(&[("xl/worksheets/sheet2.xml", formula.as_bytes())]), Format::Xlsx, &Limits::default()).unwrap();
        assert_eq!(checked.formula_sheets.into_iter().collect::<Vec<_>>(), ["sheet2.xml"]);
    }

    #[test]
    fn formulas_are_noticed_from_the_bytes() {
        for xml in [&b"<c><f>A1</f></c>"[..], b"<x:c><x:f t=\"shared\"/></x:c>", b"<f\n>1</f>"] {
            assert!(may_hold_formulas(xml), "{}", String::from_utf8_lossy(xml));
        }
        for xml in [&b"<c r=\"F1\"><v>1</v></c>"[..], b"<fill/>", b"<numFmt formatCode=\"0\"/>"] {
            assert!(!may_hold_formulas(xml), "{}", String::from_utf8_lossy(xml));
        }
    }

    pub(crate) fn deflated(parts: &[(&str, &[u8])]) -> Vec<u8> {
        zipped(parts, zip::CompressionMethod::Deflated)
    }

    fn zipped(parts: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, body) in parts {
            zip.start_file(*name, options).unwrap();
            zip.write_all(body).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn calamine_gets_the_checked_parts_stored_so_none_is_inflated_twice() {
        let sheet: &[u8] = br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#;
        let parts: [(&str, &[u8]); 3] =
            [("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", sheet), ("docProps/app.xml", b"<Properties/>")];
        let checked = check_zip(&deflated(&parts), Format::Xlsx, &Limits::default()).unwrap();
        let unpacked = checked.unpacked.expect("a small workbook is kept");
        let mut archive = zip::ZipArchive::new(Cursor::new(unpacked)).unwrap();
        assert_eq!(archive.len(), parts.len());
        for (name, body) in parts {
            let mut entry = archive.by_name(name).unwrap();
            assert_eq!(entry.compression(), zip::CompressionMethod::Stored, "{name}");
            let mut read = Vec::new();
            entry.read_to_end(&mut read).unwrap();
            assert_eq!(read, body, "{name}");
        }
    }

    #[test]
    fn parts_are_inflated_from_the_file_and_damage_is_refused() {
        let sheet: &[u8] = br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#;
        let body = sheet.repeat(50);
        let unpacked = |bytes: &[u8]| -> Result<Vec<u8>, String> {
            let checked = check_zip(bytes, Format::Xlsx, &Limits::default()).map_err(|e| e.0)?;
            let mut archive = zip::ZipArchive::new(Cursor::new(checked.unpacked.expect("kept"))).unwrap();
            let mut read = Vec::new();
            archive.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_end(&mut read).unwrap();
            Ok(read)
        };
        // Deflated and stored parts (one inflater reused across the parts) come out whole.
        let deflated_file = deflated(&[("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", &body)]);
        assert_eq!(unpacked(&deflated_file).unwrap(), body);
        let stored_file = zipped(&[("xl/worksheets/sheet1.xml", &body)], zip::CompressionMethod::Stored);
        assert_eq!(unpacked(&stored_file).unwrap(), body);
        // A changed byte of a stored part fails its CRC-32; of a deflated part, its inflating or
        // its CRC-32; compressed data cut short is incomplete. Each is one refusal naming the part.
        let at = |file: &[u8]| memchr::memmem::find(file, &body[..40]).expect("stored body");
        let mut changed = stored_file.clone();
        changed[at(&stored_file) + 5] ^= 1;
        let refused = unpacked(&changed).unwrap_err();
        assert!(refused.contains("xl/worksheets/sheet1.xml 解压失败：校验和不符"), "{refused}");
        let archive = zip::ZipArchive::new(Cursor::new(&deflated_file[..])).unwrap();
        let (start, size) = {
            let mut archive = archive;
            let entry = archive.by_name("xl/worksheets/sheet1.xml").unwrap();
            (entry.data_start().unwrap() as usize, entry.compressed_size() as usize)
        };
        for flip in [0, size / 2, size - 1] {
            let mut changed = deflated_file.clone();
            changed[start + flip] ^= 0x55;
            let refused = unpacked(&changed).unwrap_err();
            assert!(refused.contains("xl/worksheets/sheet1.xml 解压失败："), "{refused}");
            assert!(refused.contains("压缩数据损坏") || refused.contains("校验和不符"), "{refused}");
        }
        // The central directory says the part is shorter than its deflated data.
        let mut cut = deflated_file.clone();
        let central = memchr::memmem::rfind(&cut, b"xl/worksheets/sheet1.xml").unwrap() - 46;
        let short = (size as u32 / 2).to_le_bytes();
        cut[central + 20..central + 24].copy_from_slice(&short);
        let refused = unpacked(&cut).unwrap_err();
        assert!(refused.contains("xl/worksheets/sheet1.xml 解压失败：压缩数据不完整"), "{refused}");
    }

    #[test]
    fn a_file_too_large_to_keep_is_checked_but_not_kept() {
        // More than KEEP_UNPACKED inflated (spaces deflate to almost nothing): checked, streamed,
        // and calamine reads the original file.
        let zeros = vec![b' '; KEEP_UNPACKED as usize + 1];
        let big = deflated(&[("xl/workbook.xml", b"<workbook/>"), ("docProps/padding.xml", &zeros)]);
        let checked = check_zip(&big, Format::Xlsx, &Limits::default()).unwrap();
        assert!(checked.unpacked.is_none());
    }

    #[test]
    fn far_cell_references_are_found_across_chunks() {
        let xml = br#"<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>"#;
        for chunk in [1, 7, 64, 4096] {
            let found = scan(xml, chunk).unwrap();
            assert_eq!((found.rows, found.columns), (1_048_576, 16_384), "chunk {chunk}");
        }
    }

    #[test]
    fn attribute_spellings_calamine_accepts_are_all_seen() {
        for xml in [
            &br#"<c r='XFD9'><v>1</v></c>"#[..],
            br#"<c
r = "XFD9"><v>1</v></c>"#,
            br#"<c s="1"r="XFD9"><v>1</v></c>"#,
            br#"<x:c x:r="XFD9"><x:v>1</x:v></x:c>"#,
            br#"<c t="s" note=">" r="XFD9"><v>1</v></c>"#,
        ] {
            let found = scan(xml, 3).unwrap();
            assert_eq!(found.columns, 16_384, "{}", String::from_utf8_lossy(xml));
        }
    }

    #[test]
    fn implicit_positions_are_counted_like_calamine() {
        // rows without r advance one by one; cells without r advance along the row
        let mut xml = b"<sheetData>".to_vec();
        for _ in 0..300 {
            xml.extend_from_slice(b"<row></row>");
        }
        xml.extend_from_slice(b"<row><c><v>1</v></c><c/><c><v>2</v></c></row></sheetData>");
        let found = scan(&xml, 100).unwrap();
        assert_eq!((found.rows, found.columns), (301, 3));
    }

    #[test]
    fn styled_empty_cells_do_not_count() {
        let found = scan(br#"<row r="5"><c r="A5"><v>1</v></c><c r="XFD1048576" s="3"/><c r="Z9" s="1"></c></row>"#, 5).unwrap();
        assert_eq!((found.rows, found.columns), (5, 1));
    }

    #[test]
    fn declared_string_counts_are_read_in_any_form() {
        for xml in [
            &br#"<sst xmlns="x" count="3" uniqueCount="1000000000000"><si><t>a</t></si></sst>"#[..],
            br#"<sst uniqueCount='00000000000000000000001000000000000'>"#,
            br#"<x:sst uniqueCount = "1000000000000">"#,
        ] {
            assert_eq!(scan(xml, 4).unwrap().unique_count, 1_000_000_000_000);
            assert_eq!(first_sst_count(xml), 1_000_000_000_000);
        }
    }

    #[test]
    fn a_part_read_whole_is_parsed_up_to_the_sst_calamine_reserves_for() {
        // calamine reserves for the first `sst` start only, an empty one included.
        assert_eq!(first_sst_count(br#"<?xml version="1.0"?><!-- <sst uniqueCount="7"> --><sst uniqueCount="9"/>"#), 9);
        assert_eq!(first_sst_count(br#"<sst count="1"><si><t>a</t></si></sst><sst uniqueCount="99">"#), 0);
        assert_eq!(first_sst_count(br#"<worksheet><sheetData/></worksheet>"#), 0);
        // In a whole workbook: the huge count is refused, from the part read whole.
        let sheet = br#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
        for (count, refused) in [("1", false), ("1000000000000", true)] {
            let strings = format!(r#"<sst uniqueCount="{count}"><si><t>a</t></si></sst>"#);
            let bytes = deflated(&[("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", strings.as_bytes())]);
            assert_eq!(check_zip(&bytes, Format::Xlsx, &Limits::default()).is_err(), refused, "{count}");
        }
    }

    #[test]
    fn comments_and_cdata_do_not_hide_or_break_tags() {
        let found = scan(br#"<!-- <c r="A1"> --><![CDATA[ > ]]><c r="C3"><v>1</v></c>"#, 2).unwrap();
        assert_eq!((found.rows, found.columns), (3, 3));
    }

    #[test]
    fn ods_repeats_expand_only_non_empty_cells() {
        let legit = br#"<table:table><table:table-row table:number-rows-repeated="2"><table:table-cell office:value-type="float" office:value="1"/><table:table-cell table:number-columns-repeated="1020"/></table:table-row><table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#;
        assert!(scan(legit, 9).is_ok());
        let bomb = br#"<table:table><table:table-row><table:table-cell table:number-columns-repeated="1000000000"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#;
        assert!(scan(bomb, 9).unwrap_err().contains("过大"));
        let rows = br#"<table:table><table:table-row table:number-rows-repeated="&#49;000000"><table:table-cell office:value="1"/></table:table-row></table:table>"#;
        assert!(scan(rows, 9).is_err());
    }

    #[test]
    fn long_comments_and_cdata_do_not_hide_tags() {
        let long = 3 * 1024 * 1024;
        let mut xml = b"<!-- ".to_vec();
        xml.extend(std::iter::repeat_n(b'a', long));
        xml.extend_from_slice(b" --><![CDATA[");
        xml.extend(std::iter::repeat_n(b'<', long));
        xml.extend_from_slice(br#"]]><c r="C3"><v>1</v></c>"#);
        for chunk in [1000, 65536] {
            let found = scan(&xml, chunk).unwrap();
            assert_eq!((found.rows, found.columns), (3, 3));
        }
    }

    #[test]
    fn events_longer_than_the_limit_are_refused() {
        let limits = Limits { max_xml_event_bytes: 64 * 1024, ..Limits::default() };
        let long = |open: &[u8]| {
            let mut xml = open.to_vec();
            xml.extend(std::iter::repeat_n(b'a', 64 * 1024 + 10));
            xml
        };
        for xml in [long(b"<c r=\"A1\" x=\""), long(b"<!-- "), long(b"<![CDATA[")] {
            let message = scan_within(&xml, 4096, &limits).unwrap_err();
            assert!(message.contains("XML 标签或文字超过"), "{message}");
        }
        // A shorter one is read (and, unclosed at the end of the entry, is no error of the guard's).
        let mut xml = long(b"<!-- ");
        xml.truncate(60 * 1024);
        assert!(scan_within(&xml, 4096, &limits).is_ok());
    }

    #[test]
    fn end_tags_are_matched_as_calamine_matches_them() {
        // `</row x="1">` is an end tag named `row x="1"` to quick-xml: calamine does not end the
        // row there, so its columns run on across the three rows.
        let mut xml = b"<sheetData>".to_vec();
        for _ in 0..3 {
            xml.extend_from_slice(b"<row>");
            for _ in 0..100 {
                xml.extend_from_slice(b"<c><v>1</v></c>");
            }
            xml.extend_from_slice(b"</row x=\"1\">");
        }
        let found = scan(&xml, 512).unwrap();
        assert_eq!((found.rows, found.columns), (1, 300));
        // ods elements are matched by their full name: a `table:table-row` by another prefix is
        // no row to calamine.
        let ods = br#"<table:table><table:table-row><table:table-cell office:value="1"/><x:table-row/><table:table-cell office:value="1"/></table:table-row></table:table>"#;
        let limits = Limits { max_columns: 1, ..Limits::default() };
        assert!(scan_within(ods, 512, &limits).unwrap_err().contains("过大"));
    }

    #[test]
    fn xlsb_records_place_cells_and_refuse_huge_lengths() {
        // BrtRowHdr (type 0, len 4, row 1000), BrtCellReal (type 5, len 16, col 300)
        let mut bytes = vec![0x00, 0x04];
        bytes.extend_from_slice(&1000u32.to_le_bytes());
        bytes.extend_from_slice(&[0x05, 0x10]);
        bytes.extend_from_slice(&300u32.to_le_bytes());
        bytes.extend_from_slice(&[0u8; 12]);
        for chunk in [1, 3, 100] {
            let mut scanner = RecordScanner::new(true);
            for part in bytes.chunks(chunk) {
                assert!(scanner.feed(part).is_ok());
            }
            assert_eq!(scanner.finish().ok(), Some((1001, 301)));
        }
        let mut scanner = RecordScanner::new(false);
        assert!(scanner.feed(&[0x05, 0xFF, 0xFF, 0xFF, 0x7F]).is_err());
    }

    #[test]
    fn xls_dimensions_are_read_as_calamine_reserves_them() {
        let mut r = Vec::new();
        for v in [0u32, 1_000_000] {
            r.extend_from_slice(&v.to_le_bytes());
        }
        r.extend_from_slice(&[0, 0, 200, 0, 0, 0]);
        assert_eq!(dimensions_reserve(&r), 200_000_000);
        // first row after last row: u32 underflow
        let mut r = Vec::new();
        for v in [10u32, 5] {
            r.extend_from_slice(&v.to_le_bytes());
        }
        r.extend_from_slice(&[0, 0, 1, 0, 0, 0]);
        assert_eq!(dimensions_reserve(&r), u64::MAX);
    }
}
