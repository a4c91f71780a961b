"""``python main.py sandbox``: the Telegram and KIE emulators on their own, for any bot to be tried against.

:func:`serve_sandbox` serves the Telegram Bot API emulator on ``port`` and the
KIE emulator on ``port + 1`` (with ``port=0``, on any free ports), prints
their base URLs, the bot token and the KIE key as ``export`` lines a shell
takes as they are, then until it is cancelled (Ctrl-C or SIGTERM in
``main.py``) a line ``api: method → status`` for each Bot API call the bot
makes (long polls left out) and the chat of the simulated user
:data:`SANDBOX_USER_ID` ("Tester"), who acts on the lines typed (see
:mod:`~trt_actors.sandbox.terminal_chat`). With ``web=WebChatOptions(...)``
the same user's chat is also served as a page
(:mod:`~trt_actors.sandbox.web_chat`, ``--web``) on ``port + 2``.

A bot written with any framework points its API base at the printed
``TELEGRAM_API_BASE`` (ours reads that variable). The user exists from the
start, so ``getChat`` and ``getChatMember`` know it. The emulators run in
strict mode (unknown parameters refused, deprecated ones that Telegram still
honours accepted).

Example::

    trio.run(serve_sandbox, 8081, sys.stdout, read_lines(sys.stdin))
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TextIO

import trio

from trt_actors.sandbox.kie import KieEmulator
from trt_actors.sandbox.telegram import ReceivedRequest, TelegramEmulator
from trt_actors.sandbox.terminal_chat import show_chat, type_to_bot
from trt_actors.sandbox.web_chat import serve_web_chat

__all__ = ["SANDBOX_KIE_KEY", "SANDBOX_TOKEN", "SANDBOX_USER_ID", "SandboxAddresses", "WebChatOptions",
           "serve_sandbox"]

SANDBOX_TOKEN = "123456:SANDBOX-local-emulator-token"
SANDBOX_KIE_KEY = "sandbox-local-kie-key"
SANDBOX_USER_ID = 1001
_QUIET = frozenset({"getUpdates"})


@dataclass(frozen=True)
class WebChatOptions:
    """``--web``: serve the user's chat as a page; with the bot's log and console, each message links its chain."""

    console_base: str | None = None
    db_path: Path | None = None


class SandboxAddresses:
    """Where the two emulators listen, and the credentials they take."""

    def __init__(self, telegram: TelegramEmulator, kie: KieEmulator) -> None:
        self.telegram_api_base = telegram.api_base
        self.token = telegram.token
        self.kie_api_base = kie.api_base
        self.kie_upload_base = kie.upload_base
        self.kie_api_key = SANDBOX_KIE_KEY

    def exports(self) -> list[str]:
        """The settings our bot reads, as shell ``export`` lines."""
        return [
            f"export TELEGRAM_BOT_TOKEN={self.token}",
            f"export TELEGRAM_API_BASE={self.telegram_api_base}",
            f"export KIE_API_KEY={self.kie_api_key}",
            f"export KIE_API_BASE={self.kie_api_base}",
            f"export KIE_UPLOAD_BASE={self.kie_upload_base}",
        ]


def describe_call(request: ReceivedRequest) -> str:
    """One line for one Bot API call: the method, its chat and the HTTP status it got."""
    chat = request.params.get("chat_id")
    return f"api: {request.method}" + (f" chat={chat}" if chat is not None else "") + f" → {request.status}"


async def _log_calls(telegram: TelegramEmulator, out: TextIO) -> None:
    printed = 0
    while True:
        await telegram.wait_request()
        answered = telegram.requests  # calls answered together wake this once: print them all
        for request in answered[printed:] if printed < len(answered) else answered[-1:]:
            if request.method not in _QUIET or request.status != 200:
                print(describe_call(request), file=out, flush=True)
        printed = len(answered)


async def serve_sandbox(
    port: int,
    out: TextIO,
    typed: AsyncIterable[str] | None = None,
    *,
    host: str = "127.0.0.1",
    web: WebChatOptions | None = None,
    task_status: trio.TaskStatus[SandboxAddresses] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve both emulators until cancelled; print how to reach them, the calls and the chat to ``out``.

    The simulated user acts on the lines of ``typed`` (None: no one types).
    """
    kie_port = port + 1 if port else 0
    async with (
        TelegramEmulator.serve(SANDBOX_TOKEN, host=host, port=port, bot_name="Sandbox Bot",
                               bot_username="sandbox_bot") as telegram,
        KieEmulator.serve(api_key=SANDBOX_KIE_KEY, host=host, port=kie_port) as kie,
    ):
        tester = telegram.user(SANDBOX_USER_ID, "Tester", username="tester")
        addresses = SandboxAddresses(telegram, kie)
        print(f"Telegram Bot API emulator: {addresses.telegram_api_base}  (bot token {addresses.token}, "
              f"@sandbox_bot; user {SANDBOX_USER_ID} 'Tester')", file=out)
        print(f"KIE emulator: {addresses.kie_api_base}  (uploads {addresses.kie_upload_base}, "
              f"API key {addresses.kie_api_key})", file=out)
        print("Point a bot at them; for ours:", file=out)
        for line in addresses.exports():
            print(f"  {line}", file=out)
        async with trio.open_nursery() as nursery:
            if web is not None:
                page = await nursery.start(partial(
                    serve_web_chat, tester, host, port + 2 if port else 0, bot_name="Sandbox Bot",
                    console_base=web.console_base, db_path=web.db_path))
                print(f"Web chat as user {SANDBOX_USER_ID}: {page}", file=out)
            print(f"Type to the bot as user {SANDBOX_USER_ID}: text, or !tap LABEL, !pay, !photo PATH. "
                  "Ctrl-C stops the emulators.", file=out, flush=True)
            task_status.started(addresses)
            nursery.start_soon(_log_calls, telegram, out)
            nursery.start_soon(show_chat, tester, out)
            if typed is not None:
                await type_to_bot(tester, typed, out)
