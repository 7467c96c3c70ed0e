//! Bytes → decode (or unzip a .docx, or strip a web page) → normalize → structure → extract →
//! classify, through the public `Engine::process_bytes`, with no `catch_unwind`: any panic,
//! overflow or hang in a stage is a finding.
//!
//! The first input byte picks the file name the pipeline sees (which decides HTML and .docx
//! handling); the rest are the file's bytes.

#![no_main]

use std::sync::OnceLock;

use fazhi::config::Config;
use fazhi::pipeline::{Clock, Engine};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(Config::builtin().expect("the built-in config is valid")))
}

const NAMES: [&str; 4] = ["report.txt", "page.html", "report.docx", "notes.shtml"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    let engine = engine();
    let record = engine.process_bytes(bytes, name, "fuzz".to_owned(), &mut Clock::new());
    for m in &record.mentions {
        assert!(
            m.value.is_finite(),
            "non-finite value {} from {:?}",
            m.value,
            m.raw
        );
    }
    // The decoded-text entry point too, on a lossy reading of the same bytes.
    if selector & 0x80 != 0 {
        let text = String::from_utf8_lossy(bytes);
        let record = engine.analyze_text(&text, "text.txt");
        for m in &record.mentions {
            assert!(
                m.value.is_finite(),
                "non-finite value {} from {:?}",
                m.value,
                m.raw
            );
        }
    }
});
