//! Reference rows for what a binding adds to an emit: the core emitting one at a time on
//! `memory://` (no Redis, no thread crossed), and a wake-up round trip between two plain threads,
//! the hand-off a binding pays twice per awaited emit (into the core's runtime thread and back).
//! The bindings' benches report their own one-at-a-time emits on `memory://` beside these.

use crate::{core, BenchResult};
use std::sync::mpsc;
use std::time::Instant;
use tidings::Bus;

pub const CONTENDER: &str = "reference";

/// Events/s of `n` emits on a private `memory://` bus (freed after), each awaited before the
/// next: the core's one-at-a-time measurement without Redis.
pub async fn memory_sequential(n: u64) -> BenchResult<f64> {
    let bus = Bus::connect("memory://").await?;
    let rate = core::sequential(&bus, n).await;
    bus.close().await;
    rate
}

/// Round trips/s between two threads that wake each other through channels, `n` times.
pub fn thread_round_trips(n: u64) -> BenchResult<f64> {
    let (ping, pinged) = mpsc::sync_channel::<u64>(1);
    let (pong, ponged) = mpsc::sync_channel::<u64>(1);
    let echo = std::thread::spawn(move || {
        while let Ok(seq) = pinged.recv() {
            if pong.send(seq).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    for seq in 0..n {
        ping.send(seq)?;
        if ponged.recv()? != seq {
            return Err("the echo thread answered out of turn".into());
        }
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    drop(ping);
    echo.join().map_err(|_| "the echo thread panicked")?;
    Ok(rate)
}
