//! Group commit: the one way emits reach the backend. Emits made while others are on their way
//! queue up, and sender tasks on the bus's runtime send what has queued as one pipeline (one
//! round trip for up to `BATCH_MAX` emits), up to `SENDERS_MAX` batches at once, so a burst of
//! hundreds goes out as a few pipelines that Redis, the runtime and the caller work on at the
//! same time. A lone emit awaited by a Rust task goes straight to the backend, with no hop.
//!
//! Outcomes are handed back through a [`HandOff`]: a future's channel for Rust callers, a
//! callback for the bindings, whose callers live on threads outside the runtime. A batch that
//! fails falls back to the one-by-one path with its usual retry, so no event is appended twice.
//!
//! With `low_latency` on, a sender that is alone polls for its batch's reply for a while
//! (`BUSY_WAIT`) and, its queue empty, lingers for the next emit (`LINGER`), so a caller on
//! another thread that awaits one emit at a time costs the runtime's thread no wake-ups. The
//! price is CPU: while such a caller keeps emitting, the runtime's thread never sleeps.

use crate::emit::EmitRequest;
use crate::envelope::EmitOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::event_data::EventData;
use crate::outgoing::{Appended, Outgoing};
use crate::shared::Shared;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;
use std::time::{Duration, Instant};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// The most emits one batch carries. Several pipelines of a burst keep Redis, the runtime and
/// the caller's thread busy at once, where one pipeline of everything leaves each idle in turn.
pub(crate) const BATCH_MAX: usize = 96;

/// How many batches may be on their way at once: enough for a few hundred emits in flight to go
/// in full batches, and to keep emits moving while one batch is retried through an outage.
const SENDERS_MAX: usize = 8;

/// How long the only sender stays, once the queue is empty, for the next emit (`low_latency`).
/// A caller that awaits each emit queues the next a few microseconds after the last settled;
/// a sender still there takes it at once, where a parked runtime thread would first be woken.
const LINGER: Duration = Duration::from_micros(50);

/// How long the only sender polls for its batch's reply before it awaits it plainly
/// (`low_latency`): a reply from a Redis on the same host comes within this. After a round trip
/// of more than twice this (a distant or busy Redis) the next batch is awaited plainly.
const BUSY_WAIT: Duration = Duration::from_micros(100);

/// Takes emits' outcomes to whoever waits for them. Called on the runtime's thread, once per
/// emit; an emit whose hand-off is dropped unsettled (its runtime shut down) was lost.
pub(crate) trait HandOff: Send + 'static {
    /// Hands each emit of a batch its outcome, in order.
    fn hand_off(batch: Vec<(Self, Result<Appended>)>)
    where
        Self: Sized;
}

/// The hand-off of a Rust caller: the channel its future awaits.
pub(crate) type Reply = oneshot::Sender<Result<Appended>>;

impl HandOff for Reply {
    fn hand_off(batch: Vec<(Self, Result<Appended>)>) {
        for (reply, outcome) in batch {
            let _ = reply.send(outcome);
        }
    }
}

/// An emit as it is queued: checked and written by its caller, or left for the sender to check
/// and write on the runtime's thread (so a binding's thread does less per emit).
pub(crate) enum Emit {
    Prepared(Outgoing),
    Request(EmitRequest),
    /// Data as JSON text, not yet checked.
    Text {
        event_type: String,
        data: String,
        options: EmitOptions,
    },
}

impl Emit {
    fn prepare(self, shared: &Shared) -> Result<Outgoing> {
        let request = match self {
            Emit::Prepared(outgoing) => return Ok(outgoing),
            Emit::Request(request) => request,
            Emit::Text {
                event_type,
                data,
                options,
            } => EmitRequest::new(event_type, EventData::from_json(data)?).options(options),
        };
        shared.prepare(&request.event_type, &request.data, &request.options)
    }
}

/// The group commit of one bus (or one binding's queue into a bus). Every clone is the same.
pub(crate) struct GroupCommit<H> {
    inner: Arc<Inner<H>>,
}

impl<H> Clone for GroupCommit<H> {
    fn clone(&self) -> GroupCommit<H> {
        GroupCommit {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<H> {
    shared: Arc<Shared>,
    /// Where sender tasks run.
    runtime: Handle,
    state: Mutex<State<H>>,
}

struct State<H> {
    queued: Vec<(Emit, H)>,
    /// Sender tasks started and not yet finished.
    senders: usize,
    /// Emits sent straight by their Rust caller and not yet answered.
    straight: usize,
    /// True while the only sender waits for the next emit (`LINGER`): it takes that emit itself.
    lingering: bool,
    /// How long the last batch took to be answered (a lone sender polls only when that was quick).
    last_round_trip: Duration,
}

impl<H: HandOff> GroupCommit<H> {
    /// The group commit of `shared`, sending on `runtime` (which must outlive its emits).
    pub(crate) fn new(shared: Arc<Shared>, runtime: Handle) -> GroupCommit<H> {
        GroupCommit {
            inner: Arc::new(Inner {
                shared,
                runtime,
                state: Mutex::new(State {
                    queued: Vec::new(),
                    senders: 0,
                    straight: 0,
                    lingering: false,
                    last_round_trip: Duration::ZERO,
                }),
            }),
        }
    }

    /// Queues an emit; `hand_off` gets its outcome once its batch is answered. May be called
    /// from any thread.
    pub(crate) fn push(&self, emit: Emit, hand_off: H) {
        let mut state = self.inner.lock();
        state.queued.push((emit, hand_off));
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
            self.inner.runtime.spawn(send_queued(self.inner.clone()));
        }
    }
}

impl GroupCommit<Reply> {
    /// Appends one checked event for a Rust caller: straight away when no other emit is on its
    /// way, else in the next batch.
    pub(crate) async fn emit(&self, outgoing: Outgoing) -> Result<Appended> {
        let alone = {
            let mut state = self.inner.lock();
            let alone = state.straight == 0 && state.senders == 0 && state.queued.is_empty();
            if alone {
                state.straight += 1;
            }
            alone
        };
        if alone {
            let _straight = Straight(&self.inner);
            return self.inner.shared.append_one(outgoing, false).await;
        }
        let (reply, outcome) = oneshot::channel();
        self.push(Emit::Prepared(outgoing), reply);
        outcome.await.unwrap_or_else(|_| {
            Err(Error::new(
                ErrorKind::Closed,
                "the bus's runtime stopped before the event was emitted",
            ))
        })
    }
}

/// Counts a straight emit out when it ends (cancelled ones included).
struct Straight<'a, H>(&'a Inner<H>);

impl<H> Drop for Straight<'_, H> {
    fn drop(&mut self) {
        self.0.lock().straight -= 1;
    }
}

