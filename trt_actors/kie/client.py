"""The KIE client: typed methods over one :class:`~trt_actors.kie.call.Caller`.

Each method builds a :class:`~trt_actors.kie.call.KieCall`, hands it to the
caller and reads the answer into a typed value. The client holds no HTTP,
key or retry logic of its own, so the same client runs over httpx in
production, over the local emulator in tests, and under any wrapper.

Example::

    async with open_kie_client(settings) as kie:
        created = await kie.create_task("google/nano-banana", {"prompt": "a red fox"},
                                        callback_url="https://bot.example/kie/callback/abc")
        info = await kie.record_info(created.task_id)
        if info.state is TaskState.SUCCESS:
            print(info.result_urls)
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Protocol

import httpx

from trt_actors.kie.call import Caller, Endpoint, FilePart, KieCall
from trt_actors.kie.errors import KieProtocolError, TaskNotFoundError
from trt_actors.kie.http_caller import HttpCaller
from trt_actors.kie.task import CreatedTask, TaskInfo, parse_created, parse_task
from trt_actors.kie.uploads import UploadedFile, parse_upload
from trt_actors.secret import Secret

__all__ = ["KieClient", "KieSettings", "open_kie_client"]


class KieSettings(Protocol):
    """What :func:`open_kie_client` reads; the application's ``Settings`` has all three."""

    @property
    def kie_api_base(self) -> str: ...

    @property
    def kie_upload_base(self) -> str: ...

    @property
    def kie_api_key(self) -> Secret: ...


class KieClient:
    """Typed access to KIE's jobs, account and file APIs through one ``Caller``."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller

    def __repr__(self) -> str:
        return f"KieClient({self.caller!r})"

    async def create_task(
        self, model: str, input: Mapping[str, Any], *, callback_url: str | None = None
    ) -> CreatedTask:
        """Start a generation. KIE charges only if it succeeds.

        A :class:`~trt_actors.kie.errors.KieNetworkError` here is not
        retryable: the task may exist. Never call this twice for one job.
        """
        body: dict[str, Any] = {"model": model, "input": dict(input)}
        if callback_url is not None:
            body["callBackUrl"] = callback_url
        data = await self.caller(KieCall(Endpoint.CREATE_TASK, json=body))
        try:
            return parse_created(data, model)
        except ValueError as error:
            raise KieProtocolError(str(error), endpoint=Endpoint.CREATE_TASK.label) from None

    async def record_info(self, task_id: str) -> TaskInfo:
        """The task's current state; raises :class:`TaskNotFoundError` for an unknown id."""
        call = KieCall(Endpoint.RECORD_INFO, params={"taskId": task_id}, task_id=task_id)
        data = await self.caller(call)
        if data is None:
            raise TaskNotFoundError(
                "KIE has no record of this task (data: null)",
                endpoint=Endpoint.RECORD_INFO.label, code=200, task_id=task_id,
            )
        try:
            return parse_task(data)
        except (ValueError, TypeError) as error:
            raise KieProtocolError(str(error), endpoint=Endpoint.RECORD_INFO.label, task_id=task_id) from None

    async def credit(self) -> float:
        """The account's remaining credits (may be fractional)."""
        data = await self.caller(KieCall(Endpoint.CREDIT))
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
        if isinstance(data, str):
            try:
                return float(data)
            except ValueError:
                pass
        raise KieProtocolError(f"the credit balance is not a number: {type(data).__name__}",
                               endpoint=Endpoint.CREDIT.label)

    async def download_url(self, url: str) -> str:
        """A temporary (20 min) download link for a KIE-generated file URL."""
        data = await self.caller(KieCall(Endpoint.DOWNLOAD_URL, json={"url": url}))
        if isinstance(data, dict):
            data = data.get("url") or data.get("downloadUrl")
        if isinstance(data, str) and data:
            return data
        raise KieProtocolError("download-url answered without a URL", endpoint=Endpoint.DOWNLOAD_URL.label)

    async def upload_stream(
        self, content: bytes, *, file_name: str, upload_path: str, mime_type: str = "application/octet-stream"
    ) -> UploadedFile:
        """Upload bytes as multipart (best for files over 10 MB)."""
        form = {"uploadPath": upload_path.strip("/"), "fileName": file_name}
        call = KieCall(Endpoint.UPLOAD_STREAM, form=form, file=FilePart(file_name, content, mime_type))
        return self._uploaded(await self.caller(call), Endpoint.UPLOAD_STREAM)

    async def upload_base64(
        self, content: bytes, *, upload_path: str, file_name: str | None = None, mime_type: str | None = None
    ) -> UploadedFile:
        """Upload bytes as a base64 JSON body (best up to 10 MB)."""
        body: dict[str, Any] = {
            "base64Data": base64.b64encode(content).decode("ascii"),
            "uploadPath": upload_path.strip("/"),
        }
        if file_name is not None:
            body["fileName"] = file_name
        if mime_type is not None:
            body["mimeType"] = mime_type
        data = await self.caller(KieCall(Endpoint.UPLOAD_BASE64, json=body))
        return self._uploaded(data, Endpoint.UPLOAD_BASE64)

    async def upload_from_url(self, url: str, *, upload_path: str, file_name: str | None = None) -> UploadedFile:
        """Have KIE fetch a public URL (30 s timeout on their side) and store it."""
        body: dict[str, Any] = {"fileUrl": url, "uploadPath": upload_path.strip("/")}
        if file_name is not None:
            body["fileName"] = file_name
        data = await self.caller(KieCall(Endpoint.UPLOAD_URL, json=body))
        return self._uploaded(data, Endpoint.UPLOAD_URL)

    @staticmethod
    def _uploaded(data: Any, endpoint: Endpoint) -> UploadedFile:
        try:
            return parse_upload(data)
        except ValueError as error:
            raise KieProtocolError(str(error), endpoint=endpoint.label) from None


@asynccontextmanager
async def open_kie_client(
    settings: KieSettings, *, http: httpx.AsyncClient | None = None
) -> AsyncIterator[KieClient]:
    """A :class:`KieClient` over httpx for ``settings``; closes the HTTP client it opened.

    For wrappers, build the chain yourself:
    ``KieClient(Retrying(HttpCaller(http, api_base=..., upload_base=..., api_key=...)))``.
    """
    if http is not None:
        yield KieClient(_caller_for(settings, http))
        return
    async with httpx.AsyncClient() as own:
        yield KieClient(_caller_for(settings, own))


def _caller_for(settings: KieSettings, http: httpx.AsyncClient) -> HttpCaller:
    return HttpCaller(
        http, api_base=settings.kie_api_base, upload_base=settings.kie_upload_base, api_key=settings.kie_api_key
    )
