//! Stage 1: files → form tables. Finds the input files of a period, reads each (any format, any
//! layout a statistician produces) into `FormTable`s of raw cells, and reports what cannot be
//! read or found as issues. It does not judge values; `validate` does.

pub mod guard;
pub mod layout;
pub mod plan_book;
pub mod read;
pub mod unreadable;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::issue::{Issue, Rule, a1};
use crate::plan::{Form, Plan, Reporter};

pub use guard::Limits;
pub use layout::{Claims, ColumnMatch, FormTable, RowType, TableRow};
pub use read::{Cell, Grid};

/// Extensions taken as township files.
pub const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"];

/// Whether a file with this extension is read as a spreadsheet: the known ones, WPS's `.et`, and
/// a file without an extension (judged by its content). Every other file in a month folder (a
/// scan, a photo, a document) is listed as an attachment (附件), never read, never an error.
pub fn is_spreadsheet_name(extension: &str) -> bool {
    EXTENSIONS.contains(&extension) || extension == "et" || extension.is_empty()
}

/// Name of the sub-folder of a period folder where departments put their ledgers.
pub const DEPARTMENT_FOLDER: &str = "部门";

/// One file found in the input.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Path shown to people: relative to the input folder.
    pub display: String,
    /// Filled by a department (under `部门/`), not a township.
    pub department: bool,
}

/// What reading one file produced.
#[derive(Debug, Clone)]
pub struct FileRead {
    pub input: InputFile,
    pub sha256: String,
    pub bytes: u64,
    /// The file's size and modification time when its bytes were read (see `changed_since_read`),
    /// or, where nothing was read, when it was looked at.
    pub seen: Option<Stamp>,
    pub tables: Vec<FormTable>,
    pub claims: Claims,
    /// Set when the file could not be read at all.
    pub unreadable: Option<String>,
    /// Layout problems (missing sheets or columns, unconvertible units); township not yet known.
    pub issues: Vec<Issue>,
    /// Not a report: a scan, photo or document, or a workbook holding none of the plan's forms
    /// (an attachment such as a project list). Listed as 附件, never an error by itself.
    pub attachment: bool,
    /// The file's bytes as they were read and checked, kept until validation has said which
    /// cells have problems: a feedback workbook copies the sheets with marked cells from these
    /// (`FileRead::grids`), never from the file again, which may have changed since. The
    /// pipeline drops them for files without marks. (Bytes, not the parsed sheets: at province
    /// scale the sheets of every file take about 330 MB, the bytes about 45 MB.)
    pub content: Vec<u8>,
}

impl FileRead {
    /// The file's modification time, as `seen`.
    pub fn modified(&self) -> Option<SystemTime> {
        self.seen.and_then(|s| s.modified)
    }

    /// Whether the file has been written since it was read (its stamp differs from the one its
    /// bytes were read at). A file that cannot be looked at now has not: what was read stands.
    pub fn changed_since_read(&self) -> bool {
        match (self.seen, Stamp::of(&self.input.path)) {
            (Some(seen), Some(now)) => seen != now,
            _ => false,
        }
    }

    /// The sheets of the kept content (see `content`), read again from memory with the same
    /// checks; empty when nothing was kept.
    pub fn grids(&self, limits: &Limits) -> Vec<Grid> {
        if self.content.is_empty() {
            return Vec::new();
        }
        let extension = self.input.path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        read::sniff(&self.content, &extension).and_then(|format| read::read_grids(&self.content, format, limits)).unwrap_or_default()
    }

    pub fn stem(&self) -> String {
        self.input.path.file_stem().map(|s| crate::text::os_text(s).into_owned()).unwrap_or_default()
    }
}

/// Files of one period folder: township files at its top level, department files under `部门/`.
/// Hidden files, Office lock files (`~$…`) and other extensions are skipped; a directory named
/// like a workbook is returned so that it is reported, not silently ignored.
pub fn discover(period_dir: &Path, root: &Path) -> std::io::Result<Vec<InputFile>> {
    let mut files = Vec::new();
    collect(period_dir, root, false, &mut files)?;
    let department_dir = period_dir.join(DEPARTMENT_FOLDER);
    if department_dir.is_dir() {
        if outside(&department_dir, root).is_some() {
            // A 部门 folder linked to somewhere else (`部门 → /etc`) is not walked: listed once,
            // refused when opened.
            let display = crate::text::path_text(department_dir.strip_prefix(root).unwrap_or(&department_dir));
            files.push(InputFile { path: department_dir, display, department: true });
        } else {
            collect(&department_dir, root, true, &mut files)?;
        }
    }
    files.sort_by(|a, b| a.display.cmp(&b.display));
    Ok(files)
}

