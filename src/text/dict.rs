//! Leftmost-longest matching of a large dictionary of short words, one character at a time.
//!
//! The gazetteer holds about 100,000 place names and aliases of two to a dozen characters.
//! An Aho-Corasick automaton over them takes ~0.1 s to build (every run pays it) and walks a
//! state per byte of every report through a table far larger than the cache. [`Dictionary`]
//! instead keeps a bit set of hashed *first-character pairs* (their UTF-8 bytes, read as one
//! integer): almost every position of a text is rejected by one probe of a 128 KB table, and
//! the few candidates are compared with the words that start with their pair, which lie side by
//! side, longest first.
//! It builds in a few milliseconds and finds exactly the matches a leftmost-longest
//! Aho-Corasick search over the same words finds: the leftmost start, the longest word there,
//! then on after it. Small vocabularies gain too: over the lines of report text, the fixed terms
//! of `[exclude]` are found at about 1.2 GB/s this way, against 0.68 GB/s for a DFA.

use rustc_hash::{FxHashMap, FxHashSet};

/// Words longer than this (in characters) are refused by [`Dictionary::new`].
pub const MAX_WORD_CHARS: usize = 64;

/// The length of the UTF-8 sequence led by `lead`.
#[inline]
fn utf8_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0x80..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// The 8 bytes at `i` as a little-endian integer, zero-padded past the end.
#[inline]
fn window(bytes: &[u8], i: usize) -> u64 {
    match bytes.get(i..i + 8) {
        Some(w) => u64::from_le_bytes(w.try_into().expect("8 bytes")),
        None => {
            let mut w = [0u8; 8];
            let rest = &bytes[i.min(bytes.len())..];
            w[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(w)
        }
    }
}

/// The low `n` bytes of `w` (`n` ≤ 8).
#[inline]
fn low_bytes(w: u64, n: usize) -> u64 {
    if n >= 8 {
        w
    } else {
        w & ((1u64 << (8 * n)) - 1)
    }
}

/// The pair key of the window `w` whose first character is `first` bytes long: the bytes of
/// its first two characters.
#[inline]
fn pair_key(w: u64, first: usize) -> u64 {
    low_bytes(w, first + utf8_len((w >> (8 * first)) as u8))
}

/// A set of bits indexed by a hash of a 64-bit key.
struct BitSet {
    words: Box<[u64]>,
    /// `64 - log2(bit count)`: the shift that turns a hashed key into a bit index.
    shift: u32,
}

impl BitSet {
    fn new(bits: usize) -> BitSet {
        let bits = bits.next_power_of_two().max(64);
        BitSet {
            words: vec![0u64; bits / 64].into_boxed_slice(),
            shift: 64 - bits.trailing_zeros(),
        }
    }

    #[inline]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    fn insert(&mut self, key: u64) {
        let slot = self.slot(key);
        self.words[slot / 64] |= 1 << (slot % 64);
    }

    #[inline]
    fn may_contain(&self, key: u64) -> bool {
        let slot = self.slot(key);
        // `get` rather than an index: the slot is always in range, and this way the hot loop
        // carries no panic path.
        self.words
            .get(slot / 64)
            .is_some_and(|w| w & (1 << (slot % 64)) != 0)
    }
}

/// A set of words matched leftmost-longest. Build once, share freely.
///
/// A word's *key* is the UTF-8 bytes of its first two characters (at most 8), read as an
/// integer; a one-character word's key is its one character's bytes. The words of two or more
/// characters are stored by key, each key's words side by side and longest first, so that a
/// candidate position costs one hash probe and a short run of comparisons in memory that is
/// already close, not a probe per possible length.
pub struct Dictionary {
    /// Keys of words of two or more characters.
    pairs: BitSet,
    /// Keys of one-character words.
    singles: BitSet,
    /// Per pair key: the range of `entries` holding its words.
    buckets: FxHashMap<u64, (u32, u32)>,
    /// Words of two or more characters, grouped by key, longest first within a group.
    entries: Vec<Entry>,
    /// The bytes of every word in `entries`, one after another.
    arena: String,
    /// One-character words by key, and their ids.
    single_ids: FxHashMap<u64, u32>,
    has_singles: bool,
    /// Whether some key holds an ASCII byte. When none does, as in place names, an ASCII
    /// character starts no word and is no word's second character, so the scan steps over it.
    ascii_in_keys: bool,
    /// How many distinct words.
    len: usize,
    /// The longest word's length in bytes.
    max_len: usize,
}

