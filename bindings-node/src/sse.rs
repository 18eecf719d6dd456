//! Server-Sent Events from a subscription, defined by the core and only moved here: the
//! response headers, the default heartbeat, where a reconnecting browser resumes from
//! (`sse_start`: `Last-Event-ID` or `?last_event_id=`), and the framing (`sse_prelude`,
//! `sse_frame`, `sse_trimmed_frame`, `sse_heartbeat`). The JavaScript side (`lib/sse.js`) moves
//! the bytes into a web `ReadableStream`.

use crate::options;
use crate::runtime;
use crate::subscription::{NativeSubscription, Next};
use napi::bindgen_prelude::{Buffer, Env, PromiseRaw, Unknown};
use napi::ValueType;
use napi_derive::napi;
use std::time::Duration;
use tidings::bindings::{sse_frame, sse_heartbeat, sse_trimmed_frame};
use tidings::{Error, ErrorKind, Result, Start};

/// The opening of an event stream.
#[napi(catch_unwind)]
pub fn sse_prelude() -> String {
    tidings::bindings::sse_prelude()
}

/// The response headers of an event stream, as `[name, value]` pairs.
#[napi(catch_unwind)]
pub fn sse_headers() -> Vec<Vec<&'static str>> {
    tidings::bindings::SSE_HEADERS
        .iter()
        .map(|(name, value)| vec![*name, *value])
        .collect()
}

/// How many milliseconds of quiet bring a heartbeat, unless the helper is told otherwise.
#[napi(catch_unwind)]
pub fn sse_heartbeat_ms() -> u32 {
    u32::try_from(tidings::bindings::SSE_HEARTBEAT_MS).expect("the default heartbeat fits in u32")
}

/// Where a stream resumes for these values of the `Last-Event-ID` header and the
/// `last_event_id` query parameter (`null` or `undefined` when the request has none), as the
/// token to pass as `from`; `null` when neither gives one. The core decides: the header wins,
/// an empty value counts as absent, and a token that is no position or cursor is a
/// `TIDINGS_CONFIG` error (the client's mistake: answer 400).
#[napi(catch_unwind)]
pub fn sse_start(
    env: &Env,
    header: Option<Unknown>,
    query: Option<Unknown>,
) -> napi::Result<Option<String>> {
    let token = |value: Option<Unknown>, what: &str| -> Result<Option<String>> {
        match value.filter(|value| !options::is_absent(value)) {
            Some(value) => options::string(value, what, ErrorKind::Config).map(Some),
            None => Ok(None),
        }
    };
    let start = (|| {
        let header = token(header, "Last-Event-ID")?;
        let query = token(query, "last_event_id")?;
        tidings::bindings::sse_start(header.as_deref(), query.as_deref())?
            .map(|start| start_text(&start))
            .transpose()
    })();
    start.map_err(|err| crate::error::to_js(env, err))
}

/// `start` as the text `from` takes: what `Start::parse` reads back to the same start.
fn start_text(start: &Start) -> Result<String> {
    match start {
        Start::Live => Ok("live".to_owned()),
        Start::Beginning => Ok("start".to_owned()),
        Start::After(position) => Ok(position.to_string()),
        Start::Cursor(cursor) => Ok(cursor.to_string()),
        other => Err(Error::new(
            ErrorKind::Internal,
            format!("sse_start gave a start with no text form: {other:?}"),
        )),
    }
}

/// `sseResponse`'s `heartbeatMs` (a positive whole number) and `named` (a boolean).
fn frame_options(heartbeat_ms: Unknown, named: Unknown) -> Result<(Duration, bool)> {
    let heartbeat = match options::whole_number(heartbeat_ms, "heartbeatMs", ErrorKind::Config)? {
        0 => {
            return Err(Error::new(
                ErrorKind::Config,
                "heartbeatMs must be positive",
            ))
        }
        ms => Duration::from_millis(ms),
    };
    if named.get_type().ok() != Some(ValueType::Boolean) {
        return Err(Error::new(ErrorKind::Config, "named must be a boolean"));
    }
    // SAFETY: the value was just checked to be a boolean.
    let named = unsafe { named.cast::<bool>() }
        .map_err(|e| crate::error::from_engine(ErrorKind::Config, "named", e))?;
    Ok((heartbeat, named))
}

/// Throws a `TIDINGS_CONFIG` error for a bad `heartbeatMs` or `named`, before anything is
/// subscribed.
#[napi(catch_unwind)]
pub fn sse_check_options(env: &Env, heartbeat_ms: Unknown, named: Unknown) -> napi::Result<()> {
    frame_options(heartbeat_ms, named)
        .map(drop)
        .map_err(|err| crate::error::to_js(env, err))
}

#[napi]
impl NativeSubscription {
    /// The next chunk of the event stream: the frames of the next batch (named by type, or
    /// unnamed for `EventSource.onmessage`), the core's trimmed frame where events owed were
    /// trimmed away, a heartbeat when nothing arrived for `heartbeatMs`, or `null` once the
    /// subscription or the bus is closed.
    #[napi(catch_unwind)]
    pub fn next_sse_chunk<'env>(
        &self,
        env: &'env Env,
        heartbeat_ms: Unknown<'env>,
        named: Unknown<'env>,
    ) -> napi::Result<PromiseRaw<'env, Option<Buffer>>> {
        let work = frame_options(heartbeat_ms, named).map(|(heartbeat, named)| {
            let next = self.next(Some(heartbeat));
            async move { Ok((next.await?, named)) }
        });
        runtime::promise(env, work, |env, (next, named)| {
            let chunk = match next {
                Next::Events(events) => {
                    let frames: String = events.iter().map(|e| sse_frame(e, named)).collect();
                    Some(frames.into_bytes())
                }
                Next::Trimmed(err) => Some(sse_trimmed_frame(&err, named).into_bytes()),
                Next::Quiet => Some(sse_heartbeat().as_bytes().to_vec()),
                Next::Ended => None,
            };
            runtime::value(env, chunk.map(Buffer::from))
        })
    }
}
