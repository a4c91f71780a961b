"""When to restart a crashed child, and when to give up on it.

A :class:`RestartPolicy` counts a child's crashes within a sliding ``window``
of seconds. The n-th crash in the window is followed by a pause of
``base * factor ** (n - 1)`` seconds, capped at ``cap``; the crash that makes
the count exceed ``max_restarts`` is not restarted: the supervisor escalates.
A child that stays up longer than ``window`` starts again from ``base``.

Example: the default policy restarts after 0.5, 1, 2, 4 and 8 seconds and
escalates on the sixth crash within a minute::

    RestartPolicy().schedule()  # (0.5, 1.0, 2.0, 4.0, 8.0)
"""

from __future__ import annotations

from collections import deque

import msgspec

__all__ = ["CrashWindow", "RestartPolicy"]


class RestartPolicy(msgspec.Struct, frozen=True, kw_only=True):
    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    max_restarts: int = 5
    window: float = 60.0

    def __post_init__(self) -> None:
        if self.base < 0 or self.cap < 0 or self.factor < 1 or self.max_restarts < 0 or self.window <= 0:
            raise ValueError(
                "a restart policy needs base >= 0, cap >= 0, factor >= 1, max_restarts >= 0 and window > 0; "
                f"got {self!r}"
            )

    def delay(self, crashes: int) -> float:
        """The pause after the ``crashes``-th crash within the window (1 for the first)."""
        return min(self.cap, self.base * self.factor ** max(0, crashes - 1))

    def schedule(self) -> tuple[float, ...]:
        """Every pause before giving up, in order (what a child that always crashes goes through)."""
        return tuple(self.delay(n) for n in range(1, self.max_restarts + 1))


class CrashWindow:
    """The crash times of one child within its policy's window."""

    def __init__(self, policy: RestartPolicy) -> None:
        self.policy = policy
        self._times: deque[float] = deque()

    def record(self, now: float) -> float | None:
        """Count a crash at ``now``; return the pause before restarting, or None to give up."""
        self._times.append(now)
        crashes = self.count(now)
        if crashes > self.policy.max_restarts:
            return None
        return self.policy.delay(crashes)

    def count(self, now: float) -> int:
        """How many crashes fall within the window that ends at ``now``."""
        while self._times and self._times[0] <= now - self.policy.window:
            self._times.popleft()
        return len(self._times)
