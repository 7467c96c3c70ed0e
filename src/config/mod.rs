//! Config: the text of `pipeline.toml` in, a compiled [`Config`] out.
//!
//! Two steps, as vector and ruff do it. The wire types mirror the file exactly
//! (`deny_unknown_fields`, spans kept on every value that is checked later); compiling validates
//! them and builds everything expensive once per run: regexes, word dictionaries, the
//! normalizer, the HTML extractor, the catalogue. Every problem found is reported together, each
//! as `file:line:column: key: message`. The stages only ever see the compiled form.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::Path;

use encoding_rs::Encoding;
use globset::{Glob, GlobMatcher};
use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::classify::{Audience, Catalogue, ClassifyWords, Indicator};
use crate::extract::{index_by_first_char, EndWords, Lexicon, Unit};
use crate::input::decode::encoding_for_label;
use crate::input::html::HtmlExtractor;
use crate::normalize::{canonical_word, Normalizer};
use crate::record::Qualifier;
use crate::structure::metadata::MetadataRules;
use crate::structure::places::PlaceWords;
use crate::structure::{CountWords, StructureRules};
use crate::text::gate::GatedRegex;

/// The repository's `pipeline.toml`, compiled into the binary.
pub const BUILTIN: &str = include_str!("../../pipeline.toml");
pub const BUILTIN_NAME: &str = "pipeline.toml (built in)";

/// The most Chinese characters a hedge of `[hedges] reach_over_verb` may reach over: a phrase
/// longer than this is a clause of its own, which the hedge does not govern.
const MAX_REACH_OVER_VERB: usize = 12;

type S = Spanned<String>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    input: WireInput,
    html: WireHtml,
    normalize: WireNormalize,
    numbers: WireNumbers,
    hedges: WireHedges,
    exclude: WireExclude,
    classify: WireClassify,
    report: WireReport,
    structure: WireStructure,
    metadata: WireMetadata,
    places: WirePlaces,
    #[serde(rename = "indicator", default)]
    indicators: Vec<WireIndicator>,
    #[serde(default)]
    output: WireOutput,
}

