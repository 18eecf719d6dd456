//! The bus: the public face of the core. It validates and enriches events, appends them with
//! retry (never twice), dead-letters what cannot be appended, and serves subscriptions and
//! history over whichever backend the URL named.

use crate::backend::Backend;
use crate::batcher::Batcher;
use crate::config::{BusBuilder, Config};
use crate::dead_letter::{DeadLetter, DeadLetters, RedriveReport};
use crate::envelope::{EmitOptions, Event};
use crate::error::{Error, Result};
use crate::event_data::EventData;
use crate::grammar::{validate_type, Pattern};
use crate::history::{HistoryQuery, Order};
use crate::merge::{merge, Item};
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::outgoing::{Appended, Outgoing};
use crate::position::{system_time_ms, Position};
use crate::retry::RetryPolicy;
use crate::subscription::{self, SubscribeOptions, Subscription};
use futures_util::future::BoxFuture;
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// How far before an event's own time a retry looks for an earlier attempt that did land
/// (allows for the emitter's clock running ahead of the server's).
const CLOCK_SKEW_MS: u64 = 5_000;

/// How many events of one `emit_many` go to the backend in one round trip.
const EMIT_MANY_CHUNK: usize = 500;

/// How many chunks of one `emit_many` are in flight at once.
const EMIT_MANY_CHUNKS_IN_FLIGHT: usize = 4;

/// How many events of a failed chunk are retried one by one at once.
const EMIT_MANY_IN_FLIGHT: usize = 256;

/// One event of an [`Bus::emit_many`] call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EmitRequest {
    /// The event type.
    pub event_type: String,
    /// The payload: a JSON value, or JSON text.
    pub data: EventData,
    /// Subject, metadata, version.
    pub options: EmitOptions,
}

impl EmitRequest {
    /// A request with no options.
    pub fn new(event_type: impl Into<String>, data: impl Into<EventData>) -> EmitRequest {
        EmitRequest {
            event_type: event_type.into(),
            data: data.into(),
            options: EmitOptions::default(),
        }
    }
    /// Sets the options.
    pub fn options(mut self, options: EmitOptions) -> EmitRequest {
        self.options = options;
        self
    }
}

/// A connection to the event bus. Cheap to clone; every clone is the same bus.
#[derive(Clone)]
pub struct Bus {
    inner: Arc<BusInner>,
}

pub(crate) struct BusInner {
    pub(crate) backend: Backend,
    pub(crate) metrics: Metrics,
    pub(crate) config: Config,
    dead_letters: DeadLetters,
    /// Flips to true once on close; subscriptions and retries watch it.
    closed: watch::Sender<bool>,
    /// How a live subscription waits between reconnect attempts.
    pub(crate) reconnect_backoff: RetryPolicy,
    /// Groups concurrent emits into pipelines (Redis only: memory appends need no round trip).
    batcher: Option<Batcher>,
}

impl BusInner {
    /// Resolves when the bus is closed.
    pub(crate) async fn closed(&self) {
        let mut receiver = self.closed.subscribe();
        let _ = receiver.wait_for(|closed| *closed).await;
    }

