//! Column chunks made of self-contained pages, so that a rerun can copy pages verbatim.
//!
//! Every data page holds the rows of one *unit* of a table (a run of consecutive reports, see
//! [`super::UnitRule`]): PLAIN-encoded, with no dictionary (a dictionary page belongs to a whole
//! column chunk, so a page that points into it could not move to another chunk), compressed with
//! zstd on its own, and with a header that says nothing about where it lies. A page's bytes are
//! thus a function of its rows alone. A column chunk is the concatenation of its pages; its
//! metadata (sizes, statistics, column index, offset index) is derived from per-page figures
//! ([`PageInfo`]), never from a pass over the values, and those figures are recovered exactly
//! from a written file ([`page_info`]). So a chunk assembled from pages copied out of an
//! earlier file is byte for byte the chunk whose pages were all encoded now.
//!
//! The file around the chunks (schema, row groups, footer, page indexes) is written by the
//! parquet crate's `SerializedFileWriter`; this module only encodes pages, decodes its own
//! pages back into Arrow arrays, and builds the `ColumnCloseResult` of an assembled chunk.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder,
    StringBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int16Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef};
use arrow_schema::DataType;
use bytes::Bytes;
use parquet::basic::{BoundaryOrder, Compression, Encoding, EncodingMask, PageType, ZstdLevel};
use parquet::column::writer::ColumnCloseResult;
use parquet::data_type::ByteArray;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, ColumnIndexBuilder, PageEncodingStats};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::statistics::{Statistics, ValueStatistics};
use parquet::schema::types::ColumnDescPtr;

/// Longest min/max kept for a string in the column index and the chunk statistics, in bytes
/// (the parquet crate's default for both). Longer values are cut at a character boundary: the
/// minimum to a prefix, the maximum to a prefix with its last character incremented.
pub const TRUNCATE: usize = 64;

/// A stored string bound of at most this many bytes was not cut (a cut one keeps at least
/// `TRUNCATE - 3` bytes), so it is exact; a longer one is reported as a bound only.
const SURELY_EXACT: usize = TRUNCATE - 4;

/// How a leaf column's values are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    /// INT32, also for Arrow Int16 and Date32.
    I32,
    I64,
    F64,
    /// BYTE_ARRAY holding UTF-8.
    Bytes,
}

impl Kind {
    /// The kind of an Arrow column, for the types fazhi writes.
    pub fn of(data_type: &DataType) -> Option<Kind> {
        Some(match data_type {
            DataType::Boolean => Kind::Bool,
            DataType::Int16 | DataType::Int32 | DataType::Date32 => Kind::I32,
            DataType::Int64 => Kind::I64,
            DataType::Float64 => Kind::F64,
            DataType::Utf8 => Kind::Bytes,
            _ => return None,
        })
    }

    /// Orders two PLAIN-encoded values the way Parquet statistics order them.
    fn cmp(self, a: &[u8], b: &[u8]) -> std::cmp::Ordering {
        match self {
            Kind::Bool | Kind::Bytes => a.cmp(b),
            Kind::I32 => le_i32(a).cmp(&le_i32(b)),
            Kind::I64 => le_i64(a).cmp(&le_i64(b)),
            Kind::F64 => le_f64(a).total_cmp(&le_f64(b)),
        }
    }
}

fn le_i32(b: &[u8]) -> i32 {
    i32::from_le_bytes(b.get(..4).and_then(|s| s.try_into().ok()).unwrap_or([0; 4]))
}

fn le_i64(b: &[u8]) -> i64 {
    i64::from_le_bytes(b.get(..8).and_then(|s| s.try_into().ok()).unwrap_or([0; 8]))
}

fn le_f64(b: &[u8]) -> f64 {
    f64::from_le_bytes(b.get(..8).and_then(|s| s.try_into().ok()).unwrap_or([0; 8]))
}

/// A PLAIN-encoded minimum and maximum.
pub type Bounds = (Vec<u8>, Vec<u8>);

