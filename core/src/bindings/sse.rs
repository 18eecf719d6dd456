//! Server-Sent Events framing, shared by every binding's SSE helper: the event's position is
//! the SSE `id` (so a browser's `Last-Event-ID` resumes exactly), its type the SSE `event`, and
//! the data one line of JSON (the envelope plus its position).

use crate::envelope::Event;

/// How long a browser should wait before reconnecting, sent once at the start of a stream.
pub const SSE_RETRY_MS: u64 = 2000;

/// One event as an SSE frame.
pub fn sse_frame(event: &Event) -> String {
    let mut frame = String::with_capacity(128);
    if let Some(position) = event.position {
        frame.push_str("id: ");
        frame.push_str(&position.to_string());
        frame.push('\n');
    }
    frame.push_str("event: ");
    frame.push_str(&event.event_type);
    frame.push_str("\ndata: ");
    frame.push_str(&event.to_json_with_position());
    frame.push_str("\n\n");
    frame
}

/// The opening of a stream: the reconnect delay, and a comment that flushes proxies.
pub fn sse_prelude() -> String {
    format!("retry: {SSE_RETRY_MS}\n: connected\n\n")
}

/// A heartbeat comment that keeps idle connections open.
pub fn sse_heartbeat() -> &'static str {
    ": heartbeat\n\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::position::Position;

    #[test]
    fn frames_carry_position_type_and_one_data_line() {
        let json = r#"{"specversion":"1.0","id":"x","type":"user.login","source":"s","time":"2024-08-17T10:30:00.000Z","data":{"note":"two\nlines"}}"#;
        let event = Event::from_json(json, Some(Position::new(7, 1))).unwrap();
        let frame = sse_frame(&event);
        assert!(frame.starts_with("id: 7-1\nevent: user.login\ndata: {"));
        assert!(frame.ends_with("}\n\n"));
        assert_eq!(
            frame.matches('\n').count(),
            4,
            "a newline in data stays escaped"
        );
        assert!(frame.contains(r#""position":"7-1""#));
    }
}
