//! `tidings_connect_options`: the options of `tidings_connect`, an opaque builder with one setter
//! per option of the core's schema (`tidings::bindings::CONNECT_OPTIONS` and `RETRY_OPTIONS`).
//! Each setter hands its value to the core as JSON under the option's C name; the core checks
//! it, then (at `tidings_connect`) checks the options together. A new option is a new setter, so
//! the ABI only grows; a unit test fails when the header lacks a setter the schema has.

use crate::args::{hand_out, out, take, text};
use crate::error::{boundary, boundary_void, tidings_result, CResult};
use std::ffi::c_char;
use tidings_core::bindings::{ConnectOptions, Style};
use tidings_core::serde_json::{json, Value};
use tidings_core::{BusBuilder, ErrorKind};

/// The options of `tidings_connect` (opaque), made by `tidings_connect_options_new` with every
/// option at its default and changed by one `tidings_connect_options_set_<option>` per option
/// (`docs/options.md` lists them with their defaults). A setter refuses a value of the wrong
/// kind at once; values that only make sense together (a retry base above its cap, a client
/// certificate without its key) are checked by `tidings_connect`. Set it from one thread at a
/// time; once set, any number of threads may connect with it at once.
pub struct tidings_connect_options {
    options: ConnectOptions,
}

impl tidings_connect_options {
    /// A bus builder for `url` with these options.
    pub(crate) fn builder(&self, url: &str) -> BusBuilder {
        self.options.clone().into_builder(url)
    }
}

/// Makes connect options with every option at its default.
///
/// Ownership: the caller owns `*out` and frees it with `tidings_connect_options_free` (at any
/// time: a bus keeps its own copy of the options it was made with).
#[no_mangle]
pub extern "C" fn tidings_connect_options_new(
    out: *mut *mut tidings_connect_options,
) -> tidings_result {
    hand_out(
        out,
        tidings_connect_options {
            options: ConnectOptions::new(Style::C),
        },
    )
}

/// Frees connect options. NULL is ignored; using them afterwards, or freeing them twice, is
/// undefined behaviour.
#[no_mangle]
pub extern "C" fn tidings_connect_options_free(options: *mut tidings_connect_options) {
    boundary_void(|| drop(take(options)));
}

/// Sets the option the core's C style calls `name` to `value`; the options are unchanged when
/// it fails.
fn set(
    options: *mut tidings_connect_options,
    name: &str,
    value: impl FnOnce() -> CResult<Value>,
) -> tidings_result {
    boundary(|| {
        let options = out(options, "options")?;
        options.options.set(name, value()?)?;
        Ok(())
    })
}

/// A text option: NUL-terminated UTF-8 (else `TIDINGS_RESULT_CONFIG`), never NULL.
fn set_text(
    options: *mut tidings_connect_options,
    name: &str,
    value: *const c_char,
) -> tidings_result {
    set(options, name, || {
        Ok(Value::from(text(value, name, ErrorKind::Config)?))
    })
}

/// One field of the retry policy; the other fields keep their values.
fn set_retry(options: *mut tidings_connect_options, field: &str, value: Value) -> tidings_result {
    set(options, "retry", || Ok(json!({ field: value })))
}

/// Prefixes every key and channel with `<namespace>:` (default: none). A namespace that breaks
/// the grammar is refused by `tidings_connect` (`TIDINGS_RESULT_CONFIG`).
///
/// Ownership: the text is copied; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_namespace(
    options: *mut tidings_connect_options,
    namespace: *const c_char,
) -> tidings_result {
    set_text(options, "namespace", namespace)
}

/// The CloudEvents `source` stamped on emitted events (default `tidings`); an empty one is
/// refused by `tidings_connect`.
///
/// Ownership: the text is copied; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_source(
    options: *mut tidings_connect_options,
    source: *const c_char,
) -> tidings_result {
    set_text(options, "source", source)
}

/// Tries in all of a failed emit, the first included (default 30; 1: no retry); 0 is refused
/// by `tidings_connect`.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_retry_attempts(
    options: *mut tidings_connect_options,
    attempts: u32,
) -> tidings_result {
    set_retry(options, "attempts", attempts.into())
}

