"""Fixtures of the Python binding's tests: a private redis-server on a free loopback port for
the whole session (never the shared one on 6379), and `url`, which runs a test once on a fresh
`memory://` store and once on that server (flushed first)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from typing import Iterator

import pytest
import redis

from helpers import PATIENCE, free_port, fresh_memory_url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A redis-server of our own for this session; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run scripts/ensure-redis.sh")
    port = free_port()
    directory = tempfile.mkdtemp(prefix="tidings-py-redis-")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", directory, "--logfile", os.path.join(directory, "redis.log")],
    )
    url = f"redis://127.0.0.1:{port}/"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.02)
    try:
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=PATIENCE)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's redis-server, emptied for this test."""
    with redis.Redis.from_url(redis_server) as client:
        client.flushall()
    return redis_server


@pytest.fixture(params=["memory", "redis"])
def url(request: pytest.FixtureRequest) -> str:
    """A backend for one test: a fresh memory store, or the session's redis-server, emptied."""
    if request.param == "memory":
        return fresh_memory_url()
    return request.getfixturevalue("redis_url")


@pytest.fixture
def is_redis(url: str) -> bool:
    return url.startswith("redis")
