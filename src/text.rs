//! A text with character offsets: the body as a `String` for regexes and automata, as `char`s
//! for scanning, and where each character starts, to map offsets between the two.

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
        let end = end.min(self.chars.len());
        let start = start.min(end);
        self.text[self.byte_of(start)..self.byte_of(end)].to_owned()
    }

    pub fn into_string(self) -> String {
        self.text
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
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    ends.map(move |end| {
        let line = (start, &text[start..end]);
        start = end + 1;
        line
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
