"""Where the console is served: by ``python main.py console --db`` over a file with no bot, and by the bot's own
HTTP server under ``/console``, whose live tail shows an event caused during the test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import trio
from trio_websocket import open_websocket_url

from tests.console.world import ANN, LOGIN, PASSWORD, World, basic
from tests.e2e.support import bot_process, wait_settled
from trt_actors.actors.telemetry import decode_line
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.secret import Secret

ROOT = Path(__file__).resolve().parents[2]


async def test_python_main_py_console_serves_a_log_file_with_no_bot_running(world: World) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "KIE_", "TRT_"))}
    env.update(CONSOLE_USER=LOGIN, CONSOLE_PASSWORD=PASSWORD)
    process = await trio.lowlevel.open_process(
        [sys.executable, "main.py", "console", "--db", str(world.db), "--port", "0"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = ""
    try:
        assert process.stdout is not None and process.stderr is not None
        with trio.fail_after(30):
            while not first.endswith("\n"):
                first += (await process.stdout.receive_some()).decode()
        assert "(read-only)" in first, first
        url = first.split(" is at ")[1].split("/console")[0]
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/console")).status_code == 401
            signed_in = await client.get("/console", headers=basic(LOGIN, PASSWORD))
            assert signed_in.status_code == 200 and "Newest updates" in signed_in.text
            assert f'href="/console/user?id={ANN}"' in signed_in.text
            assert (await client.get("/", headers=basic(LOGIN, PASSWORD))).headers["location"] == "/console"
        process.terminate()
        err = b""
        while chunk := await process.stderr.receive_some():
            err += chunk
    finally:
        process.kill()
        await process.wait()
    assert PASSWORD not in first + err.decode()


async def test_the_bots_own_server_serves_the_console_and_its_tail_follows_what_happens(tmp_path: Path) -> None:
    async with bot_process(tmp_path / "trt.sqlite3", console_user=LOGIN,
                           console_password=Secret(PASSWORD)) as process:
        url = process.bot.http_url
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/console")).status_code == 401
            assert (await client.get("/console", headers=basic(LOGIN, "nope"))).status_code == 401
            assert (await client.get("/health")).status_code == 200  # the bot's own routes are unchanged
            address = url.replace("http://", "ws://") + f"/console/events?chat={ANN}"
            authorization = [(b"authorization", basic(LOGIN, PASSWORD)["Authorization"].encode())]
            async with open_websocket_url(address, extra_headers=authorization) as socket:
                ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
                await ann.say("/start")
                with trio.fail_after(10):
                    line = decode_line(await socket.get_message())
            assert line.chat == ANN and line.type == "UpdateReceived"
            await wait_settled(process.bot)
            page = await client.get("/console/chat", params={"id": ANN}, headers=basic(LOGIN, PASSWORD))
            assert page.status_code == 200 and "Hello, Ann!" in page.text
