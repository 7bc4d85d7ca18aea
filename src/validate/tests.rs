//! Validation's unit tests: months and dates as clerks write them, periods in file names.

use chrono::NaiveDate;

use super::typing::{parse_date, parse_month};
use crate::ingest::Cell;
use crate::period::Period;
use crate::text::fmt;

#[test]
fn months_as_clerks_write_them() {
    let text = |t: &str| Cell::Text(t.to_string());
    assert_eq!(parse_month(&text("9月"), 2024), Some((2024, 9)));
    assert_eq!(parse_month(&text("2024年9月"), 2024), Some((2024, 9)));
    assert_eq!(parse_month(&text("2024-09"), 2024), Some((2024, 9)));
    assert_eq!(parse_month(&text("2024.10"), 2024), Some((2024, 10)));
    assert_eq!(parse_month(&text("2024年9月30日"), 2024), Some((2024, 9)));
    assert_eq!(parse_month(&Cell::Number(11.0), 2024), Some((2024, 11)));
    assert_eq!(parse_month(&Cell::Number(45_536.0), 2024), Some((2024, 9)), "an Excel date serial (2024-09-01)");
    assert_eq!(parse_month(&text("13月"), 2024), None);
    assert_eq!(parse_month(&text("年底"), 2024), None);
}

#[test]
fn dates_are_stored_as_iso_text() {
    // `NaiveDate`'s Display (used for speed) is the `%Y-%m-%d` the store has always held.
    for (y, m, d) in [(2024, 3, 8), (2024, 12, 31), (1999, 1, 1), (812, 5, 6)] {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("valid");
        assert_eq!(date.to_string(), date.format("%Y-%m-%d").to_string());
    }
    assert_eq!(parse_date(&Cell::Number(45_536.0)).map(|d| d.to_string()).as_deref(), Some("2024-09-01"));
}

#[test]
fn periods_in_file_names() {
    assert_eq!(Period::parse_in_name("长岭街道_2024年03月"), Period::new(2024, 3));
    assert_eq!(Period::parse_in_name("长岭街道-2024-3"), Period::new(2024, 3));
    assert_eq!(Period::parse_in_name("长岭街道202406"), Period::new(2024, 6));
    assert_eq!(Period::parse_in_name("长岭街道"), None);
}

#[test]
fn numbers_in_messages() {
    assert_eq!(fmt(1234.5), "1234.5");
    assert_eq!(fmt(12.0), "12");
    assert_eq!(fmt(0.126), "0.13");
}
