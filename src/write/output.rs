//! Where a run's tables go and how they are swapped in: the dataset layout (one file per table,
//! or a folder of part files per shard and hive partition), the lock, and the commit journal.
//!
//! A run writes its tables into a hidden stage folder inside OUT (`.fazhi-stage…`, ignored by
//! readers as every name starting with `.` or `_` is), then commits: it writes a journal
//! `.fazhi-commit….json` listing the renames and removals, applies it, renames the manifest in
//! last and removes the journal. A run killed before the journal exists leaves OUT as it was; a
//! run killed while applying it is rolled forward by the next run, which replays the journal
//! (every step can be repeated) before doing anything else.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::record::ReportMeta;
use crate::write::table_names;

/// Hive folder name for a null partition value; pyarrow, polars and DuckDB read it as null.
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// `--shard I/N`: this process handles the inputs whose [`Shard::of`] is `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` with `I < N`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard {s:?}: expected I/N, like 0/4"))?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard {s:?}: {i:?} is not a number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard {s:?}: {n:?} is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "--shard {s:?}: need 0 <= I < N (shards are numbered from 0)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard an input belongs to among `count`: blake3 of its `source_path`, mod `count`.
    pub fn of(source_path: &str, count: u32) -> u32 {
        let hash = blake3::hash(source_path.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        (u64::from_le_bytes(first) % u64::from(count)) as u32
    }

    pub fn contains(&self, source_path: &str) -> bool {
        Shard::of(source_path, self.count) == self.index
    }

    /// `I-of-N`, used in file names.
    pub fn tag(&self) -> String {
        format!("{}-of-{}", self.index, self.count)
    }
}

/// A column the dataset may be hive-partitioned by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartitionColumn {
    Year,
    Province,
}

impl PartitionColumn {
    pub fn parse(s: &str) -> Option<PartitionColumn> {
        match s {
            "year" => Some(PartitionColumn::Year),
            "province" => Some(PartitionColumn::Province),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PartitionColumn::Year => "year",
            PartitionColumn::Province => "province",
        }
    }
}

