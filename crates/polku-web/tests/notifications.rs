//! Notifications about cases, delivered for real: e-mail to an aiosmtpd server the test starts on loopback
//! (tests/support/smtp_sink.py writes what it receives to files), and webhooks to an HTTP receiver in the
//! test, which can be made to fail. Runs on every backend under test.

mod support;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use polku_domain::role::Role;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use support::*;
use time::Duration;

/// A webhook receiver: records every call, answers 503 to the first `fail` calls, then 200.
#[derive(Clone, Default)]
struct Receiver {
    calls: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    fail: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(fail: usize) -> (Receiver, String) {
        let r = Receiver::default();
        r.fail.store(fail, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/polku", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .route(
                "/hooks/polku",
                axum::routing::post(|State(r): State<Receiver>, headers: HeaderMap, body: Bytes| async move {
                    r.calls.lock().unwrap().push((headers, body));
                    let failing = r.fail.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                    if failing { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK }
                }),
            )
            .with_state(r.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (r, url)
    }

    fn calls(&self) -> Vec<(HeaderMap, Value)> {
        self.calls.lock().unwrap().iter().map(|(h, b)| (h.clone(), serde_json::from_slice(b).unwrap())).collect()
    }

    /// Checks the call's signature as a receiver would: HMAC-SHA256 over "{timestamp}.{raw body}".
    fn signed(&self, i: usize, secret: &str) -> bool {
        let calls = self.calls.lock().unwrap();
        let (h, body) = &calls[i];
        let ts: i64 = h["x-polku-timestamp"].to_str().unwrap().parse().unwrap();
        h["x-polku-signature"].to_str().unwrap() == polku_app::notify::signature(secret, ts, body)
    }
}

/// Sets the organisation's SMTP server to the test's sink.
async fn use_smtp(t: &TestApp, smtp: &SmtpSink) {
    let settings = json!({"smtp": {"host": "127.0.0.1", "port": smtp.port, "tls": "none", "from": "cx@example.com"}});
    let r = t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.body);
}

const SECRET: &str = "a-webhook-secret-of-some-length";

async fn notifications(t: &TestApp) -> Vec<Value> {
    let r = t.api(Method::GET, "/api/v1/notifications", &t.token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_array().unwrap().clone()
}

async fn answer(t: &TestApp, survey: &str, nps: i64, why: &str) {
    let body = json!({"answers": [{"question": "nps", "value": nps}, {"question": "why", "value": why}],
                      "locale": "fi", "customer": "C-77"});
    let r = t.api(Method::POST, &format!("/api/v1/surveys/{survey}/responses"), &t.token, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// A new case is e-mailed to the admins (no owner, no team) and posted to the webhook; a webhook that
/// answers 503 is retried after its back-off and loses nothing; an overdue case is e-mailed to its lead, in
/// the lead's language.
#[tokio::test]
async fn cases_are_emailed_and_posted_to_a_signed_webhook_that_is_retried() {
    let Some(smtp) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        let (hook, url) = Receiver::start(1).await;
        let settings = json!({
            "smtp": {"host": "127.0.0.1", "port": smtp.port, "tls": "none", "from": "Polku <polku@example.com>"},
            "webhook": {"url": url, "secret": SECRET},
            "locale": "en"
        });
        let r = t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.body);
        let lead_email = format!("lead-{}@example.com", t.org.0.simple());
        let lead = polku_app::orgs::add_member(
            &t.app,
            &polku_app::Actor::System("test"),
            t.org,
            polku_app::orgs::NewMember {
                email: &lead_email,
                name: "Lena Lead",
                password: PASSWORD,
                role: Role::Analyst,
                locale: polku_domain::Locale::Sv,
            },
        )
        .await
        .unwrap();
        let rule = json!({"name": "NPS ≤ 6", "condition": {"type": "score_at_most", "kind": "nps", "max": 6},
                          "sla_hours": 24, "lead": lead.to_string()});
        assert_eq!(t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule)).await.status, StatusCode::CREATED);
        let s = t.create_survey(&t.token, nps_survey()).await;
        let survey = s["id"].as_str().unwrap();
        answer(&t, survey, 3, "Maalari myöhästyi <script>alert(1)</script> & sotkua jäi").await;
        answer(&t, survey, 10, "Kaikki hyvin").await;

        let now = polku_app::store::now();
        assert_eq!(
            polku_app::notify::deliver_due(&t.app, now).await.unwrap(),
            2,
            "{}: one e-mail, one webhook",
            t.backend
        );
        let mails = smtp.messages_to(&t.email);
        assert_eq!(mails.len(), 1, "{}: {mails:?}", t.backend);
        assert_eq!(mails[0]["subject"], "[Testi Oy] Uusi tapaus: NPS ≤ 6", "in the owner's Finnish");
        assert_eq!(mails[0]["from"], "Polku <polku@example.com>");
        let body = mails[0]["body"].as_str().unwrap();
        assert!(body.contains("Asiakas: C-77"), "{body}");
        assert!(body.contains("Arvio: NPS 3"), "{body}");
        assert!(body.contains("<script>alert(1)</script>"), "plain text keeps the words as written: {body}");
        assert!(body.contains("http://127.0.0.1:8080/cases/"), "{body}");

        // The webhook answered 503: the notification waits for its back-off, then goes through.
        let list = notifications(&t).await;
        let webhook = list.iter().find(|n| n["channel"] == "webhook").unwrap();
        assert_eq!(webhook["status"], "pending", "{}: {webhook}", t.backend);
        assert_eq!(webhook["attempts"], 1);
        assert!(webhook["last_error"].as_str().unwrap().contains("503"), "{webhook}");
        assert_eq!(list.iter().find(|n| n["channel"] == "email").unwrap()["status"], "sent");
        assert_eq!(polku_app::notify::deliver_due(&t.app, now).await.unwrap(), 0, "not due yet");
        assert_eq!(polku_app::notify::deliver_due(&t.app, now + Duration::seconds(31)).await.unwrap(), 1);
        let calls = hook.calls();
        assert_eq!(calls.len(), 2, "{}", t.backend);
        assert!(hook.signed(1, SECRET), "{}: a valid signature", t.backend);
        assert!(!hook.signed(1, "another-secret-of-some-length"));
        let (headers, payload) = &calls[1];
        assert_eq!(headers["x-polku-event"], "opened");
        assert_eq!(headers["content-type"], "application/json");
        let text = payload["text"].as_str().unwrap();
        assert!(text.starts_with("*New case: NPS ≤ 6*"), "{text}");
        assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; sotkua"), "Slack escaping: {text}");
        assert_eq!(payload["polku"]["customer"], "C-77");
        assert_eq!(payload["polku"]["delivery"], calls_delivery(&calls[0].0), "the same delivery id when retried");
        assert!(notifications(&t).await.iter().all(|n| n["status"] == "sent"), "{}", t.backend);

        // Past due and still open: escalated once, to the lead in Swedish, and to the webhook.
        let later = now + Duration::hours(25);
        assert_eq!(t.app.store.escalate_overdue(later, Some(t.org)).await.unwrap().len(), 1);
        assert_eq!(polku_app::notify::deliver_due(&t.app, later).await.unwrap(), 2, "{}", t.backend);
        let to_lead = smtp.messages_to(&lead_email);
        assert_eq!(to_lead.len(), 1, "{}: {to_lead:?}", t.backend);
        assert_eq!(to_lead[0]["subject"], "[Testi Oy] Ärendet är försenat och eskalerat: NPS ≤ 6");
        assert!(to_lead[0]["body"].as_str().unwrap().contains("Eskalerat till: Lena Lead"));
        assert_eq!(smtp.messages_to(&t.email).len(), 1, "the admins hear of an escalation only without a lead");
        assert_eq!(hook.calls()[2].0["x-polku-event"], "escalated");
        assert_eq!(t.app.store.escalate_overdue(later, Some(t.org)).await.unwrap().len(), 0);
        assert_eq!(polku_app::notify::deliver_due(&t.app, later).await.unwrap(), 0, "nothing twice");
    }
}

