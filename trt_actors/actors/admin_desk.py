"""The admin desk's shell: one event-sourced desk per admin (stream ``admin:<id>``), its router and its reactions.

* :class:`AdminDesk` runs an admin's ``/admin`` command or tap: it reads what
  the decision needs (a user's profile, the stats, a broadcast's progress;
  :mod:`trt_actors.admin.views`) into the command, then the pure
  :class:`~trt_actors.admin.decider.DeskDecider` decides, and its screen goes
  out through the outbox like any other. Committed blocks and model switches
  update the :class:`~trt_actors.admin.views.BlockList` and
  :class:`~trt_actors.admin.views.ModelSwitches` the sessions consult.
* :func:`admin_route` wraps the sessions' route: an update of a user in
  ``ADMIN_IDS`` that is an ``/admin`` command, the answer to an open desk
  prompt, or a desk button goes to the desk; everything else (a non-admin's
  ``/admin`` included, which the session answers with its menu and records as
  ``MessageRejected(unknown_command)``) goes on unchanged.
* :class:`AdminRequests` (a durable reactor) carries out what admins asked —
  ``AdjustmentAsked`` → the ledger's ``Credit`` or ``Debit`` (reason
  ``adjustment``, caused by the ask, which the audit requires), ``RefundAsked``
  → :meth:`Refunds.request`, ``PromoCreateAsked`` → :meth:`Promos.create`,
  ``BroadcastAsked`` → :meth:`Broadcasts.start` — and hands each outcome back
  to the desk (``AdminActionReported``, a message to the admin).

Example::

    desk = AdminDesk(log, ledger, admin_ids={7}, blocks=blocks)
    router = Router(log, admin_route(desk, sessions.route), answer=receiver.answers.answer)
    root.start("admin-requests", AdminRequests(log, desk, ledger, refunds, promos, broadcasts).run)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence

import msgspec

from eventlog import EventStore, RecordedEvent
from trt_actors.actors.broadcasts import BroadcastRefused, Broadcasts
from trt_actors.actors.intake import UpdateMeta
from trt_actors.actors.ledger import Ledger
from trt_actors.actors.promos import Promos
from trt_actors.actors.refunds import Refunds
from trt_actors.actors.session_region import command_for
from trt_actors.admin.asks import is_admin_command
from trt_actors.admin.callback_data import is_admin_data
from trt_actors.admin.commands import ActionReport, AdminTap, AdminText, DeskCommand
from trt_actors.admin.decider import DeskDecider, query_of, tap_ask, text_ask
from trt_actors.admin.state import DeskState
from trt_actors.admin.views import BlockList, ModelSwitches, read_profile, read_stats
from trt_actors.events import Event
from trt_actors.events.admin import (
    AdjustmentAsked,
    BroadcastAsked,
    BroadcastCounts,
    PromoCreateAsked,
    RefundAsked,
    admin_stream,
)
from trt_actors.ledger import Credit, Debit, LedgerState
from trt_actors.promo import CreatePromo
from trt_actors.runtime import CommandMeta, EventSourced, Executed, Reactor, reaction_id
from trt_actors.runtime.reactor import Reacting, reaction_meta
from trt_actors.runtime.shells import Shells, ShellsStatistics
from trt_actors.session.commands import ButtonPressed, TextReceived
from trt_actors.telegram import Update

__all__ = ["AdminDesk", "AdminRequests", "adjustment_for", "admin_route"]

Route = Callable[[Update, UpdateMeta], Awaitable[None]]


class AdminDesk:
    """Every admin's desk (see the module docstring)."""

    def __init__(self, log: EventStore, ledger: Ledger, *, admin_ids: Collection[int], blocks: BlockList,
                 switches: ModelSwitches | None = None, models: Collection[str] = (),
                 broadcasts: Broadcasts | None = None, kie_credits: Callable[[], Awaitable[float]] | None = None) -> None:
        self._log = log
        self._ledger = ledger
        self.admin_ids = frozenset(admin_ids)
        self.blocks = blocks
        self.switches = switches or ModelSwitches()
        self._broadcasts = broadcasts
        self._kie_credits = kie_credits
        decider = DeskDecider(frozenset(models))
        self._shells: Shells[int, DeskState, DeskCommand] = Shells(
            "admin",
            lambda admin: EventSourced(decider, log, admin_stream(admin), state_type=DeskState, snapshot_every=50),
            max_live=100, journal=None,
        )

    async def wants(self, update: Update, meta: UpdateMeta) -> bool:
        """Whether ``update`` is for the desk: an admin's ``/admin`` command, prompt answer or desk button."""
        command = command_for(update, meta)
        if command is None or command.user_id not in self.admin_ids:
            return False
        if isinstance(command, ButtonPressed):
            return is_admin_data(command.data)
        if not isinstance(command, TextReceived):
            return False
        if is_admin_command(command.text):
            return True
        async with self._shells.use(command.user_id) as shell:
            return bool(shell.state.prompt)

    async def route(self, update: Update, meta: UpdateMeta) -> None:
        """Decide an admin's update (one :meth:`wants`), with what the decision needs read first."""
        command = command_for(update, meta)
        desk_command: AdminText | AdminTap
        if isinstance(command, ButtonPressed):
            desk_command = AdminTap(admin_id=command.user_id, chat_id=command.chat_id, cid=meta.cid,
                                    update_id=meta.update_id, ts=meta.ts, language_code=command.language_code,
                                    callback_query_id=command.callback_query_id, data=command.data,
                                    message_id=command.message_id)
        elif isinstance(command, TextReceived):
            desk_command = AdminText(admin_id=command.user_id, chat_id=command.chat_id, cid=meta.cid,
                                     update_id=meta.update_id, ts=meta.ts, language_code=command.language_code,
                                     text=command.text)
        else:
            return
        command_meta = CommandMeta(command_id=meta.event_id, cid=meta.cid, ts=meta.ts, causation=meta.event_id,
                                   chat_id=meta.chat_id, user_id=meta.user_id)
        async with self._shells.use(desk_command.admin_id) as shell:
            state = shell.state
            ask = text_ask(desk_command, state) if isinstance(desk_command, AdminText) else tap_ask(desk_command, state)
            desk_command = await self._with_reads(desk_command, query_of(ask, state))
            executed = await shell.handle(desk_command, command_meta)
        for recorded in executed.events:
            self.blocks.apply(recorded.event)
            self.switches.apply(recorded.event)

    async def _with_reads(self, command: AdminText | AdminTap, query: tuple[str, str] | None) -> AdminText | AdminTap:
        match query:
            case ("profile", target):
                profile = await read_profile(self._log, self._ledger, target, blocked=self.blocks.is_blocked)
                return msgspec.structs.replace(command, profile=profile)
            case ("stats", _):
                stats = await read_stats(self._log, command.ts, self._kie_credits)
                return msgspec.structs.replace(command, stats=stats)
            case ("progress", broadcast_id) if self._broadcasts is not None:
                progress = await self._broadcasts.progress(broadcast_id)
                counts = None if progress is None else BroadcastCounts(
                    recipients=progress.recipients, queued=progress.queued, delivered=progress.delivered,
                    failed=progress.failed, unreachable=progress.unreachable, finished=progress.done)
                return msgspec.structs.replace(command, progress=counts)
        return command

    async def report(self, report: ActionReport, meta: CommandMeta) -> Executed:
        """Hand an admin the outcome of what they asked (``AdminActionReported`` and a message)."""
        async with self._shells.use(report.admin_id) as shell:
            return await shell.handle(report, meta)

    async def state(self, admin_id: int) -> DeskState:
        async with self._shells.use(admin_id) as shell:
            return shell.state

    def statistics(self) -> ShellsStatistics:
        return self._shells.statistics()


