//! The one place errors are mapped: `tidings_result` (the core's error codes plus the few a C
//! caller can cause that the core cannot), the per-thread message of the last failure, and the
//! panic boundary every exported function runs inside.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;
use tidings_core::{Error, ErrorKind};

/// What a call did. 0 is success; 1 to 9 are the core's error codes (`docs/wire-format.md` §8)
/// and mean the same in every binding; 1000 and up are failures only a C caller can cause.
/// Numbers are never reused or renumbered.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum tidings_result {
    /// Success.
    Ok = 0,
    /// An event type that breaks the grammar (also: a type that is not UTF-8).
    InvalidType = 1,
    /// A pattern that breaks the grammar (also: a pattern that is not UTF-8).
    InvalidPattern = 2,
    /// Data that is not JSON, metadata that is not a JSON object, an event over the size limit,
    /// an empty subject or a bad version, an envelope that cannot be read; text that is not UTF-8.
    InvalidData = 3,
    /// The backend could not be reached, or the connection dropped.
    Connection = 4,
    /// The backend did not answer in time; or `tidings_subscription_next` saw no event in time.
    Timeout = 5,
    /// The bus or the subscription was closed (`tidings_bus_free`).
    Closed = 6,
    /// Redis answered with an error.
    Backend = 7,
    /// A bad URL, option, namespace or position; or a subscription used the wrong way.
    Config = 8,
    /// A bug in tidings (a panic caught at the boundary, or a thread that could not start).
    Internal = 9,
    /// Events a subscription was owed were trimmed from their streams before it read them:
    /// `tidings_subscription_next` returns it in their place, and the next call goes on from
    /// the oldest event kept.
    Trimmed = 10,
    /// A required pointer argument was NULL.
    NullArgument = 1000,
    /// The caller's buffer is too small; the needed size was written to `*needed`.
    BufferTooSmall = 1001,
    /// An index past the end of a list.
    IndexOutOfRange = 1002,
}

impl tidings_result {
    /// The result for a core error kind: the same number.
    fn from_kind(kind: ErrorKind) -> tidings_result {
        match kind {
            ErrorKind::InvalidType => tidings_result::InvalidType,
            ErrorKind::InvalidPattern => tidings_result::InvalidPattern,
            ErrorKind::InvalidData => tidings_result::InvalidData,
            ErrorKind::Connection => tidings_result::Connection,
            ErrorKind::Timeout => tidings_result::Timeout,
            ErrorKind::Closed => tidings_result::Closed,
            ErrorKind::Backend => tidings_result::Backend,
            ErrorKind::Config => tidings_result::Config,
            ErrorKind::Trimmed => tidings_result::Trimmed,
            _ => tidings_result::Internal,
        }
    }

    /// The stable name: the core's (`TIDINGS_INVALID_TYPE`, from `ErrorKind::name`) or the C
    /// binding's own.
    fn name(self) -> &'static CStr {
        match self {
            tidings_result::Ok => c"TIDINGS_OK",
            tidings_result::NullArgument => c"TIDINGS_NULL_ARGUMENT",
            tidings_result::BufferTooSmall => c"TIDINGS_BUFFER_TOO_SMALL",
            tidings_result::IndexOutOfRange => c"TIDINGS_INDEX_OUT_OF_RANGE",
            core => core_name(core as u32),
        }
    }
}

/// The core's name of the error kind with `code`, as C text made once per process.
fn core_name(code: u32) -> &'static CStr {
    static NAMES: OnceLock<Vec<(u32, CString)>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        ErrorKind::ALL
            .iter()
            .map(|kind| {
                (
                    kind.code(),
                    CString::new(kind.name()).expect("names have no NUL"),
                )
            })
            .collect()
    });
    names
        .iter()
        .find(|(known, _)| *known == code)
        .map_or(c"TIDINGS_UNKNOWN", |(_, name)| name.as_c_str())
}

/// Why a call failed: the result to return and the message kept for `tidings_last_error_message`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub result: tidings_result,
    pub message: String,
}

impl Failure {
    pub fn new(result: tidings_result, message: impl Into<String>) -> Failure {
        Failure {
            result,
            message: message.into(),
        }
    }

    pub fn null_argument(name: &str) -> Failure {
        Failure::new(
            tidings_result::NullArgument,
            format!("argument `{name}` is NULL"),
        )
    }

