//! The behaviour suite: emit, subscribe and history semantics, each test run once on
//! `memory://` and once on a private redis-server, so both backends keep the same contract.

mod support;

use serde_json::json;
use std::collections::HashSet;
use support::{next, take, Harness};
use tidings::{
    Bound, EmitOptions, EmitRequest, ErrorKind, HistoryQuery, Order, Position, Start,
    SubscribeOptions,
};

on_both_backends!(
    emit_returns_a_uuid_v7_and_history_reads_the_event_back,
    pattern_subscription_gets_matching_types_only,
    live_subscription_starts_after_it_is_established,
    every_subscription_gets_every_matching_event_exactly_once,
    replay_from_start_then_live_has_no_gap_and_no_duplicate,
    resuming_after_a_position_continues_exactly,
    starting_from_a_time_replays_from_that_millisecond,
    history_merges_types_in_position_order_with_limit_and_bounds,
    emit_options_travel_with_the_event,
    bad_types_are_rejected_and_nothing_is_written,
    bad_patterns_are_rejected_everywhere,
    oversized_events_are_rejected_as_invalid_data,
    closing_ends_subscriptions_and_refuses_further_calls,
    emit_many_validates_everything_before_writing,
    emit_many_in_chunks_stores_each_event_once_in_order,
    concurrent_emits_each_land_once_at_the_position_they_report,
    metrics_count_emits_and_deliveries_per_type,
    namespaces_keep_buses_apart,
);

async fn emit_returns_a_uuid_v7_and_history_reads_the_event_back(harness: Harness) {
    let bus = harness.builder().source("test-svc").build().await.unwrap();
    let id = bus
        .emit("user.login", json!({"userId": 123, "device": "iPhone 14"}))
        .await
        .unwrap();
    let uuid = uuid_version(&id);
    assert_eq!(uuid, 7, "{id} is a UUIDv7");
    let history = bus
        .history("user.login", HistoryQuery::new())
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    let event = &history[0];
    assert_eq!(event.id, id);
    assert_eq!(event.event_type, "user.login");
    assert_eq!(event.source, "test-svc");
    assert_eq!(event.data, json!({"userId": 123, "device": "iPhone 14"}));
    assert_eq!(event.version, "1");
    assert!(event.position.is_some());
}

fn uuid_version(id: &str) -> u32 {
    let hex: String = id.chars().filter(|c| *c != '-').collect();
    assert_eq!(hex.len(), 32, "{id}");
    hex[12..13].parse().unwrap()
}

async fn pattern_subscription_gets_matching_types_only(harness: Harness) {
    let bus = harness.bus().await;
    let mut users = bus.subscribe("user.*").await.unwrap();
    bus.emit("user.login", json!(1)).await.unwrap();
    bus.emit("order.placed", json!(2)).await.unwrap();
    bus.emit("userXlogin", json!(3)).await.unwrap();
    bus.emit("user.registered.v2", json!(4)).await.unwrap();
    bus.emit("user.done", json!(5)).await.unwrap();
    let got: Vec<String> = take(&mut users, 3)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(got, ["user.login", "user.registered.v2", "user.done"]);
}

async fn live_subscription_starts_after_it_is_established(harness: Harness) {
    let bus = harness.bus().await;
    bus.emit("audit.before", json!("old")).await.unwrap();
    let mut audit = bus.subscribe("audit.*").await.unwrap();
    let after = bus.emit("audit.after", json!("new")).await.unwrap();
    assert_eq!(next(&mut audit).await.id, after);
}

async fn every_subscription_gets_every_matching_event_exactly_once(harness: Harness) {
    let producer = harness.bus().await;
    let consumer = harness.bus().await;
    let mut everything = consumer.subscribe("*").await.unwrap();
    let mut orders = consumer.subscribe("order.*").await.unwrap();
    let mut placed = consumer.subscribe("order.placed").await.unwrap();
    let types = ["order.placed", "order.paid", "user.login"];
    let requests: Vec<EmitRequest> = (0..300)
        .map(|i| EmitRequest::new(types[i % 3], json!({ "i": i })))
        .collect();
    let ids = producer.emit_many(requests).await.unwrap();
    let all: HashSet<String> = ids.iter().cloned().collect();
    let order_ids: HashSet<String> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 2)
        .map(|(_, id)| id.clone())
        .collect();
    let placed_ids: HashSet<String> = ids.iter().step_by(3).cloned().collect();
    for (subscription, expected) in [
        (&mut everything, &all),
        (&mut orders, &order_ids),
        (&mut placed, &placed_ids),
    ] {
        let got = take(subscription, expected.len()).await;
        let unique: HashSet<String> = got.iter().map(|e| e.id.clone()).collect();
        assert_eq!(unique.len(), got.len(), "no duplicates");
        assert_eq!(&unique, expected);
    }
    // Nothing more is pending: the next event each one gets is a fresh sentinel.
    let sentinel = producer.emit("order.placed", json!("end")).await.unwrap();
    assert_eq!(next(&mut everything).await.id, sentinel);
    assert_eq!(next(&mut orders).await.id, sentinel);
    assert_eq!(next(&mut placed).await.id, sentinel);
}

