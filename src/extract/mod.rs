//! Extract: normalized body in, quantity mentions out (EXTRACTION.md §1-2).
//!
//! A mention is `[hedge] NUMBER [余|多] [万|亿|千] [余|多] MEASURE-WORD [以上|左右…]`, with
//! spaces allowed between the parts (`1.3 万件`). NUMBER is Arabic (`1,094`, `95.56`), Chinese
//! (`一百二十`, `两万`, `十`) or `百分之…`. The multiplier is folded into the value, the hedges
//! become the qualifier (a hedge beats an exact word: `共计930余人次` is `more_than`), and the
//! measure word becomes the canonical unit (`㎡` → `m²`, `21个工作日` → `工作日`).
//!
//! What is not a mention is ruled out by vocabulary from `pipeline.toml`, never by the sample
//! sentences: numbers inside fixed terms (`三项制度`), document titles (`《…23条措施》`) and short
//! quotes (`“三个100%”`); spans matched by the exclusion patterns (dates, clock times, plenum
//! ordinals `二十届一中全会`, commemorative days `6.26国际禁毒日`, `6+N`); numerals after an
//! ordinal prefix (`第二批`, `每两月`); words that merely contain a numeral (`统一`, `万家`); a
//! lone `一` before anything but an event word (`一项重要任务` is "a task", `召开一次会议` is 1 次);
//! a lone `百/千/万` without a hedge (`百姓`, but `近千人`, `百余人`); written-out counts of rhetorical
//! points (`三个诉源治理发力点`); fractions (`三分之一`); and numbers with no measure word
//! (`数据汇集5800`). Known misses: ranges (`3-5人` gives only `5人`), 成 for tenths (`八成`).

pub mod numerals;

use std::collections::HashSet;
use std::ops::Range;

use crate::text::gate::GatedRegex;
use compact_str::CompactString;
use rustc_hash::FxHashMap;

use crate::extract::numerals::{
    digit_value, is_chinese_numeral_char, parse_arabic_chars, parse_chinese_chars, power_value,
    to_decimal_digits,
};
use crate::record::Qualifier;
use crate::text::dict::Dictionary;
use crate::text::{ends, is_han, starts, TextIndex};

/// The compiled vocabulary of numbers, hedges and exclusions (`[numbers]`, `[hedges]`,
/// `[exclude]` in `pipeline.toml`).
pub struct Lexicon {
    /// Measure words, longest first, with their unit; and, with none, the words that start
    /// with a measure word but are none (`期间`, `人员`: a number before one is no count, so
    /// `十一期间` is not 11 期).
    pub units: Vec<(Vec<char>, Option<Unit>)>,
    /// Per first character, the indices into `units` of the words it starts, in order
    /// (see [`index_by_first_char`]).
    pub units_by_first: FxHashMap<char, Vec<usize>>,
    pub multipliers: Vec<(char, f64)>,
    /// Nouns that replace 个 as the unit (`21个工作日` → `工作日`), longest first.
    pub nouns_after_ge: Vec<Vec<char>>,
    pub lone_one_units: HashSet<String>,
    pub max_value: f64,
    pub max_digits: usize,
    /// Hedges before the number, longest first.
    pub hedges_before: Vec<(Vec<char>, Qualifier)>,
    /// Hedges that make a lone 百/千/万 a number, besides those of `hedges_before`, longest
    /// first: `上千人次` is more than 1000 人次, `上` before any other number is no hedge.
    pub hedges_before_round: Vec<(Vec<char>, Qualifier)>,
    pub hedges_inside: Vec<(char, Qualifier)>,
    /// Hedges after the measure word, longest first.
    pub hedges_after: Vec<(Vec<char>, Qualifier)>,
    pub reach_over_de: Vec<Vec<char>>,
    /// Hedges that govern a count across the verb phrase before it, each with the most Chinese
    /// characters it reaches over, longest hedge first: `至少召开2次`, `至少组织集中学法1次`.
    pub reach_over_verb: Vec<(Vec<char>, usize)>,
    pub not_hedges: EndWords,
    /// Fixed terms, matched leftmost-longest like an Aho-Corasick automaton would.
    pub fixed_terms: Option<Dictionary>,
    pub numeral_words: Option<Dictionary>,
    pub rhetorical_heads: Vec<Vec<char>>,
    pub patterns: Option<GatedRegex>,
    /// Paired marks whose inside holds no mention: `(open, close, at most this many characters
    /// between them)`: `《…》` at any length, short quotes (slogans).
    pub paired_marks: Vec<(char, char, usize)>,
    pub ordinal_prefixes: Vec<Vec<char>>,
    pub clause_ends: Vec<char>,
}

