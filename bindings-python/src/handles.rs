//! The Python objects that hold a core bus, `Bus` and `SyncBus` (their methods are in `bus` and
//! `sync_bus`), and taking the core bus back out of either: each can be made from the other.

use crate::runtime::{self, EmitFuture, ProcessBound};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use tidings::bindings::EmitQueue;
use tokio::runtime::Handle;

/// A connection to the event bus for asyncio code. Methods that talk to the backend return
/// awaitables; `subscribe` and `events` return at once, already subscribed.
#[pyclass(frozen, subclass, module = "tidings", name = "Bus")]
pub(crate) struct PyBus {
    pub(crate) bus: ProcessBound<tidings::Bus>,
    /// Emits, sent in batches on the runtime's thread, each resolving its asyncio future.
    pub(crate) emits: ProcessBound<EmitQueue<EmitFuture>>,
}

impl PyBus {
    /// A `Bus` on `bus`, its emits sent on `runtime` (this process's).
    pub(crate) fn on(bus: tidings::Bus, runtime: Handle) -> PyBus {
        PyBus {
            emits: ProcessBound::new(EmitQueue::new(&bus, runtime)),
            bus: ProcessBound::new(bus),
        }
    }

    pub(crate) fn wrap(bus: tidings::Bus) -> PyResult<PyBus> {
        Ok(PyBus::on(bus, runtime::handle()?))
    }
}

/// A connection to the event bus for code without an event loop. Every method blocks until
/// done; it is safe to share one `SyncBus` between threads.
#[pyclass(frozen, subclass, module = "tidings", name = "SyncBus")]
pub(crate) struct PySyncBus {
    pub(crate) bus: ProcessBound<tidings::Bus>,
}

impl PySyncBus {
    pub(crate) fn wrap(bus: tidings::Bus) -> PySyncBus {
        PySyncBus {
            bus: ProcessBound::new(bus),
        }
    }
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
