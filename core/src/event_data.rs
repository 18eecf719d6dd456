//! An emit's data as the caller hands it over: a JSON value, or JSON text the caller already
//! has. Every binding holds its data as text (`JSON.stringify`, Python's JSON encoder, a C
//! string), so text is checked once and copied into the envelope, instead of being parsed into
//! a `serde_json::Value` only to be written out again. Text with whitespace between its tokens
//! (pretty-printed JSON from C, say) loses it, so envelopes stay compact either way.

use crate::envelope_writer::DataRef;
use crate::error::{Error, Result};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// How deep arrays and objects may nest in an event's data: the deepest data serde_json reads
/// inside an envelope (its recursion limit, less the envelope's own level), so every reader
/// of the event, Rust included, can parse it. A behaviour test reads data this deep back.
pub const MAX_DATA_DEPTH: usize = 126;

/// The data of an event being emitted. Build it from a [`Value`] (`.into()`, checked when it is
/// emitted) or from JSON text ([`EventData::from_json`], checked here): either way no data the
/// core has not checked reaches an envelope.
#[derive(Debug, Clone)]
pub struct EventData(Repr);

#[derive(Debug, Clone)]
enum Repr {
    /// A JSON value, written compactly.
    Value(Value),
    /// JSON text, checked and compact, copied into the envelope as it is.
    Json(Box<RawValue>),
}

impl EventData {
    /// JSON text as data. It must hold exactly one JSON value nested at most
    /// [`MAX_DATA_DEPTH`] deep; anything else is an `InvalidData` error. Whitespace outside
    /// its strings is dropped.
    pub fn from_json(text: impl Into<String>) -> Result<EventData> {
        let raw = RawValue::from_string(text.into())
            .map_err(|err| Error::invalid_data(format!("data is not JSON: {err}")))?;
        EventData::from_raw(raw)
    }

    /// Already parsed JSON text as data (the items of a JSON array read as
    /// `Vec<Box<RawValue>>`, say), checked and compacted as in [`EventData::from_json`].
    pub fn from_raw(raw: Box<RawValue>) -> Result<EventData> {
        let shape = scan(raw.get());
        check_depth(shape.depth)?;
        if let Some(unit) = shape.lone_surrogate {
            // Valid JSON, but no reader that decodes strings to Unicode (serde_json among them)
            // can read it: written, the event would be skipped by every one of them.
            return Err(Error::invalid_data(format!(
                "data has a lone UTF-16 surrogate (\\u{unit:04x}) in a string"
            )));
        }
        if !shape.spaced {
            return Ok(EventData(Repr::Json(raw)));
        }
        let compact = RawValue::from_string(compact(raw.get()))
            .expect("valid JSON stays valid without the whitespace between its tokens");
        Ok(EventData(Repr::Json(compact)))
    }

    /// The data as the envelope writer takes it.
    pub(crate) fn as_data_ref(&self) -> DataRef<'_> {
        match &self.0 {
            Repr::Value(value) => DataRef::Value(value),
            Repr::Json(raw) => DataRef::Text(raw.get()),
        }
    }

    /// The data as a JSON value (text is parsed: it was checked to be readable).
    pub fn into_value(self) -> Value {
        match self.0 {
            Repr::Value(value) => value,
            Repr::Json(raw) => {
                serde_json::from_str(raw.get()).expect("checked JSON text reads as a value")
            }
        }
    }
}

/// Checks that a value nests no deeper than [`MAX_DATA_DEPTH`].
pub(crate) fn check_value(value: &Value) -> Result<()> {
    check_depth(value_depth(value, MAX_DATA_DEPTH + 1))
}

/// Checks that metadata (an object beside the data in the envelope) nests no deeper than data
/// may.
pub(crate) fn check_metadata(metadata: &Map<String, Value>) -> Result<()> {
    let inner = metadata
        .values()
        .map(|value| value_depth(value, MAX_DATA_DEPTH))
        .max()
        .unwrap_or(0);
    check_depth(1 + inner).map_err(|_| {
        Error::invalid_data(format!(
            "metadata nests arrays and objects more than {MAX_DATA_DEPTH} deep"
        ))
    })
}

impl From<Value> for EventData {
    fn from(value: Value) -> EventData {
        EventData(Repr::Value(value))
    }
}

