//! One's own account (organisations to switch between, password, sessions) and the pages behind the
//! links that invitations and password resets mail out. Those public pages have no session yet, so their
//! forms carry a double-submit CSRF cookie, as the sign-in form does; a used, expired or unknown link is
//! a 404 page that says so.

use super::{Chrome, fail, page};
use crate::Web;
use crate::error::PageError;
use crate::extract::{self, ClientIp, CsrfForm, FormPairs, Lang, UiSession, set_cookie};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use polku_app::store::OwnSession;
use polku_app::{AppError, members, two_factor};
use polku_domain::OrgId;
use polku_domain::role::Role;
use serde::Deserialize;

pub(super) fn router() -> Router<Web> {
    Router::new()
        .route("/account", get(account))
        .route("/account/password", post(change_password))
        .route("/account/sessions/end-others", post(end_others))
        .route("/account/sessions/{id}/end", post(end_one))
        .route("/account/switch", post(switch))
        .route("/account/two-factor/setup", post(two_factor_setup))
        .route("/account/two-factor/enable", post(two_factor_enable))
        .route("/account/two-factor/disable", post(two_factor_disable))
        .route("/invitation/{secret}", get(invitation).post(accept))
        .route("/password/forgot", get(forgot).post(forgot_submit))
        .route("/password/reset/{secret}", get(reset).post(reset_submit))
}

/// A role's name in the reader's language.
pub(super) fn role_label(t: T, role: Role) -> String {
    t.get(&format!("role-{}", role.as_str()))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    t: T,
    message: String,
    ok: bool,
    orgs: Vec<(OrgId, String, String)>,
    current: OrgId,
    /// (hex id, session), newest first.
    sessions: Vec<(String, OwnSession)>,
    this_session: String,
    c_needs_two_factor: bool,
    two_factor_on: bool,
    codes_left: i64,
    /// A secret being set up and its QR code (SVG made here from the `otpauth://` link: no user text).
    setup: Option<(String, String)>,
    /// Recovery codes, shown once right after two-factor sign-in was turned on.
    recovery: Vec<String>,
}

/// What the account page shows beyond the basics.
#[derive(Default)]
struct Extra {
    setup: Option<(String, String)>,
    recovery: Vec<String>,
}

async fn account_page(web: &Web, s: &UiSession, message: String, ok: bool) -> Result<Response, PageError> {
    account_page_with(web, s, message, ok, Extra::default()).await
}

