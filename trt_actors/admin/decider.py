"""The admin desk's pure decider: one admin's requests, checked and recorded, each ending in a screen.

``decide(state, command)`` never reads the log, a clock or a random number:
the read models' results (a user's profile, the stats, a broadcast's
progress) arrive as fields of the command (see :func:`query_of`, which says
which one a command needs), and ids are hashes of the ``cid``
(``adj-<h>``, ``admin-<h>`` for a refund, ``b-<h>`` for a broadcast).

What it decides (the events are in :mod:`trt_actors.events.admin`):

* a request that makes sense is recorded naming the admin
  (``AdjustmentAsked``, ``RefundAsked``, ``UserBlocked``, ``UserUnblocked``,
  ``ModelSwitched``, ``PromoCreateAsked``, ``BroadcastPreviewed`` then
  ``BroadcastAsked`` or ``BroadcastDropped``), and so is what was looked at
  (``AdminLookedUp``, ``StatsShown``, ``BroadcastProgressShown``, with the
  result shown);
* bad input records ``AdminInputRejected`` with a reason code and changes
  nothing else: an adjustment or a block without a reason (``no_reason``),
  an amount of 0 or past :data:`MAX_ADJUSTMENT` (``bad_amount``), a debit
  past the balance (``insufficient``), an unknown user, a refund of a payment
  the user does not have (``unknown_payment``), refunded already
  (``refunded``) or whose credits are spent (``spent``), a broadcast in HTML
  Telegram would refuse (``bad_html``), an unknown model, a bad promo code;
* a button press records ``CallbackAccepted`` (``admin.<verb>``) or
  ``CallbackRejected`` (forged or stale data), as the session does; a stale
  one (a broadcast sent or dropped already, a refund button of a profile no
  longer on screen) also records ``AdminInputRejected(stale)``;
* a reaction's report (:class:`ActionReport`) records ``AdminActionReported``
  and tells the admin.

Every command from the admin ends in one ``UiRendered`` (a broadcast's
preview shows the text as users will get it, with the question under it),
dispatch ids ``<cid>/<n>`` (the router gives an update to the desk or to the session, never
both); a report's is ``<cid>/admin.<outcome>.<h>``.

Example::

    decider = DeskDecider()
    events = decider.decide(decider.initial_state(),
                            AdminText(admin_id=7, chat_id=7, cid="c1", update_id=1, ts=0.0, text="/admin"))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from trt_actors.admin import screens
from trt_actors.admin.asks import (
    Adjust,
    Ask,
    Bad,
    Block,
    Broadcast,
    CreateCode,
    Lookup,
    Menu,
    Progress,
    Prompt,
    RefundPayment,
    SendBroadcast,
    Stats,
    Switch,
    Unblock,
    ask_of,
)
from trt_actors.admin.callback_data import AdminTapData, BadAdminData, decode
from trt_actors.admin.commands import ActionReport, AdminTap, AdminText, DeskCommand
from trt_actors.admin.state import DeskState, evolve
from trt_actors.admin.texts import DESK_TEXTS_VERSION, DeskTexts, language_of
from trt_actors.broadcast import html_problem
from trt_actors.events import CallbackAccepted, CallbackRejected, Event, UiRendered
from trt_actors.events.admin import (
    AdjustmentAsked,
    AdminActionReported,
    AdminInputRejected,
    AdminLookedUp,
    AdminPrompted,
    BroadcastAsked,
    BroadcastDropped,
    BroadcastPreviewed,
    BroadcastProgressShown,
    ModelSwitched,
    PaymentLine,
    PromoCreateAsked,
    RefundAsked,
    ModelSwitched,
    StatsShown,
    UserBlocked,
    UserProfile,
    UserUnblocked,
)
from trt_actors.promo import MAX_PROMO_CREDITS, MAX_PROMO_USES, normalise_code
from trt_actors.session.turn import short_hash

__all__ = [
    "INPUT_REJECTIONS",
    "MAX_ADJUSTMENT",
    "MAX_PROMO_DAYS",
    "DeskDecider",
    "Forged",
    "query_of",
    "tap_ask",
    "text_ask",
]

MAX_ADJUSTMENT: Final = 1_000_000
"""The most credits one adjustment may move either way."""

MAX_PROMO_DAYS: Final = 3650

INPUT_REJECTIONS: Final = frozenset({
    "no_reason", "bad_amount", "unknown_user", "unknown_payment", "refunded", "spent", "insufficient", "bad_html",
    "unknown_model", "bad_code", "bad_promo", "malformed", "stale", "unknown_command", "no_prompt",
})
"""Every ``AdminInputRejected.reason_code`` the desk records."""

_USER_PROMPTS: Final = frozenset({"adjust", "block"})


@dataclass(frozen=True)
class Forged:
    """Button data that is not the desk's (``reason_code`` as ``CallbackRejected`` records it)."""

    reason_code: str


