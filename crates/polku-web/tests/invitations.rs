//! Personal survey links through the real router on every backend: an answer given through one is stored
//! with its customer and channel, once; a changed, expired or foreign link stores nothing.

mod support;

use axum::http::{Method, StatusCode};
use polku_domain::SurveyId;
use serde_json::json;
use support::*;

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
