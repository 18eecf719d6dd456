//! The results table. Every contender contributes `Measurement`s (or, for the bindings' benches,
//! `Outcome`s made in bindings.rs) with a `Role`; the role says which redis-benchmark figure a
//! row is compared with, and an outcome's `note` adds the comparison its issue's target is about.

use crate::stats::{in_series, thousands, Summary};
use crate::BenchResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// redis-benchmark, pipelined: the best of these is the "server limit".
    ServerPipelined,
    /// redis-benchmark `-c 1 -P 1`.
    ServerOneAtATime,
    /// redis-benchmark `XADD` of a whole tidings envelope: the first of an emit's two commands.
    ServerEnvelopeXadd,
    /// redis-benchmark `PUBLISH` of a whole tidings envelope: the second.
    ServerEnvelopePublish,
    /// A contender's 256-in-flight emits (events/s), compared with the server limit.
    InFlight,
    /// 256 OS threads each blocking on one emit at a time (the C API's model), compared with
    /// the server limit; judged only by the C binding's same-model comparison.
    InFlightThreads,
    /// A contender's batch API (events/s), compared with the server limit but judged by no target.
    Batch,
    /// A contender's awaited one-at-a-time emits (events/s), compared with `-c 1 -P 1`.
    OneAtATime,
    /// One plain thread blocking on one emit at a time (the C API's model), compared with
    /// `-c 1 -P 1`; judged only by the C binding's same-model comparison.
    OneAtATimeBlocking,
    /// Events/s a subscriber receives (bindings' benches); compared with nothing here.
    Receive,
    /// Emit-to-subscriber latency: the run returns [p50, p99, max] in µs (bindings: [p50, p99]).
    Latency,
}

/// One row: run `R` times, one sample (a list of figures) per run.
pub struct Measurement<'a> {
    pub contender: &'static str,
    pub what: String,
    pub role: Role,
    /// Keys deleted before every run so streams do not grow without bound.
    pub keys: Vec<&'static str>,
    pub run: Box<dyn FnMut() -> BenchResult<Vec<f64>> + 'a>,
}

/// A measured row: a summary per figure.
pub struct Outcome {
    pub contender: String,
    pub what: String,
    pub role: Role,
    pub figures: Vec<Summary>,
    /// redis-server's CPU use during the measurement, in percent of one core.
    pub server_cpu: Option<Summary>,
    /// The comparison this row's issue target is about (appended to the redis-benchmark one).
    pub note: Option<String>,
}

/// The median of the best pipelined redis-benchmark row, and of `-c 1 -P 1`.
fn baselines(outcomes: &[Outcome]) -> (Option<f64>, Option<f64>) {
    let best = |role| {
        outcomes
            .iter()
            .filter(|o| o.role == role)
            .map(|o| o.figures[0].median)
            .reduce(f64::max)
    };
    (best(Role::ServerPipelined), best(Role::ServerOneAtATime))
}

/// The most emits/s the server can take, from the medians of its envelope `XADD` and `PUBLISH`
/// rows: each emit costs it one of each, so their times per command add up. redis-benchmark
/// keeps the server busy in those rows (95-98% of a core in `make bench`); where it could not,
/// the figure is low.
fn emit_ceiling(outcomes: &[Outcome]) -> Option<f64> {
    let median = |role| {
        outcomes
            .iter()
            .find(|o| o.role == role)
            .map(|o| o.figures[0].median)
    };
    let (xadd, publish) = (
        median(Role::ServerEnvelopeXadd)?,
        median(Role::ServerEnvelopePublish)?,
    );
    Some(in_series(xadd, publish))
}

fn percent(value: f64, of: Option<f64>) -> Option<f64> {
    of.map(|base| 100.0 * value / base)
}

