//! Loading a plan: `--plan NAME|FILE` resolved to a shipped plan or a file, the TOML parsed with
//! every serde and syntax message in Chinese at its line and key, then checked (`Plan::check`).

use std::path::Path;

use super::locate::{column_of_offset, key_path_at, line_of_offset};
use super::{DEFAULT_PLAN, Plan, SHIPPED_PLANS};
use crate::error::{Error, Result};

/// Where a plan comes from: a shipped name or a file.
#[derive(Debug, Clone)]
pub enum PlanSource {
    Shipped(&'static str),
    File(std::path::PathBuf),
    /// The embedded default, taken because no `--plan` was given and the folder holds no plan
    /// file: said aloud, so that a county in the wrong folder is not silently given 云溪区's plan.
    Default(&'static str),
}

impl PlanSource {
    /// How messages name it: the shipped plan's name, or the file's path.
    pub fn origin(&self) -> String {
        match self {
            PlanSource::Shipped(name) | PlanSource::Default(name) => name.to_string(),
            PlanSource::File(path) => path.display().to_string(),
        }
    }

    /// What to tell the user when the embedded default was taken for want of a plan file.
    pub fn default_notice(&self) -> Option<String> {
        match self {
            PlanSource::Default(name) => Some(format!(
                "提示：当前目录没有 plan.toml 或 方案.xlsx，使用内置示例方案 {name}；本县的方案请放在当前目录，或用 --plan 指定"
            )),
            _ => None,
        }
    }
}

impl Plan {
    /// Resolve `--plan NAME|FILE`: a shipped name, a path, `./plan.toml` if present, else the default.
    pub fn resolve(arg: Option<&str>) -> Result<(Plan, PlanSource)> {
        let (text, source) = Plan::locate(arg)?;
        Ok((Plan::from_toml(&text, &source.origin())?, source))
    }

    /// The TOML text `--plan NAME|FILE` names, and where it is: a shipped plan, a file,
    /// `./plan.toml` if present, else the default.
    pub fn locate(arg: Option<&str>) -> Result<(String, PlanSource)> {
        let shipped =
            |name: &str| SHIPPED_PLANS.iter().find(|(n, _)| *n == name).map(|(n, text)| (text.to_string(), PlanSource::Shipped(n)));
        let read = |path: &Path| -> Result<(String, PlanSource)> {
            let text = std::fs::read_to_string(path).map_err(|source| Error::PlanRead { path: path.to_path_buf(), source })?;
            Ok((text, PlanSource::File(path.to_path_buf())))
        };
        match arg {
            Some(name) => {
                if let Some(found) = shipped(name) {
                    return Ok(found);
                }
                let path = Path::new(name);
                if path.is_file() {
                    return read(path);
                }
                if std::fs::symlink_metadata(path).is_ok() {
                    return Err(Error::Plan(format!("方案 {} 不是可读取的文件（可能是文件夹或失效的链接）", path.display())));
                }
                let names: Vec<&str> = SHIPPED_PLANS.iter().map(|(n, _)| *n).collect();
                Err(Error::Plan(format!("找不到方案“{name}”：既不是内置方案（{}），也不是存在的文件", names.join("、"))))
            }
            None => {
                let local = Path::new("plan.toml");
                if local.is_file() {
                    return read(local);
                }
                // A plan.toml that is there but not a readable file (a folder, a broken link) is
                // an error, never silently replaced by the embedded plan.
                if std::fs::symlink_metadata(local).is_ok() {
                    return Err(Error::Plan(format!(
                        "当前目录下的方案文件 {} 不是可读取的文件（可能是文件夹或失效的链接），请改正或删除它",
                        local.display()
                    )));
                }
                let (text, _) = shipped(DEFAULT_PLAN).expect("default plan ships");
                Ok((text, PlanSource::Default(DEFAULT_PLAN)))
            }
        }
    }

    pub fn load_file(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::PlanRead { path: path.to_path_buf(), source })?;
        Plan::from_toml(&text, &path.display().to_string())
    }

    /// Parse and check a plan. `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Plan> {
        let plan = Plan::from_toml_unchecked(text, origin)?;
        // Warnings do not stop a plan from being used; `plan check` lists them.
        let errors: Vec<_> = plan.check().into_iter().filter(|p| !p.warning).collect();
        if errors.is_empty() {
            Ok(plan)
        } else {
            let lines: Vec<String> = errors.iter().map(|p| format!("  {}", p.describe(text))).collect();
            Err(Error::Plan(format!("方案 {origin} 有 {} 处错误：\n{}", errors.len(), lines.join("\n"))))
        }
    }

