//! The customer journey: stages (need recognition → … → end of use, renamable and reorderable per
//! organisation) with touchpoints under them, what each touchpoint makes people feel (positive / neutral /
//! negative from scores: NPS 9–10 / 7–8 / 0–6, CSAT 4–5 / 3 / 1–2, CES 5–7 / 4 / 1–3), its trend, and the
//! pain points: touchpoints ranked by how much the overall NPS and retention would gain if their negative
//! share fell to the organisation's median. Pure.
//!
//! The trend is a two-proportion z-test of negative shares at 95 %. Pain points take the median negative
//! share of touchpoints with at least `MIN_ANSWERS` answers; a touchpoint's detractors above that share, had
//! they been passives, give the NPS points the whole organisation would gain, and its negatives above it ×
//! (passives' − detractors' retention) the customers it would keep.

use crate::Locale;
use crate::metrics::ScoreCounts;
use crate::survey::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};

/// The default stages from CX practice: key and names in fi, sv, en.
pub const DEFAULT_STAGES: [(&str, &str, &str, &str); 8] = [
    ("need", "Tarpeen tunnistaminen", "Behovet uppstår", "Need recognition"),
    ("comparison", "Vertailu", "Jämförelse", "Comparison"),
    ("decision", "Päätös", "Beslut", "Decision"),
    ("purchase", "Osto", "Köp", "Purchase"),
    ("delivery", "Toimitus", "Leverans", "Delivery"),
    ("use", "Käyttö", "Användning", "Use"),
    ("customer-service", "Asiakaspalvelu", "Kundtjänst", "Customer service"),
    ("end-of-use", "Käytön päättyminen", "Slut på användningen", "End of use"),
];

/// A stage of an organisation's journey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// A short name: a–z, 0–9, `-` and `_`.
    pub key: String,
    /// Names per language (`fi`, `sv`, `en`); a missing one falls back to the default or the key.
    #[serde(default)]
    pub names: std::collections::BTreeMap<String, String>,
}

/// A touchpoint placed on the journey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// The touchpoint as responses, events and contacts name it (`arrival`).
    pub touchpoint: String,
    /// The stage's key.
    pub stage: String,
    #[serde(default)]
    pub names: std::collections::BTreeMap<String, String>,
}

pub fn default_stages() -> Vec<Stage> {
    DEFAULT_STAGES
        .iter()
        .map(|(key, fi, sv, en)| Stage {
            key: key.to_string(),
            names: [("fi", fi), ("sv", sv), ("en", en)]
                .into_iter()
                .map(|(l, n)| (l.to_string(), n.to_string()))
                .collect(),
        })
        .collect()
}

