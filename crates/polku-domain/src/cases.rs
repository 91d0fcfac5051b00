//! Closing the loop: alert rules that turn a bad answer into a case, and the life of a case.
//!
//! A rule is checked against every response as it is stored (its scores and the analysis of its open
//! answers), so a case is created in the response's own transaction: exactly once, never for an answer that
//! was not stored. Pure: no I/O.
//!
//! Rules: a score at most N on NPS / CSAT / CES, negative text about a theme, any negative text, and the
//! windowed "negative share of a channel at one touchpoint above X % in the last N minutes" (checked by the
//! minute job, not per answer); each with an SLA in hours and maybe an owner, a lead, a team and follow-up
//! days. An SLA counts every hour, or with business hours only the hours the business is open, on the days
//! it is open, by the organisation's clocks (`BusinessHours::due`): a case from Friday evening with an
//! 8-hour SLA and opening hours Mon–Fri 8–16 is due on Monday at 16. The life cycle: new → in progress ⇄ waiting for customer → resolved → closed; a resolved case may
//! reopen, a closed one is final, nothing returns to new (`CaseStatus::can_move_to`). Frontline actions
//! (called, e-mailed, apologised, compensated in cents and a currency, with a reason): a compensation above
//! the member's own limit, in another currency or with no limit set needs an approval.

use crate::response::{Answer, AnswerValue};
use crate::survey::QuestionType;
use crate::text::{CommentAnalysis, Polarity};
use crate::{CaseId, QuestionId, RuleId, TeamId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Longest rule name, in characters.
pub const MAX_RULE_NAME: usize = 100;
/// Longest SLA a rule may give, in hours (30 days).
pub const MAX_SLA_HOURS: u32 = 720;

/// What makes a response a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleCondition {
    /// An NPS, CSAT or CES answer at most `max` (e.g. NPS ≤ 6, CSAT ≤ 2).
    ScoreAtMost { kind: QuestionType, max: i16 },
    /// An open answer that speaks negatively of `theme`.
    NegativeTheme { theme: String },
    /// An open answer whose text is negative, whatever its score ("9 — but the invoice was wrong").
    NegativeText,
    /// More than `percent` % of the answers on `channel` at one touchpoint were negative within the last
    /// `window_minutes` (at least `min_answers` of them): "a kiosk's negative share above 30 % in an hour".
    /// Checked by the minute job over all answers, not per answer; one case per touchpoint and window.
    NegativeShare { channel: String, percent: u8, window_minutes: u32, min_answers: u32 },
}

/// Longest window of a [`RuleCondition::NegativeShare`] rule, in minutes (a day).
pub const MAX_WINDOW_MINUTES: u32 = 1440;

/// Whether a score is a negative experience: an NPS detractor (0–6), CSAT 1–2, CES 1–3 (hard).
pub fn is_negative_score(kind: QuestionType, score: i16) -> bool {
    match kind {
        QuestionType::Nps => score <= 6,
        QuestionType::Csat => score <= 2,
        QuestionType::Ces => score <= 3,
        _ => false,
    }
}

/// Whether `negative` of `answers` in a window breach a [`RuleCondition::NegativeShare`] rule.
pub fn share_breached(percent: u8, min_answers: u32, negative: u64, answers: u64) -> bool {
    answers >= u64::from(min_answers) && answers > 0 && negative * 100 > u64::from(percent) * answers
}

/// The hours an SLA clock runs in, by the organisation's clocks: on `days` (ISO weekdays, 1 = Monday …
/// 7 = Sunday) from `opens` to `closes` (`HH:MM`, the same day: no night shifts across midnight).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    pub days: Vec<u8>,
    pub opens: String,
    pub closes: String,
}

