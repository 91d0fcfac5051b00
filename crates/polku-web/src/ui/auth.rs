//! Sign-in, sign-out and the language choice.

use super::page;
use crate::Web;
use crate::error::PageError;
use crate::extract::{self, ClientIp, CsrfForm, FormPairs, Lang, cookie, set_cookie};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::AppError;
use polku_app::auth::SignIn as Outcome;
use polku_domain::Locale;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/login", get(form).post(submit))
        .route("/login/code", get(code_form).post(code_submit))
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

/// Only a local path may be redirected to after sign-in (no open redirect): one `/`, then no second `/` or
/// `\\` (which browsers read as another host), no control characters, spaces or `%`-escapes of them (a
/// browser drops an escaped tab and reads `/%09/evil.example` as `//evil.example`), and nothing a header
/// value cannot hold. Anything else goes to `/`.
pub(crate) fn safe_next(next: Option<String>) -> String {
    fn local(n: &str) -> bool {
        let mut rest = n.as_bytes().iter().copied();
        if rest.next() != Some(b'/') || matches!(n.as_bytes().get(1), Some(b'/' | b'\\')) {
            return false;
        }
        // Percent-decoded, the path must still be plain printable ASCII without backslashes, and must not
        // start a second slash anywhere a browser could fold whitespace away.
        let decoded: Vec<u8> = percent_decode(n.as_bytes());
        n.len() <= 2000
            && n.bytes().all(|b| b.is_ascii_graphic())
            && decoded.iter().all(|b| b.is_ascii_graphic() && *b != b'\\')
            && !decoded.starts_with(b"//")
    }
    next.filter(|n| local(n)).unwrap_or_else(|| "/".into())
}