/// What a chunk needs to know about one of its pages besides its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct PageInfo {
    /// Rows (= values, nulls included: the columns are flat).
    pub rows: usize,
    /// Header plus uncompressed body, in bytes.
    pub uncompressed: usize,
    pub nulls: i64,
    /// NaN values (float columns only).
    pub nans: i64,
    /// PLAIN-encoded minimum and maximum (strings cut, see [`TRUNCATE`]); `None` for a page of
    /// nulls only.
    pub min_max: Option<Bounds>,
}

/// Encodes pages; holds a zstd context and buffers for reuse.
pub struct Encoder {
    zstd: zstd::bulk::Compressor<'static>,
    body: Vec<u8>,
    packed: Vec<u8>,
}

impl Encoder {
    pub fn new(level: i32) -> Result<Encoder> {
        Ok(Encoder {
            zstd: zstd::bulk::Compressor::new(level).map_err(io_err)?,
            body: Vec::new(),
            packed: Vec::new(),
        })
    }

    /// Encodes `array` (a column of one unit, at least one row) as one page at the end of
    /// `chunk`. `nullable`: the column has definition levels.
    pub fn encode(
        &mut self,
        array: &dyn Array,
        nullable: bool,
        chunk: &mut ChunkBuilder,
    ) -> Result<()> {
        self.body.clear();
        let nulls = array.null_count() as i64;
        if nullable {
            write_def_levels(array, &mut self.body);
        } else if nulls > 0 {
            return Err(ParquetError::General(
                "a null in a column declared non-null".into(),
            ));
        }
        let (nans, min_max) = write_values(array, chunk.kind, &mut self.body)?;
        self.packed.clear();
        self.packed
            .reserve(zstd::zstd_safe::compress_bound(self.body.len()));
        self.zstd
            .compress_to_buffer(&self.body, &mut self.packed)
            .map_err(io_err)?;
        let header = page_header(self.body.len(), self.packed.len(), array.len())?;
        let info = PageInfo {
            rows: array.len(),
            uncompressed: header.len() + self.body.len(),
            nulls,
            nans,
            min_max,
        };
        chunk.push_parts(&[&header, &self.packed], info);
        Ok(())
    }
}

fn io_err(e: std::io::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

/// Definition levels of a flat optional column (bit width 1) in the RLE/bit-packed hybrid
/// encoding, as runs only, after their 4-byte length.
fn write_def_levels(array: &dyn Array, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let mut run: Option<(bool, u64)> = None;
    fn flush(out: &mut Vec<u8>, (valid, n): (bool, u64)) {
        put_varint(out, n << 1);
        out.push(u8::from(valid));
    }
    for i in 0..array.len() {
        let valid = array.is_valid(i);
        run = match run {
            Some((v, n)) if v == valid => Some((v, n + 1)),
            Some(done) => {
                flush(out, done);
                Some((valid, 1))
            }
            None => Some((valid, 1)),
        };
    }
    if let Some(done) = run {
        flush(out, done);
    }
    let len = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&len.to_le_bytes());
}

