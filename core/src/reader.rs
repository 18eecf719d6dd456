//! One reader per bus for live delivery. Every subscription of a bus registers here; one task
//! reads the streams their patterns select, once per round for all of them, and hands each
//! subscription the events it selects. The Redis work per event does not grow with the number
//! of subscriptions.
//!
//! A round reads the backend's clock `t` first, then every followed stream after its cursor.
//! Every entry stored before the clock was read is in that read, and every entry stored after
//! it has a millisecond of at least `t`; so the entries below `t` form a closed prefix and are
//! released in the canonical merge order (see `merge.rs`), whole milliseconds at a time. Entries
//! at or past `t` are held for the round that follows once the clock has passed them. Released
//! events never go back in time, and a replay of the same streams gives the same order.
//!
//! A subscriber's unread events are bounded in bytes (its budget, plus one round's share at
//! most). One whose inbox is over its budget is dropped from the rounds with the point it had
//! reached; it catches up from the streams on its own and registers again (`subscription.rs`).
//! Nobody waits for a slow subscriber.

use crate::backend::RawEntry;
use crate::envelope::Event;
use crate::error::{Error, Result};
use crate::grammar::{validate_type, Pattern};
use crate::merge::merge_whole;
use crate::position::Position;
use crate::shared::Shared;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, Notify};

/// How many unread bytes a subscriber may hold before it falls back to its own cursor.
pub(crate) const INBOX_BUDGET: usize = 1 << 20;

/// The most entries read from one stream in one round.
const ROUND_READ: usize = 512;

/// How soon a round follows one that held entries back (they wait for the clock to pass them),
/// and how long a notice waits for its round: by then the clock has passed the millisecond
/// the entry was stored in, so one round releases it, and notices meanwhile share that round.
const HELD_RETRY: Duration = Duration::from_millis(1);

/// The shared reader's registry of subscribers; it lives in [`Shared`], its task runs while
/// anyone is registered.
#[derive(Default)]
pub(crate) struct Reader {
    state: Mutex<ReaderState>,
    wake: Notify,
}

#[derive(Default)]
struct ReaderState {
    running: bool,
    next_id: u64,
    active: HashMap<u64, Arc<Inbox>>,
    pending: Vec<(u64, Arc<Inbox>, oneshot::Sender<Result<Joined>>)>,
    /// A subscriber left since the task last grouped them by pattern.
    left: bool,
}

/// Where a subscriber joined the shared reading.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Joined {
    /// The inbox gets every selected event from this millisecond on, and none before it.
    pub watermark_ms: u64,
    /// The backend's clock when the subscriber joined: what "live from now" starts at.
    pub now_ms: u64,
}

/// What the reader hands one subscriber, bounded in bytes.
pub(crate) struct Inbox {
    pub(crate) pattern: Pattern,
    queue: Mutex<Queue>,
    ready: Notify,
}

#[derive(Default)]
struct Queue {
    /// Batches with what each counts against the budget.
    batches: VecDeque<(Vec<Result<Event>>, usize)>,
    bytes: usize,
    /// Set when the reader dropped this subscriber: it has every event before this
    /// millisecond, and must read the rest from the streams itself.
    lagged_at: Option<u64>,
    closed: bool,
}

/// What a subscriber takes from its inbox.
pub(crate) enum Taken {
    Batch(Vec<Result<Event>>),
    /// Fell behind: catch up from this millisecond, then register again.
    Lagged(u64),
    Closed,
}

impl Inbox {
    fn new(pattern: Pattern) -> Inbox {
        Inbox {
            pattern,
            queue: Mutex::default(),
            ready: Notify::new(),
        }
    }

    /// The next batch, waiting for one.
    pub(crate) async fn take(&self) -> Taken {
        loop {
            let notified = self.ready.notified();
            {
                let mut queue = self.queue.lock().expect("inbox lock");
                if let Some((batch, bytes)) = queue.batches.pop_front() {
                    queue.bytes -= bytes;
                    return Taken::Batch(batch);
                }
                if let Some(at) = queue.lagged_at {
                    return Taken::Lagged(at);
                }
                if queue.closed {
                    return Taken::Closed;
                }
            }
            notified.await;
        }
    }

    /// Adds a round's share; false (and nothing added) when that would pass the budget.
    /// `released_from` is the first millisecond of the round's release: a subscriber that is
    /// turned away has everything before it.
    fn offer(&self, batch: Vec<Result<Event>>, bytes: usize, released_from: u64) -> bool {
        let mut queue = self.queue.lock().expect("inbox lock");
        if queue.bytes > 0 && queue.bytes + bytes > INBOX_BUDGET {
            queue.lagged_at = Some(released_from);
            drop(queue);
            self.ready.notify_one();
            return false;
        }
        queue.bytes += bytes;
        queue.batches.push_back((batch, bytes));
        drop(queue);
        self.ready.notify_one();
        true
    }

