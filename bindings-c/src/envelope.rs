//! `tidings_event`: one event, with an accessor for every field, and the decoder of raw
//! envelopes (`tidings_event_from_json`). Text fields are made into C strings on first use and
//! kept with the event, so the pointers the accessors hand out live as long as the event.

use crate::args::{optional_text, out, required, take, text};
use crate::error::{boundary, boundary_void, tidings_result};
use std::ffi::{c_char, CString};
use std::sync::OnceLock;
use tidings_core::serde_json;
use tidings_core::{ErrorKind, Event, Position};

/// An event (opaque). Owned by the caller when a function hands one out through an output
/// pointer; borrowed when passed to a callback or taken from a `tidings_event_list`.
pub struct tidings_event {
    event: Event,
    id: OnceLock<CString>,
    event_type: OnceLock<CString>,
    source: OnceLock<CString>,
    subject: OnceLock<Option<CString>>,
    data: OnceLock<CString>,
    metadata: OnceLock<Option<CString>>,
    version: OnceLock<CString>,
    position: OnceLock<Option<CString>>,
    cursor: OnceLock<Option<CString>>,
    json: OnceLock<CString>,
}

/// A C string of `text`. A C string ends at its first NUL, so text holding one (possible only
/// in fields of envelopes written by other producers) is cut there; `tidings_event_json` has it
/// whole, escaped.
fn c_text(text: &str) -> CString {
    let end = text.find('\0').unwrap_or(text.len());
    CString::new(&text[..end]).expect("no NUL before `end`")
}

impl tidings_event {
    pub(crate) fn new(event: Event) -> tidings_event {
        tidings_event {
            event,
            id: OnceLock::new(),
            event_type: OnceLock::new(),
            source: OnceLock::new(),
            subject: OnceLock::new(),
            data: OnceLock::new(),
            metadata: OnceLock::new(),
            version: OnceLock::new(),
            position: OnceLock::new(),
            cursor: OnceLock::new(),
            json: OnceLock::new(),
        }
    }

    /// Hands a new event to C: the caller owns it and frees it with `tidings_event_free`.
    pub(crate) fn into_raw(event: Event) -> *mut tidings_event {
        Box::into_raw(Box::new(tidings_event::new(event)))
    }
}

/// Writes the text of one field of `event` to `*out`.
fn text_field(
    event: *const tidings_event,
    output: *mut *const c_char,
    field: impl FnOnce(&tidings_event) -> *const c_char,
) -> tidings_result {
    boundary(|| {
        let event = required(event, "event")?;
        let output = out(output, "out")?;
        *output = field(event);
        Ok(())
    })
}

fn optional_ptr(text: &Option<CString>) -> *const c_char {
    text.as_ref().map_or(std::ptr::null(), |t| t.as_ptr())
}

/// The event's id (a UUIDv7 for events tidings emitted).
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_id(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        e.id.get_or_init(|| c_text(&e.event.id)).as_ptr()
    })
}

/// The event's type, such as `user.login`.
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_type(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        e.event_type
            .get_or_init(|| c_text(&e.event.event_type))
            .as_ptr()
    })
}

/// Who emitted the event (CloudEvents `source`; `unknown` for events in the legacy shape
/// `{id, type, timestamp, data, metadata}`).
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_source(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        e.source.get_or_init(|| c_text(&e.event.source)).as_ptr()
    })
}

/// What the event is about (CloudEvents `subject`); `*out` is set to NULL when it has none.
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_subject(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        optional_ptr(
            e.subject
                .get_or_init(|| e.event.subject.as_deref().map(c_text)),
        )
    })
}

/// The event's data as compact JSON text, such as `{"userId":123}`.
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_data(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        e.data
            .get_or_init(|| c_text(&e.event.data.to_string()))
            .as_ptr()
    })
}

/// The event's metadata as compact JSON text (an object); `*out` is set to NULL when it has none.
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_metadata(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        optional_ptr(e.metadata.get_or_init(|| {
            e.event
                .metadata
                .as_ref()
                .map(|m| c_text(&serde_json::to_string(m).expect("a JSON map serialises")))
        }))
    })
}

