//! The bindings' benches, run in the same rounds as the Rust rows so that they share the
//! machine's ups and downs: bench/python/bench.py (in .venv), bench/node/bench.mjs and
//! build/c-bench/tidings-bench-c, each once a round on the same server, with `TIDINGS_URL`,
//! `TIDINGS_BENCH_SECTION` (the section's name) and, for `--quick`, `TIDINGS_BENCH_QUICK=1`.
//! Each prints one JSON line per row of the round, with "setup" optional:
//!
//!   {"contender": "tidings (Python)", "what": "emit, …", "setup": "low_latency", "events_per_s": 1.5}
//!   {"contender": "tidings (C API)", "what": "emit → subscriber, …", "p50_us": 1, "p99_us": 2, "max_us": 3}
//!
//! Its stderr passes through. A bench that is not built is left out with a note; one that
//! fails is reported and fails the run after the table.

use crate::table::{rate, Kind, Sample};
use crate::BenchResult;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Binding {
    /// "Python", "Node", "C": the rows' source.
    pub language: &'static str,
    command: Vec<PathBuf>,
    /// Why it stopped running, once it failed.
    pub failed: Option<String>,
}

/// The benches that are built, and a note for each one that is not.
pub fn find() -> (Vec<Binding>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent();
    let at = |path| root.expect("bench/ is in the repository").join(path);
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".into());
    let benches = [
        (
            "Python",
            vec![at(".venv/bin/python"), at("bench/python/bench.py")],
        ),
        ("Node", vec![node.into(), at("bench/node/bench.mjs")]),
        ("C", vec![at("build/c-bench/tidings-bench-c")]),
    ];
    let (mut found, mut missing) = (Vec::new(), Vec::new());
    for (language, command) in benches {
        // What `make bench-deps-<language>` makes: the program, or for Node its packages.
        let needs = match language {
            "Node" => at("bench/node/node_modules"),
            _ => command[0].clone(),
        };
        if needs.exists() {
            found.push(Binding {
                language,
                command,
                failed: None,
            });
        } else {
            let deps = format!("make bench-deps-{}", language.to_lowercase());
            missing.push(format!("{language} (no {}: {deps})", needs.display()));
        }
    }
    (found, missing)
}

impl Binding {
    /// This round's rows of the bench for `section`; none once it has failed.
    pub fn run(&mut self, url: &str, section: &str, quick: bool) -> Vec<([String; 3], Sample)> {
        if self.failed.is_some() {
            return Vec::new();
        }
        let shown: Vec<_> = self
            .command
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        eprintln!("{section}: {} bench: {}", self.language, shown.join(" "));
        let mut command = Command::new(&self.command[0]);
        command.args(&self.command[1..]).env("TIDINGS_URL", url);
        command
            .env("TIDINGS_BENCH_SECTION", section)
            .env_remove("TIDINGS_BENCH_QUICK");
        if quick {
            command.env("TIDINGS_BENCH_QUICK", "1");
        }
        let output = command
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output();
        let rows = output.map_err(|err| err.to_string()).and_then(|output| {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let lines = stdout.lines().filter(|line| !line.trim().is_empty());
            match output.status.success() {
                true => lines
                    .map(parse)
                    .collect::<BenchResult<_>>()
                    .map_err(|e| e.to_string()),
                false => Err(format!(
                    "exited with {}; its stdout: {stdout}",
                    output.status
                )),
            }
        });
        rows.unwrap_or_else(|why| {
            eprintln!("the {} bench failed: {why}", self.language);
            self.failed = Some(format!("{}: {why}", shown.join(" ")));
            Vec::new()
        })
    }
}

/// Reads one JSON line of a binding's bench.
pub fn parse(line: &str) -> BenchResult<([String; 3], Sample)> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("{e} in: {line}"))?;
    let text = |key| value[key].as_str().unwrap_or_default().to_owned();
    let number = |key| {
        value[key]
            .as_f64()
            .ok_or_else(|| format!("no \"{key}\" in: {line}"))
    };
    let sample = match value.get("events_per_s") {
        Some(_) => rate(number("events_per_s")?),
        None => (
            Kind::Latency,
            vec![number("p50_us")?, number("p99_us")?, number("max_us")?],
        ),
    };
    match [text("contender"), text("what"), text("setup")] {
        [contender, what, _] if contender.is_empty() || what.is_empty() => {
            Err(format!("no \"contender\" or \"what\" in: {line}").into())
        }
        key => Ok((key, sample)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_json_lines() {
        let line = r#"{"contender": "c", "what": "w", "p50_us": 1, "p99_us": 2.5, "max_us": 3}"#;
        let (key, sample) = super::parse(line).unwrap();
        assert_eq!(
            (key, sample),
            (
                ["c", "w", ""].map(String::from),
                (super::Kind::Latency, vec![1.0, 2.5, 3.0])
            )
        );
        let line = r#"{"contender": "c", "what": "w", "setup": "s", "events_per_s": 5}"#;
        assert_eq!(super::parse(line).unwrap().1, super::rate(5.0));
        assert!(super::parse(r#"{"contender": "c", "what": "w"}"#).is_err());
        assert!(super::parse(r#"{"what": "w", "events_per_s": 5}"#).is_err());
    }
}
