//! Units of measure and the conversions between them (万亩 → 亩, 公顷 → 亩, 千米 → 公里, 万吨 → 吨).
//!
//! Every number is stored in its column's canonical unit; a header such as `耕地面积（万亩）`
//! gives the unit the township actually used, and `factor` converts it.

/// Each unit with its dimension and its size in that dimension's base unit.
const UNITS: &[(&str, &str, f64)] = &[
    ("亩", "area", 1.0),
    ("万亩", "area", 10_000.0),
    ("公顷", "area", 15.0),
    ("平方米", "area", 0.0015),
    ("公里", "length", 1.0),
    ("千米", "length", 1.0),
    ("km", "length", 1.0),
    ("米", "length", 0.001),
    ("吨", "mass", 1.0),
    ("万吨", "mass", 10_000.0),
    ("千克", "mass", 0.001),
    ("公斤", "mass", 0.001),
    ("斤", "mass", 0.0005),
    ("元", "money", 1.0),
    ("万元", "money", 10_000.0),
    ("亿元", "money", 100_000_000.0),
    ("人", "people", 1.0),
    ("万人", "people", 10_000.0),
    ("户", "households", 1.0),
    ("座", "bridges", 1.0),
    ("个", "items", 1.0),
    ("处", "places", 1.0),
    ("家", "facilities", 1.0),
    ("项", "projects", 1.0),
    ("条", "roads", 1.0),
    ("村", "villages", 1.0),
    ("株", "trees", 1.0),
    ("%", "ratio", 0.01),
    ("年", "year", 1.0),
];

/// Multiplier taking a value in `from` to `to`, or `None` when they measure different things.
pub fn factor(from: &str, to: &str) -> Option<f64> {
    let (_, dim_from, size_from) = lookup(from)?;
    let (_, dim_to, size_to) = lookup(to)?;
    (dim_from == dim_to).then(|| size_from / size_to)
}

/// A number with its unit in the base unit of its dimension, as a plan's value is written:
/// `6万亩` → (60000, 亩), `1.7万吨` → (17000, 吨), `60%` → (60, %). `None` when the text is not a
/// number and a known unit.
pub fn in_base_unit(text: &str) -> Option<(f64, &'static str)> {
    let (number, unit) = split_number_unit(text)?;
    if unit == "%" {
        return Some((number, "%"));
    }
    let (_, dimension, size) = lookup(&unit)?;
    let (base, _, _) = UNITS.iter().find(|(_, d, s)| d == dimension && *s == 1.0)?;
    Some((number * size, base))
}

/// Whether a unit counts whole things (户, 座, 个, 处, 条 …): a target in it expects a whole
/// number by any date. 人 and 万人 are counted too; 万户 would not be, and is not a unit here.
pub fn is_countable(unit: &str) -> bool {
    matches!(unit, "人" | "户" | "座" | "个" | "处" | "家" | "项" | "条" | "村" | "株")
}

/// Whether a text is a unit this module knows.
pub fn is_known(unit: &str) -> bool {
    lookup(unit).is_some()
}

/// The canonical spelling of a unit: `千米` and `km` are `公里`'s synonyms for display purposes.
pub fn canonical(unit: &str) -> String {
    match normalise_unit(unit).as_str() {
        "千米" | "km" => "公里".to_string(),
        "公斤" => "千克".to_string(),
        other => other.to_string(),
    }
}

/// A number followed by its unit, as clerks type them: `1.1公里`, `120亩`, `3.5万亩` →
/// (1.1, `公里`). `None` when the text is not a number and a known unit.
pub fn split_number_unit(text: &str) -> Option<(f64, String)> {
    let n: String = crate::text::normalise(text).chars().filter(|c| *c != ',').collect();
    let unit = UNITS.iter().map(|(u, _, _)| *u).filter(|u| n.to_lowercase().ends_with(u)).max_by_key(|u| u.len())?;
    let number = &n[..n.len() - unit.len()];
    match crate::text::parse_number(number) {
        Ok(Some(v)) => Some((v, unit.to_string())),
        _ => None,
    }
}

fn normalise_unit(unit: &str) -> String {
    unit.trim().replace(['％'], "%").to_lowercase()
}

/// The entry of `UNITS` a unit names, after `normalise_unit`; without allocating when the text
/// is one already (or cannot become one: no `％`, nothing to lower-case).
fn lookup(unit: &str) -> Option<&'static (&'static str, &'static str, f64)> {
    let trimmed = unit.trim();
    if let Some(entry) = UNITS.iter().find(|(u, _, _)| *u == trimmed) {
        return Some(entry);
    }
    if !trimmed.chars().any(|c| c == '％' || !c.to_lowercase().eq(std::iter::once(c))) {
        return None;
    }
    let unit = normalise_unit(trimmed);
    UNITS.iter().find(|(u, _, _)| *u == unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_area_length_and_mass() {
        assert_eq!(factor("万亩", "亩"), Some(10_000.0));
        assert_eq!(factor("公顷", "亩"), Some(15.0));
        assert_eq!(factor("千米", "公里"), Some(1.0));
        assert_eq!(factor("万吨", "吨"), Some(10_000.0));
        assert_eq!(factor("亩", "万亩"), Some(0.0001));
    }

    #[test]
    fn numbers_typed_with_their_unit() {
        assert_eq!(split_number_unit("1.1公里"), Some((1.1, "公里".into())));
        assert_eq!(split_number_unit("120亩"), Some((120.0, "亩".into())));
        assert_eq!(split_number_unit("3.5万亩"), Some((3.5, "万亩".into())));
        assert_eq!(split_number_unit("1,200 亩"), Some((1200.0, "亩".into())));
        assert_eq!(split_number_unit("约120亩"), None);
        assert_eq!(split_number_unit("亩"), None);
    }

    #[test]
    fn refuses_units_of_different_dimensions() {
        assert_eq!(factor("公里", "座"), None);
        assert_eq!(factor("亩", "吨"), None);
        assert_eq!(factor("斗", "亩"), None);
    }
}
