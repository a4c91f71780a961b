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

from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import ClassVar

import msgspec
import trio

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

__all__ = ["Promos", "PromosStatistics"]

Shell = EventSourced[PromoState, PromoCommand]


class PromosStatistics(msgspec.Struct, frozen=True):
    """``live`` codes are in memory; the rest are only in the log."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"activations", "evictions", "crashes"})

    live: int
    max_live: int | None
    activations: int
    evictions: int
    crashes: int
    busy: int


class _Live:
    """A code in memory: its shell, and the lock that runs one command at a time."""

    __slots__ = ("busy", "lock", "recovered", "shell")

    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        self.lock = trio.Lock()
        self.recovered = False
        self.busy = 0


class Promos:
    """Every promo code, decided in memory over the log (see the module docstring). Open with :meth:`open`."""

    def __init__(
        self, log: EventStore, *, max_live: int | None, snapshot_every: int, journal: SystemJournal | None
    ) -> None:
        if max_live is not None and max_live < 1:
            raise ValueError(f"the promos need max_live of at least 1 (or None), not {max_live}")
        self._log = log
        self._decider = PromoDecider()
        self._max_live = max_live
        self._snapshot_every = snapshot_every
        self._journal = journal
        self._live: OrderedDict[str, _Live] = OrderedDict()
        self._activations = self._evictions = self._crashes = 0

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
        async with self._code(command.code) as shell:
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
        async with self._code(code) as shell:
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

    @asynccontextmanager
    async def _code(self, code: str) -> AsyncIterator[Shell]:
        live = self._live.get(code)
        if live is None:
            live = self._activate(code)
        else:
            self._live.move_to_end(code)
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
            await self._crashed(code, live, error)
            raise
        finally:
            live.busy -= 1

    def _activate(self, code: str) -> _Live:
        if self._max_live is not None:
            while len(self._live) >= self._max_live:
                idle = next((key for key, entry in self._live.items() if not entry.busy), None)
                if idle is None:
                    break  # every code is busy: go over the limit for a moment rather than wait
                del self._live[idle]
                self._evictions += 1
        shell: Shell = EventSourced(
            self._decider, self._log, promo_stream(code), state_type=PromoState, snapshot_every=self._snapshot_every,
        )
        live = _Live(shell)
        self._live[code] = live
        self._activations += 1
        return live

    async def _crashed(self, code: str, live: _Live, error: BaseException) -> None:
        if self._live.get(code) is live:
            del self._live[code]  # its state may be off: the next command rebuilds it from the log
        self._crashes += 1
        if self._journal is not None:
            await self._journal.crashed(f"promo/{code}", error, 1, 0.0)

    def statistics(self) -> PromosStatistics:
        return PromosStatistics(
            live=len(self._live),
            max_live=self._max_live,
            activations=self._activations,
            evictions=self._evictions,
            crashes=self._crashes,
            busy=sum(1 for live in self._live.values() if live.busy),
        )


def _bug(command: PromoCommand, meta: CommandMeta, recorded: Event) -> RuntimeError:
    """The decider crashed on ``command`` (its ``ActorCrashed`` is on the code's stream, under ``meta.cid``)."""
    return RuntimeError(f"promo {command.code}: command {meta.command_id!r} recorded {type(recorded).__name__}, "
                        "not an outcome: the decider has a bug (see the trace of its cid)")
