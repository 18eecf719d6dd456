//! The Redis key and channel names of one namespace: `stream:<type>`, `events:<type>` and the
//! type registry `tidings:types`, each under the optional `<namespace>:` prefix
//! (`docs/wire-format.md`). Shared by the backend's commands and its pub/sub hub.

use std::io::Write;

/// Bytes of a command besides its key and payload (name, other arguments, their lengths).
pub(crate) const COMMAND_OVERHEAD: usize = 64;

/// The key and channel names of one namespace.
#[derive(Debug, Clone)]
pub(crate) struct KeyLayout {
    prefix: String,
}

impl KeyLayout {
    pub(crate) fn new(prefix: &str) -> KeyLayout {
        KeyLayout {
            prefix: prefix.to_owned(),
        }
    }
    pub(crate) fn stream(&self, event_type: &str) -> String {
        format!("{}stream:{event_type}", self.prefix)
    }
    pub(crate) fn channel(&self, event_type: &str) -> String {
        format!("{}events:{event_type}", self.prefix)
    }
    /// `stream` as a command argument, written without a `String` of its own.
    pub(crate) fn stream_arg<'a>(&'a self, event_type: &'a str) -> TypeKey<'a> {
        TypeKey([&self.prefix, "stream:", event_type])
    }
    /// `channel` as a command argument, written without a `String` of its own.
    pub(crate) fn channel_arg<'a>(&'a self, event_type: &'a str) -> TypeKey<'a> {
        TypeKey([&self.prefix, "events:", event_type])
    }
    pub(crate) fn channel_prefix(&self) -> String {
        format!("{}events:", self.prefix)
    }
    pub(crate) fn registry(&self) -> String {
        format!("{}tidings:types", self.prefix)
    }
    pub(crate) fn type_of_stream<'k>(&self, key: &'k str) -> Option<&'k str> {
        key.strip_prefix(&self.prefix)?.strip_prefix("stream:")
    }
}

/// A key of one event type as one command argument, written part by part into the command's
/// buffer, so an emit formats no stream or channel name of its own (a measurable share of a
/// batched emit's client work).
pub(crate) struct TypeKey<'a>([&'a str; 3]);

impl TypeKey<'_> {
    pub(crate) fn len(&self) -> usize {
        self.0.iter().map(|part| part.len()).sum()
    }
}

impl redis::ToRedisArgs for TypeKey<'_> {
    fn write_redis_args<W: ?Sized + redis::RedisWrite>(&self, out: &mut W) {
        let mut arg = out.writer_for_next_arg();
        for part in self.0 {
            arg.write_all(part.as_bytes())
                .expect("a command buffer takes every write");
        }
    }
}
