//! The plan workbook (方案.xlsx) written: `plan::book`'s sheets with a 填写说明 sheet before them,
//! header notes, dropdowns (types, kinds, indicators from the 指标 sheet, frequencies), dates as
//! text, and live sums on 分解任务 to compare with the targets.

use rust_xlsxwriter::{DataValidation, Formula, Note, Workbook, Worksheet, XlsxError};

use crate::error::Result;
use crate::period::Period;
use crate::plan::Plan;
use crate::plan::book::{self, BookCell, BookSheet, ColumnType, HEADER_ROW};

use super::style::{self, WriteText};

type XResult<T> = std::result::Result<T, XlsxError>;

/// The plan workbook's file name: `方案.xlsx` (what `zhenxing run` looks for in its folder).
pub const FILE_NAME: &str = "方案.xlsx";

/// Rows below the data that keep the dropdowns, for rows a statistician adds.
const SPARE_ROWS: u32 = 300;

/// The plan workbook's bytes.
pub fn workbook_bytes(plan: &Plan) -> Result<Vec<u8>> {
    let path = std::path::PathBuf::from(FILE_NAME);
    let map = |e| super::xlsx_error(&path, e);
    let mut workbook = Workbook::new();
    let year_end = Period::new(plan.plan.year, 12).unwrap_or_else(|| Period::new(2024, 12).expect("valid"));
    workbook.set_properties(&style::properties(year_end, &format!("{}乡村振兴方案", plan.plan.district_full), &plan.plan.office));
    let sheets = book::sheets(plan);
    guide(workbook.add_worksheet(), plan).map_err(map)?;
    let indicators = plan.indicators.len() as u32;
    for sheet in &sheets {
        write_sheet(workbook.add_worksheet(), sheet, indicators).map_err(map)?;
    }
    workbook.save_to_buffer().map_err(map)
}

/// 填写说明: how the statistician fills the workbook and what to run next.
fn guide(sheet: &mut Worksheet, plan: &Plan) -> XResult<()> {
    sheet.set_name(book::GUIDE)?;
    sheet.set_column_width(0, 110)?;
    let title = format!("{}{}年乡村振兴重点指标方案表", plan.plan.district_full, plan.plan.year);
    sheet.text(0, 0, &title, &style::title())?;
    sheet.set_row_height(0, 30)?;
    let wording = plan.wording();
    let lines = [
        "本表是填报系统的“方案”：各表依次为基本信息、实施阶段、单位、村（社区）、部门、目标、分解任务，另有指标清单和报表定义。按方案文件逐项填写，不要删除或改名工作表，表头不要改。".to_string(),
        format!("1. 基本信息：填写方案标题、文号、印发日期等；“级别”决定通报中的用语（如“全{}”“{}”）。", wording.area, wording.departments),
        format!("2. 单位、村（社区）：已按国家统计局2023年统计用区划代码列出全部{}及其村（社区）。有合并、更名、新设的，直接增删改行；村名单暂不核对的单位，在“村名单”填“不限”。", wording.townships),
        "3. 部门：列出牵头单位，目标的“牵头单位”须在此表中；统计局等按季度或年度报送的，在“报送频次”选择季报或年报，未到报送期不算未报送。".to_string(),
        "4. 目标：每个量化目标一行。“目标值”只填数字，并按指标的单位换算（如“6万亩”填 60000，在“原文表述”写“6万亩”；60% 填 60）；“原文”粘贴文件中的句子；“指标”从下拉框选择（见“指标”表）。没有数字的任务类型选“定性任务”（有明确结果的）或“持续性任务”（持续推进、没有终点的，台账报“推进中”即为正常），指标不填。".to_string(),
        "5. 分解任务：有分解到各单位的目标，在对应列填写各单位任务数；表末“合计”自动求和，可与“目标值”对照。".to_string(),
        "6. 填好后在命令行运行：zhenxing plan check --plan 方案.xlsx ，按提示（工作表和单元格）逐条改正，直到没有错误；再运行 zhenxing template --plan 方案.xlsx --period 月份 生成各单位的填报模板。".to_string(),
        "7. 方案表放在运行目录下、文件名为“方案.xlsx”时，zhenxing run 自动使用；也可用 zhenxing plan export --plan 方案.xlsx --to plan.toml 转为 TOML 文件。".to_string(),
        "详细写法和示例见项目中的《方案编写指南》（docs/方案编写指南.md）。".to_string(),
    ];
    let wrap = style::base().set_text_wrap();
    for (i, line) in lines.iter().enumerate() {
        let row = 2 + i as u32;
        sheet.text(row, 0, line, &wrap)?;
        sheet.set_row_height(row, style::fit_height(&[(line, 110.0)]))?;
    }
    style::print_setup(sheet, &title, 0);
    sheet.set_active(true);
    Ok(())
}

