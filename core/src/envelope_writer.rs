//! Writes an event's envelope (the CloudEvents JSON of envelope.rs) straight into a byte
//! buffer: member names as constant bytes, strings escaped only when they need it, the time
//! from its calendar fields, data given as text copied as it is. The bytes are exactly what
//! serde_json writes for the same envelope (the property test below compares them); going
//! through serde's struct machinery and chrono's formatter instead costs more than the rest of
//! an emit's client work.

use crate::position::Position;
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde_json::{Map, Value};
use std::io::Write;
use std::time::SystemTime;

/// The CloudEvents version written in `specversion`.
pub const SPEC_VERSION: &str = "1.0";

/// What an envelope is written from: an event's fields, borrowed (from an event being read
/// back, or from the parts of an emit before there is one).
pub(crate) struct EnvelopeFields<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
    pub source: &'a str,
    pub time: SystemTime,
    pub subject: Option<&'a str>,
    pub version: &'a str,
    pub metadata: Option<&'a Map<String, Value>>,
    /// Written only when given.
    pub position: Option<Position>,
    pub data: DataRef<'a>,
}

/// The bytes of an envelope besides its strings and data: member names, quotes, commas, the
/// time.
const FRAME_LEN: usize = 143;

/// A guess at the JSON of data given as a value, or of metadata.
const VALUE_LEN_GUESS: usize = 256;

/// The most a `position` member takes: `,"position":"<u64>-<u64>"`.
const POSITION_LEN_MAX: usize = 14 + 20 + 1 + 20;

impl EnvelopeFields<'_> {
    /// About how long the envelope will be (what its buffer starts at): exact for text data,
    /// strings that need no escaping, a four-digit year and no position.
    pub(crate) fn size_hint(&self) -> usize {
        let data = match self.data {
            DataRef::Value(_) => VALUE_LEN_GUESS,
            DataRef::Text(text) => text.len(),
        };
        FRAME_LEN
            + self.id.len()
            + self.event_type.len()
            + self.source.len()
            + self.version.len()
            + self
                .subject
                .map_or(0, |subject| ",\"subject\":\"\"".len() + subject.len())
            + self
                .metadata
                .map_or(0, |_| ",\"metadata\":".len() + VALUE_LEN_GUESS)
            + self.position.map_or(0, |_| POSITION_LEN_MAX)
            + data
    }
}

/// An envelope's data: a value, or checked JSON text written as it is.
#[derive(Clone, Copy)]
pub(crate) enum DataRef<'a> {
    Value(&'a Value),
    Text(&'a str),
}

/// Appends the envelope to `out`: `specversion`, `id`, `type`, `source`, `time`,
/// `datacontenttype`, `subject` (if any), `version`, `metadata` (if any), `position` (if
/// given), `data`, in that order.
pub(crate) fn write_envelope(fields: &EnvelopeFields<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"specversion\":");
    write_str(out, SPEC_VERSION);
    out.extend_from_slice(b",\"id\":");
    write_str(out, fields.id);
    out.extend_from_slice(b",\"type\":");
    write_str(out, fields.event_type);
    out.extend_from_slice(b",\"source\":");
    write_str(out, fields.source);
    out.extend_from_slice(b",\"time\":\"");
    write_time(out, fields.time);
    out.extend_from_slice(b"\",\"datacontenttype\":\"application/json\"");
    if let Some(subject) = fields.subject {
        out.extend_from_slice(b",\"subject\":");
        write_str(out, subject);
    }
    out.extend_from_slice(b",\"version\":");
    write_str(out, fields.version);
    if let Some(metadata) = fields.metadata {
        out.extend_from_slice(b",\"metadata\":");
        serde_json::to_writer(&mut *out, metadata).expect("a JSON map always serialises");
    }
    if let Some(position) = fields.position {
        write!(out, ",\"position\":\"{position}\"").expect("a Vec takes every write");
    }
    out.extend_from_slice(b",\"data\":");
    match fields.data {
        DataRef::Value(value) => {
            serde_json::to_writer(&mut *out, value).expect("a JSON value always serialises")
        }
        DataRef::Text(text) => out.extend_from_slice(text.as_bytes()),
    }
    out.push(b'}');
}

/// A JSON string. Text with nothing to escape (JSON escapes only `"`, `\` and control
/// characters) is copied as it is; anything else goes through serde_json.
fn write_str(out: &mut Vec<u8>, text: &str) {
    if needs_escape(text) {
        serde_json::to_writer(&mut *out, text).expect("a string always serialises");
    } else {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    }
}

/// Whether JSON must escape something in `text`: `"`, `\` or a control character.
fn needs_escape(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
}

/// The time as RFC 3339 in UTC with milliseconds (`2024-08-17T10:30:00.123Z`; `format_time`
/// is this as a `String`), written from chrono's calendar fields. Years outside 0–9999, which
/// need more than four digits, go through chrono's own RFC 3339 formatter.
pub(crate) fn write_time(out: &mut Vec<u8>, time: SystemTime) {
    let utc = DateTime::<Utc>::from(time);
    let millis = utc.timestamp_subsec_millis();
    let (Ok(year @ 0..=9999), 0..=999) = (u32::try_from(utc.year()), millis) else {
        let text = utc.to_rfc3339_opts(SecondsFormat::Millis, true);
        return out.extend_from_slice(text.as_bytes());
    };
    let mut text = *b"0000-00-00T00:00:00.000Z";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], utc.month());
    put_digits(&mut text[8..10], utc.day());
    put_digits(&mut text[11..13], utc.hour());
    put_digits(&mut text[14..16], utc.minute());
    put_digits(&mut text[17..19], utc.second());
    put_digits(&mut text[20..23], millis);
    out.extend_from_slice(&text);
}

