//! A plan as the plan workbook's sheets (`sheets`): each part of the plan as a table of cells,
//! with the headers, widths, dropdowns and header notes the writer uses.

use serde::Serialize;

use super::*;
use crate::plan::{Check, Curve, Form, Indicator, Plan, Reporter, Target, Villages};

/// The definitions the workbook keeps as TOML text (`报表与指标定义`): they come from the form
/// library and are seldom changed by hand.
#[derive(Serialize, serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct Definitions {
    #[serde(default)]
    pub curves: Vec<Curve>,
    #[serde(default)]
    pub forms: Vec<Form>,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    #[serde(default)]
    pub checks: Vec<Check>,
}

fn column(header: &str, width: f64, kind: ColumnType, note: &'static str) -> BookColumn {
    BookColumn { header: header.to_string(), width, kind, note }
}

fn choice(labels: &[&str]) -> ColumnType {
    ColumnType::Choice(labels.iter().map(|s| s.to_string()).collect())
}

fn date_text(date: Option<chrono::NaiveDate>) -> BookCell {
    BookCell::text(date.map(|d| d.to_string()).unwrap_or_default())
}

/// The plan workbook's sheets, in order (the guide sheet is the writer's own).
pub fn sheets(plan: &Plan) -> Vec<BookSheet> {
    vec![
        basics(plan),
        phases(plan),
        units(plan),
        villages(plan),
        departments(plan),
        targets(plan),
        allocations(plan),
        indicators(plan),
        definitions(plan),
    ]
}

/// The title of a sheet: `萧县2025年乡村振兴方案·目标`.
fn title(plan: &Plan, what: &str) -> String {
    format!("{}{}年乡村振兴方案·{what}", plan.plan.district, plan.plan.year)
}

/// 基本信息: one row per fact (项目 | 内容 | 说明).
pub(super) const BASIC_FACTS: [(&str, &str); 20] = [
    ("方案编号", "英文、数字和连字符，如 341322-2025；历史数据库以它区分方案"),
    ("县（市、区、旗）名称", "通报标题和文件名用，如 萧县"),
    ("全称", "含上级市，如 安徽省宿州市萧县"),
    ("级别", "区、县、县级市或旗：通报中“全县”“县直部门”等用语随之"),
    ("区划代码", "统计用区划代码（12位）"),
    ("年度", "方案年度，如 2025"),
    ("方案标题", "方案文件的标题"),
    ("文号", "如 萧乡振组办发〔2025〕1号"),
    ("印发单位", ""),
    ("印发日期", "写成 2025-03-08"),
    ("办公室", "运行本工具、在通报上署名的办公室"),
    ("报送截止日", "次月几日前报送（如 5）；空着表示不设截止日"),
    ("牵头单位暂定说明", "文件未写牵头单位、由本办暂定时写明理由，通报标“暂定”"),
    ("严重滞后（百分点）", "落后序时进度达到这么多个百分点为“严重滞后”"),
    ("大起大落比例", "时点数环比变动超过这个比例提示“大起大落”（0.5 即 50%）"),
    ("大起大落最小变动", "变动的绝对值不到这个数不提示"),
    ("合计行容差", "合计行与明细之和的相对误差超过它提示（0.001 即千分之一）"),
    ("沿用月数", "某单位本月未采用时，沿用其最近几个月内的数据（默认 2）"),
    ("缺报占比（%）", "未报送单位上次采用的数占全县（区）数超过这个百分比时，无分解任务的指标显示“数据不全”，不判滞后（默认 10）"),
    ("专题明细行数上限", "一个专题本月明细超过这么多行时，通报只列小计、明细另存 CSV"),
];

