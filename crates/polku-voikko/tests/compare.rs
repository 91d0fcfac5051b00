//! Where libvoikko's base forms change the analysis of the evaluation set, compared with Snowball: a tool
//! for tuning the Finnish lexicon, not a check. Run with
//! `cargo test -p polku-voikko --test compare -- --ignored --nocapture`.

use polku_domain::Locale;
use polku_domain::text::{Analyzer, Polarity};

#[test]
#[ignore = "a report for lexicon work, needs libvoikko"]
fn differences_from_snowball_on_the_evaluation_set() {
    let voikko = polku_voikko::VoikkoLemmatizer::load("libvoikko.so.1", 1).expect("libvoikko");
    let with_voikko = Analyzer::builder().lemmatizer(Box::new(voikko)).build();
    let snowball = Analyzer::new();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/text-eval/comments.csv");
    let mut reader = csv::Reader::from_path(path).expect("evaluation set");
    let (mut better, mut worse) = (0, 0);
    for row in reader.records() {
        let row = row.expect("row");
        let (text, lang, label) = (&row[0], &row[1], &row[2]);
        if lang != "fi" {
            continue;
        }
        let gold = Polarity::parse(label).expect("label");
        let v = with_voikko.analyze(text, Some(Locale::Fi), None);
        let s = snowball.analyze(text, Some(Locale::Fi), None);
        if v.sentiment.polarity != s.sentiment.polarity {
            let mark = if v.sentiment.polarity == gold {
                better += 1;
                "+"
            } else if s.sentiment.polarity == gold {
                worse += 1;
                "-"
            } else {
                " "
            };
            println!(
                "{mark} gold {label:<8} voikko {:<8} {:+.2} snowball {:<8} {:+.2}  {text}",
                v.sentiment.polarity.as_str(),
                v.sentiment.score,
                s.sentiment.polarity.as_str(),
                s.sentiment.score
            );
            for t in v.tokens.iter().filter(|t| t.valence != 0.0) {
                println!("      voikko {:?} {:+.2}", &text[t.start..t.end], t.valence);
            }
            for t in s.tokens.iter().filter(|t| t.valence != 0.0) {
                println!("      snowball {:?} {:+.2}", &text[t.start..t.end], t.valence);
            }
        }
    }
    println!("voikko right where snowball was wrong: {better}; wrong where snowball was right: {worse}");
}
