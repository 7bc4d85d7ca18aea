//! Which file each unit's form is read from, and what that makes of each file and unit: the
//! newest file of a (unit, form) is used and older ones are superseded; an error rejects the
//! form it is in (a file-level error, every form of its file), never the unit's other forms; a
//! unit is 已报送 only when all its forms count; the combined ledger (区直部门) covers the
//! departments whose items it holds. Arrivals decide who is late (迟报).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::Serialize;

use super::Record;
use crate::FastMap;
use crate::FastSet;
use crate::ingest::FileRead;
use crate::issue::{Issue, Rule, Severity};
use crate::plan::{DepartmentNames, Form, Plan, Reporter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Files present and free of errors: counted.
    Reported,
    /// Files present but with errors: not counted.
    Rejected,
    /// No file for the period.
    Missing,
    /// No file, and none is due this month (a department reporting quarterly or annually):
    /// neither 未报送 nor chased.
    NotDue,
}

impl SubmissionStatus {
    pub fn label(self) -> &'static str {
        match self {
            SubmissionStatus::Reported => "已报送",
            SubmissionStatus::Rejected => "数据有误",
            SubmissionStatus::Missing => "未报送",
            SubmissionStatus::NotDue => "未到报送期",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Counted.
    Used,
    /// Has errors in every form it supplies: not counted.
    Rejected,
    /// Some of its forms are counted; the others have errors or came again in a newer file.
    PartlyUsed,
    /// A newer file of the same township and form is used instead.
    Superseded,
    /// Belongs to no reporting unit of the plan.
    UnknownTownship,
    /// Not a report (a scan, a document, a workbook with none of the forms): listed only.
    Attachment,
}

impl FileStatus {
    pub fn label(self) -> &'static str {
        match self {
            FileStatus::Used => "已采用",
            FileStatus::Rejected => "有错误未采用",
            FileStatus::PartlyUsed => "部分采用",
            FileStatus::Superseded => "已被较新文件替代",
            FileStatus::UnknownTownship => "填报单位不明",
            FileStatus::Attachment => "附件（非报表）",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    /// When it arrived (the first time a run saw it; else its modification time), as
    /// `YYYY-MM-DD HH:MM:SS` in China Standard Time (whatever the machine's zone).
    pub received: String,
    pub township: String,
    pub status: FileStatus,
    pub errors: usize,
    pub warnings: usize,
    /// Arrived after the plan's submission deadline (迟报).
    pub late: bool,
}

/// Where one form of one reporting unit stands this month.
#[derive(Debug, Clone, Serialize)]
pub struct FormOutcome {
    pub form: String,
    /// 已报送 (counted), 数据有误 (an error in the form or its file), 未报送 (no file supplied it).
    pub status: SubmissionStatus,
    /// The file its rows come from (the newest that supplied it).
    pub file: Option<String>,
    /// Errors in the form (and in its file as a whole).
    pub errors: usize,
}

/// Where one reporting unit (township, department, or the combined ledger) stands this month.
#[derive(Debug, Clone, Serialize)]
pub struct TownshipOutcome {
    pub township: String,
    /// A department (or the combined ledger), not a township.
    pub department: bool,
    /// 已报送 only when every form of the unit is counted; 未报送 when no file came; else 数据有误.
    pub status: SubmissionStatus,
    pub files: Vec<String>,
    pub errors: usize,
    pub warnings: usize,
    /// Each of the unit's forms, in plan order.
    pub forms: Vec<FormOutcome>,
    /// A file it is counted from arrived after the submission deadline (迟报).
    pub late: bool,
    /// Its report is due this month: always for a township; for a department, as its
    /// frequency says (`Plan::department_due`). A unit not due that reports anyway is counted.
    pub due: bool,
}

/// When the month's files arrived, and by when they were due: what makes a file 迟报.
#[derive(Debug, Clone, Copy)]
pub struct Receipts<'a> {
    /// Input path → arrival (`YYYY-MM-DD HH:MM:SS`, China Standard Time), as the store keeps
    /// them (`store::arrivals`); a file without one shows its modification time.
    pub arrived: Option<&'a BTreeMap<String, String>>,
    /// The end of the day the month's reports are due (`Plan::submission_deadline`).
    pub deadline: Option<NaiveDateTime>,
}

impl Receipts<'_> {
    /// No arrivals known and no deadline (`check`): files show their modification times.
    pub const NONE: Receipts<'static> = Receipts { arrived: None, deadline: None };

    fn arrival(&self, file: &str) -> Option<&String> {
        self.arrived?.get(file)
    }

