"""Secret: a string that never shows itself in logs, reprs or tracebacks.

It sits below everything else in the package and imports nothing of it, so
the Telegram and KIE clients can carry a token or key without depending on
the application's settings. ``trt_actors.config`` re-exports it.
"""

from __future__ import annotations

__all__ = ["Secret"]


class Secret:
    """A string that never shows itself in logs, reprs or tracebacks.

    >>> s = Secret("123:abc")
    >>> s
    Secret('***')
    >>> s.reveal()
    '123:abc'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