/// Where `path` really is, when that is outside the input folder `root` (a link to another
/// office's files, to `/etc`): such a path is never read.
fn outside(path: &Path, root: &Path) -> Option<PathBuf> {
    let real = path.canonicalize().ok()?;
    let root = root.canonicalize().ok()?;
    (!real.starts_with(&root)).then_some(real)
}

/// The input folder an input file was found under (its `display` is relative to it).
fn root_of(input: &InputFile) -> Option<&Path> {
    input.path.ancestors().nth(input.display.split('/').count())
}

fn collect(dir: &Path, root: &Path, department: bool, files: &mut Vec<InputFile>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with("~$") || name == DEPARTMENT_FOLDER {
            continue;
        }
        let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        // Every file is accounted for: read as a spreadsheet (known extensions, WPS `.et`, no
        // extension: judged by content) or listed as an attachment. A folder is taken only when
        // it is named like a workbook (to be reported as one).
        if entry.file_type().is_ok_and(|t| t.is_dir()) && !EXTENSIONS.contains(&extension.as_str()) {
            continue;
        }
        let display = crate::text::path_text(path.strip_prefix(root).unwrap_or(&path));
        files.push(InputFile { path, display, department });
    }
    Ok(())
}

/// The bytes of a regular file, at most `max` of them (`Err` with the size when it is larger),
/// read through a handle opened without blocking: a named pipe or a device put in place of an
/// input (even between two reads) can neither hang the run nor grow without bound.
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    Ok(read_bounded_stamped(path, max)?.map(|(bytes, _)| bytes))
}

/// `read_bounded`, with the stamp of the file the bytes were read from (taken from the open
/// handle before reading).
fn read_bounded_stamped(path: &Path, max: u64) -> std::io::Result<Result<(Vec<u8>, Stamp), u64>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(0o4000); // O_NONBLOCK: opening a FIFO does not wait for a writer
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(std::io::Error::other("不是普通文件"));
    }
    if metadata.len() > max {
        return Ok(Err(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok((bytes, Stamp::of_metadata(&metadata))))
}

/// A file's size and modification time: what tells that it was written since it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub len: u64,
    pub modified: Option<SystemTime>,
}

impl Stamp {
    fn of_metadata(metadata: &std::fs::Metadata) -> Stamp {
        Stamp { len: metadata.len(), modified: metadata.modified().ok() }
    }

    /// The file's stamp now (`None` when it cannot be looked at).
    pub fn of(path: &Path) -> Option<Stamp> {
        std::fs::metadata(path).ok().map(|m| Stamp::of_metadata(&m))
    }
}

/// How often a file that changes while it is read is read again before its last read stands.
const STEADY_READS: u32 = 4;

/// The bytes of a file as it stands still: a file being written while it is read (a sync tool
/// truncates it, then writes it again; a copy not yet finished) is read again, after a pause,
/// until its stamp before and after a read agree (at most `STEADY_READS` times; then the last
/// read stands, with the stamp it had, so that the run's settling step or the next run sees the
/// change). The stamp is the one the bytes belong to.
fn read_steady(path: &Path, max: u64) -> std::io::Result<Result<(Vec<u8>, Stamp), u64>> {
    let mut attempt = 0;
    loop {
        let read = read_bounded_stamped(path, max)?;
        let Ok((bytes, before)) = read else { return Ok(read) };
        attempt += 1;
        let steady = bytes.len() as u64 == before.len && Stamp::of(path) == Some(before);
        if steady || attempt >= STEADY_READS {
            return Ok(Ok((bytes, before)));
        }
        std::thread::sleep(std::time::Duration::from_millis(100 << attempt));
    }
}

/// The sha256 of a file's bytes (ring's assembly; the same digest as `sha2`'s): every input
/// file's digest, whether reading keeps it (`file_sha256`) or `--if-changed` compares it first.
pub fn file_digest(bytes: &[u8]) -> [u8; 32] {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().try_into().expect("SHA-256 is 32 bytes")
}

/// `file_digest` in hex, as `FileRead::sha256` keeps it.
pub fn file_sha256(bytes: &[u8]) -> String {
    crate::plan::hex(&file_digest(bytes))
}

/// Read one file and find every form of the plan that its reporter fills.
pub fn read_file(input: InputFile, plan: &Plan, limits: &Limits) -> FileRead {
    read_file_with(input, plan, &layout::PlanNames::new(plan), limits)
}

