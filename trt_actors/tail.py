"""``python main.py tail``: the live events of a running bot, or of its log file when no bot answers.

It connects to the bot's ``/events`` WebSocket (read-only, with
``EVENTS_TOKEN``) and prints each line the telemetry sink publishes, filtered
by ``cid``, chat and event type on the bot's side. When no bot answers at
``url``, it follows the log file itself (read-only, new events only), with
the same filters. Lines are for people (``--json``: the telemetry's own JSON
lines).

Example::

    await tail(Filters(chat="42"), url="http://127.0.0.1:8080", token=Secret("t"), db=Path("trt.sqlite3"),
               out=sys.stdout)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlencode, urlsplit

import msgspec
import trio
from trio_websocket import ConnectionClosed, ConnectionRejected, HandshakeError, open_websocket_url

from eventlog import is_postgres, open_log, redacted
from trt_actors.actors.telemetry import TelemetryLine, decode_line, describe, line_of
from trt_actors.events import CODEC
from trt_actors.secret import Secret

__all__ = ["Filters", "TailRefused", "tail"]

POLL = 0.3
"""Seconds between two reads of a log file followed without a bot."""


class TailRefused(Exception):
    """The bot answered but refused the feed (a wrong or missing ``EVENTS_TOKEN``)."""


@dataclass(frozen=True)
class Filters:
    """Which lines to show: all of them, or only one ``cid``, one chat, one event type."""

    cid: str | None = None
    chat: str | None = None
    type: str | None = None

    def query(self) -> dict[str, str]:
        return {key: value for key, value in (("cid", self.cid), ("chat", self.chat), ("type", self.type)) if value}

    def wants(self, line: TelemetryLine) -> bool:
        return ((self.cid is None or line.cid == self.cid) and (self.chat is None or str(line.chat) == self.chat)
                and (self.type is None or line.type == self.type))


async def tail(filters: Filters, *, url: str, token: Secret, db: str | Path | None, out: TextIO, as_json: bool = False,
               count: int | None = None) -> str:
    """Print lines until cancelled (or ``count`` lines); where they came from ("bot" or "file")."""
    shown = 0

    def show(line: TelemetryLine) -> bool:
        nonlocal shown
        print(msgspec.json.encode(line).decode() if as_json else describe(line), file=out, flush=True)
        shown += 1
        return count is not None and shown >= count

    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    address = f"{scheme}://{parts.netloc}/events?{urlencode({'token': token.reveal(), **filters.query()})}"
    try:
        async with open_websocket_url(address) as socket:
            print(f"following {parts.netloc} (a running bot); Ctrl-C stops", file=out, flush=True)
            while True:
                try:
                    message = await socket.get_message()
                except ConnectionClosed:
                    return "bot"
                if show(decode_line(message)):
                    return "bot"
    except ConnectionRejected as rejected:
        raise TailRefused(f"the bot at {parts.netloc} refused the feed ({rejected.status_code}): set EVENTS_TOKEN "
                          "to the bot's") from None
    except (HandshakeError, OSError):  # nobody there (or not a bot): the file, if there is one
        if db is None:
            raise
    assert db is not None
    async with open_log(db, codec=CODEC, readonly=True) as log:
        head = await log.last_seq()
        where = f"the log {redacted(str(db))}" if is_postgres(str(db)) else f"the log file {db}"
        print(f"no bot answers at {parts.netloc}; following {where}; Ctrl-C stops", file=out, flush=True)
        while True:
            page = await log.read_from(head + 1, limit=1000)
            for recorded in page:
                head = recorded.seq
                line = line_of(recorded)
                if filters.wants(line) and show(line):
                    return "file"
            if not page:
                await trio.sleep(POLL)

