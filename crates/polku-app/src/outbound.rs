//! Connections Polku opens on an organisation's behalf (its SMTP server, its webhook): the guard that keeps
//! them off the server's own network, and the clients that send.
//!
//! An organisation's admin chooses these targets, so unless the operator sets `allow_internal_targets`
//! every name is resolved here, every address it resolves to is checked
//! (`polku_domain::notify::is_internal_ip`), and the connection goes to a checked address only: SMTP
//! connects to the address with the name kept for TLS, and the HTTP client resolves through
//! `PublicResolver`, so a name cannot answer the check with one address and the connection with another
//! (DNS rebinding). Names are read the way resolvers read them (`127.1`, `0x7f000001`). Every operation has
//! one deadline for the whole exchange (`AppConfig::outbound_timeout`), not only for the connect: a server
//! that accepts and never greets must not hold the sender.

use crate::{AppError, AppResult};
use polku_domain::notify::{is_internal_host, is_internal_ip};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const REFUSED: &str =
    "is this machine or an internal address, which the server's operator has not allowed (allow_internal_targets)";

/// The addresses `host` resolves to, all of them public unless `allow_internal`; an error says why not.
pub async fn resolve(host: &str, port: u16, allow_internal: bool) -> Result<Vec<SocketAddr>, String> {
    if !allow_internal && is_internal_host(host) {
        return Err(REFUSED.into());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((bare, port)).await.map_err(|e| format!("{host} cannot be resolved: {e}"))?.collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    if !allow_internal && let Some(bad) = addrs.iter().find(|a| is_internal_ip(a.ip())) {
        return Err(format!("resolves to {}, which {REFUSED}", bad.ip()));
    }
    Ok(addrs)
}

/// Checks a webhook URL before it is stored or called: it parses, and its host as the HTTP client will read
/// it (the URL parser turns `0x7f000001` into 127.0.0.1, which the client then connects to without asking
/// a resolver) is not internal. Names are checked again, address by address, by `PublicResolver`.
pub fn check_url(url: &str, allow_internal: bool) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// address".into());
    }
    // `host_str` is the host as parsed: numeric forms already normalised, IPv6 in brackets.
    let internal = parsed.host_str().is_none_or(is_internal_host);
    if internal && !allow_internal {
        return Err(REFUSED.into());
    }
    Ok(parsed)
}

/// The HTTP client's resolver when internal targets are not allowed: a name with any internal address
/// fails to resolve, so the client never connects to one.
struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs = resolve(&host, 0, false).await.map_err(|e| -> Box<dyn std::error::Error + Send + Sync> {
                Box::new(std::io::Error::new(std::io::ErrorKind::PermissionDenied, e))
            })?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The outgoing HTTP client, built once: rustls with the ring provider and the Mozilla roots, no
/// redirects (a webhook that moved answers 3xx, which counts as a failure to fix, not to follow), the
/// checking resolver, and a deadline on the whole request.
#[derive(Default)]
pub struct Http(OnceLock<reqwest::Client>);

impl Http {
    pub(crate) fn client(&self, allow_internal: bool, timeout: Duration) -> AppResult<&reqwest::Client> {
        if let Some(c) = self.0.get() {
            return Ok(c);
        }
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("setting up TLS for webhooks")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .no_proxy()
            .user_agent(concat!("Polku/", env!("CARGO_PKG_VERSION")));
        if !allow_internal {
            builder = builder.dns_resolver(Arc::new(PublicResolver));
        }
        let client = builder
            .build()
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("building the webhook HTTP client")))?;
        Ok(self.0.get_or_init(|| client))
    }
}

/// Runs `operation` with the whole-exchange deadline.
pub async fn within<T, E: From<String>>(
    timeout: Duration,
    what: &str,
    operation: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    tokio::time::timeout(timeout, operation)
        .await
        .unwrap_or_else(|_| Err(E::from(format!("{what}: no answer within {} s", timeout.as_secs_f32()))))
}
