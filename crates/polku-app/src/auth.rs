//! Passwords, sessions, API tokens and sign-in throttling.
//!
//! Passwords are hashed with argon2id (the crate's defaults: m = 19 MiB, t = 2, p = 1, as OWASP
//! recommends). Session cookies and API tokens are 256-bit random values; the database keeps only their
//! SHA-256, so a leaked database does not leak live credentials.

use crate::{App, AppError, AppResult};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use polku_domain::role::{Permission, Role};
use polku_domain::{Locale, OrgId, UserId};
use polku_store::{Actor, Audit, SessionInfo, TokenInfo};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MIN_PASSWORD: usize = 10;

pub fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e).context("hashing a password")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// 32 random bytes, hex-encoded, with a readable prefix (`pk_` tokens, `ps_` sessions, `pc_` CSRF).
pub fn random_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let mut s = String::with_capacity(prefix.len() + 64);
    s.push_str(prefix);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

pub fn sha256(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A hash of the password no one has, verified when an e-mail is unknown, so that a wrong e-mail and a
/// wrong password take the same time and give no hint.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_secret("")).expect("hashing works"))
}

/// Slows repeated failed sign-ins per e-mail and per client address: after 5 failures in 15 minutes each
/// further attempt must wait, doubling from 1 s up to 5 minutes. Kept per node in memory: with several
/// nodes an attacker gains at most a factor of the node count.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const FREE_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);

impl LoginThrottle {
    fn wait_for(count: u32) -> Duration {
        if count < FREE_FAILURES {
            Duration::ZERO
        } else {
            Duration::from_secs((1u64 << (count - FREE_FAILURES).min(9)).min(300))
        }
    }

    /// Whether `key` may try now.
    pub fn check(&self, key: &str) -> bool {
        let map = self.failures.lock().expect("lock");
        match map.get(key) {
            Some((count, last)) if last.elapsed() < WINDOW => last.elapsed() >= Self::wait_for(*count),
            _ => true,
        }
    }

    /// Records a failure; returns how many `key` has had in the window.
    pub fn fail(&self, key: &str) -> u32 {
        let mut map = self.failures.lock().expect("lock");
        if map.len() > 100_000 {
            map.retain(|_, (_, last)| last.elapsed() < WINDOW);
        }
        let e = map.entry(key.to_string()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= WINDOW {
            e.0 = 0;
        }
        e.0 += 1;
        e.1 = Instant::now();
        e.0
    }

    pub fn succeed(&self, key: &str) {
        self.failures.lock().expect("lock").remove(key);
    }
}

/// A new session: the cookie value to set and the CSRF token bound to it.
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
    pub locale: Locale,
    /// How many organisations the user belongs to (more than one: let them pick).
    pub orgs: usize,
}

/// Signs in with e-mail and password. Every failure is the same `Unauthorized`, whatever its cause.
pub async fn login(app: &App, email: &str, password: &str, client: &str) -> AppResult<SignIn> {
    let email = email.trim().to_lowercase();
    let keys = [format!("email:{email}"), format!("ip:{client}")];
    if !keys.iter().all(|k| app.login_throttle.check(k)) {
        return Err(AppError::TooManyRequests);
    }
    let user = app.store.user_by_email(&email).await?;
    let password = password.to_string();
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| decoy_hash().to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let user = match user {
        Some(u) if ok => u,
        _ => {
            keys.iter().for_each(|k| {
                app.login_throttle.fail(k);
            });
            return Err(AppError::Unauthorized);
        }
    };
    keys.iter().for_each(|k| app.login_throttle.succeed(k));
    if app.store.two_factor(UserId(user.id)).await?.totp_secret.is_some() {
        return Ok(SignIn::SecondFactor(crate::two_factor::start_wait(app, &user.email).await?));
    }
    Ok(SignIn::Session(open_first_org(app, &user, client).await?))
}

/// What a right password leads to: a session, or a wait for the second factor (the secret for a cookie).
pub enum SignIn {
    Session(NewSession),
    SecondFactor(String),
}

