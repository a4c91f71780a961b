"""Delivering results: the real client against the Telegram emulator, the result files on a loopback host.

The host streams each file in chunks from a short head padded with zeros,
so a "60 MB" video costs nothing unless someone reads it all; it can answer
503 to the first few requests of a file (Telegram's fetch fails, ours works)
or 404 for one it no longer has.
"""

from __future__ import annotations

import json
import logging
import struct
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import trio

from trt_actors.http import serve
from trt_actors.jobs.delivery import Result, chat_action_for, deliver
from trt_actors.sandbox.telegram import Button, TelegramEmulator, TelegramUser
from trt_actors.telegram import BotBlocked, ServerError, TelegramClient, TooManyRequests

TOKEN = "123456:TEST-delivery-token-0123456789abc"
ANN = 1001
LABEL = "Original"
MB = 1024 * 1024


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny) PNG, so the emulator can read its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG = png()
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 64


@dataclass(frozen=True)
class _File:
    head: bytes
    size: int
    mime: str
    status: int
    failures: int  # answer 503 to this many requests first


class FileHost:
    """Result files served over HTTP on loopback; :attr:`gets` counts requests per path."""

    chunk = 1 * MB

    def __init__(self) -> None:
        self.base = ""
        self.gets: Counter[str] = Counter()
        self._files: dict[str, _File] = {}

    def put(
        self, name: str, head: bytes, mime: str, *, size: int | None = None, status: int = 200, failures: int = 0
    ) -> str:
        """Serve ``head`` padded with zeros to ``size`` bytes at ``/name``; return its URL."""
        self._files["/" + name] = _File(head, max(size or 0, len(head)), mime, status, failures)
        return f"{self.base}/{name}"

    def app(self) -> Callable[[dict[str, Any], Any, Any], Awaitable[None]]:
        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "lifespan":
                while (await receive())["type"] != "lifespan.shutdown":
                    await send({"type": "lifespan.startup.complete"})
                await send({"type": "lifespan.shutdown.complete"})
                return
            path = scope["path"]
            self.gets[path] += 1
            file = self._files.get(path)
            status = 404 if file is None else file.status
            if file is not None and self.gets[path] <= file.failures:
                status = 503
            if file is None or status != 200:
                await send({"type": "http.response.start", "status": status, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            headers = [(b"content-type", file.mime.encode()), (b"content-length", str(file.size).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            at = 0
            while at < file.size:
                end = min(file.size, at + self.chunk)
                body = file.head[at:end] + b"\x00" * (end - max(at, len(file.head)))
                await send({"type": "http.response.body", "body": body, "more_body": end < file.size})
                at = end

        return app


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator.serve(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def tg(emu: TelegramEmulator) -> AsyncIterator[TelegramClient]:
    async with TelegramClient(emu.api_base, TOKEN, timeout=30.0) as client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30.0, trust_env=False) as client:
        yield client


@pytest.fixture
async def host(nursery: trio.Nursery) -> FileHost:
    files = FileHost()
    files.base = await nursery.start(serve, files.app(), "127.0.0.1", 0)
    return files


@pytest.fixture
def ann(emu: TelegramEmulator) -> TelegramUser:
    return emu.user(ANN, "Ann")


@pytest.fixture(autouse=True)
def token_never_logged(caplog: pytest.LogCaptureFixture) -> object:
    caplog.set_level(logging.DEBUG)
    yield
    secret = TOKEN.split(":", 1)[1]
    for record in caplog.get_records("call"):
        assert secret not in logging.Formatter().format(record)


def result(media: str, *urls: str, category: str = "other", caption: str = "Done") -> Result:
    return Result(chat_id=ANN, media=media, category=category, result_urls=urls, caption=caption,
                  original_label=LABEL)


def calls(emu: TelegramEmulator) -> list[tuple[str, int]]:
    """Every send the emulator answered: method and HTTP status."""
    return [(r.method, r.status) for r in emu.requests if r.method.startswith("send")]


def uploaded(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("<upload ")


# -- one result, one message ---------------------------------------------------------------------


async def test_an_image_is_a_photo_with_a_button_to_the_original(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("fox.png", PNG, "image/png")
    ids = await deliver(tg, http, result("image", url, category="text_to_image", caption="Flux: a fox"))
    [message] = ann.messages()
    assert ids == (message.message_id,)
    assert (message.kind, message.caption) == ("photo", "Flux: a fox")
    assert message.buttons == ((Button(LABEL, url=url),),)
    assert calls(emu) == [("sendPhoto", 200)]
    assert emu.requests_for("sendPhoto")[0].params["photo"] == url  # by URL: Telegram fetched it


@pytest.mark.parametrize(
    ("media", "category", "method", "kind"),
    [
        ("video", "text_to_video", "sendVideo", "video"),
        ("audio", "text_to_speech", "sendVoice", "voice"),
        ("audio", "other", "sendAudio", "audio"),
    ],
)
async def test_each_media_goes_as_its_own_kind_of_message(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser,
    media: str, category: str, method: str, kind: str,
) -> None:
    head, mime, name = (MP4, "video/mp4", "clip.mp4") if media == "video" else (MP3, "audio/mpeg", "speech.mp3")
    url = host.put(name, head, mime)
    ids = await deliver(tg, http, result(media, url, category=category))
    [message] = ann.messages()
    assert ids == (message.message_id,)
    assert (message.kind, message.caption, message.buttons) == (kind, "Done", ())
    assert calls(emu) == [(method, 200)]
    [request] = emu.requests_for(method)
    assert request.params["chat_id"] == ANN


async def test_other_media_is_a_document_uploaded_when_telegram_refuses_its_url(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("scene.glb", b"glTF\x02\x00\x00\x00" + b"\x00" * 32, "model/gltf-binary")
    ids = await deliver(tg, http, result("model", url))
    [message] = ann.messages()
    assert ids == (message.message_id,) and (message.kind, message.caption) == ("document", "Done")
    assert calls(emu) == [("sendDocument", 400), ("sendDocument", 200)]  # by URL only PDF, ZIP and GIF
    refused, sent = emu.requests_for("sendDocument")
    assert refused.params["document"] == url
    assert sent.params["document"] == "<upload scene.glb, 40 bytes>"


async def test_a_file_telegram_cannot_fetch_is_downloaded_and_uploaded(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("clip.mp4", MP4, "video/mp4", failures=1)  # Telegram's fetch gets a 503, ours the file
    ids = await deliver(tg, http, result("video", url))
    [message] = ann.messages()
    assert ids == (message.message_id,) and message.kind == "video"
    assert calls(emu) == [("sendVideo", 400), ("sendVideo", 200)]
    assert uploaded(emu.requests_for("sendVideo")[1].params["video"])
    assert host.gets["/clip.mp4"] == 2


async def test_a_photo_over_telegrams_url_limit_is_uploaded_as_a_photo_with_its_button(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("big.png", PNG, "image/png", size=6 * MB)  # over 5 MB by URL, under 10 MB uploaded
    await deliver(tg, http, result("image", url))
    [message] = ann.messages()
    assert message.kind == "photo" and message.buttons == ((Button(LABEL, url=url),),)
    assert calls(emu) == [("sendPhoto", 400), ("sendPhoto", 200)]
    assert emu.requests_for("sendPhoto")[1].params["photo"] == f"<upload big.png, {6 * MB} bytes>"


async def test_a_photo_over_the_photo_upload_limit_is_sent_as_a_document(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("huge.png", PNG, "image/png", size=12 * MB)
    await deliver(tg, http, result("image", url))
    [message] = ann.messages()
    assert (message.kind, message.caption, message.buttons) == ("document", "Done", ())
    assert calls(emu) == [("sendPhoto", 400), ("sendDocument", 200)]
    assert emu.requests_for("sendDocument")[0].params["document"] == f"<upload huge.png, {12 * MB} bytes>"


async def test_a_file_over_the_upload_limit_is_sent_as_its_link(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("long.mp4", MP4, "video/mp4", size=60 * MB)
    ids = await deliver(tg, http, result("video", url, caption="Veo: a storm"))
    [message] = ann.messages()
    assert ids == (message.message_id,)
    assert (message.kind, message.text) == ("text", f"Veo: a storm\n\n{url}")
    assert message.buttons == ((Button(LABEL, url=url),),)
    assert calls(emu) == [("sendVideo", 400), ("sendMessage", 200)]


async def test_a_file_its_host_no_longer_has_is_sent_as_its_link(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("gone.mp4", MP4, "video/mp4", status=404)
    await deliver(tg, http, result("video", url, caption=""))
    assert ann.last_message().text == url
    assert calls(emu) == [("sendVideo", 400), ("sendMessage", 200)]


# -- several results: albums ---------------------------------------------------------------------


async def test_three_images_are_one_album_with_the_caption_on_its_first_photo(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    urls = [host.put(f"{n}.png", png(4 + n), "image/png") for n in range(3)]
    ids = await deliver(tg, http, result("image", *urls, caption="Three foxes"))
    messages = ann.messages()
    assert ids == tuple(m.message_id for m in messages) and len(ids) == 3
    assert [m.kind for m in messages] == ["photo"] * 3
    assert [m.caption for m in messages] == ["Three foxes", None, None]
    assert len({m.media_group_id for m in messages}) == 1 and messages[0].media_group_id
    assert calls(emu) == [("sendMediaGroup", 200)]
    [request] = emu.requests_for("sendMediaGroup")
    assert [item["media"] for item in request.params["media"]] == urls


async def test_eleven_images_are_two_albums_and_one_caption(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    urls = [host.put(f"{n}.png", PNG, "image/png") for n in range(11)]
    ids = await deliver(tg, http, result("image", *urls))
    messages = ann.messages()
    assert len(ids) == 11
    assert [len(r.params["media"]) for r in emu.requests_for("sendMediaGroup")] == [6, 5]
    assert [m.caption for m in messages] == ["Done"] + [None] * 10


async def test_an_album_telegram_refuses_is_uploaded_and_a_photo_too_big_for_it_goes_apart(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    small = [host.put(f"{n}.png", PNG, "image/png", size=(6 if n == 0 else 0) * MB) for n in range(2)]
    huge = host.put("huge.png", PNG, "image/png", size=11 * MB)
    ids = await deliver(tg, http, result("image", *small, huge))
    messages = ann.messages()
    assert ids == tuple(m.message_id for m in messages)
    assert [(m.kind, m.caption) for m in messages] == [("photo", "Done"), ("photo", None), ("document", None)]
    assert calls(emu) == [("sendMediaGroup", 400), ("sendMediaGroup", 200), ("sendDocument", 200)]
    album = json.loads(emu.requests_for("sendMediaGroup")[1].params["media"])  # a multipart form field
    assert [item["media"].startswith("attach://") for item in album] == [True, True]


async def test_several_speeches_are_separate_voice_messages(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    urls = [host.put(f"{n}.mp3", MP3, "audio/mpeg") for n in range(2)]
    await deliver(tg, http, result("audio", *urls, category="text_to_speech"))
    assert [(m.kind, m.caption) for m in ann.messages()] == [("voice", "Done"), ("voice", None)]
    assert calls(emu) == [("sendVoice", 200), ("sendVoice", 200)]


async def test_no_urls_send_nothing(tg: TelegramClient, http: httpx.AsyncClient, emu: TelegramEmulator) -> None:
    assert await deliver(tg, http, result("image")) == ()
    assert calls(emu) == []


# -- what reaches the caller ---------------------------------------------------------------------


async def test_a_telegram_5xx_reaches_the_caller(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    emu.faults.server_error("sendPhoto", status=502, times=1)
    with pytest.raises(ServerError) as caught:
        await deliver(tg, http, result("image", host.put("a.png", PNG, "image/png")))
    assert caught.value.error_code == 502 and TOKEN not in repr(caught.value)
    assert ann.messages() == [] and calls(emu) == [("sendPhoto", 502)]


async def test_flood_control_and_a_blocked_bot_reach_the_caller(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("a.png", PNG, "image/png")
    emu.faults.rate_limit("sendPhoto", every=1, retry_after=3)
    with pytest.raises(TooManyRequests) as caught:
        await deliver(tg, http, result("image", url))
    assert caught.value.retry_after == 3
    emu.faults.clear()
    ann.block_bot()
    with pytest.raises(BotBlocked):
        await deliver(tg, http, result("image", url))


async def test_a_result_host_failing_after_telegram_refused_reaches_the_caller(
    tg: TelegramClient, http: httpx.AsyncClient, host: FileHost, emu: TelegramEmulator, ann: TelegramUser
) -> None:
    url = host.put("clip.mp4", MP4, "video/mp4", failures=2)
    with pytest.raises(httpx.HTTPStatusError):
        await deliver(tg, http, result("video", url))
    assert ann.messages() == []


# -- chat actions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("media", "category", "action"),
    [
        ("image", "text_to_image", "upload_photo"),
        ("video", "image_to_video", "upload_video"),
        ("audio", "text_to_speech", "record_voice"),
        ("audio", "other", "upload_voice"),
        ("model", "other", "upload_document"),
    ],
)
async def test_the_chat_action_matches_what_will_be_sent(
    tg: TelegramClient, ann: TelegramUser, media: str, category: str, action: str
) -> None:
    assert chat_action_for(media, category) == action
    assert await tg.send_chat_action(ANN, action)  # Telegram knows it
    assert ann.chat_actions() == [action]
