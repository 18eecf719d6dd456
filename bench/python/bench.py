"""The Python binding's benchmark (`make bench`): tidings against the seed's
PersistentEventSystem written with redis-py's asyncio client (XADD then PUBLISH per emit), on
the private redis-server named by TIDINGS_URL, plus tidings' one-at-a-time emits on memory://
(what the binding costs without Redis). Prints one JSON line per measurement:
{"contender", "metric", "value" (median), "unit", "runs"}.

    TIDINGS_URL=redis://127.0.0.1:PORT/ python bench/python/bench.py
    TIDINGS_BENCH_RUNS=5 (repetitions), TIDINGS_BENCH_QUICK=1 (a tiny smoke run)
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import random
import statistics
import subprocess
import sys
import threading
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Tuple

import redis.asyncio as aioredis

import tidings

URL = os.environ.get("TIDINGS_URL", "")
RUNS = int(os.environ.get("TIDINGS_BENCH_RUNS", "5"))
QUICK = os.environ.get("TIDINGS_BENCH_QUICK") == "1"
SEQUENTIAL = 500 if QUICK else 5_000
IN_FLIGHT = 256
CONCURRENT = 5_120 if QUICK else 51_200
BATCH = 10_000
SUBSCRIBED = 5_000 if QUICK else 100_000
LATENCY = 200 if QUICK else 3_000
LATENCY_RATE = 1_000
BINDING = "tidings-python"
CONTENDER = "redis-py asyncio (seed)"
HAND_OFF = "asyncio thread hand-off (reference)"
# About 100 bytes of JSON, as in DESIGN.md's Performance section.
DATA = {"userId": 123, "email": "ada@example.com", "device": "iPhone 14", "ip": "192.168.1.1"}


class PersistentEventSystem:
    """The seed's PersistentEventSystem (LEARNING.md, chapter 4, step 2) on redis-py asyncio."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client
        self.listeners: Dict[str, Set[Any]] = {}

    async def emit(self, event_type: str, data: object) -> str:
        now = int(time.time() * 1000)
        event_id = f"{now}-{random.random()}"
        payload = json.dumps({"id": event_id, "type": event_type, "timestamp": now, "data": data})
        await self.redis.xadd(f"stream:{event_type}", {"event": payload})
        await self.redis.publish(f"events:{event_type}", payload)
        return event_id


def report(contender: str, metric: str, unit: str, runs: List[float]) -> None:
    line = {"contender": contender, "metric": metric, "value": statistics.median(runs), "unit": unit, "runs": runs}
    print(json.dumps(line), flush=True)


