//! `tidings-bench` (what `make bench` runs): the Performance section of DESIGN.md. Starts a
//! private redis-server (or uses `TIDINGS_BENCH_URL`), runs every measurement R times in
//! interleaved rounds: the core's (with the server's CPU use around each), then one run of each
//! binding's bench that is built (Python, Node, C: bindings.rs) on the same server. Prints one
//! Markdown table of medians plus the targets of the core issue and of the bindings' issues.
//!
//!   tidings-bench [--runs N] [--quick] [--in-flight stream|spawn] [--only TEXT] [--no-bindings]
//!   tidings-bench latency-subscriber <url> <count> [skip]   (children of the latency test;
//!   tidings-bench raw-latency-subscriber <url> <count> [skip]  not for people)
//!
//! `--quick`: small counts, one run (a smoke check; the bindings' benches get
//! `TIDINGS_BENCH_QUICK=1`). `--only TEXT`: only rows whose contender and description contain
//! TEXT (redis-benchmark rows always run; the bindings' benches still run whole, and their rows
//! are filtered the same way). `--no-bindings`: the core rows alone. The rows are in rows.rs.

mod bindings;
mod core;
mod floor;
mod latency;
mod machine;
mod raw;
mod redis_benchmark;
mod report;
mod rows;
mod stats;
mod target;
mod workload;

use report::Outcome;
use rows::{measurements, runtime, Flavor};
use stats::Summary;
use std::process::ExitCode;
use target::Target;

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// How much work each measurement does per run.
pub struct Options {
    pub runs: usize,
    pub rb_pipelined: u64,
    pub rb_single: u64,
    pub sequential: u64,
    pub in_flight: u64,
    pub latency: u64,
    pub latency_warmup: u64,
    pub spawn_in_flight: bool,
    /// Only rows whose "contender what" contains this (redis-benchmark rows always run).
    pub only: Option<String>,
    pub quick: bool,
    /// Run the bindings' benches too (not with `--no-bindings`).
    pub bindings: bool,
}

impl Options {
    fn parse(args: &[String]) -> BenchResult<Options> {
        let quick = args.iter().any(|a| a == "--quick");
        let mut options = if quick {
            Options::sized(1, 50_000, 5_000, 2_000, 20_000, 500, 100)
        } else {
            Options::sized(5, 200_000, 20_000, 20_000, 100_000, 3_000, 200)
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--no-bindings" => options.bindings = false,
                "--runs" => options.runs = args.next().ok_or("--runs needs N")?.parse()?,
                "--only" => options.only = Some(args.next().ok_or("--only needs text")?.clone()),
                "--in-flight" => match args.next().map(String::as_str) {
                    Some("spawn") => options.spawn_in_flight = true,
                    Some("stream") => options.spawn_in_flight = false,
                    _ => return Err("--in-flight takes stream or spawn".into()),
                },
                other => {
                    return Err(format!(
                        "unknown argument {other}; see the top of bench/src/main.rs"
                    )
                    .into())
                }
            }
        }
        if options.runs == 0 {
            return Err("--runs must be at least 1".into());
        }
        Ok(options)
    }

    fn sized(
        runs: usize,
        rb_p: u64,
        rb_1: u64,
        seq: u64,
        flight: u64,
        lat: u64,
        warm: u64,
    ) -> Options {
        Options {
            runs,
            rb_pipelined: rb_p,
            rb_single: rb_1,
            sequential: seq,
            in_flight: flight,
            latency: lat,
            latency_warmup: warm,
            spawn_in_flight: false,
            only: None,
            quick: false,
            bindings: true,
        }
    }
}

/// Runs a child subcommand on the runtime flavour the parent asked for.
fn child(work: impl std::future::Future<Output = BenchResult<()>>) -> BenchResult<()> {
    let flavor = std::env::var("TIDINGS_BENCH_RUNTIME").unwrap_or_default();
    runtime(&flavor)?.block_on(work)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("latency-subscriber") => child(latency::subscriber(&args[1..])),
        Some("raw-latency-subscriber") => child(latency::raw_subscriber(&args[1..])),
        _ => Options::parse(&args).and_then(bench),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tidings-bench: {err}");
            ExitCode::FAILURE
        }
    }
}

