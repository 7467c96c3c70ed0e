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
//! parquet crate's `SerializedFileWriter`; this module only encodes pages (from Arrow arrays and
//! from rows of its own earlier pages, [`Segment`]), opens its own pages to take rows from, and
//! builds the `ColumnCloseResult` of an assembled chunk.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int16Type, Int32Type, Int64Type};
use arrow_array::Array;
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

/// Rows for a new page: a slice of an Arrow array, or rows of a page of an earlier file.
pub enum Segment<'a> {
    Array(&'a dyn Array),
    Page {
        page: &'a OpenPage,
        rows: std::ops::Range<usize>,
    },
}

thread_local! {
    /// This thread's encoder and decoder (see [`with_encoder`]).
    static CODECS: std::cell::RefCell<(Option<Encoder>, Option<Decoder>)> =
        const { std::cell::RefCell::new((None, None)) };
}

/// Runs `f` with this thread's [`Encoder`] at `level`. One per thread rather than one per
/// column: a zstd context's tables stay in the cache while it compresses page after page, and
/// its output does not depend on what it compressed before.
pub fn with_encoder<R>(level: i32, f: impl FnOnce(&mut Encoder) -> Result<R>) -> Result<R> {
    CODECS.with(|codecs| {
        let mut codecs = codecs.borrow_mut();
        let encoder = match &mut codecs.0 {
            Some(e) if e.level == level => e,
            slot => slot.insert(Encoder::new(level)?),
        };
        f(encoder)
    })
}

/// Runs `f` with this thread's [`Decoder`].
pub fn with_decoder<R>(f: impl FnOnce(&mut Decoder) -> Result<R>) -> Result<R> {
    CODECS.with(|codecs| {
        let mut codecs = codecs.borrow_mut();
        let decoder = match &mut codecs.1 {
            Some(d) => d,
            slot => slot.insert(Decoder::new()?),
        };
        f(decoder)
    })
}

/// Encodes pages; holds a zstd context and buffers for reuse.
pub struct Encoder {
    level: i32,
    zstd: zstd::bulk::Compressor<'static>,
    levels: Vec<u8>,
    values: Vec<u8>,
    bits: Vec<bool>,
    body: Vec<u8>,
    packed: Vec<u8>,
}

impl Encoder {
    pub fn new(level: i32) -> Result<Encoder> {
        Ok(Encoder {
            level,
            zstd: zstd::bulk::Compressor::new(level).map_err(io_err)?,
            levels: Vec::new(),
            values: Vec::new(),
            bits: Vec::new(),
            body: Vec::new(),
            packed: Vec::new(),
        })
    }