/// Values are equal to values, texts to the same text.
impl PartialEq for EventData {
    fn eq(&self, other: &EventData) -> bool {
        match (&self.0, &other.0) {
            (Repr::Value(a), Repr::Value(b)) => a == b,
            (Repr::Json(a), Repr::Json(b)) => a.get() == b.get(),
            _ => false,
        }
    }
}

fn check_depth(depth: usize) -> Result<()> {
    if depth > MAX_DATA_DEPTH {
        return Err(Error::invalid_data(format!(
            "data nests arrays and objects more than {MAX_DATA_DEPTH} deep"
        )));
    }
    Ok(())
}

/// What a scan of valid JSON text finds.
struct Shape {
    /// How deep arrays and objects nest.
    depth: usize,
    /// Whether there is whitespace between tokens.
    spaced: bool,
    /// The first `\u` escape of a surrogate without its other half, if any.
    lone_surrogate: Option<u16>,
}

fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Scans valid JSON text, jumping over string contents to the next quote or backslash (strings
/// are most of a typical event's bytes, and this runs on the runtime thread for every emit
/// whose data comes as text).
fn scan(text: &str) -> Shape {
    let bytes = text.as_bytes();
    let mut shape = Shape {
        depth: 0,
        spaced: false,
        lone_surrogate: None,
    };
    let (mut depth, mut at) = (0usize, 0usize);
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        match byte {
            b'"' => at = string_end(bytes, at, &mut shape.lone_surrogate),
            b'[' | b'{' => {
                depth += 1;
                shape.depth = shape.depth.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ if is_json_whitespace(byte) => shape.spaced = true,
            _ => {}
        }
    }
    shape
}

/// Where a string whose contents start at `at` ends (just past its closing quote). The first
/// `\u` escape of a surrogate without its other half goes to `lone`.
fn string_end(bytes: &[u8], mut at: usize, lone: &mut Option<u16>) -> usize {
    while let Some(offset) = bytes
        .get(at..)
        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
    {
        at += offset;
        if bytes[at] == b'"' {
            return at + 1;
        }
        at += match escaped_unit(bytes, at) {
            Some(high @ 0xD800..=0xDBFF) => match escaped_unit(bytes, at + 6) {
                Some(0xDC00..=0xDFFF) => 12,
                _ => {
                    lone.get_or_insert(high);
                    6
                }
            },
            Some(low @ 0xDC00..=0xDFFF) => {
                lone.get_or_insert(low);
                6
            }
            Some(_) => 6,
            None => 2, // a backslash and the character it escapes
        };
    }
    bytes.len()
}

/// The UTF-16 unit of a `\uXXXX` escape at `at`, if there is one.
fn escaped_unit(bytes: &[u8], at: usize) -> Option<u16> {
    match bytes.get(at..at + 6)? {
        [b'\\', b'u', hex @ ..] => u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok(),
        _ => None,
    }
}

/// Valid JSON text without the whitespace between its tokens (strings are copied whole, found
/// as `scan` finds them).
fn compact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if byte == b'"' {
            let end = string_end(bytes, at + 1, &mut None);
            out.extend_from_slice(&bytes[at..end]);
            at = end;
            continue;
        }
        if !is_json_whitespace(byte) {
            out.push(byte);
        }
        at += 1;
    }
    String::from_utf8(out).expect("only ASCII whitespace was taken out")
}