fn basics(plan: &Plan) -> BookSheet {
    let m = &plan.plan;
    let t = &plan.thresholds;
    let values = [
        BookCell::text(&m.id),
        BookCell::text(&m.district),
        BookCell::text(&m.district_full),
        BookCell::text(m.level.map(level_label).unwrap_or_default()),
        BookCell::text(&m.code),
        BookCell::Number(m.year as f64),
        BookCell::text(&m.title),
        BookCell::text(&m.document_no),
        BookCell::text(&m.issued_by),
        date_text(m.issued),
        BookCell::text(&m.office),
        BookCell::number(m.submission_deadline_day.map(f64::from)),
        BookCell::text(&m.lead_units_assumption),
        BookCell::Number(t.severe_lag_pp),
        BookCell::Number(t.jump_ratio),
        BookCell::Number(t.jump_min_abs),
        BookCell::Number(t.total_tolerance),
        BookCell::Number(t.carry_months as f64),
        BookCell::Number(t.missing_share),
        BookCell::Number(plan.report.topic_detail_rows as f64),
    ];
    BookSheet {
        name: BASICS,
        title: title(plan, "基本信息"),
        columns: vec![
            column("项目", 22.0, ColumnType::Text, ""),
            column("内容", 48.0, ColumnType::Wrapped, "按左列的项目填写"),
            column("说明", 60.0, ColumnType::Wrapped, ""),
        ],
        rows: BASIC_FACTS
            .iter()
            .zip(values)
            .map(|((name, help), value)| vec![BookCell::text(*name), value, BookCell::text(*help)])
            .collect(),
        summary_rows: 0,
    }
}

fn phases(plan: &Plan) -> BookSheet {
    BookSheet {
        name: PHASES,
        title: title(plan, "实施阶段"),
        columns: vec![
            column("阶段名称", 16.0, ColumnType::Text, "文件“实施步骤”中的阶段，如 集中实施"),
            column(
                "作用",
                12.0,
                choice(&["安排部署", "集中实施", "考核验收"]),
                "集中实施：未写进度安排的目标在此阶段内均匀推进；考核验收：从此起通报列年终考核",
            ),
            column("开始日期", 12.0, ColumnType::Date, "写成 2025-03-25"),
            column("结束日期", 12.0, ColumnType::Date, "写成 2025-10-30"),
        ],
        rows: plan
            .phases
            .iter()
            .map(|p| {
                vec![BookCell::text(&p.name), BookCell::text(phase_role_label(p.role)), date_text(Some(p.start)), date_text(Some(p.end))]
            })
            .collect(),
        summary_rows: 0,
    }
}

fn units(plan: &Plan) -> BookSheet {
    let wording = plan.wording();
    let kinds: Vec<&str> = UnitKind::ALL.iter().map(|k| unit_kind_label(*k)).collect();
    BookSheet {
        name: UNITS,
        title: title(plan, &format!("{}（填报单位）", wording.townships)),
        columns: vec![
            column("序号", 6.0, ColumnType::Number, ""),
            column("名称", 18.0, ColumnType::Text, "与统计名录一致；各单位报表的文件名和“填报单位”按此识别"),
            column("类型", 10.0, choice(&kinds), "镇、乡、街道、苏木或开发区（园区）"),
            column("区划代码", 16.0, ColumnType::Text, "统计用区划代码（12位）"),
            column("别名", 24.0, ColumnType::Text, "文件名中可能用的其他名称（简称、更名前的名称），用“、”分隔"),
            column(
                "村名单",
                10.0,
                choice(&[LISTED, ANY_VILLAGE]),
                "名录：村（社区）表中列出本单位的村；不限：暂不核对村名，报来的村名列出待确认",
            ),
        ],
        rows: plan
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                vec![
                    BookCell::Number((i + 1) as f64),
                    BookCell::text(&u.name),
                    BookCell::text(unit_kind_label(u.kind())),
                    BookCell::text(&u.code),
                    BookCell::text(join_list(&u.aliases)),
                    BookCell::text(if u.villages.is_any() { ANY_VILLAGE } else { LISTED }),
                ]
            })
            .collect(),
        summary_rows: 0,
    }
}

fn villages(plan: &Plan) -> BookSheet {
    let wording = plan.wording();
    let rows = plan
        .units
        .iter()
        .filter(|u| matches!(u.villages, Villages::Listed(_)))
        .flat_map(|u| u.villages.names().iter().map(move |v| vec![BookCell::text(&u.name), BookCell::text(v)]))
        .collect();
    BookSheet {
        name: VILLAGES,
        title: title(plan, "村（社区）名录"),
        columns: vec![
            column(&format!("所属{}", wording.townships), 18.0, ColumnType::Text, "单位表中的名称"),
            column("村（社区）", 20.0, ColumnType::Text, "与统计名录一致；报表中的村名按此核对"),
        ],
        rows,
        summary_rows: 0,
    }
}

