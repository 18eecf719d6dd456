//! `tidings.Bus`, the asyncio face of the core bus, and `tidings.connect()`. Each method
//! converts its arguments, hands the core's future to `runtime::future_into_py`, and returns
//! the asyncio future. The argument conversions here are shared with `SyncBus`.

use crate::config::{ConnectOptions, PyRetryPolicy};
use crate::data;
use crate::event::PyEvent;
use crate::history;
use crate::position;
use crate::runtime::{self, ProcessBound};
use crate::subscription::{Inbox, PySubscription};
use crate::sync_bus::PySyncBus;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};
use std::path::PathBuf;
use std::sync::Arc;
use tidings::serde_json::Value;
use tidings::{EmitOptions, EmitRequest, EventData, SubscribeOptions};

/// One emit's arguments as a core request.
pub(crate) fn emit_request(
    event_type: String,
    data: EventData,
    subject: Option<String>,
    metadata: Option<&Bound<'_, PyDict>>,
    version: Option<String>,
) -> PyResult<EmitRequest> {
    let mut options = EmitOptions::new();
    if let Some(subject) = subject {
        options = options.subject(subject);
    }
    if let Some(metadata) = metadata {
        options = options.metadata(data::to_json_object(metadata)?);
    }
    if let Some(version) = version {
        options = options.version(version);
    }
    Ok(EmitRequest::new(event_type, data).options(options))
}

/// The data argument of an emit: None when absent.
pub(crate) fn emit_data(value: Option<&Bound<'_, PyAny>>) -> PyResult<EventData> {
    value.map_or(Ok(EventData::Value(Value::Null)), data::to_event_data)
}

const EMIT_MANY_KEYS: [&str; 5] = ["type", "data", "subject", "metadata", "version"];

/// The items of `emit_many`: `(type, data)` tuples or dicts with `type`, `data` and optional
/// `subject`, `metadata`, `version`. Every item is checked before any data is encoded.
pub(crate) fn emit_many_requests(items: &Bound<'_, PyAny>) -> PyResult<Vec<EmitRequest>> {
    let py = items.py();
    let wrong = |index: usize, why: &str| {
        PyTypeError::new_err(format!(
            "emit_many item {index}: {why}; expected a (type, data) tuple or a dict with \
             'type' and 'data' (and optionally 'subject', 'metadata', 'version')"
        ))
    };
    let mut parts = Vec::new();
    let mut datas = Vec::new();
    for (index, item) in items.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(dict) = item.cast::<PyDict>() {
            for key in dict.keys() {
                let known = key
                    .extract::<String>()
                    .is_ok_and(|key| EMIT_MANY_KEYS.contains(&key.as_str()));
                if !known {
                    return Err(wrong(index, &format!("unknown key {}", key.repr()?)));
                }
            }
            let field = |name: &str| dict.get_item(name);
            let event_type = field("type")?
                .ok_or_else(|| wrong(index, "no 'type'"))?
                .extract::<String>()
                .map_err(|_| wrong(index, "'type' is not a str"))?;
            datas.push(field("data")?.unwrap_or_else(|| py.None().into_bound(py)));
            let text = |name: &str| -> PyResult<Option<String>> {
                match field(name)? {
                    Some(value) if !value.is_none() => value
                        .extract::<String>()
                        .map(Some)
                        .map_err(|_| wrong(index, &format!("'{name}' is not a str"))),
                    _ => Ok(None),
                }
            };
            let metadata = match field("metadata")? {
                Some(value) if !value.is_none() => Some(
                    value
                        .cast_into::<PyDict>()
                        .map_err(|_| wrong(index, "'metadata' is not a dict"))?,
                ),
                _ => None,
            };
            parts.push((event_type, text("subject")?, metadata, text("version")?));
        } else if let Ok(pair) = item.cast::<PyTuple>() {
            if pair.len() != 2 {
                return Err(wrong(index, "a tuple of the wrong length"));
            }
            let event_type = pair
                .get_item(0)?
                .extract::<String>()
                .map_err(|_| wrong(index, "the type is not a str"))?;
            datas.push(pair.get_item(1)?);
            parts.push((event_type, None, None, None));
        } else {
            return Err(wrong(index, "not a tuple or dict"));
        }
    }
    let datas = datas
        .iter()
        .map(data::to_event_data)
        .collect::<PyResult<Vec<_>>>()?;
    parts
        .into_iter()
        .zip(datas)
        .map(|((event_type, subject, metadata, version), data)| {
            emit_request(event_type, data, subject, metadata.as_ref(), version)
        })
        .collect()
}