    fn check_open(&self) -> Result<()> {
        if *self.closed.borrow() {
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

impl Bus {
    /// Connects with default options: `memory://`, `memory://<name>`, `redis://…`, `rediss://…`.
    pub async fn connect(url: &str) -> Result<Bus> {
        Bus::builder(url).build().await
    }

    /// Starts building a bus with options.
    pub fn builder(url: &str) -> BusBuilder {
        BusBuilder::new(url)
    }

    pub(crate) async fn from_config(config: Config) -> Result<Bus> {
        let dead_letters =
            DeadLetters::open(config.dead_letter_capacity, config.dead_letter_path.clone())?;
        let backend = Backend::connect(&config).await?;
        let batched = matches!(backend, Backend::Redis(_));
        Ok(Bus {
            inner: Arc::new_cyclic(|bus| BusInner {
                batcher: batched.then(|| Batcher::start(bus.clone())),
                backend,
                metrics: Metrics::default(),
                config,
                dead_letters,
                closed: watch::Sender::new(false),
                reconnect_backoff: RetryPolicy::new(
                    u32::MAX,
                    Duration::from_millis(20),
                    Duration::from_secs(2),
                ),
            }),
        })
    }

    /// The bus whose shared state this is (for the core's own tasks).
    pub(crate) fn from_inner(inner: Arc<BusInner>) -> Bus {
        Bus { inner }
    }

    /// Emits an event and returns its id. `data` is a [`Value`] or [`EventData`] (JSON text).
    pub async fn emit(&self, event_type: &str, data: impl Into<EventData>) -> Result<String> {
        self.emit_with(event_type, data, EmitOptions::default())
            .await
    }

    /// Emits an event with a subject, metadata or version, and returns its id.
    pub async fn emit_with(
        &self,
        event_type: &str,
        data: impl Into<EventData>,
        options: EmitOptions,
    ) -> Result<String> {
        let outgoing = self.prepare(event_type, &data.into(), &options)?;
        Ok(self.append(outgoing).await?.id)
    }

    /// Emits an event and returns it whole, position included.
    pub async fn emit_event(
        &self,
        event_type: &str,
        data: Value,
        options: EmitOptions,
    ) -> Result<Event> {
        self.inner.check_open()?;
        let config = &self.inner.config;
        let mut event = Event::outgoing(event_type, data, options, &config.source);
        let outgoing = Outgoing::of_event(&event, config.max_event_size)?;
        event.position = Some(self.append(outgoing).await?.position);
        Ok(event)
    }

    /// Appends one checked event: in the next batch when other emits are in progress.
    async fn append(&self, outgoing: Outgoing) -> Result<Appended> {
        match &self.inner.batcher {
            Some(batcher) => batcher.emit(self, outgoing).await,
            None => self.append_prepared(outgoing, false).await,
        }
    }

    /// Emits many events and returns their ids in order. Every event is validated before any
    /// is appended, so bad input writes nothing. Events go to the backend in chunks of 500,
    /// one round trip each; the events of a chunk that fails are retried one by one, each
    /// looking first for an earlier landing, so none is appended twice.
    pub async fn emit_many(&self, requests: Vec<EmitRequest>) -> Result<Vec<String>> {
        let mut prepared = requests
            .into_iter()
            .map(|r| self.prepare(&r.event_type, &r.data, &r.options))
            .collect::<Result<Vec<_>>>()?
            .into_iter();
        let chunks = std::iter::from_fn(|| {
            let chunk: Vec<_> = prepared.by_ref().take(EMIT_MANY_CHUNK).collect();
            (!chunk.is_empty()).then_some(chunk)
        });
        let ids: Vec<Vec<String>> = stream::iter(chunks)
            .map(|chunk| async move {
                let appended = self.append_chunk(chunk).await;
                appended.into_iter().map(|r| r.map(|a| a.id)).collect()
            })
            .buffered(EMIT_MANY_CHUNKS_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(ids.concat())
    }

    /// Emits many events in one batch, each on its own: one result per request, in order. An
    /// invalid request fails alone while the others are emitted (unlike `emit_many`). The
    /// bindings use it to send the emits their users make at the same moment in one round trip.
    pub async fn emit_each(&self, requests: Vec<EmitRequest>) -> Vec<Result<String>> {
        let mut results = Vec::with_capacity(requests.len());
        let mut prepared = Vec::new();
        for request in requests {
            match self.prepare(&request.event_type, &request.data, &request.options) {
                Ok(outgoing) => {
                    results.push(None);
                    prepared.push((results.len() - 1, outgoing));
                }
                Err(err) => results.push(Some(Err(err))),
            }
        }
        let mut prepared = prepared.into_iter().peekable();
        while prepared.peek().is_some() {
            let (slots, chunk): (Vec<usize>, Vec<Outgoing>) =
                prepared.by_ref().take(EMIT_MANY_CHUNK).unzip();
            for (slot, result) in slots.into_iter().zip(self.append_chunk(chunk).await) {
                results[slot] = Some(result.map(|appended| appended.id));
            }
        }
        results
            .into_iter()
            .map(|result| result.expect("every request has a result"))
            .collect()
    }

    /// Appends a chunk in one round trip, or, when that fails, event by event; one result per
    /// event.
    pub(crate) async fn append_chunk(&self, chunk: Vec<Outgoing>) -> Vec<Result<Appended>> {
        let started = Instant::now();
        let entries: Vec<(&str, &str)> = chunk
            .iter()
            .map(|outgoing| (outgoing.event_type.as_str(), outgoing.payload.as_str()))
            .collect();
        if let Ok(positions) = self.inner.backend.append_many(&entries).await {
            let elapsed = started.elapsed();
            for run in entries.chunk_by(|a, b| a.0 == b.0) {
                self.inner
                    .metrics
                    .emitted_many(run[0].0, run.len(), elapsed);
            }
            return chunk
                .into_iter()
                .zip(positions)
                .map(|(outgoing, position)| {
                    Ok(Appended {
                        id: outgoing.id,
                        position,
                    })
                })
                .collect();
        }
        // Part of the chunk may have landed: one scan per type tells which, the rest are
        // appended with the usual retry (which still looks before every retry). Events of a
        // type whose scan failed too look for themselves before their first try.
        let landed = self.landed_ids(&chunk).await;
        stream::iter(chunk)
            .map(|outgoing| {
                let known = landed
                    .get(&outgoing.event_type)
                    .and_then(Option::as_ref)
                    .map(|ids| ids.get(&outgoing.id).copied());
                async move {
                    if let Some(Some(position)) = known {
                        self.inner
                            .metrics
                            .emitted(&outgoing.event_type, started.elapsed());
                        return Ok(Appended {
                            id: outgoing.id,
                            position,
                        });
                    }
                    let look_first = known.is_none();
                    self.append_prepared(outgoing, look_first).await
                }
            })
            .buffered(EMIT_MANY_IN_FLIGHT)
            .collect()
            .await
    }

    /// Per type of a chunk, the ids already in its stream with their positions (`None` where
    /// the scan failed).
    async fn landed_ids(
        &self,
        chunk: &[Outgoing],
    ) -> HashMap<String, Option<HashMap<String, Position>>> {
        let not_before = chunk
            .iter()
            .map(|outgoing| outgoing.time_ms)
            .min()
            .unwrap_or(0)
            .saturating_sub(CLOCK_SKEW_MS);
        let types: BTreeSet<&str> = chunk.iter().map(|o| o.event_type.as_str()).collect();
        let mut landed = HashMap::new();
        for event_type in types {
            let ids = self.inner.backend.ids_since(event_type, not_before).await;
            landed.insert(event_type.to_owned(), ids.ok());
        }
        landed
    }

    /// Checks an emit and writes its envelope.
    fn prepare(
        &self,
        event_type: &str,
        data: &EventData,
        options: &EmitOptions,
    ) -> Result<Outgoing> {
        self.inner.check_open()?;
        let config = &self.inner.config;
        Outgoing::prepare(
            event_type,
            data,
            options,
            &config.source,
            config.max_event_size,
        )
    }

    /// Appends with retry; `look_first` when an earlier attempt (a chunk) may have landed.
    /// Boxed: inline, its retry and dead-letter state made every emit's future 1,376 bytes,
    /// batched emits included, which never take this path.
    pub(crate) fn append_prepared(
        &self,
        outgoing: Outgoing,
        look_first: bool,
    ) -> BoxFuture<'_, Result<Appended>> {
        Box::pin(self.append_prepared_inline(outgoing, look_first))
    }

    async fn append_prepared_inline(
        &self,
        outgoing: Outgoing,
        look_first: bool,
    ) -> Result<Appended> {
        let started = Instant::now();
        let inner = &self.inner;
        match self.append_with_retry(&outgoing, look_first).await {
            Ok(position) => {
                inner
                    .metrics
                    .emitted(&outgoing.event_type, started.elapsed());
                Ok(Appended {
                    id: outgoing.id,
                    position,
                })
            }
            Err((err, attempts)) => {
                inner.metrics.failed(&outgoing.event_type, true);
                let kept = inner.dead_letters.add(DeadLetter {
                    event_id: outgoing.id,
                    event_type: outgoing.event_type,
                    envelope: outgoing.payload,
                    error: err.message().to_owned(),
                    error_code: err.code(),
                    attempts,
                    failed_at_ms: system_time_ms(SystemTime::now()),
                });
                if !kept {
                    inner.metrics.dead_letter_dropped();
                }
                Err(err)
            }
        }
    }

    /// Appends, retrying transient failures. Before every retry (and before the first try
    /// when `look_first`) it looks for the event in its stream, since an attempt whose reply
    /// was lost may have landed.
    async fn append_with_retry(
        &self,
        outgoing: &Outgoing,
        look_first: bool,
    ) -> std::result::Result<Position, (Error, u32)> {
        let inner = &self.inner;
        let policy = inner.config.retry;
        let event_type = &outgoing.event_type;
        let not_before = outgoing.time_ms.saturating_sub(CLOCK_SKEW_MS);
        let mut attempt = 1;
        loop {
            let result = if attempt == 1 && !look_first {
                inner.backend.append(event_type, &outgoing.payload).await
            } else {
                match inner
                    .backend
                    .find_appended(event_type, &outgoing.id, not_before)
                    .await
                {
                    Ok(Some(position)) => return Ok(position),
                    Ok(None) => inner.backend.append(event_type, &outgoing.payload).await,
                    Err(err) => Err(err),
                }
            };
            match result {
                Ok(position) => return Ok(position),
                Err(err) if err.is_transient() && attempt < policy.attempts => {
                    inner.metrics.retried(event_type);
                    tokio::select! {
                        _ = tokio::time::sleep(policy.delay(attempt - 1)) => {}
                        _ = inner.closed() => return Err((Error::closed(), attempt)),
                    }
                    attempt += 1;
                }
                Err(err) => return Err((err, attempt)),
            }
        }
    }

    /// Subscribes to the events `pattern` selects, live from now.
    pub async fn subscribe(&self, pattern: &str) -> Result<Subscription> {
        self.subscribe_with(pattern, SubscribeOptions::default())
            .await
    }

    /// Subscribes with options: replay from the start, a position or a time, then follow live.
    pub async fn subscribe_with(
        &self,
        pattern: &str,
        options: SubscribeOptions,
    ) -> Result<Subscription> {
        self.inner.check_open()?;
        let pattern = Pattern::new(pattern)?;
        subscription::subscribe(self.inner.clone(), pattern, options).await
    }

    /// The events `pattern` selects within the query's bounds, merged across types.
    pub async fn history(&self, pattern: &str, query: HistoryQuery) -> Result<Vec<Event>> {
        let inner = &self.inner;
        inner.check_open()?;
        let pattern = Pattern::new(pattern)?;
        let newest_first = query.order == Order::NewestFirst;
        let (first, last) = query.position_range();
        let mut streams = Vec::new();
        for event_type in inner.matching_types(&pattern).await? {
            let entries = inner
                .backend
                .range(&event_type, first, last, query.limit, newest_first)
                .await?;
            streams.push(entries.into_iter().map(Item::decode).collect());
        }
        let mut events = Vec::new();
        for item in merge(streams, newest_first) {
            match item.event {
                Some(event) => events.push(event),
                None => inner.metrics.invalid_entry(),
            }
        }
        events.truncate(query.limit);
        Ok(events)
    }

    /// A copy of the bus's counters and histograms.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.inner.metrics.snapshot()
    }

    /// Counts a subscriber callback that raised (the bindings call this).
    pub fn report_handler_error(&self, event_type: &str) {
        self.inner.metrics.handler_error(event_type);
    }

    /// The events that could not be emitted, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.inner.dead_letters.list()
    }

    /// Tries every dead letter again, once each; those that land leave the store.
    pub async fn redrive_dead_letters(&self) -> Result<RedriveReport> {
        let inner = &self.inner;
        inner.check_open()?;
        let mut report = RedriveReport::default();
        let mut done = Vec::new();
        for letter in inner.dead_letters.list() {
            let event = Event::from_json(&letter.envelope, None)?;
            let not_before = event.time_millis().saturating_sub(CLOCK_SKEW_MS);
            let found = inner
                .backend
                .find_appended(&letter.event_type, &letter.event_id, not_before)
                .await;
            let outcome = match found {
                Ok(Some(_)) => Ok(true),
                Ok(None) => inner
                    .backend
                    .append(&letter.event_type, &letter.envelope)
                    .await
                    .map(|_| false),
                Err(err) => Err(err),
            };
            match outcome {
                Ok(true) => report.already_present += 1,
                Ok(false) => report.appended += 1,
                Err(_) => {
                    report.failed += 1;
                    continue;
                }
            }
            done.push(letter.event_id);
        }
        inner.dead_letters.remove(&done)?;
        Ok(report)
    }

    /// Closes the bus: subscriptions end, and every later call fails with a closed error.
    pub async fn close(&self) {
        self.inner.closed.send_replace(true);
        self.inner.backend.close();
    }

    /// True once `close` was called.
    pub fn is_closed(&self) -> bool {
        *self.inner.closed.borrow()
    }

    /// The CloudEvents `source` this bus stamps on its events.
    pub fn source(&self) -> &str {
        &self.inner.config.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::atomic::Ordering;

    #[tokio::test]
    async fn emit_each_over_several_chunks_answers_each_request_in_place() {
        let bus = Bus::connect("memory://").await.unwrap();
        let requests = (0..1_201)
            .map(|n| {
                let event_type = if n == 600 { "bad type" } else { "order.placed" };
                EmitRequest::new(event_type, json!(n))
            })
            .collect();
        let results = bus.emit_each(requests).await;
        assert_eq!(results.len(), 1_201);
        assert!(results[600].is_err());
        let stored = bus
            .history("order.placed", HistoryQuery::new().limit(2_000))
            .await
            .unwrap();
        let by_id: HashMap<&str, &Event> = stored.iter().map(|e| (e.id.as_str(), e)).collect();
        for (n, result) in results.iter().enumerate().filter(|(n, _)| *n != 600) {
            assert_eq!(by_id[result.as_ref().unwrap().as_str()].data, json!(n));
        }
    }

    #[tokio::test]
    async fn emit_each_fails_only_the_invalid_requests() {
        let bus = Bus::connect("memory://").await.unwrap();
        let requests = vec![
            EmitRequest::new("order.placed", json!(1)),
            EmitRequest::new("bad type", json!(2)),
            EmitRequest::new("order.paid", json!(3)),
        ];
        let results = bus.emit_each(requests).await;
        assert_eq!(results.len(), 3);
        assert_eq!(
            results[1].as_ref().unwrap_err().kind(),
            crate::ErrorKind::InvalidType
        );
        let stored = bus
            .history("order.*", HistoryQuery::new().order(Order::OldestFirst))
            .await
            .unwrap();
        let ids: Vec<&String> = stored.iter().map(|event| &event.id).collect();
        assert_eq!(
            ids,
            [results[0].as_ref().unwrap(), results[2].as_ref().unwrap()]
        );
        bus.close().await;
        let closed = bus
            .emit_each(vec![EmitRequest::new("a", json!(null))])
            .await;
        assert!(closed[0].as_ref().unwrap_err().is_closed());
    }

    #[tokio::test]
    async fn a_retry_after_a_lost_reply_does_not_append_twice() {
        let bus = Bus::connect("memory://").await.unwrap();
        let Backend::Memory(memory) = &bus.inner.backend else {
            unreachable!("memory:// gives the memory backend")
        };
        memory.lose_replies.store(2, Ordering::SeqCst);
        let id = bus.emit("order.placed", json!({"n": 1})).await.unwrap();
        let stored = bus
            .history("order.placed", HistoryQuery::new())
            .await
            .unwrap();
        assert_eq!(
            stored.len(),
            1,
            "the landed first attempt is found, not repeated"
        );
        assert_eq!(stored[0].id, id);
        assert_eq!(bus.metrics().types["order.placed"].retried, 1);
    }

    #[tokio::test]
    async fn emit_many_after_a_failed_chunk_appends_each_event_once() {
        let bus = Bus::connect("memory://").await.unwrap();
        let Backend::Memory(memory) = &bus.inner.backend else {
            unreachable!("memory:// gives the memory backend")
        };
        // The first append of the batch lands but its reply is lost: the chunk fails.
        memory.lose_replies.store(1, Ordering::SeqCst);
        let requests: Vec<EmitRequest> = (0..1200)
            .map(|n| EmitRequest::new(if n % 2 == 0 { "a.x" } else { "b.x" }, json!(n)))
            .collect();
        let ids = bus.emit_many(requests).await.unwrap();
        let stored = bus
            .history("*", HistoryQuery::new().limit(10_000))
            .await
            .unwrap();
        let mut stored_ids: Vec<&str> = stored.iter().map(|e| e.id.as_str()).collect();
        stored_ids.sort_unstable();
        let mut expected: Vec<&str> = ids.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(stored_ids, expected, "every event once, none twice");
        let emitted: u64 = bus.metrics().types.values().map(|m| m.emitted).sum();
        assert_eq!(emitted, 1200);
    }

    #[tokio::test]
    async fn without_retries_a_lost_reply_is_an_error_and_a_dead_letter() {
        let bus = Bus::builder("memory://")
            .retry(RetryPolicy::none())
            .build()
            .await
            .unwrap();
        let Backend::Memory(memory) = &bus.inner.backend else {
            unreachable!("memory:// gives the memory backend")
        };
        memory.lose_replies.store(1, Ordering::SeqCst);
        let err = bus.emit("order.placed", json!(1)).await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Connection);
        assert_eq!(bus.dead_letters().len(), 1);
        let report = bus.redrive_dead_letters().await.unwrap();
        assert_eq!(
            report.already_present, 1,
            "the re-drive finds the landed append"
        );
        let stored = bus
            .history("order.placed", HistoryQuery::new())
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
    }
}
