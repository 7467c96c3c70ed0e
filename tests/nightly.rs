//! Nightly runs (issue 5): incremental reruns, crash safety, concurrent shards, partitions,
//! the lock, and (feature `s3`) object storage on a local moto server.
//!
//! The corpus is generated from data/seeds and data/web with varied numbers. Sizes:
//! `FAZHI_NIGHTLY_MB` (default 50 in release, 4 in debug) for the incremental test,
//! `FAZHI_KILL_MB` (default 50 in release) for the kill test. Tables are compared through
//! pyarrow (the reader analysts use): every table read as a dataset, stable-sorted by
//! `source_path`, rendered as JSON lines.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fazhi")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fazhi-nightly-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn mb_from_env(var: &str, release: usize, debug: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            debug
        } else {
            release
        })
}

/// The report templates: every text/HTML file of data/seeds and data/web.
fn templates() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut out = Vec::new();
    for sub in ["seeds", "web"] {
        let mut names: Vec<PathBuf> = fs::read_dir(root.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for p in names {
            let ext = p
                .extension()
                .map_or("txt".into(), |e| e.to_string_lossy().into_owned());
            out.push((ext, fs::read(&p).unwrap()));
        }
    }
    assert!(!out.is_empty());
    out
}

/// A small deterministic generator (splitmix64).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Report `i` of the corpus, variant `v`: a template whose ASCII digits (other than those of
/// years 20xx) are replaced by digits drawn from (i, v), so every report has its own numbers.
fn report(templates: &[(String, Vec<u8>)], i: usize, v: u64) -> (String, Vec<u8>) {
    let (ext, bytes) = &templates[i % templates.len()];
    let mut out = bytes.clone();
    let mut state = mix((i as u64) << 8 | v);
    let mut k = 0;
    while k < out.len() {
        if out[k].is_ascii_digit() {
            let start = k;
            while k < out.len() && out[k].is_ascii_digit() {
                k += 1;
            }
            let run = &out[start..k];
            let is_year = run.len() == 4 && run.starts_with(b"20");
            if !is_year {
                for (j, d) in out[start..k].iter_mut().enumerate() {
                    state = mix(state);
                    let lo: u64 = if j == 0 { 1 } else { 0 };
                    *d = b'0' + (lo + state % (10 - lo)) as u8;
                }
            }
        } else {
            k += 1;
        }
    }
    (format!("p{:02}/r{i:06}.{ext}", i % 17), out)
}

/// Writes reports 0.. until `mb` megabytes; returns how many.
fn generate(dir: &Path, mb: usize) -> usize {
    let t = templates();
    let (mut bytes, mut i) = (0, 0);
    while bytes < mb * 1024 * 1024 {
        let (rel, body) = report(&t, i, 0);
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        bytes += body.len();
        fs::write(path, body).unwrap();
        i += 1;
    }
    i
}

fn run(input: &Path, output: &str, extra: &[&str]) -> std::process::Output {
    let out = Command::new(bin())
        .args(["run", "-q", "--input"])
        .arg(input)
        .args(["--output", output])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "fazhi run {output} {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn run_ok(input: &Path, output: &Path, extra: &[&str]) -> Duration {
    let t = Instant::now();
    run(input, output.to_str().unwrap(), extra);
    t.elapsed()
}

const DUMP: &str = r#"
import json, os, sys
import pyarrow as pa, pyarrow.dataset as ds, pyarrow.compute as pc
out = sys.argv[1]
fs = None
if out.startswith("s3://"):
    from pyarrow import fs as pafs
    fs = pafs.S3FileSystem(endpoint_override=os.environ["AWS_ENDPOINT_URL"], scheme="http",
                           access_key="x", secret_key="x", region="us-east-1")
    out = out[len("s3://"):]
