//! Incremental runs: what the previous run wrote, which inputs can keep their rows, and the
//! cursors that copy those rows over.
//!
//! The previous manifest says which program version, config hash and layout made the tables
//! and lists their part files. If all three match, the previous `reports` rows (a few key
//! columns, one row per input) tell, for each input path, its content hash and row counts; an
//! input with the same path and hash keeps its rows. The rows are copied by one forward cursor
//! per part file: both the old files and the new run are ordered by `source_path`, so memory
//! stays bounded by a batch per open part.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use serde::Deserialize;

use crate::output::Layout;
use crate::record::Status;
use crate::write::{col, TableKind, REPORTS};

/// Rows read at a time from an old part file.
const READ_BATCH: usize = 1024;

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
}

#[derive(Debug, thiserror::Error)]
pub enum ReuseError {
    #[error("cannot read the previous table {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("the previous table {path} does not have the rows its reports table promises for {source_path}")]
    Missing { path: PathBuf, source_path: String },
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

/// The previous run's tables, opened for copying rows.
pub struct OldTables {
    /// Every old input by `source_path`.
    pub reports: HashMap<String, OldReport>,
    /// Local path of each part file by (table, partition).
    files: HashMap<(&'static str, String), PathBuf>,
    cursors: HashMap<(&'static str, String), Cursor>,
}

impl OldTables {
    /// Reads the key columns of the previous `reports` parts. `local` maps a part's relative
    /// path to the file to read.
    pub fn open(
        previous: &PreviousRun,
        local: &dyn Fn(&str) -> PathBuf,
    ) -> Result<OldTables, ReuseError> {
        let mut files = HashMap::new();
        for kind in TableKind::ALL {
            for rel in previous.parts.get(kind.name()).into_iter().flatten() {
                files.insert((kind.name(), partition_of_part(rel)), local(rel));
            }
        }
        let mut reports = HashMap::new();
        for rel in previous.parts.get(REPORTS).into_iter().flatten() {
            let path = local(rel);
            let partition = partition_of_part(rel);
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
                    reports.insert(
                        paths.value(row).to_owned(),
                        OldReport {
                            report_id: ids.value(row).to_owned(),
                            status,
                            bytes: bytes.value(row),
                            n_mentions: n_m.value(row).max(0) as usize,
                            n_indicators: n_i.value(row).max(0) as usize,
                            partition: partition.clone(),
                        },
                    );
                }
            }
        }
        Ok(OldTables {
            reports,
            files,
            cursors: HashMap::new(),
        })
    }

    /// The `n` rows of `source_path` in the old `table` part of `partition`, as batch slices.
    pub fn take(
        &mut self,
        table: TableKind,
        partition: &str,
        source_path: &str,
        n: usize,
    ) -> Result<Vec<RecordBatch>, ReuseError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let key = (table.name(), partition.to_owned());
        if !self.cursors.contains_key(&key) {
            let Some(path) = self.files.get(&key) else {
                return Err(ReuseError::Missing {
                    path: PathBuf::from(format!("{}/{partition}", table.name())),
                    source_path: source_path.to_owned(),
                });
            };
            let cursor = Cursor::open(path)?;
            self.cursors.insert(key.clone(), cursor);
        }
        let cursor = self
            .cursors
            .get_mut(&key)
            .ok_or_else(|| read_err(Path::new(table.name()))("no cursor".into()))?;
        cursor.take(source_path, n)
    }
}

/// A forward reader over one part file.
struct Cursor {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    batch: Option<RecordBatch>,
    offset: usize,
}

impl Cursor {
    fn open(path: &Path) -> Result<Cursor, ReuseError> {
        let file = File::open(path).map_err(|e| read_err(path)(e.to_string()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.with_batch_size(READ_BATCH).build())
            .map_err(|e| read_err(path)(e.to_string()))?;
        Ok(Cursor {
            path: path.to_path_buf(),
            reader,
            batch: None,
            offset: 0,
        })
    }

    /// Loads the next batch when the current one is used up; false at the end of the file.
    fn fill(&mut self) -> Result<bool, ReuseError> {
        while self
            .batch
            .as_ref()
            .is_none_or(|b| self.offset >= b.num_rows())
        {
            match self.reader.next() {
                None => return Ok(false),
                Some(batch) => {
                    self.batch = Some(batch.map_err(|e| read_err(&self.path)(e.to_string()))?);
                    self.offset = 0;
                }
            }
        }
        Ok(true)
    }

    /// Skips rows of other paths (inputs deleted, changed or turned duplicate since), then
    /// takes `n` rows of `source_path`.
    fn take(&mut self, source_path: &str, n: usize) -> Result<Vec<RecordBatch>, ReuseError> {
        let file = self.path.clone();
        let missing = || ReuseError::Missing {
            path: file.clone(),
            source_path: source_path.to_owned(),
        };
        let mut out = Vec::new();
        let mut left = n;
        while left > 0 {
            if !self.fill()? {
                return Err(missing());
            }
            let Some(batch) = self.batch.as_ref() else {
                return Err(missing());
            };
            let paths = batch
                .column_by_name(col::SOURCE_PATH)
                .ok_or_else(missing)?
                .as_string::<i32>()
                .clone();
            let len = batch.num_rows();
            if left == n {
                while self.offset < len && paths.value(self.offset) != source_path {
                    self.offset += 1;
                }
                if self.offset == len {
                    continue;
                }
            }
            let start = self.offset;
            let mut end = start;
            while end < len && end - start < left && paths.value(end) == source_path {
                end += 1;
            }
            if end == start {
                return Err(missing());
            }
            out.push(batch.slice(start, end - start));
            left -= end - start;
            self.offset = end;
        }
        Ok(out)
    }
}
