//! An emit's data given as JSON text (what the bindings hand over) or as a value, on both
//! backends: the same events come back either way, bad text and over-deep data or metadata are
//! rejected before anything is written, and data and metadata as deep as the limit allows read
//! back.

mod support;

use serde_json::{json, Map, Value};
use support::{next, Harness};
use tidings::{
    EmitOptions, EmitRequest, ErrorKind, EventData, HistoryQuery, Order, MAX_DATA_DEPTH,
};

on_both_backends!(
    text_data_reads_back_as_the_value_it_spells,
    bad_text_data_is_invalid_data_and_writes_nothing,
    data_as_deep_as_the_limit_reads_back_and_deeper_is_refused,
);

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!("core"), |inner, _| json!([inner]))
}

async fn stored(bus: &tidings::Bus, pattern: &str) -> Vec<tidings::Event> {
    let query = HistoryQuery::new().order(Order::OldestFirst);
    bus.history(pattern, query).await.unwrap()
}

async fn text_data_reads_back_as_the_value_it_spells(harness: Harness) {
    let bus = harness.bus().await;
    let mut live = bus.subscribe("doc.*").await.unwrap();
    let text = " {\"title\": \"Zoë 😀\", \"tags\": [\"a\", \"b\"], \"n\": 2.5, \"none\": null}\n";
    let value = json!({"title": "Zoë 😀", "tags": ["a", "b"], "n": 2.5, "none": null});
    let single = bus
        .emit("doc.saved", EventData::from_json(text).unwrap())
        .await
        .unwrap();
    let many = bus
        .emit_many(vec![
            EmitRequest::new(
                "doc.saved",
                EventData::from_json("[1,{\"k\":true}]").unwrap(),
            ),
            EmitRequest::new("doc.saved", json!([1, {"k": true}])),
        ])
        .await
        .unwrap();
    let plain = bus
        .emit("doc.saved", EventData::from_json("\"plain\"").unwrap())
        .await
        .unwrap();
    let events = stored(&bus, "doc.*").await;
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [&single, &many[0], &many[1], &plain]);
    let data: Vec<&Value> = events.iter().map(|e| &e.data).collect();
    assert_eq!(
        data,
        [
            &value,
            &json!([1, {"k": true}]),
            &json!([1, {"k": true}]),
            &json!("plain")
        ]
    );
    assert_eq!(next(&mut live).await.data, value, "subscribers see it too");
}

async fn bad_text_data_is_invalid_data_and_writes_nothing(harness: Harness) {
    let bus = harness.bus().await;
    // The last: valid JSON no reader can decode (a lone surrogate), refused as well.
    for bad in [
        "",
        "{",
        "{\"a\":1} {}",
        "NaN",
        "{'a': 1}",
        "[1,]",
        "[\"\\ud800\"]",
    ] {
        let err = EventData::from_json(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{bad:?}");
    }
    // An over-deep text is refused when it becomes data; an over-deep value when it is emitted.
    let deep_text = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(
        EventData::from_json(deep_text).unwrap_err().kind(),
        ErrorKind::InvalidData
    );
    let batch = vec![
        EmitRequest::new("doc.saved", json!(1)),
        EmitRequest::new("doc.saved", nested(200)),
    ];
    assert_eq!(
        bus.emit_many(batch).await.unwrap_err().kind(),
        ErrorKind::InvalidData
    );
    assert!(stored(&bus, "doc.*").await.is_empty());
    assert!(bus.dead_letters().is_empty(), "bad input is no dead letter");
}

async fn data_as_deep_as_the_limit_reads_back_and_deeper_is_refused(harness: Harness) {
    let bus = harness.bus().await;
    let deepest = nested(MAX_DATA_DEPTH);
    let as_text = serde_json::to_string(&deepest).unwrap();
    bus.emit("doc.deep", deepest.clone()).await.unwrap();
    bus.emit("doc.deep", EventData::from_json(as_text).unwrap())
        .await
        .unwrap();
    let too_deep = nested(MAX_DATA_DEPTH + 1);
    let err = bus.emit("doc.deep", too_deep.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let err = EventData::from_json(serde_json::to_string(&too_deep).unwrap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let events = stored(&bus, "doc.deep").await;
    assert_eq!(
        events.len(),
        2,
        "both events at the limit read back, nothing else"
    );
    assert!(events.iter().all(|event| event.data == deepest));
    // Metadata sits beside the data in the envelope: the same limit, counting the object itself.
    let metadata = |depth: usize| match nested(depth) {
        Value::Array(mut items) => Map::from_iter([("trace".to_owned(), items.remove(0))]),
        _ => unreachable!(),
    };
    let options = |depth| EmitOptions::new().metadata(metadata(depth));
    bus.emit_with("doc.meta", json!(1), options(MAX_DATA_DEPTH))
        .await
        .unwrap();
    let err = bus
        .emit_with("doc.meta", json!(2), options(MAX_DATA_DEPTH + 1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let events = stored(&bus, "doc.meta").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].metadata, Some(metadata(MAX_DATA_DEPTH)));
}
