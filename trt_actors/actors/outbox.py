"""The outbox: the only code that sends or edits Telegram messages.

It is driven by the log, not called by anyone: it follows the log
(``log.subscribe``) and delivers every ``UiRendered`` it sees. A session
therefore cannot show something that is not recorded (persist-then-act by
construction), and a crash loses nothing: after a restart the outbox reads the
log again from its checkpoint.

(This module is longer than most because its parts share one state: the
per-chat queues, the unreachable chats and the attempt counters that following
the log, checkpointing and delivering all read and write.)

Delivery of one ``UiRendered``:

* ``edit_message_id`` set: ``editMessageText`` with the event's keyboard;
  "message is not modified" counts as delivered; "message to edit not found" /
  "message can't be edited" falls back to ``sendMessage``. Otherwise ``sendMessage``.
* Order is kept per chat (one queue per chat, worked by one of a bounded number
  of workers at a time); chats go in parallel. Each call waits for a token of
  the chat's budget (about 1/s, small bursts) and of the bot's (about 30/s),
  see :mod:`trt_actors.actors.throttle`.
* 429: the chat pauses for ``retry_after`` (everything pauses when several
  chats hit 429 at once) and the same call is repeated: delayed, never dropped.
  5xx and network failures: retried with backoff, ``max_attempts`` times, then
  ``DispatchFailed(final=True)``. A network failure may hide a send that did
  arrive, so a retried ``sendMessage`` can show twice: delivery is
  **at least once**. 403: ``DispatchFailed(final=True, error_code=403)`` and
  the chat is unreachable; what is rendered for it later is recorded as failed
  without calling Telegram, until an ``UpdateReceived`` from that chat shows up
  in the log (the user came back). Any other 4xx is final at once.

Each outcome is appended to stream ``outbox:<chat_id>`` with a deterministic
event id (``dispatch:<dispatch_id>:ok``, ``dispatch:<dispatch_id>:fail:<attempt>``),
the ``UiRendered``'s ``cid``, chat and user, and ``causation`` = its event id.

Recovery: a snapshot of stream ``outbox`` holds the lowest log position still
pending (and the unreachable chats). A restart scans the log from there, notes
every dispatch that already has a final outcome, and sends only the rest.

Example::

    outbox = Outbox(log, tg)
    async with trio.open_nursery() as nursery:
        await nursery.start(outbox.run)
        # sessions append UiRendered events; the outbox delivers them
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
import trio

from eventlog import EventLogError, EventStore, NewEvent, RecordedEvent, Snapshot
from trt_actors.actors.throttle import Throttle, ThrottleStatistics
from trt_actors.events import DispatchFailed, DispatchOk, Event, UiRendered, UpdateReceived
from trt_actors.events.dispatch import Button
from trt_actors.telegram import (
    BadRequest,
    Forbidden,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageNotModified,
    ServerError,
    TelegramAPIError,
    TelegramClient,
    TelegramNetworkError,
    TooManyRequests,
    UnexpectedResponse,
)

__all__ = ["CHECKPOINT_STREAM", "Outbox", "OutboxStatistics"]

log = logging.getLogger(__name__)

CHECKPOINT_STREAM = "outbox"
_EDIT = "editMessageText"
_SEND = "sendMessage"
_EDIT_IMPOSSIBLE = ("message to edit not found", "message can't be edited")


class _Checkpoint(msgspec.Struct, frozen=True):
    from_seq: int
    unreachable: tuple[int, ...] = ()


_CHECKPOINT = msgspec.json.Decoder(_Checkpoint)


class OutboxStatistics(msgspec.Struct, frozen=True):
    running: bool
    pending: int
    pending_max_chat: int
    chats_queued: int
    in_flight: int
    sent: int
    failed: int
    retries: int
    rate_limited: int
    unreachable_chats: int
    read_seq: int
    processed_seq: int
    lag: int
    throttle: ThrottleStatistics


@dataclass(frozen=True)
class _Delivery:
    recorded: RecordedEvent
    ui: UiRendered
    attempts: int = 0
    """Attempts an earlier run already recorded: numbering goes on from there, so event ids stay unique."""


@dataclass(frozen=True)
class _UserReturned:
    seq: int


class Outbox:
    """Delivers ``UiRendered`` events from the log to Telegram and records each outcome.

    ``workers`` chats are worked at once; at most ``max_pending`` deliveries wait
    in memory (beyond that the outbox stops reading the log, which keeps them).
    ``head`` (optional) returns the log's head position, for the ``lag`` statistic.
    """

    def __init__(
        self,
        log: EventStore,
        tg: TelegramClient,
        *,
        throttle: Throttle | None = None,
        workers: int = 16,
        max_pending: int = 10_000,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        flood_chats: int = 3,
        checkpoint_interval: float = 2.0,
        head: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._log = log
        self._tg = tg
        self._throttle = throttle
        self._workers = workers
        self._max_pending = max_pending
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._flood_chats = flood_chats
        self._checkpoint_interval = checkpoint_interval
        self._head = head
        self._clock = clock
        self._queues: dict[int, deque[_Delivery | _UserReturned]] = {}
        self._pending: dict[int, None] = {}  # log positions in flight, ascending (insertion order)
        self._room = trio.Event()
        self._ready_send, self._ready_receive = trio.open_memory_channel[int](max_pending + 1)
        self._unreachable: set[int] = set()
        self._recent_429: deque[tuple[float, int]] = deque(maxlen=64)
        self._running = False
        self._read_seq = 0
        self._saved_from = 0
        self._in_flight = 0
        self.sent = self.failed = self.retries = self.rate_limited = 0

    @property
    def running(self) -> bool:
        return self._running

    @property
    def throttle(self) -> Throttle:
        if self._throttle is None:
            self._throttle = Throttle()
        return self._throttle

    # -- the loop ----------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Deliver until cancelled; ``task_status.started()`` once the catch-up scan is done."""
        throttle = self.throttle
        self._reset()
        start = await self._load_checkpoint()
        finished, attempts, scan_head = await self._scan(start)
        self._read_seq = start - 1
        try:
            async with trio.open_nursery() as nursery:
                for index in range(self._workers):
                    nursery.start_soon(self._work, name=f"outbox-worker:{index}")
                nursery.start_soon(self._keep_checkpoint, throttle)
                self._running = True
                task_status.started()
                await self._follow(start, finished, attempts, scan_head)
        finally:
            self._running = False
            with trio.CancelScope(shield=True):
                await self._save_checkpoint()

    def _reset(self) -> None:
        """Forget in-memory deliveries: a (re)start rebuilds them from the log."""
        self._queues = {}
        self._pending = {}
        self._room = trio.Event()
        self._ready_send, self._ready_receive = trio.open_memory_channel[int](self._max_pending + 1)
        self._unreachable = set()
        self._in_flight = 0

    async def _load_checkpoint(self) -> int:
        snapshot = await self._log.load_snapshot(CHECKPOINT_STREAM)
        if snapshot is None:
            return 1
        state = _CHECKPOINT.decode(snapshot.state)
        self._unreachable.update(state.unreachable)
        self._saved_from = state.from_seq
        return state.from_seq

    async def _scan(self, start: int) -> tuple[set[str], dict[str, int], int]:
        """From ``start`` on: dispatch ids with a final outcome, attempts already made, the last position read."""
        finished: set[str] = set()
        attempts: dict[str, int] = {}
        seq, head = start, start - 1
        while True:
            page = await self._log.read_from(seq, 1000)
            if not page:
                return finished, attempts, head
            for recorded in page:
                event = recorded.event
                if isinstance(event, DispatchOk) or (isinstance(event, DispatchFailed) and event.final):
                    finished.add(event.dispatch_id)
                elif isinstance(event, DispatchFailed):
                    attempts[event.dispatch_id] = max(attempts.get(event.dispatch_id, 0), event.attempts)
            head = page[-1].seq
            seq = head + 1

    async def _follow(self, start: int, finished: set[str], attempts: dict[str, int], scan_head: int) -> None:
        async for recorded in self._log.subscribe(from_seq=start):
            event = recorded.event
            chat = recorded.chat_id
            if isinstance(event, UiRendered):
                if event.dispatch_id in finished:
                    finished.discard(event.dispatch_id)
                elif chat is None:
                    why = "the rendered screen names no chat"
                    await self._record(recorded, event, _SEND, 0, None, why, True, "nochat")
                else:
                    while len(self._pending) >= self._max_pending:
                        await self._room.wait()
                    self._pending[recorded.seq] = None
                    self._enqueue(chat, _Delivery(recorded, event, attempts.pop(event.dispatch_id, 0)))
            elif isinstance(event, UpdateReceived) and chat is not None:
                if chat in self._queues:
                    self._queues[chat].append(_UserReturned(recorded.seq))
                else:
                    self._unreachable.discard(chat)
            elif (
                isinstance(event, DispatchFailed)
                and event.final
                and event.error_code == 403
                and chat is not None
                and recorded.seq <= scan_head
            ):
                self._unreachable.add(chat)  # replaying what happened before this start
            self._read_seq = recorded.seq

    def _enqueue(self, chat: int, item: _Delivery) -> None:
        queue = self._queues.get(chat)
        if queue is None:
            self._queues[chat] = deque([item])
            self._ready_send.send_nowait(chat)
        else:
            queue.append(item)

    async def _work(self) -> None:
        async for chat in self._ready_receive:
            queue = self._queues[chat]
            while queue:
                item = queue[0]
                if isinstance(item, _Delivery):
                    await self._deliver(chat, item)
                    del self._pending[item.recorded.seq]
                    self._room.set()
                    self._room = trio.Event()
                else:
                    self._unreachable.discard(chat)
                queue.popleft()
            del self._queues[chat]

    # -- one delivery --------------------------------------------------------------

    async def _deliver(self, chat: int, delivery: _Delivery) -> None:
        recorded, ui = delivery.recorded, delivery.ui
        method = _EDIT if ui.edit_message_id is not None else _SEND
        attempt, failures = delivery.attempts, 0
        self._in_flight += 1
        try:
            while True:
                if chat in self._unreachable:
                    why = "the chat is unreachable (the bot was blocked); not sent"
                    await self._record(recorded, ui, method, attempt, 403, why, True, "unreachable")
                    self.failed += 1
                    return
                await self.throttle.wait_turn(chat)
                attempt += 1
                try:
                    message_id = await self._call(chat, ui, method)
                except MessageNotModified:
                    message_id = ui.edit_message_id
                except TooManyRequests as exc:
                    pause = float(exc.retry_after or 1)
                    self.rate_limited += 1
                    self.retries += 1
                    self._note_flood(chat, pause)
                    await self._record(recorded, ui, method, attempt, 429, exc.description, False, retry_after=pause)
                    continue
                except Forbidden as exc:
                    self._unreachable.add(chat)
                    await self._record(recorded, ui, method, attempt, exc.error_code, exc.description, True)
                    self.failed += 1
                    log.info("chat %s refuses the bot (%s); holding its messages until it writes", chat, exc)
                    return
                except BadRequest as exc:
                    if method == _EDIT and any(text in exc.description.lower() for text in _EDIT_IMPOSSIBLE):
                        await self._record(recorded, ui, method, attempt, exc.error_code, exc.description, False)
                        method = _SEND
                        continue
                    await self._record(recorded, ui, method, attempt, exc.error_code, exc.description, True)
                    self.failed += 1
                    log.warning("Telegram refused %s for dispatch %s: %s", method, ui.dispatch_id, exc)
                    return
                except (ServerError, TelegramNetworkError, UnexpectedResponse) as exc:
                    failures += 1
                    final = failures >= self._max_attempts
                    code = exc.error_code if isinstance(exc, ServerError) else None
                    await self._record(recorded, ui, method, attempt, code, str(exc), final)
                    if final:
                        self.failed += 1
                        return
                    self.retries += 1
                    await trio.sleep(min(self._backoff_cap, self._backoff_base * 2 ** (failures - 1)))
                    continue
                except TelegramAPIError as exc:
                    await self._record(recorded, ui, method, attempt, exc.error_code, exc.description, True)
                    self.failed += 1
                    return
                await self._append(self._outcome(recorded, "ok", DispatchOk(
                    dispatch_id=ui.dispatch_id, method=method, attempts=attempt, message_id=message_id
                )))
                self.sent += 1
                return
        finally:
            self._in_flight -= 1

    async def _call(self, chat: int, ui: UiRendered, method: str) -> int | None:
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

    async def _record(
        self,
        recorded: RecordedEvent,
        ui: UiRendered,
        method: str,
        attempt: int,
        code: int | None,
        description: str,
        final: bool,
        suffix: str | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        event = DispatchFailed(
            dispatch_id=ui.dispatch_id,
            method=method,
            attempts=attempt,
            error_code=code,
            description=description[:500],
            final=final,
            retry_after=retry_after,
        )
        await self._append(self._outcome(recorded, f"fail:{suffix or attempt}", event))

    def _outcome(self, recorded: RecordedEvent, suffix: str, event: Event) -> NewEvent:
        ui = recorded.event
        assert isinstance(ui, UiRendered)
        return NewEvent(
            event_id=f"dispatch:{ui.dispatch_id}:{suffix}",
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
                    raise  # crash: a restart delivers again from the checkpoint (at least once)
                await trio.sleep(0.5 * (attempt + 1))

    # -- checkpoint ----------------------------------------------------------------

    def _checkpoint_seq(self) -> int:
        for seq in self._pending:
            return seq
        return self._read_seq + 1

    async def _keep_checkpoint(self, throttle: Throttle) -> None:
        while True:
            await trio.sleep(self._checkpoint_interval)
            throttle.forget_idle()
            await self._save_checkpoint()

    async def _save_checkpoint(self) -> None:
        from_seq = self._checkpoint_seq()
        if from_seq <= self._saved_from or self._log_closed():
            return
        state = _Checkpoint(from_seq=from_seq, unreachable=tuple(sorted(self._unreachable)))
        try:
            await self._log.save_snapshot(
                Snapshot(stream=CHECKPOINT_STREAM, version=from_seq, state=msgspec.json.encode(state), ts=self._clock())
            )
        except EventLogError as exc:
            log.warning("could not save the outbox checkpoint (%s); a restart re-reads a little more", exc)
            return
        self._saved_from = from_seq

    def _log_closed(self) -> bool:
        return bool(getattr(self._log, "closed", False))

    # -- observing -----------------------------------------------------------------

    def statistics(self) -> OutboxStatistics:
        processed = self._checkpoint_seq() - 1
        head = self._head() if self._head is not None else self._read_seq
        return OutboxStatistics(
            running=self._running,
            pending=len(self._pending),
            pending_max_chat=max((len(q) for q in self._queues.values()), default=0),
            chats_queued=len(self._queues),
            in_flight=self._in_flight,
            sent=self.sent,
            failed=self.failed,
            retries=self.retries,
            rate_limited=self.rate_limited,
            unreachable_chats=len(self._unreachable),
            read_seq=self._read_seq,
            processed_seq=processed,
            lag=max(0, head - processed),
            throttle=self.throttle.statistics(),
        )


def _markup(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        tuple(tuple(InlineKeyboardButton(text=b.text, callback_data=b.data, url=b.url) for b in row) for row in rows)
    )
