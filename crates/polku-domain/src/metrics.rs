//! The metric maths: NPS, CSAT and CES from counts per score, each with its 95 % confidence interval.
//!
//! Inputs are counts per score value (what the rollups store), never raw answers, so the dashboard and a
//! recount of the raw answers give identical numbers by construction.
//!
//! * NPS = (promoters − detractors) / n × 100. Its interval is the normal approximation of the variance of a
//!   difference of two multinomial proportions: Var = (p + d − (p − d)²) / n, so CI = NPS ± 1.96·√Var·100,
//!   clipped to −100…100. With n = 0 there is no score; with every answer in one group the interval collapses
//!   to the point, as the approximation says (a known weakness at tiny n, shown by n beside it).
//! * CSAT = share of 4–5 answers on 1–5, in percent, with the Wilson score interval, which unlike the Wald
//!   interval stays inside 0–100 and behaves at 0 % and 100 %.
//! * CES = mean on 1–7 with mean ± 1.96·s/√n (s the sample standard deviation); no interval below n = 2.

use serde::Serialize;

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Counts per score value for one scale, e.g. index 0..=10 for NPS.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ScoreCounts {
    pub min: i16,
    pub counts: Vec<u64>,
}

impl ScoreCounts {
    pub fn new(min: i16, max: i16) -> Self {
        Self { min, counts: vec![0; (max - min + 1) as usize] }
    }

    pub fn nps() -> Self {
        Self::new(0, 10)
    }
    pub fn csat() -> Self {
        Self::new(1, 5)
    }
    pub fn ces() -> Self {
        Self::new(1, 7)
    }

    /// Adds `n` answers of `score`; scores outside the scale are ignored (they never pass validation).
    pub fn add(&mut self, score: i16, n: u64) {
        if let Some(c) = usize::try_from(score - self.min).ok().and_then(|i| self.counts.get_mut(i)) {
            *c += n;
        }
    }

    pub fn merge(&mut self, other: &ScoreCounts) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    pub fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn count_in(&self, lo: i16, hi: i16) -> u64 {
        (lo..=hi).map(|s| self.counts.get((s - self.min) as usize).copied().unwrap_or(0)).sum()
    }