    /// Whether `file` arrived after the deadline.
    fn late(&self, file: &str) -> bool {
        let (Some(deadline), Some(arrived)) = (self.deadline, self.arrival(file)) else { return false };
        NaiveDateTime::parse_from_str(arrived, "%Y-%m-%d %H:%M:%S").is_ok_and(|a| a > deadline)
    }
}

/// What one file gave: the unit it belongs to ("" for none), its records and its issues.
pub(super) struct FileCheck {
    pub(super) township: String,
    pub(super) records: Vec<Record>,
    pub(super) issues: Vec<Issue>,
}

/// What acceptance decides of a month's files.
pub(super) struct Accepted {
    pub(super) files: Vec<FileOutcome>,
    pub(super) townships: Vec<TownshipOutcome>,
    pub(super) records: Vec<Record>,
    pub(super) issues: Vec<Issue>,
}

/// The files of a month and what each gave (`checks[i]` is `reads[i]`'s), decided on.
pub(super) fn accept(plan: &Plan, month: u32, reads: &[FileRead], mut checks: Vec<FileCheck>, receipts: Receipts<'_>) -> Accepted {
    let choice = Choice::new(reads, &checks, &receipts);
    let township_files = choice.supersede(reads, &mut checks);
    let departments = plan.department_names();
    let mut names: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
    names.extend(departments.names().iter().cloned());
    if plan.has_ledger() && township_files.contains_key(plan.combined_ledger()) {
        names.push(plan.combined_ledger().to_string());
    }
    // (unit, form) counted this month.
    let mut counted: FastSet<(&str, &str)> = FastSet::default();
    let units = Units { plan, reads, choice: &choice, departments: &departments, receipts, month };
    let mut townships = Vec::new();
    for name in &names {
        townships.push(units.outcome(name, township_files.get(name).map_or(&[][..], Vec::as_slice), &mut checks, &mut counted));
    }
    let name_set: FastSet<&str> = names.iter().map(String::as_str).collect();
    let (files, records, mut issues) = file_outcomes(reads, checks, &choice, &counted, &name_set, receipts);
    credit_combined_ledger(plan, &files, &records, &mut townships, receipts);
    issues.sort_by(|a, b| (&a.file, &a.sheet, cell_order(&a.cell), a.rule).cmp(&(&b.file, &b.sheet, cell_order(&b.cell), b.rule)));
    Accepted { files, townships, records, issues }
}

/// Which file is used for each (unit, form): the newest by modification time.
struct Choice {
    /// unit → form → the file used.
    chosen: FastMap<String, FastMap<String, usize>>,
    /// File → the forms it is used for.
    used_by_file: BTreeMap<usize, BTreeSet<String>>,
    /// Files superseded, with the newer files used instead.
    superseded: BTreeMap<usize, Vec<usize>>,
    /// When each file came (`when`), by index.
    whens: Vec<String>,
}

/// When a file came: its arrival where the run knows it (a file dated in the future arrived
/// when first seen), else its modification time. A newer file supersedes an older one by this,
/// so a file dated 2030 does not beat every later correction.
fn when(receipts: &Receipts<'_>, read: &FileRead) -> String {
    receipts.arrival(&read.input.display).cloned().or_else(|| read.modified().map(format_time)).unwrap_or_default()
}

/// Whether file `a` came after file `b` (by `when`, then by name).
fn newer(reads: &[FileRead], whens: &[String], a: usize, b: usize) -> bool {
    (&whens[a], &reads[a].input.display) > (&whens[b], &reads[b].input.display)
}

impl Choice {
    fn new(reads: &[FileRead], checks: &[FileCheck], receipts: &Receipts<'_>) -> Choice {
        let whens: Vec<String> = reads.iter().map(|r| when(receipts, r)).collect();
        let newer = |a: usize, b: usize| newer(reads, &whens, a, b);
        let township_of: Vec<String> = checks.iter().map(|c| c.township.clone()).collect();
        let mut chosen: FastMap<String, FastMap<String, usize>> = FastMap::default();
        for (index, township) in township_of.iter().enumerate() {
            if township.is_empty() {
                continue;
            }
            let forms = chosen.entry(township.clone()).or_default();
            for table in &reads[index].tables {
                match forms.get(&table.form_id) {
                    Some(&current) if !newer(index, current) => {}
                    _ => {
                        forms.insert(table.form_id.clone(), index);
                    }
                }
            }
        }
        let mut used_by_file: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for (form, &i) in chosen.values().flatten() {
            used_by_file.entry(i).or_default().insert(form.clone());
        }
        // A file of which no form is used, while newer files of its township are, is superseded
        // by them: all its forms came again later, or it could not be read at all and was re-sent.
        let newer_used = |index: usize| -> Vec<usize> {
            if township_of[index].is_empty() || used_by_file.contains_key(&index) || reads[index].attachment {
                return Vec::new();
            }
            used_by_file.keys().copied().filter(|&u| township_of[u] == township_of[index] && newer(u, index)).collect()
        };
        let superseded = (0..checks.len()).map(|i| (i, newer_used(i))).filter(|(_, n)| !n.is_empty()).collect();
        Choice { chosen, used_by_file, superseded, whens }
    }

