//! Loading a plan: `--plan NAME|FILE` resolved to a shipped plan or a file, the TOML parsed with
//! every serde and syntax message in Chinese at its line and key, then checked (`Plan::check`).

use std::path::Path;

use super::locate::{key_path_at, line_of_offset};
use super::{DEFAULT_PLAN, Plan, SHIPPED_PLANS};
use crate::error::{Error, Result};

/// Where a plan comes from: a shipped name or a file.
#[derive(Debug, Clone)]
pub enum PlanSource {
    Shipped(&'static str),
    File(std::path::PathBuf),
}

impl Plan {
    /// Resolve `--plan NAME|FILE`: a shipped name, a path, `./plan.toml` if present, else the default.
    pub fn resolve(arg: Option<&str>) -> Result<(Plan, PlanSource)> {
        match arg {
            Some(name) => {
                if let Some((shipped, text)) = SHIPPED_PLANS.iter().find(|(n, _)| *n == name) {
                    return Ok((Plan::from_toml(text, shipped)?, PlanSource::Shipped(shipped)));
                }
                let path = Path::new(name);
                if path.is_file() {
                    return Ok((Plan::load_file(path)?, PlanSource::File(path.to_path_buf())));
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
                    return Ok((Plan::load_file(local)?, PlanSource::File(local.to_path_buf())));
                }
                // A plan.toml that is there but not a readable file (a folder, a broken link) is
                // an error, never silently replaced by the embedded plan.
                if std::fs::symlink_metadata(local).is_ok() {
                    return Err(Error::Plan(format!(
                        "当前目录下的方案文件 {} 不是可读取的文件（可能是文件夹或失效的链接），请改正或删除它",
                        local.display()
                    )));
                }
                let text = SHIPPED_PLANS.iter().find(|(n, _)| *n == DEFAULT_PLAN).expect("default plan ships").1;
                Ok((Plan::from_toml(text, DEFAULT_PLAN)?, PlanSource::Shipped(DEFAULT_PLAN)))
            }
        }
    }

    pub fn load_file(path: &Path) -> Result<Plan> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::PlanRead { path: path.to_path_buf(), source })?;
        Plan::from_toml(&text, &path.display().to_string())
    }

    /// Parse and check a plan. `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Plan> {
        let mut plan: Plan = toml::from_str(text).map_err(|e| {
            let at = match e.span().map(|s| s.start.min(text.len())) {
                Some(offset) => {
                    let key = key_path_at(text, offset, missing_field(e.message()));
                    let key = if key.is_empty() { String::new() } else { format!(" {key}") };
                    format!("第 {} 行{key}：", line_of_offset(text, offset))
                }
                None => String::new(),
            };
            let message = toml_message_in_chinese(e.message());
            Error::PlanSyntax { origin: origin.to_string(), at, message, source: Box::new(e) }
        })?;
        plan.digest = plan.content_digest();
        let problems = plan.check();
        if problems.is_empty() {
            Ok(plan)
        } else {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| match p.locate(text) {
                    Some(line) => format!("  第 {line} 行 {}：{}", p.key, p.message),
                    None => format!("  {}：{}", p.key, p.message),
                })
                .collect();
            Err(Error::Plan(format!("方案 {origin} 有 {} 处错误：\n{}", problems.len(), lines.join("\n"))))
        }
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
fn toml_message_in_chinese(message: &str) -> String {
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
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        return format!("“{value}”不是可选的值（可选：{}）", backticked(expected).join("、"));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("值的类型不对：应为 {expected}，实为 {found}");
    }
    if message.starts_with("duplicate key") {
        return "键重复定义".to_string();
    }
    format!("TOML 语法错误（{message}）")
}
