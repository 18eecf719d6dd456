//! Shared by the integration tests: a harness that gives each test a bus on `memory://` or on a
//! private `redis-server` (started on a free loopback port, stopped when the harness drops),
//! and the macro that runs one behaviour test on both backends.

#![allow(dead_code)]

use std::time::Duration;
use tidings::{Bus, BusBuilder, Event, Subscription};
pub use tidings_testkit::{Persistence, RedisServer};

/// A backend for one test.
pub struct Harness {
    pub server: Option<RedisServer>,
    url: String,
}

impl Harness {
    /// A private in-process store shared by every bus of this harness.
    pub fn memory() -> Harness {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Harness {
            server: None,
            url: format!("memory://harness-{}-{n}", std::process::id()),
        }
    }

    /// A private redis-server.
    pub fn redis() -> Harness {
        Harness::redis_with(Persistence::None)
    }

    pub fn redis_with(persistence: Persistence) -> Harness {
        let server = RedisServer::start_with(persistence);
        let url = server.url();
        Harness {
            server: Some(server),
            url,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_redis(&self) -> bool {
        self.server.is_some()
    }

    pub fn builder(&self) -> BusBuilder {
        Bus::builder(&self.url)
    }

    pub async fn bus(&self) -> Bus {
        self.builder().build().await.expect("connect")
    }

    pub fn server(&mut self) -> &mut RedisServer {
        self.server.as_mut().expect("a redis harness")
    }
}

/// Liveness guard: a test that would hang fails instead. Not a performance assertion.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The next event, or a failure if none arrives within [`PATIENCE`].
pub async fn next(subscription: &mut Subscription) -> Event {
    tokio::time::timeout(PATIENCE, subscription.next_event())
        .await
        .expect("an event within the liveness guard")
        .expect("the subscription is open")
        .expect("no trim signal")
}

/// The next `count` events.
pub async fn take(subscription: &mut Subscription, count: usize) -> Vec<Event> {
    let mut events = Vec::with_capacity(count);
    while events.len() < count {
        events.push(next(subscription).await);
    }
    events
}

/// Declares `async fn name(harness: Harness)` tests once and runs each on both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod on_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::Harness::memory()).await
                }
            )*
        }
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::support::Harness::redis()).await
                }
            )*
        }
    };
}
