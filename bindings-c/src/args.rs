//! Reading C arguments: NULL checks that fail with `TIDINGS_RESULT_NULL_ARGUMENT`, UTF-8 checks
//! that fail with the kind the argument belongs to, JSON text to values, and writing outputs.

use crate::error::{boundary, tidings_result, CResult, Failure};
use std::ffi::{c_char, CStr};
use tidings_core::serde_json::{self, Map, Value};
use tidings_core::{ErrorKind, EventData};

/// A required pointer as a reference.
pub(crate) fn required<'a, T>(ptr: *const T, name: &str) -> CResult<&'a T> {
    // SAFETY: the caller passes NULL or a valid pointer (the header's contract).
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null_argument(name))
}

/// A pointer that may be NULL (no options: the defaults).
pub(crate) fn optional<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: the caller passes NULL or a valid pointer (the header's contract).
    unsafe { ptr.as_ref() }
}

/// Takes back ownership of a handle the library gave out; `None` for NULL.
pub(crate) fn take<T>(ptr: *mut T) -> Option<Box<T>> {
    // SAFETY: NULL, or a pointer from `Box::into_raw` that the caller owns and frees once (the
    // `_free` functions' contract).
    (!ptr.is_null()).then(|| unsafe { Box::from_raw(ptr) })
}

/// Hands a new handle to the caller through `output` (what every `_new` function does).
pub(crate) fn hand_out<T>(output: *mut *mut T, value: T) -> tidings_result {
    boundary(|| {
        // The slot first: a handle made before a NULL `output` is refused would leak.
        let slot = out(output, "out")?;
        *slot = Box::into_raw(Box::new(value));
        Ok(())
    })
}

/// Runs one option setter on the builder behind `builder`: it is unchanged when `change` fails.
pub(crate) fn update<T: Clone>(
    builder: *mut T,
    change: impl FnOnce(T) -> CResult<T>,
) -> tidings_result {
    boundary(|| {
        let builder = out(builder, "options")?;
        *builder = change(builder.clone())?;
        Ok(())
    })
}

/// A required output pointer.
pub(crate) fn out<'a, T>(ptr: *mut T, name: &str) -> CResult<&'a mut T> {
    // SAFETY: as above; outputs are written only once the call has succeeded.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::null_argument(name))
}

/// Required NUL-terminated UTF-8 text; `kind` is the error for text that is not UTF-8.
pub(crate) fn text<'a>(ptr: *const c_char, name: &str, kind: ErrorKind) -> CResult<&'a str> {
    optional_text(ptr, name, kind)?.ok_or_else(|| Failure::null_argument(name))
}

/// Text that may be NULL (an envelope's missing position).
pub(crate) fn optional_text<'a>(
    ptr: *const c_char,
    name: &str,
    kind: ErrorKind,
) -> CResult<Option<&'a str>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: a non-NULL pointer to a NUL-terminated string (the header's contract).
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map(Some)
        .map_err(|_| Failure::not_utf8(name, kind))
}

/// JSON text as a value.
pub(crate) fn json(text: &str, name: &str) -> CResult<Value> {
    serde_json::from_str(text).map_err(|err| {
        Failure::new(
            tidings_result::InvalidData,
            format!("`{name}` is not JSON: {err}"),
        )
    })
}

/// JSON text as event data, checked by the core and written as it is; a refusal keeps the
/// core's kind, with the argument named.
pub(crate) fn event_data(text: &str, name: &str) -> CResult<EventData> {
    EventData::from_json(text).map_err(|err| {
        let mut failure = Failure::from(err);
        failure.message = format!("`{name}`: {}", failure.message);
        failure
    })
}

/// JSON text that must be an object (metadata).
pub(crate) fn json_object(text: &str, name: &str) -> CResult<Map<String, Value>> {
    match json(text, name)? {
        Value::Object(map) => Ok(map),
        _ => Err(Failure::new(
            tidings_result::InvalidData,
            format!("`{name}` is not a JSON object"),
        )),
    }
}

/// A list of `count` required strings.
pub(crate) fn text_array<'a>(
    ptr: *const *const c_char,
    count: usize,
    name: &str,
    kind: ErrorKind,
) -> CResult<Vec<&'a str>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    required(ptr, name)?;
    // SAFETY: a non-NULL pointer to `count` string pointers (the header's contract).
    let items = unsafe { std::slice::from_raw_parts(ptr, count) };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            // The fast path names nothing; an error names the item.
            optional_text(*item, name, kind)
                .and_then(|item| item.ok_or_else(|| Failure::null_argument(name)))
                .map_err(|failure| failure.at_index(name, i))
        })
        .collect()
}

/// Copies `text` and a NUL into slot `index` of a buffer of `slot_len`-byte slots, which the
/// caller has checked holds that slot.
pub(crate) fn copy_text_to_slot(
    text: &str,
    buf: *mut c_char,
    index: usize,
    slot_len: usize,
) -> CResult {
    let mut needed = 0;
    // SAFETY: the slot lies inside the caller's buffer (checked by the caller).
    let slot = unsafe { buf.add(index * slot_len) };
    copy_text(text, slot, slot_len, &mut needed)
}

/// Copies `text` and a NUL into `buf` when it fits. `needed` always gets the size required.
pub(crate) fn copy_text(
    text: &str,
    buf: *mut c_char,
    buf_len: usize,
    needed: &mut usize,
) -> CResult {
    *needed = text.len() + 1;
    if buf_len < *needed {
        return Err(too_small(*needed, buf_len));
    }
    // SAFETY: `buf` is non-NULL (checked by the caller) and holds `buf_len` bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        *buf.add(text.len()) = 0;
    }
    Ok(())
}

pub(crate) fn too_small(needed: usize, given: usize) -> Failure {
    Failure::new(
        tidings_result::BufferTooSmall,
        format!("the buffer holds {given} bytes; {needed} are needed"),
    )
}
