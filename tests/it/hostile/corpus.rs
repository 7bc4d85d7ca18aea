//! The hostile corpus: every file here once could kill the process, bloat it, or confuse the
//! reader. Each is made by code in this module (except one LibreOffice file), so the corpus can be
//! regenerated and reviewed; `tests/fixtures/hostile/` holds the committed copies and a README
//! generated from `corpus()`.
//!
//! Regenerate: `ZHENXING_REGENERATE=hostile cargo test --test it hostile::fixtures_match` (four
//! minutes in a debug build: the zip bomb deflates 1 GiB), or only some files:
//! `ZHENXING_REGENERATE=hostile:far_cell.xlsx,hostile:cfb_loop.xls cargo test --test it hostile::fixtures_match`.

#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use zhenxing::period::Period;
use zhenxing::plan::Plan;
use zhenxing::report::template::{TemplateRequest, workbook_bytes};

/// Where the committed corpus lives.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile")
}

/// What calamine 0.38 does with the file when nothing guards it (checked by
/// `hostile::calamine_alone_dies_on_the_corpus` in a memory-limited child process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw {
    /// The process aborts (an allocation failure, or memory exhausted by a loop).
    Aborts,
    /// calamine returns an error, or reads it; harmless without the guard.
    Harmless,
    /// The file never reaches calamine (refused by the format sniffing or the zip reader).
    NotReached,
}

/// How the bytes of a fixture come about.
pub enum Make {
    File(fn() -> Vec<u8>),
    /// A directory named like a workbook (holds a `.gitkeep` so that git keeps it).
    Directory,
    /// Made outside this module; only the committed copy exists.
    External,
}

pub struct Hostile {
    pub name: &'static str,
    /// One line for the README: what the file is and how it is made.
    pub what: &'static str,
    /// Words the E01 message must contain (any one of them).
    pub expect: &'static [&'static str],
    pub raw: Raw,
    pub make: Make,
}