/// What a measure word makes of the number before it: the canonical unit, and the factor that
/// takes the value into it (1 for most; `成` is a tenth, so `九成` is 90 `%`).
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub name: CompactString,
    pub scale: f64,
}

/// Words looked for at the end of a text, with their last characters apart: most texts are
/// ruled out by one look at their last character.
#[derive(Debug, Clone, Default)]
pub struct EndWords {
    /// Longest first.
    pub words: Vec<Vec<char>>,
    /// The last character of each word, sorted.
    last: Vec<char>,
}

impl EndWords {
    pub fn new(words: Vec<Vec<char>>) -> EndWords {
        let mut last: Vec<char> = words.iter().filter_map(|w| w.last().copied()).collect();
        last.sort_unstable();
        last.dedup();
        EndWords { words, last }
    }

    /// Whether `text` ends with one of the words.
    fn end(&self, text: &[char]) -> bool {
        text.last()
            .is_some_and(|c| self.last.binary_search(c).is_ok())
            && self.words.iter().any(|w| ends(text, w))
    }
}

/// One mention as found in the text, before classification.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Character span of the whole mention, hedges included (`raw`).
    pub start: usize,
    pub end: usize,
    /// Where the number itself starts, and where the measure word ends.
    pub number_start: usize,
    pub unit_end: usize,
    pub value: f64,
    pub unit: CompactString,
    pub qualifier: Qualifier,
}

/// A number refused as absurd (too many digits, beyond `max_value`), with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub at: usize,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Extraction {
    pub mentions: Vec<Mention>,
    pub refused: Vec<Refusal>,
}

const REACH_OVER_DE_CHARS: usize = 12;
const RHETORIC_WINDOW: usize = 10;

/// A number token before its tail: value, where it ends, and how it was written.
struct Number {
    end: usize,
    value: f64,
    chinese: bool,
    /// A lone 一 (`一项`): an article unless an event word follows.
    lone_one: bool,
    /// A lone 百/千/万/亿 (`百姓`, `近千人`).
    bare_power: bool,
    percent: bool,
}