/// The PLAIN values of the non-null entries, and the page's NaN count and min/max.
fn write_values(array: &dyn Array, kind: Kind, out: &mut Vec<u8>) -> Result<(i64, Option<Bounds>)> {
    let unexpected =
        || ParquetError::General(format!("cannot store {} as {kind:?}", array.data_type()));
    let mut nans = 0;
    let min_max = match (kind, array.data_type()) {
        (Kind::Bool, DataType::Boolean) => {
            let a = array.as_boolean();
            let (mut byte, mut bit) = (0u8, 0);
            let (mut lo, mut hi) = (None::<bool>, None::<bool>);
            for v in a.iter().flatten() {
                byte |= u8::from(v) << bit;
                bit += 1;
                if bit == 8 {
                    out.push(byte);
                    (byte, bit) = (0, 0);
                }
                lo = Some(lo.map_or(v, |l| l && v));
                hi = Some(hi.map_or(v, |h| h || v));
            }
            if bit > 0 {
                out.push(byte);
            }
            lo.zip(hi)
                .map(|(l, h)| (vec![u8::from(l)], vec![u8::from(h)]))
        }
        (Kind::I32, DataType::Int16) => i32_values(
            array
                .as_primitive::<Int16Type>()
                .iter()
                .flatten()
                .map(i32::from),
            out,
        ),
        (Kind::I32, DataType::Int32) => {
            i32_values(array.as_primitive::<Int32Type>().iter().flatten(), out)
        }
        (Kind::I32, DataType::Date32) => {
            i32_values(array.as_primitive::<Date32Type>().iter().flatten(), out)
        }
        (Kind::I64, DataType::Int64) => {
            let mut range = None::<(i64, i64)>;
            for v in array.as_primitive::<Int64Type>().iter().flatten() {
                out.extend_from_slice(&v.to_le_bytes());
                range = Some(range.map_or((v, v), |(l, h)| (l.min(v), h.max(v))));
            }
            range.map(|(l, h)| (l.to_le_bytes().to_vec(), h.to_le_bytes().to_vec()))
        }
        (Kind::F64, DataType::Float64) => {
            let (mut range, mut any) = (None::<(f64, f64)>, false);
            for v in array.as_primitive::<Float64Type>().iter().flatten() {
                out.extend_from_slice(&v.to_le_bytes());
                any = true;
                if v.is_nan() {
                    nans += 1;
                    continue;
                }
                range = Some(range.map_or((v, v), |(l, h)| (l.min(v), h.max(v))));
            }
            // As the Parquet spec asks: a zero minimum is -0.0, a zero maximum +0.0. A page
            // of NaNs only keeps NaN as its bounds.
            let range = range.map(|(l, h)| {
                (
                    if l == 0.0 { -0.0 } else { l },
                    if h == 0.0 { 0.0 } else { h },
                )
            });
            match (range, any) {
                (Some((l, h)), _) => Some((l.to_le_bytes().to_vec(), h.to_le_bytes().to_vec())),
                (None, true) => Some((
                    f64::NAN.to_le_bytes().to_vec(),
                    f64::NAN.to_le_bytes().to_vec(),
                )),
                (None, false) => None,
            }
        }
        (Kind::Bytes, DataType::Utf8) => {
            let mut range = None::<(&str, &str)>;
            for v in array.as_string::<i32>().iter().flatten() {
                out.extend_from_slice(&(v.len() as u32).to_le_bytes());
                out.extend_from_slice(v.as_bytes());
                range = Some(range.map_or((v, v), |(l, h)| (l.min(v), h.max(v))));
            }
            range.map(|(l, h)| (cut_min(l), cut_max(h)))
        }
        _ => return Err(unexpected()),
    };
    Ok((nans, min_max))
}

fn i32_values(values: impl Iterator<Item = i32>, out: &mut Vec<u8>) -> Option<Bounds> {
    let mut range = None::<(i32, i32)>;
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
        range = Some(range.map_or((v, v), |(l, h)| (l.min(v), h.max(v))));
    }
    range.map(|(l, h)| (l.to_le_bytes().to_vec(), h.to_le_bytes().to_vec()))
}

/// A lower bound of `s` of at most [`TRUNCATE`] bytes: `s` itself or a prefix.
fn cut_min(s: &str) -> Vec<u8> {
    if s.len() <= TRUNCATE {
        return s.as_bytes().to_vec();
    }
    s.as_bytes()[..floor_char_boundary(s, TRUNCATE)].to_vec()
}

