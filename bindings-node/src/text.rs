//! Reading a JavaScript string's text, on the path of every emit: one Node-API call into a
//! buffer sized for the widest UTF-8, where napi-rs's own conversion makes two.

use crate::runtime;
use napi::bindgen_prelude::Unknown;
use napi::{sys, JsValue};
use std::ptr;

/// The UTF-8 text of a JavaScript string (the caller has checked that it is one), copied with
/// one Node-API call into a buffer with room for the longest UTF-8 its length could need (3
/// bytes per UTF-16 unit); a buffer much too big is shrunk. napi-rs's own conversion makes two
/// calls, one to measure the UTF-8 and one to copy it, and an emit's arguments are mostly
/// strings.
pub(crate) fn utf8(string: &Unknown) -> napi::Result<String> {
    let (env, raw) = (string.value().env, string.raw());
    let mut units = 0;
    // SAFETY: a plain Node-API call on a string of the current call.
    let status =
        unsafe { sys::napi_get_value_string_utf16(env, raw, ptr::null_mut(), 0, &mut units) };
    runtime::check(status, "reading a string's length")?;
    let capacity = 3 * units + 1;
    let mut bytes = Vec::<u8>::with_capacity(capacity);
    let mut copied = 0;
    // SAFETY: the buffer has room for `capacity` bytes, the terminating NUL included; Node
    // writes at most that many and says how many it wrote before the NUL.
    let status = unsafe {
        sys::napi_get_value_string_utf8(env, raw, bytes.as_mut_ptr().cast(), capacity, &mut copied)
    };
    runtime::check(status, "reading a string")?;
    // SAFETY: Node initialized `copied` bytes (never more than `capacity - 1`).
    unsafe { bytes.set_len(copied.min(capacity - 1)) };
    if bytes.capacity() - bytes.len() > 4096 {
        bytes.shrink_to_fit();
    }
    String::from_utf8(bytes).map_err(|e| napi::Error::from_reason(e.to_string()))
}
