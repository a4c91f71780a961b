"""The telemetry sink: every event of the log as one JSON line, counters and latencies, and the live feed.

It follows the log from where it is when it starts (a subscription; it never
writes). For each event it makes a :class:`TelemetryLine`: the envelope only
(``seq``, time, type, stream, ``cid``, chat, user) and, for an outbox
delivery, the seconds since the update that started its chain. Payloads are
never copied: message texts, prompts, payment details and secrets stay in
the log. The lines go

* to ``out`` (stdout or a file: ``TELEMETRY``), one JSON object per line;
* to every ``/events`` WebSocket client (``python main.py tail``) whose
  filters (``cid``, ``chat``, ``type``) they match; a client must give the
  ``EVENTS_TOKEN`` (``?token=``); one that reads too slowly loses lines, never
  slows the bot;
* into the counters behind ``/metrics``: events by type, and the histogram of
  update-to-delivery latency (the first delivery of each update's chain).

Example::

    telemetry = Telemetry(log, out=sys.stdout, token=settings.events_token)
    root.start("telemetry", telemetry.run)
    server = BotServer(..., events=telemetry.websocket)
"""

from __future__ import annotations

import hmac
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Mapping
from typing import ClassVar, Final, TextIO
from urllib.parse import parse_qsl

import msgspec
import trio

from eventlog import EventLog, RecordedEvent
from trt_actors.events import DispatchOk, UpdateReceived
from trt_actors.http.asgi import Receive, Scope, Send
from trt_actors.metrics import Histogram
from trt_actors.secret import Secret

__all__ = ["LATENCY_BUCKETS", "Telemetry", "TelemetryLine", "TelemetryStatistics", "decode_line", "describe",
           "line_of"]

log = logging.getLogger(__name__)

LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Upper bounds (seconds) of the update-to-delivery latency histogram."""

_REMEMBERED: Final = 10_000
"""How many recent chains' update times the sink keeps to measure latency."""

_CLIENT_BUFFER: Final = 1_000


class TelemetryLine(msgspec.Struct, frozen=True, omit_defaults=True):
    """One event as telemetry sees it: its envelope, never its payload."""

    seq: int
    ts: float
    type: str
    stream: str
    cid: str
    chat: int | None = None
    user: int | None = None
    latency: float | None = None
    """Seconds from the update that started this chain to this delivery (``DispatchOk`` only)."""


def line_of(recorded: RecordedEvent, latency: float | None = None) -> TelemetryLine:
    return TelemetryLine(seq=recorded.seq, ts=recorded.ts, type=recorded.type, stream=recorded.stream,
                         cid=recorded.cid, chat=recorded.chat_id, user=recorded.user_id, latency=latency)


