//! Follow-ups of resolved cases (migration 0015): made in the resolving transaction (`move_case`), sent
//! when due (the invitation goes through the notifications outbox), answered once through their link.
//!
//! One follow-up per case (`ON CONFLICT (case_id) DO NOTHING`), so reopening and resolving again keeps the
//! first. `start_due_follow_ups` marks due ones sent with one `UPDATE … WHERE sent_at IS NULL AND
//! answered_at IS NULL AND email IS NOT NULL … RETURNING` (only while the case is resolved or closed and
//! the organisation has an SMTP server) and queues their invitations (event `follow_up`) in the same
//! transaction, so each is sent once whichever node runs it. An answer is stored once
//! (`WHERE answered_at IS NULL`).

use crate::{Result, Store, StoreError, db};
use polku_domain::{CaseId, OrgId, QuestionId, SurveyId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A follow-up to make when a case is resolved.
#[derive(Clone, Debug)]
pub struct NewFollowUp {
    pub survey: SurveyId,
    pub question: QuestionId,
    /// `nps`, `csat` or `ces`.
    pub kind: String,
    pub original: Option<i16>,
    pub locale: String,
    pub email: Option<String>,
    pub token: String,
    pub due_at: OffsetDateTime,
}

/// A follow-up as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FollowUpRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub case_id: Uuid,
    pub survey_id: Uuid,
    pub question_id: Uuid,
    pub kind: String,
    pub original_score: Option<i64>,
    pub locale: String,
    pub email: Option<String>,
    pub token: String,
    pub due_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
    pub score: Option<i64>,
    pub comment: Option<String>,
    pub answered_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    /// When the customer first answered (the case's response).
    pub first_answered_at: OffsetDateTime,
    pub organisation: String,
}

/// A follow-up as the statistics see it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FollowUpStat {
    pub team: Option<String>,
    pub rule: String,
    pub created_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
    pub kind: String,
    pub original_score: Option<i64>,
    pub score: Option<i64>,
}

const COLUMNS: &str =
    "f.id, f.org_id, f.case_id, f.survey_id, f.question_id, f.kind, f.original_score, f.locale, f.email,
    f.token, f.due_at, f.sent_at, f.score, f.comment, f.answered_at, f.created_at, p.submitted_at AS first_answered_at,
    o.name AS organisation
    FROM follow_ups f JOIN cases c ON c.id = f.case_id JOIN responses p ON p.id = c.response_id
    JOIN organisations o ON o.id = f.org_id";

/// Makes the follow-up of case `$case` of `$org` in the open transaction `$tx` (nothing if it has one:
/// a case resolved again after reopening keeps its first follow-up).
macro_rules! insert_follow_up {
    ($tx:ident, $org:expr, $case:expr, $f:expr, $now:expr) => {{
        let f: &$crate::followups::NewFollowUp = $f;
        sqlx::query(
            "INSERT INTO follow_ups (id, org_id, case_id, rule_id, team_id, survey_id, question_id, kind, original_score,
               locale, email, token, due_at, created_at)
             SELECT $1, c.org_id, c.id, c.rule_id, c.team_id, $2, $3, $4, $5, $6, $7, $8, $9, $10
             FROM cases c WHERE c.id = $11 AND c.org_id = $12
             ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(f.survey.0)
        .bind(f.question.0)
        .bind(&f.kind)
        .bind(f.original.map(i64::from))
        .bind(&f.locale)
        .bind(&f.email)
        .bind(&f.token)
        .bind(f.due_at)
        .bind($now)
        .bind($case)
        .bind($org.0)
        .execute(&mut *$tx)
        .await?;
    }};
}
pub(crate) use insert_follow_up;

