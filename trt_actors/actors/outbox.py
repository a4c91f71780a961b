"""The outbox: the only code that sends or edits Telegram messages.

It is driven by the log, not called by anyone: a durable
:class:`~trt_actors.runtime.Reactor` follows every ``UiRendered`` (and every
``UpdateReceived``, see below) and hands them over chat by chat. A session
therefore cannot show something that is not recorded (persist-then-act by
construction), and a crash loses nothing: the reactor's checkpoint moves past
a message only once its outcome is committed.

Delivery of one ``UiRendered``:

* ``edit_message_id`` set: ``editMessageText`` with the event's keyboard;
  "message is not modified" counts as delivered; "message to edit not found" /
  "message can't be edited" falls back to ``sendMessage``. Otherwise ``sendMessage``.
* ``InvoiceRequested`` (a Stars top-up the user chose): ``sendInvoice`` in
  ``XTR`` with its one price; its dispatch id is ``invoice:<topup_id>``.
* Order is kept per chat (one reactor lane per chat); chats go in parallel.
  Each call waits for a token of the chat's budget (about 1/s, small bursts)
  and of the bot's (about 30/s), see :mod:`trt_actors.actors.throttle`.
* 429: the chat pauses for ``retry_after`` (everything pauses when several
  chats hit 429 at once) and the same call is repeated: delayed, never dropped.
  5xx and network failures: retried with backoff, ``max_attempts`` times, then
  ``DispatchFailed(final=True)``. A network failure may hide a send that did
  arrive, so a retried ``sendMessage`` can show twice: delivery is
  **at least once**. 403: ``DispatchFailed(final=True, error_code=403)`` and
  the chat is unreachable; what is rendered for it later is recorded as failed
  without calling Telegram, until an ``UpdateReceived`` from that chat comes
  through its lane (the user came back). Any other 4xx is final at once.

Each outcome is appended to stream ``outbox:<chat_id>`` with a deterministic
event id (``dispatch:<dispatch_id>:ok``, ``dispatch:<dispatch_id>:fail:<attempt>``),
the ``UiRendered``'s ``cid``, chat and user, and ``causation`` = its event id.

Broadcasts: a second reactor (``outbox-broadcast``, its own checkpoint and
``broadcast_workers`` lanes) delivers each ``BroadcastQueued`` as a
``sendMessage`` of its broadcast's text (read once from ``BroadcastStarted``)
under the dispatch id ``broadcast:<id>:<user_id>``, with the same budgets, 429
pauses, retries, 403 handling and outcome events as a screen. Being a reactor
of its own, a broadcast of thousands never queues ahead of the screens users
are waiting for; ``broadcast_rate`` (optional) caps broadcast sends per second
below the global budget, so screens always find room in it.

A stop (cancellation) does not cut a call that went out: its answer is waited
for and its outcome recorded, so a restart does not send it again. Only a
crash between Telegram's answer and the commit repeats a send.

Recovery: before the reactor hands anything over, the outbox reads the
outcomes recorded after the reactor's checkpoint (by type, not the whole
log): a dispatch with a final outcome is not sent again, attempt numbers go
on from the last one recorded, and a chat paused by a recorded 429 stays
paused for what is left of its ``retry_after``. Unreachable chats are kept in
memory only, bounded (the least recently blocked are forgotten first): a
forgotten one costs one more refused call, which marks it again.

Example::

    outbox = Outbox(log, tg)
    async with trio.open_nursery() as nursery:
        await nursery.start(outbox.run)
        # sessions append UiRendered events; the outbox delivers them
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass

from typing import ClassVar

import msgspec
import trio

from eventlog import EventLogError, EventStore, NewEvent, RecordedEvent
from trt_actors.actors.throttle import Throttle, ThrottleStatistics, TokenBucket
from trt_actors.events import DispatchFailed, DispatchOk, Event, UiRendered, UpdateReceived
from trt_actors.events.broadcast import BroadcastQueued, BroadcastStarted, broadcast_stream
from trt_actors.events.dispatch import Button
from trt_actors.events.session import InvoiceRequested
from trt_actors.runtime import Reactor, ReactorStatistics
from trt_actors.stars import TOPUP_START
from trt_actors.telegram import (
    BadRequest,
    Forbidden,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    MessageNotModified,
    ServerError,
    TelegramAPIError,
    TelegramClient,
    TelegramNetworkError,
    TooManyRequests,
    UnexpectedResponse,
)

__all__ = ["Outbox", "OutboxStatistics"]

log = logging.getLogger(__name__)

_EDIT = "editMessageText"
_SEND = "sendMessage"
_INVOICE = "sendInvoice"
_EDIT_IMPOSSIBLE = ("message to edit not found", "message can't be edited")
_OUTCOMES = (DispatchOk.type_name(), DispatchFailed.type_name())
_BROADCAST_SCREEN = "broadcast"
_BROADCAST_TEXTS = 8


class OutboxStatistics(msgspec.Struct, frozen=True):
    """``pending``: rendered messages read from the log and not yet delivered; ``lag``: behind the log's head."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"sent", "failed", "retries", "rate_limited"})

    running: bool
    pending: int
    in_flight: int
    sent: int
    failed: int
    retries: int
    rate_limited: int
    unreachable_chats: int
    lag: int
    reactor: ReactorStatistics
    throttle: ThrottleStatistics
    broadcast_pending: int
    broadcast_reactor: ReactorStatistics


