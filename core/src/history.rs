//! History queries: the events a pattern selects between two bounds, merged across every type
//! the pattern selects and ordered by position.

use crate::position::{Bound, Position};

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

/// A history query: `HistoryQuery::new().limit(50).since(Bound::from_millis(t))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct HistoryQuery {
    /// The most events returned (default 100).
    pub limit: usize,
    /// Only events at or after this time, or after this position.
    pub since: Option<Bound>,
    /// Only events before this time, or before this position.
    pub until: Option<Bound>,
    /// Which end to read from.
    pub order: Order,
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
