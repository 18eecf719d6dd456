//! Counters and latency histograms per event type (emitted, delivered, retried, dead-lettered,
//! failed; emit and delivery latency), a snapshot API and Prometheus text rendering.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds (Prometheus `le` values).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// A latency histogram: `counts[i]` observations fell at or under `LATENCY_BUCKETS[i]` and above
/// the bucket before; the last count holds the ones over every bound.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// Observations per bucket (not cumulative), one more than there are bounds.
    pub counts: Vec<u64>,
    /// Sum of all observations, in seconds.
    pub sum: f64,
    /// Number of observations.
    pub count: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram {
            counts: vec![0; LATENCY_BUCKETS.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }
}

impl Histogram {
    fn observe(&mut self, latency: Duration) {
        self.observe_many(latency, 1);
    }

    /// `count` observations of the same latency.
    fn observe_many(&mut self, latency: Duration, count: u64) {
        let seconds = latency.as_secs_f64();
        let bucket = LATENCY_BUCKETS.partition_point(|&bound| bound < seconds);
        self.counts[bucket] += count;
        self.sum += seconds * count as f64;
        self.count += count;
    }
}

/// The figures of one event type.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TypeMetrics {
    /// Events appended and published.
    pub emitted: u64,
    /// Events handed to subscribers (once per subscription).
    pub delivered: u64,
    /// Emit attempts that failed and were tried again.
    pub retried: u64,
    /// Emits that failed for good and went to the dead-letter store.
    pub dead_lettered: u64,
    /// Emits that failed for good.
    pub failed: u64,
    /// Subscriber callbacks that raised (reported by the bindings).
    pub handler_errors: u64,
    /// From calling emit to the append being acknowledged.
    pub emit_latency: Histogram,
    /// From the event's time to its delivery to a subscriber.
    pub delivery_latency: Histogram,
}

/// A copy of every figure at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Per event type.
    pub types: BTreeMap<String, TypeMetrics>,
    /// Stream entries that were not valid events and were skipped.
    pub invalid_entries: u64,
    /// Times a live subscription lost its backend and resumed.
    pub reconnects: u64,
    /// Dead letters dropped because the store was full.
    pub dead_letters_dropped: u64,
    /// Times a subscriber left unread more than its buffer holds and caught up from the
    /// streams instead.
    pub subscribers_lagged: u64,
    /// Times a subscription was told that events it was owed had been trimmed away.
    pub subscriptions_trimmed: u64,
}

#[derive(Default)]
pub(crate) struct Metrics {
    inner: Mutex<MetricsSnapshot>,
}

impl Metrics {
    fn with_type(&self, event_type: &str, update: impl FnOnce(&mut TypeMetrics)) {
        let mut inner = self.inner.lock().expect("metrics lock");
        match inner.types.get_mut(event_type) {
            Some(figures) => update(figures),
            None => update(inner.types.entry(event_type.to_owned()).or_default()),
        }
    }

    pub(crate) fn emitted(&self, event_type: &str, latency: Duration) {
        self.emitted_many(event_type, 1, latency);
    }
    /// `count` events of one type appended together (one batch), so with one latency.
    pub(crate) fn emitted_many(&self, event_type: &str, count: usize, latency: Duration) {
        self.with_type(event_type, |m| {
            m.emitted += count as u64;
            m.emit_latency.observe_many(latency, count as u64);
        });
    }
    pub(crate) fn delivered(&self, event_type: &str, latencies: &[Duration]) {
        self.with_type(event_type, |m| {
            m.delivered += latencies.len() as u64;
            for latency in latencies {
                m.delivery_latency.observe(*latency);
            }
        });
    }
    pub(crate) fn retried(&self, event_type: &str) {
        self.with_type(event_type, |m| m.retried += 1);
    }
    pub(crate) fn failed(&self, event_type: &str, dead_lettered: bool) {
        self.with_type(event_type, |m| {
            m.failed += 1;
            m.dead_lettered += u64::from(dead_lettered);
        });
    }
    pub(crate) fn handler_error(&self, event_type: &str) {
        self.with_type(event_type, |m| m.handler_errors += 1);
    }
    pub(crate) fn invalid_entry(&self) {
        self.inner.lock().expect("metrics lock").invalid_entries += 1;
    }
    pub(crate) fn reconnected(&self) {
        self.inner.lock().expect("metrics lock").reconnects += 1;
    }
    pub(crate) fn subscriber_lagged(&self) {
        self.inner.lock().expect("metrics lock").subscribers_lagged += 1;
    }
    pub(crate) fn trimmed(&self) {
        self.inner
            .lock()
            .expect("metrics lock")
            .subscriptions_trimmed += 1;
    }
    pub(crate) fn dead_letter_dropped(&self) {
        self.inner
            .lock()
            .expect("metrics lock")
            .dead_letters_dropped += 1;
    }
    pub(crate) fn snapshot(&self) -> MetricsSnapshot {
        self.inner.lock().expect("metrics lock").clone()
    }
}

