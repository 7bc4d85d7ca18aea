//! Stage 2: form tables → typed records and issues. Decides which township each file belongs to,
//! which file is used when a township sent two, applies every rule of SPEC ("What each input
//! gets"), and keeps only the records of townships whose files are free of errors.
//!
//! Pure: no I/O. Last month's values (for the cross-period rules) come in as `History`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;

use crate::ingest::{Cell, FileRead, FormTable, RowType};
use crate::issue::{Issue, Rule, Severity, a1};
use crate::period::Period;
use crate::plan::{ColumnKind, Form, Measure, Plan, Reporter, RowKind};
use crate::text::fmt;
use crate::text::{closest, normalise, normalise_cow, parse_number, parse_yes_no};
use crate::units;
use crate::{FastMap, FastSet};

pub use crate::plan::DEPARTMENTS;

/// A typed value of one cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Value {
    Missing,
    Number(f64),
    Text(String),
}

impl Value {
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// One accepted data row.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Shared by the table's records, as `file` and `sheet` are.
    pub township: Arc<str>,
    pub form: Arc<str>,
    /// 1-based sheet row.
    pub row: u32,
    /// Village or project name (canonical spelling for villages).
    pub key: String,
    /// One value per plan column, converted to the plan's unit.
    pub values: Vec<Value>,
    /// Unit of each number (the plan column's, or the row's for per-row units); shared, as most
    /// are the plan column's.
    pub units: Vec<Option<Arc<str>>>,
    /// 0-based sheet column of each value (`None` where the column was not in the file); see
    /// `cell`. Kept as numbers rather than A1 texts: a province-month has 100,000 records.
    pub columns: Arc<[Option<u16>]>,
    /// Input file, relative to the input folder (shared by the file's records).
    pub file: Arc<str>,
    /// Sheet name in the file (shared by the table's records).
    pub sheet: Arc<str>,
}

impl Record {
    /// A1 cell of value `ci` ("" where the column was not in the file).
    pub fn cell(&self, ci: usize) -> String {
        let mut out = String::new();
        self.push_cell(&mut out, ci);
        out
    }

    /// Append the A1 cell of value `ci` to `out` (nothing where the column was not in the file).
    pub fn push_cell(&self, out: &mut String, ci: usize) {
        if let Some(col) = self.columns.get(ci).copied().flatten() {
            crate::issue::push_a1(out, self.row as usize - 1, col as usize);
        }
    }

    /// A1 cell of every value.
    pub fn cells(&self) -> Vec<String> {
        (0..self.values.len()).map(|ci| self.cell(ci)).collect()
    }
}

/// Last month's values of one record: (column id, number).
pub type RecordValues = Vec<(Arc<str>, f64)>;

/// Last month's values of one township: form → record key → (column, number). Keyed this way
/// (rather than by a `(form, key, column)` triple of strings) because at province scale last
/// month has about a million values: each record's key is kept once, column ids are shared
/// across the whole history, and a record's values are looked up once per record.
#[derive(Debug, Clone, Default)]
pub struct TownshipHistory {
    forms: FastMap<Box<str>, FastMap<Box<str>, RecordValues>>,
}

impl TownshipHistory {
    /// Last month's values of one record (village or project) of a form, by column id.
    pub fn record(&self, form: &str, key: &str) -> Option<&[(Arc<str>, f64)]> {
        self.forms.get(form)?.get(key).map(Vec::as_slice)
    }
}

/// Last month's values, by township. `period` is `None` when the store has no previous month.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub period: Option<Period>,
    townships: FastMap<Box<str>, TownshipHistory>,
    /// Column ids, shared by every record that has them.
    columns: FastSet<Arc<str>>,
}

impl History {
    /// An empty history of last month's values (`period`: the month they are of).
    pub fn of(period: Period) -> History {
        History { period: Some(period), ..History::default() }
    }

    /// Remember one value of last month; a later value of the same cell replaces it.
    pub fn insert(&mut self, township: &str, form: &str, key: &str, column: &str, value: f64) {
        self.insert_record(township, form, key, [(column, value)]);
    }

