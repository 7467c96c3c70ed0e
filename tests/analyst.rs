//! The analyst's tools, run as a person runs them: the real binary on the sample reports in
//! `data/`. `fazhi explain` must show every mention the run wrote, with its rule; `fazhi summary`
//! (feature `analysis`) must read the tables as one file or as a folder of parts; and
//! `examples/analysis.py` must still run and draw its chart.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_fazhi");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("analyst-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fazhi(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .output()
        .expect("the fazhi binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `fazhi run` over `data/`, once for all tests here.
fn sample_output() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = scratch("sample").join("out");
        let o = fazhi(&["run", "--input", "data", "--output", out.to_str().unwrap()]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "fazhi run failed: {}",
            stderr(&o)
        );
        out
    })
}

/// Every Parquet file of a table: `OUT/<table>.parquet`, or all under `OUT/<table>/`.
fn table_files(out: &Path, table: &str) -> Vec<PathBuf> {
    let file = out.join(format!("{table}.parquet"));
    if file.is_file() {
        return vec![file];
    }
    let mut files: Vec<PathBuf> = walk(&out.join(table))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no table {table} under {}",
        out.display()
    );
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn read_table(out: &Path, table: &str) -> Vec<RecordBatch> {
    table_files(out, table)
        .iter()
        .flat_map(|f| {
            ParquetRecordBatchReaderBuilder::try_new(File::open(f).unwrap())
                .unwrap()
                .build()
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A string column as owned values, whatever string layout the writer chose.
fn strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("column {name}"));
    let get = |a: &dyn Array, i: usize| -> Option<String> {
        if a.is_null(i) {
            return None;
        }
        Some(match a.data_type() {
            DataType::Utf8 => a.as_string::<i32>().value(i).to_owned(),
            DataType::LargeUtf8 => a.as_string::<i64>().value(i).to_owned(),
            DataType::Utf8View => a.as_string_view().value(i).to_owned(),
            other => panic!("column {name} has type {other}"),
        })
    };
    match col.data_type() {
        DataType::Dictionary(_, _) => {
            let dict = col.as_any_dictionary();
            let keys = dict.normalized_keys();
            (0..col.len())
                .map(|i| {
                    if col.is_null(i) {
                        None
                    } else {
                        get(dict.values().as_ref(), keys[i])
                    }
                })
                .collect()
        }
        _ => (0..col.len()).map(|i| get(col.as_ref(), i)).collect(),
    }
}

fn ints(batch: &RecordBatch, name: &str) -> Vec<i32> {
    batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Int32Type>()
        .values()
        .to_vec()
}

fn floats(batch: &RecordBatch, name: &str) -> Vec<f64> {
    batch
        .column_by_name(name)
        .unwrap()
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

/// A mention as the run wrote it.
#[derive(Debug)]
struct Written {
    mention_id: i32,
    raw: String,
    value: f64,
    unit: String,
    indicator: Option<String>,
    rule: String,
    char_start: i32,
    char_end: i32,
}

/// The run's mentions, by source path.
fn written_mentions(out: &Path) -> BTreeMap<String, Vec<Written>> {
    let mut by_path: BTreeMap<String, Vec<Written>> = BTreeMap::new();
    for b in read_table(out, "mentions") {
        let paths = strings(&b, "source_path");
        let ids = ints(&b, "mention_id");
        let raws = strings(&b, "raw");
        let values = floats(&b, "value");
        let units = strings(&b, "unit");
        let inds = strings(&b, "indicator");
        let rules = strings(&b, "rule");
        let starts = ints(&b, "char_start");
        let ends = ints(&b, "char_end");
        for k in 0..b.num_rows() {
            by_path
                .entry(paths[k].clone().unwrap())
                .or_default()
                .push(Written {
                    mention_id: ids[k],
                    raw: raws[k].clone().unwrap(),
                    value: values[k],
                    unit: units[k].clone().unwrap(),
                    indicator: inds[k].clone(),
                    rule: rules[k].clone().unwrap(),
                    char_start: starts[k],
                    char_end: ends[k],
                });
        }
    }
    by_path
}

/// `(source_path, status)` of every report the run wrote.
fn written_reports(out: &Path) -> Vec<(String, String)> {
    read_table(out, "reports")
        .iter()
        .flat_map(|b| {
            strings(b, "source_path")
                .into_iter()
                .zip(strings(b, "status"))
                .map(|(p, s)| (p.unwrap(), s.unwrap()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn explain_shows_every_mention_the_run_wrote_with_its_rule() {
    let out = sample_output();
    let reports = written_reports(out);
    let mentions = written_mentions(out);
    assert!(reports.len() >= 10, "the sample has reports: {reports:?}");
    assert!(
        mentions.values().map(Vec::len).sum::<usize>() > 50,
        "the sample has mentions"
    );
    let mut checked = 0;
    for (source_path, status) in &reports {
        let file = format!("data/{source_path}");
        let o = fazhi(&["explain", &file, "--json"]);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "explain {file}: {}",
            stderr(&o)
        );
        let json: Value = serde_json::from_slice(&o.stdout).expect("explain --json prints JSON");
        if status != "duplicate" {
            assert_eq!(json["status"], status.as_str(), "{file}");
        }
        let shown = json["mentions"].as_array().unwrap();
        let text: Vec<char> = json["text"].as_str().unwrap().chars().collect();
        let plain = stdout(&fazhi(&["explain", &file]));
        for w in mentions.get(source_path).into_iter().flatten() {
            let m = shown
                .iter()
                .find(|m| m["mention_id"] == w.mention_id)
                .unwrap_or_else(|| panic!("{file}: mention {} not shown", w.mention_id));
            assert_eq!(m["raw"], w.raw.as_str(), "{file} #{}", w.mention_id);
            assert_eq!(
                m["value"].as_f64(),
                Some(w.value),
                "{file} #{}",
                w.mention_id
            );
            assert_eq!(m["unit"], w.unit.as_str(), "{file} #{}", w.mention_id);
            assert_eq!(m["indicator"].as_str(), w.indicator.as_deref(), "{file}");
            assert_eq!(m["rule"], w.rule.as_str(), "{file} #{}", w.mention_id);
            assert_eq!(m["char_start"], w.char_start, "{file} #{}", w.mention_id);
            assert_eq!(m["char_end"], w.char_end, "{file} #{}", w.mention_id);
            // The offsets index the text explain prints.
            let at: String = text[w.char_start as usize..w.char_end as usize]
                .iter()
                .collect();
            assert_eq!(at, w.raw, "{file} #{}", w.mention_id);
            // The human view marks it in the text and names the rule in the table.
            let mark = format!("[{}]#{}", w.raw, w.mention_id);
            assert!(plain.contains(&mark), "{file}: no {mark} in the text");
            assert!(
                plain
                    .lines()
                    .any(|l| l.starts_with(&format!("{} ", w.mention_id)) && l.contains(&w.rule)),
                "{file}: no table row for #{} with rule {}",
                w.mention_id,
                w.rule
            );
            checked += 1;
        }
        if status == "ok" {
            assert_eq!(
                shown.len(),
                mentions.get(source_path).map_or(0, Vec::len),
                "{file}: explain and the run disagree on the number of mentions"
            );
        }
    }
    assert!(checked > 50, "checked {checked} mentions");
}

#[test]
fn explain_prints_the_metadata_and_no_colour_off_a_terminal() {
    let o = fazhi(&["explain", "data/seeds/000_0c667393efbd17da.txt"]);
    let s = stdout(&o);
    assert!(!s.contains('\x1b'), "no ANSI escapes into a pipe");
    for key in [
        "title",
        "province",
        "city",
        "county",
        "township",
        "admin_code",
        "year",
        "published",
        "encoding",
        "status",
    ] {
        assert!(
            s.lines().any(|l| l.starts_with(&format!("{key} "))),
            "no {key} line in:\n{s}"
        );
    }
    let json: Value = serde_json::from_slice(
        &fazhi(&["explain", "data/seeds/000_0c667393efbd17da.txt", "--json"]).stdout,
    )
    .unwrap();
    for key in [
        "title",
        "province",
        "county",
        "admin_code",
        "year",
        "published",
    ] {
        assert!(json["metadata"].get(key).is_some(), "metadata.{key}");
    }
    assert_eq!(json["encoding"], "UTF-8");
}

#[test]
fn explain_shows_each_decision_with_its_clause_and_candidates() {
    let file = "data/seeds/003_0c2d5023fa9e21ef.txt";
    let json: Value = serde_json::from_slice(&fazhi(&["explain", file, "--json"]).stdout)
        .expect("explain --json prints JSON");
    let mentions = json["mentions"].as_array().unwrap();
    assert!(mentions.len() > 10, "{file} has mentions");
    let mut with_candidates = 0;
    for m in mentions {
        let decision: Vec<&str> = m["decision"]
            .as_array()
            .unwrap_or_else(|| panic!("no decision for {m}"))
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert!(
            decision.first().is_some_and(|l| l.starts_with("clause: ")),
            "{m}"
        );
        assert!(!m["rule"].as_str().unwrap().contains('\n'), "{m}");
        if m["indicator"].is_string() && decision.iter().any(|l| l.ends_with("— chosen")) {
            with_candidates += 1;
        }
    }
    assert!(
        with_candidates > 5,
        "{with_candidates} decisions name their winner"
    );
    let plain = stdout(&fazhi(&["explain", file]));
    assert!(plain.contains("== decisions"), "{plain}");
    assert!(
        plain.lines().any(|l| l.starts_with("  clause: ")),
        "{plain}"
    );
}

#[test]
fn explain_of_a_missing_file_exits_2() {
    let o = fazhi(&["explain", "data/no-such-file.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-file.txt"), "{}", stderr(&o));
}

#[test]
fn run_is_silent_off_a_terminal_and_quiet_drops_the_summary_line() {
    let dir = scratch("quiet");
    let o = fazhi(&[
        "run",
        "--quiet",
        "--input",
        "data/seeds",
        "--output",
        dir.join("out").to_str().unwrap(),
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "--quiet prints nothing when all is well");
    let o = fazhi(&[
        "run",
        "-v",
        "--input",
        "data/seeds",
        "--output",
        dir.join("out2").to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(err.contains("DEBUG"), "-v shows debug logs: {err}");
    assert!(!err.contains('\x1b'), "no ANSI escapes into a pipe: {err}");
    assert!(!err.contains('\r'), "no progress bar into a pipe: {err}");
}

#[cfg(not(feature = "analysis"))]
#[test]
fn summary_without_the_feature_says_how_to_build_it() {
    let o = fazhi(&["summary", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--features analysis"), "{}", stderr(&o));
}

#[cfg(feature = "analysis")]
#[test]
fn summary_prints_coverage_from_a_file_or_a_folder_of_parts() {
    let out = sample_output();
    let started = std::time::Instant::now();
    let o = fazhi(&["summary", out.to_str().unwrap()]);
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let s = stdout(&o);
    let reports = written_reports(out);
    assert!(
        s.contains(&format!("reports: {}", reports.len())),
        "status count in:\n{s}"
    );
    let ok = reports.iter().filter(|(_, st)| st == "ok").count();
    assert!(
        s.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["ok", &ok.to_string()]),
        "{s}"
    );
    let mentions = written_mentions(out);
    let mut indicators: Vec<&str> = mentions
        .values()
        .flatten()
        .filter_map(|m| m.indicator.as_deref())
        .collect();
    indicators.sort_unstable();
    indicators.dedup();
    for ind in &indicators {
        assert!(s.contains(ind), "indicator {ind} missing from:\n{s}");
    }
    assert!(s.contains("mentions without an indicator"), "{s}");
    // The brief: under a second on the sample output (a debug build of polars is ~7× slower).
    let budget = if cfg!(debug_assertions) { 10.0 } else { 1.0 };
    assert!(took.as_secs_f64() < budget, "summary took {took:?}");

    // The same tables as folders of part files, one of them hive-partitioned.
    let parts = scratch("parts");
    for table in ["reports", "indicators"] {
        let dir = parts.join(table);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            out.join(format!("{table}.parquet")),
            dir.join("part-00000.parquet"),
        )
        .unwrap();
    }
    let hive = parts.join("mentions").join("shard=0");
    std::fs::create_dir_all(&hive).unwrap();
    std::fs::copy(
        out.join("mentions.parquet"),
        hive.join("part-00000.parquet"),
    )
    .unwrap();
    std::fs::write(hive.join("part-00001.parquet.tmp"), b"not parquet").unwrap();
    let o = fazhi(&["summary", parts.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), s, "the folder layout summarizes the same");

    let o = fazhi(&["summary", "data"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("reports"), "{}", stderr(&o));
}

/// Whether `python3` can import every module named.
fn python_has(modules: &[&str]) -> bool {
    let code = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    Command::new("python3")
        .args(["-c", &code])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_example_analysis_runs_and_draws_its_chart() {
    if !python_has(&["polars", "matplotlib"]) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the example's Python packages: pip install polars matplotlib"
        );
        println!(
            "note: skipped the example analysis: python3 with polars and matplotlib is missing \
             (pip install polars matplotlib)"
        );
        return;
    }
    let out = sample_output();
    let png = scratch("example").join("chart.png");
    let o = Command::new("python3")
        .arg("examples/analysis.py")
        .args([
            "--out",
            out.to_str().unwrap(),
            "--png",
            png.to_str().unwrap(),
        ])
        .current_dir(repo())
        .env("MPLBACKEND", "Agg")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "examples/analysis.py failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    let bytes = std::fs::read(&png).expect("the chart is written");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the chart is a PNG"
    );
    assert!(bytes.len() > 5_000, "the chart has something drawn");
    let s = stdout(&o);
    assert!(s.contains("disputes_resolved"), "{s}");
}
