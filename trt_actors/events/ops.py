"""Events of the bot's operations that belong to no user: what the admins were told.

Stream ``ops:alerts``. An alert is recorded before it is sent, under an id
that names what it is about (``alert:kie_balance_empty:<hour>``), so the same
alert is sent once however often its cause repeats or is delivered again.
"""

from __future__ import annotations

from trt_actors.events.base import Event

__all__ = ["OPS_EVENTS", "AdminAlerted"]


class AdminAlerted(Event, frozen=True):
    """``admins`` were sent ``text`` about ``kind`` (``kie_balance_empty``, ``late_result``)."""

    kind: str
    text: str
    admins: tuple[int, ...]


OPS_EVENTS: tuple[type[Event], ...] = (AdminAlerted,)
