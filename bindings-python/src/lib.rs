//! `tidings._tidings`: the Python binding of the tidings core, imported by the `tidings`
//! package (`python/tidings/`). It converts arguments and errors and adapts to asyncio and to
//! blocking callers; the core decides everything else.
//!
//! # Layout
//! - `runtime`: the tokio runtime (re-created after `fork()`), the bridge to asyncio futures,
//!   and the blocking wait of the sync API. The only code that crosses into the host runtime.
//! - `errors`: `TidingsError` and one subclass per core error kind.
//! - `handles`: the `Bus` and `SyncBus` objects; `bus` (`Bus`'s methods, `connect`) and
//!   `sync_bus` (`SyncBus`'s, `connect_sync`); `arguments`: the arguments they share.
//! - `subscription`: `Subscription` / `SyncSubscription` over a read-ahead inbox.
//! - `event`: `Event`. `data`: JSON values to and from Python objects.
//! - `config`: connect options, `RetryPolicy`. `position`: `from_`, `since`, `until`.
//!   `history`: history queries. `grammar`: type and pattern checks. `sse`: SSE framing.

mod arguments;
mod bus;
mod config;
mod data;
mod errors;
mod event;
mod grammar;
mod handles;
mod history;
mod json_writer;
mod position;
mod runtime;
mod sse;
mod subscription;
mod sync_bus;

use pyo3::prelude::*;

#[pymodule]
fn _tidings(module: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(module)?;
    module.add_class::<handles::PyBus>()?;
    module.add_class::<handles::PySyncBus>()?;
    module.add_class::<event::PyEvent>()?;
    module.add_class::<subscription::PySubscription>()?;
    module.add_class::<subscription::PySyncSubscription>()?;
    module.add_class::<config::PyRetryPolicy>()?;
    module.add_function(wrap_pyfunction!(bus::connect, module)?)?;
    module.add_function(wrap_pyfunction!(sync_bus::connect_sync, module)?)?;
    module.add_function(wrap_pyfunction!(event::_decode_envelope, module)?)?;
    module.add_function(wrap_pyfunction!(config::_connect_option_names, module)?)?;
    module.add_function(wrap_pyfunction!(grammar::validate_type, module)?)?;
    module.add_function(wrap_pyfunction!(grammar::validate_pattern, module)?)?;
    module.add_function(wrap_pyfunction!(grammar::pattern_matches, module)?)?;
    sse::register(module)?;
    module.add("__version__", tidings::PACKAGE_VERSION)?;
    Ok(())
}
