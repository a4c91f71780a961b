"""Event-sourced shells kept in memory by key, each called directly under its own lock: no task, no mailbox.

What the ledger (a shell per user) and the promo codes (a shell per code)
share. :meth:`Shells.use` hands out the key's shell, rebuilt from snapshot
and stream on first use, to one caller at a time; past ``max_live`` the least
recently used idle key is dropped (its state stays in the log). A use that
fails with anything but ``CommandRejected`` drops the key's shell too, since
its state may be off, and journals the crash: the next use rebuilds it from
what was committed.

Example::

    shells = Shells("ledger", lambda user: EventSourced(decider, log, ledger_stream(user), state_type=LedgerState),
                    max_live=10_000, journal=journal)
    async with shells.use(42) as shell:
        executed = await shell.handle(command, meta)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from typing import ClassVar, Generic, TypeVar

import msgspec
import trio

from trt_actors.runtime.decider import CommandRejected
from trt_actors.runtime.journal import SystemJournal
from trt_actors.runtime.sourced import EventSourced

__all__ = ["Shells", "ShellsStatistics"]

K = TypeVar("K", bound=Hashable)
S = TypeVar("S")
C = TypeVar("C")


class ShellsStatistics(msgspec.Struct, frozen=True):
    """``live`` keys are in memory; the rest are only in the log. ``busy`` keys are in use now."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"activations", "evictions", "crashes"})

    live: int
    max_live: int | None
    activations: int
    evictions: int
    crashes: int
    busy: int


class _Live(Generic[S, C]):
    """A key in memory: its shell, and the lock that runs one command at a time."""

    __slots__ = ("busy", "lock", "recovered", "shell")

    def __init__(self, shell: EventSourced[S, C]) -> None:
        self.shell = shell
        self.lock = trio.Lock()
        self.recovered = False
        self.busy = 0


class Shells(Generic[K, S, C]):
    """The shells of ``name`` (``ledger``, ``promo``), built by ``build(key)`` when a key is first used."""

    def __init__(self, name: str, build: Callable[[K], EventSourced[S, C]], *, max_live: int | None,
                 journal: SystemJournal | None) -> None:
        if max_live is not None and max_live < 1:
            raise ValueError(f"the {name} shells need max_live of at least 1 (or None), not {max_live}")
        self._name = name
        self._build = build
        self._max_live = max_live
        self._journal = journal
        self._live: OrderedDict[K, _Live[S, C]] = OrderedDict()
        self._activations = self._evictions = self._crashes = 0

    @asynccontextmanager
    async def use(self, key: K) -> AsyncIterator[EventSourced[S, C]]:
        """The key's shell, recovered, for this caller alone until the block ends."""
        live = self._live.get(key)
        if live is None:
            live = self._activate(key)
        else:
            self._live.move_to_end(key)
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
            await self._crashed(key, live, error)
            raise
        finally:
            live.busy -= 1

    def _activate(self, key: K) -> _Live[S, C]:
        if self._max_live is not None:
            while len(self._live) >= self._max_live:
                idle = next((known for known, entry in self._live.items() if not entry.busy), None)
                if idle is None:
                    break  # every key is busy: go over the limit for a moment rather than wait
                del self._live[idle]
                self._evictions += 1
        live = _Live(self._build(key))
        self._live[key] = live
        self._activations += 1
        return live

    async def _crashed(self, key: K, live: _Live[S, C], error: BaseException) -> None:
        if self._live.get(key) is live:
            del self._live[key]  # its state may be off: the next use rebuilds it from the log
        self._crashes += 1
        if self._journal is not None:
            await self._journal.crashed(f"{self._name}/{key}", error, 1, 0.0)

    def statistics(self) -> ShellsStatistics:
        return ShellsStatistics(
            live=len(self._live),
            max_live=self._max_live,
            activations=self._activations,
            evictions=self._evictions,
            crashes=self._crashes,
            busy=sum(1 for live in self._live.values() if live.busy),
        )