pub fn corpus() -> Vec<Hostile> {
    use Raw::*;
    vec![
        Hostile {
            name: "shared_strings_bomb.xlsx",
            what: "xlsx (~2 KB) whose sharedStrings.xml declares uniqueCount=\"1000000000000\" (calamine reserves that many strings); made by `shared_strings_bomb()`",
            expect: &["共享字符串"],
            raw: Aborts,
            make: Make::File(shared_strings_bomb),
        },
        Hostile {
            name: "shared_strings_bomb_backslash.xlsx",
            what: "the same bomb stored as `xl\\sharedStrings.xml` (calamine finds entries case-insensitively and with `\\` as `/`); `shared_strings_bomb_backslash()`",
            expect: &["共享字符串"],
            raw: Aborts,
            make: Make::File(shared_strings_bomb_backslash),
        },
        Hostile {
            name: "shared_strings_bomb_zeros.xlsx",
            what: "uniqueCount written with 25 leading zeros (a 19-digit reader sees 0); `shared_strings_bomb_zeros()`",
            expect: &["共享字符串"],
            raw: Aborts,
            make: Make::File(shared_strings_bomb_zeros),
        },
        Hostile {
            name: "far_cell.xlsx",
            what: "xlsx with cells at A1 and XFD1048576 (calamine allocates the dense 16384 × 1048576 grid); `far_cell()`",
            expect: &["过大"],
            raw: Aborts,
            make: Make::File(far_cell),
        },
        Hostile {
            name: "far_cell_quotes.xlsx",
            what: "far cell written `<c\\nr='XFD1048576'>` (newline before the attribute, single quotes: valid XML); `far_cell_quotes()`",
            expect: &["过大"],
            raw: Aborts,
            make: Make::File(far_cell_quotes),
        },
        Hostile {
            name: "far_cell_implicit.xlsx",
            what: "no `r` attributes at all: A1, 1,048,574 empty `<row/>`, then a row of 16,384 `<c>` cells (positions by counting); `far_cell_implicit()`",
            expect: &["过大"],
            raw: Aborts,
            make: Make::File(far_cell_implicit),
        },
        Hostile {
            name: "far_cell_four_letters.xlsx",
            what: "cells at A1 and ZZZZ100000 (a four-letter column, 475,254); `far_cell_four_letters()`",
            expect: &["过大"],
            raw: Aborts,
            make: Make::File(far_cell_four_letters),
        },
        Hostile {
            name: "far_cell_row_end.xlsx",
            what: "1,000 rows of 255 cells without `r`, each row closed by `</row x=\"1\">`: to quick-xml that end tag is named `row x=\"1\"`, so calamine never ends a row and its columns run on to 255,000 (the guard's own tokenizer, before quick-xml, ended the row there and let the file through); `far_cell_row_end()`",
            expect: &["过大"],
            raw: Aborts,
            make: Make::File(far_cell_row_end),
        },
        Hostile {
            name: "zip_bomb.xlsx",
            what: "xlsx whose sheet1.xml is 1 GiB of the digit `0` inside one `<v>` deflated to ~1 MB; `zip_bomb()` (streams zeros through the zip writer)",
            expect: &["压缩炸弹"],
            raw: Aborts,
            make: Make::File(zip_bomb),
        },
        Hostile {
            name: "truncated.xlsx",
            what: "a good township workbook (陆城镇 2024-06 from the template writer) cut in half; `truncated()`",
            expect: &["损坏"],
            raw: NotReached,
            make: Make::File(truncated),
        },
        Hostile {
            name: "encrypted_ooxml.xlsx",
            what: "a compound file (CFB) with `EncryptionInfo` and `EncryptedPackage` streams, the container Excel writes for a password-protected .xlsx; `encrypted_ooxml()`",
            expect: &["密码"],
            raw: NotReached,
            make: Make::File(encrypted_ooxml),
        },
        Hostile {
            name: "libreoffice_password.xls",
            what: "a township workbook saved by LibreOffice 7.4 as \"MS Excel 97\" with password `secret` (UNO storeToURL, FilterName + Password); not generated here",
            expect: &["密码"],
            raw: Harmless,
            make: Make::External,
        },
        Hostile {
            name: "xls_filepass.xls",
            what: "BIFF8 workbook whose globals hold a FILEPASS record (open password, RC4); `xls_filepass()`",
            expect: &["密码"],
            raw: Harmless,
            make: Make::File(xls_filepass),
        },
        Hostile {
            name: "ods_encrypted.ods",
            what: "ods whose manifest declares `manifest:encryption-data` for content.xml (password-protected ods); `ods_encrypted()`",
            expect: &["密码"],
            raw: Harmless,
            make: Make::File(ods_encrypted),
        },
        Hostile {
            name: "text_renamed.xlsx",
            what: "a UTF-8 text file (a CSV) renamed .xlsx; `text_renamed()`",
            expect: &["不是 Excel"],
            raw: NotReached,
            make: Make::File(text_renamed),
        },
        Hostile { name: "empty.xlsx", what: "0 bytes; `empty()`", expect: &["空"], raw: NotReached, make: Make::File(empty) },
        Hostile {
            name: "陆城镇_2024年06月.xlsx",
            what: "a directory named like a township workbook (holds only `.gitkeep`)",
            expect: &["文件夹"],
            raw: NotReached,
            make: Make::Directory,
        },
        Hostile {
            name: "random_bytes.xls",
            what: "4 KiB of seeded random bytes named .xls; `random_bytes()`",
            expect: &["不是 Excel"],
            raw: NotReached,
            make: Make::File(random_bytes),
        },
        Hostile {
            name: "random_cfb.xls",
            what: "a valid CFB header (magic, 512-byte sectors) followed by seeded random sectors; `random_cfb()`",
            expect: &["损坏", "无法读取"],
            raw: Harmless,
            make: Make::File(random_cfb),
        },
        Hostile {
            name: "cfb_loop.xls",
            what: "a 2 KB compound file whose directory sector chain points at itself (calamine follows it forever, growing memory); `cfb_loop()`",
            expect: &["循环"],
            raw: Aborts,
            make: Make::File(cfb_loop),
        },
        Hostile {
            name: "xls_dimensions_bomb.xls",
            what: "BIFF8 sheet whose DIMENSIONS record declares 4,294,967,295 rows × 256 columns (calamine reserves them); `xls_dimensions_bomb()`",
            expect: &["单元格"],
            raw: Aborts,
            make: Make::File(xls_dimensions_bomb),
        },
        Hostile {
            name: "xls_far_cell.xls",
            what: "BIFF8 sheet with NUMBER cells at A1 and IV65536 (a 16.7 M-cell dense grid, ~0.5 GB); `xls_far_cell()`",
            expect: &["单元格"],
            raw: Harmless,
            make: Make::File(xls_far_cell),
        },
        Hostile {
            name: "xls_many_sheets.xls",
            what: "3,000 BOUNDSHEET records all pointing at one 1,000 × 200 sheet (each parsed separately: 600 M cells); `xls_many_sheets()`",
            expect: &["单元格"],
            raw: Aborts,
            make: Make::File(xls_many_sheets),
        },
        Hostile {
            name: "ods_repeat_bomb.ods",
            what: "ods with 5,000 rows each holding one text cell with table:number-columns-repeated=\"1000000000\" (calamine expands 16,384 per row); `ods_repeat_bomb()`",
            expect: &["过大"],
            raw: Aborts,
            make: Make::File(ods_repeat_bomb),
        },
        Hostile {
            name: "xlsb_far_cell.xlsb",
            what: "minimal xlsb: a BrtCellReal at A1 and one at row 1,000,000 column 16,384 (dense grid again); `xlsb_far_cell()`",
            expect: &["过大"],
            raw: Aborts,
            make: Make::File(xlsb_far_cell),
        },
        Hostile {
            name: "xlsb_huge_record.xlsb",
            what: "minimal xlsb whose sheet holds a record header declaring 268 MB of data (calamine allocates it before reading); `xlsb_huge_record()`",
            expect: &["记录长度"],
            raw: Harmless,
            make: Make::File(xlsb_huge_record),
        },
        Hostile {
            name: "wide.csv",
            what: "a CSV line of 100,000 empty fields then `x`; `wide_csv()`",
            expect: &["过大"],
            raw: NotReached,
            make: Make::File(wide_csv),
        },
    ]
}

