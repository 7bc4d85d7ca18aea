//! The guard's unit tests: XML scanning as calamine parses, parts inflated from the file, stored
//! parts handed to calamine, xlsb records and xls dimensions.

use super::cfb::*;
use super::inflate::*;
use super::xlsb::*;
use super::xml::*;
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

#[test]
fn merged_ranges_are_read_from_the_sheet_xml() {
    let xml = br#"<worksheet><sheetData/><mergeCells count="3"><mergeCell ref="A1:H1"/><x:mergeCell ref='B4:B6'/><mergeCell ref="AA10:AB12"/><mergeCell ref="C3"/><mergeCell ref="Z9:A1"/></mergeCells></worksheet>"#;
    assert_eq!(super::xml::merged_ranges(xml), vec![[0, 0, 0, 7], [3, 1, 5, 1], [9, 26, 11, 27]]);
    assert!(super::xml::merged_ranges(b"<worksheet><sheetData/></worksheet>").is_empty());
}

#[test]
fn hidden_columns_are_read_from_the_sheet_xml() {
    let xml = br#"<worksheet><cols><col min="1" max="1" width="9"/><col min="26" max="27" hidden="1"/><x:col min='3' max='3' hidden='true'/><col min="5" max="5" hidden="0"/></cols><colBreaks/><sheetData/></worksheet>"#;
    assert_eq!(super::xml::hidden_columns(xml), vec![25, 26, 2]);
    assert!(super::xml::hidden_columns(b"<worksheet><sheetData/></worksheet>").is_empty());
}

#[test]
fn ods_spans_and_collapsed_columns_are_read_by_table() {
    let xml = concat!(
        r#"<office:spreadsheet><table:table table:name="粮食&amp;耕地"><table:table-header-columns><table:table-column table:number-columns-repeated="2"/></table:table-header-columns>"#,
        r#"<table:table-column table:visibility="collapse" table:number-columns-repeated="2"/><table:table-column table:number-columns-repeated="16380"/>"#,
        r#"<table:table-row table:number-rows-repeated="3"><table:table-cell/></table:table-row>"#,
        r#"<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell table:number-rows-spanned="2" table:number-columns-spanned="1" office:value-type="string"><text:p>2023</text:p></table:table-cell>"#,
        r#"<table:table-cell table:number-columns-spanned="2" table:number-rows-spanned="1" office:value="1"/><table:covered-table-cell/>"#,
        r#"<table:table-cell table:number-rows-spanned="999999999" office:value="2"/></table:table-row>"#,
        r#"<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:covered-table-cell/></table:table-row></table:table>"#,
        r#"<table:table table:name="说明"><table:table-row><table:table-cell table:number-rows-spanned="1"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#,
        r#"<table:table table:name="隐藏"><table:table-column table:visibility="collapse" table:number-columns-repeated="1000000"/></table:table></office:spreadsheet>"#
    );
    let found = scan(xml.as_bytes(), 7).unwrap();
    let limits = Limits::default();
    assert_eq!(
        found.ods_layouts,
        vec![
            OdsLayout {
                name: "粮食&耕地".into(),
                merges: vec![[3, 2, 4, 2], [3, 3, 3, 4], [3, 5, limits.max_rows as u32 - 1, 5]],
                hidden: vec![2, 3]
            },
            // Collapsed columns beyond the file's column limit hold no cells: not kept.
            OdsLayout { name: "隐藏".into(), merges: vec![], hidden: (0..limits.max_columns as u32).collect() },
        ]
    );
    // A table too large is named as the clerk sees it, not by its part.
    let wide = r#"<table:table table:name="粮食"><table:table-row><table:table-cell office:value="1"/><table:table-cell office:value="1"/></table:table-row></table:table>"#;
    let message = scan_within(wide.as_bytes(), 9, &Limits { max_columns: 1, ..Limits::default() }).unwrap_err();
    assert!(message.contains("工作表“粮食”"), "{message}");
}

#[test]
fn ods_merges_and_hidden_columns_reach_the_checked_file_by_sheet_name() {
    let content = concat!(
        r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="高标准农田"><table:table-column table:number-columns-repeated="25"/><table:table-column table:visibility="collapse"/>"#,
        r#"<table:table-row><table:table-cell table:number-rows-spanned="2" office:value-type="string"><text:p>2023</text:p></table:table-cell></table:table-row>"#,
        r#"<table:table-row><table:covered-table-cell/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    // A table in another part is none of calamine's sheets.
    let styles = r#"<table:table table:name="样式"><table:table-column table:visibility="collapse"/></table:table>"#;
    let bytes = deflated(&[
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("styles.xml", styles.as_bytes()),
        ("content.xml", content.as_bytes()),
    ]);
    let checked = check_zip(&bytes, Format::Ods, &Limits::default()).unwrap();
    assert_eq!(checked.merges.into_iter().collect::<Vec<_>>(), vec![("高标准农田".to_string(), vec![[0, 0, 1, 0]])]);
    assert_eq!(checked.hidden_columns.into_iter().collect::<Vec<_>>(), vec![("高标准农田".to_string(), vec![25])]);
}

#[test]
fn xls_hidden_columns_are_read_from_colinfo_records_by_sheet() {
    fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
    }
    let colinfo =
        |first: u16, last: u16, flags: u16| -> Vec<u8> { [first, last, 2048, 15, flags, 0].iter().flat_map(|v| v.to_le_bytes()).collect() };
    // Globals: BOF, three BOUNDSHEETs (positions patched below), EOF; then the substreams.
    let boundsheet = |pos: u32| -> Vec<u8> {
        let mut data = pos.to_le_bytes().to_vec();
        data.extend_from_slice(&[0, 0, 1, 0, b'S']);
        data
    };
    let mut globals = Vec::new();
    record(&mut globals, 0x0809, &[0; 16]);
    let at = globals.len();
    for _ in 0..3 {
        record(&mut globals, 0x0085, &boundsheet(0));
    }
    record(&mut globals, 0x000A, &[]);
    let mut first = Vec::new();
    record(&mut first, 0x0809, &[0; 16]);
    record(&mut first, 0x007D, &colinfo(5, 6, 1)); // F:G hidden
    record(&mut first, 0x007D, &colinfo(7, 7, 0)); // H shown
    record(&mut first, 0x007D, &colinfo(25, 0xFFFF, 1)); // Z to the end: cut at the limit
    // A chart inside the sheet: its records are not the sheet's.
    record(&mut first, 0x0809, &[0; 16]);
    record(&mut first, 0x007D, &colinfo(1, 1, 1));
    record(&mut first, 0x000A, &[]);
    record(&mut first, 0x000A, &[]);
    let mut second = Vec::new();
    record(&mut second, 0x0809, &[0; 16]);
    record(&mut second, 0x000A, &[]);
    let mut stream = globals.clone();
    let (p1, p2) = (stream.len() as u32, (stream.len() + first.len()) as u32);
    stream.extend_from_slice(&first);
    stream.extend_from_slice(&second);
    for (i, pos) in [p1, p2, p1].into_iter().enumerate() {
        let offset = at + i * (4 + 9) + 4;
        stream[offset..offset + 4].copy_from_slice(&pos.to_le_bytes());
    }
    let limits = Limits { max_columns: 30, ..Limits::default() };
    let mut budget = Budget::new(&limits);
    let hidden = scan_biff(&stream, &mut budget).unwrap();
    let columns = vec![5, 6, 25, 26, 27, 28, 29];
    assert_eq!(hidden, vec![(0, columns.clone()), (2, columns)]);
}
