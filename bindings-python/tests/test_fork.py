"""fork(): the parent keeps working, and a child that uses tidings gets its own runtime; what
the parent connected is refused in the child with ClosedError instead of hanging. Both backends."""

from __future__ import annotations

import os

import tidings
from helpers import PATIENCE


def child(url: str, inherited: tidings.SyncBus) -> int:
    try:
        try:
            inherited.emit("fork.child", "through the parent's bus")
            return 10
        except tidings.ClosedError:
            pass
        with tidings.connect_sync(url) as bus:
            bus.emit("fork.child", "hello from the child")
            if [e.data for e in bus.history("fork.child")] != ["hello from the child"]:
                return 11
        return 0
    except BaseException:  # noqa: BLE001 - any failure is an exit code for the parent
        return 12


def test_a_forked_child_gets_its_own_runtime(url: str) -> None:
    with tidings.connect_sync(url) as bus:
        bus.emit("fork.parent", "before")
        events = bus.events("fork.*")
        pid = os.fork()
        if pid == 0:
            os._exit(child(url, bus))
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        bus.emit("fork.parent", "after")
        received = events.next_batch(timeout=PATIENCE)
        data = [e.data for e in received or []]
        if url.startswith("redis"):
            # The child's event went to the same Redis, so the parent sees it too.
            while len(data) < 2:
                data += [e.data for e in events.next_batch(timeout=PATIENCE) or []]
            assert sorted(data) == ["after", "hello from the child"]
        else:
            assert data == ["after"]  # memory:// stores are per process
        events.close()
