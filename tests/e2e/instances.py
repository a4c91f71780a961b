"""Bot processes for the tests of several instances on one log: ``python main.py run`` children."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import trio

from tests.e2e.conftest import KIE_KEY, TOKEN
from trt_actors.sandbox.kie import KieEmulator
from trt_actors.sandbox.telegram import TelegramEmulator

ROOT = Path(__file__).resolve().parents[2]
LEASE = 2.0


def bot_env(tg: TelegramEmulator, kie: KieEmulator, db: str, instance: str, **extra: str) -> dict[str, str]:
    """The environment of one ``python main.py run`` child on the emulators and the log ``db``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=tg.api_base, KIE_API_KEY=KIE_KEY, KIE_API_BASE=kie.api_base,
        KIE_UPLOAD_BASE=kie.upload_base, TRT_DB=db, HTTP_PORT="0", WELCOME_CREDITS="1000",
        SEND_RATE_PER_CHAT="100", INSTANCE_ID=instance, LEASE_SECONDS=str(LEASE), PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


class Bot:
    """One ``python main.py run`` child; ``active`` once it printed that it runs (it holds the lease)."""

    def __init__(self, process: trio.Process, errors: BinaryIO, log_file: Path) -> None:
        self.process = process
        self.errors = errors  # its log lines, kept in the test's folder for a failing run
        self.log_file = log_file
        self.out = b""

    @classmethod
    async def start(cls, env: dict[str, str], folder: Path) -> Bot:
        """Start the bot of ``env``; its log lines go to ``<INSTANCE_ID>.log`` in ``folder``."""
        log_file = folder / f"{env['INSTANCE_ID']}.log"
        errors = open(log_file, "wb")  # noqa: SIM115
        process = await trio.lowlevel.open_process([sys.executable, "main.py", "run"], cwd=ROOT, env=env,
                                                   stdout=subprocess.PIPE, stderr=errors)
        return cls(process, errors, log_file)

    async def wait_active(self, timeout: float) -> float:
        """Wait until the bot says it runs; the seconds it took from now."""
        assert self.process.stdout is not None
        started = time.monotonic()
        with trio.fail_after(timeout):
            while b"Ctrl-C stops it" not in self.out:
                chunk = await self.process.stdout.receive_some()
                assert chunk, "the bot ended before it became active"
                self.out += chunk
        return time.monotonic() - started

    async def wait_standing_by(self, timeout: float) -> None:
        """Wait until the bot logs that another instance holds the lease: it runs, and handles its signals."""
        with trio.fail_after(timeout):
            while b"passive: the lease is held by" not in self.log_file.read_bytes():
                assert self.process.returncode is None, "the bot ended before it stood by"
                await trio.sleep(0.05)

    async def is_active_within(self, seconds: float) -> bool:
        with trio.move_on_after(seconds):
            await self.wait_active(seconds + 1)
            return True
        return False

    async def stop(self, how: signal.Signals) -> None:
        if self.process.returncode is None:
            self.process.send_signal(how)
        with trio.fail_after(20):
            await self.process.wait()
        self.errors.close()
