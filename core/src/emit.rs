//! The emit path: an emit is checked and written (`Outgoing`), appended with retry (an attempt
//! whose reply was lost is looked for before the next, so no event is appended twice) and, when
//! it fails for good, dead-lettered. Many emits go as one round trip (`append_chunk`); a chunk
//! that fails falls back to the one-by-one path.

use crate::dead_letter::DeadLetter;
use crate::envelope::EmitOptions;
use crate::error::{Error, Result};
use crate::event_data::EventData;
use crate::outgoing::{Appended, Outgoing};
use crate::position::{system_time_ms, Position};
use crate::shared::Shared;
use futures_util::future::BoxFuture;
use futures_util::{stream, StreamExt, TryStreamExt};
use std::collections::{BTreeSet, HashMap};
use std::time::{Instant, SystemTime};

/// How many events of one `emit_many` go to the backend in one round trip.
const EMIT_MANY_CHUNK: usize = 500;

/// How many chunks of one `emit_many` are in flight at once.
const EMIT_MANY_CHUNKS_IN_FLIGHT: usize = 4;

/// How many events of a failed chunk are retried one by one at once.
const RETRIES_IN_FLIGHT: usize = 256;

/// One event of an [`crate::Bus::emit_many`] call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EmitRequest {
    /// The event type.
    pub event_type: String,
    /// The payload: a JSON value, or JSON text.
    pub data: EventData,
    /// Subject, metadata, version.
    pub options: EmitOptions,
}

impl EmitRequest {
    /// A request with no options.
    pub fn new(event_type: impl Into<String>, data: impl Into<EventData>) -> EmitRequest {
        EmitRequest {
            event_type: event_type.into(),
            data: data.into(),
            options: EmitOptions::default(),
        }
    }
    /// Sets the options.
    pub fn options(mut self, options: EmitOptions) -> EmitRequest {
        self.options = options;
        self
    }
}

impl Shared {
    /// Checks an emit and writes its envelope.
    pub(crate) fn prepare(
        &self,
        event_type: &str,
        data: &EventData,
        options: &EmitOptions,
    ) -> Result<Outgoing> {
        self.check_open()?;
        Outgoing::prepare(
            event_type,
            data,
            options,
            &self.config.source,
            self.config.max_event_size,
        )
    }

    /// Emits many events and returns their ids in order. Every event is validated before any
    /// is appended, so bad input writes nothing. Events go to the backend in chunks, one round
    /// trip each, a few chunks at once.
    pub(crate) async fn emit_many(&self, requests: Vec<EmitRequest>) -> Result<Vec<String>> {
        let mut prepared = requests
            .into_iter()
            .map(|r| self.prepare(&r.event_type, &r.data, &r.options))
            .collect::<Result<Vec<_>>>()?
            .into_iter();
        let chunks = std::iter::from_fn(|| {
            let chunk: Vec<_> = prepared.by_ref().take(EMIT_MANY_CHUNK).collect();
            (!chunk.is_empty()).then_some(chunk)
        });
        let ids: Vec<Vec<String>> = stream::iter(chunks)
            .map(|chunk| async move {
                let appended = self.append_chunk(chunk).await;
                appended.into_iter().map(|r| r.map(|a| a.id)).collect()
            })
            .buffered(EMIT_MANY_CHUNKS_IN_FLIGHT)
            .try_collect()
            .await?;
        Ok(ids.concat())
    }

    /// Appends a chunk in one round trip, or, when that fails, event by event; one result per
    /// event.
    pub(crate) async fn append_chunk(&self, chunk: Vec<Outgoing>) -> Vec<Result<Appended>> {
        let started = Instant::now();
        let entries: Vec<(&str, &str)> = chunk
            .iter()
            .map(|outgoing| (outgoing.event_type.as_str(), outgoing.payload.as_str()))
            .collect();
        if let Ok(positions) = self.backend.append_many(&entries).await {
            let elapsed = started.elapsed();
            for run in entries.chunk_by(|a, b| a.0 == b.0) {
                self.metrics.emitted_many(run[0].0, run.len(), elapsed);
            }
            return chunk
                .into_iter()
                .zip(positions)
                .map(|(outgoing, position)| {
                    Ok(Appended {
                        id: outgoing.id,
                        position,
                    })
                })
                .collect();
        }
        // Part of the chunk may have landed: one scan per type tells which, the rest are
        // appended with the usual retry (which still looks before every retry). Events of a
        // type whose scan failed too look for themselves before their first try.
        let landed = self.landed_ids(&chunk).await;
        stream::iter(chunk)
            .map(|outgoing| {
                let known = landed
                    .get(&outgoing.event_type)
                    .and_then(Option::as_ref)
                    .map(|ids| ids.get(&outgoing.id).copied());
                async move {
                    if let Some(Some(position)) = known {
                        self.metrics
                            .emitted(&outgoing.event_type, started.elapsed());
                        return Ok(Appended {
                            id: outgoing.id,
                            position,
                        });
                    }
                    let look_first = known.is_none();
                    self.append_one(outgoing, look_first).await
                }
            })
            .buffered(RETRIES_IN_FLIGHT)
            .collect()
            .await
    }

