//! Why a file cannot be read, and what kind of file it is: the leaf that both the guard and the
//! reader use (the guard decides a file is too big; the reader, that it is not a workbook).

/// What kind of file the bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xlsb,
    Ods,
    Xls,
    Csv,
}

/// Why a file could not be read; the message is user-facing Chinese.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable(pub String);

/// A sheet whose used range is far beyond any report's size (user-facing Chinese).
pub fn too_big(sheet: &str, rows: usize, columns: usize) -> Unreadable {
    Unreadable(format!(
        "工作表“{sheet}”的数据区域过大（{rows} 行 × {columns} 列），远超报表规模，可能在远处单元格误填了内容；请删除多余内容后重新报送"
    ))
}