    /// Each superseded file gets its W06; the others are listed by unit: unit → its files.
    fn supersede(&self, reads: &[FileRead], checks: &mut [FileCheck]) -> BTreeMap<String, Vec<usize>> {
        let mut township_files: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, check) in checks.iter_mut().enumerate() {
            let township = &check.township;
            if let Some(newer_used) = self.superseded.get(&index) {
                let mut newer_files: Vec<String> = newer_used.iter().map(|&i| reads[i].input.display.clone()).collect();
                newer_files.sort();
                let newer = newer_files.join("”、“");
                let message = format!("{township}本月报送了多个文件，采用较新的“{newer}”，本文件未采用");
                let issue = Issue::new(Rule::SupersededFile, reads[index].input.display.clone(), message).of(township.clone());
                check.issues.push(issue);
            } else if !township.is_empty() {
                township_files.entry(township.clone()).or_default().push(index);
            }
        }
        township_files
    }

    fn chosen(&self, unit: &str, form: &str) -> Option<usize> {
        self.chosen.get(unit)?.get(form).copied()
    }
}

/// What deciding a unit's outcome needs.
struct Units<'a> {
    plan: &'a Plan,
    reads: &'a [FileRead],
    choice: &'a Choice,
    departments: &'a DepartmentNames<'a>,
    receipts: Receipts<'a>,
    /// The month (1–12) being validated: what is due in it.
    month: u32,
}

/// An issue about a whole file (not one form): it rejects every form of the file.
fn file_level(rule: Rule) -> bool {
    matches!(rule, Rule::Unreadable | Rule::TownshipMismatch | Rule::PeriodMismatch | Rule::UnknownTownship)
}

impl<'u> Units<'u> {
    /// Where one unit stands, form by form, from its files (`indices`, in file order); each
    /// form it is counted for goes into `counted`. A township's file that lacks a form gets E02.
    fn outcome(
        &self,
        name: &'u str,
        indices: &[usize],
        checks: &mut [FileCheck],
        counted: &mut FastSet<(&'u str, &'u str)>,
    ) -> TownshipOutcome {
        let department = self.departments.contains(name);
        let reporter = if department { Reporter::Department } else { Reporter::Township };
        let unit_forms: Vec<&'u Form> = self.plan.forms.iter().filter(|f| f.reporter == reporter).collect();
        // A department whose ledger is not due this month is not missing it.
        let due = !department || self.plan.department_due(name, self.month);
        if indices.is_empty() {
            let status = if due { SubmissionStatus::Missing } else { SubmissionStatus::NotDue };
            let forms = unit_forms.iter().map(|f| FormOutcome { form: f.id.clone(), status, file: None, errors: 0 }).collect();
            let (files, errors, warnings) = (Vec::new(), 0, 0);
            return TownshipOutcome { township: name.to_string(), department, status, files, errors, warnings, forms, late: false, due };
        }
        let reads = self.reads;
        let whens = &self.choice.whens;
        let newest = *indices.iter().max_by_key(|i| (&whens[**i], &reads[**i].input.display)).expect("non-empty");
        if reporter == Reporter::Township && indices.iter().any(|i| reads[*i].unreadable.is_none()) {
            self.missing_sheets(name, indices, newest, &unit_forms, checks);
        }
        // `indices` is in file order, as `checks` is.
        let file_issues: Vec<&Issue> = indices.iter().flat_map(|&i| checks[i].issues.iter()).collect();
        let errors = file_issues.iter().filter(|i| i.severity() == Severity::Error).count();
        let warnings = file_issues.len() - errors;
        let file_errors = indices
            .iter()
            .any(|&i| checks[i].issues.iter().any(|x| x.severity() == Severity::Error && form_of_issue(self.plan, &reads[i], x).is_none()));
        let mut forms = Vec::new();
        for form in &unit_forms {
            let outcome = self.form_outcome(name, form, indices, checks, file_errors);
            if outcome.status == SubmissionStatus::Reported {
                counted.insert((name, form.id.as_str()));
            }
            forms.push(outcome);
        }
        let status = if forms.iter().all(|f| f.status == SubmissionStatus::Reported) {
            SubmissionStatus::Reported
        } else {
            SubmissionStatus::Rejected
        };
        let late = forms.iter().filter_map(|f| f.file.as_deref()).any(|f| self.receipts.late(f));
        let files = indices.iter().map(|i| reads[*i].input.display.clone()).collect();
        TownshipOutcome { township: name.to_string(), department, status, files, errors, warnings, forms, late, due }
    }

