//! What a sheet says around its tables: 填报单位/填报月份 lines, titles, and the footer's
//! 填报人 and 联系电话.

use super::*;

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
