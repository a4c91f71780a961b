"""The event log in one SQLite file: the embedded default (``demo``, the tests, a bot on one machine).

One file in WAL mode, one writer thread, a small pool of readers; see
:mod:`eventlog.log` for what the log promises and :mod:`eventlog.connections`
for how the file is opened.

Example::

    async with SQLiteEventLog.open("trt.sqlite3", codec=CODEC) as log:
        [pos] = await log.append([NewEvent(event_id="update:1", stream="chat:7", event=e, cid="c1", ts=now)])

    async with SQLiteEventLog.open_readonly("trt.sqlite3", codec=CODEC) as log:   # tools: no writer
        chain = await log.read_cid("u1000-3f2a")
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from os import PathLike
from pathlib import Path
from typing import cast

from eventlog.codec import Codec
from eventlog.connections import SQLiteEngine
from eventlog.log import EventLog, LogStatistics

__all__ = ["LogStatistics", "SQLiteEventLog"]


class SQLiteEventLog(EventLog):
    """An event log in one SQLite file. Open it with :meth:`open` (or :meth:`open_readonly` for tools)."""

    @property
    def path(self) -> Path:
        """The log's file."""
        return cast(SQLiteEngine, self.engine).path

    @classmethod
    @asynccontextmanager
    async def open(cls, path: str | PathLike[str], *, codec: Codec) -> AsyncIterator[SQLiteEventLog]:
        """Open (creating and migrating if needed) the log at ``path``; close it on exit.

        ``codec`` turns events into bytes and back (``trt_actors.events.CODEC``).
        """
        async with cls._opening(SQLiteEngine(Path(path)), codec) as log:
            yield log

    @classmethod
    @asynccontextmanager
    async def open_readonly(cls, path: str | PathLike[str], *, codec: Codec) -> AsyncIterator[SQLiteEventLog]:
        """Open the existing log at ``path`` for reading only: no writer thread, no migration, no change to the file.

        For tools (``python main.py trace``) that look at a log a running bot
        writes. A missing file, a file that is not a log, or a log written by
        a newer version raises :class:`~eventlog.errors.EventLogError` with a
        sentence. Appends and saves raise :class:`~eventlog.errors.EventLogReadOnly`.

        ::

            async with SQLiteEventLog.open_readonly("trt.sqlite3", codec=CODEC) as log:
                print(render_trace(await log.read_cid(cid)))
        """
        async with cls._opening_readonly(SQLiteEngine(Path(path)), codec) as log:
            yield log
