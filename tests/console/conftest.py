"""One log written by the real bot for the whole console suite (building it takes seconds), and a console
over it on a loopback port per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import trio

from tests.console.world import LOGIN, PASSWORD, World, basic, build
from trt_actors.console import Console, Login
from trt_actors.http import serve
from trt_actors.secret import Secret


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    db = tmp_path_factory.mktemp("console") / "trt.sqlite3"
    return trio.run(build, db)


@pytest.fixture
async def console_url(world: World) -> AsyncIterator[str]:
    """A console over the world's log file, no bot running, with the test login."""
    console = Console(world.db, Login(LOGIN, Secret(PASSWORD)))
    async with trio.open_nursery() as nursery:
        url: str = await nursery.start(serve, console.asgi(), "127.0.0.1", 0)
        yield url
        nursery.cancel_scope.cancel()


@pytest.fixture
async def client(console_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client signed in to the console."""
    async with httpx.AsyncClient(base_url=console_url, headers=basic(LOGIN, PASSWORD), timeout=30) as signed_in:
        yield signed_in
