//! JavaScript values to and from JSON, with JavaScript's own `JSON.stringify` and `JSON.parse`
//! so data means exactly what it means to every JavaScript program: `toJSON` (a `Date` becomes
//! its ISO text), `undefined` and functions dropped from objects, cycles and `BigInt` rejected,
//! numbers as doubles.

use crate::error;
use crate::text;
use napi::bindgen_prelude::{Env, FromNapiValue, Function, JsObjectValue, Object, Unknown};
use napi::{sys, JsValue, ValueType};
use std::cell::Cell;
use std::ptr;
use tidings::serde_json::{self, Value};
use tidings::{Error, ErrorKind, Result};

/// `JSON.stringify` and `JSON.parse`, in that order.
const METHODS: [&str; 2] = ["stringify", "parse"];

thread_local! {
    /// References to this thread's `JSON.stringify` and `JSON.parse`, looked up once per Node
    /// environment (and kept for its life), with the environment they belong to.
    static METHOD_REFS: Cell<Option<(sys::napi_env, [sys::napi_ref; 2])>> = const { Cell::new(None) };
}

/// The global `JSON` object's method `METHODS[which]`.
fn json_method(env: &Env, which: usize) -> napi::Result<Function<'_, Unknown<'_>, Unknown<'_>>> {
    let refs = match METHOD_REFS.get() {
        Some((owner, refs)) if owner == env.raw() => refs,
        _ => {
            let json: Object = env.get_global()?.get_named_property_unchecked("JSON")?;
            let mut refs = [ptr::null_mut(); 2];
            for (slot, name) in refs.iter_mut().zip(METHODS) {
                let method: Unknown = json.get_named_property_unchecked(name)?;
                // SAFETY: a plain Node-API call on the JavaScript thread.
                let status =
                    unsafe { sys::napi_create_reference(env.raw(), method.raw(), 1, slot) };
                if status != sys::Status::napi_ok {
                    return Err(napi::Error::from_reason(
                        "referencing JSON's methods failed",
                    ));
                }
            }
            METHOD_REFS.set(Some((env.raw(), refs)));
            refs
        }
    };
    let mut method = ptr::null_mut();
    // SAFETY: the reference belongs to this environment and is never deleted.
    let status = unsafe { sys::napi_get_reference_value(env.raw(), refs[which], &mut method) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("reading JSON's methods failed"));
    }
    // SAFETY: the reference holds a function.
    unsafe { Function::from_napi_value(env.raw(), method) }
}

/// The JSON text of `value`, as `JSON.stringify` writes it. `what` names the value in messages
/// and `kind` is the error kind of a value that has no JSON form.
pub(crate) fn stringify(env: &Env, value: Unknown, what: &str, kind: ErrorKind) -> Result<String> {
    let no_json = |why: &str| Error::new(kind, format!("{what} has no JSON form: {why}"));
    match value
        .get_type()
        .map_err(|e| error::from_engine(kind, what, e))?
    {
        ValueType::Undefined => return Err(no_json("it is undefined (use null for no data)")),
        ValueType::Function => return Err(no_json("it is a function")),
        ValueType::Symbol => return Err(no_json("it is a symbol")),
        _ => {}
    }
    let stringify = json_method(env, 0).map_err(|e| error::from_engine(kind, what, e))?;
    let text = stringify.call(value).map_err(|e| no_json(&e.reason))?;
    match text
        .get_type()
        .map_err(|e| error::from_engine(kind, what, e))?
    {
        ValueType::String => text::utf8(&text).map_err(|e| error::from_engine(kind, what, e)),
        _ => Err(no_json(
            "JSON.stringify returned nothing for it (a toJSON method returning undefined?)",
        )),
    }
}

/// `value` as a `serde_json::Value` (see [`stringify`]).
pub(crate) fn to_value(env: &Env, value: Unknown, what: &str, kind: ErrorKind) -> Result<Value> {
    from_text(&stringify(env, value, what, kind)?, what, kind)
}

/// The `serde_json::Value` of JSON text that [`stringify`] wrote (on any thread: this half of
/// the conversion needs no JavaScript, so emits do it off the JavaScript thread).
pub(crate) fn from_text(text: &str, what: &str, kind: ErrorKind) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::new(kind, format!("{what}: {e}")))
}

/// The JavaScript value of a JSON value, as `JSON.parse` makes it.
pub(crate) fn to_js<'env>(env: &'env Env, value: &Value) -> napi::Result<Unknown<'env>> {
    let text = serde_json::to_string(value).map_err(|e| napi::Error::from_reason(e.to_string()))?;
    parse(env, text)
}

/// `JSON.parse(text)`.
pub(crate) fn parse(env: &Env, text: String) -> napi::Result<Unknown<'_>> {
    let parse = json_method(env, 1)?;
    let text = env.create_string_from_std(text)?.to_unknown();
    parse.call(text)
}
