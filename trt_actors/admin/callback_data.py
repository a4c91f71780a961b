"""The desk's button data: ``a.<verb>[.<arg>]``, at most 64 bytes, refused by the session's decoder.

The session's data starts with its format version (``1.``); the desk's with
``a.``, which the session's :func:`trt_actors.session.callback_data.decode`
refuses as ``malformed`` (no version). So a forged desk button sent by anyone
who is not an admin reaches the session and is recorded as
``CallbackRejected``; the router sends the desk's buttons to the desk only
when an admin pressed them.

The verbs (``arg`` in brackets):

==========  ======================================================
``m``       the desk's menu
``lk``      ask for a user to look up
``st``      the stats
``md``      ask for a model to switch on or off
``pr``      ask for a promo code to create
``bc``      ask for a broadcast's text
``x``       close the open prompt (back to the menu)
``u``       the profile of user [id]
``aj``      ask for an adjustment of user [id]
``bl``      ask for the reason to block user [id]
``ub``      unblock user [id]
``rf``      refund payment [index] of the profile on screen
``bo``      send the previewed broadcast [id]
``bx``      drop the previewed broadcast [id]
``bp``      the progress of broadcast [id]
==========  ======================================================

Example::

    data = encode(AdminTapData(verb="u", arg="42"))       # "a.u.42"
    assert decode(data) == AdminTapData(verb="u", arg="42")
"""

from __future__ import annotations

import re
from typing import Final

import msgspec

__all__ = ["BARE_VERBS", "MAX_BYTES", "PREFIX", "AdminTapData", "BadAdminData", "decode", "encode", "is_admin_data"]

PREFIX: Final = "a."
MAX_BYTES: Final = 64
BARE_VERBS: Final = frozenset({"m", "lk", "st", "md", "pr", "bc", "x"})
_USER_VERBS: Final = frozenset({"u", "aj", "bl", "ub"})
_BROADCAST_VERBS: Final = frozenset({"bo", "bx", "bp"})
_USER: Final = re.compile(r"[1-9][0-9]{0,15}")
_INDEX: Final = re.compile(r"0|[1-9][0-9]{0,2}")
_BROADCAST: Final = re.compile(r"[A-Za-z0-9_-]{1,58}")


class BadAdminData(ValueError):
    """Button data that is not the desk's, or not well formed; ``reason_code`` as ``CallbackRejected`` records it."""

    def __init__(self, reason_code: str, detail: str) -> None:
        super().__init__(f"{reason_code}: {detail}")
        self.reason_code = reason_code


class AdminTapData(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A decoded desk button: what to do (``verb``) and to what (``arg``, "" for a bare verb)."""

    verb: str
    arg: str = ""


def is_admin_data(data: str) -> bool:
    """Whether ``data`` claims to be the desk's (it may still be malformed)."""
    return data.startswith(PREFIX)


def encode(tap: AdminTapData) -> str:
    """The button data of ``tap``; ValueError when it would not decode back (a bug of the screens)."""
    data = PREFIX + (tap.verb if not tap.arg else f"{tap.verb}.{tap.arg}")
    if decode(data) != tap:
        raise ValueError(f"{tap!r} does not survive its own wire form {data!r}")
    return data


def decode(data: str) -> AdminTapData:
    """The desk's button that ``data`` stands for; :class:`BadAdminData` when it is not one."""
    if len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise BadAdminData("oversized", f"{len(data.encode('utf-8', 'surrogatepass'))} bytes")
    if not data.isascii() or not data.startswith(PREFIX):
        raise BadAdminData("malformed", "not the desk's data")
    verb, dot, arg = data.removeprefix(PREFIX).partition(".")
    if not dot and verb in BARE_VERBS:
        return AdminTapData(verb=verb)
    if dot and (
        (verb in _USER_VERBS and _USER.fullmatch(arg))
        or (verb == "rf" and _INDEX.fullmatch(arg))
        or (verb in _BROADCAST_VERBS and _BROADCAST.fullmatch(arg))
    ):
        return AdminTapData(verb=verb, arg=arg)
    if verb in BARE_VERBS | _USER_VERBS | _BROADCAST_VERBS | {"rf"}:
        raise BadAdminData("malformed", f"{arg!r} is not a valid argument of {verb!r}")
    raise BadAdminData("unknown_action", f"no action {verb!r}")
