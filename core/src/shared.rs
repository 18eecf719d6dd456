//! The state every part of a bus shares: its backend, metrics, configuration, dead-letter store
//! and whether it is closed. The emit path, subscriptions, history and the group commit all
//! work on a [`Shared`]; nothing here depends on them, so the bus's behaviours sit in modules
//! of their own around it.

use crate::backend::Backend;
use crate::config::Config;
use crate::dead_letter::DeadLetters;
use crate::error::{Error, Result};
use crate::grammar::{validate_type, Pattern};
use crate::metrics::Metrics;
use crate::reader::Reader;
use crate::retry::RetryPolicy;
use std::time::Duration;
use tokio::sync::watch;

pub(crate) struct Shared {
    pub(crate) backend: Backend,
    pub(crate) metrics: Metrics,
    pub(crate) config: Config,
    /// Emits that failed for good, kept where Redis being down cannot lose them.
    pub(crate) dead_letters: DeadLetters,
    /// Flips to true once on close; subscriptions and retries watch it.
    closed: watch::Sender<bool>,
    /// How a live subscription waits between reconnect attempts.
    pub(crate) reconnect_backoff: RetryPolicy,
    /// The one live reader every subscription of the bus shares.
    pub(crate) reader: Reader,
}

impl Shared {
    pub(crate) fn new(backend: Backend, config: Config, dead_letters: DeadLetters) -> Shared {
        Shared {
            backend,
            metrics: Metrics::default(),
            config,
            dead_letters,
            closed: watch::Sender::new(false),
            reconnect_backoff: RetryPolicy::unbounded(
                Duration::from_millis(20),
                Duration::from_secs(2),
            ),
            reader: Reader::default(),
        }
    }

    /// Resolves when the bus is closed.
    pub(crate) async fn closed(&self) {
        let mut receiver = self.closed.subscribe();
        let _ = receiver.wait_for(|closed| *closed).await;
    }

    /// True once the bus was closed.
    pub(crate) fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// Marks the bus closed: every later call fails and every waiter on `closed` wakes.
    pub(crate) fn close(&self) {
        self.closed.send_replace(true);
        self.backend.close();
    }

    /// A closed error once the bus was closed.
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.is_closed() {
            return Err(Error::closed());
        }
        Ok(())
    }

    /// The types a pattern selects: itself when it has no `*`, else the registry's matches.
    pub(crate) async fn matching_types(&self, pattern: &Pattern) -> Result<Vec<String>> {
        if pattern.is_exact() {
            return Ok(vec![pattern.as_str().to_owned()]);
        }
        if self.config.discover_streams {
            self.backend.discover(pattern).await?;
        }
        let mut types = self.backend.known_types().await?;
        types.retain(|event_type| validate_type(event_type).is_ok() && pattern.matches(event_type));
        types.sort();
        Ok(types)
    }
}
