"""The sandbox's user in a terminal: typed lines become messages, taps, payments and photos; the chat is printed."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import trio

from tests.telegram.conftest import png
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.sandbox.terminal_chat import readable_now, show_chat, type_to_bot

from .conftest import Api


async def _typed(receive: trio.MemoryReceiveChannel[str]) -> AsyncIterator[str]:
    async for line in receive:
        yield line


async def _printed(out: io.StringIO, text: str) -> None:
    while text not in out.getvalue():
        await trio.sleep(0)


async def test_typed_lines_act_and_the_chat_is_printed(emu: TelegramEmulator, api: Api, tmp_path: Path) -> None:
    tester = emu.user(1001, "Tester")
    picture = tmp_path / "p.png"
    picture.write_bytes(png(4, 3))
    out = io.StringIO()
    send, receive = trio.open_memory_channel[str](10)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(show_chat, tester, out)
        nursery.start_soon(type_to_bot, tester, _typed(receive), out)
        await send.send(f"!photo {picture}")
        [update] = await api.ok("getUpdates", timeout=5)
        assert update["message"]["photo"][-1]["width"] == 4
        await send.send("!pay")
        with trio.fail_after(5):
            await _printed(out, "cannot do that: no invoice to pay in chat 1001")
        await api.ok("sendInvoice", chat_id=1001, title="Stars", description="Five stars", payload="p",
                     currency="XTR", prices=[{"label": "Stars", "amount": 5}])
        await send.send("!pay")
        [query] = await api.ok("getUpdates", offset=update["update_id"] + 1, timeout=5)
        await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=query["pre_checkout_query"]["id"], ok=True)
        with trio.fail_after(5):
            await _printed(out, "payment: paid")
        await api.ok("deleteMessage", chat_id=1001, message_id=2)
        with trio.fail_after(5):
            await _printed(out, "(deleted)")
        nursery.cancel_scope.cancel()
    assert out.getvalue().splitlines() == [
        "cannot do that: no invoice to pay in chat 1001",
        "bot › [invoice] Stars (Five stars): 5 XTR [Pay ⭐️5]",
        "payment: paid",
        "bot › (deleted) [invoice] Stars (Five stars): 5 XTR [Pay ⭐️5]",
    ]


def test_a_pipe_is_read_and_a_closed_or_missing_stream_is_not() -> None:
    read, write = os.pipe()
    with os.fdopen(read) as pipe, os.fdopen(write, "w"):
        assert readable_now(pipe)
    assert not readable_now(pipe)  # closed
    assert not readable_now(None)
    assert not readable_now(io.StringIO("no descriptor"))
