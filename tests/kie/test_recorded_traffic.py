"""Every recorded KIE response the client can receive is served back to it, byte for byte, and parses.

An ``httpx.MockTransport`` replays the recorded status and body for each
request (and checks the client sent the recorded method, URL and, for JSON
bodies, the recorded request). Reads the full recording when it is present;
otherwise the shapes kept in ``fixtures/kie_shapes.jsonl``.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from trt_actors.kie import HttpCaller, KieApiError, KieClient, TaskState
from trt_actors.secret import Secret

from tests.kie.recorded import FIXTURE, FULL_RECORDING, Exchange, facts_of, load, shape_key

REAL_API = "https://api.kie.ai"
REAL_UPLOAD = "https://kieai.redpandaai.co"


def _sources() -> list[tuple[str, list[Exchange]]]:
    sources = [("fixture", load(FIXTURE))]
    if FULL_RECORDING.is_file():
        sources.append(("full", load(FULL_RECORDING)))
    return sources


class Replay:
    """A transport that answers the next request with one recorded response."""

    def __init__(self) -> None:
        self.exchange: Exchange | None = None
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        exchange = self.exchange
        assert exchange is not None
        self.sent.append(request)
        expected = urlsplit(exchange.url)
        assert request.method == exchange.method
        assert (request.url.scheme, request.url.host, request.url.path) == (
            expected.scheme, expected.hostname, expected.path.replace("/generate/record-info", "/jobs/recordInfo"),
        )
        return httpx.Response(exchange.status, content=exchange.response_body.encode("utf-8"))


async def _call(client: KieClient, exchange: Exchange) -> Any:
    sent = exchange.request_json
    if exchange.endpoint == "createTask":
        return await client.create_task(sent["model"], sent["input"], callback_url=sent.get("callBackUrl"))
    if exchange.endpoint == "recordInfo":
        return await client.record_info(exchange.query["taskId"])
    if exchange.endpoint == "credit":
        return await client.credit()
    if exchange.endpoint == "download-url":
        return await client.download_url(sent["url"])
    if exchange.endpoint == "file-base64-upload":
        return await client.upload_base64(
            base64.b64decode(sent["base64Data"]), upload_path=sent["uploadPath"],
            file_name=sent.get("fileName"), mime_type=sent.get("mimeType"),
        )
    # Some recordings did not keep the multipart request; any file will do then.
    sent = sent or {"file": {"filename": "upload.bin", "contentType": "image/jpeg"}, "uploadPath": "images"}
    part = sent["file"]
    return await client.upload_stream(
        b"\x00" * 16, file_name=part["filename"], upload_path=sent["uploadPath"], mime_type=part["contentType"]
    )


def _facts(endpoint: str, value: Any) -> dict[str, Any]:
    if isinstance(value, KieApiError):
        return {"error": type(value).__name__, "code": value.code}
    if endpoint == "createTask":
        return {"task_id": value.task_id}
    if endpoint == "recordInfo":
        return {
            "task_id": value.task_id,
            "model": value.model,
            "state": value.state.value,
            "result_urls": list(value.result_urls),
            "fail_code": value.fail_code,
            "fail_msg": value.fail_msg,
            "cost_time": None if value.cost_time is None else int(value.cost_time),
            "created_at_ms": value.created_at_ms,
            "input_keys": sorted(value.input),
        }
    if endpoint == "credit":
        return {"credit": value}
    if endpoint == "download-url":
        return {"url": value}
    return {"download_url": value.download_url, "size": value.size, "mime_type": value.mime_type,
            "file_name": value.file_name}


@pytest.mark.parametrize("source", [name for name, _ in _sources()])
async def test_every_recorded_response_parses(source: str) -> None:
    exchanges = dict(_sources())[source]
    replay = Replay()
    async with httpx.AsyncClient(transport=httpx.MockTransport(replay)) as http:
        client = KieClient(HttpCaller(http, api_base=REAL_API, upload_base=REAL_UPLOAD, api_key=Secret("k")))
        states: set[TaskState] = set()
        for exchange in exchanges:
            replay.exchange = exchange
            try:
                value: Any = await _call(client, exchange)
            except KieApiError as error:
                value = error
            expected = facts_of(exchange)
            if exchange.expect is not None:
                assert exchange.expect == expected, "the fixture disagrees with its own response"
            assert _facts(exchange.endpoint, value) == expected, exchange.url
            if exchange.endpoint == "createTask":
                assert json.loads(replay.sent[-1].content) == exchange.request_json
            if exchange.endpoint == "file-base64-upload":
                assert json.loads(replay.sent[-1].content) == exchange.request_json
            if exchange.endpoint == "recordInfo" and not isinstance(value, KieApiError):
                states.add(value.state)
                if value.state is TaskState.SUCCESS:
                    assert value.result_urls and value.completed_at_ms is not None
                else:
                    assert value.result_urls == () and value.cost_time is None
    assert replay.sent, "no exchange was replayed"
    assert {TaskState.WAITING, TaskState.GENERATING, TaskState.SUCCESS} <= states
    if source == "full":
        counts = Counter(e.endpoint for e in exchanges)
        assert counts == {"recordInfo": 596, "file-stream-upload": 39, "createTask": 36, "credit": 4,
                          "file-base64-upload": 2, "download-url": 1}


def test_fixture_is_small_and_drawn_from_the_recording() -> None:
    assert FIXTURE.stat().st_size < 200_000
    kept = load(FIXTURE)
    assert {e.endpoint for e in kept} == {
        "createTask", "recordInfo", "credit", "download-url", "file-stream-upload", "file-base64-upload",
    }
    if not FULL_RECORDING.is_file():
        pytest.skip("the full recording is not present")
    full = load(FULL_RECORDING)
    full_bodies = {(e.url, e.response_body) for e in full}
    assert all((e.url, e.response_body) in full_bodies for e in kept)
    assert {shape_key(e) for e in full} == {shape_key(e) for e in kept}, "regenerate: python -m tests.kie.recorded"
