"""Every connect option of the core's schema, as Python spells it: accepted with a good value,
refused with a bad one (ConfigError naming it), and listed in the type stubs."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Dict

import pytest

import tidings
from tidings import _tidings


def good_values(tmp_path: Path) -> Dict[str, Any]:
    return {
        "namespace": "shop",
        "source": "orders",
        "retry": tidings.RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.1, budget=1.0),
        "max_event_size": 4096,
        "connect_timeout": 1.5,
        "response_timeout": 2,
        "max_stream_len": 1000,
        "poll_interval": 0.5,
        "discover_streams": True,
        "dead_letter_path": tmp_path / "dead.jsonl",
        "dead_letter_capacity": 10,
        "tls_ca_cert": tmp_path / "ca.crt",
        "tls_client_cert": str(tmp_path / "client.crt"),
        "tls_client_key": tmp_path / "client.key",
        "low_latency": True,
    }


BAD_VALUES: Dict[str, Any] = {
    "namespace": "a:b",
    "source": "",
    "retry": {"attempts": -1},
    "max_event_size": 0,
    "connect_timeout": -1.0,
    "response_timeout": "soon",
    "max_stream_len": 0,
    "poll_interval": float("inf"),
    "discover_streams": "yes",
    "dead_letter_path": 3,
    "dead_letter_capacity": 1.5,
    "tls_ca_cert": True,
    "tls_client_cert": [],
    "tls_client_key": {},
    "low_latency": 1,
}


def test_the_tables_cover_the_schema(tmp_path: Path) -> None:
    names = set(_tidings._connect_option_names())
    assert set(good_values(tmp_path)) == names
    assert set(BAD_VALUES) == names


async def test_every_option_is_accepted(tmp_path: Path) -> None:
    bus = await tidings.connect("memory://", **good_values(tmp_path))
    assert bus.source == "orders"
    await bus.close()
    with tidings.connect_sync("memory://", **good_values(tmp_path)) as sync:
        assert sync.source == "orders"


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
async def test_a_bad_value_is_refused_by_name(name: str) -> None:
    with pytest.raises(tidings.ConfigError) as raised:
        await tidings.connect("memory://", **{name: BAD_VALUES[name]})
    assert name in str(raised.value)
    with pytest.raises(tidings.ConfigError):
        tidings.connect_sync("memory://", **{name: BAD_VALUES[name]})


async def test_a_client_certificate_needs_its_key(tmp_path: Path) -> None:
    with pytest.raises(tidings.ConfigError):
        await tidings.connect("memory://", tls_client_cert=tmp_path / "client.crt")


def test_the_stubs_list_every_option() -> None:
    stub = Path(tidings.__file__).with_name("_tidings.pyi")
    tree = ast.parse(stub.read_text())
    for function in ("connect", "connect_sync"):
        node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
        keywords = {arg.arg for arg in node.args.kwonlyargs}
        assert keywords == set(_tidings._connect_option_names()), function
