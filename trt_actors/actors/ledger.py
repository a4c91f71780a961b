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

from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from typing import ClassVar

import msgspec
import trio

from eventlog import EventStore
from trt_actors.ledger import Balance, LedgerCommand, LedgerDecider, LedgerState, ledger_stream
from trt_actors.runtime import CommandMeta, CommandRejected, EventSourced, Executed, SystemJournal

__all__ = ["Ledger", "LedgerStatistics"]

Shell = EventSourced[LedgerState, LedgerCommand]


class LedgerStatistics(msgspec.Struct, frozen=True):
    """``live`` users are in memory; the rest are only in the log."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"activations", "evictions", "crashes"})

    live: int
    max_live: int | None
    activations: int
    evictions: int
    crashes: int
    busy: int


class _Live:
    """A user in memory: their shell, and the lock that runs one command at a time."""

    __slots__ = ("busy", "lock", "recovered", "shell")

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.lock = trio.Lock()
        self.recovered = False
        self.busy = 0


class Ledger:
    """Every user's credits, decided in memory over the log (see the module docstring). Open with :meth:`open`."""

    def __init__(
        self, log: EventStore, *, max_live: int | None, snapshot_every: int, journal: SystemJournal | None
    ) -> None:
        if max_live is not None and max_live < 1:
            raise ValueError(f"the ledger needs max_live of at least 1 (or None), not {max_live}")
        self._log = log
        self._decider = LedgerDecider()
        self._max_live = max_live
        self._snapshot_every = snapshot_every
        self._journal = journal
        self._live: OrderedDict[int, _Live] = OrderedDict()
        self._activations = self._evictions = self._crashes = 0

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
        async with self._user(command.user_id) as shell:
            return await shell.handle(command, meta)

    async def state(self, user_id: int) -> LedgerState:
        """The user's ledger as committed: balance, and every hold, credit and refund with its outcome."""
        async with self._user(user_id) as shell:
            return shell.state

    async def balance(self, user_id: int) -> Balance:
        return (await self.state(user_id)).balance()

    @asynccontextmanager
    async def _user(self, user_id: int) -> AsyncIterator[Shell]:
        live = self._live.get(user_id)
        if live is None:
            live = self._activate(user_id)
        else:
            self._live.move_to_end(user_id)
        live.busy += 1
        try:
            async with live.lock:
                if not live.recovered:
                    await live.shell.recover()
                    live.recovered = True
                yield live.shell
        except CommandRejected:
            raise
        except Exception as error:
            await self._crashed(user_id, live, error)
            raise
        finally:
            live.busy -= 1

    def _activate(self, user_id: int) -> _Live:
        if self._max_live is not None:
            while len(self._live) >= self._max_live:
                idle = next((key for key, entry in self._live.items() if not entry.busy), None)
                if idle is None:
                    break  # everyone is busy: go over the limit for a moment rather than wait
                del self._live[idle]
                self._evictions += 1
        shell: Shell = EventSourced(
            self._decider, self._log, ledger_stream(user_id), state_type=LedgerState,
            snapshot_every=self._snapshot_every,
        )
        live = _Live(shell)
        self._live[user_id] = live
        self._activations += 1
        return live

    async def _crashed(self, user_id: int, live: _Live, error: BaseException) -> None:
        if self._live.get(user_id) is live:
            del self._live[user_id]  # its state may be off: the next command rebuilds it from the log
        self._crashes += 1
        if self._journal is not None:
            await self._journal.crashed(f"ledger/{user_id}", error, 1, 0.0)

    def statistics(self) -> LedgerStatistics:
        return LedgerStatistics(
            live=len(self._live),
            max_live=self._max_live,
            activations=self._activations,
            evictions=self._evictions,
            crashes=self._crashes,
            busy=sum(1 for live in self._live.values() if live.busy),
        )