async fn replay_from_start_then_live_has_no_gap_and_no_duplicate(harness: Harness) {
    let bus = harness.bus().await;
    let mut emitted = Vec::new();
    for i in 0..60 {
        let event_type = if i % 2 == 0 {
            "job.started"
        } else {
            "job.done"
        };
        emitted.push(bus.emit(event_type, json!(i)).await.unwrap());
    }
    let options = SubscribeOptions::new().from(Start::Beginning).batch_size(7);
    let mut jobs = bus.subscribe_with("job.*", options).await.unwrap();
    let producer = bus.clone();
    let live = tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 60..120 {
            ids.push(producer.emit("job.started", json!(i)).await.unwrap());
        }
        ids
    });
    let got = take(&mut jobs, 120).await;
    emitted.extend(live.await.unwrap());
    let got_ids: Vec<String> = got.iter().map(|e| e.id.clone()).collect();
    assert_eq!(got_ids[..60], emitted[..60], "replay in position order");
    let unique: HashSet<&String> = got_ids.iter().collect();
    assert_eq!(unique.len(), 120, "no duplicate at the seam");
    assert_eq!(unique, emitted.iter().collect::<HashSet<_>>(), "no gap");
    assert_eq!(
        got_ids, emitted,
        "one emitter's events arrive in the order emitted"
    );
}

async fn resuming_after_a_position_continues_exactly(harness: Harness) {
    let bus = harness.bus().await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(bus.emit("cart.updated", json!(i)).await.unwrap());
    }
    let mut first = bus
        .subscribe_with("cart.*", SubscribeOptions::new().from(Start::Beginning))
        .await
        .unwrap();
    let seen = take(&mut first, 4).await;
    let resume_at = seen.last().unwrap().position.unwrap();
    drop(first);
    let from = Start::parse(&resume_at.to_string()).unwrap();
    let mut second = bus
        .subscribe_with("cart.*", SubscribeOptions::new().from(from))
        .await
        .unwrap();
    let rest: Vec<String> = take(&mut second, 6)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(rest, ids[4..]);
}

async fn starting_from_a_time_replays_from_that_millisecond(harness: Harness) {
    let bus = harness.bus().await;
    let mut events = Vec::new();
    for i in 0..5 {
        events.push(
            bus.emit_event("tick.tock", json!(i), EmitOptions::new())
                .await
                .unwrap(),
        );
    }
    let third = events[2].position.unwrap();
    let options = SubscribeOptions::new().from(Start::Time(
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(third.ms),
    ));
    let mut ticks = bus.subscribe_with("tick.*", options).await.unwrap();
    let sentinel = bus.emit("tick.end", json!("end")).await.unwrap();
    let mut got = Vec::new();
    loop {
        let event = next(&mut ticks).await;
        if event.id == sentinel {
            break;
        }
        assert!(
            event.position.unwrap().ms >= third.ms,
            "nothing before the time"
        );
        got.push(event.id);
    }
    let expected: Vec<String> = events
        .iter()
        .filter(|e| e.position.unwrap().ms >= third.ms)
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(got, expected);
}

async fn history_merges_types_in_position_order_with_limit_and_bounds(harness: Harness) {
    let bus = harness.bus().await;
    let mut events = Vec::new();
    for i in 0..10 {
        for event_type in ["user.login", "user.logout", "order.placed"] {
            let event = bus
                .emit_event(event_type, json!(i), EmitOptions::new())
                .await
                .unwrap();
            if event_type.starts_with("user.") {
                events.push(event);
            }
        }
    }
    let ids = |list: &[tidings::Event]| list.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    let newest = bus
        .history("user.*", HistoryQuery::new().limit(5))
        .await
        .unwrap();
    let mut expected: Vec<String> = ids(&events).into_iter().rev().take(5).collect();
    assert_eq!(ids(&newest), expected, "newest first by default");
    let oldest = bus
        .history(
            "user.*",
            HistoryQuery::new().limit(5).order(Order::OldestFirst),
        )
        .await
        .unwrap();
    expected = ids(&events).into_iter().take(5).collect();
    assert_eq!(ids(&oldest), expected);
    let logins: Vec<tidings::Event> = events
        .iter()
        .filter(|e| e.event_type == "user.login")
        .cloned()
        .collect();
    let after = logins[3].position.unwrap();
    let before = logins[8].position.unwrap();
    let window = bus
        .history(
            "user.login",
            HistoryQuery::new()
                .since(Bound::Position(after))
                .until(Bound::Position(before))
                .order(Order::OldestFirst),
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&window),
        ids(&logins[4..8]),
        "positions are exclusive bounds"
    );
    let all = bus
        .history("*", HistoryQuery::new().limit(1000))
        .await
        .unwrap();
    assert_eq!(all.len(), 30);
    let since_time = bus
        .history(
            "user.*",
            HistoryQuery::new()
                .since(Bound::from_millis(events[5].position.unwrap().ms))
                .limit(1000),
        )
        .await
        .unwrap();
    assert!(since_time
        .iter()
        .all(|e| e.position >= Some(Position::new(events[5].position.unwrap().ms, 0))));
    assert!(ids(&since_time).contains(&events[5].id));
    assert!(bus
        .history("user.*", HistoryQuery::new().limit(0))
        .await
        .unwrap()
        .is_empty());
}

