//! Text normalisation shared by every stage: full-width to half-width, brackets, spaces.
//!
//! Township files are typed by hand in WPS or Excel: `耕地面积(亩)`, `耕 地 面 积`, `１２３４`,
//! `其中:早稻` all mean what the plan spells `耕地面积（亩）` and `其中：早稻`.

/// Fold full-width ASCII (digits, letters, punctuation, brackets) to half-width, drop all white
/// space (including line breaks and the ideographic space), and unify Chinese brackets.
pub fn normalise(text: &str) -> String {
    text.chars().filter(|c| !dropped(*c)).map(fold_char).collect()
}

/// `normalise`, borrowing the text when it is normalised already (most cells are): no
/// allocation for the header search and row checks that look at every cell.
pub fn normalise_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(|c| !dropped(c) && fold_char(c) == c) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(normalise(text))
    }
}

/// Characters `normalise` removes: spaces of every kind and zero-width spaces.
fn dropped(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{200b}'
}

/// Half-width form of one character; brackets of every kind become `(` `)`.
pub fn fold_char(c: char) -> char {
    match c {
        '（' | '【' | '〔' | '［' | '[' => '(',
        '）' | '】' | '〕' | '］' | ']' => ')',
        '、' => ',',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A file or folder name as a person should read it. A name that is not UTF-8 (copied from a
/// Windows zip or share, its bytes GBK) is read as GBK; bytes that are neither are shown as
/// `\xNN`, so that two such names never look alike (a lossy `�` made them identical).
pub fn os_text(name: &std::ffi::OsStr) -> std::borrow::Cow<'_, str> {
    if let Some(text) = name.to_str() {
        return std::borrow::Cow::Borrowed(text);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = name.as_bytes();
        if let Some(text) = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes) {
            return std::borrow::Cow::Owned(text.into_owned());
        }
        let mut shown = String::new();
        for chunk in bytes.utf8_chunks() {
            shown.push_str(chunk.valid());
            for byte in chunk.invalid() {
                shown.push_str(&format!("\\x{byte:02X}"));
            }
        }
        std::borrow::Cow::Owned(shown)
    }
    #[cfg(not(unix))]
    name.to_string_lossy()
}

/// A relative path as a person should read it: each part by `os_text`, joined by `/`.
pub fn path_text(path: &std::path::Path) -> String {
    path.components().map(|c| os_text(c.as_os_str()).into_owned()).collect::<Vec<_>>().join("/")
}

/// Parse a number as a statistician types it: `1,234.5`, `１２３４`, ` 12 `, `12.5%` (→ 12.5),
/// `-`, `—` or empty (→ None, meaning blank). Returns `Err(())` for text that is not a number.
pub fn parse_number(text: &str) -> Result<Option<f64>, ()> {
    let folded: String = normalise(text).chars().filter(|c| *c != ',').collect();
    let trimmed = folded.trim_end_matches('%');
    if trimmed.is_empty() || matches!(trimmed, "-" | "—" | "/" | "——" | "--" | "\\") {
        return Ok(None);
    }
    match trimmed.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(()),
    }
}

/// Normalised 是/否: accepts 是/否, Y/N, √/×, 已/未, 有/无.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    let answer = |text: &str| match text {
        "是" | "y" | "yes" | "√" | "✓" | "✔" | "已" | "有" | "1" | "1.是" | "1是" | "已完工" | "完工" => Some(true),
        // `1.是 2.否` as coded answers: 2 (and 0) are 否.
        "否" | "n" | "no" | "×" | "x" | "✗" | "✘" | "未" | "无" | "0" | "2" | "2.否" | "2否" | "未完工" => Some(false),
        _ => None,
    };
    // The answers are lower-case already: only a text that is not one is lower-cased and tried again.
    let n = normalise_cow(text);
    answer(&n).or_else(|| answer(&n.to_lowercase()))
}

