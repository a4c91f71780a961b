"""The web chat: a simulated user of the local Telegram emulator, driven from a browser.

``python main.py demo --web`` (our bot against the emulators) and ``python
main.py sandbox --web`` (any bot) serve it. The page lists the chat as a
Telegram client would: the bot's formatting, inline keyboards as buttons,
photos, voice and video from the emulator's file store, invoices with a Pay
button; the user types, taps, sends a photo and pays; edits show in place.
With the bot's log file and its console's base URL, each message links to
its causal chain in the console (``/console/chain/<cid>``).

Modules: ``server`` (the routes), ``page`` (HTML, style, script), ``views``
(one message as a bubble), ``formatting`` (text and entities as safe HTML),
``chains`` (message → cid, read from the log).

Example::

    async with trio.open_nursery() as nursery:
        url = await nursery.start(serve_web_chat, emulator.user(1001, "Ann"), "127.0.0.1", 8080)
        print(f"open {url}")
"""

from __future__ import annotations

from pathlib import Path

import trio

from trt_actors.http import serve
from trt_actors.sandbox.telegram import TelegramUser
from trt_actors.sandbox.web_chat.chains import ChainIndex
from trt_actors.sandbox.web_chat.formatting import formatted_html
from trt_actors.sandbox.web_chat.server import WebChat
from trt_actors.sandbox.web_chat.views import MessageView, message_view

__all__ = ["ChainIndex", "MessageView", "WebChat", "formatted_html", "message_view", "serve_web_chat"]


async def serve_web_chat(
    user: TelegramUser,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    bot_name: str = "Bot",
    console_base: str | None = None,
    db_path: Path | None = None,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``user``'s web chat on ``host:port`` until cancelled; ``task_status`` gets the page's URL.

    Chain links need both ``console_base`` (the bot's HTTP server, which
    serves the console) and ``db_path`` (its log, read-only).
    """
    if console_base is None or db_path is None:
        await serve(WebChat(user, bot_name=bot_name), host, port, task_status=task_status)
        return
    async with ChainIndex.open(db_path) as chains:
        chat = WebChat(user, bot_name=bot_name, console_base=console_base, chains=chains)
        await serve(chat, host, port, task_status=task_status)
