//! fazhi turns Chinese local-government annual reports on rule-of-law government
//! (法治政府建设年度报告) into tidy Parquet tables of statistics.
//!
//! The pipeline, one folder per stage, with plain types between them:
//!
//! | stage | folder | in → out |
//! |---|---|---|
//! | discover, decode | [`input`] | input folder → files → text (encoding detected, page chrome apart) |
//! | normalize | [`normalize`] | text → [`normalize::NormalizedText`] (ASCII digits, Simplified, no page furniture) |
//! | structure and metadata | [`structure`] | text → sections, sentences; title, year, date, place |
//! | extract | [`extract`] | text → [`extract::Mention`]s (value, unit, qualifier) |
//! | classify | [`classify`] | mentions → indicators of the catalogue |
//! | write | [`write`](mod@write) | [`record::ReportRecord`]s → Parquet tables, the manifest, the commit |
//!
//! [`text`] holds what several stages share: the text indexed by character, the word
//! dictionary behind the gazetteer and the fixed terms, and first-character gates.
//! [`config`] compiles `pipeline.toml` once per run; [`pipeline`] runs the stages for one
//! document; [`run`] maps it over all documents in parallel and writes the dataset.
//!
//! For the analyst: [`explain`] shows what one file yields and which rule decided each number;
//! [`progress`] draws the run's progress bar and installs the logs; `summary` (cargo feature
//! `analysis`, polars) reports the coverage of a written dataset.

pub mod classify;
pub mod config;
pub mod explain;
pub mod extract;
pub mod input;
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod run;
pub mod structure;
#[cfg(feature = "analysis")]
pub mod summary;
pub mod text;
pub mod write;
