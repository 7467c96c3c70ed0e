//! The table writer. In: [`ReportRecord`]s, one call per report, in the order the rows should
//! appear. Out: three zstd-compressed Parquet files in the output folder, with the columns of
//! OUTPUT.md declared by the schemas below:
//!
//! - `reports.parquet`: one row per record, failures included;
//! - `mentions.parquet`: one row per [`MentionRecord`], with the report's year and place copied in;
//! - `indicators.parquet`: one row per [`IndicatorRecord`], likewise;
//! - `indicators_wide.parquet`: one row per record, one float64 column per catalogue indicator
//!   (the value of its first mention, null where the report has none), beside the report's
//!   place, code and year: the shape to join with yearbook data.
//!
//! Rows are buffered in Arrow builders and handed to the Parquet writer as record batches of
//! [`BATCH_ROWS`] rows; a row group holds at most [`ROW_GROUP_ROWS`] rows (and is cut earlier
//! past about [`ROW_GROUP_BYTES`]), so memory stays bounded whatever the corpus size. The files
//! are written as hidden `.<table>.parquet.tmp` files and renamed into place by
//! [`DatasetWriter::finish`]; a writer dropped unfinished removes them. Nothing time- or
//! run-dependent goes into a file: the same rows in the same order give byte-identical files.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder,
    StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::properties::{WriterProperties, WriterVersion};

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

/// Rows buffered per table before they are handed to the Parquet writer as one record batch.
pub const BATCH_ROWS: usize = 8192;
/// Most rows in one row group.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;
/// A row group is closed once its estimated encoded size passes this, whatever its row count
/// (a cap for corpora of very long sentences).
pub const ROW_GROUP_BYTES: usize = 64 * 1024 * 1024;
/// zstd level: 3 is zstd's own default, a good size/speed balance for text.
const ZSTD_LEVEL: i32 = 3;

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

/// Streams reports into the three tables; see the module doc.
pub struct DatasetWriter {
    reports: Table<ReportColumns>,
    mentions: Table<MentionColumns>,
    indicators: Table<IndicatorColumns>,
    wide: Table<WideColumns>,
}

impl DatasetWriter {
    /// Creates `dir` if needed and opens `dir/<table>.parquet` for every table, as hidden temp
    /// files in `dir` that [`finish`](Self::finish) renames into place. `indicator_ids` are the
    /// catalogue's ids, in catalogue order: the columns of `indicators_wide`.
    pub fn create(dir: &Path, indicator_ids: &[String]) -> Result<DatasetWriter, WriteError> {
        let paths = table_names().map(|t| dir.join(format!("{t}.parquet")));
        DatasetWriter::create_files(paths, indicator_ids, false)
    }

    /// Opens one file per table at `paths` (in [`table_names`] order), creating their folders.
    /// `wide_year`: write `year` as int32 (see [`widen_year`]).
    pub fn create_files(
        paths: [PathBuf; 4],
        indicator_ids: &[String],
        wide_year: bool,
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
        let [reports, mentions, indicators, wide] = paths;
        Ok(DatasetWriter {
            reports: Table::create(reports, widen(reports_schema()), ReportColumns::default())?,
            mentions: Table::create(
                mentions,
                widen(mentions_schema()),
                MentionColumns::default(),
            )?,
            indicators: Table::create(
                indicators,
                widen(indicators_schema()),
                IndicatorColumns::default(),
            )?,
            wide: Table::create(
                wide,
                widen(indicators_wide_schema(indicator_ids)),
                WideColumns::new(indicator_ids),
            )?,
        })
    }

    /// Appends rows copied from an earlier run's file of the same table (same schema), after
    /// the rows written so far.
    pub fn append_rows(&mut self, table: TableKind, batch: RecordBatch) -> Result<(), WriteError> {
        match table {
            TableKind::Reports => self.reports.append_batch(batch),
            TableKind::Mentions => self.mentions.append_batch(batch),
            TableKind::Indicators => self.indicators.append_batch(batch),
            TableKind::Wide => self.wide.append_batch(batch),
        }
    }

