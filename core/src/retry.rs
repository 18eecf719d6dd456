//! The retry policy of emits: exponential backoff with jitter, capped per wait and bounded by a
//! total time budget, so an emit rides out a Redis restart or failover of a few seconds and
//! still fails in bounded time when Redis stays away. Also used, unbounded, for reconnecting
//! live subscriptions.

use crate::error::{Error, Result};
use rand::Rng;
use std::time::Duration;

/// How many times an emit is tried, how long to wait between tries, and how long it may take
/// in all. An emit gives up at whichever limit it reaches first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Tries in all, the first included (default 30; 1 means no retry).
    pub attempts: u32,
    /// The wait before the first retry (default 10 ms); doubles each retry.
    pub base: Duration,
    /// The longest wait between two tries (default 1 s).
    pub cap: Duration,
    /// How long an emit may keep retrying, from its first try (default 10 s; `None`: no
    /// limit but `attempts`). No retry starts after it has run out.
    pub budget: Option<Duration>,
}

impl Default for RetryPolicy {
    /// Rides out an outage of 5 s with room to spare: the budget, not the attempts, is what
    /// ends the retries of an emit against a Redis that stays away.
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 30,
            base: Duration::from_millis(10),
            cap: Duration::from_secs(1),
            budget: Some(Duration::from_secs(10)),
        }
    }
}

impl RetryPolicy {
    /// A policy of `attempts` tries, waiting from `base` up to `cap`, with no time budget.
    pub fn new(attempts: u32, base: Duration, cap: Duration) -> RetryPolicy {
        RetryPolicy {
            attempts,
            base,
            cap,
            budget: None,
        }
    }

    /// No retries: one try.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Tries forever, waiting from `base` up to `cap` (reconnecting subscriptions).
    pub(crate) fn unbounded(base: Duration, cap: Duration) -> RetryPolicy {
        RetryPolicy::new(u32::MAX, base, cap)
    }

    /// Sets the total time budget (`None`: no limit but the attempts).
    pub fn budget(mut self, budget: Option<Duration>) -> RetryPolicy {
        self.budget = budget;
        self
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if self.attempts == 0 {
            return Err(Error::config("retry attempts must be at least 1"));
        }
        if self.base > self.cap {
            return Err(Error::config("retry base must not exceed the cap"));
        }
        if self.budget.is_some_and(|budget| budget.is_zero()) {
            return Err(Error::config("retry budget must be positive"));
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

    /// The wait before retry number `retry` when `elapsed` has passed since the first try, or
    /// `None` when no retry may start: the attempts are used up, or the budget is (a wait is cut
    /// short so that the last retry starts within the budget).
    pub(crate) fn next_delay(&self, retry: u32, elapsed: Duration) -> Option<Duration> {
        if retry.saturating_add(1) >= self.attempts {
            return None;
        }
        let delay = self.delay(retry);
        match self.budget {
            None => Some(delay),
            Some(budget) if elapsed >= budget => None,
            Some(budget) => Some(delay.min(budget - elapsed)),
        }
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
    fn retries_stop_at_the_attempts_or_the_budget() {
        let policy = RetryPolicy::new(3, Duration::from_millis(10), Duration::from_millis(100));
        assert!(policy.next_delay(0, Duration::ZERO).is_some());
        assert!(policy.next_delay(1, Duration::ZERO).is_some());
        assert_eq!(policy.next_delay(2, Duration::ZERO), None, "3 tries in all");
        let budgeted = RetryPolicy::new(100, Duration::from_millis(400), Duration::from_secs(1))
            .budget(Some(Duration::from_secs(1)));
        let cut = budgeted.next_delay(5, Duration::from_millis(900)).unwrap();
        assert!(
            cut <= Duration::from_millis(100),
            "cut to the budget: {cut:?}"
        );
        assert_eq!(budgeted.next_delay(5, Duration::from_secs(1)), None);
    }

    #[test]
    fn the_default_outlasts_a_five_second_outage() {
        // The shortest the waits can add up to (every jitter at its lowest) before the retries
        // stop on their own; the budget ends them later still.
        let policy = RetryPolicy::default();
        let shortest: Duration = (0..policy.attempts - 1)
            .map(|retry| {
                policy
                    .base
                    .saturating_mul(1 << retry.min(31))
                    .min(policy.cap)
                    / 2
            })
            .sum();
        assert!(shortest > Duration::from_secs(5), "{shortest:?}");
        assert!(policy.budget.unwrap() > Duration::from_secs(5));
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
        assert!(RetryPolicy::default()
            .budget(Some(Duration::ZERO))
            .validate()
            .is_err());
    }
}
