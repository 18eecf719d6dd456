//! The core's grammar for Python: check a type or a pattern, or ask whether a pattern selects
//! a type, exactly as emit, subscribe and history will.

use crate::errors::to_py_err;
use pyo3::prelude::*;

/// Raises `InvalidTypeError` unless `type` is a valid event type.
#[pyfunction]
pub(crate) fn validate_type(r#type: &str) -> PyResult<()> {
    tidings::validate_type(r#type).map_err(to_py_err)
}

/// Raises `InvalidPatternError` unless `pattern` is a valid pattern.
#[pyfunction]
pub(crate) fn validate_pattern(pattern: &str) -> PyResult<()> {
    tidings::Pattern::new(pattern).map(drop).map_err(to_py_err)
}

/// True when `pattern` selects `type` (`*` matches any run of characters, dots included).
#[pyfunction]
pub(crate) fn pattern_matches(pattern: &str, r#type: &str) -> PyResult<bool> {
    let pattern = tidings::Pattern::new(pattern).map_err(to_py_err)?;
    Ok(pattern.matches(r#type))
}
