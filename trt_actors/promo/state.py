"""The state of one promo code, and how each event changes it (a pure fold).

The rules:

* a code exists once its ``PromoCreated`` is folded (``created``); its
  terms (``credits``, ``expires_at``, ``max_uses``) never change after;
* ``redeemed`` maps every user who redeemed to the ordinal of their
  redemption, so ``uses`` is its size, a user is found in it in constant
  time, and a retry is answered with what the user got;
* refusals change nothing but their count.

:class:`PromoState` is a frozen msgspec Struct, so a snapshot is
``msgspec.json.encode(state)``; new fields get defaults.
"""

from __future__ import annotations

import msgspec

from trt_actors.events import Event
from trt_actors.events.promo import PromoCreated, PromoRedeemed, PromoRefused

__all__ = ["PromoState", "evolve"]


class PromoState(msgspec.Struct, frozen=True):
    """Everything one code's stream knows (see the module docstring for the rules)."""

    code: str = ""
    credits: int = 0
    expires_at: float = 0.0
    max_uses: int = 0
    admin_id: int = 0
    redeemed: dict[int, int] = {}
    refused: int = 0

    @property
    def created(self) -> bool:
        return bool(self.code)

    @property
    def uses(self) -> int:
        return len(self.redeemed)

    @property
    def left(self) -> int:
        """Redemptions still possible (ignoring expiry)."""
        return max(0, self.max_uses - self.uses)

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


def evolve(state: PromoState, event: Event) -> PromoState:
    """The state after ``event``; a refused creation and other streams' events change nothing."""
    match event:
        case PromoCreated(code=code, credits=credits, expires_at=expires_at, max_uses=max_uses, admin_id=admin_id):
            return msgspec.structs.replace(
                state, code=code, credits=credits, expires_at=expires_at, max_uses=max_uses, admin_id=admin_id
            )
        case PromoRedeemed(user_id=user_id, redemption=redemption):
            return msgspec.structs.replace(state, redeemed={**state.redeemed, user_id: redemption})
        case PromoRefused():
            return msgspec.structs.replace(state, refused=state.refused + 1)
    return state
