//! First-character gates: which characters a line can start with and still match a regex that
//! is anchored at its start (`^…`).
//!
//! Heading markers and page-debris patterns are tried on every line of every report, and almost
//! every line fails them on its first character (`开展…` can open neither `一、` nor `当前位置`).
//! A regex call costs a few hundred instructions before it reads a byte (a cache from a pool, a
//! search set up), so a table lookup on the first character comes first. The table is read off
//! the regexes' own automaton once per run: a character is in it unless the automaton, started at
//! the beginning of a line, dies on its bytes. So a gate only ever says no where the regex
//! would: it never changes a result.

use regex_automata::hybrid::dfa::DFA;
use regex_automata::hybrid::LazyStateID;
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
        // Walk the automaton over the UTF-8 bytes of the BMP as a tree, leaving a subtree as
        // soon as a prefix kills it: a few thousand steps, not three per character.
        let mut bmp = BmpSet::default();
        let mut step = |state, byte| -> Option<Option<LazyStateID>> {
            let next = dfa.next_state(&mut cache, state, byte).ok()?;
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

    #[test]
    fn patterns_not_anchored_at_the_start_get_no_gate() {
        assert!(FirstCharGate::new(&["^a", "b"]).is_none());
        assert!(FirstCharGate::new(&["^a|b"]).is_none());
        assert!(FirstCharGate::new(&["^a|^b", r"\Ac"]).is_some());
        assert!(FirstCharGate::new::<&str>(&[]).is_none());
        assert!(FirstCharGate::new(&["^a"]).is_some());
    }
}
