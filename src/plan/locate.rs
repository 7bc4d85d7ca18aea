//! Where things are in a plan's TOML text, for messages that name a line and a key: the line of
//! a key path (`targets[3](Y04).indicator`, from `Plan::check`), and the key path at an offset
//! (from a TOML or serde error, which carries only a position). Both read the document's spans
//! (`toml::de::DeTable`, recovered as far as it goes when the text does not parse).

use toml::de::{DeTable, DeValue};

/// 1-based line of a byte offset.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// One step of a key path: `columns[2](note)` → name `columns`, index 2.
struct KeySegment<'a> {
    name: &'a str,
    index: Option<usize>,
}

/// `forms[0](ZX01).columns[2](note).part_of` → segments; labels in parentheses are dropped.
fn key_segments(key: &str) -> Vec<KeySegment<'_>> {
    let mut segments = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in key.char_indices().chain([(key.len(), '.')]) {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '.' if depth == 0 => {
                let part = &key[start..i];
                let bare = part.split('(').next().unwrap_or(part);
                let (name, index) = match bare.split_once('[') {
                    Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
                    None => (bare, None),
                };
                segments.push(KeySegment { name, index });
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    segments
}

/// The offset an item is best shown at: its `id` key, else where it starts (an array-of-tables
/// item starts at its `[[header]]`, an inline table at its `{`).
fn item_offset(item: &toml::Spanned<DeValue<'_>>) -> usize {
    match item.get_ref() {
        DeValue::Table(table) => table.get_key_value("id").map(|(k, _)| k.span().start).unwrap_or(item.span().start),
        _ => item.span().start,
    }
}

/// 1-based line of a key path: the line of the key the path ends in; for a path ending at an
/// item, the item's line; for a key the item lacks, the item's line. `None` when the path's
/// first key is not in the document.
pub fn locate_key_path(text: &str, key: &str) -> Option<usize> {
    locate_key_offset(text, key).map(|offset| line_of_offset(text, offset))
}

/// 1-based column (in characters) of a byte offset.
pub fn column_of_offset(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..offset].chars().count() + 1
}

/// The byte offset `locate_key_path` finds the key path at.
pub fn locate_key_offset(text: &str, key: &str) -> Option<usize> {
    let (document, _) = DeTable::parse_recoverable(text);
    let mut table = document.get_ref();
    let mut at: Option<usize> = None;
    for segment in key_segments(key) {
        let Some((k, value)) = table.get_key_value(segment.name) else { break };
        let mut value = value;
        at = Some(k.span().start);
        if let Some(index) = segment.index {
            let DeValue::Array(items) = value.get_ref() else { break };
            let Some(item) = items.get(index) else { break };
            at = Some(item_offset(item));
            value = item;
        }
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    at
}

/// A key, value or item of the document with its path and span.
struct Found {
    path: Vec<String>,
    start: usize,
    end: usize,
    /// An array-of-tables item (whose span is its header only).
    item: bool,
}

fn collect(table: &DeTable<'_>, path: &mut Vec<String>, out: &mut Vec<Found>) {
    for (key, value) in table.iter() {
        path.push(key.get_ref().to_string());
        let (start, end) = (key.span().start.min(value.span().start), key.span().end.max(value.span().end));
        out.push(Found { path: path.clone(), start, end, item: false });
        match value.get_ref() {
            DeValue::Table(inner) => collect(inner, path, out),
            DeValue::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    let DeValue::Table(inner) = item.get_ref() else { continue };
                    let name = path.pop().unwrap_or_default();
                    let label = match inner.get("id").map(|v| v.get_ref()) {
                        Some(DeValue::String(id)) => format!("{name}[{index}]({id})"),
                        _ => format!("{name}[{index}]"),
                    };
                    path.push(label);
                    out.push(Found { path: path.clone(), start: item.span().start, end: item.span().end, item: true });
                    collect(inner, path, out);
                    path.pop();
                    path.push(name);
                }
            }
            _ => {}
        }
        path.pop();
    }
}

/// The key path at `offset` (`targets[3](Y04).foo`): the innermost key or value around it, else
/// the item whose header it is on (an item lacking a key), else the last key before it (a value
/// the parser could not finish). `extra` is appended when the error names a key that is absent
/// (missing field).
pub fn key_path_at(text: &str, offset: usize, extra: Option<&str>) -> String {
    let (document, _) = DeTable::parse_recoverable(text);
    let mut found = Vec::new();
    collect(document.get_ref(), &mut Vec::new(), &mut found);
    let around = |f: &&Found| f.start <= offset && offset < f.end.max(f.start + 1);
    let best = found
        .iter()
        .filter(|f| !f.item)
        .filter(around)
        .max_by_key(|f| (f.path.len(), f.start))
        .or_else(|| found.iter().filter(|f| f.item).filter(around).max_by_key(|f| f.path.len()))
        .or_else(|| found.iter().filter(|f| !f.item && f.start <= offset).max_by_key(|f| (f.start, f.path.len())));
    let mut parts = best.map(|f| f.path.clone()).unwrap_or_default();
    if let Some(extra) = extra
        && parts.last().map(String::as_str) != Some(extra)
    {
        parts.push(extra.to_string());
    }
    parts.join(".")
}
