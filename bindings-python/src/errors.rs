//! The one place core errors become Python exceptions: `tidings.TidingsError` and one subclass
//! per core `ErrorKind`, each carrying the kind's stable `code` and `name`. Input errors are
//! also `ValueError`s, connection errors `ConnectionError`s and timeouts `TimeoutError`s, so
//! code that catches the builtins keeps working.

use pyo3::exceptions::{PyConnectionError, PyException, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::PyTypeInfo;
use tidings::ErrorKind;

/// The class of each kind: (kind, class name, builtin it also extends, docstring).
const CLASSES: [(ErrorKind, &str, Builtin, &str); 10] = [
    (
        ErrorKind::InvalidType,
        "InvalidTypeError",
        Builtin::Value,
        "An event type that breaks the grammar (segments of [A-Za-z0-9_-] joined by '.').",
    ),
    (
        ErrorKind::InvalidPattern,
        "InvalidPatternError",
        Builtin::Value,
        "A subscription or history pattern that breaks the grammar.",
    ),
    (
        ErrorKind::InvalidData,
        "InvalidDataError",
        Builtin::Value,
        "Data that is not JSON (NaN, a cycle), an event over the size limit, an unreadable envelope.",
    ),
    (
        ErrorKind::Connection,
        "ConnectionError",
        Builtin::Connection,
        "The backend could not be reached, or the connection dropped.",
    ),
    (
        ErrorKind::Timeout,
        "TimeoutError",
        Builtin::Timeout,
        "The backend did not answer in time.",
    ),
    (
        ErrorKind::Closed,
        "ClosedError",
        Builtin::None,
        "The bus or subscription was closed (or was made before fork() in a parent process).",
    ),
    (
        ErrorKind::Backend,
        "BackendError",
        Builtin::None,
        "Redis answered with an error.",
    ),
    (
        ErrorKind::Config,
        "ConfigError",
        Builtin::Value,
        "A bad URL, option or position string.",
    ),
    (
        ErrorKind::Internal,
        "InternalError",
        Builtin::None,
        "A bug in tidings.",
    ),
    (
        ErrorKind::Trimmed,
        "TrimmedError",
        Builtin::None,
        "Events a subscription was owed were trimmed from their streams before it read them. \
         Raised by the subscription in their place; iterating again goes on from the oldest \
         event kept.",
    ),
];

#[derive(Clone, Copy)]
enum Builtin {
    None,
    Value,
    Connection,
    Timeout,
}

/// `TidingsError` first, then the classes in the order of [`CLASSES`].
static TYPES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

fn types(py: Python<'_>) -> PyResult<&Vec<Py<PyType>>> {
    TYPES.get_or_try_init(py, || {
        let make = |name: &str, bases: Bound<'_, PyTuple>, doc: &str, kind: Option<ErrorKind>| {
            let namespace = PyDict::new(py);
            namespace.set_item("__module__", "tidings")?;
            namespace.set_item("__doc__", doc)?;
            if let Some(kind) = kind {
                namespace.set_item("code", kind.code())?;
                namespace.set_item("name", kind.name())?;
            }
            let class = py
                .get_type::<PyType>()
                .call1((name, bases, namespace))?
                .cast_into::<PyType>()?;
            PyResult::Ok(class.unbind())
        };
        let base = make(
            "TidingsError",
            PyTuple::new(py, [PyException::type_object(py)])?,
            "Base class of every tidings error. Subclasses carry `code` and `name`: the core's \
             stable error code and name (e.g. 3, 'TIDINGS_INVALID_DATA').",
            None,
        )?;
        let mut all = vec![base.clone_ref(py)];
        for (kind, name, builtin, doc) in CLASSES {
            let mut bases = vec![base.bind(py).clone()];
            match builtin {
                Builtin::None => {}
                Builtin::Value => bases.push(PyValueError::type_object(py)),
                Builtin::Connection => bases.push(PyConnectionError::type_object(py)),
                Builtin::Timeout => bases.push(PyTimeoutError::type_object(py)),
            }
            all.push(make(name, PyTuple::new(py, bases)?, doc, Some(kind))?);
        }
        Ok(all)
    })
}

/// Adds `TidingsError` and its subclasses to the module.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    for class in types(py)? {
        let class = class.bind(py);
        module.add(class.name()?, class)?;
    }
    Ok(())
}

/// The Python exception of a core error.
pub(crate) fn to_py_err(err: tidings::Error) -> PyErr {
    Python::attach(|py| {
        let types = match types(py) {
            Ok(types) => types,
            Err(failed) => return failed,
        };
        let index = CLASSES
            .iter()
            .position(|(kind, ..)| *kind == err.kind())
            .or_else(|| {
                CLASSES
                    .iter()
                    .position(|(kind, ..)| *kind == ErrorKind::Internal)
            })
            .map_or(0, |i| i + 1);
        match types[index].bind(py).call1((err.message(),)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(failed) => failed,
        }
    })
}

/// A core error of `kind`, as a Python exception.
pub(crate) fn error(kind: ErrorKind, message: impl Into<String>) -> PyErr {
    to_py_err(tidings::Error::new(kind, message))
}
