"""What a log's target names, told without opening it: a PostgreSQL URL or a file, and how to print it.

Kept apart from :mod:`eventlog.postgres` so that a bot on SQLite never
imports psycopg (a tenth of a second and megabytes at start-up).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["is_postgres", "redacted"]


def is_postgres(target: str) -> bool:
    """Whether ``target`` (``TRT_DB``, ``--db``) names a PostgreSQL database rather than an SQLite file."""
    return target.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """``url`` without its password (in the address or as a ``password=`` parameter), fit for a log line.

    Read by hand rather than through ``urlsplit(...).port``: libpq's failover form names several hosts
    (``postgresql://u:pw@db1:5432,db2:5432/trt``), which has no single port.
    """
    parts = urlsplit(url)
    user, at, hosts = parts.netloc.rpartition("@")
    netloc = f"{user.partition(':')[0]}:***@{hosts}" if at and ":" in user else parts.netloc
    query = "&".join(
        "password=***" if pair.split("=", 1)[0].lower() == "password" else pair for pair in parts.query.split("&")
    ) if parts.query else parts.query
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
