"""One emulated KIE task: its scripted progress and its wire record.

:class:`EmulatedTask` is plain state with no I/O. The emulator calls
:meth:`EmulatedTask.catch_up` when time may have moved and
:meth:`EmulatedTask.count_poll` after each recordInfo read; both return True
when the task has just become terminal, so the emulator can charge, make
result files and send callbacks exactly once.

The record follows real traffic: exactly the keys ``taskId, model, state,
param, resultJson, failCode, failMsg, costTime, completeTime, createTime``;
``param`` is ``{"input": "<input as a JSON string>", "model": ...}``;
``resultJson`` is ``""`` until success; unknown values are ``null``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from trt_actors.sandbox.kie.script import Script
from trt_actors.sandbox.kie.states import WireState

__all__ = ["EmulatedTask"]


@dataclass
class EmulatedTask:
    """A task created on the emulator and the script it follows."""

    task_id: str
    model: str
    input: dict[str, Any]
    callback_url: str | None
    script: Script
    created_at: float
    stage: int = 0
    polls_in_stage: int = 0
    stage_started: float = 0.0
    completed_at: float | None = None
    result_urls: tuple[str, ...] = ()
    consumed: float = 0.0
    polls: int = 0
    _stages: list[tuple[WireState, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stages = self.script.stages()
        self.stage_started = self.created_at

    @property
    def state(self) -> WireState:
        if self.stage < len(self._stages):
            return self._stages[self.stage][0]
        return self.script.outcome

    @property
    def is_terminal(self) -> bool:
        return self.stage >= len(self._stages)

    def starts_terminal(self) -> bool:
        """True when every running stage is skipped: the task ends as soon as it is made."""
        return not self._stages

    def seconds_left_in_stage(self, now: float) -> float | None:
        """Clock seconds until the current stage ends on its own; ``None`` if it never does."""
        if self.is_terminal or self.script.stage_seconds is None:
            return None
        return self.stage_started + self.script.stage_seconds - now

    def _next_stage(self, started: float) -> bool:
        self.stage += 1
        self.polls_in_stage = 0
        self.stage_started = started
        return self.is_terminal

    def catch_up(self, now: float) -> bool:
        """Advance through stages whose time is up; True if the task just ended."""
        seconds = self.script.stage_seconds
        if self.is_terminal or seconds is None:
            return False
        while not self.is_terminal and now - self.stage_started >= seconds:
            if self._next_stage(self.stage_started + seconds):
                return True
        return False

    def count_poll(self, now: float) -> bool:
        """Count one recordInfo read of the current stage; True if the task just ended."""
        self.polls += 1
        if self.is_terminal:
            return False
        self.polls_in_stage += 1
        if self.polls_in_stage >= self._stages[self.stage][1]:
            return self._next_stage(now)
        return False

    def record(self) -> dict[str, Any]:
        """The recordInfo ``data`` object, shaped like real traffic."""
        terminal = self.is_terminal and self.completed_at is not None
        success = terminal and self.script.outcome is WireState.SUCCESS
        failed = terminal and self.script.outcome is WireState.FAIL
        complete_ms = int(self.completed_at * 1000) if terminal and self.completed_at is not None else None
        cost = int(self.completed_at - self.created_at) if terminal and self.completed_at is not None else None
        return {
            "taskId": self.task_id,
            "model": self.model,
            "state": self.state.value,
            "param": json.dumps({"input": json.dumps(self.input), "model": self.model}),
            "resultJson": json.dumps({"resultUrls": list(self.result_urls)}) if success else "",
            "failCode": self.script.fail_code if failed else None,
            "failMsg": self.script.fail_msg if failed else None,
            "costTime": cost,
            "completeTime": complete_ms,
            "createTime": int(self.created_at * 1000),
        }