fn departments(plan: &Plan) -> BookSheet {
    BookSheet {
        name: DEPARTMENTS,
        title: title(plan, "牵头部门"),
        columns: vec![
            column("名称", 20.0, ColumnType::Text, "如 县农业农村局；目标的牵头单位须在此列出"),
            column("别名", 24.0, ColumnType::Text, "台账文件可能用的其他名称，用“、”分隔"),
            column("报送频次", 10.0, choice(&["月报", "季报", "年报"]), "台账多久报一次；未到报送期的不算未报送"),
            column("年报月份", 10.0, ColumnType::Number, "年报的报送月份（1—12，默认 12）"),
        ],
        rows: plan
            .department_list
            .iter()
            .map(|d| {
                vec![
                    BookCell::text(&d.name),
                    BookCell::text(join_list(&d.aliases)),
                    BookCell::text(frequency_label(d.frequency)),
                    BookCell::number(d.report_month.map(f64::from)),
                ]
            })
            .collect(),
        summary_rows: 0,
    }
}

/// The columns of 目标, in order: what each holds of a target.
pub(super) const TARGET_COLUMNS: [&str; 27] = [
    "编号",
    "条款",
    "重点任务",
    "目标名称",
    "类型",
    "指标",
    "目标值",
    "原文表述",
    "完成时限",
    "牵头单位",
    "责任单位",
    "原文",
    "报送频次",
    "年报月份",
    "基数",
    "基数说明",
    "时序节点",
    "进度安排",
    "进度开始",
    "进度截止",
    "进度曲线",
    "计划月份",
    "计划指标",
    "进度暂定",
    "进度依据",
    "按期指标",
    "目标值暂定原因",
];

fn target_columns() -> Vec<BookColumn> {
    let kinds: Vec<&str> = TARGET_KINDS.iter().map(|k| k.label()).collect();
    let schedules: Vec<&str> = SCHEDULE_KINDS.iter().map(|k| schedule_kind_label(*k)).collect();
    let t = ColumnType::Text;
    vec![
        column("编号", 7.0, t.clone(), "目标编号，如 T01（不重复）"),
        column("条款", 9.0, t.clone(), "方案文件中的条款，如 二(一)1"),
        column("重点任务", 18.0, ColumnType::Wrapped, "条款的任务名称"),
        column("目标名称", 20.0, ColumnType::Wrapped, "通报中显示的名称"),
        column(
            "类型",
            13.0,
            ColumnType::Choice(kinds.iter().map(|s| s.to_string()).collect()),
            "年度/限期目标、数量目标、底线（红线）、比例目标、时序进度、跟踪监测、定性任务、持续性任务",
        ),
        column("指标", 24.0, ColumnType::Indicator, "从下拉框选择（见“指标”表）；定性任务、持续性任务不填"),
        column("目标值", 11.0, ColumnType::Number, "只填数字，按指标的单位（6万亩填 60000，60%填 60）；原文写法填在“原文表述”"),
        column("原文表述", 12.0, t.clone(), "文件的写法，如 6万亩"),
        column("完成时限", 12.0, ColumnType::Date, "如 2025-03-31；年度目标不填"),
        column("牵头单位", 20.0, ColumnType::Wrapped, "部门表中的名称，多个用“、”分隔，第一个为主"),
        column("责任单位", 18.0, ColumnType::Wrapped, "多个用“、”分隔"),
        column("原文", 40.0, ColumnType::Wrapped, "文件中写明这一目标的句子"),
        column("报送频次", 9.0, choice(&["月报", "季报", "年报"]), "部门台账指标多久报一次，默认月报"),
        column("年报月份", 9.0, ColumnType::Number, "年报的报送月份（默认 12）"),
        column("基数", 10.0, ColumnType::Number, "“不低于基数”类目标的基数（如上年数）"),
        column("基数说明", 14.0, t.clone(), "基数的来源"),
        column("时序节点", 24.0, t.clone(), "时序进度类目标：如 2025-04-30 35；2025-06-30 55"),
        column(
            "进度安排",
            12.0,
            ColumnType::Choice(schedules.iter().map(|s| s.to_string()).collect()),
            "不填：在集中实施阶段（没有则全年）均匀推进",
        ),
        column("进度开始", 12.0, ColumnType::Date, "均匀推进的开始日期"),
        column("进度截止", 12.0, ColumnType::Date, "均匀推进或年终考核的截止日期"),
        column("进度曲线", 12.0, t.clone(), "农时曲线的编号（见“报表与指标定义”的 curves）"),
        column("计划月份", 9.0, ColumnType::Number, "一次性完成的计划月份（1—12）"),
        column("计划指标", 16.0, ColumnType::Indicator, "按计划完工月份：计划完成量的指标"),
        column("进度暂定", 9.0, choice(&["是", "否"]), "文件未写时间、由本办暂定的填“是”"),
        column("进度依据", 24.0, ColumnType::Wrapped, "进度安排的依据（暂定的须写明）"),
        column("按期指标", 16.0, ColumnType::Indicator, "只计期限内完成的指标（判断逾期完成）"),
        column("目标值暂定原因", 20.0, ColumnType::Wrapped, "目标值或基数不是文件原数时写明原因，通报标“暂定”"),
    ]
}

