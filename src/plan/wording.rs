//! How a plan's places and offices are called, so that every text a person reads says what the
//! county calls itself: 县, 区, 县级市 or 旗 (`Level`), 全县/全区, 县直部门/区直部门, and its
//! township-level units by what they are (镇, 乡, 街道, 苏木, 开发区: `UnitKind`), e.g. 乡镇
//! for a county of towns and townships, 镇（街道） for a district of towns and subdistricts.

use serde::{Deserialize, Serialize};

/// The level of the county-level unit a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 市辖区.
    #[serde(alias = "区")]
    District,
    /// 县, 自治县.
    #[serde(alias = "县", alias = "自治县")]
    County,
    /// 县级市.
    #[serde(alias = "县级市", alias = "市")]
    City,
    /// 旗, 自治旗.
    #[serde(alias = "旗", alias = "自治旗")]
    Banner,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::District, Level::County, Level::City, Level::Banner];

    /// The level a county-level unit's name says: `云溪区` → 区, `萧县` → 县, `大冶市` → 县级市,
    /// `鄂托克旗` → 旗; any other name (林区, 特区) is taken as a 县.
    pub fn from_name(name: &str) -> Level {
        match name.trim().chars().last() {
            Some('区') => Level::District,
            Some('市') => Level::City,
            Some('旗') => Level::Banner,
            _ => Level::County,
        }
    }

    /// The one character that stands for the county in 全县, 县直部门, 县乡村振兴办.
    pub fn area(self) -> &'static str {
        match self {
            Level::District => "区",
            Level::County => "县",
            Level::City => "市",
            Level::Banner => "旗",
        }
    }

    /// What the level is called: 区, 县, 县级市, 旗.
    pub fn label(self) -> &'static str {
        match self {
            Level::City => "县级市",
            other => other.area(),
        }
    }

    /// A level from its Chinese label or serde name.
    pub fn parse(text: &str) -> Option<Level> {
        match text.trim() {
            "区" | "市辖区" | "district" => Some(Level::District),
            "县" | "自治县" | "county" => Some(Level::County),
            "县级市" | "市" | "city" => Some(Level::City),
            "旗" | "自治旗" | "banner" => Some(Level::Banner),
            _ => None,
        }
    }
}

/// What a township-level reporting unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 镇.
    #[serde(alias = "镇")]
    Town,
    /// 乡 (民族乡 too).
    #[serde(alias = "乡")]
    Township,
    /// 街道.
    #[serde(alias = "街道")]
    Subdistrict,
    /// 苏木.
    #[serde(alias = "苏木")]
    Sumu,
    /// A development zone, park, farm or other unit that reports as a township (开发区, 园区,
    /// 农场, 管理区 …).
    #[serde(alias = "开发区", alias = "园区")]
    Zone,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] = [UnitKind::Town, UnitKind::Township, UnitKind::Subdistrict, UnitKind::Sumu, UnitKind::Zone];

    /// What a unit's name says it is: `…街道`, `…苏木`, `…镇`, `…乡`; anything else (开发区,
    /// 园区, 农场 …) is a zone.
    pub fn from_name(name: &str) -> UnitKind {
        let name = name.trim();
        if name.ends_with("街道") || name.ends_with("街道办事处") {
            UnitKind::Subdistrict
        } else if name.ends_with("苏木") {
            UnitKind::Sumu
        } else if name.ends_with('镇') {
            UnitKind::Town
        } else if name.ends_with('乡') {
            UnitKind::Township
        } else {
            UnitKind::Zone
        }
    }

    /// 镇, 乡, 街道, 苏木, 开发区（园区）.
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Town => "镇",
            UnitKind::Township => "乡",
            UnitKind::Subdistrict => "街道",
            UnitKind::Sumu => "苏木",
            UnitKind::Zone => "开发区（园区）",
        }
    }

    /// A kind from its Chinese label or serde name.
    pub fn parse(text: &str) -> Option<UnitKind> {
        match text.trim() {
            "镇" | "town" => Some(UnitKind::Town),
            "乡" | "民族乡" | "township" => Some(UnitKind::Township),
            "街道" | "subdistrict" => Some(UnitKind::Subdistrict),
            "苏木" | "民族苏木" | "sumu" => Some(UnitKind::Sumu),
            "开发区" | "园区" | "开发区（园区）" | "开发区(园区)" | "zone" => Some(UnitKind::Zone),
            _ => None,
        }
    }
}

