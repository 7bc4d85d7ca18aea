//! Stage 5: everything people read — the leaders' workbook, township feedback workbooks, the CSV
//! files, the blank templates. The only module that touches rust_xlsxwriter.

pub mod csv;
pub mod feedback;
pub mod notice;
pub mod style;
pub mod template;
pub mod workbook;

use std::path::Path;

use crate::error::{Error, Result};

/// Write `bytes` to `path` atomically: a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut temp = tempfile::Builder::new().prefix(".zhenxing-").suffix(".tmp").tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    temp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    temp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    temp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

pub(crate) fn xlsx_error(path: &Path, e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Write { path: path.to_path_buf(), message: e.to_string() }
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
