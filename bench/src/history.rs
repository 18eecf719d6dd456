//! The first paint of a dashboard: `history('*', limit 100)` over N types of 100 events each,
//! timed call by call. Beside tidings, what a developer would write by hand on redis-rs: one
//! `XREVRANGE … COUNT 100` per type in one pipeline, then a sort.

use crate::core::Flavor;
use crate::table::{percentile, Kind, Sample};
use crate::BenchResult;
use std::time::Instant;
use tidings::serde_json::json;
use tidings::{Bus, EmitRequest, HistoryQuery};

/// One stream entry as redis-rs reads it: its id and its fields.
type StreamEntry = (String, Vec<(String, String)>);

const PER_TYPE: usize = 100;
const LIMIT: usize = 100;

/// Fills namespace `hist<types>` with `types` × 100 events unless it holds them (the bindings'
/// benches empty the server between rounds).
pub async fn fill(url: &str, types: usize) -> BenchResult<()> {
    let mut redis = redis::Client::open(url)?
        .get_multiplexed_async_connection()
        .await?;
    let known: usize = redis::cmd("SCARD")
        .arg(format!("hist{types}:tidings:types"))
        .query_async(&mut redis)
        .await?;
    if known == types {
        return Ok(());
    }
    let bus = Bus::builder(url)
        .namespace(format!("hist{types}"))
        .build()
        .await?;
    let requests: Vec<EmitRequest> = (0..PER_TYPE)
        .flat_map(|n| {
            (0..types).map(move |t| EmitRequest::new(format!("dash.t{t:04}"), json!({"n": n})))
        })
        .collect();
    for chunk in requests.chunks(10_000) {
        bus.emit_many(chunk.to_vec()).await?;
    }
    bus.close().await;
    Ok(())
}

/// `calls` timed calls of tidings' `history('*', limit 100)` over namespace `hist<types>`.
pub fn core(f: &Flavor, url: &str, types: usize, calls: usize) -> BenchResult<Sample> {
    let url = url.to_owned();
    f.run(async move {
        fill(&url, types).await?;
        let bus = Bus::builder(&url)
            .namespace(format!("hist{types}"))
            .build()
            .await?;
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let started = Instant::now();
            let page = bus.history("*", HistoryQuery::new().limit(LIMIT)).await?;
            times.push(started.elapsed().as_secs_f64() * 1e6);
            assert_eq!(page.len(), LIMIT.min(types * PER_TYPE));
        }
        bus.close().await;
        Ok(summary(times))
    })
}

/// The same page by hand: the registry, one pipelined `XREVRANGE COUNT 100` per type, a sort.
pub fn by_hand(f: &Flavor, url: &str, types: usize, calls: usize) -> BenchResult<Sample> {
    let url = url.to_owned();
    f.run(async move {
        fill(&url, types).await?;
        let mut redis = redis::Client::open(url.as_str())?
            .get_multiplexed_async_connection()
            .await?;
        let prefix = format!("hist{types}:");
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let started = Instant::now();
            let known: Vec<String> = redis::cmd("SMEMBERS")
                .arg(format!("{prefix}tidings:types"))
                .query_async(&mut redis)
                .await?;
            let mut pipe = redis::pipe();
            for event_type in &known {
                pipe.cmd("XREVRANGE")
                    .arg(format!("{prefix}stream:{event_type}"))
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(LIMIT);
            }
            let pages: Vec<Vec<StreamEntry>> = pipe.query_async(&mut redis).await?;
            let mut all: Vec<(String, String)> = pages
                .into_iter()
                .flatten()
                .map(|(id, mut fields)| (id, fields.pop().map(|f| f.1).unwrap_or_default()))
                .collect();
            all.sort_by(|a, b| b.0.cmp(&a.0));
            all.truncate(LIMIT);
            times.push(started.elapsed().as_secs_f64() * 1e6);
            assert_eq!(all.len(), LIMIT.min(types * PER_TYPE));
        }
        Ok(summary(times))
    })
}

fn summary(mut times: Vec<f64>) -> Sample {
    times.sort_by(f64::total_cmp);
    let max = *times.last().unwrap_or(&0.0);
    (
        Kind::Latency,
        vec![percentile(&times, 0.5), percentile(&times, 0.99), max],
    )
}
