"""What the promo tests share: an admin's envelope, a request as a session records it, waiting for reactors."""

from __future__ import annotations

import trio

from eventlog import NewEvent, SQLiteEventLog
from trt_actors.actors.session_region import session_stream
from trt_actors.events.promo import PromoEntered
from trt_actors.runtime import CommandMeta, Reactor

T0 = 1_700_000_000.0
ADMIN = 1


def admin_meta(command_id: str, ts: float = T0) -> CommandMeta:
    return CommandMeta(command_id=command_id, cid=f"admin-{command_id}", ts=ts, chat_id=ADMIN, user_id=ADMIN)


async def entered(log: SQLiteEventLog, user: int, code: str, update_id: int, ts: float) -> str:
    """``user`` typed ``/promo <code>``: the ``PromoEntered`` their session records; its event id."""
    [position] = await log.append([NewEvent(
        event_id=f"{session_stream(user)}/update:{update_id}/0",
        stream=session_stream(user),
        event=PromoEntered(code=code),
        cid=f"u{update_id}",
        ts=ts,
        causation=f"update:1:0:{update_id}",
        chat_id=user,
        user_id=user,
    )])
    return position.event_id


async def settle(log: SQLiteEventLog, *reactors: Reactor) -> None:
    """Wait until every reactor is through the log's head, and the head stands still."""
    with trio.fail_after(10):
        while True:
            head = log.statistics().writer.head_seq
            if all(reactor.checkpoint >= head for reactor in reactors):
                await trio.sleep(0.02)
                if log.statistics().writer.head_seq == head:
                    return
            await trio.sleep(0.005)
