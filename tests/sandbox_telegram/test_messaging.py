"""Sending, editing and deleting messages; media by upload, URL and file_id; getFile and downloads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio

from trt_actors.http import Request, Response, serve
from trt_actors.sandbox.telegram import TelegramEmulator

from .conftest import Api

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00\x00\x00\x01\x00" + b"\x00" * 40
KEYBOARD = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}, {"text": "Docs", "url": "https://x.y"}]]}


@asynccontextmanager
async def file_server(files: dict[str, bytes]) -> AsyncIterator[str]:
    """A stand-in for the KIE emulator's result URLs."""

    async def handler(request: Request) -> Response:
        data = files.get(request.path)
        if data is None:
            return Response.text("missing", 404)
        return Response(200, data, "image/png")

    async with trio.open_nursery() as nursery:
        yield await nursery.start(serve, handler, "127.0.0.1", 0)
        nursery.cancel_scope.cancel()


async def test_send_message_returns_the_message_and_stores_it(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    sent = await api.ok("sendMessage", chat_id=1001, text="Pick one", reply_markup=KEYBOARD)
    assert sent["chat"] == {"id": 1001, "type": "private", "first_name": "Ann"}
    assert sent["from"]["is_bot"] is True and sent["text"] == "Pick one"
    [record] = ann.messages()
    assert record.message_id == sent["message_id"] and record.kind == "text"
    assert record.buttons[0][0].callback_data == "y" and record.buttons[0][1].url == "https://x.y"
    assert await api.fails("sendMessage", chat_id=777, text="hi") == "Bad Request: chat not found"


async def test_edit_text_history_not_modified_and_not_found(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    sent = await api.ok("sendMessage", chat_id=1001, text="v1", reply_markup=KEYBOARD)
    mid = sent["message_id"]
    assert await api.fails("editMessageText", chat_id=1001, message_id=mid, text="v1", reply_markup=KEYBOARD) == NOT_MODIFIED
    edited = await api.ok("editMessageText", chat_id=1001, message_id=mid, text="v2", reply_markup=KEYBOARD)
    assert edited["text"] == "v2" and "edit_date" in edited
    # editMessageText without reply_markup removes the keyboard, as Telegram does
    await api.ok("editMessageText", chat_id=1001, message_id=mid, text="v2")
    record = ann.message(mid)
    assert record.text == "v2" and record.buttons == ()
    assert [version.text for version in record.edits] == ["v1", "v2"]
    assert record.edits[1].buttons == record.edits[0].buttons != ()
    assert await api.fails("editMessageText", chat_id=1001, message_id=999, text="x") == (
        "Bad Request: message to edit not found"
    )
    user_message = await ann.send_text("mine")
    assert await api.fails("editMessageText", chat_id=1001, message_id=user_message, text="x") == (
        "Bad Request: message can't be edited"
    )


async def test_edit_reply_markup_and_caption(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    text_id = (await api.ok("sendMessage", chat_id=1001, text="t"))["message_id"]
    assert await api.fails("editMessageReplyMarkup", chat_id=1001, message_id=text_id) == NOT_MODIFIED
    await api.ok("editMessageReplyMarkup", chat_id=1001, message_id=text_id, reply_markup=KEYBOARD)
    assert ann.message(text_id).button("Yes").callback_data == "y"
    assert await api.fails("editMessageReplyMarkup", chat_id=1001, message_id=text_id, reply_markup=KEYBOARD) == NOT_MODIFIED
    assert await api.fails("editMessageCaption", chat_id=1001, message_id=text_id, caption="c") == (
        "Bad Request: there is no caption in the message to edit"
    )
    photo = await api.client.post(f"{api.base}/sendPhoto", data={"chat_id": "1001", "caption": "old"},
                                  files={"photo": ("p.png", PNG, "image/png")})
    photo_id = photo.json()["result"]["message_id"]
    assert await api.fails("editMessageText", chat_id=1001, message_id=photo_id, text="x") == (
        "Bad Request: there is no text in the message to edit"
    )
    await api.ok("editMessageCaption", chat_id=1001, message_id=photo_id, caption="new")
    assert ann.message(photo_id).caption == "new"


async def test_delete_message(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    mid = (await api.ok("sendMessage", chat_id=1001, text="bye"))["message_id"]
    assert await api.ok("deleteMessage", chat_id=1001, message_id=mid) is True
    assert ann.message(mid).deleted
    assert ann.messages(include_deleted=False) == []
    assert await api.fails("deleteMessage", chat_id=1001, message_id=mid) == "Bad Request: message to delete not found"
    assert await api.fails("editMessageText", chat_id=1001, message_id=mid, text="x") == (
        "Bad Request: message to edit not found"
    )


async def test_photo_upload_then_file_id_reuse_get_file_and_download(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    uploaded = await api.client.post(f"{api.base}/sendPhoto", data={"chat_id": "1001"},
                                     files={"photo": ("p.png", PNG, "image/png")})
    sizes = uploaded.json()["result"]["photo"]
    assert sizes[-1]["width"] == 512 and sizes[-1]["height"] == 256  # read from the PNG header
    assert sizes[0]["width"] <= sizes[-1]["width"]
    file_id = sizes[-1]["file_id"]
    again = await api.ok("sendPhoto", chat_id=1001, photo=file_id, caption="same")
    assert again["photo"][-1]["file_id"] == file_id
    assert await api.fails("sendPhoto", chat_id=1001, photo="no-such-file") == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    info = await api.ok("getFile", file_id=file_id)
    assert info["file_size"] == len(PNG) and info["file_path"]
    download = await api.client.get(emu.file_url(info["file_path"]))
    assert download.status_code == 200 and download.content == PNG
    assert (await api.client.get(emu.file_url("photos/none.jpg"))).status_code == 404
    assert await api.fails("getFile", file_id="nope") == "Bad Request: invalid file_id"
    assert [m.file_id for m in ann.messages()] == [file_id, file_id]


async def test_send_by_url_fetches_over_http(emu: TelegramEmulator, api: Api) -> None:
    emu.user(1001, "Ann")
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    async with file_server({"/result.png": PNG, "/big.png": big, "/big.pdf": b"%PDF" + big}) as base:
        sent = await api.ok("sendPhoto", chat_id=1001, photo=f"{base}/result.png")
        doc = await api.ok("sendDocument", chat_id=1001, document=f"{base}/big.pdf")  # 20 MB limit for documents
        assert await api.fails("sendPhoto", chat_id=1001, photo=f"{base}/big.png") == (
            "Bad Request: failed to get HTTP URL content"  # photos by URL: at most 5 MB
        )
        assert await api.fails("sendDocument", chat_id=1001, document=f"{base}/result.png") == (
            "Bad Request: wrong type of the web page content"  # by URL only PDF, ZIP and GIF go as documents
        )
        assert await api.fails("sendVideo", chat_id=1001, video=f"{base}/missing.mp4") == (
            "Bad Request: failed to get HTTP URL content"
        )
    info = await api.ok("getFile", file_id=sent["photo"][-1]["file_id"])
    assert (await api.client.get(emu.file_url(info["file_path"]))).content == PNG
    assert doc["document"]["file_name"] == "big.pdf"


async def test_media_group(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    photo = (await api.client.post(f"{api.base}/sendPhoto", data={"chat_id": "1001"},
                                   files={"photo": ("p.png", PNG)})).json()["result"]["photo"][-1]["file_id"]
    media: list[dict[str, Any]] = [{"type": "photo", "media": photo, "caption": f"#{i}"} for i in range(3)]
    group = await api.ok("sendMediaGroup", chat_id=1001, media=media)
    assert len(group) == 3 and len({m["media_group_id"] for m in group}) == 1
    assert [m.caption for m in ann.messages()[1:]] == ["#0", "#1", "#2"]
    uploaded = await api.client.post(
        f"{api.base}/sendMediaGroup",
        data={"chat_id": "1001", "media": '[{"type":"photo","media":"attach://a"},{"type":"photo","media":"attach://b"}]'},
        files={"a": ("a.png", PNG), "b": ("b.png", PNG)},
    )
    assert uploaded.status_code == 200, uploaded.text
    for count in (1, 11):
        assert await api.fails("sendMediaGroup", chat_id=1001, media=[media[0]] * count) == (
            "Bad Request: media group must include 2-10 items"
        )
    mixed = [{"type": "document", "media": photo}, {"type": "photo", "media": photo}]
    assert "same type" in await api.fails("sendMediaGroup", chat_id=1001, media=mixed)


async def test_chat_actions_and_blocked_user(emu: TelegramEmulator, api: Api) -> None:
    ann = emu.user(1001, "Ann")
    assert await api.ok("sendChatAction", chat_id=1001, action="upload_photo") is True
    assert ann.chat_actions() == ["upload_photo"]
    assert await api.fails("sendChatAction", chat_id=1001, action="dancing") == (
        "Bad Request: wrong parameter action in request"
    )
    await api.ok("sendMessage", chat_id=1001, text="done")
    assert ann.chat_actions() == []  # a message ends the action
    ann.block_bot()
    assert await api.fails("sendMessage", 403, chat_id=1001, text="hi") == "Forbidden: bot was blocked by the user"
    ann.unblock_bot()
    await api.ok("sendMessage", chat_id=1001, text="hi")
