"""The sessions region: one event-sourced shell around :class:`SessionDecider` per chat.

Updates become session commands here (:func:`command_for`, pure: the command
is a function of the recorded update alone), and the chat's session, spawned
on demand in a :class:`~trt_actors.runtime.Region` and passivated when idle,
decides what happens. The session never calls Telegram: the screens it decides
are ``UiRendered`` events in its stream ``chat:<id>``, and the outbox delivers
them from the log (persist, then act). A bug in the decider is recorded as
``ActorCrashed`` under the update's ``cid`` and answered with the decider's
"something went wrong" screen.

Example::

    async with Sessions.open(log, registry, idle_timeout=600) as sessions:
        router = Router(log, sessions.route)      # routes each recorded update, durably
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypedDict

from eventlog import EventStore
from registry import Registry
from trt_actors.actors.intake import UpdateMeta
from trt_actors.runtime import CommandMeta, EventSourced, Region, RegionStatistics, SystemJournal, execute
from trt_actors.runtime.sourced import Executed
from trt_actors.session.commands import ButtonPressed, PhotoReceived, SessionCommand, TextReceived, Unsupported
from trt_actors.session.decider import SessionDecider
from trt_actors.session.state import SessionState
from trt_actors.telegram import Message, Update, User

__all__ = ["Sessions", "command_for", "session_stream"]

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
        )
    message = update.message
    if message is None or message.chat.type != "private" or message.from_ is None:
        return None
    common = _common(message.chat.id, message.from_, meta)
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


class Sessions:
    """Every chat's session: a region of event-sourced actors keyed by chat id."""

    def __init__(self, region: Region[int, object]) -> None:
        self.region = region

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        log: EventStore,
        registry: Registry,
        *,
        idle_timeout: float = 600.0,
        max_live: int | None = 10_000,
        journal: SystemJournal | None = None,
    ) -> AsyncIterator[Sessions]:
        decider = SessionDecider(registry)

        def spawn(chat_id: int) -> EventSourced[SessionState, SessionCommand]:
            return EventSourced(
                decider,
                log,
                session_stream(chat_id),
                state_type=SessionState,
                snapshot_every=50,
                fallback=decider.crashed,
            )

        async with Region.open(
            "sessions", spawn, idle_timeout=idle_timeout, max_live=max_live, journal=journal
        ) as region:
            yield cls(region)  # type: ignore[arg-type]

    def _meta(self, command: SessionCommand, meta: UpdateMeta) -> CommandMeta:
        return CommandMeta(
            command_id=meta.event_id,
            cid=meta.cid,
            ts=meta.ts,
            causation=meta.event_id,
            chat_id=command.chat_id,
            user_id=command.user_id,
        )

    async def route(self, update: Update, meta: UpdateMeta, *, timeout: float = 30.0) -> None:
        """The router's target: run the update's command and return once what it decided is committed.

        Raises when that cannot be known (the session crashed, the deadline
        passed): the router then delivers the update again, and the command id
        (the update's event id) makes a repeat harmless.
        """
        command = command_for(update, meta)
        if command is None:
            return
        await execute(self.region.ref(command.chat_id), command, self._meta(command, meta), timeout=timeout)

    async def execute(self, command: SessionCommand, meta: UpdateMeta, *, timeout: float = 10.0) -> Executed:
        """Run one command and wait for what it appended (tests, tools)."""
        return await execute(self.region.ref(command.chat_id), command, self._meta(command, meta), timeout=timeout)

    def statistics(self) -> RegionStatistics:
        return self.region.statistics()
