//! Server-Sent Events from a subscription, framed by the core (`sse_prelude`, `sse_frame`,
//! `sse_heartbeat`): the JavaScript side only moves the bytes into a web `ReadableStream`.

use crate::options;
use crate::runtime;
use crate::subscription::{NativeSubscription, Next};
use napi::bindgen_prelude::{Buffer, Env, PromiseRaw, Unknown};
use napi_derive::napi;
use std::time::Duration;
use tidings::{Error, ErrorKind};

/// The opening of an event stream.
#[napi(catch_unwind)]
pub fn sse_prelude() -> String {
    tidings::bindings::sse_prelude()
}

#[napi]
impl NativeSubscription {
    /// The next chunk of the event stream: the frames of the next batch, a heartbeat when
    /// nothing arrived for `heartbeatMs`, or `null` once the subscription or the bus is closed.
    #[napi(catch_unwind)]
    pub fn next_sse_chunk<'env>(
        &self,
        env: &'env Env,
        heartbeat_ms: Unknown<'env>,
    ) -> napi::Result<PromiseRaw<'env, Option<Buffer>>> {
        let heartbeat = options::whole_number(heartbeat_ms, "heartbeatMs", ErrorKind::Config)
            .and_then(|ms| match ms {
                0 => Err(Error::new(
                    ErrorKind::Config,
                    "heartbeatMs must be positive",
                )),
                ms => Ok(Duration::from_millis(ms)),
            });
        let work = heartbeat.map(|heartbeat| self.next(Some(heartbeat)));
        runtime::promise(env, work, |env, next| {
            runtime::value(
                env,
                match next {
                    Next::Events(events) => {
                        let frames: String =
                            events.iter().map(tidings::bindings::sse_frame).collect();
                        Some(Buffer::from(frames.into_bytes()))
                    }
                    Next::Quiet => Some(Buffer::from(
                        tidings::bindings::sse_heartbeat().as_bytes().to_vec(),
                    )),
                    Next::Ended => None,
                },
            )
        })
    }
}
