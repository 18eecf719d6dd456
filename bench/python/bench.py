"""The Python binding's rows of `make bench` (tidings-bench runs this once a round): tidings
against redis-py's asyncio client doing the PersistentEventSystem emit (XADD, then PUBLISH,
each awaited) on the redis-server at TIDINGS_URL. Prints one JSON line per row (the contract is
at the top of bench/src/bindings.rs).

    TIDINGS_URL=redis://127.0.0.1:PORT/ .venv/bin/python bench/python/bench.py
    TIDINGS_BENCH_SECTION=emit|latency (default: both), TIDINGS_BENCH_QUICK=1 (small counts)
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import time
from typing import Any, Awaitable, Callable, List

import redis.asyncio as aioredis

import tidings

URL = os.environ.get("TIDINGS_URL", "")
SECTION = os.environ.get("TIDINGS_BENCH_SECTION", "all")
QUICK = os.environ.get("TIDINGS_BENCH_QUICK") == "1"
SEQUENTIAL = 500 if QUICK else 5_000
IN_FLIGHT = 256
CONCURRENT = 5_120 if QUICK else 51_200
BATCH = 10_000
SUBSCRIBED = 5_000 if QUICK else 100_000
LATENCY = 200 if QUICK else 3_000
LATENCY_RATE = 1_000
TIDINGS = "tidings (Python)"
PEER = "redis-py asyncio (PersistentEventSystem emit)"
# About 100 bytes of JSON.
DATA = {"userId": 123, "email": "ada@example.com", "device": "iPhone 14", "ip": "192.168.1.1"}
Emit = Callable[[str, Any], Awaitable[object]]


def row(contender: str, what: str, setup: str = "", **figures: float) -> None:
    print(json.dumps({"contender": contender, "what": what, "setup": setup, **figures}), flush=True)


def legacy_payload(event_type: str, data: object) -> str:
    now = int(time.time() * 1000)
    return json.dumps({"id": f"{now}-{random.random()}", "type": event_type, "timestamp": now, "data": data})


def persistent_event_system(client: aioredis.Redis) -> Emit:
    """The PersistentEventSystem emit on redis-py asyncio: XADD, then PUBLISH."""

    async def emit(event_type: str, data: object) -> None:
        payload = legacy_payload(event_type, data)
        await client.xadd(f"stream:{event_type}", {"event": payload})
        await client.publish(f"events:{event_type}", payload)

    return emit


async def rate(count: int, work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await work()
    return count / (time.perf_counter() - started)


async def one_at_a_time(emit: Emit, count: int) -> None:
    for _ in range(count):
        await emit("bench.seq", DATA)


async def in_flight(emit: Emit, count: int) -> None:
    async def worker(share: int) -> None:
        for _ in range(share):
            await emit("bench.flight", DATA)

    await asyncio.gather(*(worker(count // IN_FLIGHT) for _ in range(IN_FLIGHT)))


async def peer_batch(client: aioredis.Redis, count: int) -> None:
    """What a redis-py user does for a batch: one non-transactional pipeline of XADD+PUBLISH."""
    pipe = client.pipeline(transaction=False)
    for _ in range(count):
        payload = legacy_payload("bench.many", DATA)
        pipe.xadd("stream:bench.many", {"event": payload})
        pipe.publish("events:bench.many", payload)
    await pipe.execute()


async def emit_rows() -> None:
    bus = await tidings.connect(URL, source="bench/python")
    low_latency = await tidings.connect(URL, source="bench/python", low_latency=True)
    memory = await tidings.connect("memory://", source="bench/python")
    client = aioredis.from_url(URL, max_connections=IN_FLIGHT)
    peer = persistent_event_system(client)
    batch = [("bench.many", DATA)] * BATCH
    # One unmeasured batch each first, as a long-running service would have sent: a fresh
    # process's first batch also pays for growing its heap.
    await peer_batch(client, BATCH)
    await bus.emit_many(batch)
    await low_latency.emit_many(batch)
    seq = "emit, one at a time (awaited)"
    on_memory = "emit, one at a time (awaited), on memory:// (no Redis: the binding alone)"
    for contender, what, setup, emit in [
        (PEER, seq, "", peer),
        (TIDINGS, seq, "", bus.emit),
        (TIDINGS, seq, "low_latency", low_latency.emit),
        (TIDINGS, on_memory, "", memory.emit),
    ]:
        row(contender, what, setup, events_per_s=await rate(SEQUENTIAL, lambda: one_at_a_time(emit, SEQUENTIAL)))
    flight = "emit, 256 in flight (256 asyncio tasks)"
    for contender, emit in [(PEER, peer), (TIDINGS, bus.emit)]:
        row(contender, flight, events_per_s=await rate(CONCURRENT, lambda: in_flight(emit, CONCURRENT)))
    what = "batch of 10,000 (emit_many; others: one pipeline of XADD+PUBLISH)"
    row(PEER, what, events_per_s=await rate(BATCH, lambda: peer_batch(client, BATCH)))
    row(TIDINGS, what, events_per_s=await rate(BATCH, lambda: bus.emit_many(batch)))
    await client.aclose()
    for closing in (bus, low_latency, memory):
        await closing.close()


def produce(event_type: str, count: int, paced: bool) -> None:
    """The child process of the latency rows: emits `count` events."""
    bus = tidings.connect_sync(URL)
    if paced:
        next_at = time.perf_counter()
        for _ in range(count):
            bus.emit(event_type, {"sent": time.time_ns()})
            next_at += 1.0 / LATENCY_RATE
            pause = next_at - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
    else:
        chunk = [(event_type, DATA)] * 1000
        for _ in range(count // len(chunk)):
            bus.emit_many(chunk)
    bus.close()


async def receive(bus: tidings.Bus, event_type: str, count: int, paced: bool, seen: Callable[[Any], None]) -> None:
    """Subscribes to `event_type`, starts a producer process of `count` events, and calls
    `seen` with each event until `count` came."""
    done = asyncio.get_running_loop().create_future()
    received = 0

    def on_event(event: tidings.Event) -> None:
        nonlocal received
        seen(event)
        received += 1
        if received == count and not done.done():
            done.set_result(None)

    unsubscribe = bus.subscribe(event_type, on_event)
    args = [sys.executable, __file__, "produce", event_type, str(count), "paced" if paced else "burst"]
    producer = subprocess.Popen(args)
    try:
        await asyncio.wait_for(done, timeout=300)
    finally:
        unsubscribe()
        await asyncio.get_running_loop().run_in_executor(None, producer.wait)


async def latency_rows() -> None:
    bus = await tidings.connect(URL, source="bench/python")
    times: List[float] = []
    await receive(bus, "bench.sub", SUBSCRIBED, False, lambda _event: times.append(time.perf_counter()))
    what = "subscriber receive rate (callback; producer process, batches of 1,000)"
    row(TIDINGS, what, events_per_s=(len(times) - 1) / (times[-1] - times[0]))
    samples: List[float] = []
    seen = lambda event: samples.append((time.time_ns() - event.data["sent"]) / 1000)  # noqa: E731
    await receive(bus, "bench.latency", LATENCY, True, seen)
    samples = sorted(samples[len(samples) // 10 :])  # the first tenth warms up
    p50, p99 = (samples[min(len(samples) - 1, len(samples) * p // 100)] for p in (50, 99))
    row(TIDINGS, "emit → subscriber, 2 processes, 1,000 events/s", p50_us=p50, p99_us=p99, max_us=samples[-1])
    await bus.close()


async def main() -> None:
    if not URL.startswith("redis"):
        sys.exit("bench/python: set TIDINGS_URL to a private redis-server (scripts/with-redis.sh does)")
    if SECTION in ("emit", "all"):
        await emit_rows()
    if SECTION in ("latency", "all"):
        await latency_rows()
    flush = aioredis.from_url(URL)  # so the server's streams do not grow from round to round
    await flush.flushdb()
    await flush.aclose()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "produce":
        produce(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "paced")
    else:
        asyncio.run(main())
