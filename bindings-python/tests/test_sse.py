"""tidings.sse: text/event-stream frames from a subscription, framed by the core, resuming
after a Last-Event-ID, with heartbeats when idle, named or unnamed. Both backends."""

from __future__ import annotations

import json

import pytest

import tidings
from helpers import within
from tidings.sse import sse_frame, sse_heartbeat, sse_prelude, sse_stream


def parse(frame: str) -> dict:
    fields = dict(line.split(": ", 1) for line in frame.rstrip("\n").split("\n"))
    fields["data"] = json.loads(fields["data"])
    return fields


async def test_frames_carry_cursor_type_and_envelope(url: str) -> None:
    async with await tidings.connect(url) as bus:
        frames = sse_stream(bus, "user.*")
        assert await within(frames.__anext__()) == sse_prelude()
        await bus.emit("order.placed", 1)
        event_id = await bus.emit("user.login", {"note": "two\nlines"}, subject="u-1")
        frame = await within(frames.__anext__())
        assert frame.endswith("\n\n") and frame.count("\n") == 4
        fields = parse(frame)
        [stored] = await bus.history("user.*")
        assert fields["id"] == stored.cursor and fields["event"] == "user.login"
        assert fields["data"] == stored.to_dict() and fields["data"]["id"] == event_id
        assert frame == sse_frame(stored)
        await frames.aclose()


async def test_resuming_after_last_event_id(url: str) -> None:
    async with await tidings.connect(url) as bus:
        ids = [await bus.emit("feed.item", n) for n in range(4)]
        stored = await bus.history("feed.item", order="oldest_first")
        frames = sse_stream(bus, "feed.item", last_event_id=stored[1].position)
        assert await within(frames.__anext__()) == sse_prelude()
        resumed = [parse(await within(frames.__anext__())) for _ in range(2)]
        assert [f["data"]["id"] for f in resumed] == ids[2:]
        await frames.aclose()


async def test_idle_streams_get_heartbeats(url: str) -> None:
    async with await tidings.connect(url) as bus:
        frames = sse_stream(bus, "quiet.*", heartbeat=0.01)
        await within(frames.__anext__())
        assert await within(frames.__anext__()) == sse_heartbeat()
        await frames.aclose()


async def test_a_bad_last_event_id_fails_before_streaming(url: str) -> None:
    async with await tidings.connect(url) as bus:
        with pytest.raises(tidings.ConfigError):
            sse_stream(bus, "*", last_event_id="not-a-position")
        with pytest.raises(tidings.InvalidPatternError):
            sse_stream(bus, "bad pattern")


async def test_the_stream_ends_when_the_bus_closes(url: str) -> None:
    bus = await tidings.connect(url)
    frames = sse_stream(bus, "*")
    await within(frames.__anext__())
    await bus.close()
    assert [frame async for frame in frames] == []


async def test_unnamed_frames_fire_onmessage(url: str) -> None:
    async with await tidings.connect(url) as bus:
        frames = sse_stream(bus, "user.*", named=False)
        await within(frames.__anext__())
        await bus.emit("user.login", 1)
        frame = await within(frames.__anext__())
        assert set(parse(frame)) == {"id", "data"}
        await frames.aclose()


def test_the_headers_and_heartbeat_come_from_the_core() -> None:
    from tidings.sse import SSE_HEADERS, SSE_HEARTBEAT

    assert SSE_HEADERS["Content-Type"].startswith("text/event-stream")
    assert "Connection" not in SSE_HEADERS and SSE_HEARTBEAT == 15.0
