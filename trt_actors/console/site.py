"""The console's routes: the login first, then one page per view, each reading the log read-only.

=================================  =============================================================
``GET /console``                    the search box and the newest updates
``GET /console/search?q=``          what the query names (:mod:`~trt_actors.console.search`)
``GET /console/trace?cid=``         a chain as a tree (:mod:`~trt_actors.console.chain`); also ``/console/chain/<cid>``
``GET /console/user?id=``           a user's ledger timeline and closure checks (:mod:`~trt_actors.console.ledger`)
``GET /console/chat?id=&at=``       a chat as the user saw it, with a time slider (:mod:`~trt_actors.console.chat`)
``GET /console/jobs``               jobs by model and state, failures (:mod:`~trt_actors.console.jobs`)
``GET /console/money``              top-ups and refunds (:mod:`~trt_actors.console.money`)
``GET /console/tail``               the live tail; its socket is ``/console/events`` (:mod:`~trt_actors.console.live`)
=================================  =============================================================

Every request without the login gets :data:`~trt_actors.console.login.REFUSED`
(401, no data), whatever its path. Nothing here writes: each page opens the
log read-only for its own time (:func:`~trt_actors.console.reads.open_log`).

Example::

    console = Console(Path("trt.sqlite3"), Login("support", Secret("s3cret")))
    server = BotServer(..., console=console)          # or: await serve(console.asgi(), host, port)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Final

from eventlog import EventLog, EventLogError
from trt_actors.console.chain import chain_page
from trt_actors.console.chat import chat_page, moments_of
from trt_actors.console.jobs import JOB_EVENTS_READ, jobs_page
from trt_actors.console.ledger import ledger_page
from trt_actors.console.live import filters_of, follow, tail_page
from trt_actors.console.login import REFUSED, Login
from trt_actors.console.markup import Html, el, join, moment, page
from trt_actors.console.money import MONEY_EVENTS_READ, money_page
from trt_actors.console.reads import every, open_log
from trt_actors.console.search import Sender, find, href, sender_of
from trt_actors.events import UpdateReceived
from trt_actors.http.asgi import (
    ASGIApp,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    asgi_app,
)
from trt_actors.ledger.audit import audit
from trt_actors.show_chat import conversation

__all__ = ["EVENTS_PATH", "PREFIX", "Console"]

PREFIX: Final = "/console"
EVENTS_PATH: Final = "/console/events"
_NEWEST: Final = 30

_HEADERS: Final = {"cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
                   "x-frame-options": "DENY"}

View = Callable[[EventLog, Request], Awaitable[tuple[str, Html]]]


class BadQuery(Exception):
    """A page was asked with a parameter it cannot read (a chat id that is no number); the message says which."""


class Console:
    """The read-only console over the log at ``db``, for whoever has ``login`` (nobody when it is not set)."""

    def __init__(self, db: str | Path, login: Login) -> None:
        self.db = db
        self.login = login
        self.requests = 0
        self._views: dict[str, View] = {
            "": _home, "search": _search, "trace": _trace, "user": _user, "chat": _chat, "jobs": _jobs,
            "money": _money, "tail": _tail,
        }

    async def handle(self, request: Request) -> Response:
        """Answer one request under ``/console`` (the ``Request -> Response`` handler)."""
        self.requests += 1
        if not self.login.admits(request.headers):
            return REFUSED
        if request.method not in ("GET", "HEAD"):
            return Response.text("the console only reads: use GET", 405)
        name = request.path.rstrip("/").removeprefix(PREFIX).strip("/")
        if name.startswith("chain/"):  # the web chat's link beside each message
            name, request = "trace", replace(request, query={**request.query, "cid": name.removeprefix("chain/")})
        view = self._views.get(name)
        if view is None:
            return _html(404, "Not found", el("p", "The console has no such page."))
        try:
            async with open_log(self.db) as log:
                title, body = await view(log, request)
        except BadQuery as bad:
            return _html(400, "Cannot show this", el("p", str(bad)))
        except EventLogError as error:
            return _html(503, "The log cannot be read", el("p", str(error)))
        return _html(200, title, body, query=request.query.get("q", ""))

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI WebSocket app of :data:`EVENTS_PATH` (the live tail); other paths are closed."""
        if scope.get("path", "").rstrip("/") != EVENTS_PATH:
            await send({"type": "websocket.close", "code": 1003})
            return
        await follow(self.db, self.login, scope, receive, send)

    def asgi(self) -> ASGIApp:
        """The console alone as an ASGI app (``python main.py console``): ``/`` leads to ``/console``."""

        async def handle(request: Request) -> Response:
            if request.path.rstrip("/") in ("", "/"):
                return Response(302, b"", headers={"location": PREFIX})
            if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
                return await self.handle(request)
            return Response.text("not found", 404)

        return asgi_app(handle, websocket=self.websocket)


