//! Every response out again through `GET /api/v1/surveys/{id}/responses`, on every backend: keyset pages
//! that walk all rows once even while new ones arrive, NDJSON and CSV streams, bad parameters named, another
//! organisation's survey not found, customer references only for roles with personal data; and the inbox CSV
//! streamed in batches.

mod support;

use axum::http::{Method, StatusCode};
use polku_domain::role::Role;
use serde_json::{Value, json};
use support::*;

async fn answer(t: &TestApp, survey: &str, i: usize, why: &str) {
    let body = json!({"answers": [{"question": "nps", "value": i % 11}, {"question": "heard", "value": "friend"},
        {"question": "why", "value": why}], "channel": "email", "customer": format!("asiakas-{i}@example.fi")});
    let r = t.api(Method::POST, &format!("/api/v1/surveys/{survey}/responses"), &t.token, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn responses_leave_in_pages_and_streams() {
    for t in spawn_apps().await {
        let survey: Value = t.create_survey(&t.token, nps_survey()).await;
        let sid = survey["id"].as_str().unwrap().to_string();
        for i in 0..7 {
            answer(&t, &sid, i, if i == 3 { "=HYPERLINK(\"http://evil.example\")" } else { "Hyvä palvelu" }).await;
        }
        // Pages of three: every response once, in order, the last page saying there is no next.
        let mut seen = Vec::new();
        let mut after = String::new();
        for page in 0.. {
            let r = t
                .api(Method::GET, &format!("/api/v1/surveys/{sid}/responses?limit=3&after={after}"), &t.token, None)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let v = r.json();
            seen.extend(v["responses"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()));
            if page == 0 {
                // One arriving while the export runs comes at the end, once.
                answer(&t, &sid, 7, "Myöhemmin").await;
            }
            match v["next"].as_str() {
                Some(n) => after = n.to_string(),
                None => break,
            }
        }
        let unique: std::collections::HashSet<&String> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (8, 8), "{}: {seen:?}", t.backend);
        let first =
            t.api(Method::GET, &format!("/api/v1/surveys/{sid}/responses?limit=1"), &t.token, None).await.json();
        let r = &first["responses"][0];
        assert_eq!(r["answers"].as_array().unwrap().len(), 3, "{r}");
        assert!(
            r["submitted_at"].as_str().unwrap().ends_with("+02:00")
                || r["submitted_at"].as_str().unwrap().ends_with("+03:00"),
            "{r}"
        );
        assert_eq!(r["customer"], "asiakas-0@example.fi", "an admin token sees references");
        // NDJSON: one object per line, all of them.
        let nd = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/responses?format=ndjson"), &t.token, None).await;
        assert_eq!(nd.status, StatusCode::OK);
        let lines: Vec<Value> = nd.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 8, "{}", t.backend);
        // CSV: parseable, a column per question, formulas defused.
        let csv = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/responses?format=csv"), &t.token, None).await;
        let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
        let headers = reader.headers().unwrap().clone();
        assert!(headers.iter().any(|h| h == "nps") && headers.iter().any(|h| h == "why"), "{headers:?}");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 8);
        assert!(csv.body.contains("'=HYPERLINK"), "{}", csv.body);
        // Bad parameters are named; another organisation's survey is not found.
        for (q, field) in [
            ("after=nonsense", "after"),
            ("limit=0", "limit"),
            ("limit=many", "limit"),
            ("format=xml", "format"),
            ("format=csv&format=json", "query"),
        ] {
            let r = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/responses?{q}"), &t.token, None).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {}", r.body);
            assert_eq!(r.field_errors(), [field], "{q}");
        }
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        let r = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/responses"), &other, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The survey page links the same downloads for a signed-in member.
        let (cookies, _) = t.login(&t.email).await;
        let page = t.get(&format!("/surveys/{sid}"), &cookies).await;
        assert!(page.body.contains(&format!("/surveys/{sid}/responses.csv")), "{}", t.backend);
        let file = t.get(&format!("/surveys/{sid}/responses.csv"), &cookies).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.body.lines().count(), 9, "a header and eight answers");
        // A viewer gets the answers without the references.
        let (_, viewer) =
            polku_app::orgs::create_token(&t.app, &polku_app::Actor::System("t"), t.org, "v", Role::Viewer)
                .await
                .unwrap();
        let v = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/responses"), &viewer, None).await.json();
        assert!(v["responses"].as_array().unwrap().iter().all(|r| r["customer"].is_null()), "{v}");
    }
}

/// The inbox CSV is streamed batch by batch: an export longer than one batch has every comment once,
/// newest first (then by id) across the batches' seams, with one header.
#[tokio::test]
async fn the_inbox_csv_streams_every_comment_once() {
    for t in spawn_apps().await {
        let now = time::OffsetDateTime::now_utc();
        let data = polku_app::demo::bench_data(&t.app, 2_100, 1.0, 3, now, &|_| {}).await.unwrap();
        let email = format!("lukija-{}@example.fi", t.backend);
        let member = polku_app::orgs::NewMember {
            email: &email,
            name: "Lukija",
            password: PASSWORD,
            role: Role::Viewer,
            locale: polku_domain::Locale::Fi,
        };
        polku_app::orgs::add_member(&t.app, &polku_app::Actor::System("t"), data.org, member).await.unwrap();
        let (cookies, _) = t.login(&email).await;
        let csv = t.get("/inbox.csv", &cookies).await;
        assert_eq!(csv.status, StatusCode::OK);
        let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
        let rows: Vec<(time::OffsetDateTime, i64)> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                let at = time::OffsetDateTime::parse(&r[1], &time::format_description::well_known::Rfc3339).unwrap();
                (at, r[0].parse().unwrap())
            })
            .collect();
        assert!(rows.windows(2).all(|w| w[0] > w[1]), "{}: newest first, across batches", t.backend);
        let ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert!(ids.len() > 1_000, "{}: more than one batch: {}", t.backend, ids.len());
        assert_eq!(unique.len(), ids.len(), "{}: each comment once", t.backend);
        let rows = polku_store_testing::testing::org_rows(&t.app.store, data.org).await;
        let stored = rows.iter().find(|r| r.0 == "comments").unwrap().1;
        assert_eq!(ids.len() as i64, stored, "{}: every comment", t.backend);
        assert_eq!(csv.body.matches("id,submitted_at,").count(), 1, "one header");
    }
}
