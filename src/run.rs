//! The main job: an input folder in, a Parquet dataset and `manifest.json` out.
//!
//! Files are discovered and sorted first; then, chunk by chunk, one rayon `par_iter` maps the
//! per-document pipeline over them (the only parallel code in fazhi), and the finished chunk is
//! written in input order, so memory is bounded by a chunk and the tables do not depend on the
//! thread count. The same bytes seen twice become a `duplicate` row pointing at the first path.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::discover::{discover, DiscoverError, FileSelector};
use crate::pipeline::{Engine, StageTimes, STAGES};
use crate::record::{Date, ReportRecord, Status};
use crate::write::{DatasetWriter, TableCounts, WriteError};

/// Documents processed between two writes: bounds memory, keeps both cores busy.
const CHUNK: usize = 256;

/// What `fazhi run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub input: PathBuf,
    pub output: PathBuf,
    /// `None`: all cores.
    pub threads: Option<usize>,
}

/// Why a run could not complete (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error("invalid input globs in the config: {0}")]
    Globs(#[from] globset::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("cannot start {threads} worker threads: {message}")]
    Threads { threads: usize, message: String },
    #[error("cannot write {path}: {source}")]
    Manifest {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a finished run did: the content of `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub program: &'static str,
    pub version: &'static str,
    pub config_source: String,
    pub config_hash: String,
    pub input: String,
    pub output: String,
    pub started_at: String,
    pub threads: usize,
    pub files: u64,
    pub input_bytes: u64,
    pub status_counts: BTreeMap<&'static str, u64>,
    pub rows: BTreeMap<&'static str, u64>,
    /// Wall-clock seconds of the whole run.
    pub wall_seconds: f64,
    /// CPU seconds per stage, summed over documents and threads.
    pub stage_seconds: BTreeMap<&'static str, f64>,
    /// Entries under the input folder that could not be walked.
    pub skipped: Vec<(String, String)>,
}

impl Manifest {
    /// Whether any input failed (exit code 1).
    pub fn any_failed(&self) -> bool {
        self.status_counts.iter().any(|(s, n)| {
            *n > 0
                && Status::ALL
                    .iter()
                    .any(|st| st.as_str() == *s && st.is_failure())
        })
    }
}

/// Told how a run advances (a progress bar, a log line); called from the writing thread.
pub trait Progress: Sync {
    /// Discovery is done: `files` inputs will be processed.
    fn start(&self, _files: u64) {}
    /// `files` more inputs, `bytes` more input bytes, are done.
    fn advance(&self, _files: u64, _bytes: u64) {}
    /// All rows are written.
    fn finish(&self) {}
}

/// No progress reports.
pub struct Silent;

impl Progress for Silent {}

/// Tallies kept while rows are written.
#[derive(Default)]
struct Tally {
    status_counts: BTreeMap<&'static str, u64>,
    stage_times: StageTimes,
    input_bytes: u64,
    /// The first path seen for each report id, to mark later copies as duplicates.
    first_path_of: HashMap<String, String>,
}

impl Tally {
    /// Counts a finished record and turns a second copy of the same bytes into a duplicate row.
    fn admit(&mut self, mut record: ReportRecord, times: &StageTimes) -> ReportRecord {
        self.stage_times.add(times);
        self.input_bytes += record.bytes.max(0) as u64;
        if record.status == Status::Ok {
            match self.first_path_of.get(&record.report_id) {
                Some(first) => {
                    record = ReportRecord::failed(
                        record.report_id,
                        record.source_path,
                        record.bytes,
                        Status::Duplicate,
                        format!("the same bytes as {first}, whose rows stand for both"),
                    );
                }
                None => {
                    self.first_path_of
                        .insert(record.report_id.clone(), record.source_path.clone());
                }
            }
        }
        *self
            .status_counts
            .entry(record.status.as_str())
            .or_default() += 1;
        record
    }
}

/// Runs the main job.
///
/// The calling thread maps the pipeline over one chunk of files at a time on the rayon pool;
/// a writer thread takes finished chunks through a channel of two, so processing and writing
/// overlap while at most a few chunks of rows are in memory.
pub fn run(
    config: Config,
    opts: &RunOptions,
    progress: &dyn Progress,
) -> Result<Manifest, RunError> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let selector = FileSelector::new(&config.input.include, &config.input.exclude)?;
    let discovery = discover(&opts.input, &selector)?;
    let engine = Engine::new(config);
    let threads = opts
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::Threads {
            threads,
            message: e.to_string(),
        })?;
    let ids: Vec<String> = engine
        .config
        .catalogue
        .indicators
        .iter()
        .map(|i| i.id.clone())
        .collect();
    let mut writer = DatasetWriter::create(&opts.output, &ids)?;
    progress.start(discovery.files.len() as u64);

    let (tx, rx) = mpsc::sync_channel::<Vec<(ReportRecord, StageTimes)>>(2);
    let (written, mut tally) = std::thread::scope(|scope| {
        let writing = scope.spawn(move || -> Result<(DatasetWriter, Tally), WriteError> {
            let mut tally = Tally {
                status_counts: Status::ALL.iter().map(|s| (s.as_str(), 0)).collect(),
                ..Tally::default()
            };
            for done in rx {
                let (n, mut bytes) = (done.len() as u64, 0);
                for (record, times) in done {
                    bytes += record.bytes.max(0) as u64;
                    let record = tally.admit(record, &times);
                    writer.write(&record)?;
                }
                progress.advance(n, bytes);
            }
            Ok((writer, tally))
        });
        for chunk in discovery.files.chunks(CHUNK) {
            let done: Vec<(ReportRecord, StageTimes)> = pool.install(|| {
                chunk
                    .par_iter()
                    .map(|f| engine.process(&f.path, &f.rel_path))
                    .collect()
            });
            if tx.send(done).is_err() {
                break; // the writer stopped on an error, reported below
            }
        }
        drop(tx);
        match writing.join() {
            Ok(Ok((writer, tally))) => (Ok(writer), tally),
            Ok(Err(e)) => (Err(e), Tally::default()),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let counts: TableCounts = written?.finish()?;
    progress.finish();
    let status_counts = std::mem::take(&mut tally.status_counts);

    let manifest = Manifest {
        program: "fazhi",
        version: env!("CARGO_PKG_VERSION"),
        config_source: engine.config.source.clone(),
        config_hash: engine.config.hash.clone(),
        input: opts.input.display().to_string(),
        output: opts.output.display().to_string(),
        started_at: rfc3339(started),
        threads,
        files: discovery.files.len() as u64,
        input_bytes: tally.input_bytes,
        status_counts,
        rows: counts.by_table().into_iter().collect(),
        wall_seconds: clock.elapsed().as_secs_f64(),
        stage_seconds: STAGES
            .iter()
            .zip(tally.stage_times.0)
            .map(|(s, d)| (*s, d.as_secs_f64()))
            .collect(),
        skipped: discovery.skipped,
    };
    write_manifest(&opts.output, &manifest)?;
    Ok(manifest)
}

fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), RunError> {
    let path = dir.join("manifest.json");
    let json = serde_json::to_string_pretty(manifest)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    std::fs::write(&path, json + "\n").map_err(|source| RunError::Manifest { path, source })
}

/// `2026-11-22T03:07:35Z`.
fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let date = civil_from_days(days);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip_through_day_numbers() {
        for days in [-1000, -1, 0, 1, 11_017, 20_061, 30_000] {
            assert_eq!(civil_from_days(days).days_since_epoch(), days as i32);
        }
        assert_eq!(civil_from_days(20_061).to_string(), "2024-12-04");
    }
}