/// `HH:MM` as minutes after midnight, 00:00–24:00.
pub(crate) fn minutes(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// How many days `BusinessHours::due` walks at most (ten years).
const DUE_WALK_DAYS: u32 = 3653;

impl BusinessHours {
    /// Checks the hours as given; each problem names its field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let mut seen = [false; 8];
        if self.days.is_empty()
            || self.days.iter().any(|d| !(1..=7).contains(d) || std::mem::replace(&mut seen[*d as usize], true))
        {
            return Err(("business_hours.days", "must list each open weekday once, 1 (Monday) to 7 (Sunday)".into()));
        }
        let opens = minutes(&self.opens).ok_or(("business_hours.opens", "must be a time HH:MM".to_string()))?;
        let closes = minutes(&self.closes).ok_or(("business_hours.closes", "must be a time HH:MM".to_string()))?;
        if opens >= closes {
            return Err(("business_hours.closes", "must be after the opening time on the same day".into()));
        }
        Ok(())
    }

    /// Open minutes in a week (clock changes aside).
    pub fn weekly_minutes(&self) -> u64 {
        match (minutes(&self.opens), minutes(&self.closes)) {
            (Some(o), Some(c)) if o < c => self.days.len() as u64 * u64::from(c - o),
            _ => 0,
        }
    }

    /// When an SLA of `hours` started at `from` ends, counting only open hours in `zone`. Hours that do
    /// not validate, or are too sparse for the SLA (`Rule::validate` refuses both), count all the time.
    pub fn due(&self, from: OffsetDateTime, hours: u32, zone: &crate::zone::Zone) -> OffsetDateTime {
        let (Some(opens), Some(closes)) = (minutes(&self.opens), minutes(&self.closes)) else {
            return from + time::Duration::hours(i64::from(hours));
        };
        if self.days.is_empty() || opens >= closes {
            return from + time::Duration::hours(i64::from(hours));
        }
        let at = |date: time::Date, m: u16| {
            let t = if m == 24 * 60 {
                date.next_day().unwrap_or(date).midnight()
            } else {
                date.with_hms(u8::try_from(m / 60).unwrap_or(0), u8::try_from(m % 60).unwrap_or(0), 0)
                    .unwrap_or(date.midnight())
            };
            zone.to_utc(t).unwrap_or_else(|| t.assume_utc())
        };
        let mut left = time::Duration::hours(i64::from(hours));
        let mut date = zone.local(from).date();
        // At most one step per calendar day, bounded: `Rule::validate` refuses hours too sparse to reach
        // the SLA within the bound.
        for _ in 0..DUE_WALK_DAYS {
            if self.days.contains(&date.weekday().number_from_monday()) {
                let start = at(date, opens).max(from);
                let end = at(date, closes);
                if start < end {
                    if end - start >= left {
                        return start + left;
                    }
                    left -= end - start;
                }
            }
            let Some(next) = date.next_day() else { break };
            date = next;
        }
        from + time::Duration::hours(i64::from(hours))
    }
}

/// A rule as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub condition: RuleCondition,
    /// Hours from the answer to the case's due time.
    pub sla_hours: u32,
    /// Who gets the case; `None` leaves it for whoever picks it up.
    pub owner: Option<UserId>,
    /// Who is told when a case is past due and still open (escalation); `None`: the admins' list only.
    #[serde(default)]
    pub lead: Option<UserId>,
    /// The team whose agents see and work its cases.
    #[serde(default)]
    pub team: Option<TeamId>,
    /// Days after a case is resolved that the customer is asked the same question again; `None`: never.
    #[serde(default)]
    pub follow_up_days: Option<u32>,
    /// The hours the SLA counts; `None`: every hour.
    #[serde(default)]
    pub business_hours: Option<BusinessHours>,
}

impl Rule {
    /// When a case this rule opens at `now` is due.
    pub fn due(&self, now: OffsetDateTime, zone: &crate::zone::Zone) -> OffsetDateTime {
        match &self.business_hours {
            Some(b) => b.due(now, self.sla_hours, zone),
            None => now + time::Duration::hours(i64::from(self.sla_hours)),
        }
    }

