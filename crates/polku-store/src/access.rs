//! Membership changes, a member's own sessions and password, and the single-use links of invitations and
//! password resets.
//!
//! Role changes and removals run in a write transaction that locks the organisation's owner rows and
//! fails with `Conflict` if no owner would remain, so two owners demoting each other at once cannot leave
//! the organisation without one. A removed member's sessions in that organisation, and the API tokens they
//! created there, end in the same transaction; a demoted member's tokens above their new role are revoked
//! (sessions read the role afresh on every request, so they follow at once).

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, dialect, now};
use polku_domain::access::LinkKind;
use polku_domain::role::Role;
use polku_domain::{Locale, OrgId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// One of a member's own sessions, as listed to them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwnSession {
    pub id_hash: Vec<u8>,
    pub org_name: String,
    pub client: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A live invitation or reset link.
#[derive(Clone, Debug)]
pub struct AccessLink {
    pub kind: LinkKind,
    pub email: String,
    pub org: Option<OrgId>,
    pub role: Option<Role>,
    pub locale: Locale,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    kind: String,
    email: String,
    org_id: Option<Uuid>,
    role: Option<String>,
    locale: String,
}

impl TryFrom<LinkRow> for AccessLink {
    type Error = StoreError;
    fn try_from(r: LinkRow) -> Result<AccessLink> {
        Ok(AccessLink {
            kind: LinkKind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt(format!("link kind {}", r.kind)))?,
            email: r.email,
            org: r.org_id.map(OrgId),
            role: r
                .role
                .as_deref()
                .map(|s| Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("role {s}"))))
                .transpose()?,
            locale: Locale::parse(&r.locale).unwrap_or_default(),
        })
    }
}

/// A new account made by accepting an invitation.
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub password_hash: &'a str,
}

/// The organisation's owners, locked until the transaction ends.
fn owner_rows(backend: crate::Backend) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "SELECT m.user_id FROM memberships m WHERE m.org_id = $1 AND m.role = 'owner'{}",
        dialect::row_lock(backend, "m")
    ))
}

