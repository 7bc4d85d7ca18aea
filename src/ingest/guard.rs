//! Checks a zip-based workbook (xlsx, xlsm, xlsb, ods) before calamine parses it.
//!
//! calamine trusts what a file declares: a 2 KB xlsx whose sharedStrings says
//! `uniqueCount="1000000000000"` makes it reserve that many strings, and a sheet with cells at A1
//! and XFD1048576 makes it allocate the dense grid between them; both abort the process (an
//! allocation failure is not a panic and cannot be caught). Zip bombs decompress into memory.
//! So every entry is decompressed here first, streaming and capped, and the declared counts and
//! the cell references are compared with limits derived from the plan's form sizes.

use std::io::{Cursor, Read};

use super::read::{Format, Unreadable, too_big};

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
    /// Largest shared-string count accepted.
    pub max_shared_strings: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 * 1024 * 1024,
            max_unpacked_bytes: 200 * 1024 * 1024,
            max_entries: 2_000,
            max_rows: 100_000,
            max_columns: 256,
            max_shared_strings: 5_000_000,
        }
    }
}

fn damaged(detail: &str) -> Unreadable {
    Unreadable(format!("文件已损坏或不完整（{detail}），无法读取。请用 Excel 或 WPS 打开后另存为 .xlsx 再报送"))
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

/// Decompress every entry with caps; check declared string counts and sheet extents.
pub fn check_zip(bytes: &[u8], format: Format, limits: &Limits) -> Result<(), Unreadable> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(&format!("压缩结构错误：{e}")))?;
    if archive.len() > limits.max_entries {
        return Err(damaged(&format!("包含 {} 个内部文件", archive.len())));
    }
    let mut unpacked_total: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| {
            let text = e.to_string().to_lowercase();
            if text.contains("password") || text.contains("encrypt") {
                Unreadable("文件设置了密码（已加密），无法读取。请取消密码后重新保存报送".into())
            } else {
                damaged(&format!("内部文件错误：{e}"))
            }
        })?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let remaining = limits.max_unpacked_bytes.saturating_sub(unpacked_total);
        let inspect = is_sheet(&name, format) || is_shared_strings(&name, format);
        let mut scanner = Scanner::new(inspect);
        let mut buffer = [0u8; 64 * 1024];
        let mut entry_bytes: u64 = 0;
        loop {
            let n = entry.read(&mut buffer).map_err(|e| damaged(&format!("{name} 解压失败：{e}")))?;
            if n == 0 {
                break;
            }
            entry_bytes += n as u64;
            if entry_bytes > remaining {
                return Err(Unreadable(format!(
                    "文件解压后超过 {} MB（疑似压缩炸弹或异常文件），已拒收。请检查文件后重新报送",
                    limits.max_unpacked_bytes / 1024 / 1024
                )));
            }
            scanner.feed(&buffer[..n]);
        }
        unpacked_total += entry_bytes;
        if is_shared_strings(&name, format) {
            let declared = scanner.max_attribute(b"uniqueCount=\"").max(scanner.max_attribute(b"count=\""));
            // Every shared string takes at least `<si><t/></si>` (12 bytes) of XML.
            if declared > limits.max_shared_strings || declared > entry_bytes / 12 + 16 {
                return Err(damaged(&format!("共享字符串声明了 {declared} 个，与文件内容不符")));
            }
        }
        if is_sheet(&name, format) {
            let (rows, columns) = scanner.extent();
            if rows > limits.max_rows || columns > limits.max_columns {
                let sheet = name.rsplit('/').next().unwrap_or(&name).to_string();
                return Err(too_big(&sheet, rows, columns));
            }
        }
    }
    Ok(())
}

fn is_sheet(name: &str, format: Format) -> bool {
    match format {
        Format::Xlsx => name.starts_with("xl/worksheets/") && name.ends_with(".xml"),
        Format::Ods => name == "content.xml",
        _ => false,
    }
}

fn is_shared_strings(name: &str, format: Format) -> bool {
    format == Format::Xlsx && name.eq_ignore_ascii_case("xl/sharedStrings.xml")
}

