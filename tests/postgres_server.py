"""A real PostgreSQL server for the tests: a private, throwaway cluster, or the one ``TRT_TEST_POSTGRES`` names.

Without ``TRT_TEST_POSTGRES``, the suite starts its own server once per run:
``initdb`` into a temporary folder and ``postgres`` listening on a Unix
socket there only (nothing on the network, fsync on as in production), run as
the ``postgres`` system user when the tests run as root (the server refuses
root). Each test that asks gets a schema of its own in that server
(:meth:`Server.fresh`), so tests never see each other's logs.

PostgreSQL's binaries come from Debian's packages (``.ci/run`` installs
them). Where they are missing, the tests that need a server are skipped with
a sentence on a developer's machine and fail in CI (``CI`` set), so CI can
never pass without having run them.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

__all__ = ["Server", "find_server"]

_schemas = itertools.count(1)


class Server:
    """A PostgreSQL server the tests may create schemas in (see the module docstring)."""

    def __init__(self, url: str, stop: list[str] | None = None) -> None:
        self.url = url
        self._stop = stop

    def fresh(self, name: str = "t") -> str:
        """A URL whose ``search_path`` is a new, empty schema: a log opened there starts empty."""
        schema = f"{name}_{os.getpid()}_{next(_schemas)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options={quote(f'-csearch_path={schema}')}"

    def stop(self) -> None:
        if self._stop is not None:
            subprocess.run(self._stop, check=False, capture_output=True, timeout=60)


def _bindir() -> Path | None:
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    """The server refuses to run as root: run it as the ``postgres`` system user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def find_server() -> Server:
    """The server for this test run; skips (fails in CI) when there is none to be had."""
    given = os.environ.get("TRT_TEST_POSTGRES")
    if given:
        return Server(given)
    bindir = _bindir()
    if bindir is None:
        reason = ("PostgreSQL is not installed (no initdb): `apt-get install postgresql`, "
                  "or set TRT_TEST_POSTGRES to a database URL")
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    home = Path(tempfile.mkdtemp(prefix="trt-pg-"))
    data, sockets = home / "data", home / "sockets"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sockets, "postgres")
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "--no-instructions", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True, timeout=120)
    port = _free_port()
    options = f"-c listen_addresses='' -k {sockets} -p {port} -c max_connections=300"
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"),
                                 "-w", "start"]), check=True, capture_output=True, timeout=120)
    stop = _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
    return Server(f"postgresql://postgres@/postgres?host={quote(str(sockets), safe='')}&port={port}", stop)