/// A key as a person would write it, for a touchpoint or outcome nobody named: `clean-up` → "Clean up",
/// `late_60_min_no_notice` → "Late 60 min no notice".
pub fn humanise(key: &str) -> String {
    let spaced: String = key.chars().map(|c| if c == '-' || c == '_' { ' ' } else { c }).collect();
    let spaced = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a page shows for a stage or touchpoint: [`name`], or the key made readable when nothing names it.
pub fn label(key: &str, names: &std::collections::BTreeMap<String, String>, locale: Locale) -> String {
    let n = name(key, names, locale);
    if n == key { humanise(key) } else { n }
}

/// The name of a stage or touchpoint in `locale`: its own, else a default stage's, else its key.
pub fn name(key: &str, names: &std::collections::BTreeMap<String, String>, locale: Locale) -> String {
    if let Some(n) = names.get(locale.as_str()).filter(|n| !n.trim().is_empty()) {
        return n.clone();
    }
    DEFAULT_STAGES
        .iter()
        .find(|s| s.0 == key)
        .map(|s| match locale {
            Locale::Fi => s.1,
            Locale::Sv => s.2,
            Locale::En => s.3,
        })
        .unwrap_or(key)
        .to_string()
}

fn check_names(errs: &mut Vec<FieldError>, prefix: &str, names: &std::collections::BTreeMap<String, String>) {
    for (l, n) in names {
        if Locale::parse(l).is_none() {
            errs.push(FieldError { field: format!("{prefix}.names.{l}"), message: "must be fi, sv or en".into() });
        } else if n.chars().count() > 80 || n.chars().any(char::is_control) {
            errs.push(FieldError {
                field: format!("{prefix}.names.{l}"),
                message: "must be at most 80 characters".into(),
            });
        }
    }
}

/// Checks a whole journey: 1–20 stages with unique keys, each touchpoint placed once on a stage that exists.
pub fn validate(stages: &[Stage], placements: &[Placement]) -> Result<(), ValidationErrors> {
    let mut errs = Vec::new();
    if stages.is_empty() || stages.len() > 20 {
        errs.push(FieldError { field: "stages".into(), message: "must be 1–20 stages".into() });
    }
    let mut seen = std::collections::HashSet::new();
    for (i, s) in stages.iter().enumerate() {
        if !crate::response::is_valid_name(&s.key, 40) {
            errs.push(FieldError {
                field: format!("stages[{i}].key"),
                message: "must be a short name (a–z, 0–9, - and _)".into(),
            });
        } else if !seen.insert(s.key.as_str()) {
            errs.push(FieldError { field: format!("stages[{i}].key"), message: "is used twice".into() });
        }
        check_names(&mut errs, &format!("stages[{i}]"), &s.names);
    }
    let mut placed = std::collections::HashSet::new();
    for (i, p) in placements.iter().enumerate() {
        if !crate::response::is_valid_name(&p.touchpoint, crate::response::MAX_TOUCHPOINT) {
            errs.push(FieldError {
                field: format!("touchpoints[{i}].touchpoint"),
                message: "must be a touchpoint name".into(),
            });
        } else if !placed.insert(p.touchpoint.as_str()) {
            errs.push(FieldError { field: format!("touchpoints[{i}].touchpoint"), message: "is placed twice".into() });
        }
        if !seen.contains(p.stage.as_str()) {
            errs.push(FieldError {
                field: format!("touchpoints[{i}].stage"),
                message: "is not a stage of the journey".into(),
            });
        }
        check_names(&mut errs, &format!("touchpoints[{i}]"), &p.names);
    }
    if errs.is_empty() { Ok(()) } else { Err(ValidationErrors(errs)) }
}

/// Positive, neutral and negative answers among scored ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Feel {
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
}

impl Feel {
    pub fn of(nps: &ScoreCounts, csat: &ScoreCounts, ces: &ScoreCounts) -> Feel {
        Feel {
            positive: nps.count_in(9, 10) + csat.count_in(4, 5) + ces.count_in(5, 7),
            neutral: nps.count_in(7, 8) + csat.count_in(3, 3) + ces.count_in(4, 4),
            negative: nps.count_in(0, 6) + csat.count_in(1, 2) + ces.count_in(1, 3),
        }
    }

    pub fn n(&self) -> u64 {
        self.positive + self.neutral + self.negative
    }

    /// Share of negative answers, 0–1 (0 without answers).
    pub fn negative_share(&self) -> f64 {
        if self.n() == 0 { 0.0 } else { self.negative as f64 / self.n() as f64 }
    }
}

/// Whether a touchpoint got better or worse than in the period before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Better,
    Worse,
    Steady,
    /// Too few answers in one of the periods (fewer than 10).
    Unknown,
}

/// Compares negative shares with a two-proportion z-test at 95 %: fewer negatives is better.
pub fn trend(before: Feel, now: Feel) -> Trend {
    let (n1, n2) = (before.n() as f64, now.n() as f64);
    if n1 < 10.0 || n2 < 10.0 {
        return Trend::Unknown;
    }
    let (p1, p2) = (before.negative_share(), now.negative_share());
    let pooled = (before.negative + now.negative) as f64 / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return Trend::Steady;
    }
    let z = (p2 - p1) / se;
    if z <= -crate::metrics::Z95 {
        Trend::Better
    } else if z >= crate::metrics::Z95 {
        Trend::Worse
    } else {
        Trend::Steady
    }
}

