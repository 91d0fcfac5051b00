//! People and access: invitations by e-mail, role changes and removal, ownership, one's own password and
//! sessions, password reset, and switching between one's organisations.
//!
//! Nobody types a password for a colleague: an admin invites an address, and the mail (through the
//! organisation's SMTP server) carries a single-use link valid for 72 hours. A new person sets their
//! password there; a person who already has an account signs in with it to accept, so an admin can
//! never attach an existing account on their own, and the admin's answer is the same either way.
//! A forgotten password is reset by a link valid for an hour; the answer to the request is the same
//! whether or not the address has an account, the mail is sent in the background so the timing says
//! nothing either, and requests are throttled per address and per client. Role rules live in
//! `polku_domain::access`; the store keeps the last owner and ends sessions and tokens in the same
//! transaction as the change.

use crate::auth::{Caller, SignIn, hash_password, random_secret, sha256, verify_password};
use crate::{App, AppError, AppResult};
use polku_domain::access::{AccessMail, INVITATION_TTL, LinkKind, RESET_TTL, may_assign, may_remove};
use polku_domain::role::{Permission, Role};
use polku_domain::{Locale, OrgId, UserId};
use polku_store::{Actor, Audit, NewAccount, OwnSession, SessionInfo, StoreError};

/// Most reset mails one address gets in an hour; further requests are answered alike and send nothing.
const RESETS_PER_HOUR: i64 = 3;

fn valid_email(email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    if !polku_domain::notify::valid_address(&email) || email.parse::<lettre::message::Mailbox>().is_err() {
        return Err(AppError::invalid("email", "must be an e-mail address"));
    }
    Ok(email)
}

fn check_password(password: &str, field: &'static str) -> AppResult<()> {
    if password.chars().count() < crate::auth::MIN_PASSWORD {
        return Err(AppError::invalid(field, format!("must be at least {} characters", crate::auth::MIN_PASSWORD)));
    }
    if password.len() > 1024 {
        return Err(AppError::invalid(field, "must be at most 1024 bytes"));
    }
    Ok(())
}

fn user_of(caller: &Caller) -> AppResult<UserId> {
    caller.actor.user().ok_or(AppError::Forbidden)
}

fn link(app: &App, path: &str, secret: &str) -> String {
    format!("{}/{path}/{secret}", app.config.public_url)
}

/// Sends an access mail through `org`'s SMTP server, within the outbound deadline.
async fn send(app: &App, org: OrgId, to: &str, locale: Locale, mail: &AccessMail<'_>) -> AppResult<()> {
    let smtp = app
        .store
        .notification_settings(org)
        .await?
        .and_then(|s| s.smtp)
        .ok_or_else(|| AppError::invalid("email", "no SMTP server is set up (Settings → Notifications)"))?;
    let (subject, body) = mail.render(locale);
    let key = format!("access-{}", uuid::Uuid::new_v4().simple());
    crate::notify::send_message(app, &smtp, to, crate::notify::Mail { subject, body, html: None }, &key, &[])
        .await
        .map(|_| ())
        .map_err(|e| AppError::invalid("email", format!("the invitation could not be sent: {e}")))
}

/// Invites `email` to the caller's organisation with `role`, by e-mail. The answer is the same whether or
/// not the address has an account; only a current member is refused (the admin sees the members anyway).
pub async fn invite(app: &App, caller: &Caller, email: &str, role: Role, locale: Locale) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let email = valid_email(email)?;
    if !may_assign(caller.role, None, role) {
        return Err(AppError::invalid("role", "only an owner can invite an admin or an owner"));
    }
    let existing = app.store.user_by_email(&email).await?;
    if let Some(u) = &existing
        && app.store.member_role(caller.org, UserId(u.id)).await.is_ok()
    {
        return Err(AppError::invalid("email", "is already a member"));
    }
    let org = app.store.org(caller.org).await?;
    let secret = random_secret("pi_");
    let audit = Audit {
        actor: &caller.actor,
        action: "member.invite",
        target: format!("user:{email}"),
        detail: serde_json::json!({"role": role.as_str()}),
    };
    let expires = polku_store::now() + INVITATION_TTL;
    app.store
        .create_access_link(
            &sha256(&secret),
            LinkKind::Invitation,
            &email,
            Some(caller.org),
            Some(role),
            locale,
            expires,
            &audit,
        )
        .await?;
    let inviter = match &caller.actor {
        Actor::User { email, .. } => email.clone(),
        _ => org.name.clone(),
    };
    let url = link(app, "invitation", &secret);
    let mail = AccessMail {
        kind: LinkKind::Invitation,
        organisation: &org.name,
        inviter: &inviter,
        existing: existing.is_some(),
        link: &url,
    };
    // The invitee's own language when they have an account, else the one the admin chose.
    let locale = existing.as_ref().and_then(|u| Locale::parse(&u.locale)).unwrap_or(locale);
    send(app, caller.org, &email, locale, &mail).await
}

