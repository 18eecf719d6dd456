//! The tokio runtime hidden behind the blocking C API, and the one place C calls cross into it.
//!
//! Each bus has its own multi-thread runtime (one worker thread per CPU core), shared with that
//! bus's subscriptions: it lives until the bus and all its subscriptions are freed, and then
//! stops and joins every thread it started, so a program that frees what it made leaves no thread
//! and no allocation behind. A blocking call runs its future on the calling thread
//! (`block_on`), so any number of C threads may call in at once. Callback subscriptions each get
//! one thread of their own ("tidings-sub"), which is not a runtime thread: a callback may call
//! any tidings function without deadlocking.

use crate::error::{CResult, Failure};
use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::runtime::{Handle, Runtime};

/// Keys of callback threads, unique in the process.
static NEXT_THREAD: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The key of the callback thread this is, if it is one (so it never joins itself).
    static CALLBACK_THREAD: Cell<Option<u64>> = const { Cell::new(None) };
}

fn is_current(key: u64) -> bool {
    CALLBACK_THREAD.with(|current| current.get() == Some(key))
}

/// A bus's runtime and the callback threads that run on it.
pub(crate) struct Engine {
    /// Taken in `drop`, after the callback threads have ended.
    runtime: Option<Runtime>,
    callback_threads: Mutex<HashMap<u64, JoinHandle<()>>>,
}

impl Engine {
    pub fn start() -> CResult<Arc<Engine>> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .thread_name("tidings-runtime")
            .enable_all()
            .build()
            .map_err(|err| Failure::internal(format!("cannot start the runtime: {err}")))?;
        Ok(Arc::new(Engine {
            runtime: Some(runtime),
            callback_threads: Mutex::new(HashMap::new()),
        }))
    }

    fn runtime(&self) -> &Runtime {
        self.runtime.as_ref().expect("the runtime lives until drop")
    }

    /// Runs a future to completion on the calling thread: every blocking C call goes through here.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }

    /// A handle for threads that outlive a borrow of the engine (callback threads).
    pub fn handle(&self) -> Handle {
        self.runtime().handle().clone()
    }

    /// Starts a callback thread; returns its key for `join_callback_thread`.
    pub fn spawn_callback_thread(&self, body: impl FnOnce() + Send + 'static) -> CResult<u64> {
        let key = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
        let thread = std::thread::Builder::new()
            .name("tidings-sub".into())
            .spawn(move || {
                CALLBACK_THREAD.with(|current| current.set(Some(key)));
                body();
            })
            .map_err(|err| Failure::internal(format!("cannot start a thread: {err}")))?;
        self.threads().insert(key, thread);
        Ok(key)
    }

    /// Waits for a callback thread to end, unless it is the calling thread (a callback freeing
    /// its own subscription): that one ends by itself when the callback returns, and is joined
    /// when the engine is dropped.
    pub fn join_callback_thread(&self, key: u64) {
        if is_current(key) {
            return;
        }
        let thread = self.threads().remove(&key);
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    fn threads(&self) -> std::sync::MutexGuard<'_, HashMap<u64, JoinHandle<()>>> {
        self.callback_threads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Engine {
    /// Only reached once the bus is freed (so closed) and every subscription handle is freed, so
    /// every callback thread has been told to stop; join them, then stop the runtime.
    fn drop(&mut self) {
        let threads: Vec<_> = self.threads().drain().collect();
        for (key, thread) in threads {
            if !is_current(key) {
                let _ = thread.join();
            }
        }
        if let Some(runtime) = self.runtime.take() {
            drop(runtime);
        }
    }
}
