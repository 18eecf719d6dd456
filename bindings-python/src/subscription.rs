//! Subscriptions for Python: `Subscription` (an async iterator) and `SyncSubscription` (a
//! blocking iterator) over one [`Inbox`]. A tokio task reads the core subscription ahead into
//! the inbox; Python takes events out only when it resumes, so a cancelled `await` or a Ctrl-C
//! never loses one, and an event that is already there costs no trip through the event loop.

use crate::errors;
use crate::event::PyEvent;
use crate::runtime::{self, LoopPort, ProcessBound};
use pyo3::exceptions::{PyStopAsyncIteration, PyStopIteration};
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How many events are read ahead before the reader waits for Python to catch up.
const READ_AHEAD: usize = 4096;

/// The events of one subscription on their way to Python.
pub(crate) struct Inbox {
    bus: tidings::Bus,
    pattern: String,
    /// The core subscription; `None` once it has ended (dropping it unsubscribes).
    core: tokio::sync::Mutex<Option<tidings::Subscription>>,
    state: Mutex<InboxState>,
    /// Signalled when events arrive or the subscription ends (sync readers wait on it).
    arrived: Condvar,
    /// Interrupts the reader when the subscription is closed.
    closing: Notify,
}

#[derive(Default)]
struct InboxState {
    /// Events, and a `Trimmed` error in its place in the order.
    pending: VecDeque<tidings::Result<tidings::Event>>,
    /// True while a reader task runs.
    reading: bool,
    /// True once no event will ever arrive (closed, or the bus closed).
    ended: bool,
    /// True once `close()` was called.
    closed: bool,
    /// asyncio futures to resolve when events arrive or the subscription ends.
    waiters: Vec<(Arc<LoopPort>, Py<PyAny>)>,
}

/// What a reader took out of the inbox.
enum Taken {
    Events(Vec<tidings::Event>),
    /// Events it was owed were trimmed away; raised in their place.
    Trimmed(tidings::Error),
    Ended,
    Nothing,
}

impl Inbox {
    /// Wraps an established core subscription and starts reading it.
    pub(crate) fn open(
        bus: tidings::Bus,
        subscription: tidings::Subscription,
    ) -> PyResult<Arc<Inbox>> {
        let inbox = Arc::new(Inbox {
            bus,
            pattern: subscription.pattern().to_owned(),
            core: tokio::sync::Mutex::new(Some(subscription)),
            state: Mutex::new(InboxState::default()),
            arrived: Condvar::new(),
            closing: Notify::new(),
        });
        inbox.read_ahead()?;
        Ok(inbox)
    }

    fn state(&self) -> MutexGuard<'_, InboxState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a reader task unless one runs, the subscription ended, or enough is buffered.
    fn read_ahead(self: &Arc<Self>) -> PyResult<()> {
        {
            let mut state = self.state();
            if state.reading || state.ended || state.pending.len() >= READ_AHEAD {
                return Ok(());
            }
            state.reading = true;
        }
        if let Err(err) = runtime::spawn(self.clone().read()) {
            self.state().reading = false;
            return Err(err);
        }
        Ok(())
    }

    async fn read(self: Arc<Self>) {
        let mut core = self.core.lock().await;
        loop {
            let batch = match core.as_mut() {
                Some(subscription) if !self.state().ended => tokio::select! {
                    batch = subscription.next_batch() => batch,
                    _ = self.closing.notified() => None,
                },
                _ => None,
            };
            if batch.is_none() {
                *core = None;
            }
            let (waiters, again) = {
                let mut state = self.state();
                match batch {
                    Some(Ok(events)) => state.pending.extend(events.into_iter().map(Ok)),
                    Some(Err(trimmed)) => state.pending.push_back(Err(trimmed)),
                    None => state.ended = true,
                }
                let again = !state.ended && state.pending.len() < READ_AHEAD;
                state.reading = again;
                (std::mem::take(&mut state.waiters), again)
            };
            self.arrived.notify_all();
            for (port, waiter) in waiters {
                port.complete(Box::new(move |py| runtime::resolve_waiter(waiter.bind(py))));
            }
            if !again {
                return;
            }
        }
    }