    /// Appends one report's rows to the three tables. After an error the files are unusable:
    /// drop the writer (which removes them).
    pub fn write(&mut self, report: &ReportRecord) -> Result<(), WriteError> {
        let n_mentions = self.count(report, report.mentions.len(), col::N_MENTIONS)?;
        let n_indicators = self.count(report, report.indicators.len(), col::N_INDICATORS)?;
        self.reports
            .columns
            .append(report, n_mentions, n_indicators);
        self.reports.row_added()?;
        for mention in &report.mentions {
            self.mentions.columns.append(report, mention);
            self.mentions.row_added()?;
        }
        for indicator in &report.indicators {
            self.indicators.columns.append(report, indicator);
            self.indicators.row_added()?;
        }
        self.wide.columns.append(report);
        self.wide.row_added()?;
        Ok(())
    }

    /// Writes the buffered rows and the file footers, then renames the files into place.
    pub fn finish(self) -> Result<TableCounts, WriteError> {
        let counts = TableCounts {
            reports: self.reports.rows,
            mentions: self.mentions.rows,
            indicators: self.indicators.rows,
        };
        // Close all tables before renaming any, so a failure leaves no new table in place.
        let closed = [
            self.reports.close()?,
            self.mentions.close()?,
            self.indicators.close()?,
            self.wide.close()?,
        ];
        for file in closed {
            file.rename()?;
        }
        Ok(counts)
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
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .build())
}

/// The columns of one table being filled.
trait Columns {
    /// Takes the rows appended so far as arrays in schema order, leaving the builders empty.
    fn finish(&mut self) -> Vec<ArrayRef>;
}

/// One table: its builders and the Parquet file they are flushed to.
struct Table<C: Columns> {
    columns: C,
    /// Rows in `columns`, not yet handed to `writer`.
    pending: usize,
    /// Batches waiting to be handed to `writer` in batches of exactly [`BATCH_ROWS`] rows, so
    /// that the file bytes do not depend on where rows came from.
    queued: Vec<RecordBatch>,
    queued_rows: usize,
    /// Rows appended in all.
    rows: u64,
    schema: SchemaRef,
    /// `None` once closed. (The Parquet writer buffers its output itself.)
    writer: Option<ArrowWriter<File>>,
    temp_path: PathBuf,
    final_path: PathBuf,
}

impl<C: Columns> Table<C> {
    fn create(final_path: PathBuf, schema: Schema, columns: C) -> Result<Table<C>, WriteError> {
        let name = final_path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let temp_path = final_path.with_file_name(format!(".{name}.tmp"));
        let file = File::create(&temp_path).map_err(|source| WriteError::Create {
            path: temp_path.clone(),
            source,
        })?;
        let schema = Arc::new(schema);
        let writer = writer_properties()
            .and_then(|props| ArrowWriter::try_new(file, Arc::clone(&schema), Some(props)))
            .map_err(|source| {
                // Best effort: an unusable temp file is not worth a second error.
                let _ = fs::remove_file(&temp_path);
                WriteError::Parquet {
                    path: temp_path.clone(),
                    source,
                }
            })?;
        Ok(Table {
            columns,
            pending: 0,
            queued: Vec::new(),
            queued_rows: 0,
            rows: 0,
            schema,
            writer: Some(writer),
            temp_path,
            final_path,
        })
    }

    fn row_added(&mut self) -> Result<(), WriteError> {
        self.pending += 1;
        self.rows += 1;
        if self.pending >= BATCH_ROWS {
            self.flush_builders()?;
        }
        Ok(())
    }

