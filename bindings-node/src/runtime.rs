//! Where results cross into Node's event loop: `promise` runs a core future on the addon's
//! Tokio runtime (one thread of its own) and settles a JavaScript promise with its outcome,
//! converting the value on the JavaScript thread and mapping a core error through
//! `error::to_js`; `emit_completion` hands out the settling end of an emit's promise to the
//! core's `EmitQueue`, which settles a whole batch at once.
//!
//! Settling is batched. Each JavaScript thread has one `Settler`: a queue of finished work and
//! one threadsafe function, created once. Work that finishes pushes its outcome and wakes the
//! JavaScript thread only when the queue was empty; the wake-up settles everything queued by
//! then. So 256 emits in flight cost a handful of thread hops, not 256 (napi-rs's own future
//! support creates a threadsafe function per promise). The threadsafe function holds Node's
//! event loop open only while some promise is pending, as a pending socket read would.

use crate::error;
use napi::bindgen_prelude::{Env, PromiseRaw, ToNapiValue};
use napi::{sys, JsValue};
use std::cell::RefCell;
use std::ffi::c_void;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Mutex, OnceLock};

/// Turns a finished outcome into the JavaScript value that settles its promise (`Err`: reject).
type Settle = Box<dyn FnOnce(&Env) -> napi::Result<sys::napi_value> + Send>;

/// A finished outcome waiting for the JavaScript thread.
enum Finished {
    /// Work's outcome with its converter.
    Convert(Settle),
    /// An emit's id, or why it failed (no converter to box: it becomes a string).
    Id(tidings::Result<String>),
}

impl Finished {
    /// The JavaScript value that settles the promise (`Err`: reject with it).
    fn settle(self, env: &Env) -> napi::Result<sys::napi_value> {
        match self {
            Finished::Convert(settle) => settle(env),
            Finished::Id(Ok(id)) => value(env, id),
            Finished::Id(Err(err)) => Err(error::to_js(env, err)),
        }
    }
}

/// A promise's resolver, used only on the JavaScript thread that made it.
struct Deferred(sys::napi_deferred);
// SAFETY: the pointer travels with the finished work but is dereferenced only by `settle_all`,
// which runs on the JavaScript thread that created it.
unsafe impl Send for Deferred {}

struct Queue {
    finished: Vec<(Deferred, Finished)>,
    /// Set when the threadsafe function is gone (its environment is tearing down).
    closed: bool,
}

struct Settler {
    function: sys::napi_threadsafe_function,
    queue: Mutex<Queue>,
    /// Promises made and not yet settled; only touched on the JavaScript thread.
    pending: std::cell::Cell<usize>,
}

// SAFETY: `function` may be called from any thread (that is what a threadsafe function is for),
// `queue` is behind a mutex, and `pending` is read and written only on the JavaScript thread.
unsafe impl Send for Settler {}
unsafe impl Sync for Settler {}

thread_local! {
    /// The settler of this thread's Node environment (each worker thread has its own).
    static SETTLER: RefCell<Option<Arc<Settler>>> = const { RefCell::new(None) };
}

/// A Node-API status as a result; `what` names the call in the message.
pub(crate) fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    match status {
        sys::Status::napi_ok => Ok(()),
        status => Err(napi::Error::from_reason(format!(
            "{what} failed (napi status {status})"
        ))),
    }
}

impl Settler {
    /// This thread's settler, created on first use.
    fn get(env: &Env) -> napi::Result<Arc<Settler>> {
        SETTLER.with(|slot| {
            if let Some(settler) = slot.borrow().as_ref() {
                return Ok(settler.clone());
            }
            let settler = Settler::create(env)?;
            *slot.borrow_mut() = Some(settler.clone());
            Ok(settler)
        })
    }

