//! Server-Sent Events framing from the core, for `tidings.sse`: the event's position is the
//! SSE `id` (so `Last-Event-ID` resumes), its type the SSE `event`, its envelope the `data`.

use crate::event::PyEvent;
use pyo3::prelude::*;

/// One event as a `text/event-stream` frame.
#[pyfunction]
pub(crate) fn sse_frame(event: PyRef<'_, PyEvent>) -> String {
    tidings::bindings::sse_frame(event.core())
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
