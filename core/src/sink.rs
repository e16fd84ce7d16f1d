//! Where the converter's accepted records go: the output's [`Writer`], the records a
//! provider's engine will receive ([`Records`]), or nowhere ([`Nowhere`]: a validation). The
//! converter hands every record to one [`Sink`] instead of switching on what its caller asked
//! for; rejects and warnings go to the report and the rejects file whatever the sink.

use crate::contact::Contact;
use crate::format::write::Writer;
use crate::problem::Position;

/// Takes the accepted records, in input order.
pub trait Sink: Send {
    /// Record `c`, from `pos`; bytes written go to `out`.
    fn accept(&mut self, pos: Position, c: &Contact, out: &mut Vec<u8>);
    /// Hands on what it holds back, at the end of a chunk of input.
    fn drain(&mut self, _out: &mut Vec<u8>) {}
    /// The input has ended: what closes the output.
    fn finish(&mut self, _out: &mut Vec<u8>) {}
    /// The records it keeps, moved out (a provider's engine takes them as they come).
    fn take_records(&mut self) -> Vec<(Position, Contact)> {
        Vec::new()
    }
}

impl Sink for Writer {
    fn accept(&mut self, _pos: Position, c: &Contact, out: &mut Vec<u8>) {
        self.write(c, out);
    }

    fn drain(&mut self, out: &mut Vec<u8>) {
        Writer::drain(self, out);
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        Writer::finish(self, out);
    }
}

/// Keeps the records, with their positions, for a provider's engine.
#[derive(Debug, Default)]
pub struct Records(Vec<(Position, Contact)>);

impl Sink for Records {
    fn accept(&mut self, pos: Position, c: &Contact, _out: &mut Vec<u8>) {
        self.0.push((pos, c.clone()));
    }

    fn take_records(&mut self) -> Vec<(Position, Contact)> {
        std::mem::take(&mut self.0)
    }
}

/// Takes nothing anywhere: a validation, which only reports.
#[derive(Debug, Default)]
pub struct Nowhere;

impl Sink for Nowhere {
    fn accept(&mut self, _pos: Position, _c: &Contact, _out: &mut Vec<u8>) {}
}
