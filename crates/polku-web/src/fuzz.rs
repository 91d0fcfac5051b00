//! Property tests for the query-string parsers of the API and the pages (issue 14's hostile input): any
//! query string — parameters of each endpoint with good, bad and arbitrary values, repeated, percent-encoded
//! or not — is parsed or refused with the offending field named, never a panic. `PROPTEST_CASES` sets the
//! number of cases (see `polku-domain/src/fuzz.rs`).

use proptest::prelude::*;

const KEYS: &[&str] = &[
    "from",
    "to",
    "lang",
    "compare",
    "months",
    "granularity",
    "survey",
    "polarity",
    "theme",
    "channel",
    "touchpoint",
    "language",
    "customer",
    "score_min",
    "score_max",
    "q",
    "after",
    "unread",
    "tag",
    "limit",
    "format",
    "status",
    "open",
    "group",
    "",
];
const VALUES: &[&str] = &[
    "",
    "2026-11-23",
    "2026-02-30",
    "23.11.2026",
    "9999-12-31T23:59:59-01:00",
    "0000-01-01T00:00:00+01:00",
    "fi",
    "sv",
    "xx",
    "true",
    "false",
    "1",
    "yes",
    "maybe",
    "12",
    "0",
    "61",
    "-1",
    "99999999999999999999",
    "day",
    "week",
    "month",
    "year",
    "negative",
    "furious",
    "delivery",
    "kiosk",
    "Bad Name!",
    "0",
    "10",
    "11",
    "01a24469-d91d-7604-8913-19e3609f2342",
    "not-a-uuid",
    "1.2.3",
    "%",
    "%ZZ",
    "%C3%A4",
    "ä",
    "a+b",
    "=",
    "&",
];

fn query() -> impl Strategy<Value = String> {
    let pair = (
        prop::sample::select(KEYS),
        prop_oneof![4 => prop::sample::select(VALUES).prop_map(String::from), 1 => "\\PC{0,12}"],
    );
    prop_oneof![
        6 => prop::collection::vec(pair, 0..6).prop_map(|ps| {
            ps.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
        }),
        1 => "\\PC{0,40}",
    ]
}

fn named(e: &polku_app::AppError) -> bool {
    match e {
        polku_app::AppError::Invalid(v) => v.0.iter().all(|f| !f.message.is_empty()) && !v.0.is_empty(),
        _ => false,
    }
}

proptest! {
    #[test]
    fn query_strings_are_parsed_or_refused_by_field(q in query()) {
        if let Err(e) = crate::api::parse_journey_query(Some(&q)) {
            prop_assert!(named(&e), "journey {q:?}: {e:?}");
        }
        if let Err(e) = crate::api::parse_money_query(Some(&q)) {
            prop_assert!(named(&e), "money {q:?}: {e:?}");
        }
        if let Err(e) = crate::api::parse_metrics_query(Some(&q)) {
            prop_assert!(e.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY && !e.fields.is_empty(), "metrics {q:?}");
        }
        static ANALYZER: std::sync::OnceLock<polku_domain::text::Analyzer> = std::sync::OnceLock::new();
        let analyzer = ANALYZER.get_or_init(polku_domain::text::Analyzer::default);
        let zone = polku_domain::zone::Zone::default();
        match crate::ui::inbox::params(Some(&q)) {
            Ok(p) => {
                if let Err(e) = polku_app::comments::inbox_filter(analyzer, polku_domain::OrgId::new(), &zone, &p) {
                    prop_assert!(named(&e), "inbox {q:?}: {e:?}");
                }
            }
            Err(e) => prop_assert!(named(&e), "inbox {q:?}: {e:?}"),
        }
    }
}