/// An upper bound of `s` of at most a few bytes more than [`TRUNCATE`]: `s` itself, or a prefix
/// whose last character is incremented (kept whole when no short bound exists).
fn cut_max(s: &str) -> Vec<u8> {
    if s.len() <= TRUNCATE {
        return s.as_bytes().to_vec();
    }
    let mut prefix: Vec<char> = s[..floor_char_boundary(s, TRUNCATE)].chars().collect();
    while let Some(last) = prefix.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            prefix.push(next);
            let bound: String = prefix.into_iter().collect();
            if bound.len() > SURELY_EXACT {
                return bound.into_bytes();
            }
            break;
        }
    }
    s.as_bytes().to_vec()
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    (0..=at.min(s.len()))
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i32) -> u64 {
    u64::from(((v << 1) ^ (v >> 31)) as u32)
}

fn to_i32(n: usize, what: &str) -> Result<i32> {
    i32::try_from(n).map_err(|_| ParquetError::General(format!("{what} of {n} is too large")))
}

/// Thrift (compact protocol) `PageHeader` of a V1 data page: PLAIN values, RLE levels, no CRC,
/// no statistics.
fn page_header(uncompressed: usize, compressed: usize, values: usize) -> Result<Vec<u8>> {
    let mut h = Vec::with_capacity(24);
    let i32_field = |h: &mut Vec<u8>, v: i32| {
        h.push(0x15); // field id delta 1, type i32
        put_varint(h, zigzag(v));
    };
    i32_field(&mut h, 0); // 1: type = DATA_PAGE
    i32_field(&mut h, to_i32(uncompressed, "a page")?); // 2: uncompressed_page_size
    i32_field(&mut h, to_i32(compressed, "a page")?); // 3: compressed_page_size
    h.push(0x2c); // 5: data_page_header (delta 2, struct)
    i32_field(&mut h, to_i32(values, "a page's row count")?); // 1: num_values
    i32_field(&mut h, 0); // 2: encoding = PLAIN
    i32_field(&mut h, 3); // 3: definition_level_encoding = RLE
    i32_field(&mut h, 3); // 4: repetition_level_encoding = RLE
    h.push(0); // end of data_page_header
    h.push(0); // end of PageHeader
    Ok(h)
}

/// A page header as [`page_header`] writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Bytes of the header itself.
    pub len: usize,
    pub uncompressed: usize,
    pub compressed: usize,
    pub values: usize,
}

/// Reads the header at the start of `page` (one of ours: fields 1, 2, 3 and 5 of a V1 data
/// page, each an i32 or the nested struct).
pub fn parse_header(page: &[u8]) -> Result<Header> {
    let bad = || ParquetError::General("not a page header fazhi wrote".into());
    let mut pos = 0;
    let varint = |pos: &mut usize| -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *page.get(*pos).ok_or_else(bad)?;
            *pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(bad())
    };
    let mut fields = [0i64; 4]; // type, uncompressed, compressed, num_values
    let (mut id, mut depth, mut nested_id) = (0u8, 0, 0u8);
    loop {
        let b = *page.get(pos).ok_or_else(bad)?;
        pos += 1;
        if b == 0 {
            if depth == 0 {
                break;
            }
            depth -= 1;
            continue;
        }
        let (delta, kind) = (b >> 4, b & 0x0f);
        if delta == 0 {
            return Err(bad());
        }
        let field = if depth == 0 {
            id += delta;
            id
        } else {
            nested_id += delta;
            10 + nested_id
        };
        match kind {
            0x05 => {
                let raw = varint(&mut pos)?;
                let v = ((raw >> 1) as i64) ^ -((raw & 1) as i64);
                match field {
                    1 => fields[0] = v,
                    2 => fields[1] = v,
                    3 => fields[2] = v,
                    11 => fields[3] = v,
                    _ => {}
                }
            }
            0x0c if depth == 0 && field == 5 => {
                depth += 1;
                nested_id = 0;
            }
            _ => return Err(bad()),
        }
    }
    let size = |v: i64| usize::try_from(v).map_err(|_| bad());
    if fields[0] != 0 {
        return Err(bad());
    }
    Ok(Header {
        len: pos,
        uncompressed: size(fields[1])?,
        compressed: size(fields[2])?,
        values: size(fields[3])?,
    })
}

