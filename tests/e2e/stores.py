"""The two stores an end-to-end test runs on, as the test sees them: a log's target, and plain SQL on it.

A test that takes the ``log_target`` fixture (``tests/e2e/conftest.py``) runs
once on an SQLite file in its ``tmp_path`` and once on a PostgreSQL schema of
its own; it hands the target, a path or a ``postgresql://`` URL, to whatever
wants a log (``bot_process``, ``TRT_DB``, ``--db``). The bot and the tools
open either through :func:`eventlog.open_log`; the helpers here are for the
judges and the tamperers, which look under the log at its tables (the same
tables on both stores, so a plain query reads the same on either).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from eventlog import is_postgres
from eventlog.postgres import PostgresEngine

__all__ = ["copy_log", "execute", "log_exists", "password_of", "rows", "with_password", "write_lock_free"]


def log_exists(target: str | Path) -> bool:
    """Whether a log was ever opened at ``target`` (a bot that failed to start may have left none)."""
    where = os.fspath(target)
    if not is_postgres(where):
        return Path(where).is_file()
    with psycopg.connect(where, autocommit=True) as conn:
        (found,) = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone() or (False,)
        return bool(found)


def rows(target: str | Path, query: str) -> list[tuple[Any, ...]]:
    """The rows ``query`` (no parameters) reads from the log at ``target``, without writing: a judge's look
    at a log that a bot in another process may be writing, cheap enough to poll."""
    where = os.fspath(target)
    if is_postgres(where):
        with psycopg.connect(where, autocommit=True) as conn:
            return [tuple(row) for row in conn.execute(query).fetchall()]
    with closing(sqlite3.connect(f"{Path(where).resolve().as_uri()}?mode=ro", uri=True)) as file_conn:
        return [tuple(row) for row in file_conn.execute(query).fetchall()]


def execute(target: str | Path, statement: str) -> None:
    """Run ``statement`` on the log at ``target`` and commit it: how a test tampers with a copy of a log."""
    where = os.fspath(target)
    if is_postgres(where):
        with psycopg.connect(where, autocommit=True) as conn:
            conn.execute(statement)
        return
    with closing(sqlite3.connect(where)) as file_conn, file_conn:
        file_conn.execute(statement)


def write_lock_free(target: str | Path, wait: float = 0.2) -> bool:
    """Whether the log's write lock (SQLite's file lock, PostgreSQL's advisory lock, as the log takes them)
    could be taken within ``wait`` seconds: no process is inside a write transaction, or stopped in one."""
    where = os.fspath(target)
    if not is_postgres(where):
        with closing(sqlite3.connect(where, timeout=wait)) as file_conn:
            try:
                file_conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # locked
                return False
            file_conn.execute("ROLLBACK")
            return True
    engine = PostgresEngine(where)
    conn = engine.connect_writer()
    try:
        conn.execute(f"SET lock_timeout = {int(wait * 1000)}")
        try:
            engine.begin_write(conn)
        except psycopg.errors.LockNotAvailable:
            return False
        finally:
            conn.execute("ROLLBACK")
        return True
    finally:
        conn.close()


def copy_log(target: str | Path, name: str) -> str:
    """A copy of the closed log at ``target``, next to it: the file ``<name>.sqlite3`` (its suffix) in its
    folder, or the schema ``<its schema>_<name>`` in its database; the copy's target."""
    where = os.fspath(target)
    if not is_postgres(where):
        return str(shutil.copy(where, Path(where).with_name(name + Path(where).suffix)))
    with psycopg.connect(where, autocommit=True) as conn:
        (schema,) = conn.execute("SELECT current_schema()").fetchone() or ("",)
        copy_schema = f"{schema}_{name}"
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(copy_schema)))
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()
        for (table,) in tables:
            conn.execute(sql.SQL("CREATE TABLE {}.{} AS TABLE {}.{}").format(
                sql.Identifier(copy_schema), sql.Identifier(table), sql.Identifier(schema), sql.Identifier(table)))
    return _in_schema(where, copy_schema)


def with_password(target: str, password: str) -> str:
    """``target`` with ``password`` in it if it is a URL without one (the tests' own server trusts its local
    users, so the password is never checked); a file, or a URL with a password, as it is."""
    parts = urlsplit(target)
    if not is_postgres(target) or parts.password is not None:
        return target
    netloc = f"{quote(parts.username or '', safe='')}:{quote(password, safe='')}@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit(parts._replace(netloc=netloc))


def password_of(target: str) -> str | None:
    """The password in ``target``, if it is a URL with one: what no output may show."""
    return urlsplit(target).password if is_postgres(target) else None


def _in_schema(url: str, schema: str) -> str:
    """``url`` with its ``search_path`` set to ``schema`` (the way the tests' server names a log's schema)."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
