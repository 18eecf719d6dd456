"""Buses for testing services without Redis: a real bus on a private `memory://` store (same
semantics as Redis), plus assertion helpers.

    import tidings.testing

    async def test_registration_emits_an_event():
        async with await tidings.testing.connect() as bus:
            await UserService(bus).register(email="test@example.com")
            event = bus.assert_emitted("user.registered")
            assert event.data["email"] == "test@example.com"

As a pytest fixture: `@pytest.fixture async def bus(): async with await tidings.testing.connect()
as bus: yield bus`. For code without an event loop, `tidings.testing.connect_sync()`.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, List, Optional

from ._tidings import Bus, Event, SyncBus, validate_type
from ._tidings import connect as _connect
from ._tidings import connect_sync as _connect_sync

__all__ = ["MemoryBus", "SyncMemoryBus", "connect", "connect_sync"]

_store_numbers = itertools.count()


def _private_url(name: Optional[str]) -> str:
    return f"memory://{name or f'tidings-testing-{os.getpid()}-{next(_store_numbers)}'}"


class _Assertions:
    """Assertion helpers (`assert_emitted`, `assert_not_emitted`), reading what was actually stored."""

    def emitted(self, pattern: str = "*") -> List[Event]:
        """Every event stored under `pattern`, oldest first."""
        return SyncBus(self).history(pattern, limit=1_000_000, order="oldest_first")  # type: ignore[arg-type]

    def _stored(self, event_type: str) -> List[Event]:
        validate_type(event_type)
        return self.emitted(event_type)

    def assert_emitted(self, event_type: str) -> Event:
        """Returns the first `event_type` event emitted; raises AssertionError if there is none."""
        stored = self._stored(event_type)
        if not stored:
            raise AssertionError(f"Event {event_type} was not emitted")
        return stored[0]

    def assert_not_emitted(self, event_type: str) -> None:
        """Raises AssertionError if an `event_type` event was emitted."""
        stored = self._stored(event_type)
        if stored:
            raise AssertionError(f"Event {event_type} should not have been emitted (found {len(stored)})")


class MemoryBus(_Assertions, Bus):
    """A `tidings.Bus` on a private memory store, with `assert_emitted` and `assert_not_emitted`."""


class SyncMemoryBus(_Assertions, SyncBus):
    """A `tidings.SyncBus` on a private memory store, with `assert_emitted` and `assert_not_emitted`."""


async def connect(name: Optional[str] = None, **options: Any) -> MemoryBus:
    """A `MemoryBus` on a fresh private store (or the shared store `memory://<name>`)."""
    return MemoryBus(await _connect(_private_url(name), **options))


def connect_sync(name: Optional[str] = None, **options: Any) -> SyncMemoryBus:
    """A `SyncMemoryBus` on a fresh private store (or the shared store `memory://<name>`)."""
    return SyncMemoryBus(_connect_sync(_private_url(name), **options))
