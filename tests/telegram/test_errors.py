"""Each error of the tree, produced over real HTTP (the emulator, or a loopback server for what it cannot do).

Every error raised here is also checked for the token: not in ``str``, ``repr``
or the formatted traceback; the autouse fixture checks every log record.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

import pytest
import trio

from trt_actors.http import Request, Response, serve
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import (
    BadRequest,
    BotBlocked,
    ChatMigrated,
    Conflict,
    Forbidden,
    NotFound,
    ServerError,
    TelegramAPIError,
    TelegramClient,
    TelegramError,
    TelegramNetworkError,
    TooManyRequests,
    Unauthorized,
    UnexpectedResponse,
)

from .conftest import SECRET_PART, TOKEN, TRANSPORTS, assert_error_hides_token

ANN = 1001

log = logging.getLogger("tests.telegram")


async def raised(call: Awaitable[object], kind: type[TelegramError]) -> TelegramError:
    """Await ``call``, expect ``kind``, check it hides the token, log it with its traceback (checked too)."""
    with pytest.raises(kind) as info:
        await call
    error = info.value
    assert_error_hides_token(error)
    log.error("expected failure", exc_info=error)
    return error


async def test_bad_request(tg: TelegramClient) -> None:
    error = await raised(tg.send_message(999_999, "hi"), BadRequest)
    assert isinstance(error, TelegramAPIError)
    assert (error.method, error.error_code) == ("sendMessage", 400)
    assert "chat not found" in error.description
    assert str(error).startswith("Telegram refused sendMessage: 400")


async def test_unauthorized_hides_the_wrong_token_too(emulator: TelegramEmulator) -> None:
    wrong = "654321:WRONG-token-abcdefghijklmnopqrstuv"
    async with TelegramClient(emulator.api_base, wrong) as tg:
        error = await raised(tg.get_me(), Unauthorized)
    assert isinstance(error, Unauthorized) and error.error_code == 401 and "TELEGRAM_BOT_TOKEN" in str(error)
    assert "WRONG-token" not in repr(error) + str(error)


async def test_forbidden_when_the_user_blocked_the_bot(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    emulator.user(ANN, "Ann").block_bot()
    error = await raised(tg.send_message(ANN, "hi"), BotBlocked)
    assert isinstance(error, Forbidden) and error.error_code == 403


async def test_not_found_for_an_unknown_method(tg: TelegramClient) -> None:
    error = await raised(tg.api.call("noSuchMethod", {}), NotFound)
    assert isinstance(error, TelegramAPIError) and error.method == "noSuchMethod" and error.error_code == 404


async def test_conflict_when_polling_while_a_webhook_is_set(tg: TelegramClient) -> None:
    await tg.set_webhook("https://bot.example.org/hook")
    error = await raised(tg.get_updates(timeout=0), Conflict)
    assert isinstance(error, TelegramAPIError) and "webhook is active" in error.description


async def test_too_many_requests_carries_retry_after(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    emulator.user(ANN, "Ann")
    emulator.faults.rate_limit("sendMessage", every=1, retry_after=7)
    error = await raised(tg.send_message(ANN, "hi"), TooManyRequests)
    assert isinstance(error, TooManyRequests) and error.retry_after == 7 and error.error_code == 429


async def test_server_error(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    emulator.faults.server_error("getMe", status=502, times=1)
    error = await raised(tg.get_me(), ServerError)
    assert isinstance(error, TelegramAPIError) and error.error_code == 502
    assert (await tg.get_me()).is_bot


async def test_a_slow_answer_is_a_network_error(emulator: TelegramEmulator) -> None:
    emulator.faults.delay("getMe", 30.0)
    for make in TRANSPORTS.values():
        async with TelegramClient(emulator.api_base, TOKEN, transport=make(), timeout=0.2) as tg:
            with trio.fail_after(5):
                error = await raised(tg.get_me(), TelegramNetworkError)
        assert isinstance(error, TelegramNetworkError)
        assert error.method == "getMe" and error.maybe_delivered and "0.2 s" in str(error)


# What the emulator cannot produce: refused connections, resets, non-Bot-API answers, migrations.


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@asynccontextmanager
async def loopback(handler: Callable[[Request], Awaitable[Response]]) -> AsyncIterator[str]:
    async with trio.open_nursery() as nursery:
        yield await nursery.start(serve, handler, "127.0.0.1", 0)
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
async def test_connection_refused_never_reached_telegram(transport: str) -> None:
    async with TelegramClient(f"http://127.0.0.1:{closed_port()}", TOKEN, transport=TRANSPORTS[transport]()) as tg:
        error = await raised(tg.send_message(1, "hi"), TelegramNetworkError)
    assert isinstance(error, TelegramNetworkError)
    assert error.method == "sendMessage" and not error.maybe_delivered
    assert error.__cause__ is None and error.__suppress_context__


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
async def test_connection_reset_before_the_answer(transport: str) -> None:
    async def hang_up(stream: trio.SocketStream) -> None:
        await stream.receive_some(65536)
        await trio.aclose_forcefully(stream)

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, hang_up, 0, host="127.0.0.1"))
        port = listeners[0].socket.getsockname()[1]
        async with TelegramClient(f"http://127.0.0.1:{port}", TOKEN, transport=TRANSPORTS[transport]()) as tg:
            error = await raised(tg.get_me(), TelegramNetworkError)
        nursery.cancel_scope.cancel()
    assert isinstance(error, TelegramNetworkError) and error.maybe_delivered


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
async def test_answers_that_are_not_the_bot_api(transport: str) -> None:
    async def proxy(request: Request) -> Response:
        if request.path.endswith("/getMe"):
            return Response(200, b"<html>captive portal</html>", "text/html")
        return Response(502, b"<html>Bad Gateway</html>", "text/html")

    async with loopback(proxy) as base, TelegramClient(base, TOKEN, transport=TRANSPORTS[transport]()) as tg:
        unexpected = await raised(tg.get_me(), UnexpectedResponse)
        assert isinstance(unexpected, UnexpectedResponse) and unexpected.status == 200
        assert "captive portal" in str(unexpected) and "TELEGRAM_API_BASE" in str(unexpected)
        gateway = await raised(tg.send_message(1, "hi"), ServerError)
        assert isinstance(gateway, ServerError) and gateway.error_code == 502


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
async def test_chat_migrated_and_echoed_tokens_are_redacted(transport: str) -> None:
    async def telegram(request: Request) -> Response:
        if request.path.endswith("/sendMessage"):
            body = {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": -1001234567890},
            }
            return Response.json(body, status=400)
        # A server that echoes the path (the token) in its description must not leak it either.
        return Response.json({"ok": False, "error_code": 404, "description": f"Not Found: {request.path}"}, 404)

    async with loopback(telegram) as base, TelegramClient(base, TOKEN, transport=TRANSPORTS[transport]()) as tg:
        migrated = await raised(tg.send_message(-42, "hi"), ChatMigrated)
        assert isinstance(migrated, ChatMigrated) and migrated.migrate_to_chat_id == -1001234567890
        echoed = await raised(tg.api.call("getMe", {}), NotFound)
        assert isinstance(echoed, NotFound) and "/bot<token>/getMe" in echoed.description
        assert SECRET_PART not in echoed.description