def admin_route(desk: AdminDesk, route: Route) -> Route:
    """The router's target with the desk in front: admins' desk updates go to it, the rest to ``route``."""

    async def routed(update: Update, meta: UpdateMeta) -> None:
        if meta.user_id in desk.admin_ids and await desk.wants(update, meta):
            await desk.route(update, meta)
        else:
            await route(update, meta)

    return routed


class AdminRequests(Reacting):
    """What admins asked → the ledger, the refunds, the promo codes, the broadcasts; the outcome → the desk."""

    def __init__(self, log: EventStore, desk: AdminDesk, ledger: Ledger, refunds: Refunds, promos: Promos,
                 broadcasts: Broadcasts) -> None:
        self._desk = desk
        self._ledger = ledger
        self._refunds = refunds
        self._promos = promos
        self._broadcasts = broadcasts
        kinds = (AdjustmentAsked, RefundAsked, PromoCreateAsked, BroadcastAsked)
        self.reactor = Reactor(
            "admin-requests", log, types=[kind.type_name() for kind in kinds], handle=self._handle,
            key=lambda recorded: recorded.stream, max_attempts=None,  # an admin's request is carried out
        )

    async def _handle(self, lane: Hashable, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            outcome = await self._carry_out(recorded)
            if outcome is None:
                continue
            action, operation_id, said, detail, available = outcome
            admin = getattr(recorded.event, "admin_id", 0)
            report = ActionReport(admin_id=admin, chat_id=admin, cid=recorded.cid, ts=recorded.ts, action=action,
                                  operation_id=operation_id, outcome=said, detail=detail, available=available)
            await self._desk.report(report, reaction_meta(recorded, chat_id=admin, user_id=admin, part="report"))

    async def _carry_out(self, recorded: RecordedEvent) -> tuple[str, str, str, str, int] | None:
        """Do what ``recorded`` asks: (action, operation id, the outcome's name, its detail, the balance after)."""
        event = recorded.event
        meta = CommandMeta(command_id=reaction_id(recorded), cid=recorded.cid, ts=recorded.ts,
                           causation=recorded.event_id)
        match event:
            case AdjustmentAsked(user_id=user, adjustment_id=op):
                command = adjustment_for(event)
                executed = await self._ledger.run(command, msgspec.structs.replace(meta, chat_id=user, user_id=user))
                said, detail = _outcome(executed, await self._ledger.state(user), op)
                return "adjustment", op, said, detail, (await self._ledger.balance(user)).available
            case RefundAsked(user_id=user, credit_id=credit_id, amount=amount, refund_id=op):
                executed = await self._refunds.request(user_id=user, credit_id=credit_id, refund_id=op, amount=amount,
                                                       cid=recorded.cid, ts=recorded.ts)
                said, detail = _outcome(executed, await self._ledger.state(user), op)
                return "refund", op, said, detail, (await self._ledger.balance(user)).available
            case PromoCreateAsked(admin_id=admin, code=code, credits=credits, max_uses=uses, expires_at=expires_at):
                created = await self._promos.create(CreatePromo(code=code, credits=credits, expires_at=expires_at,
                                                                max_uses=uses, admin_id=admin, now=recorded.ts),
                                                    msgspec.structs.replace(meta, user_id=admin))
                return "promo", code, type(created).__name__, _reason(created), -1
            case BroadcastAsked(admin_id=admin, broadcast_id=broadcast_id, text=text):
                try:
                    progress = await self._broadcasts.start(broadcast_id, admin, text, recorded.ts, cid=recorded.cid,
                                                            causation=recorded.event_id)
                except BroadcastRefused as refused:
                    return "broadcast", broadcast_id, "BroadcastRefused", str(refused), -1
                return "broadcast", broadcast_id, "BroadcastStarted", f"{progress.recipients}", -1
        return None


def adjustment_for(asked: AdjustmentAsked) -> Credit | Debit:
    """The ledger command an admin's adjustment asks for (``replay`` builds the same)."""
    source = f"admin {asked.admin_id}: {asked.reason}"
    if asked.amount > 0:
        return Credit(user_id=asked.user_id, credit_id=asked.adjustment_id, amount=asked.amount, reason="adjustment",
                      source=source)
    return Debit(user_id=asked.user_id, debit_id=asked.adjustment_id, amount=-asked.amount, reason="adjustment",
                 source=source)


def _outcome(executed: Executed, state: LedgerState, operation_id: str) -> tuple[str, str]:
    """The ledger's answer to an admin's operation: the event it recorded, or (a retry) what its state says."""
    if executed.events:
        event = executed.events[0].event
        return type(event).__name__, _reason(event)
    if operation_id in state.credits:
        return "Credited", ""
    debit = state.debits.get(operation_id)
    if debit is not None:
        return ("Debited", "") if debit == "debited" else ("DebitRejected", "insufficient")
    refund = state.refunds.get(operation_id)
    if refund is not None:
        return ("RefundRejected", "") if refund.status == "rejected" else ("RefundReserved", "")
    return "none", ""


def _reason(event: Event) -> str:
    reason = getattr(event, "reason", "")
    return reason if isinstance(reason, str) else ""
