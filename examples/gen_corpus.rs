//! Generates a benchmark corpus: the sample reports of `data/` scaled up to N MB of ~10 KB
//! reports that differ from one another.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --mb 200 --out /tmp/corpus [--seed 1] [--data data]
//! ```
//!
//! Every report starts from one template, taken in turn: a seed report of `data/seeds` (one of
//! them in Traditional characters), or a web excerpt of `data/web` continued with the body
//! paragraphs of a Simplified seed report until it reaches ~10 KB. Then,
//! deterministically from `--seed` and the report's number:
//! - its township and county become a township of `assets/admin-divisions/streets.csv` and that
//!   township's county (full names, and the `法治XX` short form of the township);
//! - its years move together by one offset (a 2024 report becomes a 2021 report, its 2023
//!   comparisons become 2020), so the text stays self-consistent;
//! - every other Arabic number is rewritten with the same number of digits and decimals
//!   (thousands separators kept), and written-out Chinese counts before a measure word
//!   (`三次`, `十二名`) get another Chinese count, so each report holds different figures.
//!
//! Files go to `OUT/<province code>/<county code>/<n>_<township>.txt`: unique names, spread over
//! folders like a crawl. The same arguments always give the same bytes.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// A small, fast, reproducible generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Args {
    mb: f64,
    out: PathBuf,
    seed: u64,
    data: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut mb = None;
    let mut out = None;
    let mut seed = 1u64;
    let mut data = PathBuf::from("data");
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--mb" => mb = Some(value()?.parse::<f64>().map_err(|e| e.to_string())?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--seed" => seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--data" => data = PathBuf::from(value()?),
            "-h" | "--help" => {
                return Err("usage: gen_corpus --mb N --out DIR [--seed N] [--data DIR]".into())
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        mb: mb.ok_or("--mb is required")?,
        out: out.ok_or("--out is required")?,
        seed,
        data,
    })
}

/// A township row of the divisions table, with its county.
struct Township {
    name: String,
    county: String,
    province_code: String,
    county_code: String,
}

/// `code,"name",...` → the fields without quotes.
fn csv_fields(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|f| f.trim().trim_matches('"'))
        .collect()
}

fn load_townships(dir: &Path) -> Result<(Vec<Township>, Vec<String>), String> {
    let read = |f: &str| {
        fs::read_to_string(dir.join(f)).map_err(|e| format!("{}: {e}", dir.join(f).display()))
    };
    let areas_csv = read("areas.csv")?;
    let mut areas: HashMap<&str, &str> = HashMap::new();
    for line in areas_csv.lines().skip(1) {
        let f = csv_fields(line);
        if f.len() >= 2 {
            areas.insert(f[0], f[1]);
        }
    }
    let streets_csv = read("streets.csv")?;
    let mut towns = Vec::new();
    for line in streets_csv.lines().skip(1) {
        let f = csv_fields(line);
        if f.len() < 5 {
            continue;
        }
        let (name, area) = (f[1], f[2]);
        // Real towns only, named like the reports name them.
        let is_town = ["镇", "乡", "街道"].iter().any(|s| name.ends_with(s))
            && !name.contains("办事处")
            && name.chars().count() <= 6;
        let Some(county) = areas.get(area) else {
            continue;
        };
        if is_town && county.chars().count() >= 3 && *county != "市辖区" {
            towns.push(Township {
                name: name.to_owned(),
                county: (*county).to_owned(),
                province_code: f[3].to_owned(),
                county_code: area.to_owned(),
            });
        }
    }
    let county_names: Vec<String> = areas
        .values()
        .filter(|n| n.chars().count() >= 3 && **n != "市辖区")
        .map(|n| n.to_string())
        .collect();
    if towns.is_empty() {
        return Err("no township rows in streets.csv".into());
    }
    Ok((towns, county_names))
}

