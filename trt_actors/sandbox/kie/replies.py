"""KIE's reply envelope as the emulator writes it, and reading JSON request bodies.

KIE answers ``{"code", "msg", "data"}``; errors usually keep HTTP 200 and put
the code in the body, and the upload host adds ``"success"``.

Example::

    return ok({"taskId": task_id, "recordId": task_id})
    return error(422, "model is required")
    return error(400, "uploadPath is required", http_status=True, upload=True)
"""

from __future__ import annotations

from typing import Any

import msgspec

from trt_actors.http import Request, Response

__all__ = ["error", "ok", "read_json"]


def ok(data: Any) -> Response:
    """A success envelope around ``data``."""
    return Response.json({"code": 200, "msg": "success", "data": data})


def error(code: int, message: str, *, http_status: bool = False, upload: bool = False) -> Response:
    """An error envelope; ``http_status`` also sets the HTTP status to ``code``."""
    body: dict[str, Any] = {"code": code, "msg": message, "data": None}
    if upload:
        body = {"success": False, **body}
    return Response.json(body, status=code if http_status else 200)


def read_json(request: Request) -> Any:
    """The request's JSON body, or ``None`` if it is empty or not JSON."""
    try:
        return msgspec.json.decode(request.body) if request.body else None
    except msgspec.DecodeError:
        return None
