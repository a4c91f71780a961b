"""The web chat over HTTP in front of the real bot: what the page sends reaches it, and each message links its chain."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import httpx
import trio

from eventlog import SQLiteEventLog
from tests.e2e.support import bot_process
from trt_actors.events import CODEC
from trt_actors.sandbox.web_chat import serve_web_chat

ACT = {"x-web-chat": "1"}


async def _chains(page: httpx.AsyncClient) -> dict[str, str | None]:
    feed = (await page.get("/api/messages")).json()
    found: dict[str, str | None] = {}
    for message in feed["messages"]:
        link = re.search(r'class="chain" href="([^"]+)"', message["html"])
        found[message["id"]] = link.group(1) if link else None
    return found


async def test_start_typed_in_the_page_is_answered_by_the_bot_and_both_messages_link_their_chain(
    tmp_path: Path,
) -> None:
    db = tmp_path / "trt.sqlite3"
    async with bot_process(db) as process, trio.open_nursery() as nursery:
        user = process.emulator.user(1001, "Ann", language_code="en")
        console = process.bot.http_url
        url = await nursery.start(partial(serve_web_chat, user, console_base=console, db_path=db))
        async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30) as page:
            assert (await page.post("/api/send", json={"text": "/start"}, headers=ACT)).status_code == 200
            with trio.fail_after(10):
                await user.wait_messages(1)
                while None in (chains := await _chains(page)).values():
                    await trio.sleep(0.05)  # the log records the chains a moment after the chat shows them
        nursery.cancel_scope.cancel()
    async with SQLiteEventLog.open_readonly(db, codec=CODEC) as log:
        [update] = [r for r in await log.read_stream("inbox:1001") if r.type == "UpdateReceived"]
    assert chains == {"m-1": f"{console}/console/chain/{update.cid}", "m-2": f"{console}/console/chain/{update.cid}"}
    assert "Choose what to create" in user.messages()[0].body  # type: ignore[operator]


async def test_without_a_log_file_the_page_shows_no_chain_links_and_works(tmp_path: Path) -> None:
    async with bot_process(tmp_path / "trt.sqlite3") as process, trio.open_nursery() as nursery:
        user = process.emulator.user(1001, "Ann", language_code="en")
        url = await nursery.start(partial(serve_web_chat, user, console_base=process.bot.http_url,
                                          db_path=tmp_path / "absent.sqlite3"))
        async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30) as page:
            await page.post("/api/send", json={"text": "/start"}, headers=ACT)
            with trio.fail_after(10):
                await user.wait_messages(1)
            assert await _chains(page) == {"m-1": None, "m-2": None}
        nursery.cancel_scope.cancel()
