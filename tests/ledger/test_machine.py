"""A random ledger for a long time, decider and shell together, on a real SQLite log that restarts.

The machine drives two users' ledgers through :class:`Ledger` with random
top-ups (each paid by a recorded Stars update, some paid twice), bonuses, admin debits,
reserves, full and partial captures (some beyond the hold), voids, captures
and voids of unknown holds, the clock moving on (every user's expired holds
voided), refunds and their outcomes, malformed commands, retries of any
earlier command (under its own command id, or a new one with the same
operation id), and restarts of the log and the ledger (with other memory
bounds and snapshot intervals) in between.

Beside it runs the pure decider alone (the model): every command must record
exactly what the model decides, and a retry of a command that recorded must
record nothing. After every step: the shell's state, the stream in the log and
the fold of the whole log all equal the model; each user's books add up
(available = credited − captured − held − refunded − debited ≥ 0, held is the sum of
the pending holds); and the audit of the whole log passes.

Hypothesis's state machines are synchronous and the ledger is not, so the
ledger lives in a trio loop on a thread of its own (:class:`TrioThread`).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TypeVar

import trio
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from eventlog import NewEvent, RecordedEvent, SQLiteEventLog
from tests.ledger.support import job_ended, payment, quote, read_all
from trt_actors.actors.ledger import Ledger
from trt_actors.events import CODEC, Event
from trt_actors.events.admin import AdjustmentAsked
from trt_actors.ledger import (
    Capture,
    CompleteRefund,
    Credit,
    Debit,
    Expire,
    FailRefund,
    LedgerCommand,
    LedgerDecider,
    LedgerState,
    Refund,
    Reserve,
    Void,
    ledger_stream,
)
from trt_actors.ledger.audit import audit
from trt_actors.runtime import CommandMeta, CommandRejected, Executed, fold

T = TypeVar("T")

USERS = (1, 2)
T0 = 1_700_000_000.0
DECIDER = LedgerDecider()

users = st.sampled_from(USERS)
choices = st.integers(min_value=0, max_value=1_000)


class TrioThread:
    """A trio loop on its own thread: :meth:`run` calls an async function there and waits for its result."""

    def __init__(self) -> None:
        started = threading.Event()
        self._thread = threading.Thread(target=trio.run, args=(self._main, started), daemon=True)
        self._thread.start()
        started.wait()

    async def _main(self, started: threading.Event) -> None:
        self._token = trio.lowlevel.current_trio_token()
        self._stop = trio.Event()
        started.set()
        await self._stop.wait()

    def run(self, function: Callable[[], Awaitable[T]]) -> T:
        return trio.from_thread.run(function, trio_token=self._token)

    def close(self) -> None:
        trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
        self._thread.join()


def check_books(state: LedgerState) -> None:
    """What a user's ledger must add up to, recomputed from its entries."""
    holds = state.holds.values()
    live_refunds = [refund for refund in state.refunds.values() if refund.status in ("reserved", "completed")]
    assert state.held == sum(hold.amount for hold in holds if hold.status == "pending")
    assert state.captured == sum(hold.captured for hold in holds)
    assert all(0 < hold.captured <= hold.amount for hold in holds if hold.status == "captured")
    assert state.credited == sum(credit.amount for credit in state.credits.values())
    assert state.refunded == sum(refund.amount for refund in live_refunds)
    for credit_id, credit in state.credits.items():
        assert credit.refunded == sum(refund.amount for refund in live_refunds if refund.credit_id == credit_id)
        assert 0 <= credit.refunded <= credit.amount
    assert set(state.debits.values()) <= {"debited", "rejected"}
    assert state.available == state.credited - state.captured - state.held - state.refunded - state.debited >= 0


