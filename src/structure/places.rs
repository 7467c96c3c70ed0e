//! Placing a report in the national administrative divisions.
//!
//! **In:** the report's heading (if any) and its whole normalized body in Simplified
//! characters, signature lines included. **Out:** a [`Place`]: province, city, county,
//! township (official full names from the NBS statistical division tables embedded from
//! `data/admin-divisions/`) and the statistical code of the issuing unit (9 digits for a
//! township report, 6 for a county-level report).
//!
//! How it works (EXTRACTION.md §4):
//! - One leftmost-longest [`Dictionary`] of every official name, a few derived
//!   aliases and the self-reference words of `[places]` in `pipeline.toml` scans the title
//!   and the text once.
//!   Aliases: ethnic infixes (`assets/ethnic-groups.txt`) dropped from autonomous names
//!   (`金平苗族瑶族傣族自治县` → `金平县`, `XX回族乡` → `XX乡`), `XX街道办事处` rows read as
//!   `XX街道`. Short names without the suffix (`龙川`, `广东`) are only *evidence* for a
//!   candidate already under consideration, and only in an unmistakable context: after
//!   `[places] short_name_prefixes` (`法治`, `平安`…), inside brackets or quotes, or written
//!   right against another division name (`龙川登云镇`).
//!   Names of one or two characters (`城区`, `赵县`, `新镇`) count in the body only in
//!   the same kinds of context; in the title or a signature line they always count.
//! - Only township rows named `…镇/乡/街道/苏木/办事处` count as townships.
//! - Level: the most specific division named in the title decides; otherwise signature
//!   or heading lines (short lines ending in `[places] issuer_line_endings`: `人民政府`,
//!   `办事处`, `委员会` …), the self-references outside `《》` (`[places]`: `我镇/本镇/全镇/镇党委…`
//!   against `我县/本县/全县/我区/县政府…`) and how often the leading township/county is named
//!   are weighed.
//! - The issuing township is the township name with the largest weighted count (title 10,
//!   signature line 6, body 1). It is placed only if its name is unique in the table or the
//!   text names the county or city of exactly one of the rows bearing that name; otherwise
//!   the township is named and county, city, province and code stay null.
//! - A county-level report gets the county named most (same weights). An ambiguous county
//!   name (`朝阳区`, `鼓楼区`) is resolved by a city, province or township of the text;
//!   failing that only the county name is given.
//! - Municipalities: province and city are both the municipality. County-level cities
//!   directly under a province (`省直辖县级行政区划`) have no city.
//! - Places visited, or visitors' places, do not place the report: a name after
//!   `[places] other_place_before` in the same clause (`赴桐庐县学习`), or a list of names
//!   right before `other_place_after` (`三都县、六盘水市等地考察团`), is left out.
//! - The same scan hands extract the full names written with a Chinese numeral (`三台县`,
//!   `五家渠市`), whose numerals are no quantities ([`Gazetteer::locate_and_mark`]).
//!
//! Known misses: townships merged or renamed after the 2023 tables are not recognized
//! (a report from such a town falls back to its county's names, without code); a report
//! whose county differs from the table's county for a uniquely named township follows
//! the table; city-level and province-level reports get city/province but no code;
//! leftmost-longest matching keeps only the first of two overlapping names, so a name
//! that starts inside another one is not seen; a short-name or two-character match is
//! only as good as its context rule (`法治X`, `(X)`, written against another name).
//! Build cost: about 40 ms per process to parse the tables (on a background thread at
//! start-up, see [`prepare`]), then about 10 ms per run for the dictionary.

use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use std::ops::Range;
use std::sync::LazyLock;

use crate::extract::numerals::is_chinese_numeral_char;
use crate::text::dict::Dictionary;

const PROVINCES_CSV: &str = include_str!("../../assets/admin-divisions/provinces.csv");
const CITIES_CSV: &str = include_str!("../../assets/admin-divisions/cities.csv");
const AREAS_CSV: &str = include_str!("../../assets/admin-divisions/areas.csv");
const STREETS_CSV: &str = include_str!("../../assets/admin-divisions/streets.csv");

/// Where a report sits: official full names and the code of the issuing unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub province: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub township: Option<String>,
    pub admin_code: Option<String>,
}

/// Names of China's ethnic groups as they appear inside autonomous-area names (`各` for
/// `各族`, `民` for `民族乡`): reference data for deriving aliases from the division tables,
/// one per line in `assets/ethnic-groups.txt`.
static ETHNIC: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    crate::text::str_lines(include_str!("../../assets/ethnic-groups.txt"))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// The vocabulary of `[places]` in `pipeline.toml`.
#[derive(Debug, Clone, Default)]
pub struct PlaceWords {
    /// Words a report uses for its own unit: (word, true = township level, weight). Counted
    /// outside `《》`.
    pub self_references: Vec<(String, bool, u32)>,
    /// Words that contain a self-reference but are not one; matched so that the
    /// leftmost-longest scan swallows them (`全乡镇` is not `全乡`).
    pub not_self_references: Vec<String>,
    /// Endings of a line that names the issuing body (signature or letterhead).
    pub issuer_line_endings: Vec<String>,
    /// Words right before a short name that make it unmistakable (`法治龙川建设`).
    pub short_name_prefixes: Vec<String>,
    /// Words that, before a name in the same clause, make it another place than the report's:
    /// `赴桐庐县学习`, `接待三都县考察团`.
    pub other_place_before: Vec<String>,
    /// Words that do the same right after a name or a list of names: `三都县、六盘水市等地考察团`.
    pub other_place_after: Vec<String>,
    /// What may stand between the names of a list and the word after it (`、`, `等`, `地`).
    pub name_list_glue: Vec<char>,
    /// What ends a clause (`[structure] clause_ends`): a `赴` reaches no name beyond it.
    pub clause_ends: Vec<char>,
}

const OPENERS: &[char] = &['(', '（', '“', '「', '【', '〔', '"'];
const CLOSERS: &[char] = &[')', '）', '”', '」', '】', '〕', '"'];

const W_TITLE: u32 = 10;
const W_ISSUER: u32 = 6;
const W_BODY: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Province,
    City,
    County,
    Township,
}

#[derive(Debug, Clone, Copy)]
struct Ref {
    level: Level,
    id: u32,
    /// A short name without suffix: evidence only.
    short: bool,
}

#[derive(Debug, Clone, Copy)]
enum Pat {
    Names {
        first: u32,
        count: u32,
        /// One or two characters: needs context in the body.
        weak: bool,
    },
    SelfRef {
        township: bool,
        weight: u32,
    },
    Neutral,
    Open,
    Close,
    /// A word after which, in the same clause, a name is another place (`赴`).
    OtherBefore,
    /// A word right after a name or a list of names that makes them other places (`考察团`).
    OtherAfter,
}

