//! Stage 2: form tables → typed records and issues. Decides which unit each file belongs to
//! (`identify`), types and checks every row of every table (`rules`, `typing`), which file is
//! used when a unit sent two and what each unit's forms count as (`accept`), applying every rule
//! of SPEC ("What each input gets"), and keeps only the records of the forms counted.
//!
//! Pure: no I/O. Last month's values (for the cross-period rules) come in as `History`, the
//! files' arrivals as `Receipts`.

mod accept;
mod history;
mod identify;
mod records;
mod rules;
mod typing;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use crate::FastMap;
use crate::ingest::FileRead;
use crate::issue::{Issue, Rule, Severity};
use crate::period::Period;
use crate::plan::{Plan, Villages};
use crate::text::normalise;

pub use accept::{FileOutcome, FileStatus, FormOutcome, Receipts, SubmissionStatus, TownshipOutcome};
pub use history::{History, RecordValues, TownshipHistory};
pub use identify::claimed_period;
pub use records::{Record, Value};

use accept::FileCheck;
use identify::UnitNames;
use rules::{FormRules, TableCheck};

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
    /// The plan's combined department ledger (区直部门, 县直部门 …), a unit that is neither a
    /// township nor a department of its own.
    pub combined_ledger: String,
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
        self.townships.iter().filter(|t| t.department == departments && t.township != self.combined_ledger).collect()
    }

    /// The departments' ledgers as the bulletin counts them: only those due this month are
    /// 应报; one not due that sent its ledger anyway is counted (early), not 应报.
    pub fn department_counts(&self) -> DepartmentCounts<'_> {
        let departments = self.units_of_kind(true);
        let (due, not_due): (Vec<&TownshipOutcome>, Vec<&TownshipOutcome>) = departments.into_iter().partition(|t| t.due);
        let reported = due.iter().filter(|t| t.status == SubmissionStatus::Reported).count();
        let names = |status: SubmissionStatus| not_due.iter().filter(|t| t.status == status).map(|t| t.township.as_str()).collect();
        DepartmentCounts { due: due.len(), reported, not_due: names(SubmissionStatus::NotDue), early: names(SubmissionStatus::Reported) }
    }
}

/// `Validated::department_counts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentCounts<'a> {
    /// Departments whose ledger is due this month.
    pub due: usize,
    /// Of those, the ones whose ledger is counted (已报送).
    pub reported: usize,
    /// Departments not due this month that sent nothing.
    pub not_due: Vec<&'a str>,
    /// Departments not due this month whose ledger came all the same and is counted (one with
    /// errors is 数据有误, as any unit's).
    pub early: Vec<&'a str>,
}

impl DepartmentCounts<'_> {
    pub fn is_empty(&self) -> bool {
        self.due == 0 && self.not_due.is_empty() && self.early.is_empty()
    }
}

/// Validate the files of one period.
pub fn validate(plan: &Plan, period: Period, reads: &[FileRead], history: &History, receipts: Receipts<'_>) -> Validated {
    let files = PlanFiles::new(plan, history);
    // Each file on its own, in parallel, in file order.
    let checks: Vec<FileCheck> = reads.par_iter().map(|read| files.check(period, read, history)).collect();
    accepted(plan, period, reads, checks, receipts, history.period.is_some())
}

fn accepted(
    plan: &Plan,
    period: Period,
    reads: &[FileRead],
    checks: Vec<FileCheck>,
    receipts: Receipts<'_>,
    history_checked: bool,
) -> Validated {
    let accepted = accept::accept(plan, period.month, reads, checks, receipts);
    Validated {
        period,
        files: accepted.files,
        townships: accepted.townships,
        records: accepted.records,
        issues: accepted.issues,
        history_checked,
        combined_ledger: plan.combined_ledger().to_string(),
    }
}

/// `validate` in two steps, for a caller that frees each file's rows as soon as it is checked
/// (a month's files are not all held at once): `check` each file as it is read, in any order
/// and in parallel, then `accept` the month from the files and their checks, in file order.
pub struct FileChecker<'p> {
    files: PlanFiles<'p>,
    period: Period,
    history: History,
}

/// What checking one file gave (`FileChecker::check`), for `FileChecker::accept`.
pub struct FileChecked(FileCheck);

impl<'p> FileChecker<'p> {
    /// `history`: last month's values, which the checks compare with.
    pub fn new(plan: &'p Plan, period: Period, history: History) -> FileChecker<'p> {
        FileChecker { files: PlanFiles::new(plan, &history), period, history }
    }

    pub fn check(&self, read: &FileRead) -> FileChecked {
        FileChecked(self.files.check(self.period, read, &self.history))
    }

    /// The month's outcome from `reads` and their checks (both in file order); the history back,
    /// for the caller to free where it likes (a province's is a million small allocations).
    pub fn accept(self, reads: &[FileRead], checks: Vec<FileChecked>, receipts: Receipts<'_>) -> (Validated, History) {
        let checks = checks.into_iter().map(|c| c.0).collect();
        let validated = accepted(self.files.plan, self.period, reads, checks, receipts, self.history.period.is_some());
        (validated, self.history)
    }
}

/// What checking each file needs from the plan, made once per validation.
struct PlanFiles<'p> {
    plan: &'p Plan,
    unit_names: UnitNames<'p>,
    form_rules: Vec<FormRules>,
    /// Each unit's villages, by name (a linear search of 2,000 units for each of 8,000 tables
    /// otherwise); they are normalised by the file that needs them, in parallel.
    unit_villages: FastMap<&'p str, &'p Villages>,
}

