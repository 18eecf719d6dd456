//! `tidings_subscription`: events a pattern selects, delivered to a callback on a thread of the
//! subscription's own, or read in a poll loop with `tidings_subscription_next`.

use crate::args::{hand_out, optional, out, required, take, text, update};
use crate::bus::tidings_bus;
use crate::envelope::tidings_event;
use crate::error::{boundary, boundary_void, panic_message, tidings_result, CResult, Failure};
use crate::runtime::Engine;
use std::ffi::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tidings_core::{Bus, ErrorKind, Event, Start, SubscribeOptions, Subscription};
use tokio::sync::watch;

/// Called once per event, in delivery order, on the subscription's own thread (one thread per
/// callback subscription, not the thread that subscribed). `event` is borrowed: it and every
/// text taken from it are valid only until the callback returns (`tidings_event_clone` keeps a
/// copy). The callback may call any tidings function, including emitting on the same bus and
/// `tidings_subscription_free` on its own subscription. Callbacks of one subscription never
/// overlap; a slow callback holds back only its own subscription. Should handing an event over
/// fail inside tidings (a bug: a panic), that event is skipped, counted as a handler error in
/// the bus's metrics and reported on stderr, and delivery goes on with the next one.
pub type tidings_event_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, event: *const tidings_event)>;

/// The options of `tidings_subscribe_with` (opaque), made by `tidings_subscribe_options_new`
/// (live from now, the core's batch size) and changed by its setters. Set it from one thread at
/// a time; once set, any number of threads may subscribe with it at once.
#[derive(Clone)]
pub struct tidings_subscribe_options {
    options: SubscribeOptions,
}

/// Makes subscribe options: live (only events emitted after the subscription is made).
///
/// Ownership: the caller owns `*out` and frees it with `tidings_subscribe_options_free`.
#[no_mangle]
pub extern "C" fn tidings_subscribe_options_new(
    out: *mut *mut tidings_subscribe_options,
) -> tidings_result {
    hand_out(
        out,
        tidings_subscribe_options {
            options: SubscribeOptions::new(),
        },
    )
}

/// Frees subscribe options. NULL is ignored; using them afterwards, or freeing them twice, is
/// undefined behaviour.
#[no_mangle]
pub extern "C" fn tidings_subscribe_options_free(options: *mut tidings_subscribe_options) {
    boundary_void(|| drop(take(options)));
}

/// Runs one subscribe-options setter: the options are unchanged when it fails.
fn set_subscribe(
    options: *mut tidings_subscribe_options,
    change: impl FnOnce(SubscribeOptions) -> CResult<SubscribeOptions>,
) -> tidings_result {
    update(options, |subscribe: tidings_subscribe_options| {
        Ok(tidings_subscribe_options {
            options: change(subscribe.options)?,
        })
    })
}

/// Where to start: `"live"` (the default); `"start"` (everything the streams still hold, then
/// live); or a position `"<ms>-<seq>"` from `tidings_event_position` (resume after it). Other
/// text is refused here (`TIDINGS_RESULT_CONFIG`). Replaces a `from_time_ms` set before.
///
/// Ownership: the text is read and not kept; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_subscribe_options_set_from(
    options: *mut tidings_subscribe_options,
    from: *const c_char,
) -> tidings_result {
    set_subscribe(options, |subscribe| {
        let from = text(from, "from", ErrorKind::Config)?;
        Ok(subscribe.from(Start::parse(from)?))
    })
}

/// Start with the events appended at or after this time (milliseconds since the Unix epoch),
/// then follow live. Replaces a `from` set before.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_subscribe_options_set_from_time_ms(
    options: *mut tidings_subscribe_options,
    from_time_ms: u64,
) -> tidings_result {
    set_subscribe(options, |subscribe| {
        Ok(subscribe.from(Start::from_millis(from_time_ms)))
    })
}

/// The most events read from the backend, and handed over, at once (default 512; 0 counts as
/// 1).
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_subscribe_options_set_batch_size(
    options: *mut tidings_subscribe_options,
    batch_size: usize,
) -> tidings_result {
    set_subscribe(options, |subscribe| Ok(subscribe.batch_size(batch_size)))
}

/// A subscription (opaque).
pub struct tidings_subscription {
    engine: Arc<Engine>,
    mode: Mode,
}

enum Mode {
    /// Read with `tidings_subscription_next`.
    Poll(Mutex<Subscription>),
    /// Delivered to a callback by a thread of its own.
    Callback {
        stop: watch::Sender<bool>,
        thread: u64,
    },
}

/// The caller's `userdata`, handed to the callback thread. The caller vouches for its use there.
struct UserData(*mut c_void);
// SAFETY: the header documents that the callback runs on another thread with this pointer.
unsafe impl Send for UserData {}

