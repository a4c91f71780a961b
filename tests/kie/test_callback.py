"""Callback signatures (good, bad, stale) and callback bodies, including ones the emulator sent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trt_actors.kie import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    HttpCaller,
    KieClient,
    KieProtocolError,
    SignatureVerdict,
    TaskState,
    parse_callback,
    sign_callback,
    verify_signature,
)
from trt_actors.sandbox.clock import VirtualClock
from trt_actors.sandbox.kie import KieEmulator, Script
from trt_actors.sandbox.kie.callbacks import webhook_signature
from trt_actors.secret import Secret

from tests.kie.conftest import HMAC_KEY, CallbackReceiver

TASK = "e989f1c2a0b34d5e8f7a6b5c4d3e2f10"
NOW = 1_767_225_600


def test_signature_is_the_documented_scheme() -> None:
    expected = base64.b64encode(
        hmac.new(b"key", f"{TASK}.{NOW}".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign_callback("key", TASK, NOW) == expected
    assert sign_callback(Secret("key"), TASK, NOW) == sign_callback(b"key", TASK, NOW)


def test_good_bad_stale_missing() -> None:
    good = sign_callback(HMAC_KEY, TASK, NOW)

    def check(timestamp: str | None, signature: str | None, now: float = NOW + 2) -> SignatureVerdict:
        return verify_signature(HMAC_KEY, task_id=TASK, timestamp=timestamp, signature=signature, now=now)

    assert check(str(NOW), good) is SignatureVerdict.VALID
    assert check(str(NOW), good).ok
    assert check(str(NOW), sign_callback("another key", TASK, NOW)) is SignatureVerdict.BAD_SIGNATURE
    assert check(str(NOW + 1), good) is SignatureVerdict.BAD_SIGNATURE  # timestamp is signed
    assert verify_signature(HMAC_KEY, task_id="x" * 32, timestamp=str(NOW), signature=good,
                            now=NOW) is SignatureVerdict.BAD_SIGNATURE
    assert check(str(NOW), good, now=NOW + 301) is SignatureVerdict.STALE
    assert check(str(NOW), good, now=NOW - 301) is SignatureVerdict.STALE  # from the future
    assert check(None, good) is SignatureVerdict.MISSING
    assert check(str(NOW), None) is SignatureVerdict.MISSING
    assert check("17e8", good) is SignatureVerdict.MALFORMED
    assert not check(str(NOW), "not base64 at all ✓").ok


@given(st.text(min_size=1, max_size=40), st.integers(min_value=0, max_value=2**40))
def test_any_signature_round_trips(task_id: str, stamp: int) -> None:
    signature = sign_callback(HMAC_KEY, task_id, stamp)
    assert verify_signature(HMAC_KEY, task_id=task_id, timestamp=str(stamp), signature=signature,
                            now=stamp).ok


@given(st.text(max_size=24), st.text(min_size=1, max_size=40), st.integers(min_value=0, max_value=2**40))
def test_the_client_accepts_the_signature_the_emulator_makes_on_its_own(key: str, task_id: str, stamp: int) -> None:
    """Two independent readings of KIE's contract (the emulator's and the client's) must agree."""
    emulated = webhook_signature(key, task_id, stamp)
    documented = base64.b64encode(hmac.new(key.encode(), f"{task_id}.{stamp}".encode(), hashlib.sha256).digest())
    assert emulated == documented.decode()
    assert verify_signature(key, task_id=task_id, timestamp=str(stamp), signature=emulated, now=stamp).ok
    assert verify_signature(key + "?", task_id=task_id, timestamp=str(stamp), signature=emulated,
                            now=stamp) is SignatureVerdict.BAD_SIGNATURE
    assert verify_signature(key, task_id=task_id, timestamp=str(stamp + 1), signature=emulated,
                            now=stamp) is SignatureVerdict.BAD_SIGNATURE


def test_parse_documented_success_and_fail_bodies() -> None:
    success = {
        "code": 200, "msg": "Playground task completed successfully.",
        "data": {"taskId": TASK, "model": "google/nano-banana", "state": "success",
                 "param": json.dumps({"model": "google/nano-banana", "input": {"prompt": "a cat"}}),
                 "resultJson": json.dumps({"resultUrls": ["https://tempfile.aiquickdraw.com/a.png"]}),
                 "failCode": None, "failMsg": None, "consumeCredits": 100, "remainedCredits": 2510330,
                 "costTime": 8, "createTime": 1755599634000, "completeTime": 1755599644000,
                 "updateTime": 1755599644000, "someNewField": {"x": 1}},
    }
    callback = parse_callback(json.dumps(success).encode())
    assert callback.code == 200 and callback.task.state is TaskState.SUCCESS
    assert callback.task.input == {"prompt": "a cat"}  # single-encoded input is read too
    assert callback.task.result_urls == ("https://tempfile.aiquickdraw.com/a.png",)
    assert (callback.task.credits_consumed, callback.task.credits_remaining) == (100, 2510330)

    failed = {"code": 501, "message": "Playground task failed.",
              "data": {"task_id": TASK, "state": "fail", "failCode": 500, "failMsg": "Internal server error",
                       "resultJson": "", "consumeCredits": 0}}
    callback = parse_callback(json.dumps(failed).encode())
    assert (callback.code, callback.message) == (501, "Playground task failed.")
    assert callback.task.task_id == TASK and callback.task.state is TaskState.FAIL
    assert (callback.task.fail_code, callback.task.credits_consumed) == ("500", 0)


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"code":200}', b'{"data":{"state":"success"}}'])
def test_unreadable_bodies_are_protocol_errors(body: bytes) -> None:
    with pytest.raises(KieProtocolError):
        parse_callback(body)


async def test_emulator_callbacks_verify_and_stale_ones_do_not(
    emu: KieEmulator, kie: KieClient, clock: VirtualClock, receiver: CallbackReceiver
) -> None:
    emu.script("google/nano-banana", Script(waiting=0, generating=0))
    created = await kie.create_task("google/nano-banana", {"prompt": "x"}, callback_url=receiver.url)
    await receiver.wait_received(1)
    request = receiver.received[0]
    callback = parse_callback(request.body)
    # The client's header names find what the emulator sent (headers arrive lower-cased).
    stamp = request.headers.get(TIMESTAMP_HEADER.lower())
    signature = request.headers.get(SIGNATURE_HEADER.lower())
    assert stamp == str(int(clock.now())) and signature
    task_id = callback.task.task_id
    assert task_id == created.task_id

    def check(key: str) -> SignatureVerdict:
        return verify_signature(key, task_id=task_id, timestamp=stamp, signature=signature, now=clock.now())

    assert check(HMAC_KEY) is SignatureVerdict.VALID
    assert check("wrong key") is SignatureVerdict.BAD_SIGNATURE
    await clock.advance(301)
    assert check(HMAC_KEY) is SignatureVerdict.STALE


async def test_no_secret_no_signature_headers(http: httpx.AsyncClient, receiver: CallbackReceiver) -> None:
    async with KieEmulator.serve(api_key="k", clock=VirtualClock()) as plain:
        plain.script("google/nano-banana", Script(waiting=0, generating=0))
        client = KieClient(HttpCaller(http, api_base=plain.api_base, upload_base=plain.upload_base,
                                      api_key=Secret("k")))
        await client.create_task("google/nano-banana", {"prompt": "x"}, callback_url=receiver.url)
        await receiver.wait_received(1)
    assert "x-webhook-signature" not in receiver.received[0].headers
