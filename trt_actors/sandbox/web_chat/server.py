"""The web chat's HTTP routes: one simulated user of the Telegram emulator, driven from a browser.

Routes (``Request -> Response``, served like the emulators by
:func:`trt_actors.http.serve`):

* ``GET /``: the page, with the chat as it is now;
* ``GET /api/messages?seen=DIGEST``: the chat's bubbles as JSON
  (``{"digest", "messages": [{"id", "key", "html"}]}``), answered at once when
  the chat no longer matches ``DIGEST``, else when it changes or after
  :data:`LONG_POLL` seconds;
* ``POST /api/send`` ``{"text"}``, ``POST /api/photo?caption=`` (the image's
  bytes as the body), ``POST /api/tap`` ``{"message_id", "data"}`` (answered
  with the bot's callback answer, ``{"text", "show_alert"}``, or
  ``{"text": null, "answered": false}`` after :data:`TAP_WAIT`),
  ``POST /api/pay`` ``{"message_id"}`` (``{"status", "error"}``);
* ``GET /media/<file_id>``: a file of the chat, from the emulator's store;
* ``GET /static/chat.js``, ``/static/chat.css``.

Input is checked where it enters: JSON bodies are decoded into typed
structs, texts are limited to Telegram's 4,096 characters and photos to its
10 MB, and every ``POST`` must carry ``X-Web-Chat: 1`` (see
:mod:`~trt_actors.sandbox.web_chat.page`). Errors answer
``{"error": sentence}`` with a 4xx status.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar
from urllib.parse import unquote

import msgspec
import trio

from trt_actors.http import Request, Response
from trt_actors.sandbox.telegram import TelegramUser
from trt_actors.sandbox.web_chat.chains import ChainIndex
from trt_actors.sandbox.web_chat.page import (
    CONTENT_SECURITY_POLICY,
    SCRIPT,
    STYLE,
    render_page,
)
from trt_actors.sandbox.web_chat.views import MessageView, message_view

__all__ = ["LONG_POLL", "TAP_WAIT", "WebChat"]

LONG_POLL = 20.0
"""How long ``/api/messages`` holds a request when nothing changed."""
TAP_WAIT = 5.0
"""How long a tap waits for the bot's callback answer before the page is told there was none."""
MAX_TEXT = 4096
MAX_PHOTO = 10 * 1024 * 1024
_LOG_GLANCE = 0.5
"""While a poll waits, how often the log is read again for chain links (the log lags the chat a little)."""
_HEADERS = {"content-security-policy": CONTENT_SECURITY_POLICY, "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer", "cache-control": "no-store"}


_T = TypeVar("_T")


class _Text(msgspec.Struct, forbid_unknown_fields=True):
    text: str


class _Tap(msgspec.Struct, forbid_unknown_fields=True):
    message_id: int
    data: str


class _Pay(msgspec.Struct, forbid_unknown_fields=True):
    message_id: int


class _Refused(Exception):
    """A request the web chat does not take; the message is the sentence the page shows."""

    def __init__(self, status: int, sentence: str) -> None:
        super().__init__(sentence)
        self.status = status