/// Opens a session in the user's oldest membership; `orgs` says whether there are others to pick from.
pub(crate) async fn open_first_org(app: &App, user: &polku_store::UserLogin, client: &str) -> AppResult<NewSession> {
    let user_id = UserId(user.id);
    let memberships = app.store.memberships(user_id).await?;
    let Some((org, _)) = memberships.first().copied() else {
        return Err(AppError::Unauthorized);
    };
    let locale = Locale::parse(&user.locale).unwrap_or_default();
    let mut session = start_session(app, user_id, org, &user.email, locale, client).await?;
    session.orgs = memberships.len();
    Ok(session)
}

/// Opens a session of `user` in `org` (a member there) and records the sign-in with the client address.
pub async fn start_session(
    app: &App,
    user: UserId,
    org: OrgId,
    email: &str,
    locale: Locale,
    client: &str,
) -> AppResult<NewSession> {
    let cookie = random_secret("ps_");
    let csrf = random_secret("pc_");
    let ttl = time::Duration::try_from(app.config.session_ttl).unwrap_or(time::Duration::hours(12));
    app.store.create_session(&sha256(&cookie), user, org, &csrf, polku_store::now() + ttl, client).await?;
    let actor = Actor::User { id: user, email: email.to_string() };
    app.store
        .record_audit(
            Some(org),
            &Audit {
                actor: &actor,
                action: "session.sign_in",
                target: format!("user:{email}"),
                detail: serde_json::json!({"client": client}),
            },
        )
        .await?;
    Ok(NewSession { cookie, csrf, locale, orgs: 1 })
}

pub async fn session(app: &App, cookie: &str) -> AppResult<Option<SessionInfo>> {
    Ok(app.store.session(&sha256(cookie)).await?)
}

pub async fn logout(app: &App, cookie: &str) -> AppResult<()> {
    Ok(app.store.delete_session(&sha256(cookie)).await?)
}

/// Who is calling, once authenticated: a signed-in member or an API token.
#[derive(Clone, Debug)]
pub struct Caller {
    pub org: OrgId,
    pub role: Role,
    pub actor: Actor,
}

impl Caller {
    pub fn require(&self, p: Permission) -> AppResult<()> {
        if self.role.allows(p) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    pub fn from_session(s: &SessionInfo) -> Self {
        Caller { org: s.org, role: s.role, actor: Actor::User { id: s.user, email: s.email.clone() } }
    }

    pub fn from_token(t: &TokenInfo) -> Self {
        Caller { org: t.org, role: t.role, actor: Actor::Token(t.id) }
    }
}

/// The token behind a bearer secret. Live tokens are cached briefly (see [`crate::cache`]); unknown
/// secrets are not, so a revoked or mistyped token is re-checked every time.
pub async fn token(app: &App, bearer: &str) -> AppResult<Option<TokenInfo>> {
    let hash = sha256(bearer.trim());
    if let Some(t) = app.tokens.get(&hash) {
        return Ok(Some(t));
    }
    let found = app.store.token_by_hash(&hash).await?;
    if let Some(t) = &found {
        app.tokens.put(hash, t.clone());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip_as_argon2id() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_prefixed() {
        let (a, b) = (random_secret("pk_"), random_secret("pk_"));
        assert_ne!(a, b);
        assert!(a.starts_with("pk_") && a.len() == 67);
        assert_eq!(sha256("x").len(), 32);
    }

    #[test]
    fn throttle_slows_after_free_failures() {
        let t = LoginThrottle::default();
        for _ in 0..FREE_FAILURES - 1 {
            t.fail("k");
        }
        assert!(t.check("k"));
        t.fail("k");
        assert!(!t.check("k"), "the fifth failure must impose a wait");
        t.succeed("k");
        assert!(t.check("k"));
        assert_eq!(LoginThrottle::wait_for(FREE_FAILURES + 20), Duration::from_secs(300));
    }
}
