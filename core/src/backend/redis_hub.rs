//! One pub/sub connection per bus. It `PSUBSCRIBE`s each distinct pattern watched once (the
//! bus's reader watches `*`), turns every message on `events:<type>` into a mark on the matching
//! watches, and when the connection drops it reconnects with backoff, subscribes again and tells
//! every watch to resync (the reader then reads all its streams from its cursors), so nothing
//! emitted while it was away is missed.

use super::redis_keys::KeyLayout;
use super::watch::{Watch, Watchers};
use crate::error::{Error, ErrorKind, Result};
use crate::grammar::{validate_type, Pattern};
use crate::retry::RetryPolicy;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How often an idle pub/sub connection is checked with `PING`.
const KEEPALIVE: Duration = Duration::from_secs(15);

enum HubCommand {
    Subscribe {
        channel_pattern: String,
        done: oneshot::Sender<Result<()>>,
    },
    Unsubscribe(String),
    Shutdown,
}

pub(crate) struct Hub {
    commands: mpsc::UnboundedSender<HubCommand>,
    watchers: Arc<Watchers>,
    keys: KeyLayout,
}

impl Hub {
    pub(crate) fn start(
        client: redis::Client,
        keys: KeyLayout,
        connect_timeout: Duration,
        display_url: String,
    ) -> Hub {
        let (commands, receiver) = mpsc::unbounded_channel();
        let unsubscribe = commands.clone();
        let unsubscribe_keys = keys.clone();
        let watchers = Arc::new(Watchers::new(Some(Box::new(move |pattern: &str| {
            let channel_pattern = unsubscribe_keys.channel(pattern);
            let _ = unsubscribe.send(HubCommand::Unsubscribe(channel_pattern));
        }))));
        let task = HubTask {
            client,
            keys: keys.clone(),
            watchers: watchers.clone(),
            commands: receiver,
            connect_timeout,
            display_url,
        };
        tokio::spawn(task.run());
        Hub {
            commands,
            watchers,
            keys,
        }
    }

    /// Registers a watch and waits until Redis confirmed its `PSUBSCRIBE`.
    pub(crate) async fn watch(&self, pattern: &Pattern, timeout: Duration) -> Result<Watch> {
        let watch = self.watchers.register(pattern);
        let (done, confirmed) = oneshot::channel();
        let command = HubCommand::Subscribe {
            channel_pattern: self.keys.channel(pattern.as_str()),
            done,
        };
        self.commands.send(command).map_err(|_| Error::closed())?;
        match tokio::time::timeout(timeout, confirmed).await {
            Ok(Ok(Ok(()))) => Ok(watch),
            Ok(Ok(Err(err))) => Err(err),
            Ok(Err(_)) => Err(Error::closed()),
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!("PSUBSCRIBE not confirmed within {timeout:?}"),
            )),
        }
    }

    pub(crate) fn shutdown(&self) {
        let _ = self.commands.send(HubCommand::Shutdown);
        self.watchers.close_all();
    }
}

impl Drop for Hub {
    /// The watchers' unsubscribe hook holds a sender too, so the task would never see its
    /// channel close: tell it to stop.
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct HubTask {
    client: redis::Client,
    keys: KeyLayout,
    watchers: Arc<Watchers>,
    commands: mpsc::UnboundedReceiver<HubCommand>,
    connect_timeout: Duration,
    display_url: String,
}

/// Why the connected phase ended.
enum Ended {
    ConnectionLost,
    Shutdown,
}

impl HubTask {
    async fn run(mut self) {
        let backoff = RetryPolicy::unbounded(Duration::from_millis(20), Duration::from_secs(2));
        let mut failures = 0u32;
        let mut connected_before = false;
        loop {
            match self.connect().await {
                Ok((sink, stream)) => {
                    failures = 0;
                    if connected_before {
                        self.watchers.resync_all();
                    }
                    connected_before = true;
                    if let Ended::Shutdown = self.serve(sink, stream).await {
                        return;
                    }
                }
                Err(err) => {
                    let wait = tokio::time::sleep(backoff.delay(failures));
                    failures = failures.saturating_add(1);
                    if let Ended::Shutdown = self.refuse_while(wait, &err).await {
                        return;
                    }
                }
            }
        }
    }

