//! Users, their memberships in organisations, and sign-in sessions.
//!
//! Sessions live in the database (keyed by a hash of the cookie value, never the value itself) so that with
//! several nodes on one PostgreSQL any node can serve any request.

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, now};
use polku_domain::role::Role;
use polku_domain::{Locale, OrgId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// What sign-in needs to know about a user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserLogin {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub locale: String,
}

/// A live session with the member's current role (roles are read fresh on every request).
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub user: UserId,
    pub org: OrgId,
    pub email: String,
    pub name: String,
    pub org_name: String,
    pub role: Role,
    pub locale: Locale,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
    /// The SHA-256 of the cookie: names this session among the user's others.
    pub id_hash: Vec<u8>,
    /// The organisation requires two-factor sign-in and this member has not set it up yet.
    pub needs_two_factor: bool,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id_hash: Vec<u8>,
    needs_two_factor: bool,
    user_id: Uuid,
    org_id: Uuid,
    email: String,
    name: String,
    org_name: String,
    role: String,
    locale: String,
    csrf_token: String,
    expires_at: OffsetDateTime,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: String,
}

impl Store {
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        locale: Locale,
        by: &Audit<'_>,
    ) -> Result<UserId> {
        let id = UserId::new();
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query("INSERT INTO users (id, email, name, password_hash, locale, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id.0)
                .bind(email)
                .bind(name)
                .bind(password_hash)
                .bind(locale.as_str())
                .bind(now())
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, Option::<Uuid>::None, by)?;
            tx.commit().await?;
        });
        Ok(id)
    }

    pub async fn add_member(&self, org: OrgId, user: UserId, role: Role, by: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(org.0)
                .bind(user.0)
                .bind(role.as_str())
                .bind(now())
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn members(&self, org: OrgId) -> Result<Vec<Member>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT u.id AS user_id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = $1 ORDER BY u.email",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// E-mail comparison is case-insensitive: addresses are stored lower-case.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserLogin>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT id, email, name, password_hash, locale FROM users WHERE email = $1",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(p)
        .await)?)
    }

    /// The organisations a user belongs to, oldest membership first.
    pub async fn memberships(&self, user: UserId) -> Result<Vec<(OrgId, Role)>> {
        let rows: Vec<(Uuid, String)> = db!(self, p => sqlx::query_as(
            "SELECT org_id, role FROM memberships WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(user.0)
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(o, r)| Ok((OrgId(o), Role::parse(&r).ok_or_else(|| StoreError::Corrupt(format!("role {r}")))?)))
            .collect()
    }

    pub async fn set_user_locale(&self, user: UserId, locale: Locale) -> Result<()> {
        db!(self, p => sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale.as_str())
            .bind(user.0)
            .execute(p)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn create_session(
        &self,
        id_hash: &[u8],
        user: UserId,
        org: OrgId,
        csrf: &str,
        expires_at: OffsetDateTime,
        client: &str,
    ) -> Result<()> {
        db!(self, p => sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, org_id, csrf_token, created_at, expires_at, client) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id_hash)
        .bind(user.0)
        .bind(org.0)
        .bind(csrf)
        .bind(now())
        .bind(expires_at)
        .bind(client)
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// A session that has not expired and whose user is still a member of its organisation.
    pub async fn session(&self, id_hash: &[u8]) -> Result<Option<SessionInfo>> {
        let row: Option<SessionRow> = db!(self, p => sqlx::query_as(
            "SELECT s.id_hash, (o.require_totp AND u.totp_secret IS NULL) AS needs_two_factor, s.user_id, s.org_id, u.email, u.name, o.name AS org_name, m.role, u.locale, s.csrf_token, s.expires_at
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             JOIN organisations o ON o.id = s.org_id
             JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id
             WHERE s.id_hash = $1 AND s.expires_at > $2",
        )
        .bind(id_hash)
        .bind(now())
        .fetch_optional(p)
        .await)?;
        row.map(|r| {
            Ok(SessionInfo {
                user: UserId(r.user_id),
                org: OrgId(r.org_id),
                email: r.email,
                name: r.name,
                org_name: r.org_name,
                role: Role::parse(&r.role).ok_or_else(|| StoreError::Corrupt(format!("role {}", r.role)))?,
                locale: Locale::parse(&r.locale).unwrap_or_default(),
                csrf_token: r.csrf_token,
                expires_at: r.expires_at,
                id_hash: r.id_hash,
                needs_two_factor: r.needs_two_factor,
            })
        })
        .transpose()
    }

    pub async fn delete_session(&self, id_hash: &[u8]) -> Result<()> {
        db!(self, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> Result<u64> {
        let r = db!(self, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(r)
    }
}