/// Establishes a subscription (waiting for it with the GIL released), so that every event
/// emitted after this returns is delivered.
pub(crate) fn open_inbox(
    py: Python<'_>,
    bus: &tidings::Bus,
    pattern: &str,
    from: Option<&Bound<'_, PyAny>>,
) -> PyResult<Arc<Inbox>> {
    let options = SubscribeOptions::new().from(position::start(from)?);
    let (core, pattern) = (bus.clone(), pattern.to_owned());
    let subscription =
        runtime::wait_for(
            py,
            async move { core.subscribe_with(&pattern, options).await },
        )?;
    Inbox::open(bus.clone(), subscription)
}

/// The core bus behind a `Bus` or a `SyncBus`.
pub(crate) fn core_of(value: &Bound<'_, PyAny>) -> PyResult<tidings::Bus> {
    if let Ok(bus) = value.cast::<PyBus>() {
        return Ok(bus.get().bus.get()?.clone());
    }
    if let Ok(bus) = value.cast::<PySyncBus>() {
        return Ok(bus.get().bus.get()?.clone());
    }
    Err(PyTypeError::new_err(
        "expected a tidings.Bus or tidings.SyncBus",
    ))
}

/// A connection to the event bus for asyncio code. Methods that talk to the backend return
/// awaitables; `subscribe` and `events` return at once, already subscribed.
#[pyclass(frozen, subclass, module = "tidings", name = "Bus")]
pub(crate) struct PyBus {
    pub(crate) bus: ProcessBound<tidings::Bus>,
}

impl PyBus {
    pub(crate) fn wrap(bus: tidings::Bus) -> PyBus {
        PyBus {
            bus: ProcessBound::new(bus),
        }
    }
}

#[pymethods]
impl PyBus {
    /// Another handle on the connection of `bus` (a `Bus` or `SyncBus`), for subclasses.
    #[new]
    fn new(bus: &Bound<'_, PyAny>) -> PyResult<PyBus> {
        Ok(PyBus::wrap(core_of(bus)?))
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
        let bus = self.bus.get()?.clone();
        let request = emit_request(r#type, emit_data(data)?, subject, metadata, version)?;
        runtime::future_into_py(py, async move {
            bus.emit_with(&request.event_type, request.data, request.options)
                .await
        })
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
#[pyo3(signature = (url = "memory://", *, namespace = None, source = None, retry = None,
    max_event_size = None, connect_timeout = None, response_timeout = None,
    max_stream_len = None, poll_interval = None, discover_streams = None,
    dead_letter_path = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn connect<'py>(
    py: Python<'py>,
    url: &str,
    namespace: Option<String>,
    source: Option<String>,
    retry: Option<PyRef<'py, PyRetryPolicy>>,
    max_event_size: Option<usize>,
    connect_timeout: Option<f64>,
    response_timeout: Option<f64>,
    max_stream_len: Option<u64>,
    poll_interval: Option<f64>,
    discover_streams: Option<bool>,
    dead_letter_path: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let builder = ConnectOptions {
        namespace,
        source,
        retry: retry.map(|r| r.policy),
        max_event_size,
        connect_timeout,
        response_timeout,
        max_stream_len,
        poll_interval,
        discover_streams,
        dead_letter_path,
    }
    .builder(url)?;
    runtime::future_into_py(py, async move { builder.build().await.map(PyBus::wrap) })
}
