//! API tokens: stored as a SHA-256 hash (a token is 256 random bits, so a slow hash adds nothing), scoped
//! to one organisation and one role, revocable.

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, now};
use polku_domain::role::Role;
use polku_domain::{OrgId, TokenId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub prefix: String,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// What a presented token grants.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub id: TokenId,
    pub org: OrgId,
    pub role: Role,
}

impl Store {
    pub async fn create_token(
        &self,
        org: OrgId,
        name: &str,
        role: Role,
        hash: &[u8],
        prefix: &str,
        by: &Audit<'_>,
    ) -> Result<TokenId> {
        let id = TokenId::new();
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO api_tokens (id, org_id, name, role, token_hash, prefix, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.0)
            .bind(org.0)
            .bind(name)
            .bind(role.as_str())
            .bind(hash)
            .bind(prefix)
            .bind(now())
            // A person's token is theirs: it ends when they leave or lose the role.
            .bind(by.actor.user().map(|u| u.0))
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// The live (not revoked) token with this hash.
    pub async fn token_by_hash(&self, hash: &[u8]) -> Result<Option<TokenInfo>> {
        let row: Option<(Uuid, Uuid, String)> = db!(self, p => sqlx::query_as(
            "SELECT id, org_id, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(p)
        .await)?;
        row.map(|(id, org, role)| {
            Ok(TokenInfo {
                id: TokenId(id),
                org: OrgId(org),
                role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
            })
        })
        .transpose()
    }

    pub async fn tokens(&self, org: OrgId) -> Result<Vec<TokenRecord>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT id, name, role, prefix, created_at, revoked_at FROM api_tokens WHERE org_id = $1 ORDER BY created_at DESC",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// Revokes a token of this organisation; `NotFound` for another organisation's token.
    pub async fn revoke_token(&self, org: OrgId, id: TokenId, by: &Audit<'_>) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let r = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL")
                .bind(now())
                .bind(id.0)
                .bind(org.0)
                .execute(&mut *tx)
                .await?;
            if r.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
        });
        Ok(())
    }
}
