//! The one error type of tidings: a stable kind (with a numeric code and a name shared by every
//! binding) plus a message. Callers branch on `kind()` or the `is_*` questions, never on text.

use std::fmt;

/// What went wrong, in terms every binding maps one-to-one (Python exception classes, Node `code`
/// strings, C `tidings_result` values). The numbers are part of the ABI: never reuse or renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u32)]
pub enum ErrorKind {
    /// An event type that breaks the grammar (`user login`, `a:b`, `user.*`, empty, > 255 bytes).
    InvalidType = 1,
    /// A subscription or history pattern that breaks the grammar.
    InvalidPattern = 2,
    /// Data that is not JSON, or an event larger than the configured limit.
    InvalidData = 3,
    /// The backend could not be reached, or the connection dropped.
    Connection = 4,
    /// The backend did not answer in time.
    Timeout = 5,
    /// The bus (or subscription) was closed.
    Closed = 6,
    /// Redis answered with an error.
    Backend = 7,
    /// A bad URL or option.
    Config = 8,
    /// A bug in tidings.
    Internal = 9,
    /// Events a resume was owed were trimmed from their stream (`max_stream_len`, `XTRIM`)
    /// before it read them: delivery goes on from the oldest event kept.
    Trimmed = 10,
}

impl ErrorKind {
    /// Every kind, in code order (bindings use this to build their tables).
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::InvalidType,
        ErrorKind::InvalidPattern,
        ErrorKind::InvalidData,
        ErrorKind::Connection,
        ErrorKind::Timeout,
        ErrorKind::Closed,
        ErrorKind::Backend,
        ErrorKind::Config,
        ErrorKind::Internal,
        ErrorKind::Trimmed,
    ];

    /// The stable numeric code (also the C `tidings_result` value).
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The stable name used by Node (`err.code`) and in messages: `TIDINGS_INVALID_TYPE`, ….
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidType => "TIDINGS_INVALID_TYPE",
            ErrorKind::InvalidPattern => "TIDINGS_INVALID_PATTERN",
            ErrorKind::InvalidData => "TIDINGS_INVALID_DATA",
            ErrorKind::Connection => "TIDINGS_CONNECTION",
            ErrorKind::Timeout => "TIDINGS_TIMEOUT",
            ErrorKind::Closed => "TIDINGS_CLOSED",
            ErrorKind::Backend => "TIDINGS_BACKEND",
            ErrorKind::Config => "TIDINGS_CONFIG",
            ErrorKind::Internal => "TIDINGS_INTERNAL",
            ErrorKind::Trimmed => "TIDINGS_TRIMMED",
        }
    }

    /// The kind with this code, if any.
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error of every fallible tidings call.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// Redis errors such as `LOADING` or `TRYAGAIN` are `Backend` errors that a retry can cure.
    transient_backend: bool,
}

/// Shorthand for results of tidings calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with a human-readable `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            transient_backend: false,
        }
    }

    pub(crate) fn invalid_type(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidType, message)
    }
    pub(crate) fn invalid_pattern(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidPattern, message)
    }
    pub(crate) fn invalid_data(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidData, message)
    }
    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Config, message)
    }
    pub(crate) fn closed() -> Error {
        Error::new(ErrorKind::Closed, "the bus is closed")
    }
    pub(crate) fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The stable numeric code of the kind.
    pub fn code(&self) -> u32 {
        self.kind.code()
    }
    /// The message, without the kind's name.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// True when trying again later may succeed: connection loss, timeouts, and Redis errors
    /// such as `LOADING`, `BUSY`, `TRYAGAIN`, `MASTERDOWN`.
    pub fn is_transient(&self) -> bool {
        matches!(self.kind, ErrorKind::Connection | ErrorKind::Timeout) || self.transient_backend
    }
    /// True for timeouts.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }
    /// True when the connection to the backend failed or dropped.
    pub fn is_connection(&self) -> bool {
        self.kind == ErrorKind::Connection
    }
    /// True when the caller's input was rejected (type, pattern, data, config).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::InvalidType
                | ErrorKind::InvalidPattern
                | ErrorKind::InvalidData
                | ErrorKind::Config
        )
    }
    /// True when the bus or subscription was closed.
    pub fn is_closed(&self) -> bool {
        self.kind == ErrorKind::Closed
    }
}

impl From<redis::RedisError> for Error {
    fn from(err: redis::RedisError) -> Error {
        use redis::ErrorKind as RedisKind;
        let message = err.to_string();
        if err.is_timeout() {
            return Error::new(ErrorKind::Timeout, message);
        }
        if err.is_io_error() || err.is_connection_dropped() || err.is_connection_refusal() {
            return Error::new(ErrorKind::Connection, message);
        }
        match err.kind() {
            RedisKind::InvalidClientConfig => Error::config(message),
            RedisKind::AuthenticationFailed => Error::new(ErrorKind::Connection, message),
            _ => {
                let transient = matches!(
                    err.code(),
                    Some(
                        "LOADING" | "BUSY" | "TRYAGAIN" | "MASTERDOWN" | "CLUSTERDOWN" | "READONLY"
                    )
                );
                Error {
                    kind: ErrorKind::Backend,
                    message,
                    transient_backend: transient,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_unique() {
        let codes: Vec<u32> = ErrorKind::ALL.iter().map(|kind| kind.code()).collect();
        assert_eq!(codes, (1..=10).collect::<Vec<_>>());
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
            assert!(kind.name().starts_with("TIDINGS_"));
        }
        assert_eq!(ErrorKind::from_code(0), None);
    }

    #[test]
    fn transient_only_for_connection_timeout_and_retryable_backend() {
        assert!(Error::new(ErrorKind::Connection, "x").is_transient());
        assert!(Error::new(ErrorKind::Timeout, "x").is_transient());
        assert!(!Error::invalid_type("x").is_transient());
        assert!(!Error::new(ErrorKind::Backend, "x").is_transient());
        assert!(Error::invalid_type("x").is_invalid_input());
    }
}
