"""Drawing the wizard: one step ("step k of n") and the confirmation. Pure.

A step shows what to send or choose, its limits, its default, and whether
the price depends on it; buttons for enum values carry the price when the
value changes it. Every step has Back and Cancel; optional steps have Skip
(or "Default: x"), and "Defaults for the rest" when only optional steps remain.
"""

from __future__ import annotations

import html
from typing import Final

from registry import InputField, Model, QuoteError
from registry.quotes import canonical
from trt_actors.events import Button
from trt_actors.session.callback_data import (
    CancelDraft,
    ChooseValue,
    Confirm,
    FinishImages,
    GoBack,
    OpenTopUp,
    SkipRest,
    SkipStep,
)
from trt_actors.session.canvas import Canvas, Rendered
from trt_actors.session.state import Draft
from trt_actors.session.texts import Markup
from trt_actors.session.wizard import can_skip, choices, image_limits, quote_params, steps_of

__all__ = ["PREVIEW_CHARS", "wizard"]

PREVIEW_CHARS: Final = 300
"""A long text answer is shown up to this many characters on the confirmation screen."""


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _name(canvas: Canvas, model: Model) -> str:
    return model.name.en if canvas.texts.language == "en" else model.name.ru


def _back_cancel(canvas: Canvas) -> tuple[Button, ...]:
    return (canvas.labelled("btn.back", GoBack()), canvas.labelled("btn.cancel", CancelDraft()))


def wizard(canvas: Canvas, model: Model, draft: Draft) -> Rendered:
    """The draft's current step, its confirmation, or "no price for these parameters"."""
    steps = steps_of(model)
    if draft.step < len(steps):
        return _step(canvas, model, draft, steps, draft.step)
    if canvas.state.offer is not None:
        return _confirmation(canvas, model, draft)
    text = canvas.say("unpriced.text", model=_name(canvas, model))
    return Rendered("unpriced", text, (_back_cancel(canvas),))


def _limits(canvas: Canvas, field: InputField) -> list[Markup]:
    if field.ask == "text":
        if field.max_length is not None and field.min_length:
            return [canvas.say("step.limit.chars_range", min=field.min_length, max=field.max_length)]
        if field.max_length is not None:
            return [canvas.say("step.limit.chars", max=field.max_length)]
        if field.min_length:
            return [canvas.say("step.limit.chars_min", min=field.min_length)]
    if field.ask == "number":
        low, high = field.minimum, field.maximum
        if low is not None and high is not None:
            return [canvas.say("step.limit.range", min=low, max=high)]
        if low is not None:
            return [canvas.say("step.limit.min", min=low)]
        if high is not None:
            return [canvas.say("step.limit.max", max=high)]
    return []


def _prices(canvas: Canvas, model: Model, draft: Draft, field: InputField) -> dict[str, int] | None:
    try:
        return canvas.registry.value_prices(model, field.name, quote_params(draft))
    except (QuoteError, KeyError):
        return None