    /// Encodes the rows of `segments`, in order, as one page at the end of `chunk`. Rows of
    /// earlier pages are copied as PLAIN bytes, not decoded.
    pub fn encode_segments(
        &mut self,
        segments: &[Segment<'_>],
        nullable: bool,
        chunk: &mut ChunkBuilder,
    ) -> Result<()> {
        let kind = chunk.kind;
        self.levels.clear();
        self.values.clear();
        self.bits.clear();
        let mut runs = Runs::default();
        let mut acc = Acc::default();
        let (mut rows, mut nulls) = (0usize, 0i64);
        for segment in segments {
            match segment {
                Segment::Array(array) => {
                    rows += array.len();
                    nulls += array.null_count() as i64;
                    if nullable {
                        match array.logical_nulls() {
                            Some(valid) => {
                                valid.iter().for_each(|v| runs.push(v, 1, &mut self.levels))
                            }
                            None => runs.push(true, array.len() as u64, &mut self.levels),
                        }
                    }
                    write_values(*array, kind, &mut self.values, &mut self.bits, &mut acc)?;
                }
                Segment::Page { page, rows: range } => {
                    rows += range.len();
                    if let Some(valid) = &page.valid {
                        let valid = &valid[range.clone()];
                        nulls += valid.iter().filter(|v| !**v).count() as i64;
                        if nullable {
                            valid
                                .iter()
                                .for_each(|&v| runs.push(v, 1, &mut self.levels));
                        }
                    } else if nullable {
                        runs.push(true, range.len() as u64, &mut self.levels);
                    }
                    page.copy_values(
                        range.clone(),
                        kind,
                        &mut self.values,
                        &mut self.bits,
                        &mut acc,
                    )?;
                }
            }
        }
        if nulls > 0 && !nullable {
            return Err(ParquetError::General(
                "a null in a column declared non-null".into(),
            ));
        }
        self.body.clear();
        if nullable {
            runs.flush(&mut self.levels);
            self.body
                .extend_from_slice(&(self.levels.len() as u32).to_le_bytes());
            self.body.extend_from_slice(&self.levels);
        }
        self.body.extend_from_slice(&self.values);
        append_bits(&mut self.body, &self.bits);
        self.packed.clear();
        self.packed
            .reserve(zstd::zstd_safe::compress_bound(self.body.len()));
        self.zstd
            .compress_to_buffer(&self.body, &mut self.packed)
            .map_err(io_err)?;
        let header = page_header(self.body.len(), self.packed.len(), rows)?;
        let info = PageInfo {
            rows,
            uncompressed: header.len() + self.body.len(),
            nulls,
            nans: acc.nans,
            min_max: acc.bounds(),
        };
        chunk.push_parts(&[&header, &self.packed], info);
        Ok(())
    }
}

fn io_err(e: std::io::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

/// Definition levels of a flat optional column (bit width 1) in the RLE/bit-packed hybrid
/// encoding, written as runs only.
#[derive(Default)]
struct Runs {
    run: Option<(bool, u64)>,
}

impl Runs {
    fn push(&mut self, valid: bool, n: u64, out: &mut Vec<u8>) {
        self.run = match self.run {
            Some((v, k)) if v == valid => Some((v, k + n)),
            Some(done) => {
                Runs::write(done, out);
                Some((valid, n))
            }
            None => Some((valid, n)),
        };
    }

    fn flush(&mut self, out: &mut Vec<u8>) {
        if let Some(done) = self.run.take() {
            Runs::write(done, out);
        }
    }

    fn write((valid, n): (bool, u64), out: &mut Vec<u8>) {
        put_varint(out, n << 1);
        out.push(u8::from(valid));
    }
}

/// The extremes (and NaN count) of the values written to a page so far.
#[derive(Default)]
struct Acc<'a> {
    range: Range<'a>,
    nans: i64,
    /// A NaN was seen where no other value was (a page of NaNs keeps NaN as its bounds).
    only_nan: bool,
}

#[derive(Default)]
enum Range<'a> {
    #[default]
    Empty,
    Bool(bool, bool),
    I32(i32, i32),
    I64(i64, i64),
    F64(f64, f64),
    Bytes(&'a [u8], &'a [u8]),
}

impl<'a> Acc<'a> {
    fn bool(&mut self, v: bool) {
        self.range = match self.range {
            Range::Bool(l, h) => Range::Bool(l && v, h || v),
            _ => Range::Bool(v, v),
        };
    }

    fn i32(&mut self, v: i32) {
        self.range = match self.range {
            Range::I32(l, h) => Range::I32(l.min(v), h.max(v)),
            _ => Range::I32(v, v),
        };
    }

    fn i64(&mut self, v: i64) {
        self.range = match self.range {
            Range::I64(l, h) => Range::I64(l.min(v), h.max(v)),
            _ => Range::I64(v, v),
        };
    }

    fn f64(&mut self, v: f64) {
        if v.is_nan() {
            self.nans += 1;
            self.only_nan |= matches!(self.range, Range::Empty);
            return;
        }
        self.only_nan = false;
        self.range = match self.range {
            Range::F64(l, h) => Range::F64(l.min(v), h.max(v)),
            _ => Range::F64(v, v),
        };
    }

    fn bytes(&mut self, v: &'a [u8]) {
        self.range = match self.range {
            Range::Bytes(l, h) => Range::Bytes(l.min(v), h.max(v)),
            _ => Range::Bytes(v, v),
        };
    }