fn target_row(t: &Target) -> Vec<BookCell> {
    let schedule = t.schedule.as_ref();
    let milestones: Vec<String> = t.milestones.iter().map(|m| format!("{} {}", m.by, m.value)).collect();
    vec![
        BookCell::text(&t.id),
        BookCell::text(&t.clause),
        BookCell::text(&t.task),
        BookCell::text(&t.name),
        BookCell::text(t.kind.label()),
        BookCell::text(t.indicator.clone().unwrap_or_default()),
        BookCell::number(t.value),
        BookCell::text(&t.stated),
        date_text(t.deadline),
        BookCell::text(join_list(&t.lead_units)),
        BookCell::text(join_list(&t.responsible_units)),
        BookCell::text(&t.quote),
        BookCell::text(if t.frequency.is_monthly() { "" } else { frequency_label(t.frequency) }),
        BookCell::number(t.report_month.map(f64::from)),
        BookCell::number(t.baseline),
        BookCell::text(&t.baseline_label),
        BookCell::text(milestones.join("；")),
        BookCell::text(schedule.map(|s| schedule_kind_label(s.kind)).unwrap_or_default()),
        date_text(schedule.and_then(|s| s.start)),
        date_text(schedule.and_then(|s| s.due)),
        BookCell::text(schedule.and_then(|s| s.curve.clone()).unwrap_or_default()),
        BookCell::number(schedule.and_then(|s| s.month).map(f64::from)),
        BookCell::text(schedule.and_then(|s| s.indicator.clone()).unwrap_or_default()),
        BookCell::text(schedule.map(|s| if s.assumed { "是" } else { "否" }).unwrap_or_default()),
        BookCell::text(schedule.map(|s| s.source.clone()).unwrap_or_default()),
        BookCell::text(t.on_time.clone().unwrap_or_default()),
        BookCell::text(&t.assumption),
    ]
}

fn targets(plan: &Plan) -> BookSheet {
    BookSheet {
        name: TARGETS,
        title: title(plan, "目标"),
        columns: target_columns(),
        rows: plan.targets.iter().map(target_row).collect(),
        summary_rows: 0,
    }
}

/// The targets with a column on 分解任务: those with allocations, and the township targets that
/// could have them (a number to reach or a line, from a township form).
pub(super) fn allocated_targets(plan: &Plan) -> Vec<&Target> {
    plan.targets
        .iter()
        .filter(|t| {
            let township = t
                .indicator
                .as_deref()
                .and_then(|i| plan.indicator(i))
                .and_then(|i| plan.indicator_form(i))
                .and_then(|f| plan.form(f))
                .is_some_and(|f| f.reporter == Reporter::Township);
            !t.allocations.is_empty()
                || (township
                    && matches!(t.kind, crate::plan::TargetKind::AtLeast | crate::plan::TargetKind::Count | crate::plan::TargetKind::Floor))
        })
        .collect()
}

