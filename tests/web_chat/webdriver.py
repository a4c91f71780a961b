"""A real headless Chromium for the tests, driven through chromedriver's WebDriver protocol over HTTP.

No Selenium: the W3C WebDriver protocol is a dozen JSON calls, made here with
httpx. :func:`open_browser` starts Debian's ``chromedriver`` (which starts
``chromium``) in a process group of its own, opens a session, and on the way
out deletes the session and ends that group, so no browser outlives the test.
Both programs are installed by ``.ci/run``; a machine without them fails the
test with a sentence saying so (the suite has no skipped tests).

Example::

    async with open_browser() as browser:
        await browser.get(url)
        await browser.tap("Send")
        await browser.screenshot(tmp_path / "chat.png")
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import trio

__all__ = ["Browser", "open_browser"]

_ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
_T = TypeVar("_T")

Element = dict[str, str]


class WebDriverError(AssertionError):
    """chromedriver refused a command; the message has its error and description."""


class Browser:
    """One WebDriver session: navigate, find, click, type, run a script, take a screenshot."""

    def __init__(self, http: httpx.AsyncClient, session: str) -> None:
        self._http = http
        self._session = session

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self._http.request(method, f"/session/{self._session}{path}", json=body)
        value = response.json()["value"]
        if response.status_code != 200:
            raise WebDriverError(f"{method} {path}: {value.get('error')}: {value.get('message')}")
        return value

    async def get(self, url: str) -> None:
        await self._call("POST", "/url", {"url": url})

    async def run(self, script: str, *args: Any) -> Any:
        """Run ``script`` (a function body; ``arguments[i]`` are ``args``) in the page; return what it returns."""
        return await self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    async def find(self, css: str) -> Element:
        return dict(await self._call("POST", "/element", {"using": "css selector", "value": css}))

    async def click(self, element: Element) -> None:
        await self._call("POST", f"/element/{element[_ELEMENT]}/click", {})

    async def type(self, element: Element, text: str) -> None:
        """Type ``text`` into ``element`` (for a file input: the path of the file to choose)."""
        await self._call("POST", f"/element/{element[_ELEMENT]}/value", {"text": text})

    async def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(await self._call("GET", "/screenshot")))

    async def wait(self, what: str, probe: Callable[[], Awaitable[_T | None]], timeout: float = 20.0) -> _T:
        """Poll ``probe`` until it returns something; fail with ``what`` after ``timeout`` seconds."""
        with trio.move_on_after(timeout):
            while True:
                found = await probe()
                if found is not None and found is not False:
                    return found
                await trio.sleep(0.05)  # a browser has no event to wait on from here: poll, briefly
        raise AssertionError(f"the page never showed {what} within {timeout} s")

    async def button(self, label: str, timeout: float = 20.0) -> Element:
        """The newest chat button labelled ``label`` (or else containing it), waiting for it to appear."""
        script = """
            const buttons = [...document.querySelectorAll("#messages button")].reverse();
            return buttons.find(b => b.textContent.trim() === arguments[0])
                || buttons.find(b => b.textContent.includes(arguments[0])) || null;
        """

        async def probe() -> Element | None:
            found = await self.run(script, label)
            return dict(found) if found else None

        return await self.wait(f"a button {label!r}", probe, timeout)

    async def tap(self, label: str, timeout: float = 20.0) -> None:
        """Click the newest chat button labelled ``label``. The page redraws a message the bot edits, so a
        button found a moment ago may be gone ("stale"): then the new one is found and clicked."""
        with trio.move_on_after(timeout):
            while True:
                try:
                    await self.click(await self.button(label, timeout))
                    return
                except WebDriverError as error:
                    if "stale element" not in str(error):
                        raise
                await trio.sleep(0.05)
        raise AssertionError(f"the button {label!r} kept being redrawn for {timeout} s")

    async def text_shown(self, text: str, timeout: float = 20.0) -> None:
        """Wait until some message of the chat contains ``text``."""
        script = 'return [...document.querySelectorAll("#messages .msg")].some(m => m.textContent.includes(arguments[0]));'
        await self.wait(repr(text), lambda: self.run(script, text), timeout)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _programs() -> tuple[str, str]:
    driver, chromium = shutil.which("chromedriver"), shutil.which("chromium")
    if driver is None or chromium is None:
        raise AssertionError("chromium and chromium-driver are not installed: run .ci/run, or "
                             "apt-get install -y chromium chromium-driver")
    return driver, chromium


@asynccontextmanager
async def open_browser(width: int = 900, height: int = 1100) -> AsyncIterator[Browser]:
    """A headless Chromium session for the ``async with`` block; everything it started is ended after."""
    driver, chromium = _programs()
    port = _free_port()
    process = await trio.lowlevel.open_process([driver, f"--port={port}"], stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, trust_env=False) as http:
            with trio.fail_after(20):
                while True:
                    try:
                        if (await http.get("/status")).json()["value"]["ready"]:
                            break
                    except httpx.TransportError:
                        pass
                    await trio.sleep(0.05)
            options = {"binary": chromium, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--lang=en-US", "--no-first-run"]}
            capabilities = {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}
            created = await http.post("/session", json={"capabilities": capabilities})
            value = created.json()["value"]
            if created.status_code != 200:
                raise WebDriverError(f"chromedriver could not start chromium: {value.get('message')}")
            session = value["sessionId"]
            try:
                yield Browser(http, session)
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(10):
                    await http.delete(f"/session/{session}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # chromedriver's own group: it and any chromium left
        with trio.CancelScope(shield=True), trio.move_on_after(10):
            await process.wait()

