//! tidings: events between services over Redis Streams and Pub/Sub, with an embedded
//! `memory://` backend of the same semantics. One core; Python, Node and C bindings on top.
//!
//! ```no_run
//! # async fn demo() -> tidings::Result<()> {
//! use futures_util::StreamExt;
//! let bus = tidings::Bus::connect("memory://").await?;
//! let mut logins = bus.subscribe("user.*").await?;
//! bus.emit("user.login", serde_json::json!({"userId": 123})).await?;
//! let event = logins.next().await.unwrap()?;
//! assert_eq!(event.event_type, "user.login");
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - [`grammar`](crate::grammar): what a type, a pattern and a namespace may be; the matcher.
//! - `envelope`: [`Event`] and its CloudEvents JSON form; reading the seed's shape.
//! - `position`: [`Position`] (a stream entry id), [`Start`] and [`Bound`].
//! - `config`: [`BusBuilder`] and URL parsing. `retry`: [`RetryPolicy`].
//! - `event_data`: [`EventData`], an emit's data as a value or as JSON text.
//! - `bus`: [`Bus`]: emit with retry and dead letters, subscribe, history, close. `outgoing`:
//!   an event checked and written, on its way to the backend.
//!   `batcher`: group commit of concurrent emits into one pipeline. `emit_queue`: [`EmitQueue`],
//!   the same for emits handed over from a binding's thread, each settled by a callback.
//! - `subscription`: replay-then-follow from per-stream cursors; [`Subscription`].
//! - `merge`: decoding entries and merging streams in emit order. `history`: [`HistoryQuery`]. `dead_letter`: [`DeadLetter`]. `metrics`: [`MetricsSnapshot`].
//! - `backend/`: `memory` and `redis` (+ `redis_hub` for pub/sub, `redis_reply` for parsing),
//!   behind one enum; `watch` carries live change notices from either to subscriptions.
//! - `sse`: Server-Sent Events framing for the bindings' SSE helpers. `background`: the
//!   runtime thread the bindings run the core on.
//!
//! The wire format is documented in `docs/wire-format.md`.

mod backend;
mod background;
mod batcher;
mod bus;
mod config;
mod dead_letter;
mod emit_queue;
mod envelope;
mod envelope_writer;
mod error;
mod event_data;
pub mod grammar;
mod history;
mod merge;
mod metrics;
mod outgoing;
mod position;
mod retry;
mod sse;
mod subscription;

pub use background::start_background_runtime;
pub use bus::{Bus, EmitRequest};
pub use config::{BusBuilder, DEFAULT_MAX_EVENT_SIZE};
pub use dead_letter::{DeadLetter, RedriveReport};
pub use emit_queue::{EmitQueue, Settle};
pub use envelope::{format_time, EmitOptions, Event, DEFAULT_VERSION, EVENT_ID_LEN, SPEC_VERSION};
pub use error::{Error, ErrorKind, Result};
pub use event_data::{EventData, MAX_DATA_DEPTH};
pub use grammar::{validate_type, Pattern, MAX_NAME_LEN};
pub use history::{HistoryQuery, Order};
pub use metrics::{Histogram, MetricsSnapshot, TypeMetrics, LATENCY_BUCKETS};
pub use position::{Bound, Position, Start};
pub use retry::RetryPolicy;
pub use sse::{sse_frame, sse_heartbeat, sse_prelude, SSE_RETRY_MS};
pub use subscription::{SubscribeOptions, Subscription};

/// Re-exported so users and bindings build `data` with the same JSON type.
pub use serde_json;
