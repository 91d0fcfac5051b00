//! Every customer's history, kept in memory per organisation and brought up to date from the customer
//! summaries changed since it was last read.
//!
//! The money and journey analyses need all of an organisation's customers at once: at 100,000 customers,
//! reading and decoding every summary costs more than the whole page may. Each summary carries the change
//! number it was written under (`customer_summaries.seq`, ordered by the organisation's row lock), so a node
//! that has read up to N reads only `seq > N` — nothing at all when nothing changed — and several nodes stay
//! correct without telling each other anything. The price is memory: roughly 300 bytes a customer, for the
//! organisations analysed in the last [`IDLE`].
//!
//! Only the changed customers' histories are rebuilt, all of them when the main currency flips; one reader
//! per organisation catches up while the others wait for it; the minute job drops idle organisations.

use crate::{App, AppError, AppResult};
use polku_domain::OrgId;
use polku_domain::retention::{self, Built, History, Summary};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// An organisation's histories not read for this long are dropped (see [`HistoryCache::trim`]).
pub const IDLE: Duration = Duration::from_secs(15 * 60);

/// Every customer of one organisation: `ids[i]`'s history is `histories[i]`.
#[derive(Clone, Debug, Default)]
pub struct Histories {
    /// The highest change number read.
    pub seq: i64,
    pub ids: Vec<Uuid>,
    pub histories: Vec<History>,
    pub built: Built,
    index: HashMap<Uuid, usize>,
    summaries: Vec<Summary>,
}

impl Histories {
    /// Applies summaries written after `self.seq`; a history is rebuilt only where its summary changed, or
    /// everywhere when the main currency did.
    fn apply(&mut self, rows: Vec<(Uuid, String, i64)>) -> AppResult<()> {
        let mut changed = Vec::with_capacity(rows.len());
        for (id, data, seq) in rows {
            let summary = Summary::decode(&data).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("customer summary {id} does not decode: {data:?}"))
            })?;
            let i = *self.index.entry(id).or_insert_with(|| {
                self.ids.push(id);
                self.summaries.push(Summary::default());
                self.histories.push(History::default());
                self.ids.len() - 1
            });
            self.summaries[i] = summary;
            self.seq = self.seq.max(seq);
            changed.push(i);
        }
        let built = retention::main_currency(&self.summaries);
        if built.currency != self.built.currency || changed.len() == self.ids.len() {
            self.histories = self.summaries.iter().map(|s| retention::history(s, &built.currency)).collect();
        } else {
            for i in changed {
                self.histories[i] = retention::history(&self.summaries[i], &built.currency);
            }
        }
        self.built = built;
        Ok(())
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<Arc<Histories>>>>;

/// The organisations' histories on this node.
#[derive(Default)]
pub struct HistoryCache {
    orgs: Mutex<HashMap<OrgId, (Slot, Instant)>>,
}

impl HistoryCache {
    fn slot(&self, org: OrgId) -> Slot {
        let mut orgs = self.orgs.lock().expect("history cache lock");
        let entry = orgs.entry(org).or_insert_with(|| (Slot::default(), Instant::now()));
        entry.1 = Instant::now();
        entry.0.clone()
    }

    /// Drops organisations not analysed for `idle`.
    pub fn trim(&self, idle: Duration) {
        self.orgs.lock().expect("history cache lock").retain(|_, (_, used)| used.elapsed() < idle);
    }
}

/// `org`'s histories as of now: dirty customers' summaries are recomputed first, then whatever changed
/// since this node last looked is read.
pub async fn current(app: &App, org: OrgId) -> AppResult<Arc<Histories>> {
    app.store.refresh_summaries(Some(org), usize::MAX).await?;
    let slot = app.histories.slot(org);
    // One reader per organisation catches up; the others wait for it instead of reading the same rows.
    let mut held = slot.lock().await;
    let seq = held.as_ref().map_or(0, |h| h.seq);
    let rows = app.store.summaries_since(org, seq).await?;
    if let (true, Some(h)) = (rows.is_empty(), held.as_ref()) {
        return Ok(h.clone());
    }
    // Copies only if a request still computes with the previous version.
    let mut next = held.take().map(Arc::unwrap_or_clone).unwrap_or_default();
    next.apply(rows)?;
    let next = Arc::new(next);
    *held = Some(next.clone());
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u128, data: &str, seq: i64) -> (Uuid, String, i64) {
        (Uuid::from_u128(id), data.to_string(), seq)
    }

    #[test]
    fn changes_are_applied_in_place_and_currency_switches_rebuild() {
        let mut h = Histories::default();
        h.apply(vec![row(1, "0 0 9 0|EUR 10 - 1 500 1:1:500", 1), row(2, "1 200 - 1|SEK 12 - 1 900 1:1:900", 1)])
            .unwrap();
        // One order each: the tie goes to the first code, EUR.
        assert_eq!((h.built.currency.as_str(), h.built.other_currency_orders, h.seq), ("EUR", 1, 1));
        assert_eq!((h.histories[0].revenue, h.histories[1].revenue), (500, 0));
        // Customer 2 buys again in SEK: SEK now has more orders, every history is rebuilt in it.
        h.apply(vec![row(2, "1 200 - 1|SEK 12 13 2 1900 1:2:1900", 4)]).unwrap();
        assert_eq!((h.built.currency.as_str(), h.seq, h.ids.len()), ("SEK", 4, 2));
        assert_eq!((h.histories[0].revenue, h.histories[1].revenue, h.histories[1].orders), (0, 1900, 2));
        // A new customer is appended.
        h.apply(vec![row(3, "2 0 3 2", 5)]).unwrap();
        assert_eq!((h.ids[2], h.histories[2].contacts, h.histories[2].nps), (Uuid::from_u128(3), 2, Some(3)));
        assert!(h.apply(vec![row(4, "nonsense", 6)]).is_err());
    }
}