/// A word in [`Dictionary::arena`] and its id.
#[derive(Clone, Copy)]
struct Entry {
    /// The word's first 8 bytes (all of it, if shorter) as a little-endian integer: most
    /// candidates are told apart from it by one comparison with the text's window, without a
    /// call to compare the bytes.
    head: u64,
    start: u32,
    len: u32,
    id: u32,
}

impl Entry {
    /// The match of this word at byte `start`.
    fn found_at(&self, start: usize) -> Match {
        Match {
            start,
            end: start + self.len as usize,
            word: self.id,
        }
    }
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary")
            .field("words", &self.len)
            .finish()
    }
}

/// A word found in a text: byte offsets and the word's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub word: u32,
}

impl Dictionary {
    /// The dictionary of `words`; a word's id is its index. A repeated word keeps its first id
    /// (as Aho-Corasick does). Refuses an empty word or one over [`MAX_WORD_CHARS`].
    pub fn new<S: AsRef<str>>(words: &[S]) -> Result<Dictionary, String> {
        // About 16 bits per key keeps false candidates near 1 in 16; 128 KB at most.
        let mut pairs = BitSet::new((words.len() * 16).clamp(1 << 12, 1 << 20));
        let mut single_ids = FxHashMap::default();
        // (key, word, id) of every distinct word of two or more characters.
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        let mut multi: Vec<(u64, &str, u32)> = Vec::new();
        let mut ascii_in_keys = false;
        for (id, word) in words.iter().enumerate() {
            let word = word.as_ref();
            let n = word.chars().count();
            if n == 0 || n > MAX_WORD_CHARS {
                return Err(format!(
                    "a dictionary word must have 1 to {MAX_WORD_CHARS} characters, not {n}: {word:?}"
                ));
            }
            if !seen.insert(word) {
                continue; // a repeated word keeps its first id
            }
            let bytes = word.as_bytes();
            let w = window(bytes, 0);
            let first = utf8_len(bytes[0]);
            let key_len = if n == 1 {
                first
            } else {
                first + utf8_len(bytes[first])
            };
            ascii_in_keys |= bytes[..key_len].iter().any(u8::is_ascii);
            if n == 1 {
                single_ids.insert(low_bytes(w, first), id as u32);
            } else {
                let key = low_bytes(w, first + utf8_len(bytes[first]));
                pairs.insert(key);
                multi.push((key, word, id as u32));
            }
        }
        // Group by key, longest first: at a given start, the first word of the group that the
        // text begins with is the longest there.
        // Ids break the remaining ties, as a stable sort of the words in id order would.
        multi.sort_unstable_by(|a, b| {
            (a.0.cmp(&b.0))
                .then(b.1.len().cmp(&a.1.len()))
                .then(a.2.cmp(&b.2))
        });
        let mut buckets = FxHashMap::default();
        let mut entries = Vec::with_capacity(multi.len());
        let mut arena = String::with_capacity(multi.iter().map(|m| m.1.len()).sum());
        for (i, &(key, word, id)) in multi.iter().enumerate() {
            let bucket = buckets.entry(key).or_insert((i as u32, i as u32));
            bucket.1 = i as u32 + 1;
            entries.push(Entry {
                head: low_bytes(window(word.as_bytes(), 0), word.len()),
                start: arena.len() as u32,
                len: word.len() as u32,
                id,
            });
            arena.push_str(word);
        }
        // Sized like `pairs`: a dictionary of single characters (the Traditional→Simplified
        // one has thousands) would otherwise fill a small set and pass most positions.
        let mut singles = BitSet::new((single_ids.len() * 16).clamp(1 << 12, 1 << 20));
        for &key in single_ids.keys() {
            singles.insert(key);
        }
        Ok(Dictionary {
            pairs,
            singles,
            buckets,
            entries,
            arena,
            has_singles: !single_ids.is_empty(),
            single_ids,
            ascii_in_keys,
            len: seen.len(),
            max_len: seen.iter().map(|w| w.len()).max().unwrap_or(0),
        })
    }

