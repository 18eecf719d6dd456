"""The shared wire-format vectors (tests/vectors/, described in its README) through the Python
API: types and patterns via emit, history and subscribe (and the validation helpers), envelopes
via `tidings._decode_envelope` (the core's reader)."""

from __future__ import annotations

import datetime
import json
from typing import Any, Optional

import pytest

import tidings
from helpers import ROOT, fresh_memory_url, take

VECTORS = ROOT / "tests" / "vectors"
TYPES = json.loads((VECTORS / "types.json").read_text())
PATTERNS = json.loads((VECTORS / "patterns.json").read_text())
ENVELOPES = json.loads((VECTORS / "envelopes.json").read_text())
CURSORS = json.loads((VECTORS / "cursors.json").read_text())
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def test_every_vector_file_has_a_checker() -> None:
    assert sorted(path.name for path in VECTORS.glob("*.json")) == [
        "cursors.json",
        "envelopes.json",
        "patterns.json",
        "types.json",
    ]


@pytest.mark.parametrize("event_type", TYPES["valid"])
async def test_valid_types_are_emitted(event_type: str) -> None:
    tidings.validate_type(event_type)
    async with await tidings.connect(fresh_memory_url()) as bus:
        await bus.emit(event_type, 1)
        assert [e.type for e in await bus.history(event_type)] == [event_type]


@pytest.mark.parametrize("event_type", TYPES["invalid"])
async def test_invalid_types_are_refused(event_type: str) -> None:
    with pytest.raises(tidings.TidingsError) as raised:
        tidings.validate_type(event_type)
    assert raised.value.name == TYPES["error"]
    async with await tidings.connect(fresh_memory_url()) as bus:
        with pytest.raises(tidings.InvalidTypeError) as raised:
            await bus.emit(event_type, 1)
        assert raised.value.name == TYPES["error"]
        assert await bus.history("*") == []


@pytest.mark.parametrize("pattern", PATTERNS["valid"])
async def test_valid_patterns_are_accepted(pattern: str) -> None:
    tidings.validate_pattern(pattern)
    async with await tidings.connect(fresh_memory_url()) as bus:
        assert await bus.history(pattern) == []
        bus.events(pattern).close()


@pytest.mark.parametrize("pattern", PATTERNS["invalid"])
async def test_invalid_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(tidings.InvalidPatternError) as raised:
        tidings.validate_pattern(pattern)
    assert raised.value.name == PATTERNS["error"]
    async with await tidings.connect(fresh_memory_url()) as bus:
        with pytest.raises(tidings.InvalidPatternError):
            await bus.history(pattern)
        with pytest.raises(tidings.InvalidPatternError):
            bus.events(pattern)


@pytest.mark.parametrize("case", PATTERNS["matches"], ids=lambda c: f"{c['pattern']}~{c['type']}")
async def test_patterns_select_the_same_types_everywhere(case: dict) -> None:
    assert tidings.pattern_matches(case["pattern"], case["type"]) is case["matches"]
    # A type the pattern surely selects, emitted last: once it arrives, so has everything before.
    sentinel = case["pattern"].replace("*", "x")
    tidings.validate_type(sentinel)
    async with await tidings.connect(fresh_memory_url()) as bus:
        async with bus.events(case["pattern"]) as live:
            await bus.emit(case["type"], "case")
            await bus.emit(sentinel, "sentinel")
            selected = [e.data for e in await bus.history(case["pattern"], order="oldest_first")]
            assert ("case" in selected) is case["matches"]
            delivered = [e.data for e in await take(live, 2 if case["matches"] else 1)]
            assert delivered == (["case", "sentinel"] if case["matches"] else ["sentinel"])


def time_ms(event: tidings.Event) -> int:
    return (event.time - EPOCH) // datetime.timedelta(milliseconds=1)


def actual(event: tidings.Event) -> dict:
    return {
        "id": event.id,
        "type": event.type,
        "time_ms": time_ms(event),
        "time": event.to_dict()["time"],
        "source": event.source,
        "subject": event.subject,
        "version": event.version,
        "data": event.data,
        "metadata": event.metadata,
    }


def check_envelope(vector: dict) -> Optional[str]:
    """None when the binding reads the vector as it says, else how it differs."""
    position: Optional[str] = vector["position"]
    try:
        event = tidings._decode_envelope(vector["json"], position)
    except tidings.TidingsError as error:
        if "error" in vector:
            return None if error.name == vector["error"] else f"{error.name}, expected {vector['error']}"
        return f"rejected: {error}"
    if "error" in vector:
        return f"accepted, expected {vector['error']}"
    got: dict[str, Any] = actual(event)
    for field, value in vector["expect"].items():
        if got[field] != value or type(got[field]) is not type(value):
            return f"{field} = {got[field]!r}, expected {value!r}"
    if event.position != position:
        return f"position = {event.position!r}, expected {position!r}"
    again = tidings._decode_envelope(event.to_json(), position)
    if again.to_json() != event.to_json():
        return "re-reading the written envelope changed it"
    return None


@pytest.mark.parametrize("vector", ENVELOPES, ids=lambda v: v["name"])
def test_envelopes(vector: dict) -> None:
    outcome = check_envelope(vector)
    if "core_disagrees" in vector:
        assert outcome is not None, "passes now: remove its core_disagrees mark"
    else:
        assert outcome is None, outcome


@pytest.mark.parametrize("case", CURSORS["format"], ids=lambda c: f"{c['pattern']}~{c['type']}")
async def test_cursors_are_formed_as_documented(case: dict) -> None:
    async with await tidings.connect(fresh_memory_url()) as bus:
        async with bus.events(case["pattern"], from_="start") as subscription:
            await bus.emit(case["type"], 1)
            [delivered] = await take(subscription, 1)
        [read] = await bus.history(case["pattern"])
        for event in (delivered, read):
            assert event.position is not None
            assert event.cursor == case["cursor"].replace(case["position"], event.position, 1)


@pytest.mark.parametrize("case", CURSORS["invalid"], ids=lambda c: c["why"])
async def test_bad_cursors_are_refused(case: dict) -> None:
    async with await tidings.connect(fresh_memory_url()) as bus:
        with pytest.raises(tidings.TidingsError) as raised:
            bus.events(case["pattern"], from_=case["cursor"])
        assert raised.value.name == CURSORS["error"]


async def test_cursors_resume_exactly() -> None:
    resume = CURSORS["resume"]
    async with await tidings.connect(fresh_memory_url()) as bus:
        ids = await bus.emit_many([tuple(pair) for pair in resume["emit"]])
        async with bus.events(resume["pattern"], from_="start") as subscription:
            delivered = await take(subscription, len(ids))
        for n, event in enumerate(delivered):
            async with bus.events(resume["pattern"], from_=event.cursor) as resumed:
                assert [e.id for e in await take(resumed, len(ids) - n - 1)] == [e.id for e in delivered[n + 1 :]]
