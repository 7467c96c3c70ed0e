//! Issue 3: the same report, whatever wrapper a crawl brings it in, gives the same statistics.
//!
//! The sample reports (data/seeds, data/web) are re-encoded here, as bytes, in every wrapper a
//! crawl brings (GB18030, Big5 after conversion to Traditional, UTF-16LE with BOM, UTF-8 with
//! BOM, CRLF line ends, full-width digits, a government-style web page in UTF-8 and in GB2312),
//! run through the real binary, and the Parquet tables read back: every file must be `ok` and
//! at least 97% of them must give the same mentions (value, unit, qualifier multiset) as the
//! UTF-8 original. Word files made from samples must too.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::inputs::{mentions, multiset_diff, reports, run_fazhi, samples};
use common::TempDir;
use encoding_rs::{Encoding, BIG5, GB18030, GBK};
use ferrous_opencc::{config::BuiltinConfig, OpenCC};

/// Encodes with a legacy encoding; characters it cannot represent become `?` in a `.txt`
/// (encoding_rs would write `&#NNNN;`, which is right only for a web page). Returns the
/// bytes and how many characters were replaced.
fn encode_text(enc: &'static Encoding, text: &str) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut replaced = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (bytes, _, unmappable) = enc.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.push(b'?');
            replaced += 1;
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    (out, replaced)
}

fn to_traditional(text: &str) -> String {
    let cc = OpenCC::from_config(BuiltinConfig::S2t).expect("built-in opencc config");
    cc.convert(text)
}

fn utf16le_bom(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

fn full_width_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c),
            '%' => '％',
            c => c,
        })
        .collect()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A page as a county government's CMS serves it: navigation, scripts, styles, a header
/// with 发布时间/来源/浏览次数, the article in a TRS_Editor div, a footer with 备案号.
fn government_page(text: &str, charset: &str) -> String {
    let title = html_escape(
        text.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim(),
    );
    let mut body = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        body.push_str("<p style=\"text-indent:2em\">");
        body.push_str(&html_escape(line.trim()));
        body.push_str("</p>\n");
    }
    format!(
        r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta charset="{charset}">
<title>{title}_政务公开_区人民政府</title>
<style type="text/css">.TRS_Editor p{{line-height:2;font-size:16px}} .nav li{{float:left}}</style>
<script type="text/javascript">var _hits = 20231; var _year = 2024; document.write("浏览次数：" + _hits + "次");</script>
</head>
<body>
<div class="top"><a href="/">首页</a> | <a href="/en">English</a> | 无障碍浏览</div>
<nav class="nav"><ul><li><a href="/zwgk">政务公开</a></li><li><a href="/fzzf">法治政府建设</a></li><li>2023年度报告</li></ul></nav>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 法治政府建设</div>
<div class="article">
<h1 class="title">{title}</h1>
<div class="info">发布时间：2024-03-28 09:15&nbsp;&nbsp;来源：区司法局&nbsp;&nbsp;浏览次数：<span id="hits">1358</span>&nbsp;&nbsp;【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="TRS_Editor">
{body}</div>
<div class="share">扫一扫在手机打开当前页 <script>share(2024, 365);</script></div>
</div>
<footer><p>主办单位：区人民政府办公室 地址：人民路88号 电话：0571-12345678</p>
<p>网站标识码：3301090001 备案号：浙ICP备12345678号-1 公安备案 33010902000123号</p></footer>
<script src="/js/stat.js"></script>
</body>
</html>
"#
    )
}

/// The wrappers, as `(name, file extension, bytes)` for one sample text.
fn wrappers(text: &str) -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let (gb18030, _) = encode_text(GB18030, text);
    let (big5, _) = encode_text(BIG5, &to_traditional(text));
    let html_utf8 = government_page(text, "utf-8").into_bytes();
    // encoding_rs writes characters GBK lacks as `&#NNNN;`, which a page may.
    let page_gb = government_page(text, "gb2312");
    let (html_gb, _, _) = GBK.encode(&page_gb);
    vec![
        ("gb18030", "txt", gb18030),
        ("big5", "txt", big5),
        ("utf16le-bom", "txt", utf16le_bom(text)),
        (
            "utf8-bom",
            "txt",
            [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
        ),
        ("crlf", "txt", crlf(text).into_bytes()),
        ("fullwidth", "txt", full_width_digits(text).into_bytes()),
        ("page-utf8", "html", html_utf8),
        ("page-gb2312", "html", html_gb.into_owned()),
    ]
}

