"""Helpers shared by the tests: the liveness guard, free ports, fresh memory stores."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
from pathlib import Path
from typing import Any, Awaitable, TypeVar

#: The repository root (bindings-python/..).
ROOT = Path(__file__).resolve().parents[2]
#: Turns a hang into a failure; never a performance assertion.
PATIENCE = 30.0

T = TypeVar("T")
_stores = itertools.count()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_memory_url() -> str:
    return f"memory://pytest-{os.getpid()}-{next(_stores)}"


async def within(awaitable: Awaitable[T], seconds: float = PATIENCE) -> T:
    """Awaits under the liveness guard."""
    return await asyncio.wait_for(awaitable, seconds)


async def take(subscription: Any, count: int) -> list:
    """The next `count` events of an async subscription, under the liveness guard."""
    events: list = []
    while len(events) < count:
        events.append(await within(subscription.__anext__()))
    return events
