//! Normalize: decoded text in, one canonical text out.
//!
//! Full-width ASCII variants become ASCII (`１２起` → `12起`, `（一）` → `(一)`, `％` → `%`), but
//! only that block and the ideographic space: blanket NFKC would turn `①` into `1` and `㎡` into
//! `m2`, inventing numbers (Kangxi radicals, which PDF text layers write for `人` or `十`, are
//! the one other block folded, as NFKC does). Traditional characters become Simplified (OpenCC `Tw2sp`), only for
//! texts that contain any, so Simplified reports pay nothing. Pinyin glosses are removed
//! (`鎮(zhèn)` → `镇`), line ends unified, lines trimmed, blank lines and page-debris lines
//! (patterns from `pipeline.toml`) dropped from the body, letter-spaced lines closed up. Debris lines are kept aside as
//! `chrome`, because a `发布日期` line is metadata even though it is not report text.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};
use rustc_hash::FxHashMap;

use crate::text::dict::Dictionary;
use crate::text::gate::FirstCharGate;
use crate::text::BmpSet;

/// A normalized document: the body that extraction reads, and the page chrome beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizedText {
    /// Report text, one trimmed non-empty line per paragraph, joined by `\n`. Character
    /// offsets of mentions refer to this string.
    pub body: String,
    /// Lines dropped as page debris (navigation, `发布日期:…`, view counters), in order.
    pub chrome: Vec<String>,
    /// How many characters the Traditional→Simplified step changed.
    pub simplified_chars: usize,
    /// A web page's own heading (`<title>` or `<h1>`), normalized, when the article element
    /// left it out: a candidate title for the metadata stage.
    pub page_title: Option<String>,
    /// The publication date a web page's `<meta>` gives, as written: for the metadata stage
    /// when no `发布日期` label is on the page.
    pub page_published: Option<String>,
}

/// Traditional→Simplified converter plus the set of characters it changes, built once.
struct Simplifier {
    /// OpenCC's `Tw2sp` conversion from tables indexed by character (see [`Chain`]); `None`
    /// only if the embedded dictionaries are malformed (then text is left as it is).
    chain: Option<Chain>,
    /// Characters the chain changes on their own.
    changes: BmpSet,
}

/// The OpenCC dictionaries of `Tw2sp`, in chain order: each inner list is one group (one pass
/// over the text). Copies of ferrous-opencc 0.4's `assets/dictionaries` (OpenCC, Apache-2.0).
const TW2SP_DICTS: [&[&str]; 2] = [
    &[
        include_str!("../../assets/opencc/TWPhrasesRev.txt"),
        include_str!("../../assets/opencc/TWVariantsRevPhrases.txt"),
        include_str!("../../assets/opencc/TWVariantsRev.txt"),
    ],
    &[
        include_str!("../../assets/opencc/TSPhrases.txt"),
        include_str!("../../assets/opencc/TSCharacters.txt"),
    ],
];

/// OpenCC's conversion chain (ferrous-opencc's `ConversionChain::convert`) from plain tables.
///
/// OpenCC walks an FST for every dictionary at every character position and allocates the
/// values of each match; here each pass's keys are one [`Dictionary`], which rejects most
/// positions by a probe of its character-pair filter. Same semantics: per pass, at each position the longest key of the group that
/// is a prefix of the rest wins (a tie goes to the earlier dictionary), is replaced by its
/// first value, and the scan resumes after it; otherwise the character is copied.
struct Chain {
    passes: Vec<Pass>,
}

struct Pass {
    /// The keys of the pass's dictionaries, matched leftmost-longest…
    keys: Dictionary,
    /// …and the value each key (by its id) is replaced with.
    values: Vec<Box<str>>,
}

impl Chain {
    fn new(groups: &[&[&str]]) -> Option<Chain> {
        let mut passes = Vec::new();
        for group in groups {
            // Per dictionary as ferrous-opencc's compiler reads it: `key\tvalue value…` lines,
            // `#` comments and blank lines skipped, a later line with the same key wins.
            // (Hash order never shows: the merged entries are sorted below.)
            let mut merged: FxHashMap<&str, &str> = Default::default();
            for dict in group.iter() {
                let mut entries: FxHashMap<&str, &str> = Default::default();
                for line in crate::text::str_lines(dict) {
                    let trimmed = line.trim();
                    if trimmed.is_empty() || trimmed.starts_with('#') {
                        continue;
                    }
                    let mut parts = line.split('\t');
                    let (Some(key), Some(values), None) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        continue; // not exactly two fields
                    };
                    if key.is_empty() || values.split(' ').any(str::is_empty) {
                        continue;
                    }
                    let first = values.split(' ').next().unwrap_or(values);
                    entries.insert(key, first);
                }
                for (key, value) in entries {
                    merged.entry(key).or_insert(value); // the earlier dictionary wins a tie
                }
            }
            let mut merged: Vec<(&str, &str)> = merged.into_iter().collect();
            merged.sort_unstable();
            let (keys, values): (Vec<&str>, Vec<Box<str>>) =
                merged.into_iter().map(|(k, v)| (k, v.into())).unzip();
            passes.push(Pass {
                keys: Dictionary::new(&keys).ok()?,
                values,
            });
        }
        Some(Chain { passes })
    }

    fn convert(&self, text: &str) -> String {
        let mut current = std::borrow::Cow::Borrowed(text);
        for pass in &self.passes {
            if let Some(next) = pass.apply(&current) {
                current = std::borrow::Cow::Owned(next);
            }
        }
        current.into_owned()
    }
}

