//! Emits handed over from a thread outside the runtime (a JavaScript thread, an asyncio loop),
//! each settled through a [`Settle`] of its own instead of a future the caller must poll. The
//! queue is the bus's group commit (`group_commit`), with a callback as the hand-off: a caller
//! that keeps hundreds of emits in flight pays a wake-up and a round trip per batch, not per emit.

use crate::bus::Bus;
use crate::emit::EmitRequest;
use crate::envelope::EmitOptions;
use crate::error::Result;
use crate::group_commit::{Emit, GroupCommit, HandOff};
use crate::outgoing::Appended;
use tokio::runtime::Handle;

/// Hands an emit's outcome (its event id, or why it failed) to whoever waits for it: a
/// promise's resolver, an asyncio future. Called exactly once, on the runtime's thread;
/// dropping a `Settle` unsettled (the runtime shut down) is how its emit learns it was lost.
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

/// A `Settle` as the group commit's hand-off: it gets the event's id.
struct ById<S>(S);

impl<S: Settle> HandOff for ById<S> {
    fn hand_off(batch: Vec<(Self, Result<Appended>)>) {
        S::settle_batch(
            batch
                .into_iter()
                .map(|(settle, outcome)| (settle.0, outcome.map(|appended| appended.id))),
        );
    }
}

/// A queue of emits into one bus, sent in batches by tasks on `runtime`. Cheap to clone (every
/// clone is the same queue); its methods may be called from any thread.
pub struct EmitQueue<S: Settle> {
    commit: GroupCommit<ById<S>>,
}

/// Every clone is the same queue.
impl<S: Settle> Clone for EmitQueue<S> {
    fn clone(&self) -> EmitQueue<S> {
        EmitQueue {
            commit: self.commit.clone(),
        }
    }
}

impl<S: Settle> EmitQueue<S> {
    /// A queue of emits into `bus`, sent by tasks on `runtime` (which must outlive the emits:
    /// the bindings use `start_background_runtime`'s, which lives as long as the process).
    pub fn new(bus: &Bus, runtime: Handle) -> EmitQueue<S> {
        EmitQueue {
            commit: GroupCommit::new(bus.shared().clone(), runtime),
        }
    }

    /// Queues an emit of `data`, JSON text, checked on the runtime's thread (invalid text fails
    /// this emit alone, with `InvalidData`); `settle` gets its outcome once its batch is answered.
    pub fn push_json(&self, event_type: String, data: String, options: EmitOptions, settle: S) {
        let emit = Emit::Text {
            event_type,
            data,
            options,
        };
        self.commit.push(emit, ById(settle));
    }

    /// Queues an emit whose data is already checked; its envelope is written on the runtime's
    /// thread.
    pub fn push(&self, request: EmitRequest, settle: S) {
        self.commit.push(Emit::Request(request), ById(settle));
    }
}