impl Store {
    /// A member's role in `org`, or `NotFound`.
    pub async fn member_role(&self, org: OrgId, user: UserId) -> Result<Role> {
        let role: Option<String> = db!(self, p => sqlx::query_scalar(
            "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2",
        )
        .bind(org.0)
        .bind(user.0)
        .fetch_optional(p)
        .await)?;
        let role = role.ok_or(StoreError::NotFound)?;
        Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))
    }

    /// Sets members' roles together (a transfer of ownership is two changes), revoking each demoted
    /// member's tokens above the new role. `Conflict` if the organisation would be left without an owner.
    pub async fn set_member_roles(&self, org: OrgId, changes: &[(UserId, Role)], by: &Audit<'_>) -> Result<()> {
        let backend = self.backend();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(backend)).await?;
            sqlx::query(owner_rows(backend))
                .bind(org.0)
                .fetch_all(&mut *tx)
                .await?;
            for (user, role) in changes {
                let r = sqlx::query("UPDATE memberships SET role = $1 WHERE org_id = $2 AND user_id = $3")
                    .bind(role.as_str())
                    .bind(org.0)
                    .bind(user.0)
                    .execute(&mut *tx)
                    .await?;
                if r.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                // Tokens carry their role: those above the new one go (owner < admin < … in `Role`'s order).
                let stronger: Vec<&str> = Role::ALL.iter().filter(|r| **r < *role).map(|r| r.as_str()).collect();
                for r in stronger {
                    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND created_by = $3 AND role = $4 AND revoked_at IS NULL")
                        .bind(now())
                        .bind(org.0)
                        .bind(user.0)
                        .bind(r)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let owners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'owner'")
                .bind(org.0)
                .fetch_one(&mut *tx)
                .await?;
            if owners == 0 {
                return Err(StoreError::Conflict("the organisation must keep at least one owner".into()));
            }
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Removes a member: their membership, team places, compensation limit, sessions in `org` and the
    /// tokens they created there. `Conflict` if they are the last owner.
    pub async fn remove_member(&self, org: OrgId, user: UserId, by: &Audit<'_>) -> Result<()> {
        let backend = self.backend();
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(backend)).await?;
            let owners: Vec<Uuid> = sqlx::query_scalar(owner_rows(backend))
                .bind(org.0)
                .fetch_all(&mut *tx)
                .await?;
            if owners == [user.0] {
                return Err(StoreError::Conflict("the last owner cannot leave; make someone else an owner first".into()));
            }
            let r = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
                .bind(org.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            if r.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            for sql in [
                "DELETE FROM sessions WHERE org_id = $1 AND user_id = $2",
                "DELETE FROM team_members WHERE org_id = $1 AND user_id = $2",
                "DELETE FROM compensation_limits WHERE org_id = $1 AND user_id = $2",
            ] {
                sqlx::query(sql).bind(org.0).bind(user.0).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE org_id = $2 AND created_by = $3 AND revoked_at IS NULL")
                .bind(now())
                .bind(org.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user's live sessions in every organisation, newest first.
    pub async fn own_sessions(&self, user: UserId) -> Result<Vec<OwnSession>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT s.id_hash, o.name AS org_name, s.client, s.created_at, s.expires_at
             FROM sessions s JOIN organisations o ON o.id = s.org_id
             WHERE s.user_id = $1 AND s.expires_at > $2 ORDER BY s.created_at DESC",
        )
        .bind(user.0)
        .bind(now())
        .fetch_all(p)
        .await)?)
    }

    /// Ends the user's sessions: one (`only`), or all but `keep`. Returns how many ended.
    pub async fn end_sessions(&self, user: UserId, only: Option<&[u8]>, keep: Option<&[u8]>) -> Result<u64> {
        let r = db!(self, p => match only {
            Some(id) => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2").bind(user.0).bind(id).execute(p).await,
            None => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user.0)
                .bind(keep.unwrap_or_default())
                .execute(p)
                .await,
        }
        .map(|r| r.rows_affected()))?;
        Ok(r)
    }

    pub async fn password_hash(&self, user: UserId) -> Result<String> {
        let hash: Option<String> = db!(self, p => sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(p)
            .await)?;
        hash.ok_or(StoreError::NotFound)
    }

    /// Sets a password and ends every session of the user but `keep`, in one transaction.
    pub async fn set_password(&self, user: UserId, hash: &str, keep: Option<&[u8]>, by: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user.0).execute(&mut *tx).await?;
            if r.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                .bind(user.0)
                .bind(keep.unwrap_or_default())
                .execute(&mut *tx)
                .await?;
            // A reset link or a half-done sign-in made with the old password must not outlive it.
            sqlx::query(
                "UPDATE access_links SET used_at = $1 WHERE email = (SELECT email FROM users WHERE id = $2) \
                 AND kind IN ('reset', 'second_factor') AND used_at IS NULL",
            )
            .bind(now())
            .bind(user.0)
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, Option::<Uuid>::None, by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Points a session at another of its user's organisations. `NotFound` unless the user is a member.
    pub async fn switch_session(&self, id_hash: &[u8], user: UserId, org: OrgId) -> Result<()> {
        let r = db!(self, p => sqlx::query(
            "UPDATE sessions SET org_id = $1 WHERE id_hash = $2 AND user_id = $3
               AND EXISTS (SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $3)",
        )
        .bind(org.0)
        .bind(id_hash)
        .bind(user.0)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
        if r == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// The organisations a user belongs to with their names and roles, by name.
    pub async fn user_orgs(&self, user: UserId) -> Result<Vec<(OrgId, String, Role)>> {
        let rows: Vec<(Uuid, String, String)> = db!(self, p => sqlx::query_as(
            "SELECT o.id, o.name, m.role FROM memberships m JOIN organisations o ON o.id = m.org_id
             WHERE m.user_id = $1 ORDER BY o.name",
        )
        .bind(user.0)
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(o, n, r)| {
                Ok((OrgId(o), n, Role::parse(&r).ok_or_else(|| StoreError::Corrupt(format!("role {r}")))?))
            })
            .collect()
    }

    /// Stores a new invitation or reset link (its secret's hash), valid until `expires_at`.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_access_link(
        &self,
        id_hash: &[u8],
        kind: LinkKind,
        email: &str,
        org: Option<OrgId>,
        role: Option<Role>,
        locale: Locale,
        expires_at: OffsetDateTime,
        by: &Audit<'_>,
    ) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO access_links (id_hash, kind, email, org_id, role, created_by, locale, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id_hash)
            .bind(kind.as_str())
            .bind(email)
            .bind(org.map(|o| o.0))
            .bind(role.map(Role::as_str))
            .bind(by.actor.user().map(|u| u.0))
            .bind(locale.as_str())
            .bind(now())
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.map(|o| o.0), by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The link with this hash if it is of `kind`, unused and not expired.
    pub async fn access_link(&self, id_hash: &[u8], kind: LinkKind) -> Result<Option<AccessLink>> {
        let row: Option<LinkRow> = db!(self, p => sqlx::query_as(
            "SELECT kind, email, org_id, role, locale FROM access_links
             WHERE id_hash = $1 AND kind = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(id_hash)
        .bind(kind.as_str())
        .bind(now())
        .fetch_optional(p)
        .await)?;
        row.map(AccessLink::try_from).transpose()
    }

    /// Uses an invitation: marks it used and makes its address a member, creating the account when
    /// `account` is given (a new person) — all or nothing. `NotFound` if the link is used, expired or
    /// unknown; `Conflict` if the person is already a member.
    pub async fn accept_invitation(
        &self,
        id_hash: &[u8],
        account: Option<NewAccount<'_>>,
        by: &Audit<'_>,
    ) -> Result<(UserId, OrgId)> {
        let link = self.access_link(id_hash, LinkKind::Invitation).await?.ok_or(StoreError::NotFound)?;
        let (org, role) =
            link.org.zip(link.role).ok_or_else(|| StoreError::Corrupt("invitation without organisation".into()))?;
        let backend = self.backend();
        let user = db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(backend)).await?;
            let used = sqlx::query("UPDATE access_links SET used_at = $1 WHERE id_hash = $2 AND used_at IS NULL AND expires_at > $1")
                .bind(now())
                .bind(id_hash)
                .execute(&mut *tx)
                .await?;
            if used.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let existing: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(&link.email)
                .fetch_optional(&mut *tx)
                .await?;
            let user = match (existing, account) {
                (Some(u), None) => u,
                // The account appeared after the caller checked (a race): joining it now would attach an
                // account whose password nobody gave.
                (Some(_), Some(_)) => {
                    return Err(StoreError::Conflict("an account with this address was just made; open the invitation again".into()));
                }
                (None, Some(a)) => {
                    let id = Uuid::new_v4();
                    sqlx::query("INSERT INTO users (id, email, name, password_hash, locale, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(id)
                        .bind(&link.email)
                        .bind(a.name)
                        .bind(a.password_hash)
                        .bind(link.locale.as_str())
                        .bind(now())
                        .execute(&mut *tx)
                        .await?;
                    id
                }
                (None, None) => return Err(StoreError::Conflict("the invitation is for a new account".into())),
            };
            let member: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
                .bind(org.0)
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
            if member.is_some() {
                return Err(StoreError::Conflict("already a member of this organisation".into()));
            }
            sqlx::query("INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
                .bind(org.0)
                .bind(user)
                .bind(role.as_str())
                .bind(now())
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
            user
        });
        Ok((UserId(user), org))
    }

    /// Uses a reset link: sets the password of the address's account and ends all its sessions, at once.
    /// `NotFound` if the link is used, expired or unknown, or the account is gone.
    pub async fn reset_password(&self, id_hash: &[u8], password_hash: &str, by: &Audit<'_>) -> Result<UserId> {
        let backend = self.backend();
        let user = db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(backend)).await?;
            let email: Option<String> = sqlx::query_scalar(
                "UPDATE access_links SET used_at = $1 WHERE id_hash = $2 AND kind = 'reset' AND used_at IS NULL AND expires_at > $1 RETURNING email",
            )
            .bind(now())
            .bind(id_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let email = email.ok_or(StoreError::NotFound)?;
            let user: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(user).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
            // Other reset links of the address and half-done sign-ins stop too: the one used is the one that
            // counts, and a wait opened with the old password must not outlive it.
            sqlx::query(
                "UPDATE access_links SET used_at = $1 WHERE email = $2 AND kind IN ('reset', 'second_factor') AND used_at IS NULL",
            )
                .bind(now())
                .bind(&email)
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, Option::<Uuid>::None, by)?;
            tx.commit().await?;
            user
        });
        Ok(UserId(user))
    }

    /// How many links of `kind` were made for `email` since `since` (a reset flood is refused).
    pub async fn recent_links(&self, email: &str, kind: LinkKind, since: OffsetDateTime) -> Result<i64> {
        Ok(
            db!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM access_links WHERE email = $1 AND kind = $2 AND created_at > $3")
            .bind(email)
            .bind(kind.as_str())
            .bind(since)
            .fetch_one(p)
            .await)?,
        )
    }
}

