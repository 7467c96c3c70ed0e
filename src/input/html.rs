//! Web page in, text out: [`HtmlExtractor::extract`] takes the decoded HTML of one page and
//! returns an [`HtmlText`] — the page title, the article text (the first non-empty element
//! matching one of the configured content selectors, in order; the whole `<html>` element if
//! none does) and the "chrome", i.e. the rest of the visible page text as lines (where
//! 发布时间 / 来源 / 日期 usually live). [`looks_like_html`] tells whether a `.txt` file is
//! really a saved page.
//!
//! Text rules: `script`, `style`, `noscript`, `template`, `iframe`, `object`, `embed`, `svg`,
//! `canvas`, form controls, elements with the `hidden` attribute or an inline
//! `display:none` / `visibility:hidden` style are never text. In the article, `nav`,
//! `header`, `footer` and anything matching a drop selector are skipped too. Block elements
//! end lines, `<br>` breaks a line, `td`/`th` are separated by a tab; entities are decoded by
//! html5ever and `&nbsp;` becomes a space. White space inside text collapses to one space
//! (as a browser renders it; a source line break between two CJK characters disappears),
//! except inside `<pre>`. Lines are trimmed, never wrapped; runs of blank lines collapse to
//! one. The walker is iterative, so deeply nested pages cannot overflow the stack.

use scraper::{ElementRef, Html, Node, Selector};

use crate::text::{cell_line, is_cjk, raised_digits};

/// Compiled selectors.
#[derive(Debug, Clone)]
pub struct HtmlExtractor {
    content: Vec<(String, Selector)>,
    drop: Vec<Selector>,
    title: Selector,
    h1: Selector,
    h2: Selector,
    article_title: Selector,
    /// The `<meta>` elements whose `content` is the page's publication date (`[html]
    /// published_meta`), in order.
    published_meta: Vec<Selector>,
}

/// What [`HtmlExtractor::extract`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlText {
    /// `<title>`, or else the first `<h1>`, white space collapsed.
    pub title: Option<String>,
    /// The article text, one paragraph per line.
    pub body: String,
    /// The visible text outside the article element, one block per line.
    pub chrome: String,
    /// The content selector whose element gave `body`; `None` if the whole page was used.
    pub matched_selector: Option<String>,
    /// How much of `body` is the text of links, and what each link says.
    pub links: Links,
    /// Every line that may be the report's title outside the article, in the order to try
    /// them: `<meta name="ArticleTitle">`, the `<h1>`s, `<title>`, the first `<h2>`s.
    pub headings: Vec<String>,
    /// The publication date the page's `<meta>` elements give (`<meta name="PubDate"
    /// content="2025-01-20 10:30">`), as written.
    pub published: Option<String>,
}

/// Han characters of a text, how many of them are inside links (`<a>`), and the text of each
/// link: a page that is mostly links, or that links to several reports, is a listing or a
/// navigation page, not an article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    pub han: usize,
    pub in_links: usize,
    /// The text of each outermost link, trimmed, in order.
    pub texts: Vec<String>,
    /// Han characters of the longest stretch of text outside links, between two links or
    /// before the first or after the last: an article's body is one long stretch; a listing's
    /// are the summaries under its links.
    pub longest_run: usize,
}

impl Links {
    /// The share of the Han characters that are inside links (0 for a text with none).
    pub fn share(&self) -> f64 {
        if self.han == 0 {
            0.0
        } else {
            self.in_links as f64 / self.han as f64
        }
    }
}

/// Elements whose content is never visible text.
const NEVER_TEXT: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "head", "select", "textarea", "button", "input",
];
/// Page furniture skipped inside the article.
const NOT_ARTICLE: &[&str] = &["nav", "header", "footer"];
/// Elements that start and end a line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "title",
    "tr",
    "ul",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Article,
    Chrome,
}

