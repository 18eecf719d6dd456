//! The runtime the Python and Node bindings run the core on: a current-thread tokio runtime
//! driven by a thread of its own, to which their callers hand work through its handle. On a
//! small machine it beats a work-stealing pool for a binding's emits: one thread that owns the
//! connection takes fewer wake-ups and thread hops per emit than a pool that passes work around
//! (`docs/performance.md` has the comparison).

use tokio::runtime::{Builder, Handle};

/// Starts the runtime and its thread, named `thread_name`, and returns the runtime's handle.
/// The runtime lives as long as the process (its thread never ends), so the handle stays valid;
/// a forked child must start its own, since the thread does not exist there.
pub fn start_background_runtime(thread_name: &str) -> std::io::Result<Handle> {
    let runtime = Builder::new_current_thread().enable_all().build()?;
    let handle = runtime.handle().clone();
    std::thread::Builder::new()
        .name(thread_name.to_owned())
        .spawn(move || runtime.block_on(std::future::pending::<()>()))?;
    Ok(handle)
}

#[cfg(test)]
mod tests {
    #[test]
    fn futures_run_on_the_background_thread() {
        let handle = super::start_background_runtime("tidings-test").unwrap();
        let name = handle
            .block_on(handle.spawn(async { std::thread::current().name().map(str::to_owned) }))
            .unwrap();
        assert_eq!(name.as_deref(), Some("tidings-test"));
    }
}
