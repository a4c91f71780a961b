"""Recording an update: raw Telegram JSON in, durable events out, ready to route.

Both ways updates arrive (long polling and the webhook) go through
:class:`Intake`, so they record exactly the same events:

* an understood update becomes ``UpdateReceived`` on stream ``updates`` with the
  event id ``update:<update_id>:<inner id>`` (the inner id is the callback query
  id, ``<chat_id>.<message_id>`` for a message, the pre-checkout query id, ...:
  Telegram may reuse an ``update_id`` after a week of silence, so the number
  alone is not a safe key); a callback query adds ``CallbackReceived`` and
  ``CallbackRouted`` in the same append;
* a body that is not an update becomes ``UpdateRejected`` with an event id
  derived from a hash of the body, so a retried delivery does not pile up.

The ``cid`` is ``u<update_id>-<hash of the event id>``: deterministic, so a
replay yields the same chain. Every event that follows from the update carries it.

Example::

    intake = Intake(log)
    for item in await intake.record([raw_body], source="webhook"):
        if item.fresh:
            await route(item.update, item.meta)
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence

import msgspec

from eventlog import EventStore, NewEvent, Position
from trt_actors.events import CallbackReceived, CallbackRouted, Event, UpdateReceived, UpdateRejected
from trt_actors.telegram import Update

__all__ = ["UPDATES_STREAM", "Intake", "Recorded", "Rejected", "Route", "UpdateMeta", "parse_update"]

UPDATES_STREAM = "updates"

_UPDATE = msgspec.json.Decoder(Update)


class _Numbered(msgspec.Struct):
    update_id: int


_NUMBERED = msgspec.json.Decoder(_Numbered)
_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "pre_checkout_query",
    "my_chat_member",
    "chat_member",
)


class UpdateMeta(msgspec.Struct, frozen=True, kw_only=True):
    """What the router needs besides the update: the chain id and the envelope."""

    cid: str
    update_id: int
    event_id: str
    ts: float
    chat_id: int | None = None
    user_id: int | None = None


Route = Callable[[Update, UpdateMeta], Awaitable[None]]
"""Hands one recorded update on (the wiring turns it into a session command). May apply backpressure."""


class Parsed(msgspec.Struct, frozen=True, kw_only=True):
    """An understood update and the events that record it."""

    update: Update
    meta: UpdateMeta
    kind: str
    events: tuple[NewEvent, ...]


class Rejected(msgspec.Struct, frozen=True, kw_only=True):
    """A body that is not a usable update, and the ``UpdateRejected`` event that records it."""

    update_id: int | None
    reason: str
    event: NewEvent


class Recorded(msgspec.Struct, frozen=True, kw_only=True):
    """One update after the append: ``fresh`` is False when the log already had it (do not route again)."""

    update: Update
    meta: UpdateMeta
    kind: str
    fresh: bool
    position: Position

    @property
    def callback_query_id(self) -> str | None:
        query = self.update.callback_query
        return None if query is None else query.id


def _digest(data: bytes | str, length: int) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()[:length]


def _reject(body: bytes, reason: str, detail: str, update_id: int | None, ts: float) -> Rejected:
    digest = _digest(body, 16)
    cid = f"u{update_id}-{digest[:8]}" if update_id is not None else f"r-{digest[:8]}"
    event = NewEvent(
        event_id=f"rejected:{digest}",
        stream=UPDATES_STREAM,
        event=UpdateRejected(reason=reason, detail=detail[:300], size=len(body)),
        cid=cid,
        ts=ts,
    )
    return Rejected(update_id=update_id, reason=reason, event=event)


def _identify(update: Update) -> tuple[str, str, int | None, int | None] | None:
    """(kind, inner id, chat id, user id) of an update, or None when it carries nothing we know."""
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat.id if query.message is not None else None
        return "callback_query", query.id, chat, query.from_.id
    if update.pre_checkout_query is not None:
        pre = update.pre_checkout_query
        return "pre_checkout_query", pre.id, None, pre.from_.id
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        message = getattr(update, kind)
        if message is not None:
            user = message.from_.id if message.from_ is not None else None
            inner = f"{message.chat.id}.{message.message_id}"
            if message.edit_date is not None:
                inner = f"{inner}.e{message.edit_date}"
            return kind, inner, message.chat.id, user
    for kind in ("my_chat_member", "chat_member"):
        member = getattr(update, kind)
        if member is not None:
            return kind, f"{member.chat.id}.{member.from_.id}.{member.date}", member.chat.id, member.from_.id
    return None


def parse_update(body: bytes, *, source: str, ts: float) -> Parsed | Rejected:
    """Read one update body and build its events (pure: no I/O)."""
    try:
        update = _UPDATE.decode(body)
    except msgspec.DecodeError as exc:
        try:
            update_id: int | None = _NUMBERED.decode(body).update_id
        except msgspec.DecodeError:
            update_id = None
        reason = "not-json" if _is_not_json(body) else "not-an-update"
        return _reject(body, reason, str(exc), update_id, ts)
    identity = _identify(update)
    if identity is None:
        return _reject(body, "unknown-kind", "the update carries no kind the bot reads", update.update_id, ts)
    kind, inner, chat_id, user_id = identity
    event_id = f"update:{update.update_id}:{inner}"
    cid = f"u{update.update_id}-{_digest(event_id, 8)}"
    meta = UpdateMeta(cid=cid, update_id=update.update_id, event_id=event_id, ts=ts, chat_id=chat_id, user_id=user_id)
    received = UpdateReceived(update_id=update.update_id, kind=kind, body=body.decode("utf-8"), source=source)
    events: list[NewEvent] = [_envelope(meta, event_id, received, None)]
    query = update.callback_query
    if query is not None:
        message_id = query.message.message_id if query.message is not None else None
        callback = CallbackReceived(
            update_id=update.update_id, callback_query_id=query.id, data=query.data or "", message_id=message_id
        )
        target = f"session:{chat_id}" if chat_id is not None else f"user:{user_id}"
        events.append(_envelope(meta, f"{event_id}:callback", callback, event_id))
        events.append(_envelope(meta, f"{event_id}:routed", CallbackRouted(target=target), f"{event_id}:callback"))
    return Parsed(update=update, meta=meta, kind=kind, events=tuple(events))


def _envelope(meta: UpdateMeta, event_id: str, event: Event, causation: str | None) -> NewEvent:
    return NewEvent(
        event_id=event_id,
        stream=UPDATES_STREAM,
        event=event,
        cid=meta.cid,
        ts=meta.ts,
        causation=causation,
        chat_id=meta.chat_id,
        user_id=meta.user_id,
    )


def _is_not_json(body: bytes) -> bool:
    try:
        msgspec.json.decode(body)
    except msgspec.DecodeError:
        return True
    return False


class Intake:
    """Appends updates to the log in one atomic append per batch; returns what to route.

    ``clock`` gives the ``ts`` of new events (Unix seconds).
    """

    def __init__(self, log: EventStore, *, clock: Callable[[], float] = time.time) -> None:
        self._log = log
        self._clock = clock
        self.received = 0
        self.duplicates = 0
        self.rejected = 0

    def parse(self, body: bytes, *, source: str) -> Parsed | Rejected:
        return parse_update(body, source=source, ts=self._clock())

    async def record(self, items: Sequence[Parsed | Rejected]) -> list[Recorded]:
        """Append every item's events at once and wait for the commit.

        Raises what the log raises (nothing is then recorded; retrying is safe).
        """
        events: list[NewEvent] = []
        firsts: list[tuple[Parsed, int]] = []
        seen: set[str] = set()
        for item in items:
            item_events = item.events if isinstance(item, Parsed) else (item.event,)
            if item_events[0].event_id in seen:
                continue  # the same update twice in one batch
            seen.update(e.event_id for e in item_events)
            if isinstance(item, Parsed):
                firsts.append((item, len(events)))
            events.extend(item_events)
        positions = await self._log.append(events) if events else []
        recorded = [
            Recorded(
                update=item.update,
                meta=item.meta,
                kind=item.kind,
                fresh=not positions[index].duplicate,
                position=positions[index],
            )
            for item, index in firsts
        ]
        fresh = sum(r.fresh for r in recorded)
        self.received += fresh
        self.duplicates += len(items) - fresh - sum(isinstance(i, Rejected) for i in items)
        self.rejected += sum(isinstance(i, Rejected) for i in items)
        return recorded
