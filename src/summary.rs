//! `fazhi summary`: a written dataset in, a coverage report out (cargo feature `analysis`).
//!
//! Reads the tables with polars, lazily and only the columns needed, whether a table is one file
//! `OUT/<table>.parquet` or a folder `OUT/<table>/**/*.parquet` of part files (hive folders such
//! as `year=2024/` included), and computes: reports by status; per indicator, how many reports
//! state it and the median/min/max of their values; and for mentions without an indicator, the
//! most frequent units and contexts (the words just before the number): what the catalogue misses.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::*;

/// Why a summary could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("no table `{table}` under {dir}: expected {dir}/{table}.parquet or a folder {dir}/{table}/ of .parquet files (is this the output of `fazhi run`?)")]
    Missing { dir: PathBuf, table: &'static str },
    #[error("cannot read table `{table}` under {dir}: {source}")]
    Polars {
        dir: PathBuf,
        table: &'static str,
        source: PolarsError,
    },
}

/// One indicator's coverage: reports stating it and the spread of their values.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub indicator: String,
    pub reports: i64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub unit: String,
}

/// A group of mentions without an indicator, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// A unit, or `context unit` for contexts.
    pub key: String,
    pub mentions: i64,
    pub reports: i64,
}

/// The coverage report of one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub reports: i64,
    /// `(status, reports)`, most frequent first.
    pub by_status: Vec<(String, i64)>,
    /// Most widely stated first.
    pub indicators: Vec<Coverage>,
    pub mentions: i64,
    pub unmapped: i64,
    pub unmapped_units: Vec<Miss>,
    pub unmapped_contexts: Vec<Miss>,
}

/// How many characters before a number make its context.
const CONTEXT_CHARS: usize = 4;

/// Where a table is: its single file, or a glob over its folder of part files.
pub fn table_source(dir: &Path, table: &'static str) -> Result<String, SummaryError> {
    let file = dir.join(format!("{table}.parquet"));
    if file.is_file() {
        return Ok(file.to_string_lossy().into_owned());
    }
    let folder = dir.join(table);
    if folder.is_dir() {
        return Ok(folder
            .join("**")
            .join("*.parquet")
            .to_string_lossy()
            .into_owned());
    }
    Err(SummaryError::Missing {
        dir: dir.to_owned(),
        table,
    })
}

fn scan(dir: &Path, table: &'static str) -> Result<LazyFrame, SummaryError> {
    let source = table_source(dir, table)?;
    let args = ScanArgsParquet {
        hive_options: HiveOptions::new_enabled(),
        glob: true,
        ..ScanArgsParquet::default()
    };
    LazyFrame::scan_parquet(PlRefPath::new(source.as_str()), args).map_err(|source| {
        SummaryError::Polars {
            dir: dir.to_owned(),
            table,
            source,
        }
    })
}

