"""The fake Bot API's side of HTTP/1.1: reading one request out of a buffer, and its parameters.

Just what ``bench/fake_botapi.py`` needs to stay lean: a request line and
headers, a body by ``Content-Length`` or chunked, and parameters as JSON,
form, query string or multipart. Anything it cannot read is a
:class:`BadRequest`, which the fake answers with 400 in Telegram's envelope.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

__all__ = ["BadRequest", "Request", "dechunk", "parse_multipart", "parse_params", "parse_request"]


class BadRequest(Exception):
    """A call the fake cannot read; answered with 400 and Telegram's envelope."""


@dataclass(frozen=True)
class Request:
    target: str
    content_type: str
    body: bytes
    close: bool
    expect_continue: bool


def parse_request(buffer: bytearray) -> Request | BadRequest | None:
    """Take one whole request off the front of ``buffer``; None until it has arrived."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return BadRequest("request head too large") if len(buffer) > 65536 else None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    request_line = lines[0].split(" ")
    if len(request_line) != 3:
        return BadRequest("malformed request line")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    start = end + 4
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunked = dechunk(buffer, start)
        if chunked is None:
            return None
        body, stop = chunked
    else:
        length = int(headers.get("content-length", "0") or 0)
        if len(buffer) < start + length:
            return None
        body, stop = bytes(buffer[start : start + length]), start + length
    del buffer[:stop]
    connection = headers.get("connection", "").lower()
    close = connection == "close" or (request_line[2] == "HTTP/1.0" and connection != "keep-alive")
    expect = headers.get("expect", "").lower() == "100-continue"
    return Request(request_line[1], headers.get("content-type", ""), body, close, expect)


def dechunk(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    body = bytearray()
    at = start
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
        if size == 0:
            trailer_end = buffer.find(b"\r\n\r\n", line_end)
            return None if trailer_end < 0 else (bytes(body), trailer_end + 4)
        if len(buffer) < line_end + 2 + size + 2:
            return None
        body += buffer[line_end + 2 : line_end + 2 + size]
        at = line_end + 2 + size + 2


def parse_params(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise BadRequest("the JSON body is not an object")
        return decoded
    if kind == "multipart/form-data":
        return parse_multipart(content_type, body)
    return dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    boundary = ""
    for piece in content_type.split(";")[1:]:
        name, _, setting = piece.strip().partition("=")
        if name.lower() == "boundary":
            boundary = setting.strip('"')
    if not boundary:
        raise BadRequest("multipart body without a boundary")
    fields: dict[str, Any] = {}
    for part in body.split(b"--" + boundary.encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, value = part.partition(b"\r\n\r\n")
        for line in head.decode("latin-1").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for item in line.split(";")[1:]:
                    key, _, quoted = item.strip().partition("=")
                    if key == "name":
                        fields[quoted.strip('"')] = value[:-2].decode("utf-8", "replace")
    return fields
