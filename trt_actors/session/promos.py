"""Promo codes in the session: a code entered (``PromoEntered``), and its answer heard (``PromoAnswered``). Pure.

A code is checked where it enters: :func:`trt_actors.promo.normalise_code`
takes 3 to 32 letters, digits, ``_`` and ``-`` (any case). Anything else (odd
characters, 10 kB of text) is ``MessageRejected(bad_promo_code)`` with a
notice, and asks the promo codes nothing. A good code is recorded as
``PromoEntered``; a durable reactor asks the code's own stream to redeem it
(:mod:`trt_actors.actors.promo_reactions`), and the decision comes back as
``PromoReported``: a refusal (unknown, expired, used up, already used) is said
as a new message, a redemption is said by the ledger's credit that follows it
("🎟 Promo code SPRING: +50 credits").
"""

from __future__ import annotations

from trt_actors.events import Event
from trt_actors.events.promo import PromoEntered
from trt_actors.events.session import PromoAnswered
from trt_actors.promo import normalise_code
from trt_actors.session.commands import PromoReported
from trt_actors.session.promo_screens import promo_refused
from trt_actors.session.state import report_key
from trt_actors.session.turn import Turn
from trt_actors.session.wizard import Problem

__all__ = ["enter_code", "promo_report"]


def enter_code(turn: Turn, text: str) -> list[Event]:
    """The user typed ``text`` as a promo code: ask for it, or say why it cannot be one."""
    code = normalise_code(text)
    if code is None:
        turn.refuse(Problem("notice.bad_promo_code", "bad_promo_code"), detail=text)
        if turn.state.screen != "promo":
            turn.open("promo")
        return turn.show()
    turn.record(PromoEntered(code=code))
    turn.say("notice.promo_checking", code=code)
    turn.open("balance")
    return turn.show()


def promo_report(turn: Turn, command: PromoReported) -> list[Event]:
    """The code's answer: recorded once; a refusal is said, a redemption is left to the ledger's credit."""
    if report_key("PromoAnswered", command.operation_id) in turn.state.reported:
        return []
    turn.record(PromoAnswered(code=command.code, outcome=command.outcome, operation_id=command.operation_id,
                              reason=command.reason, credits=command.credits))
    if command.outcome == "redeemed":
        return turn.events
    return turn.show(draw=lambda canvas: promo_refused(canvas, command.code, command.reason))