/// Print a line to stdout; a closed pipe or a full disk under cron loses the line, never the run.
/// Whether a name can be a file name as it is: no path separator, no character Windows refuses
/// in a name, no control character (a newline would forge a line of run.log), not `.` or `..`.
pub fn is_file_safe(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.chars().any(unfit_for_file_name)
}

/// A character no file name may hold here: a path separator, one Windows refuses, a control.
fn unfit_for_file_name(c: char) -> bool {
    c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
}

/// A unit's name as a file name: each character a file name cannot hold becomes `_`, and a name
/// of dots alone is `_`, so that no name writes outside its folder (`plan check` names the unit).
pub fn file_safe(name: &str) -> String {
    let safe: String = name.chars().map(|c| if unfit_for_file_name(c) { '_' } else { c }).collect();
    if safe.chars().all(|c| c == '.') { "_".to_string() } else { safe }
}

pub fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

/// Print text to stdout as it is (no newline added), ignoring write failures (see `say`).
pub fn say_raw(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Print a line to stderr, ignoring write failures.
pub fn say_err(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Display width of a text in Excel character units: CJK and full-width characters count two
/// (Unicode's East Asian width, `unicode-width`).
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// Make text inert for spreadsheets: a leading `=`, `+`, `-`, `@` (or tab / CR) would be read as
/// a formula by Excel or WPS when the text lands in a CSV; prefix such text with a quote.
pub fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        // A plain finite number (-12.5) stays as it is; `+inf`, `-nan` and formulas do not.
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !text.parse::<f64>().is_ok_and(f64::is_finite) => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// The name in `names` closest to `text` (by edit distance on normalised text), if close enough
/// to be a plausible typo or abbreviation.
pub fn closest<'a>(text: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let text = normalise(text);
    if text.is_empty() {
        return None;
    }
    names
        .into_iter()
        .map(|name| {
            let n = normalise(name);
            let contains = n.contains(&text) || text.contains(&n);
            let distance = strsim::levenshtein(&text, &n);
            (if contains { 0 } else { distance }, name, n.chars().count())
        })
        .filter(|(distance, _, len)| *distance <= (*len).max(2) / 2)
        .min_by_key(|(distance, name, _)| (*distance, *name))
        .map(|(_, name, _)| name)
}

/// A number for messages: up to 2 decimals, no trailing zeros.
pub fn fmt(value: f64) -> String {
    fixed(value, 2)
}

/// Append `value` as `{value}` writes it (the shortest text that reads back as the same number,
/// never with an exponent), for the files that write a number per field by the million: whole
/// numbers go through itoa, others of ordinary size through ryu where its shortest digits are at
/// most 15 (then they are the only ones of that length that read back as `value`, so `Display`
/// finds the same; at 16 or 17 digits two may tie, and the two round ties differently); the rest
/// through `Display` itself.
pub fn push_shortest(out: &mut String, value: f64) {
    if value.fract() == 0.0 && value.abs() < 1e15 && !(value == 0.0 && value.is_sign_negative()) {
        out.push_str(itoa::Buffer::new().format(value as i64));
        return;
    }
    if value.is_finite() && value.abs() >= 1e-4 && value.abs() < 1e15 {
        let mut buffer = ryu::Buffer::new();
        let text = buffer.format_finite(value);
        let significant = text.bytes().filter(u8::is_ascii_digit).skip_while(|&b| b == b'0').count();
        if significant <= 15 && !text.contains('e') {
            out.push_str(text);
            return;
        }
    }
    use std::fmt::Write as _;
    write!(out, "{value}").expect("writing to a string");
}

/// `value` rounded to at most `decimals` places, without trailing zeros, and never `-0`.
pub fn fixed(value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

#[cfg(test)]
mod tests {

    #[test]
    fn yes_and_no_as_clerks_write_them() {
        for yes in ["是", "√", "✓", "Y", "1", "1.是", "１．是", "已完工"] {
            assert_eq!(parse_yes_no(yes), Some(true), "{yes}");
        }
        for no in ["否", "×", "x", "N", "0", "2", "2.否", "未完工"] {
            assert_eq!(parse_yes_no(no), Some(false), "{no}");
        }
        assert_eq!(parse_yes_no("部分"), None);
    }

    use super::*;

    #[test]
    fn a_unit_name_never_writes_outside_its_folder() {
        assert!(is_file_safe("陆城镇") && is_file_safe("鄂州经济开发区"));
        for bad in ["../../escape镇", "a/b", "a\\b", "陆城镇\n2024", ".", "..", "", "a:b"] {
            assert!(!is_file_safe(bad), "{bad:?}");
        }
        assert_eq!(file_safe("../../escape镇"), ".._.._escape镇");
        assert_eq!(file_safe(".."), "_");
        assert_eq!(file_safe("陆城镇\n[伪造]"), "陆城镇_[伪造]");
        assert!(!file_safe("../x").contains('/'));
    }

    #[test]
    fn shortest_numbers_are_written_as_display_writes_them() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values = vec![0.0, -0.0, 1.0, -1.0, 0.1, 0.3, 1e-4, 9.9e-5, 1e-7, 123456.789, 1e14, 1e15, 1e16, 1e21, 2.5e-300];
        // 662936471232937.25: a tie of two shortest texts, which ryu and `Display` round differently.
        values.push(f64::from_bits(0x4302_d77f_6703_0d4a));
        values.extend([f64::MAX, f64::MIN_POSITIVE, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.1 + 0.2, 1.0 / 3.0]);
        for _ in 0..300_000 {
            let bits = next();
            // Random bit patterns, and figures as clerks type them (two or three decimals).
            values.push(f64::from_bits(bits));
            values.push((bits % 100_000_000) as f64 / [10.0, 100.0, 1000.0][(bits % 3) as usize]);
        }
        let mut out = String::new();
        for value in values {
            out.clear();
            push_shortest(&mut out, value);
            assert_eq!(out, format!("{value}"), "{:x}", value.to_bits());
        }
    }

    #[test]
    fn numbers_are_shown_without_trailing_zeros_or_minus_zero() {
        assert_eq!(fixed(1.50, 2), "1.5");
        assert_eq!(fixed(100.0, 0), "100");
        assert_eq!(fixed(100.0, 4), "100");
        assert_eq!(fixed(-0.001, 2), "0");
        assert_eq!(fmt(2.345678), "2.35");
    }

    #[test]
    fn normalises_brackets_spaces_and_width() {
        assert_eq!(normalise("耕地面积(亩)"), "耕地面积(亩)");
        assert_eq!(normalise("耕地面积（亩）"), "耕地面积(亩)");
        assert_eq!(normalise("耕 地 面 积\n（亩）"), "耕地面积(亩)");
        assert_eq!(normalise("其中：早稻"), "其中:早稻");
    }

    #[test]
    fn parses_numbers_typed_by_hand() {
        assert_eq!(parse_number("1,234.5"), Ok(Some(1234.5)));
        assert_eq!(parse_number("１２３４"), Ok(Some(1234.0)));
        assert_eq!(parse_number(" 12 "), Ok(Some(12.0)));
        assert_eq!(parse_number("—"), Ok(None));
        assert_eq!(parse_number(""), Ok(None));
        assert_eq!(parse_number("约100"), Err(()));
        assert_eq!(parse_number("-3"), Ok(Some(-3.0)));
    }

    #[test]
    fn suggests_the_closest_name() {
        let names = ["长岭街道", "云溪街道", "陆城镇"];
        assert_eq!(closest("长岭", names), Some("长岭街道"));
        assert_eq!(closest("陆城", names), Some("陆城镇"));
        assert_eq!(closest("北京市", names), None);
    }

    #[test]
    fn formula_text_is_made_inert() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("-12"), "-12");
        assert_eq!(inert("长岭村"), "长岭村");
        // Not numbers a sheet would show: inert too (issue 32).
        assert_eq!(inert("+inf"), "'+inf");
        assert_eq!(inert("-nan"), "'-nan");
        assert_eq!(inert("-1e999"), "'-1e999");
    }
}
