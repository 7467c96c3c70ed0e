//! What a person sees while `fazhi run` works: a progress bar (files, MB/s, ETA) on a terminal,
//! and `tracing` logs that do not tear it.
//!
//! [`Bar`] implements [`Progress`] with indicatif; it draws nothing when stderr is not a terminal
//! or when asked to be quiet, so pipes, CI logs and files stay clean. [`init_logging`] installs
//! the `tracing` subscriber: warnings by default, debug for fazhi with `-v`, everything with
//! `-vv`, `RUST_LOG` if set; ANSI colours only on a terminal; lines go around the bar.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::run::Progress;

/// A progress bar on stderr, or nothing.
pub struct Bar {
    bar: ProgressBar,
    quiet: bool,
    bytes: AtomicU64,
    started: Instant,
}

impl Bar {
    /// A bar drawn on stderr if it is a terminal and `quiet` is false; hidden otherwise.
    pub fn for_stderr(quiet: bool) -> Bar {
        let visible = !quiet && io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Bar {
            quiet,
            ..Bar::with_target(target)
        }
    }

    fn with_target(target: ProgressDrawTarget) -> Bar {
        let bar = ProgressBar::with_draw_target(None, target);
        let style = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} files  {msg}  ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Bar {
            bar,
            quiet: false,
            bytes: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Whether the user asked for silence (`--quiet`): no bar, no closing summary line.
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Whether anything is drawn.
    pub fn is_visible(&self) -> bool {
        !self.bar.is_hidden()
    }

    /// A writer for log lines that hides the bar while a line is written.
    pub fn log_writer(&self) -> BarWriter {
        BarWriter {
            bar: self.bar.clone(),
        }
    }

    /// `12.3 MB/s` over the run so far.
    fn rate(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        format!(
            "{:.1} MB/s",
            self.bytes.load(Ordering::Relaxed) as f64 / secs / 1e6
        )
    }
}

impl Progress for Bar {
    fn start(&self, files: u64) {
        tracing::debug!(files, "discovered");
        self.bar.set_length(files);
        self.bar.reset_eta();
        self.bar.set_message(self.rate());
        self.bar
            .enable_steady_tick(std::time::Duration::from_millis(200));
    }

    fn advance(&self, files: u64, bytes: u64) {
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        tracing::debug!(files, bytes, total_bytes = total, "written");
        self.bar.inc(files);
        self.bar.set_message(self.rate());
    }

    fn finish(&self) {
        tracing::debug!(rate = %self.rate(), "all rows written");
        self.bar.finish_and_clear();
    }
}

/// Writes log lines to stderr with the bar suspended, so the two never interleave.
#[derive(Clone)]
pub struct BarWriter {
    bar: ProgressBar,
}

impl Write for BarWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bar.suspend(|| io::stderr().lock().write_all(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl<'a> MakeWriter<'a> for BarWriter {
    type Writer = BarWriter;

    fn make_writer(&'a self) -> BarWriter {
        self.clone()
    }
}

/// The log filter for `-v` counted `verbose` times; `RUST_LOG` wins when set.
pub fn filter(verbose: u8) -> EnvFilter {
    if let Ok(env) = EnvFilter::try_from_default_env() {
        return env;
    }
    EnvFilter::new(match verbose {
        0 => "warn",
        1 => "warn,fazhi=debug",
        _ => "trace",
    })
}

/// Installs the `tracing` subscriber writing through `writer` (see [`Bar::log_writer`]).
/// A second call does nothing.
pub fn init_logging(verbose: u8, writer: BarWriter) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(verbose))
        .with_writer(writer)
        .with_ansi(io::stderr().is_terminal())
        .with_target(true)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_bar_counts_but_draws_nothing() {
        let bar = Bar::with_target(ProgressDrawTarget::hidden());
        assert!(!bar.is_visible());
        bar.start(3);
        bar.advance(2, 2_000_000);
        assert_eq!(bar.bar.position(), 2);
        assert_eq!(bar.bytes.load(Ordering::Relaxed), 2_000_000);
        assert!(bar.rate().ends_with("MB/s"));
        bar.finish();
    }

    #[test]
    fn verbosity_picks_the_filter() {
        // RUST_LOG is not set by the test runner; if it is, the filter is the user's.
        if std::env::var_os("RUST_LOG").is_none() {
            assert_eq!(filter(0).to_string(), "warn");
            assert!(filter(1).to_string().contains("fazhi=debug"));
        }
    }
}
