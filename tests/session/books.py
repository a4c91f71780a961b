"""The user's ledger beside a test chat: the real pure ledger decider, asked and heard as the reactors will.

:class:`Books` turns what a session recorded into ledger commands
(``GenerationRequested`` → ``Reserve``, ``TopUpPaid`` → ``Credit``) and each
ledger event back into the ``LedgerReported`` the chat's session gets, so a
test can check the whole round trip without the log or the shells::

    books = Books(user_id=42, opening=100)
    for command in books.answer(session_events, chat_id=42, cid="c1", ts=0.0):
        chat.send(command)
"""

from __future__ import annotations

from collections.abc import Iterable

from trt_actors.events import Event
from trt_actors.events.ledger import (
    Credited,
    FreeGranted,
    HoldCaptured,
    HoldPlaced,
    HoldRejected,
    HoldVoided,
    LedgerEvent,
    RefundCompleted,
    RefundFailed,
    RefundRejected,
    RefundReserved,
)
from trt_actors.events.session import GenerationRequested, TopUpPaid
from trt_actors.ledger import Credit, LedgerCommand, LedgerDecider, LedgerState, Reserve
from trt_actors.runtime.decider import fold
from trt_actors.session import LedgerReported


class Books:
    """One user's credits, kept by :class:`trt_actors.ledger.LedgerDecider`."""

    def __init__(self, user_id: int, opening: int = 0) -> None:
        self.user_id = user_id
        self.decider = LedgerDecider()
        self.state: LedgerState = self.decider.initial_state()
        self.events: list[Event] = []
        if opening:
            self.run(Credit(user_id=user_id, credit_id="opening", amount=opening, reason="adjustment"))

    def run(self, command: LedgerCommand) -> list[Event]:
        events = list(self.decider.decide(self.state, command))
        self.state = fold(self.decider, self.state, events)
        self.events.extend(events)
        return events

    def asked(self, event: Event) -> LedgerCommand | None:
        """The ledger command a session event asks for, or None."""
        match event:
            case GenerationRequested(confirmation_id=hold_id, credits=amount, quote=quote, expires_at=expires_at,
                                     free_day=free_day, free_per_day=free_per_day):
                return Reserve(user_id=self.user_id, hold_id=hold_id, amount=amount, quote=quote,
                               expires_at=expires_at, free_day=free_day, free_per_day=free_per_day)
            case TopUpPaid(topup_id=topup_id, charge_id=charge_id, stars=stars, credits=amount):
                return Credit(user_id=self.user_id, credit_id=f"topup:{topup_id}", amount=amount, reason="topup",
                              charge_id=charge_id, stars=stars)
        return None

    def answer(self, session_events: Iterable[Event], *, chat_id: int, cid: str, ts: float) -> list[LedgerReported]:
        """Run what ``session_events`` ask for; the reports of every ledger event that follows."""
        reports: list[LedgerReported] = []
        for event in session_events:
            command = self.asked(event)
            if command is not None:
                reports.extend(self.report(done, chat_id=chat_id, cid=cid, ts=ts) for done in self.run(command))
        return reports

    def report(self, event: Event, *, chat_id: int, cid: str, ts: float) -> LedgerReported:
        """What the chat's session hears of ``event``."""
        reason, model_id, stars = "", "", 0
        match event:
            case HoldPlaced(hold_id=op, amount=amount, quote=quote):
                model_id = quote.model_id
            case HoldRejected(hold_id=op, amount=amount, reason=reason) | HoldVoided(
                hold_id=op, amount=amount, reason=reason
            ) | RefundRejected(refund_id=op, amount=amount, reason=reason) | RefundFailed(
                refund_id=op, amount=amount, error=reason
            ):
                pass
            case HoldCaptured(hold_id=op, captured=amount) | RefundReserved(refund_id=op, amount=amount) | (
                RefundCompleted(refund_id=op, amount=amount)
            ):
                pass
            case Credited(credit_id=op, amount=amount, reason=reason, stars=stars):
                pass
            case FreeGranted(grant_id=op, count=amount, reason=reason):
                pass
            case _:
                raise AssertionError(f"the session hears nothing of {event!r}")
        assert isinstance(event, LedgerEvent)
        return LedgerReported(chat_id=chat_id, user_id=self.user_id, cid=cid, update_id=0, ts=ts,
                              event=type(event).__name__, operation_id=op, amount=amount, available=event.available,
                              held=event.held, reason=reason, model_id=model_id, stars=stars)
