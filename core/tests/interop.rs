//! Interoperability with other writers and readers of the same Redis: events in the legacy
//! shape (written as an ioredis `PersistentEventSystem` does: XADD only, no PUBLISH), what
//! tidings stores as others read it, entries that are not events at all, and a property test
//! that the pattern matcher selects exactly what Redis `PSUBSCRIBE` selects.

mod support;

use proptest::prelude::*;
use serde_json::json;
use std::time::Duration;
use support::{next, Harness, RedisServer};
use tidings::{EventData, HistoryQuery, Pattern, Start, SubscribeOptions};

fn raw_connection(harness: &Harness) -> redis::Connection {
    redis::Client::open(harness.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

/// The `event` field of every entry of `stream`, read the legacy way (XRANGE).
fn stored_envelopes(harness: &Harness, stream: &str) -> Vec<String> {
    let entries: redis::Value = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query(&mut raw_connection(harness))
        .unwrap();
    let redis::Value::Array(entries) = entries else {
        panic!("XRANGE gives an array")
    };
    entries
        .iter()
        .map(|entry| {
            let redis::Value::Array(entry) = entry else {
                panic!("an entry")
            };
            let redis::Value::Array(fields) = &entry[1] else {
                panic!("fields")
            };
            let field: String = redis::from_redis_value(fields[0].clone()).unwrap();
            assert_eq!(field, "event");
            redis::from_redis_value(fields[1].clone()).unwrap()
        })
        .collect()
}

fn legacy_emit(
    connection: &mut redis::Connection,
    event_type: &str,
    id: &str,
    data: serde_json::Value,
) {
    let event =
        json!({"id": id, "type": event_type, "timestamp": 1_723_890_000_000u64, "data": data});
    let _: String = redis::cmd("XADD")
        .arg(format!("stream:{event_type}"))
        .arg("*")
        .arg("event")
        .arg(event.to_string())
        .query(connection)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_events_reach_history_replay_and_live_subscribers() {
    let harness = Harness::redis();
    let mut legacy = raw_connection(&harness);
    legacy_emit(
        &mut legacy,
        "user.login",
        "1723890000000-0.1",
        json!({"userId": 1}),
    );
    let bus = harness
        .builder()
        .poll_interval(Some(Duration::from_millis(20)))
        .build()
        .await
        .unwrap();
    let stored = bus
        .history("user.login", HistoryQuery::new())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, "1723890000000-0.1");
    assert_eq!(stored[0].data, json!({"userId": 1}));
    let mut replay = bus
        .subscribe_with("user.login", SubscribeOptions::new().from(Start::Beginning))
        .await
        .unwrap();
    assert_eq!(next(&mut replay).await.id, "1723890000000-0.1");
    // The legacy writer never publishes: its live events arrive through the subscription's polling.
    legacy_emit(
        &mut legacy,
        "user.login",
        "1723890000000-0.2",
        json!({"userId": 2}),
    );
    assert_eq!(next(&mut replay).await.id, "1723890000000-0.2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wildcard_patterns_find_legacy_streams_when_discovery_is_on() {
    let harness = Harness::redis();
    let mut legacy = raw_connection(&harness);
    legacy_emit(&mut legacy, "user.login", "legacy-1", json!({"userId": 1}));
    legacy_emit(
        &mut legacy,
        "order.placed",
        "legacy-2",
        json!({"orderId": 2}),
    );
    let plain = harness.bus().await;
    assert!(
        plain
            .history("user.*", HistoryQuery::new())
            .await
            .unwrap()
            .is_empty(),
        "registry only"
    );
    let discovering = harness
        .builder()
        .discover_streams(true)
        .build()
        .await
        .unwrap();
    let found = discovering
        .history("user.*", HistoryQuery::new())
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["legacy-1"]
    );
    let registered = plain.history("user.*", HistoryQuery::new()).await.unwrap();
    assert_eq!(
        registered.len(),
        1,
        "discovery registered the stream for every bus"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tidings_events_are_readable_the_legacy_way() {
    let harness = Harness::redis();
    let bus = harness.bus().await;
    let id = bus
        .emit("order.placed", json!({"orderId": 7}))
        .await
        .unwrap();
    let [text] = stored_envelopes(&harness, "stream:order.placed")
        .try_into()
        .expect("one entry");
    let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(envelope["id"], id.as_str());
    assert_eq!(envelope["type"], "order.placed");
    assert_eq!(envelope["data"]["orderId"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_given_as_text_is_stored_as_written_without_whitespace() {
    let harness = Harness::redis();
    let bus = harness.bus().await;
    let pretty = "{\n  \"a b\": [1, 2.50, 1e+100],\n  \"s\": \"x \\\" y\"\n}\n";
    bus.emit("doc.saved", EventData::from_json(pretty).unwrap())
        .await
        .unwrap();
    let [text] = stored_envelopes(&harness, "stream:doc.saved")
        .try_into()
        .expect("one entry");
    assert!(
        text.ends_with(r#","data":{"a b":[1,2.50,1e+100],"s":"x \" y"}}"#),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_that_are_not_events_are_skipped_and_counted() {
    let harness = Harness::redis();
    let bus = harness.bus().await;
    let mut subscription = bus.subscribe("junk.*").await.unwrap();
    let mut raw = raw_connection(&harness);
    for (field, value) in [
        ("type", "junk.entry"),
        ("event", "not json"),
        ("event", "{\"id\":1}"),
    ] {
        let _: String = redis::cmd("XADD")
            .arg("stream:junk.entry")
            .arg("*")
            .arg(field)
            .arg(value)
            .query(&mut raw)
            .unwrap();
    }
    let good = bus.emit("junk.entry", json!("fine")).await.unwrap();
    assert_eq!(next(&mut subscription).await.id, good);
    assert_eq!(bus.metrics().invalid_entries, 3);
    let stored = bus
        .history("junk.entry", HistoryQuery::new())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(bus.metrics().invalid_entries, 6);
}

/// As a `Stream`, a subscription hands over an entry it cannot decode as an `InvalidData` error
/// in its place (naming its position), then goes on with the events after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_reports_an_undecodable_entry_and_goes_on() {
    use futures_util::StreamExt;
    let harness = Harness::redis();
    let bus = harness.bus().await;
    let mut subscription = bus.subscribe("junk.*").await.unwrap();
    let before = bus.emit("junk.entry", json!("before")).await.unwrap();
    let position: String = redis::cmd("XADD")
        .arg("stream:junk.entry")
        .arg("*")
        .arg("event")
        .arg("not json")
        .query(&mut raw_connection(&harness))
        .unwrap();
    let after = bus.emit("junk.entry", json!("after")).await.unwrap();
    let mut items = Vec::new();
    while items.len() < 3 {
        let item = tokio::time::timeout(support::PATIENCE, subscription.next())
            .await
            .expect("items arrive")
            .expect("the subscription goes on");
        items.push(item);
    }
    assert_eq!(items[0].as_ref().unwrap().id, before);
    let err = items[1].as_ref().unwrap_err();
    assert_eq!(err.kind(), tidings::ErrorKind::InvalidData);
    assert!(err.message().contains(&position), "{err}");
    assert_eq!(items[2].as_ref().unwrap().id, after);
}

/// Polls the server until `check` holds (server state has no event to await).
async fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + support::PATIENCE;
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn wait_for_numpat(server: &RedisServer, expected: &str) {
    let numpat = || server.command(&["PUBSUB", "NUMPAT"]);
    wait_until(expected, || numpat().as_deref() == Some(expected)).await;
}

/// A bus holds one pattern subscription for all its subscriptions (its shared reader's), and
/// gives it up once the last of them is dropped, and its connection with the bus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_subscriptions_and_buses_releases_their_redis_subscriptions() {
    let harness = Harness::redis();
    let server = harness.server.as_ref().unwrap();
    let bus = harness.bus().await;
    let first = bus.subscribe("drop.*").await.unwrap();
    let second = bus.subscribe("drop.*").await.unwrap();
    let other = bus.subscribe("other.*").await.unwrap();
    wait_for_numpat(server, ":1").await;
    drop(first);
    drop(other);
    // Still one: `second` is live, and its events still arrive.
    let id = bus.emit("drop.still", json!(1)).await.unwrap();
    let mut second = second;
    let event = tokio::time::timeout(support::PATIENCE, second.next_event())
        .await
        .expect("delivered")
        .unwrap();
    assert_eq!(event.unwrap().id, id);
    assert_eq!(server.command(&["PUBSUB", "NUMPAT"]).as_deref(), Some(":1"));
    drop(second);
    wait_for_numpat(server, ":0").await;
    let _again = bus.subscribe("again.*").await.unwrap();
    wait_for_numpat(server, ":1").await;
    drop(_again);
    drop(bus);
    wait_for_numpat(server, ":0").await;
    let pubsub_clients = || server.command(&["CLIENT", "LIST", "TYPE", "pubsub"]);
    wait_until("no pub/sub connection left", || {
        pubsub_clients().is_some_and(|list| list.is_empty())
    })
    .await;
}

fn redis_selects(server: &RedisServer, pattern: &str, types: &[String]) -> Vec<bool> {
    let client = redis::Client::open(server.url()).unwrap();
    let mut subscriber = client.get_connection().unwrap();
    let mut publisher = client.get_connection().unwrap();
    let mut pubsub = subscriber.as_pubsub();
    pubsub.psubscribe(format!("events:{pattern}")).unwrap();
    let selected = types
        .iter()
        .map(|event_type| {
            let receivers: i64 = redis::cmd("PUBLISH")
                .arg(format!("events:{event_type}"))
                .arg("x")
                .query(&mut publisher)
                .unwrap();
            receivers == 1
        })
        .collect();
    pubsub.punsubscribe(format!("events:{pattern}")).unwrap();
    selected
}

#[test]
fn the_matcher_selects_exactly_what_psubscribe_selects() {
    let server = RedisServer::start();
    let config = ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        pattern in "[ab*-]{1,3}(\\.[ab*_]{1,3}){0,3}",
        types in prop::collection::vec("[ab_-]{1,3}(\\.[ab_-]{1,3}){0,3}", 1..8),
    )| {
        let parsed = Pattern::new(&pattern).unwrap();
        let ours: Vec<bool> = types.iter().map(|t| parsed.matches(t)).collect();
        prop_assert_eq!(ours, redis_selects(&server, &pattern, &types), "pattern {}", pattern);
    });
}
