//! A plan written as TOML (`plan export`, `plan new --toml`): the exact format, read back by
//! `Plan::from_toml` as the same plan (the same `Plan::content_digest`).

use super::Plan;

impl Plan {
    /// The plan as TOML text, with a header saying where it comes from. Reading it back gives the
    /// same plan.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).expect("a plan serialises as TOML");
        format!(
            "# {}（{}）乡村振兴重点指标方案：{}年。\n# 由 zhenxing {} 写出；可直接修改，改后用 `zhenxing plan check --plan 本文件` 检查。\n\n{body}",
            self.plan.district_full,
            self.plan.id,
            self.plan.year,
            crate::VERSION
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::SHIPPED_PLANS;
    use super::*;

    #[test]
    fn shipped_plans_written_as_toml_read_back_as_the_same_plan() {
        for (name, text) in SHIPPED_PLANS {
            let plan = Plan::from_toml(text, name).unwrap();
            let written = plan.to_toml();
            let again = Plan::from_toml(&written, "written").unwrap_or_else(|e| panic!("{name}: {e}\n{written}"));
            assert_eq!(again.digest, plan.digest, "{name}");
            assert_eq!(again.to_toml(), written, "{name}: writing is stable");
        }
    }
}
