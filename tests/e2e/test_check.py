"""``python main.py check`` against the emulators: every line passes on a good setup, and each fault is named."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import trio

from tests.e2e.conftest import KIE_KEY, TOKEN, kie_emulator
from tests.e2e.support import bot_process
from trt_actors.sandbox.kie import KieEmulator
from trt_actors.sandbox.telegram import TelegramEmulator

ROOT = Path(__file__).resolve().parents[2]


def _env(tg: TelegramEmulator, kie: KieEmulator, db: str | Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=tg.api_base, KIE_API_KEY=KIE_KEY, KIE_API_BASE=kie.api_base,
               KIE_UPLOAD_BASE=kie.upload_base, TRT_DB=str(db), **extra)
    return env


async def _check(env: dict[str, str], *args: str) -> tuple[int, list[str]]:
    with trio.fail_after(60):
        result = await trio.run_process([sys.executable, "main.py", "check", *args], cwd=ROOT, env=env,
                                        capture_stdout=True, capture_stderr=True, check=False)
    lines = (result.stdout + result.stderr).decode().splitlines()
    assert TOKEN.split(":")[1] not in "".join(lines) and KIE_KEY not in "".join(lines)  # no secret shown
    return result.returncode, lines


async def test_a_good_setup_and_a_running_instance_pass_every_check(log_target: str) -> None:
    db = log_target
    async with bot_process(db) as process:
        env = _env(process.emulator, process.kie, db)
        code, lines = await _check(env, "--url", process.bot.http_url)
    assert code == 0, lines
    assert [line.split(":")[0] for line in lines] == [
        "✓ settings", "✓ Telegram", "✓ webhook", "✓ KIE", "✓ registry", "✓ event log", "✓ instance"]
    assert "@" in lines[1] and "long polling" in lines[2] and "KIE credits left" in lines[3]
    assert "active: " in lines[5] and "is healthy and ready" in lines[6]


@pytest.mark.parametrize("fault", ["token", "kie_key", "webhook", "not_a_log", "no_instance"])
async def test_each_fault_is_named_on_its_line_and_the_check_fails(tmp_path: Path, fault: str) -> None:
    # SQLite only: each fault is of the setup, not of the store ("not_a_log" is a file that is no log).
    db = tmp_path / "trt.sqlite3"
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie:
        env = _env(tg, kie, db)
        args: list[str] = []
        match fault:
            case "token":
                env["TELEGRAM_BOT_TOKEN"] = "654321:not-this-bots-token"
            case "kie_key":
                env["KIE_API_KEY"] = "a-wrong-key"
            case "webhook":
                env.update(WEBHOOK_URL="https://bot.example.org/telegram/webhook", WEBHOOK_SECRET="s")
            case "not_a_log":
                db.write_text("a shopping list\n" * 50)
            case "no_instance":
                args = ["--url", "http://127.0.0.1:9"]
        code, lines = await _check(env, *args)
    failed = [line for line in lines if line.startswith("✗")]
    expected = {
        "token": "✗ Telegram: Telegram refused the token (401)",
        "kie_key": "✗ KIE: KIE refused the key (401)",
        "webhook": "✗ webhook: the webhook is not set, not WEBHOOK_URL",
        "not_a_log": "✗ event log: ",
        "no_instance": "✗ instance: http://127.0.0.1:9 does not answer",
    }[fault]
    assert code == 1 and any(line.startswith(expected) for line in failed), lines
    assert len(failed) == (2 if fault == "token" else 1), failed  # a refused token also fails getWebhookInfo
