"""Emitting from asyncio: ids, what history reads back, emit_many, and bad input that must be
refused with a clear error and write nothing. Every test runs on memory:// and on Redis."""

from __future__ import annotations

import collections
import datetime
import enum
import functools
import json
import math
import uuid

import pytest

import tidings


async def test_emit_returns_a_uuid7_and_history_reads_every_field_back(url: str) -> None:
    async with await tidings.connect(url, source="tests/python") as bus:
        before = datetime.datetime.now(datetime.timezone.utc)
        event_id = await bus.emit(
            "user.login",
            {"userId": 123, "device": "iPhone 14", "tags": ["a", "é"], "ok": True, "score": 1.5, "none": None},
            subject="user-123",
            metadata={"ip": "192.168.1.1"},
            version="2",
        )
        after = datetime.datetime.now(datetime.timezone.utc)
        assert uuid.UUID(event_id).version == 7
        [event] = await bus.history("user.login")
    assert event.id == event_id
    assert event.type == "user.login"
    assert event.source == "tests/python"
    assert event.subject == "user-123"
    assert event.data == {"userId": 123, "device": "iPhone 14", "tags": ["a", "é"], "ok": True, "score": 1.5, "none": None}
    assert event.metadata == {"ip": "192.168.1.1"}
    assert event.version == "2"
    assert event.time.tzinfo is not None and event.time.utcoffset() == datetime.timedelta(0)
    assert before - datetime.timedelta(milliseconds=1) <= event.time <= after
    ms, seq = event.position.split("-")
    assert int(ms) > 0 and int(seq) >= 0
    envelope = event.to_dict()
    assert envelope["specversion"] == "1.0" and envelope["position"] == event.position
    assert envelope["id"] == event_id and envelope["data"] == event.data


@pytest.mark.parametrize(
    "data",
    [None, 0, -7, 2**63 - 1, 3.25, "text", "", True, False, [], {}, [1, [2, [3]]], {"a": {"b": {"c": None}}}, "π ✓ \u0000"],
)
async def test_any_json_value_round_trips(url: str, data: object) -> None:
    async with await tidings.connect(url) as bus:
        await bus.emit("data.kind", data)
        [event] = await bus.history("data.kind")
    assert event.data == data and type(event.data) is type(data)


async def test_emit_defaults(url: str) -> None:
    async with await tidings.connect(url) as bus:
        await bus.emit("plain")
        [event] = await bus.history("plain")
    assert (event.data, event.subject, event.metadata, event.version, event.source) == (None, None, None, "1", "tidings")


async def test_emit_many_returns_ids_in_order_and_stores_each_once(url: str) -> None:
    async with await tidings.connect(url) as bus:
        items = [("order.placed", {"n": n}) if n % 2 else {"type": "order.paid", "data": {"n": n}, "subject": f"o-{n}"} for n in range(600)]
        ids = await bus.emit_many(items)
        assert len(ids) == 600 and len(set(ids)) == 600
        stored = await bus.history("order.*", limit=10_000, order="oldest_first")
    # Each event once; in emit order across types only up to the millisecond (wire format §6).
    assert sorted(event.id for event in stored) == sorted(ids)
    by_id = {event.id: event for event in stored}
    assert [by_id[event_id].data["n"] for event_id in ids] == list(range(600))
    assert by_id[ids[2]].subject == "o-2" and by_id[ids[1]].subject is None


async def test_emit_many_accepts_any_iterable_and_empty(url: str) -> None:
    async with await tidings.connect(url) as bus:
        assert await bus.emit_many([]) == []
        ids = await bus.emit_many(("gen.x", n) for n in range(3))
        assert len(ids) == 3


BAD_EMITS = [
    # (args, kwargs, exception, code or None)
    (("user login", {}), {}, tidings.InvalidTypeError, 1),
    (("user.*", {}), {}, tidings.InvalidTypeError, 1),
    (("", {}), {}, tidings.InvalidTypeError, 1),
    (("a:b", {}), {}, tidings.InvalidTypeError, 1),
    (("x" * 256, {}), {}, tidings.InvalidTypeError, 1),
    ((5, {}), {}, TypeError, None),
    ((None, {}), {}, TypeError, None),
    (("ok.type", {1, 2}), {}, TypeError, None),
    (("ok.type", object()), {}, TypeError, None),
    (("ok.type", b"bytes"), {}, TypeError, None),
    (("ok.type", float("nan")), {}, tidings.InvalidDataError, 3),
    (("ok.type", {"x": math.inf}), {}, tidings.InvalidDataError, 3),
    (("ok.type", [-math.inf]), {}, tidings.InvalidDataError, 3),
    (("ok.type", "x" * (1024 * 1024)), {}, tidings.InvalidDataError, 3),
    (("ok.type", {}), {"subject": 5}, TypeError, None),
    (("ok.type", {}), {"subject": ""}, tidings.InvalidDataError, 3),
    (("ok.type", {}), {"metadata": ["not", "a", "dict"]}, TypeError, None),
    (("ok.type", {}), {"metadata": {"x": {1, 2}}}, TypeError, None),
    (("ok.type", {}), {"version": 2}, TypeError, None),
    (("ok.type", {}), {"version": ""}, tidings.InvalidDataError, 3),
    (("ok.type", {}), {"nonsense": 1}, TypeError, None),
]


