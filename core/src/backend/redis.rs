//! The Redis backend: `stream:<type>` streams with one field `event`, the live channel
//! `events:<type>`, and the type registry `tidings:types` (a set), all under the optional
//! `<namespace>:` prefix. An append is one round trip: `XADD` and `PUBLISH` pipelined (plus
//! `SADD` the first time this process emits a type).

use super::redis_hub::Hub;
use super::redis_keys::{KeyLayout, COMMAND_OVERHEAD};
use super::redis_reply;
use super::watch::Watch;
use super::{RangeRequest, RawEntry, StreamLoss};
use crate::config::{redact, Config};
use crate::error::{Error, ErrorKind, Result};
use crate::grammar::{validate_type, Pattern};
use crate::position::Position;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::OnceCell;

/// A redis-rs client for `url`, with the configured CA and client certificate for `rediss://`.
fn open_client(url: &str, config: &Config) -> std::result::Result<redis::Client, String> {
    // rustls needs a process-wide crypto provider; a second install is a harmless no-op.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let read = |path: &std::path::Path, what: &str| {
        std::fs::read(path).map_err(|err| format!("cannot read {what} {}: {err}", path.display()))
    };
    let root_cert = match &config.tls_ca_cert {
        Some(path) => Some(read(path, "CA certificate")?),
        None => None,
    };
    let client_tls = match (&config.tls_client_cert, &config.tls_client_key) {
        (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
            client_cert: read(cert, "client certificate")?,
            client_key: read(key, "client key")?,
        }),
        _ => None,
    };
    if root_cert.is_none() && client_tls.is_none() {
        return redis::Client::open(url).map_err(|err| err.to_string());
    }
    let certificates = redis::TlsCertificates {
        client_tls,
        root_cert,
    };
    redis::Client::build_with_tls(url, certificates).map_err(|err| err.to_string())
}

pub(crate) struct RedisBackend {
    client: redis::Client,
    connection: ConnectionManager,
    keys: KeyLayout,
    /// Types this process has put in the registry, so `SADD` is sent once per type, not per emit.
    registered: Mutex<HashSet<String>>,
    /// The shared pub/sub connection, started by the first subscription.
    hub: OnceCell<Hub>,
    connect_timeout: Duration,
    max_stream_len: Option<u64>,
    display_url: String,
}

