"""Real KIE traffic for the tests: loading it, and the facts each response states.

The full recording (690 request/response pairs) lives outside the repository
at ``../shared/reference/kie-recorded-traffic.jsonl``. The repository keeps
``fixtures/kie_shapes.jsonl``: one pair per distinct response shape (endpoint,
code, state, model) with the facts expected from it, so the tests also run
without the full file. Regenerate it with ``python -m tests.kie.recorded``.

:func:`facts_of` reads facts with the standard ``json`` module only, so it is
an oracle independent of the client's msgspec parsing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[2]
FULL_RECORDING = REPO.parent / "shared" / "reference" / "kie-recorded-traffic.jsonl"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "kie_shapes.jsonl"

# Endpoint label by URL path, for the endpoints the client uses. Suno's
# record-info is replayed against recordInfo: it is the only recorded
# ``data: null`` answer for an unknown task.
CLIENT_ENDPOINTS = {
    "/api/v1/jobs/createTask": "createTask",
    "/api/v1/jobs/recordInfo": "recordInfo",
    "/api/v1/generate/record-info": "recordInfo",
    "/api/v1/chat/credit": "credit",
    "/api/v1/common/download-url": "download-url",
    "/api/file-stream-upload": "file-stream-upload",
    "/api/file-base64-upload": "file-base64-upload",
}


@dataclass(frozen=True)
class Exchange:
    """One recorded request/response pair, with the endpoint the client would call."""

    endpoint: str
    method: str
    url: str
    request_body: str | None
    status: int
    response_body: str
    expect: dict[str, Any] | None = None

    @property
    def request_json(self) -> Any:
        return json.loads(self.request_body) if self.request_body else None

    @property
    def query(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.url).query).items()}


def endpoint_of(url: str) -> str | None:
    return CLIENT_ENDPOINTS.get(urlsplit(url).path)


def _exchange(row: dict[str, Any]) -> Exchange | None:
    endpoint = endpoint_of(row["url"])
    if endpoint is None:
        return None
    return Exchange(
        endpoint, row["method"], row["url"], row.get("request_body"), row["status"],
        row["response_body"], row.get("expect"),
    )


def load(path: Path) -> list[Exchange]:
    """Every exchange in ``path`` that belongs to an endpoint the client uses."""
    found = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                exchange = _exchange(json.loads(line))
                if exchange is not None:
                    found.append(exchange)
    return found


def facts_of(exchange: Exchange) -> dict[str, Any]:
    """What a correct client must read from this response (plain ``json``, no client code)."""
    body = json.loads(exchange.response_body)
    code, data = body.get("code"), body.get("data")
    if code != 200:
        kind = "TaskNotFoundError" if exchange.endpoint == "recordInfo" else "ValidationError"
        return {"error": kind, "code": code}
    if exchange.endpoint == "createTask":
        return {"task_id": data["taskId"]}
    if exchange.endpoint == "recordInfo":
        if data is None:
            return {"error": "TaskNotFoundError", "code": 200}
        param = json.loads(data["param"])
        task_input = json.loads(param["input"]) if isinstance(param["input"], str) else param["input"]
        result = json.loads(data["resultJson"]) if data["resultJson"] else {}
        return {
            "task_id": data["taskId"],
            "model": data["model"],
            "state": data["state"],
            "result_urls": result.get("resultUrls", []),
            "fail_code": data["failCode"],
            "fail_msg": data["failMsg"],
            "cost_time": data["costTime"],
            "created_at_ms": data["createTime"],
            "input_keys": sorted(task_input),
        }
    if exchange.endpoint == "credit":
        return {"credit": data}
    if exchange.endpoint == "download-url":
        return {"url": data}
    return {
        "download_url": data["downloadUrl"],
        "size": data["fileSize"],
        "mime_type": data["mimeType"],
        "file_name": data["fileName"],
    }


def shape_key(exchange: Exchange) -> tuple[Any, ...]:
    """What makes two responses the same shape for the fixture."""
    body = json.loads(exchange.response_body)
    data = body.get("data")
    fields: tuple[Any, ...] = ()
    state: tuple[Any, ...]
    if isinstance(data, dict):
        fields = tuple(sorted((key, type(value).__name__) for key, value in data.items()))
        state = data.get("state"), data.get("model"), bool(data.get("resultJson"))
    else:
        state = (type(data).__name__,)
    return (exchange.endpoint, urlsplit(exchange.url).path, body.get("code"), body.get("msg"), state, fields)


def write_fixture(source: Path = FULL_RECORDING, target: Path = FIXTURE) -> int:
    """Keep one exchange per shape from ``source`` in ``target``, with its facts."""
    seen: set[tuple[Any, ...]] = set()
    rows = []
    for exchange in load(source):
        key = shape_key(exchange)
        if key in seen:
            continue
        seen.add(key)
        rows.append({
            "endpoint": exchange.endpoint, "method": exchange.method, "url": exchange.url,
            "request_body": exchange.request_body, "status": exchange.status,
            "response_body": exchange.response_body, "expect": facts_of(exchange),
        })
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(rows)


if __name__ == "__main__":
    print(f"wrote {write_fixture()} shapes to {FIXTURE}")
