"""The client against the emulator over real HTTP: whole task lifecycles, files, account."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from trt_actors.kie import (
    KieClient,
    SignatureVerdict,
    TaskState,
    ValidationError,
    parse_callback,
    verify_signature,
)
from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.kie import KieEmulator, Script, WireState

from tests.kie.conftest import HMAC_KEY, CallbackReceiver

W, Q, G, S = TaskState.WAITING, TaskState.QUEUING, TaskState.GENERATING, TaskState.SUCCESS

LIFECYCLES = [
    pytest.param(
        "google/nano-banana", {"prompt": "a red fox", "aspect_ratio": "1:1"},
        Script(waiting=2, generating=1, price=4), [W, W, G, S], "image/png", id="image",
    ),
    pytest.param(
        "kling-3.0/video", {"prompt": "a fox runs", "duration": "5", "sound": False},
        Script(waiting=1, queuing=1, generating=3, price=110), [W, Q, G, G, G, S], "video/mp4", id="video",
    ),
    pytest.param(
        "elevenlabs/text-to-speech-turbo-2-5", {"text": "Привет, мир", "voice": "EkK5I93UQWFDigLMpZcX"},
        Script(waiting=0, generating=2, price=6.5), [G, G, S], "audio/mpeg", id="speech",
    ),
]


def _looks_like(mime: str, content: bytes) -> bool:
    if mime == "image/png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if mime == "video/mp4":
        return content[4:8] == b"ftyp"
    return content[:2] == b"\xff\xfb"


@pytest.mark.parametrize("model, task_input, script, states, mime", LIFECYCLES)
async def test_whole_lifecycle(
    emu: KieEmulator,
    kie: KieClient,
    http: httpx.AsyncClient,
    clock: VirtualClock,
    receiver: CallbackReceiver,
    model: str,
    task_input: dict[str, Any],
    script: Script,
    states: list[TaskState],
    mime: str,
) -> None:
    emu.script(model, script)
    balance = await kie.credit()

    created = await kie.create_task(model, task_input, callback_url=receiver.url)
    assert re.fullmatch(r"[0-9a-f]{32}", created.task_id)
    assert created.model == model

    seen = []
    while True:
        info = await kie.record_info(created.task_id)
        seen.append(info.state)
        if info.state.is_terminal:
            break
        assert info.result_urls == () and info.completed_at_ms is None
    assert seen == states
    assert info.model == model and info.input == task_input  # double-encoded param round-trips
    assert info.created_at_ms == int(clock.now() * 1000)
    assert info.fail_code is None and info.fail_msg is None

    [url] = info.result_urls
    fetched = await http.get(url)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == mime
    assert _looks_like(mime, fetched.content)
    link = await kie.download_url(url)
    assert (await http.get(link)).content == fetched.content

    assert await kie.credit() == pytest.approx(balance - script.price)

    await receiver.wait_received(1)
    request = receiver.received[0]
    callback = parse_callback(request.body)
    assert callback.code == 200 and callback.task.task_id == created.task_id
    assert callback.task.state is TaskState.SUCCESS and callback.task.result_urls == (url,)
    assert callback.task.credits_consumed == script.price
    assert callback.task.credits_remaining == pytest.approx(balance - script.price)
    verdict = verify_signature(
        HMAC_KEY, task_id=created.task_id, timestamp=request.headers.get("x-webhook-timestamp"),
        signature=request.headers.get("x-webhook-signature"), now=clock.now(),
    )
    assert verdict is SignatureVerdict.VALID


async def test_a_failed_generation_reports_its_code(emu: KieEmulator, kie: KieClient) -> None:
    emu.script("google/nano-banana", Script(waiting=1, generating=0, outcome=WireState.FAIL,
                                            fail_code="500", fail_msg="Internal server error"))
    created = await kie.create_task("google/nano-banana", {"prompt": "x"})
    assert (await kie.record_info(created.task_id)).state is TaskState.WAITING
    info = await kie.record_info(created.task_id)
    assert info.state is TaskState.FAIL
    assert (info.fail_code, info.fail_msg, info.result_urls) == ("500", "Internal server error", ())


async def test_progress_on_the_clock_without_polling(
    emu: KieEmulator, kie: KieClient, clock: VirtualClock, receiver: CallbackReceiver
) -> None:
    emu.script("google/nano-banana", Script(waiting=5, generating=5, stage_seconds=4.0))
    created = await kie.create_task("google/nano-banana", {"prompt": "x"}, callback_url=receiver.url)
    await clock.advance(4.0)
    assert (await kie.record_info(created.task_id)).state is TaskState.GENERATING
    assert receiver.received == []
    await clock.advance(4.0)
    await receiver.wait_received(1)
    info = await kie.record_info(created.task_id)
    assert info.state is TaskState.SUCCESS and info.cost_time == 8


async def test_uploads_stream_base64_and_url(emu: KieEmulator, kie: KieClient, http: httpx.AsyncClient) -> None:
    photo = b"\xff\xd8\xff\xe0 pretend jpeg bytes"
    streamed = await kie.upload_stream(photo, file_name="cat.jpg", upload_path="images/user-uploads",
                                       mime_type="image/jpeg")
    assert streamed.download_url.startswith(emu.upload_base)
    assert (streamed.file_name, streamed.size, streamed.mime_type) == ("cat.jpg", len(photo), "image/jpeg")
    assert streamed.file_path == "kieai/100000/images/user-uploads/cat.jpg"
    assert (await http.get(streamed.download_url)).content == photo

    encoded = await kie.upload_base64(b"Hello World", upload_path="documents", file_name="hello.txt",
                                      mime_type="text/plain")
    assert (encoded.size, encoded.mime_type) == (11, "text/plain")
    assert (await http.get(encoded.download_url)).content == b"Hello World"

    copied = await kie.upload_from_url(streamed.download_url, upload_path="/images/copies/")
    assert copied.file_name == "cat.jpg" and copied.size == len(photo)
    assert (await http.get(copied.download_url)).content == photo


async def test_download_url_refuses_foreign_urls_and_links_expire(
    emu: KieEmulator, kie: KieClient, http: httpx.AsyncClient, clock: VirtualClock
) -> None:
    emu.script("google/nano-banana", Script(waiting=0, generating=0))
    created = await kie.create_task("google/nano-banana", {"prompt": "x"})
    [url] = (await kie.record_info(created.task_id)).result_urls
    with pytest.raises(ValidationError, match="url is wrong"):
        await kie.download_url("https://cdn.kie.ai/files/sample-test-file.mp4")
    link = await kie.download_url(url)
    assert (await http.get(link)).status_code == 200
    await clock.advance(20 * 60 + 1)
    assert (await http.get(link)).status_code == 403
