"""What an admin's text asks for: ``/admin …`` commands and answers to the open prompt, parsed (pure).

:func:`ask_of` turns a text into one :data:`Ask` (a small frozen record) or
:class:`Bad` with a reason code, checking only the *shape* (numbers are
numbers, a reason is there); whether the user exists, the payment is
refundable or the HTML is valid is the decider's question, on the read
models' results. The commands::

    /admin                                    the menu
    /admin user 42 | /admin user @ann         look a user up
    /admin stats                              the figures
    /admin adjust 42 +50 goodwill gesture     change a balance (a reason is required)
    /admin refund 42 topup:u42-t1a2b3c        refund a Stars top-up
    /admin block 42 spam | /admin unblock 42  block or unblock a user
    /admin model nano-banana-pro off          switch a model off (or on)
    /admin promo SPRING 50 100 30             a code: 50 credits, 100 uses, 30 days
    /admin broadcast <b>Hi</b> all            preview a broadcast (then confirm it)
    /admin progress b-1a2b3c4d5e              how far a broadcast got

An open prompt takes the same arguments without the command: the user to
look up, ``+50 reason`` for an adjustment, the reason for a block,
``model_id on|off``, ``CODE credits uses days``, the broadcast's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeAlias

__all__ = [
    "ADMIN_COMMAND",
    "Adjust",
    "Ask",
    "Bad",
    "Block",
    "Broadcast",
    "CreateCode",
    "Lookup",
    "Menu",
    "Progress",
    "RefundPayment",
    "Stats",
    "Switch",
    "Unblock",
    "Prompt",
    "SendBroadcast",
    "ask_of",
    "is_admin_command",
]

ADMIN_COMMAND: Final = re.compile(r"/admin(?:@[A-Za-z0-9_]{1,64})?(?:\s+(.*))?", re.DOTALL | re.IGNORECASE)
_TARGET: Final = re.compile(r"@?[A-Za-z0-9_]{1,32}")
_USER: Final = re.compile(r"[1-9][0-9]{0,15}")
_AMOUNT: Final = re.compile(r"[+-]?[0-9]{1,7}")
_NUMBER: Final = re.compile(r"[0-9]{1,7}")


@dataclass(frozen=True)
class Menu:
    pass


@dataclass(frozen=True)
class Prompt:
    """Open a prompt (``lookup``, ``adjust``, ``block``, ``model``, ``promo``, ``broadcast``) about user
    ``subject`` (0: nobody), without its answer yet."""

    prompt: str
    subject: int = 0


@dataclass(frozen=True)
class Lookup:
    target: str


@dataclass(frozen=True)
class Stats:
    pass


@dataclass(frozen=True)
class Adjust:
    user_id: int
    amount: int
    reason: str


@dataclass(frozen=True)
class RefundPayment:
    """Refund the payment ``credit_id`` of ``user_id``, or the ``index``-th payment of the profile on screen."""

    user_id: int
    credit_id: str = ""
    index: int = -1


@dataclass(frozen=True)
class Block:
    user_id: int
    reason: str


@dataclass(frozen=True)
class Unblock:
    user_id: int
    reason: str


@dataclass(frozen=True)
class Switch:
    model_id: str
    enabled: bool


@dataclass(frozen=True)
class CreateCode:
    code: str
    credits: int
    max_uses: int
    days: int


@dataclass(frozen=True)
class Broadcast:
    text: str


@dataclass(frozen=True)
class SendBroadcast:
    """Send the previewed broadcast ``broadcast_id`` (``send``), or drop it."""

    broadcast_id: str
    send: bool


@dataclass(frozen=True)
class Progress:
    broadcast_id: str


@dataclass(frozen=True)
class Bad:
    reason_code: str
    detail: str = ""


Ask: TypeAlias = (
    Menu | Prompt | Lookup | Stats | Adjust | RefundPayment | Block | Unblock | Switch | CreateCode | Broadcast
    | SendBroadcast | Progress | Bad
)


def is_admin_command(text: str) -> bool:
    """Whether ``text`` is an ``/admin`` command (the router sends those of admins to the desk)."""
    return ADMIN_COMMAND.fullmatch(text.strip()) is not None


def ask_of(text: str, prompt: str = "", subject: int = 0) -> Ask:
    """What ``text`` asks: an ``/admin`` command, or the answer to ``prompt`` (about user ``subject``)."""
    command = ADMIN_COMMAND.fullmatch(text.strip())
    if command is not None:
        rest = (command[1] or "").strip()
        name, _, argument = rest.partition(" ") if " " in rest else (rest, "", "")
        if "\n" in name:
            name, _, more = name.partition("\n")
            argument = f"{more} {argument}".strip()
        return _command(name.lower(), argument.strip())
    if not prompt:
        return Bad("no_prompt", text.strip()[:40])
    return _answer(prompt, text.strip(), subject)


def _command(name: str, argument: str) -> Ask:
    match name:
        case "":
            return Menu()
        case "stats":
            return Stats()
        case "user" | "lookup":
            return _answer("lookup", argument, 0) if argument else Prompt("lookup")
        case "adjust":
            user, _, rest = argument.partition(" ")
            return _with_user(user, lambda uid: _answer("adjust", rest.strip(), uid))
        case "refund":
            user, _, credit_id = argument.partition(" ")
            credit_id = credit_id.strip()
            if not credit_id or " " in credit_id:
                return Bad("malformed", "refund needs a user id and a payment id")
            return _with_user(user, lambda uid: RefundPayment(user_id=uid, credit_id=credit_id[:80]))
        case "block":
            user, _, reason = argument.partition(" ")
            return _with_user(user, lambda uid: Block(user_id=uid, reason=reason.strip()))
        case "unblock":
            user, _, reason = argument.partition(" ")
            return _with_user(user, lambda uid: Unblock(user_id=uid, reason=reason.strip()))
        case "model" | "models":
            return _answer("model", argument, 0) if argument else Prompt("model")
        case "promo":
            return _answer("promo", argument, 0) if argument else Prompt("promo")
        case "broadcast":
            return Broadcast(argument) if argument else Prompt("broadcast")
        case "progress":
            return Progress(argument) if argument else Bad("malformed", "progress needs a broadcast id")
    return Bad("unknown_command", f"/admin {name}"[:40])


def _with_user(text: str, then: Callable[[int], Ask]) -> Ask:
    if not _USER.fullmatch(text):
        return Bad("malformed", f"{text[:20]!r} is not a user id")
    return then(int(text))


def _answer(prompt: str, text: str, subject: int) -> Ask:
    match prompt:
        case "lookup":
            if not _TARGET.fullmatch(text):
                return Bad("malformed", f"{text[:40]!r} is no user id or @username")
            return Lookup(text)
        case "adjust":
            amount, _, reason = text.partition(" ")
            if not _AMOUNT.fullmatch(amount):
                return Bad("bad_amount", amount[:20])
            return Adjust(user_id=subject, amount=int(amount), reason=" ".join(reason.split())[:200])
        case "block":
            return Block(user_id=subject, reason=" ".join(text.split())[:200])
        case "model":
            parts = text.split()
            if len(parts) != 2 or parts[1].lower() not in ("on", "off"):
                return Bad("malformed", "a model takes: <model id> on|off")
            return Switch(model_id=parts[0][:80], enabled=parts[1].lower() == "on")
        case "promo":
            parts = text.split()
            if len(parts) != 4 or not all(_NUMBER.fullmatch(part) for part in parts[1:]):
                return Bad("malformed", "a promo takes: <CODE> <credits> <uses> <days>")
            return CreateCode(code=parts[0][:40], credits=int(parts[1]), max_uses=int(parts[2]), days=int(parts[3]))
        case "broadcast":
            return Broadcast(text)
    return Bad("no_prompt", prompt)
