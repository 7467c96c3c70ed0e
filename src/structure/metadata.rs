//! Metadata: normalized text and page chrome in, the report's title, year and publication date
//! out (EXTRACTION.md §4; the place is found by [`crate::structure::places`]).
//!
//! - `title`: the first line among the leading lines that names the topic (`法治…`) and the
//!   kind of text (`报告`, `情况`…) and is not a paragraph; a short issuer line right above it
//!   (`鲁山县梁洼镇人民政府`) joins it, and so does the rest of a title wrapped over two lines
//!   (`…法治政府建设` / `工作情况报告`, `…工作情` / `况报告`, `关于巴城镇2023年度` / `法治…报告`).
//!   Letter-spaced headings (`新 场 乡 2023 年…`) are read without their spaces. Null for an
//!   excerpt that starts with its body.
//! - `year`: the year reported on. Years written `YYYY年`, `YYYY年度` or `YYYY以来` vote, with
//!   the title's year strongest, then the first paragraph and sentences that introduce the report
//!   (`现将…2024年…报告如下`); years inside other documents' titles (`《…》`) and ranges
//!   (`2021-2025年`) do not vote.
//! - `published`: a date after a publication label (`发布日期:`, `发布时间:`, `日期:`) in the page
//!   chrome or the first lines, else the date a web page's `<meta>` gives (`PubDate`), else
//!   the date of a signature line among the last lines: a date alone, or after the issuer's
//!   name, with notes in brackets (`(盖章)`) set aside.
//!   Page chrome like `今天是:2019年10月31日` is neither.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::extract::numerals::parse_chinese;
use crate::normalize::NormalizedText;
use crate::record::Date;
use crate::text::is_han;

/// Compiled `[metadata]` rules.
pub struct MetadataRules {
    pub published_label: Regex,
    pub title_words: Vec<String>,
    pub title_topics: Vec<String>,
    pub issuer_suffixes: Vec<String>,
    /// Words a title may open with on a line of its own (`关于`).
    pub title_openers: Vec<String>,
    /// Words a title ends with (`报告`): a title line without one may go on on the next line.
    pub title_endings: Vec<String>,
    /// Words of the sentence that introduces the report (`现将…报告如下`): its year votes most.
    pub intro_words: Vec<String>,
}

/// What the text says about itself, before placing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextMeta {
    pub title: Option<String>,
    pub year: Option<i16>,
    pub published: Option<Date>,
}

const TITLE_MAX_CHARS: usize = 70;
/// The longest line taken as the end of a title cut before its last word (`况报告`).
const TITLE_TAIL_CHARS: usize = 12;
/// The longest issuer name before a date on a signature line.
const ISSUER_MAX_CHARS: usize = 30;
/// The longest signature line, in bytes: an issuer, a date and a note.
const SIGNATURE_MAX_BYTES: usize = 240;
const LEADING_LINES: usize = 12;
const SIGNATURE_LINES: usize = 6;
const HEAD_LINES_FOR_LABELS: usize = 12;

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
        .expect("valid date pattern")
});
static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
        .expect("valid date-line pattern")
});
/// A signature date in Chinese numerals on a line of its own: `二〇二四年一月十六日` (`○` and `零`
/// also stand for zero).
static CHINESE_DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日\s*$",
    )
    .expect("valid Chinese date-line pattern")
});
/// A year in Chinese numerals (`二〇二三年度`), 1900–2099.
static CHINESE_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:一九|二[〇○零])[〇○零一二三四五六七八九]{2})\s*年")
        .expect("valid Chinese year pattern")
});

impl MetadataRules {
    pub fn read(&self, text: &NormalizedText) -> TextMeta {
        let lines: Vec<&str> = crate::text::str_lines(&text.body).collect();
        let title = self
            .title(&lines)
            .or_else(|| text.page_title.as_deref().and_then(|t| self.page_title(t)));
        TextMeta {
            year: self.year(title.as_deref(), &lines, &text.body),
            published: self.published(text, &lines),
            title,
        }
    }

