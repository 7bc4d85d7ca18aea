//! Grids → form tables: find each form's sheet (by name or by its headers), its header row
//! (wherever it is, possibly merged over two or three rows), the unit each header states, the data
//! rows, the 合计/小计 rows, and the 填报单位/填报月份 line.

use std::borrow::Cow;

use crate::issue::a1;
use crate::plan::{ColumnKind, Form, Measure, Plan};
use crate::text::{normalise, normalise_cow};
use crate::units;
use crate::{FastMap, FastSet};

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
    /// The column is one leaf of a group split by period (`粮食播种面积` over `本月 | 本年累计`):
    /// the leaf read (`本年累计`); the others are kept out of the sums.
    pub leaf: Option<String>,
}

/// What a leaf under a column group holds, by its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    /// The month's figure or the month-end stock: 本月, 当月, 本期, 期末.
    Month,
    /// The year so far: 本年累计, 累计, 1-本月, 1-6月, 年初至今.
    YearToDate,
    /// A comparison, never a figure of the form: 上年同期, 增减, 增减%, 同比.
    Comparison,
}

/// Whether header column `c` sits under a period written above it (`本月` or `上年同期` merged over
/// a block of columns, within the two rows above the header row): a block kept out on purpose.
pub fn under_period(grid: &Grid, header_row: usize, c: usize) -> bool {
    (header_row.saturating_sub(2)..header_row).any(|r| {
        let row = &grid.rows[r];
        // A merged cell holds its text in its first column: the nearest text at or left of `c`.
        let text = row.iter().take(c + 1).rev().map(Cell::trimmed_text).find(|t| !t.is_empty());
        text.is_some_and(|t| period_leaf(split_unit_normalised(&normalise(&t)).0).is_some())
    })
}

impl Leaf {
    /// The leaf a column reads when its figures are split by period: the year so far for a
    /// cumulative column, the month for a stock.
    fn wanted_by(column: &crate::plan::Column) -> Leaf {
        if column.measure == Measure::Stock { Leaf::Month } else { Leaf::YearToDate }
    }
}

/// The leaf a header label under a group names, if it is one of the period labels (`本月`,
/// `本年累计`, `1-6月`, `上年同期`, `增减%` …).
pub fn period_leaf(text: &str) -> Option<Leaf> {
    let n = normalise_cow(text);
    let n = n.trim_end_matches("数").trim_end_matches("完成").trim_end_matches("数");
    const MONTH: &[&str] = &["本月", "当月", "本期", "期末", "本月末", "月末", "本期末", "本月实际"];
    const YEAR: &[&str] = &["本年累计", "累计", "本年", "1-本月", "1至本月", "年初至今", "自年初累计", "本年度累计", "年累计"];
    const COMPARISON: &[&str] = &[
        "上年同期",
        "去年同期",
        "同期",
        "上年",
        "上月",
        "上月累计",
        "增减",
        "增减%",
        "增减(%)",
        "增幅",
        "增长",
        "增长%",
        "同比",
        "同比增减",
        "同比增长",
        "同比增减%",
        "比上年增减",
        "比上年同期增减",
        "比上年同期增减%",
        "增减率",
        "同比增减(%)",
    ];
    if MONTH.contains(&n) {
        return Some(Leaf::Month);
    }
    if YEAR.contains(&n) {
        return Some(Leaf::YearToDate);
    }
    if COMPARISON.contains(&n) {
        return Some(Leaf::Comparison);
    }
    // `1-6月`, `1至6月`: the year so far.
    let range = n.strip_suffix('月').and_then(|r| r.split_once(['-', '至', '~', '—', '–']));
    if range.is_some_and(|(from, to)| from == "1" && to.parse::<u32>().is_ok_and(|m| (2..=12).contains(&m))) {
        return Some(Leaf::YearToDate);
    }
    None
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
    /// Titles above a form's header, and form sheets' names, that name a month (a copied
    /// template keeps last month's): `cell` empty for a sheet name.
    pub titles: Vec<Claim>,
    /// 填报人 and 联系电话 as a footer states them (for the 催报 list).
    pub filler: Option<String>,
    pub phone: Option<String>,
}

const HEADER_SEARCH_ROWS: usize = 40;

/// The names layout compares header texts with, for every form of a plan, normalised once per
/// run rather than once per file (a province month reads 2,000 files of four forms each).
pub struct PlanNames(Vec<FormNames>);

impl PlanNames {
    pub fn new(plan: &Plan) -> PlanNames {
        PlanNames(plan.forms.iter().map(FormNames::new).collect())
    }

    /// The names of the plan's `index`-th form.
    pub fn form(&self, index: usize) -> &FormNames {
        &self.0[index]
    }

