//! One cell typed by its column's kind (number, 是/否, category, unit, year, month, date,
//! village, text), converted to the plan's unit, with an issue at its cell for a value that
//! does not fit; and the dates and months clerks write.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use super::Value;
use super::rules::{PerRowUnits, TableCheck, UnitFactor};
use crate::ingest::{Cell, TableRow};
use crate::issue::{Issue, Rule};
use crate::plan::{ColumnKind, RowKind};
use crate::text::{closest, normalise, normalise_cow, parse_number, parse_yes_no};
use crate::units;

/// A typed value and the unit stored with it (for numbers not in their plan column's unit).
pub(super) type Typed = (Value, Option<Arc<str>>);

const MISSING: Typed = (Value::Missing, None);

/// The largest figure a county's statistics can hold, in any plan unit (a trillion: 1.7e308 亩
/// is a paste gone wrong, and sums of such figures overflow to infinity).
const MOST_PLAUSIBLE: f64 = 1e12;

impl TableCheck<'_> {
    /// Type one cell by its column kind; push issues for values that do not fit.
    pub(super) fn typed(&self, ci: usize, cell: &Cell, row: &TableRow, per_row: &mut PerRowUnits, issues: &mut Vec<Issue>) -> Typed {
        let column = &self.form.columns[ci];
        // The A1 cell and a number's text are needed only for an issue: not made for every cell.
        let at = || self.cell_of(row.row, ci);
        if cell.is_empty() {
            self.blank(ci, &at, issues);
            return MISSING;
        }
        let numeric = matches!(cell, Cell::Number(_)) && column.kind == ColumnKind::Number;
        // The cell's text, trimmed; borrowed from the cell where it holds text.
        let text: Cow<'_, str> = if numeric { Cow::Borrowed("") } else { cell.trimmed_text() };
        match column.kind {
            ColumnKind::Number => {
                let typed = self.number(ci, cell, text, row, per_row, &at, issues);
                match typed.0 {
                    Value::Number(n) if n.abs() > MOST_PLAUSIBLE => {
                        let shown = cell.text().trim().to_string();
                        let message = format!(
                            "“{}”填的是 {shown}，换算后超过一万亿，不可能是统计数（可能是误粘贴或格式错误），未计入汇总；请核实后改正",
                            column.header()
                        );
                        issues.push(self.issue(Rule::NotANumber, at(), shown, message));
                        MISSING
                    }
                    _ => typed,
                }
            }
            ColumnKind::YesNo => match parse_yes_no(&text) {
                Some(yes) => (Value::Text(if yes { "是" } else { "否" }.into()), None),
                None => {
                    let message = format!("“{}”只能填“是”或“否”，现为“{text}”", column.name);
                    issues.push(self.issue(Rule::InvalidChoice, at(), text.to_string(), message));
                    MISSING
                }
            },
            ColumnKind::Category | ColumnKind::Unit => self.category(ci, &text, &at, issues),
            ColumnKind::Year => self.year(ci, cell, &text, &at, issues),
            ColumnKind::Month => match parse_month(cell, self.period.year) {
                Some((y, m)) => (Value::Text(format!("{y}-{m:02}")), None),
                None => {
                    let message = format!("“{}”无法识别为月份（现为“{text}”），请写成 2024年9月 或 9月", column.name);
                    issues.push(self.issue(Rule::BadDate, at(), text.to_string(), message));
                    MISSING
                }
            },
            ColumnKind::Date => match parse_date(cell) {
                Some(d) => (Value::Text(d.to_string()), None),
                None => {
                    let message = format!("“{}”无法识别为日期（现为“{text}”），请写成 2024-03-28", column.name);
                    issues.push(self.issue(Rule::BadDate, at(), text.to_string(), message));
                    (Value::Text(text.into_owned()), None)
                }
            },
            ColumnKind::Key if self.form.row_kind == RowKind::Village => self.village(&text, &at, issues),
            ColumnKind::Village => self.village(&text, &at, issues),
            ColumnKind::Key | ColumnKind::Text => (Value::Text(text.into_owned()), None),
        }
    }

    /// A blank cell: an issue where the column must be filled.
    fn blank(&self, ci: usize, at: &dyn Fn() -> String, issues: &mut Vec<Issue>) {
        let column = &self.form.columns[ci];
        // A category that decides which totals a row enters, left blank, would drop the row from
        // every such total without a word: an error at its cell.
        let decides = || {
            self.plan
                .indicators
                .iter()
                .any(|i| i.form.as_deref() == Some(self.form.id.as_str()) && i.filters.iter().any(|f| f.column == column.id))
        };
        if column.kind == ColumnKind::Category && self.table.columns[ci].is_some() && decides() {
            let message = format!("“{}”未填，无法确定本行计入哪项汇总，请填写（可选：{}）", column.name, column.categories.join("、"));
            issues.push(self.issue(Rule::BlankCategory, at(), String::new(), message));
            return;
        }
        // The same for a year (建设年度: which year's totals a project enters). A cell merged down
        // over several projects reads as blank below its first row: said so, never dropped.
        if column.kind == ColumnKind::Year && self.table.columns[ci].is_some() && decides() {
            let message = format!(
                "“{}”未填，无法确定本行计入哪个年度的汇总，请填写年份（如 2024）；如是合并单元格，请取消合并并在每一行填写",
                column.name
            );
            issues.push(self.issue(Rule::BlankCategory, at(), String::new(), message));
            return;
        }
        // A required 是/否 an indicator counts on, left blank, is read as 否: a warning, so the
        // row's absence from that count is not silent.
        if column.kind == ColumnKind::YesNo && column.required && self.table.columns[ci].is_some() && decides() {
            let message = format!("“{}”未填，按“否”处理，本行不计入以“是”统计的汇总；请填写“是”或“否”", column.name);
            issues.push(self.issue(Rule::BlankValue, at(), String::new(), message));
            return;
        }
        // A column missing from the header is one E03 already, not a blank in every row.
        if column.required && column.kind == ColumnKind::Number && self.table.columns[ci].is_some() {
            let message = format!("“{}”未填写，按空值处理；没有数据请填 0", column.header());
            issues.push(self.issue(Rule::BlankValue, at(), String::new(), message));
        }
    }

    /// A number, converted to the plan's unit: a number cell, a number typed as text
    /// (`1,234.5`, `１２３４`), or a number followed by its unit (`1.1公里`).
    #[allow(clippy::too_many_arguments)]
    fn number(
        &self,
        ci: usize,
        cell: &Cell,
        text: Cow<'_, str>,
        row: &TableRow,
        per_row: &mut PerRowUnits,
        at: &dyn Fn() -> String,
        issues: &mut Vec<Issue>,
    ) -> Typed {
        let column = &self.form.columns[ci];
        if let Cell::Error(e) = cell
            && let Some(formula) = e.strip_prefix(crate::ingest::read::FORMULA_WITHOUT_VALUE)
        {
            let message = format!(
                "“{}”是公式（={formula}），但文件中没有保存计算结果（可能由不计算公式的软件生成），不能按零计；请用 Excel 或 WPS 打开后保存再报送",
                column.header()
            );
            issues.push(self.issue(Rule::FormulaWithoutValue, at(), format!("={formula}"), message));
            return MISSING;
        }
        let raw = match cell {
            Cell::Number(n) => Ok(Some(*n)),
            Cell::Bool(_) | Cell::Date(_) | Cell::Error(_) => Err(()),
            _ => parse_number(&text),
        };
        let number = match raw {
            Ok(Some(n)) => n,
            Ok(None) => {
                // A dash or slash for "nothing" in a required column: blank, and said so.
                if column.required {
                    let message = format!("“{}”填的是“{text}”，按空值处理；没有数据请填 0", column.header());
                    issues.push(self.issue(Rule::BlankValue, at(), text.to_string(), message));
                }
                return MISSING;
            }
            Err(()) => return self.number_with_unit(ci, &text, row, per_row, at, issues),
        };
        if number < 0.0 {
            let text = if matches!(cell, Cell::Number(_)) { cell.text().trim().to_string() } else { text.into_owned() };
            let message = format!("“{}”不能为负数（{text}），请核实", column.header());
            issues.push(self.issue(Rule::Negative, at(), text.to_string(), message));
            return MISSING;
        }
        let (factor, unit) = self.unit_factor(ci, row, per_row, issues);
        (Value::Number(number * factor), unit)
    }

    /// A text that is no plain number: a number followed by its unit (`1.1公里`, `120亩`,
    /// `3.5万亩`) is read in that unit and converted to the column's; anything else is E05.
    fn number_with_unit(
        &self,
        ci: usize,
        text: &str,
        row: &TableRow,
        per_row: &mut PerRowUnits,
        at: &dyn Fn() -> String,
        issues: &mut Vec<Issue>,
    ) -> Typed {
        let column = &self.form.columns[ci];
        if let Some((number, cell_unit)) = units::split_number_unit(text)
            && number >= 0.0
        {
            let (_, target) = self.unit_factor(ci, row, per_row, issues);
            let Some(unit) = target.as_deref() else {
                return (Value::Number(number), Some(Arc::from(units::canonical(&cell_unit).as_str())));
            };
            if let Some(f) = units::factor(&cell_unit, unit) {
                return (Value::Number(number * f), target);
            }
            let message = format!("“{}”以“{unit}”计，现为“{text}”，单位“{cell_unit}”无法换算，请改为以“{unit}”计的数字", column.header());
            issues.push(self.issue(Rule::NotANumber, at(), text.to_string(), message));
            return MISSING;
        }
        let message = format!("“{}”应填数字，现为“{text}”，请改为数字", column.header());
        issues.push(self.issue(Rule::NotANumber, at(), text.to_string(), message));
        MISSING
    }

    /// One of the column's categories (or, for a unit column, a known unit): exactly, or the one
    /// category the text contains.
    fn category(&self, ci: usize, text: &str, at: &dyn Fn() -> String, issues: &mut Vec<Issue>) -> Typed {
        let column = &self.form.columns[ci];
        let n = normalise_cow(text);
        let canonical = if column.kind == ColumnKind::Unit { Cow::Owned(units::canonical(&n)) } else { Cow::Borrowed(n.as_ref()) };
        let normalised = &self.rules.categories[ci];
        let exact = column.categories.iter().zip(normalised).find(|(_, k)| **k == *canonical).map(|(c, _)| c);
        // Only a text that is no category exactly is searched for the categories it holds.
        let contained: Vec<&String> = if exact.is_some() {
            Vec::new()
        } else {
            column.categories.iter().zip(normalised).filter(|(_, k)| n.contains(k.as_str())).map(|(c, _)| c).collect()
        };
        match (exact, contained.as_slice()) {
            (Some(c), _) => (Value::Text(c.clone()), None),
            (None, [c]) => (Value::Text((*c).clone()), None),
            _ if column.kind == ColumnKind::Unit && units::is_known(&n) => (Value::Text(units::canonical(&n)), None),
            _ => {
                let message = format!("“{}”只能填：{}；现为“{text}”", column.name, column.categories.join("、"));
                issues.push(self.issue(Rule::InvalidChoice, at(), text.to_string(), message));
                MISSING
            }
        }
    }

    /// A four-digit year (`2023`, `2023年`, `2023年度`).
    fn year(&self, ci: usize, cell: &Cell, text: &str, at: &dyn Fn() -> String, issues: &mut Vec<Issue>) -> Typed {
        let column = &self.form.columns[ci];
        let year = match cell {
            Cell::Number(n) => Some(*n as i64),
            _ => normalise(text).trim_end_matches('年').trim_end_matches("年度").parse::<i64>().ok(),
        };
        match year {
            Some(y) if (2000..=2100).contains(&y) => (Value::Text(y.to_string()), None),
            _ => {
                let message = format!("“{}”应填4位年份（如2023），现为“{text}”", column.name);
                issues.push(self.issue(Rule::InvalidChoice, at(), text.to_string(), message));
                MISSING
            }
        }
    }

    /// A village name: the township's village it names, or an issue with the closest one.
    pub(super) fn village(&self, text: &str, at: &dyn Fn() -> String, issues: &mut Vec<Issue>) -> Typed {
        if self.any_village {
            return (Value::Text(text.to_string()), None);
        }
        let (villages, normalised) = self.villages;
        let n = normalise_cow(text);
        if let Some(i) = normalised.iter().position(|v| **v == *n) {
            return (Value::Text(villages[i].to_string()), None);
        }
        // The names it takes are always listed, with the closest first where there is one.
        let guess = closest(text, villages.iter().copied()).map(|s| format!("，是否为“{s}”？")).unwrap_or_else(|| "。".to_string());
        let message = format!(
            "“{text}”不是{}的村（社区）{guess}{}的村（社区）为：{}。请按统计名录填写村名",
            self.township,
            self.township,
            villages.join("、")
        );
        issues.push(self.issue(Rule::UnknownVillage, at(), text.to_string(), message));
        (Value::Text(text.to_string()), None)
    }

    /// Factor from the unit the file uses for column `ci` to the plan's unit, and the unit stored.
    pub(super) fn unit_factor(&self, ci: usize, row: &TableRow, per_row: &mut PerRowUnits, issues: &mut Vec<Issue>) -> UnitFactor {
        // Per-row unit (计量单位 column) checked against the row's category: worked out once per
        // row for all the numbers it gives the unit of.
        if let Some(ui) = self.rules.row_unit[ci] {
            if let Some((_, found)) = per_row.0.iter().find(|(at, _)| *at == ui) {
                return found.clone();
            }
            let found = self.row_unit(ui, row, issues);
            per_row.0.push((ui, found.clone()));
            return found;
        }
        self.fixed_units[ci].clone()
    }

    /// The factor and unit of the numbers whose unit row `row` gives in column `ui`; a unit its
    /// category does not take is reported (once per row: this is asked once per row).
    fn row_unit(&self, ui: usize, row: &TableRow, issues: &mut Vec<Issue>) -> UnitFactor {
        let row_unit = normalise(&row.cells[ui].text_cow());
        let expected = self.rules.category_units.as_ref().and_then(|(cat_i, units)| {
            let cell = row.cells[*cat_i].text_cow();
            let category = normalise_cow(&cell);
            units
                .iter()
                .find(|u| u.normalised == *category || category.contains(u.normalised.as_str()))
                .map(|u| (u.category.clone(), u.unit.clone()))
        });
        let (factor, unit) = match (expected, row_unit.is_empty()) {
            (Some((_, unit)), true) => (1.0, Some(unit)),
            (Some((category, unit)), false) => match units::factor(&row_unit, &unit) {
                Some(f) => (f, Some(unit)),
                None => {
                    let unit_cell = self.cell_of(row.row, ui);
                    issues.push(self.issue(
                        Rule::UnitMismatch,
                        unit_cell,
                        row_unit.clone(),
                        format!("项目类别“{category}”应以“{unit}”计量，本行填的是“{row_unit}”，请改正"),
                    ));
                    (1.0, Some(row_unit))
                }
            },
            (None, _) => (1.0, (!row_unit.is_empty()).then(|| units::canonical(&row_unit))),
        };
        (factor, unit.map(Arc::from))
    }
}

