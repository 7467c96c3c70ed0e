//! Finding the input files: [`discover`] takes a root directory and a [`FileSelector`]
//! (include/exclude glob lists) and returns a [`Discovery`] — the selected regular files,
//! each with its path and its `/`-separated path relative to the root, sorted by that
//! relative path, plus the entries that could not be walked (unlistable directories,
//! directory symlinks, broken or looping symlinks, FIFOs/devices) with a reason.
//!
//! Glob semantics (gitignore-like, case-insensitive so `*.txt` also takes `REPORT.TXT`):
//! - a pattern without `/` (e.g. `*.txt`, `*.htm*`) is matched against the file *name*, so
//!   it applies at any depth;
//! - a pattern with `/` (e.g. `2023/*.txt`, `**/drafts/**`) is matched against the whole
//!   relative path, and there `*` does not cross `/` while `**` does.
//!
//! A file is selected if it matches some include pattern (an empty include list selects
//! every file) and no exclude pattern. Hidden files and directories (name starting with `.`)
//! are skipped silently, except the root itself. Directory symlinks are not followed (so
//! there are no loops); file symlinks are followed if they resolve to a regular file.
//! Files are not opened: an unreadable file is still returned and fails later, when read.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Compiled include/exclude globs.
#[derive(Debug, Clone)]
pub struct FileSelector {
    include_name: GlobSet,
    include_path: GlobSet,
    include_all: bool,
    exclude_name: GlobSet,
    exclude_path: GlobSet,
}

impl FileSelector {
    /// Compiles the patterns (see the module docs for their meaning).
    pub fn new(include: &[String], exclude: &[String]) -> Result<FileSelector, globset::Error> {
        let (include_name, include_path) = compile(include)?;
        let (exclude_name, exclude_path) = compile(exclude)?;
        Ok(FileSelector {
            include_name,
            include_path,
            include_all: include.is_empty(),
            exclude_name,
            exclude_path,
        })
    }

    /// Whether a file with this `/`-separated relative path is selected.
    pub fn is_selected(&self, rel_path: &str) -> bool {
        let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
        let included = self.include_all
            || self.include_name.is_match(name)
            || self.include_path.is_match(rel_path);
        included && !self.exclude_name.is_match(name) && !self.exclude_path.is_match(rel_path)
    }
}

/// Splits patterns into name patterns (no `/`) and path patterns.
fn compile(patterns: &[String]) -> Result<(GlobSet, GlobSet), globset::Error> {
    let mut names = GlobSetBuilder::new();
    let mut paths = GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim();
        let p = p.strip_prefix("./").unwrap_or(p);
        let p = p.strip_prefix('/').unwrap_or(p);
        if p.contains('/') {
            paths.add(glob(p, true)?);
        } else {
            names.add(glob(p, false)?);
        }
    }
    Ok((names.build()?, paths.build()?))
}

fn glob(pattern: &str, literal_separator: bool) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(literal_separator)
        .backslash_escape(true)
        .build()
}

/// One selected input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// `root` joined with the relative path (absolute if `root` was).
    pub path: PathBuf,
    /// Relative to the root, `/`-separated (non-UTF-8 names are converted lossily).
    pub rel_path: String,
}

/// What [`discover`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// Selected files, sorted by `rel_path`.
    pub files: Vec<SourceFile>,
    /// `(path, reason)` for entries that could not be walked or are not regular files,
    /// sorted by path.
    pub skipped: Vec<(String, String)>,
    /// Regular files the globs did not select, counted by lower-case extension (`""` for
    /// none): a crawl's PDFs and old Word files are not read, and the run says so.
    pub not_selected: BTreeMap<String, u64>,
}

/// Why discovery could not start at all.
#[derive(thiserror::Error, Debug)]
pub enum DiscoverError {
    #[error("input directory {} does not exist", .0.display())]
    RootMissing(PathBuf),
    #[error("input path {} is not a directory", .0.display())]
    RootNotADirectory(PathBuf),
    #[error("cannot read input directory {}: {source}", .path.display())]
    RootUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

fn rel_path_of(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Walks `root` and returns the selected files (see the module docs).
pub fn discover(root: &Path, selector: &FileSelector) -> Result<Discovery, DiscoverError> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(DiscoverError::RootNotADirectory(root.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DiscoverError::RootMissing(root.to_path_buf()))
        }
        Err(source) => {
            return Err(DiscoverError::RootUnreadable {
                path: root.to_path_buf(),
                source,
            })
        }
    }
    if let Err(source) = std::fs::read_dir(root) {
        return Err(DiscoverError::RootUnreadable {
            path: root.to_path_buf(),
            source,
        });
    }

