//! The three languages Polku speaks, and choosing one from what a browser or a customer asks for.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A supported language. Finnish first: it is the default wherever nothing else is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fi,
    Sv,
    En,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::Fi, Locale::Sv, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::Fi => "fi",
            Locale::Sv => "sv",
            Locale::En => "en",
        }
    }

    /// The language's name in itself, for language pickers.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::Fi => "suomi",
            Locale::Sv => "svenska",
            Locale::En => "English",
        }
    }

    /// Accepts a bare code or a tag with a region (`sv-FI`, `en_GB`), case-insensitively.
    pub fn parse(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.as_str() == primary)
    }

    /// Picks the best of `available` for an `Accept-Language` header, honouring q-values;
    /// falls back to the first available locale.
    pub fn negotiate(accept_language: &str, available: &[Locale]) -> Option<Locale> {
        let mut wanted: Vec<(f32, usize, Locale)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut bits = part.split(';');
                let locale = Locale::parse(bits.next()?)?;
                let q =
                    bits.find_map(|b| b.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
                (q > 0.0).then_some((q, i, locale))
            })
            .collect();
        // Highest q first; ties keep the header's order.
        wanted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        wanted.into_iter().map(|(_, _, l)| l).find(|l| available.contains(l)).or_else(|| available.first().copied())
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text in several languages, e.g. a question's wording.
pub type LocalizedText = BTreeMap<Locale, String>;

/// The text in `locale`, else in the first language that has one.
pub fn text_in(text: &LocalizedText, locale: Locale) -> &str {
    text.get(&locale).or_else(|| text.values().next()).map(String::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Locale::*;

    #[test]
    fn negotiates_accept_language() {
        let all = [Fi, Sv, En];
        let cases = [
            ("sv-FI,sv;q=0.9,en;q=0.8", Some(Sv)),
            ("en-GB;q=0.5, fi;q=0.8", Some(Fi)),
            ("de-DE,de;q=0.9", Some(Fi)),
            ("", Some(Fi)),
            ("EN", Some(En)),
            ("fi;q=0, en", Some(En)),
        ];
        for (header, want) in cases {
            assert_eq!(Locale::negotiate(header, &all), want, "{header}");
        }
        assert_eq!(Locale::negotiate("fi", &[En, Sv]), Some(En));
        assert_eq!(Locale::negotiate("fi", &[]), None);
    }

    #[test]
    fn text_falls_back() {
        let mut t = LocalizedText::new();
        t.insert(Sv, "Hej".into());
        assert_eq!(text_in(&t, Fi), "Hej");
        t.insert(Fi, "Moi".into());
        assert_eq!(text_in(&t, Fi), "Moi");
        assert_eq!(text_in(&LocalizedText::new(), En), "");
    }
}
