"""The emulator's own behaviour: rate limit, callback delivery (duplicate, late, never, retried), billing."""

from __future__ import annotations

import json
import struct
import zlib

import httpx
import pytest

from trt_actors.kie import (
    CallerStatistics,
    HttpCaller,
    InsufficientCreditsError,
    KieApiError,
    KieClient,
    RateLimitedError,
    TaskNotFoundError,
    TaskState,
    ValidationError,
    parse_callback,
)
from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.kie import KieEmulator, MediaKind, Route, Script, WireState, media_bytes, media_kind_for
from trt_actors.sandbox.kie.callbacks import MAX_RETRIES

from tests.kie.conftest import API_KEY, CallbackReceiver
from tests.kie.recorded import FIXTURE, load

MODEL = "google/nano-banana"
INSTANT = Script(waiting=0, generating=0)


async def test_twenty_creates_per_ten_seconds(emu: KieEmulator, kie: KieClient, clock: VirtualClock) -> None:
    for _ in range(20):
        await kie.create_task(MODEL, {"prompt": "x"})
    await clock.advance(9.9)
    with pytest.raises(RateLimitedError) as caught:
        await kie.create_task(MODEL, {"prompt": "x"})
    assert caught.value.retryable
    assert emu.statistics().tasks == 20  # the refused request was not queued
    await clock.advance(0.1)
    await kie.create_task(MODEL, {"prompt": "x"})
    stats = emu.statistics()
    assert (stats.tasks, stats.rate_limited) == (21, 1)


async def test_duplicate_callbacks(emu: KieEmulator, kie: KieClient, receiver: CallbackReceiver) -> None:
    emu.script(MODEL, Script(waiting=0, generating=0, callbacks=2))
    created = await kie.create_task(MODEL, {"prompt": "x"}, callback_url=receiver.url)
    await emu.wait_callback_attempts(2)
    first, second = (parse_callback(r.body) for r in receiver.received)
    assert first == second and first.task.task_id == created.task_id
    assert [a.delivery for a in emu.callback_attempts] == [1, 2]
    emu.send_callback_again(created.task_id)  # and a third, much later
    await emu.wait_callback_attempts(3)
    assert parse_callback(receiver.received[2].body) == first
    assert [a.delivery for a in emu.callback_attempts] == [1, 2, 3]
    with pytest.raises(ValueError):
        emu.send_callback_again("0" * 32)


async def test_late_callback(
    emu: KieEmulator, kie: KieClient, clock: VirtualClock, receiver: CallbackReceiver
) -> None:
    emu.script(MODEL, Script(waiting=1, generating=0, callback_delay=120.0))
    created = await kie.create_task(MODEL, {"prompt": "x"}, callback_url=receiver.url)
    await kie.record_info(created.task_id)
    assert (await kie.record_info(created.task_id)).state is TaskState.SUCCESS
    await clock.advance(119.0)
    assert receiver.received == []  # the task is done, the callback is not here yet
    await clock.advance(1.0)
    await emu.wait_callback_attempts(1)
    assert len(receiver.received) == 1
    assert emu.callback_attempts[0].at == emu.tasks[created.task_id].completed_at + 120.0  # type: ignore[operator]


async def test_callback_that_never_comes(
    emu: KieEmulator, kie: KieClient, clock: VirtualClock, receiver: CallbackReceiver
) -> None:
    emu.script(MODEL, Script(waiting=0, generating=0, callbacks=0))
    created = await kie.create_task(MODEL, {"prompt": "x"}, callback_url=receiver.url)
    await emu.wait_task_state(created.task_id, WireState.SUCCESS)
    await clock.advance(3600)
    assert receiver.received == [] and emu.callback_attempts == []


