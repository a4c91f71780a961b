"""A minimal, fast fake of the Telegram Bot API, for benchmarking whole bots against it.

Run::

    python bench/fake_botapi.py [--port 0] [--core 1]

It prints ``fake-botapi http://127.0.0.1:<port>`` once it listens, then serves
until killed. Unlike the emulator (``trt_actors.sandbox.telegram``), it
validates nothing and keeps no users: it exists to stay out of the way. It is
a raw asyncio HTTP/1.1 server (keep-alive, ``Content-Length`` or chunked
bodies, no pipelining) that costs a few tens of microseconds of CPU per call;
``bench/pipeline.py`` measures its capacity and its CPU use during every burst.

The Bot API, at ``/bot<any token>/<method>`` (parameters as JSON, form,
multipart or query string):

- ``getUpdates`` with Telegram's ``offset`` rule (every update below
  ``offset`` is confirmed and forgotten; a negative offset takes the last
  updates), ``limit`` (1-100, default 100) and ``timeout`` (long polling: the
  call returns as soon as an update is pending, or empty when it runs out);
- ``sendMessage`` and ``editMessageText`` return a ``Message``;
- ``getMe``, ``getWebhookInfo``; everything else (``deleteWebhook``,
  ``setMyCommands``, ``answerCallbackQuery``, …) returns ``true``.

The harness drives it at ``/_control/``:

- ``POST /_control/reset``: forget updates, counters and latencies (a waiting
  long poll stays waiting);
- ``POST /_control/enqueue`` ``{"count": N, "chats": C, "chat_base": B,
  "text": "hello"}``: N text messages from private chats ``B … B+C-1`` in turn,
  all offered at once;
- ``POST /_control/feed`` ``{"count": N, "rate": R, "chat_base": B}``: N
  messages, each from a new chat, offered R per second on a steady schedule;
- ``GET /_control/stats[?latencies=1]``: counters and timestamps
  (``time.monotonic()``, which on Linux is the same clock in every process).

**Latency** is the time from an update being offered to the first
``sendMessage`` or ``editMessageText`` to its chat after it. Each chat keeps a
FIFO of its offered updates, so a bot that answers every update with one
message has every answer matched to its own update.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fake_http import BadRequest, Request, parse_params, parse_request  # noqa: E402

__all__ = ["FakeBotAPI", "serve", "serve_in_thread"]

BOT_ID = 123456
_MAX_TIMEOUT = 50.0
_OK_TRUE = b'{"ok":true,"result":true}'
_UPDATE = (
    b'{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"User%d",'
    b'"language_code":"en"},"chat":{"id":%d,"first_name":"User%d","type":"private"},"date":%d,"text":%s}}'
)
_MESSAGE = (
    b'{"ok":true,"result":{"message_id":%d,"from":{"id":' + str(BOT_ID).encode() + b',"is_bot":true,'
    b'"first_name":"Bench","username":"bench_bot"},"chat":{"id":%d,"type":"private","first_name":"User%d"},'
    b'"date":%d%s,"text":%s}}'
)
_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 413: b"Payload Too Large"}
_GET_ME = json.dumps(
    {
        "ok": True,
        "result": {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Bench",
            "username": "bench_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        },
    }
).encode()


@dataclass
class _Poll:
    """A ``getUpdates`` call waiting for updates."""

    connection: _Connection
    limit: int
    timer: asyncio.TimerHandle | None = None


@dataclass
class _Counters:
    offered: int = 0
    delivered: int = 0
    confirmed: int = 0
    polls: int = 0
    answers: int = 0
    sends: int = 0
    unmatched: int = 0
    requests: int = 0
    fed: int = 0
    feed_target: int = 0
    first_poll_at: float | None = None
    first_delivery_at: float | None = None
    first_answer_at: float | None = None
    last_answer_at: float | None = None
    methods: dict[str, int] = field(default_factory=dict)


class FakeBotAPI:
    """The fake's state and its answers; :class:`_Connection` does the HTTP."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: deque[tuple[int, bytes]] = deque()
        self._next_update_id = 1
        self._next_message_id = 1
        self._offered: dict[int, deque[float]] = {}
        self._latencies: list[float] = []
        self._polls: list[_Poll] = []
        self._feed: asyncio.TimerHandle | None = None
        self._counters = _Counters()

    def request(self, connection: _Connection, request: Request) -> bytes | None:
        """The response body for one request, or None when it is a long poll that now waits."""
        self._counters.requests += 1
        path, _, raw_query = request.target.partition("?")
        query = dict(urllib.parse.parse_qsl(raw_query))
        parts = path.split("/")
        if len(parts) == 3 and parts[1].startswith("bot"):
            params: dict[str, Any] = dict(query)
            params.update(parse_params(request.content_type, request.body))
            return self.call(connection, parts[2], params)
        if len(parts) == 3 and parts[1] == "_control":
            return self.control(parts[2], parse_params(request.content_type, request.body), query)
        raise BadRequest(f"no such path {path!r}")

    # -- the Bot API -------------------------------------------------------------

    def call(self, connection: _Connection, method: str, params: dict[str, Any]) -> bytes | None:
        """The response body for one Bot API call, or None when a long poll now waits."""
        counters = self._counters
        counters.methods[method] = counters.methods.get(method, 0) + 1
        if method == "sendMessage" or method == "editMessageText":
            return self._answer(method, params)
        if method == "getUpdates":
            return self._get_updates(connection, params)
        if method == "getMe":
            return _GET_ME
        if method == "getWebhookInfo":
            info = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._queue)}
            return json.dumps({"ok": True, "result": info}).encode()
        return _OK_TRUE

    def _get_updates(self, connection: _Connection, params: dict[str, Any]) -> bytes | None:
        counters = self._counters
        counters.polls += 1
        if counters.first_poll_at is None:
            counters.first_poll_at = time.monotonic()
        offset = _int(params, "offset", None)
        limit = min(100, max(1, _int(params, "limit", 100) or 100))
        timeout = min(_MAX_TIMEOUT, max(0.0, float(_int(params, "timeout", 0) or 0)))
        if offset is not None:
            self._confirm(offset)
        if self._queue or timeout == 0:
            return self._deliver(limit)
        poll = _Poll(connection, limit)
        poll.timer = self._loop.call_later(timeout, self._expire, poll)
        self._polls.append(poll)
        return None

    def _confirm(self, offset: int) -> None:
        queue = self._queue
        if offset < 0:
            offset = queue[max(0, len(queue) + offset)][0] if queue else self._next_update_id
        while queue and queue[0][0] < offset:
            queue.popleft()
            self._counters.confirmed += 1

    def _deliver(self, limit: int) -> bytes:
        items = [body for _, body in islice(self._queue, limit)]
        if items:
            self._counters.delivered += len(items)
            if self._counters.first_delivery_at is None:
                self._counters.first_delivery_at = time.monotonic()
        return b'{"ok":true,"result":[' + b",".join(items) + b"]}"

    def _expire(self, poll: _Poll) -> None:
        if poll in self._polls:
            self._polls.remove(poll)
            poll.connection.respond(200, self._deliver(poll.limit))

    def _wake(self) -> None:
        polls, self._polls = self._polls, []
        for poll in polls:
            if poll.timer is not None:
                poll.timer.cancel()
            poll.connection.respond(200, self._deliver(poll.limit))

    def forget(self, connection: _Connection) -> None:
        """The connection closed: drop its waiting long poll, if any."""
        for poll in [poll for poll in self._polls if poll.connection is connection]:
            self._polls.remove(poll)
            if poll.timer is not None:
                poll.timer.cancel()

    def _answer(self, method: str, params: dict[str, Any]) -> bytes:
        now = time.monotonic()
        counters = self._counters
        counters.sends += 1
        chat_id = _int(params, "chat_id", 0) or 0
        waiting = self._offered.get(chat_id)
        if waiting:
            self._latencies.append(now - waiting.popleft())
            if not waiting:
                del self._offered[chat_id]
            counters.answers += 1
            if counters.first_answer_at is None:
                counters.first_answer_at = now
            counters.last_answer_at = now
        else:
            counters.unmatched += 1
        message_id = _int(params, "message_id", None)
        if message_id is None:
            message_id = self._next_message_id
            self._next_message_id += 1
        text = params.get("text", "")
        date = int(time.time())
        edited = b',"edit_date":%d' % date if method == "editMessageText" else b""
        text = json.dumps(params.get("text", ""), ensure_ascii=False).encode()
        return _MESSAGE % (message_id, chat_id, chat_id, date, edited, text)

    # -- control -----------------------------------------------------------------

    def control(self, action: str, params: dict[str, Any], query: dict[str, Any]) -> bytes:
        """Answer one ``/_control/<action>`` call."""
        if action == "reset":
            self.reset()
            return _OK_TRUE
        if action == "enqueue":
            count, chats = _int(params, "count", 1) or 1, _int(params, "chats", None)
            base = _int(params, "chat_base", 1_000_000) or 0
            text = json.dumps(str(params.get("text", "hello"))).encode()
            now, date = time.monotonic(), int(time.time())
            for i in range(count):
                self._offer(base + i % (chats or count), text, now, date)
            self._wake()
            return json.dumps({"ok": True, "result": {"offered": count}}).encode()
        if action == "feed":
            count, rate = _int(params, "count", 1) or 1, float(params.get("rate", 200))
            base = _int(params, "chat_base", 2_000_000) or 0
            self._start_feed(count, rate, base)
            return _OK_TRUE
        if action == "stats":
            return json.dumps({"ok": True, "result": self.stats(latencies=bool(query.get("latencies")))}).encode()
        raise BadRequest(f"unknown control action {action!r}")

    def reset(self) -> None:
        """Forget updates, counters and latencies; waiting long polls stay."""
        self._queue.clear()
        self._offered.clear()
        self._latencies = []
        if self._feed is not None:
            self._feed.cancel()
            self._feed = None
        self._counters = _Counters()

    def stats(self, *, latencies: bool = False) -> dict[str, Any]:
        """Counters, timestamps, the fake's own CPU seconds and (on request) every latency in seconds."""
        result: dict[str, Any] = dict(vars(self._counters))
        result.update(pending=len(self._queue), waiting_polls=len(self._polls), now=time.monotonic())
        result["cpu_s"] = time.process_time()
        if latencies:
            result["latencies"] = list(self._latencies)
        return result

    def _offer(self, chat_id: int, text: bytes, now: float, date: int) -> None:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._queue.append((update_id, _UPDATE % (update_id, update_id, chat_id, chat_id, chat_id, chat_id, date, text)))
        self._offered.setdefault(chat_id, deque()).append(now)
        self._counters.offered += 1

    def _start_feed(self, count: int, rate: float, base: int) -> None:
        if self._feed is not None:
            self._feed.cancel()
        self._counters.fed, self._counters.feed_target = 0, count
        start = self._loop.time()
        text = b'"hello"'

        def tick() -> None:
            counters = self._counters
            due = min(count, int((self._loop.time() - start) * rate) + 1)
            if due > counters.fed:
                now, date = time.monotonic(), int(time.time())
                for i in range(counters.fed, due):
                    self._offer(base + i, text, now, date)
                counters.fed = due
                self._wake()
            if counters.fed < count:
                self._feed = self._loop.call_at(start + counters.fed / rate, tick)
            else:
                self._feed = None

        tick()


