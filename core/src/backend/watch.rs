//! Change notices, shared by both backends. A backend marks the type of every appended event on
//! the watches whose pattern selects it; a bus's reader (`reader.rs`) holds one watch for every
//! type, waits for marks, and then reads the streams. Marks coalesce (a set of types, not a
//! queue of events), so a reader that is busy costs memory in proportion to the number of types,
//! never to the number of events, and nothing is lost: the events stay in their streams.

use crate::grammar::Pattern;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// What changed since the last look.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Types that had events appended.
    pub types: HashSet<String>,
    /// The backend may have missed notices (reconnect): read every stream the pattern selects.
    pub resync: bool,
    /// The backend is closing: stop.
    pub closed: bool,
}

#[derive(Default)]
struct WatchState {
    changes: Mutex<Changes>,
    notify: Notify,
}

impl WatchState {
    fn update(&self, apply: impl FnOnce(&mut Changes)) {
        apply(&mut self.changes.lock().expect("watch lock"));
        self.notify.notify_one();
    }
}

/// Called with a pattern when its last watch goes away (Redis: `PUNSUBSCRIBE`).
pub(crate) type OnLastDropped = Box<dyn Fn(&str) + Send + Sync>;

/// Every live watch of one backend.
#[derive(Default)]
pub(crate) struct Watchers {
    inner: Mutex<WatchersInner>,
    on_last_dropped: Option<OnLastDropped>,
}

#[derive(Default)]
struct WatchersInner {
    next_id: u64,
    watches: HashMap<u64, (Pattern, Arc<WatchState>)>,
}

impl Watchers {
    pub(crate) fn new(on_last_dropped: Option<OnLastDropped>) -> Watchers {
        Watchers {
            inner: Mutex::default(),
            on_last_dropped,
        }
    }

    /// Registers a watch for `pattern`.
    pub(crate) fn register(self: &Arc<Self>, pattern: &Pattern) -> Watch {
        let state = Arc::new(WatchState::default());
        let mut inner = self.inner.lock().expect("watchers lock");
        let id = inner.next_id;
        inner.next_id += 1;
        inner.watches.insert(id, (pattern.clone(), state.clone()));
        Watch {
            id,
            state,
            watchers: self.clone(),
        }
    }

    /// Marks `event_type` on every watch whose pattern selects it.
    pub(crate) fn mark(&self, event_type: &str) {
        let inner = self.inner.lock().expect("watchers lock");
        for (pattern, state) in inner.watches.values() {
            if pattern.matches(event_type) {
                state.update(|changes| {
                    if !changes.types.contains(event_type) {
                        changes.types.insert(event_type.to_owned());
                    }
                });
            }
        }
    }

    /// Tells every watch to read all its streams again (after notices may have been missed).
    pub(crate) fn resync_all(&self) {
        for state in self.states() {
            state.update(|changes| changes.resync = true);
        }
    }

    /// Tells every watch that the backend is closing.
    pub(crate) fn close_all(&self) {
        for state in self.states() {
            state.update(|changes| changes.closed = true);
        }
    }

    /// The distinct patterns being watched.
    pub(crate) fn patterns(&self) -> Vec<String> {
        let inner = self.inner.lock().expect("watchers lock");
        let distinct: HashSet<&str> = inner.watches.values().map(|(p, _)| p.as_str()).collect();
        distinct.into_iter().map(str::to_owned).collect()
    }

    fn states(&self) -> Vec<Arc<WatchState>> {
        let inner = self.inner.lock().expect("watchers lock");
        inner.watches.values().map(|(_, s)| s.clone()).collect()
    }

    fn unregister(&self, id: u64) {
        let mut inner = self.inner.lock().expect("watchers lock");
        let Some((pattern, _)) = inner.watches.remove(&id) else {
            return;
        };
        let still_used = inner.watches.values().any(|(p, _)| *p == pattern);
        // Under the lock: a watch of the same pattern registered right after this must have its
        // subscribe sent after this unsubscribe, or the backend would end up unsubscribed.
        if !still_used {
            if let Some(hook) = &self.on_last_dropped {
                hook(pattern.as_str());
            }
        }
        drop(inner);
    }
}

/// One subscription's view of the changes; unregisters itself when dropped.
pub(crate) struct Watch {
    id: u64,
    state: Arc<WatchState>,
    watchers: Arc<Watchers>,
}

impl Watch {
    /// Waits until something changed, then takes the changes.
    pub(crate) async fn changed(&self) -> Changes {
        loop {
            let notified = self.state.notify.notified();
            {
                let mut changes = self.state.changes.lock().expect("watch lock");
                if changes.closed || changes.resync || !changes.types.is_empty() {
                    return std::mem::take(&mut *changes);
                }
            }
            notified.await;
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.watchers.unregister(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn marks_coalesce_and_follow_the_pattern() {
        let watchers = Arc::new(Watchers::new(None));
        let watch = watchers.register(&Pattern::new("user.*").unwrap());
        watchers.mark("user.login");
        watchers.mark("user.login");
        watchers.mark("order.placed");
        let changes = watch.changed().await;
        assert_eq!(changes.types.len(), 1);
        assert!(changes.types.contains("user.login"));
        assert!(!changes.resync);
    }

    #[test]
    fn last_drop_of_a_pattern_calls_the_hook() {
        let dropped = Arc::new(Mutex::new(Vec::new()));
        let seen = dropped.clone();
        let hook: OnLastDropped = Box::new(move |p| seen.lock().unwrap().push(p.to_owned()));
        let watchers = Arc::new(Watchers::new(Some(hook)));
        let pattern = Pattern::new("a.*").unwrap();
        let first = watchers.register(&pattern);
        let second = watchers.register(&pattern);
        drop(first);
        assert!(dropped.lock().unwrap().is_empty());
        drop(second);
        assert_eq!(*dropped.lock().unwrap(), vec!["a.*".to_owned()]);
    }
}
