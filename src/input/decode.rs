//! Bytes in, text out: [`decode`] takes the raw bytes of one input file (plus an optional
//! forced encoding and whether the file is a web page) and returns a [`Decoded`] — the text
//! as a `String` without BOM, the name of the encoding that was used, and how many U+FFFD
//! replacement characters decoding had to introduce — or a [`DecodeFailure`] saying, for a
//! person, why the bytes are empty or not text at all.
//!
//! Detection cascade (research note ECOSYSTEM.md §1), each step only if the previous did not
//! decide:
//! 1. no bytes / only white space → [`DecodeFailure::Empty`];
//! 2. a known binary signature (PNG, JPEG, PDF, ZIP, ELF, …) → [`DecodeFailure::Undecodable`];
//! 3. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE);
//! 4. UTF-16 without BOM: a byte order whose decoding is mostly typical report characters
//!    (CJK, ASCII, punctuation), with keywords and the side of the zero bytes as tie-breaks;
//!    input without zero bytes needs report keywords or a clear one-sided score;
//! 5. many control bytes / NULs (and not UTF-16) → Undecodable ("looks like binary data");
//! 6. strict UTF-8, or UTF-8 whose only errors are a truncated last character or a few stray
//!    bytes among many valid multi-byte characters (decoded lossily);
//! 7. for HTML, the `<meta charset>` / `http-equiv` label in the first 1024 bytes, used only
//!    if it decodes without errors (and, between GBK and Big5, only if the keyword vote does
//!    not prefer the other one; single-byte labels such as iso-8859-1 are ignored);
//! 8. `chardetng` (no TLD) on at most the first 64 KiB, then a keyword vote between the
//!    candidates that decode the sample cleanly (GBK, Big5, UTF-16LE/BE and chardetng's guess):
//!    the decoding containing the most common report words (法治, 政府, 報告, …) wins.
//!
//! Trailing NUL padding (a common artefact of crashed writers) is ignored for 8-bit text.
//! The GBK family is decoded with the GB18030 decoder and reported as `"GBK"`, or `"GB18030"`
//! when the bytes contain four-byte sequences. `forced` skips detection (binary signatures
//! are still rejected). Never panics; decoding is never silently lossy.

use encoding_rs::{
    DecoderResult, Encoding, BIG5, GB18030, GBK, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252,
};
use std::fmt;
use std::sync::OnceLock;

/// How much of the file the detectors look at (chardetng runs at ~4 MB/s).
const SAMPLE_LEN: usize = 64 * 1024;
/// How far into an HTML file the `<meta charset>` prescan looks (WHATWG: 1024 bytes).
const META_PRESCAN_LEN: usize = 1024;

/// Successfully decoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text, without a leading byte-order mark.
    pub text: String,
    /// `"UTF-8"`, `"GBK"`, `"GB18030"`, `"Big5"`, `"UTF-16LE"`, `"UTF-16BE"`, or another
    /// WHATWG encoding name (e.g. `"windows-1252"`) in the rare case detection lands there.
    pub encoding: &'static str,
    /// Number of U+FFFD replacement characters introduced by decoding (0 = lossless).
    pub lossy_count: usize,
}

/// Why bytes could not be turned into text. The `String` is a reason for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeFailure {
    /// No bytes, or only white space.
    Empty(String),
    /// Not text in any supported encoding (image, archive, executable, random bytes…).
    Undecodable(String),
}

impl DecodeFailure {
    /// The reason for a person.
    pub fn reason(&self) -> &str {
        match self {
            DecodeFailure::Empty(r) | DecodeFailure::Undecodable(r) => r,
        }
    }
}

impl fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeFailure::Empty(r) => write!(f, "empty: {r}"),
            DecodeFailure::Undecodable(r) => write!(f, "undecodable: {r}"),
        }
    }
}

impl std::error::Error for DecodeFailure {}

/// Maps an encoding label from configuration to an encoding: the WHATWG labels
/// (`gb2312`, `gbk`, `gb18030`, `big5`, `utf-8`, `utf-16le`, …, case-insensitive) plus a few
/// common Windows aliases (`cp936`, `cp950`, `ms936`, `utf-16` → UTF-16LE). Labels for the
/// WHATWG "replacement" encoding (e.g. `hz-gb-2312`) and unknown labels give `None`.
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let norm = label.trim().to_ascii_lowercase();
    let extra = match norm.as_str() {
        "cp936" | "ms936" | "windows-936" | "euc-cn" | "gb-2312" => Some(GBK),
        "cp950" | "ms950" | "windows-950" | "big-5" => Some(BIG5),
        "cp54936" | "gb-18030" => Some(GB18030),
        "ucs-2" | "ucs2" | "utf16" | "utf-16" => Some(UTF_16LE),
        "utf16le" => Some(UTF_16LE),
        "utf16be" => Some(UTF_16BE),
        "cp65001" => Some(UTF_8),
        _ => None,
    };
    if extra.is_some() {
        return extra;
    }
    match Encoding::for_label(norm.as_bytes()) {
        Some(enc) if enc == encoding_rs::REPLACEMENT => None,
        other => other,
    }
}

