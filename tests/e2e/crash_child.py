"""Child process of the crash test: the whole bot under a stream of updates from many chats, until SIGKILL.

    python -m tests.e2e.crash_child LOG

It serves a Telegram emulator and runs ``run_bot`` (polling) against it, on
the log at LOG (a file or a PostgreSQL URL), while eight users each send messages as fast as the
emulator takes them. It prints ``sent <n>`` now and then; the parent kills it
with SIGKILL at a moment of its choosing, with updates recorded and not yet
decided.
"""

from __future__ import annotations

import sys
import trio

from tests.e2e.conftest import TOKEN, fast, on_log
from tests.e2e.support import REGISTRY
from trt_actors.app import run_bot
from trt_actors.limits import Rate
from trt_actors.config import Secret, Settings
from trt_actors.sandbox.telegram import TelegramEmulator

TEXTS = ("/start", "/help", "/menu", "hello", "/lang en", "/balance", "what is this?", "/cancel")


async def main(target: str) -> None:
    async with TelegramEmulator.serve(token=TOKEN) as emulator, trio.open_nursery() as nursery:
        # No rate limit: this is about decisions across a crash, and each user sends far faster than a person.
        settings = on_log(Settings(telegram_bot_token=Secret(TOKEN), telegram_api_base=emulator.api_base,
                                   lease_seconds=1.0, rate_messages=Rate(10_000, 1.0)), target)
        await nursery.start(lambda task_status: run_bot(settings, registry=REGISTRY, throttle=fast(), task_status=task_status))
        users = [emulator.user(2000 + n, f"User{n}", language_code="en") for n in range(64)]
        sent = 0
        for round_ in range(10**6):
            # Bursts with pauses between them: the receiver records a burst at once, the sessions
            # take longer to decide it, and the bot's checkpoints happen with the backlog in flight.
            for n in range(10):
                for user in users:
                    await user.send_text(TEXTS[(round_ + n + user.id) % len(TEXTS)])
                    sent += 1
            print(f"sent {sent}", flush=True)
            await trio.sleep(0.3)


if __name__ == "__main__":
    trio.run(main, sys.argv[1])
