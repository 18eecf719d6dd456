//! The connect options, defined once for every language: their names, kinds, defaults and
//! meaning ([`CONNECT_OPTIONS`]), and reading them from a host's values. A binding hands over
//! each option as the host spelled it (`connect_timeout` in Python, `connectTimeoutMs` in
//! Node, `connect_timeout_ms` in C) with its value as JSON; the core knows what the name means,
//! converts the value (seconds or milliseconds) and refuses what it does not know, so every
//! binding has the same options, defaults and errors. `docs/options.md` is the table for users.

use crate::config::BusBuilder;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use serde_json::{Map, Value};
use std::time::Duration;

/// How a host language spells options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Style {
    /// snake_case; durations in seconds, as numbers (Python).
    Python,
    /// camelCase; durations in whole milliseconds, named with a `Ms` suffix (Node).
    Node,
    /// snake_case; durations in whole milliseconds, named with an `_ms` suffix (C).
    C,
}

/// What kind of value an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// Text.
    Text,
    /// A file's path.
    Path,
    /// True or false.
    Flag,
    /// A whole number of things (entries, bytes, tries).
    Count,
    /// A length of time (seconds in Python, milliseconds in Node and C).
    Duration,
    /// The retry policy: an object of [`RETRY_OPTIONS`].
    Retry,
}

/// One option of the schema.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct OptionSpec {
    /// The name in snake_case, without a unit.
    pub name: &'static str,
    pub kind: Kind,
    /// The default, as users read it.
    pub default: &'static str,
    /// What it does.
    pub doc: &'static str,
}

const fn spec(
    name: &'static str,
    kind: Kind,
    default: &'static str,
    doc: &'static str,
) -> OptionSpec {
    OptionSpec {
        name,
        kind,
        default,
        doc,
    }
}

/// Every connect option, in the order the docs list them.
pub const CONNECT_OPTIONS: &[OptionSpec] = &[
    spec("namespace", Kind::Text, "none", "Prefixes every key and channel with `<namespace>:`."),
    spec("source", Kind::Text, "`tidings`", "The CloudEvents `source` stamped on emitted events."),
    spec("retry", Kind::Retry, "see the retry table", "How failed emits are retried."),
    spec("max_event_size", Kind::Count, "1048576 (1 MiB)", "The largest JSON envelope accepted, in bytes."),
    spec("connect_timeout", Kind::Duration, "5 s", "How long connecting may take before it fails."),
    spec("response_timeout", Kind::Duration, "5 s", "How long one Redis command may take before it times out."),
    spec("max_stream_len", Kind::Count, "keep everything", "Trims each stream to about this many entries on append (at least 1)."),
    spec("poll_interval", Kind::Duration, "1 s", "How often live subscriptions also read their streams without a notice (0 turns it off)."),
    spec("discover_streams", Kind::Flag, "false", "Also finds streams other writers created, by a keyspace scan per wildcard pattern."),
    spec("dead_letter_path", Kind::Path, "none", "Also keeps dead letters in this JSON-lines file, read back on connect."),
    spec("dead_letter_capacity", Kind::Count, "10000", "How many dead letters are kept in memory before the oldest are dropped."),
    spec("tls_ca_cert", Kind::Path, "the system's roots", "For `rediss://`: trust the CA certificates in this PEM file."),
    spec("tls_client_cert", Kind::Path, "none", "For `rediss://` with mutual TLS: the client's PEM certificate (with `tls_client_key`)."),
    spec("tls_client_key", Kind::Path, "none", "For `rediss://` with mutual TLS: the client's PEM private key (with `tls_client_cert`)."),
    spec("low_latency", Kind::Flag, "false", "Spends a core while emits are awaited one at a time, to save two thread wake-ups per emit."),
];

/// The fields of the `retry` option.
pub const RETRY_OPTIONS: &[OptionSpec] = &[
    spec(
        "attempts",
        Kind::Count,
        "30",
        "Tries in all, the first included (1: no retry).",
    ),
    spec(
        "base_delay",
        Kind::Duration,
        "10 ms",
        "The wait before the first retry; it doubles each retry.",
    ),
    spec(
        "max_delay",
        Kind::Duration,
        "1 s",
        "The longest wait between two tries.",
    ),
    spec(
        "budget",
        Kind::Duration,
        "10 s",
        "How long an emit may keep retrying from its first try (0: no limit but `attempts`).",
    ),
];

/// An option's name as `style` spells it.
pub fn host_name(spec: &OptionSpec, style: Style) -> String {
    let duration = spec.kind == Kind::Duration;
    match style {
        Style::Python => spec.name.to_owned(),
        Style::C if duration => format!("{}_ms", spec.name),
        Style::C => spec.name.to_owned(),
        Style::Node => {
            let mut name = String::with_capacity(spec.name.len() + 2);
            let mut upper = false;
            for c in spec.name.chars() {
                match c {
                    '_' => upper = true,
                    c if upper => {
                        name.push(c.to_ascii_uppercase());
                        upper = false;
                    }
                    c => name.push(c),
                }
            }
            if duration {
                name.push_str("Ms");
            }
            name
        }
    }
}

