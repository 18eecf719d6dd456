//! The bus's one shared live reader, on both backends: many subscriptions each get every event
//! they select once and in order, a subscriber that is not read holds back no one and catches
//! up from the streams, replays join while others are live, and on Redis the reading does not
//! grow with the number of subscriptions.

mod support;

use serde_json::json;
use support::{take, Harness};
use tidings::{EmitOptions, EmitRequest, Start, SubscribeOptions};

on_both_backends!(
    many_subscriptions_each_get_what_they_select_once_in_order,
    a_subscriber_that_is_not_read_holds_back_no_one_and_catches_up,
    replays_join_the_live_reading_while_others_are_live,
    a_resume_is_exact_when_the_reader_is_behind_the_position,
    live_batches_keep_to_the_batch_size,
);

async fn many_subscriptions_each_get_what_they_select_once_in_order(harness: Harness) {
    let bus = harness.bus().await;
    let mut everything = Vec::new();
    for _ in 0..40 {
        everything.push(bus.subscribe("fan.*").await.unwrap());
    }
    let mut only_a = Vec::new();
    for _ in 0..10 {
        only_a.push(bus.subscribe("fan.a").await.unwrap());
    }
    let requests: Vec<EmitRequest> = (0..60)
        .map(|n| EmitRequest::new(if n % 3 == 0 { "fan.a" } else { "fan.b" }, json!(n)))
        .collect();
    let ids = bus.emit_many(requests).await.unwrap();
    let a_ids: Vec<&String> = ids.iter().step_by(3).collect();
    for subscription in &mut everything {
        let got = take(subscription, ids.len()).await;
        assert_eq!(
            got.iter().map(|e| &e.id).collect::<Vec<_>>(),
            ids.iter().collect::<Vec<_>>()
        );
    }
    for subscription in &mut only_a {
        let got = take(subscription, a_ids.len()).await;
        assert_eq!(got.iter().map(|e| &e.id).collect::<Vec<_>>(), a_ids);
    }
    // Nothing more: a sentinel comes next for every subscription.
    let sentinel = bus.emit("fan.a", json!("end")).await.unwrap();
    for subscription in everything.iter_mut().chain(only_a.iter_mut()) {
        assert_eq!(take(subscription, 1).await[0].id, sentinel);
    }
    assert_eq!(bus.metrics().subscribers_lagged, 0);
}

async fn a_subscriber_that_is_not_read_holds_back_no_one_and_catches_up(harness: Harness) {
    let bus = harness.bus().await;
    let mut idle = bus.subscribe("lag.*").await.unwrap();
    let mut reader = bus.subscribe("lag.*").await.unwrap();
    // About 4 MB of events: more than an unread subscriber may hold (1 MB).
    let text = "x".repeat(1000);
    let mut ids = Vec::new();
    for chunk in 0..8 {
        let requests: Vec<EmitRequest> = (0..500)
            .map(|n| EmitRequest::new("lag.big", json!({"chunk": chunk, "n": n, "text": text})))
            .collect();
        ids.extend(bus.emit_many(requests).await.unwrap());
        // The one that reads gets each chunk while the other reads nothing.
        let got = take(&mut reader, 500).await;
        assert_eq!(got.last().unwrap().id, *ids.last().unwrap());
    }
    assert_eq!(
        bus.metrics().subscribers_lagged,
        1,
        "the idle subscriber, only, fell behind"
    );
    let caught_up = take(&mut idle, ids.len()).await;
    assert_eq!(
        caught_up.iter().map(|e| &e.id).collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>()
    );
    // And it is live again: the next event comes once, right after.
    let next = bus.emit("lag.after", json!(1)).await.unwrap();
    assert_eq!(take(&mut idle, 1).await[0].id, next);
    assert_eq!(take(&mut reader, 1).await[0].id, next);
}

async fn replays_join_the_live_reading_while_others_are_live(harness: Harness) {
    let bus = harness.bus().await;
    let mut live = bus.subscribe("join.*").await.unwrap();
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(
            bus.emit(if n % 2 == 0 { "join.a" } else { "join.b" }, json!(n))
                .await
                .unwrap(),
        );
    }
    let emitter = bus.clone();
    let more = tokio::spawn(async move {
        let mut ids = Vec::new();
        for n in 20..60 {
            let event_type = if n % 2 == 0 { "join.a" } else { "join.b" };
            ids.push(emitter.emit(event_type, json!(n)).await.unwrap());
        }
        ids
    });
    let options = SubscribeOptions::new().from(Start::Beginning).batch_size(7);
    let mut replaying = bus.subscribe_with("join.*", options).await.unwrap();
    ids.extend(more.await.unwrap());
    let replayed = take(&mut replaying, ids.len()).await;
    assert_eq!(
        replayed.iter().map(|e| &e.id).collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>()
    );
    let followed = take(&mut live, ids.len()).await;
    assert_eq!(
        followed.iter().map(|e| &e.id).collect::<Vec<_>>(),
        ids.iter().collect::<Vec<_>>()
    );
    let sentinel = bus.emit("join.a", json!("end")).await.unwrap();
    assert_eq!(take(&mut replaying, 1).await[0].id, sentinel);
    assert_eq!(take(&mut live, 1).await[0].id, sentinel);
}