/// The README of the fixtures folder, one line per file.
pub fn readme() -> String {
    let mut text = String::from(
        "# Hostile input corpus\n\nFiles that once could abort, hang or bloat `zhenxing run`; each must become exactly one E01 issue for its file.\n\
         Generated by `tests/it/hostile/corpus.rs` (`ZHENXING_REGENERATE=hostile cargo test --test it hostile::fixtures_match`); this README is generated too.\n\
         \"calamine alone\" is what calamine 0.38 does with the file when no guard runs (checked in a memory-limited child by `cargo test --test hostile`).\n\n",
    );
    for h in corpus() {
        let raw = match h.raw {
            Raw::Aborts => "calamine alone: process dies",
            Raw::Harmless => "calamine alone: error or bounded",
            Raw::NotReached => "never reaches calamine",
        };
        text.push_str(&format!("- `{}` — {}. ({raw})\n", h.name, h.what));
    }
    text
}

/// Write the generated fixtures named in `only` (all when empty) and the README into `dir`.
/// External fixtures are kept.
pub fn write_all(dir: &Path, only: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    for h in corpus() {
        if !only.is_empty() && !only.contains(&h.name) {
            continue;
        }
        let path = dir.join(h.name);
        match h.make {
            Make::File(make) => std::fs::write(&path, make()).unwrap(),
            Make::Directory => {
                std::fs::create_dir_all(&path).unwrap();
                std::fs::write(path.join(".gitkeep"), b"").unwrap();
            }
            Make::External => {}
        }
    }
    std::fs::write(dir.join("README.md"), readme()).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Good township workbooks

pub fn plan() -> Plan {
    crate::support::yunxi().clone()
}

/// A township's workbook for `period`, as the template writer makes it (sample figures).
pub fn township_workbook(plan: &Plan, unit: &str, period: Period) -> Vec<u8> {
    let reporting = plan.unit(unit).expect("a unit of the plan");
    let filled = zhenxing::sample::township_forms(plan, reporting, period);
    workbook_bytes(&TemplateRequest { plan, unit, period, filled, protect: true }).unwrap()
}

pub fn june() -> Period {
    Period::new(2024, 6).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Zip-based containers

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const DOC_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

fn options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

/// A zip of `(name, bytes)` entries.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        writer.start_file(*name, options()).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The parts of a one-sheet xlsx other than the sheet and the shared strings.
fn xlsx_frame() -> Vec<(&'static str, String)> {
    vec![
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#.to_string(),
        ),
        ("_rels/.rels", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#)),
        (
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" xmlns:r="{DOC_REL}"><sheets><sheet name="粮食与耕地" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{DOC_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
        ),
    ]
}

fn sheet_xml(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData></worksheet>"#
    )
}

/// A one-sheet xlsx with the given sheet XML and shared strings (entry name of the latter given).
pub fn xlsx(sheet: &[u8], strings_entry: &str, strings: &[u8]) -> Vec<u8> {
    let frame = xlsx_frame();
    let mut entries: Vec<(&str, &[u8])> = frame.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    entries.push(("xl/worksheets/sheet1.xml", sheet));
    entries.push((strings_entry, strings));
    zip_of(&entries)
}

fn shared_strings(unique_count: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN_NS}" count="1" uniqueCount="{unique_count}"><si><t>荆竹村</t></si></sst>"#
    )
}

