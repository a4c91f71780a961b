"""A bot process SIGKILLed in the middle of jobs, restarted on the same log: what every order ended as.

:func:`crash_run` keeps both emulators in this process and runs the bot as
``python main.py run`` in a child process, as in production: four users
confirm four orders (an image, an image edit with two photos, a video and a
speech), the child is SIGKILLed at ``point`` of a job (plus a random delay
from ``seed``), and a new child takes over the same log. The KIE emulator
outlives both children, so it knows every task that was ever created.

:func:`judge` lists every broken promise as a sentence: an order that ended
both delivered and refunded, or neither; charged twice; two KIE tasks for one
job; a failure nobody told the user about; an audit violation. The suite runs
a few seeds (``tests/e2e/test_job_crash.py``); ``python -m bench.job_crash``
runs many.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import trio

from tests.e2e.books import books_close, ending, read_log
from tests.e2e.conftest import KIE_KEY, TOKEN, kie_emulator
from tests.e2e.orders import walk
from tests.e2e.stores import rows
from tests.e2e.support import REGISTRY
from trt_actors.events.jobs import JobFailed, ResultDelivered
from trt_actors.events.ledger import HoldCaptured, HoldVoided
from trt_actors.events.session import GenerationRequested
from trt_actors.sandbox.kie import KieEmulator, Route, Script
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.sandbox.telegram import TelegramEmulator

__all__ = ["POINTS", "CrashOutcome", "crash_run", "judge"]

ROOT = Path(__file__).resolve().parents[2]

POINTS = {
    "before_submit": ("HoldPlaced", 0.05),
    "submitting": ("JobSubmitting", 0.25),  # the first createTask hangs: killed between JobSubmitting and JobSubmitted
    "waiting": ("JobSubmitted", 0.5),
    "after_success": ("JobSucceeded", 0.02),
    "delivering": ("HoldSettled", 0.02),
    "random": ("", 2.0),
}
"""Where a job is when the bot is killed: the event type whose first appearance triggers it, and the most
random delay (seconds) after it."""

ORDERS = (
    (9201, "text_to_image", "z-image", 1),
    (9202, "image_edit", "google/nano-banana-edit", 2),
    (9203, "image_to_video", "kling/v2-1-standard", 1),
    (9204, "text_to_speech", "elevenlabs/text-to-speech-turbo-2-5", 0),
)


@dataclass
class CrashOutcome:
    """What a crash run left: the log, the KIE tasks per job, and what each user's chat shows."""

    db: str | Path
    point: str
    seed: int
    killed_after: str = ""
    """Where each job was when the bot was killed (the type of its last event)."""
    tasks_per_job: Counter[str] = field(default_factory=Counter)
    chats: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


def _env(tg: TelegramEmulator, kie: KieEmulator, db: str | Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE=tg.api_base, KIE_API_KEY=KIE_KEY, KIE_API_BASE=kie.api_base,
        KIE_UPLOAD_BASE=kie.upload_base, TRT_DB=str(db), HTTP_PORT="0", WELCOME_CREDITS="10000",
        SEND_RATE_PER_CHAT="100", SEND_RATE_GLOBAL="1000", PYTHONPATH=str(ROOT), LEASE_SECONDS="1",
    )
    return env


