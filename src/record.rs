//! What a finished document becomes: one [`ReportRecord`] per input file, carrying its
//! [`MentionRecord`]s and [`IndicatorRecord`]s. These plain structs are the only thing the
//! writer sees; counts such as `n_mentions` are derived from the vectors when rows are written.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::Arc;

use compact_str::CompactString;

/// Why a file did or did not yield statistics. Written to `reports.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Decoded, normalized and extracted (it may still have zero mentions).
    Ok,
    /// No bytes, or only white space.
    Empty,
    /// The bytes are not text in any encoding fazhi knows (binary junk, images...).
    Undecodable,
    /// Text, but not a report on rule-of-law government (too short, no report vocabulary).
    NotAReport,
    /// The same bytes as an earlier file in this run; its rows are under that file.
    Duplicate,
    /// Something went wrong while processing (I/O error, a panic in a stage, an absurd number).
    Error,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Ok,
        Status::Empty,
        Status::Undecodable,
        Status::NotAReport,
        Status::Duplicate,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Empty => "empty",
            Status::Undecodable => "undecodable",
            Status::NotAReport => "not_a_report",
            Status::Duplicate => "duplicate",
            Status::Error => "error",
        }
    }

    /// Whether this outcome makes the run's exit code say "some inputs failed".
    pub fn is_failure(self) -> bool {
        !matches!(self, Status::Ok | Status::Duplicate)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a number relates to the true quantity (EXTRACTION.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Qualifier {
    #[default]
    Exact,
    MoreThan,
    AtLeast,
    Approx,
    LessThan,
}

impl Qualifier {
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::Exact => "exact",
            Qualifier::MoreThan => "more_than",
            Qualifier::AtLeast => "at_least",
            Qualifier::Approx => "approx",
            Qualifier::LessThan => "less_than",
        }
    }

    pub fn parse(s: &str) -> Option<Qualifier> {
        Some(match s {
            "exact" => Qualifier::Exact,
            "more_than" => Qualifier::MoreThan,
            "at_least" => Qualifier::AtLeast,
            "approx" => Qualifier::Approx,
            "less_than" => Qualifier::LessThan,
            _ => return None,
        })
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A calendar date (proleptic Gregorian), as reports write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// A date if the three parts name a real day.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Days since 1970-01-01, the Arrow `date32` representation.
    pub fn days_since_epoch(self) -> i32 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) as i32
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Where and when a report is from (EXTRACTION.md §4). Every field is null where the text
/// does not decide it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportMeta {
    pub title: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub township: Option<String>,
    /// Statistical division code of the township, or of the county for a county-level report.
    pub admin_code: Option<String>,
    pub year: Option<i16>,
    pub published: Option<Date>,
    /// The address of the page the report was taken from, where a crawler's header or the page
    /// gives it (`原文链接:`, `URL:`).
    pub source_url: Option<String>,
}

/// One input file and everything extracted from it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRecord {
    pub report_id: String,
    /// Path relative to the input folder, `/`-separated.
    pub source_path: String,
    pub status: Status,
    pub error: Option<String>,
    /// Encoding the bytes were decoded with (`UTF-8`, `GBK`, `Big5`, `UTF-16LE`, `docx`...).
    pub encoding: Option<String>,
    /// Bytes or sequences that could not be decoded and were replaced (0 when clean).
    pub lossy_count: i64,
    pub bytes: i64,
    /// Characters of normalized text.
    pub chars: i64,
    /// Characters of the decoded text removed as page furniture (breadcrumbs, share buttons,
    /// page fields, pagers) before extraction.
    pub furniture_chars: i64,
    /// What a person should look at although the file was read (`status` stays `ok`): most of
    /// its text removed as furniture, a long text that yields no mention. Empty when none.
    pub warnings: Vec<String>,
    pub meta: ReportMeta,
    pub mentions: Vec<MentionRecord>,
    pub indicators: Vec<IndicatorRecord>,
}

