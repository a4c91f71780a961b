"""Fixtures: the Telegram emulator over real HTTP, and a client on each transport."""

from __future__ import annotations

import logging
import struct
import traceback
import zlib
from collections.abc import AsyncIterator, Callable

import pytest

from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import HTTP11Transport, HttpxTransport, TelegramClient, Transport

TOKEN = "123456:TEST-token-0123456789abcdefXYZ"
SECRET_PART = TOKEN.split(":", 1)[1]

TRANSPORTS: dict[str, Callable[[], Transport]] = {
    "http11": lambda: HTTP11Transport(max_connections=4),
    "httpx": lambda: HttpxTransport(max_connections=4),
}


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny) PNG, so the emulator can read its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def assert_no_token(text: str) -> None:
    assert SECRET_PART not in text, f"the bot token leaked into: {text!r}"


def assert_error_hides_token(error: BaseException) -> None:
    """Neither the message, the repr nor the formatted traceback (with its chain) shows the token."""
    assert_no_token(str(error))
    assert_no_token(repr(error))
    assert_no_token("".join(traceback.format_exception(error)))


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator.serve(token=TOKEN) as emu:
        yield emu


@pytest.fixture(params=sorted(TRANSPORTS))
async def tg(request: pytest.FixtureRequest, emulator: TelegramEmulator) -> AsyncIterator[TelegramClient]:
    async with TelegramClient(emulator.api_base, TOKEN, transport=TRANSPORTS[request.param](), timeout=10.0) as client:
        yield client


@pytest.fixture(autouse=True)
def token_never_logged(caplog: pytest.LogCaptureFixture) -> object:
    """Every test in this folder runs with DEBUG logging captured, and no record may show the token."""
    caplog.set_level(logging.DEBUG)
    yield
    formatter = logging.Formatter()
    for record in caplog.get_records("setup") + caplog.get_records("call"):
        assert_no_token(formatter.format(record))