/// Streams XML bytes and remembers the largest cell reference (`r="XFD1048576"`), the largest
/// `<dimension ref=...>` corner, repeated-row/column counts (ods) and numeric attributes.
struct Scanner {
    active: bool,
    /// Tail of the previous chunk, so patterns split across chunks are still seen.
    carry: Vec<u8>,
    max_row: usize,
    max_col: usize,
    attributes: Vec<(Vec<u8>, u64)>,
}

impl Scanner {
    fn new(active: bool) -> Scanner {
        Scanner { active, carry: Vec::new(), max_row: 0, max_col: 0, attributes: Vec::new() }
    }

    fn feed(&mut self, chunk: &[u8]) {
        if !self.active {
            return;
        }
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        // Complete references end before the last 64 bytes; keep those for the next chunk.
        let safe = data.len().saturating_sub(64);
        self.scan(&data[..], safe);
        self.carry = data[safe..].to_vec();
    }

    fn scan(&mut self, data: &[u8], limit: usize) {
        let mut i = 0;
        while i < limit {
            let rest = &data[i..];
            if rest.starts_with(b" r=\"") || rest.starts_with(b" ref=\"") {
                let start = i + if rest.starts_with(b" r=\"") { 4 } else { 6 };
                let end = data[start..].iter().position(|b| *b == b'"').map(|p| start + p).unwrap_or(data.len());
                for reference in data[start..end].split(|b| *b == b':') {
                    self.note_reference(reference);
                }
                i = end;
                continue;
            }
            for pattern in [&b"number-rows-repeated=\""[..], &b"number-columns-repeated=\""[..], &b"uniqueCount=\""[..], &b"count=\""[..]] {
                if rest.starts_with(pattern) {
                    let value = leading_number(&rest[pattern.len()..]);
                    match pattern {
                        b"number-rows-repeated=\"" => self.max_row = self.max_row.max(value as usize),
                        b"number-columns-repeated=\"" => self.max_col = self.max_col.max(value as usize),
                        _ => self.attributes.push((pattern.to_vec(), value)),
                    }
                }
            }
            i += 1;
        }
    }

    fn note_reference(&mut self, reference: &[u8]) {
        let letters = reference.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let digits = &reference[letters..];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) || letters > 3 {
            return;
        }
        let row = leading_number(digits) as usize;
        let col = reference[..letters].iter().fold(0usize, |acc, b| acc * 26 + (b.to_ascii_uppercase() - b'A' + 1) as usize);
        self.max_row = self.max_row.max(row);
        self.max_col = self.max_col.max(col);
    }

    fn max_attribute(&self, pattern: &[u8]) -> u64 {
        let tail_scan = {
            let mut copy = Scanner::new(true);
            copy.scan(&self.carry, self.carry.len());
            copy.attributes
        };
        self.attributes.iter().chain(tail_scan.iter()).filter(|(p, _)| p == pattern).map(|(_, v)| *v).max().unwrap_or(0)
    }

    fn extent(&self) -> (usize, usize) {
        let mut copy = Scanner::new(true);
        copy.scan(&self.carry, self.carry.len());
        (self.max_row.max(copy.max_row), self.max_col.max(copy.max_col))
    }
}

fn leading_number(bytes: &[u8]) -> u64 {
    bytes.iter().take_while(|b| b.is_ascii_digit()).take(19).fold(0u64, |acc, b| acc.saturating_mul(10).saturating_add((b - b'0') as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_finds_far_cell_references_across_chunks() {
        let mut scanner = Scanner::new(true);
        let xml = br#"<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>"#;
        for chunk in xml.chunks(7) {
            scanner.feed(chunk);
        }
        assert_eq!(scanner.extent(), (1_048_576, 16_384));
    }

    #[test]
    fn scanner_reads_declared_string_counts() {
        let mut scanner = Scanner::new(true);
        scanner.feed(br#"<sst xmlns="x" count="3" uniqueCount="1000000000000"><si><t>a</t></si></sst>"#);
        assert_eq!(scanner.max_attribute(b"uniqueCount=\""), 1_000_000_000_000);
    }
}
