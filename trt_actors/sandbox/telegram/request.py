"""Reading a Bot API call's parameters from any of the four ways Telegram accepts them.

Telegram takes parameters as a query string, an ``application/x-www-form-urlencoded``
body, an ``application/json`` body or ``multipart/form-data`` (the only way to
upload a file). :func:`read_call` merges them into one mapping: JSON values keep
their types, everything else arrives as text (the validator coerces it using the
spec), and uploaded file parts become :class:`Upload` values.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import msgspec

from trt_actors.http import Request
from trt_actors.http.forms import FilePart, FormError, read_multipart
from trt_actors.sandbox.telegram.errors import BotApiError

__all__ = ["Upload", "read_call"]


Upload = FilePart
"""A file part of a multipart request (the HTTP layer's :class:`~trt_actors.http.forms.FilePart`)."""


def _multipart(body: bytes, content_type_header: str) -> dict[str, Any]:
    try:
        fields, files = read_multipart(content_type_header, body)
    except FormError as error:
        raise BotApiError.bad_request(str(error)) from None
    return {**fields, **files}


def read_call(request: Request) -> dict[str, Any]:
    """All parameters of one call: query string first, then the body (which wins on clashes)."""
    params: dict[str, Any] = dict(request.query)
    if not request.body:
        return params
    kind = request.content_type
    if kind == "application/json":
        try:
            decoded = msgspec.json.decode(request.body)
        except msgspec.DecodeError:
            raise BotApiError.bad_request("can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise BotApiError.bad_request("can't parse JSON object")
        params.update(decoded)
    elif kind == "multipart/form-data":
        params.update(_multipart(request.body, request.headers.get("content-type", "")))
    elif kind in ("application/x-www-form-urlencoded", ""):
        params.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    return params
