//! A form's header: found wherever it is in the rows no other table holds (possibly merged over
//! two or three rows), its columns matched to the plan's, the units it states (in the header, on
//! a row of their own, on a 单位 line above), and the 栏号 row under it.

use super::*;

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

pub(super) fn is_total_word(text: &str) -> bool {
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
pub(super) fn split_unit_normalised(n: &str) -> (&str, Option<&str>) {
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