    /// Remember values of one record of last month (looked up once for all its columns).
    pub fn insert_record<'c>(&mut self, township: &str, form: &str, key: &str, values: impl IntoIterator<Item = (&'c str, f64)>) {
        let mut values = values.into_iter().peekable();
        if values.peek().is_none() {
            return;
        }
        let columns = &mut self.columns;
        let mut shared = |column: &str| match columns.get(column) {
            Some(shared) => shared.clone(),
            None => {
                let shared: Arc<str> = Arc::from(column);
                columns.insert(shared.clone());
                shared
            }
        };
        let per_township = match self.townships.get_mut(township) {
            Some(t) => t,
            None => self.townships.entry(township.into()).or_default(),
        };
        let per_form = match per_township.forms.get_mut(form) {
            Some(f) => f,
            None => per_township.forms.entry(form.into()).or_default(),
        };
        let record = match per_form.get_mut(key) {
            Some(v) => v,
            None => per_form.entry(key.into()).or_default(),
        };
        if record.is_empty() {
            record.reserve_exact(values.size_hint().0);
        }
        for (column, value) in values {
            match record.iter_mut().find(|(c, _)| **c == *column) {
                Some(slot) => slot.1 = value,
                None => record.push((shared(column), value)),
            }
        }
    }

    /// Last month's values of one township.
    pub fn township(&self, name: &str) -> Option<&TownshipHistory> {
        self.townships.get(name)
    }

    /// The shared id of a column that has values in last month's records: every record's
    /// `(column, number)` pairs hold this very `Arc`, so a column is found in them by pointer.
    pub fn column(&self, id: &str) -> Option<&Arc<str>> {
        self.columns.get(id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Files present and free of errors: counted.
    Reported,
    /// Files present but with errors: not counted.
    Rejected,
    /// No file for the period.
    Missing,
}

impl SubmissionStatus {
    pub fn label(self) -> &'static str {
        match self {
            SubmissionStatus::Reported => "已报送",
            SubmissionStatus::Rejected => "数据有误",
            SubmissionStatus::Missing => "未报送",
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
    /// Modification time as `YYYY-MM-DD HH:MM:SS` in China Standard Time (whatever the machine's zone).
    pub received: String,
    pub township: String,
    pub status: FileStatus,
    pub errors: usize,
    pub warnings: usize,
    /// Arrived after the plan's submission deadline (set by `run`, which knows arrivals).
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
    /// A file it is counted from arrived after the submission deadline (迟报; set by `run`).
    pub late: bool,
}

#[derive(Debug, Clone)]
pub struct Validated {
    pub period: Period,
    pub files: Vec<FileOutcome>,
    pub townships: Vec<TownshipOutcome>,
    /// Records of the townships counted (and of department ledgers without errors).
    pub records: Vec<Record>,
    pub issues: Vec<Issue>,
    /// Whether last month's values were available for the cross-period rules.
    pub history_checked: bool,
}

impl Validated {
    pub fn error_count(&self) -> usize {
        self.issues.iter().filter(|i| i.severity() == Severity::Error).count()
    }

    pub fn warning_count(&self) -> usize {
        self.issues.iter().filter(|i| i.severity() == Severity::Warning).count()
    }

    /// Townships (not departments) with this overall status.
    pub fn count(&self, status: SubmissionStatus) -> usize {
        self.townships.iter().filter(|t| !t.department && t.status == status).count()
    }

    /// Departments (and the combined ledger) with this status.
    pub fn department_count(&self, status: SubmissionStatus) -> usize {
        self.townships.iter().filter(|t| t.department && t.status == status).count()
    }

    /// The townships (`departments` false) or the departments with a ledger of their own (true;
    /// the combined 区直部门 ledger is neither), in plan order.
    pub fn units_of_kind(&self, departments: bool) -> Vec<&TownshipOutcome> {
        self.townships.iter().filter(|t| t.department == departments && t.township != DEPARTMENTS).collect()
    }
}

/// Validate the files of one period.
pub fn validate(plan: &Plan, period: Period, reads: &[FileRead], history: &History) -> Validated {
    let unit_names = UnitNames::new(plan);
    let mut issues: Vec<Issue> = Vec::new();
    let form_rules: Vec<FormRules> = plan.forms.iter().map(|form| FormRules::new(form, history)).collect();
    // Each unit's villages, by name (a linear search of 2,000 units for each of 8,000 tables
    // otherwise); they are normalised by the file that needs them, in parallel.
    let mut unit_villages: FastMap<&str, &[String]> = FastMap::default();
    for unit in &plan.units {
        // As `Plan::unit`: the first unit of a name.
        unit_villages.entry(unit.name.as_str()).or_insert(unit.villages.as_slice());
    }
    // Each file on its own, in parallel: (index, township, records, issues), in file order.
    let mut per_file: Vec<(usize, String, Vec<Record>, Vec<Issue>)> = reads
        .par_iter()
        .enumerate()
        .map(|(index, read)| {
            let mut file_issues = read.issues.clone();
            let township = if read.attachment {
                // An attachment belongs to the unit its name names, if any; it is never an issue.
                if read.input.department {
                    Some(identify_department(plan, read)).filter(|d| d != DEPARTMENTS)
                } else {
                    unit_names.resolve(&read.stem()).map(str::to_string)
                }
            } else if read.input.department {
                Some(identify_department(plan, read))
            } else {
                identify_township(plan, &unit_names, read, &mut file_issues)
            };
            if !read.attachment {
                check_period(read, period, &mut file_issues);
            }
            let mut records = Vec::with_capacity(read.tables.iter().map(|t| t.rows.len()).sum());
            if let Some(township) = &township
                && read.unreadable.is_none()
            {
                let previous = history.township(township);
                let names: Vec<&str> = unit_villages.get(township.as_str()).map_or(Vec::new(), |v| v.iter().map(String::as_str).collect());
                let normalised: Vec<String> = names.iter().map(|v| normalise(v)).collect();
                let shared_township: Arc<str> = Arc::from(township.as_str());
                for table in &read.tables {
                    let at = plan.forms.iter().position(|f| f.id == table.form_id).expect("tables come from plan forms");
                    let (form, rules) = (&plan.forms[at], &form_rules[at]);
                    let fixed_units = fixed_units(form, table);
                    let villages = (names.as_slice(), normalised.as_slice());
                    let check = TableCheck {
                        plan,
                        form,
                        rules,
                        villages,
                        table,
                        file: &read.input.display,
                        township: &shared_township,
                        period,
                        previous,
                        fixed_units,
                    };
                    check.run(&mut records, &mut file_issues);
                }
            }
            let name = township.clone().unwrap_or_default();
            cap_issues(&mut file_issues, MAX_ISSUES_PER_RULE);
            for issue in &mut file_issues {
                issue.township = name.clone();
            }
            (index, name, records, file_issues)
        })
        .collect();

    // Which file is used for each (township, form): the newest by modification time.
    let newer = |a: usize, b: usize| (reads[a].modified, &reads[a].input.display) > (reads[b].modified, &reads[b].input.display);
    let township_of: Vec<String> = per_file.iter().map(|(_, township, _, _)| township.clone()).collect();
    let mut chosen: FastMap<(&str, &str), usize> = FastMap::default();
    for (index, township) in township_of.iter().enumerate() {
        if township.is_empty() {
            continue;
        }
        for table in &reads[index].tables {
            let key = (township.as_str(), table.form_id.as_str());
            match chosen.get(&key) {
                Some(&current) if !newer(index, current) => {}
                _ => {
                    chosen.insert(key, index);
                }
            }
        }
    }
    let used_by_file: BTreeMap<usize, BTreeSet<String>> = chosen.iter().fold(BTreeMap::new(), |mut acc, ((_, form), i)| {
        acc.entry(*i).or_default().insert(form.to_string());
        acc
    });

    // A file of which no form is used, while newer files of its township are, is superseded by
    // them: all its forms came again later, or it could not be read at all and was re-sent.
    let newer_used = |index: usize| -> Vec<usize> {
        if township_of[index].is_empty() || used_by_file.contains_key(&index) || reads[index].attachment {
            return Vec::new();
        }
        used_by_file.keys().copied().filter(|&u| township_of[u] == township_of[index] && newer(u, index)).collect()
    };
    let superseded: BTreeSet<usize> = (0..per_file.len()).filter(|&i| !newer_used(i).is_empty()).collect();

    let mut files = Vec::new();
    let mut township_files: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, township, _, file_issues) in per_file.iter_mut() {
        let read = &reads[*index];
        if superseded.contains(index) {
            let mut newer_files: Vec<String> = newer_used(*index).into_iter().map(|i| reads[i].input.display.clone()).collect();
            newer_files.sort();
            let newer = newer_files.join("”、“");
            file_issues.push(
                Issue::new(
                    Rule::SupersededFile,
                    read.input.display.clone(),
                    format!("{township}本月报送了多个文件，采用较新的“{newer}”，本文件未采用"),
                )
                .of(township.clone()),
            );
        } else if !township.is_empty() {
            township_files.entry(township.clone()).or_default().push(*index);
        }
    }

    // Unit outcomes, form by form: an error rejects the form it is in (a file-level error, every
    // form of its file), never the unit's other forms.
    let file_level = |rule: Rule| matches!(rule, Rule::Unreadable | Rule::TownshipMismatch | Rule::PeriodMismatch | Rule::UnknownTownship);
    let form_of_issue = |read: &FileRead, issue: &Issue| -> Option<String> {
        if issue.sheet.is_empty() || file_level(issue.rule) {
            return None;
        }
        read.tables
            .iter()
            .find(|t| t.sheet == issue.sheet)
            .map(|t| t.form_id.clone())
            .or_else(|| plan.forms.iter().find(|f| f.sheet == issue.sheet).map(|f| f.id.clone()))
    };
    let departments = plan.department_names();
    let mut names: Vec<String> = plan.units.iter().map(|u| u.name.clone()).collect();
    names.extend(departments.names().iter().cloned());
    if plan.has_ledger() && township_files.contains_key(DEPARTMENTS) {
        names.push(DEPARTMENTS.to_string());
    }
    let mut townships = Vec::new();
    // (unit, form) counted this month.
    let mut counted: FastSet<(&str, &str)> = FastSet::default();
    // `per_file` is in file order: a file's entry is at its index (looked up, not searched, for
    // each of a province's 2,000 units).
    debug_assert!(per_file.iter().enumerate().all(|(at, (i, _, _, _))| at == *i));
    for name in &names {
        let department = departments.contains(name);
        let reporter = if department { Reporter::Department } else { Reporter::Township };
        let unit_forms: Vec<&Form> = plan.forms.iter().filter(|f| f.reporter == reporter).collect();
        let indices = township_files.get(name).cloned().unwrap_or_default();
        if indices.is_empty() {
            townships.push(TownshipOutcome {
                township: name.clone(),
                department,
                status: SubmissionStatus::Missing,
                files: vec![],
                errors: 0,
                warnings: 0,
                forms: unit_forms
                    .iter()
                    .map(|f| FormOutcome { form: f.id.clone(), status: SubmissionStatus::Missing, file: None, errors: 0 })
                    .collect(),
                late: false,
            });
            continue;
        }
        let newest = *indices.iter().max_by_key(|i| (reads[**i].modified, reads[**i].input.display.clone())).expect("non-empty");
        let supplied: BTreeSet<&str> = indices.iter().flat_map(|i| reads[*i].tables.iter().map(|t| t.form_id.as_str())).collect();
        let any_readable = indices.iter().any(|i| reads[*i].unreadable.is_none());
        if any_readable && reporter == Reporter::Township {
            for form in unit_forms.iter().filter(|f| !supplied.contains(f.id.as_str())) {
                let already = per_file[newest].3.iter().any(|x| x.rule == Rule::MissingSheet && x.sheet == form.sheet);
                if !already && let Some(entry) = per_file.get_mut(newest) {
                    entry.3.push(
                        Issue::new(
                            Rule::MissingSheet,
                            reads[newest].input.display.clone(),
                            format!("{name}本月缺少{}“{}”，请补报（其他报表照常采用）", form.id, form.sheet),
                        )
                        .at(form.sheet.clone(), String::new())
                        .of(name.clone()),
                    );
                }
            }
        }
        // `indices` is in file order, as `per_file` is.
        let file_issues: Vec<&Issue> = indices.iter().flat_map(|&i| per_file[i].3.iter()).collect();
        let errors = file_issues.iter().filter(|i| i.severity() == Severity::Error).count();
        let warnings = file_issues.len() - errors;
        let file_errors =
            indices.iter().any(|&i| per_file[i].3.iter().any(|x| x.severity() == Severity::Error && form_of_issue(&reads[i], x).is_none()));
        let mut forms = Vec::new();
        for form in &unit_forms {
            let Some(&file) = chosen.get(&(name.as_str(), form.id.as_str())) else {
                // No file supplied the form: missing, or (when a file of the unit could not be
                // read at all) rejected with that file.
                let status = if file_errors { SubmissionStatus::Rejected } else { SubmissionStatus::Missing };
                forms.push(FormOutcome { form: form.id.clone(), status, file: None, errors: 0 });
                continue;
            };
            let form_errors = per_file[file]
                .3
                .iter()
                .filter(|x| x.severity() == Severity::Error)
                .filter(|x| form_of_issue(&reads[file], x).is_none_or(|f| f == form.id))
                .count();
            // A newer file of the unit that could not be read is its latest word on every form:
            // the older file's figures are not used in its place.
            let broken_since = indices.iter().any(|&i| reads[i].unreadable.is_some() && newer(i, file));
            let status = if form_errors > 0 || broken_since { SubmissionStatus::Rejected } else { SubmissionStatus::Reported };
            if status == SubmissionStatus::Reported {
                counted.insert((name.as_str(), form.id.as_str()));
            }
            forms.push(FormOutcome { form: form.id.clone(), status, file: Some(reads[file].input.display.clone()), errors: form_errors });
        }
        let status = if forms.iter().all(|f| f.status == SubmissionStatus::Reported) {
            SubmissionStatus::Reported
        } else {
            SubmissionStatus::Rejected
        };
        townships.push(TownshipOutcome {
            township: name.clone(),
            department,
            status,
            files: indices.iter().map(|i| reads[*i].input.display.clone()).collect(),
            errors,
            warnings,
            forms,
            late: false,
        });
    }

    let name_set: FastSet<&str> = names.iter().map(String::as_str).collect();
    let mut records = Vec::with_capacity(per_file.iter().map(|(_, _, r, _)| r.len()).sum());
    for (index, township, file_records, file_issues) in per_file {
        let read = &reads[index];
        let errors = file_issues.iter().filter(|i| i.severity() == Severity::Error).count();
        let warnings = file_issues.len() - errors;
        let used_forms: BTreeSet<&str> = used_by_file
            .get(&index)
            .map(|forms| forms.iter().filter(|f| counted.contains(&(township.as_str(), f.as_str()))).map(String::as_str).collect())
            .unwrap_or_default();
        let status = if read.attachment {
            FileStatus::Attachment
        } else if township.is_empty() || !name_set.contains(township.as_str()) {
            FileStatus::UnknownTownship
        } else if superseded.contains(&index) {
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
        files.push(FileOutcome {
            file: read.input.display.clone(),
            sha256: read.sha256.clone(),
            bytes: read.bytes,
            received: read.modified.map(format_time).unwrap_or_default(),
            township,
            status,
            errors,
            warnings,
            late: false,
        });
        issues.extend(file_issues);
    }

    // A department without a ledger of its own is still reported when the office's combined
    // ledger (区直部门) was counted and holds rows of its targets.
    let combined: Option<String> = townships
        .iter()
        .find(|t| t.township == DEPARTMENTS && t.status == SubmissionStatus::Reported)
        .and_then(|t| t.files.iter().find(|f| files.iter().any(|o| &o.file == *f && o.status != FileStatus::Superseded)).cloned());
    if let Some(combined) = combined {
        for outcome in townships.iter_mut().filter(|t| t.department && t.township != DEPARTMENTS && t.status == SubmissionStatus::Missing) {
            let owns_a_row = records.iter().any(|r| {
                &*r.township == DEPARTMENTS
                    && plan.targets.iter().any(|t| t.id == r.key && plan.ledger_owner(t) == outcome.township.as_str())
            });
            if owns_a_row {
                outcome.status = SubmissionStatus::Reported;
                outcome.files = vec![combined.clone()];
                for form in &mut outcome.forms {
                    form.status = SubmissionStatus::Reported;
                    form.file = Some(combined.clone());
                }
            }
        }
    }
    issues.sort_by(|a, b| (&a.file, &a.sheet, cell_order(&a.cell), a.rule).cmp(&(&b.file, &b.sheet, cell_order(&b.cell), b.rule)));
    Validated { period, files, townships, records, issues, history_checked: history.period.is_some() }
}

/// At most this many issues of one rule are listed for one file; the rest are counted in one
/// summary issue, so that one broken file cannot flood the reports (or Excel's row limit).
pub const MAX_ISSUES_PER_RULE: usize = 200;

/// Keep the first `max` issues of each rule (in file order), and one summary issue per rule for
/// the rest.
fn cap_issues(issues: &mut Vec<Issue>, max: usize) {
    let mut counts: HashMap<Rule, usize> = HashMap::new();
    let mut dropped: BTreeMap<Rule, (usize, Issue)> = BTreeMap::new();
    issues.retain(|issue| {
        let n = counts.entry(issue.rule).or_default();
        *n += 1;
        if *n <= max {
            return true;
        }
        dropped.entry(issue.rule).or_insert_with(|| (0, issue.clone())).0 += 1;
        false
    });
    for (rule, (count, first)) in dropped {
        let message =
            format!("本文件另有 {count} 处“{}”问题未逐条列出（已列出前 {max} 处），请按已列出的问题一并改正后重新报送", rule.name());
        issues.push(Issue::new(rule, first.file, message).at(first.sheet, "").value(count.to_string()).of(first.township));
    }
}

/// Sort key for A1 cells: row, then column.
fn cell_order(cell: &str) -> (u32, usize, &str) {
    let letters = cell.bytes().take_while(u8::is_ascii_alphabetic).count();
    let row: u32 = cell[letters..].parse().unwrap_or(0);
    (row, letters, &cell[..letters])
}

fn format_time(time: std::time::SystemTime) -> String {
    let datetime: chrono::DateTime<chrono::Utc> = time.into();
    let datetime = datetime.with_timezone(&crate::period::china_time());
    datetime.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The reporting units' names and aliases, normalised once per validation. A text names the
/// units whose name or alias it contains; each substring of the (short) text is looked up, rather
/// than every unit's names normalised and searched for every file, which grows with the square
/// of the number of townships.
struct UnitNames<'p> {
    units: &'p [crate::plan::ReportingUnit],
    /// Every normalised name and alias, searched for at once (aho-corasick, overlapping).
    search: aho_corasick::AhoCorasick,
    /// The units each pattern of `search` names.
    units_of: Vec<Vec<usize>>,
    /// Units with an empty name or alias: contained in every text.
    always: Vec<usize>,
}

impl<'p> UnitNames<'p> {
    fn new(plan: &'p Plan) -> UnitNames<'p> {
        let mut patterns: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut units_of: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, unit) in plan.units.iter().enumerate() {
            for name in std::iter::once(&unit.name).chain(&unit.aliases) {
                let n = normalise(name);
                if n.is_empty() {
                    always.push(i);
                    continue;
                }
                let at = *index.entry(n.clone()).or_insert_with(|| {
                    patterns.push(n);
                    units_of.push(Vec::new());
                    patterns.len() - 1
                });
                if !units_of[at].contains(&i) {
                    units_of[at].push(i);
                }
            }
        }
        let search = aho_corasick::AhoCorasick::new(&patterns).expect("unit names make a valid automaton");
        UnitNames { units: &plan.units, search, units_of, always }
    }

    /// The reporting unit a text names: exact, alias, or containing the unit's name; of several,
    /// the one with the longest name (the last in plan order among equals).
    fn resolve(&self, text: &str) -> Option<&'p str> {
        let n = normalise(text);
        if n.is_empty() {
            return None;
        }
        let mut found: Vec<usize> = self.always.clone();
        for m in self.search.find_overlapping_iter(&n) {
            found.extend(&self.units_of[m.pattern().as_usize()]);
        }
        found.into_iter().max_by_key(|&i| (self.units[i].name.chars().count(), i)).map(|i| self.units[i].name.as_str())
    }
}

/// Township from the file name and the 填报单位 lines; a disagreement is an error, a name that
/// is no reporting unit a warning with the closest name suggested.
fn identify_township(plan: &Plan, names: &UnitNames<'_>, read: &FileRead, issues: &mut Vec<Issue>) -> Option<String> {
    let stem = read.stem();
    let from_name = names.resolve(&stem);
    let mut resolved = from_name.map(|n| (n, "文件名".to_string(), String::new(), String::new()));
    for claim in &read.claims.townships {
        match (names.resolve(&claim.text), &resolved) {
            (Some(unit), Some((first, source, _, _))) if unit != *first => issues.push(
                Issue::new(
                    Rule::TownshipMismatch,
                    read.input.display.clone(),
                    format!("填报单位写的是“{}”，但{}表明是“{}”，请核对后改正", claim.text, source, first),
                )
                .at(claim.sheet.clone(), claim.cell.clone())
                .value(claim.text.clone()),
            ),
            (Some(unit), None) => {
                resolved = Some((unit, format!("{}!{}", claim.sheet, claim.cell), claim.sheet.clone(), claim.cell.clone()))
            }
            _ => {}
        }
    }
    if let Some((unit, _, _, _)) = resolved {
        return Some(unit.to_string());
    }
    let names: Vec<&str> = plan.units.iter().map(|u| u.name.as_str()).collect();
    let guess_text = read
        .claims
        .townships
        .first()
        .map(|c| c.text.clone())
        .unwrap_or_else(|| stem.split(['_', '-', ' ']).next().unwrap_or("").to_string());
    let suggestion = closest(&guess_text, names.iter().copied())
        .map(|s| format!("，是否为“{s}”？请按“{s}_{}”命名文件并填写填报单位", "YYYY年MM月"))
        .unwrap_or_else(|| format!("。本方案的填报单位为：{}", names.join("、")));
    let (sheet, cell) = read.claims.townships.first().map(|c| (c.sheet.clone(), c.cell.clone())).unwrap_or_default();
    issues.push(
        Issue::new(
            Rule::UnknownTownship,
            read.input.display.clone(),
            format!("无法确定文件属于哪个镇（街道）：“{guess_text}”不是本区填报单位{suggestion}"),
        )
        .at(sheet, cell)
        .value(guess_text.clone()),
    );
    None
}

/// The department a ledger file under `部门/` is from: the department its 填报单位 line or its
/// file name names (in full, `区民政局`, or without the district's `区`, `民政局`); of several, the
/// longest name. A file that names none is the office's combined ledger (`区直部门`).
fn identify_department(plan: &Plan, read: &FileRead) -> String {
    let departments = plan.departments();
    let names_in = |text: &str| -> Option<&String> {
        let text = normalise(text);
        departments
            .iter()
            .filter(|d| {
                let full = normalise(d);
                let short = full.strip_prefix('区').filter(|s| s.chars().count() >= 2).unwrap_or(&full);
                text.contains(&full) || text.contains(short)
            })
            .max_by_key(|d| d.chars().count())
    };
    read.claims
        .townships
        .iter()
        .find_map(|claim| names_in(&claim.text))
        .or_else(|| names_in(&read.stem()))
        .cloned()
        .unwrap_or_else(|| DEPARTMENTS.to_string())
}

/// The period in the file name and the 填报月份 lines must be the folder's.
fn check_period(read: &FileRead, period: Period, issues: &mut Vec<Issue>) {
    let stem = read.stem();
    if let Some(found) = Period::parse_in_name(&stem)
        && found != period
    {
        issues.push(
            Issue::new(
                Rule::PeriodMismatch,
                read.input.display.clone(),
                format!("文件名中的月份是{}，但文件放在{}的文件夹中，请核对报送月份", found.label(), period.label()),
            )
            .value(stem.clone()),
        );
    }
    for claim in &read.claims.periods {
        match claimed_period(&claim.text) {
            Some(found) if found != period => issues.push(
                Issue::new(
                    Rule::PeriodMismatch,
                    read.input.display.clone(),
                    format!("填报月份写的是{}，但文件放在{}的文件夹中，请改正填报月份或放入正确的文件夹", found.label(), period.label()),
                )
                .at(claim.sheet.clone(), claim.cell.clone())
                .value(claim.text.clone()),
            ),
            _ => {}
        }
    }
}

/// The period a 填报月份 text states. A year-to-date range (`2024年1-3月`, `2024年1至3月`), as
/// cumulative reports are often labelled, means its last month.
pub fn claimed_period(text: &str) -> Option<Period> {
    let n = normalise(text);
    if let Some((before, _)) = n.split_once('月')
        && let Some((from, to)) = before.rsplit_once(['-', '—', '–', '~', '至', '到'])
        && let Some((year, _)) = from.split_once('年')
    {
        return Period::parse(&format!("{year}年{to}月"));
    }
    Period::parse(&n)
}

/// What checking a form's rows needs from the plan, worked out once per run rather than once
/// per row or cell (a province month checks 2,000 files of four forms).
struct FormRules {
    /// The form's id, shared by its records.
    id: Arc<str>,
    /// For each column: the column holding its per-row unit (计量单位), if any.
    row_unit: Vec<Option<usize>>,
    /// The first column whose categories set the unit (项目类别): its index and its categories'
    /// units, in the plan's order.
    category_units: Option<(usize, Vec<CategoryUnit>)>,
    /// For each column: its categories normalised.
    categories: Vec<Vec<String>>,
    /// For each column: the column its `required_if` looks at.
    required_if: Vec<Option<usize>>,
    /// For each column: the columns it is `part_of` and `not_above`.
    limits: Vec<[Option<usize>; 2]>,
    /// For each column: its id as last month's records share it (`History::column`), if any
    /// record of last month has it.
    history_ids: Vec<Option<Arc<str>>>,
}

/// A category that sets the unit of a row's numbers (`Column::category_units`).
struct CategoryUnit {
    normalised: String,
    category: String,
    unit: String,
}

impl FormRules {
    fn new(form: &Form, history: &History) -> FormRules {
        let index_of = |id: &str| form.columns.iter().position(|c| c.id == id);
        let row_unit = form.columns.iter().map(|column| form.columns.iter().position(|c| c.unit_of.contains(&column.id))).collect();
        let category_units = form.columns.iter().enumerate().find(|(_, c)| !c.category_units.is_empty()).map(|(i, c)| {
            let units =
                c.category_units.iter().map(|(k, u)| CategoryUnit { normalised: normalise(k), category: k.clone(), unit: u.clone() });
            (i, units.collect())
        });
        let categories = form.columns.iter().map(|c| c.categories.iter().map(|k| normalise(k)).collect()).collect();
        let required_if = form.columns.iter().map(|c| c.required_if.as_ref().and_then(|f| index_of(&f.column))).collect();
        // The plan's own check makes every `part_of` and `not_above` a column of the form.
        let limit = |id: Option<&str>| id.map(|id| index_of(id).expect("checked by plan"));
        let limits = form.columns.iter().map(|c| [limit(c.part_of.as_deref()), limit(c.not_above.as_deref())]).collect();
        let history_ids = form.columns.iter().map(|c| history.column(&c.id).cloned()).collect();
        FormRules { id: Arc::from(form.id.as_str()), row_unit, category_units, categories, required_if, limits, history_ids }
    }
}

/// The rules for one form table of one file.
struct TableCheck<'a> {
    plan: &'a Plan,
    form: &'a Form,
    rules: &'a FormRules,
    /// The unit's villages and their normalised names (empty for a department).
    villages: (&'a [&'a str], &'a [String]),
    table: &'a FormTable,
    file: &'a str,
    township: &'a Arc<str>,
    period: Period,
    previous: Option<&'a TownshipHistory>,
    /// For each column without a per-row unit: the factor from the unit its header states to the
    /// plan's, and the plan's unit (the same for every row of the table).
    fixed_units: Vec<UnitFactor>,
}

