//! Follow-ups: a resolved case whose rule says so asks its customer the same question again after some days
//! — by e-mail when an address is known (the customer reference when it is one, or one the worker gives
//! when resolving), else through a link the worker hands over — and the answers give the recovery and
//! detractor-conversion rates per team, rule and month.
//!
//! Resolving a case whose rule names a number of days makes, in the resolving transaction, one follow-up
//! (`prepare`): the question to ask again (`polku_domain::followup::question`), the first score, the
//! answer's language, an address (given when resolving, else the customer reference when it is an address
//! and the answer allowed contact) and a random token. The minute job (`start_due`) sends due ones through
//! the outbox; the rest wait, and the case page shows the link (`/f/{token}`) to hand over. A question that
//! a later survey version dropped makes the page a 404. The customer's page is rate-limited and
//! CSRF-checked like `/s/`; the answer is stored once, with a `follow_up` event in the case history, and
//! never counts in the survey's NPS. The rates (`GET /api/v1/follow-ups/stats`, `/cases/follow-ups`) are
//! computed in Rust from the follow-up rows.

use crate::auth::Caller;
use crate::{App, AppError, AppResult};
use polku_domain::followup::{self, FollowUpRow, Group, Rates};
use polku_domain::role::Permission;
use polku_domain::survey::QuestionType;
use polku_domain::{CaseId, Locale, OrgId, RuleId};
use polku_store::{FollowUpRecord, NewFollowUp};

/// The follow-up to make when case `id` is resolved, if its rule asks for one and its survey has a
/// scored question. `email` overrides the customer reference as the address.
pub(crate) async fn prepare(
    app: &App,
    org: OrgId,
    id: CaseId,
    rule: RuleId,
    email: Option<&str>,
) -> AppResult<Option<NewFollowUp>> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    if let Some(e) = email
        && (!polku_domain::notify::valid_mailbox(e) || e.parse::<lettre::message::Mailbox>().is_err())
    {
        return Err(AppError::invalid("follow_up_email", "must be an e-mail address"));
    }
    let Some(days) = app.store.rules(org).await?.into_iter().find(|r| r.id == rule).and_then(|r| r.rule.follow_up_days)
    else {
        return match email {
            Some(_) => Err(AppError::invalid("follow_up_email", "the case's rule asks no follow-up")),
            None => Ok(None),
        };
    };
    let (survey, locale, customer, scores) = app.store.case_response(org, id).await?;
    let record = crate::surveys::current(app, org, survey).await?;
    let answers: Vec<polku_domain::response::Answer> = scores
        .into_iter()
        .filter_map(|(q, kind, score)| {
            Some(polku_domain::response::Answer {
                question: polku_domain::QuestionId(q),
                kind: QuestionType::parse(&kind)?,
                value: polku_domain::response::AnswerValue::Score(score as i16),
            })
        })
        .collect();
    let Some((question, kind, original)) = followup::question(&record.definition, &answers) else {
        return Ok(None);
    };
    let locale = locale
        .as_deref()
        .and_then(Locale::parse)
        .filter(|l| record.definition.locales.contains(l))
        .or_else(|| record.definition.locales.first().copied())
        .unwrap_or_default();
    let email = email
        .map(str::to_string)
        .or_else(|| customer.filter(|c| polku_domain::notify::valid_mailbox(c) && !c.contains('<')));
    Ok(Some(NewFollowUp {
        survey,
        question,
        kind: kind.as_str().to_string(),
        original,
        locale: locale.as_str().to_string(),
        email,
        token: crate::auth::random_secret("f"),
        due_at: polku_store::now() + time::Duration::days(i64::from(days)),
    }))
}

/// Starts the follow-ups that are due (all organisations): the minute job of every node runs this.
pub async fn start_due(app: &App) -> AppResult<usize> {
    Ok(app.store.start_due_follow_ups(polku_store::now()).await?)
}

/// The invitation e-mail of the follow-up of a case of `org` (for the sender).
pub(crate) async fn for_notification(
    app: &App,
    org: OrgId,
    case: CaseId,
) -> AppResult<polku_domain::notify::Invitation> {
    let f = app.store.follow_up_for_case(org, case).await?.ok_or(AppError::NotFound)?;
    let form = form(app, &f.token).await?;
    Ok(polku_domain::notify::Invitation {
        organisation: f.organisation,
        question: form.question,
        answered_at: f.first_answered_at,
        url: link(app, &f.token),
    })
}

