//! Resume tokens. A subscription to one exact type resumes from a plain position: within one
//! stream the position orders everything. A pattern that selects several types merges their
//! streams, and events of different types written in the same millisecond have no order by
//! position alone, so the token names the event itself: its position, its type and a check of
//! the pattern it came under. A resume reads that millisecond of every selected stream again,
//! merges it the same way, and passes over everything up to and including that event.
//!
//! Text form (`docs/wire-format.md`): `<ms>-<seq>` for an exact pattern, else
//! `<ms>-<seq>:<type>:<check>` where `<check>` is the FNV-1a 32-bit hash of the pattern in eight
//! lowercase hex digits. At most 41 + 1 + 255 + 1 + 8 = 306 bytes.

use crate::error::{Error, Result};
use crate::grammar::{validate_type, Pattern};
use crate::position::Position;
use std::fmt;
use std::str::FromStr;

/// The longest text a cursor may have: an SSE `id` travels in a header on every reconnect.
pub const MAX_CURSOR_LEN: usize = 512;

/// How an event's cursor is written, decided by the pattern it was delivered under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CursorForm {
    /// An exact pattern: the position alone.
    Plain,
    /// A pattern with `*`: position, type and this check of the pattern.
    Typed(u32),
}

impl CursorForm {
    pub(crate) fn of(pattern: &Pattern) -> CursorForm {
        if pattern.is_exact() {
            CursorForm::Plain
        } else {
            CursorForm::Typed(pattern_check(pattern.as_str()))
        }
    }
}

/// A resume token: pass it as where a subscription of the same pattern starts, and it resumes
/// after exactly the event it came with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    position: Position,
    typed: Option<(String, u32)>,
}

impl Cursor {
    /// The cursor of the event at `position` in `event_type`'s stream, delivered under `pattern`.
    pub fn new(pattern: &Pattern, event_type: &str, position: Position) -> Cursor {
        Cursor::with_form(CursorForm::of(pattern), event_type, position)
    }

    pub(crate) fn with_form(form: CursorForm, event_type: &str, position: Position) -> Cursor {
        Cursor {
            position,
            typed: match form {
                CursorForm::Plain => None,
                CursorForm::Typed(check) => Some((event_type.to_owned(), check)),
            },
        }
    }

    /// The event's position in its own stream.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The event's type, for a cursor of a pattern that selects several types.
    pub fn event_type(&self) -> Option<&str> {
        self.typed
            .as_ref()
            .map(|(event_type, _)| event_type.as_str())
    }

    /// Checks that this cursor can resume a subscription to `pattern`: a typed cursor must
    /// come from the same pattern and name a type it selects.
    pub(crate) fn check_pattern(&self, pattern: &Pattern) -> Result<()> {
        let Some((event_type, check)) = &self.typed else {
            return Ok(());
        };
        if *check != pattern_check(pattern.as_str()) {
            return Err(Error::config(format!(
                "cursor {self} was made for another pattern than {:?}; resume with the pattern it came under",
                pattern.as_str()
            )));
        }
        if !pattern.matches(event_type) {
            return Err(Error::config(format!(
                "cursor {self} names type {event_type:?}, which {:?} does not select",
                pattern.as_str()
            )));
        }
        Ok(())
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.typed {
            None => write!(f, "{}", self.position),
            Some((event_type, check)) => write!(f, "{}:{event_type}:{check:08x}", self.position),
        }
    }
}

impl FromStr for Cursor {
    type Err = Error;

    /// Parses either form; a bad token is a `Config` error that quotes at most its start.
    fn from_str(text: &str) -> Result<Cursor> {
        let bad = |why: &str| {
            let shown: String = text.chars().take(64).collect();
            let more = if shown.len() < text.len() { "…" } else { "" };
            Error::config(format!(
                "{shown:?}{more} is not a cursor ({why}); expected <ms>-<seq> or <ms>-<seq>:<type>:<check>, as Event.cursor gives"
            ))
        };
        if text.len() > MAX_CURSOR_LEN {
            return Err(bad("longer than 512 bytes"));
        }
        let mut parts = text.split(':');
        let position = parts.next().unwrap_or_default();
        let position =
            Position::from_bytes(position.as_bytes()).ok_or_else(|| bad("bad position"))?;
        let typed = match (parts.next(), parts.next(), parts.next()) {
            (None, ..) => None,
            (Some(event_type), Some(check), None) => {
                validate_type(event_type).map_err(|_| bad("bad type"))?;
                let hex = check.len() == 8 && check.bytes().all(|b| b.is_ascii_hexdigit());
                let check = u32::from_str_radix(check, 16)
                    .ok()
                    .filter(|_| hex && check.bytes().all(|b| !b.is_ascii_uppercase()))
                    .ok_or_else(|| bad("bad check"))?;
                Some((event_type.to_owned(), check))
            }
            _ => return Err(bad("wrong number of parts")),
        };
        Ok(Cursor { position, typed })
    }
}

/// FNV-1a, 32 bits, over the pattern's bytes: a check that a typed cursor is resumed under the
/// pattern it came from (documented so that other implementations can write the same tokens).
fn pattern_check(pattern: &str) -> u32 {
    pattern.bytes().fold(0x811c_9dc5, |hash: u32, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> Pattern {
        Pattern::new(text).unwrap()
    }

    #[test]
    fn exact_patterns_keep_plain_positions() {
        let cursor = Cursor::new(&pattern("user.login"), "user.login", Position::new(5, 1));
        assert_eq!(cursor.to_string(), "5-1");
        assert_eq!("5-1".parse::<Cursor>().unwrap(), cursor);
    }

    #[test]
    fn typed_cursors_round_trip_and_check_their_pattern() {
        let cursor = Cursor::new(&pattern("user.*"), "user.login", Position::new(5, 1));
        let text = cursor.to_string();
        assert!(text.starts_with("5-1:user.login:"), "{text}");
        let back: Cursor = text.parse().unwrap();
        assert_eq!(back, cursor);
        back.check_pattern(&pattern("user.*")).unwrap();
        assert!(back.check_pattern(&pattern("*")).is_err());
        let max = u64::MAX.to_string();
        let widest = format!("{max}-{max}:{}:00000000", "a".repeat(255));
        assert!(widest.len() <= MAX_CURSOR_LEN);
        widest.parse::<Cursor>().unwrap();
    }

    #[test]
    fn the_check_is_fnv1a() {
        // Published FNV-1a 32-bit values.
        assert_eq!(pattern_check(""), 0x811c_9dc5);
        assert_eq!(pattern_check("a"), 0xe40c_292c);
        assert_eq!(pattern_check("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn garbage_is_a_config_error() {
        for bad in [
            "",
            "x",
            "5-1:",
            "5-1:user.login",
            "5-1:user login:00000000",
            "5-1:user.login:0000000",
            "5-1:user.login:0000000G",
            "5-1:user.login:ABCDEF01",
            "5-1:a:00000000:extra",
        ] {
            let err = bad.parse::<Cursor>().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{bad:?}");
        }
        let long = "1-1:".to_owned() + &"a".repeat(600) + ":00000000";
        assert!(long.parse::<Cursor>().unwrap_err().message().len() < 300);
    }
}
