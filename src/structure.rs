//! Structure: normalized body in, its layout out: headings and the section path at every
//! position, sentences, and clause boundaries.
//!
//! Headings are lines that start with a marker from `[structure] headings` (`一、`, `(一)`,
//! `1.`, `(1)`, `一是`); the pattern's position in that list is its level. A heading line that
//! runs on into body text (`(一)全面落实“三项制度”。一是…`) is named by its text up to the first
//! sentence end. Sentences end at `[structure] sentence_ends` and at line ends; clauses also end
//! at `[structure] clause_ends`.

use std::sync::Arc;

use regex::Regex;

use crate::gate::FirstCharGate;

/// Compiled `[structure]` rules.
pub struct StructureRules {
    headings: Vec<Regex>,
    sentence_ends: Vec<char>,
    clause_ends: Vec<char>,
    /// The characters a heading line can start with, when the patterns tell (derived from
    /// `headings` by [`StructureRules::new`]).
    heading_gate: Option<FirstCharGate>,
}

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

impl StructureRules {
    pub fn new(
        headings: Vec<Regex>,
        sentence_ends: Vec<char>,
        clause_ends: Vec<char>,
    ) -> StructureRules {
        let patterns: Vec<&str> = headings.iter().map(Regex::as_str).collect();
        StructureRules {
            heading_gate: FirstCharGate::new(&patterns),
            headings,
            sentence_ends,
            clause_ends,
        }
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
        let mut layout = Layout::default();
        let mut path: Vec<(usize, String)> = Vec::new();
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
                let name = self.heading_name(line);
                path.retain(|(l, _)| *l < level);
                path.push((level, name));
                let joined = path
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(" > ");
                layout.sections.push((span.start, joined.into()));
            }
            split_sentences(&ends, chars, span, &mut layout.sentences);
        }
        layout
    }

    fn heading_name(&self, line: &str) -> String {
        let cut = line
            .char_indices()
            .find(|(_, c)| self.sentence_ends.contains(c))
            .map_or(line.len(), |(i, _)| i);
        let name = &line[..cut];
        let end = name
            .char_indices()
            .nth(MAX_HEADING_CHARS)
            .map_or(name.len(), |(i, _)| i);
        name[..end].to_owned()
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
        )
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
