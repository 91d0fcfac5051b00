//! Follow-ups: when a case is resolved, the customer is asked the same question again after the rule's
//! number of days, and what they answer says whether the case was really fixed. Pure: which question is
//! asked again, what counts as recovered and as converted, and the rates per team, rule and month.

use crate::metrics::wilson;
use crate::response::Answer;
use crate::survey::{QuestionType, SurveyDefinition};
use crate::{QuestionId, calendar};
use std::collections::BTreeMap;

/// Most days a rule may wait before the follow-up.
pub const MAX_DAYS: u32 = 90;
/// Longest comment on a follow-up answer, in characters.
pub const MAX_COMMENT: usize = 2000;

/// The question asked again: the answer's own score question (NPS, else CSAT, else CES), else — for a case
/// made from text alone — the survey's first NPS, CSAT or CES question. `None`: the survey has no scored
/// question, so there is nothing to ask again.
pub fn question(def: &SurveyDefinition, answers: &[Answer]) -> Option<(QuestionId, QuestionType, Option<i16>)> {
    const ORDER: [QuestionType; 3] = [QuestionType::Nps, QuestionType::Csat, QuestionType::Ces];
    for kind in ORDER {
        for a in answers {
            if let (true, crate::response::AnswerValue::Score(s)) = (a.kind == kind, &a.value) {
                return Some((a.question, kind, Some(*s)));
            }
        }
    }
    ORDER.into_iter().find_map(|kind| def.questions.iter().find(|q| q.kind == kind).map(|q| (q.id, kind, None)))
}

/// Whether a re-score means the customer is fine again: NPS 7 or more (the recovery line), CSAT 4–5
/// (satisfied), CES 5–7 (easy, as Polku's CES scale runs from hard to easy).
pub fn recovered(kind: QuestionType, score: i16) -> bool {
    match kind {
        QuestionType::Nps => score >= 7,
        QuestionType::Csat => score >= 4,
        QuestionType::Ces => score >= 5,
        _ => false,
    }
}

/// Whether a detractor (NPS 0–6 the first time) became a promoter (9–10).
pub fn converted(kind: QuestionType, original: Option<i16>, score: i16) -> bool {
    kind == QuestionType::Nps && original.is_some_and(|o| o <= 6) && score >= 9
}

/// One follow-up as the statistics see it.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUpRow {
    pub team: Option<String>,
    pub rule: String,
    /// Day number (`calendar`) the case was resolved and the follow-up made.
    pub day: i32,
    pub kind: QuestionType,
    pub original: Option<i16>,
    /// The re-score, once answered.
    pub score: Option<i16>,
    /// Its day has come (before it, nobody could have answered).
    pub due: bool,
}

/// Follow-ups of one group, with the two rates and their Wilson 95 % intervals (`None` with no answers).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Rates {
    /// Follow-ups made (cases resolved with a follow-up).
    pub follow_ups: u64,
    /// Of them, those whose day has come.
    pub due: u64,
    pub answered: u64,
    pub recovered: u64,
    /// Answered follow-ups of NPS detractors, and how many of them now gave 9–10.
    pub detractors: u64,
    pub converted: u64,
}

impl Rates {
    fn add(&mut self, r: &FollowUpRow) {
        self.follow_ups += 1;
        self.due += u64::from(r.due || r.score.is_some());
        if let Some(score) = r.score {
            self.answered += 1;
            self.recovered += u64::from(recovered(r.kind, score));
            if r.kind == QuestionType::Nps && r.original.is_some_and(|o| o <= 6) {
                self.detractors += 1;
                self.converted += u64::from(converted(r.kind, r.original, score));
            }
        }
    }

    /// Share of answered follow-ups that recovered, in percent, with its interval.
    pub fn recovery_rate(&self) -> Option<(f64, (f64, f64))> {
        rate(self.recovered, self.answered)
    }

    /// Share of answering detractors who now promote, in percent, with its interval.
    pub fn conversion_rate(&self) -> Option<(f64, (f64, f64))> {
        rate(self.converted, self.detractors)
    }

    /// Share of the follow-ups due that were answered, in percent.
    pub fn response_rate(&self) -> Option<f64> {
        (self.due > 0).then(|| 100.0 * self.answered as f64 / self.due as f64)
    }
}

fn rate(k: u64, n: u64) -> Option<(f64, (f64, f64))> {
    (n > 0).then(|| {
        let (lo, hi) = wilson(k, n);
        (100.0 * k as f64 / n as f64, (100.0 * lo, 100.0 * hi))
    })
}

/// How the rates are split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Team,
    Rule,
    Month,
}

