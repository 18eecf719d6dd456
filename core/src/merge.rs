//! Decoding stream entries and merging several streams into one sequence. Stream ids order
//! events within a stream; across streams they only order by millisecond (each stream numbers
//! its own sequence), so heads are compared by (millisecond, event id): UUIDv7 ids are
//! time-ordered and monotonic per emitter, which keeps one emitter's events across types in
//! the order it emitted them. Each stream's own order is always kept.

use crate::backend::RawEntry;
use crate::envelope::Event;
use crate::error::Error;
use crate::position::Position;
use std::collections::VecDeque;

/// A stream entry after decoding: an event, or an invalid entry still holding its place.
pub(crate) struct Item {
    pub position: Position,
    pub event: Option<Event>,
}

impl Item {
    pub(crate) fn decode(entry: RawEntry) -> Item {
        let event = entry
            .payload
            .ok_or_else(|| Error::invalid_data("stream entry has no `event` field"))
            .and_then(|payload| Event::from_json(&payload, Some(entry.position)))
            .ok();
        Item {
            position: entry.position,
            event,
        }
    }

    fn order_key(&self) -> (u64, &str) {
        (
            self.position.ms,
            self.event.as_ref().map_or("", |e| e.id.as_str()),
        )
    }
}

/// Index of the stream whose head comes first (last, when `newest_first`), if any has one.
pub(crate) fn first_head(streams: &[&VecDeque<Item>], newest_first: bool) -> Option<usize> {
    let heads = streams
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.front().map(|item| (i, item.order_key())));
    if newest_first {
        heads.max_by(|a, b| a.1.cmp(&b.1)).map(|(i, _)| i)
    } else {
        heads.min_by(|a, b| a.1.cmp(&b.1)).map(|(i, _)| i)
    }
}

/// Merges whole streams (each already in its own order) into one sequence.
pub(crate) fn merge(mut streams: Vec<VecDeque<Item>>, newest_first: bool) -> Vec<Item> {
    let mut merged = Vec::with_capacity(streams.iter().map(VecDeque::len).sum());
    loop {
        let views: Vec<&VecDeque<Item>> = streams.iter().collect();
        let Some(index) = first_head(&views, newest_first) else {
            return merged;
        };
        merged.push(streams[index].pop_front().expect("a head"));
    }
}
