"""What the bot sends beyond plain values: files to upload, album items, prices, reply options.

A media parameter (``photo``, ``video``, an album item's ``media``) is either a
``str`` (a ``file_id`` Telegram already has, or an HTTP URL Telegram will
fetch itself: 5 MB for photos, 20 MB otherwise) or an :class:`InputFile`
(bytes the client uploads as ``multipart/form-data``: 10 MB for photos, 50 MB
otherwise). The client picks JSON or multipart on its own.

Example::

    await tg.send_photo(chat_id, InputFile(png, "result.png", "image/png"), caption="Done")
    await tg.send_media_group(chat_id, [
        InputMediaPhoto("https://example.org/a.png"),
        InputMediaPhoto(InputFile(png, "b.png", "image/png"), caption="two"),
    ])
"""

from __future__ import annotations

from typing import TypeAlias

import msgspec

__all__ = [
    "InputFile",
    "InputMedia",
    "InputMediaAudio",
    "InputMediaDocument",
    "InputMediaPhoto",
    "InputMediaVideo",
    "LabeledPrice",
    "LinkPreviewOptions",
    "ReplyParameters",
]


class InputFile:
    """Bytes to upload, with the file name and MIME type Telegram will see.

    Deliberately not a Struct: the request encoder must notice it wherever it
    sits and turn it into a multipart part, not into JSON.
    """

    __slots__ = ("data", "filename", "mime_type")

    def __init__(self, data: bytes, filename: str = "file", mime_type: str = "application/octet-stream") -> None:
        if not filename or any(c in filename for c in '"\r\n'):
            raise ValueError(f"an upload needs a plain file name without quotes or line breaks, not {filename!r}")
        if "/" not in mime_type or any(c in mime_type for c in "\r\n"):
            raise ValueError(f"an upload needs a MIME type such as image/png, not {mime_type!r}")
        self.data = bytes(data)
        self.filename = filename
        self.mime_type = mime_type

    def __repr__(self) -> str:
        return f"InputFile(<{len(self.data)} bytes>, {self.filename!r}, {self.mime_type!r})"


class _Input(msgspec.Struct, frozen=True, omit_defaults=True):
    pass


class InputMediaPhoto(_Input, frozen=True, tag="photo", tag_field="type"):
    media: str | InputFile
    caption: str | None = None
    parse_mode: str | None = None
    has_spoiler: bool | None = None


class InputMediaVideo(_Input, frozen=True, tag="video", tag_field="type"):
    media: str | InputFile
    caption: str | None = None
    parse_mode: str | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None
    supports_streaming: bool | None = None
    has_spoiler: bool | None = None


class InputMediaDocument(_Input, frozen=True, tag="document", tag_field="type"):
    media: str | InputFile
    caption: str | None = None
    parse_mode: str | None = None


class InputMediaAudio(_Input, frozen=True, tag="audio", tag_field="type"):
    media: str | InputFile
    caption: str | None = None
    parse_mode: str | None = None
    duration: int | None = None
    performer: str | None = None
    title: str | None = None


InputMedia: TypeAlias = "InputMediaPhoto | InputMediaVideo | InputMediaDocument | InputMediaAudio"


class LabeledPrice(_Input, frozen=True):
    """One price line; for Stars (``XTR``) an invoice has exactly one, ``amount`` in Stars."""

    label: str
    amount: int


class ReplyParameters(_Input, frozen=True):
    message_id: int
    chat_id: int | str | None = None
    allow_sending_without_reply: bool | None = None


class LinkPreviewOptions(_Input, frozen=True):
    is_disabled: bool | None = None
    url: str | None = None
    prefer_small_media: bool | None = None
    prefer_large_media: bool | None = None
    show_above_text: bool | None = None
