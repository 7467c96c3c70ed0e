//! `fazhi explain`: one input file in, everything fazhi read from it out.
//!
//! The file goes through exactly the stages `fazhi run` applies ([`Engine`]), and the result is
//! shown four ways: the normalized text with each mention marked where it stands, a table of the
//! mentions (raw text, value, unit, qualifier, indicator, section and the rule that decided the
//! indicator), each mention's decision (its clause, the signals found, the candidates and why
//! the winner won and the others lost, when the engine's catalogue traces them:
//! [`crate::classify::Catalogue::trace_decisions`]), and the metadata (title, place, official
//! code, year, date, encoding, status). Or all of it as one JSON object for tools. This is how an analyst checks a surprising number and
//! how a catalogue author tests a new rule.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::pipeline::{report_id, Clock, Engine};
use crate::record::{MentionRecord, ReportRecord};

/// One file as the pipeline saw it.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The path as given, `/`-separated: what the config's encoding globs are matched against.
    pub path: String,
    /// The row `fazhi run` writes for this file (duplicates aside: a run marks later copies).
    pub record: ReportRecord,
    /// The normalized text that the mentions' character offsets index; empty when the file
    /// could not be decoded.
    pub text: String,
}

/// The file could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}: {source}")]
pub struct ExplainError {
    pub path: PathBuf,
    pub source: io::Error,
}

/// Decodes, normalizes and analyzes one file the way the run does.
pub fn explain(engine: &Engine, path: &Path) -> Result<Explanation, ExplainError> {
    let bytes = std::fs::read(path).map_err(|source| ExplainError {
        path: path.to_owned(),
        source,
    })?;
    let rel_path = path.to_string_lossy().replace('\\', "/");
    let mut text = String::new();
    let record = engine.process_bytes_keeping_text(
        &bytes,
        &rel_path,
        report_id(&bytes),
        &mut Clock::new(),
        Some(&mut text),
    );
    Ok(Explanation {
        path: rel_path,
        record,
        text,
    })
}

/// ANSI styles, or none.
struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
}

/// Mentions with an indicator (green) and without one (yellow); labels dim.
const MAPPED: &str = "1;32";
const UNMAPPED: &str = "1;33";
const DIM: &str = "2";
const HEADING: &str = "1";

/// Writes the human-readable explanation: text with marks, mention table, metadata.
/// `color`: ANSI escapes (a terminal without NO_COLOR); otherwise marks are `[raw]#k`.
pub fn render(out: &mut dyn Write, e: &Explanation, color: bool) -> io::Result<()> {
    let style = Style { on: color };
    let r = &e.record;
    writeln!(
        out,
        "{}",
        style.paint(HEADING, &format!("== {} — normalized text", e.path))
    )?;
    if e.text.is_empty() {
        writeln!(
            out,
            "(no text: {})",
            r.error.as_deref().unwrap_or(r.status.as_str())
        )?;
    } else {
        writeln!(out, "{}", marked(&e.text, &r.mentions, &style))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.paint(HEADING, &format!("== {} mentions", r.mentions.len()))
    )?;
    if !r.mentions.is_empty() {
        mention_table(out, &r.mentions, &style)?;
    }
    if r.mentions.iter().any(|m| m.rule.contains('\n')) {
        writeln!(out)?;
        writeln!(out, "{}", style.paint(HEADING, "== decisions"))?;
        decisions(out, &r.mentions, &style)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.paint(HEADING, "== metadata"))?;
    for (key, value) in metadata(e) {
        writeln!(out, "{key:<12} {}", value.unwrap_or_else(|| "—".to_owned()))?;
    }
    Ok(())
}

/// The text with each mention marked: `…办理[120余次]#3…`, or coloured with a dim `#3`.
/// A mention that overlaps one already marked is listed in the table but not marked again.
pub fn marked_text(text: &str, mentions: &[MentionRecord], color: bool) -> String {
    marked(text, mentions, &Style { on: color })
}

