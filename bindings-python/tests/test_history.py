"""history(): limits, order, and bounds as positions (exclusive), datetimes and milliseconds;
bad arguments. Both backends."""

from __future__ import annotations

import datetime

import pytest

import tidings


async def test_limit_order_and_position_bounds(url: str) -> None:
    async with await tidings.connect(url) as bus:
        ids = [await bus.emit(t, n) for n, t in enumerate(["h.a", "h.b"] * 5)]
        newest = await bus.history("h.*")
        assert [e.id for e in newest] == ids[::-1]
        assert [e.id for e in await bus.history("h.*", limit=3)] == ids[:-4:-1]
        oldest = await bus.history("h.*", limit=3, order="oldest_first")
        assert [e.id for e in oldest] == ids[:3]
        only_a = await bus.history("h.a", order="oldest_first")
        after = await bus.history("h.a", since=only_a[1].position, order="oldest_first")
        assert [e.id for e in after] == [e.id for e in only_a[2:]]
        before = await bus.history("h.a", until=only_a[3].position, order="oldest_first")
        assert [e.id for e in before] == [e.id for e in only_a[:3]]
        assert await bus.history("h.*", limit=0) == []
        assert await bus.history("nothing.here") == []


def ms_of(event: tidings.Event) -> int:
    return int(event.position.split("-")[0])


async def test_time_bounds_as_datetimes_and_milliseconds(url: str) -> None:
    async with await tidings.connect(url) as bus:
        await bus.emit("tb.x", "first")
        [first] = await bus.history("tb.x")
        while ms_of((await bus.history("tb.x", limit=1))[0]) <= ms_of(first):
            await bus.emit("tb.x", "later")
        every = await bus.history("tb.x", limit=10_000, order="oldest_first")
        cut = ms_of(first) + 1
        before = [e.id for e in every if ms_of(e) < cut]
        after = [e.id for e in every if ms_of(e) >= cut]
        assert before and after
        assert [e.id for e in await bus.history("tb.x", until=cut, order="oldest_first")] == before
        assert [e.id for e in await bus.history("tb.x", since=cut, order="oldest_first")] == after
        cut_time = datetime.datetime.fromtimestamp(cut / 1000, datetime.timezone.utc)
        assert [e.id for e in await bus.history("tb.x", since=cut_time, order="oldest_first")] == after
        assert [e.id for e in await bus.history("tb.x", until=cut_time, order="oldest_first")] == before


@pytest.mark.parametrize(
    "kwargs, exception",
    [
        ({"since": "yesterday"}, tidings.ConfigError),
        ({"until": "1-2-3"}, tidings.ConfigError),
        ({"since": -5}, tidings.ConfigError),
        ({"since": 1.5}, TypeError),
        ({"until": object()}, TypeError),
        ({"limit": -1}, tidings.ConfigError),
        ({"limit": "ten"}, TypeError),
        ({"order": "sideways"}, tidings.ConfigError),
    ],
)
async def test_bad_arguments_are_refused(url: str, kwargs, exception) -> None:
    async with await tidings.connect(url) as bus:
        with pytest.raises(exception):
            await bus.history("*", **kwargs)
        with pytest.raises(tidings.InvalidPatternError):
            await bus.history("user.?")