impl Lexicon {
    /// The mentions of `text`. `names`: character ranges whose numerals are no quantities,
    /// found by another stage (division names written with a numeral, `三台县`), in order.
    pub fn extract(&self, text: &TextIndex, names: &[Range<usize>]) -> Extraction {
        let chars = &text.chars;
        // What blocks numbers (fixed terms, exclusion patterns, paired marks) is found line by
        // line, the first time a line holds a candidate mention: most numbers (the 一 of
        // 进一步, a bare 2024) never get that far.
        let mut line: Option<LineMarks> = None;
        let mut out = Extraction::default();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let digit = c.is_ascii_digit();
            if !digit && !is_chinese_numeral_char(c) {
                i += 1; // nearly every character
                continue;
            }
            // Never start inside a number: after a digit, or after the point of a decimal.
            let inside_arabic = i > 0
                && (chars[i - 1].is_ascii_digit()
                    || (chars[i - 1] == '.' && i > 1 && chars[i - 2].is_ascii_digit()));
            let starts_number = if digit {
                !inside_arabic
            } else {
                !(i > 0 && is_chinese_numeral_char(chars[i - 1]))
            };
            if !starts_number {
                i += 1;
                continue;
            }
            let number = if digit {
                match self.arabic(chars, i) {
                    Ok(n) => n,
                    Err(reason) => {
                        if self.marks(text, names, &mut line, i).blocked(i..i + 1) {
                            i += 1;
                        } else {
                            out.refused.push(Refusal { at: i, reason });
                            i = skip_digits(chars, i);
                        }
                        continue;
                    }
                }
            } else {
                match self.chinese(chars, i) {
                    Some(n) => n,
                    None => {
                        i += 1;
                        continue;
                    }
                }
            };
            let Some(m) = self.mention_at(chars, i, &number) else {
                i = number.end.max(i + 1);
                continue;
            };
            let marks = self.marks(text, names, &mut line, i);
            let in_word = || number.chinese && !number.percent && self.in_numeral_word(text, i);
            if marks.blocked(i..i + 1) || in_word() {
                i += 1;
                continue;
            }
            if marks.blocked(m.number_start..m.unit_end) {
                i = number.end.max(i + 1);
                continue;
            }
            if !m.value.is_finite() || m.value > self.max_value {
                out.refused.push(Refusal {
                    at: i,
                    reason: format!(
                        "{:e} {} is beyond any statistic (at most {:e})",
                        m.value, m.unit, self.max_value
                    ),
                });
                i = number.end.max(i + 1);
                continue;
            }
            i = m.end.max(i + 1);
            out.mentions.push(m);
        }
        out
    }

    /// The marks of the line holding character `i`, from `cache` when it is that line.
    fn marks<'c>(
        &self,
        text: &TextIndex,
        names: &[Range<usize>],
        cache: &'c mut Option<LineMarks>,
        i: usize,
    ) -> &'c LineMarks {
        if cache.as_ref().is_some_and(|l| l.start <= i && i < l.end) {
            return cache.as_ref().expect("checked above");
        }
        // The last line's buffer is reused: most lines of a report hold a number.
        let buffer = cache.take().map(|l| l.blocked).unwrap_or_default();
        cache.insert(self.line_marks(text, names, i, buffer))
    }

    /// An Arabic number at `i`: digits, `,ddd` groups, a decimal part.
    fn arabic(&self, chars: &[char], i: usize) -> Result<Number, String> {
        let mut j = i;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        let int_digits = j - i;
        // Thousands groups: exactly three digits after each comma.
        let mut groups = 0;
        while int_digits <= 3
            && chars.get(j) == Some(&',')
            && (1..=3).all(|k| chars.get(j + k).is_some_and(char::is_ascii_digit))
            && !chars.get(j + 4).is_some_and(char::is_ascii_digit)
        {
            j += 4;
            groups += 1;
        }
        if chars.get(j) == Some(&'.') && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit()) {
            j += 1;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
        }
        let total_int_digits = int_digits + 3 * groups;
        if total_int_digits > self.max_digits {
            return Err(format!(
                "a number of {total_int_digits} digits is beyond any statistic ({} digits at most)",
                self.max_digits
            ));
        }
        let value = parse_arabic_chars(&chars[i..j]).ok_or_else(|| {
            let s: String = chars[i..j].iter().collect();
            format!("`{s}` is not a number")
        })?;
        Ok(Number {
            end: j,
            value,
            chinese: false,
            lone_one: false,
            bare_power: false,
            percent: false,
        })
    }

    /// A Chinese numeral (or `百分之…`) at `i`. (Whether it is part of a word such as `统一` or
    /// `万家` is checked once it makes a candidate mention: [`LineMarks::in_numeral_word`].)
    fn chinese(&self, chars: &[char], i: usize) -> Option<Number> {
        if chars[i..].starts_with(&['百', '分', '之']) {
            let j = i + 3;
            let inner = if chars.get(j).is_some_and(|c| c.is_ascii_digit()) {
                self.arabic(chars, j).ok()?
            } else {
                let (end, value) = chinese_value(chars, j)?;
                Number {
                    end,
                    value,
                    chinese: true,
                    lone_one: false,
                    bare_power: false,
                    percent: false,
                }
            };
            if inner.end == j {
                return None;
            }
            return Some(Number {
                percent: true,
                ..inner
            });
        }
        let run = run_end(chars, i);
        let (end, value) = chinese_value(chars, i)?;
        Some(Number {
            end,
            value,
            chinese: true,
            lone_one: end == i + 1 && digit_value(chars[i]) == Some(1),
            bare_power: end == run
                && chars[i..end]
                    .iter()
                    .all(|&c| power_value(c).is_some_and(|p| p >= 100)),
            percent: false,
        })
    }

    /// The mention whose number starts at `start`, if the tail makes it one. (Whether marks
    /// block it and whether its value is plausible is for the caller to check.)
    fn mention_at(&self, chars: &[char], start: usize, number: &Number) -> Option<Mention> {
        if self.after_ordinal_prefix(chars, start) {
            return None;
        }
        if start > 0 && chars[start - 1].is_ascii_alphabetic() {
            return None; // part of a code: gyz1, G20
        }
        let mut value = number.value;
        let mut j = number.end;
        let mut qualifiers: Vec<Qualifier> = Vec::new();
        // A hedge between the number and the measure word (百余人, 千多份).
        let mut hedged_inside = false;
        let unit: CompactString;
        if number.percent {
            unit = CompactString::const_new("%");
        } else {
            j = skip_spaces(chars, j);
            let mut inside = self.inside_hedge(chars, &mut j);
            let mut multiplied = false;
            while let Some(&(_, m)) = chars
                .get(j)
                .and_then(|c| self.multipliers.iter().find(|(mc, _)| mc == c))
            {
                value *= m;
                multiplied = true;
                j += 1;
            }
            if multiplied && inside.is_none() {
                inside = self.inside_hedge(chars, &mut j);
            }
            hedged_inside = inside.is_some();
            qualifiers.extend(inside);
            j = skip_spaces(chars, j);
            let (len, mut measure) = self.unit_at(chars, j)?;
            j += len;
            if let Some(joined) = self.bracketed_tail(chars, j, len) {
                measure = joined;
                j += 3;
            }
            if measure.scale != 1.0 || multiplied {
                value = to_decimal_digits(value * measure.scale);
            }
            let mut u = measure.name.clone();
            if u == "个" {
                // The hedge may stand after 个: 两个多月 is more than 2 月.
                let mut k = j;
                let inside = self.inside_hedge(chars, &mut k);
                if let Some(noun) = self.nouns_after_ge.iter().find(|w| starts(&chars[k..], w)) {
                    j = k + noun.len();
                    u = noun.iter().collect();
                    hedged_inside |= inside.is_some();
                    qualifiers.extend(inside);
                }
            }
            if chars.get(j) == Some(&'之') {
                return None; // a fraction: 三分之一
            }
            if number.chinese && number.lone_one && !self.lone_one_units.contains(u.as_str()) {
                return None;
            }
            if number.chinese && self.is_rhetorical(chars, j) {
                return None;
            }
            unit = u;
        }
        let unit_end = j;
        if let Some((len, q)) = self
            .hedges_after
            .iter()
            .find(|(w, _)| starts(&chars[j..], w))
            .map(|(w, q)| (w.len(), *q))
        {
            qualifiers.push(q);
            j += len;
        }
        let mut raw_start = start;
        match self.hedge_before(chars, start) {
            Some((hedge_start, q)) => {
                qualifiers.insert(0, q);
                raw_start = hedge_start;
            }
            None if number.bare_power && !hedged_inside => {
                // A lone 百/千/万 is an idiom (`百姓`, `千方百计`) unless a hedge says it is a
                // round number: `近千人`, `上千人次`.
                let (w, q) =
                    (self.hedges_before_round.iter()).find(|(w, _)| ends(&chars[..start], w))?;
                qualifiers.insert(0, *q);
                raw_start = start - w.len();
            }
            None => {}
        }
        let qualifier = qualifiers
            .into_iter()
            .find(|q| *q != Qualifier::Exact)
            .unwrap_or_default();
        Some(Mention {
            start: raw_start,
            end: j,
            number_start: start,
            unit_end,
            value,
            unit,
            qualifier,
        })
    }

    fn inside_hedge(&self, chars: &[char], j: &mut usize) -> Option<Qualifier> {
        let c = chars.get(*j)?;
        let (_, q) = self.hedges_inside.iter().find(|(h, _)| h == c)?;
        *j = skip_spaces(chars, *j + 1);
        Some(*q)
    }

    /// The measure word that the `len` characters before `j` make with one bracketed character
    /// right after them, if that is a measure word too: `56场(次)` counts 场次, `1.5万人(次)`
    /// counts 人次. (`37件(份)` stays 件: 件份 is no measure word.)
    fn bracketed_tail(&self, chars: &[char], j: usize, len: usize) -> Option<&Unit> {
        let &['(', c, ')'] = chars.get(j..j + 3)? else {
            return None;
        };
        let written = &chars[j - len..j];
        self.units_by_first
            .get(written.first()?)?
            .iter()
            .map(|&k| &self.units[k])
            .find(|(w, _)| w.len() == len + 1 && w.starts_with(written) && w[len] == c)
            .and_then(|(_, u)| u.as_ref())
    }

    /// The longest measure word at `j`: (characters consumed, canonical unit).
    fn unit_at(&self, chars: &[char], j: usize) -> Option<(usize, &Unit)> {
        let rest = chars.get(j..)?;
        self.units_by_first
            .get(rest.first()?)?
            .iter()
            .map(|&k| &self.units[k])
            .find(|(w, _)| rest.starts_with(w))
            .and_then(|(w, u)| Some((w.len(), u.as_ref()?)))
    }

    fn after_ordinal_prefix(&self, chars: &[char], start: usize) -> bool {
        let before = &chars[..start];
        let trimmed = before.len() - before.iter().rev().take_while(|c| **c == ' ').count();
        self.ordinal_prefixes
            .iter()
            .any(|p| ends(&chars[..trimmed], p))
    }

    /// A hedge written before the number: `约900件`, or over a `…的` phrase: `不足公职人员的70%`.
    fn hedge_before(&self, chars: &[char], start: usize) -> Option<(usize, Qualifier)> {
        let mut p = start;
        while p > 0 && chars[p - 1] == ' ' {
            p -= 1;
        }
        let before = &chars[..p];
        if self.not_hedges.end(before) {
            return None;
        }
        if let Some((w, q)) = self.hedges_before.iter().find(|(w, _)| ends(before, w)) {
            return Some((p - w.len(), *q));
        }
        if let Some(found) = self.hedge_over_verb(chars, p) {
            return Some(found);
        }
        if before.last() != Some(&'的') {
            return None;
        }
        let floor = p.saturating_sub(REACH_OVER_DE_CHARS);
        for k in (floor..p).rev() {
            if self.clause_ends.contains(&chars[k]) {
                return None;
            }
            if let Some(w) = (self.reach_over_de.iter())
                .find(|w| starts(&chars[k..p], w) && !self.in_not_hedge(chars, k, w.len()))
            {
                let q = self
                    .hedges_before
                    .iter()
                    .find(|(h, _)| h == w)
                    .map_or(Qualifier::Exact, |(_, q)| *q);
                return Some((k, q));
            }
        }
        None
    }

    /// A hedge of `reach_over_verb` right before a verb phrase that stands right before the
    /// number at `p`, no longer than the hedge reaches: `每季度至少召开1次` is at least 1 次, and
    /// so is `每月至少到村坐班2天`.
    fn hedge_over_verb(&self, chars: &[char], p: usize) -> Option<(usize, Qualifier)> {
        let is_word_char = |c: char| is_han(c) && !is_chinese_numeral_char(c) && c != '的';
        let reach = self.reach_over_verb.iter().map(|(_, r)| *r).max()?;
        for gap in 1..=reach.min(p) {
            if !is_word_char(chars[p - gap]) {
                return None;
            }
            let before = &chars[..p - gap];
            if self.not_hedges.end(before) {
                return None;
            }
            if let Some((w, _)) = self.reach_over_verb.iter().find(|(w, r)| {
                gap <= *r
                    && ends(before, w)
                    && !self.in_not_hedge(chars, p - gap - w.len(), w.len())
            }) {
                let q = self
                    .hedges_before
                    .iter()
                    .find(|(h, _)| h == w)
                    .map_or(Qualifier::Exact, |(_, q)| *q);
                return Some((p - gap - w.len(), q));
            }
        }
        None
    }

    /// Whether the hedge word at `chars[at..at + len]` is part of a word that is no hedge: the
    /// 约 of `村规民约`, `约谈`, `约束`.
    fn in_not_hedge(&self, chars: &[char], at: usize, len: usize) -> bool {
        self.not_hedges.words.iter().any(|w| {
            // Where `w` would start for the hedge to lie inside it.
            let first = (at + len).saturating_sub(w.len());
            (first..=at).any(|start| {
                chars
                    .get(start..start + w.len())
                    .is_some_and(|s| s == w.as_slice())
            })
        })
    }

    /// Whether the words after a written-out count name rhetorical points (`三个…发力点`).
    fn is_rhetorical(&self, chars: &[char], j: usize) -> bool {
        let end = (j..chars.len().min(j + RHETORIC_WINDOW))
            .find(|&k| self.clause_ends.contains(&chars[k]) || chars[k] == '、' || chars[k] == '\n')
            .unwrap_or(chars.len().min(j + RHETORIC_WINDOW));
        let phrase = &chars[j..end];
        self.rhetorical_heads
            .iter()
            .any(|h| phrase.windows(h.len()).any(|w| w == h.as_slice()))
    }

    /// What keeps the numbers of the line holding character `i` from being mentions. Fixed
    /// terms, exclusion patterns and paired marks are matched within a line (a date or a
    /// document title never runs across a paragraph break); `names` come marked.
    fn line_marks(
        &self,
        text: &TextIndex,
        names: &[Range<usize>],
        i: usize,
        mut blocked: Vec<bool>,
    ) -> LineMarks {
        let chars = &text.chars;
        let start = chars[..i]
            .iter()
            .rposition(|&c| c == '\n')
            .map_or(0, |p| p + 1);
        let end = chars[i..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(chars.len(), |p| i + p);
        let byte_start = text.byte_of(start);
        let line = &text.as_str()[byte_start..text.byte_of(end)];
        let at = |byte: usize| text.char_at(byte_start + byte);
        blocked.clear();
        blocked.resize(end - start, false);
        let mut mark = |s: usize, e: usize| blocked[s - start..e - start].fill(true);
        if let Some(dict) = &self.fixed_terms {
            for m in dict.find_iter(line) {
                let (s, e) = (at(m.start), at(m.end));
                // A digit term (1310) is a term only as a whole number, not inside 13100.
                let glued_before =
                    s > 0 && chars[s].is_ascii_digit() && chars[s - 1].is_ascii_digit();
                let glued_after =
                    e < chars.len() && chars[e - 1].is_ascii_digit() && chars[e].is_ascii_digit();
                if !glued_before && !glued_after {
                    mark(s, e);
                }
            }
        }
        if let Some(re) = &self.patterns {
            re.for_each_match(line, |s, e| mark(at(s), at(e)));
        }
        for (s, e) in paired(&chars[start..end], &self.paired_marks) {
            mark(start + s, start + e);
        }
        let first = names.partition_point(|n| n.end <= start);
        for n in names[first..].iter().take_while(|n| n.start < end) {
            mark(n.start.max(start), n.end.min(end));
        }
        LineMarks {
            start,
            end,
            blocked,
        }
    }

    /// Whether character `i` is covered by a word that merely contains a numeral (`统一`,
    /// `万家`). Such a word blocks a numeral only where the word starts it: `十一起` is still
    /// 11 起. Any occurrence covering `i` lies within `max_pattern_len` characters of it, and an
    /// overlapping search reports every occurrence, so searching that window finds exactly the
    /// occurrences a search of the whole text would find around `i`.
    fn in_numeral_word(&self, text: &TextIndex, i: usize) -> bool {
        let Some(dict) = &self.numeral_words else {
            return false;
        };
        let reach = dict.max_len(); // bytes, so at least as many characters
        let lo = text.byte_of(i.saturating_sub(reach));
        let at = text.byte_of(i);
        let hi = text.byte_of(i + reach);
        let mut covered = false;
        dict.for_each_overlapping(&text.as_str()[lo..hi], |m| {
            covered |= lo + m.start <= at && at < lo + m.end;
        });
        covered
    }
}

