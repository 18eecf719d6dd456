//! History over many types reads in rounds (a small page from every stream, then more only
//! from the streams the merge waits for): on both backends it returns exactly what reading
//! every stream whole and merging would, however the newest events fall among the types.

mod support;

use serde_json::json;
use support::Harness;
use tidings::{Bound, EmitRequest, Event, HistoryQuery, Order};

on_both_backends!(a_page_over_many_types_is_the_merge_of_them_all);

/// Every event of `types`, read one whole stream at a time and sorted newest first.
async fn reference(bus: &tidings::Bus, types: &[String]) -> Vec<Event> {
    let mut all = Vec::new();
    for event_type in types {
        let query = HistoryQuery::new().limit(10_000);
        all.extend(bus.history(event_type, query).await.unwrap());
    }
    all.sort_by(|a, b| {
        let key = |e: &Event| (e.position.unwrap().ms, e.id.clone());
        key(b).cmp(&key(a))
    });
    all
}

async fn a_page_over_many_types_is_the_merge_of_them_all(harness: Harness) {
    let bus = harness.bus().await;
    let types: Vec<String> = (0..120).map(|n| format!("many.t{n:03}")).collect();
    let spread = (0..3).flat_map(|round| {
        types
            .iter()
            .map(move |t| EmitRequest::new(t.clone(), json!(round)))
    });
    bus.emit_many(spread.collect()).await.unwrap();
    // The newest events all in one type: its lane has to be read on in later rounds.
    let hot = (0..40).map(|n| EmitRequest::new("many.t007", json!(n)));
    bus.emit_many(hot.collect()).await.unwrap();
    let expected = reference(&bus, &types).await;
    let ids = |events: &[Event]| events.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    for limit in [1, 10, 50, 100, 500] {
        let page = bus
            .history("many.*", HistoryQuery::new().limit(limit))
            .await
            .unwrap();
        let wanted = &expected[..limit.min(expected.len())];
        assert_eq!(ids(&page), ids(wanted), "newest {limit}");
    }
    // Oldest first after a position, as a page walk does: the bound applies to every stream.
    let oldest_first: Vec<Event> = expected.iter().rev().cloned().collect();
    let after = oldest_first[200].position.unwrap();
    for since in [None, Some(after)] {
        let mut query = HistoryQuery::new().limit(30).order(Order::OldestFirst);
        if let Some(after) = since {
            query = query.since(Bound::Position(after));
        }
        let page = bus.history("many.*", query).await.unwrap();
        let wanted: Vec<Event> = oldest_first
            .iter()
            .filter(|e| since.is_none_or(|after| e.position.unwrap() > after))
            .take(30)
            .cloned()
            .collect();
        assert_eq!(ids(&page), ids(&wanted), "oldest first since {since:?}");
    }
}
