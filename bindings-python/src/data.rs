//! Event data between Python and JSON. Going out, data becomes JSON text, written by
//! `json_writer` for the builtin types and by Python's own JSON encoder for anything else, so
//! `data` accepts exactly what `json.dumps` accepts (minus NaN and infinities, which JSON has no
//! way to write); the text goes to the core as it is. Coming back, `pythonize` turns JSON values
//! into plain objects.

use crate::errors::{error, to_py_err};
use crate::json_writer::write_json;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use tidings::serde_json::{self, Map, Value};
use tidings::{ErrorKind, EventData};

/// `json.JSONEncoder(allow_nan=False, ensure_ascii=False, separators=(",", ":"))` (compact,
/// as the core writes JSON), made once.
fn encoder(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static ENCODER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    ENCODER
        .get_or_try_init(py, || {
            let kwargs = PyDict::new(py);
            kwargs.set_item("allow_nan", false)?;
            kwargs.set_item("ensure_ascii", false)?;
            kwargs.set_item("separators", (",", ":"))?;
            let encoder = py
                .import("json")?
                .getattr("JSONEncoder")?
                .call((), Some(&kwargs))?;
            PyResult::Ok(encoder.unbind())
        })
        .map(|encoder| encoder.bind(py))
}

/// A Python value as JSON text. A value `json.dumps` rejects raises its `TypeError`; NaN,
/// infinities and cycles raise `InvalidDataError`.
fn to_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = value.py();
    let text = match encoder(py)?.call_method1(pyo3::intern!(py, "encode"), (value,)) {
        Ok(text) => text,
        Err(err) if err.is_instance_of::<PyValueError>(py) => {
            return Err(error(
                ErrorKind::InvalidData,
                format!("data is not JSON: {}", err.value(py)),
            ))
        }
        Err(err) => return Err(err),
    };
    text.extract::<String>()
}

/// A Python value as JSON (see [`to_text`]).
pub(crate) fn to_json(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    serde_json::from_str(&to_text(value)?)
        .map_err(|err| error(ErrorKind::InvalidData, format!("data is not JSON: {err}")))
}

/// A Python value as event data: its JSON text, written by [`write_json`] for the builtin
/// types and by Python's encoder (see [`to_text`]) for anything else, checked by the core.
pub(crate) fn to_event_data(value: &Bound<'_, PyAny>) -> PyResult<EventData> {
    let mut text = Vec::with_capacity(128);
    let text = if write_json(value, &mut text) {
        String::from_utf8(text).expect("the writer writes UTF-8")
    } else {
        to_text(value)?
    };
    EventData::from_json(text).map_err(to_py_err)
}

/// A Python dict as a JSON object (metadata).
pub(crate) fn to_json_object(value: &Bound<'_, PyDict>) -> PyResult<Map<String, Value>> {
    match to_json(value.as_any())? {
        Value::Object(map) => Ok(map),
        _ => Err(error(
            ErrorKind::InvalidData,
            "metadata must encode as a JSON object",
        )),
    }
}

/// A JSON value as plain Python objects (dict, list, str, int, float, bool, None).
pub(crate) fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    pythonize::pythonize(py, value).map_err(PyErr::from)
}