    /// Per type of a chunk, the ids already in its stream with their positions (`None` where
    /// the scan failed).
    async fn landed_ids(
        &self,
        chunk: &[Outgoing],
    ) -> HashMap<String, Option<HashMap<String, Position>>> {
        let emitted_from = chunk.iter().map(|o| o.time_ms).min().unwrap_or(0);
        let types: BTreeSet<&str> = chunk.iter().map(|o| o.event_type.as_str()).collect();
        let mut landed = HashMap::new();
        for event_type in types {
            let ids = self.backend.ids_since(event_type, emitted_from).await;
            landed.insert(event_type.to_owned(), ids.ok());
        }
        landed
    }

    /// Appends one event with retry, dead-lettering it when it fails for good; `look_first`
    /// when an earlier attempt (a chunk) may have landed. Boxed: its retry and dead-letter state
    /// would otherwise make every emit's future several times larger, batched emits included,
    /// which never take this path.
    pub(crate) fn append_one(
        &self,
        outgoing: Outgoing,
        look_first: bool,
    ) -> BoxFuture<'_, Result<Appended>> {
        Box::pin(self.append_one_inline(outgoing, look_first))
    }

    async fn append_one_inline(&self, outgoing: Outgoing, look_first: bool) -> Result<Appended> {
        let started = Instant::now();
        match self.append_with_retry(&outgoing, look_first).await {
            Ok(position) => {
                self.metrics
                    .emitted(&outgoing.event_type, started.elapsed());
                Ok(Appended {
                    id: outgoing.id,
                    position,
                })
            }
            Err((err, attempts)) => {
                self.metrics.failed(&outgoing.event_type, true);
                let kept = self.dead_letters.add(DeadLetter {
                    event_id: outgoing.id,
                    event_type: outgoing.event_type,
                    envelope: outgoing.payload,
                    error: err.message().to_owned(),
                    error_code: err.code(),
                    attempts,
                    failed_at_ms: system_time_ms(SystemTime::now()),
                });
                if !kept {
                    self.metrics.dead_letter_dropped();
                }
                Err(err)
            }
        }
    }

    /// Appends, retrying transient failures within the retry policy's attempts and budget.
    /// Before every retry (and before the first try when `look_first`) it looks for the event
    /// in its stream, since an attempt whose reply was lost may have landed.
    async fn append_with_retry(
        &self,
        outgoing: &Outgoing,
        look_first: bool,
    ) -> std::result::Result<Position, (Error, u32)> {
        let policy = self.config.retry;
        let event_type = &outgoing.event_type;
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let result = if attempt == 1 && !look_first {
                self.backend.append(event_type, &outgoing.payload).await
            } else {
                match self
                    .backend
                    .find_appended(event_type, &outgoing.id, outgoing.time_ms)
                    .await
                {
                    Ok(Some(position)) => return Ok(position),
                    Ok(None) => self.backend.append(event_type, &outgoing.payload).await,
                    Err(err) => Err(err),
                }
            };
            let err = match result {
                Ok(position) => return Ok(position),
                Err(err) if err.is_transient() => err,
                Err(err) => return Err((err, attempt)),
            };
            let Some(delay) = policy.next_delay(attempt - 1, started.elapsed()) else {
                return Err((err, attempt));
            };
            self.metrics.retried(event_type);
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.closed() => return Err((Error::closed(), attempt)),
            }
            attempt += 1;
        }
    }
}
