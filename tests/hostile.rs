//! Issue 3: hostile input. A folder of everything a crawl can bring that is not a clean report
//! (empty and blank files, random bytes, NULs, truncated and mixed encodings, lone surrogates,
//! a 3 MB line, a 400-digit number, 20,000 nested `<div>`s, a PNG named `.txt`, UTF-16 without
//! BOM, a folder named `x.txt`, symlink loops, unreadable entries) beside one good report, run
//! through the real binary: it ends in time, lists every regular file with a status and a
//! reason a person can read, panics nowhere, refuses the absurd number, and extracts the good
//! report as if it were alone. Plus the exit codes, and the fuzzer's crash inputs.
//!
//! Unreadable files: the tests run as root, where `chmod 000` does not stop a read. The file
//! is kept (its expected status depends on whether this process can read it), and two entries
//! that fail for root too stand beside it: `unreadable.txt`, a symbolic link to
//! `/proc/self/mem`, a regular file whose first read fails with EIO (so it must get an `error`
//! row), and a FIFO and a dangling symbolic link named `.txt`, which are not regular files:
//! discovery must skip them (a FIFO read would block forever) and list them in the manifest.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Duration;

use common::inputs::{all_values, mentions, reports, run_fazhi, samples, ReportRow};
use common::TempDir;
use encoding_rs::GBK;

/// A fixed-seed linear congruential generator.
fn lcg_bytes(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u8
        })
        .collect()
}

fn gbk(text: &str) -> Vec<u8> {
    GBK.encode(text).0.into_owned()
}

/// What each hostile file must come out as.
struct Expect {
    status: &'static str,
    /// A fragment the `error` column must contain (the status alone is not enough).
    error_has: Option<&'static str>,
    lossy: bool,
}

fn expect(status: &'static str, error_has: Option<&'static str>) -> Expect {
    Expect {
        status,
        error_has,
        lossy: false,
    }
}

fn lossy() -> Expect {
    Expect {
        status: "ok",
        error_has: None,
        lossy: true,
    }
}

