"""The stubs are complete enough for `mypy --strict` to check the package, the examples and
the bench against them (a missing or wrong stub fails this)."""

from __future__ import annotations

import subprocess
import sys

from helpers import PATIENCE, ROOT


def test_mypy_strict_passes_on_the_package_examples_and_bench() -> None:
    targets = [
        ROOT / "bindings-python" / "python" / "tidings",
        ROOT / "examples" / "python" / "demo.py",
        ROOT / "examples" / "python" / "app.py",
        ROOT / "bench" / "python" / "bench.py",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null", *map(str, targets)],
        capture_output=True, text=True, timeout=PATIENCE * 4, cwd=ROOT / "bindings-python",
    )
    assert result.returncode == 0, result.stdout + result.stderr
