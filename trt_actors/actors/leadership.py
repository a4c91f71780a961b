"""Which instance is active: the lease in the log, taken, renewed and given up by the root of the process.

During a deploy two instances share one log. The lease (see
:mod:`eventlog.writer`) lets one of them write at a time: the **active** one
runs every actor; the other is **passive** and waits. :class:`Leadership` is
that state for one process:

* :meth:`take` waits, passive, until the lease is free, expired or released,
  takes it under a new epoch and records the change (``LeaseLost`` of the
  previous holder, ``LeaseAcquired``, ``ModeChanged(active)`` on ``ops:lease``);
* :meth:`keep` renews it every third of its time to live and returns as soon
  as it was lost (taken after it expired: this process hung or its disk
  stalled), after which the process must stop acting: whatever it still had
  in flight can no longer be written (the log refuses it), so nothing it does
  counts twice;
* :meth:`release` records ``ModeChanged(stopped)`` and gives the lease up
  at a clean stop, so the standby takes over at once instead of after the
  time to live.

After a crash (SIGKILL) nothing is released: the standby, or the restarted
process, takes over when the lease expires (``LEASE_SECONDS``).

Example::

    leadership = Leadership(log, "bot-1:4242", ttl=10.0)
    await leadership.take()          # passive until then
    ...                              # start the actors
    await leadership.keep()          # returns when the lease is lost
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable

from typing import ClassVar

import msgspec
import trio

from eventlog import CommitFailed, EventLog, Lease, NewEvent
from trt_actors.events.ops import LeaseAcquired, LeaseLost, ModeChanged

__all__ = ["LEASE_STREAM", "Leadership", "LeaseStatistics", "default_instance_id"]

log = logging.getLogger(__name__)

LEASE_STREAM = "ops:lease"

STANDBY_POLL = 0.25
"""Seconds between two looks of a standby at the lease: a released lease is taken within this."""


def default_instance_id() -> str:
    """``host:pid``: unique for every process, so two instances on one machine never pass for each other."""
    return f"{socket.gethostname()}:{os.getpid()}"


class LeaseStatistics(msgspec.Struct, frozen=True):
    """The lease as this process knows it: ``active`` while it holds ``epoch``; renewals made and missed."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"renewals"})

    active: bool
    epoch: int
    expires_in: float
    renewals: int
    waited: float


class Leadership:
    """The active/passive state of one process (see the module docstring)."""

    def __init__(self, log: EventLog, holder: str, *, ttl: float,
                 clock: Callable[[], float] = time.time) -> None:
        self._log = log
        self.holder = holder
        self.ttl = ttl
        self._clock = clock
        self.lease: Lease | None = None
        self.active = False
        self.renewals = 0
        self.waited = 0.0

    @property
    def running(self) -> bool:
        """Whether this process is the active one (``/ready`` is 503 otherwise)."""
        return self.active

    async def take(self) -> Lease:
        """Wait (passive) until the lease is this process's, record the change, and return it."""
        started = self._clock()
        announced = False
        while True:
            before = await self._log.lease()  # a read: a standby costs the active instance no write lock
            if before is None or before.holder == self.holder or before.expires_at <= self._clock():
                try:
                    lease = await self._log.acquire_lease(self.holder, ttl=self.ttl, now=self._clock())
                except CommitFailed as error:  # the file is locked (the holder is mid-commit): look again
                    log.warning("could not take the lease (%s); trying again", error)
                    await trio.sleep(STANDBY_POLL)
                    continue
                if lease.mine:
                    break
                before = lease
            if not announced:
                log.info("passive: the lease is held by %s (epoch %d) for %.1f s more; waiting",
                         before.holder, before.epoch, before.expires_at - self._clock())
                announced = True
            await trio.sleep(STANDBY_POLL)
        self.lease, self.active, self.waited = lease, True, self._clock() - started
        events: list[NewEvent] = []
        if before is not None and before.holder != self.holder:
            reason = "released" if before.expires_at == 0.0 else "expired"
            events.append(self._event(lease, "lost", LeaseLost(holder=before.holder, epoch=before.epoch, reason=reason)))
        events.append(self._event(lease, "acquired", LeaseAcquired(holder=self.holder, epoch=lease.epoch,
                                                                    expires_at=lease.expires_at)))
        events.append(self._event(lease, "active", ModeChanged(holder=self.holder, mode="active", epoch=lease.epoch)))
        await self._log.append(events)
        log.info("active: %s holds the lease, epoch %d", self.holder, lease.epoch)
        return lease

    async def keep(self) -> Lease:
        """Renew the lease every third of its time to live; return the lease as it is once this process lost it."""
        while True:
            await trio.sleep(self.ttl / 3)
            try:
                lease = await self._log.renew_lease(self.holder, ttl=self.ttl, now=self._clock())
            except CommitFailed as error:  # locked for now; the next renewal may pass, or the lease runs out
                log.warning("could not renew the lease (%s); trying again", error)
                continue
            self.lease = lease
            if not lease.mine:
                self.active = False
                log.error("lost the lease to %s (epoch %d): this instance stops acting", lease.holder, lease.epoch)
                return lease
            self.renewals += 1

    async def release(self) -> None:
        """Record the stop and give the lease up (a clean stop; shielded, never raises)."""
        lease = self.lease
        if lease is None or not self.active:
            return
        with trio.CancelScope(shield=True):
            try:
                stopped = ModeChanged(holder=self.holder, mode="stopped", epoch=lease.epoch)
                await self._log.append([self._event(lease, "stopped", stopped)])
                await self._log.release_lease(self.holder, now=self._clock())
                log.info("released the lease (epoch %d)", lease.epoch)
            except Exception as error:  # noqa: BLE001 - a stop must go on; the lease then expires by itself
                log.warning("could not release the lease (%s); it expires in %.0f s", error, self.ttl)
            self.active = False

    def _event(self, lease: Lease, what: str, event: LeaseLost | LeaseAcquired | ModeChanged) -> NewEvent:
        return NewEvent(event_id=f"lease:{lease.epoch}:{what}", stream=LEASE_STREAM, event=event,
                        cid=f"lease:{lease.epoch}", ts=self._clock())

    def about(self) -> dict[str, object]:
        """What ``/ready`` adds: this instance, its mode and the epoch it holds."""
        lease = self.lease
        return {"instance": self.holder, "mode": "active" if self.active else "passive",
                "epoch": lease.epoch if lease is not None and self.active else None}

    def statistics(self) -> LeaseStatistics:
        lease = self.lease
        return LeaseStatistics(
            active=self.active, epoch=lease.epoch if lease else 0,
            expires_in=max(0.0, lease.expires_at - self._clock()) if lease and self.active else 0.0,
            renewals=self.renewals, waited=self.waited,
        )
