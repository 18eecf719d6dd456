//! Checks the core against the shared wire-format vectors in `tests/vectors/`: the same files
//! every binding is tested against (see `tests/vectors/README.md` and `docs/wire-format.md`).
//! Every `.json` file there must have a checker here. A vector marked `core_disagrees` records
//! a known bug in the core: it is expected to fail until the core is fixed, and this test fails
//! as soon as it passes, so the mark gets removed.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use tidings::serde_json::{self, Value};
use tidings::{
    format_time, validate_type, Bus, Cursor, Event, Pattern, Position, Start, SubscribeOptions,
};

fn vectors_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors"))
}

fn load(file: &str) -> Value {
    let path = vectors_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn strings<'v>(value: &'v Value, key: &str) -> Vec<&'v str> {
    let list = value[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key:?}"));
    list.iter().map(|s| s.as_str().expect("a string")).collect()
}

/// Panics with every failure at once, each naming its vector.
fn report(file: &str, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{file}: {} failing vector(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_vector_file_has_a_checker() {
    for entry in std::fs::read_dir(vectors_dir()).expect("tests/vectors exists") {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") {
            assert!(
                [
                    "types.json",
                    "patterns.json",
                    "envelopes.json",
                    "cursors.json"
                ]
                .contains(&name.as_str()),
                "tests/vectors/{name} has no checker in core/tests/vectors.rs"
            );
        }
    }
}

#[test]
fn types() {
    let vectors = load("types.json");
    let error = vectors["error"].as_str().unwrap();
    let mut failures = Vec::new();
    for text in strings(&vectors, "valid") {
        if let Err(err) = validate_type(text) {
            failures.push(format!("valid type {text:?} rejected: {err}"));
        }
    }
    for text in strings(&vectors, "invalid") {
        match validate_type(text) {
            Ok(()) => failures.push(format!("invalid type {text:?} accepted")),
            Err(err) if err.kind().name() != error => {
                failures.push(format!("invalid type {text:?}: {err}, expected {error}"))
            }
            Err(_) => {}
        }
    }
    report("types.json", failures);
}

#[test]
fn patterns() {
    let vectors = load("patterns.json");
    let error = vectors["error"].as_str().unwrap();
    let mut failures = Vec::new();
    for text in strings(&vectors, "valid") {
        if let Err(err) = Pattern::new(text) {
            failures.push(format!("valid pattern {text:?} rejected: {err}"));
        }
    }
    for text in strings(&vectors, "invalid") {
        match Pattern::new(text) {
            Ok(_) => failures.push(format!("invalid pattern {text:?} accepted")),
            Err(err) if err.kind().name() != error => {
                failures.push(format!("invalid pattern {text:?}: {err}, expected {error}"))
            }
            Err(_) => {}
        }
    }
    for case in vectors["matches"].as_array().unwrap() {
        let (pattern, event_type) = (
            case["pattern"].as_str().unwrap(),
            case["type"].as_str().unwrap(),
        );
        let expected = case["matches"].as_bool().unwrap();
        match Pattern::new(pattern) {
            Ok(p) if p.matches(event_type) != expected => failures.push(format!(
                "{pattern:?} vs {event_type:?}: matches = {}, expected {expected}",
                !expected
            )),
            Ok(_) => {}
            Err(err) => failures.push(format!("{pattern:?} vs {event_type:?}: {err}")),
        }
        if validate_type(event_type).is_err() {
            failures.push(format!("{pattern:?} vs {event_type:?}: not a valid type"));
        }
    }
    report("patterns.json", failures);
}

/// What the core makes of one envelope vector: `Err` describes how it departs from the vector.
fn check_envelope(vector: &Value) -> Result<(), String> {
    let json = vector["json"].as_str().ok_or("no json")?;
    let position = match vector["position"].as_str() {
        Some(text) => Some(text.parse::<Position>().map_err(|e| e.to_string())?),
        None => None,
    };
    let read = catch_unwind(AssertUnwindSafe(|| {
        Event::from_json(json, position).map(|event| {
            // Formatting must not panic either: bindings and SSE frames format every event.
            let canonical = event.to_json();
            (format_time(event.time), canonical, event)
        })
    }))
    .map_err(|_| "the core panicked".to_owned())?;
    if let Some(error) = vector["error"].as_str() {
        return match read {
            Ok(_) => Err(format!("accepted, expected {error}")),
            Err(err) if err.kind().name() != error => Err(format!("{err}, expected {error}")),
            Err(_) => Ok(()),
        };
    }
    let (time, canonical, event) = read.map_err(|err| format!("rejected: {err}"))?;
    let expect = &vector["expect"];
    let text_or_null = |text: Option<&str>| text.map_or(Value::Null, Value::from);
    let actual = [
        ("id", Value::from(event.id.as_str())),
        ("type", Value::from(event.event_type.as_str())),
        ("time_ms", Value::from(event.time_millis())),
        ("time", Value::from(time)),
        ("source", Value::from(event.source.as_str())),
        ("subject", text_or_null(event.subject.as_deref())),
        ("version", Value::from(event.version.as_str())),
        ("data", event.data.clone()),
        (
            "metadata",
            event.metadata.clone().map_or(Value::Null, Value::Object),
        ),
    ];
    for (field, value) in actual {
        if expect[field] != value {
            return Err(format!("{field} = {value}, expected {}", expect[field]));
        }
    }
    if event.position != position {
        return Err(format!(
            "position = {:?}, expected {position:?}",
            event.position
        ));
    }
    // What tidings writes for an event reads back to the same envelope.
    let again = Event::from_json(&canonical, position).map_err(|e| format!("re-read: {e}"))?;
    if again.to_json() != canonical {
        return Err(format!("re-reading {canonical} changed it"));
    }
    Ok(())
}

#[test]
fn envelopes() {
    let mut failures = Vec::new();
    for vector in load("envelopes.json").as_array().unwrap() {
        let name = vector["name"].as_str().unwrap();
        let outcome = check_envelope(vector);
        match (outcome, vector["core_disagrees"].as_str()) {
            (Ok(()), None) | (Err(_), Some(_)) => {}
            (Err(why), None) => failures.push(format!("{name:?}: {why}")),
            (Ok(()), Some(_)) => failures.push(format!(
                "{name:?}: passes now; remove its core_disagrees mark"
            )),
        }
    }
    report("envelopes.json", failures);
}

#[test]
fn cursor_formats() {
    let vectors = load("cursors.json");
    let mut failures = Vec::new();
    for case in vectors["format"].as_array().unwrap() {
        let [pattern, event_type, position, expected] =
            ["pattern", "type", "position", "cursor"].map(|k| case[k].as_str().unwrap());
        let pattern = Pattern::new(pattern).unwrap();
        let cursor = Cursor::new(&pattern, event_type, position.parse().unwrap());
        if cursor.to_string() != expected {
            failures.push(format!("{case}: made {cursor}"));
        }
        match expected.parse::<Cursor>() {
            Ok(parsed) if parsed == cursor => {}
            other => failures.push(format!("{case}: parsed as {other:?}")),
        }
    }
    report("cursors.json", failures);
}

#[tokio::test]
async fn cursors_refused() {
    let vectors = load("cursors.json");
    let error = vectors["error"].as_str().unwrap();
    let bus = Bus::connect("memory://").await.unwrap();
    let mut failures = Vec::new();
    for case in vectors["invalid"].as_array().unwrap() {
        let (pattern, cursor) = (
            case["pattern"].as_str().unwrap(),
            case["cursor"].as_str().unwrap(),
        );
        let outcome = match Start::parse(cursor) {
            Err(err) => Err(err),
            Ok(from) => bus
                .subscribe_with(pattern, SubscribeOptions::new().from(from))
                .await
                .map(drop),
        };
        match outcome {
            Err(err) if err.kind().name() == error => {}
            other => failures.push(format!("{case}: {other:?}")),
        }
    }
    report("cursors.json", failures);
}

#[tokio::test]
async fn cursors_resume_exactly() {
    let vectors = load("cursors.json");
    let resume = &vectors["resume"];
    let pattern = resume["pattern"].as_str().unwrap();
    let bus = Bus::connect("memory://").await.unwrap();
    let requests = resume["emit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| tidings::EmitRequest::new(pair[0].as_str().unwrap(), pair[1].clone()));
    let ids = bus.emit_many(requests.collect()).await.unwrap();
    let from_start = SubscribeOptions::new().from(Start::Beginning);
    let mut all = bus.subscribe_with(pattern, from_start).await.unwrap();
    let mut delivered: Vec<Event> = Vec::new();
    while delivered.len() < ids.len() {
        delivered.push(all.next_event().await.unwrap().unwrap());
    }
    for (n, event) in delivered.iter().enumerate() {
        let from = Start::parse(&event.cursor().unwrap().to_string()).unwrap();
        let mut resumed = bus
            .subscribe_with(pattern, SubscribeOptions::new().from(from))
            .await
            .unwrap();
        for expected in &delivered[n + 1..] {
            assert_eq!(resumed.next_event().await.unwrap().unwrap().id, expected.id);
        }
    }
}
