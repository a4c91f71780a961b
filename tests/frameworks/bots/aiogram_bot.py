"""A small aiogram 3 bot, written as aiogram's own docs would have it: ``python aiogram_bot.py API_BASE TOKEN``.

It runs in a virtual environment of its own (see ``tests/frameworks/venvs.py``),
so it is not type-checked with the project. What it does is the scenario of
``tests/frameworks/test_frameworks.py``; it calls the deprecated parameters aiogram
still offers (``reply_to_message_id``, ``disable_web_page_preview``) on purpose.
"""
# mypy: ignore-errors

import asyncio
import sys

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command, CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LabeledPrice,
    Message,
    PreCheckoutQuery,
)

dispatcher = Dispatcher()


@dispatcher.message(CommandStart())
async def start(message: Message) -> None:
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Tap me", callback_data="tap")]])
    await message.answer(f"Hello, {message.from_user.first_name}!", reply_markup=keyboard)


@dispatcher.callback_query(F.data == "tap")
async def tapped(query: CallbackQuery) -> None:
    await query.answer("Tapped")
    await query.message.edit_text("Tapped")


@dispatcher.message(Command("dice"))
async def dice(message: Message) -> None:
    await message.answer_dice()


@dispatcher.message(Command("where"))
async def where(message: Message, bot: Bot) -> None:
    await message.answer_location(latitude=52.52, longitude=13.405)


@dispatcher.message(Command("me"))
async def me(message: Message, bot: Bot) -> None:
    member = await bot.get_chat_member(message.chat.id, message.from_user.id)
    photos = await bot.get_user_profile_photos(message.from_user.id)
    await message.answer(f"{member.status}, {photos.total_count} photos")


@dispatcher.message(Command("copy"))
async def copy(message: Message, bot: Bot) -> None:
    await bot.copy_message(message.chat.id, message.chat.id, message.message_id)
    await message.forward(message.chat.id)


@dispatcher.message(Command("buy"))
async def buy(message: Message) -> None:
    await message.answer_invoice(title="Stars", description="Five stars", payload="stars-5", currency="XTR",
                                 prices=[LabeledPrice(label="Stars", amount=5)])


@dispatcher.pre_checkout_query()
async def pre_checkout(query: PreCheckoutQuery) -> None:
    await query.answer(ok=True)


@dispatcher.message(F.successful_payment)
async def paid(message: Message) -> None:
    payment = message.successful_payment
    await message.answer(f"paid {payment.total_amount} {payment.currency}, charge {payment.telegram_payment_charge_id}")


@dispatcher.message(F.photo)
async def photo(message: Message, bot: Bot) -> None:
    largest = message.photo[-1]
    data = (await bot.download(largest)).read()
    await message.answer_photo(BufferedInputFile(data, "back.png"),
                               caption=f"{largest.width}x{largest.height} {len(data)} bytes")


@dispatcher.message(F.text)
async def echo(message: Message, bot: Bot) -> None:
    kinds = ",".join(entity.type for entity in message.entities or [])
    await bot.send_message(message.chat.id, f"echo: {message.text} [{kinds}]",
                           reply_to_message_id=message.message_id, disable_web_page_preview=True)


async def main(api_base: str, token: str) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))
    await dispatcher.start_polling(bot)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