class TelemetryStatistics(msgspec.Struct, frozen=True):
    """What the sink has seen: events by type, the latency histogram (cumulative counts), live clients."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"events", "dropped"})

    events: Mapping[str, int]
    update_to_delivery: Histogram
    clients: int
    dropped: int


class _Client:
    def __init__(self, filters: Mapping[str, str]) -> None:
        self.filters = filters
        self.send, self.receive = trio.open_memory_channel[bytes](_CLIENT_BUFFER)

    def wants(self, line: TelemetryLine) -> bool:
        filters = self.filters
        return (("cid" not in filters or line.cid == filters["cid"])
                and ("chat" not in filters or str(line.chat) == filters["chat"])
                and ("type" not in filters or line.type == filters["type"]))


class Telemetry:
    """The sink (see the module docstring). Start :meth:`run`; serve :meth:`websocket` on ``/events``."""

    def __init__(self, log: EventLog, *, out: TextIO | None = None, token: Secret | None = None) -> None:
        self._log = log
        self._out = out
        self._token = token or Secret("")
        self._updates: OrderedDict[str, float] = OrderedDict()
        self._clients: set[_Client] = set()
        self._events: Counter[str] = Counter()
        self._buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self._latency_sum = 0.0
        self._dropped = 0
        self._running = False
        self._encoder = msgspec.json.Encoder()

    @property
    def running(self) -> bool:
        return self._running

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Follow the log from its head on, until cancelled."""
        head = self._log.statistics().writer.head_seq if self._log.statistics().writer is not None else 0
        self._running = True
        task_status.started()
        try:
            async for recorded in self._log.subscribe(from_seq=head + 1):
                latency = self._count(recorded)
                if self._out is not None or self._clients:  # a line is made only for someone to read
                    self._publish(line_of(recorded, latency))
        finally:
            self._running = False

    def see(self, recorded: RecordedEvent) -> TelemetryLine:
        """Count, time and publish one event; the line it made."""
        line = line_of(recorded, self._count(recorded))
        self._publish(line)
        return line

    def _count(self, recorded: RecordedEvent) -> float | None:
        """Count one event for ``/metrics``; an update's latency when this event delivered its first answer."""
        self._events[recorded.type] += 1
        latency: float | None = None
        event = recorded.event
        if isinstance(event, UpdateReceived):
            self._updates[recorded.cid] = recorded.ts
            while len(self._updates) > _REMEMBERED:
                self._updates.popitem(last=False)
        elif isinstance(event, DispatchOk):
            started = self._updates.pop(recorded.cid, None)  # the first delivery of the chain
            if started is not None:
                latency = max(0.0, recorded.ts - started)
                self._observe(latency)
        return latency

    def _publish(self, line: TelemetryLine) -> None:
        data = self._encoder.encode(line)
        if self._out is not None:
            self._out.write(data.decode() + "\n")
        for client in list(self._clients):
            if client.wants(line):
                try:
                    client.send.send_nowait(data)
                except trio.WouldBlock:
                    self._dropped += 1

    def _observe(self, latency: float) -> None:
        self._latency_sum += latency
        for index, bound in enumerate(LATENCY_BUCKETS):
            if latency <= bound:
                self._buckets[index] += 1
                return
        self._buckets[-1] += 1

    async def websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI WebSocket app of ``/events``: the live lines, filtered, for a client with the token."""
        if scope.get("path", "").rstrip("/") != "/events":
            await send({"type": "websocket.close", "code": 1003})
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        token = self._token.reveal()
        if not token or not hmac.compare_digest(query.get("token", ""), token):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1008})  # policy: no token, no feed
            return
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        client = _Client({key: value for key, value in query.items() if key in ("cid", "chat", "type")})
        self._clients.add(client)  # before the accept: a client that sees the handshake misses no line
        try:
            await send({"type": "websocket.accept"})
            async with trio.open_nursery() as nursery:

                async def until_closed() -> None:
                    while (await receive())["type"] != "websocket.disconnect":
                        pass
                    nursery.cancel_scope.cancel()

                nursery.start_soon(until_closed)
                async for data in client.receive:
                    await send({"type": "websocket.send", "text": data.decode()})
        finally:
            self._clients.discard(client)

    def statistics(self) -> TelemetryStatistics:
        cumulative: dict[str, int] = {}
        total = 0
        for bound, count in zip((*(f"{b:g}" for b in LATENCY_BUCKETS), "+Inf"), self._buckets):
            total += count
            cumulative[bound] = total
        latency = Histogram(buckets=cumulative, sum=self._latency_sum, count=total)
        return TelemetryStatistics(events=dict(self._events), update_to_delivery=latency, clients=len(self._clients),
                                   dropped=self._dropped)


def decode_line(data: bytes | str) -> TelemetryLine:
    """A line back from its JSON (``tail``)."""
    return msgspec.json.decode(data, type=TelemetryLine)


def describe(line: TelemetryLine) -> str:
    """A line for people: ``seq  time  type  stream  cid  chat  +latency``."""
    when = time.strftime("%H:%M:%S", time.gmtime(line.ts)) + f".{int(line.ts * 1000) % 1000:03d}"
    latency = f"  +{line.latency * 1000:.0f} ms" if line.latency is not None else ""
    chat = f"  chat {line.chat}" if line.chat is not None else ""
    return f"{line.seq:>8}  {when}  {line.type:<22} {line.stream:<20} {line.cid}{chat}{latency}"

