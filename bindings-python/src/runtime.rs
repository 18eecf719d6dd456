//! The one place where Python meets the tokio runtime. It owns the runtime (re-created in a
//! forked child), hands asyncio the results of Rust futures without a tokio thread ever taking
//! the GIL, and blocks sync callers with the GIL released while still answering Ctrl-C.
//!
//! Async results travel through a [`LoopPort`] per event loop: a tokio task pushes a completion
//! onto the port's queue and writes one byte to a socket the loop watches (`add_reader`); the
//! loop then runs every queued completion at once, on its own thread, holding the GIL.

use crate::errors::to_py_err;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::IntoPyObjectExt;
use std::cell::RefCell;
use std::future::Future;
use std::io::{ErrorKind as IoErrorKind, Read, Write};
use std::mem::ManuallyDrop;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tidings::bindings::{EmitQueue, Settle};
use tidings::EmitRequest;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

/// How often a blocking call wakes up to let Python run its signal handlers (Ctrl-C).
pub(crate) const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// The runtime of this process (the core's background runtime), with the pid it was started
/// in. A forked child starts its own: the parent's runtime thread does not exist there.
static RUNTIME: Mutex<Option<(u32, Handle)>> = Mutex::new(None);

/// A handle to this process's runtime, started on first use.
pub(crate) fn handle() -> PyResult<Handle> {
    let mut slot = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    let pid = std::process::id();
    if let Some((owner, handle)) = &*slot {
        if *owner == pid {
            return Ok(handle.clone());
        }
    }
    // A parent's runtime is never shut down in a child: its handle is only forgotten.
    let handle = tidings::bindings::start_background_runtime("tidings").map_err(|err| {
        PyRuntimeError::new_err(format!("cannot start the tidings runtime: {err}"))
    })?;
    if let Some((_, parents)) = slot.replace((pid, handle.clone())) {
        std::mem::forget(parents);
    }
    Ok(handle)
}

/// Runs a future on the runtime in the background.
pub(crate) fn spawn<F>(future: F) -> PyResult<JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(handle()?.spawn(future))
}

/// Runs `work` on the runtime and waits for it with the GIL released, checking for signals
/// every [`SIGNAL_CHECK_INTERVAL`]. When a signal handler raises (Ctrl-C), the work is aborted
/// and the exception propagates.
pub(crate) fn wait<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (answer, mut answered) = mpsc::sync_channel(1);
    let task = spawn(async move {
        let _ = answer.send(work.await);
    })?;
    loop {
        // The receiver moves into the detached closure and back (it is Send, not Sync).
        let outcome;
        (outcome, answered) =
            py.detach(move || (answered.recv_timeout(SIGNAL_CHECK_INTERVAL), answered));
        match outcome {
            Ok(value) => return Ok(value),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(interrupted) = py.check_signals() {
                    task.abort();
                    return Err(interrupted);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "a tidings task ended without an answer",
                ))
            }
        }
    }
}

/// Waits, with the GIL released and signal handlers run every [`SIGNAL_CHECK_INTERVAL`],
/// until `look` (called with the GIL) finds something or `deadline` passes (then `None`).
/// Between looks it calls `block(slice)` without the GIL, which should return early when
/// there may be something to find.
pub(crate) fn wait_until<T>(
    py: Python<'_>,
    deadline: Option<Instant>,
    mut look: impl FnMut() -> PyResult<Option<T>>,
    block: impl Fn(Duration) + Sync,
) -> PyResult<Option<T>> {
    loop {
        if let Some(found) = look()? {
            return Ok(Some(found));
        }
        let slice = match deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Ok(None);
                }
                left.min(SIGNAL_CHECK_INTERVAL)
            }
            None => SIGNAL_CHECK_INTERVAL,
        };
        py.detach(|| block(slice));
        py.check_signals()?;
    }
}

/// Like [`wait`], for work that fails with a core error.
pub(crate) fn wait_for<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    F: Future<Output = tidings::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    wait(py, work)?.map_err(to_py_err)
}

/// Starts `work` on the runtime and returns an asyncio future of the running loop that
/// resolves to its result (converted to Python on the loop's thread) or raises its error.
/// Cancelling the asyncio future does not stop the work: an emit that was sent goes on.
pub(crate) fn future_into_py<'py, T, F>(py: Python<'py>, work: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = tidings::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let event_loop = running_loop(py)?;
    let port = LoopPort::of(&event_loop)?;
    let future = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
    let target = future.clone().unbind();
    spawn(async move {
        let result = work.await;
        port.complete(Box::new(move |py| settle(py, target.bind(py), result)));
    })?;
    Ok(future)
}

/// The settling end of an emit's asyncio future, handed to the core's emit queue: the event's
/// id (or error) reaches the future's loop through its port, a batch of them at once.
pub(crate) struct EmitFuture {
    port: Arc<LoopPort>,
    future: Py<PyAny>,
}

