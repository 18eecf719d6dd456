//! `tidings.Event`: one event as read back (or just emitted), a read-only view of the core's
//! `Event`. `data` and `metadata` become Python objects on first access, once; `to_dict()` and
//! `to_json()` use the core's own envelope encoding.

use crate::data;
use crate::errors::to_py_err;
use chrono::{DateTime, Datelike, Timelike, Utc};
use pyo3::basic::CompareOp;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDateTime, PyTzInfo};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use tidings::serde_json::{self, Value};
use tidings::Position;

/// One event: what happened (`type`), when (`time`), who said so (`source`), what about
/// (`subject`), the payload (`data`), free-form context (`metadata`), the schema `version`,
/// and where it sits in its stream (`position`, the cursor to resume from).
#[pyclass(frozen, module = "tidings", name = "Event")]
pub(crate) struct PyEvent {
    event: tidings::Event,
    data: PyOnceLock<Py<PyAny>>,
    metadata: PyOnceLock<Py<PyAny>>,
}

impl From<tidings::Event> for PyEvent {
    fn from(event: tidings::Event) -> PyEvent {
        PyEvent {
            event,
            data: PyOnceLock::new(),
            metadata: PyOnceLock::new(),
        }
    }
}

impl PyEvent {
    pub(crate) fn core(&self) -> &tidings::Event {
        &self.event
    }
}

#[pymethods]
impl PyEvent {
    /// Unique and time-ordered (a UUIDv7 for events tidings emits).
    #[getter]
    fn id(&self) -> &str {
        &self.event.id
    }

    /// The event type, such as `user.login`.
    #[getter(r#type)]
    fn event_type(&self) -> &str {
        &self.event.event_type
    }

    /// When it happened, by the emitter's clock: an aware datetime in UTC.
    #[getter]
    fn time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        let time = DateTime::<Utc>::from(self.event.time);
        let utc = PyTzInfo::utc(py)?;
        PyDateTime::new(
            py,
            time.year(),
            time.month() as u8,
            time.day() as u8,
            time.hour() as u8,
            time.minute() as u8,
            time.second() as u8,
            time.timestamp_subsec_micros().min(999_999),
            Some(&utc),
        )
    }

    /// Who emitted it (CloudEvents `source`).
    #[getter]
    fn source(&self) -> &str {
        &self.event.source
    }

    /// What it is about, when the emitter said (CloudEvents `subject`).
    #[getter]
    fn subject(&self) -> Option<&str> {
        self.event.subject.as_deref()
    }

    /// The payload as plain Python objects.
    #[getter]
    fn data(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.data
            .get_or_try_init(py, || Ok(data::to_python(py, &self.event.data)?.unbind()))
            .map(|data| data.clone_ref(py))
    }

    /// Free-form context (ip, user agent, trace ids) as a dict, or None.
    #[getter]
    fn metadata(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.metadata
            .get_or_try_init(py, || match &self.event.metadata {
                Some(map) => Ok(data::to_python(py, &Value::Object(map.clone()))?.unbind()),
                None => Ok(py.None()),
            })
            .map(|metadata| metadata.clone_ref(py))
    }

    /// The schema version of the data (`"1"` unless the emitter said).
    #[getter]
    fn version(&self) -> &str {
        &self.event.version
    }

    /// Where the event sits in its stream (`"<ms>-<seq>"`): pass it as `from_` to resume after
    /// it. None only for an envelope read without one.
    #[getter]
    fn position(&self) -> Option<String> {
        self.event.position.map(|p| p.to_string())
    }

    /// The resume token for the pattern a subscription or `history` delivered this event
    /// under: pass it as `from_` (or send it as an SSE `id`) to resume after exactly this event.
    /// Equal to `position` for an exact pattern; None for an envelope read on its own.
    #[getter]
    fn cursor(&self) -> Option<String> {
        self.event.cursor().map(|c| c.to_string())
    }

    /// The CloudEvents JSON envelope, with its `position`, as a dict (`time` as RFC 3339 text).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value: Value =
            serde_json::from_str(&self.event.to_json_with_position()).map_err(|err| {
                to_py_err(tidings::Error::new(
                    tidings::ErrorKind::Internal,
                    err.to_string(),
                ))
            })?;
        data::to_python(py, &value)
    }

    /// The CloudEvents JSON envelope, with its `position`, as text.
    fn to_json(&self) -> String {
        self.event.to_json_with_position()
    }

    fn __repr__(&self) -> String {
        format!(
            "Event(type={:?}, id={:?}, position={})",
            self.event.event_type,
            self.event.id,
            self.event
                .position
                .map_or("None".to_owned(), |p| format!("{:?}", p.to_string()))
        )
    }

    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> PyResult<Py<PyAny>> {
        let py = other.py();
        let Ok(other) = other.cast::<PyEvent>() else {
            return Ok(py.NotImplemented());
        };
        let equal = self.event == other.get().event;
        match op {
            CompareOp::Eq => Ok(equal.into_pyobject(py)?.to_owned().into_any().unbind()),
            CompareOp::Ne => Ok((!equal).into_pyobject(py)?.to_owned().into_any().unbind()),
            _ => Ok(py.NotImplemented()),
        }
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.event.id.hash(&mut hasher);
        self.event.position.hash(&mut hasher);
        hasher.finish()
    }
}

/// Reads an envelope as the core reads a stream entry (`Event::from_json`): CloudEvents JSON
/// or the legacy shape `{id, type, timestamp, data, metadata}`. For the shared test vectors and for tools that hold raw entries.
#[pyfunction]
#[pyo3(signature = (json, position = None))]
pub(crate) fn _decode_envelope(json: &str, position: Option<&str>) -> PyResult<PyEvent> {
    let position = position
        .map(str::parse::<Position>)
        .transpose()
        .map_err(to_py_err)?;
    tidings::Event::from_json(json, position)
        .map(PyEvent::from)
        .map_err(to_py_err)
}