    fn is_paragraph(line: &str) -> bool {
        line.chars().count() > TITLE_MAX_CHARS || line.contains(['。', ',', ';', '!', '?', ':'])
    }

    /// Whether `line` names the topic and the kind of text: a title, if it stands alone.
    pub fn reads_as_title(&self, line: &str) -> bool {
        contains_any(line, &self.title_words) && contains_any(line, &self.title_topics)
    }

    /// Whether `line` names the topic or the kind of text: half of a wrapped title.
    fn reads_as_part_of_title(&self, line: &str) -> bool {
        contains_any(line, &self.title_words)
            || contains_any(line, &self.title_topics)
            || self.opens_title(line)
    }

    fn opens_title(&self, line: &str) -> bool {
        self.title_openers
            .iter()
            .any(|o| line.starts_with(o.as_str()))
    }

    fn ends_as_title(&self, line: &str) -> bool {
        self.title_endings
            .iter()
            .any(|e| line.ends_with(e.as_str()))
    }

    fn title(&self, lines: &[&str]) -> Option<String> {
        // Titles are often letter-spaced on web pages (`新 场 乡 2023 年 法 治…`).
        let line_at = |k: usize| lines.get(k).map(|l| unspaced(l.trim()));
        let short = |l: &Cow<str>| !l.is_empty() && !Self::is_paragraph(l);
        let mut prev: Option<Cow<str>> = None;
        for i in 0..lines.len().min(LEADING_LINES) {
            let line = line_at(i)?;
            if Self::is_paragraph(&line) {
                return None;
            }
            let whole = self.reads_as_title(&line);
            if !whole && !self.reads_as_part_of_title(&line) {
                prev = Some(line);
                continue;
            }
            let next = line_at(i + 1).filter(short);
            let mut title = if whole {
                let mut title = line.to_string();
                // Cut before its last word: `…法治政府建设工作情` + `况报告`.
                if let Some(next) = next.filter(|n| {
                    !self.ends_as_title(&title)
                        && n.chars().count() <= TITLE_TAIL_CHARS
                        && self.ends_as_title(n)
                }) {
                    title.push_str(&next);
                }
                title
            } else if let Some(next) = next.filter(|n| {
                !self.reads_as_title(n)
                    && self.reads_as_title(&format!("{line}{n}"))
                    && line.chars().count() + n.chars().count() <= TITLE_MAX_CHARS
            }) {
                // Wrapped over two lines: `…2023年法治政府建设` + `工作情况报告`.
                format!("{line}{next}")
            } else {
                prev = Some(line);
                continue;
            };
            if let Some(prev) = &prev {
                // An issuer line above (`鲁山县梁洼镇人民政府`), or the first half of a title
                // that opens on it (`关于巴城镇2023年度` + `法治政府建设工作情况的报告`).
                if (self.is_issuer_name(prev) || self.opens_title(prev))
                    && !title.starts_with(&**prev)
                {
                    title = format!("{prev}{title}");
                }
            }
            return Some(title);
        }
        None
    }

    /// A web page's heading as the title, when the article has none: the first of its
    /// headings (one per line, see [`crate::input::html::HtmlText::headings`]) with a part that reads
    /// as a report title, without the site and column names around it
    /// (`…年度报告_某县人民政府`, `某县政府网 - 政务公开 - …年度报告`).
    fn page_title(&self, headings: &str) -> Option<String> {
        headings.lines().find_map(|heading| {
            heading
                .split(['_', '|', '—', '–'])
                .flat_map(|part| part.split(" - "))
                .find_map(|part| self.title_part(part.trim()))
        })
    }