    /// The number of distinct words.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The longest word's length in bytes.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Every occurrence of every word, overlapping ones too, by start and, at one start,
    /// longest first: what an overlapping Aho-Corasick search over the same (distinct) words
    /// reports, in another order.
    pub fn for_each_overlapping(&self, text: &str, mut found: impl FnMut(Match)) {
        let bytes = text.as_bytes();
        let mut pos = self.next_candidate(bytes, 0);
        while pos < bytes.len() {
            self.each_at(bytes, pos, &mut found);
            pos = self.next_candidate(bytes, pos + utf8_len(bytes[pos]));
        }
    }

    /// The first position at or after `pos` (a character boundary) where a word may start, or
    /// the text's end: the scan's inner loop. A position is ruled out from the eight bytes there:
    /// - two three-byte characters (CJK) whose pair starts no word, the first no one-character
    ///   word: the usual step, one mask test and both probes, then one branch on either (the
    ///   pair probe's answer alone is a branch the predictor cannot call);
    /// - when no key holds an ASCII byte (place names, say): an ASCII character, and a
    ///   three-byte character before one that is no one-character word;
    /// - otherwise, any other character whose own pair and character both probe absent.
    #[inline(always)]
    fn next_candidate(&self, bytes: &[u8], mut pos: usize) -> usize {
        while let Some(w) = bytes.get(pos..pos + 8) {
            let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
            // `has_singles` is the same every time: its branch is always called right.
            let single = || self.has_singles && self.singles.may_contain(w & 0xFF_FFFF);
            // The lead bytes of the first two characters, 0 and 3, both lead three bytes.
            if w & 0xF000_00F0 == 0xE000_00E0 {
                if self.pairs.may_contain(w & 0xFFFF_FFFF_FFFF) | single() {
                    return pos;
                }
                pos += 3;
            } else if self.ascii_in_keys {
                // Some key holds an ASCII byte (OpenCC's `PN接面`, the fixed term `1310`): the
                // position's own pair and character are probed, whatever their widths.
                let first = utf8_len(w as u8);
                if self.may_start_at(w, first) {
                    return pos;
                }
                pos += first;
            } else if w & 0x80 == 0 {
                pos += 1;
            } else if w & 0xF0 == 0xE0 && w & 0x8000_0000 == 0 && !single() {
                pos += 3;
            } else {
                return pos;
            }
        }
        // The last seven bytes.
        while pos < bytes.len() {
            if !self.ascii_in_keys && bytes[pos] < 0x80 {
                pos += 1;
            } else {
                return pos;
            }
        }
        pos
    }

    /// Whether a word may start where the text's window is `w` (eight bytes, the first
    /// character `first` bytes long): its first two characters are a pair key, or its first
    /// character a one-character word, as far as the filters tell.
    #[inline]
    fn may_start_at(&self, w: u64, first: usize) -> bool {
        self.pairs.may_contain(pair_key(w, first))
            || (self.has_singles && self.singles.may_contain(low_bytes(w, first)))
    }

    /// Every word starting at byte `start` (a character boundary), longest first.
    #[inline]
    fn each_at(&self, bytes: &[u8], start: usize, found: &mut impl FnMut(Match)) {
        let w = window(bytes, start);
        let first = utf8_len(w as u8);
        for e in self.pair_words_at(bytes, start, w, first) {
            if self.entry_at(e, bytes, start, w) {
                found(e.found_at(start));
            }
        }
        if let Some(m) = self.single_at(start, w, first) {
            found(m);
        }
    }

    /// The words of two or more characters that may start at byte `start` (those of its first
    /// character pair), longest first; `w` is the text's window there, `first` the length of
    /// its first character.
    #[inline(always)]
    fn pair_words_at(&self, bytes: &[u8], start: usize, w: u64, first: usize) -> &[Entry] {
        if start + first >= bytes.len() {
            return &[];
        }
        let key = pair_key(w, first);
        if !self.pairs.may_contain(key) {
            return &[];
        }
        self.buckets
            .get(&key)
            .map_or(&[], |&(from, to)| &self.entries[from as usize..to as usize])
    }

