//! Helpers for the integration tests: temporary folders, running the real binary, reading the
//! Parquet tables back with the `parquet` crate's arrow reader, and a port of the scorer
//! (`/work/shared/eval/score.py`) over the gold fixtures in `tests/fixtures/gold/`. [`inputs`]
//! reads what a run made of each input file, for the tests of re-encoded and hostile inputs.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// The crate root, where `data/` and `tests/fixtures/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub mod inputs;

/// A folder under cargo's temp dir for integration tests, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("fazhi-test-{}-{n}-{label}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create a temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }

    /// Writes `bytes` to `rel` (parents created).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("create parent");
        }
        fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A chmod 000 entry or a FIFO must not stop the cleanup.
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs the real `fazhi` binary with `args`.
pub fn fazhi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .args(args)
        .output()
        .expect("run the fazhi binary")
}

/// `fazhi run --input data/<set> --output <out> [extra…]`; panics with stderr unless it exits 0.
pub fn run_set(set: &str, out: &Path, extra: &[&str]) -> Output {
    let input = root().join("data").join(set);
    let mut args = vec![
        "run",
        "--input",
        input.to_str().expect("utf-8 path"),
        "--output",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let output = fazhi(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "fazhi run on data/{set} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every Parquet file under `dir` (recursively), sorted by path.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The files of table `name`: `OUT/<name>.parquet`, or every Parquet file under `OUT/<name>/`.
pub fn table_files(out: &Path, name: &str) -> Vec<PathBuf> {
    let file = out.join(format!("{name}.parquet"));
    if file.is_file() {
        return vec![file];
    }
    parquet_files(&out.join(name))
}

/// The table's schema and batches, read with the arrow reader.
pub fn read_table(out: &Path, name: &str) -> (Schema, Vec<RecordBatch>) {
    let files = table_files(out, name);
    assert!(
        !files.is_empty(),
        "no table `{name}` under {}",
        out.display()
    );
    let mut schema = None;
    let mut batches = Vec::new();
    for f in files {
        let file = fs::File::open(&f).expect("open a parquet file");
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap_or_else(|e| panic!("{} is not Parquet: {e}", f.display()));
        schema.get_or_insert_with(|| builder.schema().as_ref().clone());
        for b in builder.build().expect("a parquet reader") {
            batches.push(b.expect("a record batch"));
        }
    }
    (schema.expect("a schema"), batches)
}

/// A cell as a plain value, enough for scoring and comparing.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Cell {
    pub fn str(&self) -> Option<&str> {
        match self {
            Cell::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn float(&self) -> Option<f64> {
        match self {
            Cell::Float(v) => Some(*v),
            Cell::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// How score.py's `str(value)` would print it (dates as `YYYY-MM-DD`).
    pub fn text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Str(s) => Some(s.clone()),
            Cell::Int(v) => Some(v.to_string()),
            Cell::Float(v) => Some(v.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
        }
    }
}

fn cell(array: &dyn Array, i: usize) -> Cell {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, Int16Type, Int32Type, Int64Type};
    if array.is_null(i) {
        return Cell::Null;
    }
    match array.data_type() {
        DataType::Utf8 => Cell::Str(array.as_string::<i32>().value(i).to_owned()),
        DataType::LargeUtf8 => Cell::Str(array.as_string::<i64>().value(i).to_owned()),
        DataType::Utf8View => Cell::Str(array.as_string_view().value(i).to_owned()),
        DataType::Int16 => Cell::Int(array.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => Cell::Int(array.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => Cell::Int(array.as_primitive::<Int64Type>().value(i)),
        DataType::Float64 => Cell::Float(array.as_primitive::<Float64Type>().value(i)),
        DataType::Boolean => Cell::Bool(array.as_boolean().value(i)),
        DataType::Date32 => {
            let days = array.as_primitive::<Date32Type>().value(i);
            Cell::Str(civil_date(i64::from(days)))
        }
        other => panic!("a column of type {other} the tests do not read"),
    }
}

/// `YYYY-MM-DD` of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Rows of a table as column → cell maps.
pub fn rows(out: &Path, name: &str) -> Vec<HashMap<String, Cell>> {
    let (_, batches) = read_table(out, name);
    let mut rows = Vec::new();
    for b in &batches {
        let schema = b.schema();
        for i in 0..b.num_rows() {
            let row = schema
                .fields()
                .iter()
                .zip(b.columns())
                .map(|(f, c)| (f.name().clone(), cell(c.as_ref(), i)))
                .collect();
            rows.push(row);
        }
    }
    rows
}

// ───────────────────────────── the scorer, ported from score.py ─────────────────────────────

/// One gold mention.
#[derive(Debug, Clone)]
pub struct GoldMention {
    pub raw: String,
    pub value: f64,
    pub unit: String,
    pub qualifier: String,
    pub indicator: Option<String>,
}

/// Gold mentions per file name, and gold metadata per file name.
pub struct Gold {
    pub mentions: BTreeMap<String, Vec<GoldMention>>,
    pub meta: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
}

pub fn load_gold(dir: &Path) -> Gold {
    let mut mentions = BTreeMap::new();
    let mut meta = BTreeMap::new();
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read the gold folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).expect("read a gold file");
        let objects = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("gold JSON"));
        if name == "meta.jsonl" {
            for o in objects {
                let o = o.as_object().expect("a JSON object").clone();
                let file = o["file"].as_str().expect("file").to_owned();
                meta.insert(file, o);
            }
        } else if let Some(file) = name.strip_suffix(".jsonl") {
            let list = objects
                .map(|o| GoldMention {
                    raw: o["raw"].as_str().unwrap_or_default().to_owned(),
                    value: o["value"].as_f64().expect("a value"),
                    unit: o["unit"].as_str().expect("a unit").to_owned(),
                    qualifier: o
                        .get("qualifier")
                        .and_then(|q| q.as_str())
                        .unwrap_or("exact")
                        .to_owned(),
                    indicator: o
                        .get("indicator")
                        .and_then(|q| q.as_str())
                        .map(str::to_owned),
                })
                .collect();
            mentions.insert(file.to_owned(), list);
        }
    }
    Gold { mentions, meta }
}

/// Python's `round(v, ndigits)` (round half to even on the decimal value), as score.py's vkey
/// uses it: 4 decimals below a million, hundreds above. Returned as an integer key.
pub fn vkey(v: f64) -> i64 {
    if v.abs() < 1e6 {
        round_half_even(v * 1e4) as i64
    } else {
        (round_half_even(v / 100.0) * 100.0) as i64 * 10_000
    }
}

fn round_half_even(x: f64) -> f64 {
    let r = x.round();
    if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - x.signum()
    } else {
        r
    }
}

fn prf(tp: usize, fp: usize, fn_: usize) -> (f64, f64, f64) {
    let p = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let r = if tp + fn_ > 0 {
        tp as f64 / (tp + fn_) as f64
    } else {
        0.0
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// The figures score.py prints.
#[derive(Debug, Default)]
pub struct Score {
    pub reports: usize,
    pub mentions: (usize, usize, usize),
    pub mention_f1: f64,
    pub qualifier_accuracy: f64,
    pub indicators: (usize, usize, usize),
    pub indicator_f1: f64,
    /// field → (right, asked), over the reports whose gold has the field.
    pub metadata: BTreeMap<String, (usize, usize)>,
    pub errors: Vec<String>,
}

impl Score {
    pub fn meta_accuracy(&self, field: &str) -> Option<f64> {
        self.metadata
            .get(field)
            .filter(|(_, n)| *n > 0)
            .map(|(ok, n)| *ok as f64 / *n as f64)
    }

    pub fn summary(&self, set: &str) -> String {
        let meta: Vec<String> = self
            .metadata
            .iter()
            .map(|(k, (ok, n))| format!("{k} {:.2}", *ok as f64 / *n as f64))
            .collect();
        format!(
            "{set}: reports {}\n  mentions    F1 {:.3}  (tp {} fp {} fn {})\n  qualifiers  accuracy {:.3}\n  indicators  F1 {:.3}  (tp {} fp {} fn {})\n  metadata    {}\n{}",
            self.reports,
            self.mention_f1,
            self.mentions.0,
            self.mentions.1,
            self.mentions.2,
            self.qualifier_accuracy,
            self.indicator_f1,
            self.indicators.0,
            self.indicators.1,
            self.indicators.2,
            meta.join("  "),
            self.errors.iter().map(|e| format!("  {e}\n")).collect::<String>()
        )
    }
}

fn base(p: &str) -> String {
    p.replace('\\', "/")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_owned()
}

/// Scores the dataset under `out` against the gold folder `gold_dir`, as score.py does.
pub fn score(gold_dir: &Path, out: &Path) -> Score {
    let gold = load_gold(gold_dir);
    let mut files: Vec<String> = gold
        .mentions
        .keys()
        .chain(gold.meta.keys())
        .cloned()
        .collect();
    files.sort();
    files.dedup();

    let pred_m = rows(out, "mentions");
    let pred_i = rows(out, "indicators");
    let pred_r = rows(out, "reports");
    let mut by_file: HashMap<String, Vec<&HashMap<String, Cell>>> = HashMap::new();
    for r in &pred_m {
        let f = base(r["source_path"].str().unwrap_or_default());
        by_file.entry(f).or_default().push(r);
    }
    let mut ind_by_file: HashMap<String, Vec<&HashMap<String, Cell>>> = HashMap::new();
    for r in &pred_i {
        let f = base(r["source_path"].str().unwrap_or_default());
        ind_by_file.entry(f).or_default().push(r);
    }
    let rep_by_file: HashMap<String, &HashMap<String, Cell>> = pred_r
        .iter()
        .map(|r| (base(r["source_path"].str().unwrap_or_default()), r))
        .collect();

    let mut s = Score {
        reports: files.len(),
        ..Score::default()
    };
    let (mut m_tp, mut m_fp, mut m_fn) = (0, 0, 0);
    let (mut q_ok, mut q_all) = (0, 0);
    let (mut i_tp, mut i_fp, mut i_fn) = (0, 0, 0);
    let empty = Vec::new();
    for f in &files {
        let gold_list = gold.mentions.get(f).unwrap_or(&empty);
        let pred: Vec<_> = by_file
            .get(f)
            .map(|v| v.iter().filter(|r| r["value"].float().is_some()).collect())
            .unwrap_or_default();
        // mentions: multiset match on (value, unit); qualifiers compared on the matched pairs
        let mut g_by: BTreeMap<(i64, String), Vec<&GoldMention>> = BTreeMap::new();
        for g in gold_list {
            g_by.entry((vkey(g.value), g.unit.clone()))
                .or_default()
                .push(g);
        }
        let mut p_by: BTreeMap<(i64, String), Vec<&&HashMap<String, Cell>>> = BTreeMap::new();
        for p in &pred {
            let key = (
                vkey(p["value"].float().unwrap()),
                p["unit"].str().unwrap_or_default().to_owned(),
            );
            p_by.entry(key).or_default().push(p);
        }
        let keys: std::collections::BTreeSet<_> = g_by.keys().chain(p_by.keys()).cloned().collect();
        for k in keys {
            let gs = g_by.get(&k).map(Vec::as_slice).unwrap_or(&[]);
            let ps = p_by.get(&k).map(Vec::as_slice).unwrap_or(&[]);
            let n = gs.len().min(ps.len());
            m_tp += n;
            m_fn += gs.len() - n;
            m_fp += ps.len() - n;
            let mut gq: BTreeMap<String, usize> = BTreeMap::new();
            for g in gs {
                *gq.entry(g.qualifier.clone()).or_default() += 1;
            }
            let mut pq: BTreeMap<String, usize> = BTreeMap::new();
            for p in ps {
                let q = p["qualifier"]
                    .str()
                    .filter(|q| !q.is_empty())
                    .unwrap_or("exact");
                *pq.entry(q.to_owned()).or_default() += 1;
            }
            q_ok += gq
                .iter()
                .map(|(q, n)| (*n).min(pq.get(q).copied().unwrap_or(0)))
                .sum::<usize>();
            q_all += n;
            for g in &gs[n..] {
                s.errors.push(format!("{f}\tmissed\t{}\t{k:?}", g.raw));
            }
            for p in &ps[n..] {
                s.errors.push(format!(
                    "{f}\tspurious\t{}\t{k:?}",
                    p.get("raw").and_then(Cell::str).unwrap_or("")
                ));
            }
        }
        // indicators: (indicator, value) of the first gold mention per indicator
        let mut g_ind: BTreeMap<(String, i64), usize> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for g in gold_list {
            if let Some(ind) = &g.indicator {
                if seen.insert(ind.clone()) {
                    *g_ind.entry((ind.clone(), vkey(g.value))).or_default() += 1;
                }
            }
        }
        let mut p_ind: BTreeMap<(String, i64), usize> = BTreeMap::new();
        for r in ind_by_file.get(f).map(Vec::as_slice).unwrap_or(&[]) {
            if let (Some(ind), Some(v)) = (r["indicator"].str(), r["value"].float()) {
                if !ind.is_empty() {
                    *p_ind.entry((ind.to_owned(), vkey(v))).or_default() += 1;
                }
            }
        }
        let g_total: usize = g_ind.values().sum();
        let p_total: usize = p_ind.values().sum();
        let tp: usize = g_ind
            .iter()
            .map(|(k, n)| (*n).min(p_ind.get(k).copied().unwrap_or(0)))
            .sum();
        i_tp += tp;
        i_fn += g_total - tp;
        i_fp += p_total - tp;
        for (k, n) in &g_ind {
            if p_ind.get(k).copied().unwrap_or(0) < *n {
                s.errors
                    .push(format!("{f}\tindicator missed\t{}={}", k.0, k.1));
            }
        }
        for (k, n) in &p_ind {
            if g_ind.get(k).copied().unwrap_or(0) < *n {
                s.errors
                    .push(format!("{f}\tindicator spurious\t{}={}", k.0, k.1));
            }
        }
    }

    for (f, g) in &gold.meta {
        let r = rep_by_file.get(f);
        for k in [
            "township",
            "county",
            "city",
            "province",
            "year",
            "published",
        ] {
            let want = match g.get(k) {
                None | Some(serde_json::Value::Null) => continue,
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            };
            let entry = s.metadata.entry(k.to_owned()).or_default();
            entry.1 += 1;
            let mut got = r.and_then(|r| r.get(k)).and_then(Cell::text);
            if k == "published" {
                got = got.map(|d| d.chars().take(10).collect());
            }
            if got.as_deref() == Some(want.as_str()) {
                entry.0 += 1;
            } else {
                s.errors
                    .push(format!("{f}\tmeta {k}\twant {want:?} got {got:?}"));
            }
        }
    }

    s.mentions = (m_tp, m_fp, m_fn);
    s.mention_f1 = prf(m_tp, m_fp, m_fn).2;
    s.qualifier_accuracy = if q_all > 0 {
        q_ok as f64 / q_all as f64
    } else {
        0.0
    };
    s.indicators = (i_tp, i_fp, i_fn);
    s.indicator_f1 = prf(i_tp, i_fp, i_fn).2;
    s
}
