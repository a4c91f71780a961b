"""The curated public names of the event log and the event vocabulary: sorted, importable, documented."""

from __future__ import annotations

import importlib

import pytest

import eventlog
import trt_actors.events


@pytest.mark.parametrize("module", [eventlog, trt_actors.events], ids=lambda m: m.__name__)
def test_public_names_are_sorted_importable_and_documented(module: object) -> None:
    names: list[str] = getattr(module, "__all__")
    assert names == sorted(names, key=lambda name: (not name.isupper(), name))
    for name in names:
        value = getattr(module, name)
        if isinstance(value, type):
            assert value.__doc__, f"{module.__name__}.{name} has no docstring"  # type: ignore[attr-defined]


def test_the_event_log_depends_only_on_the_vocabulary() -> None:
    """Layering: the log knows events, never actors, sessions or clients."""
    for name in ("records", "sqlite", "writer", "schema", "store", "subscription", "trace", "errors"):
        source = importlib.import_module(f"eventlog.{name}").__file__
        assert source is not None
        with open(source, encoding="utf-8") as file:
            text = file.read()
        for layer in ("trt_actors.actors", "trt_actors.session", "trt_actors.telegram", "trt_actors.kie", "trt_actors.runtime"):
            assert layer not in text, f"eventlog.{name} imports {layer}"
