"""The seam: wrappers compose around BotAPI, the limiter caps in-flight calls, pools are reused."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

import msgspec
import pytest
import trio

from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import (
    BotAPI,
    HTTP11Transport,
    HttpxTransport,
    HTTPBotAPI,
    NotFound,
    TelegramClient,
    TelegramNetworkError,
)

from .conftest import TOKEN

ANN = 1001


class Recording:
    """A wrapper, as retries, rate limits and tracing are: it takes a BotAPI and is one."""

    def __init__(self, inner: BotAPI) -> None:
        self.inner = inner
        self.calls: list[str] = []

    async def call(self, method: str, params: Mapping[str, object], *, timeout: float | None = None) -> msgspec.Raw:
        self.calls.append(method)
        return await self.inner.call(method, params, timeout=timeout)

    async def download(self, file_path: str, *, timeout: float | None = None) -> bytes:
        self.calls.append("download")
        return await self.inner.download(file_path, timeout=timeout)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_wrappers_see_every_call_without_touching_callers(emulator: TelegramEmulator) -> None:
    async with TelegramClient(emulator.api_base, TOKEN, wrap=[Recording, Recording]) as tg:
        emulator.user(ANN, "Ann")
        await tg.get_me()
        await tg.send_message(ANN, "hi")
        outer = tg.api
        assert isinstance(outer, Recording) and isinstance(outer.inner, Recording)
        assert outer.calls == outer.inner.calls == ["getMe", "sendMessage"]
        assert isinstance(outer.inner.inner, HTTPBotAPI)


class Fake:
    """A whole BotAPI in a few lines: what tests of higher layers can use."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, object]]] = []

    async def call(self, method: str, params: Mapping[str, object], *, timeout: float | None = None) -> msgspec.Raw:
        self.sent.append((method, dict(params)))
        result = {"message_id": len(self.sent), "date": 0, "chat": {"id": params["chat_id"], "type": "private"}}
        return msgspec.Raw(msgspec.json.encode(result))

    async def download(self, file_path: str, *, timeout: float | None = None) -> bytes:
        return b""

    async def aclose(self) -> None:
        pass


async def test_the_typed_client_runs_over_any_bot_api() -> None:
    fake = Fake()
    tg = TelegramClient.over(fake)
    message = await tg.send_message(7, "hi", disable_notification=True)
    assert message.chat.id == 7
    assert fake.sent == [
        (
            "sendMessage",
            {
                "chat_id": 7,
                "text": "hi",
                "parse_mode": None,
                "entities": None,
                "link_preview_options": None,
                "reply_markup": None,
                "reply_parameters": None,
                "disable_notification": True,
                "protect_content": None,
                "allow_paid_broadcast": None,
                "message_thread_id": None,
            },
        )
    ]


@pytest.mark.parametrize("transport", [HTTP11Transport, HttpxTransport])
async def test_in_flight_calls_stay_at_the_pool_size(emulator: TelegramEmulator, transport: type) -> None:
    emulator.user(ANN, "Ann")
    emulator.faults.delay("sendChatAction", 0.1)
    api = HTTPBotAPI(emulator.api_base, TOKEN, transport=transport(max_connections=2), max_connections=2)
    tg = TelegramClient.over(api)
    peak_in_flight = peak_waiting = 0

    async def watch() -> None:
        nonlocal peak_in_flight, peak_waiting
        while True:
            stats = api.statistics()
            peak_in_flight = max(peak_in_flight, stats.in_flight, emulator.statistics().in_flight)
            peak_waiting = max(peak_waiting, stats.waiting)
            await trio.sleep(0.01)

    async with tg, trio.open_nursery() as nursery:
        nursery.start_soon(watch)
        async with trio.open_nursery() as calls:
            for _ in range(6):
                calls.start_soon(tg.send_chat_action, ANN, "typing")
        nursery.cancel_scope.cancel()
    assert peak_in_flight == 2 and peak_waiting >= 3
    stats = api.statistics()
    assert (stats.requests, stats.in_flight, stats.api_errors, stats.network_errors) == (6, 0, 0, 0)


async def test_http11_reuses_connections_and_drops_cancelled_ones(emulator: TelegramEmulator) -> None:
    transport = HTTP11Transport(max_connections=2)
    async with TelegramClient(emulator.api_base, TOKEN, transport=transport) as tg:
        for _ in range(20):
            await tg.get_me()
        assert transport.statistics().connections_opened == 1
        emulator.faults.delay("getWebhookInfo", 30.0)
        with pytest.raises(TelegramNetworkError):
            await tg.api.call("getWebhookInfo", {}, timeout=0.1)
        stats = transport.statistics()
        assert (stats.connections_open, stats.connections_idle) == (0, 0)
        assert (await tg.get_me()).is_bot
        assert transport.statistics().connections_opened == 2
    assert transport.statistics().connections_open == 0


async def test_long_polls_outlast_the_default_deadline(emulator: TelegramEmulator) -> None:
    async with TelegramClient(emulator.api_base, TOKEN, timeout=0.3) as tg:
        with trio.fail_after(5):
            assert await tg.get_updates(timeout=1) == []


async def test_httpx_logs_show_the_placeholder(emulator: TelegramEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with TelegramClient(emulator.api_base, TOKEN, transport=HttpxTransport()) as tg:
        await tg.get_me()
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert lines and all("/bot%3Ctoken%3E/" in line for line in lines)


async def test_http11_replaces_idle_connections_the_server_closed() -> None:
    closed = trio.Event()
    body = b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"B"}}'

    async def answer_once_then_close(stream: trio.SocketStream) -> None:
        await stream.receive_some(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        await stream.send_all(head + body)
        await stream.aclose()
        closed.set()

    transport = HTTP11Transport()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, answer_once_then_close, 0, host="127.0.0.1"))
        base = f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}"
        async with TelegramClient(base, TOKEN, transport=transport) as tg:
            await tg.get_me()
            await closed.wait()
            await tg.get_me()
        nursery.cancel_scope.cancel()
    assert transport.statistics().connections_opened == 2


async def test_downloading_a_missing_file_is_not_found(emulator: TelegramEmulator) -> None:
    async with TelegramClient(emulator.api_base, TOKEN) as tg:
        with pytest.raises(NotFound) as info:
            await tg.download_file("photos/nothing.jpg")
    assert info.value.method == "download" and TOKEN not in str(info.value)