def _decode(request: Request, kind: type[_T]) -> _T:
    try:
        return msgspec.json.decode(request.body, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise _Refused(400, f"the body is not what {request.path} takes: {error}") from None


class WebChat:
    """A ``Request -> Response`` handler: ``user``'s chat with the bot, as a page.

    ``console_base`` and ``chains`` (both or neither) add a link to
    ``{console_base}/console/chain/{cid}`` beside every message whose chain
    the log has recorded.

    Example::

        chat = WebChat(emulator.user(1001, "Ann"), bot_name="Demo Bot")
        url = await nursery.start(serve, chat, "127.0.0.1", 8080)
    """

    def __init__(self, user: TelegramUser, *, bot_name: str = "Bot", console_base: str | None = None,
                 chains: ChainIndex | None = None) -> None:
        self.user = user
        self.bot_name = bot_name
        self.console_base = console_base.rstrip("/") if console_base else None
        self.chains = chains if console_base else None

    # -- what the page shows ----------------------------------------------------

    def _chain_url(self, message_id: int) -> str | None:
        if self.chains is None or self.console_base is None:
            return None
        cid = self.chains.cid_of(self.user.chat_id, message_id)
        return None if cid is None else f"{self.console_base}/console/chain/{cid}"

    async def views(self) -> tuple[list[MessageView], str]:
        """The chat's bubbles as they are now, and their digest."""
        if self.chains is not None:
            await self.chains.refresh()
        views = [message_view(message, self._chain_url(message.message_id)) for message in self.user.conversation()]
        digest = hashlib.blake2b("|".join(f"{v.id}:{v.key}" for v in views).encode(), digest_size=8).hexdigest()
        return views, digest

    async def _changed_since(self, seen: str) -> tuple[list[MessageView], str]:
        views, digest = await self.views()
        with trio.move_on_after(LONG_POLL):
            while digest == seen:
                with trio.move_on_after(_LOG_GLANCE if self.chains is not None else LONG_POLL):
                    await self.user.wait_changed()
                views, digest = await self.views()
        return views, digest

    # -- routes -------------------------------------------------------------------

    async def __call__(self, request: Request) -> Response:
        try:
            response = await self._route(request)
        except _Refused as refused:
            response = Response.json({"error": str(refused)}, status=refused.status)
        return Response(response.status, response.body, response.content_type, {**_HEADERS, **response.headers})

    async def _route(self, request: Request) -> Response:
        path, method = request.path, request.method
        if method == "GET":
            if path == "/":
                views, digest = await self.views()
                page = render_page(bot_name=self.bot_name, user_name=self.user.as_user["first_name"],
                                   user_id=self.user.id, views=views, digest=digest)
                return Response(200, page.encode(), "text/html; charset=utf-8")
            if path == "/api/messages":
                views, digest = await self._changed_since(request.query.get("seen", ""))
                return Response.json({"digest": digest, "messages": views})
            if path == "/static/chat.js":
                return Response(200, SCRIPT.encode(), "text/javascript; charset=utf-8")
            if path == "/static/chat.css":
                return Response(200, STYLE.encode(), "text/css; charset=utf-8")
            if path.startswith("/media/"):
                return self._media(unquote(path.removeprefix("/media/")))
            raise _Refused(404, f"the web chat has no page {path}")
        if method != "POST":
            raise _Refused(405, f"{method} is not a method the web chat takes")
        if request.headers.get("x-web-chat") != "1":
            raise _Refused(403, "actions need the header X-Web-Chat: 1 (the page sends it)")
        return await self._act(request)

    async def _act(self, request: Request) -> Response:
        match request.path:
            case "/api/send":
                text = _decode(request, _Text).text
                if not text.strip():
                    raise _Refused(400, "the message is empty: type something first")
                if len(text) > MAX_TEXT:
                    raise _Refused(413, f"a message holds at most {MAX_TEXT} characters; this one has {len(text)}")
                return Response.json({"message_id": await self.user.send_text(text)})
            case "/api/photo":
                if not request.body:
                    raise _Refused(400, "the photo is empty: choose an image file")
                if len(request.body) > MAX_PHOTO:
                    raise _Refused(413, "a photo may be at most 10 MB")
                caption = request.query.get("caption", "")[:1024] or None
                return Response.json({"message_id": await self.user.send_photo(request.body, caption)})
            case "/api/tap":
                wanted = _decode(request, _Tap)
                try:
                    tap = await self.user.tap(wanted.message_id, wanted.data)
                except LookupError as error:
                    raise _Refused(404, str(error)) from None
                with trio.move_on_after(TAP_WAIT):
                    answer = await tap.wait_answered()
                    return Response.json({"text": answer.text, "show_alert": answer.show_alert, "answered": True})
                return Response.json({"text": None, "show_alert": False, "answered": False})
            case "/api/pay":
                invoice = _decode(request, _Pay)
                try:
                    outcome = await self.user.pay(invoice.message_id)
                except LookupError as error:
                    raise _Refused(404, str(error)) from None
                return Response.json({"status": outcome.status, "error": outcome.error_message})
        raise _Refused(404, f"the web chat has no action {request.path}")

    def _media(self, file_id: str) -> Response:
        if not any(message.file_id == file_id for message in self.user.conversation()):
            raise _Refused(404, f"no file {file_id!r} in this chat")
        try:
            data, mime_type = self.user.file(file_id)
        except KeyError:
            raise _Refused(404, f"no file {file_id!r} in this chat") from None
        return Response(200, data, mime_type)