/// A touchpoint as the pain-point ranking sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TouchpointInput {
    pub key: String,
    pub feel: Feel,
    /// NPS answers and detractors among them, at this touchpoint.
    pub nps_n: u64,
    pub detractors: u64,
}

/// A pain point with the numbers behind its rank.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PainPoint {
    pub touchpoint: String,
    pub answers: u64,
    pub negative_share: f64,
    /// The median negative share of touchpoints with at least [`MIN_ANSWERS`] answers.
    pub median_share: f64,
    /// Negative answers above the median share: how many fewer there would be at the median.
    pub excess_negative: f64,
    /// NPS points the whole organisation would gain if this touchpoint's detractors above the median share
    /// were passives instead.
    pub nps_gain: f64,
    /// Customers a year more retained: the excess negatives times how much better passives are retained than
    /// detractors (from the money figures).
    pub customers_retained: f64,
}

/// Touchpoints with fewer answers are left out of the median and the ranking.
pub const MIN_ANSWERS: u64 = 10;

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

/// Pain points, biggest NPS gain first (ties: more excess negatives, then key). `total_nps` is the number of
/// NPS answers in the whole organisation; `retention_gap` = passives' retention − detractors' (0–1).
pub fn pain_points(touchpoints: &[TouchpointInput], total_nps: u64, retention_gap: f64) -> Vec<PainPoint> {
    let eligible: Vec<&TouchpointInput> = touchpoints.iter().filter(|t| t.feel.n() >= MIN_ANSWERS).collect();
    let m = median(eligible.iter().map(|t| t.feel.negative_share()).collect());
    let mut out: Vec<PainPoint> = eligible
        .iter()
        .filter(|t| t.feel.negative_share() > m)
        .map(|t| {
            let excess = (t.feel.negative_share() - m) * t.feel.n() as f64;
            let excess_detractors = (t.detractors as f64 - m * t.nps_n as f64).max(0.0);
            PainPoint {
                touchpoint: t.key.clone(),
                answers: t.feel.n(),
                negative_share: t.feel.negative_share(),
                median_share: m,
                excess_negative: excess,
                nps_gain: if total_nps == 0 { 0.0 } else { 100.0 * excess_detractors / total_nps as f64 },
                customers_retained: excess * retention_gap.max(0.0),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.nps_gain
            .total_cmp(&a.nps_gain)
            .then(b.excess_negative.total_cmp(&a.excess_negative))
            .then(a.touchpoint.cmp(&b.touchpoint))
    });
    out
}

/// The support load of one stage: the contacts started at the touchpoints placed under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageSupport {
    /// The stage's key, or `-` for contacts at no placed touchpoint.
    pub stage: String,
    /// Its name in `fi`, `sv` and `en` (empty for `-`).
    pub names: std::collections::BTreeMap<String, String>,
    /// Contacts and cost against all `orders` (support started anywhere is paid for by every order).
    pub support: crate::retention::SupportRow,
}