/// The header of a target's column on 分解任务: `T01 粮食播种面积（亩）`.
pub(super) fn allocation_header(plan: &Plan, target: &Target) -> String {
    let unit = target.indicator.as_deref().and_then(|i| plan.indicator(i)).map(|i| format!("（{}）", i.unit)).unwrap_or_default();
    format!("{} {}{unit}", target.id, target.name)
}

fn allocations(plan: &Plan) -> BookSheet {
    let targets = allocated_targets(plan);
    let wording = plan.wording();
    let mut columns = vec![column(&wording.townships, 18.0, ColumnType::Text, "单位表中的名称")];
    columns.extend(
        targets.iter().map(|t| column(&allocation_header(plan, t), 14.0, ColumnType::Number, "分解到各单位的任务数；空着表示不分解")),
    );
    let mut rows: Vec<Vec<BookCell>> = plan
        .units
        .iter()
        .map(|u| {
            std::iter::once(BookCell::text(&u.name))
                .chain(targets.iter().map(|t| BookCell::number(t.allocations.get(&u.name).copied())))
                .collect()
        })
        .collect();
    // The sums and the targets, for the statistician to compare (not read back).
    let sum = |t: &Target| (!t.allocations.is_empty()).then(|| plan.units.iter().filter_map(|u| t.allocations.get(&u.name)).sum::<f64>());
    rows.push(std::iter::once(BookCell::text(SUM_ROW)).chain(targets.iter().map(|t| BookCell::number(sum(t)))).collect());
    rows.push(std::iter::once(BookCell::text(TARGET_ROW)).chain(targets.iter().map(|t| BookCell::number(t.value))).collect());
    BookSheet { name: ALLOCATIONS, title: title(plan, "任务分解"), columns, rows, summary_rows: 2 }
}

fn indicators(plan: &Plan) -> BookSheet {
    BookSheet {
        name: INDICATORS,
        title: title(plan, "指标（目标表“指标”列的下拉选项，由“报表与指标定义”生成，改此表无效）"),
        columns: vec![
            column("编号", 26.0, ColumnType::Text, ""),
            column("名称", 36.0, ColumnType::Wrapped, ""),
            column("单位", 8.0, ColumnType::Text, ""),
            column("来源", 30.0, ColumnType::Wrapped, ""),
        ],
        rows: plan
            .indicators
            .iter()
            .map(|i| {
                let source = match (&i.form, &i.numerator, &i.denominator) {
                    (Some(form), _, _) => {
                        let sheet = plan.form(form).map(|f| f.sheet.as_str()).unwrap_or("");
                        let column = i
                            .column
                            .as_deref()
                            .and_then(|c| plan.form(form).and_then(|f| f.column(c)))
                            .map(|c| c.name.as_str())
                            .unwrap_or("计行数");
                        format!("{form} {sheet}·{column}")
                    }
                    (None, Some(n), Some(d)) => format!("{n} ÷ {d}"),
                    _ => String::new(),
                };
                vec![BookCell::text(&i.id), BookCell::text(&i.name), BookCell::text(&i.unit), BookCell::text(source)]
            })
            .collect(),
        summary_rows: 0,
    }
}

fn definitions(plan: &Plan) -> BookSheet {
    let definitions = Definitions {
        curves: plan.curves.clone(),
        forms: plan.forms.clone(),
        indicators: plan.indicators.clone(),
        checks: plan.checks.clone(),
    };
    let text = toml::to_string_pretty(&definitions).expect("definitions serialise");
    BookSheet {
        name: ADVANCED,
        title: title(plan, "报表、指标、农时曲线和核对项的定义（TOML，一般不需修改）"),
        columns: vec![column("定义", 120.0, ColumnType::Text, "每行一行 TOML；写法见方案编写指南")],
        rows: text.lines().map(|line| vec![BookCell::text(line)]).collect(),
        summary_rows: 0,
    }
}
