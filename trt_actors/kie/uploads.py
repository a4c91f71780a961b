"""A file stored on KIE's upload host, read from either documented response shape.

Real traffic answers ``{fileName, filePath, downloadUrl, fileSize, mimeType,
uploadedAt}``; the docs show ``{fileId, originalName, uploadPath, fileUrl,
downloadUrl, uploadTime, expiresAt}``. Both carry ``downloadUrl``, which is the
public URL to hand to a model. Uploaded files live for three days.

Example::

    uploaded = parse_upload(envelope_data)
    await client.create_task("google/nano-banana-edit",
                             {"prompt": "...", "image_urls": [uploaded.download_url]})
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

__all__ = ["UploadedFile", "parse_upload"]


class UploadedFile(msgspec.Struct, frozen=True, kw_only=True):
    """Where an uploaded file can be fetched, and what KIE recorded about it."""

    download_url: str
    file_name: str | None = None
    file_path: str | None = None
    size: int | None = None
    mime_type: str | None = None
    uploaded_at: str | None = None
    expires_at: str | None = None


def _str(data: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def parse_upload(data: Any) -> UploadedFile:
    """Read an upload response ``data``; raises ``ValueError`` without a download URL."""
    if not isinstance(data, dict):
        raise ValueError(f"expected an upload object, got {type(data).__name__}")
    url = _str(data, "downloadUrl", "fileUrl", "url")
    if url is None:
        raise ValueError("the upload answer has no downloadUrl")
    size = data.get("fileSize")
    if isinstance(size, bool) or not isinstance(size, (int, float)) or not math.isfinite(size):
        size = None
    return UploadedFile(
        download_url=url,
        file_name=_str(data, "fileName", "originalName"),
        file_path=_str(data, "filePath", "uploadPath"),
        size=None if size is None else int(size),
        mime_type=_str(data, "mimeType"),
        uploaded_at=_str(data, "uploadedAt", "uploadTime"),
        expires_at=_str(data, "expiresAt"),
    )
