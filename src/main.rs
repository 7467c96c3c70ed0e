//! The `fazhi` command line: parses arguments, calls the library, maps the outcome to an exit
//! code (0: every input ok, 1: some inputs failed, 2: the run itself failed).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use fazhi::config::{Config, LoadError};
use fazhi::explain;
use fazhi::pipeline::Engine;
use fazhi::progress::{init_logging, Bar};
use fazhi::run::{run, RunOptions};

#[derive(Parser)]
#[command(
    name = "fazhi",
    version,
    about = "Statistics from Chinese rule-of-law government reports, as Parquet tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Debug logs on stderr (-vv: also from libraries); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// No progress bar and no closing summary line; errors and warnings still print.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Extract every report under INPUT into Parquet tables under OUTPUT.
    Run {
        /// Folder of reports (.txt, .htm/.html, .docx), read recursively.
        #[arg(long)]
        input: PathBuf,
        /// Folder for reports.parquet, mentions.parquet, indicators.parquet and manifest.json.
        #[arg(long)]
        output: PathBuf,
        /// A pipeline.toml to use instead of the built-in one.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        #[command(flatten)]
        nightly: NightlyArgs,
    },
    /// Show what one file yields: its normalized text with each mention marked, the mentions
    /// with the rule that fired, and the metadata found.
    Explain {
        /// The report to read (.txt, .htm/.html, .docx).
        file: PathBuf,
        /// A pipeline.toml to use instead of the built-in one.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print one JSON object instead (text, mentions, indicators, metadata).
        #[arg(long)]
        json: bool,
    },
    /// Coverage of a written dataset: reports by status, indicators found, what the catalogue
    /// misses (needs the `analysis` feature: cargo build --release --features analysis).
    Summary {
        /// The output folder of `fazhi run`.
        out: PathBuf,
        /// How many unmapped units and contexts to list.
        #[arg(long, default_value_t = 15)]
        top: usize,
    },
    /// Validate a config and print the resolved indicator catalogue; writes nothing.
    Check {
        /// The pipeline.toml to check (default: the built-in one).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// How the process ends.
enum Exit {
    Success,
    SomeInputsFailed,
    Error,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(match e {
            Exit::Success => 0,
            Exit::SomeInputsFailed => 1,
            Exit::Error => 2,
        })
    }
}

fn load(path: Option<&PathBuf>) -> Result<Config, Exit> {
    Config::load(path.map(PathBuf::as_path)).map_err(|e| {
        match e {
            LoadError::Invalid(problems) => eprint!("{problems}"),
            other => eprintln!("fazhi: {other}"),
        }
        Exit::Error
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let bar = Bar::for_stderr(cli.quiet);
    init_logging(cli.verbose, bar.log_writer());
    let exit = match cli.command {
        Command::Run {
            input,
            output,
            config,
            threads,
            nightly,
        } => cmd_run(input, output, config, threads, nightly, &bar),
        Command::Check { config } => cmd_check(config),
        Command::Explain { file, config, json } => cmd_explain(&file, config, json),
        Command::Summary { out, top } => cmd_summary(&out, top),
    };
    exit.unwrap_or_else(|e| e).into()
}

fn cmd_run(
    input: PathBuf,
    output: PathBuf,
    config: Option<PathBuf>,
    threads: Option<usize>,
    nightly: NightlyArgs,
    bar: &Bar,
) -> Result<Exit, Exit> {
    fazhi::pipeline::prepare_shared_tables();
    let config = load(config.as_ref())?;
    let opts = RunOptions {
        input,
        output,
        threads,
        full: nightly.full,
        shard: nightly.shard,
        s3_endpoint: nightly.s3_endpoint,
    };
    let manifest = run(config, &opts, bar).map_err(|e| {
        eprintln!("fazhi: {e}");
        Exit::Error
    })?;
    tracing::debug!(stage_seconds = ?manifest.stage_seconds, rows = ?manifest.rows, "run done");
    if bar.quiet() {
        return Ok(exit_for(&manifest));
    }
    let counts: Vec<String> = manifest
        .status_counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    eprintln!(
        "fazhi: {} files ({}), {} mentions, {} indicators in {:.2}s → {}",
        manifest.files,
        counts.join(", "),
        manifest.rows.get("mentions").copied().unwrap_or(0),
        manifest.rows.get("indicators").copied().unwrap_or(0),
        manifest.wall_seconds,
        opts.output.display()
    );
    if let Some(line) = not_read_line(&manifest) {
        eprintln!("{line}");
    }
    Ok(exit_for(&manifest))
}

/// What the input folder holds that the run did not read, if anything: files the globs do not
/// select (a crawl's `.pdf` and `.doc`, by extension) and entries that could not be walked.
fn not_read_line(manifest: &fazhi::run::Manifest) -> Option<String> {
    let mut parts = Vec::new();
    let files: u64 = manifest.not_selected.values().sum();
    if files > 0 {
        let mut by_ext: Vec<(&String, &u64)> = manifest.not_selected.iter().collect();
        by_ext.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = by_ext
            .iter()
            .take(6)
            .map(|(ext, n)| match ext.as_str() {
                "" => format!("{n} without extension"),
                ext => format!("{n} .{ext}"),
            })
            .collect();
        let more = if by_ext.len() > 6 { ", …" } else { "" };
        parts.push(format!(
            "{files} files the globs do not select ({}{more})",
            shown.join(", ")
        ));
    }
    if !manifest.skipped.is_empty() {
        parts.push(format!(
            "{} entries that could not be walked",
            manifest.skipped.len()
        ));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "fazhi: not read: {}; see not_selected and skipped in manifest.json",
            parts.join("; ")
        )
    })
}

