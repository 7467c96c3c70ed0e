//! The main job: an input folder in, a Parquet dataset and its manifest out.
//!
//! Files are discovered and sorted first; then, chunk by chunk, one rayon `par_iter` maps the
//! per-document pipeline over them (the only parallel code in fazhi), and the finished chunk is
//! written in input order, so memory is bounded by a chunk and the tables do not depend on the
//! thread count. The same bytes seen twice become a `duplicate` row pointing at the first path.
//!
//! Around that core ([`crate::write::output`], [`crate::write::incremental`]): a run takes a lock on OUT,
//! writes its tables into a hidden stage folder and swaps them in at the end; when the previous
//! run into OUT used the same program version, config and layout, inputs whose path and content
//! hash are unchanged keep their rows, copied from the previous tables, and only the others go
//! through the pipeline. `--shard I/N` restricts a run to the inputs of one shard, written as
//! part files of their own, and `s3://` outputs go to object storage (`write::store`, feature `s3`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::input::discover::{discover, DiscoverError, FileSelector, SourceFile};
use crate::pipeline::{report_id, Engine, StageTimes, STAGES};
use crate::record::{Date, ReportRecord, Status};
use crate::write::incremental::{
    InputStamps, OldReport, OldTables, PreviousRun, ReuseError, Stamp,
};
use crate::write::output::{self, Layout, OutputError, PartitionColumn, Shard, Stage};
use crate::write::{
    table_format, table_names, DatasetWriter, Item, PreviousPart, TableCounts, UnitCounts,
    WriteError,
};

/// Documents processed between two writes: bounds memory, keeps both cores busy.
const CHUNK: usize = 256;

/// What `fazhi run` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub input: PathBuf,
    /// A folder, or `s3://bucket/prefix` (feature `s3`).
    pub output: PathBuf,
    /// `None`: all cores.
    pub threads: Option<usize>,
    /// Recompute every input even if the previous run's rows could be reused.
    pub full: bool,
    /// Process only this shard's inputs and write part files named for it.
    pub shard: Option<Shard>,
    /// S3 endpoint URL (default: `AWS_ENDPOINT_URL`, then AWS itself).
    pub s3_endpoint: Option<String>,
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
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Reuse(#[from] ReuseError),
    #[error("object storage: {0}")]
    Store(String),
}

/// How much of the previous output a run could keep.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Incremental {
    /// `incremental`, or `full` with the reason in `reason`.
    pub mode: &'static str,
    pub reason: String,
    /// Inputs whose rows were copied from the previous tables (same path, same bytes).
    pub reused: u64,
    /// Inputs with a path the previous run did not have.
    pub added: u64,
    /// Inputs whose bytes changed since.
    pub changed: u64,
    /// Inputs of the previous run that are gone (their rows are dropped).
    pub removed: u64,
    /// Unchanged inputs processed again: earlier errors, and duplicates whose original is gone.
    pub reprocessed: u64,
    /// Inputs read to hash their content; the others had the stamps (size, times, inode) the
    /// previous run recorded with their hashes.
    pub hashed: u64,
    /// Units of rows (see [`crate::write`]) whose pages were copied from the previous tables,
    /// and units encoded now, over all tables.
    pub units_copied: u64,
    pub units_encoded: u64,
}

/// What a finished run did: the content of `manifest.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub program: &'static str,
    pub version: &'static str,
    /// Fingerprint of the sources and embedded data of the build that wrote the tables (see
    /// `build.rs`): a rerun by another build recomputes everything.
    pub build: &'static str,
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
    /// Files under the input folder that the include and exclude globs did not select, by
    /// lower-case extension (`""` for none).
    pub not_selected: BTreeMap<String, u64>,
    /// Shard and partitioning of the tables.
    pub layout: Layout,
    /// This run's part files per table, relative to the output: the committed dataset.
    pub parts: BTreeMap<&'static str, Vec<String>>,
    /// Run id (unique per run; part names on object storage carry it).
    pub run_id: String,
    /// How the tables are laid out ([`crate::write::table_format`]); the next run copies pages
    /// only from tables of the same format.
    pub table_format: String,
    pub incremental: Incremental,
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
    /// The content hash of each input, in input order (`None` for an input that failed).
    content_ids: Vec<Option<String>>,
    /// The stamp of each input taken when it was read, in input order (`None` for an input
    /// whose rows were reused, or that could not be read).
    read_stamps: Vec<Option<Stamp>>,
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