/// What an invitation link offers, for its page.
#[derive(Clone, Debug)]
pub struct Invitation {
    pub organisation: String,
    pub role: Role,
    pub email: String,
    /// The address has an account: accepting needs its password, not a new one.
    pub existing: bool,
    pub locale: Locale,
}

/// The invitation behind a link; `NotFound` if it is unknown, used or expired.
pub async fn invitation(app: &App, secret: &str) -> AppResult<Invitation> {
    let l = app.store.access_link(&sha256(secret), LinkKind::Invitation).await?.ok_or(AppError::NotFound)?;
    let (org, role) = l.org.zip(l.role).ok_or(AppError::NotFound)?;
    let existing = app.store.user_by_email(&l.email).await?.is_some();
    Ok(Invitation { organisation: app.store.org(org).await?.name, role, email: l.email, existing, locale: l.locale })
}

/// Accepts an invitation and signs in to its organisation. A new person gives a name and a password; a
/// person with an account gives their current password (a wrong one is `Unauthorized`, throttled like
/// sign-in). An account with two-factor sign-in on joins and then waits for its code like any sign-in.
pub async fn accept(app: &App, secret: &str, name: &str, password: &str, client: &str) -> AppResult<SignIn> {
    let inv = invitation(app, secret).await?;
    let user = app.store.user_by_email(&inv.email).await?;
    let actor_email = inv.email.clone();
    let account_hash;
    let account = match &user {
        Some(u) => {
            let key = format!("email:{}", inv.email);
            if !app.login_throttle.check(&key) {
                return Err(AppError::TooManyRequests);
            }
            let (password, hash) = (password.to_string(), u.password_hash.clone());
            let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            if !ok {
                app.login_throttle.fail(&key);
                return Err(AppError::Unauthorized);
            }
            None
        }
        None => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(AppError::invalid("name", "must be 1–200 characters"));
            }
            check_password(password, "password")?;
            account_hash = hash_password(password)?;
            Some(NewAccount { name, password_hash: &account_hash })
        }
    };
    let actor = Actor::System("invitation");
    let audit = Audit {
        actor: &actor,
        action: "member.join",
        target: format!("user:{actor_email}"),
        detail: serde_json::json!({"role": inv.role.as_str(), "client": client}),
    };
    let (user, org) = app.store.accept_invitation(&sha256(secret), account, &audit).await.map_err(|e| match e {
        StoreError::NotFound => AppError::NotFound,
        StoreError::Conflict(m) => AppError::invalid("email", m),
        e => e.into(),
    })?;
    if app.store.two_factor(user).await?.totp_secret.is_some() {
        return Ok(SignIn::SecondFactor(crate::two_factor::start_wait(app, &inv.email).await?));
    }
    Ok(SignIn::Session(crate::auth::start_session(app, user, org, &inv.email, inv.locale, client).await?))
}

