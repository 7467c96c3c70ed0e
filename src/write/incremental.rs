//! Incremental runs: what the previous run wrote, and which inputs can keep their rows.
//!
//! The previous manifest says which program version, config hash, layout and table format
//! made the tables and lists their part files. If all four match, the previous `reports` rows
//! (a few key columns, one row per input) tell, for each input path, its content hash and row
//! counts; an input with the same path and hash keeps its rows. Each partition's reports, in
//! file order, and its four part files go to the writer of that partition
//! ([`crate::write::PreviousPart`]), which copies the pages of unchanged units and splices the
//! kept rows of the others into new pages (see [`crate::write`]). [`InputStamps`] spares a rerun
//! reading inputs whose size, times and inode have not moved.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use serde::Deserialize;

use crate::record::Status;
use crate::write::output::Layout;
use crate::write::{col, PreviousDoc, PreviousPart, TableKind, REPORTS};

/// The parts of a previous manifest an incremental run relies on.
#[derive(Debug, Clone, Deserialize)]
pub struct PreviousRun {
    pub version: String,
    /// The build that wrote it (empty for runs before it was recorded).
    #[serde(default)]
    pub build: String,
    pub config_hash: String,
    #[serde(default)]
    pub layout: Option<Layout>,
    /// Part files per table, relative to OUT.
    #[serde(default)]
    pub parts: BTreeMap<String, Vec<String>>,
    /// [`crate::write::table_format`] of the tables (empty for runs before it was recorded).
    #[serde(default)]
    pub table_format: String,
    #[serde(default)]
    pub run_id: String,
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

/// What an input file looked like (size, times, inode) when its content hash was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    /// Nanoseconds since the epoch.
    pub mtime: i64,
    pub ctime: i64,
    pub ino: u64,
    pub dev: u64,
}

impl Stamp {
    /// The stamp of the file `path` points to; `None` where there is none to trust (no such
    /// file, or a platform without inode change times).
    pub fn of(path: &Path) -> Option<Stamp> {
        Stamp::of_metadata(&std::fs::metadata(path).ok()?)
    }

    /// The stamp of a file from its metadata (as of an open file: see
    /// [`crate::pipeline::Engine::process`]).
    pub fn of_metadata(m: &std::fs::Metadata) -> Option<Stamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| s.checked_mul(1_000_000_000)?.checked_add(n);
            Some(Stamp {
                size: m.size(),
                mtime: ns(m.mtime(), m.mtime_nsec())?,
                ctime: ns(m.ctime(), m.ctime_nsec())?,
                ino: m.ino(),
                dev: m.dev(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = m;
            None
        }
    }
}

/// The content hashes of a run's inputs with their [`Stamp`]s, so that the next run need not
/// read an input whose stamp has not moved (as `git status` trusts its index). Kept in OUT as
/// a hidden file committed with the manifest, and trusted only beside the manifest of the run
/// that wrote it. An input is rehashed when any of size, modification time, change time
/// (which no tool can set back), inode or device differ, or when it was modified less than
/// [`RACY_NS`] before that run took the stamps (a change in the same clock tick as the stamp
/// would not show).
#[derive(Debug, Default)]
pub struct InputStamps {
    /// When the stamps were taken (nanoseconds since the epoch).
    taken_at: i64,
    entries: HashMap<String, (Stamp, String)>,
}

/// See [`InputStamps`]: two seconds, the coarsest timestamp of common file systems.
pub const RACY_NS: i64 = 2_000_000_000;

const STAMPS_MAGIC: &[u8] = b"fazhi input stamps 1\n";

impl InputStamps {
    /// Reads `path`, if it is the stamps file of run `run_id`.
    pub fn read(path: &Path, run_id: &str) -> Option<InputStamps> {
        let data = std::fs::read(path).ok()?;
        let mut r = Reader(data.strip_prefix(STAMPS_MAGIC)?);
        if r.bytes()? != run_id.as_bytes() {
            return None;
        }
        let taken_at = r.u64()? as i64;
        let count = r.u64()? as usize;
        let mut entries = HashMap::with_capacity(count.min(1 << 24));
        for _ in 0..count {
            let path = String::from_utf8(r.bytes()?.to_vec()).ok()?;
            let stamp = Stamp {
                size: r.u64()?,
                mtime: r.u64()? as i64,
                ctime: r.u64()? as i64,
                ino: r.u64()?,
                dev: r.u64()?,
            };
            let id = String::from_utf8(r.bytes()?.to_vec()).ok()?;
            entries.insert(path, (stamp, id));
        }
        r.0.is_empty().then_some(InputStamps { taken_at, entries })
    }

    /// Writes the stamps of run `run_id`, taken at `taken_at`, to `path`.
    pub fn write<'a>(
        path: &Path,
        run_id: &str,
        taken_at: i64,
        entries: impl Iterator<Item = (&'a str, Stamp, &'a str)>,
    ) -> std::io::Result<()> {
        let mut body = Vec::new();
        let mut count = 0u64;
        for (rel, s, id) in entries {
            put_bytes(&mut body, rel.as_bytes());
            for v in [s.size, s.mtime as u64, s.ctime as u64, s.ino, s.dev] {
                body.extend_from_slice(&v.to_le_bytes());
            }
            put_bytes(&mut body, id.as_bytes());
            count += 1;
        }
        let mut out = STAMPS_MAGIC.to_vec();
        put_bytes(&mut out, run_id.as_bytes());
        out.extend_from_slice(&(taken_at as u64).to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&body);
        let mut file = File::create(path)?;
        std::io::Write::write_all(&mut file, &out)?;
        file.sync_all()
    }

    /// The content hash recorded for input `rel`, if its stamp still says it is the same file.
    pub fn hash_of(&self, rel: &str, now: &Stamp) -> Option<&str> {
        let (then, id) = self.entries.get(rel)?;
        let settled = |t: i64| t < self.taken_at.saturating_sub(RACY_NS);
        (then == now && settled(now.mtime) && settled(now.ctime)).then_some(id.as_str())
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_trusted_only_for_the_same_settled_file_of_the_same_run() {
        let dir = std::env::temp_dir().join(format!("fazhi-stamps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("a.txt");
        std::fs::write(&input, "一").unwrap();
        let stamp = Stamp::of(&input);
        if cfg!(unix) {
            assert!(stamp.is_some());
        }
        let Some(stamp) = stamp else { return };
        let file = dir.join(".fazhi-inputs-0-of-1.bin");
        let later = stamp.mtime.max(stamp.ctime) + RACY_NS + 1;
        InputStamps::write(&file, "run-1", later, [("a.txt", stamp, "abc")].into_iter()).unwrap();
        let read = InputStamps::read(&file, "run-1").unwrap();
        assert_eq!(read.hash_of("a.txt", &stamp), Some("abc"));
        assert_eq!(read.hash_of("b.txt", &stamp), None);
        let grown = Stamp {
            size: stamp.size + 1,
            ..stamp
        };
        assert_eq!(read.hash_of("a.txt", &grown), None);
        assert!(InputStamps::read(&file, "run-2").is_none());
        // Stamped within RACY_NS of a change: not trusted.
        InputStamps::write(
            &file,
            "run-1",
            stamp.mtime + 1,
            [("a.txt", stamp, "abc")].into_iter(),
        )
        .unwrap();
        let racy = InputStamps::read(&file, "run-1").unwrap();
        assert_eq!(racy.hash_of("a.txt", &stamp), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