impl Pass {
    /// The text after this pass, or `None` when no key occurs in it.
    fn apply(&self, text: &str) -> Option<String> {
        let mut out: Option<String> = None;
        let mut copied = 0; // bytes of `text` already in `out`
        for m in self.keys.find_iter(text) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..m.start]);
            o.push_str(&self.values[m.word as usize]);
            copied = m.end;
        }
        let mut o = out?;
        o.push_str(&text[copied..]);
        Some(o)
    }
}

static SIMPLIFIER: LazyLock<Simplifier> = LazyLock::new(Simplifier::build);

/// Builds the Traditional→Simplified tables now rather than on first use.
pub fn prepare() {
    LazyLock::force(&SIMPLIFIER);
}

/// Every CJK ideograph of the Basic Multilingual Plane, one per line.
fn ideograph_lines() -> String {
    let mut probe = String::with_capacity(27_000 * 4);
    let ranges = [0x3400u32..=0x4DBF, 0x4E00..=0x9FFF, 0xF900..=0xFAFF];
    for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
        probe.push(c);
        probe.push('\n');
    }
    probe
}

/// A text is Traditional when at least one character in this many is one the chain changes on
/// its own (see [`Simplifier::is_traditional_text`]).
const TRADITIONAL_SHARE: usize = 10;

impl Simplifier {
    /// The chain from the embedded dictionaries, and the characters it changes on their own.
    /// (That the chain converts exactly as OpenCC does, on every CJK character and every
    /// dictionary key in context, is checked by a test against ferrous-opencc.)
    fn build() -> Simplifier {
        let Some(chain) = Chain::new(&TW2SP_DICTS) else {
            return Simplifier {
                chain: None,
                changes: BmpSet::default(),
            };
        };
        // Convert every CJK ideograph on its own line and remember those that change, so a
        // document is converted only when it holds at least one of them.
        let probe = ideograph_lines();
        let converted = chain.convert(&probe);
        let mut changes = BmpSet::default();
        let lines = crate::text::str_lines;
        if lines(&probe).count() == lines(&converted).count() {
            for (before, after) in lines(&probe).zip(lines(&converted)) {
                if before != after {
                    if let Some(c) = before.chars().next() {
                        changes.insert(c as u32);
                    }
                }
            }
        } else {
            // Alignment lost: convert every document rather than miss one.
            changes = BmpSet::full();
        }
        Simplifier {
            chain: Some(chain),
            changes,
        }
    }

    /// Whether every character the chain changes on its own is a three-byte one (the usual
    /// case: they are ideographs), so that a count may look at three-byte characters only.
    fn changes_only_three_byte(&self) -> bool {
        !self.changes.any_below(0x800)
    }

    /// The characters of `text` OpenCC changes on its own, a `()` for each.
    fn traditional_chars<'a>(&'a self, text: &'a str) -> impl Iterator<Item = ()> + 'a {
        let mut i = 0;
        std::iter::from_fn(move || {
            while i < text.len() {
                let (changes, len) = self.changes.contains_at(text, i);
                i += len;
                if changes {
                    return Some(());
                }
            }
            None
        })
    }

    /// How many characters of `text` OpenCC changes on its own.
    fn count_traditional(&self, text: &str) -> usize {
        self.traditional_chars(text).count()
    }

    /// Whether a text with `traditional` of its `all` characters Traditional is written in
    /// Traditional characters. Simplified Chinese keeps a few characters the chain changes
    /// (`著` in `显著`, `乾` in `乾隆`), and converting a Simplified text rewrites its phrases
    /// the Taiwan way (`成效显著` → `成效显着`, `法定程序` → `法定进程`); in a Traditional text
    /// about one character in three changes.
    fn is_traditional_text(traditional: usize, all: usize) -> bool {
        traditional > 0 && traditional * TRADITIONAL_SHARE >= all
    }

    /// The text in Simplified characters, and how many characters changed.
    ///
    /// A text is converted only when it is written in Traditional characters (see
    /// [`Simplifier::is_traditional_text`]), and then only its lines holding a character that
    /// changes on its own: no dictionary key spans a line break, so a line is converted as it
    /// would be in the whole text.
    fn simplify(&self, text: String) -> (String, usize) {
        let traditional = self.count_traditional(&text);
        self.simplify_counted(text, traditional)
    }

    /// [`fold_width`] of `text`, and its [`Simplifier::count_traditional`] counted on the way.
    fn fold_and_count(&self, text: &str) -> (String, usize) {
        if !self.changes_only_three_byte() {
            // The three-byte count while folding would miss some.
            let folded = fold_width(text);
            let traditional = self.count_traditional(&folded);
            return (folded, traditional);
        }
        fold_width_counting(text, Some(&self.changes))
    }

    /// [`Simplifier::simplify`] of a text known to hold `traditional` characters that change.
    fn simplify_counted(&self, text: String, traditional: usize) -> (String, usize) {
        let Some(chain) = &self.chain else {
            return (text, 0);
        };
        if !Simplifier::is_traditional_text(traditional, text.chars().count()) {
            return (text, 0);
        }
        let mut out = String::with_capacity(text.len());
        let mut changed = 0;
        for line in text.split_inclusive('\n') {
            if self.traditional_chars(line).next().is_none() {
                out.push_str(line);
                continue;
            }
            let converted = chain.convert(line);
            changed += line
                .chars()
                .zip(converted.chars())
                .filter(|(a, b)| a != b)
                .count();
            out.push_str(&converted);
        }
        (out, changed)
    }
}

