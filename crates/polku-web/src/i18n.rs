//! UI texts in Finnish, Swedish and English through Fluent. The `.ftl` files are compiled into the binary
//! and parsed once; a missing key falls back to English and then to the key itself, and a test checks
//! that every key exists in every language.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use polku_domain::Locale;
use polku_domain::zone::Zone;
use std::sync::OnceLock;

const SOURCES: [(Locale, &str); 3] = [
    (Locale::Fi, include_str!("../locales/fi.ftl")),
    (Locale::Sv, include_str!("../locales/sv.ftl")),
    (Locale::En, include_str!("../locales/en.ftl")),
];

struct Bundles([FluentBundle<FluentResource>; 3]);

fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| {
        Bundles(SOURCES.map(|(locale, src)| {
            let res =
                FluentResource::try_new(src.to_string()).unwrap_or_else(|(_, errs)| panic!("{locale}.ftl: {errs:?}"));
            let lang: unic_langid::LanguageIdentifier = locale.as_str().parse().expect("valid language id");
            let mut b = FluentBundle::new_concurrent(vec![lang]);
            // No Unicode isolation marks: the texts go into HTML, where they would show up as noise.
            b.set_use_isolating(false);
            b.add_resource(res).expect("no duplicate keys");
            b
        }))
    })
}

fn index(l: Locale) -> usize {
    match l {
        Locale::Fi => 0,
        Locale::Sv => 1,
        Locale::En => 2,
    }
}

/// The translator handed to every template: the reader's language and, on signed-in pages, the
/// organisation's time zone, in which every date and time is shown.
#[derive(Clone, Copy, Debug)]
pub struct T {
    pub locale: Locale,
    zone: Option<&'static Zone>,
}

/// Zones by name, each made once for the life of the process (there are a few hundred at most), so that
/// `T` stays `Copy`.
fn interned(zone: &Zone) -> &'static Zone {
    static ZONES: OnceLock<std::sync::Mutex<std::collections::HashMap<String, &'static Zone>>> = OnceLock::new();
    let mut map = ZONES.get_or_init(Default::default).lock().expect("zone table");
    map.entry(zone.name().to_string()).or_insert_with(|| Box::leak(Box::new(zone.clone())))
}

impl T {
    pub fn new(locale: Locale) -> Self {
        Self { locale, zone: None }
    }

    /// Shows dates and times in `zone`.
    pub fn in_zone(self, zone: &Zone) -> Self {
        Self { zone: Some(interned(zone)), ..self }
    }

    fn local(&self, t: &time::OffsetDateTime) -> time::OffsetDateTime {
        self.zone.map_or(*t, |z| z.local(*t))
    }

    fn lookup(&self, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        for l in [self.locale, Locale::En] {
            let b = &bundles().0[index(l)];
            if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
                let mut errs = Vec::new();
                return Some(b.format_pattern(pattern, args, &mut errs).into_owned());
            }
        }
        None
    }

    /// A missing key shows as the key itself; debug builds (tests, the browser tests) mark it `⟦key⟧`, so that
    /// the layout test finds every text a page asks for and no language has.
    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        self.lookup(key, args)
            .unwrap_or_else(|| if cfg!(debug_assertions) { format!("⟦{key}⟧") } else { key.to_string() })
    }

    pub fn get(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text for `key` when there is one: for names made from data (an outcome code), whose caller has a
    /// readable fallback of its own.
    pub fn try_get(&self, key: &str) -> Option<String> {
        self.lookup(key, None)
    }

    /// A text with one variable, e.g. `t.arg("survey-versions", "n", 3)`.
    pub fn arg(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(value.to_string()));
        self.format(key, Some(&args))
    }

    /// A text chosen by a count (Fluent plural rules), e.g. `t.count("inbox-notes-count", 3)`.
    pub fn count(&self, key: &str, n: impl Count) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(n.count()));
        self.format(key, Some(&args))
    }

    /// A text with several counts, each chosen by its own plural rule.
    pub fn counts(&self, key: &str, counts: &[(&str, usize)]) -> String {
        let mut args = FluentArgs::new();
        for (name, n) in counts {
            args.set(name.to_string(), FluentValue::from(n.count()));
        }
        self.format(key, Some(&args))
    }

    pub fn lang(&self) -> &'static str {
        self.locale.as_str()
    }

    /// A number with `places` decimals as the language writes it: a decimal comma and a true minus sign
    /// (U+2212) in Finnish and Swedish, a point and a hyphen-minus in English. `-0.0` shows as `0`.
    pub fn num(&self, v: f64, places: usize) -> String {
        let text = format!("{v:.places$}");
        // A value that rounds to zero has no sign.
        let text = if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
            text.trim_start_matches('-').to_string()
        } else {
            text
        };
        match self.locale {
            Locale::En => text,
            Locale::Fi | Locale::Sv => text.replace('.', ",").replace('-', "\u{2212}"),
        }
    }

    /// An amount of money in cents with its currency code, e.g. `3200,00 EUR`.
    pub fn money(&self, cents: i64, currency: &str) -> String {
        format!("{} {currency}", self.num(cents as f64 / 100.0, 2)).trim_end().to_string()
    }

    /// The date of an instant in the organisation's zone, as the language writes dates: `4.12.2026`,
    /// `2026-12-04`, `4 Dec 2026`.
    pub fn date(&self, t: &time::OffsetDateTime) -> String {
        self.calendar_date(self.local(t).date())
    }

    fn calendar_date(&self, date: time::Date) -> String {
        let (d, m, y) = (date.day(), u8::from(date.month()), date.year());
        match self.locale {
            Locale::Fi => format!("{d}.{m}.{y}"),
            Locale::Sv => format!("{y}-{m:02}-{d:02}"),
            Locale::En => format!("{d} {} {y}", &date.month().to_string()[..3]),
        }
    }

    /// A day written `YYYY-MM-DD` (as buckets are named) as the language writes dates; anything else as it is.
    pub fn day(&self, iso: &str) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(iso, format) {
            Ok(d) => self.calendar_date(d),
            Err(_) => iso.to_string(),
        }
    }

    /// [`Self::date_time`] with seconds, for logs: `4.12.2026 klo 9.05.07`, `2026-12-04 09:05:07`.
    pub fn date_time_seconds(&self, t: &time::OffsetDateTime) -> String {
        let sep = if self.locale == Locale::Fi { '.' } else { ':' };
        format!("{}{sep}{:02}", self.date_time(t), t.second())
    }

    /// A date and time of day in the organisation's zone (UTC where there is none, as on public pages),
    /// e.g. `4.12.2026 klo 14.05`, `2026-12-04 14:05`, `4 Dec 2026, 14:05`.
    pub fn date_time(&self, t: &time::OffsetDateTime) -> String {
        let t = &self.local(t);
        let (h, min) = (t.hour(), t.minute());
        match self.locale {
            Locale::Fi => format!("{} klo {h}.{min:02}", self.date(t)),
            Locale::Sv => format!("{} {h:02}:{min:02}", self.date(t)),
            Locale::En => format!("{}, {h:02}:{min:02}", self.date(t)),
        }
    }
}