    /// Checks a rule as given; each problem names its field.
    pub fn validate(&self, theme_exists: impl Fn(&str) -> bool) -> Result<(), (&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_RULE_NAME || name.chars().any(char::is_control) {
            return Err(("name", format!("must be 1–{MAX_RULE_NAME} characters")));
        }
        if self.sla_hours == 0 || self.sla_hours > MAX_SLA_HOURS {
            return Err(("sla_hours", format!("must be 1–{MAX_SLA_HOURS}")));
        }
        if let Some(b) = &self.business_hours {
            b.validate()?;
            // `due` walks day by day for at most `DUE_WALK_DAYS`; hours this sparse would fall off its end.
            let weekly = b.weekly_minutes() * u64::from(DUE_WALK_DAYS / 7 - 1);
            if weekly < u64::from(self.sla_hours) * 60 {
                return Err((
                    "business_hours",
                    format!("open too few hours to reach the SLA of {} h within ten years", self.sla_hours),
                ));
            }
        }
        if self.follow_up_days.is_some_and(|d| d > crate::followup::MAX_DAYS) {
            return Err(("follow_up_days", format!("must be 0–{}", crate::followup::MAX_DAYS)));
        }
        match &self.condition {
            RuleCondition::ScoreAtMost { kind, max } => {
                let (lo, hi) = match kind {
                    QuestionType::Nps => (0, 10),
                    QuestionType::Csat => (1, 5),
                    QuestionType::Ces => (1, 7),
                    _ => return Err(("condition.kind", "must be nps, csat or ces".into())),
                };
                if !(lo..=hi).contains(max) {
                    return Err(("condition.max", format!("must be {lo}–{hi} for {}", kind.as_str())));
                }
            }
            RuleCondition::NegativeTheme { theme } if !theme_exists(theme) => {
                return Err(("condition.theme", "is not a theme of the taxonomy".into()));
            }
            RuleCondition::NegativeShare { channel, percent, window_minutes, min_answers } => {
                if !crate::response::is_valid_name(channel, crate::response::MAX_CHANNEL) {
                    return Err(("condition.channel", "must be a channel name such as kiosk".into()));
                }
                if !(1..=100).contains(percent) {
                    return Err(("condition.percent", "must be 1–100".into()));
                }
                if !(5..=MAX_WINDOW_MINUTES).contains(window_minutes) {
                    return Err(("condition.window_minutes", format!("must be 5–{MAX_WINDOW_MINUTES}")));
                }
                if !(1..=10_000).contains(min_answers) {
                    return Err(("condition.min_answers", "must be 1–10000".into()));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether a response with these answers and analyses makes a case.
    pub fn matches(&self, answers: &[Answer], analyses: &[(QuestionId, CommentAnalysis)]) -> bool {
        match &self.condition {
            RuleCondition::ScoreAtMost { kind, max } => {
                answers.iter().any(|a| a.kind == *kind && matches!(a.value, AnswerValue::Score(s) if s <= *max))
            }
            RuleCondition::NegativeTheme { theme } => analyses
                .iter()
                .any(|(_, a)| a.themes.iter().any(|t| t.key == *theme && t.sentiment.polarity == Polarity::Negative)),
            RuleCondition::NegativeText => analyses.iter().any(|(_, a)| a.sentiment.polarity == Polarity::Negative),
            // Not one answer's: the minute job checks the window (`share_breached`).
            RuleCondition::NegativeShare { .. } => false,
        }
    }
}

/// A case to create with a response, in its transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCase {
    pub id: CaseId,
    pub rule: RuleId,
    pub owner: Option<UserId>,
    pub team: Option<TeamId>,
    pub due_at: OffsetDateTime,
}

/// The cases a response makes: one per matching rule, due as the rule's SLA counts from `now` in `zone`.
pub fn cases_for(
    rules: &[(RuleId, Rule)],
    answers: &[Answer],
    analyses: &[(QuestionId, CommentAnalysis)],
    now: OffsetDateTime,
    zone: &crate::zone::Zone,
) -> Vec<NewCase> {
    rules
        .iter()
        .filter(|(_, r)| r.matches(answers, analyses))
        .map(|(id, r)| NewCase { id: CaseId::new(), rule: *id, owner: r.owner, team: r.team, due_at: r.due(now, zone) })
        .collect()
}

/// Where a case is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    New,
    InProgress,
    WaitingForCustomer,
    Resolved,
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::New,
        CaseStatus::InProgress,
        CaseStatus::WaitingForCustomer,
        CaseStatus::Resolved,
        CaseStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::New => "new",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::WaitingForCustomer => "waiting_for_customer",
            CaseStatus::Resolved => "resolved",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether the case still needs work (and can be overdue).
    pub fn is_open(self) -> bool {
        !matches!(self, CaseStatus::Resolved | CaseStatus::Closed)
    }

    /// Whether a case may move from `self` to `to`. Anything open may move to any other state; a resolved
    /// case may be reopened (the customer answered again) or closed; a closed case is final. Nothing moves
    /// back to `new`.
    pub fn can_move_to(self, to: CaseStatus) -> bool {
        if self == to || to == CaseStatus::New {
            return false;
        }
        match self {
            CaseStatus::Closed => false,
            CaseStatus::Resolved => matches!(to, CaseStatus::InProgress | CaseStatus::Closed),
            _ => true,
        }
    }
}

/// What a member did for the customer on a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Called,
    Emailed,
    Apologised,
    /// Money back or a discount: in cents of `currency` (ISO 4217, e.g. EUR).
    Compensated {
        amount_cents: i64,
        currency: String,
    },
}

/// Largest compensation accepted, in cents (a typo guard, not a policy: limits are per member).
pub const MAX_COMPENSATION_CENTS: i64 = 10_000_000;
/// Longest reason, in characters.
pub const MAX_REASON: usize = 500;

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Called => "called",
            Action::Emailed => "emailed",
            Action::Apologised => "apologised",
            Action::Compensated { .. } => "compensated",
        }
    }

    /// Checks the action and its reason (required for a compensation); each problem names its field.
    pub fn validate(&self, reason: &str) -> Result<(), (&'static str, String)> {
        if reason.chars().count() > MAX_REASON || reason.chars().any(|c| c.is_control() && c != '\n') {
            return Err(("reason", format!("must be at most {MAX_REASON} characters of text")));
        }
        if let Action::Compensated { amount_cents, currency } = self {
            if *amount_cents <= 0 || *amount_cents > MAX_COMPENSATION_CENTS {
                return Err(("amount", "must be more than 0 and at most 100000".into()));
            }
            if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(("currency", "must be a three-letter code such as EUR".into()));
            }
            if reason.trim().is_empty() {
                return Err(("reason", "is needed for a compensation".into()));
            }
        }
        Ok(())
    }

    /// Whether the action needs an approval: a compensation above the member's limit (none set: 0), or in
    /// another currency than the limit's.
    pub fn needs_approval(&self, limit: Option<(i64, &str)>) -> bool {
        match self {
            Action::Compensated { amount_cents, currency } => match limit {
                Some((max, limit_currency)) => *amount_cents > max || currency != limit_currency,
                None => true,
            },
            _ => false,
        }
    }
}