/// `[output]`: how the tables are laid out (optional; default one file per table).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireOutput {
    #[serde(default)]
    partition_by: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireInput {
    include: Vec<S>,
    #[serde(default)]
    exclude: Vec<S>,
    #[serde(default)]
    encoding: Vec<WireEncoding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEncoding {
    glob: S,
    label: S,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHtml {
    content_selectors: Vec<S>,
    #[serde(default)]
    drop_selectors: Vec<S>,
    #[serde(default)]
    published_meta: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireNormalize {
    #[serde(default)]
    debris_lines: Vec<S>,
    #[serde(default)]
    debris_spans: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireNumbers {
    measure_words: Vec<S>,
    #[serde(default)]
    unit_aliases: BTreeMap<String, S>,
    #[serde(default)]
    unit_scales: BTreeMap<String, Spanned<f64>>,
    multipliers: BTreeMap<String, Spanned<f64>>,
    #[serde(default)]
    nouns_after_ge: Vec<S>,
    #[serde(default)]
    not_units: Vec<S>,
    #[serde(default)]
    lone_one_units: Vec<S>,
    max_value: Spanned<f64>,
    max_digits: Spanned<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHedges {
    before: BTreeMap<String, S>,
    #[serde(default)]
    before_round: BTreeMap<String, S>,
    inside: BTreeMap<String, S>,
    after: BTreeMap<String, S>,
    #[serde(default)]
    reach_over_de: Vec<S>,
    #[serde(default)]
    reach_over_verb: BTreeMap<String, Spanned<usize>>,
    #[serde(default)]
    not_hedges: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireExclude {
    #[serde(default)]
    fixed_terms: Vec<S>,
    #[serde(default)]
    numeral_words: Vec<S>,
    #[serde(default)]
    rhetorical_heads: Vec<S>,
    #[serde(default)]
    patterns: Vec<S>,
    #[serde(default)]
    title_marks: Vec<Spanned<Vec<String>>>,
    #[serde(default)]
    quote_marks: Vec<Spanned<Vec<String>>>,
    max_quote_chars: usize,
    #[serde(default)]
    ordinal_prefixes: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireClassify {
    #[serde(default)]
    totals: Vec<S>,
    #[serde(default)]
    part_markers: Vec<S>,
    #[serde(default)]
    noun_after_units: Vec<S>,
    #[serde(default)]
    topic_endings: Vec<S>,
    #[serde(default)]
    list_separators: Vec<S>,
    #[serde(default)]
    change_links: Vec<S>,
    #[serde(default)]
    audiences: BTreeMap<String, Vec<S>>,
    #[serde(default)]
    attendance: Vec<S>,
    #[serde(default)]
    honours: Vec<S>,
    #[serde(default)]
    counts_as: BTreeMap<String, S>,
    #[serde(default)]
    joiners: Vec<S>,
    #[serde(default)]
    count_verbs: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireReport {
    min_han_chars: usize,
    keywords: Vec<S>,
    #[serde(default)]
    max_link_share: Option<Spanned<f64>>,
    #[serde(default)]
    listing: Option<ListingRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireStructure {
    headings: Vec<S>,
    sentence_ends: Vec<S>,
    clause_ends: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireMetadata {
    published_labels: Vec<S>,
    title_words: Vec<S>,
    title_topics: Vec<S>,
    issuer_suffixes: Vec<S>,
    #[serde(default)]
    title_openers: Vec<S>,
    #[serde(default)]
    title_endings: Vec<S>,
    #[serde(default)]
    intro_words: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePlaces {
    township_self_references: std::collections::BTreeMap<String, Spanned<u32>>,
    county_self_references: std::collections::BTreeMap<String, Spanned<u32>>,
    not_self_references: Vec<S>,
    issuer_line_endings: Vec<S>,
    short_name_prefixes: Vec<S>,
    #[serde(default)]
    other_place_before: Vec<S>,
    #[serde(default)]
    other_place_after: Vec<S>,
    #[serde(default)]
    name_list_glue: Vec<S>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIndicator {
    id: S,
    name: S,
    category: S,
    units: Vec<S>,
    signals: Vec<S>,
    #[serde(default)]
    weak: Vec<S>,
    #[serde(default)]
    exclude: Vec<S>,
    #[serde(default)]
    context: Vec<S>,
    #[serde(default)]
    signals_when: Vec<S>,
    #[serde(default)]
    when: Vec<S>,
    #[serde(default)]
    audience: Option<S>,
    #[serde(default)]
    attendees_of: Vec<S>,
}

/// One thing wrong with a config file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

/// A config file that cannot be used, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{} has {n} problem{}:",
            self.file,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(
                f,
                "  {}:{}:{}: {}: {}",
                self.file, p.line, p.column, p.key, p.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Collects problems while compiling, with their spans.
struct Problems<'a> {
    source: &'a str,
    found: Vec<Problem>,
}

impl Problems<'_> {
    fn add(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        let (line, column) = line_col(self.source, span.start);
        self.found.push(Problem {
            line,
            column,
            key: key.into(),
            message: message.into(),
        });
    }
}

/// 1-based line and column (in characters) of byte offset `at`.
fn line_col(source: &str, at: usize) -> (usize, usize) {
    let at = at.min(source.len());
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// `text` with the key-value entry starting on the line of byte `at` replaced by spaces, up to
/// the next line that starts another key, a table or a comment (line breaks kept, so positions
/// of later problems do not move).
fn blank_entry(text: &str, at: usize) -> String {
    let start = text[..at.min(text.len())].rfind('\n').map_or(0, |k| k + 1);
    let mut end = text[start..]
        .find('\n')
        .map_or(text.len(), |k| start + k + 1);
    while end < text.len() {
        let line = &text[end..];
        let first = line.trim_start_matches([' ', '\t']).chars().next();
        if first.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '[' | '#' | '_')) {
            break;
        }
        end = line.find('\n').map_or(text.len(), |k| end + k + 1);
    }
    let blank: String = text[start..end]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect();
    format!("{}{}{}", &text[..start], blank, &text[end..])
}

/// Rules for choosing and reading input files.
pub struct InputRules {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Encodings forced for files whose path matches a glob.
    pub encodings: Vec<(GlobMatcher, &'static Encoding)>,
}

impl InputRules {
    pub fn forced_encoding(&self, rel_path: &str) -> Option<&'static Encoding> {
        self.encodings
            .iter()
            .find(|(g, _)| g.is_match(rel_path))
            .map(|(_, e)| *e)
    }
}

/// What makes a text a report (`[report]`).
pub struct ReportRules {
    pub min_han_chars: usize,
    pub keywords: Vec<String>,
    /// A web page whose article has more of its Han characters inside links is a listing.
    pub max_link_share: Option<f64>,
    /// When a web page that links to report titles is a listing of them.
    pub listing: Option<ListingRules>,
}

/// `[report.listing]`: a web page that links to more than `max_report_links` report titles,
/// with no more than `max_summary_chars` Han characters of text between two links, is a
/// channel listing reports, not a report.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingRules {
    pub max_report_links: usize,
    pub max_summary_chars: usize,
}

/// `[output]`: hive partitioning of the tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputRules {
    /// Columns the tables are partitioned by (`year=2024/province=广东省/`), in folder order.
    pub partition_by: Vec<crate::write::output::PartitionColumn>,
}

/// Everything a run needs, compiled once.
pub struct Config {
    /// Where it came from (a path, or the built-in name).
    pub source: String,
    /// blake3 of the file's bytes: a change recomputes everything in incremental runs.
    pub hash: String,
    pub input: InputRules,
    pub html: HtmlExtractor,
    pub normalizer: Normalizer,
    pub lexicon: Lexicon,
    pub report: ReportRules,
    pub structure: StructureRules,
    pub metadata: MetadataRules,
    pub places: PlaceWords,
    pub catalogue: Catalogue,
    pub output: OutputRules,
}

/// Why a config could not be loaded at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(ConfigError),
}

impl Config {
    /// The built-in `pipeline.toml`.
    pub fn builtin() -> Result<Config, ConfigError> {
        Config::parse(BUILTIN, BUILTIN_NAME)
    }

    /// `path`, or the built-in config when `None`.
    pub fn load(path: Option<&Path>) -> Result<Config, LoadError> {
        match path {
            None => Config::builtin().map_err(LoadError::Invalid),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| LoadError::Read {
                    path: p.display().to_string(),
                    source,
                })?;
                Config::parse(&text, &p.display().to_string()).map_err(LoadError::Invalid)
            }
        }
    }

    /// Parses and compiles a config; `name` is used in error messages.
    pub fn parse(source: &str, name: &str) -> Result<Config, ConfigError> {
        // An unknown key is reported and blanked out (positions kept), so that the rest of the
        // file is still checked and every problem is reported at once.
        let mut text = source.to_owned();
        let mut unknown = Vec::new();
        let wire: Wire = loop {
            match toml::from_str(&text) {
                Ok(w) => break w,
                Err(e) => {
                    let (line, column) = e.span().map_or((1, 1), |s| line_col(source, s.start));
                    unknown.push(Problem {
                        line,
                        column,
                        key: "toml".into(),
                        message: e.message().trim().to_owned(),
                    });
                    let blanked = e
                        .span()
                        .filter(|_| e.message().contains("unknown field") && unknown.len() < 64)
                        .map(|s| blank_entry(&text, s.start));
                    match blanked {
                        Some(t) if t != text => text = t,
                        _ => {
                            return Err(ConfigError {
                                file: name.to_owned(),
                                problems: unknown,
                            })
                        }
                    }
                }
            }
        };
        let mut problems = Problems {
            source,
            found: unknown,
        };
        let compiled = compile(wire, &mut problems);
        match compiled {
            Some(mut config) if problems.found.is_empty() => {
                config.source = name.to_owned();
                config.hash = blake3::hash(source.as_bytes()).to_hex().to_string();
                Ok(config)
            }
            _ => Err(ConfigError {
                file: name.to_owned(),
                problems: problems.found,
            }),
        }
    }
}

fn words(list: &[S]) -> Vec<String> {
    list.iter().map(|w| canonical_word(w.get_ref())).collect()
}

fn chars_longest_first(list: &[String]) -> Vec<Vec<char>> {
    let mut v: Vec<Vec<char>> = list.iter().map(|w| w.chars().collect()).collect();
    v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    v.dedup();
    v
}

fn check_words(list: &[S], key: &str, p: &mut Problems) {
    for w in list {
        if w.get_ref().trim().is_empty() {
            p.add(w.span(), key, "empty word");
        }
    }
}

/// Words matched by a [`crate::text::dict::Dictionary`]: not empty ([`check_words`]), and of at most
/// [`crate::text::dict::MAX_WORD_CHARS`] characters.
fn check_dictionary_words(list: &[S], key: &str, p: &mut Problems) {
    check_words(list, key, p);
    for w in list {
        let n = canonical_word(w.get_ref()).chars().count();
        if n > crate::text::dict::MAX_WORD_CHARS {
            p.add(
                w.span(),
                key,
                format!(
                    "a word of {n} characters; at most {} are matched",
                    crate::text::dict::MAX_WORD_CHARS
                ),
            );
        }
    }
}

fn regexes(list: &[S], key: &str, p: &mut Problems) -> Vec<String> {
    let mut ok = Vec::new();
    for r in list {
        match Regex::new(r.get_ref()) {
            Ok(_) => ok.push(r.get_ref().clone()),
            Err(e) => p.add(
                r.span(),
                key,
                format!("invalid regex {:?}: {e}", r.get_ref()),
            ),
        }
    }
    ok
}

fn qualifier(s: &S, key: &str, p: &mut Problems) -> Option<Qualifier> {
    let q = Qualifier::parse(s.get_ref());
    if q.is_none() {
        p.add(
            s.span(),
            key,
            format!(
                "unknown qualifier {:?}: use exact, more_than, at_least, approx or less_than",
                s.get_ref()
            ),
        );
    }
    q
}

/// The words as a [`crate::text::dict::Dictionary`] (empty and over-long words are refused by
/// [`check_dictionary_words`] beforehand).
fn dictionary(words: &[String]) -> Option<crate::text::dict::Dictionary> {
    (!words.is_empty())
        .then(|| crate::text::dict::Dictionary::new(words).ok())
        .flatten()
}

fn marks(list: &[Spanned<Vec<String>>], key: &str, p: &mut Problems) -> Vec<(char, char)> {
    let mut out = Vec::new();
    for pair in list {
        let chars: Vec<char> = pair
            .get_ref()
            .iter()
            .filter_map(|s| {
                let mut it = s.chars();
                it.next().filter(|_| it.next().is_none())
            })
            .collect();
        match chars.as_slice() {
            [open, close] if pair.get_ref().len() == 2 => out.push((*open, *close)),
            _ => p.add(
                pair.span(),
                key,
                "each entry must be a pair of single characters, like [\"《\", \"》\"]",
            ),
        }
    }
    out
}

fn single_chars(list: &[S], key: &str, p: &mut Problems) -> Vec<char> {
    let mut out = Vec::new();
    for s in list {
        let mut it = s.get_ref().chars();
        match (it.next(), it.next()) {
            (Some(c), None) => out.push(c),
            _ => p.add(
                s.span(),
                key,
                format!("{:?} must be a single character", s.get_ref()),
            ),
        }
    }
    out
}

fn compile(w: Wire, p: &mut Problems) -> Option<Config> {
    // [input]
    let include: Vec<String> = w
        .input
        .include
        .iter()
        .map(|g| g.get_ref().clone())
        .collect();
    let exclude: Vec<String> = w
        .input
        .exclude
        .iter()
        .map(|g| g.get_ref().clone())
        .collect();
    for g in w.input.include.iter().chain(&w.input.exclude) {
        if let Err(e) = Glob::new(g.get_ref()) {
            p.add(
                g.span(),
                "input",
                format!("invalid glob {:?}: {e}", g.get_ref()),
            );
        }
    }
    if include.is_empty() {
        p.add(0..0, "input.include", "no glob: no file would be read");
    }
    let mut encodings = Vec::new();
    for e in &w.input.encoding {
        let glob = Glob::new(e.glob.get_ref()).map(|g| g.compile_matcher());
        let enc = encoding_for_label(e.label.get_ref());
        match (glob, enc) {
            (Ok(g), Some(enc)) => encodings.push((g, enc)),
            (Err(err), _) => p.add(
                e.glob.span(),
                "input.encoding.glob",
                format!("invalid glob: {err}"),
            ),
            (_, None) => p.add(
                e.label.span(),
                "input.encoding.label",
                format!(
                    "{:?} is not an encoding label (try gbk, gb18030, big5, utf-8, utf-16le)",
                    e.label.get_ref()
                ),
            ),
        }
    }

    // [html]
    let content: Vec<String> = w
        .html
        .content_selectors
        .iter()
        .map(|s| s.get_ref().clone())
        .collect();
    let drop: Vec<String> = w
        .html
        .drop_selectors
        .iter()
        .map(|s| s.get_ref().clone())
        .collect();
    let published_meta: Vec<String> = (w.html.published_meta.iter())
        .map(|s| s.get_ref().clone())
        .collect();
    let html =
        HtmlExtractor::new(&content, &drop).and_then(|h| h.with_published_meta(&published_meta));
    let html = match html {
        Ok(h) => Some(h),
        Err(e) => {
            let span = w
                .html
                .content_selectors
                .iter()
                .chain(&w.html.drop_selectors)
                .chain(&w.html.published_meta)
                .find(|s| e.contains(&format!("{:?}", s.get_ref())))
                .map_or(0..0, |s| s.span());
            p.add(span, "html", e);
            None
        }
    };

    // [normalize]
    let debris_lines = regexes(&w.normalize.debris_lines, "normalize.debris_lines", p);
    let debris_spans = regexes(&w.normalize.debris_spans, "normalize.debris_spans", p);
    let normalizer = Normalizer::new(
        &debris_lines,
        (!debris_spans.is_empty())
            .then(|| Regex::new(&format!("(?:{})", debris_spans.join(")|(?:"))).ok())
            .flatten(),
    );

    // [numbers]
    let n = &w.numbers;
    check_words(&n.measure_words, "numbers.measure_words", p);
    let aliases: BTreeMap<String, String> = n
        .unit_aliases
        .iter()
        .map(|(k, v)| (canonical_word(k), canonical_word(v.get_ref())))
        .collect();
    let mut units: Vec<(Vec<char>, Option<Unit>)> = words(&n.measure_words)
        .into_iter()
        .chain(aliases.keys().cloned())
        .map(|w| {
            let name = aliases.get(&w).unwrap_or(&w).as_str().into();
            (w.chars().collect(), Some(Unit { name, scale: 1.0 }))
        })
        .collect();
    // The words that start with a measure word but are none go into the same table, with no
    // unit: the longest word at a position decides, at no extra cost.
    check_words(&n.not_units, "numbers.not_units", p);
    for w in &n.not_units {
        let word = canonical_word(w.get_ref());
        if units
            .iter()
            .any(|(u, _)| u.iter().copied().eq(word.chars()))
        {
            p.add(
                w.span(),
                "numbers.not_units",
                format!("{word:?} is a measure word; a not_unit must be longer than the measure word it starts with"),
            );
        }
    }
    units.extend(
        words(&n.not_units)
            .into_iter()
            .map(|w| (w.chars().collect(), None)),
    );
    units.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    units.dedup_by(|a, b| a.0 == b.0);
    for (k, v) in &n.unit_scales {
        let word = canonical_word(k);
        let unit = units
            .iter_mut()
            .find(|(w, _)| w.iter().copied().eq(word.chars()))
            .and_then(|(_, unit)| unit.as_mut());
        match unit {
            _ if !(v.get_ref().is_finite() && *v.get_ref() > 0.0) => p.add(
                v.span(),
                "numbers.unit_scales",
                format!("{k:?} needs a positive factor"),
            ),
            Some(unit) => unit.scale = *v.get_ref(),
            None => p.add(
                v.span(),
                "numbers.unit_scales",
                format!("{k:?} is not in numbers.measure_words or numbers.unit_aliases"),
            ),
        }
    }
    let mut multipliers = Vec::new();
    for (k, v) in &n.multipliers {
        let mut it = k.chars();
        match (it.next(), it.next()) {
            (Some(c), None) if *v.get_ref() > 0.0 => multipliers.push((c, *v.get_ref())),
            _ => p.add(
                v.span(),
                "numbers.multipliers",
                format!("{k:?} must be one character with a positive factor"),
            ),
        }
    }
    if !(n.max_value.get_ref().is_finite() && *n.max_value.get_ref() > 0.0) {
        p.add(
            n.max_value.span(),
            "numbers.max_value",
            "must be a positive finite number",
        );
    }
    if !(1..=300).contains(n.max_digits.get_ref()) {
        p.add(
            n.max_digits.span(),
            "numbers.max_digits",
            "must be between 1 and 300",
        );
    }

    // [hedges]
    let h = &w.hedges;
    let hedge_list = |map: &BTreeMap<String, S>,
                      key: &str,
                      p: &mut Problems|
     -> Vec<(Vec<char>, Qualifier)> {
        let mut v: Vec<(Vec<char>, Qualifier)> = map
            .iter()
            .filter_map(|(k, q)| Some((canonical_word(k).chars().collect(), qualifier(q, key, p)?)))
            .collect();
        v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        v
    };
    let hedges_before = hedge_list(&h.before, "hedges.before", p);
    let hedges_before_round = hedge_list(&h.before_round, "hedges.before_round", p);
    let hedges_after = hedge_list(&h.after, "hedges.after", p);
    let mut hedges_inside = Vec::new();
    for (k, q) in &h.inside {
        let mut it = k.chars();
        match (it.next(), it.next(), qualifier(q, "hedges.inside", p)) {
            (Some(c), None, Some(q)) => hedges_inside.push((c, q)),
            (_, _, None) => {}
            _ => p.add(
                q.span(),
                "hedges.inside",
                format!("{k:?} must be a single character"),
            ),
        }
    }
    let reach_over_de = words(&h.reach_over_de);
    let is_before_hedge =
        |word: &str| (hedges_before.iter()).any(|(w, _)| w.iter().copied().eq(word.chars()));
    for (word, span) in reach_over_de
        .iter()
        .zip(h.reach_over_de.iter().map(|s| s.span()))
    {
        if !is_before_hedge(word) {
            p.add(
                span,
                "hedges.reach_over_de",
                format!("{word:?} is not in hedges.before"),
            );
        }
    }
    let mut reach_over_verb = Vec::new();
    for (k, v) in &h.reach_over_verb {
        let word = canonical_word(k);
        if !is_before_hedge(&word) {
            p.add(
                v.span(),
                "hedges.reach_over_verb",
                format!("{k:?} is not in hedges.before"),
            );
        } else if !(1..=MAX_REACH_OVER_VERB).contains(v.get_ref()) {
            p.add(
                v.span(),
                "hedges.reach_over_verb",
                format!("{k:?} must reach over 1 to {MAX_REACH_OVER_VERB} characters"),
            );
        } else {
            reach_over_verb.push((word.chars().collect::<Vec<char>>(), *v.get_ref()));
        }
    }
    // Longest first, so that 大约 is found before 约.
    reach_over_verb.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));

    // [exclude]
    let x = &w.exclude;
    check_dictionary_words(&x.fixed_terms, "exclude.fixed_terms", p);
    check_dictionary_words(&x.numeral_words, "exclude.numeral_words", p);
    let patterns = regexes(&x.patterns, "exclude.patterns", p);
    let structure_clause_ends = single_chars(&w.structure.clause_ends, "structure.clause_ends", p);
    let lexicon = Lexicon {
        units_by_first: index_by_first_char(&units),
        units,
        multipliers,
        nouns_after_ge: chars_longest_first(&words(&n.nouns_after_ge)),
        lone_one_units: words(&n.lone_one_units).into_iter().collect(),
        max_value: *n.max_value.get_ref(),
        max_digits: *n.max_digits.get_ref(),
        hedges_before,
        hedges_before_round,
        hedges_inside,
        hedges_after,
        reach_over_de: chars_longest_first(&reach_over_de),
        reach_over_verb,
        not_hedges: EndWords::new(chars_longest_first(&words(&h.not_hedges))),
        fixed_terms: dictionary(&words(&x.fixed_terms)),
        numeral_words: dictionary(&words(&x.numeral_words)),
        rhetorical_heads: chars_longest_first(&words(&x.rhetorical_heads)),
        patterns: (!patterns.is_empty())
            .then(|| GatedRegex::new(&format!("(?:{})", patterns.join(")|(?:"))).ok())
            .flatten(),
        paired_marks: marks(&x.title_marks, "exclude.title_marks", p)
            .into_iter()
            .map(|(o, c)| (o, c, usize::MAX))
            .chain(
                marks(&x.quote_marks, "exclude.quote_marks", p)
                    .into_iter()
                    .map(|(o, c)| (o, c, x.max_quote_chars)),
            )
            .collect(),
        ordinal_prefixes: chars_longest_first(&words(&x.ordinal_prefixes)),
        clause_ends: structure_clause_ends.clone(),
    };

    // [report]
    let max_link_share = w.report.max_link_share.as_ref().and_then(|m| {
        let share = *m.get_ref();
        if (0.0..=1.0).contains(&share) {
            Some(share)
        } else {
            p.add(
                m.span(),
                "report.max_link_share",
                format!("{share} is not a share between 0 and 1"),
            );
            None
        }
    });
    let report = ReportRules {
        min_han_chars: w.report.min_han_chars,
        keywords: words(&w.report.keywords),
        max_link_share,
        listing: w.report.listing,
    };

    // [structure]
    let headings = regexes(&w.structure.headings, "structure.headings", p)
        .iter()
        .filter_map(|r| Regex::new(r).ok())
        .collect();
    let multi_char = |w: &Vec<char>| (w.len() >= 2).then(|| w.iter().collect::<String>());
    let counts = CountWords {
        tails: (lexicon.multipliers.iter().map(|&(c, _)| c))
            .chain(lexicon.hedges_inside.iter().map(|&(c, _)| c))
            .collect(),
        units: (lexicon.units.iter())
            .filter(|(_, u)| u.is_some())
            .map(|(w, _)| w.iter().collect())
            .collect(),
        spanning: (lexicon.units.iter())
            .filter(|(_, u)| u.is_some())
            .map(|(w, _)| w)
            .chain(lexicon.hedges_before.iter().map(|(w, _)| w))
            .chain(lexicon.hedges_after.iter().map(|(w, _)| w))
            .filter_map(multi_char)
            .collect(),
    };
    let structure = StructureRules::new(
        headings,
        single_chars(&w.structure.sentence_ends, "structure.sentence_ends", p),
        structure_clause_ends.clone(),
        counts,
    );

    // [metadata]
    let m = &w.metadata;
    let labels: Vec<String> = words(&m.published_labels)
        .iter()
        .map(|l| regex::escape(l))
        .collect();
    let published_label = Regex::new(&format!(
        r"(?:{})\s*:?\s*\d{{4}}\s*[-/.年]\s*\d{{1,2}}\s*[-/.月]\s*\d{{1,2}}",
        labels.join("|")
    ));
    let metadata = match published_label {
        Ok(published_label) => Some(MetadataRules {
            published_label,
            title_words: words(&m.title_words),
            title_topics: words(&m.title_topics),
            issuer_suffixes: words(&m.issuer_suffixes),
            title_openers: words(&m.title_openers),
            title_endings: words(&m.title_endings),
            intro_words: words(&m.intro_words),
        }),
        Err(e) => {
            p.add(0..0, "metadata.published_labels", e.to_string());
            None
        }
    };

    // [places]
    let pl = &w.places;
    let mut self_references = Vec::new();
    for (map, township) in [
        (&pl.township_self_references, true),
        (&pl.county_self_references, false),
    ] {
        for (word, weight) in map {
            let key = if township {
                "places.township_self_references"
            } else {
                "places.county_self_references"
            };
            if word.trim().is_empty() {
                p.add(weight.span(), key, "an empty word".to_string());
            }
            if *weight.get_ref() == 0 {
                p.add(
                    weight.span(),
                    key,
                    format!("{word}: a weight must be at least 1"),
                );
            }
            self_references.push((canonical_word(word), township, *weight.get_ref()));
        }
    }
    check_words(&pl.not_self_references, "places.not_self_references", p);
    check_words(&pl.issuer_line_endings, "places.issuer_line_endings", p);
    check_words(&pl.short_name_prefixes, "places.short_name_prefixes", p);
    check_words(&pl.other_place_before, "places.other_place_before", p);
    check_words(&pl.other_place_after, "places.other_place_after", p);
    let places = PlaceWords {
        self_references,
        not_self_references: words(&pl.not_self_references),
        issuer_line_endings: words(&pl.issuer_line_endings),
        short_name_prefixes: words(&pl.short_name_prefixes),
        other_place_before: words(&pl.other_place_before),
        other_place_after: words(&pl.other_place_after),
        name_list_glue: single_chars(&pl.name_list_glue, "places.name_list_glue", p),
        clause_ends: structure_clause_ends,
    };

    // [output]
    let mut partition_by = Vec::new();
    for c in &w.output.partition_by {
        match crate::write::output::PartitionColumn::parse(c.get_ref()) {
            Some(col) if partition_by.contains(&col) => p.add(
                c.span(),
                "output.partition_by",
                format!("{:?} is listed twice", c.get_ref()),
            ),
            Some(col) => partition_by.push(col),
            None => p.add(
                c.span(),
                "output.partition_by",
                format!(
                    "cannot partition by {:?}: use \"year\", \"province\" or both",
                    c.get_ref()
                ),
            ),
        }
    }

    // [[indicator]]
    let audience_names: Vec<&str> = w.classify.audiences.keys().map(String::as_str).collect();
    let catalogue = catalogue(&w.indicators, &lexicon, &audience_names, p);
    let classify_words = classify_words(&w.classify, &lexicon, p);

    Some(Config {
        source: String::new(),
        hash: String::new(),
        input: InputRules {
            include,
            exclude,
            encodings,
        },
        html: html?,
        normalizer,
        lexicon,
        report,
        structure,
        metadata: metadata?,
        places,
        catalogue: Catalogue::new(catalogue, classify_words),
        output: OutputRules { partition_by },
    })
}

/// The canonical units of `[numbers]`: the measure words' and the nouns that replace 个.
fn known_units(lexicon: &Lexicon) -> HashSet<String> {
    lexicon
        .units
        .iter()
        .filter_map(|(_, u)| Some(u.as_ref()?.name.to_string()))
        .chain(lexicon.nouns_after_ge.iter().map(|w| w.iter().collect()))
        .collect()
}

/// `[classify]`, checked: words not empty, audiences' and attendance words fit the dictionary,
/// `counts_as` between known units.
fn classify_words(c: &WireClassify, lexicon: &Lexicon, p: &mut Problems) -> ClassifyWords {
    check_words(&c.topic_endings, "classify.topic_endings", p);
    check_words(&c.change_links, "classify.change_links", p);
    check_words(&c.joiners, "classify.joiners", p);
    check_words(&c.count_verbs, "classify.count_verbs", p);
    check_dictionary_words(&c.attendance, "classify.attendance", p);
    check_dictionary_words(&c.honours, "classify.honours", p);
    let mut audiences = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (name, list) in &c.audiences {
        let key = format!("classify.audiences.{name}");
        check_dictionary_words(list, &key, p);
        if list.is_empty() {
            p.add(0..0, &key, "an audience with no word is never named");
        }
        for w in list {
            if !seen.insert(canonical_word(w.get_ref())) {
                p.add(
                    w.span(),
                    &key,
                    format!("{:?} names two audiences", w.get_ref()),
                );
            }
        }
        audiences.push(Audience {
            name: name.clone(),
            words: words(list),
        });
    }
    let known = known_units(lexicon);
    let mut counts_as = Vec::new();
    for (unit, like) in &c.counts_as {
        let (u, l) = (canonical_word(unit), canonical_word(like.get_ref()));
        for x in [&u, &l] {
            if !known.contains(x) {
                p.add(
                    like.span(),
                    "classify.counts_as",
                    format!("{x:?} is not a canonical unit of numbers.measure_words"),
                );
            }
        }
        counts_as.push((u, l));
    }
    ClassifyWords {
        totals: words(&c.totals),
        part_markers: words(&c.part_markers),
        noun_after_units: words(&c.noun_after_units),
        topic_endings: words(&c.topic_endings),
        list_separators: single_chars(&c.list_separators, "classify.list_separators", p),
        change_links: words(&c.change_links),
        audiences,
        attendance: words(&c.attendance),
        honours: words(&c.honours),
        counts_as,
        joiners: words(&c.joiners),
        count_verbs: words(&c.count_verbs),
    }
}

fn catalogue(
    wire: &[WireIndicator],
    lexicon: &Lexicon,
    audiences: &[&str],
    p: &mut Problems,
) -> Vec<Indicator> {
    let known_units: HashSet<&str> = lexicon
        .units
        .iter()
        .filter_map(|(_, u)| Some(u.as_ref()?.name.as_str()))
        .chain(lexicon.nouns_after_ge.iter().map(|_| ""))
        .collect();
    let nouns: HashSet<String> = lexicon
        .nouns_after_ge
        .iter()
        .map(|w| w.iter().collect())
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for ind in wire {
        let id = ind.id.get_ref();
        let key = |field: &str| format!("indicator[{id}].{field}");
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            p.add(
                ind.id.span(),
                key("id"),
                "ids are snake_case ASCII (they become column values and names)",
            );
        }
        if crate::write::WIDE_KEY_COLUMNS.contains(&id.as_str()) {
            p.add(
                ind.id.span(),
                key("id"),
                format!("{id:?} is a column of indicators_wide; choose another id"),
            );
        }
        if !seen.insert(id.clone()) {
            p.add(
                ind.id.span(),
                key("id"),
                format!("duplicate indicator id {id:?}"),
            );
        }
        if ind.units.is_empty() {
            p.add(
                ind.id.span(),
                key("units"),
                "no unit: the indicator could never be assigned",
            );
        }
        for u in &ind.units {
            let c = canonical_word(u.get_ref());
            if !known_units.contains(c.as_str()) && !nouns.contains(&c) {
                p.add(
                    u.span(),
                    key("units"),
                    format!("{c:?} is not a canonical unit of numbers.measure_words"),
                );
            }
        }
        if ind.signals.is_empty() && ind.weak.is_empty() {
            p.add(
                ind.id.span(),
                key("signals"),
                "no signal word: the indicator could never be assigned",
            );
        }
        for (list, field) in [
            (&ind.signals, "signals"),
            (&ind.weak, "weak"),
            (&ind.exclude, "exclude"),
            (&ind.context, "context"),
            (&ind.signals_when, "signals_when"),
            (&ind.when, "when"),
        ] {
            check_dictionary_words(list, &key(field), p);
        }
        let audience = ind.audience.as_ref().and_then(|a| {
            let found = audiences.iter().position(|n| *n == a.get_ref().as_str());
            if found.is_none() {
                p.add(
                    a.span(),
                    key("audience"),
                    format!(
                        "{:?} is not one of classify.audiences ({})",
                        a.get_ref(),
                        audiences.join(", ")
                    ),
                );
            }
            found
        });
        // Conditional signals need a condition, and `when` words something to condition.
        let unconditioned =
            !ind.signals_when.is_empty() && ind.when.is_empty() && ind.audience.is_none();
        let idle_when = ind.signals_when.is_empty() && !ind.when.is_empty();
        if unconditioned || idle_when {
            p.add(
                ind.id.span(),
                key(if idle_when { "signals_when" } else { "when" }),
                "signals_when go with when words or an audience: signals that count only in a \
                 clause that holds one of the when words, or names the audience alone",
            );
        }
        out.push(Indicator {
            id: id.clone(),
            name: ind.name.get_ref().clone(),
            category: ind.category.get_ref().clone(),
            units: ind
                .units
                .iter()
                .map(|u| canonical_word(u.get_ref()))
                .collect(),
            signals: words(&ind.signals),
            weak: words(&ind.weak),
            exclude: words(&ind.exclude),
            context: words(&ind.context),
            signals_when: words(&ind.signals_when),
            when: words(&ind.when),
            audience,
            attendees_of: Vec::new(),
        });
    }
    if out.is_empty() {
        p.add(0..0, "indicator", "the catalogue is empty");
    }
    // Attendees of: ids of the catalogue, resolved once all are known.
    for (k, ind) in wire.iter().enumerate() {
        let mut of = Vec::new();
        for a in &ind.attendees_of {
            match wire.iter().position(|o| o.id.get_ref() == a.get_ref()) {
                Some(i) => of.push(i),
                None => p.add(
                    a.span(),
                    format!("indicator[{}].attendees_of", ind.id.get_ref()),
                    format!("{:?} is no indicator id of the catalogue", a.get_ref()),
                ),
            }
        }
        if let Some(slot) = out.get_mut(k) {
            slot.attendees_of = of;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_config_compiles() {
        let c = Config::builtin().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.catalogue.indicators.len() >= 42);
        assert_eq!(c.hash.len(), 64);
        // Every exclusion pattern starts with a character a gate can tell (see gate.rs): one
        // that may start anywhere would make every line be searched in full.
        let patterns = c.lexicon.patterns.as_ref().expect("exclusion patterns");
        assert!(patterns.is_gated());
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_key() {
        let bad = BUILTIN
            .replacen("'^\\s*首页\\s*$',", "'^\\s*首页(\\s*$',", 1)
            .replacen("\"约\" = \"approx\"", "\"约\" = \"roughly\"", 1)
            .replacen(
                "units = [\"次\", \"场\", \"期\", \"场次\"]",
                "units = [\"次\", \"fortnights\"]",
                1,
            )
            .replacen("\"期间\", \"人员\",", "\"人\", \"人员\",", 1)
            .replacen("unit_scales = { ", "unit_scales = { \"斤\" = 0.5, ", 1)
            .replacen(
                "reach_over_verb = { \"至少\" = 8,",
                "reach_over_verb = { \"至少\" = 80,",
                1,
            )
            .replacen("'meta[name=\"PubDate\" i]',", "'meta[[',", 1);
        let err = Config::parse(&bad, "bad.toml")
            .err()
            .expect("bad config is refused");
        let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert!(keys.contains(&"normalize.debris_lines"), "{err}");
        assert!(keys.contains(&"hedges.before"), "{err}");
        assert!(keys.contains(&"numbers.not_units"), "{err}");
        assert!(keys.contains(&"numbers.unit_scales"), "{err}");
        assert!(keys.contains(&"hedges.reach_over_verb"), "{err}");
        assert!(keys.contains(&"html"), "{err}");
        assert!(
            keys.contains(&"indicator[law_study_sessions].units"),
            "{err}"
        );
        let regex_problem = err
            .problems
            .iter()
            .find(|p| p.key == "normalize.debris_lines")
            .unwrap();
        let want_line = bad.lines().position(|l| l.contains("首页(")).unwrap() + 1;
        assert_eq!(regex_problem.line, want_line);
        assert!(err.to_string().contains(&format!("bad.toml:{want_line}:")));
    }

    #[test]
    fn fixed_terms_are_checked_for_what_the_dictionary_holds() {
        let long = "长".repeat(crate::text::dict::MAX_WORD_CHARS + 1);
        let bad = BUILTIN.replacen(
            "fixed_terms = [",
            &format!("fixed_terms = [\"\", \"{long}\", "),
            1,
        );
        let err = Config::parse(&bad, "terms.toml")
            .err()
            .expect("an empty and an over-long fixed term are refused");
        let found: Vec<&str> = err
            .problems
            .iter()
            .filter(|p| p.key == "exclude.fixed_terms")
            .map(|p| p.message.as_str())
            .collect();
        assert_eq!(found.len(), 2, "{err}");
        assert!(found.iter().any(|m| m.contains("empty")), "{err}");
        assert!(found.iter().any(|m| m.contains("65 characters")), "{err}");
    }

    #[test]
    fn conditional_signals_need_their_condition() {
        // Training's lectures count for its audience: without one they have no condition.
        let bad = BUILTIN.replacen("audience = \"cadres\"\n", "", 1);
        let err = Config::parse(&bad, "when.toml")
            .err()
            .expect("signals_when without when or audience is refused");
        let problem = err
            .problems
            .iter()
            .find(|p| p.key == "indicator[training_sessions].when")
            .unwrap_or_else(|| panic!("{err}"));
        assert!(problem.message.contains("go with when words"), "{err}");
        assert!(problem.line > 0, "{err}");
    }

    /// Audiences, attendees, units that count as others: each name must exist.
    #[test]
    fn classify_rules_name_what_exists() {
        let bad = BUILTIN
            .replacen("audience = \"public\"", "audience = \"visitors\"", 1)
            .replacen(
                "attendees_of = [\"publicity_events\", \"lectures\"]",
                "attendees_of = [\"publicity_events\", \"talks\"]",
                1,
            )
            .replacen("counts_as = { ", "counts_as = { \"桩\" = \"件\", ", 1)
            .replacen("public = [\n", "public = [\n  \"机关干部\", ", 1);
        let err = Config::parse(&bad, "classify.toml")
            .err()
            .expect("unknown names are refused");
        let keys: Vec<&str> = err.problems.iter().map(|p| p.key.as_str()).collect();
        assert!(keys.contains(&"indicator[lectures].audience"), "{err}");
        assert!(
            keys.contains(&"indicator[people_reached].attendees_of"),
            "{err}"
        );
        assert!(keys.contains(&"classify.counts_as"), "{err}");
        assert!(keys.contains(&"classify.audiences.public"), "{err}");
        let c = Config::builtin().unwrap_or_else(|e| panic!("{e}"));
        let cat = &c.catalogue;
        let id = |name: &str| cat.indicators.iter().position(|i| i.id == name).unwrap();
        assert!(cat.admits(id("info_requests"), "宗"), "宗 counts as 件");
        assert!(!cat.admits(id("info_requests"), "份"));
        let participants = &cat.indicators[id("training_participants")];
        assert_eq!(
            participants.attendees_of,
            [id("training_sessions"), id("law_study_sessions")]
        );
    }

    #[test]
    fn places_words_are_read_and_checked() {
        let c = Config::builtin().unwrap_or_else(|e| panic!("{e}"));
        let p = &c.places;
        assert!(p.self_references.contains(&("我镇".to_string(), true, 4)));
        assert!(p
            .self_references
            .contains(&("县政府".to_string(), false, 1)));
        assert!(p.not_self_references.iter().any(|w| w == "全乡镇"));
        assert!(p.issuer_line_endings.iter().any(|w| w == "人民政府"));
        assert!(p.short_name_prefixes.iter().any(|w| w == "法治"));

        let bad = BUILTIN
            .replacen("\"我镇\" = 4", "\"我镇\" = 0", 1)
            .replacen(
                "short_name_prefixes = [\"法治\"",
                "short_name_prefixes = [\"\"",
                1,
            );
        let err = Config::parse(&bad, "places.toml")
            .err()
            .expect("bad [places] is refused");
        let at = |key: &str| err.problems.iter().find(|p| p.key == key).map(|p| p.line);
        let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).map(|i| i + 1);
        assert_eq!(
            at("places.township_self_references"),
            line_of("\"我镇\" = 0"),
            "{err}"
        );
        assert_eq!(
            at("places.short_name_prefixes"),
            line_of("short_name_prefixes = [\"\""),
            "{err}"
        );
    }

    #[test]
    fn output_partitioning_is_validated() {
        let ok = BUILTIN.replacen(
            "partition_by = []",
            r#"partition_by = ["year", "province"]"#,
            1,
        );
        let c = Config::parse(&ok, "p.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.output.partition_by.len(), 2);
        assert!(Config::builtin().unwrap().output.partition_by.is_empty());
        let bad = BUILTIN.replacen(
            "partition_by = []",
            r#"partition_by = ["county", "year", "year"]"#,
            1,
        );
        let err = Config::parse(&bad, "p.toml").err().expect("refused");
        assert_eq!(err.problems.len(), 2, "{err}");
        assert!(err.problems.iter().all(|p| p.key == "output.partition_by"));
        let typo = BUILTIN.replacen("partition_by = []", r#"partition = ["year"]"#, 1);
        assert!(Config::parse(&typo, "p.toml").is_err());
    }

    #[test]
    fn unknown_keys_are_refused_with_their_place() {
        let bad = BUILTIN.replacen("[report]\n", "[report]\nmin_hanchars = 3\n", 1);
        let err = Config::parse(&bad, "typo.toml")
            .err()
            .expect("typo is refused");
        assert_eq!(err.problems.len(), 1);
        assert!(
            err.problems[0]
                .message
                .contains("unknown field `min_hanchars`"),
            "{err}"
        );
        let want_line = bad
            .lines()
            .position(|l| l.starts_with("min_hanchars"))
            .unwrap()
            + 1;
        assert_eq!(err.problems[0].line, want_line);
    }
}
