//! Structure: normalized body in, its layout out: headings and the section path at every
//! position, sentences, and clause boundaries. Before that, [`StructureRules::reflow`] joins the
//! lines of hard-wrapped (PDF) text back into paragraphs.
//!
//! Headings are lines that start with a marker from `[structure] headings` (`一、`, `(一)`,
//! `1.`, `(1)`, `一是`); the pattern's position in that list is its level. A heading line that
//! runs on into body text (`(一)全面落实“三项制度”。一是…`) is named by its text up to the first
//! sentence end. Sentences end at `[structure] sentence_ends` and at line ends; clauses also end
//! at `[structure] clause_ends`.

pub mod metadata;
pub mod places;

use std::sync::Arc;

use regex::Regex;

use crate::text::gate::FirstCharGate;
use crate::text::is_han;

/// Compiled `[structure]` rules.
pub struct StructureRules {
    headings: Vec<Regex>,
    sentence_ends: Vec<char>,
    clause_ends: Vec<char>,
    /// The words of counts, to tell a line break that cuts one.
    counts: CountWords,
    /// The characters a line ends with when a break cuts one of `counts.spanning`: every
    /// character of those words but their last.
    spanning_cut_after: Vec<char>,
    /// The characters a heading line can start with, when the patterns tell (derived from
    /// `headings` by [`StructureRules::new`]).
    heading_gate: Option<FirstCharGate>,
}

/// The words counts are written with (from `[numbers]` and `[hedges]`), as far as
/// [`StructureRules::reflow`] needs them to tell a line break that cuts a count.
#[derive(Debug, Clone, Default)]
pub struct CountWords {
    /// What may stand between a number and its measure word: the multipliers (万, 亿, 千) and
    /// the hedges written there (余, 多).
    pub tails: Vec<char>,
    /// The measure words.
    pub units: Vec<String>,
    /// Measure words and hedges of two or more characters (`人次`, `不少于`, `以上`): a break
    /// inside one next to a number cuts a count.
    pub spanning: Vec<String>,
}

/// How near a number (in characters) a measure word or hedge cut by a line break must be.
const SPANNING_REACH: usize = 6;

/// A half-open range of character offsets into the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// The layout of one body text.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Sentences in order, covering every non-newline character.
    pub sentences: Vec<Span>,
    /// `(first character, heading path)` for each section, in order. Shared: every mention of
    /// a section carries its path.
    sections: Vec<(usize, Arc<str>)>,
    /// Lines in order (without their `\n`).
    pub lines: Vec<Span>,
}

const MAX_HEADING_CHARS: usize = 60;

/// Lines at least this wide (in columns: a CJK character is two) may be lines of a text wrapped
/// at a fixed width; narrower ones are headings, titles and paragraph ends.
const MIN_WRAP_WIDTH: usize = 40;
/// A wrapped text has at least this many lines within [`WRAP_SLACK`] columns of its width…
const MIN_WRAPPED_LINES: usize = 4;
/// …and they are at least half of its wide lines.
const WRAPPED_SHARE: f64 = 0.5;
/// How much narrower than the width a full line may be (a CJK character that did not fit, a
/// closing mark pushed to the next line, digits narrower than the two columns counted for a
/// CJK character).
const WRAP_SLACK: usize = 6;
/// [`WRAP_SLACK`] in bytes, for a first look at line lengths: digits are one byte for a column,
/// CJK characters three for two.
const WRAP_SLACK_BYTES: usize = 3 * WRAP_SLACK;

/// A line's width in columns: two for a CJK (three- or four-byte) character, one otherwise.
fn columns(line: &str) -> usize {
    // Characters, plus one for each led by a byte of three or more (two simple counts the
    // compiler vectorizes).
    line.chars().count() + line.bytes().filter(|&b| b >= 0xE0).count()
}

