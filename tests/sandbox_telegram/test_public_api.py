"""The emulator's public surface is curated (this list changes only on purpose), and it shares no client code."""

from __future__ import annotations

from tests.layering import imports_of, loaded_by
import trt_actors.sandbox.telegram as telegram_emulator

CLIENTS = ("trt_actors.telegram", "trt_actors.kie")
"""The clients the emulators exist to check: an emulator that borrowed their code would share their bugs."""


def test_public_names() -> None:
    assert sorted(telegram_emulator.__all__) == [
        "BotApiError",
        "BotMessage",
        "Button",
        "CallbackAnswer",
        "CallbackStatistics",
        "ChatMessage",
        "Delay",
        "DuplicateWebhook",
        "EmulatorStatistics",
        "Entity",
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


def _is_client(name: str) -> bool:
    return any(name == client or name.startswith(f"{client}.") for client in CLIENTS)


def test_no_emulator_module_imports_a_client() -> None:
    modules = imports_of("trt_actors.sandbox")
    assert {"trt_actors.sandbox.telegram.server", "trt_actors.sandbox.kie.callbacks",
            "trt_actors.sandbox.scripted"} <= modules.keys()
    wrong = sorted(
        f"{module} imports {name}" for module, names in modules.items() for name in names if _is_client(name)
    )
    assert not wrong, "the emulators must write their own code, not import the clients': " + "; ".join(wrong)


def test_importing_the_emulators_loads_no_client() -> None:
    for package in ("trt_actors.sandbox.telegram", "trt_actors.sandbox.kie", "trt_actors.sandbox.scripted"):
        loaded = [name for name in loaded_by(package) if _is_client(name)]
        assert loaded == [], f"importing {package} also loaded {loaded}"