/// Builds the hostile folder; returns the expectations by relative path.
fn hostile_folder(
    dir: &TempDir,
    good: &str,
    others: &[(String, String)],
) -> BTreeMap<String, Expect> {
    let text = |k: usize| others[k % others.len()].1.as_str();
    let mut want = BTreeMap::new();
    let mut put = |rel: &str, bytes: &[u8], e: Expect| {
        dir.write(rel, bytes);
        want.insert(rel.to_owned(), e);
    };

    put("good.txt", good.as_bytes(), expect("ok", None));
    put("empty.txt", b"", expect("empty", Some("no bytes")));
    put(
        "blank.txt",
        b"  \r\n\t \n\n   \n",
        expect("empty", Some("white space")),
    );
    put(
        "blank-fullwidth.txt",
        "\u{3000}\u{3000}\n\u{3000}\r\n".as_bytes(),
        expect("empty", None),
    );
    put(
        "random.txt",
        &lcg_bytes(64 * 1024, 42),
        expect("undecodable", Some("binary")),
    );
    put(
        "random-small.txt",
        &lcg_bytes(300, 7),
        expect("undecodable", Some("binary")),
    );
    put(
        "zeros.txt",
        &[0u8; 8192],
        expect("undecodable", Some("NUL")),
    );
    // A report with a few NUL bytes in it (a crashed writer): still the report.
    let mut nul_report = text(1).as_bytes().to_vec();
    for at in [100usize, 2000, 5000] {
        let at = (0..=at.min(nul_report.len()))
            .rev()
            .find(|&i| nul_report.get(i).is_some_and(|&b| b < 0x80))
            .unwrap_or(0);
        nul_report.insert(at, 0);
    }
    put("nul-in-report.txt", &nul_report, expect("ok", None));
    // Truncated downloads: cut inside a character.
    let t = text(2).as_bytes();
    let mut cut = t.len() / 2;
    while t[cut] & 0xC0 != 0x80 {
        cut += 1;
    }
    put("truncated-utf8.txt", &t[..cut], lossy());
    let g = gbk(text(3));
    let mut cut = g.len() / 2;
    while g[cut - 1] < 0x80 {
        cut += 1;
    }
    put("truncated-gbk.txt", &g[..cut], expect("ok", None));
    // Two encodings in one file: half UTF-8, half GBK.
    let m = text(4);
    let half = m
        .char_indices()
        .nth(m.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    let mixed = [&m.as_bytes()[..half], &gbk(&m[half..])].concat();
    put("mixed.txt", &mixed, lossy());
    // UTF-16LE with lone surrogates spliced in.
    let mut units: Vec<u16> = text(5).encode_utf16().collect();
    units.insert(units.len() / 3, 0xD800);
    units.insert(units.len() / 2, 0xDC00);
    units.push(0xD83D);
    let surrogates: Vec<u8> = [0xFFu8, 0xFE]
        .into_iter()
        .chain(units.iter().flat_map(|u| u.to_le_bytes()))
        .collect();
    put("lone-surrogates.txt", &surrogates, lossy());
    // 3 MB of report text with numbers and no line break.
    let flat: String = text(6).split_whitespace().collect();
    let mut long = String::with_capacity(3_100_000);
    while long.len() < 3_000_000 {
        long.push_str(&flat);
    }
    put("long-line.txt", long.as_bytes(), expect("ok", None));
    // A 400-digit number inside a report.
    let big = format!(
        "{}\n全年共办理行政复议案件{}件，同比增长12%。\n",
        text(7),
        "9".repeat(400)
    );
    put(
        "big-number.txt",
        big.as_bytes(),
        expect("ok", Some("digits")),
    );
    // 20,000 nested <div>s around a report.
    let mut page = String::from(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>t</title></head><body>",
    );
    page.push_str(&"<div>".repeat(20_000));
    for line in text(8).lines() {
        page.push_str("<p>");
        page.push_str(&line.replace('&', "&amp;").replace('<', "&lt;"));
        page.push_str("</p>");
    }
    page.push_str(&"</div>".repeat(20_000));
    page.push_str("</body></html>");
    put("nested.html", page.as_bytes(), expect("ok", None));
    // A channel page listing reports by their titles is no report; a report page with a menu
    // of links around its article is one.
    let titles: String = (0..8)
        .map(|k| format!("<li><a href='/a/{k}.html'>某镇{}年法治政府建设工作情况报告</a><span>2024-01-1{k}</span></li>", 2016 + k))
        .collect();
    put(
        "listing.html",
        format!("<html><body><div>首页 &gt; 法治政府建设</div><ul>{titles}</ul><div>共 56 条 第 1/6 页</div></body></html>").as_bytes(),
        expect("not_a_report", Some("links")),
    );
    let article: String = text(10).lines().map(|l| format!("<p>{l}</p>")).collect();
    put(
        "report-with-menu.html",
        format!("<html><body><ul>{titles}</ul><div>{article}</div></body></html>").as_bytes(),
        expect("ok", None),
    );
    // A channel page with a summary under each title: little of it is links, but it lists
    // reports, and no text between its links is a report's body.
    let items: String = (0..6)
        .map(|k| {
            format!(
                "<li><a href='/a/{k}.html'>某镇{}年法治政府建设年度报告</a><span>2024-01-1{k}</span>\
                 <p>{}年,某镇全年化解矛盾纠纷{}件,开展普法宣传活动{}场次,办理行政复议案件{}件,\
                 持证上岗率达100%,法治政府建设取得新成效,群众满意度持续提升……</p></li>",
                2016 + k,
                2016 + k,
                100 + k,
                30 + k,
                k + 1
            )
        })
        .collect();
    put(
        "listing-with-summaries.html",
        format!("<html><body><div class='list'><ul>{items}</ul></div></body></html>").as_bytes(),
        expect("not_a_report", Some("list of reports")),
    );
    // Deep nesting that is never closed, and in a .txt that looks like a page.
    put(
        "unclosed.txt",
        format!(
            "<html><body>{}法治政府建设",
            "<div><span><b>".repeat(20_000)
        )
        .as_bytes(),
        expect("not_a_report", None),
    );
    let png = [
        &b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x02"[..],
        &lcg_bytes(2048, 3),
    ]
    .concat();
    put("image.txt", &png, expect("undecodable", Some("PNG")));
    let utf16: Vec<u8> = text(9).encode_utf16().flat_map(u16::to_le_bytes).collect();
    put("utf16-no-bom.txt", &utf16, expect("ok", None));
    // A folder named like a report, with a file in it.
    put(
        "x.txt/notes.txt",
        "会议纪要：明天下午三点开会。".as_bytes(),
        expect("not_a_report", None),
    );
    // A locked file: unreadable for anyone but root.
    let locked = dir.write("locked.txt", "法治政府建设 很短".as_bytes());
    set_mode(&locked, 0o000);
    let readable = fs::read(&locked).is_ok();
    want.insert(
        "locked.txt".into(),
        if readable {
            expect("not_a_report", None)
        } else {
            expect("error", Some("cannot read"))
        },
    );
    // A regular file whose read fails even for root.
    std::os::unix::fs::symlink("/proc/self/mem", dir.0.join("unreadable.txt")).expect("symlink");
    want.insert(
        "unreadable.txt".into(),
        expect("error", Some("cannot read")),
    );
    // Not regular files: skipped by discovery and listed in the manifest.
    std::os::unix::fs::symlink(dir.0.join("loop-a.txt"), dir.0.join("loop-b.txt"))
        .expect("symlink");
    std::os::unix::fs::symlink(dir.0.join("loop-b.txt"), dir.0.join("loop-a.txt"))
        .expect("symlink");
    std::os::unix::fs::symlink(&dir.0, dir.0.join("x.txt/up")).expect("symlink");
    std::os::unix::fs::symlink(dir.0.join("gone.txt"), dir.0.join("dangling.txt"))
        .expect("symlink");
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.0.join("fifo.txt"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(fifo, "mkfifo");
    want
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Whether an `error` text reads as a sentence for a person, not a debug dump.
fn is_sentence(s: &str) -> bool {
    let s = s.trim();
    s.chars().count() >= 12
        && s.contains(' ')
        && ![
            "panicked",
            "RUST_BACKTRACE",
            "Os {",
            "Custom {",
            "kind:",
            "unwrap",
            "{:?}",
        ]
        .iter()
        .any(|bad| s.contains(bad))
}

#[test]
fn hostile_folder_finishes_and_explains_every_file() {
    let input = TempDir::new("hostile-in");
    let out = TempDir::new("hostile-out");
    let samples = samples();
    let good = samples[0].1.clone();
    let want = hostile_folder(&input, &good, &samples[1..]);

    let run = run_fazhi(input.path(), out.path());
    // Leave the folder deletable.
    set_mode(&input.0.join("locked.txt"), 0o644);
    let stderr = run.stderr();
    eprintln!(
        "hostile run: {:?}, exit {:?}\n{stderr}",
        run.elapsed,
        run.code()
    );
    assert!(
        run.elapsed < Duration::from_secs(45),
        "took {:?}",
        run.elapsed
    );
    assert_eq!(
        run.code(),
        Some(1),
        "some inputs failed: exit 1; stderr:\n{stderr}"
    );
    for bad in ["panicked", "RUST_BACKTRACE", "stack overflow"] {
        assert!(!stderr.contains(bad), "stderr has {bad:?}:\n{stderr}");
    }

    let reports = reports(out.path());
    let listed: Vec<&String> = reports.keys().collect();
    let wanted: Vec<&String> = want.keys().collect();
    assert_eq!(
        listed, wanted,
        "every regular file, and nothing else, has a row"
    );
    let mut wrong = Vec::new();
    for (path, e) in &want {
        let row: &ReportRow = &reports[path];
        eprintln!("{path}: {} {:?} {:?}", row.status, row.encoding, row.error);
        if row.status != e.status {
            wrong.push(format!(
                "{path}: status {} (want {}): {:?}",
                row.status, e.status, row.error
            ));
        }
        if row.status != "ok" || e.error_has.is_some() {
            match &row.error {
                Some(err) if is_sentence(err) => {}
                other => wrong.push(format!("{path}: error is not a sentence: {other:?}")),
            }
        }
        if let (Some(frag), Some(err)) = (e.error_has, &row.error) {
            if !err.contains(frag) {
                wrong.push(format!("{path}: error {err:?} lacks {frag:?}"));
            }
        }
        if e.lossy && row.lossy_count == 0 {
            wrong.push(format!("{path}: damaged bytes but lossy_count 0"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Absurd numbers are refused, never written as inf or garbage.
    for (v, raw) in all_values(out.path()) {
        assert!(v.is_finite() && v.abs() < 1e16, "value {v} from {raw:?}");
        assert!(
            !raw.contains(&"9".repeat(16)),
            "absurd number kept: {raw:?}"
        );
    }

    // The entries that are not regular files are accounted for in the manifest.
    let manifest = fs::read_to_string(out.path().join("manifest.json")).expect("manifest");
    for name in ["fifo.txt", "dangling.txt", "loop-a.txt", "loop-b.txt", "up"] {
        assert!(
            manifest.contains(name),
            "manifest skips {name}:\n{manifest}"
        );
    }

    // The good report gives what it gives alone.
    let alone_in = TempDir::new("hostile-alone-in");
    let alone_out = TempDir::new("hostile-alone-out");
    alone_in.write("good.txt", good.as_bytes());
    let alone = run_fazhi(alone_in.path(), alone_out.path());
    assert_eq!(alone.code(), Some(0), "{}", alone.stderr());
    let a = mentions(alone_out.path());
    let h = mentions(out.path());
    assert!(!a["good.txt"].is_empty());
    assert_eq!(a["good.txt"], h["good.txt"]);
}

#[test]
fn exit_codes_follow_the_readme() {
    let samples = samples();
    // 0: every input ok.
    let input = TempDir::new("exit0-in");
    let out = TempDir::new("exit0-out");
    input.write("a.txt", samples[0].1.as_bytes());
    input.write("b.txt", samples[1].1.as_bytes());
    let run = run_fazhi(input.path(), out.path());
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    // Files of other kinds are not read, and no failure, but the run says how many of each.
    input.write("scan.pdf", b"%PDF-1.4\n");
    input.write("old.doc", b"\xd0\xcf\x11\xe0");
    let run = run_fazhi(input.path(), out.path());
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("not read: 2 files the globs do not select (1 .doc, 1 .pdf)"),
        "{}",
        run.stderr()
    );
    let manifest = fs::read_to_string(out.path().join("manifest.json")).expect("manifest");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("manifest JSON");
    assert_eq!(
        manifest["not_selected"],
        serde_json::json!({"doc": 1, "pdf": 1}),
        "{manifest}"
    );
    // 1: some inputs failed.
    input.write("junk.txt", &lcg_bytes(1000, 1));
    let run = run_fazhi(input.path(), out.path());
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert_eq!(reports(out.path())["junk.txt"].status, "undecodable");
    // 2: the run itself failed: no input folder, or a file where the folder should be.
    let missing = input.0.join("no-such-folder");
    let run = run_fazhi(&missing, out.path());
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(run.stderr().contains("does not exist"), "{}", run.stderr());
    let run = run_fazhi(&input.0.join("a.txt"), out.path());
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(run.stderr().contains("not a directory"), "{}", run.stderr());
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
}

/// Every input the fuzzer found a problem with (tests/fixtures/fuzz/, first byte chooses the
/// file name as in fuzz/fuzz_targets/pipeline.rs) goes through the pipeline without a panic.
#[test]
fn fuzz_findings_do_not_panic() {
    use fazhi::config::Config;
    use fazhi::pipeline::{Clock, Engine};
    const NAMES: [&str; 4] = ["report.txt", "page.html", "report.docx", "notes.shtml"];
    let engine = Engine::new(Config::builtin().expect("built-in config"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let data = fs::read(&path).expect("fixture");
        let Some((&selector, bytes)) = data.split_first() else {
            continue;
        };
        let name = NAMES[usize::from(selector) % NAMES.len()];
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let r = engine.process_bytes(bytes, name, "fuzz".into(), &mut Clock::new());
            if selector & 0x80 != 0 {
                engine.analyze_text(&String::from_utf8_lossy(bytes), "text.txt");
            }
            r
        }));
        match outcome {
            Ok(r) => {
                for m in &r.mentions {
                    assert!(m.value.is_finite(), "{}: {}", path.display(), m.value);
                }
            }
            Err(_) => panic!("{} panics the pipeline", path.display()),
        }
    }
}