    /// Parse a plan, its digest made, without `Plan::check`.
    fn from_toml_unchecked(text: &str, origin: &str) -> Result<Plan> {
        // Punctuation typed on a Chinese keyboard outside quotes is never TOML: all of it at once.
        let full_width = full_width_punctuation(text);
        if !full_width.is_empty() {
            return Err(Error::Plan(format!("方案 {origin} 有 {} 处错误：\n  {}", full_width.len(), full_width.join("\n  "))));
        }
        let mut plan: Plan = toml::from_str(text).map_err(|e| {
            let (at, key) = match e.span().map(|s| s.start.min(text.len())) {
                Some(offset) => {
                    let key = key_path_at(text, offset, missing_field(e.message()));
                    let shown = if key.is_empty() { String::new() } else { format!(" {key}") };
                    (format!("第 {} 行第 {} 列{shown}：", line_of_offset(text, offset), column_of_offset(text, offset)), key)
                }
                None => (String::new(), String::new()),
            };
            let line = e.span().map(|s| line_at(text, s.start)).unwrap_or("");
            let message = number_as_text(e.message(), &key)
                .or_else(|| syntax_in_chinese(e.message(), line))
                .unwrap_or_else(|| toml_message_in_chinese(e.message()));
            Error::PlanSyntax { origin: origin.to_string(), at, message, source: Box::new(e) }
        })?;
        plan.digest = plan.content_digest();
        Ok(plan)
    }
}

/// What `plan check` finds of a plan's TOML text: the plan when it has no error, and every
/// error and warning at its line.
pub struct Examined {
    pub plan: Option<Plan>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Plan {
    /// Read and check a plan's TOML text for `plan check`: errors (syntax, types, references)
    /// and warnings, each with its line and key.
    pub fn examine(text: &str, origin: &str) -> Examined {
        let full_width = full_width_punctuation(text);
        if !full_width.is_empty() {
            return Examined { plan: None, errors: full_width, warnings: Vec::new() };
        }
        match Plan::from_toml_unchecked(text, origin) {
            Err(Error::PlanSyntax { at, message, .. }) => {
                Examined { plan: None, errors: vec![format!("{at}{message}")], warnings: Vec::new() }
            }
            Err(error) => Examined { plan: None, errors: vec![error.to_string()], warnings: Vec::new() },
            Ok(plan) => {
                let (warnings, errors): (Vec<_>, Vec<_>) = plan.check().into_iter().partition(|p| p.warning);
                let describe = |problems: Vec<super::PlanProblem>| problems.iter().map(|p| p.describe(text)).collect::<Vec<_>>();
                let (errors, warnings) = (describe(errors), describe(warnings));
                Examined { plan: errors.is_empty().then_some(plan), errors, warnings }
            }
        }
    }
}

/// Full-width punctuation outside strings and comments, each as `第 3 行第 12 列：中文逗号“，”
/// 应改为英文逗号“,”`. Inside quotes it is text and stays.
fn full_width_punctuation(text: &str) -> Vec<String> {
    full_width_punctuation_at(text).into_iter().map(|(line, column, what)| format!("第 {line} 行第 {column} 列：{what}")).collect()
}

/// `full_width_punctuation` as (line, column, what), both 1-based: the plan workbook places
/// them at its own cells.
pub(crate) fn full_width_punctuation_at(text: &str) -> Vec<(usize, usize, String)> {
    const WRONG: [(char, &str, &str); 10] = [
        ('，', "中文逗号", "英文逗号（,）"),
        ('“', "中文引号", "英文双引号（\"）"),
        ('”', "中文引号", "英文双引号（\"）"),
        ('：', "中文冒号", "等号（=）"),
        ('＝', "全角等号", "半角等号（=）"),
        ('［', "全角方括号", "半角方括号（[）"),
        ('］', "全角方括号", "半角方括号（]）"),
        ('｛', "全角花括号", "半角花括号（{）"),
        ('｝', "全角花括号", "半角花括号（}）"),
        ('　', "全角空格", "半角空格"),
    ];
    let mut found = Vec::new();
    let (mut in_basic, mut in_literal, mut multi_basic, mut multi_literal) = (false, false, false, false);
    for (l, line) in text.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let starts = |s: &str| chars[i..].iter().take(3).collect::<String>() == s;
            if multi_basic || multi_literal {
                if (multi_basic && starts("\"\"\"")) || (multi_literal && starts("'''")) {
                    (multi_basic, multi_literal) = (false, false);
                    i += 3;
                    continue;
                }
                i += if multi_basic && c == '\\' { 2 } else { 1 };
                continue;
            }
            if in_basic {
                match c {
                    '\\' => i += 1,
                    '"' => in_basic = false,
                    _ => {}
                }
            } else if in_literal {
                in_literal = c != '\'';
            } else if starts("\"\"\"") {
                multi_basic = true;
                i += 3;
                continue;
            } else if starts("'''") {
                multi_literal = true;
                i += 3;
                continue;
            } else if c == '"' {
                in_basic = true;
            } else if c == '\'' {
                in_literal = true;
            } else if c == '#' {
                break;
            } else if let Some((_, what, right)) = WRONG.iter().find(|(w, _, _)| *w == c) {
                found.push((l + 1, i + 1, format!("{what}（{c}）应改为{right}")));
            }
            i += 1;
        }
        // A basic or literal string ends with its line.
        (in_basic, in_literal) = (false, false);
    }
    found
}