/// What to do with one input.
enum Work {
    Process,
    /// Copy the previous rows (or, for an earlier duplicate, make it a duplicate again).
    Reuse(OldReport),
}

/// One input, done.
enum Done {
    Processed(Box<ReportRecord>, StageTimes, Option<Stamp>),
    Reused(String, OldReport),
}

/// The tables being written into the stage folder: one [`DatasetWriter`] per hive partition.
struct Sink {
    stage: PathBuf,
    layout: Layout,
    run: Option<String>,
    ids: Vec<String>,
    writers: BTreeMap<String, DatasetWriter>,
    /// The previous run's files per partition, handed to the writer that replaces them.
    previous: HashMap<String, PreviousPart>,
}

impl Sink {
    fn writer(&mut self, partition: &str) -> Result<&mut DatasetWriter, WriteError> {
        if !self.writers.contains_key(partition) {
            let paths = table_names().map(|t| {
                self.stage
                    .join(self.layout.part_path(t, partition, self.run.as_deref()))
            });
            let wide_year = self.layout.partition_by.contains(&PartitionColumn::Year);
            let previous = self.previous.remove(partition);
            let writer = DatasetWriter::create_files(paths, &self.ids, wide_year, previous)?;
            self.writers.insert(partition.to_owned(), writer);
        }
        Ok(self
            .writers
            .get_mut(partition)
            .expect("the writer was just inserted"))
    }

    /// Closes every file; returns the row and unit counts and the part paths per table.
    #[allow(clippy::type_complexity)]
    fn finish(
        self,
    ) -> Result<(TableCounts, UnitCounts, BTreeMap<&'static str, Vec<String>>), WriteError> {
        let mut total = TableCounts::default();
        let mut units = UnitCounts::default();
        let mut parts: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for (partition, writer) in self.writers {
            let (counts, u) = writer.finish()?;
            total.reports += counts.reports;
            total.mentions += counts.mentions;
            total.indicators += counts.indicators;
            units.copied += u.copied;
            units.encoded += u.encoded;
            for t in table_names() {
                parts.entry(t).or_default().push(self.layout.part_path(
                    t,
                    &partition,
                    self.run.as_deref(),
                ));
            }
        }
        Ok((total, units, parts))
    }
}

/// Where the tables go.
enum Target {
    Local(PathBuf),
    #[cfg(feature = "s3")]
    S3(crate::write::store::S3Target),
}

impl Target {
    fn open(opts: &RunOptions) -> Result<Target, RunError> {
        let text = opts.output.to_string_lossy();
        if let Some(rest) = text.strip_prefix("s3://") {
            #[cfg(feature = "s3")]
            {
                return crate::write::store::S3Target::open(rest, opts.s3_endpoint.as_deref())
                    .map(Target::S3)
                    .map_err(RunError::Store);
            }
            #[cfg(not(feature = "s3"))]
            {
                let _ = rest;
                return Err(RunError::Store(
                    "this fazhi was built without S3 support: rebuild with `--features s3`".into(),
                ));
            }
        }
        Ok(Target::Local(opts.output.clone()))
    }
}

/// A fresh id for this run: time and process, hashed.
fn new_run_id(started: SystemTime) -> String {
    let nanos = started
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{nanos}-{}", std::process::id());
    format!(
        "{}-{}",
        started
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        &blake3::hash(seed.as_bytes()).to_hex()[..8]
    )
}

