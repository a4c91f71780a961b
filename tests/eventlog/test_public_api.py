"""The curated public names of the event log and the event vocabulary: sorted, importable, documented."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import eventlog
import trt_actors.events

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", [eventlog, trt_actors.events], ids=lambda m: m.__name__)
def test_public_names_are_sorted_importable_and_documented(module: object) -> None:
    names: list[str] = getattr(module, "__all__")
    assert names == sorted(names, key=lambda name: (not name.isupper(), name))
    for name in names:
        value = getattr(module, name)
        if isinstance(value, type):
            assert value.__doc__, f"{module.__name__}.{name} has no docstring"  # type: ignore[attr-defined]


def _eventlog_modules() -> list[str]:
    return ["eventlog", *(f"eventlog.{m.name}" for m in pkgutil.iter_modules(eventlog.__path__))]


def test_the_event_log_imports_nothing_of_the_layers_above_it() -> None:
    """Layering: the log knows neither the vocabulary nor actors; whoever opens it passes a codec."""
    for name in _eventlog_modules():
        source = importlib.import_module(name).__file__
        assert source is not None
        tree = ast.parse(Path(source).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                imported = [node.module or ""]
            else:
                continue
            for module in imported:
                assert module.split(".")[0] != "trt_actors", f"{name} imports {module}"


def test_importing_the_event_log_loads_no_trt_actors_module() -> None:
    modules = ", ".join(repr(m) for m in _eventlog_modules())
    code = f"import importlib, sys\nfor m in ({modules},): importlib.import_module(m)\n" + (
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'trt_actors'))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_vocabulary_re_exports_the_log_s_event_base() -> None:
    from trt_actors.events.base import Event

    assert Event is eventlog.Event is trt_actors.events.Event


def test_the_error_tree_documents_every_error() -> None:
    import eventlog.errors

    doc = eventlog.errors.__doc__ or ""
    for name in eventlog.errors.__all__:
        assert f"``{name}``" in doc, f"{name} is missing from the error tree in eventlog/errors.py"


def test_no_module_of_the_log_reaches_into_another_s_private_fields() -> None:
    """Each module keeps its own underscored names; others use public methods (``commit_signal``, not ``_committed``)."""
    for name in _eventlog_modules():
        source = importlib.import_module(name).__file__
        assert source is not None
        tree = ast.parse(Path(source).read_text(encoding="utf-8"))
        own = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        own |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                mine = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
                assert mine or node.attr in own, f"{name} reaches into {ast.unparse(node)}"
