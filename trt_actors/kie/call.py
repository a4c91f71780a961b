"""The seam: every KIE request is a :class:`KieCall` handed to a :class:`Caller`.

A ``Caller`` takes one call and returns the envelope's ``data`` (already
checked: a KIE refusal is raised as a typed error). The production caller
speaks HTTP (:class:`~trt_actors.kie.http_caller.HttpCaller`); retries,
tracing and test fakes are callers that wrap another caller, so they compose
without the client knowing::

    caller = Retrying(Traced(HttpCaller(http, api_base=..., upload_base=..., api_key=key), sink))
    client = KieClient(caller)

A fake for a unit test is any object with the same ``__call__``::

    class AlwaysWaiting:
        async def __call__(self, call: KieCall) -> object:
            return {"taskId": call.task_id, "state": "waiting"}
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Caller", "Endpoint", "FilePart", "Host", "KieCall"]


class Host(enum.Enum):
    """Which base URL a call goes to: the main API or the file-upload host."""

    API = "api"
    UPLOAD = "upload"


class Endpoint(enum.Enum):
    """The KIE endpoints the client uses: name, HTTP method, host, path, idempotency."""

    CREATE_TASK = ("createTask", "POST", Host.API, "/api/v1/jobs/createTask", False)
    RECORD_INFO = ("recordInfo", "GET", Host.API, "/api/v1/jobs/recordInfo", True)
    CREDIT = ("credit", "GET", Host.API, "/api/v1/chat/credit", True)
    DOWNLOAD_URL = ("download-url", "POST", Host.API, "/api/v1/common/download-url", True)
    UPLOAD_STREAM = ("file-stream-upload", "POST", Host.UPLOAD, "/api/file-stream-upload", True)
    UPLOAD_BASE64 = ("file-base64-upload", "POST", Host.UPLOAD, "/api/file-base64-upload", True)
    UPLOAD_URL = ("file-url-upload", "POST", Host.UPLOAD, "/api/file-url-upload", True)

    @property
    def label(self) -> str:
        """The short name used in errors and traces, e.g. ``"createTask"``."""
        return str(self.value[0])

    @property
    def method(self) -> str:
        return str(self.value[1])

    @property
    def host(self) -> Host:
        host: Host = self.value[2]
        return host

    @property
    def path(self) -> str:
        return str(self.value[3])

    @property
    def idempotent(self) -> bool:
        """False when resending after a lost answer could do the work twice (createTask)."""
        return bool(self.value[4])


@dataclass(frozen=True)
class FilePart:
    """A file for a multipart upload."""

    name: str
    content: bytes
    mime_type: str = "application/octet-stream"

    def __repr__(self) -> str:
        return f"FilePart(name={self.name!r}, {len(self.content)} bytes, {self.mime_type!r})"


@dataclass(frozen=True)
class KieCall:
    """One request to KIE, described as data so wrappers can inspect and resend it.

    ``task_id`` names the task the call concerns (for errors and traces);
    ``json`` is a JSON body, ``form`` and ``file`` make a multipart body.
    """

    endpoint: Endpoint
    params: Mapping[str, str] = field(default_factory=dict)
    json: Mapping[str, Any] | None = None
    form: Mapping[str, str] | None = None
    file: FilePart | None = None
    task_id: str | None = None


class Caller(Protocol):
    """Anything that performs a :class:`KieCall` and returns the envelope's ``data``.

    Implementations raise :class:`~trt_actors.kie.errors.KieError` subclasses
    only; a wrapper may retry on ``error.retryable``.
    """

    async def __call__(self, call: KieCall) -> Any: ...
