//! The two storage backends behind one set of operations. Everything above this module (emit
//! with retry, subscriptions, history) is written once against [`Backend`]; the backends only
//! append, read ranges and report changes.

pub(crate) mod memory;
mod redis;
mod redis_hub;
mod redis_keys;
mod redis_reply;
pub(crate) mod watch;

use crate::config::{BackendUrl, Config};
use crate::envelope::envelope_id;
use crate::error::Result;
use crate::grammar::Pattern;
use crate::position::Position;
use std::collections::HashMap;
use watch::Watch;

/// How far before an event's own time a search for it starts (allows for the emitter's clock
/// running ahead of the server's, which made the position).
const CLOCK_SKEW_MS: u64 = 5_000;

/// One stream entry as stored: its position and the text of its `event` field, if it has one.
#[derive(Debug, Clone)]
pub(crate) struct RawEntry {
    pub position: Position,
    pub payload: Option<String>,
}

impl RawEntry {
    pub(crate) fn new(position: Position, payload: Option<String>) -> RawEntry {
        RawEntry { position, payload }
    }
}

/// The backend a bus talks to.
pub(crate) enum Backend {
    /// `pub(crate)` so unit tests can reach the memory backend's fault hook.
    Memory(memory::MemoryBackend),
    Redis(Box<redis::RedisBackend>),
}

/// One page of one stream: up to `count` entries between `first` and `last` inclusive.
pub(crate) struct RangeRequest {
    pub event_type: String,
    pub first: Position,
    pub last: Position,
    pub count: usize,
}

/// What a stream has lost: enough to tell whether entries after a position were removed
/// (`XINFO STREAM` on Redis; a missing stream has lost nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StreamLoss {
    /// The last id the stream ever assigned.
    pub last: Position,
    /// The oldest entry it keeps.
    pub oldest: Option<Position>,
    /// Whether any entry was ever removed (trimmed or deleted).
    pub removed: bool,
    /// The largest id removed one by one (`XDEL`); trimming does not move it.
    pub max_deleted: Position,
}

impl StreamLoss {
    /// Whether entries after `after` may have been removed. Trimming removes the oldest
    /// entries, so when something was removed and the oldest entry kept is newer than `after`,
    /// the removed ones may have followed it: the answer errs towards yes when exactly the
    /// entries up to `after` were trimmed.
    pub(crate) fn lost_after(&self, after: Position) -> bool {
        self.last > after
            && (self.max_deleted > after
                || (self.removed && self.oldest.is_none_or(|oldest| oldest > after)))
    }
}

impl Backend {
    pub(crate) async fn connect(config: &Config) -> Result<Backend> {
        match &config.url {
            BackendUrl::Memory { name } => Ok(Backend::Memory(memory::MemoryBackend::open(
                name,
                &config.key_prefix,
                config.max_stream_len,
            ))),
            BackendUrl::Redis { url } => Ok(Backend::Redis(Box::new(
                redis::RedisBackend::connect(url, config).await?,
            ))),
        }
    }

    /// Appends `payload` to the stream of `event_type` and announces it live.
    pub(crate) async fn append(&self, event_type: &str, payload: &str) -> Result<Position> {
        match self {
            Backend::Memory(memory) => {
                memory.count_round_trip();
                memory.append(event_type, payload)
            }
            Backend::Redis(redis) => redis.append(event_type, payload).await,
        }
    }

    /// Appends many entries in order, in one round trip on Redis; positions come back in the
    /// same order. On an error, some of the entries may have landed.
    pub(crate) async fn append_many(&self, entries: &[(&str, &str)]) -> Result<Vec<Position>> {
        match self {
            Backend::Memory(memory) => {
                memory.count_round_trip();
                entries
                    .iter()
                    .map(|(event_type, payload)| memory.append(event_type, payload))
                    .collect()
            }
            Backend::Redis(redis) => redis.append_many(entries).await,
        }
    }

    /// Looks for an event with `event_id`, emitted at `emitted_ms` by the emitter's clock, in
    /// `event_type`'s stream: how a retry finds out that an earlier attempt did land.
    pub(crate) async fn find_appended(
        &self,
        event_type: &str,
        event_id: &str,
        emitted_ms: u64,
    ) -> Result<Option<Position>> {
        let needle = format!("\"id\":\"{event_id}\"");
        let first = Position::new(emitted_ms.saturating_sub(CLOCK_SKEW_MS), 0);
        let mut last = Position::new(u64::MAX, u64::MAX);
        loop {
            let page = self.range(event_type, first, last, 256, true).await?;
            if let Some(hit) = page.iter().find(|entry| {
                entry
                    .payload
                    .as_deref()
                    .is_some_and(|p| p.contains(&needle))
            }) {
                return Ok(Some(hit.position));
            }
            match page.last() {
                Some(oldest) if page.len() == 256 && oldest.position > first => {
                    last = oldest.position.predecessor()
                }
                _ => return Ok(None),
            }
        }
    }

