//! The per-document pipeline: one input file in, one [`ReportRecord`] out.
//!
//! read bytes → decode (or unzip a .docx) → HTML to text → normalize → is it a report? →
//! structure → extract mentions → classify → metadata and place → rows. Every stage is a plain
//! function of the one before; the [`Engine`] holds what was compiled once per run (config,
//! gazetteer) and is shared read-only by all threads. A document never fails the run: a bad
//! file, or a panic inside a stage, becomes a row whose `status` and `error` say what happened.

use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use compact_str::CompactString;

use crate::classify::Verdict;
use crate::config::Config;
use crate::extract::Mention;
use crate::input::decode::{self, DecodeFailure};
use crate::input::docx;
use crate::input::html::{self, Links};
use crate::normalize::{canonical_word, NormalizedText};
use crate::record::{IndicatorRecord, MentionRecord, ReportMeta, ReportRecord, SharedStr, Status};
use crate::structure::places::Gazetteer;
use crate::text::TextIndex;
use crate::write::incremental::Stamp;

/// The stages whose time is measured, in pipeline order.
pub const STAGES: [&str; 7] = [
    "read",
    "decode",
    "normalize",
    "structure",
    "extract",
    "classify",
    "metadata",
];

/// Time spent in each of [`STAGES`], summed over documents.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes(pub [Duration; STAGES.len()]);

impl StageTimes {
    pub fn add(&mut self, other: &StageTimes) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// A stopwatch that charges elapsed time to stages.
pub struct Clock {
    times: StageTimes,
    last: Instant,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::new()
    }
}

impl Clock {
    pub fn new() -> Clock {
        Clock {
            times: StageTimes::default(),
            last: Instant::now(),
        }
    }

    pub fn times(&self) -> StageTimes {
        self.times
    }

    fn charge(&mut self, stage: usize) {
        let now = Instant::now();
        self.times.0[stage] += now - self.last;
        self.last = now;
    }
}

/// Everything compiled once per run.
pub struct Engine {
    pub config: Config,
    pub gazetteer: Gazetteer,
}

/// Starts building the tables every run shares (the gazetteer, the Traditional→Simplified
/// tables) on background threads, so that they are ready, or nearly, by the time the config is
/// compiled and the first document needs them. Optional: whatever is not ready is built (once)
/// on first use.
pub fn prepare_shared_tables() {
    std::thread::spawn(crate::structure::places::prepare);
    std::thread::spawn(crate::normalize::prepare);
}

/// What the text-level stages produce for one document, before it becomes rows.
pub struct Analysis {
    pub text: TextIndex,
    pub mentions: Vec<Mention>,
    /// One label per mention.
    pub verdicts: Vec<Label>,
    pub meta: ReportMeta,
    pub refused: Vec<String>,
    pub sections: Vec<Arc<str>>,
    pub sentences: Vec<(usize, usize)>,
}

/// A mention's indicator and category (null where none applies) and the rule that decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub indicator: Option<CompactString>,
    pub category: Option<CompactString>,
    pub rule: CompactString,
}

/// The bytes of the file at `path` and its [`Stamp`]. The stamp comes from the open file (one
/// `statx`, which `std::fs::read` makes anyway for its buffer size), before the bytes are read:
/// it never vouches for content newer than what was read.
fn read_stamped(path: &Path) -> std::io::Result<(Vec<u8>, Option<Stamp>)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(usize::try_from(meta.len()).unwrap_or(0))?;
    file.read_to_end(&mut bytes)?;
    Ok((bytes, Stamp::of_metadata(&meta)))
}

/// A short content hash: the same bytes get the same id on every run and machine.
pub fn report_id(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex()[..16].to_owned()
}

fn is_html_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".htm", ".html", ".shtml", ".xhtml"]
        .iter()
        .any(|e| lower.ends_with(e))
}

fn is_docx_path(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".docx")
}

impl Engine {
    pub fn new(config: Config) -> Engine {
        Engine {
            gazetteer: Gazetteer::new(&config.places),
            config,
        }
    }

