//! Connections to shops and helpdesks and the webhooks they send. Each connection has its own endpoint URL
//! (`/hooks/{token}`) and a secret; a delivery is authenticated the way its sender signs (Shopify and
//! WooCommerce: base64 HMAC-SHA256 of the raw body; Zendesk: its signature over timestamp + body, or a shared
//! secret header; Freshdesk: a shared secret header or Basic auth password), read by
//! `polku_domain::webhooks`, and written with a receipt in one transaction, so the same delivery sent twice
//! is stored once.
//!
//! The endpoint `POST /hooks/{path_token}` is public (a random 40-character token per connection; a
//! per-address token bucket, `webhook_rate_per_minute`; 2 MiB bodies). `receive` authenticates first,
//! over the raw body, every comparison in constant time; WooCommerce's unsigned ping (`webhook_id=N`) is
//! answered 200 and stores nothing. The secret is stored as given, because Polku must compute the same
//! HMAC. What makes a repeat a duplicate is the SHA-256 of the body, which the signature covers: the
//! senders' delivery-id headers are not signed, so anyone replaying a captured delivery could change them.
//! A Zendesk signature's timestamp must be within `REPLAY_WINDOW` of now. Receipts are kept for
//! `RECEIPT_DAYS` (`prune_receipts`, hourly); a delivery replayed later still cannot roll data back, as
//! orders and contacts keep the sender's last-change time (`source_version`). Refusals are counted on the
//! connection with their reason, shown on Settings → Connections.

use crate::auth::Caller;
use crate::{Actor, App, AppError, AppResult};
use base64::Engine;
use hmac::{KeyInit, Mac};
use polku_domain::role::Permission;
use polku_domain::webhooks::{self, ConnectionKind, Parsed};
use polku_domain::zone::Zone;
use polku_store::{Audit, ConnectionRecord, NewConnection, Receipt, Written};
use sha2::Digest;
use uuid::Uuid;

/// Shortest secret accepted (senders' own: Shopify 64 hex, Zendesk 44 base64 characters).
pub const MIN_SECRET: usize = 16;

/// A connection to create; a missing secret is generated (32 letters and digits) and shown once.
pub struct ConnectionDraft {
    pub kind: String,
    pub name: String,
    pub secret: Option<String>,
    pub time_zone: Option<String>,
}

/// The endpoint URL of a connection.
pub fn endpoint_url(app: &App, c: &ConnectionRecord) -> String {
    format!("{}/hooks/{}", app.config.public_url.trim_end_matches('/'), c.path_token)
}

fn generated_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    // 256 is not a multiple of 57: the first 28 symbols are a shade likelier, at 190 bits still plenty.
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// Creates a connection (admins). Returns it and the secret if Polku made it.
pub async fn create(
    app: &App,
    caller: &Caller,
    draft: &ConnectionDraft,
) -> AppResult<(ConnectionRecord, Option<String>)> {
    caller.require(Permission::Administer)?;
    let mut errs = Vec::new();
    let kind = ConnectionKind::parse(&draft.kind);
    if kind.is_none() {
        errs.push(("kind", "must be shopify, woocommerce, zendesk or freshdesk".to_string()));
    }
    let name = draft.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        errs.push(("name", "must be 1–100 characters".to_string()));
    }
    let given = draft.secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if given.is_some_and(|s| s.chars().count() < MIN_SECRET || s.len() > 200 || s.chars().any(char::is_control)) {
        errs.push(("secret", format!("must be {MIN_SECRET}–200 characters (or left empty to have one made)")));
    }
    let zone = match draft.time_zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
        None => Some(Zone::default()),
        Some(z) => Zone::parse(z),
    };
    if zone.is_none() {
        errs.push(("time_zone", "must be an IANA time zone such as Europe/Helsinki".to_string()));
    }
    if !errs.is_empty() {
        return Err(polku_domain::survey::ValidationErrors(
            errs.into_iter().map(|(f, m)| polku_domain::survey::FieldError { field: f.into(), message: m }).collect(),
        )
        .into());
    }
    let (kind, zone) = (kind.expect("checked"), zone.expect("checked"));
    let made = given.is_none().then(generated_secret);
    let secret = given.map(str::to_string).or_else(|| made.clone()).expect("one of them");
    let new = NewConnection {
        kind: kind.as_str(),
        name: name.to_string(),
        secret,
        time_zone: zone.name().to_string(),
        path_token: crate::auth::random_secret("")[..40].to_string(),
    };
    let record = app.store.create_connection(caller.org, &new).await.map_err(|e| match e {
        polku_store::StoreError::Duplicate { .. } => AppError::invalid("name", "another connection has this name"),
        other => other.into(),
    })?;
    let audit = Audit {
        actor: &caller.actor,
        action: "connection.create",
        target: record.id.to_string(),
        detail: serde_json::json!({"kind": kind.as_str(), "name": name}),
    };
    app.store.record_audit(Some(caller.org), &audit).await?;
    Ok((record, made))
}

