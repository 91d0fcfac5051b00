//! `spawn_app()` for the HTTP tests: a fresh database per backend, an organisation with an owner and an
//! admin token, and helpers that drive the real router with `tower::ServiceExt::oneshot`.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use polku_app::{Actor, App, AppConfig};
use polku_domain::role::Role;
use polku_domain::{Locale, OrgId};
use polku_store_testing::testing::fresh_stores;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

mod smtp;
#[allow(unused_imports)]
pub(crate) use smtp::SmtpSink;

pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) struct TestApp {
    pub backend: &'static str,
    pub app: Arc<App>,
    pub router: Router,
    pub org: OrgId,
    pub token: String,
    pub email: String,
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The `name=value` of every Set-Cookie, for sending back.
    pub(crate) fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
            .collect()
    }
    pub(crate) fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    pub(crate) fn field_errors(&self) -> Vec<String> {
        self.json()["error"]["fields"]
            .as_array()
            .map(|a| a.iter().map(|f| f["field"].as_str().unwrap_or("").to_string()).collect())
            .unwrap_or_default()
    }
}

/// One `TestApp` per backend under test.
pub(crate) async fn spawn_apps() -> Vec<TestApp> {
    spawn_apps_with(polku_web::WebConfig {
        public_rate_per_minute: 100_000,
        webhook_rate_per_minute: 100_000,
        ..Default::default()
    })
    .await
}

pub(crate) async fn spawn_apps_with(web: polku_web::WebConfig) -> Vec<TestApp> {
    let mut out = Vec::new();
    for (backend, store) in fresh_stores().await {
        let (app, _writer) = App::start(
            store,
            AppConfig { secure_cookies: false, allow_internal_targets: true, ..AppConfig::default() },
        );
        let (org, email, token) = new_org(&app, "Testi Oy").await;
        let router = polku_web::router(app.clone(), web.clone());
        out.push(TestApp { backend, app, router, org, token, email });
    }
    out
}

/// An organisation with an owner (password [`PASSWORD`]) and an admin API token.
pub(crate) async fn new_org(app: &App, name: &str) -> (OrgId, String, String) {
    let actor = Actor::System("test");
    let org = polku_app::orgs::create_org(app, &actor, name).await.unwrap();
    let email = format!("owner-{}@example.com", org.0.simple());
    polku_app::orgs::add_member(
        app,
        &actor,
        org,
        polku_app::orgs::NewMember {
            email: &email,
            name: "Olli Omistaja",
            password: PASSWORD,
            role: Role::Owner,
            locale: Locale::Fi,
        },
    )
    .await
    .unwrap();
    let (_, token) = polku_app::orgs::create_token(app, &actor, org, "test", Role::Admin).await.unwrap();
    (org, email, token)
}

impl TestApp {
    pub(crate) async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub(crate) async fn api(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
        let mut b =
            Request::builder().method(method).uri(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }

    pub(crate) async fn get(&self, path: &str, cookies: &[String]) -> Reply {
        let req = Request::get(path).header(header::COOKIE, cookies.join("; ")).body(Body::empty()).unwrap();
        self.send(req).await
    }

    pub(crate) async fn post_form(&self, path: &str, cookies: &[String], form: &[(&str, &str)]) -> Reply {
        let body = serde_urlencoded::to_string(form).unwrap();
        let req = Request::post(path)
            .header(header::COOKIE, cookies.join("; "))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Signs in through the real form and returns the session cookies and the page's CSRF token.
    pub(crate) async fn login(&self, email: &str) -> (Vec<String>, String) {
        self.login_with(email, PASSWORD).await
    }

    pub(crate) async fn login_with(&self, email: &str, password: &str) -> (Vec<String>, String) {
        let page = self.get("/login", &[]).await;
        let form_cookies = page.cookies();
        let csrf = hidden(&page.body, "_csrf");
        let res = self
            .post_form(
                "/login",
                &form_cookies,
                &[("_csrf", &csrf), ("email", email), ("password", password), ("next", "/surveys")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}: login failed: {}", self.backend, res.body);
        let cookies: Vec<String> = res.cookies().into_iter().filter(|c| c.starts_with("polku_session=")).collect();
        let dash = self.get("/surveys", &cookies).await;
        assert_eq!(dash.status, StatusCode::OK, "{}", self.backend);
        (cookies, hidden(&dash.body, "_csrf"))
    }

    pub(crate) async fn create_survey(&self, token: &str, body: Value) -> Value {
        let r = self.api(Method::POST, "/api/v1/surveys", token, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", self.backend, r.body);
        r.json()
    }
}

/// The value of the first hidden input with this name.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in page")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub(crate) fn nps_survey() -> Value {
    json!({
        "name": "Asiakaskysely",
        "locales": ["fi", "sv", "en"],
        "questions": [
            {"key": "nps", "type": "nps", "required": true,
             "text": {"fi": "Kuinka todennäköisesti suosittelisit meitä?", "sv": "Hur sannolikt är det att du rekommenderar oss?", "en": "How likely are you to recommend us?"}},
            {"key": "csat", "type": "csat", "text": {"fi": "Tyytyväisyys?", "sv": "Nöjdhet?", "en": "Satisfaction?"}},
            {"key": "ces", "type": "ces", "text": {"fi": "Helppous?", "sv": "Enkelhet?", "en": "Ease?"}},
            {"key": "heard", "type": "single", "text": {"fi": "Mistä kuulit?", "sv": "Var hörde du?", "en": "Where did you hear?"},
             "options": [{"key": "google", "text": {"fi": "Google", "sv": "Google", "en": "Google"}},
                         {"key": "friend", "text": {"fi": "Ystävä", "sv": "Vän", "en": "Friend"}}]},
            {"key": "why", "type": "text", "text": {"fi": "Miksi?", "sv": "Varför?", "en": "Why?"},
             "follow_up": {"after": "nps", "bands": [
                {"min": 0, "max": 6, "text": {"fi": "Mikä meni pieleen?", "sv": "Vad gick fel?", "en": "What went wrong?"}},
                {"min": 9, "max": 10, "text": {"fi": "Mikä ilahdutti?", "sv": "Vad gladde dig?", "en": "What did you like?"}}]}}
        ]
    })
}