class _Connection(asyncio.Protocol):
    """One client connection: parse a request, answer it (or park it for a long poll), repeat."""

    def __init__(self, api: FakeBotAPI) -> None:
        self._api = api
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._waiting = False
        self._close_after = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._api.forget(self)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._waiting:
            self._process()

    def respond(self, status: int, body: bytes) -> None:
        """Send one response; after a parked long poll, go on with any request already buffered."""
        transport = self._transport
        if transport is None:
            return
        reason = _REASONS.get(status, b"Error")
        closing = b"Connection: close\r\n" if self._close_after else b""
        transport.write(
            b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s"
            % (status, reason, len(body), closing, body)
        )
        if self._close_after:
            transport.close()
            self._transport = None
            return
        if self._waiting:
            self._waiting = False
            self._process()

    def _process(self) -> None:
        while self._transport is not None and not self._waiting:
            request = parse_request(self._buffer)
            if request is None:
                return
            if isinstance(request, BadRequest):
                self._close_after = True
                self.respond(400, _error(400, str(request)))
                return
            self._close_after = request.close
            if request.expect_continue and self._transport is not None:
                self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                body = self._api.request(self, request)
            except BadRequest as exc:
                self.respond(400, _error(400, str(exc)))
                continue
            if body is None:
                self._waiting = True
                return
            self.respond(200, body)


