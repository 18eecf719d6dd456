//! History queries and `tidings_event_list`, the list of events they return.

use crate::args::{optional, optional_text, out, required, take, text};
use crate::bus::tidings_bus;
use crate::envelope::tidings_event;
use crate::error::{boundary, boundary_void, tidings_result, CResult, Failure};
use std::ffi::c_char;
use tidings_core::{Bound, ErrorKind, HistoryQuery, Order};

/// A list of events (opaque), owned by the caller.
pub struct tidings_event_list {
    events: Vec<tidings_event>,
}

/// Options of `tidings_history_with`; zero-initialise it. Zero or NULL fields mean "no bound"
/// (and a `limit` of 0 means the default, 100).
#[repr(C)]
pub struct tidings_history_options {
    /// The most events returned; 0 for 100.
    pub limit: usize,
    /// Only events appended at or after this time (ms since the Unix epoch); 0 for no bound.
    pub since_ms: u64,
    /// Only events appended before this time (ms since the Unix epoch); 0 for no bound.
    pub until_ms: u64,
    /// Only events after this position (exclusive), to walk pages; overrides `since_ms`.
    pub since_position: *const c_char,
    /// Only events before this position (exclusive); overrides `until_ms`.
    pub until_position: *const c_char,
    /// Return the oldest `limit` events, oldest first, instead of the newest, newest first.
    pub oldest_first: bool,
}

fn bound(ms: u64, position: *const c_char, name: &str) -> CResult<Option<Bound>> {
    match optional_text(position, name, ErrorKind::Config)? {
        Some(position) => Ok(Some(Bound::parse(position)?)),
        None if ms > 0 => Ok(Some(Bound::from_millis(ms))),
        None => Ok(None),
    }
}

fn query(options: &tidings_history_options) -> CResult<HistoryQuery> {
    let mut query = HistoryQuery::new();
    if options.limit > 0 {
        query = query.limit(options.limit);
    }
    if let Some(since) = bound(options.since_ms, options.since_position, "since_position")? {
        query = query.since(since);
    }
    if let Some(until) = bound(options.until_ms, options.until_position, "until_position")? {
        query = query.until(until);
    }
    if options.oldest_first {
        query = query.order(Order::OldestFirst);
    }
    Ok(query)
}

/// The newest `limit` events (0 for 100) that `pattern` selects, newest first, merged across
/// every type it selects; `since_ms` (inclusive) and `until_ms` (exclusive) bound them by append
/// time in ms since the Unix epoch, 0 for no bound.
///
/// Ownership: the caller owns `*list` and frees it with `tidings_event_list_free`.
#[no_mangle]
pub extern "C" fn tidings_history(
    bus: *const tidings_bus,
    pattern: *const c_char,
    limit: usize,
    since_ms: u64,
    until_ms: u64,
    list: *mut *mut tidings_event_list,
) -> tidings_result {
    let options = tidings_history_options {
        limit,
        since_ms,
        until_ms,
        since_position: std::ptr::null(),
        until_position: std::ptr::null(),
        oldest_first: false,
    };
    tidings_history_with(bus, pattern, &options, list)
}

/// `tidings_history` with options: position bounds for paging, oldest first (`options` may be
/// NULL for the defaults).
///
/// Ownership: the caller owns `*list` and frees it with `tidings_event_list_free`.
#[no_mangle]
pub extern "C" fn tidings_history_with(
    bus: *const tidings_bus,
    pattern: *const c_char,
    options: *const tidings_history_options,
    list: *mut *mut tidings_event_list,
) -> tidings_result {
    boundary(|| {
        let bus = required(bus, "bus")?;
        let pattern = text(pattern, "pattern", ErrorKind::InvalidPattern)?;
        let query = match optional(options) {
            Some(options) => query(options)?,
            None => HistoryQuery::new(),
        };
        let output = out(list, "list")?;
        let events = bus.engine.block_on(bus.bus.history(pattern, query))?;
        let events = events.into_iter().map(tidings_event::new).collect();
        *output = Box::into_raw(Box::new(tidings_event_list { events }));
        Ok(())
    })
}

/// How many events a list holds.
///
/// Ownership: writes a value to `*len`; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_event_list_len(
    list: *const tidings_event_list,
    len: *mut usize,
) -> tidings_result {
    boundary(|| {
        let list = required(list, "list")?;
        *out(len, "len")? = list.events.len();
        Ok(())
    })
}

/// Event `index` of a list (0 is the first); `TIDINGS_RESULT_INDEX_OUT_OF_RANGE` past the end.
///
/// Ownership: `*event` is borrowed from the list and valid until the list is freed.
#[no_mangle]
pub extern "C" fn tidings_event_list_get(
    list: *const tidings_event_list,
    index: usize,
    event: *mut *const tidings_event,
) -> tidings_result {
    boundary(|| {
        let list = required(list, "list")?;
        let output = out(event, "event")?;
        let found = list.events.get(index).ok_or_else(|| {
            Failure::new(
                tidings_result::IndexOutOfRange,
                format!(
                    "index {index} is past the end of a list of {}",
                    list.events.len()
                ),
            )
        })?;
        *output = found;
        Ok(())
    })
}

/// Frees a list and the events in it. NULL is ignored; using the list or its events
/// afterwards, or freeing it twice, is undefined behaviour.
#[no_mangle]
pub extern "C" fn tidings_event_list_free(list: *mut tidings_event_list) {
    boundary_void(|| {
        drop(take(list));
    });
}
