"""Invitations: the link a user shares, and the bonus it earns when a friend tops up for the first time.

A user's link is ``https://t.me/<bot username>?start=ref_<user id>``. The bot
learns its username from Telegram (``getMe``) at start-up and records it
(``BotIdentified``), so ``replay`` draws the same "Invite friends" screen; the
bonus is ``REFERRAL_BONUS`` (see :mod:`trt_actors.actors.referrals`).

Example::

    invitations = Invitations(bot_username="trt_shop_bot", bonus=50)
    assert invitations.link(42) == "https://t.me/trt_shop_bot?start=ref_42"
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple
from urllib.parse import quote

__all__ = ["Invitations", "referrer_of"]

_USERNAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_REFERRAL: Final = re.compile(r"ref_([0-9]{1,15})")


def referrer_of(payload: str) -> int:
    """The inviter a ``/start`` payload names (``ref_42`` → 42), or 0 when it is not one of our links."""
    found = _REFERRAL.fullmatch(payload)
    return int(found[1]) if found else 0


class Invitations(NamedTuple):
    """The bot's username ("" until Telegram told it) and the referral bonus: credits, and free generations."""

    bot_username: str = ""
    bonus: int = 0
    free: int = 0

    def link(self, user_id: int) -> str:
        """``user_id``'s invitation link; "" while the bot's username is unknown (or not a Telegram username)."""
        if not _USERNAME.fullmatch(self.bot_username):
            return ""
        return f"https://t.me/{self.bot_username}?start=ref_{user_id}"

    def share(self, user_id: int, text: str) -> str:
        """Telegram's share link for ``user_id``'s invitation with ``text`` beside it ("" without a link)."""
        link = self.link(user_id)
        return f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(text, safe='')}" if link else ""
