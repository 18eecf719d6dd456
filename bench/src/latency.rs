//! Emit-to-subscriber latency across two processes. The parent re-runs this binary as
//! `latency-subscriber <url> <count> <skip>` (or `raw-latency-subscriber …`) on a runtime of its
//! own flavour, waits for its "ready", emits at a steady 1,000 events/s with the send time
//! (realtime clock, which both processes share) in `data.sent_ns`, and reads back the child's
//! line `latency <p50_us> <p99_us> <max_us>` over the events after the first `skip`.

use crate::core::{latency_data, now_ns, Emitter, RAW_CHANNEL};
use crate::table::{percentile, Kind, Sample};
use crate::BenchResult;
use futures_util::{stream, Stream, StreamExt};
use std::io::{BufRead, BufReader, Write};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::time::{interval, timeout, MissedTickBehavior};

pub const EVENT_TYPE: &str = "bench.latency";
const WAIT: Duration = Duration::from_secs(30);

/// Kills the subscriber if the parent gives up on it.
struct Subscriber(Child);

impl Drop for Subscriber {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One run: `emitter` sends `skip + count` events, paced at 1,000/s, to a child subscriber.
pub async fn measure(
    raw: bool,
    flavor: &str,
    url: &str,
    [count, skip]: [u64; 2],
    emitter: Emitter,
) -> BenchResult<Sample> {
    let subcommand = if raw {
        "raw-latency-subscriber"
    } else {
        "latency-subscriber"
    };
    let mut child = Subscriber(
        Command::new(std::env::current_exe()?)
            .args([
                subcommand,
                url,
                &(count + skip).to_string(),
                &skip.to_string(),
            ])
            .env("TIDINGS_BENCH_RUNTIME", flavor)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?,
    );
    let stdout = child.0.stdout.take().ok_or("no subscriber stdout")?;
    let (lines, mut received) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut next_line = async || match timeout(WAIT, received.recv()).await {
        Ok(Some(line)) => Ok(line),
        _ => Err("the latency subscriber did not answer"),
    };
    if next_line().await? != "ready" {
        return Err("the latency subscriber did not say ready".into());
    }
    let mut ticks = interval(Duration::from_millis(1));
    ticks.set_missed_tick_behavior(MissedTickBehavior::Burst);
    for _ in 0..count + skip {
        ticks.tick().await;
        emitter.send(latency_data()).await?;
    }
    let summary = next_line().await?;
    let figures = summary
        .strip_prefix("latency ")
        .unwrap_or_default()
        .split(' ');
    match figures.map(str::parse).collect::<Result<Vec<f64>, _>>() {
        Ok(figures) if figures.len() == 3 && child.0.wait()?.success() => {
            Ok((Kind::Latency, figures))
        }
        _ => Err(format!("the latency subscriber failed: {summary}").into()),
    }
}

/// The child: a tidings subscription, or (`raw`) a redis-rs `SUBSCRIBE` to the raw contender's
/// channel that reads the envelope from the message itself.
pub async fn subscriber(args: &[String], raw: bool) -> BenchResult<()> {
    let [url, count, skip] = args else {
        return Err("usage: tidings-bench latency-subscriber <url> <count> <skip>".into());
    };
    let (count, skip): (usize, usize) = (count.parse()?, skip.parse()?);
    type SentNs = Pin<Box<dyn Stream<Item = Option<u64>>>>;
    let mut sent_ns: SentNs = if raw {
        let mut pubsub = redis::Client::open(url.as_str())?
            .get_async_pubsub()
            .await?;
        pubsub.subscribe(RAW_CHANNEL).await?;
        Box::pin(pubsub.into_on_message().map(|message| {
            let envelope = serde_json::from_slice::<serde_json::Value>(message.get_payload_bytes());
            envelope.ok()?["data"]["sent_ns"].as_u64()
        }))
    } else {
        let bus = tidings::Bus::connect(url).await?;
        let subscription = bus.subscribe(EVENT_TYPE).await?;
        Box::pin(stream::unfold(
            (bus, subscription),
            async |(bus, mut subscription)| {
                let event = subscription.next_event().await?.ok()?;
                Some((event.data["sent_ns"].as_u64(), (bus, subscription)))
            },
        ))
    };
    println!("ready");
    std::io::stdout().flush()?;
    let mut latencies_us = Vec::with_capacity(count);
    for seen in 0..count {
        let sent = timeout(WAIT, sent_ns.next())
            .await
            .map_err(|_| "no event within 30 s")?;
        let sent = sent
            .ok_or("the subscription ended")?
            .ok_or("no data.sent_ns")?;
        if seen >= skip {
            latencies_us.push(now_ns().saturating_sub(sent) as f64 / 1_000.0);
        }
    }
    latencies_us.sort_by(f64::total_cmp);
    let max = *latencies_us.last().ok_or("no latency measured")?;
    let [p50, p99] = [0.50, 0.99].map(|p| percentile(&latencies_us, p));
    println!("latency {p50:.1} {p99:.1} {max:.1}");
    Ok(())
}