async fn account_page_with(
    web: &Web,
    s: &UiSession,
    message: String,
    ok: bool,
    extra: Extra,
) -> Result<Response, PageError> {
    let (two_factor_on, codes_left) = two_factor::status(&web.app, s.info.user).await.map_err(fail(s))?;
    let orgs = members::organisations(&web.app, &s.info).await.map_err(fail(s))?;
    let sessions = members::sessions(&web.app, &s.info).await.map_err(fail(s))?;
    let status = if message.is_empty() || ok { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = page(&AccountPage {
        c: Chrome::new(s, "account"),
        t: s.t,
        message,
        ok,
        orgs: orgs.into_iter().map(|(id, name, role)| (id, name, role_label(s.t, role))).collect(),
        current: s.info.org,
        sessions: sessions.into_iter().map(|x| (members::encode_hex(&x.id_hash), x)).collect(),
        this_session: members::encode_hex(&s.info.id_hash),
        c_needs_two_factor: s.info.needs_two_factor,
        two_factor_on,
        codes_left,
        setup: extra.setup,
        recovery: extra.recovery,
    });
    Ok((status, body).into_response())
}

async fn account(State(web): State<Web>, s: UiSession) -> Result<Response, PageError> {
    account_page(&web, &s, String::new(), true).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    password: String,
}

async fn change_password(
    State(web): State<Web>,
    CsrfForm(s, form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    match members::change_password(&web.app, &s.info, &form.current, &form.password).await {
        Ok(()) => account_page(&web, &s, s.t.get("account-password-changed"), true).await,
        Err(e @ AppError::Invalid(_)) => account_page(&web, &s, e.to_string(), false).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

async fn end_others(State(web): State<Web>, CsrfForm(s, ()): CsrfForm) -> Result<Response, PageError> {
    members::end_sessions(&web.app, &s.info, None).await.map_err(fail(&s))?;
    Ok(Redirect::to("/account#sessions").into_response())
}

async fn end_one(
    State(web): State<Web>,
    Path(id): Path<String>,
    CsrfForm(s, ()): CsrfForm,
) -> Result<Response, PageError> {
    members::end_sessions(&web.app, &s.info, Some(&id)).await.map_err(fail(&s))?;
    Ok(Redirect::to("/account#sessions").into_response())
}

#[derive(Deserialize)]
struct SwitchForm {
    org: OrgId,
}

async fn switch(State(web): State<Web>, CsrfForm(s, form): CsrfForm<SwitchForm>) -> Result<Response, PageError> {
    members::switch(&web.app, &s.info, form.org).await.map_err(fail(&s))?;
    Ok(Redirect::to("/").into_response())
}

/// The `otpauth://` link as an SVG QR code.
fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build())
}

async fn two_factor_setup(State(web): State<Web>, CsrfForm(s, ()): CsrfForm) -> Result<Response, PageError> {
    let setup = two_factor::setup(&s.info).map_err(fail(&s))?;
    let qr = qr_svg(&setup.url).map_err(fail(&s))?;
    account_page_with(&web, &s, String::new(), true, Extra { setup: Some((setup.secret, qr)), ..Extra::default() })
        .await
}

#[derive(Deserialize)]
struct EnableForm {
    password: String,
    secret: String,
    code: String,
}

async fn two_factor_enable(
    State(web): State<Web>,
    CsrfForm(s, form): CsrfForm<EnableForm>,
) -> Result<Response, PageError> {
    match two_factor::enable(&web.app, &s.info, &form.password, &form.secret, &form.code).await {
        Ok(recovery) => account_page_with(&web, &s, String::new(), true, Extra { recovery, ..Extra::default() }).await,
        Err(e @ AppError::Invalid(_)) => {
            // The same secret again, so the member can try the next code without scanning anew.
            let qr = two_factor::setup_again(&s.info, &form.secret).and_then(|u| qr_svg(&u)).ok();
            let setup = qr.map(|qr| (form.secret.clone(), qr));
            account_page_with(&web, &s, e.to_string(), false, Extra { setup, ..Extra::default() }).await
        }
        Err(e) => Err(fail(&s)(e)),
    }
}

#[derive(Deserialize)]
struct DisableForm {
    password: String,
}

async fn two_factor_disable(
    State(web): State<Web>,
    CsrfForm(s, form): CsrfForm<DisableForm>,
) -> Result<Response, PageError> {
    match two_factor::disable(&web.app, &s.info, &form.password).await {
        Ok(()) => account_page(&web, &s, s.t.get("two-factor-off"), true).await,
        Err(e @ AppError::Invalid(_)) => account_page(&web, &s, e.to_string(), false).await,
        Err(e) => Err(fail(&s)(e)),
    }
}

enum Mode {
    Invitation { organisation: String, role: String, email: String, existing: bool },
    Forgot,
    Reset,
    Done,
}

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage {
    t: T,
    csrf: String,
    title: String,
    message: String,
    ok: bool,
    action: String,
    mode: Mode,
}

/// A public access page with a fresh double-submit CSRF cookie.
fn access_page(web: &Web, status: StatusCode, p: AccessPage) -> Response {
    let cookie = set_cookie(extract::FORM_CSRF_COOKIE, &p.csrf, 3600, web.app.config.secure_cookies);
    (status, [(header::SET_COOKIE, cookie)], page(&p)).into_response()
}

fn blank(t: T, title: &str, mode: Mode) -> AccessPage {
    AccessPage {
        t,
        csrf: polku_app::auth::random_secret("pc_"),
        title: t.get(title),
        message: String::new(),
        ok: true,
        action: String::new(),
        mode,
    }
}

/// The page for a link that no longer works.
fn gone(web: &Web, t: T) -> Response {
    let mut p = blank(t, "link-gone-title", Mode::Done);
    p.message = t.get("link-gone");
    p.ok = false;
    access_page(web, StatusCode::NOT_FOUND, p)
}

fn invitation_page(
    web: &Web,
    t: T,
    secret: &str,
    inv: members::Invitation,
    message: String,
    status: StatusCode,
) -> Response {
    let mut p = blank(
        t,
        "invitation-title",
        Mode::Invitation {
            organisation: inv.organisation,
            role: role_label(t, inv.role),
            email: inv.email,
            existing: inv.existing,
        },
    );
    p.action = format!("/invitation/{secret}");
    p.ok = message.is_empty();
    p.message = message;
    access_page(web, status, p)
}

async fn invitation(State(web): State<Web>, Lang(t): Lang, Path(secret): Path<String>) -> Response {
    match members::invitation(&web.app, &secret).await {
        Ok(inv) => invitation_page(&web, t, &secret, inv, String::new(), StatusCode::OK),
        Err(AppError::NotFound) => gone(&web, t),
        Err(error) => PageError { error, t }.into_response(),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct AcceptForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    password: String,
}

async fn accept(
    State(web): State<Web>,
    Lang(t): Lang,
    ClientIp(ip): ClientIp,
    Path(secret): Path<String>,
    parts: Parts,
    FormPairs(f): FormPairs,
) -> Response {
    let form: AcceptForm = extract::from_pairs(f).unwrap_or_default();
    let inv = match members::invitation(&web.app, &secret).await {
        Ok(inv) => inv,
        Err(AppError::NotFound) => return gone(&web, t),
        Err(error) => return PageError { error, t }.into_response(),
    };
    if !web.limiter.allow(ip) {
        return invitation_page(&web, t, &secret, inv, t.get("error-too-many"), StatusCode::TOO_MANY_REQUESTS);
    }
    if !extract::form_csrf_ok(&parts, &form.csrf) {
        return invitation_page(&web, t, &secret, inv, t.get("error-csrf"), StatusCode::FORBIDDEN);
    }
    match members::accept(&web.app, &secret, &form.name, &form.password, &ip.to_string()).await {
        Ok(outcome) => super::auth::right_password(&web, outcome, "/"),
        Err(AppError::NotFound) => gone(&web, t),
        Err(AppError::Unauthorized) => {
            invitation_page(&web, t, &secret, inv, t.get("login-failed"), StatusCode::UNAUTHORIZED)
        }
        Err(AppError::TooManyRequests) => {
            invitation_page(&web, t, &secret, inv, t.get("error-too-many"), StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e @ AppError::Invalid(_)) => {
            invitation_page(&web, t, &secret, inv, e.to_string(), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => PageError { error, t }.into_response(),
    }
}

async fn forgot(State(web): State<Web>, Lang(t): Lang) -> Response {
    access_page(&web, StatusCode::OK, blank(t, "forgot-title", Mode::Forgot))
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ForgotForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    email: String,
}

async fn forgot_submit(
    State(web): State<Web>,
    Lang(t): Lang,
    ClientIp(ip): ClientIp,
    parts: Parts,
    FormPairs(f): FormPairs,
) -> Response {
    let form: ForgotForm = extract::from_pairs(f).unwrap_or_default();
    let mut p = blank(t, "forgot-title", Mode::Forgot);
    let (status, message, ok) = if !web.limiter.allow(ip) {
        (StatusCode::TOO_MANY_REQUESTS, t.get("error-too-many"), false)
    } else if !extract::form_csrf_ok(&parts, &form.csrf) {
        (StatusCode::FORBIDDEN, t.get("error-csrf"), false)
    } else {
        match members::forgot_password(&web.app, &form.email, &ip.to_string()).await {
            Ok(()) => {
                p.mode = Mode::Done;
                (StatusCode::OK, t.get("forgot-sent"), true)
            }
            Err(AppError::TooManyRequests) => (StatusCode::TOO_MANY_REQUESTS, t.get("error-too-many"), false),
            Err(e @ AppError::Invalid(_)) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), false),
            Err(error) => return PageError { error, t }.into_response(),
        }
    };
    p.message = message;
    p.ok = ok;
    access_page(&web, status, p)
}

fn reset_page(web: &Web, t: T, secret: &str, status: StatusCode, message: String) -> Response {
    let mut p = blank(t, "reset-title", Mode::Reset);
    p.action = format!("/password/reset/{secret}");
    p.ok = message.is_empty();
    p.message = message;
    access_page(web, status, p)
}

async fn reset(State(web): State<Web>, Lang(t): Lang, Path(secret): Path<String>) -> Response {
    match members::reset_link_live(&web.app, &secret).await {
        Ok(_) => reset_page(&web, t, &secret, StatusCode::OK, String::new()),
        Err(AppError::NotFound) => gone(&web, t),
        Err(error) => PageError { error, t }.into_response(),
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ResetForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    password: String,
}

async fn reset_submit(
    State(web): State<Web>,
    Lang(t): Lang,
    ClientIp(ip): ClientIp,
    Path(secret): Path<String>,
    parts: Parts,
    FormPairs(f): FormPairs,
) -> Response {
    let form: ResetForm = extract::from_pairs(f).unwrap_or_default();
    if !web.limiter.allow(ip) {
        return reset_page(&web, t, &secret, StatusCode::TOO_MANY_REQUESTS, t.get("error-too-many"));
    }
    if !extract::form_csrf_ok(&parts, &form.csrf) {
        return reset_page(&web, t, &secret, StatusCode::FORBIDDEN, t.get("error-csrf"));
    }
    match members::reset_password(&web.app, &secret, &form.password).await {
        Ok(()) => {
            let mut p = blank(t, "reset-title", Mode::Done);
            p.message = t.get("reset-done");
            access_page(&web, StatusCode::OK, p)
        }
        Err(AppError::NotFound) => gone(&web, t),
        Err(e @ AppError::Invalid(_)) => reset_page(&web, t, &secret, StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        Err(error) => PageError { error, t }.into_response(),
    }
}