def _tap_ask(state: DeskState, tap: AdminTapData) -> Ask:
    """What a well-formed button asks in ``state``; ``Bad("stale")`` for a button of a screen gone by."""
    match tap.verb:
        case "m" | "x":
            return Menu()
        case "lk":
            return Prompt("lookup")
        case "st":
            return Stats()
        case "md":
            return Prompt("model")
        case "pr":
            return Prompt("promo")
        case "bc":
            return Prompt("broadcast")
        case "u":
            return Lookup(tap.arg)
        case "aj":
            return Prompt("adjust", int(tap.arg))
        case "bl":
            return Prompt("block", int(tap.arg))
        case "ub":
            return Unblock(user_id=int(tap.arg), reason="")
        case "rf":
            if state.profile is None or int(tap.arg) >= len(state.profile.payments):
                return Bad("stale", tap.arg)
            return RefundPayment(user_id=state.profile.user_id, index=int(tap.arg))
        case "bo" | "bx":
            if tap.arg != state.preview:
                return Bad("stale", tap.arg)
            return SendBroadcast(tap.arg, send=tap.verb == "bo")
        case "bp":
            return Progress(tap.arg)
    return Bad("stale", tap.verb)


def text_ask(command: AdminText, state: DeskState) -> Ask:
    """What an admin's text asks in ``state`` (an ``/admin`` command or the open prompt's answer)."""
    return ask_of(command.text, state.prompt, state.subject)


def tap_ask(command: AdminTap, state: DeskState) -> Ask | Forged:
    """What an admin's button asks in ``state``: :class:`Forged` for data that is not the desk's."""
    try:
        return _tap_ask(state, decode(command.data))
    except BadAdminData as bad:
        return Forged(bad.reason_code)


def query_of(ask: Ask | Forged, state: DeskState) -> tuple[str, str] | None:
    """The read model ``ask`` needs before it is decided: ``("profile", target)``, ``("stats", "")`` or
    ``("progress", broadcast_id)``; None when it needs none. Pure, like the decider."""
    match ask:
        case Lookup(target=target):
            return "profile", target
        case Adjust(user_id=user) | Block(user_id=user) | Unblock(user_id=user) | RefundPayment(user_id=user):
            return "profile", str(user)
        case Stats():
            return "stats", ""
        case Progress(broadcast_id=broadcast_id):
            return "progress", broadcast_id
    return None


class _Turn:
    """One command's events, folded as they are recorded, and its screens."""

    def __init__(self, state: DeskState, command: DeskCommand) -> None:
        self.state = state
        self.command = command
        self.events: list[Event] = []
        self.notice = ""
        self.rendered = 0

    @property
    def texts(self) -> DeskTexts:
        return DeskTexts.of(self.state.language or "ru")

    @property
    def admin(self) -> int:
        return self.command.admin_id

    def record(self, *events: Event) -> None:
        for event in events:
            self.events.append(event)
            self.state = evolve(self.state, event)

    def close_prompt(self) -> None:
        if self.state.prompt:
            self.record(AdminPrompted(prompt=""))

    def reject(self, reason_code: str, detail: str = "", **args: object) -> None:
        self.record(AdminInputRejected(admin_id=self.admin, reason_code=reason_code, detail=detail[:200]))
        self.notice = self.texts.say(f"reject.{reason_code}", detail=detail[:200], **args)

    def here(self) -> screens.Drawn:
        """The screen the desk is on: the open prompt, else the menu (with the notice above)."""
        if self.state.prompt:
            return screens.prompt(self.texts, self.state.prompt, self.state.subject, self.notice)
        return screens.menu(self.texts, self.notice)

    def show(self, drawn: screens.Drawn, *, edit: bool = True) -> list[Event]:
        command = self.command
        if isinstance(command, ActionReport):
            dispatch = f"{command.cid}/admin.{command.outcome}.{short_hash(command.operation_id)}"
            edit_id = None
        else:
            dispatch = f"{command.cid}/{self.rendered}"
            edit_id = command.message_id if isinstance(command, AdminTap) and edit else None
        self.rendered += 1
        self.record(UiRendered(screen=drawn.screen, dispatch_id=dispatch, text=str(drawn.text),  # not Markup
                               buttons=drawn.buttons, edit_message_id=edit_id, texts_version=DESK_TEXTS_VERSION))
        return self.events


