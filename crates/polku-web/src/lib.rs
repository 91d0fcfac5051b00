//! Polku's HTTP face: the JSON API (with its OpenAPI document), the server-rendered web UI, the public
//! survey pages and the operations endpoints, as one axum [`Router`].
//!
//! Only this crate knows axum and askama. Handlers are thin: they parse input, call a use case in
//! `polku-app`, and render the result. Each area owns its routes; [`router`] only merges them and adds the
//! cross-cutting layers (body size limit, request metrics, security headers).

pub mod api;
pub mod csv_out;
mod error;
mod extract;
#[cfg(test)]
mod fuzz;
pub mod i18n;
pub mod money_csv;
mod ops;
pub mod proxy;
mod ratelimit;
pub mod serve;
pub mod ui;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use polku_app::App;
use std::sync::Arc;
use std::time::Instant;

/// Largest request body accepted anywhere; larger bodies get 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// Shared state of every handler.
#[derive(Clone)]
pub struct Web {
    pub app: Arc<App>,
    limiter: Arc<ratelimit::RateLimiter>,
    /// Public pages opened through a personal link: per link, not per address.
    link_limiter: Arc<ratelimit::RateLimiter<String>>,
    /// For webhooks: shops send in bursts from few addresses.
    hook_limiter: Arc<ratelimit::RateLimiter>,
    /// Whose forwarding headers name the client (`proxy`).
    proxies: Arc<proxy::TrustedProxies>,
}

/// Settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Requests per minute one client address may make to public pages and the sign-in form.
    pub public_rate_per_minute: u32,
    /// Webhook deliveries per minute one sender address may make (`/hooks/…`).
    pub webhook_rate_per_minute: u32,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` headers name the client.
    pub trusted_proxies: proxy::TrustedProxies,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { public_rate_per_minute: 120, webhook_rate_per_minute: 1200, trusted_proxies: Default::default() }
    }
}

pub fn router(app: Arc<App>, config: WebConfig) -> Router {
    let web = Web {
        app,
        limiter: Arc::new(ratelimit::RateLimiter::per_minute(config.public_rate_per_minute)),
        link_limiter: Arc::new(ratelimit::RateLimiter::per_minute(config.public_rate_per_minute)),
        hook_limiter: Arc::new(ratelimit::RateLimiter::per_minute(config.webhook_rate_per_minute)),
        proxies: Arc::new(config.trusted_proxies),
    };
    Router::new()
        .merge(api::router())
        .merge(ui::router())
        .merge(ops::router())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(web.clone(), observe))
        .with_state(web)
}

/// Times each request into the Prometheus histograms and sets headers every response should carry.
async fn observe(State(web): State<Web>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let class = if path.starts_with("/api/") {
        0
    } else if path.starts_with("/s/") || path.starts_with("/f/") {
        2
    } else if matches!(path, "/healthz" | "/readyz" | "/metrics") {
        3
    } else {
        1
    };
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
    let client = web.proxies.client(peer, req.headers());
    let https = web.proxies.scheme(peer, req.headers()) == Some("https");
    let start = Instant::now();
    // Logs and audit rows written while serving it name the client.
    let span = tracing::info_span!("request", client = %client);
    let mut res = polku_app::store::AUDIT_CLIENT
        .scope(client.to_string(), tracing::Instrument::instrument(next.run(req), span))
        .await;
    web.app.telemetry.request(class, res.status().as_u16(), start.elapsed().as_secs_f64());
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if class == 1 || class == 2 {
        // No scripts anywhere in the UI; inline styles only for the follow-up rules of survey pages.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    // Signed-in pages and API answers may hold personal data: no browser or proxy keeps a copy. Public survey
    // pages and the stylesheet keep their own caching.
    if class <= 1 && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        // Only when a trusted proxy says the client came over HTTPS: a plain-HTTP trial install stays usable.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}