/// Parses an amount typed by a person ("20", "19.90", "19,90") into cents.
pub fn parse_amount(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    whole.checked_mul(100)?.checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Analyzer, analyse_answers};

    fn score(kind: QuestionType, s: i16) -> Answer {
        Answer { question: QuestionId::new(), kind, value: AnswerValue::Score(s) }
    }

    fn rule(condition: RuleCondition) -> Rule {
        Rule {
            name: "r".into(),
            condition,
            sla_hours: 24,
            owner: None,
            lead: None,
            team: None,
            follow_up_days: None,
            business_hours: None,
        }
    }

    #[test]
    fn a_negative_share_is_checked_over_a_window_not_per_answer() {
        let kiosk = rule(RuleCondition::NegativeShare {
            channel: "kiosk".into(),
            percent: 30,
            window_minutes: 60,
            min_answers: 10,
        });
        assert!(!kiosk.matches(&[score(QuestionType::Csat, 1)], &[]), "one answer never opens it");
        assert!(share_breached(30, 10, 4, 10), "40 % of 10");
        assert!(!share_breached(30, 10, 3, 10), "exactly 30 % is not above it");
        assert!(!share_breached(30, 10, 9, 9), "too few answers to judge");
        assert!(!share_breached(30, 0, 0, 0));
        assert!(is_negative_score(QuestionType::Csat, 2) && !is_negative_score(QuestionType::Csat, 3));
        assert!(is_negative_score(QuestionType::Nps, 6) && !is_negative_score(QuestionType::Nps, 7));
        assert!(is_negative_score(QuestionType::Ces, 3) && !is_negative_score(QuestionType::Ces, 4));
        assert_eq!(kiosk.validate(|_| true), Ok(()));
        let bad = |c: RuleCondition| rule(c).validate(|_| true).unwrap_err().0;
        let share = |channel: &str, percent, window_minutes, min_answers| RuleCondition::NegativeShare {
            channel: channel.into(),
            percent,
            window_minutes,
            min_answers,
        };
        assert_eq!(bad(share("Kiosk!", 30, 60, 10)), "condition.channel");
        assert_eq!(bad(share("kiosk", 0, 60, 10)), "condition.percent");
        assert_eq!(bad(share("kiosk", 30, 2, 10)), "condition.window_minutes");
        assert_eq!(bad(share("kiosk", 30, 60, 0)), "condition.min_answers");
    }

    #[test]
    fn rules_match_scores_themes_and_negative_text() {
        let nps6 = rule(RuleCondition::ScoreAtMost { kind: QuestionType::Nps, max: 6 });
        assert!(nps6.matches(&[score(QuestionType::Nps, 6)], &[]));
        assert!(!nps6.matches(&[score(QuestionType::Nps, 7)], &[]));
        assert!(!nps6.matches(&[score(QuestionType::Csat, 1)], &[]), "another scale");
        let text = Answer {
            question: QuestionId::new(),
            kind: QuestionType::Text,
            value: AnswerValue::Text("Hyvä lopputulos, mutta lasku oli väärin.".into()),
        };
        let answers = [score(QuestionType::Nps, 9), text];
        let analyses = analyse_answers(&Analyzer::new(), &answers, Some(crate::Locale::Fi));
        // A promoter's "but": caught by the text, not by the score.
        assert!(!nps6.matches(&answers, &analyses));
        assert!(rule(RuleCondition::NegativeText).matches(&answers, &analyses));
        assert!(rule(RuleCondition::NegativeTheme { theme: "invoicing".into() }).matches(&answers, &analyses));
        assert!(!rule(RuleCondition::NegativeTheme { theme: "delivery".into() }).matches(&answers, &analyses));
    }

    #[test]
    fn rules_are_checked_field_by_field() {
        let themes = |t: &str| t == "delivery";
        assert!(rule(RuleCondition::ScoreAtMost { kind: QuestionType::Csat, max: 2 }).validate(themes).is_ok());
        let bad = [
            (rule(RuleCondition::ScoreAtMost { kind: QuestionType::Csat, max: 6 }), "condition.max"),
            (rule(RuleCondition::ScoreAtMost { kind: QuestionType::Text, max: 1 }), "condition.kind"),
            (rule(RuleCondition::NegativeTheme { theme: "weather".into() }), "condition.theme"),
            (Rule { sla_hours: 0, ..rule(RuleCondition::NegativeText) }, "sla_hours"),
            (Rule { sla_hours: 721, ..rule(RuleCondition::NegativeText) }, "sla_hours"),
            (Rule { name: " ".into(), ..rule(RuleCondition::NegativeText) }, "name"),
        ];
        for (r, field) in bad {
            assert_eq!(r.validate(themes).unwrap_err().0, field, "{r:?}");
        }
    }

    #[test]
    fn a_case_moves_forward_is_reopened_once_resolved_and_stays_closed() {
        use CaseStatus::*;
        assert!(New.can_move_to(InProgress) && InProgress.can_move_to(WaitingForCustomer));
        assert!(WaitingForCustomer.can_move_to(Resolved) && New.can_move_to(Closed));
        assert!(Resolved.can_move_to(InProgress) && Resolved.can_move_to(Closed));
        assert!(!Resolved.can_move_to(WaitingForCustomer));
        assert!(CaseStatus::ALL.iter().all(|s| !Closed.can_move_to(*s) && !s.can_move_to(New) && !s.can_move_to(*s)));
        assert!(New.is_open() && !Resolved.is_open());
        assert!(CaseStatus::ALL.iter().all(|s| CaseStatus::parse(s.as_str()) == Some(*s)));
    }

    #[test]
    fn small_things_just_happen_and_large_compensations_wait_for_approval() {
        let eur = |c: i64| Action::Compensated { amount_cents: c, currency: "EUR".into() };
        assert!(!Action::Called.needs_approval(None));
        assert!(!eur(5000).needs_approval(Some((5000, "EUR"))));
        assert!(eur(5001).needs_approval(Some((5000, "EUR"))));
        assert!(eur(100).needs_approval(None), "no limit set: everything needs approval");
        assert!(Action::Compensated { amount_cents: 100, currency: "SEK".into() }.needs_approval(Some((5000, "EUR"))));
        assert_eq!(eur(0).validate("x").unwrap_err().0, "amount");
        assert_eq!(eur(100).validate(" ").unwrap_err().0, "reason");
        assert_eq!(
            Action::Compensated { amount_cents: 1, currency: "eur".into() }.validate("x").unwrap_err().0,
            "currency"
        );
        assert!(Action::Apologised.validate("").is_ok());
        assert_eq!(parse_amount("19,9"), Some(1990));
        assert_eq!(parse_amount(" 20 "), Some(2000));
        assert_eq!(parse_amount("0.05"), Some(5));
        for bad in ["", "x", "1.234", "-5", "1e3", ".5"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
    }

    fn office() -> BusinessHours {
        BusinessHours { days: vec![1, 2, 3, 4, 5], opens: "08:00".into(), closes: "16:00".into() }
    }

    #[test]
    fn an_sla_in_business_hours_counts_only_open_hours_by_the_local_clock() {
        use time::macros::datetime;
        let hki = crate::zone::Zone::default();
        // Friday 2026-12-04 18:00 in Helsinki (16:00 UTC): closed until Monday 08:00, so 8 h end at 16:00.
        let friday_evening = datetime!(2026-12-04 16:00 UTC);
        assert_eq!(office().due(friday_evening, 8, &hki), datetime!(2026-12-07 14:00 UTC));
        // Tuesday 10:00 local with 10 h: 6 h on Tuesday, 4 h on Wednesday → Wednesday 12:00 local.
        assert_eq!(office().due(datetime!(2026-12-08 08:00 UTC), 10, &hki), datetime!(2026-12-09 10:00 UTC));
        // Before opening, the clock starts at opening.
        assert_eq!(office().due(datetime!(2026-12-08 04:00 UTC), 1, &hki), datetime!(2026-12-08 07:00 UTC));
        // Across the spring change (Sunday 2027-03-28): Friday 15:00 local + 2 h → Monday 09:00 at +03:00.
        assert_eq!(office().due(datetime!(2027-03-26 13:00 UTC), 2, &hki), datetime!(2027-03-29 06:00 UTC));
        // Every hour without business hours, and an SLA that ends exactly at closing ends there.
        let rule = Rule { sla_hours: 8, ..rule(RuleCondition::NegativeText) };
        assert_eq!(rule.due(friday_evening, &hki), datetime!(2026-12-05 00:00 UTC));
        assert_eq!(office().due(datetime!(2026-12-08 06:00 UTC), 8, &hki), datetime!(2026-12-08 14:00 UTC));
        let all_week = BusinessHours { days: (1..=7).collect(), opens: "00:00".into(), closes: "24:00".into() };
        assert_eq!(all_week.due(friday_evening, 30, &hki), friday_evening + time::Duration::hours(30));
    }

    #[test]
    fn business_hours_are_validated_by_field() {
        let bad = |b: BusinessHours| b.validate().unwrap_err().0;
        assert_eq!(office().validate(), Ok(()));
        assert_eq!(bad(BusinessHours { days: vec![], ..office() }), "business_hours.days");
        assert_eq!(bad(BusinessHours { days: vec![1, 1], ..office() }), "business_hours.days");
        assert_eq!(bad(BusinessHours { days: vec![8], ..office() }), "business_hours.days");
        assert_eq!(bad(BusinessHours { opens: "8".into(), ..office() }), "business_hours.opens");
        assert_eq!(bad(BusinessHours { closes: "24:30".into(), ..office() }), "business_hours.closes");
        assert_eq!(bad(BusinessHours { closes: "07:00".into(), ..office() }), "business_hours.closes");
        let no_days = Rule {
            business_hours: Some(BusinessHours { days: vec![], ..office() }),
            ..rule(RuleCondition::NegativeText)
        };
        assert_eq!(no_days.validate(|_| true).unwrap_err().0, "business_hours.days");
        // Signs and spaces are not digits.
        assert_eq!(bad(BusinessHours { opens: "+8:00".into(), ..office() }), "business_hours.opens");
        assert_eq!(bad(BusinessHours { closes: "16:+0".into(), ..office() }), "business_hours.closes");
        // One open minute a week cannot reach a 720-hour SLA within the ten years `due` walks.
        let sparse = BusinessHours { days: vec![1], opens: "08:00".into(), closes: "08:01".into() };
        let too_long = Rule {
            sla_hours: MAX_SLA_HOURS,
            business_hours: Some(sparse.clone()),
            ..rule(RuleCondition::NegativeText)
        };
        assert_eq!(too_long.validate(|_| true).unwrap_err().0, "business_hours");
        let an_hour = Rule { sla_hours: 1, ..too_long };
        assert_eq!(an_hour.validate(|_| true), Ok(()));
        // Sixty Mondays' open minute, the first on the day it starts (08:00 in Helsinki).
        let monday = time::macros::datetime!(2026-12-07 06:00 UTC);
        let due = an_hour.due(monday, &crate::zone::Zone::default());
        assert_eq!(due, time::macros::datetime!(2028-01-24 06:01 UTC));
    }
}