/// Gives a member a new role (owners for admins and owners, admins for the roles below).
pub async fn set_role(app: &App, caller: &Caller, user: UserId, role: Role) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let current = app.store.member_role(caller.org, user).await?;
    if !may_assign(caller.role, Some(current), role) {
        return Err(AppError::Forbidden);
    }
    let audit = Audit {
        actor: &caller.actor,
        action: "member.role",
        target: format!("user:{user}"),
        detail: serde_json::json!({"from": current.as_str(), "to": role.as_str()}),
    };
    app.store.set_member_roles(caller.org, &[(user, role)], &audit).await.map_err(conflict)?;
    app.tokens.clear();
    Ok(())
}

/// Hands ownership to another member: they become an owner and the caller an admin, together.
pub async fn transfer_ownership(app: &App, caller: &Caller, to: UserId) -> AppResult<()> {
    let me = user_of(caller)?;
    if caller.role != Role::Owner {
        return Err(AppError::Forbidden);
    }
    if me == to {
        return Err(AppError::invalid("user", "choose another member"));
    }
    app.store.member_role(caller.org, to).await?;
    let audit = Audit {
        actor: &caller.actor,
        action: "org.transfer",
        target: format!("user:{to}"),
        detail: serde_json::Value::Null,
    };
    app.store.set_member_roles(caller.org, &[(to, Role::Owner), (me, Role::Admin)], &audit).await.map_err(conflict)?;
    app.tokens.clear();
    Ok(())
}

/// Removes a member, or lets the caller leave; their sessions here and their tokens stop at once.
pub async fn remove(app: &App, caller: &Caller, user: UserId) -> AppResult<()> {
    let own = caller.actor.user() == Some(user);
    if !own {
        caller.require(Permission::Administer)?;
    }
    let target = app.store.member_role(caller.org, user).await?;
    if !may_remove(caller.role, target, own) {
        return Err(AppError::Forbidden);
    }
    let audit = Audit {
        actor: &caller.actor,
        action: if own { "member.leave" } else { "member.remove" },
        target: format!("user:{user}"),
        detail: serde_json::json!({"role": target.as_str()}),
    };
    app.store.remove_member(caller.org, user, &audit).await.map_err(conflict)?;
    app.tokens.clear();
    Ok(())
}

fn conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::invalid("role", m),
        e => e.into(),
    }
}

/// Changes one's own password: the current one is required, and every other session of the user ends.
pub async fn change_password(app: &App, session: &SessionInfo, current: &str, new: &str) -> AppResult<()> {
    confirm_password(app, session, current, "current").await?;
    check_password(new, "password")?;
    let actor = Actor::User { id: session.user, email: session.email.clone() };
    let audit = Audit {
        actor: &actor,
        action: "user.password",
        target: format!("user:{}", session.email),
        detail: serde_json::Value::Null,
    };
    app.store.set_password(session.user, &hash_password(new)?, Some(&session.id_hash), &audit).await?;
    Ok(())
}

/// Checks a signed-in member's own password before a change to their account; a wrong one is `Invalid`
/// naming `field`, throttled like sign-in (the session alone must not be enough to guess with).
pub(crate) async fn confirm_password(app: &App, session: &SessionInfo, password: &str, field: &str) -> AppResult<()> {
    let key = format!("email:{}", session.email);
    if !app.login_throttle.check(&key) {
        return Err(AppError::TooManyRequests);
    }
    let hash = app.store.password_hash(session.user).await?;
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    if !ok {
        app.login_throttle.fail(&key);
        return Err(AppError::invalid(field, "is not your current password"));
    }
    Ok(())
}

/// One's own live sessions, in every organisation.
pub async fn sessions(app: &App, session: &SessionInfo) -> AppResult<Vec<OwnSession>> {
    Ok(app.store.own_sessions(session.user).await?)
}

/// Ends one of one's own sessions (`id`: the hex of its hash), or all others with `None`.
pub async fn end_sessions(app: &App, session: &SessionInfo, id: Option<&str>) -> AppResult<u64> {
    match id {
        Some(hex) => {
            let bytes = decode_hex(hex).ok_or_else(|| AppError::invalid("session", "unknown session"))?;
            Ok(app.store.end_sessions(session.user, Some(&bytes), None).await?)
        }
        None => Ok(app.store.end_sessions(session.user, None, Some(&session.id_hash)).await?),
    }
}

pub fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

