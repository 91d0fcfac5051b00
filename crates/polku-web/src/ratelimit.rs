//! A token bucket per client address (public pages, sign-in) or per personal link (customers answering
//! from one company network behind NAT share an address, not a link). In memory, per node.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub(crate) struct RateLimiter<K = IpAddr> {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// Allows `n` requests a minute on average, with bursts of up to `n`.
    pub(crate) fn per_minute(n: u32) -> Self {
        Self { capacity: f64::from(n.max(1)), per_second: f64::from(n.max(1)) / 60.0, buckets: Mutex::default() }
    }

    pub(crate) fn allow(&self, key: K) -> bool {
        let now = Instant::now();
        let mut map = self.buckets.lock().expect("lock");
        if map.len() > 50_000 {
            let full = self.capacity;
            let rate = self.per_second;
            map.retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * rate < full);
        }
        let (tokens, at) = map.entry(key).or_insert((self.capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refuses_per_address() {
        let l: RateLimiter = RateLimiter::per_minute(3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| l.allow(a)));
        assert!(!l.allow(a));
        assert!(l.allow(b));
    }
}