fn percent_decode(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match (s[i], s.get(i + 1).copied().and_then(hex), s.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push(h * 16 + l);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn login_page(web: &Web, t: T, next: String, email: String, message: String, status: StatusCode) -> Response {
    // The sign-in form has no session yet, so its CSRF token is a double-submit cookie.
    let csrf = polku_app::auth::random_secret("pc_");
    let cookie = set_cookie(extract::FORM_CSRF_COOKIE, &csrf, 3600, web.app.config.secure_cookies);
    (status, [(header::SET_COOKIE, cookie)], page(&LoginPage { t, csrf, next, email, message })).into_response()
}

async fn form(State(web): State<Web>, Lang(t): Lang, RawQuery(q): RawQuery) -> Response {
    let message = if query_param(q.as_deref(), "expired").is_some() {
        t.get("login-expired")
    } else if query_param(q.as_deref(), "deleted").is_some() {
        t.get("org-deleted")
    } else {
        String::new()
    };
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
    if !extract::form_csrf_ok(&parts, &form.csrf) {
        return login_page(&web, t, next, email, t.get("error-csrf"), StatusCode::FORBIDDEN);
    }
    match polku_app::auth::login(&web.app, &email, &form.password, &ip.to_string()).await {
        Ok(outcome) => right_password(&web, outcome, &next),
        Err(AppError::Unauthorized) => {
            login_page(&web, t, next, email, t.get("login-failed"), StatusCode::UNAUTHORIZED)
        }
        Err(AppError::TooManyRequests) => {
            login_page(&web, t, next, email, t.get("error-too-many"), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(error) => PageError { error, t }.into_response(),
    }
}

/// After a right password: the session, or the code page with the wait in its cookie.
pub(super) fn right_password(web: &Web, outcome: Outcome, next: &str) -> Response {
    match outcome {
        Outcome::Session(s) => signed_in(web, &s, &first_page(&s, next)),
        Outcome::SecondFactor(wait) => {
            let cookie = set_cookie(extract::SECOND_FACTOR_COOKIE, &wait, 300, web.app.config.secure_cookies);
            ([(header::SET_COOKIE, cookie)], Redirect::to(&format!("/login/code?next={}", extract::urlencode(next))))
                .into_response()
        }
    }
}

/// Where a new session starts: a member of several organisations picks one first, unless a page was
/// asked for.
fn first_page(s: &polku_app::auth::NewSession, next: &str) -> String {
    if s.orgs > 1 && next == "/" { "/account#organisations".into() } else { next.into() }
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    t: T,
    csrf: String,
    next: String,
    message: String,
}

fn code_page(web: &Web, t: T, next: String, message: String, status: StatusCode) -> Response {
    let csrf = polku_app::auth::random_secret("pc_");
    let cookie = set_cookie(extract::FORM_CSRF_COOKIE, &csrf, 3600, web.app.config.secure_cookies);
    (status, [(header::SET_COOKIE, cookie)], page(&CodePage { t, csrf, next, message })).into_response()
}

async fn code_form(State(web): State<Web>, Lang(t): Lang, RawQuery(q): RawQuery) -> Response {
    code_page(&web, t, safe_next(query_param(q.as_deref(), "next")), String::new(), StatusCode::OK)
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CodeForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    code: String,
    next: Option<String>,
}

/// The second step of a sign-in with two-factor on: a code from the app or a recovery code.
async fn code_submit(
    State(web): State<Web>,
    ClientIp(ip): ClientIp,
    Lang(t): Lang,
    parts: Parts,
    FormPairs(f): FormPairs,
) -> Response {
    let form: CodeForm = extract::from_pairs(f).unwrap_or_default();
    let next = safe_next(form.next);
    if !web.limiter.allow(ip) {
        return code_page(&web, t, next, t.get("error-too-many"), StatusCode::TOO_MANY_REQUESTS);
    }
    if !extract::form_csrf_ok(&parts, &form.csrf) {
        return code_page(&web, t, next, t.get("error-csrf"), StatusCode::FORBIDDEN);
    }
    let Some(wait) = cookie(&parts, extract::SECOND_FACTOR_COOKIE) else {
        return Redirect::to("/login?expired=1").into_response();
    };
    match polku_app::two_factor::complete(&web.app, wait, &form.code, &ip.to_string()).await {
        Ok(s) => {
            let mut r = signed_in(&web, &s, &first_page(&s, &next));
            let gone = set_cookie(extract::SECOND_FACTOR_COOKIE, "", 0, web.app.config.secure_cookies);
            r.headers_mut().append(header::SET_COOKIE, gone.parse().expect("a cookie is a header value"));
            r
        }
        Err(AppError::NotFound) => Redirect::to("/login?expired=1").into_response(),
        Err(AppError::Unauthorized) => code_page(&web, t, next, t.get("login-code-wrong"), StatusCode::UNAUTHORIZED),
        Err(AppError::TooManyRequests) => {
            code_page(&web, t, next, t.get("error-too-many"), StatusCode::TOO_MANY_REQUESTS)
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
    Ok(signed_out(&web, "/login"))
}

/// Clears the session cookie and goes to `to`.
pub(super) fn signed_out(web: &Web, to: &str) -> Response {
    let secure = web.app.config.secure_cookies;
    ([(header::SET_COOKIE, set_cookie(extract::SESSION_COOKIE, "", 0, secure))], Redirect::to(to)).into_response()
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

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        for ok in ["/", "/surveys", "/inbox?from=2026-01-01&to=2026-01-31", "/customers/SIV%2DTARINA"] {
            assert_eq!(safe_next(Some(ok.into())), ok, "{ok}");
        }
        // Found in the security review, and their relatives: each goes to `/`.
        for bad in [
            "/%09/evil.example",
            "/%0a/evil.example",
            "/\t/evil.example",
            "/\n",
            "//evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "/%2F/evil.example",
            "https://evil.example",
            "evil.example",
            " /surveys",
            "/sur veys",
            "/ä",
            "",
        ] {
            assert_eq!(safe_next(Some(bad.into())), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
