//! The bindings' benches in the same table as the core: in every round, after the core rows,
//! runs each binding bench that is built (bench/python/bench.py in .venv, bench/node/bench.mjs,
//! the C bench build/c-bench/tidings-bench-c) once (`TIDINGS_BENCH_RUNS=1`, plus
//! `TIDINGS_BENCH_QUICK=1` for `--quick`) against the same redis URL, so its R runs are
//! interleaved with the core's and share the machine's ups and downs (issue 5 compares C with the
//! core "in the same run"). All three print one JSON line per contender and metric,
//! `{"contender", "metric", "value", "unit", "runs"}`; each line is an `ExternalRow`, whose runs
//! are gathered over the rounds, and each row becomes an `Outcome` of the table with the
//! comparison its issue's targets are about (3: Python, 4: Node, 5: C), which `print_targets`
//! then judges. A bench that is not built is skipped with a line on stderr; one that fails is
//! reported (its stderr is passed through as it runs) and makes the whole bench fail after the
//! table.

use crate::core::CONTENDER as CORE;
use crate::floor;
use crate::report::{Outcome, Role};
use crate::stats::{in_series, thousands, Summary};
use crate::BenchResult;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One binding's bench: how to run it, the names of its contenders, and its issue's targets.
pub struct Binding {
    pub language: &'static str,
    issue: u32,
    /// The bench's name for the binding's own contender.
    binding: &'static str,
    /// The bench's contender names and the names the table shows.
    names: &'static [(&'static str, &'static str)],
    targets: &'static [Goal],
}

/// One target of an issue: the binding's `metric` against a reference, judged on medians.
struct Goal {
    metric: &'static str,
    against: Against,
    text: &'static str,
}

enum Against {
    /// At least this many times the best of these (bench) contenders.
    BestOf(&'static [&'static str], f64),
    /// At least this many events/s.
    Floor(f64),
    /// Within this fraction of the Rust core's multi-thread row of this role (figure index for
    /// latencies: 0 = p50, 1 = p99).
    Core(Role, usize, f64),
}

const PY_SEED: &str = "redis-py asyncio (seed)";
const PY_HAND_OFF: &str = "asyncio thread hand-off (reference)";
const NODE_SEEDS: &[&str] = &[
    "ioredis (seed PersistentEventSystem)",
    "ioredis auto-pipelining (seed)",
    "node-redis v4 (seed)",
];

pub static BINDINGS: [Binding; 3] = [
    Binding {
        language: "Python",
        issue: 3,
        binding: "tidings-python",
        names: &[
            ("tidings-python", "tidings (Python)"),
            (PY_SEED, "redis-py asyncio (seed emit)"),
            (PY_HAND_OFF, "reference: asyncio ↔ thread hand-off"),
        ],
        targets: &[
            Goal {
                metric: "emit_256",
                against: Against::BestOf(&[PY_SEED], 10.0),
                text: "256 in flight ≥ 10× redis-py asyncio (seed emit)",
            },
            Goal {
                metric: "emit_seq",
                against: Against::BestOf(&[PY_SEED], 3.0),
                text: "one at a time ≥ 3× redis-py asyncio (seed emit)",
            },
            Goal {
                metric: "emit_many",
                against: Against::Floor(150_000.0),
                text: "emit_many of 10,000 ≥ 150,000 events/s",
            },
            Goal {
                metric: "subscriber",
                against: Against::Floor(20_000.0),
                text: "subscriber ≥ 20,000 events/s",
            },
        ],
    },
    Binding {
        language: "Node",
        issue: 4,
        binding: "tidings-node",
        names: &[
            ("tidings-node", "tidings (Node)"),
            (
                "ioredis (seed PersistentEventSystem)",
                "ioredis (seed emit)",
            ),
            (
                "ioredis auto-pipelining (seed)",
                "ioredis auto-pipelining (seed emit)",
            ),
            ("node-redis v4 (seed)", "node-redis v4 (seed emit)"),
        ],
        targets: &[
            Goal {
                metric: "emit_256",
                against: Against::BestOf(NODE_SEEDS, 2.0),
                text: "256 in flight ≥ 2× the best Node contender",
            },
            Goal {
                metric: "emit_seq",
                against: Against::BestOf(NODE_SEEDS, 1.5),
                text: "one at a time ≥ 1.5× the best Node contender",
            },
            Goal {
                metric: "subscriber",
                against: Against::Floor(50_000.0),
                text: "subscriber ≥ 50,000 events/s",
            },
        ],
    },
    Binding {
        language: "C",
        issue: 5,
        binding: "tidings (C)",
        names: &[("tidings (C)", "tidings (C API)")],
        targets: &[
            Goal {
                metric: "emit_seq",
                against: Against::Core(Role::OneAtATime, 0, 0.9),
                text: "one at a time ≥ 90% of the Rust core (multi-thread)",
            },
            Goal {
                metric: "emit_256",
                against: Against::Core(Role::InFlight, 0, 0.9),
                text: "256 in flight ≥ 90% of the Rust core (multi-thread)",
            },
            Goal {
                metric: "emit_seq",
                against: Against::Core(Role::OneAtATimeBlocking, 0, 0.9),
                text: "(the same threading model) one at a time ≥ 90% of the Rust core's emits \
                       from a plain thread blocking on each",
            },
            Goal {
                metric: "emit_256",
                against: Against::Core(Role::InFlightThreads, 0, 0.9),
                text: "(the same threading model) 256 threads ≥ 90% of the Rust core's emits from \
                       256 plain threads blocking on each",
            },
            Goal {
                metric: "latency_p50",
                against: Against::Core(Role::Latency, 0, 1.1),
                text: "latency p50 ≤ 110% of the Rust core's (multi-thread)",
            },
            Goal {
                metric: "latency_p99",
                against: Against::Core(Role::Latency, 1, 1.1),
                text: "latency p99 ≤ 110% of the Rust core's (multi-thread)",
            },
        ],
    },
];

