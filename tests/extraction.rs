//! The extraction contract (EXTRACTION.md §1-3), case by case, through the whole text pipeline
//! (`Engine::analyze_text` with the built-in config).
//!
//! Every example the spec gives is here, each inside a short sentence of the kind a report writer
//! would write, followed by cases made from the patterns the spec lists (other measure words,
//! hedge positions, Chinese numerals, full-width digits, Traditional characters, calendar spans,
//! fixed terms, hotlines, titles, indicator assignments). A case lists EVERY mention the sentence
//! should yield, in order, so that includes and excludes are checked by the same table. Each test
//! runs its whole table and reports every failing case at once.

use std::sync::LazyLock;

use fazhi::config::Config;
use fazhi::pipeline::Engine;

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(Config::builtin().expect("the built-in config compiles")));

const E: &str = "exact";
const MT: &str = "more_than";
const AL: &str = "at_least";
const AP: &str = "approx";
const LT: &str = "less_than";

/// One expected mention: value, canonical unit, qualifier.
type Want = (f64, &'static str, &'static str);

/// A sentence and every mention it must yield, in document order.
type Case = (&'static str, &'static [Want]);

/// A sentence, the (value, unit) of one of its mentions, and the indicator that mention must get.
type IndicatorCase = (&'static str, f64, &'static str, Option<&'static str>);

/// What the pipeline extracted from `text`: (raw, value, unit, qualifier, indicator).
fn extract(text: &str) -> Vec<(String, f64, String, String, Option<String>)> {
    ENGINE
        .analyze_text(text, "case.txt")
        .mentions
        .into_iter()
        .map(|m| {
            (
                m.raw.into(),
                m.value,
                m.unit.into(),
                m.qualifier.as_str().to_owned(),
                m.indicator.map(Into::into),
            )
        })
        .collect()
}

fn same_value(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(1.0)
}

/// Runs a table of cases; panics listing every case whose mentions differ from the expected.
fn check_mentions(cases: &[Case]) {
    let mut failures = Vec::new();
    for &(text, want) in cases {
        let got = extract(text);
        let ok = got.len() == want.len()
            && got
                .iter()
                .zip(want)
                .all(|(g, w)| same_value(g.1, w.0) && g.2 == w.1 && g.3 == w.2);
        if !ok {
            let got: Vec<String> = got
                .iter()
                .map(|g| format!("{}={} {} {}", g.0, g.1, g.2, g.3))
                .collect();
            let want: Vec<String> = want
                .iter()
                .map(|w| format!("{} {} {}", w.0, w.1, w.2))
                .collect();
            failures.push(format!(
                "  {text}\n    want [{}]\n    got  [{}]",
                want.join("; "),
                got.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Runs a table of indicator cases: the first mention with the given value and unit must carry
/// the given indicator (or none).
fn check_indicators(cases: &[IndicatorCase]) {
    let mut failures = Vec::new();
    for &(text, value, unit, want) in cases {
        let got = extract(text);
        let found = got.iter().find(|g| same_value(g.1, value) && g.2 == unit);
        match found {
            Some(g) if g.4.as_deref() == want => {}
            Some(g) => failures.push(format!(
                "  {text}\n    {value} {unit}: want {want:?}, got {:?}",
                g.4
            )),
            None => failures.push(format!(
                "  {text}\n    no mention {value} {unit} (got {:?})",
                got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ───────────────────────────── §1 include: the spec's examples ─────────────────────────────

#[test]
fn spec_includes_arabic_numerals_decimals_separators_and_full_width_digits() {
    check_mentions(&[
        (
            "全年开展执法巡查120余次,督促整改问题隐患。",
            &[(120.0, "次", MT)],
        ),
        ("群众对政务服务的满意率为95.56%。", &[(95.56, "%", E)]),
        (
            "全年收缴罚没款25.2万元,全部上缴国库。",
            &[(252000.0, "元", E)],
        ),
        ("全镇共走访摸排群众1,094户。", &[(1094.0, "户", E)]),
        (
            "查处违法占道经营１２起,已全部整改到位。",
            &[(12.0, "起", E)],
        ),
    ]);
}

#[test]
fn spec_includes_chinese_numerals_with_a_measure_word() {
    check_mentions(&[
        ("镇政府聘请四名律师担任法律顾问。", &[(4.0, "名", E)]),
        ("组织开展法治专题培训十多场次。", &[(10.0, "场次", MT)]),
        (
            "镇党委聘请三名律师为村(社区)提供法律服务。",
            &[(3.0, "名", E)],
        ),
        ("发放宪法读本和宣传折页两万余份。", &[(20000.0, "份", MT)]),
        ("全年开展法治宣传进村入户一百二十次。", &[(120.0, "次", E)]),
    ]);
}

#[test]
fn spec_includes_mixed_arabic_and_multiplier() {
    check_mentions(&[
        (
            "线上线下普法活动惠及群众1.5万人次。",
            &[(15000.0, "人次", E)],
        ),
        ("全年法治宣传受众达5万人次。", &[(50000.0, "人次", E)]),
        (
            "统筹投入法治阵地建设资金1140余万元。",
            &[(11400000.0, "元", MT)],
        ),
    ]);
}

#[test]
fn spec_includes_targets_people_breakdowns_repeats_and_shared_numbers() {
    check_mentions(&[
        ("领导干部年度学法不少于40课时。", &[(40.0, "课时", AL)]),
        ("今年新增1人顺利通过执法资格考试。", &[(1.0, "人", E)]),
        ("目前我镇公职人员有40人。", &[(40.0, "人", E)]),
        (
            "全年在执法平台录入案件516宗,其中行政处罚案件18宗,11宗已办结,7宗正在办理。",
            &[
                (516.0, "宗", E),
                (18.0, "宗", E),
                (11.0, "宗", E),
                (7.0, "宗", E),
            ],
        ),
        (
            "上半年开展安全生产检查3次。下半年又开展消防安全检查3次。",
            &[(3.0, "次", E), (3.0, "次", E)],
        ),
        ("年度学法考试参考率、合格率均达100%。", &[(100.0, "%", E)]),
    ]);
}

#[test]
fn spec_includes_spaces_inside_a_mention() {
    check_mentions(&[
        ("召开法治建设专题会议1 次。", &[(1.0, "次", E)]),
        ("全年受理群众诉求1.3 万件。", &[(13000.0, "件", E)]),
        ("组织机关干部260 余名参加旁听庭审。", &[(260.0, "名", MT)]),
    ]);
}

#[test]
fn spec_includes_counts_of_listed_things_but_not_rhetorical_points() {
    check_mentions(&[
        (
            "联合接诉即办、信访办、司法所、人大代表4个部门开展联合接访。",
            &[(4.0, "个", E)],
        ),
        ("着力打造三个诉源治理发力点。", &[]),
        ("集中解决群众反映的两大突出问题。", &[]),
        (
            "镇党委书记召开一次专题会议研究法治建设工作。",
            &[(1.0, "次", E)],
        ),
    ]);
}

#[test]
fn spec_includes_durations_and_drops_ge_before_time_nouns() {
    check_mentions(&[
        ("每名执法人员年度培训40课时。", &[(40.0, "课时", E)]),
        ("新入职人员集中脱产学习10天以上。", &[(10.0, "天", AL)]),
        (
            "依申请公开事项均在21个工作日内答复。",
            &[(21.0, "工作日", E)],
        ),
        ("开展为期3个月的违法建设专项整治。", &[(3.0, "月", E)]),
    ]);
}

// ───────────────────────────── §1 exclude: the spec's examples ─────────────────────────────

#[test]
fn spec_excludes_years_months_days_dates_and_clock_times() {
    check_mentions(&[
        ("2024年,我镇共开展法治培训5次。", &[(5.0, "次", E)]),
        ("2024年度全镇法治政府建设工作成效明显。", &[]),
        ("2020年8月,镇司法所完成法律顾问选聘。", &[]),
        ("3月,镇政府召开依法行政工作会议。", &[]),
        ("12月4日组织开展国家宪法日宣传活动。", &[]),
        ("《法治政府建设实施纲要(2021-2025年)》全面落实。", &[]),
        ("对标2022—2025目标任务逐项推进。", &[]),
        ("本报告于2024-12-04报送区司法局。", &[]),
        ("发布日期为2025-01-16的公告已公开。", &[]),
        ("会议于14:27结束,8:00开始受理。", &[]),
    ]);
}

#[test]
fn spec_excludes_ordinals_list_markers_and_plenums() {
    check_mentions(&[
        ("一、2024年法治政府建设主要举措", &[]),
        ("(一)加强党对法治政府建设的领导", &[]),
        ("1.强化学法用法,提升依法行政能力。", &[]),
        ("一是健全制度;二是强化监督;三是加强考核。", &[]),
        ("第一,坚持党的领导;第二,坚持依法决策。", &[]),
        ("我镇入选第二批全国民主法治示范村培育名单。", &[]),
        ("建成全区首个村级法治文化广场和首批法治宣传阵地。", &[]),
        ("深入学习贯彻党的二十大精神。", &[]),
        ("认真学习党的二十届一中全会精神。", &[]),
        ("系统学习党的十九届六中全会精神。", &[]),
        ("全面贯彻落实第十三次党代会部署。", &[]),
        ("科学编制第八个五年法治宣传教育规划。", &[]),
        ("深入学习贯彻省委十一届三次、四次全会精神。", &[]),
    ]);
}

#[test]
fn spec_excludes_spans_of_time_used_as_calendar() {
    check_mentions(&[
        ("一年来,镇党委高度重视法治建设。", &[]),
        ("2024年以来,我镇持续深化依法行政。", &[]),
        ("近三年未发生行政败诉案件。", &[]),
        ("镇党委理论学习中心组每两月1次专题学法。", &[(1.0, "次", E)]),
    ]);
}

#[test]
fn spec_excludes_numerals_in_fixed_terms_slogans_and_programme_names() {
    // Each term unquoted: the spec says they are "mostly in quotes but not always".
    let terms = [
        "全面推行行政执法三项制度",
        "坚决做到两个维护",
        "牢固树立四个意识",
        "坚定四个自信",
        "深刻领悟两个确立的决定性意义",
        "深化1310工作机制",
        "全面落实一村(社区)一法律顾问制度",
        "推行一房一方案整治",
        "深化三所联动机制",
        "构建一纵四横工作格局",
        "扎实开展法律六进活动",
        "推动普法九进",
        "依托两平台开展监管",
        "全面推行双随机一公开监管",
        "严格执行三重一大决策制度",
        "落实十五条硬措施",
        "打造十分钟法治文化圈",
        "推广七晚工作法",
        "启动八五普法规划",
        "全面完成七五普法总结验收",
        "谋划十四五法治建设",
        "落实一规划两纲要",
        "推进高效办成一件事",
    ];
    let cases: Vec<Case> = terms.iter().map(|t| (*t, &[][..])).collect();
    check_mentions(&cases);
}

#[test]
fn spec_excludes_hotlines_and_phone_numbers() {
    check_mentions(&[
        ("办理12345热线转办工单320件。", &[(320.0, "件", E)]),
        ("12345政务服务便民热线办结率持续提升。", &[]),
        ("全年处置110接警32起。", &[(32.0, "起", E)]),
        (
            "通过12348法律服务热线解答群众咨询56人次。",
            &[(56.0, "人次", E)],
        ),
        ("受理答复8890诉求655件。", &[(655.0, "件", E)]),
    ]);
}

#[test]
fn spec_excludes_quoted_requirements_and_n_plus_slogans() {
    check_mentions(&[
        ("全面实现“三个100%”工作要求。", &[]),
        ("构建“6+N”矛盾纠纷调解体系。", &[]),
        ("推行1+1+N法律服务模式。", &[]),
    ]);
}

#[test]
fn spec_excludes_commemorative_days() {
    check_mentions(&[
        ("利用6.26国际禁毒日开展禁毒宣传活动3场。", &[(3.0, "场", E)]),
        ("结合3.8国际妇女节开展妇女权益保障普法。", &[]),
        ("围绕12.4国家宪法日集中开展宪法宣传。", &[]),
        ("在“3·15”期间发放消费维权资料500份。", &[(500.0, "份", E)]),
        ("以“6.15”安全生产日为契机开展宣传。", &[]),
    ]);
}

#[test]
fn spec_excludes_document_numbers_articles_and_titles() {
    check_mentions(&[
        ("印发《实施方案》(龙府〔2024〕3号)。", &[]),
        ("依据《行政处罚法》第十条规定执行。", &[]),
        ("认真落实《关于推动法治建设全面提质23条措施》。", &[]),
    ]);
}

#[test]
fn spec_excludes_page_furniture() {
    check_mentions(&[
        ("浏览量:1\n全镇全年开展普法活动12场。", &[(12.0, "场", E)]),
        (
            "浏览次数:1832\n全镇全年开展普法活动12场。",
            &[(12.0, "场", E)],
        ),
        // The pager of a listing page.
        (
            "全镇全年开展普法活动12场。\n共 56 条 第 1/6 页 首页 上一页 下一页 尾页\n上一篇:某镇召开普法工作会议",
            &[(12.0, "场", E)],
        ),
        // Attachment counters.
        (
            "全镇全年开展普法活动12场。\n附件下载(2个)\n(共3个附件)",
            &[(12.0, "场", E)],
        ),
        // Kangxi radicals of a PDF text layer are the ideographs they look like.
        ("全年开展普法活动⼗多场次,受益群众1200余⼈次。", &[(10.0, "场次", MT), (1200.0, "人次", MT)]),
    ]);
}

#[test]
fn spec_excludes_a_number_cut_off_before_its_unit() {
    check_mentions(&[("依托智慧平台数据汇集5800", &[])]);
}

#[test]
fn spec_excludes_words_that_merely_contain_a_numeral() {
    check_mentions(&[
        ("取得了一定成效,但仍存在一些不足。", &[]),
        ("统一规范执法文书,进一步推进一体化建设。", &[]),
        ("执法人员一律持证上岗,这是唯一标准。", &[]),
        ("各部门一起研究解决问题,执法力量下沉一线。", &[]),
        ("法治宣传走进万家,千方百计解决群众难题。", &[]),
        ("党政主要负责人切实履行一把手职责,服务百姓。", &[]),
    ]);
}

// ───────────────────────────── §2 value, unit, qualifier: the spec's examples ─────────────────

#[test]
fn spec_values_and_canonical_units() {
    check_mentions(&[
        ("全年收缴罚款25.2万元。", &[(252000.0, "元", E)]),
        ("累计投入法治建设资金3亿元。", &[(300000000.0, "元", E)]),
        ("投入资金1140余万元。", &[(11400000.0, "元", MT)]),
        ("案件办结率达95.56%。", &[(95.56, "%", E)]),
        ("案件办结率达95.56％。", &[(95.56, "%", E)]),
        ("拆除违法建筑2572㎡。", &[(2572.0, "m²", E)]),
        ("拆除违法建筑2572平方米。", &[(2572.0, "m²", E)]),
        ("普法宣传覆盖群众5万人次。", &[(50000.0, "人次", E)]),
        ("开展执法巡查120余次。", &[(120.0, "次", MT)]),
        ("组织法治讲座十多场次。", &[(10.0, "场次", MT)]),
        ("参加网上学法40课时。", &[(40.0, "课时", E)]),
    ]);
}

#[test]
fn scaled_values_are_the_decimals_written() {
    // Exactly, not within a tolerance: analysts compare and join on these values, and in
    // binary 2.3 × 10⁸ is 229999999.99999997.
    let cases = [
        ("调处涉及金额达2.3亿元。", 230_000_000.0),
        ("罚没款1.15万元。", 11_500.0),
        ("罚没款金额共计1,234.56万元。", 12_345_600.0),
        ("投入资金0.35亿元。", 35_000_000.0),
        ("覆盖群众4.1万余人次。", 41_000.0),
        ("满意率提高了7.5成。", 75.0),
    ];
    for (text, want) in cases {
        let got: Vec<f64> = extract(text).iter().map(|m| m.1).collect();
        assert_eq!(got, [want], "{text}");
    }
}

#[test]
fn unit_signs_become_the_units_they_stand_for() {
    check_mentions(&[
        (
            "新建道路12km,整治河道3.5km²。",
            &[(12.0, "公里", E), (3.5, "平方公里", E)],
        ),
        (
            "清淤2000m³,拆除违建1200 m²。",
            &[(2000.0, "立方米", E), (1200.0, "m²", E)],
        ),
        ("新建5G基站,服务G20峰会。", &[]),
    ]);
}

#[test]
fn a_bracketed_tail_completes_the_measure_word() {
    // 场(次), 人(次), 户(次): the count is of 场次, 人次, 户次, and the brackets are part of it
    check_mentions(&[
        ("开展普法宣传活动56场(次)。", &[(56.0, "场次", E)]),
        ("受众1.5万人(次)。", &[(15000.0, "人次", E)]),
        ("开展执法检查218户（次）。", &[(218.0, "户次", E)]),
        ("出动执法人员300余人(次)。", &[(300.0, "人次", MT)]),
        // 件份 is no measure word: the count stays one of 件
        ("审查合同合计37件(份)。", &[(37.0, "件", E)]),
    ]);
    let raw: Vec<String> = extract("开展普法宣传活动56场(次)。")
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert_eq!(raw, ["56场(次)"]);
}

#[test]
fn tenths_are_percentages() {
    // 成 is a tenth: a share written out in tenths is a percentage
    check_mentions(&[
        ("群众满意度达九成以上。", &[(90.0, "%", AL)]),
        ("两成干部参加旁听庭审。", &[(20.0, "%", E)]),
        ("满意率提高了7.5成。", &[(75.0, "%", E)]),
        // ...but not in words that start with 成, nor in idioms
        ("由12成员单位组成,工作一成不变,群众三五成群。", &[]),
    ]);
}

#[test]
fn spec_hedge_beats_exact_and_multipliers_combine_with_hedges() {
    check_mentions(&[
        ("各类普法活动共计930余人次参与。", &[(930.0, "人次", MT)]),
        ("发放困难群众法律援助补贴0.5万余元。", &[(5000.0, "元", MT)]),
        ("全区法治宣传覆盖50余万人。", &[(500000.0, "人", MT)]),
        ("线上答题活动吸引两万余人次参加。", &[(20000.0, "人次", MT)]),
    ]);
}

#[test]
fn spec_qualifiers_from_hedge_words() {
    check_mentions(&[
        // exact
        ("全年培训执法人员达300人次。", &[(300.0, "人次", E)]),
        ("全镇共排查隐患45处。", &[(45.0, "处", E)]),
        ("全年共计受理行政复议案件6件。", &[(6.0, "件", E)]),
        ("累计发放宣传资料8000份。", &[(8000.0, "份", E)]),
        ("合计化解矛盾纠纷132件。", &[(132.0, "件", E)]),
        ("约见企业负责人12人开展法治约谈。", &[(12.0, "人", E)]),
        // the 约 of a word that is no hedge: 村规民约 "village compact", 约谈 "summon"
        ("修订完善村规民约12部。", &[(12.0, "部", E)]),
        ("各村村规民约修订率达100%。", &[(100.0, "%", E)]),
        ("居民公约的知晓率为90%。", &[(90.0, "%", E)]),
        ("约谈企业负责人5人。", &[(5.0, "人", E)]),
        // more_than
        ("全年开展执法检查120余次。", &[(120.0, "次", MT)]),
        ("发放宣传资料3300多份。", &[(3300.0, "份", MT)]),
        ("组织送法下乡十多场次。", &[(10.0, "场次", MT)]),
        // 几 after a round numeral is "and some", like 多: 十几场 is more than ten
        ("开展普法宣传活动十几场次。", &[(10.0, "场次", MT)]),
        ("发放宣传资料二十几万份。", &[(200000.0, "份", MT)]),
        // ...also between 个 and the time noun that replaces it (§1: 3个月 → 3 月)
        ("专项整治行动持续两个多月。", &[(2.0, "月", MT)]),
        ("每次集中培训3个多小时。", &[(3.0, "小时", MT)]),
        ("形成一个多元化解纠纷的工作格局。", &[]),
        ("几十年来坚持开展普法宣传几次。", &[]),
        ("参加旁听庭审的干部超过200人。", &[(200.0, "人", MT)]),
        ("法律咨询服务群众逾500人次。", &[(500.0, "人次", MT)]),
        ("全年办理各类诉求超1000件。", &[(1000.0, "件", MT)]),
        // at_least
        ("确保每名执法人员培训不少于60学时。", &[(60.0, "学时", AL)]),
        ("每季度召开专题会议至少2次。", &[(2.0, "次", AL)]),
        // ...also across a short verb between the hedge and the number
        (
            "党委理论学习中心组每季度至少召开1次法治专题学习。",
            &[(1.0, "次", AL)],
        ),
        // ...and 至少 across a whole verb phrase, within its clause
        ("每名村法律顾问每月至少到村坐班2天。", &[(2.0, "天", AL)]),
        ("每季度至少组织集中学法1次。", &[(1.0, "次", AL)]),
        (
            "至少组织一次学习,全年开展学法活动12次。",
            &[(1.0, "次", AL), (12.0, "次", E)],
        ),
        ("每个村(社区)至少有1名法律明白人。", &[(1.0, "名", AL)]),
        ("全年至少举办3期执法人员培训班。", &[(3.0, "期", AL)]),
        ("超过去年同期12%。", &[(12.0, "%", E)]),
        ("年度考试合格率不低于95%。", &[(95.0, "%", AL)]),
        ("参加宪法宣誓的干部200人以上。", &[(200.0, "人", AL)]),
        // approx
        ("全年受理群众来信来访约900件。", &[(900.0, "件", AP)]),
        ("法治文艺汇演吸引近千人观看。", &[(1000.0, "人", AP)]),
        (
            "接待来访群众上千人次,发放资料上万份。",
            &[(1000.0, "人次", MT), (10000.0, "份", MT)],
        ),
        (
            "开展线上3场、线下5场宣传。",
            &[(3.0, "场", E), (5.0, "场", E)],
        ),
        ("心系百姓,千方百计。", &[]),
        ("大约300名群众参加了活动。", &[(300.0, "名", AP)]),
        // ...also across a short verb, or a `…的` phrase before a rate
        ("约有300人参加法治讲座。", &[(300.0, "人", AP)]),
        ("执法人员约占干部总数的60%。", &[(60.0, "%", AP)]),
        ("执法案卷合格率在90%左右。", &[(90.0, "%", AP)]),
        ("每月受理诉求50件上下。", &[(50.0, "件", AP)]),
        // less_than
        ("持证人员不足公职人员的70%。", &[(70.0, "%", LT)]),
        ("平均办理时长不到3天。", &[(3.0, "天", LT)]),
        ("行政败诉率低于5%。", &[(5.0, "%", LT)]),
        ("单次培训规模控制在50人以下。", &[(50.0, "人", LT)]),
    ]);
}

#[test]
fn spec_traditional_characters_are_converted_first() {
    check_mentions(&[
        ("本鎮全年開展執法檢查90間。", &[(90.0, "间", E)]),
        ("組織法治培訓十多場次。", &[(10.0, "场次", MT)]),
        ("錄入案件516宗。", &[(516.0, "宗", E)]),
    ]);
}

// ───────────────────────────── §3 indicators: the spec's examples ──────────────────────────────

#[test]
fn spec_indicator_parts_of_a_total() {
    let text = "全年在执法平台录入案件516宗,其中行政处罚案件18宗,11宗已办结,7宗正在办理。";
    check_indicators(&[
        (text, 516.0, "宗", Some("enforcement_cases")),
        (text, 18.0, "宗", Some("penalty_cases")),
        (text, 11.0, "宗", None),
        (text, 7.0, "宗", None),
        (
            "全年受理信访件62件,其中来信20件,来访42件。",
            20.0,
            "件",
            None,
        ),
    ]);
}

#[test]
fn spec_indicator_people_counts_and_rates() {
    check_indicators(&[
        (
            "今年新增1人顺利通过执法资格考试。",
            1.0,
            "人",
            Some("certified_officers"),
        ),
        ("目前我镇公职人员有40人。", 40.0, "人", Some("staff_count")),
        (
            "年度学法考试参考率、合格率均达100%。",
            100.0,
            "%",
            Some("law_exam_rate"),
        ),
        (
            "取得执法证的人员不足公职人员的70%。",
            70.0,
            "%",
            Some("certification_rate"),
        ),
        (
            "镇政府聘请三名律师担任法律顾问。",
            3.0,
            "名",
            Some("legal_advisers"),
        ),
    ]);
}

#[test]
fn spec_indicator_lectures_for_cadres_or_public_and_party_congress() {
    check_indicators(&[
        (
            "邀请律师为机关干部开展法治专题讲座4次。",
            4.0,
            "次",
            Some("training_sessions"),
        ),
        (
            "深入村(社区)为群众开展普法讲座15场。",
            15.0,
            "场",
            Some("lectures"),
        ),
        (
            "召开党代会代表座谈会2次,征求对党委工作的意见。",
            2.0,
            "次",
            None,
        ),
    ]);
}

// ───────────────────────────── own cases: measure words ───────────────────────────────────────

#[test]
fn measure_words_are_kept_as_written() {
    check_mentions(&[
        ("发放《民法典》宣传册1200册。", &[(1200.0, "册", E)]),
        ("向村居赠送法律读本300本。", &[(300.0, "本", E)]),
        ("走访企业商户860户次。", &[(860.0, "户次", E)]),
        ("清理整治违法建筑12幢。", &[(12.0, "幢", E)]),
        ("举办执法人员培训班3期。", &[(3.0, "期", E)]),
        ("分2批组织村干部参加旁听庭审。", &[(2.0, "批", E)]),
        ("每人完成网络学法8小时。", &[(8.0, "小时", E)]),
        ("收回违法占用耕地35亩。", &[(35.0, "亩", E)]),
        ("公开执法信息86条。", &[(86.0, "条", E)]),
        ("建成法治文化阵地7个。", &[(7.0, "个", E)]),
        ("检查餐饮门店58家。", &[(58.0, "家", E)]),
        ("整改消防隐患处所23处。", &[(23.0, "处", E)]),
        ("开展法律知识竞赛2场。", &[(2.0, "场", E)]),
        ("审核把关重大事项9项。", &[(9.0, "项", E)]),
        ("受理法律援助申请14件。", &[(14.0, "件", E)]),
        ("培训网格员76名。", &[(76.0, "名", E)]),
        // Compound counts with 次 keep it: vehicles, flights, boats and sessions dispatched.
        (
            "出动执法车辆150辆次、无人机80架次。",
            &[(150.0, "辆次", E), (80.0, "架次", E)],
        ),
        (
            "开展水上巡查40艘次,检查机械设备320台次。",
            &[(40.0, "艘次", E), (320.0, "台次", E)],
        ),
        (
            "举办培训12期次,检查点位120个次。",
            &[(12.0, "期次", E), (120.0, "个次", E)],
        ),
        // Only square metres are canonicalized; kilometres stay as written.
        (
            "巡查河道86公里,辖区面积128平方公里。",
            &[(86.0, "公里", E), (128.0, "平方公里", E)],
        ),
        ("新建绿道3.5㎞。", &[(3.5, "公里", E)]),
    ]);
}

// ───────────────────────────── own cases: hedge positions ─────────────────────────────────────

#[test]
fn hedges_before_inside_and_after_the_number() {
    check_mentions(&[
        ("镇综合执法队开展联合执法约40次。", &[(40.0, "次", AP)]),
        ("各村累计调解纠纷近200件。", &[(200.0, "件", AP)]),
        (
            "参与线上普法答题群众超过3000人次。",
            &[(3000.0, "人次", MT)],
        ),
        ("年度新增持证执法人员10人以上。", &[(10.0, "人", AL)]),
        ("执法案卷评查合格率保持在98%左右。", &[(98.0, "%", AP)]),
        (
            "具备法律职业资格的人员不足干部总数的10%。",
            &[(10.0, "%", LT)],
        ),
        ("接待来访群众将近600人次。", &[(600.0, "人次", AP)]),
        (
            "重大决策事项审查时间不超过7个工作日。",
            &[(7.0, "工作日", LT)],
        ),
    ]);
}

#[test]
fn wan_and_yi_fold_into_the_value_with_hedges() {
    check_mentions(&[
        ("发放普法宣传品约1.2万份。", &[(12000.0, "份", AP)]),
        ("全年普法受众超过10万人次。", &[(100000.0, "人次", MT)]),
        ("调解协议涉及金额近3000万元。", &[(30000000.0, "元", AP)]),
        ("完成固定资产投资2.3亿元以上。", &[(230000000.0, "元", AL)]),
        ("处罚金额共计8.6万余元。", &[(86000.0, "元", MT)]),
        ("惠及群众3千余人。", &[(3000.0, "人", MT)]),
        ("帮助农民工追讨欠薪120多万元。", &[(1200000.0, "元", MT)]),
    ]);
}

// ───────────────────────────── own cases: Chinese numerals ────────────────────────────────────

#[test]
fn chinese_numerals_of_every_shape() {
    check_mentions(&[
        ("向群众发放法治宣传资料两万余份。", &[(20000.0, "份", MT)]),
        ("全年组织执法巡查一百二十次。", &[(120.0, "次", E)]),
        ("深入村组开展送法下乡十多场次。", &[(10.0, "场次", MT)]),
        ("镇司法所配备两名专职人民调解员。", &[(2.0, "名", E)]),
        ("全年召开专题学法会议十二次。", &[(12.0, "次", E)]),
        ("聘请法律顾问五人。", &[(5.0, "人", E)]),
        ("组织集中培训二十余场。", &[(20.0, "场", MT)]),
        ("全年共开展联合执法三十五次。", &[(35.0, "次", E)]),
        ("覆盖群众三千余人次。", &[(3000.0, "人次", MT)]),
        ("召开了一次法治建设推进会。", &[(1.0, "次", E)]),
        ("受理群众诉求一百余件。", &[(100.0, "件", MT)]),
        ("发放宣传资料两千多份。", &[(2000.0, "份", MT)]),
        ("检查沿街商铺三十余家。", &[(30.0, "家", MT)]),
        ("组织百余人参加宪法宣誓。", &[(100.0, "人", MT)]),
        ("发放法治挂历千余份。", &[(1000.0, "份", MT)]),
        ("普法受众近两万人次。", &[(20000.0, "人次", AP)]),
        ("调解成功率达百分之百。", &[(100.0, "%", E)]),
        ("案件办结率达百分之九十五。", &[(95.0, "%", E)]),
    ]);
}

#[test]
fn a_lone_yi_is_an_article_unless_it_counts_events() {
    check_mentions(&[
        ("这是一项重要的政治任务。", &[]),
        ("搭建了一个法律服务平台。", &[]),
        ("镇长带头开展了一次专题学法。", &[(1.0, "次", E)]),
    ]);
}

#[test]
fn full_width_digits_and_punctuation() {
    check_mentions(&[
        ("全年开展执法检查１２０次。", &[(120.0, "次", E)]),
        ("考试合格率达９８．５％。", &[(98.5, "%", E)]),
        ("罚没款１，２５０元。", &[(1250.0, "元", E)]),
        ("２０２４年，开展普法活动１５场。", &[(15.0, "场", E)]),
    ]);
}

#[test]
fn traditional_input_is_read_like_simplified() {
    check_mentions(&[
        ("全年開展普法宣傳活動二十餘場次。", &[(20.0, "场次", MT)]),
        ("發放宣傳資料3000餘份。", &[(3000.0, "份", MT)]),
        ("聘請律師兩名擔任法律顧問。", &[(2.0, "名", E)]),
        ("調解糾紛約150件。", &[(150.0, "件", AP)]),
        ("2024年,本鎮處理違法建設12宗。", &[(12.0, "宗", E)]),
    ]);
}

#[test]
fn spaces_inside_mentions_change_nothing() {
    check_mentions(&[
        ("组织执法培训 3 次。", &[(3.0, "次", E)]),
        ("发放资料 2.5 万 份。", &[(25000.0, "份", E)]),
        ("受理诉求 180 余 件。", &[(180.0, "件", MT)]),
        ("覆盖群众约 5000 人次。", &[(5000.0, "人次", AP)]),
        ("合格率达 100 %。", &[(100.0, "%", E)]),
    ]);
}

/// Text taken from a PDF is cut every 28 characters, with page numbers between pages: the
/// lines are joined back, so a number and its measure word, or its signal, meet again.
#[test]
fn pdf_text_wrapped_at_a_fixed_width_reads_as_its_paragraphs() {
    let paragraph = "2024年，全镇司法所共受理各类矛盾纠纷86件，调解成功84件，调解成功率达97%，涉及金额约320万元；全年累计开展法治宣传活动42场次，发放宣传资料1.5万余份，受益群众2万余人次；组织执法检查56次，出动执法人员320人次，查处违法建设12处，办理行政处罚案件18件，罚没款25.2万元。";
    let chars: Vec<char> = paragraph.chars().collect();
    let mut pages: Vec<String> = chars.chunks(28).map(|c| c.iter().collect()).collect();
    pages.insert(3, "- 2 -".to_owned());
    let text = format!(
        "某镇2024年法治政府建设工作报告\n一、主要成效\n{}\n二、存在问题\n宣传形式单一。",
        pages.join("\n")
    );
    let got = extract(&text);
    let whole = extract(&format!(
        "某镇2024年法治政府建设工作报告\n一、主要成效\n{paragraph}"
    ));
    assert_eq!(got, whole);
    assert!(got.len() >= 12, "{got:?}");
}

/// A short text broken at irregular places (a web page's `<br>`, a Word line break, a page
/// break whose footer the debris rules removed) reads as its sentence wherever a break cuts a
/// count: inside its number, hedge or measure word, or between the words counted and the count.
#[test]
fn a_line_break_inside_a_count_or_before_it_changes_nothing() {
    let sentence = "全年开展执法检查56次,化解矛盾纠纷131件,罚没款25.2万元,培训干部职工1200余人次,人均学法不少于40课时,提供法律咨询260人次以上。";
    let whole = extract(&format!(
        "某镇2024年法治政府建设工作报告\n一、主要成效\n{sentence}"
    ));
    assert_eq!(whole.len(), 6, "{whole:?}");
    assert!(whole.iter().all(|m| m.4.is_some()), "{whole:?}");
    for broken in [
        "全年开展执法检查5\n6次,化解矛盾纠纷\n131件,罚没款25.\n2万元,培训干部职工1200余\n人次,人均学法不少\n于40课时,提供法律咨询260人次以\n上。",
        "全年开展执法检查56\n次,化解矛盾纠纷\n\n- 2 -\n\n131件,罚没款25.2万\u{2028}元,培训干部职工1200余人\n次,人均学法不少于40课时,提供法律咨询260人\n次以上。",
    ] {
        let text = format!("某镇2024年法治政府建设工作报告\n一、主要成效\n{broken}");
        assert_eq!(extract(&text), whole, "{broken}");
    }
}

/// Measure words of laws, kinds, items and transactions are kept as written like the others.
#[test]
fn more_measure_words_are_kept_as_written() {
    check_mentions(&[
        ("学习法律法规36部。", &[(36.0, "部", E)]),
        ("采用彝、苗、汉三种语言开展普法。", &[(3.0, "种", E)]),
        ("发布典型案例10则。", &[(10.0, "则", E)]),
        ("办理缴款业务47笔。", &[(47.0, "笔", E)]),
        ("检查出租屋2.8万套次。", &[(28000.0, "套次", E)]),
        ("这是一种新模式,一部分群众参与。", &[]),
    ]);
}

/// A tab is a cell boundary (HTML `td`, tab-separated text): a row's serial number is not a
/// count of the next cell's first word (`1\t人民调解…` is not 1 人).
#[test]
fn numbers_do_not_reach_across_table_cells() {
    check_mentions(&[
        (
            "序号\t项目\t数量\n1\t人民调解案件\t131件\n2\t处罚案件\t18宗\n3\t名录库更新\t4次",
            &[(131.0, "件", E), (18.0, "宗", E), (4.0, "次", E)],
        ),
        ("执法检查\t56次", &[(56.0, "次", E)]),
        // A table laid out with spaces, as `pdftotext -layout` writes it.
        (
            "序号  项目            数量\n1     人民调解案件    131件\n2     处罚案件        18宗\n3     场所执法检查    56 次",
            &[(131.0, "件", E), (18.0, "宗", E), (56.0, "次", E)],
        ),
        ("培训干部职工1200  余人次。", &[(1200.0, "人次", MT)]),
    ]);
}

// ───────────────────────────── own cases: what is not a quantity ─────────────────────────────

#[test]
fn calendar_spans_and_periods_are_not_quantities() {
    check_mentions(&[
        (
            "2023年12月至2024年11月,共开展巡查46次。",
            &[(46.0, "次", E)],
        ),
        ("自2024年1月1日起施行。", &[]),
        ("2024年上半年,办理复议案件3件。", &[(3.0, "件", E)]),
        ("报告期为2024.01.01—2024.12.31。", &[]),
        ("10月份开展执法大练兵活动。", &[]),
        ("每年11月集中开展宪法宣传周活动。", &[]),
        ("近两年累计办理行政诉讼案件4件。", &[(4.0, "件", E)]),
        ("三年来,全镇未发生重大群体性事件。", &[]),
        ("截至2024年11月30日,共受理申请28件。", &[(28.0, "件", E)]),
    ]);
}

#[test]
fn plenums_ordinals_and_sequence_words_are_not_quantities() {
    check_mentions(&[
        ("学习贯彻党的二十届三中全会精神。", &[]),
        ("传达学习区委五届七次全会精神。", &[]),
        ("认真贯彻市第十四次党代会精神。", &[]),
        ("第三季度开展执法检查8次。", &[(8.0, "次", E)]),
        ("召开第一次全体会议。", &[]),
        ("我镇被评为第九批全国民主法治示范村(社区)。", &[]),
        ("(二)依法全面履行政府职能", &[]),
        ("二、存在的不足和原因", &[]),
    ]);
}

#[test]
fn document_numbers_titles_and_quoted_slogans_are_not_quantities() {
    check_mentions(&[
        (
            "根据《关于印发<2024年普法工作要点>的通知》(镇发〔2024〕12号)要求。",
            &[],
        ),
        ("深入学习《中华人民共和国行政复议法》。", &[]),
        ("制定《镇行政执法十条禁令》。", &[]),
        ("贯彻落实《优化营商环境20条》。", &[]),
        ("推进“一网通办”“一次办好”改革。", &[]),
        ("坚持“四个不两直”工作方式。", &[]),
        ("开展“八五”普法中期检查。", &[]),
    ]);
}

#[test]
fn hotlines_and_phone_numbers_are_not_quantities() {
    check_mentions(&[
        ("公布监督电话0762-6123456。", &[]),
        ("群众可拨打13800138000反映问题。", &[]),
        (
            "规范办理12345便民服务热线工单1520件。",
            &[(1520.0, "件", E)],
        ),
        ("设立12348法律服务专线。", &[]),
    ]);
}

#[test]
fn fixed_terms_and_rhetorical_counts_are_not_quantities() {
    check_mentions(&[
        ("把握好两个关键环节。", &[]),
        ("坚持三个原则。", &[]),
        ("从四个方面推进法治政府建设。", &[]),
        ("围绕三项制度开展执法检查15次。", &[(15.0, "次", E)]),
        ("落实双随机一公开抽查23户。", &[(23.0, "户", E)]),
        ("实行一案一档管理。", &[]),
        ("做到一村一法律顾问全覆盖。", &[]),
        ("开展两学一做学习教育。", &[]),
        ("聚焦两个重点、抓好三项任务,着力补齐四个短板。", &[]),
        ("围绕三个重点领域发力,破解两大难题。", &[]),
        // Programmes named after a travel time, with or without quotes.
        (
            "打造15分钟公共法律服务圈,新建服务站点46个。",
            &[(46.0, "个", E)],
        ),
    ]);
}

/// §1: numerals inside place names. A division's full name is found by the gazetteer, so the
/// county 三台县 is not 3 台 and the city 五家渠市 not 5 家; a count before such a name still is.
#[test]
fn numerals_inside_division_names_are_not_quantities() {
    check_mentions(&[
        ("三台县人民政府全面推进依法行政。", &[]),
        ("七台河市、九台区、五台县派员交流。", &[]),
        ("五家渠市、两家子乡开展普法宣传。", &[]),
        (
            "新购执法记录仪3台,三台县开展执法检查12次。",
            &[(3.0, "台", E), (12.0, "次", E)],
        ),
    ]);
}

#[test]
fn words_containing_a_numeral_are_not_quantities() {
    check_mentions(&[
        ("确保执法标准一致、程序统一。", &[]),
        ("逐一核查,一并整改。", &[]),
        ("这是全年工作重点之一。", &[]),
        ("十分重视法治建设。", &[]),
        ("一方面加强学习,另一方面强化实践。", &[]),
        ("千家万户受益。", &[]),
        ("一次性告知办事群众所需材料。", &[]),
        // First-try rates: 一次 names the rate, it counts nothing.
        ("群众诉求一次办结率达95%。", &[(95.0, "%", E)]),
        ("执法资格考试一次通过率92%。", &[(92.0, "%", E)]),
        // ... while 一次 before an event still counts.
        (
            "召开一次专题会议,一次性解决3个问题。",
            &[(1.0, "次", E), (3.0, "个", E)],
        ),
    ]);
}

#[test]
fn fractions_are_not_counts() {
    check_mentions(&[("三分之一的案件通过调解结案。", &[])]);
}

// ───────────────────────────── own cases: indicators, one per catalogue entry ─────────────────

#[test]
fn indicators_for_study_entries() {
    check_indicators(&[
        (
            "全年组织镇领导班子会前学法12次。",
            12.0,
            "次",
            Some("law_study_sessions"),
        ),
        (
            "党委理论学习中心组开展专题学法4次。",
            4.0,
            "次",
            Some("law_study_sessions"),
        ),
        (
            "组织执法人员参加业务培训6期。",
            6.0,
            "期",
            Some("training_sessions"),
        ),
        (
            "全年培训村干部和网格员320人次。",
            320.0,
            "人次",
            Some("training_participants"),
        ),
        (
            "执法人员年度法律知识培训不少于60学时。",
            60.0,
            "学时",
            Some("training_hours"),
        ),
        (
            "组织干部参加年度学法考试,参考率100%。",
            100.0,
            "%",
            Some("law_exam_rate"),
        ),
    ]);
}

#[test]
fn indicators_for_enforcement_entries() {
    check_indicators(&[
        (
            "全年开展安全生产执法检查86次。",
            86.0,
            "次",
            Some("enforcement_inspections"),
        ),
        (
            "检查生产经营单位132家。",
            132.0,
            "家",
            Some("enforcement_inspections"),
        ),
        (
            "全年办理行政执法案件45件。",
            45.0,
            "件",
            Some("enforcement_cases"),
        ),
        ("作出行政处罚决定21件。", 21.0, "件", Some("penalty_cases")),
        ("全年罚款4.5万元。", 45000.0, "元", Some("penalty_amount")),
        ("查处违法建设38处。", 38.0, "处", Some("violations_handled")),
        (
            "规范整治违法占道经营150起。",
            150.0,
            "起",
            Some("violations_handled"),
        ),
        (
            "在执法公示平台公示执法信息96条。",
            96.0,
            "条",
            Some("enforcement_disclosures"),
        ),
        (
            "全镇持有行政执法证的人员共25人。",
            25.0,
            "人",
            Some("certified_officers"),
        ),
        (
            "执法人员持证上岗率达100%。",
            100.0,
            "%",
            Some("certification_rate"),
        ),
        ("镇机关在编人员68人。", 68.0, "人", Some("staff_count")),
    ]);
}

#[test]
fn indicators_for_decision_entries() {
    check_indicators(&[
        (
            "全年作出重大行政决策5项,均履行法定程序。",
            5.0,
            "项",
            Some("major_decisions"),
        ),
        (
            "清理规范性文件18件。",
            18.0,
            "件",
            Some("normative_documents"),
        ),
        (
            "对镇政府签订的合同进行合法性审查42份。",
            42.0,
            "份",
            Some("contracts_reviewed"),
        ),
        (
            "法律顾问出具法律意见书27件。",
            27.0,
            "件",
            Some("legal_opinions"),
        ),
        (
            "聘请2名律师担任镇政府法律顾问。",
            2.0,
            "名",
            Some("legal_advisers"),
        ),
    ]);
}

#[test]
fn indicators_for_supervision_entries() {
    check_indicators(&[
        (
            "全年发生行政复议案件3件。",
            3.0,
            "件",
            Some("admin_reconsideration_cases"),
        ),
        (
            "办理行政诉讼案件2件。",
            2.0,
            "件",
            Some("admin_litigation_cases"),
        ),
        (
            "镇长出庭应诉2次。",
            2.0,
            "次",
            Some("leader_court_appearances"),
        ),
        (
            "行政机关负责人出庭应诉率达100%。",
            100.0,
            "%",
            Some("leader_court_appearance_rate"),
        ),
        (
            "全年发生行政复议和诉讼案件共5件。",
            5.0,
            "件",
            Some("reconsideration_litigation_total"),
        ),
        (
            "新收行政复议和行政诉讼案件合计63件。",
            63.0,
            "件",
            Some("reconsideration_litigation_total"),
        ),
        (
            "办理人大代表建议和政协提案16件。",
            16.0,
            "件",
            Some("npc_proposals"),
        ),
        (
            "代表建议办理满意率达100%。",
            100.0,
            "%",
            Some("npc_proposal_satisfaction"),
        ),
        (
            "办理检察建议3件,均按期回复。",
            3.0,
            "件",
            Some("procuratorial_suggestions"),
        ),
        (
            "通过门户网站主动公开政府信息215条。",
            215.0,
            "条",
            Some("info_disclosed"),
        ),
        (
            "受理依申请公开政府信息4件。",
            4.0,
            "件",
            Some("info_requests"),
        ),
        (
            "政府信息公开申请按时答复率100%。",
            100.0,
            "%",
            Some("info_response_rate"),
        ),
    ]);
}

/// Phrasings written fresh from the catalogue's definitions (not from the samples), with the
/// near misses the spec rules out.
#[test]
fn indicators_of_new_phrasings_and_near_misses() {
    check_indicators(&[
        (
            "全年公开行政处罚信息35条。",
            35.0,
            "条",
            Some("enforcement_disclosures"),
        ),
        (
            "行政复议案件1件、行政诉讼案件2件。",
            1.0,
            "件",
            Some("admin_reconsideration_cases"),
        ),
        (
            "行政复议案件1件、行政诉讼案件2件。",
            2.0,
            "件",
            Some("admin_litigation_cases"),
        ),
        (
            "全年共应诉行政案件3起。",
            3.0,
            "起",
            Some("admin_litigation_cases"),
        ),
        ("法律顾问代理民事诉讼案件14件。", 14.0, "件", None),
        (
            "依托法治大讲堂为机关干部授课8次。",
            8.0,
            "次",
            Some("training_sessions"),
        ),
        (
            "为辖区企业职工开展安全生产法专题讲座3场。",
            3.0,
            "场",
            Some("lectures"),
        ),
        // Party-congress study is not law study (§3).
        (
            "组织党员干部专题学习党的二十届三中全会精神4次。",
            4.0,
            "次",
            None,
        ),
        (
            "收到人大代表意见建议46件。",
            46.0,
            "件",
            Some("npc_proposals"),
        ),
        ("为辖区38名持证残疾人发放生活补贴。", 38.0, "名", None),
        ("辖区特种作业人员持证上岗率达98%。", 98.0, "%", None),
        (
            "行政执法人员持证上岗率达100%。",
            100.0,
            "%",
            Some("certification_rate"),
        ),
        ("发放责令整改通知书43份。", 43.0, "份", None),
        ("法律顾问代理镇政府出庭3次。", 3.0, "次", None),
        ("签订土地流转合同320份。", 320.0, "份", None),
        (
            "法律顾问审查合同38份。",
            38.0,
            "份",
            Some("contracts_reviewed"),
        ),
        // The signal after the noun the number counts, and a verb.
        (
            "选派15名执法骨干参加市级业务培训。",
            15.0,
            "名",
            Some("training_participants"),
        ),
        // A topic label before the clause names what it counts.
        ("信访方面,全年受理86件。", 86.0, "件", Some("petitions")),
        (
            "执法检查:全年累计出动168次。",
            168.0,
            "次",
            Some("enforcement_inspections"),
        ),
        (
            "法律援助方面,共受理42件,其中刑事案件12件。",
            12.0,
            "件",
            None,
        ),
        ("今年以来,全镇共受理12件。", 12.0, "件", None),
    ]);
}

#[test]
fn indicators_for_disputes_entries() {
    check_indicators(&[
        (
            "全年排查化解矛盾纠纷128件。",
            128.0,
            "件",
            Some("disputes_resolved"),
        ),
        // Mediation bodies are counted with 个; disputes with 件, 起, 宗.
        ("全县共有人民调解委员会236个。", 236.0, "个", None),
        (
            "人民调解成功率达98%。",
            98.0,
            "%",
            Some("mediation_success_rate"),
        ),
        (
            "调解纠纷涉及金额120万元。",
            1200000.0,
            "元",
            Some("dispute_amount"),
        ),
        ("全年受理群众信访件57件。", 57.0, "件", Some("petitions")),
        (
            "司法所接待群众法律咨询360人次。",
            360.0,
            "人次",
            Some("legal_consultations"),
        ),
        ("受理法律援助案件9件。", 9.0, "件", Some("legal_aid_cases")),
    ]);
}

#[test]
fn indicators_for_publicity_and_safety_entries() {
    check_indicators(&[
        (
            "全年开展法治宣传活动35场。",
            35.0,
            "场",
            Some("publicity_events"),
        ),
        ("在各村开展普法讲座12场。", 12.0, "场", Some("lectures")),
        (
            "发放宣传资料5000余份。",
            5000.0,
            "份",
            Some("materials_distributed"),
        ),
        (
            "普法宣传受益群众2万余人次。",
            20000.0,
            "人次",
            Some("people_reached"),
        ),
        (
            "排查安全隐患63处,已全部整改。",
            63.0,
            "处",
            Some("hazards_rectified"),
        ),
        ("隐患整改率达100%。", 100.0, "%", Some("rectification_rate")),
    ]);
}

#[test]
fn numbers_without_a_catalogue_meaning_get_no_indicator() {
    check_indicators(&[
        ("新建村级文化广场3个。", 3.0, "个", None),
        ("全镇辖11个行政村。", 11.0, "个", None),
        ("召开党代会筹备会议2次。", 2.0, "次", None),
    ]);
}

/// Simplified Chinese keeps characters that Traditional-to-Simplified tables change (`乾` in
/// `乾安县`, `著` in `显著`). A Simplified report holding a few of them is left as written: its
/// county keeps its name and its place, and its sentences are not rewritten the Taiwan way
/// (`文件` → `文档`, `程序` → `进程`).
#[test]
fn simplified_report_keeps_the_characters_traditional_tables_change() {
    let text = "乾安县司法局2023年法治政府建设年度报告\n\
                全县认真落实上级文件精神,履行重大行政决策法定程序,成效显著。\n\
                全年办理行政复议案件12件,开展普法宣传活动30场。";
    let record = ENGINE.analyze_text(text, "case.txt");
    assert_eq!(record.meta.county.as_deref(), Some("乾安县"));
    assert_eq!(record.meta.province.as_deref(), Some("吉林省"));
    let sentences: Vec<&str> = record.mentions.iter().map(|m| &*m.sentence).collect();
    assert!(
        sentences
            .iter()
            .all(|s| !s.contains("文档") && !s.contains("进程")),
        "{sentences:?}"
    );
    assert_eq!(record.mentions.len(), 2);
}

/// A report's title and publication date (`YYYY-MM-DD`), as metadata tests check them.
fn title_and_published(record: &fazhi::record::ReportRecord) -> (Option<&str>, Option<String>) {
    (
        record.meta.title.as_deref(),
        record.meta.published.map(|d| d.to_string()),
    )
}

/// A government page lists its metadata fields with their values on one line
/// (`发布机构:新安街道办事处`) above the report. They are page furniture: the report's own heading
/// below them is its title, and the `发布日期` line still gives `published`.
#[test]
fn page_fields_with_values_are_furniture_not_the_title() {
    let page = "首页 > 政务公开 > 法治政府建设\n\
                索引号:11440306MB2C12345X/2024-00012\n\
                发布机构:新安街道办事处\n\
                主题分类:法治政府\n\
                发布日期:2024-02-20\n\
                浏览次数:1832\n\
                新安街道2023年法治政府建设年度报告\n\
                2023年,新安街道在宝安区委、区政府的领导下,扎实推进法治政府建设。\n\
                全年开展执法检查45次,调处矛盾纠纷587宗。";
    let record = ENGINE.analyze_text(page, "case.txt");
    assert_eq!(
        title_and_published(&record),
        (
            Some("新安街道2023年法治政府建设年度报告"),
            Some("2024-02-20".to_owned())
        )
    );
    assert_eq!(record.meta.county.as_deref(), Some("宝安区"));
    assert_eq!(record.mentions.len(), 2);
}

/// A crawler writes the page's address and the time it fetched it above the text: neither is
/// the report's (its title is the line below them, and the fetch time is no publication date);
/// nor is a meeting's time in the first paragraph.
#[test]
fn a_crawlers_header_lines_are_furniture_and_its_fetch_time_no_date() {
    let page = "URL: http://www.example.gov.cn/art/2025/1/18/art_1229_590.html\n\
                抓取时间:2025-03-02 14:27:33\n\
                递铺街道2024年法治政府建设工作报告\n\
                2024年,递铺街道扎实推进法治政府建设,会议时间:2024年3月5日。\n\
                全年开展执法检查56次,化解矛盾纠纷131件。\n\
                递铺街道办事处\n\
                2025年1月18日";
    let record = ENGINE.analyze_text(page, "case.txt");
    assert_eq!(
        title_and_published(&record),
        (
            Some("递铺街道2024年法治政府建设工作报告"),
            Some("2025-01-18".to_owned())
        )
    );
    assert_eq!(record.mentions.len(), 2);
}

/// A word that starts with a measure word but is none takes no number: `十一期间` is the
/// National Day holiday, and a number cut off before `人员` ("staff") is no count of 人.
#[test]
fn words_that_start_with_a_measure_word_are_no_unit() {
    check_mentions(&[
        ("十一期间组织安全检查5次。", &[(5.0, "次", E)]),
        ("五一期间开展法治宣传3场。", &[(3.0, "场", E)]),
        ("全年开展执法检查56\n人员参与率达95%。", &[(95.0, "%", E)]),
        ("培训执法人员56人。", &[(56.0, "人", E)]),
    ]);
}

/// `数十场`, `几百人次`: vague amounts ("dozens", "hundreds") are not numbers, while the counts
/// beside them still are.
#[test]
fn vague_amounts_are_not_quantities() {
    check_mentions(&[
        ("组织讲座数十场,开展活动5场。", &[(5.0, "场", E)]),
        ("培训干部几百人次,其中专题培训3期。", &[(3.0, "期", E)]),
        ("惠及成千上万群众,发放资料二十余份。", &[(20.0, "份", MT)]),
    ]);
}

/// `4个部门`: a classifier followed by its noun counts that noun, whatever other signal stands in
/// the clause; the noun itself may be the signal (`整改23个隐患`).
#[test]
fn a_classifier_counts_the_noun_written_after_it() {
    check_indicators(&[
        ("联合信访办、司法所等4个部门开展联合调处。", 4.0, "个", None),
        ("全镇12个村(社区)均建立调解组织。", 12.0, "个", None),
        (
            "今年共整改23个隐患,整改率100%。",
            23.0,
            "个",
            Some("hazards_rectified"),
        ),
    ]);
}

/// Chinese numerals with a decimal part after `点`; a `点` that is a time of day or a "point"
/// (`三点意见`) is no decimal point.
#[test]
fn chinese_numerals_with_a_decimal_part() {
    check_mentions(&[
        ("群众满意度达百分之八十五点五。", &[(85.5, "%", E)]),
        ("全年受益群众三点五万人次。", &[(35000.0, "人次", E)]),
        (
            "会议于上午十一点三十分召开,提出三点意见,参会12人。",
            &[(12.0, "人", E)],
        ),
    ]);
}

/// Times of day written with 点/时 and 分 are calendar and clock, not quantities.
#[test]
fn clock_times_with_dian_and_fen_are_not_quantities() {
    check_mentions(&[
        ("值班人员8点30分到岗,受理诉求6件。", &[(6.0, "件", E)]),
        ("14时05分接警,出动警力3人。", &[(3.0, "人", E)]),
        ("考试平均成绩86分。", &[(86.0, "分", E)]),
    ]);
}

/// The phrasings of `tests/fixtures/indicator_phrasings.txt`: every catalogue indicator written
/// the several ways reports write it, with near misses, each mention with its value, unit and
/// indicator (or none).
#[test]
fn indicator_phrasings_beyond_the_samples() {
    let fixture = include_str!("fixtures/indicator_phrasings.txt");
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let [_, text, wants] = line.split(" || ").collect::<Vec<_>>()[..] else {
            panic!("a fixture line is `group || sentence || expectations`: {line}");
        };
        let got = extract(text);
        // Expectations follow the text's order; two mentions may share value and unit.
        let mut used = vec![false; got.len()];
        for want in wants.split(" ; ") {
            let [value, unit, indicator] = want.split(' ').collect::<Vec<_>>()[..] else {
                panic!("an expectation is `value unit indicator`: {want}");
            };
            let value: f64 = value.parse().expect("a number");
            let indicator = (indicator != "-").then_some(indicator);
            checked += 1;
            let at = (0..got.len())
                .find(|&k| !used[k] && same_value(got[k].1, value) && got[k].2 == unit);
            if let Some(k) = at {
                used[k] = true;
            }
            match at.map(|k| &got[k]) {
                Some(g) if g.4.as_deref() == indicator => {}
                Some(g) => failures.push(format!(
                    "  {text}\n    {value} {unit}: want {indicator:?}, got {:?}",
                    g.4
                )),
                None => failures.push(format!("  {text}\n    no mention {value} {unit}")),
            }
        }
    }
    assert!(
        checked > 300,
        "the fixture should hold its cases: {checked}"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} expectations failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A clause that names nothing but its count verb (`全年共受理86件`) takes the topic of the heading
/// it stands under, in the heading's first paragraph; not in a later paragraph, not under a
/// heading that names no entry, not for a state of what was counted (`办结80件`), and not where
/// its sentence names a topic of its own before it.
#[test]
fn a_verb_only_clause_takes_the_topic_of_its_heading() {
    check_indicators(&[
        (
            "(三)化解矛盾纠纷\n全年共受理86件，办结80件。",
            86.0,
            "件",
            Some("disputes_resolved"),
        ),
        (
            "(三)化解矛盾纠纷\n全年共受理86件，办结80件。",
            80.0,
            "件",
            None,
        ),
        (
            "(三)化解矛盾纠纷\n坚持和发展新时代枫桥经验，全年共受理86件。",
            86.0,
            "件",
            Some("disputes_resolved"),
        ),
        (
            "(二)深化普法宣传\n全年共开展56场。",
            56.0,
            "场",
            Some("publicity_events"),
        ),
        // A later paragraph is about something else.
        (
            "(三)化解矛盾纠纷\n坚持和发展新时代枫桥经验。\n全年共受理86件。",
            86.0,
            "件",
            None,
        ),
        ("(三)强化执法监督\n全年共受理86件。", 86.0, "件", None),
        // The clause names what it counts: 考试, not the heading's 培训.
        (
            "(二)加强学法培训\n全年组织全镇干部参加考试2次。",
            2.0,
            "次",
            None,
        ),
        ("(三)化解矛盾纠纷\n入库调解专家25名。", 25.0, "名", None),
    ]);
}

/// With `trace_decisions`, each verdict's rule carries the clause, every candidate with its
/// signal and score, and why it won or lost; without it the rule is one line.
#[test]
fn decisions_are_traced_for_explain() {
    let mut config = Config::builtin().expect("the built-in config compiles");
    config.catalogue.trace_decisions(true);
    let engine = Engine::new(config);
    let text = "为辖区中小学生开展法治讲座8场。";
    let traced = engine.analyze_text(text, "case.txt");
    let rule = traced.mentions[0].rule.to_string();
    let lines: Vec<&str> = rule.lines().collect();
    assert_eq!(lines[0], "signal 法治讲座", "{rule}");
    assert!(lines[1].starts_with("clause: "), "{rule}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("lectures: signal 法治讲座") && l.ends_with("chosen")),
        "{rule}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("法治讲座 (training_sessions) counts only beside")),
        "{rule}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("names the audience public")),
        "{rule}"
    );
    let plain = ENGINE.analyze_text(text, "case.txt");
    assert_eq!(plain.mentions[0].rule, "signal 法治讲座");
    assert_eq!(plain.mentions[0].indicator, traced.mentions[0].indicator);
}