/// Summarizes the dataset under `dir`; `top` bounds the lists of misses.
pub fn summarize(dir: &Path, top: usize) -> Result<Summary, SummaryError> {
    let on = |table: &'static str| {
        move |source: PolarsError| SummaryError::Polars {
            dir: dir.to_owned(),
            table,
            source,
        }
    };

    let status = scan(dir, "reports")?
        .group_by([col("status")])
        .agg([len().cast(DataType::Int64).alias("n")])
        .sort_by_exprs(
            [col("n"), col("status")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .collect()
        .map_err(on("reports"))?;
    let by_status: Vec<(String, i64)> = strings(&status, "status")
        .and_then(|s| Ok(s.into_iter().zip(ints(&status, "n")?).collect()))
        .map_err(on("reports"))?;

    let coverage = scan(dir, "indicators")?
        .group_by([col("indicator")])
        .agg([
            col("report_id")
                .n_unique()
                .cast(DataType::Int64)
                .alias("reports"),
            col("value").median().alias("median"),
            col("value").min().alias("min"),
            col("value").max().alias("max"),
            col("unit").first().alias("unit"),
        ])
        .sort_by_exprs(
            [col("reports"), col("indicator")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .collect()
        .map_err(on("indicators"))?;
    let indicators = (|| -> PolarsResult<Vec<Coverage>> {
        let ids = strings(&coverage, "indicator")?;
        let reports = ints(&coverage, "reports")?;
        let median = floats(&coverage, "median")?;
        let min = floats(&coverage, "min")?;
        let max = floats(&coverage, "max")?;
        let unit = strings(&coverage, "unit")?;
        Ok((0..ids.len())
            .map(|k| Coverage {
                indicator: ids[k].clone(),
                reports: reports[k],
                median: median[k],
                min: min[k],
                max: max[k],
                unit: unit[k].clone(),
            })
            .collect())
    })()
    .map_err(on("indicators"))?;

    let mentions = scan(dir, "mentions")?;
    let counts = mentions
        .clone()
        .select([
            len().cast(DataType::Int64).alias("all"),
            col("indicator")
                .is_null()
                .sum()
                .cast(DataType::Int64)
                .alias("unmapped"),
        ])
        .collect()
        .map_err(on("mentions"))?;
    let (all, unmapped) = (|| -> PolarsResult<(i64, i64)> {
        Ok((ints(&counts, "all")?[0], ints(&counts, "unmapped")?[0]))
    })()
    .map_err(on("mentions"))?;
    let misses = mentions.filter(col("indicator").is_null()).select([
        col("report_id"),
        col("unit"),
        col("raw"),
        col("sentence"),
    ]);
    let units = misses
        .clone()
        .group_by([col("unit")])
        .agg([
            len().cast(DataType::Int64).alias("mentions"),
            col("report_id")
                .n_unique()
                .cast(DataType::Int64)
                .alias("reports"),
        ])
        .sort_by_exprs(
            [col("mentions"), col("unit")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .limit(top as IdxSize)
        .collect()
        .map_err(on("mentions"))?;
    let unmapped_units = (|| -> PolarsResult<Vec<Miss>> {
        let keys = strings(&units, "unit")?;
        let n = ints(&units, "mentions")?;
        let r = ints(&units, "reports")?;
        Ok((0..keys.len())
            .map(|k| Miss {
                key: keys[k].clone(),
                mentions: n[k],
                reports: r[k],
            })
            .collect())
    })()
    .map_err(on("mentions"))?;

    // The words before a number are cut from the sentence in Rust: a few thousand short strings
    // at most, and no string kernels needed in polars.
    let rows = misses.collect().map_err(on("mentions"))?;
    let unmapped_contexts = (|| -> PolarsResult<Vec<Miss>> {
        let ids = strings(&rows, "report_id")?;
        let units = strings(&rows, "unit")?;
        let raws = strings(&rows, "raw")?;
        let sentences = strings(&rows, "sentence")?;
        let mut groups: HashMap<String, (i64, Vec<&str>)> = HashMap::new();
        for k in 0..ids.len() {
            let key = context(&sentences[k], &raws[k], &units[k]);
            let entry = groups.entry(key).or_default();
            entry.0 += 1;
            entry.1.push(&ids[k]);
        }
        let mut out: Vec<Miss> = groups
            .into_iter()
            .map(|(key, (mentions, mut reports))| {
                reports.sort_unstable();
                reports.dedup();
                Miss {
                    key,
                    mentions,
                    reports: reports.len() as i64,
                }
            })
            .collect();
        out.sort_by(|a, b| b.mentions.cmp(&a.mentions).then_with(|| a.key.cmp(&b.key)));
        out.truncate(top);
        Ok(out)
    })()
    .map_err(on("mentions"))?;

    Ok(Summary {
        reports: by_status.iter().map(|(_, n)| n).sum(),
        by_status,
        indicators,
        mentions: all,
        unmapped,
        unmapped_units,
        unmapped_contexts,
    })
}

/// Where an unmapped number stands, with `N` for the number and its unit: up to
/// [`CONTEXT_CHARS`] characters just before it in its sentence (`全年办理信访件120件` →
/// `理信访件[N件]`), or, when a digit or punctuation mark comes right before, just after it
/// (`共120件信访件` → `[N件]信访件`).
pub fn context(sentence: &str, raw: &str, unit: &str) -> String {
    let Some(at) = sentence.find(raw) else {
        return format!("?[N{unit}]");
    };
    let word = |c: &char| !(c.is_ascii_digit() || c.is_ascii_punctuation() || is_cjk_punct(*c));
    let before: Vec<char> = sentence[..at]
        .chars()
        .rev()
        .take_while(word)
        .take(CONTEXT_CHARS)
        .collect();
    if !before.is_empty() {
        let before: String = before.into_iter().rev().collect();
        return format!("{}[N{unit}]", before.trim());
    }
    let after: String = sentence[at + raw.len()..]
        .chars()
        .take_while(word)
        .take(CONTEXT_CHARS)
        .collect();
    format!("[N{unit}]{}", after.trim())
}

/// `s` padded with spaces to `width` terminal columns (Chinese characters take two).
fn pad(s: &str, width: usize) -> String {
    let w: usize = s
        .chars()
        .map(|c| if c as u32 >= 0x2E80 { 2 } else { 1 })
        .sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn is_cjk_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '（'
            | '）'
            | '“'
            | '”'
            | '《'
            | '》'
            | '！'
            | '？'
            | ' '
    )
}

fn strings(df: &DataFrame, name: &str) -> PolarsResult<Vec<String>> {
    Ok(df
        .column(name)?
        .cast(&DataType::String)?
        .str()?
        .iter()
        .map(|s| s.unwrap_or("").to_owned())
        .collect())
}

fn ints(df: &DataFrame, name: &str) -> PolarsResult<Vec<i64>> {
    Ok(df
        .column(name)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<f64>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

/// A number for a narrow column: `120`, `98.5`, `3.5e7`.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{}", v as i64)
    } else if v.abs() < 1e6 {
        format!("{v:.2}")
    } else {
        format!("{v:.3e}")
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "reports: {}", self.reports)?;
        for (status, n) in &self.by_status {
            writeln!(f, "  {status:<14} {n:>7}")?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "indicators: {} found; reports stating each, and their values",
            self.indicators.len()
        )?;
        writeln!(
            f,
            "  {:<34} {:>7} {:>12} {:>12} {:>12}  unit",
            "indicator", "reports", "median", "min", "max"
        )?;
        for c in &self.indicators {
            writeln!(
                f,
                "  {:<34} {:>7} {:>12} {:>12} {:>12}  {}",
                c.indicator,
                c.reports,
                num(c.median),
                num(c.min),
                num(c.max),
                c.unit
            )?;
        }
        writeln!(f)?;
        let share = if self.mentions > 0 {
            100.0 * self.unmapped as f64 / self.mentions as f64
        } else {
            0.0
        };
        writeln!(
            f,
            "mentions without an indicator: {} of {} ({share:.0}%): what the catalogue misses",
            self.unmapped, self.mentions
        )?;
        writeln!(f, "  {:<20} {:>8} {:>8}", "unit", "mentions", "reports")?;
        for m in &self.unmapped_units {
            writeln!(
                f,
                "  {} {:>8} {:>8}",
                pad(&m.key, 20),
                m.mentions,
                m.reports
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  {:<20} {:>8} {:>8}",
            "context [N unit]", "mentions", "reports"
        )?;
        for m in &self.unmapped_contexts {
            writeln!(
                f,
                "  {} {:>8} {:>8}",
                pad(&m.key, 20),
                m.mentions,
                m.reports
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_the_words_just_before_the_number() {
        assert_eq!(
            context("全年办理信访件120件。", "120件", "件"),
            "理信访件[N件]"
        );
        assert_eq!(context("共2次，培训3场", "3场", "场"), "培训[N场]");
        assert_eq!(
            context("共2次，120件信访件。", "120件", "件"),
            "[N件]信访件"
        );
        assert_eq!(context("no match here", "3场", "场"), "?[N场]");
    }
}