/// The content hash ([`report_id`]) of every file, `None` where it cannot be read (in parallel,
/// each thread reading into one buffer it reuses), taken from `known` where a file's stamp
/// vouches for it;
/// and how many were read to hash them (the others' stamps were unchanged since `known`).
fn content_hashes(
    pool: &rayon::ThreadPool,
    files: &[SourceFile],
    stamps: &[Option<Stamp>],
    known: Option<&InputStamps>,
) -> (Vec<Option<String>>, u64) {
    use std::io::Read;
    let hashes: Vec<(Option<String>, bool)> = pool.install(|| {
        files
            .par_iter()
            .zip(stamps)
            .map_init(Vec::new, |buf, (f, stamp)| {
                let trusted = known
                    .zip(stamp.as_ref())
                    .and_then(|(k, s)| k.hash_of(&f.rel_path, s));
                if let Some(id) = trusted {
                    return (Some(id.to_owned()), false);
                }
                buf.clear();
                let read = std::fs::File::open(&f.path).and_then(|mut h| h.read_to_end(buf));
                (read.ok().map(|_| report_id(buf)), true)
            })
            .collect()
    });
    let read = hashes.iter().filter(|(_, r)| *r).count() as u64;
    (hashes.into_iter().map(|(h, _)| h).collect(), read)
}

/// Nanoseconds since the epoch.
fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Why the previous output cannot be reused, or `None` if it can.
fn full_reason(
    previous: Option<&PreviousRun>,
    config: &Config,
    layout: &Layout,
    full: bool,
) -> Option<String> {
    if full {
        return Some("--full".into());
    }
    let Some(p) = previous else {
        return Some("no previous run in the output".into());
    };
    if p.version != env!("CARGO_PKG_VERSION") {
        return Some(format!("program version changed ({})", p.version));
    }
    if p.build != BUILD {
        return Some(format!(
            "program changed since the previous run (build {} → {BUILD})",
            if p.build.is_empty() {
                "unrecorded"
            } else {
                &p.build
            }
        ));
    }
    if p.config_hash != config.hash {
        return Some("config changed".into());
    }
    if p.layout.as_ref() != Some(layout) {
        return Some("output layout changed".into());
    }
    if p.table_format != table_format() {
        return Some("table format changed".into());
    }
    None
}