    /// `part` of a page heading as the title, if it reads as one.
    fn title_part(&self, cut: &str) -> Option<String> {
        let is_site = |s: &str| self.is_issuer_name(s.trim());
        // A site name before or after a bare hyphen: `利川市人民政府-…工作情况报告`,
        // `…工作情况报告-利川市人民政府`.
        let cut = match (cut.split_once('-'), cut.rsplit_once('-')) {
            (Some((site, rest)), _) if is_site(site) => rest.trim(),
            (_, Some((head, site))) if is_site(site) => head.trim(),
            _ => cut,
        };
        (self.reads_as_title(cut) && !Self::is_paragraph(cut)).then(|| cut.to_owned())
    }

    /// The report's year, voted for by the years in `title` and in `lines` (those of `body`).
    fn year(&self, title: Option<&str>, lines: &[&str], body: &str) -> Option<i16> {
        // Most reports write no year in Chinese numerals anywhere: then no line needs a look.
        // (A match in a line or sentence is a match in the body: the pattern has no anchors.)
        let chinese = CHINESE_YEAR.is_match(body);
        let mut votes: Vec<(i16, u32, usize)> = Vec::new(); // (year, weight, first seen)
        let mut order = 0;
        let mut vote =
            |years: Vec<(i16, usize)>, weight: u32, votes: &mut Vec<(i16, u32, usize)>| {
                for (year, at) in years {
                    order += 1;
                    let _ = at;
                    match votes.iter_mut().find(|(y, _, _)| *y == year) {
                        Some(v) => v.1 += weight,
                        None => votes.push((year, weight, order)),
                    }
                }
            };
        if let Some(t) = title {
            vote(years_in(t, true), 100, &mut votes);
        }
        let body_start = lines
            .iter()
            .position(|l| Self::is_paragraph(l))
            .unwrap_or(0);
        for (i, line) in lines.iter().enumerate().skip(body_start) {
            // Most lines and sentences hold no year: look for one before weighing them.
            if !(may_hold_year(line) || chinese && may_hold_chinese_year(line)) {
                continue;
            }
            for sentence in sentences(line) {
                let years = years_in(sentence, chinese);
                if years.is_empty() {
                    continue;
                }
                let weight = if i == body_start {
                    6
                } else if self
                    .intro_words
                    .iter()
                    .any(|w| sentence.contains(w.as_str()))
                {
                    8
                } else if i < body_start + 3 {
                    2
                } else {
                    1
                };
                vote(years, weight, &mut votes);
            }
        }
        votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|(y, _, _)| y)
    }

    fn published(&self, text: &NormalizedText, lines: &[&str]) -> Option<Date> {
        let head: Vec<&str> = text
            .chrome
            .iter()
            .map(String::as_str)
            .chain(lines.iter().take(HEAD_LINES_FOR_LABELS).copied())
            .collect();
        let labelled = head.join("\n");
        // A label counts where it starts a word: the 时间 of 抓取时间 or 会议时间 is another
        // time. (Checked here, not in the pattern, so that the search keeps its literal
        // prefilter.)
        let starts_word = |at: usize| !labelled[..at].chars().next_back().is_some_and(is_han);
        if let Some(d) = self
            .published_label
            .find_iter(&labelled)
            .filter(|m| starts_word(m.start()))
            .find_map(|m| date_from(m.as_str()))
        {
            return Some(d);
        }
        if let Some(d) = text.page_published.as_deref().and_then(date_from) {
            return Some(d);
        }
        lines
            .iter()
            .rev()
            .take(SIGNATURE_LINES)
            .copied()
            .chain(text.chrome.iter().rev().take(2).map(String::as_str))
            .find_map(|l| self.signature_date(l))
    }

    /// The date of a signature line: a date alone, or after the issuer's name
    /// (`某镇人民政府  2024年1月10日`), with notes in brackets (`(盖章)`, `(此件公开发布)`) and a
    /// final full stop set aside. A line with anything else is text, not a signature.
    fn signature_date(&self, line: &str) -> Option<Date> {
        if line.len() > SIGNATURE_MAX_BYTES {
            return None; // a paragraph
        }
        if !line.contains('日') && !line.bytes().any(|b| b.is_ascii_digit()) {
            return None; // no date written either way
        }
        let bare = without_bracketed_notes(line);
        let bare = bare.trim().trim_end_matches(['。', '.']).trim_end();
        let date_of = |l: &str| {
            DATE_LINE
                .captures(l)
                .and_then(|c| date_from(&c[0]))
                .or_else(|| chinese_date_from(l))
        };
        date_of(bare).or_else(|| {
            let (issuer, date) = bare.split_once(' ')?;
            let plain = !issuer.contains(['。', ',', ';', ':', '!', '?']);
            (plain && self.is_issuer_name(issuer))
                .then(|| date_of(date))
                .flatten()
        })
    }

    /// Whether `s` is short and ends like an issuing body's name (`某镇人民政府`).
    fn is_issuer_name(&self, s: &str) -> bool {
        self.issuer_suffixes.iter().any(|x| s.ends_with(x.as_str()))
            && s.chars().count() <= ISSUER_MAX_CHARS
    }
}