/// The runs of ASCII digits in a text, as numbers: `2024年9月30日` → [2024, 9, 30].
fn digit_runs(text: &str) -> Vec<u32> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
}

pub(super) fn parse_date(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Number(n) => crate::ingest::read::excel_serial_to_date(*n),
        Cell::Text(t) => {
            let digits = digit_runs(t);
            match digits.as_slice() {
                [y, m, d] => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A month: `9月`, `2024年9月`, `2024-09`, `2024.9`, a date, or a bare 1–12 (of `year`).
pub(super) fn parse_month(cell: &Cell, year: i32) -> Option<(i32, u32)> {
    let (y, m) = match cell {
        Cell::Date(d) => (d.year(), d.month()),
        Cell::Number(n) if (1.0..=12.0).contains(n) && n.fract() == 0.0 => (year, *n as u32),
        Cell::Number(n) => crate::ingest::read::excel_serial_to_date(*n).map(|d| (d.year(), d.month()))?,
        Cell::Text(t) => {
            let digits = digit_runs(t);
            match digits.as_slice() {
                [m] => (year, *m),
                [y, m] | [y, m, _] if *y >= 1000 => (*y as i32, *m),
                _ => return None,
            }
        }
        _ => return None,
    };
    ((1..=12).contains(&m) && (2000..=2100).contains(&y)).then_some((y, m))
}
