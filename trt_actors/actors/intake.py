"""Recording an update: raw Telegram JSON in, durable events out.

Both ways updates arrive (long polling and the webhook) go through
:class:`Intake`, so they record exactly the same events:

* an understood update becomes ``UpdateReceived`` on stream ``inbox:<chat_id>``
  (``inbox:user:<user_id>`` when it has no chat, like a pre-checkout query),
  with the event id ``update:<bot_id>:<era>:<update_id>`` (see
  :mod:`trt_actors.actors.eras` for why the era); a callback query adds
  ``CallbackReceived`` and ``CallbackRouted`` in the same all-or-nothing append;
* a body that is not an update becomes ``UpdateRejected`` on stream
  ``inbox:rejected`` with an event id derived from a hash of the body, so a
  retried delivery does not pile up;
* a body over :data:`MAX_STORED_BODY` is stored with its strings cut to
  Telegram's own limit, with the original size and hash (a 1 MB "message" is
  forged: Telegram never sends more than 4,096 characters of text).

Each update is its own append (all or nothing), and a whole batch is
committed at once (``append_batch``): one already in the log does not stop
the others.

The ``cid`` is ``u<update_id>-<hash of the event id>``: deterministic, so a
replay yields the same chain. Every event that follows from the update carries it.

Example::

    intake = Intake(log, bot_id=123456)
    await intake.load()
    recorded = await intake.record([intake.parse(raw_body, source="webhook")])
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence

import msgspec

from eventlog import Append, EventStore, NewEvent, Position, RecordedEvent, VersionConflict
from trt_actors.actors.eras import UpdateEras
from trt_actors.events import CallbackReceived, CallbackRouted, Event, UpdateReceived, UpdateRejected
from trt_actors.telegram import Update

__all__ = [
    "MAX_STORED_BODY",
    "MAX_STRING",
    "Intake",
    "Parsed",
    "Recorded",
    "Rejected",
    "Route",
    "UpdateMeta",
    "inbox_stream",
    "is_first_of_chat",
    "parse_update",
    "update_events",
]

MAX_STORED_BODY = 64 * 1024
"""Bytes of an update body stored as they came; a larger body is stored with its strings cut."""

MAX_STRING = 4096
"""Telegram's longest text (a message; captions are shorter): no string of a stored body is longer."""

REJECTED_STREAM = "inbox:rejected"
_INT64 = (-(2**63), 2**63 - 1)

_UPDATE = msgspec.json.Decoder(Update)


class _Numbered(msgspec.Struct):
    update_id: int


_NUMBERED = msgspec.json.Decoder(_Numbered)


def inbox_stream(chat_id: int | None, user_id: int | None) -> str:
    """Where a chat's (or, without a chat, a user's) updates are recorded."""
    if chat_id is not None:
        return f"inbox:{chat_id}"
    return f"inbox:user:{user_id}"


def is_first_of_chat(recorded: RecordedEvent) -> bool:
    """Whether this recorded update is the first ever from its chat: version 1 of the chat's inbox."""
    chat = recorded.chat_id
    return chat is not None and recorded.version == 1 and recorded.stream == inbox_stream(chat, None)


class UpdateMeta(msgspec.Struct, frozen=True, kw_only=True):
    """What the router needs besides the update: the chain id and the envelope.

    ``first_of_chat`` is true for the very first update ever recorded from its
    chat (version 1 of its inbox): nothing can be in the chat's session yet.
    """

    cid: str
    update_id: int
    event_id: str
    ts: float
    chat_id: int | None = None
    user_id: int | None = None
    first_of_chat: bool = False


Route = Callable[[Update, UpdateMeta], Awaitable[None]]
"""Hands one recorded update to its target and returns once the target committed the outcome."""


class Parsed(msgspec.Struct, frozen=True, kw_only=True):
    """An understood update, before it has an event id (that needs the batch's era)."""

    update: Update
    kind: str
    body: str
    source: str
    ts: float
    chat_id: int | None
    user_id: int | None
    original_size: int = 0
    original_sha256: str = ""


