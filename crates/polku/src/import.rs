//! `polku import customers|orders|contacts FILE.csv`: a CSV file with a header row, its columns mapped to fields by
//! name (or by `--map field=Column`), checked whole first — errors as `line N: column X: reason` — and then
//! written whole in one transaction, or not at all. `--dry-run` only checks.

use anyhow::{Context, bail};
use polku_app::App;
use polku_domain::OrgId;
use polku_domain::customers::{self, CustomerDraft, OrderDraft};
use polku_domain::survey::FieldError;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Errors shown before the rest are only counted.
const SHOWN_ERRORS: usize = 20;

#[derive(clap::Args)]
pub(crate) struct ImportArgs {
    /// `customers`, `orders` or `contacts` (support contacts).
    #[arg(value_parser = ["customers", "orders", "contacts"])]
    kind: String,
    /// The CSV file (UTF-8, a header row, comma-separated).
    file: PathBuf,
    /// The organisation to import into.
    #[arg(long)]
    org: String,
    /// Which column holds a field, when its header is not the field's name: `--map external_id="Order ID"`.
    /// Customer fields: external_id, name, email, phone, language, consent_contact, consent_marketing (and any
    /// `attr.KEY` column as attribute KEY). Order fields: external_id, customer, placed_at, amount, currency,
    /// items, status. Contact fields: external_id, customer, channel, reason, touchpoint, opened_at,
    /// closed_at, handling_minutes, cost, currency.
    #[arg(long = "map", value_name = "FIELD=COLUMN")]
    map: Vec<String>,
    /// Check the whole file and report, but write nothing.
    #[arg(long)]
    dry_run: bool,
}

const CUSTOMER_FIELDS: [&str; 7] =
    ["external_id", "name", "email", "phone", "language", "consent_contact", "consent_marketing"];
const ORDER_FIELDS: [&str; 7] = ["external_id", "customer", "placed_at", "amount", "currency", "items", "status"];
const CONTACT_FIELDS: [&str; 10] = [
    "external_id",
    "customer",
    "channel",
    "reason",
    "touchpoint",
    "opened_at",
    "closed_at",
    "handling_minutes",
    "cost",
    "currency",
];
const REQUIRED: [(&str, &[&str]); 3] = [
    ("customers", &["external_id"]),
    ("orders", &["external_id", "customer", "placed_at", "amount", "currency"]),
    ("contacts", &["external_id", "customer", "channel", "opened_at"]),
];

/// Where each field is: its column index and the column's name as the file has it.
struct Columns(HashMap<&'static str, (usize, String)>);

impl Columns {
    fn get<'r>(&self, field: &str, record: &'r csv::StringRecord) -> Option<&'r str> {
        self.0.get(field).and_then(|(i, _)| record.get(*i)).map(str::trim).filter(|v| !v.is_empty())
    }
    fn name(&self, field: &str) -> String {
        self.0.get(field).map_or_else(|| field.to_string(), |(_, n)| n.clone())
    }
}