/// What keeps the numbers of one line (characters `start..end`) from being mentions.
struct LineMarks {
    start: usize,
    end: usize,
    /// Per character: inside a fixed term, an exclusion pattern or paired marks.
    blocked: Vec<bool>,
}

impl LineMarks {
    /// Whether some character of `range` (within the line) is blocked.
    fn blocked(&self, range: std::ops::Range<usize>) -> bool {
        self.blocked[range.start - self.start..range.end - self.start]
            .iter()
            .any(|&b| b)
    }
}

/// For each character, the indices of the `words` that start with it, in the order of
/// `words`: the first of them that a text starts with is the first of all `words` it starts
/// with, found without trying the words that start otherwise.
pub fn index_by_first_char<T>(words: &[(Vec<char>, T)]) -> FxHashMap<char, Vec<usize>> {
    let mut index: FxHashMap<char, Vec<usize>> = FxHashMap::default();
    for (k, (w, _)) in words.iter().enumerate() {
        if let Some(&c) = w.first() {
            index.entry(c).or_default().push(k);
        }
    }
    index
}

/// Spans `[open, close]` of paired marks on one line, at most `max_inner` characters apart, for
/// each `(open, close, max_inner)` in one pass over the text (each pair on its own, as if
/// scanned alone). A bit per value of a character's low ten bits rules out all but about one
/// character in a hundred (of ideographs) with one bit test.
fn paired(chars: &[char], pairs: &[(char, char, usize)]) -> Vec<(usize, usize)> {
    const LOW_BITS: u32 = 1024;
    let mut spans = Vec::new();
    let mut opened: Vec<Option<usize>> = vec![None; pairs.len()];
    let slot = |c: char| (c as u32 % LOW_BITS) as usize;
    let mut marks = [0u64; LOW_BITS as usize / 64];
    for c in pairs.iter().flat_map(|&(o, c, _)| [o, c]).chain(['\n']) {
        marks[slot(c) / 64] |= 1 << (slot(c) % 64);
    }
    for (i, &c) in chars.iter().enumerate() {
        if marks[slot(c) / 64] & (1 << (slot(c) % 64)) == 0 {
            continue;
        }
        if c == '\n' {
            opened.iter_mut().for_each(|o| *o = None);
            continue;
        }
        for (&(open, close, max_inner), opened) in pairs.iter().zip(opened.iter_mut()) {
            if let Some(o) = opened.filter(|_| c == close) {
                if i - o - 1 <= max_inner {
                    spans.push((o, i + 1));
                }
                *opened = None;
            } else if c == open {
                *opened = Some(i);
            }
        }
    }
    spans
}

