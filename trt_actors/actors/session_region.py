"""The sessions: one event-sourced shell around :class:`SessionDecider` per chat, kept in memory while it is used.

Updates become session commands here (:func:`command_for`, pure: the command
is a function of the recorded update alone), and the chat's session, rebuilt
from the log on demand and passivated when idle, decides what happens. A
session is not an actor task: the router's lanes already give each chat one
command at a time in order, so the shell is called directly (no mailbox, no
task switch, no reply per message), and a lock keeps tools that call
:meth:`Sessions.execute` beside the router in line. The session never calls Telegram: the screens it decides
are ``UiRendered`` events in its stream ``chat:<id>``, and the outbox delivers
them from the log (persist, then act). A bug in the decider is recorded as
``ActorCrashed`` under the update's ``cid`` and answered with the decider's
"something went wrong" screen.

Example::

    async with Sessions.open(log, registry, idle_timeout=600) as sessions:
        router = Router(log, sessions.route)      # routes each recorded update, durably
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import ClassVar, TypedDict

import msgspec
import trio

from eventlog import EventStore
from registry import Registry
from trt_actors.actors.intake import UpdateMeta
from trt_actors.runtime import CommandMeta, CommandRejected, EventSourced, Executed, SystemJournal
from trt_actors.session.commands import (
    ButtonPressed,
    PaymentReceived,
    PhotoReceived,
    SessionCommand,
    TextReceived,
    Unsupported,
    blocked,
    throttled,
)
from trt_actors.session.decider import SessionDecider
from trt_actors.session.state import SessionState
from trt_actors.limits import Kind, RateLimiter
from trt_actors.telegram import Message, Update, User
from trt_actors.uncontended import held

__all__ = ["Sessions", "SessionsStatistics", "command_for", "session_stream"]

_MESSAGE_KINDS = (
    "sticker", "voice", "video", "video_note", "audio", "document", "animation", "location", "contact", "poll",
)


def session_stream(chat_id: int) -> str:
    return f"chat:{chat_id}"


def _kind(message: Message) -> str:
    for kind in _MESSAGE_KINDS:
        if getattr(message, kind, None) is not None:
            return kind
    return "other"


class _Common(TypedDict):
    """The fields every session command carries."""

    chat_id: int
    user_id: int
    cid: str
    update_id: int
    ts: float
    language_code: str | None
    first_name: str


def _common(chat_id: int, user: User, meta: UpdateMeta) -> _Common:
    return _Common(
        chat_id=chat_id,
        user_id=user.id,
        cid=meta.cid,
        update_id=meta.update_id,
        ts=meta.ts,
        language_code=user.language_code,
        first_name=user.first_name,
    )


def command_for(update: Update, meta: UpdateMeta) -> SessionCommand | None:
    """The session command an update means, or ``None`` when no session should see it (group chats, channels)."""
    if update.callback_query is not None:
        query = update.callback_query
        tapped = query.message
        if tapped is None or tapped.chat.type != "private":
            return None
        return ButtonPressed(
            **_common(tapped.chat.id, query.from_, meta),
            callback_query_id=query.id,
            data=query.data or "",
            message_id=tapped.message_id if tapped.is_accessible else None,
            editable=not tapped.is_accessible or tapped.text is not None,
        )
    message = update.message
    if message is None or message.chat.type != "private" or message.from_ is None:
        return None
    common = _common(message.chat.id, message.from_, meta)
    paid = message.successful_payment
    if paid is not None:
        return PaymentReceived(
            **common,
            currency=paid.currency,
            total_amount=paid.total_amount,
            invoice_payload=paid.invoice_payload,
            telegram_payment_charge_id=paid.telegram_payment_charge_id,
            provider_payment_charge_id=paid.provider_payment_charge_id,
        )
    if message.text is not None:
        return TextReceived(**common, text=message.text)
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return PhotoReceived(
            **common,
            file_id=largest.file_id,
            file_unique_id=largest.file_unique_id,
            width=largest.width,
            height=largest.height,
            caption=message.caption,
        )
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        # An image sent "as a file" (uncompressed) is still a photo to the wizard.
        return PhotoReceived(
            **common,
            file_id=document.file_id,
            file_unique_id=document.file_unique_id,
            width=0,
            height=0,
            caption=message.caption,
        )
    return Unsupported(**common, kind=_kind(message))


def _limited(command: SessionCommand) -> Kind | None:
    """What a user's command counts as under the rate limits; None for a payment, which is never turned away."""
    match command:
        case ButtonPressed():
            return "taps"
        case TextReceived() | PhotoReceived() | Unsupported():
            return "messages"
    return None


