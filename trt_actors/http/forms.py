"""Reading ``multipart/form-data`` bodies: plain fields and uploaded files.

The one multipart reader of the project; both local emulators use it (the Bot
API's file uploads, KIE's stream upload). It is strict about what it needs (a
boundary, a name per part) and lenient about the rest, like the servers it
stands in for.

Example::

    fields, files = read_multipart(request.headers["content-type"], request.body)
    files["photo"].data
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["FilePart", "FormError", "read_multipart"]


class FormError(ValueError):
    """The body is not a readable multipart form."""


@dataclass(frozen=True)
class FilePart:
    """One uploaded file of a multipart form."""

    field: str
    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"FilePart({self.field!r}, {self.filename!r}, {len(self.data)} bytes)"


_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def header_params(value: str) -> dict[str, str]:
    """The ``key=value`` parameters of a header such as ``Content-Disposition`` (keys lower-cased)."""
    params: dict[str, str] = {}
    for key, raw in _PARAM.findall(";" + value.split(";", 1)[1] if ";" in value else ""):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"'):
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[key.lower()] = raw
    return params


def read_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, FilePart]]:
    """Split a multipart body into plain fields and file fields, each by field name.

    Raises :class:`FormError` when the content type is not multipart or has no boundary.
    """
    if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
        raise FormError("expected multipart/form-data")
    boundary = header_params(content_type).get("boundary")
    if not boundary:
        raise FormError("invalid multipart/form-data: no boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, FilePart] = {}
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
        params = header_params(headers.get("content-disposition", ""))
        name = params.get("name")
        if name is None:
            continue
        if "filename" in params:
            files[name] = FilePart(
                name, params["filename"], headers.get("content-type", "application/octet-stream"), content
            )
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files