fn exit_for(manifest: &fazhi::run::Manifest) -> Exit {
    if manifest.any_failed() {
        Exit::SomeInputsFailed
    } else {
        Exit::Success
    }
}

/// Prints what one file yields; exit 0 if its status is `ok`, 1 otherwise, 2 if unreadable.
fn cmd_explain(file: &std::path::Path, config: Option<PathBuf>, json: bool) -> Result<Exit, Exit> {
    let mut config = load(config.as_ref())?;
    // Each verdict carries its whole decision: the signals, the candidates, the winner.
    config.catalogue.trace_decisions(true);
    tracing::debug!(config = %config.source, file = %file.display(), "explain");
    let engine = Engine::new(config);
    let e = explain::explain(&engine, file).map_err(|e| {
        eprintln!("fazhi: {e}");
        Exit::Error
    })?;
    let mut out = std::io::stdout().lock();
    let printed = if json {
        writeln!(out, "{}", explain::to_json(&e))
    } else {
        use std::io::IsTerminal;
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        explain::render(&mut out, &e, color)
    };
    match printed.and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(err) => {
            eprintln!("fazhi: {err}");
            return Err(Exit::Error);
        }
    }
    Ok(if e.record.status.is_failure() {
        Exit::SomeInputsFailed
    } else {
        Exit::Success
    })
}

#[cfg(feature = "analysis")]
fn cmd_summary(out: &std::path::Path, top: usize) -> Result<Exit, Exit> {
    let summary = fazhi::summary::summarize(out, top).map_err(|e| {
        eprintln!("fazhi: {e}");
        Exit::Error
    })?;
    let mut stdout = std::io::stdout().lock();
    match write!(stdout, "{summary}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(Exit::Success),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Success),
        Err(e) => {
            eprintln!("fazhi: {e}");
            Err(Exit::Error)
        }
    }
}

#[cfg(not(feature = "analysis"))]
fn cmd_summary(_out: &std::path::Path, _top: usize) -> Result<Exit, Exit> {
    eprintln!(
        "fazhi: `summary` is not in this build; it needs polars, behind the cargo feature \
         `analysis`: cargo build --release --features analysis (or cargo install --path . \
         --features analysis)"
    );
    Err(Exit::Error)
}

fn cmd_check(config: Option<PathBuf>) -> Result<Exit, Exit> {
    let config = load(config.as_ref())?;
    let mut out = std::io::stdout().lock();
    let mut print = || -> std::io::Result<()> {
        writeln!(out, "{}: ok (blake3 {})", config.source, &config.hash[..16])?;
        writeln!(out, "{} indicators:", config.catalogue.indicators.len())?;
        writeln!(
            out,
            "{:<34} {:<12} {:<22} signals",
            "id", "category", "units"
        )?;
        for ind in &config.catalogue.indicators {
            let mut units: Vec<&str> = ind.units.iter().map(String::as_str).collect();
            units.sort_unstable();
            // Signals that count only beside a `when` word, after the others.
            let beside = match (ind.signals_when.is_empty(), ind.when.is_empty()) {
                (true, _) => String::new(),
                (false, false) => format!(
                    "; beside {}: {}",
                    ind.when.join("、"),
                    ind.signals_when.join("、")
                ),
                (false, true) => {
                    format!("; for its audience alone: {}", ind.signals_when.join("、"))
                }
            };
            writeln!(
                out,
                "{:<34} {:<12} {} {}{beside}",
                ind.id,
                ind.category,
                pad_to_columns(&units.join(","), 22),
                ind.signals.join("、")
            )?;
        }
        Ok(())
    };
    match print() {
        Ok(()) => Ok(Exit::Success),
        // A closed pipe (`fazhi check | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Exit::Success),
        Err(e) => {
            eprintln!("fazhi: {e}");
            Err(Exit::Error)
        }
    }
}

/// `fazhi run` options for nightly and distributed runs (README, "Running nightly").
#[derive(clap::Args)]
struct NightlyArgs {
    /// Recompute every input, even those unchanged since the previous run into OUTPUT.
    #[arg(long)]
    full: bool,
    /// Process only shard I of N (inputs whose path hashes to I mod N), writing part files
    /// named for it, so N processes fill one dataset.
    #[arg(long, value_name = "I/N", value_parser = fazhi::write::output::Shard::parse)]
    shard: Option<fazhi::write::output::Shard>,
    /// S3 endpoint for `--output s3://bucket/prefix` (default: $AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    s3_endpoint: Option<String>,
}

/// `s` padded with spaces to `width` terminal columns (a CJK character takes two).
fn pad_to_columns(s: &str, width: usize) -> String {
    let columns: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(columns)))
}
