//! Exact resume tokens, on both backends: a cursor resumes after exactly its event for the
//! pattern it came under, with events of several types in one millisecond; a resume past what
//! the streams still hold says so; bad tokens are refused at once.

mod support;

use futures_util::StreamExt;
use serde_json::json;
use support::{next, take, Harness, PATIENCE};
use tidings::{
    Bus, Cursor, EmitRequest, ErrorKind, Event, HistoryQuery, Pattern, Start, SubscribeOptions,
};

on_both_backends!(
    a_resume_from_each_cursor_yields_exactly_the_rest,
    history_cursors_resume_too,
    an_exact_pattern_keeps_the_plain_position,
    a_resume_past_trimmed_events_says_so,
    bad_tokens_are_refused_at_once,
    a_gone_cursor_event_does_not_hold_back_its_millisecond,
);

/// Emits a0, b0, a1, b1 in one batch until all four land in one millisecond (a batch nearly
/// always does); returns them as a subscription from the start delivers them.
async fn four_in_one_millisecond(bus: &Bus, prefix: &str) -> Vec<Event> {
    for _ in 0..50 {
        let requests = ["a", "b", "a", "b"]
            .iter()
            .enumerate()
            .map(|(n, t)| EmitRequest::new(format!("{prefix}.{t}"), json!(n)))
            .collect();
        let ids = bus.emit_many(requests).await.unwrap();
        let events = bus
            .history(&format!("{prefix}.*"), HistoryQuery::new().limit(4))
            .await
            .unwrap();
        let mut ms: Vec<u64> = events.iter().map(|e| e.position.unwrap().ms).collect();
        ms.dedup();
        if ms.len() == 1 && events.iter().all(|e| ids.contains(&e.id)) {
            let options = SubscribeOptions::new().from(Start::Beginning);
            let mut all = bus
                .subscribe_with(&format!("{prefix}.*"), options)
                .await
                .unwrap();
            let mut delivered = Vec::new();
            loop {
                let event = next(&mut all).await;
                let last = event.id == *ids.last().unwrap();
                if ids.contains(&event.id) {
                    delivered.push(event);
                }
                if last {
                    return delivered;
                }
            }
        }
    }
    panic!("no batch of four landed in one millisecond in 50 tries");
}

async fn resumed(bus: &Bus, pattern: &str, from: Start, count: usize) -> Vec<String> {
    let mut subscription = bus
        .subscribe_with(pattern, SubscribeOptions::new().from(from))
        .await
        .unwrap();
    take(&mut subscription, count)
        .await
        .into_iter()
        .map(|e| e.id)
        .collect()
}

async fn a_resume_from_each_cursor_yields_exactly_the_rest(harness: Harness) {
    let bus = harness.bus().await;
    let events = four_in_one_millisecond(&bus, "tie").await;
    let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    let sentinel = bus.emit("tie.z", json!("end")).await.unwrap();
    for (n, event) in events.iter().enumerate() {
        let cursor = event.cursor().expect("a delivered event has a cursor");
        assert!(
            cursor.to_string().contains(":tie."),
            "typed for a wildcard: {cursor}"
        );
        let rest = resumed(&bus, "tie.*", Start::from(cursor), 4 - n).await;
        let mut expected = ids[n + 1..].to_vec();
        expected.push(sentinel.clone());
        assert_eq!(rest, expected, "resuming after event {n}");
    }
    // The same cursor through its text, as a browser or a binding holds it.
    let text = events[1].cursor().unwrap().to_string();
    let rest = resumed(&bus, "tie.*", Start::parse(&text).unwrap(), 3).await;
    assert_eq!(rest, [ids[2].clone(), ids[3].clone(), sentinel]);
}

async fn history_cursors_resume_too(harness: Harness) {
    let bus = harness.bus().await;
    let events = four_in_one_millisecond(&bus, "page").await;
    // The newest four: an earlier try of the batch may have left more.
    let newest_first = bus
        .history("page.*", HistoryQuery::new().limit(4))
        .await
        .unwrap();
    let ids: Vec<&str> = newest_first.iter().rev().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        "history orders ties as delivery does"
    );
    let second = &newest_first[2];
    assert_eq!(second.cursor(), events[1].cursor());
    let sentinel = bus.emit("page.z", json!("end")).await.unwrap();
    let rest = resumed(&bus, "page.*", Start::from(second.cursor().unwrap()), 3).await;
    assert_eq!(rest, [ids[2], ids[3], sentinel.as_str()]);
}

async fn an_exact_pattern_keeps_the_plain_position(harness: Harness) {
    let bus = harness.bus().await;
    let mut live = bus.subscribe("exact.one").await.unwrap();
    bus.emit("exact.one", json!(1)).await.unwrap();
    let event = next(&mut live).await;
    let cursor = event.cursor().unwrap();
    assert_eq!(cursor.to_string(), event.position.unwrap().to_string());
    assert_eq!(Start::from(cursor), Start::After(event.position.unwrap()));
}