    /// Takes one event, or every pending one.
    fn take(self: &Arc<Self>, all: bool) -> PyResult<Taken> {
        let taken = {
            let mut state = self.state();
            if state.pending.is_empty() {
                return Ok(if state.ended {
                    Taken::Ended
                } else {
                    Taken::Nothing
                });
            }
            if let Some(Err(_)) = state.pending.front() {
                match state.pending.pop_front() {
                    Some(Err(trimmed)) => Taken::Trimmed(trimmed),
                    _ => unreachable!("an error is at the front"),
                }
            } else {
                // Events up to the next error (or one event): the error comes on the next take.
                let mut events = Vec::new();
                while let Some(Ok(_)) = state.pending.front() {
                    if !all && !events.is_empty() {
                        break;
                    }
                    if let Some(Ok(event)) = state.pending.pop_front() {
                        events.push(event);
                    }
                }
                Taken::Events(events)
            }
        };
        self.read_ahead()?;
        Ok(taken)
    }

    /// Registers an asyncio future to resolve on the next arrival; false when events (or
    /// the end) are already there, so the caller should look again instead of waiting.
    /// Waiters that are done (cancelled, timed out) are dropped on the way, so an idle
    /// subscription polled with timeouts does not pile them up.
    fn park(&self, py: Python<'_>, port: Arc<LoopPort>, waiter: Py<PyAny>) -> PyResult<bool> {
        // Look at the old waiters without the lock: `done()` is a Python call.
        let mut kept = std::mem::take(&mut self.state().waiters);
        let mut live = Vec::with_capacity(kept.len() + 1);
        for (owner, old) in kept.drain(..) {
            if !old
                .bind(py)
                .call_method0(pyo3::intern!(py, "done"))?
                .is_truthy()?
            {
                live.push((owner, old));
            }
        }
        let mut state = self.state();
        live.append(&mut state.waiters);
        if !state.pending.is_empty() || state.ended {
            drop(state);
            // Something is there: wake the others (on their own loops) and look again.
            for (owner, old) in live {
                owner.complete(Box::new(move |py| runtime::resolve_waiter(old.bind(py))));
            }
            return Ok(false);
        }
        live.push((port, waiter));
        state.waiters = live;
        Ok(true)
    }

    /// Ends the subscription: readers see the end, the core subscription is dropped.
    fn close(self: &Arc<Self>) {
        let waiters = {
            let mut state = self.state();
            state.ended = true;
            state.closed = true;
            state.pending.clear();
            std::mem::take(&mut state.waiters)
        };
        self.closing.notify_one();
        self.arrived.notify_all();
        for (port, waiter) in waiters {
            port.complete(Box::new(move |py| runtime::resolve_waiter(waiter.bind(py))));
        }
        let inbox = self.clone();
        let _ = runtime::spawn(async move {
            *inbox.core.lock().await = None;
        });
    }

    fn is_closed(&self) -> bool {
        self.state().closed
    }

    /// Waits, with the GIL released and Ctrl-C answered, until something can be taken or
    /// `timeout` passes (then `Taken::Nothing`).
    fn take_blocking(
        self: &Arc<Self>,
        py: Python<'_>,
        all: bool,
        timeout: Option<Duration>,
    ) -> PyResult<Taken> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let taken = runtime::wait_until(
            py,
            deadline,
            || match self.take(all)? {
                Taken::Nothing => Ok(None),
                taken => Ok(Some(taken)),
            },
            |slice| {
                let state = self.state();
                if state.pending.is_empty() && !state.ended {
                    let _ = self.arrived.wait_timeout(state, slice);
                }
            },
        )?;
        Ok(taken.unwrap_or(Taken::Nothing))
    }

    fn report_handler_error(&self, event: &PyEvent) {
        tidings::bindings::report_handler_error(&self.bus, &event.core().event_type);
    }
}

