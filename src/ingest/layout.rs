//! Grids → form tables: find each form's sheet (by name or by its headers), its header row
//! (wherever it is, possibly merged over two or three rows), the unit each header states, the data
//! rows, the 合计/小计 rows, and the 填报单位/填报月份 line.

use std::collections::HashMap;

use crate::issue::a1;
use crate::plan::{ColumnKind, Form};
use crate::text::normalise;
use crate::units;

use super::read::{Cell, Grid};

/// Where a plan column was found in a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMatch {
    /// 0-based sheet column.
    pub index: usize,
    /// The header text as found (all header rows joined).
    pub header: String,
    /// The unit the header states, if any (`公顷` in `耕地面积（公顷）`).
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowType {
    Detail,
    /// A 合计/小计 row: excluded from the data, checked against it.
    Total,
}

#[derive(Debug, Clone)]
pub struct TableRow {
    /// 0-based sheet row.
    pub row: usize,
    pub kind: RowType,
    /// One cell per plan column (Empty where the column was not found).
    pub cells: Vec<Cell>,
}

/// One form as found in one sheet.
#[derive(Debug, Clone)]
pub struct FormTable {
    pub form_id: String,
    pub sheet: String,
    /// 0-based row of the (last) header row.
    pub header_row: usize,
    /// One entry per plan column.
    pub columns: Vec<Option<ColumnMatch>>,
    pub rows: Vec<TableRow>,
}

/// A 填报单位 or 填报月份 statement found in a sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub sheet: String,
    pub cell: String,
    pub text: String,
}

/// The township and period a file states about itself.
#[derive(Debug, Clone, Default)]
pub struct Claims {
    pub townships: Vec<Claim>,
    pub periods: Vec<Claim>,
}

const HEADER_SEARCH_ROWS: usize = 40;

/// Every name of every plan column of a form (name and aliases), normalised once per form rather
/// than once per header candidate: header search tries up to 40 rows × 3 depths × every cell.
/// A header name names a column when it equals one of the column's names, `其中:` aside.
struct ColumnNames(HashMap<String, usize>);

impl ColumnNames {
    fn new(form: &Form) -> ColumnNames {
        let mut names = HashMap::new();
        for (index, column) in form.columns.iter().enumerate() {
            for name in std::iter::once(&column.name).chain(&column.aliases) {
                // Two columns with the same name: the first in plan order wins.
                names.entry(without_qizhong(&normalise(name))).or_insert(index);
            }
        }
        ColumnNames(names)
    }

    /// The plan column a header name (unit removed, normalised) names.
    fn find(&self, name: &str) -> Option<usize> {
        self.0.get(&without_qizhong(name)).copied()
    }
}

fn without_qizhong(name: &str) -> String {
    if name.contains("其中:") { name.replace("其中:", "") } else { name.to_string() }
}

/// Best header match of `form` in `grid`: (score, header_row, depth, columns).
fn find_header(grid: &Grid, form: &Form) -> Option<(usize, usize, Vec<Option<ColumnMatch>>)> {
    let names = ColumnNames::new(form);
    // The text of each cell of the rows searched, once (not once per row × depth tried), and
    // only as far as the search goes.
    let mut texts: Vec<Vec<String>> = Vec::new();
    let mut best: Option<(usize, usize, usize, Vec<Option<ColumnMatch>>)> = None;
    'search: for row in 0..grid.rows.len().min(HEADER_SEARCH_ROWS) {
        texts.push(grid.rows[row].iter().map(|cell| cell.text().trim().to_string()).collect());
        for depth in 0..=2usize.min(row) {
            let columns = match_columns(grid, &texts, form, &names, row, depth);
            let score = columns.iter().filter(|c| c.is_some()).count();
            if best.as_ref().is_none_or(|(s, _, _, _)| score > *s) {
                best = Some((score, row, depth, columns));
            }
            // Every column found: no later block can score higher, and ties keep the first.
            if score == form.columns.len() {
                break 'search;
            }
        }
    }
    let (score, row, _, columns) = best?;
    let key_found = form.columns.iter().zip(&columns).any(|(c, m)| c.kind == ColumnKind::Key && m.is_some());
    let needed = form.columns.len().min(2);
    (key_found && score >= needed).then_some((score, row, columns))
}

