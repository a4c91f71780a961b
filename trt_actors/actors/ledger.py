"""The ledger: one event-sourced shell around :class:`~trt_actors.ledger.LedgerDecider` per user, kept in memory.

Each user's credits are the fold of their stream ``ledger:<user_id>``, with
one writer: a lock per user runs one command at a time, and the shell
(:class:`~trt_actors.runtime.EventSourced`) is called directly, with no task
or mailbox per message. A command is decided, its events appended **and
committed**, then folded; only then does :meth:`Ledger.run` return, so a
reactor that delivered it may move its checkpoint.

A retry is a no-op twice over: the shell recognises a command id it has seen
(``Executed(duplicate=True)``), and the decider records nothing for an
operation id (hold, credit, refund) it knows. Either way nothing is appended;
the first outcome is in the state (:meth:`Ledger.state`).

Users are rebuilt from snapshot and stream on first use and the least
recently used is dropped past ``max_live``. A user whose command failed in
the log is dropped too (and the crash journaled): the next command rebuilds
it from what was committed.

Example::

    async with Ledger.open(log) as ledger:
        meta = CommandMeta(command_id=reaction_id(recorded), cid=recorded.cid, ts=recorded.ts,
                           causation=recorded.event_id)
        executed = await ledger.run(Reserve(user_id=42, hold_id="c1", amount=18, quote=quote,
                                            expires_at=recorded.ts + 3600), meta)
        print(await ledger.balance(42))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec

from eventlog import EventStore
from trt_actors.ledger import Balance, LedgerCommand, LedgerDecider, LedgerState, ledger_stream
from trt_actors.runtime import CommandMeta, EventSourced, Executed, SystemJournal
from trt_actors.runtime.shells import Shells, ShellsStatistics

__all__ = ["Ledger", "LedgerStatistics"]

LedgerStatistics = ShellsStatistics
"""``live`` users are in memory; the rest are only in the log."""


class Ledger:
    """Every user's credits, decided in memory over the log (see the module docstring). Open with :meth:`open`."""

    def __init__(
        self, log: EventStore, *, max_live: int | None, snapshot_every: int, journal: SystemJournal | None
    ) -> None:
        decider = LedgerDecider()
        self._shells: Shells[int, LedgerState, LedgerCommand] = Shells(
            "ledger",
            lambda user_id: EventSourced(decider, log, ledger_stream(user_id), state_type=LedgerState,
                                         snapshot_every=snapshot_every),
            max_live=max_live, journal=journal,
        )

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        log: EventStore,
        *,
        max_live: int | None = 10_000,
        snapshot_every: int = 100,
        journal: SystemJournal | None = None,
    ) -> AsyncIterator[Ledger]:
        yield cls(log, max_live=max_live, snapshot_every=snapshot_every, journal=journal)

    async def run(self, command: LedgerCommand, meta: CommandMeta) -> Executed:
        """Run ``command`` on its user's stream; return once what it decided is committed and folded.

        The events carry ``meta``'s ``cid`` and ``causation``, and the
        command's user as their ``user_id``. Raises ``CommandRejected`` for a
        malformed command (nothing recorded) and the log's error when the
        outcome cannot be known: run it again under the same ``command_id``.
        """
        if meta.user_id != command.user_id:
            meta = msgspec.structs.replace(meta, user_id=command.user_id)
        async with self._shells.use(command.user_id) as shell:
            return await shell.handle(command, meta)

    async def state(self, user_id: int) -> LedgerState:
        """The user's ledger as committed: balance, and every hold, credit and refund with its outcome."""
        async with self._shells.use(user_id) as shell:
            return shell.state

    async def balance(self, user_id: int) -> Balance:
        return (await self.state(user_id)).balance()

    def statistics(self) -> LedgerStatistics:
        return self._shells.statistics()
