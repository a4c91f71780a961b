"""The shapes that go into and come out of the event log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from eventlog.event import Event

__all__ = ["Append", "Lease", "NewEvent", "OpenItem", "Position", "RecordedEvent", "Snapshot"]


class NewEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event to append, with its envelope fields. The log assigns ``seq`` and ``version``.

    ``event_id`` is the idempotency key: derive it from what caused the event
    (``update:12345``, ``hold:<confirmation id>``), so that doing the same
    thing twice appends once.

    ``opens`` and ``closes`` name an open item (``"job:abc"``, ``"hold:h1"``):
    the log keeps a table of the items that are open, updated in the same
    transaction as the event, so that recovery lists them with
    ``open_items("job:")`` instead of scanning the log. An event may close one
    item and open another; when it names the same item in both, the item is
    closed and opened again (it then points at this event). Opening an item
    that is already open moves it to this event.
    """

    event_id: str
    stream: str
    event: Event
    cid: str
    ts: float
    causation: str | None = None
    chat_id: int | None = None
    user_id: int | None = None
    opens: str | None = None
    closes: str | None = None


class Append(msgspec.Struct, frozen=True, kw_only=True):
    """One all-or-nothing append inside ``append_batch``: its events and the stream versions it expects."""

    events: Sequence[NewEvent]
    expected: Mapping[str, int] | None = None


class RecordedEvent(msgspec.Struct, frozen=True, gc=False):
    """An event as the log holds it: the envelope plus the decoded event."""

    seq: int
    event_id: str
    stream: str
    version: int
    type: str
    ts: float
    cid: str
    causation: str | None
    chat_id: int | None
    user_id: int | None
    event: Event


class Position(msgspec.Struct, frozen=True):
    """Where an appended event sits.

    ``duplicate`` is true when the append was recognised as an earlier one
    (at least one of its event ids was already in the log) and nothing of it
    was written. Then an event id that is in the log carries its original
    ``seq``, ``stream`` and ``version``; an event id that is not (the earlier
    append did not hold it) carries ``seq=0`` and ``version=0``.
    """

    seq: int
    stream: str
    version: int
    event_id: str
    duplicate: bool = False


class OpenItem(msgspec.Struct, frozen=True):
    """An item some event opened and no event closed yet: its name and the event that opened it."""

    item: str
    stream: str
    seq: int
    event_id: str
    chat_id: int | None = None
    """The chat of the event that opened it (None: it belongs to no chat), so a shard's owner finds its own."""


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """An actor's folded state at ``version`` of ``stream``, encoded by the actor."""

    stream: str
    version: int
    state: bytes
    ts: float


ACTIVE_LEASE = "active"
"""The lease of the active instance: the one every write is fenced by unless it names another."""


class Lease(msgspec.Struct, frozen=True):
    """A lease as the log has it: ``holder`` (an instance id), ``epoch`` (one more at every change of holder),
    and until when it holds (``expires_at``, wall-clock seconds; 0: released). ``name`` says which lease:
    :data:`ACTIVE_LEASE` (the active instance's), or one a bot defines (a shard's, an instance's membership).

    ``mine`` is whether the instance that asked holds it now (and so may write under it).
    """

    holder: str
    epoch: int
    expires_at: float
    mine: bool = False
    name: str = ACTIVE_LEASE
