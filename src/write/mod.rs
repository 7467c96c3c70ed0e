//! The table writer. In: [`ReportRecord`]s, one call per report, in the order the rows should
//! appear (on an incremental run, also reports whose rows are kept from the previous run's files,
//! see [`DatasetWriter::reuse`]). Out: four zstd-compressed Parquet files in the output folder,
//! with the columns of OUTPUT.md declared by the schemas below:
//!
//! - `reports.parquet`: one row per record, failures included;
//! - `mentions.parquet`: one row per [`MentionRecord`], with the report's year and place copied in;
//! - `indicators.parquet`: one row per [`IndicatorRecord`], likewise;
//! - `indicators_wide.parquet`: one row per record, one float64 column per catalogue indicator
//!   (the value of its first mention, null where the report has none), beside the report's
//!   place, code and year: the shape to join with yearbook data.
//!
//! ## Units and pages: what lets a rerun copy instead of re-encode
//!
//! Each table's reports are cut into *units*, runs of consecutive reports: a unit ends after a
//! report whose path hash ([`unit_hash`]) falls on the [`UnitRule`], within a minimum and a
//! maximum size. Where units end depends only on the sequence of paths and their row counts, so
//! a fresh full run and an incremental run over the same inputs cut the same units.
//! Every column of a unit is one self-contained data page (`write/pages.rs`: PLAIN values, zstd, no
//! dictionary), and a row group is a run of whole units of at most [`ROW_GROUP_ROWS`] rows (or
//! about [`ROW_GROUP_BYTES`]). On an incremental run, a unit that holds exactly the reports of
//! a unit of the previous file, all unchanged, is copied page by page, byte for byte
//! ([`UnitCounts::copied`]); any other unit is encoded again from the new rows and the previous
//! rows of its unchanged reports, spliced in from their pages as PLAIN bytes (decompressed, not
//! decoded). Column chunk metadata is derived from per-page figures, so copied and re-encoded
//! pages give the same bytes as a fresh run.
//!
//! Rows are buffered one unit at a time and a row group's encoded pages until it is written, so
//! memory stays bounded whatever the corpus size. The files are written as hidden
//! `.<table>.parquet.tmp` files and renamed into place by [`DatasetWriter::finish`]; a writer
//! dropped unfinished removes them. Nothing time- or run-dependent goes into a file: the same
//! rows in the same order give byte-identical files.

pub mod incremental;
pub mod output;
#[cfg(feature = "s3")]
pub mod store;

mod pages;

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder,
    StringBuilder,
};
use arrow_array::{Array, ArrayRef};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::page_index::index_reader::{decode_column_index, decode_offset_index};
use parquet::file::page_index::offset_index::OffsetIndexMetaData;
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnDescPtr;
use rayon::prelude::*;

use pages::{ChunkBuilder, Kind, OpenPage, Segment};

use crate::record::{IndicatorRecord, MentionRecord, ReportMeta, ReportRecord};

/// Table names; each table is written to `<name>.parquet`.
pub const REPORTS: &str = "reports";
pub const MENTIONS: &str = "mentions";
pub const INDICATORS: &str = "indicators";
pub const INDICATORS_WIDE: &str = "indicators_wide";

/// The tables, in the order the README describes them.
pub fn table_names() -> [&'static str; 4] {
    [REPORTS, MENTIONS, INDICATORS, INDICATORS_WIDE]
}

/// Column names of `indicators_wide` before the indicator columns; an indicator id may not be
/// one of them.
pub const WIDE_KEY_COLUMNS: [&str; 10] = [
    col::REPORT_ID,
    col::SOURCE_PATH,
    col::STATUS,
    col::PROVINCE,
    col::CITY,
    col::COUNTY,
    col::TOWNSHIP,
    col::ADMIN_CODE,
    col::YEAR,
    col::PUBLISHED,
];

/// Most rows in one row group: a row group is closed before a unit that would take it past
/// this (a single larger unit gets a row group of its own). Several row groups let polars and
/// DuckDB read a table on all cores: on the 50 MB bench corpus (`mentions`: 124k rows, 5 row
/// groups) polars read it in 15–17 ms and DuckDB scanned it in 54–79 ms, against 27 and 88 ms
/// in one row group of PLAIN pages (the dictionary-encoded single row group the tables had
/// before: 12.5 and 63–71 ms); pyarrow took about 20 ms in every case.
pub const ROW_GROUP_ROWS: usize = 32 * 1024;
/// A row group is closed once its encoded pages pass this many bytes, whatever its row count
/// (a cap for corpora of very long sentences).
pub const ROW_GROUP_BYTES: usize = 64 * 1024 * 1024;
/// zstd level of every page. On pages of a few hundred reports, level 1 gave the same sizes as
/// zstd's default 3 on the 50 MB bench corpus, and compressed 25% faster; -1 was faster still
/// but 24% larger.
const ZSTD_LEVEL: i32 = 1;
/// A unit ends once it holds this many rows, whatever the path hashes: a bound on a page
/// (about 2 MB of `sentence` text).
pub const UNIT_MAX_ROWS: usize = 16 * 1024;
/// Reports per unit, on average (see [`UnitRule`]).
pub const UNIT_REPORTS: u64 = 256;

/// How reports are cut into units (see the module doc), the same for every table: a unit
/// ends after a report whose [`unit_hash`] is a multiple of `every / 2` once it holds at
/// least `every / 2` reports, or at `2 * every` reports, or at [`UNIT_MAX_ROWS`] rows. The
/// minimum and maximum keep unit sizes close to `every` (a size-biased draw would otherwise
/// make the units a change falls in twice the average), and a changed, added or deleted
/// report moves at most the ends of its own unit and, rarely, the next.
///
/// Why 256, measured on the 50 MB bench corpus (4,650 reports) after 1% of them changed,
/// 1% added and 1% deleted, spread evenly (writer CPU of the rerun on one thread; size of
/// `mentions`, which the previous ArrowWriter tables had at 1.95 MB in one dictionary-encoded
/// row group, re-encoded in full on every rerun at ~220 ms):
///
/// | reports per unit | units copied | writer CPU | `mentions` |
/// |---|---|---|---|
/// | 8 | 73% | 136 ms | 9.0 MB |
/// | 16 | 45% | 148 ms | 6.1 MB |
/// | 32 | 14% | 175 ms | 4.5 MB |
/// | 64 | 0% | 161 ms | 3.4 MB |
/// | 256 (zstd 1) | 0% | 123 ms | 2.4 MB |
///
/// Small units let a rerun copy most pages, but each page is a zstd frame of its own, small
/// frames compress slower per byte and worse, and a unit of 8 reports is a page of ~200
/// `mentions` rows: the files grow 4x. A re-encoded unit costs little, since the kept rows
/// are spliced in as PLAIN bytes (`pages::Segment::Page`), decompressed but never decoded;
/// so large units are cheaper on both counts. With 3% of the reports touched, nearly every
/// unit of 256 holds one and is re-encoded; a nightly crawl whose new reports land together
/// leaves most units untouched, and those are copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitRule {
    pub every: u64,
}

impl UnitRule {
    pub fn of(_table: TableKind) -> UnitRule {
        UnitRule {
            every: UNIT_REPORTS,
        }
    }

    /// Whether a unit that now holds `docs` reports and `rows` rows, the last with path hash
    /// `hash`, ends here.
    pub fn ends_after(&self, hash: u64, docs: usize, rows: usize) -> bool {
        let half = (self.every / 2).max(1);
        let docs = docs as u64;
        (docs >= half && hash.is_multiple_of(half))
            || docs >= 2 * self.every
            || rows >= UNIT_MAX_ROWS
    }
}

/// The hash of a `source_path` that places unit ends: bytes 8..16 of its blake3 hash (bytes
/// 0..8 pick its shard, and must not decide unit ends as well, or a shard would see almost none).
pub fn unit_hash(source_path: &str) -> u64 {
    let hash = blake3::hash(source_path.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&hash.as_bytes()[8..16]);
    u64::from_le_bytes(bytes)
}

/// Names how the tables are laid out (pages, units, compression, row groups). Recorded in the
/// manifest; an incremental run copies pages only from files of the same format.
pub fn table_format() -> String {
    let every = TableKind::ALL.map(|t| UnitRule::of(t).every.to_string());
    format!(
        "plain-unit-pages/1 zstd {ZSTD_LEVEL}, units of {} reports, {UNIT_MAX_ROWS} rows, \
         row groups {ROW_GROUP_ROWS}",
        every.join("/")
    )
}

/// Column names, each declared once; the schema functions below say which table has which.
pub mod col {
    pub const REPORT_ID: &str = "report_id";
    pub const SOURCE_PATH: &str = "source_path";
    pub const STATUS: &str = "status";
    pub const ERROR: &str = "error";
    pub const ENCODING: &str = "encoding";
    pub const LOSSY_COUNT: &str = "lossy_count";
    pub const BYTES: &str = "bytes";
    pub const CHARS: &str = "chars";
    pub const TITLE: &str = "title";
    pub const PROVINCE: &str = "province";
    pub const CITY: &str = "city";
    pub const COUNTY: &str = "county";
    pub const TOWNSHIP: &str = "township";
    pub const ADMIN_CODE: &str = "admin_code";
    pub const YEAR: &str = "year";
    pub const PUBLISHED: &str = "published";
    pub const N_MENTIONS: &str = "n_mentions";
    pub const N_INDICATORS: &str = "n_indicators";
    pub const MENTION_ID: &str = "mention_id";
    pub const RAW: &str = "raw";
    pub const VALUE: &str = "value";
    pub const UNIT: &str = "unit";
    pub const QUALIFIER: &str = "qualifier";
    pub const INDICATOR: &str = "indicator";
    pub const CATEGORY: &str = "category";
    pub const SECTION: &str = "section";
    pub const SENTENCE: &str = "sentence";
    pub const CHAR_START: &str = "char_start";
    pub const CHAR_END: &str = "char_end";
    pub const RULE: &str = "rule";
    pub const CONFLICT: &str = "conflict";
}

const NULLABLE: bool = true;
const NON_NULL: bool = false;

fn field(name: &str, data_type: DataType, nullable: bool) -> Field {
    Field::new(name, data_type, nullable)
}