fn events_list(py: Python<'_>, events: Vec<tidings::Event>) -> PyResult<Bound<'_, PyList>> {
    PyList::new(py, events.into_iter().map(PyEvent::from))
}

fn timeout(seconds: Option<f64>) -> PyResult<Option<Duration>> {
    seconds
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "timeout must be a number of seconds >= 0, not {s}"
                ))
            })
        })
        .transpose()
}

/// What a `Receive` resolves to.
#[derive(Clone, Copy)]
enum Want {
    /// One event; the end of the subscription raises `StopAsyncIteration`.
    Next,
    /// Every pending event (at least one); `[]` after the timeout; `None` at the end.
    Batch,
}

/// The awaitable of `Subscription.__anext__` and `Subscription.next_batch`. Each time the
/// awaiting task resumes it looks in the inbox; while empty it yields an asyncio future that
/// the reader resolves when events arrive.
#[pyclass(frozen, module = "tidings")]
struct Receive {
    inbox: Arc<Inbox>,
    want: Want,
    deadline: Option<Instant>,
}

#[pymethods]
impl Receive {
    fn __await__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let all = matches!(self.want, Want::Batch);
        match self.inbox.take(all)? {
            Taken::Events(events) => {
                let value = match self.want {
                    Want::Next => PyEvent::from(events.into_iter().next().expect("one event"))
                        .into_pyobject(py)?
                        .into_any(),
                    Want::Batch => events_list(py, events)?.into_any(),
                };
                return Err(PyStopIteration::new_err((value.unbind(),)));
            }
            Taken::Trimmed(trimmed) => return Err(errors::to_py_err(trimmed)),
            Taken::Ended => {
                return Err(match self.want {
                    Want::Next => PyStopAsyncIteration::new_err(()),
                    Want::Batch => PyStopIteration::new_err((py.None(),)),
                })
            }
            Taken::Nothing => {}
        }
        let left = self
            .deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()));
        if left.is_some_and(|left| left.is_zero()) {
            return Err(PyStopIteration::new_err((PyList::empty(py).unbind(),)));
        }
        let (port, waiter) = runtime::new_waiter(py)?;
        if self.inbox.park(py, port.clone(), waiter.clone().unbind())? {
            self.inbox.read_ahead()?;
            if let Some(left) = left {
                runtime::resolve_after(port, &waiter, left)?;
            }
        } else {
            // Something arrived meanwhile: yield a done future, and look again on resume.
            runtime::resolve_waiter(&waiter)?;
        }
        Ok(waiter.unbind())
    }
}

/// The live (or replaying) events of a pattern, as an async iterator:
/// `async for event in bus.events("user.*"): ...`. Close it (or use `async with`) when done.
#[pyclass(frozen, module = "tidings", name = "Subscription")]
pub(crate) struct PySubscription {
    inbox: ProcessBound<Arc<Inbox>>,
}

impl PySubscription {
    pub(crate) fn new(inbox: Arc<Inbox>) -> PySubscription {
        PySubscription {
            inbox: ProcessBound::new(inbox),
        }
    }
}

#[pymethods]
impl PySubscription {
    /// The pattern subscribed to.
    #[getter]
    fn pattern(&self) -> PyResult<String> {
        Ok(self.inbox.get()?.pattern.clone())
    }

