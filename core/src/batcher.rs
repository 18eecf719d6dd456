//! Group commit for emits made at the same moment. A lone emit goes straight to the backend, so
//! one-at-a-time emits pay no extra hop; emits that arrive while others are on their way queue
//! up, and a task sends what has queued as one pipeline (one round trip for up to 500 events),
//! with a few such batches in flight at once. A batch that fails falls back to the per-event
//! path with its usual retry, so no event is appended twice (see `Bus::append_chunk`).

use crate::bus::{Bus, BusInner};
use crate::error::{Error, ErrorKind, Result};
use crate::outgoing::{Appended, Outgoing};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use tokio::sync::{mpsc, oneshot};

/// The most events one batch carries.
pub(crate) const BATCH_MAX: usize = 500;

/// How many batches may be on their way at once.
const BATCHES_IN_FLIGHT: usize = 4;

/// An emit waiting for a batch.
struct Queued {
    outgoing: Outgoing,
    reply: oneshot::Sender<Result<Appended>>,
}

/// The emitting side of a bus's batching task.
pub(crate) struct Batcher {
    queue: mpsc::UnboundedSender<Queued>,
    /// Emits between their start and their outcome, straight or batched.
    in_progress: Arc<AtomicUsize>,
}

/// Counts one emit in progress for as long as it lives (cancelled emits included).
struct InProgress(Arc<AtomicUsize>);

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Batcher {
    /// Starts the batching task of a bus on the current tokio runtime. The task holds the bus
    /// weakly and ends when the bus is dropped.
    pub(crate) fn start(bus: Weak<BusInner>) -> Batcher {
        let (queue, queued) = mpsc::unbounded_channel();
        tokio::spawn(run(bus, queued));
        Batcher {
            queue,
            in_progress: Arc::default(),
        }
    }

    /// Appends one prepared event: straight away when no other emit is in progress, else in
    /// the next batch.
    pub(crate) async fn emit(&self, bus: &Bus, outgoing: Outgoing) -> Result<Appended> {
        let others = self.in_progress.fetch_add(1, Ordering::AcqRel);
        let _in_progress = InProgress(self.in_progress.clone());
        if others == 0 {
            return bus.append_prepared(outgoing, false).await;
        }
        let (reply, outcome) = oneshot::channel();
        if self.queue.send(Queued { outgoing, reply }).is_err() {
            return Err(Error::new(
                ErrorKind::Closed,
                "the bus's emit task has stopped (its tokio runtime shut down)",
            ));
        }
        outcome.await.unwrap_or_else(|_| {
            Err(Error::new(
                ErrorKind::Closed,
                "the bus's emit task stopped before the event was emitted",
            ))
        })
    }
}

/// Takes what has queued, up to `BATCH_MAX`, and sends it; keeps up to `BATCHES_IN_FLIGHT`
/// batches going. Ends when the bus is gone, after the batches in flight are answered.
async fn run(bus: Weak<BusInner>, mut queued: mpsc::UnboundedReceiver<Queued>) {
    let mut in_flight = FuturesUnordered::new();
    loop {
        tokio::select! {
            biased;
            Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
            first = queued.recv(), if in_flight.len() < BATCHES_IN_FLIGHT => {
                let Some(first) = first else { break };
                let mut batch = vec![first];
                while batch.len() < BATCH_MAX {
                    match queued.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let Some(inner) = bus.upgrade() else { break };
                in_flight.push(send(Bus::from_inner(inner), batch));
            }
        }
    }
    while in_flight.next().await.is_some() {}
}

/// Sends one batch and answers each of its emits.
async fn send(bus: Bus, batch: Vec<Queued>) {
    let (replies, chunk): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .map(|queued| (queued.reply, queued.outgoing))
        .unzip();
    for (reply, result) in replies.into_iter().zip(bus.append_chunk(chunk).await) {
        let _ = reply.send(result);
    }
}
