//! Event data of the builtin types written straight to JSON text: `dict` with `str` keys,
//! `list`, `tuple`, `str`, `int` (64-bit), finite `float`, `bool` and `None`, exactly those
//! classes. Python's `JSONEncoder` builds a `str` per string and joins them, which made it most
//! of `emit_many`'s time on the Python thread. Anything else (subclasses, other key types, bigger ints, NaN, data nested
//! deeper than the core takes, cycles) makes [`write_json`] give up, and the caller encodes
//! the value with Python's encoder, so what is accepted and every error stay `json.dumps`'s.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use tidings::serde_json;
use tidings::MAX_DATA_DEPTH;

/// Appends `value`'s JSON to `out` and returns true, or returns false (with `out` in an
/// unspecified state) when the value is not made only of the builtin types above.
pub(crate) fn write_json(value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> bool {
    write_value(value, 0, out).is_some()
}

fn write_value(value: &Bound<'_, PyAny>, depth: usize, out: &mut Vec<u8>) -> Option<()> {
    if value.is_none() {
        out.extend_from_slice(b"null");
    } else if let Ok(text) = value.cast_exact::<PyString>() {
        write_str(text, out)?;
    } else if let Ok(flag) = value.cast_exact::<PyBool>() {
        out.extend_from_slice(if flag.is_true() { b"true" } else { b"false" });
    } else if value.is_exact_instance_of::<PyInt>() {
        match value.extract::<i64>() {
            Ok(n) => serde_json::to_writer(&mut *out, &n).ok()?,
            Err(_) => serde_json::to_writer(&mut *out, &value.extract::<u64>().ok()?).ok()?,
        }
    } else if let Ok(number) = value.cast_exact::<PyFloat>() {
        let number = number.value();
        if !number.is_finite() {
            return None;
        }
        serde_json::to_writer(&mut *out, &number).ok()?;
    } else if depth >= MAX_DATA_DEPTH {
        return None;
    } else if let Ok(list) = value.cast_exact::<PyList>() {
        write_items(list.iter(), depth, out)?;
    } else if let Ok(tuple) = value.cast_exact::<PyTuple>() {
        write_items(tuple.iter(), depth, out)?;
    } else if let Ok(dict) = value.cast_exact::<PyDict>() {
        out.push(b'{');
        for (index, (key, item)) in dict.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            write_str(key.cast_exact::<PyString>().ok()?, out)?;
            out.push(b':');
            write_value(&item, depth + 1, out)?;
        }
        out.push(b'}');
    } else {
        return None;
    }
    Some(())
}

fn write_items<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    depth: usize,
    out: &mut Vec<u8>,
) -> Option<()> {
    out.push(b'[');
    for (index, item) in items.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_value(&item, depth + 1, out)?;
    }
    out.push(b']');
    Some(())
}

/// A string, escaped as serde_json escapes (`"`, `\` and control characters). Strings that are
/// not valid UTF-8 (lone surrogates) give up.
fn write_str(text: &Bound<'_, PyString>, out: &mut Vec<u8>) -> Option<()> {
    let text = text.to_cow().ok()?;
    serde_json::to_writer(&mut *out, text.as_ref()).ok()
}