fn bench(options: Options) -> BenchResult<()> {
    if std::env::var_os("TIDINGS_BENCH_URL").is_none() && !tidings_testkit::redis_available() {
        return Err(
            "redis-server not found (install redis-server, or set TIDINGS_BENCH_URL)".into(),
        );
    }
    let idle = machine::idle_percent();
    let target = Target::start();
    let (multi, envelope) = Flavor::connect("multi-thread", target.url())?;
    let (current, _) = Flavor::connect("current-thread", target.url())?;
    let flavors = [multi, current];
    let mut measurements = measurements(&options, &target, &flavors, &envelope);
    if let Some(only) = &options.only {
        measurements.retain(|m| {
            m.contender == "redis-benchmark" || format!("{} {}", m.contender, m.what).contains(only)
        });
    }
    let mut samples: Vec<Vec<Vec<f64>>> = measurements.iter().map(|_| Vec::new()).collect();
    let mut server_cpu: Vec<Vec<f64>> = measurements.iter().map(|_| Vec::new()).collect();
    let mut bindings = if options.bindings {
        bindings::prepare()
    } else {
        Vec::new()
    };
    let started = machine::Ticks::now();
    for round in 1..=options.runs {
        for ((m, samples), cpu) in measurements
            .iter_mut()
            .zip(&mut samples)
            .zip(&mut server_cpu)
        {
            target.reset(&m.keys)?;
            let (sample, percent) = target.with_server_cpu(&mut m.run);
            let sample = sample.map_err(|err| format!("{} / {}: {err}", m.contender, m.what))?;
            eprintln!(
                "run {round}/{}: {} / {}: {sample:.1?}, server CPU {percent:.0?}%",
                options.runs, m.contender, m.what
            );
            samples.push(sample);
            cpu.extend(percent);
        }
        for (binding, status) in &mut bindings {
            let progress = format!("run {round}/{}", options.runs);
            status.run_round(binding, target.url(), options.quick, &progress);
        }
    }
    let mut outcomes: Vec<Outcome> = measurements
        .into_iter()
        .zip(samples)
        .zip(server_cpu)
        .map(|((m, samples), cpu)| Outcome {
            figures: (0..samples[0].len())
                .map(|i| Summary::of(&samples.iter().map(|s| s[i]).collect::<Vec<_>>()))
                .collect(),
            contender: m.contender.to_owned(),
            what: m.what,
            role: m.role,
            server_cpu: (cpu.len() == options.runs).then(|| Summary::of(&cpu)),
            note: None,
        })
        .collect();
    let core_rows = outcomes.len();
    for (binding, status) in &bindings {
        if let bindings::Status::Ran(rows) = status {
            let mut rows =
                binding.outcomes(rows, &outcomes[..core_rows], options.runs, options.quick);
            if let Some(only) = &options.only {
                rows.retain(|o| format!("{} {}", o.contender, o.what).contains(only));
            }
            outcomes.extend(rows);
        }
    }
    let others = machine::Ticks::now().others_percent_since(&started);
    let server = if target.is_private() {
        "private"
    } else {
        "TIDINGS_BENCH_URL"
    };
    let data_bytes = workload::benchmark_payload().len();
    println!("\n## tidings bench\n");
    println!(
        "{} cores ({idle:.0}% idle before start; other processes used {others:.0}% of the CPUs \
         during the run), redis-server {} ({server}); {} run(s) per row, interleaved (each round: \
         the core's rows, then one run of each binding's bench); medians. Server CPU: redis-server's, % of one core, core rows \
         only.",
        machine::cores(),
        target.server_version(),
        options.runs
    );
    println!(
        "Event data: {data_bytes} B of JSON. A tidings emit is XADD + PUBLISH of a {} B \
         envelope; redis-benchmark appends the {data_bytes} B data alone (XADD only), except in \
         the two rows that time the server's XADD and PUBLISH of an envelope.\n",
        envelope.len()
    );
    report::print_table(&outcomes, options.runs, core::CONTENDER);
    report::print_core_targets(&outcomes, core::CONTENDER);
    for (binding, status) in &bindings {
        binding.print_targets(status, &outcomes[..core_rows]);
    }
    for flavor in &flavors {
        flavor.rt.block_on(flavor.bus.close());
    }
    let failed: Vec<&str> = bindings
        .iter()
        .filter(|(_, status)| matches!(status, bindings::Status::Failed(_)))
        .map(|(binding, _)| binding.language)
        .collect();
    if !failed.is_empty() {
        return Err(format!("the {} bench(es) failed (see above)", failed.join(", ")).into());
    }
    Ok(())
}
