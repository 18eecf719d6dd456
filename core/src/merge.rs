//! Decoding stream entries and merging several streams into one sequence, for history, replay
//! and live reads alike. Stream ids order events within a stream; across streams they only
//! order by millisecond (each stream numbers its own sequence), so heads are compared by
//! (millisecond, event id): UUIDv7 ids are time-ordered and monotonic per emitter, which keeps
//! one emitter's events across types in the order it emitted them. Each stream's own order is
//! always kept.

use crate::backend::RawEntry;
use crate::envelope::Event;
use crate::error::{Error, Result};
use crate::position::Position;
use std::collections::VecDeque;

/// What an entry costs in memory beyond its payload, roughly (the decoded event's strings).
const ENTRY_OVERHEAD: usize = 256;

/// A stream entry after decoding: an event, or why an entry could not be read (it still holds
/// its place in the order).
pub(crate) struct Item {
    pub position: Position,
    pub event: Result<Event>,
    /// What the entry counts against a subscriber's buffer budget: its stored size in bytes
    /// plus a fixed allowance for the decoded event.
    pub bytes: usize,
}

impl Item {
    pub(crate) fn decode(entry: RawEntry) -> Item {
        let position = entry.position;
        let bytes = entry.payload.as_ref().map_or(0, String::len) + ENTRY_OVERHEAD;
        let event = entry
            .payload
            .ok_or_else(|| Error::invalid_data("the entry has no `event` field"))
            .and_then(|payload| Event::from_json(&payload, Some(position)))
            .map_err(|err| {
                Error::invalid_data(format!("stream entry {position}: {}", err.message()))
            });
        Item {
            position,
            event,
            bytes,
        }
    }

    fn order_key(&self) -> (u64, &str) {
        (
            self.position.ms,
            self.event.as_ref().map_or("", |e| e.id.as_str()),
        )
    }
}

/// One stream's share of a merge: what has been read of it, and whether more may come.
struct Lane<K> {
    key: K,
    items: VecDeque<Item>,
    more: bool,
}

/// A k-way merge of streams keyed by `K` (their type). Streams are added whole or a page at a
/// time; the merge hands out items in order only while every stream that may hold more has
/// something read, so a page boundary never reorders events.
pub(crate) struct Merge<K> {
    lanes: Vec<Lane<K>>,
    newest_first: bool,
}

impl<K: Clone + PartialEq> Merge<K> {
    /// An empty merge, oldest first unless `newest_first`.
    pub(crate) fn new(newest_first: bool) -> Merge<K> {
        Merge {
            lanes: Vec::new(),
            newest_first,
        }
    }

    /// Adds what was read of stream `key` (in the merge's order); `more` when the stream may
    /// hold further entries past these.
    pub(crate) fn add(&mut self, key: K, entries: Vec<RawEntry>, more: bool) {
        let items = entries.into_iter().map(Item::decode);
        match self.lanes.iter_mut().find(|lane| lane.key == key) {
            Some(lane) => {
                lane.items.extend(items);
                lane.more = more;
            }
            None => self.lanes.push(Lane {
                key,
                items: items.collect(),
                more,
            }),
        }
    }

    /// The streams that must be read further before the merge can go on.
    pub(crate) fn waiting(&self) -> impl Iterator<Item = &K> {
        self.lanes
            .iter()
            .filter(|lane| lane.more && lane.items.is_empty())
            .map(|lane| &lane.key)
    }

    /// True when every stream is read to its end and handed out.
    pub(crate) fn is_done(&self) -> bool {
        self.lanes
            .iter()
            .all(|lane| !lane.more && lane.items.is_empty())
    }

    /// The next item and its stream's key, or `None` when the merge is done or waits for a read.
    pub(crate) fn next(&mut self) -> Option<(K, Item)> {
        if self.waiting().next().is_some() {
            return None;
        }
        let heads = self
            .lanes
            .iter()
            .enumerate()
            .filter_map(|(i, lane)| lane.items.front().map(|item| (i, item.order_key())));
        let first = if self.newest_first {
            heads.max_by(|a, b| a.1.cmp(&b.1))
        } else {
            heads.min_by(|a, b| a.1.cmp(&b.1))
        };
        let (index, _) = first?;
        let lane = &mut self.lanes[index];
        let item = lane.items.pop_front().expect("a head");
        Some((lane.key.clone(), item))
    }
}

/// Merges streams read whole into one sequence.
pub(crate) fn merge_whole<K: Clone + PartialEq>(
    streams: Vec<(K, Vec<RawEntry>)>,
    newest_first: bool,
) -> Vec<(K, Item)> {
    let mut merge = Merge::new(newest_first);
    let total = streams.iter().map(|(_, entries)| entries.len()).sum();
    for (key, entries) in streams {
        merge.add(key, entries, false);
    }
    let mut merged = Vec::with_capacity(total);
    while let Some(next) = merge.next() {
        merged.push(next);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ms: u64, seq: u64, id: &str) -> RawEntry {
        let json = format!(
            r#"{{"specversion":"1.0","id":"{id}","type":"t","source":"s","time":"2024-08-17T10:30:00.000Z","data":null}}"#
        );
        RawEntry::new(Position::new(ms, seq), Some(json))
    }

    fn ids(items: &[(&'static str, Item)]) -> Vec<String> {
        items
            .iter()
            .map(|(_, item)| item.event.as_ref().unwrap().id.clone())
            .collect()
    }

    #[test]
    fn streams_interleave_by_millisecond_then_id() {
        let a = vec![entry(1, 0, "a1"), entry(3, 0, "a3")];
        let b = vec![entry(1, 0, "b1"), entry(2, 0, "b2")];
        let merged = merge_whole(vec![("a", a), ("b", b)], false);
        assert_eq!(ids(&merged), ["a1", "b1", "b2", "a3"]);
        let a = vec![entry(3, 0, "a3"), entry(1, 0, "a1")];
        let b = vec![entry(2, 0, "b2"), entry(1, 0, "b1")];
        let merged = merge_whole(vec![("a", a), ("b", b)], true);
        assert_eq!(ids(&merged), ["a3", "b2", "b1", "a1"]);
    }

    #[test]
    fn a_stream_with_more_to_read_holds_the_merge_back() {
        let mut merge = Merge::new(false);
        merge.add("a", vec![entry(1, 0, "a1")], true);
        merge.add("b", vec![entry(2, 0, "b2"), entry(3, 0, "b3")], false);
        assert_eq!(merge.next().unwrap().1.event.unwrap().id, "a1");
        assert!(merge.next().is_none(), "a may hold something before b2");
        assert_eq!(merge.waiting().collect::<Vec<_>>(), [&"a"]);
        merge.add("a", vec![entry(2, 5, "a2")], false);
        let rest: Vec<String> = std::iter::from_fn(|| merge.next())
            .map(|(_, item)| item.event.unwrap().id)
            .collect();
        assert_eq!(rest, ["a2", "b2", "b3"]);
        assert!(merge.is_done());
    }
}