class SessionsStatistics(msgspec.Struct, frozen=True):
    """``live`` sessions are in memory; the rest of the chats are only in the log. ``throttled`` counts the updates
    the rate limits turned away; ``limited_users`` the users whose windows the limiter keeps."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset(
        {"activations", "passivations", "evictions", "crashes", "throttled"})

    live: int
    max_live: int | None
    activations: int
    passivations: int
    evictions: int
    crashes: int
    busy: int
    throttled: int = 0
    limited_users: int = 0


class _Live:
    """A session in memory: its shell, the lock that runs one command at a time, when it was last used."""

    __slots__ = ("busy", "lock", "recovered", "shell", "used")

    def __init__(self, shell: EventSourced[SessionState, SessionCommand]) -> None:
        self.shell = shell
        self.lock = trio.Lock()
        self.recovered = False
        self.used = 0.0
        self.busy = 0


class Sessions:
    """Every chat's session, decided in memory (see the module docstring). Open with :meth:`open`.

    A chat's session is an :class:`~trt_actors.runtime.EventSourced` shell
    called directly, not an actor task with a mailbox: the router's lanes
    already run a chat's updates one at a time, so a message costs no task
    switch and no reply. A session is rebuilt from its snapshot and stream when
    its chat is first seen, kept while the chat is active, passivated after
    ``idle_timeout`` seconds without a command, and the least recently used is
    evicted past ``max_live``. A session whose command failed in the log is
    dropped (and the crash journaled); the next command rebuilds it.
    """

    def __init__(
        self,
        log: EventStore,
        decider: SessionDecider,
        *,
        max_live: int | None,
        journal: SystemJournal | None,
        limiter: RateLimiter | None = None,
        blocked: Callable[[int], bool] | None = None,
        disabled: Callable[[], tuple[str, ...]] | None = None,
    ) -> None:
        if max_live is not None and max_live < 1:
            raise ValueError(f"the sessions need max_live of at least 1 (or None), not {max_live}")
        self._log = log
        self._decider = decider
        self._max_live = max_live
        self._journal = journal
        self._limiter = limiter
        self._blocked = blocked
        self._disabled = disabled
        self._live: OrderedDict[int, _Live] = OrderedDict()
        self._activations = self._passivations = self._evictions = self._crashes = 0

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        log: EventStore,
        registry: Registry,
        *,
        idle_timeout: float | None = 600.0,
        max_live: int | None = 10_000,
        journal: SystemJournal | None = None,
        limiter: RateLimiter | None = None,
        decider: SessionDecider | None = None,
        blocked: Callable[[int], bool] | None = None,
        disabled: Callable[[], tuple[str, ...]] | None = None,
    ) -> AsyncIterator[Sessions]:
        """``limiter``: the users' message and tap limits (``RATE_MESSAGES``, ``RATE_TAPS``), none when None;
        ``decider``: the sessions' decider as configured (``trt_actors.app.decider_for``), the registry's with
        the defaults when None; ``blocked``: whether an admin blocked a user (their messages and taps become
        ``Blocked``; a payment still goes through), nobody when None; ``disabled``: the models an admin switched
        off, told to the session with each update (see ``ModelsSeen``)."""
        decider = decider or SessionDecider(registry)
        sessions = cls(log, decider, max_live=max_live, journal=journal, limiter=limiter, blocked=blocked,
                       disabled=disabled)
        async with trio.open_nursery() as nursery:
            if idle_timeout is not None:
                nursery.start_soon(sessions._passivate_idle, idle_timeout)
            yield sessions
            nursery.cancel_scope.cancel()

    def _shell(self, chat_id: int) -> EventSourced[SessionState, SessionCommand]:
        decider = self._decider
        return EventSourced(
            decider, self._log, session_stream(chat_id), state_type=SessionState, snapshot_every=50,
            fallback=decider.crashed,
        )

    def _meta(self, command: SessionCommand, meta: UpdateMeta) -> CommandMeta:
        return CommandMeta(
            command_id=meta.event_id,
            cid=meta.cid,
            ts=meta.ts,
            causation=meta.event_id,
            chat_id=command.chat_id,
            user_id=command.user_id,
        )

    async def route(self, update: Update, meta: UpdateMeta) -> None:
        """The router's target: run the update's command and return once what it decided is committed.

        Raises when that cannot be known (the log failed): the router then
        delivers the update again, and the command id (the update's event id)
        makes a repeat harmless.
        """
        command = command_for(update, meta)
        if command is None:
            return
        if self._disabled is not None:
            command = msgspec.structs.replace(command, disabled=self._disabled())
        kind = _limited(command)
        if self._blocked is not None and kind is not None and self._blocked(command.user_id):
            command = blocked(command, kind=kind)
        elif self._limiter is not None and kind is not None:
            verdict = self._limiter.check(command.user_id, kind, at=command.ts)
            if not verdict.allowed:
                command = throttled(command, kind=kind, retry_at=verdict.retry_at, notify=verdict.first)
        await self.run(command, self._meta(command, meta), new=meta.first_of_chat)

    async def execute(self, command: SessionCommand, meta: UpdateMeta) -> Executed:
        """Run one command and return what it appended (tests, tools)."""
        return await self.run(command, self._meta(command, meta))

    async def run(self, command: SessionCommand, meta: CommandMeta, *, new: bool = False) -> Executed:
        """Run ``command`` in its chat's session, one command per chat at a time.

        ``new`` says the chat has never been seen (its first update): the
        session starts empty without reading the log. Were that wrong, the
        append would meet a version conflict, and the shell reads the stream
        and decides again, so the hint saves a read and never costs correctness.
        """
        chat = command.chat_id
        live = self._live.get(chat)
        if live is None:
            live = self._activate(chat)
        else:
            self._live.move_to_end(chat)
        live.busy += 1
        try:
            async with held(live.lock):  # a chat's commands run one at a time; the handle awaits its commit
                if not live.recovered:
                    if not new:
                        await live.shell.recover()
                    live.recovered = True
                live.used = trio.current_time()
                return await live.shell.handle(command, meta)
        except CommandRejected:
            raise
        except Exception as error:
            await self._crashed(chat, live, error)
            raise
        finally:
            live.busy -= 1
            self._trim(self._max_live)  # back under the limit once the burst that went over it is done

    def _trim(self, most: int | None) -> None:
        """Evict the least recently used sessions that are not busy until at most ``most`` are live."""
        if most is None:
            return
        while len(self._live) > most:
            oldest = next((key for key, entry in self._live.items() if not entry.busy), None)
            if oldest is None:
                break  # everyone is busy: go over the limit for a moment rather than wait
            del self._live[oldest]
            self._evictions += 1

    def _activate(self, chat: int) -> _Live:
        if self._max_live is not None:
            self._trim(self._max_live - 1)
        live = _Live(self._shell(chat))
        self._live[chat] = live
        self._activations += 1
        return live

    async def _crashed(self, chat: int, live: _Live, error: BaseException) -> None:
        if self._live.get(chat) is live:
            del self._live[chat]  # its state may be off: the next command rebuilds it from the log
        self._crashes += 1
        if self._journal is not None:
            await self._journal.crashed(f"sessions/{chat}", error, 1, 0.0)

    async def _passivate_idle(self, idle_timeout: float) -> None:
        while True:
            await trio.sleep(max(0.05, idle_timeout / 4))
            now = trio.current_time()
            for chat, live in list(self._live.items()):
                if not live.busy and now - live.used >= idle_timeout and self._live.get(chat) is live:
                    del self._live[chat]
                    self._passivations += 1

    def statistics(self) -> SessionsStatistics:
        return SessionsStatistics(
            live=len(self._live),
            max_live=self._max_live,
            activations=self._activations,
            passivations=self._passivations,
            evictions=self._evictions,
            crashes=self._crashes,
            busy=sum(1 for live in self._live.values() if live.busy),
            throttled=self._limiter.refused if self._limiter is not None else 0,
            limited_users=len(self._limiter) if self._limiter is not None else 0,
        )
