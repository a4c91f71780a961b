"""Drawing promo codes: the screen that asks for one, and the answer when a code is refused. Pure."""

from __future__ import annotations

from typing import Final

from trt_actors.session.callback_data import OpenBalance, OpenMenu, OpenPromo
from trt_actors.session.canvas import Canvas, Rendered

__all__ = ["PROMO_REFUSALS", "promo_prompt", "promo_refused"]

PROMO_REFUSALS: Final = ("unknown", "expired", "used_up", "already_redeemed")
"""Why a promo code is refused, each with its own words (``promo.refused_<reason>``)."""


def promo_prompt(canvas: Canvas) -> Rendered:
    """"Send your promo code", with a way back."""
    rows = ((canvas.labelled("btn.balance", OpenBalance()), canvas.labelled("btn.menu", OpenMenu())),)
    return Rendered("promo", canvas.say("promo.prompt"), rows)


def promo_refused(canvas: Canvas, code: str, reason: str) -> Rendered:
    """Why ``code`` gave nothing, and a way to try another."""
    key = f"promo.refused_{reason if reason in PROMO_REFUSALS else 'unknown'}"
    rows = ((canvas.labelled("btn.promo", OpenPromo()), canvas.labelled("btn.menu", OpenMenu())),)
    return Rendered("promo.refused", canvas.say(key, code=code), rows)