    /// PLAIN-encoded bounds: strings cut to [`TRUNCATE`]; as the Parquet spec asks, a zero
    /// minimum is -0.0 and a zero maximum +0.0.
    fn bounds(&self) -> Option<Bounds> {
        let le = |a: &[u8], b: &[u8]| Some((a.to_vec(), b.to_vec()));
        match self.range {
            Range::Empty if self.only_nan => le(&f64::NAN.to_le_bytes(), &f64::NAN.to_le_bytes()),
            Range::Empty => None,
            Range::Bool(l, h) => Some((vec![u8::from(l)], vec![u8::from(h)])),
            Range::I32(l, h) => le(&l.to_le_bytes(), &h.to_le_bytes()),
            Range::I64(l, h) => le(&l.to_le_bytes(), &h.to_le_bytes()),
            Range::F64(l, h) => {
                let l = if l == 0.0 { -0.0 } else { l };
                let h = if h == 0.0 { 0.0 } else { h };
                le(&l.to_le_bytes(), &h.to_le_bytes())
            }
            Range::Bytes(l, h) => {
                // Our byte arrays hold UTF-8 (checked when they were written).
                let (l, h) = (
                    std::str::from_utf8(l).unwrap_or_default(),
                    std::str::from_utf8(h).unwrap_or_default(),
                );
                Some((cut_min(l), cut_max(h)))
            }
        }
    }
}

/// Appends the PLAIN values of the non-null entries of `array` and notes their extremes.
fn write_values<'a>(
    array: &'a dyn Array,
    kind: Kind,
    out: &mut Vec<u8>,
    bits: &mut Vec<bool>,
    acc: &mut Acc<'a>,
) -> Result<()> {
    match (kind, array.data_type()) {
        (Kind::Bool, DataType::Boolean) => {
            // Packed once the page's bits are all there (a segment may end mid-byte).
            for v in array.as_boolean().iter().flatten() {
                acc.bool(v);
                bits.push(v);
            }
        }
        (Kind::I32, DataType::Int16) => {
            for v in array.as_primitive::<Int16Type>().iter().flatten() {
                out.extend_from_slice(&i32::from(v).to_le_bytes());
                acc.i32(i32::from(v));
            }
        }
        (Kind::I32, DataType::Int32) => {
            for v in array.as_primitive::<Int32Type>().iter().flatten() {
                out.extend_from_slice(&v.to_le_bytes());
                acc.i32(v);
            }
        }
        (Kind::I32, DataType::Date32) => {
            for v in array.as_primitive::<Date32Type>().iter().flatten() {
                out.extend_from_slice(&v.to_le_bytes());
                acc.i32(v);
            }
        }
        (Kind::I64, DataType::Int64) => {
            for v in array.as_primitive::<Int64Type>().iter().flatten() {
                out.extend_from_slice(&v.to_le_bytes());
                acc.i64(v);
            }
        }
        (Kind::F64, DataType::Float64) => {
            for v in array.as_primitive::<Float64Type>().iter().flatten() {
                out.extend_from_slice(&v.to_le_bytes());
                acc.f64(v);
            }
        }
        (Kind::Bytes, DataType::Utf8) => {
            for v in array.as_string::<i32>().iter().flatten() {
                out.extend_from_slice(&(v.len() as u32).to_le_bytes());
                out.extend_from_slice(v.as_bytes());
                acc.bytes(v.as_bytes());
            }
        }
        (kind, other) => {
            return Err(ParquetError::General(format!(
                "cannot store {other} as {kind:?}"
            )))
        }
    }
    Ok(())
}

