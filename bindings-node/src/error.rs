//! The one place where errors become JavaScript errors. Every failure the addon reports, from
//! the core or from converting an argument, is a `tidings::Error`; JavaScript receives an `Error`
//! whose `code` is the kind's stable name (`TIDINGS_INVALID_TYPE`, …) and whose message is the
//! core's.

use napi::bindgen_prelude::Env;
use napi::JsError;
use tidings::{Error, ErrorKind};

/// The JavaScript error for `err`, ready to throw or to reject a promise with.
pub(crate) fn to_js(env: &Env, err: Error) -> napi::Error {
    let js_error = JsError::from(napi::Error::new(err.kind().name(), err.message()));
    napi::Error::from(js_error.into_unknown(*env))
}

/// A failure of the JavaScript engine itself while converting (a getter that threw, an
/// exhausted heap), reported as the kind of the argument being converted.
pub(crate) fn from_engine(kind: ErrorKind, what: &str, err: napi::Error) -> Error {
    Error::new(kind, format!("{what}: {}", err.reason))
}

/// The names of every error kind, in code order (exported as `errorCodes`).
pub(crate) fn codes() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|kind| kind.name()).collect()
}
