//! Connection options: the keyword arguments of `connect()` and `connect_sync()` go one by one
//! to the core's options schema (`tidings::bindings::ConnectOptions`, Python style: durations in
//! seconds), which knows every option, converts it and refuses what it does not know.
//! `tidings.RetryPolicy` is the schema's `retry` option as an object.

use crate::errors::to_py_err;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use tidings::bindings::{ConnectOptions, Style};
use tidings::serde_json::{json, Map, Value};
use tidings::BusBuilder;

/// How failed emits are retried: `attempts` tries in all (1 = no retry), waiting from
/// `base_delay` seconds, doubling up to `max_delay` seconds, with jitter, for at most `budget`
/// seconds in all (0: no limit but the attempts). Before a retry the stream is searched for the
/// event, so an emit never lands twice.
#[pyclass(frozen, module = "tidings", name = "RetryPolicy")]
pub(crate) struct PyRetryPolicy {
    policy: tidings::RetryPolicy,
}

impl PyRetryPolicy {
    /// The policy as the schema's `retry` option (seconds).
    fn to_option(&self) -> Value {
        let policy = &self.policy;
        json!({
            "attempts": policy.attempts,
            "base_delay": policy.base.as_secs_f64(),
            "max_delay": policy.cap.as_secs_f64(),
            "budget": policy.budget.map_or(0.0, |budget| budget.as_secs_f64()),
        })
    }
}

#[pymethods]
impl PyRetryPolicy {
    #[new]
    #[pyo3(signature = (attempts = None, base_delay = None, max_delay = None, budget = None))]
    fn new(
        attempts: Option<&Bound<'_, PyAny>>,
        base_delay: Option<&Bound<'_, PyAny>>,
        max_delay: Option<&Bound<'_, PyAny>>,
        budget: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRetryPolicy> {
        let mut fields = Map::new();
        let given = [
            ("attempts", attempts),
            ("base_delay", base_delay),
            ("max_delay", max_delay),
            ("budget", budget),
        ];
        for (name, value) in given {
            if let Some(value) = value.filter(|value| !value.is_none()) {
                fields.insert(name.to_owned(), option_value(value)?);
            }
        }
        let policy = ConnectOptions::retry_policy(Style::Python, fields).map_err(to_py_err)?;
        Ok(PyRetryPolicy { policy })
    }

    /// One try, no retry.
    #[staticmethod]
    fn none() -> PyRetryPolicy {
        PyRetryPolicy {
            policy: tidings::RetryPolicy::none(),
        }
    }

    /// Tries in all, the first included.
    #[getter]
    fn attempts(&self) -> u32 {
        self.policy.attempts
    }

    /// The wait before the first retry, in seconds.
    #[getter]
    fn base_delay(&self) -> f64 {
        self.policy.base.as_secs_f64()
    }

    /// The longest wait between two tries, in seconds.
    #[getter]
    fn max_delay(&self) -> f64 {
        self.policy.cap.as_secs_f64()
    }

    /// How long an emit may keep retrying, in seconds (None: no limit but the attempts).
    #[getter]
    fn budget(&self) -> Option<f64> {
        self.policy.budget.map(|budget| budget.as_secs_f64())
    }

    fn __repr__(&self) -> String {
        format!(
            "RetryPolicy(attempts={}, base_delay={}, max_delay={}, budget={})",
            self.attempts(),
            self.base_delay(),
            self.max_delay(),
            self.budget().unwrap_or(0.0)
        )
    }
}

/// A keyword argument's value as the schema reads it: a `RetryPolicy` as its fields, a path as
/// its text (`os.fspath`), anything else as JSON (a value of the wrong kind is the core's to
/// refuse, naming the option).
fn option_value(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    static FSPATH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = value.py();
    if let Ok(policy) = value.cast::<PyRetryPolicy>() {
        return Ok(policy.get().to_option());
    }
    if let Ok(fields) = value.cast::<PyDict>() {
        let mut object = Map::new();
        for (name, value) in fields.iter() {
            if !value.is_none() {
                object.insert(name.str()?.to_string(), option_value(&value)?);
            }
        }
        return Ok(Value::Object(object));
    }
    if value.hasattr(pyo3::intern!(py, "__fspath__"))? {
        let path = FSPATH.import(py, "os", "fspath")?.call1((value,))?;
        return option_value(&path);
    }
    pythonize::depythonize(value).map_err(PyErr::from)
}

/// The core builder for `url` with the keyword arguments of `connect()`; `None` leaves an
/// option's default.
pub(crate) fn builder(url: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<BusBuilder> {
    let mut connect = ConnectOptions::new(Style::Python);
    for (name, value) in options.into_iter().flat_map(|options| options.iter()) {
        if value.is_none() {
            continue;
        }
        let name = name.str()?.to_string();
        connect
            .set(&name, option_value(&value)?)
            .map_err(to_py_err)?;
    }
    Ok(connect.into_builder(url))
}

/// The names `connect()` takes, from the core's schema (for tests and tools).
#[pyfunction]
pub(crate) fn _connect_option_names() -> Vec<String> {
    tidings::bindings::CONNECT_OPTIONS
        .iter()
        .map(|spec| tidings::bindings::host_name(spec, Style::Python))
        .collect()
}
