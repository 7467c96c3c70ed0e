//! fazhi turns Chinese local-government annual reports on rule-of-law government
//! (法治政府建设年度报告) into tidy Parquet tables of statistics.
//!
//! The pipeline, one module per stage, with plain types between them:
//!
//! | stage | module | in → out |
//! |---|---|---|
//! | discover | [`discover`] | input folder → sorted [`discover::SourceFile`]s |
//! | decode | [`decode`], [`html`], [`docx`] | bytes → text (encoding detected, page chrome apart) |
//! | normalize | [`normalize`] | text → [`normalize::NormalizedText`] (ASCII digits, Simplified, no debris) |
//! | structure | [`structure`], [`metadata`], [`places`] | text → sections, sentences, title, year, place |
//! | extract | [`extract`] (with [`numerals`]) | text → [`extract::Mention`]s |
//! | classify | [`classify`] | mentions → indicators of the catalogue |
//! | write | [`write`] | [`record::ReportRecord`]s → Parquet tables |
//! | output | [`output`], [`incremental`], `store` | stage, lock, commit; reuse of a previous run's rows; S3 (feature `s3`) |
//!
//! [`dict`] is the leftmost-longest word matcher behind the gazetteer; [`gate`] rules lines out
//! by their first character before the heading and debris regexes run.
//! [`config`] compiles `pipeline.toml` once per run; [`pipeline`] runs the stages for one
//! document; [`run`] maps it over all documents in parallel and writes the dataset.
//!
//! For the analyst: [`explain`] shows what one file yields and which rule decided each number;
//! [`progress`] draws the run's progress bar and installs the logs; `summary` (cargo feature
//! `analysis`, polars) reports the coverage of a written dataset.

pub mod classify;
pub mod config;
pub mod decode;
pub mod dict;
pub mod discover;
pub mod docx;
pub mod explain;
pub mod extract;
pub mod gate;
pub mod html;
pub mod incremental;
pub mod metadata;
pub mod normalize;
pub mod numerals;
pub mod output;
pub mod pipeline;
pub mod places;
pub mod progress;
pub mod record;
pub mod run;
#[cfg(feature = "s3")]
pub mod store;
pub mod structure;
#[cfg(feature = "analysis")]
pub mod summary;
pub mod text;
pub mod write;
