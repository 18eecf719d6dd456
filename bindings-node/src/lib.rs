//! The Node.js binding of tidings: a napi-rs addon that converts JavaScript arguments to the
//! core's types and core results back, and turns the core's futures into promises. It decides
//! nothing: validation, retry, matching, encoding and SSE framing are the core's.
//!
//! # Layout (each file mirrors the core module of the same name)
//! - `bus`: `NativeBus` and `connect`: emit, emitMany, subscribe, history, close, metrics.
//! - `subscription`: `NativeSubscription`: established in the background, read a batch at a time.
//! - `sse`: the core's SSE headers, heartbeat, resume token and frames for `lib/sse.js`.
//! - `envelope`: events as JavaScript objects; `_decodeEnvelope` for the shared vectors.
//! - `options`: JavaScript arguments and option objects to the core's types.
//! - `json`: JavaScript values to and from JSON, with JavaScript's own `JSON`. `text`: a
//!   JavaScript string's UTF-8.
//! - `error`: the one mapping from errors to JavaScript `Error`s with a `code`.
//! - `runtime`: the one helper that turns a core future into a promise.
//!
//! The public JavaScript API (`index.js`, `index.d.ts`) wraps these native classes.

// napi-derive registers exports only outside `cfg(test)`, so a test build (clippy
// --all-targets) sees them as unused. The addon is tested from JavaScript.
#![cfg_attr(test, allow(dead_code))]

mod bus;
mod envelope;
mod error;
mod json;
mod options;
mod runtime;
mod sse;
mod subscription;
mod text;
