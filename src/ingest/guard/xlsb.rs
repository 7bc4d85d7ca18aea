//! xlsb record streams: record lengths capped before calamine allocates them, and the cells that
//! row and cell records place.

use super::ScanError;

/// Record lengths above this are refused (calamine allocates the declared length before reading;
/// real records are at most a few tens of KB).
pub(super) const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;

/// Entries calamine reads as record streams: the workbook, strings, styles and sheets.
pub(super) fn is_xlsb_record_part(key: &str) -> bool {
    matches!(key, "xl/workbook.bin" | "xl/sharedstrings.bin" | "xl/styles.bin") || is_xlsb_sheet(key)
}

pub(super) fn is_xlsb_sheet(key: &str) -> bool {
    ["xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/"].iter().any(|p| key.starts_with(p))
}

/// Walks xlsb records (1–2 byte type, 1–4 byte length) across chunks; in sheets, follows
/// calamine's placement: `BrtRowHdr` sets the row, a cell record's first 4 bytes are its column
/// (read from a reused buffer, so a short record sees the previous record's bytes, as in calamine).
pub(super) struct RecordScanner {
    pub(super) sheet: bool,
    pub(super) state: RecordState,
    pub(super) typ: u16,
    pub(super) len: u64,
    pub(super) header: Vec<u8>,
    /// First 4 bytes of the reused record buffer, and how long that buffer has grown.
    pub(super) head: [u8; 4],
    pub(super) head_filled: usize,
    pub(super) buffer_len: u64,
    /// Bytes of the current record's data read so far.
    pub(super) read: u64,
    pub(super) row: u64,
    pub(super) rows: u64,
    pub(super) columns: u64,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum RecordState {
    Type,
    Length,
    Data,
}

impl RecordScanner {
    pub(super) fn new(sheet: bool) -> RecordScanner {
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

    pub(super) fn feed(&mut self, chunk: &[u8]) -> Result<(), ScanError> {
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

    pub(super) fn end_record(&mut self) {
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

    pub(super) fn finish(self) -> Result<(u64, u64), ScanError> {
        if self.state == RecordState::Data && self.len - self.read > 0 {
            // calamine would allocate `len` and then fail to read: refuse a large one.
            if self.len > 64 * 1024 {
                return Err(ScanError::Damaged("记录被截断".into()));
            }
        }
        Ok((self.rows, self.columns))
    }
}

/// The sheets `xl/workbook.bin` lists (`BrtBundleSh` records): each one's relationship id and
/// tab name, for messages. A record that does not parse ends the list.
pub(super) fn bundle_sheets(workbook: &[u8]) -> Vec<(String, String)> {
    let mut sheets = Vec::new();
    let mut at = 0;
    // A varint of at most `bytes` bytes, 7 bits each.
    let varint = |at: &mut usize, bytes: usize| -> Option<u64> {
        let mut value = 0u64;
        for i in 0..bytes {
            let b = *workbook.get(*at)?;
            *at += 1;
            value |= u64::from(b & 0x7F) << (7 * i);
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        Some(value)
    };
    let wide = |data: &[u8], at: &mut usize| -> Option<String> {
        let len = u32::from_le_bytes(data.get(*at..*at + 4)?.try_into().ok()?) as usize;
        let bytes = data.get(*at + 4..*at + 4 + len.checked_mul(2)?)?;
        *at += 4 + len * 2;
        Some(String::from_utf16_lossy(&bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<_>>()))
    };
    while at < workbook.len() {
        let (Some(typ), Some(len)) = (varint(&mut at, 2), varint(&mut at, 4)) else { break };
        let Some(data) = workbook.get(at..at.saturating_add(len as usize)) else { break };
        at += len as usize;
        if typ == 0x9C {
            let mut offset = 8; // hsState, iTabID
            let (Some(id), Some(name)) = (wide(data, &mut offset), wide(data, &mut offset)) else { break };
            sheets.push((id, name));
        }
    }
    sheets
}
