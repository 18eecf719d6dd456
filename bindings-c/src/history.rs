//! History queries and `tidings_event_list`, the list of events they return.

use crate::args::{hand_out, optional, out, required, take, text, update};
use crate::bus::tidings_bus;
use crate::envelope::tidings_event;
use crate::error::{boundary, boundary_void, tidings_result, CResult, Failure};
use std::ffi::c_char;
use tidings_core::{Bound, ErrorKind, HistoryQuery, Order};

/// A list of events (opaque), owned by the caller.
pub struct tidings_event_list {
    events: Vec<tidings_event>,
}

/// The options of `tidings_history_with` (opaque), made by `tidings_history_options_new` (the
/// newest 100 events, newest first, no bounds) and changed by its setters. Set it from one
/// thread at a time; once set, any number of threads may query with it at once.
#[derive(Clone)]
pub struct tidings_history_options {
    query: HistoryQuery,
}

/// Makes history options: the newest 100 events, newest first, with no bounds.
///
/// Ownership: the caller owns `*out` and frees it with `tidings_history_options_free`.
#[no_mangle]
pub extern "C" fn tidings_history_options_new(
    out: *mut *mut tidings_history_options,
) -> tidings_result {
    hand_out(
        out,
        tidings_history_options {
            query: HistoryQuery::new(),
        },
    )
}

/// Frees history options. NULL is ignored; using them afterwards, or freeing them twice, is
/// undefined behaviour.
#[no_mangle]
pub extern "C" fn tidings_history_options_free(options: *mut tidings_history_options) {
    boundary_void(|| drop(take(options)));
}

/// Runs one history-options setter: the options are unchanged when it fails.
fn set_history(
    options: *mut tidings_history_options,
    change: impl FnOnce(HistoryQuery) -> CResult<HistoryQuery>,
) -> tidings_result {
    update(options, |history: tidings_history_options| {
        Ok(tidings_history_options {
            query: change(history.query)?,
        })
    })
}

/// The most events returned (default 100).
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_history_options_set_limit(
    options: *mut tidings_history_options,
    limit: usize,
) -> tidings_result {
    set_history(options, |query| Ok(query.limit(limit)))
}

/// Only events appended at or after this time (ms since the Unix epoch, inclusive). Replaces a
/// `since_position` set before.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_history_options_set_since_ms(
    options: *mut tidings_history_options,
    since_ms: u64,
) -> tidings_result {
    set_history(options, |query| {
        Ok(query.since(Bound::from_millis(since_ms)))
    })
}

/// Only events appended before this time (ms since the Unix epoch, exclusive). Replaces an
/// `until_position` set before.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_history_options_set_until_ms(
    options: *mut tidings_history_options,
    until_ms: u64,
) -> tidings_result {
    set_history(options, |query| {
        Ok(query.until(Bound::from_millis(until_ms)))
    })
}

/// Only events after this position (`<ms>-<seq>` from `tidings_event_position`, exclusive), to
/// walk pages; other text is refused here (`TIDINGS_RESULT_CONFIG`). Replaces a `since_ms` set
/// before.
///
/// Ownership: the text is read and not kept; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_history_options_set_since_position(
    options: *mut tidings_history_options,
    since_position: *const c_char,
) -> tidings_result {
    set_history(options, |query| {
        let position = text(since_position, "since_position", ErrorKind::Config)?;
        Ok(query.since(Bound::parse(position)?))
    })
}

/// Only events before this position (exclusive); other text is refused here
/// (`TIDINGS_RESULT_CONFIG`). Replaces an `until_ms` set before.
///
/// Ownership: the text is read and not kept; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_history_options_set_until_position(
    options: *mut tidings_history_options,
    until_position: *const c_char,
) -> tidings_result {
    set_history(options, |query| {
        let position = text(until_position, "until_position", ErrorKind::Config)?;
        Ok(query.until(Bound::parse(position)?))
    })
}

/// Which end to read from: `"newest_first"` (the default: the newest `limit` events, newest
/// first) or `"oldest_first"` (the oldest `limit` events, oldest first); other text is refused
/// here (`TIDINGS_RESULT_CONFIG`).
///
/// Ownership: the text is read and not kept; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_history_options_set_order(
    options: *mut tidings_history_options,
    order: *const c_char,
) -> tidings_result {
    set_history(options, |query| {
        let order = text(order, "order", ErrorKind::Config)?;
        Ok(query.order(order.parse::<Order>()?))
    })
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
    boundary(|| {
        let bus = required(bus, "bus")?;
        let pattern = text(pattern, "pattern", ErrorKind::InvalidPattern)?;
        let mut query = HistoryQuery::new();
        if limit > 0 {
            query = query.limit(limit);
        }
        if since_ms > 0 {
            query = query.since(Bound::from_millis(since_ms));
        }
        if until_ms > 0 {
            query = query.until(Bound::from_millis(until_ms));
        }
        read(bus, pattern, query, list)
    })
}

/// Runs a history query into a new list written to `*list`.
fn read(
    bus: &tidings_bus,
    pattern: &str,
    query: HistoryQuery,
    list: *mut *mut tidings_event_list,
) -> CResult {
    let output = out(list, "list")?;
    let events = bus.engine.block_on(bus.bus.history(pattern, query))?;
    let events = events.into_iter().map(tidings_event::new).collect();
    *output = Box::into_raw(Box::new(tidings_event_list { events }));
    Ok(())
}

/// `tidings_history` with options: position bounds for paging, oldest first (`options`, from
/// `tidings_history_options_new`, may be NULL for the defaults).
///
/// Ownership: the caller owns `*list` and frees it with `tidings_event_list_free`. `options` is
/// only read: it stays the caller's.
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
        let query = optional(options).map_or_else(HistoryQuery::new, |o| o.query);
        read(bus, pattern, query, list)
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
