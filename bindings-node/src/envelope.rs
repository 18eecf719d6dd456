//! Events handed to JavaScript: plain objects `{ id, type, time, source, subject, data,
//! metadata, version, position, cursor }` with `time` a `Date`, `data` and `metadata` as
//! `JSON.parse` makes them, `subject`/`metadata` `undefined` when the emitter gave none, and
//! `cursor` the core's resume token for the pattern the event came under (`null` for an event
//! no subscription or history delivered). Also `_decodeEnvelope`, the core's envelope reader,
//! for the shared test vectors.

use crate::error;
use crate::json;
use napi::bindgen_prelude::{Array, Env, Object, Unknown};
use napi_derive::napi;
use tidings::{Event, Position};

/// `event` as a JavaScript object.
pub(crate) fn to_js<'env>(env: &'env Env, event: Event) -> napi::Result<Object<'env>> {
    let mut object = Object::new(env)?;
    let cursor = event.cursor().map(|cursor| cursor.to_string());
    let time = env.create_date(event.time_millis() as f64)?;
    object.set("id", event.id)?;
    object.set("type", event.event_type)?;
    object.set("time", time)?;
    object.set("source", event.source)?;
    match event.subject {
        Some(subject) => object.set("subject", subject)?,
        None => object.set("subject", ())?,
    }
    object.set("data", json::to_js(env, &event.data)?)?;
    match event.metadata {
        Some(metadata) => object.set("metadata", json::to_js(env, &metadata.into())?)?,
        None => object.set("metadata", ())?,
    }
    object.set("version", event.version)?;
    object.set("position", event.position.map(|p| p.to_string()))?;
    object.set("cursor", cursor)?;
    Ok(object)
}

/// Events as a JavaScript array (history).
pub(crate) fn batch_to_js(env: &Env, events: Vec<Event>) -> napi::Result<Array<'_>> {
    let mut array = env.create_array(events.len() as u32)?;
    for (index, event) in events.into_iter().enumerate() {
        array.set(index as u32, to_js(env, event)?)?;
    }
    Ok(array)
}

/// Reads an envelope as stored in a stream entry's `event` field, at `position` when given,
/// with the core's reader (`Event::from_json`). For the shared wire-format test vectors.
#[napi(js_name = "_decodeEnvelope", catch_unwind)]
pub fn decode_envelope<'env>(
    env: &'env Env,
    json: Unknown<'env>,
    position: Option<Unknown<'env>>,
) -> napi::Result<Object<'env>> {
    let decoded = (|| {
        let json = crate::options::string(json, "json", tidings::ErrorKind::InvalidData)?;
        let position = match position.filter(|p| !crate::options::is_absent(p)) {
            Some(position) => Some(
                crate::options::string(position, "position", tidings::ErrorKind::Config)?
                    .parse::<Position>()?,
            ),
            None => None,
        };
        Event::from_json(&json, position)
    })();
    match decoded {
        Ok(event) => to_js(env, event),
        Err(err) => Err(error::to_js(env, err)),
    }
}
