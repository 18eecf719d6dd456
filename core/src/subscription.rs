//! Subscriptions: a replay of what the streams hold (when asked to start from a position),
//! then the bus's shared live reading (`reader.rs`). A subscriber joins the reader first and
//! learns the millisecond from which the reader hands it events; its replay reads the streams
//! from its own cursors up to that millisecond, so the seam has no gap and no duplicate. A
//! subscriber that falls behind the reader catches up the same way, from where it was, and
//! joins again; events stay in their streams meanwhile, so its memory stays bounded.

use crate::backend::RawEntry;
use crate::cursor::CursorForm;
use crate::envelope::{DeliveredUnder, Event};
use crate::error::{Error, ErrorKind, Result};
use crate::grammar::Pattern;
use crate::merge::{Item, Merge};
use crate::position::{system_time_ms, Position, Start};
use crate::reader::{register, Registration, Taken};
use crate::shared::Shared;
use futures_util::{Stream, StreamExt};
use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

/// Options of a subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
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
/// An `Err` item is never the end. An entry no reader can decode (written by other code) comes
/// as an `InvalidData` error naming its position, in its place, and delivery goes on after it;
/// `next_event` and `next_batch` skip such entries (the bus's metrics count them). A `Trimmed`
/// error says that events this subscription was owed were trimmed from their streams before it
/// read them (a resume from a cursor older than what the streams keep, or a laggard that fell
/// behind the trimming); every method hands it over, and delivery goes on after it from the
/// oldest event kept.
pub struct Subscription {
    batches: Pin<Box<dyn Stream<Item = Vec<Result<Event>>> + Send>>,
    pending: VecDeque<Result<Event>>,
    pattern: Pattern,
}

impl Subscription {
    /// The pattern subscribed to.
    pub fn pattern(&self) -> &str {
        self.pattern.as_str()
    }

    /// The next batch of events in delivery order (entries that cannot be decoded left out),
    /// or a `Trimmed` error in its place in the order; `None` once the bus is closed.
    pub async fn next_batch(&mut self) -> Option<Result<Vec<Event>>> {
        loop {
            if self.pending.is_empty() {
                self.pending.extend(self.batches.next().await?);
            }
            let mut batch = Vec::new();
            while let Some(item) = self.pending.pop_front() {
                match item {
                    Ok(event) => batch.push(event),
                    Err(err) if err.kind() == ErrorKind::Trimmed => {
                        if batch.is_empty() {
                            return Some(Err(err));
                        }
                        self.pending.push_front(Err(err));
                        break;
                    }
                    Err(_) => {}
                }
            }
            if !batch.is_empty() {
                return Some(Ok(batch));
            }
        }
    }

