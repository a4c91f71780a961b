"""`python main.py show-chat` rebuilds a chat from the log as the user saw it, now and at an earlier moment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import trio

from tests.e2e.support import bot_process, wait_settled
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.session.callback_data import OpenCategory

ROOT = Path(__file__).resolve().parents[2]
ANN = 7701


def _show(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_"))}
    return subprocess.run([sys.executable, "main.py", "show-chat", *args, "--db", db], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


async def test_show_chat_shows_a_screen_before_and_after_its_edit(log_target: str) -> None:
    db = log_target
    async with bot_process(db) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        await wait_settled(process.bot)
        await trio.sleep(1.1)
        between = time.time()
        await trio.sleep(1.1)
        await ann.tap_action(OpenCategory, category="text_to_image")
        await wait_settled(process.bot)

    before = _show(db, str(ANN), "--at", f"{between:.3f}")
    after = _show(db, str(ANN))
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    # Then: the menu, as sent; the tap has not happened.
    assert "👤 /start" in before.stdout and "Hello, Ann!" in before.stdout and "[🎨 Text to image]" in before.stdout
    assert "taps" not in before.stdout and "(edited" not in before.stdout
    # Now: the same message, edited into the category's list, after the tap on its button.
    assert "👤 taps «🎨 Text to image»" in after.stdout and "(edited 1×)" in after.stdout
    assert "Hello, Ann!" not in after.stdout.split("taps «🎨 Text to image»")[0]
    nothing = _show(db, "999")
    assert nothing.returncode == 1 and "chat 999 has nothing" in nothing.stderr