/// `read_file` with the plan's names prepared once for many files (`layout::PlanNames::new`).
pub fn read_file_with(input: InputFile, plan: &Plan, names: &layout::PlanNames, limits: &Limits) -> FileRead {
    let (seen, opened) = open(&input, limits);
    let read = |sha256: String, bytes: u64, unreadable: Option<String>, attachment: bool| {
        let issues = unreadable.iter().map(|message| Issue::new(Rule::Unreadable, input.display.clone(), message.clone())).collect();
        FileRead {
            sha256,
            bytes,
            seen,
            tables: Vec::new(),
            claims: Claims::default(),
            unreadable,
            issues,
            attachment,
            content: Vec::new(),
            input: input.clone(),
        }
    };
    match opened {
        Opened::Unreadable { sha256, bytes, reason } => read(sha256, bytes, Some(reason), false),
        Opened::Attachment { sha256, bytes } => read(sha256, bytes, None, true),
        Opened::Folder { reason } => read(String::new(), 0, Some(reason), true),
        Opened::Workbook { sha256, content, grids } => {
            let Forms { tables, claims, issues } = find_forms(&input, plan, names, &grids);
            // A workbook holding none of the forms is an attachment (a project list, a photo
            // sheet): listed, not an error. Validation still says 缺少报表 when it is all a unit
            // sent.
            let attachment = tables.is_empty();
            let bytes = content.len() as u64;
            FileRead { sha256, bytes, seen, tables, claims, unreadable: None, issues, attachment, content, input }
        }
    }
}

/// What a file turned out to be before its forms are looked for.
enum Opened {
    /// Not readable as a workbook (one E01 with `reason`).
    Unreadable { sha256: String, bytes: u64, reason: String },
    /// Not a spreadsheet by its name (a scan, a photo, a document): listed only.
    Attachment { sha256: String, bytes: u64 },
    /// A folder named like a workbook: one E01 with `reason`, but no version of any workbook,
    /// so it supersedes nothing (an attachment that says what it is).
    Folder { reason: String },
    /// A workbook's sheets, with its bytes as read and checked.
    Workbook { sha256: String, content: Vec<u8>, grids: Vec<Grid> },
}

/// Open one input: only a regular file within the size limit is read (a FIFO would block the
/// run forever, a link to a device would read without end), and a spreadsheet's bytes go
/// through the guard and the reader, read while it stands still (`read_steady`). The file's
/// stamp comes with it: the one its bytes were read at, or where nothing was read, the one it
/// had when it was looked at.
fn open(input: &InputFile, limits: &Limits) -> (Option<Stamp>, Opened) {
    let unreadable = |reason: String| Opened::Unreadable { sha256: String::new(), bytes: 0, reason };
    let too_large = |size: u64| {
        format!("文件过大（{} MB），超过 {} MB 上限，请只保留报表内容", size / 1024 / 1024, limits.max_file_bytes / 1024 / 1024)
    };
    if let Some(real) = root_of(input).and_then(|root| outside(&input.path, root)) {
        let reason = format!("这是指向 input 文件夹以外的链接（{}），不读取；请把报表文件本身放进本月文件夹", real.display());
        return (None, unreadable(reason));
    }
    let metadata = match std::fs::metadata(&input.path) {
        Ok(m) => m,
        Err(e) => return (None, unreadable(format!("无法打开文件：{e}"))),
    };
    let looked = Some(Stamp::of_metadata(&metadata));
    if metadata.is_dir() {
        // A folder named like a township's workbook is said to be one, and, being no newer
        // version of that workbook, does not supersede it.
        return (
            looked,
            Opened::Folder {
                reason: "这是一个文件夹而不是表格文件（名称像表格），请放入真正的 .xlsx 文件".to_string()
            },
        );
    }
    if !metadata.is_file() {
        let reason = "这不是普通文件（可能是管道、设备或特殊链接），无法作为报表读取，请放入真正的 .xlsx 文件";
        return (looked, unreadable(reason.to_string()));
    }
    if metadata.len() > limits.max_file_bytes {
        return (looked, unreadable(too_large(metadata.len())));
    }
    let extension = input.path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    if !is_spreadsheet_name(&extension) {
        let (sha256, stamp) = match read_steady(&input.path, limits.max_file_bytes) {
            Ok(Ok((bytes, stamp))) => (file_sha256(&bytes), Some(stamp)),
            _ => (String::new(), looked),
        };
        return (stamp, Opened::Attachment { sha256, bytes: stamp.map_or(metadata.len(), |s| s.len) });
    }
    let (bytes, stamp) = match read_steady(&input.path, limits.max_file_bytes) {
        Ok(Ok((bytes, stamp))) => (bytes, Some(stamp)),
        Ok(Err(size)) => return (looked, unreadable(too_large(size))),
        Err(e) => return (looked, unreadable(format!("无法读取文件：{e}"))),
    };
    let sha256 = file_sha256(&bytes);
    // A file without an extension whose content is no workbook (a note named like a township's
    // file, `陆城镇_2024年06月_说明`) is an attachment, not a broken workbook that would
    // supersede the township's good one.
    let format = read::sniff(&bytes, &extension);
    if extension.is_empty() && format.is_err() {
        return (stamp, Opened::Attachment { sha256, bytes: bytes.len() as u64 });
    }
    match format.and_then(|format| read::read_grids(&bytes, format, limits)) {
        Ok(grids) => (stamp, Opened::Workbook { sha256, content: bytes, grids }),
        Err(read::Unreadable(reason)) => (stamp, Opened::Unreadable { sha256, bytes: bytes.len() as u64, reason }),
    }
}