    /// Processes one file; never panics, never fails: problems become the row's status.
    /// Also gives the file's [`Stamp`], taken from the open file before its bytes were read
    /// (`None` if it could not be read), so that a full run needs no pass of its own to stamp
    /// the inputs.
    pub fn process(
        &self,
        path: &Path,
        rel_path: &str,
    ) -> (ReportRecord, StageTimes, Option<Stamp>) {
        let mut clock = Clock::new();
        let (bytes, stamp) = match read_stamped(path) {
            Ok(read) => read,
            Err(e) => {
                let record = ReportRecord::failed(
                    report_id(rel_path.as_bytes()),
                    rel_path.to_owned(),
                    0,
                    Status::Error,
                    format!("cannot read the file: {e}"),
                );
                return (record, clock.times, None);
            }
        };
        clock.charge(0);
        let id = report_id(&bytes);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            self.process_bytes(&bytes, rel_path, id.clone(), &mut clock)
        }));
        let record = outcome.unwrap_or_else(|payload| {
            let what = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            ReportRecord::failed(
                id,
                rel_path.to_owned(),
                bytes.len() as i64,
                Status::Error,
                format!("internal error while processing this file (please report it): {what}"),
            )
        });
        (record, clock.times, stamp)
    }

    /// Processes the bytes of one file named `rel_path`.
    pub fn process_bytes(
        &self,
        bytes: &[u8],
        rel_path: &str,
        id: String,
        clock: &mut Clock,
    ) -> ReportRecord {
        self.process_bytes_keeping_text(bytes, rel_path, id, clock, None)
    }

    /// [`Engine::process_bytes`], also copying the normalized text (which the mentions'
    /// `char_start`/`char_end` index) into `normalized_out` once the file is decoded.
    /// For `fazhi explain`; the run passes `None` and pays nothing.
    pub fn process_bytes_keeping_text(
        &self,
        bytes: &[u8],
        rel_path: &str,
        id: String,
        clock: &mut Clock,
        normalized_out: Option<&mut String>,
    ) -> ReportRecord {
        let failed = |status, why: String| {
            ReportRecord::failed(
                id.clone(),
                rel_path.to_owned(),
                bytes.len() as i64,
                status,
                why,
            )
        };
        // decode
        let (raw_text, encoding, lossy) = if is_docx_path(rel_path) {
            match docx::docx_text(bytes) {
                Ok(t) => (t, "docx", 0),
                Err(why) => return failed(Status::Undecodable, why),
            }
        } else {
            let forced = self.config.input.forced_encoding(rel_path);
            match decode::decode(bytes, forced, is_html_path(rel_path)) {
                Ok(d) => (d.text, d.encoding, d.lossy_count),
                Err(DecodeFailure::Empty(why)) => return failed(Status::Empty, why),
                Err(DecodeFailure::Undecodable(why)) => return failed(Status::Undecodable, why),
            }
        };
        // A text file is a page with its text as the article and nothing around it.
        let is_page = is_html_path(rel_path) || html::looks_like_html(&raw_text);
        let page = if is_page {
            self.config.html.extract(&raw_text)
        } else {
            html::HtmlText {
                body: raw_text,
                ..html::HtmlText::default()
            }
        };
        let links = is_page.then_some(&page.links);
        clock.charge(1);

        // normalize
        let mut normalized = self.normalize_body(&page.body);
        if !page.headings.is_empty() {
            let headings = page.headings.join("\n");
            normalized.page_title = Some(self.config.normalizer.normalize(&headings).body);
        }
        normalized.page_published = page.published;
        if !page.chrome.is_empty() {
            let chrome = self.config.normalizer.normalize(&page.chrome);
            normalized
                .chrome
                .extend(chrome.body.lines().map(str::to_owned));
            normalized.chrome.extend(chrome.chrome);
        }
        clock.charge(2);
        if let Some(out) = normalized_out {
            out.clone_from(&normalized.body);
        }
        if let Some(why) = self.not_a_report(&normalized, links) {
            let status = if normalized.body.trim().is_empty() {
                Status::Empty
            } else {
                Status::NotAReport
            };
            let mut r = failed(status, why);
            r.encoding = Some(encoding.to_owned());
            r.lossy_count = lossy as i64;
            r.chars = normalized.body.chars().count() as i64;
            return r;
        }

        let analysis = self.analyze(normalized, clock);
        let mut record = rows(id, rel_path, analysis);
        record.encoding = Some(encoding.to_owned());
        record.lossy_count = lossy as i64;
        record.bytes = bytes.len() as i64;
        record
    }

    /// Runs normalize and the text stages on a decoded text and returns its rows (status `ok`,
    /// whatever the text). For tests, `fazhi explain` and anyone embedding fazhi.
    pub fn analyze_text(&self, text: &str, rel_path: &str) -> ReportRecord {
        let mut clock = Clock::new();
        let normalized = self.normalize_body(text);
        let mut record = rows(
            report_id(text.as_bytes()),
            rel_path,
            self.analyze(normalized, &mut clock),
        );
        record.bytes = text.len() as i64;
        record.encoding = Some("UTF-8".to_owned());
        record
    }

    /// The canonical text of a decoded body, its hard-wrapped lines joined back.
    fn normalize_body(&self, text: &str) -> NormalizedText {
        let mut normalized = self.config.normalizer.normalize(text);
        normalized.body = self.config.structure.reflow(normalized.body);
        normalized
    }

    /// Why the text is not a report, if it is not. `links`: how much of a web page's article
    /// is links.
    fn not_a_report(&self, text: &NormalizedText, links: Option<&Links>) -> Option<String> {
        let rules = &self.config.report;
        let han = text
            .body
            .chars()
            .filter(|&c| crate::text::is_han(c))
            .take(rules.min_han_chars) // enough to decide; exact below it
            .count();
        if han < rules.min_han_chars {
            return Some(format!(
                "only {han} Chinese characters of text (a report has at least {})",
                rules.min_han_chars
            ));
        }
        if !rules
            .keywords
            .iter()
            .any(|k| text.body.contains(k.as_str()))
        {
            return Some(format!(
                "none of the words of a rule-of-law report ({}) appears in the text",
                rules.keywords.join("、")
            ));
        }
        if let (Some(links), Some(max)) = (links, rules.max_link_share) {
            if links.share() > max {
                return Some(format!(
                    "{:.0}% of the page's text is links: a list of pages, not a report",
                    100.0 * links.share()
                ));
            }
        }
        if let (Some(links), Some(listing)) = (links, &rules.listing) {
            // A channel page lists reports with a summary under each: little of its text is
            // links, but each link is a report's title, and no text between them is long. (A
            // report whose page lists other reports beside it has its body between them.)
            if links.longest_run <= listing.max_summary_chars {
                let titles = (links.texts.iter())
                    .filter(|t| self.config.metadata.reads_as_title(&canonical_word(t)))
                    .count();
                if titles > listing.max_report_links {
                    return Some(format!(
                        "the page links to {titles} report titles, with no more than {} Chinese \
                         characters of text between two links: a list of reports, not a report",
                        links.longest_run
                    ));
                }
            }
        }
        None
    }

    /// The text stages: structure, extract, classify, metadata.
    pub fn analyze(&self, mut normalized: NormalizedText, clock: &mut Clock) -> Analysis {
        let c = &self.config;
        // Metadata reads the lines before the body moves into the index; charged to its stage.
        let meta_text = c.metadata.read(&normalized);
        let page_heading = normalized.page_title.take();
        clock.charge(6);
        let text = TextIndex::new(normalized.body);
        let (place, names_with_numerals) = self.gazetteer.locate_and_mark(
            meta_text.title.as_deref(),
            text.as_str(),
            page_heading.as_deref(),
        );
        clock.charge(6);
        let layout = c.structure.layout_text(text.as_str(), &text.chars);
        clock.charge(3);
        // The numeral of a division name is no quantity: 三台县 is not 3 台, 五家渠市 not 5 家.
        let names: Vec<Range<usize>> = names_with_numerals
            .iter()
            .map(|r| text.char_at(r.start)..text.char_at(r.end))
            .collect();
        let extraction = c.lexicon.extract(&text, &names);
        clock.charge(4);
        let verdicts = c
            .catalogue
            .classify(&text, &layout, &c.structure, &extraction.mentions)
            .into_iter()
            .map(|v: Verdict| {
                let ind = v.indicator.map(|i| &c.catalogue.indicators[i]);
                Label {
                    indicator: ind.map(|i| i.id.as_str().into()),
                    category: ind.map(|i| i.category.as_str().into()),
                    rule: v.rule,
                }
            })
            .collect();
        clock.charge(5);
        let meta = ReportMeta {
            title: meta_text.title,
            province: place.province,
            city: place.city,
            county: place.county,
            township: place.township,
            admin_code: place.admin_code,
            year: meta_text.year,
            published: meta_text.published,
            source_url: None,
        };
        let no_section: Arc<str> = Arc::from("");
        let sections = extraction
            .mentions
            .iter()
            .map(|m| {
                Arc::clone(
                    layout
                        .shared_section_at(m.number_start)
                        .unwrap_or(&no_section),
                )
            })
            .collect();
        let sentences = extraction
            .mentions
            .iter()
            .map(|m| {
                layout
                    .sentence_at(m.number_start)
                    .map_or((m.start, m.end), |s| (s.start, s.end))
            })
            .collect();
        clock.charge(6);
        Analysis {
            refused: extraction
                .refused
                .iter()
                .map(|r| format!("{} (at character {})", r.reason, r.at))
                .collect(),
            text,
            mentions: extraction.mentions,
            verdicts,
            meta,
            sections,
            sentences,
        }
    }
}