def _html(status: int, title: str, body: Html, *, query: str = "") -> Response:
    return Response(status, page(title, body, query=query).encode("utf-8"), "text/html; charset=utf-8", _HEADERS)


def _number(request: Request, name: str) -> int:
    value = request.query.get(name, "").strip()
    if not value.lstrip("-").isdigit():
        raise BadQuery(f"?{name}= wants a number (a user or chat id), not {value!r}.")
    return int(value)


async def _home(log: EventLog, request: Request) -> tuple[str, Html]:
    head = await log.last_seq()
    updates = await log.read_from(max(1, head - 20_000), 20_000, types=[UpdateReceived.type_name()])
    rows = []
    for recorded in reversed(updates[-_NEWEST:]):
        event = recorded.event
        sender = sender_of(event) if isinstance(event, UpdateReceived) else None
        who = join(el("bdi", sender.first_name), f" @{sender.username}" if sender.username else "") if sender else ""
        rows.append(el(
            "tr", el("td", moment(recorded.ts)),
            el("td", el("a", {"href": href("user", id=recorded.user_id)}, recorded.user_id)
               if recorded.user_id is not None else "—"),
            el("td", who),
            el("td", el("a", {"href": href("chat", id=recorded.chat_id, at=repr(recorded.ts))}, recorded.chat_id)
               if recorded.chat_id is not None else "—"),
            el("td", event.kind if isinstance(event, UpdateReceived) else recorded.type),
            el("td", el("a", {"href": href("trace", cid=recorded.cid)}, recorded.cid)),
        ))
    header = el("tr", [el("th", label) for label in ("time (UTC)", "user", "name", "chat (then)", "update", "chain")])
    return "Console", join(
        el("p", f"The log holds {head} events. Search by user id, @username, chat, cid, job id, KIE task id or "
                "Stars charge id above."),
        el("h2", "Newest updates"),
        el("table", {"id": "updates"}, header, rows) if rows else el("p", "No update yet."),
    )


async def _search(log: EventLog, request: Request) -> tuple[str, Html]:
    query = request.query.get("q", "")
    hits = await find(log, query)
    listed = el("ul", {"id": "hits"}, [el("li", el("a", {"href": hit.href}, hit.label), " ",
                                              el("span", {"class": "muted"}, hit.kind)) for hit in hits])
    return f"Search: {query}", listed if hits else el("p", "Nothing in the log matches.")


async def _trace(log: EventLog, request: Request) -> tuple[str, Html]:
    cid = request.query.get("cid", "")
    return chain_page(cid, await log.read_cid(cid), await log.commit_times(cid))


async def _user(log: EventLog, request: Request) -> tuple[str, Html]:
    user = _number(request, "id")
    events = await every(log)
    report = audit(events, now=time.time(), user=user)
    sender: Sender | None = None
    for recorded in events:
        if recorded.user_id == user and isinstance(recorded.event, UpdateReceived):
            sender = sender_of(recorded.event) or sender  # the newest name and username
    return ledger_page(user, report, sender)


async def _chat(log: EventLog, request: Request) -> tuple[str, Html]:
    chat = _number(request, "id")
    given = request.query.get("at", "").strip()
    try:
        at = float(given) if given else None
    except ValueError:
        raise BadQuery(f"?at= wants a Unix time such as 1796458333.25, not {given!r}.") from None
    everything = await conversation(log, chat)
    shown = everything if at is None else await conversation(log, chat, at=at)
    return chat_page(chat, shown, moments_of(everything), at)


async def _jobs(log: EventLog, request: Request) -> tuple[str, Html]:
    return jobs_page(await every(log, *JOB_EVENTS_READ))


async def _money(log: EventLog, request: Request) -> tuple[str, Html]:
    return money_page(await every(log, *MONEY_EVENTS_READ))


async def _tail(log: EventLog, request: Request) -> tuple[str, Html]:
    return tail_page(filters_of(dict(request.query)))