/// The connect options being read from a host, applied to a [`BusBuilder`] as they come.
#[derive(Debug, Clone)]
#[must_use]
pub struct ConnectOptions {
    style: Style,
    builder: BusBuilder,
}

impl ConnectOptions {
    /// No options yet: the defaults.
    pub fn new(style: Style) -> ConnectOptions {
        ConnectOptions {
            style,
            builder: BusBuilder::new(""),
        }
    }

    /// Sets the option the host calls `name` to `value` (JSON: text, a number, a boolean, or
    /// for `retry` an object of its fields; left-out retry fields keep their values). A name
    /// the schema does not have, or a value of the wrong kind, is a config error naming it.
    pub fn set(&mut self, name: &str, value: Value) -> Result<()> {
        let spec = find(CONNECT_OPTIONS, name, self.style, "connect options")?;
        let what = format!("connect option `{name}`");
        let builder = self.builder.clone();
        let retry = builder.retry_policy();
        self.builder = match spec.name {
            "namespace" => builder.namespace(text(&value, &what)?),
            "source" => builder.source(text(&value, &what)?),
            "retry" => builder.retry(self.retry(retry, value)?),
            "max_event_size" => builder.max_event_size(count(&value, &what)? as usize),
            "connect_timeout" => builder.connect_timeout(self.duration(&value, &what)?),
            "response_timeout" => builder.response_timeout(self.duration(&value, &what)?),
            "max_stream_len" => builder.max_stream_len(count(&value, &what)?),
            "poll_interval" => {
                let interval = self.duration(&value, &what)?;
                builder.poll_interval((!interval.is_zero()).then_some(interval))
            }
            "discover_streams" => builder.discover_streams(flag(&value, &what)?),
            "dead_letter_path" => builder.dead_letter_path(text(&value, &what)?),
            "dead_letter_capacity" => builder.dead_letter_capacity(count(&value, &what)? as usize),
            "tls_ca_cert" => builder.tls_ca_cert(text(&value, &what)?),
            "tls_client_cert" => builder.tls_client_cert(text(&value, &what)?),
            "tls_client_key" => builder.tls_client_key(text(&value, &what)?),
            "low_latency" => builder.low_latency(flag(&value, &what)?),
            other => unreachable!("option {other} is in the schema but not applied"),
        };
        Ok(())
    }

    /// `retry`'s fields applied to `policy`.
    fn retry(&self, mut policy: RetryPolicy, value: Value) -> Result<RetryPolicy> {
        let Value::Object(fields) = value else {
            return Err(Error::config(format!(
                "connect option `retry` must be an object of {}",
                names(RETRY_OPTIONS, self.style)
            )));
        };
        for (name, value) in fields {
            let spec = find(RETRY_OPTIONS, &name, self.style, "retry")?;
            let what = format!("retry option `{name}`");
            match spec.name {
                "attempts" => {
                    policy.attempts = u32::try_from(count(&value, &what)?)
                        .map_err(|_| Error::config(format!("{what} is too large")))?
                }
                "base_delay" => policy.base = self.duration(&value, &what)?,
                "max_delay" => policy.cap = self.duration(&value, &what)?,
                "budget" => {
                    let budget = self.duration(&value, &what)?;
                    policy.budget = (!budget.is_zero()).then_some(budget);
                }
                other => unreachable!("retry option {other} is in the schema but not applied"),
            }
        }
        Ok(policy)
    }

    /// A retry policy read on its own (Python's `RetryPolicy(…)`), from the defaults.
    pub fn retry_policy(style: Style, fields: Map<String, Value>) -> Result<RetryPolicy> {
        let options = ConnectOptions::new(style);
        let policy = options.retry(RetryPolicy::default(), Value::Object(fields))?;
        policy.validate()?;
        Ok(policy)
    }

    fn duration(&self, value: &Value, what: &str) -> Result<Duration> {
        match self.style {
            Style::Python => value
                .as_f64()
                .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
                .ok_or_else(|| {
                    Error::config(format!(
                        "{what} must be a number of seconds >= 0, not {value}"
                    ))
                }),
            Style::Node | Style::C => Ok(Duration::from_millis(count(value, what)?)),
        }
    }

    /// A builder for `url` with every option set (checked when it builds).
    pub fn into_builder(self, url: &str) -> BusBuilder {
        self.builder.url(url)
    }
}

fn find(
    schema: &'static [OptionSpec],
    name: &str,
    style: Style,
    what: &str,
) -> Result<&'static OptionSpec> {
    schema
        .iter()
        .find(|spec| host_name(spec, style) == name)
        .ok_or_else(|| {
            Error::config(format!(
                "{what} have no option {name:?}; the options are {}",
                names(schema, style)
            ))
        })
}