impl<H> Inner<H> {
    fn lock(&self) -> MutexGuard<'_, State<H>> {
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
/// empty; with `low_latency`, the only sender then lingers for the next emit, and polls for its
/// batch's reply while it is alone.
async fn send_queued<H: HandOff>(inner: Arc<Inner<H>>) {
    let low_latency = inner.shared.config.low_latency;
    loop {
        let next = {
            let mut state = inner.lock();
            if state.queued.is_empty() {
                let stays = low_latency && state.senders == 1;
                if stays {
                    state.lingering = true;
                } else {
                    state.senders -= 1;
                }
                Err(stays)
            } else {
                let busy =
                    low_latency && state.senders == 1 && state.last_round_trip <= 2 * BUSY_WAIT;
                Ok((take_batch(&mut state.queued), busy))
            }
        };
        let (batch, busy) = match next {
            Ok(taken) => taken,
            Err(true) if Lingering(&inner).wait().await => continue,
            Err(_) => return,
        };
        let mut chunk = Vec::with_capacity(batch.len());
        let mut hand_offs = Vec::with_capacity(batch.len());
        for (emit, hand_off) in batch {
            match emit.prepare(&inner.shared) {
                Ok(outgoing) => {
                    chunk.push(outgoing);
                    hand_offs.push(hand_off);
                }
                Err(err) => H::hand_off(vec![(hand_off, Err(err))]),
            }
        }
        if chunk.is_empty() {
            continue;
        }
        let started = Instant::now();
        let sending = inner.shared.append_chunk(chunk);
        let outcomes = if busy {
            busy_await(sending, started + BUSY_WAIT).await
        } else {
            sending.await
        };
        inner.lock().last_round_trip = started.elapsed();
        H::hand_off(hand_offs.into_iter().zip(outcomes).collect());
    }
}

/// The only sender, lingering with its queue empty (`LINGER`). Dropped mid-wait (its runtime
/// shut down), it counts the sender out, so a later emit starts a sender of its own.
struct Lingering<'a, H>(&'a Inner<H>);

impl<H> Lingering<'_, H> {
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

impl<H> Drop for Lingering<'_, H> {
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
    use super::*;
    use crate::backend::Backend;
    use crate::bus::Bus;
    use serde_json::json;
    use std::sync::atomic::Ordering;

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

    /// Emits made at the same moment share round trips: on the memory backend, whose every
    /// append call is one round trip, N emits queued before the runtime runs take
    /// ceil(N / BATCH_MAX) of them, and each lands with its own data.
    #[test]
    fn concurrent_emits_share_round_trips() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let bus = runtime.block_on(Bus::connect("memory://")).unwrap();
        let Backend::Memory(memory) = &bus.shared().backend else {
            unreachable!("memory:// gives the memory backend")
        };
        let commit = GroupCommit::<Reply>::new(bus.shared().clone(), runtime.handle().clone());
        let count = 3 * BATCH_MAX + 7;
        let mut outcomes = Vec::new();
        for n in 0..count {
            let (reply, outcome) = oneshot::channel();
            let request = EmitRequest::new("batch.n", json!(n));
            commit.push(Emit::Request(request), reply);
            outcomes.push(outcome);
        }
        let before = memory.round_trips.load(Ordering::SeqCst);
        let ids: Vec<String> = runtime.block_on(async {
            let mut ids = Vec::new();
            for outcome in outcomes {
                ids.push(outcome.await.unwrap().unwrap().id);
            }
            ids
        });
        let round_trips = memory.round_trips.load(Ordering::SeqCst) - before;
        assert!(
            round_trips <= count.div_ceil(BATCH_MAX) as u64 + 1,
            "{count} emits took {round_trips} round trips"
        );
        let stored = runtime
            .block_on(bus.history("batch.n", crate::HistoryQuery::new().limit(count)))
            .unwrap();
        assert_eq!(stored.len(), count);
        for event in stored {
            let n = event.data.as_u64().unwrap() as usize;
            assert_eq!(ids[n], event.id, "emit {n} got its own id");
        }
    }
}