/// The units a row's 计量单位 columns give (each column, and the factor and unit found), each
/// worked out for the row's first number in that unit.
#[derive(Default)]
struct PerRowUnits(Vec<(usize, UnitFactor)>);

/// The factor from the unit a number is given in to the plan's, and the unit stored with it.
type UnitFactor = (f64, Option<Arc<str>>);

/// The unit factor of each column of a table whose unit is not given per row (see `TableCheck`).
fn fixed_units(form: &Form, table: &FormTable) -> Vec<UnitFactor> {
    form.columns
        .iter()
        .zip(&table.columns)
        .map(|(column, found)| {
            let plan_unit = column.unit.as_deref().map(Arc::from);
            match (found.as_ref().and_then(|m| m.unit.as_deref()), column.unit.as_deref()) {
                (Some(found), Some(unit)) => (units::factor(found, unit).unwrap_or(1.0), plan_unit),
                _ => (1.0, plan_unit),
            }
        })
        .collect()
}

impl TableCheck<'_> {
    fn issue(&self, rule: Rule, cell: String, value: String, message: String) -> Issue {
        Issue::new(rule, self.file.to_string(), message).at(self.table.sheet.clone(), cell).value(value).of(self.township.to_string())
    }

    fn cell_of(&self, row: usize, column: usize) -> String {
        self.table.columns[column].as_ref().map(|m| a1(row, m.index)).unwrap_or_default()
    }

    fn run(&self, records: &mut Vec<Record>, issues: &mut Vec<Issue>) {
        let form = self.form;
        let key_index = form.columns.iter().position(|c| c.kind == ColumnKind::Key).expect("one key column");
        // The row's explanation column (备注/说明), if the form has one.
        let note_index =
            form.columns.iter().position(|c| c.kind == ColumnKind::Text && ["备注", "说明", "进展说明"].contains(&c.name.as_str()));
        let (villages, _) = self.villages;
        let mut detail: Vec<Record> = Vec::new();
        let mut seen_keys: FastMap<String, u32> = FastMap::default();
        let file: Arc<str> = Arc::from(self.file);
        let sheet: Arc<str> = Arc::from(self.table.sheet.as_str());
        let column_units: Vec<Option<Arc<str>>> = form.columns.iter().map(|c| c.unit.as_deref().map(Arc::from)).collect();
        // Sheet columns fit in 16 bits (Excel has 16,384); a wider one is treated as absent.
        let columns: Arc<[Option<u16>]> = self.table.columns.iter().map(|m| m.as_ref().and_then(|m| u16::try_from(m.index).ok())).collect();
        for row in self.table.rows.iter().filter(|r| r.kind == RowType::Detail) {
            let mut values = Vec::with_capacity(form.columns.len());
            let mut row_units = Vec::with_capacity(form.columns.len());
            let mut per_row = PerRowUnits::default();
            for (ci, column_unit) in column_units.iter().enumerate() {
                let (value, unit) = self.typed(ci, &row.cells[ci], row, &mut per_row, issues);
                values.push(value);
                row_units.push(unit.or_else(|| column_unit.clone()));
            }
            let key = match &values[key_index] {
                Value::Text(t) => t.clone(),
                _ => {
                    issues.push(self.issue(
                        Rule::MissingKey,
                        self.cell_of(row.row, key_index),
                        String::new(),
                        format!("第 {} 行有数据但没有填写“{}”，请补上", row.row + 1, form.columns[key_index].name),
                    ));
                    continue;
                }
            };
            if let Some(&first) = seen_keys.get(&key) {
                // A village or project entered twice would count twice: only its first row is
                // counted, and the warning names both rows.
                let what = if form.row_kind == RowKind::Village { "村（社区）" } else { "项目" };
                let message = format!(
                    "{what}“{key}”在第 {first} 行和第 {} 行重复填报，汇总只计第 {first} 行，第 {} 行未计入；请删除重复行（如确为两个项目，请改用不同名称）",
                    row.row + 1,
                    row.row + 1
                );
                issues.push(self.issue(Rule::DuplicateRow, self.cell_of(row.row, key_index), key.clone(), message));
                continue;
            }
            seen_keys.insert(key.clone(), row.row as u32 + 1);
            let record = Record {
                township: self.township.clone(),
                form: self.rules.id.clone(),
                row: row.row as u32 + 1,
                key,
                values,
                units: row_units,
                columns: columns.clone(),
                file: file.clone(),
                sheet: sheet.clone(),
            };
            let before = issues.len();
            self.row_rules(&record, issues);
            self.history_rules(&record, issues);
            // A warning on a row whose 备注/说明 explains it is 已说明.
            if let Some(note) = note_index.and_then(|i| record.values[i].text()).map(str::trim).filter(|t| !t.is_empty()) {
                for issue in issues[before..].iter_mut().filter(|i| i.severity() == Severity::Warning) {
                    issue.explanation = note.to_string();
                }
            }
            detail.push(record);
        }
        self.total_rules(&detail, issues);
        if form.row_kind == RowKind::Village && !villages.is_empty() {
            let reported: FastSet<&str> = detail.iter().map(|r| r.key.as_str()).collect();
            let missing: Vec<&str> = villages.iter().copied().filter(|v| !reported.contains(v)).collect();
            if !missing.is_empty() {
                let header = self.table.columns[key_index].as_ref().map(|m| a1(self.table.header_row, m.index)).unwrap_or_default();
                issues.push(self.issue(
                    Rule::VillageNotReported,
                    header,
                    missing.join("、"),
                    format!("以下村（社区）没有填报：{}。请每个村（社区）填一行，没有数据的填 0", missing.join("、")),
                ));
            }
        }
        records.extend(detail);
    }

    /// Type one cell by its column kind; push issues for values that do not fit.
    fn typed(
        &self,
        ci: usize,
        cell: &Cell,
        row: &crate::ingest::TableRow,
        per_row: &mut PerRowUnits,
        issues: &mut Vec<Issue>,
    ) -> (Value, Option<Arc<str>>) {
        let column = &self.form.columns[ci];
        // The A1 cell and a number's text are needed only for an issue: not made for every cell.
        let at = || self.cell_of(row.row, ci);
        let numeric = matches!(cell, Cell::Number(_)) && column.kind == ColumnKind::Number;
        if cell.is_empty() {
            // A category that decides which totals a row enters, left blank, would drop
            // the row from every such total without a word: an error at its cell.
            let decides = || {
                self.plan
                    .indicators
                    .iter()
                    .any(|i| i.form.as_deref() == Some(self.form.id.as_str()) && i.filters.iter().any(|f| f.column == column.id))
            };
            if column.kind == ColumnKind::Category && self.table.columns[ci].is_some() && decides() {
                issues.push(self.issue(
                    Rule::BlankCategory,
                    at(),
                    String::new(),
                    format!("“{}”未填，无法确定本行计入哪项汇总，请填写（可选：{}）", column.name, column.categories.join("、")),
                ));
                return (Value::Missing, None);
            }
            // A column missing from the header is one E03 already, not a blank in every row.
            if column.required && column.kind == ColumnKind::Number && self.table.columns[ci].is_some() {
                issues.push(self.issue(
                    Rule::BlankValue,
                    at(),
                    String::new(),
                    format!("“{}”未填写，按空值处理；没有数据请填 0", column.header()),
                ));
            }
            return (Value::Missing, None);
        }
        // The cell's text, trimmed; borrowed from the cell where it holds text.
        let text: Cow<'_, str> = if numeric { Cow::Borrowed("") } else { cell.trimmed_text() };
        match column.kind {
            ColumnKind::Number => {
                if let Cell::Error(e) = cell
                    && let Some(formula) = e.strip_prefix(crate::ingest::read::FORMULA_WITHOUT_VALUE)
                {
                    issues.push(self.issue(
                        Rule::FormulaWithoutValue,
                        at(),
                        format!("={formula}"),
                        format!(
                            "“{}”是公式（={formula}），但文件中没有保存计算结果（可能由不计算公式的软件生成），不能按零计；请用 Excel 或 WPS 打开后保存再报送",
                            column.header()
                        ),
                    ));
                    return (Value::Missing, None);
                }
                let raw = match cell {
                    Cell::Number(n) => Ok(Some(*n)),
                    Cell::Bool(_) | Cell::Date(_) | Cell::Error(_) => Err(()),
                    _ => parse_number(&text),
                };
                let number = match raw {
                    Ok(Some(n)) => n,
                    Ok(None) => {
                        // A dash or slash for "nothing" in a required column: blank, and said so.
                        if column.required {
                            issues.push(self.issue(
                                Rule::BlankValue,
                                at(),
                                text.to_string(),
                                format!("“{}”填的是“{text}”，按空值处理；没有数据请填 0", column.header()),
                            ));
                        }
                        return (Value::Missing, None);
                    }
                    Err(()) => {
                        // A number followed by its unit (`1.1公里`, `120亩`, `3.5万亩`) is read in
                        // that unit and converted to the column's.
                        if let Some((number, cell_unit)) = units::split_number_unit(&text)
                            && number >= 0.0
                        {
                            let (_, target) = self.unit_factor(ci, row, per_row, issues);
                            match target.as_deref() {
                                None => return (Value::Number(number), Some(Arc::from(units::canonical(&cell_unit).as_str()))),
                                Some(unit) => {
                                    if let Some(f) = units::factor(&cell_unit, unit) {
                                        return (Value::Number(number * f), target);
                                    }
                                    issues.push(self.issue(
                                        Rule::NotANumber,
                                        at(),
                                        text.to_string(),
                                        format!(
                                            "“{}”以“{unit}”计，现为“{text}”，单位“{cell_unit}”无法换算，请改为以“{unit}”计的数字",
                                            column.header()
                                        ),
                                    ));
                                    return (Value::Missing, None);
                                }
                            }
                        }
                        issues.push(self.issue(
                            Rule::NotANumber,
                            at(),
                            text.to_string(),
                            format!("“{}”应填数字，现为“{text}”，请改为数字", column.header()),
                        ));
                        return (Value::Missing, None);
                    }
                };
                if number < 0.0 {
                    let text = if numeric { cell.text().trim().to_string() } else { text.into_owned() };
                    issues.push(self.issue(
                        Rule::Negative,
                        at(),
                        text.to_string(),
                        format!("“{}”不能为负数（{text}），请核实", column.header()),
                    ));
                    return (Value::Missing, None);
                }
                let (factor, unit) = self.unit_factor(ci, row, per_row, issues);
                (Value::Number(number * factor), unit)
            }
            ColumnKind::YesNo => match parse_yes_no(&text) {
                Some(yes) => (Value::Text(if yes { "是" } else { "否" }.into()), None),
                None => {
                    issues.push(self.issue(
                        Rule::InvalidChoice,
                        at(),
                        text.to_string(),
                        format!("“{}”只能填“是”或“否”，现为“{text}”", column.name),
                    ));
                    (Value::Missing, None)
                }
            },
            ColumnKind::Category | ColumnKind::Unit => {
                let n = normalise_cow(&text);
                let canonical = if column.kind == ColumnKind::Unit { Cow::Owned(units::canonical(&n)) } else { Cow::Borrowed(n.as_ref()) };
                let normalised = &self.rules.categories[ci];
                let exact = column.categories.iter().zip(normalised).find(|(_, k)| **k == *canonical).map(|(c, _)| c);
                // Only a text that is no category exactly is searched for the categories it holds.
                let contained: Vec<&String> = if exact.is_some() {
                    Vec::new()
                } else {
                    column.categories.iter().zip(normalised).filter(|(_, k)| n.contains(k.as_str())).map(|(c, _)| c).collect()
                };
                match (exact, contained.as_slice()) {
                    (Some(c), _) => (Value::Text(c.clone()), None),
                    (None, [c]) => (Value::Text((*c).clone()), None),
                    _ if column.kind == ColumnKind::Unit && units::is_known(&n) => (Value::Text(units::canonical(&n)), None),
                    _ => {
                        issues.push(self.issue(
                            Rule::InvalidChoice,
                            at(),
                            text.to_string(),
                            format!("“{}”只能填：{}；现为“{text}”", column.name, column.categories.join("、")),
                        ));
                        (Value::Missing, None)
                    }
                }
            }
            ColumnKind::Year => {
                let year = match cell {
                    Cell::Number(n) => Some(*n as i64),
                    _ => normalise(&text).trim_end_matches('年').trim_end_matches("年度").parse::<i64>().ok(),
                };
                match year {
                    Some(y) if (2000..=2100).contains(&y) => (Value::Text(y.to_string()), None),
                    _ => {
                        issues.push(self.issue(
                            Rule::InvalidChoice,
                            at(),
                            text.to_string(),
                            format!("“{}”应填4位年份（如2023），现为“{text}”", column.name),
                        ));
                        (Value::Missing, None)
                    }
                }
            }
            ColumnKind::Month => match parse_month(cell, self.period.year) {
                Some((y, m)) => (Value::Text(format!("{y}-{m:02}")), None),
                None => {
                    issues.push(self.issue(
                        Rule::BadDate,
                        at(),
                        text.to_string(),
                        format!("“{}”无法识别为月份（现为“{text}”），请写成 2024年9月 或 9月", column.name),
                    ));
                    (Value::Missing, None)
                }
            },
            ColumnKind::Date => match parse_date(cell) {
                Some(d) => (Value::Text(d.to_string()), None),
                None => {
                    issues.push(self.issue(
                        Rule::BadDate,
                        at(),
                        text.to_string(),
                        format!("“{}”无法识别为日期（现为“{text}”），请写成 2024-03-28", column.name),
                    ));
                    (Value::Text(text.into_owned()), None)
                }
            },
            ColumnKind::Key if self.form.row_kind == RowKind::Village => self.village(&text, &at, issues),
            ColumnKind::Village => self.village(&text, &at, issues),
            ColumnKind::Key | ColumnKind::Text => (Value::Text(text.into_owned()), None),
        }
    }

    /// A village name: the township's village it names, or an issue with the closest one.
    fn village(&self, text: &str, at: &dyn Fn() -> String, issues: &mut Vec<Issue>) -> (Value, Option<Arc<str>>) {
        let (villages, normalised) = self.villages;
        let n = normalise_cow(text);
        if let Some(i) = normalised.iter().position(|v| **v == *n) {
            return (Value::Text(villages[i].to_string()), None);
        }
        let hint = match closest(text, villages.iter().copied()) {
            Some(s) => format!("，是否为“{s}”？"),
            None => format!("。{}的村（社区）为：{}", self.township, villages.join("、")),
        };
        issues.push(self.issue(
            Rule::UnknownVillage,
            at(),
            text.to_string(),
            format!("“{text}”不是{}的村（社区）{hint}请按统计名录填写村名", self.township),
        ));
        (Value::Text(text.to_string()), None)
    }

    /// Factor from the unit the file uses for column `ci` to the plan's unit, and the unit stored.
    fn unit_factor(&self, ci: usize, row: &crate::ingest::TableRow, per_row: &mut PerRowUnits, issues: &mut Vec<Issue>) -> UnitFactor {
        // Per-row unit (计量单位 column) checked against the row's category: worked out once per
        // row for all the numbers it gives the unit of.
        if let Some(ui) = self.rules.row_unit[ci] {
            if let Some((_, found)) = per_row.0.iter().find(|(at, _)| *at == ui) {
                return found.clone();
            }
            let found = self.row_unit(ui, row, issues);
            per_row.0.push((ui, found.clone()));
            return found;
        }
        self.fixed_units[ci].clone()
    }

    /// The factor and unit of the numbers whose unit row `row` gives in column `ui`; a unit its
    /// category does not take is reported (once per row: this is asked once per row).
    fn row_unit(&self, ui: usize, row: &crate::ingest::TableRow, issues: &mut Vec<Issue>) -> UnitFactor {
        let row_unit = normalise(&row.cells[ui].text_cow());
        let expected = self.rules.category_units.as_ref().and_then(|(cat_i, units)| {
            let cell = row.cells[*cat_i].text_cow();
            let category = normalise_cow(&cell);
            units
                .iter()
                .find(|u| u.normalised == *category || category.contains(u.normalised.as_str()))
                .map(|u| (u.category.clone(), u.unit.clone()))
        });
        let (factor, unit) = match (expected, row_unit.is_empty()) {
            (Some((_, unit)), true) => (1.0, Some(unit)),
            (Some((category, unit)), false) => match units::factor(&row_unit, &unit) {
                Some(f) => (f, Some(unit)),
                None => {
                    let unit_cell = self.cell_of(row.row, ui);
                    issues.push(self.issue(
                        Rule::UnitMismatch,
                        unit_cell,
                        row_unit.clone(),
                        format!("项目类别“{category}”应以“{unit}”计量，本行填的是“{row_unit}”，请改正"),
                    ));
                    (1.0, Some(row_unit))
                }
            },
            (None, _) => (1.0, (!row_unit.is_empty()).then(|| units::canonical(&row_unit))),
        };
        (factor, unit.map(Arc::from))
    }

    fn row_rules(&self, record: &Record, issues: &mut Vec<Issue>) {
        for (ci, column) in self.form.columns.iter().enumerate() {
            // 完工日期 blank where 主体工程完工 = 是: the row cannot be judged on time.
            if let Some(filter) = &column.required_if
                && record.values[ci] == Value::Missing
                && let Some(fi) = self.rules.required_if[ci]
                && filter.passes(record.values[fi].text(), self.period)
            {
                let condition = filter.describe(&self.form.columns[fi].name);
                issues.push(self.issue(
                    Rule::ConditionalBlank,
                    record.cell(ci),
                    String::new(),
                    format!("{}：{condition}，应填“{}”，否则无法判断是否按期", record.key, column.name),
                ));
            }
        }
        for (ci, column) in self.form.columns.iter().enumerate() {
            let Some(value) = record.values[ci].number() else { continue };
            for (other, rule) in self.rules.limits[ci].iter().zip([Rule::PartAboveTotal, Rule::AboveLimit]) {
                let Some(oi) = *other else { continue };
                let Some(limit) = record.values[oi].number() else { continue };
                if value > limit + 1e-9 {
                    let message = match rule {
                        Rule::PartAboveTotal => format!(
                            "“{}”{}大于“{}”{}，其中项不能大于总项，请核实",
                            column.header(),
                            fmt(value),
                            self.form.columns[oi].header(),
                            fmt(limit)
                        ),
                        _ => format!(
                            "“{}”{}大于“{}”{}，请核实是否填错",
                            column.header(),
                            fmt(value),
                            self.form.columns[oi].header(),
                            fmt(limit)
                        ),
                    };
                    issues.push(self.issue(rule, record.cell(ci), fmt(value), format!("{}：{message}", record.key)));
                }
            }
        }
    }

    fn history_rules(&self, record: &Record, issues: &mut Vec<Issue>) {
        let Some(last_month) = self.previous.and_then(|p| p.record(&self.form.id, &record.key)) else { return };
        let thresholds = &self.plan.thresholds;
        for (ci, column) in self.form.columns.iter().enumerate() {
            let Some(value) = record.values[ci].number() else { continue };
            // Last month's column ids are shared (`History::column`): found by pointer.
            let Some(id) = &self.rules.history_ids[ci] else { continue };
            let Some(last) = last_month.iter().find(|(c, _)| Arc::ptr_eq(c, id)).map(|(_, v)| *v) else { continue };
            if column.measure == Measure::Ytd && self.period.month != 1 && value + 1e-9 < last {
                issues.push(self.issue(
                    Rule::BelowLastMonth,
                    record.cell(ci),
                    fmt(value),
                    format!("{}：“{}”为本年累计数，本月 {} 小于上月 {}，请核实", record.key, column.header(), fmt(value), fmt(last)),
                ));
            } else if column.measure == Measure::Stock {
                let change = value - last;
                if change.abs() > thresholds.jump_min_abs.max(thresholds.jump_ratio * last.abs()) {
                    issues.push(self.issue(
                        Rule::Jump,
                        record.cell(ci),
                        fmt(value),
                        format!(
                            "{}：“{}”本月 {}，上月 {}，变动 {:+.1}%，超过 {:.0}% 的预警线，请核实",
                            record.key,
                            column.header(),
                            fmt(value),
                            fmt(last),
                            if last != 0.0 { change / last * 100.0 } else { 100.0 },
                            thresholds.jump_ratio * 100.0
                        ),
                    ));
                }
            }
        }
    }

    fn total_rules(&self, detail: &[Record], issues: &mut Vec<Issue>) {
        let tolerance = self.plan.thresholds.total_tolerance;
        // A 小计 closes the detail rows since the previous 合计/小计 row; a 合计 (or a 小计 with no
        // rows above it) covers every detail row.
        let mut previous_total: Option<usize> = None;
        for total in self.table.rows.iter().filter(|r| r.kind == RowType::Total) {
            let is_subtotal = total.cells.iter().any(|c| matches!(c, Cell::Text(t) if normalise(t).ends_with("小计")));
            let since = previous_total.map_or(0, |r| r + 1);
            previous_total = Some(total.row);
            let closed: Vec<&Record> = detail.iter().filter(|r| (since..total.row).contains(&(r.row as usize - 1))).collect();
            let covered: Vec<&Record> = if is_subtotal && !closed.is_empty() { closed } else { detail.iter().collect() };
            for (ci, column) in self.form.columns.iter().enumerate() {
                if column.kind != ColumnKind::Number || self.form.columns.iter().any(|c| c.unit_of.contains(&column.id)) {
                    continue;
                }
                let found = match &total.cells[ci] {
                    Cell::Number(n) => Some(*n),
                    other => parse_number(&other.text()).ok().flatten(),
                };
                let Some(found) = found else { continue };
                let factor = self.table.columns[ci]
                    .as_ref()
                    .and_then(|m| m.unit.as_deref())
                    .zip(column.unit.as_deref())
                    .and_then(|(from, to)| units::factor(from, to))
                    .unwrap_or(1.0);
                let found = found * factor;
                let sum: f64 = covered.iter().filter_map(|r| r.values[ci].number()).sum();
                if (found - sum).abs() > tolerance * sum.abs().max(1.0) + 0.01 {
                    issues.push(self.issue(
                        Rule::TotalMismatch,
                        self.cell_of(total.row, ci),
                        fmt(found),
                        format!(
                            "合计行“{}”为 {}，明细各行之和为 {}（相差 {}），请核对；汇总以明细为准",
                            column.header(),
                            fmt(found),
                            fmt(sum),
                            fmt(found - sum)
                        ),
                    ));
                }
            }
        }
    }
}