    // The root's own entries are looked at here, and each of its folders is walked as a task
    // of its own: on a rayon pool (as `fazhi run` calls it), the folders of a crawl (one per
    // province, say) are listed in parallel. Their results meet in one sorted list.
    let mut out = Discovery::default();
    let mut subdirs = Vec::new();
    visit(
        root,
        WalkDir::new(root).max_depth(1),
        selector,
        &mut out,
        Some(&mut subdirs),
    );
    let parts: Vec<Discovery> = subdirs
        .par_iter()
        .map(|dir| {
            let mut part = Discovery::default();
            visit(root, WalkDir::new(dir), selector, &mut part, None);
            part
        })
        .collect();
    for part in parts {
        out.files.extend(part.files);
        out.skipped.extend(part.skipped);
        for (ext, n) in part.not_selected {
            *out.not_selected.entry(ext).or_default() += n;
        }
    }
    out.files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    out.skipped.sort();
    Ok(out)
}

/// Records every entry `walk` yields below its start into `out`: selected regular files, and
/// what cannot be walked or read. Folders are descended by `walk`, or, with `subdirs`, only
/// collected there (for a walk of one level).
fn visit(
    root: &Path,
    walk: WalkDir,
    selector: &FileSelector,
    out: &mut Discovery,
    mut subdirs: Option<&mut Vec<PathBuf>>,
) {
    let walker = walk
        .follow_links(false)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                let reason = if err.loop_ancestor().is_some() {
                    "symbolic link loop".to_string()
                } else if let Some(io) = err.io_error() {
                    format!("cannot list: {io}")
                } else {
                    err.to_string()
                };
                out.skipped.push((path, reason));
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            if let Some(dirs) = subdirs.as_deref_mut() {
                dirs.push(entry.into_path());
            }
            continue;
        }
        let rel_path = rel_path_of(root, entry.path());
        if ft.is_symlink() {
            match std::fs::metadata(entry.path()) {
                Ok(m) if m.is_file() => {}
                Ok(m) if m.is_dir() => {
                    out.skipped.push((
                        entry.path().display().to_string(),
                        "symbolic link to a directory (not followed)".into(),
                    ));
                    continue;
                }
                Ok(_) => {
                    if selector.is_selected(&rel_path) {
                        out.skipped.push((
                            entry.path().display().to_string(),
                            "symbolic link to something that is not a regular file".into(),
                        ));
                    }
                    continue;
                }
                Err(e) => {
                    if selector.is_selected(&rel_path) {
                        out.skipped.push((
                            entry.path().display().to_string(),
                            format!("broken symbolic link: {e}"),
                        ));
                    }
                    continue;
                }
            }
        } else if !ft.is_file() {
            if selector.is_selected(&rel_path) {
                out.skipped.push((
                    entry.path().display().to_string(),
                    "not a regular file (FIFO, socket or device)".into(),
                ));
            }
            continue;
        }
        if selector.is_selected(&rel_path) {
            out.files.push(SourceFile {
                path: entry.path().to_path_buf(),
                rel_path,
            });
        } else {
            let ext = entry
                .path()
                .extension()
                .map_or_else(String::new, |e| e.to_string_lossy().to_lowercase());
            *out.not_selected.entry(ext).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let dir = std::env::temp_dir().join(format!(
                "fazhi-discover-{tag}-{}-{}-{nanos}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }

        fn file(&self, rel: &str) {
            let p = self.0.join(rel);
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent).expect("create parent");
            }
            fs::write(&p, b"x").expect("write file");
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn tree() -> TempDir {
        let t = TempDir::new("tree");
        for f in [
            "b.txt",
            "a/z.txt",
            "a/b/c.TXT",
            "a/b/page.shtml",
            "a/b/notes.md",
            "drafts/d.txt",
            ".hidden.txt",
            ".git/config.txt",
            "a/.cache/x.txt",
            "2023/r.htm",
            "2023/sub/r2.htm",
        ] {
            t.file(f);
        }
        fs::create_dir_all(t.0.join("dir.txt")).expect("mkdir dir.txt");
        t
    }

    fn rels(d: &Discovery) -> Vec<&str> {
        d.files.iter().map(|f| f.rel_path.as_str()).collect()
    }

    #[test]
    fn selects_sorts_and_skips_hidden() {
        let t = tree();
        let cases: &[(&[&str], &[&str], &[&str])] = &[
            (
                &["*.txt"],
                &[],
                &["a/b/c.TXT", "a/z.txt", "b.txt", "drafts/d.txt"],
            ),
            (
                &["*.txt", "*.htm*", "*.shtml"],
                &["drafts/**"],
                &[
                    "2023/r.htm",
                    "2023/sub/r2.htm",
                    "a/b/c.TXT",
                    "a/b/page.shtml",
                    "a/z.txt",
                    "b.txt",
                ],
            ),
            (&["2023/*.htm"], &[], &["2023/r.htm"]),
            (&["**/*.htm"], &[], &["2023/r.htm", "2023/sub/r2.htm"]),
            (
                &["*.txt"],
                &["z.txt", "**/b/**"],
                &["b.txt", "drafts/d.txt"],
            ),
            (
                &[],
                &["*.htm", "*.shtml"],
                &[
                    "a/b/c.TXT",
                    "a/b/notes.md",
                    "a/z.txt",
                    "b.txt",
                    "drafts/d.txt",
                ],
            ),
        ];
        for &(include, exclude, want) in cases {
            let sel = FileSelector::new(&strings(include), &strings(exclude)).expect("globs");
            let d = discover(&t.0, &sel).expect("discover");
            assert_eq!(rels(&d), want, "include {include:?} exclude {exclude:?}");
            assert!(d.skipped.is_empty(), "{:?}", d.skipped);
            for f in &d.files {
                assert!(f.path.is_file(), "{}", f.path.display());
                assert!(f.path.ends_with(&f.rel_path));
            }
        }
    }

    /// Every visible regular file the globs pass over is counted by its extension; hidden
    /// files are not.
    #[test]
    fn files_not_selected_are_counted_by_extension() {
        let t = tree();
        t.file("scans/report.PDF");
        t.file("scans/old.doc");
        t.file("README");
        let sel = FileSelector::new(&strings(&["*.txt"]), &strings(&["drafts/**"])).expect("globs");
        let d = discover(&t.0, &sel).expect("discover");
        let counts: Vec<(&str, u64)> = (d.not_selected.iter())
            .map(|(ext, n)| (ext.as_str(), *n))
            .collect();
        assert_eq!(
            counts,
            [
                ("", 1),
                ("doc", 1),
                ("htm", 2),
                ("md", 1),
                ("pdf", 1),
                ("shtml", 1),
                ("txt", 1)
            ]
        );
    }

    #[test]
    fn symlinks_and_loops() {
        use std::os::unix::fs::symlink;
        let t = tree();
        symlink(t.0.join("a"), t.0.join("a/b/up")).expect("dir symlink");
        symlink(&t.0, t.0.join("loop")).expect("root symlink");
        symlink(t.0.join("self.txt"), t.0.join("self.txt")).expect("self symlink");
        symlink(t.0.join("b.txt"), t.0.join("alias.txt")).expect("file symlink");
        symlink(t.0.join("missing.txt"), t.0.join("dangling.txt")).expect("dangling");
        let sel = FileSelector::new(&strings(&["*.txt"]), &[]).expect("globs");
        let d = discover(&t.0, &sel).expect("discover");
        assert_eq!(
            rels(&d),
            ["a/b/c.TXT", "a/z.txt", "alias.txt", "b.txt", "drafts/d.txt"]
        );
        let reasons: Vec<(&str, &str)> = d
            .skipped
            .iter()
            .map(|(p, r)| (p.rsplit('/').next().unwrap_or(p), r.as_str()))
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        for (name, fragment) in [
            ("up", "directory"),
            ("loop", "directory"),
            ("self.txt", "broken"),
            ("dangling.txt", "broken"),
        ] {
            assert!(
                reasons
                    .iter()
                    .any(|(n, r)| *n == name && r.contains(fragment)),
                "{name}: {reasons:?}"
            );
        }
    }

    #[test]
    fn root_errors() {
        let t = tree();
        let sel = FileSelector::new(&[], &[]).expect("globs");
        let missing = t.0.join("nope");
        let file = t.0.join("b.txt");
        let cases: Vec<(PathBuf, &str)> =
            vec![(missing, "does not exist"), (file, "not a directory")];
        for (root, want) in cases {
            match discover(&root, &sel) {
                Err(e) => {
                    let msg = e.to_string();
                    assert!(msg.contains(want), "{msg}");
                    assert!(msg.contains(&root.display().to_string()), "{msg}");
                }
                Ok(d) => panic!("expected an error, got {d:?}"),
            }
        }
    }

    #[test]
    fn bad_glob_is_an_error() {
        assert!(FileSelector::new(&strings(&["a[b"]), &[]).is_err());
        assert!(FileSelector::new(&[], &strings(&["{x"])).is_err());
        assert!(FileSelector::new(&strings(&["*.txt"]), &strings(&["**/x/*"])).is_ok());
    }

    #[test]
    fn is_selected_table() {
        let sel = FileSelector::new(&strings(&["*.txt", "web/*.html"]), &strings(&["*_draft.*"]))
            .expect("globs");
        let cases = [
            ("a.txt", true),
            ("x/y/A.TXT", true),
            ("web/p.html", true),
            ("web/sub/p.html", false),
            ("p.html", false),
            ("x/r_draft.txt", false),
            ("a.txt.bak", false),
        ];
        for (rel, want) in cases {
            assert_eq!(sel.is_selected(rel), want, "{rel}");
        }
    }
}
