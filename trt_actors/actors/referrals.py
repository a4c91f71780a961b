"""Referral bonuses: when an invited user's first top-up is credited, both they and who invited them get credits.

A user is invited by opening the bot with ``/start ref_<inviter id>``; their
session records it once, on ``SessionStarted.referrer`` (never for a chat that
already started, never for oneself). :class:`ReferralBonuses` follows the
ledger's ``Credited`` top-ups through the runtime's reactor and, for the first
top-up of an invited user, asks the ledger for two ``Credit``\\ s of
``REFERRAL_BONUS`` credits (reason ``referral``): ``referral:<user>`` to the
new user and ``referral:<user>:inviter`` to the inviter, each caused by the
top-up. The credit ids make a redelivered top-up a no-op; a later top-up
gives nothing more.

:func:`bonus_for` is what decides, from the log alone, so ``replay`` rebuilds
the same commands.

Example::

    root.start("referrals", ReferralBonuses(log, ledger, bonus=50).run)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import trio

from eventlog import EventStore, RecordedEvent
from trt_actors.actors.ledger import Ledger
from trt_actors.events.ledger import Credited
from trt_actors.events.session import SessionStarted
from trt_actors.actors.session_region import session_stream
from trt_actors.ledger import STREAM_PREFIX, Credit
from trt_actors.runtime import CommandMeta, Reactor, ReactorStatistics, reaction_id

__all__ = ["ReferralBonuses", "bonus_for", "referral_credit_ids"]


def referral_credit_ids(user_id: int) -> tuple[str, str]:
    """The credit ids of the bonus for ``user_id``'s first top-up: theirs, and their inviter's."""
    return f"referral:{user_id}", f"referral:{user_id}:inviter"


async def bonus_for(log: EventStore, recorded: RecordedEvent, bonus: int) -> list[Credit]:
    """The bonus credits a ledger event asks for: none unless it is an invited user's first top-up."""
    credited = recorded.event
    if bonus <= 0 or not isinstance(credited, Credited) or credited.reason != "topup":
        return []
    user = int(recorded.stream.removeprefix(STREAM_PREFIX))
    earlier = await log.read_stream(recorded.stream, 1, recorded.version - 1) if recorded.version > 1 else []
    if any(isinstance(r.event, Credited) and r.event.reason == "topup" for r in earlier):
        return []  # not the first top-up
    started = await log.read_stream(session_stream(user), 1, 5)
    inviter = next((r.event.referrer for r in started if isinstance(r.event, SessionStarted)), 0)
    if inviter <= 0 or inviter == user:
        return []
    own, inviters = referral_credit_ids(user)
    return [
        Credit(user_id=user, credit_id=own, amount=bonus, reason="referral", source=f"invited by {inviter}"),
        Credit(user_id=inviter, credit_id=inviters, amount=bonus, reason="referral", source=f"invited {user}"),
    ]


class ReferralBonuses:
    """Follows top-ups and credits the referral bonus (see the module docstring)."""

    def __init__(self, log: EventStore, ledger: Ledger, *, bonus: int, workers: int = 8) -> None:
        self._log = log
        self._ledger = ledger
        self._bonus = bonus
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

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self.reactor.run(task_status=task_status)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            for index, credit in enumerate(await bonus_for(self._log, recorded, self._bonus)):
                meta = CommandMeta(command_id=f"{reaction_id(recorded)}/{index}", cid=recorded.cid, ts=recorded.ts,
                                   causation=recorded.event_id, chat_id=credit.user_id, user_id=credit.user_id)
                await self._ledger.run(credit, meta)

    def statistics(self) -> ReactorStatistics:
        return self.reactor.statistics()