    async fn connect(&self) -> Result<(redis::aio::PubSubSink, redis::aio::PubSubStream)> {
        let pubsub = tokio::time::timeout(self.connect_timeout, self.client.get_async_pubsub())
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Connection,
                    format!("no answer from {} for pub/sub", self.display_url),
                )
            })??;
        let (mut sink, stream) = pubsub.split();
        let patterns: Vec<String> = self
            .watchers
            .patterns()
            .iter()
            .map(|p| self.keys.channel(p))
            .collect();
        if !patterns.is_empty() {
            sink.psubscribe(patterns).await?;
        }
        Ok((sink, stream))
    }

    /// While disconnected: answer subscriptions with the connection error until `wait` ends. A
    /// server's refusal (no permission for the channel pattern) keeps its own kind: it is the
    /// backend saying no, not an outage.
    async fn refuse_while(&mut self, wait: tokio::time::Sleep, err: &Error) -> Ended {
        let kind = match err.kind() {
            ErrorKind::Backend => ErrorKind::Backend,
            _ => ErrorKind::Connection,
        };
        tokio::pin!(wait);
        loop {
            tokio::select! {
                _ = &mut wait => return Ended::ConnectionLost,
                command = self.commands.recv() => match command {
                    None | Some(HubCommand::Shutdown) => return Ended::Shutdown,
                    Some(HubCommand::Subscribe { done, .. }) => {
                        let _ = done.send(Err(Error::new(
                            kind,
                            format!("cannot subscribe: {}", err.message()),
                        )));
                    }
                    Some(HubCommand::Unsubscribe(_)) => {}
                },
            }
        }
    }

    async fn serve(
        &mut self,
        mut sink: redis::aio::PubSubSink,
        mut stream: redis::aio::PubSubStream,
    ) -> Ended {
        let channel_prefix = self.keys.channel_prefix();
        let mut keepalive = tokio::time::interval(KEEPALIVE);
        keepalive.tick().await;
        loop {
            tokio::select! {
                message = stream.next() => match message {
                    Some(message) => {
                        // A channel of another namespace can match a pattern of this one
                        // (`events:*` also matches `events:events:x`): keep only real types.
                        let event_type = message.get_channel_name().strip_prefix(&channel_prefix);
                        if let Some(event_type) = event_type.filter(|t| validate_type(t).is_ok()) {
                            self.watchers.mark(event_type);
                        }
                    }
                    None => return Ended::ConnectionLost,
                },
                command = self.commands.recv() => match command {
                    None | Some(HubCommand::Shutdown) => return Ended::Shutdown,
                    Some(HubCommand::Subscribe { channel_pattern, done }) => {
                        let result = sink.psubscribe(&channel_pattern).await.map_err(Error::from);
                        // A refusal (no permission for the pattern) leaves the connection as it
                        // was; any other failure lost it.
                        let lost = result.as_ref().is_err_and(|e| e.kind() != ErrorKind::Backend);
                        let _ = done.send(result);
                        if lost {
                            return Ended::ConnectionLost;
                        }
                    }
                    Some(HubCommand::Unsubscribe(channel_pattern)) => {
                        if sink.punsubscribe(&channel_pattern).await.is_err() {
                            return Ended::ConnectionLost;
                        }
                    }
                },
                _ = keepalive.tick() => {
                    let ping = tokio::time::timeout(self.connect_timeout, sink.ping::<String>()).await;
                    if !matches!(ping, Ok(Ok(_))) {
                        return Ended::ConnectionLost;
                    }
                }
            }
        }
    }
}