impl Store {
    /// The follow-up of a case of `org`, if it has one.
    pub async fn follow_up_for_case(&self, org: OrgId, case: CaseId) -> Result<Option<FollowUpRecord>> {
        let sql = format!("SELECT {COLUMNS} WHERE f.case_id = $1 AND f.org_id = $2");
        Ok(
            db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(case.0).bind(org.0).fetch_optional(p).await)?,
        )
    }

    /// The follow-up behind a link (any organisation: the token is the key).
    pub async fn follow_up_by_token(&self, token: &str) -> Result<FollowUpRecord> {
        let sql = format!("SELECT {COLUMNS} WHERE f.token = $1");
        db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(token).fetch_optional(p).await)?
            .ok_or(StoreError::NotFound)
    }

    /// Sends the invitations due at `now`: for each follow-up not yet sent or answered, with an address, of a
    /// case still resolved or closed, in an organisation with an SMTP server, it marks it sent and queues
    /// the e-mail in the same transaction. The rest wait (an SMTP server set up later still sends them; a
    /// follow-up without an address is answered through its link, handed over). Every node may run it:
    /// each is sent once.
    pub async fn start_due_follow_ups(&self, now: OffsetDateTime) -> Result<usize> {
        let sql = format!(
            "UPDATE follow_ups SET sent_at = $1
             WHERE sent_at IS NULL AND answered_at IS NULL AND email IS NOT NULL AND {} <= {}
               AND EXISTS (SELECT 1 FROM notification_settings s WHERE s.org_id = follow_ups.org_id AND s.smtp_host IS NOT NULL)
               AND EXISTS (SELECT 1 FROM cases c WHERE c.id = follow_ups.case_id AND c.status IN ('resolved', 'closed'))
             RETURNING id",
            crate::dialect::instant(self.backend(), "due_at"),
            crate::dialect::instant(self.backend(), "$1")
        );
        let sent = db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let rows: Vec<(Uuid,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            for chunk in rows.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO notifications (org_id, case_id, event, channel, recipient, locale, status, attempts, next_attempt_at, created_at)
                     SELECT f.org_id, f.case_id, 'follow_up', 'email', f.email, f.locale, 'pending', 0, ",
                );
                qb.push_bind(now).push(", ").push_bind(now);
                qb.push(
                    " FROM follow_ups f WHERE f.id IN (",
                );
                let mut list = qb.separated(", ");
                for (id,) in chunk {
                    list.push_bind(*id);
                }
                qb.push(")");
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(rows.len())
        })?;
        Ok(sent)
    }

    /// Records the customer's answer to a follow-up, once, with an event in the case's history.
    /// `Conflict` when it was answered already.
    pub async fn answer_follow_up(
        &self,
        token: &str,
        score: i16,
        comment: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<()> {
        db!(self, p => {
            let mut tx = p.begin_with(crate::dialect::begin_write(self.backend())).await?;
            let row: Option<(Uuid, Uuid)> = sqlx::query_as(
                "UPDATE follow_ups SET score = $1, comment = $2, answered_at = $3
                 WHERE token = $4 AND answered_at IS NULL RETURNING org_id, case_id",
            )
            .bind(i64::from(score))
            .bind(comment)
            .bind(now)
            .bind(token)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((org, case)) = row else {
                return Err(StoreError::Conflict("this follow-up was answered already".into()));
            };
            crate::cases::case_history!(tx, OrgId(org), case, "follow_up", &score.to_string(), None::<UserId>, now);
            Ok::<_, StoreError>(tx.commit().await?)
        })?;
        Ok(())
    }

    /// The follow-ups of `org` made in `[from, to)`, for the recovery statistics.
    pub async fn follow_up_stats(
        &self,
        org: OrgId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<FollowUpStat>> {
        let at = |e: &str| crate::dialect::instant(self.backend(), e);
        let sql = format!(
            "SELECT tm.name AS team, r.name AS rule, f.created_at, f.due_at, f.kind, f.original_score, f.score
             FROM follow_ups f JOIN alert_rules r ON r.id = f.rule_id LEFT JOIN teams tm ON tm.id = f.team_id
             WHERE f.org_id = $1 AND {} >= {} AND {} < {}",
            at("f.created_at"),
            at("$2"),
            at("f.created_at"),
            at("$3")
        );
        Ok(db!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
        .bind(org.0)
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?)
    }
}
