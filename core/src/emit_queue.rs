//! Emits handed over from a thread outside the runtime (a binding's JavaScript thread, say),
//! each settled through a [`Settle`] of its own instead of a future the caller must poll. The
//! queue is a group commit: the first emit into an empty queue starts a sender task on the
//! runtime, and so does each further `BATCH_MAX`th, unless `SENDERS_MAX` are already on their
//! way; each sender sends up to `BATCH_MAX` queued emits as one batch (`Bus::emit_each`: one
//! round trip, each emit with its own outcome), then takes what queued meanwhile, and ends when
//! the queue is empty. So a caller that keeps hundreds of emits in flight pays a wake-up and a
//! round trip per batch, not per emit, and a lone emit starts at once. A sender that is alone
//! polls for its reply for a while (`BUSY_WAIT`) and, its queue empty, lingers for the next emit
//! (`LINGER`): a caller that awaits one emit at a time then costs no thread wake-ups on the
//! runtime's side.

use crate::bus::{Bus, EmitRequest};
use crate::envelope::EmitOptions;
use crate::error::Result;
use crate::event_data::EventData;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::runtime::Handle;

/// The most emits one batch carries. A burst of hundreds goes out as several pipelines, so
/// Redis answers one while the runtime encodes the next and the caller's thread settles a
/// third; one pipeline of everything left each of them idle in turn. With 256 Node emits in
/// flight on one private redis-server (2026-11-27, alternating runs of 512,000 emits), no cap
/// and 4 senders gave 288–316k emits/s; caps of 64–128 with 8 senders 330–353k/s; a cap of
/// 64 with 4 senders (room for fewer emits than were in flight) 244–252k/s.
const BATCH_MAX: usize = 96;

/// How many batches of one queue may be on their way at once: enough for a few hundred emits
/// in flight to be in full batches, and to keep emits moving while a batch is retried through
/// an outage.
const SENDERS_MAX: usize = 8;

/// How long the only sender of a queue stays, once the queue is empty, for the next emit
/// (yielding to the runtime, which polls for I/O without sleeping, between looks). A caller
/// that awaits each emit before the next queues it a few microseconds after the last one
/// settled; a sender still there takes it at once, where a parked runtime thread would first
/// have to be woken (46 µs for a wake-up round trip between two threads on the 2-core VM).
const LINGER: Duration = Duration::from_micros(50);

/// How long the only sender polls for its batch's reply before it awaits it plainly: a reply
/// from a Redis on the same host comes within this, and is then taken without a wake-up. After
/// a round trip of more than twice this (a distant Redis, a busy one) the next batch is awaited
/// plainly at once.
const BUSY_WAIT: Duration = Duration::from_micros(100);

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
    /// True while the only sender waits for the next emit (`LINGER`): it takes that emit itself.
    lingering: bool,
    /// How long the last batch sent took to be answered (a lone sender polls for the reply
    /// only when that was quick).
    last_round_trip: Duration,
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
                    lingering: false,
                    last_round_trip: Duration::ZERO,
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
        // A sender for the first emit of each batch's worth, while there is room for one (a
        // lingering sender takes a lone emit itself).
        let start = (state.queued.len() - 1).is_multiple_of(BATCH_MAX)
            && state.senders < SENDERS_MAX
            && !(state.lingering && state.queued.len() == 1);
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

/// The oldest `BATCH_MAX` of `queued` (all of them, when there are no more).
fn take_batch<T>(queued: &mut Vec<T>) -> Vec<T> {
    if queued.len() <= BATCH_MAX {
        std::mem::take(queued)
    } else {
        queued.drain(..BATCH_MAX).collect()
    }
}

/// A sender: sends the oldest queued emits as one batch, again and again, until the queue is
/// empty; the only sender then lingers for the next emit. A sender that is alone also polls for
/// its batch's reply (`BUSY_WAIT`). Both spend a little of the runtime thread's time to spare a
/// caller that awaits one emit at a time two thread wake-ups per emit.
async fn send_queued<S: Settle>(shared: Arc<Shared<S>>) {
    loop {
        let next = {
            let mut state = shared.lock();
            if state.queued.is_empty() {
                let stays = state.senders == 1;
                if stays {
                    state.lingering = true;
                } else {
                    state.senders -= 1;
                }
                Err(stays)
            } else {
                let busy = state.senders == 1 && state.last_round_trip <= 2 * BUSY_WAIT;
                Ok((take_batch(&mut state.queued), busy))
            }
        };
        let (batch, busy) = match next {
            Ok(taken) => taken,
            Err(true) if Lingering(&shared).wait().await => continue,
            Err(_) => return,
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
        let started = Instant::now();
        let sending = shared.bus.emit_each(requests);
        let outcomes = if busy {
            busy_await(sending, started + BUSY_WAIT).await
        } else {
            sending.await
        };
        shared.lock().last_round_trip = started.elapsed();
        S::settle_batch(settles.into_iter().zip(outcomes));
    }
}

/// The only sender, lingering with its queue empty (`LINGER`). Dropped mid-wait (its runtime
/// shut down), it counts the sender out, so a later emit starts a sender of its own.
struct Lingering<'a, S>(&'a Shared<S>);

impl<S> Lingering<'_, S> {
    /// True when an emit came (the sender goes on); false when none did, and the sender is
    /// counted out.
    async fn wait(self) -> bool {
        let deadline = Instant::now() + LINGER;
        loop {
            tokio::task::yield_now().await;
            let mut state = self.0.lock();
            let came = !state.queued.is_empty();
            if came || Instant::now() >= deadline {
                // Decided under the lock, so an emit queued meanwhile starts a sender.
                state.lingering = false;
                if !came {
                    state.senders -= 1;
                }
                drop(state);
                std::mem::forget(self);
                return came;
            }
        }
    }
}

impl<S> Drop for Lingering<'_, S> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.lingering = false;
        state.senders -= 1;
    }
}

/// Awaits `future`, yielding to the runtime between polls until `deadline`, then plainly.
async fn busy_await<F: Future>(future: F, deadline: Instant) -> F::Output {
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await {
            return output;
        }
        if Instant::now() >= deadline {
            return future.await;
        }
        tokio::task::yield_now().await;
    }
}

#[cfg(test)]
mod tests {
    use super::{take_batch, BATCH_MAX};

    #[test]
    fn a_batch_is_the_oldest_emits_up_to_the_cap() {
        let total = 2 * BATCH_MAX + 5;
        let mut queued: Vec<usize> = (0..total).collect();
        let mut batches = Vec::new();
        while !queued.is_empty() {
            batches.push(take_batch(&mut queued));
        }
        let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
        assert_eq!(sizes, [BATCH_MAX, BATCH_MAX, 5]);
        assert_eq!(
            batches.concat(),
            (0..total).collect::<Vec<_>>(),
            "in queue order"
        );
    }
}
