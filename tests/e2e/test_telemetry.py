"""The telemetry sink: a JSON line per event (never a payload), /ready's mode, and `tail` over the WebSocket or the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import trio
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import TOKEN
from tests.e2e.stores import password_of, with_password
from tests.e2e.support import bot_process, wait_settled
from trt_actors.config import Secret
from trt_actors.sandbox.scripted import ScriptedUser

ROOT = Path(__file__).resolve().parents[2]
ANN = 7301
FEED_TOKEN = "feed-token-0123"
PRIVATE = "my very private prompt about a red fox"


async def test_every_event_is_a_json_line_with_its_latency_and_never_its_payload(
    tmp_path: Path, log_target: str,
) -> None:
    lines_file = tmp_path / "telemetry.jsonl"
    async with bot_process(log_target, telemetry=str(lines_file)) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        await ann.say(PRIVATE)
        await wait_settled(process.bot)
        async with httpx.AsyncClient() as http:
            ready = (await http.get(f"{process.bot.http_url}/ready")).json()
            metrics = (await http.get(f"{process.bot.http_url}/metrics")).text
        recorded = len(await process.bot.log.read_from(1, limit=100_000))
    text = lines_file.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert {"UpdateReceived", "UiRendered", "DispatchOk"} <= {line["type"] for line in lines}
    assert len(lines) >= recorded - 5  # everything after the sink started (the lease's first events before it)
    delivered = [line for line in lines if line["type"] == "DispatchOk" and line.get("chat") == ANN]
    assert delivered and all(0 <= line["latency"] < 10 for line in delivered)
    assert set(lines[0]) <= {"seq", "ts", "type", "stream", "cid", "chat", "user", "latency"}
    assert PRIVATE not in text and "Hello" not in text and TOKEN.split(":")[1] not in text
    assert ready["mode"] == "active" and ready["epoch"] == 1 and ready["checks"]["lease"] is True
    assert 'trt_telemetry_events_total{key="UpdateReceived"}' in metrics


async def _run_tail(*args: str, env: dict[str, str], until: str | None = None) -> tuple[trio.Process, list[str]]:
    process = await trio.lowlevel.open_process([sys.executable, "main.py", "tail", *args], cwd=ROOT, env=env,
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    seen = b""
    if until is not None:
        with trio.fail_after(20):
            while until.encode() not in seen:
                chunk = await process.stdout.receive_some()
                assert chunk, seen
                seen += chunk
    return process, [seen.decode()]


async def _rest(process: trio.Process, lines: list[str]) -> list[str]:
    assert process.stdout is not None
    with trio.fail_after(20):
        rest = b""
        while chunk := await process.stdout.receive_some():
            rest += chunk
        await process.wait()
    return [line for line in ("".join(lines) + rest.decode()).splitlines() if line.strip()]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KIE_", "WEBHOOK_", "TRT_", "EVENTS"))}
    env.update(extra)
    return env


@pytest.mark.parametrize("source", ["websocket", "file"])
async def test_tail_follows_a_chat_live_from_the_bot_or_from_the_log_file(log_target: str, source: str) -> None:
    db = with_password(log_target, "tail-secret")  # a URL with a password, which tail must never print
    async with bot_process(db, events_token=Secret(FEED_TOKEN)) as process:
        url = process.bot.http_url if source == "websocket" else "http://127.0.0.1:9"
        tail, lines = await _run_tail("--url", url, "--db", db, "--chat", str(ANN), "--json", "--count", "4",
                                      env=_env(EVENTS_TOKEN=FEED_TOKEN), until="Ctrl-C stops")
        assert ("a running bot" if source == "websocket" else "following the log") in lines[-1]
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        lines = await _rest(tail, lines)
    assert tail.returncode == 0
    secret = password_of(db)
    assert secret is None or not any(secret in line for line in lines), lines[0]
    feed = [json.loads(line) for line in lines[1:]]
    assert len(feed) == 4 and {line["chat"] for line in feed} == {ANN}
    assert feed[0]["type"] == "UpdateReceived"


async def test_tail_with_a_wrong_token_is_refused(log_target: str) -> None:
    async with bot_process(log_target, events_token=Secret(FEED_TOKEN)) as process:
        tail, _ = await _run_tail("--url", process.bot.http_url, env=_env(EVENTS_TOKEN="guess"))
        lines = await _rest(tail, [])
        assert tail.stderr is not None
        errors = (await tail.stderr.receive_some()).decode()
    assert tail.returncode == 2 and "refused the feed" in errors and not lines


async def test_metrics_use_prometheus_types_and_names_and_parse(log_target: str) -> None:
    async with bot_process(log_target) as process:
        ann = ScriptedUser(process.emulator.user(ANN, first_name="Ann", language_code="en"))
        await ann.say("/start")
        await ann.say("/help")
        await wait_settled(process.bot)
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{process.bot.http_url}/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    kinds = {name: family.type for name, family in families.items()}
    assert kinds["trt_receiver_received"] == "counter" and kinds["trt_outbox_sent"] == "counter"
    assert kinds["trt_outbox_pending"] == "gauge" and kinds["trt_eventlog_writer_head_seq"] == "gauge"
    assert kinds["trt_eventlog_writer_last_commit_seconds"] == "gauge"  # a unit in the name, in base units
    events = {s.labels["key"]: s.value for s in families["trt_telemetry_events"].samples}
    assert events["UpdateReceived"] >= 2 and events["DispatchOk"] >= 2  # events by type
    latency = families["trt_telemetry_update_to_delivery_seconds"]
    assert latency.type == "histogram"
    count = next(s.value for s in latency.samples if s.name.endswith("_count"))
    infinite = next(s.value for s in latency.samples if s.labels.get("le") == "+Inf")
    assert count == infinite >= 2
    # What waits: each reactor's events not yet handled, the outbox's lag behind the log, the writer's queue.
    assert {"trt_router_pending", "trt_outbox_lag", "trt_job_requests_pending", "trt_eventlog_writer_queued"} <= set(
        families)
    for name, family in families.items():
        assert name.startswith("trt_"), name
        if family.type == "counter":  # every counter sample ends in _total
            assert all(sample.name.endswith("_total") for sample in family.samples), name
