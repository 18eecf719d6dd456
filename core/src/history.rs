//! History queries: the events a pattern selects between two bounds, merged across every type
//! the pattern selects and ordered by position.

use crate::cursor::CursorForm;
use crate::envelope::{DeliveredUnder, Event};
use crate::error::{Error, Result};
use crate::grammar::Pattern;
use crate::merge::merge_whole;
use crate::position::{Bound, Position};
use crate::shared::Shared;
use std::str::FromStr;

/// Which end of the range a history query reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Order {
    /// The newest `limit` events, newest first (the default).
    #[default]
    NewestFirst,
    /// The oldest `limit` events after `since`, oldest first.
    OldestFirst,
}

/// The spellings every binding accepts: `newest_first`, `oldest_first`.
impl FromStr for Order {
    type Err = Error;

    fn from_str(text: &str) -> Result<Order> {
        match text {
            "newest_first" => Ok(Order::NewestFirst),
            "oldest_first" => Ok(Order::OldestFirst),
            other => Err(Error::config(format!(
                "order must be 'newest_first' or 'oldest_first', not {other:?}"
            ))),
        }
    }
}

/// A history query: `HistoryQuery::new().limit(50).since(Bound::from_millis(t))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct HistoryQuery {
    /// The most events returned (default 100).
    pub(crate) limit: usize,
    /// Only events at or after this time, or after this position.
    pub(crate) since: Option<Bound>,
    /// Only events before this time, or before this position.
    pub(crate) until: Option<Bound>,
    /// Which end to read from.
    pub(crate) order: Order,
}

impl Default for HistoryQuery {
    fn default() -> HistoryQuery {
        HistoryQuery {
            limit: 100,
            since: None,
            until: None,
            order: Order::default(),
        }
    }
}

impl HistoryQuery {
    /// The default query: the newest 100 events.
    pub fn new() -> HistoryQuery {
        HistoryQuery::default()
    }
    /// Sets the limit.
    pub fn limit(mut self, limit: usize) -> HistoryQuery {
        self.limit = limit;
        self
    }
    /// Sets the lower bound.
    pub fn since(mut self, since: Bound) -> HistoryQuery {
        self.since = Some(since);
        self
    }
    /// Sets the upper bound.
    pub fn until(mut self, until: Bound) -> HistoryQuery {
        self.until = Some(until);
        self
    }
    /// Sets the order.
    pub fn order(mut self, order: Order) -> HistoryQuery {
        self.order = order;
        self
    }

    /// The inclusive range of positions the bounds allow.
    pub(crate) fn position_range(&self) -> (Position, Position) {
        let first = self.since.map_or(Position::ZERO, Bound::since_first);
        let last = self
            .until
            .map_or(Position::new(u64::MAX, u64::MAX), Bound::until_last);
        (first, last)
    }
}

/// The events `pattern` selects within the query's bounds: each stream read up to the limit
/// from the query's end, merged, and cut to the limit.
pub(crate) async fn read(
    shared: &Shared,
    pattern: &Pattern,
    query: HistoryQuery,
) -> Result<Vec<Event>> {
    let newest_first = query.order == Order::NewestFirst;
    let (first, last) = query.position_range();
    let mut streams = Vec::new();
    for event_type in shared.matching_types(pattern).await? {
        let entries = shared
            .backend
            .range(&event_type, first, last, query.limit, newest_first)
            .await?;
        streams.push((event_type, entries));
    }
    let mut events = Vec::new();
    let under = DeliveredUnder(Some(CursorForm::of(pattern)));
    for (_, item) in merge_whole(streams, newest_first) {
        match item.event {
            Ok(mut event) if events.len() < query.limit => {
                event.delivered_under = under;
                events.push(event)
            }
            Ok(_) => break,
            Err(_) => shared.metrics.invalid_entry(),
        }
    }
    Ok(events)
}
