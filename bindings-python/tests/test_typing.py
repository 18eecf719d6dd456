"""The stubs are complete enough for `mypy --strict` to check the package, the examples and
the bench against them (a missing or wrong stub fails this). With TIDINGS_INSTALLED_PYTHON set
to the interpreter of another environment (tests/dist/run.sh sets it to a fresh venv holding
the wheel), the same check runs against the package installed there: its stubs and `py.typed`
marker as a user's type checker finds them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import PATIENCE, ROOT

INSTALLED_PYTHON = os.environ.get("TIDINGS_INSTALLED_PYTHON")
INSTALLED_USAGE = """
from typing import AsyncIterator, List

import tidings
import tidings.sse
import tidings.testing


def frames(bus: tidings.Bus) -> AsyncIterator[str]:
    return tidings.sse.sse_stream(bus, "user.*", heartbeat=1.0)


async def check() -> str:
    test_bus: tidings.testing.MemoryBus = await tidings.testing.connect()
    event_id: str = await test_bus.emit("user.login", {"userId": 1})
    events: List[tidings.Event] = await test_bus.history("user.*")
    return event_id + events[0].type + tidings.__version__
"""
MYPY = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null"]


def test_mypy_strict_passes_on_the_package_examples_and_bench() -> None:
    targets = [
        ROOT / "bindings-python" / "python" / "tidings",
        ROOT / "examples" / "python" / "demo.py",
        ROOT / "examples" / "python" / "app.py",
        ROOT / "bench" / "python" / "bench.py",
    ]
    result = subprocess.run(
        [*MYPY, *map(str, targets)],
        capture_output=True, text=True, timeout=PATIENCE * 4, cwd=ROOT / "bindings-python",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(INSTALLED_PYTHON is None, reason="TIDINGS_INSTALLED_PYTHON names no installed package")
def test_mypy_strict_passes_against_the_installed_package(tmp_path: Path) -> None:
    assert INSTALLED_PYTHON is not None
    # Run from an empty directory, so nothing of the checkout can stand in for what is installed.
    found = subprocess.run(
        [INSTALLED_PYTHON, "-c", "import pathlib, tidings; print(pathlib.Path(tidings.__file__).parent)"],
        capture_output=True, text=True, timeout=PATIENCE, cwd=tmp_path, check=True,
    )
    package = Path(found.stdout.strip())
    assert not package.is_relative_to(ROOT), f"tidings was imported from the checkout: {package}"
    assert (package / "py.typed").is_file()
    # Every public module in use, beside the demo: a module the wheel left out, or one whose
    # types are missing, fails here.
    usage = tmp_path / "usage.py"
    usage.write_text(INSTALLED_USAGE)
    result = subprocess.run(
        [*MYPY, f"--python-executable={INSTALLED_PYTHON}", str(usage), str(ROOT / "examples" / "python" / "demo.py")],
        capture_output=True, text=True, timeout=PATIENCE * 4, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
