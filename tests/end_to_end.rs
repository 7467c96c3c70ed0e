//! The whole pipeline through the real binary: `fazhi run` on the sample sets, the tables read
//! back with the arrow reader and scored against the gold fixtures (a port of score.py), the
//! output contract (tables, columns, types, one row per input), determinism, `fazhi check`, and
//! reading the tables with the Python readers analysts use.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use arrow_schema::DataType;

use common::{fazhi, parquet_files, read_table, root, rows, run_set, score, Score, TempDir};

/// One run per sample set, shared by the tests that only read it.
fn dataset(set: &'static str) -> &'static Path {
    static SEEDS: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    static WEB: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    static WEB2: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let cell = match set {
        "seeds" => &SEEDS,
        "web2" => &WEB2,
        _ => &WEB,
    };
    &cell
        .get_or_init(|| {
            let dir = TempDir::new(set);
            let out = dir.join("out");
            run_set(set, &out, &[]);
            (dir, out)
        })
        .1
}

/// What web2 reaches: F1 0.897, precision 0.921 (0.735 and 0.760 before the rules of [classify]).
const WEB2_INDICATOR_F1: f64 = 0.89;
const WEB2_INDICATOR_PRECISION: f64 = 0.92;

fn scored(set: &'static str) -> Score {
    let s = score(&root().join("tests/fixtures/gold").join(set), dataset(set));
    println!("{}", s.summary(set));
    s
}

fn input_files(set: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root().join("data").join(set))
        .expect("read the sample folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn seeds_meet_the_accuracy_thresholds() {
    let s = scored("seeds");
    assert!(
        s.mention_f1 >= 0.95,
        "seeds mentions F1 {:.3} < 0.95",
        s.mention_f1
    );
    assert!(
        s.qualifier_accuracy >= 0.95,
        "seeds qualifier accuracy {:.3} < 0.95",
        s.qualifier_accuracy
    );
    assert_eq!(
        s.mentions.1 + s.mentions.2,
        0,
        "seeds mentions: {:?}",
        s.errors
    );
    assert!(
        s.indicator_f1 >= 0.97,
        "seeds indicators F1 {:.3} < 0.97",
        s.indicator_f1
    );
    for field in ["township", "county", "year"] {
        assert_eq!(
            s.meta_accuracy(field),
            Some(1.0),
            "seeds {field} must be right in every report"
        );
    }
}

#[test]
fn web_excerpts_meet_the_accuracy_thresholds() {
    let s = scored("web");
    assert!(
        s.mention_f1 >= 0.95,
        "web mentions F1 {:.3} < 0.95",
        s.mention_f1
    );
    assert_eq!(
        s.mentions.1 + s.mentions.2,
        0,
        "web mentions: {:?}",
        s.errors
    );
    assert!(
        s.indicator_f1 >= 0.97,
        "web indicators F1 {:.3} < 0.97",
        s.indicator_f1
    );
    for field in ["township", "county", "year"] {
        if let Some(acc) = s.meta_accuracy(field) {
            assert!(acc >= 0.90, "web {field} accuracy {acc:.2} < 0.90");
        }
    }
}

/// Web2: 46 real excerpts from townships, counties and cities of at least 24 provinces, the
/// catalogue tuned on h201–h230 only (h231–h246 were scored once, at the end).
#[test]
fn web2_excerpts_meet_the_accuracy_thresholds() {
    let s = scored("web2");
    assert!(
        s.mention_f1 >= 0.98,
        "web2 mentions F1 {:.3} < 0.98",
        s.mention_f1
    );
    let (tp, fp, _) = s.indicators;
    let precision = tp as f64 / (tp + fp) as f64;
    assert!(
        s.indicator_f1 >= WEB2_INDICATOR_F1,
        "web2 indicators F1 {:.3} < {WEB2_INDICATOR_F1}",
        s.indicator_f1
    );
    assert!(
        precision >= WEB2_INDICATOR_PRECISION,
        "web2 indicator precision {precision:.3} < {WEB2_INDICATOR_PRECISION}: a wrong \
         indicator is worse than none"
    );
}

#[test]
fn reports_has_one_ok_row_per_input_file() {
    for set in ["seeds", "web"] {
        let reports = rows(dataset(set), "reports");
        let mut paths: Vec<String> = reports
            .iter()
            .map(|r| r["source_path"].str().expect("source_path").to_owned())
            .collect();
        paths.sort();
        assert_eq!(
            paths,
            input_files(set),
            "{set}: one reports row per input file"
        );
        for r in &reports {
            assert_eq!(
                r["status"].str(),
                Some("ok"),
                "{set}: {:?} is not ok: {:?}",
                r["source_path"],
                r.get("error")
            );
        }
    }
}

/// Column names and types (`None`: any string type).
type Columns = Vec<(&'static str, Option<DataType>)>;

#[test]
fn the_four_tables_have_the_output_columns_and_types() {
    use DataType::{Boolean, Date32, Float64, Int16, Int32, Int64};
    const S: Option<DataType> = None; // any string type
    let tables: [(&str, Columns); 4] = [
        (
            "reports",
            vec![
                ("report_id", S),
                ("source_path", S),
                ("status", S),
                ("error", S),
                ("encoding", S),
                ("bytes", Some(Int64)),
                ("chars", Some(Int64)),
                ("title", S),
                ("province", S),
                ("city", S),
                ("county", S),
                ("township", S),
                ("year", Some(Int16)),
                ("published", Some(Date32)),
                ("n_mentions", Some(Int32)),
                ("n_indicators", Some(Int32)),
            ],
        ),
        (
            "mentions",
            vec![
                ("report_id", S),
                ("source_path", S),
                ("mention_id", Some(Int32)),
                ("raw", S),
                ("value", Some(Float64)),
                ("unit", S),
                ("qualifier", S),
                ("indicator", S),
                ("category", S),
                ("section", S),
                ("sentence", S),
                ("char_start", Some(Int32)),
                ("char_end", Some(Int32)),
                ("year", Some(Int16)),
                ("township", S),
                ("county", S),
                ("province", S),
            ],
        ),
        (
            "indicators",
            vec![
                ("report_id", S),
                ("source_path", S),
                ("indicator", S),
                ("value", Some(Float64)),
                ("unit", S),
                ("qualifier", S),
                ("n_mentions", Some(Int32)),
                ("conflict", Some(Boolean)),
                ("year", Some(Int16)),
                ("township", S),
                ("county", S),
                ("province", S),
                ("category", S),
            ],
        ),
        (
            "indicators_wide",
            vec![("report_id", S), ("source_path", S)],
        ),
    ];
    let out = dataset("seeds");
    for (table, columns) in tables {
        let (schema, _) = read_table(out, table);
        for (name, want) in columns {
            let field = schema
                .field_with_name(name)
                .unwrap_or_else(|_| panic!("{table} has no column {name}"));
            let got = field.data_type();
            match want {
                Some(t) => assert_eq!(got, &t, "{table}.{name}"),
                None => assert!(
                    matches!(
                        got,
                        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                    ),
                    "{table}.{name} is {got}, not a string"
                ),
            }
        }
    }
    // (report_id, indicator) is unique in `indicators`.
    let mut seen = std::collections::HashSet::new();
    for r in rows(out, "indicators") {
        let key = (r["report_id"].text(), r["indicator"].text());
        assert!(seen.insert(key.clone()), "duplicate indicators row {key:?}");
    }
}

/// Every Parquet file under `dir`, path relative to it → bytes.
fn parquet_bytes(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    parquet_files(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, fs::read(&p).expect("read a parquet file"))
        })
        .collect()
}

