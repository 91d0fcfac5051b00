//! Surveys and their versions.
//!
//! A survey's definition lives in `survey_versions`. Saving a survey that already has responses adds a new
//! version instead of editing in place, so every stored answer stays tied to the wording it answered.

use crate::audit::{Audit, audit};
use crate::{Result, Store, StoreError, db, now};
use polku_domain::survey::SurveyDefinition;
use polku_domain::{OrgId, SurveyId, VersionId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurveyStatus {
    Open,
    Closed,
}

impl SurveyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Open => "open",
            SurveyStatus::Closed => "closed",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        match s {
            "open" => Ok(SurveyStatus::Open),
            "closed" => Ok(SurveyStatus::Closed),
            other => Err(StoreError::Corrupt(format!("survey status {other}"))),
        }
    }
}

/// A survey with its current version's definition.
#[derive(Clone, Debug)]
pub struct SurveyRecord {
    pub id: SurveyId,
    pub org: OrgId,
    pub slug: String,
    pub status: SurveyStatus,
    pub version: VersionId,
    pub version_number: i64,
    pub definition: SurveyDefinition,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug)]
pub struct SurveySummary {
    pub id: SurveyId,
    pub slug: String,
    pub name: String,
    pub status: SurveyStatus,
    pub version_number: i64,
    pub created_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: Uuid,
    org_id: Uuid,
    slug: String,
    status: String,
    current_version: Uuid,
    number: i64,
    definition: String,
    created_at: OffsetDateTime,
}

impl TryFrom<SurveyRow> for SurveyRecord {
    type Error = StoreError;
    fn try_from(r: SurveyRow) -> Result<Self> {
        Ok(SurveyRecord {
            id: SurveyId(r.id),
            org: OrgId(r.org_id),
            slug: r.slug,
            status: SurveyStatus::parse(&r.status)?,
            version: VersionId(r.current_version),
            version_number: r.number,
            definition: serde_json::from_str(&r.definition)
                .map_err(|e| StoreError::Corrupt(format!("survey definition: {e}")))?,
            created_at: r.created_at,
        })
    }
}

const SELECT_SURVEY: &str =
    "SELECT s.id, s.org_id, s.slug, s.status, s.current_version, v.number, v.definition, s.created_at
     FROM surveys s JOIN survey_versions v ON v.id = s.current_version";

fn encode(def: &SurveyDefinition) -> String {
    serde_json::to_string(def).expect("a survey definition always serialises")
}

