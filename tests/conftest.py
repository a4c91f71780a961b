"""Suite-wide guard: a bug reported by the running code fails the test that caused it.

The runtime reports what can only be a bug in our code (a decider that raised,
a reaction given up) on the logger ``trt_actors.bugs``, besides recording it
in the log. Every test fails if anything reaches that logger while it runs,
unless the test asks for :func:`expected_bugs`, which hands it the messages to
check instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.postgres_server import Server, find_server

BUGS_LOGGER = "trt_actors.bugs"


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(autouse=True)
def _no_bugs(request: pytest.FixtureRequest) -> Iterator[_Collector]:
    collector = _Collector()
    logger = logging.getLogger(BUGS_LOGGER)
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
    if collector.messages and "expected_bugs" not in request.fixturenames:
        pytest.fail("the code reported bugs:\n" + "\n".join(collector.messages), pytrace=False)


@pytest.fixture
def expected_bugs(_no_bugs: _Collector) -> list[str]:
    """The bug reports of this test (the list fills while it runs); the test checks them itself."""
    return _no_bugs.messages


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """A real PostgreSQL server for this run (see :mod:`tests.postgres_server`)."""
    server = find_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: Server) -> str:
    """A URL to an empty schema of its own in the test run's PostgreSQL server."""
    return postgres_server.fresh()
