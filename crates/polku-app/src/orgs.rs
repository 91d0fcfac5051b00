//! Organisations, members and API tokens: the administrative use cases, for the UI, API and CLI.

use crate::auth::{Caller, hash_password, random_secret, sha256};
use crate::{App, AppError, AppResult};
use polku_domain::role::{Permission, Role};
use polku_domain::{Locale, OrgId, TokenId, UserId};
use polku_store::{Actor, Audit, TokenRecord};

pub async fn create_org(app: &App, actor: &Actor, name: &str) -> AppResult<OrgId> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::invalid("name", "must be 1–200 characters"));
    }
    let audit = Audit { actor, action: "org.create", target: format!("org:{name}"), detail: serde_json::Value::Null };
    Ok(app.store.create_org(name, &audit).await?)
}

/// Who to add to an organisation; the password is used only if the user is new.
pub struct NewMember<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub locale: Locale,
}

/// Creates a user (or finds an existing one by e-mail) and makes them a member with `role`.
pub async fn add_member(app: &App, actor: &Actor, org: OrgId, m: NewMember<'_>) -> AppResult<UserId> {
    let NewMember { email, name, password, role, locale } = m;
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(AppError::invalid("email", "must be an e-mail address"));
    }
    let user = match app.store.user_by_email(&email).await? {
        Some(u) => UserId(u.id),
        None => {
            if password.chars().count() < crate::auth::MIN_PASSWORD {
                return Err(AppError::invalid(
                    "password",
                    format!("must be at least {} characters", crate::auth::MIN_PASSWORD),
                ));
            }
            let hash = hash_password(password)?;
            let audit = Audit {
                actor,
                action: "user.create",
                target: format!("user:{email}"),
                detail: serde_json::Value::Null,
            };
            app.store.create_user(&email, name.trim(), &hash, locale, &audit).await?
        }
    };
    let audit = Audit {
        actor,
        action: "member.add",
        target: format!("user:{email}"),
        detail: serde_json::json!({"role": role.as_str()}),
    };
    app.store.add_member(org, user, role, &audit).await?;
    Ok(user)
}

/// Creates an API token and returns its secret, which is shown once and never stored.
pub async fn create_token(
    app: &App,
    actor: &Actor,
    org: OrgId,
    name: &str,
    role: Role,
) -> AppResult<(TokenId, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "must be 1–100 characters"));
    }
    if role == Role::Owner {
        return Err(AppError::invalid("role", "a token cannot be an owner"));
    }
    let secret = random_secret("pk_");
    let audit = Audit {
        actor,
        action: "token.create",
        target: format!("token:{name}"),
        detail: serde_json::json!({"role": role.as_str()}),
    };
    let id = app.store.create_token(org, name, role, &sha256(&secret), &secret[..10], &audit).await?;
    Ok((id, secret))
}

pub async fn create_token_as(app: &App, caller: &Caller, name: &str, role: Role) -> AppResult<(TokenId, String)> {
    caller.require(Permission::Administer)?;
    if role < caller.role {
        return Err(AppError::Forbidden);
    }
    create_token(app, &caller.actor, caller.org, name, role).await
}

pub async fn revoke_token(app: &App, caller: &Caller, id: TokenId) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let audit = Audit {
        actor: &caller.actor,
        action: "token.revoke",
        target: format!("token:{id}"),
        detail: serde_json::Value::Null,
    };
    app.store.revoke_token(caller.org, id, &audit).await?;
    // The cache is keyed by the secret's hash, which cannot be found from the id; revocations are rare,
    // so drop the whole cache.
    app.tokens.clear();
    Ok(())
}

pub async fn tokens(app: &App, caller: &Caller) -> AppResult<Vec<TokenRecord>> {
    caller.require(Permission::Administer)?;
    Ok(app.store.tokens(caller.org).await?)
}

