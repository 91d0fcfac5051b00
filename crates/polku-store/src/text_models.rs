//! Organisations' own lexicons and taxonomies (`text_models`).

use crate::{Result, Store, db};
use polku_domain::{OrgId, UserId};
use time::OffsetDateTime;

/// One stored lexicon or taxonomy.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TextModel {
    /// `lexicon` or `taxonomy`.
    pub kind: String,
    pub lang: String,
    pub body: String,
    pub updated_at: OffsetDateTime,
}

impl Store {
    /// Every lexicon and taxonomy `org` has of its own.
    pub async fn text_models(&self, org: OrgId) -> Result<Vec<TextModel>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT kind, lang, body, updated_at FROM text_models WHERE org_id = $1 ORDER BY kind, lang",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// When `org` last changed a lexicon or taxonomy (none: it uses the defaults), to tell a cached analyzer
    /// from a stale one cheaply.
    pub async fn text_models_version(&self, org: OrgId) -> Result<Option<(OffsetDateTime, i64)>> {
        let row: (Option<OffsetDateTime>, i64) = db!(self, p => sqlx::query_as(
            "SELECT MAX(updated_at), COUNT(*) FROM text_models WHERE org_id = $1",
        )
        .bind(org.0)
        .fetch_one(p)
        .await)?;
        Ok(row.0.map(|at| (at, row.1)))
    }

    /// Stores (or replaces) `org`'s own `kind` for `lang`. The body must have been checked.
    pub async fn put_text_model(
        &self,
        org: OrgId,
        kind: &str,
        lang: &str,
        body: &str,
        by: Option<UserId>,
    ) -> Result<()> {
        db!(self, p => sqlx::query(
            "INSERT INTO text_models (org_id, kind, lang, body, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_id, kind, lang) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at,
                 updated_by = excluded.updated_by",
        )
        .bind(org.0)
        .bind(kind)
        .bind(lang)
        .bind(body)
        .bind(crate::now())
        .bind(by.map(|u| u.0))
        .execute(p)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Goes back to the default `kind` for `lang`; returns whether `org` had its own.
    pub async fn delete_text_model(&self, org: OrgId, kind: &str, lang: &str) -> Result<bool> {
        Ok(db!(self, p => sqlx::query("DELETE FROM text_models WHERE org_id = $1 AND kind = $2 AND lang = $3")
            .bind(org.0)
            .bind(kind)
            .bind(lang)
            .execute(p)
            .await
            .map(|r| r.rows_affected() > 0))?)
    }
}
