"""Jobs through both emulators: Confirm → one KIE task → the result delivered and the hold captured, or a refund.

The whole bot runs against the Telegram and KIE emulators over HTTP with a
real log on each store; the KIE emulator refuses any ``input`` its vendor schema
would (see ``tests/e2e/conftest.py``), and every test's log passes the audit
on the way out (:func:`tests.e2e.support.bot_process`).
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from collections import Counter
from typing import TypeVar

import httpx
import pytest
import trio

from eventlog import RecordedEvent
from registry import Model
from tests.e2e.conftest import SQLITE_ONLY
from tests.e2e.orders import kind_of, walk
from tests.e2e.support import REGISTRY, BotProcess, bot_process, wait_settled
from trt_actors.actors.jobs import callback_token
from trt_actors.config import DEFAULT_JOB_DEADLINES, Secret
from trt_actors.events import Event
from trt_actors.events.jobs import (
    JobFailed,
    JobFilesUploaded,
    JobLate,
    JobRetryScheduled,
    JobSubmitting,
    JobSucceeded,
    ResultDelivered,
)
from trt_actors.events.ledger import HoldCaptured, HoldVoided
from trt_actors.events.session import GenerationRequested
from trt_actors.jobs.payload import costliest_params, default_params
from trt_actors.kie import sign_callback
from trt_actors.sandbox.kie import Route, Script, WireState
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.sandbox.telegram import BotMessage
from trt_actors.session.callback_data import Confirm

async def jobs_ended(process: BotProcess, count: int, timeout: float = 60.0) -> list[RecordedEvent]:
    """Wait until ``count`` jobs delivered or failed and the bot is quiet; the whole log."""
    log = process.bot.log
    with trio.fail_after(timeout):
        while True:
            events = await log.read_from(1, limit=1_000_000)
            ended = {r.stream for r in events if isinstance(r.event, ResultDelivered | JobFailed)}
            if len(ended) >= count:
                break
            await trio.sleep(0.05)
    await wait_settled(process.bot, timeout=30)
    return await log.read_from(1, limit=1_000_000)


def of(events: list[RecordedEvent], kind: type) -> list[RecordedEvent]:
    return [r for r in events if isinstance(r.event, kind)]


def facts(events: list[RecordedEvent], kind: type[E]) -> list[E]:
    """The events of ``kind``, typed."""
    return [r.event for r in events if isinstance(r.event, kind)]


async def _every_model(log_target: str, choose: str) -> None:
    models = [model for category in REGISTRY.categories() for model in REGISTRY.models_in(category)]
    async with bot_process(log_target, welcome_credits=1_000_000) as process:
        users: dict[str, ScriptedUser] = {}
        limit = trio.Semaphore(8)

        async def one(index: int, model: Model) -> None:
            params = default_params(model) if choose == "defaults" else costliest_params(REGISTRY, model)
            user = ScriptedUser(process.emulator.user(30_000 + index, first_name=f"u{index}", language_code="en"))
            users[model.id] = user
            async with limit:
                await walk(user, model, {param.name: param.value for param in params})
                await user.tap_action(Confirm)

        async with trio.open_nursery() as nursery:
            for index, model in enumerate(models):
                nursery.start_soon(one, index, model)
        events = await jobs_ended(process, len(models), timeout=120)

    assert not of(events, JobFailed), [(r.stream, r.event) for r in of(events, JobFailed)]
    asked = {requested.confirmation_id: requested for requested in facts(events, GenerationRequested)}
    captured = {hold.hold_id: hold.captured for hold in facts(events, HoldCaptured)}
    assert len(asked) == len(models) and captured.keys() == asked.keys()
    for job_id, requested in asked.items():
        model = REGISTRY.model(requested.model_id)
        priced = REGISTRY.quote(model, {param.name: param.value for param in requested.params})
        # The price charged is the quote the confirmation showed (re-read at the tap), and today's price.
        assert captured[job_id] == requested.credits == requested.quote.credits == priced.credits, model.id
        user = users[model.id]
        kinds = Counter[str](message.kind for message in user.user.messages())
        assert kinds[kind_of(model)] == 1, (model.id, kinds)
    # One KIE task per order, each accepted by its vendor's schema.
    assert len(process.kie.tasks) == len(models)
    assert sorted(task.model for task in process.kie.tasks.values()) == sorted(m.kie_model for m in models)


@SQLITE_ONLY  # heavy (20 s), and about the registry's defaults and KIE's schemas (walks order in every category on both)
async def test_every_enabled_model_with_its_defaults_is_made_delivered_and_charged_its_quote(log_target: str) -> None:
    await _every_model(log_target, "defaults")


@SQLITE_ONLY  # heavy (20 s), and about the registry's prices and KIE's schemas (walks order in every category on both)
async def test_every_enabled_model_at_its_costliest_is_made_delivered_and_charged_its_quote(log_target: str) -> None:
    await _every_model(log_target, "costliest")


ANN, BOB, CAT, DAN, ADMIN = 9101, 9102, 9103, 9104, 9999
E = TypeVar("E", bound=Event)


def user_of(process: BotProcess, user_id: int, language: str = "en") -> ScriptedUser:
    return ScriptedUser(process.emulator.user(user_id, first_name=f"user{user_id}", language_code=language))


async def order(process: BotProcess, user_id: int, model_id: str, *, photos: int = 1,
                language: str = "en") -> ScriptedUser:
    """A user orders ``model_id`` with its first choices and confirms."""
    user = user_of(process, user_id, language)
    await walk(user, REGISTRY.model(model_id), {}, photos=photos)
    await user.tap_action(Confirm)
    return user


def job_stream_of(events: list[RecordedEvent], user_id: int) -> str:
    (stream,) = {r.stream for r in events if r.stream.startswith("job:") and r.user_id == user_id}
    return stream


async def test_each_kind_of_result_arrives_by_its_own_method_and_photos_go_through_kies_upload(
    log_target: str,
) -> None:
    async with bot_process(log_target, welcome_credits=10_000) as process:
        users = {}
        async with trio.open_nursery() as nursery:
            for user_id, model_id, photos in [
                (ANN, "z-image", 1), (BOB, "google/nano-banana-edit", 2), (CAT, "kling-2.6/image-to-video", 1),
                (DAN, "elevenlabs/text-to-speech-turbo-2-5", 0),
            ]:
                async def one(user_id: int = user_id, model_id: str = model_id, photos: int = photos) -> None:
                    users[user_id] = await order(process, user_id, model_id, photos=photos)
                nursery.start_soon(one)
        events = await jobs_ended(process, 4)
        kie, telegram = process.kie, process.emulator
        # A job is an open item of the log from JobRequested until it ends: a restart resumes only open ones.
        assert await process.bot.log.open_items("job:") == []

    kinds = {user_id: [m.kind for m in user.user.messages() if m.kind != "text"] for user_id, user in users.items()}
    assert kinds == {ANN: ["photo"], BOB: ["photo"], CAT: ["video"], DAN: ["voice"]}
    (photo,) = [m for m in users[ANN].user.messages() if m.kind == "photo"]
    assert "Z-Image" in (photo.caption or "") and photo.buttons[0][0].url  # the original file, uncompressed
    assert photo.button("Why this price").callback_data
    (speech,) = [m for m in users[DAN].user.messages() if m.kind == "voice"]
    assert speech.button_texts == ["💡 Why this price"]
    # Bob's two photos went to KIE's upload host, and only their KIE URLs to the task.
    (uploaded,) = [r.event for r in events if isinstance(r.event, JobFilesUploaded) and r.user_id == BOB]
    (files,) = uploaded.files
    assert len(files.urls) == 2 and all(url.startswith(kie.upload_base) for url in files.urls)
    (edit,) = [task for task in kie.tasks.values() if task.model == "google/nano-banana-edit"]
    assert edit.input["image_urls"] == list(files.urls)
    for task in kie.tasks.values():
        assert telegram.api_base not in str(task.input)  # a Telegram file URL carries the bot token
    assert len(kie.tasks) == 4
    assert len(of(events, HoldCaptured)) == 4 and not of(events, HoldVoided)


async def _failed(process: BotProcess, user: ScriptedUser, reason: str) -> list[RecordedEvent]:
    events = await jobs_ended(process, 1)
    failed = facts(events, JobFailed)
    assert [f.reason for f in failed] == [reason]
    voided = facts(events, HoldVoided)
    assert [v.reason for v in voided] == [reason] and not of(events, HoldCaptured)
    assert voided[0].available == 10_000  # every credit back
    return events


async def failure_note(user: ScriptedUser) -> BotMessage:
    """The message that says a job failed and offers "Try again" (waited for; the chat shown if it never comes)."""

    def note(messages: list[BotMessage]) -> BotMessage | None:
        return next((m for m in messages if any("Try again" in label for label in m.button_texts)), None)

    with trio.move_on_after(15):
        await user.user.wait_until(lambda messages: note(messages) is not None)
    found = note(user.user.messages())
    assert found is not None, [(m.message_id, m.body, m.button_texts) for m in user.user.messages()]
    return found


FAILURES = {
    # what KIE does → the reason recorded, and what the user reads
    "fail": ("generation_failed", "the generation failed at the provider"),
    "422": ("rejected_input", "the provider refused the inputs"),
    "501": ("generation_failed", "the generation failed at the provider"),
    "505": ("model_disabled", "this model is temporarily unavailable"),
    "402": ("kie_balance_empty", "the service is temporarily unavailable"),
    "deadline": ("deadline", "it took longer than allowed"),
}


@pytest.mark.parametrize("what", sorted(FAILURES))
async def test_each_failure_ends_in_a_void_and_a_message_that_offers_to_try_again(log_target: str, what: str) -> None:
    reason, words = FAILURES[what]
    deadlines = {**DEFAULT_JOB_DEADLINES, "text_to_image": 1.5}
    async with bot_process(log_target, welcome_credits=10_000, admin_ids=frozenset({ADMIN}),
                           job_deadlines=deadlines if what == "deadline" else DEFAULT_JOB_DEADLINES) as process:
        kie = process.kie
        admin = process.emulator.user(ADMIN, first_name="Admin")
        match what:
            case "fail":
                kie.script("z-image", Script(outcome=WireState.FAIL, fail_code="500", stage_seconds=0.05))
            case "422" | "501" | "505":
                kie.faults.inject(Route.CREATE_TASK, int(what))
            case "402":
                kie.balance = 0.0
            case "deadline":
                kie.script("z-image", Script(waiting=10_000, stage_seconds=None))
        ann = await order(process, ANN, "z-image")
        await _failed(process, ann, reason)
        note = await failure_note(ann)
        assert words in (note.body or "") and "are back on your balance" in (note.body or "")
        assert not [m for m in ann.user.messages() if m.kind == "photo"]
        # "Try again" reopens the same order as a new confirmation.
        await ann.tap_on(note.message_id, note.callback_data("Try again"), "Try again")
        assert await ann.screen() == "confirm"
        alerts = [m for m in admin.messages() if "KIE balance is empty" in (m.body or "")]
        assert len(alerts) == (1 if what == "402" else 0)
        assert len(kie.tasks) == (1 if what in ("fail", "deadline") else 0)


async def test_duplicate_forged_and_late_callbacks_deliver_at_most_once_and_forgeries_change_nothing(
    log_target: str,
) -> None:
    key = "kie-webhook-hmac-key"
    deadlines = {**DEFAULT_JOB_DEADLINES, "text_to_speech": 2.0}
    async with bot_process(log_target, welcome_credits=10_000, admin_ids=frozenset({ADMIN}),
                           kie_callback_secret=key, kie_webhook_hmac_key=Secret(key), job_deadlines=deadlines,
                           ) as process, httpx.AsyncClient() as http:
        kie, bot = process.kie, process.bot
        admin = process.emulator.user(ADMIN, first_name="Admin")
        kie.script("z-image", Script(waiting=1, generating=1, stage_seconds=1.0, callbacks=2))  # a duplicate
        kie.script("elevenlabs/text-to-speech-turbo-2-5", Script(waiting=1, generating=1, stage_seconds=2.5,
                                                                 callbacks=1))  # ends after its job's deadline
        ann = await order(process, ANN, "z-image")
        with trio.fail_after(10):
            while not kie.tasks:
                await trio.sleep(0.01)
        (task,) = kie.tasks.values()
        job_id = job_stream_of(await bot.log.read_from(1, limit=100_000), ANN).removeprefix("job:")
        token = callback_token(bot.jobs.limits.callback_secret, job_id)
        forged_record = {**task.record(), "state": "success",
                         "resultJson": json.dumps({"resultUrls": ["https://evil.example/x.png"]})}
        forged = json.dumps({"code": 200, "msg": "done", "data": forged_record}).encode()
        now = str(int(time.time()))
        url = f"{bot.http_url}/kie/callback/{job_id}"
        for path, headers, status in [
            (f"{url}/{'0' * 32}", {}, 401),  # a guessed token
            (f"{url}/{token}", {"X-Webhook-Timestamp": now, "X-Webhook-Signature": "Zm9yZ2Vk"}, 401),  # bad HMAC
            (f"{url}/{token}", {}, 401),  # no signature at all while a key is set
        ]:
            answer = await http.post(path, content=forged, headers=headers)
            assert answer.status_code == status, (path, answer.text)
        # Signed right (only KIE and we hold the key): still only a hint, confirmed with recordInfo.
        signed = {"X-Webhook-Timestamp": now, "X-Webhook-Signature": sign_callback(key, task.task_id, int(now))}
        assert (await http.post(f"{url}/{token}", content=forged, headers=signed)).status_code == 200

        dan = await order(process, DAN, "elevenlabs/text-to-speech-turbo-2-5")
        events = await jobs_ended(process, 2)
        with trio.fail_after(15):  # the speech task ends after its job failed: its callback comes late
            while not any(isinstance(r.event, JobLate) for r in await bot.log.read_from(1, limit=100_000)):
                await trio.sleep(0.05)
        await wait_settled(bot)
        events = await bot.log.read_from(1, limit=100_000)

    succeeded = facts(events, JobSucceeded)
    assert len(succeeded) == 1 and "evil.example" not in str(succeeded[0].result_urls)
    assert [m.kind for m in ann.user.messages()].count("photo") == 1  # two callbacks, one delivery
    assert len(of(events, ResultDelivered)) == 1 and len(of(events, HoldCaptured)) == 1
    (late,) = facts(events, JobLate)
    assert late.reason == "after_deadline" and late.result_urls
    assert [failed.reason for failed in facts(events, JobFailed)] == ["deadline"]
    assert not [m for m in dan.user.messages() if m.kind in ("voice", "audio")]  # refunded, not delivered
    assert any("will not be delivered" in (m.body or "") for m in admin.messages())
    assert bot.jobs.statistics().forged_callbacks >= 3


@SQLITE_ONLY  # heavy (20 s of KIE's back-off), and about the KIE client, not the store
async def test_429_455_and_5xx_back_off_and_the_job_still_makes_one_task(log_target: str) -> None:
    async with bot_process(log_target, welcome_credits=10_000) as process:
        kie = process.kie
        kie.faults.inject(Route.UPLOAD, 500)
        kie.faults.inject(Route.CREATE_TASK, 429)
        kie.faults.inject(Route.CREATE_TASK, 455)
        kie.faults.inject(Route.RECORD_INFO, 500)
        kie.script("google/nano-banana-edit", Script(waiting=1, generating=1, stage_seconds=None, callbacks=0))
        ann = await order(process, ANN, "google/nano-banana-edit")
        events = await jobs_ended(process, 1, timeout=60)
    retries = [(retry.call, retry.code, retry.attempt) for retry in facts(events, JobRetryScheduled)]
    # Each failure waits its turn (2-3 s, then 5-10 s for the second in a row), and each success starts afresh.
    assert retries == [("upload", 500, 1), ("createTask", 429, 1), ("createTask", 455, 2), ("recordInfo", 500, 1)]
    job = [r for r in events if r.stream.startswith("job:")]
    for at, recorded in enumerate(job[:-1]):
        if isinstance(recorded.event, JobRetryScheduled):  # the call was not made again before its time
            assert job[at + 1].ts >= recorded.event.retry_at, (recorded.event, job[at + 1])
    assert len(kie.tasks) == 1 and len(of(events, HoldCaptured)) == 1
    assert [m.kind for m in ann.user.messages()].count("photo") == 1


async def test_a_result_telegram_refuses_for_a_while_is_sent_when_it_takes_it_and_nothing_crashes(
    log_target: str
) -> None:
    """A 5xx, then a 429 on sending the result are Telegram's passing troubles: the job waits (the 429's
    ``retry_after``) and sends again; no crash is recorded and the photo arrives once."""
    async with bot_process(log_target, welcome_credits=10_000) as process:
        process.emulator.faults.server_error("sendPhoto", status=502, times=1)
        limit = process.emulator.faults.rate_limit("sendPhoto", every=2, retry_after=1)
        ann = await order(process, ANN, "z-image")
        events = await jobs_ended(process, 1)
        process.emulator.faults.remove(limit)
        await wait_settled(process.bot)
        events = await process.bot.log.read_from(1, limit=1_000_000)
    assert [r.type for r in events if r.type in ("ActorCrashed", "ActorRestarted")] == []
    assert [r.status for r in process.emulator.requests_for("sendPhoto")] == [502, 429, 200]
    assert process.emulator.faults.ban_violations == 0
    assert len(of(events, ResultDelivered)) == 1 and len(of(events, HoldCaptured)) == 1
    assert [m.kind for m in ann.user.messages()].count("photo") == 1


async def test_a_double_tap_on_confirm_makes_one_task_and_charges_once(log_target: str) -> None:
    async with bot_process(log_target, welcome_credits=10_000) as process:
        ann = user_of(process, ANN)
        await walk(ann, REGISTRY.model("z-image"), {})
        confirm = ann.current
        data = confirm.callback_data("Confirm")
        await ann.user.tap(confirm.message_id, data)
        await ann.user.tap(confirm.message_id, data)
        events = await jobs_ended(process, 1)
    assert len(of(events, GenerationRequested)) == 1 and len(process.kie.tasks) == 1
    assert len(of(events, HoldCaptured)) == 1
    assert [m.kind for m in ann.user.messages()].count("photo") == 1


async def test_history_sends_a_result_again_and_repeats_an_order(log_target: str) -> None:
    async with bot_process(log_target, welcome_credits=10_000) as process:
        ann = await order(process, ANN, "z-image")
        await jobs_ended(process, 1)
        await ann.say("/history")
        history = ann.current
        assert "✅ delivered" in (history.body or "")
        await ann.tap_data(history.callback_data("Send again 1"), "Send again 1")
        with trio.fail_after(10):
            await ann.user.wait_until(lambda ms: [m.kind for m in ms].count("photo") == 2)
        history = next(m for m in ann.user.messages() if m.message_id == history.message_id)
        await ann.tap_on(history.message_id, history.callback_data("Repeat 1"), "Repeat 1")
        assert await ann.screen() == "confirm"
        await wait_settled(process.bot)
        assert len(process.kie.tasks) == 1  # sent again from the recorded URL, not made again


async def test_why_this_price_under_a_result_answers_in_a_new_message_and_leaves_the_photo_as_it_was(
    log_target: str,
) -> None:
    async with bot_process(log_target, welcome_credits=10_000) as process:
        ann = await order(process, ANN, "z-image", language="ru")
        await jobs_ended(process, 1)
        (photo,) = [m for m in ann.user.messages() if m.kind == "photo"]
        assert photo.button_texts == ["⬇️ Оригинал", "💡 Почему такая цена"]
        answer = await ann.tap_on(photo.message_id, photo.callback_data("Почему"), "Почему такая цена")
        await wait_settled(process.bot)
        charged = facts(await process.bot.log.read_from(1, limit=10_000, types=["HoldCaptured"]), HoldCaptured)

    assert answer.message_id > photo.message_id and answer.kind == "text"  # a new message, not an edit
    assert f"{charged[0].captured} " in (answer.body or "") and "списано" in (answer.body or "")
    (still,) = [m for m in ann.user.messages() if m.kind == "photo"]
    assert (still.caption, still.buttons, still.edits) == (photo.caption, photo.buttons, photo.edits)
    refused = [r for r in process.emulator.requests if r.status != 200]
    assert refused == []  # no edit of a photo's text was tried


async def test_a_job_running_across_a_restart_is_polled_to_its_end_and_delivered_once(log_target: str) -> None:
    async with bot_process(log_target, welcome_credits=10_000) as process:
        kie = process.kie
        kie.script("z-image", Script(waiting=1, generating=1, stage_seconds=1.5, callbacks=0))
        ann = await order(process, ANN, "z-image")
        with trio.fail_after(10):
            while not kie.tasks:
                await trio.sleep(0.01)
        await process.restart()
        events = await jobs_ended(process, 1)
    assert len(kie.tasks) == 1 and len(of(events, HoldCaptured)) == 1 and not of(events, JobFailed)
    assert [m.kind for m in ann.user.messages()].count("photo") == 1


async def test_a_create_task_whose_answer_never_comes_is_voided_and_never_sent_again(log_target: str) -> None:
    async with bot_process(log_target, welcome_credits=10_000) as process:
        kie = process.kie
        kie.faults.inject_timeout(Route.CREATE_TASK)  # the request is sent and its answer never comes
        jobs = process.bot.jobs
        jobs.limits = replace(jobs.limits, create_wait=1.0)  # (a stop waits this long for it)
        ann = await order(process, ANN, "z-image")
        with trio.fail_after(10):
            while not any(isinstance(r.event, JobSubmitting)
                          for r in await process.bot.log.read_from(1, limit=100_000)):
                await trio.sleep(0.01)
        await trio.sleep(0.2)
        await process.restart()
        await _failed(process, ann, "unsubmitted")
        with trio.fail_after(10):
            await ann.user.wait_until(lambda ms: any("could not be checked" in (m.body or "") for m in ms))
        assert kie.statistics().creates <= 1  # the cut-off call, never a second one
