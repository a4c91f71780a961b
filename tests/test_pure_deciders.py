"""Replay is exact only if every input of a decision is recorded: no decider reads the clock, chance or the world.

Time, generated ids, other actors' replies and what Telegram or KIE answered reach a decider only as fields
of its commands, which the shells record in the events. This test reads the source of every decider and of
everything it folds and draws with, and fails on a call that would make two runs of the same commands differ.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import trt_actors.jobs
import trt_actors.ledger
import trt_actors.session

PURE = sorted(
    {
        *(f"trt_actors.session.{m.name}" for m in pkgutil.walk_packages(trt_actors.session.__path__)),
        "trt_actors.ledger.decider", "trt_actors.ledger.state", "trt_actors.ledger.commands",
        "trt_actors.jobs.decider", "trt_actors.jobs.state", "trt_actors.jobs.commands", "trt_actors.jobs.payload",
    }
)
"""The deciders and what they use: the session (all of it), the ledger's and the jobs' cores."""

FORBIDDEN = {
    ("time", "time"), ("time", "time_ns"), ("time", "monotonic"), ("time", "perf_counter"), ("time", "localtime"),
    ("datetime", "now"), ("datetime", "utcnow"), ("date", "today"),
    ("os", "environ"), ("os", "getenv"), ("os", "urandom"), ("os", "getpid"),
    ("uuid", "uuid1"), ("uuid", "uuid4"), ("trio", "current_time"),
}
FORBIDDEN_MODULES = {"random", "secrets"}


def _offences(module: str) -> list[str]:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found.extend(f"{module}:{node.lineno} imports {name}" for name in names if name in FORBIDDEN_MODULES)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in FORBIDDEN:
                found.append(f"{module}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("module", PURE)
def test_a_decider_reads_no_clock_no_chance_and_no_environment(module: str) -> None:
    assert _offences(module) == []


def test_the_check_catches_a_decider_that_reads_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sneaky_decider.py").write_text("import time\n\ndef decide(state, command):\n    return time.time()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _offences("sneaky_decider") == ["sneaky_decider:4 uses time.time"]