#[derive(Debug)]
struct Province {
    name: String,
}

#[derive(Debug)]
struct City {
    /// Display name; the municipality for `市辖区`/`县`, None for `省直辖县级行政区划`.
    name: Option<String>,
    province: u32,
}

#[derive(Debug)]
struct County {
    code: &'static str,
    name: &'static str,
    city: u32,
}

#[derive(Debug)]
struct Township {
    code: &'static str,
    name: &'static str,
    county: u32,
}

/// The division tables and every form of every name, parsed from the embedded CSVs once per
/// process (see [`prepare`]).
struct Tables {
    provinces: Vec<Province>,
    cities: Vec<City>,
    counties: Vec<County>,
    townships: Vec<Township>,
    /// Every name form and the divisions it names, sorted by name.
    named: Vec<(String, Vec<Ref>)>,
}

static TABLES: LazyLock<Tables> =
    LazyLock::new(|| Tables::parse(PROVINCES_CSV, CITIES_CSV, AREAS_CSV, STREETS_CSV));

/// Parses the embedded division tables now (a few tens of ms), e.g. on a background thread
/// at start-up, rather than when the first [`Gazetteer`] is built.
pub fn prepare() {
    LazyLock::force(&TABLES);
}

/// The division tables and the dictionary of their names and of the `[places]` words.
/// Build once per run, share freely.
pub struct Gazetteer {
    tables: &'static Tables,
    words: PlaceWords,
    pats: Vec<Pat>,
    /// The text of each pattern, by pattern id.
    pat_names: Vec<String>,
    refs: Vec<Ref>,
    /// None only if the dictionary could not be built (then nothing is ever located).
    dict: Option<Dictionary>,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer")
            .field("provinces", &self.tables.provinces.len())
            .field("cities", &self.tables.cities.len())
            .field("counties", &self.tables.counties.len())
            .field("townships", &self.tables.townships.len())
            .field("patterns", &self.pats.len())
            .finish()
    }
}

/// Split a CSV line of `N` fields, unquoting them. The tables never put commas or
/// quotes inside a name (checked by the test `csv_fields`). Cut by [`crate::text::pieces`]:
/// `str::split(',')` took a fifth of the tables' parsing at start-up.
fn fields<const N: usize>(line: &str) -> Option<[&str; N]> {
    let mut out = [""; N];
    let mut it = crate::text::pieces(line.trim_end_matches('\r'), b',');
    for slot in out.iter_mut() {
        let f = it.next()?.1.trim();
        *slot = f
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(f);
    }
    if it.next().is_some() {
        return None;
    }
    Some(out)
}

fn data_lines(csv: &str) -> impl Iterator<Item = &str> {
    crate::text::str_lines(csv)
        .skip(1)
        .filter(|l| !l.trim().is_empty())
}

/// `stem` with trailing `(ethnic)族` groups removed; None if nothing was removed or
/// nothing would remain. `allow_bare` also strips an ethnic name without `族`
/// (`巴里坤哈萨克`).
fn strip_ethnic(stem: &str, allow_bare: bool) -> Option<&str> {
    let mut s = stem;
    loop {
        let (rest, had_zu) = match s.strip_suffix('族') {
            Some(r) => (r, true),
            None if allow_bare => (s, false),
            None => break,
        };
        let best = ETHNIC
            .iter()
            .filter(|e| rest.ends_with(*e))
            .max_by_key(|e| e.len());
        match best {
            Some(e) => s = &rest[..rest.len() - e.len()],
            None => break,
        }
        if !had_zu {
            break;
        }
    }
    if s.len() == stem.len() || s.is_empty() {
        None
    } else {
        Some(s)
    }
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Aliases and the short name of a county-level name.
fn county_forms(name: &str) -> (Vec<String>, Option<String>) {
    let mut aliases = Vec::new();
    let mut short = None;
    for (auto, plain) in [("自治县", "县"), ("自治旗", "旗")] {
        if let Some(stem) = name.strip_suffix(auto) {
            if let Some(s) = strip_ethnic(stem, true) {
                aliases.push(format!("{s}{plain}"));
                if char_len(s) >= 2 {
                    short = Some(s.to_string());
                }
            }
            return (aliases, short);
        }
    }
    for suffix in ["县", "区", "市", "旗"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            let generic = ["开发区", "管理区", "园区", "示范区", "新区", "城区", "矿区"];
            if char_len(stem) >= 2 && !generic.iter().any(|g| name.ends_with(g)) {
                short = Some(stem.to_string());
            }
            break;
        }
    }
    (aliases, short)
}

/// Aliases and short name of a city (prefecture-level) name.
fn city_forms(name: &str) -> (Vec<String>, Option<String>) {
    if let Some(stem) = name.strip_suffix("自治州") {
        return match strip_ethnic(stem, true) {
            Some(s) => (
                vec![format!("{s}州")],
                (char_len(s) >= 2).then(|| s.to_string()),
            ),
            None => (Vec::new(), None),
        };
    }
    for suffix in ["市", "地区", "盟"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return (Vec::new(), (char_len(stem) >= 2).then(|| stem.to_string()));
        }
    }
    (Vec::new(), None)
}

/// Short name of a province.
fn province_short(name: &str) -> Option<String> {
    let stem = if let Some(s) = name.strip_suffix("自治区") {
        strip_ethnic(s, true).unwrap_or(s)
    } else if let Some(s) = name.strip_suffix('省') {
        s
    } else {
        name.strip_suffix('市')?
    };
    (char_len(stem) >= 2).then(|| stem.to_string())
}

/// Township name as counted (`XX街道办事处` → `XX街道`), or None for rows that are not
/// townships (farms, development zones, bare `街道`).
fn township_name(raw: &str) -> Option<&str> {
    let name = match raw.strip_suffix("街道办事处") {
        Some(stem) => &raw[..stem.len() + "街道".len()],
        None => raw,
    };
    let suffix = ["镇", "乡", "街道", "苏木", "办事处"]
        .into_iter()
        .find(|s| name.ends_with(s))?;
    (name.len() > suffix.len()).then_some(name)
}

/// Alias of an ethnic township (`XX回族乡` → `XX乡`).
fn township_alias(name: &str) -> Option<String> {
    for suffix in ["镇", "乡", "苏木"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return strip_ethnic(stem, false).map(|s| format!("{s}{suffix}"));
        }
    }
    None
}

#[derive(Default)]
struct Builder {
    names: HashMap<String, Vec<Ref>>,
}

impl Builder {
    fn add(&mut self, name: &str, r: Ref) {
        match self.names.get_mut(name) {
            Some(refs) => refs.push(r),
            None => {
                self.names.insert(name.to_string(), vec![r]);
            }
        }
    }
}