fn calls_delivery(h: &HeaderMap) -> i64 {
    h["x-polku-delivery"].to_str().unwrap().parse().unwrap()
}

/// A webhook receiver that stays down: every attempt is recorded with its error, the notification is kept
/// until the last retry, then marked failed — and an admin can queue it again.
#[tokio::test]
async fn a_webhook_that_stays_down_loses_nothing() {
    for t in spawn_apps().await {
        // A port nothing listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let settings = json!({"webhook": {"url": format!("http://127.0.0.1:{port}/x"), "secret": SECRET}});
        assert_eq!(
            t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await.status,
            StatusCode::OK
        );
        let rule = json!({"name": "Kielteinen", "condition": {"type": "negative_text"}, "sla_hours": 8});
        assert_eq!(t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule)).await.status, StatusCode::CREATED);
        let s = t.create_survey(&t.token, nps_survey()).await;
        answer(&t, s["id"].as_str().unwrap(), 8, "Lasku oli väärin ja palvelu töykeää.").await;

        let mut now = polku_app::store::now();
        for attempt in 1..=polku_domain::notify::MAX_ATTEMPTS {
            assert_eq!(
                polku_app::notify::deliver_due(&t.app, now).await.unwrap(),
                1,
                "{}: attempt {attempt}",
                t.backend
            );
            let n = &notifications(&t).await[0];
            assert_eq!(n["attempts"], attempt);
            let last = attempt == polku_domain::notify::MAX_ATTEMPTS;
            assert_eq!(n["status"], if last { "failed" } else { "pending" }, "{}: {n}", t.backend);
            assert!(n["last_error"].as_str().unwrap().contains("webhook"), "{n}");
            now += Duration::hours(2);
        }
        assert_eq!(polku_app::notify::deliver_due(&t.app, now).await.unwrap(), 0, "a failed one waits for an admin");
        let failed = t.api(Method::GET, "/api/v1/notifications?status=failed", &t.token, None).await.json();
        let id = failed[0]["id"].as_i64().unwrap();
        let r = t.api(Method::POST, &format!("/api/v1/notifications/{id}/retry"), &t.token, None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let n = &notifications(&t).await[0];
        assert_eq!((n["status"].as_str(), n["attempts"].as_i64()), (Some("pending"), Some(0)), "{n}");
        let r = t.api(Method::POST, &format!("/api/v1/notifications/{id}/retry"), &t.token, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "only a failed one is retried");
        // Another organisation's admin cannot see or touch it.
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        assert_eq!(t.api(Method::GET, "/api/v1/notifications", &other, None).await.json(), json!([]));
        let r = t.api(Method::POST, &format!("/api/v1/notifications/{id}/retry"), &other, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

/// Settings are checked field by field, secrets are never shown and are kept when left out, only admins
/// see or change them, and a test delivery says what went wrong.
#[tokio::test]
async fn notification_settings_are_checked_kept_secret_and_tested() {
    let smtp = SmtpSink::start();
    for t in spawn_apps().await {
        let put = |body: Value| t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(body));
        let smtp_with = |extra: Value| {
            let mut s = json!({"host": "smtp.example.fi", "tls": "starttls", "username": "cx", "password": "pw-1",
                               "from": "cx@example.fi"});
            s.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            json!({"smtp": s})
        };
        for (body, field) in [
            (smtp_with(json!({"host": "smtp example"})), "smtp.host"),
            (smtp_with(json!({"port": 0})), "smtp.port"),
            (smtp_with(json!({"from": "not an address"})), "smtp.from"),
            (smtp_with(json!({"username": null})), "smtp.username"),
            (json!({"webhook": {"url": "ftp://hooks.example.fi/x", "secret": SECRET}}), "webhook.url"),
            (json!({"webhook": {"url": "https://hooks.example.fi/x"}}), "webhook.secret"),
            (json!({"webhook": {"url": "https://hooks.example.fi/x", "secret": "short"}}), "webhook.secret"),
        ] {
            let r = put(body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {field}: {}", t.backend, r.body);
            assert_eq!(r.field_errors(), [field], "{}", r.body);
        }
        let r = put(json!({"smtp": {"host": "x", "tls": "ssl", "from": "a@b.fi"}})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown TLS mode: {}", r.body);
        assert!(r.body.contains("smtp.tls"), "{}", r.body);

        let r = put(smtp_with(json!({}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let shown = t.api(Method::GET, "/api/v1/notification-settings", &t.token, None).await;
        assert_eq!(shown.json()["smtp"]["port"], 587, "the STARTTLS port by default");
        assert_eq!(shown.json()["smtp"]["password_set"], true);
        assert!(!shown.body.contains("pw-1"), "{}", shown.body);
        // Left out: kept for the same user and host; dropped when either changes.
        put(smtp_with(json!({"password": null}))).await;
        let kept = t.app.store.notification_settings(t.org).await.unwrap().unwrap().smtp.unwrap();
        assert_eq!(kept.password.as_deref(), Some("pw-1"), "{}", t.backend);
        let r = put(smtp_with(json!({"password": null, "host": "smtp.elsewhere.fi"}))).await;
        assert_eq!(r.field_errors(), ["smtp.password"], "a password is not carried to another server: {}", r.body);
        let r = put(smtp_with(json!({"password": null, "tls": "tls"}))).await;
        assert_eq!(r.field_errors(), ["smtp.password"], "nor over another kind of connection: {}", r.body);
        let r = put(smtp_with(json!({"tls": "none"}))).await;
        assert_eq!(r.field_errors(), ["smtp.tls"], "never in clear text beyond this machine: {}", r.body);
        let r = put(json!({"smtp": {"host": "smtp.example.fi", "tls": "tls", "from": "Polku <cx@exa mple.fi>"}})).await;
        assert_eq!(r.field_errors(), ["smtp.from"], "{}", r.body);
        let r = t.api(Method::POST, "/api/v1/notifications/abc/retry", &t.token, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

        let system = polku_app::Actor::System("test");
        let (_, agent) = polku_app::orgs::create_token(&t.app, &system, t.org, "a", Role::Analyst).await.unwrap();
        for (method, path) in [
            (Method::GET, "/api/v1/notification-settings"),
            (Method::PUT, "/api/v1/notification-settings"),
            (Method::GET, "/api/v1/notifications"),
            (Method::POST, "/api/v1/notification-settings/test"),
            (Method::POST, "/api/v1/notifications/1/retry"),
        ] {
            let body = (method != Method::GET).then(|| json!({}));
            let r = t.api(method.clone(), path, &agent, body).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {path}: {}", t.backend, r.body);
        }

        if let Some(sink) = &smtp {
            // A plain server, as it is: the test e-mail arrives. STARTTLS required of a server that has none:
            // refused, with the reason, and no password sent in the clear.
            let plain =
                json!({"smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "none", "from": "cx@example.fi"}});
            assert_eq!(put(plain).await.status, StatusCode::OK);
            let to = format!("test-{}@example.com", t.org.0.simple());
            let r = t.api(Method::POST, "/api/v1/notification-settings/test", &t.token, Some(json!({"to": to}))).await;
            assert_eq!(r.json()["email"]["ok"], true, "{}: {}", t.backend, r.body);
            assert_eq!(r.json()["webhook"], Value::Null);
            assert_eq!(sink.messages_to(&to).len(), 1);
            let tls = json!({"smtp": {"host": "127.0.0.1", "port": sink.port, "tls": "starttls", "username": "cx",
                                      "password": "pw-2", "from": "cx@example.fi"}});
            assert_eq!(put(tls).await.status, StatusCode::OK);
            let r = t.api(Method::POST, "/api/v1/notification-settings/test", &t.token, Some(json!({"to": to}))).await;
            assert_eq!(r.json()["email"]["ok"], false, "{}: {}", t.backend, r.body);
            assert_eq!(sink.messages_to(&to).len(), 1);
            let r =
                t.api(Method::POST, "/api/v1/notification-settings/test", &t.token, Some(json!({"to": "nope"}))).await;
            assert_eq!(r.field_errors(), ["to"], "{}", r.body);
        }
    }
}

/// Senders on several nodes never claim the same notification: each claim takes rows nobody holds.
#[tokio::test]
async fn concurrent_senders_claim_disjoint_notifications() {
    for t in spawn_apps().await {
        let settings = json!({"webhook": {"url": "http://127.0.0.1:9/x", "secret": SECRET}});
        assert_eq!(
            t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(settings)).await.status,
            StatusCode::OK
        );
        let rule =
            json!({"name": "NPS", "condition": {"type": "score_at_most", "kind": "nps", "max": 6}, "sla_hours": 8});
        assert_eq!(t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule)).await.status, StatusCode::CREATED);
        let s = t.create_survey(&t.token, nps_survey()).await;
        for _ in 0..30 {
            answer(&t, s["id"].as_str().unwrap(), 2, "Huono").await;
        }
        let now = polku_app::store::now();
        let lease = Duration::minutes(5);
        let (a, b, c) = tokio::join!(
            t.app.store.claim_notifications(now, lease, 12),
            t.app.store.claim_notifications(now, lease, 12),
            t.app.store.claim_notifications(now, lease, 12),
        );
        let mut ids: Vec<i64> = [a, b, c].into_iter().flat_map(|r| r.unwrap()).map(|o| o.id).collect();
        assert_eq!(ids.len(), 30, "{}: every row claimed once", t.backend);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 30, "{}: no row claimed twice", t.backend);
        assert!(t.app.store.claim_notifications(now, lease, 12).await.unwrap().is_empty(), "all are held");
        let first = t.app.store.claim_notifications(now, lease, 1).await.unwrap();
        assert!(first.is_empty());
        let expired = t.app.store.claim_notifications(now + lease, lease, 50).await.unwrap();
        assert_eq!(expired.len(), 30, "{}: a lease that ran out frees its rows", t.backend);
        assert!(expired.iter().all(|o| o.attempts == 2));
        // The first claimer comes back late: what it records is ignored; the holder's outcome stands.
        let mut stale = expired[0].clone();
        stale.lease = now + lease;
        t.app.store.notification_sent(&stale, now, "250 ok").await.unwrap();
        let row = |id: i64| {
            let app = t.app.clone();
            async move {
                app.store.notifications(t.org, None, None, 100).await.unwrap().into_iter().find(|n| n.id == id).unwrap()
            }
        };
        assert_eq!(row(stale.id).await.status, "pending", "{}: a stale claim records nothing", t.backend);
        t.app.store.notification_sent(&expired[0], now, "250 ok").await.unwrap();
        assert_eq!(row(stale.id).await.status, "sent");
        t.app.store.notification_failed(&stale, "late", None).await.unwrap();
        assert_eq!(row(stale.id).await.status, "sent", "{}: a delivered one stays delivered", t.backend);
    }
}

async fn move_to(t: &TestApp, case: &str, status: &str, email: Option<&str>) -> Reply {
    let body = json!({"status": status, "follow_up_email": email});
    t.api(Method::POST, &format!("/api/v1/cases/{case}/status"), &t.token, Some(body)).await
}

/// A resolved case asks its customer the same question again after the rule's days: by e-mail to the
/// customer's address, or through a link to hand over; the answer is taken once, goes into the case's
/// history, and counts towards the recovery and detractor-conversion rates.
#[tokio::test]
async fn a_resolved_case_asks_the_customer_again_and_the_answer_is_counted() {
    let Some(smtp) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        use_smtp(&t, &smtp).await;
        let team = t.api(Method::POST, "/api/v1/teams", &t.token, Some(json!({"name": "Palvelu"}))).await.json();
        let mut rule = json!({"name": "NPS ≤ 6", "condition": {"type": "score_at_most", "kind": "nps", "max": 6},
                              "sla_hours": 24, "team": team["id"], "follow_up_days": 91});
        let r = t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule.clone())).await;
        assert_eq!(r.field_errors(), ["follow_up_days"], "{}: {}", t.backend, r.body);
        rule["follow_up_days"] = json!(3);
        assert_eq!(t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule)).await.status, StatusCode::CREATED);
        let s = t.create_survey(&t.token, nps_survey()).await;
        let survey = s["id"].as_str().unwrap();
        let customer = format!("asiakas-{}@example.com", t.org.0.simple());
        let refused = format!("kielsi-{}@example.com", t.org.0.simple());
        for (nps, who, contact) in [(3, customer.as_str(), true), (2, "C-9", true), (1, refused.as_str(), false)] {
            let body = json!({"answers": [{"question": "nps", "value": nps}], "locale": "fi", "customer": who,
                              "consent": {"contact": contact}});
            let r = t.api(Method::POST, &format!("/api/v1/surveys/{survey}/responses"), &t.token, Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let cases = t.api(Method::GET, "/api/v1/cases", &t.token, None).await.json();
        let case_of = |who: &str| {
            cases.as_array().unwrap().iter().find(|c| c["customer"] == who).unwrap()["id"].as_str().unwrap().to_string()
        };
        let (emailed, handed, not_to_be_contacted) = (case_of(&customer), case_of("C-9"), case_of(&refused));
        let sent = polku_app::notify::deliver_due(&t.app, polku_app::store::now()).await.unwrap();
        assert_eq!(sent, 3, "{}: the team has nobody in it, so the owner hears of the cases", t.backend);
        assert_eq!(move_to(&t, &not_to_be_contacted, "resolved", None).await.status, StatusCode::NO_CONTENT);
        let detail = t.api(Method::GET, &format!("/api/v1/cases/{not_to_be_contacted}"), &t.token, None).await.json();
        assert_eq!(
            detail["follow_up"]["email"],
            Value::Null,
            "{}: no consent to contact, no e-mail: {detail}",
            t.backend
        );
        for case in [&emailed, &handed] {
            assert_eq!(move_to(&t, case, "in_progress", None).await.status, StatusCode::NO_CONTENT);
        }
        let r = move_to(&t, &handed, "resolved", Some("not an address")).await;
        assert_eq!(r.field_errors(), ["follow_up_email"], "{}", r.body);
        let r = move_to(&t, &handed, "resolved", Some("Name <a@b.fi")).await;
        assert_eq!(r.field_errors(), ["follow_up_email"], "{}", r.body);
        let detail = t.api(Method::GET, &format!("/api/v1/cases/{handed}"), &t.token, None).await.json();
        assert_eq!(detail["case"]["status"], "in_progress", "nothing half-done: {detail}");
        assert_eq!(detail["follow_up"], Value::Null);
        for case in [&emailed, &handed] {
            assert_eq!(move_to(&t, case, "resolved", None).await.status, StatusCode::NO_CONTENT);
        }
        let detail = t.api(Method::GET, &format!("/api/v1/cases/{emailed}"), &t.token, None).await.json();
        let f = &detail["follow_up"];
        assert_eq!(
            (f["status"].as_str(), f["email"].as_str()),
            (Some("scheduled"), Some(customer.as_str())),
            "{detail}"
        );
        assert_eq!((f["kind"].as_str(), f["original_score"].as_i64()), (Some("nps"), Some(3)));
        let handed_follow_up = t.api(Method::GET, &format!("/api/v1/cases/{handed}"), &t.token, None).await.json();
        assert_eq!(handed_follow_up["follow_up"]["email"], Value::Null, "C-9 is no address: the link is handed over");
        let link = handed_follow_up["follow_up"]["link"].as_str().unwrap().to_string();

        // Reopened and resolved again: still one follow-up.
        assert_eq!(move_to(&t, &emailed, "in_progress", None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(move_to(&t, &emailed, "resolved", None).await.status, StatusCode::NO_CONTENT);

        let now = polku_app::store::now();
        assert_eq!(t.app.store.start_due_follow_ups(now).await.unwrap(), 0, "{}: not before its day", t.backend);
        let due = now + Duration::days(3) + Duration::minutes(1);
        assert_eq!(
            t.app.store.start_due_follow_ups(due).await.unwrap(),
            1,
            "{}: only the one with an address",
            t.backend
        );
        assert_eq!(t.app.store.start_due_follow_ups(due).await.unwrap(), 0, "each is sent once");
        assert_eq!(
            polku_app::notify::deliver_due(&t.app, due).await.unwrap(),
            1,
            "{}: only the one with an address",
            t.backend
        );
        let mails = smtp.messages_to(&customer);
        assert_eq!(mails.len(), 1, "{}: {mails:?}", t.backend);
        assert_eq!(mails[0]["subject"], "Testi Oy: miten onnistuimme?", "in the answer's language");
        let body = mails[0]["body"].as_str().unwrap();
        assert!(body.contains("Kuinka todennäköisesti suosittelisit meitä?"), "the same question: {body}");
        let url = body.lines().find(|l| l.contains("/f/")).unwrap();
        let path = &url[url.find("/f/").unwrap()..];

        // The customer answers on the page: CSRF-checked, scale-checked, once.
        let page = t.get(path, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Kuinka todennäköisesti suosittelisit meitä?"));
        let cookies = page.cookies();
        let csrf = hidden(&page.body, "_csrf");
        assert_eq!(t.post_form(path, &[], &[("_csrf", &csrf), ("score", "9")]).await.status, StatusCode::FORBIDDEN);
        let r = t.post_form(path, &cookies, &[("_csrf", &csrf), ("score", "11")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = t.post_form(path, &cookies, &[("_csrf", &csrf), ("score", "9"), ("comment", "Nyt <b>hyvä</b>!")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.body);
        assert!(r.body.contains("Kiitos vastauksestasi"), "{}", r.body);
        let again = t.post_form(path, &cookies, &[("_csrf", &csrf), ("score", "2")]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "answered once");
        let token = link.rsplit('/').next().unwrap();
        polku_app::followups::answer(&t.app, token, "5", None).await.unwrap();
        assert_eq!(t.get("/f/nonexistent", &[]).await.status, StatusCode::NOT_FOUND);

        let detail = t.api(Method::GET, &format!("/api/v1/cases/{emailed}"), &t.token, None).await.json();
        assert_eq!(detail["follow_up"]["status"], "answered");
        assert_eq!(detail["follow_up"]["score"], 9);
        assert_eq!(detail["follow_up"]["comment"], "Nyt <b>hyvä</b>!");
        assert!(detail["events"].as_array().unwrap().iter().any(|e| e["kind"] == "follow_up" && e["body"] == "9"));

        // 3 → 9 recovered and converted; 2 → 5 neither.
        let stats = t.api(Method::GET, "/api/v1/follow-ups/stats?group=team", &t.token, None).await.json();
        let all = &stats["all"];
        assert_eq!(
            [&all["follow_ups"], &all["answered"], &all["recovered"], &all["detractors"], &all["converted"]],
            [3, 2, 1, 2, 1],
            "{}: {stats}",
            t.backend
        );
        assert_eq!(all["recovery_rate"], 50.0);
        assert_eq!(stats["groups"][0]["key"], "Palvelu");
        let r = t.api(Method::GET, "/api/v1/follow-ups/stats?group=week", &t.token, None).await;
        assert_eq!(r.field_errors(), ["group"], "{}", r.body);
        let r = t.api(Method::GET, "/api/v1/follow-ups/stats?from=2026-13-01", &t.token, None).await;
        assert_eq!(r.field_errors(), ["from"], "{}", r.body);
        let (cookies, _) = t.login(&t.email).await;
        let page = t.get("/cases/follow-ups?group=rule", &cookies).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("NPS ≤ 6") && page.body.contains("50 %"), "{}", page.body);
        let case_page = t.get(&format!("/cases/{emailed}"), &cookies).await;
        assert!(case_page.body.contains("hyvä") && !case_page.body.contains("<b>hyvä"), "escaped on the case page");
    }
}

/// Unless the operator allows it, an organisation's admin cannot point notifications at the server's own
/// machine or network.
#[tokio::test]
async fn internal_targets_are_refused_unless_allowed() {
    for (backend, store) in polku_store_testing::testing::fresh_stores().await {
        let (app, _writer) = polku_app::App::start(store, polku_app::AppConfig::default());
        let (org, _, _) = new_org(&app, "Sisäverkko Oy").await;
        let caller = polku_app::auth::Caller { org, role: Role::Admin, actor: polku_app::Actor::System("test") };
        let input = |v: Value| serde_json::from_value::<polku_app::notify::SettingsInput>(v).unwrap();
        for (v, field) in [
            (json!({"smtp": {"host": "127.0.0.1", "tls": "none", "from": "cx@example.fi"}}), "smtp.host"),
            (json!({"smtp": {"host": "10.0.0.25", "tls": "starttls", "from": "cx@example.fi"}}), "smtp.host"),
            (json!({"webhook": {"url": "http://169.254.169.254/latest", "secret": SECRET}}), "webhook.url"),
            (json!({"webhook": {"url": "http://[::1]:5432/", "secret": SECRET}}), "webhook.url"),
            // Found in the security review: numeric forms of loopback and of the metadata address.
            (json!({"webhook": {"url": "http://0x7f000001:5432/", "secret": SECRET}}), "webhook.url"),
            (json!({"webhook": {"url": "http://2130706433/", "secret": SECRET}}), "webhook.url"),
            (json!({"webhook": {"url": "http://127.1:25/", "secret": SECRET}}), "webhook.url"),
            (json!({"webhook": {"url": "http://2852039166/latest", "secret": SECRET}}), "webhook.url"),
            (json!({"webhook": {"url": "http://[::ffff:7f00:1]/", "secret": SECRET}}), "webhook.url"),
            (json!({"smtp": {"host": "127.1", "tls": "none", "from": "cx@example.fi"}}), "smtp.host"),
            (json!({"smtp": {"host": "0x7f000001", "tls": "none", "from": "cx@example.fi"}}), "smtp.host"),
            (json!({"smtp": {"host": "2852039166", "tls": "none", "from": "cx@example.fi"}}), "smtp.host"),
        ] {
            let e = polku_app::notify::save_settings(&app, &caller, input(v)).await.unwrap_err();
            assert_eq!(e.field_errors()[0].field, field, "{backend}: {e}");
        }
        let ok = json!({"webhook": {"url": "https://hooks.example.fi/x", "secret": SECRET}});
        polku_app::notify::save_settings(&app, &caller, input(ok)).await.unwrap();
    }
}

/// A new case of a team nobody is in goes to the admins, so that someone always hears of it.
#[tokio::test]
async fn a_case_of_an_empty_team_is_emailed_to_the_admins() {
    let Some(smtp) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        use_smtp(&t, &smtp).await;
        let team = t.api(Method::POST, "/api/v1/teams", &t.token, Some(json!({"name": "Tyhjä"}))).await.json();
        let rule = json!({"name": "Tiimille", "condition": {"type": "score_at_most", "kind": "nps", "max": 6},
                          "sla_hours": 24, "team": team["id"]});
        assert_eq!(t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule)).await.status, StatusCode::CREATED);
        let s = t.create_survey(&t.token, nps_survey()).await;
        answer(&t, s["id"].as_str().unwrap(), 1, "Huono").await;
        polku_app::notify::deliver_due(&t.app, polku_app::store::now()).await.unwrap();
        assert_eq!(smtp.messages_to(&t.email).len(), 1, "{}: the owner hears", t.backend);
    }
}

/// "You said, we did": shipping an improvement tells, once each and in their language, the customers whose
/// negative feedback on its themes fed it and who agreed to be contacted — nobody else.
#[tokio::test]
async fn a_shipped_improvement_tells_the_customers_who_asked_for_it() {
    let Some(smtp) = SmtpSink::start() else { return };
    for t in spawn_apps().await {
        use_smtp(&t, &smtp).await;
        let s = t.create_survey(&t.token, nps_survey()).await;
        let path = format!("/api/v1/surveys/{}/responses", s["id"].as_str().unwrap());
        let who = |name: &str| format!("{name}-{}@example.com", t.org.0.simple());
        let (asked, silent, happy, withdrew) = (who("asked"), who("silent"), who("happy"), who("withdrew"));
        for (customer, nps, why, locale, contact) in [
            (withdrew.as_str(), 2, "Lasku oli väärin.", "fi", true),
            (withdrew.as_str(), 3, "Lasku oli taas väärin.", "fi", false),
            (asked.as_str(), 3, "Fakturan var fel och dyr.", "sv", true),
            (asked.as_str(), 4, "Fakturan var fel igen.", "sv", true),
            (silent.as_str(), 2, "Lasku oli väärin.", "fi", false),
            (happy.as_str(), 10, "Lasku oli selkeä ja hyvä.", "fi", true),
            ("C-12", 2, "Lasku oli väärin ja kallis.", "fi", true),
        ] {
            let body = json!({"answers": [{"question": "nps", "value": nps}, {"question": "why", "value": why}],
                              "locale": locale, "customer": customer, "consent": {"contact": contact}});
            assert_eq!(t.api(Method::POST, &path, &t.token, Some(body)).await.status, StatusCode::CREATED);
        }
        let create = |v: Value| t.api(Method::POST, "/api/v1/improvements", &t.token, Some(v));
        for (v, field) in [
            (json!({"texts": {"fi": "  "}, "themes": ["invoicing"]}), "texts"),
            (json!({"texts": {"fi": "Laskut ovat nyt selkeämpiä."}}), "themes"),
            (json!({"texts": {"fi": "x"}, "themes": ["nope"]}), "themes"),
            (json!({"texts": {"fi": "x"}, "touchpoints": ["Bad One"]}), "touchpoints"),
        ] {
            let r = create(v).await;
            assert_eq!(r.field_errors(), [field], "{}: {}", t.backend, r.body);
        }
        let r = create(json!({"texts": {"fi": "Laskut ovat nyt selkeämpiä.", "sv": "Fakturorna är nu tydligare."},
                              "themes": ["invoicing"]}))
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_string();
        let list = t.api(Method::GET, "/api/v1/improvements", &t.token, None).await.json();
        assert_eq!(list[0]["status"], "planned");
        assert_eq!(list[0]["feedback"], 6, "{}: six negative comments on invoicing: {list}", t.backend);
        assert_eq!(list[0]["customers"], 1, "only one customer consented (and did not withdraw) and has an address");
        let (_, _, other) = new_org(&t.app, "Toinen Oy").await;
        let r = t.api(Method::POST, &format!("/api/v1/improvements/{id}/ship"), &other, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "another organisation's improvement");

        let system = polku_app::Actor::System("test");
        let (_, agent) = polku_app::orgs::create_token(&t.app, &system, t.org, "a", Role::Agent).await.unwrap();
        let r = t.api(Method::POST, &format!("/api/v1/improvements/{id}/ship"), &agent, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = t.api(Method::POST, &format!("/api/v1/improvements/{id}/ship"), &t.token, None).await;
        assert_eq!(r.json()["told"], 1, "{}: {}", t.backend, r.body);
        let r = t.api(Method::POST, &format!("/api/v1/improvements/{id}/ship"), &t.token, None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "shipped once");
        assert_eq!(polku_app::notify::deliver_due(&t.app, polku_app::store::now()).await.unwrap(), 1);
        let mails = smtp.messages_to(&asked);
        assert_eq!(mails.len(), 1, "{}: {mails:?}", t.backend);
        assert_eq!(mails[0]["subject"], "Testi Oy: du sa, vi gjorde", "in the customer's Swedish");
        assert!(mails[0]["body"].as_str().unwrap().contains("Fakturorna är nu tydligare."), "{}", mails[0]["body"]);
        assert!(smtp.messages_to(&silent).is_empty() && smtp.messages_to(&happy).is_empty());
        // Feedback after shipping did not feed it.
        let body = json!({"answers": [{"question": "nps", "value": 1}, {"question": "why", "value": "Lasku oli väärin."}],
                          "locale": "fi", "customer": who("late"), "consent": {"contact": true}});
        assert_eq!(t.api(Method::POST, &path, &t.token, Some(body)).await.status, StatusCode::CREATED);
        let list = t.api(Method::GET, "/api/v1/improvements", &t.token, None).await.json();
        assert_eq!((list[0]["status"].as_str(), list[0]["told"].as_i64()), (Some("shipped"), Some(1)));
        assert_eq!((list[0]["feedback"].as_i64(), list[0]["customers"].as_i64()), (Some(6), Some(1)), "{}", t.backend);
        // Without an SMTP server, an improvement with customers waiting is not shipped.
        let r = t.api(Method::PUT, "/api/v1/notification-settings", &t.token, Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = create(json!({"texts": {"fi": "Laskussa on nyt erittely."}, "themes": ["invoicing"]})).await;
        let second = r.json()["id"].as_str().unwrap().to_string();
        let r = t.api(Method::POST, &format!("/api/v1/improvements/{second}/ship"), &t.token, None).await;
        assert_eq!(r.field_errors(), ["smtp"], "{}: {}", t.backend, r.body);
        let list = t.api(Method::GET, "/api/v1/improvements", &t.token, None).await.json();
        assert_eq!(list[0]["status"], "planned", "nothing changed");
        let (cookies, _) = t.login(&t.email).await;
        let page = t.get("/improvements", &cookies).await;
        assert!(page.body.contains("Laskut ovat nyt selkeämpiä."), "{}", page.body);
    }
}

/// This machine's own name: not internal as written, but it resolves to this machine (loopback or a private
/// address on any host a test runs on), so it stands for "a public-looking name of an internal address".
fn own_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string()
}

/// A name that resolves to an internal address is refused when saved, and, saved by a server that allowed
/// it, is refused again at delivery by one that does not: the check is made on the addresses connected to,
/// not on the name.
#[tokio::test]
async fn names_of_internal_addresses_are_refused_when_saved_and_when_sent() {
    let name = own_name();
    let resolved: Vec<_> = tokio::net::lookup_host((name.as_str(), 0)).await.unwrap().collect();
    assert!(
        resolved.iter().all(|a| polku_domain::notify::is_internal_ip(a.ip())),
        "this test needs the machine's name ({name}) to resolve to internal addresses: {resolved:?}"
    );
    let Some(sink) = SmtpSink::start() else { return };
    for (backend, store) in polku_store_testing::testing::fresh_stores().await {
        let allowing = polku_app::AppConfig { allow_internal_targets: true, ..polku_app::AppConfig::default() };
        let (lax, _w1) = polku_app::App::start(store.clone(), allowing);
        let (strict, _w2) = polku_app::App::start(store, polku_app::AppConfig::default());
        let (org, _, _) = new_org(&lax, "Nimipalvelu Oy").await;
        let caller = polku_app::auth::Caller { org, role: Role::Admin, actor: polku_app::Actor::System("test") };
        let (receiver, url) = Receiver::start(0).await;
        let to = format!("tester-{backend}@example.fi");
        let url = url.replace("127.0.0.1", &name);
        let settings: polku_app::notify::SettingsInput = serde_json::from_value(json!({
            "smtp": {"host": name, "port": sink.port, "tls": "none", "from": "cx@example.fi"},
            "webhook": {"url": url, "secret": SECRET},
        }))
        .unwrap();
        let e = polku_app::notify::save_settings(&strict, &caller, settings.clone()).await.unwrap_err();
        assert!(e.to_string().contains("resolves to"), "{backend}: {e}");
        polku_app::notify::save_settings(&lax, &caller, settings).await.unwrap();
        let sent = polku_app::notify::send_test(&lax, &caller, Some(to.as_str())).await.unwrap();
        assert!(sent.email.as_ref().unwrap().is_ok() && sent.webhook.as_ref().unwrap().is_ok(), "{backend}: {sent:?}");
        assert_eq!((sink.messages_to(&to).len(), receiver.calls().len()), (1, 1), "{backend}");
        let refused = polku_app::notify::send_test(&strict, &caller, Some(to.as_str())).await.unwrap();
        for outcome in [refused.email.unwrap(), refused.webhook.unwrap()] {
            assert!(outcome.as_ref().is_err_and(|e| e.contains("internal address")), "{backend}: {outcome:?}");
        }
        assert_eq!((sink.messages_to(&to).len(), receiver.calls().len()), (1, 1), "{backend}");
        drop(lax);
    }
}

/// An SMTP server that accepts and never greets, and a webhook receiver that never answers, fail within
/// the deadline for the whole exchange instead of holding the sender.
#[tokio::test]
async fn a_server_that_never_answers_fails_within_the_deadline() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    for (backend, store) in polku_store_testing::testing::fresh_stores().await {
        let config = polku_app::AppConfig {
            allow_internal_targets: true,
            outbound_timeout: std::time::Duration::from_secs(1),
            ..polku_app::AppConfig::default()
        };
        let (app, _writer) = polku_app::App::start(store, config);
        let (org, _, _) = new_org(&app, "Hiljainen Oy").await;
        let caller = polku_app::auth::Caller { org, role: Role::Admin, actor: polku_app::Actor::System("test") };
        let settings: polku_app::notify::SettingsInput = serde_json::from_value(json!({
            "smtp": {"host": "127.0.0.1", "port": port, "tls": "none", "from": "cx@example.fi"},
            "webhook": {"url": format!("http://127.0.0.1:{port}/hook"), "secret": SECRET},
        }))
        .unwrap();
        polku_app::notify::save_settings(&app, &caller, settings).await.unwrap();
        let started = std::time::Instant::now();
        let outcome = polku_app::notify::send_test(&app, &caller, Some("tester@example.fi")).await.unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{backend}: {:?}", started.elapsed());
        let email = outcome.email.unwrap().unwrap_err();
        assert!(email.contains("no answer within"), "{backend}: {email}");
        assert!(outcome.webhook.unwrap().is_err(), "{backend}");
    }
}