impl UserData {
    /// The pointer (a method, so closures capture the whole `Send` wrapper, not its field).
    fn get(&self) -> *mut c_void {
        self.0
    }
}

/// Subscribes to the events `pattern` selects (`user.*`, `*`, `order.*.failed`, `user.login`),
/// live from now: every matching event emitted after this returns is delivered exactly once,
/// from this process or any other. With a `callback`, each event is passed to it with
/// `userdata` (see `tidings_event_callback` for the thread it runs on); with a NULL `callback`,
/// read events with `tidings_subscription_next`.
///
/// Ownership: the caller owns `*subscription` and frees it with `tidings_subscription_free`.
#[no_mangle]
pub extern "C" fn tidings_subscribe(
    bus: *const tidings_bus,
    pattern: *const c_char,
    callback: tidings_event_callback,
    userdata: *mut c_void,
    subscription: *mut *mut tidings_subscription,
) -> tidings_result {
    tidings_subscribe_with(
        bus,
        pattern,
        std::ptr::null(),
        callback,
        userdata,
        subscription,
    )
}

/// `tidings_subscribe` from a position or a time, or with another batch size (`options`, from
/// `tidings_subscribe_options_new`, may be NULL: live). A replay hands over to live events
/// without a gap or a duplicate.
///
/// Ownership: the caller owns `*subscription` and frees it with `tidings_subscription_free`.
/// `options` is only read: it stays the caller's.
#[no_mangle]
pub extern "C" fn tidings_subscribe_with(
    bus: *const tidings_bus,
    pattern: *const c_char,
    options: *const tidings_subscribe_options,
    callback: tidings_event_callback,
    userdata: *mut c_void,
    subscription: *mut *mut tidings_subscription,
) -> tidings_result {
    boundary(|| {
        let bus = required(bus, "bus")?;
        let pattern = text(pattern, "pattern", ErrorKind::InvalidPattern)?;
        let options = optional(options).map_or_else(SubscribeOptions::new, |o| o.options.clone());
        let output = out(subscription, "subscription")?;
        let engine = bus.engine.clone();
        let live = engine.block_on(bus.bus.subscribe_with(pattern, options))?;
        let mode = match callback {
            None => Mode::Poll(Mutex::new(live)),
            Some(callback) => {
                let (stop, stopped) = watch::channel(false);
                let handle = engine.handle();
                let bus = bus.bus.clone();
                let userdata = UserData(userdata);
                let thread = engine.spawn_callback_thread(move || {
                    // SAFETY: the caller's function, called as the header documents.
                    let step =
                        move |event: &tidings_event| unsafe { callback(userdata.get(), event) };
                    deliver(handle, bus, live, stopped, step)
                })?;
                Mode::Callback { stop, thread }
            }
        };
        *output = Box::into_raw(Box::new(tidings_subscription { engine, mode }));
        Ok(())
    })
}

/// The body of a callback thread: hands each event to `step` (the user's callback) until the
/// subscription is freed or the bus closes. A panic while handling one event does not end
/// delivery (see `handle_one`).
fn deliver(
    handle: tokio::runtime::Handle,
    bus: Bus,
    mut live: Subscription,
    mut stopped: watch::Receiver<bool>,
    mut step: impl FnMut(&tidings_event),
) {
    let is_stopped = |stopped: &watch::Receiver<bool>| *stopped.borrow();
    while !is_stopped(&stopped) {
        let batch = handle.block_on(async {
            tokio::select! {
                biased;
                _ = stopped.wait_for(|stop| *stop) => None,
                batch = live.next_batch() => batch,
            }
        });
        let Some(batch) = batch else { break };
        let batch = match batch {
            Ok(batch) => batch,
            Err(trimmed) => {
                // A callback has no place for it: say so, and go on (the metrics count it).
                eprintln!("tidings: a callback subscription missed events: {trimmed}");
                continue;
            }
        };
        for event in batch {
            if is_stopped(&stopped) {
                break;
            }
            handle_one(&bus, event, &mut step);
        }
    }
    // What a bus owns is dropped where it was made: on its runtime.
    handle.block_on(async move {
        drop(live);
        drop(bus);
    });
}

/// Handles one event: makes the C view of it and calls `step` with it. A panic there is caught
/// (the callback thread must outlive it), counted in the bus's metrics (`handler_errors` of the
/// event's type) and reported on stderr; the next event is delivered as usual.
fn handle_one(bus: &Bus, event: Event, step: &mut impl FnMut(&tidings_event)) {
    let event_type = event.event_type.clone();
    let handled = catch_unwind(AssertUnwindSafe(|| step(&tidings_event::new(event))));
    if let Err(panic) = handled {
        tidings_core::bindings::report_handler_error(bus, &event_type);
        eprintln!(
            "tidings: a panic while delivering an event of type {event_type} to a C callback: \
             {}; the event is skipped and delivery goes on",
            panic_message(&*panic)
        );
    }
}

