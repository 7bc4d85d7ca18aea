//! Qualitative tasks as departments report them (issue 30, item 10): a continuing task (持续性任务)
//! is 持续推进 while it goes on, not 未完成 at the year end; a task whose evidence comes after
//! the year (Q04's income growth) is not 完成 before it; and a status that goes back between
//! months (已完成 → 推进中) is a warning at its cell, to the department that wrote it.

use std::collections::BTreeMap;

use zhenxing::period::Period;
use zhenxing::plan::Plan;
use zhenxing::report::template::{Fill, TemplateRequest, file_name, workbook_bytes};

use crate::common::Workspace;
use crate::support::csv_maps;

/// 区农业农村局's ledger for `month`, with the statuses given by target id (others as generated).
fn ledger(plan: &Plan, month: u32, statuses: &[(&str, &str)]) -> (String, Vec<u8>) {
    let department = "区农业农村局";
    let period = Period::new(2024, month).unwrap();
    let mut form = zhenxing::sample::department_form(plan, department, period, &BTreeMap::new());
    let columns = &plan.forms.iter().find(|f| f.id == "BM01").unwrap().columns;
    let at = |id: &str| columns.iter().position(|c| c.id == id).unwrap();
    for row in &mut form.rows {
        let Fill::Text(target) = &row[at("target_id")] else { continue };
        if let Some((_, status)) = statuses.iter().find(|(t, _)| t == target) {
            row[at("status")] = Fill::Text(status.to_string());
        }
    }
    let filled = BTreeMap::from([("BM01".to_string(), form)]);
    let bytes = workbook_bytes(&TemplateRequest { plan, unit: department, period, filled, protect: true }).unwrap();
    (format!("input/{period}/部门/{}", file_name(department, period)), bytes)
}

/// The cells of a bulletin sheet's row whose 指标 column (`name_col`) contains `name`.
fn row_of(wd: &Workspace, period: &str, sheet: &str, name_col: usize, name: &str) -> Vec<String> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(wd.path(&format!(
        "output/{period}/云溪区乡村振兴重点指标进度通报_{}年{}月.xlsx",
        &period[..4],
        &period[5..]
    )))
    .unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    let found = range.rows().find(|r| r.get(name_col).is_some_and(|c| c.to_string().contains(name)));
    found.unwrap_or_else(|| panic!("{sheet} has no row “{name}”")).iter().map(|c| c.to_string()).collect()
}

#[test]
fn a_continuing_task_goes_on_a_later_evidence_waits_and_a_status_going_back_is_warned() {
    let (plan, _) = Plan::resolve(Some("yunxi-2024")).unwrap();
    let wd = Workspace::new();
    // Q02 扶持特色种养殖业 is 持续性任务; Q06 农文旅示范带 a task that ends; Q04's income
    // growth is known only after the year.
    for (month, statuses) in
        [(11, [("Q02", "推进中"), ("Q06", "已完成"), ("Q04", "推进中")]), (12, [("Q02", "推进中"), ("Q06", "推进中"), ("Q04", "已完成")])]
    {
        let (path, bytes) = ledger(&plan, month, &statuses);
        wd.write(&path, bytes);
    }
    wd.run(&["run", "--quiet", "--period", "2024-11"]).expect_code(1);
    wd.run(&["run", "--quiet", "--period", "2024-12"]).expect_code(1);

    // 年终考核 in December: the continuing task is 持续推进, the task that ends and is 推进中 is
    // 未完成, and Q04's 已完成 waits for its evidence.
    let result = |name: &str| row_of(&wd, "2024-12", "年终考核", 2, name)[6].clone();
    assert_eq!(result("扶持特色种养殖业"), "持续推进");
    assert_eq!(result("农文旅示范带"), "未完成");
    assert_eq!(result("脱贫户收入增速"), "未到考核期");
    // 定性任务 says why Q04 is not judged yet.
    let q04 = row_of(&wd, "2024-12", "定性任务", 3, "脱贫户收入增速").join("|");
    assert!(q04.contains("台账报“已完成”，须到 2025年2月28日 后才能判断是否完成"), "{q04}");
    // In November (before the year end) the continuing task is green 持续推进 on 定性任务 too.
    assert!(row_of(&wd, "2024-11", "定性任务", 3, "扶持特色种养殖业")[5] == "持续推进");

    // The December 通报 says the same of the tasks, in one sentence: the continuing ones that went
    // on, those judged later, and the rest (here every other department sent nothing) named.
    let notice = String::from_utf8(wd.read("output/2024-12/bulletin.txt")).unwrap();
    let sentence = notice.lines().find(|l| l.contains("项定性任务中")).unwrap_or_else(|| panic!("{notice}"));
    assert!(sentence.starts_with("16项定性任务中，"), "{sentence}");
    assert!(sentence.contains("未完成") && sentence.contains("农文旅示范带") && sentence.ends_with("1项须待次年数据判断。"), "{sentence}");
    assert!(!sentence.contains("扶持特色种养殖业"), "a continuing task carried on is not 未完成: {sentence}");
    // Q06 went back from 已完成 to 推进中: a warning at its status cell, to 区农业农村局.
    let issues = csv_maps(&wd.path("output/2024-12/issues.csv"));
    let back: Vec<_> = issues.iter().filter(|i| i["rule"].starts_with("W15")).collect();
    assert_eq!(back.len(), 1, "{back:?}");
    assert_eq!(back[0]["township"], "区农业农村局");
    assert!(back[0]["message"].contains("Q06：“进展状态”上月为“已完成”，本月为“推进中”"), "{:?}", back[0]);
    assert!(!back[0]["cell"].is_empty());
    // November had no earlier month: nothing went back.
    let november = csv_maps(&wd.path("output/2024-11/issues.csv"));
    assert!(november.iter().all(|i| !i["rule"].starts_with("W15")));
}
