"""Referral bonuses: when an invited user's first top-up is credited, both they and who invited them get credits.

A user is invited by opening the bot with ``/start ref_<inviter id>``; their
session records it once, on ``SessionStarted.referrer`` (never for a chat that
already started, never for oneself). :class:`ReferralBonuses` follows the
ledger's ``Credited`` top-ups through the runtime's reactor and, for the first
top-up of an invited user, asks the ledger for two ``Credit``\\ s of
``REFERRAL_BONUS`` credits (reason ``referral``): ``referral:<user>`` to the
new user and ``referral:<user>:inviter`` to the inviter, each caused by the
top-up; ``REFERRAL_BONUS_FREE`` free generations likewise (``GrantFree``,
``referral:<user>:free`` and ``referral:<user>:inviter:free``). The ids make a
redelivered top-up a no-op; a later top-up gives nothing more. An inviter who never started the bot (a made-up
``ref_`` link) gets nothing, and neither does the user they named.

:class:`FriendReports` tells the inviter's session that someone joined
through their link (``FriendReported``), once per friend, so the "Invite
friends" screen counts them.

:func:`bonus_for` and :func:`friend_report_for` are what decide, from the log
alone, so ``replay`` rebuilds the same commands.

Example::

    root.start("referrals", ReferralBonuses(log, ledger, bonus=50).run)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence


from eventlog import EventStore, RecordedEvent
from trt_actors.actors.ledger import Ledger
from trt_actors.events.ledger import Credited
from trt_actors.events.session import SessionStarted
from trt_actors.actors.session_region import session_stream
from trt_actors.ledger import STREAM_PREFIX, Credit, GrantFree
from trt_actors.runtime import CommandMeta, Executed, Reactor
from trt_actors.runtime.reactor import Reacting, reaction_meta
from trt_actors.session.commands import FriendReported

__all__ = ["FriendReports", "ReferralBonuses", "bonus_for", "friend_report_for", "referral_credit_ids"]


def referral_credit_ids(user_id: int) -> tuple[str, str]:
    """The credit ids of the bonus for ``user_id``'s first top-up: theirs, and their inviter's."""
    return f"referral:{user_id}", f"referral:{user_id}:inviter"


async def bonus_for(log: EventStore, recorded: RecordedEvent, bonus: int, free: int = 0) -> list[Credit | GrantFree]:
    """The bonus a ledger event asks for (``bonus`` credits and ``free`` free generations to each of the two):
    none unless it is an invited user's first top-up."""
    credited = recorded.event
    if (bonus <= 0 and free <= 0) or not isinstance(credited, Credited) or credited.reason != "topup":
        return []
    user = int(recorded.stream.removeprefix(STREAM_PREFIX))
    earlier = await log.read_stream(recorded.stream, 1, recorded.version - 1) if recorded.version > 1 else []
    if any(isinstance(r.event, Credited) and r.event.reason == "topup" for r in earlier):
        return []  # not the first top-up
    started = await log.read_stream(session_stream(user), 1, 5)
    inviter = next((r.event.referrer for r in started if isinstance(r.event, SessionStarted)), 0)
    if inviter <= 0 or inviter == user or not await _started(log, inviter):
        return []
    own, inviters = referral_credit_ids(user)
    given: list[Credit | GrantFree] = []
    if bonus > 0:
        given += [
            Credit(user_id=user, credit_id=own, amount=bonus, reason="referral", source=f"invited by {inviter}"),
            Credit(user_id=inviter, credit_id=inviters, amount=bonus, reason="referral", source=f"invited {user}"),
        ]
    if free > 0:
        given += [
            GrantFree(user_id=user, grant_id=f"{own}:free", count=free, reason="referral",
                      source=f"invited by {inviter}"),
            GrantFree(user_id=inviter, grant_id=f"{inviters}:free", count=free, reason="referral",
                      source=f"invited {user}"),
        ]
    return given


async def _started(log: EventStore, user_id: int) -> bool:
    """Whether ``user_id`` ever started the bot (their session's first events hold ``SessionStarted``)."""
    return any(isinstance(r.event, SessionStarted) for r in await log.read_stream(session_stream(user_id), 1, 5))


async def friend_report_for(log: EventStore, recorded: RecordedEvent) -> FriendReported | None:
    """What the inviter's session hears of a ``SessionStarted`` that names them; None for anything else."""
    started, friend = recorded.event, recorded.user_id
    if not isinstance(started, SessionStarted) or friend is None or started.referrer in (0, friend):
        return None
    if not await _started(log, started.referrer):
        return None  # nobody we know: a made-up link
    return FriendReported(chat_id=started.referrer, user_id=started.referrer, cid=recorded.cid, update_id=0,
                          ts=recorded.ts, friend_id=friend)


class FriendReports(Reacting):
    """An invited user's ``SessionStarted`` → ``FriendReported`` for the inviter's session."""

    def __init__(self, log: EventStore, run_session: Callable[[FriendReported, CommandMeta], Awaitable[Executed]],
                 *, workers: int = 8) -> None:
        self._log = log
        self._run = run_session
        self.reactor = Reactor(
            "friend-reports",
            log,
            types=[SessionStarted.type_name()],
            handle=self._handle,
            key=lambda recorded: recorded.event.referrer if isinstance(recorded.event, SessionStarted) else 0,
            select=lambda recorded: isinstance(recorded.event, SessionStarted) and recorded.event.referrer > 0,
            workers=workers,
            max_attempts=None,
        )

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            command = await friend_report_for(self._log, recorded)
            if command is not None:
                await self._run(command, reaction_meta(recorded, chat_id=command.chat_id, user_id=command.user_id))


class ReferralBonuses(Reacting):
    """Follows top-ups and credits the referral bonus (see the module docstring)."""

    def __init__(self, log: EventStore, ledger: Ledger, *, bonus: int, free: int = 0, workers: int = 8) -> None:
        self._log = log
        self._ledger = ledger
        self._bonus = bonus
        self._free = free
        self.reactor = Reactor(
            "referrals",
            log,
            types=[Credited.type_name()],
            handle=self._handle,
            key=lambda recorded: recorded.user_id,
            select=lambda recorded: isinstance(recorded.event, Credited) and recorded.event.reason == "topup",
            workers=workers,
            max_attempts=None,  # a bonus is money owed: it waits for the ledger
        )

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            for index, credit in enumerate(await bonus_for(self._log, recorded, self._bonus, self._free)):
                meta = reaction_meta(recorded, chat_id=credit.user_id, user_id=credit.user_id, part=str(index))
                await self._ledger.run(credit, meta)