impl Tables {
    /// The CSVs are the embedded ones: counties and townships keep their names and codes as
    /// slices of them.
    fn parse(
        prov_csv: &'static str,
        city_csv: &'static str,
        area_csv: &'static str,
        street_csv: &'static str,
    ) -> Tables {
        let mut b = Builder::default();

        let mut provinces = Vec::new();
        let mut prov_idx: HashMap<&str, u32> = HashMap::default();
        for line in data_lines(prov_csv) {
            let Some([code, name]) = fields::<2>(line) else {
                continue;
            };
            let id = provinces.len() as u32;
            prov_idx.insert(code, id);
            let r = Ref {
                level: Level::Province,
                id,
                short: false,
            };
            b.add(name, r);
            if let Some(s) = province_short(name) {
                b.add(&s, Ref { short: true, ..r });
            }
            provinces.push(Province {
                name: name.to_string(),
            });
        }

        let mut cities = Vec::new();
        let mut city_idx: HashMap<&str, u32> = HashMap::default();
        for line in data_lines(city_csv) {
            let Some([code, name, pcode]) = fields::<3>(line) else {
                continue;
            };
            let Some(&province) = prov_idx.get(pcode) else {
                continue;
            };
            let id = cities.len() as u32;
            city_idx.insert(code, id);
            let display = if name == "市辖区" || name == "县" {
                // Municipality: its name is already a province pattern; make it name
                // the city too so that `北京市` counts as city evidence.
                let pname = &provinces[province as usize].name;
                b.add(
                    pname,
                    Ref {
                        level: Level::City,
                        id,
                        short: false,
                    },
                );
                Some(pname.clone())
            } else if name.contains("直辖") {
                None
            } else {
                let r = Ref {
                    level: Level::City,
                    id,
                    short: false,
                };
                b.add(name, r);
                let (aliases, short) = city_forms(name);
                for a in aliases {
                    b.add(&a, r);
                }
                if let Some(s) = short {
                    b.add(&s, Ref { short: true, ..r });
                }
                Some(name.to_string())
            };
            cities.push(City {
                name: display,
                province,
            });
        }

        let mut counties: Vec<County> = Vec::new();
        let mut county_idx: HashMap<&str, u32> = HashMap::default();
        for line in data_lines(area_csv) {
            let Some([code, name, ccode, _pcode]) = fields::<4>(line) else {
                continue;
            };
            let Some(&city) = city_idx.get(ccode) else {
                continue;
            };
            let id = counties.len() as u32;
            county_idx.insert(code, id);
            counties.push(County { code, name, city });
        }
        let county_full: FxHashSet<&str> = counties.iter().map(|c| c.name).collect();
        for (id, c) in counties.iter().enumerate() {
            let r = Ref {
                level: Level::County,
                id: id as u32,
                short: false,
            };
            b.add(c.name, r);
            let (aliases, short) = county_forms(c.name);
            for a in aliases {
                if !county_full.contains(a.as_str()) {
                    b.add(&a, r);
                }
            }
            if let Some(s) = short {
                b.add(&s, Ref { short: true, ..r });
            }
        }

        let mut townships = Vec::new();
        for line in data_lines(street_csv) {
            let Some([code, raw, acode, _p, _c]) = fields::<5>(line) else {
                continue;
            };
            let Some(&county) = county_idx.get(acode) else {
                continue;
            };
            let Some(name) = township_name(raw) else {
                continue;
            };
            let id = townships.len() as u32;
            let r = Ref {
                level: Level::Township,
                id,
                short: false,
            };
            b.add(name, r);
            if let Some(a) = township_alias(name) {
                b.add(&a, r);
            }
            townships.push(Township { code, name, county });
        }

        // Deterministic pattern order.
        let mut named: Vec<(String, Vec<Ref>)> = b.names.into_iter().collect();
        named.sort_unstable_by(|a, b| a.0.cmp(&b.0)); // names are distinct
        Tables {
            provinces,
            cities,
            counties,
            townships,
            named,
        }
    }
}

impl Gazetteer {
    /// The gazetteer of the embedded division tables with the `[places]` words.
    pub fn new(words: &PlaceWords) -> Gazetteer {
        let tables: &'static Tables = &TABLES;
        let mut patterns: Vec<String> = Vec::with_capacity(tables.named.len() + 64);
        let mut pats = Vec::with_capacity(tables.named.len() + 64);
        let mut refs = Vec::new();
        let keywords: FxHashSet<&str> = (words.self_references.iter().map(|(k, _, _)| k))
            .chain(&words.not_self_references)
            .map(String::as_str)
            .collect();
        for (name, rs) in &tables.named {
            if keywords.contains(name.as_str()) {
                continue;
            }
            let first = refs.len() as u32;
            refs.extend_from_slice(rs);
            pats.push(Pat::Names {
                first,
                count: rs.len() as u32,
                weak: char_len(name) <= 2,
            });
            patterns.push(name.clone());
        }
        for (w, township, weight) in &words.self_references {
            pats.push(Pat::SelfRef {
                township: *township,
                weight: *weight,
            });
            patterns.push(w.clone());
        }
        for w in &words.not_self_references {
            pats.push(Pat::Neutral);
            patterns.push(w.clone());
        }
        for w in &words.other_place_before {
            pats.push(Pat::OtherBefore);
            patterns.push(w.clone());
        }
        for w in &words.other_place_after {
            pats.push(Pat::OtherAfter);
            patterns.push(w.clone());
        }
        pats.push(Pat::Open);
        patterns.push("《".to_string());
        pats.push(Pat::Close);
        patterns.push("》".to_string());

        let dict = Dictionary::new(&patterns).ok();
        Gazetteer {
            tables,
            words: words.clone(),
            pats,
            pat_names: patterns,
            refs,
            dict,
        }
    }

    /// Whether pattern `pat` is a division name (not a keyword).
    fn is_name(&self, pat: u32) -> bool {
        matches!(self.pats.get(pat as usize), Some(Pat::Names { .. }))
    }

