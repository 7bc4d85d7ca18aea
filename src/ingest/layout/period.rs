//! Column groups split by period: which leaf (本月, 本年累计, 上年同期 …) a header label names,
//! and which one a column reads.

use super::*;

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
    pub(super) fn wanted_by(column: &crate::plan::Column) -> Leaf {
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