/// The figures of a written page: its header, and the statistics the column index holds for it.
pub fn page_info(
    page: &[u8],
    index: Option<&ColumnIndexMetaData>,
    page_no: usize,
) -> Result<PageInfo> {
    let header = parse_header(page)?;
    let missing = || ParquetError::General("a column chunk without its column index".into());
    let index = index.ok_or_else(missing)?;
    let nulls = index.null_count(page_no).ok_or_else(missing)?;
    let nans = index.nan_count(page_no).unwrap_or(0);
    let min_max = if index.is_null_page(page_no) {
        None
    } else {
        let pair = match index {
            ColumnIndexMetaData::BOOLEAN(i) => i
                .min_value(page_no)
                .zip(i.max_value(page_no))
                .map(|(l, h)| (vec![u8::from(*l)], vec![u8::from(*h)])),
            ColumnIndexMetaData::INT32(i) => i
                .min_value(page_no)
                .zip(i.max_value(page_no))
                .map(|(l, h)| (l.to_le_bytes().to_vec(), h.to_le_bytes().to_vec())),
            ColumnIndexMetaData::INT64(i) => i
                .min_value(page_no)
                .zip(i.max_value(page_no))
                .map(|(l, h)| (l.to_le_bytes().to_vec(), h.to_le_bytes().to_vec())),
            ColumnIndexMetaData::DOUBLE(i) => i
                .min_value(page_no)
                .zip(i.max_value(page_no))
                .map(|(l, h)| (l.to_le_bytes().to_vec(), h.to_le_bytes().to_vec())),
            ColumnIndexMetaData::BYTE_ARRAY(i) => i
                .min_value(page_no)
                .zip(i.max_value(page_no))
                .map(|(l, h)| (l.to_vec(), h.to_vec())),
            _ => None,
        };
        Some(pair.ok_or_else(missing)?)
    };
    Ok(PageInfo {
        rows: header.values,
        uncompressed: header.len + header.uncompressed,
        nulls,
        nans,
        min_max,
    })
}

/// The pages of one column chunk being assembled.
pub struct ChunkBuilder {
    kind: Kind,
    bytes: Vec<u8>,
    locations: Vec<PageLocation>,
    pages: Vec<PageInfo>,
    rows: i64,
    uncompressed: i64,
}

impl ChunkBuilder {
    pub fn new(kind: Kind) -> ChunkBuilder {
        ChunkBuilder {
            kind,
            bytes: Vec::new(),
            locations: Vec::new(),
            pages: Vec::new(),
            rows: 0,
            uncompressed: 0,
        }
    }

    /// Bytes so far.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// Appends a page (header and compressed body), encoded now or copied from a file.
    pub fn push(&mut self, page: &[u8], info: PageInfo) {
        self.push_parts(&[page], info);
    }

    fn push_parts(&mut self, parts: &[&[u8]], info: PageInfo) {
        let size: usize = parts.iter().map(|p| p.len()).sum();
        self.locations.push(PageLocation {
            offset: self.bytes.len() as i64,
            compressed_page_size: size as i32,
            first_row_index: self.rows,
        });
        for p in parts {
            self.bytes.extend_from_slice(p);
        }
        self.rows += info.rows as i64;
        self.uncompressed += info.uncompressed as i64;
        self.pages.push(info);
    }