fn names(schema: &[OptionSpec], style: Style) -> String {
    schema
        .iter()
        .map(|spec| host_name(spec, style))
        .collect::<Vec<_>>()
        .join(", ")
}

fn text(value: &Value, what: &str) -> Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::config(format!("{what} must be text, not {value}")))
}

fn flag(value: &Value, what: &str) -> Result<bool> {
    value
        .as_bool()
        .ok_or_else(|| Error::config(format!("{what} must be true or false, not {value}")))
}

/// A whole number >= 0 (a float with no fraction counts: JavaScript has no integers).
fn count(value: &Value, what: &str) -> Result<u64> {
    let whole = value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= 9_007_199_254_740_991.0)
            .map(|n| n as u64)
    });
    whole.ok_or_else(|| Error::config(format!("{what} must be a whole number >= 0, not {value}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use serde_json::json;

    #[test]
    fn names_follow_each_style() {
        let timeout = CONNECT_OPTIONS
            .iter()
            .find(|s| s.name == "connect_timeout")
            .unwrap();
        assert_eq!(host_name(timeout, Style::Python), "connect_timeout");
        assert_eq!(host_name(timeout, Style::Node), "connectTimeoutMs");
        assert_eq!(host_name(timeout, Style::C), "connect_timeout_ms");
        let ca = CONNECT_OPTIONS
            .iter()
            .find(|s| s.name == "tls_ca_cert")
            .unwrap();
        assert_eq!(host_name(ca, Style::Node), "tlsCaCert");
    }

    /// A valid value of each kind, as `style` writes it.
    fn sample(kind: Kind, style: Style) -> Value {
        match kind {
            Kind::Text | Kind::Path => json!("shop"),
            Kind::Flag => json!(true),
            Kind::Count => json!(7),
            Kind::Duration if style == Style::Python => json!(0.25),
            Kind::Duration => json!(250),
            Kind::Retry => json!({}),
        }
    }

    #[test]
    fn every_option_is_accepted_and_a_bad_value_refused_in_every_style() {
        for style in [Style::Python, Style::Node, Style::C] {
            for spec in CONNECT_OPTIONS {
                let name = host_name(spec, style);
                let mut options = ConnectOptions::new(style);
                options.set(&name, sample(spec.kind, style)).unwrap();
                let bad = if spec.kind == Kind::Flag {
                    json!(1)
                } else {
                    json!([])
                };
                let err = options.set(&name, bad).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Config, "{name}");
                assert!(err.message().contains(&name), "{err}");
            }
            let err = ConnectOptions::new(style)
                .set("no_such_option", json!(1))
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
        }
    }

    #[test]
    fn values_reach_the_builder_in_each_unit() {
        let mut python = ConnectOptions::new(Style::Python);
        python.set("connect_timeout", json!(1.5)).unwrap();
        python
            .set(
                "retry",
                json!({"attempts": 3, "budget": 0, "max_delay": 0.5}),
            )
            .unwrap();
        python.set("poll_interval", json!(0)).unwrap();
        let config = python.into_builder("memory://").into_config().unwrap();
        assert_eq!(config.connect_timeout, Duration::from_millis(1500));
        assert_eq!(config.retry.attempts, 3);
        assert_eq!(config.retry.cap, Duration::from_millis(500));
        assert_eq!(config.retry.budget, None, "0: no budget");
        assert_eq!(config.poll_interval, None, "0: no polling");
        let mut node = ConnectOptions::new(Style::Node);
        node.set("connectTimeoutMs", json!(1500)).unwrap();
        node.set("retry", json!({"baseDelayMs": 20})).unwrap();
        let config = node.into_builder("memory://").into_config().unwrap();
        assert_eq!(config.connect_timeout, Duration::from_millis(1500));
        assert_eq!(config.retry.base, Duration::from_millis(20));
        assert_eq!(config.retry.attempts, RetryPolicy::default().attempts);
        let err = ConnectOptions::new(Style::Node)
            .set("connectTimeoutMs", json!(1.5))
            .unwrap_err();
        assert!(err.message().contains("whole number"), "{err}");
    }

    #[test]
    fn the_docs_table_lists_every_option() {
        let docs = include_str!("../../docs/options.md");
        let retry_fields = RETRY_OPTIONS.iter().map(|spec| (spec, "retry_"));
        let options = CONNECT_OPTIONS.iter().map(|spec| (spec, ""));
        for (spec, c_prefix) in options.chain(retry_fields) {
            for style in [Style::Python, Style::Node, Style::C] {
                let prefix = if style == Style::C { c_prefix } else { "" };
                let name = format!("`{prefix}{}`", host_name(spec, style));
                assert!(docs.contains(&name), "docs/options.md lacks {name}");
            }
        }
    }
}
