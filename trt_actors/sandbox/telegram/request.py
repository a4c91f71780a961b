"""Reading a Bot API call's parameters from any of the four ways Telegram accepts them.

Telegram takes parameters as a query string, an ``application/x-www-form-urlencoded``
body, an ``application/json`` body or ``multipart/form-data`` (the only way to
upload a file). :func:`read_call` merges them into one mapping: JSON values keep
their types, everything else arrives as text (the validator coerces it using the
spec), and uploaded file parts become :class:`Upload` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from trt_actors.http import Request
from trt_actors.sandbox.telegram.errors import BotApiError

__all__ = ["Upload", "read_call"]


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"Upload({self.field!r}, {self.filename!r}, {len(self.data)} bytes)"


_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def _header_params(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, raw in _PARAM.findall(";" + value.split(";", 1)[1] if ";" in value else ""):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"'):
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[key.lower()] = raw
    return params


def _multipart(body: bytes, content_type_header: str) -> dict[str, Any]:
    boundary = _header_params(content_type_header).get("boundary")
    if not boundary:
        raise BotApiError.bad_request("invalid multipart/form-data: no boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    values: dict[str, Any] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        if content.endswith(b"\r\n"):
            content = content[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            header, _, value = line.partition(":")
            headers[header.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        params = _header_params(disposition)
        field = params.get("name")
        if field is None:
            continue
        if "filename" in params:
            values[field] = Upload(
                field, params["filename"], headers.get("content-type", "application/octet-stream"), content
            )
        else:
            values[field] = content.decode("utf-8", "replace")
    return values


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
