"""Drawing money: the balance with its ledger entries, the Stars packages, an order's hold, the ledger's news. Pure.

Amounts on the balance screen are the ledger's as the session recorded them
(``BalanceSeen``), never computed here. Each entry reads as its reason in
words ("Nano Banana, 1K: −18 reserved", "Top-up 250 ⭐: +550", "Refund:
failed job: +18"); an order is named by its model and the values its price
depends on.
"""

from __future__ import annotations

import time
from typing import Final

from registry import Model
from registry.quotes import price_params
from trt_actors.events import Button
from trt_actors.events.session import Param
from trt_actors.session.callback_data import (
    BuyPackage,
    OpenBalance,
    OpenHistory,
    OpenMenu,
    OpenPromo,
    OpenTopUp,
    Repeat,
    Resend,
    ResumeDraft,
    WhyPrice,
)
from trt_actors.session.canvas import Canvas, Rendered, Rows
from trt_actors.session.state import Draft, Entry, Request
from trt_actors.session.texts import Markup

__all__ = [
    "balance", "failure_reason", "history", "ledger_note", "order", "order_name", "priced_params", "topup",
    "void_reason", "why_price",
]

MINUS: Final = "\u2212"

_ORDER_KEYS: Final = {
    "requested": "order.reserving", "placed": "order.reserved", "rejected": "order.rejected",
    "captured": "order.charged", "voided": "order.released",
}
_CREDIT_KEYS: Final = {"topup": "entry.topup", "welcome": "entry.welcome", "referral": "entry.referral",
                       "adjustment": "entry.adjustment", "promo": "entry.promo"}
_ENTRY_KEYS: Final = {"Debited": "entry.debited", "FreeGranted": "entry.free_granted", "HoldPlaced": "entry.hold", "HoldCaptured": "entry.captured", "HoldVoided": "entry.voided",
                      "RefundReserved": "entry.refund_reserved", "RefundCompleted": "entry.refund_completed",
                      "RefundFailed": "entry.refund_failed"}
_VOID_REASONS: Final = ("failed", "expired", "cancelled")
_FAILURE_REASONS: Final = frozenset({
    "generation_failed", "rejected_input", "model_disabled", "kie_balance_empty", "kie_unavailable", "task_lost",
    "empty_result", "deadline", "unsubmitted",
})
HISTORY_BUTTONS: Final = 5
"""How many of the newest orders /history offers to send again or repeat."""


def _model(canvas: Canvas, model_id: str) -> Model | None:
    try:
        return canvas.registry.model(model_id)
    except KeyError:
        return None


def priced_params(model: Model, draft: Draft) -> tuple[Param, ...]:
    """The values ``draft``'s price depends on (texts excepted: their length is no name), defaults filled in."""
    priced = []
    for name in price_params(model):
        field = model.field(name)
        if field is None or field.ask == "text":
            continue
        value = draft.value(name)
        value = field.default if value is None else value
        if value is not None:
            priced.append(Param(name=name, value=value))
    return tuple(priced)


def order_name(canvas: Canvas, model_id: str, params: tuple[Param, ...] = ()) -> str:
    """"Nano Banana, 1K": the model's name and the values that priced the order (plain text)."""
    model = _model(canvas, model_id)
    if model is None:
        return model_id or canvas.texts.plain("entry.order")
    name = model.name.en if canvas.texts.language == "en" else model.name.ru
    return ", ".join((name, *(canvas.texts.value(param.name, param.value) for param in params)))


def _continue_row(canvas: Canvas) -> tuple[Button, ...]:
    """"Continue: <model>" when a draft waits (one the ledger refused, say), else nothing."""
    draft = canvas.state.draft
    model = _model(canvas, draft.model_id) if draft is not None else None
    if draft is None or model is None:
        return ()
    return (canvas.labelled("btn.continue", ResumeDraft(), model=order_name(canvas, model.id)),)


