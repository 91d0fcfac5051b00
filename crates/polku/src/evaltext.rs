//! `polku eval-text FILE.csv`: scores the text analysis against labelled comments.
//!
//! The file has a header row naming at least `text`, `language` (fi / sv / en) and `label` (positive /
//! neutral / negative); an optional `themes` column (theme keys separated by `;`) adds theme precision and
//! recall, and an optional `rating` column (a human sentiment score on any scale, e.g. −4…4) adds the Pearson
//! correlation between it and the analyzer's score. The language column is given to the analyzer as its
//! hint, as a survey's language is in the product. A malformed row stops the run with `line N: column X:
//! reason`; nothing is scored from a file that is only partly understood.

use anyhow::{Context, bail};
use polku_domain::Locale;
use polku_domain::text::eval::{Evaluation, evaluate_by_language};
use polku_domain::text::{Analyzer, Polarity};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct EvalTextArgs {
    /// CSV file with columns text, language, label and optionally themes and rating.
    file: PathBuf,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
}

struct Row {
    text: String,
    lang: Locale,
    label: Polarity,
    themes: Option<Vec<String>>,
    rating: Option<f64>,
}

#[derive(Serialize)]
struct Report {
    /// Which lemmatizer made the Finnish base forms: "libvoikko 4.3.1" or "snowball".
    finnish_base_forms: String,
    languages: BTreeMap<Locale, LanguageReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    themes: Option<ThemeReport>,
}

#[derive(Serialize)]
struct LanguageReport {
    #[serde(flatten)]
    evaluation: Evaluation,
    /// How often the language recognised from the text alone equals the file's.
    language_detected: f64,
    /// Pearson correlation of the analyzer's score with the `rating` column, when the file has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    rating_correlation: Option<f64>,
}

#[derive(Serialize)]
struct ThemeReport {
    precision: f64,
    recall: f64,
    expected: u32,
    found: u32,
}

