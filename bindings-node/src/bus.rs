//! The native side of a connection (`Bus` in `index.js` wraps it): each method converts its
//! arguments, calls the core's `Bus`, and hands back a promise or a value.

use crate::envelope;
use crate::error;
use crate::json;
use crate::options::{self, Options};
use crate::runtime::{self, EmitCompletion};
use crate::subscription::NativeSubscription;
use crate::text;
use napi::bindgen_prelude::{Array, Env, Object, PromiseRaw, ToNapiValue, Unknown};
use napi::{JsValue, ValueType};
use napi_derive::napi;
use tidings::bindings::EmitQueue;
use tidings::{EmitOptions, Error, ErrorKind, Pattern, Result};

/// A connected bus.
#[napi]
pub struct NativeBus {
    bus: tidings::Bus,
    /// Emits made from JavaScript, sent in batches by the core (`tidings::bindings::EmitQueue`), each
    /// settling its own promise.
    emits: EmitQueue<EmitCompletion>,
}

impl NativeBus {
    fn new(bus: tidings::Bus) -> NativeBus {
        NativeBus {
            emits: EmitQueue::new(&bus, runtime::tokio().clone()),
            bus,
        }
    }
}

/// Connects to `url` (`memory://` when absent) with the options of `connect`.
#[napi(catch_unwind)]
pub fn connect<'env>(
    env: &'env Env,
    url: Option<Unknown<'env>>,
    options: Option<Unknown<'env>>,
) -> napi::Result<PromiseRaw<'env, NativeBus>> {
    let builder = options::connect(env, url, options);
    runtime::promise(env, builder.map(|b| b.build()), |env, bus| {
        runtime::value(env, NativeBus::new(bus))
    })
}

/// The version of tidings (the core's, which every package carries).
#[napi(catch_unwind)]
pub fn version() -> &'static str {
    tidings::PACKAGE_VERSION
}

/// The names of the error codes, in the core's code order.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<&'static str> {
    error::codes()
}

/// `emit(type, data, options)`'s arguments as the core's (the data as JSON text). `text` is
/// what `JSON.stringify(data)` gave in `index.js`, when it gave a string; otherwise the data is
/// stringified here, which names the problem (it throws again, or gives no text).
fn emit_arguments(
    env: &Env,
    event_type: Unknown,
    data: Unknown,
    options: Option<Unknown>,
    text: Option<Unknown>,
) -> Result<(String, String, EmitOptions)> {
    let event_type = options::string(event_type, "event type", ErrorKind::InvalidType)?;
    let text = text.filter(|text| text.get_type().ok() == Some(ValueType::String));
    let data = match text {
        Some(text) => {
            text::utf8(&text).map_err(|e| error::from_engine(ErrorKind::InvalidData, "data", e))?
        }
        None => json::stringify(env, data, "data", ErrorKind::InvalidData)?,
    };
    let options = Options::new(
        options,
        "emit options",
        ErrorKind::Config,
        &options::EMIT_OPTIONS,
    )?;
    Ok((event_type, data, options::emit(env, options)?))
}

/// Emits an event through the bus's queue; the promise resolves to its id.
fn emit<'env>(
    env: &'env Env,
    emits: &EmitQueue<EmitCompletion>,
    [event_type, data, options, text]: [Option<Unknown>; 4],
) -> napi::Result<PromiseRaw<'env, String>> {
    let (promise, completion) = runtime::emit_completion(env)?;
    let undefined = || ().into_unknown(env);
    let event_type = event_type.map_or_else(undefined, Ok)?;
    let data = data.map_or_else(undefined, Ok)?;
    match emit_arguments(env, event_type, data, options, text) {
        Ok((event_type, data, options)) => emits.push_json(event_type, data, options, completion),
        Err(err) => completion.reject_now(env, err),
    }
    Ok(promise)
}

