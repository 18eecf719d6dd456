//! `tidings-bench`, what `make bench` runs: tidings' emits and deliveries beside the clients
//! people would use instead, all on one private redis-server, printed as one Markdown table.
//! docs/performance.md has the method and the targets the figures are read against.
//!
//!   tidings-bench [--section emit|latency|history|all] [--quick] [--runs N] [--csv FILE]
//!
//! Each section (sections.rs) runs R rounds (5; `--quick`: 1, with small counts): a round runs
//! the section's Rust rows, each with the server's CPU use around it, then each built binding's
//! bench once (bindings.rs). `--csv FILE` writes the table as CSV too. Children of the latency
//! rows, not for people: `tidings-bench latency-subscriber|raw-latency-subscriber URL N SKIP`.

mod bindings;
mod core;
mod history;
mod latency;
mod redis_benchmark;
mod sections;
mod server;
mod table;

use bindings::Binding;
use sections::{Context, Section, SECTIONS};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use table::Row;

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Options {
    sections: Vec<&'static Section>,
    quick: bool,
    runs: usize,
    csv: Option<String>,
}

fn parse(args: &[String]) -> BenchResult<Options> {
    let quick = args.iter().any(|arg| arg == "--quick");
    let runs = if quick { 1 } else { 5 };
    let mut options = Options {
        sections: SECTIONS.iter().collect(),
        quick,
        runs,
        csv: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--quick" => {}
            "--runs" => options.runs = value()?.parse()?,
            "--csv" => options.csv = Some(value()?.clone()),
            "--section" => {
                let name = value()?;
                options.sections = SECTIONS
                    .iter()
                    .filter(|s| s.name == *name || name == "all")
                    .collect();
                if options.sections.is_empty() {
                    return Err(format!("no section {name}: emit, latency, history or all").into());
                }
            }
            other => return Err(format!("unknown argument {other}: see bench/src/main.rs").into()),
        }
    }
    if options.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let child = |raw| {
        let flavor = std::env::var("TIDINGS_BENCH_RUNTIME").unwrap_or_default();
        core::runtime(&flavor)?.block_on(latency::subscriber(&args[1..], raw))
    };
    let result = match args.first().map(String::as_str) {
        Some("latency-subscriber") => child(false),
        Some("raw-latency-subscriber") => child(true),
        _ => parse(&args).and_then(bench),
    };
    if let Err(err) = &result {
        eprintln!("tidings-bench: {err}");
    }
    if result.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// "3 min 05 s".
fn minutes(duration: Duration) -> String {
    let seconds = duration.as_secs();
    format!("{} min {:02} s", seconds / 60, seconds % 60)
}

/// One section's rounds: its table rows, and how long it took against its budget.
fn run_section(
    section: &Section,
    cx: &Context,
    bindings: &mut [Binding],
    options: &Options,
) -> BenchResult<(Vec<Row>, String)> {
    let (clock, name, runs) = (Instant::now(), section.name, options.runs);
    let (mut measurements, mut rows) = ((section.rows)(cx, options.quick), Vec::new());
    for round in 1..=runs {
        for (key, run) in &mut measurements {
            cx.server.reset(core::KEYS)?;
            let (sample, cpu) = cx.server.with_cpu(run);
            let (key_text, sample) = (key.join(" / "), sample?);
            eprintln!(
                "{name} {round}/{runs}: {key_text}: {:.1?}, server CPU {cpu:.0?}%",
                sample.1
            );
            table::add(&mut rows, "Rust", key.clone(), sample, cpu);
        }
        for binding in bindings.iter_mut() {
            for (key, sample) in binding.run(&cx.server.url, name, options.quick) {
                table::add(&mut rows, binding.language, key, sample, None);
            }
        }
    }
    (section.finish)(&mut rows);
    let (took, budget) = (clock.elapsed(), section.budget(options.quick, runs));
    let spent = format!("{name} {} (budget {})", minutes(took), minutes(budget));
    if took > budget {
        eprintln!("tidings-bench: over budget: {spent}");
    }
    Ok((rows, spent))
}

fn bench(options: Options) -> BenchResult<()> {
    if std::env::var_os("TIDINGS_BENCH_URL").is_none() && !tidings_testkit::redis_available() {
        return Err("no redis-server (install redis-server, or set TIDINGS_BENCH_URL)".into());
    }
    let idle = server::idle_percent();
    let cx = Context::start()?;
    let (mut bindings, missing) = bindings::find();
    let (started, mut rows, mut spent) = (server::ticks(), Vec::new(), Vec::new());
    for section in &options.sections {
        let (section_rows, took) = run_section(section, &cx, &mut bindings, &options)?;
        rows.extend(section_rows);
        spent.push(took);
    }
    let (_, others) = server::usage(started, server::ticks());
    println!("\n## tidings bench\n");
    println!(
        "{} cores ({idle:.0}% idle before the start; other processes used {others:.0}% of the CPUs \
         during the run), redis-server {}; sections {}; {} round(s), medians. A tidings emit is \
         XADD + PUBLISH of a {} B envelope of 100 B of data.",
        server::cores(),
        cx.server.describe(),
        spent.join(", "),
        options.runs,
        cx.envelope.len()
    );
    if !missing.is_empty() {
        println!("Not run: {}.", missing.join("; "));
    }
    println!();
    table::print(&rows, options.runs);
    if let Some(path) = &options.csv {
        std::fs::write(path, table::csv(&rows))?;
    }
    let failed: Vec<String> = bindings.iter().filter_map(|b| b.failed.clone()).collect();
    if !failed.is_empty() {
        return Err(format!("bench(es) failed: {}", failed.join("; ")).into());
    }
    Ok(())
}