fn marked(text: &str, mentions: &[MentionRecord], style: &Style) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut order: Vec<&MentionRecord> = mentions.iter().collect();
    order.sort_by_key(|m| (m.char_start, m.char_end));
    let mut out = String::with_capacity(text.len() + mentions.len() * 16);
    let mut cursor = 0usize;
    for m in order {
        let (start, end) = (m.char_start.max(0) as usize, m.char_end.max(0) as usize);
        if start < cursor || end > chars.len() || end < start {
            continue;
        }
        out.extend(&chars[cursor..start]);
        let raw: String = chars[start..end].iter().collect();
        let label = format!("#{}", m.mention_id);
        if style.on {
            let code = if m.indicator.is_some() {
                MAPPED
            } else {
                UNMAPPED
            };
            out.push_str(&style.paint(code, &raw));
            out.push_str(&style.paint(DIM, &label));
        } else {
            out.push('[');
            out.push_str(&raw);
            out.push(']');
            out.push_str(&label);
        }
        cursor = end;
    }
    out.extend(&chars[cursor.min(chars.len())..]);
    out
}

/// Columns of the mention table.
const COLUMNS: [&str; 8] = [
    "#",
    "raw",
    "value",
    "unit",
    "qualifier",
    "indicator",
    "rule",
    "section",
];