impl Store {
    pub async fn create_survey(
        &self,
        org: OrgId,
        slug: &str,
        def: &SurveyDefinition,
        by: &Audit<'_>,
    ) -> Result<(SurveyId, VersionId)> {
        let (id, version, at) = (SurveyId::new(), VersionId::new(), now());
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            sqlx::query(
                "INSERT INTO surveys (id, org_id, slug, name, status, current_version, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'open', $5, $6, $6)",
            )
            .bind(id.0)
            .bind(org.0)
            .bind(slug)
            .bind(&def.name)
            .bind(version.0)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO survey_versions (id, org_id, survey_id, number, definition, created_at) VALUES ($1, $2, $3, 1, $4, $5)",
            )
            .bind(version.0)
            .bind(org.0)
            .bind(id.0)
            .bind(encode(def))
            .bind(at)
            .execute(&mut *tx)
            .await?;
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
        });
        Ok((id, version))
    }

    /// Saves a changed definition: in place while the current version has no responses, else as a new
    /// version. Returns the version now current and whether it is new.
    pub async fn save_survey(
        &self,
        org: OrgId,
        id: SurveyId,
        def: &SurveyDefinition,
        by: &Audit<'_>,
    ) -> Result<(VersionId, bool)> {
        let at = now();
        let out = db!(self, p => {
            // Reads, then writes what it read decided: the write lock up front on SQLite (see `dialect`).
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let cur: Option<(Uuid, i64)> = sqlx::query_as(
                "SELECT s.current_version, v.number FROM surveys s JOIN survey_versions v ON v.id = s.current_version
                 WHERE s.id = $1 AND s.org_id = $2",
            )
            .bind(id.0)
            .bind(org.0)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((current, number)) = cur else { return Err(StoreError::NotFound) };
            let answered: Option<(i64,)> = sqlx::query_as("SELECT CAST(1 AS BIGINT) FROM responses WHERE org_id = $1 AND version_id = $2 LIMIT 1")
                .bind(org.0)
                .bind(current)
                .fetch_optional(&mut *tx)
                .await?;
            let out = if answered.is_some() {
                let version = VersionId::new();
                sqlx::query(
                    "INSERT INTO survey_versions (id, org_id, survey_id, number, definition, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(version.0)
                .bind(org.0)
                .bind(id.0)
                .bind(number + 1)
                .bind(encode(def))
                .bind(at)
                .execute(&mut *tx)
                .await?;
                (version, true)
            } else {
                sqlx::query("UPDATE survey_versions SET definition = $1 WHERE id = $2 AND org_id = $3")
                    .bind(encode(def))
                    .bind(current)
                    .bind(org.0)
                    .execute(&mut *tx)
                    .await?;
                (VersionId(current), false)
            };
            sqlx::query("UPDATE surveys SET name = $1, current_version = $2, updated_at = $3 WHERE id = $4 AND org_id = $5")
                .bind(&def.name)
                .bind(out.0.0)
                .bind(at)
                .bind(id.0)
                .bind(org.0)
                .execute(&mut *tx)
                .await?;
            audit!(&mut *tx, org.0, by)?;
            tx.commit().await?;
            out
        });
        Ok(out)
    }

    pub async fn set_survey_status(
        &self,
        org: OrgId,
        id: SurveyId,
        status: SurveyStatus,
        by: &Audit<'_>,
    ) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let r = sqlx::query("UPDATE surveys SET status = $1, updated_at = $2 WHERE id = $3 AND org_id = $4")
                .bind(status.as_str())
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

    pub async fn survey(&self, org: OrgId, id: SurveyId) -> Result<SurveyRecord> {
        let row: SurveyRow = db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_SURVEY} WHERE s.id = $1 AND s.org_id = $2")))
            .bind(id.0)
            .bind(org.0)
            .fetch_one(p)
            .await)?;
        row.try_into()
    }

    /// The public lookup for `/s/{slug}`: slugs are unique across organisations.
    pub async fn survey_by_slug(&self, slug: &str) -> Result<SurveyRecord> {
        let row: SurveyRow = db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_SURVEY} WHERE s.slug = $1")))
            .bind(slug)
            .fetch_one(p)
            .await)?;
        row.try_into()
    }

    /// One version's definition, e.g. to show an old answer with the wording it answered.
    pub async fn survey_version(&self, org: OrgId, version: VersionId) -> Result<SurveyDefinition> {
        let (def,): (String,) = db!(self, p => sqlx::query_as("SELECT definition FROM survey_versions WHERE id = $1 AND org_id = $2")
            .bind(version.0)
            .bind(org.0)
            .fetch_one(p)
            .await)?;
        serde_json::from_str(&def).map_err(|e| StoreError::Corrupt(format!("survey definition: {e}")))
    }

    pub async fn surveys(&self, org: OrgId) -> Result<Vec<SurveySummary>> {
        let rows: Vec<(Uuid, String, String, String, i64, OffsetDateTime)> = db!(self, p => sqlx::query_as(
            "SELECT s.id, s.slug, s.name, s.status, v.number, s.created_at
             FROM surveys s JOIN survey_versions v ON v.id = s.current_version
             WHERE s.org_id = $1 ORDER BY s.created_at",
        )
        .bind(org.0)
        .fetch_all(p)
        .await)?;
        rows.into_iter()
            .map(|(id, slug, name, status, number, created_at)| {
                Ok(SurveySummary {
                    id: SurveyId(id),
                    slug,
                    name,
                    status: SurveyStatus::parse(&status)?,
                    version_number: number,
                    created_at,
                })
            })
            .collect()
    }
}
