"""The web chat in a real headless Chromium, against the real bot and both emulators.

A user tops up with Stars, orders a picture that arrives, then orders one that
fails and gets the refund message, all by typing and tapping in the page; a
prompt full of markup and a right-to-left override shows as text. A
screenshot of the page at each stage is written to the test's ``tmp_path``.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import trio

from tests.e2e.support import bot_process
from tests.web_chat.webdriver import Browser, open_browser
from trt_actors.sandbox.kie import Script, WireState
from trt_actors.sandbox.web_chat import serve_web_chat

MODEL = "google/nano-banana"
NAME = "Eve <b>&amp;"
PROMPT = '<script>window.owned = 1</script><img src=x onerror="window.owned = 2"> a fox &amp; a hare \u202eflipped'
ENTER = "\ue007"


async def _order(browser: Browser, prompt: str) -> None:
    """From a message with a Menu button: the model, its two steps, and Confirm."""
    await browser.tap("Menu")
    await browser.tap("Text to image")
    await browser.tap("Nano Banana")
    await browser.tap("Set parameters")
    await browser.text_shown("Send Prompt")
    await browser.type(await browser.find("#text"), prompt + ENTER)
    await browser.tap("1:1")
    await browser.tap("Confirm")


async def test_a_user_walks_from_start_to_a_result_and_a_refund(tmp_path: Path) -> None:
    async with bot_process(tmp_path / "trt.sqlite3") as process, trio.open_nursery() as nursery:
        user = process.emulator.user(1001, NAME, language_code="en")
        console = process.bot.http_url
        url = await nursery.start(partial(serve_web_chat, user, bot_name="Demo Bot", console_base=console,
                                          db_path=process.settings.db_path))
        async with open_browser() as browser:
            await browser.get(url)
            await browser.type(await browser.find("#text"), "/start" + ENTER)
            await browser.text_shown("Choose what to create")
            await browser.screenshot(tmp_path / "1-start.png")

            await browser.tap("Top up")
            await browser.tap("50 ⭐ → 100 credits")
            await browser.tap("Pay")
            await browser.text_shown("Balance: 100 credits")
            await browser.screenshot(tmp_path / "2-paid.png")

            await _order(browser, PROMPT)
            loaded = 'const img = document.querySelector("#messages .msg.bot img.media"); ' \
                     'return img !== null && img.complete && img.naturalWidth > 0;'
            await browser.wait("the result photo", lambda: browser.run(loaded))
            await browser.text_shown("8 credits charged")
            await browser.screenshot(tmp_path / "3-result.png")

            process.kie.script(MODEL, Script(waiting=1, generating=1, stage_seconds=0.05, outcome=WireState.FAIL,
                                             fail_code="500", fail_msg="Image generation failed"))
            await _order(browser, "a hare")
            await browser.text_shown("back on your balance")
            await browser.screenshot(tmp_path / "4-refund.png")

            # The markup of the prompt and of the name shows as text, and nothing of it ran.
            shown = await browser.run(
                'return [...document.querySelectorAll("#messages .msg.user .text")].map(t => t.textContent);')
            assert PROMPT in shown
            assert await browser.run("return window.owned === undefined;")
            assert await browser.run('return document.querySelectorAll("#messages script, #messages img:not(.media)")'
                                     '.length === 0;')
            header = await browser.run('return document.querySelector("header .who bdi").textContent;')
            assert header == NAME
            bidi = await browser.run('return getComputedStyle(document.querySelector("#messages .msg")).unicodeBidi;')
            assert bidi == "isolate"

            # One bubble per message of the chat (edits redrew bubbles in place), each linked to its chain.
            count = len(user.conversation())
            linked = ('return [...document.querySelectorAll("#messages .msg a.chain")]'
                      '.filter(a => a.href.startsWith(arguments[0])).length === arguments[1];')
            await browser.wait("a chain link beside every message",
                               lambda: browser.run(linked, f"{console}/console/chain/", count))
            ids = await browser.run('return [...document.querySelectorAll("#messages .msg")].map(m => m.id);')
            assert ids == [f"m-{message.message_id}" for message in user.conversation()]
            await browser.screenshot(tmp_path / "5-chains.png")
        nursery.cancel_scope.cancel()
    for name in ("1-start", "2-paid", "3-result", "4-refund", "5-chains"):
        assert (tmp_path / f"{name}.png").read_bytes().startswith(b"\x89PNG")