/// The width a text is wrapped at, if it is: the width most of its wide lines fill. The lines'
/// lengths in bytes are looked at first (a CJK character is three bytes and two columns, so
/// lines of one width in columns have lengths within [`WRAP_SLACK_BYTES`] of each other): most
/// texts are told apart without counting columns.
fn wrap_width(body: &str, spans: &[(usize, usize)]) -> Option<usize> {
    let lengths: Vec<usize> = spans
        .iter()
        .map(|&(s, e)| e - s)
        .filter(|&n| n >= MIN_WRAP_WIDTH)
        .collect();
    widest_cluster(lengths, WRAP_SLACK_BYTES)?;
    let widths: Vec<usize> = spans
        .iter()
        .map(|&(s, e)| columns(&body[s..e]))
        .filter(|&w| w >= MIN_WRAP_WIDTH)
        .collect();
    widest_cluster(widths, WRAP_SLACK)
}

/// Whether a digit is among the first [`SPANNING_REACH`] of `chars`.
fn has_digit_within(chars: impl Iterator<Item = char>) -> bool {
    chars.take(SPANNING_REACH).any(|c| c.is_ascii_digit())
}

/// The largest value of the window of `slack` holding the most `values`, when that window
/// holds at least [`MIN_WRAPPED_LINES`] of them and [`WRAPPED_SHARE`] of all.
fn widest_cluster(mut values: Vec<usize>, slack: usize) -> Option<usize> {
    if values.len() < MIN_WRAPPED_LINES {
        return None;
    }
    values.sort_unstable();
    let (mut best, mut widest, mut lo) = (0, 0, 0);
    for hi in 0..values.len() {
        while values[hi] - values[lo] > slack {
            lo += 1;
        }
        if hi + 1 - lo >= best {
            best = hi + 1 - lo;
            widest = values[hi];
        }
    }
    (best >= MIN_WRAPPED_LINES && best as f64 >= WRAPPED_SHARE * values.len() as f64)
        .then_some(widest)
}

impl StructureRules {
    pub fn new(
        headings: Vec<Regex>,
        sentence_ends: Vec<char>,
        clause_ends: Vec<char>,
        counts: CountWords,
    ) -> StructureRules {
        let patterns: Vec<&str> = headings.iter().map(Regex::as_str).collect();
        let mut spanning_cut_after: Vec<char> = (counts.spanning.iter())
            .flat_map(|w| w.chars().rev().skip(1))
            .collect();
        spanning_cut_after.sort_unstable();
        spanning_cut_after.dedup();
        StructureRules {
            spanning_cut_after,
            heading_gate: FirstCharGate::new(&patterns),
            headings,
            sentence_ends,
            clause_ends,
            counts,
        }
    }

    /// Whether `line` ends in a number, perhaps with what follows one before its measure word
    /// (`…约320万`, `…1200余`): what a measure word would follow.
    fn ends_in_number(&self, line: &str) -> bool {
        line.trim_end_matches(&self.counts.tails[..])
            .ends_with(|c: char| c.is_ascii_digit())
    }