async fn emit_options_travel_with_the_event(harness: Harness) {
    let bus = harness.bus().await;
    let mut subscription = bus.subscribe("user.registered.v2").await.unwrap();
    let metadata = json!({"ip": "192.168.1.1", "userAgent": "curl"});
    let options = EmitOptions::new()
        .subject("user-123")
        .metadata(metadata.as_object().unwrap().clone())
        .version("2");
    let id = bus
        .emit_with("user.registered.v2", json!({"email": "a@b.c"}), options)
        .await
        .unwrap();
    let live = next(&mut subscription).await;
    let stored = bus
        .history("user.registered.v2", HistoryQuery::new())
        .await
        .unwrap()
        .remove(0);
    for event in [live, stored] {
        assert_eq!(event.id, id);
        assert_eq!(event.subject.as_deref(), Some("user-123"));
        assert_eq!(event.version, "2");
        assert_eq!(serde_json::Value::Object(event.metadata.unwrap()), metadata);
    }
}

async fn bad_types_are_rejected_and_nothing_is_written(harness: Harness) {
    let bus = harness.bus().await;
    let long = "a".repeat(256);
    for bad in [
        "",
        "user login",
        "a:b",
        "a{b}",
        "user.*",
        "..",
        "a.",
        long.as_str(),
    ] {
        let err = bus.emit(bad, json!({})).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidType, "{bad:?}");
    }
    let err = bus
        .emit_with("x.y", json!({}), EmitOptions::new().version(""))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(bus
        .history("*", HistoryQuery::new())
        .await
        .unwrap()
        .is_empty());
    assert!(bus.metrics().types.is_empty());
}

async fn bad_patterns_are_rejected_everywhere(harness: Harness) {
    let bus = harness.bus().await;
    for bad in ["", "stream:user:*", "user.", "a?", "[ab]", "a b"] {
        let err = bus.subscribe(bad).await.err().expect("subscribe rejects");
        assert_eq!(err.kind(), ErrorKind::InvalidPattern, "{bad:?}");
        let err = bus.history(bad, HistoryQuery::new()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPattern, "{bad:?}");
    }
}

