"""The emulator's file storage: result files and uploads, served over HTTP.

Files are kept in memory by path. A GET may carry ``?expires=<unix seconds>``
(the links ``download-url`` hands out); past that time on the emulator's
clock the link answers 403, like an expired KIE link.

Example::

    store = FileStore()
    store.put("abc-0.png", png_bytes, "image/png")
    response = store.serve("abc-0.png", request.query, now=clock.now())
"""

from __future__ import annotations

from collections.abc import Mapping

from trt_actors.http import Response

__all__ = ["FileStore"]


class FileStore:
    """Bytes and MIME type by path."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[bytes, str]] = {}

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, path: object) -> bool:
        return path in self._files

    def put(self, path: str, content: bytes, mime_type: str) -> None:
        """Store (or overwrite, as KIE does for a reused name) the file at ``path``."""
        self._files[path] = (content, mime_type)

    def get(self, path: str) -> tuple[bytes, str] | None:
        """The file's bytes and MIME type, if stored."""
        return self._files.get(path)

    def serve(self, path: str, query: Mapping[str, str], *, now: float) -> Response:
        """Answer a GET for ``path``: 200 with the bytes, 404 if unknown, 403 if the link expired."""
        found = self._files.get(path)
        if found is None:
            return Response.text("file not found", 404)
        expires = query.get("expires")
        if expires is not None and (not expires.isdigit() or now > int(expires)):
            return Response.text("this download link has expired", 403)
        content, mime_type = found
        return Response(200, content, mime_type)
