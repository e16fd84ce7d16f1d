//! contactport-wasm: the browser's face of [`contactport_core`]. One file of bindings, no logic
//! of its own: options in as a JS object, every error out through [`into_error`] as a JS
//! `Error` with the CLI's message, results out as plain objects.
//!
//! ```js
//! import init, { convert, validate, Converter } from "./pkg/contactport_wasm.js";
//! await init();
//! const { output, rejects, report } = convert(bytes, { to: "kojo", orgName: "Colibrix" });
//! const c = new Converter({ to: "csv", preview: 20 });
//! for await (const chunk of file.stream()) sink(c.push(chunk));
//! const { output, rejects, report, preview } = c.finish();
//! ```
//!
//! Options (all optional): `from`, `to` (format names as in the CLI; `to` defaults to `csv`),
//! `for` (`covage` | `kojo` | `any`, for `validate`), `encoding`, `delimiter`, `defaultRegion`,
//! `kojoPhone` (`mobile-first` | `fixed-first`), `orgName`, `vendorId`, `vendorMap` (the CSV
//! text), `bom`, `preview` (how many converted records to return in canonical form),
//! `map` (`{column: field}`, `-` to drop a column: read columns no one would guess),
//! `maxRecordBytes` (a longer record is rejected, not kept: 1 MiB by default), `excelSafe`
//! (CSV cells Excel would run as formulas get a leading `'`; default: as `bom`).

#![forbid(unsafe_code)]

use contactport_core::{
    EntryStore, Format, KojoPhone, Mapping, Options, Room, Target, VendorMap, Writing,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// How core's messages name what supplies a missing piece: the converter page's fields.
const PAGE_HINTS: contactport_core::Hints = contactport_core::Hints {
    org_name: "Org name",
    vendor_id: "Vendor id",
    vendor_map: "Vendor map",
    encoding: "Encoding",
    map: "the column table",
    map_example: "the column table",
};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JsOptions {
    from: Option<String>,
    to: Option<String>,
    #[serde(rename = "for")]
    target: Option<String>,
    encoding: Option<String>,
    delimiter: Option<String>,
    default_region: Option<String>,
    kojo_phone: Option<String>,
    org_name: Option<String>,
    vendor_id: Option<String>,
    vendor_map: Option<String>,
    bom: bool,
    preview: usize,
    max_record_bytes: Option<usize>,
    excel_safe: Option<bool>,
    /// The user's column mapping: column name to field name, `-` to drop the column.
    map: Option<std::collections::BTreeMap<String, String>>,
}

/// Every error reaches JavaScript as an `Error` with the CLI's message.
fn into_error(e: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&e.to_string()).into()
}

fn options(js: JsValue, validate_only: bool) -> Result<Options, JsValue> {
    let o: JsOptions = if js.is_undefined() || js.is_null() {
        JsOptions::default()
    } else {
        serde_wasm_bindgen::from_value(js).map_err(into_error)?
    };
    let fmt = |s: &Option<String>| {
        s.as_deref()
            .map(str::parse::<Format>)
            .transpose()
            .map_err(into_error)
    };
    let delimiter = match o.delimiter.as_deref() {
        None | Some("") => None,
        Some(d) => Some(
            contactport_core::options::delimiter(d)
                .map_err(|e| into_error(format!("delimiter: {e}")))?,
        ),
    };
    let vendor_map = match &o.vendor_map {
        Some(text) if !text.is_empty() => VendorMap::read(text.as_bytes()).map_err(into_error)?,
        _ => VendorMap::default(),
    };
    Ok(Options {
        hints: PAGE_HINTS,
        from: fmt(&o.from)?,
        to: if validate_only {
            None
        } else {
            Some(fmt(&o.to)?.unwrap_or(Format::Csv))
        },
        target: o
            .target
            .as_deref()
            .map(str::parse::<Target>)
            .transpose()
            .map_err(into_error)?,
        encoding: o
            .encoding
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(into_error)?,
        delimiter,
        max_record_bytes: o
            .max_record_bytes
            .unwrap_or(contactport_core::format::csv_read::MAX_RECORD)
            .clamp(
                *contactport_core::options::RECORD_BYTES.start(),
                *contactport_core::options::RECORD_BYTES.end(),
            ),
        bom: o.bom,
        excel_safe: o.excel_safe.unwrap_or(o.bom),
        columns: o
            .map
            .iter()
            .flatten()
            .map(|(column, field)| {
                contactport_core::options::mapped_field(field)
                    .map(|f| (column.clone(), f))
                    .map_err(|e| into_error(format!("map: {e}")))
            })
            .collect::<Result<_, _>>()?,
        mapping: Mapping {
            region: o
                .default_region
                .as_deref()
                .unwrap_or("FR")
                .parse()
                .map_err(into_error)?,
            writing: Writing {
                kojo_phone: o
                    .kojo_phone
                    .as_deref()
                    .unwrap_or("mobile-first")
                    .parse::<KojoPhone>()
                    .map_err(into_error)?,
            },
            org_name: o.org_name.filter(|s| !s.is_empty()),
            vendor_id: o.vendor_id.filter(|s| !s.is_empty()),
            vendor_map,
        },
        preview: o.preview,
        ..Options::default()
    })
}