@pytest.mark.parametrize("args, kwargs, exception, code", BAD_EMITS)
async def test_bad_emits_are_refused_and_write_nothing(url: str, args, kwargs, exception, code) -> None:
    async with await tidings.connect(url) as bus:
        with pytest.raises(exception) as raised:
            await bus.emit(*args, **kwargs)
        if code is not None:
            assert raised.value.code == code and isinstance(raised.value, (tidings.TidingsError, ValueError))
        assert await bus.history("*") == []
        assert await bus.emit("still.works", 1)


def cyclic() -> object:
    data: dict = {"name": "loop"}
    data["self"] = data
    return data


async def test_cycles_and_deep_nesting_are_invalid_data(url: str) -> None:
    deep: list = []
    for _ in range(200):
        deep = [deep]
    async with await tidings.connect(url) as bus:
        for data in (cyclic(), deep):
            with pytest.raises(tidings.InvalidDataError):
                await bus.emit("ok.type", data)
        assert await bus.history("*") == []


@pytest.mark.parametrize(
    "items, exception",
    [
        ([("ok.a", 1), ("bad type", 2)], tidings.InvalidTypeError),
        ([("ok.a", 1), ("ok.b", {1})], TypeError),
        ([("ok.a", 1), ("ok.b", float("nan"))], tidings.InvalidDataError),
        ([("ok.a", 1), ("ok.b",)], TypeError),
        ([("ok.a", 1), ["ok.b", 2]], TypeError),
        ([("ok.a", 1), {"data": 2}], TypeError),
        ([("ok.a", 1), {"type": "ok.b", "extra": 2}], TypeError),
        ([("ok.a", 1), {"type": "ok.b", "metadata": 3}], TypeError),
        ([("ok.a", 1), (7, 2)], TypeError),
        ("ok.a", TypeError),
        (5, TypeError),
    ],
)
async def test_emit_many_refuses_bad_items_and_writes_nothing(url: str, items, exception) -> None:
    async with await tidings.connect(url) as bus:
        with pytest.raises(exception):
            await bus.emit_many(items)
        assert await bus.history("*") == []


async def test_a_closed_bus_refuses_everything(url: str) -> None:
    bus = await tidings.connect(url)
    await bus.close()
    assert bus.closed
    for call in (lambda: bus.emit("a.b", 1), lambda: bus.emit_many([("a.b", 1)]), lambda: bus.history("*")):
        with pytest.raises(tidings.ClosedError) as raised:
            await call()
        assert raised.value.code == 6
    with pytest.raises(tidings.ClosedError):
        bus.events("*")
    with pytest.raises(tidings.ClosedError):
        bus.subscribe("*", print)


async def test_emit_outside_an_event_loop_is_a_runtime_error(url: str) -> None:
    bus = await tidings.connect(url)
    loop_less = tidings.Bus(bus)
    try:
        import threading

        errors: list = []
        thread = threading.Thread(target=lambda: _emit_without_loop(loop_less, errors))
        thread.start()
        thread.join()
        assert len(errors) == 1 and isinstance(errors[0], RuntimeError)
    finally:
        await bus.close()


def _emit_without_loop(bus: tidings.Bus, errors: list) -> None:
    try:
        bus.emit("a.b", 1)
    except RuntimeError as error:
        errors.append(error)


class Colour(enum.IntEnum):
    RED = 1


class Name(str):
    pass


# Builtin data the binding writes itself, and values it hands to Python's own encoder (subclasses,
# non-str keys, ints beyond 64 bits): either way the data reads back as json.dumps would write it.
AS_JSON_DUMPS = [
    {"s": "π ✓ \u0000\n\"\\ 😀", "i": -(2**63), "u": 2**64 - 1, "f": [0.1, -0.0, 1e100, 1e-7, 5e-324], "b": [True, False, None]},
    ((1, (2, "three")), []),
    collections.OrderedDict([("b", 1), ("a", 2)]),
    {"colour": Colour.RED, "name": Name("ada")},
    {1: "int", True: "bool", None: "none", 1.5: "float"},
    {"big": 2**70, "neg": -(2**65)},
    functools.reduce(lambda inner, _: [inner], range(126), "deepest allowed"),
]


@pytest.mark.parametrize("data", AS_JSON_DUMPS)
async def test_data_reads_back_as_json_dumps_writes_it(url: str, data: object) -> None:
    expected = json.loads(json.dumps(data))
    async with await tidings.connect(url) as bus:
        await bus.emit("data.one", data)
        await bus.emit_many([("data.many", data), {"type": "data.many", "data": data}])
        one = await bus.history("data.one")
        many = await bus.history("data.many")
    assert [event.data for event in one + many] == [expected] * 3


async def test_a_lone_surrogate_is_refused_and_writes_nothing(url: str) -> None:
    async with await tidings.connect(url) as bus:
        for emit in (lambda: bus.emit("ok.type", {"x": "\ud800"}), lambda: bus.emit_many([("ok.type", "\ud800")])):
            with pytest.raises(ValueError):
                await emit()
        assert await bus.history("*") == []