    fn create(env: &Env) -> napi::Result<Arc<Settler>> {
        let settler = Arc::new(Settler {
            function: ptr::null_mut(),
            queue: Mutex::new(Queue {
                finished: Vec::new(),
                closed: false,
            }),
            pending: std::cell::Cell::new(0),
        });
        let name = env.create_string("tidings")?;
        let context = Arc::into_raw(settler.clone()) as *mut c_void;
        let mut function = ptr::null_mut();
        // SAFETY: plain Node-API calls on the JavaScript thread; `context` is an `Arc` that
        // `finalize` takes back when Node destroys the threadsafe function.
        unsafe {
            check(
                sys::napi_create_threadsafe_function(
                    env.raw(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    name.raw(),
                    0,
                    1,
                    context,
                    Some(finalize),
                    context,
                    Some(settle_all),
                    &mut function,
                ),
                "creating the promise settler",
            )?;
            check(
                sys::napi_unref_threadsafe_function(env.raw(), function),
                "unref of the promise settler",
            )?;
        }
        // The only write to `function`, before the settler is shared with any other thread.
        let settler_ptr = Arc::as_ptr(&settler) as *mut Settler;
        // SAFETY: no other reference reads `function` yet: the settler has not left this thread.
        unsafe { (*settler_ptr).function = function };
        Ok(settler)
    }

    /// Called on the JavaScript thread for each promise made.
    fn made(&self, env: &Env) {
        let pending = self.pending.get() + 1;
        self.pending.set(pending);
        if pending == 1 {
            // SAFETY: on the JavaScript thread that owns the function.
            unsafe { sys::napi_ref_threadsafe_function(env.raw(), self.function) };
        }
    }

    /// Called from any thread when work is done.
    fn finished(&self, deferred: Deferred, outcome: Finished) {
        self.finished_many(std::iter::once((deferred, outcome)));
    }

    /// Called from any thread when several pieces of work are done (one lock, one wake-up).
    fn finished_many(&self, outcomes: impl Iterator<Item = (Deferred, Finished)>) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.closed {
            return;
        }
        let wake = queue.finished.is_empty();
        queue.finished.extend(outcomes);
        if wake && !queue.finished.is_empty() {
            // Under the lock, so the function cannot be finalized meanwhile.
            // SAFETY: the function is alive while `closed` is false.
            unsafe {
                sys::napi_call_threadsafe_function(
                    self.function,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
        }
    }
}

/// Settles every finished promise (the threadsafe function's callback, on the JavaScript thread).
unsafe extern "C" fn settle_all(
    env: sys::napi_env,
    _callback: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    if env.is_null() || context.is_null() {
        return;
    }
    // SAFETY: `context` is the settler, kept alive by the `Arc` that `finalize` releases.
    let settler = unsafe { &*(context as *const Settler) };
    let finished = {
        let mut queue = settler.queue.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut queue.finished)
    };
    let env = Env::from_raw(env);
    let count = finished.len();
    for (deferred, finished) in finished {
        let outcome =
            catch_unwind(AssertUnwindSafe(|| finished.settle(&env))).unwrap_or_else(|_| {
                Err(napi::Error::from_reason(
                    "tidings: converting a result panicked",
                ))
            });
        // SAFETY: each deferred is settled exactly once, on the thread that created it.
        unsafe {
            match outcome {
                Ok(value) => sys::napi_resolve_deferred(env.raw(), deferred.0, value),
                Err(err) => match ToNapiValue::to_napi_value(env.raw(), err) {
                    Ok(error) => sys::napi_reject_deferred(env.raw(), deferred.0, error),
                    Err(_) => sys::napi_reject_deferred(env.raw(), deferred.0, ptr::null_mut()),
                },
            };
        }
    }
    let pending = settler.pending.get().saturating_sub(count);
    settler.pending.set(pending);
    if pending == 0 {
        // SAFETY: on the JavaScript thread that owns the function.
        unsafe { sys::napi_unref_threadsafe_function(env.raw(), settler.function) };
    }
}

/// Node destroys the threadsafe function when its environment tears down.
unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Arc` handed over in `Settler::create`.
    let settler = unsafe { Arc::from_raw(data as *const Settler) };
    let mut queue = settler.queue.lock().unwrap_or_else(|e| e.into_inner());
    queue.closed = true;
    queue.finished.clear();
    drop(queue);
    let _ = SETTLER.try_with(|slot| slot.borrow_mut().take());
}

/// Turns a value into its JavaScript form on the JavaScript thread.
type ToJs<T> = Box<dyn FnOnce(&Env, T) -> napi::Result<sys::napi_value> + Send>;

/// The settling end of a promise for work on the runtime thread. Dropped unsettled, it rejects
/// the promise, so no promise is left pending (and no process kept alive).
struct Completion<T: Send + 'static> {
    parts: Option<(Arc<Settler>, Deferred, ToJs<T>)>,
}

impl<T: Send + 'static> Completion<T> {
    /// Settles the promise with `outcome` (from any thread).
    fn complete(mut self, outcome: tidings::Result<T>) {
        if let Some((settler, deferred, to_js)) = self.parts.take() {
            settler.finished(deferred, Finished::Convert(settle_with(to_js, outcome)));
        }
    }

    /// Rejects the promise in this turn of the JavaScript thread (bad arguments).
    fn reject_now(mut self, env: &Env, err: tidings::Error) {
        if let Some((settler, deferred, to_js)) = self.parts.take() {
            let rejection = Finished::Convert(settle_with(to_js, Err(err)));
            settle_all_now(env, &settler, deferred, rejection);
        }
    }
}

impl<T: Send + 'static> Drop for Completion<T> {
    fn drop(&mut self) {
        if let Some((settler, deferred, to_js)) = self.parts.take() {
            let dropped = tidings::Error::new(
                tidings::ErrorKind::Internal,
                "the work was dropped before it finished",
            );
            settler.finished(
                deferred,
                Finished::Convert(settle_with(to_js, Err(dropped))),
            );
        }
    }
}

/// Finished emits on their way to one settler.
type SettlerRun = (Arc<Settler>, Vec<(Deferred, Finished)>);

/// The settling end of an emit's promise, settled by the core's `EmitQueue` with the event's
/// id: a batch of them is handed to the JavaScript thread under one lock, with nothing boxed.
pub(crate) struct EmitCompletion {
    parts: Option<(Arc<Settler>, Deferred)>,
}

impl EmitCompletion {
    /// Rejects the promise in this turn of the JavaScript thread (bad arguments).
    pub(crate) fn reject_now(mut self, env: &Env, err: tidings::Error) {
        if let Some((settler, deferred)) = self.parts.take() {
            settle_all_now(env, &settler, deferred, Finished::Id(Err(err)));
        }
    }
}

impl tidings::bindings::Settle for EmitCompletion {
    fn settle(self, outcome: tidings::Result<String>) {
        Self::settle_batch(std::iter::once((self, outcome)));
    }

    fn settle_batch(batch: impl Iterator<Item = (Self, tidings::Result<String>)>) {
        // A queue's emits all come from one JavaScript thread, so this is one run, one lock.
        let mut run: Option<SettlerRun> = None;
        for (mut completion, outcome) in batch {
            let Some((settler, deferred)) = completion.parts.take() else {
                continue;
            };
            let finished = (deferred, Finished::Id(outcome));
            match &mut run {
                Some((current, items)) if Arc::ptr_eq(current, &settler) => items.push(finished),
                _ => {
                    if let Some((current, items)) = run.replace((settler, vec![finished])) {
                        current.finished_many(items.into_iter());
                    }
                }
            }
        }
        if let Some((settler, items)) = run {
            settler.finished_many(items.into_iter());
        }
    }
}

impl Drop for EmitCompletion {
    fn drop(&mut self) {
        if let Some((settler, deferred)) = self.parts.take() {
            let dropped = tidings::Error::new(
                tidings::ErrorKind::Internal,
                "the emit was dropped before it finished",
            );
            settler.finished(deferred, Finished::Id(Err(dropped)));
        }
    }
}

fn settle_with<T: Send + 'static>(to_js: ToJs<T>, outcome: tidings::Result<T>) -> Settle {
    Box::new(move |env: &Env| match outcome {
        Ok(value) => to_js(env, value),
        Err(err) => Err(error::to_js(env, err)),
    })
}

/// A new promise, its resolver, and this thread's settler, which now counts it as pending.
fn new_promise(env: &Env) -> napi::Result<(Arc<Settler>, Deferred, sys::napi_value)> {
    let settler = Settler::get(env)?;
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: a plain Node-API call on the JavaScript thread.
    check(
        unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) },
        "creating a promise",
    )?;
    settler.made(env);
    Ok((settler, Deferred(deferred), promise))
}

/// A new promise for an emit's id and its settling end.
pub(crate) fn emit_completion(env: &Env) -> napi::Result<(PromiseRaw<'_, String>, EmitCompletion)> {
    let (settler, deferred, promise) = new_promise(env)?;
    let completion = EmitCompletion {
        parts: Some((settler, deferred)),
    };
    Ok((PromiseRaw::new(env.raw(), promise), completion))
}

/// A promise for `work`, whose result `to_js` converts on the JavaScript thread. When the
/// arguments could not be converted (`work` is an error), the promise is rejected at once, so
/// promise-returning methods never throw.
pub(crate) fn promise<'env, T, V, F>(
    env: &'env Env,
    work: tidings::Result<F>,
    to_js: impl FnOnce(&Env, T) -> napi::Result<sys::napi_value> + Send + 'static,
) -> napi::Result<PromiseRaw<'env, V>>
where
    F: Future<Output = tidings::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let (settler, deferred, promise) = new_promise(env)?;
    let completion = Completion {
        parts: Some((settler, deferred, Box::new(to_js))),
    };
    let promise = PromiseRaw::new(env.raw(), promise);
    match work {
        Err(err) => completion.reject_now(env, err),
        Ok(work) => spawn(async move { completion.complete(work.await) }),
    }
    Ok(promise)
}

/// Settles a promise made and decided on the JavaScript thread without a trip to Tokio.
fn settle_all_now(env: &Env, settler: &Arc<Settler>, deferred: Deferred, outcome: Finished) {
    settler.finished(deferred, outcome);
    // The wake-up is queued; settling here instead keeps the rejection in this turn.
    // SAFETY: on the JavaScript thread, with the settler as context.
    unsafe {
        settle_all(
            env.raw(),
            ptr::null_mut(),
            Arc::as_ptr(settler) as *mut c_void,
            ptr::null_mut(),
        )
    };
}

/// `value` as a raw JavaScript value (what `promise`'s converters return).
pub(crate) fn value<V: ToNapiValue>(env: &Env, value: V) -> napi::Result<sys::napi_value> {
    // SAFETY: on the JavaScript thread, with its environment.
    unsafe { V::to_napi_value(env.raw(), value) }
}

/// The addon's Tokio runtime, shared by every JavaScript thread: the core's background runtime
/// (a current-thread runtime on one thread of its own; see `tidings::bindings::start_background_runtime`).
pub(crate) fn tokio() -> &'static tokio::runtime::Handle {
    static RUNTIME: OnceLock<tokio::runtime::Handle> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tidings::bindings::start_background_runtime("tidings").expect("the tidings runtime starts")
    })
}

/// Starts `work` on the addon's Tokio runtime without waiting for it.
pub(crate) fn spawn(work: impl Future<Output = ()> + Send + 'static) {
    tokio().spawn(work);
}
