"""The live tail: a page, and its WebSocket that sends each new event of the log as a telemetry line.

The lines are :class:`~trt_actors.actors.telemetry.TelemetryLine` s, the same
JSON ``/events`` sends (envelope only: no text, prompt or payment leaves the
log), filtered by ``cid``, chat and type as ``python main.py tail`` filters
them (:class:`~trt_actors.tail.Filters`). The socket follows the log file
itself, read-only, so it works the same inside a running bot and over a file
with no bot; it first sends the last :data:`BACKLOG` matching lines. The
browser's socket carries the console's login (a browser sends the Basic
credentials of the page with its WebSocket handshake); without it the
handshake is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, urlencode

import msgspec
import trio

from trt_actors.actors.telemetry import line_of
from trt_actors.console.login import Login
from trt_actors.console.markup import Html, el, join
from trt_actors.console.reads import open_log
from trt_actors.http.asgi import Receive, Scope, Send
from trt_actors.tail import POLL, Filters

__all__ = ["BACKLOG", "follow", "tail_page"]

BACKLOG: Final = 200
"""Matching lines sent from before the socket opened, so that the page never starts empty."""

_SCRIPT: Final = Html("""<script>
const out = document.getElementById("tail"), state = document.getElementById("state");
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(scheme + "//" + location.host + "/console/events" + out.dataset.query);
const pad = (text, width) => String(text).padEnd(width);
socket.onopen = () => { state.textContent = "following"; };
socket.onclose = () => { state.textContent = "closed"; };
socket.onmessage = (message) => {
  const line = JSON.parse(message.data);
  const when = new Date(line.ts * 1000).toISOString().slice(11, 23);
  const text = [String(line.seq).padStart(8), when, pad(line.type, 22), pad(line.stream, 20), line.cid,
                line.chat === undefined ? "" : "chat " + line.chat,
                line.latency === undefined ? "" : "+" + Math.round(line.latency * 1000) + " ms"].join("  ");
  out.append(document.createTextNode(text.trimEnd() + "\\n"));
  window.scrollTo(0, document.body.scrollHeight);
};
</script>""")


def filters_of(query: dict[str, str]) -> Filters:
    """The filters a query string gives (empty values: no filter)."""
    return Filters(cid=query.get("cid") or None, chat=query.get("chat") or None, type=query.get("type") or None)


def tail_page(filters: Filters) -> tuple[str, Html]:
    """The title and body: the filter form and the lines as they come."""
    given = filters.query()
    form = el("form", {"method": "get", "action": "/console/tail"},
              [join(label, " ", Html(f'<input name="{name}" value="{join(given.get(name, ""))}" size="18"> '))
               for name, label in (("cid", "cid"), ("chat", "chat"), ("type", "type"))],
              Html('<button type="submit">Filter</button>'))
    query = f"?{urlencode(given)}" if given else ""
    return "Live tail", join(
        form,
        el("p", "Each new event of the log, as /events sends it (its envelope; no texts). Socket: ",
           el("span", {"id": "state"}, "connecting")),
        el("div", {"id": "tail", "data-query": query}),
        _SCRIPT,
    )


async def follow(db: str | Path, login: Login, scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI WebSocket app of ``/console/events``: refuse a handshake without the login, else follow."""
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope.get("headers", [])}
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if not login.admits(headers):
        await send({"type": "websocket.close", "code": 1008})
        return
    filters = filters_of(dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))))
    encoder = msgspec.json.Encoder()
    await send({"type": "websocket.accept"})
    async with open_log(db) as log, trio.open_nursery() as nursery:

        async def until_closed() -> None:
            while (await receive())["type"] != "websocket.disconnect":
                pass
            nursery.cancel_scope.cancel()

        nursery.start_soon(until_closed)
        head = await log.last_seq()
        backlog = [line for r in await log.read_from(max(1, head - 5 * BACKLOG + 1), 5 * BACKLOG)
                   if filters.wants(line := line_of(r))][-BACKLOG:]
        for line in backlog:
            await send({"type": "websocket.send", "text": encoder.encode(line).decode()})
        while True:
            page = await log.read_from(head + 1, 1000)
            for recorded in page:
                head = recorded.seq
                line = line_of(recorded)
                if filters.wants(line):
                    await send({"type": "websocket.send", "text": encoder.encode(line).decode()})
            if not page:
                await trio.sleep(POLL)
