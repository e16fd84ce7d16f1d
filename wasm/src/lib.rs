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

use contactport_core::{Format, KojoPhone, Mapping, Options, Target, VendorMap};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

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
        Some("\\t") | Some("tab") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => {
            return Err(into_error(format!(
                "delimiter must be one character, got {d:?}"
            )))
        }
    };
    let vendor_map = match &o.vendor_map {
        Some(text) if !text.is_empty() => VendorMap::read(text.as_bytes()).map_err(into_error)?,
        _ => VendorMap::default(),
    };
    Ok(Options {
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
            .max(64),
        bom: o.bom,
        excel_safe: o.excel_safe.unwrap_or(o.bom),
        columns: o
            .map
            .iter()
            .flatten()
            .map(|(column, field)| match field.trim() {
                "-" | "" => Ok((column.clone(), None)),
                f => contactport_core::Field::from_name(f)
                    .map(|f| (column.clone(), Some(f)))
                    .ok_or_else(|| into_error(format!("map: {f:?} is not a field"))),
            })
            .collect::<Result<_, _>>()?,
        mapping: Mapping {
            region: o
                .default_region
                .as_deref()
                .unwrap_or("FR")
                .parse()
                .map_err(into_error)?,
            kojo_phone: o
                .kojo_phone
                .as_deref()
                .unwrap_or("mobile-first")
                .parse::<KojoPhone>()
                .map_err(into_error)?,
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

/// A streaming conversion: `push` chunks (a `File.stream()`'s), get the output so far;
/// `takeRejects` hands over the rejects file so far; `finish` returns `{ output, rejects,
/// report, preview, inputFormat, entriesOmitted }`, the report with its first 1,000 rejects and
/// warnings (the counts are whole). Memory stays bounded by the chunk size, whatever the file's
/// size and its number of rejects.
#[wasm_bindgen]
pub struct Converter {
    inner: Option<contactport_core::Converter>,
    rejects: Vec<u8>,
    out: Vec<u8>,
    /// The first report entries, kept for the page; the rest are only counted, so memory stays
    /// flat whatever the number of rejects.
    kept: contactport_core::Report,
    omitted: u64,
}

/// Report entries (rejects, warnings) a streaming [`Converter`] keeps, of each kind.
const KEPT_ENTRIES: usize = 1000;

#[wasm_bindgen]
impl Converter {
    /// A converter for `options`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Converter, JsValue> {
        Ok(Converter {
            inner: Some(contactport_core::Converter::new(self::options(
                options, false,
            )?)),
            rejects: Vec::new(),
            out: Vec::new(),
            kept: contactport_core::Report::default(),
            omitted: 0,
        })
    }

    /// Moves the report's entries out of the converter: the first are kept, the rest counted.
    fn keep_entries(&mut self, mut from: contactport_core::Report) {
        for (all, kept) in [
            (&mut from.rejects, &mut self.kept.rejects),
            (&mut from.warnings, &mut self.kept.warnings),
        ] {
            let room = KEPT_ENTRIES.saturating_sub(kept.len());
            self.omitted += all.len().saturating_sub(room) as u64;
            kept.extend(all.drain(..).take(room));
        }
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
        let conv = self
            .inner
            .as_mut()
            .ok_or_else(|| into_error("converter already finished"))?;
        self.out.clear();
        conv.push(chunk, &mut self.out, &mut self.rejects)
            .map_err(into_error)?;
        let entries = conv.take_entries();
        self.keep_entries(entries);
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
        let mut conv = self
            .inner
            .take()
            .ok_or_else(|| into_error("converter already finished"))?;
        self.out.clear();
        let mut report = conv
            .finish(&mut self.out, &mut self.rejects)
            .map_err(into_error)?;
        // `finish` hands back the entries since the last push: kept like the others.
        let rest = contactport_core::Report {
            rejects: std::mem::take(&mut report.rejects),
            warnings: std::mem::take(&mut report.warnings),
            ..Default::default()
        };
        self.keep_entries(rest);
        report.rejects = std::mem::take(&mut self.kept.rejects);
        report.warnings = std::mem::take(&mut self.kept.warnings);
        let done = finished(&conv, &report, &self.out, &self.rejects)?;
        // How many entries the report leaves out (all are in the rejects file and counts).
        js_sys::Reflect::set(
            &done,
            &"entriesOmitted".into(),
            &JsValue::from(self.omitted as f64),
        )?;
        Ok(done)
    }
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
