//! The Rust contenders and how they are driven: the tidings core (`Bus`, with and without
//! `low_latency`) and a hand-rolled redis-rs client doing the same emit (an envelope of the same
//! shape, `XADD` + `PUBLISH` pipelined in one round trip: the gap between the two is the core's
//! own cost), each connected on both tokio runtime flavours; plus the event data they send.

use crate::BenchResult;
use futures_util::{stream, StreamExt, TryStreamExt};
use redis::aio::MultiplexedConnection;
use serde_json::{json, Value};
use std::future::Future;
use std::time::Instant;
use tidings::{Bus, EmitRequest};
use tokio::runtime::Runtime;

pub const CORE: &str = "tidings (Rust core)";
pub const RAW: &str = "raw redis-rs (XADD+PUBLISH pipeline)";
pub const RAW_CHANNEL: &str = "bench:raw:live";
/// Every key the Rust rows write, deleted before each of them.
pub const KEYS: &[&str] = &[
    "stream:bench.emit",
    "stream:bench.many",
    "stream:bench.latency",
    "bench:raw",
    "bench:rb",
];

/// Pads the data to 100 bytes of JSON (`{"seq":100000,"pad":"…"}`).
const PAD: &str = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxy";

/// The `data` of event number `seq`.
pub fn event_data(seq: u64) -> Value {
    json!({ "seq": seq, "pad": PAD })
}

/// The `data` of a latency probe, as long: the sender's realtime clock, ns since the epoch.
pub fn latency_data() -> Value {
    json!({ "sent_ns": now_ns(), "pad": &PAD[..PAD.len() - 17] })
}

pub fn now_ns() -> u64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since_epoch.expect("clock after 1970").as_nanos() as u64
}

