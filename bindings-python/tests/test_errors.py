"""The exception classes: one per core error kind, under TidingsError, with the core's stable
codes and names; connecting to nothing or with a bad URL raises the right one."""

from __future__ import annotations

import builtins

import pytest

import tidings
from helpers import free_port

KINDS = [
    ("InvalidTypeError", 1, "TIDINGS_INVALID_TYPE", ValueError),
    ("InvalidPatternError", 2, "TIDINGS_INVALID_PATTERN", ValueError),
    ("InvalidDataError", 3, "TIDINGS_INVALID_DATA", ValueError),
    ("ConnectionError", 4, "TIDINGS_CONNECTION", builtins.ConnectionError),
    ("TimeoutError", 5, "TIDINGS_TIMEOUT", builtins.TimeoutError),
    ("ClosedError", 6, "TIDINGS_CLOSED", None),
    ("BackendError", 7, "TIDINGS_BACKEND", None),
    ("ConfigError", 8, "TIDINGS_CONFIG", ValueError),
    ("InternalError", 9, "TIDINGS_INTERNAL", None),
]


@pytest.mark.parametrize("name, code, stable_name, builtin", KINDS)
def test_each_kind_has_a_class_with_its_code(name: str, code: int, stable_name: str, builtin) -> None:
    cls = getattr(tidings, name)
    assert issubclass(cls, tidings.TidingsError) and issubclass(tidings.TidingsError, Exception)
    assert (cls.code, cls.name, cls.__module__) == (code, stable_name, "tidings")
    if builtin is not None:
        assert issubclass(cls, builtin)
    error = cls("message")
    assert str(error) == "message" and error.code == code
    assert cls.__doc__


@pytest.mark.parametrize("url", ["http://x", "mysql://h", "memory://a/b", "redis//x"])
async def test_bad_urls_are_config_errors(url: str) -> None:
    with pytest.raises(tidings.ConfigError):
        await tidings.connect(url)
    with pytest.raises(tidings.ConfigError):
        tidings.connect_sync(url)


@pytest.mark.parametrize(
    "options",
    [{"namespace": "a:b"}, {"source": ""}, {"max_event_size": 0}, {"connect_timeout": -1.0},
     {"poll_interval": float("nan")}, {"retry": {"attempts": 0}}, {"retry": 3},
     {"namespace": 5}, {"max_stream_len": "many"}, {"no_such_option": 1}],
)
async def test_bad_options_are_config_errors(options: dict) -> None:
    with pytest.raises(tidings.ConfigError):
        await tidings.connect("memory://", **options)


async def test_unreachable_redis_is_a_connection_error() -> None:
    url = f"redis://127.0.0.1:{free_port()}/"
    with pytest.raises(tidings.ConnectionError) as raised:
        await tidings.connect(url, connect_timeout=2.0)
    assert raised.value.code == 4 and isinstance(raised.value, builtins.ConnectionError)
    with pytest.raises(tidings.ConnectionError):
        tidings.connect_sync(url, connect_timeout=2.0)


def test_retry_policy_mirrors_the_core() -> None:
    policy = tidings.RetryPolicy(attempts=3, base_delay=0.02, max_delay=0.5, budget=2.0)
    assert (policy.attempts, policy.base_delay, policy.max_delay, policy.budget) == (3, 0.02, 0.5, 2.0)
    assert tidings.RetryPolicy.none().attempts == 1
    default = tidings.RetryPolicy()
    assert default.budget is not None and default.budget > 5.0, "rides out a 5 s outage"
    assert tidings.RetryPolicy(budget=0).budget is None
    for bad in ({"base_delay": -1.0}, {"attempts": 0}, {"base_delay": 2.0, "max_delay": 1.0}):
        with pytest.raises(tidings.ConfigError):
            tidings.RetryPolicy(**bad)