/// Prints the table; `core`'s latency rows name their target.
pub fn print_table(outcomes: &[Outcome], runs: usize, core: &str) {
    let (limit, single) = baselines(outcomes);
    println!(
        "| contender | what | median of {runs} | min – max | server CPU | vs redis-benchmark · \
         issue target |"
    );
    println!("|---|---|---:|---:|---:|---|");
    for o in outcomes {
        let f = &o.figures;
        let (value, range, versus) = match o.role {
            Role::Latency => (
                format!(
                    "p50 {} µs · p99 {} µs{}",
                    thousands(f[0].median),
                    thousands(f[1].median),
                    f.get(2).map_or(String::new(), |max| format!(
                        " · max {} µs",
                        thousands(max.median)
                    ))
                ),
                format!("p99 {} – {} µs", thousands(f[1].min), thousands(f[1].max)),
                if o.contender == core {
                    "target: p99 ≤ 1,000 µs".to_owned()
                } else {
                    o.note.clone().unwrap_or_else(|| "(reference)".to_owned())
                },
            ),
            role => {
                let versus = match role {
                    Role::ServerPipelined if Some(f[0].median) == limit => "server limit".into(),
                    Role::InFlight | Role::InFlightThreads | Role::Batch => {
                        percent(f[0].median, limit)
                            .map_or("—".into(), |p| format!("{p:.0}% of server limit"))
                    }
                    Role::OneAtATime | Role::OneAtATimeBlocking => percent(f[0].median, single)
                        .map_or("—".into(), |p| format!("{p:.0}% of `-c 1 -P 1`")),
                    Role::ServerEnvelopePublish => emit_ceiling(outcomes).map_or(
                        String::new(),
                        |ceiling| {
                            format!(
                                "with the row above: the server's ceiling for tidings emits, {}/s = \
                                 {:.0}% of server limit",
                                thousands(ceiling),
                                percent(ceiling, limit).unwrap_or(f64::NAN)
                            )
                        },
                    ),
                    _ => String::new(),
                };
                let versus = match (versus.is_empty(), &o.note) {
                    (_, None) => versus,
                    (true, Some(note)) => note.clone(),
                    (false, Some(note)) => format!("{versus} · {note}"),
                };
                let range = format!("{} – {}", thousands(f[0].min), thousands(f[0].max));
                (format!("{}/s", thousands(f[0].median)), range, versus)
            }
        };
        let cpu = o
            .server_cpu
            .map_or("—".to_owned(), |cpu| format!("{:.0}%", cpu.median));
        println!(
            "| {} | {} | {value} | {range} | {cpu} | {versus} |",
            o.contender, o.what
        );
    }
}

/// The core issue's targets, judged on this run's medians for every configuration of the core
/// (never a failure, only a verdict).
pub fn print_core_targets(outcomes: &[Outcome], core: &str) {
    let (limit, single) = baselines(outcomes);
    let verdict = |met: bool| if met { "MET" } else { "NOT MET" };
    let targets = [
        (
            Role::InFlight,
            "256-in-flight emits ≥ 40% of redis-benchmark's pipelined XADD (server limit)",
        ),
        (
            Role::OneAtATime,
            "one-at-a-time emits ≥ 80% of `redis-benchmark -c 1 -P 1` XADD",
        ),
        (
            Role::Latency,
            "cross-process emit → subscriber p99 ≤ 1 ms at 1,000 events/s",
        ),
    ];
    println!("\nTargets of the core issue (this run, medians):");
    if let Some(ceiling) = emit_ceiling(outcomes) {
        println!(
            "(The server's own ceiling for tidings emits, XADD + PUBLISH of an envelope: {}/s, \
             {:.0}% of the server limit; 40% of the server limit is {:.0}% of that ceiling.)",
            thousands(ceiling),
            percent(ceiling, limit).unwrap_or(f64::NAN),
            limit.map_or(f64::NAN, |limit| 100.0 * 0.4 * limit / ceiling)
        );
    }
    for (role, target) in targets {
        println!("- {target}:");
        for o in outcomes
            .iter()
            .filter(|o| o.contender == core && o.role == role)
        {
            let (base, need) = match role {
                Role::InFlight => (limit, 40.0),
                Role::OneAtATime => (single, 80.0),
                _ => {
                    let p99 = o.figures[1].median;
                    println!(
                        "  - {}: {} µs — {}",
                        o.what,
                        thousands(p99),
                        verdict(p99 <= 1_000.0)
                    );
                    continue;
                }
            };
            let of_ceiling = match (role, emit_ceiling(outcomes)) {
                (Role::InFlight, Some(ceiling)) => format!(
                    " (the server's own ceiling for tidings emits, measured beside it: {:.0}% of it)",
                    100.0 * o.figures[0].median / ceiling
                ),
                _ => String::new(),
            };
            match percent(o.figures[0].median, base) {
                Some(p) => println!(
                    "  - {}: {p:.0}% — {}{of_ceiling}",
                    o.what,
                    verdict(p >= need)
                ),
                None => println!("  - {}: not judged (no redis-benchmark figure)", o.what),
            }
        }
    }
}