/// One JSON line of a binding bench: a contender's metric, one value per run.
pub struct ExternalRow {
    pub contender: String,
    pub metric: String,
    pub runs: Vec<f64>,
}

impl ExternalRow {
    fn median(&self) -> f64 {
        Summary::of(&self.runs).median
    }
}

/// What became of a binding's bench in this run.
pub enum Status {
    /// The rows so far (one run per round).
    Ran(Vec<ExternalRow>),
    Skipped(String),
    Failed(String),
}

/// Every binding with its status: skipped when its bench is not built.
pub fn prepare() -> Vec<(&'static Binding, Status)> {
    BINDINGS
        .iter()
        .map(|binding| match binding.entry_point() {
            Ok(_) => (binding, Status::Ran(Vec::new())),
            Err(why) => {
                eprintln!("{} bench skipped: {why}", binding.language);
                (binding, Status::Skipped(why))
            }
        })
        .collect()
}

impl Status {
    /// Runs the binding's bench once more, unless it was skipped or failed, and adds its runs.
    /// `progress` ("run 2/5") starts its line on stderr.
    pub fn run_round(&mut self, binding: &Binding, url: &str, quick: bool, progress: &str) {
        let Status::Ran(rows) = self else { return };
        match binding.run_once(url, quick, progress) {
            Ok(new) => {
                for row in new {
                    match rows
                        .iter_mut()
                        .find(|r| r.contender == row.contender && r.metric == row.metric)
                    {
                        Some(known) => known.runs.extend(row.runs),
                        None => rows.push(row),
                    }
                }
            }
            Err(why) => {
                eprintln!("{} bench failed: {why}", binding.language);
                *self = Status::Failed(why);
            }
        }
    }
}

/// The repository root (bench/ is one of its crates).
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the repository")
}

/// `path` when it exists, else why not: `make bench-deps-<language>` builds it.
fn built(path: PathBuf, language: &str) -> Result<PathBuf, String> {
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} not found (make bench-deps-{language})",
            path.display()
        ))
    }
}

