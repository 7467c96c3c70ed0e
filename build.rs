//! Embeds `FAZHI_BUILD`: a fingerprint of everything that decides what a run writes (the sources,
//! the embedded vocabulary, division tables and dictionaries, and the locked dependencies). An
//! incremental run reuses the previous run's rows only when it was written by the same build:
//! a fix to the code changes the rows even when the version number stays.

use std::fs;
use std::path::{Path, PathBuf};

const INPUTS: [&str; 6] = [
    "src",
    "assets",
    "assets/admin-divisions",
    "pipeline.toml",
    "Cargo.toml",
    "Cargo.lock",
];

fn main() {
    let mut files = Vec::new();
    for input in INPUTS {
        println!("cargo:rerun-if-changed={input}");
        collect(Path::new(input), &mut files);
    }
    files.sort();
    // FNV-1a over each file's path and bytes: stable across Rust versions and machines.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for file in &files {
        eat(file.to_string_lossy().as_bytes());
        eat(&[0]);
        eat(&fs::read(file).unwrap_or_default());
        eat(&[0]);
    }
    println!("cargo:rustc-env=FAZHI_BUILD={hash:016x}");
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        if let Ok(entries) = fs::read_dir(path) {
            for entry in entries.flatten() {
                collect(&entry.path(), out);
            }
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}
