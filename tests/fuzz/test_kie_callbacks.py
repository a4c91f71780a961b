"""Fuzzing KIE's callback: forged, mistaken and malformed callbacks get 4xx, and nothing is written.

Per example the whole bot (webhook mode, a KIE webhook HMAC key set) takes
one order that KIE finishes and the bot delivers and charges; then callbacks
are POSTed to ``/kie/callback/<job>/<token>`` with every part wrong in turn:
the job (another one, one that never was), the token (guessed, another
job's, missing, not ASCII), the HMAC headers (missing, another key, another
task, stale, a timestamp that is no number) and the body (not JSON, cut
short, nested thousands deep, no task, a success KIE never reported).

The answer is exactly the one the handler documents (401 for a wrong token
or signature, 400 for a body that is not a callback, 200 for a well-signed
hint), never 5xx; and the log does not change at all: a callback is only a
hint, and this order is long settled.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote
from typing import Any

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.e2e.orders import walk
from tests.e2e.support import REGISTRY, BotProcess, wait_jobs_ended, wait_settled
from tests.fuzz.bot_api import USERS
from tests.fuzz.conftest import FUZZ, fuzzed_bot, ledger_moves, recorded
from trt_actors.actors.jobs import CALLBACK_PATH, callback_token
from trt_actors.config import Secret
from trt_actors.kie import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    KieProtocolError,
    parse_callback,
    sign_callback,
    verify_signature,
)
from trt_actors.sandbox.scripted import ScriptedUser
from trt_actors.session.callback_data import Confirm

KEY = "fuzz-kie-hmac-key"
MODEL = "z-image"


async def ordered(process: BotProcess) -> tuple[str, str]:
    """One order of :data:`MODEL`, delivered and charged; its job id and KIE task id."""
    user = ScriptedUser(process.emulator.user(USERS[0], first_name="Ann", language_code="en"))
    await walk(user, REGISTRY.model(MODEL), {})
    await user.tap_action(Confirm)
    events = await wait_jobs_ended(process.bot)
    (job,) = {r.stream.removeprefix("job:") for r in events if r.stream.startswith("job:")}
    (task,) = process.kie.tasks
    return job, task


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


@st.composite
def callback_body(draw: st.DrawFn, task: str) -> tuple[str, bytes, str | None]:
    """(what it is, the body, the task id it names: None when it is not a callback at all)."""
    record = {"taskId": task, "model": MODEL, "state": "success",
              "resultJson": json.dumps({"resultUrls": ["https://evil.example/x.png"]})}
    what = draw(st.sampled_from(["forged success", "another task", "failed", "not JSON", "cut short", "not an object",
                                 "no task", "nested", "result nested", "random bytes"]))
    match what:
        case "forged success":
            return what, _json({"code": 200, "msg": "done", "data": record}), task
        case "another task":
            other = draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=40).filter(lambda t: t != task))
            return what, _json({"code": 200, "data": {**record, "taskId": other}}), other
        case "failed":
            failed = {**record, "state": "fail", "failMsg": "x"}
            return what, _json({"code": 501, "msg": "failed", "data": failed}), task
        case "not JSON":
            return what, b"{code: 200, data: ", None
        case "cut short":
            whole = _json({"code": 200, "data": record})
            return what, whole[:draw(st.integers(0, len(whole) - 1))], None
        case "not an object":
            return what, _json(draw(st.sampled_from([[record], "x", 1, None, True]))), None
        case "no task":
            return what, _json({"code": 200, "data": draw(st.sampled_from([None, {}, {"state": "success"}, []]))}), None
        case "nested":
            depth = draw(st.integers(2_000, 100_000))
            return what, b'{"data":' + b"[" * depth + b"]" * depth + b"}", None
        case "result nested":
            depth = draw(st.integers(2_000, 100_000))
            return what, _json({"code": 200, "data": {**record, "resultJson": "[" * depth}}), task
    return what, draw(st.binary(max_size=64)), None


NOT_A_TIMESTAMP = st.sampled_from(["\xb2", "\xb9\xb2", "1e9", "-5", "0x10", "١٢", "9" * 5_000, "12345678901234567890"])
"""Header values that are no Unix time in seconds (``²`` is a digit to ``str.isdigit``, not to ``int``).

