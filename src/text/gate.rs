//! First-character gates: which characters a match of a regex can start with.
//!
//! Heading markers and page-debris patterns are tried on every line of every report, and almost
//! every line fails them on its first character (`开展…` can open neither `一、` nor `当前位置`).
//! A regex call costs a few hundred instructions before it reads a byte (a cache from a pool, a
//! search set up), so a table lookup on the first character comes first. The table is read off
//! the regexes' own automaton once per run: a character is in it unless the automaton, started at
//! the beginning of a line, dies on its bytes. So a gate only ever says no where the regex
//! would: it never changes a result.
//!
//! [`GatedRegex`] carries the idea inside a line: the exclusion patterns (dates, clock times,
//! document numbers) are searched in every line that holds a number, and their matches can only
//! start at a digit, a numeral or one of a few marks. Trying the automaton anchored at those
//! characters alone, instead of walking it over every byte, finds the same matches in a
//! fraction of the time.

use std::sync::OnceLock;

use regex::Regex;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::util::pool::Pool;
use regex_automata::util::start;
use regex_automata::{Anchored, Input};

use crate::text::BmpSet;

/// The characters of the Basic Multilingual Plane a match may start with.
pub struct FirstCharGate {
    bmp: BmpSet,
}

impl FirstCharGate {
    /// The gate of a set of patterns (a line passes when any of them may match it), or `None`
    /// when one of them is not anchored at the start, or the automaton cannot tell (it gives up
    /// on some bytes, say): then every line must be tried.
    pub fn new<P: AsRef<str>>(patterns: &[P]) -> Option<FirstCharGate> {
        if patterns.is_empty() || !patterns.iter().all(|p| anchored_at_start(p.as_ref())) {
            return None;
        }
        let dfa = DFA::new_many(patterns).ok()?;
        let mut cache = dfa.create_cache();
        let start = dfa
            .start_state_forward(&mut cache, &Input::new("").anchored(Anchored::Yes))
            .ok()?;
        let mut bmp = BmpSet::default();
        admit_first_chars(&dfa, &mut cache, start, &mut bmp)?;
        Some(FirstCharGate { bmp })
    }

    /// Whether a line starting with `first` may match. Characters beyond the BMP always may.
    #[inline]
    pub fn admits(&self, first: char) -> bool {
        first as u32 >= 0x10000 || self.bmp.contains(first)
    }

    /// Whether `line` may match: an empty line is always tried.
    #[inline]
    pub fn admits_line(&self, line: &str) -> bool {
        line.chars().next().is_none_or(|c| self.admits(c))
    }
}

/// Adds to `bmp` every character of the Basic Multilingual Plane on whose bytes the automaton,
/// from `start`, does not die; `None` when the automaton cannot tell (it gives up on some
/// bytes, say). The bytes of the BMP are walked as a tree, leaving a subtree as soon as a prefix
/// kills it: a few thousand steps, not three per character.
fn admit_first_chars(
    dfa: &DFA,
    cache: &mut Cache,
    start: LazyStateID,
    bmp: &mut BmpSet,
) -> Option<()> {
    let mut step = |state, byte| -> Option<Option<LazyStateID>> {
        let next = dfa.next_state(cache, state, byte).ok()?;
        if next.is_quit() {
            return None; // the automaton cannot tell
        }
        Some((!next.is_dead()).then_some(next))
    };
    for lead in 0u8..=0xEF {
        let continuations = match lead {
            0x00..=0x7F => 0,
            0xC2..=0xDF => 1,
            0xE0..=0xEF => 2,
            _ => continue, // a continuation byte, or an overlong lead
        };
        let Some(s1) = step(start, lead)? else {
            continue;
        };
        if continuations == 0 {
            bmp.insert(u32::from(lead));
            continue;
        }
        // The second byte's range: no overlong forms after E0, no surrogates after ED.
        let second = match lead {
            0xE0 => 0xA0..=0xBF,
            0xED => 0x80..=0x9F,
            _ => 0x80..=0xBF,
        };
        for b2 in second {
            let Some(s2) = step(s1, b2)? else {
                continue;
            };
            if continuations == 1 {
                bmp.insert((u32::from(lead & 0x1F) << 6) | u32::from(b2 & 0x3F));
                continue;
            }
            for b3 in 0x80..=0xBFu8 {
                if step(s2, b3)?.is_some() {
                    bmp.insert(
                        (u32::from(lead & 0x0F) << 12)
                            | (u32::from(b2 & 0x3F) << 6)
                            | u32::from(b3 & 0x3F),
                    );
                }
            }
        }
    }
    Some(())
}

