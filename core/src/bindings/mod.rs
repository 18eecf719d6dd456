//! What the Python, Node and C bindings need beyond the user-facing API, kept apart from it:
//! the connect options' schema and reading host values into it, an emit queue for callers on
//! threads outside the runtime, the runtime thread they run the
//! core on, Server-Sent Events framing, and counting a subscriber callback that raised. A
//! binding converts and adapts; everything it would otherwise decide lives here, once.

mod emit_queue;
mod runtime;
mod sse;

pub use crate::connect_options::{
    host_name, ConnectOptions, Kind, OptionSpec, Style, CONNECT_OPTIONS, RETRY_OPTIONS,
};
pub use emit_queue::{EmitQueue, Settle};
pub use runtime::start_background_runtime;
pub use sse::{
    sse_frame, sse_heartbeat, sse_prelude, sse_resume_token, sse_start, sse_trimmed_frame,
    SSE_HEADERS, SSE_HEARTBEAT_MS, SSE_RETRY_MS, SSE_TRIMMED_EVENT,
};

/// Counts a subscriber callback that raised while handling an event of `event_type` (the
/// bindings call this from their callback loops).
pub fn report_handler_error(bus: &crate::Bus, event_type: &str) {
    bus.shared().metrics.handler_error(event_type);
}