/// Turns an analysis into the report's rows.
fn rows(id: String, rel_path: &str, a: Analysis) -> ReportRecord {
    let text = &a.text;
    // Mentions of one sentence follow each other. The report's sentences go into one buffer,
    // and each mention keeps its piece of it.
    // The sentences are disjoint pieces of the text, so it bounds the buffer: one allocation.
    let mut buf = String::with_capacity(text.as_str().len());
    let mut pieces: Vec<Range<usize>> = Vec::with_capacity(a.sentences.len());
    let mut piece = 0..0;
    for (k, &(start, end)) in a.sentences.iter().enumerate() {
        if k == 0 || a.sentences[k - 1] != (start, end) {
            let at = buf.len();
            buf.push_str(text.str_slice(start, end));
            piece = at..buf.len();
        }
        pieces.push(piece.clone());
    }
    let buf: Arc<str> = buf.into();
    let mentions: Vec<MentionRecord> = a
        .mentions
        .into_iter()
        .zip(a.verdicts)
        .zip(a.sections)
        .zip(pieces)
        .enumerate()
        .map(|(k, (((m, v), section), piece))| MentionRecord {
            mention_id: k as i32,
            raw: text.str_slice(m.start, m.end).into(),
            value: m.value,
            unit: m.unit,
            qualifier: m.qualifier,
            indicator: v.indicator,
            category: v.category,
            section,
            sentence: SharedStr::new(Arc::clone(&buf), piece),
            char_start: m.start as i32,
            char_end: m.end as i32,
            rule: v.rule,
        })
        .collect();
    let indicators = indicator_rows(&mentions);
    let error = (!a.refused.is_empty()).then(|| {
        format!(
            "refused {} absurd number(s): {}",
            a.refused.len(),
            a.refused.join("; ")
        )
    });
    ReportRecord {
        report_id: id,
        source_path: rel_path.to_owned(),
        status: Status::Ok,
        error,
        encoding: None,
        lossy_count: 0,
        bytes: 0,
        chars: a.text.chars.len() as i64,
        furniture_chars: 0,
        warnings: Vec::new(),
        meta: a.meta,
        mentions,
        indicators,
    }
}

/// One row per indicator: the first mention's value, how many mentions, whether they disagree.
pub fn indicator_rows(mentions: &[MentionRecord]) -> Vec<IndicatorRecord> {
    let mut out: Vec<IndicatorRecord> = Vec::new();
    for m in mentions {
        let (Some(ind), Some(cat)) = (&m.indicator, &m.category) else {
            continue;
        };
        match out.iter_mut().find(|r| r.indicator == *ind) {
            Some(r) => {
                r.n_mentions += 1;
                r.conflict |= r.value != m.value;
            }
            None => out.push(IndicatorRecord {
                indicator: ind.clone(),
                category: cat.clone(),
                value: m.value,
                unit: m.unit.clone(),
                qualifier: m.qualifier,
                n_mentions: 1,
                conflict: false,
            }),
        }
    }
    out
}