class Rejected(msgspec.Struct, frozen=True, kw_only=True):
    """A body that is not a usable update, and the ``UpdateRejected`` event that records it."""

    update_id: int | None
    reason: str
    event: NewEvent


class Recorded(msgspec.Struct, frozen=True, kw_only=True):
    """One update after the append: ``fresh`` is False when the log already had it."""

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
        stream=REJECTED_STREAM,
        event=UpdateRejected(reason=reason, detail=detail[:300], size=len(body)),
        cid=cid,
        ts=ts,
    )
    return Rejected(update_id=update_id, reason=reason, event=event)


def _identify(update: Update) -> tuple[str, int | None, int | None] | None:
    """(kind, chat id, user id) of an update, or None when it carries nothing we know."""
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat.id if query.message is not None else None
        return "callback_query", chat, query.from_.id
    if update.pre_checkout_query is not None:
        return "pre_checkout_query", None, update.pre_checkout_query.from_.id
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        message = getattr(update, kind)
        if message is not None:
            return kind, message.chat.id, message.from_.id if message.from_ is not None else None
    for kind in ("my_chat_member", "chat_member"):
        member = getattr(update, kind)
        if member is not None:
            return kind, member.chat.id, member.from_.id
    return None


def _cut(value: object) -> object:
    if isinstance(value, str):
        return value[:MAX_STRING]
    if isinstance(value, list):
        return [_cut(item) for item in value]
    if isinstance(value, dict):
        return {key: _cut(item) for key, item in value.items()}
    return value


def parse_update(body: bytes, *, source: str, ts: float) -> Parsed | Rejected:
    """Read one update body (pure: no I/O). Ids come later, with the batch's era."""
    try:
        update = _UPDATE.decode(body)
    except (msgspec.DecodeError, RecursionError) as exc:  # JSON nested thousands deep exhausts the stack
        try:
            update_id: int | None = _NUMBERED.decode(body).update_id
        except (msgspec.DecodeError, RecursionError):
            update_id = None
        reason = "not-json" if _is_not_json(body) else "not-an-update"
        return _reject(body, reason, str(exc), update_id, ts)
    identity = _identify(update)
    if identity is None:
        return _reject(body, "unknown-kind", "the update carries no kind the bot reads", update.update_id, ts)
    kind, chat_id, user_id = identity
    if not all(_INT64[0] <= number <= _INT64[1] for number in (update.update_id, chat_id or 0, user_id or 0)):
        # The log keeps these ids in 64-bit columns; Telegram's fit in 52 bits, so this one is forged.
        return _reject(body, "not-an-update", "an id does not fit in 64 bits", None, ts)
    if len(body) <= MAX_STORED_BODY:
        return Parsed(
            update=update, kind=kind, body=body.decode("utf-8"), source=source, ts=ts, chat_id=chat_id, user_id=user_id
        )
    try:
        stored = msgspec.json.encode(_cut(msgspec.json.decode(body)))
    except RecursionError:  # nested too deep to cut within the stack: it cannot be stored
        return _reject(body, "too-large", f"{len(body)} bytes, nested too deep to cut", update.update_id, ts)
    if len(stored) > MAX_STORED_BODY:
        detail = f"{len(body)} bytes, {len(stored)} even with every string cut to {MAX_STRING} characters"
        return _reject(body, "too-large", detail, update.update_id, ts)
    return Parsed(
        update=_UPDATE.decode(stored),
        kind=kind,
        body=stored.decode("utf-8"),
        source=source,
        ts=ts,
        chat_id=chat_id,
        user_id=user_id,
        original_size=len(body),
        original_sha256=_digest(body, 64),
    )


def _is_not_json(body: bytes) -> bool:
    try:
        msgspec.json.decode(body)
    except msgspec.DecodeError:
        return True
    except RecursionError:  # well-formed, only nested too deep to read
        return False
    return False


