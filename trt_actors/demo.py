"""``python main.py demo``: the real bot against the local Telegram and KIE emulators.

It starts both emulators on loopback, runs the bot exactly as ``run`` does
(same receiver, sessions, outbox, job runner and HTTP server; an SQLite log
in a temporary folder, or at ``TRT_DB`` when set), lets three scripted users
walk the menus and wizards: Анна tops up with Telegram Stars and orders a
picture, which is generated, delivered and paid for; Bob taps an old button
and types far too much; Carla tops up and animates a photo, the video fails
at the provider, and her credits come back with a "Try again"; Dana's picture
is made across a deploy. It prints what each of them saw, the telemetry chain
of one button press, each order's whole chain from the tap to the capture or
the refund, the audit of the books, and a summary of the log. It exits 0 when every step got its answer
and the books close.

``python main.py demo --web`` (:func:`run_web_demo`) runs the same bot and
emulators with no scripted users, serves the web chat
(:mod:`trt_actors.sandbox.web_chat`) for a person to talk to it from a
browser, and runs until Ctrl-C.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TextIO

import trio

from eventlog import is_postgres, redacted
from eventlog.trace import render_trace
from trt_actors.trace_view import actor_of, details
from trt_actors.app import RunningBot, run_bot
from trt_actors.free_tier import FreeTier
from trt_actors.config import DEFAULT_DB, Secret, Settings
from trt_actors.events import CallbackRejected, DispatchFailed, DispatchOk, Event
from trt_actors.events.session import GenerationRequested
from trt_actors.events.jobs import JobSubmitted
from trt_actors.events.ledger import HoldVoided
from trt_actors.ledger.audit import audit
from trt_actors.ledger.audit_report import render_table
from trt_actors.sandbox.kie import KieEmulator, Script, WireState
from trt_actors.sandbox.scripted import PLACED, BotDidNotAnswer, ScriptedUser
from trt_actors.sandbox.telegram import TelegramEmulator
from trt_actors.sandbox.web_chat import serve_web_chat
from trt_actors.session.callback_data import BuyPackage, CancelDraft, Confirm, ResumeDraft, StartDraft

__all__ = ["main", "run_demo", "run_web_demo"]

DEMO_TOKEN = "123456:DEMO-local-emulator-token"
DEMO_KIE_KEY = "demo-local-kie-key"
WEB_USER_ID = 1001
"""The user of ``demo --web``: the person at the browser."""
FAILING_MODEL = "grok-imagine/image-to-video"
HANDOVER_MODEL = "google/nano-banana"
"""The picture made across the deploy (Dana's)."""
"""The model the KIE emulator fails in the demo (Carla's video)."""


async def _anna(anna: ScriptedUser) -> None:
    """A Russian user orders a picture with no credits, tops up with Telegram Stars, and orders again."""
    await anna.say("/start")
    await anna.open_model("text_to_image", "nano-banana-pro")
    await anna.tap_action(StartDraft)
    await anna.walk_wizard()
    await anna.tap_action(Confirm)
    await anna.wait_for_screen("topup")  # 0 credits: the ledger holds nothing and the packages show
    await anna.tap_action(BuyPackage)  # the cheapest package: an invoice in Stars arrives
    outcome = await anna.pay()  # pre-checkout answered by the bot, then paid
    if outcome.status != "paid":
        raise BotDidNotAnswer(f"Анна's payment ended {outcome.status}: {outcome.error_message}")
    await anna.wait_for_screen("ledger.topup")  # the receipt with the new balance
    await anna.tap_action(ResumeDraft)
    await anna.tap_action(Confirm)
    await anna.wait_for_screen(*PLACED)
    await anna.wait_for_screen("job.done", "job.failed")  # generated, delivered, charged
    _show_results(anna)


async def _bob(bob: ScriptedUser) -> None:
    """An English user animates a photo, checks the balance, taps an old button, then types far too much."""
    await bob.say("/start")
    await bob.open_model("image_to_video", "kling-2.6/image-to-video")
    await bob.tap_action(StartDraft)
    await bob.walk_wizard()
    await bob.tap_action(Confirm)
    await bob.wait_for_screen("topup")
    old = bob.current
    await bob.say("/balance")
    # A button on an older message: the bot answers it, re-renders, and records why it was refused.
    label, data = next((b.text, b.callback_data) for row in old.buttons for b in row if b.callback_data)
    assert data is not None
    await bob.tap_on(old.message_id, data, f"{label} (on an old message)")
    await bob.say("/menu")
    await bob.open_model("text_to_speech", "elevenlabs/text-to-speech-turbo-2-5")
    await bob.tap_action(StartDraft)
    await bob.say("x" * 6000)  # far over the limit: a clear message, nothing changes
    await bob.tap_action(CancelDraft)


async def _carla(carla: ScriptedUser) -> None:
    """An English user tops up and animates a photo; the video fails at the provider and her credits come back."""
    await carla.say("/start")
    await _top_up(carla)
    await carla.say("/menu")
    await carla.open_model("image_to_video", FAILING_MODEL)
    await carla.tap_action(StartDraft)
    await carla.walk_wizard()
    await carla.tap_action(Confirm)
    await carla.wait_for_screen("job.failed_note")  # what happened, the credits back, and "Try again"


def _show_results(user: ScriptedUser) -> None:
    """Add the results the bot sent (photos, videos, voice) to the user's transcript."""
    for message in user.user.messages():
        if message.kind in ("photo", "video", "voice", "audio", "document"):
            buttons = "  ".join(f"[{button.text}]" for row in message.buttons for button in row)
            user.transcript.append(f"  bot › [{message.kind}] {(message.caption or '').splitlines()[0]}  {buttons}")


class _Instance:
    """One bot instance of the demo, stoppable on its own (the deploy story); ``bot`` once it is active."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.scope = trio.CancelScope()
        self.active = trio.Event()
        self._bot: RunningBot | None = None

    @property
    def bot(self) -> RunningBot:
        assert self._bot is not None, "this instance never became active"
        return self._bot

    async def run(self, *, task_status: trio.TaskStatus[RunningBot] = trio.TASK_STATUS_IGNORED) -> None:
        async def started(bot: RunningBot) -> None:
            self._bot = bot
            self.active.set()
            task_status.started(bot)

        with self.scope:
            async with trio.open_nursery() as nursery:
                bot: RunningBot = await nursery.start(run_bot, self.settings)
                await started(bot)


async def _top_up(user: ScriptedUser) -> None:
    await user.say("/topup")
    await user.tap_action(BuyPackage)
    outcome = await user.pay()
    if outcome.status != "paid":
        raise BotDidNotAnswer(f"{user.name}'s payment ended {outcome.status}: {outcome.error_message}")
    await user.wait_for_screen("ledger.topup")


async def _trace(bot: RunningBot, cid: str) -> str:
    """``python main.py trace CID``, from the running bot's log."""
    chain, committed = await bot.log.read_cid(cid), await bot.log.commit_times(cid)
    return render_trace(chain, committed, actor=actor_of, details=details)


async def _handover(dana: ScriptedUser, bot: RunningBot, first: _Instance, second: _Instance,
                    kie: KieEmulator) -> float:
    """Dana orders a picture; the first instance stops while it is made; the second takes over. How long it took."""
    kie.script(HANDOVER_MODEL, Script(waiting=1, generating=1, stage_seconds=2.0, callbacks=0))
    await dana.say("/start")
    await _top_up(dana)
    await dana.say("/menu")
    await dana.open_model("text_to_image", HANDOVER_MODEL)
    await dana.tap_action(StartDraft)
    await dana.walk_wizard()
    await dana.tap_action(Confirm)
    with trio.fail_after(20):
        while not any(r.user_id == dana.chat_id and isinstance(r.event, JobSubmitted)
                      for r in await bot.log.read_from(1, types=["JobSubmitted"], limit=1000)):
            await trio.sleep(0.02)
    stopped = time.monotonic()
    first.scope.cancel()  # SIGTERM: what is in flight finishes, the lease is released
    with trio.fail_after(20):
        await second.active.wait()
    took = time.monotonic() - stopped
    await dana.wait_for_screen("job.done", "job.failed")
    _show_results(dana)
    return took


async def _cid_of_last(bot: RunningBot, chat_id: int, kind: type[Event]) -> str:
    for recorded in reversed(await bot.log.read_stream(f"chat:{chat_id}")):
        if isinstance(recorded.event, kind):
            return recorded.cid
    raise LookupError(f"no {kind.__name__} in chat {chat_id}")


def _settings(tg: TelegramEmulator, kie: KieEmulator, path: Path | str) -> Settings:
    """The bot against the two emulators, with a log at ``path`` (a file, or a PostgreSQL URL); KIE scripted as the
    demo's stories need."""
    kie.default_script = Script(waiting=1, generating=1, stage_seconds=1.0)
    kie.script(FAILING_MODEL, Script(waiting=1, generating=1, stage_seconds=1.0, outcome=WireState.FAIL,
                                     fail_code="500", fail_msg="Video generation failed"))
    return Settings(
        telegram_bot_token=Secret(DEMO_TOKEN),
        telegram_api_base=tg.api_base,
        kie_api_key=Secret(DEMO_KIE_KEY),
        kie_api_base=kie.api_base,
        kie_upload_base=kie.upload_base,
        db_path=Path(DEFAULT_DB) if is_postgres(str(path)) else Path(path),
        db_url=Secret(str(path) if is_postgres(str(path)) else ""),
        http_port=0,
        free_tier=FreeTier(per_day=1),
    )


async def run_web_demo(
    port: int,
    out: TextIO = sys.stdout,
    db_path: Path | None = None,
    *,
    host: str = "127.0.0.1",
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """``python main.py demo --web``: the bot against the emulators, and a web chat to talk to it, until cancelled.

    No scripted users: the person at the browser is user :data:`WEB_USER_ID`.
    ``task_status`` gets the page's URL.
    """
    with tempfile.TemporaryDirectory(prefix="trt-demo-") as folder:
        path = db_path or Path(folder) / "trt.sqlite3"
        async with TelegramEmulator.serve(token=DEMO_TOKEN) as tg, KieEmulator.serve(api_key=DEMO_KIE_KEY) as kie:
            async with trio.open_nursery() as nursery:
                bot: RunningBot = await nursery.start(run_bot, _settings(tg, kie, path))
                user = tg.user(WEB_USER_ID, first_name="You", language_code="en")
                url: str = await nursery.start(partial(
                    serve_web_chat, user, host, port, bot_name="trt-actors demo", console_base=bot.http_url,
                    db_path=path))
                print("trt-actors demo: the real bot against local emulators, and a web chat to talk to it", file=out)
                print(f"  web chat           {url}   ← open this", file=out)
                print(f"  bot HTTP server    {bot.http_url}  (the console and its chains, /health, /metrics)", file=out)
                print(f"  Telegram emulator  {tg.api_base}", file=out)
                print(f"  KIE emulator       {kie.api_base}  ({FAILING_MODEL} fails: its credits come back)", file=out)
                print(f"  event log          {path}", file=out)
                print("Start with /start; top up with Stars (the Pay button), order, watch the result arrive. "
                      "Ctrl-C stops everything.", file=out, flush=True)
                task_status.started(url)


async def run_demo(out: TextIO = sys.stdout, db_path: Path | str | None = None) -> int:
    """Run the demo, printing to ``out``; 0 when every step got its answer."""

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    with tempfile.TemporaryDirectory(prefix="trt-demo-") as folder:
        path = db_path or Path(folder) / "trt.sqlite3"
        started = time.perf_counter()
        async with TelegramEmulator.serve(token=DEMO_TOKEN) as tg, KieEmulator.serve(api_key=DEMO_KIE_KEY) as kie:
            settings = _settings(tg, kie, path)
            async with trio.open_nursery() as nursery:
                first = _Instance(replace(settings, instance_id="demo-1"))
                bot: RunningBot = await nursery.start(first.run)
                say("trt-actors demo: the real bot against local emulators")
                say(f"  Telegram emulator  {tg.api_base}")
                say(f"  KIE emulator       {kie.api_base}")
                say(f"  bot HTTP server    {bot.http_url}  (/health, /ready, /metrics)")
                say(f"  event log          {redacted(str(path))}")
                say(f"  receiving by       {bot.mode}")
                anna = ScriptedUser(tg.user(1001, first_name="Анна", language_code="ru"))
                bob = ScriptedUser(tg.user(1002, first_name="Bob", language_code="en"))
                carla = ScriptedUser(tg.user(1003, first_name="Carla", language_code="en"))
                async with trio.open_nursery() as users:
                    users.start_soon(_anna, anna)
                    users.start_soon(_bob, bob)
                    users.start_soon(_carla, carla)
                # A deploy: a second instance stands by on the same log; the first stops in the middle of a job.
                dana = ScriptedUser(tg.user(1004, first_name="Dana", language_code="en"))
                second = _Instance(replace(settings, instance_id="demo-2"))
                nursery.start_soon(second.run)
                took = await _handover(dana, bot, first, second, kie)
                bot = second.bot
                for user in (anna, bob, carla, dana):
                    say()
                    say(f"── what {user.name} saw " + "─" * 50)
                    for line in user.transcript:
                        say(line)
                say()
                say("── a deploy " + "─" * 67)
                say(f"  demo-2 stood by on the same log; demo-1 was stopped (as by SIGTERM) while Dana's picture was "
                    f"being made; demo-2 took over {took:.2f} s later and finished the job:")
                for recorded in await bot.log.read_stream("ops:lease"):
                    say(f"    {recorded.event!r}")

                cid = await _cid_of_last(bot, bob.chat_id, CallbackRejected)
                # Wait until the outbox has recorded the outcome of everything.
                with trio.fail_after(10):
                    while bot.outbox.statistics().pending:
                        await trio.sleep(0.01)
                say()
                say("── the telemetry chain of Bob's tap on an old button " + "─" * 26)
                say(await _trace(bot, cid))
                for user, story in ((anna, "a picture made and paid for"), (carla, "a video that failed, refunded"),
                                    (dana, "a picture made across the deploy")):
                    confirmed = await _cid_of_last(bot, user.chat_id, GenerationRequested)
                    say()
                    say(f"── the chain of {user.name}'s Confirm: {story} ".ljust(80, "─"))
                    say(await _trace(bot, confirmed))

                everything = await bot.log.read_from(1, limit=100_000)
                books = audit(everything, now=time.time())
                say()
                say("── the books (python main.py audit) " + "─" * 43)
                say(render_table(books))
                counts = Counter(r.type for r in everything)
                calls = tg.callback_statistics()
                sent = sum(isinstance(r.event, DispatchOk) for r in everything)
                failed = sum(isinstance(r.event, DispatchFailed) for r in everything)
                say()
                say("── summary " + "─" * 68)
                say(f"  {len(everything)} events in the log: " + ", ".join(f"{t} {n}" for t, n in counts.most_common()))
                say(f"  callback queries: {calls.total}, answered {calls.answered}, unanswered {calls.unanswered}")
                delivered = counts.get("ResultDelivered", 0)
                refunded = sum(1 for r in everything if isinstance(r.event, HoldVoided))
                say(f"  generations: {len(kie.tasks)} KIE task(s), {delivered} delivered and charged, "
                    f"{counts.get('JobFailed', 0)} failed and refunded ({refunded} hold(s) voided)")
                say(f"  messages delivered: {sent} sent or edited, {failed} failed "
                    "(the scripted users tap faster than people do; the outbox keeps Telegram's budget of "
                    "about one message a second per chat, so some deliveries wait their turn)")
                say(f"  trace any chain with: python main.py trace <cid> --db {redacted(str(path))}"
                    + ("  (the file is deleted when the demo ends; set TRT_DB to keep it)" if db_path is None else ""))
                say(f"  done in {time.perf_counter() - started:.1f} s")
                nursery.cancel_scope.cancel()
        ok = calls.unanswered == 0 and failed == 0 and books.passed
        return 0 if ok else 1


def main() -> int:
    db = os.environ.get("TRT_DB")
    code = 1
    try:
        code = trio.run(run_demo, sys.stdout, db if db and is_postgres(db) else Path(db) if db else None)
    except* BotDidNotAnswer as stalled:
        for error in stalled.exceptions:
            print(f"The demo stopped: {error}. This is a bug; please report it with the output above.", file=sys.stderr)
    return code