/// A number written as text where the plan wants a number (`value = "6万亩"`): what to write
/// instead, worked out from the text.
fn number_as_text(message: &str, key: &str) -> Option<String> {
    let rest = message.strip_prefix("invalid type: string \"")?;
    let (text, expected) = rest.split_once("\", expected ")?;
    if !["f64", "a float", "u32", "an integer", "i32", "u8", "usize"].iter().any(|e| expected.starts_with(e)) {
        return None;
    }
    let field = key.rsplit('.').next().unwrap_or("value");
    let field = field.split(['[', '(']).next().unwrap_or(field);
    match crate::units::in_base_unit(text).or_else(|| crate::text::parse_number(text).ok().flatten().map(|n| (n, ""))) {
        Some((number, unit)) => {
            let number = crate::text::fmt(number);
            // A plain number in quotes needs only its quotes off; a number with its unit is the
            // document's wording, kept in `stated`.
            let stated = if field == "value" && !unit.is_empty() {
                format!("，并把文件的写法写在 stated = \"{text}\"")
            } else {
                String::new()
            };
            let unit = if unit.is_empty() { String::new() } else { format!("（以{unit}计）") };
            Some(format!("“{text}”带了引号或单位，这里应为数字：请写 {field} = {number}{unit}{stated}"))
        }
        None => Some(format!("这里应为数字（不带引号和单位），现为文字“{text}”")),
    }
}

/// The line of `text` that byte `offset` is on.
fn line_at(text: &str, offset: usize) -> &str {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    text[start..end].trim_end_matches('\r')
}

/// The TOML parser's syntax errors, in Chinese and with what to write, from the `key = value`
/// line they are on: a number typed with its unit or thousands separators, text without quotes,
/// a date without two-digit months, an unclosed list or string.
pub(super) fn syntax_in_chinese(message: &str, line: &str) -> Option<String> {
    let (key, raw) = line.split_once('=').map(|(k, v)| (k.trim(), v.trim())).unwrap_or(("", line.trim()));
    let raw = raw.split(" #").next().unwrap_or(raw).trim();
    let number = |raw: &str| -> Option<String> {
        let key = if key.is_empty() { "value" } else { key };
        let stated = if key == "value" { format!("，并把文件的写法写在 stated = \"{raw}\"") } else { String::new() };
        if let Some((n, unit)) = crate::units::in_base_unit(raw).filter(|(_, u)| !u.is_empty()) {
            return Some(format!("“{raw}”带了单位，这里只写数字：请写 {key} = {}（以{unit}计）{stated}", crate::text::fmt(n)));
        }
        let plain: String = raw.chars().filter(|c| !matches!(c, ',' | '，' | ' ')).collect();
        match crate::text::parse_number(raw) {
            Ok(Some(n)) if plain != raw || !raw.is_ascii() => {
                Some(format!("“{raw}”这里只写阿拉伯数字（不带千分位逗号、单位和全角数字）：请写 {key} = {}", crate::text::fmt(n)))
            }
            _ => None,
        }
    };
    // A date as typed (`2025-9-30`, `2025年9月30日`, `2025/9/30`): the TOML date to write.
    let date = |raw: &str| -> Option<String> {
        let parts: Vec<u32> = raw.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).filter_map(|p| p.parse().ok()).collect();
        let dated = raw.contains(['年', '-', '/', '.']) && !raw.contains(['万', '亩', '公']);
        match parts.as_slice() {
            [y, m, d] if dated && (1900..2200).contains(y) && chrono::NaiveDate::from_ymd_opt(*y as i32, *m, *d).is_some() => {
                Some(format!("日期“{raw}”应写作 {y:04}-{m:02}-{d:02}（年-月-日，月和日各两位，不加引号）"))
            }
            _ => None,
        }
    };
    // Text without its quotes, or a number with something after it.
    let unquoted = |raw: &str| -> String {
        if raw.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.') {
            format!("“{raw}”不是数字：数字只写阿拉伯数字和小数点，后面不跟其他字符；文字要加英文双引号")
        } else {
            format!("文字要加英文双引号：写成 {} = \"{raw}\"", if key.is_empty() { "键" } else { key })
        }
    };
    let head = message.split(", expected").next().unwrap_or(message);
    let said = match head {
        "string values must be quoted" if raw.is_empty() => {
            "等号后没有值：数字直接写（如 value = 60000），文字加英文双引号（如 name = \"粮食\"）".to_string()
        }
        "string values must be quoted" | "invalid boolean" => date(raw).or_else(|| number(raw)).unwrap_or_else(|| unquoted(raw)),
        "invalid float" | "invalid integer" | "invalid exponent" | "invalid number" | "unexpected key or value" => {
            date(raw).or_else(|| number(raw)).unwrap_or_else(|| {
                if raw.is_empty() || raw.starts_with(['"', '\'', '[', '{']) {
                    "一行只写一个 键 = 值；数字只写阿拉伯数字和小数点（不带单位、千分位逗号），文字加英文双引号".to_string()
                } else {
                    unquoted(raw)
                }
            })
        }
        "invalid date" | "invalid time" | "invalid offset" | "invalid date-time" => {
            date(raw).unwrap_or_else(|| format!("日期“{raw}”应写作 年-月-日，月和日各两位，如 2025-03-31（不加引号）"))
        }
        "invalid basic string" | "invalid literal string" => "文字缺少结尾的英文双引号（\"）；引号要成对，且在同一行".to_string(),
        "missing comma between array elements" => {
            "列表中各项之间要用英文逗号（,）分隔，列表以英文方括号（]）结束：如 lead_units = [\"县农业农村局\", \"县水利局\"]".to_string()
        }
        "unclosed array" => "列表缺少结尾的英文方括号（]）".to_string(),
        "unclosed array table" | "unclosed table" | "invalid table header" => {
            "表头写法不对：应为 [plan] 或 [[targets]] 这样，方括号成对".to_string()
        }
        "key with no value" => format!("“{}”后缺少等号和值：应写成 键 = 值", line.trim()),
        "invalid key" | "invalid unquoted key" => "键只能用英文字母、数字和下划线（如 lead_units）；中文写在等号后的引号里".to_string(),
        _ => return None,
    };
    Some(said)
}