fn one_string_sheet() -> String {
    sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>1234.5</v></c></row>"#)
}

/// A small, valid xlsx through the same writer (proves the hostile variants are real xlsx).
pub fn benign_xlsx() -> Vec<u8> {
    xlsx(one_string_sheet().as_bytes(), "xl/sharedStrings.xml", shared_strings("1").as_bytes())
}

pub fn shared_strings_bomb() -> Vec<u8> {
    xlsx(one_string_sheet().as_bytes(), "xl/sharedStrings.xml", shared_strings("1000000000000").as_bytes())
}

pub fn shared_strings_bomb_backslash() -> Vec<u8> {
    xlsx(one_string_sheet().as_bytes(), "xl\\sharedStrings.xml", shared_strings("1000000000000").as_bytes())
}

pub fn shared_strings_bomb_zeros() -> Vec<u8> {
    xlsx(one_string_sheet().as_bytes(), "xl/sharedStrings.xml", shared_strings("00000000000000000000000001000000000000").as_bytes())
}

pub fn far_cell() -> Vec<u8> {
    let sheet = sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#);
    xlsx(sheet.as_bytes(), "xl/sharedStrings.xml", shared_strings("1").as_bytes())
}

pub fn far_cell_quotes() -> Vec<u8> {
    let sheet = sheet_xml("<row r='1'><c r='A1' t='s'><v>0</v></c></row><row\nr='1048576'><c\nr='XFD1048576'><v>1</v></c></row>");
    xlsx(sheet.as_bytes(), "xl/sharedStrings.xml", shared_strings("1").as_bytes())
}

pub fn far_cell_implicit() -> Vec<u8> {
    let mut rows = String::from("<row><c t=\"s\"><v>0</v></c></row>");
    rows.push_str(&"<row/>".repeat(1_048_574));
    rows.push_str("<row>");
    rows.push_str(&"<c><v>1</v></c>".repeat(16_384));
    rows.push_str("</row>");
    xlsx(sheet_xml(&rows).as_bytes(), "xl/sharedStrings.xml", shared_strings("1").as_bytes())
}

pub fn far_cell_four_letters() -> Vec<u8> {
    let sheet = sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="100000"><c r="ZZZZ100000"><v>1</v></c></row>"#);
    xlsx(sheet.as_bytes(), "xl/sharedStrings.xml", shared_strings("1").as_bytes())
}

pub fn far_cell_row_end() -> Vec<u8> {
    let mut rows = String::new();
    for r in 1..=1_000 {
        rows.push_str(&format!("<row r=\"{r}\">"));
        rows.push_str(&"<c><v>1</v></c>".repeat(255));
        rows.push_str("</row x=\"1\">");
    }
    xlsx(sheet_xml(&rows).as_bytes(), "xl/sharedStrings.xml", shared_strings("1").as_bytes())
}

