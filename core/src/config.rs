//! Options of a bus: the backend URL, namespace, source, retry policy, limits and timeouts,
//! gathered by [`BusBuilder`] and checked once, before anything connects.

use crate::error::{Error, Result};
use crate::grammar::validate_namespace;
use crate::retry::RetryPolicy;
use std::path::PathBuf;
use std::time::Duration;

/// The default limit on the size of one event's JSON envelope: 1 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 1024 * 1024;

/// Which backend a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BackendUrl {
    /// `memory://` (a private store, `name` empty) or `memory://<name>` (shared in-process).
    Memory { name: String },
    /// `redis://…` or `rediss://…`, passed to redis-rs as written.
    Redis { url: String },
}

impl BackendUrl {
    pub(crate) fn parse(url: &str) -> Result<BackendUrl> {
        let url = url.trim();
        if url.is_empty() {
            return Ok(BackendUrl::Memory {
                name: String::new(),
            });
        }
        if let Some(name) = url.strip_prefix("memory://") {
            let name = name.trim_end_matches('/');
            if name.contains(['/', '?', '#', ':', '@']) {
                return Err(Error::config(format!(
                    "bad memory URL {url:?}: expected memory:// or memory://<name>"
                )));
            }
            return Ok(BackendUrl::Memory {
                name: name.to_owned(),
            });
        }
        if url.starts_with("redis://") || url.starts_with("rediss://") {
            redis::Client::open(url)
                .map_err(|err| Error::config(format!("bad Redis URL: {err}")))?;
            return Ok(BackendUrl::Redis {
                url: url.to_owned(),
            });
        }
        Err(Error::config(format!(
            "unsupported URL {:?}: use memory://, redis:// or rediss://",
            redact(url)
        )))
    }
}

/// The URL with any password replaced, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Everything a bus was configured with.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub url: BackendUrl,
    /// Key prefix `<namespace>:`, empty without a namespace.
    pub key_prefix: String,
    pub source: String,
    pub retry: RetryPolicy,
    pub max_event_size: usize,
    pub connect_timeout: Duration,
    pub response_timeout: Duration,
    pub max_stream_len: Option<u64>,
    pub dead_letter_path: Option<PathBuf>,
    pub dead_letter_capacity: usize,
    pub poll_interval: Option<Duration>,
    pub discover_streams: bool,
    pub tls_ca_cert: Option<PathBuf>,
    pub tls_client_cert: Option<PathBuf>,
    pub tls_client_key: Option<PathBuf>,
    pub low_latency: bool,
}

/// Builds a [`crate::Bus`]: `Bus::builder(url).namespace("shop").source("orders").build()`.
#[derive(Debug, Clone)]
#[must_use]
pub struct BusBuilder {
    url: String,
    namespace: Option<String>,
    source: String,
    retry: RetryPolicy,
    max_event_size: usize,
    connect_timeout: Duration,
    response_timeout: Duration,
    max_stream_len: Option<u64>,
    dead_letter_path: Option<PathBuf>,
    dead_letter_capacity: usize,
    poll_interval: Option<Duration>,
    discover_streams: bool,
    tls_ca_cert: Option<PathBuf>,
    tls_client_cert: Option<PathBuf>,
    tls_client_key: Option<PathBuf>,
    low_latency: bool,
}

impl BusBuilder {
    pub(crate) fn new(url: &str) -> BusBuilder {
        BusBuilder {
            url: url.to_owned(),
            namespace: None,
            source: "tidings".to_owned(),
            retry: RetryPolicy::default(),
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(5),
            max_stream_len: None,
            dead_letter_path: None,
            dead_letter_capacity: 10_000,
            poll_interval: Some(Duration::from_secs(1)),
            discover_streams: false,
            tls_ca_cert: None,
            tls_client_cert: None,
            tls_client_key: None,
            low_latency: false,
        }
    }