impl RedisBackend {
    pub(crate) async fn connect(url: &str, config: &Config) -> Result<RedisBackend> {
        let display_url = redact(url);
        let client = open_client(url, config)
            .map_err(|err| Error::config(format!("bad Redis URL {display_url}: {err}")))?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.response_timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(500));
        let connecting = ConnectionManager::new_with_config(client.clone(), manager_config);
        let connection = match tokio::time::timeout(config.connect_timeout, connecting).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(err)) => {
                let err = Error::from(err);
                let kind = match err.kind() {
                    ErrorKind::Timeout => ErrorKind::Connection,
                    kind => kind,
                };
                return Err(Error::new(
                    kind,
                    format!("cannot connect to {display_url}: {}", err.message()),
                ));
            }
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::Connection,
                    format!(
                        "cannot connect to {display_url}: no answer within {:?}",
                        config.connect_timeout
                    ),
                ))
            }
        };
        Ok(RedisBackend {
            client,
            connection,
            keys: KeyLayout::new(&config.key_prefix),
            registered: Mutex::default(),
            hub: OnceCell::new(),
            connect_timeout: config.connect_timeout,
            max_stream_len: config.max_stream_len,
            display_url,
        })
    }

    /// Runs a command or pipeline, forgetting the registry cache when the connection broke
    /// (the server may have restarted empty).
    async fn query<T: redis::FromRedisValue>(
        &self,
        run: impl AsyncFnOnce(&mut ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T> {
        let mut connection = self.connection.clone();
        run(&mut connection).await.map_err(|err| {
            let err = Error::from(err);
            if err.is_connection() {
                self.registered.lock().expect("registry lock").clear();
            }
            err
        })
    }

    pub(crate) async fn append(&self, event_type: &str, payload: &str) -> Result<Position> {
        let positions = self.append_many(&[(event_type, payload)]).await?;
        positions
            .into_iter()
            .next()
            .ok_or_else(|| Error::new(ErrorKind::Backend, "XADD gave no stream id"))
    }

    /// Appends every entry in one pipeline (one round trip): `SADD` for types this process has
    /// not registered yet, then `XADD` and `PUBLISH` per entry, in order. Every reply is kept
    /// and the `XADD` ones picked out by place: redis-rs's `ignore()` tracks ignored commands in
    /// a hash set, a cost paid on every emit.
    pub(crate) async fn append_many(&self, entries: &[(&str, &str)]) -> Result<Vec<Position>> {
        let unregistered: Vec<&str> = {
            let registered = self.registered.lock().expect("registry lock");
            let mut unregistered = Vec::new();
            let mut previous = None;
            for (event_type, _) in entries {
                // Batches mostly carry one type: look each run of it up once.
                if previous != Some(*event_type) && !registered.contains(*event_type) {
                    unregistered.push(*event_type);
                }
                previous = Some(*event_type);
            }
            unregistered.sort_unstable();
            unregistered.dedup();
            unregistered
        };
        // Buffers sized up front: growing them argument by argument is a measurable share of
        // an emit's client work.
        let mut pipe = redis::Pipeline::with_capacity(2 * entries.len() + 1);
        if !unregistered.is_empty() {
            pipe.cmd("SADD")
                .arg(self.keys.registry())
                .arg(&unregistered);
        }
        for (event_type, payload) in entries {
            let stream = self.keys.stream_arg(event_type);
            let mut xadd =
                redis::Cmd::with_capacity(8, COMMAND_OVERHEAD + stream.len() + payload.len());
            xadd.arg("XADD").arg(stream);
            if let Some(max_len) = self.max_stream_len {
                xadd.arg("MAXLEN").arg("~").arg(max_len);
            }
            xadd.arg("*").arg("event").arg(*payload);
            pipe.add_command(xadd);
            let channel = self.keys.channel_arg(event_type);
            let mut publish =
                redis::Cmd::with_capacity(3, COMMAND_OVERHEAD + channel.len() + payload.len());
            publish.arg("PUBLISH").arg(channel).arg(*payload);
            pipe.add_command(publish);
        }
        let replies: Vec<redis::Value> = self.query(async |c| pipe.query_async(c).await).await?;
        if !unregistered.is_empty() {
            let mut registered = self.registered.lock().expect("registry lock");
            registered.extend(unregistered.iter().map(|t| (*t).to_owned()));
        }
        let skipped = usize::from(!unregistered.is_empty());
        if replies.len() != skipped + 2 * entries.len() {
            return Err(Error::new(
                ErrorKind::Backend,
                format!(
                    "{} replies to a pipeline of {} commands",
                    replies.len(),
                    skipped + 2 * entries.len()
                ),
            ));
        }
        replies[skipped..]
            .iter()
            .step_by(2)
            .map(redis_reply::position)
            .collect()
    }

    pub(crate) async fn known_types(&self) -> Result<Vec<String>> {
        let registry = self.keys.registry();
        self.query(async |c| redis::cmd("SMEMBERS").arg(&registry).query_async(c).await)
            .await
    }

    /// Finds streams that `pattern` selects by scanning the keyspace (for streams written by
    /// others in the `PersistentEventSystem` layout, that never joined the registry), and registers them.
    pub(crate) async fn discover(&self, pattern: &Pattern) -> Result<Vec<String>> {
        let key_pattern = self.keys.stream(pattern.as_str());
        let mut found = Vec::new();
        let mut cursor = 0u64;
        loop {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor)
                .arg("MATCH")
                .arg(&key_pattern)
                .arg("COUNT")
                .arg(1000)
                .arg("TYPE")
                .arg("stream");
            let (next, keys): (u64, Vec<String>) =
                self.query(async |c| scan.query_async(c).await).await?;
            found.extend(
                keys.iter()
                    .filter_map(|key| self.keys.type_of_stream(key))
                    .filter(|t| validate_type(t).is_ok())
                    .map(str::to_owned),
            );
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        if !found.is_empty() {
            let registry = self.keys.registry();
            let _: i64 = self
                .query(async |c| {
                    redis::cmd("SADD")
                        .arg(&registry)
                        .arg(&found)
                        .query_async(c)
                        .await
                })
                .await?;
        }
        Ok(found)
    }

    pub(crate) async fn read_after(
        &self,
        cursors: &[(String, Position)],
        count: usize,
    ) -> Result<Vec<(String, Vec<RawEntry>)>> {
        let mut cmd = redis::cmd("XREAD");
        cmd.arg("COUNT").arg(count).arg("STREAMS");
        for (event_type, _) in cursors {
            cmd.arg(self.keys.stream(event_type));
        }
        for (_, after) in cursors {
            cmd.arg(after.to_string());
        }
        let reply: redis::Value = self.query(async |c| cmd.query_async(c).await).await?;
        redis_reply::streams(&reply, |key| {
            self.keys.type_of_stream(key).map(str::to_owned)
        })
    }

    pub(crate) async fn range(
        &self,
        event_type: &str,
        first: Position,
        last: Position,
        count: usize,
        newest_first: bool,
    ) -> Result<Vec<RawEntry>> {
        let mut cmd = if newest_first {
            let mut cmd = redis::cmd("XREVRANGE");
            cmd.arg(self.keys.stream(event_type))
                .arg(last.to_string())
                .arg(first.to_string());
            cmd
        } else {
            let mut cmd = redis::cmd("XRANGE");
            cmd.arg(self.keys.stream(event_type))
                .arg(first.to_string())
                .arg(last.to_string());
            cmd
        };
        cmd.arg("COUNT").arg(count);
        let reply: redis::Value = self.query(async |c| cmd.query_async(c).await).await?;
        redis_reply::entries(&reply)
    }

    /// `XINFO STREAM` of each stream, pipelined; a stream that does not exist lost nothing.
    pub(crate) async fn stream_losses(&self, types: &[String]) -> Result<Vec<StreamLoss>> {
        let mut pipe = redis::Pipeline::with_capacity(types.len());
        pipe.ignore_errors();
        for event_type in types {
            pipe.cmd("XINFO")
                .arg("STREAM")
                .arg(self.keys.stream(event_type));
        }
        let replies: Vec<redis::RedisResult<redis::Value>> =
            self.query(async |c| pipe.query_async(c).await).await?;
        replies
            .into_iter()
            .map(|reply| match reply {
                Ok(info) => redis_reply::stream_loss(&info),
                Err(err) if err.detail().is_some_and(|d| d.contains("no such key")) => {
                    Ok(StreamLoss::default())
                }
                Err(err) => Err(Error::from(err)),
            })
            .collect()
    }

    /// Every request's `XRANGE` (or `XREVRANGE`), pipelined; an empty request costs nothing.
    pub(crate) async fn ranges(
        &self,
        requests: &[RangeRequest],
        newest_first: bool,
    ) -> Result<Vec<Vec<RawEntry>>> {
        let wanted: Vec<&RangeRequest> = requests
            .iter()
            .filter(|r| r.first <= r.last && r.count > 0)
            .collect();
        let mut pipe = redis::Pipeline::with_capacity(wanted.len());
        for request in &wanted {
            let key = self.keys.stream(&request.event_type);
            let (first, last) = (request.first.to_string(), request.last.to_string());
            if newest_first {
                pipe.cmd("XREVRANGE").arg(key).arg(last).arg(first);
            } else {
                pipe.cmd("XRANGE").arg(key).arg(first).arg(last);
            }
            pipe.arg("COUNT").arg(request.count);
        }
        let mut replies: Vec<redis::Value> = if wanted.is_empty() {
            Vec::new()
        } else {
            self.query(async |c| pipe.query_async(c).await).await?
        };
        let mut replies = replies.drain(..);
        requests
            .iter()
            .map(|r| match r.first <= r.last && r.count > 0 {
                false => Ok(Vec::new()),
                true => redis_reply::entries(&replies.next().ok_or_else(|| {
                    Error::new(ErrorKind::Backend, "a reply short for the pipeline")
                })?),
            })
            .collect()
    }

    /// The server's clock and the registry's size, in one round trip and in that order: a type
    /// registered after the clock was read is counted only by a later call.
    pub(crate) async fn clock_and_registry_size(&self) -> Result<(u64, u64)> {
        let mut pipe = redis::pipe();
        pipe.cmd("TIME").cmd("SCARD").arg(self.keys.registry());
        let ((seconds, micros), size): ((u64, u64), u64) =
            self.query(async |c| pipe.query_async(c).await).await?;
        Ok((seconds * 1000 + micros / 1000, size))
    }

    pub(crate) async fn watch(&self, pattern: &Pattern) -> Result<Watch> {
        let hub = self
            .hub
            .get_or_init(|| async {
                Hub::start(
                    self.client.clone(),
                    self.keys.clone(),
                    self.connect_timeout,
                    self.display_url.clone(),
                )
            })
            .await;
        hub.watch(pattern, self.connect_timeout).await
    }

    pub(crate) fn close(&self) {
        if let Some(hub) = self.hub.get() {
            hub.shutdown();
        }
    }
}