impl ReportRecord {
    /// A row for a file that yielded nothing, with the reason a person can read.
    pub fn failed(
        report_id: String,
        source_path: String,
        bytes: i64,
        status: Status,
        error: String,
    ) -> ReportRecord {
        ReportRecord {
            report_id,
            source_path,
            status,
            error: Some(error),
            encoding: None,
            lossy_count: 0,
            bytes,
            chars: 0,
            furniture_chars: 0,
            warnings: Vec::new(),
            meta: ReportMeta::default(),
            mentions: Vec::new(),
            indicators: Vec::new(),
        }
    }
}

/// One quantity stated in a report (EXTRACTION.md §1-3).
///
/// A report has dozens of mentions, and each used to cost seven heap strings, allocated in a
/// worker and freed by the writer. The short ones (a unit, an indicator id, the raw text, a rule)
/// are [`CompactString`]s, kept inline up to 24 bytes; the section is shared by the mentions
/// under the same heading, and the sentences of a report are pieces of one [`SharedStr`] buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct MentionRecord {
    /// Order within the report, from 0.
    pub mention_id: i32,
    /// The surface text, hedges included: `不少于40课时`.
    pub raw: CompactString,
    /// The value in the canonical unit (万/亿 folded in).
    pub value: f64,
    pub unit: CompactString,
    pub qualifier: Qualifier,
    pub indicator: Option<CompactString>,
    pub category: Option<CompactString>,
    /// Heading path the mention stands under, ` > `-joined; empty before the first heading.
    pub section: Arc<str>,
    pub sentence: SharedStr,
    /// Offsets of `raw` in the normalized text, in characters.
    pub char_start: i32,
    pub char_end: i32,
    /// Which rule produced the indicator (or why none), for `fazhi explain`.
    pub rule: CompactString,
}

/// A piece of a string that several records share. The sentences of a report's mentions are
/// pieces of one buffer: the report costs one allocation for them, and the writer one free,
/// where a string per sentence cost one of each per sentence (most of the time spent dropping a
/// written report).
#[derive(Clone)]
pub struct SharedStr {
    buf: Arc<str>,
    start: u32,
    end: u32,
}

impl SharedStr {
    /// `buf[range]`. Panics if `range` is not a char-boundary range of `buf` within `u32`.
    pub fn new(buf: Arc<str>, range: Range<usize>) -> SharedStr {
        assert!(
            buf.get(range.clone()).is_some(),
            "not a piece of the buffer"
        );
        let piece = |i: usize| u32::try_from(i).expect("a buffer of less than 4 GB");
        SharedStr {
            start: piece(range.start),
            end: piece(range.end),
            buf,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.buf[self.start as usize..self.end as usize]
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr::from(s.to_owned())
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        let len = s.len();
        SharedStr::new(s.into(), 0..len)
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The first mention of an indicator in a report, with how many mentions carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRecord {
    pub indicator: CompactString,
    pub category: CompactString,
    pub value: f64,
    pub unit: CompactString,
    pub qualifier: Qualifier,
    pub n_mentions: i32,
    /// True when the mentions of this indicator disagree on the value.
    pub conflict: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_the_epoch() {
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().days_since_epoch(), 11_017);
        assert_eq!(Date::new(2024, 12, 4).unwrap().days_since_epoch(), 20_061);
        assert_eq!(Date::new(1969, 12, 31).unwrap().days_since_epoch(), -1);
    }

    #[test]
    fn shared_strings_are_their_piece_of_the_buffer() {
        let buf: Arc<str> = "全年化解纠纷131件。持证率100%。".into();
        let second = "全年化解纠纷131件。".len()..buf.len();
        let piece = SharedStr::new(Arc::clone(&buf), second);
        assert_eq!(&*piece, "持证率100%。");
        assert_eq!(piece, SharedStr::from("持证率100%。"));
        assert_ne!(piece, SharedStr::new(buf, 0..3));
        assert_eq!(format!("{piece:?}"), "\"持证率100%。\"");
    }

    #[test]
    #[should_panic(expected = "not a piece of the buffer")]
    fn a_piece_must_cut_at_character_boundaries() {
        SharedStr::new("纠纷".into(), 0..1);
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2024, 13, 1).is_none());
        assert!(Date::new(2024, 4, 31).is_none());
        assert!(Date::new(2024, 4, 0).is_none());
    }
}