fn bytes(input: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = input.as_string() {
        return Ok(s.into_bytes());
    }
    if input.is_instance_of::<js_sys::Uint8Array>() {
        return Ok(js_sys::Uint8Array::new(input).to_vec());
    }
    Err(into_error("input must be a Uint8Array or a string"))
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(into_error)
}

/// `{ output, rejects, report, preview, inputFormat }`, the bytes as `Uint8Array`s.
fn finished(
    conv: &contactport_core::Converter,
    report: &contactport_core::Report,
    output: &[u8],
    rejects: &[u8],
) -> Result<JsValue, JsValue> {
    let o = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&o, &k.into(), v).map(|_| ());
    set("output", &js_sys::Uint8Array::from(output).into())?;
    set("rejects", &js_sys::Uint8Array::from(rejects).into())?;
    set("report", &to_js(report)?)?;
    set("preview", &to_js(&conv.preview())?)?;
    set(
        "inputFormat",
        &conv
            .input_format()
            .map(Format::name)
            .map_or(JsValue::NULL, JsValue::from),
    )?;
    Ok(o.into())
}

/// Report entries kept for the page: the first [`KEPT_ENTRIES`] rejects and warnings, the rest
/// only counted, so memory stays flat whatever the number of rejects.
#[derive(Default)]
struct Kept {
    report: contactport_core::Report,
    omitted: u64,
}

impl EntryStore for Kept {
    /// Moves `from`'s entries out: the first are kept, the rest counted.
    fn keep(&mut self, from: &mut contactport_core::Report) -> std::io::Result<()> {
        for (all, kept) in [
            (&mut from.rejects, &mut self.report.rejects),
            (&mut from.warnings, &mut self.report.warnings),
        ] {
            let room = KEPT_ENTRIES.saturating_sub(kept.len());
            self.omitted += all.len().saturating_sub(room) as u64;
            kept.extend(all.drain(..).take(room));
        }
        // Those core only counted (past `Options::entries`).
        self.omitted += std::mem::take(&mut from.omitted).total();
        Ok(())
    }
}

impl Kept {
    /// The entries of each kind still wanted: a piece need make no more.
    fn room(&self) -> Room {
        Room {
            rejects: KEPT_ENTRIES.saturating_sub(self.report.rejects.len()),
            warnings: KEPT_ENTRIES.saturating_sub(self.report.warnings.len()),
        }
    }

    /// Puts the kept entries into `report`.
    fn into(self, report: &mut contactport_core::Report) -> u64 {
        report.rejects = self.report.rejects;
        report.warnings = self.report.warnings;
        self.omitted
    }
}

/// A streaming conversion: `push` chunks (a `File.stream()`'s), get the output so far;
/// `takeRejects` hands over the rejects file so far; `finish` returns `{ output, rejects,
/// report, preview, inputFormat, entriesOmitted }`, the report with its first 1,000 rejects and
/// warnings (the counts are whole). Memory stays bounded by the chunk size, whatever the file's
/// size and its number of rejects.
#[wasm_bindgen]
pub struct Converter {
    inner: Option<contactport_core::Stream>,
    rejects: Vec<u8>,
    out: Vec<u8>,
    kept: Kept,
}

/// Report entries (rejects, warnings) a streaming [`Converter`] keeps, of each kind.
const KEPT_ENTRIES: usize = 1000;

