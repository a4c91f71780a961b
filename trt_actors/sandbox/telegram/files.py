"""Files the bot and the users exchanged: ids, bytes, download paths, and fetching by URL.

Every photo, video or document gets a ``file_id`` (reusable in later sends)
and a ``file_path`` for ``getFile``; its bytes are served at
``/file/bot<token>/<file_path>``. A send may name its file three ways, all
resolved by :meth:`FileStore.resolve`: a multipart upload (``Upload`` or
``attach://<part>``), an existing ``file_id``, or an HTTP URL that the
emulator downloads itself (in the demo and tests, from the KIE emulator), with
Telegram's limits: 5 MB for photos and 20 MB for other files by URL, and
``sendDocument`` by URL only for PDF, ZIP and GIF; uploads up to 10 MB for
photos and 50 MB for other files.

One difference on purpose: Telegram re-encodes every photo as JPEG, the
emulator keeps the bytes as sent, so a photo's ``file_path`` ends in the
extension of what it holds (``.png`` for a PNG) and its download is served
with that MIME type.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any

import httpx

from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.request import Upload

__all__ = ["FileStore", "StoredFile", "image_format", "image_size", "url_content_allowed"]

MB = 1024 * 1024
UPLOAD_LIMIT = {"photo": 10 * MB}
URL_LIMIT = {"photo": 5 * MB}
DEFAULT_UPLOAD_LIMIT = 50 * MB
DEFAULT_URL_LIMIT = 20 * MB
THUMBNAIL_SIDE = 90
_FOLDER = {"photo": "photos", "video": "videos", "audio": "music", "document": "documents", "animation": "animations", "voice": "voice"}


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None
    mime_type: str | None

    def as_file(self) -> dict[str, Any]:
        """The Telegram ``File`` object ``getFile`` returns."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }

    def as_media(self) -> dict[str, Any]:
        """The ``Video``/``Audio``/``Document`` object of a message (photos use :meth:`as_photo`)."""
        media: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}
        if self.file_name:
            media["file_name"] = self.file_name
        if self.mime_type:
            media["mime_type"] = self.mime_type
        if self.kind == "video":
            width, height = image_size(self.data)
            media.update(width=width, height=height, duration=0)
        if self.kind in ("audio", "voice"):
            media["duration"] = 0
        return media

    def as_photo(self) -> list[dict[str, Any]]:
        """The ``PhotoSize`` array of a photo message, smallest first and the full size last.

        A photo wider or taller than 90 pixels also gets a thumbnail that fits in
        90×90; a smaller one is listed once, at its own size (never upscaled).
        """
        width, height = image_size(self.data)
        width, height = (width, height) if width and height else (1280, 1280)
        full = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "width": width, "height": height,
                "file_size": len(self.data)}
        if max(width, height) <= THUMBNAIL_SIDE:
            return [full]
        scale = max(width, height) / THUMBNAIL_SIDE
        small = {
            "file_id": self.file_id + "-s",
            "file_unique_id": self.file_unique_id + "s",
            "width": max(1, round(width / scale)),
            "height": max(1, round(height / scale)),
            "file_size": min(len(self.data), 1024),
        }
        return [small, full]


_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8", b"GIF8", b"RIFF")
_DOCUMENT_MAGIC = (b"%PDF", b"PK\x03\x04", b"GIF8")
_DOCUMENT_TYPES = frozenset({"application/pdf", "application/zip", "image/gif"})


def url_content_allowed(kind: str, data: bytes, mime: str | None) -> bool:
    """Whether Telegram takes this downloaded content for ``kind``.

    Photos must be images; documents sent by URL must be PDF, ZIP or GIF (anything
    else has to be uploaded with multipart); other kinds are taken as they come.
    """
    if kind == "photo":
        return data.startswith(_IMAGE_MAGIC) or (mime or "").startswith("image/")
    if kind == "document":
        return data.startswith(_DOCUMENT_MAGIC) or mime in _DOCUMENT_TYPES
    return True


