"""Events of the bot's operations that belong to no user: what the admins were told, and who is active.

Stream ``ops:alerts``. An alert is recorded before it is sent, under an id
that names what it is about (``alert:kie_balance_empty:<hour>``), so the same
alert is sent once however often its cause repeats or is delivered again.

Stream ``ops:bot``: who the bot is, as Telegram said at start-up
(``BotIdentified``, recorded when its username is new): the "Invite friends"
screen builds its links from it, and ``replay`` reads it back.

Stream ``ops:lease``: which instance is the active one. An instance that
takes the lease records, in its first write under its new epoch, that the
previous holder lost it (``LeaseLost``: it expired, or was released),
``LeaseAcquired`` and ``ModeChanged(mode="active")``; one that stops cleanly
records ``ModeChanged(mode="stopped")`` just before it releases the lease.
An instance that lost the lease records nothing: it can no longer write.
"""

from __future__ import annotations

from trt_actors.events.base import Event

__all__ = ["OPS_EVENTS", "AdminAlerted", "BotIdentified", "LeaseAcquired", "LeaseLost", "ModeChanged"]


class AdminAlerted(Event, frozen=True):
    """``admins`` were sent ``text`` about ``kind`` (``kie_balance_empty``, ``late_result``)."""

    kind: str
    text: str
    admins: tuple[int, ...]


class LeaseLost(Event, frozen=True):
    """``holder`` no longer holds epoch ``epoch`` of the lease: it ``expired`` (a crash, a hang) or was ``released``.

    ``lease`` names it: ``active`` (the active instance's), or a unit's when several instances share the chats
    (``shard:2/8``)."""

    holder: str
    epoch: int
    reason: str
    lease: str = "active"


class LeaseAcquired(Event, frozen=True):
    """``holder`` took the lease ``lease``: it alone writes under it, with ``epoch``, while it renews it (until
    ``expires_at``)."""

    holder: str
    epoch: int
    expires_at: float
    lease: str = "active"


class ModeChanged(Event, frozen=True):
    """Instance ``holder`` is now ``active`` (runs every actor) or ``stopped`` (about to release the lease)."""

    holder: str
    mode: str
    epoch: int


class BotIdentified(Event, frozen=True):
    """Telegram's ``getMe`` said the bot is ``username`` (id ``bot_id``)."""

    bot_id: int
    username: str


OPS_EVENTS: tuple[type[Event], ...] = (AdminAlerted, LeaseLost, LeaseAcquired, ModeChanged, BotIdentified)