    /// The chunk's bytes and what the row group writer needs to splice them in.
    pub fn finish(
        self,
        descr: ColumnDescPtr,
        level: ZstdLevel,
    ) -> Result<(Bytes, ColumnCloseResult)> {
        let kind = self.kind;
        let nulls: i64 = self.pages.iter().map(|p| p.nulls).sum();

        // Column index: one entry per page.
        let mut index = ColumnIndexBuilder::new(descr.physical_type());
        let (mut ascending, mut descending) = (true, true);
        let mut previous: Option<&Bounds> = None;
        for page in &self.pages {
            let nans = (kind == Kind::F64).then_some(page.nans);
            match &page.min_max {
                Some(pair) => {
                    index.append(false, pair.0.clone(), pair.1.clone(), page.nulls, nans);
                    if let Some(prev) = previous {
                        let (lo, hi) = (kind.cmp(&prev.0, &pair.0), kind.cmp(&prev.1, &pair.1));
                        ascending &= lo.is_le() && hi.is_le();
                        descending &= lo.is_ge() && hi.is_ge();
                    }
                    previous = Some(pair);
                }
                None => index.append(true, Vec::new(), Vec::new(), page.nulls, nans),
            }
        }
        index.set_boundary_order(match (ascending, descending) {
            (true, _) => BoundaryOrder::ASCENDING,
            (false, true) => BoundaryOrder::DESCENDING,
            (false, false) => BoundaryOrder::UNORDERED,
        });
        let column_index = index.build()?;

        // Chunk statistics: the extremes of the pages' bounds (NaN bounds only if all are).
        let bounds = |pick: fn(&Bounds) -> &Vec<u8>, want_max: bool| {
            let mut best: Option<&Vec<u8>> = None;
            for pair in self.pages.iter().filter_map(|p| p.min_max.as_ref()) {
                let v = pick(pair);
                if kind == Kind::F64 && le_f64(v).is_nan() {
                    best = best.or(Some(v));
                    continue;
                }
                best = match best {
                    Some(b) if !(kind == Kind::F64 && le_f64(b).is_nan()) => {
                        let better = if want_max {
                            kind.cmp(v, b).is_gt()
                        } else {
                            kind.cmp(v, b).is_lt()
                        };
                        Some(if better { v } else { b })
                    }
                    _ => Some(v),
                };
            }
            best.cloned()
        };
        let min = bounds(|p| &p.0, false);
        let max = bounds(|p| &p.1, true);
        let nulls_u = Some(nulls as u64);
        let statistics = match kind {
            Kind::Bool => Statistics::boolean(
                min.map(|v| v[0] != 0),
                max.map(|v| v[0] != 0),
                None,
                nulls_u,
                false,
            ),
            Kind::I32 => Statistics::int32(
                min.map(|v| le_i32(&v)),
                max.map(|v| le_i32(&v)),
                None,
                nulls_u,
                false,
            ),
            Kind::I64 => Statistics::int64(
                min.map(|v| le_i64(&v)),
                max.map(|v| le_i64(&v)),
                None,
                nulls_u,
                false,
            ),
            Kind::F64 => Statistics::double(
                min.map(|v| le_f64(&v)),
                max.map(|v| le_f64(&v)),
                None,
                nulls_u,
                false,
            ),
            Kind::Bytes => {
                let exact =
                    |v: &Option<Vec<u8>>| v.as_ref().is_some_and(|v| v.len() <= SURELY_EXACT);
                let (min_exact, max_exact) = (exact(&min), exact(&max));
                Statistics::ByteArray(
                    ValueStatistics::new(
                        min.map(ByteArray::from),
                        max.map(ByteArray::from),
                        None,
                        nulls_u,
                        false,
                    )
                    .with_min_is_exact(min_exact)
                    .with_max_is_exact(max_exact),
                )
            }
        };

        let metadata = ColumnChunkMetaData::builder(Arc::clone(&descr))
            .set_compression(Compression::ZSTD(level))
            .set_encodings_mask(EncodingMask::new_from_encodings(
                [Encoding::PLAIN, Encoding::RLE].iter(),
            ))
            .set_num_values(self.rows)
            .set_total_compressed_size(self.bytes.len() as i64)
            .set_total_uncompressed_size(self.uncompressed)
            .set_data_page_offset(0)
            .set_statistics(statistics)
            .set_page_encoding_stats(vec![PageEncodingStats {
                page_type: PageType::DATA_PAGE,
                encoding: Encoding::PLAIN,
                count: self.pages.len() as i32,
            }])
            .build()?;
        let close = ColumnCloseResult {
            bytes_written: self.bytes.len() as u64,
            rows_written: self.rows as u64,
            metadata,
            bloom_filter: None,
            column_index: Some(column_index),
            offset_index: Some(OffsetIndexMetaData {
                page_locations: self.locations,
                unencoded_byte_array_data_bytes: None,
            }),
        };
        Ok((Bytes::from(self.bytes), close))
    }
}

