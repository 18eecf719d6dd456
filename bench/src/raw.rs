//! A reference contender: what a hand-rolled redis-rs client does for the same emit, i.e.
//! serialise an envelope of the same shape, then `XADD` + `PUBLISH` pipelined in one round trip
//! on a `MultiplexedConnection`. The gap between this and the core is the core's own overhead.

use crate::workload::{event_data, now_ns, IN_FLIGHT};
use crate::BenchResult;
use futures_util::{stream, StreamExt, TryStreamExt};
use redis::aio::MultiplexedConnection;
use serde_json::{json, Value};
use std::time::Instant;

pub const CONTENDER: &str = "raw redis-rs";
pub const STREAM: &str = "bench:raw";
pub const CHANNEL: &str = "bench:raw:live";

pub async fn connect(url: &str) -> BenchResult<MultiplexedConnection> {
    let client = redis::Client::open(url)?;
    let connection = client.get_multiplexed_async_connection().await?;
    in_flight(&connection, 2_000).await?;
    Ok(connection)
}

/// One emit: a CloudEvents-shaped envelope (same fields and about the same size as the core's),
/// appended and published in one pipeline.
pub async fn emit(
    mut connection: MultiplexedConnection,
    seq: u64,
    data: Value,
) -> redis::RedisResult<()> {
    let envelope = json!({
        "specversion": "1.0",
        "id": format!("{:032x}", u128::from(seq) << 64 | u128::from(now_ns())),
        "type": "bench.raw",
        "source": "tidings-bench",
        "time": now_ns().to_string(),
        "datacontenttype": "application/json",
        "version": "1",
        "data": data,
    })
    .to_string();
    let (_id,): (redis::Value,) = redis::pipe()
        .cmd("XADD")
        .arg(STREAM)
        .arg("*")
        .arg("event")
        .arg(&envelope)
        .cmd("PUBLISH")
        .arg(CHANNEL)
        .arg(&envelope)
        .ignore()
        .query_async(&mut connection)
        .await?;
    Ok(())
}

/// Events/s of `n` emits, each awaited before the next starts.
pub async fn sequential(connection: &MultiplexedConnection, n: u64) -> BenchResult<f64> {
    let started = Instant::now();
    for seq in 0..n {
        emit(connection.clone(), seq, event_data(seq)).await?;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Events/s of `n` emits with 256 in flight.
pub async fn in_flight(connection: &MultiplexedConnection, n: u64) -> BenchResult<f64> {
    let started = Instant::now();
    stream::iter(0..n)
        .map(|seq| emit(connection.clone(), seq, event_data(seq)))
        .buffer_unordered(IN_FLIGHT)
        .try_for_each(|_| async { Ok(()) })
        .await?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}
