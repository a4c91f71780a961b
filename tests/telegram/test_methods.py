"""Every client method against the Telegram emulator over real HTTP, on both transports."""

from __future__ import annotations

import trio

from trt_actors.http import Request, Response, serve
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.secret import Secret
from trt_actors.telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    InputMediaPhoto,
    LabeledPrice,
    Message,
    MessageNotModified,
    QueryTooOld,
    TelegramClient,
)

from .conftest import png

ANN = 1001


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(tuple((InlineKeyboardButton(label, callback_data=label.lower()),) for label in labels))


async def test_get_me_returns_the_bot(tg: TelegramClient) -> None:
    me = await tg.get_me()
    assert me.is_bot and me.id == 123456


async def test_get_updates_delivers_and_offset_confirms(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    ann = emulator.user(ANN, "Ann", language_code="ru")
    await ann.send_text("/start")
    [update] = await tg.get_updates(timeout=0)
    assert update.message is not None and update.message.text == "/start"
    assert update.message.from_ is not None and update.message.from_.first_name == "Ann"
    assert update.message.chat.id == ANN and update.message.entities
    assert update.message.entities[0].type == "bot_command"
    assert await tg.get_updates(offset=update.update_id + 1, timeout=0) == []


async def test_get_updates_long_poll_returns_when_an_update_arrives(
    tg: TelegramClient, emulator: TelegramEmulator
) -> None:
    ann = emulator.user(ANN, "Ann")
    async with trio.open_nursery() as nursery:

        async def user_writes() -> None:
            await emulator.wait_polling()
            await ann.send_text("hello")

        nursery.start_soon(user_writes)
        with trio.fail_after(5):
            updates = await tg.get_updates(timeout=20, allowed_updates=["message", "callback_query"])
    assert [u.message.text for u in updates if u.message] == ["hello"]


async def test_webhook_set_info_delete(tg: TelegramClient) -> None:
    assert await tg.set_webhook(
        "https://bot.example.org/telegram",
        secret_token=Secret("s3cret_-token"),
        allowed_updates=["message", "callback_query", "pre_checkout_query"],
        drop_pending_updates=True,
        max_connections=10,
    )
    info = await tg.get_webhook_info()
    assert info.url == "https://bot.example.org/telegram"
    assert set(info.allowed_updates or ()) == {"message", "callback_query", "pre_checkout_query"}
    assert await tg.delete_webhook(drop_pending_updates=False)
    assert (await tg.get_webhook_info()).url == ""


async def test_send_edit_and_delete_messages(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    ann = emulator.user(ANN, "Ann")
    sent = await tg.send_message(ANN, "<b>Pick</b> one", parse_mode="HTML", reply_markup=keyboard("Images", "Video"))
    assert sent.text == "Pick one" and sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[1][0].callback_data == "video"
    assert ann.last_message().button_texts == ["Images", "Video"]

    edited = await tg.edit_message_text("Picked", chat_id=ANN, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "Picked" and edited.edit_date
    try:
        await tg.edit_message_text("Picked", chat_id=ANN, message_id=sent.message_id)
    except MessageNotModified as exc:
        assert exc.method == "editMessageText" and exc.error_code == 400
    else:
        raise AssertionError("an identical edit must raise MessageNotModified")

    marked = await tg.edit_message_reply_markup(chat_id=ANN, message_id=sent.message_id, reply_markup=keyboard("Back"))
    assert isinstance(marked, Message) and marked.reply_markup == keyboard("Back")
    assert ann.message(sent.message_id).button_texts == ["Back"]

    assert await tg.delete_message(ANN, sent.message_id)
    assert ann.message(sent.message_id).deleted


async def test_callback_query_is_answered_once(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    ann = emulator.user(ANN, "Ann")
    sent = await tg.send_message(ANN, "Menu", reply_markup=keyboard("Images"))
    tap = await ann.tap(sent.message_id, "images")
    [update] = await tg.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "images" and query.from_.id == ANN
    assert query.message is not None and query.message.is_accessible
    assert await tg.answer_callback_query(query.id, text="Loading…")
    assert (await tap.wait_answered()).text == "Loading…"
    try:
        await tg.answer_callback_query(query.id)
    except QueryTooOld as exc:
        assert exc.method == "answerCallbackQuery"
    else:
        raise AssertionError("a second answer must raise QueryTooOld")


async def test_chat_action(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    ann = emulator.user(ANN, "Ann")
    assert await tg.send_chat_action(ANN, "upload_photo")
    assert ann.chat_actions() == ["upload_photo"]


async def test_media_by_upload_then_by_file_id(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    ann = emulator.user(ANN, "Ann")
    image = png(40, 30)
    photo = await tg.send_photo(ANN, InputFile(image, "result.png", "image/png"), caption="Done", has_spoiler=True)
    assert photo.photo and photo.photo[-1].width == 40 and photo.caption == "Done"
    again = await tg.send_photo(ANN, photo.photo[-1].file_id, reply_markup=keyboard("Again"))
    assert again.photo and again.photo[-1].file_unique_id == photo.photo[-1].file_unique_id

    video = await tg.send_video(ANN, InputFile(b"\x00\x00\x00\x18ftypmp42" * 10, "clip.mp4", "video/mp4"), duration=5)
    assert video.video is not None
    audio = await tg.send_audio(ANN, InputFile(b"ID3" + b"\x00" * 64, "speech.mp3", "audio/mpeg"), title="Hi")
    assert audio.audio is not None
    document = await tg.send_document(ANN, InputFile(image, "result.png", "image/png"), caption="lossless")
    assert document.document is not None and document.document.file_name == "result.png"

    kinds = [m.kind for m in ann.messages()]
    assert kinds == ["photo", "photo", "video", "audio", "document"]


async def test_media_by_url(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    emulator.user(ANN, "Ann")
    image = png(8, 8)

    async def files(request: Request) -> Response:
        return Response(200, image, "image/png")

    async with trio.open_nursery() as nursery:
        base = await nursery.start(serve, files, "127.0.0.1", 0)
        sent = await tg.send_photo(ANN, f"{base}/result.png")
        nursery.cancel_scope.cancel()
    assert sent.photo and sent.photo[-1].width == 8


async def test_media_group_mixes_uploads_and_file_ids(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    emulator.user(ANN, "Ann")
    first = await tg.send_photo(ANN, InputFile(png(), "a.png", "image/png"))
    assert first.photo
    album = await tg.send_media_group(
        ANN,
        [
            InputMediaPhoto(first.photo[-1].file_id, caption="one"),
            InputMediaPhoto(InputFile(png(6, 6), "b.png", "image/png"), caption="two"),
            InputMediaPhoto(InputFile(png(7, 7), "c.png", "image/png")),
        ],
    )
    assert len(album) == 3 and len({m.media_group_id for m in album}) == 1
    assert [m.caption for m in album] == ["one", "two", None]
    assert album[2].photo and album[2].photo[-1].width == 7


async def test_get_file_and_download(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    ann = emulator.user(ANN, "Ann")
    image = png(12, 10)
    await ann.send_photo(image, caption="edit this")
    [update] = await tg.get_updates(timeout=0)
    assert update.message and update.message.photo and update.message.caption == "edit this"
    file = await tg.get_file(update.message.photo[-1].file_id)
    assert file.file_path
    assert await tg.download_file(file) == image
    assert await tg.download_file(file.file_path) == image


async def test_stars_invoice_payment_refund_and_transactions(tg: TelegramClient, emulator: TelegramEmulator) -> None:
    ann = emulator.user(ANN, "Ann")
    invoice = await tg.send_invoice(ANN, "100 credits", "Top up", "topup:100", [LabeledPrice("100 credits", 50)])
    assert invoice.invoice is not None and invoice.invoice.total_amount == 50 and invoice.invoice.currency == "XTR"

    async with trio.open_nursery() as nursery:
        outcomes = []

        async def pay() -> None:
            outcomes.append(await ann.pay(invoice.message_id))

        nursery.start_soon(pay)
        with trio.fail_after(5):
            [update] = await tg.get_updates(timeout=5)
        query = update.pre_checkout_query
        assert query is not None and query.invoice_payload == "topup:100" and query.from_.id == ANN
        assert await tg.answer_pre_checkout_query(query.id, True)
    assert outcomes[0].status == "paid"

    [paid] = await tg.get_updates(offset=update.update_id + 1, timeout=0)
    payment = paid.message.successful_payment if paid.message else None
    assert payment is not None and payment.total_amount == 50
    assert payment.telegram_payment_charge_id == outcomes[0].telegram_payment_charge_id

    assert await tg.refund_star_payment(ANN, payment.telegram_payment_charge_id)
    [refunded] = await tg.get_updates(offset=paid.update_id + 1, timeout=0)
    assert refunded.message and refunded.message.refunded_payment
    assert refunded.message.refunded_payment.telegram_payment_charge_id == payment.telegram_payment_charge_id

    history = await tg.get_star_transactions(limit=10)
    assert [t.id for t in history.transactions] == [payment.telegram_payment_charge_id] * 2
    incoming, refund = history.transactions
    assert incoming.source is not None and incoming.source.type == "user" and refund.receiver is not None
