//! The tidings Rust core as a contender: `Bus::emit` awaited one at a time, and 256 in flight.

use crate::workload::{event_data, IN_FLIGHT};
use crate::BenchResult;
use futures_util::{stream, StreamExt, TryStreamExt};
use std::time::Instant;
use tidings::{Bus, EmitRequest};
use tokio::runtime::Handle;

pub const CONTENDER: &str = "tidings (Rust core)";
pub const SEQUENTIAL_TYPE: &str = "bench.sequential";
pub const IN_FLIGHT_TYPE: &str = "bench.inflight";
pub const EMIT_MANY_TYPE: &str = "bench.many";

/// Connects, warms the connection up, and returns the bus and one envelope as stored.
pub async fn connect(url: &str) -> BenchResult<(Bus, String)> {
    let bus = Bus::connect(url).await?;
    let event = bus
        .emit_event(SEQUENTIAL_TYPE, event_data(0), Default::default())
        .await?;
    in_flight(&bus, 2_000).await?;
    Ok((bus, event.to_json()))
}

/// Events/s of `n` emits, each awaited before the next starts.
pub async fn sequential(bus: &Bus, n: u64) -> BenchResult<f64> {
    let started = Instant::now();
    for seq in 0..n {
        bus.emit(SEQUENTIAL_TYPE, event_data(seq)).await?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Events/s of `n` emits with 256 in flight, driven by one task with `buffer_unordered` (the
/// shape of the core's own `emit_many` fallback and of an application awaiting a stream of
/// emits). 256 spawned tasks (`--in-flight spawn`) were measured against it, paired, on both
/// runtime flavours of this 2-core machine: neither won consistently (medians 36–91k/s vs
/// 39–100k/s, each ahead in half the pairs, within the machine's noise), so the simpler single
/// driving future is the one the table reports.
pub async fn in_flight(bus: &Bus, n: u64) -> BenchResult<f64> {
    let started = Instant::now();
    stream::iter(0..n)
        .map(|seq| bus.emit(IN_FLIGHT_TYPE, event_data(seq)))
        .buffer_unordered(IN_FLIGHT)
        .try_for_each(|_| async { Ok(()) })
        .await?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Events/s of one `emit_many` call of `n` events (the core pipelines them in chunks).
pub async fn emit_many(bus: &Bus, n: u64) -> BenchResult<f64> {
    let started = Instant::now();
    let requests = (0..n)
        .map(|seq| EmitRequest::new(EMIT_MANY_TYPE, event_data(seq)))
        .collect();
    bus.emit_many(requests).await?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// The same with 256 spawned tasks (kept for comparison: `--in-flight spawn`).
pub async fn in_flight_spawned(bus: &Bus, n: u64) -> BenchResult<f64> {
    let per_task = n / IN_FLIGHT as u64;
    let started = Instant::now();
    let tasks: Vec<_> = (0..IN_FLIGHT as u64)
        .map(|task| {
            let bus = bus.clone();
            tokio::spawn(async move {
                for seq in task * per_task..(task + 1) * per_task {
                    bus.emit(IN_FLIGHT_TYPE, event_data(seq)).await?;
                }
                Ok::<_, tidings::Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok((per_task * IN_FLIGHT as u64) as f64 / started.elapsed().as_secs_f64())
}

/// Events/s of `n` emits from `threads` OS threads that are not runtime workers, each
/// blocking on one emit at a time with `Handle::block_on`: the threading model of a C program
/// calling `tidings_emit` (bench/c: one thread, and 256), without the C API, so the two rows
/// together show what the C layer itself costs.
pub fn blocking_threads(handle: &Handle, bus: &Bus, threads: u64, n: u64) -> BenchResult<f64> {
    let per_thread = n / threads;
    let started = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                scope.spawn(move || {
                    for seq in thread * per_thread..(thread + 1) * per_thread {
                        handle.block_on(bus.emit(IN_FLIGHT_TYPE, event_data(seq)))?;
                    }
                    Ok::<_, tidings::Error>(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|worker| worker.join().expect("an emitting thread panicked"))
    })?;
    Ok((per_thread * threads) as f64 / started.elapsed().as_secs_f64())
}