/// Converts Traditional characters to Simplified; a no-op on Simplified text.
pub fn simplify(text: &str) -> String {
    SIMPLIFIER.simplify(text.to_owned()).0
}

/// The ideographs the Kangxi radicals (U+2F00–U+2FD5) stand for, as NFKC maps them. PDF text
/// layers often write `人`, `小`, `方`, `十` as these look-alikes (`1200余⼈次`, `⼗多场次`),
/// which no measure word or numeral would match. (Only this block: NFKC at large invents
/// digits from `①` and `㎡`.)
const KANGXI_RADICALS: [char; 214] = [
    '一', '丨', '丶', '丿', '乙', '亅', '二', '亠', '人', '儿', '入', '八', '冂', '冖', '冫', '几',
    '凵', '刀', '力', '勹', '匕', '匚', '匸', '十', '卜', '卩', '厂', '厶', '又', '口', '囗', '土',
    '士', '夂', '夊', '夕', '大', '女', '子', '宀', '寸', '小', '尢', '尸', '屮', '山', '巛', '工',
    '己', '巾', '干', '幺', '广', '廴', '廾', '弋', '弓', '彐', '彡', '彳', '心', '戈', '戶', '手',
    '支', '攴', '文', '斗', '斤', '方', '无', '日', '曰', '月', '木', '欠', '止', '歹', '殳', '毋',
    '比', '毛', '氏', '气', '水', '火', '爪', '父', '爻', '爿', '片', '牙', '牛', '犬', '玄', '玉',
    '瓜', '瓦', '甘', '生', '用', '田', '疋', '疒', '癶', '白', '皮', '皿', '目', '矛', '矢', '石',
    '示', '禸', '禾', '穴', '立', '竹', '米', '糸', '缶', '网', '羊', '羽', '老', '而', '耒', '耳',
    '聿', '肉', '臣', '自', '至', '臼', '舌', '舛', '舟', '艮', '色', '艸', '虍', '虫', '血', '行',
    '衣', '襾', '見', '角', '言', '谷', '豆', '豕', '豸', '貝', '赤', '走', '足', '身', '車', '辛',
    '辰', '辵', '邑', '酉', '釆', '里', '金', '長', '門', '阜', '隶', '隹', '雨', '靑', '非', '面',
    '革', '韋', '韭', '音', '頁', '風', '飛', '食', '首', '香', '馬', '骨', '高', '髟', '鬥', '鬯',
    '鬲', '鬼', '魚', '鳥', '鹵', '鹿', '麥', '麻', '黃', '黍', '黑', '黹', '黽', '鼎', '鼓', '鼠',
    '鼻', '齊', '齒', '龍', '龜', '龠',
];

/// A letter-spaced line has at least this many pieces between its spaces…
const LETTER_SPACED_MIN_PIECES: usize = 6;
/// …and at least this share of them one character long.
const LETTER_SPACED_SHARE: f64 = 0.7;

/// The pieces of a letter-spaced line (`全 年 开 展 执 法 检 查 5 6 次`, a heading or a line
/// set with a space after every character), if it is one. Read as written, its numbers would
/// be cut in pieces (`5 6次` is 56 次, not 6 次).
fn letter_spaced(line: &str) -> Option<Vec<&str>> {
    // memchr's vector search: most lines hold no space, and `str::contains` walks them slower.
    memchr::memchr(b' ', line.as_bytes())?;
    let pieces: Vec<&str> = line.split(' ').filter(|p| !p.is_empty()).collect();
    let single = pieces.iter().filter(|p| p.chars().nth(1).is_none()).count();
    (pieces.len() >= LETTER_SPACED_MIN_PIECES
        && single as f64 >= LETTER_SPACED_SHARE * pieces.len() as f64)
        .then_some(pieces)
}

/// Writes the pieces of a letter-spaced line without the spaces, but for one between two Latin
/// words or numbers of more than one character (`ICP 2024`).
fn push_unspaced(out: &mut String, pieces: &[&str]) {
    let word = |p: &str| p.len() > 1 && p.bytes().all(|b| b.is_ascii_alphanumeric());
    for (k, p) in pieces.iter().enumerate() {
        if k > 0 && word(pieces[k - 1]) && word(p) {
            out.push(' ');
        }
        out.push_str(p);
    }
}

/// Maps one character to its canonical form, or `None` to drop it.
///
/// Full-width ASCII (U+FF01–FF5E) becomes ASCII, Kangxi radicals their ideographs, the
/// ideographic and no-break spaces become a space, CR and the Unicode line and paragraph
/// separators become LF, zero-width and control characters go. Everything else is kept.
pub fn fold_char(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{2F00}'..='\u{2FD5}' => Some(KANGXI_RADICALS[c as usize - 0x2F00]),
        '\u{2E9F}' => Some('母'),
        '\u{2EF3}' => Some('龟'),
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => Some(' '),
        // CR, and the line and paragraph separators of Unicode (U+2028, U+2029, NEL), as
        // web pages and Word exports write a line break inside a paragraph.
        '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => Some('\n'),
        '\n' | '\t' => Some(c),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
        c if c.is_control() => None,
        c => Some(c),
    }
}