def _rows(*rows: tuple[Button, ...]) -> Rows:
    return tuple(row for row in rows if row)


def _balance_row(canvas: Canvas) -> tuple[Button, ...]:
    return (canvas.labelled("btn.balance", OpenBalance()), canvas.labelled("btn.menu", OpenMenu()))


def balance(canvas: Canvas) -> Rendered:
    """Available and held credits, the last ledger entries (newest first), and Top up."""
    state = canvas.state
    lines: list[str] = [canvas.say("balance.text", balance=canvas.credits(state.balance))]
    if state.held > 0:
        lines.append(canvas.say("balance.held", held=canvas.credits(state.held)))
    lines.append("")
    if state.entries:
        lines.append(canvas.say("balance.entries"))
        lines.extend(_entry(canvas, entry) for entry in reversed(state.entries))
    else:
        lines.append(canvas.say("balance.none"))
    rows = _rows(
        (canvas.labelled("btn.topup", OpenTopUp()), canvas.labelled("btn.promo", OpenPromo())),
        (canvas.labelled("btn.history", OpenHistory()), canvas.labelled("btn.menu", OpenMenu())),
    )
    return Rendered("balance", "\n".join(lines), rows)


def _signed(change: int) -> str:
    return f"+{change}" if change >= 0 else f"{MINUS}{-change}"


def _entry(canvas: Canvas, entry: Entry) -> Markup:
    what = order_name(canvas, entry.model_id, entry.params)
    if entry.event == "Credited":
        return canvas.say(_CREDIT_KEYS.get(entry.reason, "entry.credit"), n=entry.amount, stars=entry.stars)
    key = _ENTRY_KEYS.get(entry.event)
    if key is None:
        return canvas.say("entry.other", change=_signed(entry.change))
    return canvas.say(key, what=what, n=entry.amount, reason=void_reason(canvas, entry.reason))


def void_reason(canvas: Canvas, reason: str) -> str:
    """Why a hold was released, in words: "failed job", "reservation expired", ... (plain text)."""
    return canvas.texts.plain(f"void.{reason}" if reason in _VOID_REASONS else "void.other")


def failure_reason(canvas: Canvas, reason: str) -> str:
    """Why a job failed, in words (plain text): one of ``JobFailed``'s reasons, else "something went wrong"."""
    return canvas.texts.plain(f"fail.{reason}" if reason in _FAILURE_REASONS else "fail.other")


def _status(request: Request) -> str:
    if request.job:
        return f"history.{request.job}"
    return f"history.{request.status}"


def _when(at: float) -> str:
    return time.strftime("%d.%m %H:%M UTC", time.gmtime(at)) if at > 0 else ""


def history(canvas: Canvas) -> Rendered:
    """The last orders, newest first: model, price, status, date; "Send again" and "Repeat" for the newest."""
    state, texts = canvas.state, canvas.texts
    orders = tuple(reversed(state.requests))
    if not orders:
        return Rendered("history", canvas.say("history.empty"), (_balance_row(canvas),))
    lines = [canvas.say("history.title")]
    rows: list[tuple[Button, ...]] = []
    for number, request in enumerate(orders, start=1):
        lines.append(canvas.say("history.line", n=number, model=order_name(canvas, request.model_id),
                                price=texts.price(request.credits, free=bool(request.free_day)),
                                status=texts.plain(_status(request)),
                                when=_when(request.at), code=request.confirmation_id))
        if number > HISTORY_BUTTONS:
            continue
        row = []
        if request.job == "done":
            row.append(canvas.labelled("btn.resend", Resend(job_id=request.confirmation_id), n=number))
        if request.draft is not None:
            row.append(canvas.labelled("btn.repeat", Repeat(job_id=request.confirmation_id), n=number))
        if request.rule:
            row.append(canvas.labelled("btn.why", WhyPrice(job_id=request.confirmation_id), n=number))
        if row:
            rows.append(tuple(row))
    lines.append(canvas.say("history.hint"))
    return Rendered("history", "\n".join(lines[:-1]) + "\n\n" + lines[-1], _rows(*rows, _balance_row(canvas)))


