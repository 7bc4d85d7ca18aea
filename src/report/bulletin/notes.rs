//! 说明: the plan and its document, how the figures are made and judged, the tool and the
//! inputs' fingerprint, and each target with its clause and the document's words.

use rust_xlsxwriter::{FormatAlign, Worksheet};

use super::super::style::{self, WriteText};
use super::{Bulletin, XResult};

pub(super) fn notes(sheet: &mut Worksheet, b: &Bulletin<'_>) -> XResult<()> {
    let plan = b.plan;
    sheet.set_name("说明")?;
    sheet.merge_range(0, 0, 0, 5, "说明", &style::title())?;
    sheet.set_row_height(0, 30)?;
    let wrap = style::base().set_text_wrap().set_align(FormatAlign::Top);
    let t = &plan.thresholds;
    let w = plan.wording();
    let (townships, short) = (&w.townships, &w.townships_short);
    let lines = [
        format!("方案：{}（{}）。", plan.plan.title, document(plan)),
        format!("方案编号 {}，方案内容摘要（sha256）{}。", plan.plan.id, plan.digest),
        format!("数据来源：各{townships}按月报送的填报表，经逐格校验；某张报表有错误，只该表不计入汇总（该{short}显示“数据有误”并注明哪张表），其余报表照常采用；未报送的不按零计算。同一村（社区）或项目重复填报的，只计第一行。"),
        format!("沿用数：某{townships}或部门的某张报表本月未采用（未报送或数据有误）时，其时点数和本年累计数沿用最近一次采用的数据（最多往前 {} 个月，限本年度），数值后标“※”并在注中写明单位和月份；沿用数不写入历史数据库，该单位补报后重新运行即被替换。超过期限的不计入汇总，底线、上限和基数类指标因此缺单位数据时状态为“数据不全”。", t.carry_months),
        format!("部门台账：各牵头单位分别报送本单位牵头指标的台账（放在“部门”文件夹，文件名或填报单位写明单位名称）；多个部门的台账同时采用；{}汇总的“{}”台账也可采用，同一指标以牵头单位自报的为准。", w.office, w.departments),
        "本月完成：本年累计数为本月累计减上月累计（1月为本月累计）；时点数为本月较上月增减。按单位逐个相减（含沿用数），两个月都没有数据的单位不计入。".to_string(),
        pace(plan),
        format!("状态：完成率 ≥ 100% 为“已完成”；完成率 ≥ 序时进度为“正常”；落后不足 {0:.0} 个百分点为“滞后”（黄）；落后 {0:.0} 个百分点及以上为“严重滞后”（红）。目标到期的当月（截止日期所在月、季节窗口的最后一月、计划事件的月份、年底）起，未完成的为“逾期未完成”（红），不再按滞后判断；年底考核的目标年底前为“未到考核期”。户、座、个、处、条等按个数计的目标，序时目标取整数（如4户到期前过了43%只要求1户）。底线、上限指标：不越线为“达标”，否则“预警”。比例指标：达到目标为“达标”；文件未写期限的，年底前未达到为“未到考核期”（只列数值），年底仍未达到为“未达标”。状态后标“※”的，所依据的数字含沿用数。", t.severe_lag_pp),
        "其他状态：“逾期完成”（黄）为期限过后才达到；“跟踪监测”为文件只要求推进、不设数量的指标，只列数值；“未到报送期”为按季或按年报送、本月不报的指标；“数据不全”为缺单位数据暂不判断；“无数据”为本月没有任何单位的数据。定性任务按牵头单位台账填报的“已完成”“推进中”（黄）“未启动”（红）显示，未报台账的为“未报送”（红）；持续性任务（方案中没有终点、要求持续推进的）报“推进中”即为“持续推进”（绿），年终考核也是“持续推进”；要待年后数据才能判断的任务（方案写明判断日期），此前为“未到考核期”。".to_string(),
        format!("缺报与分解任务：有{townships}未报送（且超过沿用期限）时，有分解任务的指标按已报送单位完成其分解任务的比例判断，并在注中写明；没有分解任务的指标，未报送单位上次采用的数合计超过全部的 {0:.0}%（从未采用过的按单位个数计）时为“数据不全”，不判滞后或逾期。比率类指标中某单位缺少分子或分母列的，该单位不计入分子和分母，并在注中写明。", t.missing_share),
        "期限与按期情况：有完工日期的限期目标（如某年度项目限期主体完工）按各项目的完工标志和完工日期判断：期限前全部完成为“已完成”，期限后才达到为“逾期完成”（黄），期限过后仍未达到为“逾期未完成”（红）。项目表的“按期情况”列逐个项目判断：按期完工、逾期完工、逾期未完工（红）、未到期；按各项目计划完工月份的目标，序时目标为计划已到期项目的任务量之和。".to_string(),
        format!("数据核对：同一事项由不同单位填报的两个数字（如{short}合计与牵头部门台账、项目任务合计与方案目标）逐月比对，不一致的列入“数据核对”表，请有关单位核实；{short}合计缺单位时不作判断。"),
        format!("校验阈值：合计行与明细之和相对误差超过 {:.1}‰ 提示；时点数环比变动超过 {:.0}% 且绝对值超过 {} 提示“大起大落”。", t.total_tolerance * 1000.0, t.jump_ratio * 100.0, crate::text::fmt(t.jump_min_abs)),
        format!("生成工具：zhenxing {}；输入文件指纹（sha256）{}。同一输入重复运行，本表内容逐字节相同。", crate::VERSION, b.input_fingerprint),
    ];
    // Topics whose rows are in CSV files (above the plan's limit), named where leaders look.
    let details = (!b.aggregated.topics.is_empty()).then(|| {
        let files: Vec<String> = b
            .aggregated
            .topics
            .iter()
            .filter_map(|topic| {
                let form = plan.form(&topic.form)?;
                Some(format!("{}（{} 行）：“{}”", form.topic(), topic.rows, super::super::detail::csv_file_name(form, b.validated.period)))
            })
            .collect();
        format!(
            "明细数据：本月已采用明细超过 {} 行的专题，专题表只列各{}小计和逐月趋势，逐行明细在本通报同一文件夹的 CSV 文件中（UTF-8 编码，可用 WPS 或 Excel 打开；列与专题明细表相同），并已写入历史数据库：{}。",
            plan.report.topic_detail_rows,
            w.townships,
            files.join("；")
        )
    });
    let lines: Vec<String> = lines.into_iter().chain(details).chain(unlisted_villages(b)).collect();
    let mut row = 2u32;
    for line in &lines {
        sheet.merge_range(row, 0, row, 5, line, &wrap)?;
        let width: f64 = [6.0, 8.0, 11.0, 24.0, 60.0, 22.0].iter().sum();
        sheet.set_row_height(row, style::fit_height(&[(line, width)]))?;
        row += 1;
    }
    row += 1;
    sheet.text(row, 0, "目标条款对照", &style::base().set_bold())?;
    row += 1;
    let headers = ["编号", "条款", "类型", "目标", "原文", "牵头单位"];
    let widths = [6.0, 8.0, 11.0, 24.0, 60.0, 22.0];
    for (c, (h, w)) in headers.iter().zip(widths).enumerate() {
        sheet.text(row, c as u16, *h, &style::header())?;
        sheet.set_column_width(c as u16, w)?;
    }
    row += 1;
    for target in &plan.targets {
        sheet.text(row, 0, &target.id, &style::cell())?;
        sheet.text(row, 1, &target.clause, &style::cell())?;
        sheet.text(row, 2, target.kind.label(), &style::cell())?;
        let name = if target.stated.is_empty() { target.name.clone() } else { format!("{}（{}）", target.name, target.stated) };
        sheet.text(row, 3, &name, &style::text_cell())?;
        sheet.text(row, 4, &target.quote, &style::text_cell())?;
        sheet.text(row, 5, target.lead_units.join("、"), &style::text_cell())?;
        row += 1;
    }
    style::print_setup(sheet, "说明", 0);
    Ok(())
}

