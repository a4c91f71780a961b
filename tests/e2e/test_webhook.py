"""The whole bot in webhook mode: Telegram (the emulator) POSTs updates to ``/telegram/webhook``.

``run_bot`` registers the webhook with its secret, the emulator delivers every
update there, and these tests also POST by hand, as a forger or a confused
proxy would: a wrong secret is refused before anything is recorded, garbage
is recorded as rejected and answered 400, an update delivered twice is acted
on once, and a storm of 429s from Telegram delays screens without losing or
reordering any, and is recorded refusal by refusal even when the bot restarts
in the middle of it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import trio

from eventlog import RecordedEvent
from trt_actors.app import BOT_STREAM
from trt_actors.actors.receiver import MAX_WEBHOOK_BODY, SECRET_HEADER
from trt_actors.app import RunningBot
from trt_actors.events import (
    CallbackAccepted,
    DispatchFailed,
    DispatchOk,
    UiRendered,
    UpdateReceived,
    UpdateRejected,
)
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.sandbox.telegram import BotMessage, TelegramEmulator, TelegramUser, parse_html
from trt_actors.session.callback_data import GoBack, OpenCategory, OpenModel

from .support import (
    REGISTRY,
    WEBHOOK_PATH,
    audit_log,
    audit_requests,
    bot_process,
    free_port,
    serve_bot,
    shows,
    wait_settled,
)

SECRET = "s3cret-token"


@dataclass
class Webhook:
    emulator: TelegramEmulator
    bot: RunningBot
    http: httpx.AsyncClient

    async def post(self, body: bytes, secret: str | None = SECRET) -> httpx.Response:
        """POST ``body`` to the bot's webhook as Telegram would (with ``secret``, unless None)."""
        headers = {"content-type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        return await self.http.post(f"{self.bot.http_url}{WEBHOOK_PATH}", content=body, headers=headers)

    async def events(self) -> list[RecordedEvent]:
        """What the bot recorded, but for the lease it took and who Telegram said it is, at start (``ops:``)."""
        return [r for r in await self.bot.log.read_from(1, limit=100_000)
                if r.stream not in ("ops:lease", BOT_STREAM)]


@pytest.fixture
async def webhook(log_target: str) -> AsyncIterator[Webhook]:
    port = free_port()
    async with serve_bot(log_target, webhook_secret=SECRET, port=port) as (emulator, bot):
        assert bot.mode == "webhook" and bot.http_url.endswith(f":{port}"), bot
        async with httpx.AsyncClient(timeout=5.0, trust_env=False) as http:
            yield Webhook(emulator, bot, http)


def text_update(user: TelegramUser, update_id: int, text: str, message_id: int = 1) -> bytes:
    """A message update as Telegram would POST it (``update_id`` far from the emulator's own)."""
    update: dict[str, Any] = {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 1_700_000_000,
            "chat": {"id": user.chat_id, "type": "private", "first_name": user.as_user["first_name"]},
            "from": user.as_user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }
    return json.dumps(update).encode()


def of_type(events: list[RecordedEvent], kind: type[Any]) -> list[Any]:
    return [r.event for r in events if isinstance(r.event, kind)]


async def test_a_wrong_or_missing_secret_is_401_and_nothing_is_recorded(webhook: Webhook) -> None:
    ann = webhook.emulator.user(7001, "Ann", language_code="en")
    body = text_update(ann, 1, "/start")
    for secret in ("wrong", None, "", SECRET.upper(), SECRET[:-1]):
        response = await webhook.post(body, secret)
        assert response.status_code == 401, (secret, response.text)
    assert await webhook.events() == []
    assert webhook.bot.receiver.statistics().unauthorized == 5
    assert ann.messages() == [] and webhook.emulator.requests_for("sendMessage") == []

    # The very same body with the secret is taken: the 401s were about the secret alone.
    assert (await webhook.post(body)).status_code == 200
    with trio.fail_after(10):
        [menu] = await ann.wait_messages(1)
    [received] = of_type(await webhook.events(), UpdateReceived)
    assert received.update_id == 1 and received.source == "webhook"
    [rendered] = of_type(await webhook.events(), UiRendered)
    assert rendered.screen == "menu" and shows(menu, rendered)


async def test_a_malformed_body_is_400_and_recorded_as_rejected(webhook: Webhook) -> None:
    """Garbage is recorded once as ``UpdateRejected`` (a retry must not pile up); a huge body is not even read."""
    garbage = {
        b"{not json": "not-json",
        b'{"update_id": 5, "message": "not a message"}': "not-an-update",
        b'["an", "array"]': "not-an-update",
        b'{"message": {"message_id": 1}}': "not-an-update",
    }
    for body in [*garbage, b"{not json"]:  # the repeat is answered the same and recorded once
        response = await webhook.post(body)
        assert response.status_code == 400, (body, response.text)
    unknown = json.dumps({"update_id": 9, "poll": {"id": "1", "question": "?", "options": []}}).encode()
    assert (await webhook.post(unknown)).status_code == 200  # recorded; Telegram must not retry it
    assert (await webhook.post(b" " * (MAX_WEBHOOK_BODY + 1))).status_code == 413  # refused unread
    assert (await webhook.http.get(f"{webhook.bot.http_url}{WEBHOOK_PATH}")).status_code == 405

    events = await webhook.events()
    rejected = {(r.event.reason, r.event.size) for r in events if isinstance(r.event, UpdateRejected)}
    assert rejected == {(reason, len(body)) for body, reason in garbage.items()} | {("unknown-kind", len(unknown))}
    assert len(events) == len(rejected), [r.type for r in events]
    assert of_type(events, UpdateReceived) == []
    assert webhook.bot.receiver.statistics().rejected == len(garbage) + 2
    assert {r.method for r in webhook.emulator.requests} == {"getMe", "setWebhook"}  # the start's token check


async def test_an_update_delivered_twice_is_acted_on_once(webhook: Webhook) -> None:
    emulator, bot = webhook.emulator, webhook.bot
    emulator.faults.duplicate_webhook(every=1)  # Telegram POSTs every update again after the 200
    ann = emulator.user(7002, "Ann", language_code="en")
    await ann.send_text("/start")
    with trio.fail_after(10):
        [menu] = await ann.wait_messages(1)
        await emulator.wait_webhook_attempts(2)

    button = next(b for row in menu.buttons for b in row if b.callback_data)
    assert button.callback_data is not None
    tap = await ann.tap(menu.message_id, button.callback_data)
    with trio.fail_after(10):
        await tap.wait_answered()
        await ann.wait_until(lambda messages: bool(messages[0].edits))
        await emulator.wait_webhook_attempts(4)
    await wait_settled(bot)

    # And by hand: the exact body of the first update, with the right secret.
    first = of_type(await webhook.events(), UpdateReceived)[0]
    assert (await webhook.post(first.body.encode())).status_code == 200
    await wait_settled(bot)

    events = await webhook.events()
    assert [e.kind for e in of_type(events, UpdateReceived)] == ["message", "callback_query"]
    assert len(of_type(events, CallbackAccepted)) == 1
    assert len(of_type(events, UiRendered)) == 2 == len(of_type(events, DispatchOk))
    [message] = ann.messages()
    assert message.message_id == menu.message_id and len(message.edits) == 1
    assert emulator.statistics().webhook.delivered == 4
    assert bot.receiver.statistics().duplicates == 3
    # A redelivered tap this process already answered is not answered again (Telegram would refuse it).
    callbacks = emulator.callback_statistics()
    assert (callbacks.total, callbacks.unanswered, callbacks.rejected_answers) == (1, 0, 0), callbacks
    assert bot.receiver.answers.statistics().repeated >= 1
    problems = audit_log(events) + audit_requests(emulator, [ann], events)
    assert not problems, problems


async def test_a_429_storm_delays_screens_and_loses_none(webhook: Webhook) -> None:
    emulator, bot = webhook.emulator, webhook.bot
    ann = emulator.user(7003, "Ann", language_code="en")
    walker = ScriptedUser(ann, wait=15.0)
    await walker.say("/start")

    def storm() -> None:
        """Every message sent or edited in the next two seconds is refused with 429, retry after 1 s."""
        emulator.faults.clear()
        for method in ("sendMessage", "editMessageText"):
            emulator.faults.rate_limit(method, seconds=2.0, retry_after=1)

    # Five screens typed in a row, into a storm.
    storm()
    commands = ["/help", "/balance", "/history", "/lang", "/menu"]
    for command in commands:
        await ann.send_text(command)
    with trio.fail_after(20):
        await ann.wait_messages(1 + len(commands))

    # Then a walk by buttons (each tap edits the message), into another storm.
    storm()
    category = REGISTRY.categories()[0]
    await walker.tap_action(OpenCategory, category=category)
    await walker.tap_action(OpenModel, model_id=REGISTRY.models_in(category)[0].id)
    await walker.tap_action(GoBack)
    await walker.tap_action(GoBack)
    await wait_settled(bot, timeout=20)

    events = await webhook.events()
    screens = [e.screen for e in of_type(events, UiRendered)]
    assert screens == ["menu", "help", "balance", "history", "language", "menu", "category", "model", "category",
                       "menu"], screens
    assert_every_screen_arrived_in_order(ann.messages(), events)

    delayed = assert_retried_until_delivered(events)
    assert len(delayed) >= 2, delayed  # the first /help, and at least one edit
    outbox = bot.outbox.statistics()
    assert outbox.rate_limited >= 2 and outbox.failed == 0, outbox
    assert all(request.status in (200, 429) for request in emulator.requests), [
        (r.method, r.status) for r in emulator.requests if r.status not in (200, 429)
    ]
    problems = audit_log(events) + audit_requests(emulator, [ann], events, tolerate=lambda _, status: status == 429)
    assert not problems, problems


def assert_every_screen_arrived_in_order(messages: list[BotMessage], events: list[RecordedEvent]) -> None:
    """Each message went through exactly the screens delivered to it, in the log's order."""
    rendered = {r.event.dispatch_id: r.event for r in events if isinstance(r.event, UiRendered)}
    delivered: dict[int, list[str]] = {}
    for recorded in events:
        if isinstance(recorded.event, DispatchOk) and recorded.event.message_id is not None:
            ui = rendered[recorded.event.dispatch_id]
            delivered.setdefault(recorded.event.message_id, []).append(parse_html(ui.text)[0])
    assert sorted(delivered) == [m.message_id for m in messages], (delivered, messages)
    for message in messages:
        versions = [version.text for version in message.edits] + [message.text]
        assert versions == delivered[message.message_id], message.message_id
    assert len(rendered) == sum(len(screens) for screens in delivered.values())


def assert_retried_until_delivered(events: list[RecordedEvent]) -> dict[str, int]:
    """Every 429 is recorded as a non-final failure with ``retry_after``, before the same dispatch's DispatchOk.

    Returns how many times each delayed dispatch was refused.
    """
    refusals: dict[str, int] = {}
    delivered: set[str] = set()
    for recorded in events:
        event = recorded.event
        if isinstance(event, DispatchFailed):
            assert (event.error_code, event.final, event.retry_after) == (429, False, 1.0), event
            assert event.dispatch_id not in delivered, f"{event.dispatch_id} failed after it was delivered"
            refusals[event.dispatch_id] = refusals.get(event.dispatch_id, 0) + 1
        elif isinstance(event, DispatchOk):
            assert event.attempts == refusals.get(event.dispatch_id, 0) + 1, (event, refusals)
            delivered.add(event.dispatch_id)
    assert set(refusals) <= delivered, refusals
    return refusals


async def test_every_429_of_a_storm_is_recorded_even_across_a_restart(log_target: str) -> None:
    """The log must show each refusal Telegram gave, also when the bot restarted in the middle of the storm.

    Failures are named ``dispatch:<id>:fail:<attempt>``: were attempts numbered from 1
    again in the new run, its refusals would reuse the old run's event ids and the log
    would drop them as duplicates (and ``DispatchOk.attempts`` would count one run only).
    """
    async with bot_process(log_target, webhook_secret=SECRET, port=free_port()) as process:
        emulator = process.emulator
        ann = emulator.user(7004, "Ann", language_code="en")
        await ann.send_text("/start")
        with trio.fail_after(10):
            await ann.wait_messages(1)
        emulator.faults.rate_limit("sendMessage", seconds=2.5, retry_after=1)
        await ann.send_text("/help")
        with trio.fail_after(10):
            while not of_type(await process.bot.log.read_from(1), DispatchFailed):
                await process.bot.log.wait_committed()
        await process.restart()  # within the storm: the new run is refused too
        with trio.fail_after(15):
            await ann.wait_messages(2)
        await wait_settled(process.bot)

        events = await process.bot.log.read_from(1, limit=100_000)
        refused = [r for r in emulator.requests_for("sendMessage") if r.status == 429]
        failures = of_type(events, DispatchFailed)
        assert len(refused) >= 2 and all(f.error_code == 429 and not f.final for f in failures), failures
        assert len(failures) == len(refused), (
            f"Telegram refused {len(refused)} sends, the log recorded {len(failures)}: {failures}"
        )
        help_screen = next(ok for ok in of_type(events, DispatchOk) if ok.dispatch_id == failures[0].dispatch_id)
        assert help_screen.attempts == len(refused) + 1, help_screen


async def test_a_final_refusal_after_a_restart_is_recorded(log_target: str) -> None:
    """A send refused with 429, the bot restarted, then refused for good (403): the log must end the dispatch.

    With attempts numbered from 1 in every run (the cause the test above guards against),
    the new run's ``fail:1`` would be dropped as a duplicate of the old run's: the 403
    would be missing from the log and the dispatch would look pending for ever.
    """
    async with bot_process(log_target, webhook_secret=SECRET, port=free_port()) as process:
        emulator = process.emulator
        ann = emulator.user(7005, "Ann", language_code="en")
        await ann.send_text("/start")
        with trio.fail_after(10):
            await ann.wait_messages(1)
        emulator.faults.rate_limit("sendMessage", seconds=5.0, retry_after=1)
        await ann.send_text("/help")
        with trio.fail_after(10):
            while not of_type(await process.bot.log.read_from(1), DispatchFailed):
                await process.bot.log.wait_committed()
        await process.stop()
        emulator.faults.clear()
        ann.block_bot()
        await process.start()
        with trio.fail_after(10):
            while not emulator.requests_for("sendMessage")[-1].status == 403:
                await emulator.wait_request("sendMessage")
        await wait_settled(process.bot)

        failures = of_type(await process.bot.log.read_from(1, limit=100_000), DispatchFailed)
        assert [(f.error_code, f.final) for f in failures] == [(429, False), (403, True)], failures
