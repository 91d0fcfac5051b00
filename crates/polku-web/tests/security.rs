//! SECURITY.md's route table, checked against the router on every backend: for each family, every role
//! below the least one named gets 403 and every role from it up does not. Writes send a body that
//! deserialises, so that a refusal is the permission's and not the input's. Another organisation's ids
//! answer 404. And a crawl of every signed-in page for stored script, security headers and CSRF.

mod support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use polku_domain::role::Role;
use serde_json::{Value, json};
use support::*;

const ROLES: [Role; 4] = [Role::Viewer, Role::Agent, Role::Analyst, Role::Admin];

/// The table's rows: (family, read, least role to read, write, least role to write).
fn table() -> Vec<[String; 5]> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../SECURITY.md")).unwrap();
    let start = doc.find("| family |").expect("the route table");
    doc[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<String> =
                l.trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_string()).collect();
            cells.try_into().unwrap_or_else(|c: Vec<String>| panic!("a row of five cells: {c:?}"))
        })
        .collect()
}

/// A cell's role; `*` marks a footnote (agent members differ from agent tokens).
fn role(name: &str) -> Option<Role> {
    Role::parse(name.trim_end_matches('*'))
}

/// A body that deserialises for the write, so that only the permission decides; `current` holds what the
/// settings-like routes hold now, to be written back.
fn body_for(method: &str, path: &str, n: usize, current: &[(&str, String)]) -> Option<String> {
    if let Some((_, v)) = current.iter().find(|(p, _)| *p == path) {
        return Some(v.clone());
    }
    let v = match (method, path) {
        (_, p) if p.ends_with("/responses") => json!({"answers": [{"question": "nps", "value": 5}]}),
        ("POST", "/api/v1/surveys") => nps_survey(),
        (_, p) if p.ends_with("/invitations") && p.starts_with("/api/v1/surveys/") => {
            json!({"customers": ["C-1"], "channel": "email"})
        }
        ("POST", "/api/v1/comments/read") => json!({"ids": []}),
        ("POST", "/api/v1/customers:batch") => json!([{"external_id": format!("C-{n}")}]),
        ("PUT", "/api/v1/privacy-settings") => json!({"retention_months": null}),
        ("PUT", p) if p.ends_with("/sending") => json!({"link_ttl_days": 30, "sample_rate": 1.0}),
        ("PUT", "/api/v1/sms-gateway") => Value::Null,
        ("POST", "/api/v1/panel/members") => json!({"customers": ["C-1"]}),
        (_, p) if p.ends_with("/triggers") => json!({"event": "order_fulfilled", "delay_hours": 72}),
        (_, p) if p.ends_with("/notes") => json!({"body": "Soitettu"}),
        ("POST", "/api/v1/teams") => json!({"name": format!("Tiimi {n}")}),
        ("POST", "/api/v1/alert-rules") => json!({"name": format!("Sääntö {n}"),
            "condition": {"type": "score_at_most", "kind": "nps", "max": 6}, "sla_hours": 24}),
        ("POST", "/api/v1/improvements") => json!({"texts": {"fi": "Korjattu"}}),
        ("PUT", p) if p.starts_with("/api/v1/text-models/") => return Some(String::new()),
        ("PUT", "/api/v1/notification-settings") => json!({}),
        ("POST", "/api/v1/connections") => json!({"kind": "shopify", "name": format!("Kauppa {n}")}),
        ("POST", "/api/v1/members/invitations") => json!({"email": format!("k{n}@example.fi"), "role": "viewer"}),
        ("PUT", "/api/v1/organisation") => json!({"time_zone": "Europe/Helsinki"}),
        ("DELETE", _) => return None,
        _ => return None,
    };
    Some(v.to_string())
}

async fn call(t: &TestApp, method: &str, path: &str, token: &str, body: Option<String>) -> StatusCode {
    let mut b = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if body.is_some() {
        b = b.header(
            header::CONTENT_TYPE,
            if path.contains("/text-models/") { "text/plain" } else { "application/json" },
        );
    }
    t.send(b.body(body.map_or_else(Body::empty, Body::from)).unwrap()).await.status
}

