//! Personal survey links through the real router on every backend: an answer given through one is stored
//! with its customer and channel, once; a changed, expired or foreign link stores nothing.

mod support;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use polku_domain::SurveyId;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use support::*;

/// The personal link in a message's text (its first `?i=` link that is not the way out), as a path.
fn link_in(text: &str) -> String {
    let link =
        text.split_whitespace().find(|w| w.contains("?i=") && !w.contains("/unsubscribe")).expect("a personal link");
    link.trim_start_matches("http://127.0.0.1:8080").to_string()
}

/// Opens a personal link and sends `score` as the NPS answer: the status of the POST.
async fn answer_through(t: &TestApp, link: &str, slug: &str, score: &str) -> StatusCode {
    let page = t.get(link, &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let form = [("_csrf", hidden(&page.body, "_csrf")), ("i", hidden(&page.body, "i")), ("q_nps", score.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    t.post_form(&format!("/s/{slug}"), &page.cookies(), &form).await.status
}

/// Lets invitations go out at any hour (the default rules keep nights quiet), a month apart as before.
async fn any_hour(t: &TestApp) {
    let rules = json!({"days_between": 30, "quiet_hours": null, "quiet_days": [], "require_consent": false});
    let r = t.api(Method::PUT, "/api/v1/contact-rules", &t.token, Some(rules)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_personal_link_ties_the_answer_to_its_customer_once() {
    for t in spawn_apps().await {
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let sid: SurveyId = SurveyId(survey["id"].as_str().unwrap().parse().unwrap());
        let customers =
            json!([{"external_id": "C-1", "name": "Sven Svensson", "email": "sven@example.se", "language": "sv"}]);
        let r = t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(customers)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let record = polku_app::surveys::current(&t.app, t.org, sid).await.unwrap();
        let customer = t.app.store.customer_id(t.org, "C-1").await.unwrap().unwrap();
        let link =
            polku_app::invitations::personal_link(&t.app, &record, customer, "email", "delivery", 30).await.unwrap();
        let prefix = format!("http://127.0.0.1:8080/s/{}?i=", record.slug);
        assert!(link.starts_with(&prefix), "absolute, from public_url: {link}");
        let path = link.trim_start_matches("http://127.0.0.1:8080");

        // The page is in the customer's language, asks for consent to contact, and counts as opened.
        let page = t.get(path, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}: {}", t.backend, page.body);
        assert!(page.body.contains("lang=\"sv\"") && page.body.contains("consent_contact"), "{}", page.body);
        let token = hidden(&page.body, "i");
        let csrf = hidden(&page.body, "_csrf");
        let form = [
            ("_csrf", csrf.as_str()),
            ("i", token.as_str()),
            ("q_nps", "3"),
            ("q_why", "Leveransen var sen"),
            ("consent_contact", "1"),
        ];
        let r = t.post_form(&format!("/s/{}", record.slug), &page.cookies(), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.backend, r.body);

        // Stored with the customer and the invitation's channel and touchpoint, as an API answer is.
        let export = t.api(Method::GET, "/api/v1/customers/C-1/export", &t.token, None).await.json();
        let responses = export["responses"].as_array().unwrap();
        assert_eq!(responses.len(), 1, "{}: {export}", t.backend);
        assert_eq!(
            (responses[0]["channel"].as_str(), responses[0]["touchpoint"].as_str()),
            (Some("email"), Some("delivery"))
        );
        assert_eq!(responses[0]["contact_ok"], true, "{export}");

        // A second answer through the same link stores nothing: the page says it is answered.
        let again = t.get(path, &[]).await;
        assert_eq!(again.status, StatusCode::OK);
        assert!(again.body.contains("Redan besvarad"), "{}", again.body);
        let r = t.post_form(&format!("/s/{}", record.slug), &page.cookies(), &form).await;
        assert!(r.body.contains("Redan besvarad"), "{}: {}", t.backend, r.body);
        let export = t.api(Method::GET, "/api/v1/customers/C-1/export", &t.token, None).await.json();
        assert_eq!(export["responses"].as_array().unwrap().len(), 1, "{}", t.backend);

        // A changed link, or one signed by another organisation's key, shows a friendly page, stores nothing.
        let mut changed = token.clone().into_bytes();
        changed[10] = if changed[10] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        let r = t.get(&format!("/s/{}?i={changed}&lang=fi", record.slug), &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.body.contains("Linkki ei toimi"), "{}", r.body);
        let fresh = polku_app::invitations::personal_link(&t.app, &record, customer, "email", "", 30).await.unwrap();
        let fresh_token = fresh.split("?i=").nth(1).unwrap().to_string();
        let form = [("_csrf", csrf.as_str()), ("i", changed.as_str()), ("q_nps", "9")];
        let r = t.post_form(&format!("/s/{}", record.slug), &page.cookies(), &form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let (_, _, other_token) = new_org(&t.app, "Toinen Oy").await;
        let other = t.create_survey(&other_token, nps_survey()).await;
        let other_slug = other["slug"].as_str().unwrap();
        let r = t.get(&format!("/s/{other_slug}?i={fresh_token}"), &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: another survey's link", t.backend);

        // An expired link (genuine, signed by the organisation's key): a friendly page in its own words.
        let (number, key) = t.app.store.signing_link_key(t.org).await.unwrap();
        let past = time::OffsetDateTime::now_utc() - time::Duration::days(1);
        let claims = polku_domain::invite::Claims { key: number, invitation: uuid::Uuid::now_v7(), expires: past };
        let expired = polku_domain::invite::sign(&key, &claims);
        let r = t.get(&format!("/s/{}?i={expired}&lang=en", record.slug), &[]).await;
        assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
        assert!(r.body.contains("This link has expired"), "{}", r.body);

        // After a key rotation, links signed before keep working; a new one is signed with the new key.
        t.app.store.rotate_link_key(t.org).await.unwrap();
        assert_eq!(t.get(&format!("/s/{}?i={fresh_token}", record.slug), &[]).await.status, StatusCode::OK);
        let newer = polku_app::invitations::personal_link(&t.app, &record, customer, "sms", "", 30).await.unwrap();
        assert_ne!(
            polku_domain::invite::key_of(newer.split("?i=").nth(1).unwrap()),
            polku_domain::invite::key_of(&fresh_token)
        );

        // Bad input when making one: named fields.
        let e = polku_app::invitations::personal_link(&t.app, &record, uuid::Uuid::nil(), "email", "", 30)
            .await
            .unwrap_err();
        assert!(matches!(&e, polku_app::AppError::Invalid(v) if v.0[0].field == "customer"), "{e:?}");
        let e =
            polku_app::invitations::personal_link(&t.app, &record, customer, "Bad Channel!", "", 30).await.unwrap_err();
        assert!(matches!(&e, polku_app::AppError::Invalid(v) if v.0[0].field == "channel"), "{e:?}");
        let e = polku_app::invitations::personal_link(&t.app, &record, customer, "email", "", 0).await.unwrap_err();
        assert!(matches!(&e, polku_app::AppError::Invalid(v) if v.0[0].field == "ttl_days"), "{e:?}");
    }
}

/// The whole way: invitations queued through the API (skipped ones with their reasons), sent by a real SMTP
/// server's rules, the link in the mail followed and answered, the answer on the customer's story, and the
/// one-click unsubscribe honoured by the next request.
#[tokio::test]
async fn invitations_are_mailed_answered_and_unsubscribed() {
    let Some(sink) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        let settings =
            json!({"smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "none", "from": "polku@example.fi"}});
        let r = t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        any_hour(&t).await;
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let sid = survey["id"].as_str().unwrap().to_string();
        let to = format!("maija-{}@example.fi", t.backend);
        let customers = json!([
            {"external_id": "C-1", "name": "Maija", "email": to, "language": "fi"},
            {"external_id": "C-2", "name": "Ei osoitetta"},
            {"external_id": "C-3", "email": "no@example.fi", "consent_contact": false}
        ]);
        assert_eq!(
            t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(customers)).await.status,
            StatusCode::OK
        );
        let path = format!("/api/v1/surveys/{sid}/invitations");

        // Bad requests name the field and queue nothing.
        for (body, field) in [
            (json!({"customers": [], "channel": "email"}), "customers"),
            (json!({"customers": ["C-1"], "channel": "fax"}), "channel"),
            (json!({"customers": ["C-1"], "channel": "email", "send_at": "huomenna"}), "send_at"),
            (json!({"customers": ["C-1"], "channel": "email", "touchpoint": "Bad One!"}), "touchpoint"),
        ] {
            let r = t.api(Method::POST, &path, &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert_eq!(r.field_errors(), [field], "{}", r.body);
        }
        let body = json!({"customers": ["C-1", "C-2", "C-3", "C-404"], "channel": "email", "touchpoint": "delivery"});
        let r = t.api(Method::POST, &path, &t.token, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}: {}", t.backend, r.body);
        assert_eq!(
            r.json(),
            json!({"queued": 1, "skipped": [
                {"customer": "C-2", "reason": "no_address"},
                {"customer": "C-3", "reason": "no_consent"},
                {"customer": "C-404", "reason": "unknown_customer"}]}),
            "{}",
            t.backend
        );
        // Asked again at once: not twice within 30 days.
        let again = t.api(Method::POST, &path, &t.token, Some(json!({"customers": ["C-1"], "channel": "email"}))).await;
        assert_eq!(again.json()["skipped"][0]["reason"], "contacted_recently", "{}", again.body);

        let now = polku_app::store::now();
        assert_eq!(polku_app::notify::deliver_due(&t.app, now).await.unwrap(), 1, "{}", t.backend);
        let mails = sink.messages_to(&to);
        assert_eq!(mails.len(), 1, "{}", t.backend);
        let mail = &mails[0];
        assert!(mail["subject"].as_str().unwrap().contains("kysyy mielipidettäsi"), "{mail}");
        let body = mail["body"].as_str().unwrap();
        let link = body.lines().find(|l| l.contains("?i=") && !l.contains("/unsubscribe")).unwrap();
        let unsubscribe = mail["list_unsubscribe"].as_str().unwrap().trim_matches(['<', '>']).to_string();
        assert!(body.contains(&unsubscribe), "the way out is in the text too: {body}");
        assert_eq!(mail["list_unsubscribe_post"], "List-Unsubscribe=One-Click");

        // The HTML part has the score row: each score a personal link that opens the page with it chosen;
        // following one (as a mail scanner would) stores nothing.
        assert_eq!(mail["content_type"], "multipart/alternative", "{mail}");
        let html = mail["html"].as_str().unwrap();
        let seven = html
            .split("href=\"")
            .skip(1)
            .map(|h| h.split('"').next().unwrap().replace("&amp;", "&"))
            .find(|h| h.ends_with("&q_nps=7"))
            .unwrap_or_else(|| panic!("no score link: {html}"));
        assert!(html.contains("q_nps=0") && html.contains("q_nps=10"), "{html}");
        let page = t.get(seven.trim_start_matches("http://127.0.0.1:8080"), &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("value=\"7\" checked"), "the score is pre-selected: {}", page.body);
        let export = t.api(Method::GET, "/api/v1/customers/C-1/export", &t.token, None).await.json();
        assert_eq!(export["responses"].as_array().map(Vec::len), Some(0), "a click alone stores nothing: {export}");

        // The link opens the survey for Maija; her answer is hers, by e-mail, at the delivery touchpoint.
        let link = link.trim().trim_start_matches("http://127.0.0.1:8080");
        let page = t.get(link, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let form =
            [("_csrf", hidden(&page.body, "_csrf")), ("i", hidden(&page.body, "i")), ("q_nps", "10".to_string())];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let slug = survey["slug"].as_str().unwrap();
        assert_eq!(t.post_form(&format!("/s/{slug}"), &page.cookies(), &form).await.status, StatusCode::SEE_OTHER);
        let export = t.api(Method::GET, "/api/v1/customers/C-1/export", &t.token, None).await.json();
        assert_eq!(export["responses"][0]["channel"], "email", "{export}");
        assert_eq!(export["responses"][0]["touchpoint"], "delivery", "{export}");

        // The funnel counts it: one invited, sent, opened and answered by e-mail.
        let funnel = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/funnel"), &t.token, None).await;
        assert_eq!(funnel.status, StatusCode::OK, "{}", funnel.body);
        let email =
            funnel.json()["channels"].as_array().unwrap().iter().find(|c| c["channel"] == "email").cloned().unwrap();
        let counts: Vec<u64> = ["invited", "sent", "failed", "opened", "started", "completed"]
            .iter()
            .map(|k| email[*k].as_u64().unwrap())
            .collect();
        assert_eq!(counts, [1, 1, 0, 1, 1, 1], "{}: {email}", t.backend);
        assert_eq!(email["response_rate"], 1.0, "{email}");
        // The dashboard's channel breakdown shows the same: one invited by e-mail, all of them answered.
        let (cookies, _) = t.login(&t.email).await;
        let dashboard = t.get("/", &cookies).await;
        assert!(
            dashboard.body.contains("<td class=\"num\">1</td><td class=\"num\">100 %</td></tr>"),
            "{}",
            dashboard.body
        );
        assert!(email["response_rate_ci95"][0].as_f64().unwrap() < 1.0, "{email}");
        let r = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/funnel?from=2026-13-01"), &t.token, None).await;
        assert_eq!(
            (r.status, r.field_errors()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["from".to_string()]),
            "{}",
            r.body
        );
        let r = t
            .api(Method::GET, &format!("/api/v1/surveys/{sid}/funnel?from=2026-12-02&to=2026-12-01"), &t.token, None)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

        // A mail scanner's GET unsubscribes nobody; the one-click POST does, for good.
        let out = unsubscribe.trim_start_matches("http://127.0.0.1:8080");
        let page = t.get(out, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("<form method=\"post\""), "{}", page.body);
        let r = t.post_form(out, &[], &[("List-Unsubscribe", "One-Click")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.body);
        assert!(r.body.contains("Tilaus peruttu"), "{}", r.body);
        let forged = format!("{out}x");
        assert_eq!(t.post_form(&forged, &[], &[]).await.status, StatusCode::NOT_FOUND);
        let r = t.api(Method::POST, &path, &t.token, Some(json!({"customers": ["C-1"], "channel": "email"}))).await;
        assert_eq!(r.json()["skipped"][0]["reason"], "unsubscribed", "{}", r.body);
        // Her data export says she was invited, opened and answered, and unsubscribed.
        let export = t.api(Method::GET, "/api/v1/customers/C-1/export", &t.token, None).await.json();
        let invitation = &export["invitations"][0];
        assert_eq!(
            (invitation["channel"].as_str(), invitation["touchpoint"].as_str()),
            (Some("email"), Some("delivery"))
        );
        assert!(invitation["opened_at"].is_string() && invitation["answered_at"].is_string(), "{export}");
        assert!(export["customer"]["unsubscribed_at"].is_string(), "{export}");
    }
}

/// The contact rules and a survey's sample decide who is asked and when; bad rules name their field.
#[tokio::test]
async fn contact_rules_and_the_sample_decide_who_is_asked_and_when() {
    let Some(sink) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        let settings =
            json!({"smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "none", "from": "polku@example.fi"}});
        assert_eq!(
            t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await.status,
            StatusCode::OK
        );
        let r = t.api(Method::GET, "/api/v1/contact-rules", &t.token, None).await;
        assert_eq!(
            r.json(),
            json!({"days_between": 30, "quiet_hours": {"from": "21:00", "to": "08:00"}, "quiet_days": [], "require_consent": false}),
            "the defaults"
        );
        for (body, field) in [
            (
                json!({"days_between": 400, "quiet_hours": null, "quiet_days": [], "require_consent": false}),
                "days_between",
            ),
            (
                json!({"days_between": 7, "quiet_hours": {"from": "25:00", "to": "08:00"}, "quiet_days": [], "require_consent": false}),
                "quiet_hours.from",
            ),
            (
                json!({"days_between": 7, "quiet_hours": null, "quiet_days": [1, 2, 3, 4, 5, 6, 7], "require_consent": false}),
                "quiet_days",
            ),
        ] {
            let r = t.api(Method::PUT, "/api/v1/contact-rules", &t.token, Some(body)).await;
            assert_eq!(
                (r.status, r.field_errors()),
                (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
                "{}",
                r.body
            );
        }
        // Only a minute a day open, consent required, no limit between invitations.
        let rules = json!({"days_between": 0, "quiet_hours": {"from": "00:00", "to": "23:59"}, "quiet_days": [], "require_consent": true});
        let r = t.api(Method::PUT, "/api/v1/contact-rules", &t.token, Some(rules.clone())).await;
        assert_eq!((r.status, r.json()), (StatusCode::OK, rules), "{}", r.body);

        let mut customers = vec![
            json!({"external_id": "yes", "email": "yes@example.fi", "consent_contact": true}),
            json!({"external_id": "unknown-consent", "email": "maybe@example.fi"}),
        ];
        customers.extend((0..20).map(
            |i| json!({"external_id": format!("S-{i}"), "email": format!("s{i}@example.fi"), "consent_contact": true}),
        ));
        assert_eq!(
            t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(json!(customers))).await.status,
            StatusCode::OK
        );
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let sid = survey["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/surveys/{sid}/invitations");

        let r = t
            .api(
                Method::POST,
                &path,
                &t.token,
                Some(json!({"customers": ["yes", "unknown-consent"], "channel": "email"})),
            )
            .await;
        assert_eq!(
            r.json(),
            json!({"queued": 1, "skipped": [{"customer": "unknown-consent", "reason": "no_consent"}]}),
            "{}",
            t.backend
        );
        // No limit between invitations: asked again at once.
        let r = t.api(Method::POST, &path, &t.token, Some(json!({"customers": ["yes"], "channel": "email"}))).await;
        assert_eq!(r.json()["queued"], 1, "{}", r.body);

        // The messages wait for the open minute, 23:59 in Helsinki.
        let now = polku_app::store::now();
        assert_eq!(polku_app::notify::deliver_due(&t.app, now).await.unwrap(), 0, "{}", t.backend);
        let log = t.api(Method::GET, "/api/v1/notifications?status=pending", &t.token, None).await.json();
        let due =
            log.as_array().unwrap().iter().find(|n| n["event"] == "invitation").unwrap()["next_attempt_at"].clone();
        let due =
            time::OffsetDateTime::parse(due.as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
        let local = polku_domain::zone::Zone::default().local(due);
        assert_eq!((local.hour(), local.minute()), (23, 59), "{}: {due}", t.backend);

        // A sample of about one in a thousand leaves nearly everyone out, each skip recorded.
        let r = t
            .api(
                Method::PUT,
                &format!("/api/v1/surveys/{sid}/sending"),
                &t.token,
                Some(json!({"link_ttl_days": 7, "sample_rate": 0.001, "reminder_days": null})),
            )
            .await;
        assert_eq!(
            (r.status, r.json()),
            (StatusCode::OK, json!({"link_ttl_days": 7, "sample_rate": 0.001, "reminder_days": null})),
            "{}",
            r.body
        );
        for (body, field) in [
            (json!({"link_ttl_days": 0, "sample_rate": 1.0}), "link_ttl_days"),
            (json!({"link_ttl_days": 7, "sample_rate": 2}), "sample_rate"),
        ] {
            let r = t.api(Method::PUT, &format!("/api/v1/surveys/{sid}/sending"), &t.token, Some(body)).await;
            assert_eq!(
                (r.status, r.field_errors()),
                (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
                "{}",
                r.body
            );
        }
        let many: Vec<String> = (0..20).map(|i| format!("S-{i}")).collect();
        let r = t.api(Method::POST, &path, &t.token, Some(json!({"customers": many, "channel": "email"}))).await;
        let left_out = r.json()["skipped"].as_array().unwrap().iter().filter(|s| s["reason"] == "not_sampled").count();
        assert!(left_out >= 18, "{}: {}", t.backend, r.body);
        let log = t.api(Method::GET, &path, &t.token, None).await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.body);
        let log = log.json();
        let recorded = log["skipped"].as_array().unwrap();
        assert_eq!(recorded.iter().filter(|s| s["reason"] == "not_sampled").count(), left_out, "{log}");
        assert!(recorded.iter().any(|s| s["customer"] == "unknown-consent" && s["reason"] == "no_consent"), "{log}");
        let made = log["invitations"].as_array().unwrap();
        assert_eq!(made.len(), 2 + 20 - left_out, "{log}");
        assert!(made.iter().all(|i| i["status"] == "queued"), "{log}");
    }
}

/// A local HTTP server that plays an SMS gateway: records each request, answers 400 for one number, 503 to
/// the first `fail` other requests, then 200.
#[derive(Clone, Default)]
struct Gateway {
    calls: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    fail: Arc<std::sync::atomic::AtomicUsize>,
}

const REFUSED_NUMBER: &str = "+358401111111";

impl Gateway {
    async fn start(fail: usize) -> (Gateway, String) {
        let g = Gateway::default();
        g.fail.store(fail, std::sync::atomic::Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1/sms", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .route(
                "/v1/sms",
                axum::routing::post(
                    |State(g): State<Gateway>, headers: HeaderMap, body: axum::body::Bytes| async move {
                        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let to = body["to"].as_str().unwrap_or_default().to_string();
                        g.calls.lock().unwrap().push((headers, body));
                        use std::sync::atomic::Ordering::SeqCst;
                        if to == REFUSED_NUMBER {
                            (StatusCode::BAD_REQUEST, "invalid recipient")
                        } else if g.fail.fetch_update(SeqCst, SeqCst, |n| n.checked_sub(1)).is_ok() {
                            (StatusCode::SERVICE_UNAVAILABLE, "busy")
                        } else {
                            (StatusCode::OK, "{\"id\":\"m-1\"}")
                        }
                    },
                ),
            )
            .with_state(g.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (g, url)
    }

    fn calls(&self) -> Vec<(HeaderMap, Value)> {
        self.calls.lock().unwrap().clone()
    }
}

/// Text messages through a gateway template: numbers in E.164, an invalid one refused before anything is
/// queued, a 503 retried, a 400 failed for good with the gateway's reply, the link answered by text.
#[tokio::test]
async fn text_message_invitations_go_through_the_gateway_template() {
    for t in spawn_apps().await {
        any_hour(&t).await;
        let (gateway, url) = Gateway::start(1).await;
        let headers = json!([{"name": "Content-Type", "value": "application/json"}, {"name": "Authorization", "value": "Bearer sms-secret"}]);
        let r = t
            .api(
                Method::PUT,
                "/api/v1/sms-gateway",
                &t.token,
                Some(json!({"url": url, "headers": headers, "body": "{\"text\":\"{text}\"}", "sender": "Polku"})),
            )
            .await;
        assert_eq!(
            (r.status, r.field_errors()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["body".to_string()]),
            "no {{to}}: {}",
            r.body
        );
        let r = t.api(Method::PUT, "/api/v1/sms-gateway", &t.token,
            Some(json!({"url": url, "headers": headers, "body": "{\"to\":\"{to}\",\"text\":\"{text}\",\"from\":\"{sender}\"}", "sender": "Too long a sender"}))).await;
        assert_eq!(r.field_errors(), ["sender"], "{}", r.body);
        let template = "{\"to\":\"{to}\",\"text\":\"{text}\",\"from\":\"{sender}\"}";
        let r = t
            .api(
                Method::PUT,
                "/api/v1/sms-gateway",
                &t.token,
                Some(json!({"url": url, "headers": headers, "body": template, "sender": "Polku"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(!r.body.contains("sms-secret"), "credentials are never shown: {}", r.body);
        assert_eq!(r.json()["headers"][1], json!({"name": "Authorization", "value_set": true}));
        // Saved again without the header's value: the stored one is kept (the URL is the same).
        let kept = json!([{"name": "Content-Type", "value": "application/json"}, {"name": "Authorization"}]);
        let r = t
            .api(
                Method::PUT,
                "/api/v1/sms-gateway",
                &t.token,
                Some(json!({"url": url, "headers": kept, "body": template, "sender": "Polku"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        let customers = json!([
            {"external_id": "C-1", "phone": "040 123 4567", "language": "fi"},
            {"external_id": "C-2", "phone": "+358 40 111 1111"},
            {"external_id": "C-3", "phone": "12"},
            {"external_id": "C-4", "email": "only@example.fi"}
        ]);
        assert_eq!(
            t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(customers)).await.status,
            StatusCode::OK
        );
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let (sid, slug) = (survey["id"].as_str().unwrap().to_string(), survey["slug"].as_str().unwrap().to_string());
        let path = format!("/api/v1/surveys/{sid}/invitations");
        let r =
            t.api(Method::POST, &path, &t.token, Some(json!({"customers": ["C-1", "C-3"], "channel": "sms"}))).await;
        assert_eq!(
            (r.status, r.field_errors()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["customers[1]".to_string()]),
            "{}",
            r.body
        );
        assert!(r.body.contains("not valid"), "{}", r.body);
        let r = t
            .api(
                Method::POST,
                &path,
                &t.token,
                Some(json!({"customers": ["C-1", "C-2", "C-4"], "channel": "sms", "touchpoint": "purchase"})),
            )
            .await;
        assert_eq!(
            r.json(),
            json!({"queued": 2, "skipped": [{"customer": "C-4", "reason": "no_address"}]}),
            "{}",
            t.backend
        );

        // First round: C-1's message meets a 503 (tried again later), C-2's a 400 (failed for good).
        let now = polku_app::store::now();
        assert_eq!(polku_app::notify::deliver_due(&t.app, now).await.unwrap(), 2, "{}", t.backend);
        let failed = t.api(Method::GET, "/api/v1/notifications?status=failed", &t.token, None).await.json();
        let all = t.api(Method::GET, "/api/v1/notifications", &t.token, None).await.body;
        assert_eq!(failed.as_array().unwrap().len(), 1, "{}: {all}", t.backend);
        assert_eq!(failed[0]["recipient"], REFUSED_NUMBER);
        let error = failed[0]["last_error"].as_str().unwrap();
        assert!(error.contains("400") && error.contains("invalid recipient"), "{error}");
        // After the back-off, C-1's goes through; C-2's is not tried again.
        let later = now + time::Duration::minutes(5);
        assert_eq!(polku_app::notify::deliver_due(&t.app, later).await.unwrap(), 1, "{}", t.backend);
        let sent = t.api(Method::GET, "/api/v1/notifications?status=sent", &t.token, None).await.json();
        let all = t.api(Method::GET, "/api/v1/notifications", &t.token, None).await.body;
        assert_eq!(sent.as_array().map(Vec::len), Some(1), "{}: {all} {:?}", t.backend, gateway.calls());
        assert_eq!(sent[0]["recipient"], "+358401234567", "{sent}");
        assert!(sent[0]["reply"].as_str().unwrap().starts_with("HTTP 200"), "{sent}");
        let calls = gateway.calls();
        assert_eq!(calls.len(), 3, "{}: one retry, no retry of the 400", t.backend);
        let (headers, body) = calls.iter().rfind(|(_, b)| b["to"] == "+358401234567").unwrap();
        assert_eq!(headers["authorization"], "Bearer sms-secret");
        assert_eq!(body["from"], "Polku");
        let text = body["text"].as_str().unwrap();
        assert!(text.contains("miten onnistuimme"), "in the customer's language: {text}");

        // The link answers by text: channel sms, touchpoint purchase.
        assert_eq!(answer_through(&t, &link_in(text), &slug, "8").await, StatusCode::SEE_OTHER);
        let export = t.api(Method::GET, "/api/v1/customers/C-1/export", &t.token, None).await.json();
        assert_eq!(
            (export["responses"][0]["channel"].as_str(), export["responses"][0]["touchpoint"].as_str()),
            (Some("sms"), Some("purchase")),
            "{export}"
        );

        // Erasing a customer forgets the number their messages went to.
        assert_eq!(t.api(Method::DELETE, "/api/v1/customers/C-1", &t.token, None).await.status, StatusCode::OK);
        let all = t.api(Method::GET, "/api/v1/notifications", &t.token, None).await.body;
        assert!(!all.contains("+358401234567") && all.contains("erased"), "{}: {all}", t.backend);

        // Removing the gateway: SMS invitations are refused, naming the channel.
        let r = t.api(Method::PUT, "/api/v1/sms-gateway", &t.token, Some(Value::Null)).await;
        assert_eq!((r.status, r.json()), (StatusCode::OK, Value::Null), "{}", r.body);
        let r = t.api(Method::POST, &path, &t.token, Some(json!({"customers": ["C-2"], "channel": "sms"}))).await;
        assert_eq!(r.field_errors(), ["channel"], "{}", r.body);
    }
}

fn shopify_sign(secret: &str, body: &str) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// "Ask 3 days after fulfilment": a Shopify order fulfilled through the webhook schedules one invitation,
/// made when the delay has passed (the job's clock is the test's), never twice; an order refunded before its
/// message goes out cancels the message; bad triggers name their field.
#[tokio::test]
async fn a_shopify_fulfilment_invites_after_its_delay_once() {
    let Some(sink) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        let settings =
            json!({"smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "none", "from": "kauppa@example.fi"}});
        assert_eq!(
            t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await.status,
            StatusCode::OK
        );
        any_hour(&t).await;
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let sid = survey["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/surveys/{sid}/triggers");
        for (body, field) in [
            (json!({"event": "order_placed", "delay_hours": 72}), "event"),
            (json!({"event": "order_fulfilled", "delay_hours": 5000}), "delay_hours"),
            (json!({"event": "touchpoint_event", "delay_hours": 2}), "touchpoint"),
            (json!({"event": "touchpoint_event", "delay_hours": 2, "touchpoint": "nowhere"}), "touchpoint"),
        ] {
            let r = t.api(Method::POST, &path, &t.token, Some(body)).await;
            assert_eq!(
                (r.status, r.field_errors()),
                (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
                "{}",
                r.body
            );
        }
        let r =
            t.api(Method::POST, &path, &t.token, Some(json!({"event": "order_fulfilled", "delay_hours": 72}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let trigger = r.json();
        assert_eq!(
            (trigger["event"].as_str(), trigger["touchpoint"].as_str()),
            (Some("order_fulfilled"), Some("purchase"))
        );
        assert_eq!(t.api(Method::GET, &path, &t.token, None).await.json().as_array().unwrap().len(), 1);

        // Two Shopify orders arrive fulfilled through the webhook.
        let secret = "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";
        let r = t
            .api(
                Method::POST,
                "/api/v1/connections",
                &t.token,
                Some(json!({"kind": "shopify", "name": "Kauppa", "secret": secret})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let endpoint = r.json()["endpoint_url"].as_str().unwrap().to_string();
        let hook = &endpoint[endpoint.find("/hooks/").unwrap()..];
        let placed = (time::OffsetDateTime::now_utc() - time::Duration::days(2))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let (aino, eero) = (format!("aino-{}@example.fi", t.backend), format!("eero-{}@example.fi", t.backend));
        for (n, (id, customer, email)) in [(5001u64, 901u64, &aino), (5002, 902, &eero)].into_iter().enumerate() {
            let order = json!({
                "id": id, "name": format!("#{id}"), "created_at": placed, "updated_at": placed,
                "currency": "EUR", "total_price": "49.90", "financial_status": "paid", "fulfillment_status": "fulfilled",
                "email": email, "customer_locale": "fi-FI",
                "line_items": [{"id": 1, "title": "Pipo", "quantity": 1, "price": "49.90"}],
                "customer": {"id": customer, "email": email, "first_name": "Asiakas"}, "refunds": []
            })
            .to_string();
            let req = axum::http::Request::post(hook)
                .header("content-type", "application/json")
                .header("x-shopify-topic", "orders/fulfilled")
                .header("x-shopify-hmac-sha256", shopify_sign(secret, &order))
                .header("x-shopify-webhook-id", format!("w-{n}"))
                .header("x-shopify-shop-domain", "kauppa.myshopify.com")
                .body(axum::body::Body::from(order))
                .unwrap();
            let r = t.send(req).await;
            assert_eq!(
                (r.status, r.json()["status"].as_str()),
                (StatusCode::OK, Some("stored")),
                "{}: {}",
                t.backend,
                r.body
            );
        }

        // A history imported today (placed long ago, fulfilled) is not surveyed.
        let who = json!([{"external_id": "903", "email": format!("old-{}@example.fi", t.backend)}]);
        assert_eq!(t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(who)).await.status, StatusCode::OK);
        let old = json!([{"external_id": "4001", "customer": "903", "placed_at": "2025-01-10T10:00:00Z", "amount": "10",
                          "currency": "EUR", "status": "fulfilled"}]);
        let r = t.api(Method::POST, "/api/v1/orders:batch", &t.token, Some(old)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        // Not before the delay; then once per order, however often the job runs.
        let now = polku_app::store::now();
        assert_eq!(polku_app::triggers::run_due(&t.app, now).await.unwrap(), 0, "{}", t.backend);
        assert_eq!(polku_app::triggers::run_due(&t.app, now + time::Duration::hours(71)).await.unwrap(), 0);
        let due = now + time::Duration::hours(72) + time::Duration::minutes(1);
        assert_eq!(polku_app::triggers::run_due(&t.app, due).await.unwrap(), 2, "{}", t.backend);
        assert_eq!(polku_app::triggers::run_due(&t.app, due).await.unwrap(), 0, "{}: never twice", t.backend);

        // Eero's order is refunded before his message goes out: it is cancelled, Aino's is sent.
        let refund = json!([{"external_id": "5002", "customer": "902", "placed_at": placed, "amount": "49.90", "currency": "EUR", "status": "refunded"}]);
        let r = t.api(Method::POST, "/api/v1/orders:batch", &t.token, Some(refund)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(polku_app::notify::deliver_due(&t.app, due).await.unwrap(), 2, "{}", t.backend);
        assert!(sink.messages_to(&eero).is_empty(), "{}", t.backend);
        let mails = sink.messages_to(&aino);
        assert_eq!(mails.len(), 1, "{}", t.backend);
        let log = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/invitations"), &t.token, None).await.json();
        let status = |who: &str| {
            log["invitations"].as_array().unwrap().iter().find(|i| i["customer"] == who).unwrap()["status"].clone()
        };
        assert_eq!((status("901"), status("902")), (json!("sent"), json!("cancelled")), "{}: {log}", t.backend);
        assert!(log["invitations"][0]["reply"].is_string() || log["invitations"][1]["reply"].is_string(), "{log}");

        // Aino answers through her link: tied to her, by e-mail, at the purchase touchpoint.
        let body = mails[0]["body"].as_str().unwrap();
        let slug = survey["slug"].as_str().unwrap();
        assert_eq!(answer_through(&t, &link_in(body), slug, "9").await, StatusCode::SEE_OTHER);
        let export = t.api(Method::GET, "/api/v1/customers/901/export", &t.token, None).await.json();
        assert_eq!(
            (export["responses"][0]["channel"].as_str(), export["responses"][0]["touchpoint"].as_str()),
            (Some("email"), Some("purchase")),
            "{export}"
        );

        // Removed, the trigger fires no more; a missing or unknown id is an error.
        let id = trigger["id"].as_str().unwrap();
        assert_eq!(t.api(Method::DELETE, &path, &t.token, None).await.field_errors(), ["trigger"]);
        let r = t.api(Method::DELETE, &format!("{path}?trigger={id}"), &t.token, None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let r = t.api(Method::DELETE, &format!("{path}?trigger={id}"), &t.token, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
}

/// The Send tab and the contact settings without the API: invite with the preview in every language and
/// the skips named, add and remove a trigger, set the link lifetime, see the log; errors name their field.
#[tokio::test]
async fn the_send_tab_and_contact_settings_work_in_the_ui() {
    for t in spawn_apps().await {
        let settings = json!({"smtp": {"host": "127.0.0.1", "port": 2525, "tls": "none", "from": "polku@example.fi"}});
        assert_eq!(
            t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await.status,
            StatusCode::OK
        );
        any_hour(&t).await;
        let customers = json!([{"external_id": "C-1", "email": "c1@example.fi"}]);
        assert_eq!(
            t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(customers)).await.status,
            StatusCode::OK
        );
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let sid = survey["id"].as_str().unwrap().to_string();
        let (cookies, csrf) = t.login(&t.email).await;
        let detail = t.get(&format!("/surveys/{sid}"), &cookies).await;
        assert!(detail.body.contains(&format!("href=\"/surveys/{sid}/send\"")), "{}", detail.body);
        let send = format!("/surveys/{sid}/send");
        let page = t.get(&send, &cookies).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for subject in
            ["Testi Oy kysyy mielipidettäsi", "Testi Oy vill höra vad du tycker", "Testi Oy would like your opinion"]
        {
            assert!(page.body.contains(subject), "a preview per language: {subject}");
        }

        let r = t
            .post_form(
                &send,
                &cookies,
                &[("_csrf", &csrf), ("customers", "C-1"), ("channel", "email"), ("send_at", "huomenna")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("<code>send_at</code>") && r.body.contains(">C-1</textarea>"), "{}", r.body);
        let r = t
            .post_form(
                &send,
                &cookies,
                &[("_csrf", &csrf), ("customers", "external_id\nC-1\nC-404"), ("channel", "email"), ("send_at", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("Kutsuja jonossa: <strong>1</strong>") && r.body.contains("C-404 — tuntematon asiakas"),
            "{}",
            r.body
        );
        assert!(r.body.contains("<td>C-1</td><td>sähköposti</td><td>jonossa</td>"), "the log: {}", r.body);

        let triggers = format!("/surveys/{sid}/triggers");
        let r = t
            .post_form(
                &triggers,
                &cookies,
                &[("_csrf", &csrf), ("event", "order_fulfilled"), ("delay_days", "3"), ("delay_hours", "0")],
            )
            .await;
        assert_eq!(
            (r.status, r.location()),
            (StatusCode::SEE_OTHER, format!("{send}#triggers").as_str()),
            "{}",
            r.body
        );
        let page = t.get(&send, &cookies).await;
        assert!(page.body.contains("<td>tilaus toimitettu</td><td class=\"num\">72 h</td>"), "{}", page.body);
        let r = t
            .post_form(
                &triggers,
                &cookies,
                &[("_csrf", &csrf), ("event", "touchpoint_event"), ("delay_days", "0"), ("delay_hours", "2")],
            )
            .await;
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("<code>touchpoint</code>"),
            "{}",
            r.body
        );
        let id = t.app.store.triggers(t.org, SurveyId(sid.parse().unwrap())).await.unwrap()[0].id;
        let r = t.post_form(&format!("{triggers}/{id}/delete"), &cookies, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(t.get(&send, &cookies).await.body.contains("Ei vielä ajastuksia."));

        let settings = format!("{send}/settings");
        let r = t
            .post_form(&settings, &cookies, &[("_csrf", &csrf), ("link_ttl_days", "0"), ("sample_percent", "100")])
            .await;
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("<code>link_ttl_days</code>"),
            "{}",
            r.body
        );
        let r = t
            .post_form(&settings, &cookies, &[("_csrf", &csrf), ("link_ttl_days", "14"), ("sample_percent", "33,3")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let view = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/sending"), &t.token, None).await.json();
        assert_eq!(view, json!({"link_ttl_days": 14, "sample_rate": 0.333, "reminder_days": null}));

        // Settings → reaching customers.
        let page = t.get("/settings/contact", &cookies).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let rules = [
            ("_csrf", csrf.as_str()),
            ("days_between", "14"),
            ("quiet_from", "22:00"),
            ("quiet_to", "07:00"),
            ("quiet_days", "6"),
            ("quiet_days", "7"),
            ("require_consent", "1"),
        ];
        let r = t.post_form("/settings/contact", &cookies, &rules).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/settings/contact?saved=1"), "{}", r.body);
        let stored = t.api(Method::GET, "/api/v1/contact-rules", &t.token, None).await.json();
        assert_eq!(
            stored,
            json!({"days_between": 14, "quiet_hours": {"from": "22:00", "to": "07:00"}, "quiet_days": [6, 7], "require_consent": true})
        );
        let bad = [("_csrf", csrf.as_str()), ("days_between", "14"), ("quiet_from", "25:00"), ("quiet_to", "07:00")];
        let r = t.post_form("/settings/contact", &cookies, &bad).await;
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("<code>quiet_hours.from</code>"),
            "{}",
            r.body
        );
        let sms = [
            ("_csrf", csrf.as_str()),
            ("url", "http://127.0.0.1:9/send"),
            ("method", "POST"),
            ("body", "{\"text\":\"{text}\"}"),
            ("sender", "Polku"),
            ("header_name_0", "Authorization"),
            ("header_value_0", "Bearer hidden-key"),
        ];
        let r = t.post_form("/settings/contact/sms", &cookies, &sms).await;
        assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("<code>body</code>"), "{}", r.body);
        assert!(!r.body.contains("hidden-key"), "a header value is never written into a page");
        let mut good = sms.to_vec();
        good[3] = ("body", "{\"to\":\"{to}\",\"text\":\"{text}\"}");
        let r = t.post_form("/settings/contact/sms", &cookies, &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = t.get("/settings/contact", &cookies).await;
        assert!(page.body.contains("value=\"Authorization\"") && !page.body.contains("hidden-key"), "{}", page.body);

        // A viewer sees neither page.
        let viewer = polku_app::orgs::NewMember {
            email: "katsoja@example.fi",
            name: "Katsoja",
            password: PASSWORD,
            role: polku_domain::role::Role::Viewer,
            locale: polku_domain::Locale::Fi,
        };
        polku_app::orgs::add_member(&t.app, &polku_app::Actor::System("t"), t.org, viewer).await.unwrap();
        let (viewer, _) = t.login("katsoja@example.fi").await;
        assert_eq!(t.get(&send, &viewer).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.get("/settings/contact", &viewer).await.status, StatusCode::FORBIDDEN);
    }
}

/// One reminder, after the survey's days, only to those who have not answered; once, however often the
/// job runs; the funnel counts each invitation once.
#[tokio::test]
async fn one_reminder_goes_to_those_who_have_not_answered() {
    let Some(sink) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        let settings =
            json!({"smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "none", "from": "polku@example.fi"}});
        assert_eq!(
            t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await.status,
            StatusCode::OK
        );
        any_hour(&t).await;
        let (answers, silent) =
            (format!("vastaa-{}@example.fi", t.backend), format!("hiljaa-{}@example.fi", t.backend));
        let customers = json!([{"external_id": "R-1", "email": answers}, {"external_id": "R-2", "email": silent}]);
        assert_eq!(
            t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(customers)).await.status,
            StatusCode::OK
        );
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let (sid, slug) = (survey["id"].as_str().unwrap().to_string(), survey["slug"].as_str().unwrap().to_string());
        let sending = format!("/api/v1/surveys/{sid}/sending");
        let r = t
            .api(
                Method::PUT,
                &sending,
                &t.token,
                Some(json!({"link_ttl_days": 30, "sample_rate": 1, "reminder_days": 40})),
            )
            .await;
        assert_eq!(r.field_errors(), ["reminder_days"], "{}", r.body);
        let r = t
            .api(
                Method::PUT,
                &sending,
                &t.token,
                Some(json!({"link_ttl_days": 30, "sample_rate": 1, "reminder_days": 3})),
            )
            .await;
        assert_eq!(r.json()["reminder_days"], 3, "{}", r.body);
        let r = t
            .api(
                Method::POST,
                &format!("/api/v1/surveys/{sid}/invitations"),
                &t.token,
                Some(json!({"customers": ["R-1", "R-2"], "channel": "email"})),
            )
            .await;
        assert_eq!(r.json()["queued"], 2, "{}", r.body);
        let now = polku_app::store::now();
        assert_eq!(polku_app::notify::deliver_due(&t.app, now).await.unwrap(), 2);

        // R-1 answers through the link in the mail.
        let mail = &sink.messages_to(&answers)[0];
        let link = link_in(mail["body"].as_str().unwrap());
        assert_eq!(answer_through(&t, &link, &slug, "9").await, StatusCode::SEE_OTHER);

        assert_eq!(polku_app::invitations::remind_due(&t.app, now).await.unwrap(), 0, "{}: not yet", t.backend);
        let later = now + time::Duration::days(3) + time::Duration::minutes(1);
        assert_eq!(polku_app::invitations::remind_due(&t.app, later).await.unwrap(), 1, "{}", t.backend);
        assert_eq!(polku_app::invitations::remind_due(&t.app, later).await.unwrap(), 0, "{}: once", t.backend);
        assert_eq!(polku_app::notify::deliver_due(&t.app, later).await.unwrap(), 1);
        let reminded = sink.messages_to(&silent);
        assert_eq!(reminded.len(), 2, "{}", t.backend);
        assert!(reminded.iter().any(|m| m["subject"].as_str().unwrap().starts_with("Muistutus: ")), "{reminded:?}");
        assert_eq!(sink.messages_to(&answers).len(), 1, "{}: who answered is not reminded", t.backend);
        let funnel = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/funnel"), &t.token, None).await.json();
        let email = funnel["channels"].as_array().unwrap().iter().find(|c| c["channel"] == "email").cloned().unwrap();
        assert_eq!((email["invited"].as_u64(), email["sent"].as_u64()), (Some(2), Some(2)), "{}: {email}", t.backend);
    }
}

/// A segment instead of a list: language, attributes, last order, loyal customers; bad ones name the field.
#[tokio::test]
async fn a_segment_invites_everyone_who_matches() {
    for t in spawn_apps().await {
        let settings = json!({"smtp": {"host": "127.0.0.1", "port": 2525, "tls": "none", "from": "polku@example.fi"}});
        assert_eq!(
            t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await.status,
            StatusCode::OK
        );
        let rules = json!({"days_between": 0, "quiet_hours": null, "quiet_days": [], "require_consent": false});
        assert_eq!(t.api(Method::PUT, "/api/v1/contact-rules", &t.token, Some(rules)).await.status, StatusCode::OK);
        let customers = json!([
            {"external_id": "S-1", "email": "s1@example.fi", "language": "fi", "attributes": {"tier": "gold"}},
            {"external_id": "S-2", "email": "s2@example.fi", "language": "sv", "attributes": {"tier": "gold"}},
            {"external_id": "S-3", "email": "s3@example.fi", "language": "fi", "attributes": {"tier": "silver"}}
        ]);
        assert_eq!(
            t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(customers)).await.status,
            StatusCode::OK
        );
        let orders = json!([
            {"external_id": "O-1", "customer": "S-1", "placed_at": "2026-11-01T10:00:00Z", "amount": "20", "currency": "EUR"},
            {"external_id": "O-2", "customer": "S-2", "placed_at": "2026-06-01T10:00:00Z", "amount": "20", "currency": "EUR"},
            {"external_id": "O-3", "customer": "S-2", "placed_at": "2026-07-01T10:00:00Z", "amount": "20", "currency": "EUR"}
        ]);
        assert_eq!(t.api(Method::POST, "/api/v1/orders:batch", &t.token, Some(orders)).await.status, StatusCode::OK);
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let sid = survey["id"].as_str().unwrap().to_string();
        let answer = json!({"answers": [{"question": "nps", "value": 10}], "customer": "S-2"});
        let r = t.api(Method::POST, &format!("/api/v1/surveys/{sid}/responses"), &t.token, Some(answer)).await;
        assert!(r.status.is_success(), "{}", r.body);
        let path = format!("/api/v1/surveys/{sid}/invitations");
        let invite = |segment: Value| json!({"segment": segment, "channel": "email"});
        for (body, field) in [
            (json!({"customers": ["S-1"], "segment": {}, "channel": "email"}), "segment"),
            (invite(json!({"language": "de"})), "segment.language"),
            (invite(json!({"nps_group": "fans"})), "segment.nps_group"),
            (invite(json!({"last_order_after": "eilen"})), "segment.last_order_after"),
        ] {
            let r = t.api(Method::POST, &path, &t.token, Some(body)).await;
            assert_eq!(
                (r.status, r.field_errors()),
                (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
                "{}",
                r.body
            );
        }
        let invited = |segment: Value| {
            let t = &t;
            let path = path.clone();
            async move {
                let r =
                    t.api(Method::POST, &path, &t.token, Some(json!({"segment": segment, "channel": "email"}))).await;
                assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
                let log = t.api(Method::GET, &path, &t.token, None).await.json();
                let newest: Vec<String> = log["invitations"].as_array().unwrap()
                    [..r.json()["queued"].as_u64().unwrap() as usize]
                    .iter()
                    .map(|i| i["customer"].as_str().unwrap().to_string())
                    .collect();
                let mut newest = newest;
                newest.sort();
                newest
            }
        };
        assert_eq!(invited(json!({"language": "fi", "attributes": {"tier": "gold"}})).await, ["S-1"], "{}", t.backend);
        assert_eq!(invited(json!({"last_order_after": "2026-10-01"})).await, ["S-1"], "{}", t.backend);
        assert_eq!(invited(json!({"loyal": true})).await, ["S-2"], "{}: two orders and a promoter", t.backend);
        assert_eq!(invited(json!({"nps_group": "none"})).await, ["S-1", "S-3"], "{}", t.backend);
        assert_eq!(invited(json!({})).await, ["S-1", "S-2", "S-3"], "{}: everyone", t.backend);
    }
}

/// A score row for the shop's own e-mail tool: each link carries the tool's merge tag; the answer given
/// through one is tied to the customer with that address and marked unverified (a `+` the tool left
/// unencoded included); a click alone stores nothing; an unknown reference ties the answer to nobody.
#[tokio::test]
async fn a_marketing_tools_score_link_ties_the_answer_unverified() {
    for t in spawn_apps().await {
        let customers = json!([{"external_id": "K-1", "email": "anna+shop@example.fi"}]);
        assert_eq!(
            t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(customers)).await.status,
            StatusCode::OK
        );
        let survey = t.create_survey(&t.token, nps_survey()).await;
        let (sid, slug) = (survey["id"].as_str().unwrap().to_string(), survey["slug"].as_str().unwrap().to_string());
        let (cookies, _) = t.login(&t.email).await;
        let page = t.get(&format!("/surveys/{sid}/send?tool=mailchimp&tool_touchpoint=purchase"), &cookies).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("touchpoint=purchase&#38;amp;ref=*|EMAIL|*&#38;amp;q_nps=10"), "{}", page.body);

        // Mailchimp filled in the address without encoding it: its `+` arrives as a space.
        let link = format!("/s/{slug}?channel=email&touchpoint=purchase&ref=anna+shop@example.fi&q_nps=7");
        let page = t.get(&link, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("value=\"7\" checked"), "the score is chosen");
        assert!(page.body.contains("name=\"ref\" value=\"anna shop@example.fi\""), "{}", page.body);
        let export = t.api(Method::GET, "/api/v1/customers/K-1/export", &t.token, None).await.json();
        assert_eq!(export["responses"].as_array().map(Vec::len), Some(0), "a click alone stores nothing");
        let send = |reference: &'static str| {
            let (t, slug, page) = (&t, &slug, &page);
            async move {
                let form = [
                    ("_csrf", hidden(&page.body, "_csrf")),
                    ("channel", "email".to_string()),
                    ("touchpoint", "purchase".to_string()),
                    ("ref", reference.to_string()),
                    ("q_nps", "7".to_string()),
                ];
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.post_form(&format!("/s/{slug}"), &page.cookies(), &form).await.status
            }
        };
        assert_eq!(send("anna shop@example.fi").await, StatusCode::SEE_OTHER);
        let export = t.api(Method::GET, "/api/v1/customers/K-1/export", &t.token, None).await.json();
        let answer = &export["responses"][0];
        assert_eq!(
            (answer["customer_unverified"].as_bool(), answer["channel"].as_str(), answer["touchpoint"].as_str()),
            (Some(true), Some("email"), Some("purchase")),
            "{}: {export}",
            t.backend
        );
        assert_eq!(send("nobody@example.fi").await, StatusCode::SEE_OTHER);
        let export = t.api(Method::GET, "/api/v1/customers/K-1/export", &t.token, None).await.json();
        assert_eq!(
            export["responses"].as_array().map(Vec::len),
            Some(1),
            "{}: an unknown reference is nobody",
            t.backend
        );
        // An API answer with a customer is not unverified.
        let answer = json!({"answers": [{"question": "nps", "value": 9}], "customer": "K-1"});
        t.api(Method::POST, &format!("/api/v1/surveys/{sid}/responses"), &t.token, Some(answer)).await;
        let export = t.api(Method::GET, "/api/v1/customers/K-1/export", &t.token, None).await.json();
        assert_eq!(export["responses"][1]["customer_unverified"], false, "{export}");
    }
}

/// The customer panel: members join (unknown ids named), a study goes to a sample stratified by an
/// attribute, its messages carry a one-click way out of the panel, participation is counted.
#[tokio::test]
async fn the_panel_studies_a_stratified_sample_and_members_leave_with_one_click() {
    let Some(sink) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        let settings =
            json!({"smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "none", "from": "polku@example.fi"}});
        assert_eq!(
            t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await.status,
            StatusCode::OK
        );
        any_hour(&t).await;
        let customers: Vec<Value> = (0..10)
            .map(|i| {
                let region = if i < 6 { "south" } else { "north" };
                json!({"external_id": format!("P-{i}"), "email": format!("p{i}-{}@example.fi", t.backend), "attributes": {"region": region}})
            })
            .collect();
        assert_eq!(
            t.api(Method::POST, "/api/v1/customers:batch", &t.token, Some(json!(customers))).await.status,
            StatusCode::OK
        );
        let mut ids: Vec<String> = (0..10).map(|i| format!("P-{i}")).collect();
        ids.push("P-404".into());
        let r = t.api(Method::POST, "/api/v1/panel/members", &t.token, Some(json!({"customers": ids}))).await;
        assert_eq!(r.json(), json!({"added": 10, "unknown": ["P-404"]}), "{}: {}", t.backend, r.body);
        let r = t.api(Method::POST, "/api/v1/panel/members", &t.token, Some(json!({"customers": ["P-1"]}))).await;
        assert_eq!(r.json()["added"], 0, "already a member");
        let r = t.api(Method::POST, "/api/v1/panel/members", &t.token, Some(json!({"customers": []}))).await;
        assert_eq!(r.field_errors(), ["customers"], "{}", r.body);

        let survey = t.create_survey(&t.token, nps_survey()).await;
        let (sid, slug) = (survey["id"].as_str().unwrap().to_string(), survey["slug"].as_str().unwrap().to_string());
        for (body, field) in [
            (json!({"survey": "not-an-id", "channel": "email"}), "survey"),
            (json!({"survey": sid, "channel": "email", "sample": 0}), "sample"),
            (json!({"survey": sid, "channel": "fax"}), "channel"),
        ] {
            let r = t.api(Method::POST, "/api/v1/panel/studies", &t.token, Some(body)).await;
            assert_eq!(
                (r.status, r.field_errors()),
                (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
                "{}",
                r.body
            );
        }
        let r = t
            .api(
                Method::POST,
                "/api/v1/panel/studies",
                &t.token,
                Some(json!({"survey": sid, "channel": "email", "sample": 5, "stratify_by": "region"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        assert_eq!((r.json()["members"].as_u64(), r.json()["queued"].as_u64()), (Some(5), Some(5)), "{}", r.body);
        let log = t.api(Method::GET, &format!("/api/v1/surveys/{sid}/invitations"), &t.token, None).await.json();
        let south = log["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["customer"].as_str().unwrap().trim_start_matches("P-").parse::<u32>().unwrap() < 6)
            .count();
        assert_eq!(south, 3, "{}: 6 of 10 in the south, so 3 of 5: {log}", t.backend);

        assert_eq!(polku_app::notify::deliver_due(&t.app, polku_app::store::now()).await.unwrap(), 5);
        let mail = (0..10)
            .flat_map(|i| sink.messages_to(&format!("p{i}-{}@example.fi", t.backend)))
            .find(|m| m["body"].as_str().unwrap().contains("/leave-panel?i="))
            .expect("a study message with the way out");
        let body = mail["body"].as_str().unwrap();
        let leave = body
            .split_whitespace()
            .find(|w| w.contains("/leave-panel?i="))
            .unwrap()
            .trim_start_matches("http://127.0.0.1:8080");
        let page = t.get(leave, &[]).await;
        assert!(
            page.status == StatusCode::OK && page.body.contains("<form method=\"post\""),
            "a scanner's GET leaves nothing: {}",
            page.body
        );
        let r = t.post_form(leave, &[], &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Erosit paneelista"), "{}", r.body);
        let panel = t.api(Method::GET, "/api/v1/panel", &t.token, None).await.json();
        assert_eq!(panel["count"], 9, "{}: {panel}", t.backend);
        let invited: i64 = panel["members"].as_array().unwrap().iter().map(|m| m["invited"].as_i64().unwrap()).sum();
        assert_eq!(invited, 4, "{}: the four still in were invited once each: {panel}", t.backend);
        assert_eq!(
            t.api(Method::DELETE, "/api/v1/panel/members/P-9", &t.token, None).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            t.api(Method::DELETE, "/api/v1/panel/members/P-9", &t.token, None).await.status,
            StatusCode::NOT_FOUND
        );
        let _ = slug;

        // The panel page: its size, and members added from a pasted column.
        let (cookies, csrf) = t.login(&t.email).await;
        let page = t.get("/panel", &cookies).await;
        assert!(page.body.contains("Paneelissa on 8 jäsentä."), "{}", page.body);
        let r = t.post_form("/panel/members", &cookies, &[("_csrf", &csrf), ("customers", "external_id\nP-9")]).await;
        assert!(r.body.contains("1 asiakas lisättiin."), "{}", r.body);
    }
}