pub fn runtime(flavor: &str) -> BenchResult<Runtime> {
    let mut builder = match flavor {
        "current-thread" => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    Ok(builder.enable_all().build()?)
}

/// Whatever sends the emits of a row.
#[derive(Clone)]
pub enum Emitter {
    Core(Bus, &'static str),
    Raw(MultiplexedConnection),
}

impl Emitter {
    pub async fn send(&self, data: Value) -> BenchResult<()> {
        match self {
            Emitter::Core(bus, event_type) => drop(bus.emit(event_type, data).await?),
            Emitter::Raw(connection) => raw_emit(connection.clone(), data).await?,
        }
        Ok(())
    }
}

/// The raw contender's emit: a CloudEvents-shaped envelope (the core's fields, about its
/// size), appended and published in one pipeline.
async fn raw_emit(mut connection: MultiplexedConnection, data: Value) -> redis::RedisResult<()> {
    let envelope = json!({
        "specversion": "1.0", "id": format!("{:032x}", now_ns()), "type": "bench.raw",
        "source": "tidings-bench", "time": now_ns().to_string(),
        "datacontenttype": "application/json", "version": "1", "data": data,
    })
    .to_string();
    let mut pipe = redis::pipe();
    pipe.cmd("XADD")
        .arg(&["bench:raw", "*", "event", &envelope][..]);
    pipe.cmd("PUBLISH")
        .arg(&[RAW_CHANNEL, &envelope][..])
        .ignore();
    pipe.query_async(&mut connection).await
}

/// Which of a flavour's emitters: the bus, the bus with `low_latency`, raw redis-rs.
pub const BUS: usize = 0;
pub const LOW_LATENCY: usize = 1;
pub const RAW_REDIS: usize = 2;

/// A tokio runtime flavour with the contenders connected and warmed up on it. Both flavours
/// are measured: on 2 cores the multi-thread one (`#[tokio::main]`'s) pays for cross-thread
/// wake-ups, and the current-thread one is a choice a service (or a binding) can make.
pub struct Flavor {
    pub name: &'static str,
    pub rt: Runtime,
    pub bus: Bus,
    /// By `BUS`, `LOW_LATENCY`, `RAW_REDIS`.
    pub emitters: [Emitter; 3],
}

impl Flavor {
    pub fn connect(name: &'static str, url: &str) -> BenchResult<Flavor> {
        let rt = runtime(name)?;
        let (bus, emitters) = rt.block_on(async {
            let bus = Bus::connect(url).await?;
            let low_latency = Bus::builder(url).low_latency(true).build().await?;
            let raw = redis::Client::open(url)?;
            let raw = Emitter::Raw(raw.get_multiplexed_async_connection().await?);
            let [core, low_latency] =
                [&bus, &low_latency].map(|b| Emitter::Core(b.clone(), "bench.emit"));
            for emitter in [&core, &low_latency, &raw] {
                in_flight(emitter.clone(), 2_000).await?;
            }
            BenchResult::Ok((bus, [core, low_latency, raw]))
        })?;
        Ok(Flavor {
            name,
            rt,
            bus,
            emitters,
        })
    }

    /// Runs `work` as a task on the runtime, the way a service's handlers run. (Blocking on it
    /// would run it on the calling thread, no worker of a multi-thread runtime: every await
    /// would then cross threads twice.)
    pub fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = BenchResult<T>> + Send + 'static,
    ) -> BenchResult<T> {
        self.rt.block_on(self.rt.spawn(work))?
    }
}

fn per_second(n: u64, started: Instant) -> f64 {
    n as f64 / started.elapsed().as_secs_f64()
}

/// Events/s of `n` emits, each awaited before the next starts.
pub async fn one_at_a_time(emitter: Emitter, n: u64) -> BenchResult<f64> {
    let started = Instant::now();
    for seq in 0..n {
        emitter.send(event_data(seq)).await?;
    }
    Ok(per_second(n, started))
}

/// Events/s of `n` emits, 256 in flight, driven by one task with `buffer_unordered` (the shape
/// of an application awaiting a stream of emits; 256 spawned tasks measured no different).
pub async fn in_flight(emitter: Emitter, n: u64) -> BenchResult<f64> {
    let started = Instant::now();
    let emits = stream::iter(0..n).map(|seq| emitter.send(event_data(seq)));
    emits
        .buffer_unordered(256)
        .try_for_each(|()| async { Ok(()) })
        .await?;
    Ok(per_second(n, started))
}

/// Events/s of `n` emits from this thread, which is no runtime worker, blocking on each: the
/// threading of a binding's caller or of a C program calling `tidings_emit`.
pub fn from_plain_thread(flavor: &Flavor, emitter: &Emitter, n: u64) -> BenchResult<f64> {
    let started = Instant::now();
    for seq in 0..n {
        flavor.rt.block_on(emitter.send(event_data(seq)))?;
    }
    Ok(per_second(n, started))
}

/// Events/s of one `emit_many` of `n` events.
pub async fn emit_many(bus: Bus, n: u64) -> BenchResult<f64> {
    let requests = (0..n)
        .map(|seq| EmitRequest::new("bench.many", event_data(seq)))
        .collect();
    let started = Instant::now();
    bus.emit_many(requests).await?;
    Ok(per_second(n, started))
}

/// Events/s of one at a time emits on a fresh `memory://` bus: the core without Redis.
pub async fn on_memory(n: u64) -> BenchResult<f64> {
    let bus = Bus::connect("memory://").await?;
    let rate = one_at_a_time(Emitter::Core(bus.clone(), "bench.memory"), n).await;
    bus.close().await;
    rate
}

/// Round trips/s of two plain threads waking each other through channels, `n` times: the
/// hand-off a binding's awaited emit pays twice (into the core's runtime thread and back).
pub fn wake_ups(n: u64) -> BenchResult<f64> {
    let (ping, pinged) = std::sync::mpsc::sync_channel::<u64>(1);
    let (pong, ponged) = std::sync::mpsc::sync_channel::<u64>(1);
    let echo = std::thread::spawn(move || {
        while let Ok(seq) = pinged.recv() {
            let _ = pong.send(seq);
        }
    });
    let started = Instant::now();
    for seq in 0..n {
        ping.send(seq)?;
        ponged.recv()?;
    }
    let rate = per_second(n, started);
    drop(ping);
    echo.join().map_err(|_| "the echo thread panicked")?;
    Ok(rate)
}
