"""Stars refunds: the ledger removes the credits first, then Telegram returns the Stars.

A refund starts as a ledger command (:meth:`Refunds.request`, used by the
admin tools): the ledger refuses it when the credits of that top-up were
already spent below the amount (``RefundRejected``, reason ``spent``) and
otherwise records ``RefundReserved``, taking the credits out of the balance.
This actor follows ``RefundReserved`` through its own
:class:`~trt_actors.runtime.Reactor` and calls ``refundStarPayment``; the
outcome goes back to the ledger as ``CompleteRefund`` (the Stars went back;
"already refunded" counts, since that is what a retry after a crash meets) or
``FailRefund`` (the credits are restored). Every step is an event under the
``cid`` of the request. A ``RefundReserved`` delivered again (after a crash,
or a batch that failed further on) calls Telegram only if the ledger still
has the refund reserved: a settled refund is never sent twice.

Example::

    refunds = Refunds(log, tg, ledger)
    root.start("refunds", refunds.run)
    await refunds.request(user_id=42, credit_id="topup:t-1", refund_id="r-1", amount=550, cid="admin:7")
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence

import trio

from eventlog import EventStore, RecordedEvent
from trt_actors.actors.ledger import Ledger
from trt_actors.events.ledger import RefundReserved
from trt_actors.ledger import CompleteRefund, FailRefund, Refund
from trt_actors.runtime import CommandMeta, Executed, Reactor, ReactorStatistics, reaction_id
from trt_actors.telegram import BadRequest, TelegramAPIError, TelegramClient

__all__ = ["Refunds"]

log = logging.getLogger(__name__)

_ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"


class Refunds:
    """Returns the Stars of reserved refunds (see the module docstring)."""

    def __init__(self, log: EventStore, tg: TelegramClient, ledger: Ledger, *, workers: int = 4) -> None:
        self._tg = tg
        self._ledger = ledger
        self.completed = self.failed = 0
        self.reactor = Reactor(
            "refunds",
            log,
            types=(RefundReserved.type_name(),),
            handle=self._handle,
            key=lambda recorded: recorded.user_id,
            workers=workers,
            max_attempts=None,  # credits are out and the Stars not back yet: never give up on a refund
        )

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self.reactor.run(task_status=task_status)

    async def request(
        self, *, user_id: int, credit_id: str, refund_id: str, amount: int, cid: str, ts: float,
        chat_id: int | None = None,
    ) -> Executed:
        """Ask the ledger to refund ``amount`` of top-up ``credit_id``; ``refund_id`` makes a retry a no-op."""
        meta = CommandMeta(command_id=f"refund:{refund_id}", cid=cid, ts=ts, causation=None,
                           chat_id=user_id if chat_id is None else chat_id, user_id=user_id)
        return await self._ledger.run(Refund(user_id=user_id, refund_id=refund_id, credit_id=credit_id,
                                             amount=amount), meta)

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            reserved = recorded.event
            assert isinstance(reserved, RefundReserved) and recorded.user_id is not None
            user = recorded.user_id
            meta = CommandMeta(command_id=reaction_id(recorded), cid=recorded.cid, ts=recorded.ts,
                               causation=recorded.event_id, chat_id=recorded.chat_id, user_id=user)
            refund = (await self._ledger.state(user)).refunds.get(reserved.refund_id)
            if refund is None or refund.status != "reserved":
                continue  # settled already (delivered again after a crash or a failed batch): never call twice
            try:
                await self._tg.refund_star_payment(user, reserved.charge_id)
            except BadRequest as error:
                if _ALREADY_REFUNDED not in error.description.upper():
                    await self._fail(user, reserved, meta, error)
                    continue
            except TelegramAPIError as error:
                if error.error_code >= 500 or error.error_code == 429:
                    raise  # the reactor tries again later
                await self._fail(user, reserved, meta, error)
                continue
            await self._ledger.run(CompleteRefund(user_id=user, refund_id=reserved.refund_id), meta)
            self.completed += 1

    async def _fail(self, user: int, reserved: RefundReserved, meta: CommandMeta, error: TelegramAPIError) -> None:
        log.warning("Telegram refused refund %s: %s", reserved.refund_id, error)
        await self._ledger.run(FailRefund(user_id=user, refund_id=reserved.refund_id,
                                          error=f"{error.error_code}: {error.description}"[:300]), meta)
        self.failed += 1

    def statistics(self) -> ReactorStatistics:
        return self.reactor.statistics()