impl EmitFuture {
    fn completion(self, outcome: tidings::Result<String>) -> Completion {
        let future = self.future;
        Box::new(move |py| settle(py, future.bind(py), outcome))
    }
}

impl Settle for EmitFuture {
    fn settle(self, outcome: tidings::Result<String>) {
        let port = self.port.clone();
        port.complete(self.completion(outcome));
    }

    fn settle_batch(batch: impl Iterator<Item = (Self, tidings::Result<String>)>) {
        // A bus's emits mostly come from one event loop: one run of them is one lock, one
        // wake-up of the loop.
        let mut run: Option<(Arc<LoopPort>, Vec<Completion>)> = None;
        for (emit, outcome) in batch {
            match &mut run {
                Some((port, completions)) if Arc::ptr_eq(port, &emit.port) => {
                    completions.push(emit.completion(outcome));
                }
                _ => {
                    let port = emit.port.clone();
                    let first = vec![emit.completion(outcome)];
                    if let Some((port, completions)) = run.replace((port, first)) {
                        port.complete_many(completions);
                    }
                }
            }
        }
        if let Some((port, completions)) = run {
            port.complete_many(completions);
        }
    }
}

/// Queues an emit and returns an asyncio future of the running loop that resolves to the
/// event's id. As with `future_into_py`, cancelling the future does not take the emit back.
pub(crate) fn emit_into_py<'py>(
    py: Python<'py>,
    queue: &EmitQueue<EmitFuture>,
    request: EmitRequest,
) -> PyResult<Bound<'py, PyAny>> {
    let event_loop = running_loop(py)?;
    let port = LoopPort::of(&event_loop)?;
    let future = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
    let settle = EmitFuture {
        port,
        future: future.clone().unbind(),
    };
    queue.push(request, settle);
    Ok(future)
}

/// Sets an asyncio future's result or exception, unless it is already done (cancelled).
fn settle<T>(py: Python<'_>, future: &Bound<'_, PyAny>, result: tidings::Result<T>) -> PyResult<()>
where
    T: for<'a> IntoPyObject<'a>,
{
    if future
        .call_method0(pyo3::intern!(py, "done"))?
        .is_truthy()?
    {
        return Ok(());
    }
    match result {
        Ok(value) => {
            let value = value.into_bound_py_any(py)?;
            future.call_method1(pyo3::intern!(py, "set_result"), (value,))?;
        }
        Err(err) => {
            let err = to_py_err(err);
            future.call_method1(pyo3::intern!(py, "set_exception"), (err.value(py),))?;
        }
    }
    Ok(())
}

/// An asyncio future of the running loop that is already resolved to `value` (what
/// `__aenter__` and `__aexit__` return).
pub(crate) fn resolved<'py>(
    py: Python<'py>,
    value: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let future = running_loop(py)?.call_method0(pyo3::intern!(py, "create_future"))?;
    future.call_method1(pyo3::intern!(py, "set_result"), (value,))?;
    Ok(future)
}

/// A new asyncio future of the running loop, ready to be yielded by an awaitable's
/// `__next__` (as `Future.__await__` does), with the port that can resolve it.
pub(crate) fn new_waiter(py: Python<'_>) -> PyResult<(Arc<LoopPort>, Bound<'_, PyAny>)> {
    let event_loop = running_loop(py)?;
    let port = LoopPort::of(&event_loop)?;
    let waiter = event_loop.call_method0(pyo3::intern!(py, "create_future"))?;
    waiter.setattr(pyo3::intern!(py, "_asyncio_future_blocking"), true)?;
    Ok((port, waiter))
}

/// Resolves a waiter (to None) unless it is already done (cancelled). On its loop's thread.
pub(crate) fn resolve_waiter(waiter: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = waiter.py();
    if !waiter
        .call_method0(pyo3::intern!(py, "done"))?
        .is_truthy()?
    {
        waiter.call_method1(pyo3::intern!(py, "set_result"), (py.None(),))?;
    }
    Ok(())
}

/// Resolves a waiter after `delay`, through its loop's port.
pub(crate) fn resolve_after(
    port: Arc<LoopPort>,
    waiter: &Bound<'_, PyAny>,
    delay: Duration,
) -> PyResult<()> {
    let alarm = waiter.clone().unbind();
    spawn(async move {
        tokio::time::sleep(delay).await;
        port.complete(Box::new(move |py| resolve_waiter(alarm.bind(py))));
    })?;
    Ok(())
}