pub async fn audit_log(app: &App, caller: &Caller) -> AppResult<Vec<polku_store::AuditEntry>> {
    caller.require(Permission::Administer)?;
    Ok(app.store.audit_log(caller.org, 200).await?)
}

pub async fn members(app: &App, caller: &Caller) -> AppResult<Vec<polku_store::Member>> {
    caller.require(Permission::Administer)?;
    Ok(app.store.members(caller.org).await?)
}

/// What the organisation page shows and the API returns.
#[derive(Clone, Debug)]
pub struct OrgSettings {
    pub name: String,
    pub time_zone: String,
}

pub async fn settings(app: &App, caller: &Caller) -> AppResult<OrgSettings> {
    caller.require(Permission::View)?;
    let org = app.store.org(caller.org).await?;
    Ok(OrgSettings { name: org.name, time_zone: org.time_zone })
}

/// Changes the organisation's time zone (admins). The stored days and rollups are rebuilt by the background
/// job (`run_rebuilds`) once every node's cached zone has expired; the dashboards follow when it commits.
pub async fn set_time_zone(app: &App, caller: &Caller, name: &str) -> AppResult<()> {
    caller.require(Permission::Administer)?;
    let zone = polku_domain::zone::Zone::parse(name)
        .ok_or_else(|| AppError::invalid("time_zone", "must be an IANA time zone such as Europe/Helsinki"))?;
    if *app.zone(caller.org).await? == zone {
        return Ok(());
    }
    let audit = Audit {
        actor: &caller.actor,
        action: "org.time_zone",
        target: String::new(),
        detail: serde_json::json!({"time_zone": zone.name()}),
    };
    app.store.set_time_zone(caller.org, &zone, &audit).await?;
    app.zones.remove(&caller.org);
    Ok(())
}

/// Deletes the caller's organisation and everything in it (owners only), confirmed by its name typed
/// exactly and the owner's password. Members who belong nowhere else lose their accounts too. What goes
/// is listed at `Store::delete_org`; nothing is kept but one audit row without an organisation.
pub async fn delete(
    app: &App,
    caller: &Caller,
    session: &polku_store::SessionInfo,
    name: &str,
    password: &str,
) -> AppResult<()> {
    if caller.role != Role::Owner || caller.org != session.org {
        return Err(AppError::Forbidden);
    }
    let org = app.store.org(caller.org).await?;
    if name.trim() != org.name {
        return Err(AppError::invalid("name", "type the organisation's name exactly to confirm"));
    }
    crate::members::confirm_password(app, session, password, "password").await?;
    let audit = Audit {
        actor: &caller.actor,
        action: "org.delete",
        target: format!("org:{}", caller.org),
        detail: serde_json::json!({"name": org.name}),
    };
    app.store.delete_org(caller.org, &audit).await?;
    app.tokens.clear();
    app.zones.remove(&caller.org);
    Ok(())
}

/// Rebuilds the days of every organisation whose days are not counted in its zone yet; returns how many
/// organisations were rebuilt. `polku verify` and `polku demo` run it first.
pub async fn rebuild_pending(app: &App) -> AppResult<usize> {
    let pending = app.store.pending_day_rebuilds().await?;
    for org in &pending {
        let moved = app.store.rebuild_days(*org).await?;
        tracing::info!(%org, moved, "days rebuilt in the organisation's time zone");
    }
    Ok(pending.len())
}

/// The background job on every node: finds organisations with days to rebuild, waits until no node can
/// still hold the old zone in its cache, and rebuilds them.
pub async fn run_rebuilds(app: std::sync::Arc<App>) {
    loop {
        match app.store.pending_day_rebuilds().await {
            Ok(pending) if !pending.is_empty() => {
                tokio::time::sleep(crate::cache::ZONE_TTL).await;
                if let Err(e) = rebuild_pending(&app).await {
                    tracing::error!(error = %e, "rebuilding days in a new time zone failed");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "looking for days to rebuild failed"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    }
}
