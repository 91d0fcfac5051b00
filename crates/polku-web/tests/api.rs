//! The HTTP API through the real router on every backend: surveys, responses, metrics, idempotency,
//! bad input, isolation between organisations, roles and the operations endpoints.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use polku_domain::role::Role;
use serde_json::{Value, json};
use support::*;

fn qid(survey: &Value, key: &str) -> String {
    survey["questions"].as_array().unwrap().iter().find(|q| q["key"] == key).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn survey_answers_and_metrics_match_a_recount() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        assert_eq!(s["questions"].as_array().unwrap().len(), 5);
        assert_eq!(s["questions"][0]["type"], "nps");
        let nps = qid(&s, "nps");
        // Ten NPS answers: 5 promoters, 3 passives, 2 detractors → NPS 30. CSAT 4,5,2 → 2/3 satisfied.
        let scores = [10, 10, 10, 9, 9, 8, 8, 7, 6, 0];
        for (i, score) in scores.iter().enumerate() {
            let mut answers = vec![json!({"question": nps, "value": score})];
            if i < 3 {
                let (csat, ces) = ([4, 5, 2][i], [2, 4, 6][i]);
                answers.push(json!({"question": "csat", "value": csat}));
                answers.push(json!({"question": "ces", "value": ces}));
            }
            let body = json!({"answers": answers, "channel": if i % 2 == 0 { "email" } else { "sms" },
                              "touchpoint": "delivery", "submitted_at": format!("2026-03-{:02}T10:00:00Z", i + 1)});
            let r = t.api(Method::POST, &format!("/api/v1/surveys/{id}/responses"), &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
            assert!(r.json()["id"].as_str().is_some());
        }
        let m = t.api(Method::GET, &format!("/api/v1/surveys/{id}/metrics?granularity=week"), &t.token, None).await;
        assert_eq!(m.status, StatusCode::OK, "{}: {}", t.backend, m.body);
        let m = m.json();
        assert_eq!(m["nps"]["n"], 10, "{}", t.backend);
        assert_eq!(
            (m["nps"]["promoters"].as_u64(), m["nps"]["passives"].as_u64(), m["nps"]["detractors"].as_u64()),
            (Some(5), Some(3), Some(2))
        );
        assert!((m["nps"]["score"].as_f64().unwrap() - 30.0).abs() < 1e-9);
        let ci = m["nps"]["ci95"].as_array().unwrap();
        assert!((ci[0].as_f64().unwrap() - (30.0 - 48.4078)).abs() < 1e-3, "{ci:?}");
        assert!((m["csat"]["score"].as_f64().unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert!((m["ces"]["score"].as_f64().unwrap() - 4.0).abs() < 1e-9);
        // 2026-03-01 (Sunday) … 03-10: weeks starting 02-23, 03-02, 03-09.
        let series = m["series"].as_array().unwrap();
        assert_eq!(
            series.iter().map(|p| p["start"].as_str().unwrap()).collect::<Vec<_>>(),
            ["2026-02-23", "2026-03-02", "2026-03-09"]
        );
        assert_eq!(series.iter().map(|p| p["nps"]["n"].as_u64().unwrap()).sum::<u64>(), 10);
        // A period filter and day granularity, inclusive on both ends.
        let d = t
            .api(
                Method::GET,
                &format!("/api/v1/surveys/{id}/metrics?from=2026-03-02&to=2026-03-03&granularity=day"),
                &t.token,
                None,
            )
            .await
            .json();
        assert_eq!(d["nps"]["n"], 2);
        assert_eq!(d["series"].as_array().unwrap().len(), 2);
        // The rollups agree with a recount of the raw answers.
        assert!(t.app.store.verify_rollups(t.org).await.unwrap().is_empty(), "{}", t.backend);
        // The survey reads back with its definition.
        let g = t.api(Method::GET, &format!("/api/v1/surveys/{id}"), &t.token, None).await.json();
        assert_eq!(g["questions"][4]["follow_up"]["bands"][0]["max"], 6);
        assert_eq!(g["locales"], json!(["fi", "sv", "en"]));
    }
}

#[tokio::test]
async fn idempotency_key_stores_once_and_returns_the_first_result() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let path = format!("/api/v1/surveys/{}/responses", s["id"].as_str().unwrap());
        let send = |key: &'static str| {
            let req = Request::post(&path)
                .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
                .header(header::CONTENT_TYPE, "application/json")
                .header("Idempotency-Key", key)
                .body(Body::from(json!({"answers": [{"question": "nps", "value": 9}]}).to_string()))
                .unwrap();
            t.send(req)
        };
        let a = send("order-1001").await;
        let b = send("order-1001").await;
        let c = send("order-1002").await;
        assert_eq!((a.status, b.status, c.status), (StatusCode::CREATED, StatusCode::CREATED, StatusCode::CREATED));
        assert_eq!(a.json()["id"], b.json()["id"], "{}", t.backend);
        assert_ne!(a.json()["id"], c.json()["id"]);
        assert_eq!(b.headers.get("idempotency-replayed").unwrap(), "true");
        assert_eq!(t.app.store.response_count(t.org, None).await.unwrap(), 2, "{}", t.backend);
        // Concurrent retries with one key: still one response, one id.
        let (w, x, y, z) = tokio::join!(send("burst"), send("burst"), send("burst"), send("burst"));
        let ids: Vec<Value> = [w, x, y, z].iter().map(|r| r.json()["id"].clone()).collect();
        assert!(ids.windows(2).all(|p| p[0] == p[1] && !p[0].is_null()), "{}: {ids:?}", t.backend);
        assert_eq!(t.app.store.response_count(t.org, None).await.unwrap(), 3, "{}", t.backend);
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_stores_nothing() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let other = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        let path = format!("/api/v1/surveys/{id}/responses");
        let foreign_q = qid(&other, "nps");
        let cases: Vec<(Value, StatusCode, &str)> = vec![
            (
                json!({"answers": [{"question": "nps", "value": 11}]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "answers[0].value",
            ),
            (
                json!({"answers": [{"question": "nps", "value": "great"}]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "answers[0].value",
            ),
            (
                json!({"answers": [{"question": "nps", "value": 5}, {"question": "heard", "value": "tv"}]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "answers[1].value",
            ),
            (
                json!({"answers": [{"question": "nope", "value": 5}]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "answers[0].question",
            ),
            (
                json!({"answers": [{"question": foreign_q, "value": 5}]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "answers[0].question",
            ),
            (json!({"answers": [{"question": "csat", "value": 5}]}), StatusCode::UNPROCESSABLE_ENTITY, "answers.nps"),
            (json!({"answers": "all of them"}), StatusCode::UNPROCESSABLE_ENTITY, "answers"),
            (
                json!({"answers": [{"question": 7, "value": 5}]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "answers[0].question",
            ),
        ];
        for (body, status, field) in cases {
            let r = t.api(Method::POST, &path, &t.token, Some(body.clone())).await;
            assert_eq!(r.status, status, "{}: {body} → {}", t.backend, r.body);
            assert!(r.field_errors().iter().any(|f| f == field), "{}: {body} → {}", t.backend, r.body);
        }
        // Malformed JSON.
        let req = Request::post(&path)
            .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"answers\": ["))
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("malformed JSON"));
        // Well-formed but without a required field: that field is named.
        let r = t.api(Method::POST, "/api/v1/teams", &t.token, Some(json!({}))).await;
        assert_eq!(
            (r.status, r.field_errors()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_string()]),
            "{}",
            r.body
        );
        // Over 1 MiB.
        let big = json!({"answers": [{"question": "why", "value": "x".repeat(1_100_000)}]});
        let r = t.api(Method::POST, &path, &t.token, Some(big)).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", t.backend);
        // Wrong content type.
        let req = Request::post(&path)
            .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
            .body(Body::from("answers=1"))
            .unwrap();
        assert_eq!(t.send(req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // A closed survey takes nothing.
        let r = t.api(Method::POST, &format!("/api/v1/surveys/{id}/close"), &t.token, None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let r = t.api(Method::POST, &path, &t.token, Some(json!({"answers": [{"question": "nps", "value": 5}]}))).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(t.app.store.response_count(t.org, None).await.unwrap(), 0, "{}: something was stored", t.backend);
        // Invalid surveys name the field.
        let mut bad = nps_survey();
        bad["questions"][1]["text"] = json!({"fi": "x"});
        let r = t.api(Method::POST, "/api/v1/surveys", &t.token, Some(bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.field_errors().contains(&"questions[1].text.sv".to_string()), "{}", r.body);
        let r = t.api(Method::GET, &format!("/api/v1/surveys/{id}/metrics?from=2026-13-01"), &t.token, None).await;
        assert_eq!(r.field_errors(), vec!["from".to_string()]);
        let r = t.api(Method::GET, &format!("/api/v1/surveys/{id}/metrics?granularity=year"), &t.token, None).await;
        assert_eq!(r.field_errors(), vec!["granularity".to_string()]);
    }
}

#[tokio::test]
async fn another_organisation_sees_404_everywhere() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        let (_, other_email, other_token) = new_org(&t.app, "Kilpailija Oy").await;
        let probes = [
            (Method::GET, format!("/api/v1/surveys/{id}"), None),
            (Method::PUT, format!("/api/v1/surveys/{id}"), Some(nps_survey())),
            (Method::POST, format!("/api/v1/surveys/{id}/close"), None),
            (Method::POST, format!("/api/v1/surveys/{id}/open"), None),
            (Method::GET, format!("/api/v1/surveys/{id}/metrics"), None),
            (
                Method::POST,
                format!("/api/v1/surveys/{id}/responses"),
                Some(json!({"answers": [{"question": "nps", "value": 1}]})),
            ),
        ];
        for (method, path, body) in probes {
            let r = t.api(method.clone(), &path, &other_token, body).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: {method} {path} → {}", t.backend, r.body);
        }
        let list = t.api(Method::GET, "/api/v1/surveys", &other_token, None).await.json();
        assert_eq!(list, json!([]));
        // The UI too: another organisation's member gets 404 for the survey page and its edit form.
        let (cookies, csrf) = t.login(&other_email).await;
        for path in [format!("/surveys/{id}"), format!("/surveys/{id}/edit"), format!("/?survey={id}")] {
            assert_eq!(t.get(&path, &cookies).await.status, StatusCode::NOT_FOUND, "{}: {path}", t.backend);
        }
        let r =
            t.post_form(&format!("/surveys/{id}/status"), &cookies, &[("_csrf", &csrf), ("status", "closed")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // And another organisation's token cannot be revoked.
        let tokens = t.app.store.tokens(t.org).await.unwrap();
        let r = t.post_form(&format!("/settings/tokens/{}/revoke", tokens[0].id), &cookies, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", t.backend);
        assert!(t.app.store.tokens(t.org).await.unwrap()[0].revoked_at.is_none());
        // Nothing was stored or changed in the first organisation.
        assert_eq!(t.app.store.response_count(t.org, None).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn tokens_and_roles_are_enforced() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        let r = t.send(Request::get("/api/v1/surveys").body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = t.api(Method::GET, "/api/v1/surveys", "pk_not-a-token", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let actor = polku_app::Actor::System("test");
        let (_, viewer) = polku_app::orgs::create_token(&t.app, &actor, t.org, "viewer", Role::Viewer).await.unwrap();
        let (agent_id, agent) =
            polku_app::orgs::create_token(&t.app, &actor, t.org, "kiosk", Role::Agent).await.unwrap();
        assert_eq!(
            t.api(Method::GET, &format!("/api/v1/surveys/{id}/metrics"), &viewer, None).await.status,
            StatusCode::OK
        );
        assert_eq!(
            t.api(Method::POST, "/api/v1/surveys", &viewer, Some(nps_survey())).await.status,
            StatusCode::FORBIDDEN
        );
        let answer = json!({"answers": [{"question": "nps", "value": 3}]});
        let path = format!("/api/v1/surveys/{id}/responses");
        assert_eq!(t.api(Method::POST, &path, &viewer, Some(answer.clone())).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.api(Method::POST, &path, &agent, Some(answer.clone())).await.status, StatusCode::CREATED);
        assert_eq!(
            t.api(Method::POST, "/api/v1/surveys", &agent, Some(nps_survey())).await.status,
            StatusCode::FORBIDDEN
        );
        // A revoked token stops working at once.
        let caller = polku_app::auth::Caller { org: t.org, role: Role::Owner, actor: actor.clone() };
        polku_app::orgs::revoke_token(&t.app, &caller, agent_id).await.unwrap();
        assert_eq!(t.api(Method::POST, &path, &agent, Some(answer)).await.status, StatusCode::UNAUTHORIZED);
        // Tokens are stored hashed: the secret is nowhere in the database's token list.
        let listed = t.app.store.tokens(t.org).await.unwrap();
        assert!(listed.iter().all(|k| !agent.contains(&k.prefix[3..]) || k.prefix.len() < 20));
    }
}

#[tokio::test]
async fn a_survey_with_answers_is_versioned_not_edited() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        // Before any answer, a change edits version 1 in place.
        let mut v = nps_survey();
        v["name"] = json!("Asiakaskysely 2026");
        let r = t.api(Method::PUT, &format!("/api/v1/surveys/{id}"), &t.token, Some(v.clone())).await.json();
        assert_eq!((r["version"].as_i64(), r["new_version"].as_bool()), (Some(1), Some(false)));
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/surveys/{id}/responses"),
                &t.token,
                Some(json!({"answers": [{"question": "nps", "value": 10}]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        v["questions"][0]["text"]["fi"] = json!("Suosittelisitko meitä ystävällesi?");
        v["questions"].as_array_mut().unwrap().remove(3);
        let r = t.api(Method::PUT, &format!("/api/v1/surveys/{id}"), &t.token, Some(v)).await.json();
        assert_eq!((r["version"].as_i64(), r["new_version"].as_bool()), (Some(2), Some(true)), "{}", t.backend);
        // The NPS question keeps its id, so the trend continues across versions.
        assert_eq!(qid(&r, "nps"), qid(&s, "nps"));
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/surveys/{id}/responses"),
                &t.token,
                Some(json!({"answers": [{"question": "heard", "value": "google"}, {"question": "nps", "value": 1}]})),
            )
            .await;
        assert_eq!(r.field_errors(), vec!["answers[0].question".to_string()], "{}", t.backend);
        let m = t.api(Method::GET, &format!("/api/v1/surveys/{id}/metrics"), &t.token, None).await.json();
        assert_eq!(m["nps"]["n"], 1);
        // The first version still reads with its own wording.
        let rec = t.app.store.survey(t.org, id.parse().unwrap()).await.unwrap();
        assert_eq!(rec.version_number, 2);
        assert_eq!(rec.definition.questions.len(), 4);
    }
}

#[tokio::test]
async fn operations_endpoints_and_openapi() {
    for t in spawn_apps().await {
        assert_eq!(t.get("/healthz", &[]).await.status, StatusCode::OK);
        assert_eq!(t.get("/readyz", &[]).await.status, StatusCode::OK);
        let s = t.create_survey(&t.token, nps_survey()).await;
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/surveys/{}/responses", s["id"].as_str().unwrap()),
                &t.token,
                Some(json!({"answers": [{"question": "nps", "value": 10}]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let m = t.get("/metrics", &[]).await.body;
        assert!(m.contains("polku_responses_ingested_total 1"), "{m}");
        assert!(m.contains("polku_http_requests_total{class=\"api\",status=\"2xx\"}"));
        assert!(m.contains("polku_write_batch_size_count 1"));
        let doc = t.get("/api/v1/openapi.json", &[]).await.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        // What is served is what the snapshot test (tests/openapi.rs) pins down.
        assert_eq!(doc, serde_json::to_value(polku_web::api::openapi()).unwrap());
        for p in [
            "/api/v1/surveys",
            "/api/v1/surveys/{id}",
            "/api/v1/surveys/{id}/responses",
            "/api/v1/surveys/{id}/metrics",
        ] {
            assert!(doc["paths"][p].is_object(), "{p} missing from OpenAPI");
        }
        assert!(doc["components"]["schemas"]["SurveyInput"].is_object());
    }
}

/// The router serves exactly the documented methods on every documented path: each documented operation
/// reaches a handler (no 404 for want of a route, no 405), and every other method gets 405. Together with
/// `ApiRoutes` being the only way an API module can add a route, no endpoint is served undocumented.
#[tokio::test]
async fn the_router_serves_what_the_openapi_document_lists() {
    let t = spawn_apps().await.into_iter().next().unwrap();
    // A fallback that says so, to tell "no such route" from a handler's own 404 for an unknown id.
    let router = t.router.clone().fallback(|| async { (StatusCode::IM_A_TEAPOT, "no route") });
    let t = TestApp { router, ..t };
    let doc = serde_json::to_value(polku_web::api::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 50, "{} paths", paths.len());
    for (path, item) in paths {
        // Every parameter gets a value no handler knows: the nil UUID.
        let concrete = path
            .split('/')
            .map(|s| if s.starts_with('{') { "00000000-0000-0000-0000-000000000000" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
            let documented = item.get(method.as_str().to_lowercase()).is_some();
            let r = t.api(method.clone(), &concrete, &t.token, None).await;
            assert_ne!(r.status, StatusCode::IM_A_TEAPOT, "{method} {path}: no route");
            if documented {
                assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is documented but not served");
            } else {
                assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is served but not documented");
            }
        }
    }
}

#[tokio::test]
async fn comments_are_analysed_listed_filtered_and_paged() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        let texts = [
            (3, "sv", "Målaren kom två timmar för sent och ingen ringde."),
            (10, "en", "Great result and a very tidy crew, thank you!"),
            (9, "fi", "Hyvä lopputulos, mutta lasku oli väärin."),
        ];
        for (i, (score, locale, text)) in texts.iter().enumerate() {
            let body = json!({"answers": [{"question": "nps", "value": score}, {"question": "why", "value": text}],
                              "locale": locale, "channel": "email", "submitted_at": format!("2026-03-{:02}T10:00:00Z", i + 1)});
            let r = t.api(Method::POST, &format!("/api/v1/surveys/{id}/responses"), &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
        }
        let all = t.api(Method::GET, "/api/v1/comments", &t.token, None).await;
        assert_eq!(all.status, StatusCode::OK, "{}: {}", t.backend, all.body);
        let all = all.json();
        let list = all["comments"].as_array().unwrap();
        // Newest first, each analysed at ingestion; the "but" clause makes the 9 a negative comment.
        assert_eq!(
            list.iter().map(|c| c["tone"].as_str().unwrap()).collect::<Vec<_>>(),
            ["negative", "positive", "negative"]
        );
        assert_eq!(list[0]["language"], "fi");
        assert_eq!(list[0]["score"], 9);
        assert!(
            list[0]["themes"].as_array().unwrap().iter().any(|th| th["key"] == "invoicing" && th["tone"] == "negative")
        );
        assert_eq!(all["next"], Value::Null);
        let sv = t.api(Method::GET, "/api/v1/comments?language=sv&polarity=negative", &t.token, None).await.json();
        assert_eq!(sv["comments"].as_array().unwrap().len(), 1, "{}", t.backend);
        let q =
            t.api(Method::GET, "/api/v1/comments?theme=invoicing&from=2026-03-03&to=2026-03-03", &t.token, None).await;
        assert_eq!(q.json()["comments"].as_array().unwrap().len(), 1, "{}", t.backend);
        // Bad filters are refused by name.
        for (query, field) in [
            ("theme=weather", "theme"),
            ("from=03/01/2026", "from"),
            ("after=abc", "after"),
            ("language=de", "language"),
        ] {
            let r = t.api(Method::GET, &format!("/api/v1/comments?{query}"), &t.token, None).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", r.body);
            assert!(r.field_errors().contains(&field.to_string()), "{query}: {}", r.body);
        }
        // Another organisation sees nothing, and not this survey by id.
        let (_, _, other_token) = new_org(&t.app, "Toinen Oy").await;
        let theirs = t.api(Method::GET, "/api/v1/comments", &other_token, None).await.json();
        assert_eq!(theirs["comments"], json!([]));
        let r = t.api(Method::GET, &format!("/api/v1/comments?survey={id}"), &other_token, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", t.backend);
    }
}

#[tokio::test]
async fn comments_are_searched_tagged_annotated_and_marked_read() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        let answers = [
            (2, "fi", "Laskussa oli virhe ja toimitus myöhästyi.", "c-1"),
            (10, "en", "A tidy crew and a great result.", "c-2"),
            (7, "sv", "Målaren var trevlig men leveransen var sen.", "c-1"),
        ];
        for (i, (score, locale, text, customer)) in answers.iter().enumerate() {
            let body = json!({"answers": [{"question": "nps", "value": score}, {"question": "why", "value": text}],
                              "locale": locale, "customer": customer, "submitted_at": format!("2026-04-{:02}T10:00:00Z", i + 1)});
            let r = t.api(Method::POST, &format!("/api/v1/surveys/{id}/responses"), &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
        }
        // Search finds inflected forms in each language, and prefixes.
        assert_eq!(texts(&t, "q=lasku").await.len(), 1, "{}", t.backend);
        assert_eq!(texts(&t, "q=leverans").await, ["Målaren var trevlig men leveransen var sen."], "{}", t.backend);
        assert_eq!(texts(&t, "q=tid*").await, ["A tidy crew and a great result."], "{}", t.backend);
        assert_eq!(texts(&t, "q=tidy+crew").await.len(), 1, "{}", t.backend);
        assert!(texts(&t, "q=tidy+lasku").await.is_empty(), "{}: every word must match", t.backend);
        assert!(texts(&t, "q=sähkö").await.is_empty(), "{}", t.backend);
        // Score, customer and theme-with-tone filters.
        assert_eq!(texts(&t, "score_max=6").await.len(), 1, "{}", t.backend);
        assert_eq!(texts(&t, "score_min=7&score_max=10").await.len(), 2, "{}", t.backend);
        assert_eq!(texts(&t, "customer=c-1").await.len(), 2, "{}", t.backend);
        assert_eq!(texts(&t, "theme=delivery&polarity=negative").await.len(), 2, "{}", t.backend);
        assert!(texts(&t, "theme=delivery&polarity=positive").await.is_empty(), "{}", t.backend);

        let all = t.api(Method::GET, "/api/v1/comments", &t.token, None).await.json();
        let ids: Vec<i64> = all["comments"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(all["comments"][0]["score_kind"], "nps");
        let newest = ids[0];
        // Tags: normalised, idempotent, listed with counts, filterable.
        for _ in 0..2 {
            let r = t
                .api(Method::PUT, &format!("/api/v1/comments/{newest}/tags/Soita%20%20takaisin"), &t.token, None)
                .await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}: {}", t.backend, r.body);
        }
        let tags = t.api(Method::GET, "/api/v1/comment-tags", &t.token, None).await.json();
        assert_eq!(tags, json!([{"tag": "soita takaisin", "comments": 1}]), "{}", t.backend);
        assert_eq!(texts(&t, "tag=soita+takaisin").await.len(), 1, "{}", t.backend);
        assert_eq!(texts(&t, "tag=soita+takaisin&q=leverans").await.len(), 1, "{}", t.backend);
        assert!(texts(&t, "tag=soita+takaisin&q=lasku").await.is_empty(), "{}", t.backend);
        // Notes, shown with their author (none for a token).
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/comments/{newest}/notes"),
                &t.token,
                Some(json!({"body": " Soitettu, hyvitys 20 €. "})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
        let one = t.api(Method::GET, &format!("/api/v1/comments/{newest}"), &t.token, None).await.json();
        assert_eq!(one["notes"][0]["body"], "Soitettu, hyvitys 20 €.");
        assert_eq!(one["comment"]["tags"], json!(["soita takaisin"]));
        assert_eq!(one["comment"]["notes"], 1);
        // Read marks: for the team, counted, and the unread filter follows them.
        let r = t.api(Method::POST, "/api/v1/comments/read", &t.token, Some(json!({"ids": [ids[0], ids[1]]}))).await;
        assert_eq!(r.json()["changed"], 2, "{}", t.backend);
        let r = t.api(Method::POST, "/api/v1/comments/read", &t.token, Some(json!({"ids": [ids[0]]}))).await;
        assert_eq!(r.json()["changed"], 0, "{}: already read", t.backend);
        assert_eq!(texts(&t, "unread=true").await.len(), 1, "{}", t.backend);
        let r =
            t.api(Method::POST, "/api/v1/comments/read", &t.token, Some(json!({"ids": [ids[1]], "read": false}))).await;
        assert_eq!(r.json()["changed"], 1, "{}", t.backend);
        assert_eq!(texts(&t, "unread=1").await.len(), 2, "{}", t.backend);
        untag_and_bad_input(&t, newest).await;

        // Another organisation can neither see nor touch these comments; a viewer can look but not triage.
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        assert_eq!(
            t.api(Method::GET, &format!("/api/v1/comments/{newest}"), &other, None).await.status,
            StatusCode::NOT_FOUND
        );
        let r = t.api(Method::PUT, &format!("/api/v1/comments/{newest}/tags/x"), &other, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", t.backend);
        let r =
            t.api(Method::POST, &format!("/api/v1/comments/{newest}/notes"), &other, Some(json!({"body": "x"}))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", t.backend);
        let r = t.api(Method::POST, "/api/v1/comments/read", &other, Some(json!({"ids": ids}))).await;
        assert_eq!(r.json()["changed"], 0, "{}", t.backend);
        assert_eq!(t.api(Method::GET, "/api/v1/comment-tags", &other, None).await.json(), json!([]));
        let actor = polku_app::Actor::System("test");
        let (_, viewer) = polku_app::orgs::create_token(&t.app, &actor, t.org, "viewer", Role::Viewer).await.unwrap();
        assert_eq!(
            t.api(Method::GET, &format!("/api/v1/comments/{newest}"), &viewer, None).await.status,
            StatusCode::OK
        );
        let r = t.api(Method::PUT, &format!("/api/v1/comments/{newest}/tags/x"), &viewer, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.backend);
        let r = t.api(Method::POST, "/api/v1/comments/read", &viewer, Some(json!({"ids": ids}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.backend);
    }
}

/// The texts of the first page of comments for `query`.
async fn texts(t: &TestApp, query: &str) -> Vec<String> {
    let path = format!("/api/v1/comments?{query}");
    let r = t.api(Method::GET, &path, &t.token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {path}: {}", t.backend, r.body);
    r.json()["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap().to_string()).collect()
}

async fn untag_and_bad_input(t: &TestApp, id: i64) {
    let r = t.api(Method::DELETE, &format!("/api/v1/comments/{id}/tags/soita%20takaisin"), &t.token, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", t.backend);
    assert_eq!(t.api(Method::GET, "/api/v1/comment-tags", &t.token, None).await.json(), json!([]));
    for (method, path, body, field) in [
        (Method::PUT, format!("/api/v1/comments/{id}/tags/%3Cb%3E"), None, "tag"),
        (Method::POST, format!("/api/v1/comments/{id}/notes"), Some(json!({"body": "  "})), "body"),
        (Method::POST, format!("/api/v1/comments/{id}/notes"), Some(json!({"body": "x".repeat(4001)})), "body"),
        (Method::POST, "/api/v1/comments/read".to_string(), Some(json!({"ids": vec![1; 501]})), "ids"),
        (Method::POST, "/api/v1/comments/read".to_string(), Some(json!({"ids": "all"})), "ids"),
        (Method::GET, "/api/v1/comments?q=%21%21%21".to_string(), None, "q"),
        (Method::GET, format!("/api/v1/comments?q={}", "a".repeat(201)), None, "q"),
        (Method::GET, "/api/v1/comments?score_min=11".to_string(), None, "score_min"),
        (Method::GET, "/api/v1/comments?score_min=8&score_max=3".to_string(), None, "score_min"),
        (Method::GET, "/api/v1/comments?unread=maybe".to_string(), None, "unread"),
        (Method::GET, "/api/v1/comments?tag=%3B".to_string(), None, "tag"),
    ] {
        let r = t.api(method, &path, &t.token, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {path}: {}", t.backend, r.body);
        assert!(r.field_errors().contains(&field.to_string()), "{path}: {}", r.body);
    }
    assert_eq!(t.api(Method::GET, "/api/v1/comments/999999", &t.token, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.api(Method::GET, "/api/v1/comments/abc", &t.token, None).await.status, StatusCode::NOT_FOUND);
}

/// Key drivers and emerging topics on a fixture worked out by hand (see polku-domain::insights for the
/// formulas): in May, 5 invoice complaints from detractors, 4 promoters praising the work, 2 passives; in
/// the three months before, 20 promoters praising the work.
#[tokio::test]
async fn insights_rank_drivers_and_find_what_is_new() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        let mut answers = Vec::new();
        for i in 0..5 {
            answers.push((2, "invoice", "Lasku oli väärin.", format!("2026-05-{:02}T10:00:00Z", i + 1)));
        }
        for i in 0..4 {
            answers.push((10, "work", "Loistava lopputulos!", format!("2026-05-{:02}T11:00:00Z", i + 10)));
        }
        for i in 0..2 {
            answers.push((8, "work", "Ok.", format!("2026-05-{:02}T12:00:00Z", i + 20)));
        }
        for i in 0..20 {
            answers.push((10, "work", "Loistava lopputulos!", format!("2026-03-{:02}T10:00:00Z", i + 1)));
        }
        for (score, touchpoint, text, at) in answers {
            let body = json!({"answers": [{"question": "nps", "value": score}, {"question": "why", "value": text}],
                              "locale": "fi", "touchpoint": touchpoint, "submitted_at": at});
            let r = t.api(Method::POST, &format!("/api/v1/surveys/{id}/responses"), &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
        }
        assert!(t.app.store.verify_comment_rollups(t.org).await.unwrap().is_empty(), "{}", t.backend);
        let r = t.api(Method::GET, "/api/v1/insights?from=2026-05-01&to=2026-05-30", &t.token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.body);
        let i = r.json();
        assert_eq!((i["baseline_from"].as_str(), i["baseline_to"].as_str()), (Some("2026-01-31"), Some("2026-04-30")));
        assert_eq!(i["theme_answers"], 11, "{}", t.backend);
        let top = &i["themes"][0];
        assert_eq!(top["key"], "invoicing", "{}: {}", t.backend, i["themes"]);
        // With: 5 detractors → −100. Without: 4 promoters, 2 passives → 66.7. Gain 5/22 × 166.7 = 37.88.
        assert!((top["nps_with"].as_f64().unwrap() + 100.0).abs() < 1e-9);
        assert!((top["nps_without"].as_f64().unwrap() - 200.0 / 3.0).abs() < 1e-9);
        assert!((top["gain"].as_f64().unwrap() - 5.0 / 22.0 * (100.0 + 200.0 / 3.0)).abs() < 1e-9, "{top}");
        assert_eq!(top["negative"], 5);
        // Touchpoints from every NPS answer: invoice is all detractors, work has none.
        assert_eq!(i["touchpoint_answers"], 11);
        assert_eq!(i["touchpoints"][0]["key"], "invoice");
        assert!((i["touchpoints"][0]["gain"].as_f64().unwrap() - 5.0 / 22.0 * (100.0 + 200.0 / 3.0)).abs() < 1e-9);
        assert_eq!(i["touchpoints"][1]["gain"], 0.0);
        // Invoicing: 5 of 11 comments now, 0 of 20 before: z = 3.29 (pooled 5/31).
        let e = &i["emerging_themes"];
        assert_eq!(e.as_array().unwrap().len(), 1, "{}: {e}", t.backend);
        assert_eq!(e[0]["key"], "invoicing");
        let pooled: f64 = 5.0 / 31.0;
        let z = (5.0 / 11.0) / (pooled * (1.0 - pooled) * (1.0 / 11.0 + 1.0 / 20.0)).sqrt();
        assert!((e[0]["z"].as_f64().unwrap() - z).abs() < 1e-9);
        assert!(i["emerging_words"].as_array().unwrap().iter().any(|w| w["key"] == "lasku"), "{}", i["emerging_words"]);
        assert_eq!(i["words_counted"], json!([11, 20]));
        // Bad periods are refused by field; another organisation sees nothing of it.
        for (query, field) in
            [("from=2026-06-01&to=2026-05-01", "from"), ("from=2024-01-01&to=2026-01-01", "from"), ("to=x", "to")]
        {
            let r = t.api(Method::GET, &format!("/api/v1/insights?{query}"), &t.token, None).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert!(r.field_errors().contains(&field.to_string()), "{query}: {}", r.body);
        }
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        let theirs = t.api(Method::GET, "/api/v1/insights?from=2026-05-01&to=2026-05-30", &other, None).await.json();
        assert_eq!((theirs["theme_answers"].as_u64(), theirs["themes"].as_array().map(Vec::len)), (Some(0), Some(0)));
        let r = t.api(Method::GET, &format!("/api/v1/insights?survey={id}"), &other, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_organisation_edits_its_themes_checked_whole_and_reanalyses() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        assert_eq!(post_why(&t, id, "Parkkipaikkaa ei löytynyt.").await.status, StatusCode::CREATED);
        let models = t.api(Method::GET, "/api/v1/text-models", &t.token, None).await.json();
        assert_eq!(models.as_array().unwrap().len(), 6, "{}", t.backend);
        let fi = models.as_array().unwrap().iter().find(|m| m["kind"] == "taxonomy" && m["lang"] == "fi").unwrap();
        assert_eq!(fi["own"], false);
        let text = format!("{}\n[parking] Pysäköinti\nparkkipaikka\npysäköinti\n", fi["text"].as_str().unwrap());

        // A file with errors is refused whole, each error with its line; nothing changes.
        let bad = format!("{text}[Bad Key] X\n[parking] Again\n");
        let r = put_text(&t, "/api/v1/text-models/taxonomy/fi", &bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", t.backend, r.body);
        let lines = text.lines().count();
        let messages: Vec<String> = r.json()["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect();
        assert!(messages.iter().any(|m| m.starts_with(&format!("line {}:", lines + 1))), "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with(&format!("line {}:", lines + 2))), "{messages:?}");
        let r = t.api(Method::GET, "/api/v1/comments?theme=parking", &t.token, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "not a theme yet");
        for (path, body, field) in [
            ("/api/v1/text-models/taxonomy/de", text.clone(), "lang"),
            ("/api/v1/text-models/rules/fi", text.clone(), "kind"),
            ("/api/v1/text-models/lexicon/fi", "x".repeat(300_000), "text"),
        ] {
            let r = put_text(&t, path, &body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert!(r.field_errors().contains(&field.to_string()), "{path}: {}", r.body);
        }

        // Saved: new answers use it at once, stored ones after a re-analysis.
        assert_eq!(put_text(&t, "/api/v1/text-models/taxonomy/fi", &text).await.status, StatusCode::NO_CONTENT);
        assert_eq!(post_why(&t, id, "Pysäköinti oli hankalaa.").await.status, StatusCode::CREATED);
        assert_eq!(texts(&t, "theme=parking").await.len(), 1, "{}", t.backend);
        let r = t.api(Method::POST, "/api/v1/text-models/reanalyse", &t.token, None).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let mut waited = 0;
        while texts(&t, "theme=parking").await.len() != 2 {
            waited += 1;
            assert!(waited < 100, "{}: the re-analysis did not finish", t.backend);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(t.app.store.verify_comment_rollups(t.org).await.unwrap().is_empty());

        // Another organisation keeps the shipped taxonomy; only admins change it.
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        assert_eq!(
            t.api(Method::GET, "/api/v1/comments?theme=parking", &other, None).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let actor = polku_app::Actor::System("test");
        for role in [Role::Analyst, Role::Agent, Role::Viewer] {
            let (_, token) = polku_app::orgs::create_token(&t.app, &actor, t.org, "r", role).await.unwrap();
            let r = t
                .send(
                    Request::put("/api/v1/text-models/taxonomy/fi")
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::from(text.clone()))
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?}");
        }
        // Back to the shipped one.
        assert_eq!(
            t.api(Method::DELETE, "/api/v1/text-models/taxonomy/fi", &t.token, None).await.status,
            StatusCode::NO_CONTENT
        );
        let models = t.api(Method::GET, "/api/v1/text-models", &t.token, None).await.json();
        assert!(models.as_array().unwrap().iter().all(|m| m["own"] == false));
    }
}

async fn post_why(t: &TestApp, survey: &str, text: &str) -> Reply {
    let body =
        json!({"answers": [{"question": "nps", "value": 4}, {"question": "why", "value": text}], "locale": "fi"});
    t.api(Method::POST, &format!("/api/v1/surveys/{survey}/responses"), &t.token, Some(body)).await
}

async fn put_text(t: &TestApp, path: &str, body: &str) -> Reply {
    let req = Request::put(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn alert_rules_turn_bad_answers_into_cases_that_are_worked_to_the_end() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let id = s["id"].as_str().unwrap();
        let rule = |body: Value| t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(body));
        let r = rule(json!({"name": "Arvostelija", "condition": {"type": "score_at_most", "kind": "nps", "max": 6}, "sla_hours": 24})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
        let detractors = r.json()["id"].as_str().unwrap().to_string();
        let r = rule(json!({"name": "Laskuvirhe", "condition": {"type": "negative_theme", "theme": "invoicing"}, "sla_hours": 48})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        for (body, field) in [
            (
                json!({"name": "x", "condition": {"type": "score_at_most", "kind": "csat", "max": 6}, "sla_hours": 1}),
                "condition.max",
            ),
            (
                json!({"name": "x", "condition": {"type": "negative_theme", "theme": "weather"}, "sla_hours": 1}),
                "condition.theme",
            ),
            (json!({"name": "x", "condition": {"type": "negative_text"}, "sla_hours": 0}), "sla_hours"),
            (
                json!({"name": "x", "condition": {"type": "negative_text"}, "sla_hours": 1, "owner": "01a20000-0000-7000-8000-000000000000"}),
                "owner",
            ),
            (json!({"name": "x", "condition": {"type": "sometimes"}, "sla_hours": 1}), "condition"),
        ] {
            let r = rule(body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.body);
            assert!(r.field_errors().iter().any(|f| f.starts_with(field)), "{field}: {}", r.body);
        }

        // A detractor, a promoter whose text complains about the invoice, and a happy promoter.
        for (score, text) in
            [(3, "Maalari ei tullut sovittuna päivänä."), (9, "Hyvä työ, mutta lasku oli väärin."), (10, "Loistavaa!")]
        {
            let body = json!({"answers": [{"question": "nps", "value": score}, {"question": "why", "value": text}], "locale": "fi", "customer": "c-7"});
            let r = t.api(Method::POST, &format!("/api/v1/surveys/{id}/responses"), &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let list = t.api(Method::GET, "/api/v1/cases?open=true", &t.token, None).await.json();
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len(), 2, "{}: {list:?}", t.backend);
        // Most urgent first: the 24-hour rule's case.
        assert_eq!((list[0]["rule"].as_str(), list[0]["status"].as_str()), (Some("Arvostelija"), Some("new")));
        assert_eq!(list[1]["rule"], "Laskuvirhe");
        assert_eq!((list[0]["overdue"].as_bool(), list[0]["customer"].as_str()), (Some(false), Some("c-7")));
        let case = list[0]["id"].as_str().unwrap().to_string();

        // Worked: moved with a note, a note alone; a move its status does not allow is refused.
        assert_eq!(
            move_case(&t, &case, "in_progress", Some("Soitan asiakkaalle.")).await.status,
            StatusCode::NO_CONTENT
        );
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/cases/{case}/notes"),
                &t.token,
                Some(json!({"body": "Soitettu, uusi käynti sovittu."})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(move_case(&t, &case, "resolved", None).await.status, StatusCode::NO_CONTENT);
        let r = move_case(&t, &case, "waiting_for_customer", None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(move_case(&t, &case, "sideways", None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(move_case(&t, &case, "closed", None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(
            move_case(&t, &case, "in_progress", None).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "closed is final"
        );
        let detail = t.api(Method::GET, &format!("/api/v1/cases/{case}"), &t.token, None).await.json();
        let kinds: Vec<&str> =
            detail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["status", "note", "note", "status", "status"], "{}: {detail}", t.backend);
        assert_eq!(detail["comments"][0]["text"], "Maalari ei tullut sovittuna päivänä.");
        // The customer's other answers come with it, as context.
        let context: Vec<&str> =
            detail["customer_comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
        assert_eq!(context, ["Loistavaa!", "Hyvä työ, mutta lasku oli väärin."], "{}", t.backend);
        assert_eq!(
            t.api(Method::GET, "/api/v1/cases?open=true", &t.token, None).await.json().as_array().unwrap().len(),
            1
        );

        // Another organisation sees none of it; a viewer sees no cases.
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        assert_eq!(
            t.api(Method::GET, &format!("/api/v1/cases/{case}"), &other, None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(t.api(Method::GET, "/api/v1/cases", &other, None).await.json(), json!([]));
        let actor = polku_app::Actor::System("test");
        let (_, viewer) = polku_app::orgs::create_token(&t.app, &actor, t.org, "v", Role::Viewer).await.unwrap();
        assert_eq!(t.api(Method::GET, "/api/v1/cases", &viewer, None).await.status, StatusCode::FORBIDDEN);
        let (_, analyst) = polku_app::orgs::create_token(&t.app, &actor, t.org, "a", Role::Analyst).await.unwrap();
        let r = t
            .api(
                Method::POST,
                "/api/v1/alert-rules",
                &analyst,
                Some(json!({"name": "x", "condition": {"type": "negative_text"}, "sla_hours": 1})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "analysts change no rules");
        assert_eq!(t.api(Method::GET, "/api/v1/cases", &analyst, None).await.json().as_array().unwrap().len(), 2);

        // An agent works unowned cases and their own; another's case is not theirs to see.
        let agent = |email: &'static str| polku_app::orgs::NewMember {
            email,
            name: "Agentti",
            password: PASSWORD,
            role: Role::Agent,
            locale: polku_domain::Locale::Fi,
        };
        let a1 = polku_app::orgs::add_member(&t.app, &actor, t.org, agent("a1@example.com")).await.unwrap();
        let a2 = polku_app::orgs::add_member(&t.app, &actor, t.org, agent("a2@example.com")).await.unwrap();
        let as_agent = |id, email: &str| polku_app::auth::Caller {
            org: t.org,
            role: Role::Agent,
            actor: polku_app::Actor::User { id, email: email.to_string() },
        };
        let (c1, c2) = (as_agent(a1, "a1@example.com"), as_agent(a2, "a2@example.com"));
        let open = polku_app::store::CaseFilter { open: true, ..Default::default() };
        let seen = polku_app::cases::cases(&t.app, &c1, open.clone()).await.unwrap();
        assert_eq!(seen.len(), 1, "{}: the unowned open case", t.backend);
        let invoice_case: polku_domain::CaseId = seen[0].id.to_string().parse().unwrap();
        polku_app::cases::move_case(&t.app, &c1, invoice_case, "in_progress", None, None).await.unwrap();
        assert_eq!(polku_app::cases::cases(&t.app, &c2, open).await.unwrap().len(), 0, "taken by a1");
        assert!(matches!(polku_app::cases::case(&t.app, &c2, invoice_case).await, Err(polku_app::AppError::NotFound)));
        assert!(matches!(
            polku_app::cases::assign(&t.app, &c2, invoice_case, Some(a2)).await,
            Err(polku_app::AppError::NotFound)
        ));
        assert!(matches!(
            polku_app::cases::assign(&t.app, &c1, invoice_case, Some(a2)).await,
            Err(polku_app::AppError::Forbidden)
        ));
        // Even when a2 acted on what it read before a1 took the case, the store refuses it.
        use polku_domain::cases::CaseStatus::{InProgress, Resolved};
        let raced =
            t.app.store.move_case(t.org, invoice_case, InProgress, Resolved, Some(a2), None, Some(a2), None).await;
        assert!(matches!(raced, Err(polku_app::store::StoreError::Conflict(_))), "{}: {raced:?}", t.backend);
        let raced = t.app.store.set_case_owner(t.org, invoice_case, Some(a2), "x", Some(a2), Some(a2)).await;
        assert!(matches!(raced, Err(polku_app::store::StoreError::Conflict(_))), "{}", t.backend);
        // A case can only be given to someone who works cases.
        let viewer_id = polku_app::orgs::add_member(
            &t.app,
            &actor,
            t.org,
            polku_app::orgs::NewMember {
                email: "katsoja@example.com",
                name: "Katsoja",
                password: PASSWORD,
                role: Role::Viewer,
                locale: polku_domain::Locale::Fi,
            },
        )
        .await
        .unwrap();
        let r = t
            .api(
                Method::PUT,
                &format!("/api/v1/cases/{case}/owner"),
                &t.token,
                Some(json!({"owner": viewer_id.to_string()})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

        // Past due and still open: escalated once, however often (or on however many nodes) the job runs.
        let open_now =
            t.api(Method::GET, "/api/v1/cases?open=true", &t.token, None).await.json().as_array().unwrap().len();
        assert!(open_now >= 1);
        let later = polku_app::store::now() + time::Duration::hours(49);
        let first = t.app.store.escalate_overdue(later, None).await.unwrap();
        assert_eq!(first.len(), open_now, "{}", t.backend);
        let (a, b) = tokio::join!(t.app.store.escalate_overdue(later, None), t.app.store.escalate_overdue(later, None));
        assert_eq!((a.unwrap().len(), b.unwrap().len()), (0, 0), "{}: escalated once", t.backend);
        let escalated = first[0].1;
        let detail = t.api(Method::GET, &format!("/api/v1/cases/{escalated}"), &t.token, None).await.json();
        assert!(detail["case"]["escalated_at"].is_string(), "{detail}");
        assert!(detail["events"].as_array().unwrap().iter().any(|e| e["kind"] == "escalated"), "{detail}");
        // Closed cases and cases not yet due are left alone.
        assert!(first.iter().all(|(org, c)| *org == t.org && c.to_string() != case), "the closed case");

        // A rule switched off makes no more cases; its cases stay.
        assert_eq!(
            t.api(Method::DELETE, &format!("/api/v1/alert-rules/{detractors}"), &t.token, None).await.status,
            StatusCode::NO_CONTENT
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        let body = json!({"answers": [{"question": "nps", "value": 1}], "locale": "fi"});
        assert_eq!(
            t.api(Method::POST, &format!("/api/v1/surveys/{id}/responses"), &t.token, Some(body)).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            t.api(Method::GET, "/api/v1/cases", &t.token, None).await.json().as_array().unwrap().len(),
            2,
            "{}",
            t.backend
        );
    }
}

async fn move_case(t: &TestApp, case: &str, status: &str, note: Option<&str>) -> Reply {
    let body = json!({"status": status, "note": note});
    t.api(Method::POST, &format!("/api/v1/cases/{case}/status"), &t.token, Some(body)).await
}

/// Empowered frontline: small things just happen, a compensation above the member's own limit waits for one
/// approval by an admin (not their own).
#[tokio::test]
async fn compensations_within_the_limit_happen_and_larger_ones_wait_for_approval() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let rule = json!({"name": "Arvostelija", "condition": {"type": "score_at_most", "kind": "nps", "max": 6}, "sla_hours": 24});
        assert_eq!(t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule)).await.status, StatusCode::CREATED);
        let body = json!({"answers": [{"question": "nps", "value": 2}], "locale": "fi"});
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/surveys/{}/responses", s["id"].as_str().unwrap()),
                &t.token,
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let case =
            t.api(Method::GET, "/api/v1/cases", &t.token, None).await.json()[0]["id"].as_str().unwrap().to_string();
        let case_id: polku_domain::CaseId = case.parse().unwrap();

        let actor = polku_app::Actor::System("test");
        let member = polku_app::orgs::NewMember {
            email: "palvelu@example.com",
            name: "Pia Palvelu",
            password: PASSWORD,
            role: Role::Agent,
            locale: polku_domain::Locale::Fi,
        };
        let pia = polku_app::orgs::add_member(&t.app, &actor, t.org, member).await.unwrap();
        let limit = json!({"amount_cents": 5000, "currency": "EUR"});
        let r = t.api(Method::PUT, &format!("/api/v1/members/{pia}/compensation-limit"), &t.token, Some(limit)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let as_pia = polku_app::auth::Caller {
            org: t.org,
            role: Role::Agent,
            actor: polku_app::Actor::User { id: pia, email: "palvelu@example.com".into() },
        };
        use polku_domain::cases::Action;
        let eur = |c: i64| Action::Compensated { amount_cents: c, currency: "EUR".into() };
        let called = polku_app::cases::act(&t.app, &as_pia, case_id, Action::Called, "").await.unwrap();
        assert!(!called.pending);
        let small = polku_app::cases::act(&t.app, &as_pia, case_id, eur(2000), "Maalari myöhässä").await.unwrap();
        assert!(!small.pending, "{}: within the limit", t.backend);
        let large = polku_app::cases::act(&t.app, &as_pia, case_id, eur(9000), "Uusintamaalaus").await.unwrap();
        assert!(large.pending, "{}: above the limit", t.backend);
        let sek = Action::Compensated { amount_cents: 100, currency: "SEK".into() };
        assert!(polku_app::cases::act(&t.app, &as_pia, case_id, sek, "x").await.unwrap().pending, "another currency");

        // One approval by an admin; deciding twice is a conflict; agents cannot decide.
        let pending = t.api(Method::GET, "/api/v1/case-actions/pending", &t.token, None).await.json();
        assert_eq!(pending.as_array().unwrap().len(), 2, "{}: {pending}", t.backend);
        assert!(matches!(
            polku_app::cases::decide(&t.app, &as_pia, large.id, true).await,
            Err(polku_app::AppError::Forbidden)
        ));
        let approve = format!("/api/v1/case-actions/{}/approve", large.id);
        // A token has no person to be "another" than the author: only a signed-in admin decides.
        assert_eq!(t.api(Method::POST, &approve, &t.token, None).await.status, StatusCode::FORBIDDEN);
        let owner = t.app.store.members(t.org).await.unwrap().into_iter().find(|m| m.role == "owner").unwrap();
        let as_owner = polku_app::auth::Caller {
            org: t.org,
            role: Role::Owner,
            actor: polku_app::Actor::User { id: polku_domain::UserId(owner.user_id), email: owner.email },
        };
        polku_app::cases::decide(&t.app, &as_owner, large.id, true).await.unwrap();
        let again = polku_app::cases::decide(&t.app, &as_owner, large.id, true).await;
        assert!(matches!(again, Err(polku_app::AppError::Conflict(_))), "{}: {again:?}", t.backend);
        let detail = t.api(Method::GET, &format!("/api/v1/cases/{case}"), &t.token, None).await.json();
        let statuses: Vec<&str> =
            detail["actions"].as_array().unwrap().iter().map(|a| a["status"].as_str().unwrap()).collect();
        assert_eq!(statuses, ["done", "done", "approved", "pending"], "{}: {detail}", t.backend);
        assert_eq!(detail["actions"][2]["amount_cents"], 9000);

        // Bad input names its field; an API token has no limit, so any compensation waits.
        for (body, field) in [
            (json!({"kind": "compensated", "amount_cents": 0, "currency": "EUR", "reason": "x"}), "amount"),
            (json!({"kind": "compensated", "amount_cents": 100, "currency": "eur", "reason": "x"}), "currency"),
            (json!({"kind": "compensated", "amount_cents": 100, "currency": "EUR"}), "reason"),
        ] {
            let r = t.api(Method::POST, &format!("/api/v1/cases/{case}/actions"), &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.body);
            assert!(r.field_errors().contains(&field.to_string()), "{field}: {}", r.body);
        }
        let r = t
            .api(Method::POST, &format!("/api/v1/cases/{case}/actions"), &t.token, Some(json!({"kind": "bribed"})))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/cases/{case}/actions"),
                &t.token,
                Some(json!({"kind": "compensated", "amount_cents": 100, "currency": "EUR", "reason": "x"})),
            )
            .await;
        assert_eq!((r.status, r.json()["pending"].as_bool()), (StatusCode::CREATED, Some(true)));
        let r = t
            .api(
                Method::PUT,
                &format!("/api/v1/members/{pia}/compensation-limit"),
                &t.token,
                Some(json!({"amount_cents": -1, "currency": "EUR"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        let other_owner = polku_app::auth::Caller {
            org: polku_domain::OrgId(
                t.app.store.orgs().await.unwrap().into_iter().find(|o| o.name == "Toinen Oy").unwrap().id,
            ),
            role: Role::Owner,
            actor: polku_app::Actor::User { id: polku_domain::UserId::new(), email: String::new() },
        };
        let r = polku_app::cases::decide(&t.app, &other_owner, large.id, false).await;
        assert!(matches!(r, Err(polku_app::AppError::NotFound)), "{}: {r:?}", t.backend);
        let _ = other;
        let (_, viewer) = polku_app::orgs::create_token(&t.app, &actor, t.org, "v", Role::Viewer).await.unwrap();
        let r = t
            .api(Method::POST, &format!("/api/v1/cases/{case}/actions"), &viewer, Some(json!({"kind": "called"})))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

/// Agents see and work their own cases and their teams'; a team's case is not for agents outside it.
#[tokio::test]
async fn a_teams_cases_are_seen_by_its_agents_only() {
    for t in spawn_apps().await {
        let r = t.api(Method::POST, "/api/v1/teams", &t.token, Some(json!({"name": "Laskutus"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let team = r.json()["id"].as_str().unwrap().to_string();
        let r = t.api(Method::POST, "/api/v1/teams", &t.token, Some(json!({"name": "Laskutus"}))).await;
        assert!(r.field_errors().contains(&"name".to_string()), "{}: a taken name: {}", t.backend, r.body);
        let actor = polku_app::Actor::System("test");
        let agent = |email: &'static str| polku_app::orgs::NewMember {
            email,
            name: email,
            password: PASSWORD,
            role: Role::Agent,
            locale: polku_domain::Locale::Fi,
        };
        let mut ids = Vec::new();
        for email in ["in1@example.com", "in2@example.com", "out@example.com"] {
            ids.push(polku_app::orgs::add_member(&t.app, &actor, t.org, agent(email)).await.unwrap());
        }
        for id in &ids[..2] {
            let r = t.api(Method::PUT, &format!("/api/v1/teams/{team}/members/{id}"), &t.token, None).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        }
        let teams = t.api(Method::GET, "/api/v1/teams", &t.token, None).await.json();
        assert_eq!(teams[0]["members"].as_array().unwrap().len(), 2);
        let rule = json!({"name": "Kielteinen", "condition": {"type": "negative_text"}, "sla_hours": 8, "team": team});
        assert_eq!(t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule)).await.status, StatusCode::CREATED);
        let bad =
            json!({"name": "x", "condition": {"type": "negative_text"}, "sla_hours": 8, "team": ids[0].to_string()});
        let r = t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(bad)).await;
        assert!(r.field_errors().contains(&"team".to_string()), "{}", r.body);

        let s = t.create_survey(&t.token, nps_survey()).await;
        let body = json!({"answers": [{"question": "nps", "value": 8}, {"question": "why", "value": "Lasku oli väärin ja kallis."}], "locale": "fi"});
        assert_eq!(
            t.api(
                Method::POST,
                &format!("/api/v1/surveys/{}/responses", s["id"].as_str().unwrap()),
                &t.token,
                Some(body)
            )
            .await
            .status,
            StatusCode::CREATED
        );
        let cases = t.api(Method::GET, "/api/v1/cases", &t.token, None).await.json();
        assert_eq!(cases[0]["team_name"], "Laskutus", "{}: {cases}", t.backend);
        let case: polku_domain::CaseId = cases[0]["id"].as_str().unwrap().parse().unwrap();

        let caller = |id: polku_domain::UserId| polku_app::auth::Caller {
            org: t.org,
            role: Role::Agent,
            actor: polku_app::Actor::User { id, email: String::new() },
        };
        let open = polku_app::store::CaseFilter { open: true, ..Default::default() };
        let seen = |id| {
            let (c, f) = (caller(id), open.clone());
            let app = t.app.clone();
            async move { polku_app::cases::cases(&app, &c, f).await }
        };
        assert_eq!(seen(ids[0]).await.unwrap().len(), 1, "{}: in the team", t.backend);
        assert_eq!(seen(ids[2]).await.unwrap().len(), 0, "{}: outside the team", t.backend);
        assert!(matches!(
            polku_app::cases::case(&t.app, &caller(ids[2]), case).await,
            Err(polku_app::AppError::NotFound)
        ));
        let r = polku_app::cases::move_case(&t.app, &caller(ids[2]), case, "in_progress", None, None).await;
        assert!(matches!(r, Err(polku_app::AppError::NotFound)), "{}", t.backend);
        // The first takes it; the teammate still sees and may work it.
        polku_app::cases::move_case(&t.app, &caller(ids[0]), case, "in_progress", None, None).await.unwrap();
        assert_eq!(seen(ids[1]).await.unwrap().len(), 1, "{}: the team's case", t.backend);
        polku_app::cases::note(&t.app, &caller(ids[1]), case, "Autan.").await.unwrap();
        // ...but not take it over, nor give it up for its owner.
        let take = polku_app::cases::assign(&t.app, &caller(ids[1]), case, Some(ids[1])).await;
        assert!(matches!(take, Err(polku_app::AppError::Conflict(_))), "{}: {take:?}", t.backend);
        let drop = polku_app::cases::assign(&t.app, &caller(ids[1]), case, None).await;
        assert!(matches!(drop, Err(polku_app::AppError::Conflict(_))), "{}: {drop:?}", t.backend);
        // Out of the team, out of sight.
        let r = t.api(Method::DELETE, &format!("/api/v1/teams/{team}/members/{}", ids[1]), &t.token, None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(seen(ids[1]).await.unwrap().len(), 0, "{}", t.backend);
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        let r = t.api(Method::PUT, &format!("/api/v1/teams/{team}/members/{}", ids[2]), &other, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
}

/// The praise wall shows positive comments whose customers allowed sharing, for a team's touchpoints or one
/// touchpoint; nothing else.
#[tokio::test]
async fn the_praise_wall_shows_only_shared_praise_for_a_teams_touchpoints() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let survey = s["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/surveys/{survey}/responses");
        let post = |nps: i64, why: &'static str, touchpoint: &'static str, share: bool| {
            let body = json!({"answers": [{"question": "nps", "value": nps}, {"question": "why", "value": why}],
                              "locale": "fi", "touchpoint": touchpoint, "consent": {"share_internally": share}});
            t.api(Method::POST, &path, &t.token, Some(body))
        };
        for (nps, why, tp, share) in [
            (10, "Todella ystävällinen ja siisti maalari, kiitos!", "arrival", true),
            (10, "Loistava lopputulos, kiitos!", "arrival", false),
            (1, "Huono ja myöhässä.", "arrival", true),
            (9, "Hyvä ja selkeä lasku.", "invoice", true),
        ] {
            assert_eq!(post(nps, why, tp, share).await.status, StatusCode::CREATED);
        }
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/surveys/{survey}/responses"),
                &t.token,
                Some(json!({"answers": [{"question": "nps", "value": 9}], "consent": {"share": true}})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown consent field: {}", r.body);

        let texts = |v: Value| -> Vec<String> {
            v.as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap().to_string()).collect()
        };
        let all = t.api(Method::GET, "/api/v1/praise", &t.token, None).await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.body);
        assert_eq!(
            texts(all.json()),
            ["Hyvä ja selkeä lasku.", "Todella ystävällinen ja siisti maalari, kiitos!"],
            "{}: shared and positive only, newest first",
            t.backend
        );
        let team = t.api(Method::POST, "/api/v1/teams", &t.token, Some(json!({"name": "Maalarit"}))).await.json();
        let team = team["id"].as_str().unwrap().to_string();
        let r = t
            .api(Method::PUT, &format!("/api/v1/teams/{team}/touchpoints"), &t.token, Some(json!(["Saapuminen!"])))
            .await;
        assert_eq!(r.field_errors(), ["touchpoints"], "{}", r.body);
        let r = t
            .api(
                Method::PUT,
                &format!("/api/v1/teams/{team}/touchpoints"),
                &t.token,
                Some(json!(["arrival", "arrival"])),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let teams = t.api(Method::GET, "/api/v1/teams", &t.token, None).await.json();
        assert_eq!(teams[0]["touchpoints"], json!(["arrival"]));
        let mine = t.api(Method::GET, &format!("/api/v1/praise?team={team}"), &t.token, None).await.json();
        assert_eq!(texts(mine), ["Todella ystävällinen ja siisti maalari, kiitos!"], "{}", t.backend);
        let invoice = t.api(Method::GET, "/api/v1/praise?touchpoint=invoice", &t.token, None).await.json();
        assert_eq!(texts(invoice), ["Hyvä ja selkeä lasku."]);
        let r = t.api(Method::GET, "/api/v1/praise?team=nope", &t.token, None).await;
        assert_eq!(r.field_errors(), ["team"], "{}", r.body);
        let (other_org, _, other) = new_org(&t.app, "Toinen Oy").await;
        let _ = other_org;
        assert_eq!(
            t.api(Method::GET, "/api/v1/praise", &other, None).await.json(),
            json!([]),
            "another organisation's"
        );
        let r = t.api(Method::PUT, &format!("/api/v1/teams/{team}/touchpoints"), &other, Some(json!(["x"]))).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let system = polku_app::Actor::System("test");
        let (_, agent) = polku_app::orgs::create_token(&t.app, &system, t.org, "a", Role::Agent).await.unwrap();
        let r = t.api(Method::PUT, &format!("/api/v1/teams/{team}/touchpoints"), &agent, Some(json!(["x"]))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

/// "A kiosk's negative share above 30 % in an hour": checked over the window by the minute job, one case per
/// touchpoint and window, on the newest negative answer; other channels and touchpoints do not count.
#[tokio::test]
async fn a_windowed_rule_opens_one_case_when_a_kiosks_negative_share_is_too_high() {
    for t in spawn_apps().await {
        let rule = |percent: i64| {
            json!({"name": "Kioski", "sla_hours": 4, "condition":
            {"type": "negative_share", "channel": "kiosk", "percent": percent, "window_minutes": 60, "min_answers": 10}})
        };
        let r = t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule(0))).await;
        assert_eq!(r.field_errors(), ["condition.percent"], "{}: {}", t.backend, r.body);
        assert_eq!(
            t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule(30))).await.status,
            StatusCode::CREATED
        );
        let s = t.create_survey(&t.token, nps_survey()).await;
        let path = format!("/api/v1/surveys/{}/responses", s["id"].as_str().unwrap());
        let post = |nps: i64, channel: &'static str, touchpoint: &'static str| {
            let body =
                json!({"answers": [{"question": "nps", "value": nps}], "channel": channel, "touchpoint": touchpoint});
            t.api(Method::POST, &path, &t.token, Some(body))
        };
        // store-1: 3 negative of 10 (30 %: not above); store-2: all good; the web: all bad, another channel.
        for i in 0..10 {
            assert_eq!(post(if i < 3 { 2 } else { 9 }, "kiosk", "store-1").await.status, StatusCode::CREATED);
            assert_eq!(post(10, "kiosk", "store-2").await.status, StatusCode::CREATED);
            assert_eq!(post(0, "web", "store-1").await.status, StatusCode::CREATED);
        }
        let now = polku_app::store::now();
        assert_eq!(
            polku_app::cases::check_windows(&t.app, now).await.unwrap(),
            0,
            "{}: 30 % is not above 30 %",
            t.backend
        );
        assert_eq!(
            t.api(Method::GET, "/api/v1/cases", &t.token, None).await.json(),
            json!([]),
            "no answer makes it alone"
        );
        assert_eq!(post(1, "kiosk", "store-1").await.status, StatusCode::CREATED);
        let now = polku_app::store::now();
        assert_eq!(polku_app::cases::check_windows(&t.app, now).await.unwrap(), 1, "{}: 4 of 11", t.backend);
        assert_eq!(polku_app::cases::check_windows(&t.app, now).await.unwrap(), 0, "{}: one per window", t.backend);
        let cases = t.api(Method::GET, "/api/v1/cases", &t.token, None).await.json();
        assert_eq!(cases.as_array().unwrap().len(), 1, "{cases}");
        assert_eq!(cases[0]["rule"], "Kioski");
        // The window has passed: nothing in it, nothing opened.
        let later = now + time::Duration::hours(2);
        assert_eq!(polku_app::cases::check_windows(&t.app, later).await.unwrap(), 0, "{}", t.backend);
    }
}

/// A rule with business hours makes cases due by open hours in the organisation's time zone; bad hours are
/// named field by field.
#[tokio::test]
async fn business_hours_stop_the_sla_clock_outside_opening_hours() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let hours = json!({"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "16:00"});
        for (bad, field) in [
            (json!({"days": [], "opens": "08:00", "closes": "16:00"}), "business_hours.days"),
            (json!({"days": [1], "opens": "16:00", "closes": "08:00"}), "business_hours.closes"),
            (json!({"days": [1], "opens": "8", "closes": "16:00"}), "business_hours.opens"),
            (json!({"days": "weekdays", "opens": "08:00", "closes": "16:00"}), "business_hours.days"),
        ] {
            let body =
                json!({"name": "x", "condition": {"type": "negative_text"}, "sla_hours": 8, "business_hours": bad});
            let r = t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.body);
            assert!(r.field_errors().iter().any(|f| f.starts_with(field)), "{field}: {}", r.body);
        }
        let body = json!({"name": "Toimisto", "condition": {"type": "score_at_most", "kind": "nps", "max": 6},
                          "sla_hours": 8, "business_hours": hours});
        let r = t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
        let rules = t.api(Method::GET, "/api/v1/alert-rules", &t.token, None).await.json();
        assert_eq!(rules[0]["business_hours"], hours, "{}", t.backend);

        let before = time::OffsetDateTime::now_utc();
        let answer = json!({"answers": [{"question": "nps", "value": 2}]});
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/surveys/{}/responses", s["id"].as_str().unwrap()),
                &t.token,
                Some(answer),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let after = time::OffsetDateTime::now_utc();
        let cases = t.api(Method::GET, "/api/v1/cases", &t.token, None).await.json();
        let due = cases[0]["due_at"].as_str().unwrap();
        let due = time::OffsetDateTime::parse(due, &time::format_description::well_known::Rfc3339).unwrap();
        let b: polku_domain::cases::BusinessHours = serde_json::from_value(hours.clone()).unwrap();
        let hki = polku_domain::zone::Zone::default();
        let (lo, hi) = (b.due(before, 8, &hki), b.due(after, 8, &hki));
        assert!(lo <= due && due <= hi, "{}: due {due}, expected {lo}..{hi}", t.backend);
        // Due within opening hours on a weekday, by Helsinki's clocks.
        let local = hki.local(due);
        assert!(local.weekday().number_from_monday() <= 5 && (8..=16).contains(&local.hour()), "{local}");
    }
}

/// Found by the API fuzzing: a journey from year 13 made a previous period of negative years that the
/// database driver could not encode, and the request died without an answer. Days outside 1900–2999 are
/// refused by name on every route that takes a period.
#[tokio::test]
async fn days_outside_the_storable_years_are_refused_by_name() {
    for t in spawn_apps().await {
        let s = t.create_survey(&t.token, nps_survey()).await;
        let metrics = format!("/api/v1/surveys/{}/metrics", s["id"].as_str().unwrap());
        for path in [
            "/api/v1/journey.csv",
            "/api/v1/journey",
            "/api/v1/insights",
            "/api/v1/comments",
            "/api/v1/follow-ups/stats",
            &metrics,
        ] {
            let r = t.api(Method::GET, &format!("{path}?from=0013-12-16&to=2000-01-01"), &t.token, None).await;
            assert_eq!(
                (r.status, r.field_errors()),
                (StatusCode::UNPROCESSABLE_ENTITY, vec!["from".to_string()]),
                "{}: {path}: {}",
                t.backend,
                r.body
            );
        }
        let r =
            t.api(Method::GET, "/api/v1/journey.csv?from=1900-01-01&to=2999-12-31&compare=true", &t.token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.body);
    }
}