/// Decodes `bytes` (see the module docs for the cascade). `html` enables the
/// `<meta charset>` prescan.
pub fn decode(
    bytes: &[u8],
    forced: Option<&'static Encoding>,
    html: bool,
) -> Result<Decoded, DecodeFailure> {
    if bytes.is_empty() {
        return Err(DecodeFailure::Empty("the file has no bytes".into()));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(empty_whitespace());
    }
    if let Some(what) = binary_signature(bytes) {
        return Err(DecodeFailure::Undecodable(format!(
            "looks like {what}, not text"
        )));
    }
    if let Some(enc) = forced {
        let (body, enc) = match Encoding::for_bom(bytes) {
            Some((bom_enc, len)) if bom_enc == enc => (&bytes[len..], enc),
            _ => (bytes, enc),
        };
        return finish(enc, body);
    }
    if let Some((enc, len)) = Encoding::for_bom(bytes) {
        return finish(enc, &bytes[len..]);
    }

    let sample = &bytes[..bytes.len().min(SAMPLE_LEN)];
    // The usual input, UTF-8 text, is validated once: valid UTF-8 without a NUL up front is
    // no UTF-16 (see `utf16_guess`), and is the text if no NUL padding is cut off below.
    let utf8 = memchr::memchr(0, sample)
        .is_none()
        .then(|| simdutf8::basic::from_utf8(bytes).ok())
        .flatten();
    if utf8.is_none() {
        if let Some(enc) = utf16_guess(sample) {
            return finish(enc, bytes);
        }
    }

    // 8-bit territory from here on: trailing NUL padding is not content.
    let trimmed_len = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    if trimmed_len == 0 {
        return Err(DecodeFailure::Undecodable(
            "only NUL bytes (a zero-filled file)".into(),
        ));
    }
    let utf8 = utf8.filter(|_| trimmed_len == bytes.len());
    let bytes = &bytes[..trimmed_len];
    let utf8 = utf8.or_else(|| simdutf8::basic::from_utf8(bytes).ok());
    let sample = &bytes[..bytes.len().min(SAMPLE_LEN)];
    if let Some(reason) = binary_by_control_bytes(sample) {
        return Err(DecodeFailure::Undecodable(reason));
    }

    if let Some(text) = utf8 {
        return finish_text(UTF_8, bytes, text.to_owned(), 0);
    }
    if mostly_utf8(bytes) {
        return finish(UTF_8, bytes);
    }

    if html {
        if let Some(enc) = meta_charset(bytes) {
            if let Some(enc) = verify_meta_hint(enc, sample) {
                return finish(enc, bytes);
            }
        }
    }

    let enc = detect_legacy(sample);
    finish(enc, bytes)
}

fn empty_whitespace() -> DecodeFailure {
    DecodeFailure::Empty("only white space".into())
}

/// Decodes the whole input with `enc`, strips a BOM, checks for white-space-only text.
fn finish(enc: &'static Encoding, bytes: &[u8]) -> Result<Decoded, DecodeFailure> {
    let (text, lossy_count) = decode_counting(enc, bytes);
    finish_text(enc, bytes, text, lossy_count)
}

/// [`finish`] for `bytes` already decoded as `text`.
fn finish_text(
    enc: &'static Encoding,
    bytes: &[u8],
    mut text: String,
    lossy_count: usize,
) -> Result<Decoded, DecodeFailure> {
    if text.starts_with('\u{FEFF}') {
        text.drain(..'\u{FEFF}'.len_utf8());
    }
    if text
        .chars()
        .all(|c| c.is_whitespace() || c == '\u{FEFF}' || c == '\0')
    {
        return Err(empty_whitespace());
    }
    if let Some(repaired) = undo_double_encoding(&text) {
        return Ok(Decoded {
            text: repaired,
            encoding: "UTF-8 (double-encoded, repaired)",
            lossy_count,
        });
    }
    if let Some(why) = mostly_replacement_characters(&text) {
        return Err(DecodeFailure::Undecodable(why));
    }
    Ok(Decoded {
        text,
        encoding: encoding_name(enc, bytes),
        lossy_count,
    })
}

/// A text with no Chinese character but this many Latin-1 letters (`æ˜†å±±`) may be UTF-8
/// read as Latin-1 and saved again.
const MOJIBAKE_MIN_LATIN: usize = 16;

