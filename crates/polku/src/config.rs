//! Configuration: defaults, then an optional TOML file, then `POLKU_…` environment variables, then flags
//! (clap reads the last two, flags winning). The result is passed in explicitly; nothing reads it globally.

use serde::Deserialize;
use std::path::Path;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    /// Address to listen on.
    pub listen: String,
    /// `sqlite://PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`.
    pub database_url: String,
    /// `text` or `json`.
    pub log_format: String,
    /// Send cookies with the `Secure` attribute; turn off only when serving plain HTTP beyond localhost.
    pub secure_cookies: bool,
    /// Sign-in lifetime in hours.
    pub session_hours: u64,
    /// Requests per minute per client address on public survey pages and the sign-in form.
    pub public_rate_per_minute: u32,
    /// Webhook deliveries per minute per sender address (`/hooks/…`).
    pub webhook_rate_per_minute: u32,
    /// Most responses committed in one transaction by the group-commit writer.
    pub max_batch: usize,
    /// The address people reach Polku at, for links in e-mails and webhooks (empty: `http://` + `listen`).
    pub public_url: String,
    /// Let organisations send notifications to this machine and private addresses (e.g. an SMTP relay on
    /// the LAN); off, so that an organisation's admin cannot reach the server's own network.
    pub allow_internal_targets: bool,
    /// Reverse proxies (addresses or CIDR ranges) whose `Forwarded` / `X-Forwarded-For` name the client;
    /// from anyone else those headers are ignored.
    pub trusted_proxies: Vec<String>,
    /// Keys (base64 of 32 bytes) that encrypt the secrets Polku stores for organisations; the first
    /// encrypts, all decrypt (rotation). Empty: one key kept in `secret_key_file`.
    pub secret_keys: Vec<String>,
    /// Where the key is kept when `secret_keys` is empty (created on first start); empty: beside the SQLite
    /// database (`polku.db.key`), or `polku-secret.key` in the working directory for PostgreSQL.
    pub secret_key_file: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://polku.db".into(),
            log_format: "text".into(),
            secure_cookies: true,
            session_hours: 12,
            public_rate_per_minute: 120,
            webhook_rate_per_minute: 1200,
            max_batch: 1024,
            public_url: String::new(),
            allow_internal_targets: false,
            trusted_proxies: Vec::new(),
            secret_keys: Vec::new(),
            secret_key_file: String::new(),
        }
    }
}

/// Hides the database password in logs and debug output.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redact(&self.database_url))
            .field("log_format", &self.log_format)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_hours", &self.session_hours)
            .field("public_rate_per_minute", &self.public_rate_per_minute)
            .field("webhook_rate_per_minute", &self.webhook_rate_per_minute)
            .field("max_batch", &self.max_batch)
            .field("public_url", &self.public_url)
            .field("allow_internal_targets", &self.allow_internal_targets)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("secret_keys", &format!("{} key(s)", self.secret_keys.len()))
            .field("secret_key_file", &self.secret_key_file)
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Config {
    /// `public_url` without its trailing slash, or `http://` + `listen` when unset.
    pub(crate) fn public_url(&self) -> String {
        match self.public_url.trim().trim_end_matches('/') {
            "" => format!("http://{}", self.listen),
            url => url.to_string(),
        }
    }

    /// The keys for stored secrets: `secret_keys`, else the one in the key file (made, readable by this user
    /// only, when missing).
    pub(crate) fn sealer(&self) -> anyhow::Result<polku_store::Sealer> {
        if !self.secret_keys.is_empty() {
            return polku_store::Sealer::parse(&self.secret_keys).map_err(|e| anyhow::anyhow!("configuration: {e}"));
        }
        let path = match self.secret_key_file.trim() {
            "" => match self.database_url.strip_prefix("sqlite://") {
                Some(db) => format!("{}.key", db.split('?').next().unwrap_or(db)),
                None => {
                    tracing::warn!(
                        "no secret_keys: using polku-secret.key here; every node sharing the database needs the same key"
                    );
                    "polku-secret.key".to_string()
                }
            },
            given => given.to_string(),
        };
        let key = match std::fs::read_to_string(&path) {
            Ok(k) => k.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = polku_store::Sealer::new_key();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                std::io::Write::write_all(&mut options.open(&path)?, format!("{key}\n").as_bytes())
                    .map_err(|e| anyhow::anyhow!("writing the secret key file {path}: {e}"))?;
                tracing::info!(file = %path, "made a key for stored secrets; keep it with the database's backups, apart from them");
                key
            }
            Err(e) => return Err(anyhow::anyhow!("reading the secret key file {path}: {e}")),
        };
        polku_store::Sealer::parse(&[key]).map_err(|e| anyhow::anyhow!("secret key file {path}: {e}"))
    }

    /// Defaults overlaid with the TOML file, if one is given.
    pub(crate) fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        match file {
            None => Ok(Config::default()),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("reading config file {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults_and_unknown_keys_fail() {
        let dir = std::env::temp_dir().join(format!("polku-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.toml");
        std::fs::write(&good, "listen = \"0.0.0.0:9000\"\nmax_batch = 64\n").unwrap();
        let c = Config::load(Some(&good)).unwrap();
        assert_eq!((c.listen.as_str(), c.max_batch, c.session_hours), ("0.0.0.0:9000", 64, 12));
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "listne = \"x\"\n").unwrap();
        let err = Config::load(Some(&bad)).err().unwrap().to_string();
        assert!(err.contains("listne"), "{err}");
        assert!(Config::load(Some(&dir.join("missing.toml"))).is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://polku:s3cret@db:5432/polku"), "postgres://polku:***@db:5432/polku");
        assert_eq!(redact("sqlite://polku.db"), "sqlite://polku.db");
    }
}