/// Percent-encodes what may not stand in a hive folder name (`/`, `=`, `%`, controls, a
/// leading `.` or `_`); readers decode it.
fn hive_value(value: Option<String>) -> String {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return NULL_PARTITION.to_owned();
    };
    let mut out = String::new();
    for (i, c) in v.chars().enumerate() {
        let escape = matches!(
            c,
            '/' | '\\' | '=' | '%' | ':' | '*' | '?' | '"' | '<' | '>' | '|'
        ) || c.is_control()
            || (i == 0 && matches!(c, '.' | '_'));
        if escape {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How a run lays out its tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub shard: Option<Shard>,
    pub partition_by: Vec<PartitionColumn>,
    /// Every table is a folder of part files (always on object storage).
    pub folders: bool,
}

impl Layout {
    /// One file per table `OUT/<table>.parquet` only for an unsharded, unpartitioned, local run.
    pub fn new(
        shard: Option<Shard>,
        partition_by: Vec<PartitionColumn>,
        object_store: bool,
    ) -> Layout {
        let folders = object_store || shard.is_some() || !partition_by.is_empty();
        Layout {
            shard,
            partition_by,
            folders,
        }
    }

    /// `I-of-N`, or `0-of-1` for an unsharded run.
    pub fn tag(&self) -> String {
        self.shard.map_or_else(|| "0-of-1".to_owned(), |s| s.tag())
    }

    /// The hive folders of a report's rows: `year=2024/province=广东省`, or `""`.
    pub fn partition_of(&self, meta: &ReportMeta) -> String {
        self.partition_by
            .iter()
            .map(|c| {
                let value = match c {
                    PartitionColumn::Year => meta.year.map(|y| y.to_string()),
                    PartitionColumn::Province => meta.province.clone(),
                };
                format!("{}={}", c.name(), hive_value(value))
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Path of a table's part file relative to OUT; `run` is appended to part names on object
    /// storage, where names must be unique to the run.
    pub fn part_path(&self, table: &str, partition: &str, run: Option<&str>) -> String {
        if !self.folders {
            return format!("{table}.parquet");
        }
        let name = match run {
            Some(run) => format!("part-{}-{run}.parquet", self.tag()),
            None => format!("part-{}.parquet", self.tag()),
        };
        if partition.is_empty() {
            format!("{table}/{name}")
        } else {
            format!("{table}/{partition}/{name}")
        }
    }

    /// The manifest's name: `manifest.json`, or `manifest-I-of-N.json` for a shard.
    pub fn manifest_name(&self) -> String {
        match self.shard {
            None => "manifest.json".to_owned(),
            Some(s) => format!("manifest-{}.json", s.tag()),
        }
    }

    /// The file that records what each input looked like when the run hashed it
    /// ([`crate::write::incremental::InputStamps`]): hidden, committed with the manifest.
    pub fn input_stamps_name(&self) -> String {
        format!(".fazhi-inputs-{}.bin", self.tag())
    }

    fn stage_name(&self) -> String {
        format!(".fazhi-stage-{}", self.tag())
    }

    fn journal_name(&self) -> String {
        format!(".fazhi-commit-{}.json", self.tag())
    }

    /// Whether a committed file (relative to OUT, `/`-separated) is this run's to replace or
    /// remove: for an unsharded run every table file; for shard I of N its own parts, parts of
    /// another shard count, and the single-file layout.
    pub fn owns(&self, rel: &str) -> bool {
        let Some((table, rest)) = rel.split_once('/') else {
            if let Some(tag) = rel
                .strip_prefix("manifest-")
                .and_then(|r| r.strip_suffix(".json"))
                .or_else(|| {
                    rel.strip_prefix(".fazhi-inputs-")
                        .and_then(|r| r.strip_suffix(".bin"))
                })
            {
                // A shard manifest: stale unless it is of a shard of this run's count.
                let count = tag
                    .rsplit("-of-")
                    .next()
                    .and_then(|n| n.parse::<u32>().ok());
                return self.shard.is_none_or(|s| count != Some(s.count));
            }
            return (rel == "manifest.json" && self.shard.is_some())
                || table_names().iter().any(|t| rel == format!("{t}.parquet"));
        };
        if !table_names().contains(&table) {
            return false;
        }
        let name = rest.rsplit('/').next().unwrap_or(rest);
        if !name.starts_with("part-") || !name.ends_with(".parquet") {
            return false;
        }
        let Some(shard) = self.shard else {
            return true;
        };
        let Some(tag) = part_tag(name) else {
            return false;
        };
        let count = tag
            .rsplit("-of-")
            .next()
            .and_then(|n| n.parse::<u32>().ok());
        tag == shard.tag() || count != Some(shard.count)
    }
}

/// `I-of-N` from `part-I-of-N.parquet` or `part-I-of-N-RUN.parquet`.
pub fn part_tag(name: &str) -> Option<String> {
    let stem = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
    let mut it = stem.splitn(4, '-');
    let (i, of, n) = (it.next()?, it.next()?, it.next()?);
    (of == "of" && i.parse::<u32>().is_ok() && n.parse::<u32>().is_ok())
        .then(|| format!("{i}-of-{n}"))
}

/// Problems with the output folder itself.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("another fazhi run is writing to {out} (lock {lock} is held){hint}; wait for it to finish or use another --output")]
    Locked {
        out: PathBuf,
        lock: PathBuf,
        hint: &'static str,
    },
    #[error("cannot read the commit journal {path}: {message}")]
    Journal { path: PathBuf, message: String },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Locks held for the length of a run (released when dropped, or by the OS if killed).
pub struct RunLock {
    _files: Vec<File>,
}

/// Takes `OUT/.fazhi.lock`: exclusively for an unsharded run, shared for a shard (which also
/// takes `OUT/.fazhi-I-of-N.lock` exclusively), so shards run together but never beside an
/// unsharded run or a second copy of themselves.
pub fn lock(out: &Path, layout: &Layout) -> Result<RunLock, OutputError> {
    let open = |name: &str| -> Result<(File, PathBuf), OutputError> {
        let path = out.join(name);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err(&path))?;
        Ok((file, path))
    };
    let locked = |lock: PathBuf, hint: &'static str| OutputError::Locked {
        out: out.to_path_buf(),
        lock,
        hint,
    };
    let (main, main_path) = open(".fazhi.lock")?;
    let mut files = Vec::new();
    match layout.shard {
        None => {
            main.try_lock()
                .map_err(|_| locked(main_path, " by another run or by running shards"))?;
            files.push(main);
        }
        Some(shard) => {
            main.try_lock_shared()
                .map_err(|_| locked(main_path, " by an unsharded run"))?;
            files.push(main);
            let (own, own_path) = open(&format!(".fazhi-{}.lock", shard.tag()))?;
            own.try_lock()
                .map_err(|_| locked(own_path, " by another process of the same shard"))?;
            files.push(own);
        }
    }
    Ok(RunLock { _files: files })
}

/// What a commit does, written before it starts so that it can be finished after a crash.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Journal {
    /// The stage folder, relative to OUT.
    pub stage: String,
    /// Files renamed from the stage folder to OUT, relative to both; the manifest comes last.
    pub moves: Vec<String>,
    /// Files of the previous output removed after the moves, relative to OUT.
    pub removes: Vec<String>,
}

/// A run's stage folder inside a local OUT.
pub struct Stage {
    pub out: PathBuf,
    pub dir: PathBuf,
    layout: Layout,
}

impl Stage {
    /// Finishes any interrupted commit of this layout (every interrupted commit, for an
    /// unsharded run, which holds the exclusive lock), then makes an empty stage folder.
    pub fn prepare(out: &Path, layout: &Layout) -> Result<Stage, OutputError> {
        let mut journals = vec![out.join(layout.journal_name())];
        let mut stages = vec![out.join(layout.stage_name())];
        if layout.shard.is_none() {
            for entry in fs::read_dir(out).map_err(io_err(out))? {
                let entry = entry.map_err(io_err(out))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(".fazhi-commit-") && name.ends_with(".json") {
                    journals.push(entry.path());
                } else if name.starts_with(".fazhi-stage-") {
                    stages.push(entry.path());
                }
            }
        }
        journals.sort();
        journals.dedup();
        for journal in journals {
            if journal.exists() {
                let text = fs::read_to_string(&journal).map_err(io_err(&journal))?;
                let parsed: Journal =
                    serde_json::from_str(&text).map_err(|e| OutputError::Journal {
                        path: journal.clone(),
                        message: e.to_string(),
                    })?;
                apply(out, &parsed)?;
                fs::remove_file(&journal).map_err(io_err(&journal))?;
            }
        }
        for stage in stages {
            if stage.exists() {
                fs::remove_dir_all(&stage).map_err(io_err(&stage))?;
            }
        }
        let dir = out.join(layout.stage_name());
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        Ok(Stage {
            out: out.to_path_buf(),
            dir,
            layout: layout.clone(),
        })
    }

    /// Swaps the staged files (`parts`, then `manifest`, relative paths) into OUT and removes
    /// the files of the previous output this run owns and did not rewrite.
    pub fn commit(self, parts: &[String], manifest: &str) -> Result<(), OutputError> {
        let mut keep: std::collections::HashSet<&str> = parts.iter().map(String::as_str).collect();
        keep.insert(manifest);
        let mut removes = Vec::new();
        for rel in committed_files(&self.out)? {
            if self.layout.owns(&rel) && !keep.contains(rel.as_str()) {
                removes.push(rel);
            }
        }
        let mut moves = parts.to_vec();
        moves.push(manifest.to_owned());
        let journal = Journal {
            stage: self.layout.stage_name(),
            moves,
            removes,
        };
        let path = self.out.join(self.layout.journal_name());
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(&journal).unwrap_or_default();
        let mut file = File::create(&tmp).map_err(io_err(&tmp))?;
        file.write_all(text.as_bytes()).map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, &path).map_err(io_err(&path))?;
        sync_dir(&self.out);
        apply(&self.out, &journal)?;
        fs::remove_file(&path).map_err(io_err(&path))?;
        let _ = fs::remove_dir_all(&self.dir);
        Ok(())
    }
}