/// The text of a file that was UTF-8, read as Latin-1 (or windows-1252) and saved as UTF-8
/// again (`æ˜†å±±å¸‚` for `昆山市`), if `text` is one: its characters back to the bytes they
/// were read from are valid UTF-8 holding Chinese.
fn undo_double_encoding(text: &str) -> Option<String> {
    // À..ÿ are 0xC3 0x80..0xBF in UTF-8: a byte count rules out almost every text.
    let latin = memchr::memchr_iter(0xC3, text.as_bytes())
        .take(MOJIBAKE_MIN_LATIN)
        .count();
    if latin < MOJIBAKE_MIN_LATIN || text.chars().any(crate::text::is_han) {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        if (c as u32) < 0x100 {
            bytes.push(c as u8);
        } else {
            // windows-1252's letters and marks in 0x80-0x9F (`€`, `˜`, `™`…).
            let (b, _, unmappable) = WINDOWS_1252.encode(c.encode_utf8(&mut buf));
            match &b[..] {
                [byte] if !unmappable => bytes.push(*byte),
                _ => return None,
            }
        }
    }
    let repaired = String::from_utf8(bytes).ok()?;
    repaired
        .chars()
        .any(crate::text::is_han)
        .then_some(repaired)
}

/// Why a text is undecodable when most of it is U+FFFD: a file whose characters were lost to
/// a wrong decoding before it was saved (`��ɽ�аͳ�`) holds no text left to read.
fn mostly_replacement_characters(text: &str) -> Option<String> {
    let replaced = memchr::memmem::find_iter(text.as_bytes(), "\u{FFFD}".as_bytes()).count();
    if replaced < 16 {
        return None;
    }
    let visible = text.chars().filter(|c| !c.is_whitespace()).count();
    (replaced * 5 >= visible).then(|| {
        format!(
            "{replaced} of its {visible} characters are U+FFFD: the text was damaged by a \
             wrong decoding before it was saved"
        )
    })
}

/// Decodes with `enc` (no BOM sniffing), replacing malformed sequences with U+FFFD and
/// counting them exactly.
fn decode_counting(enc: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut out = String::new();
    let mut src = bytes;
    let mut lossy = 0usize;
    loop {
        let need = decoder
            .max_utf8_buffer_length_without_replacement(src.len())
            .unwrap_or(src.len().saturating_mul(3).saturating_add(16));
        out.reserve(need);
        let (result, read) = decoder.decode_to_string_without_replacement(src, &mut out, true);
        src = &src[read..];
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => continue,
            DecoderResult::Malformed(_, _) => {
                out.push('\u{FFFD}');
                lossy += 1;
            }
        }
    }
    (out, lossy)
}

/// Decodes `bytes` with `enc` and returns `None` at the first malformed sequence. The input
/// is treated as a prefix (a sample, or a truncated file), so an incomplete final character
/// is not an error.
fn clean_decode(enc: &'static Encoding, bytes: &[u8]) -> Option<String> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let need = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3).saturating_add(16));
    let mut out = String::with_capacity(need);
    let (result, _) = decoder.decode_to_string_without_replacement(bytes, &mut out, false);
    match result {
        DecoderResult::InputEmpty => Some(out),
        DecoderResult::OutputFull | DecoderResult::Malformed(_, _) => None,
    }
}

/// The name reported in [`Decoded::encoding`].
fn encoding_name(enc: &'static Encoding, bytes: &[u8]) -> &'static str {
    if enc == GBK || enc == GB18030 {
        if has_gb18030_four_byte(bytes) {
            "GB18030"
        } else {
            "GBK"
        }
    } else if enc == UTF_8 {
        "UTF-8"
    } else if enc == BIG5 {
        "Big5"
    } else if enc == UTF_16LE {
        "UTF-16LE"
    } else if enc == UTF_16BE {
        "UTF-16BE"
    } else {
        enc.name()
    }
}

/// Whether GBK-family bytes contain a GB18030 four-byte sequence (lead, digit, lead, digit).
fn has_gb18030_four_byte(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(0x30..=0x39) => {
                if matches!(bytes.get(i + 2), Some(0x81..=0xFE))
                    && matches!(bytes.get(i + 3), Some(0x30..=0x39))
                {
                    return true;
                }
                i += 2;
            }
            Some(_) => i += 2,
            None => break,
        }
    }
    false
}