/// The runs of ASCII digits in a text, as numbers: `2024年9月30日` → [2024, 9, 30].
fn digit_runs(text: &str) -> Vec<u32> {
    text.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
}

fn parse_date(cell: &Cell) -> Option<NaiveDate> {
    match cell {
        Cell::Date(d) => Some(*d),
        Cell::Number(n) => crate::ingest::read::excel_serial_to_date(*n),
        Cell::Text(t) => {
            let digits = digit_runs(t);
            match digits.as_slice() {
                [y, m, d] => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A month: `9月`, `2024年9月`, `2024-09`, `2024.9`, a date, or a bare 1–12 (of `year`).
fn parse_month(cell: &Cell, year: i32) -> Option<(i32, u32)> {
    let (y, m) = match cell {
        Cell::Date(d) => (d.year(), d.month()),
        Cell::Number(n) if (1.0..=12.0).contains(n) && n.fract() == 0.0 => (year, *n as u32),
        Cell::Number(n) => crate::ingest::read::excel_serial_to_date(*n).map(|d| (d.year(), d.month()))?,
        Cell::Text(t) => {
            let digits = digit_runs(t);
            match digits.as_slice() {
                [m] => (year, *m),
                [y, m] | [y, m, _] if *y >= 1000 => (*y as i32, *m),
                _ => return None,
            }
        }
        _ => return None,
    };
    ((1..=12).contains(&m) && (2000..=2100).contains(&y)).then_some((y, m))
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
