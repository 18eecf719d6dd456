//! The embedded `memory://` backend: streams, positions, the type registry and live notices
//! held in process, with the semantics of the Redis layout (positions are `<ms>-<seq>` assigned
//! like Redis stream ids). `memory://` is private to one bus; `memory://<name>` is shared by
//! every bus in the process that connects with that name. Namespaces partition a store exactly
//! as key prefixes partition a Redis database.

use super::watch::{Watch, Watchers};
use super::{RawEntry, StreamLoss};
use crate::error::Result;
use crate::grammar::Pattern;
use crate::position::{system_time_ms, Position};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::SystemTime;

#[derive(Default)]
struct MemoryStream {
    entries: Vec<(Position, Arc<str>)>,
    last: Position,
    /// Whether trimming ever removed an entry.
    trimmed: bool,
}

/// The streams and watches of one namespace of a store.
#[derive(Default)]
struct Namespace {
    streams: RwLock<HashMap<String, MemoryStream>>,
    watchers: Arc<Watchers>,
}

/// The state one or more buses share: one [`Namespace`] per key prefix.
#[derive(Default)]
pub(crate) struct MemoryStore {
    namespaces: Mutex<HashMap<String, Arc<Namespace>>>,
}

fn named_stores() -> &'static Mutex<HashMap<String, Weak<MemoryStore>>> {
    static STORES: OnceLock<Mutex<HashMap<String, Weak<MemoryStore>>>> = OnceLock::new();
    STORES.get_or_init(Default::default)
}

/// A handle on one namespace of a memory store.
pub(crate) struct MemoryBackend {
    /// Keeps a named store alive while any bus uses it.
    _store: Arc<MemoryStore>,
    store: Arc<Namespace>,
    max_len: Option<usize>,
    /// Test hook: appends that land but then report a lost connection, as when Redis applied
    /// a command whose reply never arrived.
    #[cfg(test)]
    pub(crate) lose_replies: std::sync::atomic::AtomicU32,
    /// Test counter: calls that would each be one round trip to Redis (an append, or a batch).
    #[cfg(test)]
    pub(crate) round_trips: std::sync::atomic::AtomicU64,
}

impl MemoryBackend {
    /// A private store (`name` empty) or the process-wide store called `name`.
    pub(crate) fn open(name: &str, key_prefix: &str, max_len: Option<u64>) -> MemoryBackend {
        let store = if name.is_empty() {
            Arc::new(MemoryStore::default())
        } else {
            let mut stores = named_stores().lock().expect("memory stores lock");
            stores.retain(|_, store| store.strong_count() > 0);
            match stores.get(name).and_then(Weak::upgrade) {
                Some(store) => store,
                None => {
                    let store = Arc::new(MemoryStore::default());
                    stores.insert(name.to_owned(), Arc::downgrade(&store));
                    store
                }
            }
        };
        let namespace = store
            .namespaces
            .lock()
            .expect("memory namespaces lock")
            .entry(key_prefix.to_owned())
            .or_default()
            .clone();
        MemoryBackend {
            _store: store,
            store: namespace,
            max_len: max_len.map(|n| n as usize),
            #[cfg(test)]
            lose_replies: Default::default(),
            #[cfg(test)]
            round_trips: Default::default(),
        }
    }

    /// Counts one call that would be a round trip to Redis (tests only).
    pub(crate) fn count_round_trip(&self) {
        #[cfg(test)]
        self.round_trips
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    pub(crate) fn append(&self, event_type: &str, payload: &str) -> Result<Position> {
        let position = {
            let mut streams = self.store.streams.write().expect("memory lock");
            let stream = streams.entry(event_type.to_owned()).or_default();
            let now = system_time_ms(SystemTime::now());
            let position = if now > stream.last.ms {
                Position::new(now, 0)
            } else {
                stream.last.successor()
            };
            stream.last = position;
            stream.entries.push((position, Arc::from(payload)));
            if let Some(max_len) = self.max_len {
                let excess = stream.entries.len().saturating_sub(max_len);
                stream.entries.drain(..excess);
                stream.trimmed |= excess > 0;
            }
            position
        };
        self.store.watchers.mark(event_type);
        #[cfg(test)]
        {
            use std::sync::atomic::Ordering;
            let lost = self
                .lose_replies
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
            if lost.is_ok() {
                return Err(crate::Error::new(
                    crate::ErrorKind::Connection,
                    "reply lost (test hook)",
                ));
            }
        }
        Ok(position)
    }

    pub(crate) fn known_types(&self) -> Vec<String> {
        let streams = self.store.streams.read().expect("memory lock");
        streams.keys().cloned().collect()
    }

    pub(crate) fn read_after(
        &self,
        cursors: &[(String, Position)],
        count: usize,
    ) -> Vec<(String, Vec<RawEntry>)> {
        let streams = self.store.streams.read().expect("memory lock");
        cursors
            .iter()
            .filter_map(|(event_type, after)| {
                let stream = streams.get(event_type)?;
                let start = stream.entries.partition_point(|(p, _)| p <= after);
                let entries: Vec<RawEntry> = stream.entries[start..]
                    .iter()
                    .take(count)
                    .map(|(position, payload)| RawEntry::new(*position, Some(payload.to_string())))
                    .collect();
                (!entries.is_empty()).then(|| (event_type.clone(), entries))
            })
            .collect()
    }

    pub(crate) fn range(
        &self,
        event_type: &str,
        first: Position,
        last: Position,
        count: usize,
        newest_first: bool,
    ) -> Vec<RawEntry> {
        let streams = self.store.streams.read().expect("memory lock");
        let Some(stream) = streams.get(event_type) else {
            return Vec::new();
        };
        let start = stream.entries.partition_point(|(p, _)| *p < first);
        let end = stream.entries.partition_point(|(p, _)| *p <= last);
        let selected = &stream.entries[start..end.max(start)];
        let to_entry = |(position, payload): &(Position, Arc<str>)| {
            RawEntry::new(*position, Some(payload.to_string()))
        };
        if newest_first {
            selected.iter().rev().take(count).map(to_entry).collect()
        } else {
            selected.iter().take(count).map(to_entry).collect()
        }
    }

    pub(crate) fn stream_losses(&self, types: &[String]) -> Vec<StreamLoss> {
        let streams = self.store.streams.read().expect("memory lock");
        types
            .iter()
            .map(|event_type| match streams.get(event_type) {
                None => StreamLoss::default(),
                Some(stream) => StreamLoss {
                    last: stream.last,
                    oldest: stream.entries.first().map(|(position, _)| *position),
                    removed: stream.trimmed,
                    max_deleted: Position::ZERO,
                },
            })
            .collect()
    }

    /// The clock positions are made from and the number of streams, read under the lock that
    /// appends take: an append that creates a stream after this is counted only by a later call.
    pub(crate) fn clock_and_registry_size(&self) -> (u64, u64) {
        let streams = self.store.streams.read().expect("memory lock");
        (system_time_ms(SystemTime::now()), streams.len() as u64)
    }

    pub(crate) fn watch(&self, pattern: &Pattern) -> Watch {
        self.store.watchers.register(pattern)
    }
}
