//! Subscriptions: a replay of what the streams hold (when asked to start from a position),
//! then live following, both reading the streams from per-stream cursors. Live notices only say
//! which streams changed, so the seam between replay and live has no gap and no duplicate, and
//! after a dropped connection the follower reads on from its cursors without losing an event.

use crate::backend::watch::Watch;
use crate::backend::RawEntry;
use crate::envelope::Event;
use crate::error::Result;
use crate::grammar::Pattern;
use crate::merge::{merge_whole, Item, Merge};
use crate::position::{system_time_ms, Position, Start};
use crate::shared::Shared;
use futures_util::Stream;
use std::collections::{HashMap, HashSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;

/// Options of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct SubscribeOptions {
    /// Where to start (default: live).
    from: Start,
    /// The most events read from the backend, and handed over, at once (default 512; never 0,
    /// which would read nothing forever).
    batch_size: usize,
}

impl Default for SubscribeOptions {
    fn default() -> SubscribeOptions {
        SubscribeOptions {
            from: Start::Live,
            batch_size: 512,
        }
    }
}

impl SubscribeOptions {
    /// Live from now.
    pub fn new() -> SubscribeOptions {
        SubscribeOptions::default()
    }
    /// Sets where to start.
    pub fn from(mut self, from: Start) -> SubscribeOptions {
        self.from = from;
        self
    }
    /// Sets the batch size (at least 1).
    pub fn batch_size(mut self, batch_size: usize) -> SubscribeOptions {
        self.batch_size = batch_size.max(1);
        self
    }
}

/// A live subscription: a `Stream` of events (also readable in batches). Dropping it
/// unsubscribes; it ends when the bus closes.
///
/// An `Err` item is about one stream entry, never the end: an entry no reader can decode
/// (written by other code) comes as an `InvalidData` error naming its position, in its place,
/// and delivery goes on after it. `next_event` and `next_batch` skip such entries (the bus's
/// metrics count them).
pub struct Subscription {
    batches: mpsc::Receiver<Vec<Result<Event>>>,
    pending: VecDeque<Result<Event>>,
    pattern: Pattern,
}

impl Subscription {
    /// The pattern subscribed to.
    pub fn pattern(&self) -> &str {
        self.pattern.as_str()
    }

    /// The next batch of events in delivery order (entries that cannot be decoded left out);
    /// `None` once the bus is closed.
    pub async fn next_batch(&mut self) -> Option<Vec<Event>> {
        loop {
            let batch: Vec<Event> = if self.pending.is_empty() {
                self.batches.recv().await?.into_iter().flatten().collect()
            } else {
                self.pending.drain(..).flatten().collect()
            };
            if !batch.is_empty() {
                return Some(batch);
            }
        }
    }

    /// The next event (entries that cannot be decoded skipped); `None` once the bus is closed.
    pub async fn next_event(&mut self) -> Option<Event> {
        loop {
            if self.pending.is_empty() {
                self.pending.extend(self.batches.recv().await?);
            }
            if let Some(Ok(event)) = self.pending.pop_front() {
                return Some(event);
            }
        }
    }
}