fn columns(kind: &str, headers: &csv::StringRecord, map: &[String]) -> anyhow::Result<Columns> {
    let fields: &[&'static str] = match kind {
        "customers" => &CUSTOMER_FIELDS,
        "orders" => &ORDER_FIELDS,
        _ => &CONTACT_FIELDS,
    };
    let mut wanted: HashMap<&'static str, String> = fields.iter().map(|f| (*f, f.to_string())).collect();
    for m in map {
        let (field, column) = m.split_once('=').with_context(|| format!("--map {m:?}: expected FIELD=COLUMN"))?;
        let field = fields.iter().find(|f| **f == field.trim()).with_context(|| {
            format!("--map {m:?}: {field:?} is not a field of {kind} (fields: {})", fields.join(", "))
        })?;
        wanted.insert(field, column.trim().to_string());
    }
    let mut found = HashMap::new();
    for (field, column) in wanted {
        if let Some(i) = headers.iter().position(|h| h.trim() == column) {
            found.insert(field, (i, column));
        } else if map.iter().any(|m| m.split_once('=').is_some_and(|(f, _)| f.trim() == field)) {
            bail!(
                "--map {field}={column:?}: the file has no such column (its columns: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    let required = REQUIRED.iter().find(|(k, _)| *k == kind).map(|(_, r)| *r).unwrap_or(&[]);
    for field in required {
        if !found.contains_key(field) {
            bail!(
                "the file has no column for {field} (expected a column named {field:?}, or --map {field}=COLUMN; its columns: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    Ok(Columns(found))
}

fn flag(v: Option<&str>) -> Result<Option<bool>, String> {
    match v.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("true" | "1" | "yes" | "y" | "kyllä" | "ja") => Ok(Some(true)),
        Some("false" | "0" | "no" | "n" | "ei" | "nej") => Ok(Some(false)),
        Some(other) => Err(format!("{other:?} is not yes or no")),
    }
}

/// Line numbers from byte offsets, counted once through the file. The csv reader's own line numbers are
/// taken before it skips the `\n` of a CRLF ending or a blank line, so a Windows file would be reported a
/// line early: a record's line is that of its first byte that ends no line.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    newlines: u64,
}

impl LineCounter {
    /// Records come in file order, so offsets only grow.
    fn line_at(&mut self, bytes: &[u8], byte: u64) -> u64 {
        let mut at = (byte as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at >= self.offset {
            self.newlines += bytes[self.offset..at].iter().filter(|b| **b == b'\n').count() as u64;
            self.offset = at;
        }
        self.newlines + 1
    }
}

/// `line N: column X: reason` for a field error of the row on `line`.
fn line_error(line: u64, cols: &Columns, e: &FieldError) -> String {
    let field = e.field.split('.').next().unwrap_or(&e.field);
    format!("line {line}: column {}: {}", cols.name(field), e.message)
}

pub(crate) async fn run(app: &App, args: &ImportArgs) -> anyhow::Result<std::process::ExitCode> {
    let org: OrgId = args.org.parse().context("--org must be an organisation id")?;
    app.store.org(org).await.map_err(|_| anyhow::anyhow!("no organisation {org}"))?;
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(&bytes[..]);
    let mut lines = LineCounter::default();
    let headers = reader.headers().with_context(|| format!("{}: reading the header row", args.file.display()))?.clone();
    let cols = columns(&args.kind, &headers, &args.map)?;
    let attribute_columns: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.trim().strip_prefix("attr.").map(|k| (i, k.to_string())))
        .collect();

    let mut errors: Vec<String> = Vec::new();
    let mut customers_ok = Vec::new();
    let mut orders_ok = Vec::new();
    let mut contacts_ok = Vec::new();
    let mut rows = 0usize;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(&bytes, p.byte()));
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("{len} columns where the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
                    _ => e.to_string(),
                };
                errors.push(format!("line {line}: {reason}"));
                continue;
            }
        };
        rows += 1;
        let line = record.position().map_or(0, |p| lines.line_at(&bytes, p.byte()));
        let mut errs = Vec::new();
        if args.kind == "customers" {
            let mut consent = |field: &str| {
                flag(cols.get(field, &record)).unwrap_or_else(|message| {
                    errs.push(FieldError { field: field.to_string(), message });
                    None
                })
            };
            let (consent_contact, consent_marketing) = (consent("consent_contact"), consent("consent_marketing"));
            let attributes: BTreeMap<String, String> = attribute_columns
                .iter()
                .filter_map(|(i, k)| {
                    record.get(*i).map(str::trim).filter(|v| !v.is_empty()).map(|v| (k.clone(), v.to_string()))
                })
                .collect();
            let draft = CustomerDraft {
                external_id: cols.get("external_id", &record).unwrap_or("").to_string(),
                name: cols.get("name", &record).map(str::to_string),
                email: cols.get("email", &record).map(str::to_string),
                phone: cols.get("phone", &record).map(str::to_string),
                language: cols.get("language", &record).map(str::to_string),
                consent_contact,
                consent_marketing,
                attributes: (!attributes.is_empty()).then_some(attributes),
            };
            let c = customers::validate_customer(&mut errs, "", &draft);
            if errs.is_empty() {
                customers_ok.push(c);
            }
        } else if args.kind == "contacts" {
            let minutes = match cols.get("handling_minutes", &record).map(str::parse::<u32>) {
                None => None,
                Some(Ok(n)) => Some(n),
                Some(Err(_)) => {
                    errs.push(FieldError {
                        field: "handling_minutes".into(),
                        message: "must be a whole number".into(),
                    });
                    None
                }
            };
            let draft = customers::ContactDraft {
                external_id: cols.get("external_id", &record).unwrap_or("").to_string(),
                customer: cols.get("customer", &record).unwrap_or("").to_string(),
                channel: cols.get("channel", &record).unwrap_or("").to_string(),
                reason: cols.get("reason", &record).map(str::to_string),
                touchpoint: cols.get("touchpoint", &record).map(str::to_string),
                opened_at: cols.get("opened_at", &record).unwrap_or("").to_string(),
                closed_at: cols.get("closed_at", &record).map(str::to_string),
                handling_minutes: minutes,
                cost: cols.get("cost", &record).map(|c| serde_json::Value::String(c.to_string())),
                currency: cols.get("currency", &record).map(str::to_string),
            };
            let c = customers::validate_contact(&mut errs, "", &draft);
            if errs.is_empty() {
                contacts_ok.push(c);
            }
        } else {
            let items = match cols.get("items", &record).map(str::parse::<u32>) {
                None => None,
                Some(Ok(n)) => Some(n),
                Some(Err(_)) => {
                    errs.push(FieldError { field: "items".into(), message: "must be a whole number".into() });
                    None
                }
            };
            let draft = OrderDraft {
                external_id: cols.get("external_id", &record).unwrap_or("").to_string(),
                customer: cols.get("customer", &record).unwrap_or("").to_string(),
                placed_at: cols.get("placed_at", &record).unwrap_or("").to_string(),
                amount: serde_json::Value::String(cols.get("amount", &record).unwrap_or("").to_string()),
                currency: cols.get("currency", &record).unwrap_or("").to_string(),
                items,
                status: cols.get("status", &record).map(str::to_string),
            };
            let o = customers::validate_order(&mut errs, "", &draft);
            if errs.is_empty() {
                orders_ok.push(o);
            }
        }
        errors.extend(errs.iter().map(|e| line_error(line, &cols, e)));
    }

    if !errors.is_empty() {
        for e in errors.iter().take(SHOWN_ERRORS) {
            eprintln!("{}: {e}", args.file.display());
        }
        if errors.len() > SHOWN_ERRORS {
            eprintln!("… and {} more", errors.len() - SHOWN_ERRORS);
        }
        eprintln!("{} error(s) in {rows} row(s): nothing was imported", errors.len());
        return Ok(std::process::ExitCode::FAILURE);
    }
    if rows == 0 {
        bail!("{}: no rows after the header", args.file.display());
    }
    if args.dry_run {
        println!("{rows} row(s) checked, no errors; nothing written (--dry-run)");
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let bar = indicatif::ProgressBar::new(rows as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |done: usize| bar.set_position(done as u64);
    let data = polku_domain::activity::CustomerData {
        customers: customers_ok,
        orders: orders_ok,
        contacts: contacts_ok,
        ..Default::default()
    };
    let n = polku_app::customers::write(app, org, &data, progress).await.context("writing the imported rows")?;
    bar.finish_and_clear();
    println!("{rows} row(s) imported: {n} {} written in one transaction", args.kind);
    // The analyses read one summary per customer: recompute the changed ones now rather than on the first
    // page view after a large file.
    let t = std::time::Instant::now();
    let summaries = app.store.refresh_summaries(Some(org), usize::MAX).await?;
    eprintln!("{summaries} customer summaries recomputed in {:.1} s", t.elapsed().as_secs_f64());
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A field as a spreadsheet may write it: plain, or quoted with commas, quotes and line breaks inside.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9äö@. -]{0,8}",
            "[a-z,\"\n\r ]{0,8}".prop_map(|s| format!("\"{}\"", s.replace('"', "\"\""))),
        ]
    }

    proptest! {
        /// Every record and every refused line is reported on the line it starts on, whatever the line
        /// endings (LF or CRLF), blank lines between records and line breaks inside quoted fields.
        #[test]
        fn records_are_reported_on_their_own_line(
            rows in prop::collection::vec(
                (prop::collection::vec(field(), 1..4).prop_filter("an empty line is no record", |f| !f.join(",").is_empty()), 0..3usize),
                1..8,
            ),
            crlf in any::<bool>(),
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut file = format!("a,b,c{end}");
            let mut expected = Vec::new();
            for (fields, blanks) in &rows {
                file.push_str(&end.repeat(*blanks));
                expected.push(file.matches('\n').count() as u64 + 1);
                file.push_str(&fields.join(","));
                file.push_str(end);
            }
            let bytes = file.as_bytes();
            let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
            reader.headers().unwrap();
            let mut lines = LineCounter::default();
            let mut got = Vec::new();
            for record in reader.records() {
                let position = match &record {
                    Ok(r) => r.position().cloned(),
                    Err(e) => e.position().cloned(),
                };
                got.push(position.map_or(0, |p| lines.line_at(bytes, p.byte())));
            }
            prop_assert_eq!(got, expected, "{:?}", file);
        }

        /// Yes/no cells: the words each language uses, anything else refused with the value quoted.
        #[test]
        fn flags_read_the_three_languages(v in "\\PC{0,6}") {
            match flag(Some(&v)) {
                Ok(Some(b)) => prop_assert!(["true", "1", "yes", "y", "kyllä", "ja", "false", "0", "no", "n", "ei", "nej"]
                    .contains(&v.to_ascii_lowercase().as_str()) && (b == ["true", "1", "yes", "y", "kyllä", "ja"].contains(&v.to_ascii_lowercase().as_str()))),
                Ok(None) => prop_assert!(false, "a value is never none"),
                Err(m) => prop_assert!(m.contains("is not yes or no")),
            }
        }
    }
}