/// The report's year and place, repeated on mention and indicator rows so a filter needs no join.
fn place_fields() -> [Field; 4] {
    [
        field(col::YEAR, DataType::Int16, NULLABLE),
        field(col::TOWNSHIP, DataType::Utf8, NULLABLE),
        field(col::COUNTY, DataType::Utf8, NULLABLE),
        field(col::PROVINCE, DataType::Utf8, NULLABLE),
    ]
}

/// Schema of `reports`: one row per input file.
pub fn reports_schema() -> Schema {
    use DataType::{Date32, Int16, Int32, Int64, Utf8};
    Schema::new(vec![
        field(col::REPORT_ID, Utf8, NON_NULL),
        field(col::SOURCE_PATH, Utf8, NON_NULL),
        field(col::STATUS, Utf8, NON_NULL),
        field(col::ERROR, Utf8, NULLABLE),
        field(col::ENCODING, Utf8, NULLABLE),
        field(col::LOSSY_COUNT, Int64, NON_NULL),
        field(col::BYTES, Int64, NON_NULL),
        field(col::CHARS, Int64, NON_NULL),
        field(col::TITLE, Utf8, NULLABLE),
        field(col::PROVINCE, Utf8, NULLABLE),
        field(col::CITY, Utf8, NULLABLE),
        field(col::COUNTY, Utf8, NULLABLE),
        field(col::TOWNSHIP, Utf8, NULLABLE),
        field(col::ADMIN_CODE, Utf8, NULLABLE),
        field(col::YEAR, Int16, NULLABLE),
        field(col::PUBLISHED, Date32, NULLABLE),
        field(col::N_MENTIONS, Int32, NON_NULL),
        field(col::N_INDICATORS, Int32, NON_NULL),
    ])
}

/// Schema of `mentions`: one row per quantity mention.
pub fn mentions_schema() -> Schema {
    use DataType::{Float64, Int32, Utf8};
    let mut fields = vec![
        field(col::REPORT_ID, Utf8, NON_NULL),
        field(col::SOURCE_PATH, Utf8, NON_NULL),
        field(col::MENTION_ID, Int32, NON_NULL),
        field(col::RAW, Utf8, NON_NULL),
        field(col::VALUE, Float64, NON_NULL),
        field(col::UNIT, Utf8, NON_NULL),
        field(col::QUALIFIER, Utf8, NON_NULL),
        field(col::INDICATOR, Utf8, NULLABLE),
        field(col::CATEGORY, Utf8, NULLABLE),
        field(col::SECTION, Utf8, NON_NULL),
        field(col::SENTENCE, Utf8, NON_NULL),
        field(col::CHAR_START, Int32, NON_NULL),
        field(col::CHAR_END, Int32, NON_NULL),
        field(col::RULE, Utf8, NON_NULL),
    ];
    fields.extend(place_fields());
    Schema::new(fields)
}

/// Schema of `indicators`: one row per report and indicator.
pub fn indicators_schema() -> Schema {
    use DataType::{Boolean, Float64, Int32, Utf8};
    let mut fields = vec![
        field(col::REPORT_ID, Utf8, NON_NULL),
        field(col::SOURCE_PATH, Utf8, NON_NULL),
        field(col::INDICATOR, Utf8, NON_NULL),
        field(col::CATEGORY, Utf8, NON_NULL),
        field(col::VALUE, Float64, NON_NULL),
        field(col::UNIT, Utf8, NON_NULL),
        field(col::QUALIFIER, Utf8, NON_NULL),
        field(col::N_MENTIONS, Int32, NON_NULL),
        field(col::CONFLICT, Boolean, NON_NULL),
    ];
    fields.extend(place_fields());
    Schema::new(fields)
}

/// Schema of `indicators_wide`: the report's keys, then one column per indicator id.
pub fn indicators_wide_schema(indicator_ids: &[String]) -> Schema {
    use DataType::{Date32, Float64, Int16, Utf8};
    let mut fields = vec![
        field(col::REPORT_ID, Utf8, NON_NULL),
        field(col::SOURCE_PATH, Utf8, NON_NULL),
        field(col::STATUS, Utf8, NON_NULL),
        field(col::PROVINCE, Utf8, NULLABLE),
        field(col::CITY, Utf8, NULLABLE),
        field(col::COUNTY, Utf8, NULLABLE),
        field(col::TOWNSHIP, Utf8, NULLABLE),
        field(col::ADMIN_CODE, Utf8, NULLABLE),
        field(col::YEAR, Int16, NULLABLE),
        field(col::PUBLISHED, Date32, NULLABLE),
    ];
    fields.extend(indicator_ids.iter().map(|id| field(id, Float64, NULLABLE)));
    Schema::new(fields)
}

/// Something that stops the tables from being written; each names the file concerned.
#[derive(thiserror::Error, Debug)]
pub enum WriteError {
    #[error("cannot create the output folder {path}: {source}")]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("cannot create {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("cannot write Parquet to {path}: {source}")]
    Parquet { path: PathBuf, source: ParquetError },
    #[error("cannot assemble a batch of rows for {path}: {source}")]
    Batch { path: PathBuf, source: ArrowError },
    #[error("cannot flush {path} to disk: {source}")]
    Flush { path: PathBuf, source: io::Error },
    #[error("cannot rename {from} to {to}: {source}")]
    Rename {
        from: PathBuf,
        to: PathBuf,
        source: io::Error,
    },
    #[error("cannot reuse rows of the previous table {path}: {message}")]
    Previous { path: PathBuf, message: String },
    #[error("report {report_id} has too many rows for the int32 column {column} of {path}")]
    Overflow {
        path: PathBuf,
        report_id: String,
        column: &'static str,
    },
}

/// Rows written to each table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub reports: u64,
    pub mentions: u64,
    pub indicators: u64,
}

impl TableCounts {
    /// `(table, rows)` for the manifest; `indicators_wide` has one row per report.
    pub fn by_table(&self) -> [(&'static str, u64); 4] {
        [
            (REPORTS, self.reports),
            (MENTIONS, self.mentions),
            (INDICATORS, self.indicators),
            (INDICATORS_WIDE, self.reports),
        ]
    }
}

/// The four tables of a [`DatasetWriter`], for rows copied from an earlier run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    Reports,
    Mentions,
    Indicators,
    Wide,
}

impl TableKind {
    pub const ALL: [TableKind; 4] = [
        TableKind::Reports,
        TableKind::Mentions,
        TableKind::Indicators,
        TableKind::Wide,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TableKind::Reports => REPORTS,
            TableKind::Mentions => MENTIONS,
            TableKind::Indicators => INDICATORS,
            TableKind::Wide => INDICATORS_WIDE,
        }
    }
}

/// `schema` with the `year` column widened to int32: hive-partitioned folders `year=2024/` are
/// read by pyarrow as int32, and a file column of another type would not merge with it.
pub fn widen_year(schema: Schema) -> Schema {
    Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| {
                if f.name() == col::YEAR {
                    field(col::YEAR, DataType::Int32, NULLABLE)
                } else {
                    f.as_ref().clone()
                }
            })
            .collect::<Vec<_>>(),
    )
}

/// One report of a previous run's part file, in file order: its rows in each table.
#[derive(Debug, Clone)]
pub struct PreviousDoc {
    pub source_path: String,
    pub n_mentions: usize,
    pub n_indicators: usize,
}

impl PreviousDoc {
    fn rows(&self, table: TableKind) -> usize {
        match table {
            TableKind::Reports | TableKind::Wide => 1,
            TableKind::Mentions => self.n_mentions,
            TableKind::Indicators => self.n_indicators,
        }
    }
}

/// The previous run's files of one partition (in [`table_names`] order), and its reports in
/// file order: what [`DatasetWriter::reuse`] copies rows from.
#[derive(Debug, Clone)]
pub struct PreviousPart {
    pub docs: Vec<PreviousDoc>,
    pub files: [PathBuf; 4],
}

/// Units written, by how (see the module doc), summed over tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitCounts {
    /// Units whose pages were copied from the previous file.
    pub copied: u64,
    /// Units encoded now.
    pub encoded: u64,
}

/// One report for [`DatasetWriter::write_all`].
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    /// Its rows, from the pipeline.
    Report(&'a ReportRecord),
    /// The rows of report `n` of [`PreviousPart::docs`], kept from the previous files.
    Reuse(usize),
}

/// Streams reports into the four tables; see the module doc.
pub struct DatasetWriter {
    reports: Table<ReportColumns>,
    mentions: Table<MentionColumns>,
    indicators: Table<IndicatorColumns>,
    wide: Table<WideColumns>,
    /// Reports of the previous files, when rows are reused from them.
    previous: Vec<PreviousDoc>,
}

impl DatasetWriter {
    /// Creates `dir` if needed and opens `dir/<table>.parquet` for every table, as hidden temp
    /// files in `dir` that [`finish`](Self::finish) renames into place. `indicator_ids` are the
    /// catalogue's ids, in catalogue order: the columns of `indicators_wide`.
    pub fn create(dir: &Path, indicator_ids: &[String]) -> Result<DatasetWriter, WriteError> {
        let paths = table_names().map(|t| dir.join(format!("{t}.parquet")));
        DatasetWriter::create_files(paths, indicator_ids, false, None)
    }

