"""The type stubs match the extension: every public name of `tidings._tidings` is in
_tidings.pyi and the other way round, methods included; every public name has a docstring."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import tidings
from tidings import _tidings

STUB = Path(tidings.__file__).with_name("_tidings.pyi")
TYPE_ALIASES = {"JSON", "Start", "HistoryBound", "EmitItem", "Callback"}


def stub_names() -> dict:
    tree = ast.parse(STUB.read_text())
    names: dict = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names[node.name] = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AnnAssign)) and not isinstance(n, ast.AnnAssign)} | {
                n.target.id for n in node.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = None
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            names[target.id] = None
    return names


def public(cls: type) -> set:
    return {name for name in vars(cls) if not name.startswith("__") or name in {"__aiter__", "__anext__", "__iter__", "__next__", "__aenter__", "__aexit__", "__enter__", "__exit__"}}


def test_every_module_name_is_in_the_stub_and_back() -> None:
    stub = stub_names()
    module = {name for name in vars(_tidings) if not name.startswith("__") or name == "__version__"}
    assert module == set(stub) - TYPE_ALIASES


def test_every_method_is_in_the_stub_and_back() -> None:
    stub = stub_names()
    for name, members in stub.items():
        cls = getattr(_tidings, name, None)
        if members is None or not inspect.isclass(cls) or issubclass(cls, BaseException):
            continue
        assert public(cls) == members - {"__init__", "__eq__", "__hash__"}, name


def test_every_public_name_has_a_docstring() -> None:
    for name in tidings.__all__:
        value = getattr(tidings, name)
        if callable(value):
            assert inspect.getdoc(value), name
        if inspect.isclass(value) and not issubclass(value, BaseException):
            for member in public(value):
                if not member.startswith("_"):
                    assert inspect.getdoc(getattr(value, member)), f"{name}.{member}"
