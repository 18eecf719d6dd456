//! The event and its wire form: a CloudEvents 1.0 JSON envelope stored in field `event` of
//! `stream:<type>` and published on `events:<type>`. Readers also accept the legacy shape
//! `{id, type, timestamp, data, metadata}` of the `PersistentEventSystem` layout
//! (`docs/wire-format.md`), so streams written by such code stay readable.

use crate::cursor::{Cursor, CursorForm};
use crate::envelope_writer::{write_envelope, write_time, DataRef, EnvelopeFields};
use crate::error::{Error, Result};
use crate::grammar::validate_type;
use crate::position::{ms_to_system_time, system_time_ms, Position};
use chrono::DateTime;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::SystemTime;

/// The version given to events emitted without one (and to legacy events, which carry none).
pub const DEFAULT_VERSION: &str = "1";
/// The source given to legacy events, which carry none.
pub const UNKNOWN_SOURCE: &str = "unknown";
/// The length in bytes of the ids tidings gives the events it emits (hyphenated UUIDv7), so a
/// caller can size a buffer for an id before emitting.
pub const EVENT_ID_LEN: usize = uuid::fmt::Hyphenated::LENGTH;

/// One event, as emitted or as read back.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// Unique and time-ordered (UUIDv7 for events tidings emits).
    pub id: String,
    /// What happened: `user.login`.
    pub event_type: String,
    /// When it happened, by the emitter's clock.
    pub time: SystemTime,
    /// Who emitted it (a URI-reference, CloudEvents `source`).
    pub source: String,
    /// What it is about, when the emitter said (CloudEvents `subject`).
    pub subject: Option<String>,
    /// The payload: any JSON value.
    pub data: Value,
    /// Free-form context (ip, user agent, trace ids), when the emitter gave any.
    pub metadata: Option<Map<String, Value>>,
    /// The version of the event's schema (`1` unless the emitter said).
    pub version: String,
    /// Where the event sits in its stream; `None` only before it is appended.
    pub position: Option<Position>,
    /// The pattern a subscription or a history read delivered it under, which makes its
    /// cursor; `None` for an event read on its own.
    pub(crate) delivered_under: DeliveredUnder,
}

/// How an event's cursor is formed. It takes no part in equality: the same event read under
/// two patterns is the same event, with two cursors.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DeliveredUnder(pub(crate) Option<CursorForm>);

impl PartialEq for DeliveredUnder {
    fn eq(&self, _: &DeliveredUnder) -> bool {
        true
    }
}

/// Optional parts of an emitted event.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct EmitOptions {
    /// CloudEvents `subject`: what the event is about (`user-123`).
    pub subject: Option<String>,
    /// Free-form context carried beside the data.
    pub metadata: Option<Map<String, Value>>,
    /// The schema version of the data (default `1`).
    pub version: Option<String>,
}

impl EmitOptions {
    /// No options.
    pub fn new() -> EmitOptions {
        EmitOptions::default()
    }
    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> EmitOptions {
        self.subject = Some(subject.into());
        self
    }
    /// Sets the metadata.
    pub fn metadata(mut self, metadata: Map<String, Value>) -> EmitOptions {
        self.metadata = Some(metadata);
        self
    }
    /// Sets the version.
    pub fn version(mut self, version: impl Into<String>) -> EmitOptions {
        self.version = Some(version.into());
        self
    }
}

#[derive(Deserialize)]
struct IncomingEnvelope {
    specversion: Option<String>,
    id: Option<Value>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    source: Option<String>,
    time: Option<String>,
    timestamp: Option<Value>,
    subject: Option<String>,
    version: Option<Value>,
    metadata: Option<Value>,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<Value>,
}

/// Just the id of an envelope (cheaper than reading the whole event), if it has one.
pub(crate) fn envelope_id(json: &str) -> Option<String> {
    serde_json::from_str::<IdOnly>(json)
        .ok()?
        .id
        .and_then(scalar_text)
}

/// Formats a time as RFC 3339 in UTC with milliseconds: `2024-08-17T10:30:00.123Z`.
pub fn format_time(time: SystemTime) -> String {
    let mut text = Vec::with_capacity(24);
    write_time(&mut text, time);
    String::from_utf8(text).expect("times are ASCII")
}

/// The last millisecond RFC 3339 can write: 9999-12-31T23:59:59.999Z.
const MAX_TIME_MS: u64 = 253_402_300_799_999;

/// Parses RFC 3339 text, keeping only times from 1970 to 9999 (what every reader can write).
fn parse_time(text: &str) -> Option<SystemTime> {
    let parsed = DateTime::parse_from_rfc3339(text).ok()?;
    let ms = u64::try_from(parsed.timestamp_millis()).ok()?;
    (ms <= MAX_TIME_MS).then(|| SystemTime::from(parsed))
}