    /// Opens one file per table at `paths` (in [`table_names`] order), creating their folders.
    /// `wide_year`: write `year` as int32 (see [`widen_year`]). `previous`: the files this
    /// writer replaces, for [`reuse`](Self::reuse).
    pub fn create_files(
        paths: [PathBuf; 4],
        indicator_ids: &[String],
        wide_year: bool,
        previous: Option<PreviousPart>,
    ) -> Result<DatasetWriter, WriteError> {
        for path in &paths {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|source| WriteError::CreateDir {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
        }
        let widen = |s: Schema| if wide_year { widen_year(s) } else { s };
        let (docs, old) = match previous {
            Some(p) => (p.docs, p.files.map(Some)),
            None => (Vec::new(), [None, None, None, None]),
        };
        let [reports, mentions, indicators, wide] = paths;
        let [old_reports, old_mentions, old_indicators, old_wide] = old;
        Ok(DatasetWriter {
            reports: Table::create(
                TableKind::Reports,
                reports,
                widen(reports_schema()),
                ReportColumns::default(),
                old_reports.as_deref(),
                &docs,
            )?,
            mentions: Table::create(
                TableKind::Mentions,
                mentions,
                widen(mentions_schema()),
                MentionColumns::default(),
                old_mentions.as_deref(),
                &docs,
            )?,
            indicators: Table::create(
                TableKind::Indicators,
                indicators,
                widen(indicators_schema()),
                IndicatorColumns::default(),
                old_indicators.as_deref(),
                &docs,
            )?,
            wide: Table::create(
                TableKind::Wide,
                wide,
                widen(indicators_wide_schema(indicator_ids)),
                WideColumns::new(indicator_ids),
                old_wide.as_deref(),
                &docs,
            )?,
            previous: docs,
        })
    }

    /// Appends one report's rows to the four tables. After an error the files are unusable:
    /// drop the writer (which removes them).
    pub fn write(&mut self, report: &ReportRecord) -> Result<(), WriteError> {
        self.write_all(&[Item::Report(report)])
    }

    /// Appends the rows report `doc` (its index in [`PreviousPart::docs`]) has in the previous
    /// files, unchanged: copied page by page where its whole unit is unchanged, else spliced as
    /// encoded values into a new page with their new neighbours.
    pub fn reuse(&mut self, doc: usize) -> Result<(), WriteError> {
        self.write_all(&[Item::Reuse(doc)])
    }

    /// Appends the rows of `items`, in order. The four tables are filled in parallel (with
    /// `rayon::join`, so on the pool of the caller's `install`, if any).
    pub fn write_all(&mut self, items: &[Item<'_>]) -> Result<(), WriteError> {
        let mut hashes = Vec::with_capacity(items.len());
        for item in items {
            let path = match *item {
                Item::Report(report) => {
                    self.count(report, report.mentions.len(), col::N_MENTIONS)?;
                    self.count(report, report.indicators.len(), col::N_INDICATORS)?;
                    &report.source_path
                }
                Item::Reuse(doc) => match self.previous.get(doc) {
                    Some(d) => &d.source_path,
                    None => {
                        return Err(WriteError::Previous {
                            path: self.reports.final_path.clone(),
                            message: format!("no report {doc} in the previous files"),
                        })
                    }
                },
            };
            hashes.push(unit_hash(path));
        }
        let (docs, hashes) = (&self.previous, &hashes);
        let (reports, mentions) = (&mut self.reports, &mut self.mentions);
        let (indicators, wide) = (&mut self.indicators, &mut self.wide);
        let ((a, b), (c, d)) = rayon::join(
            || {
                rayon::join(
                    || mentions.push_all(items, hashes, docs),
                    || reports.push_all(items, hashes, docs),
                )
            },
            || {
                rayon::join(
                    || indicators.push_all(items, hashes, docs),
                    || wide.push_all(items, hashes, docs),
                )
            },
        );
        a.and(b).and(c).and(d)
    }

    /// Writes the buffered rows and the file footers, then renames the files into place.
    pub fn finish(self) -> Result<(TableCounts, UnitCounts), WriteError> {
        let counts = TableCounts {
            reports: self.reports.rows,
            mentions: self.mentions.rows,
            indicators: self.indicators.rows,
        };
        // Close all tables (in parallel, as in `write_all`) before renaming any, so a failure
        // leaves no new table in place.
        let DatasetWriter {
            reports,
            mentions,
            indicators,
            wide,
            ..
        } = self;
        let ((a, b), (c, d)) = rayon::join(
            || rayon::join(|| mentions.close(), || reports.close()),
            || rayon::join(|| indicators.close(), || wide.close()),
        );
        let closed = [b?, a?, c?, d?];
        let mut units = UnitCounts::default();
        for (file, u) in closed {
            units.copied += u.copied;
            units.encoded += u.encoded;
            file.rename()?;
        }
        Ok((counts, units))
    }

    fn count(
        &self,
        report: &ReportRecord,
        len: usize,
        column: &'static str,
    ) -> Result<i32, WriteError> {
        i32::try_from(len).map_err(|_| WriteError::Overflow {
            path: self.reports.final_path.clone(),
            report_id: report.report_id.clone(),
            column,
        })
    }
}

fn writer_properties() -> Result<WriterProperties, ParquetError> {
    Ok(WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(ZSTD_LEVEL)?))
        .build())
}

/// The columns of one table being filled.
trait Columns: Send {
    /// Appends a report's rows to the builders; returns how many.
    fn append_report(&mut self, report: &ReportRecord) -> usize;
    /// Takes the rows appended so far as arrays in schema order, leaving the builders empty.
    fn finish(&mut self) -> Vec<ArrayRef>;
}

/// A leaf column of a table.
struct Leaf {
    descr: ColumnDescPtr,
    kind: Kind,
    nullable: bool,
}

/// One report of the unit being filled.
#[derive(Debug, Clone, Copy)]
enum Piece {
    /// Rows appended to the builders.
    Fresh(usize),
    /// The rows of report `doc` in the previous file.
    Old { doc: usize, rows: usize },
}

/// One table: its builders, the unit and row group being filled, and the Parquet file.
struct Table<C: Columns> {
    kind: TableKind,
    rule: UnitRule,
    columns: C,
    schema: SchemaRef,
    leaves: Vec<Leaf>,
    /// The unit being filled: one piece per report.
    unit: Vec<Piece>,
    unit_rows: usize,
    /// The row group being filled: one chunk per leaf column.
    group: Vec<ChunkBuilder>,
    group_rows: usize,
    /// Rows appended in all.
    rows: u64,
    units: UnitCounts,
    level: ZstdLevel,
    previous: Option<PreviousFile>,
    /// `None` once closed.
    writer: Option<SerializedFileWriter<File>>,
    temp_path: PathBuf,
    final_path: PathBuf,
}

impl<C: Columns> Table<C> {
    fn create(
        kind: TableKind,
        final_path: PathBuf,
        schema: Schema,
        columns: C,
        previous: Option<&Path>,
        previous_docs: &[PreviousDoc],
    ) -> Result<Table<C>, WriteError> {
        let name = final_path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let temp_path = final_path.with_file_name(format!(".{name}.tmp"));
        let rule = UnitRule::of(kind);
        let previous = previous
            .map(|p| PreviousFile::open(p, kind, rule, previous_docs))
            .transpose()?;
        let file = File::create(&temp_path).map_err(|source| WriteError::Create {
            path: temp_path.clone(),
            source,
        })?;
        let schema = Arc::new(schema);
        let parquet_err = |source| WriteError::Parquet {
            path: temp_path.clone(),
            source,
        };
        let opened = writer_properties()
            .and_then(|props| ArrowWriter::try_new(file, Arc::clone(&schema), Some(props)))
            .and_then(ArrowWriter::into_serialized_writer)
            .and_then(|(writer, _)| Ok((writer, ZstdLevel::try_new(ZSTD_LEVEL)?)));
        let (writer, level) = match opened {
            Ok(opened) => opened,
            Err(source) => {
                // Best effort: an unusable temp file is not worth a second error.
                let _ = fs::remove_file(&temp_path);
                return Err(parquet_err(source));
            }
        };
        let descr = writer.schema_descr();
        let mut leaves = Vec::with_capacity(schema.fields().len());
        for (i, field) in schema.fields().iter().enumerate() {
            let kind = Kind::of(field.data_type()).ok_or_else(|| {
                parquet_err(ParquetError::General(format!(
                    "column {} has a type fazhi does not write: {}",
                    field.name(),
                    field.data_type()
                )))
            })?;
            let leaf = descr.column(i);
            leaves.push(Leaf {
                nullable: leaf.max_def_level() > 0,
                descr: leaf,
                kind,
            });
        }
        let group = leaves.iter().map(|l| ChunkBuilder::new(l.kind)).collect();
        Ok(Table {
            kind,
            rule,
            columns,
            schema,
            leaves,
            unit: Vec::new(),
            unit_rows: 0,
            group,
            group_rows: 0,
            rows: 0,
            units: UnitCounts::default(),
            level,
            previous,
            writer: Some(writer),
            temp_path,
            final_path,
        })
    }

