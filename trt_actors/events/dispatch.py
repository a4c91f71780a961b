"""Events of what the bot showed and how each Telegram call ended."""

from __future__ import annotations

from trt_actors.events.base import Event

__all__ = ["DispatchFailed", "DispatchOk", "UiRendered"]


class UiRendered(Event, frozen=True):
    """A screen was decided for a chat; the outbox will send or edit it."""

    screen: str
    dispatch_id: str
    edit_message_id: int | None = None


class DispatchOk(Event, frozen=True):
    dispatch_id: str
    method: str
    attempts: int
    message_id: int | None = None


class DispatchFailed(Event, frozen=True):
    """A Telegram call failed. ``final`` says whether the outbox gave up on it."""

    dispatch_id: str
    method: str
    attempts: int
    error_code: int | None
    description: str
    final: bool
    retry_after: float | None = None
