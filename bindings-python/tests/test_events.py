"""`async for event in bus.events(...)`: live, replay from "start", a position, a time; the
seam has no gap and no duplicate; a cancelled wait loses nothing. Both backends."""

from __future__ import annotations

import asyncio
import datetime

import pytest

import tidings
from helpers import take, within


async def test_live_events_start_when_events_returns(url: str) -> None:
    async with await tidings.connect(url) as bus:
        await bus.emit("live.x", "before")
        async with bus.events("live.*") as events:
            await bus.emit("live.x", "after")
            [event] = await take(events, 1)
        assert event.data == "after"
        assert events.closed


async def test_replay_from_start_then_live_has_no_gap_and_no_duplicate(url: str) -> None:
    async with await tidings.connect(url) as bus:
        old = [await bus.emit("r.x", n) for n in range(5)]
        events = bus.events("r.*", from_="start")
        new = [await bus.emit("r.y", n) for n in range(5, 10)]
        received = await take(events, 10)
        assert [e.id for e in received] == old + new
        assert await within(events.next_batch(timeout=0.05)) == []
        events.close()


async def test_resuming_after_a_position_continues_exactly(url: str) -> None:
    async with await tidings.connect(url) as bus:
        ids = [await bus.emit("p.x", n) for n in range(6)]
        [third] = [e for e in await bus.history("p.x", limit=10) if e.id == ids[2]]
        async with bus.events("p.x", from_=third.position) as events:
            assert [e.id for e in await take(events, 3)] == ids[3:]


async def test_starting_from_a_time_or_milliseconds(url: str) -> None:
    async with await tidings.connect(url) as bus:
        await bus.emit("t.x", "old")
        [old] = await bus.history("t.x")
        old_ms = int(old.position.split("-")[0])
        # Emit elsewhere until the clock has moved on, so "new" lands in a later millisecond.
        while int((await bus.history("t.filler", limit=1) or [old])[0].position.split("-")[0]) <= old_ms:
            await bus.emit("t.filler", None)
        await bus.emit("t.x", "new")
        [newest, _] = await bus.history("t.x")
        new_ms = int(newest.position.split("-")[0])
        assert new_ms > old_ms
        for start in (new_ms, datetime.datetime.fromtimestamp(new_ms / 1000, datetime.timezone.utc)):
            async with bus.events("t.x", from_=start) as events:
                assert [e.data for e in await take(events, 1)] == ["new"]
        async with bus.events("t.x", from_=old_ms) as events:
            assert [e.data for e in await take(events, 2)] == ["old", "new"]


@pytest.mark.parametrize(
    "start, exception",
    [("yesterday", tidings.ConfigError), ("12", tidings.ConfigError), (-1, tidings.ConfigError),
     (1.5, TypeError), (True, TypeError), ([1], TypeError)],
)
async def test_bad_starts_are_refused(url: str, start, exception) -> None:
    async with await tidings.connect(url) as bus:
        with pytest.raises(exception):
            bus.events("x", from_=start)


async def test_bad_patterns_are_refused(url: str) -> None:
    async with await tidings.connect(url) as bus:
        for pattern in ("user.?", "a b", "", "stream:user:*"):
            with pytest.raises(tidings.InvalidPatternError):
                bus.events(pattern)


async def test_a_cancelled_wait_loses_nothing_and_duplicates_nothing(url: str) -> None:
    async with await tidings.connect(url) as bus:
        events = bus.events("c.x")
        got: list = []
        for n in range(40):
            await bus.emit("c.x", n)
            waiting = asyncio.ensure_future(events.__anext__())
            await asyncio.sleep(0)  # let the wait start, then cancel it, whatever state it is in
            waiting.cancel()
            outcome = (await asyncio.gather(waiting, return_exceptions=True))[0]
            if isinstance(outcome, tidings.Event):
                got.append(outcome.data)
        while len(got) < 40:
            batch = await within(events.next_batch())
            got.extend(e.data for e in batch)
        events.close()
    assert got == list(range(40))


async def test_wait_for_timeouts_lose_nothing(url: str) -> None:
    async with await tidings.connect(url) as bus:
        events = bus.events("w.x")
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(events.__anext__(), 0.01)
        await bus.emit("w.x", 1)
        assert (await take(events, 1))[0].data == 1
        events.close()


async def test_closing_the_bus_ends_iteration(url: str) -> None:
    bus = await tidings.connect(url)
    events = bus.events("end.*")
    await bus.emit("end.x", 1)
    await bus.close()
    received = [event.data async for event in events]
    assert received in ([1], [])  # delivered before the close, or not at all; never an error
    assert await within(events.next_batch()) is None


async def test_closing_a_subscription_ends_iteration(url: str) -> None:
    async with await tidings.connect(url) as bus:
        events = bus.events("end.*")
        waiting = asyncio.ensure_future(events.__anext__())
        await asyncio.sleep(0)
        events.close()
        with pytest.raises(StopAsyncIteration):
            await within(waiting)
        assert [e async for e in events] == []
        await bus.emit("end.x", 1)  # the bus itself goes on
