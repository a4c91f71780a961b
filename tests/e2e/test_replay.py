"""`replay` re-runs a chain's session, ledger and job decisions from the log alone: identical on real traffic, and
a changed decider is caught with the event and the field that differ."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import msgspec

from eventlog import open_log
from tests.e2e.orders import walk
from tests.e2e.support import REGISTRY, bot_process, wait_jobs_ended
from trt_actors.events import CODEC, Event, UiRendered
from trt_actors.events.jobs import CaptureAsked
from trt_actors.jobs import JobCommand, JobDecider, JobState
from trt_actors.replay import replay_chain
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.session import SessionCommand, SessionDecider, SessionState
from trt_actors.session.callback_data import Confirm

ROOT = Path(__file__).resolve().parents[2]


class Greedier(JobDecider):
    """A job decider changed by someone: a success captures one credit more than the hold."""

    def decide(self, state: JobState, command: JobCommand) -> Sequence[Event]:
        return [msgspec.structs.replace(event, amount=event.amount + 1) if isinstance(event, CaptureAsked) else event
                for event in super().decide(state, command)]


class Louder(SessionDecider):
    """A session decider changed by someone: every screen it draws ends in an exclamation mark."""

    def decide(self, state: SessionState, command: SessionCommand) -> list[Event]:
        return [msgspec.structs.replace(event, text=event.text + "!") if isinstance(event, UiRendered) else event
                for event in super().decide(state, command)]


async def test_replay_finds_real_traffic_identical_and_names_the_field_a_changed_decider_alters(
    log_target: str,
) -> None:
    db = log_target
    async with bot_process(db, welcome_credits=1_000) as process:
        ann = ScriptedUser(process.emulator.user(7801, first_name="Ann", language_code="en"))
        await walk(ann, REGISTRY.model("z-image"), {})
        await ann.tap_action(Confirm)
        await ann.say("/history")
        await wait_jobs_ended(process.bot)
        confirm = next(r.cid for r in await process.bot.log.read_from(1, limit=10_000, types=["GenerationRequested"]))

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_"))}
    everything = subprocess.run([sys.executable, "main.py", "replay", "--all", "--db", db], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
    assert everything.returncode == 0 and "all identical" in everything.stdout, everything.stdout + everything.stderr

    async with open_log(db, codec=CODEC, readonly=True) as log:
        honest = await replay_chain(log, confirm, decider=SessionDecider(REGISTRY))
        changed = await replay_chain(log, confirm, decider=Louder(REGISTRY))
        greedy = await replay_chain(log, confirm, decider=SessionDecider(REGISTRY), jobs=Greedier())
        capture = next(r.event for r in await log.read_cid(confirm) if isinstance(r.event, CaptureAsked))
    # The Confirm's chain: the tap, the ledger's hold and capture, the job's every step, what the news made the
    # session say; none of them left out.
    assert honest.identical and honest.decisions >= 12 and honest.skipped == 0, honest.summary()
    assert [(d.event, d.field, d.recorded, d.replayed) for d in greedy.divergences] == [
        ("CaptureAsked", "amount", capture.amount, capture.amount + 1)]
    assert not changed.identical and 4 <= len(changed.divergences) <= honest.decisions  # each that drew a screen
    first = changed.divergences[0]
    assert (first.event, first.field) == ("UiRendered", "text")
    assert str(first.replayed) == str(first.recorded) + "!"
    assert "field 'text'" in first.line() and "UiRendered" in first.line()
