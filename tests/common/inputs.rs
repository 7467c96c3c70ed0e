//! For tests/inputs.rs and tests/hostile.rs: running the real binary on a folder of inputs and
//! reading what it made of each file (status, mentions) by source path.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrowPrimitiveType, PrimitiveArray, RecordBatch, StringArray};

/// The outcome of one `fazhi run`.
pub struct Run {
    pub output: Output,
    pub elapsed: Duration,
    pub out_dir: PathBuf,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

/// Runs the real binary on `input`, writing to `out_dir`.
pub fn run_fazhi(input: &Path, out_dir: &Path) -> Run {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .arg("run")
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(out_dir)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("start the fazhi binary");
    Run {
        output,
        elapsed: started.elapsed(),
        out_dir: out_dir.to_path_buf(),
    }
}

/// All record batches of one table.
pub fn read_table(dir: &Path, table: &str) -> Vec<RecordBatch> {
    super::read_table(dir, table).1
}

/// A string column (nulls as `None`), cast from whatever string-like type it has.
pub fn strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let col = arrow_cast_utf8(col.as_ref());
    (0..col.len())
        .map(|i| (!col.is_null(i)).then(|| col.value(i).to_owned()))
        .collect()
}

fn arrow_cast_utf8(col: &dyn Array) -> StringArray {
    if let Some(s) = col.as_any().downcast_ref::<StringArray>() {
        return s.clone();
    }
    if let Some(d) = col
        .as_any()
        .downcast_ref::<arrow_array::DictionaryArray<arrow_array::types::Int32Type>>()
    {
        let values = d
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("dictionary of strings");
        return d
            .keys()
            .iter()
            .map(|k| k.map(|k| values.value(k as usize).to_owned()))
            .collect();
    }
    panic!("not a string column: {:?}", col.data_type())
}

pub fn floats(batch: &RecordBatch, name: &str) -> Vec<f64> {
    primitive::<Float64Type>(batch, name)
}

pub fn ints(batch: &RecordBatch, name: &str) -> Vec<i64> {
    primitive::<Int64Type>(batch, name)
}

/// The values of the primitive column `name` (nulls read as their slot's value).
fn primitive<T: ArrowPrimitiveType>(batch: &RecordBatch, name: &str) -> Vec<T::Native> {
    let col = batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    col.as_any()
        .downcast_ref::<PrimitiveArray<T>>()
        .unwrap_or_else(|| panic!("{name} is not {}: {:?}", T::DATA_TYPE, col.data_type()))
        .values()
        .to_vec()
}

/// One `reports` row, as the tests need it.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub status: String,
    pub error: Option<String>,
    pub encoding: Option<String>,
    pub lossy_count: i64,
}

/// `reports` by source path.
pub fn reports(dir: &Path) -> BTreeMap<String, ReportRow> {
    let mut out = BTreeMap::new();
    for b in read_table(dir, "reports") {
        let paths = strings(&b, "source_path");
        let status = strings(&b, "status");
        let error = strings(&b, "error");
        let encoding = strings(&b, "encoding");
        let lossy = ints(&b, "lossy_count");
        for i in 0..b.num_rows() {
            let path = paths[i].clone().expect("source_path is never null");
            let row = ReportRow {
                status: status[i].clone().expect("status is never null"),
                error: error[i].clone(),
                encoding: encoding[i].clone(),
                lossy_count: lossy[i],
            };
            assert!(
                out.insert(path.clone(), row).is_none(),
                "two reports rows for {path}"
            );
        }
    }
    out
}

/// One mention as compared across wrappers: value, unit, qualifier (and the raw text, for
/// messages only).
pub type MentionKey = (String, String, String);

/// `mentions` by source path: the sorted multiset of (value, unit, qualifier), plus the raw
/// values of every mention (to check for inf/NaN).
pub fn mentions(dir: &Path) -> BTreeMap<String, Vec<MentionKey>> {
    let mut out: BTreeMap<String, Vec<MentionKey>> = BTreeMap::new();
    for b in read_table(dir, "mentions") {
        let paths = strings(&b, "source_path");
        let values = floats(&b, "value");
        let units = strings(&b, "unit");
        let quals = strings(&b, "qualifier");
        for i in 0..b.num_rows() {
            out.entry(paths[i].clone().expect("source_path"))
                .or_default()
                .push((
                    format!("{}", values[i]),
                    units[i].clone().unwrap_or_default(),
                    quals[i].clone().unwrap_or_default(),
                ));
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// Every `mentions.value`, with its raw text.
pub fn all_values(dir: &Path) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    for b in read_table(dir, "mentions") {
        let values = floats(&b, "value");
        let raw = strings(&b, "raw");
        for (v, r) in values.into_iter().zip(raw) {
            out.push((v, r.unwrap_or_default()));
        }
    }
    out
}

/// What differs between two sorted multisets, for a message.
pub fn multiset_diff(want: &[MentionKey], got: &[MentionKey]) -> String {
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < want.len() || j < got.len() {
        match (want.get(i), got.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                missing.push(a);
                i += 1;
            }
            (Some(_), Some(b)) => {
                extra.push(b);
                j += 1;
            }
            (Some(a), None) => {
                missing.push(a);
                i += 1;
            }
            (None, Some(b)) => {
                extra.push(b);
                j += 1;
            }
            (None, None) => break,
        }
    }
    format!(
        "{} of {} mentions missing {:?}; {} extra {:?}",
        missing.len(),
        want.len(),
        missing.iter().take(6).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(6).collect::<Vec<_>>()
    )
}

/// The sample reports: `(stem, text)` for data/seeds/*.txt and data/web/*.txt, sorted.
pub fn samples() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut out = Vec::new();
    for sub in ["seeds", "web"] {
        let mut paths: Vec<PathBuf> = fs::read_dir(root.join(sub))
            .expect("data folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        paths.sort();
        for p in paths {
            let text = fs::read_to_string(&p).expect("samples are UTF-8");
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((format!("{sub}-{stem}"), text));
        }
    }
    assert!(
        out.len() >= 10,
        "expected the sample reports, found {}",
        out.len()
    );
    out
}
