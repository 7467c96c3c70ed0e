//! Word files in, text out: [`docx_text`] takes the bytes of a `.docx` (a ZIP package) and
//! returns the text of its main document part, one `<w:p>` paragraph per line in document
//! order (paragraphs inside tables and text boxes included), or a reason for a person why it
//! cannot. Inside a paragraph, `<w:t>` runs are concatenated, `<w:tab/>` becomes a tab and
//! `<w:br/>` / `<w:cr/>` a line break; deleted text (`w:delText`), field codes and the
//! `mc:Fallback` duplicate of text boxes are left out. The main part is
//! `word/document.xml`, or whatever `_rels/.rels` names as the office document.
//!
//! Zip-bomb guard: a part whose uncompressed size exceeds [`MAX_PART_BYTES`] (64 MiB) is
//! refused, whatever its header claims. [`write_minimal_docx`] builds a small valid `.docx`
//! from paragraphs, for tests and fixtures.

use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
use std::io::{Cursor, Read, Write};

use crate::text::{cell_line, raised_digits};

/// Largest uncompressed size accepted for one part of the package.
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

const W_NS: [&str; 2] = [
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
];
const MC_NS: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";
const MAIN_PART: &str = "word/document.xml";

/// The paragraphs' text of a `.docx`, one paragraph per line.
pub fn docx_text(bytes: &[u8]) -> Result<String, String> {
    docx_text_limited(bytes, MAX_PART_BYTES)
}

fn docx_text_limited(bytes: &[u8], limit: u64) -> Result<String, String> {
    if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Err(
            "an OLE2 compound file (a password-protected .docx or a legacy .doc), \
                    not a .docx ZIP package"
                .into(),
        );
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a .docx: not a readable ZIP archive ({e})"))?;
    let part = if archive.index_for_name(MAIN_PART).is_some() {
        MAIN_PART.to_string()
    } else {
        main_part_from_rels(&mut archive, limit)?
            .ok_or_else(|| format!("not a Word document: the ZIP archive has no {MAIN_PART}"))?
    };
    let xml = read_part(&mut archive, &part, limit)?;
    paragraphs(&xml_to_string(&xml)).map_err(|e| format!("{part}: {e}"))
}

/// Reads one part, refusing more than `limit` uncompressed bytes.
fn read_part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    limit: u64,
) -> Result<Vec<u8>, String> {
    let file = archive
        .by_name(name)
        .map_err(|e| format!("cannot open {name} in the ZIP archive: {e}"))?;
    let too_big = |size: u64| {
        format!(
            "{name} is {size} bytes uncompressed, over the {} MiB limit (zip-bomb guard)",
            limit / (1024 * 1024)
        )
    };
    if file.size() > limit {
        return Err(too_big(file.size()));
    }
    let mut buf = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot decompress {name}: {e}"))?;
    if buf.len() as u64 > limit {
        return Err(too_big(buf.len() as u64));
    }
    Ok(buf)
}

/// The office document part named by `_rels/.rels`, if any.
fn main_part_from_rels(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    limit: u64,
) -> Result<Option<String>, String> {
    if archive.index_for_name("_rels/.rels").is_none() {
        return Ok(None);
    }
    let rels = xml_to_string(&read_part(archive, "_rels/.rels", limit)?);
    let mut reader = NsReader::from_str(&rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e))
                if e.local_name().as_ref() == "Relationship" =>
            {
                let attr = |key: &str| -> Option<String> {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == key)
                        .map(|a| a.value.to_string())
                };
                if attr("Type").is_some_and(|t| t.ends_with("/officeDocument")) {
                    let target = attr("Target").unwrap_or_default();
                    let target = target.trim_start_matches('/').to_string();
                    if archive.index_for_name(&target).is_some() {
                        return Ok(Some(target));
                    }
                }
            }
            Ok(Event::Eof) => return Ok(None),
            Ok(_) => {}
            Err(e) => return Err(format!("_rels/.rels is not well-formed XML: {e}")),
        }
    }
}