def update_events(parsed: Parsed, *, bot_id: int, era: int) -> tuple[UpdateMeta, tuple[NewEvent, ...]]:
    """The events that record ``parsed`` in ``era`` of ``bot_id`` (pure)."""
    update = parsed.update
    event_id = f"update:{bot_id}:{era}:{update.update_id}"
    cid = f"u{update.update_id}-{_digest(event_id, 8)}"
    meta = UpdateMeta(
        cid=cid, update_id=update.update_id, event_id=event_id, ts=parsed.ts, chat_id=parsed.chat_id,
        user_id=parsed.user_id,
    )
    received = UpdateReceived(
        update_id=update.update_id,
        kind=parsed.kind,
        body=parsed.body,
        source=parsed.source,
        original_size=parsed.original_size,
        original_sha256=parsed.original_sha256,
    )
    stream = inbox_stream(parsed.chat_id, parsed.user_id)
    events: list[NewEvent] = [_envelope(meta, stream, event_id, received, None)]
    query = update.callback_query
    if query is not None:
        message_id = query.message.message_id if query.message is not None else None
        callback = CallbackReceived(
            update_id=update.update_id, callback_query_id=query.id, data=query.data or "", message_id=message_id
        )
        target = f"session:{parsed.chat_id}" if parsed.chat_id is not None else f"user:{parsed.user_id}"
        events.append(_envelope(meta, stream, f"{event_id}:callback", callback, event_id))
        events.append(
            _envelope(meta, stream, f"{event_id}:routed", CallbackRouted(target=target), f"{event_id}:callback")
        )
    return meta, tuple(events)


def _envelope(meta: UpdateMeta, stream: str, event_id: str, event: Event, causation: str | None) -> NewEvent:
    return NewEvent(
        event_id=event_id,
        stream=stream,
        event=event,
        cid=meta.cid,
        ts=meta.ts,
        causation=causation,
        chat_id=meta.chat_id,
        user_id=meta.user_id,
    )


class Intake:
    """Records batches of updates, each all-or-nothing, the batch in one commit.

    ``clock`` gives the ``ts`` of new events (Unix seconds). Call :meth:`load`
    once before recording (it reads the bot's era).
    """

    def __init__(self, log: EventStore, *, bot_id: int = 0, clock: Callable[[], float] = time.time) -> None:
        self._log = log
        self._clock = clock
        self.eras = UpdateEras(log, bot_id=bot_id)
        self.received = 0
        self.duplicates = 0
        self.rejected = 0

    async def load(self) -> None:
        await self.eras.load()

    def parse(self, body: bytes, *, source: str) -> Parsed | Rejected:
        return parse_update(body, source=source, ts=self._clock())

    async def record(self, items: Sequence[Parsed | Rejected]) -> list[Recorded]:
        """Append every item and wait for the commit; return the understood ones in order.

        Raises what the log raises (nothing is then recorded; retrying is safe).
        """
        parsed = [item for item in items if isinstance(item, Parsed)]
        rejected = [item for item in items if isinstance(item, Rejected)]
        ids = [item.update.update_id for item in parsed]
        placement = self.eras.place(ids, self._clock())
        appends: list[Append] = []
        seen: set[str] = set()
        kept: list[tuple[Parsed, UpdateMeta]] = []  # the updates, in the order of the first appends
        for item in parsed:
            meta, events = update_events(item, bot_id=self.eras.bot_id, era=placement.era)
            if meta.event_id in seen:
                continue  # the same update twice in one batch
            seen.add(meta.event_id)
            kept.append((item, meta))
            appends.append(Append(events=events))
        for refused in rejected:
            if refused.event.event_id not in seen:
                seen.add(refused.event.event_id)
                appends.append(Append(events=(refused.event,)))
        if placement.started is not None and kept:
            first = kept[0][1]
            appends.append(Append(events=(self.eras.record_of(placement.started, first.cid, first.ts),)))
        results = await self._log.append_batch(appends) if appends else []
        self.eras.recorded(placement.era, ids, self._clock())
        recorded: list[Recorded] = []
        for (item, meta), result in zip(kept, results):
            assert not isinstance(result, VersionConflict)  # no append here expects a version
            recorded.append(
                Recorded(update=item.update, meta=meta, kind=item.kind, fresh=not result[0].duplicate, position=result[0])
            )
        fresh = sum(r.fresh for r in recorded)
        self.received += fresh
        self.duplicates += len(parsed) - fresh
        self.rejected += len(rejected)
        return recorded
