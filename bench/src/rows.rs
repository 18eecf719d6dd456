//! The rows of the table: every contender's measurements, on both tokio runtime flavours.
//! To add a contender, push its `Measurement`s in `measurements` with the right `Role`.

use crate::report::{Measurement, Role};
use crate::target::Target;
use crate::{core, floor, latency, raw, redis_benchmark, stats, workload, BenchResult, Options};
use std::future::Future;
use tokio::runtime::Runtime;

/// A tokio runtime flavour and the clients connected on it. Both flavours are measured: on a
/// 2-core machine the multi-thread one (the `#[tokio::main]` default) pays for cross-thread
/// wake-ups, and the current-thread one is a legitimate choice a user (or a binding) can make.
pub struct Flavor {
    pub name: &'static str,
    pub rt: Runtime,
    pub bus: tidings::Bus,
    pub raw: redis::aio::MultiplexedConnection,
}

pub fn runtime(name: &str) -> BenchResult<Runtime> {
    let mut builder = match name {
        "current-thread" => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    Ok(builder.enable_all().build()?)
}

impl Flavor {
    /// The flavour's runtime with a warmed-up bus and raw connection, and one envelope.
    pub fn connect(name: &'static str, url: &str) -> BenchResult<(Flavor, String)> {
        let rt = runtime(name)?;
        let (bus, envelope) = rt.block_on(core::connect(url))?;
        let raw = rt.block_on(raw::connect(url))?;
        Ok((Flavor { name, rt, bus, raw }, envelope))
    }

    /// Runs a measurement as a task on the runtime, the way a service's handlers run. Blocking
    /// on the future itself would run it on the thread that calls `block_on`, which on the
    /// multi-thread flavour is not a worker: every await would then cross threads twice, and
    /// one-at-a-time emits measured that way ran at half the rate (both tidings and raw
    /// redis-rs, 3 paired runs).
    pub fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = BenchResult<T>> + Send + 'static,
    ) -> BenchResult<T> {
        self.rt.block_on(self.rt.spawn(work))?
    }
}