/// Applies a journal; every step may have been done already.
fn apply(out: &Path, journal: &Journal) -> Result<(), OutputError> {
    let stage = out.join(&journal.stage);
    for rel in &journal.moves {
        let from = stage.join(rel);
        let to = out.join(rel);
        if !from.exists() {
            continue; // moved before a crash
        }
        for attempt in 0..3 {
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(io_err(parent))?;
            }
            if let Ok(meta) = fs::symlink_metadata(&to) {
                if meta.is_dir() {
                    // A table switching from the folder layout to one file.
                    fs::remove_dir_all(&to).map_err(io_err(&to))?;
                }
            }
            match fs::rename(&from, &to) {
                Ok(()) => break,
                // A concurrent shard removed the emptied parent folder in between: retry.
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempt < 2 => continue,
                Err(e) => return Err(io_err(&to)(e)),
            }
        }
    }
    for rel in &journal.removes {
        let path = out.join(rel);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&path)(e)),
        }
        // Remove folders left empty, up to the table folder (best effort: another shard may
        // be filling them).
        let mut dir = path.parent().map(Path::to_path_buf);
        while let Some(d) = dir {
            if d == out || fs::remove_dir(&d).is_err() {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    sync_dir(out);
    Ok(())
}

/// Files of a committed output in OUT, relative: manifests, input stamps, `<table>.parquet` and
/// everything under `<table>/`.
pub fn committed_files(out: &Path) -> Result<Vec<String>, OutputError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(out).map_err(io_err(out))? {
        let name = entry.map_err(io_err(out))?.file_name();
        let name = name.to_string_lossy();
        let stamps = name.starts_with(".fazhi-inputs-") && name.ends_with(".bin");
        if (name.starts_with("manifest") && name.ends_with(".json")) || stamps {
            found.push(name.into_owned());
        }
    }
    for table in table_names() {
        let file = format!("{table}.parquet");
        if out.join(&file).is_file() {
            found.push(file);
        }
        let dir = out.join(table);
        if dir.is_dir() {
            for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
                let entry = entry.map_err(|e| OutputError::Io {
                    path: dir.clone(),
                    source: e.into(),
                })?;
                if entry.file_type().is_file() {
                    if let Ok(rel) = entry.path().strip_prefix(out) {
                        let rel: Vec<String> = rel
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy().into_owned())
                            .collect();
                        found.push(rel.join("/"));
                    }
                }
            }
        }
    }
    Ok(found)
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_paths() {
        assert_eq!(Shard::parse("1/3").unwrap(), Shard { index: 1, count: 3 });
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("x").is_err());
        let paths: Vec<String> = (0..300).map(|i| format!("a/{i}.txt")).collect();
        let mut n = [0; 3];
        for p in &paths {
            n[Shard::of(p, 3) as usize] += 1;
        }
        assert!(n.iter().all(|&k| k > 60), "{n:?}");
    }

    #[test]
    fn layouts_name_parts_and_know_what_they_own() {
        let one = Layout::new(None, vec![], false);
        assert_eq!(one.part_path("reports", "", None), "reports.parquet");
        let shard = Layout::new(
            Some(Shard { index: 1, count: 3 }),
            vec![PartitionColumn::Year],
            false,
        );
        let meta = ReportMeta {
            year: Some(2024),
            ..ReportMeta::default()
        };
        let part = shard.partition_of(&meta);
        assert_eq!(part, "year=2024");
        assert_eq!(
            shard.partition_of(&ReportMeta::default()),
            "year=__HIVE_DEFAULT_PARTITION__"
        );
        assert_eq!(
            shard.part_path("mentions", &part, None),
            "mentions/year=2024/part-1-of-3.parquet"
        );
        assert!(shard.owns("mentions/year=2024/part-1-of-3.parquet"));
        assert!(shard.owns("mentions/year=2024/part-1-of-4.parquet"));
        assert!(!shard.owns("mentions/year=2024/part-2-of-3.parquet"));
        assert!(shard.owns("mentions.parquet"));
        assert!(shard.owns("manifest.json"));
        assert!(shard.owns("manifest-0-of-2.json"));
        assert!(!shard.owns("manifest-0-of-3.json"));
        assert!(one.owns("manifest-0-of-3.json"));
        assert!(!one.owns("manifest.json"));
        assert!(one.owns("mentions/part-2-of-3.parquet"));
        assert_eq!(
            part_tag("part-2-of-3-abc.parquet").as_deref(),
            Some("2-of-3")
        );
        assert_eq!(hive_value(Some("a/b".into())), "a%2Fb");
    }
}