/// The follow-up page's address.
pub fn link(app: &App, token: &str) -> String {
    format!("{}/f/{token}", app.config.public_url)
}

/// What the customer's page shows: the follow-up, and the question in the customer's language with its
/// scale.
pub struct Form {
    pub follow_up: FollowUpRecord,
    pub question: String,
    pub kind: QuestionType,
    pub locale: Locale,
}

/// The follow-up behind a link, with its question.
pub async fn form(app: &App, token: &str) -> AppResult<Form> {
    if token.len() > 100 {
        return Err(AppError::NotFound);
    }
    let f = app.store.follow_up_by_token(token).await?;
    let record = crate::surveys::current(app, OrgId(f.org_id), polku_domain::SurveyId(f.survey_id)).await?;
    // A later version of the survey dropped the question: nothing left to ask.
    let q = record.definition.question(polku_domain::QuestionId(f.question_id)).ok_or(AppError::NotFound)?;
    let locale = Locale::parse(&f.locale).unwrap_or_default();
    let question = polku_domain::locale::text_in(&q.text, locale).to_string();
    let kind = QuestionType::parse(&f.kind).unwrap_or(q.kind);
    Ok(Form { follow_up: f, question, kind, locale })
}

/// Records the customer's answer (once): the score on the question's scale and an optional comment.
pub async fn answer(app: &App, token: &str, score: &str, comment: Option<&str>) -> AppResult<()> {
    let form = form(app, token).await?;
    let (lo, hi) = form.kind.scale().unwrap_or((0, 10));
    let score: i16 = score
        .trim()
        .parse()
        .ok()
        .filter(|s| (lo..=hi).contains(s))
        .ok_or_else(|| AppError::invalid("score", format!("must be {lo}–{hi}")))?;
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if let Some(c) = comment {
        if c.chars().count() > followup::MAX_COMMENT {
            return Err(AppError::invalid("comment", format!("must be at most {} characters", followup::MAX_COMMENT)));
        }
        if c.chars().any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t')) {
            return Err(AppError::invalid("comment", "must not contain control characters"));
        }
    }
    Ok(app.store.answer_follow_up(token, score, comment, polku_store::now()).await?)
}

/// Recovery statistics for a period, split one way.
pub struct Stats {
    /// Inclusive days.
    pub from: time::Date,
    pub to: time::Date,
    pub group: Group,
    pub groups: Vec<(String, Rates)>,
    pub all: Rates,
}

fn day(field: &'static str, s: Option<&str>) -> AppResult<Option<time::Date>> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            polku_domain::calendar::parse_day(s)
                .ok_or_else(|| AppError::invalid(field, "must be a date, YYYY-MM-DD, in 1900–2999"))
        })
        .transpose()
}

/// The recovery and detractor-conversion rates of the follow-ups made from `from` to `to` (inclusive;
/// default: the 90 days to `today`), per `group` (`team`, `rule` or `month`; default `team`), and for all.
pub async fn stats(
    app: &App,
    caller: &Caller,
    from: Option<&str>,
    to: Option<&str>,
    group: Option<&str>,
    today: time::Date,
) -> AppResult<Stats> {
    // Rule and team names, like the cases themselves: for those who work cases.
    caller.require(Permission::Triage)?;
    let group = match group.map(str::trim).filter(|g| !g.is_empty()) {
        None => Group::Team,
        Some(g) => Group::parse(g).ok_or_else(|| AppError::invalid("group", "must be team, rule or month"))?,
    };
    let to = day("to", to)?.unwrap_or(today);
    let from = day("from", from)?.unwrap_or(to - time::Duration::days(89));
    if from > to {
        return Err(AppError::invalid("from", "must not be after to"));
    }
    let now = polku_store::now();
    let zone = app.zone(caller.org).await?;
    let (from_day, to_day) = (polku_domain::calendar::day_of_date(from), polku_domain::calendar::day_of_date(to));
    let (start, end) = (zone.start_of_day(from_day), zone.start_of_day(to_day + 1));
    let rows: Vec<FollowUpRow> = app
        .store
        .follow_up_stats(caller.org, start, end)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(FollowUpRow {
                team: r.team,
                rule: r.rule,
                day: zone.day_of(r.created_at),
                kind: QuestionType::parse(&r.kind)?,
                original: r.original_score.map(|s| s as i16),
                score: r.score.map(|s| s as i16),
                due: r.due_at <= now,
            })
        })
        .collect();
    let (groups, all) = followup::rates(&rows, group);
    Ok(Stats { from, to, group, groups, all })
}