impl HtmlExtractor {
    /// Compiles the selectors; the error names the selector that does not parse.
    pub fn new(
        content_selectors: &[String],
        drop_selectors: &[String],
    ) -> Result<HtmlExtractor, String> {
        let parse = |kind: &str, s: &str| {
            Selector::parse(s).map_err(|e| format!("invalid {kind} selector {s:?}: {e}"))
        };
        let content = content_selectors
            .iter()
            .map(|s| parse("content", s).map(|sel| (s.clone(), sel)))
            .collect::<Result<Vec<_>, _>>()?;
        let drop = drop_selectors
            .iter()
            .map(|s| parse("drop", s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HtmlExtractor {
            content,
            drop,
            title: parse("built-in", "title")?,
            h1: parse("built-in", "h1")?,
            h2: parse("built-in", "h2")?,
            article_title: parse("built-in", r#"meta[name="ArticleTitle" i]"#)?,
            published_meta: Vec::new(),
        })
    }

    /// Reads the page's publication date from the `content` of the first `<meta>` element
    /// matching one of `selectors`, in order; the error names the selector that does not
    /// parse.
    pub fn with_published_meta(mut self, selectors: &[String]) -> Result<HtmlExtractor, String> {
        self.published_meta = selectors
            .iter()
            .map(|s| {
                Selector::parse(s)
                    .map_err(|e| format!("invalid published_meta selector {s:?}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// Extracts title, article text and chrome from a page.
    pub fn extract(&self, html: &str) -> HtmlText {
        let doc = Html::parse_document(html);
        let root = doc.root_element();

        let mut chosen: Option<(ElementRef<'_>, &str, (String, Links))> = None;
        for (name, sel) in &self.content {
            if let Some(el) = doc.select(sel).next() {
                let body = self.walk(el, Mode::Article, None);
                if !body.0.is_empty() {
                    chosen = Some((el, name, body));
                    break;
                }
            }
        }
        let (content_el, matched_selector, (body, links)) = match chosen {
            Some((el, name, body)) => (el, Some(name.to_string()), body),
            None => (root, None, self.walk(root, Mode::Article, None)),
        };
        let chrome = if content_el == root {
            String::new()
        } else {
            self.walk(root, Mode::Chrome, Some(content_el)).0
        };
        let text_of = |el: ElementRef<'_>| {
            let mut sink = Sink::default();
            for t in el.text() {
                sink.text(t);
            }
            let t = sink.finish().0.replace('\n', " ");
            (!t.is_empty()).then_some(t)
        };
        let first = |sel: &Selector| doc.select(sel).next().and_then(text_of);
        let title = first(&self.title).or_else(|| first(&self.h1));
        // Where a CMS puts the report's own title: its article-title field, the page's
        // headings, the window title (which may be cut short or be the site's name).
        let mut headings: Vec<String> = doc
            .select(&self.article_title)
            .filter_map(|m| m.value().attr("content"))
            .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|c| !c.is_empty())
            .collect();
        headings.extend(doc.select(&self.h1).filter_map(text_of));
        headings.extend(first(&self.title));
        headings.extend(doc.select(&self.h2).take(3).filter_map(text_of));
        let published = (self.published_meta.iter())
            .flat_map(|sel| doc.select(sel))
            .filter_map(|m| m.value().attr("content"))
            .map(str::trim)
            .find(|c| !c.is_empty())
            .map(str::to_owned);
        HtmlText {
            published,
            title,
            body,
            chrome,
            matched_selector,
            links,
            headings,
        }
    }

    /// Iterative pre/post-order walk of `root`'s subtree, writing text into a [`Sink`]: the
    /// text, and how much of it is links.
    fn walk(
        &self,
        root: ElementRef<'_>,
        mode: Mode,
        exclude: Option<ElementRef<'_>>,
    ) -> (String, Links) {
        let mut sink = Sink::default();
        let root_node = *root;
        let mut cur = root_node;
        let mut descend = self.open(&mut sink, cur.value(), ElementRef::wrap(cur), mode, exclude);
        loop {
            if descend {
                if let Some(child) = cur.first_child() {
                    cur = child;
                    descend =
                        self.open(&mut sink, cur.value(), ElementRef::wrap(cur), mode, exclude);
                    continue;
                }
                close(&mut sink, ElementRef::wrap(cur));
            }
            // `cur` is finished: move to its next sibling, closing ancestors on the way up.
            loop {
                if cur == root_node {
                    return sink.finish();
                }
                if let Some(sibling) = cur.next_sibling() {
                    cur = sibling;
                    descend =
                        self.open(&mut sink, cur.value(), ElementRef::wrap(cur), mode, exclude);
                    break;
                }
                match cur.parent() {
                    Some(parent) => {
                        cur = parent;
                        close(&mut sink, ElementRef::wrap(cur));
                    }
                    None => return sink.finish(),
                }
            }
        }
    }

    /// Handles entering a node; returns whether to walk its children.
    fn open(
        &self,
        sink: &mut Sink,
        value: &Node,
        el: Option<ElementRef<'_>>,
        mode: Mode,
        exclude: Option<ElementRef<'_>>,
    ) -> bool {
        match value {
            Node::Text(t) => {
                sink.text(t);
                false
            }
            Node::Element(e) => {
                let Some(el) = el else { return false };
                let name = e.name();
                if NEVER_TEXT.contains(&name) || is_hidden(e) || Some(el) == exclude {
                    return false;
                }
                if mode == Mode::Article
                    && (NOT_ARTICLE.contains(&name) || self.drop.iter().any(|s| s.matches(&el)))
                {
                    return false;
                }
                match name {
                    "a" => {
                        if sink.links.depth == 0 {
                            sink.links.start = sink.out.len();
                            sink.links.end_run();
                        }
                        sink.links.depth += 1;
                    }
                    "br" => sink.line_break(),
                    "sup" => sink.sups.push(sink.out.len()),
                    "td" | "th" => {
                        sink.cell();
                        sink.cells.push(sink.out.len());
                    }
                    "pre" => {
                        sink.block();
                        sink.pre += 1;
                    }
                    _ if BLOCKS.contains(&name) => sink.block(),
                    _ => {}
                }
                true
            }
            Node::Document | Node::Fragment => true,
            _ => false,
        }
    }
}

/// Handles leaving an element that was walked.
fn close(sink: &mut Sink, el: Option<ElementRef<'_>>) {
    let Some(el) = el else { return };
    let name = el.value().name();
    if name == "a" {
        sink.links.depth = sink.links.depth.saturating_sub(1);
        if sink.links.depth == 0 {
            let text = sink.out.get(sink.links.start..).unwrap_or("").trim();
            if !text.is_empty() {
                sink.links.found.texts.push(text.to_owned());
            }
        }
    } else if name == "td" || name == "th" {
        if let Some(start) = sink.cells.pop() {
            sink.join_cell(start);
        }
    } else if name == "sup" {
        if let Some(start) = sink.sups.pop() {
            sink.superscript(start);
        }
    } else if name == "pre" {
        sink.pre = sink.pre.saturating_sub(1);
        sink.block();
    } else if BLOCKS.contains(&name) {
        sink.block();
    }
}

fn is_hidden(e: &scraper::node::Element) -> bool {
    if e.attr("hidden").is_some() {
        return true;
    }
    e.attr("style").is_some_and(|style| {
        let s: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// Accumulates text with HTML white-space rules.
#[derive(Default)]
struct Sink {
    out: String,
    /// Collapsed white space waiting to be written before the next visible character.
    pending_space: bool,
    /// The pending white space contained a line break (dropped between CJK characters).
    pending_segment_break: bool,
    /// Depth of `<pre>` elements.
    pre: usize,
    links: LinkCount,
    /// Where each open table cell's text starts in `out`, innermost last.
    cells: Vec<usize>,
    /// Where each open `<sup>`'s text starts in `out`, innermost last.
    sups: Vec<usize>,
}

/// Han characters written, and those written inside `<a>` elements (`depth` deep); the text
/// of each outermost link.
#[derive(Default)]
struct LinkCount {
    depth: usize,
    /// Where the open outermost link's text starts in `out`.
    start: usize,
    /// Han characters outside links since the last link.
    run: usize,
    found: Links,
}

impl LinkCount {
    /// Ends the stretch of text outside links at a link, or at the end of the text.
    fn end_run(&mut self) {
        self.found.longest_run = self.found.longest_run.max(std::mem::take(&mut self.run));
    }
}

impl Sink {
    fn at_line_start(&self) -> bool {
        self.out.is_empty() || self.out.ends_with('\n') || self.out.ends_with('\t')
    }

    fn clear_pending(&mut self) {
        self.pending_space = false;
        self.pending_segment_break = false;
    }

    fn text(&mut self, s: &str) {
        if self.pre > 0 {
            for c in s.chars() {
                match c {
                    '\r' => {}
                    '\u{A0}' => self.out.push(' '),
                    c => self.out.push(c),
                }
            }
            return;
        }
        for c in s.chars() {
            if c.is_ascii_whitespace() || c == '\u{A0}' {
                if !self.at_line_start() {
                    self.pending_space = true;
                    if c == '\n' || c == '\r' {
                        self.pending_segment_break = true;
                    }
                }
                continue;
            }
            if self.pending_space {
                let between_cjk = self.out.chars().next_back().is_some_and(is_cjk) && is_cjk(c);
                if !(self.pending_segment_break && between_cjk) {
                    self.out.push(' ');
                }
                self.clear_pending();
            }
            self.out.push(c);
            if crate::text::is_han(c) {
                self.links.found.han += 1;
                if self.links.depth > 0 {
                    self.links.found.in_links += 1;
                } else {
                    self.links.run += 1;
                }
            }
        }
    }

    fn trim_trailing_spaces(&mut self) {
        let keep = self.out.trim_end_matches([' ', '\u{A0}']).len();
        self.out.truncate(keep);
    }

    /// Ends the current line, if any.
    fn block(&mut self) {
        self.clear_pending();
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.trim_trailing_spaces();
            self.out.push('\n');
        }
    }

    /// `<br>`: always a new line (two in a row make a blank line).
    fn line_break(&mut self) {
        self.clear_pending();
        self.trim_trailing_spaces();
        self.out.push('\n');
    }

    /// Makes the cell whose text starts at `start` one line, when it is short (see
    /// [`crate::text::cell_line`]).
    fn join_cell(&mut self, start: usize) {
        if !self.out[start..].contains('\n') {
            return;
        }
        if let Some(line) = cell_line(self.out[start..].split('\n')) {
            self.out.truncate(start);
            self.out.push_str(&line);
            self.clear_pending();
        }
    }

    /// Rewrites the text of the `<sup>` that starts at `start`, if it is digits: see
    /// [`raised_digits`].
    fn superscript(&mut self, start: usize) {
        // A line break inside the element may have trimmed spaces from before it: `start` is
        // then past the end, or inside a character, and there is nothing to rewrite.
        let (Some(before), Some(raised)) = (self.out.get(..start), self.out.get(start..)) else {
            return;
        };
        if let Some(written) = raised_digits(before.chars().next_back(), raised) {
            self.out.truncate(start);
            self.out.push_str(&written);
        }
    }

    /// `td`/`th`: a tab between cells of a row.
    fn cell(&mut self) {
        self.clear_pending();
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.trim_trailing_spaces();
            self.out.push('\t');
        }
    }

    /// Trims lines, collapses runs of blank lines to one, drops leading/trailing blanks; and
    /// the share of links.
    fn finish(mut self) -> (String, Links) {
        self.links.end_run();
        let mut out = String::with_capacity(self.out.len());
        let mut blank_run = false;
        for line in self.out.lines() {
            let line = line.trim_matches(|c: char| c.is_whitespace());
            if line.is_empty() {
                blank_run = !out.is_empty();
                continue;
            }
            if blank_run {
                out.push('\n');
                blank_run = false;
            }
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(line);
        }
        (out, self.links.found)
    }
}

/// Whether text (e.g. from a `.txt` file) is really an HTML page: it starts with a doctype,
/// `<html`, `<head` or `<meta`, or its first KiB holds at least five tags.
pub fn looks_like_html(text: &str) -> bool {
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    // 1,024 characters lie within 4,096 bytes: plain text, the usual case, is settled by one
    // vector search there, before any character is counted.
    let bytes = trimmed.as_bytes();
    if memchr::memchr(b'<', &bytes[..bytes.len().min(4 * 1024)]).is_none() {
        return false;
    }
    let head = match trimmed.char_indices().nth(1024) {
        Some((end, _)) => &trimmed[..end],
        None => trimmed,
    };
    if !head.contains('<') {
        return false; // plain text, the usual case
    }
    let lower = head.to_ascii_lowercase();
    if ["<!doctype html", "<html", "<head", "<meta", "<?xml version"]
        .iter()
        .any(|p| lower.starts_with(p))
        && (lower.contains("<html")
            || lower.contains("<head")
            || lower.contains("<meta")
            || lower.contains("<body"))
    {
        return true;
    }
    if lower.contains("<html") || lower.contains("<body") {
        return true;
    }
    let bytes = lower.as_bytes();
    let mut tags = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'<' {
            continue;
        }
        let rest = &bytes[i + 1..];
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        let name_len = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if name_len > 0
            && rest[0].is_ascii_alphabetic()
            && matches!(
                rest.get(name_len),
                Some(b'>' | b' ' | b'/' | b'\t' | b'\n' | b'\r')
            )
        {
            tags += 1;
        }
    }
    tags >= 5
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn extractor(drop: &[&str]) -> HtmlExtractor {
        let content = [
            "div.TRS_Editor",
            "div#zoom",
            "div.article",
            "div.content",
            "article",
            "body",
        ];
        match HtmlExtractor::new(&strings(&content), &strings(drop)) {
            Ok(x) => x,
            Err(e) => panic!("{e}"),
        }
    }

    const PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title> 某某区2023年法治政府建设
年度报告 </title>
<style>.x { color: red } body::after { content: "样式文字" }</style>
<script>var leaked = "脚本文字";</script></head>
<body>
<nav><a href="/">首页</a> | <a href="/gk">政务公开</a></nav>
<header>某某区人民政府门户网站</header>
<div class="meta">发布时间：2024-03-15&nbsp;&nbsp;来源：区司法局</div>
<div class="TRS_Editor">
  <script>document.write("内嵌脚本")</script>
  <p>&nbsp;&nbsp;一、主要工作</p>
  <p>2023年，共化解矛盾纠纷131件，
     调解成功率达95%。</p>
  <p>罚没款&lt;25.2&gt;万元 &amp; 其他<br>第二行</p>
  <div class="share">分享到：微信</div>
  <table><tr><th>项目</th><th>数量</th></tr><tr><td>行政复议</td><td>12件</td></tr></table>
  <p style="display: none">隐藏文字</p>
</div>
<footer>版权所有 © 某某区</footer>
</body></html>"#;

    #[test]
    fn the_publication_date_of_the_page_meta() {
        let x = extractor(&[])
            .with_published_meta(&strings(&[
                r#"meta[name="PubDate" i]"#,
                r#"meta[property="article:published_time" i]"#,
            ]))
            .unwrap();
        let page = |head: &str| {
            x.extract(&format!(
                "<html><head>{head}</head><body><div class=\"content\"><p>正文</p></div></body></html>"
            ))
            .published
        };
        assert_eq!(
            page(r#"<meta name="pubdate" content=" 2025-01-20 10:30 ">"#).as_deref(),
            Some("2025-01-20 10:30")
        );
        assert_eq!(
            page(r#"<meta property="article:published_time" content="2024-12-04T09:00:00+08:00"><meta name="PubDate" content="2025-01-20">"#).as_deref(),
            Some("2025-01-20"),
            "the selectors are tried in order"
        );
        assert_eq!(page(r#"<meta name="PubDate" content="">"#), None);
        assert_eq!(page(""), None);
        assert!(x.with_published_meta(&strings(&["meta[[["])).is_err());
    }

    #[test]
    fn headings_outside_the_article_are_title_candidates_in_order() {
        let page = r#"<html><head><title>某县人民政府</title><meta name="ArticleTitle" content="某县2024年 法治政府建设年度报告"></head>
            <body><h1>某县人民政府门户网站</h1><div><h2>某县2024年法治政府建设年度报告</h2><p>正文</p></div></body></html>"#;
        let t = extractor(&[]).extract(page);
        assert_eq!(
            t.headings,
            [
                "某县2024年 法治政府建设年度报告",
                "某县人民政府门户网站",
                "某县人民政府",
                "某县2024年法治政府建设年度报告"
            ]
        );
        assert_eq!(t.title.as_deref(), Some("某县人民政府"));
    }

    /// Superscript digits do not run into the number before them: after a letter they are an
    /// exponent, anywhere else a note marker.
    #[test]
    fn superscript_digits_are_exponents_or_note_markers() {
        let page = "<p>拆除违法建筑2572m<sup>2</sup>,清淤300 m<sup>3</sup>,\
                    化解纠纷10<sup>1</sup>件,见附表<sup>12</sup>,注<sup>[2]</sup>,x<sup>n</sup></p>";
        let t = extractor(&[]).extract(page);
        assert_eq!(
            t.body,
            "拆除违法建筑2572m²,清淤300 m³,化解纠纷10[1]件,见附表[12],注[2],xn"
        );
        // A break inside the element that trims the spaces before it leaves nothing to rewrite.
        let page = "<pre>法治政府建设   <sup><br></sup>测试   <sup><br>2</sup></pre>";
        assert_eq!(extractor(&[]).extract(page).body, "法治政府建设\n测试\n2");
    }

    /// A short cell is one line whatever blocks it holds, so a row reads label, tab, value;
    /// a long (layout) cell keeps its paragraphs as lines.
    #[test]
    fn short_table_cells_are_one_line_and_layout_cells_keep_their_paragraphs() {
        let long = "这是一个很长的段落。".repeat(12);
        let page = format!(
            "<table><tr><td><p>1</p></td><td><p class=MsoNormal>化解矛盾</p><p>纠纷</p></td>\
             <td><div>131件</div></td></tr><tr><td><p>2</p></td><td><p>held in</p><p>English</p></td></tr></table>\
             <table><tr><td><p>一、主要举措</p><p>{long}</p></td></tr></table>"
        );
        let t = extractor(&[]).extract(&page);
        assert_eq!(
            t.body,
            format!("1\t化解矛盾纠纷\t131件\n2\theld in English\n一、主要举措\n{long}")
        );
    }

    #[test]
    fn article_chrome_and_title() {
        let x = extractor(&["div.share"]);
        let t = x.extract(PAGE);
        assert_eq!(
            t.body,
            "一、主要工作\n2023年，共化解矛盾纠纷131件，调解成功率达95%。\n\
             罚没款<25.2>万元 & 其他\n第二行\n项目\t数量\n行政复议\t12件"
        );
        assert_eq!(t.title.as_deref(), Some("某某区2023年法治政府建设年度报告"));
        assert_eq!(t.matched_selector.as_deref(), Some("div.TRS_Editor"));
        assert!(
            t.chrome
                .lines()
                .any(|l| l == "发布时间：2024-03-15 来源：区司法局"),
            "{}",
            t.chrome
        );
        assert!(t.chrome.contains("首页"), "{}", t.chrome);
        assert!(t.chrome.contains("版权所有"), "{}", t.chrome);
        for leaked in [
            "脚本",
            "样式",
            "color",
            "内嵌",
            "隐藏",
            "分享",
            "发布时间",
            "首页",
        ] {
            assert!(!t.body.contains(leaked), "{leaked} in body: {}", t.body);
        }
        for leaked in ["脚本", "样式", "主要工作", "某某区2023年"] {
            assert!(
                !t.chrome.contains(leaked),
                "{leaked} in chrome: {}",
                t.chrome
            );
        }
    }

    #[test]
    fn selector_fallbacks() {
        let x = extractor(&[]);
        let cases: &[(&str, &str, Option<&str>, &str)] = &[
            (
                "empty TRS div falls through to #zoom",
                "<div class=TRS_Editor> </div><div id=zoom><p>正文</p></div><p>尾</p>",
                Some("div#zoom"),
                "正文",
            ),
            (
                "body as last resort skips nav/footer",
                "<nav>导航</nav><p>第一段</p><p>第二段</p><footer>页脚</footer>",
                Some("body"),
                "第一段\n第二段",
            ),
            (
                "br runs collapse to one blank line",
                "<article>甲<br><br><br><br>乙</article>",
                Some("article"),
                "甲\n\n乙",
            ),
            (
                "pre keeps its lines",
                "<article><pre>a  b\n  c</pre>d</article>",
                Some("article"),
                "a  b\nc\nd",
            ),
            (
                "inline tags do not break lines, spaces kept between latin words",
                "<div class=content><p>共<b>131</b>件 <i>total</i>\n<i>cases</i></p></div>",
                Some("div.content"),
                "共131件 total cases",
            ),
        ];
        for &(name, html, sel, body) in cases {
            let t = x.extract(html);
            assert_eq!(t.body, body, "{name}");
            assert_eq!(t.matched_selector.as_deref(), sel, "{name}");
        }
    }

    #[test]
    fn no_selector_matches_uses_whole_page() {
        let x = match HtmlExtractor::new(&strings(&["div.nothing"]), &[]) {
            Ok(x) => x,
            Err(e) => panic!("{e}"),
        };
        let t = x.extract("<title>T</title><h1>标题</h1><p>内容</p>");
        assert_eq!(t.body, "标题\n内容");
        assert_eq!(t.chrome, "");
        assert_eq!(t.matched_selector, None);
        assert_eq!(t.title.as_deref(), Some("T"));
        let t = x.extract("<h1> 只有\n标题 </h1>");
        assert_eq!(t.title.as_deref(), Some("只有标题"));
    }

    #[test]
    fn bad_selector_is_named() {
        let cases: &[(&[&str], &[&str], &str)] = &[
            (&["div[", "body"], &[], "div["),
            (&["body"], &["..x"], "..x"),
        ];
        for &(content, drop, needle) in cases {
            match HtmlExtractor::new(&strings(content), &strings(drop)) {
                Err(e) => assert!(e.contains(needle), "{e}"),
                Ok(_) => panic!("{needle} should be rejected"),
            }
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 20_000;
        let mut html = String::from("<html><body><div class=TRS_Editor>");
        html.push_str(&"<div>".repeat(depth));
        html.push_str("最深处的文字");
        html.push_str(&"</div>".repeat(depth));
        html.push_str("</div><p>页尾</p></body></html>");
        // Run on a small stack to prove the walker does not recurse.
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || extractor(&[]).extract(&html));
        let t = match handle.map(|h| h.join()) {
            Ok(Ok(t)) => t,
            _ => panic!("extraction thread failed"),
        };
        assert_eq!(t.body, "最深处的文字");
        assert_eq!(t.chrome, "页尾");
    }

    #[test]
    fn big_page() {
        let para = "<p>2023年共办理行政复议案件131件，纠错率12.5%，&nbsp;罚款25.2万元。</p>\n";
        let mut html = String::from("<html><body><div id=zoom>");
        while html.len() < 3_000_000 {
            html.push_str(para);
        }
        html.push_str("</div></body></html>");
        let t = extractor(&[]).extract(&html);
        let lines: Vec<&str> = t.body.lines().collect();
        assert!(lines.len() > 30_000, "{}", lines.len());
        assert!(lines
            .iter()
            .all(|l| *l == "2023年共办理行政复议案件131件，纠错率12.5%， 罚款25.2万元。"));
    }

    #[test]
    fn html_sniffing() {
        let cases = [
            ("<!DOCTYPE html><html><body>x</body></html>", true),
            ("\u{FEFF}  <html lang=zh>", true),
            ("<meta charset=gbk><title>x</title>", true),
            ("<div><p>a</p><p>b</p><span>c</span></div>", true),
            (
                "法治政府建设年度报告\n一、主要工作\n2023年<重要>事项",
                false,
            ),
            ("a < b and c > d; x<y", false),
            ("", false),
        ];
        for (text, want) in cases {
            assert_eq!(looks_like_html(text), want, "{text:?}");
        }
    }
}
