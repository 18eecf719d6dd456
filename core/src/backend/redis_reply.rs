//! Decoding of Redis stream replies (`XRANGE`, `XREVRANGE`, `XREAD`) into raw entries, for RESP2
//! and RESP3 shapes alike. Entries without an `event` field keep `payload: None` so the layer
//! above can count them as invalid instead of failing the whole read.

use super::{RawEntry, StreamLoss};
use crate::error::{Error, Result};
use crate::position::Position;
use redis::Value;

/// The bytes of a string reply, in any of its RESP shapes.
fn bytes(value: &Value) -> Option<&[u8]> {
    match value {
        Value::BulkString(bytes) => Some(bytes),
        Value::SimpleString(text) => Some(text.as_bytes()),
        Value::VerbatimString { text, .. } => Some(text.as_bytes()),
        _ => None,
    }
}

fn text(value: &Value) -> Option<&str> {
    std::str::from_utf8(bytes(value)?).ok()
}

fn unexpected(what: &str) -> Error {
    Error::new(
        crate::ErrorKind::Backend,
        format!("unexpected Redis reply shape for {what}"),
    )
}

/// Parses a stream entry id.
pub(crate) fn position(value: &Value) -> Result<Position> {
    bytes(value)
        .and_then(Position::from_bytes)
        .ok_or_else(|| unexpected("a stream id"))
}

/// One `[id, [field, value, …]]` entry.
fn entry(value: &Value) -> Result<RawEntry> {
    let Value::Array(parts) = value else {
        return Err(unexpected("a stream entry"));
    };
    let [id, fields] = parts.as_slice() else {
        return Err(unexpected("a stream entry"));
    };
    let position = position(id)?;
    let payload = match fields {
        Value::Array(fields) => fields
            .chunks(2)
            .find(|pair| pair.len() == 2 && text(&pair[0]) == Some("event"))
            .and_then(|pair| text(&pair[1]).map(str::to_owned)),
        Value::Map(pairs) => pairs
            .iter()
            .find(|(key, _)| text(key) == Some("event"))
            .and_then(|(_, value)| text(value).map(str::to_owned)),
        _ => None,
    };
    Ok(RawEntry::new(position, payload))
}

/// The reply of `XRANGE` / `XREVRANGE`.
pub(crate) fn entries(value: &Value) -> Result<Vec<RawEntry>> {
    match value {
        Value::Array(items) => items.iter().map(entry).collect(),
        Value::Nil => Ok(Vec::new()),
        _ => Err(unexpected("a stream range")),
    }
}

/// The reply of `XREAD`, with each key turned back into a type by `type_of_key`.
pub(crate) fn streams(
    value: &Value,
    type_of_key: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, Vec<RawEntry>)>> {
    let pairs: Vec<(&Value, &Value)> = match value {
        Value::Nil => return Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Array(pair) if pair.len() == 2 => Ok((&pair[0], &pair[1])),
                _ => Err(unexpected("XREAD")),
            })
            .collect::<Result<_>>()?,
        Value::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        _ => return Err(unexpected("XREAD")),
    };
    pairs
        .into_iter()
        .map(|(key, items)| {
            let key = text(key).ok_or_else(|| unexpected("XREAD key"))?;
            let event_type = type_of_key(key).ok_or_else(|| unexpected("XREAD key"))?;
            Ok((event_type, entries(items)?))
        })
        .collect()
}

/// The reply of `XINFO STREAM` (a flat list of fields in RESP2, a map in RESP3). Servers
/// before Redis 7 give no `entries-added`: then any entry older than the oldest kept counts as
/// possibly removed.
pub(crate) fn stream_loss(value: &Value) -> Result<StreamLoss> {
    let pairs: Vec<(&Value, &Value)> = match value {
        Value::Array(items) => items
            .chunks(2)
            .filter_map(|p| Some((p.first()?, p.get(1)?)))
            .collect(),
        Value::Map(pairs) => pairs.iter().map(|(k, v)| (k, v)).collect(),
        _ => return Err(unexpected("XINFO STREAM")),
    };
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| text(k) == Some(name))
            .map(|(_, v)| *v)
    };
    let number = |name: &str| -> Option<u64> {
        match field(name)? {
            Value::Int(n) => u64::try_from(*n).ok(),
            other => text(other)?.parse().ok(),
        }
    };
    let id = |name: &str| field(name).map(position).transpose();
    let oldest = match field("first-entry") {
        None | Some(Value::Nil) => None,
        Some(first) => Some(entry(first)?.position),
    };
    let length = number("length").ok_or_else(|| unexpected("XINFO STREAM length"))?;
    Ok(StreamLoss {
        last: id("last-generated-id")?.ok_or_else(|| unexpected("XINFO STREAM"))?,
        oldest,
        removed: number("entries-added").is_none_or(|added| added > length),
        max_deleted: id("max-deleted-entry-id")?.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn parses_entries_with_and_without_the_event_field() {
        let reply = Value::Array(vec![
            Value::Array(vec![
                bulk("1-0"),
                Value::Array(vec![bulk("event"), bulk("{}")]),
            ]),
            Value::Array(vec![
                bulk("1-1"),
                Value::Array(vec![bulk("type"), bulk("user.login")]),
            ]),
        ]);
        let parsed = entries(&reply).unwrap();
        assert_eq!(parsed[0].position, Position::new(1, 0));
        assert_eq!(parsed[0].payload.as_deref(), Some("{}"));
        assert_eq!(parsed[1].payload, None);
    }
}