Headers travel as Latin-1 (:func:`_latin1`), so ``١٢`` (Arabic-Indic digits) arrives as its UTF-8 bytes."""


@st.composite
def signature(draw: st.DrawFn, task: str | None) -> dict[str, str]:
    """Signature headers: right, or wrong in one way; with ``valid`` set when they are right."""
    now = int(time.time())
    how = draw(st.sampled_from(["right", "none", "another key", "another task", "stale", "garbage", "no timestamp",
                                "not a time"]))
    signed_task = task if task is not None else "t"
    match how:
        case "right":
            return {TIMESTAMP_HEADER: str(now), SIGNATURE_HEADER: sign_callback(KEY, signed_task, now), "valid": "1"}
        case "none":
            return {}
        case "another key":
            return {TIMESTAMP_HEADER: str(now), SIGNATURE_HEADER: sign_callback(KEY + "x", signed_task, now)}
        case "another task":
            return {TIMESTAMP_HEADER: str(now), SIGNATURE_HEADER: sign_callback(KEY, signed_task + "x", now)}
        case "stale":
            then = now - draw(st.integers(400, 10**6))
            return {TIMESTAMP_HEADER: str(then), SIGNATURE_HEADER: sign_callback(KEY, signed_task, then)}
        case "garbage":
            return {TIMESTAMP_HEADER: str(now), SIGNATURE_HEADER: draw(st.from_regex(r"[ -~]{1,60}", fullmatch=True))}
        case "no timestamp":
            return {SIGNATURE_HEADER: sign_callback(KEY, signed_task, now)}
    return {TIMESTAMP_HEADER: draw(NOT_A_TIMESTAMP), SIGNATURE_HEADER: sign_callback(KEY, signed_task, now)}


@st.composite
def target(draw: st.DrawFn, job: str, secret: Secret) -> tuple[str, str, bool]:
    """(what it is, the path after the callback prefix, whether its token is the job's own)."""
    how = "right" if draw(st.booleans()) else draw(st.sampled_from(
        ["another job's token", "a job that never was", "guessed", "no token", "not ASCII", "no job"]))
    other = draw(st.from_regex(r"[a-z0-9]{4,16}", fullmatch=True).filter(lambda j: j != job))
    match how:
        case "right":
            return how, f"{job}/{callback_token(secret, job)}", True
        case "another job's token":
            return how, f"{job}/{callback_token(secret, other)}", False
        case "a job that never was":
            return how, f"{other}/{callback_token(secret, other)}", True
        case "guessed":
            return how, f"{job}/{draw(st.from_regex(r'[0-9a-f]{32}', fullmatch=True))}", False
        case "no token":
            return how, job, False
        case "not ASCII":
            token = draw(st.text(st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=32)
                         .filter(lambda t: not t.isascii()))
            return how, f"{job}/{quote(token, safe='')}", False
    return how, "", False


def _latin1(headers: dict[str, str]) -> dict[bytes, bytes]:
    """Header values as bytes on the wire: Latin-1 where it can, else UTF-8 (as a proxy might pass them on),
    without the spaces around them that HTTP drops (and an HTTP client refuses to send)."""
    return {name.encode(): value.encode("latin-1") if all(ord(c) < 256 for c in value) else value.encode()
            for name, value in ((name, value.strip(" \t")) for name, value in headers.items())}


@settings(FUZZ, max_examples=10)
@given(data=st.data())
async def test_forged_and_malformed_kie_callbacks_get_4xx_and_change_nothing(
    data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    async with fuzzed_bot(tmp_path_factory.mktemp("kie"), welcome_credits=1_000, kie_callback_secret=KEY,
                          kie_webhook_hmac_key=Secret(KEY)) as (process, http):
        job, task = await ordered(process)
        before = await recorded(process)
        secret = process.bot.jobs.limits.callback_secret
        for number in range(data.draw(st.integers(1, 12), label="callbacks")):
            where, path, own_token = data.draw(target(job, secret), label=f"target {number}")
            what, body, named = data.draw(callback_body(task), label=f"body {number}")
            headers = data.draw(signature(named), label=f"signature {number}")
            valid = headers.pop("valid", None) is not None
            expected = 401 if not own_token else 400 if named is None else 200 if valid else 401
            response = await http.post(f"{process.bot.http_url}{CALLBACK_PATH}/{path}", content=body,
                                       headers=_latin1(headers))
            assert response.status_code == expected, (where, what, headers, response.status_code, response.text)
            assert KEY not in response.text
        with trio.fail_after(10):
            await wait_settled(process.bot)
        after = await recorded(process)
    assert [r.event_id for r in after] == [r.event_id for r in before]
    assert len(ledger_moves(after)) == len(ledger_moves(before))


DIGITS = st.text(st.characters(categories=["Nd", "No"]) | st.sampled_from("0123456789 "), max_size=30)
"""Texts of digits of any script (``²``, ``١``, ``৪``): what a forger puts in a timestamp header."""


@settings(max_examples=300, deadline=None)
@given(timestamp=DIGITS | st.text(max_size=30) | st.integers(0, 10**6).map(lambda n: "9" * n),
       signature=st.text(max_size=60))
def test_any_signature_headers_get_a_verdict(timestamp: str, signature: str) -> None:
    verdict = verify_signature(KEY, task_id="t", timestamp=timestamp, signature=signature, now=time.time())
    assert not verdict.ok


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=200) | st.integers(1, 200_000).map(lambda depth: b'{"data":' + b"[" * depth)
       | st.integers(1, 200_000).map(lambda depth: _json({"data": {"taskId": "t", "resultJson": "[" * depth}})))
def test_any_callback_body_is_read_or_refused_as_not_kies(body: bytes) -> None:
    try:
        callback = parse_callback(body)
    except KieProtocolError:
        return
    assert callback.task.task_id and callback.task.result_urls == ()