/// This build's fingerprint (see `build.rs`).
pub const BUILD: &str = env!("FAZHI_BUILD");

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
    let run_id = new_run_id(started);
    let target = Target::open(opts)?;
    let remote = !matches!(target, Target::Local(_));
    let layout = Layout::new(opts.shard, config.output.partition_by.clone(), remote);
    let manifest_name = layout.manifest_name();

    // The stage folder, the lock and the previous run.
    let (stage, stage_dir, _lock, previous, old_root): (
        Option<Stage>,
        PathBuf,
        Option<output::RunLock>,
        Option<PreviousRun>,
        PathBuf,
    ) = match &target {
        Target::Local(out) => {
            std::fs::create_dir_all(out).map_err(|source| WriteError::CreateDir {
                path: out.clone(),
                source,
            })?;
            let lock = output::lock(out, &layout)?;
            let stage = Stage::prepare(out, &layout)?;
            let previous = std::fs::read_to_string(out.join(&manifest_name))
                .ok()
                .and_then(|t| serde_json::from_str::<PreviousRun>(&t).ok());
            let dir = stage.dir.clone();
            (Some(stage), dir, Some(lock), previous, out.clone())
        }
        #[cfg(feature = "s3")]
        Target::S3(s3) => {
            let work = std::env::temp_dir().join(format!("fazhi-s3-{run_id}"));
            let previous = s3
                .get(&manifest_name)
                .map_err(RunError::Store)?
                .and_then(|b| serde_json::from_slice::<PreviousRun>(&b).ok());
            (None, work.join("stage"), None, previous, work.join("old"))
        }
    };
    let reason = full_reason(previous.as_ref(), &config, &layout, opts.full);
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
    let selector = FileSelector::new(&config.input.include, &config.input.exclude)?;
    let ids: Vec<String> = config
        .catalogue
        .indicators
        .iter()
        .map(|i| i.id.clone())
        .collect();

    // Inputs are found (and, for an incremental run, hashed on the pool) on one thread while
    // this one reads the previous tables, opens the new ones and prepares the engine.
    let hash_inputs = reason.is_none() && previous.is_some();
    let (found, opened, engine) = std::thread::scope(|scope| {
        let finding = scope.spawn(|| -> Result<_, RunError> {
            // On the pool, so that folders are listed in parallel.
            let mut discovery = pool.install(|| discover(&opts.input, &selector))?;
            if let Some(shard) = opts.shard {
                discovery.files.retain(|f| shard.contains(&f.rel_path));
            }
            // Stamps of every input (local outputs only: they are kept in OUT), then the
            // content hashes the previous run's stamps do not vouch for. A run that hashes no
            // inputs up front (a full run) takes each input's stamp as it reads it.
            let taken_at = now_ns();
            let stamps: Option<Vec<Option<Stamp>>> = match &target {
                Target::Local(_) if hash_inputs => Some(pool.install(|| {
                    discovery
                        .files
                        .par_iter()
                        .map(|f| Stamp::of(&f.path))
                        .collect()
                })),
                #[cfg(feature = "s3")]
                Target::S3(_) if hash_inputs => Some(vec![None; discovery.files.len()]),
                _ => None,
            };
            let known = match (&target, &previous) {
                (Target::Local(out), Some(p)) if hash_inputs => {
                    InputStamps::read(&out.join(layout.input_stamps_name()), &p.run_id)
                }
                _ => None,
            };
            let hashes = stamps
                .as_ref()
                .map(|s| content_hashes(&pool, &discovery.files, s, known.as_ref()));
            Ok((discovery, stamps, taken_at, hashes))
        });
        let opened = (|| -> Result<_, RunError> {
            let old = match (&reason, &previous) {
                (None, Some(p)) => {
                    #[cfg(feature = "s3")]
                    if let Target::S3(s3) = &target {
                        for rel in p.parts.values().flatten() {
                            s3.download(rel, &old_root.join(rel))
                                .map_err(RunError::Store)?;
                        }
                    }
                    let root = old_root.clone();
                    Some(OldTables::open(p, &|rel: &str| root.join(rel))?)
                }
                _ => None,
            };
            let (reports, parts) = match old {
                Some(o) => (Some(o.reports), o.parts),
                None => (None, HashMap::new()),
            };
            let mut sink = Sink {
                stage: stage_dir.clone(),
                layout: layout.clone(),
                run: remote.then(|| run_id.clone()),
                ids,
                writers: BTreeMap::new(),
                previous: parts,
            };
            if layout.partition_by.is_empty() {
                sink.writer("")?; // every table exists, even with no rows
            }
            Ok((reports, sink))
        })();
        let engine = Engine::new(config);
        let found = finding
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (found, opened, engine)
    });
    let (discovery, stamps, stamps_taken_at, hashes) = found?;
    let hashed = hashes.as_ref().map_or(0, |h| h.1);
    let hashes = hashes.map(|h| h.0);
    let (old, mut sink) = opened?;

    // The plan: which inputs keep their rows.
    let mut incremental = Incremental {
        mode: if old.is_some() { "incremental" } else { "full" },
        reason: reason.clone().unwrap_or_default(),
        hashed,
        ..Incremental::default()
    };
    let plan: Vec<Work> = match &old {
        None => {
            incremental.added = discovery.files.len() as u64;
            discovery.files.iter().map(|_| Work::Process).collect()
        }
        Some(old_reports) => {
            let hashes = hashes.unwrap_or_default();
            let mut reused_ok: HashSet<&str> = HashSet::new();
            let mut plan = Vec::with_capacity(hashes.len());
            for (f, hash) in discovery.files.iter().zip(&hashes) {
                let work = match (old_reports.get(&f.rel_path), hash) {
                    (None, _) => {
                        incremental.added += 1;
                        Work::Process
                    }
                    (Some(o), Some(h)) if &o.report_id == h => match o.status {
                        Status::Error => {
                            incremental.reprocessed += 1;
                            Work::Process
                        }
                        Status::Duplicate if !reused_ok.contains(h.as_str()) => {
                            incremental.reprocessed += 1;
                            Work::Process
                        }
                        status => {
                            if status == Status::Ok {
                                reused_ok.insert(h.as_str());
                            }
                            incremental.reused += 1;
                            Work::Reuse(o.clone())
                        }
                    },
                    (Some(_), _) => {
                        incremental.changed += 1;
                        Work::Process
                    }
                };
                plan.push(work);
            }
            let present: HashSet<&str> = discovery
                .files
                .iter()
                .map(|f| f.rel_path.as_str())
                .collect();
            incremental.removed = old_reports
                .keys()
                .filter(|p| !present.contains(p.as_str()))
                .count() as u64;
            plan
        }
    };

    progress.start(discovery.files.len() as u64);

    let (tx, rx) = mpsc::sync_channel::<Vec<Done>>(2);
    let (written, mut tally) = std::thread::scope(|scope| {
        let pool = &pool;
        let writing = scope.spawn(move || -> Result<(Sink, Tally), RunError> {
            let mut tally = Tally {
                status_counts: Status::ALL.iter().map(|s| (s.as_str(), 0)).collect(),
                ..Tally::default()
            };
            for done in rx {
                let (n, mut bytes) = (done.len() as u64, 0);
                // In order: count, mark duplicates, and say where each report's rows go.
                let mut admitted: Vec<(String, Admitted)> = Vec::with_capacity(done.len());
                for item in done {
                    match item {
                        Done::Processed(record, times, stamp) => {
                            tally.read_stamps.push(stamp);
                            bytes += record.bytes.max(0) as u64;
                            let record = tally.admit(*record, &times);
                            tally.content_ids.push(
                                (record.status != Status::Error).then(|| record.report_id.clone()),
                            );
                            let partition = sink.layout.partition_of(&record.meta);
                            admitted.push((partition, Admitted::Record(Box::new(record))));
                        }
                        Done::Reused(path, o) => {
                            tally.read_stamps.push(None);
                            bytes += o.bytes.max(0) as u64;
                            tally.content_ids.push(Some(o.report_id.clone()));
                            admitted.push(reuse(&sink.layout, &mut tally, path, o)?);
                        }
                    }
                }
                // Then the rows, partition by partition, the tables of each in parallel.
                let mut by_partition: BTreeMap<&str, Vec<Item<'_>>> = BTreeMap::new();
                for (partition, a) in &admitted {
                    by_partition.entry(partition).or_default().push(match a {
                        Admitted::Record(record) => Item::Report(record),
                        Admitted::Reuse(doc) => Item::Reuse(*doc),
                    });
                }
                for (partition, items) in by_partition {
                    let writer = sink.writer(partition)?;
                    pool.install(|| writer.write_all(&items))?;
                }
                progress.advance(n, bytes);
            }
            Ok((sink, tally))
        });
        let mut plan = plan.into_iter();
        for chunk in discovery.files.chunks(CHUNK) {
            let work: Vec<Work> = plan.by_ref().take(chunk.len()).collect();
            let done: Vec<Done> = pool.install(|| {
                chunk
                    .par_iter()
                    .zip(work)
                    .map(|(f, w)| match w {
                        Work::Process => {
                            let (record, times, stamp) = engine.process(&f.path, &f.rel_path);
                            Done::Processed(Box::new(record), times, stamp)
                        }
                        Work::Reuse(o) => Done::Reused(f.rel_path.clone(), o),
                    })
                    .collect()
            });
            if tx.send(done).is_err() {
                break; // the writer stopped on an error, reported below
            }
        }
        drop(tx);
        match writing.join() {
            Ok(Ok((sink, tally))) => (Ok(sink), tally),
            Ok(Err(e)) => (Err(e), Tally::default()),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let sink = written?;
    let (counts, units, parts) = pool.install(|| sink.finish())?;
    incremental.units_copied = units.copied;
    incremental.units_encoded = units.encoded;
    progress.finish();
    let status_counts = std::mem::take(&mut tally.status_counts);

    let layout_stamps_name = layout.input_stamps_name();
    let manifest = Manifest {
        program: "fazhi",
        version: env!("CARGO_PKG_VERSION"),
        build: BUILD,
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
        not_selected: discovery.not_selected,
        layout,
        parts,
        run_id,
        table_format: table_format(),
        incremental,
    };
    write_manifest(&stage_dir.join(&manifest_name), &manifest)?;
    let mut part_list: Vec<String> = manifest.parts.values().flatten().cloned().collect();
    if matches!(target, Target::Local(_)) {
        // The inputs' stamps and hashes, for the next run (committed with the tables).
        let name = layout_stamps_name;
        let entries = discovery
            .files
            .iter()
            .zip(stamps.as_ref().unwrap_or(&tally.read_stamps))
            .zip(&tally.content_ids)
            .filter_map(|((f, stamp), id)| Some((f.rel_path.as_str(), (*stamp)?, id.as_deref()?)));
        InputStamps::write(
            &stage_dir.join(&name),
            &manifest.run_id,
            stamps_taken_at,
            entries,
        )
        .map_err(|source| RunError::Manifest {
            path: stage_dir.join(&name),
            source,
        })?;
        part_list.push(name);
    }
    match (&target, stage) {
        (Target::Local(_), Some(stage)) => stage.commit(&part_list, &manifest_name)?,
        #[cfg(feature = "s3")]
        (Target::S3(s3), _) => {
            let committed = s3.commit(
                &stage_dir,
                &part_list,
                &manifest_name,
                previous.as_ref(),
                &manifest.layout,
                &manifest.run_id,
            );
            let _ = std::fs::remove_dir_all(stage_dir.parent().unwrap_or(&stage_dir));
            committed.map_err(RunError::Store)?;
        }
        _ => {}
    }
    Ok(manifest)
}

/// A report's rows, as the writer gets them.
enum Admitted {
    Record(Box<ReportRecord>),
    /// Kept from the previous tables: the report's place in its partition's previous files.
    Reuse(usize),
}

/// Where the rows of an unchanged input come from, and their partition: the previous tables,
/// or a `duplicate` row when an earlier input of this run has the same bytes.
fn reuse(
    layout: &Layout,
    tally: &mut Tally,
    path: String,
    o: OldReport,
) -> Result<(String, Admitted), RunError> {
    if matches!(o.status, Status::Ok | Status::Duplicate)
        && tally.first_path_of.contains_key(&o.report_id)
    {
        let as_ok = ReportRecord::failed(o.report_id, path, o.bytes, Status::Ok, String::new());
        let record = tally.admit(as_ok, &StageTimes::default());
        let partition = layout.partition_of(&record.meta);
        return Ok((partition, Admitted::Record(Box::new(record))));
    }
    if o.status == Status::Duplicate {
        // Planned only after an input kept with the same bytes, which admitted them first.
        return Err(RunError::Reuse(ReuseError::Missing {
            path: PathBuf::from("(duplicate without its original)"),
            source_path: path,
        }));
    }
    if o.status == Status::Ok {
        tally
            .first_path_of
            .insert(o.report_id.clone(), path.clone());
    }
    tally.input_bytes += o.bytes.max(0) as u64;
    *tally.status_counts.entry(o.status.as_str()).or_default() += 1;
    Ok((o.partition, Admitted::Reuse(o.ordinal)))
}

fn write_manifest(path: &Path, manifest: &Manifest) -> Result<(), RunError> {
    let json = serde_json::to_string_pretty(manifest)
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| RunError::Manifest {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, json + "\n").map_err(|source| RunError::Manifest {
        path: path.to_path_buf(),
        source,
    })
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
