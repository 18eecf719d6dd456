//! Emit-to-subscriber latency across two processes. The parent re-runs this binary as
//! `latency-subscriber <url> <count> [skip]` (or `raw-latency-subscriber …`), waits for its
//! "ready", emits at a steady 1,000 events/s with the send time (realtime clock, ns since the
//! epoch; both processes share the machine's clock) in `data.sent_ns`, and reads back the
//! subscriber's summary line `latency <p50_us> <p99_us> <max_us>`.

use crate::stats::percentile;
use crate::workload::{latency_data, now_ns};
use crate::BenchResult;
use futures_util::StreamExt;
use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{interval, timeout, MissedTickBehavior};

pub const EVENT_TYPE: &str = "bench.latency";
pub const RATE_PER_S: u64 = 1_000;
const WAIT: Duration = Duration::from_secs(30);

/// Kills the subscriber if the parent gives up on it.
struct Subscriber(Child);

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One run: starts `subcommand` on a tokio runtime of the same `flavor`, then calls `emit`
/// with the data of each of `skip` warm-up and `count` measured events, paced at 1,000/s.
/// Returns [p50, p99, max] in µs over the measured ones.
pub async fn measure<F: Future<Output = BenchResult<()>>>(
    subcommand: &str,
    flavor: &str,
    url: &str,
    count: u64,
    skip: u64,
    mut emit: impl FnMut(serde_json::Value) -> F,
) -> BenchResult<Vec<f64>> {
    let total = count + skip;
    let mut child = Subscriber(
        Command::new(std::env::current_exe()?)
            .args([subcommand, url, &total.to_string(), &skip.to_string()])
            .env("TIDINGS_BENCH_RUNTIME", flavor)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?,
    );
    let stdout = child.0.stdout.take().ok_or("no subscriber stdout")?;
    let (lines, mut received) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut next_line = async || -> BenchResult<String> {
        Ok(timeout(WAIT, received.recv())
            .await
            .map_err(|_| "the latency subscriber did not answer")?
            .ok_or("the latency subscriber exited early")?)
    };
    if next_line().await? != "ready" {
        return Err("the latency subscriber did not say ready".into());
    }
    let mut ticks = interval(Duration::from_secs(1) / RATE_PER_S as u32);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    for _ in 0..total {
        ticks.tick().await;
        emit(latency_data(now_ns())).await?;
    }
    let summary = next_line().await?;
    let figures: Vec<f64> = summary
        .strip_prefix("latency ")
        .ok_or_else(|| format!("unexpected subscriber output: {summary}"))?
        .split(' ')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    if !child.0.wait()?.success() || figures.len() != 3 {
        return Err(format!("the latency subscriber failed: {summary}").into());
    }
    Ok(figures)
}

/// Parses `<url> <count> [skip]`.
fn parse(args: &[String]) -> BenchResult<(&str, usize, usize)> {
    let [url, count, rest @ ..] = args else {
        return Err("usage: tidings-bench latency-subscriber <url> <count> [skip]".into());
    };
    Ok((
        url,
        count.parse()?,
        rest.first().map_or(Ok(0), |s| s.parse())?,
    ))
}

/// Collects the latencies of events after the first `skip`, then prints the summary line.
struct Tally {
    count: usize,
    skip: usize,
    seen: usize,
    latencies_us: Vec<f64>,
}

impl Tally {
    fn new(count: usize, skip: usize) -> Tally {
        println!("ready");
        let _ = std::io::stdout().flush();
        Tally {
            count,
            skip,
            seen: 0,
            latencies_us: Vec::with_capacity(count),
        }
    }
    fn done(&self) -> bool {
        self.seen >= self.count
    }
    fn add(&mut self, sent_ns: Option<u64>) -> BenchResult<()> {
        let now = now_ns();
        self.seen += 1;
        if self.seen > self.skip {
            let sent = sent_ns.ok_or("no data.sent_ns")?;
            self.latencies_us
                .push(now.saturating_sub(sent) as f64 / 1_000.0);
        }
        Ok(())
    }
    fn print(mut self) -> BenchResult<()> {
        self.latencies_us.sort_by(f64::total_cmp);
        let max = *self.latencies_us.last().ok_or("no latency measured")?;
        let [p50, p99] = [0.50, 0.99].map(|p| percentile(&self.latencies_us, p));
        println!("latency {p50:.1} {p99:.1} {max:.1}");
        Ok(())
    }
}

/// `latency-subscriber <url> <count> [skip]`: a tidings subscription (child process).
pub async fn subscriber(args: &[String]) -> BenchResult<()> {
    let (url, count, skip) = parse(args)?;
    let bus = tidings::Bus::connect(url).await?;
    let mut subscription = bus.subscribe(EVENT_TYPE).await?;
    let mut tally = Tally::new(count, skip);
    while !tally.done() {
        let batch = timeout(WAIT, subscription.next_batch())
            .await
            .map_err(|_| "no event within 30 s")?
            .ok_or("the subscription ended")?;
        for event in batch {
            tally.add(event.data["sent_ns"].as_u64())?;
        }
    }
    bus.close().await;
    tally.print()
}

/// `raw-latency-subscriber <url> <count> [skip]`: redis-rs `SUBSCRIBE` to the raw contender's
/// channel, reading the envelope from the message itself (child process).
pub async fn raw_subscriber(args: &[String]) -> BenchResult<()> {
    let (url, count, skip) = parse(args)?;
    let mut pubsub = redis::Client::open(url)?.get_async_pubsub().await?;
    pubsub.subscribe(crate::raw::CHANNEL).await?;
    let mut messages = pubsub.into_on_message();
    let mut tally = Tally::new(count, skip);
    while !tally.done() {
        let message = timeout(WAIT, messages.next())
            .await
            .map_err(|_| "no message within 30 s")?
            .ok_or("the pub/sub connection ended")?;
        let envelope: serde_json::Value = serde_json::from_slice(message.get_payload_bytes())?;
        tally.add(envelope["data"]["sent_ns"].as_u64())?;
    }
    tally.print()
}
