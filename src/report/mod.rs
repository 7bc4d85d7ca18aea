//! Stage 5: everything people read — the leaders' workbook, township feedback workbooks, the CSV
//! files, the blank templates. The only module that touches rust_xlsxwriter.

pub mod bulletin;
pub mod csv;
pub mod detail;
pub mod feedback;
pub mod notice;
pub mod plan_book;
pub mod style;
pub mod template;

use std::path::Path;

use crate::error::Error;

pub(crate) fn xlsx_error(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Write { path: path.to_path_buf(), source: e }
}

/// A unit's status in words, naming the forms that were not counted where others were:
/// `数据有误（粮食与耕地：数据有误；其余报表已采用）`, `未报送`, `已报送`.
pub fn unit_status_text(plan: &crate::plan::Plan, unit: &crate::validate::TownshipOutcome) -> String {
    use crate::validate::SubmissionStatus;
    let not_counted: Vec<String> = unit
        .forms
        .iter()
        .filter(|f| f.status != SubmissionStatus::Reported)
        .map(|f| format!("{}：{}", plan.form(&f.form).map(|x| x.topic().to_string()).unwrap_or_else(|| f.form.clone()), f.status.label()))
        .collect();
    let counted = unit.forms.iter().filter(|f| f.status == SubmissionStatus::Reported).count();
    if unit.status != SubmissionStatus::Rejected || not_counted.is_empty() || unit.forms.len() < 2 {
        return unit.status.label().to_string();
    }
    if counted == 0 {
        return format!("{}（各表均未采用）", unit.status.label());
    }
    format!("{}（{}；其余报表已采用）", unit.status.label(), not_counted.join("；"))
}

/// One line of the 催报名单: a unit that has not reported, reported late or with errors, whom to
/// call and what it must do.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub unit: String,
    /// 镇（街道） or 牵头部门.
    pub kind: String,
    /// 未报送, 数据有误, 迟报 (joined when several).
    pub situation: String,
    pub filler: String,
    pub phone: String,
    pub action: String,
}

/// The 催报名单 of a month: every township and department not reported, late, or with errors,
/// with the 填报人 and 联系电话 of its latest file's footer.
pub fn reminders(
    plan: &crate::plan::Plan,
    validated: &crate::validate::Validated,
    contacts: &std::collections::BTreeMap<String, crate::store::Contact>,
) -> Vec<Reminder> {
    use crate::issue::Severity;
    use crate::validate::SubmissionStatus;
    let period = validated.period;
    // The next report's deadline: a late unit is asked to be on time for the next month.
    let next = period.next();
    let deadline = plan.submission_deadline(next).map(|d| d.format("%-m月%-d日").to_string());
    let mut list = Vec::new();
    for unit in validated.townships.iter().filter(|t| t.township != plan.combined_ledger()) {
        let mut situation = Vec::new();
        let mut action = Vec::new();
        match unit.status {
            SubmissionStatus::Missing => {
                situation.push("未报送".to_string());
                action.push(format!("请报送{}报表", period.label()));
            }
            SubmissionStatus::Rejected => {
                situation.push("数据有误".to_string());
                let errors: Vec<&crate::issue::Issue> =
                    validated.issues.iter().filter(|i| i.township == unit.township && i.severity() == Severity::Error).collect();
                let first = errors
                    .first()
                    .map(|i| {
                        format!("，如{}{}：{}", i.sheet, if i.cell.is_empty() { String::new() } else { format!("!{}", i.cell) }, i.message)
                    })
                    .unwrap_or_default();
                action.push(format!("请按反馈表改正 {} 处错误后重新报送{first}", errors.len()));
            }
            SubmissionStatus::Reported | SubmissionStatus::NotDue => {}
        }
        if unit.late {
            situation.push("迟报".to_string());
            if let Some(deadline) = &deadline {
                action.push(format!("{}月报表请于{deadline}前按时报送", next.month));
            }
        }
        if situation.is_empty() {
            continue;
        }
        let contact = contacts.get(&unit.township).cloned().unwrap_or_default();
        list.push(Reminder {
            unit: unit.township.clone(),
            kind: if unit.department { "牵头部门".to_string() } else { plan.wording().townships.clone() },
            situation: situation.join("、"),
            filler: contact.filler,
            phone: contact.phone,
            action: action.join("；"),
        });
    }
    list
}

/// Whether a file's name says it is a spreadsheet (a workbook that held none of the forms is an
/// answer to give; a photo or a document beside the reports is not).
pub fn is_workbook_file(name: &str) -> bool {
    let extension = Path::new(name).extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    crate::ingest::is_spreadsheet_name(&extension)
}

/// Issues as a text table grouped by file (what `zhenxing check` prints). A workbook holding
/// none of the plan's forms is said to be an attachment, with the forms it should hold: a clerk
/// asking "is my file right?" is never told 通过.
pub fn issues_table(plan: &crate::plan::Plan, validated: &crate::validate::Validated) -> String {
    let mut out = String::new();
    let township_forms: Vec<&str> = plan.township_forms().map(|f| f.topic()).collect();
    let attachment = format!("附件：未找到任何一张报表（应有 {}），不计入汇总", township_forms.join("、"));
    for file in &validated.files {
        let issues: Vec<_> = validated.issues.iter().filter(|i| i.file == file.file).collect();
        let verdict = if file.errors > 0 {
            "有错误，不予采用"
        } else if file.status == crate::validate::FileStatus::Attachment && file.warnings == 0 {
            // Nothing of ours in it: a workbook should have held the forms; anything else is
            // an attachment beside the reports.
            if is_workbook_file(&file.file) { attachment.as_str() } else { "附件（非报表），不计入汇总" }
        } else if matches!(file.status, crate::validate::FileStatus::Attachment | crate::validate::FileStatus::UnknownTownship) {
            // A ledger outside its folder (W13), a unit the plan does not know: said below.
            "不计入汇总"
        } else if file.warnings > 0 {
            "可采用，有警告"
        } else {
            "通过"
        };
        out.push_str(&format!(
            "\n{}（{}）：{}，错误 {} 个，警告 {} 个\n",
            file.file,
            if file.township.is_empty() { "单位不明" } else { &file.township },
            verdict,
            file.errors,
            file.warnings
        ));
        for issue in issues {
            let location = if issue.cell.is_empty() { issue.sheet.clone() } else { format!("{}!{}", issue.sheet, issue.cell) };
            let pad = 18usize.saturating_sub(crate::text::display_width(&location));
            out.push_str(&format!(
                "  {} {}{}  {}  {}\n",
                if issue.severity() == crate::issue::Severity::Error { "✗" } else { "!" },
                location,
                " ".repeat(pad),
                issue.rule_label(),
                issue.message
            ));
        }
    }
    if !validated.history_checked {
        out.push_str("\n注：历史数据库中没有上月数据，未做“累计数小于上月”“大起大落”校验。\n");
    }
    out.push_str(&format!(
        "\n共 {} 个文件：错误 {} 个，警告 {} 个。\n",
        validated.files.len(),
        validated.error_count(),
        validated.warning_count()
    ));
    out
}
