//! The one way Polku writes CSV: every cell is made safe to open in a spreadsheet before it is written.
//!
//! Customers' words, names and e-mail addresses, touchpoint names and tags reach the exports, and a cell
//! that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel and
//! LibreOffice (OWASP, "CSV injection"). Such a cell gets a leading apostrophe, which spreadsheets hide; a
//! cell that is a plain number (`-12`, `+3.5`) is left as it is, since a number is not a formula and the
//! figures' negative values must stay numbers. A test fails when a CSV writer is made anywhere else.

/// A CSV document being written into memory.
pub struct CsvOut(csv::Writer<Vec<u8>>);

impl Default for CsvOut {
    fn default() -> Self {
        CsvOut(csv::Writer::from_writer(Vec::new()))
    }
}

impl CsvOut {
    /// Writes one record, each cell defused.
    pub fn record<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for c in cells {
            self.0.write_field(defuse(c.as_ref()).as_bytes())?;
        }
        // An empty record ends the one whose fields were just written.
        self.0.write_record(None::<&[u8]>)
    }

    /// The document's bytes.
    pub fn finish(self) -> anyhow::Result<Vec<u8>> {
        Ok(self.0.into_inner()?)
    }
}

/// A cell that a spreadsheet will show as text, never run as a formula.
pub fn defuse(v: &str) -> std::borrow::Cow<'_, str> {
    match v.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if v.trim().parse::<f64>().is_err() => format!("'{v}").into(),
        _ => v.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{CsvOut, defuse};

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for (cell, out) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+cmd", "'+cmd"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("\t=1", "'\t=1"),
            ("-12", "-12"),
            ("-0.25", "-0.25"),
            ("Hyvä", "Hyvä"),
            ("", ""),
        ] {
            assert_eq!(defuse(cell), out, "{cell:?}");
        }
        let mut w = CsvOut::default();
        w.record(["name", "revenue"]).unwrap();
        w.record(["=1+1", "-500"]).unwrap();
        assert_eq!(String::from_utf8(w.finish().unwrap()).unwrap(), "name,revenue\n'=1+1,-500\n");
    }

    /// Every CSV the crate writes goes through [`CsvOut`].
    #[test]
    fn no_other_csv_writer() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        let mut files = vec![dir];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("csv_out.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("csv::Writer") || text.contains("csv::WriterBuilder") {
                    found.push(path.display().to_string());
                }
            }
        }
        assert!(found.is_empty(), "CSV written without defusing in {found:?}");
    }
}