async def rate(count: int, work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await work()
    return count / (time.perf_counter() - started)


async def sequential(emit: Callable[[str, object], Awaitable[object]], count: int) -> None:
    for _ in range(count):
        await emit("bench.seq", DATA)


async def in_flight(emit: Callable[[str, object], Awaitable[object]], count: int) -> None:
    async def worker(share: int) -> None:
        for _ in range(share):
            await emit("bench.flight", DATA)

    await asyncio.gather(*(worker(count // IN_FLIGHT) for _ in range(IN_FLIGHT)))


async def contender_batch(client: aioredis.Redis, count: int) -> None:
    """What a redis-py user does for a batch: one non-transactional pipeline of XADD+PUBLISH."""
    pipe = client.pipeline(transaction=False)
    for _ in range(count):
        now = int(time.time() * 1000)
        payload = json.dumps({"id": f"{now}-{random.random()}", "type": "bench.many", "timestamp": now, "data": DATA})
        pipe.xadd("stream:bench.many", {"event": payload})
        pipe.publish("events:bench.many", payload)
    await pipe.execute()


class ThreadHandOff:
    """The floor of an awaited call served by another thread, without tidings: a plain thread
    resolves each future with `call_soon_threadsafe`. Every binding of a native core pays this
    per one-at-a-time emit, on top of the core's own work."""

    def __init__(self) -> None:
        self.requests: "queue.SimpleQueue[Optional[asyncio.Future[None]]]" = queue.SimpleQueue()
        self.loop = asyncio.get_running_loop()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while (future := self.requests.get()) is not None:
            self.loop.call_soon_threadsafe(future.set_result, None)

    async def call(self, _event_type: str, _data: object) -> None:
        future = self.loop.create_future()
        self.requests.put(future)
        await future

    def close(self) -> None:
        self.requests.put(None)
        self.thread.join()


def produce(event_type: str, count: int, paced: bool) -> None:
    """The child process of the subscriber and latency measurements: emits `count` events."""
    bus = tidings.connect_sync(URL)
    if paced:
        interval = 1.0 / LATENCY_RATE
        next_at = time.perf_counter()
        for _ in range(count):
            bus.emit(event_type, {"sent": time.time_ns()})
            next_at += interval
            pause = next_at - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
    else:
        chunk = [(event_type, DATA)] * 1000
        for _ in range(count // len(chunk)):
            bus.emit_many(chunk)
    bus.close()


def start_producer(event_type: str, count: int, paced: bool) -> subprocess.Popen[bytes]:
    args = [sys.executable, __file__, "produce", event_type, str(count), "paced" if paced else "burst"]
    return subprocess.Popen(args)


async def subscriber_rate(bus: tidings.Bus, run: int) -> float:
    """Events/s a callback subscriber receives while another process emits as fast as it can."""
    event_type = f"bench.sub.{run}"
    done = asyncio.get_running_loop().create_future()
    received = 0
    first = 0.0

    def on_event(event: tidings.Event) -> None:
        nonlocal received, first
        if received == 0:
            first = time.perf_counter()
        received += 1
        if received == SUBSCRIBED and not done.done():
            done.set_result(time.perf_counter())

    unsubscribe = bus.subscribe(event_type, on_event)
    producer = start_producer(event_type, SUBSCRIBED, paced=False)
    try:
        last = await asyncio.wait_for(done, timeout=300)
    finally:
        unsubscribe()
        await asyncio.get_running_loop().run_in_executor(None, producer.wait)
    return (SUBSCRIBED - 1) / (float(last) - first)


async def latency(bus: tidings.Bus, run: int) -> List[float]:
    """Emit-to-callback latencies (µs) across processes at LATENCY_RATE events/s."""
    event_type = f"bench.latency.{run}"
    done = asyncio.get_running_loop().create_future()
    samples: List[float] = []

    def on_event(event: tidings.Event) -> None:
        samples.append((time.time_ns() - event.data["sent"]) / 1000)
        if len(samples) == LATENCY and not done.done():
            done.set_result(None)

    unsubscribe = bus.subscribe(event_type, on_event)
    producer = start_producer(event_type, LATENCY, paced=True)
    try:
        await asyncio.wait_for(done, timeout=300)
    finally:
        unsubscribe()
        await asyncio.get_running_loop().run_in_executor(None, producer.wait)
    return sorted(samples[len(samples) // 10 :])  # the first tenth warms up


async def main() -> None:
    if not URL.startswith("redis"):
        sys.exit("bench/python: set TIDINGS_URL to a private redis-server (scripts/with-redis.sh does)")
    bus = await tidings.connect(URL, source="bench/python")
    memory = await tidings.connect("memory://", source="bench/python")
    hand_off = ThreadHandOff()
    client = aioredis.from_url(URL, max_connections=IN_FLIGHT)
    seed = PersistentEventSystem(client)
    runs: Dict[Tuple[str, str], List[float]] = {}

    def add(contender: str, metric: str, value: float) -> None:
        runs.setdefault((contender, metric), []).append(value)

    # One unmeasured batch each first, as a long-running service would have done: the first
    # batch of a fresh process also pays for growing its heap (page faults), for every client.
    await contender_batch(client, BATCH)
    await bus.emit_many([("bench.many", DATA)] * BATCH)
    await client.flushdb()
    for run in range(RUNS):
        add(CONTENDER, "emit_seq", await rate(SEQUENTIAL, lambda: sequential(seed.emit, SEQUENTIAL)))
        add(BINDING, "emit_seq", await rate(SEQUENTIAL, lambda: sequential(bus.emit, SEQUENTIAL)))
        add(BINDING, "emit_seq_memory", await rate(SEQUENTIAL, lambda: sequential(memory.emit, SEQUENTIAL)))
        add(HAND_OFF, "emit_seq_memory", await rate(SEQUENTIAL, lambda: sequential(hand_off.call, SEQUENTIAL)))
        add(CONTENDER, "emit_256", await rate(CONCURRENT, lambda: in_flight(seed.emit, CONCURRENT)))
        add(BINDING, "emit_256", await rate(CONCURRENT, lambda: in_flight(bus.emit, CONCURRENT)))
        add(CONTENDER, "emit_many", await rate(BATCH, lambda: contender_batch(client, BATCH)))
        batch = [("bench.many", DATA)] * BATCH
        add(BINDING, "emit_many", await rate(BATCH, lambda: bus.emit_many(batch)))
        add(BINDING, "subscriber", await subscriber_rate(bus, run))
        samples = await latency(bus, run)
        add(BINDING, "latency_p50", samples[len(samples) // 2])
        add(BINDING, "latency_p99", samples[min(len(samples) - 1, len(samples) * 99 // 100)])
        await client.flushdb()
    for (contender, metric), values in runs.items():
        report(contender, metric, "us" if metric.startswith("latency") else "events/s", values)
    await client.aclose()
    await bus.close()
    await memory.close()
    hand_off.close()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "produce":
        produce(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "paced")
    else:
        asyncio.run(main())