/// Decodes pages written by [`Encoder`] back into Arrow arrays.
pub struct Decoder {
    zstd: zstd::bulk::Decompressor<'static>,
    body: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Result<Decoder> {
        Ok(Decoder {
            zstd: zstd::bulk::Decompressor::new().map_err(io_err)?,
            body: Vec::new(),
        })
    }

    /// The values of `page` as an array of `data_type`.
    pub fn decode(
        &mut self,
        page: &[u8],
        data_type: &DataType,
        nullable: bool,
    ) -> Result<ArrayRef> {
        let bad = |what: &str| ParquetError::General(format!("cannot decode a page: {what}"));
        let header = parse_header(page)?;
        let packed = page
            .get(header.len..header.len + header.compressed)
            .ok_or_else(|| bad("truncated"))?;
        self.body.clear();
        self.body.reserve(header.uncompressed);
        self.zstd
            .decompress_to_buffer(packed, &mut self.body)
            .map_err(io_err)?;
        let n = header.values;
        let body = &self.body[..];
        // Validity from the definition levels.
        let (valid, mut pos) = if nullable {
            let len = body
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or_else(|| bad("levels"))?;
            let levels = body.get(4..4 + len).ok_or_else(|| bad("levels"))?;
            (
                Some(read_def_levels(levels, n).ok_or_else(|| bad("levels"))?),
                4 + len,
            )
        } else {
            (None, 0)
        };
        let is_valid = |i: usize| valid.as_ref().is_none_or(|v| v[i]);
        let mut take = |k: usize| -> Result<&[u8]> {
            let s = body.get(pos..pos + k).ok_or_else(|| bad("values"))?;
            pos += k;
            Ok(s)
        };
        let array: ArrayRef = match data_type {
            DataType::Utf8 => {
                let mut b = StringBuilder::with_capacity(n, body.len());
                for i in 0..n {
                    if is_valid(i) {
                        let len = le_i32(take(4)?) as usize;
                        let s = std::str::from_utf8(take(len)?).map_err(|_| bad("UTF-8"))?;
                        b.append_value(s);
                    } else {
                        b.append_null();
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Boolean => {
                let mut b = BooleanBuilder::with_capacity(n);
                let mut k = 0usize;
                let bits = &body[pos.min(body.len())..];
                for i in 0..n {
                    if is_valid(i) {
                        let byte = *bits.get(k / 8).ok_or_else(|| bad("values"))?;
                        b.append_value(byte >> (k % 8) & 1 == 1);
                        k += 1;
                    } else {
                        b.append_null();
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Int16 => {
                let mut b = Int16Builder::with_capacity(n);
                for i in 0..n {
                    if is_valid(i) {
                        b.append_value(le_i32(take(4)?) as i16);
                    } else {
                        b.append_null();
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Int32 => {
                let mut b = Int32Builder::with_capacity(n);
                for i in 0..n {
                    if is_valid(i) {
                        b.append_value(le_i32(take(4)?));
                    } else {
                        b.append_null();
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Date32 => {
                let mut b = Date32Builder::with_capacity(n);
                for i in 0..n {
                    if is_valid(i) {
                        b.append_value(le_i32(take(4)?));
                    } else {
                        b.append_null();
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Int64 => {
                let mut b = Int64Builder::with_capacity(n);
                for i in 0..n {
                    if is_valid(i) {
                        b.append_value(le_i64(take(8)?));
                    } else {
                        b.append_null();
                    }
                }
                Arc::new(b.finish())
            }
            DataType::Float64 => {
                let mut b = Float64Builder::with_capacity(n);
                for i in 0..n {
                    if is_valid(i) {
                        b.append_value(le_f64(take(8)?));
                    } else {
                        b.append_null();
                    }
                }
                Arc::new(b.finish())
            }
            other => return Err(bad(&format!("type {other}"))),
        };
        Ok(array)
    }
}

/// `n` definition levels (bit width 1) from the RLE/bit-packed hybrid encoding.
fn read_def_levels(mut data: &[u8], n: usize) -> Option<Vec<bool>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mut header = 0u64;
        let mut shift = 0;
        loop {
            let (&b, rest) = data.split_first()?;
            data = rest;
            header |= u64::from(b & 0x7f) << shift;
            shift += 7;
            if b < 0x80 {
                break;
            }
            if shift > 63 {
                return None;
            }
        }
        if header & 1 == 0 {
            let count = (header >> 1) as usize;
            let (&v, rest) = data.split_first()?;
            data = rest;
            out.extend(std::iter::repeat_n(v & 1 == 1, count.min(n - out.len())));
        } else {
            let groups = (header >> 1) as usize;
            let bytes = data.get(..groups)?;
            data = &data[groups..];
            for byte in bytes {
                for bit in 0..8 {
                    if out.len() < n {
                        out.push(byte >> bit & 1 == 1);
                    }
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{BooleanArray, Float64Array, Int16Array, StringArray};

    fn round_trip(array: ArrayRef, nullable: bool) {
        let kind = Kind::of(array.data_type()).unwrap();
        let mut chunk = ChunkBuilder::new(kind);
        Encoder::new(3)
            .unwrap()
            .encode(array.as_ref(), nullable, &mut chunk)
            .unwrap();
        let page = chunk.bytes.clone();
        let header = parse_header(&page).unwrap();
        assert_eq!(header.values, array.len());
        assert_eq!(header.len + header.compressed, page.len());
        let back = Decoder::new()
            .unwrap()
            .decode(&page, array.data_type(), nullable)
            .unwrap();
        assert_eq!(&back, &array);
        assert_eq!(chunk.pages[0].rows, array.len());
        assert_eq!(chunk.pages[0].nulls, array.null_count() as i64);
    }

    #[test]
    fn pages_decode_to_the_arrays_they_were_encoded_from() {
        round_trip(
            Arc::new(StringArray::from(vec![
                Some("登云镇"),
                None,
                Some(""),
                Some("a"),
            ])),
            true,
        );
        round_trip(Arc::new(StringArray::from(vec!["x"; 300])), false);
        round_trip(
            Arc::new(Int16Array::from(vec![Some(2023), None, None, Some(-1)])),
            true,
        );
        round_trip(
            Arc::new(Float64Array::from(vec![None, Some(1.5), Some(-0.0), None])),
            true,
        );
        round_trip(
            Arc::new(BooleanArray::from(
                (0..19)
                    .map(|i| (i % 3 != 0).then_some(i % 2 == 0))
                    .collect::<Vec<_>>(),
            )),
            true,
        );
    }

    #[test]
    fn long_strings_get_short_bounds_that_still_bound_them() {
        let long = "法".repeat(40); // 120 bytes
        let min = cut_min(&long);
        let max = cut_max(&long);
        assert!(min.len() <= TRUNCATE && min.len() > SURELY_EXACT);
        assert!(min.as_slice() <= long.as_bytes());
        assert!(max.as_slice() > long.as_bytes());
        assert!(std::str::from_utf8(&max).is_ok());
        assert_eq!(cut_max("short"), b"short");
    }

    #[test]
    fn headers_read_back_what_was_written() {
        let h = page_header(70_000, 300, 12_345).unwrap();
        assert_eq!(
            parse_header(&h).unwrap(),
            Header {
                len: h.len(),
                uncompressed: 70_000,
                compressed: 300,
                values: 12_345
            }
        );
    }
}
