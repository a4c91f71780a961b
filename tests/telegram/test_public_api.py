"""Curated public names, the documented error tree, and a client that knows no app code."""

from __future__ import annotations

from tests.layering import imports_of, loaded_by
import trt_actors.telegram as telegram
from trt_actors.config import Settings
from trt_actors.secret import Secret
from trt_actors.telegram import errors

ALLOWED = ("trt_actors.telegram", "trt_actors.secret", "trt_actors.uncontended")
"""The only parts of the project the client may import: itself, :class:`Secret` and the uncontended helpers (two
leaves that import nothing of the project)."""


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


def _outside(names: set[str], allowed: tuple[str, ...]) -> list[str]:
    return sorted(
        name for name in names
        if name.startswith("trt_actors.") and not any(name == ok or name.startswith(f"{ok}.") for ok in allowed)
    )


def test_the_client_imports_nothing_of_the_app() -> None:
    """Layering: the client knows neither the settings nor the actors, sessions, runtime or emulators."""
    modules = imports_of("trt_actors.telegram")
    assert {"trt_actors.telegram.client", "trt_actors.telegram.wire"} <= modules.keys()
    wrong = [f"{module} imports {name}" for module, names in modules.items() for name in _outside(names, ALLOWED)]
    assert not wrong, "the Telegram client may import only itself, trt_actors.secret and trt_actors.uncontended: " + "; ".join(wrong)
    assert _outside(set(loaded_by("trt_actors.telegram")), ALLOWED) == []


def test_the_settings_satisfy_the_client_protocol() -> None:
    settings = Settings(telegram_bot_token=Secret("123:abc"), telegram_api_base="http://127.0.0.1:9")
    client = telegram.TelegramClient.from_settings(settings)
    assert "http://127.0.0.1:9" in repr(client) and "123:abc" not in repr(client)