class RandomLedger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.TemporaryDirectory()
        self.path = Path(self.directory.name) / "ledger.sqlite3"
        self.loop = TrioThread()
        self.stack: AsyncExitStack | None = None
        self.now = T0
        self.steps = 0
        self.model = {user: DECIDER.initial_state() for user in USERS}
        self.recorded: dict[int, list[Event]] = {user: [] for user in USERS}
        self.appended: set[tuple[int, str]] = set()
        self.issued: list[tuple[LedgerCommand, CommandMeta]] = []
        self.top_ups: list[tuple[int, str, int]] = []
        self.loop.run(lambda: self._open(max_live=100, snapshot_every=100))

    # -- the ledger on its thread ----------------------------------------------------------

    async def _open(self, *, max_live: int, snapshot_every: int) -> None:
        self.stack = AsyncExitStack()
        self.log = await self.stack.enter_async_context(SQLiteEventLog.open(self.path, codec=CODEC))
        self.ledger = await self.stack.enter_async_context(
            Ledger.open(self.log, max_live=max_live, snapshot_every=snapshot_every)
        )

    async def _close(self) -> None:
        if self.stack is not None:
            await self.stack.aclose()
            self.stack = None

    def teardown(self) -> None:
        try:
            self.loop.run(self._close)
        finally:
            self.loop.close()
            self.directory.cleanup()

    def execute(self, command: LedgerCommand, meta: CommandMeta | None = None) -> None:
        """Run ``command`` through the shell and check it recorded what the model decides."""
        self.steps += 1
        if meta is None:
            meta = CommandMeta(command_id=f"cmd-{self.steps}", cid=f"c{self.steps}", ts=self.now)
        self.issued.append((command, meta))
        user = command.user_id
        key = (user, meta.command_id)
        expected: list[Event] | CommandRejected
        try:
            expected = [] if key in self.appended else list(DECIDER.decide(self.model[user], command))
        except CommandRejected as refusal:
            expected = refusal

        async def run() -> Executed | CommandRejected:
            try:
                return await self.ledger.run(command, meta)
            except CommandRejected as refusal:
                return refusal

        got = self.loop.run(run)
        if isinstance(expected, CommandRejected):
            assert isinstance(got, CommandRejected) and got.reason == expected.reason, (got, expected)
            event(f"refused: {expected.reason}")
            return
        assert isinstance(got, Executed), got
        assert [recorded.event for recorded in got.events] == expected
        for recorded in got.events:
            assert (recorded.stream, recorded.cid, recorded.causation) == (ledger_stream(user), meta.cid, meta.causation)
            assert recorded.user_id == user
        for outcome in [decided.type_name() for decided in expected] or ["nothing"]:
            event(f"{type(command).__name__}: {outcome}")
        self.model[user] = fold(DECIDER, self.model[user], expected)
        self.recorded[user].extend(expected)
        if expected:
            self.appended.add(key)

    # -- rules ---------------------------------------------------------------------------------

    @initialize(grants=st.lists(st.integers(min_value=0, max_value=300), min_size=len(USERS), max_size=len(USERS)))
    def welcome(self, grants: list[int]) -> None:
        """New users start with a welcome grant (or none: 0 credits)."""
        for user, amount in zip(USERS, grants, strict=True):
            if amount:
                self.execute(Credit(user_id=user, credit_id=f"welcome:{user}", amount=amount, reason="welcome"))

    @rule(user=users, stars=st.sampled_from([50, 250, 1000]), twice=st.booleans())
    def top_up(self, user: int, stars: int, twice: bool) -> None:
        """A Stars payment is recorded as an update, then credited; Telegram may deliver the payment twice."""
        charge = f"ch-{self.steps}"
        credits = stars * 2 + stars // 10
        for delivery in range(2 if twice else 1):
            self.steps += 1
            update = payment(user, self.steps, charge, stars, ts=self.now)
            self.loop.run(lambda: self.log.append([update]))
            command = Credit(user_id=user, credit_id=f"stars:{charge}:{delivery}", amount=credits, reason="topup",
                             source=f"{stars} Stars", charge_id=charge, stars=stars)
            meta = CommandMeta(command_id=f"pay-{self.steps}", cid=update.cid, ts=self.now, causation=update.event_id)
            self.execute(command, meta)
        self.top_ups.append((user, f"stars:{charge}:0", credits))

    @rule(user=users, amount=st.integers(min_value=1, max_value=60),
          reason=st.sampled_from(["welcome", "adjustment"]))
    def bonus(self, user: int, amount: int, reason: str) -> None:
        """Credits from us (a referral bonus needs a top-up as its cause: see the referral tests; an adjustment,
        an admin's request)."""
        credit_id = f"{reason}:{self.steps}"
        meta = self._asked_by_admin(user, amount, credit_id) if reason == "adjustment" else None
        self.execute(Credit(user_id=user, credit_id=credit_id, amount=amount, reason=reason), meta)

    @rule(user=users, amount=st.integers(min_value=1, max_value=200))
    def debit(self, user: int, amount: int) -> None:
        """An admin takes credits out (refused past the balance)."""
        debit_id = f"debit:{self.steps}"
        self.execute(Debit(user_id=user, debit_id=debit_id, amount=amount, reason="adjustment", source="admin 7"),
                     self._asked_by_admin(user, -amount, debit_id))

    def _asked_by_admin(self, user: int, amount: int, adjustment_id: str) -> CommandMeta:
        """The meta of an adjustment caused by an admin's recorded ``AdjustmentAsked`` (the audit requires it)."""
        asked = NewEvent(event_id=f"admin:7/{adjustment_id}/0", stream="admin:7", cid=f"a{self.steps}", ts=self.now,
                         event=AdjustmentAsked(admin_id=7, user_id=user, amount=amount, reason="goodwill",
                                               adjustment_id=adjustment_id))
        self.loop.run(lambda: self.log.append([asked]))
        return CommandMeta(command_id=f"adjust-{self.steps}", cid=asked.cid, ts=self.now, causation=asked.event_id)

    @rule(user=users, amount=st.integers(min_value=1, max_value=120), ttl=st.integers(min_value=1, max_value=600))
    def reserve(self, user: int, amount: int, ttl: int) -> None:
        self.execute(Reserve(user_id=user, hold_id=f"h{self.steps}", amount=amount, quote=quote(amount),
                             expires_at=self.now + ttl))

    def _hold(self, choice: int) -> tuple[int, str, int]:
        """Mostly a pending hold of some user; now and then one in any state, or one nobody placed."""
        pending = [(user, hold_id, hold.amount) for user in USERS
                   for hold_id, hold in self.model[user].pending().items()]
        every = [(user, hold_id, hold.amount) for user in USERS for hold_id, hold in self.model[user].holds.items()]
        holds = pending if pending and choice % 3 else every
        if not holds or choice % 11 == 0:
            return USERS[choice % len(USERS)], "ghost", 10
        return holds[choice % len(holds)]

    @rule(choice=choices,
          over=st.one_of(st.just(0), st.integers(min_value=-200, max_value=-1), st.integers(min_value=1, max_value=3)))
    def capture(self, choice: int, over: int) -> None:
        """Capture all of a hold (``over`` = 0), less (negative: the rest is released) or more (refused)."""
        user, hold_id, amount = self._hold(choice)
        self.execute(Capture(user_id=user, hold_id=hold_id, amount=max(1, amount + over)), self._asked(user, hold_id,
                                                                                                   amount, True))

    @rule(choice=choices, reason=st.sampled_from(["failed", "cancelled", "timeout"]))
    def void(self, choice: int, reason: str) -> None:
        user, hold_id, amount = self._hold(choice)
        self.execute(Void(user_id=user, hold_id=hold_id, reason=reason), self._asked(user, hold_id, amount, False))

    def _asked(self, user: int, hold_id: str, amount: int, succeeded: bool) -> CommandMeta:
        """The meta of a capture or void asked by the hold's job, which ended as ``succeeded`` says (the audit
        accepts no other cause)."""
        self.steps += 1
        ask = self.loop.run(lambda: job_ended(self.log, user, hold_id, amount, succeeded=succeeded, ts=self.now))
        return CommandMeta(command_id=f"cmd-{self.steps}", cid=f"c{self.steps}", ts=self.now, causation=ask)

    @rule(seconds=st.integers(min_value=0, max_value=400))
    def time_passes(self, seconds: int) -> None:
        """The clock moves on and every user's ledger voids what expired (one id per user and moment)."""
        self.now += seconds
        for user in USERS:
            meta = CommandMeta(command_id=f"expire:{self.now}", cid=f"expire:{self.now}", ts=self.now)
            self.execute(Expire(user_id=user, now=self.now), meta)

    @rule(choice=choices, less=st.integers(min_value=-5, max_value=200))
    def refund(self, choice: int, less: int) -> None:
        """Refund (part of) a top-up; refused when spent, or beyond what the top-up has left."""
        if self.top_ups:
            user, credit_id, credits = self.top_ups[choice % len(self.top_ups)]
            self.execute(Refund(user_id=user, refund_id=f"r{self.steps}", credit_id=credit_id,
                                amount=max(1, credits - less)))

    @rule(choice=choices, completed=st.booleans())
    def refund_outcome(self, choice: int, completed: bool) -> None:
        """Telegram's answer to a refund, for any refund (one not reserved is refused)."""
        refunds = [(user, refund_id) for user in USERS for refund_id in self.model[user].refunds]
        if refunds:
            user, refund_id = refunds[choice % len(refunds)]
            command: LedgerCommand = (
                CompleteRefund(user_id=user, refund_id=refund_id) if completed
                else FailRefund(user_id=user, refund_id=refund_id, error="REFUND_FAILED")
            )
            self.execute(command)

    @rule(user=users, which=st.integers(min_value=0, max_value=3))
    def malformed(self, user: int, which: int) -> None:
        """A command no caller should send: refused, nothing recorded."""
        commands: list[LedgerCommand] = [
            Capture(user_id=user, hold_id="h1", amount=0),
            Credit(user_id=user, credit_id="x", amount=5, reason="topup"),
            Reserve(user_id=user, hold_id="x", amount=5, quote=quote(6), expires_at=self.now + 9),
            CompleteRefund(user_id=user, refund_id="never"),
        ]
        self.execute(commands[which])

    @rule(choice=choices, same_command=st.booleans())
    def retry(self, choice: int, same_command: bool) -> None:
        """An earlier command again: redelivered (same command id) or asked again (same operation id)."""
        if self.issued:
            command, meta = self.issued[choice % len(self.issued)]
            self.execute(command, meta if same_command else None)

    @rule(max_live=st.sampled_from([1, 2, 100]), snapshot_every=st.sampled_from([1, 3, 100]))
    def restart(self, max_live: int, snapshot_every: int) -> None:
        """Close the ledger and the log, open them again: every user is rebuilt from snapshot and stream."""
        self.loop.run(self._close)
        self.loop.run(lambda: self._open(max_live=max_live, snapshot_every=snapshot_every))

    # -- after every step ----------------------------------------------------------------------

    async def _read(self) -> tuple[dict[int, LedgerState], dict[int, list[RecordedEvent]], list[RecordedEvent]]:
        states = {user: await self.ledger.state(user) for user in USERS}
        streams = {user: await self.log.read_stream(ledger_stream(user)) for user in USERS}
        return states, streams, await read_all(self.log)

    @invariant()
    def the_books_close(self) -> None:
        states, streams, log = self.loop.run(self._read)
        for user in USERS:
            model = self.model[user]
            assert states[user] == model
            assert [recorded.event for recorded in streams[user]] == self.recorded[user]
            mine = [recorded.event for recorded in log if recorded.stream == ledger_stream(user)]
            assert fold(DECIDER, DECIDER.initial_state(), mine) == model
            check_books(model)
        report = audit(log, now=self.now)
        assert report.passed, [violation.line() for violation in report.violations]


RandomLedger.TestCase.settings = settings(
    max_examples=100, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestRandomLedger = RandomLedger.TestCase