#[test]
fn every_wrapper_gives_the_same_mentions() {
    let input = TempDir::new("inputs-in");
    let out = TempDir::new("inputs-out");
    let samples = samples();
    // path of the variant → (path of the original, wrapper name)
    let mut variants: BTreeMap<String, (String, &str)> = BTreeMap::new();
    for (stem, text) in &samples {
        let original = format!("orig/{stem}.txt");
        input.write(&original, text.as_bytes());
        for (name, ext, bytes) in wrappers(text) {
            let rel = format!("{name}/{stem}.{ext}");
            input.write(&rel, &bytes);
            variants.insert(rel, (original.clone(), name));
        }
    }

    let run = run_fazhi(input.path(), out.path());
    assert_eq!(run.code(), Some(0), "exit code; stderr:\n{}", run.stderr());
    let reports = reports(out.path());
    let mentions = mentions(out.path());
    assert_eq!(reports.len(), samples.len() + variants.len());
    for (path, row) in &reports {
        assert_eq!(row.status, "ok", "{path}: {row:?}");
    }

    let mut differ = Vec::new();
    for (rel, (original, name)) in &variants {
        let want = mentions.get(original).cloned().unwrap_or_default();
        let got = mentions.get(rel).cloned().unwrap_or_default();
        assert!(!want.is_empty(), "{original} has no mentions to compare");
        if want != got {
            differ.push(format!(
                "{rel} [{name}, decoded as {:?}]: {}",
                reports[rel].encoding,
                multiset_diff(&want, &got)
            ));
        }
    }
    for d in &differ {
        eprintln!("differs: {d}");
    }
    let same = variants.len() - differ.len();
    eprintln!(
        "{same} of {} wrapped files give the same mentions as their original",
        variants.len()
    );
    assert!(
        same * 100 >= variants.len() * 97,
        "only {same} of {} wrapped files give the same mentions:\n{}",
        variants.len(),
        differ.join("\n")
    );

    // The encodings recorded are the ones used.
    let want_encoding = [
        ("gb18030/", &["GBK", "GB18030"][..]),
        ("big5/", &["Big5"]),
        ("utf16le-bom/", &["UTF-16LE"]),
        ("utf8-bom/", &["UTF-8"]),
        ("page-gb2312/", &["GBK"]),
        ("page-utf8/", &["UTF-8"]),
    ];
    for (rel, row) in &reports {
        for (prefix, allowed) in want_encoding {
            if rel.starts_with(prefix) {
                let enc = row.encoding.as_deref().unwrap_or("");
                assert!(allowed.contains(&enc), "{rel}: decoded as {enc}");
            }
        }
    }
}

fn mentions_of_docx(docx: &[u8], txt: &str, tag: &str) {
    let input = TempDir::new(tag);
    let out = TempDir::new(&format!("{tag}-out"));
    input.write("report.docx", docx);
    input.write("report.txt", txt.as_bytes());
    let run = run_fazhi(input.path(), out.path());
    assert_eq!(run.code(), Some(0), "stderr:\n{}", run.stderr());
    let reports = reports(out.path());
    assert_eq!(
        reports["report.docx"].status, "ok",
        "{:?}",
        reports["report.docx"]
    );
    assert_eq!(reports["report.docx"].encoding.as_deref(), Some("docx"));
    let m = mentions(out.path());
    let want = m.get("report.txt").cloned().unwrap_or_default();
    let got = m.get("report.docx").cloned().unwrap_or_default();
    assert!(!want.is_empty());
    assert!(want == got, "{tag}: {}", multiset_diff(&want, &got));
}

#[test]
fn the_docx_fixture_gives_the_mentions_of_its_text() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docx = std::fs::read(root.join("tests/fixtures/docx/sample.docx")).expect("fixture");
    let txt = std::fs::read_to_string(root.join("data/seeds/004_15088844970135c4.txt"))
        .expect("seed 004");
    mentions_of_docx(&docx, &txt, "docx-fixture");
}

#[test]
fn a_docx_made_from_each_sample_gives_its_mentions() {
    for (stem, text) in samples().iter().step_by(3) {
        let paragraphs: Vec<&str> = text.lines().collect();
        let docx = fazhi::input::docx::write_minimal_docx(&paragraphs).expect("build a docx");
        mentions_of_docx(&docx, text, &format!("docx-{stem}"));
    }
}
