"""``python main.py show-chat CHAT [--at TIME]``: the conversation as the user saw it, rebuilt from the log.

Read-only. The user's side is what the recorded updates say (a text, a
photo, a tap on a button, whose label is read from the message as it was at
that moment); the bot's side is every screen the outbox delivered
(``UiRendered`` + its ``DispatchOk``: a new message, or an edit of one), the
invoices and the results the job runner sent (``ResultDelivered``, shown as
placeholders). With ``--at``, only what happened until then, and each
message as it looked then (its later edits not applied).

Example::

    print(render(await conversation(log, 42, at=1796458333.0)))
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field

import msgspec

from eventlog import EventLog, RecordedEvent
from trt_actors.events import Button, DispatchOk, UiRendered, UpdateReceived
from trt_actors.events.jobs import ResultDelivered

__all__ = ["Line", "conversation", "plain_text", "render"]

_TAG = re.compile(r"<[^>]+>")


@dataclass
class Line:
    """One message of the conversation: who wrote it, when, and how it looks (``edits``: times it changed)."""

    at: float
    author: str  # "user" or "bot"
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    message_id: int | None = None
    edits: list[float] = field(default_factory=list)


class _Photo(msgspec.Struct):
    file_id: str = ""


class _Message(msgspec.Struct):
    text: str | None = None
    caption: str | None = None
    photo: list[_Photo] | None = None
    successful_payment: dict[str, object] | None = None


class _Tapped(msgspec.Struct):
    message_id: int = 0


class _Callback(msgspec.Struct):
    data: str | None = None
    message: _Tapped | None = None


class _Update(msgspec.Struct):
    message: _Message | None = None
    callback_query: _Callback | None = None


async def conversation(log: EventLog, chat_id: int, *, at: float | None = None) -> list[Line]:
    """The chat's messages in the order they appeared, each as it looked at ``at`` (now when None)."""
    events = [*await log.read_stream(f"inbox:{chat_id}"), *await log.read_stream(f"chat:{chat_id}"),
              *await log.read_stream(f"outbox:{chat_id}"),
              *[r for r in await log.read_from(1, types=["ResultDelivered"], limit=1_000_000) if r.chat_id == chat_id]]
    events.sort(key=lambda recorded: recorded.seq)
    rendered: dict[str, UiRendered] = {}
    lines: list[Line] = []
    by_message: dict[int, Line] = {}
    for recorded in events:
        if at is not None and recorded.ts > at:
            break
        event = recorded.event
        match event:
            case UpdateReceived():
                line = _users(recorded, event, by_message)
                if line is not None:
                    lines.append(line)
            case UiRendered():
                rendered[event.dispatch_id] = event
            case DispatchOk(dispatch_id=dispatch_id, method=method, message_id=message_id):
                screen = rendered.get(dispatch_id)
                text = plain_text(screen.text) if screen is not None else f"[{method.removeprefix('send').lower()}]"
                buttons = screen.buttons if screen is not None else ()
                shown = by_message.get(message_id) if message_id is not None else None
                if method.startswith("edit") and shown is not None:
                    shown.text, shown.buttons = text, buttons
                    shown.edits.append(recorded.ts)
                else:
                    line = Line(recorded.ts, "bot", text, buttons, message_id)
                    lines.append(line)
                    if message_id is not None:
                        by_message[message_id] = line
            case ResultDelivered(message_ids=message_ids):
                for message_id in message_ids:
                    line = Line(recorded.ts, "bot", f"[result of order {recorded.stream.removeprefix('job:')}]",
                                message_id=message_id)
                    lines.append(line)
                    by_message[message_id] = line
    return lines


def _users(recorded: RecordedEvent, update: UpdateReceived, by_message: dict[int, Line]) -> Line | None:
    try:
        body = msgspec.json.decode(update.body, type=_Update)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return Line(recorded.ts, "user", f"[{update.kind}]")
    if body.callback_query is not None:
        data = body.callback_query.data or ""
        on = body.callback_query.message
        tapped = by_message.get(on.message_id) if on is not None else None
        label = next((b.text for row in (tapped.buttons if tapped else ()) for b in row if b.data == data), data)
        return Line(recorded.ts, "user", f"taps «{label}»")
    sent = body.message
    if sent is None:
        return Line(recorded.ts, "user", f"[{update.kind}]")
    if sent.successful_payment is not None:
        return Line(recorded.ts, "user", "[pays the invoice]")
    if sent.photo:
        return Line(recorded.ts, "user", "[photo]" + (f" {sent.caption}" if sent.caption else ""))
    return Line(recorded.ts, "user", sent.text or sent.caption or f"[{update.kind}]")


def plain_text(text: str) -> str:
    """A message's HTML as the user reads it: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def render(lines: list[Line]) -> str:
    """The conversation as plain text: time, who, the message, its buttons, and whether it was edited."""
    out: list[str] = []
    for line in lines:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(line.at))
        who = "👤" if line.author == "user" else "🤖"
        edited = f"  (edited {len(line.edits)}×)" if line.edits else ""
        body = line.text.splitlines() or [""]
        out.append(f"{when}  {who} {body[0]}{edited}")
        out.extend(f"{'':21}   {rest}" for rest in body[1:])
        for row in line.buttons:
            out.append(f"{'':21}   " + "  ".join(f"[{button.text}]" for button in row))
    return "\n".join(out)