fn write_sheet(sheet: &mut Worksheet, table: &BookSheet, indicators: u32) -> XResult<()> {
    sheet.set_name(table.name)?;
    let last_col = table.columns.len().max(1) as u16 - 1;
    if last_col > 0 {
        sheet.merge_range(0, 0, 0, last_col, &table.title, &style::title())?;
    } else {
        sheet.text(0, 0, &table.title, &style::title())?;
    }
    sheet.set_row_height(0, 28)?;
    style::print_setup(sheet, &table.title, 1);
    let header_row = HEADER_ROW as u32;
    let first_data = header_row + 1;
    for (c, column) in table.columns.iter().enumerate() {
        let c = c as u16;
        sheet.text(header_row, c, &column.header, &style::header())?;
        sheet.set_column_width(c, column.width)?;
        if !column.note.is_empty() {
            sheet.insert_note(header_row, c, &Note::new(column.note).set_author("zhenxing").add_author_prefix(false))?;
        }
    }
    sheet.set_row_height(header_row, 32)?;
    let (text, wrapped, number) = (style::cell(), style::text_cell(), style::cell());
    let data_rows = table.rows.len() - table.summary_rows;
    for (r, cells) in table.rows.iter().enumerate() {
        let row = first_data + r as u32;
        let summary = r >= data_rows;
        for (c, cell) in cells.iter().enumerate() {
            let column = &table.columns[c.min(table.columns.len() - 1)];
            let format = match (&column.kind, summary) {
                (_, true) => style::cell().set_bold(),
                (ColumnType::Wrapped, _) => wrapped.clone(),
                (ColumnType::Number, _) => number.clone(),
                _ => text.clone(),
            };
            let c = c as u16;
            match cell {
                // 合计: a live sum of the units' cells above it, also under a column still empty.
                BookCell::Number(_) | BookCell::Empty if summary && r == data_rows && c > 0 => {
                    let letter = crate::issue::column_letters(c as usize);
                    let result = if let BookCell::Number(n) = cell { *n } else { 0.0 };
                    let formula = Formula::new(format!("=SUM({letter}{}:{letter}{})", first_data + 1, first_data + data_rows as u32))
                        .set_result(result.to_string());
                    sheet.write_formula_with_format(row, c, formula, &format).map(|_| ())?
                }
                BookCell::Empty => sheet.write_blank(row, c, &format).map(|_| ())?,
                BookCell::Text(t) => sheet.text(row, c, t, &format).map(|_| ())?,
                BookCell::Number(n) => sheet.write_number_with_format(row, c, *n, &format).map(|_| ())?,
            }
        }
        // A wrapped text over more than one line makes its row as tall, or it is drawn over the
        // rows below (基本信息's 方案标题 and 说明 were).
        let wrapped_texts: Vec<(&str, f64)> = cells
            .iter()
            .zip(&table.columns)
            .filter(|(_, column)| matches!(column.kind, ColumnType::Wrapped))
            .filter_map(|(cell, column)| match cell {
                BookCell::Text(t) => Some((t.as_str(), column.width)),
                _ => None,
            })
            .collect();
        if wrapped_texts.iter().any(|(t, width)| style::wrapped_lines(t, *width) > 1) {
            sheet.set_row_height(row, style::fit_height(&wrapped_texts))?;
        }
    }
    let last_row = first_data + data_rows as u32 + SPARE_ROWS;
    for (c, column) in table.columns.iter().enumerate() {
        let validation = match &column.kind {
            ColumnType::Choice(choices) => Some(DataValidation::new().allow_list_strings(choices)?.set_error_message("请从下拉框选择")?),
            ColumnType::Indicator if indicators > 0 => Some(
                DataValidation::new()
                    .allow_list_formula(Formula::new(format!("={}!$A${}:$A${}", book::INDICATORS, first_data + 1, first_data + indicators)))
                    .set_error_message("请从下拉框选择指标（见“指标”表）")?,
            ),
            _ => None,
        };
        if let Some(validation) = validation {
            sheet.add_data_validation(first_data, c as u16, last_row, c as u16, &validation)?;
        }
    }
    sheet.set_freeze_panes(first_data, 1.min(last_col))?;
    Ok(())
}
