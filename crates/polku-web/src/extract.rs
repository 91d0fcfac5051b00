//! Request extractors: JSON bodies with field-naming errors, API callers, UI sessions, cookies, the
//! client address, and for the UI typed forms behind the CSRF check ([`CsrfForm`]) and typed ids in paths
//! ([`IdPath`]), both answering with an error page in the member's language.

mod form;

use crate::Web;
use crate::error::ApiError;
use crate::i18n::T;
use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use polku_app::AppError;
use polku_app::auth::{self, Caller};
use polku_app::store::SessionInfo;
use polku_domain::Locale;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub(crate) const SESSION_COOKIE: &str = "polku_session";
pub(crate) const LANG_COOKIE: &str = "polku_lang";
pub(crate) const FORM_CSRF_COOKIE: &str = "polku_form";
/// A sign-in waiting for its second factor.
pub(crate) const SECOND_FACTOR_COOKIE: &str = "polku_2fa";

/// Reads one cookie from the request.
pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value. `max_age` of 0 deletes the cookie.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}", if secure { "; Secure" } else { "" })
}

/// Whether a form without a session (sign-in, invitation, reset) carries the token of its double-submit
/// CSRF cookie.
pub(crate) fn form_csrf_ok(parts: &Parts, submitted: &str) -> bool {
    !submitted.is_empty() && matches!(cookie(parts, FORM_CSRF_COOKIE), Some(c) if same_secret(submitted, c))
}

/// Constant-time comparison for secrets.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address: the connecting one, or the one a trusted proxy names (`crate::proxy`);
/// `0.0.0.0` when the listener gave none (tests).
pub(crate) struct ClientIp(pub IpAddr);

impl FromRequestParts<Web> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientIp(web.proxies.client(peer, &parts.headers)))
    }
}

/// A JSON body parsed with errors that name the offending field (`answers[0].value: invalid type …`).
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !json {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            let status = r.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(status, format!("the body is larger than {} bytes", crate::MAX_BODY))
            } else {
                ApiError::new(status, r.body_text())
            }
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(de) {
            Ok(v) => Ok(JsonBody(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let missing = missing_field(&inner.to_string());
                if inner.is_syntax() || inner.is_eof() || (path == "." && missing.is_none()) {
                    Err(ApiError::new(StatusCode::BAD_REQUEST, format!("malformed JSON: {inner}")))
                } else if let (".", Some(field)) = (path.as_str(), missing) {
                    Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, "is required"))
                } else {
                    Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, path, inner.to_string()))
                }
            }
        }
    }
}

/// A query string parsed into `T`, a bad one answered like a bad body (422 naming `query`) rather than
/// axum's plain-text 400.
pub(crate) struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
            .map(ApiQuery)
            .map_err(|e| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "query", e.to_string()))
    }
}

/// The field serde names in "missing field `name`": a well-formed body without a required field is a
/// field error (422 naming it), not a malformed one.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(f, _)| f.to_string())
}

/// An API caller authenticated by `Authorization: Bearer <token>`.
pub(crate) struct ApiCaller(pub Caller);

impl FromRequestParts<Web> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "missing Authorization: Bearer token"))?;
        match auth::token(&web.app, bearer).await? {
            Some(t) => Ok(ApiCaller(Caller::from_token(&t))),
            None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "unknown or revoked API token")),
        }
    }
}

/// The language for a page: `?lang=`, else the language cookie, else `Accept-Language`.
pub(crate) fn page_locale(parts: &Parts, available: &[Locale]) -> Locale {
    let from_query =
        parts.uri.query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("lang="))).and_then(Locale::parse);
    let from_cookie = cookie(parts, LANG_COOKIE).and_then(Locale::parse);
    from_query
        .or(from_cookie)
        .filter(|l| available.contains(l))
        .or_else(|| {
            let accept = parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
            Locale::negotiate(accept, available)
        })
        .unwrap_or_default()
}

/// The translator for pages without a session.
pub(crate) struct Lang(pub T);

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(T::new(page_locale(parts, &Locale::ALL))))
    }
}

/// A signed-in member. Without a valid session, pages redirect to the sign-in form (and say why).
pub struct UiSession {
    pub info: SessionInfo,
    pub caller: Caller,
    pub t: T,
    pub path: String,
}

pub(crate) struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&self.0).into_response()
    }
}

impl FromRequestParts<Web> for UiSession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_string();
        let next = if parts.method == axum::http::Method::GET {
            format!(
                "?next={}",
                urlencode(parts.uri.path_and_query().map(axum::http::uri::PathAndQuery::as_str).unwrap_or("/"))
            )
        } else {
            String::new()
        };
        let Some(cookie) = cookie(parts, SESSION_COOKIE) else {
            return Err(ToLogin(format!("/login{next}")).into_response());
        };
        match auth::session(&web.app, cookie).await {
            // An organisation that requires two-factor sign-in shows a member without it only their account.
            Ok(Some(info)) if info.needs_two_factor && !path.starts_with("/account") && path != "/logout" => {
                Err(ToLogin("/account#two-factor".into()).into_response())
            }
            Ok(Some(info)) => {
                let caller = Caller::from_session(&info);
                let t = T::new(info.locale);
                let zone = web
                    .app
                    .zone(info.org)
                    .await
                    .map_err(|e| crate::error::PageError { error: e, t }.into_response())?;
                Ok(UiSession { t: t.in_zone(&zone), info, caller, path })
            }
            Ok(None) => {
                let sep = if next.is_empty() { "?" } else { "&" };
                Err(ToLogin(format!("/login{next}{sep}expired=1")).into_response())
            }
            Err(e) => {
                Err(crate::error::PageError { error: e, t: T::new(page_locale(parts, &Locale::ALL)) }.into_response())
            }
        }
    }
}