/// The wait before an emit's first retry, doubling each retry (default 10 ms); above the
/// retry's max delay it is refused by `tidings_connect`.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_retry_base_delay_ms(
    options: *mut tidings_connect_options,
    base_delay_ms: u64,
) -> tidings_result {
    set_retry(options, "base_delay_ms", base_delay_ms.into())
}

/// The longest wait between two tries of an emit (default 1000 ms); below the base delay it is
/// refused by `tidings_connect`.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_retry_max_delay_ms(
    options: *mut tidings_connect_options,
    max_delay_ms: u64,
) -> tidings_result {
    set_retry(options, "max_delay_ms", max_delay_ms.into())
}

/// How long an emit may keep retrying from its first try (default 10000 ms; 0: no limit but
/// the attempts).
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_retry_budget_ms(
    options: *mut tidings_connect_options,
    budget_ms: u64,
) -> tidings_result {
    set_retry(options, "budget_ms", budget_ms.into())
}

/// The largest JSON envelope accepted, in bytes (default 1048576); 0 is refused by
/// `tidings_connect`.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_max_event_size(
    options: *mut tidings_connect_options,
    max_event_size: usize,
) -> tidings_result {
    set(options, "max_event_size", || Ok(max_event_size.into()))
}

/// How long connecting may take before it fails (default 5000 ms); 0 is refused by
/// `tidings_connect`.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_connect_timeout_ms(
    options: *mut tidings_connect_options,
    connect_timeout_ms: u64,
) -> tidings_result {
    set(options, "connect_timeout_ms", || {
        Ok(connect_timeout_ms.into())
    })
}

/// How long one Redis command may take before it times out (default 5000 ms); 0 is refused by
/// `tidings_connect`.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_response_timeout_ms(
    options: *mut tidings_connect_options,
    response_timeout_ms: u64,
) -> tidings_result {
    set(options, "response_timeout_ms", || {
        Ok(response_timeout_ms.into())
    })
}

/// Trims each stream to about this many entries on append (default: keep everything); 0 is
/// refused by `tidings_connect`.
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_max_stream_len(
    options: *mut tidings_connect_options,
    max_stream_len: u64,
) -> tidings_result {
    set(options, "max_stream_len", || Ok(max_stream_len.into()))
}

/// How often live subscriptions also read their streams without a notice, for writers that
/// never `PUBLISH` (default 1000 ms; 0 turns it off).
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_poll_interval_ms(
    options: *mut tidings_connect_options,
    poll_interval_ms: u64,
) -> tidings_result {
    set(options, "poll_interval_ms", || Ok(poll_interval_ms.into()))
}

/// Also finds streams other writers created, by a keyspace scan per wildcard pattern (default
/// false).
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_discover_streams(
    options: *mut tidings_connect_options,
    discover_streams: bool,
) -> tidings_result {
    set(options, "discover_streams", || Ok(discover_streams.into()))
}

/// Also keeps dead letters in this JSON-lines file, read back on connect (default: none). A
/// path that cannot be read (a directory, a file that is not dead letters) is refused by
/// `tidings_connect`.
///
/// Ownership: the text is copied; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_dead_letter_path(
    options: *mut tidings_connect_options,
    dead_letter_path: *const c_char,
) -> tidings_result {
    set_text(options, "dead_letter_path", dead_letter_path)
}

/// How many dead letters are kept in memory before the oldest are dropped (default 10000; 0
/// keeps one).
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_dead_letter_capacity(
    options: *mut tidings_connect_options,
    dead_letter_capacity: usize,
) -> tidings_result {
    set(options, "dead_letter_capacity", || {
        Ok(dead_letter_capacity.into())
    })
}

/// For `rediss://`: trust the CA certificates in this PEM file (default: the system's roots). A
/// file that cannot be read is refused by `tidings_connect` to a `rediss://` URL.
///
/// Ownership: the text is copied; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_tls_ca_cert(
    options: *mut tidings_connect_options,
    tls_ca_cert: *const c_char,
) -> tidings_result {
    set_text(options, "tls_ca_cert", tls_ca_cert)
}

