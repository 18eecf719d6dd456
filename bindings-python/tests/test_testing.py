"""tidings.testing: a memory bus with its assertion helpers, async and sync."""

from __future__ import annotations

import pytest

import tidings
import tidings.testing


class UserService:
    def __init__(self, bus: tidings.Bus) -> None:
        self.bus = bus

    async def register(self, email: str) -> None:
        await self.bus.emit("user.registered", {"email": email})


async def test_assert_emitted_returns_the_first_such_event() -> None:
    async with await tidings.testing.connect() as bus:
        assert isinstance(bus, tidings.Bus)
        await UserService(bus).register("test@example.com")
        await UserService(bus).register("second@example.com")
        event = bus.assert_emitted("user.registered")
        assert event.data["email"] == "test@example.com"
        bus.assert_not_emitted("user.deleted")
        with pytest.raises(AssertionError, match="user.deleted was not emitted"):
            bus.assert_emitted("user.deleted")
        with pytest.raises(AssertionError, match="should not have been emitted"):
            bus.assert_not_emitted("user.registered")
        assert [e.data["email"] for e in bus.emitted("user.*")] == ["test@example.com", "second@example.com"]


async def test_each_bus_has_its_own_store_unless_named() -> None:
    async with await tidings.testing.connect() as first, await tidings.testing.connect() as second:
        await first.emit("only.first", 1)
        second.assert_not_emitted("only.first")
    async with await tidings.testing.connect("shared-name") as a, await tidings.testing.connect("shared-name") as b:
        await a.emit("shared.x", 1)
        b.assert_emitted("shared.x")


def test_the_sync_variant() -> None:
    with tidings.testing.connect_sync() as bus:
        assert isinstance(bus, tidings.SyncBus)
        bus.emit("order.placed", {"id": 7})
        assert bus.assert_emitted("order.placed").data == {"id": 7}
        bus.assert_not_emitted("order.cancelled")
        with pytest.raises(tidings.InvalidTypeError):
            bus.assert_emitted("not a type")