/// `line.split_inclusive(['。', ';'])`, found with a byte search: the sentences a year votes
/// from.
fn sentences(line: &str) -> impl Iterator<Item = &str> {
    let b = line.as_bytes();
    // `;` is one byte; `。` is E3 80 82, and E3 leads no other character that ends a sentence.
    let ends = memchr::memchr2_iter(b';', 0xE3, b)
        .filter(move |&i| b[i] == b';' || b.get(i + 1..i + 3) == Some(&[0x80, 0x82][..]))
        .map(move |i| if b[i] == b';' { i + 1 } else { i + 3 });
    let mut start = 0;
    ends.chain(std::iter::once(line.len()))
        .filter_map(move |end| {
            let piece = (start < end).then(|| &line[start..end]);
            start = end;
            piece
        })
}

fn contains_any(line: &str, words: &[String]) -> bool {
    words.iter().any(|w| line.contains(w.as_str()))
}

/// `line` without the spaces that stand next to a Chinese character: a letter-spaced heading
/// (`新 场 乡 2023 年 法 治`) read as written. Spaces between Latin letters or digits stay.
fn unspaced(line: &str) -> Cow<'_, str> {
    if !line.contains(' ') {
        return Cow::Borrowed(line);
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    for (k, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = chars[..k].iter().rev().find(|&&b| b != ' ');
            let after = chars[k + 1..].iter().find(|&&a| a != ' ');
            if before.is_none_or(|b| !b.is_ascii()) || after.is_none_or(|a| !a.is_ascii()) {
                continue;
            }
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Characters that make a year right after them the end of a range (`2019-2023年`).
const RANGE_MARKS: [char; 6] = ['-', '—', '–', '~', '至', '到'];

/// Years in Arabic digits: `19dd` or `20dd` after anything but a digit or a range mark, with
/// `年`, `年度` or `以来` after it (spaces between allowed), by value and byte offset. A byte
/// scan: most lines of a report hold numbers and `年` somewhere but no year. Digits are ASCII
/// (normalize folds full-width ones).
fn year_candidates(text: &str) -> impl Iterator<Item = (i16, usize)> + '_ {
    let b = text.as_bytes();
    memchr::memchr2_iter(b'1', b'2', b).filter_map(move |i| {
        let digits = b.get(i..i + 4)?;
        if !matches!(&digits[..2], b"19" | b"20") || !digits[2..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_digit() || RANGE_MARKS.contains(&c)) {
            return None;
        }
        let rest = text[i + 4..].trim_start_matches(char::is_whitespace);
        let year: i16 = text[i..i + 4].parse().ok()?;
        (rest.starts_with('年') || rest.starts_with("以来")).then_some((year, i))
    })
}

fn may_hold_year(text: &str) -> bool {
    year_candidates(text).next().is_some()
}

/// Whether `before` ends with the start of a range written with spaces: `2019 - `.
fn ends_with_range_start(before: &str) -> bool {
    let before = before.trim_end();
    let Some(mark) = before
        .chars()
        .next_back()
        .filter(|c| RANGE_MARKS.contains(c))
    else {
        return false;
    };
    let digits = before[..before.len() - mark.len_utf8()]
        .trim_end()
        .as_bytes();
    digits.len() >= 4 && digits[digits.len() - 4..].iter().all(u8::is_ascii_digit)
}

/// Years that vote: not inside `《…》`, not the end of a range. Years in Chinese numerals
/// only with `chinese` (false when the text's report holds no match of [`CHINESE_YEAR`]).
fn years_in(text: &str, chinese: bool) -> Vec<(i16, usize)> {
    let chinese_in = |text| {
        if chinese {
            chinese_years_in(text)
        } else {
            Vec::new()
        }
    };
    // Most sentences cannot hold a year: skip them cheaply.
    if !may_hold_year(text) {
        return chinese_in(text);
    }
    let outside: std::borrow::Cow<str> = if text.contains(['《', '》']) {
        let mut depth = 0i32;
        let mut outside = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '《' => depth += 1,
                '》' => depth = (depth - 1).max(0),
                _ if depth == 0 => outside.push(c),
                _ => outside.push(' '),
            }
        }
        outside.into()
    } else {
        text.into()
    };
    year_candidates(&outside)
        .filter(|&(_, at)| !ends_with_range_start(&outside[..at]))
        .chain(chinese_in(text))
        .collect()
}