    /// True once `close()` was called (iteration also ends when the bus closes).
    #[getter]
    fn closed(&self) -> PyResult<bool> {
        Ok(self.inbox.get()?.is_closed())
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__(&self) -> PyResult<Receive> {
        Ok(Receive {
            inbox: self.inbox.get()?.clone(),
            want: Want::Next,
            deadline: None,
        })
    }

    /// Awaits the next events: every one already delivered (at least one), `[]` once
    /// `timeout` seconds pass without any, or None once the subscription has ended.
    #[pyo3(signature = (timeout = None))]
    fn next_batch(&self, timeout: Option<f64>) -> PyResult<Receive> {
        Ok(Receive {
            inbox: self.inbox.get()?.clone(),
            want: Want::Batch,
            deadline: self::timeout(timeout)?.map(|t| Instant::now() + t),
        })
    }

    /// Unsubscribes; iteration ends. Events not taken yet are dropped.
    fn close(&self) -> PyResult<()> {
        self.inbox.get()?.close();
        Ok(())
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        runtime::resolved(slf.py(), slf.into_any())
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _args: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close()?;
        runtime::resolved(py, py.None().into_bound(py))
    }

    /// Counts a callback that raised on `event` (in `bus.metrics()`, `handler_errors`).
    fn _report_handler_error(&self, event: PyRef<'_, PyEvent>) -> PyResult<()> {
        self.inbox.get()?.report_handler_error(&event);
        Ok(())
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("Subscription(pattern={:?})", self.pattern()?))
    }
}

impl Drop for PySubscription {
    fn drop(&mut self) {
        if let Some(inbox) = self.inbox.local() {
            inbox.close();
        }
    }
}

/// The events of a pattern as a blocking iterator: `for event in bus.events("user.*"): ...`.
/// Thread-safe; Ctrl-C interrupts a wait without losing an event.
#[pyclass(frozen, module = "tidings", name = "SyncSubscription")]
pub(crate) struct PySyncSubscription {
    inbox: ProcessBound<Arc<Inbox>>,
}

impl PySyncSubscription {
    pub(crate) fn new(inbox: Arc<Inbox>) -> PySyncSubscription {
        PySyncSubscription {
            inbox: ProcessBound::new(inbox),
        }
    }
}

#[pymethods]
impl PySyncSubscription {
    /// The pattern subscribed to.
    #[getter]
    fn pattern(&self) -> PyResult<String> {
        Ok(self.inbox.get()?.pattern.clone())
    }

    /// True once `close()` was called (iteration also ends when the bus closes).
    #[getter]
    fn closed(&self) -> PyResult<bool> {
        Ok(self.inbox.get()?.is_closed())
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyEvent>> {
        match self.inbox.get()?.take_blocking(py, false, None)? {
            Taken::Events(events) => Ok(events.into_iter().next().map(PyEvent::from)),
            Taken::Trimmed(trimmed) => Err(errors::to_py_err(trimmed)),
            Taken::Ended | Taken::Nothing => Ok(None),
        }
    }

    /// Waits for the next events: every one already delivered (at least one), `[]` once
    /// `timeout` seconds pass without any, or None once the subscription has ended.
    #[pyo3(signature = (timeout = None))]
    fn next_batch<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyList>>> {
        match self
            .inbox
            .get()?
            .take_blocking(py, true, self::timeout(timeout)?)?
        {
            Taken::Events(events) => Ok(Some(events_list(py, events)?)),
            Taken::Trimmed(trimmed) => Err(errors::to_py_err(trimmed)),
            Taken::Nothing => Ok(Some(PyList::empty(py))),
            Taken::Ended => Ok(None),
        }
    }

    /// Unsubscribes; iteration ends. Events not taken yet are dropped.
    fn close(&self) -> PyResult<()> {
        self.inbox.get()?.close();
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        self.close()
    }

    /// Counts a callback that raised on `event` (in `bus.metrics()`, `handler_errors`).
    fn _report_handler_error(&self, event: PyRef<'_, PyEvent>) -> PyResult<()> {
        self.inbox.get()?.report_handler_error(&event);
        Ok(())
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("SyncSubscription(pattern={:?})", self.pattern()?))
    }
}

impl Drop for PySyncSubscription {
    fn drop(&mut self) {
        if let Some(inbox) = self.inbox.local() {
            inbox.close();
        }
    }
}