/// PLAIN booleans: bit-packed, least significant bit first.
fn append_bits(out: &mut Vec<u8>, bits: &[bool]) {
    for chunk in bits.chunks(8) {
        let mut byte = 0u8;
        for (i, &b) in chunk.iter().enumerate() {
            byte |= u8::from(b) << i;
        }
        out.push(byte);
    }
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

/// A page of an earlier file, decompressed, whose rows can go into new pages.
pub struct OpenPage {
    body: Vec<u8>,
    /// Validity of each row (nullable columns).
    valid: Option<Vec<bool>>,
    /// Index of the first value of each row, and the value count at the end (nullable
    /// columns; otherwise row = value).
    value_of_row: Option<Vec<u32>>,
    /// Where the PLAIN values start in `body`.
    values_at: usize,
    /// Byte arrays: where each value (its length prefix) starts in `body`, and the end.
    starts: Vec<u32>,
}

impl OpenPage {
    /// The page's memory, for [`Decoder::open`] to reuse.
    pub fn into_buffer(self) -> Vec<u8> {
        self.body
    }

    fn value_index(&self, row: usize) -> usize {
        self.value_of_row.as_ref().map_or(row, |v| v[row] as usize)
    }

    /// Appends the PLAIN values of `rows` to `out` (booleans to `bits`) and notes their
    /// extremes.
    fn copy_values<'a>(
        &'a self,
        rows: std::ops::Range<usize>,
        kind: Kind,
        out: &mut Vec<u8>,
        bits: &mut Vec<bool>,
        acc: &mut Acc<'a>,
    ) -> Result<()> {
        let bad = || ParquetError::General("rows beyond the page".into());
        let (first, end) = (self.value_index(rows.start), self.value_index(rows.end));
        let fixed = |width: usize| -> Result<&'a [u8]> {
            self.body
                .get(self.values_at + first * width..self.values_at + end * width)
                .ok_or_else(bad)
        };
        match kind {
            Kind::Bool => {
                let packed = &self.body[self.values_at.min(self.body.len())..];
                for k in first..end {
                    let byte = *packed.get(k / 8).ok_or_else(bad)?;
                    let v = byte >> (k % 8) & 1 == 1;
                    acc.bool(v);
                    bits.push(v);
                }
            }
            Kind::I32 => {
                let bytes = fixed(4)?;
                out.extend_from_slice(bytes);
                for v in bytes.chunks_exact(4) {
                    acc.i32(le_i32(v));
                }
            }
            Kind::I64 => {
                let bytes = fixed(8)?;
                out.extend_from_slice(bytes);
                for v in bytes.chunks_exact(8) {
                    acc.i64(le_i64(v));
                }
            }
            Kind::F64 => {
                let bytes = fixed(8)?;
                out.extend_from_slice(bytes);
                for v in bytes.chunks_exact(8) {
                    acc.f64(le_f64(v));
                }
            }
            Kind::Bytes => {
                let (from, to) = (
                    *self.starts.get(first).ok_or_else(bad)? as usize,
                    *self.starts.get(end).ok_or_else(bad)? as usize,
                );
                out.extend_from_slice(&self.body[from..to]);
                for k in first..end {
                    let at = self.starts[k] as usize + 4;
                    acc.bytes(&self.body[at..self.starts[k + 1] as usize]);
                }
            }
        }
        Ok(())
    }
}

/// Opens pages written by [`Encoder`].
pub struct Decoder {
    zstd: zstd::bulk::Decompressor<'static>,
}

impl Decoder {
    pub fn new() -> Result<Decoder> {
        Ok(Decoder {
            zstd: zstd::bulk::Decompressor::new().map_err(io_err)?,
        })
    }

