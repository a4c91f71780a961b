"""``multipart/form-data`` bodies (RFC 7578) for uploads, built as bytes.

Building the body here rather than in an HTTP library keeps the bytes on the
wire the same whichever transport sends them.

Example::

    body, content_type = encode_multipart({"chat_id": "42"}, {"photo": InputFile(png, "a.png", "image/png")})
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from trt_actors.telegram.inputs import InputFile

__all__ = ["encode_multipart"]


def _quote(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode_multipart(fields: Mapping[str, str], files: Mapping[str, InputFile]) -> tuple[bytes, str]:
    """Encode text ``fields`` and ``files`` as one body; return it and its ``Content-Type``."""
    while True:
        boundary = "trt-" + secrets.token_hex(16)
        marker = boundary.encode("ascii")
        if not any(marker in f.data for f in files.values()) and not any(boundary in v for v in fields.values()):
            break
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    for name, file in files.items():
        parts.append(
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{_quote(name)}"; filename="{_quote(file.filename)}"\r\n'
                f"Content-Type: {file.mime_type}\r\n\r\n"
            ).encode()
            + file.data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