#[wasm_bindgen]
impl Converter {
    /// A converter for `options`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Converter, JsValue> {
        let opts = Options {
            entries: Room::each(KEPT_ENTRIES),
            ..self::options(options, false)?
        };
        Ok(Converter {
            inner: Some(contactport_core::Stream::new(opts)),
            rejects: Vec::new(),
            out: Vec::new(),
            kept: Kept::default(),
        })
    }

    /// The rejects file's bytes produced so far, handed over and forgotten (call after each
    /// `push` to stream them out; `finish` returns only the rest).
    #[wasm_bindgen(js_name = takeRejects)]
    pub fn take_rejects(&mut self) -> js_sys::Uint8Array {
        let r = js_sys::Uint8Array::from(&self.rejects[..]);
        self.rejects.clear();
        r
    }

    /// Feeds a chunk; returns the output produced so far by it.
    pub fn push(&mut self, chunk: &[u8]) -> Result<js_sys::Uint8Array, JsValue> {
        let stream = self
            .inner
            .as_mut()
            .ok_or_else(|| into_error("converter already finished"))?;
        self.out.clear();
        stream
            .push(chunk, &mut self.out, &mut self.rejects, &mut self.kept)
            .map_err(into_error)?;
        Ok(js_sys::Uint8Array::from(&self.out[..]))
    }

    /// The report so far (for progress).
    pub fn report(&self) -> Result<JsValue, JsValue> {
        match &self.inner {
            Some(c) => to_js(c.report()),
            None => Err(into_error("converter already finished")),
        }
    }

    /// Ends the input: `{ output, rejects, report, preview, inputFormat }` (`output` holds only
    /// what `push` had not returned yet).
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let mut stream = self
            .inner
            .take()
            .ok_or_else(|| into_error("converter already finished"))?;
        self.out.clear();
        let mut kept = std::mem::take(&mut self.kept);
        let mut report = stream
            .finish(&mut self.out, &mut self.rejects, &mut kept)
            .map_err(into_error)?;
        let omitted = kept.into(&mut report);
        let done = finished(stream.converter(), &report, &self.out, &self.rejects)?;
        // How many entries the report leaves out (all are in the rejects file and counts).
        js_sys::Reflect::set(
            &done,
            &"entriesOmitted".into(),
            &JsValue::from(omitted as f64),
        )?;
        Ok(done)
    }
}

/// A large UTF-8 file converted on several workers, as core's `plan` lays it out: this side
/// (the page's main worker) cuts the file into pieces (`push`, then `finish`, each returning
/// the pieces ready: `[{ piece, bytes }]`), other workers convert them (`PieceConverter`), and the
/// results come back here in input order (`merge`), joined into the one-worker path's bytes.
///
/// ```js
/// const planner = Planner.create(sample, options); // undefined: one Converter reads it
/// for (const { piece, bytes } of planner.push(chunk)) post(piece, bytes, planner.reader());
/// // in order, for each piece's result r:
/// const m = planner.merge(r.output, r.rejects.length, r.report, r.entriesOmitted);
/// write(m.outputHead, r.output.subarray(m.outputSkip)); writeRejects(m.rejectsHead, r.rejects);
/// const { output, report, entriesOmitted } = planner.done();
/// ```
#[wasm_bindgen]
pub struct Planner {
    plan: contactport_core::plan::Plan,
    cutter: contactport_core::plan::Cutter,
    merger: Option<contactport_core::plan::Merger>,
    kept: Kept,
}

/// `[{ piece, bytes }]` for the chunks cut.
fn chunks_to_js(chunks: Vec<contactport_core::plan::Chunk>) -> Result<js_sys::Array, JsValue> {
    let list = js_sys::Array::new();
    for c in chunks {
        let o = js_sys::Object::new();
        js_sys::Reflect::set(&o, &"piece".into(), &to_js(&c.piece)?)?;
        js_sys::Reflect::set(&o, &"bytes".into(), &js_sys::Uint8Array::from(&c.bytes[..]))?;
        list.push(&o);
    }
    Ok(list)
}

#[wasm_bindgen]
impl Planner {
    /// The planner for a file whose first bytes (64 KiB, or all of a smaller file) are
    /// `sample`; `undefined` when one `Converter` should read it (small, not UTF-8, …).
    pub fn create(sample: &[u8], options: JsValue) -> Result<Option<Planner>, JsValue> {
        let opts = self::options(options, false)?;
        let Some(plan) = contactport_core::plan::Plan::new(sample, &opts) else {
            return Ok(None);
        };
        let cutter = contactport_core::plan::Cutter::new(&plan, sample, opts.max_record_bytes);
        Ok(Some(Planner {
            merger: Some(contactport_core::plan::Merger::new(&plan, &opts)),
            plan,
            cutter,
            kept: Kept::default(),
        }))
    }

    /// How many bytes the sample given to `create` must hold.
    #[wasm_bindgen(js_name = sampleBytes)]
    pub fn sample_bytes() -> usize {
        contactport_core::plan::SAMPLE
    }

