//! The sections of the bench. A section is a name, a time budget, the rows this binary measures
//! itself, and a last step over the section's table rows; the bindings' benches are asked for
//! the section by name. To add one, add it to `SECTIONS` (and a case to the benches that have
//! rows for it).

use crate::core::{self, Emitter, Flavor, BUS, CORE, LOW_LATENCY, RAW, RAW_REDIS};
use crate::server::Server;
use crate::table::{rate, Kind, Row, Sample};
use crate::{history, latency, redis_benchmark, table, BenchResult};
use std::time::Duration;

pub struct Section {
    pub name: &'static str,
    /// Minutes a full run (5 rounds) may take, and a `--quick` one (1 round).
    budget: [u64; 2],
    pub rows: fn(&Context, bool) -> Vec<Measurement<'_>>,
    /// Run over the section's table rows after its last round (rows derived from others).
    pub finish: fn(&mut Vec<Row>),
}

pub const SECTIONS: [Section; 3] = [
    section("emit", [10, 2], emit, emit_ceiling),
    section("latency", [10, 1], latency, |_| {}),
    section("history", [5, 1], history, |_| {}),
];

const fn section(
    name: &'static str,
    budget: [u64; 2],
    rows: fn(&Context, bool) -> Vec<Measurement<'_>>,
    finish: fn(&mut Vec<Row>),
) -> Section {
    Section {
        name,
        budget,
        rows,
        finish,
    }
}

impl Section {
    /// The budget of `runs` rounds, in proportion to the rounds it is set for.
    pub fn budget(&self, quick: bool, runs: usize) -> Duration {
        let (minutes, rounds) = if quick {
            (self.budget[1], 1)
        } else {
            (self.budget[0], 5)
        };
        Duration::from_secs(60 * minutes) * runs as u32 / rounds
    }
}

/// What the rows run against: the server and the contenders on both runtime flavours.
pub struct Context {
    pub server: Server,
    pub flavors: Vec<Flavor>,
    /// One tidings envelope as stored (for redis-benchmark's rows of the server's emit work).
    pub envelope: String,
}

impl Context {
    pub fn start() -> BenchResult<Context> {
        let server = Server::start();
        let flavors =
            ["multi-thread", "current-thread"].map(|name| Flavor::connect(name, &server.url));
        let flavors = flavors.into_iter().collect::<BenchResult<Vec<_>>>()?;
        let (f, data) = (&flavors[0], core::event_data(0));
        let event =
            f.rt.block_on(f.bus.emit_event("bench.emit", data, Default::default()));
        Ok(Context {
            envelope: event?.to_json(),
            server,
            flavors,
        })
    }
}

/// A Rust row, [contender, what, setup], and its run (once a round).
pub type Measurement<'a> = ([String; 3], Box<dyn FnMut() -> BenchResult<Sample> + 'a>);

fn row<'a>(key: [&str; 3], mut run: impl FnMut() -> BenchResult<f64> + 'a) -> Measurement<'a> {
    (key.map(str::to_owned), Box::new(move || Ok(rate(run()?))))
}

/// "multi-thread", "current-thread, low_latency".
fn setup(flavor: &Flavor, emitter: usize) -> String {
    let option = if emitter == LOW_LATENCY {
        ", low_latency"
    } else {
        ""
    };
    format!("{}{option}", flavor.name)
}

const ENVELOPE_XADD: &str = "XADD of a tidings envelope, `-c 4 -P 64`";
const ENVELOPE_PUBLISH: &str = "PUBLISH of a tidings envelope, `-c 4 -P 64`";

