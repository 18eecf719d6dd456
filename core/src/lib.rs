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
//! The user-facing API is re-exported below; the modules stay private.
//! - [`grammar`](crate::grammar): what a type, a pattern and a namespace may be; the matcher.
//! - `envelope` (+ `envelope_writer`): [`Event`] and its CloudEvents JSON form; reading the
//!   legacy shape. `event_data`: [`EventData`], an emit's data as a value or as JSON text.
//! - `position`: [`Position`] (a stream entry id), [`Start`] and [`Bound`]. `cursor`: [`Cursor`],
//!   the exact resume token of an event delivered under a pattern.
//! - `config`: [`BusBuilder`] and URL parsing. `retry`: [`RetryPolicy`].
//! - `bus`: [`Bus`], the public API and the wiring of the modules below around `shared`, the
//!   state every part of a bus shares (backend, metrics, configuration, closed flag).
//! - `emit`: the emit path (check, append with retry, never twice; dead-letter). `outgoing`: an
//!   event checked and written. `group_commit`: concurrent emits sent as shared pipelines.
//! - `subscription`: replay-then-follow from per-stream cursors; [`Subscription`].
//! - `history`: [`HistoryQuery`] and reading it. `merge`: decoding entries and the one k-way
//!   merge of streams in emit order. `dead_letter`: [`DeadLetter`] and redrive.
//!   `metrics`: [`MetricsSnapshot`].
//! - `backend/`: `memory` and `redis` (+ `redis_hub` for pub/sub, `redis_keys` for names,
//!   `redis_reply` for parsing), behind one enum; `watch` carries live change notices from
//!   either to subscriptions.
//! - [`bindings`]: what the Python, Node and C bindings need beyond the user-facing API (an emit
//!   queue settled by callbacks, the runtime thread, SSE framing).
//!
//! The wire format is documented in `docs/wire-format.md`.

mod backend;
pub mod bindings;
mod bus;
mod config;
mod connect_options;
mod cursor;
mod dead_letter;
mod emit;
mod envelope;
mod envelope_writer;
mod error;
mod event_data;
pub mod grammar;
mod group_commit;
mod history;
mod merge;
mod metrics;
mod outgoing;
mod position;
mod reader;
mod retry;
mod shared;
mod subscription;

pub use bus::Bus;
pub use config::{BusBuilder, DEFAULT_MAX_EVENT_SIZE};
pub use cursor::{Cursor, MAX_CURSOR_LEN};
pub use dead_letter::{DeadLetter, RedriveReport};
pub use emit::EmitRequest;
pub use envelope::{format_time, EmitOptions, Event, DEFAULT_VERSION, EVENT_ID_LEN};
pub use envelope_writer::SPEC_VERSION;
pub use error::{Error, ErrorKind, Result};
pub use event_data::{EventData, MAX_DATA_DEPTH};
pub use grammar::{validate_type, Pattern, MAX_NAME_LEN};
pub use history::{HistoryQuery, Order};
pub use metrics::{Histogram, MetricsSnapshot, TypeMetrics, LATENCY_BUCKETS};
pub use position::{Bound, Position, Start};
pub use retry::RetryPolicy;
pub use subscription::{SubscribeOptions, Subscription};

/// The version of tidings, the one number every package carries: Python's `__version__`,
/// Node's `version`, C's `tidings_version()` and the packages' metadata all come from the
/// workspace's `Cargo.toml`.
pub const PACKAGE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Re-exported so users and bindings build `data` with the same JSON type.
pub use serde_json;