/// The words a plan's texts use for its places and offices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    /// 区, 县, 市, 旗.
    pub area: &'static str,
    /// 全区, 全县 ….
    pub whole: String,
    /// The office's combined department ledger and the departments as one: 区直部门, 县直部门 ….
    pub departments: String,
    /// The office that runs the tool, as template notes sign it: 区乡村振兴办 ….
    pub office: String,
    /// The township-level units as a whole: 镇（街道）, 乡镇, 乡镇（街道）, 苏木（镇）….
    pub townships: String,
    /// Short, for sheet names and compounds: 镇街, 乡镇, 乡镇街道 ….
    pub townships_short: String,
}

impl Wording {
    /// The wording of a county of `level` whose township-level units are of `kinds` (zones are
    /// named apart, so they do not change the name of the others).
    pub fn new(level: Level, kinds: &[UnitKind]) -> Wording {
        let area = level.area();
        let has = |k: UnitKind| kinds.contains(&k);
        let mut rural: Vec<&str> = Vec::new();
        if has(UnitKind::Sumu) {
            rural.push("苏木");
        }
        if has(UnitKind::Township) {
            rural.push("乡");
        }
        if has(UnitKind::Town) {
            rural.push("镇");
        }
        let rural = rural.concat();
        let (townships, townships_short) = match (rural.as_str(), has(UnitKind::Subdistrict)) {
            ("", true) => ("街道".to_string(), "街道".to_string()),
            ("", false) => ("乡镇".to_string(), "乡镇".to_string()),
            ("镇", true) => ("镇（街道）".to_string(), "镇街".to_string()),
            (rural, true) => (format!("{rural}（街道）"), format!("{rural}街道")),
            (rural, false) => (rural.to_string(), rural.to_string()),
        };
        Wording {
            area,
            whole: format!("全{area}"),
            departments: format!("{area}直部门"),
            office: format!("{area}乡村振兴办"),
            townships,
            townships_short,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_kinds_come_from_names() {
        assert_eq!(Level::from_name("云溪区"), Level::District);
        assert_eq!(Level::from_name("萧县"), Level::County);
        assert_eq!(Level::from_name("大冶市"), Level::City);
        assert_eq!(Level::from_name("鄂托克旗"), Level::Banner);
        assert_eq!(UnitKind::from_name("长岭街道"), UnitKind::Subdistrict);
        assert_eq!(UnitKind::from_name("沙窝乡"), UnitKind::Township);
        assert_eq!(UnitKind::from_name("陆城镇"), UnitKind::Town);
        assert_eq!(UnitKind::from_name("葛店经济技术开发区"), UnitKind::Zone);
        assert_eq!(UnitKind::from_name("巴彦淖尔苏木"), UnitKind::Sumu);
    }

    #[test]
    fn a_zone_is_counted_as_what_it_is() {
        let (echeng, _) = crate::plan::Plan::resolve(Some("echeng-2024")).unwrap();
        let all: Vec<&str> = echeng.units.iter().map(|u| u.name.as_str()).collect();
        // 鄂州经济开发区 and 临空经济区 are zones, not 乡镇.
        assert_eq!(echeng.count_units(all.iter().copied()), "13个乡镇（街道）和2个开发区");
        assert_eq!(echeng.count_units(["沙窝乡"]), "1个乡镇（街道）");
        assert_eq!(echeng.count_units(["鄂州经济开发区"]), "1个开发区");
    }

    #[test]
    fn wording_says_what_the_county_and_its_units_are() {
        use UnitKind::*;
        let district = Wording::new(Level::District, &[Town, Subdistrict]);
        assert_eq!((district.whole.as_str(), district.departments.as_str()), ("全区", "区直部门"));
        assert_eq!((district.townships.as_str(), district.townships_short.as_str()), ("镇（街道）", "镇街"));
        let county = Wording::new(Level::County, &[Town, Township]);
        assert_eq!((county.whole.as_str(), county.departments.as_str(), county.office.as_str()), ("全县", "县直部门", "县乡村振兴办"));
        assert_eq!((county.townships.as_str(), county.townships_short.as_str()), ("乡镇", "乡镇"));
        let mixed = Wording::new(Level::District, &[Town, Township, Subdistrict, Zone]);
        assert_eq!((mixed.townships.as_str(), mixed.townships_short.as_str()), ("乡镇（街道）", "乡镇街道"));
        let banner = Wording::new(Level::Banner, &[Sumu, Town]);
        assert_eq!((banner.whole.as_str(), banner.townships.as_str()), ("全旗", "苏木镇"));
    }
}
