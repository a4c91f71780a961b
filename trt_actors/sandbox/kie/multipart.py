"""Reading ``multipart/form-data`` bodies, as the emulator's stream-upload route needs.

Built on the standard library's MIME parser; enough for the small uploads
tests and the demo make, not a hardened production parser.

Example::

    fields, files = parse_multipart(request.headers["content-type"], request.body)
    files["file"].content
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

__all__ = ["MultipartError", "UploadedPart", "parse_multipart"]


class MultipartError(ValueError):
    """The body is not a readable multipart form."""


@dataclass(frozen=True)
class UploadedPart:
    """One file field of a multipart form."""

    filename: str
    content_type: str
    content: bytes


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, UploadedPart]]:
    """Split a multipart body into plain fields and file fields (by field name)."""
    if "multipart/form-data" not in content_type.lower() or "boundary=" not in content_type:
        raise MultipartError("expected multipart/form-data with a boundary")
    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise MultipartError("the multipart body has no parts")
    fields: dict[str, str] = {}
    files: dict[str, UploadedPart] = {}
    for part in message.walk():
        if part is message or part.is_multipart():
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = UploadedPart(filename, part.get_content_type(), content)
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files