impl Binding {
    /// The program and arguments of its bench, or why it cannot run here.
    fn entry_point(&self) -> Result<(PathBuf, Vec<PathBuf>), String> {
        let root = root();
        match self.language {
            "Python" => {
                let python = built(root.join(".venv/bin/python"), "python")?;
                let import = Command::new(&python)
                    .args(["-c", "import tidings, redis"])
                    .stdout(Stdio::null())
                    .output()
                    .map_err(|err| format!("cannot run {}: {err}", python.display()))?;
                if !import.status.success() {
                    let stderr = String::from_utf8_lossy(&import.stderr);
                    let last = stderr.lines().last().unwrap_or_default();
                    return Err(format!(
                        "`import tidings, redis` fails in .venv (make bench-deps-python): {last}"
                    ));
                }
                Ok((python, vec![root.join("bench/python/bench.py")]))
            }
            "Node" => {
                let node = PathBuf::from(std::env::var("NODE").unwrap_or_else(|_| "node".into()));
                if Command::new(&node).arg("--version").output().is_err() {
                    return Err(format!("{} is not on PATH", node.display()));
                }
                let addon = std::fs::read_dir(root.join("bindings-node"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|entry| entry.path().extension().is_some_and(|ext| ext == "node"));
                if !addon {
                    return Err("no bindings-node/*.node addon (make bench-deps-node)".into());
                }
                if !root.join("bench/node/node_modules").is_dir() {
                    return Err("no bench/node/node_modules (make bench-deps-node)".into());
                }
                Ok((node, vec![root.join("bench/node/bench.mjs")]))
            }
            "C" => Ok((
                built(root.join("build/c-bench/tidings-bench-c"), "c")?,
                Vec::new(),
            )),
            other => Err(format!("no bench is known for {other}")),
        }
    }

    /// Runs the bench once on `url` (its stderr passes through) and reads its JSON lines.
    fn run_once(&self, url: &str, quick: bool, progress: &str) -> Result<Vec<ExternalRow>, String> {
        let (program, args) = self.entry_point()?;
        let shown = std::iter::once(&program)
            .chain(&args)
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        eprintln!(
            "{progress}: {} bench: {shown}{}",
            self.language,
            if quick { " (quick)" } else { "" }
        );
        let mut command = Command::new(&program);
        command
            .args(&args)
            .env("TIDINGS_URL", url)
            .env("TIDINGS_BENCH_RUNS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if quick {
            command.env("TIDINGS_BENCH_QUICK", "1");
        } else {
            command.env_remove("TIDINGS_BENCH_QUICK");
        }
        let output = command
            .output()
            .map_err(|err| format!("cannot run {shown}: {err}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            let printed = if stdout.trim().is_empty() {
                String::new()
            } else {
                format!("; its stdout: {stdout}")
            };
            return Err(format!(
                "{shown} exited with {} (its stderr is above){printed}",
                output.status
            ));
        }
        match parse(&stdout) {
            Ok(rows) if !rows.is_empty() => Ok(rows),
            Ok(_) => Err(format!(
                "{shown} printed no JSON line; its stdout: {stdout}"
            )),
            Err(err) => Err(format!("cannot read the output of {shown}: {err}")),
        }
    }

    /// Hand-offs/s measured in this run for this binding's awaited calls: an asyncio future a
    /// plain thread resolves (bench/python), else two plain threads waking each other (the
    /// core's reference row).
    fn hand_off_rate(&self, rows: &[ExternalRow], core: &[Outcome]) -> Option<f64> {
        rows.iter()
            .find(|r| r.contender == PY_HAND_OFF && r.metric == "emit_seq_memory")
            .map(ExternalRow::median)
            .or_else(|| {
                core.iter()
                    .find(|o| o.contender == floor::CONTENDER)
                    .map(|o| o.figures[0].median)
            })
    }

    fn display_name(&self, contender: &str) -> String {
        self.names
            .iter()
            .find(|(name, _)| *name == contender)
            .map_or_else(|| contender.to_owned(), |(_, shown)| (*shown).to_owned())
    }

    /// What a metric measures, in the words of the table.
    fn what(&self, metric: &str, contender: &str, quick: bool) -> String {
        let ours = contender == self.binding;
        // The C bench's batches are as large as the core's 256-in-flight runs.
        let c_batch = thousands(if quick { 20_000.0 } else { 100_000.0 });
        match (self.language, metric) {
            ("C", "emit_seq") => "tidings_emit, one at a time (blocking)".to_owned(),
            ("C", "emit_256") => "tidings_emit, 256 in flight (256 threads)".to_owned(),
            ("C", "emit_many") => format!("tidings_emit_many of {c_batch} events"),
            ("C", "subscriber") => format!(
                "subscriber receive rate (callback; tidings_emit_many of {c_batch} in-process)"
            ),
            ("Python", "emit_seq") => "emit, one at a time (awaited), asyncio".to_owned(),
            ("Python", "emit_256") => "emit, 256 in flight (256 asyncio tasks)".to_owned(),
            ("Node", "emit_seq") => "emit, one at a time (awaited)".to_owned(),
            ("Node", "emit_256") => "emit, 256 in flight (256 async loops)".to_owned(),
            (_, "emit_seq_memory") if ours => {
                "emit, one at a time (awaited), on memory:// (no Redis: the binding alone)"
                    .to_owned()
            }
            (_, "emit_seq_memory") => {
                "a future a plain thread resolves (call_soon_threadsafe), awaited one at a time"
                    .to_owned()
            }
            (_, "emit_many") if ours => format!(
                "{} of 10,000 events",
                if self.language == "Node" {
                    "emitMany"
                } else {
                    "emit_many"
                }
            ),
            (_, "emit_many") => "batch of 10,000 (one pipeline of XADD+PUBLISH)".to_owned(),
            (_, "subscriber") => {
                "subscriber receive rate (callback; producer process, batches of 1,000)".to_owned()
            }
            (_, "latency") => "emit → subscriber, 2 processes, 1,000 events/s".to_owned(),
            (_, other) => other.to_owned(),
        }
    }

    /// The table rows of a bench's output: per metric (in the order of `METRICS`), the binding
    /// first, then its contenders; latency_p50 and latency_p99 make one latency row.
    /// A row with other than `runs` runs says how many it had.
    pub fn outcomes(
        &self,
        rows: &[ExternalRow],
        core: &[Outcome],
        runs: usize,
        quick: bool,
    ) -> Vec<Outcome> {
        let mut metrics: Vec<&str> = METRICS.iter().map(|(metric, _)| *metric).collect();
        for row in rows {
            let metric = latency_family(&row.metric);
            if !metrics.contains(&metric) {
                metrics.push(metric);
            }
        }
        let mut contenders: Vec<&str> = vec![self.binding];
        for row in rows {
            if !contenders.contains(&row.contender.as_str()) {
                contenders.push(&row.contender);
            }
        }
        let mut outcomes = Vec::new();
        for metric in metrics {
            for &contender in &contenders {
                let find = |m: &str| {
                    rows.iter()
                        .find(|r| r.contender == contender && r.metric == m)
                };
                let (role, parts) = if metric == "latency" {
                    let parts = [find("latency_p50"), find("latency_p99")];
                    let [Some(p50), Some(p99)] = parts else {
                        continue;
                    };
                    (Role::Latency, vec![p50, p99])
                } else {
                    let Some(row) = find(metric) else { continue };
                    let role = METRICS
                        .iter()
                        .find(|(m, _)| *m == metric)
                        .map_or(Role::Receive, |(_, role)| *role);
                    (role, vec![row])
                };
                let mut what = self.what(metric, contender, quick);
                let count = parts.iter().map(|row| row.runs.len()).min().unwrap_or(0);
                if count != runs {
                    what.push_str(&format!(" ({count} run(s))"));
                }
                let mut notes: Vec<String> = self
                    .targets
                    .iter()
                    .filter(|goal| {
                        contender == self.binding && parts.iter().any(|p| p.metric == goal.metric)
                    })
                    .map(|goal| match goal.judge(self, rows, core) {
                        Ok(judged) => judged.table,
                        Err(why) => format!("not judged: {why}"),
                    })
                    .collect();
                notes.dedup();
                let note = match (notes.is_empty(), contender == self.binding) {
                    (false, _) => Some(notes.join("; ")),
                    (true, true) if matches!(role, Role::Latency | Role::Receive) => {
                        Some(format!("no target in issue {}", self.issue))
                    }
                    _ => None,
                };
                outcomes.push(Outcome {
                    contender: self.display_name(contender),
                    what,
                    role,
                    figures: parts.iter().map(|row| Summary::of(&row.runs)).collect(),
                    server_cpu: None,
                    note,
                });
            }
        }
        outcomes
    }

    /// The issue's targets, judged on this run's medians.
    pub fn print_targets(&self, status: &Status, core: &[Outcome]) {
        println!(
            "\nTargets of issue {} ({} binding; this run, medians):",
            self.issue, self.language
        );
        let rows = match status {
            Status::Ran(rows) => rows,
            Status::Skipped(why) => return println!("- not judged: the bench was skipped ({why})"),
            Status::Failed(why) => return println!("- not judged: the bench failed: {why}"),
        };
        let verdict = |met: bool| if met { "MET" } else { "NOT MET" };
        for goal in self.targets {
            match goal.judge(self, rows, core) {
                Ok(judged) => {
                    println!("- {}: {} — {}", goal.text, judged.list, verdict(judged.met))
                }
                Err(why) => println!("- {}: not judged ({why})", goal.text),
            }
        }
    }
}

/// The metrics of the benches in table order, with their roles.
const METRICS: [(&str, Role); 5] = [
    ("emit_seq", Role::OneAtATime),
    ("emit_256", Role::InFlight),
    ("emit_many", Role::Batch),
    ("subscriber", Role::Receive),
    ("latency", Role::Latency),
];

fn latency_family(metric: &str) -> &str {
    if metric.starts_with("latency_") {
        "latency"
    } else {
        metric
    }
}

impl Goal {
    /// The target alone, for the table: "target ≥ 10×".
    fn short(&self) -> String {
        match self.against {
            Against::BestOf(_, times) => format!("target ≥ {times}×"),
            Against::Floor(rate) => format!("target ≥ {}/s", thousands(rate)),
            Against::Core(Role::Latency, _, share) => format!("target ≤ {:.0}%", 100.0 * share),
            Against::Core(_, _, share) => format!("target ≥ {:.0}%", 100.0 * share),
        }
    }

