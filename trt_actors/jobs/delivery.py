"""Delivering a finished generation to the user's chat, as the kind of message its media calls for.

An image goes out as a photo (with a URL button to the original file, since
Telegram recompresses photos, and "💡 Why this price" when the result carries
its button), a video as a video, speech
(``text_to_speech``) as a voice message, other audio as audio, anything else
as a document. Two to ten results make one album, caption on its first item;
more make several albums of nearly equal size (an album carries no buttons:
its order's message keeps "Why this price").

Telegram is first asked to fetch each result by its URL. When it refuses (it
fetches at most 5 MB for a photo and 20 MB otherwise, and takes documents by
URL only as PDF, ZIP or GIF), the file is downloaded here, streamed with a
cap, and uploaded: up to 10 MB as a photo, up to 50 MB as anything else. A
photo over 10 MB goes as a document; a file over 50 MB, or one its host no
longer has, goes as a text message with its link.

Errors: any other ``BadRequest``, ``Forbidden`` (the user blocked the bot),
429, 5xx and network failures reach the caller, who decides whether to retry;
so do network failures and 5xx answers of the host that serves the results
(``httpx.HTTPError``). Messages sent before the failure stay sent: a retried
album-by-album delivery may show its first albums twice.

Example::

    result = Result(chat_id=42, media="image", category="text_to_image",
                    result_urls=("https://tempfile.example/a.png",), caption="Flux: a red fox",
                    original_label="Original")
    await tg.send_chat_action(42, chat_action_for(result.media, result.category))
    message_ids = await deliver(tg, http, result)
"""

from __future__ import annotations

import logging
import math
import mimetypes
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, assert_never
from urllib.parse import unquote, urlsplit

import httpx

from trt_actors.telegram import (
    BadRequest,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMedia,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    TelegramClient,
)

__all__ = [
    "ALBUM_LIMIT",
    "Kind",
    "PHOTO_UPLOAD_LIMIT",
    "Result",
    "UPLOAD_LIMIT",
    "chat_action_for",
    "deliver",
    "kind_for",
]

log = logging.getLogger(__name__)

MB = 1024 * 1024
UPLOAD_LIMIT = 50 * MB
"""The largest file a bot may upload to the cloud Bot API."""
PHOTO_UPLOAD_LIMIT = 10 * MB
"""The largest photo a bot may upload; a larger image goes as a document."""
ALBUM_LIMIT = 10
"""Items in one ``sendMediaGroup``."""

Kind = Literal["photo", "video", "audio", "voice", "document"]
"""The kind of message a result goes out as (the Bot API's ``send<Kind>``)."""

_CHAT_ACTIONS: dict[Kind, str] = {
    "photo": "upload_photo",
    "video": "upload_video",
    "voice": "record_voice",
    "audio": "upload_voice",
    "document": "upload_document",
}

# What Telegram says when it cannot or will not take a file by its URL (lower case, matched as substrings).
_URL_REFUSALS = (
    "failed to get http url content",
    "wrong file identifier/http url specified",
    "wrong type of the web page content",
    "file is too big",
    "webpage_curl_failed",
    "webpage_media_empty",
)

_DOWNLOAD_CHUNK = 256 * 1024


@dataclass(frozen=True)
class Result:
    """A finished generation to send: where, what kind of media, the files' URLs and the words around them.

    ``media`` is the registry model's ``media`` (``image``, ``video``, ``audio``),
    ``category`` its registry category; ``original_label`` labels the URL button
    under a photo that leads to the uncompressed file; ``why`` is the label
    and the callback data of the "Why this price" button under a single result
    (none: no such button).
    """

    chat_id: int
    media: str
    category: str
    result_urls: tuple[str, ...]
    caption: str
    original_label: str
    why: tuple[str, str] | None = None


def kind_for(media: str, category: str) -> Kind:
    """The kind of message for a model's ``media`` and ``category``.

    >>> kind_for("audio", "text_to_speech")
    'voice'
    """
    if media == "image":
        return "photo"
    if media == "video":
        return "video"
    if media == "audio":
        return "voice" if category == "text_to_speech" else "audio"
    return "document"