/// What a workbook's sheets hold of the plan's forms.
struct Forms {
    tables: Vec<FormTable>,
    claims: Claims,
    issues: Vec<Issue>,
}

/// Every form of the plan that the file's reporter fills, found in the workbook's sheets (by
/// name or by its headers), with the 填报单位/填报月份 claims and footers around them.
fn find_forms(input: &InputFile, plan: &Plan, names: &layout::PlanNames, grids: &[Grid]) -> Forms {
    let mut found = Forms { tables: Vec::new(), claims: Claims::default(), issues: Vec::new() };
    let reporter = if input.department { Reporter::Department } else { Reporter::Township };
    let forms: Vec<(&Form, usize, &layout::FormNames)> =
        plan.forms.iter().enumerate().filter(|(_, f)| f.reporter == reporter).map(|(i, f)| (f, i, names.form(i))).collect();
    let plan_names = names;
    let single_sheet = grids.len() == 1;
    // The rows of each sheet a form's table holds (sheet index, rows): a sheet may hold two.
    let mut taken: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    let mut missing: Vec<Issue> = Vec::new();
    for &(form, own, names) in &forms {
        match layout::locate_form(grids, form, names, &taken) {
            Some((index, grid, header_row, mut columns)) => {
                layout::find_claims(grid, header_row, &mut found.claims);
                layout::find_titles(grid, header_row, &mut found.claims);
                // Units on a 单位 line above the table or on a row of their own under the header,
                // and a 栏号 row, before the data.
                layout::apply_unit_line(grid, header_row, form, &mut columns);
                let data_after = layout::header_extras(grid, header_row, &mut columns);
                // The header may start two rows above the row it was found on (`find_header`).
                let header = header_row.saturating_sub(2)..=data_after;
                let (rows, end) = layout::read_rows(grid, form, (plan_names, own), header, &columns);
                taken.push((index, header_row.saturating_sub(2)..end.max(data_after + 1)));
                layout::find_contacts(grid, data_after, &mut found.claims);
                check_columns(input, &mut found.issues, form, grid, header_row, &columns);
                found.tables.push(FormTable { form_id: form.id.clone(), sheet: grid.sheet.clone(), header_row, columns, rows });
            }
            // A csv carries one form; the other forms come from other files of the township.
            None if single_sheet => {}
            None => missing.push(
                Issue::new(
                    Rule::MissingSheet,
                    input.display.clone(),
                    format!("找不到{}“{}”（工作表名或表头都对不上），请使用{}里下发的模板填报", form.id, form.sheet, plan.wording().area),
                )
                .at(form.sheet.clone(), String::new()),
            ),
        }
    }
    if !found.tables.is_empty() {
        found.issues.extend(missing);
    } else if reporter == Reporter::Township {
        ledger_outside_its_folder(input, plan, names, grids, &mut found.issues);
    }
    for grid in grids.iter() {
        if !found.tables.iter().any(|t| t.sheet == grid.sheet) {
            layout::find_claims(grid, 10, &mut found.claims);
        }
    }
    found
}

/// A department ledger among the townships' files is not read there (its unit would be taken
/// for a township): said, with where it belongs, rather than listed as an attachment in silence.
fn ledger_outside_its_folder(input: &InputFile, plan: &Plan, names: &layout::PlanNames, grids: &[Grid], issues: &mut Vec<Issue>) {
    for (i, form) in plan.forms.iter().enumerate().filter(|(_, f)| f.reporter == Reporter::Department) {
        if let Some((_, grid, _, _)) = layout::locate_form(grids, form, names.form(i), &[]) {
            let folder = input
                .display
                .rsplit_once('/')
                .map(|(dir, _)| format!("{dir}/{DEPARTMENT_FOLDER}/"))
                .unwrap_or_else(|| format!("{DEPARTMENT_FOLDER}/"));
            issues.push(
                Issue::new(
                    Rule::LedgerOutsideFolder,
                    input.display.clone(),
                    format!("这是部门台账（{}），应放在本月的“{DEPARTMENT_FOLDER}”文件夹中（{folder}），放在这里不计入汇总", form.title),
                )
                .at(grid.sheet.clone(), String::new()),
            );
            return;
        }
    }
}

