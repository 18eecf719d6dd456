//! The bus: the public face of the core and the wiring behind it. Each method checks its
//! arguments and hands the work to the module that does it: the group commit and the emit path
//! (`group_commit`, `emit`), subscriptions, history, dead letters.

use crate::backend::Backend;
use crate::config::{BusBuilder, Config};
use crate::dead_letter::{self, DeadLetter, DeadLetters, RedriveReport};
use crate::emit::EmitRequest;
use crate::envelope::{EmitOptions, Event};
use crate::error::Result;
use crate::event_data::EventData;
use crate::grammar::Pattern;
use crate::group_commit::{GroupCommit, Reply};
use crate::history::{self, HistoryQuery};
use crate::metrics::MetricsSnapshot;
use crate::outgoing::{Appended, Outgoing};
use crate::position::ms_to_system_time;
use crate::shared::Shared;
use crate::subscription::{self, SubscribeOptions, Subscription};
use std::sync::Arc;
use tokio::runtime::Handle;

/// A connection to the event bus. Cheap to clone; every clone is the same bus.
#[derive(Clone)]
pub struct Bus {
    shared: Arc<Shared>,
    /// Emits of Rust callers (and of the C binding, which blocks on them), batched when several
    /// are on their way at once.
    commit: GroupCommit<Reply>,
}

impl BusBuilder {
    /// Checks every option and connects. Must be called within a tokio runtime: the bus sends
    /// its batched emits on it.
    pub async fn build(self) -> Result<Bus> {
        Bus::from_config(self.into_config()?).await
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

    async fn from_config(config: Config) -> Result<Bus> {
        let dead_letters =
            DeadLetters::open(config.dead_letter_capacity, config.dead_letter_path.clone())?;
        let backend = Backend::connect(&config).await?;
        let shared = Arc::new(Shared::new(backend, config, dead_letters));
        Ok(Bus {
            commit: GroupCommit::new(shared.clone(), Handle::current()),
            shared,
        })
    }

    /// The state behind the bus (for the bindings' module and the core's tests).
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Emits an event and returns its id. `data` is a [`serde_json::Value`] or [`EventData`]
    /// (JSON text).
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
        let outgoing = self.shared.prepare(event_type, &data.into(), &options)?;
        Ok(self.append(outgoing).await?.id)
    }

    /// Emits an event and returns it whole, position included.
    pub async fn emit_event(
        &self,
        event_type: &str,
        data: impl Into<EventData>,
        options: EmitOptions,
    ) -> Result<Event> {
        let data = data.into();
        let outgoing = self.shared.prepare(event_type, &data, &options)?;
        let time = ms_to_system_time(outgoing.time_ms);
        let appended = self.append(outgoing).await?;
        Ok(Event::emitted(
            appended.id,
            appended.position,
            event_type,
            time,
            data.into_value(),
            options,
            self.source(),
        ))
    }

    /// Appends one checked event through the group commit.
    async fn append(&self, outgoing: Outgoing) -> Result<Appended> {
        self.commit.emit(outgoing).await
    }

    /// Emits many events and returns their ids in order. Every event is validated before any
    /// is appended, so bad input writes nothing. Events go to the backend in chunks of 500,
    /// one round trip each; the events of a chunk that fails are retried one by one, each
    /// looking first for an earlier landing, so none is appended twice.
    pub async fn emit_many(&self, requests: Vec<EmitRequest>) -> Result<Vec<String>> {
        self.shared.emit_many(requests).await
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
        self.shared.check_open()?;
        let pattern = Pattern::new(pattern)?;
        subscription::subscribe(self.shared.clone(), pattern, options).await
    }

    /// The events `pattern` selects within the query's bounds, merged across types.
    pub async fn history(&self, pattern: &str, query: HistoryQuery) -> Result<Vec<Event>> {
        self.shared.check_open()?;
        let pattern = Pattern::new(pattern)?;
        history::read(&self.shared, &pattern, query).await
    }

    /// A copy of the bus's counters and histograms.
    pub fn metrics(&self) -> MetricsSnapshot {
        self.shared.metrics.snapshot()
    }

    /// The events that could not be emitted, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.shared.dead_letters.list()
    }

    /// Tries every dead letter again, once each; those that land leave the store.
    pub async fn redrive_dead_letters(&self) -> Result<RedriveReport> {
        self.shared.check_open()?;
        dead_letter::redrive(&self.shared.dead_letters, &self.shared.backend).await
    }

    /// Closes the bus: subscriptions end, and every later call fails with a closed error.
    pub async fn close(&self) {
        self.shared.close();
    }

    /// True once `close` was called.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// The CloudEvents `source` this bus stamps on its events.
    pub fn source(&self) -> &str {
        &self.shared.config.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Order;
    use crate::retry::RetryPolicy;
    use serde_json::json;
    use std::sync::atomic::Ordering;

    fn memory_of(bus: &Bus) -> &crate::backend::memory::MemoryBackend {
        let Backend::Memory(memory) = &bus.shared.backend else {
            unreachable!("memory:// gives the memory backend")
        };
        memory
    }

    #[tokio::test]
    async fn a_retry_after_a_lost_reply_does_not_append_twice() {
        let bus = Bus::connect("memory://").await.unwrap();
        memory_of(&bus).lose_replies.store(2, Ordering::SeqCst);
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
        // The first append of the batch lands but its reply is lost: the chunk fails.
        memory_of(&bus).lose_replies.store(1, Ordering::SeqCst);
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
    async fn history_merges_types_in_emit_order() {
        let bus = Bus::connect("memory://").await.unwrap();
        let mut ids = Vec::new();
        for n in 0..6 {
            let event_type = ["order.placed", "order.paid", "user.login"][n % 3];
            ids.push(bus.emit(event_type, json!(n)).await.unwrap());
        }
        let oldest_first = bus
            .history("*", HistoryQuery::new().order(Order::OldestFirst))
            .await
            .unwrap();
        let read: Vec<&String> = oldest_first.iter().map(|e| &e.id).collect();
        assert_eq!(read, ids.iter().collect::<Vec<_>>());
        let newest = bus
            .history("order.*", HistoryQuery::new().limit(2))
            .await
            .unwrap();
        let read: Vec<&String> = newest.iter().map(|e| &e.id).collect();
        assert_eq!(read, [&ids[4], &ids[3]], "the newest two of order.*");
    }

    #[tokio::test]
    async fn without_retries_a_lost_reply_is_an_error_and_a_dead_letter() {
        let bus = Bus::builder("memory://")
            .retry(RetryPolicy::none())
            .build()
            .await
            .unwrap();
        memory_of(&bus).lose_replies.store(1, Ordering::SeqCst);
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
