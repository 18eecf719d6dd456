//! The dead-letter store: emits that failed for good, kept in process (Redis may be what is
//! down, so it cannot hold them) and, when configured, appended to a JSON-lines file that is
//! read back on connect. Letters can be listed and re-driven; a re-drive first checks the
//! stream so an event whose first append did land is never appended twice.

use crate::backend::Backend;
use crate::envelope::Event;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// An event that could not be emitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeadLetter {
    /// The event's id.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The complete JSON envelope, ready to append as it was.
    pub envelope: String,
    /// The last error's message.
    pub error: String,
    /// The last error's code (see `ErrorKind::code`).
    pub error_code: u32,
    /// How many times the append was tried.
    pub attempts: u32,
    /// When it was given up, in milliseconds since the epoch.
    pub failed_at_ms: u64,
}

/// What a re-drive did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedriveReport {
    /// Letters appended now.
    pub appended: usize,
    /// Letters whose event was found already in its stream (an earlier attempt had landed).
    pub already_present: usize,
    /// Letters that failed again and stay in the store.
    pub failed: usize,
}

pub(crate) struct DeadLetters {
    letters: Mutex<VecDeque<DeadLetter>>,
    capacity: usize,
    path: Option<PathBuf>,
}

impl DeadLetters {
    /// A store, loading the letters already in `path`.
    pub(crate) fn open(capacity: usize, path: Option<PathBuf>) -> Result<DeadLetters> {
        let mut letters = VecDeque::new();
        if let Some(path) = &path {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        let letter: DeadLetter = serde_json::from_str(line).map_err(|err| {
                            Error::config(format!("dead-letter file {}: {err}", path.display()))
                        })?;
                        letters.push_back(letter);
                    }
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(Error::config(format!(
                        "dead-letter file {}: {err}",
                        path.display()
                    )))
                }
            }
        }
        Ok(DeadLetters {
            letters: Mutex::new(letters),
            capacity,
            path,
        })
    }

    /// Keeps a letter; returns false when the oldest had to be dropped to make room.
    pub(crate) fn add(&self, letter: DeadLetter) -> bool {
        if let Some(path) = &self.path {
            let line = serde_json::to_string(&letter).expect("letters serialise");
            let appended = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| writeln!(file, "{line}"));
            if appended.is_err() {
                // The in-memory copy still holds it; the file is a best-effort second copy.
            }
        }
        let mut letters = self.letters.lock().expect("dead letters lock");
        letters.push_back(letter);
        let mut kept_all = true;
        while letters.len() > self.capacity {
            letters.pop_front();
            kept_all = false;
        }
        kept_all
    }

    pub(crate) fn list(&self) -> Vec<DeadLetter> {
        self.letters
            .lock()
            .expect("dead letters lock")
            .iter()
            .cloned()
            .collect()
    }

    /// Removes the letters with these event ids and rewrites the file to match.
    pub(crate) fn remove(&self, event_ids: &[String]) -> Result<()> {
        let mut letters = self.letters.lock().expect("dead letters lock");
        letters.retain(|letter| !event_ids.contains(&letter.event_id));
        if let Some(path) = &self.path {
            let mut text = String::new();
            for letter in letters.iter() {
                text.push_str(&serde_json::to_string(letter).expect("letters serialise"));
                text.push('\n');
            }
            std::fs::write(path, text).map_err(|err| {
                Error::internal(format!(
                    "rewriting dead-letter file {}: {err}",
                    path.display()
                ))
            })?;
        }
        Ok(())
    }
}

/// Tries every letter of `letters` again, once each; those that land leave the store. A
/// letter whose event is already in its stream (an attempt whose reply was lost) is counted,
/// not appended again.
pub(crate) async fn redrive(letters: &DeadLetters, backend: &Backend) -> Result<RedriveReport> {
    let mut report = RedriveReport::default();
    let mut done = Vec::new();
    for letter in letters.list() {
        let event = Event::from_json(&letter.envelope, None)?;
        let found = backend
            .find_appended(&letter.event_type, &letter.event_id, event.time_millis())
            .await;
        let outcome = match found {
            Ok(Some(_)) => Ok(true),
            Ok(None) => backend
                .append(&letter.event_type, &letter.envelope)
                .await
                .map(|_| false),
            Err(err) => Err(err),
        };
        match outcome {
            Ok(true) => report.already_present += 1,
            Ok(false) => report.appended += 1,
            Err(_) => {
                report.failed += 1;
                continue;
            }
        }
        done.push(letter.event_id);
    }
    letters.remove(&done)?;
    Ok(report)
}
