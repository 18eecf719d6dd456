"""Python and the Rust core agree on the wire: an event emitted from Python is read back field
for field by `tidings-probe` (the core, from the command line), and one the probe emits is read
back by Python. Redis only: the two processes share nothing else."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import tidings
from helpers import PATIENCE, ROOT

PROBE = Path(os.environ.get("TIDINGS_PROBE", ROOT / "target" / "debug" / "tidings-probe"))


def probe(*args: str) -> list:
    if not PROBE.exists():
        pytest.fail(f"{PROBE} is missing: cargo build -p tidings-probe (make test-python does)")
    out = subprocess.run([str(PROBE), *args], capture_output=True, text=True, timeout=PATIENCE, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


async def test_the_core_reads_what_python_wrote(redis_url: str) -> None:
    async with await tidings.connect(redis_url, source="tests/python") as bus:
        data = {"userId": 123, "name": "Ada", "tags": ["π", "✓"], "score": 0.5, "ok": False, "none": None}
        await bus.emit("cross.py", data, subject="user-123", metadata={"ip": "10.0.0.1"}, version="2")
        [event] = await bus.history("cross.py")
    [read] = probe("history", redis_url, "cross.py")
    assert read == event.to_dict()
    assert (read["id"], read["type"], read["source"], read["subject"], read["version"]) == (
        event.id, "cross.py", "tests/python", "user-123", "2")
    assert (read["data"], read["metadata"], read["position"]) == (data, {"ip": "10.0.0.1"}, event.position)
    assert read["time"] == event.time.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def test_python_reads_what_the_core_wrote(redis_url: str) -> None:
    [written] = probe("emit", redis_url, "cross.rust", '{"from": "rust", "n": [1, 2.5]}', "subj")
    async with await tidings.connect(redis_url) as bus:
        async with bus.events("cross.*", from_="start") as events:
            [event] = [e async for e in _first(events)]
        [stored] = await bus.history("cross.rust")
    assert event.to_dict() == written == stored.to_dict()
    assert (event.data, event.subject, event.source) == ({"from": "rust", "n": [1, 2.5]}, "subj", "tidings")


async def _first(events: tidings.Subscription):
    yield await events.__anext__()