    /// The one-character word at byte `start` (window `w`, first character `first` bytes long),
    /// if there is one.
    #[inline(always)]
    fn single_at(&self, start: usize, w: u64, first: usize) -> Option<Match> {
        let key = low_bytes(w, first);
        if !(self.has_singles && self.singles.may_contain(key)) {
            return None;
        }
        self.single_ids.get(&key).map(|&word| Match {
            start,
            end: start + first,
            word,
        })
    }

    /// Whether entry `e` is written at byte `start` of `bytes`, whose window there is `w`.
    #[inline]
    fn entry_at(&self, e: &Entry, bytes: &[u8], start: usize, w: u64) -> bool {
        let len = e.len as usize;
        // `w` holds the text's bytes up to `len` (at most 8) when the word fits.
        if len > bytes.len() - start || low_bytes(w, len) != e.head {
            return false;
        }
        let word = &self.arena.as_bytes()[e.start as usize..][..len];
        len <= 8 || bytes[start + 8..start + len] == word[8..]
    }

    /// Non-overlapping matches, leftmost first and longest at each start.
    pub fn find_iter<'d, 't>(&'d self, text: &'t str) -> Matches<'d, 't> {
        Matches {
            dict: self,
            text,
            pos: 0,
        }
    }

    /// The longest word starting at byte `start` (a character boundary of `text`).
    #[inline]
    fn longest_at(&self, text: &str, start: usize) -> Option<Match> {
        let bytes = text.as_bytes();
        let w = window(bytes, start);
        let first = utf8_len(w as u8);
        self.pair_words_at(bytes, start, w, first)
            .iter()
            .find(|e| self.entry_at(e, bytes, start, w))
            .map(|e| e.found_at(start))
            .or_else(|| self.single_at(start, w, first))
    }
}

/// The iterator of [`Dictionary::find_iter`].
pub struct Matches<'d, 't> {
    dict: &'d Dictionary,
    text: &'t str,
    pos: usize,
}

impl Iterator for Matches<'_, '_> {
    type Item = Match;

