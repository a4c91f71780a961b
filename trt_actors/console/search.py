"""What a search box query names: a user (id or @username), a chat, a chain (``cid``), a job, a KIE task, a
Stars charge. Each match is a :class:`Hit` with the console page that shows it.

A query can name several things at once (a user id is also their private
chat); every match is listed. Usernames are read from the recorded updates
(``from`` of a message, a tap or a pre-checkout), as the admin desk does:
a scan by event type, fine for a person at a console.

Example::

    for hit in await find(log, "@ann"):
        print(hit.kind, hit.label, hit.href)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

import msgspec

from eventlog import EventLog
from trt_actors.console.reads import every
from trt_actors.events import UpdateReceived
from trt_actors.events.jobs import JobSubmitted
from trt_actors.events.ledger import Credited, RefundReserved

__all__ = ["Hit", "Sender", "find", "href", "sender_of"]

_USERNAME: Final = re.compile(r"@?[A-Za-z0-9_]{3,32}")


@dataclass(frozen=True)
class Hit:
    """One thing the query names: its kind (``user``, ``chat``, ``chain``, ``job``), a label, and its page."""

    kind: str
    label: str
    href: str


def href(path: str, **query: str | float) -> str:
    """A console link: ``href("chat", id=42)`` → ``/console/chat?id=42``."""
    return f"/console/{path}" + (f"?{urlencode(query)}" if query else "")


class Sender(msgspec.Struct, frozen=True):
    """Who sent an update, as Telegram says (only the fields the console shows)."""

    id: int = 0
    first_name: str = ""
    last_name: str = ""
    username: str = ""


class _Part(msgspec.Struct, frozen=True, rename={"sender": "from"}):
    sender: Sender | None = None


class _Update(msgspec.Struct, frozen=True):
    message: _Part | None = None
    callback_query: _Part | None = None
    pre_checkout_query: _Part | None = None
    edited_message: _Part | None = None


_DECODER: Final = msgspec.json.Decoder(_Update)


def sender_of(update: UpdateReceived) -> Sender | None:
    """The sender of a recorded update, or None (an update of no person, or a body that does not decode)."""
    try:
        body = _DECODER.decode(update.body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    for part in (body.message, body.callback_query, body.pre_checkout_query, body.edited_message):
        if part is not None and part.sender is not None:
            return part.sender
    return None


async def find(log: EventLog, query: str) -> list[Hit]:
    """Everything ``query`` names in the log, users first."""
    text = query.strip()
    if not text:
        return []
    hits: list[Hit] = []
    if text.lstrip("-").isdigit():
        hits += await _numbered(log, int(text))
    if chain := await log.read_cid(text):
        hits.append(Hit("chain", f"chain {text} ({len(chain)} events)", href("trace", cid=text)))
    hits += await _job_or_task(log, text)
    hits += await _charge(log, text)
    if _USERNAME.fullmatch(text) and (text.startswith("@") or not hits):
        hits += await _usernames(log, text.removeprefix("@"))
    return hits


async def _numbered(log: EventLog, number: int) -> list[Hit]:
    hits: list[Hit] = []
    if await log.stream_version(f"ledger:{number}") or await log.stream_version(f"chat:{number}"):
        hits.append(Hit("user", f"user {number}: ledger and orders", href("user", id=number)))
    if await log.stream_version(f"inbox:{number}") or await log.stream_version(f"outbox:{number}"):
        hits.append(Hit("chat", f"chat {number} as the user saw it", href("chat", id=number)))
    return hits


async def _job_or_task(log: EventLog, text: str) -> list[Hit]:
    job = await log.read_stream(f"job:{text}", 1, 1)
    if job:
        return [Hit("job", f"job {text}", href("trace", cid=job[0].cid))]
    for recorded in await every(log, JobSubmitted):
        if isinstance(recorded.event, JobSubmitted) and recorded.event.task_id == text:
            job_id = recorded.stream.removeprefix("job:")
            return [Hit("job", f"KIE task {text}: job {job_id}", href("trace", cid=recorded.cid))]
    return []


async def _charge(log: EventLog, text: str) -> list[Hit]:
    hits: list[Hit] = []
    for recorded in await every(log, Credited, RefundReserved):
        event = recorded.event
        if isinstance(event, (Credited, RefundReserved)) and event.charge_id == text:
            what = "top-up" if isinstance(event, Credited) else "refund"
            user = recorded.stream.removeprefix("ledger:")
            hits.append(Hit("chain", f"Stars charge {text}: {what} of user {user}", href("trace", cid=recorded.cid)))
            hits.append(Hit("user", f"user {user}: ledger", href("user", id=user)))
    return hits


async def _usernames(log: EventLog, name: str) -> list[Hit]:
    wanted = name.casefold()
    found: dict[int, Sender] = {}
    for recorded in await every(log, UpdateReceived):
        if not isinstance(recorded.event, UpdateReceived) or wanted not in recorded.event.body.casefold():
            continue  # cheap: most updates do not mention the name at all
        sender = sender_of(recorded.event)
        if sender is not None and sender.username.casefold() == wanted:
            found[sender.id] = sender
    return [Hit("user", f"user {user} @{sender.username} {sender.first_name}".rstrip(), href("user", id=user))
            for user, sender in found.items()]