/// The villages the units without a list reported this month (`villages = "any"`), for the office
/// to confirm and write into the plan.
fn unlisted_villages(b: &Bulletin<'_>) -> Option<String> {
    let plan = b.plan;
    let units: Vec<&str> = plan.units.iter().filter(|u| u.villages.is_any()).map(|u| u.name.as_str()).collect();
    if units.is_empty() {
        return None;
    }
    let village_forms: Vec<&str> =
        plan.township_forms().filter(|f| f.row_kind == crate::plan::RowKind::Village).map(|f| f.id.as_str()).collect();
    let listed: Vec<String> = units
        .iter()
        .map(|unit| {
            let mut names: Vec<&str> = b
                .validated
                .records
                .iter()
                .filter(|r| &*r.township == *unit && village_forms.contains(&&*r.form))
                .map(|r| r.key.as_str())
                .collect();
            names.sort();
            names.dedup();
            if names.is_empty() { format!("{unit}（本月未报村名）") } else { format!("{unit}：{}", names.join("、")) }
        })
        .collect();
    Some(format!(
        "村名待确认：以下{}的村（社区）名单尚未写入方案，不核对村名；本月报来的村（社区）为——{}。请核对后写入方案的“村（社区）”表。",
        plan.wording().townships,
        listed.join("；")
    ))
}

/// How 序时进度 is made, as this plan makes it: linear over the plan's implementation phase (or
/// the year, or up to a deadline) by whole months, and the other kinds of schedule.
fn pace(plan: &crate::plan::Plan) -> String {
    let window = match plan.phase(crate::plan::PhaseRole::Implement) {
        Some(p) => format!("{}阶段（{}至{}）", p.name, p.start.format("%-m月%-d日"), p.end.format("%-m月%-d日")),
        None => "全年（1月至12月）".to_string(),
    };
    format!(
        "序时进度：按方案为各目标写明的进度安排计算，未写明的在{window}内按已过月数均匀推进，有完成时限的推进到时限，过了时限为100%；按农时曲线的，取曲线到统计月末的累计比例；一次性完成的，计划月份以前为0、当月起为100%；年终考核的，考核期以前不判断；时序进度目标取统计月末以前最近一个节点的要求。"
    )
}

/// The document's number and date as 说明 cites them, saying which the plan does not know.
fn document(plan: &crate::plan::Plan) -> String {
    let number = plan.plan.document_no.trim();
    let issued = plan.plan.issued.map(|d| d.format("%Y年%-m月%-d日印发").to_string());
    match (number.is_empty(), issued) {
        (false, Some(date)) => format!("{number}，{date}"),
        (false, None) => format!("{number}，印发日期未载明"),
        (true, Some(date)) => format!("文号未载明，{date}"),
        (true, None) => "文号、印发日期未载明".to_string(),
    }
}