/// A page row: each signed-in member below `least` gets 403; from it up, neither 403 nor 5xx (the form is
/// sent empty, so a destructive action stops at its confirmation).
async fn page_row(
    t: &TestApp,
    members: &[(Role, (Vec<String>, String))],
    family: &str,
    method: &str,
    path: &str,
    least: Role,
) {
    for (r, (cookies, csrf)) in members {
        let status = if method == "GET" {
            t.get(path, cookies).await.status
        } else {
            t.post_form(path, cookies, &[("_csrf", csrf.as_str())]).await.status
        };
        let what = format!("{}: {family} {method} {path} as {r:?}: {status}", t.backend);
        if *r > least {
            assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        } else {
            assert!(status != StatusCode::FORBIDDEN && !status.is_server_error(), "{what}");
        }
    }
}

#[tokio::test]
async fn every_family_answers_as_the_route_table_says() {
    let rows = table();
    assert!(rows.len() >= 25, "{}", rows.len());
    for t in spawn_apps().await {
        let survey: Value = t.create_survey(&t.token, nps_survey()).await;
        let survey = survey["id"].as_str().unwrap().to_string();
        // Something for every path to find: a customer, a case.
        t.api(
            Method::POST,
            "/api/v1/customers:batch",
            &t.token,
            Some(json!([{"external_id": "C-1", "name": "Maija"}])),
        )
        .await;
        let rule = json!({"name": "Arvostelija", "condition": {"type": "score_at_most", "kind": "nps", "max": 6}, "sla_hours": 24});
        t.api(Method::POST, "/api/v1/alert-rules", &t.token, Some(rule)).await;
        t.app.rules.clear();
        let answer = json!({"answers": [{"question": "nps", "value": 1}], "customer": "C-1"});
        t.api(Method::POST, &format!("/api/v1/surveys/{survey}/responses"), &t.token, Some(answer)).await;
        let cases = t.api(Method::GET, "/api/v1/cases", &t.token, None).await.json();
        let case = cases.as_array().map_or_else(|| cases["cases"][0]["id"].clone(), |a| a[0]["id"].clone());
        let case = case.as_str().expect("a case").to_string();
        let mut current = Vec::new();
        for p in ["/api/v1/journey/layout", "/api/v1/analytics/settings", "/api/v1/contact-rules"] {
            current.push((p, t.api(Method::GET, p, &t.token, None).await.body));
        }
        let fill = |p: &str| p.replace("{survey}", &survey).replace("{case}", &case).replace("{customer}", "C-1");
        let mut members = Vec::new();
        for r in [Role::Owner, Role::Admin, Role::Analyst, Role::Agent, Role::Viewer] {
            let email = format!("{}-{}@example.fi", r.as_str(), t.backend);
            let m = polku_app::orgs::NewMember {
                email: &email,
                name: &email,
                password: PASSWORD,
                role: r,
                locale: polku_domain::Locale::Fi,
            };
            polku_app::orgs::add_member(&t.app, &polku_app::Actor::System("t"), t.org, m).await.unwrap();
            members.push((r, t.login(&email).await));
        }
        let mut tokens = Vec::new();
        for r in ROLES {
            let (_, tok) = polku_app::orgs::create_token(&t.app, &polku_app::Actor::System("t"), t.org, r.as_str(), r)
                .await
                .unwrap();
            tokens.push((r, tok));
        }
        for (n, [family, read, read_role, write, write_role]) in rows.iter().enumerate() {
            for (what, route, least) in [("read", read, read_role), ("write", write, write_role)] {
                let (Some(least), Some((method, path))) = (role(least), route.split_once(' ')) else { continue };
                let path = fill(path);
                if !path.starts_with("/api/") {
                    if path.starts_with('/') {
                        page_row(&t, &members, family, method, &path, least).await;
                    }
                    continue;
                }
                for (r, tok) in &tokens {
                    let body = if method == "GET" { None } else { body_for(method, &path, n, &current) };
                    let status = call(&t, method, &path, tok, body).await;
                    if *r > least {
                        assert_eq!(
                            status,
                            StatusCode::FORBIDDEN,
                            "{}: {family} {what} {method} {path} as {r:?}",
                            t.backend
                        );
                    } else {
                        assert_ne!(
                            status,
                            StatusCode::FORBIDDEN,
                            "{}: {family} {what} {method} {path} as {r:?}",
                            t.backend
                        );
                        assert!(
                            !status.is_server_error(),
                            "{}: {family} {method} {path} as {r:?}: {status}",
                            t.backend
                        );
                    }
                }
            }
        }
        // Another organisation's admin token finds none of these ids.
        let (other, _, other_token) = new_org(&t.app, "Toinen Oy").await;
        assert_ne!(other, t.org);
        for path in [
            format!("/api/v1/surveys/{survey}"),
            format!("/api/v1/surveys/{survey}/metrics"),
            format!("/api/v1/cases/{case}"),
            "/api/v1/customers/C-1/export".to_string(),
        ] {
            assert_eq!(
                call(&t, "GET", &path, &other_token, None).await,
                StatusCode::NOT_FOUND,
                "{}: {path}",
                t.backend
            );
        }
    }
}