/// Match plan columns against the header block ending at `row` and starting `depth` rows above.
/// `texts` holds the trimmed text of the grid's rows up to `row`.
fn match_columns(
    grid: &Grid,
    texts: &[Vec<String>],
    form: &Form,
    names: &ColumnNames,
    row: usize,
    depth: usize,
) -> Vec<Option<ColumnMatch>> {
    let width = (row - depth..=row).map(|r| grid.rows[r].len()).max().unwrap_or(0);
    let text = |r: usize, c: usize| texts[r].get(c).map(String::as_str).unwrap_or("");
    // Header rows above the last one are forward-filled to the right: a merged cell spanning
    // several sub-columns holds its text only in its first cell. A column belongs to the group on
    // its left when both have a sub-header somewhere below this level (not necessarily on the last
    // row: `小计` may be merged down over two rows next to `其中` over `早稻 | 大豆`).
    let has_sub_header = |r: usize, c: usize| (r + 1..=row).any(|below| !text(below, c).is_empty());
    let mut levels: Vec<Vec<&str>> = Vec::new();
    for r in row - depth..=row {
        let mut level: Vec<&str> = (0..width).map(|c| text(r, c)).collect();
        if r < row {
            for c in 1..width {
                if level[c].is_empty() && has_sub_header(r, c) && has_sub_header(r, c - 1) {
                    level[c] = level[c - 1];
                }
            }
        }
        levels.push(level);
    }
    let mut result: Vec<Option<ColumnMatch>> = vec![None; form.columns.len()];
    for c in 0..width {
        let parts: Vec<&str> = levels.iter().map(|l| l[c]).filter(|t| !t.is_empty()).collect();
        if parts.is_empty() {
            continue;
        }
        let bottom = *parts.last().expect("non-empty");
        let mut candidates: Vec<String> = Vec::new();
        if !is_total_word(bottom) {
            candidates.push(bottom.to_string());
        }
        if parts.len() > 1 {
            candidates.push(parts.concat());
            candidates.push(parts[..parts.len() - 1].concat());
            candidates.push(parts[0].to_string());
        }
        for candidate in candidates {
            let (name, _) = split_unit(&candidate);
            if let Some(index) = names.find(&name)
                && result[index].is_none()
            {
                let unit = parts.iter().rev().find_map(|p| split_unit(p).1);
                result[index] = Some(ColumnMatch { index: c, header: parts.join(" / "), unit });
                break;
            }
        }
    }
    result
}

fn is_total_word(text: &str) -> bool {
    matches!(normalise(text).as_str(), "合计" | "小计" | "计" | "总计" | "合计数")
}

/// Split `耕地面积（万亩）` into (`耕地面积`, Some(`万亩`)), all normalised. `（是/否）` and
/// `（单位：亩）` are recognised too.
pub fn split_unit(text: &str) -> (String, Option<String>) {
    let n = normalise(text);
    if let Some(open) = n.rfind('(')
        && n.ends_with(')')
    {
        let inner = n[open + 1..n.len() - 1].trim_start_matches("单位:").to_string();
        let name = n[..open].to_string();
        if units::is_known(&inner) {
            return (name, Some(inner));
        }
        if inner == "是/否" || inner == "是或否" {
            return (name, None);
        }
    }
    for sep in ['/', '_'] {
        if let Some((name, unit)) = n.rsplit_once(sep)
            && units::is_known(unit)
        {
            return (name.to_string(), Some(unit.to_string()));
        }
    }
    (n, None)
}

/// Find `form` in the grids: the sheet named like it, else the sheet whose headers fit best.
pub fn locate_form<'g>(grids: &'g [Grid], form: &Form, taken: &[usize]) -> Option<(usize, &'g Grid, usize, Vec<Option<ColumnMatch>>)> {
    let wanted = [normalise(&form.sheet), normalise(&form.id), normalise(&form.title)];
    let by_name = grids.iter().enumerate().find(|(i, g)| {
        !taken.contains(i) && {
            let name = normalise(&g.sheet);
            wanted.iter().any(|w| name == *w || (name.len() > 3 && (w.contains(&name) || name.contains(w.as_str()))))
        }
    });
    if let Some((i, grid)) = by_name
        && let Some((_, row, columns)) = find_header(grid, form)
    {
        return Some((i, grid, row, columns));
    }
    // By headers alone, a sheet must carry every required column: ZX03's 农村公路 (项目名称, 涉及村,
    // 建设任务, 累计完成 …) half-fits ZX02 and must not be taken for it when ZX02's sheet is absent.
    let has_required = |columns: &[Option<ColumnMatch>]| form.columns.iter().zip(columns).all(|(c, m)| !c.required || m.is_some());
    grids
        .iter()
        .enumerate()
        .filter(|(i, _)| !taken.contains(i))
        .filter_map(|(i, g)| find_header(g, form).map(|(score, row, cols)| (score, i, g, row, cols)))
        .filter(|(_, _, _, _, cols)| has_required(cols))
        .max_by_key(|(score, i, _, _, _)| (*score, std::cmp::Reverse(*i)))
        .map(|(_, i, g, row, cols)| (i, g, row, cols))
}

