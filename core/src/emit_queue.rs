//! Emits handed over from a thread outside the runtime (a binding's JavaScript thread, say),
//! each settled through a [`Settle`] of its own instead of a future the caller must poll. The
//! queue is a group commit: the first emit into an empty queue starts a sender task on the
//! runtime, unless `SENDERS_MAX` are already on their way; each sender sends everything queued
//! as one batch (`Bus::emit_each`: one round trip, each emit with its own outcome), then takes
//! what queued meanwhile, and ends when the queue is empty. So a caller that keeps hundreds of
//! emits in flight pays a wake-up and a round trip per batch, not per emit, and a lone emit
//! starts at once.

use crate::bus::{Bus, EmitRequest};
use crate::envelope::EmitOptions;
use crate::error::Result;
use crate::event_data::EventData;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::runtime::Handle;

/// How many batches of one queue may be on their way at once. One would do for throughput
/// (the next batch gathers while one is on its way); a few keep emits moving while a batch is
/// retried through an outage.
const SENDERS_MAX: usize = 4;

/// Hands an emit's outcome (its event id, or why it failed) to whoever waits for it: a
/// promise's resolver, a callback. Called exactly once, on the runtime's thread; dropping a
/// `Settle` unsettled (the runtime shut down) is how its emit learns it was lost.
pub trait Settle: Send + 'static {
    /// Settles the emit with its outcome.
    fn settle(self, outcome: Result<String>);

    /// Settles the emits of one batch, in order; one by one unless overridden (a `Settle`
    /// that hands outcomes to another thread can hand a batch over at once).
    fn settle_batch(batch: impl Iterator<Item = (Self, Result<String>)>)
    where
        Self: Sized,
    {
        for (settle, outcome) in batch {
            settle.settle(outcome);
        }
    }
}

/// A queue of emits into one bus, sent in batches on `runtime`. Cheap to clone (every clone is
/// the same queue); `push_json` may be called from any thread.
pub struct EmitQueue<S: Settle> {
    shared: Arc<Shared<S>>,
}

struct Shared<S> {
    bus: Bus,
    runtime: Handle,
    state: Mutex<State<S>>,
}

struct State<S> {
    queued: Vec<Queued<S>>,
    /// Sender tasks started and not yet finished.
    senders: usize,
}

/// An emit waiting for its batch. Its data is JSON text, checked by the sender on the
/// runtime's thread rather than by the caller's.
struct Queued<S> {
    event_type: String,
    data: String,
    options: EmitOptions,
    settle: S,
}

/// Every clone is the same queue.
impl<S: Settle> Clone for EmitQueue<S> {
    fn clone(&self) -> EmitQueue<S> {
        EmitQueue {
            shared: self.shared.clone(),
        }
    }
}

impl<S: Settle> EmitQueue<S> {
    /// A queue of emits into `bus`, sent by tasks on `runtime` (which must outlive the emits:
    /// the bindings use `start_background_runtime`'s, which lives as long as the process).
    pub fn new(bus: Bus, runtime: Handle) -> EmitQueue<S> {
        EmitQueue {
            shared: Arc::new(Shared {
                bus,
                runtime,
                state: Mutex::new(State {
                    queued: Vec::new(),
                    senders: 0,
                }),
            }),
        }
    }

    /// Queues an emit of `data`, JSON text (invalid text fails this emit alone, with
    /// `InvalidData`); `settle` gets its outcome once its batch is answered.
    pub fn push_json(&self, event_type: String, data: String, options: EmitOptions, settle: S) {
        let mut state = self.shared.lock();
        state.queued.push(Queued {
            event_type,
            data,
            options,
            settle,
        });
        let start = state.queued.len() == 1 && state.senders < SENDERS_MAX;
        if start {
            state.senders += 1;
        }
        drop(state);
        if start {
            self.shared.runtime.spawn(send_queued(self.shared.clone()));
        }
    }
}

impl<S> Shared<S> {
    fn lock(&self) -> MutexGuard<'_, State<S>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A sender: sends what is queued as one batch, again and again, until the queue is empty.
async fn send_queued<S: Settle>(shared: Arc<Shared<S>>) {
    loop {
        let batch = {
            let mut state = shared.lock();
            if state.queued.is_empty() {
                state.senders -= 1;
                return;
            }
            std::mem::take(&mut state.queued)
        };
        let mut requests = Vec::with_capacity(batch.len());
        let mut settles = Vec::with_capacity(batch.len());
        for queued in batch {
            match EventData::from_json(queued.data) {
                Ok(data) => {
                    requests
                        .push(EmitRequest::new(queued.event_type, data).options(queued.options));
                    settles.push(queued.settle);
                }
                Err(err) => queued.settle.settle(Err(err)),
            }
        }
        let outcomes = shared.bus.emit_each(requests).await;
        S::settle_batch(settles.into_iter().zip(outcomes));
    }
}
