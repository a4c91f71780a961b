"""A bounded pool of reader connections, shared by trio's worker threads.

Reads run in worker threads (``trio.to_thread``), at most ``size`` at a time.
A read borrows an idle connection (opening one only if none is idle), and
gives it back when done, so the pool never holds more than ``size``
connections however many threads come and go. Trio retires idle worker
threads after a few seconds; connections are not tied to them.

Example::

    pool = ReaderPool(lambda: connect_reader(path), size=4)
    count = await pool.run(lambda conn: conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    pool.close()
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ClassVar, TypeVar

import msgspec
import trio

from eventlog.engine import Connection

__all__ = ["ReaderPool", "ReaderStatistics"]

T = TypeVar("T")


class ReaderStatistics(msgspec.Struct, frozen=True):
    """The pool's bound, the connections open now (idle or lent), and how many were ever opened."""

    COUNTERS: ClassVar[frozenset[str]] = frozenset({"opened"})

    size: int
    open: int
    idle: int
    opened: int


class ReaderPool:
    """At most ``size`` reader connections, lent to one worker thread at a time (see the module docstring)."""

    def __init__(self, connect: Callable[[], Connection], size: int = 4) -> None:
        self._connect = connect
        self.size = size
        self._limiter = trio.CapacityLimiter(size)
        self._lock = threading.Lock()
        self._idle: list[Connection] = []
        self._open = 0
        self._opened = 0
        self._closed = False

    async def run(self, query: Callable[[Connection], T]) -> T:
        """Run ``query`` with a borrowed connection in a worker thread; return its result."""
        return await trio.to_thread.run_sync(self._borrowing, query, limiter=self._limiter)

    def _borrowing(self, query: Callable[[Connection], T]) -> T:
        conn = self._borrow()
        try:
            result = query(conn)
        except Exception:
            if not _broken(conn):
                self._give_back(conn)
                raise
            # The server dropped this connection (a restart, a failover): reads change nothing, so read once
            # more on a fresh one instead of failing every read that meets a connection of before.
            self._discard(conn)
            conn = self._borrow()
            try:
                result = query(conn)
            except Exception:
                (self._discard if _broken(conn) else self._give_back)(conn)
                raise
        except BaseException:
            self._give_back(conn)
            raise
        self._give_back(conn)
        return result

    def _borrow(self) -> Connection:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
            if conn is None:
                self._open += 1  # counted before opening, so the bound holds while it opens
        if conn is None:
            try:
                conn = self._connect()
            except BaseException:
                with self._lock:
                    self._open -= 1
                raise
            with self._lock:
                self._opened += 1
        return conn

    def _discard(self, conn: Connection) -> None:
        with self._lock:
            self._open -= 1
        try:
            conn.close()
        except Exception:
            pass

    def _give_back(self, conn: Connection) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
            self._open -= 1
        conn.close()

    def close(self) -> None:
        """Close every idle connection now, and each lent one when it comes back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for conn in idle:
            conn.close()

    def statistics(self) -> ReaderStatistics:
        with self._lock:
            return ReaderStatistics(size=self.size, open=self._open, idle=len(self._idle), opened=self._opened)


def _broken(conn: Connection) -> bool:
    """Whether ``conn`` can never be used again (a PostgreSQL connection the server dropped; never SQLite's)."""
    return bool(getattr(conn, "broken", False))