/// The caller's organisations with their roles, for the picker.
pub async fn organisations(app: &App, session: &SessionInfo) -> AppResult<Vec<(OrgId, String, Role)>> {
    Ok(app.store.user_orgs(session.user).await?)
}

/// Moves the current session to another of the user's organisations.
pub async fn switch(app: &App, session: &SessionInfo, org: OrgId) -> AppResult<()> {
    app.store.switch_session(&session.id_hash, session.user, org).await.map_err(|e| match e {
        StoreError::NotFound => AppError::NotFound,
        e => e.into(),
    })
}

/// Asks for a reset link. Always `Ok` for a well-formed address, whether or not it has an account (the
/// mail is sent in the background); `TooManyRequests` when the client asks too often.
pub async fn forgot_password(app: &std::sync::Arc<App>, email: &str, client: &str) -> AppResult<()> {
    let email = valid_email(email)?;
    let key = format!("reset:{client}");
    if !app.login_throttle.check(&key) {
        return Err(AppError::TooManyRequests);
    }
    // Every request counts against the client, as a failed sign-in does.
    app.login_throttle.fail(&key);
    let app = std::sync::Arc::clone(app);
    tokio::spawn(async move {
        if let Err(e) = send_reset(&app, &email).await {
            tracing::warn!(error = %e, "a password-reset mail was not sent");
        }
    });
    Ok(())
}

async fn send_reset(app: &App, email: &str) -> AppResult<()> {
    let Some(user) = app.store.user_by_email(email).await? else { return Ok(()) };
    let since = polku_store::now() - time::Duration::hours(1);
    if app.store.recent_links(email, LinkKind::Reset, since).await? >= RESETS_PER_HOUR {
        return Ok(());
    }
    // The first of the user's organisations that can send mail.
    let mut via = None;
    for (org, _, _) in app.store.user_orgs(UserId(user.id)).await? {
        if app.store.notification_settings(org).await?.and_then(|s| s.smtp).is_some() {
            via = Some(org);
            break;
        }
    }
    let Some(org) = via else {
        tracing::warn!("a password reset was asked for an account none of whose organisations has SMTP set up");
        return Ok(());
    };
    let secret = random_secret("pr_");
    let actor = Actor::System("password-reset");
    let audit = Audit {
        actor: &actor,
        action: "user.reset_requested",
        target: format!("user:{email}"),
        detail: serde_json::Value::Null,
    };
    let locale = Locale::parse(&user.locale).unwrap_or_default();
    let expires = polku_store::now() + RESET_TTL;
    app.store.create_access_link(&sha256(&secret), LinkKind::Reset, email, None, None, locale, expires, &audit).await?;
    let url = link(app, "password/reset", &secret);
    let mail = AccessMail { kind: LinkKind::Reset, organisation: "", inviter: "", existing: true, link: &url };
    send(app, org, email, locale, &mail).await
}

/// Whether a reset link is live (for its page).
pub async fn reset_link_live(app: &App, secret: &str) -> AppResult<Locale> {
    let l = app.store.access_link(&sha256(secret), LinkKind::Reset).await?.ok_or(AppError::NotFound)?;
    Ok(l.locale)
}

/// Sets a new password through a reset link; every session of the account ends.
pub async fn reset_password(app: &App, secret: &str, password: &str) -> AppResult<()> {
    check_password(password, "password")?;
    let actor = Actor::System("password-reset");
    let audit = Audit { actor: &actor, action: "user.reset", target: String::new(), detail: serde_json::Value::Null };
    app.store.reset_password(&sha256(secret), &hash_password(password)?, &audit).await.map_err(|e| match e {
        StoreError::NotFound => AppError::NotFound,
        e => e.into(),
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_round_trip_as_hex_and_nothing_else_is_read() {
        let hash = sha256("ps_x");
        assert_eq!(decode_hex(&encode_hex(&hash)), Some(hash));
        for bad in ["", "zz", &"g".repeat(64), &"ä".repeat(32)] {
            assert_eq!(decode_hex(bad), None, "{bad}");
        }
    }
}
