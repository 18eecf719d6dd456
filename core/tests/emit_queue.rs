//! `EmitQueue`, on both backends, used as the bindings use it: emits pushed from a thread that
//! is not the runtime's (a JavaScript thread, in Node) are each settled exactly once with their
//! own outcome, land with their own data, fail alone when bad, and are never left hanging: not
//! when awaited one at a time (each taken by the sender lingering after the last, or by a new
//! one), and not when the queue's runtime is gone (every unsettled emit is dropped, which tells
//! its caller).

mod support;

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::mpsc;
use support::{Harness, PATIENCE};
use tidings::bindings::{EmitQueue, Settle};
use tidings::{Bus, EmitOptions, ErrorKind, HistoryQuery, Result, MAX_DATA_DEPTH};
use tokio::runtime::Runtime;

/// What became of emit `n`: `Some(outcome)` when settled, `None` when dropped unsettled.
type Report = (usize, Option<Result<String>>);

/// A `Settle` that reports to the test, once, whether settled or dropped.
struct Reply {
    n: usize,
    to: Option<mpsc::Sender<Report>>,
}

impl Settle for Reply {
    fn settle(mut self, outcome: Result<String>) {
        if let Some(to) = self.to.take() {
            let _ = to.send((self.n, Some(outcome)));
        }
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if let Some(to) = self.to.take() {
            let _ = to.send((self.n, None));
        }
    }
}

/// A runtime of its own (pushes come from the test's thread, outside it), a bus on it, its
/// queue, and where the outcomes arrive.
struct Setup {
    runtime: Runtime,
    bus: Bus,
    queue: EmitQueue<Reply>,
    reports: mpsc::Receiver<Report>,
    to: mpsc::Sender<Report>,
}

impl Setup {
    fn new(harness: &Harness) -> Setup {
        let runtime = Runtime::new().unwrap();
        let bus = runtime.block_on(harness.bus());
        let queue = EmitQueue::new(&bus, runtime.handle().clone());
        let (to, reports) = mpsc::channel();
        Setup {
            runtime,
            bus,
            queue,
            reports,
            to,
        }
    }

    fn push(&self, n: usize, event_type: &str, data: &str) {
        let reply = Reply {
            n,
            to: Some(self.to.clone()),
        };
        self.queue.push_json(
            event_type.to_owned(),
            data.to_owned(),
            EmitOptions::new(),
            reply,
        );
    }

    /// The next `count` reports, by emit number; fails on a second report for one emit.
    fn reports(&self, count: usize) -> HashMap<usize, Option<Result<String>>> {
        let mut reports = HashMap::new();
        while reports.len() < count {
            let (n, outcome) = self
                .reports
                .recv_timeout(PATIENCE)
                .expect("every emit is settled within the liveness guard");
            assert!(
                reports.insert(n, outcome).is_none(),
                "emit {n} settled twice"
            );
        }
        reports
    }

    fn stored(&self, pattern: &str) -> HashMap<String, Value> {
        let events = self
            .runtime
            .block_on(self.bus.history(pattern, HistoryQuery::new().limit(10_000)))
            .unwrap();
        events.into_iter().map(|e| (e.id, e.data)).collect()
    }
}

fn on_both_backends(test: fn(Harness)) {
    test(Harness::memory());
    test(Harness::redis());
}

#[test]
fn every_emit_is_settled_once_with_its_own_id() {
    on_both_backends(|harness| {
        let setup = Setup::new(&harness);
        // Waves of more than a batch, each after the queue has emptied (its senders ended, or
        // the last one lingering for more): more waves than a queue has senders, so a sender
        // that is not counted out stops the queue.
        for wave in 0..10 {
            let numbers = wave * 200..(wave + 1) * 200;
            for n in numbers.clone() {
                let event_type = if n % 2 == 0 {
                    "queue.even"
                } else {
                    "queue.odd"
                };
                setup.push(n, event_type, &json!({ "n": n }).to_string());
            }
            let reports = setup.reports(200);
            let stored = setup.stored("queue.*");
            for n in numbers {
                let id = match &reports[&n] {
                    Some(Ok(id)) => id,
                    other => panic!("emit {n}: {other:?}"),
                };
                assert_eq!(
                    stored[id],
                    json!({ "n": n }),
                    "emit {n} stored its own data"
                );
            }
        }
        assert_eq!(setup.stored("queue.*").len(), 2_000);
    });
}