impl Group {
    pub fn parse(s: &str) -> Option<Group> {
        match s {
            "team" => Some(Group::Team),
            "rule" => Some(Group::Rule),
            "month" => Some(Group::Month),
            _ => None,
        }
    }
}

/// The rates per group (team name — `""` for cases of no team —, rule name, or month `YYYY-MM`), in key
/// order, and for all rows together.
pub fn rates(rows: &[FollowUpRow], group: Group) -> (Vec<(String, Rates)>, Rates) {
    let mut by: BTreeMap<String, Rates> = BTreeMap::new();
    let mut all = Rates::default();
    for r in rows {
        let key = match group {
            Group::Team => r.team.clone().unwrap_or_default(),
            Group::Rule => r.rule.clone(),
            Group::Month => {
                let d = calendar::date_of_day(r.day);
                format!("{:04}-{:02}", d.year(), u8::from(d.month()))
            }
        };
        by.entry(key).or_default().add(r);
        all.add(r);
    }
    (by.into_iter().collect(), all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(team: Option<&str>, rule: &str, day: i32, original: Option<i16>, score: Option<i16>) -> FollowUpRow {
        FollowUpRow {
            team: team.map(str::to_string),
            rule: rule.into(),
            day,
            kind: QuestionType::Nps,
            original,
            score,
            due: true,
        }
    }

    #[test]
    fn recovery_and_conversion_are_counted_by_hand() {
        let jan = calendar::day_of_date(time::macros::date!(2026 - 01 - 15));
        let feb = calendar::day_of_date(time::macros::date!(2026 - 02 - 03));
        let rows = [
            // Service team, NPS rule: 3 → 9 (recovered, converted), 2 → 7 (recovered), 5 → 4 (neither),
            // 1 → unanswered.
            row(Some("Palvelu"), "NPS ≤ 6", jan, Some(3), Some(9)),
            row(Some("Palvelu"), "NPS ≤ 6", jan, Some(2), Some(7)),
            row(Some("Palvelu"), "NPS ≤ 6", feb, Some(5), Some(4)),
            row(Some("Palvelu"), "NPS ≤ 6", feb, Some(1), None),
            // Not yet due: counts as made, not in the response rate.
            FollowUpRow { due: false, ..row(Some("Palvelu"), "NPS ≤ 6", feb, Some(2), None) },
            // No team, a text rule: 8 (a passive, not a detractor) → 10: recovered, not a conversion.
            row(None, "Negative text", feb, Some(8), Some(10)),
        ];
        let (teams, all) = rates(&rows, Group::Team);
        assert_eq!(
            all,
            Rates { follow_ups: 6, due: 5, answered: 4, recovered: 3, detractors: 3, converted: 1 },
            "recovered: 9, 7, 10; detractors answering: 3, 2, 5; converted: 3 → 9"
        );
        assert_eq!(all.recovery_rate().unwrap().0, 75.0);
        assert!((all.conversion_rate().unwrap().0 - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(all.response_rate(), Some(80.0));
        assert_eq!(teams[0].0, "", "no team sorts first");
        assert_eq!(teams[0].1, Rates { follow_ups: 1, due: 1, answered: 1, recovered: 1, detractors: 0, converted: 0 });
        assert_eq!(teams[0].1.conversion_rate(), None, "no detractors: no rate, not 0 %");
        assert_eq!(teams[1].1, Rates { follow_ups: 5, due: 4, answered: 3, recovered: 2, detractors: 3, converted: 1 });
        let (months, _) = rates(&rows, Group::Month);
        let keys: Vec<_> = months.iter().map(|(k, r)| (k.as_str(), r.follow_ups)).collect();
        assert_eq!(keys, [("2026-01", 2), ("2026-02", 4)]);
        let (rules, _) = rates(&rows, Group::Rule);
        assert_eq!(rules.len(), 2);
        let (lo, hi) = all.recovery_rate().unwrap().1;
        assert!(lo < 75.0 && 75.0 < hi && lo > 0.0 && hi <= 100.0, "{lo}–{hi}");
    }

    #[test]
    fn recovery_lines_per_scale() {
        assert!(!recovered(QuestionType::Nps, 6) && recovered(QuestionType::Nps, 7));
        assert!(!recovered(QuestionType::Csat, 3) && recovered(QuestionType::Csat, 4));
        assert!(!recovered(QuestionType::Ces, 4) && recovered(QuestionType::Ces, 5));
        assert!(converted(QuestionType::Nps, Some(6), 9));
        assert!(!converted(QuestionType::Nps, Some(7), 10), "a passive is not a detractor");
        assert!(!converted(QuestionType::Nps, None, 10), "no first score, no conversion");
        assert!(!converted(QuestionType::Csat, Some(1), 5));
    }
}