/// For `rediss://` with mutual TLS: the client's PEM certificate (default: none). Without
/// `tls_client_key` it is refused by `tidings_connect`.
///
/// Ownership: the text is copied; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_tls_client_cert(
    options: *mut tidings_connect_options,
    tls_client_cert: *const c_char,
) -> tidings_result {
    set_text(options, "tls_client_cert", tls_client_cert)
}

/// For `rediss://` with mutual TLS: the client's PEM private key (default: none). Without
/// `tls_client_cert` it is refused by `tidings_connect`.
///
/// Ownership: the text is copied; nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_tls_client_key(
    options: *mut tidings_connect_options,
    tls_client_key: *const c_char,
) -> tidings_result {
    set_text(options, "tls_client_key", tls_client_key)
}

/// Spends a core while emits are awaited one at a time, to save two thread wake-ups per emit
/// (default false; `docs/options.md` has the trade-off).
///
/// Ownership: nothing to free.
#[no_mangle]
pub extern "C" fn tidings_connect_options_set_low_latency(
    options: *mut tidings_connect_options,
    low_latency: bool,
) -> tidings_result {
    set(options, "low_latency", || Ok(low_latency.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use tidings_core::bindings::{host_name, Kind, CONNECT_OPTIONS, RETRY_OPTIONS};

    const HEADER: &str = include_str!("../include/tidings.h");
    const SETTER: &str = "tidings_connect_options_set_";

    /// The setter names the schema asks for: one per option, the retry policy's fields as
    /// `retry_<field>` (C style: durations end in `_ms`).
    fn schema_setters() -> BTreeSet<String> {
        let options = CONNECT_OPTIONS
            .iter()
            .filter(|spec| spec.kind != Kind::Retry)
            .map(|spec| host_name(spec, Style::C));
        let retry = RETRY_OPTIONS
            .iter()
            .map(|spec| format!("retry_{}", host_name(spec, Style::C)));
        options.chain(retry).collect()
    }

    /// The setters the committed header declares (`tidings_connect_options_set_<name>(`).
    fn header_setters() -> BTreeSet<String> {
        HEADER
            .match_indices(SETTER)
            .filter_map(|(at, _)| {
                let rest = &HEADER[at + SETTER.len()..];
                let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
                let declared = end > 0 && rest[end..].starts_with('(');
                declared.then(|| rest[..end].to_owned())
            })
            .collect()
    }

    #[test]
    fn the_header_has_a_setter_for_every_option_of_the_schema() {
        let header = header_setters();
        for name in schema_setters() {
            assert!(
                header.contains(&name),
                "include/tidings.h lacks {SETTER}{name}: add the setter to \
                 bindings-c/src/connect_options.rs and regenerate the header"
            );
        }
    }

    #[test]
    fn every_setter_in_the_header_is_an_option_of_the_schema() {
        let schema = schema_setters();
        for name in header_setters() {
            assert!(
                schema.contains(&name),
                "{SETTER}{name} is not in the core's schema"
            );
        }
    }

    #[test]
    fn a_refused_value_leaves_the_options_as_they_were() {
        let mut options = std::ptr::null_mut();
        assert_eq!(
            tidings_connect_options_new(&mut options),
            tidings_result::Ok
        );
        assert_eq!(
            tidings_connect_options_set_namespace(options, c"shop".as_ptr()),
            tidings_result::Ok
        );
        assert_eq!(
            tidings_connect_options_set_namespace(options, c"\xff".as_ptr()),
            tidings_result::Config
        );
        assert_eq!(
            tidings_connect_options_set_namespace(options, std::ptr::null()),
            tidings_result::NullArgument
        );
        assert_eq!(
            tidings_connect_options_set_low_latency(std::ptr::null_mut(), true),
            tidings_result::NullArgument
        );
        let builder = unsafe { &*options }.builder("memory://");
        let built = format!("{builder:?}");
        assert!(built.contains("\"shop\""), "{built}");
        tidings_connect_options_free(options);
    }
}