/// Headers that carry no figure of their own and need no plan column.
const PLAIN_HEADERS: &[&str] = &["序号", "编号", "备注", "说明", "合计", "小计", "栏次", "栏号", "单位", "填报单位"];

/// Missing columns (required: an error; optional: a warning, so that a renamed column is never read
/// as empty), headers the plan does not know, and header units that cannot be converted.
fn check_columns(input: &InputFile, issues: &mut Vec<Issue>, form: &Form, grid: &Grid, header_row: usize, columns: &[Option<ColumnMatch>]) {
    use crate::text::normalise;
    // The header row's texts not taken by any plan column.
    let unmatched: Vec<(usize, String)> = grid.rows[header_row]
        .iter()
        .enumerate()
        .filter(|(c, _)| {
            !columns.iter().flatten().any(|m| m.index == *c)
                && !layout::under_period(grid, header_row, *c)
                && !grid.hidden.contains(&(*c as u32))
        })
        .map(|(c, cell)| (c, cell.trimmed_text().into_owned()))
        .filter(|(_, t)| !t.is_empty())
        .filter(|(_, t)| {
            let n = normalise(t);
            !PLAIN_HEADERS.iter().any(|p| n.starts_with(p))
                && layout::unit_text(&n).is_none()
                && !layout::is_total_label(&n)
                // A period leaf (本月, 上年同期) of a column group, kept out on purpose.
                && layout::period_leaf(&n).is_none()
        })
        .collect();
    // The unmatched header closest to any name of a column (`其中：` aside).
    let closest = |column: &crate::plan::Column| {
        std::iter::once(&column.name)
            .chain(&column.aliases)
            .find_map(|name| {
                let name = normalise(name).replace("其中:", "");
                crate::text::closest(&name, unmatched.iter().map(|(_, t)| t.as_str()))
            })
            .map(|t| format!("；最接近的表头是“{t}”，如是同一列请改为“{}”", column.name))
            .unwrap_or_default()
    };
    for (column, found) in form.columns.iter().zip(columns) {
        match found {
            None if column.required => issues.push(
                Issue::new(
                    Rule::MissingColumn,
                    input.display.clone(),
                    format!("表头中找不到必填列“{}”，请按模板补上该列{}", column.header(), closest(column)),
                )
                .at(grid.sheet.clone(), a1(header_row, 0)),
            ),
            None if column.kind != crate::plan::ColumnKind::Text => issues.push(
                Issue::new(
                    Rule::OptionalColumnMissing,
                    input.display.clone(),
                    format!("表头中找不到“{}”，本月该列按未填报处理（不计入汇总，不按零计）{}", column.header(), closest(column)),
                )
                .at(grid.sheet.clone(), a1(header_row, 0)),
            ),
            Some(m) => {
                if let (Some(found_unit), Some(unit)) = (&m.unit, &column.unit)
                    && crate::units::factor(found_unit, unit).is_none()
                {
                    issues.push(
                        Issue::new(
                            Rule::HeaderUnit,
                            input.display.clone(),
                            format!("表头单位“{found_unit}”无法换算为“{unit}”，请按模板单位（{unit}）填报"),
                        )
                        .at(grid.sheet.clone(), a1(header_row, m.index))
                        .value(m.header.clone()),
                    );
                }
            }
            None => {}
        }
    }
    if !unmatched.is_empty() {
        let names: Vec<&str> = unmatched.iter().map(|(_, t)| t.as_str()).collect();
        issues.push(
            Issue::new(
                Rule::UnknownHeader,
                input.display.clone(),
                format!("表头中有本表没有的列：{}。这些列不计入汇总；如是模板中的列改了名称，请改回模板的列名", names.join("、")),
            )
            .at(grid.sheet.clone(), a1(header_row, unmatched[0].0))
            .value(names.join("、")),
        );
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    #[test]
    fn file_digest_is_sha256() {
        // The digest shown in 报送情况 and kept in run.json: ring's must equal sha2's.
        for bytes in [&b""[..], b"abc", &[0x5a; 100_000]] {
            assert_eq!(super::file_sha256(bytes), crate::plan::hex(&Sha256::digest(bytes)));
        }
        assert_eq!(super::file_sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
