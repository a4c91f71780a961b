"""Simulated users walk the real bot's menus and wizards through the Telegram emulator.

Every category, several models each, both languages; every tap answered; for
every tap, the log holds the whole telemetry chain under one cid.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
import trio

from eventlog import RecordedEvent, open_log
from registry import MENU_CATEGORIES, load_valid_registry
from tests.e2e.conftest import Harness, fast, settings_for
from tests.e2e.support import wait_jobs_ended
from trt_actors.app import RunningBot, run_bot
from trt_actors.events import (
    CODEC,
    CallbackAccepted,
    CallbackReceived,
    CallbackRejected,
    CallbackRouted,
    DispatchOk,
    UiRendered,
    UpdateReceived,
)
from trt_actors.events.session import ImageAdded
from trt_actors.sandbox.scripted import PLACED, ScriptedUser, screen_of, tiny_png
from trt_actors.sandbox.telegram import BotMessage, TelegramEmulator
from trt_actors.session.callback_data import Confirm, GoBack, StartDraft

REGISTRY = load_valid_registry()
# The two cheapest models of every menu category (one where the category has one).
WALKS = [model.id for category in MENU_CATEGORIES for model in REGISTRY.models_in(category)[:2]]


async def _walk(user: ScriptedUser, model_id: str) -> None:
    await user.say("/start")
    await user.open_model(REGISTRY.model(model_id).category, model_id)
    await user.tap_action(StartDraft)
    await user.walk_wizard()
    assert await user.screen() == "confirm", user.transcript[-8:]
    await user.tap_action(Confirm)
    assert await user.wait_for_screen(*PLACED) in PLACED


async def _wait_delivered(bot: RunningBot) -> None:
    with trio.fail_after(10):
        while bot.outbox.statistics().pending or bot.outbox.statistics().lag:
            await trio.sleep(0.01)


def _chains(events: list[RecordedEvent]) -> dict[str, list[RecordedEvent]]:
    chains: dict[str, list[RecordedEvent]] = defaultdict(list)
    for recorded in events:
        chains[recorded.cid].append(recorded)
    return chains


@pytest.mark.parametrize("language", ["ru", "en"])
async def test_users_walk_every_category_to_a_priced_confirmation(harness: Harness, language: str) -> None:
    users = [harness.user(2000 + n, f"user{n}", language) for n in range(len(WALKS))]
    async with trio.open_nursery() as nursery:
        for user, model_id in zip(users, WALKS, strict=True):
            nursery.start_soon(_walk, user, model_id)
    await wait_jobs_ended(harness.bot)
    await _wait_delivered(harness.bot)

    stats = harness.emulator.callback_statistics()
    assert stats.total > 5 * len(WALKS) and stats.unanswered == 0 and stats.answered == stats.total

    events = await harness.bot.log.read_from(1, limit=100_000)
    taps = 0
    for cid, chain in _chains(events).items():
        kinds = [type(r.event) for r in chain]
        if CallbackReceived not in kinds:
            continue
        taps += 1
        assert kinds[:3] == [UpdateReceived, CallbackReceived, CallbackRouted], (cid, kinds)
        assert kinds[3] in (CallbackAccepted, CallbackRejected), (cid, kinds)
        # Every screen of the chain was delivered (a Confirm's goes on with the hold, the job and its result).
        rendered_ids = {r.event.dispatch_id for r in chain if isinstance(r.event, UiRendered)}
        delivered_ids = {r.event.dispatch_id for r in chain if isinstance(r.event, DispatchOk)}
        assert rendered_ids and rendered_ids <= delivered_ids, (cid, kinds)
        rendered = next(r for r in chain if isinstance(r.event, UiRendered))
        assert isinstance(rendered.event, UiRendered)
        # A Confirm's chain goes on with the ledger's hold and the screen it led to, each delivered too.
        delivered = next(r for r in chain if isinstance(r.event, DispatchOk)
                         and r.event.dispatch_id == rendered.event.dispatch_id)
        assert isinstance(delivered.event, DispatchOk)
        assert delivered.event.dispatch_id == rendered.event.dispatch_id
        assert delivered.causation == rendered.event_id
        assert {r.chat_id for r in chain} == {chain[0].chat_id}
    assert taps == stats.total
    # What each user saw, in their language: the order of the right model done, its result captioned.
    for user, model_id in zip(users, WALKS, strict=True):
        name = getattr(REGISTRY.model(model_id).name, language)


        def done(messages: list[BotMessage], name: str = name) -> bool:
            return any(screen_of(m) == "job.done" and name in (m.body or "") for m in messages)

        with trio.move_on_after(10):  # the last edit of the order's message may still be on its way
            await user.user.wait_until(done)
        messages = user.user.messages()
        ended = [r.event for r in events if r.user_id == user.chat_id and type(r.event).__name__ in (
            "JobFailed", "ResultDelivered", "DispatchFailed")]
        assert done(messages), (ended, [(m.message_id, screen_of(m), (m.body or "")[:50], len(m.edits)) for m in messages])
        assert any(m.kind != "text" and name in (m.caption or "") for m in messages), user.transcript[-4:]


async def test_back_steps_out_of_the_wizard_one_answer_at_a_time(harness: Harness) -> None:
    ann = harness.user(3001, "Ann", "en")
    await ann.say("/start")
    await ann.open_model("image_to_video", "kling-2.6/image-to-video")
    await ann.tap_action(StartDraft)
    screens = await ann.walk_wizard()
    assert await ann.screen() == "confirm"
    back: list[str] = []
    while await ann.screen() != "model":
        await ann.tap_action(GoBack)
        back.append(await ann.screen())
    assert back[:-1] == list(reversed(screens))


async def _to_second_step(user: ScriptedUser) -> None:
    await user.say("/start")
    await user.open_model("text_to_speech", "elevenlabs/text-to-speech-turbo-2-5")
    await user.tap_action(StartDraft)
    assert await user.screen() == "step.text"


async def test_a_session_survives_passivation_mid_wizard(log_target: str) -> None:
    async with TelegramEmulator.serve(token="123456:E2E-test-token") as emulator, trio.open_nursery() as nursery:
        settings = settings_for(emulator, log_target)
        bot: RunningBot = await nursery.start(
            lambda task_status: run_bot(settings, throttle=fast(), idle_timeout=0.2, task_status=task_status)
        )
        ann = ScriptedUser(emulator.user(4001, first_name="Ann", language_code="en"))
        await _to_second_step(ann)
        with trio.fail_after(10):
            while bot.sessions.statistics().live:
                await trio.sleep(0.05)
        assert bot.sessions.statistics().passivations >= 1
        await ann.say("Hello from after a nap")
        assert await ann.screen() == "confirm"
        assert "Hello from after a nap" in (ann.current.body or "")
        nursery.cancel_scope.cancel()


async def test_a_session_survives_a_restart_mid_wizard(log_target: str) -> None:
    db = log_target
    async with TelegramEmulator.serve(token="123456:E2E-test-token") as emulator:
        settings = settings_for(emulator, db)
        ann_tg = emulator.user(5001, first_name="Ann", language_code="en")
        async with trio.open_nursery() as nursery:
            bot: RunningBot = await nursery.start(
                lambda task_status: run_bot(settings, throttle=fast(), task_status=task_status)
            )
            await _to_second_step(ScriptedUser(ann_tg))
            await _wait_delivered(bot)
            nursery.cancel_scope.cancel()  # the process stops; the log stays

        async with trio.open_nursery() as nursery:
            bot = await nursery.start(lambda task_status: run_bot(settings, throttle=fast(), task_status=task_status))
            ann = ScriptedUser(ann_tg)
            await ann.say("Hello after a restart")
            assert await ann.screen() == "confirm"
            assert "Hello after a restart" in (ann.current.body or "")
            await ann.tap_action(Confirm)
            assert await ann.wait_for_screen("topup") == "topup"  # no credits: nothing held, the packages show
            await _wait_delivered(bot)
            nursery.cancel_scope.cancel()

    async with open_log(db, codec=CODEC, readonly=True) as log:
        events = await log.read_from(1, limit=10_000)
    rendered = [r.event.dispatch_id for r in events if isinstance(r.event, UiRendered)]
    delivered = [r.event.dispatch_id for r in events if isinstance(r.event, DispatchOk)]
    assert sorted(rendered) == sorted(delivered)  # every screen delivered exactly once across the restart


async def test_an_image_sent_as_a_file_answers_a_photo_step(harness: Harness) -> None:
    ann = harness.user(7001, "Ann", "en")
    await ann.say("/start")
    await ann.open_model("image_edit", "google/nano-banana-edit")
    await ann.tap_action(StartDraft)
    assert (await ann.screen()).startswith("step.image")
    before = await harness.bot.log.stream_version("chat:7001")
    await ann.send_document(tiny_png(), "photo.png", "image/png")
    added = [r.event for r in await harness.bot.log.read_stream("chat:7001", from_version=before + 1)]
    assert [type(event) for event in added].count(ImageAdded) == 1, added
    before = await harness.bot.log.stream_version("chat:7001")
    await ann.send_document(b"%PDF-1.4", "doc.pdf", "application/pdf")
    added = [r.event for r in await harness.bot.log.read_stream("chat:7001", from_version=before + 1)]
    assert not any(isinstance(event, ImageAdded) for event in added), added
