"""The emulated file-upload host (KIE's ``kieai.redpandaai.co``): three ways in, one store.

* ``POST /api/file-stream-upload``: multipart ``file``, ``uploadPath``, ``fileName?``
* ``POST /api/file-base64-upload``: JSON ``base64Data`` (raw or a ``data:`` URL),
  ``uploadPath``, ``fileName?``, ``mimeType?``
* ``POST /api/file-url-upload``: JSON ``fileUrl``, ``uploadPath``, ``fileName?`` (fetched with a 30 s timeout)

Each answers the shape real traffic shows (``fileName, filePath, downloadUrl,
fileSize, mimeType, uploadedAt``) and serves the file at ``downloadUrl``.
Bad requests get HTTP 400, as the upload host documents. Without
``fileName`` a name like ``1777534514383-w5dsj9ctw1.jpg`` is made up.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import random
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx

from trt_actors.http import Request, Response
from trt_actors.sandbox.clock import Clock
from trt_actors.sandbox.kie.files import FileStore
from trt_actors.http.forms import FormError, read_multipart
from trt_actors.sandbox.kie.replies import error, read_json

__all__ = ["ACCOUNT_UID", "UploadHost"]

ACCOUNT_UID = "100000"
URL_UPLOAD_TIMEOUT = 30.0
_NAME_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def _bad(message: str) -> Response:
    return error(400, message, http_status=True, upload=True)


class UploadHost:
    """Handlers for the three upload routes; files go to ``store`` under ``kieai/<uid>/<uploadPath>/``.

    ``base_url`` is called for the public base of the stored files (known
    only once the server is bound).
    """

    def __init__(
        self,
        store: FileStore,
        *,
        clock: Clock,
        rng: random.Random,
        base_url: Callable[[], str],
        http: Callable[[], httpx.AsyncClient | None],
    ) -> None:
        self.store = store
        self._clock = clock
        self._random = rng
        self._base_url = base_url
        self._http = http

    def _made_up_name(self, extension: str) -> str:
        suffix = "".join(self._random.choice(_NAME_ALPHABET) for _ in range(10))
        return f"{int(self._clock.now() * 1000)}-{suffix}{extension}"

    def _store(self, upload_path: Any, file_name: Any, content: bytes, mime: str | None) -> Response:
        if not isinstance(upload_path, str) or not upload_path.strip():
            return _bad("uploadPath is required")
        if upload_path.startswith("/") or upload_path.endswith("/"):
            return _bad("uploadPath must not start or end with '/'")
        if not isinstance(file_name, str) or not file_name:
            file_name = self._made_up_name(mimetypes.guess_extension(mime or "") or ".bin")
        mime = mime or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        file_path = f"kieai/{ACCOUNT_UID}/{upload_path}/{file_name}"
        self.store.put(file_path, content, mime)
        stamp = datetime.fromtimestamp(self._clock.now(), tz=timezone.utc)
        data = {
            "success": True,
            "fileName": file_name,
            "filePath": file_path,
            "downloadUrl": f"{self._base_url()}/files/{file_path}",
            "fileSize": len(content),
            "mimeType": mime,
            "uploadedAt": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        return Response.json({"success": True, "code": 200, "msg": "File uploaded successfully", "data": data})

    async def stream(self, request: Request) -> Response:
        """``file-stream-upload``: a multipart form."""
        try:
            fields, files = read_multipart(request.headers.get("content-type", ""), request.body)
        except FormError as failure:
            return _bad(str(failure))
        part = files.get("file")
        if part is None:
            return _bad("file is required")
        mime = part.content_type if part.content_type != "application/octet-stream" else None
        return self._store(fields.get("uploadPath"), fields.get("fileName") or part.filename, part.data, mime)

    async def base64(self, request: Request) -> Response:
        """``file-base64-upload``: base64 text, raw or as a ``data:`` URL."""
        body = read_json(request)
        if not isinstance(body, dict) or not isinstance(body.get("base64Data"), str):
            return _bad("base64Data is required")
        data: str = body["base64Data"]
        mime = body.get("mimeType") if isinstance(body.get("mimeType"), str) else None
        if data.startswith("data:"):
            header, _, data = data.partition(",")
            mime = mime or header[len("data:") :].split(";", 1)[0] or None
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return _bad("base64Data is not valid base64")
        return self._store(body.get("uploadPath"), body.get("fileName"), content, mime)

    async def from_url(self, request: Request) -> Response:
        """``file-url-upload``: fetch ``fileUrl`` and store what comes back."""
        body = read_json(request)
        url = body.get("fileUrl") if isinstance(body, dict) else None
        http = self._http()
        if not isinstance(body, dict) or not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return _bad("fileUrl is required")
        if http is None:
            return _bad("the emulator is not running")
        try:
            fetched = await http.get(url, timeout=URL_UPLOAD_TIMEOUT)
        except httpx.HTTPError:
            return _bad("failed to download the file from fileUrl")
        if fetched.status_code != 200:
            return _bad(f"failed to download the file from fileUrl (HTTP {fetched.status_code})")
        mime = fetched.headers.get("content-type", "").split(";", 1)[0] or None
        name = body.get("fileName") or url.rsplit("/", 1)[-1].split("?", 1)[0] or None
        return self._store(body.get("uploadPath"), name, fetched.content, mime)