def chat_action_for(media: str, category: str) -> str:
    """The chat action to show while such a result is made and sent (``upload_photo``, ``record_voice``, ...)."""
    return _CHAT_ACTIONS[kind_for(media, category)]


async def deliver(tg: TelegramClient, http: httpx.AsyncClient, result: Result) -> tuple[int, ...]:
    """Send ``result`` to its chat; return the ids of the messages sent, in order.

    A result without URLs sends nothing. See the module docstring for the
    kinds, the albums, the fallbacks and the errors that reach the caller.
    """
    kind = kind_for(result.media, result.category)
    urls = result.result_urls
    caption = result.caption
    sent: list[int] = []
    if kind == "voice" or len(urls) <= 1:  # voice messages never group into albums
        for url in urls:
            sent.append(await _send_single(tg, http, result, kind, url, caption))
            caption, result = "", replace(result, why=None)  # the caption and "Why this price" go on the first
        return tuple(sent)
    for album in _albums(urls):
        sent.extend(await _send_album(tg, http, result, kind, album, caption))
        caption = ""
    return tuple(sent)


def _albums(urls: Sequence[str]) -> list[Sequence[str]]:
    """``urls`` cut into albums of at most ten, as even as possible (11 makes 6 and 5, never 10 and 1)."""
    count = math.ceil(len(urls) / ALBUM_LIMIT)
    size, extra = divmod(len(urls), count)
    albums: list[Sequence[str]] = []
    start = 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        albums.append(urls[start:end])
        start = end
    return albums


def _refused_url(error: BadRequest) -> bool:
    description = error.description.lower()
    return any(refusal in description for refusal in _URL_REFUSALS)


def _buttons(result: Result, url: str, *, original: bool) -> InlineKeyboardMarkup | None:
    """The buttons under one result: the link to the original file (``original``), and "Why this price"."""
    row = [InlineKeyboardButton(result.original_label, url=url)] if original else []
    if result.why is not None:
        label, data = result.why
        row.append(InlineKeyboardButton(label, callback_data=data))
    return InlineKeyboardMarkup((tuple(row),)) if row else None


async def _send_single(
    tg: TelegramClient, http: httpx.AsyncClient, result: Result, kind: Kind, url: str, caption: str
) -> int:
    markup = _buttons(result, url, original=kind == "photo")
    try:
        message = await _send(tg, result.chat_id, kind, url, caption, markup)
    except BadRequest as error:
        if not _refused_url(error):
            raise
        log.info("chat %s: Telegram did not take %s by URL (%s); uploading it", result.chat_id, kind, error.description)
        return await _upload_single(tg, result, kind, url, await _download(http, url), caption)
    return message.message_id


async def _upload_single(
    tg: TelegramClient, result: Result, kind: Kind, url: str, file: InputFile | None, caption: str
) -> int:
    """Send a downloaded file: as ``kind`` if it fits, a big photo as a document, a missing one as its link."""
    if file is None:
        return await _send_link(tg, result, url, caption)
    if kind == "photo" and len(file.data) > PHOTO_UPLOAD_LIMIT:
        markup = _buttons(result, url, original=False)
        kind = "document"
    else:
        markup = _buttons(result, url, original=kind == "photo")
    message = await _send(tg, result.chat_id, kind, file, caption, markup)
    return message.message_id