/// The emit rows: the server's own speed, the core, raw redis-rs and two references.
fn emit(cx: &Context, quick: bool) -> Vec<Measurement<'_>> {
    let [n_seq, n_flight, n_rb, n_rb1] = match quick {
        true => [2_000, 20_000, 50_000, 5_000],
        false => [20_000, 100_000, 200_000, 20_000],
    };
    let (url, data, envelope) = (
        cx.server.url.as_str(),
        core::event_data(100_000).to_string(),
        &cx.envelope,
    );
    let xadd = |payload: &str| ["XADD", "bench:rb", "*", "event", payload].map(String::from);
    let publish = ["PUBLISH", "bench:rb", envelope, "", ""].map(String::from);
    let server_rows = [
        ("XADD, `-c 1 -P 256`", [1, 256], n_rb, xadd(&data)),
        ("XADD, `-c 4 -P 64`", [4, 64], n_rb, xadd(&data)),
        ("XADD, `-c 1 -P 1`", [1, 1], n_rb1, xadd(&data)),
        (ENVELOPE_XADD, [4, 64], n_rb, xadd(envelope)),
        (ENVELOPE_PUBLISH, [4, 64], n_rb, publish),
    ];
    let mut rows = Vec::new();
    let server_rows = match redis_benchmark::available() {
        true => Vec::from(server_rows),
        false => {
            eprintln!(
                "no redis-benchmark on PATH (Debian: apt install redis-tools): no rows of it"
            );
            Vec::new()
        }
    };
    for (what, [clients, pipeline], n, command) in server_rows {
        let command: Vec<String> = command.into_iter().filter(|arg| !arg.is_empty()).collect();
        rows.push(row(["redis-benchmark", what, ""], move || {
            redis_benchmark::run(url, &command, clients, pipeline, n)
        }));
    }
    let one_at_a_time = "emit, one at a time (awaited)";
    for (contender, which) in [(CORE, BUS), (CORE, LOW_LATENCY), (RAW, RAW_REDIS)] {
        for f in &cx.flavors {
            let emitter = f.emitters[which].clone();
            let key = [contender, one_at_a_time, &setup(f, which)];
            rows.push(row(key, move || {
                f.run(core::one_at_a_time(emitter.clone(), n_seq))
            }));
        }
    }
    // On the multi-thread runtime only: a current-thread one runs only while a thread blocks on it.
    let (f, from_thread) = (
        &cx.flavors[0],
        "emit, one at a time from a plain thread blocking on each",
    );
    for which in [BUS, LOW_LATENCY] {
        let emitter = f.emitters[which].clone();
        let key = [CORE, from_thread, &setup(f, which)];
        rows.push(row(key, move || {
            core::from_plain_thread(f, &emitter, n_seq)
        }));
    }
    for (contender, which) in [(CORE, BUS), (RAW, RAW_REDIS)] {
        for f in &cx.flavors {
            let emitter = f.emitters[which].clone();
            let key = [contender, "emit, 256 in flight", f.name];
            rows.push(row(key, move || {
                f.run(core::in_flight(emitter.clone(), n_flight))
            }));
        }
    }
    let many = format!("emit_many of {} events", table::thousands(n_flight as f64));
    for f in &cx.flavors {
        let run = move || f.run(core::emit_many(f.bus.clone(), n_flight));
        rows.push(row([CORE, &many, f.name], run));
    }
    let on_memory = "emit, one at a time (awaited), on memory:// (no Redis)";
    for f in &cx.flavors {
        rows.push(row([CORE, on_memory, f.name], move || {
            f.run(core::on_memory(n_flight))
        }));
    }
    let what =
        "wake-up round trips of two plain threads (a binding's two hand-offs per awaited emit)";
    rows.push(row(["reference", what, ""], move || core::wake_ups(n_seq)));
    rows
}

/// Adds, after the envelope rows, the server's ceiling for tidings emits: each costs it an
/// `XADD` and a `PUBLISH` of an envelope, whose times add: 1 / (1/XADD + 1/PUBLISH), per round.
fn emit_ceiling(rows: &mut Vec<Row>) {
    let find = |what| rows.iter().position(|r| r.what == what);
    let (Some(xadd), Some(publish)) = (find(ENVELOPE_XADD), find(ENVELOPE_PUBLISH)) else {
        return;
    };
    let both = rows[xadd].samples.iter().zip(&rows[publish].samples);
    let ceiling = Row {
        source: rows[publish].source,
        contender: "redis-benchmark".into(),
        what: "the server's ceiling for tidings emits: 1 / (1/XADD + 1/PUBLISH) above".into(),
        setup: String::new(),
        kind: Kind::Rate,
        samples: both
            .map(|(x, p)| vec![1.0 / (1.0 / x[0] + 1.0 / p[0])])
            .collect(),
        server_cpu: Vec::new(),
    };
    rows.insert(publish + 1, ceiling);
}

/// The latency rows: the core and raw redis-rs emitting here to a subscriber in another process,
/// on both runtime flavours.
fn latency(cx: &Context, quick: bool) -> Vec<Measurement<'_>> {
    let counts = if quick { [500, 100] } else { [3_000, 200] };
    let what = "emit → subscriber, 2 processes, 1,000 events/s";
    let raw_subscribe = "raw redis-rs (XADD+PUBLISH → SUBSCRIBE)";
    let mut rows: Vec<Measurement> = Vec::new();
    for (raw, contender) in [(false, CORE), (true, raw_subscribe)] {
        for f in &cx.flavors {
            let emitter = match raw {
                true => f.emitters[RAW_REDIS].clone(),
                false => Emitter::Core(f.bus.clone(), latency::EVENT_TYPE),
            };
            let run = move || {
                let (emitter, url, name) = (emitter.clone(), cx.server.url.clone(), f.name);
                f.run(async move { latency::measure(raw, name, &url, counts, emitter).await })
            };
            rows.push(([contender, what, f.name].map(str::to_owned), Box::new(run)));
        }
    }
    rows
}

/// The history rows: a dashboard's first page over 10, 100 and 1,000 types, tidings and by hand.
fn history(cx: &Context, quick: bool) -> Vec<Measurement<'_>> {
    let (type_counts, calls): (&[usize], usize) = match quick {
        true => (&[10, 100], 5),
        false => (&[10, 100, 1_000], 20),
    };
    let f = &cx.flavors[0];
    let url = cx.server.url.as_str();
    let mut rows: Vec<Measurement> = Vec::new();
    for &types in type_counts {
        let what = format!(
            "history('*', limit 100), {} types × 100 events, per call",
            table::thousands(types as f64)
        );
        let by_hand = "redis-rs by hand (XREVRANGE COUNT 100 per type, pipelined, sorted)";
        rows.push((
            [CORE, what.as_str(), f.name].map(str::to_owned),
            Box::new(move || history::core(f, url, types, calls)),
        ));
        rows.push((
            [by_hand, what.as_str(), f.name].map(str::to_owned),
            Box::new(move || history::by_hand(f, url, types, calls)),
        ));
    }
    rows
}
