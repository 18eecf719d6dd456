//! The future an emit returns stays small on both backends. Callers keep hundreds of them in
//! flight (one per spawned task or `buffer_unordered` slot): a future over about 1 kB misses
//! the allocator's per-thread cache and is copied whole wherever it moves. The unbatched path,
//! with its retry and dead-letter state, is boxed for this (inlined, every emit's future was
//! 1,376 bytes, batched ones included).

mod support;

use serde_json::json;
use support::Harness;
use tidings::EmitOptions;

on_both_backends!(an_emit_future_is_under_a_kilobyte);

const LIMIT: usize = 1024;

async fn an_emit_future_is_under_a_kilobyte(harness: Harness) {
    let bus = harness.bus().await;
    let emit = bus.emit("size.checked", json!({"n": 1}));
    let size = std::mem::size_of_val(&emit);
    assert!(size < LIMIT, "emit future is {size} bytes");
    emit.await.unwrap();
    let emit_with = bus.emit_with("size.checked", json!({"n": 2}), EmitOptions::new());
    let size = std::mem::size_of_val(&emit_with);
    assert!(size < LIMIT, "emit_with future is {size} bytes");
    emit_with.await.unwrap();
}
