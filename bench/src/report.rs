//! The results table. Every contender contributes `Measurement`s with a `Role`; the role says
//! which redis-benchmark figure a row is compared with, so rows for more contenders (Python,
//! Node, C bindings, the clients their users would pick instead) are added without touching this.

use crate::stats::{thousands, Summary};
use crate::BenchResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// redis-benchmark, pipelined: the best of these is the "server limit".
    ServerPipelined,
    /// redis-benchmark `-c 1 -P 1`.
    ServerOneAtATime,
    /// A contender's 256-in-flight emits (events/s), compared with the server limit.
    InFlight,
    /// A contender's batch API (events/s), compared with the server limit but judged by no target.
    Batch,
    /// A contender's awaited one-at-a-time emits (events/s), compared with `-c 1 -P 1`.
    OneAtATime,
    /// Emit-to-subscriber latency: the run returns [p50, p99, max] in µs.
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
    pub contender: &'static str,
    pub what: String,
    pub role: Role,
    pub figures: Vec<Summary>,
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

fn percent(value: f64, of: Option<f64>) -> Option<f64> {
    of.map(|base| 100.0 * value / base)
}

/// Prints the table; `core`'s latency rows name their target.
pub fn print_table(outcomes: &[Outcome], runs: usize, core: &str) {
    let (limit, single) = baselines(outcomes);
    println!("| contender | what | median of {runs} | min – max | vs redis-benchmark |");
    println!("|---|---|---:|---:|---|");
    for o in outcomes {
        let f = &o.figures;
        let (value, range, versus) = match o.role {
            Role::Latency => (
                format!(
                    "p50 {} µs · p99 {} µs · max {} µs",
                    thousands(f[0].median),
                    thousands(f[1].median),
                    thousands(f[2].median)
                ),
                format!("p99 {} – {} µs", thousands(f[1].min), thousands(f[1].max)),
                if o.contender == core {
                    "target: p99 ≤ 1,000 µs".to_owned()
                } else {
                    "(reference)".to_owned()
                },
            ),
            role => {
                let versus = match role {
                    Role::ServerPipelined if Some(f[0].median) == limit => "server limit".into(),
                    Role::InFlight | Role::Batch => percent(f[0].median, limit)
                        .map_or("—".into(), |p| format!("{p:.0}% of server limit")),
                    Role::OneAtATime => percent(f[0].median, single)
                        .map_or("—".into(), |p| format!("{p:.0}% of `-c 1 -P 1`")),
                    _ => String::new(),
                };
                let range = format!("{} – {}", thousands(f[0].min), thousands(f[0].max));
                (format!("{}/s", thousands(f[0].median)), range, versus)
            }
        };
        println!(
            "| {} | {} | {value} | {range} | {versus} |",
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
            match percent(o.figures[0].median, base) {
                Some(p) => println!("  - {}: {p:.0}% — {}", o.what, verdict(p >= need)),
                None => println!("  - {}: not judged (no redis-benchmark figure)", o.what),
            }
        }
    }
}
