//! History queries: the events a pattern selects between two bounds, merged across every type
//! the pattern selects and ordered by position.

use crate::backend::RangeRequest;
use crate::cursor::CursorForm;
use crate::envelope::{DeliveredUnder, Event};
use crate::error::{Error, Result};
use crate::grammar::Pattern;
use crate::merge::Merge;
use crate::position::{Bound, Position};
use crate::shared::Shared;
use std::collections::HashMap;
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

/// The events `pattern` selects within the query's bounds, merged. Each stream is read a page at
/// a time, all pages of a round in one round trip: the first round reads `limit / types` from
/// each, later rounds read further only the streams the merge is waiting for (pages doubling),
/// so the cost follows what is returned rather than the number of types.
pub(crate) async fn read(
    shared: &Shared,
    pattern: &Pattern,
    query: HistoryQuery,
) -> Result<Vec<Event>> {
    let newest_first = query.order == Order::NewestFirst;
    let (first, last) = query.position_range();
    let types = shared.matching_types(pattern).await?;
    let mut events = Vec::new();
    if query.limit == 0 || types.is_empty() {
        return Ok(events);
    }
    // One more than an even share, so that a lane the page takes its share of does not have
    // to be read again before the merge can go past it.
    let page = (query.limit.div_ceil(types.len()) + 1).min(query.limit);
    let mut lanes: HashMap<String, RangeRequest> = types
        .iter()
        .map(|t| {
            let request = RangeRequest {
                event_type: t.clone(),
                first,
                last,
                count: page,
            };
            (t.clone(), request)
        })
        .collect();
    let under = DeliveredUnder(Some(CursorForm::of(pattern)));
    let mut merge = Merge::new(newest_first);
    let mut wanted = types;
    loop {
        let requests: Vec<RangeRequest> = wanted
            .iter()
            .map(|t| {
                let lane = &lanes[t];
                RangeRequest {
                    event_type: t.clone(),
                    ..*lane
                }
            })
            .collect();
        let pages = shared.backend.ranges(&requests, newest_first).await?;
        for (request, entries) in requests.into_iter().zip(pages) {
            let full = entries.len() == request.count;
            let lane = lanes.get_mut(&request.event_type).expect("a lane per type");
            if let Some(end) = entries.last() {
                if newest_first {
                    lane.last = end.position.predecessor();
                } else {
                    lane.first = end.position.successor();
                }
            }
            lane.count = (lane.count * 2).min(query.limit);
            merge.add(request.event_type, entries, full);
        }
        while let Some((_, item)) = merge.next() {
            match item.event {
                Ok(mut event) => {
                    event.delivered_under = under;
                    events.push(event);
                    if events.len() == query.limit {
                        return Ok(events);
                    }
                }
                Err(_) => shared.metrics.invalid_entry(),
            }
        }
        if merge.is_done() {
            return Ok(events);
        }
        wanted = merge.waiting().cloned().collect();
    }
}