async def test_failed_callbacks_are_retried_then_delivered(
    emu: KieEmulator, kie: KieClient, clock: VirtualClock, receiver: CallbackReceiver
) -> None:
    emu.script(MODEL, INSTANT)
    receiver.fail_next = 2
    await kie.create_task(MODEL, {"prompt": "x"}, callback_url=receiver.url)
    await emu.wait_callback_attempts(1)
    for count in (2, 3):
        await clock.advance(5.0)
        await emu.wait_callback_attempts(count)
    assert [a.status for a in emu.callback_attempts] == [500, 500, 200]
    assert [a.attempt for a in emu.callback_attempts] == [1, 2, 3]
    assert receiver.received[0].body == receiver.received[2].body


async def test_callbacks_stop_after_three_failed_retries(
    emu: KieEmulator, kie: KieClient, clock: VirtualClock, receiver: CallbackReceiver
) -> None:
    emu.script(MODEL, INSTANT)
    receiver.fail_next = 100
    await kie.create_task(MODEL, {"prompt": "x"}, callback_url=receiver.url)
    await emu.wait_callback_attempts(1)
    for count in range(2, MAX_RETRIES + 2):
        await clock.advance(5.0)
        await emu.wait_callback_attempts(count)
    await clock.advance(600.0)
    assert len(emu.callback_attempts) == 1 + MAX_RETRIES == 4
    assert not any(a.ok for a in emu.callback_attempts)
    assert emu.statistics().callback_attempts_failed == 4


async def test_an_unreachable_callback_url_is_retried_too(
    emu: KieEmulator, kie: KieClient, clock: VirtualClock
) -> None:
    emu.script(MODEL, INSTANT)
    await kie.create_task(MODEL, {"prompt": "x"}, callback_url="http://127.0.0.1:9/cb")
    await emu.wait_callback_attempts(1)
    await clock.advance(5.0)
    await emu.wait_callback_attempts(2)
    assert emu.callback_attempts[0].status is None and emu.callback_attempts[0].error


async def test_balance_is_charged_on_success_only(
    emu: KieEmulator, kie: KieClient, receiver: CallbackReceiver
) -> None:
    emu.balance = 100.25
    emu.script("good/model", Script(waiting=1, generating=0, price=12.5))
    emu.script("bad/model", Script(waiting=1, generating=0, price=30, outcome=WireState.FAIL))
    good = await kie.create_task("good/model", {"prompt": "x"}, callback_url=receiver.url)
    bad = await kie.create_task("bad/model", {"prompt": "x"}, callback_url=receiver.url)
    assert await kie.credit() == 100.25  # nothing is charged at create
    for task in (good, bad):
        await kie.record_info(task.task_id)
        await kie.record_info(task.task_id)
    assert await kie.credit() == pytest.approx(87.75)
    await receiver.wait_received(2)
    by_task = {c.task.task_id: c for c in (parse_callback(r.body) for r in receiver.received)}
    assert (by_task[good.task_id].code, by_task[good.task_id].task.credits_consumed) == (200, 12.5)
    assert (by_task[bad.task_id].code, by_task[bad.task_id].task.credits_consumed) == (501, 0)
    assert by_task[bad.task_id].task.state is TaskState.FAIL


async def test_too_poor_to_start_is_402(emu: KieEmulator, kie: KieClient) -> None:
    emu.balance = 3.0
    emu.script(MODEL, Script(price=4.0))
    with pytest.raises(InsufficientCreditsError):
        await kie.create_task(MODEL, {"prompt": "x"})
    emu.balance = 4.0
    await kie.create_task(MODEL, {"prompt": "x"})


async def test_bad_create_bodies_are_422(emu: KieEmulator, kie: KieClient) -> None:
    with pytest.raises(ValidationError, match="callBackUrl"):
        await kie.create_task(MODEL, {"prompt": "x"}, callback_url="ftp://nope")
    with pytest.raises(ValidationError, match="model"):
        await kie.create_task("", {"prompt": "x"})