/// Magic numbers of file types that are certainly not text.
fn binary_signature(b: &[u8]) -> Option<&'static str> {
    const SIGS: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (perhaps a .docx/.xlsx)"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"PK\x07\x08", "a ZIP archive"),
        (b"\x7FELF", "an ELF executable"),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "a legacy Microsoft Office file (.doc/.xls/.ppt)",
        ),
        (b"\x1F\x8B", "a gzip archive"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"\xFD7zXZ\x00", "an xz archive"),
        (b"\x28\xB5\x2F\xFD", "a zstd archive"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"\x00asm", "a WebAssembly module"),
        (b"\xCA\xFE\xBA\xBE", "a Java class or Mach-O binary"),
        (b"\xCF\xFA\xED\xFE", "a Mach-O binary"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"OggS", "an Ogg media file"),
        (b"fLaC", "a FLAC audio file"),
        (b"wOFF", "a WOFF font"),
        (b"wOF2", "a WOFF2 font"),
    ];
    for (sig, what) in SIGS {
        if b.starts_with(sig) {
            return Some(what);
        }
    }
    if b.len() >= 12 && &b[..4] == b"RIFF" {
        return Some(match &b[8..12] {
            b"WEBP" => "a WebP image",
            b"WAVE" => "a WAV audio file",
            b"AVI " => "an AVI video",
            _ => "a RIFF media file",
        });
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return Some("an MP4/MOV/HEIC media file");
    }
    if b.len() >= 10 && b.starts_with(b"ID3") && (2..=4).contains(&b[3]) {
        return Some("an MP3 audio file");
    }
    if b.len() >= 64 && b.starts_with(b"MZ") && b[2..64].contains(&0) {
        return Some("a Windows executable");
    }
    if b.len() >= 10 && b.starts_with(b"BZh") && b[4..10] == *b"1AY&SY" {
        return Some("a bzip2 archive");
    }
    None
}

/// C0 controls other than tab, LF, CR, FF and ESC, plus DEL.
fn is_binary_control(b: u8) -> bool {
    matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F)
}

/// How many bytes of `bytes` satisfy `pred`. Counted in blocks of 255 into a `u8`, which the
/// compiler turns into wide vector compares (a plain `filter().count()` stays byte by byte).
fn count_bytes(bytes: &[u8], pred: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(255)
        .map(|block| {
            let n = block.iter().fold(0u8, |n, &b| n + u8::from(pred(b)));
            usize::from(n)
        })
        .sum()
}

/// For 8-bit data: too many NULs / control bytes means binary.
fn binary_by_control_bytes(sample: &[u8]) -> Option<String> {
    let controls = count_bytes(sample, is_binary_control);
    if controls < 2 {
        return None; // text, the usual case: no need to count the NULs among them
    }
    let nuls = count_bytes(sample, |b| b == 0);
    let n = sample.len().max(1);
    // Text has neither; a few stray bytes in a long text are tolerated (decoded as is).
    let too_many = controls * 20 > n || (nuls * 100 > n && nuls >= 2);
    if too_many && controls >= 2 {
        Some(format!(
            "looks like binary data: {}% of the first {} bytes are control bytes ({} NULs)",
            controls * 100 / n,
            sample.len(),
            nuls
        ))
    } else {
        None
    }
}

/// UTF-16 without BOM. Both byte orders are decoded and scored by the share of code units
/// that are typical of these reports (CJK, ASCII, common punctuation; see
/// [`utf16_text_share`]); a byte order scoring at least 0.8 is a candidate. If both are (ASCII
/// swapped into the high byte looks like CJK), the keyword vote and then the side of the zero
/// bytes decide. Input without any zero byte (pure CJK text) is accepted only if it is not
/// valid UTF-8 and its decoding contains report keywords or is clearly one-sided.
fn utf16_guess(sample: &[u8]) -> Option<&'static Encoding> {
    if sample.len() < 4 {
        return None;
    }
    if memchr::memchr(0, sample).is_none() && simdutf8::basic::from_utf8(sample).is_ok() {
        return None; // the usual case: UTF-8 text
    }
    let mut zeros = [0usize; 2];
    for (i, &b) in sample.iter().enumerate() {
        if b == 0 {
            zeros[i % 2] += 1;
        }
    }
    let no_zeros = zeros == [0, 0];
    let shares = [
        utf16_text_share(sample, true),
        utf16_text_share(sample, false),
    ];
    let mut candidates: Vec<(&'static Encoding, usize)> = Vec::new();
    for (i, enc) in [UTF_16LE, UTF_16BE].into_iter().enumerate() {
        if shares[i] >= 0.8 {
            let (text, _) = decode_counting(enc, sample);
            let score = keyword_score(&text);
            // Without zero bytes, ASCII pairs also look like CJK: demand keywords, or a
            // near-perfect score in one byte order and a poor one in the other (byte-swapped
            // CJK scores about 0.45, ASCII about 0.9 either way).
            if !no_zeros || score > 0 || (shares[i] >= 0.95 && shares[1 - i] <= 0.7) {
                candidates.push((enc, score));
            }
        }
    }
    match candidates.as_slice() {
        [] => None,
        [(enc, _)] => Some(*enc),
        [(a, sa), (b, sb), ..] => Some(if sa != sb {
            if sa > sb {
                *a
            } else {
                *b
            }
        } else if zeros[1] >= zeros[0] {
            // ASCII in little-endian has its zero byte at odd offsets.
            UTF_16LE
        } else {
            UTF_16BE
        }),
    }
}

