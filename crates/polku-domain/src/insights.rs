//! What drives detractors, and what is new: the maths behind the insights page, on counts the store
//! gathered. Pure and unit-tested on hand-worked figures.
//!
//! **Key drivers.** For a theme (or a touchpoint): how many answers mention it, the NPS of those that do
//! and of those that do not, and the NPS the whole would have if half of its *negative* mentions (for a
//! touchpoint: half of its detractors) had instead answered like everyone else. With `N` answers in all,
//! `g` of them in the negative group and `R` the rest (everything but the negative group),
//!
//! ```text
//! gain = g / (2N) × (NPS(R) − NPS(negative group))
//! ```
//!
//! — moving half the group to the rest's score distribution changes the promoter and detractor shares by
//! exactly that much. It is an association, not a proof of cause, and the page says so.
//!
//! **Emerging topics.** A theme or a word is emerging when the share of comments that mention it in the
//! chosen period is significantly higher than in the baseline (the periods before it): a one-sided
//! two-proportion z-test, pooled, at z ≥ 2.58 (p ≤ 0.005), with at least [`MIN_EMERGING_MENTIONS`] mentions
//! in the period, so that a word seen twice is not news.

use crate::metrics::{ScoreCounts, nps};
use serde::Serialize;

/// One candidate driver's counts: every answer that mentions it, and those whose mention was negative
/// (for a touchpoint: its detractors). Both histograms are on the NPS scale.
#[derive(Clone, Debug)]
pub struct DriverCounts {
    pub key: String,
    pub mentioned: ScoreCounts,
    pub negative: ScoreCounts,
}

/// A driver, ranked by [`Driver::gain`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Driver {
    pub key: String,
    /// Answers that mention it.
    pub n: u64,
    /// Their share of all answers, 0–1.
    pub share: f64,
    /// NPS among the answers that mention it, and among those that do not.
    pub nps_with: Option<f64>,
    pub nps_without: Option<f64>,
    /// Answers with a negative mention (a touchpoint: detractors there).
    pub negative: u64,
    pub nps_negative: Option<f64>,
    /// NPS points the whole would gain if half of the negative mentions answered like the rest.
    pub gain: f64,
}

fn minus(a: &ScoreCounts, b: &ScoreCounts) -> ScoreCounts {
    let mut out = a.clone();
    for (x, y) in out.counts.iter_mut().zip(&b.counts) {
        *x = x.saturating_sub(*y);
    }
    out
}

/// Ranks `candidates` against `total` (every answer of the period), largest gain first; ties by key.
pub fn drivers(total: &ScoreCounts, candidates: &[DriverCounts]) -> Vec<Driver> {
    let n_all = total.n();
    let mut out: Vec<Driver> = candidates
        .iter()
        .map(|c| {
            let rest = minus(total, &c.negative);
            let (negative, rest_nps) = (nps(&c.negative), nps(&rest));
            let gain = match (negative.score, rest_nps.score) {
                (Some(g), Some(r)) if n_all > 0 => negative.n as f64 / (2.0 * n_all as f64) * (r - g),
                _ => 0.0,
            };
            Driver {
                key: c.key.clone(),
                n: c.mentioned.n(),
                share: if n_all == 0 { 0.0 } else { c.mentioned.n() as f64 / n_all as f64 },
                nps_with: nps(&c.mentioned).score,
                nps_without: nps(&minus(total, &c.mentioned)).score,
                negative: negative.n,
                nps_negative: negative.score,
                gain,
            }
        })
        .collect();
    out.sort_by(|a, b| b.gain.total_cmp(&a.gain).then_with(|| a.key.cmp(&b.key)));
    out
}

/// Fewest mentions in the period for a theme or word to count as emerging.
pub const MIN_EMERGING_MENTIONS: u64 = 5;
/// One-sided z at p = 0.005.
pub const EMERGING_Z: f64 = 2.575_829_303_548_901;

/// How often one theme or word was mentioned: in the period and in the baseline before it.
#[derive(Clone, Debug)]
pub struct MentionCounts {
    pub key: String,
    pub now: u64,
    pub before: u64,
}

/// A theme or word whose share rose, with the test behind the verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Emerging {
    pub key: String,
    pub now: u64,
    pub before: u64,
    /// Share of the period's comments that mention it, and of the baseline's, 0–1.
    pub share_now: f64,
    pub share_before: f64,
    /// The two-proportion z statistic and its one-sided p-value.
    pub z: f64,
    pub p: f64,
}