    fn refs_of(&self, pat: u32) -> &[Ref] {
        match self.pats.get(pat as usize) {
            Some(&Pat::Names { first, count, .. }) => self
                .refs
                .get(first as usize..(first + count) as usize)
                .unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Place a report. `title`: its heading if it has one; `text`: the whole normalized
    /// body (Simplified), signature lines included.
    pub fn locate(&self, title: Option<&str>, text: &str) -> Place {
        self.locate_in_page(title, text, None)
    }

    /// [`Gazetteer::locate`] for a web page whose heading (its `<title>`) also names the site
    /// that published it (`…年度报告_深圳市宝安区人民政府门户网站`): the heading counts as one
    /// more line of the body, so the site's county or city can place a township the text
    /// names alone.
    pub fn locate_in_page(
        &self,
        title: Option<&str>,
        text: &str,
        page_heading: Option<&str>,
    ) -> Place {
        self.locate_and_mark(title, text, page_heading).0
    }

    /// [`Gazetteer::locate_in_page`], and the byte ranges of `text` that are full division
    /// names written with a Chinese numeral (`三台县`, `五家渠市`, `两家子乡`): their numerals are
    /// no quantities.
    pub fn locate_and_mark(
        &self,
        title: Option<&str>,
        text: &str,
        page_heading: Option<&str>,
    ) -> (Place, Vec<Range<usize>>) {
        let Some(dict) = &self.dict else {
            return (Place::default(), Vec::new());
        };
        let mut hits = Vec::with_capacity(64);
        if let Some(t) = title {
            self.scan(dict, t, Zone::Title, &mut hits);
        }
        let body = hits.len();
        self.scan(dict, text, Zone::Body, &mut hits);
        let names_with_numerals = hits[body..]
            .iter()
            .filter(|h| {
                self.refs_of(h.pat).iter().any(|r| !r.short)
                    && text[h.start..h.end].chars().any(is_chinese_numeral_char)
            })
            .map(|h| h.start..h.end)
            .collect();
        if let Some(h) = page_heading {
            self.scan(dict, h, Zone::Body, &mut hits);
        }
        (self.decide(&hits), names_with_numerals)
    }

    /// Scan `src` once, pushing every name/keyword hit with its zone and quote state.
    fn scan(&self, dict: &Dictionary, src: &str, zone: Zone, hits: &mut Vec<Hit>) {
        let mut line_start = 0usize;
        // Line ends by `memchr`: `str::find` costs more than the rest of a line's handling.
        let line_end_from = |start: usize| {
            memchr::memchr(b'\n', &src.as_bytes()[start..]).map_or(src.len(), |i| start + i)
        };
        let mut line_end = line_end_from(0);
        let mut line_zone = None::<Zone>;
        let mut depth = 0u32;
        let mut line_no = 0u32;
        let mut visit_from = None::<usize>; // after the last `赴` & co. of the line
        let base = hits.len();
        for m in dict.find_iter(src) {
            while m.start > line_end {
                line_start = line_end + 1;
                line_end = line_end_from(line_start);
                line_zone = None;
                depth = 0;
                line_no += 1;
                visit_from = None;
            }
            let pat = m.word;
            match self.pats.get(pat as usize) {
                Some(Pat::Open) => {
                    depth += 1;
                    continue;
                }
                Some(Pat::Close) => {
                    depth = depth.saturating_sub(1);
                    continue;
                }
                Some(Pat::Neutral) | None => continue,
                Some(Pat::OtherBefore) => {
                    visit_from = Some(m.end);
                    continue;
                }
                Some(Pat::OtherAfter) => {
                    // `接待三都县、六盘水市等地考察团`: the names right before it, in a list.
                    let mut next = m.start;
                    for h in hits[base..].iter_mut().rev() {
                        if h.line != line_no
                            || !self.is_name(h.pat)
                            || !src[h.end..next]
                                .chars()
                                .all(|c| self.words.name_list_glue.contains(&c))
                        {
                            break;
                        }
                        h.foreign |= h.zone == Zone::Body;
                        next = h.start;
                    }
                    continue;
                }
                _ => {}
            }
            let z = match zone {
                Zone::Title => Zone::Title,
                _ => *line_zone.get_or_insert_with(|| {
                    if self.is_issuer_line(&src[line_start..line_end]) {
                        Zone::Issuer
                    } else {
                        Zone::Body
                    }
                }),
            };
            let before = &src[..m.start];
            let after = &src[m.end..];
            // After `赴`, `接待` in the same clause, a name is another place (`赴桐庐县学习`).
            let foreign = self.is_name(pat)
                && z == Zone::Body
                && visit_from
                    .is_some_and(|from| !src[from..m.start].contains(&self.words.clause_ends[..]));
            let ctx = self
                .words
                .short_name_prefixes
                .iter()
                .any(|p| before.ends_with(p.as_str()))
                || (before.ends_with(OPENERS) && after.starts_with(CLOSERS));
            hits.push(Hit {
                pat,
                start: m.start,
                end: m.end,
                zone: z,
                quoted: depth > 0,
                line: line_no,
                ctx,
                anchored: false,
                foreign,
            });
        }
        // A name written right against another name (`龙川县登云镇`) is anchored.
        for i in base..hits.len() {
            let named = |j: usize| self.is_name(hits[j].pat);
            if !named(i) {
                continue;
            }
            let prev = i > base && named(i - 1) && hits[i - 1].end == hits[i].start;
            let next = i + 1 < hits.len() && named(i + 1) && hits[i + 1].start == hits[i].end;
            hits[i].anchored = prev || next;
        }
    }

    /// Does a hit count as a mention? Weak names and short names need context in the body.
    fn valid(&self, h: &Hit, short: bool) -> bool {
        let weak = matches!(
            self.pats.get(h.pat as usize),
            Some(Pat::Names { weak: true, .. })
        );
        if !(weak || short) {
            return true;
        }
        h.zone != Zone::Body || h.anchored || h.ctx
    }

    fn decide(&self, hits: &[Hit]) -> Place {
        let mut ev = Evidence::default();
        let mut self_t = 0u32;
        let mut self_c = 0u32;
        let mut town_tally: Vec<(u32, u32, u32, usize)> = Vec::new(); // pat, score, body, order
        let mut county_tally: Vec<(u32, u32, u32, usize)> = Vec::new(); // county id, score, body, order
        let mut title_level = None::<Level>;
        let mut issuer_t = 0u32;
        let mut issuer_c = 0u32;
        let mut issuer_city = None::<u32>;
        let mut title_city = None::<u32>;

        // Most specific level named on each issuer line (hits come in text order).
        let mut cur_issuer: Option<(usize, Option<Level>, Option<u32>)> = None;
        let flush = |c: &mut Option<(usize, Option<Level>, Option<u32>)>,
                     t: &mut u32,
                     k: &mut u32,
                     city: &mut Option<u32>| {
            if let Some((_, lvl, cty)) = c.take() {
                match lvl {
                    Some(Level::Township) => *t += 1,
                    Some(Level::County) => *k += 1,
                    Some(_) if city.is_none() => *city = cty,
                    _ => {}
                }
            }
        };

        for (order, h) in hits.iter().enumerate() {
            if h.foreign {
                continue;
            }
            let weight = match h.zone {
                Zone::Title => W_TITLE,
                Zone::Issuer => W_ISSUER,
                Zone::Body => W_BODY,
            };
            let mut top_level = None::<Level>;
            let mut top_city = None::<u32>;
            let mut town_counted = false;
            if let Some(Pat::SelfRef { township, weight }) = self.pats.get(h.pat as usize) {
                if !h.quoted {
                    if *township {
                        self_t += weight;
                        // `某镇人民政府` in a signature, `我镇…` in a title: township level
                        // even when the tables do not know the township.
                        top_level = Some(Level::Township);
                    } else {
                        self_c += weight;
                    }
                }
            }
            for r in self.refs_of(h.pat) {
                if !self.valid(h, r.short) {
                    continue;
                }
                ev.note(r.level, r.id);
                if r.short {
                    continue;
                }
                top_level = top_level.max(Some(r.level));
                match r.level {
                    Level::Township if !town_counted => {
                        town_counted = true;
                        bump(
                            &mut town_tally,
                            h.pat,
                            weight,
                            h.zone == Zone::Body && !h.quoted,
                            order,
                        );
                    }
                    Level::County => bump(
                        &mut county_tally,
                        r.id,
                        weight,
                        h.zone == Zone::Body && !h.quoted,
                        order,
                    ),
                    Level::City => top_city = Some(r.id),
                    _ => {}
                }
            }
            if h.quoted {
                continue;
            }
            match h.zone {
                Zone::Title => {
                    title_level = title_level.max(top_level);
                    if top_level == Some(Level::City) && title_city.is_none() {
                        title_city = top_city;
                    }
                }
                Zone::Issuer => {
                    // A new issuer line starts when the previous hit was elsewhere.
                    let same_line = order > 0
                        && cur_issuer.is_some()
                        && hits[order - 1].zone == Zone::Issuer
                        && hits[order - 1].line == h.line;
                    if !same_line {
                        flush(
                            &mut cur_issuer,
                            &mut issuer_t,
                            &mut issuer_c,
                            &mut issuer_city,
                        );
                        cur_issuer = Some((order, None, None));
                    }
                    if let Some(c) = cur_issuer.as_mut() {
                        c.1 = c.1.max(top_level);
                        if top_level == Some(Level::City) {
                            c.2 = top_city;
                        }
                    }
                }
                Zone::Body => {}
            }
        }
        flush(
            &mut cur_issuer,
            &mut issuer_t,
            &mut issuer_c,
            &mut issuer_city,
        );

        let top_town = best(&town_tally);
        let top_county = best(&county_tally);

        let level = match title_level {
            Some(l) => l,
            None => {
                let t = W_ISSUER * issuer_t + self_t + 2 * top_town.map_or(0, |x| x.2.min(10));
                let c = W_ISSUER * issuer_c + self_c + 2 * top_county.map_or(0, |x| x.2.min(10));
                if t > c || (t == c && t > 0 && top_town.is_some()) {
                    Level::Township
                } else if top_county.is_some() || c > 0 {
                    Level::County
                } else {
                    Level::City
                }
            }
        };

        match level {
            Level::Township => {
                if let Some(&(pat, ..)) = top_town {
                    return self.place_township(pat, &ev);
                }
                // A township report whose township the tables do not know: give the
                // county it names, without a code.
                let mut p = top_county
                    .map(|&(id, ..)| self.place_county(id, &county_tally, &ev))
                    .unwrap_or_default();
                p.admin_code = None;
                p
            }
            Level::County => top_county
                .map(|&(id, ..)| self.place_county(id, &county_tally, &ev))
                .unwrap_or_default(),
            Level::Province => Place {
                province: ev
                    .provinces
                    .first()
                    .and_then(|&p| self.tables.provinces.get(p as usize))
                    .map(|p| p.name.clone()),
                ..Place::default()
            },
            Level::City => title_city
                .or(issuer_city)
                .and_then(|c| self.tables.cities.get(c as usize))
                .map(|c| Place {
                    province: self
                        .tables
                        .provinces
                        .get(c.province as usize)
                        .map(|p| p.name.clone()),
                    city: c.name.clone(),
                    ..Place::default()
                })
                .unwrap_or_default(),
        }
    }

    fn place_township(&self, pat: u32, ev: &Evidence) -> Place {
        let cands: Vec<u32> = self
            .refs_of(pat)
            .iter()
            .filter(|r| r.level == Level::Township && !r.short)
            .map(|r| r.id)
            .collect();
        let name_of = |id: u32| self.tables.townships.get(id as usize).map(|t| t.name);
        let mut chosen = None;
        if cands.len() == 1 {
            chosen = cands.first().copied();
        } else {
            let mut best_score = 0u32;
            let mut n_best = 0;
            for &t in &cands {
                let Some(tw) = self.tables.townships.get(t as usize) else {
                    continue;
                };
                let Some(county) = self.tables.counties.get(tw.county as usize) else {
                    continue;
                };
                let mut s = 0;
                if ev.has(Level::County, tw.county) {
                    s += 4;
                }
                if ev.has(Level::City, county.city) {
                    s += 2;
                }
                if s == 0 {
                    continue;
                }
                if let Some(c) = self.tables.cities.get(county.city as usize) {
                    if ev.has(Level::Province, c.province) {
                        s += 1;
                    }
                }
                match s.cmp(&best_score) {
                    std::cmp::Ordering::Greater => {
                        best_score = s;
                        n_best = 1;
                        chosen = Some(t);
                    }
                    std::cmp::Ordering::Equal => n_best += 1,
                    std::cmp::Ordering::Less => {}
                }
            }
            if n_best != 1 {
                chosen = None;
            }
        }
        match chosen.and_then(|t| self.tables.townships.get(t as usize).map(|tw| (t, tw))) {
            Some((_, tw)) => {
                let mut p = self.county_place(tw.county);
                p.township = Some(tw.name.to_string());
                p.admin_code = Some(tw.code.to_string());
                p
            }
            None => {
                let first = cands.first().and_then(|&t| name_of(t));
                let same = cands.iter().all(|&t| name_of(t) == first);
                Place {
                    township: if same {
                        first.map(str::to_string)
                    } else {
                        self.pattern_text(pat)
                    },
                    ..Place::default()
                }
            }
        }
    }

    fn place_county(&self, id: u32, tally: &[(u32, u32, u32, usize)], ev: &Evidence) -> Place {
        let Some(county) = self.tables.counties.get(id as usize) else {
            return Place::default();
        };
        let score_of = |c: u32| tally.iter().find(|x| x.0 == c).map_or(0, |x| x.1);
        let top = score_of(id);
        let group: Vec<u32> = tally
            .iter()
            .filter(|x| {
                x.1 == top
                    && self
                        .tables
                        .counties
                        .get(x.0 as usize)
                        .is_some_and(|c| c.name == county.name)
            })
            .map(|x| x.0)
            .collect();
        if group.len() <= 1 {
            return self.county_place(id);
        }
        let mut best_id = None;
        let mut best_score = 0u32;
        let mut n_best = 0;
        for &c in &group {
            let Some(cty) = self.tables.counties.get(c as usize) else {
                continue;
            };
            let mut s = 0;
            if ev.has(Level::City, cty.city) {
                s += 2;
            }
            if let Some(city) = self.tables.cities.get(cty.city as usize) {
                if ev.has(Level::Province, city.province) {
                    s += 1;
                }
            }
            if ev.townships.iter().any(|&t| {
                self.tables
                    .townships
                    .get(t as usize)
                    .is_some_and(|tw| tw.county == c)
            }) {
                s += 1;
            }
            match s.cmp(&best_score) {
                std::cmp::Ordering::Greater => {
                    best_score = s;
                    n_best = 1;
                    best_id = Some(c);
                }
                std::cmp::Ordering::Equal => n_best += 1,
                std::cmp::Ordering::Less => {}
            }
        }
        match best_id {
            Some(c) if n_best == 1 && best_score > 0 => self.county_place(c),
            _ => Place {
                county: Some(county.name.to_string()),
                ..Place::default()
            },
        }
    }

    /// Full place of a county, with its 6-digit code.
    fn county_place(&self, id: u32) -> Place {
        let Some(c) = self.tables.counties.get(id as usize) else {
            return Place::default();
        };
        let city = self.tables.cities.get(c.city as usize);
        Place {
            province: city
                .and_then(|ci| self.tables.provinces.get(ci.province as usize))
                .map(|p| p.name.clone()),
            city: city.and_then(|ci| ci.name.clone()),
            county: Some(c.name.to_string()),
            township: None,
            admin_code: Some(c.code.to_string()),
        }
    }

    fn pattern_text(&self, pat: u32) -> Option<String> {
        self.pat_names.get(pat as usize).cloned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Zone {
    Title,
    Issuer,
    Body,
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    pat: u32,
    start: usize,
    end: usize,
    zone: Zone,
    quoted: bool,
    /// Line number within its source (title or text).
    line: u32,
    /// Short-name context: after `法治` & co., or between brackets/quotes.
    ctx: bool,
    /// Written right against another division name.
    anchored: bool,
    /// Another place than the report's: visited, or visitors from it (see
    /// [`PlaceWords::other_place_before`]).
    foreign: bool,
}

/// Division ids named in the text (full or short, in valid context).
#[derive(Default)]
struct Evidence {
    provinces: Vec<u32>,
    cities: Vec<u32>,
    counties: Vec<u32>,
    townships: Vec<u32>,
}

impl Evidence {
    fn list(&mut self, level: Level) -> &mut Vec<u32> {
        match level {
            Level::Province => &mut self.provinces,
            Level::City => &mut self.cities,
            Level::County => &mut self.counties,
            Level::Township => &mut self.townships,
        }
    }
    fn note(&mut self, level: Level, id: u32) {
        let l = self.list(level);
        if !l.contains(&id) {
            l.push(id);
        }
    }
    fn has(&self, level: Level, id: u32) -> bool {
        match level {
            Level::Province => self.provinces.contains(&id),
            Level::City => self.cities.contains(&id),
            Level::County => self.counties.contains(&id),
            Level::Township => self.townships.contains(&id),
        }
    }
}

/// Add `w` to key `k` (body counts only body mentions outside `《》`).
fn bump(tally: &mut Vec<(u32, u32, u32, usize)>, k: u32, w: u32, body: bool, order: usize) {
    match tally.iter_mut().find(|x| x.0 == k) {
        Some(x) => {
            x.1 += w;
            x.2 += u32::from(body);
        }
        None => tally.push((k, w, u32::from(body), order)),
    }
}

/// Highest score; ties go to the earliest mention.
fn best(tally: &[(u32, u32, u32, usize)]) -> Option<&(u32, u32, u32, usize)> {
    tally
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.3.cmp(&a.3)))
}

impl Gazetteer {
    /// A short line naming the issuing body (signature or letterhead).
    fn is_issuer_line(&self, line: &str) -> bool {
        let t = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
        if t.len() > 40 * 3 {
            return false;
        }
        let n = char_len(t);
        (4..=40).contains(&n)
            && !t.contains(['。', '，', ',', '：', ':', '；', ';', '、'])
            && self
                .words
                .issuer_line_endings
                .iter()
                .any(|e| t.ends_with(e.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> &'static Gazetteer {
        static G: LazyLock<Gazetteer> = LazyLock::new(|| {
            let config = crate::config::Config::builtin().expect("the built-in config is valid");
            Gazetteer::new(&config.places)
        });
        &G
    }

    /// (province, city, county, township, code); "" = None.
    type Want = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );

    fn place(w: Want) -> Place {
        let o = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Place {
            province: o(w.0),
            city: o(w.1),
            county: o(w.2),
            township: o(w.3),
            admin_code: o(w.4),
        }
    }

    fn check(cases: &[(&str, Option<&str>, &str, Want)]) {
        for (name, title, text, want) in cases {
            assert_eq!(g().locate(*title, text), place(*want), "case {name}");
        }
    }

    #[test]
    fn synthetic_rules() {
        check(&[
            (
                "unique township, nothing else named",
                None,
                "今年我镇完善制度。徐行镇开展普法活动3次。",
                ("上海市", "上海市", "嘉定区", "徐行镇", "310114109"),
            ),
            (
                "ambiguous township placed by its county written before it",
                None,
                "平江县安定镇人民政府\n今年我镇加强执法。安定镇组织培训。",
                ("湖南省", "岳阳市", "平江县", "安定镇", "430626101"),
            ),
            (
                "ambiguous township placed by its city alone",
                None,
                "在白城市委的领导下,安定镇扎实推进工作,我镇成效明显。",
                ("吉林省", "白城市", "洮南市", "安定镇", "220881104"),
            ),
            (
                "ambiguous township without county: named only",
                None,
                "在县委、县政府领导下,我镇扎实推进依法行政。城关镇全年召开会议5次。",
                ("", "", "", "城关镇", ""),
            ),
            (
                "ambiguous township placed by short county name after 法治",
                None,
                "我镇对照法治湟中建设要求,共和镇推进依法行政,全镇干部参加培训。",
                ("青海省", "西宁市", "湟中区", "共和镇", "630106104"),
            ),
            (
                "a county only visited or visiting is another place: nothing is guessed",
                None,
                "今年我县接待贵州省三都水族自治县、六盘水市等地考察团3批次。组织干部赴浙江省桐庐县学习考察。",
                ("", "", "", "", ""),
            ),
            (
                "a visited county beside the report's own: the own one",
                None,
                "平江县人民政府\n我县组织干部赴浙江省桐庐县学习。平江县全年办理案件30件。",
                ("湖南省", "岳阳市", "平江县", "", "430626"),
            ),
            (
                "short county name without context is no evidence",
                None,
                "我镇扎实推进工作,湟中地区气候寒冷。共和镇开展普法。",
                ("", "", "", "共和镇", ""),
            ),
            (
                "short county name in brackets is evidence",
                None,
                "我镇聘请(新罗)律师事务所律师担任顾问。岩山镇全年审查合同。",
                ("福建省", "龙岩市", "新罗区", "岩山镇", "350802108"),
            ),
            (
                "county report naming its towns has no township",
                None,
                "本县全年办理案件30件。我县在城关镇、平江县安定镇开展试点,全县推进。",
                ("湖南省", "岳阳市", "平江县", "", "430626"),
            ),
            (
                "ethnic infix dropped from an autonomous county",
                None,
                "金平县人民政府\n一年来,我县坚持依法行政,全县完成各项任务。",
                ("云南省", "红河哈尼族彝族自治州", "金平苗族瑶族傣族自治县", "", "532530"),
            ),
            (
                "ethnic township alias maps to the official name",
                Some("通州区于家务乡2023年法治政府建设情况报告"),
                "我乡全年开展执法检查12次。",
                ("北京市", "北京市", "通州区", "于家务回族乡", "110112209"),
            ),
            (
                "ambiguous county resolved by the municipality",
                None,
                "北京市朝阳区人民政府\n今年我区深化改革,全区完成目标。",
                ("北京市", "北京市", "朝阳区", "", "110105"),
            ),
            (
                "ambiguous county resolved by a province",
                None,
                "吉林省委部署后,朝阳区全面推进,我区开展培训8次。",
                ("吉林省", "长春市", "朝阳区", "", "220104"),
            ),
            (
                "ambiguous county undecided: county name only",
                None,
                "朝阳区坚持依法行政,我区开展培训8次,全区完成任务。",
                ("", "", "朝阳区", "", ""),
            ),
            (
                "title decides the level over body self-references",
                Some("鼓楼区2024年法治政府建设年度报告"),
                "福州市鼓楼区坚持依法行政。我镇、本镇等字样出现在引文中。",
                ("福建省", "福州市", "鼓楼区", "", "350102"),
            ),
            (
                "self-references inside 《》 do not decide the level",
                None,
                "根据《全县法治政府建设要点》《我县工作方案》,我乡推进工作。洞口县岩山镇全乡动员。",
                ("湖南省", "邵阳市", "洞口县", "岩山镇", "430525110"),
            ),
            (
                "two-character county name in the body is not a mention",
                None,
                "城区道路整治完成,我县推进依法行政。平江县全年办结案件12件。",
                ("湖南省", "岳阳市", "平江县", "", "430626"),
            ),
            (
                "street office written in full gives the street name",
                Some("北京市西城区人民政府广安门内街道办事处工作报告"),
                "我街道全年审查合同120份。",
                ("北京市", "北京市", "西城区", "广安门内街道", "110102017"),
            ),
            (
                "township unknown to the tables: county names, no code",
                None,
                "平江县某某某镇人民政府\n今年我镇严格执法,本镇干部参加培训。",
                ("湖南省", "岳阳市", "平江县", "", ""),
            ),
            (
                "signature township outweighs a neighbour named in the body",
                None,
                "我镇与鹤山市共和镇签订协议。\n本镇干部参加培训。\n洮南市安定镇人民政府\n2024年1月1日",
                ("吉林省", "白城市", "洮南市", "安定镇", "220881104"),
            ),
            (
                "unknown township in a signature still makes a township report",
                None,
                "全县推进依法行政,县政府部署工作。\n平江县某某某镇人民政府\n2024年1月1日",
                ("湖南省", "岳阳市", "平江县", "", ""),
            ),
            (
                "prefecture-level city in the title: city report",
                Some("白城市2023年法治政府建设情况报告"),
                "我市全年办结案件。洮南市安定镇开展试点。",
                ("吉林省", "白城市", "", "", ""),
            ),
            ("nothing named", None, "今年以来,我们坚持依法行政。", ("", "", "", "", "")),
            ("empty", None, "", ("", "", "", "", "")),
        ]);
    }

    /// One excerpt per sample report, with its gold place.
    #[test]
    fn sample_reports() {
        check(&[
            (
                "seed 000",
                Some("登云镇2024年法治政府建设年度报告"),
                "登云镇党委、政府积极落实上级要求,对照法治河源建设、法治龙川建设工作相关要求,紧紧围绕我镇中心工作。\n龙川县登云镇人民政府\n2024年12月4日",
                ("广东省", "河源市", "龙川县", "登云镇", "441622109"),
            ),
            (
                "seed 001",
                Some("鲁山县梁洼镇人民政府关于2024年法治政府建设情况的报告"),
                "鲁山县梁洼镇人民政府\n关于2024年法治政府建设情况的报告\n2024年以来,梁洼镇在县委、县政府的正确领导下,高质量统筹推进我镇法治政府建设各项工作。",
                ("河南省", "平顶山市", "鲁山县", "梁洼镇", "410423102"),
            ),
            (
                "seed 002",
                Some("徐行镇2024年法治政府建设情况报告"),
                "2024年,徐行镇坚持以习近平新时代中国特色社会主义思想为指导,组织全镇各村(社区)开展专题学习16次。",
                ("上海市", "上海市", "嘉定区", "徐行镇", "310114109"),
            ),
            (
                "seed 003 (Simplified excerpt)",
                None,
                "2022年,我镇结合《鹤山市法治政府建设实施纲要(2022-2025年)》文件精神,深入推进我镇法治政府建设工作。\n共和镇严格按照要求开展工作。\n中共鹤山市共和镇委员会\n鹤山市共和镇人民政府\n2022年12月9日",
                ("广东省", "江门市", "鹤山市", "共和镇", "440784106"),
            ),
            (
                "seed 004",
                Some("大兴区安定镇2020年度法治政府建设年度情况报告"),
                "来源:安定镇  日期:2021-03-31\n2020年我镇严格落实《大兴区向街道办事处和镇政府下放部分行政执法职权并实行综合执法的工作方案》等文件要求,制定北京市大兴区安定镇人民政府重大执法决定法制审核制度。",
                ("北京市", "北京市", "大兴区", "安定镇", "110115105"),
            ),
            (
                "web h004",
                Some("澧浦镇2023年度法治政府建设工作报告"),
                "今年以来,在区委、区政府的坚强领导下,澧浦镇坚持依法行政。澧浦镇获评为金华市法治建设示范乡镇。",
                ("浙江省", "金华市", "金东区", "澧浦镇", "330703104"),
            ),
            (
                "web h006",
                None,
                "北京市西城区人民政府广安门内街道办事处\n2020年法治政府建设年度情况报告\n区委、区政府:\n2020年,广内街道在区委、区政府的有力领导下扎实推进工作。我街道法律顾问团参与律师5人。",
                ("北京市", "北京市", "西城区", "广安门内街道", "110102017"),
            ),
            (
                "web h009",
                None,
                "在县委、县政府的精心指导下,有效推动岩山镇法治政府建设迈上新台阶。制定《岩山镇法治政府建设三年行动方案》,将全镇划分为10个网格单元。",
                ("", "", "", "岩山镇", ""),
            ),
            (
                "web h013",
                Some("2021年法治政府建设工作情况报告"),
                "当前位置: 政府机构 >> 公义镇 >> 信息公开\n眉山市彭山区公义镇人民政府\n2021年法治政府建设工作情况报告\n完善我镇法治政府建设工作领导小组。",
                ("四川省", "眉山市", "彭山区", "公义镇", "511403118"),
            ),
            (
                "web h019",
                None,
                "一年来,周溪乡在县委、县政府的正确领导下推进工作。对照《2024年全县法治政府建设工作要点》,现将周溪乡2024年法治政府建设工作报告如下。今年以来,我乡已开展活动。",
                ("重庆市", "重庆市", "城口县", "周溪乡", "500229214"),
            ),
            (
                "web h021",
                None,
                "2019年,在省委、省政府和市委、市政府的正确领导下,南昌县全面贯彻党的十九大精神。我县拟定了《南昌县机构改革实施方案》。",
                ("江西省", "南昌市", "南昌县", "", "360121"),
            ),
            (
                "web h023",
                Some("桃源县人民政府2017年度法治政府建设情况报告"),
                "桃源县人民政府\n2017年度法治政府建设情况报告\n2017年,我县深入贯彻落实纲要。积极推进陬市镇行政管理体制改革试点,赋予陬市镇的203项县级经济社会管理权限得到履行。",
                ("湖南省", "常德市", "桃源县", "", "430725"),
            ),
            (
                "web h026",
                None,
                "2023年,武昌区认真学习贯彻党的二十大精神和习近平总书记考察湖北武汉重要讲话精神。全区1682项政务服务事项进驻大厅办理。",
                ("湖北省", "武汉市", "武昌区", "", "420106"),
            ),
            (
                "web h029",
                Some("2025年陇西县法治政府建设情况"),
                "2025年,陇西县政府坚持依法行政,陇西县成功获评示范县。组织27个县政府工作部门通过“法治陇西”微信公众号公开述法。",
                ("甘肃省", "定西市", "陇西县", "", "621122"),
            ),
            (
                "web h030",
                None,
                "2022年,在市委、市政府和县委的坚强领导下,全县以建设法治高台、法治政府、法治社会为目标。县委、县政府高度重视法治建设,制定下发了《高台县法治政府建设实施方案(2021—2025年)》。",
                ("甘肃省", "张掖市", "高台县", "", "620724"),
            ),
        ]);
    }

    #[test]
    fn strip_ethnic_forms() {
        let cases: &[(&str, bool, Option<&str>)] = &[
            ("金平苗族瑶族傣族", true, Some("金平")),
            ("龙胜各族", true, Some("龙胜")),
            ("巴里坤哈萨克", true, Some("巴里坤")),
            ("巴里坤哈萨克", false, None),
            ("鄂温克族", true, None),
            ("于家务回族", false, Some("于家务")),
            ("龙川", true, None),
        ];
        for &(stem, bare, want) in cases {
            assert_eq!(strip_ethnic(stem, bare), want, "{stem}");
        }
    }

    #[test]
    fn township_rows() {
        let cases: &[(&str, Option<&str>)] = &[
            ("登云镇", Some("登云镇")),
            ("保康街道办事处", Some("保康街道")),
            ("庆北办事处", Some("庆北办事处")),
            ("周溪乡", Some("周溪乡")),
            ("街道", None),
            ("某某经济开发区", None),
            ("某某农场", None),
        ];
        for &(raw, want) in cases {
            assert_eq!(township_name(raw), want, "{raw}");
        }
    }

    #[test]
    fn csv_fields_are_split_as_str_split_does() {
        fn by_split<const N: usize>(line: &str) -> Option<[&str; N]> {
            let mut out = [""; N];
            let mut it = line.trim_end_matches('\r').split(',');
            for slot in out.iter_mut() {
                let f = it.next()?.trim();
                *slot = f
                    .strip_prefix('"')
                    .and_then(|s| s.strip_suffix('"'))
                    .unwrap_or(f);
            }
            it.next().is_none().then_some(out)
        }
        let pieces = [",", "\"", " ", "\r", "东华门街道", "110101", "a", ""];
        for line in crate::text::tests::texts_from_pieces(&pieces, 6, 5_000, 3) {
            assert_eq!(fields::<3>(&line), by_split::<3>(&line), "{line:?}");
            assert_eq!(fields::<1>(&line), by_split::<1>(&line), "{line:?}");
        }
    }

    #[test]
    fn csv_fields() {
        assert_eq!(fields::<2>("11,\"北京市\""), Some(["11", "北京市"]));
        assert_eq!(fields::<2>("11,\"北京市\",x"), None);
        assert_eq!(fields::<3>("11,\"北京市\""), None);
        // Every data row of every table splits into exactly its column count, so no
        // name contains a comma.
        for (csv, n) in [
            (PROVINCES_CSV, 2),
            (CITIES_CSV, 3),
            (AREAS_CSV, 4),
            (STREETS_CSV, 5),
        ] {
            for line in data_lines(csv) {
                assert_eq!(line.split(',').count(), n, "{line}");
                assert_eq!(line.matches('"').count(), 2, "{line}");
            }
        }
    }

    #[test]
    fn tables_loaded() {
        let g = g();
        assert_eq!(g.tables.provinces.len(), 31);
        assert_eq!(g.tables.cities.len(), 342);
        assert_eq!(g.tables.counties.len(), 2978);
        assert!(
            g.tables.townships.len() > 38_000,
            "{}",
            g.tables.townships.len()
        );
        assert!(g.dict.is_some());
    }

    /// A page's heading names the site that published it: with it, a township the text names
    /// alone (城关镇 is in 88 counties) is placed; without it, only named.
    #[test]
    fn the_page_heading_can_place_the_township() {
        let title = Some("城关镇2023年法治政府建设工作报告");
        let text = "2023年,城关镇认真落实法治政府建设各项要求。\n城关镇人民政府";
        let heading = "城关镇2023年法治政府建设工作报告_平利县人民政府";
        assert_eq!(
            g().locate_in_page(title, text, Some(heading)),
            place(("陕西省", "安康市", "平利县", "城关镇", "610926100"))
        );
        assert_eq!(
            g().locate_in_page(title, text, None),
            place(("", "", "", "城关镇", ""))
        );
    }

    #[test]
    fn issuer_lines() {
        let cases: &[(&str, bool)] = &[
            ("龙川县登云镇人民政府", true),
            ("  中共鹤山市共和镇委员会 ", true),
            ("区委、区政府:", false),
            ("在县委、县政府的领导下,镇人民政府", false),
            ("2024年12月4日", false),
        ];
        for &(line, want) in cases {
            assert_eq!(g().is_issuer_line(line), want, "{line}");
        }
    }
}