    /// Decompresses `page` and finds its rows' values.
    /// `buffer`: memory to decompress into (an [`OpenPage::into_buffer`] of a page no longer
    /// needed, so that a rerun does not touch fresh memory for every page).
    pub fn open(
        &mut self,
        page: &[u8],
        kind: Kind,
        nullable: bool,
        buffer: Vec<u8>,
    ) -> Result<OpenPage> {
        let bad = |what: &str| ParquetError::General(format!("cannot decode a page: {what}"));
        let header = parse_header(page)?;
        let packed = page
            .get(header.len..header.len + header.compressed)
            .ok_or_else(|| bad("truncated"))?;
        let mut body = buffer;
        body.clear();
        body.reserve(header.uncompressed);
        self.zstd
            .decompress_to_buffer(packed, &mut body)
            .map_err(io_err)?;
        let rows = header.values;
        let (valid, value_of_row, values_at) = if nullable {
            let len = body
                .get(..4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .ok_or_else(|| bad("levels"))?;
            let levels = body.get(4..4 + len).ok_or_else(|| bad("levels"))?;
            let valid = read_def_levels(levels, rows).ok_or_else(|| bad("levels"))?;
            let mut index = Vec::with_capacity(rows + 1);
            let mut k = 0u32;
            for &v in &valid {
                index.push(k);
                k += u32::from(v);
            }
            index.push(k);
            (Some(valid), Some(index), 4 + len)
        } else {
            (None, None, 0)
        };
        let values = value_of_row.as_ref().map_or(rows, |v| v[rows] as usize);
        let mut starts = Vec::new();
        if kind == Kind::Bytes {
            starts.reserve(values + 1);
            let mut at = values_at;
            for _ in 0..values {
                starts.push(at as u32);
                let len = body
                    .get(at..at + 4)
                    .map(le_i32)
                    .ok_or_else(|| bad("values"))? as usize;
                at += 4 + len;
                if at > body.len() {
                    return Err(bad("values"));
                }
            }
            starts.push(at as u32);
        }
        Ok(OpenPage {
            body,
            valid,
            value_of_row,
            values_at,
            starts,
        })
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
    use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int16Array, StringArray};

    /// One page of `segments`, as bytes and figures.
    fn page(segments: &[Segment<'_>], kind: Kind, nullable: bool) -> (Vec<u8>, PageInfo) {
        let mut chunk = ChunkBuilder::new(kind);
        Encoder::new(3)
            .unwrap()
            .encode_segments(segments, nullable, &mut chunk)
            .unwrap();
        (chunk.bytes, chunk.pages.pop().unwrap())
    }

    /// Encoding `array` whole, in two slices, or from the pages of those slices gives the
    /// same page: how a rerun can rebuild a unit from kept rows and new ones.
    fn splices_like_a_fresh_encoding(array: ArrayRef, nullable: bool, cut: usize) {
        let kind = Kind::of(array.data_type()).unwrap();
        let whole = page(&[Segment::Array(array.as_ref())], kind, nullable);
        let header = parse_header(&whole.0).unwrap();
        assert_eq!(header.values, array.len());
        assert_eq!(header.len + header.compressed, whole.0.len());
        assert_eq!(whole.1.rows, array.len());
        assert_eq!(whole.1.nulls, array.null_count() as i64);

        let (a, b) = (array.slice(0, cut), array.slice(cut, array.len() - cut));
        let sliced = page(
            &[Segment::Array(a.as_ref()), Segment::Array(b.as_ref())],
            kind,
            nullable,
        );
        assert_eq!(sliced, whole);

        let mut decoder = Decoder::new().unwrap();
        let opened = decoder.open(&whole.0, kind, nullable, Vec::new()).unwrap();
        let copied = page(
            &[
                Segment::Page {
                    page: &opened,
                    rows: 0..cut,
                },
                Segment::Array(b.as_ref()),
            ],
            kind,
            nullable,
        );
        assert_eq!(copied, whole);
        let copied = page(
            &[
                Segment::Array(a.as_ref()),
                Segment::Page {
                    page: &opened,
                    rows: cut..array.len(),
                },
            ],
            kind,
            nullable,
        );
        assert_eq!(copied, whole);
    }

    #[test]
    fn pages_rebuilt_from_kept_rows_equal_fresh_ones() {
        splices_like_a_fresh_encoding(
            Arc::new(StringArray::from(vec![
                Some("登云镇"),
                None,
                Some(""),
                Some("a"),
            ])),
            true,
            2,
        );
        splices_like_a_fresh_encoding(Arc::new(StringArray::from(vec!["x"; 300])), false, 17);
        splices_like_a_fresh_encoding(
            Arc::new(Int16Array::from(vec![Some(2023), None, None, Some(-1)])),
            true,
            1,
        );
        splices_like_a_fresh_encoding(
            Arc::new(Float64Array::from(vec![None, Some(1.5), Some(-0.0), None])),
            true,
            3,
        );
        splices_like_a_fresh_encoding(
            Arc::new(BooleanArray::from(
                (0..19)
                    .map(|i| (i % 3 != 0).then_some(i % 2 == 0))
                    .collect::<Vec<_>>(),
            )),
            true,
            5,
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