    /// The form whose header this row is (its texts name at least three of that form's columns,
    /// more than of any other, and it holds no number): where a second table on a sheet starts.
    pub fn header_of(&self, raw: &[Cell]) -> Option<usize> {
        if raw.iter().any(|c| matches!(c, Cell::Number(_))) || raw.iter().filter(|c| !c.is_empty()).count() < 3 {
            return None;
        }
        // A header's first cells name columns (its key and the next two): a data row is let go
        // on those, before its other cells are looked at.
        let first: Vec<String> = raw.iter().filter(|c| !c.is_empty()).take(3).map(|c| normalise_cow(&c.text_cow()).into_owned()).collect();
        let names_one = |t: &String| self.0.iter().any(|form| form.columns.find(split_unit_normalised(t).0).is_some());
        if first.iter().filter(|t| names_one(t)).count() < 2 {
            return None;
        }
        let texts: Vec<String> = raw.iter().map(|c| normalise(&c.text_cow())).filter(|t| !t.is_empty()).collect();
        let named = |form: &FormNames| {
            let mut found: Vec<usize> = texts.iter().filter_map(|t| form.columns.find(split_unit_normalised(t).0)).collect();
            found.sort_unstable();
            found.dedup();
            found.len()
        };
        let (index, count) = self.0.iter().map(named).enumerate().max_by_key(|&(i, n)| (n, std::cmp::Reverse(i)))?;
        (count >= 3).then_some(index)
    }
}

/// One form's names: its columns' (for the header search) and its key column's (a header
/// repeated among the data rows).
pub struct FormNames {
    columns: ColumnNames,
    key: FastSet<String>,
}

impl FormNames {
    pub fn new(form: &Form) -> FormNames {
        let key = form.columns.iter().find(|c| c.kind == ColumnKind::Key);
        let key = key.map(|k| std::iter::once(&k.name).chain(&k.aliases).map(|n| without_qizhong(&normalise(n)).into_owned()).collect());
        FormNames { columns: ColumnNames::new(form), key: key.unwrap_or_default() }
    }
}

/// Every name of every plan column of a form (name and aliases), normalised once per form rather
/// than once per header candidate: header search tries up to 40 rows × 3 depths × every cell.
/// A header name names a column when it equals one of the column's names, `其中:` aside.
struct ColumnNames(FastMap<String, usize>);

impl ColumnNames {
    fn new(form: &Form) -> ColumnNames {
        let mut names = FastMap::default();
        for (index, column) in form.columns.iter().enumerate() {
            for name in std::iter::once(&column.name).chain(&column.aliases) {
                // Two columns with the same name: the first in plan order wins.
                names.entry(without_qizhong(&normalise(name)).into_owned()).or_insert(index);
            }
        }
        ColumnNames(names)
    }

    /// The plan column a header name (unit removed, normalised) names.
    fn find(&self, name: &str) -> Option<usize> {
        self.0.get(without_qizhong(name).as_ref()).copied()
    }
}

/// A header name without the marks of a sub-item: `其中:早稻`, `其中早稻`, `#早稻` (as yearbook
/// tables write 其中 items) all name `早稻`.
fn without_qizhong(name: &str) -> Cow<'_, str> {
    let name = name.trim_start_matches(['#', '＃']);
    if name.contains("其中:") {
        return Cow::Owned(without_qizhong_prefix(&name.replace("其中:", "")).to_string());
    }
    Cow::Borrowed(without_qizhong_prefix(name))
}

/// `其中早稻`, `其中#早稻`, `其中、早稻` → `早稻` (`其中` alone stays).
fn without_qizhong_prefix(name: &str) -> &str {
    match name.strip_prefix("其中") {
        Some(rest) if !rest.is_empty() => rest.trim_start_matches(['#', ',', '、']),
        _ => name,
    }
}