/// 1 GiB of zeros after the sheet's opening tags, deflated as it streams through the writer.
pub fn zip_bomb() -> Vec<u8> {
    let frame = xlsx_frame();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in &frame {
        writer.start_file(*name, options()).unwrap();
        writer.write_all(text.as_bytes()).unwrap();
    }
    writer.start_file("xl/sharedStrings.xml", options()).unwrap();
    writer.write_all(shared_strings("1").as_bytes()).unwrap();
    let large = options().compression_level(Some(9)).large_file(true);
    writer.start_file("xl/worksheets/sheet1.xml", large).unwrap();
    writer
        .write_all(format!(r#"<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1"><v>"#).as_bytes())
        .unwrap();
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..1024 {
        writer.write_all(&zeros).unwrap();
    }
    writer.write_all(b"</v></c></row></sheetData></worksheet>").unwrap();
    writer.finish().unwrap().into_inner()
}

pub fn truncated() -> Vec<u8> {
    let plan = plan();
    let mut bytes = township_workbook(&plan, "陆城镇", june());
    bytes.truncate(bytes.len() / 2);
    bytes
}

pub fn text_renamed() -> Vec<u8> {
    "村（社区）,耕地面积（亩）\n荆竹村,1234\n".as_bytes().to_vec()
}

pub fn empty() -> Vec<u8> {
    Vec::new()
}

pub fn random_bytes() -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(20240630);
    (0..4096).map(|_| rng.u8(..)).collect()
}

pub fn wide_csv() -> Vec<u8> {
    let mut text = ",".repeat(100_000);
    text.push_str("x\n");
    text.into_bytes()
}

const ODS_NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0""#;

fn ods(rows: &str, manifest_extra: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS} office:version="1.2"><office:body><office:spreadsheet><table:table table:name="粮食与耕地">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{manifest_extra}</manifest:file-entry></manifest:manifest>"#
    );
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file("mimetype", zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)).unwrap();
    writer.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
    writer.start_file("META-INF/manifest.xml", options()).unwrap();
    writer.write_all(manifest.as_bytes()).unwrap();
    writer.start_file("content.xml", options()).unwrap();
    writer.write_all(content.as_bytes()).unwrap();
    writer.finish().unwrap().into_inner()
}

const ODS_ROW: &str = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>荆竹村</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1234.5"><text:p>1234.5</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1022"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;

pub fn benign_ods() -> Vec<u8> {
    ods(ODS_ROW, "")
}

pub fn ods_encrypted() -> Vec<u8> {
    ods(
        ODS_ROW,
        r#"<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" manifest:salt="AAAA"/></manifest:encryption-data>"#,
    )
}

pub fn ods_repeat_bomb() -> Vec<u8> {
    let row = r#"<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="1000000000"><text:p>x</text:p></table:table-cell></table:table-row>"#;
    ods(&row.repeat(5_000), "")
}

// xlsb: records are (type as 1–2 bytes of 7 bits, length as 1–4 bytes of 7 bits, data).

fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    if typ < 0x80 {
        out.push(typ as u8);
    } else {
        out.push((typ & 0x7F) as u8 | 0x80);
        out.push((typ >> 7) as u8);
    }
    let mut len = data.len();
    loop {
        let byte = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(data);
}

fn wide(text: &str, out: &mut Vec<u8>) {
    let units: Vec<u16> = text.encode_utf16().collect();
    out.extend_from_slice(&(units.len() as u32).to_le_bytes());
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
}

/// A minimal xlsb: workbook.bin with one BrtBundleSh, its relationship, and `sheet` as sheet1.bin.
pub fn xlsb(sheet: &[u8]) -> Vec<u8> {
    let mut workbook = Vec::new();
    let mut bundle = Vec::new();
    bundle.extend_from_slice(&0u32.to_le_bytes()); // visible
    bundle.extend_from_slice(&1u32.to_le_bytes()); // tab id
    wide("rId1", &mut bundle);
    wide("粮食与耕地", &mut bundle);
    record(&mut workbook, 0x009C, &bundle); // BrtBundleSh
    record(&mut workbook, 0x0090, &[]); // BrtEndBundleShs
    record(&mut workbook, 0x009D, &[0u8; 26]); // BrtCalcProp (ends the names section)
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}/worksheet" Target="worksheets/sheet1.bin"/></Relationships>"#
    );
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>"#;
    let root_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="xl/workbook.bin"/></Relationships>"#
    );
    zip_of(&[
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", root_rels.as_bytes()),
        ("xl/workbook.bin", &workbook),
        ("xl/_rels/workbook.bin.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.bin", sheet),
    ])
}

