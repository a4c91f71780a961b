"""A :class:`~trt_actors.kie.call.Caller` wrapper that reports every call to a sink.

The sink gets one :class:`CallTrace` per call (endpoint, task, duration,
outcome), after the call ends, whether it succeeded or raised. Telemetry
turns these into log lines and latency histograms; tests collect them in a
list. Traces never contain the API key or request bodies.

Example::

    traces: list[CallTrace] = []
    client = KieClient(Traced(HttpCaller(http, ...), traces.append))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import trio

from trt_actors.kie.call import Caller, KieCall
from trt_actors.kie.errors import KieApiError, KieError

__all__ = ["CallTrace", "Traced"]


class CallTrace(msgspec.Struct, frozen=True, kw_only=True):
    """One finished call: ``outcome`` is ``"ok"`` or the error class name."""

    endpoint: str
    task_id: str | None
    seconds: float
    outcome: str
    code: int | None = None
    retryable: bool | None = None


class Traced:
    """Wrap ``inner`` and hand a :class:`CallTrace` of each call to ``sink``."""

    def __init__(self, inner: Caller, sink: Callable[[CallTrace], None]) -> None:
        self.inner = inner
        self._sink = sink

    def __repr__(self) -> str:
        return f"Traced({self.inner!r})"

    async def __call__(self, call: KieCall) -> Any:
        started = trio.current_time()
        try:
            result = await self.inner(call)
        except KieError as error:
            self._sink(
                CallTrace(
                    endpoint=call.endpoint.label,
                    task_id=call.task_id or error.task_id,
                    seconds=trio.current_time() - started,
                    outcome=type(error).__name__,
                    code=error.code if isinstance(error, KieApiError) else None,
                    retryable=error.retryable,
                )
            )
            raise
        self._sink(
            CallTrace(
                endpoint=call.endpoint.label,
                task_id=call.task_id,
                seconds=trio.current_time() - started,
                outcome="ok",
            )
        )
        return result