impl UiSession {
    /// Checks the form's CSRF token against the session's.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), AppError> {
        match submitted {
            Some(s) if same_secret(s, &self.info.csrf_token) => Ok(()),
            _ => Err(AppError::Forbidden),
        }
    }

    /// The error page for `error`, in the member's language.
    pub fn fail(&self, error: AppError) -> Response {
        crate::error::PageError { error, t: self.t }.into_response()
    }
}

/// A form posted by a signed-in member: the session, then the form's CSRF token checked against it (a 403
/// page when it does not match), then the fields deserialised into `F` (a 422 page naming the field when
/// one does not fit; see [`form`] for how fields map onto types). Handlers take
/// `CsrfForm(s, form): CsrfForm<SomeForm>`, so no form can be read before its token is checked; a form
/// that is only a button is `CsrfForm(s, ()): CsrfForm`.
pub(crate) struct CsrfForm<F = ()>(pub UiSession, pub F);

/// Form fields into a typed struct by [`form`]'s rules, for forms checked some other way (sign-in).
pub(crate) fn from_pairs<T: DeserializeOwned>(pairs: Vec<(String, String)>) -> Result<T, form::FieldError> {
    form::from_pairs(pairs)
}

impl<F: DeserializeOwned> FromRequest<Web> for CsrfForm<F> {
    type Rejection = Response;
    async fn from_request(req: Request, web: &Web) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let s = UiSession::from_request_parts(&mut parts, web).await?;
        let FormPairs(pairs) = FormPairs::from_request(Request::from_parts(parts, body), web).await?;
        let token = pairs.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str());
        if let Err(e) = s.check_csrf(token) {
            return Err(s.fail(e));
        }
        match form::from_pairs(pairs) {
            Ok(f) => Ok(CsrfForm(s, f)),
            Err(e) => Err(s.fail(AppError::invalid(e.field, e.message))),
        }
    }
}

/// Typed ids from the path (`IdPath(id): IdPath<CaseId>` for `/cases/{id}`, a tuple for several): an id
/// that does not parse is the 404 page in the member's language, as an unknown one is. Without a session
/// the sign-in redirect comes first, as it would for any id.
pub(crate) struct IdPath<I>(pub I);

impl<I: DeserializeOwned + Send> FromRequestParts<Web> for IdPath<I> {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let rejection = match Path::<I>::from_request_parts(parts, web).await {
            Ok(Path(ids)) => return Ok(IdPath(ids)),
            Err(r) => r,
        };
        let s = UiSession::from_request_parts(parts, web).await?;
        // A route whose pattern does not fit the type is a bug, not a bad address.
        let bug = match &rejection {
            PathRejection::FailedToDeserializePathParams(e) => {
                matches!(e.kind(), ErrorKind::WrongNumberOfParameters { .. } | ErrorKind::UnsupportedType { .. })
            }
            _ => true,
        };
        let error = if bug { AppError::Internal(anyhow::anyhow!("path ids: {rejection}")) } else { AppError::NotFound };
        Err(s.fail(error))
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Form fields as ordered pairs, so repeated names (checkboxes) keep every value.
pub(crate) struct FormPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(FormPairs)
            .map_err(|e| (StatusCode::BAD_REQUEST, format!("malformed form: {e}")).into_response())
    }
}

/// Pairs as a form type of their own, for forms whose field names are made up as they go (the survey
/// editor's numbered question rows): `CsrfForm<FormPairs>` checks the token and keeps every pair. Pairs come
/// back grouped by name (in the order each name was first sent), which keeps what `get` and `all` answer.
impl<'de> serde::Deserialize<'de> for FormPairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = FormPairs;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("form fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<FormPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some((name, values)) = map.next_entry::<String, Vec<String>>()? {
                    pairs.extend(values.into_iter().map(|v| (name.clone(), v)));
                }
                Ok(FormPairs(pairs))
            }
        }
        d.deserialize_map(Pairs)
    }
}

impl FormPairs {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_a_form_of_their_own() {
        let sent = [("_csrf", "pc_x"), ("q0_key", "nps"), ("locale", "fi"), ("q1_key", ""), ("locale", "sv")];
        let pairs = sent.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let form: FormPairs = form::from_pairs(pairs).unwrap();
        assert_eq!((form.get("q0_key"), form.get("q1_key"), form.get("q2_key")), (Some("nps"), Some(""), None));
        assert_eq!(form.all("locale"), ["fi", "sv"]);
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }

    #[test]
    fn locale_from_query_cookie_header() {
        let req = |uri: &str, cookie: &str, accept: &str| {
            let r = axum::http::Request::builder()
                .uri(uri)
                .header(header::COOKIE, cookie)
                .header(header::ACCEPT_LANGUAGE, accept)
                .body(())
                .unwrap();
            r.into_parts().0
        };
        assert_eq!(page_locale(&req("/?lang=sv", "polku_lang=en", "fi"), &Locale::ALL), Locale::Sv);
        assert_eq!(page_locale(&req("/", "a=b; polku_lang=en", "fi"), &Locale::ALL), Locale::En);
        assert_eq!(page_locale(&req("/", "", "sv-FI,en;q=0.5"), &Locale::ALL), Locale::Sv);
        assert_eq!(page_locale(&req("/?lang=sv", "", "en"), &[Locale::Fi, Locale::En]), Locale::En);
    }
}