/// Waits up to `timeout_ms` milliseconds (0: do not wait) for the next event of a subscription
/// made without a callback. `TIDINGS_RESULT_TIMEOUT` when none came in time (poll again);
/// `TIDINGS_RESULT_TRIMMED` in the place of events that were trimmed away before the
/// subscription read them (the next call goes on from the oldest event kept);
/// `TIDINGS_RESULT_CLOSED` once the bus is freed; `TIDINGS_RESULT_CONFIG` for a subscription
/// that has a callback. May be called from any thread, one call at a time per subscription.
///
/// Ownership: the caller owns `*event` and frees it with `tidings_event_free`.
#[no_mangle]
pub extern "C" fn tidings_subscription_next(
    subscription: *const tidings_subscription,
    timeout_ms: u32,
    event: *mut *mut tidings_event,
) -> tidings_result {
    boundary(|| {
        let subscription = required(subscription, "subscription")?;
        let output = out(event, "event")?;
        let Mode::Poll(live) = &subscription.mode else {
            return Err(Failure::new(
                tidings_result::Config,
                "this subscription delivers to its callback; only a subscription made without \
                 one is read with tidings_subscription_next",
            ));
        };
        let mut live = live.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let wait = Duration::from_millis(timeout_ms.into());
        let next = subscription
            .engine
            .block_on(async { tokio::time::timeout(wait, live.next_event()).await });
        match next {
            Ok(Some(Ok(next))) => {
                *output = tidings_event::into_raw(next);
                Ok(())
            }
            Ok(Some(Err(trimmed))) => Err(trimmed.into()),
            Ok(None) => Err(Failure::new(
                tidings_result::Closed,
                "the subscription ended: its bus was freed",
            )),
            Err(_) => Err(Failure::new(
                tidings_result::Timeout,
                format!("no event within {timeout_ms} ms"),
            )),
        }
    })
}

/// Unsubscribes and frees a subscription. For a callback subscription, blocks until a callback
/// that is running returns, and no callback starts afterwards; called from the subscription's
/// own callback, it returns at once and that callback is the last. NULL is ignored; using the
/// subscription afterwards, or freeing it twice, is undefined behaviour.
#[no_mangle]
pub extern "C" fn tidings_subscription_free(subscription: *mut tidings_subscription) {
    boundary_void(|| {
        let Some(handle) = take(subscription) else {
            return;
        };
        let tidings_subscription { engine, mode } = *handle;
        match mode {
            Mode::Poll(live) => engine.block_on(async move { drop(live) }),
            Mode::Callback { stop, thread } => {
                stop.send_replace(true);
                engine.join_callback_thread(thread);
            }
        }
        drop(engine);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::tidings_event_data;
    use std::ffi::CStr;
    use std::sync::mpsc;
    use tidings_core::serde_json::json;

    fn data(event: &tidings_event) -> String {
        let mut text = std::ptr::null();
        assert_eq!(tidings_event_data(event, &mut text), tidings_result::Ok);
        unsafe { CStr::from_ptr(text) }.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_panic_while_handling_one_event_does_not_end_delivery() {
        let engine = Engine::start().unwrap();
        let bus = engine.block_on(Bus::connect("memory://")).unwrap();
        for n in 1..=3 {
            engine
                .block_on(bus.emit("panic.test", json!({ "n": n })))
                .unwrap();
        }
        let from_start = SubscribeOptions::new().from(Start::Beginning);
        let live = engine
            .block_on(bus.subscribe_with("panic.*", from_start))
            .unwrap();
        let (stop, stopped) = watch::channel(false);
        let (seen, delivered) = mpsc::channel();
        let (handle, thread_bus) = (engine.handle(), bus.clone());
        let thread = std::thread::spawn(move || {
            let step = move |event: &tidings_event| {
                let data = data(event);
                assert_ne!(data, r#"{"n":2}"#, "a bug while handling the second event");
                seen.send(data).unwrap();
            };
            deliver(handle, thread_bus, live, stopped, step)
        });
        let wait = Duration::from_secs(30);
        let first = delivered.recv_timeout(wait).expect("the first event");
        let third = delivered
            .recv_timeout(wait)
            .expect("the event after the one whose handling panicked");
        assert_eq!([first, third], [r#"{"n":1}"#, r#"{"n":3}"#]);
        stop.send_replace(true);
        thread.join().expect("the callback thread ends normally");
        let metrics = bus.metrics();
        assert_eq!(metrics.types["panic.test"].handler_errors, 1);
        engine.block_on(async move {
            bus.close().await;
            drop(bus);
        });
    }
}
