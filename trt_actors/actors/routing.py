"""Routing: every recorded update reaches its chat's session, durably, through a :class:`~trt_actors.runtime.Reactor`.

The receiver only records updates (and answers taps); the :class:`Router`
follows ``UpdateReceived`` events in the log and hands each one to ``route``,
which returns once the session has **committed** what it decided. The
reactor's checkpoint moves only then, so an update committed before a crash
is routed after the restart, however many were queued; the session's command
id is the update's event id, so an update routed twice is decided once.

Lanes are chats: a chat's updates go in order, and a slow or busy chat never
holds back another chat (nor the receiver, which does not wait for routing).

A tap recorded less than ``answerable_for`` seconds ago is answered again
before it is routed (``answer``; the callback answers skip a query this
process already answered), which covers a crash between the commit and the
answer.

Example::

    router = Router(log, sessions.route, answer=answers.answer)
    root.start("router", router.run)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable, Sequence

import msgspec
import trio

from eventlog import EventStore, RecordedEvent
from trt_actors.actors.intake import Route, UpdateMeta, is_first_of_chat
from trt_actors.events import UpdateReceived
from trt_actors.runtime import Reactor, ReactorStatistics
from trt_actors.telegram import Update

__all__ = ["Router"]

_UPDATE = msgspec.json.Decoder(Update)


def _lane(recorded: RecordedEvent) -> Hashable:
    return recorded.chat_id if recorded.chat_id is not None else ("user", recorded.user_id)


class Router:
    """Routes recorded updates to ``route`` (see the module docstring)."""

    def __init__(
        self,
        log: EventStore,
        route: Route,
        *,
        answer: Callable[[str], Awaitable[None]] | None = None,
        answerable_for: float = 10.0,
        workers: int = 32,
        max_attempts: int = 8,
        backoff_base: float = 0.2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._route = route
        self._answer = answer
        self._answerable_for = answerable_for
        self._clock = clock
        self.reactor = Reactor(
            "router",
            log,
            types=(UpdateReceived.type_name(),),
            handle=self._handle,
            key=_lane,
            workers=workers,
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            clock=clock,
        )

    @property
    def running(self) -> bool:
        return self.reactor.running

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Route until cancelled; ``task_status.started()`` once it follows the log."""
        await self.reactor.run(task_status=task_status)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            received = recorded.event
            assert isinstance(received, UpdateReceived)
            update = _UPDATE.decode(received.body)
            meta = UpdateMeta(
                cid=recorded.cid,
                update_id=received.update_id,
                event_id=recorded.event_id,
                ts=recorded.ts,
                chat_id=recorded.chat_id,
                user_id=recorded.user_id,
                first_of_chat=is_first_of_chat(recorded),
            )
            query = update.callback_query
            if self._answer is not None and query is not None and self._clock() - recorded.ts < self._answerable_for:
                await self._answer(query.id)
            await self._route(update, meta)

    def statistics(self) -> ReactorStatistics:
        return self.reactor.statistics()