#[test]
fn runs_are_byte_identical_whatever_the_threads() {
    let tmp = TempDir::new("determinism");
    for set in ["seeds", "web"] {
        let first = tmp.join(&format!("{set}-a"));
        let second = tmp.join(&format!("{set}-b"));
        let single = tmp.join(&format!("{set}-1"));
        run_set(set, &first, &[]);
        run_set(set, &second, &[]);
        run_set(set, &single, &["--threads", "1"]);
        let a = parquet_bytes(&first);
        assert!(
            a.len() >= 4,
            "{set}: expected at least four Parquet files, got {:?}",
            a.keys()
        );
        let b = parquet_bytes(&second);
        let one = parquet_bytes(&single);
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{set}: the second run wrote other files"
        );
        for (name, bytes) in &a {
            assert!(b[name] == *bytes, "{set}: {name} differs between two runs");
            assert!(
                one.get(name) == Some(bytes),
                "{set}: {name} differs with --threads 1"
            );
        }
    }
}

#[test]
fn check_prints_the_catalogue_and_exits_0() {
    let out = fazhi(&["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let toml = fs::read_to_string(root().join("pipeline.toml")).expect("read pipeline.toml");
    let ids: Vec<&str> = toml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("id = \""))
        .map(|l| l.trim_end_matches('"'))
        .collect();
    assert!(ids.len() >= 40, "the catalogue has {} entries", ids.len());
    for id in ids {
        assert!(
            stdout.contains(id),
            "`fazhi check` does not list {id}:\n{stdout}"
        );
    }
}

#[test]
fn check_reports_every_problem_of_a_bad_config_with_its_position() {
    let tmp = TempDir::new("badconfig");
    let good = fs::read_to_string(root().join("pipeline.toml")).expect("read pipeline.toml");
    // An unknown key after max_digits, and an unbalanced regex in debris_spans.
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    let key_at = lines
        .iter()
        .position(|l| l.starts_with("max_digits"))
        .expect("a max_digits line");
    lines.insert(key_at + 1, "max_digitz = 3".to_owned());
    let regex_at = lines
        .iter()
        .position(|l| l.starts_with("debris_spans"))
        .expect("a debris_spans line");
    lines[regex_at] = "debris_spans = ['\\[bookmark:(unclosed']".to_owned();
    let bad = tmp.join("bad.toml");
    fs::write(&bad, lines.join("\n") + "\n").unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_fazhi"))
        .current_dir(tmp.path())
        .args(["check", "--config", "bad.toml"])
        .output()
        .expect("run fazhi");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{all}");
    for (what, line) in [("unknown key", key_at + 2), ("bad regex", regex_at + 1)] {
        let at = format!("bad.toml:{line}:");
        let found = all.lines().any(|l| {
            l.find(&at).is_some_and(|k| {
                l[k + at.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit())
            })
        });
        assert!(found, "the {what} is not reported at {at}COL:\n{all}");
    }
}

#[test]
fn python_readers_read_every_table() {
    let script = r#"
import sys, glob, os
out = sys.argv[1]
import pyarrow.dataset as ds, pyarrow.parquet as pq, polars as pl, pandas as pd, duckdb
for t in ["reports", "mentions", "indicators", "indicators_wide"]:
    p = os.path.join(out, t + ".parquet")
    if not os.path.exists(p):
        p = os.path.join(out, t)
    n = pq.read_table(p).num_rows
    assert pd.read_parquet(p).shape[0] == n, t
    g = p if p.endswith(".parquet") else os.path.join(p, "**", "*.parquet")
    assert pl.read_parquet(g).height == n, t
    assert duckdb.sql(f"select count(*) from read_parquet('{g}')").fetchall()[0][0] == n, t
    print(t, n)
"#;
    let probe = Command::new("python3")
        .args(["-c", "import pyarrow, polars, pandas, duckdb"])
        .output();
    let available = probe.as_ref().is_ok_and(|o| o.status.success());
    if !available {
        let why = match &probe {
            Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
            Err(e) => format!("python3: {e}"),
        };
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the Python readers are missing: {why}"
        );
        println!("note: skipping the Python reader test: {why}");
        return;
    }
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(dataset("seeds"))
        .output()
        .expect("run python3");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "a Python reader failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
