"""Events of an inline-button press, from arrival to verdict (the seed report's telemetry chain)."""

from __future__ import annotations

from trt_actors.events.base import Event

__all__ = ["CallbackAccepted", "CallbackReceived", "CallbackRejected", "CallbackRouted"]


class CallbackReceived(Event, frozen=True):
    """An inline-button press arrived (recorded with its update, before anything acts on it)."""

    update_id: int
    callback_query_id: str
    data: str
    message_id: int | None = None


class CallbackRouted(Event, frozen=True):
    """The press reached the actor that owns it (``target``, e.g. ``session:42``)."""

    target: str


class CallbackAccepted(Event, frozen=True):
    """The press made sense on the screen it came from; ``action`` is what it did."""

    action: str


class CallbackRejected(Event, frozen=True):
    """The press was answered but changed nothing: stale, forged or unknown data."""

    reason_code: str
    data: str