async def _send_album(
    tg: TelegramClient, http: httpx.AsyncClient, result: Result, kind: Kind, urls: Sequence[str], caption: str
) -> list[int]:
    try:
        messages = await tg.send_media_group(result.chat_id, _album_items(kind, urls, caption))
    except BadRequest as error:
        if not _refused_url(error):
            raise
        log.info("chat %s: Telegram did not take an album by URL (%s); uploading it", result.chat_id, error.description)
    else:
        return [message.message_id for message in messages]
    files = [(url, await _download(http, url)) for url in urls]
    limit = PHOTO_UPLOAD_LIMIT if kind == "photo" else UPLOAD_LIMIT
    fitting = [(url, file) for url, file in files if file is not None and len(file.data) <= limit]
    apart = [(url, file) for url, file in files if file is None or len(file.data) > limit]
    sent: list[int] = []
    if len(fitting) >= 2:
        messages = await tg.send_media_group(result.chat_id, _album_items(kind, [file for _, file in fitting], caption))
        sent.extend(message.message_id for message in messages)
        caption = ""
    else:
        apart = fitting + apart
    for url, file in apart:
        sent.append(await _upload_single(tg, replace(result, why=None), kind, url, file, caption))
        caption = ""
    return sent


def _album_items(kind: Kind, sources: Sequence[str | InputFile], caption: str) -> list[InputMedia]:
    items: list[InputMedia] = []
    for index, source in enumerate(sources):
        text = caption if index == 0 and caption else None
        match kind:
            case "photo":
                items.append(InputMediaPhoto(source, caption=text))
            case "video":
                items.append(InputMediaVideo(source, caption=text))
            case "audio" | "voice":
                items.append(InputMediaAudio(source, caption=text))
            case "document":
                items.append(InputMediaDocument(source, caption=text))
            case _:
                assert_never(kind)
    return items


async def _send(
    tg: TelegramClient,
    chat_id: int,
    kind: Kind,
    source: str | InputFile,
    caption: str,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    text = caption or None
    match kind:
        case "photo":
            return await tg.send_photo(chat_id, source, caption=text, reply_markup=markup)
        case "video":
            return await tg.send_video(chat_id, source, caption=text, reply_markup=markup, supports_streaming=True)
        case "audio":
            return await tg.send_audio(chat_id, source, caption=text, reply_markup=markup)
        case "voice":
            return await tg.send_voice(chat_id, source, caption=text, reply_markup=markup)
        case "document":
            return await tg.send_document(chat_id, source, caption=text, reply_markup=markup)
        case _:
            assert_never(kind)


async def _send_link(tg: TelegramClient, result: Result, url: str, caption: str) -> int:
    """The last resort: the caption and the file's link as text, with the link as a button too."""
    text = f"{caption}\n\n{url}" if caption else url
    message = await tg.send_message(result.chat_id, text, reply_markup=_buttons(result, url, original=True))
    return message.message_id


async def _download(http: httpx.AsyncClient, url: str) -> InputFile | None:
    """The file at ``url`` as an upload, or None when it is over :data:`UPLOAD_LIMIT` or its host says it is gone.

    A network failure or a 5xx answer raises ``httpx.HTTPError``: those may pass.
    """
    async with http.stream("GET", url) as response:
        if response.status_code >= 500:
            response.raise_for_status()
        if response.status_code != 200:
            log.warning("the result %s answered HTTP %s; sending its link instead", url, response.status_code)
            return None
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > UPLOAD_LIMIT:
            log.info("the result %s is %s bytes, over the upload limit; sending its link instead", url, declared)
            return None
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes(_DOWNLOAD_CHUNK):
            size += len(chunk)
            if size > UPLOAD_LIMIT:
                log.info("the result %s is over the upload limit; sending its link instead", url)
                return None
            chunks.append(chunk)
        mime = response.headers.get("content-type", "").split(";", 1)[0].strip()
    return _as_upload(b"".join(chunks), url, mime)


def _as_upload(data: bytes, url: str, mime: str) -> InputFile:
    """Bytes with the file name from the URL's path and a MIME type from the host or the name."""
    name = posixpath.basename(unquote(urlsplit(url).path))
    name = "".join(c for c in name if c not in '"\r\n\\/') or "result"
    if "/" not in mime or any(c in mime for c in "\r\n"):
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if "." not in name:
        name += mimetypes.guess_extension(mime) or ""
    return InputFile(data, name, mime)
