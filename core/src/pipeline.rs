//! What every record goes through once a reader made it, whatever its format: normalised,
//! the vendor filled (Kojo), the rules checked (the record's own, then those across records),
//! then handed to the [`Sink`] or written to the rejects; warnings and dropped values counted
//! in the report.

use crate::contact::Contact;
use crate::convert::Options;
use crate::mapping::{self, Mapping};
use crate::normalize::{normalize, InvalidPhone};
use crate::problem::{Position, Problem};
use crate::rejects::Rejects;
use crate::report::{Report, Room};
use crate::rules::{self, Target};
use crate::sink::Sink;

/// What a reader made of one record.
#[derive(Debug, Default)]
pub(crate) struct Read {
    /// Its values, filled even when it is rejected (the rejects file carries them to fix).
    pub contact: Contact,
    /// Values its input drops (unknown columns, second values): counted only if it is written.
    pub drops: Report,
    /// Why it cannot be written, so far.
    pub problems: Vec<Problem>,
    /// What was changed or doubted in it, so far.
    pub warnings: Vec<Problem>,
    /// The region its national numbers are read in, from its country column.
    pub region: Option<crate::phone::Region>,
}

impl Read {
    /// Ready for the next record (its buffers kept).
    pub(crate) fn start(&mut self) -> &mut Read {
        self.contact.clear();
        self
    }
}

/// The steps after reading, and where their results go.
pub(crate) struct Pipeline {
    target: Target,
    invalid_phone: InvalidPhone,
    hints: crate::hints::Hints,
    mapping: Mapping,
    /// The rule across records, when it applies ([`Options::cross_record_rules`]).
    one_per_email: Option<rules::OnePerEmail>,
    /// The output format: what it cannot hold is counted as dropped.
    to: Option<crate::format::Format>,
    /// Where accepted records go.
    pub accepted: Box<dyn Sink>,
    /// Where rejected ones go.
    pub rejected: Rejects,
    preview: Vec<Contact>,
    preview_len: usize,
    /// Added to every record number and line (a piece's place in the whole input).
    offset: Position,
    /// What was read, written, rejected, warned and dropped.
    pub report: Report,
    /// Entries still to be made, of each kind ([`Options::entries`]); past them, only counted.
    room: Room,
}

impl Pipeline {
    /// The pipeline `opts` asks for, its records going to `accepted`.
    pub(crate) fn new(opts: &Options, accepted: Box<dyn Sink>) -> Pipeline {
        let target = opts
            .target
            .unwrap_or_else(|| opts.to.map_or(Target::ANY, crate::format::Format::target));
        Pipeline {
            target,
            invalid_phone: opts
                .invalid_phone
                .unwrap_or_else(|| InvalidPhone::default_for(target)),
            hints: opts.hints,
            mapping: opts.mapping.clone(),
            one_per_email: opts.cross_record_rules().then(Default::default),
            to: opts.to,
            accepted,
            rejected: Rejects::new(opts.rejects_excel_safe, opts.fragment),
            preview: Vec::new(),
            preview_len: opts.preview,
            offset: opts.offset,
            report: Report::default(),
            room: opts.entries,
        }
    }

    /// The first accepted records, in canonical form.
    pub(crate) fn preview(&self) -> &[Contact] {
        &self.preview
    }

    /// The next record's place, when it ends on `line` of this input.
    fn position(&self, line: u64) -> Position {
        Position {
            record: self.offset.record + self.report.read + 1,
            line: self.offset.line + line,
        }
    }

    /// Takes the record `read` made (ending on `line`): normalised, checked, then written
    /// to `out` through the sink, or rejected.
    pub(crate) fn record(&mut self, read: &mut Read, line: u64, out: &mut Vec<u8>) {
        let pos = self.position(line);
        self.report.read += 1;
        let region = read.region.take().unwrap_or(self.mapping.region);
        let mut origin = Default::default();
        let (c, problems, warnings) = (&mut read.contact, &mut read.problems, &mut read.warnings);
        if problems.is_empty() {
            origin = normalize(
                c,
                region,
                self.invalid_phone,
                self.target.is_any(),
                problems,
                warnings,
            );
            if self.target.rules().is_some_and(|r| r.fills_vendor) {
                self.mapping.fill_vendor(c);
            }
            rules::check(c, self.target, &self.hints, problems);
            if let (Some(rule), true) = (&mut self.one_per_email, problems.is_empty()) {
                problems.extend(rule.check(&c.email, pos.record));
            }
        }
        let row_drops = std::mem::take(&mut read.drops.dropped_fields);
        if !problems.is_empty() {
            self.rejected.write(pos, problems, c);
            let made = made(
                problems.len(),
                &mut self.room.rejects,
                &mut self.report.omitted.rejects,
            );
            self.report.reject(pos, problems.drain(..).take(made));
            warnings.clear();
            return;
        }
        let made = made(
            warnings.len(),
            &mut self.room.warnings,
            &mut self.report.omitted.warnings,
        );
        for w in warnings.drain(..).take(made) {
            self.report.warn(pos, w);
        }
        for (field, n) in row_drops {
            *self.report.dropped_fields.entry(field).or_insert(0) += n;
        }
        if let Some(to) = self.to {
            let report = &mut self.report;
            mapping::dropped_fields(c, origin, to, &self.mapping.writing, |f| {
                report.drop_field(f.name())
            });
        }
        if self.preview.len() < self.preview_len {
            self.preview.push(c.clone());
        }
        self.accepted.accept(pos, c, out);
        self.report.written += 1;
    }
}

/// Of `n` entries of one kind, how many to make with `room` left: those are taken from the
/// room, the rest counted in `omitted`.
fn made(n: usize, room: &mut usize, omitted: &mut u64) -> usize {
    let made = n.min(*room);
    *room -= made;
    *omitted += (n - made) as u64;
    made
}
