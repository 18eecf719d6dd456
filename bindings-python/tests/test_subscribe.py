"""Callback subscriptions on asyncio: matching events only, each once and in order, on the loop
they were registered from; async callbacks; callbacks that raise; unsubscribe. Both backends."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

import tidings
from helpers import within


async def collect(bus: tidings.Bus, pattern: str, count: int, **options):
    """Subscribes; returns (events list, future done when `count` arrived, unsubscribe)."""
    done = asyncio.get_running_loop().create_future()
    received: list = []

    def on_event(event: tidings.Event) -> None:
        received.append(event)
        if len(received) == count and not done.done():
            done.set_result(None)

    return received, done, bus.subscribe(pattern, on_event, **options)


async def test_a_pattern_callback_gets_matching_events_once_in_order(url: str) -> None:
    async with await tidings.connect(url) as bus:
        received, done, unsubscribe = await collect(bus, "user.*", 3)
        ids = [await bus.emit(t, {"n": n}) for n, t in enumerate(["user.registered", "order.placed", "user.login", "users.x", "user.logout"])]
        await within(done)
        unsubscribe()
    assert [event.id for event in received] == [ids[0], ids[2], ids[4]]
    assert [event.type for event in received] == ["user.registered", "user.login", "user.logout"]


async def test_every_subscription_gets_every_event(url: str) -> None:
    async with await tidings.connect(url) as bus:
        first, first_done, _ = await collect(bus, "*", 200)
        second, second_done, _ = await collect(bus, "load.*", 200)
        ids = await bus.emit_many([("load.test", n) for n in range(200)])
        await within(asyncio.gather(first_done, second_done))
        stream_order = [e.id for e in await bus.history("load.test", limit=1000, order="oldest_first")]
    assert sorted(stream_order) == sorted(ids)
    assert [e.id for e in first] == stream_order == [e.id for e in second]


async def test_callbacks_run_on_the_loop_thread_that_subscribed(url: str) -> None:
    async with await tidings.connect(url) as bus:
        threads: list = []
        done = asyncio.get_running_loop().create_future()

        def on_event(event: tidings.Event) -> None:
            threads.append((threading.get_ident(), asyncio.get_running_loop()))
            done.set_result(None)

        bus.subscribe("t.*", on_event)
        await bus.emit("t.x", 1)
        await within(done)
    assert threads == [(threading.get_ident(), asyncio.get_running_loop())]


async def test_async_callbacks_are_awaited_one_event_at_a_time(url: str) -> None:
    async with await tidings.connect(url) as bus:
        log: list = []
        done = asyncio.get_running_loop().create_future()

        async def on_event(event: tidings.Event) -> None:
            log.append(("start", event.data))
            await asyncio.sleep(0)
            log.append(("end", event.data))
            if event.data == 2:
                done.set_result(None)

        bus.subscribe("a.*", on_event)
        for n in range(3):
            await bus.emit("a.x", n)
        await within(done)
    assert log == [("start", 0), ("end", 0), ("start", 1), ("end", 1), ("start", 2), ("end", 2)]


async def test_a_raising_callback_is_counted_logged_and_delivery_goes_on(url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with await tidings.connect(url) as bus:
        seen: list = []
        done = asyncio.get_running_loop().create_future()

        async def flaky(event: tidings.Event) -> None:
            seen.append(event.data)
            if len(seen) == 10:
                done.set_result(None)
            if event.data % 3 == 0:
                raise ValueError(f"boom {event.data}")

        with caplog.at_level(logging.ERROR, logger="tidings"):
            bus.subscribe("job.done", flaky)
            await bus.emit_many([("job.done", n) for n in range(10)])
            await within(done)
        assert sorted(seen) == list(range(10))
        assert bus.metrics()["types"]["job.done"]["handler_errors"] == 4
        messages = [record for record in caplog.records if record.name == "tidings"]
        assert sorted(str(record.exc_info[1]) for record in messages) == ["boom 0", "boom 3", "boom 6", "boom 9"]


async def test_unsubscribe_stops_delivery(url: str) -> None:
    async with await tidings.connect(url) as bus:
        stopped, stopped_done, unsubscribe = await collect(bus, "s.*", 1)
        witness, witness_done, _ = await collect(bus, "s.*", 3)
        await bus.emit("s.one", 1)
        await within(stopped_done)
        unsubscribe()
        unsubscribe()  # twice is harmless
        await bus.emit("s.two", 2)
        await bus.emit("s.three", 3)
        await within(witness_done)
    assert [e.data for e in stopped] == [1]
    assert [e.data for e in witness] == [1, 2, 3]


async def test_unsubscribing_inside_the_callback_stops_at_once(url: str) -> None:
    async with await tidings.connect(url) as bus:
        seen: list = []
        called = asyncio.Event()
        witness, witness_done, _ = await collect(bus, "once.*", 3)

        def once(event: tidings.Event) -> None:
            seen.append(event.data)
            unsubscribe()
            called.set()

        unsubscribe = bus.subscribe("once.*", once)
        for n in range(3):
            await bus.emit("once.x", n)
        await within(called.wait())
        await within(witness_done)
    assert seen == [0]


async def test_subscribe_refuses_bad_input(url: str) -> None:
    async with await tidings.connect(url) as bus:
        with pytest.raises(tidings.InvalidPatternError) as raised:
            bus.subscribe("user.?", print)
        assert raised.value.code == 2
        with pytest.raises(TypeError):
            bus.subscribe("user.*", "not callable")
        with pytest.raises(TypeError):
            bus.subscribe(5, print)
        with pytest.raises(tidings.ConfigError):
            bus.subscribe("user.*", print, from_="yesterday")


def test_subscribe_needs_a_running_loop(url: str) -> None:
    async def connect() -> tidings.Bus:
        return await tidings.connect(url)

    bus = asyncio.run(connect())
    with pytest.raises(RuntimeError):
        bus.subscribe("*", print)


async def test_closing_the_bus_ends_delivery(url: str) -> None:
    bus = await tidings.connect(url)
    received, done, _ = await collect(bus, "c.*", 2)
    await bus.emit("c.x", 1)
    await bus.emit("c.x", 2)
    await within(done)
    await bus.close()
    assert [e.data for e in received] == [1, 2]