/// Whether [`CHINESE_YEAR`] can match in `text`: it needs `年` and a zero or a nine. Single
/// character searches (memchr underneath), not a per-character set test.
fn may_hold_chinese_year(text: &str) -> bool {
    text.contains('年') && ['〇', '○', '零', '九'].iter().any(|&c| text.contains(c))
}

/// Years written in Chinese numerals (`二〇二三年度`), rare enough to be looked for only where
/// a zero or a nine is written as one.
fn chinese_years_in(text: &str) -> Vec<(i16, usize)> {
    if !may_hold_chinese_year(text) {
        return Vec::new();
    }
    CHINESE_YEAR
        .captures_iter(text)
        .filter_map(|c| {
            let m = c.get(1)?;
            let year = chinese_number(m.as_str())?;
            Some((year as i16, m.start()))
        })
        .collect()
}

fn date_from(s: &str) -> Option<Date> {
    let c = DATE.captures(s)?;
    Date::new(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?)
}

/// `line` without the notes in brackets it holds: `(盖章)`, `(此件公开发布)`.
fn without_bracketed_notes(line: &str) -> Cow<'_, str> {
    if !line.contains('(') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut depth = 0usize;
    for c in line.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// A Chinese numeral of a date, where typists often write the zero as `○` (a circle, not `〇`).
fn chinese_number(s: &str) -> Option<f64> {
    parse_chinese(&s.replace('○', "〇"))
}