/// Full-width folding over a whole string (see [`fold_char`]); CRLF becomes one LF.
pub fn fold_width(text: &str) -> String {
    fold_width_counting(text, None).0
}

/// [`fold_width`], also counting the three-byte characters kept that are in `counted_chars`.
/// The count rides on the folding pass, which reads every lead byte anyway, instead of a second
/// pass over the text.
fn fold_width_counting(text: &str, counted_chars: Option<&BmpSet>) -> (String, usize) {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut counted = 0;
    let mut copied = 0; // bytes of `text` already in `out`
    let mut i = 0;
    while i < bytes.len() {
        // Characters that fold to themselves are copied in runs. A three-byte character needs
        // a look only with a lead of 0xE2 (U+2000..U+2FFF) or 0xEF (U+F000..U+FFFF), or as
        // U+3000; any other, by its lead's class (see [`LEAD_CLASSES`]).
        let lead = bytes[i];
        let len = if lead & 0xF0 == 0xE0 {
            // A run of three-byte characters (most of a report), counted as it goes, up to
            // one that needs a look or that is not of three bytes.
            let mut look = false;
            for c in bytes[i..].chunks_exact(3) {
                let &[b, b1, b2] = c else { break };
                if b & 0xF0 != 0xE0 {
                    break;
                }
                if let Some(set) = counted_chars {
                    // A character folded below is ASCII or a space afterwards: in no such set.
                    counted += usize::from(set.contains_utf8_3(b, b1, b2));
                }
                if b == 0xE2 || b == 0xEF || (b == 0xE3 && b1 == 0x80 && b2 == 0x80) {
                    look = true;
                    break;
                }
                i += 3;
            }
            if !look {
                continue;
            }
            // Full-width ASCII (U+FF01..U+FF5E: `，`, `（`, `：`, digits), the most common
            // fold by far in Chinese text, straight from its bytes.
            if let Some(ascii) = full_width_ascii(bytes[i], bytes[i + 1], bytes[i + 2]) {
                out.push_str(&text[copied..i]);
                out.push(char::from(ascii));
                i += 3;
                copied = i;
                continue;
            }
            3
        } else {
            let class = LEAD_CLASSES[usize::from(lead)];
            let len = usize::from(class & LEAD_LEN);
            if class & LEAD_SPECIAL == 0 {
                i += len;
                continue;
            }
            len
        };
        let c = text[i..].chars().next().expect("i is a char boundary");
        let folded = fold_char(c);
        if folded == Some(c) {
            // Looked at, but kept as it is (`“`, `—`, `…`): it stays in the run.
            i += len;
            continue;
        }
        out.push_str(&text[copied..i]);
        i += len;
        copied = i;
        if c == '\r' {
            // CR becomes LF, and CRLF one LF.
            out.push('\n');
            if bytes.get(i) == Some(&b'\n') {
                i += 1;
                copied = i;
            }
            continue;
        }
        if let Some(f) = folded {
            out.push(f);
        }
    }
    out.push_str(&text[copied..]);
    (out, counted)
}

/// The ASCII character the full-width form `lead b1 b2` (U+FF01..U+FF5E) folds to, if it is
/// one: U+FF01..U+FF3F are `EF BC 81`..`EF BC BF`, U+FF40..U+FF5E are `EF BD 80`..`EF BD 9E`,
/// and the character minus U+FEE0 is the ASCII one.
#[inline]
fn full_width_ascii(lead: u8, b1: u8, b2: u8) -> Option<u8> {
    match (lead, b1, b2) {
        (0xEF, 0xBC, 0x81..=0xBF) => Some(b2 - 0x60),
        (0xEF, 0xBD, 0x80..=0x9E) => Some(b2 - 0x20),
        _ => None,
    }
}

/// Per byte, as the lead of a character of one, two or four bytes in [`fold_width_counting`]:
/// the character's length in bytes ([`LEAD_LEN`]), and [`LEAD_SPECIAL`] when it may not fold
/// to itself: an ASCII control other than LF and tab (CR among them), or a lead of 0xC2
/// (U+0080..U+00BF).
static LEAD_CLASSES: [u8; 256] = lead_classes();
const LEAD_LEN: u8 = 0b0111;
const LEAD_SPECIAL: u8 = 0b1000;

const fn lead_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            b'\n' | b'\t' | 0x20..=0x7E => 1,
            0x00..=0x1F | 0x7F => 1 | LEAD_SPECIAL,
            0x80..=0xBF => 1, // a continuation byte: never a lead in a `str`
            0xC2 => 2 | LEAD_SPECIAL,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3, // decided from all three bytes
            _ => 4,
        };
        b += 1;
    }
    table
}

/// Folds a vocabulary word from the config the way report text is folded, so that words in
/// `pipeline.toml` match whatever width or script the report used.
pub fn canonical_word(word: &str) -> String {
    simplify(&fold_width(word))
}

/// The normalize stage, compiled once per run from `[normalize]` in `pipeline.toml`.
pub struct Normalizer {
    debris_lines: DebrisLines,
    debris_spans: Option<Regex>,
    /// `debris_spans` has no anchor or word boundary, so a text without a match anywhere has
    /// none in any of its lines either.
    spans_unanchored: bool,
}

