//! Row filters (`RowFilter`): which rows an indicator, a project timing or a `required_if`
//! counts, and what a filter means, said once (`RowFilter::condition`) for the Rust check of a
//! record and for aggregation's polars predicate alike.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowFilter {
    pub column: String,
    /// The row's text in that column must equal this (after normalisation) …
    #[serde(default)]
    pub equals: Option<String>,
    /// … or the row's date or month must not be after this: a date (`2024-03-31`), or `本月`
    /// for the month being reported (projects planned to finish by now).
    #[serde(default)]
    pub not_after: Option<String>,
}

/// `RowFilter::not_after` for the month being reported.
pub const THIS_MONTH: &str = "本月";

/// What a filter asks of a row's text in its column; a blank never passes. Texts compare as
/// text: dates (`2024-03-28`) and months (`2024-09`) are ISO texts, so "not after" is `≤`, and a
/// month passes a date in it. This is the one statement of a filter's meaning: records are
/// checked by `RowFilter::passes`, aggregation's polars predicate is made from it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition<'a> {
    /// The text equals this (`equals`).
    Equals(&'a str),
    /// The text is at most this date (`not_after = "2024-03-31"`).
    AtMost(&'a str),
    /// The text's month, its first seven characters, is at most the period being judged
    /// (`not_after = "本月"`): a date passes when its month is the period's or earlier.
    MonthAtMost,
    /// Nothing passes (neither is written; the plan check refuses such a filter).
    Never,
}

impl RowFilter {
    /// What the filter asks (see `Condition`).
    pub fn condition(&self) -> Condition<'_> {
        match (&self.equals, self.not_after.as_deref()) {
            (Some(equals), _) => Condition::Equals(equals),
            (None, Some(THIS_MONTH)) => Condition::MonthAtMost,
            (None, Some(date)) => Condition::AtMost(date),
            (None, None) => Condition::Never,
        }
    }

    /// Whether a row whose text in the filter's column is `text` passes, in `period`.
    pub fn passes(&self, text: Option<&str>, period: crate::period::Period) -> bool {
        let Some(text) = text else { return false };
        match self.condition() {
            Condition::Equals(equals) => text == equals,
            Condition::AtMost(date) => text <= date,
            Condition::MonthAtMost => text.get(..7).unwrap_or(text) <= period.to_string().as_str(),
            Condition::Never => false,
        }
    }

    /// `建设年度为2023`, `完工日期不晚于2024-03-31`, for notes and `plan show`.
    pub fn describe(&self, column: &str) -> String {
        match (&self.equals, self.not_after.as_deref()) {
            (Some(e), _) => format!("{column}为{e}"),
            (None, Some(THIS_MONTH)) => format!("{column}不晚于本月"),
            (None, Some(d)) => format!("{column}不晚于{d}"),
            (None, None) => column.to_string(),
        }
    }
}
