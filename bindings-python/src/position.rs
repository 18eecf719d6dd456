//! Where a subscription starts (`from_`) and where history ends (`since`, `until`), from the
//! Python values users pass: the strings the core parses ("start", "live", a position such as
//! "1723890600125-0"), a datetime, or milliseconds since the epoch.

use crate::errors::{error, to_py_err};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDateTime, PyInt, PyString};
use tidings::{Bound as HistoryBound, ErrorKind, Start};

/// A point in time as milliseconds since the epoch, when `value` is one: a datetime (naive
/// ones are local time, as in `datetime.timestamp()`) or an int of milliseconds.
fn millis(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Option<u64>> {
    if value.is_instance_of::<PyDateTime>() {
        let seconds: f64 = value.call_method0("timestamp")?.extract()?;
        // Whole microseconds first (exact for any datetime), then down to the millisecond.
        let micros = (seconds * 1_000_000.0).round();
        if micros.is_nan() || micros < 0.0 {
            return Err(error(
                ErrorKind::Config,
                format!("{what} must not be before 1970"),
            ));
        }
        return Ok(Some(micros as u64 / 1000));
    }
    if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
        let millis: i128 = value.extract()?;
        let millis = u64::try_from(millis).map_err(|_| {
            error(
                ErrorKind::Config,
                format!("{what} in milliseconds since the epoch must be between 0 and 2**64-1"),
            )
        })?;
        return Ok(Some(millis));
    }
    Ok(None)
}

fn wrong_type(what: &str, accepted: &str, value: &Bound<'_, PyAny>) -> PyErr {
    let type_name = value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |name| name.to_string());
    PyTypeError::new_err(format!("{what} must be {accepted}, not {type_name}"))
}

/// `from_`: None (live), "start", "live", a position string, a datetime, or milliseconds.
pub(crate) fn start(value: Option<&Bound<'_, PyAny>>) -> PyResult<Start> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Start::Live);
    };
    if let Ok(text) = value.cast::<PyString>() {
        return Start::parse(&text.to_cow()?).map_err(to_py_err);
    }
    match millis(value, "from_")? {
        Some(ms) => Ok(Start::from_millis(ms)),
        None => Err(wrong_type(
            "from_",
            "'start', 'live', a position string, a datetime or milliseconds since the epoch",
            value,
        )),
    }
}

/// `since` or `until`: None, a position string, a datetime, or milliseconds.
pub(crate) fn bound(
    value: Option<&Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<HistoryBound>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    if let Ok(text) = value.cast::<PyString>() {
        return HistoryBound::parse(&text.to_cow()?)
            .map(Some)
            .map_err(to_py_err);
    }
    match millis(value, what)? {
        Some(ms) => Ok(Some(HistoryBound::from_millis(ms))),
        None => Err(wrong_type(
            what,
            "a position string, a datetime or milliseconds since the epoch",
            value,
        )),
    }
}