@dataclass(frozen=True)
class _Failure:
    """One failed attempt, as it will be recorded."""

    code: int | None
    description: str
    final: bool
    retry_after: float | None = None
    label: str | None = None
    """Replaces the attempt number in the event id, for outcomes decided without calling Telegram."""


class Outbox:
    """Delivers ``UiRendered`` events from the log to Telegram and records each outcome.

    ``workers`` chats are worked at once; at most ``max_pending`` deliveries wait
    in memory (beyond that the reactor stops reading the log, which keeps them).
    ``head`` (optional) returns the log's head position, for the ``lag`` statistic.
    """

    def __init__(
        self,
        log: EventStore,
        tg: TelegramClient,
        *,
        throttle: Throttle | None = None,
        workers: int = 16,
        max_pending: int = 1_000,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        flood_chats: int = 3,
        checkpoint_interval: float = 1.0,
        max_unreachable: int = 100_000,
        head: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.time,
        broadcast_workers: int = 8,
        broadcast_rate: float | None = None,
    ) -> None:
        self._log = log
        self._tg = tg
        self._throttle = throttle
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._flood_chats = flood_chats
        self._max_unreachable = max_unreachable
        self._head = head
        self._clock = clock
        self.reactor = Reactor(
            "outbox",
            log,
            types=(UiRendered.type_name(), InvoiceRequested.type_name(), UpdateReceived.type_name()),
            handle=self._handle,
            key=lambda recorded: recorded.chat_id,
            workers=workers,
            batch=1,
            max_pending=max_pending,
            checkpoint_interval=checkpoint_interval,
            clock=clock,
        )
        self.broadcast_reactor = Reactor(
            "outbox-broadcast",
            log,
            types=(BroadcastQueued.type_name(),),
            handle=self._handle_broadcast,
            key=lambda recorded: recorded.chat_id,
            workers=broadcast_workers,
            batch=1,
            max_pending=max_pending,
            checkpoint_interval=checkpoint_interval,
            clock=clock,
        )
        self._broadcast_rate = broadcast_rate
        self._broadcast_budget: TokenBucket | None = None
        self._broadcasts: OrderedDict[str, BroadcastStarted] = OrderedDict()
        self._finished: set[str] = set()
        self._attempts: dict[str, int] = {}
        self._unreachable: OrderedDict[int, None] = OrderedDict()
        self._recent_429: deque[tuple[float, int]] = deque(maxlen=64)
        self._in_flight = 0
        self.sent = self.failed = self.retries = self.rate_limited = 0

    @property
    def running(self) -> bool:
        return self.reactor.running

    @property
    def throttle(self) -> Throttle:
        if self._throttle is None:
            self._throttle = Throttle()
        return self._throttle

    # -- the loop ----------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Deliver until cancelled; ``task_status.started()`` once the recovery scans are done."""
        async with trio.open_nursery() as nursery:

            async def follow(
                reactor: Reactor, on_start: Callable[[int], Awaitable[None]],
                *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
            ) -> None:
                await reactor.run(on_start=on_start, task_status=task_status)
                nursery.cancel_scope.cancel()  # the log closed

            nursery.start_soon(self._forget_idle_budgets)
            await nursery.start(follow, self.reactor, self._recover)
            await nursery.start(follow, self.broadcast_reactor, self._scan_outcomes)
            task_status.started()

    async def _forget_idle_budgets(self) -> None:
        while True:
            await trio.sleep(2.0)
            self.throttle.forget_idle()

    async def _recover(self, checkpoint: int) -> None:
        """Outcomes recorded after the checkpoint: which dispatches are done, how many attempts were made."""
        self._finished, self._attempts, self._unreachable = set(), {}, OrderedDict()
        await self._scan_outcomes(checkpoint)

    async def _scan_outcomes(self, checkpoint: int) -> None:
        """Add the outcomes recorded after ``checkpoint`` (also the broadcast reactor's recovery)."""
        seq = checkpoint + 1
        while page := await self._log.read_from(seq, 1000, types=_OUTCOMES):
            for recorded in page:
                event = recorded.event
                if isinstance(event, DispatchOk) or (isinstance(event, DispatchFailed) and event.final):
                    self._finished.add(event.dispatch_id)
                    self._attempts.pop(event.dispatch_id, None)
                    if isinstance(event, DispatchFailed) and event.error_code == 403 and recorded.chat_id is not None:
                        self._mark_unreachable(recorded.chat_id)
                elif isinstance(event, DispatchFailed):
                    self._attempts[event.dispatch_id] = max(self._attempts.get(event.dispatch_id, 0), event.attempts)
                    if event.retry_after and recorded.chat_id is not None:  # a 429's pause outlives a restart
                        left = recorded.ts + event.retry_after - self._clock()
                        if left > 0:
                            self.throttle.pause_chat(recorded.chat_id, left)
            seq = page[-1].seq + 1

    async def _handle(self, chat: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            event = recorded.event
            if isinstance(event, UpdateReceived):
                if isinstance(chat, int):
                    self._unreachable.pop(chat, None)  # the user wrote: try again
            elif isinstance(event, UiRendered | InvoiceRequested):
                dispatch_id = _dispatch_id(event)
                method = _INVOICE if isinstance(event, InvoiceRequested) else _SEND
                if dispatch_id in self._finished:
                    self._finished.discard(dispatch_id)
                elif not isinstance(chat, int):
                    await self._record(recorded, method, 0, _Failure(None, "the event names no chat", True, label="nochat"))
                else:
                    await self._deliver(chat, recorded, event, self._attempts.pop(dispatch_id, 0))

    async def _handle_broadcast(self, chat: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            queued = recorded.event
            if not isinstance(queued, BroadcastQueued):
                continue
            if queued.dispatch_id in self._finished:
                self._finished.discard(queued.dispatch_id)
            elif not isinstance(chat, int):
                await self._record(recorded, _SEND, 0, _Failure(None, "the event names no chat", True, label="nochat"))
            else:
                message = await self._broadcast_message(queued)
                await self._deliver(chat, recorded, message, self._attempts.pop(queued.dispatch_id, 0), broadcast=True)

    async def _broadcast_message(self, queued: BroadcastQueued) -> UiRendered:
        """The message of one copy: its broadcast's text, read once per broadcast from ``BroadcastStarted``."""
        started = self._broadcasts.get(queued.broadcast_id)
        if started is None:
            first = await self._log.read_stream(broadcast_stream(queued.broadcast_id), 1, 1)
            if not first or not isinstance(first[0].event, BroadcastStarted):
                raise LookupError(f"broadcast {queued.broadcast_id!r} has no BroadcastStarted; its copies cannot be sent")
            started = first[0].event
            self._broadcasts[queued.broadcast_id] = started
            while len(self._broadcasts) > _BROADCAST_TEXTS:
                self._broadcasts.popitem(last=False)
        return UiRendered(
            screen=_BROADCAST_SCREEN, dispatch_id=queued.dispatch_id, text=started.text, parse_mode=started.parse_mode
        )

    async def _wait_broadcast_budget(self) -> None:
        """Take a token of the broadcasts' own budget (when ``broadcast_rate`` is set)."""
        if self._broadcast_rate is None:
            return
        if self._broadcast_budget is None:
            self._broadcast_budget = TokenBucket(self._broadcast_rate, 1, trio.current_time())
        while (wait := self._broadcast_budget.wait_needed(trio.current_time())) > 0:
            await trio.sleep(max(wait, 1e-6))
        self._broadcast_budget.take(trio.current_time())

    def _mark_unreachable(self, chat: int) -> None:
        self._unreachable[chat] = None
        self._unreachable.move_to_end(chat)
        while len(self._unreachable) > self._max_unreachable:
            self._unreachable.popitem(last=False)

    # -- one delivery --------------------------------------------------------------

    async def _call_in_turn(self, chat: int, ui: Deliverable, method: str) -> int | None:
        """One call in the chat's turn (see :meth:`Throttle.turn`); a 429 pauses the chat before the turn ends."""
        async with self.throttle.turn(chat):
            try:
                with trio.CancelScope(shield=True):  # a call that went out is waited for (see the docstring)
                    message_id = await self._call(chat, ui, method)
            except TooManyRequests as exc:
                self._note_flood(chat, float(exc.retry_after or 1))  # before the turn ends: the next sender waits
                raise
        return message_id

    async def _deliver(
        self, chat: int, recorded: RecordedEvent, ui: Deliverable, attempt: int, *, broadcast: bool = False
    ) -> None:
        """Send (or edit) until an outcome is final, recording every attempt. ``attempt``: made before."""
        if isinstance(ui, InvoiceRequested):
            method = _INVOICE
        else:
            method = _EDIT if ui.edit_message_id is not None else _SEND
        failures = 0
        self._in_flight += 1
        try:
            while True:
                if chat in self._unreachable:
                    why = "the chat is unreachable (the bot was blocked); not sent"
                    await self._record(recorded, method, attempt, _Failure(403, why, True, label="unreachable"))
                    self.failed += 1
                    return
                if broadcast:
                    await self._wait_broadcast_budget()
                attempt += 1
                try:
                    message_id = await self._call_in_turn(chat, ui, method)
                except MessageNotModified:
                    message_id = ui.edit_message_id if isinstance(ui, UiRendered) else None
                except TooManyRequests as exc:
                    pause = float(exc.retry_after or 1)
                    self.rate_limited += 1
                    self.retries += 1
                    await self._record(recorded, method, attempt, _Failure(429, exc.description, False, pause))
                    continue
                except Forbidden as exc:
                    self._mark_unreachable(chat)
                    await self._record(recorded, method, attempt, _Failure(exc.error_code, exc.description, True))
                    self.failed += 1
                    log.info("chat %s refuses the bot (%s); holding its messages until it writes", chat, exc)
                    return
                except BadRequest as exc:
                    impossible_edit = method == _EDIT and any(t in exc.description.lower() for t in _EDIT_IMPOSSIBLE)
                    await self._record(
                        recorded, method, attempt, _Failure(exc.error_code, exc.description, not impossible_edit)
                    )
                    if impossible_edit:
                        method = _SEND
                        continue
                    self.failed += 1
                    log.warning("Telegram refused %s for dispatch %s: %s", method, _dispatch_id(ui), exc)
                    return
                except (ServerError, TelegramNetworkError, UnexpectedResponse) as exc:
                    failures += 1
                    final = failures >= self._max_attempts
                    code = exc.error_code if isinstance(exc, ServerError) else None
                    await self._record(recorded, method, attempt, _Failure(code, str(exc), final))
                    if final:
                        self.failed += 1
                        return
                    self.retries += 1
                    await trio.sleep(min(self._backoff_cap, self._backoff_base * 2 ** (failures - 1)))
                    continue
                except TelegramAPIError as exc:
                    await self._record(recorded, method, attempt, _Failure(exc.error_code, exc.description, True))
                    self.failed += 1
                    return
                ok = DispatchOk(dispatch_id=_dispatch_id(ui), method=method, attempts=attempt, message_id=message_id)
                with trio.CancelScope(shield=True):  # recorded even when a stop came during the call
                    await self._append(self._outcome(recorded, "ok", ok))
                self.sent += 1
                return
        finally:
            self._in_flight -= 1

    async def _call(self, chat: int, ui: Deliverable, method: str) -> int | None:
        if isinstance(ui, InvoiceRequested):
            invoice = await self._tg.send_invoice(
                chat, ui.title, ui.description, ui.payload, [LabeledPrice(label=ui.title, amount=ui.stars)],
                start_parameter=TOPUP_START,  # a forwarded copy links to the bot's top-up, not to this invoice
            )
            return invoice.message_id
        markup = _markup(ui.buttons)
        parse_mode = ui.parse_mode or None
        if method == _EDIT:
            edited = await self._tg.edit_message_text(
                ui.text, chat_id=chat, message_id=ui.edit_message_id, parse_mode=parse_mode, reply_markup=markup
            )
            return edited.message_id if isinstance(edited, Message) else ui.edit_message_id
        sent = await self._tg.send_message(chat, ui.text, parse_mode=parse_mode, reply_markup=markup)
        return sent.message_id

    def _note_flood(self, chat: int, pause: float) -> None:
        """Pause the chat; when several chats are refused within a second, pause everything."""
        throttle = self.throttle
        throttle.pause_chat(chat, pause)
        now = trio.current_time()
        self._recent_429.append((now, chat))
        chats = {c for at, c in self._recent_429 if now - at <= 1.0}
        if len(chats) >= self._flood_chats:
            log.warning("%d chats were rate-limited within a second; pausing all sends for %.0f s", len(chats), pause)
            throttle.pause_all(pause)

    # -- recording -----------------------------------------------------------------

    async def _record(self, recorded: RecordedEvent, method: str, attempt: int, failure: _Failure) -> None:
        ui = recorded.event
        assert isinstance(ui, UiRendered | InvoiceRequested | BroadcastQueued)
        event = DispatchFailed(
            dispatch_id=_dispatch_id(ui),
            method=method,
            attempts=attempt,
            error_code=failure.code,
            description=failure.description[:500],
            final=failure.final,
            retry_after=failure.retry_after,
        )
        await self._append(self._outcome(recorded, f"fail:{failure.label or attempt}", event))

    def _outcome(self, recorded: RecordedEvent, suffix: str, event: Event) -> NewEvent:
        ui = recorded.event
        assert isinstance(ui, UiRendered | InvoiceRequested | BroadcastQueued)
        return NewEvent(
            event_id=f"dispatch:{_dispatch_id(ui)}:{suffix}",
            stream=f"outbox:{recorded.chat_id}",
            event=event,
            cid=recorded.cid,
            ts=self._clock(),
            causation=recorded.event_id,
            chat_id=recorded.chat_id,
            user_id=recorded.user_id,
        )

    async def _append(self, event: NewEvent) -> None:
        for attempt in range(3):
            try:
                await self._log.append([event])
                return
            except EventLogError:
                if attempt == 2:
                    raise  # the reactor retries the lane, or its supervisor restarts it (at least once)
                await trio.sleep(0.5 * (attempt + 1))

    # -- observing -----------------------------------------------------------------

    def statistics(self) -> OutboxStatistics:
        reactor, broadcasts = self.reactor.statistics(), self.broadcast_reactor.statistics()
        head = self._head() if self._head is not None else reactor.read_seq
        return OutboxStatistics(
            running=reactor.running,
            pending=reactor.pending,
            in_flight=self._in_flight,
            sent=self.sent,
            failed=self.failed,
            retries=self.retries,
            rate_limited=self.rate_limited,
            unreachable_chats=len(self._unreachable),
            lag=max(0, head - reactor.checkpoint),
            reactor=reactor,
            throttle=self.throttle.statistics(),
            broadcast_pending=broadcasts.pending,
            broadcast_reactor=broadcasts,
        )


Deliverable = UiRendered | InvoiceRequested
"""What the outbox sends: a screen, or an invoice."""


def _dispatch_id(event: Deliverable | BroadcastQueued) -> str:
    return f"invoice:{event.topup_id}" if isinstance(event, InvoiceRequested) else event.dispatch_id


def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        tuple(tuple(InlineKeyboardButton(text=b.text, callback_data=b.data, url=b.url) for b in row) for row in rows)
    )
