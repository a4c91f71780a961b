"""What the property and webhook tests share: a whole bot per run, a log follower, and the audits.

:func:`bot_process` starts the Telegram emulator and :func:`~trt_actors.app.run_bot`
(polling, or webhook on a loopback port) for one ``async with`` block, so a
hypothesis example gets a fresh bot; the :class:`BotProcess` it yields can
restart the bot on the same log. :func:`serve_bot` is the same for tests that
never restart. :class:`Follower` reads the log as it
grows and returns, for each update of a chat, the screen the session rendered
and the outbox's delivery of it. :func:`audit_log` and :func:`audit_requests`
list every broken invariant as a sentence, so one assertion shows them all.
"""

from __future__ import annotations

import json
import random
import socket
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import trio

from eventlog import EventLog, RecordedEvent
from registry import Registry, load_valid_registry
from trt_actors.app import RunningBot, run_bot
from trt_actors.config import Secret, Settings
from trt_actors.events import (
    ActorCrashed,
    ActorEscalated,
    ActorRestarted,
    CallbackAccepted,
    CallbackReceived,
    CallbackRejected,
    DispatchFailed,
    DispatchOk,
    UiRendered,
    UpdateReceived,
)
from trt_actors.events.jobs import JobFailed, ResultDelivered
from trt_actors.events.ledger import HoldPlaced, HoldRejected
from trt_actors.events.session import GenerationRequested
from trt_actors.sandbox.telegram import BotMessage, Button, TelegramEmulator, TelegramUser, parse_html

from .books import books_close, replays_identical
from trt_actors.sandbox.kie import KieEmulator

from .conftest import TOKEN, fast, kie_emulator, settings_for

__all__ = [
    "REGISTRY",
    "WEBHOOK_PATH",
    "Answer",
    "BotProcess",
    "Follower",
    "audit_log",
    "audit_requests",
    "bot_process",
    "free_port",
    "serve_bot",
    "shows",
    "wait_jobs_ended",
    "wait_settled",
]

REGISTRY: Registry = load_valid_registry()
WEBHOOK_PATH = "/telegram/webhook"

_PAID = '"successful_payment"'

_TOLERATED_EDIT_ERRORS = ("message to edit not found", "message can't be edited")
"""The 400s the outbox expects from ``editMessageText`` and answers with ``sendMessage`` (see its docstring)."""