/// Best header match of `form` in `grid` among the first rows of `window` (the rows no other
/// table of the sheet holds): (score, header_row, columns).
fn find_header(
    grid: &Grid,
    form: &Form,
    names: &ColumnNames,
    window: std::ops::Range<usize>,
) -> Option<(usize, usize, Vec<Option<ColumnMatch>>)> {
    // The text of each cell of the rows searched (trimmed, and normalised), once (not once per
    // row × depth tried), and only as far as the search goes; `texts[i]` is row `base + i`.
    let base = window.start;
    let mut texts: Vec<Vec<HeaderText<'_>>> = Vec::new();
    let mut best: Option<(usize, usize, usize, Vec<Option<ColumnMatch>>)> = None;
    'search: for row in base..grid.rows.len().min(window.end).min(base + HEADER_SEARCH_ROWS) {
        texts.push(grid.rows[row].iter().map(HeaderText::new).collect());
        for depth in 0..=2usize.min(row - base) {
            let columns = match_columns(grid, (base, &texts), form, names, row, depth);
            // A header whose columns have period leaves (本月 | 本年累计) on the row below goes on
            // there: this block is only its upper part.
            let continues = grid.rows.get(row + 1).is_some_and(|below| {
                columns.iter().flatten().any(|m| below.get(m.index).is_some_and(|c| period_leaf(&c.trimmed_text()).is_some()))
            });
            if continues {
                continue;
            }
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

/// One cell of a header candidate: its trimmed text (for the header as found) and that text
/// normalised (for matching; `normalise` drops spaces, so it needs no trimming).
struct HeaderText<'g> {
    raw: Cow<'g, str>,
    normal: Cow<'g, str>,
}

impl<'g> HeaderText<'g> {
    fn new(cell: &'g Cell) -> HeaderText<'g> {
        let raw = cell.trimmed_text();
        let normal = match &raw {
            Cow::Borrowed(t) => normalise_cow(t),
            Cow::Owned(t) => Cow::Owned(normalise(t)),
        };
        HeaderText { raw, normal }
    }
}

/// Match plan columns against the header block ending at `row` and starting `depth` rows above.
/// `texts` holds the texts of the grid's rows up to `row`.
fn match_columns(
    grid: &Grid,
    (base, texts): (usize, &[Vec<HeaderText<'_>>]),
    form: &Form,
    names: &ColumnNames,
    row: usize,
    depth: usize,
) -> Vec<Option<ColumnMatch>> {
    let width = (row - depth..=row).map(|r| grid.rows[r].len()).max().unwrap_or(0);
    const BLANK: &HeaderText<'static> = &HeaderText { raw: Cow::Borrowed(""), normal: Cow::Borrowed("") };
    let text = |r: usize, c: usize| texts[r - base].get(c).unwrap_or(BLANK);
    // Header rows above the last one are forward-filled to the right: a merged cell spanning
    // several sub-columns holds its text only in its first cell. A column belongs to the group on
    // its left when both have a sub-header somewhere below this level (not necessarily on the last
    // row: `小计` may be merged down over two rows next to `其中` over `早稻 | 大豆`).
    let has_sub_header = |r: usize, c: usize| (r + 1..=row).any(|below| !text(below, c).raw.is_empty());
    let mut levels: Vec<Vec<&HeaderText<'_>>> = Vec::new();
    for r in row - depth..=row {
        let mut level: Vec<&HeaderText<'_>> = (0..width).map(|c| text(r, c)).collect();
        if r < row {
            for c in 1..width {
                if level[c].raw.is_empty() && has_sub_header(r, c) && has_sub_header(r, c - 1) {
                    level[c] = level[c - 1];
                }
            }
        }
        levels.push(level);
    }
    let mut result: Vec<Option<ColumnMatch>> = vec![None; form.columns.len()];
    for c in 0..width {
        let parts: Vec<&HeaderText<'_>> = levels.iter().map(|l| l[c]).filter(|t| !t.raw.is_empty()).collect();
        if parts.is_empty() {
            continue;
        }
        let bottom = parts.last().expect("non-empty");
        // Column `c` as found: its header (all levels), the unit a level states, the period leaf read.
        let found_here = |leaf: Option<&HeaderText<'_>>| ColumnMatch {
            index: c,
            header: parts.iter().map(|p| p.raw.as_ref()).collect::<Vec<_>>().join(" / "),
            unit: parts.iter().rev().find_map(|p| split_unit_normalised(&p.normal).1.map(str::to_string)),
            leaf: leaf.map(|l| l.raw.to_string()),
        };
        // Candidates in order: the bottom text, all levels, all but the bottom, the top. Texts
        // are normalised per cell: the normalised concatenation is the concatenation of them.
        fn concat<'a>(parts: &[&'a HeaderText<'_>]) -> Cow<'a, str> {
            match parts {
                [one] => Cow::Borrowed(one.normal.as_ref()),
                _ => Cow::Owned(parts.iter().map(|p| p.normal.as_ref()).collect()),
            }
        }
        // A group split by period (`粮食播种面积` over `本月 | 本年累计 | 上年同期`): the leaf the
        // column's measure needs is read, the year so far for a year-to-date column, the month
        // for a stock; the other leaves are kept out. A leaf that is itself a column's name
        // (`累计完成`) is that column.
        let (bottom_name, _) = split_unit_normalised(&bottom.normal);
        if parts.len() > 1
            && names.find(bottom_name).is_none()
            && let Some(leaf) = period_leaf(bottom_name)
        {
            let group = [concat(&parts[..parts.len() - 1]), Cow::Borrowed(parts[0].normal.as_ref())];
            let found = group.iter().find_map(|g| names.find(split_unit_normalised(g).0));
            if let Some(index) = found
                && result[index].is_none()
                && leaf == Leaf::wanted_by(&form.columns[index])
            {
                result[index] = Some(found_here(Some(bottom)));
            }
            continue;
        }
        let mut candidates: Vec<Cow<'_, str>> = Vec::new();
        if !is_total_word(&bottom.normal) {
            candidates.push(Cow::Borrowed(bottom.normal.as_ref()));
        }
        if parts.len() > 1 {
            candidates.push(concat(&parts));
            candidates.push(concat(&parts[..parts.len() - 1]));
            candidates.push(Cow::Borrowed(parts[0].normal.as_ref()));
        }
        // The period written above the columns instead (`本月` over `耕地 | 粮食`, `本年累计` over
        // the same again): only the block the column's measure needs.
        let period_above = parts[..parts.len() - 1].iter().find_map(|p| period_leaf(split_unit_normalised(&p.normal).0).map(|l| (l, p)));
        for candidate in candidates {
            let (name, _) = split_unit_normalised(&candidate);
            if let Some(index) = names.find(name)
                && result[index].is_none()
            {
                match period_above {
                    // Another period's block than the one this column reads: not this column.
                    Some((leaf, _)) if leaf != Leaf::wanted_by(&form.columns[index]) => {}
                    Some((_, above)) => result[index] = Some(found_here(Some(above))),
                    None => result[index] = Some(found_here(None)),
                }
                break;
            }
        }
    }
    result
}

fn is_total_word(text: &str) -> bool {
    matches!(normalise_cow(text).as_ref(), "合计" | "小计" | "计" | "总计" | "合计数")
}

/// Split `耕地面积（万亩）` into (`耕地面积`, Some(`万亩`)), all normalised. `（是/否）` and
/// `（单位：亩）` are recognised too.
pub fn split_unit(text: &str) -> (String, Option<String>) {
    let n = normalise_cow(text);
    let (name, unit) = split_unit_normalised(&n);
    (name.to_string(), unit.map(str::to_string))
}

/// `split_unit` of a text normalised already, as slices of it.
fn split_unit_normalised(n: &str) -> (&str, Option<&str>) {
    if let Some(open) = n.rfind('(')
        && n.ends_with(')')
    {
        let inner = n[open + 1..n.len() - 1].trim_start_matches("单位:");
        let name = &n[..open];
        if units::is_known(inner) {
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
            return (name, Some(unit));
        }
    }
    (n, None)
}

/// Find `form` in the grids: the sheet named like it, else the sheet whose headers fit best.
pub fn locate_form<'g>(
    grids: &'g [Grid],
    form: &Form,
    names: &FormNames,
    taken: &[(usize, std::ops::Range<usize>)],
) -> Option<(usize, &'g Grid, usize, Vec<Option<ColumnMatch>>)> {
    let names = &names.columns;
    let wanted = [normalise(&form.sheet), normalise(&form.id), normalise(&form.title)];
    let untouched = |i: usize| !taken.iter().any(|(t, _)| *t == i);
    let by_name = grids.iter().enumerate().find(|(i, g)| {
        untouched(*i) && {
            let name = normalise(&g.sheet);
            wanted.iter().any(|w| name == *w || (name.len() > 3 && (w.contains(&name) || name.contains(w.as_str()))))
        }
    });
    if let Some((i, grid)) = by_name
        && let Some((_, row, columns)) = find_header(grid, form, names, 0..grid.rows.len())
    {
        return Some((i, grid, row, columns));
    }
    // The rows of a sheet no table found so far holds: a sheet may carry two forms, one under the
    // other, each found by its own header.
    let free = |i: usize, grid: &Grid| -> Vec<std::ops::Range<usize>> {
        let mut held: Vec<&std::ops::Range<usize>> = taken.iter().filter(|(t, _)| *t == i).map(|(_, r)| r).collect();
        held.sort_by_key(|r| r.start);
        let mut windows = Vec::new();
        let mut from = 0;
        for r in held {
            if r.start > from {
                windows.push(from..r.start);
            }
            from = from.max(r.end);
        }
        if from < grid.rows.len() {
            windows.push(from..grid.rows.len());
        }
        windows
    };
    // By headers alone, a sheet must carry every required column: ZX03's 农村公路 (项目名称, 涉及村,
    // 建设任务, 累计完成 …) half-fits ZX02 and must not be taken for it when ZX02's sheet is absent.
    let has_required = |columns: &[Option<ColumnMatch>]| form.columns.iter().zip(columns).all(|(c, m)| !c.required || m.is_some());
    grids
        .iter()
        .enumerate()
        .flat_map(|(i, g)| free(i, g).into_iter().map(move |w| (i, g, w)))
        .filter_map(|(i, g, w)| find_header(g, form, names, w).map(|(score, row, cols)| (score, i, g, row, cols)))
        .filter(|(_, _, _, _, cols)| has_required(cols))
        .max_by_key(|(score, i, _, _, _)| (*score, std::cmp::Reverse(*i)))
        .map(|(_, i, g, row, cols)| (i, g, row, cols))
}

/// A 栏号 row under a header (`甲 乙 1 2 3 …`, `栏次`): every non-empty cell a column number.
/// (Looked at for the first rows under every header, most of them data: a row stops being one
/// at its first cell that is neither a marker nor a small number.)
fn is_column_number_row(raw: &[Cell]) -> bool {
    let marker = |t: &str| matches!(t, "甲" | "乙" | "丙" | "丁" | "戊" | "己" | "栏次" | "栏号" | "序号");
    let (mut cells, mut any_marker, mut numbers) = (0, false, Vec::new());
    for cell in raw.iter().filter(|c| !c.is_empty()) {
        let text = cell.text_cow();
        let text = normalise_cow(&text);
        cells += 1;
        if marker(&text) {
            any_marker = true;
            continue;
        }
        match text.trim_end_matches(".0").parse::<u32>() {
            Ok(n) if n <= 200 => numbers.push(n),
            _ => return false,
        }
    }
    let consecutive = numbers.windows(2).all(|w| w[1] == w[0] + 1);
    cells >= 2 && consecutive && (any_marker || numbers.len() >= 3)
}

/// A unit written on its own: `（公顷）`, `亩`, `计算单位：亩`, `单位:万元`.
pub fn unit_text(text: &str) -> Option<String> {
    let n = normalise_cow(text);
    let n = n.trim_start_matches('(').trim_end_matches(')');
    let n = n.strip_prefix("计算单位:").or_else(|| n.strip_prefix("计量单位:")).or_else(|| n.strip_prefix("单位:")).unwrap_or(n);
    let n = n.trim_start_matches('(').trim_end_matches(')');
    units::is_known(n).then(|| units::canonical(n))
}

/// What sits between a header and its data: a unit row (`（公顷）` under `耕地面积`) and a 栏号
/// row. Units found fill the columns whose header gave none. Returns the last such row (the
/// header row itself when there is none).
pub fn header_extras(grid: &Grid, header_row: usize, columns: &mut [Option<ColumnMatch>]) -> usize {
    let mut last = header_row;
    for r in header_row + 1..grid.rows.len().min(header_row + 4) {
        let raw = &grid.rows[r];
        if raw.iter().all(Cell::is_empty) {
            continue;
        }
        if is_column_number_row(raw) {
            last = r;
            continue;
        }
        // A unit row: every non-empty cell a unit (a data row fails at its first cell).
        let mut units: Vec<(usize, String)> = Vec::new();
        let all_units = raw
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .all(|(c, cell)| unit_text(&cell.text_cow()).map(|u| units.push((c, u))).is_some());
        if all_units && !units.is_empty() {
            for (c, unit) in units {
                if let Some(m) = columns.iter_mut().flatten().find(|m| m.index == c)
                    && m.unit.is_none()
                {
                    m.unit = Some(unit);
                }
            }
            last = r;
            continue;
        }
        break;
    }
    last
}

/// A `单位：亩` or `计算单位：亩` line above the header: the unit of every number column whose
/// header gives none and whose plan unit it converts to.
pub fn apply_unit_line(grid: &Grid, header_row: usize, form: &Form, columns: &mut [Option<ColumnMatch>]) {
    let first = header_row.saturating_sub(HEADER_SEARCH_ROWS);
    let mut unit = None;
    for r in first..header_row {
        for cell in &grid.rows[r] {
            let n = normalise(&cell.text());
            for label in ["计算单位:", "计量单位:", "单位:"] {
                if let Some(pos) = n.find(label) {
                    let rest: String = n[pos + label.len()..].chars().take_while(|c| !matches!(c, ',' | ';' | ' ')).collect();
                    if let Some(u) = unit_text(&rest) {
                        unit = Some(u);
                    }
                }
            }
        }
    }
    let Some(unit) = unit else { return };
    for (column, found) in form.columns.iter().zip(columns.iter_mut()) {
        if let (Some(m), Some(plan_unit)) = (found.as_mut(), column.unit.as_deref())
            && column.kind == ColumnKind::Number
            && m.unit.is_none()
            && units::factor(&unit, plan_unit).is_some()
        {
            m.unit = Some(unit.clone());
        }
    }
}

/// Read the data rows below the header: skip blanks and repeated headers, mark 合计 rows, stop
/// at the footer (填报人、联系电话…).
/// `header`: the rows the header may take, from its first possible row to the last row before the
/// data (the header, or its unit or 栏号 row).
/// Returns the rows and the row the table ends at (its footer, the next table's title or header,
/// or the sheet's end): a second form on the same sheet is looked for from there.
/// `others`: the plan's forms' names and this form's index among them, to see another form's
/// table start.
pub fn read_rows(
    grid: &Grid,
    form: &Form,
    (plan_names, own): (&PlanNames, usize),
    header: std::ops::RangeInclusive<usize>,
    columns: &[Option<ColumnMatch>],
) -> (Vec<TableRow>, usize) {
    let header_row = *header.end();
    let key_index = form.columns.iter().position(|c| c.kind == ColumnKind::Key).expect("checked: one key column");
    // The key column's names, normalised once.
    let key_names = &plan_names.form(own).key;
    let another_table = |r: usize| plan_names.header_of(&grid.rows[r]).is_some_and(|f| f != own);
    let mut rows = Vec::new();
    for r in header_row + 1..grid.rows.len() {
        let raw = &grid.rows[r];
        if raw.iter().all(Cell::is_empty) {
            continue;
        }
        if raw.iter().find(|c| !c.is_empty()).is_some_and(|c| is_footer(&normalise_cow(&c.text_cow()))) {
            return (rows, r + 1);
        }
        // Another form's header here, or under this row within three rows when this one is a
        // lone text (its title): this table ends. (Rows with numbers are never either.)
        if !raw.iter().any(|c| matches!(c, Cell::Number(_))) {
            let lone_text = raw.iter().filter(|c| !c.is_empty()).count() == 1;
            if another_table(r) || (lone_text && (r + 1..grid.rows.len().min(r + 4)).any(&another_table)) {
                return (rows, r);
            }
        }
        // A category, year, village or text merged down over several rows belongs to each of
        // them; a number merged down is one figure, counted once (in its first row); a key (the
        // row's village or project) is never copied, or two rows would be one entered twice.
        let cells: Vec<Cell> = columns
            .iter()
            .zip(&form.columns)
            .map(|(m, column)| match m {
                Some(m) if !matches!(column.kind, ColumnKind::Number | ColumnKind::Key) => grid.shown(r, m.index).clone(),
                Some(m) => grid.get(r, m.index).clone(),
                None => Cell::Empty,
            })
            .collect();
        let key_cell = cells[key_index].text_cow();
        let key_text = normalise_cow(&key_cell);
        let mentions_total = raw.iter().take(3).any(|c| matches!(c, Cell::Text(t) if is_total_label(t)));
        if is_total_label(&key_text) || (key_text.is_empty() && mentions_total) {
            rows.push(TableRow { row: r, kind: RowType::Total, cells });
            continue;
        }
        if key_names.contains(without_qizhong(split_unit_normalised(&key_text).0).as_ref()) || repeats_header(grid, &header, raw) {
            continue; // a header repeated below (printed page headers copied in)
        }
        // Rows under a 合计 comparing it with last year (上年, 增减, 增减%), and a block's
        // subtitle (一、社区 / 二、村) with nothing else in the form's columns: no unit's rows.
        let labelled = |test: fn(&str) -> bool| {
            test(&key_text) || (key_text.is_empty() && raw.iter().take(3).any(|c| matches!(c, Cell::Text(t) if test(&normalise(t)))))
        };
        if labelled(is_comparison_label) {
            continue;
        }
        if is_subtitle(&key_text) && cells.iter().enumerate().all(|(i, c)| i == key_index || c.is_empty()) {
            continue;
        }
        let has_content = cells.iter().any(|c| !c.is_empty());
        if !has_content {
            continue; // something outside the form's columns, e.g. a note in a far cell
        }
        rows.push(TableRow { row: r, kind: RowType::Detail, cells });
    }
    (rows, grid.rows.len())
}

/// A row of the header copied below it (a printed page's header repeated between blocks), whose
/// key cell may be blank (a leaf row `本月 | 本年累计` under a key merged down over the header's
/// rows): text only, every text the header's own at its column. A row with a number is data.
fn repeats_header(grid: &Grid, header: &std::ops::RangeInclusive<usize>, raw: &[Cell]) -> bool {
    raw.iter().all(|c| matches!(c, Cell::Empty | Cell::Text(_)))
        && raw.iter().enumerate().filter(|(_, c)| !c.is_empty()).all(|(c, cell)| {
            let text = normalise(&cell.text_cow());
            header.clone().any(|h| normalise(&grid.get(h, c).text_cow()) == text)
        })
}

/// A total however offices label it: 合计, 总计, 小计, 全镇/全乡/全街道, `全镇合计`,
/// `合计（6个村社区）`, `街道合计数`.
pub fn is_total_label(text: &str) -> bool {
    // Every label below has one of these characters (normalising changes none of them): most
    // texts, village names and numbers, are not looked at further.
    if !text.contains(['计', '全', '总']) {
        return false;
    }
    let n = normalise(text);
    // What is in brackets says what the total covers: `合计(6个村社区)`.
    let core = match n.find('(') {
        Some(open) if open > 0 => &n[..open],
        _ => n.as_str(),
    };
    let core = core.trim_end_matches(':');
    if is_total_word(core)
        || matches!(core, "全镇" | "全乡" | "全街道" | "全区" | "全县" | "全市" | "全旗" | "全苏木" | "全社区" | "全村" | "总数")
    {
        return true;
    }
    core.chars().count() <= 8 && ["合计", "小计", "总计", "合计数", "总计数", "小计数"].iter().any(|w| core.ends_with(w))
        || ["合计", "总计"].iter().any(|w| core.starts_with(w))
}

/// The label of a row that compares a total with last year's: 本年, 上年, 上年同期, 增减, 增减%,
/// 同比 … (normalised text).
fn is_comparison_label(text: &str) -> bool {
    let core = text.trim_end_matches(':').replace(['(', ')'], "");
    matches!(
        core.as_str(),
        "本年"
            | "本期"
            | "上年"
            | "上年同期"
            | "去年同期"
            | "同期"
            | "上期"
            | "增减"
            | "增减%"
            | "增减额"
            | "增减幅度"
            | "增减幅度%"
            | "增减率"
            | "增减率%"
            | "增幅"
            | "增幅%"
            | "增长"
            | "增长%"
            | "同比"
            | "同比%"
            | "同比增减"
            | "同比增减%"
            | "比上年增减"
            | "比上年增减%"
            | "比去年增减"
    )
}

/// A block's subtitle in the key column: `一、社区`, `二、村`, `(一)村` (a Chinese numeral, then
/// 、 or a bracket), a few characters long (normalised text: 、 is `,`).
fn is_subtitle(text: &str) -> bool {
    const NUMERALS: &[char] = &['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
    let rest = text.strip_prefix('(').unwrap_or(text);
    let numerals = rest.chars().take_while(|c| NUMERALS.contains(c)).count();
    if numerals == 0 || text.chars().count() > 12 {
        return false;
    }
    let after: String = rest.chars().skip(numerals).collect();
    after.starts_with(',') || after.starts_with(')') || after.starts_with('.')
}

/// The first words of a footer or a note below a table, in any order: signatures, dates, phone
/// numbers, 填表说明. Compared with normalised text (no spaces, half-width colons).
fn is_footer(text: &str) -> bool {
    const FOOTERS: &[&str] = &[
        "填报人",
        "填表人",
        "联系电话",
        "电话:",
        "审核人",
        "审核:",
        "审核",
        "负责人",
        "单位负责人",
        "统计负责人",
        "分管领导",
        "主要领导",
        "统计员",
        "统计人",
        "填报日期",
        "报出日期",
        "报送日期",
        "制表",
        "注:",
        "注1",
        "说明:",
        "备注:",
        "填报说明",
        "填表说明",
        "(盖章)",
        "单位(盖章)",
    ];
    FOOTERS.iter().any(|f| text.starts_with(f))
}

/// The 填报人 and 联系电话 of a footer below the table (the first ones found).
pub fn find_contacts(grid: &Grid, after_row: usize, claims: &mut Claims) {
    // Only rows with a label in a text cell are looked at (this runs over every data row).
    let labelled = |cell: &Cell| matches!(cell, Cell::Text(t) if ["填报人", "填表人", "统计员", "电话"].iter().any(|l| t.contains(l)));
    for r in after_row..grid.rows.len() {
        if !grid.rows[r].iter().any(labelled) {
            continue;
        }
        let line: String = grid.rows[r].iter().map(|c| c.text()).collect::<Vec<_>>().join(" ");
        let n = line.replace('：', ":");
        for (labels, slot) in [(&["填报人", "填表人", "统计员"][..], &mut claims.filler), (&["联系电话", "电话"][..], &mut claims.phone)]
        {
            if slot.is_some() {
                continue;
            }
            for label in labels {
                if let Some(pos) = n.find(label) {
                    let value: String = n[pos + label.len()..]
                        .trim_start_matches([':', ' '])
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != ':' && *c != ';' && *c != '，')
                        .collect();
                    // A blank after the label (`填报人：    联系电话：`) is no value.
                    let another_label = ["联系电话", "电话", "审核", "填报日期", "填报人", "填表人", "统计员", "单位负责人", "报出日期"]
                        .iter()
                        .any(|l| value.starts_with(l));
                    if !value.is_empty() && !another_label {
                        *slot = Some(value);
                        break;
                    }
                }
            }
        }
    }
}

/// A form sheet's title rows (above its header) and its name, where they name a month
/// (`Period::named_in_title`), as claims of the file's month.
pub fn find_titles(grid: &Grid, header_row: usize, claims: &mut Claims) {
    let names_month = |text: &str| crate::period::Period::named_in_title(text, 2000).is_some();
    if names_month(&grid.sheet) {
        claims.titles.push(Claim { sheet: grid.sheet.clone(), cell: String::new(), text: grid.sheet.clone() });
    }
    for r in 0..header_row.min(grid.rows.len()).min(HEADER_SEARCH_ROWS) {
        for (c, cell) in grid.rows[r].iter().enumerate() {
            let Cell::Text(text) = cell else { continue };
            // 填报月份/报告期 lines are claims of their own (`find_claims`).
            if text.contains("填报") || text.contains("报告期") || !names_month(text) {
                continue;
            }
            claims.titles.push(Claim { sheet: grid.sheet.clone(), cell: a1(r, c), text: text.trim().to_string() });
        }
    }
}

/// Scan the rows above each header (and the first rows of every sheet) for 填报单位/填报月份.
pub fn find_claims(grid: &Grid, until_row: usize, claims: &mut Claims) {
    for r in 0..until_row.min(grid.rows.len()).min(HEADER_SEARCH_ROWS) {
        for (c, cell) in grid.rows[r].iter().enumerate() {
            // Every label holds 报, which normalising leaves as it is: other texts are skipped.
            let Cell::Text(text) = cell else { continue };
            if !text.contains('报') {
                continue;
            }
            let n = normalise(text);
            for (label, is_township) in [("填报单位", true), ("填报月份", false), ("报告期", false)] {
                let list = if is_township { &mut claims.townships } else { &mut claims.periods };
                if let Some(pos) = n.find(label) {
                    let after = n[pos + label.len()..].trim_start_matches([':', '：']);
                    let value: String =
                        after.split([':', '：']).next().unwrap_or("").trim_end_matches("填报月份").trim_end_matches("报告期").to_string();
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
    fn subtitles_and_comparison_rows_are_told_from_villages() {
        for subtitle in ["一、社区", "二、村", "(一)村", "三.自然村", "十一、居委会"] {
            assert!(is_subtitle(&normalise(subtitle)), "{subtitle}");
        }
        for village in ["一村", "二村", "十里铺村", "三合村", "五一社区", "一心村(社区)"] {
            assert!(!is_subtitle(&normalise(village)), "{village}");
        }
        for label in ["上年", "上年同期", "增减", "增减（%）", "增减%", "同比增减", "本年："] {
            assert!(is_comparison_label(&normalise(label)), "{label}");
        }
        for village in ["上年村", "增福村", "本年度"] {
            assert!(!is_comparison_label(&normalise(village)), "{village}");
        }
    }

    #[test]
    fn total_labels() {
        for label in ["合计", "合 计", "全镇合计", "总计", "小计", "全街道", "全镇", "全乡", "合计（6个村社区）", "街道合计数", "合计："]
        {
            assert!(is_total_label(label), "{label}");
        }
        for label in ["荆竹村", "八字门社区", "全胜村", "合心村"] {
            assert!(!is_total_label(label), "{label}");
        }
    }

    #[test]
    fn sub_items_as_offices_mark_them() {
        for header in ["早稻", "其中:早稻", "其中早稻", "#早稻", "其中#早稻"] {
            assert_eq!(without_qizhong(&normalise(header)), "早稻", "{header}");
        }
    }

    #[test]
    fn column_number_and_unit_rows() {
        let row =
            |cells: &[&str]| cells.iter().map(|t| if t.is_empty() { Cell::Empty } else { Cell::Text(t.to_string()) }).collect::<Vec<_>>();
        assert!(is_column_number_row(&row(&["甲", "乙", "1", "2", "3"])));
        assert!(is_column_number_row(&row(&["栏次", "1", "2", "3", "4"])));
        assert!(!is_column_number_row(&row(&["荆竹村", "1", "2", "3"])));
        assert!(!is_column_number_row(&row(&["3", "1"])));
        assert_eq!(unit_text("（公顷）"), Some("公顷".into()));
        assert_eq!(unit_text("计算单位：亩"), Some("亩".into()));
        assert_eq!(unit_text("单位:万元"), Some("万元".into()));
        assert_eq!(unit_text("荆竹村"), None);
    }
}
