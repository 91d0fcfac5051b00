//! Sign-in, sign-out and the language choice.

use super::page;
use crate::Web;
use crate::error::PageError;
use crate::extract::{self, ClientIp, CsrfForm, FormPairs, Lang, cookie, same_secret, set_cookie};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_domain::Locale;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/login", get(form).post(submit))
        .route("/logout", post(logout))
        .route("/language", post(language))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: T,
    csrf: String,
    next: String,
    email: String,
    message: String,
}

fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Only local paths may be redirected to after sign-in (no open redirect).
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\')).unwrap_or_else(|| "/".into())
}

fn login_page(web: &Web, t: T, next: String, email: String, message: String, status: StatusCode) -> Response {
    // The sign-in form has no session yet, so its CSRF token is a double-submit cookie.
    let csrf = polku_app::auth::random_secret("pc_");
    let cookie = set_cookie(extract::FORM_CSRF_COOKIE, &csrf, 3600, web.app.config.secure_cookies);
    (status, [(header::SET_COOKIE, cookie)], page(&LoginPage { t, csrf, next, email, message })).into_response()
}

async fn form(State(web): State<Web>, Lang(t): Lang, RawQuery(q): RawQuery) -> Response {
    let message = if query_param(q.as_deref(), "expired").is_some() { t.get("login-expired") } else { String::new() };
    login_page(&web, t, safe_next(query_param(q.as_deref(), "next")), String::new(), message, StatusCode::OK)
}

/// The sign-in form.
#[derive(Default, Deserialize)]
#[serde(default)]
struct SignIn {
    #[serde(rename = "_csrf")]
    csrf: String,
    email: String,
    password: String,
    next: Option<String>,
}

async fn submit(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    Lang(t): Lang,
    parts: Parts,
    FormPairs(f): FormPairs,
) -> Response {
    // Every field is text with a default, so any body reads; the CSRF check below is against the cookie,
    // as the sign-in form has no session yet.
    let form: SignIn = extract::from_pairs(f).unwrap_or_default();
    let next = safe_next(form.next);
    let email = form.email;
    if !web.limiter.allow(ip) {
        return login_page(&web, t, next, email, t.get("error-too-many"), StatusCode::TOO_MANY_REQUESTS);
    }
    let csrf_ok = !form.csrf.is_empty()
        && matches!(cookie(&parts, extract::FORM_CSRF_COOKIE), Some(c) if same_secret(&form.csrf, c));
    if !csrf_ok {
        return login_page(&web, t, next, email, t.get("error-csrf"), StatusCode::FORBIDDEN);
    }
    match polku_app::auth::login(&web.app, &email, &form.password, &ip.to_string()).await {
        // A member of several organisations picks one first, unless a page was asked for.
        Ok(s) => signed_in(&web, &s, if s.orgs > 1 && next == "/" { "/account#organisations" } else { &next }),
        Err(AppError::Unauthorized) => {
            login_page(&web, t, next, email, t.get("login-failed"), StatusCode::UNAUTHORIZED)
        }
        Err(AppError::TooManyRequests) => {
            login_page(&web, t, next, email, t.get("error-too-many"), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(error) => PageError { error, t }.into_response(),
    }
}

/// The answer that signs a browser in: the session and language cookies, the form's CSRF cookie cleared,
/// and a redirect to `to`.
pub(super) fn signed_in(web: &Web, s: &polku_app::auth::NewSession, to: &str) -> Response {
    let secure = web.app.config.secure_cookies;
    let ttl = web.app.config.session_ttl.as_secs() as i64;
    (
        AppendHeaders([
            (header::SET_COOKIE, set_cookie(extract::SESSION_COOKIE, &s.cookie, ttl, secure)),
            (header::SET_COOKIE, set_cookie(extract::LANG_COOKIE, s.locale.as_str(), 365 * 86400, secure)),
            (header::SET_COOKIE, set_cookie(extract::FORM_CSRF_COOKIE, "", 0, secure)),
        ]),
        Redirect::to(to),
    )
        .into_response()
}

async fn logout(State(web): State<Web>, parts: Parts, CsrfForm(s, ()): CsrfForm) -> Result<Response, PageError> {
    if let Some(c) = cookie(&parts, extract::SESSION_COOKIE) {
        polku_app::auth::logout(&web.app, c).await.map_err(super::fail(&s))?;
    }
    let secure = web.app.config.secure_cookies;
    Ok(([(header::SET_COOKIE, set_cookie(extract::SESSION_COOKIE, "", 0, secure))], Redirect::to("/login"))
        .into_response())
}

/// The language switch in the page header; `back` is the page it was on.
#[derive(Deserialize)]
struct LanguageForm {
    lang: Locale,
    back: Option<String>,
}

/// Remembers the chosen language on the member and in a cookie.
async fn language(State(web): State<Web>, CsrfForm(s, form): CsrfForm<LanguageForm>) -> Result<Response, PageError> {
    let locale = form.lang;
    web.app.store.set_user_locale(s.info.user, locale).await.map_err(|e| super::fail(&s)(e.into()))?;
    let back = safe_next(form.back);
    let cookie = set_cookie(extract::LANG_COOKIE, locale.as_str(), 365 * 86400, web.app.config.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&back)).into_response())
}