/// Every row of the table, in order.
pub fn measurements<'a>(
    options: &Options,
    target: &'a Target,
    flavors: &'a [Flavor],
    envelope: &str,
) -> Vec<Measurement<'a>> {
    let url = target.url();
    let mut rows = Vec::new();
    if redis_benchmark::available() {
        let payload = workload::benchmark_payload();
        let single = [(1, 1, options.rb_single, Role::ServerOneAtATime)];
        let pipelined = [
            (1, 256, Role::ServerPipelined),
            (4, 64, Role::ServerPipelined),
        ]
        .map(|(c, p, role)| (c, p, options.rb_pipelined, role));
        for (clients, pipeline, n, role) in pipelined.into_iter().chain(single) {
            let payload = payload.clone();
            rows.push(Measurement {
                contender: "redis-benchmark",
                what: format!("XADD, `-c {clients} -P {pipeline}`"),
                role,
                keys: vec!["bench:rb"],
                run: Box::new(move || {
                    let rate =
                        redis_benchmark::xadd(url, "bench:rb", &payload, clients, pipeline, n)?;
                    Ok(vec![rate])
                }),
            });
        }
        // The server's work of a tidings emit, one command at a time: its ceiling for emits is
        // 1 / (1/XADD + 1/PUBLISH) of these rates.
        let (clients, pipeline, n) = (4, 64, options.rb_pipelined);
        let xadd_envelope = envelope.to_owned();
        rows.push(Measurement {
            contender: "redis-benchmark",
            what: format!("XADD of a tidings envelope, `-c {clients} -P {pipeline}`"),
            role: Role::ServerEnvelopeXadd,
            keys: vec!["bench:rb"],
            run: Box::new(move || {
                let rate =
                    redis_benchmark::xadd(url, "bench:rb", &xadd_envelope, clients, pipeline, n)?;
                Ok(vec![rate])
            }),
        });
        let publish_envelope = envelope.to_owned();
        rows.push(Measurement {
            contender: "redis-benchmark",
            what: format!("PUBLISH of a tidings envelope, `-c {clients} -P {pipeline}`"),
            role: Role::ServerEnvelopePublish,
            keys: vec![],
            run: Box::new(move || {
                let publish = ["PUBLISH", "bench:rb", publish_envelope.as_str()];
                let rate = redis_benchmark::command(url, &publish, clients, pipeline, n)?;
                Ok(vec![rate])
            }),
        });
    } else {
        eprintln!(
            "redis-benchmark is not on PATH (Debian: apt install redis-tools): skipping its rows"
        );
    }
    let (n_seq, n_flight, spawn) = (
        options.sequential,
        options.in_flight,
        options.spawn_in_flight,
    );
    for f in flavors {
        rows.push(Measurement {
            contender: core::CONTENDER,
            what: format!("emit, one at a time (awaited), {}", f.name),
            role: Role::OneAtATime,
            keys: vec!["stream:bench.sequential"],
            run: Box::new(move || {
                let bus = f.bus.clone();
                Ok(vec![
                    f.run(async move { core::sequential(&bus, n_seq).await })?
                ])
            }),
        });
    }
    for f in flavors {
        let how = if spawn {
            "256 tasks"
        } else {
            "buffer_unordered"
        };
        rows.push(Measurement {
            contender: core::CONTENDER,
            what: format!("emit, 256 in flight ({how}), {}", f.name),
            role: Role::InFlight,
            keys: vec!["stream:bench.inflight"],
            run: Box::new(move || {
                let bus = f.bus.clone();
                let rate = f.run(async move {
                    if spawn {
                        core::in_flight_spawned(&bus, n_flight).await
                    } else {
                        core::in_flight(&bus, n_flight).await
                    }
                })?;
                Ok(vec![rate])
            }),
        });
    }
    // Only on the multi-thread runtime, as the C binding runs: a current-thread runtime is
    // driven by the thread that blocks on it, and here no thread does.
    for f in flavors.iter().filter(|f| f.name == "multi-thread") {
        let blocking = [
            (
                1,
                n_seq,
                "one at a time from a plain thread",
                Role::OneAtATimeBlocking,
            ),
            (256, n_flight, "256 plain threads", Role::InFlightThreads),
        ];
        for (threads, n, who, role) in blocking {
            rows.push(Measurement {
                contender: core::CONTENDER,
                what: format!(
                    "emit, {who} blocking on each (Handle::block_on), {}",
                    f.name
                ),
                role,
                keys: vec!["stream:bench.inflight"],
                run: Box::new(move || {
                    Ok(vec![core::blocking_threads(
                        f.rt.handle(),
                        &f.bus,
                        threads,
                        n,
                    )?])
                }),
            });
        }
    }
    for f in flavors {
        rows.push(Measurement {
            contender: core::CONTENDER,
            what: format!(
                "emit_many of {} events, {}",
                stats::thousands(n_flight as f64),
                f.name
            ),
            role: Role::Batch,
            keys: vec!["stream:bench.many"],
            run: Box::new(move || {
                let bus = f.bus.clone();
                Ok(vec![f.run(async move {
                    core::emit_many(&bus, n_flight).await
                })?])
            }),
        });
    }
    let (count, skip) = (options.latency, options.latency_warmup);
    for f in flavors {
        rows.push(Measurement {
            contender: core::CONTENDER,
            what: format!("emit → subscriber, 2 processes, 1,000 events/s, {}", f.name),
            role: Role::Latency,
            keys: vec!["stream:bench.latency"],
            run: Box::new(move || {
                let (bus, url, name) = (f.bus.clone(), url.to_owned(), f.name);
                f.run(async move {
                    let emit =
                        async |data| Ok(bus.emit(latency::EVENT_TYPE, data).await.map(drop)?);
                    let sub = "latency-subscriber";
                    latency::measure(sub, name, &url, count, skip, emit).await
                })
            }),
        });
    }
    for f in flavors {
        rows.push(Measurement {
            contender: raw::CONTENDER,
            what: format!("XADD+PUBLISH pipeline, one at a time, {}", f.name),
            role: Role::OneAtATime,
            keys: vec![raw::STREAM],
            run: Box::new(move || {
                let raw = f.raw.clone();
                Ok(vec![
                    f.run(async move { raw::sequential(&raw, n_seq).await })?
                ])
            }),
        });
    }
    for f in flavors {
        rows.push(Measurement {
            contender: raw::CONTENDER,
            what: format!("XADD+PUBLISH pipeline, 256 in flight, {}", f.name),
            role: Role::InFlight,
            keys: vec![raw::STREAM],
            run: Box::new(move || {
                let raw = f.raw.clone();
                Ok(vec![f.run(async move {
                    raw::in_flight(&raw, n_flight).await
                })?])
            }),
        });
    }
    for f in flavors {
        rows.push(Measurement {
            contender: raw::CONTENDER,
            what: format!(
                "XADD+PUBLISH → SUBSCRIBE, 2 processes, 1,000 events/s, {}",
                f.name
            ),
            role: Role::Latency,
            keys: vec![raw::STREAM],
            run: Box::new(move || {
                let (raw, url, name) = (f.raw.clone(), url.to_owned(), f.name);
                f.run(async move {
                    let emit = async |data| Ok(raw::emit(raw.clone(), 0, data).await?);
                    let sub = "raw-latency-subscriber";
                    latency::measure(sub, name, &url, count, skip, emit).await
                })
            }),
        });
    }
    for f in flavors {
        rows.push(Measurement {
            contender: core::CONTENDER,
            what: format!(
                "emit, one at a time (awaited), on memory:// (no Redis), {}",
                f.name
            ),
            role: Role::Receive,
            keys: vec![],
            run: Box::new(move || Ok(vec![f.run(floor::memory_sequential(n_flight))?])),
        });
    }
    rows.push(Measurement {
        contender: floor::CONTENDER,
        what: "wake-up round trips between two plain threads (a binding's two hand-offs per awaited emit)"
            .to_owned(),
        role: Role::Receive,
        keys: vec![],
        run: Box::new(move || Ok(vec![floor::thread_round_trips(n_seq)?])),
    });
    rows
}