#[napi]
impl NativeBus {
    /// `emit(type, data, options, text)` bound to this bus, as a plain function that resolves to
    /// the event's id (`index.js` calls it for every emit, with `JSON.stringify(data)` as `text`
    /// when that gave a string: calling it from JavaScript costs less than from here). A
    /// function made from a closure is called without a class method's glue (unwrapping `this`,
    /// checking its type tag, rooting and tracking the borrow of `&self`), a large share of the
    /// JavaScript thread's time per emit (`docs/performance.md`).
    #[napi(
        catch_unwind,
        ts_return_type = "(eventType: unknown, data: unknown, options?: unknown, text?: unknown) => Promise<string>"
    )]
    pub fn emitter<'env>(&self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        let emits = self.emits.clone();
        let function = env.create_function_from_closure::<Unknown, _, _>("emit", move |call| {
            let argument = |index: usize| -> napi::Result<Option<Unknown>> {
                if index < call.length() {
                    call.get::<Unknown>(index).map(Some)
                } else {
                    Ok(None)
                }
            };
            let arguments = [argument(0)?, argument(1)?, argument(2)?, argument(3)?];
            Ok(emit(call.env, &emits, arguments)?.raw())
        })?;
        Ok(function.to_unknown())
    }

    /// Emits an event; resolves to the whole event, position included.
    #[napi(catch_unwind)]
    pub fn emit_event<'env>(
        &self,
        env: &'env Env,
        event_type: Unknown<'env>,
        data: Unknown<'env>,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Object<'env>>> {
        let bus = self.bus.clone();
        let work = emit_arguments(env, event_type, data, options, None).map(
            |(event_type, data, options)| async move {
                let data = json::from_text(&data, "data", ErrorKind::InvalidData)?;
                bus.emit_event(&event_type, data, options).await
            },
        );
        runtime::promise(env, work, |env, event| {
            runtime::value(env, envelope::to_js(env, event)?)
        })
    }

    /// Emits many events, up to 256 in flight; resolves to their ids in order.
    #[napi(catch_unwind)]
    pub fn emit_many<'env>(
        &self,
        env: &'env Env,
        events: Unknown<'env>,
    ) -> napi::Result<PromiseRaw<'env, Vec<String>>> {
        let bus = self.bus.clone();
        let requests = (|| {
            if !(events.get_type().ok() == Some(ValueType::Object)
                && events.is_array().unwrap_or(false))
            {
                return Err(Error::new(
                    ErrorKind::InvalidData,
                    "emitMany takes an array of events",
                ));
            }
            // SAFETY: the value was just checked to be an array.
            let events = unsafe { events.cast::<Array>() }
                .map_err(|e| error::from_engine(ErrorKind::InvalidData, "emitMany", e))?;
            (0..events.len())
                .map(|index| {
                    let event = events
                        .get::<Unknown>(index)
                        .map_err(|e| error::from_engine(ErrorKind::InvalidData, "emitMany", e))?
                        .expect("index within the array");
                    options::emit_request(env, event, index)
                })
                .collect::<Result<Vec<_>>>()
        })();
        let work = requests.map(|requests| async move { bus.emit_many(requests).await });
        runtime::promise(env, work, runtime::value)
    }

    /// Starts a subscription. A bad pattern or option, or a closed bus, throws now; the
    /// subscription is established in the background (`ready()` resolves once it is).
    #[napi(catch_unwind)]
    pub fn subscribe(
        &self,
        env: &Env,
        pattern: Unknown,
        options: Option<Unknown>,
    ) -> napi::Result<NativeSubscription> {
        let subscription = (|| {
            let pattern = options::string(pattern, "pattern", ErrorKind::InvalidPattern)?;
            Pattern::new(&pattern)?;
            let options = options::subscribe(options)?;
            if self.bus.is_closed() {
                return Err(Error::new(ErrorKind::Closed, "the bus is closed"));
            }
            Ok(NativeSubscription::establish(
                self.bus.clone(),
                pattern,
                options,
            ))
        })();
        subscription.map_err(|err| error::to_js(env, err))
    }

    /// The events `pattern` selects within the query's bounds.
    #[napi(catch_unwind)]
    pub fn history<'env>(
        &self,
        env: &'env Env,
        pattern: Unknown<'env>,
        options: Option<Unknown<'env>>,
    ) -> napi::Result<PromiseRaw<'env, Array<'env>>> {
        let bus = self.bus.clone();
        let query = (|| {
            let pattern = options::string(pattern, "pattern", ErrorKind::InvalidPattern)?;
            Ok((pattern, options::history(options)?))
        })();
        let work = query.map(|(pattern, query)| async move { bus.history(&pattern, query).await });
        runtime::promise(env, work, |env, events| {
            runtime::value(env, envelope::batch_to_js(env, events)?)
        })
    }

    /// Closes the bus: subscriptions end and later calls fail with `TIDINGS_CLOSED`.
    #[napi(catch_unwind)]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, ()>> {
        let bus = self.bus.clone();
        let work = Ok(async move {
            bus.close().await;
            Ok(())
        });
        runtime::promise(env, work, runtime::value)
    }

    /// The counters and histograms, as the core's JSON snapshot.
    #[napi(catch_unwind)]
    pub fn metrics<'env>(&self, env: &'env Env) -> napi::Result<Unknown<'env>> {
        json::parse(env, self.bus.metrics().to_json())
    }

    /// The counters and histograms in the Prometheus text format.
    #[napi(catch_unwind)]
    pub fn prometheus_metrics(&self) -> String {
        self.bus.metrics().to_prometheus()
    }

    /// Counts a listener that threw while handling an event of `event_type`.
    #[napi(catch_unwind)]
    pub fn report_handler_error(&self, event_type: String) {
        tidings::bindings::report_handler_error(&self.bus, &event_type);
    }

    /// True once `close` was called.
    #[napi(getter, catch_unwind)]
    pub fn is_closed(&self) -> bool {
        self.bus.is_closed()
    }

    /// The CloudEvents `source` stamped on emitted events.
    #[napi(getter, catch_unwind)]
    pub fn source(&self) -> String {
        self.bus.source().to_owned()
    }
}
