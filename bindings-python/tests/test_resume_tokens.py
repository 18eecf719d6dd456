"""Exact resume tokens through the Python API, both backends: `Event.cursor` resumes after
exactly its event for the pattern it came under, with several types in one millisecond, by
`events(from_=…)`, by the SSE helper (header and query parameter), and over real HTTP against
the example app; a resume past trimmed events raises `TrimmedError` in their place; bad tokens
are refused at once."""

from __future__ import annotations

import json
from typing import List

import httpx
import pytest

import tidings
from helpers import PATIENCE, take, within
from tidings.sse import sse_prelude, sse_stream


async def four_in_one_millisecond(bus: tidings.Bus, prefix: str) -> List[tidings.Event]:
    """Emits a0, b0, a1, b1 in one batch until all four land in one millisecond (a batch
    nearly always does); returns them as a subscription from the start delivers them."""
    for _ in range(50):
        ids = await bus.emit_many([(f"{prefix}.{t}", n) for n, t in enumerate("abab")])
        stored = await bus.history(f"{prefix}.*", limit=4)
        if len({e.position.split("-")[0] for e in stored}) == 1 and {e.id for e in stored} == set(ids):
            async with bus.events(f"{prefix}.*", from_="start") as everything:
                delivered: List[tidings.Event] = []
                while not delivered or delivered[-1].id != ids[-1]:
                    delivered.extend(e for e in await take(everything, 1) if e.id in ids)
                return delivered
    pytest.fail("no batch of four landed in one millisecond in 50 tries")


async def test_a_resume_from_each_cursor_yields_exactly_the_rest(url: str) -> None:
    async with await tidings.connect(url) as bus:
        events = await four_in_one_millisecond(bus, "tie")
        ids = [e.id for e in events]
        sentinel = await bus.emit("tie.z", "end")
        for n, event in enumerate(events):
            assert event.cursor is not None and ":tie." in event.cursor
            async with bus.events("tie.*", from_=event.cursor) as resumed:
                got = [e.id for e in await take(resumed, 4 - n)]
            assert got == ids[n + 1 :] + [sentinel], f"resuming after event {n}"


async def test_history_cursors_and_exact_patterns(url: str) -> None:
    async with await tidings.connect(url) as bus:
        events = await four_in_one_millisecond(bus, "page")
        newest_first = await bus.history("page.*", limit=4)  # an earlier try may have left more
        assert [e.cursor for e in reversed(newest_first)] == [e.cursor for e in events]
        [only] = await bus.history("page.a", limit=1)
        assert only.cursor == only.position


async def test_a_resume_past_trimmed_events_raises_in_their_place(url: str) -> None:
    # Redis trims whole nodes of about 100 entries, so emit well past that.
    async with await tidings.connect(url, max_stream_len=10) as bus:
        await bus.emit("trim.a", 0)
        [first] = await bus.history("trim.*")
        await bus.emit_many([("trim.a", n) for n in range(1, 400)])
        oldest = await bus.history("trim.*", order="oldest_first", limit=1)
        assert oldest[0].id != first.id
        async with bus.events("trim.*", from_=first.cursor) as resumed:
            with pytest.raises(tidings.TrimmedError) as raised:
                await within(resumed.__anext__())
            assert "trim.a" in str(raised.value) and raised.value.name == "TIDINGS_TRIMMED"
            # Iterating again goes on from the oldest event kept.
            assert (await take(resumed, 1))[0].id == oldest[0].id
        assert bus.metrics()["subscriptions_trimmed"] == 1
        frames = sse_stream(bus, "trim.*", last_event_id=first.cursor, named=False)
        assert await within(frames.__anext__()) == sse_prelude()
        trimmed = await within(frames.__anext__())
        assert not trimmed.startswith("event:") and json.loads(trimmed.split("data: ", 1)[1])["type"] == "tidings:trimmed"
        assert oldest[0].id in await within(frames.__anext__())
        await frames.aclose()


def test_the_sync_subscription_raises_it_too() -> None:
    with tidings.connect_sync("memory://", max_stream_len=3) as bus:
        bus.emit("sync.a", 0)
        [first] = bus.history("sync.a")
        bus.emit_many([("sync.a", n) for n in range(1, 10)])
        with bus.events("sync.*", from_=first.cursor or "") as resumed:
            with pytest.raises(tidings.TrimmedError):
                next(resumed)
            assert next(resumed).data == 7


async def test_bad_tokens_are_refused_at_once(url: str) -> None:
    async with await tidings.connect(url) as bus:
        await bus.emit("bad.a", 1)
        [event] = await bus.history("bad.*")
        assert event.cursor
        for pattern, token in [
            ("*", event.cursor),  # another pattern's cursor
            ("bad.*", "garbage"),
            ("bad.*", "99999999999999-0"),  # far in the future
            ("bad.*", event.cursor.replace("bad.a", "other.a")),
        ]:
            with pytest.raises(tidings.ConfigError):
                bus.events(pattern, from_=token)
            with pytest.raises(tidings.ConfigError):
                sse_stream(bus, pattern, query=token)


class FakeRequest:
    """What the SSE helper reads of a Starlette request."""

    def __init__(self, header: str | None, query: str | None) -> None:
        self.headers = {"last-event-id": header} if header is not None else {}
        self.query_params = {"last_event_id": query} if query is not None else {}


async def test_the_sse_helper_resumes_from_the_header_or_the_query(url: str) -> None:
    async with await tidings.connect(url) as bus:
        events = await four_in_one_millisecond(bus, "sse")
        sentinel = await bus.emit("sse.z", "end")
        wanted = [e.id for e in events[2:]] + [sentinel]
        for header, query in [(events[1].cursor, None), (None, events[1].cursor), (events[1].cursor, events[3].cursor)]:
            frames = sse_stream(bus, "sse.*", request=FakeRequest(header, query))
            assert await within(frames.__anext__()) == sse_prelude()
            got = [json.loads((await within(frames.__anext__())).split("data: ", 1)[1])["id"] for _ in wanted]
            await frames.aclose()
            assert got == wanted, (header, query)


def sse_ids(stream: httpx.Response, count: int) -> List[str]:
    ids: List[str] = []
    for line in stream.iter_lines():
        if line.startswith("data: "):
            ids.append(json.loads(line[6:])["id"])
            if len(ids) == count:
                return ids
    return ids


@pytest.fixture
def app_on_redis(redis_url: str):
    from test_example_app import start_app

    with start_app(redis_url) as base:
        yield base


async def test_over_http_with_the_header_and_the_query_parameter(app_on_redis: str, redis_url: str) -> None:
    async with await tidings.connect(redis_url) as bus:
        events = await four_in_one_millisecond(bus, "web")
        sentinel = await bus.emit("web.z", "end")
    with httpx.Client(base_url=app_on_redis, timeout=PATIENCE) as client:
        for n, event in enumerate(events):
            wanted = [e.id for e in events[n + 1 :]] + [sentinel]
            params = {"pattern": "web.*"}
            with client.stream("GET", "/events", params=params, headers={"Last-Event-ID": event.cursor}) as stream:
                assert sse_ids(stream, len(wanted)) == wanted
            with client.stream("GET", "/events", params={**params, "last_event_id": event.cursor}) as stream:
                assert sse_ids(stream, len(wanted)) == wanted
        for token in ["garbage", events[0].cursor.replace("web.a", "nope.a"), "99999999999999-0"]:
            assert client.get("/events", params={"pattern": "web.*", "last_event_id": token}).status_code == 400
        other = client.get("/events", params={"pattern": "*", "last_event_id": events[0].cursor})
        assert other.status_code == 400, "another pattern's cursor"
