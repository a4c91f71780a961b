"""The emulator's public surface is curated: this list changes only on purpose."""

from __future__ import annotations

import trt_actors.sandbox.telegram as telegram_emulator


def test_public_names() -> None:
    assert sorted(telegram_emulator.__all__) == [
        "BotApiError",
        "BotMessage",
        "Button",
        "CallbackAnswer",
        "CallbackStatistics",
        "Delay",
        "DuplicateWebhook",
        "EmulatorStatistics",
        "Faults",
        "FloodControl",
        "Invoice",
        "MarkupError",
        "MessageVersion",
        "PaymentOutcome",
        "RateLimit",
        "ReceivedRequest",
        "ServerError",
        "StarTransactionRecord",
        "Tap",
        "TelegramEmulator",
        "TelegramUser",
        "WebhookPolicy",
        "parse_html",
    ]
    for name in telegram_emulator.__all__:
        assert getattr(telegram_emulator, name).__doc__, f"{name} needs a docstring"
