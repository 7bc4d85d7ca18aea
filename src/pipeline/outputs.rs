//! The month's outputs, written into the staging folder: the bulletin, the CSV files (with a
//! topic's detail rows when there are more than the bulletin lists), the 通报
//! text, the feedback workbooks (one per unit with issues) and, on request, the bulletin as PDF.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::aggregate::Aggregated;
use crate::error::Result;
use crate::ingest;
use crate::plan::Plan;
use crate::report;
use crate::store;
use crate::validate::Validated;

use super::diag::Phases;

/// The outputs that need only the month's validation, not its aggregation: the CSV files of
/// the topics above the plan's detail-row limit and the feedback workbooks (each reads its
/// township's kept file content). `run_month` makes them while the month is aggregated and the
/// bulletin written, each written atomically into `out_dir`. Returns the paths written, in
/// their order.
pub fn early_outputs(
    plan: &Plan,
    validated: &Validated,
    reads: &[ingest::FileRead],
    limits: &ingest::Limits,
    out_dir: &Path,
) -> Result<EarlyOutputs> {
    let period = validated.period;
    let (details, feedback) = rayon::join(
        || -> Result<Vec<PathBuf>> {
            report::detail::summarised_forms(plan, validated)
                .par_iter()
                .map(|(form, rows)| {
                    let path = out_dir.join(report::detail::csv_file_name(form, period));
                    crate::atomic::write_bytes(&path, &report::detail::detail_csv(form, rows, period, &plan.wording().townships))?;
                    Ok(path)
                })
                .collect()
        },
        || feedback_workbooks(plan, validated, reads, limits, out_dir),
    );
    Ok(EarlyOutputs { details: details?, feedback: feedback? })
}

/// What `early_outputs` wrote.
pub struct EarlyOutputs {
    /// The topics' detail CSV files.
    pub details: Vec<PathBuf>,
    /// The feedback workbooks, in township order.
    pub feedback: Vec<PathBuf>,
}

impl EarlyOutputs {
    /// Every path written, in the order the console lists them: the bulletin, the detail CSV
    /// files, the other files of `written`, the feedback workbooks.
    pub fn listed_with(self, written: Vec<PathBuf>) -> Vec<PathBuf> {
        let mut written = written.into_iter();
        let mut all: Vec<PathBuf> = written.next().into_iter().collect();
        all.extend(self.details);
        all.extend(written);
        all.extend(self.feedback);
        all
    }
}

/// The bulletin and the other files made from the aggregate, each written atomically. Returns
/// the paths written, the bulletin first.
pub fn write_outputs(
    plan: &Plan,
    validated: &Validated,
    aggregated: &Aggregated,
    contacts: &BTreeMap<String, store::Contact>,
    out_dir: &Path,
    fingerprint: &str,
    phases: &mut Phases,
) -> Result<Vec<PathBuf>> {
    let period = validated.period;
    let mut written = Vec::new();
    let put = |written: &mut Vec<PathBuf>, path: PathBuf, bytes: Vec<u8>| -> Result<()> {
        crate::atomic::write_bytes(&path, &bytes)?;
        written.push(path);
        Ok(())
    };
    // The bulletin's sheets are filled on both cores; the workbook is then assembled and
    // compressed (mostly on one core) while the CSV files and the 通报 text are made.
    let reminders = report::reminders(plan, validated, contacts);
    let bulletin = report::bulletin::Bulletin { plan, validated, aggregated, reminders: &reminders, input_fingerprint: fingerprint };
    let workbook = report::bulletin::bulletin_workbook(&bulletin)?;
    let (bulletin_bytes, small) = rayon::join(
        || report::bulletin::save(plan, period, workbook),
        || {
            [
                ("progress.csv", report::csv::progress_csv(aggregated)),
                ("townships.csv", report::csv::townships_csv(aggregated)),
                ("issues.csv", report::csv::issues_csv(&validated.issues)),
                ("bulletin.txt", report::notice::text(plan, validated, aggregated).into_bytes()),
                ("reminders.csv", report::csv::reminders_csv(&reminders)),
            ]
        },
    );
    put(&mut written, out_dir.join(report::bulletin::file_name(plan, period)), bulletin_bytes?)?;
    for (name, bytes) in small {
        put(&mut written, out_dir.join(name), bytes)?;
    }
    phases.lap("通报");
    Ok(written)
}

/// Feedback workbooks: one per township with issues, with a copy of its sheets that have marked
/// cells (from the content kept since reading, see `ingest::FileRead::content`); made and
/// written (each atomically) in parallel. Returns their paths in township order.
fn feedback_workbooks(
    plan: &Plan,
    validated: &Validated,
    reads: &[ingest::FileRead],
    limits: &ingest::Limits,
    out_dir: &Path,
) -> Result<Vec<PathBuf>> {
    let period = validated.period;
    let mut by_township: BTreeMap<String, Vec<&crate::issue::Issue>> = BTreeMap::new();
    // A warning the township has explained (已说明) is not asked again.
    for issue in validated.issues.iter().filter(|i| i.explanation.is_empty()) {
        let name = if issue.township.is_empty() { "单位不明".to_string() } else { issue.township.clone() };
        by_township.entry(name).or_default().push(issue);
    }
    let read_of: std::collections::HashMap<&str, &ingest::FileRead> = reads.iter().map(|r| (r.input.display.as_str(), r)).collect();
    let feedback_dir = out_dir.join("feedback");
    by_township
        .par_iter()
        .map(|(township, issues)| {
            let files: Vec<&str> = {
                let mut f: Vec<&str> = issues.iter().map(|i| i.file.as_str()).collect();
                f.dedup();
                f
            };
            let sheets: Vec<(String, Vec<ingest::Grid>)> = files
                .iter()
                .filter_map(|name| read_of.get(name).copied())
                .filter(|r| r.unreadable.is_none() && !r.content.is_empty())
                .map(|r| (r.input.display.clone(), r.grids(limits)))
                .collect();
            let request = report::feedback::Feedback { plan, township, period, issues, sheets: &sheets };
            let path = feedback_dir.join(report::feedback::file_name(township, period));
            crate::atomic::write_bytes(&path, &report::feedback::feedback_bytes(&request)?)?;
            Ok(path)
        })
        .collect()
}

/// The bulletin as PDF beside it, by LibreOffice (`soffice`), for offices that forward it in chat
/// groups. A missing LibreOffice or a failed conversion is a reason, never a failed run.
pub fn bulletin_pdf(xlsx: &Path) -> std::result::Result<(), String> {
    let dir = xlsx.parent().unwrap_or(Path::new("."));
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let output = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(xlsx)
        .env("HOME", profile.path())
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|_| "未安装 LibreOffice（soffice），可执行 apt-get install libreoffice-calc-nogui".to_string())?;
    if output.status.success() && xlsx.with_extension("pdf").is_file() {
        Ok(())
    } else {
        Err(format!("LibreOffice 转换失败：{}", String::from_utf8_lossy(&output.stderr).trim()))
    }
}