    /// Whether `text` starts with a count: digits (`131`, `25.2`, `1,094`), perhaps
    /// multipliers and hedges (`万`, `余`), then a measure word. `2024年` and `1.加强…` do not.
    fn starts_with_count(&self, text: &str) -> bool {
        let rest = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ',');
        if rest.len() == text.len() {
            return false;
        }
        let rest = rest.trim_start_matches(&self.counts.tails[..]);
        self.counts
            .units
            .iter()
            .any(|u| rest.starts_with(u.as_str()))
    }

    /// Whether the line break between `line` and `next` cuts a count, whatever the widths:
    /// - after its number (`…执法检查56` / `次，…`, `…约320万` / `元`, `…1200余` / `人次`);
    /// - inside its number (`…执法检查5` / `6次`, `…罚没款25.` / `2万元`);
    /// - inside a measure word or hedge next to the number (`…260人` / `次`, `…不少` /
    ///   `于40课时`, `…260人次以` / `上`);
    /// - between the words it counts and the count (`…化解矛盾纠纷` / `131件`), unless the
    ///   line is only a heading.
    ///
    /// (A line ending a sentence never goes on: the caller checks.)
    fn cuts_a_count(&self, line: &str, next: &str) -> bool {
        let Some(last) = line.chars().next_back() else {
            return false;
        };
        let Some(first) = next.chars().next() else {
            return false;
        };
        if first.is_ascii_digit() {
            let into_number = last.is_ascii_digit()
                || ((last == '.' || last == ',')
                    && line[..line.len() - 1].ends_with(|c: char| c.is_ascii_digit()));
            // A heading is no words of a count, unless it runs on into a sentence:
            // `(二)矛盾化解方面。化解矛盾纠纷` / `131件`.
            let after_words = is_han(last)
                && (self.heading_level(line).is_none()
                    || line.contains(|c: char| self.sentence_ends.contains(&c)));
            return (into_number || after_words) && self.starts_with_count(next);
        }
        if !(is_han(first) || first == '%') {
            return false;
        }
        if self.ends_in_number(line) {
            return true;
        }
        if self.spanning_cut_after.binary_search(&last).is_err() {
            return false; // the usual case: no measure word or hedge is cut
        }
        self.counts.spanning.iter().any(|word| {
            word.char_indices().skip(1).any(|(at, _)| {
                let (head, rest) = word.split_at(at);
                line.ends_with(head)
                    && next.starts_with(rest)
                    && (has_digit_within(line[..line.len() - head.len()].chars().rev())
                        || has_digit_within(next[rest.len()..].chars()))
            })
        })
    }

    /// `body` with the lines of a hard-wrapped text joined back into paragraphs.
    ///
    /// Text taken from a PDF or a fixed-width export is cut every N columns, wherever a
    /// sentence, a number or a measure word happens to be (`化解矛盾纠` / `纷131件`,
    /// `25.2万` / `元`). Such a text shows as many wide lines of one width. Then a line that
    /// fills that width and does not end a sentence goes on with the next line, unless the next
    /// opens a heading. Whatever the widths, a line break that cuts a count (`…执法检查56` /
    /// `次，…`, `…260人` / `次`, `…化解矛盾纠纷` / `131件`) is undone: nobody writes a measure
    /// word on a line of its own, or ends a paragraph on the words a count belongs to (see
    /// `StructureRules::cuts_a_count`). Any other text is returned as it is.
    pub fn reflow(&self, body: String) -> String {
        // Most texts are neither wrapped nor cut after a number: tell that from the line
        // lengths and ends alone, without a copy.
        let spans: Vec<(usize, usize)> = crate::text::lines(&body)
            .map(|(at, l)| (at, at + l.len()))
            .collect();
        let width = wrap_width(&body, &spans);
        let cut = |k: usize| {
            let ((s, e), (ns, ne)) = (spans[k], spans[k + 1]);
            self.cuts_a_count(&body[s..e], &body[ns..ne])
        };
        if width.is_none() && !(0..spans.len().saturating_sub(1)).any(cut) {
            return body;
        }
        let width = width.unwrap_or(usize::MAX);
        let ends_sentence = |line: &str| {
            line.trim_end()
                .chars()
                .next_back()
                .is_none_or(|c| self.sentence_ends.contains(&c) || c == ':')
        };
        let mut out = String::with_capacity(body.len());
        for (k, &(s, e)) in spans.iter().enumerate() {
            let line = &body[s..e];
            out.push_str(line);
            let Some(&(ns, ne)) = spans.get(k + 1) else {
                break;
            };
            let next = &body[ns..ne];
            let full = width != usize::MAX && columns(line) + WRAP_SLACK >= width;
            let goes_on = (full || cut(k))
                && !ends_sentence(line)
                && !next.is_empty()
                && self.heading_level(next).is_none();
            if !goes_on {
                out.push('\n');
            } else if line.ends_with(|c: char| c.is_ascii_alphabetic())
                && next.starts_with(|c: char| c.is_ascii_alphabetic())
            {
                out.push(' '); // a Latin word boundary; digits and CJK join as they are
            }
        }
        out
    }

    /// The level of the heading `line` opens, if it is one.
    fn heading_level(&self, line: &str) -> Option<usize> {
        if self
            .heading_gate
            .as_ref()
            .is_some_and(|g| !g.admits_line(line))
        {
            return None;
        }
        self.headings.iter().position(|re| re.is_match(line))
    }

    pub fn layout(&self, chars: &[char]) -> Layout {
        let text: String = chars.iter().collect();
        self.layout_text(&text, chars)
    }

    /// [`StructureRules::layout`] of a text already held both as a string and as characters
    /// (`text` must be `chars` collected): lines are matched against the heading patterns as
    /// slices of `text` instead of a new string each.
    pub fn layout_text(&self, text: &str, chars: &[char]) -> Layout {
        // Room for one sentence per 32 characters and one line per 48, more than report text
        // usually holds, so that the vectors seldom grow while they are filled.
        let mut layout = Layout {
            sentences: Vec::with_capacity(chars.len() / 32),
            sections: Vec::new(),
            lines: Vec::with_capacity(chars.len() / 48),
        };
        let mut path: Vec<(usize, &str)> = Vec::new();
        let ends = CharSet::new(&self.sentence_ends);
        let mut line_start = 0;
        for (_, line) in crate::text::lines(text) {
            // A line's length in characters by a fast count of its bytes, rather than a search
            // of `chars` for its end.
            let end = line_start + line.chars().count();
            debug_assert!(chars.get(end).is_none_or(|&c| c == '\n'));
            let span = Span {
                start: line_start,
                end,
            };
            line_start = end + 1;
            if span.start == span.end {
                continue;
            }
            layout.lines.push(span);
            if let Some(level) = self.heading_level(line) {
                path.retain(|(l, _)| *l < level);
                path.push((level, heading_name(&ends, line)));
                let bytes = path.iter().map(|(_, n)| n.len() + 3).sum();
                let mut joined = String::with_capacity(bytes);
                for (k, (_, name)) in path.iter().enumerate() {
                    if k > 0 {
                        joined.push_str(" > ");
                    }
                    joined.push_str(name);
                }
                layout.sections.push((span.start, joined.into()));
            }
            split_sentences(&ends, chars, span, &mut layout.sentences);
        }
        layout
    }

    /// The clause around `span` inside `sentence`: from after the last clause end before it to
    /// the first clause end after it.
    pub fn clause(&self, chars: &[char], sentence: Span, span: Span) -> Span {
        let start = (sentence.start..span.start)
            .rev()
            .find(|&i| self.clause_ends.contains(&chars[i]))
            .map_or(sentence.start, |i| i + 1);
        let end = (span.end..sentence.end)
            .find(|&i| self.clause_ends.contains(&chars[i]))
            .unwrap_or(sentence.end);
        Span { start, end }
    }
}

