//! The server's own speed: `redis-benchmark` run against the same server, one command line
//! pipelined or one at a time. Reads requests/s from its `--csv` output.

use crate::BenchResult;
use std::process::Command;

/// True when `redis-benchmark` is on PATH.
pub fn available() -> bool {
    let version = Command::new("redis-benchmark").arg("--version").output();
    version.is_ok_and(|out| out.status.success())
}

/// Requests/s of `command` sent `requests` times over `clients` connections with `pipeline`
/// requests in flight on each.
pub fn run(
    url: &str,
    command: &[String],
    clients: u32,
    pipeline: u32,
    requests: u64,
) -> BenchResult<f64> {
    let output = Command::new("redis-benchmark")
        .args([
            "-u",
            url,
            "--csv",
            "-c",
            &clients.to_string(),
            "-P",
            &pipeline.to_string(),
        ])
        .args(["-n", &requests.to_string()])
        .args(command)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("redis-benchmark failed: {stdout}{stderr}").into());
    }
    let rps = parse_csv_rps(&stdout);
    rps.ok_or_else(|| format!("no requests/s in redis-benchmark's output: {stdout}").into())
}

/// redis-benchmark 7 `--csv` prints a header `"test","rps","avg_latency_ms",…` (8 columns) and
/// one row per test. The test name is the command line and may hold commas, so the row is read
/// from its end: rps is the 7th field from the last.
fn parse_csv_rps(output: &str) -> Option<f64> {
    let row = output
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty() && !line.starts_with("\"test\""))?;
    let fields: Vec<&str> = row.rsplitn(8, ',').collect();
    fields.get(6)?.trim_matches('"').parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_csv() {
        let out = "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\",\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n\
                   \"XADD k * event {\"a\",1}\",\"161792.00\",\"1.209\",\"0.288\",\"1.119\",\"2.823\",\"4.703\",\"4.703\"\n";
        assert_eq!(super::parse_csv_rps(out), Some(161792.0));
    }
}
