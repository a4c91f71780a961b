"""Events of a broadcast: one message from an admin to every user of the bot.

Stream ``broadcast:<broadcast_id>``, in this order:

* ``BroadcastStarted`` (event id ``broadcast:<id>:started``): who started it,
  the HTML text, and the recipients as they were at that moment (every chat
  that ever wrote to the bot). It opens the item ``broadcast:<id>``, so a
  restart finds the broadcasts still under way without scanning the log.
* one ``BroadcastQueued`` per recipient (event id ``broadcast:<id>:<user_id>``,
  the recipient as the envelope's ``chat_id`` and ``user_id``): the outbox
  sends it and records the outcome (``DispatchOk`` / ``DispatchFailed`` under
  its ``dispatch_id``, ``broadcast:<id>:<user_id>``, in ``outbox:<user_id>``).
  The text is not repeated: the outbox reads it from ``BroadcastStarted``.
* ``BroadcastFinished`` (event id ``broadcast:<id>:finished``) once every
  recipient's message has a final outcome, with the counts; it closes the item.
"""

from __future__ import annotations

from eventlog.event import STREAM_ITEM
from trt_actors.events.base import Event

__all__ = [
    "BROADCAST_EVENTS",
    "BroadcastFinished",
    "BroadcastQueued",
    "BroadcastStarted",
    "broadcast_dispatch_id",
    "broadcast_stream",
]


def broadcast_stream(broadcast_id: str) -> str:
    """The stream (and the open item) of one broadcast."""
    return f"broadcast:{broadcast_id}"


def broadcast_dispatch_id(broadcast_id: str, recipient: int) -> str:
    """The dispatch id of one recipient's copy (also the event id of its ``BroadcastQueued``)."""
    return f"broadcast:{broadcast_id}:{recipient}"


class BroadcastStarted(Event, frozen=True):
    """Admin ``admin_id`` sent ``text`` (in ``parse_mode``) to every chat in ``recipients``."""

    broadcast_id: str
    admin_id: int
    text: str
    recipients: tuple[int, ...]
    parse_mode: str = "HTML"

    def opened_item(self) -> str:
        """A broadcast under way is an open item (its stream's name) until it finishes."""
        return broadcast_stream(self.broadcast_id)


class BroadcastQueued(Event, frozen=True):
    """``recipient``'s copy of broadcast ``broadcast_id`` waits for the outbox."""

    broadcast_id: str
    recipient: int

    @property
    def dispatch_id(self) -> str:
        return broadcast_dispatch_id(self.broadcast_id, self.recipient)


class BroadcastFinished(Event, frozen=True):
    """Every copy has a final outcome: ``delivered``, ``unreachable`` (the user blocked the bot) or ``failed``."""

    broadcast_id: str
    recipients: int
    delivered: int
    failed: int
    unreachable: int

    def closed_item(self) -> str:
        return STREAM_ITEM


BROADCAST_EVENTS: tuple[type[Event], ...] = (BroadcastStarted, BroadcastQueued, BroadcastFinished)
