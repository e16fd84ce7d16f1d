//! The speed limit of a Rust converter: parse and write each record with the `csv` crate and
//! `serde_json`, no validation, no mapping. The benchmark suite (bench/run.sh) runs it beside
//! contactport.
//!
//! usage: baseline csv2ndjson IN OUT | baseline json2csv IN OUT

use serde::de::{Deserializer, SeqAccess, Visitor};
use std::io::{BufReader, BufWriter, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, input, output) = match &args[..] {
        [_, m, i, o] => (m.as_str(), i, o),
        _ => return Err("usage: baseline csv2ndjson|json2csv IN OUT".into()),
    };
    let out = BufWriter::with_capacity(256 * 1024, std::fs::File::create(output)?);
    let inp = BufReader::with_capacity(256 * 1024, std::fs::File::open(input)?);
    match mode {
        "csv2ndjson" => csv2ndjson(inp, out),
        "json2csv" => json2csv(inp, out),
        _ => Err("mode is csv2ndjson or json2csv".into()),
    }
}

fn csv2ndjson(
    inp: impl std::io::Read,
    mut out: impl Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut rdr = csv::Reader::from_reader(inp);
    let headers = rdr.headers()?.clone();
    let mut rec = csv::StringRecord::new();
    let mut map = serde_json::Map::new();
    while rdr.read_record(&mut rec)? {
        map.clear();
        for (h, v) in headers.iter().zip(rec.iter()) {
            map.insert(h.to_string(), v.into());
        }
        serde_json::to_writer(&mut out, &map)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn json2csv(inp: impl std::io::Read, out: impl Write) -> Result<(), Box<dyn std::error::Error>> {
    struct Each<W: Write>(csv::Writer<W>);
    impl<'de, W: Write> Visitor<'de> for Each<W> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of contacts")
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            self.0
                .write_record([
                    "contact_uuid",
                    "first_name",
                    "last_name",
                    "phone_number",
                    "cell_phone_number",
                    "email",
                ])
                .map_err(serde::de::Error::custom)?;
            while let Some(c) = seq.next_element::<contactport_core::CovageContact>()? {
                self.0
                    .write_record([
                        c.contact_uuid.as_deref().unwrap_or(""),
                        &c.first_name,
                        &c.last_name,
                        &c.phone_number,
                        &c.cell_phone_number,
                        &c.email,
                    ])
                    .map_err(serde::de::Error::custom)?;
            }
            self.0.flush().map_err(serde::de::Error::custom)
        }
    }
    let mut de = serde_json::Deserializer::from_reader(inp);
    de.deserialize_seq(Each(csv::Writer::from_writer(out)))?;
    Ok(())
}