def image_format(data: bytes) -> tuple[str, str] | None:
    """The file extension and MIME type of a PNG, JPEG, GIF or WebP image, by its first bytes; None for others."""
    if data.startswith(b"\x89PNG"):
        return ".png", "image/png"
    if data.startswith(b"\xff\xd8"):
        return ".jpg", "image/jpeg"
    if data.startswith(b"GIF8"):
        return ".gif", "image/gif"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return ".webp", "image/webp"
    return None


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG, or ``(0, 0)`` when unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:4] == b"GIF8" and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        at = 2
        while at + 9 < len(data):
            if data[at] != 0xFF:
                at += 1
                continue
            marker = data[at + 1]
            length = int.from_bytes(data[at + 2 : at + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[at + 5 : at + 9])
                return int(width), int(height)
            at += 2 + length
    return 0, 0


class FileStore:
    """Files by id, with the paths ``getFile`` hands out."""

    def __init__(self, token_hint: str = "") -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0
        self._salt = hashlib.sha256(token_hint.encode()).hexdigest()[:6]

    def add(self, kind: str, data: bytes, *, file_name: str | None = None, mime_type: str | None = None) -> StoredFile:
        """Store bytes as a new file and return it (with a fresh ``file_id``)."""
        self._counter += 1
        digest = hashlib.sha256(data).hexdigest()[:10]
        file_id = f"{kind[:2].upper()}ACAg{self._salt}{self._counter:06d}{digest}"
        extension = {"photo": ".jpg", "video": ".mp4", "audio": ".mp3", "voice": ".oga"}.get(kind, "")
        detected = image_format(data) if kind == "photo" else None
        if detected is not None:  # Telegram re-encodes photos as JPEG; the emulator keeps the bytes and says what they are
            extension, mime_type = detected
        if not extension and file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        path = f"{_FOLDER.get(kind, 'documents')}/file_{self._counter}{extension}"
        stored = StoredFile(file_id, f"AQAD{digest}", kind, data, path, file_name, mime_type)
        self._by_id[file_id] = stored
        self._by_id[file_id + "-s"] = stored
        self._by_path[path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    async def resolve(self, kind: str, value: Any, uploads: dict[str, Upload], http: httpx.AsyncClient) -> StoredFile:
        """The file a send names by upload, ``attach://``, ``file_id`` or URL; 400 with Telegram's wording if none."""
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise BotApiError.bad_request(f"failed to send message #1 with the error message \"{kind.upper()}_INVALID\"")
            value = upload
        if isinstance(value, Upload):
            limit = UPLOAD_LIMIT.get(kind, DEFAULT_UPLOAD_LIMIT)
            if len(value.data) > limit:
                raise BotApiError(413, "Request Entity Too Large")
            if not value.data:
                raise BotApiError.bad_request("file must be non-empty")
            return self.add(kind, value.data, file_name=value.filename, mime_type=value.content_type)
        if not isinstance(value, str) or not value:
            raise BotApiError.bad_request(f"there is no {kind} in the request")
        if value.startswith(("http://", "https://")):
            return await self._fetch(kind, value, http)
        stored = self._by_id.get(value)
        if stored is None:
            raise BotApiError.bad_request("wrong file identifier/HTTP URL specified")
        return stored

    async def _fetch(self, kind: str, url: str, http: httpx.AsyncClient) -> StoredFile:
        limit = URL_LIMIT.get(kind, DEFAULT_URL_LIMIT)
        try:
            async with http.stream("GET", url) as response:
                if response.status_code != 200:
                    raise BotApiError.bad_request("failed to get HTTP URL content")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:  # refused without reading the body
                    raise BotApiError.bad_request("failed to get HTTP URL content")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise BotApiError.bad_request("failed to get HTTP URL content")
                    chunks.append(chunk)
                mime = response.headers.get("content-type", "").split(";")[0] or None
        except httpx.HTTPError:
            raise BotApiError.bad_request("failed to get HTTP URL content") from None
        data = b"".join(chunks)
        if not url_content_allowed(kind, data, mime):
            raise BotApiError.bad_request("wrong type of the web page content")
        name = url.rsplit("/", 1)[-1].split("?")[0] or None
        return self.add(kind, data, file_name=name, mime_type=mime)

    def __len__(self) -> int:
        return len(self._by_id)
