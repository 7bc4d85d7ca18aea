//! What validation keeps of a row: its typed values (`Value`), converted to the plan's units,
//! with where each came from (`Record`: file, sheet, row, columns).

use std::sync::Arc;

use serde::Serialize;

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