impl Stream for Subscription {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Event>>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Poll::Ready(Some(item));
            }
            match self.batches.poll_recv(cx) {
                Poll::Ready(Some(batch)) => self.pending.extend(batch),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Establishes a subscription: the live watch first, then the cursors, so that everything
/// appended after this returns is delivered.
pub(crate) async fn subscribe(
    bus: Arc<Shared>,
    pattern: Pattern,
    options: SubscribeOptions,
) -> Result<Subscription> {
    let watch = bus.backend.watch(&pattern).await?;
    let known = bus.matching_types(&pattern).await?;
    let (after_for_new_streams, replay) = match options.from {
        Start::Live => (Position::just_before_ms(bus.backend.now_ms().await?), false),
        Start::Beginning => (Position::ZERO, true),
        Start::After(position) => (position, true),
        Start::Time(time) => (Position::just_before_ms(system_time_ms(time)), true),
    };
    let mut cursors = HashMap::new();
    if replay {
        for event_type in known {
            cursors.insert(event_type, after_for_new_streams);
        }
    } else {
        let last = bus.backend.last_positions(&known).await?;
        for (event_type, last) in known.into_iter().zip(last) {
            cursors.insert(event_type, last.unwrap_or(after_for_new_streams));
        }
    }
    // Room for a few batches: beyond that the follower waits, and notices coalesce.
    let (sender, batches) = mpsc::channel(4);
    let follower = Follower {
        bus,
        pattern: pattern.clone(),
        watch,
        cursors,
        after_for_new_streams,
        batch_size: options.batch_size,
        sender,
    };
    tokio::spawn(follower.run(replay));
    Ok(Subscription {
        batches,
        pending: VecDeque::new(),
        pattern,
    })
}

/// Why following stopped.
struct Stopped;

struct Follower {
    bus: Arc<Shared>,
    pattern: Pattern,
    watch: Watch,
    /// The last position delivered (or skipped) per stream: reads continue after it.
    cursors: HashMap<String, Position>,
    /// Where a stream first seen after establishment is read from.
    after_for_new_streams: Position,
    batch_size: usize,
    sender: mpsc::Sender<Vec<Result<Event>>>,
}

impl Follower {
    async fn run(mut self, replay: bool) {
        if replay && self.replay().await.is_err() {
            return;
        }
        let _ = self.follow().await;
    }

    /// Runs a backend read, retrying transient failures with backoff until the bus closes or
    /// the subscriber goes away.
    async fn read(
        &self,
        cursors: &[(String, Position)],
    ) -> std::result::Result<Vec<(String, Vec<RawEntry>)>, Stopped> {
        let mut failures = 0u32;
        loop {
            let attempt = self.bus.backend.read_after(cursors, self.batch_size);
            tokio::select! {
                result = attempt => match result {
                    Ok(streams) => return Ok(streams),
                    Err(err) if err.is_closed() => return Err(Stopped),
                    Err(_) => {
                        let delay = self.bus.reconnect_backoff.delay(failures);
                        failures = failures.saturating_add(1);
                        if failures == 1 {
                            self.bus.metrics.reconnected();
                        }
                        self.pause(delay).await?;
                    }
                },
                _ = self.bus.closed() => return Err(Stopped),
                _ = self.sender.closed() => return Err(Stopped),
            }
        }
    }

    async fn pause(&self, delay: Duration) -> std::result::Result<(), Stopped> {
        tokio::select! {
            _ = tokio::time::sleep(delay) => Ok(()),
            _ = self.bus.closed() => Err(Stopped),
            _ = self.sender.closed() => Err(Stopped),
        }
    }

    /// Merges every stream in emit order from its cursor until all are drained, reading each
    /// a batch at a time as the merge needs it.
    async fn replay(&mut self) -> std::result::Result<(), Stopped> {
        let mut merge = Merge::new(false);
        let mut refill: Vec<String> = self.cursors.keys().cloned().collect();
        loop {
            if !refill.is_empty() {
                let cursors: Vec<(String, Position)> = refill
                    .iter()
                    .map(|t| (t.clone(), self.cursors[t]))
                    .collect();
                let mut read = self.read(&cursors).await?;
                for event_type in refill.drain(..) {
                    let entries = read
                        .iter_mut()
                        .find(|(t, _)| *t == event_type)
                        .map(|(_, entries)| std::mem::take(entries))
                        .unwrap_or_default();
                    let more = entries.len() == self.batch_size;
                    if let Some(last) = entries.last() {
                        self.cursors.insert(event_type.clone(), last.position);
                    }
                    merge.add(event_type, entries, more);
                }
            }
            let mut batch = Vec::new();
            while batch.len() < self.batch_size {
                match merge.next() {
                    Some(next) => batch.push(next),
                    None => break,
                }
            }
            self.deliver(batch).await?;
            if merge.is_done() {
                return Ok(());
            }
            refill.extend(merge.waiting().cloned());
        }
    }

    /// Waits for notices and reads the changed streams from their cursors.
    async fn follow(&mut self) -> std::result::Result<(), Stopped> {
        let poll_every = self.bus.config.poll_interval;
        let mut poll = tokio::time::interval(poll_every.unwrap_or(Duration::from_secs(3600)));
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        poll.tick().await;
        loop {
            let (changes, polled) = tokio::select! {
                changes = self.watch.changed() => (changes, false),
                _ = poll.tick(), if poll_every.is_some() => (Default::default(), true),
                _ = self.bus.closed() => return Err(Stopped),
                _ = self.sender.closed() => return Err(Stopped),
            };
            if changes.closed {
                return Err(Stopped);
            }
            if changes.resync {
                self.bus.metrics.reconnected();
            }
            let mut pending: HashSet<String> = changes.types;
            if changes.resync || polled {
                let known = loop {
                    match self.bus.matching_types(&self.pattern).await {
                        Ok(known) => break known,
                        Err(_) => self.pause(self.bus.reconnect_backoff.cap).await?,
                    }
                };
                pending.extend(known);
                pending.extend(self.cursors.keys().cloned());
            }
            while !pending.is_empty() {
                let cursors: Vec<(String, Position)> = pending
                    .iter()
                    .map(|t| {
                        let after = *self
                            .cursors
                            .entry(t.clone())
                            .or_insert(self.after_for_new_streams);
                        (t.clone(), after)
                    })
                    .collect();
                let read = self.read(&cursors).await?;
                pending.clear();
                for (event_type, entries) in &read {
                    if entries.len() == self.batch_size {
                        pending.insert(event_type.clone());
                    }
                    if let Some(last) = entries.last() {
                        self.cursors.insert(event_type.clone(), last.position);
                    }
                }
                self.deliver(merge_whole(read, false)).await?;
            }
        }
    }

    /// Hands events to the subscriber, counting invalid entries and delivery latency.
    async fn deliver(&self, items: Vec<(String, Item)>) -> std::result::Result<(), Stopped> {
        if items.is_empty() {
            return Ok(());
        }
        let now = SystemTime::now();
        let mut events = Vec::with_capacity(items.len());
        let mut latencies: HashMap<String, Vec<Duration>> = HashMap::new();
        for (event_type, item) in items {
            match item.event {
                Ok(event) => {
                    let latency = now.duration_since(event.time).unwrap_or_default();
                    latencies.entry(event_type).or_default().push(latency);
                    events.push(Ok(event));
                }
                Err(err) => {
                    self.bus.metrics.invalid_entry();
                    events.push(Err(err));
                }
            }
        }
        for (event_type, latencies) in &latencies {
            self.bus.metrics.delivered(event_type, latencies);
        }
        if events.is_empty() {
            return Ok(());
        }
        self.sender.send(events).await.map_err(|_| Stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::Bus;
    use serde_json::json;

    /// A batch size of 0 would read nothing forever; the builder makes it 1.
    #[tokio::test]
    async fn a_zero_batch_size_still_delivers() {
        let bus = Bus::connect("memory://").await.unwrap();
        let id = bus.emit("zero.batch", json!(1)).await.unwrap();
        let options = SubscribeOptions::new().from(Start::Beginning).batch_size(0);
        let mut subscription = bus.subscribe_with("zero.*", options).await.unwrap();
        let event = tokio::time::timeout(Duration::from_secs(10), subscription.next_event())
            .await
            .expect("delivered, not stuck")
            .unwrap();
        assert_eq!(event.id, id);
    }
}
