//! An event on its way to the backend: its envelope written, plus what appending, retrying and
//! dead-lettering need to know of it. Emits make one straight from their parts (type, data as
//! a value or as text, options), checking everything an emit checks before anything is sent.

use crate::envelope::{new_event_id, EmitOptions, DEFAULT_VERSION};
use crate::envelope_writer::{write_envelope, DataRef, EnvelopeFields};
use crate::error::{Error, Result};
use crate::event_data::{check_metadata, check_value, EventData};
use crate::grammar::validate_type;
use crate::position::{system_time_ms, Position};
use std::time::SystemTime;

/// A checked event with its envelope, ready to append.
pub(crate) struct Outgoing {
    pub id: String,
    pub event_type: String,
    /// The emitter's time (a retry looks for an earlier landing from a little before it).
    pub time_ms: u64,
    /// The envelope, as stored and published.
    pub payload: String,
}

/// An appended event: its id and where it landed.
pub(crate) struct Appended {
    pub id: String,
    pub position: Position,
}

impl Outgoing {
    /// Checks an emit's parts and writes its envelope, with a fresh UUIDv7 id and the current
    /// time.
    pub(crate) fn prepare(
        event_type: &str,
        data: &EventData,
        options: &EmitOptions,
        source: &str,
        max_event_size: usize,
    ) -> Result<Outgoing> {
        let (id, time) = (new_event_id(), SystemTime::now());
        let fields = EnvelopeFields {
            id: &id,
            event_type,
            source,
            time,
            subject: options.subject.as_deref(),
            version: options.version.as_deref().unwrap_or(DEFAULT_VERSION),
            metadata: options.metadata.as_ref(),
            position: None,
            data: data.as_data_ref(),
        };
        let payload = checked_envelope(&fields, max_event_size)?;
        Ok(Outgoing {
            id,
            event_type: event_type.to_owned(),
            time_ms: system_time_ms(time),
            payload,
        })
    }
}

/// Checks everything an emit checks and writes the envelope: the type's grammar, a version of
/// non-empty text, a non-empty subject, the depth of metadata and of data given as a value
/// (text was checked when it became `EventData`), and the envelope's size. The buffer starts
/// at the fields' size hint, since growing it as it is written costs more than writing it, and
/// a hint for the event at hand rather than for any event keeps
/// an `emit_many` of 10,000 from touching megabytes it does not use.
fn checked_envelope(fields: &EnvelopeFields<'_>, max_event_size: usize) -> Result<String> {
    validate_type(fields.event_type)?;
    if fields.version.is_empty() || fields.version.chars().any(char::is_control) {
        return Err(Error::invalid_data("version must be non-empty text"));
    }
    if fields.subject.is_some_and(str::is_empty) {
        return Err(Error::invalid_data("subject must not be empty"));
    }
    if let DataRef::Value(value) = fields.data {
        check_value(value)?;
    }
    if let Some(metadata) = fields.metadata {
        check_metadata(metadata)?;
    }
    let mut payload = Vec::with_capacity(fields.size_hint());
    write_envelope(fields, &mut payload);
    if payload.len() > max_event_size {
        return Err(Error::invalid_data(format!(
            "event is {} bytes; the limit is {} bytes",
            payload.len(),
            max_event_size
        )));
    }
    Ok(String::from_utf8(payload).expect("the envelope writer writes UTF-8"))
}