/// The version of the event's schema (`1` unless the emitter said otherwise).
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_version(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        e.version.get_or_init(|| c_text(&e.event.version)).as_ptr()
    })
}

/// Where the event sits in its stream, `<ms>-<seq>` (pass it as `from` to resume after it);
/// `*out` is set to NULL for an event read without one (`tidings_event_from_json`).
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_position(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        optional_ptr(
            e.position
                .get_or_init(|| e.event.position.map(|p| c_text(&p.to_string()))),
        )
    })
}

/// The resume token for the pattern a subscription or `tidings_history` delivered the event
/// under: pass it as `from` to resume after exactly this event (the plain position for an exact
/// pattern); `*out` is set to NULL for an event read on its own (`tidings_event_from_json`).
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_cursor(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        optional_ptr(
            e.cursor
                .get_or_init(|| e.event.cursor().map(|c| c_text(&c.to_string()))),
        )
    })
}

/// The whole event as one line of CloudEvents JSON, with its `position` member when it has one:
/// the form SSE frames and the other bindings hand out.
///
/// Ownership: `*out` is borrowed from `event` and valid until the event is freed.
#[no_mangle]
pub extern "C" fn tidings_event_json(
    event: *const tidings_event,
    out: *mut *const c_char,
) -> tidings_result {
    text_field(event, out, |e| {
        e.json
            .get_or_init(|| c_text(&e.event.to_json_with_position()))
            .as_ptr()
    })
}

/// When the event happened, in milliseconds since the Unix epoch (emitter's clock).
///
/// Ownership: writes a value to `*out`; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_event_time_ms(
    event: *const tidings_event,
    out: *mut u64,
) -> tidings_result {
    boundary(|| {
        let event = required(event, "event")?;
        let output = crate::args::out(out, "out")?;
        *output = event.event.time_millis();
        Ok(())
    })
}

/// A copy of an event, for keeping one a callback or a list only lends.
///
/// Ownership: the caller owns `*out` and frees it with `tidings_event_free`.
#[no_mangle]
pub extern "C" fn tidings_event_clone(
    event: *const tidings_event,
    out: *mut *mut tidings_event,
) -> tidings_result {
    boundary(|| {
        let event = required(event, "event")?;
        let output = crate::args::out(out, "out")?;
        *output = tidings_event::into_raw(event.event.clone());
        Ok(())
    })
}

/// Reads one stream entry's envelope (CloudEvents JSON as tidings writes it, or the legacy shape
/// `{id, type, timestamp, data, metadata}`), as every reader does (`docs/wire-format.md` §4).
/// `position` is the entry id (`<ms>-<seq>`), or NULL when there is none. An envelope that
/// cannot be read fails with `TIDINGS_RESULT_INVALID_DATA`; a malformed position with
/// `TIDINGS_RESULT_CONFIG`.
///
/// Ownership: the caller owns `*out` and frees it with `tidings_event_free`.
#[no_mangle]
pub extern "C" fn tidings_event_from_json(
    json: *const c_char,
    position: *const c_char,
    out: *mut *mut tidings_event,
) -> tidings_result {
    boundary(|| {
        let json = text(json, "json", ErrorKind::InvalidData)?;
        let position = optional_text(position, "position", ErrorKind::Config)?
            .map(str::parse::<Position>)
            .transpose()?;
        let output = crate::args::out(out, "out")?;
        let event = Event::from_json(json, position)?;
        *output = tidings_event::into_raw(event);
        Ok(())
    })
}

/// Frees an event the caller owns. NULL is ignored. Using the event (or any text borrowed from
/// it) afterwards, or freeing it twice, is undefined behaviour.
#[no_mangle]
pub extern "C" fn tidings_event_free(event: *mut tidings_event) {
    boundary_void(|| {
        drop(take(event));
    });
}