    /// Appends the rows of `items` (`hashes`: their [`unit_hash`]es; `docs`: the reports of
    /// the previous files).
    fn push_all(
        &mut self,
        items: &[Item<'_>],
        hashes: &[u64],
        docs: &[PreviousDoc],
    ) -> Result<(), WriteError> {
        for (item, &hash) in items.iter().zip(hashes) {
            match *item {
                Item::Report(report) => {
                    let rows = self.columns.append_report(report);
                    self.unit.push(Piece::Fresh(rows));
                    self.end_report(rows, hash)?;
                }
                Item::Reuse(doc) => {
                    let rows = docs.get(doc).map_or(0, |d| d.rows(self.kind));
                    if self.previous.is_none() {
                        return Err(WriteError::Previous {
                            path: self.final_path.clone(),
                            message: "rows to copy but no previous file".into(),
                        });
                    }
                    self.unit.push(Piece::Old { doc, rows });
                    self.end_report(rows, hash)?;
                }
            }
        }
        Ok(())
    }

    fn end_report(&mut self, rows: usize, hash: u64) -> Result<(), WriteError> {
        self.unit_rows += rows;
        self.rows += rows as u64;
        if self.rule.ends_after(hash, self.unit.len(), self.unit_rows) {
            self.close_unit()?;
        }
        Ok(())
    }

    /// The previous file's unit this unit can be copied from: the same reports, all unchanged.
    fn copyable(&self) -> Option<usize> {
        let previous = self.previous.as_ref()?;
        let Some(Piece::Old { doc: first, .. }) = self.unit.first() else {
            return None;
        };
        let same = self
            .unit
            .iter()
            .enumerate()
            .all(|(i, p)| matches!(p, Piece::Old { doc, .. } if *doc == first + i));
        let u = previous.doc_unit.get(*first)?.0 as usize;
        let unit = previous.units.get(u)?;
        (same && unit.first_doc == *first && unit.docs == self.unit.len()).then_some(u)
    }

    /// Writes the unit's rows as one page per column of the row group being filled.
    fn close_unit(&mut self) -> Result<(), WriteError> {
        if self.unit_rows == 0 {
            self.unit.clear();
            return Ok(());
        }
        if self.group_rows > 0 && self.group_rows + self.unit_rows > ROW_GROUP_ROWS {
            self.flush_group()?;
        }
        match self.copyable() {
            Some(u) => {
                let previous = self.previous.as_mut().expect("copyable() found it");
                for (c, chunk) in self.group.iter_mut().enumerate() {
                    let (page, info) = previous.page(u, c)?;
                    chunk.push(page, info);
                }
                self.units.copied += 1;
            }
            None => {
                self.encode_unit()?;
                self.units.encoded += 1;
            }
        }
        self.group_rows += self.unit_rows;
        self.unit.clear();
        self.unit_rows = 0;
        let bytes: usize = self.group.iter().map(ChunkBuilder::size).sum();
        if self.group_rows >= ROW_GROUP_ROWS || bytes >= ROW_GROUP_BYTES {
            self.flush_group()?;
        }
        Ok(())
    }

    /// Encodes the unit's rows as one page per column: the builders' rows and the previous
    /// file's rows of its unchanged reports (copied as PLAIN bytes), in report order.
    fn encode_unit(&mut self) -> Result<(), WriteError> {
        let fresh = if self
            .unit
            .iter()
            .any(|p| matches!(p, Piece::Fresh(n) if *n > 0))
        {
            self.finish_builders()
        } else {
            Vec::new()
        };
        // Runs of rows from one source, in order: (None: fresh | Some(unit), rows).
        let mut runs: Vec<(Option<usize>, std::ops::Range<usize>)> = Vec::new();
        let mut fresh_at = 0;
        for piece in &self.unit {
            let (source, rows) = match *piece {
                Piece::Fresh(n) => {
                    fresh_at += n;
                    (None, fresh_at - n..fresh_at)
                }
                Piece::Old { doc, rows } => {
                    let previous = self.previous.as_ref().ok_or_else(|| WriteError::Previous {
                        path: self.final_path.clone(),
                        message: "rows to copy but no previous file".into(),
                    })?;
                    let (u, at) = previous.doc_unit.get(doc).copied().ok_or_else(|| {
                        WriteError::Previous {
                            path: previous.path.clone(),
                            message: format!("no report {doc} in the previous file"),
                        }
                    })?;
                    let at = at as usize;
                    (Some(u as usize), at..at + rows)
                }
            };
            if rows.is_empty() {
                continue;
            }
            match runs.last_mut() {
                Some((s, r)) if *s == source && r.end == rows.start => r.end = rows.end,
                _ => runs.push((source, rows)),
            }
        }
        let needed: Vec<usize> = runs.iter().filter_map(|(s, _)| *s).collect();
        if let Some(previous) = self.previous.as_mut() {
            previous.open_units(&needed, &self.leaves)?;
        }
        let previous = self.previous.as_ref();
        let (runs, fresh) = (&runs, &fresh);
        let (temp_path, final_path) = (&self.temp_path, &self.final_path);
        let level = self.level.compression_level();
        let work = |(c, (leaf, chunk)): (usize, (&Leaf, &mut ChunkBuilder))| {
            let sliced: Vec<ArrayRef> = runs
                .iter()
                .filter(|(source, _)| source.is_none())
                .map(|(_, rows)| fresh[c].slice(rows.start, rows.len()))
                .collect();
            let mut fresh_slices = sliced.iter();
            let mut segments = Vec::with_capacity(runs.len());
            for (source, rows) in runs {
                segments.push(match source {
                    None => Segment::Array(
                        fresh_slices
                            .next()
                            .expect("one slice per fresh run")
                            .as_ref(),
                    ),
                    Some(u) => Segment::Page {
                        page: previous.and_then(|p| p.opened(*u, c)).ok_or_else(|| {
                            WriteError::Previous {
                                path: final_path.clone(),
                                message: format!("unit {u} was not read"),
                            }
                        })?,
                        rows: rows.clone(),
                    },
                });
            }
            pages::with_encoder(level, |encoder| {
                encoder.encode_segments(&segments, leaf.nullable, chunk)
            })
            .map_err(|source| WriteError::Parquet {
                path: temp_path.clone(),
                source,
            })
        };
        self.leaves
            .par_iter()
            .zip(self.group.par_iter_mut())
            .enumerate()
            .try_for_each(work)
    }

    /// The builders' rows as arrays of the schema's types (a narrow `year` is widened).
    fn finish_builders(&mut self) -> Vec<ArrayRef> {
        let mut arrays = self.columns.finish();
        for (array, field) in arrays.iter_mut().zip(self.schema.fields()) {
            if field.data_type() == &DataType::Int32 && array.data_type() == &DataType::Int16 {
                if let Some(narrow) = array.as_any().downcast_ref::<arrow_array::Int16Array>() {
                    let wide: arrow_array::Int32Array =
                        narrow.iter().map(|v| v.map(i32::from)).collect();
                    *array = Arc::new(wide);
                }
            }
        }
        arrays
    }

    /// Writes the row group being filled.
    fn flush_group(&mut self) -> Result<(), WriteError> {
        if self.group_rows == 0 {
            return Ok(());
        }
        let chunks = std::mem::replace(
            &mut self.group,
            self.leaves
                .iter()
                .map(|l| ChunkBuilder::new(l.kind))
                .collect(),
        );
        self.group_rows = 0;
        let path = self.temp_path.clone();
        let err = |source| WriteError::Parquet {
            path: path.clone(),
            source,
        };
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let mut group = writer.next_row_group().map_err(&err)?;
        for (chunk, leaf) in chunks.into_iter().zip(&self.leaves) {
            let (bytes, close) = chunk
                .finish(Arc::clone(&leaf.descr), self.level)
                .map_err(&err)?;
            group.append_column(&bytes, close).map_err(&err)?;
        }
        group.close().map_err(&err)?;
        Ok(())
    }

    /// Writes the last unit, row group and the footer and syncs the temp file to disk.
    fn close(mut self) -> Result<(ClosedFile, UnitCounts), WriteError> {
        self.close_unit()?;
        self.flush_group()?;
        let closed = ClosedFile {
            temp_path: self.temp_path.clone(),
            final_path: self.final_path.clone(),
            renamed: false,
        };
        let units = self.units;
        let Some(mut writer) = self.writer.take() else {
            return Ok((closed, units));
        };
        writer.finish().map_err(|source| WriteError::Parquet {
            path: self.temp_path.clone(),
            source,
        })?;
        writer
            .inner()
            .sync_all()
            .map_err(|source| WriteError::Flush {
                path: self.temp_path.clone(),
                source,
            })?;
        Ok((closed, units))
    }
}

impl<C: Columns> Drop for Table<C> {
    /// A table dropped before it was closed leaves no temp file behind.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            drop(writer);
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}

/// A complete temp file waiting to be renamed into place; removed if dropped before that.
struct ClosedFile {
    temp_path: PathBuf,
    final_path: PathBuf,
    renamed: bool,
}

impl ClosedFile {
    fn rename(mut self) -> Result<(), WriteError> {
        fs::rename(&self.temp_path, &self.final_path).map_err(|source| WriteError::Rename {
            from: self.temp_path.clone(),
            to: self.final_path.clone(),
            source,
        })?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for ClosedFile {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}

/// A unit of a previous file: which reports it holds and where its pages are.
#[derive(Debug, Clone)]
struct PreviousUnit {
    first_doc: usize,
    docs: usize,
    rows: usize,
    /// (row group, page number in each of its column chunks); `None` for a unit without rows.
    page: Option<(usize, usize)>,
}

/// One table's file of the previous run, opened to copy or splice its pages unit by unit.
struct PreviousFile {
    path: PathBuf,
    file: File,
    /// Byte range of each row group's column chunks.
    ranges: Vec<(u64, u64)>,
    /// The row group last read, and its bytes.
    loaded: Option<(usize, Vec<u8>)>,
    /// Per row group, per column: page locations and page statistics.
    indexes: Vec<Vec<(OffsetIndexMetaData, ColumnIndexMetaData)>>,
    units: Vec<PreviousUnit>,
    /// Per previous report: its unit and the row its rows start at within the unit.
    doc_unit: Vec<(u32, u32)>,
    /// Units opened for the unit being encoded: their pages, decompressed, per column.
    opened: Vec<(usize, Vec<OpenPage>)>,
    /// Memory of pages opened before, per column, to decompress the next ones into.
    spare: Vec<Vec<Vec<u8>>>,
}

impl PreviousFile {
    /// Reads the footer and page indexes of `path` and finds each unit's pages, cutting `docs`
    /// into units as this run does.
    fn open(
        path: &Path,
        table: TableKind,
        rule: UnitRule,
        docs: &[PreviousDoc],
    ) -> Result<PreviousFile, WriteError> {
        let err = |message: String| WriteError::Previous {
            path: path.to_path_buf(),
            message,
        };
        let pq = |e: ParquetError| err(e.to_string());
        let mut file = File::open(path).map_err(|e| err(e.to_string()))?;
        let metadata: ParquetMetaData = ParquetMetaDataReader::new()
            .parse_and_finish(&file)
            .map_err(pq)?;

        // The page indexes, read in one go.
        let mut index_ranges = Vec::new();
        let mut ranges = Vec::new();
        for rg in metadata.row_groups() {
            let (mut start, mut end) = (u64::MAX, 0);
            for c in rg.columns() {
                let (s, len) = c.byte_range();
                start = start.min(s);
                end = end.max(s + len);
                let missing = || err("a column chunk without page indexes".into());
                index_ranges.push(c.offset_index_range().ok_or_else(missing)?);
                index_ranges.push(c.column_index_range().ok_or_else(missing)?);
            }
            ranges.push((start, end));
        }
        let lo = index_ranges.iter().map(|r| r.start).min().unwrap_or(0);
        let hi = index_ranges.iter().map(|r| r.end).max().unwrap_or(0);
        let mut buf = vec![0; (hi - lo) as usize];
        file.seek(SeekFrom::Start(lo))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| err(e.to_string()))?;
        let slice = |r: &std::ops::Range<u64>| &buf[(r.start - lo) as usize..(r.end - lo) as usize];
        let mut indexes = Vec::new();
        let mut next = index_ranges.iter();
        for rg in metadata.row_groups() {
            let mut columns = Vec::new();
            for c in rg.columns() {
                let (Some(o), Some(i)) = (next.next(), next.next()) else {
                    return Err(err("page indexes missing".into()));
                };
                let offsets = decode_offset_index(slice(o)).map_err(pq)?;
                let stats = decode_column_index(slice(i), c.column_type()).map_err(pq)?;
                columns.push((offsets, stats));
            }
            indexes.push(columns);
        }

        // The units, as this run cuts them, and their pages in order.
        let mismatch = || {
            err(format!(
                "its pages do not match the units of the previous reports table ({} reports)",
                docs.len()
            ))
        };
        let mut units: Vec<PreviousUnit> = Vec::new();
        let mut doc_unit = Vec::with_capacity(docs.len());
        let (mut first, mut rows) = (0, 0);
        for (i, d) in docs.iter().enumerate() {
            doc_unit.push((units.len() as u32, rows as u32));
            rows += d.rows(table);
            let n = i + 1 - first;
            if rule.ends_after(unit_hash(&d.source_path), n, rows) || i + 1 == docs.len() {
                units.push(PreviousUnit {
                    first_doc: first,
                    docs: n,
                    rows,
                    page: None,
                });
                (first, rows) = (i + 1, 0);
            }
        }
        let mut with_rows = units.iter_mut().filter(|u| u.rows > 0);
        for (g, rg) in metadata.row_groups().iter().enumerate() {
            let Some((offsets, _)) = indexes[g].first() else {
                return Err(mismatch());
            };
            let locations = offsets.page_locations();
            for (p, loc) in locations.iter().enumerate() {
                let end = locations
                    .get(p + 1)
                    .map_or(rg.num_rows(), |l| l.first_row_index);
                let unit = with_rows.next().ok_or_else(mismatch)?;
                if (end - loc.first_row_index) as usize != unit.rows {
                    return Err(mismatch());
                }
                unit.page = Some((g, p));
            }
            if indexes[g]
                .iter()
                .any(|(o, _)| o.page_locations().len() != locations.len())
            {
                return Err(mismatch());
            }
        }
        if with_rows.next().is_some() {
            return Err(mismatch());
        }
        Ok(PreviousFile {
            path: path.to_path_buf(),
            file,
            ranges,
            loaded: None,
            indexes,
            units,
            doc_unit,
            opened: Vec::new(),
            spare: Vec::new(),
        })
    }

    fn err(&self, message: String) -> WriteError {
        WriteError::Previous {
            path: self.path.clone(),
            message,
        }
    }

    /// Reads row group `g` into `loaded`, unless it is there.
    fn load(&mut self, g: usize) -> Result<(), WriteError> {
        if self.loaded.as_ref().is_none_or(|(l, _)| *l != g) {
            let (start, end) = self.ranges[g];
            let mut buf = vec![0; (end - start) as usize];
            self.file
                .seek(SeekFrom::Start(start))
                .and_then(|_| self.file.read_exact(&mut buf))
                .map_err(|e| self.err(e.to_string()))?;
            self.loaded = Some((g, buf));
        }
        Ok(())
    }

    /// Where unit `u`'s page of column `c` lies in its row group: (row group, page number,
    /// byte range in the row group's bytes).
    fn page_range(
        &self,
        u: usize,
        c: usize,
    ) -> Result<(usize, usize, std::ops::Range<usize>), WriteError> {
        let (g, p) = self.units[u]
            .page
            .ok_or_else(|| self.err(format!("unit {u} has no rows")))?;
        let loc = &self.indexes[g][c].0.page_locations()[p];
        let start = usize::try_from(loc.offset as u64 - self.ranges[g].0)
            .map_err(|_| self.err("a page before its row group".into()))?;
        let end = start + loc.compressed_page_size as usize;
        if end as u64 > self.ranges[g].1 - self.ranges[g].0 {
            return Err(self.err("a page beyond its row group".into()));
        }
        Ok((g, p, start..end))
    }

    /// [`page_range`](Self::page_range), with the row group read into `loaded`.
    fn locate(
        &mut self,
        u: usize,
        c: usize,
    ) -> Result<(usize, std::ops::Range<usize>), WriteError> {
        let (g, p, range) = self.page_range(u, c)?;
        self.load(g)?;
        Ok((p, range))
    }

    /// The bytes and figures of unit `u`'s page of column `c`.
    fn page(&mut self, u: usize, c: usize) -> Result<(&[u8], pages::PageInfo), WriteError> {
        let (p, range) = self.locate(u, c)?;
        let g = self.units[u].page.map_or(0, |(g, _)| g);
        let buf = &self.loaded.as_ref().expect("located").1;
        let page = &buf[range];
        let info = pages::page_info(page, Some(&self.indexes[g][c].1), p).map_err(|e| {
            WriteError::Previous {
                path: self.path.clone(),
                message: e.to_string(),
            }
        })?;
        Ok((page, info))
    }

    /// Opens the pages of `units` (those already open stay; others are dropped), the columns
    /// in parallel.
    fn open_units(&mut self, units: &[usize], leaves: &[Leaf]) -> Result<(), WriteError> {
        let (keep, done): (Vec<_>, Vec<_>) = std::mem::take(&mut self.opened)
            .into_iter()
            .partition(|(u, _)| units.contains(u));
        self.opened = keep;
        self.spare.resize_with(leaves.len(), Vec::new);
        for (_, pages) in done {
            for (c, page) in pages.into_iter().enumerate() {
                self.spare[c].push(page.into_buffer());
            }
        }
        for &u in units {
            if self.opened.iter().any(|(o, _)| *o == u) {
                continue;
            }
            let mut ranges = Vec::with_capacity(leaves.len());
            for c in 0..leaves.len() {
                ranges.push(self.locate(u, c)?.1);
            }
            let buffers: Vec<Vec<u8>> = self
                .spare
                .iter_mut()
                .map(|spare| spare.pop().unwrap_or_default())
                .collect();
            let buf = &self.loaded.as_ref().expect("located").1;
            let path = &self.path;
            let pages = leaves
                .par_iter()
                .zip(ranges)
                .zip(buffers)
                .map(|((leaf, range), buffer)| {
                    pages::with_decoder(|decoder| {
                        decoder.open(&buf[range], leaf.kind, leaf.nullable, buffer)
                    })
                    .map_err(|e| WriteError::Previous {
                        path: path.clone(),
                        message: e.to_string(),
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            self.opened.push((u, pages));
        }
        Ok(())
    }

    /// Column `c`'s page of unit `u`, opened by [`open_units`](Self::open_units).
    fn opened(&self, u: usize, c: usize) -> Option<&OpenPage> {
        self.opened
            .iter()
            .find(|(o, _)| *o == u)
            .and_then(|(_, pages)| pages.get(c))
    }
}

/// Builders for [`place_fields`].
#[derive(Default)]
struct PlaceColumns {
    year: Int16Builder,
    township: StringBuilder,
    county: StringBuilder,
    province: StringBuilder,
}

impl PlaceColumns {
    fn append(&mut self, meta: &ReportMeta) {
        self.year.append_option(meta.year);
        self.township.append_option(meta.township.as_deref());
        self.county.append_option(meta.county.as_deref());
        self.province.append_option(meta.province.as_deref());
    }

    fn finish(&mut self) -> [ArrayRef; 4] {
        [
            Arc::new(self.year.finish()),
            Arc::new(self.township.finish()),
            Arc::new(self.county.finish()),
            Arc::new(self.province.finish()),
        ]
    }
}

/// Builders for [`reports_schema`], in its order.
#[derive(Default)]
struct ReportColumns {
    report_id: StringBuilder,
    source_path: StringBuilder,
    status: StringBuilder,
    error: StringBuilder,
    encoding: StringBuilder,
    lossy_count: Int64Builder,
    bytes: Int64Builder,
    chars: Int64Builder,
    title: StringBuilder,
    province: StringBuilder,
    city: StringBuilder,
    county: StringBuilder,
    township: StringBuilder,
    admin_code: StringBuilder,
    year: Int16Builder,
    published: Date32Builder,
    n_mentions: Int32Builder,
    n_indicators: Int32Builder,
}

impl ReportColumns {
    fn append(&mut self, r: &ReportRecord, n_mentions: i32, n_indicators: i32) {
        let meta = &r.meta;
        self.report_id.append_value(&r.report_id);
        self.source_path.append_value(&r.source_path);
        self.status.append_value(r.status.as_str());
        self.error.append_option(r.error.as_deref());
        self.encoding.append_option(r.encoding.as_deref());
        self.lossy_count.append_value(r.lossy_count);
        self.bytes.append_value(r.bytes);
        self.chars.append_value(r.chars);
        self.title.append_option(meta.title.as_deref());
        self.province.append_option(meta.province.as_deref());
        self.city.append_option(meta.city.as_deref());
        self.county.append_option(meta.county.as_deref());
        self.township.append_option(meta.township.as_deref());
        self.admin_code.append_option(meta.admin_code.as_deref());
        self.year.append_option(meta.year);
        self.published
            .append_option(meta.published.map(|d| d.days_since_epoch()));
        self.n_mentions.append_value(n_mentions);
        self.n_indicators.append_value(n_indicators);
    }
}

impl Columns for ReportColumns {
    fn append_report(&mut self, report: &ReportRecord) -> usize {
        // Counts were checked by `write_all`.
        let n_mentions = i32::try_from(report.mentions.len()).unwrap_or(i32::MAX);
        let n_indicators = i32::try_from(report.indicators.len()).unwrap_or(i32::MAX);
        self.append(report, n_mentions, n_indicators);
        1
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.report_id.finish()),
            Arc::new(self.source_path.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.error.finish()),
            Arc::new(self.encoding.finish()),
            Arc::new(self.lossy_count.finish()),
            Arc::new(self.bytes.finish()),
            Arc::new(self.chars.finish()),
            Arc::new(self.title.finish()),
            Arc::new(self.province.finish()),
            Arc::new(self.city.finish()),
            Arc::new(self.county.finish()),
            Arc::new(self.township.finish()),
            Arc::new(self.admin_code.finish()),
            Arc::new(self.year.finish()),
            Arc::new(self.published.finish()),
            Arc::new(self.n_mentions.finish()),
            Arc::new(self.n_indicators.finish()),
        ]
    }
}

/// Builders for [`mentions_schema`], in its order.
#[derive(Default)]
struct MentionColumns {
    report_id: StringBuilder,
    source_path: StringBuilder,
    mention_id: Int32Builder,
    raw: StringBuilder,
    value: Float64Builder,
    unit: StringBuilder,
    qualifier: StringBuilder,
    indicator: StringBuilder,
    category: StringBuilder,
    section: StringBuilder,
    sentence: StringBuilder,
    char_start: Int32Builder,
    char_end: Int32Builder,
    rule: StringBuilder,
    place: PlaceColumns,
}

impl MentionColumns {
    fn append(&mut self, r: &ReportRecord, m: &MentionRecord) {
        self.report_id.append_value(&r.report_id);
        self.source_path.append_value(&r.source_path);
        self.mention_id.append_value(m.mention_id);
        self.raw.append_value(&m.raw);
        self.value.append_value(m.value);
        self.unit.append_value(&m.unit);
        self.qualifier.append_value(m.qualifier.as_str());
        self.indicator.append_option(m.indicator.as_deref());
        self.category.append_option(m.category.as_deref());
        self.section.append_value(&m.section);
        self.sentence.append_value(&m.sentence);
        self.char_start.append_value(m.char_start);
        self.char_end.append_value(m.char_end);
        self.rule.append_value(&m.rule);
        self.place.append(&r.meta);
    }
}

impl Columns for MentionColumns {
    fn append_report(&mut self, report: &ReportRecord) -> usize {
        for mention in &report.mentions {
            self.append(report, mention);
        }
        report.mentions.len()
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.report_id.finish()),
            Arc::new(self.source_path.finish()),
            Arc::new(self.mention_id.finish()),
            Arc::new(self.raw.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.unit.finish()),
            Arc::new(self.qualifier.finish()),
            Arc::new(self.indicator.finish()),
            Arc::new(self.category.finish()),
            Arc::new(self.section.finish()),
            Arc::new(self.sentence.finish()),
            Arc::new(self.char_start.finish()),
            Arc::new(self.char_end.finish()),
            Arc::new(self.rule.finish()),
        ];
        arrays.extend(self.place.finish());
        arrays
    }
}

/// Builders for [`indicators_schema`], in its order.
#[derive(Default)]
struct IndicatorColumns {
    report_id: StringBuilder,
    source_path: StringBuilder,
    indicator: StringBuilder,
    category: StringBuilder,
    value: Float64Builder,
    unit: StringBuilder,
    qualifier: StringBuilder,
    n_mentions: Int32Builder,
    conflict: BooleanBuilder,
    place: PlaceColumns,
}

impl IndicatorColumns {
    fn append(&mut self, r: &ReportRecord, i: &IndicatorRecord) {
        self.report_id.append_value(&r.report_id);
        self.source_path.append_value(&r.source_path);
        self.indicator.append_value(&i.indicator);
        self.category.append_value(&i.category);
        self.value.append_value(i.value);
        self.unit.append_value(&i.unit);
        self.qualifier.append_value(i.qualifier.as_str());
        self.n_mentions.append_value(i.n_mentions);
        self.conflict.append_value(i.conflict);
        self.place.append(&r.meta);
    }
}

impl Columns for IndicatorColumns {
    fn append_report(&mut self, report: &ReportRecord) -> usize {
        for indicator in &report.indicators {
            self.append(report, indicator);
        }
        report.indicators.len()
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.report_id.finish()),
            Arc::new(self.source_path.finish()),
            Arc::new(self.indicator.finish()),
            Arc::new(self.category.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.unit.finish()),
            Arc::new(self.qualifier.finish()),
            Arc::new(self.n_mentions.finish()),
            Arc::new(self.conflict.finish()),
        ];
        arrays.extend(self.place.finish());
        arrays
    }
}

