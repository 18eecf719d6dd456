#!/usr/bin/env python3
"""The one version number of tidings, set in the workspace's Cargo.toml, and the files that must
repeat it literally because their tools read no other (npm's package.json and lock files, the
Next.js example's dependency on the npm tarball, Cargo.lock). Every package takes it from there:
the Rust crates inherit it, maturin gives it to the wheel, the bindings' `__version__`,
`version` and `tidings_version()` come from the core.

    scripts/version.py            prints the version
    scripts/version.py check      fails, naming the file, when any copy disagrees
    scripts/version.py set 0.2.0  writes a new version everywhere but CHANGELOG.md, whose
                                  section for it `check` then asks for
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
CARGO_TOML = ROOT / "Cargo.toml"
WORKSPACE_VERSION = re.compile(r'(\[workspace\.package\]\n(?:[^\[\n][^\n]*\n)*?version = ")([^"]+)(")')
NEXTJS_DEPENDENCY = re.compile(r"(dist/tidings-)([^/]+?)(\.tgz)")


def current() -> str:
    match = WORKSPACE_VERSION.search(CARGO_TOML.read_text())
    if not match:
        sys.exit(f"version.py: no version in [workspace.package] of {CARGO_TOML}")
    return match.group(2)


def json_file(path: str, *keys: tuple[str, ...]) -> tuple[Path, Callable[[], list[str]], Callable[[str], None]]:
    """A JSON file and the key paths in it that hold the version."""
    file = ROOT / path

    def get(data: dict, key: tuple[str, ...]) -> object:
        for part in key:
            data = data[part]
        return data

    def read() -> list[str]:
        data = json.loads(file.read_text())
        return [str(get(data, key)) for key in keys]

    def write(version: str) -> None:
        data = json.loads(file.read_text())
        for key in keys:
            get(data, key[:-1])[key[-1]] = version
        file.write_text(json.dumps(data, indent=2) + "\n")

    return file, read, write


def tarball_paths(path: str) -> tuple[Path, Callable[[], list[str]], Callable[[str], None]]:
    """A file that names the npm tarball `dist/tidings-<version>.tgz`."""
    file = ROOT / path

    def read() -> list[str]:
        return [m.group(2) for m in NEXTJS_DEPENDENCY.finditer(file.read_text())]

    def write(version: str) -> None:
        file.write_text(NEXTJS_DEPENDENCY.sub(lambda m: m.group(1) + version + m.group(3), file.read_text()))

    return file, read, write


COPIES = [
    json_file("bindings-node/package.json", ("version",)),
    json_file("bindings-node/package-lock.json", ("version",), ("packages", "", "version")),
    json_file("examples/node/package-lock.json", ("packages", "../../bindings-node", "version")),
    json_file("bench/node/package-lock.json", ("packages", "../../bindings-node", "version")),
    tarball_paths("examples/node/nextjs/package.json"),
    tarball_paths("examples/node/nextjs/package-lock.json"),
    json_file("examples/node/nextjs/package-lock.json", ("packages", "node_modules/tidings", "version")),
]


def workspace_crates_in_lock() -> list[str]:
    """The versions Cargo.lock records for the workspace's own crates (those without a source)."""
    packages = re.findall(r"\[\[package\]\]\n((?:[^\[\n][^\n]*\n?)*)", (ROOT / "Cargo.lock").read_text())
    return [
        re.search(r'^version = "([^"]+)"', package, re.M).group(1)  # type: ignore[union-attr]
        for package in packages
        if "\nsource = " not in "\n" + package
    ]


def check() -> int:
    version = current()
    wrong = [
        f"{file.relative_to(ROOT)} has {found}, Cargo.toml has {version}"
        for file, read, _ in COPIES
        for found in (read() or ["no version"])
        if found != version
    ]
    wrong += [f"Cargo.lock has {found} for a workspace crate" for found in workspace_crates_in_lock() if found != version]
    if not re.search(rf"^## {re.escape(version)}\b", (ROOT / "CHANGELOG.md").read_text(), re.M):
        wrong.append(f"CHANGELOG.md has no section '## {version}'")
    for line in wrong:
        print(f"version.py: {line} (run scripts/version.py set {version})", file=sys.stderr)
    return 1 if wrong else 0


def set_version(version: str) -> int:
    if not re.fullmatch(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?", version):
        sys.exit(f"version.py: {version!r} is not a semantic version such as 0.2.0")
    CARGO_TOML.write_text(WORKSPACE_VERSION.sub(lambda m: m.group(1) + version + m.group(3), CARGO_TOML.read_text()))
    for _, _, write in COPIES:
        write(version)
    subprocess.run(["cargo", "update", "--workspace", "--offline", "--quiet"], cwd=ROOT, check=True)
    return check()


def main(arguments: list[str]) -> int:
    if not arguments:
        print(current())
        return 0
    if arguments == ["check"]:
        return check()
    if len(arguments) == 2 and arguments[0] == "set":
        return set_version(arguments[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
