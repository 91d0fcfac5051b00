//! Secrets Polku must present to others (an organisation's SMTP password and webhook signing secret, its
//! shop and helpdesk connections' secrets), members' TOTP secrets and the keys that sign personal survey links are stored encrypted: XChaCha20-Poly1305 under a 256-bit key
//! from the configuration (`secret_keys`), with a random 192-bit nonce per value and the column's name as
//! associated data, so a value cannot be moved to another column. A stored value reads
//! `enc:v1:{key id}:{base64(nonce ‖ ciphertext)}`, the key id being a 32-bit fingerprint of the key.
//!
//! Rotation: put a new key first in `secret_keys` (it encrypts), keep the old ones after it (they still
//! decrypt), run `polku secrets rotate` (every value re-encrypted under the first key), then drop the old
//! keys. Values written before encryption existed (no `enc:` prefix) are read as they are and encrypted by
//! the same command, which `serve` also runs at start. A leaked database alone then exposes no secret; a
//! leaked database together with the configuration does.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const PREFIX: &str = "enc:v1:";

/// The keys: the first encrypts, all decrypt.
#[derive(Clone)]
pub struct Sealer {
    keys: Vec<(String, XChaCha20Poly1305)>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.keys.iter().map(|(id, _)| id)).finish()
    }
}

impl Sealer {
    /// Keys given as base64 (standard alphabet) of 32 random bytes; an entry that is not one names itself.
    pub fn parse<S: AsRef<str>>(keys: &[S]) -> Result<Sealer, String> {
        if keys.is_empty() {
            return Err("secret_keys: at least one key is needed".into());
        }
        let mut out = Vec::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(k.as_ref().trim())
                .ok()
                .filter(|b| b.len() == 32)
                .ok_or_else(|| {
                    format!("secret_keys[{i}]: not base64 of 32 bytes (make one with `polku secrets new-key`)")
                })?;
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| format!("secret_keys[{i}]: bad key"))?;
            out.push((key_id(&bytes), cipher));
        }
        Ok(Sealer { keys: out })
    }

    /// A fresh random key, base64.
    pub fn new_key() -> String {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source works");
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// A sealer with one fresh key, for tests and throw-away stores.
    pub fn ephemeral() -> Sealer {
        Sealer::parse(&[Sealer::new_key()]).expect("a fresh key parses")
    }

    /// Encrypts `plain` for column `column` under the first key.
    pub fn seal(&self, column: &str, plain: &str) -> String {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).expect("the OS random source works");
        let sealed = cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plain.as_bytes(), aad: column.as_bytes() })
            .expect("encryption into memory cannot fail");
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&sealed);
        format!("{PREFIX}{id}:{}", base64::engine::general_purpose::STANDARD.encode(raw))
    }

    /// Decrypts a stored value of `column`; a value from before encryption is returned as it is.
    pub fn open(&self, column: &str, stored: &str) -> Result<String, String> {
        let Some(rest) = stored.strip_prefix(PREFIX) else { return Ok(stored.to_string()) };
        let (id, data) = rest.split_once(':').ok_or("a sealed value without its key id")?;
        let (_, cipher) = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .ok_or_else(|| format!("{column} is sealed with key {id}, which is not in secret_keys"))?;
        let raw = base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| e.to_string())?;
        if raw.len() < 24 {
            return Err(format!("{column}: a sealed value too short"));
        }
        let (nonce, sealed) = raw.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| "nonce")?;
        let plain = cipher
            .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: column.as_bytes() })
            .map_err(|_| format!("{column} does not decrypt with key {id}"))?;
        String::from_utf8(plain).map_err(|e| e.to_string())
    }

    /// Whether `stored` is not yet sealed under the first key (plain, or under an older key).
    pub fn needs_reseal(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("{PREFIX}{}:", self.keys[0].0))
    }
}