for name in ["reports", "mentions", "indicators", "indicators_wide"]:
    path = out + "/" + name + ".parquet"
    if fs is not None or not os.path.exists(path):
        path = out + "/" + name
    t = ds.dataset(path, format="parquet", partitioning="hive", filesystem=fs).to_table()
    cols = sorted(t.column_names)
    t = t.select(cols)
    if "year" in cols:
        t = t.set_column(cols.index("year"), "year", pc.cast(t["year"], pa.int64()))
    idx = sorted(range(t.num_rows), key=lambda i: t["source_path"][i].as_py())
    t = t.take(idx)
    print(name, t.num_rows)
    for row in t.to_pylist():
        print(json.dumps(row, ensure_ascii=False, sort_keys=True, default=str))
"#;

fn python_ok() -> bool {
    Command::new("python3")
        .args(["-c", "import pyarrow"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Every table of a dataset, canonically rendered (see the module doc).
fn dump(out: &str) -> String {
    let got = Command::new("python3")
        .args(["-c", DUMP, out])
        .output()
        .unwrap();
    assert!(
        got.status.success(),
        "reading {out}: {}",
        String::from_utf8_lossy(&got.stderr)
    );
    String::from_utf8(got.stdout).unwrap()
}

fn skip_without_python() -> bool {
    if python_ok() {
        return false;
    }
    assert!(std::env::var("CI").is_err(), "CI needs pyarrow");
    eprintln!("skipped: pyarrow is not installed");
    true
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

/// Files of a folder (hidden ones too), with their bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walk(dir)
        .into_iter()
        .filter(|p| !p.ends_with(".fazhi.lock"))
        .map(|p| (p.clone(), fs::read(dir.join(&p)).unwrap()))
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Changes, adds and deletes `percent`% of the `n` reports each.
fn mutate(input: &Path, n: usize, percent: usize, variant: u64) -> (usize, usize, usize) {
    let t = templates();
    let k = (n * percent / 100).max(1);
    let step = n / k;
    for j in 0..k {
        let (rel, body) = report(&t, j * step, variant);
        fs::write(input.join(rel), body).unwrap();
        let (rel, _) = report(&t, j * step + 1, 0);
        fs::remove_file(input.join(rel)).unwrap();
        let (rel, body) = report(&t, n + j + (variant as usize) * 100_000, 0);
        let path = input.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, body).unwrap();
    }
    (k, k, k)
}

#[test]
fn an_incremental_rerun_processes_only_what_changed_and_equals_a_fresh_run() {
    if skip_without_python() {
        return;
    }
    let dir = scratch("incremental");
    let input = dir.join("in");
    let n = generate(&input, mb_from_env("FAZHI_NIGHTLY_MB", 50, 4));
    let (out, fresh) = (dir.join("out"), dir.join("fresh"));
    // Inputs written less than 2 s before a run took their stamps are read again by the next
    // run however their stamps look (incremental::RACY_NS): let these settle first.
    std::thread::sleep(Duration::from_millis(2100));
    let full = run_ok(&input, &out, &[]);
    let (changed, added, removed) = mutate(&input, n, 1, 1);
    let rerun = run_ok(&input, &out, &[]);
    run_ok(&input, &fresh, &[]);
    let m = manifest(&out)["incremental"].clone();
    eprintln!("{n} reports: full run {full:?}, rerun {rerun:?}; {m}");
    assert_eq!(m["mode"], "incremental");
    assert_eq!(m["changed"], changed as u64);
    assert_eq!(m["added"], added as u64);
    assert_eq!(m["removed"], removed as u64);
    assert_eq!(m["reused"], (n - changed - removed) as u64);
    // Only the changed and added inputs were read to hash them: the stamps (size, times,
    // inode) of the others were those the full run recorded.
    assert_eq!(m["hashed"], (changed + added) as u64);
    assert_eq!(manifest(&fresh)["incremental"]["mode"], "full");
    // Row for row, and even byte for byte.
    assert_eq!(dump(out.to_str().unwrap()), dump(fresh.to_str().unwrap()));
    for t in ["reports", "mentions", "indicators", "indicators_wide"] {
        let name = format!("{t}.parquet");
        assert!(
            fs::read(out.join(&name)).unwrap() == fs::read(fresh.join(&name)).unwrap(),
            "{name} differs from a fresh run's"
        );
    }
    // Only the changed and added inputs went through the pipeline (the counts above). The
    // rows are written in units of about 256 reports, each column of a unit one page: a unit
    // that holds a touched report is encoded again (its kept rows spliced in as encoded
    // values), the others are copied page by page. With 3% of the reports touched, most units
    // hold one. How long the rerun takes is a benchmark figure (bench/rerun.sh), not a test:
    // wall time on a shared CI machine is no assertion (DEVELOPERS.md).
    let units = |m: &serde_json::Value, key: &str| m[key].as_u64().unwrap();
    let total = units(&m, "units_copied") + units(&m, "units_encoded");
    assert!(units(&m, "units_encoded") > 0, "{m}");
    let tables = ["reports", "mentions", "indicators", "indicators_wide"];
    let bytes = |dir: &Path| tables.map(|t| fs::read(dir.join(format!("{t}.parquet"))).unwrap());

    // Nothing changed: every unit is copied, none encoded, and not a byte moves (one thread).
    let before = bytes(&out);
    run_ok(&input, &out, &["--threads", "1"]);
    let again = manifest(&out)["incremental"].clone();
    assert_eq!(units(&again, "units_encoded"), 0, "{again}");
    // (Read again: at most the inputs changed just before the last run.)
    assert!(
        units(&again, "hashed") <= (changed + added) as u64,
        "{again}"
    );
    assert_eq!(units(&again, "units_copied"), total, "{again}");
    assert!(
        bytes(&out) == before,
        "a rerun without changes changed the tables"
    );

    // One report changed: its unit is encoded again in each of the four tables, every other
    // unit is copied, and the tables still equal a fresh run's.
    let t = templates();
    let (rel, body) = report(&t, n / 200 * 100 + 50, 7); // not one `mutate` touched
    fs::write(input.join(rel), body).unwrap();
    run_ok(&input, &out, &[]);
    let one = manifest(&out)["incremental"].clone();
    assert_eq!(units(&one, "changed"), 1, "{one}");
    assert_eq!(units(&one, "units_encoded"), 4, "{one}");
    assert_eq!(units(&one, "units_copied"), total - 4, "{one}");
    let _ = fs::remove_dir_all(&fresh);
    run_ok(&input, &fresh, &[]);
    assert!(
        bytes(&out) == bytes(&fresh),
        "after one change: tables differ from a fresh run's"
    );

    // A config change recomputes everything; so does --full.
    run_ok(&input, &out, &["--full"]);
    assert_eq!(manifest(&out)["incremental"]["reason"], "--full");

    // So does another build of fazhi, even of the same version: its code may write other rows.
    let path = out.join("manifest.json");
    let mut written = manifest(&out);
    assert_eq!(
        written["build"].as_str().map(str::len),
        Some(16),
        "{written}"
    );
    written["build"] = "0123456789abcdef".into();
    fs::write(&path, written.to_string()).unwrap();
    run_ok(&input, &out, &[]);
    let rebuilt = manifest(&out)["incremental"].clone();
    assert_eq!(rebuilt["mode"], "full", "{rebuilt}");
    assert!(
        rebuilt["reason"]
            .as_str()
            .is_some_and(|r| r.contains("0123456789abcdef")),
        "{rebuilt}"
    );
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn kill_9_during_a_full_rerun_leaves_the_previous_output() {
    if skip_without_python() {
        return;
    }
    let dir = scratch("kill");
    let input = dir.join("in");
    let n = generate(&input, mb_from_env("FAZHI_KILL_MB", 50, 4));
    let (out, fresh) = (dir.join("out"), dir.join("fresh"));
    let full = run_ok(&input, &out, &[]);
    let before = snapshot(&out);
    let tables = dump(out.to_str().unwrap());
    mutate(&input, n, 1, 2);
    for fraction in [0.5, 0.05, 0.95] {
        let mut child = Command::new(bin())
            .args(["run", "-q", "--full", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&out)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(fraction));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        eprintln!(
            "killed after {:.0}% of a full run: {status:?}",
            fraction * 100.0
        );
        let after: Vec<(String, Vec<u8>)> = snapshot(&out)
            .into_iter()
            .filter(|(p, _)| !p.starts_with(".fazhi-stage"))
            .collect();
        if status.success() {
            continue; // finished before the kill: nothing to check
        }
        assert!(after == before, "OUT changed after kill -9");
        assert_eq!(dump(out.to_str().unwrap()), tables);
    }
    run_ok(&input, &out, &[]);
    run_ok(&input, &fresh, &[]);
    assert_eq!(dump(out.to_str().unwrap()), dump(fresh.to_str().unwrap()));
    assert!(!walk(&out).iter().any(|p| p.starts_with(".fazhi-stage")));
    let _ = fs::remove_dir_all(&dir);
}

/// A copy of the built-in config with `[output] partition_by` set.
fn partition_config(dir: &Path, columns: &str) -> PathBuf {
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("pipeline.toml"))
        .unwrap()
        .replace("partition_by = []", &format!("partition_by = {columns}"));
    let path = dir.join("pipeline.toml");
    fs::write(&path, text).unwrap();
    path
}

fn shards_at_once(input: &Path, output: &str, extra: &[&str], n: u32) {
    let children: Vec<_> = (0..n)
        .map(|i| {
            Command::new(bin())
                .args(["run", "-q", "--input"])
                .arg(input)
                .args(["--output", output, "--shard", &format!("{i}/{n}")])
                .args(extra)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "shard failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn three_shards_at_once_equal_one_run_also_partitioned() {
    if skip_without_python() {
        return;
    }
    let dir = scratch("shards");
    let input = dir.join("in");
    let n = generate(&input, 3);
    let one = dir.join("one");
    run_ok(&input, &one, &[]);
    let want = dump(one.to_str().unwrap());

    let sharded = dir.join("sharded");
    shards_at_once(&input, sharded.to_str().unwrap(), &[], 3);
    assert_eq!(dump(sharded.to_str().unwrap()), want);
    assert!(sharded.join("reports/part-2-of-3.parquet").is_file());
    assert!(sharded.join("manifest-1-of-3.json").is_file());

    // Partitioned by year (and by province and year), sharded or not: the same rows.
    for columns in [r#"["year"]"#, r#"["province", "year"]"#] {
        let config = partition_config(&dir, columns);
        let config = config.to_str().unwrap();
        let parted = dir.join("parted");
        let _ = fs::remove_dir_all(&parted);
        run_ok(&input, &parted, &["--config", config]);
        assert_eq!(dump(parted.to_str().unwrap()), want, "{columns}");
        assert!(walk(&parted).iter().any(|p| p.starts_with("mentions/")
            && p.contains("year=20")
            && p.ends_with("part-0-of-1.parquet")));
        let _ = fs::remove_dir_all(&parted);
        shards_at_once(&input, parted.to_str().unwrap(), &["--config", config], 3);
        assert_eq!(dump(parted.to_str().unwrap()), want, "{columns}, sharded");
    }

    // Incremental reruns of those partitioned shards after changes equal a fresh run, and
    // copy the pages of unchanged units.
    mutate(&input, n, 2, 4);
    let fresh = dir.join("fresh");
    run_ok(&input, &fresh, &[]);
    let want = dump(fresh.to_str().unwrap());
    let config = partition_config(&dir, r#"["province", "year"]"#);
    let config = config.to_str().unwrap();
    let parted = dir.join("parted");
    shards_at_once(&input, parted.to_str().unwrap(), &["--config", config], 3);
    assert_eq!(
        dump(parted.to_str().unwrap()),
        want,
        "after changes, partitioned"
    );
    for i in 0..3 {
        let text = fs::read_to_string(parted.join(format!("manifest-{i}-of-3.json"))).unwrap();
        let m: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(m["incremental"]["mode"], "incremental", "{m}");
        assert!(
            m["incremental"]["units_copied"].as_u64().unwrap() > 0,
            "{m}"
        );
    }

    // Switching layouts never leaves a table both as a file and as a folder.
    run_ok(&input, &sharded, &[]);
    assert!(sharded.join("reports.parquet").is_file());
    assert!(!sharded.join("reports").exists());
    shards_at_once(&input, sharded.to_str().unwrap(), &[], 2);
    assert!(!sharded.join("reports.parquet").exists());
    assert!(!walk(&sharded)
        .iter()
        .any(|p| !p.starts_with('.') && p.contains("-of-3")));
    assert_eq!(dump(sharded.to_str().unwrap()), want);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn a_second_run_on_one_output_is_refused() {
    let dir = scratch("lock");
    let input = dir.join("in");
    generate(&input, 1);
    let out = dir.join("out");
    fs::create_dir_all(&out).unwrap();
    let held = fs::File::create(out.join(".fazhi.lock")).unwrap();
    held.try_lock().unwrap();
    for extra in [&[][..], &["--shard", "0/2"][..]] {
        let got = Command::new(bin())
            .args(["run", "-q", "--input"])
            .arg(&input)
            .arg("--output")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(got.status.code(), Some(2), "{extra:?}");
        let err = String::from_utf8_lossy(&got.stderr);
        assert!(err.contains("another fazhi run is writing to"), "{err}");
    }
    drop(held);
    run_ok(&input, &out, &[]);
    assert!(out.join("reports.parquet").is_file());
    let _ = fs::remove_dir_all(&dir);
}

#[cfg(feature = "s3")]
mod s3 {
    use super::*;

    /// A moto server on a free loopback port, stopped when dropped.
    struct Moto(std::process::Child, String);

    impl Drop for Moto {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn moto() -> Option<Moto> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            assert!(
                std::env::var("CI").is_err(),
                "CI needs moto: pip install 'moto[server]'"
            );
            eprintln!("skipped: moto_server is not installed (pip install 'moto[server]')");
            return None;
        };
        let moto = Moto(child, format!("http://127.0.0.1:{port}"));
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(moto);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not start");
    }

    #[test]
    fn three_shards_at_once_on_s3_equal_one_local_run() {
        if skip_without_python() {
            return;
        }
        let Some(moto) = moto() else { return };
        std::env::set_var("AWS_ENDPOINT_URL", &moto.1);
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_REGION", "us-east-1");
        let made = Command::new("curl")
            .args(["-sf", "-X", "PUT", &format!("{}/nightly", moto.1)])
            .status()
            .unwrap();
        assert!(made.success());
        let dir = scratch("s3");
        let input = dir.join("in");
        let n = generate(&input, 2);
        let one = dir.join("one");
        run_ok(&input, &one, &[]);
        let want = dump(one.to_str().unwrap());

        shards_at_once(&input, "s3://nightly/data", &[], 3);
        assert_eq!(dump("s3://nightly/data"), want);
        // An incremental rerun of every shard, after changes, on S3.
        mutate(&input, n, 2, 3);
        run_ok(&input, &one, &[]);
        shards_at_once(&input, "s3://nightly/data", &[], 3);
        assert_eq!(dump("s3://nightly/data"), dump(one.to_str().unwrap()));
        // Unsharded into another prefix, then read back.
        run(&input, "s3://nightly/single", &[]);
        assert_eq!(dump("s3://nightly/single"), dump(one.to_str().unwrap()));
        let _ = fs::remove_dir_all(&dir);
    }
}
