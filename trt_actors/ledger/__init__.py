"""The credit ledger's pure core: two-phase holds, credits and refunds, one stream per user. No I/O.

Integer credits only. An order **reserves** its price (a hold), and the hold
resolves exactly once: **captured** (spent, all or part) or **voided**
(released; the ledger voids a hold past its expiry itself). Credits come in
by :class:`Credit` (Stars top-ups, bonuses, admin adjustments) and go out only
through a captured hold or a refund. Every operation has an id, and a retry
under a known id records nothing. The shell that runs this decider over the
log is :class:`trt_actors.actors.ledger.Ledger`; the events are in
:mod:`trt_actors.events.ledger`; :mod:`.audit` checks a whole log.

Example::

    decider = LedgerDecider()
    state = decider.initial_state()
    command = Credit(user_id=7, credit_id="stars:ch_1", amount=550, reason="topup", charge_id="ch_1", stars=250)
    for event in decider.decide(state, command):
        state = decider.evolve(state, event)
    assert state.balance() == Balance(available=550, held=0)

Modules: :mod:`.commands` (what may be asked), :mod:`.state` (the fold),
:mod:`.decider` (the rules), :mod:`.audit` (the auditor's read model) and
:mod:`.audit_report` (what an audit found, as a table, CSV or JSON).
"""

from __future__ import annotations

from trt_actors.ledger.commands import (
    CREDIT_REASONS,
    Capture,
    CompleteRefund,
    Credit,
    DEBIT_REASONS,
    Debit,
    GrantFree,
    Expire,
    FailRefund,
    LedgerCommand,
    Refund,
    Reserve,
    Void,
    quote_of,
)
from trt_actors.ledger.decider import EXPIRED, LedgerDecider
from trt_actors.ledger.state import (
    STREAM_PREFIX,
    Balance,
    CreditEntry,
    HoldEntry,
    LedgerState,
    RefundEntry,
    ledger_stream,
)

__all__ = [
    "CREDIT_REASONS",
    "EXPIRED",
    "STREAM_PREFIX",
    "Balance",
    "Capture",
    "CompleteRefund",
    "Credit",
    "CreditEntry",
    "DEBIT_REASONS",
    "Debit",
    "GrantFree",
    "Expire",
    "FailRefund",
    "HoldEntry",
    "LedgerCommand",
    "LedgerDecider",
    "LedgerState",
    "Refund",
    "RefundEntry",
    "Reserve",
    "Void",
    "ledger_stream",
    "quote_of",
]