type CacheFn =
    Box<dyn Fn() -> Cache + Send + Sync + std::panic::RefUnwindSafe + std::panic::UnwindSafe>;

/// A regex whose matches are found by trying its automaton anchored at the characters a match
/// can start with, and nowhere else. Same matches as [`Regex::find_iter`] (leftmost-first,
/// non-overlapping); a regex whose matches may start almost anywhere, or that the lazy DFA
/// cannot run (Unicode word boundaries), is searched by [`Regex`] as usual.
pub struct GatedRegex {
    pattern: String,
    /// The regex, compiled up front when the search is not gated, else only if the automaton
    /// ever gives up (it does not on the patterns fazhi ships): compiling it costs as much as
    /// the rest of the config's exclusion patterns.
    regex: OnceLock<Regex>,
    gated: Option<FromFirstChars>,
}

/// The automaton, for anchored searches, and the characters its matches can start with.
struct FromFirstChars {
    dfa: DFA,
    first: BmpSet,
    caches: Pool<Cache, CacheFn>,
}

/// Above this many possible first characters, a gate lets most text through: search as usual.
const MAX_FIRST_CHARS: usize = 4096;

impl GatedRegex {
    pub fn new(pattern: &str) -> Result<GatedRegex, regex::Error> {
        let gated = DFA::builder()
            .configure(DFA::config().starts_for_each_pattern(false))
            .build(pattern)
            .ok()
            .and_then(|dfa| {
                let first = first_chars_anywhere(&dfa)?;
                let for_caches = dfa.clone();
                let make: CacheFn = Box::new(move || for_caches.create_cache());
                (first.len() <= MAX_FIRST_CHARS).then(|| FromFirstChars {
                    dfa,
                    first,
                    caches: Pool::new(make),
                })
            });
        let regex = OnceLock::new();
        if gated.is_none() {
            let _ = regex.set(Regex::new(pattern)?);
        }
        Ok(GatedRegex {
            pattern: pattern.to_owned(),
            regex,
            gated,
        })
    }

    /// The regex, compiled on first use (it compiled before, as the automaton did).
    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            Regex::new(&self.pattern).expect("the pattern compiled as an automaton")
        })
    }

    /// Whether matches are searched from their first characters (else by the regex as usual).
    pub fn is_gated(&self) -> bool {
        self.gated.is_some()
    }

    /// Calls `found(start, end)` for every match in `hay`, in order, as [`Regex::find_iter`]
    /// finds them (byte offsets).
    pub fn for_each_match(&self, hay: &str, mut found: impl FnMut(usize, usize)) {
        let as_usual = |found: &mut dyn FnMut(usize, usize)| {
            self.regex()
                .find_iter(hay)
                .for_each(|m| found(m.start(), m.end()));
        };
        let Some(g) = &self.gated else {
            return as_usual(&mut found);
        };
        let mut cache = g.caches.get();
        let mut matches: Vec<(usize, usize)> = Vec::new();
        let mut resume = 0;
        let mut next = 0;
        while next < hay.len() {
            let at = next;
            let (first, len) = g.first.contains_at(hay, at);
            next += len;
            // A character beyond the BMP (four bytes) is in no `BmpSet`: the automaton judges it.
            let may_start = first || len == 4;
            if at < resume || !may_start {
                continue;
            }
            let input = Input::new(hay).range(at..).anchored(Anchored::Yes);
            match g.dfa.try_search_fwd(&mut cache, &input) {
                // An empty match marks nothing, and find_iter steps over it.
                Ok(Some(end)) if end.offset() > at => {
                    matches.push((at, end.offset()));
                    resume = end.offset();
                }
                Ok(_) => {}
                // The automaton gave up: let the regex search the whole line.
                Err(_) => return as_usual(&mut found),
            }
        }
        matches.into_iter().for_each(|(s, e)| found(s, e));
    }
}