/// A small set of characters with a quick rejection: a 64-bit mask of the characters' low six
/// bits rules most characters out before the list is searched.
struct CharSet<'a> {
    chars: &'a [char],
    mask: u64,
}

impl<'a> CharSet<'a> {
    fn new(chars: &'a [char]) -> CharSet<'a> {
        let mask = chars.iter().fold(0u64, |m, &c| m | 1 << (c as u32 % 64));
        CharSet { chars, mask }
    }

    fn contains(&self, c: char) -> bool {
        self.mask & (1 << (c as u32 % 64)) != 0 && self.chars.contains(&c)
    }
}

/// A heading's name: the line up to its first sentence end, at most [`MAX_HEADING_CHARS`]
/// characters of it.
fn heading_name<'a>(ends: &CharSet, line: &'a str) -> &'a str {
    let mut end = line.len();
    for (k, (i, c)) in line.char_indices().enumerate() {
        if k == MAX_HEADING_CHARS || ends.contains(c) {
            end = i;
            break;
        }
    }
    &line[..end]
}

fn split_sentences(ends: &CharSet, chars: &[char], line: Span, out: &mut Vec<Span>) {
    let mut start = line.start;
    for (i, &c) in chars[line.start..line.end].iter().enumerate() {
        if ends.contains(c) {
            let i = line.start + i;
            out.push(Span { start, end: i + 1 });
            start = i + 1;
        }
    }
    if start < line.end {
        out.push(Span {
            start,
            end: line.end,
        });
    }
}

