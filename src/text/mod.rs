//! A text with character offsets: the body as a `String` for regexes and automata, as `char`s
//! for scanning, and where each character starts, to map offsets between the two.

pub mod dict;
pub mod gate;

/// The normalized body, indexed by character.
pub struct TextIndex {
    text: String,
    pub chars: Vec<char>,
    /// The byte offset of every character (and `text.len()` after the last). A map from every
    /// byte instead would cost four bytes per byte of text, for the few byte offsets (matches
    /// of automata and regexes) ever turned back into characters.
    char_starts: Vec<u32>,
}

impl TextIndex {
    pub fn new(text: String) -> TextIndex {
        // A fast count gives exact lengths; the slots are then filled in step with the decoder,
        // with no capacity check per character.
        let n = text.chars().count();
        let mut chars = vec!['\0'; n];
        let mut char_starts = vec![text.len() as u32; n + 1];
        for ((c_slot, i_slot), (i, c)) in chars
            .iter_mut()
            .zip(char_starts.iter_mut())
            .zip(text.char_indices())
        {
            *c_slot = c;
            *i_slot = i as u32;
        }
        TextIndex {
            text,
            chars,
            char_starts,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The character offset of byte offset `byte` (a char boundary; at most `text.len()`).
    pub fn char_at(&self, byte: usize) -> usize {
        self.char_starts.partition_point(|&b| (b as usize) < byte)
    }

    /// The byte offset where character `ci` starts (`text.len()` at or past the end).
    pub fn byte_of(&self, ci: usize) -> usize {
        self.char_starts
            .get(ci)
            .map_or(self.text.len(), |&b| b as usize)
    }

    /// Characters `start..end` as a string.
    pub fn slice(&self, start: usize, end: usize) -> String {
        self.str_slice(start, end).to_owned()
    }

    /// Characters `start..end` (clamped to the text).
    pub fn str_slice(&self, start: usize, end: usize) -> &str {
        let end = end.min(self.chars.len());
        let start = start.min(end);
        &self.text[self.byte_of(start)..self.byte_of(end)]
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

/// How digits set in superscript (`<sup>`, Word's raised runs) are written into plain text,
/// where they would run into the number before them (`10<sup>1</sup>件` is no 101 件): after a
/// letter they are an exponent, written as one (`m<sup>2</sup>` is `m²`); anywhere else a note
/// marker, written as one (`[1]`), which extraction steps over. `None` when `raised` is not all
/// ASCII digits: it stays as it is.
pub fn raised_digits(before: Option<char>, raised: &str) -> Option<String> {
    if raised.is_empty() || !raised.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !before.is_some_and(|c| c.is_ascii_alphabetic()) {
        return Some(format!("[{raised}]"));
    }
    let exponent = |d: char| match d {
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        // ⁰ and ⁴…⁹ are U+2070 and U+2074…U+2079.
        d => d
            .to_digit(10)
            .and_then(|n| char::from_u32(0x2070 + n))
            .unwrap_or(d),
    };
    Some(raised.chars().map(exponent).collect())
}

/// A set of characters of the Basic Multilingual Plane, a bit each (8 KB): one load and one bit
/// test per lookup, also straight from the bytes of a three-byte UTF-8 character.
#[derive(Clone)]
pub struct BmpSet {
    words: Box<[u64; 0x10000 / 64]>,
}

impl Default for BmpSet {
    fn default() -> BmpSet {
        BmpSet {
            words: Box::new([0; 0x10000 / 64]),
        }
    }
}

impl BmpSet {
    /// Every character of the BMP.
    pub fn full() -> BmpSet {
        BmpSet {
            words: Box::new([u64::MAX; 0x10000 / 64]),
        }
    }

    /// How many characters the set holds.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the code point `c` (below U+10000).
    pub fn insert(&mut self, c: u32) {
        self.words[c as usize / 64] |= 1 << (c % 64);
    }

    /// Whether `c` is in the set (never, beyond the BMP).
    #[inline]
    pub fn contains(&self, c: char) -> bool {
        let i = c as usize;
        i < 0x10000 && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// Whether the three-byte UTF-8 character `lead b1 b2` is in the set. Bits 12-15 of its
    /// code point come from the lead, 6-11 and 0-5 from the rest: its word is bits 6-15, its
    /// bit there bits 0-5.
    #[inline]
    pub fn contains_utf8_3(&self, lead: u8, b1: u8, b2: u8) -> bool {
        let word = (usize::from(lead & 0x0F) << 6) | usize::from(b1 & 0x3F);
        self.words[word] & (1 << (b2 & 0x3F)) != 0
    }

    /// Whether the character at byte `i` of `text` (a char boundary) is in the set, and its
    /// length in bytes. Three-byte characters (CJK) are told from their bytes and ASCII from
    /// its byte; only the rare others are decoded.
    #[inline]
    pub fn contains_at(&self, text: &str, i: usize) -> (bool, usize) {
        match text.as_bytes()[i..] {
            [lead @ 0xE0..=0xEF, b1, b2, ..] => (self.contains_utf8_3(lead, b1, b2), 3),
            [b, ..] if b.is_ascii() => (self.contains(char::from(b)), 1),
            _ => {
                let c = text[i..].chars().next().expect("i is a char boundary");
                (self.contains(c), c.len_utf8())
            }
        }
    }

    /// Whether some character below `c` is in the set.
    pub fn any_below(&self, c: u32) -> bool {
        let i = c as usize;
        self.words[..i / 64].iter().any(|&w| w != 0)
            || (!i.is_multiple_of(64) && self.words[i / 64] & ((1 << (i % 64)) - 1) != 0)
    }
}

/// Whether `c` is a CJK character or CJK punctuation (a line break between two of them is no
/// space when a browser renders it).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// A table cell with at most this many characters is one line, whatever paragraphs it holds
/// (`<td><p>化解矛盾纠纷</p></td><td><p>131件</p></td>` is one row of label and value); a
/// longer one is a layout cell holding an article, whose paragraphs stay lines.
pub const CELL_JOIN_MAX_CHARS: usize = 100;

/// The lines of a table cell as one line, when the cell is short (else `None`): joined with
/// nothing between two CJK characters, else with a space.
pub fn cell_line<'a>(lines: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut joined = String::new();
    let mut chars = 0;
    for line in lines.map(str::trim).filter(|l| !l.is_empty()) {
        chars += line.chars().count();
        if chars > CELL_JOIN_MAX_CHARS {
            return None;
        }
        let cjk_seam = joined.chars().next_back().is_some_and(is_cjk)
            && line.chars().next().is_some_and(is_cjk);
        if !joined.is_empty() && !cjk_seam {
            joined.push(' ');
        }
        joined.push_str(line);
    }
    Some(joined)
}

/// `hay.starts_with(word)`, comparing the first character before calling `memcmp`.
#[inline]
pub fn starts(hay: &[char], word: &[char]) -> bool {
    match (hay.first(), word.first()) {
        (Some(h), Some(w)) if h != w => false,
        _ => hay.starts_with(word),
    }
}

/// `hay.ends_with(word)`, comparing the last character before calling `memcmp`.
#[inline]
pub fn ends(hay: &[char], word: &[char]) -> bool {
    match (hay.last(), word.last()) {
        (Some(h), Some(w)) if h != w => false,
        _ => hay.ends_with(word),
    }
}

/// Whether `c` is a common Han character (CJK Unified Ideographs, U+4E00–U+9FFF).
#[inline]
pub fn is_han(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// The pieces of `text` between `\n`s (as `str::split('\n')` gives them) with the byte offset
/// each starts at. Lines are split with the `memchr` crate's vector search: the standard
/// library's `char` search costs more than the rest of a short line's handling.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    pieces(text, b'\n')
}

/// The pieces of `text` between the ASCII byte `sep`s (as `str::split(char::from(sep))` gives
/// them) with the byte offset each starts at, split with memchr's vector search.
pub fn pieces(text: &str, sep: u8) -> impl Iterator<Item = (usize, &str)> {
    debug_assert!(
        sep.is_ascii(),
        "a separator inside a character would cut it"
    );
    let ends = memchr::memchr_iter(sep, text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    ends.map(move |end| {
        let piece = (start, &text[start..end]);
        start = end + 1;
        piece
    })
}

/// `text.lines()`, split with [`lines`]: every piece before a `\n` without a `\r` that ends
/// it, then the rest unless it is empty.
pub fn str_lines(text: &str) -> impl Iterator<Item = &str> {
    lines(text).filter_map(move |(start, l)| {
        if start + l.len() < text.len() {
            Some(l.strip_suffix('\r').unwrap_or(l))
        } else {
            (!l.is_empty()).then_some(l)
        }
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn str_lines_are_those_of_the_standard_library() {
        let pieces = ["a", "\n", "\r", "\r\n", "化", "", " "];
        for text in texts_from_pieces(&pieces, 7, 3_000, 9) {
            assert_eq!(
                str_lines(&text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn lines_split_like_str_split_with_offsets() {
        for text in ["", "a", "a\n", "\n\nb", "甲\n乙丙\n\n丁"] {
            let got: Vec<(usize, &str)> = lines(text).collect();
            let want: Vec<&str> = text.split('\n').collect();
            assert_eq!(
                got.iter().map(|l| l.1).collect::<Vec<_>>(),
                want,
                "{text:?}"
            );
            for (at, line) in got {
                assert_eq!(&text[at..at + line.len()], line);
            }
        }
    }

    #[test]
    fn characters_of_every_width_decode_as_the_standard_decoder_does() {
        let text = "a é 化解 𠀀 \u{FFFD} \u{E000} z\n".repeat(3);
        let t = TextIndex::new(text.clone());
        assert_eq!(t.chars, text.chars().collect::<Vec<_>>());
        let starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        assert_eq!(
            (0..starts.len()).map(|c| t.byte_of(c)).collect::<Vec<_>>(),
            starts
        );
    }

    #[test]
    fn bmp_sets_find_characters_by_code_point_and_by_bytes() {
        let mut set = BmpSet::default();
        for c in ['化', '鎮', 'a', '\u{FFFD}'] {
            set.insert(c as u32);
        }
        let mut buf = [0u8; 4];
        for c in ['化', '鎮', '解', '\u{FFFD}', '\u{3000}'] {
            let b = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(
                set.contains_utf8_3(b[0], b[1], b[2]),
                set.contains(c),
                "{c}"
            );
        }
        assert!(set.contains('a') && !set.contains('b') && !set.contains('𠀀'));
        assert!(set.any_below(0x62) && !set.any_below(0x61) && !BmpSet::default().any_below(0x800));
        assert!(BmpSet::full().contains('解'));
    }

    /// Random texts: `count` of them, each `len` pieces drawn from `pieces` (a fixed generator,
    /// so a failure repeats).
    pub(crate) fn texts_from_pieces<'a>(
        pieces: &'a [&'a str],
        len: usize,
        count: usize,
        mut seed: u64,
    ) -> impl Iterator<Item = String> + 'a {
        (0..count).map(move |_| {
            let mut text = String::new();
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                text.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            text
        })
    }

    #[test]
    fn characters_are_decoded_as_the_standard_library_does() {
        let pieces = [
            "a", "\n", "é", "化", "。", "，", "𠀀", "😀", "\u{FFFD}", "\u{7F}", "ÿ", "\u{800}",
        ];
        for text in texts_from_pieces(&pieces, 9, 2_000, 3) {
            let t = TextIndex::new(text.clone());
            assert_eq!(t.chars, text.chars().collect::<Vec<_>>(), "{text:?}");
            let starts: Vec<usize> = (0..=t.chars.len()).map(|c| t.byte_of(c)).collect();
            let expected: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            assert_eq!(starts, expected, "{text:?}");
        }
    }

    #[test]
    fn byte_offsets_map_to_character_offsets() {
        let t = TextIndex::new("a化解b".to_owned());
        assert_eq!(t.char_at(0), 0);
        assert_eq!(t.char_at(1), 1);
        assert_eq!(t.char_at(4), 2);
        assert_eq!(t.char_at(7), 3);
        assert_eq!(t.char_at(8), 4);
        assert_eq!(t.slice(1, 3), "化解");
        assert_eq!(
            (0..6).map(|c| t.byte_of(c)).collect::<Vec<_>>(),
            [0, 1, 4, 7, 8, 8]
        );
    }
}