    fn close(&self) {
        self.queue.lock().expect("inbox lock").closed = true;
        self.ready.notify_one();
    }
}

/// A subscriber's place in the reader; dropping it leaves.
pub(crate) struct Registration {
    shared: Arc<Shared>,
    id: u64,
    pub(crate) inbox: Arc<Inbox>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let reader = &self.shared.reader;
        let mut state = reader.state.lock().expect("reader lock");
        state.left |= state.active.remove(&self.id).is_some();
        state.pending.retain(|(id, _, _)| *id != self.id);
        drop(state);
        reader.wake.notify_one();
    }
}

/// Joins the shared reading for `pattern`; returns once the reader has taken the subscriber in.
pub(crate) async fn register(
    shared: &Arc<Shared>,
    pattern: Pattern,
) -> Result<(Registration, Joined)> {
    shared.check_open()?;
    let inbox = Arc::new(Inbox::new(pattern));
    let (sender, joined) = oneshot::channel();
    let id = {
        let mut state = shared.reader.state.lock().expect("reader lock");
        let id = state.next_id;
        state.next_id += 1;
        state.pending.push((id, inbox.clone(), sender));
        if !state.running {
            state.running = true;
            tokio::spawn(run(shared.clone()));
        }
        id
    };
    shared.reader.wake.notify_one();
    let registration = Registration {
        shared: shared.clone(),
        id,
        inbox,
    };
    let joined = tokio::select! {
        joined = joined => joined.map_err(|_| Error::closed())??,
        _ = shared.closed() => return Err(Error::closed()),
    };
    Ok((registration, joined))
}

/// The reader's task: rounds while anyone is registered.
async fn run(shared: Arc<Shared>) {
    let mut task = match ReaderTask::start(&shared).await {
        Ok(task) => task,
        Err(err) => {
            let mut state = shared.reader.state.lock().expect("reader lock");
            for (_, _, sender) in state.pending.drain(..) {
                let _ = sender.send(Err(err.clone()));
            }
            state.running = false;
            return;
        }
    };
    if let Stop::Closed = task.rounds().await {
        let mut state = shared.reader.state.lock().expect("reader lock");
        state.running = false;
        for inbox in state.active.values() {
            inbox.close();
        }
        state.active.clear();
        for (_, _, sender) in state.pending.drain(..) {
            let _ = sender.send(Err(Error::closed()));
        }
    }
}

/// How a round finds streams to follow beyond the exact patterns.
enum Lookup {
    /// Nothing new can have appeared.
    None,
    /// Read the registry.
    Registry,
    /// Scan the keyspace for streams others wrote, then read the registry.
    ScanTheKeyspace { from_ms: u64 },
}

enum Stop {
    Closed,
    /// Everyone left; `running` was cleared under the same lock that registrations take.
    NobodyLeft,
}

struct ReaderTask {
    shared: Arc<Shared>,
    watch: crate::backend::watch::Watch,
    /// Everything before this millisecond has been released; `None` before the first round.
    watermark: Option<u64>,
    /// Read cursor per followed stream.
    followed: HashMap<String, Position>,
    /// Read but not yet released (at or past the last round's clock), per stream, in order.
    held: HashMap<String, Vec<RawEntry>>,
    registry_size: Option<u64>,
    /// The registry must be read before the next release: a wildcard subscriber joined, or a
    /// round failed before it had read it.
    needs_lookup: bool,
    /// The clock of the last round.
    last_clock_ms: u64,
    /// The first round's clock: streams found by a keyspace scan are read from here.
    started_ms: Option<u64>,
    /// The subscribers by pattern, rebuilt only when someone joins or leaves: a round matches
    /// each type against the distinct patterns, not against every subscriber.
    groups: Vec<(Pattern, Vec<u64>)>,
}

impl ReaderTask {
    async fn start(shared: &Arc<Shared>) -> Result<ReaderTask> {
        let everything = Pattern::new("*")?;
        let watch = shared.backend.watch(&everything).await?;
        Ok(ReaderTask {
            shared: shared.clone(),
            watch,
            watermark: None,
            followed: HashMap::new(),
            held: HashMap::new(),
            registry_size: None,
            needs_lookup: true,
            last_clock_ms: 0,
            started_ms: None,
            groups: Vec::new(),
        })
    }