impl Layout {
    /// The heading path in force at character `pos` (empty before the first heading).
    pub fn section_at(&self, pos: usize) -> &str {
        self.shared_section_at(pos).map_or("", |s| s)
    }

    /// [`Layout::section_at`], as the shared string (`None` before the first heading).
    pub fn shared_section_at(&self, pos: usize) -> Option<&Arc<str>> {
        let i = self.sections.partition_point(|(start, _)| *start <= pos);
        i.checked_sub(1).map(|i| &self.sections[i].1)
    }

    /// The sentence containing character `pos`.
    pub fn sentence_at(&self, pos: usize) -> Option<Span> {
        let i = self.sentences.partition_point(|s| s.end <= pos);
        self.sentences.get(i).filter(|s| s.start <= pos).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> StructureRules {
        StructureRules::new(
            [
                r"^[一二三四五六七八九十]+\s*[、.]",
                r"^\(\s*[一二三四五六七八九十]+\s*\)",
                r"^\d{1,2}\s*[、.](?:[^\d]|$)",
            ]
            .iter()
            .map(|p| Regex::new(p).unwrap())
            .collect(),
            vec!['。', ';', '!', '?'],
            vec![',', ':', '。', ';'],
            CountWords {
                tails: vec!['万', '亿', '千', '余', '多'],
                units: [
                    "人次", "场次", "课时", "次", "场", "件", "元", "人", "份", "条", "%",
                ]
                .map(String::from)
                .to_vec(),
                spanning: ["人次", "场次", "课时", "不少于", "超过", "以上"]
                    .map(String::from)
                    .to_vec(),
            },
        )
    }

    /// Text wrapped at a fixed width (28 CJK characters, as 仿宋三号 on A4) is joined back into
    /// paragraphs: not after a sentence end, not into a heading, not in a text of ordinary
    /// paragraphs.
    #[test]
    fn hard_wrapped_text_is_joined_back_into_paragraphs() {
        let paragraph = "全年巴城镇司法所共受理各类矛盾纠纷86件，调解成功84件，调解成功率达97%，涉及金额约320万元，全年累计开展法治宣传活动42场次，发放宣传资料1.5万余份，受益群众2万余人次，组织执法检查56次，出动执法人员320人次，查处违法建设12处，办理行政处罚案件18件，罚没款25.2万元。";
        let chars: Vec<char> = paragraph.chars().collect();
        let wrapped: Vec<String> = chars.chunks(28).map(|c| c.iter().collect()).collect();
        let body = format!(
            "某镇2024年法治政府建设工作报告\n一、主要成效\n{}\n二、存在问题\n宣传形式单一。",
            wrapped.join("\n")
        );
        let want = format!("某镇2024年法治政府建设工作报告\n一、主要成效\n{paragraph}\n二、存在问题\n宣传形式单一。");
        assert_eq!(rules().reflow(body), want);
        // Ordinary paragraphs of every length stay as they are.
        let cut = |n: usize| chars[..n].iter().collect::<String>();
        let plain = format!(
            "{paragraph}\n{}\n{paragraph}\n一、主要成效\n{}",
            cut(30),
            cut(50)
        );
        assert_eq!(rules().reflow(plain.clone()), plain);
    }

    /// Whatever the widths, a number is not cut from its measure word by a line break.
    #[test]
    fn a_line_ending_in_a_number_goes_on_with_its_measure_word() {
        let body =
            "全年开展执法检查56\n次，罚没款25.2万\n元，出庭应诉率达100\n%。\n2024\n一、主要成效";
        assert_eq!(
            rules().reflow(body.to_owned()),
            "全年开展执法检查56次，罚没款25.2万元，出庭应诉率达100%。\n2024\n一、主要成效"
        );
    }

    /// Whatever the widths, a line break inside a count, or between a count and the words it
    /// counts, is undone; a line break before a year, a date, a list marker or after a heading
    /// stays.
    #[test]
    fn a_line_break_that_cuts_a_count_is_undone() {
        let cut = [
            // inside the number
            (
                "全年开展执法检查5\n6次,罚没款25.\n2万元,公开信息1,\n094条。",
                "全年开展执法检查56次,罚没款25.2万元,公开信息1,094条。",
            ),
            // between the number's hedge and its measure word
            (
                "培训干部职工1200余\n人次,发放资料3000\n余份。",
                "培训干部职工1200余人次,发放资料3000余份。",
            ),
            // inside a measure word or a hedge next to the number
            (
                "提供法律咨询260人\n次,组织培训12场\n次。",
                "提供法律咨询260人次,组织培训12场次。",
            ),
            (
                "人均学法不少\n于40课时,参训人员超\n过200人,咨询260人次以\n上。",
                "人均学法不少于40课时,参训人员超过200人,咨询260人次以上。",
            ),
            // between the words counted and the count
            (
                "全年开展执法检查56次,化解矛盾纠纷\n131件。",
                "全年开展执法检查56次,化解矛盾纠纷131件。",
            ),
            ("发放法治宣传资料约\n900份。", "发放法治宣传资料约900份。"),
            (
                "(二)矛盾化解方面。化解矛盾纠纷\n131件。",
                "(二)矛盾化解方面。化解矛盾纠纷131件。",
            ),
        ];
        for (body, want) in cut {
            assert_eq!(rules().reflow(body.to_owned()), want, "{body}");
        }
        let kept = [
            "某镇2024年法治政府建设工作报告\n2024年,某镇坚持依法行政。",
            "某镇人民政府\n2025年1月10日",
            "(一)规范执法\n1.严格执法。\n2.加强培训。",
            "(一)化解矛盾纠纷\n131件矛盾纠纷全部化解。",
            "开展执法检查56次。\n131件。",
            "全年化解纠纷\n二、存在问题",
            "工作很有成效\n以上是今年的工作。",
        ];
        for body in kept {
            assert_eq!(rules().reflow(body.to_owned()), body);
        }
    }

    #[test]
    fn headings_nest_and_sections_follow_them() {
        let text = "标题\n一、主要举措\n(一)规范执法。一是加强巡查。\n开展巡查5次。\n1.严格执法\n查处3起。\n二、存在不足\n人员不足。";
        let chars: Vec<char> = text.chars().collect();
        let layout = rules().layout(&chars);
        let at = |needle: &str| {
            let byte = text.find(needle).unwrap();
            layout.section_at(text[..byte].chars().count()).to_owned()
        };
        assert_eq!(at("标题"), "");
        assert_eq!(at("巡查5次"), "一、主要举措 > (一)规范执法");
        assert_eq!(at("查处3起"), "一、主要举措 > (一)规范执法 > 1.严格执法");
        assert_eq!(at("人员不足"), "二、存在不足");
    }

    #[test]
    fn a_decimal_is_not_a_numbered_heading() {
        let chars: Vec<char> = "1.5万人次参加\n2.加强培训".chars().collect();
        let layout = rules().layout(&chars);
        assert_eq!(layout.section_at(0), "");
        assert_eq!(layout.section_at(9), "2.加强培训");
    }

    #[test]
    fn sentences_and_clauses_split_at_their_marks() {
        let text = "共处理投诉967宗,其中来访70宗;化解纠纷46宗。\n下一行";
        let chars: Vec<char> = text.chars().collect();
        let r = rules();
        let layout = r.layout(&chars);
        let texts: Vec<String> = layout
            .sentences
            .iter()
            .map(|s| chars[s.start..s.end].iter().collect())
            .collect();
        assert_eq!(
            texts,
            ["共处理投诉967宗,其中来访70宗;", "化解纠纷46宗。", "下一行"]
        );
        let s = layout.sentence_at(14).unwrap();
        let clause = r.clause(&chars, s, Span { start: 14, end: 17 });
        let clause_text: String = chars[clause.start..clause.end].iter().collect();
        assert_eq!(clause_text, "其中来访70宗");
    }
}