/// The one-sided p-value of a standard normal `z`.
pub fn p_one_sided(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function (W. J. Cody's rational approximation as given in Numerical Recipes'
/// `erfcc`, fractional error below 1.2e-7 everywhere): plenty for a p-value shown with two digits.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Tests every candidate: `n_now` comments in the period, `n_before` in the baseline. Returns those whose
/// share rose significantly, largest z first.
pub fn emerging(n_now: u64, n_before: u64, candidates: &[MentionCounts]) -> Vec<Emerging> {
    if n_now == 0 || n_before == 0 {
        return Vec::new();
    }
    let (n1, n0) = (n_now as f64, n_before as f64);
    let mut out: Vec<Emerging> = candidates
        .iter()
        .filter(|c| c.now >= MIN_EMERGING_MENTIONS)
        .filter_map(|c| {
            let (p1, p0) = (c.now as f64 / n1, c.before as f64 / n0);
            let pooled = (c.now + c.before) as f64 / (n1 + n0);
            let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0)).sqrt();
            if se == 0.0 {
                return None;
            }
            let z = (p1 - p0) / se;
            (z >= EMERGING_Z).then(|| Emerging {
                key: c.key.clone(),
                now: c.now,
                before: c.before,
                share_now: p1,
                share_before: p0,
                z,
                p: p_one_sided(z),
            })
        })
        .collect();
    out.sort_by(|a, b| b.z.total_cmp(&a.z).then_with(|| a.key.cmp(&b.key)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(i16, u64)]) -> ScoreCounts {
        let mut c = ScoreCounts::nps();
        for &(s, n) in pairs {
            c.add(s, n);
        }
        c
    }

    #[test]
    fn driver_gain_worked_by_hand() {
        // 100 answers: 40 promoters (10), 30 passives (8), 30 detractors (2): NPS 10.
        let total = counts(&[(10, 40), (8, 30), (2, 30)]);
        // "delivery": mentioned by 30; 20 of them negative, all detractors; 10 positive mentions, promoters.
        let delivery = DriverCounts {
            key: "delivery".into(),
            mentioned: counts(&[(2, 20), (10, 10)]),
            negative: counts(&[(2, 20)]),
        };
        // "price": 10 mentions, 5 negative (passives), 5 promoters.
        let price =
            DriverCounts { key: "price".into(), mentioned: counts(&[(8, 5), (10, 5)]), negative: counts(&[(8, 5)]) };
        let d = drivers(&total, &[price, delivery]);
        assert_eq!(d[0].key, "delivery");
        // With: 10 P, 20 D of 30 → −33.3. Without: 30 P, 30 Pa, 10 D of 70 → 28.57.
        assert!((d[0].nps_with.unwrap() - (-100.0 / 3.0)).abs() < 1e-9);
        assert!((d[0].nps_without.unwrap() - 200.0 / 7.0).abs() < 1e-9);
        // Negative group: NPS −100; rest (80: 40 P, 30 Pa, 10 D) 37.5; gain = 20/200 × 137.5 = 13.75.
        assert!((d[0].gain - 13.75).abs() < 1e-9, "{}", d[0].gain);
        assert!((d[0].share - 0.3).abs() < 1e-12);
        // Price: negative group NPS 0; rest (95: 40 P, 25 Pa, 30 D) 10/95 × 100 = 10.526; gain 5/200 × 10.526.
        assert!((d[1].gain - 5.0 / 200.0 * (1000.0 / 95.0)).abs() < 1e-9, "{}", d[1].gain);
        assert_eq!(d[1].negative, 5);
    }

    #[test]
    fn drivers_of_an_empty_period_gain_nothing() {
        let d = drivers(
            &ScoreCounts::nps(),
            &[DriverCounts { key: "x".into(), mentioned: ScoreCounts::nps(), negative: ScoreCounts::nps() }],
        );
        assert_eq!((d[0].gain, d[0].share, d[0].nps_with), (0.0, 0.0, None));
    }

    #[test]
    fn emerging_worked_by_hand() {
        // Period: 200 comments, 30 mention "hinta" (15 %); baseline: 800, 40 (5 %).
        // Pooled 70/1000 = 0.07; se = sqrt(0.07 × 0.93 × (1/200 + 1/800)) = 0.020172; z = 0.10 / se = 4.957.
        let e = emerging(
            200,
            800,
            &[
                MentionCounts { key: "hinta".into(), now: 30, before: 40 },
                // Same share as before: not emerging.
                MentionCounts { key: "lasku".into(), now: 10, before: 40 },
                // Rose, but only 4 mentions: too few.
                MentionCounts { key: "kissa".into(), now: 4, before: 0 },
            ],
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].key, "hinta");
        assert!((e[0].z - 4.957).abs() < 1e-3, "{}", e[0].z);
        assert!(e[0].p < 1e-6);
        assert!((e[0].share_now - 0.15).abs() < 1e-12);
        assert!(emerging(0, 800, &[MentionCounts { key: "x".into(), now: 9, before: 1 }]).is_empty());
    }

    #[test]
    fn p_values_match_the_normal_table() {
        // Φ(−1.96) = 0.0250, Φ(−2.576) = 0.0050, Φ(0) = 0.5.
        assert!((p_one_sided(1.959_964) - 0.025).abs() < 1e-6);
        assert!((p_one_sided(EMERGING_Z) - 0.005).abs() < 1e-6);
        assert!((p_one_sided(0.0) - 0.5).abs() < 1e-7);
        assert!((p_one_sided(-1.0) - 0.841_344_7).abs() < 1e-6);
    }
}