/// Work to run on an event loop's thread, holding the GIL.
pub(crate) type Completion = Box<dyn FnOnce(Python<'_>) -> PyResult<()> + Send>;

/// Where tokio tasks leave completions for one event loop.
pub(crate) struct LoopPort {
    queue: Mutex<Vec<Completion>>,
    /// One byte written here wakes the loop (written only when the queue was empty).
    wake: UnixStream,
    /// The loop watches this end with `add_reader`.
    woken: UnixStream,
}

/// The port of the loop this thread ran last (each thread runs at most one loop at a time).
/// Holding the loop keeps its address from being reused by a new loop.
struct CachedPort {
    pid: u32,
    event_loop: Py<PyAny>,
    port: Arc<LoopPort>,
}

thread_local! {
    static CURRENT_PORT: RefCell<Option<CachedPort>> = const { RefCell::new(None) };
}

/// The running event loop; `RuntimeError` outside one, as from `asyncio.get_running_loop()`.
pub(crate) fn running_loop(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()
}

impl LoopPort {
    /// The port of `event_loop` (the running loop), opened on first use.
    pub(crate) fn of(event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<LoopPort>> {
        let py = event_loop.py();
        let pid = std::process::id();
        let cached = CURRENT_PORT.with_borrow(|cached| match cached {
            Some(c) if c.pid == pid && c.event_loop.bind(py).is(event_loop) => Some(c.port.clone()),
            _ => None,
        });
        if let Some(port) = cached {
            return Ok(port);
        }
        let port = LoopPort::open(event_loop)?;
        let replaced = CURRENT_PORT.replace(Some(CachedPort {
            pid,
            event_loop: event_loop.clone().unbind(),
            port: port.clone(),
        }));
        drop(replaced);
        Ok(port)
    }

    fn open(event_loop: &Bound<'_, PyAny>) -> PyResult<Arc<LoopPort>> {
        let io_error = |err: std::io::Error| PyRuntimeError::new_err(format!("tidings: {err}"));
        let (wake, woken) = UnixStream::pair().map_err(io_error)?;
        wake.set_nonblocking(true).map_err(io_error)?;
        woken.set_nonblocking(true).map_err(io_error)?;
        let port = Arc::new(LoopPort {
            queue: Mutex::new(Vec::new()),
            wake,
            woken,
        });
        let drain = Drain { port: port.clone() };
        event_loop.call_method1("add_reader", (port.woken.as_raw_fd(), drain))?;
        Ok(port)
    }

    /// Queues work for the loop's thread and wakes the loop. Never takes the GIL.
    pub(crate) fn complete(&self, completion: Completion) {
        self.complete_many(std::iter::once(completion));
    }

    /// Queues several pieces of work under one lock, with at most one wake-up.
    pub(crate) fn complete_many(&self, completions: impl IntoIterator<Item = Completion>) {
        let was_empty = {
            let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            let was_empty = queue.is_empty();
            queue.extend(completions);
            was_empty && !queue.is_empty()
        };
        if was_empty {
            // A full socket buffer means a wake-up is already pending: nothing to do.
            let _ = (&self.wake).write(&[1]);
        }
    }
}

/// The loop's reader callback: runs every queued completion.
#[pyclass(frozen)]
struct Drain {
    port: Arc<LoopPort>,
}

#[pymethods]
impl Drain {
    fn __call__(&self, py: Python<'_>) {
        // Empty the socket before taking the queue, so no wake-up is lost in between.
        let mut bytes = [0u8; 256];
        loop {
            match (&self.port.woken).read(&mut bytes) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(err) if err.kind() == IoErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        let completions = std::mem::take(
            &mut *self
                .port
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for completion in completions {
            if let Err(err) = completion(py) {
                err.write_unraisable(py, None);
            }
        }
    }
}

/// Something that belongs to the runtime of the process that made it (a bus, a
/// subscription). In a forked child it is unusable, and never dropped, since dropping it could
/// touch locks and threads that only exist in the parent.
pub(crate) struct ProcessBound<T> {
    pid: u32,
    value: ManuallyDrop<T>,
}

impl<T> ProcessBound<T> {
    pub(crate) fn new(value: T) -> ProcessBound<T> {
        ProcessBound {
            pid: std::process::id(),
            value: ManuallyDrop::new(value),
        }
    }

    /// The value, unless this is a forked child.
    pub(crate) fn local(&self) -> Option<&T> {
        (self.pid == std::process::id()).then_some(&*self.value)
    }

    /// The value, or a closed error in a forked child.
    pub(crate) fn get(&self) -> PyResult<&T> {
        if self.pid != std::process::id() {
            return Err(to_py_err(tidings::Error::new(
                tidings::ErrorKind::Closed,
                "this object was made before fork() in the parent process; connect again in the child",
            )));
        }
        Ok(&self.value)
    }
}

impl<T> Drop for ProcessBound<T> {
    fn drop(&mut self) {
        if self.pid == std::process::id() {
            // SAFETY: dropped exactly once, here, and never used afterwards.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        }
    }
}
