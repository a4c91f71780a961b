"""Callback answers: a 5xx, a 429 or a timeout is tried again while Telegram would take the answer; a refusal is final."""

from __future__ import annotations

import trio

from trt_actors.actors.answers import CallbackAnswers
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.telegram import InlineKeyboardButton, InlineKeyboardMarkup, TelegramClient

ANN = 5101


async def _taps(emu: TelegramEmulator, tg: TelegramClient, count: int) -> list[str]:
    """``count`` taps by Ann on a button of a message the bot sent: their callback query ids."""
    ann = emu.user(ANN, first_name="Ann")
    markup = InlineKeyboardMarkup(inline_keyboard=((InlineKeyboardButton(text="Go", callback_data="go"),),))
    sent = await tg.send_message(ANN, "Tap it", reply_markup=markup)
    return [(await ann.tap(sent.message_id, "go")).query_id for _ in range(count)]


async def test_answers_refused_with_5xx_or_429_are_sent_again_until_they_are_taken(
    emu: TelegramEmulator, tg: TelegramClient
) -> None:
    emu.faults.server_error("answerCallbackQuery", status=502, times=2)
    emu.faults.rate_limit("answerCallbackQuery", every=3, retry_after=1)
    answers = CallbackAnswers(tg, workers=2)
    queries = await _taps(emu, tg, 4)
    async with trio.open_nursery() as nursery:
        await nursery.start(answers.run)
        for query in queries:
            await answers.answer(query)
        with trio.fail_after(10):
            while emu.callback_statistics().unanswered:
                await trio.sleep(0.02)
        nursery.cancel_scope.cancel()
    stats = answers.statistics()
    assert (stats.answered, stats.failed) == (4, 0) and stats.retried >= 2
    assert emu.callback_statistics().answered == 4


async def test_an_answer_that_keeps_failing_is_given_up_when_telegram_would_no_longer_take_it(
    emu: TelegramEmulator, tg: TelegramClient
) -> None:
    emu.faults.server_error("answerCallbackQuery", status=500)
    answers = CallbackAnswers(tg, window=1.2)
    (query,) = await _taps(emu, tg, 1)
    async with trio.open_nursery() as nursery:
        await nursery.start(answers.run)
        await answers.answer(query)
        with trio.fail_after(5):
            while not answers.statistics().failed:
                await trio.sleep(0.02)
        nursery.cancel_scope.cancel()
    stats = answers.statistics()
    attempts = len(emu.requests_for("answerCallbackQuery"))
    assert (stats.answered, stats.failed) == (0, 1) and 3 <= attempts <= 5  # 0.25 + 0.5 s apart, within 1.2 s


async def test_a_refusal_that_will_not_pass_is_not_sent_again(emu: TelegramEmulator, tg: TelegramClient) -> None:
    answers = CallbackAnswers(tg)
    async with trio.open_nursery() as nursery:
        await nursery.start(answers.run)
        await answers.answer("forged-query-id")
        with trio.fail_after(5):
            while not (answers.statistics().failed or answers.statistics().too_old):
                await trio.sleep(0.02)
        nursery.cancel_scope.cancel()
    assert len(emu.requests_for("answerCallbackQuery")) == 1 and answers.statistics().retried == 0