/// The characters a match can start with, at any position of a line: the union over every
/// kind of character that may come before it (none, a word character, another, a line end).
fn first_chars_anywhere(dfa: &DFA) -> Option<BmpSet> {
    let mut cache = dfa.create_cache();
    let mut bmp = BmpSet::default();
    let mut walked: Vec<LazyStateID> = Vec::new();
    for before in [
        None,
        Some(b'a'),
        Some(b' '),
        Some(b'\n'),
        Some(b'\r'),
        Some(0xE4),
    ] {
        let config = start::Config::new()
            .anchored(Anchored::Yes)
            .look_behind(before);
        let state = dfa.start_state(&mut cache, &config).ok()?;
        // Most contexts start in the same state: walk each state once.
        if !walked.contains(&state) {
            walked.push(state);
            admit_first_chars(dfa, &mut cache, state, &mut bmp)?;
        }
    }
    Some(bmp)
}

/// Whether every match of `pattern` must start at the start of the text (`^…`, `^a|^b`, but not
/// `^a|b`), by the regex parser's own analysis.
fn anchored_at_start(pattern: &str) -> bool {
    regex_syntax::parse(pattern).is_ok_and(|hir| {
        hir.properties()
            .look_set_prefix()
            .contains(regex_syntax::hir::Look::Start)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    /// The gate admits every line some pattern matches, and turns away most that none does.
    #[test]
    fn never_turns_away_a_line_that_matches() {
        let patterns = [
            r"^[一二三四五六七八九十]+\s*[、.]",
            r"^\(\s*[一二三四五六七八九十]+\s*\)",
            r"^\d{1,2}\s*[、.](?:[^\d]|$)",
            r"^\s*(当前位置|您的位置)",
            r"^\s*[-•·]?\s*扫一扫",
        ];
        let gate = FirstCharGate::new(&patterns).expect("all anchored");
        let regexes: Vec<Regex> = patterns.iter().map(|p| Regex::new(p).unwrap()).collect();
        let lines = [
            "一、主要举措",
            "(二)规范执法",
            "3.严格执法",
            "١.阿拉伯数字",
            "  当前位置:首页",
            "•扫一扫",
            "\u{3000}扫一扫",
            "开展巡查5次",
            "当前",
            "(一",
            "",
            "a",
            "𠀀字",
        ];
        let mut turned_away = 0;
        for line in lines {
            if regexes.iter().any(|re| re.is_match(line)) {
                assert!(gate.admits_line(line), "{line:?}");
            }
            turned_away += usize::from(!gate.admits_line(line));
        }
        assert!(turned_away >= 2, "{turned_away}");
        assert!(!gate.admits('开'));
        assert!(gate.admits('一') && gate.admits('(') && gate.admits(' ') && gate.admits('当'));
    }

    /// The tree walk admits exactly the characters a walk of each character's bytes admits.
    #[test]
    fn the_tree_walk_agrees_with_a_walk_per_character() {
        let patterns = [
            r"^\s*[-•·]?\s*扫一扫",
            r"^\d{1,2}\s*[、.]",
            r"^[éа-я]",
            r"^\p{Han}{2}x",
        ];
        let gate = FirstCharGate::new(&patterns).unwrap();
        let dfa = DFA::new_many(&patterns).unwrap();
        let mut cache = dfa.create_cache();
        let start = dfa
            .start_state_forward(&mut cache, &Input::new("").anchored(Anchored::Yes))
            .unwrap();
        let mut buf = [0u8; 4];
        for c in (0..=0xFFFFu32).filter_map(char::from_u32) {
            let mut state = start;
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                state = dfa.next_state(&mut cache, state, b).unwrap();
            }
            assert_eq!(gate.admits(c), !state.is_dead(), "{c:?}");
        }
    }

    /// A gated search finds exactly what `find_iter` finds: on texts pieced together from
    /// digits, numerals, marks, word and other characters, for patterns with word boundaries,
    /// alternatives of different priority, classes and repetitions.
    #[test]
    fn gated_search_finds_what_find_iter_finds() {
        let patterns = [
            r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]",
            r"(?-u:\b)1[3-9]\d{9}|\d{3,4}-\d{7,8}",
            r"届(?:[一二三四五六七八九十]+[中次](?:全会)?[、,]?)+|[一二三\d]+\s*[中次]\s*全会",
            r"[0-9A-Za-z一二三]+(?:\s*[+＋]\s*[0-9A-Za-z一二三]+)+|一[\p{Han}]{1,2}一[\p{Han}]",
            r"\d+\s*号(文|令|文件)?|[〔\[(【]\s*\d{4}\s*[〕\])】]\s*\d+\s*号",
        ];
        let pieces = [
            "1",
            "3",
            "9",
            "2024",
            "0",
            " ",
            "年",
            "月",
            "日",
            "号",
            "-",
            "+",
            "一",
            "三",
            "届",
            "次",
            "中",
            "全会",
            "、",
            "文",
            "〔",
            "〕",
            "a",
            "Z",
            "_",
            "化解",
            "纠纷",
            "。",
            "13912345678",
            "2024年",
            "5月",
            "12日",
            "0571-8",
            "1234567",
            "届三中",
            // Characters of two and four bytes, and a three-byte one a pattern starts with.
            "é",
            "𠀀",
            "＋",
        ];
        for pattern in patterns {
            let gated = GatedRegex::new(pattern).unwrap();
            assert!(gated.is_gated(), "{pattern}");
            let regex = Regex::new(pattern).unwrap();
            let mut matched = 0;
            for text in crate::text::tests::texts_from_pieces(&pieces, 24, 3000, 11) {
                let expected: Vec<(usize, usize)> = regex
                    .find_iter(&text)
                    .map(|m| (m.start(), m.end()))
                    .collect();
                let mut got = Vec::new();
                gated.for_each_match(&text, |s, e| got.push((s, e)));
                assert_eq!(got, expected, "{pattern} on {text:?}");
                matched += got.len();
            }
            assert!(
                matched > 50,
                "{pattern}: the texts hold matches ({matched})"
            );
        }
    }

    /// A pattern whose matches may start at almost any character is searched as usual.
    #[test]
    fn patterns_that_start_anywhere_are_searched_as_usual() {
        let gated = GatedRegex::new(r"(^|[^\d])1[3-9]\d{9}").unwrap();
        assert!(!gated.is_gated());
        let mut got = Vec::new();
        gated.for_each_match("电话13912345678", |s, e| got.push((s, e)));
        assert_eq!(got, [(3, 17)]);
        assert!(GatedRegex::new(r"\d+号").unwrap().is_gated());
    }

    #[test]
    fn patterns_not_anchored_at_the_start_get_no_gate() {
        assert!(FirstCharGate::new(&["^a", "b"]).is_none());
        assert!(FirstCharGate::new(&["^a|b"]).is_none());
        assert!(FirstCharGate::new(&["^a|^b", r"\Ac"]).is_some());
        assert!(FirstCharGate::new::<&str>(&[]).is_none());
        assert!(FirstCharGate::new(&["^a"]).is_some());
    }
}