/// Writes `n` in decimal into `slot`, zero-padded on the left (`n` fits: callers check).
fn put_digits(slot: &mut [u8], mut n: u32) {
    for digit in slot.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Event;
    use proptest::prelude::*;
    use serde::Serialize;
    use std::time::{Duration, UNIX_EPOCH};

    /// The envelope as serde_json writes it: what `write_envelope` must equal byte for byte.
    #[derive(Serialize)]
    struct Reference<'a> {
        specversion: &'static str,
        id: &'a str,
        #[serde(rename = "type")]
        event_type: &'a str,
        source: &'a str,
        time: String,
        datacontenttype: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        subject: Option<&'a str>,
        version: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        metadata: Option<&'a Map<String, Value>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        position: Option<String>,
        data: &'a Value,
    }

    /// The time as chrono's own RFC 3339 formatter writes it: what `write_time` must equal.
    fn chrono_time(time: SystemTime) -> String {
        DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    fn reference(event: &Event, with_position: bool) -> String {
        serde_json::to_string(&Reference {
            specversion: SPEC_VERSION,
            id: &event.id,
            event_type: &event.event_type,
            source: &event.source,
            time: chrono_time(event.time),
            datacontenttype: "application/json",
            subject: event.subject.as_deref(),
            version: &event.version,
            metadata: event.metadata.as_ref(),
            position: event
                .position
                .filter(|_| with_position)
                .map(|p| p.to_string()),
            data: &event.data,
        })
        .unwrap()
    }

    fn written(event: &Event, with_position: bool) -> String {
        let mut out = Vec::new();
        write_envelope(&event.envelope_fields(with_position), &mut out);
        String::from_utf8(out).unwrap()
    }

    /// The envelope of `event` (no position) with its data given as compact JSON text, and the
    /// size hint of those fields.
    fn written_with_text_data(event: &Event) -> (String, usize) {
        let text = serde_json::to_string(&event.data).unwrap();
        let mut fields = event.envelope_fields(false);
        fields.data = DataRef::Text(&text);
        let mut out = Vec::new();
        write_envelope(&fields, &mut out);
        (String::from_utf8(out).unwrap(), fields.size_hint())
    }

    /// Text with the characters that need escaping, and some that do not.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9.:/_-]{0,12}",
            any::<String>(),
            prop::collection::vec(
                prop::sample::select(vec!["\"", "\\", "\n", "\u{1}", "\u{7f}", "é", "😀", "a"]),
                0..6
            )
            .prop_map(|parts| parts.concat()),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(text(), inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// Any time from year 0 to year 9999 and somewhat beyond, to the nanosecond.
    fn any_time() -> impl Strategy<Value = SystemTime> {
        (-70_000_000_000i64..300_000_000_000i64, 0u32..1_000_000_000).prop_map(|(secs, nanos)| {
            let whole = Duration::from_secs(secs.unsigned_abs());
            let time = if secs >= 0 {
                UNIX_EPOCH + whole
            } else {
                UNIX_EPOCH - whole
            };
            time + Duration::from_nanos(u64::from(nanos))
        })
    }

    prop_compose! {
        fn any_event()(
            id in text(),
            event_type in text(),
            source in text(),
            time in any_time(),
            subject in proptest::option::of(text()),
            version in text(),
            metadata in proptest::option::of(prop::collection::btree_map(text(), json_value(), 0..3)),
            position in proptest::option::of((any::<u64>(), any::<u64>())),
            data in json_value(),
        ) -> Event {
            Event {
                id,
                event_type,
                time,
                source,
                subject,
                data,
                metadata: metadata.map(|m| m.into_iter().collect()),
                version,
                position: position.map(|(ms, seq)| Position::new(ms, seq)),
                delivered_under: Default::default(),
            }
        }
    }

    proptest! {
        #[test]
        fn writes_what_serde_json_writes(event in any_event(), with_position in any::<bool>()) {
            prop_assert_eq!(written(&event, with_position), reference(&event, with_position));
        }

        /// The size hint is the envelope's length when the data is text, no string needs
        /// escaping and the year has four digits (the position aside).
        #[test]
        fn the_size_hint_is_exact_for_text_data(event in any_event()) {
            let (written, size_hint) = written_with_text_data(&event);
            let metadata_len = event.metadata.as_ref().map_or(0, |m| {
                serde_json::to_string(m).unwrap().len() as isize - VALUE_LEN_GUESS as isize
            });
            let escaped = [Some(&event.id), Some(&event.event_type), Some(&event.source),
                event.subject.as_ref(), Some(&event.version)]
                .into_iter()
                .flatten()
                .any(|s| needs_escape(s));
            let four_digit_year = chrono_time(event.time).len() == 24;
            if !escaped && four_digit_year {
                prop_assert_eq!(written.len() as isize, size_hint as isize + metadata_len);
            }
        }

        /// Data given as its compact JSON text comes out as the same bytes as the value.
        #[test]
        fn writes_text_data_as_it_writes_the_value(event in any_event()) {
            prop_assert_eq!(written_with_text_data(&event).0, reference(&event, false));
        }

        #[test]
        fn writes_times_as_chrono_does(time in any_time()) {
            let mut out = Vec::new();
            write_time(&mut out, time);
            prop_assert_eq!(String::from_utf8(out).unwrap(), chrono_time(time));
        }
    }

    #[test]
    fn writes_the_edges_of_the_four_digit_years() {
        for ms in [
            0,
            999,
            1_000,
            86_399_999,
            951_782_400_000,
            253_402_300_799_999,
        ] {
            let time = UNIX_EPOCH + Duration::from_millis(ms);
            let mut out = Vec::new();
            write_time(&mut out, time);
            assert_eq!(String::from_utf8(out).unwrap(), chrono_time(time), "{ms}");
        }
    }
}
