//! A problem found in an input: where it is (file, sheet, cell), what rule it breaks, and what to do.
//!
//! Issues are results, not errors: every stage that looks at input data returns them alongside
//! what it could use, and nothing stops at the first one.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The file is not counted; its township shows as 数据有误.
    Error,
    /// Counted, but listed for the township to check.
    Warning,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

/// Stable rule identifiers; the Chinese name is what reports show. Serialised as `E05 不是数字`,
/// as in issues.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The file cannot be read (corrupt, encrypted, hostile, not a spreadsheet).
    Unreadable,
    /// A form's sheet is not in the file.
    MissingSheet,
    /// A required column is not in the header.
    MissingColumn,
    /// A header's unit cannot be converted to the plan's unit.
    HeaderUnit,
    NotANumber,
    Negative,
    /// A 其中 item is larger than its total.
    PartAboveTotal,
    /// 累计完工 > 建设任务 and similar.
    AboveLimit,
    /// The row's unit does not fit its 项目类别.
    UnitMismatch,
    /// A value outside the column's choices (是/否, 项目类别, 建设年度).
    InvalidChoice,
    UnknownVillage,
    /// A data row without its village or project name.
    MissingKey,
    /// The township named in the file contradicts another source.
    TownshipMismatch,
    /// The period named in the file contradicts its folder.
    PeriodMismatch,
    /// A 合计 row that does not equal the sum of its detail rows.
    TotalMismatch,
    /// A cumulative value below last month's.
    BelowLastMonth,
    /// Month-on-month change beyond the plan's threshold (大起大落).
    Jump,
    DuplicateRow,
    /// A file whose township is not a reporting unit of the plan.
    UnknownTownship,
    /// Two files for the same township and period: the older one is not used.
    SupersededFile,
    /// A village of the township has no row in a village form.
    VillageNotReported,
    /// A required value left blank.
    BlankValue,
    /// A date that cannot be read.
    BadDate,
    /// A row's category (or other column that decides which totals it enters) left blank.
    BlankCategory,
    /// A formula whose value the file does not hold (never read as zero).
    FormulaWithoutValue,
    /// An optional plan column the header does not have: its figures are not counted.
    OptionalColumnMissing,
    /// A header the plan does not know: perhaps a renamed column.
    UnknownHeader,
    /// A value the row's other columns make necessary left blank (完工日期 of a finished project).
    ConditionalBlank,
    /// A department ledger put among the townships' files instead of under `部门/`.
    LedgerOutsideFolder,
    /// A project or registry item reported last month has no row this month (its figures leave
    /// the totals: a count or cumulative figure goes down).
    RowDropped,
    /// A stage column (`ordered`) gone back to an earlier stage than last month (已完成 → 推进中).
    StageBack,
    /// A file name, title or sheet name naming another month than the folder's (a copied
    /// template): the figures are read as the folder's month.
    MonthNamedElsewhere,
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{} {}", self.id(), self.name()))
    }
}

impl Rule {
    pub fn id(self) -> &'static str {
        match self {
            Rule::Unreadable => "E01",
            Rule::MissingSheet => "E02",
            Rule::MissingColumn => "E03",
            Rule::HeaderUnit => "E04",
            Rule::NotANumber => "E05",
            Rule::Negative => "E06",
            Rule::PartAboveTotal => "E07",
            Rule::AboveLimit => "E08",
            Rule::UnitMismatch => "E09",
            Rule::InvalidChoice => "E10",
            Rule::UnknownVillage => "E11",
            Rule::MissingKey => "E12",
            Rule::TownshipMismatch => "E13",
            Rule::PeriodMismatch => "E14",
            Rule::TotalMismatch => "W01",
            Rule::BelowLastMonth => "W02",
            Rule::Jump => "W03",
            Rule::DuplicateRow => "W04",
            Rule::UnknownTownship => "W05",
            Rule::SupersededFile => "W06",
            Rule::VillageNotReported => "W07",
            Rule::BlankValue => "W08",
            Rule::BadDate => "W09",
            Rule::BlankCategory => "E15",
            Rule::FormulaWithoutValue => "E16",
            Rule::OptionalColumnMissing => "W10",
            Rule::UnknownHeader => "W11",
            Rule::ConditionalBlank => "W12",
            Rule::LedgerOutsideFolder => "W13",
            Rule::RowDropped => "W14",
            Rule::StageBack => "W15",
            Rule::MonthNamedElsewhere => "W16",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Rule::Unreadable => "文件无法读取",
            Rule::MissingSheet => "缺少报表",
            Rule::MissingColumn => "缺少必填列",
            Rule::HeaderUnit => "表头单位无法换算",
            Rule::NotANumber => "不是数字",
            Rule::Negative => "数值为负",
            Rule::PartAboveTotal => "其中项大于总项",
            Rule::AboveLimit => "完成数大于任务数",
            Rule::UnitMismatch => "计量单位与项目类别不符",
            Rule::InvalidChoice => "填写值不在可选范围",
            Rule::UnknownVillage => "村（社区）名称不在名录中",
            Rule::MissingKey => "缺少村名或项目名",
            Rule::TownshipMismatch => "填报单位不一致",
            Rule::PeriodMismatch => "填报月份不一致",
            Rule::TotalMismatch => "合计数与明细不符",
            Rule::BelowLastMonth => "累计数小于上月",
            Rule::Jump => "环比大起大落",
            Rule::DuplicateRow => "重复填报",
            Rule::UnknownTownship => "未知填报单位",
            Rule::SupersededFile => "重复报送（已用较新文件）",
            Rule::VillageNotReported => "村（社区）缺报",
            Rule::BlankValue => "必填项为空",
            Rule::BadDate => "日期无法识别",
            Rule::BlankCategory => "分类未填",
            Rule::FormulaWithoutValue => "公式没有计算结果",
            Rule::OptionalColumnMissing => "缺少选填列",
            Rule::UnknownHeader => "表头有未识别的列",
            Rule::ConditionalBlank => "应填未填",
            Rule::LedgerOutsideFolder => "部门台账放错文件夹",
            Rule::RowDropped => "上月已报本月未列",
            Rule::StageBack => "进展状态倒退",
            Rule::MonthNamedElsewhere => "标题或文件名月份不符",
        }
    }

    pub fn severity(self) -> Severity {
        if self.id().starts_with('E') { Severity::Error } else { Severity::Warning }
    }
}

