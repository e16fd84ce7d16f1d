//! The rejects file: canonical CSV with `record,line,errors` in front, so a user fixes the
//! values and feeds the file back. Guarded for Excel by default (it holds values no one
//! checked), read back as it was.

use crate::contact::{Contact, Field};
use crate::format::write::CsvOut;
use crate::problem::{Position, Problem};

/// The rejects file's header: `record,line,errors`, then the canonical fields.
pub fn header() -> Vec<&'static str> {
    let mut header = vec!["record", "line", "errors"];
    header.extend(Field::ALL.iter().map(|f| f.name()));
    header
}

/// The rejects written so far, until they are taken.
#[derive(Debug)]
pub(crate) struct Rejects {
    /// The CSV writer, once the first reject came (its header goes first).
    csv: Option<CsvOut>,
    excel_safe: bool,
    /// Rows only (a piece of a file converted apart): the header is the joiner's.
    fragment: bool,
    buf: Vec<u8>,
}

impl Rejects {
    pub(crate) fn new(excel_safe: bool, fragment: bool) -> Rejects {
        Rejects {
            csv: None,
            excel_safe,
            fragment,
            buf: Vec::new(),
        }
    }

    /// One row: where the record was, why it was rejected, its values.
    pub(crate) fn write(&mut self, pos: Position, problems: &[Problem], c: &Contact) {
        let buf = &mut self.buf;
        let (fragment, excel_safe) = (self.fragment, self.excel_safe);
        let w = self.csv.get_or_insert_with(|| {
            let mut w = CsvOut::excel_safe(excel_safe);
            if !fragment {
                w.row(&header(), buf);
            }
            w
        });
        let errors = problems
            .iter()
            .map(|p| format!("{}: {}", p.field, p.reason))
            .collect::<Vec<_>>()
            .join("; ");
        let (record, line) = (pos.record.to_string(), pos.line.to_string());
        let mut row: Vec<&str> = vec![&record, &line, &errors];
        row.extend(Field::ALL.iter().map(|&f| c.get(f)));
        w.row(&row, buf);
    }

    /// Moves the rows written so far to the end of `out`.
    pub(crate) fn take(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.buf);
    }
}