    /// The next event (entries that cannot be decoded skipped), or a `Trimmed` error in its
    /// place; `None` once the bus is closed.
    pub async fn next_event(&mut self) -> Option<Result<Event>> {
        loop {
            if self.pending.is_empty() {
                self.pending.extend(self.batches.next().await?);
            }
            match self.pending.pop_front() {
                Some(Ok(event)) => return Some(Ok(event)),
                Some(Err(err)) if err.kind() == ErrorKind::Trimmed => return Some(Err(err)),
                _ => {}
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
            match self.batches.poll_next_unpin(cx) {
                Poll::Ready(Some(batch)) => self.pending.extend(batch),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Establishes a subscription: it has joined the shared reader when this returns, so that
/// everything appended after this returns is delivered.
pub(crate) async fn subscribe(
    bus: Arc<Shared>,
    pattern: Pattern,
    options: SubscribeOptions,
) -> Result<Subscription> {
    if let Start::Cursor(cursor) = &options.from {
        cursor.check_pattern(&pattern)?;
    }
    let (registration, joined) = register(&bus, pattern.clone()).await?;
    let token = match &options.from {
        Start::After(position) => Some(*position),
        Start::Cursor(cursor) => Some(cursor.position()),
        _ => None,
    };
    if let Some(position) = token.filter(|p| p.ms > joined.now_ms + FUTURE_TOLERANCE_MS) {
        return Err(Error::config(format!(
            "position {position} is ahead of the backend's clock ({} ms): no event has it yet",
            joined.now_ms
        )));
    }
    let (skip, replay_after) = match options.from {
        // Live: the reader may hand over a little from before the clock was read; not ours.
        Start::Live => (Skip::Through(Position::just_before_ms(joined.now_ms)), None),
        Start::Beginning => (Skip::Through(Position::ZERO), Some(Position::ZERO)),
        Start::After(position) => (Skip::Through(position), Some(position)),
        Start::Time(time) => {
            let before = Position::just_before_ms(system_time_ms(time));
            (Skip::Through(before), Some(before))
        }
        Start::Cursor(cursor) => {
            let position = cursor.position();
            let skip = Skip::Event {
                position,
                event_type: cursor.event_type().unwrap_or_default().to_owned(),
                found: false,
                held: Vec::new(),
            };
            (skip, Some(Position::just_before_ms(position.ms)))
        }
    };
    let mut signal = None;
    let replay = match replay_after {
        None => None,
        Some(after) => {
            let types = bus.matching_types(&pattern).await?;
            if token.is_some() {
                signal = trimmed(&bus, &types, |t| skip.owed_after(t)).await?;
            }
            Some(Replay::new(
                after,
                joined.watermark_ms,
                options.batch_size,
                Some(types),
            ))
        }
    };
    let driver = Driver {
        bus,
        pattern: pattern.clone(),
        form: CursorForm::of(&pattern),
        batch_size: options.batch_size,
        registration,
        replay,
        signal,
        skip,
        inbox_from_ms: joined.watermark_ms,
        spill: Vec::new(),
    };
    let batches = futures_util::stream::unfold(driver, |mut driver| async move {
        let batch = driver.next().await?;
        Some((batch, driver))
    });
    Ok(Subscription {
        batches: Box::pin(batches),
        pending: VecDeque::new(),
        pattern,
    })
}

/// How far ahead of the backend's clock a resume position may be (clocks of different hosts
/// drift); further is a token no event has, which would wait forever.
const FUTURE_TOLERANCE_MS: u64 = 60_000;

/// Why reading stopped: the bus closed.
struct Stopped;

/// What a subscription passes over before it delivers: everything up to where it starts.
enum Skip {
    /// Events at or before this position in their own stream (a plain position, a time, live).
    Through(Position),
    /// Everything up to and including one event in the pattern's merged order. Events of that
    /// millisecond are held until it comes by; should it never come (it was trimmed, or the
    /// cursor was made up), they are delivered after all, except that type's events up to it.
    Event {
        position: Position,
        event_type: String,
        found: bool,
        held: Vec<Result<Event>>,
    },
}

impl Skip {
    /// After which position events of `event_type` are owed to the subscriber.
    fn owed_after(&self, event_type: &str) -> Position {
        match self {
            Skip::Through(position) => *position,
            Skip::Event {
                position,
                event_type: own,
                ..
            } if own == event_type => *position,
            Skip::Event { position, .. } => Position::just_before_ms(position.ms),
        }
    }

    /// Passes `event` on (into `out`) unless it comes before the start.
    fn pass(&mut self, event: Result<Event>, out: &mut Vec<Result<Event>>) {
        let Some(at) = event.as_ref().ok().and_then(|e| e.position) else {
            out.push(event);
            return;
        };
        match self {
            Skip::Through(through) => {
                if at > *through {
                    out.push(event);
                }
            }
            Skip::Event { found: true, .. } => out.push(event),
            Skip::Event {
                position,
                event_type,
                found,
                held,
            } => {
                let own = event.as_ref().is_ok_and(|e| e.event_type == *event_type);
                if at.ms < position.ms {
                    return;
                }
                if at.ms == position.ms {
                    if own && at == *position {
                        *found = true;
                        held.clear();
                    } else {
                        held.push(event);
                    }
                    return;
                }
                self.give_up(out);
                out.push(event);
            }
        }
    }

    /// The replay has read everything before `until_ms`: if the cursor's millisecond is among
    /// that and its event did not come by, it never will; hand over what was held.
    fn replayed_until(&mut self, until_ms: u64, out: &mut Vec<Result<Event>>) {
        if let Skip::Event {
            position,
            found: false,
            ..
        } = self
        {
            if position.ms < until_ms {
                self.give_up(out);
            }
        }
    }

    /// The cursor's event is gone: deliver its millisecond after all, except that type's
    /// events up to it.
    fn give_up(&mut self, out: &mut Vec<Result<Event>>) {
        if let Skip::Event {
            position,
            event_type,
            found,
            held,
        } = self
        {
            *found = true;
            out.extend(held.drain(..).filter(|e| {
                !e.as_ref().is_ok_and(|e| {
                    e.event_type == *event_type && e.position.is_some_and(|p| p <= *position)
                })
            }));
        }
    }
}

/// The `Trimmed` signal for the `types` that lost events owed after `owed_after(type)`, if any.
async fn trimmed(
    bus: &Shared,
    types: &[String],
    owed_after: impl Fn(&str) -> Position,
) -> Result<Option<Error>> {
    let losses = bus.backend.stream_losses(types).await?;
    let lost: Vec<String> = types
        .iter()
        .zip(&losses)
        .filter(|(event_type, loss)| loss.lost_after(owed_after(event_type)))
        .map(|(event_type, _)| format!("{event_type} (after {})", owed_after(event_type)))
        .collect();
    if lost.is_empty() {
        return Ok(None);
    }
    bus.metrics.trimmed();
    Ok(Some(Error::new(
        ErrorKind::Trimmed,
        format!(
            "events were trimmed from {} before this subscription read them; delivery goes on from the oldest event kept",
            lost.join(", ")
        ),
    )))
}

/// Feeds one subscription: its replay or catch-up when it has one, else its inbox.
struct Driver {
    bus: Arc<Shared>,
    pattern: Pattern,
    batch_size: usize,
    /// How events' cursors are written.
    form: CursorForm,
    registration: Registration,
    replay: Option<Replay>,
    /// A `Trimmed` error to hand over before anything else.
    signal: Option<Error>,
    /// Where the subscription starts (the reader may hand over from an earlier millisecond).
    skip: Skip,
    /// The replay read everything before this millisecond; the inbox's events below it (a
    /// stream found late) would come twice.
    inbox_from_ms: u64,
    /// What is left of an inbox batch longer than the batch size.
    spill: Vec<Result<Event>>,
}

impl Driver {
    async fn next(&mut self) -> Option<Vec<Result<Event>>> {
        loop {
            if let Some(signal) = self.signal.take() {
                return Some(vec![Err(signal)]);
            }
            if !self.spill.is_empty() {
                let spill = std::mem::take(&mut self.spill);
                return Some(self.split_off_batch(spill));
            }
            if let Some(replay) = &mut self.replay {
                match replay.next_batch(&self.bus, &self.pattern).await {
                    Ok(Some(items)) => {
                        let batch = self.deliver(items.into_iter().map(|i| i.event), false);
                        if !batch.is_empty() {
                            return Some(batch);
                        }
                    }
                    Ok(None) => {
                        self.replay = None;
                        let mut rest = Vec::new();
                        self.skip.replayed_until(self.inbox_from_ms, &mut rest);
                        let batch = self.deliver(rest.into_iter(), false);
                        if !batch.is_empty() {
                            return Some(batch);
                        }
                    }
                    Err(Stopped) => return None,
                }
                continue;
            }
            match self.registration.inbox.take().await {
                Taken::Batch(events) => {
                    let batch = self.deliver(events.into_iter(), true);
                    if !batch.is_empty() {
                        return Some(self.split_off_batch(batch));
                    }
                }
                Taken::Lagged(from_ms) => {
                    let pattern = &self.pattern;
                    let (registration, joined) =
                        retrying(&self.bus, || register(&self.bus, pattern.clone()))
                            .await
                            .ok()?;
                    self.registration = registration;
                    self.inbox_from_ms = joined.watermark_ms;
                    let after = Position::just_before_ms(from_ms);
                    let types = retrying(&self.bus, || self.bus.matching_types(pattern)).await;
                    let types = types.ok()?;
                    // The streams may have been trimmed past it while it lagged.
                    let losses = retrying(&self.bus, || trimmed(&self.bus, &types, |_| after));
                    self.signal = losses.await.ok()?;
                    self.replay = Some(Replay::new(
                        after,
                        joined.watermark_ms,
                        self.batch_size,
                        Some(types),
                    ));
                }
                Taken::Closed => return None,
            }
        }
    }

    /// The first `batch_size` of `events`; the rest waits in `spill` for the next call.
    fn split_off_batch(&mut self, mut events: Vec<Result<Event>>) -> Vec<Result<Event>> {
        if events.len() > self.batch_size {
            self.spill = events.split_off(self.batch_size);
        }
        events
    }

    /// What the subscriber gets of `events`, counting invalid entries and delivery latency.
    fn deliver(
        &mut self,
        events: impl Iterator<Item = Result<Event>>,
        from_inbox: bool,
    ) -> Vec<Result<Event>> {
        let mut batch: Vec<Result<Event>> = Vec::new();
        for event in events {
            let replayed = event.as_ref().is_ok_and(|event| {
                event
                    .position
                    .is_some_and(|p| from_inbox && p.ms < self.inbox_from_ms)
            });
            if !replayed {
                self.skip.pass(event, &mut batch);
            }
        }
        for event in batch.iter_mut().flatten() {
            event.delivered_under = DeliveredUnder(Some(self.form));
        }
        let now = SystemTime::now();
        let mut latencies: HashMap<&str, Vec<Duration>> = HashMap::new();
        for event in &batch {
            match event {
                Ok(event) => latencies
                    .entry(event.event_type.as_str())
                    .or_default()
                    .push(now.duration_since(event.time).unwrap_or_default()),
                Err(_) => self.bus.metrics.invalid_entry(),
            }
        }
        for (event_type, latencies) in &latencies {
            self.bus.metrics.delivered(event_type, latencies);
        }
        batch
    }
}

/// Reads every stream a pattern selects from its own cursor, merged in emit order, up to (not
/// including) a millisecond: where the shared reader takes over.
struct Replay {
    after: Position,
    until_ms: u64,
    batch_size: usize,
    types: Option<Vec<String>>,
    cursors: Option<HashMap<String, Position>>,
    merge: Merge<String>,
    refill: Vec<String>,
}

impl Replay {
    /// A replay of the streams of `types` (those the pattern selects, looked up on the first
    /// read when `None`).
    fn new(
        after: Position,
        until_ms: u64,
        batch_size: usize,
        types: Option<Vec<String>>,
    ) -> Replay {
        Replay {
            after,
            until_ms,
            batch_size,
            types,
            cursors: None,
            merge: Merge::new(false),
            refill: Vec::new(),
        }
    }

    /// The next batch in order; `None` once everything before `until_ms` was handed out.
    async fn next_batch(
        &mut self,
        bus: &Shared,
        pattern: &Pattern,
    ) -> std::result::Result<Option<Vec<Item>>, Stopped> {
        if self.cursors.is_none() {
            let types = match self.types.take() {
                Some(types) => types,
                None => retrying(bus, || bus.matching_types(pattern)).await?,
            };
            self.refill = types.clone();
            self.cursors = Some(types.into_iter().map(|t| (t, self.after)).collect());
        }
        let cursors = self.cursors.as_mut().expect("cursors set above");
        loop {
            if !self.refill.is_empty() {
                let wanted: Vec<(String, Position)> = self
                    .refill
                    .iter()
                    .map(|t| (t.clone(), cursors[t]))
                    .collect();
                let batch_size = self.batch_size;
                let mut read =
                    retrying(bus, || bus.backend.read_after(&wanted, batch_size)).await?;
                for event_type in self.refill.drain(..) {
                    let mut entries: Vec<RawEntry> = read
                        .iter_mut()
                        .find(|(t, _)| *t == event_type)
                        .map(|(_, entries)| std::mem::take(entries))
                        .unwrap_or_default();
                    let full = entries.len() == self.batch_size;
                    if let Some(last) = entries.last() {
                        cursors.insert(event_type.clone(), last.position);
                    }
                    let before = entries.len();
                    entries.retain(|e| e.position.ms < self.until_ms);
                    let more = full && entries.len() == before;
                    self.merge.add(event_type, entries, more);
                }
            }
            let mut batch = Vec::new();
            while batch.len() < self.batch_size {
                match self.merge.next() {
                    Some((_, item)) => batch.push(item),
                    None => break,
                }
            }
            let done = self.merge.is_done();
            self.refill.extend(self.merge.waiting().cloned());
            if !batch.is_empty() {
                return Ok(Some(batch));
            }
            if done {
                return Ok(None);
            }
        }
    }
}

/// Runs a backend call, retrying transient failures with backoff until the bus closes.
async fn retrying<T, F, Fut>(bus: &Shared, mut call: F) -> std::result::Result<T, Stopped>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut failures = 0u32;
    loop {
        tokio::select! {
            result = call() => match result {
                Ok(value) => return Ok(value),
                Err(err) if err.is_closed() => return Err(Stopped),
                Err(_) => {
                    let delay = bus.reconnect_backoff.delay(failures);
                    failures = failures.saturating_add(1);
                    if failures == 1 {
                        bus.metrics.reconnected();
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = bus.closed() => return Err(Stopped),
                    }
                }
            },
            _ = bus.closed() => return Err(Stopped),
        }
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
            .unwrap()
            .unwrap();
        assert_eq!(event.id, id);
    }
}