/// Names a key without revealing it: 32 bits of its FNV-1a hash tell a handful of keys apart.
fn key_id(key: &[u8]) -> String {
    let h = key.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("{:08x}", h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_column() {
        let old = Sealer::new_key();
        let a = Sealer::parse(std::slice::from_ref(&old)).unwrap();
        let sealed = a.seal("smtp_password", "hunter2-on-the-relay");
        assert!(sealed.starts_with("enc:v1:") && !sealed.contains("hunter2"), "{sealed}");
        assert_ne!(sealed, a.seal("smtp_password", "hunter2-on-the-relay"), "a fresh nonce each time");
        assert_eq!(a.open("smtp_password", &sealed).unwrap(), "hunter2-on-the-relay");
        assert!(a.open("webhook_secret", &sealed).is_err(), "bound to its column");
        assert_eq!(a.open("smtp_password", "written-before-encryption").unwrap(), "written-before-encryption");
        // Rotation: a new key first; the old one still opens what it sealed, and a reseal is due.
        let b = Sealer::parse(&[Sealer::new_key(), old]).unwrap();
        assert_eq!(b.open("smtp_password", &sealed).unwrap(), "hunter2-on-the-relay");
        assert!(b.needs_reseal(&sealed) && !b.needs_reseal(&b.seal("x", "y")) && b.needs_reseal("plain"));
        // Without the old key it is gone, and says which key it needs.
        let c = Sealer::ephemeral();
        assert!(c.open("smtp_password", &sealed).unwrap_err().contains("not in secret_keys"));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(a.open("smtp_password", &tampered).is_err());
    }

    #[test]
    fn bad_keys_are_named() {
        assert!(Sealer::parse::<&str>(&[]).is_err());
        assert!(Sealer::parse(&["c2hvcnQ="]).unwrap_err().starts_with("secret_keys[0]"));
        assert!(Sealer::parse(&[Sealer::new_key().as_str(), "nope"]).unwrap_err().starts_with("secret_keys[1]"));
    }
}

impl crate::Store {
    /// Seals under the first key every stored secret that is not yet (written before encryption, or under an
    /// older key); returns how many were rewritten. A value no key opens is an error naming its column.
    pub async fn reseal_secrets(&self) -> crate::Result<usize> {
        let sealer = &self.sealer;
        let reseal = |column: &str, v: &str| -> crate::Result<Option<String>> {
            if !sealer.needs_reseal(v) {
                return Ok(None);
            }
            let plain = sealer.open(column, v).map_err(crate::StoreError::Corrupt)?;
            Ok(Some(sealer.seal(column, &plain)))
        };
        let mut n = 0;
        crate::db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let rows: Vec<(uuid::Uuid, Option<String>, Option<String>)> =
                sqlx::query_as("SELECT org_id, smtp_password, webhook_secret FROM notification_settings").fetch_all(&mut *tx).await?;
            for (org, password, secret) in rows {
                if let Some(v) = password.as_deref().map(|v| reseal("smtp_password", v)).transpose()?.flatten() {
                    sqlx::query("UPDATE notification_settings SET smtp_password = $1 WHERE org_id = $2").bind(v).bind(org).execute(&mut *tx).await?;
                    n += 1;
                }
                if let Some(v) = secret.as_deref().map(|v| reseal("webhook_secret", v)).transpose()?.flatten() {
                    sqlx::query("UPDATE notification_settings SET webhook_secret = $1 WHERE org_id = $2").bind(v).bind(org).execute(&mut *tx).await?;
                    n += 1;
                }
            }
            let rows: Vec<(uuid::Uuid, String)> = sqlx::query_as("SELECT id, secret FROM connections").fetch_all(&mut *tx).await?;
            for (id, secret) in rows {
                if let Some(v) = reseal("connection_secret", &secret)? {
                    sqlx::query("UPDATE connections SET secret = $1 WHERE id = $2").bind(v).bind(id).execute(&mut *tx).await?;
                    n += 1;
                }
            }
            let rows: Vec<(uuid::Uuid, String)> =
                sqlx::query_as("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL").fetch_all(&mut *tx).await?;
            for (id, secret) in rows {
                if let Some(v) = reseal("totp_secret", &secret)? {
                    sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2").bind(v).bind(id).execute(&mut *tx).await?;
                    n += 1;
                }
            }
            let rows: Vec<(uuid::Uuid, i64, String)> =
                sqlx::query_as("SELECT org_id, number, secret FROM link_keys").fetch_all(&mut *tx).await?;
            for (org, number, secret) in rows {
                if let Some(v) = reseal("link_key", &secret)? {
                    sqlx::query("UPDATE link_keys SET secret = $1 WHERE org_id = $2 AND number = $3")
                        .bind(v).bind(org).bind(number).execute(&mut *tx).await?;
                    n += 1;
                }
            }
            let rows: Vec<(uuid::Uuid, String)> = sqlx::query_as("SELECT org_id, headers FROM sms_gateways").fetch_all(&mut *tx).await?;
            for (org, headers) in rows {
                if let Some(v) = reseal("sms_headers", &headers)? {
                    sqlx::query("UPDATE sms_gateways SET headers = $1 WHERE org_id = $2").bind(v).bind(org).execute(&mut *tx).await?;
                    n += 1;
                }
            }
            tx.commit().await?;
        });
        Ok(n)
    }
}