async def _start(env: dict[str, str]) -> trio.Process:
    process = await trio.lowlevel.open_process(
        [sys.executable, "main.py", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    with trio.fail_after(30):
        banner = b""
        while b"Ctrl-C stops it" not in banner:
            chunk = await process.stdout.receive_some()
            assert chunk, "main.py run ended before it said it was running"
            banner += chunk
    return process


def _types(db: str | Path) -> list[str]:
    return [str(kind) for (kind,) in rows(db, "SELECT type FROM events ORDER BY seq")]


def _phases(db: str | Path) -> str:
    """Where each job was: the type of its last event ("JobSubmitting, JobPolled, ..."), jobs in log order."""
    last: dict[str, str] = {}
    for stream, kind in rows(db, "SELECT stream, type FROM events WHERE stream LIKE 'job:%' ORDER BY seq"):
        last[str(stream)] = str(kind)
    return ", ".join(last.values()) or "no job yet"


async def _confirmable(user: ScriptedUser, model_id: str, photos: int) -> None:
    await walk(user, REGISTRY.model(model_id), {}, photos=photos)


async def _ended(db: str | Path, orders: int) -> bool:
    events = await read_log(db)
    asked = {r.event.confirmation_id for r in events if isinstance(r.event, GenerationRequested)}
    ended = {r.stream.removeprefix("job:") for r in events if isinstance(r.event, JobFailed | ResultDelivered)}
    settled = {r.event.hold_id for r in events if isinstance(r.event, HoldCaptured | HoldVoided)}
    return len(asked) == orders and asked <= ended and asked <= settled


async def crash_run(db: str | Path, point: str, seed: int) -> CrashOutcome:
    """Confirm four orders, SIGKILL the bot at ``point``, restart it, wait until every order ended; what is left.

    ``db`` is the log: a file, or a PostgreSQL URL (``TRT_DB`` of both children).
    """
    rng = random.Random(seed)
    outcome = CrashOutcome(db=db, point=point, seed=seed)
    async with TelegramEmulator.serve(token=TOKEN) as tg, kie_emulator() as kie:
        for _, _, model_id, _ in ORDERS:
            kie.script(model_id, Script(waiting=1, generating=1, stage_seconds=0.4 + rng.random()))
        if point == "submitting":
            kie.faults.inject_timeout(Route.CREATE_TASK)
        env = _env(tg, kie, db)
        bot = await _start(env)
        users = [ScriptedUser(tg.user(user_id, first_name=f"u{user_id}", language_code="en"))
                 for user_id, _, _, _ in ORDERS]
        try:
            async with trio.open_nursery() as nursery:
                for user, (_, _, model_id, photos) in zip(users, ORDERS):
                    nursery.start_soon(_confirmable, user, model_id, photos)
            for user in users:
                await user.user.tap(user.current.message_id, user.current.callback_data("Confirm"))
            trigger, delay = POINTS[point]
            with trio.fail_after(30):
                while trigger and trigger not in _types(db):
                    await trio.sleep(0.002)
            await trio.sleep(rng.uniform(0.0, delay))
            outcome.killed_after = _phases(db)
        finally:
            bot.send_signal(signal.SIGKILL)
            with trio.fail_after(10):
                await bot.wait()
        kie.faults.clear()
        bot = await _start(env)
        try:
            with trio.move_on_after(60):
                while not await _ended(db, len(ORDERS)):
                    await trio.sleep(0.1)
            await trio.sleep(0.5)  # the last messages leave the outbox
        finally:
            bot.send_signal(signal.SIGTERM)
            with trio.fail_after(20):
                await bot.wait()
        for task in kie.tasks.values():
            job_id = (task.callback_url or "").rstrip("/").split("/")[-2] if task.callback_url else "?"
            outcome.tasks_per_job[job_id] += 1
        outcome.chats = {user.chat_id: [(m.kind, m.body or "") for m in user.user.messages()] for user in users}
    return outcome


async def judge(outcome: CrashOutcome) -> list[str]:
    """Every broken promise of a crash run, as sentences (empty when every order ended right)."""
    events = await read_log(outcome.db)
    problems: list[str] = []
    orders = {r.event.confirmation_id: r for r in events if isinstance(r.event, GenerationRequested)}
    if len(orders) != len(ORDERS):
        problems.append(f"{len(orders)} orders were recorded, not {len(ORDERS)}")
    for job_id, asked in orders.items():
        end = ending(events, job_id)
        chat = outcome.chats.get(asked.chat_id or 0, [])
        results = [kind for kind, _ in chat if kind in ("photo", "video", "voice", "audio", "document")]
        told = any("could not be made" in body for _, body in chat)
        if end.charged:
            if not results:
                problems.append(f"job {job_id}: delivered and charged, but the chat shows no result")
        elif end.refunded:
            if not told:
                reason = end.failed[0].event.reason if isinstance(end.failed[0].event, JobFailed) else "?"
                problems.append(f"job {job_id}: failed ({reason}) and refunded, but nobody told the user")
        else:
            problems.append(end.line(job_id))
        if len(end.captured) > 1 or len(end.voided) > 1:
            problems.append(f"job {job_id}: settled more than once")
        if outcome.tasks_per_job[job_id] > 1:
            problems.append(f"job {job_id}: {outcome.tasks_per_job[job_id]} KIE tasks")
    problems.extend(f"audit: {line}" for line in await books_close(outcome.db))
    return problems
