"""Which causal chain (``cid``) made each message of a chat, read from the bot's log file, read-only.

A user's message is the chain of the update that brought it
(``UpdateReceived``); a bot's message is the chain of the newest delivery
that sent or edited it (``DispatchOk``, the outbox's record of a screen) or
of the job that delivered it (``ResultDelivered``). :class:`ChainIndex`
follows the log as the bot writes it, from where it stopped the time before.
A log that does not exist yet (the bot has not started) or cannot be read
leaves the index empty: the web chat then shows no chain links, and tries
again at the next refresh.

Example::

    async with ChainIndex.open(Path("trt.sqlite3")) as chains:
        await chains.refresh()
        cid = chains.cid_of(1001, 5)      # None when the log has no word of it yet
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import msgspec
import trio

from eventlog import EventLog, RecordedEvent, open_log
from eventlog.errors import EventLogError
from trt_actors.events import CODEC, DispatchOk, UpdateReceived
from trt_actors.events.jobs import ResultDelivered

__all__ = ["ChainIndex"]

_TYPES = ("UpdateReceived", "DispatchOk", "ResultDelivered")
_BATCH = 5000


class _Sent(msgspec.Struct):
    message_id: int = 0


class _Update(msgspec.Struct):
    message: _Sent | None = None


def _chat_of(recorded: RecordedEvent) -> int | None:
    if recorded.chat_id is not None:
        return recorded.chat_id
    _, _, suffix = recorded.stream.rpartition(":")
    return int(suffix) if suffix.lstrip("-").isdigit() else None


class ChainIndex:
    """``(chat, message id) → cid`` over a log file, refreshed on demand; open it with :meth:`open`."""

    def __init__(self, path: Path, stack: AsyncExitStack) -> None:
        self.path = path
        self._stack = stack
        self._log: EventLog | None = None
        self._next_seq = 1
        self._cids: dict[tuple[int, int], str] = {}
        self._lock = trio.Lock()

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path) -> AsyncIterator[ChainIndex]:
        """An index over the log at ``path`` (which may appear later) for the ``async with`` block."""
        async with AsyncExitStack() as stack:
            yield cls(path, stack)

    def cid_of(self, chat_id: int, message_id: int) -> str | None:
        """The chain that made (or last changed) the message, if the log has recorded it."""
        return self._cids.get((chat_id, message_id))

    async def refresh(self) -> None:
        """Read what the log gained since the last refresh (nothing, quietly, while there is no log)."""
        async with self._lock:
            log = await self._opened()
            if log is None:
                return
            while True:
                try:
                    batch = await log.read_from(self._next_seq, limit=_BATCH, types=_TYPES)
                except EventLogError:
                    return
                for recorded in batch:
                    self._note(recorded)
                    self._next_seq = recorded.seq + 1
                if len(batch) < _BATCH:
                    return

    async def _opened(self) -> EventLog | None:
        if self._log is None and self.path.is_file():
            try:
                self._log = await self._stack.enter_async_context(open_log(self.path, codec=CODEC, readonly=True))
            except EventLogError:
                return None
        return self._log

    def _note(self, recorded: RecordedEvent) -> None:
        chat = _chat_of(recorded)
        if chat is None:
            return
        match recorded.event:
            case UpdateReceived(body=body):
                try:
                    update = msgspec.json.decode(body, type=_Update)
                except (msgspec.DecodeError, msgspec.ValidationError):
                    return
                if update.message is not None and update.message.message_id:
                    self._cids[(chat, update.message.message_id)] = recorded.cid
            case DispatchOk(message_id=message_id) if message_id is not None:
                self._cids[(chat, message_id)] = recorded.cid
            case ResultDelivered(message_ids=message_ids):
                for message_id in message_ids:
                    self._cids[(chat, message_id)] = recorded.cid