#[cfg(test)]
mod store_tests {
    use super::Sealer;
    use crate::testing::fresh_stores;

    /// Secrets are stored sealed and read back open; values from before encryption are sealed by
    /// `reseal_secrets`, as are values under a key that is no longer first.
    #[tokio::test]
    async fn secrets_are_stored_sealed_and_resealed_on_rotation() {
        for (backend, store) in fresh_stores().await {
            let old = Sealer::new_key();
            let store = store.with_sealer(Sealer::parse(std::slice::from_ref(&old)).unwrap());
            let st =
                crate::testing::story(&store, serde_json::json!([{"key": "nps", "type": "nps", "text": {"fi": "?"}}]))
                    .await;
            let c = crate::NewConnection {
                kind: "shopify",
                name: "Kauppa".into(),
                secret: "shopify-secret-value".into(),
                time_zone: "Europe/Helsinki".into(),
                path_token: format!("t{}", uuid::Uuid::new_v4().simple()),
            };
            let made = store.create_connection(st.org, &c).await.unwrap();
            assert_eq!(made.secret, "shopify-secret-value", "{backend}: read back open");
            let raw: String = crate::db!(store, p => sqlx::query_scalar("SELECT secret FROM connections WHERE id = $1").bind(made.id).fetch_one(p).await).unwrap();
            assert!(raw.starts_with("enc:v1:") && !raw.contains("shopify"), "{backend}: {raw}");
            // A value from before encryption, and a rotation: both sealed under the new first key.
            crate::db!(store, p => sqlx::query("UPDATE connections SET secret = 'plain-old-secret' WHERE id = $1").bind(made.id).execute(p).await.map(|_| ())).unwrap();
            assert_eq!(store.reseal_secrets().await.unwrap(), 1, "{backend}");
            let rotated = store.clone().with_sealer(Sealer::parse(&[Sealer::new_key(), old]).unwrap());
            assert_eq!(rotated.reseal_secrets().await.unwrap(), 1, "{backend}");
            assert_eq!(rotated.reseal_secrets().await.unwrap(), 0, "{backend}");
            assert_eq!(rotated.connection_by_token(&c.path_token).await.unwrap().secret, "plain-old-secret");
            // A TOTP secret: sealed at rest, read open, and one from before sealing is sealed by the reseal.
            let audit = crate::Audit {
                actor: &crate::Actor::System("t"),
                action: "t",
                target: String::new(),
                detail: serde_json::Value::Null,
            };
            let email = format!("totp-{backend}@example.fi");
            let user = rotated.create_user(&email, "T", "x", polku_domain::Locale::Fi, &audit).await.unwrap();
            rotated.enable_two_factor(user, "JBSWY3DPEHPK3PXPJBSWY3DP", 1, &[], b"", &audit).await.unwrap();
            let raw: String = crate::db!(rotated, p => sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1").bind(user.0).fetch_one(p).await).unwrap();
            assert!(raw.starts_with("enc:v1:") && !raw.contains("JBSWY"), "{backend}: {raw}");
            assert_eq!(
                rotated.two_factor(user).await.unwrap().totp_secret.as_deref(),
                Some("JBSWY3DPEHPK3PXPJBSWY3DP")
            );
            crate::db!(rotated, p => sqlx::query("UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1").bind(user.0).execute(p).await.map(|_| ())).unwrap();
            assert_eq!(rotated.reseal_secrets().await.unwrap(), 1, "{backend}");
            assert_eq!(rotated.two_factor(user).await.unwrap().totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
        }
    }
}