/// Share of UTF-16 code units in `sample` that are typical of Chinese report text: ASCII
/// printable and ordinary white space, Latin-1/Latin/Greek/Cyrillic letters, general
/// punctuation, enclosed numerals, CJK symbols, kana, CJK ideographs (including surrogate
/// pairs for the extension planes) and full-width forms. Random bytes score about 0.4.
fn utf16_text_share(sample: &[u8], le: bool) -> f64 {
    let units = sample.chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let mut total = 0usize;
    let mut good = 0usize;
    for r in char::decode_utf16(units) {
        total += 1;
        if let Ok(c) = r {
            let typical = matches!(c as u32,
                0x09 | 0x0A | 0x0C | 0x0D | 0x20..=0x7E | 0xA0..=0x4FF | 0x2000..=0x206F
                | 0x2100..=0x22FF | 0x2460..=0x24FF | 0x2500..=0x25FF | 0x3000..=0x30FF
                | 0x3200..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF);
            if typical {
                good += 1;
            }
        }
    }
    if total == 0 {
        0.0
    } else {
        good as f64 / total as f64
    }
}

/// UTF-8 with a few errors: only a truncated final character, or stray invalid bytes among
/// many valid multi-byte characters (at least 20 valid non-ASCII characters per error).
fn mostly_utf8(bytes: &[u8]) -> bool {
    let mut errors = 0usize;
    let mut multibyte = 0usize;
    let mut truncated_end = false;
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                // `valid` is valid UTF-8 by construction.
                multibyte += String::from_utf8_lossy(valid)
                    .chars()
                    .filter(|c| !c.is_ascii())
                    .count();
                errors += 1;
                match e.error_len() {
                    // Incomplete sequence at the very end: truncation.
                    None => {
                        truncated_end = true;
                        break;
                    }
                    Some(n) => rest = &after[n.min(after.len())..],
                }
            }
        }
        if errors > 8 && multibyte < errors * 20 {
            // Early exit on clearly non-UTF-8 input (GBK etc.).
            return false;
        }
    }
    errors > 0 && (multibyte >= errors * 20 || (errors == 1 && truncated_end))
}

/// The WHATWG-style prescan for `<meta charset=…>` / `<meta http-equiv … content="…;
/// charset=…">` in the first 1024 bytes; returns the label's encoding.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    static RE: OnceLock<Option<regex::bytes::Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| {
            regex::bytes::Regex::new(r#"(?i-u)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)"#)
                .ok()
        })
        .as_ref()?;
    let head = &bytes[..bytes.len().min(META_PRESCAN_LEN)];
    let caps = re.captures(head)?;
    let label = std::str::from_utf8(caps.get(1)?.as_bytes()).ok()?;
    encoding_for_label(label)
}

