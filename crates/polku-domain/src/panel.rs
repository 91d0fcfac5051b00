//! The customer panel: customers who agreed to be asked now and then for studies (issue 15).
//!
//! Members join through the API, a pasted CSV column on the panel page, or a survey's personal link page;
//! they leave with one click from any study's message (a signed link, `invite::Purpose::LeavePanel`). A
//! study goes to the whole panel or to a random sample of N, stratified by an attribute so that each
//! group keeps its share of the panel (largest remainders; within a group a seeded shuffle, so a study's
//! sample is the same however often it is drawn). Participation is counted from the study invitations.

use crate::rng::SplitMix64;
use std::collections::BTreeMap;

/// Most members one study may draw.
pub const MAX_SAMPLE: usize = 50_000;

/// A sample of `n` of `members` (id, stratum), each stratum getting its share of `n` by largest
/// remainders, drawn at random with `seed`; all of them when `n` is at least their number. The result is
/// in the members' order.
pub fn stratified_sample<T: Clone + Ord>(members: &[(T, String)], n: usize, seed: u64) -> Vec<T> {
    if n >= members.len() {
        return members.iter().map(|(id, _)| id.clone()).collect();
    }
    let mut strata: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, s)) in members.iter().enumerate() {
        strata.entry(s.as_str()).or_default().push(i);
    }
    let total = members.len();
    // Quotas: the floor of each share, then one more to the largest remainders (ties by stratum name).
    let mut quotas: Vec<(&str, usize, usize)> = strata
        .iter()
        .map(|(s, idx)| {
            let exact = idx.len() * n;
            (*s, exact / total, exact % total)
        })
        .collect();
    let mut left = n - quotas.iter().map(|q| q.1).sum::<usize>();
    let mut order: Vec<usize> = (0..quotas.len()).collect();
    order.sort_by(|a, b| quotas[*b].2.cmp(&quotas[*a].2).then(quotas[*a].0.cmp(quotas[*b].0)));
    for i in order {
        if left == 0 {
            break;
        }
        quotas[i].1 += 1;
        left -= 1;
    }
    let mut rng = SplitMix64::new(seed);
    let mut chosen = Vec::with_capacity(n);
    for (stratum, quota, _) in quotas {
        let mut idx = strata[stratum].clone();
        // A partial Fisher–Yates shuffle: the first `quota` are a uniform sample.
        for k in 0..quota.min(idx.len()) {
            let j = k + rng.below((idx.len() - k) as u64) as usize;
            idx.swap(k, j);
        }
        chosen.extend_from_slice(&idx[..quota.min(idx.len())]);
    }
    chosen.sort_unstable();
    chosen.into_iter().map(|i| members[i].0.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(groups: &[(&str, usize)]) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for (g, n) in groups {
            for _ in 0..*n {
                out.push((out.len() as u32, g.to_string()));
            }
        }
        out
    }

    fn count(sample: &[u32], members: &[(u32, String)], group: &str) -> usize {
        sample.iter().filter(|id| members[**id as usize].1 == group).count()
    }

    #[test]
    fn each_group_keeps_its_share_of_the_panel() {
        let members = panel(&[("Uusimaa", 600), ("Pirkanmaa", 300), ("Lappi", 100)]);
        let sample = stratified_sample(&members, 100, 7);
        assert_eq!(sample.len(), 100);
        assert_eq!(
            [
                count(&sample, &members, "Uusimaa"),
                count(&sample, &members, "Pirkanmaa"),
                count(&sample, &members, "Lappi")
            ],
            [60, 30, 10]
        );
        // Remainders: 7 of (5, 3, 2) → 3.5, 2.1, 1.4 → 3 + 2 + 1 and the largest remainder (0.5) one more.
        let small = panel(&[("a", 5), ("b", 3), ("c", 2)]);
        let s = stratified_sample(&small, 7, 1);
        assert_eq!([count(&s, &small, "a"), count(&s, &small, "b"), count(&s, &small, "c")], [4, 2, 1]);
    }

    #[test]
    fn a_sample_is_random_but_repeatable_and_never_repeats_a_member() {
        let members = panel(&[("x", 1000)]);
        let a = stratified_sample(&members, 50, 42);
        assert_eq!(a, stratified_sample(&members, 50, 42), "the same seed draws the same sample");
        assert_ne!(a, stratified_sample(&members, 50, 43));
        let mut unique = a.clone();
        unique.dedup();
        assert_eq!(unique.len(), 50);
        assert!(a.iter().any(|id| *id >= 500), "drawn from the whole group, not its start: {a:?}");
        assert_eq!(stratified_sample(&members, 5000, 1).len(), 1000, "n above the panel: everyone");
    }
}