fn xlsb_sheet(cells: &[(u32, u32, f64)]) -> Vec<u8> {
    let mut sheet = Vec::new();
    record(&mut sheet, 0x0081, &[]); // BrtBeginSheet
    let mut dims = Vec::new();
    for v in [0u32, 0, 0, 0] {
        dims.extend_from_slice(&v.to_le_bytes());
    }
    record(&mut sheet, 0x0094, &dims); // BrtWsDim
    record(&mut sheet, 0x0091, &[]); // BrtBeginSheetData
    for (row, col, value) in cells {
        let mut header = row.to_le_bytes().to_vec();
        header.extend_from_slice(&[0u8; 13]);
        record(&mut sheet, 0x0000, &header); // BrtRowHdr
        let mut cell = col.to_le_bytes().to_vec();
        cell.extend_from_slice(&0u32.to_le_bytes()); // style
        cell.extend_from_slice(&value.to_le_bytes());
        record(&mut sheet, 0x0005, &cell); // BrtCellReal
    }
    record(&mut sheet, 0x0092, &[]); // BrtEndSheetData
    record(&mut sheet, 0x0082, &[]); // BrtEndSheet
    sheet
}

pub fn benign_xlsb() -> Vec<u8> {
    xlsb(&xlsb_sheet(&[(0, 0, 1.0), (2, 3, 1234.5)]))
}

pub fn xlsb_far_cell() -> Vec<u8> {
    xlsb(&xlsb_sheet(&[(0, 0, 1.0), (1_000_000, 16_383, 2.0)]))
}

pub fn xlsb_huge_record() -> Vec<u8> {
    let mut sheet = xlsb_sheet(&[(0, 0, 1.0)]);
    sheet.truncate(sheet.len() - 6); // drop BrtEndSheetData and BrtEndSheet (3 bytes each)
    sheet.extend_from_slice(&[0x05, 0xFF, 0xFF, 0xFF, 0x7F]); // BrtCellReal of 268,435,455 bytes
    sheet.extend_from_slice(&[0u8; 16]);
    xlsb(&sheet)
}

// ---------------------------------------------------------------------------------------------
// Compound files (CFB) and BIFF8

const FREESECT: u32 = 0xFFFF_FFFF;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const FATSECT: u32 = 0xFFFF_FFFD;
const NOSTREAM: u32 = 0xFFFF_FFFF;