/// Accepts a `<meta charset>` hint only if it decodes the sample cleanly; single-byte and
/// UTF-16 labels are ignored (anything decodes as iso-8859-1; WHATWG ignores UTF-16 labels),
/// UTF-8 was already ruled out, and a GBK label loses to Big5 (or vice versa) if the
/// keyword vote clearly prefers the other.
fn verify_meta_hint(enc: &'static Encoding, sample: &[u8]) -> Option<&'static Encoding> {
    if enc.is_single_byte() || enc == UTF_8 || enc == UTF_16LE || enc == UTF_16BE {
        return None;
    }
    let text = clean_decode(enc, sample)?;
    let is_gbk = enc == GBK || enc == GB18030;
    if is_gbk || enc == BIG5 {
        let other = if is_gbk { BIG5 } else { GBK };
        if let Some(other_text) = clean_decode(other, sample) {
            if keyword_score(&other_text) > keyword_score(&text) {
                return Some(other);
            }
        }
    }
    Some(enc)
}

/// Common words of these reports, Simplified and Traditional.
const KEYWORDS: &[&str] = &[
    "法治", "政府", "行政", "建设", "建設", "报告", "報告", "纠纷", "糾紛", "万元", "萬元", "工作",
    "依法", "执法", "執法", "复议", "復議", "诉讼", "訴訟", "案件", "年度", "制度", "推进", "推進",
    "落实", "落實", "开展", "開展", "加强", "加強", "全面", "规范", "規範", "决策", "決策", "公开",
    "公開", "监督", "監督", "人民",
];

fn keyword_score(text: &str) -> usize {
    KEYWORDS.iter().map(|k| text.matches(k).count()).sum()
}

/// chardetng on the sample, then the keyword vote among cleanly decoding candidates.
fn detect_legacy(sample: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    // `last = false`: a sample cut mid-character (or a truncated file) must not
    // disqualify the right encoding.
    detector.feed(sample, false);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    let guess = if guess == GB18030 { GBK } else { guess };

    let mut candidates: Vec<&'static Encoding> = vec![guess];
    for enc in [GBK, BIG5, UTF_16LE, UTF_16BE] {
        if !candidates.contains(&enc) {
            candidates.push(enc);
        }
    }
    let mut best: Option<(&'static Encoding, usize)> = None;
    for &enc in &candidates {
        let Some(text) = clean_decode(enc, sample) else {
            continue;
        };
        if (enc == UTF_16LE || enc == UTF_16BE) && utf16_text_share(sample, enc == UTF_16LE) < 0.8 {
            continue;
        }
        let score = keyword_score(&text);
        // Strictly greater: ties keep the earlier candidate (chardetng's guess first).
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((enc, score));
        }
    }
    if let Some((enc, _)) = best {
        return enc;
    }
    if !guess.is_single_byte() {
        return guess;
    }
    // chardetng fell back to a single-byte encoding, which happens when every CJK decoder
    // saw an error (a damaged GBK/Big5 file). Prefer a CJK decoding with keywords and few
    // errors over mojibake.
    let mut best: Option<(&'static Encoding, usize)> = None;
    for enc in [GBK, BIG5] {
        let (text, errors) = decode_counting(enc, sample);
        let non_ascii = text.chars().filter(|c| !c.is_ascii()).count();
        let score = keyword_score(&text);
        if score > 0 && errors * 50 <= non_ascii && best.is_none_or(|(_, s)| score > s) {
            best = Some((enc, score));
        }
    }
    best.map_or(guess, |(enc, _)| enc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLIFIED: &str = "2024年共化解矛盾纠纷131件，调解成功率达95%。法治政府建设报告";
    const TRADITIONAL: &str = "2024年共化解矛盾糾紛131件，調解成功率達95%。法治政府建設報告";

    fn encode(enc: &'static Encoding, s: &str) -> Vec<u8> {
        if enc == UTF_16LE {
            return s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        }
        if enc == UTF_16BE {
            return s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        }
        let (bytes, _, had_errors) = enc.encode(s);
        assert!(!had_errors, "{} cannot encode {s}", enc.name());
        bytes.into_owned()
    }

    /// A small linear congruential generator, so the "random" bytes are fixed.
    fn lcg_bytes(n: usize, mut seed: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (seed >> 33) as u8
            })
            .collect()
    }

    fn ok(bytes: &[u8], html: bool) -> Decoded {
        match decode(bytes, None, html) {
            Ok(d) => d,
            Err(e) => panic!("decode failed: {e}"),
        }
    }

    /// UTF-8 read as Latin-1 and saved again is repaired; a text whose characters were lost to
    /// U+FFFD is undecodable; accented Latin text and a few U+FFFD in Chinese stay as they are.
    #[test]
    fn double_encoded_text_is_repaired_and_replacement_characters_are_undecodable() {
        let report = "昆山市巴城镇2024年法治政府建设工作报告。全年化解矛盾纠纷131件。";
        let mojibake: String = report.bytes().map(char::from).collect();
        let d = decode(mojibake.as_bytes(), None, false).expect("repaired");
        assert_eq!(d.text, report);
        assert_eq!(d.encoding, "UTF-8 (double-encoded, repaired)");

        let lost: String = report
            .chars()
            .map(|c| if c.is_ascii() { c } else { '\u{FFFD}' })
            .collect();
        match decode(lost.as_bytes(), None, false) {
            Err(DecodeFailure::Undecodable(why)) => assert!(why.contains("U+FFFD"), "{why}"),
            other => panic!("{:?}", other.map(|d| d.text)),
        }

        let french =
            "Café, résumé, naïve, déjà vu, à la carte, façade, élève, crème brûlée. ".repeat(3);
        assert_eq!(
            decode(french.as_bytes(), None, false).expect("text").text,
            french
        );
        let few = format!("{report}\u{FFFD}{report}");
        assert_eq!(decode(few.as_bytes(), None, false).expect("text").text, few);
    }

    #[test]
    fn round_trips_each_encoding() {
        let utf8_bom = [&b"\xEF\xBB\xBF"[..], SIMPLIFIED.as_bytes()].concat();
        let le_bom = [&b"\xFF\xFE"[..], &encode(UTF_16LE, SIMPLIFIED)].concat();
        let be_bom = [&b"\xFE\xFF"[..], &encode(UTF_16BE, SIMPLIFIED)].concat();
        // "𠀀" (U+20000) needs a four-byte GB18030 sequence.
        let gb18030_text = format!("{SIMPLIFIED}𠀀");
        let (gb18030, _, _) = GB18030.encode(&gb18030_text);
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            ("utf8", SIMPLIFIED.as_bytes().to_vec(), SIMPLIFIED, "UTF-8"),
            ("utf8 bom", utf8_bom, SIMPLIFIED, "UTF-8"),
            ("gbk", encode(GBK, SIMPLIFIED), SIMPLIFIED, "GBK"),
            ("gb18030", gb18030.into_owned(), &gb18030_text, "GB18030"),
            ("big5", encode(BIG5, TRADITIONAL), TRADITIONAL, "Big5"),
            ("gbk trad", encode(GBK, TRADITIONAL), TRADITIONAL, "GBK"),
            ("utf16le bom", le_bom, SIMPLIFIED, "UTF-16LE"),
            ("utf16be bom", be_bom, SIMPLIFIED, "UTF-16BE"),
            (
                "utf16le",
                encode(UTF_16LE, SIMPLIFIED),
                SIMPLIFIED,
                "UTF-16LE",
            ),
            (
                "utf16be",
                encode(UTF_16BE, SIMPLIFIED),
                SIMPLIFIED,
                "UTF-16BE",
            ),
            (
                "utf16le trad",
                encode(UTF_16LE, TRADITIONAL),
                TRADITIONAL,
                "UTF-16LE",
            ),
        ];
        for (name, bytes, want, enc) in cases {
            for html in [false, true] {
                let d = ok(&bytes, html);
                assert_eq!(d.text, want, "{name}");
                assert_eq!(d.encoding, enc, "{name}");
                assert_eq!(d.lossy_count, 0, "{name}");
            }
        }
    }

    #[test]
    fn utf16_without_bom_and_without_zero_bytes() {
        // Pure CJK: no ASCII, hence no zero bytes; the keyword vote has to find it.
        let s = "法治政府建设年度报告依法行政工作全面推进";
        for (enc, name) in [(UTF_16LE, "UTF-16LE"), (UTF_16BE, "UTF-16BE")] {
            let d = ok(&encode(enc, s), false);
            assert_eq!((d.text.as_str(), d.encoding), (s, name));
        }
    }

    #[test]
    fn meta_charset_lies_are_caught() {
        let gbk_page = [
            &b"<html><head><meta charset=\"utf-8\"><title>t</title></head><body><p>"[..],
            &encode(GBK, SIMPLIFIED),
            b"</p></body></html>",
        ]
        .concat();
        let utf8_page = format!(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\
             </head><body><p>{SIMPLIFIED}</p></body></html>"
        );
        let big5_page = [
            &b"<html><head><meta charset=gb2312></head><body><p>"[..],
            &encode(BIG5, TRADITIONAL),
            b"</p></body></html>",
        ]
        .concat();
        let honest_gbk = [&b"<meta charset='GBK'><p>"[..], &encode(GBK, SIMPLIFIED)].concat();
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            ("gbk says utf-8", gbk_page, SIMPLIFIED, "GBK"),
            (
                "utf-8 says gb2312",
                utf8_page.into_bytes(),
                SIMPLIFIED,
                "UTF-8",
            ),
            ("big5 says gb2312", big5_page, TRADITIONAL, "Big5"),
            ("gbk says gbk", honest_gbk, SIMPLIFIED, "GBK"),
        ];
        for (name, bytes, want, enc) in cases {
            let d = ok(&bytes, true);
            assert!(d.text.contains(want), "{name}: {}", d.text);
            assert_eq!(d.encoding, enc, "{name}");
            assert_eq!(d.lossy_count, 0, "{name}");
        }
    }

    #[test]
    fn binary_and_empty_inputs_fail() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00".to_vec();
        let mut nul_laden = Vec::new();
        for i in 0..200u32 {
            nul_laden.extend_from_slice(b"ab\x00\x00\x00");
            nul_laden.extend_from_slice(&i.to_le_bytes());
        }
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            ("png", png, "undecodable", "PNG"),
            ("pdf", b"%PDF-1.7\n%\xE2\xE3".to_vec(), "undecodable", "PDF"),
            ("zip", b"PK\x03\x04\x14\x00".to_vec(), "undecodable", "ZIP"),
            ("random", lcg_bytes(4096, 42), "undecodable", "binary"),
            ("random small", lcg_bytes(100, 7), "undecodable", "binary"),
            ("nul laden", nul_laden, "undecodable", "binary"),
            ("all nul", vec![0; 64], "undecodable", "NUL"),
            ("empty", Vec::new(), "empty", "no bytes"),
            ("spaces", b" \r\n\t \n".to_vec(), "empty", "white space"),
            (
                "utf16 spaces",
                b"\xFF\xFE \x00\n\x00\x00\x30".to_vec(),
                "empty",
                "white space",
            ),
            (
                "utf8 bom only",
                b"\xEF\xBB\xBF".to_vec(),
                "empty",
                "white space",
            ),
        ];
        for (name, bytes, kind, needle) in cases {
            let got = decode(&bytes, None, false);
            let (k, reason) = match &got {
                Err(DecodeFailure::Empty(r)) => ("empty", r.as_str()),
                Err(DecodeFailure::Undecodable(r)) => ("undecodable", r.as_str()),
                Ok(d) => panic!("{name}: decoded as {} {:?}", d.encoding, d.text),
            };
            assert_eq!(k, kind, "{name}: {reason}");
            assert!(reason.contains(needle), "{name}: {reason}");
        }
    }

    #[test]
    fn damaged_text_decodes_lossily() {
        let utf8 = SIMPLIFIED.as_bytes();
        let gbk = encode(GBK, SIMPLIFIED);
        let big5 = encode(BIG5, TRADITIONAL);
        let long = SIMPLIFIED.repeat(5);
        let mut utf8_stray = long.as_bytes().to_vec();
        utf8_stray.insert(30, 0xFF);
        let gbk_long = encode(GBK, &long);
        let mut gbk_stray = gbk_long.clone();
        gbk_stray.insert(40, 0xFF);
        let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
            (
                "utf8 cut",
                utf8[..utf8.len() - 1].to_vec(),
                "UTF-8",
                "法治政府建设",
            ),
            (
                "gbk cut",
                gbk[..gbk.len() - 1].to_vec(),
                "GBK",
                "法治政府建设",
            ),
            (
                "big5 cut",
                big5[..big5.len() - 1].to_vec(),
                "Big5",
                "法治政府建設",
            ),
            (
                "utf16le odd",
                encode(UTF_16LE, SIMPLIFIED)[1..].to_vec(),
                "UTF-16BE",
                "",
            ),
            ("utf8 stray byte", utf8_stray, "UTF-8", "法治政府建设"),
            ("gbk stray byte", gbk_stray, "GBK", "法治政府建设"),
        ];
        for (name, bytes, enc, needle) in cases {
            let d = ok(&bytes, false);
            if name == "utf16le odd" {
                // Shifted by one byte: whatever comes out, it must not panic and not be
                // silently clean.
                assert!(d.lossy_count >= 1 || d.encoding != "UTF-16LE", "{name}");
                continue;
            }
            assert_eq!(d.encoding, enc, "{name}");
            assert!(d.lossy_count >= 1, "{name}");
            assert!(d.text.contains(needle), "{name}: {}", d.text);
        }
    }

    #[test]
    fn utf16_oddities_do_not_panic() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "lone high surrogate",
                b"\xFF\xFEa\x00\x00\xD8b\x00".to_vec(),
            ),
            ("lone low surrogate", b"\xFE\xFF\x00a\xDC\x00\x00b".to_vec()),
            ("odd length", b"\xFF\xFEa\x00b\x00c".to_vec()),
        ];
        for (name, bytes) in cases {
            let d = ok(&bytes, false);
            assert_eq!(d.lossy_count, 1, "{name}: {:?}", d.text);
            assert!(d.text.contains('a'), "{name}");
        }
    }

    #[test]
    fn forced_encoding_skips_detection() {
        let gbk = encode(GBK, SIMPLIFIED);
        let d = match decode(&gbk, Some(BIG5), false) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(d.encoding, "Big5");
        assert_ne!(d.text, SIMPLIFIED);
        let d = match decode(&gbk, encoding_for_label("gb2312"), false) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!((d.text.as_str(), d.encoding), (SIMPLIFIED, "GBK"));
    }

    #[test]
    fn labels_map() {
        let cases: &[(&str, Option<&'static Encoding>)] = &[
            ("gb2312", Some(GBK)),
            (" GBK ", Some(GBK)),
            ("cp936", Some(GBK)),
            ("gb18030", Some(GB18030)),
            ("big5", Some(BIG5)),
            ("UTF-8", Some(UTF_8)),
            ("utf-16be", Some(UTF_16BE)),
            ("hz-gb-2312", None),
            ("klingon", None),
        ];
        for &(label, want) in cases {
            assert_eq!(encoding_for_label(label), want, "{label}");
        }
    }

    #[test]
    fn large_inputs_decode() {
        // A 3 MB single line (no newline), GBK, and the same in UTF-8.
        let line = SIMPLIFIED.repeat(3_000_000 / SIMPLIFIED.len() + 1);
        let gbk = encode(GBK, &line);
        for (bytes, enc) in [(gbk, "GBK"), (line.clone().into_bytes(), "UTF-8")] {
            let t = std::time::Instant::now();
            let d = ok(&bytes, false);
            assert_eq!(d.encoding, enc);
            assert_eq!(d.text.len(), line.len());
            assert!(t.elapsed().as_secs() < 20, "too slow: {:?}", t.elapsed());
        }
    }

    #[test]
    fn trailing_nul_padding_is_ignored() {
        let mut bytes = encode(GBK, SIMPLIFIED);
        bytes.extend(std::iter::repeat_n(0u8, 4096));
        let d = ok(&bytes, false);
        assert_eq!((d.text.as_str(), d.encoding), (SIMPLIFIED, "GBK"));
    }

    #[test]
    fn four_byte_scan() {
        let cases: &[(&[u8], bool)] = &[
            (b"abc", false),
            (b"\xB7\xA8\xD6\xCE", false),
            (b"\x95\x32\x82\x36", true),
            (b"a\x81\x30\x81\x30", true),
            (b"\xB7", false),
        ];
        for &(bytes, want) in cases {
            assert_eq!(has_gb18030_four_byte(bytes), want, "{bytes:?}");
        }
    }
}