/// The date of a line that is only a date in Chinese numerals (see [`CHINESE_DATE_LINE`]).
fn chinese_date_from(line: &str) -> Option<Date> {
    let c = CHINESE_DATE_LINE.captures(line)?;
    let (year, month, day) = (
        chinese_number(&c[1])?,
        chinese_number(&c[2])?,
        chinese_number(&c[3])?,
    );
    Date::new(year as i32, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> MetadataRules {
        let words = |ws: &[&str]| ws.iter().map(|s| s.to_string()).collect();
        MetadataRules {
            published_label: Regex::new(
                r"(?:发布日期|发布时间|日期)\s*:?\s*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}",
            )
            .unwrap(),
            title_words: words(&["报告", "情况"]),
            title_topics: words(&["法治"]),
            issuer_suffixes: words(&["人民政府", "办事处", "镇"]),
            title_openers: words(&["关于"]),
            title_endings: words(&["报告", "总结", "情况"]),
            intro_words: words(&["现将", "如下"]),
        }
    }

    fn read(body: &str, chrome: &[&str]) -> TextMeta {
        rules().read(&NormalizedText {
            body: body.to_owned(),
            chrome: chrome.iter().map(|s| s.to_string()).collect(),
            ..NormalizedText::default()
        })
    }

    #[test]
    fn year_sentences_are_split_like_split_inclusive() {
        let pieces = [
            "。", ";", "a", "年", "2023", "ア", "、", "「", "\u{3000}", ";;", "。。",
        ];
        for text in crate::text::tests::texts_from_pieces(&pieces, 8, 5_000, 4) {
            let expected: Vec<&str> = text.split_inclusive(['。', ';']).collect();
            assert_eq!(sentences(&text).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }

    #[test]
    fn a_title_with_its_issuer_line_above() {
        let m = read(
            "某县某镇人民政府\n关于2023年法治政府建设情况的报告\n2023年以来,我镇开展工作。",
            &[],
        );
        assert_eq!(
            m.title.as_deref(),
            Some("某县某镇人民政府关于2023年法治政府建设情况的报告")
        );
        assert_eq!(m.year, Some(2023));
    }

    #[test]
    fn a_title_wrapped_over_two_lines_is_joined() {
        let cases = [
            (
                "wrapped between words",
                "某镇2023年法治政府建设\n工作情况报告\n一、主要举措",
                Some("某镇2023年法治政府建设工作情况报告"),
            ),
            (
                "cut inside its last word",
                "某县2023年法治政府建设工作情\n况报告\n一、主要举措",
                Some("某县2023年法治政府建设工作情况报告"),
            ),
            (
                "opened on the line above",
                "关于巴城镇2023年度\n法治政府建设工作情况的报告\n一、主要举措",
                Some("关于巴城镇2023年度法治政府建设工作情况的报告"),
            ),
            (
                "a whole title takes no heading after it",
                "某镇2023年法治政府建设情况报告\n一、主要举措\n正文。",
                Some("某镇2023年法治政府建设情况报告"),
            ),
            (
                "letter-spaced",
                "新 场 乡 2023 年 法 治 政 府 建 设 情 况 报 告\n正文。",
                Some("新场乡2023年法治政府建设情况报告"),
            ),
            ("headings only", "一、主要举措\n(一)法治宣传\n正文。", None),
        ];
        for (why, body, want) in cases {
            assert_eq!(read(body, &[]).title.as_deref(), want, "{why}");
        }
    }

    #[test]
    fn a_page_title_loses_its_site_name() {
        let m = rules();
        for (headings, want) in [
            (
                "某县人民政府-某县2024年法治政府建设年度报告",
                "某县2024年法治政府建设年度报告",
            ),
            (
                "某县政府网 - 政务公开 - 法治政府 - 某县2024年法治政府建设年度报告",
                "某县2024年法治政府建设年度报告",
            ),
            (
                "某县人民政府\n某县2024年法治政府建设年度报告",
                "某县2024年法治政府建设年度报告",
            ),
        ] {
            assert_eq!(m.page_title(headings).as_deref(), Some(want), "{headings}");
        }
        assert_eq!(
            m.page_title("某镇2023年法治政府建设情况报告-某市人民政府")
                .as_deref(),
            Some("某镇2023年法治政府建设情况报告")
        );
        assert_eq!(
            m.page_title("某县法治政府建设(2021-2025年)情况报告")
                .as_deref(),
            Some("某县法治政府建设(2021-2025年)情况报告"),
            "a hyphen inside the title stays"
        );
    }

    #[test]
    fn an_excerpt_that_starts_with_its_body_has_no_title() {
        let m = read(
            "2022年,我镇深入推进法治政府建设,现将情况报告如下:\n一、主要举措",
            &[],
        );
        assert_eq!(m.title, None);
        assert_eq!(m.year, Some(2022));
    }

    #[test]
    fn the_year_reported_on_beats_plans_and_quoted_documents() {
        let m = read(
            "一年来,我乡认真落实《关于做好2025年度工作的通知》,现将我乡2024年法治政府建设工作报告如下:\n2025年,我乡将继续努力。\n2025年要抓好三件事。",
            &[],
        );
        assert_eq!(m.year, Some(2024));
    }

    /// The byte scan finds a year exactly where the pattern it stands for matches, on texts
    /// built from the pieces that matter to it (digits, spaces, 年, 以来, dashes, other text).
    #[test]
    fn the_year_scan_finds_what_the_year_pattern_describes() {
        let year = Regex::new(r"^(?:19|20)[0-9]{2}\s*(?:年度|年|以来)").unwrap();
        let not_after = Regex::new(r"[0-9\-—–~至到]$").unwrap();
        let pieces = [
            "1", "2", "0", "9", "3", " ", "\u{3000}", "年", "度", "以", "来", "-", "至", "人",
            "起", "《", "1920", "2023", "12023", "—",
        ];
        let mut found = 0;
        for text in crate::text::tests::texts_from_pieces(&pieces, 8, 20_000, 11) {
            let expected: Vec<usize> = (0..text.len())
                .filter(|&i| text.is_char_boundary(i))
                .filter(|&i| year.is_match(&text[i..]) && !not_after.is_match(&text[..i]))
                .collect();
            let got: Vec<usize> = year_candidates(&text).map(|(_, at)| at).collect();
            assert_eq!(got, expected, "{text}");
            assert_eq!(may_hold_year(&text), !expected.is_empty());
            found += got.len();
        }
        assert!(found > 100, "the texts should hold years: {found}");
        assert!(!may_hold_year("化解矛盾纠纷120起,全年办理案件2023件"));
        assert_eq!(
            years_in("2023年、2024年以来,2019 - 2020年,2021年度", true),
            [(2023, 0), (2024, 10), (2021, 39)]
        );
    }

    /// A year in Chinese numerals votes wherever the report writes one, with each way of
    /// writing zero; a report with none skips the search line by line.
    #[test]
    fn years_in_chinese_numerals_vote() {
        for (body, year) in [
            (
                "二〇二三年,某镇坚持依法行政。\n全年办理案件12件。",
                Some(2023),
            ),
            ("正文。\n二○二二年度,全镇化解纠纷5起。", Some(2022)),
            ("正文。\n回顾二零二一年,全县开展普法活动。", Some(2021)),
            ("正文。\n一九九九年建成的法治广场,今年改造。", Some(1999)),
            ("全年化解纠纷九起,零上访。", None),
        ] {
            assert_eq!(read(body, &[]).year, year, "{body}");
            assert_eq!(CHINESE_YEAR.is_match(body), year.is_some(), "{body}");
        }
    }

    #[test]
    fn ranges_do_not_vote() {
        let m = read("2019年,我县落实(2015-2020年)纲要,2020年到期。", &[]);
        assert_eq!(m.year, Some(2019));
    }

    #[test]
    fn a_web_page_heading_is_the_title_when_the_article_has_none() {
        let text = NormalizedText {
            body: "2022年,我县深入推进法治政府建设。".to_owned(),
            page_title: Some("某县2022年法治政府建设年度报告_某县人民政府".to_owned()),
            ..NormalizedText::default()
        };
        assert_eq!(
            rules().read(&text).title.as_deref(),
            Some("某县2022年法治政府建设年度报告")
        );
        let chrome_only = NormalizedText {
            page_title: Some("某县人民政府门户网站".to_owned()),
            ..text
        };
        assert_eq!(rules().read(&chrome_only).title, None);
    }

    #[test]
    fn published_from_a_label_or_the_signature() {
        let m = read("标题\n正文。", &["来源:某镇 日期:2021-03-31 14:27 打印"]);
        assert_eq!(m.published, Date::new(2021, 3, 31));
        let m = read("正文。\n某镇人民政府\n2024年12月4日", &[]);
        assert_eq!(m.published, Date::new(2024, 12, 4));
        let m = read("正文。\n今天是:2019年10月31日\n结束", &[]);
        assert_eq!(m.published, None);
        // A label counts where it starts a word: a meeting's date is no publication date.
        let m = read(
            "标题\n会议日期:2024-03-05。",
            &["上传日期:2024-03-06 发布日期:2024-03-08"],
        );
        assert_eq!(m.published, Date::new(2024, 3, 8));
    }

    /// A web page's `<meta name="PubDate">` is its publication date: below a label on the
    /// page, above the signature.
    #[test]
    fn published_from_the_page_meta_when_no_label_says_it() {
        let with_meta = |body: &str, chrome: &[&str]| {
            rules()
                .read(&NormalizedText {
                    body: body.to_owned(),
                    chrome: chrome.iter().map(|s| s.to_string()).collect(),
                    page_published: Some("2025-01-20 10:30".to_owned()),
                    ..NormalizedText::default()
                })
                .published
        };
        let meta = Date::new(2025, 1, 20);
        assert_eq!(with_meta("正文。\n今天是:2025年3月2日", &[]), meta);
        assert_eq!(with_meta("正文。\n某镇人民政府\n2025年1月10日", &[]), meta);
        assert_eq!(
            with_meta("正文。", &["发布日期:2025-01-18"]),
            Date::new(2025, 1, 18)
        );
    }

    #[test]
    fn a_signature_date_with_the_issuer_or_a_note_on_its_line() {
        let published = |tail: &str| read(&format!("正文。\n{tail}"), &[]).published;
        let day = Date::new(2024, 1, 15);
        assert_eq!(published("某镇人民政府 2024年1月15日"), day);
        assert_eq!(published("2024年1月15日(此件公开发布)"), day);
        assert_eq!(published("(盖章)2024年1月15日"), day);
        assert_eq!(published("2024年1月15日。"), day);
        assert_eq!(published("某镇人民政府 二〇二四年一月十五日"), day);
        assert_eq!(published("会议于2024年1月15日召开"), None);
        assert_eq!(published("某镇人民政府于2024年1月15日召开会议"), None);
        assert_eq!(published("今天是:2024年1月15日"), None);
    }

    /// Official documents often sign with the date in Chinese numerals, zero written `〇`, `○`
    /// or `零`.
    #[test]
    fn published_from_a_signature_in_chinese_numerals() {
        let m = read("正文。\n某镇人民政府\n二〇二四年一月十六日", &[]);
        assert_eq!(m.published, Date::new(2024, 1, 16));
        let m = read("正文。\n某县人民政府\n二○二三年十二月三十一日", &[]);
        assert_eq!(m.published, Date::new(2023, 12, 31));
        let m = read("正文。\n某县人民政府\n二零二二年二月三十日", &[]);
        assert_eq!(m.published, None, "no 30 February");
        let m = read("正文。\n会议于二〇二四年一月十六日召开", &[]);
        assert_eq!(
            m.published, None,
            "a date inside a sentence is no signature"
        );
    }

    #[test]
    fn year_in_chinese_numerals() {
        let m = read(
            "某镇二〇二三年度法治政府建设工作报告\n一年来,我镇认真落实。",
            &[],
        );
        assert_eq!(m.year, Some(2023));
        let m = read("某镇二○二二年法治政府建设情况报告\n正文。", &[]);
        assert_eq!(m.year, Some(2022));
        // In the body too, not only in the title.
        let m = read(
            "二〇二一年,我镇认真落实法治政府建设要求。\n全年开展普法活动。",
            &[],
        );
        assert_eq!(m.year, Some(2021));
    }
}
