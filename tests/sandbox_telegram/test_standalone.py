"""``python main.py sandbox``: the emulators on their own, reached over HTTP with what it printed, stopped by SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import trio

ROOT = Path(__file__).resolve().parents[2]


class _Lines:
    """Lines of a child's output, read as they come."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self._stream = stream
        self._buffer = b""
        self.seen: list[str] = []
        self._taken: set[int] = set()

    async def until(self, prefix: str) -> str:
        """The first line not returned yet that starts with ``prefix`` (stripped), read up to it if need be."""
        while True:
            for index, text in enumerate(self.seen):
                if index not in self._taken and text.startswith(prefix):
                    self._taken.add(index)
                    return text
            chunk = await self._stream.receive_some()
            if not chunk:
                raise AssertionError(f"the sandbox ended before printing {prefix!r}: {self.seen}")
            self._buffer += chunk
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                self.seen.append(line.decode().strip())


async def _chat_as_the_bot(process: trio.Process, lines: _Lines, http: httpx.AsyncClient, bot: str) -> None:
    """The test plays the bot; what the user types goes in on stdin and what the bot does shows on stdout."""
    assert process.stdin is not None
    await process.stdin.send_all(b"/start\n")
    [update] = (await http.post(f"{bot}/getUpdates", json={"timeout": 10})).json()["result"]
    assert update["message"]["text"] == "/start" and update["message"]["from"]["first_name"] == "Tester"
    keyboard = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    sent = (await http.post(f"{bot}/sendMessage", json={"chat_id": 1001, "text": "Hi", "reply_markup": keyboard})).json()
    assert await lines.until("bot ›") == "bot › Hi [Go]"
    await process.stdin.send_all(b"!tap Go\n")
    [tap] = (await http.post(f"{bot}/getUpdates", json={"offset": update["update_id"] + 1, "timeout": 10})).json()["result"]
    assert tap["callback_query"]["data"] == "go"
    await http.post(f"{bot}/answerCallbackQuery", json={"callback_query_id": tap["callback_query"]["id"], "text": "ok"})
    await http.post(f"{bot}/editMessageText", json={"chat_id": 1001, "message_id": sent["result"]["message_id"],
                                                     "text": "Gone"})
    assert await lines.until("bot (answer)") == "bot (answer) › ok"
    assert await lines.until("bot › (edited)") == "bot › (edited) Gone"
    await process.stdin.send_all(b"!tap Nothing\n")
    assert (await lines.until("cannot do that")).startswith("cannot do that: no message in chat 1001 has")


async def test_sandbox_prints_where_the_emulators_are_and_serves_them() -> None:
    process = await trio.lowlevel.open_process([sys.executable, "main.py", "sandbox", "--port", "0"], cwd=ROOT,
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout is not None
        lines = _Lines(process.stdout)
        with trio.fail_after(30):
            token = (await lines.until("export TELEGRAM_BOT_TOKEN=")).split("=", 1)[1]
            api_base = (await lines.until("export TELEGRAM_API_BASE=")).split("=", 1)[1]
            kie_key = (await lines.until("export KIE_API_KEY=")).split("=", 1)[1]
            kie_base = (await lines.until("export KIE_API_BASE=")).split("=", 1)[1]
            await lines.until("Type to the bot")
            async with httpx.AsyncClient(trust_env=False) as http:
                me = (await http.get(f"{api_base}/bot{token}/getMe")).json()
                credit = await http.get(f"{kie_base}/api/v1/chat/credit", headers={"Authorization": f"Bearer {kie_key}"})
                assert me["ok"] and me["result"]["is_bot"] and me["result"]["username"] == "sandbox_bot"
                assert credit.status_code == 200 and credit.json()["code"] == 200
                assert await lines.until("api: getMe") == "api: getMe → 200"
                await _chat_as_the_bot(process, lines, http, f"{api_base}/bot{token}")
            process.send_signal(signal.SIGTERM)
            assert await lines.until("SIGTERM") == "SIGTERM: stopping."
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_port_in_use_is_said_in_a_sentence() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with trio.fail_after(30):
            done = await trio.run_process([sys.executable, "main.py", "sandbox", "--port", str(port)], cwd=ROOT,
                                          stdin=subprocess.DEVNULL, capture_stdout=True, capture_stderr=True, check=False)
    assert done.returncode == 2
    assert done.stderr.decode().startswith(f"The emulators cannot listen on port {port}, {port + 1} or {port + 2} (in use")
