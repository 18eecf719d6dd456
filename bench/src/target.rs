//! The Redis server every contender runs against: a private redis-server started for this run
//! (never the machine's shared one on 6379), or the server `TIDINGS_BENCH_URL` names. Also
//! measures the server's own CPU use around a measurement, so the table shows when the server
//! itself is the bottleneck.

use crate::BenchResult;
use std::time::Instant;
use tidings_testkit::RedisServer;

pub struct Target {
    url: String,
    /// Kept so the private server lives as long as the bench (killed on drop).
    _server: Option<RedisServer>,
}

impl Target {
    pub fn start() -> Target {
        match std::env::var("TIDINGS_BENCH_URL") {
            Ok(url) if !url.is_empty() => Target { url, _server: None },
            _ => {
                let server = RedisServer::start();
                Target {
                    url: server.url(),
                    _server: Some(server),
                }
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// True when the server is one this bench started.
    pub fn is_private(&self) -> bool {
        self._server.is_some()
    }

    /// Deletes the bench's keys so streams do not grow from run to run.
    pub fn reset(&self, keys: &[&str]) -> BenchResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut connection = redis::Client::open(self.url.as_str())?.get_connection()?;
        redis::cmd("DEL").arg(keys).query::<()>(&mut connection)?;
        Ok(())
    }

    /// `redis-server --version` of the server, from `INFO server`.
    pub fn server_version(&self) -> String {
        let info = redis::Client::open(self.url.as_str())
            .and_then(|client| client.get_connection())
            .and_then(|mut c| redis::cmd("INFO").arg("server").query::<String>(&mut c));
        info.ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|line| line.strip_prefix("redis_version:").map(str::to_owned))
            })
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// Runs `work` and returns its result with the server's CPU use meanwhile, in percent of
    /// one core (None when `INFO cpu` cannot be read).
    pub fn with_server_cpu<T>(&self, work: impl FnOnce() -> T) -> (T, Option<f64>) {
        let before = self.server_cpu_seconds();
        let started = Instant::now();
        let result = work();
        let elapsed = started.elapsed().as_secs_f64();
        let after = self.server_cpu_seconds();
        let percent = before
            .zip(after)
            .map(|(before, after)| 100.0 * (after - before) / elapsed);
        (result, percent)
    }

    /// The server process's user + system CPU seconds, all its threads (`INFO cpu`:
    /// getrusage, µs resolution; /proc/<pid>/stat would give the same in 10 ms ticks).
    fn server_cpu_seconds(&self) -> Option<f64> {
        let mut connection = redis::Client::open(self.url.as_str())
            .and_then(|client| client.get_connection())
            .ok()?;
        let info: String = redis::cmd("INFO").arg("cpu").query(&mut connection).ok()?;
        let field = |name: &str| {
            info.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|value| value.trim().parse::<f64>().ok())
        };
        Some(field("used_cpu_user")? + field("used_cpu_sys")?)
    }
}
