"""A :class:`~trt_actors.kie.call.Caller` wrapper that resends retryable failures.

It retries only what the error says can help (``error.retryable``): 429,
455, 5xx, and network failures that cannot have started a task. A
createTask whose answer was lost is *not* resent; the job runner must look
the task up instead. Delays grow exponentially up to ``max_delay``.

Example::

    caller = Retrying(HttpCaller(http, ...), attempts=4, base_delay=1.0)
    client = KieClient(caller)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import trio

from trt_actors.kie.call import Caller, KieCall
from trt_actors.kie.errors import KieError

__all__ = ["Retrying", "RetryStatistics"]


class RetryStatistics(msgspec.Struct, frozen=True):
    """How often :class:`Retrying` resent, and how often it gave up."""

    retries: int
    gave_up: int


class Retrying:
    """Wrap ``inner`` and retry retryable :class:`KieError`\\ s up to ``attempts`` tries in all."""

    def __init__(
        self,
        inner: Caller,
        *,
        attempts: int = 3,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = trio.sleep,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.inner = inner
        self._attempts = attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._retries = 0
        self._gave_up = 0

    def __repr__(self) -> str:
        return f"Retrying({self.inner!r}, attempts={self._attempts})"

    def statistics(self) -> RetryStatistics:
        return RetryStatistics(self._retries, self._gave_up)

    async def __call__(self, call: KieCall) -> Any:
        for attempt in range(1, self._attempts + 1):
            try:
                return await self.inner(call)
            except KieError as error:
                if not error.retryable:
                    raise
                if attempt == self._attempts:
                    self._gave_up += 1
                    raise
            self._retries += 1
            await self._sleep(min(self._max_delay, self._base_delay * 2 ** (attempt - 1)))
        raise AssertionError("unreachable")  # pragma: no cover
