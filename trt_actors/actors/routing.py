"""The routing checkpoint: which recorded updates have reached their router, and replay of the rest.

The receiver appends an update, and only then routes it. A crash between the
two would leave an update in the log that no session ever saw, and Telegram
will not send it again (the offset or the 200 confirmed it). So the receiver
keeps this checkpoint: the version of stream ``updates`` up to which every
update has been routed, saved as a snapshot of stream ``receiver``. On start,
:meth:`RoutingCheckpoint.replay` routes again every ``UpdateReceived`` after
that version, rebuilt from the body it recorded. Routing is therefore **at
least once**; sessions drop a command they already executed (their command
id is the update's event id).

Example::

    checkpoint = RoutingCheckpoint(log)
    await checkpoint.replay(route)           # before taking new updates
    checkpoint.appending()                   # around each append ...
    checkpoint.recorded([position.version])  # ... of fresh updates
    await route(update, meta); checkpoint.routed(position.version)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable

import msgspec
import trio

from eventlog import EventLogError, EventStore, Snapshot
from trt_actors.actors.intake import UPDATES_STREAM, Route, UpdateMeta
from trt_actors.events import UpdateReceived
from trt_actors.telegram import Update

__all__ = ["ROUTING_STREAM", "RoutingCheckpoint"]

log = logging.getLogger(__name__)

ROUTING_STREAM = "receiver"
_UPDATE = msgspec.json.Decoder(Update)


class _State(msgspec.Struct, frozen=True):
    routed_through: int


_STATE = msgspec.json.Decoder(_State)


class RoutingCheckpoint:
    """Tracks routed versions of stream ``updates``; saves the checkpoint every ``interval`` seconds."""

    def __init__(
        self, log: EventStore, *, interval: float = 2.0, clock: Callable[[], float] = time.time
    ) -> None:
        self._log = log
        self._interval = interval
        self._clock = clock
        self._unrouted: set[int] = set()
        self._highest = 0
        self._appending = 0
        self._saved = 0
        self.replayed = 0

    def appending(self) -> None:
        """An append of updates starts: the checkpoint must not move past what it may write."""
        self._appending += 1

    def appended(self) -> None:
        """That append returned (or failed); call after :meth:`recorded`."""
        self._appending -= 1

    def recorded(self, versions: Iterable[int]) -> None:
        """Fresh updates were committed at these versions and are about to be routed."""
        for version in versions:
            self._unrouted.add(version)
            self._highest = max(self._highest, version)

    def routed(self, version: int) -> None:
        self._unrouted.discard(version)

    @property
    def routed_through(self) -> int:
        """Every update at or below this version of ``updates`` has been routed."""
        return min(self._unrouted) - 1 if self._unrouted else self._highest

    async def replay(
        self,
        route: Route,
        answer: Callable[[str], Awaitable[None]] | None = None,
        *,
        answerable_for: float = 10.0,
        page: int = 500,
    ) -> int:
        """Route again every update recorded after the saved checkpoint; return how many.

        A tap recorded less than ``answerable_for`` seconds ago is passed to ``answer``
        first (Telegram still accepts an answer then; its spinner may still turn).
        """
        snapshot = await self._log.load_snapshot(ROUTING_STREAM)
        start = _STATE.decode(snapshot.state).routed_through if snapshot is not None else 0
        self._unrouted.clear()  # a restart after a crash: everything after ``start`` is routed below
        self._highest = self._saved = start
        count = 0
        version = start + 1
        while True:
            events = await self._log.read_stream(UPDATES_STREAM, version, page)
            if not events:
                break
            for recorded in events:
                event = recorded.event
                if isinstance(event, UpdateReceived):
                    meta = UpdateMeta(
                        cid=recorded.cid,
                        update_id=event.update_id,
                        event_id=recorded.event_id,
                        ts=recorded.ts,
                        chat_id=recorded.chat_id,
                        user_id=recorded.user_id,
                    )
                    update = _UPDATE.decode(event.body)
                    query = update.callback_query
                    if answer is not None and query is not None and self._clock() - recorded.ts < answerable_for:
                        await answer(query.id)
                    try:
                        await route(update, meta)
                    except Exception:
                        log.exception("routing the replayed update %s (cid %s) failed", recorded.event_id, recorded.cid)
                    count += 1
            version = events[-1].version + 1
            self._highest = max(self._highest, events[-1].version)
        if count:
            log.info("routed %d updates again that were recorded but maybe not routed before the restart", count)
        self.replayed += count
        await self.save()
        return count

    async def keep(self) -> None:
        """Save the checkpoint every ``interval`` seconds until cancelled."""
        while True:
            await trio.sleep(self._interval)
            await self.save()

    async def save(self) -> None:
        """Store the checkpoint, unless an append is under way (its versions are not known yet)."""
        through = self.routed_through
        if self._appending or through <= self._saved or getattr(self._log, "closed", False):
            return
        state = msgspec.json.encode(_State(routed_through=through))
        try:
            snapshot = Snapshot(stream=ROUTING_STREAM, version=through, state=state, ts=self._clock())
            await self._log.save_snapshot(snapshot)
        except EventLogError as exc:
            log.warning("could not save the routing checkpoint (%s); a restart routes a few updates again", exc)
            return
        self._saved = through
