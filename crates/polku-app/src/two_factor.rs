//! Optional two-factor sign-in: TOTP (RFC 6238, 6 digits, 30-second steps, one step of clock skew either
//! way; `totp-rs`) with ten single-use recovery codes, which an owner can require for the organisation.
//!
//! Setting it up shows a fresh secret (as an `otpauth://` QR code and as text); it is stored only once a
//! code from the app confirms it, and the recovery codes are shown that once (the database keeps their
//! SHA-256). At sign-in a right password with two-factor on opens no session: it leaves a five-minute,
//! single-use wait (`LinkKind::SecondFactor`) that a code or a recovery code completes. A code's time
//! step is accepted once, so a code seen over someone's shoulder cannot be replayed. Members of an
//! organisation that requires it reach only their account page until they set it up (`needs_two_factor`).

use crate::auth::{NewSession, random_secret, sha256};
use crate::{App, AppError, AppResult};
use polku_domain::access::{LinkKind, SECOND_FACTOR_TTL};
use polku_domain::role::Role;
use polku_domain::{Locale, UserId};
use polku_store::{Actor, Audit, SessionInfo};
use totp_rs::{Builder, Totp};

const RECOVERY_CODES: usize = 10;
/// Wrong codes (in the throttle's window) after which each further one ends the wait.
const WRONG_CODES_PER_WAIT: u32 = 5;

fn totp(secret: &[u8], account: &str) -> AppResult<Totp> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_issuer(Some("Polku"))
        .with_account_name(account.replace(':', ""))
        .build()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}").context("building a TOTP")))
}

fn decode(secret_b32: &str) -> AppResult<Vec<u8>> {
    totp_rs::Secret::try_from_base32(secret_b32.trim())
        .map(|s| s.as_ref().to_vec())
        .map_err(|_| AppError::invalid("secret", "is not the secret shown"))
}

fn unix_now() -> u64 {
    u64::try_from(polku_store::now().unix_timestamp()).unwrap_or_default()
}

/// A secret being set up: as text for typing into an app, and as the `otpauth://` link for its QR code.
pub struct Setup {
    pub secret: String,
    pub url: String,
}

/// A fresh secret for the member to add to their authenticator app.
pub fn setup(session: &SessionInfo) -> AppResult<Setup> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let t = totp(&bytes, &session.email)?;
    let url = t.to_url().map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(Setup { secret: t.secret().to_base32(), url })
}

/// The `otpauth://` link of a secret being set up (shown again after a mistyped code).
pub fn setup_again(session: &SessionInfo, secret_b32: &str) -> AppResult<String> {
    totp(&decode(secret_b32)?, &session.email)?.to_url().map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

/// Turns two-factor sign-in on once `code` from the app matches `secret`, with the member's password
/// (a session alone must not replace the secret); returns the recovery codes, shown this once. Every
/// other session of the member ends.
pub async fn enable(
    app: &App,
    session: &SessionInfo,
    password: &str,
    secret: &str,
    code: &str,
) -> AppResult<Vec<String>> {
    let bytes = decode(secret)?;
    if bytes.len() < 16 {
        return Err(AppError::invalid("secret", "is not the secret shown"));
    }
    let step = totp(&bytes, &session.email)?.check(code.trim(), unix_now()).ok_or_else(|| {
        AppError::invalid("code", "does not match; check the time on your phone and try the next code")
    })?;
    crate::members::confirm_password(app, session, password, "password").await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| sha256(&normalise(c))).collect();
    let actor = Actor::User { id: session.user, email: session.email.clone() };
    let audit = Audit {
        actor: &actor,
        action: "user.two_factor_on",
        target: format!("user:{}", session.email),
        detail: serde_json::Value::Null,
    };
    app.store.enable_two_factor(session.user, secret.trim(), step as i64, &hashes, &session.id_hash, &audit).await?;
    Ok(codes)
}

/// Turns it off; the password is asked again.
pub async fn disable(app: &App, session: &SessionInfo, password: &str) -> AppResult<()> {
    crate::members::confirm_password(app, session, password, "password").await?;
    let actor = Actor::User { id: session.user, email: session.email.clone() };
    let audit = Audit {
        actor: &actor,
        action: "user.two_factor_off",
        target: format!("user:{}", session.email),
        detail: serde_json::Value::Null,
    };
    Ok(app.store.disable_two_factor(session.user, &audit).await?)
}

