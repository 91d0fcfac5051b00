//! An organisation's time zone through the real router on every backend: an evening answer counts on the
//! local day, a change of zone recounts the stored days and rollups (and `verify` stays exact), exports
//! carry the zone's offset, and an organisation upgraded from UTC days is rebuilt.

mod support;

use axum::http::{Method, StatusCode};
use polku_domain::OrgId;
use serde_json::{Value, json};
use support::*;

async fn answer_at(t: &TestApp, survey: &str, at: &str, nps: i64, why: &str) {
    let body = json!({"answers": [{"question": "nps", "value": nps}, {"question": "why", "value": why}],
        "channel": "email", "submitted_at": at});
    let r = t.api(Method::POST, &format!("/api/v1/surveys/{survey}/responses"), &t.token, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
}

/// The days with answers in the survey's daily series.
async fn days(t: &TestApp, survey: &str) -> Vec<String> {
    let r = t.api(Method::GET, &format!("/api/v1/surveys/{survey}/metrics?granularity=day"), &t.token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let series = r.json()["series"].as_array().unwrap().clone();
    series
        .iter()
        .filter(|p| p["nps"]["n"].as_u64() > Some(0))
        .map(|p| p["start"].as_str().unwrap().to_string())
        .collect()
}

async fn exact(t: &TestApp) {
    assert!(t.app.store.verify_rollups(t.org).await.unwrap().is_empty(), "{}: rollups exact", t.backend);
    assert!(
        t.app.store.verify_comment_rollups(t.org).await.unwrap().is_empty(),
        "{}: comment rollups exact",
        t.backend
    );
}

#[tokio::test]
async fn days_are_the_organisations_and_a_new_zone_recounts_them() {
    for t in spawn_apps().await {
        polku_app::orgs::rebuild_pending(&t.app).await.unwrap();
        let org = t.api(Method::GET, "/api/v1/organisation", &t.token, None).await;
        assert_eq!(org.json()["time_zone"], "Europe/Helsinki", "{}: Finnish first", t.backend);
        let survey: Value = t.create_survey(&t.token, nps_survey()).await;
        let id = survey["id"].as_str().unwrap();
        // 22:30 UTC in January is 00:30 the next day in Helsinki; 21:00 UTC in July is midnight there.
        answer_at(&t, id, "2026-01-15T22:30:00Z", 9, "Ilta-asiakas").await;
        answer_at(&t, id, "2026-07-01T20:59:00Z", 3, "Kesäilta").await;
        assert_eq!(days(&t, id).await, ["2026-01-16", "2026-07-01"], "{}", t.backend);
        exact(&t).await;

        // The inbox export writes times with the zone's offset.
        let (cookies, csrf) = t.login(&t.email).await;
        let csv = t.get("/inbox.csv", &cookies).await;
        assert!(
            csv.body.contains("2026-01-16T00:30:00+02:00") && csv.body.contains("2026-07-01T23:59:00+03:00"),
            "{}",
            csv.body
        );
        // The inbox's day filter is the zone's day.
        let inbox = t.get("/inbox?from=2026-01-16&to=2026-01-16", &cookies).await;
        assert!(inbox.body.contains("Ilta-asiakas") && !inbox.body.contains("Kesäilta"), "{}", t.backend);

        // A bad zone is refused by name, in the API and the UI.
        let r = t.api(Method::PUT, "/api/v1/organisation", &t.token, Some(json!({"time_zone": "Mars/Olympus"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("time_zone"), "{}", r.body);
        let r =
            t.post_form("/settings/organisation", &cookies, &[("_csrf", &csrf), ("time_zone", "Europe/Nowhere")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // UTC: the January answer moves back a day once the rebuild has run; rollups stay exact throughout.
        let r = t.post_form("/settings/organisation", &cookies, &[("_csrf", &csrf), ("time_zone", "UTC")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(t.app.store.pending_day_rebuilds().await.unwrap(), [t.org], "{}", t.backend);
        exact(&t).await;
        assert_eq!(polku_app::orgs::rebuild_pending(&t.app).await.unwrap(), 1);
        assert_eq!(days(&t, id).await, ["2026-01-15", "2026-07-01"], "{}", t.backend);
        exact(&t).await;
        // Answers given after the change count in the new zone at once.
        answer_at(&t, id, "2026-03-03T23:30:00Z", 10, "Myöhäinen").await;
        assert_eq!(days(&t, id).await, ["2026-01-15", "2026-03-03", "2026-07-01"], "{}", t.backend);
        exact(&t).await;
        // New York: the July evening answer is still 1 July, the March one 3 March.
        let r =
            t.api(Method::PUT, "/api/v1/organisation", &t.token, Some(json!({"time_zone": "America/New_York"}))).await;
        assert_eq!(
            (r.status, r.json()["time_zone"].as_str()),
            (StatusCode::OK, Some("America/New_York")),
            "{}",
            r.body
        );
        polku_app::orgs::rebuild_pending(&t.app).await.unwrap();
        assert_eq!(days(&t, id).await, ["2026-01-15", "2026-03-03", "2026-07-01"], "{}", t.backend);
        exact(&t).await;
        // Viewers cannot change it.
        let (_, viewer) = polku_app::orgs::create_token(
            &t.app,
            &polku_app::Actor::System("t"),
            t.org,
            "v",
            polku_domain::role::Role::Viewer,
        )
        .await
        .unwrap();
        let r = t.api(Method::PUT, "/api/v1/organisation", &viewer, Some(json!({"time_zone": "UTC"}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

/// An organisation from before time zones counted UTC days; after the upgrade it is in Helsinki and its days
/// are recounted.
#[tokio::test]
async fn an_organisation_from_before_time_zones_is_recounted() {
    for t in spawn_apps().await {
        let survey: Value = t.create_survey(&t.token, nps_survey()).await;
        let id = survey["id"].as_str().unwrap();
        // Stored as the old code stored it: UTC days, and the organisation marked as counted in UTC.
        polku_app::orgs::rebuild_pending(&t.app).await.unwrap();
        let r = t.api(Method::PUT, "/api/v1/organisation", &t.token, Some(json!({"time_zone": "UTC"}))).await;
        assert_eq!(r.status, StatusCode::OK);
        polku_app::orgs::rebuild_pending(&t.app).await.unwrap();
        answer_at(&t, id, "2026-01-15T22:30:00Z", 9, "Vanha").await;
        assert_eq!(days(&t, id).await, ["2026-01-15"]);
        // Migration 0030 leaves such an organisation in Helsinki with its days still counted in UTC.
        let r =
            t.api(Method::PUT, "/api/v1/organisation", &t.token, Some(json!({"time_zone": "Europe/Helsinki"}))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(t.app.store.pending_day_rebuilds().await.unwrap(), [OrgId(t.org.0)]);
        polku_app::orgs::rebuild_pending(&t.app).await.unwrap();
        assert_eq!(days(&t, id).await, ["2026-01-16"], "{}", t.backend);
        exact(&t).await;
        assert!(t.app.store.pending_day_rebuilds().await.unwrap().is_empty());
    }
}