/// Support contacts and cost per stage, in the journey's order, from (touchpoint, contacts, cost) rows;
/// contacts at touchpoints not placed (or with none) go to a last row `-`, present only when there are any.
pub fn support_by_stage(
    stages: &[Stage],
    placed: &[Placement],
    by_touchpoint: &[(String, i64, i64)],
    orders: u32,
) -> Vec<StageSupport> {
    let mut sums = vec![(0u32, 0i64); stages.len() + 1];
    for (t, n, cost) in by_touchpoint {
        let i = placed
            .iter()
            .find(|p| &p.touchpoint == t)
            .and_then(|p| stages.iter().position(|s| s.key == p.stage))
            .unwrap_or(stages.len());
        sums[i].0 += u32::try_from(*n).unwrap_or(u32::MAX);
        sums[i].1 += cost;
    }
    let row = |key: &str, (n, cost): (u32, i64)| crate::retention::SupportRow::new(key.to_string(), orders, n, cost);
    let mut out: Vec<StageSupport> = stages
        .iter()
        .zip(&sums)
        .map(|(s, sum)| StageSupport {
            stage: s.key.clone(),
            names: [Locale::Fi, Locale::Sv, Locale::En]
                .into_iter()
                .map(|l| (l.as_str().to_string(), name(&s.key, &s.names, l)))
                .collect(),
            support: row(&s.key, *sum),
        })
        .collect();
    let unplaced = sums[stages.len()];
    if unplaced.0 > 0 {
        out.push(StageSupport { stage: "-".into(), names: Default::default(), support: row("-", unplaced) });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_read_as_words_when_nobody_named_them() {
        use super::{humanise, label};
        assert_eq!(humanise("clean-up"), "Clean up");
        assert_eq!(humanise("late_60_min_no_notice"), "Late 60 min no notice");
        assert_eq!(humanise("äänestys"), "Äänestys");
        assert_eq!(humanise("-"), "");
        let names = [("fi".to_string(), "Siivous".to_string())].into();
        assert_eq!(label("clean-up", &names, Locale::Fi), "Siivous");
        assert_eq!(label("clean-up", &names, Locale::Sv), "Clean up");
        assert_eq!(label("delivery", &Default::default(), Locale::Fi), "Toimitus", "a default stage's name");
    }

    use super::*;

    fn counts(min: i16, max: i16, pairs: &[(i16, u64)]) -> ScoreCounts {
        let mut c = ScoreCounts::new(min, max);
        for (s, n) in pairs {
            c.add(*s, *n);
        }
        c
    }

    #[test]
    fn feelings_from_every_scale() {
        let f = Feel::of(
            &counts(0, 10, &[(10, 3), (8, 2), (6, 1), (0, 1)]),
            &counts(1, 5, &[(5, 1), (3, 1), (2, 2)]),
            &counts(1, 7, &[(7, 1), (4, 1), (3, 1)]),
        );
        // NPS 3 / 2 / 2, CSAT 1 / 1 / 2, CES 1 / 1 / 1.
        assert_eq!((f.positive, f.neutral, f.negative), (5, 4, 5));
        assert!((f.negative_share() - 5.0 / 14.0).abs() < 1e-12);
        assert_eq!(Feel::default().negative_share(), 0.0);
    }

    #[test]
    fn trends_need_a_real_difference() {
        let f = |neg: u64, n: u64| Feel { positive: n - neg, neutral: 0, negative: neg };
        // 30 % → 10 % negative on 100 answers each: z = −0.2 / √(0.2·0.8·0.02) = −3.54: better.
        assert_eq!(trend(f(30, 100), f(10, 100)), Trend::Better);
        assert_eq!(trend(f(10, 100), f(30, 100)), Trend::Worse);
        // 20 % → 15 %: z = −0.05 / √(0.175·0.825·0.02) = −0.93: steady.
        assert_eq!(trend(f(20, 100), f(15, 100)), Trend::Steady);
        assert_eq!(trend(f(1, 9), f(5, 100)), Trend::Unknown);
    }

    #[test]
    fn support_by_stage_by_hand() {
        let stages = default_stages();
        let place = |t: &str, s: &str| Placement { touchpoint: t.into(), stage: s.into(), names: Default::default() };
        let placed = [place("arrival", "delivery"), place("parcel", "delivery"), place("invoice", "purchase")];
        // 200 orders. Delivery: 10 + 6 contacts costing 50 € + 30 €; purchase: 4 for 20 €; "" and an unplaced
        // "chat": 5 + 5 for 10 € + 15 €.
        let rows = [
            ("".to_string(), 5, 1_000),
            ("arrival".to_string(), 10, 5_000),
            ("chat".to_string(), 5, 1_500),
            ("invoice".to_string(), 4, 2_000),
            ("parcel".to_string(), 6, 3_000),
        ];
        let s = support_by_stage(&stages, &placed, &rows, 200);
        assert_eq!(s.len(), 9, "eight stages, all shown, and the unplaced");
        let get = |k: &str| &s.iter().find(|x| x.stage == k).unwrap().support;
        // Delivery: 16 contacts per 200 orders = 8 per 100; 8,000 cents / 200 = 40 cents per order.
        assert_eq!(
            (get("delivery").contacts, get("delivery").contacts_per_100_orders, get("delivery").cost_per_order),
            (16, 8.0, 40.0)
        );
        assert_eq!((get("purchase").contacts, get("purchase").cost_cents), (4, 2_000));
        assert_eq!((get("need").contacts, get("need").cost_per_order), (0, 0.0));
        assert_eq!((s[8].stage.as_str(), s[8].support.contacts, s[8].support.cost_cents), ("-", 10, 2_500));
        assert_eq!(s[4].names["sv"], "Leverans");
        // Everything placed: no "-" row.
        assert_eq!(support_by_stage(&stages, &placed, &rows[1..2], 200).len(), 8);
    }

    #[test]
    fn pain_points_by_hand() {
        let tp = |key: &str, pos: u64, neg: u64, nps_n: u64, det: u64| TouchpointInput {
            key: key.into(),
            feel: Feel { positive: pos, neutral: 0, negative: neg },
            nps_n,
            detractors: det,
        };
        // Negative shares: quote 10 %, arrival 40 %, invoice 25 %, work 5 %; "tiny" has too few answers.
        // Median of 5, 10, 25, 40 = 17.5 %.
        let list = [
            tp("quote", 90, 10, 50, 5),
            tp("arrival", 60, 40, 100, 40),
            tp("invoice", 150, 50, 100, 25),
            tp("work", 190, 10, 100, 5),
            tp("tiny", 0, 5, 5, 5),
        ];
        let p = pain_points(&list, 1_000, 0.2);
        assert_eq!(p.iter().map(|x| x.touchpoint.as_str()).collect::<Vec<_>>(), ["arrival", "invoice"]);
        // Arrival: 100 answers, 40 % − 17.5 % = 22.5 excess negatives; detractors 40 − 0.175 × 100 = 22.5 of
        // 1,000 NPS answers: 2.25 NPS points; 22.5 × 0.2 = 4.5 customers kept.
        let a = &p[0];
        assert!((a.median_share - 0.175).abs() < 1e-12);
        assert!((a.excess_negative - 22.5).abs() < 1e-9 && (a.nps_gain - 2.25).abs() < 1e-9);
        assert!((a.customers_retained - 4.5).abs() < 1e-9);
        // Invoice: 200 answers, 25 % − 17.5 % = 7.5 % → 15 excess; detractors 25 − 17.5 = 7.5 → 0.75 points.
        assert!((p[1].excess_negative - 15.0).abs() < 1e-9 && (p[1].nps_gain - 0.75).abs() < 1e-9);
    }

    #[test]
    fn journeys_are_checked() {
        let stages = default_stages();
        assert_eq!(name("need", &Default::default(), Locale::Sv), "Behovet uppstår");
        assert_eq!(name("own", &[("fi".to_string(), "Oma".to_string())].into(), Locale::En), "own");
        let ok = Placement { touchpoint: "arrival".into(), stage: "delivery".into(), names: Default::default() };
        assert!(validate(&stages, std::slice::from_ref(&ok)).is_ok());
        let bad_stage = Stage { key: "Need!".into(), names: [("de".to_string(), "x".to_string())].into() };
        let twice = Placement { stage: "nowhere".into(), ..ok.clone() };
        let err = validate(&[stages[4].clone(), stages[4].clone(), bad_stage], &[ok, twice]).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "stages[1].key",
                "stages[2].key",
                "stages[2].names.de",
                "touchpoints[1].touchpoint",
                "touchpoints[1].stage"
            ]
        );
        assert!(validate(&[], &[]).is_err());
    }
}