    /// (score, count) pairs, for distribution charts.
    pub fn iter(&self) -> impl Iterator<Item = (i16, u64)> + '_ {
        self.counts.iter().enumerate().map(|(i, c)| (self.min + i as i16, *c))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Nps {
    pub score: Option<f64>,
    pub n: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub ci95: Option<[f64; 2]>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Csat {
    /// Percent of answers that are 4 or 5.
    pub score: Option<f64>,
    pub n: u64,
    pub satisfied: u64,
    pub ci95: Option<[f64; 2]>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ces {
    /// Mean effort on 1–7.
    pub score: Option<f64>,
    pub n: u64,
    pub ci95: Option<[f64; 2]>,
}

pub fn nps(c: &ScoreCounts) -> Nps {
    let n = c.n();
    let promoters = c.count_in(9, 10);
    let passives = c.count_in(7, 8);
    let detractors = c.count_in(0, 6);
    if n == 0 {
        return Nps { score: None, n, promoters, passives, detractors, ci95: None };
    }
    let nf = n as f64;
    let (p, d) = (promoters as f64 / nf, detractors as f64 / nf);
    let diff = p - d;
    let var = ((p + d - diff * diff) / nf).max(0.0);
    let half = Z95 * var.sqrt() * 100.0;
    let score = diff * 100.0;
    Nps {
        score: Some(score),
        n,
        promoters,
        passives,
        detractors,
        ci95: Some([(score - half).max(-100.0), (score + half).min(100.0)]),
    }
}

pub fn csat(c: &ScoreCounts) -> Csat {
    let n = c.n();
    let satisfied = c.count_in(4, 5);
    if n == 0 {
        return Csat { score: None, n, satisfied, ci95: None };
    }
    let (lo, hi) = wilson(satisfied, n);
    Csat { score: Some(satisfied as f64 / n as f64 * 100.0), n, satisfied, ci95: Some([lo * 100.0, hi * 100.0]) }
}

pub fn ces(c: &ScoreCounts) -> Ces {
    let n = c.n();
    if n == 0 {
        return Ces { score: None, n, ci95: None };
    }
    let nf = n as f64;
    let mean = c.iter().map(|(s, k)| f64::from(s) * k as f64).sum::<f64>() / nf;
    let ci95 = (n >= 2).then(|| {
        let ss: f64 = c.iter().map(|(s, k)| (f64::from(s) - mean).powi(2) * k as f64).sum();
        let sd = (ss / (nf - 1.0)).sqrt();
        let half = Z95 * sd / nf.sqrt();
        [mean - half, mean + half]
    });
    Ces { score: Some(mean), n, ci95 }
}

/// Wilson score interval for `k` successes out of `n`, as proportions.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(min: i16, max: i16, pairs: &[(i16, u64)]) -> ScoreCounts {
        let mut c = ScoreCounts::new(min, max);
        for &(s, n) in pairs {
            c.add(s, n);
        }
        c
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn nps_hand_computed() {
        // 5 promoters, 3 passives, 2 detractors: NPS = 30. p = .5, d = .2,
        // Var = (.7 − .09) / 10 = .061, half-width = 1.959964 × √.061 × 100 = 48.4078...
        let r = nps(&counts(0, 10, &[(10, 3), (9, 2), (8, 2), (7, 1), (6, 1), (0, 1)]));
        assert_eq!((r.n, r.promoters, r.passives, r.detractors), (10, 5, 3, 2));
        assert!(close(r.score.unwrap(), 30.0));
        let half = Z95 * 0.061f64.sqrt() * 100.0;
        assert!(close(r.ci95.unwrap()[0], 30.0 - half));
        assert!(close(r.ci95.unwrap()[1], 30.0 + half));
        assert!((half - 48.4078).abs() < 1e-3);
    }

    #[test]
    fn nps_edge_cases() {
        let empty = nps(&ScoreCounts::nps());
        assert_eq!((empty.score, empty.ci95, empty.n), (None, None, 0));
        let all = nps(&counts(0, 10, &[(9, 4), (10, 6)]));
        assert_eq!(all.score, Some(100.0));
        assert_eq!(all.ci95, Some([100.0, 100.0]));
        let none = nps(&counts(0, 10, &[(0, 1)]));
        assert_eq!(none.score, Some(-100.0));
        // One promoter, one detractor: NPS 0, Var = 1/2, half-width 138.6 → clipped to the scale.
        let split = nps(&counts(0, 10, &[(0, 1), (10, 1)]));
        assert_eq!(split.ci95, Some([-100.0, 100.0]));
    }

    #[test]
    fn csat_with_wilson() {
        // 8 of 10 satisfied: Wilson 95 % = (0.4902, 0.9433) (standard tables).
        let r = csat(&counts(1, 5, &[(5, 5), (4, 3), (3, 1), (1, 1)]));
        assert_eq!((r.n, r.satisfied), (10, 8));
        assert!(close(r.score.unwrap(), 80.0));
        let [lo, hi] = r.ci95.unwrap();
        assert!((lo - 49.02).abs() < 0.01 && (hi - 94.33).abs() < 0.01, "{lo} {hi}");
        let perfect = csat(&counts(1, 5, &[(5, 3)]));
        assert_eq!(perfect.ci95.unwrap()[1], 100.0);
        assert!(perfect.ci95.unwrap()[0] > 0.0);
        assert_eq!(csat(&ScoreCounts::csat()).score, None);
    }

    #[test]
    fn ces_mean_and_interval() {
        // Scores 2, 4, 6: mean 4, s = 2, half-width = 1.96 × 2 / √3.
        let r = ces(&counts(1, 7, &[(2, 1), (4, 1), (6, 1)]));
        assert!(close(r.score.unwrap(), 4.0));
        let half = Z95 * 2.0 / 3f64.sqrt();
        assert!(close(r.ci95.unwrap()[0], 4.0 - half));
        let single = ces(&counts(1, 7, &[(5, 1)]));
        assert_eq!((single.score, single.ci95), (Some(5.0), None));
        assert_eq!(ces(&ScoreCounts::ces()).n, 0);
    }

    #[test]
    fn counts_ignore_out_of_scale_and_merge() {
        let mut a = counts(1, 5, &[(0, 3), (6, 1), (5, 2)]);
        assert_eq!(a.n(), 2);
        a.merge(&counts(1, 5, &[(1, 1)]));
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![(1, 1), (2, 0), (3, 0), (4, 0), (5, 2)]);
    }
}
