"""The promo codes: one event-sourced shell around :class:`~trt_actors.promo.PromoDecider` per code, kept in memory.

Each code is the fold of its stream ``promo:<CODE>``, with one writer: a
lock per code runs one command at a time, and the shell
(:class:`~trt_actors.runtime.EventSourced`) is called directly, with no task
or mailbox per message. A command is decided, its event appended **and
committed**, then folded; only then does :meth:`Promos.run` return, so a
reactor that delivered it may move its checkpoint.

Every command records exactly one event (a creation or its refusal, a
redemption or its refusal), so a retried command (same command id) is always
recognised, by the shell's memory or by the log refusing the known event id,
and appends nothing. :meth:`Promos.create` and :meth:`Promos.redeem` then
read the first outcome back from the command's chain (its ``cid``), so the
asker always gets the answer that was recorded, never a second decision.

Codes are rebuilt from snapshot and stream on first use; the least recently
used is dropped past ``max_live``. A code whose command failed in the log is
dropped too (and the crash journaled): the next command rebuilds it from
what was committed.

Example::

    async with Promos.open(log) as promos:
        created = await promos.create(CreatePromo(code="SPRING", credits=50, expires_at=ts + 30 * 86_400,
                                                  max_uses=100, admin_id=7, now=ts), meta)
        answer = await promos.redeem(Redeem(code="SPRING", user_id=42, now=ts), meta)
        print((await promos.state("SPRING")).uses)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec

from eventlog import EventStore
from trt_actors.events import Event
from trt_actors.events.promo import (
    PromoCreated,
    PromoCreateRefused,
    PromoRedeemed,
    PromoRefused,
)
from trt_actors.promo import (
    CreatePromo,
    PromoCommand,
    PromoDecider,
    PromoState,
    Redeem,
    normalise_code,
    promo_stream,
)
from trt_actors.runtime import (
    CommandMeta,
    CommandRejected,
    EventSourced,
    Executed,
    SystemJournal,
)
from trt_actors.runtime.shells import Shells, ShellsStatistics

__all__ = ["Promos", "PromosStatistics"]

PromosStatistics = ShellsStatistics
"""``live`` codes are in memory; the rest are only in the log."""


class Promos:
    """Every promo code, decided in memory over the log (see the module docstring). Open with :meth:`open`."""

    def __init__(
        self, log: EventStore, *, max_live: int | None, snapshot_every: int, journal: SystemJournal | None
    ) -> None:
        self._log = log
        decider = PromoDecider()
        self._shells: Shells[str, PromoState, PromoCommand] = Shells(
            "promo",
            lambda code: EventSourced(decider, log, promo_stream(code), state_type=PromoState,
                                      snapshot_every=snapshot_every),
            max_live=max_live, journal=journal,
        )

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        log: EventStore,
        *,
        max_live: int | None = 1_000,
        snapshot_every: int = 100,
        journal: SystemJournal | None = None,
    ) -> AsyncIterator[Promos]:
        yield cls(log, max_live=max_live, snapshot_every=snapshot_every, journal=journal)

    async def run(self, command: PromoCommand, meta: CommandMeta) -> Executed:
        """Run ``command`` on its code's stream; return once what it decided is committed and folded.

        The events carry ``meta``'s ``cid``, ``causation``, ``chat_id`` and
        ``user_id`` (a redemption's events: the redeeming user's). Raises
        ``CommandRejected`` for a malformed command (nothing recorded) and the
        log's error when the outcome cannot be known: run it again under the
        same ``command_id``.
        """
        if normalise_code(command.code) != command.code:  # before its stream is named, let alone read
            raise CommandRejected(f"{command.code[:40]!r} is no normalised promo code", reason="bad_code")
        if isinstance(command, Redeem) and meta.user_id != command.user_id:
            meta = msgspec.structs.replace(meta, user_id=command.user_id)
        async with self._shells.use(command.code) as shell:
            return await shell.handle(command, meta)

    async def create(self, command: CreatePromo, meta: CommandMeta) -> PromoCreated | PromoCreateRefused:
        """Create a code; the outcome recorded for ``meta.command_id`` (the first one, for a retry)."""
        outcome = await self._outcome(command, meta)
        if not isinstance(outcome, PromoCreated | PromoCreateRefused):
            raise _bug(command, meta, outcome)
        return outcome

    async def redeem(self, command: Redeem, meta: CommandMeta) -> PromoRedeemed | PromoRefused:
        """Redeem a code for a user; the outcome recorded for ``meta.command_id`` (the first one, for a retry)."""
        outcome = await self._outcome(command, meta)
        if not isinstance(outcome, PromoRedeemed | PromoRefused):
            raise _bug(command, meta, outcome)
        return outcome

    async def state(self, code: str) -> PromoState:
        """The code as committed: its terms and who redeemed it (an unknown or malformed code: the empty state)."""
        if normalise_code(code) != code:
            return PromoState()
        async with self._shells.use(code) as shell:
            return shell.state

    async def _outcome(self, command: PromoCommand, meta: CommandMeta) -> Event:
        executed = await self.run(command, meta)
        if executed.events:
            return executed.events[0].event
        # A retry: every command records one event, so the first outcome is in the log under the command's id.
        event_id = f"{promo_stream(command.code)}/{meta.command_id}/0"
        for recorded in await self._log.read_cid(meta.cid):
            if recorded.event_id == event_id:
                return recorded.event
        raise LookupError(f"{event_id!r} is not in the chain {meta.cid!r}: the command id was first used under "
                          "another cid")

    def statistics(self) -> PromosStatistics:
        return self._shells.statistics()


def _bug(command: PromoCommand, meta: CommandMeta, recorded: Event) -> RuntimeError:
    """The decider crashed on ``command`` (its ``ActorCrashed`` is on the code's stream, under ``meta.cid``)."""
    return RuntimeError(f"promo {command.code}: command {meta.command_id!r} recorded {type(recorded).__name__}, "
                        "not an outcome: the decider has a bug (see the trace of its cid)")
