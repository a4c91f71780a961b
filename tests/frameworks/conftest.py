"""Fixtures: a framework bot's interpreter (its venv made on first use) and the bot run as a child process."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.frameworks.venvs import FRAMEWORKS, framework_python

BOTS = Path(__file__).with_name("bots")
SCRIPTS = {"aiogram": BOTS / "aiogram_bot.py", "python-telegram-bot": BOTS / "ptb_bot.py"}


class BotProcess:
    """A framework bot running as a child process; its output goes to ``log``."""

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        """What the bot printed so far (for failure messages)."""
        return self.log.read_text(errors="replace")[-4000:]


StartBot = Callable[[str, str], BotProcess]


@pytest.fixture(params=sorted(FRAMEWORKS))
def framework(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def start_bot(framework: str, tmp_path: Path) -> Iterator[StartBot]:
    """``start_bot(api_base, token)`` runs the framework's bot against ``api_base``; it is killed after the test."""
    python = framework_python(FRAMEWORKS[framework])
    started: list[BotProcess] = []

    def start(api_base: str, token: str) -> BotProcess:
        log = tmp_path / f"{framework}.log"
        env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
        with open(log, "wb") as out:
            process = subprocess.Popen([str(python), str(SCRIPTS[framework]), api_base, token],
                                       stdout=out, stderr=subprocess.STDOUT, env=env)
        bot = BotProcess(process, log)
        started.append(bot)
        return bot

    yield start
    for bot in started:
        bot.process.kill()
        bot.process.wait(timeout=10)
