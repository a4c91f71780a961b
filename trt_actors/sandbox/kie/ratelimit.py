"""KIE's create limit: at most 20 accepted createTask calls in any 10 s window.

Refused requests are not queued and do not use up the window.

Example::

    limit = SlidingWindow(limit=20, window=10.0)
    if not limit.try_acquire(clock.now()):
        ...                                   # answer 429
"""

from __future__ import annotations

from collections import deque

__all__ = ["SlidingWindow"]


class SlidingWindow:
    """Count events in the last ``window`` seconds and refuse the ``limit + 1``-th."""

    def __init__(self, limit: int = 20, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self._accepted: deque[float] = deque()

    def try_acquire(self, now: float) -> bool:
        """Record an event at ``now`` if the window has room; return whether it did."""
        while self._accepted and self._accepted[0] <= now - self.window:
            self._accepted.popleft()
        if len(self._accepted) >= self.limit:
            return False
        self._accepted.append(now)
        return True

    def in_window(self, now: float) -> int:
        """How many accepted events are still inside the window at ``now``."""
        return sum(1 for at in self._accepted if at > now - self.window)