pub(crate) fn run(args: &EvalTextArgs) -> anyhow::Result<std::process::ExitCode> {
    let rows = read(&args.file)?;
    if rows.is_empty() {
        bail!("{}: no rows to score", args.file.display());
    }
    // The lemmatizer the server would use (libvoikko for Finnish when installed; POLKU_VOIKKO=off for Snowball).
    let (lemmatizer, info) = polku_voikko::lemmatizer();
    let analyzer = Analyzer::builder().lemmatizer(lemmatizer).build();
    let mut pairs = Vec::with_capacity(rows.len());
    let mut detected: BTreeMap<Locale, (u32, u32)> = BTreeMap::new();
    let mut ratings: BTreeMap<Locale, Vec<(f64, f64)>> = BTreeMap::new();
    let (mut expected, mut found, mut hit) = (0u32, 0u32, 0u32);
    let mut has_themes = false;
    for row in &rows {
        let a = analyzer.analyze(&row.text, Some(row.lang), None);
        pairs.push((row.lang, row.label, a.sentiment.polarity));
        let alone = analyzer.analyze(&row.text, None, None).language;
        let d = detected.entry(row.lang).or_default();
        d.0 += u32::from(alone == Some(row.lang));
        d.1 += 1;
        if let Some(r) = row.rating {
            ratings.entry(row.lang).or_default().push((r, f64::from(a.sentiment.score)));
        }
        if let Some(themes) = &row.themes {
            has_themes = true;
            expected += themes.len() as u32;
            found += a.themes.len() as u32;
            hit += a.themes.iter().filter(|t| themes.contains(&t.key)).count() as u32;
        }
    }
    let ratio = |a: u32, b: u32| if b == 0 { 0.0 } else { f64::from(a) / f64::from(b) };
    let languages = evaluate_by_language(&pairs)
        .into_iter()
        .map(|(lang, evaluation)| {
            let (ok, n) = detected[&lang];
            let rating_correlation = ratings.get(&lang).and_then(|v| pearson(v));
            (lang, LanguageReport { evaluation, language_detected: ratio(ok, n), rating_correlation })
        })
        .collect();
    let themes =
        has_themes.then(|| ThemeReport { precision: ratio(hit, found), recall: ratio(hit, expected), expected, found });
    let finnish_base_forms = match info {
        polku_voikko::LemmatizerInfo::Voikko { version } => format!("libvoikko {version}"),
        polku_voikko::LemmatizerInfo::Snowball { .. } => "snowball".to_string(),
    };
    let report = Report { finnish_base_forms, languages, themes };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_tables(&report);
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn print_tables(report: &Report) {
    println!("Finnish base forms: {}", report.finnish_base_forms);
    println!("{:<4} {:>6} {:>9} {:>9} {:>9}  {:>11}", "lang", "n", "accuracy", "macro-F1", "detected", "correlation");
    for (lang, r) in &report.languages {
        let e = &r.evaluation;
        let corr = r.rating_correlation.map_or("-".to_string(), |c| format!("{c:.3}"));
        println!(
            "{:<4} {:>6} {:>9.3} {:>9.3} {:>9.3}  {:>11}",
            lang.as_str(),
            e.n,
            e.accuracy,
            e.macro_f1,
            r.language_detected,
            corr
        );
    }
    for (lang, r) in &report.languages {
        let e = &r.evaluation;
        println!("\n{}: confusion (rows: gold, columns: predicted)", lang.as_str());
        println!(
            "{:>10} {:>9} {:>9} {:>9}   {:>9} {:>9} {:>9}",
            "", "positive", "neutral", "negative", "precision", "recall", "F1"
        );
        for (i, p) in Polarity::ALL.iter().enumerate() {
            let c = &e.classes[i];
            println!(
                "{:>10} {:>9} {:>9} {:>9}   {:>9.3} {:>9.3} {:>9.3}",
                p.as_str(),
                e.confusion[i][0],
                e.confusion[i][1],
                e.confusion[i][2],
                c.precision,
                c.recall,
                c.f1
            );
        }
    }
    if let Some(t) = &report.themes {
        println!(
            "\nthemes: precision {:.3}, recall {:.3} ({} expected, {} found)",
            t.precision, t.recall, t.expected, t.found
        );
    }
}

/// Pearson's r; `None` with fewer than two points or no variance.
fn pearson(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in points {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

fn read(path: &std::path::Path) -> anyhow::Result<Vec<Row>> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: line 1", path.display()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(text), Some(language), Some(label)) = (column("text"), column("language"), column("label")) else {
        bail!("{}: line 1: the header must name the columns text, language and label", path.display());
    };
    let (themes, rating) = (column("themes"), column("rating"));
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}", path.display()))?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let fail = |col: &str, why: String| anyhow::anyhow!("{}: line {line}: column {col}: {why}", path.display());
        let lang = Locale::parse(field(language))
            .ok_or_else(|| fail("language", format!("{:?} is not fi, sv or en", field(language))))?;
        let label = Polarity::parse(field(label))
            .ok_or_else(|| fail("label", format!("{:?} is not positive, neutral or negative", field(label))))?;
        let rating = match rating.map(field).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                s.parse::<f64>()
                    .ok()
                    .filter(|r| r.is_finite())
                    .ok_or_else(|| fail("rating", format!("{s:?} is not a number")))?,
            ),
            None => None,
        };
        rows.push(Row {
            text: record.get(text).unwrap_or("").to_string(),
            lang,
            label,
            themes: themes
                .map(|i| field(i).split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()),
            rating,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_by_hand() {
        // y = 2x + 1 exactly: r = 1; reversed: r = −1; constant: undefined.
        let up: Vec<(f64, f64)> = (0..5).map(|x| (f64::from(x), 2.0 * f64::from(x) + 1.0)).collect();
        assert!((pearson(&up).unwrap() - 1.0).abs() < 1e-12);
        let down: Vec<(f64, f64)> = up.iter().map(|&(x, y)| (x, -y)).collect();
        assert!((pearson(&down).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(pearson(&[(1.0, 2.0), (2.0, 2.0)]), None);
        // (1,1), (2,3), (3,2): mean 2 and 2; sxy = 1, sxx = 2, syy = 2 → r = 0.5.
        assert!((pearson(&[(1.0, 1.0), (2.0, 3.0), (3.0, 2.0)]).unwrap() - 0.5).abs() < 1e-12);
    }
}