async fn oversized_events_are_rejected_as_invalid_data(harness: Harness) {
    let bus = harness
        .builder()
        .max_event_size(1024)
        .build()
        .await
        .unwrap();
    let err = bus
        .emit("blob.saved", json!({"bytes": "x".repeat(2000)}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    bus.emit("blob.saved", json!({"bytes": "x".repeat(100)}))
        .await
        .unwrap();
    assert_eq!(
        bus.history("blob.saved", HistoryQuery::new())
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        bus.dead_letters().is_empty(),
        "rejected input is not a dead letter"
    );
}

async fn closing_ends_subscriptions_and_refuses_further_calls(harness: Harness) {
    let bus = harness.bus().await;
    let mut subscription = bus.subscribe("*").await.unwrap();
    bus.close().await;
    assert!(bus.is_closed());
    let ended = tokio::time::timeout(support::PATIENCE, subscription.next_event()).await;
    assert!(ended.expect("ends within the guard").is_none());
    for err in [
        bus.emit("a.b", json!(1)).await.unwrap_err(),
        bus.subscribe("*").await.err().unwrap(),
        bus.history("*", HistoryQuery::new()).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::Closed);
    }
}

async fn emit_many_validates_everything_before_writing(harness: Harness) {
    let bus = harness.bus().await;
    let bad = vec![
        EmitRequest::new("batch.ok", json!(1)),
        EmitRequest::new("batch bad", json!(2)),
    ];
    assert_eq!(
        bus.emit_many(bad).await.unwrap_err().kind(),
        ErrorKind::InvalidType
    );
    assert!(bus
        .history("batch.*", HistoryQuery::new())
        .await
        .unwrap()
        .is_empty());
    let good: Vec<EmitRequest> = (0..50)
        .map(|i| EmitRequest::new("batch.ok", json!(i)))
        .collect();
    let ids = bus.emit_many(good).await.unwrap();
    let stored = bus
        .history("batch.ok", HistoryQuery::new().order(Order::OldestFirst))
        .await
        .unwrap();
    assert_eq!(stored.iter().map(|e| e.id.clone()).collect::<Vec<_>>(), ids);
}

async fn emit_many_in_chunks_stores_each_event_once_in_order(harness: Harness) {
    let bus = harness.bus().await;
    let types = ["chunk.a", "chunk.b", "chunk.c"];
    let requests: Vec<EmitRequest> = (0..2345)
        .map(|n| EmitRequest::new(types[n % 3], json!(n)))
        .collect();
    let ids = bus.emit_many(requests).await.unwrap();
    assert_eq!(ids.len(), 2345);
    for (index, event_type) in types.iter().enumerate() {
        let stored = bus
            .history(
                event_type,
                HistoryQuery::new().limit(10_000).order(Order::OldestFirst),
            )
            .await
            .unwrap();
        let expected: Vec<&String> = ids.iter().skip(index).step_by(3).collect();
        let stored_ids: Vec<&String> = stored.iter().map(|e| &e.id).collect();
        assert_eq!(
            stored_ids, expected,
            "{event_type}: each once, in emit order"
        );
    }
}

/// Emits made at the same moment share pipelines on Redis (group commit); each must still come
/// back with its own id and the position its event landed at.
async fn concurrent_emits_each_land_once_at_the_position_they_report(harness: Harness) {
    let bus = harness.builder().build().await.unwrap();
    let emits = (0..1_200u64).map(|n| {
        let event_type = if n % 3 == 0 { "group.a" } else { "group.b" };
        bus.emit_event(event_type, json!(n), EmitOptions::default())
    });
    let emitted: Vec<_> = futures_util::future::join_all(emits)
        .await
        .into_iter()
        .map(|result| result.unwrap())
        .collect();
    let stored = bus
        .history("group.*", HistoryQuery::new().limit(10_000))
        .await
        .unwrap();
    assert_eq!(stored.len(), emitted.len(), "each event once");
    let by_id: std::collections::HashMap<&str, &tidings::Event> =
        stored.iter().map(|e| (e.id.as_str(), e)).collect();
    for event in &emitted {
        let landed = by_id[event.id.as_str()];
        assert_eq!(landed.position, event.position, "{}", event.id);
        assert_eq!(landed.event_type, event.event_type);
        assert_eq!(landed.data, event.data);
    }
}

async fn metrics_count_emits_and_deliveries_per_type(harness: Harness) {
    let bus = harness.bus().await;
    let mut subscription = bus.subscribe("m.*").await.unwrap();
    for _ in 0..3 {
        bus.emit("m.one", json!(1)).await.unwrap();
    }
    bus.emit("m.two", json!(2)).await.unwrap();
    // One batch with runs of types: counted per type, one latency observation per event.
    let batch = ["m.one", "m.one", "m.two", "m.one"]
        .map(|event_type| EmitRequest::new(event_type, json!(3)));
    bus.emit_many(batch.into()).await.unwrap();
    take(&mut subscription, 8).await;
    let snapshot = bus.metrics();
    assert_eq!(snapshot.types["m.one"].emitted, 6);
    assert_eq!(snapshot.types["m.two"].emitted, 2);
    assert_eq!(snapshot.types["m.one"].emit_latency.count, 6);
    assert_eq!(
        snapshot.types["m.two"]
            .emit_latency
            .counts
            .iter()
            .sum::<u64>(),
        2
    );
    let delivered: u64 = snapshot.types.values().map(|m| m.delivered).sum();
    assert_eq!(delivered, 8);
    assert!(snapshot
        .to_prometheus()
        .contains("tidings_events_emitted_total{type=\"m.one\"} 6"));
}

async fn namespaces_keep_buses_apart(harness: Harness) {
    let shop = harness.builder().namespace("shop").build().await.unwrap();
    let blog = harness.builder().namespace("blog").build().await.unwrap();
    let mut blog_events = blog.subscribe("*").await.unwrap();
    shop.emit("order.placed", json!(1)).await.unwrap();
    let mine = blog.emit("post.published", json!(2)).await.unwrap();
    assert_eq!(next(&mut blog_events).await.id, mine);
    assert!(blog
        .history("order.*", HistoryQuery::new())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        shop.history("*", HistoryQuery::new()).await.unwrap().len(),
        1
    );
}