def _int(params: dict[str, Any], name: str, default: int | None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be an integer, not {value!r}") from None


def _error(code: int, description: str) -> bytes:
    return json.dumps({"ok": False, "error_code": code, "description": f"Bad Request: {description}"}).encode()


async def serve(host: str = "127.0.0.1", port: int = 0) -> tuple[asyncio.Server, FakeBotAPI, str]:
    """Start listening on the running loop; return the server, the fake's state and its base URL."""
    loop = asyncio.get_running_loop()
    api = FakeBotAPI(loop)
    server = await loop.create_server(lambda: _Connection(api), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()
    return server, api, f"http://{bound[0]}:{bound[1]}"


@contextmanager
def serve_in_thread() -> Iterator[str]:
    """Run the fake on its own event loop in a thread, for tests; yields its base URL.

    >>> with serve_in_thread() as base:
    ...     ...  # httpx.post(f"{base}/_control/enqueue", json={"count": 3})
    """
    loop = asyncio.new_event_loop()
    ready: list[str] = []
    started = threading.Event()

    async def start() -> asyncio.Server:
        server, _, base = await serve()
        ready.append(base)
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(start())
        started.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()

    thread = threading.Thread(target=run, name="fake-botapi", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the fake Bot API did not start within 10 s")
    try:
        yield ready[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--core", type=int, default=None, help="pin the process to this CPU core")
    args = parser.parse_args()
    if args.core is not None:
        os.sched_setaffinity(0, {args.core})

    async def run() -> None:
        server, _, base = await serve(args.host, args.port)
        print(f"fake-botapi {base}", flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
