//! `tidings.Bus`, the asyncio face of the core bus, and `tidings.connect()`. Each method
//! converts its arguments (`arguments`), hands the work to the core (an emit to the bus's emit
//! queue, anything else as a future to `runtime::future_into_py`), and returns the asyncio
//! future.

use crate::arguments::{emit_data, emit_many_requests, emit_request, open_inbox};
use crate::config;
use crate::event::PyEvent;
use crate::handles::{core_of, PyBus};
use crate::history;
use crate::runtime;
use crate::subscription::PySubscription;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

#[pymethods]
impl PyBus {
    /// Another handle on the connection of `bus` (a `Bus` or `SyncBus`), for subclasses.
    #[new]
    fn new(bus: &Bound<'_, PyAny>) -> PyResult<PyBus> {
        PyBus::wrap(core_of(bus)?)
    }

    /// Emits an event; resolves to its id. `data` is anything `json.dumps` accepts.
    #[pyo3(signature = (r#type, data = None, *, subject = None, metadata = None, version = None))]
    fn emit<'py>(
        &self,
        py: Python<'py>,
        r#type: String,
        data: Option<&Bound<'py, PyAny>>,
        subject: Option<String>,
        metadata: Option<&Bound<'py, PyDict>>,
        version: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = emit_request(r#type, emit_data(data)?, subject, metadata, version)?;
        runtime::emit_into_py(py, self.emits.get()?, request)
    }

    /// Emits many events; resolves to their ids in order. Nothing is written when any item
    /// is invalid.
    fn emit_many<'py>(
        &self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let bus = self.bus.get()?.clone();
        let requests = emit_many_requests(events)?;
        runtime::future_into_py(py, async move { bus.emit_many(requests).await })
    }

    /// The events `pattern` selects, newest first (or `order="oldest_first"`), at most
    /// `limit` (default 100), with `since` (inclusive) and `until` (exclusive) as datetimes or
    /// milliseconds, or as positions (both exclusive).
    #[pyo3(signature = (pattern = String::from("*"), *, limit = None, since = None, until = None, order = "newest_first"))]
    fn history<'py>(
        &self,
        py: Python<'py>,
        pattern: String,
        limit: Option<i64>,
        since: Option<&Bound<'py, PyAny>>,
        until: Option<&Bound<'py, PyAny>>,
        order: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let bus = self.bus.get()?.clone();
        let query = history::query(limit, since, until, order)?;
        runtime::future_into_py(py, async move {
            let events = bus.history(&pattern, query).await?;
            Ok(events.into_iter().map(PyEvent::from).collect::<Vec<_>>())
        })
    }

    /// The events `pattern` selects as an async iterator, live from now or replayed `from_`
    /// "start", a position, a datetime or milliseconds, then live.
    #[pyo3(signature = (pattern = "*", *, from_ = None))]
    fn events(
        &self,
        py: Python<'_>,
        pattern: &str,
        from_: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PySubscription> {
        let inbox = open_inbox(py, self.bus.get()?, pattern, from_)?;
        Ok(PySubscription::new(inbox))
    }

    /// Calls `callback(event)` for every event `pattern` selects, on the running event loop,
    /// in order; an async callback is awaited before the next event. Returns `unsubscribe()`.
    /// A callback that raises is logged (logger "tidings") and counted; delivery goes on.
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
        let event_loop = runtime::running_loop(py)?;
        let subscription = self.events(py, pattern, from_)?;
        DELIVER
            .import(py, "tidings._callbacks", "deliver_on_loop")?
            .call1((event_loop, subscription, callback))
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
    fn close<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let bus = self.bus.get()?.clone();
        runtime::future_into_py(py, async move {
            bus.close().await;
            Ok(())
        })
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

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        runtime::resolved(slf.py(), slf.into_any())
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close(py)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("Bus(source={:?})", self.source()?))
    }
}

/// Connects to `url` (`memory://`, `memory://<name>`, `redis://…`, `rediss://…`); resolves to
/// a `Bus`. Options left as None keep the core's defaults; durations are in seconds.
#[pyfunction]
#[pyo3(signature = (url = "memory://", **options))]
pub(crate) fn connect<'py>(
    py: Python<'py>,
    url: &str,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let builder = config::builder(url, options)?;
    let runtime = runtime::handle()?;
    runtime::future_into_py(py, async move {
        let bus = builder.build().await?;
        Ok(PyBus::on(bus, runtime))
    })
}
