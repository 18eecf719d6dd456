"""The blocking API (`connect_sync`): the same methods without an event loop, shared between
threads, callbacks on a thread of their own, and Ctrl-C interrupting a wait without losing an
event. Both backends."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator

import pytest

import tidings
from helpers import PATIENCE


def test_emit_history_and_iterate(url: str) -> None:
    with tidings.connect_sync(url, source="tests/sync") as bus:
        with bus.events("s.*", from_="start") as events:
            ids = [bus.emit("s.x", n, subject="s") for n in range(3)]
            assert [next(events).id for _ in range(3)] == ids
            assert events.next_batch(timeout=0.01) == []
        stored = bus.history("s.*", order="oldest_first")
        assert [e.id for e in stored] == ids
        assert stored[0].source == "tests/sync" and stored[0].subject == "s"
        assert bus.emit_many([("s.y", 1), {"type": "s.y", "data": 2}])
    assert bus.closed
    with pytest.raises(tidings.ClosedError):
        bus.emit("s.x", 1)


def test_iteration_ends_when_the_bus_closes(url: str) -> None:
    bus = tidings.connect_sync(url)
    events = bus.events("e.*")
    bus.emit("e.x", 1)
    bus.close()
    assert [e.data for e in events] in ([1], [])
    assert events.next_batch() is None


def test_threads_share_one_bus(url: str) -> None:
    with tidings.connect_sync(url) as bus:
        ids: list = []
        lock = threading.Lock()

        def work(worker: int) -> None:
            for n in range(50):
                event_id = bus.emit("t.x", {"worker": worker, "n": n})
                with lock:
                    ids.append(event_id)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PATIENCE)
        stored = bus.history("t.x", limit=1000)
    assert len(ids) == 400 and sorted(e.id for e in stored) == sorted(ids)


def test_callbacks_run_on_their_own_thread_and_survive_errors(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with tidings.connect_sync(url) as bus:
        seen: list = []
        threads: set = set()
        done = threading.Event()

        def on_event(event: tidings.Event) -> None:
            seen.append(event.data)
            threads.add(threading.get_ident())
            if len(seen) == 5:
                done.set()
            if event.data == 2:
                raise RuntimeError("callback failure")

        with caplog.at_level(logging.ERROR, logger="tidings"):
            unsubscribe = bus.subscribe("cb.*", on_event)
            for n in range(5):
                bus.emit("cb.x", n)
            assert done.wait(PATIENCE)
            unsubscribe()
        bus.emit("cb.x", 99)
        assert seen == [0, 1, 2, 3, 4]
        assert threads and threading.get_ident() not in threads
        assert bus.metrics()["types"]["cb.x"]["handler_errors"] == 1
        assert any("callback failure" in str(r.exc_info[1]) for r in caplog.records if r.name == "tidings")


class Reported(logging.Handler):
    """Sets an event when tidings logs a callback failure (after the core counted it)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen = threading.Event()
        self.records: list = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.seen.set()


def test_async_callbacks_are_refused_on_the_sync_bus(url: str) -> None:
    reported = Reported()
    logging.getLogger("tidings").addHandler(reported)
    try:
        with tidings.connect_sync(url) as bus:

            async def on_event(event: tidings.Event) -> None:  # pragma: no cover - never awaited
                pass

            unsubscribe = bus.subscribe("ac.*", on_event)
            bus.emit("ac.x", 1)
            assert reported.seen.wait(PATIENCE)
            unsubscribe()
            assert bus.metrics()["types"]["ac.x"]["handler_errors"] == 1
            assert isinstance(reported.records[0].exc_info[1], TypeError)
    finally:
        logging.getLogger("tidings").removeHandler(reported)


@pytest.fixture
def python_ctrl_c() -> Iterator[None]:
    """Python's own Ctrl-C handler, whatever the test run inherited: a process started in the
    background by a non-interactive shell ignores SIGINT, and Python then never raises
    KeyboardInterrupt."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("python_ctrl_c")
def test_ctrl_c_interrupts_a_blocking_wait_and_loses_nothing(url: str) -> None:
    with tidings.connect_sync(url) as bus:
        events = bus.events("i.*")
        with pytest.raises(KeyboardInterrupt):
            timer = threading.Timer(0.2, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
            timer.start()
            next(events)
        timer.join()
        bus.emit("i.x", "after")
        assert next(events).data == "after"
        events.close()


def test_bad_input(url: str) -> None:
    with tidings.connect_sync(url) as bus:
        with pytest.raises(tidings.InvalidTypeError):
            bus.emit("no spaces", 1)
        with pytest.raises(TypeError):
            bus.emit("ok", {1, 2})
        with pytest.raises(tidings.InvalidDataError):
            bus.emit("ok", float("nan"))
        with pytest.raises(tidings.InvalidPatternError):
            bus.history("a?")
        with pytest.raises(TypeError):
            bus.subscribe("ok", None)
        assert bus.history("*") == []


def test_a_blocking_wait_lets_other_threads_run(url: str) -> None:
    """A thread blocked in next() holds no GIL: this thread can emit the event it waits for."""
    with tidings.connect_sync(url) as bus:
        events = bus.events("g.*")
        got: list = []
        waiter = threading.Thread(target=lambda: got.append(next(events).data))
        waiter.start()
        bus.emit("g.x", "from another thread")
        waiter.join(PATIENCE)
        assert got == ["from another thread"]
        events.close()
