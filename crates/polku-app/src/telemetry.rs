//! Counters and histograms for Prometheus `/metrics`, kept as atomics so recording never blocks.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A fixed-bucket histogram in the Prometheus sense (cumulative on output).
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    /// Sum in micro-units so it can be an integer atomic.
    sum_micro: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_micro: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, v: f64) {
        if let Some(i) = self.bounds.iter().position(|b| v <= *b) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micro.fetch_add((v * 1e6) as u64, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut acc = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (b, c) in self.bounds.iter().zip(&self.buckets) {
            acc += c.load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {acc}");
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let plain = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{plain} {}", self.sum_micro.load(Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count{plain} {count}");
    }
}

const LATENCY_BOUNDS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
const BATCH_BOUNDS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0];

/// Request classes kept apart in the metrics; a small fixed set keeps label cardinality bounded.
pub const ROUTE_CLASSES: [&str; 4] = ["api", "ui", "public", "ops"];

pub struct Telemetry {
    requests: [[AtomicU64; 5]; 4],
    latency: [Histogram; 4],
    pub responses_ingested: AtomicU64,
    pub batch_size: Histogram,
}

impl Default for Telemetry {
    fn default() -> Self {
        Self {
            requests: Default::default(),
            latency: std::array::from_fn(|_| Histogram::new(LATENCY_BOUNDS)),
            responses_ingested: AtomicU64::new(0),
            batch_size: Histogram::new(BATCH_BOUNDS),
        }
    }
}

impl Telemetry {
    /// Records one finished request of class `class` (an index into [`ROUTE_CLASSES`]).
    pub fn request(&self, class: usize, status: u16, seconds: f64) {
        let family = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests[class][family].fetch_add(1, Relaxed);
        self.latency[class].observe(seconds);
    }

    /// The Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP polku_http_requests_total HTTP requests by route class and status family.\n");
        out.push_str("# TYPE polku_http_requests_total counter\n");
        for (c, class) in ROUTE_CLASSES.iter().enumerate() {
            for (f, n) in self.requests[c].iter().enumerate() {
                let _ = writeln!(
                    out,
                    "polku_http_requests_total{{class=\"{class}\",status=\"{}xx\"}} {}",
                    f + 1,
                    n.load(Relaxed)
                );
            }
        }
        out.push_str("# HELP polku_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE polku_http_request_duration_seconds histogram\n");
        for (c, class) in ROUTE_CLASSES.iter().enumerate() {
            self.latency[c].render(&mut out, "polku_http_request_duration_seconds", &format!("class=\"{class}\""));
        }
        out.push_str("# HELP polku_responses_ingested_total Survey responses committed.\n");
        out.push_str("# TYPE polku_responses_ingested_total counter\n");
        let _ = writeln!(out, "polku_responses_ingested_total {}", self.responses_ingested.load(Relaxed));
        out.push_str("# HELP polku_write_batch_size Responses per group-commit transaction.\n");
        out.push_str("# TYPE polku_write_batch_size histogram\n");
        self.batch_size.render(&mut out, "polku_write_batch_size", "");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cumulative_buckets() {
        let t = Telemetry::default();
        t.request(0, 201, 0.003);
        t.request(0, 422, 0.2);
        t.batch_size.observe(3.0);
        let text = t.render();
        assert!(text.contains("polku_http_requests_total{class=\"api\",status=\"2xx\"} 1"));
        assert!(text.contains("polku_http_requests_total{class=\"api\",status=\"4xx\"} 1"));
        assert!(text.contains("polku_http_request_duration_seconds_bucket{class=\"api\",le=\"0.005\"} 1"));
        assert!(text.contains("polku_http_request_duration_seconds_bucket{class=\"api\",le=\"0.25\"} 2"));
        assert!(text.contains("polku_write_batch_size_bucket{le=\"4\"} 1"));
        assert!(text.contains("polku_write_batch_size_count 1"));
    }
}
