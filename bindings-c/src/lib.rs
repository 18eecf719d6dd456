//! libtidings: the tidings core behind a C ABI, for legacy C code. `include/tidings.h` is
//! generated from this crate by cbindgen (`cargo run -p tidings-c-header`) and committed.
//!
//! # Layout (each module mirrors the core module of the same name)
//! - `error`: `tidings_result`, the last error message per thread, the panic boundary.
//! - `args`: NULL and UTF-8 checks on arguments, JSON text, writing into caller buffers.
//! - `runtime`: the hidden tokio runtime (one per bus) and the callback threads.
//! - `connect_options`: `tidings_connect_options`, the builder of connect options: one setter
//!   per option of the core's schema.
//! - `bus`: `tidings_connect`, `tidings_emit*` and `tidings_emit_options`, `tidings_bus_free`.
//! - `subscription`: `tidings_subscribe*` and `tidings_subscribe_options`,
//!   `tidings_subscription_next`, `_free`.
//! - `history`: `tidings_history*`, `tidings_history_options` and `tidings_event_list`.
//! - `envelope`: `tidings_event`, its accessors, and the envelope decoder.
//!
//! # Rules every function follows (rustls-ffi's)
//! Names are `tidings_<object>_<verb>`; handles are opaque and each has a `_free` that ignores
//! NULL. Functions that can fail return a `tidings_result` and write their outputs only on
//! success; a NULL required pointer is `TIDINGS_RESULT_NULL_ARGUMENT`, never a crash. No panic
//! crosses into C. Each function's comment says who owns what it returns.
//!
//! # The ABI only grows
//! No struct is public: every object is an opaque handle, options included (a builder per kind
//! of options, made by `_new`, changed by one `_set_<option>` each, freed by `_free`). A new
//! option is a new function; result numbers and signatures never change within a soname
//! (`docs/c-binding.md`).
#![allow(non_camel_case_types)]

mod args;
mod bus;
mod connect_options;
mod envelope;
mod error;
mod history;
mod runtime;
mod subscription;

pub use bus::{
    tidings_bus, tidings_bus_free, tidings_connect, tidings_emit, tidings_emit_many,
    tidings_emit_options, tidings_emit_with, TIDINGS_EVENT_ID_SIZE,
};
pub use connect_options::tidings_connect_options;
pub use envelope::tidings_event;
pub use error::{tidings_last_error_message, tidings_result, tidings_result_name};
pub use history::{tidings_event_list, tidings_history_options};
pub use subscription::{tidings_event_callback, tidings_subscribe_options, tidings_subscription};

/// The version of libtidings, such as `0.1.0`.
///
/// Ownership: a static string; never free it.
#[no_mangle]
pub extern "C" fn tidings_version() -> *const std::ffi::c_char {
    static VERSION: std::sync::LazyLock<std::ffi::CString> = std::sync::LazyLock::new(|| {
        std::ffi::CString::new(tidings_core::PACKAGE_VERSION).expect("a version has no NUL")
    });
    VERSION.as_ptr()
}