/// Reads one counter of a type's figures.
type CounterOf = fn(&TypeMetrics) -> u64;
/// Reads one histogram of a type's figures.
type HistogramOf = fn(&TypeMetrics) -> &Histogram;

impl MetricsSnapshot {
    /// The snapshot as JSON (what the bindings hand to their users).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("metrics serialise")
    }

    /// The snapshot in the Prometheus text exposition format.
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, CounterOf); 6] = [
            ("emitted", "Events emitted", |m| m.emitted),
            ("delivered", "Events delivered to subscribers", |m| {
                m.delivered
            }),
            ("retried", "Emit attempts retried", |m| m.retried),
            (
                "dead_lettered",
                "Emits sent to the dead-letter store",
                |m| m.dead_lettered,
            ),
            ("failed", "Emits that failed for good", |m| m.failed),
            ("handler_errors", "Subscriber callbacks that raised", |m| {
                m.handler_errors
            }),
        ];
        for (name, help, get) in counters {
            let _ = writeln!(out, "# HELP tidings_events_{name}_total {help}.");
            let _ = writeln!(out, "# TYPE tidings_events_{name}_total counter");
            for (event_type, figures) in &self.types {
                let _ = writeln!(
                    out,
                    "tidings_events_{name}_total{{type=\"{event_type}\"}} {}",
                    get(figures)
                );
            }
        }
        let histograms: [(&str, &str, HistogramOf); 2] = [
            ("emit", "Seconds from emit to acknowledged append", |m| {
                &m.emit_latency
            }),
            ("delivery", "Seconds from event time to delivery", |m| {
                &m.delivery_latency
            }),
        ];
        for (name, help, get) in histograms {
            let metric = format!("tidings_{name}_latency_seconds");
            let _ = writeln!(out, "# HELP {metric} {help}.");
            let _ = writeln!(out, "# TYPE {metric} histogram");
            for (event_type, figures) in &self.types {
                let histogram = get(figures);
                let mut cumulative = 0;
                for (bound, count) in LATENCY_BUCKETS.iter().zip(&histogram.counts) {
                    cumulative += count;
                    let _ = writeln!(
                        out,
                        "{metric}_bucket{{type=\"{event_type}\",le=\"{bound}\"}} {cumulative}"
                    );
                }
                let _ = writeln!(
                    out,
                    "{metric}_bucket{{type=\"{event_type}\",le=\"+Inf\"}} {}",
                    histogram.count
                );
                let _ = writeln!(
                    out,
                    "{metric}_sum{{type=\"{event_type}\"}} {}",
                    histogram.sum
                );
                let _ = writeln!(
                    out,
                    "{metric}_count{{type=\"{event_type}\"}} {}",
                    histogram.count
                );
            }
        }
        for (name, help, value) in [
            (
                "tidings_invalid_entries_total",
                "Stream entries skipped as not valid events",
                self.invalid_entries,
            ),
            (
                "tidings_reconnects_total",
                "Live subscription reconnects",
                self.reconnects,
            ),
            (
                "tidings_dead_letters_dropped_total",
                "Dead letters dropped from a full store",
                self.dead_letters_dropped,
            ),
            (
                "tidings_subscribers_lagged_total",
                "Subscribers that fell behind and caught up from the streams",
                self.subscribers_lagged,
            ),
            (
                "tidings_subscriptions_trimmed_total",
                "Subscriptions told that events they were owed had been trimmed away",
                self.subscriptions_trimmed,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}.\n# TYPE {name} counter\n{name} {value}"
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_renders() {
        let metrics = Metrics::default();
        metrics.emitted("user.login", Duration::from_micros(300));
        metrics.emitted("user.login", Duration::from_secs(9));
        metrics.retried("user.login");
        metrics.failed("user.login", true);
        let snapshot = metrics.snapshot();
        let figures = &snapshot.types["user.login"];
        assert_eq!(
            (figures.emitted, figures.retried, figures.dead_lettered),
            (2, 1, 1)
        );
        assert_eq!(
            figures.emit_latency.counts[2], 1,
            "300µs falls in the 500µs bucket"
        );
        assert_eq!(figures.emit_latency.counts[LATENCY_BUCKETS.len()], 1);
        let text = snapshot.to_prometheus();
        assert!(text.contains("tidings_events_emitted_total{type=\"user.login\"} 2"));
        assert!(text
            .contains("tidings_emit_latency_seconds_bucket{type=\"user.login\",le=\"0.0005\"} 1"));
        assert!(
            text.contains("tidings_emit_latency_seconds_bucket{type=\"user.login\",le=\"+Inf\"} 2")
        );
    }
}