    /// For a goal relative to a contender: what the Rust core itself did in the same role in
    /// this run (its best flavour), as a multiple of that contender. A binding runs the core
    /// plus its own conversions, so this is the most the binding could reach; empty when the
    /// core has no row of this role.
    /// For one-at-a-time goals with a `hand_off` rate measured in the same run, it also gives
    /// the ceiling that the core's round trip plus one hand-off per emit leaves.
    fn core_headroom(&self, core: &[Outcome], contender: f64, hand_off: Option<f64>) -> String {
        let role = METRICS
            .iter()
            .find(|(metric, _)| *metric == self.metric)
            .map(|(_, role)| *role);
        let best_core = core
            .iter()
            .filter(|o| o.contender == CORE && Some(o.role) == role)
            .map(|o| o.figures[0].median)
            .max_by(f64::total_cmp);
        let Some(rate) = best_core else {
            return String::new();
        };
        let ceiling = match hand_off.filter(|_| role == Some(Role::OneAtATime)) {
            Some(hand_off) => {
                let at_most = in_series(rate, hand_off);
                format!(
                    "; plus this run's hand-off ({:.0} µs), at most {}/s = {:.2}×",
                    1e6 / hand_off,
                    thousands(at_most),
                    at_most / contender
                )
            }
            None => String::new(),
        };
        format!(
            " (the Rust core alone, best flavour: {}/s = {:.2}×{ceiling})",
            thousands(rate),
            rate / contender
        )
    }