#[test]
fn emits_awaited_one_at_a_time_are_each_settled() {
    on_both_backends(|harness| {
        let setup = Setup::new(&harness);
        let mut ids = Vec::new();
        for n in 0..300 {
            if n % 50 == 49 {
                // Longer than a sender lingers for the next emit, so the next one starts a
                // sender of its own; the others are taken by the sender still lingering.
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            setup.push(n, "queue.seq", &json!({ "n": n }).to_string());
            match setup.reports(1).remove(&n) {
                Some(Some(Ok(id))) => ids.push(id),
                other => panic!("emit {n}: {other:?}"),
            }
        }
        let stored = setup.stored("queue.seq");
        assert_eq!(stored.len(), 300);
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(
                stored[id],
                json!({ "n": n }),
                "emit {n} stored its own data"
            );
        }
    });
}

#[test]
fn bad_emits_fail_alone_and_write_nothing() {
    on_both_backends(|harness| {
        let setup = Setup::new(&harness);
        let too_deep = "[".repeat(MAX_DATA_DEPTH + 1) + &"]".repeat(MAX_DATA_DEPTH + 1);
        setup.push(0, "queue.good", "1");
        setup.push(1, "queue.good", "{\"unfinished\":");
        setup.push(2, "bad type", "2");
        setup.push(3, "queue.good", &too_deep);
        setup.push(4, "queue.good", "[4, {\"spaced\" : true}]");
        let reports = setup.reports(5);
        let kind = |n: usize| match &reports[&n] {
            Some(Err(err)) => err.kind(),
            other => panic!("emit {n} should fail: {other:?}"),
        };
        assert_eq!(kind(1), ErrorKind::InvalidData);
        assert_eq!(kind(2), ErrorKind::InvalidType);
        assert_eq!(kind(3), ErrorKind::InvalidData);
        let stored = setup.stored("queue.*");
        assert_eq!(stored.len(), 2, "only the good emits landed: {stored:?}");
        for (n, data) in [(0, json!(1)), (4, json!([4, {"spaced": true}]))] {
            let Some(Ok(id)) = &reports[&n] else {
                panic!("emit {n}: {:?}", reports[&n])
            };
            assert_eq!(stored[id], data);
        }
    });
}

#[test]
fn emits_into_a_closed_bus_fail_as_closed() {
    on_both_backends(|harness| {
        let setup = Setup::new(&harness);
        setup.runtime.block_on(setup.bus.close());
        setup.push(0, "queue.late", "0");
        match &setup.reports(1)[&0] {
            Some(Err(err)) => assert_eq!(err.kind(), ErrorKind::Closed),
            other => panic!("an emit into a closed bus: {other:?}"),
        }
    });
}

#[test]
fn emits_whose_runtime_is_gone_are_dropped_not_left_hanging() {
    on_both_backends(|harness| {
        // A runtime nobody drives: the sender task is spawned but never runs.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let bus = runtime.block_on(harness.bus());
        let queue = EmitQueue::new(&bus, runtime.handle().clone());
        drop(bus);
        let (to, reports) = mpsc::channel();
        for n in 0..10 {
            let reply = Reply {
                n,
                to: Some(to.clone()),
            };
            queue.push_json("queue.lost".into(), "0".into(), EmitOptions::new(), reply);
        }
        drop(runtime);
        drop(queue);
        let mut dropped: Vec<usize> = reports
            .try_iter()
            .map(|(n, outcome)| {
                assert!(outcome.is_none(), "emit {n} was settled: {outcome:?}");
                n
            })
            .collect();
        dropped.sort_unstable();
        assert_eq!(dropped, (0..10).collect::<Vec<_>>());
    });
}
