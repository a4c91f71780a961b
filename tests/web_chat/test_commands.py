"""``demo --web`` and ``sandbox --web``: each prints a web chat's address, and the page there talks to the bot."""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path

import httpx
import trio

from main import build_parser
from trt_actors.demo import WEB_USER_ID, run_web_demo
from trt_actors.sandbox.standalone import SANDBOX_USER_ID, WebChatOptions, serve_sandbox

ACT = {"x-web-chat": "1"}


def test_the_commands_take_web() -> None:
    demo = build_parser().parse_args(["demo", "--web", "--port", "0"])
    assert (demo.web, demo.port) == (True, 0)
    sandbox = build_parser().parse_args(["sandbox", "--web", "--console", "http://127.0.0.1:8080", "--db", "x"])
    assert (sandbox.web, sandbox.console, sandbox.db) == (True, "http://127.0.0.1:8080", "x")
    assert build_parser().parse_args(["demo"]).web is False


async def test_demo_web_serves_a_chat_with_the_running_bot(tmp_path: Path) -> None:
    out = io.StringIO()
    async with trio.open_nursery() as nursery:
        url = await nursery.start(partial(run_web_demo, 0, out, tmp_path / "trt.sqlite3"))
        assert f"web chat           {url}" in out.getvalue()
        async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30) as page:
            await page.post("/api/send", json={"text": "/start"}, headers=ACT)
            with trio.fail_after(20):
                while len(feed := (await page.get("/api/messages")).json()["messages"]) < 2:
                    await trio.sleep(0.05)
            assert "Choose what to create" in feed[1]["html"]
            assert f"(user {WEB_USER_ID})" in (await page.get("/")).text
        nursery.cancel_scope.cancel()


async def test_sandbox_web_serves_the_testers_chat() -> None:
    out = io.StringIO()
    async with trio.open_nursery() as nursery:
        addresses = await nursery.start(partial(serve_sandbox, 0, out, web=WebChatOptions()))
        [line] = [line for line in out.getvalue().splitlines() if line.startswith("Web chat")]
        url = line.rpartition(" ")[2]
        async with httpx.AsyncClient(base_url=url, trust_env=False) as page:
            assert (await page.post("/api/send", json={"text": "hi from the web"}, headers=ACT)).status_code == 200
            assert f"(user {SANDBOX_USER_ID})" in (await page.get("/")).text
            bot = f"{addresses.telegram_api_base}/bot{addresses.token}"
            [update] = (await page.get(f"{bot}/getUpdates")).json()["result"]  # as any bot pointed at the sandbox
        assert update["message"]["text"] == "hi from the web"
        assert update["message"]["from"]["id"] == SANDBOX_USER_ID
        nursery.cancel_scope.cancel()