async fn a_resume_past_trimmed_events_says_so(harness: Harness) {
    // Redis trims whole nodes of about 100 entries (`MAXLEN ~`), so emit well past that.
    let bus = harness.builder().max_stream_len(10).build().await.unwrap();
    let first = bus.emit("trim.a", json!(0)).await.unwrap();
    let mut from_start = bus
        .subscribe_with("trim.*", SubscribeOptions::new().from(Start::Beginning))
        .await
        .unwrap();
    let held = next(&mut from_start).await;
    assert_eq!(held.id, first);
    let requests = (1..400).map(|n| EmitRequest::new("trim.a", json!(n)));
    bus.emit_many(requests.collect()).await.unwrap();
    let oldest = bus
        .history(
            "trim.*",
            HistoryQuery::new().order(tidings::Order::OldestFirst),
        )
        .await
        .unwrap();
    assert_ne!(oldest[0].id, first, "the first event was trimmed");
    let from = SubscribeOptions::new().from(Start::from(held.cursor().unwrap()));
    let mut resumed = bus.subscribe_with("trim.*", from).await.unwrap();
    let signal = tokio::time::timeout(PATIENCE, resumed.next())
        .await
        .unwrap()
        .unwrap();
    let err = signal.expect_err("the trim comes first");
    assert_eq!(err.kind(), ErrorKind::Trimmed, "{err}");
    assert!(err.message().contains("trim.a"), "{err}");
    // Then delivery goes on from the oldest kept.
    assert_eq!(next(&mut resumed).await.id, oldest[0].id);
    assert_eq!(bus.metrics().subscriptions_trimmed, 1);
    // A resume from what the stream still holds has nothing to say.
    let newest = oldest.last().unwrap();
    let from = SubscribeOptions::new().from(Start::from(newest.cursor().unwrap()));
    let mut fine = bus.subscribe_with("trim.*", from).await.unwrap();
    let sentinel = bus.emit("trim.a", json!("end")).await.unwrap();
    assert_eq!(next(&mut fine).await.id, sentinel);
}

async fn bad_tokens_are_refused_at_once(harness: Harness) {
    let bus = harness.bus().await;
    let mut live = bus.subscribe("bad.*").await.unwrap();
    bus.emit("bad.a", json!(1)).await.unwrap();
    let cursor = next(&mut live).await.cursor().unwrap();
    let subscribe = |pattern: &'static str, from: Start| {
        let bus = bus.clone();
        async move {
            let options = SubscribeOptions::new().from(from);
            tokio::time::timeout(PATIENCE, bus.subscribe_with(pattern, options))
                .await
                .expect("an answer, not a hang")
                .err()
                .map(|err| err.kind())
        }
    };
    assert_eq!(
        subscribe("*", Start::from(cursor.clone())).await,
        Some(ErrorKind::Config),
        "another pattern's cursor"
    );
    assert_eq!(subscribe("bad.*", Start::from(cursor)).await, None);
    let foreign = "1-0:other.a:".to_owned() + &format!("{:08x}", fnv("bad.*"));
    assert_eq!(
        subscribe("bad.*", Start::parse(&foreign).unwrap()).await,
        Some(ErrorKind::Config),
        "a type the pattern does not select"
    );
    let future = Start::parse("99999999999999-0").unwrap();
    assert_eq!(subscribe("bad.*", future).await, Some(ErrorKind::Config));
    for garbage in ["yesterday", "1-2:bad.a", "1-2:bad.a:zzzzzzzz", "\u{1}"] {
        assert_eq!(
            Start::parse(garbage).unwrap_err().kind(),
            ErrorKind::Config,
            "{garbage:?}"
        );
    }
}

/// The documented check of a typed cursor, computed here independently of the core.
fn fnv(text: &str) -> u32 {
    let mut hash: u32 = 0x811c9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(16777619);
    }
    hash
}

/// The cursor's event was trimmed and the events kept share its millisecond; the stream is
/// quiet afterwards. They are delivered (after the trim signal), not held for a later one.
async fn a_gone_cursor_event_does_not_hold_back_its_millisecond(harness: Harness) {
    let bus = harness.builder().max_stream_len(3).build().await.unwrap();
    for _ in 0..50 {
        let requests = (0..300).map(|n| EmitRequest::new("quiet.a", json!(n)));
        bus.emit_many(requests.collect()).await.unwrap();
        let kept = bus
            .history(
                "quiet.*",
                HistoryQuery::new().order(tidings::Order::OldestFirst),
            )
            .await
            .unwrap();
        let oldest = kept[0].position.unwrap();
        if oldest.seq == 0 {
            continue; // the batch began a millisecond: nothing trimmed shares it
        }
        let gone = tidings::Position::new(oldest.ms, oldest.seq - 1);
        let cursor = Cursor::new(&Pattern::new("quiet.*").unwrap(), "quiet.a", gone);
        let from = SubscribeOptions::new().from(Start::from(cursor));
        let mut resumed = bus.subscribe_with("quiet.*", from).await.unwrap();
        let first = tokio::time::timeout(PATIENCE, resumed.next())
            .await
            .unwrap();
        assert_eq!(first.unwrap().unwrap_err().kind(), ErrorKind::Trimmed);
        let same_ms: Vec<String> = kept
            .iter()
            .filter(|e| e.position.unwrap().ms == oldest.ms)
            .map(|e| e.id.clone())
            .collect();
        let got = take(&mut resumed, same_ms.len()).await;
        assert_eq!(got.into_iter().map(|e| e.id).collect::<Vec<_>>(), same_ms);
        return;
    }
    panic!("no batch left kept events in a millisecond it had trimmed from");
}