/// How deep arrays and objects nest in a value, counting no further than `limit`.
fn value_depth(value: &Value, limit: usize) -> usize {
    if limit == 0 {
        return 0;
    }
    let inner = |items: &mut dyn Iterator<Item = &Value>| {
        1 + items
            .map(|item| value_depth(item, limit - 1))
            .max()
            .unwrap_or(0)
    };
    match value {
        Value::Array(items) => inner(&mut items.iter()),
        Value::Object(members) => inner(&mut members.values()),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use proptest::prelude::*;
    use serde_json::json;

    fn nested_text(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    fn nested_value(depth: usize) -> Value {
        (0..depth).fold(json!(1), |inner, _| json!([inner]))
    }

    fn text_of(data: &EventData) -> &str {
        match data.as_data_ref() {
            DataRef::Text(text) => text,
            DataRef::Value(_) => panic!("text data"),
        }
    }

    #[test]
    fn compact_text_is_kept_as_written() {
        let text = r#"{"b":[1,2.50,1e+100],"a":"x y\" \n"}"#;
        assert_eq!(text_of(&EventData::from_json(text).unwrap()), text);
    }

    #[test]
    fn whitespace_between_tokens_is_dropped_and_strings_keep_theirs() {
        let text = " {\n  \"a b\": [1, \"x \\\" y\"],\t\"c\" : {} }\r\n";
        let data = EventData::from_json(text).unwrap();
        assert_eq!(text_of(&data), r#"{"a b":[1,"x \" y"],"c":{}}"#);
    }

    #[test]
    fn text_that_is_not_one_json_value_is_invalid_data() {
        for bad in ["", "{", "{} {}", "nan", "{'a': 1}", "[1,]", "\"\\x\""] {
            let err = EventData::from_json(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidData, "{bad:?}");
        }
    }

    #[test]
    fn depth_is_limited_alike_for_text_and_values() {
        assert!(EventData::from_json(nested_text(MAX_DATA_DEPTH)).is_ok());
        let err = EventData::from_json(nested_text(MAX_DATA_DEPTH + 1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert!(check_value(&nested_value(MAX_DATA_DEPTH)).is_ok());
        let err = check_value(&nested_value(MAX_DATA_DEPTH + 1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
    }

    #[test]
    fn metadata_is_limited_as_data_is() {
        let metadata = |depth: usize| match nested_value(depth) {
            Value::Array(mut items) => Map::from_iter([("k".to_owned(), items.remove(0))]),
            _ => unreachable!(),
        };
        assert!(check_metadata(&metadata(MAX_DATA_DEPTH)).is_ok());
        let err = check_metadata(&metadata(MAX_DATA_DEPTH + 1)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
    }

    #[test]
    fn lone_surrogates_are_invalid_data_and_pairs_are_kept() {
        for lone in [
            r#""\ud800""#,
            r#"["a\udfff"]"#,
            r#"{"k":"\ud83d\u0041"}"#,
            r#""\ud83d""#,
        ] {
            let err = EventData::from_json(lone).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidData, "{lone}");
            assert!(err.to_string().contains("lone UTF-16 surrogate"), "{err}");
        }
        for fine in [r#""\ud83d\ude00""#, r#""\\ud800""#, r#""\u00e9\uffff""#] {
            assert!(EventData::from_json(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn brackets_and_spaces_inside_strings_do_not_count() {
        let text = format!(r#"["{} ","\"[[ "]"#, "[".repeat(500));
        let shape = scan(&text);
        assert_eq!(shape.depth, 1);
        assert!(!shape.spaced);
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            "[\\[\\]{}\"\\\\a \n\t]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a\\[{\" ]{0,3}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// JSON text of a string of arbitrary UTF-16 units, each written as a `\u` escape.
    fn escaped_units() -> impl Strategy<Value = String> {
        let unit = prop_oneof![0xD800u16..0xE000, any::<u16>()];
        prop::collection::vec(unit, 0..6).prop_map(|units| {
            let escapes: String = units.iter().map(|u| format!("\\u{u:04x}")).collect();
            format!("[\"{escapes}\"]")
        })
    }

    proptest! {
        /// Text is refused for a lone surrogate exactly when serde_json cannot read it.
        #[test]
        fn lone_surrogates_are_found_as_serde_json_finds_them(text in escaped_units()) {
            let readable = serde_json::from_str::<Value>(&text).is_ok();
            prop_assert_eq!(EventData::from_json(text.as_str()).is_ok(), readable, "{}", text);
        }

        /// The scan and the value walk agree on every value's depth, written compactly or not,
        /// and pretty text compacts to what serde_json writes compactly.
        #[test]
        fn scan_and_compact_agree_with_serde_json(value in json_value()) {
            let plain = serde_json::to_string(&value).unwrap();
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            let depth = value_depth(&value, usize::MAX);
            prop_assert_eq!(scan(&plain).depth, depth);
            prop_assert_eq!(scan(&pretty).depth, depth);
            prop_assert!(!scan(&plain).spaced);
            prop_assert_eq!(&compact(&pretty), &plain);
            let data = EventData::from_json(pretty).unwrap();
            prop_assert_eq!(text_of(&data), plain.as_str());
        }
    }
}
