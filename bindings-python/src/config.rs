//! Connection options: the keyword arguments of `connect()` and `connect_sync()` become a
//! core `BusBuilder` (which checks them), and `tidings.RetryPolicy` mirrors the core's.
//! Durations are seconds, as Python's own APIs count them.

use crate::errors::error;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::time::Duration;
use tidings::{BusBuilder, ErrorKind};

/// Seconds as a `Duration`; a config error for negative, NaN or absurd values.
fn seconds(value: f64, what: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        error(
            ErrorKind::Config,
            format!("{what} must be a number of seconds >= 0, not {value}"),
        )
    })
}

/// How failed emits are retried: `attempts` tries in all (1 = no retry), waiting from `base`
/// seconds, doubling up to `cap` seconds, with jitter. Before a retry the stream is searched
/// for the event, so an emit never lands twice.
#[pyclass(frozen, module = "tidings", name = "RetryPolicy")]
pub(crate) struct PyRetryPolicy {
    pub(crate) policy: tidings::RetryPolicy,
}

#[pymethods]
impl PyRetryPolicy {
    #[new]
    #[pyo3(signature = (attempts = None, base = None, cap = None))]
    fn new(attempts: Option<u32>, base: Option<f64>, cap: Option<f64>) -> PyResult<PyRetryPolicy> {
        let default = tidings::RetryPolicy::default();
        let policy = tidings::RetryPolicy::new(
            attempts.unwrap_or(default.attempts),
            base.map(|b| seconds(b, "base"))
                .transpose()?
                .unwrap_or(default.base),
            cap.map(|c| seconds(c, "cap"))
                .transpose()?
                .unwrap_or(default.cap),
        );
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
    fn base(&self) -> f64 {
        self.policy.base.as_secs_f64()
    }

    /// The longest wait between two tries, in seconds.
    #[getter]
    fn cap(&self) -> f64 {
        self.policy.cap.as_secs_f64()
    }

    fn __repr__(&self) -> String {
        format!(
            "RetryPolicy(attempts={}, base={}, cap={})",
            self.attempts(),
            self.base(),
            self.cap()
        )
    }
}

/// Every keyword argument of `connect()`; `None` leaves the core's default.
pub(crate) struct ConnectOptions {
    pub namespace: Option<String>,
    pub source: Option<String>,
    pub retry: Option<tidings::RetryPolicy>,
    pub max_event_size: Option<usize>,
    pub connect_timeout: Option<f64>,
    pub response_timeout: Option<f64>,
    pub max_stream_len: Option<u64>,
    pub poll_interval: Option<f64>,
    pub discover_streams: Option<bool>,
    pub dead_letter_path: Option<PathBuf>,
    pub low_latency: Option<bool>,
}

impl ConnectOptions {
    /// The core builder for `url` with these options (the core checks them when it builds).
    pub(crate) fn builder(self, url: &str) -> PyResult<BusBuilder> {
        let mut builder = tidings::Bus::builder(url);
        if let Some(namespace) = self.namespace {
            builder = builder.namespace(namespace);
        }
        if let Some(source) = self.source {
            builder = builder.source(source);
        }
        if let Some(retry) = self.retry {
            builder = builder.retry(retry);
        }
        if let Some(bytes) = self.max_event_size {
            builder = builder.max_event_size(bytes);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(seconds(timeout, "connect_timeout")?);
        }
        if let Some(timeout) = self.response_timeout {
            builder = builder.response_timeout(seconds(timeout, "response_timeout")?);
        }
        if let Some(entries) = self.max_stream_len {
            builder = builder.max_stream_len(entries);
        }
        if let Some(interval) = self.poll_interval {
            // 0 turns polling off.
            let interval = seconds(interval, "poll_interval")?;
            builder = builder.poll_interval((!interval.is_zero()).then_some(interval));
        }
        if let Some(discover) = self.discover_streams {
            builder = builder.discover_streams(discover);
        }
        if let Some(path) = self.dead_letter_path {
            builder = builder.dead_letter_path(path);
        }
        if let Some(low_latency) = self.low_latency {
            builder = builder.low_latency(low_latency);
        }
        Ok(builder)
    }
}