/// The Chinese numeral at `i`: where it ends and its value, with a decimal part after `点`
/// (`八十五点五`, `三点五万`). The decimal part is digits only and must not run on into a ten,
/// hundred or thousand: `十一点三十分` is a time of day, not 11.3.
fn chinese_value(chars: &[char], i: usize) -> Option<(usize, f64)> {
    let end = run_end(chars, i);
    let value = parse_chinese_chars(&chars[i..end])?;
    if chars.get(end) != Some(&'点') {
        return Some((end, value));
    }
    let digits: String = chars[end + 1..]
        .iter()
        .map_while(|&c| digit_value(c))
        .map(|d| char::from(b'0' + d as u8))
        .collect();
    let after = end + 1 + digits.len();
    let runs_on = chars
        .get(after)
        .and_then(|&c| power_value(c))
        .is_some_and(|p| p < 10_000);
    if digits.is_empty() || runs_on {
        return Some((end, value));
    }
    let decimal = format!("{value}.{digits}").parse().ok()?;
    Some((after, decimal))
}

fn run_end(chars: &[char], i: usize) -> usize {
    let mut j = i;
    while j < chars.len() && is_chinese_numeral_char(chars[j]) {
        j += 1;
    }
    j
}

/// Spaces in a row that part the columns of a table laid out with spaces (`pdftotext -layout`:
/// `1     人民调解案件    131件`), not the words of a mention (`1 次`, `1.3 万件`).
const COLUMN_GAP: usize = 3;