    /// The id and position of every event in `event_type`'s stream that may have been emitted
    /// at or after `emitted_ms` by the emitter's clock: one scan that tells which events of a
    /// failed batch did land, and where.
    pub(crate) async fn ids_since(
        &self,
        event_type: &str,
        emitted_ms: u64,
    ) -> Result<HashMap<String, Position>> {
        const PAGE: usize = 1024;
        let first = Position::new(emitted_ms.saturating_sub(CLOCK_SKEW_MS), 0);
        let mut last = Position::new(u64::MAX, u64::MAX);
        let mut ids = HashMap::new();
        loop {
            let page = self.range(event_type, first, last, PAGE, true).await?;
            ids.extend(page.iter().filter_map(|entry| {
                let id = entry.payload.as_deref().and_then(envelope_id)?;
                Some((id, entry.position))
            }));
            match page.last() {
                Some(oldest) if page.len() == PAGE && oldest.position > first => {
                    last = oldest.position.predecessor()
                }
                _ => return Ok(ids),
            }
        }
    }

    /// Every type the registry knows.
    pub(crate) async fn known_types(&self) -> Result<Vec<String>> {
        match self {
            Backend::Memory(memory) => Ok(memory.known_types()),
            Backend::Redis(redis) => redis.known_types().await,
        }
    }

    /// Registers the existing streams `pattern` selects that are not yet in the registry.
    pub(crate) async fn discover(&self, pattern: &Pattern) -> Result<()> {
        match self {
            Backend::Memory(_) => Ok(()),
            Backend::Redis(redis) => redis.discover(pattern).await.map(|_| ()),
        }
    }

    /// Up to `count` entries after each cursor, per stream; streams with nothing new are absent.
    pub(crate) async fn read_after(
        &self,
        cursors: &[(String, Position)],
        count: usize,
    ) -> Result<Vec<(String, Vec<RawEntry>)>> {
        if cursors.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Backend::Memory(memory) => Ok(memory.read_after(cursors, count)),
            Backend::Redis(redis) => redis.read_after(cursors, count).await,
        }
    }

    /// Up to `count` entries of one stream between `first` and `last` inclusive.
    pub(crate) async fn range(
        &self,
        event_type: &str,
        first: Position,
        last: Position,
        count: usize,
        newest_first: bool,
    ) -> Result<Vec<RawEntry>> {
        if first > last || count == 0 {
            return Ok(Vec::new());
        }
        match self {
            Backend::Memory(memory) => {
                Ok(memory.range(event_type, first, last, count, newest_first))
            }
            Backend::Redis(redis) => {
                redis
                    .range(event_type, first, last, count, newest_first)
                    .await
            }
        }
    }

    /// What each stream of `types` has lost to trimming or deletion, in the same order.
    pub(crate) async fn stream_losses(&self, types: &[String]) -> Result<Vec<StreamLoss>> {
        if types.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Backend::Memory(memory) => Ok(memory.stream_losses(types)),
            Backend::Redis(redis) => redis.stream_losses(types).await,
        }
    }

    /// Several [`range`](Backend::range)s, one page per request, in one round trip on Redis.
    pub(crate) async fn ranges(
        &self,
        requests: &[RangeRequest],
        newest_first: bool,
    ) -> Result<Vec<Vec<RawEntry>>> {
        match self {
            Backend::Memory(memory) => Ok(requests
                .iter()
                .map(|r| {
                    if r.first > r.last || r.count == 0 {
                        return Vec::new();
                    }
                    memory.range(&r.event_type, r.first, r.last, r.count, newest_first)
                })
                .collect()),
            Backend::Redis(redis) => redis.ranges(requests, newest_first).await,
        }
    }

    /// The backend's clock and how many types its registry holds, read in that order.
    pub(crate) async fn clock_and_registry_size(&self) -> Result<(u64, u64)> {
        match self {
            Backend::Memory(memory) => Ok(memory.clock_and_registry_size()),
            Backend::Redis(redis) => redis.clock_and_registry_size().await,
        }
    }

    /// Starts watching the types `pattern` selects; returns once the watch is established.
    pub(crate) async fn watch(&self, pattern: &Pattern) -> Result<Watch> {
        match self {
            Backend::Memory(memory) => Ok(memory.watch(pattern)),
            Backend::Redis(redis) => redis.watch(pattern).await,
        }
    }

    /// Releases connections and background tasks.
    pub(crate) fn close(&self) {
        if let Backend::Redis(redis) = self {
            redis.close();
        }
    }
}
