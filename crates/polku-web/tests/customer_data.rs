//! Customer data through the real router on every backend under test: the batch endpoints of every kind,
//! single touchpoint events, the shop and helpdesk webhooks with their signatures and duplicates, and the
//! privacy operations (export, erasure, retention).

mod support;

use axum::http::{StatusCode, header};
use polku_domain::role::Role;
use serde_json::{Value, json};
use support::*;

/// Rows of each kind: customers, orders, contacts, deliveries, referrals, reviews, events.
async fn counts(t: &TestApp) -> [i64; 7] {
    t.app.store.customer_data_counts(t.org).await.unwrap()
}

/// Customers and orders come in as JSON arrays or NDJSON, are upserted by external id, and a batch with a bad
/// row stores nothing and names every bad row and field.
#[tokio::test]
async fn customers_and_orders_are_upserted_in_batches_whole_or_not_at_all() {
    for t in spawn_apps().await {
        let send = |path: &'static str, ct: &'static str, body: String| {
            let req = axum::http::Request::post(path)
                .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
                .header(header::CONTENT_TYPE, ct)
                .body(axum::body::Body::from(body))
                .unwrap();
            t.send(req)
        };
        let customers = json!([
            {"external_id": "C-1", "name": "Maija Meikäläinen", "email": "maija@example.fi", "language": "fi",
             "consent_contact": true, "attributes": {"segment": "b2c", "region": "Uusimaa"}},
            {"external_id": "C-2", "name": "Sven Svensson", "language": "sv"}
        ]);
        let r = send("/api/v1/customers:batch", "application/json", customers.to_string()).await;
        assert_eq!((r.status, r.json()["upserted"].as_u64()), (StatusCode::OK, Some(2)), "{}: {}", t.backend, r.body);
        // NDJSON; a field left out keeps what is stored; an order names a customer not sent yet.
        let r = send(
            "/api/v1/customers:batch",
            "application/x-ndjson",
            "{\"external_id\": \"C-1\", \"phone\": \"+358401234567\"}\n\n".into(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let orders = [
            json!({"external_id": "5800000000000000001", "customer": "C-1", "placed_at": "2026-11-02T10:00:00+02:00",
                   "amount": "129.00", "currency": "EUR", "items": 2, "status": "paid"}),
            json!({"external_id": "W-17", "customer": "C-3", "placed_at": "2026-11-03T10:00:00Z", "amount": 49.9,
                   "currency": "eur"}),
        ];
        let ndjson = orders.iter().map(|o| o.to_string()).collect::<Vec<_>>().join("\n");
        let r = send("/api/v1/orders:batch", "application/x-ndjson", ndjson).await;
        assert_eq!(r.json()["upserted"], 2, "{}: {}", t.backend, r.body);
        assert_eq!(counts(&t).await[..2], [3, 2], "{}: C-3 made for its order", t.backend);
        // Sent again with a new status: updated, not doubled.
        let again = json!([{"external_id": "W-17", "customer": "C-3", "placed_at": "2026-11-03T10:00:00Z",
                            "amount": "49,90", "currency": "EUR", "status": "refunded"}]);
        assert_eq!(send("/api/v1/orders:batch", "application/json", again.to_string()).await.status, StatusCode::OK);
        assert_eq!(counts(&t).await[..2], [3, 2]);

        // Bad rows: every one named, nothing stored.
        let bad = json!([
            {"external_id": "N-1", "customer": "C-9", "placed_at": "2026-11-03T10:00:00Z", "amount": "10", "currency": "EUR"},
            {"external_id": "N-2", "customer": "C-9", "placed_at": "eilen", "amount": "1.234", "currency": "EUR"},
            {"external_id": "N-3", "customer": "C-9", "placed_at": "2026-11-03T10:00:00Z", "amount": "5", "currency": "EUR", "colour": "red"}
        ]);
        let r = send("/api/v1/orders:batch", "application/json", bad.to_string()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.field_errors(), ["rows[2].colour"], "{}: unknown fields are refused first: {}", t.backend, r.body);
        let bad = json!([bad[0], bad[1]]);
        let r = send("/api/v1/orders:batch", "application/json", bad.to_string()).await;
        assert_eq!(r.field_errors(), ["rows[1].placed_at", "rows[1].amount"], "{}", r.body);
        assert_eq!(counts(&t).await[..2], [3, 2], "{}: nothing half-written", t.backend);
        let r =
            send("/api/v1/customers:batch", "application/x-ndjson", "{\"external_id\": \"C-5\"}\n{nope".into()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("line 2"), "{}", r.body);
        let r = send("/api/v1/customers:batch", "text/csv", "external_id\nC-1".into()).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let many: Vec<Value> = (0..10_001).map(|i| json!({"external_id": format!("X-{i}")})).collect();
        let r = send("/api/v1/customers:batch", "application/json", Value::Array(many).to_string()).await;
        assert_eq!(
            r.field_errors(),
            ["rows"],
            "at most 10,000 a request (and the 1 MiB body limit does not apply): {}",
            r.body
        );
        // Support contacts: the same rules.
        let contacts = json!([
            {"external_id": "Z-1", "customer": "C-1", "channel": "phone", "reason": "invoice", "touchpoint": "invoice",
             "opened_at": "2026-11-04T09:00:00Z", "closed_at": "2026-11-04T09:20:00Z", "handling_minutes": 20,
             "cost": "12,50", "currency": "EUR"},
            {"external_id": "Z-2", "customer": "C-7", "channel": "email", "opened_at": "2026-11-05T09:00:00Z"}
        ]);
        let r = send("/api/v1/contacts:batch", "application/json", contacts.to_string()).await;
        assert_eq!(r.json()["upserted"], 2, "{}: {}", t.backend, r.body);
        let bad = json!([{"external_id": "Z-3", "customer": "C-1", "channel": "phone", "opened_at": "2026-11-05T09:00:00Z",
                          "closed_at": "2026-11-04T09:00:00Z", "cost": "5"}]);
        let r = send("/api/v1/contacts:batch", "application/json", bad.to_string()).await;
        assert_eq!(r.field_errors(), ["rows[0].closed_at", "rows[0].currency"], "{}", r.body);
        assert_eq!(counts(&t).await[2], 2, "{}", t.backend);
        assert_eq!(counts(&t).await[0], 4, "C-7 made for its contact");
        let (_, viewer) =
            polku_app::orgs::create_token(&t.app, &polku_app::Actor::System("t"), t.org, "v", Role::Viewer)
                .await
                .unwrap();
        let (_, kiosk) = polku_app::orgs::create_token(&t.app, &polku_app::Actor::System("t"), t.org, "k", Role::Agent)
            .await
            .unwrap();
        let req = axum::http::Request::post("/api/v1/orders:batch")
            .header(header::AUTHORIZATION, format!("Bearer {kiosk}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from("[]"))
            .unwrap();
        assert_eq!(t.send(req).await.status, StatusCode::FORBIDDEN, "an agent (kiosk) token writes no customer data");
        let req = axum::http::Request::post("/api/v1/customers:batch")
            .header(header::AUTHORIZATION, format!("Bearer {viewer}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from("[{\"external_id\": \"V\"}]"))
            .unwrap();
        assert_eq!(t.send(req).await.status, StatusCode::FORBIDDEN);
    }
}

/// Deliveries, referrals, reviews and touchpoint events: upserted by external id like orders, every bad field
/// named by row; a single event has its own endpoint, named by its own fields.
#[tokio::test]
async fn journey_activity_is_upserted_and_checked() {
    for t in spawn_apps().await {
        let post = |path: &'static str, body: Value| t.api(axum::http::Method::POST, path, &t.token, Some(body));
        let r = post(
            "/api/v1/deliveries:batch",
            json!([{"external_id": "D-1", "customer": "C-1", "order": 5800000000000000001u64,
                    "shipped_at": "2026-11-02T08:00:00Z", "promised_at": "2026-11-03T12:00:00Z",
                    "delivered_at": "2026-11-03T14:00:00Z", "carrier": "Posti"}]),
        )
        .await;
        assert_eq!(r.json()["upserted"], 1, "{}: {}", t.backend, r.body);
        let r = post(
            "/api/v1/referrals:batch",
            json!([{"external_id": "R-1", "code": "MAIJA10", "referrer": "C-1", "customer": "C-2",
                    "redeemed_at": "2026-11-04T10:00:00Z"}]),
        )
        .await;
        assert_eq!(r.json()["upserted"], 1, "{}: {}", t.backend, r.body);
        let r = post(
            "/api/v1/reviews:batch",
            json!([{"external_id": "V-1", "customer": "C-2", "product": "Sohva", "rating": 2, "photos": true,
                    "text": "Kangas nyppyyntyi viikossa.", "published_at": "2026-11-10T18:00:00Z"},
                   {"external_id": "V-1", "customer": "C-2", "rating": 3, "published_at": "2026-11-10T18:00:00Z"}]),
        )
        .await;
        assert_eq!(r.json()["upserted"], 1, "{}: the same id twice is one review: {}", t.backend, r.body);
        let r = post(
            "/api/v1/events",
            json!({"customer": "C-1", "touchpoint": "arrival", "occurred_at": "2026-11-02T09:00:00Z",
                   "outcome": "late", "polarity": "negative", "attributes": {"minutes_late": 60}}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
        let ev = json!({"external_id": "E-1", "customer": "C-1", "touchpoint": "quote",
                        "occurred_at": "2026-11-01T09:00:00Z", "polarity": "positive"});
        assert_eq!(post("/api/v1/events:batch", json!([ev, ev])).await.json()["upserted"], 1);
        assert_eq!(post("/api/v1/events", ev.clone()).await.status, StatusCode::CREATED, "sent again: replaced");
        assert_eq!(counts(&t).await, [2, 0, 0, 1, 1, 1, 2], "{}: C-1 and C-2 made for their rows", t.backend);

        // Bad input: each named, nothing stored.
        let r = post(
            "/api/v1/events",
            json!({"customer": "C-1", "touchpoint": "Quote Request!", "occurred_at": "now", "polarity": "great"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.field_errors(), ["touchpoint", "polarity", "occurred_at"], "{}", r.body);
        let r = post("/api/v1/events", json!({"customer": "C-1", "occurred_at": "2026-11-01T09:00:00Z"})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("touchpoint"), "a missing field is named: {}", r.body);
        let r = post(
            "/api/v1/deliveries:batch",
            json!([{"external_id": "D-2", "customer": "C-3", "delivered_at": "2026-11-03T14:00:00Z"},
                   {"external_id": "D-3", "customer": "C-3", "status": "lost"}]),
        )
        .await;
        assert_eq!(r.field_errors(), ["rows[1].shipped_at", "rows[1].status"], "{}", r.body);
        let r = post(
            "/api/v1/reviews:batch",
            json!([{"external_id": "V-2", "customer": "C-3", "rating": 0, "published_at": "2026-11-10T18:00:00Z"}]),
        )
        .await;
        assert_eq!(r.field_errors(), ["rows[0].rating"], "{}", r.body);
        let r = post(
            "/api/v1/referrals:batch",
            json!([{"external_id": "R-2", "code": "X", "referrer": "C-3", "customer": "C-3", "redeemed_at": "2026-11-04T10:00:00Z"}]),
        )
        .await;
        assert_eq!(r.field_errors(), ["rows[0].referrer"], "{}", r.body);
        assert_eq!(counts(&t).await, [2, 0, 0, 1, 1, 1, 2], "{}: nothing half-written", t.backend);
    }
}