/// XML bytes to text: honours a UTF-16 BOM, strips a UTF-8 BOM, else UTF-8 (lossy).
fn xml_to_string(bytes: &[u8]) -> String {
    let utf16 = |le: bool| {
        let units = bytes[2..].chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    if bytes.starts_with(b"\xFF\xFE") {
        utf16(true)
    } else if bytes.starts_with(b"\xFE\xFF") {
        utf16(false)
    } else {
        let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        String::from_utf8_lossy(b).into_owned()
    }
}

/// Paragraph text from WordprocessingML, one paragraph per line.
fn paragraphs(xml: &str) -> Result<String, String> {
    let mut reader = NsReader::from_str(xml);
    let mut lines: Vec<String> = Vec::new();
    // Open paragraphs (text boxes nest paragraphs inside runs of a paragraph).
    let mut open: Vec<String> = Vec::new();
    let mut in_run = 0usize;
    // Where the open run's text starts in its paragraph, and whether the run is raised
    // (`<w:vertAlign w:val="superscript"/>`).
    let mut run_start = 0usize;
    let mut raised = false;
    let mut in_text = 0usize;
    let mut skip = 0usize;
    // Open table rows (their finished cells) and cells (their finished paragraphs), innermost
    // last: a row becomes one line, its cells joined by tabs.
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cells: Vec<Vec<String>> = Vec::new();

    /// A finished paragraph or row goes to the open cell, if any, else it is a line.
    fn emit(cells: &mut [Vec<String>], lines: &mut Vec<String>, s: String) {
        match cells.last_mut() {
            Some(cell) => cell.push(s),
            None => lines.push(s),
        }
    }

    fn push(open: &mut [String], lines: &mut Vec<String>, s: &str) {
        match open.last_mut() {
            Some(p) => p.push_str(s),
            None => lines.push(s.to_string()),
        }
    }

    loop {
        let (is_w, is_mc, event) = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(Namespace(n)), event)) => {
                (W_NS.contains(&n), n == MC_NS, event)
            }
            Ok((_, event)) => (false, false, event),
            Err(e) => {
                let at = reader.buffer_position();
                return Err(format!("not well-formed XML near byte {at}: {e}"));
            }
        };
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                let local = local.as_ref();
                if skip > 0 || (is_mc && local == "Fallback") {
                    skip += 1;
                } else if is_w {
                    match local {
                        "p" => open.push(String::new()),
                        "tr" => rows.push(Vec::new()),
                        "tc" => cells.push(Vec::new()),
                        "r" => {
                            in_run += 1;
                            run_start = open.last().map_or(0, String::len);
                            raised = false;
                        }
                        "t" if in_run > 0 => in_text += 1,
                        _ => {}
                    }
                }
            }
            Event::Empty(e) if skip == 0 && is_w => match e.local_name().as_ref() {
                "p" => emit(&mut cells, &mut lines, String::new()),
                "tab" if in_run > 0 => push(&mut open, &mut lines, "\t"),
                "br" | "cr" if in_run > 0 => push(&mut open, &mut lines, "\n"),
                "noBreakHyphen" if in_run > 0 => push(&mut open, &mut lines, "-"),
                "vertAlign" if in_run > 0 => {
                    raised = e
                        .attributes()
                        .flatten()
                        .any(|a| a.key.local_name().as_ref() == "val" && a.value == "superscript");
                }
                _ => {}
            },
            Event::End(e) => {
                if skip > 0 {
                    skip -= 1;
                } else if is_w {
                    match e.local_name().as_ref() {
                        "p" => {
                            if let Some(p) = open.pop() {
                                emit(&mut cells, &mut lines, p);
                            }
                        }
                        "tc" => {
                            if let Some(paragraphs) = cells.pop() {
                                let text = cell_line(paragraphs.iter().map(String::as_str))
                                    .unwrap_or_else(|| paragraphs.join("\n"));
                                match rows.last_mut() {
                                    Some(row) => row.push(text),
                                    None => emit(&mut cells, &mut lines, text),
                                }
                            }
                        }
                        "tr" => {
                            if let Some(row) = rows.pop() {
                                emit(&mut cells, &mut lines, row.join("\t"));
                            }
                        }
                        "r" => {
                            in_run = in_run.saturating_sub(1);
                            if std::mem::take(&mut raised) {
                                if let Some(p) =
                                    open.last_mut().filter(|p| p.is_char_boundary(run_start))
                                {
                                    let before = p[..run_start].chars().next_back();
                                    if let Some(written) = raised_digits(before, &p[run_start..]) {
                                        p.truncate(run_start);
                                        p.push_str(&written);
                                    }
                                }
                            }
                        }
                        "t" => in_text = in_text.saturating_sub(1),
                        _ => {}
                    }
                }
            }
            Event::Text(t) if in_text > 0 && skip == 0 => {
                push(&mut open, &mut lines, &t.xml10_content());
            }
            Event::CData(t) if in_text > 0 && skip == 0 => {
                push(&mut open, &mut lines, &t.xml10_content());
            }
            Event::GeneralRef(r) if in_text > 0 && skip == 0 => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => match r.as_ref() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => None,
                    },
                    Err(_) => Some(char::REPLACEMENT_CHARACTER),
                };
                if let Some(c) = c {
                    push(&mut open, &mut lines, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Unclosed paragraphs, cells and rows of a truncated document still count.
    lines.extend(open);
    lines.extend(cells.into_iter().flatten());
    lines.extend(rows.into_iter().flatten());
    Ok(lines.join("\n"))
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Builds a minimal valid `.docx` (content types, package relationships, main document)
/// with one paragraph per element of `paragraphs`; tabs in the text become `<w:tab/>`.
/// For tests and fixtures.
pub fn write_minimal_docx(paragraphs: &[&str]) -> Result<Vec<u8>, String> {
    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let mut doc = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    for p in paragraphs {
        doc.push_str("<w:p>");
        for (i, piece) in p.split('\t').enumerate() {
            if i > 0 {
                doc.push_str("<w:r><w:tab/></w:r>");
            }
            if !piece.is_empty() {
                doc.push_str(r#"<w:r><w:t xml:space="preserve">"#);
                doc.push_str(&xml_escape(piece));
                doc.push_str("</w:t></w:r>");
            }
        }
        doc.push_str("</w:p>");
    }
    doc.push_str("</w:body></w:document>");
    zip_parts(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        (MAIN_PART, doc.as_bytes()),
    ])
}

/// A deflated ZIP archive of `(name, bytes)` entries.
fn zip_parts(parts: &[(&str, &[u8])]) -> Result<Vec<u8>, String> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        w.start_file(*name, options)
            .map_err(|e| format!("zip {name}: {e}"))?;
        w.write_all(bytes).map_err(|e| format!("zip {name}: {e}"))?;
    }
    w.finish()
        .map(Cursor::into_inner)
        .map_err(|e| format!("zip: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    fn document(body: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>"#
        )
    }

    fn package(document_xml: &str) -> Vec<u8> {
        match zip_parts(&[
            ("[Content_Types].xml", b"<Types/>"),
            (MAIN_PART, document_xml.as_bytes()),
        ]) {
            Ok(z) => z,
            Err(e) => panic!("{e}"),
        }
    }

    fn text(bytes: &[u8]) -> String {
        match docx_text(bytes) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn seed_paragraphs_round_trip() {
        let paras = [
            "大兴区安定镇2020年度法治政府建设年度情况报告",
            "",
            "来源:安定镇  日期:2021-03-31 14:27",
            "  2020年我镇深入贯彻习近平总书记全面依法治国的新理念新思想新战略,坚决落实区委、区政府的各项决策部署。",
            "一、推进法治政府建设的主要举措和成效",
            "项目\t数量 & <说明>",
        ];
        let docx = match write_minimal_docx(&paras) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert!(docx.starts_with(b"PK\x03\x04"));
        assert_eq!(text(&docx), paras.join("\n"));
    }

    #[test]
    fn word_markup_cases() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "runs, tab, break, entities, tab stops ignored",
                r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>共化解</w:t></w:r><w:r><w:t xml:space="preserve"> 131 </w:t></w:r><w:r><w:t>件&amp;&#x4E07;&lt;</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>"#,
                "共化解 131 件&万<\t乙\n丙",
            ),
            (
                "a table row is a line, its cells joined by tabs, a short cell's paragraphs by nothing",
                r#"<w:p><w:r><w:t>前</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>化解矛盾</w:t></w:r></w:p><w:p><w:r><w:t>纠纷</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>131件</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>2</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p><w:r><w:t>后</w:t></w:r></w:p>"#,
                "前\n1\t化解矛盾纠纷\t131件\n2\n后",
            ),
            (
                "deleted text and field codes dropped, insertions kept, empty paragraph kept",
                r#"<w:p><w:del><w:r><w:delText>旧</w:delText></w:r></w:del><w:ins><w:r><w:t>新</w:t></w:r></w:ins><w:r><w:instrText> PAGE </w:instrText></w:r></w:p><w:p/><w:p><w:r><w:t>末</w:t></w:r></w:p>"#,
                "新\n\n末",
            ),
            (
                "text box fallback not duplicated",
                r#"<w:p><w:r><w:t>外</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent><w:p><w:r><w:t>框</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>框</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>"#,
                "框\n外",
            ),
            (
                "raised digits: an exponent after a letter, a note marker elsewhere",
                r#"<w:p><w:r><w:t>拆除违建2572m</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>2</w:t></w:r><w:r><w:t>,化解纠纷10</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>1</w:t></w:r><w:r><w:t>件</w:t></w:r><w:r><w:rPr><w:vertAlign w:val="subscript"/></w:rPr><w:t>3</w:t></w:r></w:p>"#,
                "拆除违建2572m²,化解纠纷10[1]件3",
            ),
        ];
        for &(name, body, want) in cases {
            assert_eq!(text(&package(&document(body))), want, "{name}");
        }
    }

    #[test]
    fn main_part_found_through_rels() {
        let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
        let doc = document("<w:p><w:r><w:t>另一个主文档</w:t></w:r></w:p>");
        let z = match zip_parts(&[
            ("_rels/.rels", rels.as_bytes()),
            ("word/document2.xml", doc.as_bytes()),
        ]) {
            Ok(z) => z,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(text(&z), "另一个主文档");
    }

    #[test]
    fn failures_have_reasons() {
        let big = document(&"<w:p><w:r><w:t>填充文字</w:t></w:r></w:p>".repeat(200));
        let no_doc = match zip_parts(&[("a.txt", b"hello")]) {
            Ok(z) => z,
            Err(e) => panic!("{e}"),
        };
        let cases: Vec<(&str, Vec<u8>, u64, &str)> = vec![
            (
                "not a zip",
                "法治政府".as_bytes().to_vec(),
                MAX_PART_BYTES,
                "not a readable ZIP",
            ),
            ("empty", Vec::new(), MAX_PART_BYTES, "ZIP"),
            (
                "no document",
                no_doc,
                MAX_PART_BYTES,
                "no word/document.xml",
            ),
            (
                "ole2",
                b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00".to_vec(),
                MAX_PART_BYTES,
                "OLE2",
            ),
            ("bomb", package(&big), 1024, "zip-bomb guard"),
            (
                "broken xml",
                package(&document("<w:p><w:r><w:t>a</w:x></w:r></w:p>")),
                MAX_PART_BYTES,
                "not well-formed",
            ),
        ];
        for (name, bytes, limit, needle) in cases {
            match docx_text_limited(&bytes, limit) {
                Err(e) => assert!(e.contains(needle), "{name}: {e}"),
                Ok(t) => panic!("{name}: unexpectedly got {t:?}"),
            }
        }
        // The same document passes under the normal limit.
        assert!(text(&package(&big)).starts_with("填充文字\n填充文字"));
    }

    #[test]
    fn utf16_part_decodes() {
        let doc = document("<w:p><w:r><w:t>十六位</w:t></w:r></w:p>");
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(doc.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(paragraphs(&xml_to_string(&bytes)), Ok("十六位".to_string()));
    }
}