def _step(canvas: Canvas, model: Model, draft: Draft, steps: tuple[InputField, ...], index: int) -> Rendered:
    field = steps[index]
    texts = canvas.texts
    label = texts.param(field.name)
    lines = [canvas.say("step.header", model=_name(canvas, model), k=index + 1, n=len(steps))]
    rows: list[tuple[Button, ...]] = []
    screen = f"step.{field.ask}"
    count = 0
    if field.ask in ("buttons", "yes_no"):
        lines.append(canvas.say(f"step.ask.{field.ask}", label=label))
        prices = _prices(canvas, model, draft, field)
        if prices is not None:
            lines.append(canvas.say("step.prices"))
        buttons = []
        for position, value in enumerate(choices(field)):
            shown = texts.value(field.name, value)
            if prices is not None and canonical(value) in prices:
                shown = texts.plain("btn.value_price", value=shown, price=texts.credits(prices[canonical(value)]))
            buttons.append(canvas.button(shown, ChooseValue(index=position)))
        rows.extend(tuple(buttons[at:at + 2]) for at in range(0, len(buttons), 2))
    elif field.ask in ("image", "images"):
        fewest, most = image_limits(field)
        count = len(draft.images_of(field.name))
        if most == 1:
            lines.append(canvas.say("step.ask.image", label=label))
        else:
            lines.append(canvas.say("step.ask.images", label=label, min=max(fewest, 1), max=most))
        if count:
            lines.append(canvas.say("step.images.count", count=count, max=most))
            if count < fewest:
                lines.append(canvas.say("step.images.more", count=fewest - count))
            else:
                rows.append((canvas.labelled("btn.done", FinishImages(), count=count),))
    elif field.ask in ("text", "number"):
        lines.append(canvas.say(f"step.ask.{field.ask}", label=label))
    else:
        lines.append(canvas.say("step.ask.media", label=label, kind=texts.kind(field.ask)))
        if not can_skip(field):
            lines.append(canvas.say("step.media_required"))
    lines.extend(_limits(canvas, field))
    if field.default is not None:
        lines.append(canvas.say("step.default", value=texts.value(field.name, field.default)))
    elif not field.required:
        lines.append(canvas.say("step.optional"))
    if can_skip(field) and count == 0:
        if field.default is not None:
            skip = texts.plain("btn.use_default", value=texts.value(field.name, field.default))
        else:
            skip = texts.plain("btn.skip")
        row = [canvas.button(skip, SkipStep())]
        if index + 1 < len(steps) and all(can_skip(later) for later in steps[index + 1:]):
            row.append(canvas.labelled("btn.skip_rest", SkipRest()))
        rows.append(tuple(row))
    rows.append(_back_cancel(canvas))
    return Rendered(screen, "\n".join(lines), tuple(rows))


def _preview(text: str) -> str:
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + "…"


def _confirmation(canvas: Canvas, model: Model, draft: Draft) -> Rendered:
    offer = canvas.state.offer
    assert offer is not None
    texts = canvas.texts
    lines: list[str] = [canvas.say("confirm.title"), canvas.say("confirm.model", model=_name(canvas, model))]
    for field in steps_of(model):
        label = texts.param(field.name)
        if field.ask in ("image", "images"):
            count = len(draft.images_of(field.name))
            if count:
                lines.append(canvas.say("confirm.files", label=label, count=count))
            continue
        value = draft.value(field.name)
        if value is not None:
            shown = _preview(value) if isinstance(value, str) and field.ask == "text" else texts.value(field.name, value)
            lines.append(canvas.say("confirm.param", label=label, value=shown))
        elif field.default is not None:
            lines.append(canvas.say("confirm.default", label=label, value=texts.value(field.name, field.default)))
    price = texts.credits(offer.credits)
    balance = canvas.state.balance
    lines.append("")
    if offer.free_day:
        lines.append(canvas.say("confirm.free", left=canvas.free or 0))
    else:
        lines.append(canvas.say("confirm.price", price=price))
        if balance >= offer.credits:
            lines.append(canvas.say("confirm.balance", before=texts.credits(balance),
                                    after=texts.credits(balance - offer.credits)))
        else:
            lines.append(canvas.say("confirm.short", price=price, balance=texts.credits(balance)))
        lines.append(canvas.say("confirm.note"))
    confirm = Confirm(confirmation_id=offer.confirmation_id)
    rows: list[tuple[Button, ...]] = [
        (canvas.labelled("btn.confirm_free", confirm) if offer.free_day else
         canvas.labelled("btn.confirm", confirm, price=price),),
    ]
    if balance < offer.credits:
        rows.append((canvas.labelled("btn.topup", OpenTopUp()),))
    rows.append(_back_cancel(canvas))
    return Rendered("confirm", "\n".join(lines), tuple(rows))