    /// How every piece is read, for `PieceConverter`: `{ from, delimiter }`.
    pub fn reader(&self) -> Result<JsValue, JsValue> {
        let r = self.plan.reader();
        let o = js_sys::Object::new();
        let from = r
            .from
            .map(Format::name)
            .map_or(JsValue::NULL, JsValue::from);
        let delimiter = r.delimiter.map_or(JsValue::NULL, JsValue::from);
        js_sys::Reflect::set(&o, &"from".into(), &from)?;
        js_sys::Reflect::set(&o, &"delimiter".into(), &delimiter)?;
        Ok(o.into())
    }

    /// The file's next bytes (after the sample); the pieces ready.
    pub fn push(&mut self, bytes: &[u8]) -> Result<js_sys::Array, JsValue> {
        let mut ready = Vec::new();
        self.cutter.push(bytes, &mut |c| {
            ready.push(c);
            true
        });
        chunks_to_js(ready)
    }

    /// The file ended: the last pieces.
    pub fn finish(&mut self) -> Result<js_sys::Array, JsValue> {
        let mut ready = Vec::new();
        self.cutter.finish(&mut |c| {
            ready.push(c);
            true
        });
        chunks_to_js(ready)
    }

    /// The next piece's result, in input order: `{ outputHead, outputSkip, rejectsHead }`:
    /// append `outputHead`, then the piece's output without its first `outputSkip` bytes, to
    /// the output file, and `rejectsHead` then the piece's rejects to the rejects file. The
    /// pieces' bytes stay in JavaScript: only the output's first two bytes are read here.
    /// `entries_omitted`: the entries the piece only counted (its `entriesOmitted`).
    pub fn merge(
        &mut self,
        output: &js_sys::Uint8Array,
        rejects_len: usize,
        report: JsValue,
        entries_omitted: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let mut report: contactport_core::Report =
            serde_wasm_bindgen::from_value(report).map_err(into_error)?;
        let merger = self
            .merger
            .as_mut()
            .ok_or_else(|| into_error("planner already done"))?;
        let first = output.subarray(0, output.length().min(2)).to_vec();
        let p = merger.place(&first, rejects_len > 0, &report);
        self.kept.keep(&mut report).map_err(into_error)?;
        self.kept.omitted += entries_omitted.unwrap_or(0.0) as u64;
        let o = js_sys::Object::new();
        js_sys::Reflect::set(
            &o,
            &"outputHead".into(),
            &js_sys::Uint8Array::from(&p.output_head[..]),
        )?;
        js_sys::Reflect::set(
            &o,
            &"outputSkip".into(),
            &JsValue::from(p.output_skip as f64),
        )?;
        js_sys::Reflect::set(
            &o,
            &"rejectsHead".into(),
            &js_sys::Uint8Array::from(&p.rejects_head[..]),
        )?;
        Ok(o.into())
    }

    /// The report entries of each kind a piece cut now need make, `{ rejects, warnings }`, for
    /// `PieceConverter.convert`: the page keeps the first 1,000 of the file, so once those are
    /// merged the pieces only count theirs instead of sending them over.
    pub fn room(&self) -> Result<JsValue, JsValue> {
        to_js(&self.kept.room())
    }

    /// The counts so far (for progress).
    pub fn report(&self) -> Result<JsValue, JsValue> {
        match &self.merger {
            Some(m) => to_js(m.report()),
            None => Err(into_error("planner already done")),
        }
    }

    /// Every piece merged: `{ output, report, entriesOmitted }`, `output` the end of the file
    /// (a JSON array's `]`), the report with its first 1,000 rejects and warnings.
    pub fn done(&mut self) -> Result<JsValue, JsValue> {
        let merger = self
            .merger
            .take()
            .ok_or_else(|| into_error("planner already done"))?;
        let mut out = Vec::new();
        let mut report = merger.finish(&mut out).map_err(into_error)?;
        let omitted = std::mem::take(&mut self.kept).into(&mut report);
        let o = js_sys::Object::new();
        js_sys::Reflect::set(&o, &"output".into(), &js_sys::Uint8Array::from(&out[..]))?;
        js_sys::Reflect::set(&o, &"report".into(), &to_js(&report)?)?;
        js_sys::Reflect::set(&o, &"entriesOmitted".into(), &JsValue::from(omitted as f64))?;
        Ok(o.into())
    }
}

/// Converts the pieces a `Planner` cuts, on a piece worker: made once a run, with the file's
/// `options` and the planner's `reader()`, so they are read once and not for every piece.
/// `convert(bytes, piece)` returns `{ output, rejects, report, preview, inputFormat,
/// entriesOmitted }` for `Planner.merge` (the report with the piece's first 1,000 rejects and
/// warnings); a failure is reported as the one-worker path would (its line counted from
/// the file's start).
#[wasm_bindgen]
pub struct PieceConverter {
    opts: Options,
    reader: contactport_core::plan::Reader,
}

