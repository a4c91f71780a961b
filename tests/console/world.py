"""A log written by the real bot for the console's tests: two users, top-ups, an order, a failure, a refund.

Ann's first name and her prompt carry what a page must show as text: a
``<script>``, an HTML entity, and right-to-left controls. Bob's order fails
at KIE (its hold voided); Ann pays twice, orders, and gets her first top-up
refunded. :func:`build` runs the bot (``tests.e2e.support.bot_process``:
the emulators over HTTP, a real SQLite log) and returns what the tests look
up: a Stars charge, a KIE task, a job, a chain.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import trio

from tests.e2e.conftest import FAST
from tests.e2e.support import bot_process, wait_jobs_ended, wait_settled
from tests.e2e.test_money import CHEAPEST, buy
from trt_actors.events import UpdateReceived
from trt_actors.events.jobs import JobFailed, JobSubmitted
from trt_actors.events.ledger import Credited
from trt_actors.sandbox.kie import Script, WireState
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.session.callback_data import Confirm, StartDraft

__all__ = ["ANN", "ANN_NAME", "BOB", "HOSTILE", "LOGIN", "PASSWORD", "World", "basic", "build"]

ANN, BOB = 8801, 8802
LOGIN, PASSWORD = "support", "console-test-password-7f3a"
HOSTILE: Final = "<script>alert('x')</script> &amp; \u202eevil\u202c \u200fmark"
"""What a page must show as text: a script element, an entity, an RTL override and an RTL mark."""
ANN_NAME: Final = f"Ann {HOSTILE}"
PROMPT: Final = f"a fox {HOSTILE}"


def basic(user: str, password: str) -> dict[str, str]:
    """The ``Authorization`` header of an HTTP Basic login."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@dataclass(frozen=True)
class World:
    db: Path
    ann_charge: str
    """The Stars charge of Ann's first top-up (the one refunded)."""
    bob_task: str
    """The KIE task of Bob's order, which failed."""
    ann_job: str
    cid: str
    """The chain of Ann's prompt (its text update)."""


async def _order(user: ScriptedUser, prompt: str) -> None:
    await user.say("/start")
    await user.open_model(CHEAPEST.category, CHEAPEST.id)
    await user.tap_action(StartDraft)
    await user.answer_step(prompt)
    await user.walk_wizard()
    await user.tap_action(Confirm)


async def build(db: Path) -> World:
    async with bot_process(db) as process:
        process.kie.script(CHEAPEST.kie_model, Script(outcome=WireState.FAIL, fail_code="500", stage_seconds=0.05))
        bob = ScriptedUser(process.emulator.user(BOB, first_name="Bob", username="bob_b", language_code="en"))
        await bob.say("/start")
        await buy(bob)
        await _order(bob, "a plain red fox")
        await wait_jobs_ended(process.bot)
        process.kie.script(CHEAPEST.kie_model, FAST)
        ann = ScriptedUser(process.emulator.user(ANN, first_name=ANN_NAME, username="ann_console",
                                                 language_code="en"))
        await ann.say("/start")
        await buy(ann)
        await buy(ann)
        await trio.sleep(0.3)  # a moment between the top-ups and the order, for the chat's slider
        await _order(ann, PROMPT)
        await wait_jobs_ended(process.bot)
        events = await process.bot.log.read_from(1, 1_000_000)
        first = next(r.event for r in events if isinstance(r.event, Credited) and r.stream == f"ledger:{ANN}"
                     and r.event.reason == "topup")
        await process.bot.refunds.request(user_id=ANN, credit_id=first.credit_id, refund_id="r-console", amount=100,
                                          cid="admin-console", ts=time.time())
        await wait_settled(process.bot)
        events = await process.bot.log.read_from(1, 1_000_000)
    failed = next(r for r in events if isinstance(r.event, JobFailed))
    bob_task = next(r.event.task_id for r in events
                    if isinstance(r.event, JobSubmitted) and r.stream == failed.stream)
    ann_job = next(r.stream.removeprefix("job:") for r in events if r.stream.startswith("job:") and r.user_id == ANN)
    cid = next(r.cid for r in events if isinstance(r.event, UpdateReceived) and r.user_id == ANN
               and "a fox" in r.event.body)
    return World(db=db, ann_charge=first.charge_id, bob_task=bob_task, ann_job=ann_job, cid=cid)