/// A count for [`T::count`], whatever integer type (or reference to one) a template holds.
pub trait Count {
    fn count(&self) -> i64;
}

macro_rules! count_for {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_for!(i64, u64, usize, i32, u32);

impl<C: Count> Count for &C {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast::Entry;

    fn keys(src: &str) -> std::collections::BTreeSet<String> {
        let res = FluentResource::try_new(src.to_string()).expect("parses");
        res.entries()
            .filter_map(|e| match e {
                Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_key_in_every_language() {
        let en = keys(SOURCES[2].1);
        assert!(en.len() > 50);
        for (locale, src) in SOURCES {
            let k = keys(src);
            let missing: Vec<_> = en.difference(&k).collect();
            let extra: Vec<_> = k.difference(&en).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{locale}: missing {missing:?}, extra {extra:?}");
        }
    }

    /// Every literal key a template or page asks for exists (a missing one would show as its key).
    #[test]
    fn every_key_the_pages_use_exists() {
        let en = keys(SOURCES[2].1);
        let dirs = [concat!(env!("CARGO_MANIFEST_DIR"), "/templates"), concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui")];
        let mut missing = Vec::new();
        for dir in dirs {
            for entry in std::fs::read_dir(dir).expect("the directory") {
                let path = entry.expect("an entry").path();
                let text = std::fs::read_to_string(&path).expect("a text file");
                for marker in ["t.get(\"", "t.arg(\"", "t.count(\"", "t.counts(\""] {
                    for (at, _) in text.match_indices(marker) {
                        // `t.get`, not `sent.get`.
                        if text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                            continue;
                        }
                        let key = text[at + marker.len()..].split('"').next().unwrap_or("");
                        if !key.is_empty()
                            && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                            && !en.contains(key)
                        {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys not in en.ftl: {missing:?}");
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        let (fi, sv, en) = (T::new(Locale::Fi), T::new(Locale::Sv), T::new(Locale::En));
        assert_eq!(fi.num(-12.345, 1), "\u{2212}12,3");
        assert_eq!(sv.num(0.5, 2), "0,50");
        assert_eq!(en.num(-12.345, 1), "-12.3");
        assert_eq!(fi.num(-0.04, 1), "0,0", "no sign on a rounded zero");
        assert_eq!(fi.num(3.0, 0), "3");
        assert_eq!(fi.money(320_005, "EUR"), "3200,05 EUR");
        assert_eq!(en.money(-5, "EUR"), "-0.05 EUR");
        let at = time::macros::datetime!(2026-12-04 09:05 UTC);
        assert_eq!(fi.date(&at), "4.12.2026");
        assert_eq!(sv.date(&at), "2026-12-04");
        assert_eq!(en.date(&at), "4 Dec 2026");
        assert_eq!(fi.date_time(&at), "4.12.2026 klo 9.05");
        assert_eq!(sv.date_time(&at), "2026-12-04 09:05");
        assert_eq!(en.date_time(&at), "4 Dec 2026, 09:05");
        assert_eq!(fi.date_time_seconds(&at), "4.12.2026 klo 9.05.00");
        assert_eq!(fi.day("2026-11-23"), "23.11.2026");
        assert_eq!(fi.day("2026-W48"), "2026-W48", "not a day: as it is");
    }

    #[test]
    fn translates_and_falls_back() {
        assert_eq!(T::new(Locale::Fi).get("nav-dashboard"), "Yleiskuva");
        let missing = if cfg!(debug_assertions) { "⟦no-such-key⟧" } else { "no-such-key" };
        assert_eq!(T::new(Locale::Sv).get("no-such-key"), missing);
        assert_eq!(T::new(Locale::Sv).try_get("no-such-key"), None);
    }
}
