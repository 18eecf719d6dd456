//! Server-Sent Events from the core, for `tidings.sse`: the framing (the event's cursor as the
//! SSE `id`, so `Last-Event-ID` resumes exactly; its type as the SSE `event` unless frames are
//! unnamed; its envelope as the `data`), the headers, the heartbeat and where a reconnecting
//! browser resumes from.

use crate::event::PyEvent;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// One event as a `text/event-stream` frame; unnamed (no `event:` line) when `named` is false,
/// so that `EventSource.onmessage` fires for it.
#[pyfunction]
#[pyo3(signature = (event, named = true))]
pub(crate) fn sse_frame(event: PyRef<'_, PyEvent>, named: bool) -> String {
    tidings::bindings::sse_frame(event.core(), named)
}

/// The frame that tells a page that events it was owed were trimmed away (`message` is the
/// `TrimmedError`'s text).
#[pyfunction]
#[pyo3(signature = (message, named = true))]
pub(crate) fn sse_trimmed_frame(message: &str, named: bool) -> String {
    let error = tidings::Error::new(tidings::ErrorKind::Trimmed, message);
    tidings::bindings::sse_trimmed_frame(&error, named)
}

/// The opening of a stream: the reconnect delay and a comment that flushes proxies.
#[pyfunction]
pub(crate) fn sse_prelude() -> String {
    tidings::bindings::sse_prelude()
}

/// A comment that keeps an idle stream open.
#[pyfunction]
pub(crate) fn sse_heartbeat() -> &'static str {
    tidings::bindings::sse_heartbeat()
}

/// The token to resume from, given the `Last-Event-ID` header and the `last_event_id` query
/// parameter: the header wins; empty counts as absent.
#[pyfunction]
#[pyo3(signature = (header = None, query = None))]
pub(crate) fn _sse_resume_token(header: Option<&str>, query: Option<&str>) -> Option<String> {
    tidings::bindings::sse_resume_token(header, query).map(str::to_owned)
}

/// Adds the functions and the constants (`SSE_HEADERS`, `SSE_HEARTBEAT` in seconds).
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(sse_frame, module)?)?;
    module.add_function(wrap_pyfunction!(sse_trimmed_frame, module)?)?;
    module.add_function(wrap_pyfunction!(sse_prelude, module)?)?;
    module.add_function(wrap_pyfunction!(sse_heartbeat, module)?)?;
    module.add_function(wrap_pyfunction!(_sse_resume_token, module)?)?;
    let headers = PyDict::new(module.py());
    for (name, value) in tidings::bindings::SSE_HEADERS {
        headers.set_item(name, value)?;
    }
    module.add("SSE_HEADERS", headers)?;
    module.add(
        "SSE_HEARTBEAT",
        tidings::bindings::SSE_HEARTBEAT_MS as f64 / 1000.0,
    )?;
    module.add("SSE_TRIMMED_EVENT", tidings::bindings::SSE_TRIMMED_EVENT)?;
    Ok(())
}
