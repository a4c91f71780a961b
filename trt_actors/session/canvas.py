"""What every screen is drawn with: the audience, the catalogue, and buttons stamped with the nonce.

A :class:`Canvas` is made once per render. Its buttons carry the state's
nonce in their callback data (see :mod:`trt_actors.session.callback_data`),
so a button from an older rendering is recognised as stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

from registry import Registry
from trt_actors.events import Button
from trt_actors.session.callback_data import Action, encode
from trt_actors.session.state import SessionState
from trt_actors.session.texts import Markup, Texts
from trt_actors.invitations import Invitations
from trt_actors.stars import StarsPackage
from trt_actors.support import Support

__all__ = ["MAX_TEXT", "Audience", "Canvas", "Rendered", "Rows"]

MAX_TEXT: Final = 4096
"""Telegram's limit for a message's text (after entities are parsed)."""

Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a screen is drawn for: their language, first name and user id, and the current ``cid``.

    The balance is not here: it is state (:attr:`SessionState.balance`), folded from ``BalanceSeen``.
    """

    language: str
    first_name: str
    cid: str
    user_id: int = 0


class Rendered(NamedTuple):
    """A drawn screen: its name (``UiRendered.screen``), HTML text and inline keyboard."""

    screen: str
    text: str
    buttons: Rows


class Canvas:
    """The registry, Stars packages, state, audience and catalogue one rendering needs, and a button factory.

    ``free`` is how many free generations the user has left today (None: no free tier); ``invitations`` the
    bot's username and the referral bonus, for the "Invite friends" screen.
    """

    __slots__ = ("audience", "free", "invitations", "packages", "registry", "state", "support", "texts")

    def __init__(self, registry: Registry, state: SessionState, audience: Audience,
                 packages: tuple[StarsPackage, ...] = (), *, support: Support = Support(),
                 free: int | None = None, invitations: Invitations = Invitations()) -> None:
        self.registry = registry
        self.state = state
        self.audience = audience
        self.packages = packages
        self.support = support
        self.free = free
        self.invitations = invitations
        self.texts = Texts.of(audience.language)

    def say(self, key: str, **args: object) -> Markup:
        return self.texts.say(key, **args)

    def button(self, label: str, action: Action) -> Button:
        """A callback button; ``label`` is plain text (Telegram shows button text as is)."""
        return Button(text=str(label), data=encode(self.state.nonce, action))

    def labelled(self, key: str, action: Action, **args: object) -> Button:
        """A button whose label is the catalogue's ``key`` filled with ``args`` (plain text, no escaping)."""
        return self.button(self.texts.plain(key, **args), action)

    def credits(self, amount: int) -> str:
        return self.texts.credits(amount)
