"""Fault injection for the KIE emulator: make a route answer an error code.

KIE usually answers HTTP 200 with the error in the body ``code``; proxies and
the upload host use the HTTP status. A fault can take either form, so the
client is tested against both. Faults are consumed in the order injected;
``times=None`` keeps a fault until :meth:`Faults.clear`.

Example::

    emu.faults.inject(Route.CREATE_TASK, 429)                       # body form, once
    emu.faults.inject(Route.RECORD_INFO, 500, http_status=True, times=3)
    emu.faults.inject_timeout(Route.CREATE_TASK)                   # never answers
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

__all__ = ["DEFAULT_MESSAGES", "Fault", "Faults", "Route"]

DEFAULT_MESSAGES: dict[int, str] = {
    400: "Bad request",
    401: "You do not have access permissions",
    402: "Credits insufficient",
    404: "Task not found",
    405: "Method not allowed",
    422: "Invalid parameter",
    429: "Request rate limit exceeded, please try again later",
    433: "Sub-key usage limit exceeded",
    455: "Service unavailable: under maintenance",
    500: "Internal server error",
    501: "Generation failed",
    505: "Feature disabled",
}


class Route(enum.Enum):
    """The emulator routes a fault can target; ``UPLOAD`` covers all three upload routes."""

    CREATE_TASK = "createTask"
    RECORD_INFO = "recordInfo"
    CREDIT = "credit"
    DOWNLOAD_URL = "download-url"
    UPLOAD = "upload"


@dataclass
class Fault:
    """One injected error: ``code``, text, form, and how many more times it fires.

    A ``hang`` fault never answers, so the client's read timeout fires.
    """

    code: int
    message: str
    http_status: bool
    remaining: int | None
    hang: bool = False


class Faults:
    """Per-route queues of injected errors."""

    def __init__(self) -> None:
        self._queues: dict[Route, deque[Fault]] = {route: deque() for route in Route}
        self.served = 0

    def inject(
        self,
        route: Route,
        code: int,
        *,
        message: str | None = None,
        http_status: bool = False,
        times: int | None = 1,
    ) -> None:
        """Make the next ``times`` requests to ``route`` fail with ``code``.

        ``http_status=False`` (KIE's usual way) answers HTTP 200 with
        ``{"code": code, ...}``; ``True`` sets the HTTP status to ``code`` too.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for 'until cleared'")
        text = message if message is not None else DEFAULT_MESSAGES.get(code, f"Error {code}")
        self._queues[route].append(Fault(code, text, http_status, times))

    def inject_timeout(self, route: Route, *, times: int | None = 1) -> None:
        """Make the next ``times`` requests to ``route`` hang without an answer."""
        if times is not None and times < 1:
            raise ValueError("times must be at least 1, or None for 'until cleared'")
        self._queues[route].append(Fault(0, "no answer", False, times, hang=True))

    def clear(self, route: Route | None = None) -> None:
        """Remove the faults of ``route``, or of every route."""
        for key in [route] if route is not None else list(Route):
            self._queues[key].clear()

    def take(self, route: Route) -> Fault | None:
        """The fault to serve for this request to ``route``, if any (consumes one use)."""
        queue = self._queues[route]
        if not queue:
            return None
        fault = queue[0]
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
        self.served += 1
        return fault

    def pending(self, route: Route) -> int:
        """How many distinct faults are queued for ``route``."""
        return len(self._queues[route])
