//! Fault tests against a private redis-server: unreachable and silent servers, client
//! connections killed mid-stream, a server crash and restart, and emits that run out of
//! attempts going to the dead-letter store and being re-driven.

mod support;

use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;
use support::{next, take, Harness, Persistence, PATIENCE};
use tidings::{Bus, EmitRequest, ErrorKind, HistoryQuery, RetryPolicy};

fn patient_retry() -> RetryPolicy {
    RetryPolicy::new(100, Duration::from_millis(5), Duration::from_millis(100))
}

#[tokio::test]
async fn unreachable_redis_is_a_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Bus::connect(&format!("redis://127.0.0.1:{port}/"))
        .await
        .err()
        .expect("nothing listens there");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_server_that_never_answers_fails_within_the_connect_timeout() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("redis://{}/", silent.local_addr().unwrap());
    let connecting = Bus::builder(&url)
        .connect_timeout(Duration::from_millis(300))
        .build();
    let err = tokio::time::timeout(PATIENCE, connecting)
        .await
        .expect("connect gives up instead of hanging")
        .err()
        .expect("the server never answers");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
}

#[tokio::test]
async fn bad_urls_are_config_errors() {
    for bad in [
        "http://127.0.0.1/",
        "redis://127.0.0.1:notaport/",
        "memory://a/b",
        "tcp://x",
    ] {
        let err = Bus::connect(bad).await.err().expect("rejected");
        assert_eq!(err.kind(), ErrorKind::Config, "{bad}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_client_connections_lose_and_duplicate_nothing() {
    let harness = Harness::redis();
    let producer = harness
        .builder()
        .retry(patient_retry())
        .build()
        .await
        .unwrap();
    let consumer = harness.bus().await;
    let mut subscription = consumer.subscribe("kill.*").await.unwrap();
    let mut emitted = HashSet::new();
    for i in 0..100 {
        let event_type = if i % 2 == 0 { "kill.a" } else { "kill.b" };
        emitted.insert(producer.emit(event_type, json!(i)).await.unwrap());
    }
    let mut received: Vec<String> = take(&mut subscription, 100)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    for kind in ["pubsub", "normal"] {
        let reply = harness
            .server
            .as_ref()
            .unwrap()
            .command(&["CLIENT", "KILL", "TYPE", kind]);
        assert!(
            reply.is_some_and(|r| r.starts_with(':')),
            "CLIENT KILL answered"
        );
    }
    for i in 100..200 {
        let event_type = if i % 2 == 0 { "kill.a" } else { "kill.b" };
        emitted.insert(producer.emit(event_type, json!(i)).await.unwrap());
    }
    received.extend(take(&mut subscription, 100).await.into_iter().map(|e| e.id));
    let unique: HashSet<String> = received.iter().cloned().collect();
    assert_eq!(unique.len(), 200, "no duplicate");
    assert_eq!(unique, emitted, "no loss");
    let sentinel = producer.emit("kill.a", json!("end")).await.unwrap();
    assert_eq!(
        next(&mut subscription).await.id,
        sentinel,
        "nothing extra pending"
    );
    let stored = consumer
        .history("kill.*", HistoryQuery::new().limit(1000))
        .await
        .unwrap();
    assert_eq!(stored.len(), 201, "every emit appended exactly once");
    assert!(consumer.metrics().reconnects >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_crash_and_restart_loses_and_duplicates_nothing() {
    let mut harness = Harness::redis_with(Persistence::AppendOnly);
    let producer = harness
        .builder()
        .retry(patient_retry())
        .build()
        .await
        .unwrap();
    let consumer = harness.bus().await;
    let mut subscription = consumer.subscribe("crash.*").await.unwrap();
    let mut emitted = HashSet::new();
    for i in 0..20 {
        emitted.insert(producer.emit("crash.before", json!(i)).await.unwrap());
    }
    let mut received: Vec<String> = take(&mut subscription, 20)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    harness.server().kill();
    let emitting = tokio::spawn(async move {
        let mut ids = Vec::new();
        for i in 0..20 {
            ids.push(producer.emit("crash.after", json!(i)).await.unwrap());
        }
        ids
    });
    harness.server().restart();
    emitted.extend(emitting.await.unwrap());
    received.extend(take(&mut subscription, 20).await.into_iter().map(|e| e.id));
    let unique: HashSet<String> = received.iter().cloned().collect();
    assert_eq!(unique.len(), 40, "no duplicate");
    assert_eq!(unique, emitted, "no loss");
    let stored = consumer
        .history("crash.*", HistoryQuery::new().limit(1000))
        .await
        .unwrap();
    assert_eq!(stored.len(), 40, "every emit appended exactly once");
}

/// The default retry policy rides out a restart of a few seconds: emits made while the server
/// is down wait for it and land once each, with no option set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emits_during_a_three_second_restart_succeed_with_default_options() {
    let mut harness = Harness::redis_with(Persistence::AppendOnly);
    let producer = harness.bus().await;
    producer.emit("restart.before", json!(0)).await.unwrap();
    harness.server().kill();
    let emitter = producer.clone();
    let emitting = tokio::spawn(async move {
        let mut outcomes = Vec::new();
        for i in 0..5 {
            outcomes.push(emitter.emit("restart.during", json!(i)).await);
        }
        outcomes
    });
    // The first emit has met the outage (it is retrying) before the outage's clock starts.
    let waited = tokio::time::timeout(PATIENCE, async {
        while producer
            .metrics()
            .types
            .get("restart.during")
            .is_none_or(|m| m.retried == 0)
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    waited
        .await
        .expect("the emit retries while the server is down");
    // The outage itself: the server stays down this long.
    tokio::time::sleep(Duration::from_secs(3)).await;
    harness.server().restart();
    let outcomes = tokio::time::timeout(PATIENCE, emitting)
        .await
        .expect("the emits finish once the server is back")
        .unwrap();
    let ids: Vec<String> = outcomes
        .into_iter()
        .map(|outcome| outcome.expect("each emit succeeds with the default retry"))
        .collect();
    let stored = producer
        .history("restart.during", HistoryQuery::new().limit(100))
        .await
        .unwrap();
    let mut stored_ids: Vec<String> = stored.into_iter().map(|e| e.id).collect();
    stored_ids.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(stored_ids, expected, "each emit appended once");
    assert!(producer.dead_letters().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emits_that_run_out_of_attempts_are_dead_lettered_then_redriven() {
    let mut harness = Harness::redis();
    let letters_file = std::env::temp_dir().join(format!(
        "tidings-dead-letters-{}-{}.jsonl",
        std::process::id(),
        harness.server().port()
    ));
    let _ = std::fs::remove_file(&letters_file);
    let bus = harness
        .builder()
        .retry(RetryPolicy::new(
            3,
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .dead_letter_path(&letters_file)
        .build()
        .await
        .unwrap();
    harness.server().kill();
    let err = bus
        .emit("payment.failed", json!({"amount": 5}))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    let letters = bus.dead_letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_type, "payment.failed");
    assert_eq!(letters[0].attempts, 3);
    let figures = &bus.metrics().types["payment.failed"];
    assert_eq!(
        (figures.retried, figures.failed, figures.dead_lettered),
        (2, 1, 1)
    );
    let kept = std::fs::read_to_string(&letters_file).unwrap();
    assert_eq!(kept.lines().count(), 1, "the letter is also on disk");

    harness.server().restart();
    // A second bus started from the same file sees the letter: it survives a restart.
    let revived = harness
        .builder()
        .dead_letter_path(&letters_file)
        .build()
        .await
        .unwrap();
    assert_eq!(revived.dead_letters(), letters);
    let report = revived.redrive_dead_letters().await.unwrap();
    assert_eq!((report.appended, report.failed), (1, 0));
    let stored = revived
        .history("payment.failed", HistoryQuery::new())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, letters[0].event_id);
    assert!(revived.dead_letters().is_empty());
    assert_eq!(std::fs::read_to_string(&letters_file).unwrap(), "");
    let again = revived.redrive_dead_letters().await.unwrap();
    assert_eq!((again.appended, again.already_present), (0, 0));
    let _ = std::fs::remove_file(&letters_file);
}

#[tokio::test]
async fn a_failed_batch_of_concurrent_emits_lands_every_good_event_once() {
    let mut harness = Harness::redis();
    let bus = harness
        .builder()
        .retry(RetryPolicy::none())
        .build()
        .await
        .unwrap();
    harness
        .server()
        .command(&["SET", "stream:batch.bad", "not a stream"])
        .expect("SET");
    // Emits made at once share pipelines; the one whose XADD fails fails its batch, and the
    // others of that batch must each land exactly once all the same.
    let emits = (0..600u64).map(|n| {
        let event_type = if n == 300 { "batch.bad" } else { "batch.good" };
        bus.emit(event_type, json!(n))
    });
    let results = futures_util::future::join_all(emits).await;
    for (n, result) in results.iter().enumerate() {
        match result {
            Err(err) if n == 300 => assert_eq!(err.kind(), ErrorKind::Backend, "{err}"),
            Err(err) => panic!("emit {n} failed: {err}"),
            Ok(_) if n == 300 => panic!("the bad emit succeeded"),
            Ok(_) => {}
        }
    }
    let stored = bus
        .history("batch.good", HistoryQuery::new().limit(10_000))
        .await
        .unwrap();
    let mut numbers: Vec<u64> = stored.iter().map(|e| e.data.as_u64().unwrap()).collect();
    numbers.sort_unstable();
    let expected: Vec<u64> = (0..600).filter(|n| *n != 300).collect();
    assert_eq!(numbers, expected, "each good event once, none twice");
    let letters = bus.dead_letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_type, "batch.bad");
}

#[tokio::test]
async fn a_failed_emit_many_chunk_lands_every_good_event_once() {
    let mut harness = Harness::redis();
    let bus = harness
        .builder()
        .retry(RetryPolicy::none())
        .build()
        .await
        .unwrap();
    // A plain string where `batch.bad`'s stream would be: its XADD fails, the rest of the
    // chunk's pipeline runs, and the chunk as a whole reports an error.
    harness
        .server()
        .command(&["SET", "stream:batch.bad", "not a stream"])
        .expect("SET");
    let requests: Vec<EmitRequest> = (0..700)
        .map(|n| {
            let event_type = if n == 350 { "batch.bad" } else { "batch.good" };
            EmitRequest::new(event_type, json!(n))
        })
        .collect();
    let err = bus.emit_many(requests).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Backend, "{err}");
    let stored = bus
        .history("batch.good", HistoryQuery::new().limit(10_000))
        .await
        .unwrap();
    let mut numbers: Vec<u64> = stored.iter().map(|e| e.data.as_u64().unwrap()).collect();
    numbers.sort_unstable();
    let expected: Vec<u64> = (0..700).filter(|n| *n != 350).collect();
    assert_eq!(numbers, expected, "each good event once, none twice");
    let letters = bus.dead_letters();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_type, "batch.bad");
}
