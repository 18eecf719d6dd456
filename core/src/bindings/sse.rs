//! Server-Sent Events, shared by every binding's SSE helper: the framing (the event's cursor as
//! the SSE `id`, so a browser's `Last-Event-ID` resumes exactly; its type as the SSE `event`
//! unless frames are unnamed; the data one line of JSON: the envelope plus its position), the
//! response headers, the heartbeat, and where a reconnecting browser resumes from.

use crate::envelope::Event;
use crate::error::{Error, Result};
use crate::position::Start;

/// How long a browser should wait before reconnecting, sent once at the start of a stream.
pub const SSE_RETRY_MS: u64 = 2000;

/// How often an idle stream gets a heartbeat comment, unless the helper is told otherwise:
/// under the idle timeouts of common proxies and load balancers (30 to 60 s).
pub const SSE_HEARTBEAT_MS: u64 = 15_000;

/// The response headers of an event stream. No `Connection` header: HTTP/2 forbids it.
pub const SSE_HEADERS: [(&str, &str); 3] = [
    ("Content-Type", "text/event-stream; charset=utf-8"),
    ("Cache-Control", "no-cache, no-transform"),
    // Tells nginx not to buffer the stream.
    ("X-Accel-Buffering", "no"),
];

/// The SSE event name of the frame that tells a page that events it was owed were trimmed
/// away; not a valid event type, so it cannot collide with one.
pub const SSE_TRIMMED_EVENT: &str = "tidings:trimmed";

/// One event as an SSE frame: named by its type (`addEventListener(type, …)`), or unnamed so
/// that `EventSource.onmessage` fires for it.
pub fn sse_frame(event: &Event, named: bool) -> String {
    let mut frame = String::with_capacity(128);
    if let Some(cursor) = event.cursor() {
        frame.push_str("id: ");
        frame.push_str(&cursor.to_string());
        frame.push('\n');
    } else if let Some(position) = event.position {
        frame.push_str("id: ");
        frame.push_str(&position.to_string());
        frame.push('\n');
    }
    if named {
        frame.push_str("event: ");
        frame.push_str(&event.event_type);
        frame.push('\n');
    }
    frame.push_str("data: ");
    frame.push_str(&event.to_json_with_position());
    frame.push_str("\n\n");
    frame
}

/// The frame for a `Trimmed` error: named `tidings:trimmed`, or unnamed with that `type` in its
/// data, so a page sees it either way. It has no `id`, so a reconnect resumes from the last
/// event it did get.
pub fn sse_trimmed_frame(error: &Error, named: bool) -> String {
    let data = serde_json::json!({"type": SSE_TRIMMED_EVENT, "message": error.message()});
    let event = if named {
        format!("event: {SSE_TRIMMED_EVENT}\n")
    } else {
        String::new()
    };
    format!("{event}data: {data}\n\n")
}

/// The opening of a stream: the reconnect delay, and a comment that flushes proxies.
pub fn sse_prelude() -> String {
    format!("retry: {SSE_RETRY_MS}\n: connected\n\n")
}

/// A heartbeat comment that keeps idle connections open.
pub fn sse_heartbeat() -> &'static str {
    ": heartbeat\n\n"
}

/// Where a stream starts for a request with these values of the `Last-Event-ID` header and the
/// `last_event_id` query parameter (a page cannot set headers on its first connect): the header
/// wins when both are there; an empty value counts as absent. `None` means the helper's own
/// default. A token that is not a position or a cursor is a `Config` error: answer 400.
pub fn sse_start(header: Option<&str>, query: Option<&str>) -> Result<Option<Start>> {
    sse_resume_token(header, query)
        .map(Start::parse)
        .transpose()
}

/// The token [`sse_start`] resumes from, as text (for bindings that pass `from` as a string).
pub fn sse_resume_token<'a>(header: Option<&'a str>, query: Option<&'a str>) -> Option<&'a str> {
    [header, query]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::CursorForm;
    use crate::envelope::DeliveredUnder;
    use crate::position::Position;

    fn event() -> Event {
        let json = r#"{"specversion":"1.0","id":"x","type":"user.login","source":"s","time":"2024-08-17T10:30:00.000Z","data":{"note":"two\nlines"}}"#;
        Event::from_json(json, Some(Position::new(7, 1))).unwrap()
    }

    #[test]
    fn frames_carry_cursor_type_and_one_data_line() {
        let mut event = event();
        let frame = sse_frame(&event, true);
        assert!(frame.starts_with("id: 7-1\nevent: user.login\ndata: {"));
        assert!(frame.ends_with("}\n\n"));
        assert_eq!(
            frame.matches('\n').count(),
            4,
            "a newline in data stays escaped"
        );
        assert!(frame.contains(r#""position":"7-1""#));
        event.delivered_under = DeliveredUnder(Some(CursorForm::Typed(0xabcdef01)));
        let unnamed = sse_frame(&event, false);
        assert!(
            unnamed.starts_with("id: 7-1:user.login:abcdef01\ndata: {"),
            "{unnamed}"
        );
        assert!(!unnamed.contains("event:"));
    }

    #[test]
    fn a_trim_is_a_frame_a_page_sees() {
        let err = Error::new(crate::ErrorKind::Trimmed, "gone");
        let named = sse_trimmed_frame(&err, true);
        assert!(
            named.starts_with("event: tidings:trimmed\ndata: {"),
            "{named}"
        );
        let unnamed = sse_trimmed_frame(&err, false);
        assert!(unnamed.starts_with("data: {") && unnamed.contains(r#""type":"tidings:trimmed""#));
    }

    #[test]
    fn the_header_wins_over_the_query_parameter() {
        let start = |h, q| sse_start(h, q).unwrap();
        assert_eq!(
            start(Some("5-1"), Some("6-0")),
            Some(Start::After(Position::new(5, 1)))
        );
        assert_eq!(
            start(None, Some("6-0")),
            Some(Start::After(Position::new(6, 0)))
        );
        assert_eq!(
            start(Some(""), Some("6-0")),
            Some(Start::After(Position::new(6, 0)))
        );
        assert_eq!(start(None, None), None);
        assert_eq!(
            sse_start(Some("garbage"), None).unwrap_err().kind(),
            crate::ErrorKind::Config
        );
    }
}