/// A member's two-factor state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TwoFactor {
    /// The TOTP secret (base32), if set up.
    pub totp_secret: Option<String>,
    /// The last time step accepted.
    pub totp_last_step: i64,
}

impl Store {
    pub async fn two_factor(&self, user: UserId) -> Result<TwoFactor> {
        let row: Option<TwoFactor> = db!(self, p => sqlx::query_as("SELECT totp_secret, totp_last_step FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(p)
            .await)?;
        let mut row = row.ok_or(StoreError::NotFound)?;
        // Sealed like the other secrets (see `sealed`): a leaked database alone gives no second factor.
        row.totp_secret =
            row.totp_secret.map(|s| self.sealer.open("totp_secret", &s)).transpose().map_err(StoreError::Corrupt)?;
        Ok(row)
    }

    /// Turns two-factor sign-in on with `secret`, the step its confirming code used, and new recovery codes
    /// (their hashes), replacing any earlier ones. Every session of the user but `keep` ends: one opened
    /// without the second factor should not outlive its coming.
    #[allow(clippy::too_many_arguments)]
    pub async fn enable_two_factor(
        &self,
        user: UserId,
        secret: &str,
        step: i64,
        codes: &[Vec<u8>],
        keep: &[u8],
        by: &Audit<'_>,
    ) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2").bind(user.0).bind(keep).execute(&mut *tx).await?;
            sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
                .bind(self.sealer.seal("totp_secret", secret))
                .bind(step)
                .bind(user.0)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            for code in codes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user.0)
                    .bind(code)
                    .execute(&mut *tx)
                    .await?;
            }
            audit!(&mut *tx, Option::<Uuid>::None, by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn disable_two_factor(&self, user: UserId, by: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query("UPDATE users SET totp_secret = NULL WHERE id = $1").bind(user.0).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.0).execute(&mut *tx).await?;
            audit!(&mut *tx, Option::<Uuid>::None, by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records `step` as used if it is later than the last one accepted; false if it was already used
    /// (RFC 6238 §5.2: a code is accepted once).
    pub async fn accept_totp_step(&self, user: UserId, step: i64) -> Result<bool> {
        let r = db!(self, p => sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
            .bind(step)
            .bind(user.0)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(r == 1)
    }

    /// Uses a recovery code (by hash); false if it is unknown or used.
    pub async fn use_recovery_code(&self, user: UserId, hash: &[u8]) -> Result<bool> {
        let r = db!(self, p => sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
            .bind(now())
            .bind(user.0)
            .bind(hash)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(r == 1)
    }

    /// How many unused recovery codes the user has left.
    pub async fn recovery_codes_left(&self, user: UserId) -> Result<i64> {
        Ok(
            db!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
            .bind(user.0)
            .fetch_one(p)
            .await)?,
        )
    }

    /// Counts one code tried against an open second-factor wait and returns its address and the count so
    /// far (this one included), or `None` if the wait is used, expired or unknown. Counting and checking in
    /// one statement is what bounds parallel guesses: each sees its own number.
    pub async fn second_factor_attempt(&self, id_hash: &[u8]) -> Result<Option<(String, i64)>> {
        let row: Option<(String, i32)> = db!(self, p => sqlx::query_as(
            "UPDATE access_links SET attempts = attempts + 1
             WHERE id_hash = $2 AND kind = 'second_factor' AND used_at IS NULL AND expires_at > $1
             RETURNING email, attempts",
        )
        .bind(now())
        .bind(id_hash)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|(email, n)| (email, i64::from(n))))
    }

    /// Uses a second-factor wait (marks it used); the address it was for, or `None` if used or expired.
    pub async fn take_second_factor(&self, id_hash: &[u8]) -> Result<Option<String>> {
        Ok(db!(self, p => sqlx::query_scalar(
            "UPDATE access_links SET used_at = $1 WHERE id_hash = $2 AND kind = 'second_factor' AND used_at IS NULL AND expires_at > $1 RETURNING email",
        )
        .bind(now())
        .bind(id_hash)
        .fetch_optional(p)
        .await)?)
    }

    pub async fn set_require_two_factor(&self, org: OrgId, on: bool, by: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(dialect::begin_write(self.backend())).await?;
            sqlx::query("UPDATE organisations SET require_totp = $1 WHERE id = $2").bind(on).bind(org.0).execute(&mut *tx).await?;
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn requires_two_factor(&self, org: OrgId) -> Result<bool> {
        Ok(db!(self, p => sqlx::query_scalar("SELECT require_totp FROM organisations WHERE id = $1")
            .bind(org.0)
            .fetch_one(p)
            .await)?)
    }
}
