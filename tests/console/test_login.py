"""The console's login: no login or a wrong one gets 401 and no data, on every path; no login configured
refuses everyone."""

from __future__ import annotations

import base64

import httpx
import pytest
import trio
from trio_websocket import ConnectionRejected, open_websocket_url

from tests.console.world import ANN, LOGIN, PASSWORD, World, basic
from trt_actors.console import Console, Login
from trt_actors.http import serve
from trt_actors.secret import Secret

PATHS = ["/console", "/console/user?id=8801", "/console/search?q=%40ann_console", "/console/chat?id=8801",
         "/console/jobs", "/console/money", "/console/tail", "/console/no-such-page"]
WRONG = [
    {},
    basic(LOGIN, PASSWORD + "x"),
    basic(LOGIN.upper(), PASSWORD),
    basic("", ""),
    {"Authorization": "Basic " + base64.b64encode(LOGIN.encode()).decode()},  # no colon, no password
    {"Authorization": "Basic not base64!"},
    {"Authorization": f"Bearer {PASSWORD}"},
]


def _no_data(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic ")
    body = response.text
    for secret_or_data in (PASSWORD, str(ANN), "ann_console", "Ann", "<table", "ledger"):
        assert secret_or_data not in body


@pytest.mark.parametrize("headers", WRONG, ids=["none", "password", "user", "empty", "no-colon", "garbage", "bearer"])
async def test_no_login_or_a_wrong_one_gets_401_and_no_data_on_every_path(
    console_url: str, headers: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=console_url, headers=headers) as anonymous:
        for path in PATHS:
            _no_data(await anonymous.get(path))
        _no_data(await anonymous.post("/console/user?id=8801"))
    async with httpx.AsyncClient(base_url=console_url, headers=basic(LOGIN, PASSWORD)) as signed_in:
        assert (await signed_in.get("/console/user?id=8801")).status_code == 200  # the same paths, signed in


async def test_without_a_configured_login_the_console_refuses_everyone(world: World) -> None:
    for login in (Login(), Login(LOGIN, Secret("")), Login("", Secret(PASSWORD))):
        console = Console(world.db, login)
        assert not login.configured
        async with trio.open_nursery() as nursery:
            url = await nursery.start(serve, console.asgi(), "127.0.0.1", 0)
            async with httpx.AsyncClient(base_url=url) as client:
                for headers in (basic(LOGIN, PASSWORD), basic("", ""), basic(LOGIN, ""), basic("", PASSWORD), {}):
                    _no_data(await client.get("/console", headers=headers))
            nursery.cancel_scope.cancel()


async def test_the_live_tail_socket_refuses_a_handshake_without_the_login(console_url: str) -> None:
    address = console_url.replace("http://", "ws://") + "/console/events"
    for headers in ([], [(b"authorization", basic(LOGIN, "wrong")["Authorization"].encode())]):
        with pytest.raises(ConnectionRejected):
            async with open_websocket_url(address, extra_headers=headers):
                pass


def test_the_password_never_shows_itself() -> None:
    login = Login(LOGIN, Secret(PASSWORD))
    assert PASSWORD not in repr(login) and PASSWORD not in str(login)
