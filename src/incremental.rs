//! Incremental runs: what the previous run wrote, and which inputs can keep their rows.
//!
//! The previous manifest says which program version, config hash, layout and table format
//! made the tables and lists their part files. If all four match, the previous `reports` rows
//! (a few key columns, one row per input) tell, for each input path, its content hash and row
//! counts; an input with the same path and hash keeps its rows. Each partition's reports, in
//! file order, and its four part files go to the writer of that partition
//! ([`crate::write::PreviousPart`]), which copies the pages of unchanged units and decodes the
//! rest (see [`crate::write`]).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use serde::Deserialize;

use crate::output::Layout;
use crate::record::Status;
use crate::write::{col, PreviousDoc, PreviousPart, TableKind, REPORTS};

/// The parts of a previous manifest an incremental run relies on.
#[derive(Debug, Clone, Deserialize)]
pub struct PreviousRun {
    pub version: String,
    pub config_hash: String,
    #[serde(default)]
    pub layout: Option<Layout>,
    /// Part files per table, relative to OUT.
    #[serde(default)]
    pub parts: BTreeMap<String, Vec<String>>,
    /// [`crate::write::table_format`] of the tables (empty for runs before it was recorded).
    #[serde(default)]
    pub table_format: String,
}

/// An input of the previous run, from its `reports` row.
#[derive(Debug, Clone)]
pub struct OldReport {
    pub report_id: String,
    pub status: Status,
    pub bytes: i64,
    pub n_mentions: usize,
    pub n_indicators: usize,
    /// The hive folders of its rows (`""` when unpartitioned).
    pub partition: String,
    /// Its place among the reports of its partition's files ([`PreviousPart::docs`]).
    pub ordinal: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ReuseError {
    #[error("cannot read the previous table {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("the previous table {path} does not have the rows its reports table promises for {source_path}")]
    Missing { path: PathBuf, source_path: String },
    #[error("the previous run lists no {table} part for partition {partition:?}")]
    NoPart {
        table: &'static str,
        partition: String,
    },
}

fn read_err(path: &Path) -> impl Fn(String) -> ReuseError + '_ {
    move |message| ReuseError::Read {
        path: path.to_path_buf(),
        message,
    }
}

/// The hive folders of a part path `table/k=v/…/part-….parquet` (`""` for none).
pub fn partition_of_part(rel: &str) -> String {
    let mut segs: Vec<&str> = rel.split('/').collect();
    segs.pop();
    if !segs.is_empty() {
        segs.remove(0);
    }
    segs.join("/")
}

/// The previous run's tables, opened for reuse.
pub struct OldTables {
    /// Every old input by `source_path`.
    pub reports: HashMap<String, OldReport>,
    /// Per partition (`""` when unpartitioned): its reports in file order and its part files.
    pub parts: HashMap<String, PreviousPart>,
}

impl OldTables {
    /// Reads the key columns of the previous `reports` parts. `local` maps a part's relative
    /// path to the file to read.
    pub fn open(
        previous: &PreviousRun,
        local: &dyn Fn(&str) -> PathBuf,
    ) -> Result<OldTables, ReuseError> {
        let mut files: HashMap<(&'static str, String), PathBuf> = HashMap::new();
        for kind in TableKind::ALL {
            for rel in previous.parts.get(kind.name()).into_iter().flatten() {
                files.insert((kind.name(), partition_of_part(rel)), local(rel));
            }
        }
        let mut parts = HashMap::new();
        let mut reports = HashMap::new();
        for rel in previous.parts.get(REPORTS).into_iter().flatten() {
            let path = local(rel);
            let partition = partition_of_part(rel);
            let mut docs = Vec::new();
            let file = File::open(&path).map_err(|e| read_err(&path)(e.to_string()))?;
            let builder = ParquetRecordBatchReaderBuilder::try_new(file)
                .map_err(|e| read_err(&path)(e.to_string()))?;
            let wanted = [
                col::REPORT_ID,
                col::SOURCE_PATH,
                col::STATUS,
                col::BYTES,
                col::N_MENTIONS,
                col::N_INDICATORS,
            ];
            let schema = builder.parquet_schema();
            let indices: Vec<usize> = (0..schema.num_columns())
                .filter(|&i| wanted.contains(&schema.column(i).name()))
                .collect();
            let mask = ProjectionMask::leaves(schema, indices);
            let reader = builder
                .with_projection(mask)
                .with_batch_size(8192)
                .build()
                .map_err(|e| read_err(&path)(e.to_string()))?;
            for batch in reader {
                let batch = batch.map_err(|e| read_err(&path)(e.to_string()))?;
                let column = |name: &str| {
                    batch
                        .column_by_name(name)
                        .cloned()
                        .ok_or_else(|| read_err(&path)(format!("no column {name}")))
                };
                let ids = column(col::REPORT_ID)?;
                let paths = column(col::SOURCE_PATH)?;
                let statuses = column(col::STATUS)?;
                let bytes = column(col::BYTES)?;
                let n_m = column(col::N_MENTIONS)?;
                let n_i = column(col::N_INDICATORS)?;
                let (ids, paths, statuses) = (
                    ids.as_string::<i32>(),
                    paths.as_string::<i32>(),
                    statuses.as_string::<i32>(),
                );
                let bytes = bytes.as_primitive::<Int64Type>();
                let (n_m, n_i) = (
                    n_m.as_primitive::<Int32Type>(),
                    n_i.as_primitive::<Int32Type>(),
                );
                for row in 0..batch.num_rows() {
                    let status = Status::ALL
                        .into_iter()
                        .find(|s| s.as_str() == statuses.value(row))
                        .unwrap_or(Status::Error);
                    let (n_mentions, n_indicators) = (
                        n_m.value(row).max(0) as usize,
                        n_i.value(row).max(0) as usize,
                    );
                    reports.insert(
                        paths.value(row).to_owned(),
                        OldReport {
                            report_id: ids.value(row).to_owned(),
                            status,
                            bytes: bytes.value(row),
                            n_mentions,
                            n_indicators,
                            partition: partition.clone(),
                            ordinal: docs.len(),
                        },
                    );
                    docs.push(PreviousDoc {
                        source_path: paths.value(row).to_owned(),
                        n_mentions,
                        n_indicators,
                    });
                }
            }
            let mut table_files = Vec::with_capacity(4);
            for kind in TableKind::ALL {
                let file = files
                    .remove(&(kind.name(), partition.clone()))
                    .ok_or_else(|| ReuseError::NoPart {
                        table: kind.name(),
                        partition: partition.clone(),
                    })?;
                table_files.push(file);
            }
            let files: [PathBuf; 4] = table_files
                .try_into()
                .map_err(|_| read_err(&path)("four tables expected".into()))?;
            parts.insert(partition, PreviousPart { docs, files });
        }
        Ok(OldTables { reports, parts })
    }
}