/// Builders for [`indicators_wide_schema`], in its order.
struct WideColumns {
    report_id: StringBuilder,
    source_path: StringBuilder,
    status: StringBuilder,
    province: StringBuilder,
    city: StringBuilder,
    county: StringBuilder,
    township: StringBuilder,
    admin_code: StringBuilder,
    year: Int16Builder,
    published: Date32Builder,
    ids: Vec<String>,
    values: Vec<Float64Builder>,
}

impl WideColumns {
    fn new(indicator_ids: &[String]) -> WideColumns {
        WideColumns {
            report_id: StringBuilder::new(),
            source_path: StringBuilder::new(),
            status: StringBuilder::new(),
            province: StringBuilder::new(),
            city: StringBuilder::new(),
            county: StringBuilder::new(),
            township: StringBuilder::new(),
            admin_code: StringBuilder::new(),
            year: Int16Builder::new(),
            published: Date32Builder::new(),
            ids: indicator_ids.to_vec(),
            values: indicator_ids
                .iter()
                .map(|_| Float64Builder::new())
                .collect(),
        }
    }

    fn append(&mut self, r: &ReportRecord) {
        let meta = &r.meta;
        self.report_id.append_value(&r.report_id);
        self.source_path.append_value(&r.source_path);
        self.status.append_value(r.status.as_str());
        self.province.append_option(meta.province.as_deref());
        self.city.append_option(meta.city.as_deref());
        self.county.append_option(meta.county.as_deref());
        self.township.append_option(meta.township.as_deref());
        self.admin_code.append_option(meta.admin_code.as_deref());
        self.year.append_option(meta.year);
        self.published
            .append_option(meta.published.map(|d| d.days_since_epoch()));
        for (id, column) in self.ids.iter().zip(&mut self.values) {
            column.append_option(
                r.indicators
                    .iter()
                    .find(|i| i.indicator == *id)
                    .map(|i| i.value),
            );
        }
    }
}