    /// Moves the buffered rows to the queue as one record batch.
    fn flush_builders(&mut self) -> Result<(), WriteError> {
        if self.pending == 0 {
            return Ok(());
        }
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
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays).map_err(|source| {
            WriteError::Batch {
                path: self.final_path.clone(),
                source,
            }
        })?;
        self.pending = 0;
        self.queue(batch, false)
    }

    /// Flushes the builders, then queues `batch` (rows of an earlier file of this table).
    fn append_batch(&mut self, batch: RecordBatch) -> Result<(), WriteError> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.flush_builders()?;
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), batch.columns().to_vec())
            .map_err(|source| WriteError::Batch {
                path: self.final_path.clone(),
                source,
            })?;
        self.rows += batch.num_rows() as u64;
        self.queue(batch, false)
    }

    /// Queues a batch and hands the Parquet writer every full [`BATCH_ROWS`] (all if `all`).
    fn queue(&mut self, batch: RecordBatch, all: bool) -> Result<(), WriteError> {
        if batch.num_rows() > 0 {
            self.queued_rows += batch.num_rows();
            self.queued.push(batch);
        }
        while self.queued_rows >= BATCH_ROWS || (all && self.queued_rows > 0) {
            let joined = if self.queued.len() == 1 {
                self.queued
                    .pop()
                    .unwrap_or_else(|| RecordBatch::new_empty(Arc::clone(&self.schema)))
            } else {
                let batches = std::mem::take(&mut self.queued);
                arrow_select::concat::concat_batches(&self.schema, &batches).map_err(|source| {
                    WriteError::Batch {
                        path: self.final_path.clone(),
                        source,
                    }
                })?
            };
            let take = joined.num_rows().min(BATCH_ROWS);
            let head = joined.slice(0, take);
            let rest = joined.slice(take, joined.num_rows() - take);
            self.queued_rows = rest.num_rows();
            self.queued.clear();
            if rest.num_rows() > 0 {
                self.queued.push(rest);
            }
            let Some(writer) = self.writer.as_mut() else {
                return Ok(());
            };
            writer.write(&head).map_err(|source| WriteError::Parquet {
                path: self.temp_path.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Writes the remaining rows and the footer and syncs the temp file to disk.
    fn close(mut self) -> Result<ClosedFile, WriteError> {
        self.flush_builders()?;
        let empty = RecordBatch::new_empty(Arc::clone(&self.schema));
        self.queue(empty, true)?;
        let closed = ClosedFile {
            temp_path: self.temp_path.clone(),
            final_path: self.final_path.clone(),
            renamed: false,
        };
        let Some(writer) = self.writer.take() else {
            return Ok(closed);
        };
        let file = writer.into_inner().map_err(|source| WriteError::Parquet {
            path: self.temp_path.clone(),
            source,
        })?;
        file.sync_all().map_err(|source| WriteError::Flush {
            path: self.temp_path.clone(),
            source,
        })?;
        Ok(closed)
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
                    .find(|i| &i.indicator == id)
                    .map(|i| i.value),
            );
        }
    }
}

impl Columns for WideColumns {
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
    use arrow_array::ArrowPrimitiveType;
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
            raw: raw.to_string(),
            value,
            unit: unit.to_string(),
            qualifier,
            indicator: indicator.map(str::to_string),
            category: category.map(str::to_string),
            section: "一、主要举措和成效 > （三）化解矛盾纠纷".to_string(),
            sentence: format!("全年{raw}。"),
            char_start: span.0,
            char_end: span.1,
            rule: if indicator.is_some() {
                "keyword"
            } else {
                "no_keyword"
            }
            .to_string(),
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
            meta: ReportMeta {
                title: Some("登云镇2023年法治政府建设年度报告".to_string()),
                province: Some("广东省".to_string()),
                city: Some("河源市".to_string()),
                county: Some("龙川县".to_string()),
                township: Some("登云镇".to_string()),
                admin_code: Some("441622104".to_string()),
                year: Some(2023),
                published: Date::new(2024, 1, 15),
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
                indicator: "disputes_resolved".to_string(),
                category: "disputes".to_string(),
                value: 131.0,
                unit: "件".to_string(),
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
                indicator: "fines".to_string(),
                category: "enforcement".to_string(),
                value: 25_000.0,
                unit: "元".to_string(),
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
        writer.finish().unwrap()
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
        let counts = DatasetWriter::create(&dir.0, &wide_ids())
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
        let counts = writer.finish().unwrap();
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