/// Read the data rows below the header: skip blanks and repeated headers, mark 合计 rows, stop
/// at the footer (填报人、联系电话…).
pub fn read_rows(grid: &Grid, form: &Form, header_row: usize, columns: &[Option<ColumnMatch>]) -> Vec<TableRow> {
    let key_index = form.columns.iter().position(|c| c.kind == ColumnKind::Key).expect("checked: one key column");
    // The key column's names, normalised once rather than on every row.
    let key = &form.columns[key_index];
    let key_names: std::collections::HashSet<String> =
        std::iter::once(&key.name).chain(&key.aliases).map(|n| without_qizhong(&normalise(n))).collect();
    let mut rows = Vec::new();
    for r in header_row + 1..grid.rows.len() {
        let raw = &grid.rows[r];
        if raw.iter().all(Cell::is_empty) {
            continue;
        }
        let first_text = raw.iter().find(|c| !c.is_empty()).map(|c| normalise(&c.text())).unwrap_or_default();
        if is_footer(&first_text) {
            break;
        }
        let cells: Vec<Cell> = columns.iter().map(|m| m.as_ref().map(|m| grid.get(r, m.index).clone()).unwrap_or(Cell::Empty)).collect();
        let key_text = normalise(&cells[key_index].text());
        let mentions_total = raw.iter().take(3).any(|c| matches!(c, Cell::Text(t) if is_total_label(t)));
        if is_total_label(&key_text) || (key_text.is_empty() && mentions_total) {
            rows.push(TableRow { row: r, kind: RowType::Total, cells });
            continue;
        }
        if key_names.contains(&without_qizhong(&split_unit(&key_text).0)) {
            continue; // a header repeated below (printed page headers copied in)
        }
        let has_content = cells.iter().any(|c| !c.is_empty());
        if !has_content {
            continue; // something outside the form's columns, e.g. a note in a far cell
        }
        rows.push(TableRow { row: r, kind: RowType::Detail, cells });
    }
    rows
}

fn is_total_label(text: &str) -> bool {
    let n = normalise(text);
    is_total_word(&n) || (n.chars().count() <= 8 && (n.ends_with("合计") || n.ends_with("小计") || n.starts_with("合计")))
}

fn is_footer(text: &str) -> bool {
    const FOOTERS: &[&str] = &[
        "填报人",
        "填表人",
        "联系电话",
        "审核人",
        "负责人",
        "单位负责人",
        "统计负责人",
        "填报日期",
        "制表",
        "注:",
        "说明:",
        "备注:",
        "填报说明",
    ];
    FOOTERS.iter().any(|f| text.starts_with(f))
}

/// Scan the rows above each header (and the first rows of every sheet) for 填报单位/填报月份.
pub fn find_claims(grid: &Grid, until_row: usize, claims: &mut Claims) {
    for r in 0..until_row.min(grid.rows.len()).min(HEADER_SEARCH_ROWS) {
        for (c, cell) in grid.rows[r].iter().enumerate() {
            let Cell::Text(text) = cell else { continue };
            let n = normalise(text);
            for (label, is_township) in [("填报单位", true), ("填报月份", false), ("报告期", false)] {
                let list = if is_township { &mut claims.townships } else { &mut claims.periods };
                if let Some(pos) = n.find(label) {
                    let after = n[pos + label.len()..].trim_start_matches([':', '：']);
                    let value: String = after
                        .split(|ch: char| ch == ':' || ch == '：')
                        .next()
                        .unwrap_or("")
                        .trim_end_matches("填报月份")
                        .trim_end_matches("报告期")
                        .to_string();
                    let value = if value.is_empty() {
                        grid.get(r, c + 1).text() // label and value in two cells
                    } else {
                        value
                    };
                    let value = value.trim().to_string();
                    if !value.is_empty() {
                        list.push(Claim { sheet: grid.sheet.clone(), cell: a1(r, c), text: value });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_units_out_of_headers() {
        assert_eq!(split_unit("耕地面积（万亩）"), ("耕地面积".into(), Some("万亩".into())));
        assert_eq!(split_unit("耕地面积(公顷)"), ("耕地面积".into(), Some("公顷".into())));
        assert_eq!(split_unit("耕 地 面 积"), ("耕地面积".into(), None));
        assert_eq!(split_unit("主体工程完工（是/否）"), ("主体工程完工".into(), None));
        assert_eq!(split_unit("村（社区）"), ("村(社区)".into(), None));
        assert_eq!(split_unit("建设任务（单位：亩）"), ("建设任务".into(), Some("亩".into())));
    }

    #[test]
    fn total_labels() {
        assert!(is_total_label("合计"));
        assert!(is_total_label("合 计"));
        assert!(is_total_label("全镇合计"));
        assert!(!is_total_label("荆竹村"));
    }
}
