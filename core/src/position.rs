//! Positions in a stream (the Redis stream entry id `<ms>-<seq>`) and the places a subscription
//! or a history query can start from.

use crate::cursor::Cursor;
use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where an event sits in its stream: the Redis stream entry id. Positions order by time of
/// append (milliseconds of the server clock), then by sequence within the millisecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// Milliseconds since the Unix epoch, by the backend's clock.
    pub ms: u64,
    /// Sequence number within that millisecond.
    pub seq: u64,
}

impl Position {
    /// The position before every entry (`0-0`; Redis never assigns it).
    pub const ZERO: Position = Position { ms: 0, seq: 0 };

    /// A position.
    pub fn new(ms: u64, seq: u64) -> Position {
        Position { ms, seq }
    }

    /// Parses `<ms>-<seq>` (ASCII digits, each part at least one and within `u64`) in one pass
    /// over the bytes: every emit parses the id its `XADD` returned.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Position> {
        let mut parts = [0u64; 2];
        let mut part = 0;
        let mut digits = 0;
        for &byte in bytes {
            match byte {
                b'0'..=b'9' => {
                    let value = &mut parts[part];
                    *value = value.checked_mul(10)?.checked_add(u64::from(byte - b'0'))?;
                    digits += 1;
                }
                b'-' if part == 0 && digits > 0 => {
                    part = 1;
                    digits = 0;
                }
                _ => return None,
            }
        }
        (part == 1 && digits > 0).then_some(Position {
            ms: parts[0],
            seq: parts[1],
        })
    }

    /// The last position strictly before millisecond `ms`, so reading "after" it includes
    /// everything appended at `ms` or later.
    pub fn just_before_ms(ms: u64) -> Position {
        match ms {
            0 => Position::ZERO,
            ms => Position {
                ms: ms - 1,
                seq: u64::MAX,
            },
        }
    }

    /// The next possible position (saturating at the largest).
    pub fn successor(self) -> Position {
        match self.seq {
            u64::MAX if self.ms == u64::MAX => self,
            u64::MAX => Position {
                ms: self.ms + 1,
                seq: 0,
            },
            seq => Position {
                ms: self.ms,
                seq: seq + 1,
            },
        }
    }

    /// The previous possible position (saturating at zero).
    pub fn predecessor(self) -> Position {
        match (self.ms, self.seq) {
            (0, 0) => Position::ZERO,
            (ms, 0) => Position {
                ms: ms - 1,
                seq: u64::MAX,
            },
            (ms, seq) => Position { ms, seq: seq - 1 },
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl FromStr for Position {
    type Err = Error;

    /// Parses `<ms>-<seq>`, as carried by `Event::position` and used as an SSE `id`.
    fn from_str(text: &str) -> Result<Position> {
        Position::from_bytes(text.as_bytes()).ok_or_else(|| {
            Error::config(format!(
                "{text:?} is not a position; expected <milliseconds>-<sequence> such as 1700000000000-0"
            ))
        })
    }
}

/// Milliseconds since the Unix epoch of `time` (zero for times before it).
pub fn system_time_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The `SystemTime` of `ms` milliseconds since the Unix epoch.
pub fn ms_to_system_time(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// Where a subscription starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Start {
    /// Only events emitted after the subscription is established (the default).
    #[default]
    Live,
    /// Replay from the oldest event each stream still holds, then follow live.
    Beginning,
    /// Replay the events after this position (exclusive), then follow live: resuming.
    After(Position),
    /// Replay the events appended at or after this time, then follow live.
    Time(SystemTime),
    /// Resume after exactly the event this cursor came with (a cursor of a pattern that
    /// selects several types; a plain cursor is [`Start::After`]).
    Cursor(Cursor),
}

impl Start {
    /// Parses the string forms the bindings accept: `"start"`, `"live"`, a position or a
    /// cursor.
    pub fn parse(text: &str) -> Result<Start> {
        match text {
            "start" | "beginning" => Ok(Start::Beginning),
            "live" | "now" => Ok(Start::Live),
            other => other.parse::<Cursor>().map(Start::from),
        }
    }

    /// A start at `ms` milliseconds since the Unix epoch.
    pub fn from_millis(ms: u64) -> Start {
        Start::Time(ms_to_system_time(ms))
    }
}

impl From<Cursor> for Start {
    /// A plain cursor is its position; a typed one names its event.
    fn from(cursor: Cursor) -> Start {
        match cursor.event_type() {
            None => Start::After(cursor.position()),
            Some(_) => Start::Cursor(cursor),
        }
    }
}

/// One end of a history range: a time (inclusive for `since`, exclusive for `until`) or a
/// position (always exclusive, so pages can be walked without overlap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Bound {
    /// A point in time.
    Time(SystemTime),
    /// A stream position.
    Position(Position),
}

impl Bound {
    /// A time bound at `ms` milliseconds since the Unix epoch.
    pub fn from_millis(ms: u64) -> Bound {
        Bound::Time(ms_to_system_time(ms))
    }

    /// Parses a position string.
    pub fn parse(text: &str) -> Result<Bound> {
        text.parse().map(Bound::Position)
    }

    /// The lowest position included when this bound is a `since`.
    pub(crate) fn since_first(self) -> Position {
        match self {
            Bound::Time(time) => Position::new(system_time_ms(time), 0),
            Bound::Position(position) => position.successor(),
        }
    }

    /// The highest position included when this bound is an `until`.
    pub(crate) fn until_last(self) -> Position {
        match self {
            Bound::Time(time) => Position::just_before_ms(system_time_ms(time)),
            Bound::Position(position) => position.predecessor(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_order() {
        let p: Position = "1700000000000-5".parse().unwrap();
        assert_eq!(p, Position::new(1_700_000_000_000, 5));
        assert_eq!(p.to_string(), "1700000000000-5");
        assert!(Position::new(1, 9) < Position::new(2, 0));
        assert_eq!(
            Position::new(2, 0).predecessor(),
            Position::new(1, u64::MAX)
        );
        assert_eq!(Position::new(1, u64::MAX).successor(), Position::new(2, 0));
    }

    #[test]
    fn bad_positions_are_config_errors() {
        for bad in [
            "",
            "12",
            "-1",
            "1-",
            "a-b",
            "1-2-3",
            " 1-2",
            "18446744073709551616-0",
        ] {
            let err = bad.parse::<Position>().unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Config, "{bad:?}");
        }
    }

    /// The reference: split at the first `-`, both sides non-empty ASCII digits within u64.
    fn split_and_parse(text: &str) -> Option<Position> {
        let (ms, seq) = text.split_once('-')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(ms) || !digits(seq) {
            return None;
        }
        Some(Position::new(ms.parse().ok()?, seq.parse().ok()?))
    }

    proptest::proptest! {
        #[test]
        fn parsing_agrees_with_split_and_parse(text in "[0-9-]{0,44}|[0-9]{1,21}-[0-9]{1,21}|.{0,8}") {
            proptest::prop_assert_eq!(Position::from_bytes(text.as_bytes()), split_and_parse(&text));
        }

        #[test]
        fn every_position_reads_back(ms: u64, seq: u64) {
            let position = Position::new(ms, seq);
            proptest::prop_assert_eq!(position.to_string().parse::<Position>().unwrap(), position);
        }
    }

    #[test]
    fn start_parses_the_binding_strings() {
        assert_eq!(Start::parse("start").unwrap(), Start::Beginning);
        assert_eq!(Start::parse("live").unwrap(), Start::Live);
        assert_eq!(
            Start::parse("5-1").unwrap(),
            Start::After(Position::new(5, 1))
        );
        assert!(Start::parse("yesterday").is_err());
        assert!(matches!(
            Start::parse("5-1:user.login:0123abcd").unwrap(),
            Start::Cursor(cursor) if cursor.position() == Position::new(5, 1)
        ));
    }
}
