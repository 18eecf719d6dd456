//! `tidings.SyncBus` and `tidings.connect_sync()`: the same methods as `Bus`, for code without
//! an event loop (Django views, scripts, threads). Each call waits with the GIL released
//! (`runtime::wait_for`), so other threads run meanwhile and Ctrl-C interrupts it.

use crate::arguments::{emit_data, emit_many_requests, emit_request, open_inbox};
use crate::config;
use crate::event::PyEvent;
use crate::handles::{core_of, PySyncBus};
use crate::history;
use crate::runtime;
use crate::subscription::PySyncSubscription;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

#[pymethods]
impl PySyncBus {
    /// Another handle on the connection of `bus` (a `Bus` or `SyncBus`), for subclasses.
    #[new]
    fn new(bus: &Bound<'_, PyAny>) -> PyResult<PySyncBus> {
        Ok(PySyncBus::wrap(core_of(bus)?))
    }

    /// Emits an event and returns its id. `data` is anything `json.dumps` accepts.
    #[pyo3(signature = (r#type, data = None, *, subject = None, metadata = None, version = None))]
    fn emit(
        &self,
        py: Python<'_>,
        r#type: String,
        data: Option<&Bound<'_, PyAny>>,
        subject: Option<String>,
        metadata: Option<&Bound<'_, PyDict>>,
        version: Option<String>,
    ) -> PyResult<String> {
        let bus = self.bus.get()?.clone();
        let request = emit_request(r#type, emit_data(data)?, subject, metadata, version)?;
        runtime::wait_for(py, async move {
            bus.emit_with(&request.event_type, request.data, request.options)
                .await
        })
    }

    /// Emits many events and returns their ids in order. Nothing is written when any item
    /// is invalid.
    fn emit_many(&self, py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        let bus = self.bus.get()?.clone();
        let requests = emit_many_requests(events)?;
        runtime::wait_for(py, async move { bus.emit_many(requests).await })
    }

    /// The events `pattern` selects, newest first (or `order="oldest_first"`), at most
    /// `limit` (default 100), with `since` (inclusive) and `until` (exclusive) as datetimes or
    /// milliseconds, or as positions (both exclusive).
    #[pyo3(signature = (pattern = String::from("*"), *, limit = None, since = None, until = None, order = "newest_first"))]
    fn history(
        &self,
        py: Python<'_>,
        pattern: String,
        limit: Option<i64>,
        since: Option<&Bound<'_, PyAny>>,
        until: Option<&Bound<'_, PyAny>>,
        order: &str,
    ) -> PyResult<Vec<PyEvent>> {
        let bus = self.bus.get()?.clone();
        let query = history::query(limit, since, until, order)?;
        let events = runtime::wait_for(py, async move { bus.history(&pattern, query).await })?;
        Ok(events.into_iter().map(PyEvent::from).collect())
    }

    /// The events `pattern` selects as a blocking iterator, live from now or replayed
    /// `from_` "start", a position, a datetime or milliseconds, then live.
    #[pyo3(signature = (pattern = "*", *, from_ = None))]
    fn events(
        &self,
        py: Python<'_>,
        pattern: &str,
        from_: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PySyncSubscription> {
        let inbox = open_inbox(py, self.bus.get()?, pattern, from_)?;
        Ok(PySyncSubscription::new(inbox))
    }

    /// Calls `callback(event)` for every event `pattern` selects, in order, on a thread of
    /// its own. Returns `unsubscribe()`. A callback that raises is logged (logger "tidings")
    /// and counted; delivery goes on.
    #[pyo3(signature = (pattern, callback, *, from_ = None))]
    fn subscribe<'py>(
        &self,
        py: Python<'py>,
        pattern: &str,
        callback: &Bound<'py, PyAny>,
        from_: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        static DELIVER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        if !callback.is_callable() {
            return Err(PyTypeError::new_err("callback must be callable"));
        }
        let subscription = self.events(py, pattern, from_)?;
        DELIVER
            .import(py, "tidings._callbacks", "deliver_on_thread")?
            .call1((subscription, callback))
    }

    /// Counters and latency histograms per event type, as a dict.
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let snapshot = self.bus.get()?.metrics();
        pythonize::pythonize(py, &snapshot).map_err(PyErr::from)
    }

    /// The metrics in the Prometheus text exposition format.
    fn prometheus_metrics(&self) -> PyResult<String> {
        Ok(self.bus.get()?.metrics().to_prometheus())
    }

    /// Closes the bus: subscriptions end, later calls raise `ClosedError`.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let bus = self.bus.get()?.clone();
        runtime::wait(py, async move { bus.close().await })
    }

    /// True once closed.
    #[getter]
    fn closed(&self) -> PyResult<bool> {
        Ok(self.bus.get()?.is_closed())
    }

    /// The CloudEvents `source` stamped on emitted events.
    #[getter]
    fn source(&self) -> PyResult<String> {
        Ok(self.bus.get()?.source().to_owned())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.close(py)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("SyncBus(source={:?})", self.source()?))
    }
}

/// Connects to `url` (`memory://`, `memory://<name>`, `redis://…`, `rediss://…`) and returns
/// a `SyncBus`. Options left as None keep the core's defaults; durations are in seconds.
#[pyfunction]
#[pyo3(signature = (url = "memory://", **options))]
pub(crate) fn connect_sync(
    py: Python<'_>,
    url: &str,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<PySyncBus> {
    let builder = config::builder(url, options)?;
    runtime::wait_for(py, async move { builder.build().await }).map(PySyncBus::wrap)
}
