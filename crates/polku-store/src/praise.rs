//! The praise wall (migration 0016): positive comments whose customers let them be shared with the staff,
//! newest first, for a touchpoint or for the touchpoints a team serves.
//!
//! What a customer allowed (`polku_domain::response::Consent`: `share_internally`, `contact`; both off
//! unless given) is stored on `responses` and on each of its `comments` (`share_ok`, `contact_ok`), written
//! in the same insert. The wall reads the ids of shareable positive comments (the combined verdict, else the
//! text's) newest first along the partial index `comments_praise (org_id, submitted_at) WHERE share_ok =
//! TRUE`, for a touchpoint or the touchpoints a team serves (`team_touchpoints`), then the rows by id as the
//! inbox does. The public survey page asks only for `share_internally`: an anonymous page has no way to
//! reach the customer.

use crate::{Comment, Result, Store, StoreError, db};
use polku_domain::{OrgId, TeamId};
use uuid::Uuid;

impl Store {
    /// Up to `limit` shareable positive comments of `org` (newest first), at `touchpoint` and/or at the
    /// touchpoints `team` serves.
    pub async fn praise(
        &self,
        org: OrgId,
        team: Option<TeamId>,
        touchpoint: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Comment>> {
        let ids: Vec<(i64,)> = db!(self, p => {
            let mut qb = sqlx::QueryBuilder::new("SELECT id FROM comments WHERE org_id = ");
            qb.push_bind(org.0);
            qb.push(" AND share_ok = TRUE AND COALESCE(combined_polarity, polarity) = 'positive'");
            if let Some(tp) = touchpoint {
                qb.push(" AND touchpoint = ").push_bind(tp.to_string());
            }
            if let Some(t) = team {
                qb.push(" AND touchpoint IN (SELECT touchpoint FROM team_touchpoints WHERE team_id = ").push_bind(t.0);
                qb.push(" AND org_id = ").push_bind(org.0).push(")");
            }
            qb.push(" ORDER BY submitted_at DESC, id DESC LIMIT ").push_bind(limit);
            qb.build_query_as().fetch_all(p).await
        })?;
        let ids: Vec<i64> = ids.into_iter().map(|(id,)| id).collect();
        let mut comments = self.comments_by_id(&ids).await?;
        comments.sort_by(|a, b| b.submitted_at.cmp(&a.submitted_at).then(b.id.cmp(&a.id)));
        Ok(comments)
    }

    /// The touchpoints each team of `org` serves: (team, touchpoint), by touchpoint.
    pub async fn team_touchpoints(&self, org: OrgId) -> Result<Vec<(Uuid, String)>> {
        Ok(db!(self, p => sqlx::query_as(
            "SELECT team_id, touchpoint FROM team_touchpoints WHERE org_id = $1 ORDER BY touchpoint",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?)
    }

    /// Replaces the touchpoints a team of `org` serves.
    pub async fn set_team_touchpoints(&self, org: OrgId, team: TeamId, touchpoints: &[String]) -> Result<()> {
        let found: Option<(Uuid,)> = db!(self, p => sqlx::query_as("SELECT id FROM teams WHERE id = $1 AND org_id = $2")
            .bind(team.0)
            .bind(org.0)
            .fetch_optional(p)
            .await)?;
        found.ok_or(StoreError::NotFound)?;
        // Writes first: on SQLite a transaction that reads before it writes fails at once if another
        // connection committed in between.
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query("DELETE FROM team_touchpoints WHERE team_id = $1 AND org_id = $2")
                .bind(team.0)
                .bind(org.0)
                .execute(&mut *tx)
                .await?;
            for tp in touchpoints {
                sqlx::query("INSERT INTO team_touchpoints (team_id, org_id, touchpoint) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(team.0)
                    .bind(org.0)
                    .bind(tp)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }
}
