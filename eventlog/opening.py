"""One way in for every tool: open the log a target names, SQLite file or PostgreSQL database.

``TRT_DB`` and every ``--db`` take either a path (``./trt.sqlite3``) or a URL
(``postgresql://user@host/db``); :func:`open_log` picks the store, so the
bot, ``trace``, ``replay``, ``audit``, ``tail``, ``show-chat`` and the
console work unchanged on either.

::

    async with open_log(settings.db, codec=CODEC) as log: ...
    async with open_log("postgresql://trt@db/trt", codec=CODEC, readonly=True) as log: ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from os import PathLike, fspath

from eventlog.codec import Codec
from eventlog.log import EventLog
from eventlog.sqlite import SQLiteEventLog
from eventlog.targets import is_postgres

__all__ = ["open_log"]


@asynccontextmanager
async def open_log(target: str | PathLike[str], *, codec: Codec, readonly: bool = False) -> AsyncIterator[EventLog]:
    """The log at ``target`` (a path or a ``postgresql://`` URL), open for writing or, with ``readonly``, reading."""
    where = fspath(target)
    if is_postgres(where):
        from eventlog.postgres import PostgresEventLog  # psycopg only for a bot that uses it

        opening = PostgresEventLog.open_readonly if readonly else PostgresEventLog.open
        async with opening(where, codec=codec) as log:
            yield log
    else:
        opened = SQLiteEventLog.open_readonly if readonly else SQLiteEventLog.open
        async with opened(where, codec=codec) as file_log:
            yield file_log
