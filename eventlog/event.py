"""The base of every event: a frozen, tagged msgspec Struct.

The log stores any subclass of :class:`Event`; which ones exist, and how they
may change over time, is the vocabulary's business (the schema-evolution rules
live with the vocabulary, next to its codec). What the base class fixes:

* An event is **tagged** with its class name in the ``type`` field, and the
  log files it under that name (:meth:`Event.type_name`).
* Fields equal to their default are not encoded, so adding a field with a
  default leaves the bytes of every event that does not use it unchanged.
* Events hold only immutable data (strings, numbers, tuples of them), never a
  reference to another object that could point back: that is what lets them
  skip the cyclic garbage collector (``gc=False``), which makes replay about a
  third faster.
* Events forbid unknown fields: our own payloads are exact. Telegram's and
  KIE's payloads, which gain fields all the time, are never events' types;
  events copy the facts they need out of them.

Example::

    class CreditsGranted(Event, frozen=True):
        user_id: int
        amount: int

    assert CreditsGranted.type_name() == "CreditsGranted"
"""

from __future__ import annotations

from typing import Final

import msgspec

__all__ = ["STREAM_ITEM", "Event"]

STREAM_ITEM: Final = "@stream"
"""What :meth:`Event.opened_item` or :meth:`Event.closed_item` return to name the item after the event's stream.

An event that does not know its own stream (a job's ``ResultDelivered``
carries no job id) still closes the item its stream opened: the runtime puts
the stream's name in its place when it writes the event.
"""


class Event(
    msgspec.Struct,
    frozen=True,
    tag=True,
    tag_field="type",
    kw_only=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    gc=False,
):
    """A fact that happened. Subclasses are named in the past tense (``UpdateReceived``)."""

    @classmethod
    def type_name(cls) -> str:
        tag = cls.__struct_config__.tag
        assert isinstance(tag, str)
        return tag

    def opened_item(self) -> str | None:
        """The open item this event starts (``"hold:h1"``), if any; see :meth:`eventlog.EventStore.open_items`."""
        return None

    def closed_item(self) -> str | None:
        """The open item this event ends, if any (:data:`STREAM_ITEM`: the one named as its stream)."""
        return None