    /// E02 in the unit's newest file for each township form none of its files supplied.
    fn missing_sheets(&self, name: &str, indices: &[usize], newest: usize, unit_forms: &[&Form], checks: &mut [FileCheck]) {
        let reads = self.reads;
        let supplied: BTreeSet<&str> = indices.iter().flat_map(|i| reads[*i].tables.iter().map(|t| t.form_id.as_str())).collect();
        for form in unit_forms.iter().filter(|f| !supplied.contains(f.id.as_str())) {
            let already = checks[newest].issues.iter().any(|x| x.rule == Rule::MissingSheet && x.sheet == form.sheet);
            if !already && let Some(entry) = checks.get_mut(newest) {
                let message = format!("{name}本月缺少{}“{}”，请补报（其他报表照常采用）", form.id, form.sheet);
                let issue = Issue::new(Rule::MissingSheet, reads[newest].input.display.clone(), message)
                    .at(form.sheet.clone(), String::new())
                    .of(name);
                entry.issues.push(issue);
            }
        }
    }

    /// One form of a unit: counted from the newest file that supplied it, unless that file has
    /// an error in it (or about the whole file), or a newer file of the unit could not be read.
    fn form_outcome(&self, name: &str, form: &Form, indices: &[usize], checks: &[FileCheck], file_errors: bool) -> FormOutcome {
        let reads = self.reads;
        let Some(file) = self.choice.chosen(name, &form.id) else {
            // No file supplied the form: missing, or (when a file of the unit could not be read
            // at all) rejected with that file.
            let status = if file_errors { SubmissionStatus::Rejected } else { SubmissionStatus::Missing };
            return FormOutcome { form: form.id.clone(), status, file: None, errors: 0 };
        };
        let form_errors = checks[file]
            .issues
            .iter()
            .filter(|x| x.severity() == Severity::Error)
            .filter(|x| form_of_issue(self.plan, &reads[file], x).is_none_or(|f| f == form.id))
            .count();
        // A newer file of the unit that could not be read is its latest word on every form: the
        // older file's figures are not used in its place.
        // (A folder named like a workbook is an attachment that says so: no word of the unit's.)
        let broken_since =
            indices.iter().any(|&i| reads[i].unreadable.is_some() && !reads[i].attachment && newer(reads, &self.choice.whens, i, file));
        let status = if form_errors > 0 || broken_since { SubmissionStatus::Rejected } else { SubmissionStatus::Reported };
        FormOutcome { form: form.id.clone(), status, file: Some(reads[file].input.display.clone()), errors: form_errors }
    }
}

/// The form an issue of `read` is about; `None` for an issue about the whole file.
pub(super) fn form_of_issue(plan: &Plan, read: &FileRead, issue: &Issue) -> Option<String> {
    if issue.sheet.is_empty() || file_level(issue.rule) {
        return None;
    }
    read.tables
        .iter()
        .find(|t| t.sheet == issue.sheet)
        .map(|t| t.form_id.clone())
        .or_else(|| plan.forms.iter().find(|f| f.sheet == issue.sheet).map(|f| f.id.clone()))
}

/// The records of `read` that can ever be counted: none when the file has an error about the
/// whole of it, else those of the forms without an error (`Units::form_outcome` counts a form
/// from a file only then). Dropped as each file is checked, not held until every file is: ten
/// files of 100,000 wrong rows held a million records no one would count.
pub(super) fn keep_countable(plan: &Plan, read: &FileRead, issues: &[Issue], records: &mut Vec<super::Record>) {
    let mut broken: Vec<String> = Vec::new();
    for issue in issues.iter().filter(|i| i.severity() == Severity::Error) {
        match form_of_issue(plan, read, issue) {
            None => {
                records.clear();
                return;
            }
            Some(form) if !broken.contains(&form) => broken.push(form),
            Some(_) => {}
        }
    }
    if !broken.is_empty() {
        records.retain(|r| !broken.iter().any(|f| **f == *r.form));
    }
}