/// A template report and the names of its own place, to be replaced.
struct Template {
    text: String,
    township: Option<String>,
    county: Option<String>,
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

/// The first name of `names` (longest first at each position) in the head of `text`.
fn first_name_in(text: &str, names: &[&str]) -> Option<String> {
    let head: String = text.chars().take(600).collect();
    let mut best: Option<(usize, &str)> = None;
    for n in names {
        if let Some(at) = head.find(n) {
            let better = match best {
                None => true,
                Some((b, bn)) => at < b || (at == b && n.len() > bn.len()),
            };
            if better {
                best = Some((at, n));
            }
        }
    }
    best.map(|(_, n)| n.to_owned())
}

const TARGET_BYTES: usize = 10_000;

fn templates(
    data: &Path,
    towns: &[Township],
    counties: &[String],
) -> Result<Vec<Template>, String> {
    let seeds = read_dir_sorted(&data.join("seeds"))?;
    let web = read_dir_sorted(&data.join("web")).unwrap_or_default();
    if seeds.is_empty() {
        return Err("no seed reports in data/seeds".into());
    }
    let town_names: Vec<&str> = towns.iter().map(|t| t.name.as_str()).collect();
    let county_names: Vec<&str> = counties.iter().map(String::as_str).collect();
    let place = |text: String| Template {
        township: first_name_in(&text, &town_names),
        county: first_name_in(&text, &county_names),
        text,
    };
    let mut out: Vec<Template> = seeds.iter().map(|(_, t)| place(t.clone())).collect();
    // A web excerpt is the start of a page; continue it with a seed report's body paragraphs,
    // written about the same township, until it is as long as a report.
    // Only Simplified reports continue a (Simplified) web page.
    let simplified: Vec<&String> = seeds
        .iter()
        .map(|(_, t)| t)
        .filter(|t| fazhi::normalize::simplify(t) == **t)
        .collect();
    let continuations = if simplified.is_empty() {
        seeds.iter().map(|(_, t)| t).collect()
    } else {
        simplified
    };
    for (k, (_, w)) in web.iter().enumerate() {
        let mut t = place(w.trim_end().to_owned());
        let seed = continuations[k % continuations.len()];
        let seed_t = place(seed.clone());
        let mut body = String::new();
        for line in seed.lines().skip(2).filter(|l| !l.trim().is_empty()) {
            if t.text.len() + body.len() >= TARGET_BYTES {
                break;
            }
            body.push('\n');
            body.push_str(line);
        }
        if let (Some(from), Some(to)) = (&seed_t.township, &t.township) {
            body = body.replace(from.as_str(), to);
        }
        t.text.push_str(&body);
        t.text.push('\n');
        out.push(t);
    }
    Ok(out)
}

const CN_DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const CN_NUMERAL: &str = "零一二三四五六七八九十百千万两";
/// Measure words after which a written-out Chinese count is a quantity worth varying.
const CN_COUNTED: &str = "次件人名场起家份期篇批户宗";

/// `n` (1..=99) written out: 七, 十二, 三十, 四十五.
fn chinese_count(n: u64) -> String {
    let (tens, ones) = (n / 10, n % 10);
    let mut s = String::new();
    if tens > 1 {
        s.push(CN_DIGITS[tens as usize]);
    }
    if tens > 0 {
        s.push('十');
    }
    if ones > 0 {
        s.push(CN_DIGITS[ones as usize]);
    }
    s
}

/// Rewrites the numbers of `text` (see the module comment) with `rng`; years shift by `dy`.
fn vary_numbers(text: &str, rng: &mut Rng, dy: i64) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 64);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || ((chars[j] == '.' || chars[j] == ',')
                        && chars.get(j + 1).is_some_and(char::is_ascii_digit)
                        && chars[j - 1].is_ascii_digit()))
            {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let next = chars.get(j).copied();
            let is_year = run.len() == 4
                && (run.starts_with("19") || run.starts_with("20"))
                && !next.is_some_and(|u| "件人次万元余多个项户宗名起场家%".contains(u));
            if is_year {
                let y: i64 = run.parse().unwrap_or(2024);
                out.push_str(&(y + dy).to_string());
            } else if chars[i..j].iter().filter(|c| c.is_ascii_digit()).count() > 12
                || (j - i <= 2 && (i == 0 || matches!(chars[i - 1], '\n' | '(')))
            {
                out.push_str(&run); // an index number, a code or a list marker: keep
            } else {
                // Same shape, new digits; no leading zero unless the number is a lone 0.
                let keep_zero = run.len() == 1 || run.starts_with("0.");
                for (k, ch) in run.chars().enumerate() {
                    if ch.is_ascii_digit() {
                        let d = if k == 0 && !keep_zero {
                            1 + rng.below(9)
                        } else {
                            rng.below(10)
                        };
                        out.push(char::from(b'0' + d as u8));
                    } else {
                        out.push(ch);
                    }
                }
            }
            i = j;
            continue;
        }
        if CN_NUMERAL.contains(c) && !(i > 0 && CN_NUMERAL.contains(chars[i - 1])) {
            let mut j = i;
            while j < chars.len() && CN_NUMERAL.contains(chars[j]) {
                j += 1;
            }
            let counted = chars.get(j).is_some_and(|u| CN_COUNTED.contains(*u));
            let ordinal = i > 0 && matches!(chars[i - 1], '第' | '每' | '前' | '后');
            let lone_one = j - i == 1 && matches!(c, '一' | '两');
            if counted && !ordinal && !lone_one && !chars[i..j].contains(&'零') {
                out.push_str(&chinese_count(2 + rng.below(48)));
            } else {
                out.extend(&chars[i..j]);
            }
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The township name without its suffix (`登云镇` → `登云`), if at least two characters remain.
fn stem(name: &str) -> Option<&str> {
    let s = name
        .strip_suffix("街道")
        .or_else(|| name.strip_suffix('镇'))
        .or_else(|| name.strip_suffix('乡'))?;
    (s.chars().count() >= 2).then_some(s)
}

fn report(t: &Template, town: &Township, rng: &mut Rng) -> String {
    let mut text = t.text.clone();
    if let Some(old) = &t.township {
        text = text.replace(old.as_str(), &town.name);
        if let (Some(a), Some(b)) = (stem(old), stem(&town.name)) {
            for p in ["法治", "平安", "“"] {
                text = text.replace(&format!("{p}{a}"), &format!("{p}{b}"));
            }
        }
    }
    if let Some(old) = &t.county {
        text = text.replace(old.as_str(), &town.county);
    }
    let dy = -(rng.below(5) as i64); // 2024 → 2020..2024
    vary_numbers(&text, rng, dy)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let run = || -> Result<(usize, usize), String> {
        let (towns, counties) = load_townships(Path::new("assets/admin-divisions"))?;
        let templates = templates(&args.data, &towns, &counties)?;
        let target = (args.mb * 1_000_000.0) as usize;
        let (mut bytes, mut n) = (0usize, 0usize);
        fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
        while bytes < target {
            let mut rng = Rng::new(args.seed.wrapping_mul(1_000_003) ^ n as u64);
            let t = &templates[n % templates.len()];
            let town = &towns[rng.below(towns.len() as u64) as usize];
            let text = report(t, town, &mut rng);
            let dir = args.out.join(&town.province_code).join(&town.county_code);
            fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = dir.join(format!("{n:07}_{}.txt", town.name));
            fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
            bytes += text.len();
            n += 1;
        }
        Ok((n, bytes))
    };
    match run() {
        Ok((n, bytes)) => println!(
            "{n} reports, {bytes} bytes ({:.1} MB) in {}",
            bytes as f64 / 1e6,
            args.out.display()
        ),
        Err(e) => {
            eprintln!("gen_corpus: {e}");
            std::process::exit(1);
        }
    }
}
