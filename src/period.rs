//! Reporting periods (one calendar month) and the time arithmetic targets need (序时进度).

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::error::{Error, Result};

/// China Standard Time (UTC+8): every time a report shows, whatever the machine's time zone.
pub fn china_time() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// Now, in China Standard Time.
pub fn now_in_china() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().with_timezone(&china_time())
}

/// A reporting month, e.g. 2024-03.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    pub fn new(year: i32, month: u32) -> Option<Period> {
        ((1..=12).contains(&month) && (2000..=2100).contains(&year)).then_some(Period { year, month })
    }

    /// Parse `2024-03`, `2024-3`, `202403`, `2024年3月` or `2024.03`.
    pub fn parse(text: &str) -> Option<Period> {
        let digits: Vec<u32> = text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect();
        match digits.as_slice() {
            [ym] if (200_001..=210_012).contains(ym) => Period::new((*ym / 100) as i32, *ym % 100),
            [y, m] | [y, m, _] => Period::new(*y as i32, *m),
            _ => None,
        }
    }

    pub fn parse_arg(text: &str) -> Result<Period> {
        Period::parse(text).ok_or_else(|| Error::Usage(format!("无法识别的月份“{text}”，请写成 YYYY-MM，例如 2024-06")))
    }

    /// A month inside a file name such as `长岭街道_2024年03月` or `长岭街道-202403`. A
    /// year-to-date range, as offices name cumulative reports (`2024年1-6月`, `2024年1至6月`,
    /// `2024年上半年`, `2024年前三季度`, `2024年第一季度`, `2024年全年`), means its last month.
    pub fn parse_in_name(text: &str) -> Option<Period> {
        if let Some(period) = Period::range_in_name(text) {
            return Some(period);
        }
        let chars: Vec<char> = text.chars().collect();
        for start in 0..chars.len() {
            if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_digit()) {
                continue;
            }
            let rest: String = chars[start..].iter().take(10).collect();
            let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
            let found = match digits {
                4 => Period::parse(&rest.chars().take_while(|c| !matches!(c, '_' | ' ' | '(' | '（')).collect::<String>()),
                6 => Period::parse(&rest[..6]),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// The last month of a year-to-date range in a name (see `parse_in_name`).
    fn range_in_name(text: &str) -> Option<Period> {
        let n = crate::text::normalise(text);
        let (before, after) = n.split_once('年')?;
        let year: i32 =
            before.chars().rev().take_while(char::is_ascii_digit).collect::<String>().chars().rev().collect::<String>().parse().ok()?;
        if !(2000..=2100).contains(&year) {
            return None;
        }
        let named = [
            ("上半年", 6),
            ("下半年", 12),
            ("前三季度", 9),
            ("一季度", 3),
            ("第一季度", 3),
            ("二季度", 6),
            ("第二季度", 6),
            ("三季度", 9),
            ("第三季度", 9),
            ("四季度", 12),
            ("第四季度", 12),
            ("全年", 12),
            ("年度", 12),
        ];
        for (word, month) in named {
            if after.starts_with(word) {
                return Period::new(year, month);
            }
        }
        // `1-3季度`, `1至3季度`: quarters, the last one's last month.
        if let Some((range, _)) = after.split_once("季度")
            && let Some((from, to)) = range.split_once(['-', '至', '到', '~', '—', '–'])
            && let (Ok(from), Ok(to)) = (from.parse::<u32>(), to.parse::<u32>())
        {
            return (from >= 1 && from < to && to <= 4).then(|| Period::new(year, to * 3)).flatten();
        }
        // `1-6月`, `1至6月`, `1~6月`, `1—6月`.
        let (range, _) = after.split_once('月')?;
        let (from, to) = range.split_once(['-', '至', '到', '~', '—', '–'])?;
        let (from, to): (u32, u32) = (from.parse().ok()?, to.parse().ok()?);
        (from >= 1 && from < to).then(|| Period::new(year, to)).flatten()
    }

    /// The month a title or sheet name names (`2024年5月粮食生产情况表`, `5月`, `1-9月`,
    /// `一季度`, `上半年`), a year left out being `year`'s; `None` for a text naming no month
    /// (`每月5日前报送`), or only a whole year (`2023年度高标准农田`, `全年任务`).
    pub fn named_in_title(text: &str, year: i32) -> Option<Period> {
        let chars: Vec<char> = crate::text::normalise(text).chars().collect();
        // Where a year is written (`2024年`): (index of its first digit, the year).
        let years: Vec<(usize, i32)> = (0..chars.len().saturating_sub(4))
            .filter(|&i| {
                chars[i..i + 4].iter().all(char::is_ascii_digit) && chars[i + 4] == '年' && (i == 0 || !chars[i - 1].is_ascii_digit())
            })
            .filter_map(|i| Some((i, chars[i..i + 4].iter().collect::<String>().parse().ok()?)))
            .collect();
        // Each `YYYY年…` part with its year (`2023年度…（2024年1-3月）` is two); the text before
        // the first written year, or all of it when none is, has `year`.
        let first = years.first().map_or(chars.len(), |(i, _)| *i);
        let mut parts = vec![(year, chars[..first].iter().collect::<String>())];
        for (k, &(i, written)) in years.iter().enumerate() {
            let end = years.get(k + 1).map_or(chars.len(), |(j, _)| *j);
            parts.push((written, chars[i + 4..end].iter().collect()));
        }
        parts.into_iter().find_map(|(year, part)| Period::month_in_part(&part, year))
    }

    /// The month one part of a title names (see `named_in_title`): `part` starts with `年` when a
    /// year was written before it.
    fn month_in_part(part: &str, year: i32) -> Option<Period> {
        let after_year = part.strip_prefix('年');
        let rest = after_year.unwrap_or(part);
        let whole_year = after_year.is_some_and(|r| r.starts_with('度') || r.starts_with("全年")) || rest.starts_with("全年");
        if !whole_year && let Some(period) = Period::range_in_name(&format!("{year}年{rest}")) {
            return Some(period);
        }
        // The first number written before 月: `5月`, `05月份`, `截至6月底`.
        let chars: Vec<char> = rest.chars().collect();
        let at = chars.iter().enumerate().position(|(i, c)| *c == '月' && i > 0 && chars[i - 1].is_ascii_digit())?;
        let digits: String = chars[..at].iter().rev().take_while(|c| c.is_ascii_digit()).collect::<Vec<_>>().into_iter().rev().collect();
        Period::new(year, digits.parse().ok()?)
    }

    /// The month before today's (China time).
    pub fn last_month() -> Period {
        use chrono::Datelike;
        let today = now_in_china().date_naive();
        Period::new(today.year(), today.month()).expect("valid month").previous()
    }

    /// The month before this one.
    pub fn previous(self) -> Period {
        if self.month == 1 { Period { year: self.year - 1, month: 12 } } else { Period { year: self.year, month: self.month - 1 } }
    }

    /// The month after this one.
    pub fn next(self) -> Period {
        if self.month == 12 { Period { year: self.year + 1, month: 1 } } else { Period { year: self.year, month: self.month + 1 } }
    }

    /// The last day of the month.
    pub fn end(self) -> NaiveDate {
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        };
        next.expect("valid month").pred_opt().expect("valid date")
    }

    /// `2024年06月`, as in output file names.
    pub fn label_padded(self) -> String {
        format!("{}年{:02}月", self.year, self.month)
    }

    /// `2024年6月`, as in report titles.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// Months from the year's start to a date, with the last month counted by the fraction of its
/// days elapsed: 03-31 → 3.0, 12-31 → 12.0, 06-15 → 5.5.
pub fn months_into_year(date: NaiveDate) -> f64 {
    let days_in_month = Period { year: date.year(), month: date.month() }.end().day() as f64;
    (date.month() - 1) as f64 + date.day() as f64 / days_in_month
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_to_date_names_mean_their_last_month() {
        for (name, month) in [
            ("长岭街道2024年1-6月乡村振兴报表", 6),
            ("长岭街道2024年1至6月报表", 6),
            ("长岭街道2024年上半年报表", 6),
            ("长岭街道2024年前三季度", 9),
            ("长岭街道2024年第一季度", 3),
            ("长岭街道2024年1-3季度", 9),
            ("长岭街道_2024年03月", 3),
            ("长岭街道-202405", 5),
        ] {
            assert_eq!(Period::parse_in_name(name), Period::new(2024, month), "{name}");
        }
    }

    #[test]
    fn a_title_or_sheet_name_names_its_month_or_none() {
        let may = Period::new(2024, 5);
        for (text, wanted) in [
            ("陆城镇2024年5月粮食生产与耕地保护情况表", may),
            ("粮食生产情况表（2024年1-5月）", may),
            ("5月", may),
            ("05月份", may),
            ("截至5月底", may),
            ("2024年1-3季度", Period::new(2024, 9)),
            ("一季度", Period::new(2024, 3)),
            ("上半年", Period::new(2024, 6)),
            ("2023年12月", Period::new(2023, 12)),
            ("2023年度高标准农田建设进度表", None),
            ("2023年度高标准农田建设进度表（2024年1-3月）", Period::new(2024, 3)),
            ("2023年度高标准农田（截至2024年5月底）", may),
            ("全年任务", None),
            ("每月5日前报送", None),
            ("粮食与耕地", None),
            ("单位：亩", None),
        ] {
            assert_eq!(Period::named_in_title(text, 2024), wanted, "{text}");
        }
    }

    #[test]
    fn parses_the_ways_people_write_a_month() {
        let june = Period { year: 2024, month: 6 };
        for text in ["2024-06", "2024-6", "202406", "2024年6月", "2024.06", "2024年06月"] {
            assert_eq!(Period::parse(text), Some(june), "{text}");
        }
        assert_eq!(Period::parse("2024-13"), None);
        assert_eq!(Period::parse("june"), None);
    }

    #[test]
    fn previous_crosses_the_year() {
        assert_eq!(Period { year: 2024, month: 1 }.previous(), Period { year: 2023, month: 12 });
    }

    #[test]
    fn month_end_and_fraction() {
        assert_eq!(Period { year: 2024, month: 2 }.end(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert_eq!(months_into_year(NaiveDate::from_ymd_opt(2024, 3, 31).unwrap()), 3.0);
        assert_eq!(months_into_year(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()), 12.0);
    }
}