/// Past the spaces at `j`. Not past a tab or a [`COLUMN_GAP`]: they separate the cells of a
/// table (HTML `td`, tab-separated or laid-out text), and a row's number (`1\t人民调解…`) is no
/// count of the next cell's word.
fn skip_spaces(chars: &[char], j: usize) -> usize {
    let mut end = j;
    while end < chars.len() && chars[end] == ' ' {
        end += 1;
    }
    if end - j >= COLUMN_GAP {
        j
    } else {
        end
    }
}

fn skip_digits(chars: &[char], mut j: usize) -> usize {
    while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ',' || chars[j] == '.') {
        j += 1;
    }
    j
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`paired`] for one pair, scanned alone, character by character.
    fn paired_alone(
        chars: &[char],
        (open, close, max_inner): (char, char, usize),
    ) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let mut opened = None;
        for (i, &c) in chars.iter().enumerate() {
            if c == '\n' {
                opened = None;
            } else if let Some(o) = opened.filter(|_| c == close) {
                if i - o - 1 <= max_inner {
                    spans.push((o, i + 1));
                }
                opened = None;
            } else if c == open {
                opened = Some(i);
            }
        }
        spans
    }

    /// The one-pass scan finds what each pair finds on its own, also beside characters that
    /// share a mark's low bits (`《` is U+300A, `尊` U+5C0A: both 10 modulo 1024).
    #[test]
    fn paired_marks_are_found_as_by_each_pair_alone() {
        let pairs = [('《', '》', usize::MAX), ('“', '”', 3), ('"', '"', 2)];
        let pieces = [
            "《", "》", "“", "”", "\"", "\n", "尊", "尋", "思", "件", "a", "。",
        ];
        for text in crate::text::tests::texts_from_pieces(&pieces, 12, 20_000, 7) {
            let chars: Vec<char> = text.chars().collect();
            let mut expected: Vec<(usize, usize)> = pairs
                .iter()
                .flat_map(|&p| paired_alone(&chars, p))
                .collect();
            let mut found = paired(&chars, &pairs);
            expected.sort_unstable();
            found.sort_unstable();
            assert_eq!(found, expected, "{text:?}");
        }
    }
}