/// Each file's outcome, the records of the forms counted from it, and every issue, in file order.
fn file_outcomes(
    reads: &[FileRead],
    checks: Vec<FileCheck>,
    choice: &Choice,
    counted: &FastSet<(&str, &str)>,
    units: &FastSet<&str>,
    receipts: Receipts<'_>,
) -> (Vec<FileOutcome>, Vec<Record>, Vec<Issue>) {
    let mut files = Vec::new();
    let mut issues = Vec::new();
    let mut records = Vec::with_capacity(checks.iter().map(|c| c.records.len()).sum());
    for (index, FileCheck { township, records: file_records, issues: file_issues }) in checks.into_iter().enumerate() {
        let read = &reads[index];
        let errors = file_issues.iter().filter(|i| i.severity() == Severity::Error).count();
        let warnings = file_issues.len() - errors;
        let used_forms: BTreeSet<&str> = choice
            .used_by_file
            .get(&index)
            .map(|forms| forms.iter().filter(|f| counted.contains(&(township.as_str(), f.as_str()))).map(String::as_str).collect())
            .unwrap_or_default();
        let status = if read.attachment {
            FileStatus::Attachment
        } else if township.is_empty() || !units.contains(township.as_str()) {
            FileStatus::UnknownTownship
        } else if choice.superseded.contains_key(&index) {
            FileStatus::Superseded
        } else if used_forms.is_empty() {
            FileStatus::Rejected
        } else if read.tables.iter().all(|t| used_forms.contains(t.form_id.as_str())) {
            FileStatus::Used
        } else {
            FileStatus::PartlyUsed
        };
        if matches!(status, FileStatus::Used | FileStatus::PartlyUsed) {
            records.extend(file_records.into_iter().filter(|r| used_forms.contains(&*r.form)));
        }
        let file = read.input.display.clone();
        let received = receipts.arrival(&file).cloned().or_else(|| read.modified().map(format_time)).unwrap_or_default();
        let late = receipts.late(&file) && status != FileStatus::Attachment;
        files.push(FileOutcome {
            file,
            sha256: read.sha256.clone(),
            bytes: read.bytes,
            received,
            township,
            status,
            errors,
            warnings,
            late,
        });
        issues.extend(file_issues);
    }
    (files, records, issues)
}

/// A department without a ledger of its own is still reported when the office's combined
/// ledger (区直部门) was counted and holds rows of its targets.
fn credit_combined_ledger(
    plan: &Plan,
    files: &[FileOutcome],
    records: &[Record],
    townships: &mut [TownshipOutcome],
    receipts: Receipts<'_>,
) {
    let combined: Option<String> = townships
        .iter()
        .find(|t| t.township == plan.combined_ledger() && t.status == SubmissionStatus::Reported)
        .and_then(|t| t.files.iter().find(|f| files.iter().any(|o| &o.file == *f && o.status != FileStatus::Superseded)).cloned());
    let Some(combined) = combined else { return };
    let combined_name = plan.combined_ledger();
    for outcome in townships.iter_mut().filter(|t| t.department && t.township != combined_name && t.status == SubmissionStatus::Missing) {
        let owns_a_row = records.iter().any(|r| {
            &*r.township == combined_name && plan.targets.iter().any(|t| t.id == r.key && plan.ledger_owner(t) == outcome.township.as_str())
        });
        if owns_a_row {
            outcome.status = SubmissionStatus::Reported;
            outcome.files = vec![combined.clone()];
            for form in &mut outcome.forms {
                form.status = SubmissionStatus::Reported;
                form.file = Some(combined.clone());
            }
            outcome.late = receipts.late(&combined);
        }
    }
}

/// Sort key for A1 cells: row, then column.
fn cell_order(cell: &str) -> (u32, usize, &str) {
    let letters = cell.bytes().take_while(u8::is_ascii_alphabetic).count();
    let row: u32 = cell[letters..].parse().unwrap_or(0);
    (row, letters, &cell[..letters])
}

/// A file time as `YYYY-MM-DD HH:MM:SS` in China Standard Time.
fn format_time(time: std::time::SystemTime) -> String {
    let datetime: chrono::DateTime<chrono::Utc> = time.into();
    let datetime = datetime.with_timezone(&crate::period::china_time());
    datetime.format("%Y-%m-%d %H:%M:%S").to_string()
}
