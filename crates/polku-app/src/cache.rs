//! A small time-bounded cache for the hot read path of ingestion: API tokens and survey definitions.
//!
//! At tens of thousands of responses a second, two database reads per request (who is calling, what does
//! the survey ask) would cost more than the write itself. Entries live for a short TTL and are dropped at
//! once on this node when the object changes here; another node sharing the database sees a change within
//! the TTL. That bound is the documented cost: a token revoked on node A still works on node B for at most
//! `TOKEN_TTL`, a survey closed on A still takes answers on B for at most `SURVEY_TTL`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const TOKEN_TTL: Duration = Duration::from_secs(5);
pub const SURVEY_TTL: Duration = Duration::from_secs(2);
/// An organisation's time zone; a change waits this long before its rebuild, so no node still counts days
/// in the old zone when it starts.
pub const ZONE_TTL: Duration = Duration::from_secs(5);
/// How long a node analyses with an organisation's lexicons and taxonomies before checking for changes.
pub const TEXT_MODEL_TTL: Duration = Duration::from_secs(5);
/// How long a node checks answers against an organisation's alert rules before reading them again.
pub const RULES_TTL: Duration = Duration::from_secs(5);
/// Entries kept at most; past this the cache is emptied (simple, and far above any real working set).
const MAX_ENTRIES: usize = 100_000;

pub struct TtlCache<K, V> {
    ttl: Duration,
    map: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, map: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, k: &K) -> Option<V> {
        let map = self.map.lock().expect("cache lock");
        map.get(k).filter(|(_, at)| at.elapsed() < self.ttl).map(|(v, _)| v.clone())
    }

    pub fn put(&self, k: K, v: V) {
        let mut map = self.map.lock().expect("cache lock");
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(k, (v, Instant::now()));
    }

    pub fn remove(&self, k: &K) {
        self.map.lock().expect("cache lock").remove(k);
    }

    pub fn clear(&self) {
        self.map.lock().expect("cache lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_dropped() {
        let c = TtlCache::new(Duration::from_millis(30));
        c.put(1, "a");
        assert_eq!(c.get(&1), Some("a"));
        c.remove(&1);
        assert_eq!(c.get(&1), None);
        c.put(2, "b");
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get(&2), None, "expired");
        c.put(3, "c");
        c.clear();
        assert_eq!(c.get(&3), None);
    }
}