/// The debris-line patterns, split for speed. Every line of every report is tried against
/// them. Those anchored at the line start (`^…`) share one set, whose automaton gives up within
/// a few characters of an ordinary line; the rest share one alternation, tried only on the lines
/// its [`LiteralGate`] lets through.
struct DebrisLines {
    anchored: RegexSet,
    /// The characters a line can start with and match `anchored`, when the patterns tell.
    anchored_gate: Option<FirstCharGate>,
    anywhere: Option<Regex>,
    gate: Option<LiteralGate>,
}

impl DebrisLines {
    fn new(patterns: &[String]) -> DebrisLines {
        let (anchored, anywhere): (Vec<&String>, Vec<&String>) =
            patterns.iter().partition(|p| p.starts_with('^'));
        let alternation = anywhere
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        let anywhere = (!anywhere.is_empty())
            .then(|| Regex::new(&alternation).ok())
            .flatten();
        DebrisLines {
            anchored_gate: FirstCharGate::new(&anchored),
            anchored: RegexSet::new(anchored).unwrap_or_else(|_| RegexSet::empty()),
            gate: anywhere
                .as_ref()
                .and_then(|_| LiteralGate::new(&alternation)),
            anywhere,
        }
    }

    /// Whether `line` is debris. `may_match_anywhere` is false when the gate found none of its
    /// literals in the line.
    fn is_match(&self, line: &str, may_match_anywhere: bool) -> bool {
        let may_match_anchored = self
            .anchored_gate
            .as_ref()
            .is_none_or(|g| g.admits_line(line));
        (may_match_anchored && self.anchored.is_match(line))
            || (may_match_anywhere && self.anywhere.as_ref().is_some_and(|re| re.is_match(line)))
    }
}

/// The literals every match of a regex starts with (`浏览次数`, `ICP备`, `>`…), found in a whole
/// text at once. A line holding none of them cannot match, so the regex runs only on the few
/// lines that do. The regex engine's own prefilter walks an Aho-Corasick automaton over every
/// byte (one-byte `>` among the literals rules out its vector search); here multi-byte
/// literals go to a vectorized (Teddy) searcher and one-byte literals to `memchr`, which skip
/// ordinary text several times faster.
struct LiteralGate {
    packed: Option<aho_corasick::packed::Searcher>,
    single: Vec<u8>,
}

impl LiteralGate {
    /// The gate for `pattern`, or `None` when its matches need not start with a literal from a
    /// short list (a leading class, say), or the list does not suit the searchers.
    fn new(pattern: &str) -> Option<LiteralGate> {
        use regex_syntax::hir::literal::{ExtractKind, Extractor};
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .ok()?;
        let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
        let literals = seq.literals()?;
        if literals.is_empty()
            || literals
                .iter()
                .any(|l| l.as_bytes().is_empty() || l.as_bytes().contains(&b'\n'))
        {
            return None;
        }
        // A literal that starts with another one adds nothing to the gate (where `>>` is, `>`
        // is), and a short one would weaken the vector search for all (its fingerprint is as
        // long as the shortest literal).
        let mut literals: Vec<&[u8]> = literals
            .iter()
            .map(regex_syntax::hir::literal::Literal::as_bytes)
            .collect();
        literals.sort_unstable();
        literals.dedup_by(|longer, shorter| longer.starts_with(shorter));
        let (single, multi): (Vec<&[u8]>, Vec<&[u8]>) =
            literals.into_iter().partition(|l| l.len() == 1);
        let single: Vec<u8> = single.iter().map(|l| l[0]).collect();
        if single.len() > 3 {
            return None; // memchr3 at most
        }
        let packed = if multi.is_empty() {
            None
        } else {
            Some(
                aho_corasick::packed::Config::new()
                    .builder()
                    .extend(multi)
                    .build()?,
            )
        };
        Some(LiteralGate { packed, single })
    }

    /// Where some literal starts in `text`, in order (a literal may be reported twice).
    fn starts(&self, text: &str) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .packed
            .iter()
            .flat_map(|p| p.find_iter(text).map(|m| m.start()))
            .collect();
        let hay = text.as_bytes();
        match *self.single.as_slice() {
            [a] => out.extend(memchr::memchr_iter(a, hay)),
            [a, b] => out.extend(memchr::memchr2_iter(a, b, hay)),
            [a, b, c] => out.extend(memchr::memchr3_iter(a, b, c, hay)),
            _ => {}
        }
        out.sort_unstable();
        out
    }
}

/// Whether a regex pattern surely has no assertion (`^`, `$`, `\b`, `\B`, `\A`, `\z`, `\<`,
/// `\>`) outside character classes. Conservative: anything unclear counts as an assertion.
fn without_assertions(pattern: &str) -> bool {
    let mut chars = pattern.chars().peekable();
    let mut depth = 0usize; // nesting of character classes
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('b' | 'B' | 'A' | 'z' | '<' | '>') if depth == 0 => return false,
                Some(_) => {}
                None => return false,
            },
            '[' => {
                depth += 1;
                // `]` first in a class (after an optional `^`) is a literal.
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                }
            }
            ']' if depth > 0 => depth -= 1,
            '^' | '$' if depth == 0 => return false,
            _ => {}
        }
    }
    depth == 0
}

/// A Han character glossed with pinyin in brackets, as some sites print every character
/// (`鎮(zhèn)`); it is replaced by the character alone.
const PINYIN_GLOSS: &str =
    r"(\p{Han})\s?\((?:[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ]{1,7}\s?){1,4}\)";