    fn next(&mut self) -> Option<Match> {
        let bytes = self.text.as_bytes();
        let dict = self.dict;
        loop {
            self.pos = dict.next_candidate(bytes, self.pos);
            if self.pos >= bytes.len() {
                return None;
            }
            if let Some(m) = dict.longest_at(self.text, self.pos) {
                self.pos = m.end;
                return Some(m);
            }
            self.pos += utf8_len(bytes[self.pos]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};

    fn found(words: &[&str], text: &str) -> Vec<(usize, usize, u32)> {
        let d = Dictionary::new(words).unwrap();
        d.find_iter(text)
            .map(|m| (m.start, m.end, m.word))
            .collect()
    }

    fn aho_corasick(words: &[&str], text: &str) -> Vec<(usize, usize, u32)> {
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(words)
            .unwrap();
        ac.find_iter(text)
            .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
            .collect()
    }

    #[test]
    fn leftmost_then_longest_then_on_after_it() {
        let words = [
            "龙川",
            "龙川县",
            "川县登",
            "登云镇",
            "《",
            "》",
            "全乡镇",
            "全乡",
        ];
        let text = "《法治龙川》龙川县登云镇全乡镇全乡";
        let got = found(&words, text);
        let s = |w: &str| text.find(w).unwrap();
        assert_eq!(
            got,
            vec![
                (0, 3, 4),
                (s("龙川"), s("龙川") + 6, 0),
                (s("》"), s("》") + 3, 5),
                (s("龙川县"), s("龙川县") + 9, 1),
                (s("登云镇"), s("登云镇") + 9, 3),
                (s("全乡镇"), s("全乡镇") + 9, 6),
                (text.rfind("全乡").unwrap(), text.len(), 7),
            ]
        );
    }

    #[test]
    fn same_matches_as_leftmost_longest_aho_corasick() {
        // Words sharing prefixes and overlapping each other, in texts built from their
        // pieces, so that every kind of collision occurs.
        let words = [
            "城关",
            "城关镇",
            "关镇",
            "镇街",
            "街道",
            "新华街道",
            "新华",
            "华街",
            "a",
            "ab",
            "abc",
            "bc",
            "一村一辅警",
            "一村",
            "村一",
            // Pairs that start only longer words: found through their first three characters.
            "道新村",
            "镇新华街",
            "cab",
            // Keys of two- and four-byte characters, and of ASCII before CJK (`PN接面`).
            "é城",
            "c𠀀",
            "𠀀关",
            "x1城",
        ];
        let pieces = [
            "城", "关", "镇", "街", "道", "新", "华", "a", "b", "c", "一", "村", "辅", "警", "x",
            "1", "é", "𠀀", "\n",
        ];
        for text in crate::text::tests::texts_from_pieces(&pieces, 20, 2000, 7) {
            assert_eq!(found(&words, &text), aho_corasick(&words, &text), "{text}");
        }
    }

    #[test]
    fn overlapping_finds_what_an_overlapping_aho_corasick_finds() {
        let cjk = [
            "城关",
            "城关镇",
            "关镇",
            "镇",
            "镇街",
            "街道",
            "新华街道",
            "新华",
            "华街",
            "一村一辅警",
            "一村",
            "村一",
            "一",
            "道新村",
            "镇新华街",
        ];
        let with_ascii = [&cjk[..], &["a", "ab", "abc", "bc", "1一", "cab"]].concat();
        let pieces = [
            "城", "关", "镇", "街", "道", "新", "华", "a", "b", "c", "1", "一", "村", "辅", "警",
            "x",
        ];
        for words in [&cjk[..], &with_ascii] {
            let d = Dictionary::new(words).unwrap();
            let ac = AhoCorasick::new(words).unwrap();
            assert_eq!(d.max_len(), "一村一辅警".len());
            for text in crate::text::tests::texts_from_pieces(&pieces, 20, 2000, 9) {
                let mut got = Vec::new();
                d.for_each_overlapping(&text, |m| got.push((m.start, m.end, m.word)));
                let mut want: Vec<(usize, usize, u32)> = ac
                    .find_overlapping_iter(&text)
                    .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
                    .collect();
                want.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
                assert_eq!(got, want, "{text}");
            }
        }
    }

    #[test]
    fn thousands_of_one_character_words_are_all_found() {
        // As in a character-by-character conversion table: every other ideograph of a block is
        // a word, a few pairs too; texts mix them with characters that are no word and ASCII.
        let chars: Vec<String> = (0x4E00u32..0x4E00 + 12_000)
            .filter_map(char::from_u32)
            .map(String::from)
            .collect();
        let mut words: Vec<String> = chars.iter().step_by(2).cloned().collect();
        words.extend(chars.chunks(2).take(300).map(|p| p.concat()));
        let d = Dictionary::new(&words).unwrap();
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)
            .unwrap();
        let mut pieces: Vec<&str> = chars.iter().take(700).map(String::as_str).collect();
        pieces.extend(chars.iter().rev().take(100).map(String::as_str));
        pieces.extend(["a", "1", "。", "\n"]);
        for text in crate::text::tests::texts_from_pieces(&pieces, 300, 200, 11) {
            let got: Vec<_> = d
                .find_iter(&text)
                .map(|m| (m.start, m.end, m.word))
                .collect();
            let want: Vec<_> = ac
                .find_iter(&text)
                .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn a_repeated_word_keeps_its_first_id() {
        assert_eq!(found(&["法治", "法治"], "法治"), vec![(0, 6, 0)]);
    }

    #[test]
    fn empty_and_overlong_words_are_refused() {
        assert!(Dictionary::new(&[""]).is_err());
        assert!(Dictionary::new(&["字".repeat(MAX_WORD_CHARS + 1)]).is_err());
        assert!(Dictionary::new(&["字".repeat(MAX_WORD_CHARS)]).is_ok());
    }

    #[test]
    fn no_words_match_nothing() {
        let d = Dictionary::new::<&str>(&[]).unwrap();
        assert!(d.is_empty());
        assert_eq!(d.find_iter("任何文字").count(), 0);
    }
}