class DeskDecider:
    """The decider of one admin's desk (see the module docstring); ``models`` are the ids it may switch."""

    def __init__(self, models: frozenset[str] = frozenset()) -> None:
        self.models = models

    def initial_state(self) -> DeskState:
        return DeskState()

    def evolve(self, state: DeskState, event: Event) -> DeskState:
        return evolve(state, event)

    def decide(self, state: DeskState, command: DeskCommand) -> list[Event]:
        turn = _Turn(state, command)
        if isinstance(command, ActionReport):
            return _report(turn, command)
        language = language_of(command.language_code)
        if language != state.language:
            turn.record(AdminPrompted(prompt=state.prompt, user_id=state.subject, language=language))
        if isinstance(command, AdminText):
            return _decide(turn, text_ask(command, turn.state), self.models)
        ask = tap_ask(command, turn.state)
        if isinstance(ask, Forged):
            turn.record(CallbackRejected(reason_code=ask.reason_code, data=command.data[:64]))
            return turn.show(screens.menu(turn.texts))
        if isinstance(ask, Bad) and ask.reason_code == "stale":
            turn.record(CallbackRejected(reason_code="stale", data=command.data[:64]))
        else:
            turn.record(CallbackAccepted(action=f"admin.{decode(command.data).verb}"))
        return _decide(turn, ask, self.models)

    def crashed(self, state: DeskState, command: DeskCommand) -> list[Event]:
        """What the admin is told when :meth:`decide` has a bug: the menu under a notice (a report: nothing)."""
        if isinstance(command, ActionReport):
            return []
        turn = _Turn(state, command)
        return turn.show(screens.menu(turn.texts, turn.texts.say("crash.notice")), edit=False)


def _decide(turn: _Turn, ask: Ask, models: frozenset[str]) -> list[Event]:
    command = turn.command
    assert not isinstance(command, ActionReport)
    texts, admin = turn.texts, turn.admin
    match ask:
        case Menu():
            turn.close_prompt()
            return turn.show(screens.menu(texts))
        case Prompt(prompt=name, subject=subject):
            turn.record(AdminPrompted(prompt=name, user_id=subject))
            return turn.show(screens.prompt(texts, name, subject))
        case Lookup(target=target):
            profile = _known(turn, command.profile, target)
            if profile is None:
                return turn.show(turn.here())
            turn.record(AdminLookedUp(admin_id=admin, target=target, profile=profile))
            turn.close_prompt()
            return turn.show(screens.profile(texts, profile))
        case Stats():
            if command.stats is None:
                turn.reject("malformed", "no stats")
                return turn.show(turn.here())
            turn.record(StatsShown(admin_id=admin, stats=command.stats))
            return turn.show(screens.stats(texts, command.stats))
        case Adjust():
            return _adjust(turn, ask)
        case RefundPayment():
            return _refund(turn, ask)
        case Block(user_id=user, reason=reason):
            if not reason:
                turn.reject("no_reason", str(user))
            elif _known(turn, command.profile, str(user)) is not None:
                turn.record(UserBlocked(admin_id=admin, user_id=user, reason=reason))
                turn.close_prompt()
                return turn.show(screens.note(texts, texts.say("asked.block", user=user, reason=reason), user=user))
            return turn.show(turn.here())
        case Unblock(user_id=user, reason=reason):
            if _known(turn, command.profile, str(user)) is None:
                return turn.show(turn.here())
            turn.record(UserUnblocked(admin_id=admin, user_id=user, reason=reason))
            return turn.show(screens.note(texts, texts.say("asked.unblock", user=user), user=user))
        case Switch(model_id=model_id, enabled=enabled):
            if model_id not in models:
                turn.reject("unknown_model", model_id)
                return turn.show(turn.here())
            turn.record(ModelSwitched(admin_id=admin, model_id=model_id, enabled=enabled))
            turn.close_prompt()
            key = "asked.model_on" if enabled else "asked.model_off"
            return turn.show(screens.note(texts, texts.say(key, model=model_id)))
        case CreateCode():
            return _promo(turn, ask)
        case Broadcast(text=text):
            problem = html_problem(text)
            if problem is not None:
                turn.reject("bad_html", problem)
                return turn.show(turn.here())
            broadcast_id = f"b-{short_hash(command.cid)}"
            turn.record(BroadcastPreviewed(admin_id=admin, broadcast_id=broadcast_id, text=text))
            turn.close_prompt()
            return turn.show(screens.preview(texts, broadcast_id, text), edit=False)
        case SendBroadcast(broadcast_id=broadcast_id, send=True):
            turn.record(BroadcastAsked(admin_id=admin, broadcast_id=broadcast_id, text=turn.state.preview_text))
            return turn.show(screens.note(texts, texts.say("asked.broadcast", id=broadcast_id),
                                          broadcast=broadcast_id))
        case SendBroadcast(broadcast_id=broadcast_id, send=False):
            turn.record(BroadcastDropped(admin_id=admin, broadcast_id=broadcast_id))
            return turn.show(screens.note(texts, texts.say("asked.dropped", id=broadcast_id)))
        case Progress(broadcast_id=broadcast_id):
            turn.record(BroadcastProgressShown(admin_id=admin, broadcast_id=broadcast_id, counts=command.progress))
            return turn.show(screens.progress(texts, broadcast_id, command.progress))
        case Bad(reason_code=reason_code, detail=detail):
            turn.reject(reason_code, detail)
            return turn.show(turn.here())
    raise AssertionError(f"no rule for {ask!r}")


