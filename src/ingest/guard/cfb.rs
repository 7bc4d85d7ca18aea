//! `.xls` files: the compound file's sector chains walked with a step limit, and the workbook
//! stream's BIFF records scanned for the dimensions and sheets calamine reserves for, and for the
//! hidden columns (COLINFO) calamine does not read.

use super::{Budget, Limits, MAX_HIDDEN_COLUMNS, damaged};
use crate::ingest::unreadable::Unreadable;

pub(super) const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
pub(super) const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
pub(super) const DIFSECT: u32 = 0xFFFF_FFFC;

pub(super) fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

pub(super) fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A compound file as calamine reads it (`cfb.rs`), with every chain walk bounded.
pub(super) struct Compound<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) sector_size: usize,
    /// Largest sector id calamine accepts.
    pub(super) maxid: u32,
    pub(super) fats: Vec<u32>,
}

impl<'a> Compound<'a> {
    pub(super) fn sector(&self, id: u32) -> Result<&'a [u8], Unreadable> {
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
    pub(super) fn chain(&self, start: u32, len: usize) -> Result<Vec<u8>, Unreadable> {
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
/// Returns the hidden columns (0-based) of the sheets that hide any, by their place among the
/// BOUNDSHEET records (calamine's order of the sheets).
pub fn check_cfb(bytes: &[u8], limits: &Limits) -> Result<Vec<(usize, Vec<u32>)>, Unreadable> {
    // Header problems calamine reports itself (as an error, not an abort).
    if bytes.len() < 512 {
        return Ok(Vec::new());
    }
    let sector_size = match u16_at(bytes, 30) {
        Some(0x0009) => 512,
        Some(0x000C) => 4096,
        _ => return Ok(Vec::new()),
    };
    if u16_at(bytes, 32) != Some(0x0006) || bytes.len() < sector_size {
        return Ok(Vec::new());
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
    let Some(root) = entries.first() else { return Ok(Vec::new()) };
    if version != 3 && root.1 == ENDOFCHAIN {
        return Ok(Vec::new());
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

    // calamine reads "Workbook", or "Book" when that fails (first entry of that name): the
    // hidden columns are those of the stream it reads.
    let mut budget = Budget::new(limits);
    let mut hidden = None;
    for wanted in ["Workbook", "Book"] {
        let Some((_, start, len)) = entries.iter().find(|(name, _, _)| name.eq_ignore_ascii_case(wanted)) else { continue };
        let len = usize::try_from(*len).unwrap_or(usize::MAX);
        let stream = if len < 4096 { mini_chain(&ministream, &minifat, *start, len)? } else { compound.chain(*start, len)? };
        let found = scan_biff(&stream, &mut budget)?;
        hidden.get_or_insert(found);
    }
    Ok(hidden.unwrap_or_default())
}

/// A stream in the mini stream (64-byte sectors), bounded like `Compound::chain`.
pub(super) fn mini_chain(ministream: &[u8], minifat: &[u32], start: u32, len: usize) -> Result<Vec<u8>, Unreadable> {
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
pub(super) fn biff_records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
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
/// Returns the hidden columns of the sheets that hide any, by BOUNDSHEET index (until the file's
/// sheets have `MAX_HIDDEN_COLUMNS`).
pub(super) fn scan_biff(stream: &[u8], budget: &mut Budget) -> Result<Vec<(usize, Vec<u32>)>, Unreadable> {
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
    let max_columns = budget.limits.max_columns;
    let mut memo: std::collections::HashMap<usize, Substream> = std::collections::HashMap::new();
    let mut hidden = Vec::new();
    let mut hidden_total = 0usize;
    for (index, pos) in positions.into_iter().enumerate() {
        if pos > stream.len() {
            continue;
        }
        let sheet = memo.entry(pos).or_insert_with(|| scan_substream(&stream[pos..], max_columns));
        budget.reserve(sheet.reserve)?;
        if sheet.rows > 0 || sheet.columns > 0 {
            budget.sheet(&format!("第 {} 个工作表", index + 1), sheet.rows, sheet.columns)?;
        }
        if !sheet.hidden.is_empty() && hidden_total + sheet.hidden.len() <= MAX_HIDDEN_COLUMNS {
            hidden_total += sheet.hidden.len();
            hidden.push((index, sheet.hidden.clone()));
        }
    }
    Ok(hidden)
}

/// What one sheet substream makes calamine allocate, and the columns it hides.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Substream {
    /// Cells reserved by DIMENSIONS.
    pub(super) reserve: u64,
    /// Rows and columns of the dense grid from A1.
    pub(super) rows: u64,
    pub(super) columns: u64,
    /// Columns hidden by COLINFO records (0-based, ascending, below `max_columns`).
    pub(super) hidden: Vec<u32>,
}

/// One sheet substream as calamine parses it, and its COLINFO records (columns below
/// `max_columns`: a sheet holds no cells beyond the file's limits).
pub(super) fn scan_substream(substream: &[u8], max_columns: usize) -> Substream {
    let mut reserve: u64 = 0;
    let (mut rows, mut columns) = (0u64, 0u64);
    // One flag per column within the limits, however many COLINFO records repeat a range.
    let mut hidden = vec![false; max_columns.min(u16::MAX as usize + 1)];
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
            // COLINFO: colFirst, colLast, coldx, ixfe, then flags whose bit 0 is fHidden.
            0x007D => {
                if let (Some(first), Some(last), Some(flags)) = (u16_at(data, 0), u16_at(data, 2), u16_at(data, 8))
                    && flags & 1 == 1
                {
                    let end = (last as usize + 1).min(hidden.len());
                    for flag in hidden.iter_mut().take(end).skip(first as usize) {
                        *flag = true;
                    }
                }
            }
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
    let hidden = hidden.iter().enumerate().filter(|(_, h)| **h).map(|(c, _)| c as u32).collect();
    Substream { reserve, rows, columns, hidden }
}

/// What calamine's `parse_dimensions` + `cells.reserve(rows * cols)` asks for, with its u32
/// arithmetic wrapping as in a release build.
pub(super) fn dimensions_reserve(r: &[u8]) -> u64 {
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
