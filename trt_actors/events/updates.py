"""Events of the update receiver: what arrived from Telegram and what became of it."""

from __future__ import annotations

from trt_actors.events.base import Event

__all__ = ["UpdateDeclined", "UpdateReceived", "UpdateRejected"]


class UpdateReceived(Event, frozen=True):
    """An update from Telegram, recorded before anything acts on it.

    ``body`` is the update exactly as Telegram sent it (JSON text), so a replay
    sees the same input. Its event id is derived from ``update_id``, which makes
    a redelivered update a no-op.
    """

    update_id: int
    kind: str
    body: str
    source: str = "polling"


class UpdateRejected(Event, frozen=True):
    """An update that could not be understood: recorded, answered, and otherwise ignored."""

    reason: str
    detail: str
    size: int


class UpdateDeclined(Event, frozen=True):
    """An update the bot could not serve now (it is updating); the user was told to retry."""

    update_id: int
    reason: str