/// A version-3 compound file (512-byte sectors, one FAT sector) holding `streams`, each padded
/// to at least 4096 bytes so that none lives in the mini stream. `fat_patch` may rewrite FAT
/// entries afterwards (to make hostile chains).
pub fn cfb(streams: &[(&str, Vec<u8>)], fat_patch: &dyn Fn(&mut Vec<u32>, u32)) -> Vec<u8> {
    let mut sectors: Vec<[u8; 512]> = Vec::new();
    let mut fat: Vec<u32> = vec![FATSECT]; // sector 0: the FAT itself
    sectors.push([0u8; 512]);
    let mut starts = Vec::new();
    for (_, data) in streams {
        let mut data = data.clone();
        if data.len() < 4096 {
            data.resize(4096, 0);
        }
        let first = sectors.len() as u32;
        starts.push((first, data.len()));
        for (i, chunk) in data.chunks(512).enumerate() {
            let mut sector = [0u8; 512];
            sector[..chunk.len()].copy_from_slice(chunk);
            sectors.push(sector);
            let last = (i + 1) * 512 >= data.len();
            fat.push(if last { ENDOFCHAIN } else { first + i as u32 + 1 });
        }
    }
    // Directory: root + one entry per stream, 4 entries per sector.
    let mut entries: Vec<[u8; 128]> = Vec::new();
    let entry = |name: &str, kind: u8, child: u32, right: u32, start: u32, size: u32| {
        let mut e = [0u8; 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
        e[66] = kind;
        e[67] = 1; // black
        e[68..72].copy_from_slice(&NOSTREAM.to_le_bytes()); // left
        e[72..76].copy_from_slice(&right.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    entries.push(entry("Root Entry", 5, if streams.is_empty() { NOSTREAM } else { 1 }, NOSTREAM, ENDOFCHAIN, 0));
    for (i, ((name, _), (start, len))) in streams.iter().zip(&starts).enumerate() {
        let right = if i + 1 < streams.len() { i as u32 + 2 } else { NOSTREAM };
        entries.push(entry(name, 2, NOSTREAM, right, *start, *len as u32));
    }
    while !entries.len().is_multiple_of(4) {
        entries.push([0u8; 128]);
    }
    let dir_start = sectors.len() as u32;
    let dir_sectors = entries.len() / 4;
    for (i, group) in entries.chunks(4).enumerate() {
        let mut sector = [0u8; 512];
        for (j, e) in group.iter().enumerate() {
            sector[j * 128..(j + 1) * 128].copy_from_slice(e);
        }
        sectors.push(sector);
        fat.push(if i + 1 == dir_sectors { ENDOFCHAIN } else { dir_start + i as u32 + 1 });
    }
    assert!(fat.len() <= 128, "one FAT sector holds 128 entries");
    fat_patch(&mut fat, dir_start);
    fat.resize(128, FREESECT);
    for (i, v) in fat.iter().enumerate() {
        sectors[0][i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }
    let mut header = [0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    header[24..26].copy_from_slice(&0x003Eu16.to_le_bytes()); // minor version
    header[26..28].copy_from_slice(&3u16.to_le_bytes()); // major version
    header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes()); // byte order
    header[30..32].copy_from_slice(&9u16.to_le_bytes()); // 512-byte sectors
    header[32..34].copy_from_slice(&6u16.to_le_bytes()); // 64-byte mini sectors
    header[44..48].copy_from_slice(&1u32.to_le_bytes()); // FAT sectors
    header[48..52].copy_from_slice(&dir_start.to_le_bytes());
    header[56..60].copy_from_slice(&4096u32.to_le_bytes()); // mini stream cutoff
    header[60..64].copy_from_slice(&ENDOFCHAIN.to_le_bytes()); // no mini FAT
    header[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes()); // no DIFAT sectors
    for i in 0..109 {
        let v = if i == 0 { 0u32 } else { FREESECT };
        header[76 + i * 4..80 + i * 4].copy_from_slice(&v.to_le_bytes());
    }
    let mut out = header.to_vec();
    for s in sectors {
        out.extend_from_slice(&s);
    }
    out
}

fn no_patch(_: &mut Vec<u32>, _: u32) {}

fn biff(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

fn bof(out: &mut Vec<u8>, kind: u16) {
    let mut data = 0x0600u16.to_le_bytes().to_vec();
    data.extend_from_slice(&kind.to_le_bytes());
    data.extend_from_slice(&[0u8; 12]);
    biff(out, 0x0809, &data);
}

/// One sheet substream: DIMENSIONS (rows first..last+1, columns first..last+1) and NUMBER cells.
fn biff_sheet(dimensions: (u32, u32, u16, u16), cells: &[(u16, u16, f64)]) -> Vec<u8> {
    let mut out = Vec::new();
    bof(&mut out, 0x0010);
    let mut dims = Vec::new();
    dims.extend_from_slice(&dimensions.0.to_le_bytes());
    dims.extend_from_slice(&dimensions.1.to_le_bytes());
    dims.extend_from_slice(&dimensions.2.to_le_bytes());
    dims.extend_from_slice(&dimensions.3.to_le_bytes());
    dims.extend_from_slice(&[0, 0]);
    biff(&mut out, 0x0200, &dims);
    for (row, col, value) in cells {
        let mut data = row.to_le_bytes().to_vec();
        data.extend_from_slice(&col.to_le_bytes());
        data.extend_from_slice(&0u16.to_le_bytes());
        data.extend_from_slice(&value.to_le_bytes());
        biff(&mut out, 0x0203, &data);
    }
    biff(&mut out, 0x000A, &[]);
    out
}

/// A BIFF8 workbook stream: globals (with `extra` records after BOF) and `sheets` BOUNDSHEETs,
/// all pointing at one substream.
fn biff_workbook(extra: &[(u16, Vec<u8>)], sheets: usize, sheet: &[u8]) -> Vec<u8> {
    let bound_len = |name: &str| 4 + 8 + name.len();
    let names: Vec<String> = (0..sheets).map(|i| if i == 0 { "Sheet1".to_string() } else { format!("S{i}") }).collect();
    let mut globals_len = 4 + 16 + 4; // BOF + EOF
    globals_len += extra.iter().map(|(_, d)| 4 + d.len()).sum::<usize>();
    globals_len += names.iter().map(|n| bound_len(n)).sum::<usize>();
    let position = globals_len as u32;
    let mut out = Vec::new();
    bof(&mut out, 0x0005);
    for (typ, data) in extra {
        biff(&mut out, *typ, data);
    }
    for name in &names {
        let mut data = position.to_le_bytes().to_vec();
        data.extend_from_slice(&[0, 0, name.len() as u8, 0]);
        data.extend_from_slice(name.as_bytes());
        biff(&mut out, 0x0085, &data);
    }
    biff(&mut out, 0x000A, &[]);
    assert_eq!(out.len(), globals_len);
    out.extend_from_slice(sheet);
    out
}

pub fn benign_xls() -> Vec<u8> {
    let sheet = biff_sheet((0, 3, 0, 4), &[(0, 0, 1.0), (2, 3, 1234.5)]);
    cfb(&[("Workbook", biff_workbook(&[], 1, &sheet))], &no_patch)
}

pub fn xls_filepass() -> Vec<u8> {
    let sheet = biff_sheet((0, 1, 0, 1), &[(0, 0, 1.0)]);
    let mut filepass = vec![1u8, 0, 1, 0, 1, 0];
    filepass.extend_from_slice(&[0u8; 48]);
    cfb(&[("Workbook", biff_workbook(&[(0x002F, filepass)], 1, &sheet))], &no_patch)
}

/// FILEPASS with the old XOR obfuscation (type 0): calamine reads the scrambled records as they
/// are, and once reported an absurd sheet size instead of a password.
pub fn xls_xor_filepass() -> Vec<u8> {
    let sheet = biff_sheet((0, 1, 0, 1), &[(0, 0, 1.0)]);
    let filepass = vec![0u8, 0, 0x34, 0x12, 0x78, 0x56];
    cfb(&[("Workbook", biff_workbook(&[(0x002F, filepass)], 1, &sheet))], &no_patch)
}

pub fn xls_dimensions_bomb() -> Vec<u8> {
    let sheet = biff_sheet((0, u32::MAX, 0, 256), &[(0, 0, 1.0)]);
    cfb(&[("Workbook", biff_workbook(&[], 1, &sheet))], &no_patch)
}

pub fn xls_far_cell() -> Vec<u8> {
    let sheet = biff_sheet((0, 1, 0, 1), &[(0, 0, 1.0), (65_535, 255, 2.0)]);
    cfb(&[("Workbook", biff_workbook(&[], 1, &sheet))], &no_patch)
}

pub fn xls_many_sheets() -> Vec<u8> {
    let sheet = biff_sheet((0, 1, 0, 1), &[(0, 0, 1.0), (999, 199, 2.0)]);
    cfb(&[("Workbook", biff_workbook(&[], 3_000, &sheet))], &no_patch)
}

pub fn encrypted_ooxml() -> Vec<u8> {
    let mut info = vec![4u8, 0, 4, 0, 0x40, 0, 0, 0];
    info.extend_from_slice(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>"#);
    let mut rng = fastrand::Rng::with_seed(7);
    let package: Vec<u8> = (0..8192).map(|_| rng.u8(..)).collect();
    cfb(&[("EncryptionInfo", info), ("EncryptedPackage", package)], &no_patch)
}

pub fn cfb_loop() -> Vec<u8> {
    // No streams: just the root entry; its directory sector's FAT entry points back at itself.
    cfb(&[], &|fat, dir_start| fat[dir_start as usize] = dir_start)
}

pub fn random_cfb() -> Vec<u8> {
    let mut bytes = cfb(&[], &no_patch);
    bytes.truncate(512);
    let mut rng = fastrand::Rng::with_seed(42);
    bytes.extend((0..8 * 512).map(|_| rng.u8(..)));
    bytes
}
