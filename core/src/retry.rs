//! The retry policy of emits: exponential backoff with jitter, in milliseconds (the seed waited
//! whole seconds). Also used, unbounded, for reconnecting live subscriptions.

use crate::error::{Error, Result};
use rand::Rng;
use std::time::Duration;

/// How many times an emit is tried and how long to wait between tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Tries in all, the first included (default 4; 1 means no retry).
    pub attempts: u32,
    /// The wait before the first retry (default 10 ms); doubles each retry.
    pub base: Duration,
    /// The longest wait between two tries (default 1 s).
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            base: Duration::from_millis(10),
            cap: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// A policy of `attempts` tries, waiting from `base` up to `cap`.
    pub fn new(attempts: u32, base: Duration, cap: Duration) -> RetryPolicy {
        RetryPolicy {
            attempts,
            base,
            cap,
        }
    }

    /// No retries: one try.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.attempts == 0 {
            return Err(Error::config("retry attempts must be at least 1"));
        }
        if self.base > self.cap {
            return Err(Error::config("retry base must not exceed the cap"));
        }
        Ok(())
    }

    /// The wait before retry number `retry` (0 for the first retry): half of
    /// `min(cap, base·2^retry)` plus a random part of the other half, so that many clients
    /// failing together do not retry in step.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.cap);
        let half = ceiling / 2;
        let jitter_nanos = rand::rng().random_range(0..=half.as_nanos() as u64);
        half + Duration::from_nanos(jitter_nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_under_the_cap() {
        let policy = RetryPolicy::new(10, Duration::from_millis(10), Duration::from_millis(100));
        for retry in 0..10 {
            let delay = policy.delay(retry);
            let ceiling = Duration::from_millis((10u64 << retry).min(100));
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{retry}: {delay:?}"
            );
        }
    }

    #[test]
    fn rejects_nonsense() {
        assert!(RetryPolicy::new(0, Duration::ZERO, Duration::ZERO)
            .validate()
            .is_err());
        assert!(
            RetryPolicy::new(3, Duration::from_secs(2), Duration::from_secs(1))
                .validate()
                .is_err()
        );
    }
}
