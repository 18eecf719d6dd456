"""examples/python/app.py served by uvicorn on a free port: emit over HTTP, watch it arrive on
the SSE endpoint, reconnect with Last-Event-ID, read history. Both backends."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from typing import Iterator

import httpx
import pytest

from helpers import PATIENCE, ROOT, free_port


@contextlib.contextmanager
def start_app(url: str) -> Iterator[str]:
    """The example app on `url`, served on a free port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "TIDINGS_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT / "examples" / "python",
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            httpx.get(f"{base}/history", timeout=1.0)
            break
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the example app did not start")
            time.sleep(0.05)
    try:
        yield base
    finally:
        server.terminate()
        server.wait(PATIENCE)


@pytest.fixture
def app_url(url: str) -> Iterator[str]:
    with start_app(url) as base:
        yield base


def frames(lines: Iterator[str]) -> Iterator[dict]:
    """SSE frames (event frames only) from a line iterator."""
    fields: dict = {}
    for line in lines:
        if line == "":
            if "data" in fields:
                yield fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


def test_emit_then_stream_then_resume_then_history(app_url: str) -> None:
    with httpx.Client(base_url=app_url, timeout=PATIENCE) as client:
        with client.stream("GET", "/events", params={"pattern": "user.*"}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines).startswith("retry: ")
            first = client.post("/emit/user.login", json={"userId": 1}).json()["id"]
            client.post("/emit/order.placed", json={"orderId": 2})
            second = client.post("/emit/user.logout", json={"userId": 1}).json()["id"]
            received = frames(lines)
            one, two = next(received), next(received)
        assert (one["event"], json.loads(one["data"])["id"]) == ("user.login", first)
        assert (two["event"], json.loads(two["data"])["id"]) == ("user.logout", second)
        with client.stream("GET", "/events", params={"pattern": "user.*"}, headers={"Last-Event-ID": one["id"]}) as stream:
            resumed = next(frames(stream.iter_lines()))
        assert resumed["id"] == two["id"]
        history = client.get("/history", params={"pattern": "*"}).json()
        assert [event["type"] for event in history] == ["user.logout", "order.placed", "user.login"]
        assert client.post("/emit/bad type", json={}).status_code == 400
        assert client.get("/events", headers={"Last-Event-ID": "nonsense"}).status_code == 400