/// The reader's rounds run for what its subscriptions select: events of other types move no
/// watermark. A subscription that resumes after a position of such a type, newer than the
/// reader's last round, gets exactly what follows it.
async fn a_resume_is_exact_when_the_reader_is_behind_the_position(harness: Harness) {
    let bus = harness.builder().poll_interval(None).build().await.unwrap();
    let _other = bus.subscribe("elsewhere.*").await.unwrap();
    let mut events = Vec::new();
    for n in 0..4 {
        events.push(
            bus.emit_event("resume.x", json!(n), EmitOptions::new())
                .await
                .unwrap(),
        );
    }
    let options = SubscribeOptions::new().from(Start::After(events[1].position.unwrap()));
    let mut resumed = bus.subscribe_with("resume.*", options).await.unwrap();
    let next = bus.emit("resume.x", json!("live")).await.unwrap();
    let got = take(&mut resumed, 3).await;
    assert_eq!(
        got.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        vec![events[2].id.as_str(), events[3].id.as_str(), next.as_str()]
    );
}

async fn live_batches_keep_to_the_batch_size(harness: Harness) {
    let bus = harness.bus().await;
    let options = SubscribeOptions::new().batch_size(3);
    let mut subscription = bus.subscribe_with("batch.*", options).await.unwrap();
    let requests: Vec<EmitRequest> = (0..10)
        .map(|n| EmitRequest::new("batch.x", json!(n)))
        .collect();
    let ids = bus.emit_many(requests).await.unwrap();
    let mut got = Vec::new();
    while got.len() < ids.len() {
        let batch = tokio::time::timeout(support::PATIENCE, subscription.next_batch())
            .await
            .expect("a batch")
            .unwrap()
            .unwrap();
        assert!(batch.len() <= 3, "a batch of {}", batch.len());
        got.extend(batch.into_iter().map(|e| e.id));
    }
    assert_eq!(got, ids);
}

/// The Redis commands a bus's subscriptions send do not grow with their number: one reading
/// per round for all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_redis_the_reading_does_not_grow_with_the_subscriptions() {
    let harness = Harness::redis();
    let server = harness.server.as_ref().unwrap();
    let emitter = harness.bus().await;
    let mut reads_per_event = Vec::new();
    for subscribers in [1usize, 200] {
        let bus = harness.bus().await;
        let mut subscriptions = Vec::new();
        for _ in 0..subscribers {
            subscriptions.push(bus.subscribe("count.*").await.unwrap());
        }
        let before = read_commands(server);
        let events = 30;
        for n in 0..events {
            let id = emitter.emit("count.tick", json!(n)).await.unwrap();
            for subscription in &mut subscriptions {
                assert_eq!(take(subscription, 1).await[0].id, id);
            }
        }
        let reads = read_commands(server) - before;
        reads_per_event.push(reads as f64 / events as f64);
    }
    // One round per event at most (each a clock read, a registry count and one XREAD), held
    // events adding a round now and then; 200 subscriptions read no more than one does.
    let (one, many) = (reads_per_event[0], reads_per_event[1]);
    assert!(
        many <= one * 1.5 + 1.0,
        "{one} reads per event with 1 subscriber, {many} with 200"
    );
    assert!(many <= 8.0, "{many} reads per event");
}

/// XREAD, TIME, SCARD and SMEMBERS calls the server has served so far.
fn read_commands(server: &support::RedisServer) -> u64 {
    let stats = server
        .command(&["INFO", "commandstats"])
        .unwrap_or_default();
    ["xread", "time", "scard", "smembers"]
        .iter()
        .map(|command| {
            let prefix = format!("cmdstat_{command}:calls=");
            stats
                .lines()
                .find_map(|line| line.strip_prefix(&prefix))
                .and_then(|rest| rest.split(',').next())
                .and_then(|calls| calls.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum()
}
