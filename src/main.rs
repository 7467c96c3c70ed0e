//! The `fazhi` command line: parses arguments, calls the library, maps the outcome to an exit
//! code (0: every input ok, 1: some inputs failed, 2: the run itself failed).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use fazhi::config::{Config, LoadError};
use fazhi::run::{run, RunOptions, Silent};

#[derive(Parser)]
#[command(
    name = "fazhi",
    version,
    about = "Statistics from Chinese rule-of-law government reports, as Parquet tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    let exit = match cli.command {
        Command::Run {
            input,
            output,
            config,
            threads,
        } => cmd_run(input, output, config, threads),
        Command::Check { config } => cmd_check(config),
    };
    exit.unwrap_or_else(|e| e).into()
}

fn cmd_run(
    input: PathBuf,
    output: PathBuf,
    config: Option<PathBuf>,
    threads: Option<usize>,
) -> Result<Exit, Exit> {
    let config = load(config.as_ref())?;
    let opts = RunOptions {
        input,
        output,
        threads,
    };
    let manifest = run(config, &opts, &Silent).map_err(|e| {
        eprintln!("fazhi: {e}");
        Exit::Error
    })?;
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
    Ok(if manifest.any_failed() {
        Exit::SomeInputsFailed
    } else {
        Exit::Success
    })
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
            writeln!(
                out,
                "{:<34} {:<12} {:<22} {}",
                ind.id,
                ind.category,
                units.join(","),
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
