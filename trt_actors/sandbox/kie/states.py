"""The states an emulated task goes through, spelled as KIE writes them on the wire.

KIE's ``recordInfo`` and its callbacks put one of five strings in ``state``:
``waiting``, ``queuing`` and ``generating`` while the task runs, then
``success`` or ``fail`` (the API contracts, section A2, and the recorded
traffic). The emulator keeps its own list instead of borrowing the client's
``TaskState``: the emulator exists to check the client, so a mistake in the
client's vocabulary must show up as a disagreement, not be shared.

Example::

    >>> WireState.SUCCESS.value
    'success'
    >>> WireState.QUEUING.is_terminal
    False
"""

from __future__ import annotations

import enum

__all__ = ["WireState"]


class WireState(enum.Enum):
    """A task's state; ``value`` is the exact string KIE sends."""

    WAITING = "waiting"
    QUEUING = "queuing"
    GENERATING = "generating"
    SUCCESS = "success"
    FAIL = "fail"

    @property
    def is_terminal(self) -> bool:
        """True for ``success`` and ``fail``: the task will not change again."""
        return self in (WireState.SUCCESS, WireState.FAIL)