/// [`PINYIN_GLOSS`] anchored at the start of the haystack.
static PINYIN_GLOSS_AT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!("^{PINYIN_GLOSS}")).expect("pinyin gloss pattern is valid")
});

/// Whether [`PINYIN_GLOSS`] can match: some `(` is followed by a letter of its class. Most
/// reports have brackets (`(一)`) but no gloss, and this scan is much cheaper than the regex.
fn may_have_gloss(text: &str) -> bool {
    brackets(text).any(|i| text[i + 1..].chars().next().is_some_and(is_gloss_letter))
}

/// The byte offsets of every `(` in `text`, by memchr's vector search (reports open many).
fn brackets(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'(', text.as_bytes())
}

/// A letter of [`PINYIN_GLOSS`]'s class: a gloss's `(` is followed by one.
fn is_gloss_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêńňǹḿ".contains(c)
}

/// The longest text [`PINYIN_GLOSS`] can match, in characters: a Han character, a space, `(`,
/// four syllables of seven letters each followed by a space, and `)`.
const GLOSS_MAX_CHARS: usize = 1 + 1 + 1 + 4 * 8 + 1;

/// `Regex::new(PINYIN_GLOSS).replace_all(text, "$1")`, trying the pattern only where a match
/// can start. Every match holds exactly one `(` (letters and spaces cannot be one), which
/// follows its first character or the space after it: so a match is one of the pattern tried
/// anchored two characters before a `(` that opens on a letter, then one character before it.
/// Each try reads at most [`GLOSS_MAX_CHARS`] characters. Searching the whole text instead
/// made the regex engine (a bounded backtracker) clear a visited-set as large as the rest of
/// the text for every match.
fn remove_glosses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // bytes of `text` already in `out` (also: end of the last match)
    for open in brackets(text) {
        if open < copied || !text[open + 1..].chars().next().is_some_and(is_gloss_letter) {
            continue;
        }
        let mut end = (open + 4 * GLOSS_MAX_CHARS).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut before = text[copied..open].char_indices().rev().take(2);
        let (one, two) = (before.next(), before.next());
        let found = [two, one].into_iter().flatten().find_map(|(i, _)| {
            let start = copied + i;
            PINYIN_GLOSS_AT
                .find(&text[start..end])
                .map(|m| (start, start + m.end()))
        });
        let Some((start, match_end)) = found else {
            continue;
        };
        let han = text[start..].chars().next().map_or(0, char::len_utf8);
        out.push_str(&text[copied..start + han]);
        copied = match_end;
    }
    out.push_str(&text[copied..]);
    out
}

impl Normalizer {
    /// `debris_lines`: valid regexes (the config checked them), each matched against a line.
    pub fn new(debris_lines: &[String], debris_spans: Option<Regex>) -> Normalizer {
        let spans_unanchored = debris_spans
            .as_ref()
            .is_some_and(|re| without_assertions(re.as_str()));
        Normalizer {
            debris_lines: DebrisLines::new(debris_lines),
            debris_spans,
            spans_unanchored,
        }
    }