/// Script that must come out as text wherever a page shows what someone typed.
const PAYLOAD: &str = "<script>alert('polku')</script><img src=x onerror=alert(2)>\"'";

/// Every `(method, action)` of the forms in `html`.
fn forms(html: &str) -> Vec<(String, String)> {
    html.split("<form")
        .skip(1)
        .filter_map(|f| {
            let tag = f.split('>').next()?;
            let attr = |name: &str| {
                tag.split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|v| v.split('"').next())
                    .map(|v| v.replace("&amp;", "&"))
            };
            Some((attr("method").unwrap_or_else(|| "get".into()).to_lowercase(), attr("action")?))
        })
        .collect()
}

/// The site's own links in `html` (pages, not files or the API).
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|l| l.split('"').next())
        .map(|l| l.replace("&amp;", "&").split('#').next().unwrap_or("").to_string())
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .filter(|l| {
            !["/static/", "/api/", "/logout", "/metrics"].iter().any(|p| l.starts_with(p))
                && ![".csv", ".ndjson", ".svg", ".png", ".js", ".css"]
                    .iter()
                    .any(|e| l.split('?').next().unwrap_or("").ends_with(e))
        })
        .collect()
}

/// The whole signed-in site, crawled from `/` on the demo's data with script stored in every text a
/// person can type (survey texts, answers, customer names, notes on comments and cases, compensation
/// reasons, improvements, team, rule and member names): no page shows it as markup, every page carries
/// the security headers, and every form that changes something is refused without its CSRF token.
#[tokio::test]
async fn every_page_escapes_what_people_typed_and_every_form_needs_its_csrf_token() {
    for t in spawn_apps().await {
        let demo = polku_app::demo::ensure_demo(&t.app, 11, 300, time::OffsetDateTime::now_utc()).await.unwrap();
        let token = demo.token.clone();
        let api = |method: Method, path: String, body: Value| {
            let (t, token) = (&t, token.clone());
            async move {
                let r = t.api(method, &path, &token, Some(body)).await;
                assert!(r.status.is_success(), "{}: {path}: {} {}", t.backend, r.status, r.body);
                r
            }
        };
        let survey = api(Method::POST, "/api/v1/surveys".into(), json!({"name": PAYLOAD, "locales": ["fi", "sv", "en"],
            "questions": [
                {"key": "nps", "type": "nps", "required": true, "text": {"fi": PAYLOAD, "sv": PAYLOAD, "en": PAYLOAD}},
                {"key": "pick", "type": "single", "text": {"fi": PAYLOAD, "sv": PAYLOAD, "en": PAYLOAD}, "options": [PAYLOAD, "b"]},
                {"key": "why", "type": "text", "text": {"fi": PAYLOAD, "sv": PAYLOAD, "en": PAYLOAD}}]}))
        .await
        .json();
        let sid = survey["id"].as_str().unwrap().to_string();
        api(
            Method::POST,
            "/api/v1/customers:batch".into(),
            json!([{"external_id": "C-XSS", "name": PAYLOAD, "email": "xss@example.fi"}]),
        )
        .await;
        let rule =
            json!({"name": PAYLOAD, "condition": {"type": "score_at_most", "kind": "nps", "max": 6}, "sla_hours": 24});
        api(Method::POST, "/api/v1/alert-rules".into(), rule).await;
        t.app.rules.clear();
        let answer = json!({"answers": [{"question": "nps", "value": 1}, {"question": "why", "value": format!("Huono {PAYLOAD}")}],
            "customer": "C-XSS", "locale": "fi"});
        api(Method::POST, format!("/api/v1/surveys/{sid}/responses"), answer).await;
        let comments = t.api(Method::GET, &format!("/api/v1/comments?survey={sid}"), &token, None).await.json();
        let comment = comments["comments"][0]["id"].as_i64().expect("the comment");
        api(Method::POST, format!("/api/v1/comments/{comment}/notes"), json!({"body": PAYLOAD})).await;
        let cases = t.api(Method::GET, "/api/v1/cases?open=true", &token, None).await.json();
        let case = cases.as_array().unwrap().iter().find(|c| c["customer"] == "C-XSS").expect("its case")["id"]
            .as_str()
            .unwrap()
            .to_string();
        api(Method::POST, format!("/api/v1/cases/{case}/notes"), json!({"body": PAYLOAD})).await;
        api(Method::POST, format!("/api/v1/cases/{case}/actions"), json!({"kind": "called", "reason": PAYLOAD})).await;
        api(
            Method::POST,
            "/api/v1/improvements".into(),
            json!({"texts": {"fi": PAYLOAD, "sv": PAYLOAD, "en": PAYLOAD}, "themes": ["invoicing"]}),
        )
        .await;
        api(Method::POST, "/api/v1/teams".into(), json!({"name": "Tiimi <script>alert(3)</script>"})).await;
        let m = polku_app::orgs::NewMember {
            email: "xss-member@example.fi",
            name: PAYLOAD,
            password: PASSWORD,
            role: Role::Agent,
            locale: polku_domain::Locale::Fi,
        };
        polku_app::orgs::add_member(&t.app, &polku_app::Actor::System("t"), demo.org, m).await.unwrap();

        let (cookies, _) = t.login_with(demo.email, demo.password).await;
        let mut queue =
            vec!["/".to_string(), format!("/surveys/{sid}"), format!("/cases/{case}"), "/customers/C-XSS".into()];
        let mut seen = std::collections::HashSet::new();
        let mut actions = std::collections::BTreeSet::new();
        while let Some(path) = queue.pop() {
            // Pages that differ only in their query (filters, paging) are sampled, not walked whole.
            let shape = path.split('?').next().unwrap_or("").to_string();
            if !seen.insert(path.clone()) || seen.iter().filter(|p| p.starts_with(&format!("{shape}?"))).count() > 3 {
                continue;
            }
            let r = t.get(&path, &cookies).await;
            assert!(!r.status.is_server_error(), "{}: {path}: {}", t.backend, r.status);
            if r.status != StatusCode::OK || !r.body.contains("<html") {
                continue;
            }
            for raw in ["<script>alert(", "<img src=x onerror", "alert('polku')</script>"] {
                assert!(!r.body.contains(raw), "{}: {path} shows {raw:?} as markup", t.backend);
            }
            for h in ["content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"] {
                assert!(r.headers.contains_key(h), "{}: {path} lacks {h}", t.backend);
            }
            for (method, action) in forms(&r.body) {
                if method == "post" {
                    actions.insert(action);
                }
            }
            queue.extend(links(&r.body).into_iter().filter(|l| !seen.contains(l)));
            assert!(seen.len() < 600, "the crawl should end: {seen:?}");
        }
        assert!(seen.len() > 40, "{}: crawled only {seen:?}", t.backend);
        assert!(seen.iter().any(|p| p.starts_with("/cases/")) && seen.contains("/customers/C-XSS"));
        // The script shows as text where it was stored.
        let inbox = t.get(&format!("/inbox?survey={sid}"), &cookies).await;
        assert!(inbox.body.contains("&lt;script&gt;alert("), "{}", inbox.body);

        // Every form that changes something: without its CSRF token, refused and nothing done.
        assert!(actions.len() > 25, "{}: {actions:?}", t.backend);
        for action in &actions {
            let r = t.post_form(action, &cookies, &[("name", "x")]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}: POST {action} without a CSRF token", t.backend);
        }
        assert_eq!(t.get("/surveys", &cookies).await.status, StatusCode::OK, "still signed in: nothing was done");
    }
}
