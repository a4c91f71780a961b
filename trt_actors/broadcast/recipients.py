"""Who receives a broadcast: every user who ever wrote to the bot.

A chat's session stream (``chat:<id>``) begins with ``SessionStarted``, which
the session records on the chat's very first message or tap, so the
recipients are the chats of those events: read on the log's type index, never
by scanning every stream. Only private chats (positive ids, where the chat is
the user) are users; a group the bot was added to is not one.

The list is taken once, when the broadcast starts, and recorded in
``BroadcastStarted``: a user who arrives later is not in it, and a restart
sends to exactly the chats that were chosen.

Example::

    users = await recipients(log)     # (1001, 1002, ...) ascending
"""

from __future__ import annotations

from eventlog import EventStore
from trt_actors.actors.session_region import session_stream
from trt_actors.events.session import SessionStarted

__all__ = ["recipients"]

_PAGE = 5_000


async def recipients(log: EventStore) -> tuple[int, ...]:
    """Every private chat with a session stream, ascending, each once."""
    found: set[int] = set()
    seq = 1
    while page := await log.read_from(seq, _PAGE, types=(SessionStarted.type_name(),)):
        for recorded in page:
            chat = recorded.chat_id
            if chat is not None and chat > 0 and recorded.stream == session_stream(chat):
                found.add(chat)
        seq = page[-1].seq + 1
    return tuple(sorted(found))
