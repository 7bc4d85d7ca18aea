//! Zip parts inflated as the guard reads them: straight from the file's bytes with one inflater
//! per file (`RawPart`, its CRC-32 checked at its end), capped (`Inflating`), and the parts kept
//! uncompressed in an in-memory archive for calamine to read (`Kept`).

use std::io::{BufRead, Cursor, Read};

use super::{KEEP_UNPACKED, Limits, ScanError, damaged};
use crate::ingest::unreadable::Unreadable;

/// A zip entry's bytes as the guard reads them: inflated from the file's bytes in memory
/// (`RawPart`), or through the zip reader where the entry is not a plain stored or deflated one.
pub(super) enum Part<'s, E> {
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
pub(super) struct RawPart<'s> {
    pub(super) compressed: &'s [u8],
    /// `None` for a stored entry.
    pub(super) inflater: Option<&'s mut flate2::Decompress>,
    pub(super) crc: crc32fast::Hasher,
    pub(super) expected_crc: u32,
    pub(super) finished: bool,
}

impl<'s> RawPart<'s> {
    /// The entry's compressed bytes within `bytes`, and whether they are deflated; `None` for an
    /// encrypted entry, another method, or bytes beyond the file's (left to the zip reader,
    /// which refuses them as before).
    pub(super) fn of<R: Read>(entry: &zip::read::ZipFile<'_, R>, bytes: &'s [u8]) -> Option<(&'s [u8], bool)> {
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

    pub(super) fn new(compressed: &'s [u8], inflater: Option<&'s mut flate2::Decompress>, expected_crc: u32) -> RawPart<'s> {
        RawPart { compressed, inflater, crc: crc32fast::Hasher::new(), expected_crc, finished: false }
    }

    pub(super) fn damaged(detail: &str) -> std::io::Error {
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
pub(super) struct Kept {
    pub(super) writer: Option<zip::ZipWriter<Cursor<Vec<u8>>>>,
    pub(super) total: u64,
}

impl Kept {
    pub(super) fn new(packed: usize) -> Kept {
        Kept { writer: Some(zip::ZipWriter::new(Cursor::new(Vec::with_capacity(packed * 8)))), total: 0 }
    }

    /// Begin the next entry (a folder entry gets none: the zip writer would not take its bytes).
    pub(super) fn start(&mut self, name: &str, folder: bool) {
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        if let Some(writer) = self.writer.as_mut().filter(|_| !folder)
            && writer.start_file(name, stored).is_err()
        {
            self.writer = None;
        }
    }

    pub(super) fn write(&mut self, bytes: &[u8]) {
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
    pub(super) fn room(&self) -> u64 {
        if self.writer.is_some() { KEEP_UNPACKED.saturating_sub(self.total) } else { 0 }
    }

    pub(super) fn finish(self) -> Option<Vec<u8>> {
        self.writer.and_then(|writer| writer.finish().ok()).map(Cursor::into_inner)
    }
}

/// One zip entry as it is inflated, read through `BufRead` by the XML reader or in chunks by the
/// record scanner: each byte is inflated once, counted against the file's limit and stored in
/// the kept archive as it passes, and no XML event may buffer more than the limit.
pub(super) struct Inflating<'a, R> {
    pub(super) entry: R,
    pub(super) name: &'a str,
    /// Inflated bytes not yet taken are `buffer[start..]`; `chunk` is what the inflater fills.
    pub(super) buffer: &'a mut Vec<u8>,
    pub(super) chunk: &'a mut [u8],
    pub(super) start: usize,
    /// Bytes inflated so far, and how many the file's limit leaves for this entry.
    pub(super) read: u64,
    pub(super) remaining: u64,
    pub(super) max_unpacked: u64,
    pub(super) kept: Option<&'a mut Kept>,
    /// Bytes taken since the XML reader last returned an event, and the most one may take.
    pub(super) event: u64,
    pub(super) max_event: u64,
    /// Why reading stopped (the reader sees only an I/O error).
    pub(super) failure: Option<ScanError>,
}

impl<'a, R: Read> Inflating<'a, R> {
    /// `buffers`: the buffer and the inflater's chunk, reused from entry to entry.
    pub(super) fn new(
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

    pub(super) fn fail(&mut self, failure: ScanError) -> std::io::Error {
        self.failure = Some(failure);
        std::io::Error::other("refused")
    }

    /// The failure behind an I/O error of the reader, or the error itself as damage.
    pub(super) fn failure_or(&mut self, error: impl std::fmt::Display) -> ScanError {
        self.failure.take().unwrap_or_else(|| ScanError::Damaged(error.to_string()))
    }

    /// Pass every remaining byte to `scan`, chunk by chunk.
    pub(super) fn each_chunk(&mut self, mut scan: impl FnMut(&[u8]) -> Result<(), ScanError>) -> Result<(), ScanError> {
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
pub(super) const CHUNK: usize = 64 * 1024;

impl<R: Read> Inflating<'_, R> {
    /// Inflate up to `CHUNK` more bytes onto the buffer: counted, kept; 0 at the entry's end.
    pub(super) fn inflate(&mut self) -> std::io::Result<usize> {
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
    pub(super) fn whole(&mut self, room: u64) -> std::io::Result<bool> {
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
    pub(super) fn rest(&self) -> &[u8] {
        &self.buffer[self.start..]
    }
}