#[wasm_bindgen]
impl PieceConverter {
    /// A converter for the pieces of one file.
    #[wasm_bindgen(constructor)]
    pub fn new(reader: JsValue, options: JsValue) -> Result<PieceConverter, JsValue> {
        let r: JsReader = serde_wasm_bindgen::from_value(reader).map_err(into_error)?;
        let from = r
            .from
            .as_deref()
            .map(str::parse::<Format>)
            .transpose()
            .map_err(into_error)?;
        Ok(PieceConverter {
            opts: self::options(options, false)?,
            reader: contactport_core::plan::Reader {
                from,
                delimiter: r.delimiter,
            },
        })
    }

    /// Converts one piece (`piece`, `bytes`, as the planner cut them), making the report
    /// entries of each kind `room` allows (`Planner.room()` when the piece was cut; 1,000 when
    /// undefined), the rest only counted.
    pub fn convert(
        &mut self,
        bytes: &[u8],
        piece: JsValue,
        room: JsValue,
    ) -> Result<JsValue, JsValue> {
        let piece: contactport_core::plan::Piece =
            serde_wasm_bindgen::from_value(piece).map_err(into_error)?;
        let room: Option<Room> = serde_wasm_bindgen::from_value(room).map_err(into_error)?;
        self.opts.entries = room.unwrap_or(Room::each(KEPT_ENTRIES));
        let mut conv = piece.converter(self.reader, &self.opts);
        let (mut out, mut rejects) = (Vec::new(), Vec::new());
        let report = conv
            .push(bytes, &mut out, &mut rejects)
            .and_then(|_| conv.finish(&mut out, &mut rejects))
            .map_err(|e| into_error(piece.relocate(e)))?;
        // The page keeps the first entries of the whole file: those past `room` were only
        // counted, not made and copied to JavaScript and back (a file of invalid numbers has
        // one warning a record).
        let omitted = report.omitted.total();
        let o = finished(&conv, &report, &out, &rejects)?;
        js_sys::Reflect::set(&o, &"entriesOmitted".into(), &JsValue::from(omitted as f64))?;
        Ok(o)
    }
}

#[derive(Deserialize)]
struct JsReader {
    from: Option<String>,
    delimiter: Option<u8>,
}

/// The formats, from core's table, for the page's menus: `[{ name, label, extension }]`.
#[wasm_bindgen]
pub fn formats() -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    struct Row {
        name: &'static str,
        label: &'static str,
        extension: &'static str,
        #[serde(rename = "chosenBy")]
        chosen_by: &'static [&'static str],
    }
    let rows: Vec<Row> = contactport_core::format::FORMATS
        .iter()
        .map(|s| Row {
            name: s.name,
            label: s.label,
            extension: s.extension,
            chosen_by: s.chosen_by,
        })
        .collect();
    to_js(&rows)
}

/// The canonical fields, in column order, for the page's column mapping.
#[wasm_bindgen]
pub fn fields() -> Result<JsValue, JsValue> {
    let names: Vec<&str> = contactport_core::Field::ALL.map(|f| f.name()).into();
    to_js(&names)
}

/// Converts `input` (a `Uint8Array` or a string) at once: `{ output, rejects, report, preview,
/// inputFormat }`.
#[wasm_bindgen]
pub fn convert(input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let data = bytes(&input)?;
    let mut c = Converter::new(options)?;
    let mut head = c.push(&data)?.to_vec();
    let done = c.finish()?;
    // Join what push returned with what finish returned.
    let tail = js_sys::Reflect::get(&done, &"output".into())?;
    head.extend(js_sys::Uint8Array::new(&tail).to_vec());
    js_sys::Reflect::set(
        &done,
        &"output".into(),
        &js_sys::Uint8Array::from(&head[..]),
    )?;
    Ok(done)
}

/// Checks `input` against `options.for` (`covage`, `kojo`, `any`): returns the report.
#[wasm_bindgen]
pub fn validate(input: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let data = bytes(&input)?;
    let mut conv = contactport_core::Converter::new(self::options(options, true)?);
    let (mut out, mut rej) = (Vec::new(), Vec::new());
    conv.push(&data, &mut out, &mut rej).map_err(into_error)?;
    let report = conv.finish(&mut out, &mut rej).map_err(into_error)?;
    to_js(&report)
}