/// A scalar as text: legacy ids and versions may be numbers.
fn scalar_text(value: Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A fresh event id: a hyphenated UUIDv7, so ids sort by the time they were made.
pub(crate) fn new_event_id() -> String {
    uuid::Uuid::now_v7()
        .hyphenated()
        .encode_lower(&mut [0; EVENT_ID_LEN])
        .to_owned()
}

impl Event {
    /// An event as it was emitted and appended.
    pub(crate) fn emitted(
        id: String,
        position: Position,
        event_type: &str,
        time: SystemTime,
        data: Value,
        options: EmitOptions,
        source: &str,
    ) -> Event {
        Event {
            id,
            event_type: event_type.to_owned(),
            time,
            source: source.to_owned(),
            subject: options.subject,
            data,
            metadata: options.metadata,
            version: options
                .version
                .unwrap_or_else(|| DEFAULT_VERSION.to_owned()),
            position: Some(position),
            delivered_under: DeliveredUnder::default(),
        }
    }

    /// The CloudEvents JSON envelope, as stored and published (without the position, which
    /// the stream assigns).
    pub fn to_json(&self) -> String {
        self.envelope_json(false)
    }

    /// The envelope plus a `position` member: what SSE frames and bindings hand to users.
    pub fn to_json_with_position(&self) -> String {
        self.envelope_json(true)
    }

    /// Events as one JSON array of their envelopes, positions included, written into one
    /// buffer: how a binding hands a batch of delivered events across in one piece.
    pub fn json_array_with_positions(events: &[Event]) -> String {
        let fields: Vec<EnvelopeFields<'_>> =
            events.iter().map(|e| e.envelope_fields(true)).collect();
        let size = fields.iter().map(|f| f.size_hint() + 1).sum::<usize>() + 2;
        let mut json = Vec::with_capacity(size);
        json.push(b'[');
        for (index, fields) in fields.iter().enumerate() {
            if index > 0 {
                json.push(b',');
            }
            write_envelope(fields, &mut json);
        }
        json.push(b']');
        String::from_utf8(json).expect("the envelope writer writes UTF-8")
    }

    fn envelope_json(&self, with_position: bool) -> String {
        // Sized up front: growing the buffer as it is written costs more than writing it.
        let fields = self.envelope_fields(with_position);
        let mut json = Vec::with_capacity(fields.size_hint());
        write_envelope(&fields, &mut json);
        String::from_utf8(json).expect("the envelope writer writes UTF-8")
    }

    /// The fields the envelope writer writes, the position only when asked for (and known).
    pub(crate) fn envelope_fields(&self, with_position: bool) -> EnvelopeFields<'_> {
        EnvelopeFields {
            id: &self.id,
            event_type: &self.event_type,
            source: &self.source,
            time: self.time,
            subject: self.subject.as_deref(),
            version: &self.version,
            metadata: self.metadata.as_ref(),
            position: self.position.filter(|_| with_position),
            data: DataRef::Value(&self.data),
        }
    }

    /// Reads an envelope: CloudEvents JSON as tidings writes it, or the legacy shape. The
    /// position is the stream entry id it was read at, when there is one; it also stands in
    /// for the time of an event that carries none.
    pub fn from_json(json: &str, position: Option<Position>) -> Result<Event> {
        if !json.trim_start().starts_with('{') {
            return Err(Error::invalid_data("an event envelope is a JSON object"));
        }
        let incoming: IncomingEnvelope = serde_json::from_str(json)
            .map_err(|err| Error::invalid_data(format!("not an event envelope: {err}")))?;
        if let Some(spec) = &incoming.specversion {
            if !spec.starts_with("1.") {
                return Err(Error::invalid_data(format!(
                    "unsupported CloudEvents specversion {spec:?}"
                )));
            }
        }
        let id = incoming
            .id
            .and_then(scalar_text)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| Error::invalid_data("event has no id"))?;
        let event_type = incoming
            .event_type
            .ok_or_else(|| Error::invalid_data("event has no type"))?;
        validate_type(&event_type)
            .map_err(|err| Error::invalid_data(format!("event {id}: {}", err.message())))?;
        let time = match (&incoming.time, &incoming.timestamp) {
            (Some(text), _) => parse_time(text)
                .ok_or_else(|| Error::invalid_data(format!("event {id}: bad time {text:?}")))?,
            (None, Some(Value::Number(ms))) => ms
                .as_f64()
                .filter(|ms| (0.0..=MAX_TIME_MS as f64).contains(ms))
                .map(|ms| ms_to_system_time(ms as u64))
                .ok_or_else(|| Error::invalid_data(format!("event {id}: bad timestamp")))?,
            (None, Some(Value::String(text))) => parse_time(text).ok_or_else(|| {
                Error::invalid_data(format!("event {id}: bad timestamp {text:?}"))
            })?,
            (None, Some(_)) => {
                return Err(Error::invalid_data(format!(
                    "event {id}: timestamp is neither milliseconds nor RFC 3339 text"
                )))
            }
            (None, None) => match position {
                Some(position) if position.ms <= MAX_TIME_MS => ms_to_system_time(position.ms),
                _ => return Err(Error::invalid_data(format!("event {id} has no time"))),
            },
        };
        let version = match incoming.version {
            None | Some(Value::Null) => DEFAULT_VERSION.to_owned(),
            Some(value) => scalar_text(value)
                .ok_or_else(|| Error::invalid_data(format!("event {id}: version is not text")))?,
        };
        let metadata = match incoming.metadata {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(_) => {
                return Err(Error::invalid_data(format!(
                    "event {id}: metadata is not an object"
                )))
            }
        };
        Ok(Event {
            id,
            event_type,
            time,
            source: incoming.source.unwrap_or_else(|| UNKNOWN_SOURCE.to_owned()),
            subject: incoming.subject,
            data: incoming.data,
            metadata,
            version,
            position,
            delivered_under: DeliveredUnder::default(),
        })
    }

    /// Milliseconds since the Unix epoch of `time`.
    pub fn time_millis(&self) -> u64 {
        system_time_ms(self.time)
    }

    /// The resume token for the pattern this event was delivered under: pass it as where a
    /// subscription of that pattern starts, to resume after exactly this event. The plain
    /// position for an exact pattern; `None` for an event no subscription or history delivered.
    pub fn cursor(&self) -> Option<Cursor> {
        let form = self.delivered_under.0?;
        Some(Cursor::with_form(form, &self.event_type, self.position?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// An event as if just emitted, at position 0-1.
    fn outgoing(event_type: &str, data: Value, options: EmitOptions) -> Event {
        let (id, time) = (new_event_id(), SystemTime::now());
        Event::emitted(
            id,
            Position::new(0, 1),
            event_type,
            time,
            data,
            options,
            "svc",
        )
    }

    #[test]
    fn emitted_events_round_trip_through_json() {
        let mut metadata = Map::new();
        metadata.insert("ip".into(), json!("192.168.1.1"));
        let options = EmitOptions::new()
            .subject("user-123")
            .metadata(metadata)
            .version("2");
        let event = outgoing("user.login", json!({"userId": 123}), options);
        let json = event.to_json();
        let back = Event::from_json(&json, Some(Position::new(5, 0))).unwrap();
        assert_eq!(back.id, event.id);
        assert_eq!(back.time_millis(), event.time_millis());
        assert_eq!(back.subject.as_deref(), Some("user-123"));
        assert_eq!(back.version, "2");
        assert_eq!(back.data, json!({"userId": 123}));
        assert_eq!(back.position, Some(Position::new(5, 0)));
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["specversion"], "1.0");
        assert_eq!(value["datacontenttype"], "application/json");
    }

    #[test]
    fn a_json_array_of_events_holds_each_envelope_with_its_position() {
        let mut first = outgoing("a.b", json!({"n": 1}), EmitOptions::new());
        first.position = Some(Position::new(5, 0));
        let mut second = outgoing("a.c", json!([2]), EmitOptions::new());
        second.position = Some(Position::new(6, 1));
        let events = [first, second];
        let array = Event::json_array_with_positions(&events);
        let expected = format!(
            "[{},{}]",
            events[0].to_json_with_position(),
            events[1].to_json_with_position()
        );
        assert_eq!(array, expected);
        assert_eq!(Event::json_array_with_positions(&[]), "[]");
    }

    #[test]
    fn emitted_ids_have_the_documented_length() {
        let event = outgoing("a", json!(null), EmitOptions::new());
        assert_eq!(event.id.len(), EVENT_ID_LEN);
        assert_eq!(EVENT_ID_LEN, 36);
    }

    #[test]
    fn reads_the_legacy_shape() {
        let legacy = r#"{"id":"1723890000000-0.42","type":"user.login","timestamp":1723890000000,"data":{"userId":1},"metadata":{"ip":"1.2.3.4"}}"#;
        let event = Event::from_json(legacy, None).unwrap();
        assert_eq!(event.id, "1723890000000-0.42");
        assert_eq!(event.time_millis(), 1_723_890_000_000);
        assert_eq!(event.source, UNKNOWN_SOURCE);
        assert_eq!(event.version, DEFAULT_VERSION);
        assert_eq!(event.metadata.unwrap()["ip"], "1.2.3.4");
    }

    #[test]
    fn rejects_what_is_not_an_event() {
        for bad in [
            "not json",
            "[]",
            r#"{"type":"a"}"#,
            r#"{"id":"1","type":"a b","timestamp":1}"#,
            r#"{"id":"1","type":"a","time":"yesterday"}"#,
            r#"{"id":"1","type":"a"}"#,
        ] {
            let err = Event::from_json(bad, None).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::InvalidData, "{bad}");
        }
    }
}