    /// Text that is not UTF-8, reported as the kind the argument would have failed with.
    pub fn not_utf8(name: &str, kind: ErrorKind) -> Failure {
        Failure::new(
            tidings_result::from_kind(kind),
            format!("argument `{name}` is not UTF-8 text"),
        )
    }

    /// The same failure, naming item `index` of the array argument `name` (only failures pay
    /// for formatting the name).
    pub fn at_index(mut self, name: &str, index: usize) -> Failure {
        self.message =
            self.message
                .replacen(&format!("`{name}`"), &format!("`{name}[{index}]`"), 1);
        self
    }

    pub fn internal(message: impl Into<String>) -> Failure {
        Failure::new(tidings_result::Internal, message)
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Failure {
        Failure::new(tidings_result::from_kind(err.kind()), err.message())
    }
}

pub(crate) type CResult<T = ()> = Result<T, Failure>;

thread_local! {
    /// The message of the last failed call on this thread.
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(result: tidings_result, message: &str) {
    let name = result.name().to_str().unwrap_or_default();
    let text = format!("{name}: {message}").replace('\0', "\\0");
    let text = CString::new(text).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = text);
}

/// Runs the body of an exported function: no panic crosses into C, and a failure's message is
/// kept for `tidings_last_error_message` on this thread.
pub(crate) fn boundary(body: impl FnOnce() -> CResult) -> tidings_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => tidings_result::Ok,
        Ok(Err(failure)) => {
            set_last_error(failure.result, &failure.message);
            failure.result
        }
        Err(panic) => {
            set_last_error(
                tidings_result::Internal,
                &format!("a bug in tidings: {}", panic_message(&*panic)),
            );
            tidings_result::Internal
        }
    }
}

/// The message a panic was raised with.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// The same for functions that return nothing (the `_free` functions): a panic is swallowed.
pub(crate) fn boundary_void(body: impl FnOnce()) {
    let _ = boundary(|| {
        body();
        Ok(())
    });
}

/// The message of the last call on this thread that failed, such as
/// `TIDINGS_INVALID_TYPE: event type "user login" contains ' '; …`; "" before any failure.
/// Successful calls leave it as it was.
///
/// Ownership: borrowed from the library; valid on this thread until the next failing call on this
/// thread. Copy it to keep it. Never NULL.
#[no_mangle]
pub extern "C" fn tidings_last_error_message() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}

/// The stable name of a result: `TIDINGS_OK`, `TIDINGS_INVALID_TYPE`, …, `TIDINGS_NULL_ARGUMENT`;
/// `TIDINGS_UNKNOWN` for a number that is no result.
///
/// Ownership: a static string; never free it. Never NULL.
#[no_mangle]
pub extern "C" fn tidings_result_name(result: u32) -> *const c_char {
    let known = [
        tidings_result::Ok,
        tidings_result::InvalidType,
        tidings_result::InvalidPattern,
        tidings_result::InvalidData,
        tidings_result::Connection,
        tidings_result::Timeout,
        tidings_result::Closed,
        tidings_result::Backend,
        tidings_result::Config,
        tidings_result::Internal,
        tidings_result::Trimmed,
        tidings_result::NullArgument,
        tidings_result::BufferTooSmall,
        tidings_result::IndexOutOfRange,
    ];
    known
        .into_iter()
        .find(|r| *r as u32 == result)
        .map_or(c"TIDINGS_UNKNOWN".as_ptr(), |r| r.name().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn results_equal_the_core_codes_and_names() {
        for kind in ErrorKind::ALL {
            let result = tidings_result::from_kind(kind);
            assert_eq!(result as u32, kind.code(), "{kind}");
            let name = unsafe { CStr::from_ptr(tidings_result_name(kind.code())) };
            assert_eq!(name.to_str().unwrap(), kind.name());
        }
    }

    #[test]
    fn the_c_only_results_never_collide_with_core_codes() {
        for result in [
            tidings_result::NullArgument,
            tidings_result::BufferTooSmall,
            tidings_result::IndexOutOfRange,
        ] {
            assert!(ErrorKind::from_code(result as u32).is_none());
            assert!(result as u32 >= 1000);
        }
    }

    #[test]
    fn a_panic_becomes_internal_with_a_message() {
        let result = boundary(|| panic!("boom"));
        assert_eq!(result, tidings_result::Internal);
        let message = unsafe { CStr::from_ptr(tidings_last_error_message()) };
        assert!(message.to_str().unwrap().contains("boom"));
    }
}