fn mention_table(out: &mut dyn Write, mentions: &[MentionRecord], style: &Style) -> io::Result<()> {
    let rows: Vec<[String; 8]> = mentions
        .iter()
        .map(|m| {
            [
                m.mention_id.to_string(),
                m.raw.to_string(),
                format_value(m.value),
                m.unit.to_string(),
                m.qualifier.to_string(),
                m.indicator.as_deref().unwrap_or("—").to_owned(),
                rule_and_decision(&m.rule).0.to_owned(),
                m.section.to_string(),
            ]
        })
        .collect();
    let mut widths = COLUMNS.map(width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: &[String; 8]| -> String {
        let mut s = String::new();
        for (k, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if k + 1 == cells.len() {
                s.push_str(cell); // the last column is not padded
            } else {
                s.push_str(cell);
                s.extend(std::iter::repeat_n(' ', w - width(cell) + 2));
            }
        }
        s
    };
    writeln!(
        out,
        "{}",
        style.paint(HEADING, &line(&COLUMNS.map(str::to_owned)))
    )?;
    for (row, m) in rows.iter().zip(mentions) {
        let text = line(row);
        if m.indicator.is_some() {
            writeln!(out, "{text}")?;
        } else {
            writeln!(out, "{}", style.paint(DIM, &text))?;
        }
    }
    Ok(())
}

/// A mention's rule (its first line) and the lines of its decision after it, when traced.
fn rule_and_decision(rule: &str) -> (&str, std::str::Lines<'_>) {
    let mut lines = rule.lines();
    (lines.next().unwrap_or(""), lines)
}

/// Each mention's decision: the mention, what it got by which rule, then the traced lines.
fn decisions(out: &mut dyn Write, mentions: &[MentionRecord], style: &Style) -> io::Result<()> {
    for m in mentions {
        let (rule, lines) = rule_and_decision(&m.rule);
        let got = m.indicator.as_deref().unwrap_or("—");
        let head = format!("#{} {} → {got} ({rule})", m.mention_id, m.raw);
        writeln!(
            out,
            "{}",
            style.paint(
                if m.indicator.is_some() {
                    MAPPED
                } else {
                    UNMAPPED
                },
                &head
            )
        )?;
        for line in lines {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

/// A value without a useless `.0`: `120`, `98.5`, `35000000`.
fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Display width in a terminal: East Asian wide characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = matches!(c,
                0x1100..=0x115F
                | 0x2E80..=0x303E
                | 0x3041..=0x33FF
                | 0x3400..=0x4DBF
                | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF
                | 0xAC00..=0xD7A3
                | 0xF900..=0xFAFF
                | 0xFE30..=0xFE4F
                | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6
                | 0x20000..=0x3FFFD);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// The metadata lines, in the order of the `reports` table.
fn metadata(e: &Explanation) -> Vec<(&'static str, Option<String>)> {
    let r = &e.record;
    let m = &r.meta;
    vec![
        ("title", m.title.clone()),
        ("province", m.province.clone()),
        ("city", m.city.clone()),
        ("county", m.county.clone()),
        ("township", m.township.clone()),
        ("admin_code", m.admin_code.clone()),
        ("year", m.year.map(|y| y.to_string())),
        ("published", m.published.map(|d| d.to_string())),
        ("encoding", r.encoding.clone()),
        ("status", Some(r.status.to_string())),
        ("error", r.error.clone()),
        ("report_id", Some(r.report_id.clone())),
        ("bytes", Some(r.bytes.to_string())),
        ("chars", Some(r.chars.to_string())),
        ("indicators", Some(r.indicators.len().to_string())),
    ]
}

/// Everything as one JSON object: `path`, `report_id`, `status`, `error`, `encoding`,
/// `lossy_count`, `bytes`, `chars`, `metadata{…}`, `text`, `mentions[…]`, `indicators[…]`.
pub fn to_json(e: &Explanation) -> Value {
    let r = &e.record;
    let m = &r.meta;
    json!({
        "path": e.path,
        "report_id": r.report_id,
        "status": r.status.as_str(),
        "error": r.error,
        "encoding": r.encoding,
        "lossy_count": r.lossy_count,
        "bytes": r.bytes,
        "chars": r.chars,
        "metadata": {
            "title": m.title,
            "province": m.province,
            "city": m.city,
            "county": m.county,
            "township": m.township,
            "admin_code": m.admin_code,
            "year": m.year,
            "published": m.published.map(|d| d.to_string()),
        },
        "text": e.text,
        "mentions": r.mentions.iter().map(|m| json!({
            "mention_id": m.mention_id,
            "raw": m.raw,
            "value": m.value,
            "unit": m.unit,
            "qualifier": m.qualifier.as_str(),
            "indicator": m.indicator,
            "category": m.category,
            "section": &*m.section,
            "sentence": &*m.sentence,
            "char_start": m.char_start,
            "char_end": m.char_end,
            "rule": rule_and_decision(&m.rule).0,
            "decision": rule_and_decision(&m.rule).1.collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "indicators": r.indicators.iter().map(|i| json!({
            "indicator": i.indicator,
            "category": i.category,
            "value": i.value,
            "unit": i.unit,
            "qualifier": i.qualifier.as_str(),
            "n_mentions": i.n_mentions,
            "conflict": i.conflict,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Qualifier;

    fn mention(id: i32, start: i32, end: i32, indicator: Option<&str>) -> MentionRecord {
        MentionRecord {
            mention_id: id,
            raw: "".into(),
            value: 1.0,
            unit: "次".into(),
            qualifier: Qualifier::Exact,
            indicator: indicator.map(Into::into),
            category: None,
            section: "".into(),
            sentence: "".into(),
            char_start: start,
            char_end: end,
            rule: "r".into(),
        }
    }

    #[test]
    fn mentions_are_bracketed_in_plain_text() {
        let text = "办理案件120余次，培训3场。";
        let ms = [mention(0, 4, 9, Some("a")), mention(1, 12, 14, None)];
        assert_eq!(
            marked_text(text, &ms, false),
            "办理案件[120余次]#0，培训[3场]#1。"
        );
    }

    #[test]
    fn overlapping_or_out_of_range_mentions_are_not_marked_twice() {
        let text = "共120次";
        let ms = [
            mention(0, 1, 5, None),
            mention(1, 2, 4, None),
            mention(2, 4, 99, None),
        ];
        assert_eq!(marked_text(text, &ms, false), "共[120次]#0");
    }

    #[test]
    fn colour_marks_use_ansi_and_no_brackets() {
        let s = marked_text("共3次", &[mention(0, 1, 3, Some("x"))], true);
        assert_eq!(s, "共\x1b[1;32m3次\x1b[0m\x1b[2m#0\x1b[0m");
    }

    #[test]
    fn a_traced_rule_is_its_first_line_and_its_decision_the_rest() {
        let (rule, lines) = rule_and_decision("signal 培训\nclause: 开展培训3场\n  x: y");
        assert_eq!(rule, "signal 培训");
        assert_eq!(lines.collect::<Vec<_>>(), ["clause: 开展培训3场", "  x: y"]);
        let (rule, mut lines) = rule_and_decision("no sentence");
        assert_eq!((rule, lines.next()), ("no sentence", None));
    }

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("ab"), 2);
        assert_eq!(width("调解"), 4);
        assert_eq!(width("120余次"), 7);
    }

    #[test]
    fn values_print_without_a_useless_fraction() {
        assert_eq!(format_value(120.0), "120");
        assert_eq!(format_value(98.5), "98.5");
    }
}