    /// The backend URL (for builders made before the URL was known).
    pub(crate) fn url(mut self, url: &str) -> BusBuilder {
        url.clone_into(&mut self.url);
        self
    }
    /// Prefixes every key and channel with `<namespace>:` (none by default).
    pub fn namespace(mut self, namespace: impl Into<String>) -> BusBuilder {
        self.namespace = Some(namespace.into());
        self
    }
    /// The CloudEvents `source` of emitted events (default `tidings`).
    pub fn source(mut self, source: impl Into<String>) -> BusBuilder {
        self.source = source.into();
        self
    }
    /// How failed emits are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> BusBuilder {
        self.retry = retry;
        self
    }
    /// The retry policy set so far.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }
    /// The largest JSON envelope accepted, in bytes (default 1 MiB).
    pub fn max_event_size(mut self, bytes: usize) -> BusBuilder {
        self.max_event_size = bytes;
        self
    }
    /// How long connecting may take before it fails with a connection error (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> BusBuilder {
        self.connect_timeout = timeout;
        self
    }
    /// How long one Redis command may take before it fails with a timeout (default 5 s).
    pub fn response_timeout(mut self, timeout: Duration) -> BusBuilder {
        self.response_timeout = timeout;
        self
    }
    /// Trims each stream to about this many entries on append (default: keep everything).
    pub fn max_stream_len(mut self, entries: u64) -> BusBuilder {
        self.max_stream_len = Some(entries);
        self
    }
    /// Also keeps dead letters in this JSON-lines file, so they survive a restart.
    pub fn dead_letter_path(mut self, path: impl Into<PathBuf>) -> BusBuilder {
        self.dead_letter_path = Some(path.into());
        self
    }
    /// How many dead letters are kept in memory before the oldest are dropped (default 10,000).
    pub fn dead_letter_capacity(mut self, entries: usize) -> BusBuilder {
        self.dead_letter_capacity = entries;
        self
    }

    /// How often live subscriptions also look at their streams without a notice (default 1 s;
    /// `None` turns it off). This is how events appended by writers that do not `PUBLISH` (such
    /// as code in the `PersistentEventSystem` layout) reach live subscribers.
    pub fn poll_interval(mut self, interval: Option<Duration>) -> BusBuilder {
        self.poll_interval = interval;
        self
    }

    /// Also finds streams that never joined the type registry (written by other code in the
    /// `PersistentEventSystem` layout) by scanning the keyspace when a wildcard pattern is
    /// resolved, and registers them (default off: a scan costs time in proportion to the
    /// number of keys).
    pub fn discover_streams(mut self, discover: bool) -> BusBuilder {
        self.discover_streams = discover;
        self
    }

    /// For `rediss://`: trust the CA certificate(s) in this PEM file instead of the system's
    /// roots (a private CA, as in most self-hosted Redis TLS set-ups).
    pub fn tls_ca_cert(mut self, pem_file: impl Into<PathBuf>) -> BusBuilder {
        self.tls_ca_cert = Some(pem_file.into());
        self
    }

    /// For `rediss://` to a server that asks clients for a certificate (mutual TLS): present
    /// this PEM certificate, with the key set by [`tls_client_key`](Self::tls_client_key).
    pub fn tls_client_cert(mut self, pem_file: impl Into<PathBuf>) -> BusBuilder {
        self.tls_client_cert = Some(pem_file.into());
        self
    }

    /// The PEM private key of [`tls_client_cert`](Self::tls_client_cert).
    pub fn tls_client_key(mut self, pem_file: impl Into<PathBuf>) -> BusBuilder {
        self.tls_client_key = Some(pem_file.into());
        self
    }

    /// Spends CPU to cut the latency of emits awaited one at a time from a thread outside the
    /// bus's runtime (a binding's caller): the runtime's thread polls for a lone batch's reply
    /// and stays up for the next emit instead of sleeping, so each such emit saves two thread
    /// wake-ups. The price: while a caller keeps emitting, that thread uses a whole core (default
    /// off).
    pub fn low_latency(mut self, low_latency: bool) -> BusBuilder {
        self.low_latency = low_latency;
        self
    }

    /// Checks every option; nothing connects yet.
    pub(crate) fn into_config(self) -> Result<Config> {
        let url = BackendUrl::parse(&self.url)?;
        let key_prefix = match self.namespace {
            None => String::new(),
            Some(namespace) => {
                validate_namespace(&namespace)?;
                format!("{namespace}:")
            }
        };
        if self.source.is_empty() || self.source.chars().any(char::is_control) {
            return Err(Error::config("source must be a non-empty URI-reference"));
        }
        if self.max_event_size == 0 {
            return Err(Error::config("max_event_size must be positive"));
        }
        if self.connect_timeout.is_zero() || self.response_timeout.is_zero() {
            return Err(Error::config("timeouts must be positive"));
        }
        if self.max_stream_len == Some(0) {
            return Err(Error::config("max_stream_len must be positive"));
        }
        self.retry.validate()?;
        if self.tls_client_cert.is_some() != self.tls_client_key.is_some() {
            return Err(Error::config(
                "tls_client_cert and tls_client_key go together: set both or neither",
            ));
        }
        if self
            .poll_interval
            .is_some_and(|interval| interval.is_zero())
        {
            return Err(Error::config("poll_interval must be positive"));
        }
        Ok(Config {
            url,
            key_prefix,
            source: self.source,
            retry: self.retry,
            max_event_size: self.max_event_size,
            connect_timeout: self.connect_timeout,
            response_timeout: self.response_timeout,
            max_stream_len: self.max_stream_len,
            dead_letter_path: self.dead_letter_path,
            dead_letter_capacity: self.dead_letter_capacity.max(1),
            poll_interval: self.poll_interval,
            discover_streams: self.discover_streams,
            tls_ca_cert: self.tls_ca_cert,
            tls_client_cert: self.tls_client_cert,
            tls_client_key: self.tls_client_key,
            low_latency: self.low_latency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn parses_the_supported_urls() {
        assert_eq!(
            BackendUrl::parse("memory://").unwrap(),
            BackendUrl::Memory {
                name: String::new()
            }
        );
        assert_eq!(
            BackendUrl::parse("memory://tests").unwrap(),
            BackendUrl::Memory {
                name: "tests".into()
            }
        );
        assert!(matches!(
            BackendUrl::parse("redis://user:pw@127.0.0.1:6390/0").unwrap(),
            BackendUrl::Redis { .. }
        ));
    }

    #[test]
    fn bad_urls_and_options_are_config_errors() {
        for bad in ["http://x", "redis//x", "memory://a/b", "mysql://h"] {
            assert_eq!(
                BackendUrl::parse(bad).unwrap_err().kind(),
                ErrorKind::Config,
                "{bad}"
            );
        }
        let err = BusBuilder::new("memory://")
            .namespace("a:b")
            .into_config()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let err = BusBuilder::new("memory://")
            .max_event_size(0)
            .into_config()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("redis://u:secret@h:1"), "redis://***@h:1");
        assert_eq!(redact("redis://h:1"), "redis://h:1");
    }
}
