//! Fuzz the ingestion of one township file: the exact path `ingest::read_file` takes after
//! reading the bytes (`read::sniff`, then `read::read_grids`, which runs the guard before
//! calamine). Any process abort, hang, or allocation above `-malloc_limit_mb` is a bug: the
//! product promises that every input becomes at most one error for its file.
//!
//! The file is claimed to be a `.csv`: sniffing decides zip / compound file / text from the
//! content, and only text falls back on the extension, so this one extension reaches every
//! reader (xlsx, xlsm, xlsb, ods, xls, csv).
//!
//! Panics that calamine raises inside `read_grids` are caught there and become an error for the
//! file, as in a real run; the quiet panic hook below keeps them from being reported as crashes.
//! A panic anywhere else (the guard, the sniffing, our conversion) still escapes and aborts.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zhenxing::ingest::{Limits, read};

fuzz_target!(
    init: {
        std::panic::set_hook(Box::new(|_| {}));
    },
    |data: &[u8]| {
        let limits = Limits::default();
        if let Ok(format) = read::sniff(data, "csv") {
            let _ = read::read_grids(data, format, &limits);
        }
    }
);