/// A serde type as a person reads it: `f64` → 数字, `a sequence` → 列表, `string "x"` → 文字“x”.
fn type_in_chinese(serde: &str) -> String {
    let serde = serde.trim();
    if let Some(text) = serde.strip_prefix("string \"") {
        return format!("文字“{}”", text.trim_end_matches('"'));
    }
    let quoted_value = backticked(serde).first().map(|v| format!(" {v}")).unwrap_or_default();
    let kind = match serde.split_whitespace().next().unwrap_or("") {
        "f64" | "f32" | "float" => "数字",
        "u8" | "u32" | "u64" | "usize" | "i32" | "i64" | "integer" => "整数",
        "boolean" | "bool" => "true 或 false",
        "sequence" => "列表（方括号，如 [\"甲\", \"乙\"]）",
        "string" => "带引号的文字",
        "map" | "struct" => "表",
        "a" | "an" => return type_in_chinese(serde.split_once(' ').map_or("", |(_, r)| r)),
        _ => return serde.to_string(),
    };
    format!("{kind}{quoted_value}")
}

/// A plan value with what it means, for the options of an unknown one: `floor` →
/// `floor（底线（红线））`. Target kinds and schedule kinds have a label; others stand alone.
fn with_label(value: &str) -> String {
    let quoted = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value);
    let label = <super::TargetKind as serde::Deserialize>::deserialize(quoted).ok().map(|k| k.label()).or_else(|| {
        let quoted = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value);
        <super::ScheduleKind as serde::Deserialize>::deserialize(quoted).ok().map(super::book::schedule_kind_label)
    });
    match label {
        Some(label) => format!("{value}（{label}）"),
        None => value.to_string(),
    }
}

/// `missing field `quote`` → `quote`.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The names between backticks in a serde message: "expected one of `a`, `b`" → [a, b].
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// serde and TOML messages in Chinese (the original kept where it adds detail).
pub(super) fn toml_message_in_chinese(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let options: Vec<String> = backticked(expected).iter().map(|v| with_label(v)).collect();
        return format!("“{value}”不是可选的值（可选：{}）", options.join("、"));
    }
    if message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        return message.to_string(); // our own messages (dates)
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        return format!("不认识的键“{field}”（可用的键：{}）", backticked(expected).join("、"));
    }
    if let Some(field) = missing_field(message) {
        return format!("缺少必填的键“{field}”");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("值的类型不对：应为{}，实为{}", type_in_chinese(expected), type_in_chinese(found));
    }
    if message.starts_with("duplicate key") {
        return "键重复定义".to_string();
    }
    format!("TOML 语法错误（{message}）")
}
