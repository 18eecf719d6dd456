//! The arguments that `Bus` and `SyncBus` share: an emit's, `emit_many`'s items, and opening a
//! subscription's inbox. Each becomes the core's request; the core checks what it means.

use crate::data;
use crate::position;
use crate::runtime;
use crate::subscription::Inbox;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::sync::Arc;
use tidings::serde_json::Value;
use tidings::{EmitOptions, EmitRequest, EventData, SubscribeOptions};

/// One emit's arguments as a core request.
pub(crate) fn emit_request(
    event_type: String,
    data: EventData,
    subject: Option<String>,
    metadata: Option<&Bound<'_, PyDict>>,
    version: Option<String>,
) -> PyResult<EmitRequest> {
    let mut options = EmitOptions::new();
    if let Some(subject) = subject {
        options = options.subject(subject);
    }
    if let Some(metadata) = metadata {
        options = options.metadata(data::to_json_object(metadata)?);
    }
    if let Some(version) = version {
        options = options.version(version);
    }
    Ok(EmitRequest::new(event_type, data).options(options))
}

/// The data argument of an emit: None when absent.
pub(crate) fn emit_data(value: Option<&Bound<'_, PyAny>>) -> PyResult<EventData> {
    value.map_or(Ok(EventData::from(Value::Null)), data::to_event_data)
}

const EMIT_MANY_KEYS: [&str; 5] = ["type", "data", "subject", "metadata", "version"];

/// The items of `emit_many`: `(type, data)` tuples or dicts with `type`, `data` and optional
/// `subject`, `metadata`, `version`. Every item is checked before any data is encoded.
pub(crate) fn emit_many_requests(items: &Bound<'_, PyAny>) -> PyResult<Vec<EmitRequest>> {
    let py = items.py();
    let wrong = |index: usize, why: &str| {
        PyTypeError::new_err(format!(
            "emit_many item {index}: {why}; expected a (type, data) tuple or a dict with \
             'type' and 'data' (and optionally 'subject', 'metadata', 'version')"
        ))
    };
    let mut parts = Vec::new();
    let mut datas = Vec::new();
    for (index, item) in items.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(dict) = item.cast::<PyDict>() {
            for key in dict.keys() {
                let known = key
                    .extract::<String>()
                    .is_ok_and(|key| EMIT_MANY_KEYS.contains(&key.as_str()));
                if !known {
                    return Err(wrong(index, &format!("unknown key {}", key.repr()?)));
                }
            }
            let field = |name: &str| dict.get_item(name);
            let event_type = field("type")?
                .ok_or_else(|| wrong(index, "no 'type'"))?
                .extract::<String>()
                .map_err(|_| wrong(index, "'type' is not a str"))?;
            datas.push(field("data")?.unwrap_or_else(|| py.None().into_bound(py)));
            let text = |name: &str| -> PyResult<Option<String>> {
                match field(name)? {
                    Some(value) if !value.is_none() => value
                        .extract::<String>()
                        .map(Some)
                        .map_err(|_| wrong(index, &format!("'{name}' is not a str"))),
                    _ => Ok(None),
                }
            };
            let metadata = match field("metadata")? {
                Some(value) if !value.is_none() => Some(
                    value
                        .cast_into::<PyDict>()
                        .map_err(|_| wrong(index, "'metadata' is not a dict"))?,
                ),
                _ => None,
            };
            parts.push((event_type, text("subject")?, metadata, text("version")?));
        } else if let Ok(pair) = item.cast::<PyTuple>() {
            if pair.len() != 2 {
                return Err(wrong(index, "a tuple of the wrong length"));
            }
            let event_type = pair
                .get_item(0)?
                .extract::<String>()
                .map_err(|_| wrong(index, "the type is not a str"))?;
            datas.push(pair.get_item(1)?);
            parts.push((event_type, None, None, None));
        } else {
            return Err(wrong(index, "not a tuple or dict"));
        }
    }
    let datas = datas
        .iter()
        .map(data::to_event_data)
        .collect::<PyResult<Vec<_>>>()?;
    parts
        .into_iter()
        .zip(datas)
        .map(|((event_type, subject, metadata, version), data)| {
            emit_request(event_type, data, subject, metadata.as_ref(), version)
        })
        .collect()
}

/// Establishes a subscription (waiting for it with the GIL released), so that every event
/// emitted after this returns is delivered.
pub(crate) fn open_inbox(
    py: Python<'_>,
    bus: &tidings::Bus,
    pattern: &str,
    from: Option<&Bound<'_, PyAny>>,
) -> PyResult<Arc<Inbox>> {
    let options = SubscribeOptions::new().from(position::start(from)?);
    let (core, pattern) = (bus.clone(), pattern.to_owned());
    let subscription =
        runtime::wait_for(
            py,
            async move { core.subscribe_with(&pattern, options).await },
        )?;
    Inbox::open(bus.clone(), subscription)
}
