"""The benchmark's fake Bot API answers getUpdates with Telegram's offset rule and times each reply."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bench.fake_botapi import serve_in_thread

TOKEN = "123456:BENCH-token"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with serve_in_thread() as base, httpx.Client(base_url=base, trust_env=False, timeout=5) as client:
        yield client


def _result(response: httpx.Response) -> Any:
    response.raise_for_status()
    body = response.json()
    assert body["ok"] is True, body
    return body["result"]


def test_offsets_and_latencies(client: httpx.Client) -> None:
    _result(client.post("/_control/enqueue", json={"count": 3, "chats": 3, "chat_base": 500}))

    updates = _result(client.post(f"/bot{TOKEN}/getUpdates", json={"timeout": 0}))
    assert [u["update_id"] for u in updates] == [1, 2, 3]
    assert [u["message"]["chat"]["id"] for u in updates] == [500, 501, 502]
    assert updates[0]["message"]["text"] == "hello"

    # offset confirms every update below it; the rest come again (here as a form body).
    again = _result(client.post(f"/bot{TOKEN}/getUpdates", data={"offset": "2", "limit": "1", "timeout": "0"}))
    assert [u["update_id"] for u in again] == [2]

    for chat in (501, 500):
        sent = _result(client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": chat, "text": "hi"}))
        assert sent["chat"]["id"] == chat and sent["text"] == "hi" and sent["message_id"] >= 1
    _result(client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": 999, "text": "to nobody"}))

    assert _result(client.get(f"/bot{TOKEN}/getUpdates?offset=4&timeout=0")) == []
    stats = _result(client.get("/_control/stats?latencies=1"))
    assert stats["offered"] == 3 and stats["confirmed"] == 3 and stats["pending"] == 0
    assert stats["answers"] == 2 and stats["sends"] == 3 and stats["unmatched"] == 1
    assert len(stats["latencies"]) == 2 and all(0 <= s < 5 for s in stats["latencies"])
    assert stats["first_poll_at"] <= stats["first_delivery_at"] <= stats["first_answer_at"]


def test_a_long_poll_returns_when_an_update_arrives(client: httpx.Client) -> None:
    with httpx.Client(base_url=str(client.base_url), trust_env=False, timeout=5) as poller:
        got: list[Any] = []
        thread = threading.Thread(
            target=lambda: got.append(_result(poller.post(f"/bot{TOKEN}/getUpdates", json={"timeout": 4})))
        )
        thread.start()
        deadline = time.monotonic() + 4
        while _result(client.get("/_control/stats"))["waiting_polls"] == 0:
            assert time.monotonic() < deadline, "the long poll never arrived"
        _result(client.post("/_control/enqueue", json={"count": 1}))
        thread.join(5)
    assert [u["update_id"] for u in got[0]] == [1]


def test_other_methods_answer_true(client: httpx.Client) -> None:
    assert _result(client.post(f"/bot{TOKEN}/deleteWebhook", data={"drop_pending_updates": "false"})) is True
    assert _result(client.post(f"/bot{TOKEN}/getMe"))["is_bot"] is True
    assert client.post("/nowhere").status_code == 400