def _known(turn: _Turn, profile: UserProfile | None, target: str) -> UserProfile | None:
    """The profile when the read model found the user; else the refusal is recorded and None returned."""
    if profile is None or not profile.found:
        turn.reject("unknown_user", target)
        return None
    return profile


def _adjust(turn: _Turn, ask: Adjust) -> list[Event]:
    command, texts = turn.command, turn.texts
    assert not isinstance(command, ActionReport)
    if not ask.reason:
        turn.reject("no_reason", f"{ask.amount:+d}")
    elif ask.amount == 0 or abs(ask.amount) > MAX_ADJUSTMENT:
        turn.reject("bad_amount", str(ask.amount))
    elif (profile := _known(turn, command.profile, str(ask.user_id))) is None:
        pass
    elif ask.amount < 0 and -ask.amount > profile.available:
        turn.reject("insufficient", str(profile.available), user=ask.user_id)
    else:
        turn.record(AdjustmentAsked(admin_id=turn.admin, user_id=ask.user_id, amount=ask.amount, reason=ask.reason,
                                    adjustment_id=f"adj-{short_hash(command.cid)}"))
        turn.close_prompt()
        return turn.show(screens.note(texts, texts.say("asked.adjust", user=ask.user_id, amount=f"{ask.amount:+d}",
                                                       reason=ask.reason), user=ask.user_id))
    return turn.show(turn.here())


def _payment(profile: UserProfile, ask: RefundPayment) -> PaymentLine | None:
    if ask.credit_id:
        return next((payment for payment in profile.payments if payment.credit_id == ask.credit_id), None)
    return profile.payments[ask.index] if 0 <= ask.index < len(profile.payments) else None


def _refund(turn: _Turn, ask: RefundPayment) -> list[Event]:
    command, texts = turn.command, turn.texts
    assert not isinstance(command, ActionReport)
    profile = _known(turn, command.profile, str(ask.user_id))
    if profile is None:
        return turn.show(turn.here())
    payment = _payment(profile, ask)
    named = ask.credit_id or f"#{ask.index + 1}"
    if payment is None:
        turn.reject("unknown_payment", named, user=ask.user_id)
    elif payment.refunded:
        turn.reject("refunded", payment.credit_id)
    elif payment.credits > profile.available:
        turn.reject("spent", payment.credit_id)
    else:
        turn.record(RefundAsked(admin_id=turn.admin, user_id=ask.user_id, credit_id=payment.credit_id,
                                amount=payment.credits, refund_id=f"admin-{short_hash(command.cid)}"))
        return turn.show(screens.note(texts, texts.say("asked.refund", credit_id=payment.credit_id,
                                                       credits=payment.credits, user=ask.user_id),
                                      user=ask.user_id))
    return turn.show(screens.note(texts, turn.notice, user=ask.user_id))


def _promo(turn: _Turn, ask: CreateCode) -> list[Event]:
    command, texts = turn.command, turn.texts
    assert not isinstance(command, ActionReport)
    code = normalise_code(ask.code)
    if code is None:
        turn.reject("bad_code", ask.code)
    elif not (1 <= ask.credits <= MAX_PROMO_CREDITS and 1 <= ask.max_uses <= MAX_PROMO_USES
              and 1 <= ask.days <= MAX_PROMO_DAYS):
        turn.reject("bad_promo", f"{ask.credits} {ask.max_uses} {ask.days}")
    else:
        turn.record(PromoCreateAsked(admin_id=turn.admin, code=code, credits=ask.credits, max_uses=ask.max_uses,
                                     expires_at=command.ts + ask.days * 86_400.0))
        turn.close_prompt()
        return turn.show(screens.note(texts, texts.say("asked.promo", code=code, credits=ask.credits,
                                                       uses=ask.max_uses, days=ask.days)))
    return turn.show(turn.here())


def _report(turn: _Turn, report: ActionReport) -> list[Event]:
    turn.record(AdminActionReported(admin_id=report.admin_id, action=report.action,
                                    operation_id=report.operation_id, outcome=report.outcome, detail=report.detail,
                                    available=report.available))
    texts = turn.texts
    key = f"report.{report.outcome}"
    if texts.has(key):
        text = texts.say(key, id=report.operation_id, detail=report.detail, available=report.available)
    else:
        text = texts.say("report.other", action=report.action, id=report.operation_id, outcome=report.outcome,
                         detail=report.detail)
    return turn.show(screens.note(texts, text, broadcast=report.operation_id if report.action == "broadcast" else ""))