impl<'p> PlanFiles<'p> {
    fn new(plan: &'p Plan, history: &History) -> PlanFiles<'p> {
        let form_rules = plan.forms.iter().map(|form| FormRules::new(form, history)).collect();
        let mut unit_villages: FastMap<&str, &Villages> = FastMap::default();
        for unit in &plan.units {
            // As `Plan::unit`: the first unit of a name.
            unit_villages.entry(unit.name.as_str()).or_insert(&unit.villages);
        }
        PlanFiles { plan, unit_names: UnitNames::new(plan), form_rules, unit_villages }
    }

    /// One file: whose it is, its period, and its tables' records and issues (each issue with the
    /// file's unit, "" for none).
    fn check(&self, period: Period, read: &FileRead, history: &History) -> FileCheck {
        let plan = self.plan;
        let mut found = Vec::new();
        let township = if read.attachment {
            // An attachment belongs to the unit its name names, if any; it is never an issue.
            if read.input.department {
                Some(identify::identify_department(plan, read)).filter(|d| d != plan.combined_ledger())
            } else {
                self.unit_names.resolve(&read.stem()).map(str::to_string)
            }
        } else if read.input.department {
            Some(identify::identify_department(plan, read))
        } else {
            identify::identify_township(plan, &self.unit_names, read, &mut found)
        };
        if !read.attachment {
            identify::check_period(read, period, &mut found);
        }
        let name = township.clone().unwrap_or_default();
        // What reading and identifying found, now that the file's unit is known.
        let mut issues: Vec<Issue> = read.issues.iter().cloned().chain(found).map(|i| i.of(name.clone())).collect();
        let mut records = Vec::with_capacity(read.tables.iter().map(|t| t.rows.len()).sum());
        let mut cap = IssueCap::default();
        if let Some(township) = &township
            && read.unreadable.is_none()
        {
            self.check_tables((period, history), read, township, &mut records, (&mut issues, &mut cap));
        }
        cap.finish(&mut issues);
        accept::keep_countable(plan, read, &issues, &mut records);
        records.shrink_to_fit();
        FileCheck { township: name, records, issues }
    }

    /// Every form table of a file of `township`: its records, and its issues kept to the cap.
    fn check_tables(
        &self,
        (period, history): (Period, &History),
        read: &FileRead,
        township: &str,
        records: &mut Vec<Record>,
        (issues, cap): (&mut Vec<Issue>, &mut IssueCap),
    ) {
        let plan = self.plan;
        let previous = history.township(township);
        let villages = self.unit_villages.get(township);
        let any_village = villages.is_some_and(|v| v.is_any());
        let names: Vec<&str> = villages.map_or(Vec::new(), |v| v.names().iter().map(String::as_str).collect());
        let normalised: Vec<String> = names.iter().map(|v| normalise(v)).collect();
        let shared_township: Arc<str> = Arc::from(township);
        for table in &read.tables {
            let at = plan.forms.iter().position(|f| f.id == table.form_id).expect("tables come from plan forms");
            let (form, rules) = (&plan.forms[at], &self.form_rules[at]);
            let check = TableCheck {
                plan,
                form,
                rules,
                villages: (names.as_slice(), normalised.as_slice()),
                any_village,
                table,
                file: &read.input.display,
                township: &shared_township,
                period,
                previous,
                fixed_units: rules::fixed_units(form, table),
            };
            check.run(records, issues, cap);
        }
    }
}

/// At most this many issues of one rule are listed for one file; the rest are counted in one
/// summary issue, so that one broken file cannot flood the reports (or Excel's row limit).
pub const MAX_ISSUES_PER_RULE: usize = 200;

/// One file's issues kept to the first `MAX_ISSUES_PER_RULE` of each rule (in file order) while
/// they are made, the rest only counted: memory follows the limits, not the number of wrong
/// cells (ten files of 100,000 rows × 10 wrong cells took 3.9 GB when every issue was built
/// before the cap). `finish` adds one summary issue per rule for what was dropped.
#[derive(Default)]
pub(super) struct IssueCap {
    dropped: BTreeMap<Rule, (usize, Issue)>,
}

impl IssueCap {
    /// Issues a file may hold before they are compacted (more than every rule's cap together).
    pub(super) const COMPACT_AT: usize = 10_000;

    /// Keep the first `MAX_ISSUES_PER_RULE` of each rule in `issues`, counting the rest. Those
    /// kept earlier come first, so they stay kept.
    pub(super) fn compact(&mut self, issues: &mut Vec<Issue>) {
        let mut counts: HashMap<Rule, usize> = HashMap::new();
        let dropped = &mut self.dropped;
        issues.retain(|issue| {
            let n = counts.entry(issue.rule).or_default();
            *n += 1;
            if *n <= MAX_ISSUES_PER_RULE {
                return true;
            }
            dropped.entry(issue.rule).or_insert_with(|| (0, issue.clone())).0 += 1;
            false
        });
    }

    /// The last compaction, and one summary issue per rule for the issues not listed.
    pub(super) fn finish(mut self, issues: &mut Vec<Issue>) {
        self.compact(issues);
        for (rule, (count, first)) in self.dropped {
            let message = format!(
                "本文件另有 {count} 处“{}”问题未逐条列出（已列出前 {MAX_ISSUES_PER_RULE} 处），请按已列出的问题一并改正后重新报送",
                rule.name()
            );
            issues.push(Issue::new(rule, first.file, message).at(first.sheet, "").value(count.to_string()).of(first.township));
        }
    }
}

#[cfg(test)]
mod tests;
