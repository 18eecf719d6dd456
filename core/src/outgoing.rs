//! An event on its way to the backend: its envelope written, plus what appending, retrying and
//! dead-lettering need to know of it. Emits make one straight from their parts (type, data as
//! a value or as text, options), checking everything an emit checks before anything is sent.

use crate::envelope::{new_event_id, EmitOptions, Event, DEFAULT_VERSION, ENVELOPE_CAPACITY};
use crate::envelope_writer::{write_envelope, EnvelopeFields};
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
        check_parts(
            event_type,
            options.subject.as_deref(),
            options.version.as_deref(),
        )?;
        data.check()?;
        if let Some(metadata) = &options.metadata {
            check_metadata(metadata)?;
        }
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
        let payload = envelope(&fields, fields.size_hint(), max_event_size)?;
        Ok(Outgoing {
            id,
            event_type: event_type.to_owned(),
            time_ms: system_time_ms(time),
            payload,
        })
    }

    /// The outgoing form of a whole event (`Bus::emit_event`), checked as `prepare` checks.
    pub(crate) fn of_event(event: &Event, max_event_size: usize) -> Result<Outgoing> {
        check_parts(
            &event.event_type,
            event.subject.as_deref(),
            Some(&event.version),
        )?;
        check_value(&event.data)?;
        if let Some(metadata) = &event.metadata {
            check_metadata(metadata)?;
        }
        Ok(Outgoing {
            id: event.id.clone(),
            event_type: event.event_type.clone(),
            time_ms: event.time_millis(),
            payload: envelope(
                &event.envelope_fields(false),
                ENVELOPE_CAPACITY,
                max_event_size,
            )?,
        })
    }
}

/// The envelope of `fields`, unless it is over `max_event_size` bytes. The buffer starts at
/// `capacity`: growing it as it is written was a sixth of an emit's client instructions
/// (callgrind), and sizing it for the event at hand rather than for any event keeps an
/// `emit_many` of 10,000 from touching megabytes it does not use.
fn envelope(fields: &EnvelopeFields<'_>, capacity: usize, max_event_size: usize) -> Result<String> {
    let mut payload = Vec::with_capacity(capacity);
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

/// The checks of an emit besides its data's: the type's grammar, a non-empty subject, and a
/// version of non-empty text.
fn check_parts(event_type: &str, subject: Option<&str>, version: Option<&str>) -> Result<()> {
    validate_type(event_type)?;
    if let Some(version) = version {
        if version.is_empty() || version.chars().any(char::is_control) {
            return Err(Error::invalid_data("version must be non-empty text"));
        }
    }
    if subject.is_some_and(str::is_empty) {
        return Err(Error::invalid_data("subject must not be empty"));
    }
    Ok(())
}