    /// The verdict on this run's medians, or why there is none.
    fn judge(
        &self,
        binding: &Binding,
        rows: &[ExternalRow],
        core: &[Outcome],
    ) -> Result<Judged, String> {
        let find = |contender: &str| {
            rows.iter()
                .find(|r| r.contender == contender && r.metric == self.metric)
        };
        let ours = find(binding.binding)
            .ok_or_else(|| format!("no {} figure for {}", self.metric, binding.binding))?
            .median();
        match self.against {
            Against::BestOf(names, times) => {
                let (best, name) = names
                    .iter()
                    .filter_map(|name| find(name).map(|row| (row.median(), *name)))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .ok_or_else(|| format!("no {} figure for the contenders", self.metric))?;
                let (ratio, name) = (ours / best, binding.display_name(name));
                Ok(Judged {
                    table: format!("{ratio:.2}× {name} ({})", self.short()),
                    list: format!(
                        "{}/s vs {name} {}/s = {ratio:.2}×{}",
                        thousands(ours),
                        thousands(best),
                        self.core_headroom(core, best, binding.hand_off_rate(rows, core))
                    ),
                    met: ratio >= times,
                })
            }
            Against::Floor(rate) => Ok(Judged {
                table: self.short(),
                list: format!("{}/s", thousands(ours)),
                met: ours >= rate,
            }),
            Against::Core(role, figure, share) => {
                let base = core
                    .iter()
                    .find(|o| {
                        o.contender == CORE && o.role == role && o.what.ends_with(", multi-thread")
                    })
                    .ok_or("no Rust core multi-thread row in this run")?
                    .figures[figure]
                    .median;
                let percent = 100.0 * ours / base;
                let (unit, figure) = match (role, figure) {
                    (Role::Latency, 0) => (" µs", "p50 "),
                    (Role::Latency, _) => (" µs", "p99 "),
                    _ => ("/s", ""),
                };
                let core_row = match role {
                    Role::InFlightThreads => "the Rust core's 256 blocking threads",
                    Role::OneAtATimeBlocking => "the Rust core's blocking thread",
                    _ => "the Rust core's",
                };
                Ok(Judged {
                    table: format!(
                        "{figure}{percent:.0}% of {core_row} {}{unit} ({})",
                        thousands(base),
                        self.short()
                    ),
                    list: format!(
                        "{}{unit} vs {core_row} {}{unit} = {percent:.0}%",
                        thousands(ours),
                        thousands(base)
                    ),
                    met: if role == Role::Latency {
                        percent <= 100.0 * share
                    } else {
                        percent >= 100.0 * share
                    },
                })
            }
        }
    }
}

/// A target judged: the comparison for the table, the figures for the list, the verdict.
struct Judged {
    table: String,
    list: String,
    met: bool,
}

/// Reads the JSON lines of a bench's stdout; other lines are passed to stderr.
pub fn parse(stdout: &str) -> BenchResult<Vec<ExternalRow>> {
    let mut rows = Vec::new();
    for line in stdout.lines() {
        if !line.trim_start().starts_with('{') {
            if !line.trim().is_empty() {
                eprintln!("  {line}");
            }
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|err| format!("{err} in: {line}"))?;
        let text = |key: &str| {
            value[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no \"{key}\" in: {line}"))
        };
        let runs: Vec<f64> = value["runs"]
            .as_array()
            .ok_or_else(|| format!("no \"runs\" in: {line}"))?
            .iter()
            .map(|run| {
                run.as_f64()
                    .ok_or_else(|| format!("a run is not a number in: {line}"))
            })
            .collect::<Result<_, _>>()?;
        if runs.is_empty() {
            return Err(format!("no runs in: {line}").into());
        }
        rows.push(ExternalRow {
            contender: text("contender")?,
            metric: text("metric")?,
            runs,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_lines_and_builds_rows() {
        let out = "{\"contender\": \"tidings-python\", \"metric\": \"emit_256\", \"value\": 30, \"unit\": \"events/s\", \"runs\": [20.0, 30.0, 40.0]}\n\
                   {\"contender\": \"redis-py asyncio (seed)\", \"metric\": \"emit_256\", \"value\": 2, \"unit\": \"events/s\", \"runs\": [2.0]}\n\
                   {\"contender\": \"tidings-python\", \"metric\": \"latency_p50\", \"value\": 1, \"unit\": \"us\", \"runs\": [100.0]}\n\
                   {\"contender\": \"tidings-python\", \"metric\": \"latency_p99\", \"value\": 1, \"unit\": \"us\", \"runs\": [900.0]}\n";
        let rows = parse(out).unwrap();
        assert_eq!(rows.len(), 4);
        let python = &BINDINGS[0];
        let judged = python.targets[0].judge(python, &rows, &[]).unwrap();
        assert_eq!(
            judged.table,
            "15.00× redis-py asyncio (seed emit) (target ≥ 10×)"
        );
        assert_eq!(
            judged.list,
            "30/s vs redis-py asyncio (seed emit) 2/s = 15.00×"
        );
        assert!(judged.met);
        let outcomes = python.outcomes(&rows, &[], 3, false);
        let names: Vec<_> = outcomes
            .iter()
            .map(|o| (o.contender.as_str(), o.role))
            .collect();
        assert_eq!(
            names,
            [
                ("tidings (Python)", Role::InFlight),
                ("redis-py asyncio (seed emit)", Role::InFlight),
                ("tidings (Python)", Role::Latency)
            ]
        );
        assert_eq!(outcomes[2].figures[1].median, 900.0);
        assert!(parse("{\"contender\": \"x\"}").is_err());
    }
}
