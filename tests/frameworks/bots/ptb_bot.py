"""A small python-telegram-bot bot, written as PTB's own docs would have it: ``python ptb_bot.py API_BASE TOKEN``.

It runs in a virtual environment of its own (see ``tests/frameworks/venvs.py``),
so it is not type-checked with the project. What it does is the scenario of
``tests/frameworks/test_frameworks.py``.
"""
# mypy: ignore-errors

import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Tap me", callback_data="tap")]])
    await update.message.reply_text(f"Hello, {update.effective_user.first_name}!", reply_markup=keyboard)


async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer("Tapped")
    await update.callback_query.edit_message_text("Tapped")


async def dice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_dice()


async def where(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_location(latitude=52.52, longitude=13.405)


async def me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    member = await context.bot.get_chat_member(update.effective_chat.id, user.id)
    photos = await context.bot.get_user_profile_photos(user.id)
    await update.message.reply_text(f"{member.status.value}, {photos.total_count} photos")


async def copy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.copy(update.effective_chat.id)
    await update.message.forward(update.effective_chat.id)


async def buy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_invoice(title="Stars", description="Five stars", payload="stars-5", currency="XTR",
                                       prices=[LabeledPrice("Stars", 5)])


async def pre_checkout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.pre_checkout_query.answer(ok=True)


async def paid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payment = update.message.successful_payment
    await update.message.reply_text(
        f"paid {payment.total_amount} {payment.currency}, charge {payment.telegram_payment_charge_id}")


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    largest = update.message.photo[-1]
    data = bytes(await (await largest.get_file()).download_as_bytearray())
    await update.message.reply_photo(data, caption=f"{largest.width}x{largest.height} {len(data)} bytes")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    kinds = ",".join(entity.type.value for entity in message.entities)
    await message.reply_text(f"echo: {message.text} [{kinds}]", do_quote=True)


def main(api_base: str, token: str) -> None:
    app = Application.builder().token(token).base_url(f"{api_base}/bot").base_file_url(f"{api_base}/file/bot").build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tapped, pattern="^tap$"))
    app.add_handler(CommandHandler("dice", dice))
    app.add_handler(CommandHandler("where", where))
    app.add_handler(CommandHandler("me", me))
    app.add_handler(CommandHandler("copy", copy))
    app.add_handler(CommandHandler("buy", buy))
    app.add_handler(PreCheckoutQueryHandler(pre_checkout))
    app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, paid))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
