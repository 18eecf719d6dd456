//! The work every contender does: emit a ~100-byte JSON event. Shared sizes and payloads.

use serde_json::{json, Value};

/// Emits in flight for the "256 in flight" figures.
pub const IN_FLIGHT: usize = 256;

/// Pads the data to ~100 bytes when serialised (`{"seq":123456,"pad":"…"}`).
const PAD: &str = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxy";

/// The `data` of event number `seq`.
pub fn event_data(seq: u64) -> Value {
    json!({ "seq": seq, "pad": PAD })
}

/// The `data` of a latency probe: the sender's realtime clock in ns since the epoch.
pub fn latency_data(sent_ns: u64) -> Value {
    json!({ "sent_ns": sent_ns, "pad": &PAD[..PAD.len() - 17] })
}

/// The ~100-byte payload redis-benchmark appends: the same JSON text as a typical event's data.
pub fn benchmark_payload() -> String {
    event_data(100_000).to_string()
}

/// Now, in ns since the epoch.
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos() as u64
}

#[cfg(test)]
mod tests {
    #[test]
    fn payloads_are_about_100_bytes() {
        assert_eq!(super::benchmark_payload().len(), 100);
        let probe = super::latency_data(super::now_ns()).to_string().len();
        assert!((95..=105).contains(&probe), "{probe}");
    }
}
