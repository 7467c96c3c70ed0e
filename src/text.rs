//! A text with character offsets: the body as a `String` for regexes and automata, as `char`s
//! for scanning, and a map from byte offsets to character offsets between the two.

/// The normalized body, indexed by character.
pub struct TextIndex {
    text: String,
    pub chars: Vec<char>,
    /// Character index of every byte offset (and of `text.len()`).
    byte_to_char: Vec<u32>,
}

impl TextIndex {
    pub fn new(text: String) -> TextIndex {
        let chars: Vec<char> = text.chars().collect();
        // Every byte maps to the number of characters that start before or at it, minus one:
        // a character starts at each byte that is not a UTF-8 continuation byte (10xxxxxx).
        let mut byte_to_char = Vec::with_capacity(text.len() + 1);
        let mut starts = 0u32;
        byte_to_char.extend(text.bytes().map(|b| {
            starts += u32::from((b as i8) >= -0x40);
            starts.wrapping_sub(1)
        }));
        byte_to_char.push(chars.len() as u32);
        TextIndex {
            text,
            chars,
            byte_to_char,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The character offset of byte offset `byte` (a char boundary).
    pub fn char_at(&self, byte: usize) -> usize {
        self.byte_to_char[byte.min(self.text.len())] as usize
    }

    /// The byte offset where character `ci` starts (`text.len()` at or past the end).
    pub fn byte_of(&self, ci: usize) -> usize {
        if ci >= self.chars.len() {
            return self.text.len();
        }
        self.byte_to_char.partition_point(|&c| (c as usize) < ci)
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

#[cfg(test)]
mod tests {
    use super::*;

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
