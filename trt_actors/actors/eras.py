"""Eras of update ids: when a known ``update_id`` is a redelivery, and when it is a new update.

An update's event id is ``update:<bot_id>:<era>:<update_id>``, so the log's
dedupe drops a redelivered update. ``update_id`` alone is not a safe key for
all time: one log may serve two bots, and Telegram restarts a bot's ids at a
random value after a week without updates (an emulator restarts them at 1).
So the receiver keeps, per bot, an **era** that starts anew when an id can no
longer be a redelivery:

* ``below-confirmed-offset``: long polling already confirmed every id below
  an offset (``getUpdates`` returned with it), and Telegram never sends a
  confirmed update again; an id below it is new;
* ``after-retention``: the newest recorded update is older than the 24 hours
  Telegram keeps an undelivered update, so nothing can be redelivered; an id
  at or below the newest one is new.

A new era is recorded as ``UpdateEraStarted`` on stream ``intake:<bot_id>``
in the same commit as the updates that started it, so the era is the version
of that stream; the confirmed offset and the newest update are kept in a
snapshot of it (saved lazily: a stale one only makes the rules above more
cautious). Placing a batch is a pure function of that state and the batch,
so a batch delivered again after a crash gets the same era and the same ids.

Example::

    eras = UpdateEras(log, bot_id=123456)
    await eras.load()
    placement = eras.place([41, 42], now=time.time())   # era, and the UpdateEraStarted to record if new
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from eventlog import EventLogError, EventStore, NewEvent, Snapshot
from trt_actors.events import UpdateEraStarted

__all__ = ["RETENTION", "EraState", "Placement", "UpdateEras", "place"]

RETENTION = 24 * 3600.0
"""Seconds Telegram keeps an update that no one fetched."""


class EraState(msgspec.Struct, frozen=True):
    """What decides the era of the next batch."""

    era: int = 0
    confirmed: int | None = None
    newest_id: int | None = None
    newest_ts: float | None = None


@dataclass(frozen=True)
class Placement:
    era: int
    started: UpdateEraStarted | None


def place(state: EraState, bot_id: int, update_ids: Sequence[int], now: float) -> Placement:
    """The era of a batch of update ids (pure; the module docstring has the rules)."""
    if not update_ids:
        return Placement(state.era, None)
    lowest = min(update_ids)
    reason: str | None = None
    if state.confirmed is not None and lowest < state.confirmed:
        reason = "below-confirmed-offset"
    elif (
        state.newest_ts is not None
        and state.newest_id is not None
        and now - state.newest_ts > RETENTION
        and lowest <= state.newest_id
    ):
        reason = "after-retention"
    if reason is None:
        return Placement(state.era, None)
    era = state.era + 1
    started = UpdateEraStarted(
        bot_id=bot_id,
        era=era,
        first_update_id=lowest,
        reason=reason,
        confirmed_offset=state.confirmed,
        newest_update_id=state.newest_id,
        newest_ts=state.newest_ts,
        decided_at=now,
    )
    return Placement(era, started)


_STATE = msgspec.json.Decoder(EraState)


class UpdateEras:
    """One bot's era state, loaded from the log and kept up to date by the receiver."""

    def __init__(self, log: EventStore, *, bot_id: int) -> None:
        self._log = log
        self.bot_id = bot_id
        self.state = EraState()
        self._saved = EraState()
        self.started = 0

    @property
    def stream(self) -> str:
        return f"intake:{self.bot_id}"

    async def load(self) -> None:
        era = await self._log.stream_version(self.stream)
        snapshot = await self._log.load_snapshot(self.stream)
        saved = _STATE.decode(snapshot.state) if snapshot is not None else EraState()
        if saved.era != era:  # the snapshot is from an older era: only the era is certain
            saved = EraState(era=era)
        self.state = self._saved = saved

    def place(self, update_ids: Sequence[int], now: float) -> Placement:
        return place(self.state, self.bot_id, update_ids, now)

    def record_of(self, started: UpdateEraStarted, cid: str, ts: float) -> NewEvent:
        """The event that starts an era, with an id that makes a repeat of the same batch a duplicate."""
        return NewEvent(
            event_id=f"{self.stream}:era:{started.era}", stream=self.stream, event=started, cid=cid, ts=ts
        )

    def recorded(self, era: int, update_ids: Sequence[int], ts: float) -> None:
        """A batch of this era is durable."""
        if era != self.state.era:
            self.started += 1
            self.state = EraState(era=era)
        if update_ids:
            newest = max(update_ids)
            if self.state.newest_id is None or newest >= self.state.newest_id:
                self.state = msgspec.structs.replace(self.state, newest_id=newest, newest_ts=ts)

    def confirmed(self, offset: int) -> None:
        """``getUpdates`` returned with ``offset``: every id below it is confirmed for this era."""
        if self.state.confirmed is None or offset > self.state.confirmed:
            self.state = msgspec.structs.replace(self.state, confirmed=offset)

    async def save(self, ts: float) -> None:
        if self.state == self._saved or self._log.closed:
            return
        state = self.state
        try:
            await self._log.save_snapshot(
                Snapshot(stream=self.stream, version=state.era, state=msgspec.json.encode(state), ts=ts)
            )
        except EventLogError:
            return  # a stale snapshot only makes the rules more cautious
        self._saved = state
