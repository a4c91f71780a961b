"""The package's public names are curated, and the error tree has the documented shape."""

from __future__ import annotations

import trt_actors.telegram as telegram
from trt_actors.telegram import errors


def test_all_is_sorted_and_importable() -> None:
    assert telegram.__all__ == sorted(telegram.__all__)
    for name in telegram.__all__:
        assert getattr(telegram, name) is not None


def test_every_error_is_exported_and_documented_in_the_one_docstring() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        value = getattr(errors, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert name in telegram.__all__
            assert name in doc, f"{name} is missing from the error tree in trt_actors.telegram.errors"


def test_the_error_tree() -> None:
    tree = {
        telegram.TelegramAPIError: telegram.TelegramError,
        telegram.TelegramNetworkError: telegram.TelegramError,
        telegram.UnexpectedResponse: telegram.TelegramError,
        telegram.BadRequest: telegram.TelegramAPIError,
        telegram.MessageNotModified: telegram.BadRequest,
        telegram.QueryTooOld: telegram.BadRequest,
        telegram.ChatMigrated: telegram.BadRequest,
        telegram.Unauthorized: telegram.TelegramAPIError,
        telegram.Forbidden: telegram.TelegramAPIError,
        telegram.BotBlocked: telegram.Forbidden,
        telegram.NotFound: telegram.TelegramAPIError,
        telegram.Conflict: telegram.TelegramAPIError,
        telegram.TooManyRequests: telegram.TelegramAPIError,
        telegram.ServerError: telegram.TelegramAPIError,
    }
    for kind, parent in tree.items():
        assert kind.__mro__[1] is parent, f"{kind.__name__} should derive from {parent.__name__}"
