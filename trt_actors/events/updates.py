"""Events of the update receiver: what arrived from Telegram and what became of it."""

from __future__ import annotations

from typing import ClassVar

from trt_actors.events.base import Event

__all__ = ["PassiveRejected", "UpdateDeclined", "UpdateEraStarted", "UpdateReceived", "UpdateRejected"]


class UpdateReceived(Event, frozen=True):
    """An update from Telegram, recorded before anything acts on it.

    ``body`` is the update as Telegram sent it (JSON text), so a replay sees the
    same input. A body over the storage cap is stored with every string cut to
    Telegram's own limit (4,096 characters): ``original_size`` and
    ``original_sha256`` then describe what arrived. Its event id is derived from
    the bot, the era of update ids and ``update_id`` (see
    :mod:`trt_actors.actors.eras`), which makes a redelivered update a no-op.
    """

    recorded_input: ClassVar[bool] = True

    update_id: int
    kind: str
    body: str
    source: str = "polling"
    original_size: int = 0
    original_sha256: str = ""


class UpdateRejected(Event, frozen=True):
    """An update that could not be understood: recorded, answered, and otherwise ignored."""

    recorded_input: ClassVar[bool] = True

    reason: str
    detail: str
    size: int


class UpdateDeclined(Event, frozen=True):
    """An update the bot could not serve now (it is updating); the user was told to retry."""

    update_id: int
    reason: str


class PassiveRejected(Event, frozen=True):
    """A passive instance (one that did not hold the lease) declined update ``update_id``: the user was answered
    at once ("updating, tap again") and nothing was taken. Recorded once that instance became the active one.

    ``kind`` is ``callback_query`` or ``message``; ``data`` the declined tap's data, which the "tap again"
    button carries; ``instance`` the instance that declined it.
    """

    update_id: int
    kind: str
    data: str = ""
    instance: str = ""


class UpdateEraStarted(Event, frozen=True):
    """Update ids of this bot start a new era: ids seen before no longer mark a duplicate.

    Telegram restarts update ids at a random value after a week without
    updates, and an emulator restarts them at 1. ``reason`` is
    ``below-confirmed-offset`` (an id lower than the offset polling already
    confirmed, which Telegram never sends again) or ``after-retention`` (the
    newest recorded update is older than Telegram keeps undelivered updates).
    The inputs of that decision are recorded with it: the offset polling had
    confirmed, the newest update before it, and the clock reading.
    """

    bot_id: int
    era: int
    first_update_id: int
    reason: str
    confirmed_offset: int | None = None
    newest_update_id: int | None = None
    newest_ts: float | None = None
    decided_at: float = 0.0
