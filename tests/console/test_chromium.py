"""The console in a real headless Chromium (``tests/web_chat/webdriver.py``): sign in, find a user, open the
ledger (its running balance is ``audit``'s), a chain, the chat at two moments, and the live tail over the
browser's own WebSocket, which shows an event caused while the page is open (in a running bot's console, on a
log of the test's own). A screenshot of each page is written to the test's temporary folder."""

from __future__ import annotations

import time
from pathlib import Path

from tests.console.world import ANN, LOGIN, PASSWORD, World
from tests.e2e.books import read_log
from tests.e2e.support import bot_process, wait_settled
from tests.web_chat.webdriver import open_browser
from trt_actors.events import UpdateReceived
from trt_actors.ledger.audit import audit
from trt_actors.secret import Secret

EVE = 8803


async def test_a_browser_signs_in_finds_a_user_and_reads_each_view(
    console_url: str, world: World, tmp_path: Path
) -> None:
    signed_in = console_url.replace("http://", f"http://{LOGIN}:{PASSWORD}@")
    async with open_browser(width=1280, height=900) as browser:
        await browser.get(f"{signed_in}/console")
        assert await browser.run("return document.title;") == "Console · trt-actors console"
        await browser.screenshot(tmp_path / "home.png")
        await browser.type(await browser.find("header input[name=q]"), "@ann_console\n")
        await browser.wait("the search's hits", lambda: browser.run(
            'return document.querySelector("#hits a") !== null;'))
        await browser.click(await browser.find("#hits a"))
        await browser.wait("the ledger", lambda: browser.run('return document.querySelector("#ledger") !== null;'))
        running = await browser.run(
            'return [...document.querySelectorAll("td.running")].map(td => Number(td.textContent));')
        report = audit(await read_log(world.db), now=time.time(), user=ANN)
        assert running and running[-1] == report.summary.available
        name = await browser.run('return document.querySelector("main bdi").textContent;')
        assert name.startswith("Ann <script>alert('x')</script> &amp; ")  # shown as text, not run
        await browser.screenshot(tmp_path / "ledger.png")
        await browser.click(await browser.find("#ledger a"))
        await browser.wait("a chain", lambda: browser.run('return document.querySelector("ul.tree") !== null;'))
        await browser.screenshot(tmp_path / "chain.png")
        await browser.get(f"{console_url}/console/chat?id={ANN}")  # the credentials stay with the origin
        now = await browser.run('return document.querySelectorAll(".bubble").length;')
        await browser.run('const s = document.getElementById("moment"); s.value = 0;'
                          ' s.dispatchEvent(new Event("change"));')
        await browser.wait("the chat's first moment", lambda: browser.run(
            'return location.search.includes("at=") && document.getElementById("moment").value === "0";'))
        first = await browser.run('return document.querySelectorAll(".bubble").length;')
        assert 0 < first < now
        await browser.screenshot(tmp_path / "chat.png")
        await browser.get(f"{console_url}/console/tail?chat={ANN}")
        await browser.wait("the tail following", lambda: browser.run(
            'return document.getElementById("state").textContent === "following"'
            ' && document.getElementById("tail").textContent.includes("UpdateReceived");'))
        await browser.screenshot(tmp_path / "tail.png")
    assert all((tmp_path / f"{page}.png").stat().st_size > 1000 for page in ("home", "ledger", "chain", "chat", "tail"))


async def test_the_live_tail_in_a_browser_shows_an_event_caused_while_it_is_open(tmp_path: Path) -> None:
    words = "hello from the tail test 7d41"
    async with bot_process(tmp_path / "trt.sqlite3", console_user=LOGIN,
                           console_password=Secret(PASSWORD)) as process:
        eve = process.emulator.user(EVE, first_name="Eve", language_code="en")
        await eve.send_text("/start")
        await wait_settled(process.bot)
        signed_in = process.bot.http_url.replace("http://", f"http://{LOGIN}:{PASSWORD}@")
        async with open_browser(width=1280, height=700) as browser:

            async def tail() -> list[str]:
                return list(await browser.run(
                    'return document.getElementById("tail").textContent.split("\\n").filter(line => line);'))

            await browser.get(f"{signed_in}/console/tail?chat={EVE}&type=UpdateReceived")
            await browser.wait("the tail following, with Eve's /start", lambda: browser.run(
                'return document.getElementById("state").textContent === "following"'
                ' && document.getElementById("tail").textContent.includes("UpdateReceived");'))
            before = await tail()
            await eve.send_text(words)
            await wait_settled(process.bot)

            async def grown() -> list[str] | None:
                shown = await tail()
                return shown if len(shown) > len(before) else None

            after = await browser.wait("the line of Eve's new message", grown)
            await browser.screenshot(tmp_path / "tail.png")
        [update] = [r for r in await process.bot.log.read_stream(f"inbox:{EVE}")
                    if isinstance(r.event, UpdateReceived) and words in r.event.body]
    assert len(before) == 1  # /start's, from before the page opened
    [new] = after[len(before):]
    assert new.split()[0] == str(update.seq) and "UpdateReceived" in new
    assert update.cid in new and f"chat {EVE}" in new
    assert (tmp_path / "tail.png").stat().st_size > 1000