impl Columns for WideColumns {
    fn append_report(&mut self, report: &ReportRecord) -> usize {
        self.append(report);
        1
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.report_id.finish()),
            Arc::new(self.source_path.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.province.finish()),
            Arc::new(self.city.finish()),
            Arc::new(self.county.finish()),
            Arc::new(self.township.finish()),
            Arc::new(self.admin_code.finish()),
            Arc::new(self.year.finish()),
            Arc::new(self.published.finish()),
        ];
        arrays.extend(
            self.values
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        arrays
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Date, Qualifier, Status};
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, Int16Type, Int32Type, Int64Type};
    use arrow_array::{ArrowPrimitiveType, RecordBatch};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::file::metadata::ParquetMetaData;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn wide_ids() -> Vec<String> {
        vec!["disputes_resolved".to_owned(), "penalty_amount".to_owned()]
    }

    /// A fresh folder under the system temp dir, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("fazhi-write-{name}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn mention(
        id: i32,
        raw: &str,
        value: f64,
        unit: &str,
        qualifier: Qualifier,
        indicator: Option<&str>,
        category: Option<&str>,
        span: (i32, i32),
    ) -> MentionRecord {
        MentionRecord {
            mention_id: id,
            raw: raw.into(),
            value,
            unit: unit.into(),
            qualifier,
            indicator: indicator.map(Into::into),
            category: category.map(Into::into),
            section: "一、主要举措和成效 > （三）化解矛盾纠纷".into(),
            sentence: format!("全年{raw}。").into(),
            char_start: span.0,
            char_end: span.1,
            rule: if indicator.is_some() {
                "keyword"
            } else {
                "no_keyword"
            }
            .into(),
        }
    }

    /// An ok report with CJK text, a failed one, and an ok one whose place is mostly unknown.
    fn sample_reports() -> Vec<ReportRecord> {
        let ok = ReportRecord {
            report_id: "r-ok".to_string(),
            source_path: "广东省/登云镇 2023.txt".to_string(),
            status: Status::Ok,
            error: None,
            encoding: Some("GBK".to_string()),
            lossy_count: 2,
            bytes: 4096,
            chars: 1500,
            furniture_chars: 0,
            warnings: Vec::new(),
            meta: ReportMeta {
                title: Some("登云镇2023年法治政府建设年度报告".to_string()),
                province: Some("广东省".to_string()),
                city: Some("河源市".to_string()),
                county: Some("龙川县".to_string()),
                township: Some("登云镇".to_string()),
                admin_code: Some("441622104".to_string()),
                year: Some(2023),
                published: Date::new(2024, 1, 15),
                source_url: None,
            },
            mentions: vec![
                mention(
                    0,
                    "化解矛盾纠纷131件",
                    131.0,
                    "件",
                    Qualifier::Exact,
                    Some("disputes_resolved"),
                    Some("disputes"),
                    (10, 20),
                ),
                mention(
                    1,
                    "120余次",
                    120.0,
                    "次",
                    Qualifier::MoreThan,
                    None,
                    None,
                    (30, 35),
                ),
                mention(
                    2,
                    "纠纷130件",
                    130.0,
                    "件",
                    Qualifier::Exact,
                    Some("disputes_resolved"),
                    Some("disputes"),
                    (40, 46),
                ),
            ],
            indicators: vec![IndicatorRecord {
                indicator: "disputes_resolved".into(),
                category: "disputes".into(),
                value: 131.0,
                unit: "件".into(),
                qualifier: Qualifier::Exact,
                n_mentions: 2,
                conflict: true,
            }],
        };
        let failed = ReportRecord::failed(
            "r-bad".to_string(),
            "broken.doc".to_string(),
            17,
            Status::Error,
            "解码失败: unexpected end of file".to_string(),
        );
        let partial = ReportRecord {
            report_id: "r-partial".to_string(),
            source_path: "x/y.html".to_string(),
            status: Status::Ok,
            error: None,
            encoding: Some("UTF-8".to_string()),
            lossy_count: 0,
            bytes: 900,
            chars: 300,
            furniture_chars: 0,
            warnings: Vec::new(),
            meta: ReportMeta {
                province: Some("四川省".to_string()),
                ..ReportMeta::default()
            },
            mentions: vec![mention(
                0,
                "约2.5万元",
                25_000.0,
                "元",
                Qualifier::Approx,
                Some("fines"),
                Some("enforcement"),
                (5, 11),
            )],
            indicators: vec![IndicatorRecord {
                indicator: "fines".into(),
                category: "enforcement".into(),
                value: 25_000.0,
                unit: "元".into(),
                qualifier: Qualifier::Approx,
                n_mentions: 1,
                conflict: false,
            }],
        };
        vec![ok, failed, partial]
    }

    fn write_all(dir: &Path, reports: &[ReportRecord]) -> TableCounts {
        let mut writer = DatasetWriter::create(dir, &wide_ids()).unwrap();
        for report in reports {
            writer.write(report).unwrap();
        }
        writer.finish().unwrap().0
    }

    /// The table as one batch, with the file's metadata.
    fn read_table(dir: &Path, table: &str) -> (RecordBatch, Arc<ParquetMetaData>) {
        let file = File::open(dir.join(format!("{table}.parquet"))).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let metadata = Arc::clone(builder.metadata());
        let schema = Arc::clone(builder.schema());
        let reader = builder.with_batch_size(1 << 20).build().unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        assert!(batches.len() <= 1, "{table}: expected one batch");
        let batch = batches
            .into_iter()
            .next()
            .unwrap_or_else(|| RecordBatch::new_empty(schema));
        (batch, metadata)
    }

    fn strings<'a>(batch: &'a RecordBatch, name: &str) -> Vec<Option<&'a str>> {
        let column = batch.column_by_name(name).expect(name);
        column.as_string::<i32>().iter().collect()
    }

    fn values<T: ArrowPrimitiveType>(batch: &RecordBatch, name: &str) -> Vec<Option<T::Native>> {
        let column = batch.column_by_name(name).expect(name);
        column.as_primitive::<T>().iter().collect()
    }

    fn assert_schema(batch: &RecordBatch, expected: &Schema) {
        let got = batch.schema();
        let got: Vec<_> = got
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
            .collect();
        let want: Vec<_> = expected
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone(), f.is_nullable()))
            .collect();
        assert_eq!(got, want);
    }

    fn assert_zstd(metadata: &ParquetMetaData) {
        for group in metadata.row_groups() {
            for column in group.columns() {
                assert!(
                    matches!(column.compression(), Compression::ZSTD(_)),
                    "{} is {:?}",
                    column.column_path(),
                    column.compression()
                );
            }
        }
    }

    #[test]
    fn schemas_declare_the_contract_columns() {
        let names =
            |s: Schema| -> Vec<String> { s.fields().iter().map(|f| f.name().clone()).collect() };
        assert_eq!(
            names(reports_schema()),
            [
                "report_id",
                "source_path",
                "status",
                "error",
                "encoding",
                "lossy_count",
                "bytes",
                "chars",
                "title",
                "province",
                "city",
                "county",
                "township",
                "admin_code",
                "year",
                "published",
                "n_mentions",
                "n_indicators"
            ]
        );
        assert_eq!(
            names(mentions_schema()),
            [
                "report_id",
                "source_path",
                "mention_id",
                "raw",
                "value",
                "unit",
                "qualifier",
                "indicator",
                "category",
                "section",
                "sentence",
                "char_start",
                "char_end",
                "rule",
                "year",
                "township",
                "county",
                "province"
            ]
        );
        assert_eq!(
            names(indicators_schema()),
            [
                "report_id",
                "source_path",
                "indicator",
                "category",
                "value",
                "unit",
                "qualifier",
                "n_mentions",
                "conflict",
                "year",
                "township",
                "county",
                "province"
            ]
        );
        assert_eq!(
            table_names(),
            ["reports", "mentions", "indicators", "indicators_wide"]
        );
    }

    #[test]
    fn rows_read_back_with_their_types_nulls_and_order() {
        let dir = TempDir::new("roundtrip");
        let counts = write_all(&dir.0, &sample_reports());
        assert_eq!(
            counts,
            TableCounts {
                reports: 3,
                mentions: 4,
                indicators: 2
            }
        );
        let mut left: Vec<_> = fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "indicators.parquet",
                "indicators_wide.parquet",
                "mentions.parquet",
                "reports.parquet"
            ]
        );

        // One wide row per report; an indicator column holds the first mention's value.
        let (wide, _) = read_table(&dir.0, INDICATORS_WIDE);
        assert_schema(&wide, &indicators_wide_schema(&wide_ids()));
        assert_eq!(
            strings(&wide, col::SOURCE_PATH),
            [
                Some("广东省/登云镇 2023.txt"),
                Some("broken.doc"),
                Some("x/y.html")
            ]
        );
        assert_eq!(
            values::<Float64Type>(&wide, "disputes_resolved"),
            [Some(131.0), None, None]
        );
        assert_eq!(
            values::<Float64Type>(&wide, "penalty_amount"),
            [None, None, None]
        );

        let (reports, metadata) = read_table(&dir.0, REPORTS);
        assert_schema(&reports, &reports_schema());
        assert_zstd(&metadata);
        assert_eq!(
            strings(&reports, col::REPORT_ID),
            [Some("r-ok"), Some("r-bad"), Some("r-partial")]
        );
        assert_eq!(
            strings(&reports, col::SOURCE_PATH),
            [
                Some("广东省/登云镇 2023.txt"),
                Some("broken.doc"),
                Some("x/y.html")
            ]
        );
        assert_eq!(
            strings(&reports, col::STATUS),
            [Some("ok"), Some("error"), Some("ok")]
        );
        assert_eq!(
            strings(&reports, col::ERROR),
            [None, Some("解码失败: unexpected end of file"), None]
        );
        assert_eq!(
            strings(&reports, col::ENCODING),
            [Some("GBK"), None, Some("UTF-8")]
        );
        assert_eq!(
            values::<Int64Type>(&reports, col::LOSSY_COUNT),
            [Some(2), Some(0), Some(0)]
        );
        assert_eq!(
            values::<Int64Type>(&reports, col::BYTES),
            [Some(4096), Some(17), Some(900)]
        );
        assert_eq!(
            values::<Int64Type>(&reports, col::CHARS),
            [Some(1500), Some(0), Some(300)]
        );
        assert_eq!(
            strings(&reports, col::TITLE),
            [Some("登云镇2023年法治政府建设年度报告"), None, None]
        );
        assert_eq!(
            strings(&reports, col::PROVINCE),
            [Some("广东省"), None, Some("四川省")]
        );
        assert_eq!(strings(&reports, col::CITY), [Some("河源市"), None, None]);
        assert_eq!(strings(&reports, col::COUNTY), [Some("龙川县"), None, None]);
        assert_eq!(
            strings(&reports, col::TOWNSHIP),
            [Some("登云镇"), None, None]
        );
        assert_eq!(
            strings(&reports, col::ADMIN_CODE),
            [Some("441622104"), None, None]
        );
        assert_eq!(
            values::<Int16Type>(&reports, col::YEAR),
            [Some(2023), None, None]
        );
        // 2024-01-15 is 19,737 days after 1970-01-01.
        assert_eq!(
            values::<Date32Type>(&reports, col::PUBLISHED),
            [Some(19_737), None, None]
        );
        assert_eq!(
            values::<Int32Type>(&reports, col::N_MENTIONS),
            [Some(3), Some(0), Some(1)]
        );
        assert_eq!(
            values::<Int32Type>(&reports, col::N_INDICATORS),
            [Some(1), Some(0), Some(1)]
        );

        let (mentions, metadata) = read_table(&dir.0, MENTIONS);
        assert_schema(&mentions, &mentions_schema());
        assert_zstd(&metadata);
        assert_eq!(
            strings(&mentions, col::REPORT_ID),
            [Some("r-ok"), Some("r-ok"), Some("r-ok"), Some("r-partial")]
        );
        assert_eq!(
            strings(&mentions, col::SOURCE_PATH)[0],
            Some("广东省/登云镇 2023.txt")
        );
        assert_eq!(
            values::<Int32Type>(&mentions, col::MENTION_ID),
            [Some(0), Some(1), Some(2), Some(0)]
        );
        assert_eq!(
            strings(&mentions, col::RAW),
            [
                Some("化解矛盾纠纷131件"),
                Some("120余次"),
                Some("纠纷130件"),
                Some("约2.5万元")
            ]
        );
        assert_eq!(
            values::<Float64Type>(&mentions, col::VALUE),
            [Some(131.0), Some(120.0), Some(130.0), Some(25_000.0)]
        );
        assert_eq!(
            strings(&mentions, col::UNIT),
            [Some("件"), Some("次"), Some("件"), Some("元")]
        );
        assert_eq!(
            strings(&mentions, col::QUALIFIER),
            [
                Some("exact"),
                Some("more_than"),
                Some("exact"),
                Some("approx")
            ]
        );
        assert_eq!(
            strings(&mentions, col::INDICATOR),
            [
                Some("disputes_resolved"),
                None,
                Some("disputes_resolved"),
                Some("fines")
            ]
        );
        assert_eq!(
            strings(&mentions, col::CATEGORY),
            [
                Some("disputes"),
                None,
                Some("disputes"),
                Some("enforcement")
            ]
        );
        assert_eq!(
            strings(&mentions, col::SECTION)[1],
            Some("一、主要举措和成效 > （三）化解矛盾纠纷")
        );
        assert_eq!(strings(&mentions, col::SENTENCE)[1], Some("全年120余次。"));
        assert_eq!(
            values::<Int32Type>(&mentions, col::CHAR_START),
            [Some(10), Some(30), Some(40), Some(5)]
        );
        assert_eq!(
            values::<Int32Type>(&mentions, col::CHAR_END),
            [Some(20), Some(35), Some(46), Some(11)]
        );
        assert_eq!(
            strings(&mentions, col::RULE),
            [
                Some("keyword"),
                Some("no_keyword"),
                Some("keyword"),
                Some("keyword")
            ]
        );
        assert_eq!(
            values::<Int16Type>(&mentions, col::YEAR),
            [Some(2023), Some(2023), Some(2023), None]
        );
        assert_eq!(
            strings(&mentions, col::TOWNSHIP),
            [Some("登云镇"), Some("登云镇"), Some("登云镇"), None]
        );
        assert_eq!(
            strings(&mentions, col::COUNTY),
            [Some("龙川县"), Some("龙川县"), Some("龙川县"), None]
        );
        assert_eq!(
            strings(&mentions, col::PROVINCE),
            [
                Some("广东省"),
                Some("广东省"),
                Some("广东省"),
                Some("四川省")
            ]
        );

        let (indicators, metadata) = read_table(&dir.0, INDICATORS);
        assert_schema(&indicators, &indicators_schema());
        assert_zstd(&metadata);
        assert_eq!(
            strings(&indicators, col::REPORT_ID),
            [Some("r-ok"), Some("r-partial")]
        );
        assert_eq!(
            strings(&indicators, col::SOURCE_PATH),
            [Some("广东省/登云镇 2023.txt"), Some("x/y.html")]
        );
        assert_eq!(
            strings(&indicators, col::INDICATOR),
            [Some("disputes_resolved"), Some("fines")]
        );
        assert_eq!(
            strings(&indicators, col::CATEGORY),
            [Some("disputes"), Some("enforcement")]
        );
        assert_eq!(
            values::<Float64Type>(&indicators, col::VALUE),
            [Some(131.0), Some(25_000.0)]
        );
        assert_eq!(strings(&indicators, col::UNIT), [Some("件"), Some("元")]);
        assert_eq!(
            strings(&indicators, col::QUALIFIER),
            [Some("exact"), Some("approx")]
        );
        assert_eq!(
            values::<Int32Type>(&indicators, col::N_MENTIONS),
            [Some(2), Some(1)]
        );
        let conflict = indicators.column_by_name(col::CONFLICT).unwrap();
        let conflict: Vec<_> = conflict.as_boolean().iter().collect();
        assert_eq!(conflict, [Some(true), Some(false)]);
        assert_eq!(
            values::<Int16Type>(&indicators, col::YEAR),
            [Some(2023), None]
        );
        assert_eq!(strings(&indicators, col::TOWNSHIP), [Some("登云镇"), None]);
        assert_eq!(strings(&indicators, col::COUNTY), [Some("龙川县"), None]);
        assert_eq!(
            strings(&indicators, col::PROVINCE),
            [Some("广东省"), Some("四川省")]
        );
    }

    #[test]
    fn tables_without_rows_are_valid_files_with_the_schema() {
        let dir = TempDir::new("empty");
        let (counts, _) = DatasetWriter::create(&dir.0, &wide_ids())
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(counts, TableCounts::default());
        for (table, schema) in [
            (REPORTS, reports_schema()),
            (MENTIONS, mentions_schema()),
            (INDICATORS, indicators_schema()),
        ] {
            let (batch, metadata) = read_table(&dir.0, table);
            assert_eq!(batch.num_rows(), 0, "{table}");
            assert_eq!(metadata.file_metadata().num_rows(), 0, "{table}");
            assert_schema(&batch, &schema);
        }
        // Only reports, no mentions or indicators: the other two tables are empty but valid.
        let dir = TempDir::new("failed-only");
        let failed = &sample_reports()[1];
        let counts = write_all(&dir.0, std::slice::from_ref(failed));
        assert_eq!(
            (counts.reports, counts.mentions, counts.indicators),
            (1, 0, 0)
        );
        let (mentions, _) = read_table(&dir.0, MENTIONS);
        assert_eq!(mentions.num_rows(), 0);
        assert_schema(&mentions, &mentions_schema());
    }

    #[test]
    fn the_same_rows_give_byte_identical_files() {
        let first = TempDir::new("same-a");
        let second = TempDir::new("same-b");
        let reports = sample_reports();
        write_all(&first.0, &reports);
        write_all(&second.0, &reports);
        for table in table_names() {
            let name = format!("{table}.parquet");
            let a = fs::read(first.0.join(&name)).unwrap();
            let b = fs::read(second.0.join(&name)).unwrap();
            assert!(!a.is_empty());
            assert!(a == b, "{name} differs between two writes");
        }
    }

    #[test]
    fn a_writer_dropped_unfinished_leaves_no_files() {
        let dir = TempDir::new("dropped");
        let mut writer = DatasetWriter::create(&dir.0, &wide_ids()).unwrap();
        writer.write(&sample_reports()[0]).unwrap();
        drop(writer);
        assert_eq!(fs::read_dir(&dir.0).unwrap().count(), 0);
    }

    #[test]
    fn finishing_replaces_earlier_tables() {
        let dir = TempDir::new("replace");
        write_all(&dir.0, &sample_reports());
        write_all(&dir.0, &sample_reports()[1..2]);
        let (reports, _) = read_table(&dir.0, REPORTS);
        assert_eq!(strings(&reports, col::REPORT_ID), [Some("r-bad")]);
        let (mentions, _) = read_table(&dir.0, MENTIONS);
        assert_eq!(mentions.num_rows(), 0);
    }

    /// `n` ok reports with their own paths, numbers and mention counts.
    fn corpus(n: usize, variant: u64) -> Vec<ReportRecord> {
        let template = &sample_reports()[0];
        (0..n)
            .map(|i| {
                let mut r = template.clone();
                r.source_path = format!("p{:02}/r{i:05}.txt", i % 7);
                r.report_id = format!("id{i:05}-{variant}");
                r.mentions = (0..(i % 5))
                    .map(|m| {
                        let mut mention = template.mentions[m % 3].clone();
                        mention.mention_id = m as i32;
                        mention.value = (i * 10 + m) as f64 + variant as f64;
                        mention
                    })
                    .collect();
                r
            })
            .collect()
    }

    /// Writes `reports` into `dir`, taking from `previous` the rows of the reports `keep`
    /// says are unchanged (their index in `previous.docs`).
    fn rewrite(
        dir: &Path,
        reports: &[ReportRecord],
        previous: PreviousPart,
        keep: &dyn Fn(&ReportRecord) -> Option<usize>,
    ) -> UnitCounts {
        let paths = table_names().map(|t| dir.join(format!("{t}.parquet")));
        let mut writer =
            DatasetWriter::create_files(paths, &wide_ids(), false, Some(previous)).unwrap();
        let items: Vec<Item<'_>> = reports
            .iter()
            .map(|r| keep(r).map_or(Item::Report(r), Item::Reuse))
            .collect();
        writer.write_all(&items).unwrap();
        writer.finish().unwrap().1
    }

    fn previous_of(dir: &Path, reports: &[ReportRecord]) -> PreviousPart {
        PreviousPart {
            docs: reports
                .iter()
                .map(|r| PreviousDoc {
                    source_path: r.source_path.clone(),
                    n_mentions: r.mentions.len(),
                    n_indicators: r.indicators.len(),
                })
                .collect(),
            files: table_names().map(|t| dir.join(format!("{t}.parquet"))),
        }
    }

    fn same_files(a: &Path, b: &Path) {
        for table in table_names() {
            let name = format!("{table}.parquet");
            let (x, y) = (
                fs::read(a.join(&name)).unwrap(),
                fs::read(b.join(&name)).unwrap(),
            );
            assert!(x == y, "{name} differs from a fresh write");
        }
    }

    #[test]
    fn a_rewrite_copies_the_units_it_can_and_equals_a_fresh_write() {
        let n = 4000;
        let old = corpus(n, 0);
        let (first, fresh, again) = (
            TempDir::new("units-a"),
            TempDir::new("units-b"),
            TempDir::new("units-c"),
        );
        write_all(&first.0, &old);

        // Nothing changed: every unit is copied, and the files do not change.
        let index_of = |r: &ReportRecord| old.iter().position(|o| o.source_path == r.source_path);
        let units = rewrite(&again.0, &old, previous_of(&first.0, &old), &index_of);
        assert_eq!(units.encoded, 0);
        let per_table = units.copied / 4;
        assert!(per_table >= 3, "{units:?}");
        same_files(&first.0, &again.0);

        // One report changed, one deleted and one added, far apart: the units that hold
        // them are encoded again (an added or deleted report may move one unit end), the
        // others copied, and the files are those of a fresh write.
        let mut new = old.clone();
        new[300] = corpus(n, 1)[300].clone();
        new.remove(2000);
        let mut added = corpus(n + 1, 2)[n].clone();
        added.source_path = format!("{}-added", new[3500].source_path);
        new.insert(3501, added);
        write_all(&fresh.0, &new);
        let unchanged = |r: &ReportRecord| {
            old.iter()
                .position(|o| o.source_path == r.source_path && o.report_id == r.report_id)
        };
        let _ = fs::remove_dir_all(&again.0);
        let units = rewrite(&again.0, &new, previous_of(&first.0, &old), &unchanged);
        same_files(&fresh.0, &again.0);
        assert!((3 * 4..=6 * 4).contains(&units.encoded), "{units:?}");
        assert!(
            units.copied >= 4 * per_table.saturating_sub(6),
            "{units:?} of {per_table} a table"
        );
    }

    #[test]
    fn many_rows_are_split_into_bounded_row_groups() {
        const REPORTS_N: usize = 300;
        const MENTIONS_PER_REPORT: usize = 1000;
        let dir = TempDir::new("many");
        let template = &sample_reports()[0];
        let mut writer = DatasetWriter::create(&dir.0, &wide_ids()).unwrap();
        for r in 0..REPORTS_N {
            let mut report = template.clone();
            report.report_id = format!("r{r:05}");
            report.mentions = (0..MENTIONS_PER_REPORT)
                .map(|m| {
                    let mut mention = template.mentions[m % 3].clone();
                    mention.mention_id = m as i32;
                    mention.value = (r * MENTIONS_PER_REPORT + m) as f64;
                    mention
                })
                .collect();
            writer.write(&report).unwrap();
        }
        let (counts, _) = writer.finish().unwrap();
        let total = (REPORTS_N * MENTIONS_PER_REPORT) as u64;
        assert_eq!(counts.mentions, total);
        assert_eq!(counts.reports, REPORTS_N as u64);

        let file = File::open(dir.0.join("mentions.parquet")).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let groups = builder.metadata().row_groups();
        assert!(groups.len() > 1, "{} row group(s)", groups.len());
        assert!(groups
            .iter()
            .all(|g| g.num_rows() as usize <= ROW_GROUP_ROWS));
        assert_eq!(
            groups.iter().map(|g| g.num_rows() as u64).sum::<u64>(),
            total
        );
        assert_zstd(builder.metadata());
        // Rows come back in the order they were written.
        let mut next = 0.0;
        for batch in builder.build().unwrap() {
            let batch = batch.unwrap();
            for value in values::<Float64Type>(&batch, col::VALUE) {
                assert_eq!(value, Some(next));
                next += 1.0;
            }
        }
        assert_eq!(next as u64, total);
    }
}