/// One problem, made by `Issue::new` and placed with `at`, `value` and `of`. Its severity is
/// its rule's (`Issue::severity`), never set apart from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Path relative to the input folder.
    pub file: String,
    pub sheet: String,
    /// A1-style cell, or empty for file-level issues.
    pub cell: String,
    /// The reporting unit the file belongs to; empty while unknown (an issue found while
    /// reading, before validation identifies the unit) or for a file of no unit.
    pub township: String,
    pub rule: Rule,
    /// The value found, as text.
    pub value: String,
    /// What is wrong and what to do, in Chinese.
    pub message: String,
    /// The township's own explanation of a warning, from the row's 备注/说明 (已说明): the warning
    /// is still listed, apart, and not asked again in the feedback workbook.
    pub explanation: String,
}

impl Issue {
    /// An issue of `rule` about `file` (its severity is the rule's): a whole-file issue until
    /// placed with `at`; `value` is what was found, `of` the reporting unit once it is known.
    pub fn new(rule: Rule, file: impl Into<String>, message: impl Into<String>) -> Issue {
        Issue {
            file: file.into(),
            sheet: String::new(),
            cell: String::new(),
            township: String::new(),
            rule,
            value: String::new(),
            message: message.into(),
            explanation: String::new(),
        }
    }

    /// The sheet and A1 cell (empty for the whole sheet) the issue is about.
    pub fn at(mut self, sheet: impl Into<String>, cell: impl Into<String>) -> Issue {
        self.sheet = sheet.into();
        self.cell = cell.into();
        self
    }

    /// The value found, as text.
    pub fn value(mut self, value: impl Into<String>) -> Issue {
        self.value = value.into();
        self
    }

    /// The reporting unit the file belongs to.
    pub fn of(mut self, township: impl Into<String>) -> Issue {
        self.township = township.into();
        self
    }

    /// Error or warning: the rule's.
    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }

    pub fn rule_label(&self) -> String {
        format!("{} {}", self.rule.id(), self.rule.name())
    }
}

impl Serialize for Issue {
    /// The fields in order, with the severity (`check --format json`).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Issue", 9)?;
        s.serialize_field("file", &self.file)?;
        s.serialize_field("sheet", &self.sheet)?;
        s.serialize_field("cell", &self.cell)?;
        s.serialize_field("township", &self.township)?;
        s.serialize_field("severity", &self.severity())?;
        s.serialize_field("rule", &self.rule)?;
        s.serialize_field("value", &self.value)?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("explanation", &self.explanation)?;
        s.end()
    }
}

/// A1 reference of a 0-based (row, column).
pub fn a1(row: usize, col: usize) -> String {
    let mut out = String::with_capacity(10);
    push_a1(&mut out, row, col);
    out
}

/// Append the A1 reference of a 0-based (row, column) to `out`.
pub fn push_a1(out: &mut String, row: usize, col: usize) {
    use std::fmt::Write;
    push_column_letters(out, col);
    let _ = write!(out, "{}", row + 1);
}

/// Excel column letters of a 0-based column: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(col: usize) -> String {
    let mut out = String::with_capacity(3);
    push_column_letters(&mut out, col);
    out
}

fn push_column_letters(out: &mut String, mut col: usize) {
    // At most 14 letters for a 64-bit column number; Excel's last column is XFD.
    let mut letters = [0u8; 16];
    let mut start = letters.len();
    loop {
        start -= 1;
        letters[start] = b'A' + (col % 26) as u8;
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.push_str(std::str::from_utf8(&letters[start..]).expect("ASCII letters"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_references() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(5, 25), "Z6");
        assert_eq!(a1(9, 26), "AA10");
        assert_eq!(column_letters(16_383), "XFD");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(column_letters(usize::MAX).len(), 14, "no overflow of the letter buffer");
        let mut out = String::from("x");
        push_a1(&mut out, 1_048_575, 2);
        assert_eq!(out, "xC1048576");
    }
}