def free_port() -> int:
    """A loopback port that was free a moment ago, from below the ephemeral range.

    Not one the OS picked for ``bind(0)``: that comes from the ephemeral range, and any outgoing connection
    made meanwhile (the bot's own, to the emulators) may take it as its local port before the bot listens.
    """
    low = min(_ephemeral_low(), 32_768)
    for _ in range(200):
        port = random.randrange(low // 2, low)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port below the ephemeral range")


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


class BotProcess:
    """``run_bot`` against one emulator, stoppable and restartable on the same log, like the real process."""

    def __init__(
        self, emulator: TelegramEmulator, settings: Settings, nursery: trio.Nursery, idle_timeout: float,
        kie: KieEmulator,
    ) -> None:
        self.emulator = emulator
        self.kie = kie
        self.settings = settings
        self._nursery = nursery
        self._idle_timeout = idle_timeout
        self._scope: trio.CancelScope | None = None
        self._stopped = trio.Event()
        self._bot: RunningBot | None = None
        self.starts = 0

    @property
    def bot(self) -> RunningBot:
        if self._bot is None:
            raise RuntimeError("the bot is not running")
        return self._bot

    async def start(self) -> RunningBot:
        """Start the bot; return once it takes updates (polling, or the emulator has the webhook)."""
        self._bot = await self._nursery.start(self._run)
        self.starts += 1
        bot, webhook_url = self._bot, self.settings.webhook_url
        with trio.fail_after(10):
            # The receiver and the outbox start in the background; a stale signal of the run before must not count.
            while not (bot.receiver.running and bot.outbox.running):
                await trio.sleep(0.005)
            if webhook_url is None:
                while not bot.receiver.statistics().polls:
                    await trio.sleep(0.005)
            while webhook_url is not None and self.emulator.webhook_info()["url"] != webhook_url:
                await trio.sleep(0.005)
        return bot

    async def _run(self, task_status: trio.TaskStatus[RunningBot]) -> None:
        self._stopped = trio.Event()
        try:
            with trio.CancelScope() as self._scope:
                await run_bot(
                    self.settings,
                    registry=REGISTRY,
                    idle_timeout=self._idle_timeout,
                    throttle=fast(),
                    task_status=task_status,
                )
        finally:
            self._stopped.set()

    async def stop(self) -> None:
        """Stop the bot the way a SIGTERM does (cancel it) and wait until its log is closed."""
        if self._scope is not None:
            self._scope.cancel()
            with trio.fail_after(10):
                await self._stopped.wait()
        self._bot = None

    async def restart(self) -> RunningBot:
        await self.stop()
        return await self.start()


@asynccontextmanager
async def bot_process(
    db: str | Path, *, idle_timeout: float = 600.0, webhook_secret: str | None = None, port: int = 0,
    welcome_credits: int = 0, audit: bool = True, kie_callback_secret: str | None = None, **settings_extra: Any,
) -> AsyncIterator[BotProcess]:
    """The emulators and a running :class:`BotProcess` on a fresh log at ``db`` (a file or a PostgreSQL URL:
    ``log_target``), for the ``async with`` block.

    Polling, or webhook when a secret is given: then the bot's HTTP server
    listens on ``port`` (pick one with :func:`free_port`). The bot's jobs run
    against a KIE emulator whose tasks end in about a tenth of a second
    (``process.kie``; script a model to change that), signing its callbacks
    with ``kie_callback_secret`` when given; ``settings_extra`` sets any
    other setting (``max_jobs_per_user=1``, ...).
    """
    async with TelegramEmulator.serve(token=TOKEN) as emulator, kie_emulator(
        callback_secret=kie_callback_secret
    ) as kie, trio.open_nursery() as nursery:
        webhook_url = None if webhook_secret is None else f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        settings = replace(
            settings_for(emulator, db, kie),
            http_port=port,
            webhook_url=webhook_url,
            webhook_secret=Secret(webhook_secret or ""),
            welcome_credits=welcome_credits,
            **settings_extra,
        )
        process = BotProcess(emulator, settings, nursery, idle_timeout, kie)
        await process.start()
        yield process
        nursery.cancel_scope.cancel()
    if audit:
        assert await books_close(db) == [], "the audit of this test's log found violations"
        assert await replays_identical(db, settings, REGISTRY) == [], (
            "a chain of this test's log does not replay identically")


@asynccontextmanager
async def serve_bot(
    db: str | Path, *, webhook_secret: str | None = None, port: int = 0
) -> AsyncIterator[tuple[TelegramEmulator, RunningBot]]:
    """The emulator and the whole bot, running, on a fresh log at ``db`` (see :func:`bot_process`)."""
    async with bot_process(db, webhook_secret=webhook_secret, port=port) as process:
        yield process.emulator, process.bot


@dataclass(frozen=True)
class Answer:
    """One update of a chat as the log tells it: the screen rendered for it and how it was delivered."""

    update: RecordedEvent
    rendered: UiRendered | None
    delivered: DispatchOk | None
    failure: DispatchFailed | None = None

    @property
    def cid(self) -> str:
        return self.update.cid


class Follower:
    """Follows the log from where it is now and indexes what it reads; every event is kept in :attr:`seen`.

    Updates are handed out in log order, each once, so two updates that
    arrived together (a double tap) give two answers.
    """

    def __init__(self, log: EventLog) -> None:
        self._events = log.subscribe(from_seq=log.statistics().writer.head_seq + 1)
        self.seen: list[RecordedEvent] = []
        self._unclaimed: list[RecordedEvent] = []
        self._rendered: dict[str, UiRendered] = {}
        self._outcomes: dict[str, DispatchOk | DispatchFailed] = {}

    async def _read(self) -> None:
        recorded = await self._events.__anext__()
        self.seen.append(recorded)
        event = recorded.event
        match event:
            case UpdateReceived():
                self._unclaimed.append(recorded)
            case UiRendered():
                self._rendered.setdefault(recorded.cid, event)
            case DispatchOk() | DispatchFailed(final=True):
                self._outcomes.setdefault(event.dispatch_id, event)

    async def next_update(self, chat_id: int) -> RecordedEvent:
        """The oldest ``UpdateReceived`` of ``chat_id`` not handed out yet."""
        while True:
            for index, recorded in enumerate(self._unclaimed):
                if recorded.chat_id == chat_id:
                    return self._unclaimed.pop(index)
            await self._read()

    async def next_answer(self, chat_id: int) -> Answer:
        """The next update of ``chat_id``, its ``UiRendered``, and that screen's ``DispatchOk``.

        Wrap in ``trio.fail_after``. A final ``DispatchFailed`` ends the wait too
        (``delivered`` is then None and ``failure`` says why).
        """
        update = await self.next_update(chat_id)
        while update.cid not in self._rendered:
            await self._read()
        rendered = self._rendered[update.cid]
        while rendered.dispatch_id not in self._outcomes:
            await self._read()
        outcome = self._outcomes[rendered.dispatch_id]
        if isinstance(outcome, DispatchOk):
            return Answer(update, rendered, outcome)
        return Answer(update, rendered, None, outcome)


async def wait_settled(bot: RunningBot, *, timeout: float = 10.0) -> None:
    """Wait until every reactor (routing, outbox, money) has done everything in the log, nothing is in flight,
    and every tap answer has left; twice in a row, since a reaction appends what the next one reacts to."""
    with trio.fail_after(timeout):
        quiet = 0
        while quiet < 2:
            await trio.sleep(0.005)
            head = bot.log.statistics().writer.head_seq
            outbox = bot.outbox.statistics()
            answers = bot.receiver.statistics().answers
            done = all(reactor.statistics().checkpoint >= head for reactor in bot.reactors)
            idle = done and not (outbox.in_flight or answers.queued or answers.in_flight)
            quiet = quiet + 1 if idle else 0


async def wait_jobs_ended(bot: RunningBot, *, timeout: float = 30.0) -> list[RecordedEvent]:
    """Wait until the ledger answered every order and every hold it placed has a job that delivered or failed,
    then until the bot is quiet (:func:`wait_settled`); the whole log.

    It first lets the bot decide what it has recorded: a tap is answered before its session decides, and an
    order not asked for yet would make the wait end at once."""
    await wait_settled(bot, timeout=timeout)
    with trio.fail_after(timeout):
        while True:
            events = await bot.log.read_from(1, limit=1_000_000)
            asked = {r.event.confirmation_id for r in events if isinstance(r.event, GenerationRequested)}
            placed = {r.event.hold_id for r in events if isinstance(r.event, HoldPlaced)}
            refused = {r.event.hold_id for r in events if isinstance(r.event, HoldRejected)}
            ended = {r.stream.removeprefix("job:") for r in events if isinstance(r.event, ResultDelivered | JobFailed)}
            if asked <= placed | refused and placed <= ended:
                break
            await trio.sleep(0.02)
    await wait_settled(bot, timeout=timeout)
    return await bot.log.read_from(1, limit=1_000_000)


def _plain(html: str) -> str:
    return parse_html(html)[0]


def _keyboard(buttons: Iterable[Iterable[Any]]) -> tuple[tuple[tuple[str, str | None, str | None], ...], ...]:
    """Rows of (label, callback data, url), from the log's buttons or the emulator's."""
    rows = []
    for row in buttons:
        cells = []
        for button in row:
            if isinstance(button, Button):
                cells.append((button.text, button.callback_data, button.url))
            else:
                cells.append((button.text, button.data, button.url))
        rows.append(tuple(cells))
    return tuple(rows)


def shows(message: BotMessage, rendered: UiRendered) -> bool:
    """Whether the user's ``message`` looks exactly as the log says it was rendered."""
    return message.text == _plain(rendered.text) and _keyboard(message.buttons) == _keyboard(rendered.buttons)


def audit_log(events: list[RecordedEvent], *, unrendered_kinds: tuple[str, ...] = ("edited_message",)) -> list[str]:
    """Every broken invariant of a whole log, as sentences (empty: all hold).

    * the runtime recorded no crash, restart or escalation;
    * every ``UiRendered`` has a ``DispatchOk`` with its dispatch id, and no dispatch failed for good;
    * every ``CallbackReceived`` has a ``CallbackAccepted`` or ``CallbackRejected`` under its cid;
    * every cid with an ``UpdateReceived`` starts with it, and every event of a chat or an outbox belongs
      to such a cid;
    * every update was answered by exactly one screen caused by it (none for ``unrendered_kinds``; a
      payment's answer is the ledger's receipt in its chain);
      the screens the ledger's reports cause later under the same cid are not the update's answer.
    """
    problems: list[str] = []
    chains: dict[str, list[RecordedEvent]] = defaultdict(list)
    for recorded in events:
        chains[recorded.cid].append(recorded)
    delivered = {r.event.dispatch_id for r in events if isinstance(r.event, DispatchOk)}
    for recorded in events:
        event = recorded.event
        match event:
            case ActorCrashed() | ActorEscalated() | ActorRestarted():
                problems.append(f"the runtime recorded {event!r}")
            case UiRendered() if event.dispatch_id not in delivered:
                problems.append(f"{event.screen!r} ({event.dispatch_id}) has no DispatchOk")
            case DispatchFailed(final=True):
                problems.append(f"dispatch {event.dispatch_id} failed for good: {event!r}")
            case CallbackReceived():
                verdicts = [r for r in chains[recorded.cid] if isinstance(r.event, CallbackAccepted | CallbackRejected)]
                if len(verdicts) != 1:
                    problems.append(f"tap {event.data!r} (cid {recorded.cid}) has {len(verdicts)} verdicts")
            case UpdateReceived():
                # The session's answer to the update; the ledger's later reports under the same cid answer
                # the ledger's events (their causation), not the update.
                screens = sum(isinstance(r.event, UiRendered) and r.causation == recorded.event_id
                              for r in chains[recorded.cid])
                if _PAID in event.body:  # a payment is answered by the ledger's receipt, once it credited
                    screens = sum(isinstance(r.event, UiRendered) and r.event.screen == "ledger.topup"
                                  for r in chains[recorded.cid])
                expected = 0 if event.kind in unrendered_kinds else 1
                if screens != expected:
                    problems.append(f"{event.kind} update {event.update_id} got {screens} screens, not {expected}")
    for cid, chain in chains.items():
        starts_with_update = isinstance(chain[0].event, UpdateReceived)
        if any(isinstance(r.event, UpdateReceived) for r in chain) and not starts_with_update:
            problems.append(f"cid {cid} starts with {chain[0].type}, not its UpdateReceived")
        elif not starts_with_update and any(r.stream.startswith(("chat:", "outbox:")) for r in chain):
            problems.append(f"cid {cid} acts in a chat but no update started it: {[r.type for r in chain]}")
    return problems


def audit_requests(
    emulator: TelegramEmulator,
    users: Iterable[TelegramUser],
    events: list[RecordedEvent],
    *,
    tolerate: Callable[[str, int], bool] = lambda method, status: False,
) -> list[str]:
    """Every Bot API call of the bot that the emulator refused without a reason the outbox expects.

    The emulator checks every call against the Bot API spec and answers 400 on
    an invalid one. Expected refusals: ``editMessageText`` of a message that is
    gone (the log shows the outbox's fall-back to ``sendMessage``) or of a
    message that already shows that content ("message is not modified"); and
    whatever ``tolerate(method, status)`` allows (429s a test injected).
    """
    messages = {(user.chat_id, m.message_id): m for user in users for m in user.messages()}
    fallbacks = Counter(
        r.event.method
        for r in events
        if isinstance(r.event, DispatchFailed)
        and not r.event.final
        and r.event.error_code == 400
        and any(text in r.event.description.lower() for text in _TOLERATED_EDIT_ERRORS)
    )
    problems: list[str] = []
    missing_edits = 0
    for request in emulator.requests:
        if 200 <= request.status < 300 or tolerate(request.method, request.status):
            continue
        if request.method == "editMessageText" and request.status == 400:
            key = (int(request.params.get("chat_id", 0)), int(request.params.get("message_id", 0)))
            message = messages.get(key)
            if message is None:
                missing_edits += 1
                continue
            if _already_shows(message, request.params):
                continue
        problems.append(f"the emulator refused {request.method} ({request.status}): {request.params}")
    if missing_edits != fallbacks["editMessageText"]:
        problems.append(
            f"{missing_edits} edits of missing messages were refused, but the outbox fell back {fallbacks} times"
        )
    return problems


def _already_shows(message: BotMessage, params: dict[str, Any]) -> bool:
    """Whether some version of ``message`` had exactly the text and keyboard of this edit."""
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = (markup or {}).get("inline_keyboard", [])
    keyboard = tuple(tuple((b["text"], b.get("callback_data"), b.get("url")) for b in row) for row in rows)
    text = _plain(str(params.get("text", ""))) if params.get("parse_mode") == "HTML" else params.get("text")
    versions = [(v.text, _keyboard(v.buttons)) for v in message.edits] + [(message.text, _keyboard(message.buttons))]
    return (text, keyboard) in versions
