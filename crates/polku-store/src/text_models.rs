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

/// Bumps `$org`'s text-model revision in the open transaction `$tx`.
macro_rules! bump_revision {
    ($tx:ident, $org:expr) => {
        sqlx::query(
            "INSERT INTO text_model_revisions (org_id, revision) VALUES ($1, 1)
             ON CONFLICT (org_id) DO UPDATE SET revision = text_model_revisions.revision + 1",
        )
        .bind($org.0)
        .execute(&mut *$tx)
        .await?
    };
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

    /// The revision of `org`'s text models, bumped by every change; `None` while it has none of its own (it
    /// uses the defaults). Cheap, to tell a cached analyzer from a stale one.
    pub async fn text_models_version(&self, org: OrgId) -> Result<Option<i64>> {
        let row: Option<(i64, i64)> = db!(self, p => sqlx::query_as(
            "SELECT r.revision, (SELECT COUNT(*) FROM text_models m WHERE m.org_id = r.org_id)
             FROM text_model_revisions r WHERE r.org_id = $1",
        )
        .bind(org.0)
        .fetch_optional(p)
        .await)?;
        Ok(row.filter(|(_, n)| *n > 0).map(|(revision, _)| revision))
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
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query(
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
            .execute(&mut *tx)
            .await?;
            bump_revision!(tx, org);
            tx.commit().await
        })?;
        Ok(())
    }

    /// Goes back to the default `kind` for `lang`; returns whether `org` had its own.
    pub async fn delete_text_model(&self, org: OrgId, kind: &str, lang: &str) -> Result<bool> {
        Ok(db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let deleted = sqlx::query("DELETE FROM text_models WHERE org_id = $1 AND kind = $2 AND lang = $3")
                .bind(org.0)
                .bind(kind)
                .bind(lang)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
            if deleted {
                bump_revision!(tx, org);
            }
            tx.commit().await.map(|_| deleted)
        })?)
    }
}

#[cfg(test)]
mod tests {
    /// Every change moves the revision, whatever the clocks say; no models of its own is `None`; nothing
    /// leaks to another organisation.
    #[tokio::test]
    async fn every_change_moves_the_revision() {
        for (backend, store) in crate::testing::fresh_stores().await {
            let st =
                crate::testing::story(&store, serde_json::json!([{"key": "why", "type": "text", "text": {"fi": "?"}}]))
                    .await;
            assert_eq!(store.text_models_version(st.org).await.unwrap(), None, "{backend}");
            store.put_text_model(st.org, "taxonomy", "fi", "a", None).await.unwrap();
            let first = store.text_models_version(st.org).await.unwrap();
            store.put_text_model(st.org, "lexicon", "fi", "b", None).await.unwrap();
            store.put_text_model(st.org, "lexicon", "fi", "b", None).await.unwrap();
            let third = store.text_models_version(st.org).await.unwrap();
            assert!(first.is_some() && third > first, "{backend}: {first:?} {third:?}");
            assert!(store.delete_text_model(st.org, "lexicon", "fi").await.unwrap());
            assert!(!store.delete_text_model(st.org, "lexicon", "fi").await.unwrap(), "already gone");
            let fourth = store.text_models_version(st.org).await.unwrap();
            assert!(fourth > third, "{backend}");
            assert_eq!(store.text_models(st.other).await.unwrap().len(), 0);
            assert_eq!(store.text_models_version(st.other).await.unwrap(), None);
            assert!(store.delete_text_model(st.org, "taxonomy", "fi").await.unwrap());
            assert_eq!(store.text_models_version(st.org).await.unwrap(), None, "{backend}: back to the defaults");
        }
    }
}