async def test_seeded_emulators_repeat_their_ids(kie: KieClient) -> None:
    ids = []
    for _ in range(2):
        async with KieEmulator.serve(seed=3, clock=VirtualClock()) as emulator:
            ids.append(emulator._task_id())  # noqa: SLF001
    assert ids[0] == ids[1] and len(ids[0]) == 32


def test_media_blobs_are_valid() -> None:
    png = media_bytes(MediaKind.IMAGE)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    offset = 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + data) & 0xFFFFFFFF == crc
        offset += 12 + length
    assert kind == b"IEND"

    mp4 = media_bytes(MediaKind.VIDEO)
    boxes, offset = [], 0
    while offset < len(mp4):
        (size,) = struct.unpack(">I", mp4[offset : offset + 4])
        boxes.append(mp4[offset + 4 : offset + 8])
        offset += size
    assert offset == len(mp4) and boxes == [b"ftyp", b"moov", b"mdat"]

    mp3 = media_bytes(MediaKind.AUDIO)
    assert len(mp3) % 417 == 0 and all(mp3[i : i + 2] == b"\xff\xfb" for i in range(0, len(mp3), 417))

    assert media_kind_for("kling-3.0/video") is MediaKind.VIDEO
    assert media_kind_for("elevenlabs/text-to-speech-turbo-2-5") is MediaKind.AUDIO
    assert media_kind_for("nano-banana-pro") is MediaKind.IMAGE


async def test_wire_shapes_follow_real_traffic(emu: KieEmulator, kie: KieClient) -> None:
    real = next(json.loads(e.response_body) for e in load(FIXTURE) if e.endpoint == "recordInfo"
                and json.loads(e.response_body)["data"])
    emu.script(MODEL, Script(waiting=1, generating=0))
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=emu.api_base, headers=headers) as raw:
        payload = {"model": MODEL, "input": {"prompt": "p"}}
        created = (await raw.post("/api/v1/jobs/createTask", json=payload)).json()
        assert created["code"] == 200 and created["data"]["recordId"] == created["data"]["taskId"]
        task_id = created["data"]["taskId"]
        pending = (await raw.get("/api/v1/jobs/recordInfo", params={"taskId": task_id})).json()
        done = (await raw.get("/api/v1/jobs/recordInfo", params={"taskId": task_id})).json()
        unknown = (await raw.get("/api/v1/jobs/recordInfo", params={"taskId": "0" * 32})).json()
        credit = (await raw.get("/api/v1/chat/credit")).json()
    for body in (pending, done):
        assert set(body) == set(real) and set(body["data"]) == set(real["data"])
    data = pending["data"]
    assert (data["resultJson"], data["failCode"], data["costTime"], data["completeTime"]) == ("", None, None, None)
    assert json.loads(json.loads(data["param"])["input"]) == {"prompt": "p"}  # double-encoded, like KIE
    assert json.loads(done["data"]["resultJson"])["resultUrls"][0].startswith(emu.api_base + "/files/")
    assert unknown == {"code": 200, "msg": "success", "data": None}
    assert credit["code"] == 200 and isinstance(credit["data"], float)


async def test_unknown_task_can_answer_404_or_422(emu: KieEmulator, kie: KieClient) -> None:
    for code in (404, 422):
        emu.unknown_task_code = code
        with pytest.raises(TaskNotFoundError) as caught:
            await kie.record_info("c" * 32)
        assert caught.value.code == code


async def test_statistics(emu: KieEmulator, kie: KieClient) -> None:
    emu.script(MODEL, INSTANT)
    created = await kie.create_task(MODEL, {"prompt": "x"})
    await kie.record_info(created.task_id)
    emu.faults.inject(Route.CREDIT, 500)
    with pytest.raises(KieApiError):
        await kie.credit()
    stats = emu.statistics()
    assert (stats.tasks, stats.creates, stats.polls, stats.faults_served) == (1, 1, 1, 1)
    assert isinstance(kie.caller, HttpCaller)
    assert kie.caller.statistics() == CallerStatistics(calls=3, in_flight=0, api_errors=1, network_errors=0)
