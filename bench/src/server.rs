//! What every contender runs against and on: a private redis-server started for the run (never
//! the machine's shared one on 6379) or the one `TIDINGS_BENCH_URL` names, the server's CPU use
//! around a measurement (so the table shows when the server is the bottleneck), and how busy
//! the machine's CPUs were otherwise (another job on a 2-core machine distorts every figure).

use crate::BenchResult;
use std::time::{Duration, Instant};
use tidings_testkit::RedisServer;

pub struct Server {
    pub url: String,
    /// The private server, killed on drop.
    private: Option<RedisServer>,
}

impl Server {
    pub fn start() -> Server {
        match std::env::var("TIDINGS_BENCH_URL") {
            Ok(url) if !url.is_empty() => Server { url, private: None },
            _ => {
                let server = RedisServer::start();
                Server {
                    url: server.url(),
                    private: Some(server),
                }
            }
        }
    }

    /// "7.0.15 (private)", from `INFO server`.
    pub fn describe(&self) -> String {
        let version = self
            .info("server", "redis_version")
            .unwrap_or_else(|| "?".into());
        let whose = if self.private.is_some() {
            "private"
        } else {
            "TIDINGS_BENCH_URL"
        };
        format!("{version} ({whose})")
    }

    fn info(&self, section: &str, field: &str) -> Option<String> {
        let mut connection = redis::Client::open(self.url.as_str())
            .ok()?
            .get_connection()
            .ok()?;
        let info: String = redis::cmd("INFO")
            .arg(section)
            .query(&mut connection)
            .ok()?;
        let value = info
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'));
        value.map(|value| value.trim().to_owned())
    }

    /// Deletes these keys, so streams do not grow from run to run.
    pub fn reset(&self, keys: &[&str]) -> BenchResult<()> {
        let mut connection = redis::Client::open(self.url.as_str())?.get_connection()?;
        Ok(redis::cmd("DEL").arg(keys).query::<()>(&mut connection)?)
    }

    /// `work`'s result and the server's CPU use meanwhile, % of one core (`INFO cpu`).
    pub fn with_cpu<T>(&self, work: impl FnOnce() -> T) -> (T, Option<f64>) {
        let cpu_seconds = || {
            let field = |name| self.info("cpu", name)?.parse::<f64>().ok();
            Some(field("used_cpu_user")? + field("used_cpu_sys")?)
        };
        let (before, started) = (cpu_seconds(), Instant::now());
        let result = work();
        let elapsed = started.elapsed().as_secs_f64();
        let percent = before
            .zip(cpu_seconds())
            .map(|(b, a)| 100.0 * (a - b) / elapsed);
        (result, percent)
    }
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

/// Clock ticks: [all CPUs' total, all CPUs' busy, this bench's own], where its own counts
/// itself, its children waited for (the bindings' benches, redis-benchmark) and live ones
/// (redis-server).
pub fn ticks() -> [u64; 3] {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let cpu = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1);
    let fields: Vec<u64> = cpu.filter_map(|f| f.parse().ok()).collect();
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3).unwrap_or(&0) + fields.get(4).unwrap_or(&0);
    let me = std::process::id().to_string();
    let processes = std::fs::read_dir("/proc").into_iter().flatten().flatten();
    let children =
        processes.filter_map(|entry| process_ticks(&entry.file_name().to_string_lossy()));
    let live: u64 = children
        .filter(|(parent, _)| *parent == me)
        .map(|(_, [own, _])| own)
        .sum();
    let ours = process_ticks("self").map_or(0, |(_, [own, waited])| own + waited);
    [total, total - idle, ours + live]
}

/// (% of all CPUs idle, % used by other processes than this bench) between two `ticks()`.
pub fn usage(before: [u64; 3], after: [u64; 3]) -> (f64, f64) {
    let [total, busy, ours] = [0, 1, 2].map(|i| after[i].saturating_sub(before[i]));
    let total = total.max(1) as f64;
    (
        100.0 - 100.0 * busy as f64 / total,
        100.0 * busy.saturating_sub(ours) as f64 / total,
    )
}

/// Idle share of all CPUs over one second.
pub fn idle_percent() -> f64 {
    let before = ticks();
    std::thread::sleep(Duration::from_secs(1));
    usage(before, ticks()).0
}

/// (parent pid, [utime + stime, cutime + cstime]) of /proc/<pid>/stat.
fn process_ticks(pid: &str) -> Option<(String, [u64; 2])> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (in parentheses, and it may hold spaces): the state
    // (field 3), the parent (4), … utime (14), stime, cutime, cstime (17).
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let field = |n: usize| {
        rest.get(n - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Some((
        rest.get(1)?.to_string(),
        [field(14) + field(15), field(16) + field(17)],
    ))
}