    pub fn normalize(&self, decoded: &str) -> NormalizedText {
        let (folded, traditional) = SIMPLIFIER.fold_and_count(decoded);
        let (simplified, simplified_chars) = SIMPLIFIER.simplify_counted(folded, traditional);
        let glossless = if may_have_gloss(&simplified) {
            remove_glosses(&simplified)
        } else {
            simplified
        };
        let mut body = String::with_capacity(glossless.len());
        let mut chrome = Vec::new();
        let spans = self
            .debris_spans
            .as_ref()
            .filter(|re| !self.spans_unanchored || re.is_match(&glossless));
        // Where the anywhere-patterns' literals occur; `None`: every line may match.
        let hits = self
            .debris_lines
            .gate
            .as_ref()
            .map(|g| g.starts(&glossless));
        let mut next_hit = 0; // index into `hits` of the first at or after this line
        for (raw_start, raw) in crate::text::lines(&glossless) {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let may_match_anywhere = hits.as_ref().is_none_or(|hits| {
                while next_hit < hits.len() && hits[next_hit] < raw_start {
                    next_hit += 1;
                }
                next_hit < hits.len() && hits[next_hit] < raw_start + raw.len()
            });
            let (line, spans_cut) = match spans {
                Some(spans) if spans.is_match(raw) => (
                    std::borrow::Cow::Owned(spans.replace_all(raw, "").into_owned()),
                    true,
                ),
                _ => (std::borrow::Cow::Borrowed(raw), false),
            };
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            // A line with a span cut out may have gained a literal: it is tried whatever the gate says.
            if self
                .debris_lines
                .is_match(line, may_match_anywhere || spans_cut)
            {
                chrome.push(line.to_owned());
                continue;
            }
            if !body.is_empty() {
                body.push('\n');
            }
            match letter_spaced(line) {
                Some(tokens) => push_unspaced(&mut body, &tokens),
                None => body.push_str(line),
            }
        }
        NormalizedText {
            body,
            chrome,
            simplified_chars,
            page_title: None,
            page_published: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalizer() -> Normalizer {
        Normalizer::new(
            &[
                r"^\s*-?\s*扫一扫".into(),
                r"^发布日期\s*:".into(),
                "(浏览次数|点击量)\\s*:".into(),
            ],
            Some(Regex::new(r"\[bookmark:[^\]]*\]").unwrap()),
        )
    }

    #[test]
    fn full_width_digits_and_punctuation_become_ascii() {
        let cases = [
            ("化解矛盾纠纷１３１件", "化解矛盾纠纷131件"),
            ("罚款２５．２万元", "罚款25.2万元"),
            ("调解成功率９５％", "调解成功率95%"),
            (
                "（一）强化统筹，坚持依法行政：",
                "(一)强化统筹,坚持依法行政:",
            ),
            ("１，０９４户", "1,094户"),
            ("a\u{3000}b", "a b"),
        ];
        for (input, want) in cases {
            assert_eq!(fold_width(input), want, "{input}");
        }
    }

    #[test]
    fn circled_numbers_and_square_metres_are_not_invented_digits() {
        assert_eq!(fold_width("①依法决策②规范执法"), "①依法决策②规范执法");
        assert_eq!(fold_width("面积120㎡"), "面积120㎡");
    }

    /// Kangxi radicals from PDF text layers read as the ideographs they look like, exactly
    /// as NFKC maps them (checked against the standard library's own test data: the array
    /// is in code-point order, 214 entries).
    #[test]
    fn kangxi_radicals_become_their_ideographs() {
        assert_eq!(
            fold_width("1200余⼈次,18⼩时,2572平⽅⽶,⼗多场次"),
            "1200余人次,18小时,2572平方米,十多场次"
        );
        assert_eq!(KANGXI_RADICALS[0], '一');
        assert_eq!(KANGXI_RADICALS[213], '龠');
        assert_eq!(fold_char('\u{2F08}'), Some('人'));
    }

    #[test]
    fn letter_spaced_lines_are_read_without_their_spaces() {
        let n = normalizer();
        let t = n.normalize("全 年 开 展 执 法 检 查 5 6 次 , 化 解 纠 纷 1 3 1 件 。\n新 场 乡 2023 年 法 治 政 府 建 设 报 告\n组织执法培训 3 次。\nICP 备 12345678 号");
        assert_eq!(
            t.body,
            "全年开展执法检查56次,化解纠纷131件。\n新场乡2023年法治政府建设报告\n组织执法培训 3 次。\nICP 备 12345678 号"
        );
    }

    #[test]
    fn crlf_and_cr_become_lf_and_invisible_characters_go() {
        assert_eq!(fold_width("甲\r\n乙\r丙"), "甲\n乙\n丙");
        // The Unicode line and paragraph separators, and NEL, are line breaks too.
        assert_eq!(
            fold_width("甲\u{2028}乙\u{2029}丙\u{85}丁"),
            "甲\n乙\n丙\n丁"
        );
        assert_eq!(fold_width("\u{FEFF}法\u{200B}治\u{0007}"), "法治");
    }

    #[test]
    fn traditional_becomes_simplified_and_simplified_is_untouched() {
        let n = normalizer();
        let t = n.normalize("我鎮共處理群眾投訴967宗,協議涉及金額1140余萬元");
        assert_eq!(t.body, "我镇共处理群众投诉967宗,协议涉及金额1140余万元");
        assert!(t.simplified_chars >= 8);
        let s = n.normalize("我镇共处理群众投诉967宗,干部培训后来余额里面");
        assert_eq!(s.body, "我镇共处理群众投诉967宗,干部培训后来余额里面");
        assert_eq!(s.simplified_chars, 0);
    }

    /// Simplified Chinese keeps some characters the chain changes (`著` in `显著`). A report with
    /// a few of them is Simplified and left as written: converting it would rewrite its phrases
    /// the Taiwan way (`法定程序` → `法定进程`).
    #[test]
    fn simplified_report_with_a_stray_changing_character_is_left_as_written() {
        let n = normalizer();
        let line = "全年审查合同721份,履行重大行政决策法定程序,普法成效显著。\n";
        let report = line.repeat(3);
        let t = n.normalize(&report);
        assert_eq!(t.body, report.trim_end());
        assert_eq!(t.simplified_chars, 0);
        // The same line in a Traditional report is converted.
        let t = n.normalize(&format!("我鎮處理群眾投訴967宗,協議涉及金額萬元。\n{line}"));
        assert!(t.simplified_chars >= 8);
        assert!(t.body.starts_with("我镇处理群众投诉967宗"), "{}", t.body);
    }

    /// The byte-level pass folds exactly as [`fold_char`] does character by character (CRLF
    /// aside), around the forms it treats by their bytes: full-width ASCII and its neighbours
    /// (U+FF00, U+FF5F, U+FF60), marks it looks at and keeps, and others of two and four bytes.
    #[test]
    fn folding_by_bytes_is_folding_by_character() {
        let pieces = [
            "，", "（", "）", "０", "９", "Ａ", "ｚ", "～", "\u{FF00}", "\u{FF5F}", "｠", "｡", "“",
            "”", "—", "…", "\u{3000}", "、", "。", "⼈", "\u{2E9F}", "\u{FEFF}", "\u{200B}", "\r",
            "\n", "\r\n", "\t", "\u{0007}", "\u{00A0}", "é", "𠀀", "法", "a", "1",
        ];
        for text in crate::text::tests::texts_from_pieces(&pieces, 10, 20_000, 11) {
            let by_char: String = text
                .replace("\r\n", "\n")
                .chars()
                .filter_map(fold_char)
                .collect();
            assert_eq!(fold_width(&text), by_char, "{text:?}");
        }
    }

    /// Counting on the folding pass counts what a pass over the folded text counts, with
    /// full-width forms, compatibility ideographs (U+F900…, folded nowhere) and CRLF about.
    #[test]
    fn traditional_characters_are_counted_while_folding() {
        let s = &*SIMPLIFIER;
        for text in [
            "我鎮處理群眾投訴967宗,協議涉及金額萬元。",
            "全年审查合同721份\r\n依法行政",
            "ＡＢＣ１２３ 這個 \u{F900}\u{FA0A}豈 \u{3000}臺灣\u{200B}",
            "",
        ] {
            let (folded, counted) = s.fold_and_count(text);
            assert_eq!(folded, fold_width(text), "{text}");
            assert_eq!(counted, s.count_traditional(&folded), "{text}");
        }
        assert!(s.fold_and_count("我鎮處理群眾投訴").1 >= 4);
    }

    /// The tables must convert exactly as OpenCC's own `Tw2sp` does: every ideograph on its
    /// own, every dictionary key in context, and sample sentences. Run this when the
    /// dictionaries in `assets/opencc/` or the ferrous-opencc version change.
    #[test]
    fn conversion_tables_agree_with_opencc() {
        use ferrous_opencc::{config::BuiltinConfig, OpenCC};
        let opencc = OpenCC::from_config(BuiltinConfig::Tw2sp).expect("built-in Tw2sp");
        let chain = SIMPLIFIER
            .chain
            .as_ref()
            .expect("the embedded dictionaries parse");
        let probe = ideograph_lines();
        assert!(
            chain.convert(&probe) == opencc.convert(&probe),
            "single ideographs differ"
        );
        let mut keys = String::new();
        for dict in TW2SP_DICTS.iter().flat_map(|g| g.iter()) {
            for key in dict.lines().filter_map(|l| l.split('\t').next()) {
                keys.push('在');
                keys.push_str(key);
                keys.push_str("中,");
                keys.push_str(key);
                keys.push('\n');
            }
        }
        for (ours, theirs) in chain
            .convert(&keys)
            .lines()
            .zip(opencc.convert(&keys).lines())
        {
            assert_eq!(ours, theirs);
        }
        for text in [
            "我鎮共處理群眾投訴967宗,協議涉及金額1140余萬元。軟體程式設計,滑鼠",
            "鄉鎮人民政府依法行政,開展「法治政府」建設(2024年),行政覆議案件12件",
        ] {
            assert_eq!(chain.convert(text), opencc.convert(text), "{text}");
        }
    }

    #[test]
    fn glosses_are_removed_like_the_whole_text_regex_does() {
        let gloss = Regex::new(PINYIN_GLOSS).unwrap();
        for text in [
            "鎮(zhèn)以習(xí)近平 (ab)甲 (gù wèn)乙(Ab)(cd)丙\n(ef)丁 (x1)戊((gh)",
            "(a)甲(b)",
            "法律顧問\n(gù wèn)",
        ] {
            let whole = gloss.replace_all(text, "$1");
            assert_eq!(remove_glosses(text), whole, "{text}");
        }
    }

    #[test]
    fn glosses_are_removed_like_the_whole_text_regex_does_on_random_texts() {
        let whole = Regex::new(PINYIN_GLOSS).unwrap();
        let pieces = [
            "鎮",
            "习",
            "(",
            ")",
            " ",
            "\n",
            "zhèn",
            "ab",
            "abcdefgh",
            "x1",
            "ǖ",
            "((",
            "件",
            "。",
            "(gù wèn)",
            "〇",
            "㐀",
        ];
        for text in crate::text::tests::texts_from_pieces(&pieces, 12, 20_000, 5) {
            assert_eq!(
                remove_glosses(&text),
                whole.replace_all(&text, "$1"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn assertions_are_found_outside_classes_only() {
        for p in [
            r"\[bookmark:[^\]]*\]",
            r"(?:\[[0-9a-zA-Z_]+\])|(?:a[]^$]b)",
            r"\$\^",
        ] {
            assert!(without_assertions(p), "{p}");
        }
        for p in [
            r"^a",
            r"a$",
            r"\ba",
            r"[^a]$",
            r"[]]^",
            r"\Aa",
            r"(?m)x|^y",
            r"\",
        ] {
            assert!(!without_assertions(p), "{p}");
        }
    }

    #[test]
    fn pinyin_glosses_are_removed() {
        let n = normalizer();
        assert_eq!(n.normalize("我鎮(zhèn)以習(xí)近平").body, "我镇以习近平");
        assert_eq!(n.normalize("法律顧問(gù wèn)").body, "法律顾问");
        // Not a gloss: digits or capitals inside the brackets.
        assert_eq!(n.normalize("发文机构(gyz1)").body, "发文机构(gyz1)");
    }

    #[test]
    fn debris_lines_go_to_chrome_and_blank_lines_vanish() {
        let n = normalizer();
        let t = n.normalize(
            "标题\n\n  发布日期:2025-01-16 \n[bookmark: _GoBack]正文第一段。\n- 扫一扫在手机打开当前页\n\
             作者:某某 浏览次数: 35\n浏览次数统计方法另行规定。",
        );
        // `浏览次数:` matches anywhere in a line, the other two only at its start.
        assert_eq!(t.body, "标题\n正文第一段。\n浏览次数统计方法另行规定。");
        assert_eq!(
            t.chrome,
            [
                "发布日期:2025-01-16",
                "- 扫一扫在手机打开当前页",
                "作者:某某 浏览次数: 35"
            ]
        );
    }
}
