"""Run ``main.py`` with a trio instrument that counts task steps, by where each task was parked.

    python bench/task_steps.py main.py run     # what bench/hotpath.py --steps starts

A task step is one resumption of a task by trio's scheduler: a task that
awaited something (a lock, a channel, a socket, an append's commit) and is
resumed. Each costs a scheduling round, so steps per update is the hot path's
toll of hand-overs. ``SIGUSR1`` starts counting afresh; ``SIGUSR2`` writes the
counts as JSON to ``$TASK_STEPS_OUT``: the total, and the steps grouped by where the
task was parked (its innermost frames above trio, and the trio call).
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import sys
from collections import Counter
from types import FrameType

import trio

_counts: Counter[str] = Counter()


def _where(task: trio.lowlevel.Task) -> str:
    """Where the task was parked: the innermost two frames of ours (or of the libraries above trio), and the
    trio call they were waiting in."""
    frames: list[tuple[str, str, int]] = []
    awaited: object = task.coro
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "ag_frame", None)
        if frame is None:
            frame = getattr(awaited, "gi_frame", None)
        if frame is not None:
            frames.append((frame.f_code.co_filename, frame.f_code.co_name, frame.f_lineno))
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "ag_await", None) or getattr(
            awaited, "gi_yieldfrom", None)
    ours = [i for i, (path, _, _) in enumerate(frames) if "/trio/" not in path and "/outcome/" not in path]
    if not ours:
        return "trio"
    last = ours[-1]
    shown = [f"{path.rsplit('/', 1)[-1]}:{name}:{line}" for path, name, line in (frames[i] for i in ours[-2:])]
    inside = next((name for path, name, _ in frames[last + 1:] if "/trio/" in path), None)
    return " > ".join(shown) + (f" > trio {inside}" if inside else "")


class _Steps(trio.abc.Instrument):
    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        _counts[_where(task)] += 1


def _reset(signum: int, frame: FrameType | None) -> None:
    _counts.clear()


def _dump(signum: int, frame: FrameType | None) -> None:
    with open(os.environ["TASK_STEPS_OUT"], "w", encoding="utf-8") as out:
        json.dump({"total": sum(_counts.values()), "by_place": _counts.most_common(12)}, out)


def main() -> None:
    plain_run = trio.run

    def run(*args: object, **kwargs: object) -> object:
        instruments = list(kwargs.pop("instruments", ()))  # type: ignore[call-overload]
        return plain_run(*args, instruments=[*instruments, _Steps()], **kwargs)  # type: ignore[arg-type]

    trio.run = run  # type: ignore[assignment]
    signal.signal(signal.SIGUSR1, _reset)
    signal.signal(signal.SIGUSR2, _dump)
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))  # as if the script ran itself (not bench/)
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
