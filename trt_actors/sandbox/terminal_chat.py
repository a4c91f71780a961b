"""The simulated user's side of ``python main.py sandbox``, in a terminal: type to the bot, read what it sends.

Each line read is one action of the user:

* any text (``/start`` included) is sent as a message;
* ``!tap LABEL`` taps the button labelled LABEL on the newest message that has one;
* ``!pay`` pays the newest invoice (the bot has 10 s to answer the pre-checkout query);
* ``!photo PATH`` sends the image file at PATH.

What the bot does to the chat is printed as it happens, one line per message:
``bot › text [button] [button]``, with ``(edited)`` or ``(deleted)`` when a
message changed, and ``bot (answer) › text`` for the answer to a tap. The end
of the input (``< /dev/null``) ends the typing, not the printing; started in
the background (``&``), the sandbox does not read its terminal at all.

Example::

    async with trio.open_nursery() as nursery:
        nursery.start_soon(show_chat, user, sys.stdout)
        nursery.start_soon(type_to_bot, user, read_lines(sys.stdin), sys.stdout)
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import TextIO

import trio

from trt_actors.sandbox.telegram import BotMessage, Tap, TelegramUser

__all__ = ["describe_message", "read_lines", "readable_now", "show_chat", "type_to_bot"]

_Seen = tuple[str | None, tuple[str, ...], int | None, bool]


def describe_message(message: BotMessage) -> str:
    """One line for a message of the bot: its kind (unless text), its text or caption, and its buttons."""
    parts = [] if message.kind == "text" else [f"[{message.kind}]"]
    if message.invoice is not None:
        invoice = message.invoice
        parts.append(f"{invoice.title} ({invoice.description}): {invoice.total_amount} {invoice.currency}")
    if message.body:
        parts.append(message.body.replace("\n", " / "))
    parts.extend(f"[{text}]" for text in message.button_texts)
    return " ".join(parts)


def _seen(message: BotMessage) -> _Seen:
    return message.body, tuple(message.button_texts), message.edit_date, message.deleted


async def show_chat(user: TelegramUser, out: TextIO) -> None:
    """Print each message the bot sends to ``user``, and each change to one, until cancelled."""
    printed: dict[int, _Seen] = {}
    while True:
        messages = await user.wait_until(lambda now: any(printed.get(m.message_id) != _seen(m) for m in now))
        for message in messages:
            before = printed.get(message.message_id)
            if before == _seen(message):
                continue
            note = "" if before is None else " (deleted)" if message.deleted else " (edited)"
            print(f"bot ›{note} {describe_message(message)}", file=out, flush=True)
            printed[message.message_id] = _seen(message)


async def _show_answer(tap: Tap, out: TextIO) -> None:
    answer = await tap.wait_answered()
    if answer.text:
        print(f"bot (answer) › {answer.text}", file=out, flush=True)


async def _pay(user: TelegramUser, out: TextIO) -> None:
    try:
        outcome = await user.pay()
    except LookupError as error:
        print(f"cannot do that: {error}", file=out, flush=True)
        return
    print(f"payment: {outcome.status}" + (f" ({outcome.error_message})" if outcome.error_message else ""),
          file=out, flush=True)


async def _act(user: TelegramUser, line: str, out: TextIO, nursery: trio.Nursery) -> None:
    command, _, rest = line.partition(" ")
    try:
        if command == "!tap":
            nursery.start_soon(_show_answer, await user.tap_button(rest.strip()), out)
        elif command == "!pay":
            nursery.start_soon(_pay, user, out)
        elif command == "!photo":
            await user.send_photo(Path(rest.strip()).expanduser().read_bytes())
        else:
            await user.send_text(line)
    except (LookupError, OSError) as error:
        print(f"cannot do that: {error}", file=out, flush=True)


def readable_now(stream: TextIO | None) -> bool:
    """Whether reading ``stream`` is safe: a pipe or file, or a terminal this process has the foreground of.

    A process started in the background (``&``) that reads its terminal is stopped by the shell (SIGTTIN).
    """
    try:
        fd = stream.fileno() if stream is not None else -1
    except (AttributeError, OSError, ValueError):
        return False
    if fd < 0:
        return False
    if not os.isatty(fd):
        return True
    return os.tcgetpgrp(fd) == os.getpgrp()


async def read_lines(stream: TextIO) -> AsyncIterator[str]:
    """The lines of a blocking text stream such as ``sys.stdin``, read in a thread, until it ends."""
    while line := await trio.to_thread.run_sync(stream.readline, abandon_on_cancel=True):
        yield line


async def type_to_bot(user: TelegramUser, lines: AsyncIterable[str], out: TextIO) -> None:
    """Act on each of ``lines`` as ``user`` (see the module's doc) until they end."""
    async with trio.open_nursery() as nursery:
        async for line in lines:
            if line.strip():
                await _act(user, line.strip(), out, nursery)