    async fn rounds(&mut self) -> Stop {
        let poll_every = self.shared.config.poll_interval;
        let mut poll = tokio::time::interval(poll_every.unwrap_or(Duration::from_secs(3600)));
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        poll.tick().await;
        let mut failures = 0u32;
        let mut discover = self.shared.config.discover_streams;
        loop {
            match self.round(discover).await {
                Ok(again) => {
                    failures = 0;
                    discover = false;
                    if again {
                        continue;
                    }
                }
                Err(err) if err.is_closed() || self.shared.is_closed() => return Stop::Closed,
                Err(err) => {
                    // Whoever is waiting to join hears of it, as a subscribe to an unreachable
                    // backend would; those already in wait for the backend to come back.
                    {
                        let mut state = self.shared.reader.state.lock().expect("reader lock");
                        for (_, _, sender) in state.pending.drain(..) {
                            let _ = sender.send(Err(err.clone()));
                        }
                    }
                    if failures == 0 {
                        self.shared.metrics.reconnected();
                    }
                    let delay = self.shared.reconnect_backoff.delay(failures);
                    failures = failures.saturating_add(1);
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => continue,
                        _ = self.shared.closed() => return Stop::Closed,
                    }
                }
            }
            let mut due = self.held_due();
            // Wait for something to read: a notice, a new subscriber, held entries coming due,
            // the poll for writers that never publish.
            loop {
                {
                    let mut state = self.shared.reader.state.lock().expect("reader lock");
                    if state.active.is_empty() && state.pending.is_empty() {
                        state.running = false;
                        return Stop::NobodyLeft;
                    }
                    if !state.pending.is_empty() {
                        break;
                    }
                }
                tokio::select! {
                    changes = self.watch.changed() => {
                        if changes.closed {
                            return Stop::Closed;
                        }
                        if changes.resync {
                            break;
                        }
                        if due.is_none() && changes.types.iter().any(|t| self.selected(t)) {
                            due = Some(tokio::time::Instant::now() + HELD_RETRY);
                        }
                    }
                    _ = self.shared.reader.wake.notified() => {}
                    _ = sleep_until(due), if due.is_some() => break,
                    _ = poll.tick(), if poll_every.is_some() => {
                        discover = self.shared.config.discover_streams;
                        break;
                    }
                    _ = self.shared.closed() => return Stop::Closed,
                }
            }
        }
    }

    /// When held entries come due: once the clock has passed the earliest of them (entries
    /// stamped ahead of the clock wait for it rather than make the reader spin).
    fn held_due(&self) -> Option<tokio::time::Instant> {
        let earliest = self
            .held
            .values()
            .filter_map(|entries| entries.first())
            .map(|entry| entry.position.ms)
            .min()?;
        let ahead = earliest.saturating_sub(self.last_clock_ms).min(1_000);
        Some(tokio::time::Instant::now() + HELD_RETRY + Duration::from_millis(ahead))
    }

    fn selected(&self, event_type: &str) -> bool {
        self.groups.iter().any(|(p, _)| p.matches(event_type))
    }

    /// One round; true when a stream filled its read (so another round should follow at once).
    async fn round(&mut self, discover: bool) -> Result<bool> {
        let (clock_ms, registry_size) = self.shared.backend.clock_and_registry_size().await?;
        self.last_clock_ms = clock_ms;
        let watermark = *self.watermark.get_or_insert(clock_ms);
        let started_ms = *self.started_ms.get_or_insert(clock_ms);
        // Take in whoever is waiting: they get every event from `watermark` on.
        let joined_patterns = {
            let mut state = self.shared.reader.state.lock().expect("reader lock");
            let joined = Joined {
                watermark_ms: watermark,
                now_ms: clock_ms,
            };
            let mut patterns = Vec::new();
            for (id, inbox, sender) in std::mem::take(&mut state.pending) {
                if sender.send(Ok(joined)).is_ok() {
                    patterns.push(inbox.pattern.clone());
                    state.active.insert(id, inbox);
                }
            }
            let someone_left = std::mem::take(&mut state.left);
            if !patterns.is_empty() || someone_left {
                self.groups = group_by_pattern(&state.active);
                // Streams no one selects any more are not read again (nothing before the
                // watermark is owed to anyone, so one selected again later starts from there).
                let groups = &self.groups;
                let selected = |t: &String| groups.iter().any(|(p, _)| p.matches(t));
                self.followed.retain(|t, _| selected(t));
                self.held.retain(|t, _| selected(t));
            }
            patterns
        };
        if joined_patterns.iter().any(|p| !p.is_exact())
            || self.registry_size != Some(registry_size)
            || discover
        {
            self.needs_lookup = true;
        }
        let lookup = if !self.needs_lookup {
            Lookup::None
        } else if discover {
            Lookup::ScanTheKeyspace {
                from_ms: started_ms,
            }
        } else {
            Lookup::Registry
        };
        self.follow_selected(watermark, lookup).await?;
        self.needs_lookup = false;
        self.registry_size = Some(registry_size);
        let cursors: Vec<(String, Position)> =
            self.followed.iter().map(|(t, p)| (t.clone(), *p)).collect();
        let read = self.shared.backend.read_after(&cursors, ROUND_READ).await?;
        // A stream that filled its read may hold more in its last millisecond: release only
        // below it.
        let mut release_below = clock_ms.max(watermark);
        let mut again = false;
        for (event_type, entries) in read {
            if let Some(last) = entries.last() {
                self.followed.insert(event_type.clone(), last.position);
                if entries.len() == ROUND_READ {
                    release_below = release_below.min(last.position.ms);
                    again = true;
                }
            }
            self.held.entry(event_type).or_default().extend(entries);
        }
        let release_below = release_below.max(watermark);
        let mut released = Vec::new();
        for (event_type, entries) in self.held.iter_mut() {
            let due = entries.partition_point(|e| e.position.ms < release_below);
            if due > 0 {
                released.push((event_type.clone(), entries.drain(..due).collect()));
            }
        }
        self.held.retain(|_, entries| !entries.is_empty());
        // Lanes in type order, as a replay has them, so equal keys break ties the same way.
        released.sort_by(|(a, _), (b, _)| a.cmp(b));
        if !released.is_empty() {
            self.release(merge_whole(released, false), watermark);
        }
        self.watermark = Some(release_below);
        Ok(again)
    }

    /// Adds the streams the subscribers' patterns select that are not followed yet, read from
    /// `watermark` on (nothing before it is owed to anyone); streams a keyspace scan finds were
    /// written by others without a registry, and are read from when the reader started.
    async fn follow_selected(&mut self, watermark: u64, lookup: Lookup) -> Result<()> {
        let from = Position::just_before_ms(watermark);
        for (pattern, _) in self.groups.iter().filter(|(p, _)| p.is_exact()) {
            self.followed
                .entry(pattern.as_str().to_owned())
                .or_insert(from);
        }
        let wildcards: Vec<Pattern> = self
            .groups
            .iter()
            .filter(|(p, _)| !p.is_exact())
            .map(|(p, _)| p.clone())
            .collect();
        if wildcards.is_empty() {
            return Ok(());
        }
        let from = match lookup {
            Lookup::None => return Ok(()),
            Lookup::Registry => from,
            Lookup::ScanTheKeyspace { from_ms } => {
                for pattern in &wildcards {
                    self.shared.backend.discover(pattern).await?;
                }
                Position::just_before_ms(from_ms)
            }
        };
        for event_type in self.shared.backend.known_types().await? {
            if validate_type(&event_type).is_ok()
                && !self.followed.contains_key(&event_type)
                && self.selected(&event_type)
            {
                self.followed.insert(event_type, from);
            }
        }
        Ok(())
    }

    /// Hands each subscriber its share of what this round released, in order.
    fn release(&self, items: Vec<(String, crate::merge::Item)>, released_from: u64) {
        let mut state = self.shared.reader.state.lock().expect("reader lock");
        let mut selects: HashMap<&str, Vec<u64>> = HashMap::new();
        let mut shares: HashMap<u64, (Vec<Result<Event>>, usize)> = HashMap::new();
        for (event_type, item) in &items {
            let ids = selects.entry(event_type.as_str()).or_insert_with(|| {
                self.groups
                    .iter()
                    .filter(|(pattern, _)| pattern.matches(event_type))
                    .flat_map(|(_, ids)| ids.iter().copied())
                    .collect()
            });
            for id in ids.iter() {
                let share = shares.entry(*id).or_default();
                share.0.push(item.event.clone());
                share.1 += item.bytes;
            }
        }
        let mut lagging = HashSet::new();
        for (id, (batch, bytes)) in shares {
            // One that left since the grouping is no longer there.
            let Some(inbox) = state.active.get(&id) else {
                continue;
            };
            if !inbox.offer(batch, bytes, released_from) {
                self.shared.metrics.subscriber_lagged();
                lagging.insert(id);
            }
        }
        if !lagging.is_empty() {
            state.active.retain(|id, _| !lagging.contains(id));
            state.left = true;
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}

/// The active subscribers grouped by their pattern.
fn group_by_pattern(active: &HashMap<u64, Arc<Inbox>>) -> Vec<(Pattern, Vec<u64>)> {
    let mut groups: HashMap<&str, (Pattern, Vec<u64>)> = HashMap::new();
    for (id, inbox) in active {
        groups
            .entry(inbox.pattern.as_str())
            .or_insert_with(|| (inbox.pattern.clone(), Vec::new()))
            .1
            .push(*id);
    }
    groups.into_values().collect()
}