/// Whether the member has two-factor sign-in on, and how many recovery codes are left.
pub async fn status(app: &App, user: UserId) -> AppResult<(bool, i64)> {
    let on = app.store.two_factor(user).await?.totp_secret.is_some();
    Ok((on, if on { app.store.recovery_codes_left(user).await? } else { 0 }))
}

/// An owner requires (or stops requiring) two-factor sign-in of every member.
pub async fn require(app: &App, caller: &crate::auth::Caller, on: bool) -> AppResult<()> {
    if caller.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    let audit = Audit {
        actor: &caller.actor,
        action: "org.require_two_factor",
        target: String::new(),
        detail: serde_json::json!({"on": on}),
    };
    Ok(app.store.set_require_two_factor(caller.org, on, &audit).await?)
}

/// Starts the wait for the second factor after a right password: the secret for the browser's cookie.
pub(crate) async fn start_wait(app: &App, email: &str) -> AppResult<String> {
    let secret = random_secret("p2_");
    let actor = Actor::System("sign-in");
    let audit = Audit {
        actor: &actor,
        action: "session.password_ok",
        target: format!("user:{email}"),
        detail: serde_json::Value::Null,
    };
    let expires = polku_store::now() + SECOND_FACTOR_TTL;
    app.store
        .create_access_link(
            &sha256(&secret),
            LinkKind::SecondFactor,
            email,
            None,
            None,
            Locale::default(),
            expires,
            &audit,
        )
        .await?;
    Ok(secret)
}

/// Completes a sign-in with a TOTP code or a recovery code. A wrong code is `Unauthorized`; a gone wait is
/// `NotFound` (sign in again). A wait takes at most `WRONG_CODES_PER_WAIT` codes, counted in the database
/// before any is checked (so parallel requests, or several nodes, cannot check more); the one after ends
/// it. Wrong codes are also throttled under their own key, which a right password does not clear, and from
/// the fifth in the window each one also ends the wait, so guessing costs a password entry per guess on top
/// of the growing delay.
pub async fn complete(app: &App, wait: &str, code: &str, client: &str) -> AppResult<NewSession> {
    let (email, attempts) = app.store.second_factor_attempt(&sha256(wait)).await?.ok_or(AppError::NotFound)?;
    if attempts > i64::from(WRONG_CODES_PER_WAIT) {
        app.store.take_second_factor(&sha256(wait)).await?;
        return Err(AppError::NotFound);
    }
    let key = format!("totp:{email}");
    if !app.login_throttle.check(&key) {
        return Err(AppError::TooManyRequests);
    }
    let user = app.store.user_by_email(&email).await?.ok_or(AppError::NotFound)?;
    let id = UserId(user.id);
    let state = app.store.two_factor(id).await?;
    let secret = state.totp_secret.ok_or(AppError::NotFound)?;
    let code = code.trim();
    let ok = match totp(&decode(&secret)?, &user.email)?.check(code, unix_now()) {
        Some(step) => app.store.accept_totp_step(id, step as i64).await?,
        None => code.len() > 6 && app.store.use_recovery_code(id, &sha256(&normalise(code))).await?,
    };
    if !ok {
        if app.login_throttle.fail(&key) >= WRONG_CODES_PER_WAIT {
            app.store.take_second_factor(&sha256(wait)).await?;
        }
        return Err(AppError::Unauthorized);
    }
    app.store.take_second_factor(&sha256(wait)).await?.ok_or(AppError::NotFound)?;
    app.login_throttle.succeed(&key);
    crate::auth::open_first_org(app, &user, client).await
}

/// Ten random characters from an alphabet without look-alikes, as `xxxxx-xxxxx`.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let s: String = bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// Recovery codes are compared without case, spaces or dashes, as people type them.
fn normalise(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238_with_one_step_of_skew() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits there; 6 digits are its last six.
        let t = totp(b"12345678901234567890", "a@example.fi").unwrap();
        assert_eq!(t.generate(59).to_string(), "287082");
        assert_eq!(t.generate(1_111_111_109).to_string(), "081804");
        assert_eq!(t.check("081804", 1_111_111_109 + 30), Some(1_111_111_109 / 30), "one step late is fine");
        assert_eq!(t.check("081804", 1_111_111_109 + 90), None, "three steps late is not");
        assert_eq!(t.check("08180", 1_111_111_109), None);
    }

    #[test]
    fn recovery_codes_are_random_and_read_loosely() {
        let a = recovery_code();
        assert_eq!(a.len(), 11);
        assert_ne!(a, recovery_code());
        assert_eq!(normalise(" ABCDE-fghjk "), "abcdefghjk");
    }
}
