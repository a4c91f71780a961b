"""The five states of a KIE task, and how wire spellings map onto them.

KIE documents ``waiting``, ``queuing``, ``generating``, ``success`` and
``fail``. Real traces skip states (``waiting`` straight to ``success``), and
neighbouring KIE APIs spell them differently (``SUCCESS``, ``failed``,
``pending``), so :func:`parse_state` accepts the common variants. An unknown
spelling is read as :attr:`TaskState.GENERATING`: still running, so a poller
keeps polling until its own deadline instead of settling money on a guess.

Example::

    >>> parse_state("SUCCESS")
    <TaskState.SUCCESS: 'success'>
    >>> TaskState.WAITING.is_terminal
    False
"""

from __future__ import annotations

import enum

__all__ = ["TaskState", "parse_state"]


class TaskState(str, enum.Enum):
    """Normalised task state: three running ones, two terminal ones."""

    WAITING = "waiting"
    QUEUING = "queuing"
    GENERATING = "generating"
    SUCCESS = "success"
    FAIL = "fail"

    @property
    def is_terminal(self) -> bool:
        """True for ``success`` and ``fail``: the task will not change again."""
        return self in (TaskState.SUCCESS, TaskState.FAIL)


_ALIASES: dict[str, TaskState] = {
    "waiting": TaskState.WAITING,
    "pending": TaskState.WAITING,
    "created": TaskState.WAITING,
    "queuing": TaskState.QUEUING,
    "queueing": TaskState.QUEUING,
    "queued": TaskState.QUEUING,
    "generating": TaskState.GENERATING,
    "processing": TaskState.GENERATING,
    "running": TaskState.GENERATING,
    "success": TaskState.SUCCESS,
    "succeeded": TaskState.SUCCESS,
    "completed": TaskState.SUCCESS,
    "fail": TaskState.FAIL,
    "failed": TaskState.FAIL,
    "failure": TaskState.FAIL,
    "error": TaskState.FAIL,
}


def parse_state(raw: object) -> TaskState:
    """Map a wire state to :class:`TaskState`; unknown or missing means still running."""
    if isinstance(raw, str):
        return _ALIASES.get(raw.strip().lower(), TaskState.GENERATING)
    return TaskState.GENERATING
