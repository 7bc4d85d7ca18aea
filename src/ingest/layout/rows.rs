//! A table's data rows: blanks, repeated headers, subtitles and comparison rows skipped, 合计
//! rows marked, the table ended at its footer or the next form.

use super::*;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
