//! The native side of a subscription. It is established in the background so that
//! `bus.subscribe(pattern, listener)` can return at once, as an event emitter's `on` does; `ready()` resolves once
//! it is. Events come out a batch at a time (the core's `Subscription::next_batch`), one
//! promise per batch, with each event's cursor beside it. A `Trimmed` error from the core (events
//! this subscription was owed were trimmed away) rejects that one promise and the next one goes
//! on with the oldest event kept. Closing it, or the JavaScript object being collected, drops the
//! core subscription, which unsubscribes.

use crate::runtime;
use napi::bindgen_prelude::{Env, Null, PromiseRaw};
use napi_derive::napi;
use std::sync::Arc;
use std::time::Duration;
use tidings::{Bus, Error, ErrorKind, Event, Result, SubscribeOptions, Subscription};
use tokio::sync::{watch, Mutex};
use tokio_util::sync::CancellationToken;

/// What a read of the subscription gave.
pub(crate) enum Next {
    /// The next events, in delivery order.
    Events(Vec<Event>),
    /// Events owed were trimmed away (a `Trimmed` error); delivery goes on after it.
    Trimmed(Error),
    /// Nothing arrived within the time asked for.
    Quiet,
    /// The subscription was closed, or the bus was.
    Ended,
}

struct Shared {
    /// `None` while establishing, then whether establishing worked.
    established: watch::Sender<Option<Result<()>>>,
    /// The core subscription, once established and until closed.
    subscription: Mutex<Option<Subscription>>,
    /// Cancelled by `close()` (or when the JavaScript object is collected).
    closed: CancellationToken,
}

impl Shared {
    async fn established(&self) -> Result<()> {
        let mut outcome = self.established.subscribe();
        let outcome = outcome.wait_for(Option::is_some).await.map_err(|_| {
            Error::new(
                ErrorKind::Internal,
                "the subscription was never established",
            )
        })?;
        outcome.clone().expect("waited for an outcome")
    }

    /// The next batch, waiting at most `quiet_after` when given.
    async fn next(self: Arc<Self>, quiet_after: Option<Duration>) -> Result<Next> {
        let read = async {
            self.established().await?;
            let mut subscription = self.subscription.lock().await;
            let Some(subscription) = subscription.as_mut() else {
                return Ok(Next::Ended);
            };
            match subscription.next_batch().await {
                Some(Ok(events)) => Ok(Next::Events(events)),
                Some(Err(err)) if err.kind() == ErrorKind::Trimmed => Ok(Next::Trimmed(err)),
                Some(Err(err)) => Err(err),
                None => Ok(Next::Ended),
            }
        };
        let read = async {
            match quiet_after {
                Some(wait) => tokio::time::timeout(wait, read)
                    .await
                    .unwrap_or(Ok(Next::Quiet)),
                None => read.await,
            }
        };
        let next = tokio::select! {
            biased;
            _ = self.closed.cancelled() => Ok(Next::Ended),
            next = read => next,
        };
        if self.closed.is_cancelled() {
            self.subscription.lock().await.take();
        }
        next
    }

    fn close(&self) {
        self.closed.cancel();
        // When a read holds the lock, it sees the cancellation and drops the subscription itself.
        if let Ok(mut subscription) = self.subscription.try_lock() {
            subscription.take();
        }
    }
}

/// A subscription: `ready()`, `nextBatch()`, `close()` (and `nextSseChunk()`, see `sse.rs`).
#[napi]
pub struct NativeSubscription {
    shared: Arc<Shared>,
    pattern: String,
}

impl NativeSubscription {
    /// Starts establishing a subscription to `pattern` on `bus`.
    pub(crate) fn establish(
        bus: Bus,
        pattern: String,
        options: SubscribeOptions,
    ) -> NativeSubscription {
        let shared = Arc::new(Shared {
            established: watch::Sender::new(None),
            subscription: Mutex::new(None),
            closed: CancellationToken::new(),
        });
        let task_shared = shared.clone();
        let task_pattern = pattern.clone();
        runtime::spawn(async move {
            let shared = task_shared;
            let outcome = tokio::select! {
                _ = shared.closed.cancelled() => return,
                outcome = bus.subscribe_with(&task_pattern, options) => outcome,
            };
            let outcome = match outcome {
                Ok(subscription) => {
                    let mut slot = shared.subscription.lock().await;
                    // Closed meanwhile: `close()` found nothing to drop, so drop it here.
                    if !shared.closed.is_cancelled() {
                        *slot = Some(subscription);
                    }
                    Ok(())
                }
                Err(err) => Err(err),
            };
            shared.established.send_replace(Some(outcome));
        });
        NativeSubscription { shared, pattern }
    }

    /// The next batch, or quiet after `quiet_after` (see `Shared::next`).
    pub(crate) fn next(
        &self,
        quiet_after: Option<Duration>,
    ) -> impl std::future::Future<Output = Result<Next>> + Send + 'static {
        self.shared.clone().next(quiet_after)
    }
}

/// `[envelopes, cursors]`: the core's JSON array of the events' envelopes (positions included)
/// and, in the same order, each event's cursor (`null` where it has none).
fn batch_json(events: &[Event]) -> String {
    let cursors: Vec<Option<String>> = events
        .iter()
        .map(|event| event.cursor().map(|cursor| cursor.to_string()))
        .collect();
    let cursors = tidings::serde_json::to_string(&cursors).expect("strings serialize");
    let envelopes = Event::json_array_with_positions(events);
    let mut json = String::with_capacity(envelopes.len() + cursors.len() + 3);
    json.push('[');
    json.push_str(&envelopes);
    json.push(',');
    json.push_str(&cursors);
    json.push(']');
    json
}

impl Drop for NativeSubscription {
    fn drop(&mut self) {
        self.shared.close();
    }
}

#[napi]
impl NativeSubscription {
    /// Resolves once the subscription is established (at once if it was closed first).
    #[napi(catch_unwind)]
    pub fn ready<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let shared = self.shared.clone();
        let work = async move {
            tokio::select! {
                _ = shared.closed.cancelled() => Ok(()),
                established = shared.established() => established,
            }
        };
        runtime::promise(env, Ok(work), runtime::value)
    }

    /// The next batch as one JSON text, `[envelopes, cursors]` (`decodeBatch` in `index.js`
    /// reads it), or `null` once the subscription or the bus is closed. Rejects with a
    /// `TIDINGS_TRIMMED` error where events owed were trimmed away; the next call goes on.
    #[napi(catch_unwind)]
    pub fn next_batch<'env>(
        &self,
        env: &'env Env,
    ) -> napi::Result<PromiseRaw<'env, Option<String>>> {
        let next = self.next(None);
        let work = async move {
            match next.await? {
                Next::Trimmed(err) => Err(err),
                next => Ok(next),
            }
        };
        runtime::promise(env, Ok(work), |env, next| match next {
            // One JSON text per batch, which `decodeBatch` in index.js parses once into the
            // objects `envelope::to_js` makes (a dozen Node-API calls per event otherwise).
            Next::Events(events) => runtime::value(env, batch_json(&events)),
            Next::Trimmed(_) | Next::Quiet | Next::Ended => runtime::value(env, Null),
        })
    }

    /// Unsubscribes; a pending `nextBatch()` resolves to `null`.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.shared.close();
    }

    /// The pattern subscribed to.
    #[napi(getter, catch_unwind)]
    pub fn pattern(&self) -> String {
        self.pattern.clone()
    }
}