def why_price(canvas: Canvas, request: Request) -> Rendered:
    """Why an order cost what it did: the values that set the price, the rule, the hold, the charge or refund."""
    texts = canvas.texts
    model = _model(canvas, request.model_id)
    values = order_name(canvas, request.model_id, priced_params(model, request.draft)
                        if model is not None and request.draft is not None else ())
    price = texts.price(request.credits, free=bool(request.free_day))
    lines = [canvas.say("why.title", price=price, code=request.confirmation_id),
             canvas.say("why.quote", what=values, rule=request.rule or "—", version=request.registry_version or "—"),
             canvas.say("why.held", price=price, when=_when(request.at) or "—")]
    if request.job == "done" or request.status == "captured":
        lines.append(canvas.say("why.charged", price=price, when=_when(request.ended) or "—"))
    elif request.job == "failed" or request.status == "voided":
        lines.append(canvas.say("why.refunded", price=price, when=_when(request.ended) or "—",
                                reason=failure_reason(canvas, request.reason)))
    else:
        lines.append(canvas.say("why.pending"))
    rows = _rows((canvas.labelled("btn.history", OpenHistory()), canvas.labelled("btn.menu", OpenMenu())),)
    return Rendered("why_price", "\n".join(lines), rows)


def topup(canvas: Canvas) -> Rendered:
    """The Stars packages ("250 ⭐ → 550 credits"); what is missing for the order the ledger refused, if any."""
    state, texts = canvas.state, canvas.texts
    lines = [canvas.say("topup.title")]
    refused = state.requests[-1] if state.requests and state.requests[-1].status == "rejected" else None
    if refused is not None and refused.credits > state.balance:
        lines.append(canvas.say("topup.shortfall", model=order_name(canvas, refused.model_id),
                                price=texts.credits(refused.credits), balance=texts.credits(state.balance),
                                missing=texts.credits(refused.credits - state.balance)))
    lines.append(canvas.say("topup.text") if canvas.packages else canvas.say("topup.empty"))
    packages = tuple(
        (canvas.labelled("btn.package", BuyPackage(stars=package.stars, credits=package.credits),
                         stars=package.stars, credits=texts.credits(package.credits)),)
        for package in canvas.packages
    )
    rows = _rows(*packages, _continue_row(canvas), _balance_row(canvas))
    return Rendered("topup", "\n".join(lines), rows)


def order(canvas: Canvas, confirmation_id: str) -> Rendered:
    """A confirmed order as the ledger last reported it: reserving, reserved, refused, charged or released."""
    state, texts = canvas.state, canvas.texts
    request = state.request(confirmation_id)
    if request is None:
        request = Request(confirmation_id=confirmation_id, model_id=state.model_id,
                          credits=state.confirmed.credits if state.confirmed is not None else 0)
    status = request.status if request.status in _ORDER_KEYS else "requested"
    text = canvas.say(_ORDER_KEYS[status], model=order_name(canvas, request.model_id),
                      price=texts.price(request.credits, free=bool(request.free_day)), code=request.confirmation_id)
    rows: list[tuple[Button, ...]] = []
    if status == "rejected":
        rows.append((canvas.labelled("btn.topup", OpenTopUp()),))
        rows.append(_continue_row(canvas))
    rows.append(_balance_row(canvas))
    return Rendered(_ORDER_KEYS[status], text, _rows(*rows))


def ledger_note(canvas: Canvas, key: str, **args: object) -> Rendered:
    """A message about one ledger entry (a receipt, a bonus, a release, a refund), with the balance after it."""
    text = canvas.say(key, balance=canvas.credits(canvas.state.balance), **args)
    return Rendered(key, text, _rows(_continue_row(canvas), _balance_row(canvas)))