/// The organisation's connections (admins: they carry secrets, though these are never shown again).
pub async fn list(app: &App, caller: &Caller) -> AppResult<Vec<ConnectionRecord>> {
    caller.require(Permission::Administer)?;
    Ok(app.store.connections(caller.org).await?)
}

/// Deletes a connection: its endpoint URL stops working at once.
pub async fn delete(app: &App, caller: &Caller, id: Uuid) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    app.store.delete_connection(caller.org, id).await?;
    let audit = Audit {
        actor: &caller.actor,
        action: "connection.delete",
        target: id.to_string(),
        detail: serde_json::json!({}),
    };
    app.store.record_audit(Some(caller.org), &audit).await?;
    Ok(())
}

/// What became of a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// Rows written.
    Stored(usize),
    /// This delivery was received before; nothing written.
    Duplicate,
    /// Authentic, but nothing Polku keeps (another topic).
    Ignored(String),
    /// WooCommerce's unsigned ping when a webhook is saved.
    Ping,
}

fn hmac_base64(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()).into_bytes()
}

/// Equal without telling, by timing, how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A shared secret sent as `X-Polku-Secret`, `Authorization: Bearer …` or as the Basic auth password.
fn shared_secret_ok(secret: &str, header: &(dyn Fn(&str) -> Option<String> + Sync)) -> bool {
    if let Some(s) = header("x-polku-secret") {
        return same(s.trim().as_bytes(), secret.as_bytes());
    }
    let Some(auth) = header("authorization") else { return false };
    if let Some(token) = auth.strip_prefix("Bearer ") {
        return same(token.trim().as_bytes(), secret.as_bytes());
    }
    if let Some(basic) = auth.strip_prefix("Basic ")
        && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(basic.trim())
        && let Ok(text) = String::from_utf8(raw)
        && let Some((_, password)) = text.split_once(':')
    {
        return same(password.as_bytes(), secret.as_bytes());
    }
    false
}

fn body_hash(body: &[u8]) -> String {
    sha2::Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect()
}

/// Receives one delivery to the connection with endpoint token `token`. `header` reads a request header by
/// its lower-case name. Unknown tokens are `NotFound`; a bad signature `Unauthorized`; a payload missing
/// what Polku needs `Invalid`, naming the sender's fields. Refusals are counted on the connection.
pub async fn receive(
    app: &App,
    token: &str,
    header: &(dyn Fn(&str) -> Option<String> + Sync),
    body: &[u8],
) -> AppResult<Received> {
    let c = app.store.connection_by_token(token).await?;
    let kind = ConnectionKind::parse(&c.kind).ok_or_else(|| anyhow::anyhow!("unknown connection kind {:?}", c.kind))?;
    let refuse = |reason: String| async move {
        if let Err(e) = app.store.connection_rejected(c.id, &reason).await {
            tracing::warn!(error = %e, "counting a refused webhook failed");
        }
    };
    let now = crate::store::now();
    let signed = match kind {
        ConnectionKind::Shopify => header("x-shopify-hmac-sha256")
            .is_some_and(|sig| same(sig.trim().as_bytes(), &hmac_base64(&c.secret, &[body]))),
        ConnectionKind::WooCommerce => {
            let ping = header("x-wc-webhook-signature").is_none()
                && std::str::from_utf8(body).is_ok_and(|b| {
                    b.strip_prefix("webhook_id=")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|d| d.is_ascii_digit()))
                });
            if ping {
                return Ok(Received::Ping);
            }
            header("x-wc-webhook-signature")
                .is_some_and(|sig| same(sig.trim().as_bytes(), &hmac_base64(&c.secret, &[body])))
        }
        ConnectionKind::Zendesk => {
            match (header("x-zendesk-webhook-signature"), header("x-zendesk-webhook-signature-timestamp")) {
                (Some(sig), Some(ts)) => {
                    if !same(sig.trim().as_bytes(), &hmac_base64(&c.secret, &[ts.as_bytes(), body])) {
                        false
                    } else if !fresh(&ts, now) {
                        refuse("the signature's timestamp is not within 5 minutes of now (a replay?)".into()).await;
                        return Err(AppError::Unauthorized);
                    } else {
                        true
                    }
                }
                _ => shared_secret_ok(&c.secret, header),
            }
        }
        ConnectionKind::Freshdesk => shared_secret_ok(&c.secret, header),
    };
    if !signed {
        refuse("the signature or secret did not match".into()).await;
        return Err(AppError::Unauthorized);
    }
    let json: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let message = format!("is not JSON: {e}");
            refuse(format!("body {message}")).await;
            return Err(AppError::invalid("body", message));
        }
    };
    let topic = |name: &str| header(name).unwrap_or_default();
    let parsed = match kind {
        ConnectionKind::Shopify => webhooks::shopify(&topic("x-shopify-topic"), &json),
        ConnectionKind::WooCommerce => webhooks::woocommerce(&topic("x-wc-webhook-topic"), &json),
        ConnectionKind::Zendesk => webhooks::zendesk(&json, now),
        ConnectionKind::Freshdesk => webhooks::freshdesk(&json, &Zone::parse(&c.time_zone).unwrap_or_default(), now),
    };
    let data = match parsed {
        Ok(Parsed::Data(d)) => d,
        Ok(Parsed::Ignored(why)) => return Ok(Received::Ignored(why)),
        Err(refused) => {
            refuse(refused.to_string()).await;
            return Err(polku_domain::survey::ValidationErrors(refused.0).into());
        }
    };
    // The signed body itself, never an unsigned header.
    let delivery = format!("sha256:{}", body_hash(body));
    let receipt = Receipt { connection: c.id, delivery_id: delivery };
    let org = polku_domain::OrgId(c.org_id);
    let zone = app.zone(org).await?;
    match app.store.write_customer_data(org, &data, &zone, Some(&receipt), |_| {}).await? {
        Written::Rows(n) => Ok(Received::Stored(n)),
        Written::Duplicate => Ok(Received::Duplicate),
    }
}

