//! History queries from Python arguments: `limit`, `since` / `until` (datetimes, milliseconds
//! or positions; the core decides what they select) and `order`.

use crate::errors::{error, to_py_err};
use crate::position;
use pyo3::prelude::*;
use tidings::{ErrorKind, HistoryQuery, Order};

/// The core query for `history(pattern, limit=, since=, until=, order=)`.
pub(crate) fn query(
    limit: Option<i64>,
    since: Option<&Bound<'_, PyAny>>,
    until: Option<&Bound<'_, PyAny>>,
    order: &str,
) -> PyResult<HistoryQuery> {
    let mut query = HistoryQuery::new();
    if let Some(limit) = limit {
        let limit = usize::try_from(limit).map_err(|_| {
            error(
                ErrorKind::Config,
                format!("limit must be >= 0, not {limit}"),
            )
        })?;
        query = query.limit(limit);
    }
    if let Some(since) = position::bound(since, "since")? {
        query = query.since(since);
    }
    if let Some(until) = position::bound(until, "until")? {
        query = query.until(until);
    }
    Ok(query.order(order.parse::<Order>().map_err(to_py_err)?))
}