/// How far a Zendesk signature's timestamp may be from now.
const REPLAY_WINDOW: time::Duration = time::Duration::minutes(5);
/// How long a delivery's receipt is kept.
const RECEIPT_DAYS: i64 = 180;

/// Whether a signature timestamp (RFC 3339, or Unix seconds) is within [`REPLAY_WINDOW`] of `now`.
fn fresh(ts: &str, now: time::OffsetDateTime) -> bool {
    let ts = ts.trim();
    let at = time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
        .ok()
        .or_else(|| ts.parse::<i64>().ok().and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok()));
    at.is_some_and(|at| (at - now).abs() <= REPLAY_WINDOW)
}

/// Forgets receipts older than `RECEIPT_DAYS` (run hourly).
pub async fn prune_receipts(app: &App) -> AppResult<u64> {
    Ok(app.store.prune_receipts(crate::store::now() - time::Duration::days(RECEIPT_DAYS)).await?)
}

/// The system actor for connections made on the command line.
pub fn cli_actor() -> Actor {
    Actor::System("cli")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_timestamps_must_be_fresh() {
        let now = time::macros::datetime!(2026-12-04 12:00 UTC);
        assert!(fresh("2026-12-04T11:56:00Z", now) && fresh("2026-12-04T12:04:59Z", now));
        assert!(fresh(&now.unix_timestamp().to_string(), now));
        assert!(!fresh("2026-12-04T11:54:59Z", now), "a replay");
        assert!(!fresh("2026-12-04T12:05:01Z", now));
        assert!(!fresh("yesterday", now) && !fresh("", now));
    }

    /// The published-style vector: key "dGhpc19zZWNy…" as bytes, timestamp + body (a third-party test of
    /// Zendesk's scheme, cross-checked with `openssl dgst -sha256 -hmac KEY -binary | base64`).
    #[test]
    fn zendesk_signs_timestamp_and_body_with_the_secret_as_given() {
        let sig = hmac_base64(
            "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==",
            &[b"2021-03-25T05:09:27Z", br#"{"event":"ticket.updated","id":123}"#],
        );
        assert_eq!(String::from_utf8(sig).unwrap(), "S/RDdU2ERmj7LHDDoWJ2onPYH+t7/f2+LTM4dL7UiLM=");
    }

    #[test]
    fn shared_secrets_in_three_places() {
        let secret = "s3cret-of-sixteen!";
        let with = |name: &'static str, value: String| move |h: &str| (h == name).then(|| value.clone());
        assert!(shared_secret_ok(secret, &with("x-polku-secret", secret.into())));
        assert!(shared_secret_ok(secret, &with("authorization", format!("Bearer {secret}"))));
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("polku:{secret}"));
        assert!(shared_secret_ok(secret, &with("authorization", format!("Basic {basic}"))));
        assert!(!shared_secret_ok(secret, &with("x-polku-secret", "s3cret-of-sixteen?".into())));
        assert!(!shared_secret_ok(secret, &|_| None));
        assert!(generated_secret().chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
