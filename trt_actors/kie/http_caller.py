"""The production :class:`~trt_actors.kie.call.Caller`: one httpx request per call.

It builds the URL from the two base URLs, adds the Bearer header (the only
place the key is revealed), sends, and reads KIE's envelope
``{code, msg, data}``. A refusal is raised as a typed error whether KIE put
the code in the body (HTTP 200, the usual case) or in the HTTP status; a
failed exchange is raised as :class:`~trt_actors.kie.errors.KieNetworkError`.

Example::

    async with httpx.AsyncClient() as http:
        caller = HttpCaller(http, api_base=settings.kie_api_base,
                            upload_base=settings.kie_upload_base, api_key=settings.kie_api_key)
        data = await caller(KieCall(Endpoint.CREDIT))
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from trt_actors.kie.call import Endpoint, Host, KieCall
from trt_actors.kie.errors import KieApiError, KieNetworkError, KieProtocolError, error_for_code
from trt_actors.secret import Secret

__all__ = ["CallerStatistics", "HttpCaller"]

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
UPLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)


class CallerStatistics(msgspec.Struct, frozen=True):
    """Counters of an :class:`HttpCaller` since it was made."""

    calls: int
    in_flight: int
    api_errors: int
    network_errors: int


def _code_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class HttpCaller:
    """Send :class:`KieCall`\\ s over httpx; see the module docstring.

    The ``http`` client is borrowed, not owned: the caller closes it.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_base: str,
        upload_base: str,
        api_key: Secret,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        upload_timeout: httpx.Timeout = UPLOAD_TIMEOUT,
    ) -> None:
        self._http = http
        self._bases = {Host.API: api_base.rstrip("/"), Host.UPLOAD: upload_base.rstrip("/")}
        self._key = api_key
        self._timeout = timeout
        self._upload_timeout = upload_timeout
        self._calls = 0
        self._in_flight = 0
        self._api_errors = 0
        self._network_errors = 0

    def __repr__(self) -> str:
        return f"HttpCaller(api_base={self._bases[Host.API]!r}, upload_base={self._bases[Host.UPLOAD]!r})"

    def statistics(self) -> CallerStatistics:
        return CallerStatistics(self._calls, self._in_flight, self._api_errors, self._network_errors)

    async def __call__(self, call: KieCall) -> Any:
        endpoint = call.endpoint
        self._calls += 1
        self._in_flight += 1
        try:
            response = await self._send(call)
        except httpx.HTTPError as error:
            self._network_errors += 1
            sent = not isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            raise KieNetworkError(
                f"{type(error).__name__}: {error}",
                endpoint=endpoint.label,
                task_id=call.task_id,
                sent=sent,
                idempotent=endpoint.idempotent,
            ) from None
        finally:
            self._in_flight -= 1
        try:
            return self._read(call, response)
        except KieApiError:
            self._api_errors += 1
            raise

    async def _send(self, call: KieCall) -> httpx.Response:
        endpoint = call.endpoint
        url = self._bases[endpoint.host] + endpoint.path
        headers = {"Authorization": f"Bearer {self._key.reveal()}", "Accept": "application/json"}
        timeout = self._upload_timeout if endpoint.host is Host.UPLOAD else self._timeout
        if call.file is not None:
            files = {"file": (call.file.name, call.file.content, call.file.mime_type)}
            return await self._http.request(
                endpoint.method, url, params=dict(call.params), data=dict(call.form or {}),
                files=files, headers=headers, timeout=timeout,
            )
        if call.json is not None:
            return await self._http.request(
                endpoint.method, url, params=dict(call.params), json=dict(call.json),
                headers=headers, timeout=timeout,
            )
        return await self._http.request(
            endpoint.method, url, params=dict(call.params), headers=headers, timeout=timeout
        )

    def _read(self, call: KieCall, response: httpx.Response) -> Any:
        endpoint = call.endpoint
        status = response.status_code
        task_lookup = endpoint is Endpoint.RECORD_INFO
        try:
            body: Any = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            body = None
        if not isinstance(body, dict):
            if status >= 400 or status < 200:
                raise error_for_code(
                    status, response.reason_phrase, endpoint=endpoint.label,
                    task_id=call.task_id, http_status=status, task_lookup=task_lookup,
                )
            raise KieProtocolError(
                f"HTTP {status} with a body that is not a JSON object ({len(response.content)} bytes)",
                endpoint=endpoint.label, task_id=call.task_id,
            )
        body_code = _code_of(body.get("code"))
        message = body.get("msg") or body.get("message") or ""
        if not isinstance(message, str):
            message = str(message)
        if status >= 400 or status < 200:
            code = body_code if body_code is not None and body_code != 200 else status
        else:
            code = body_code if body_code is not None else 200
        if code != 200:
            raise error_for_code(
                code, message, endpoint=endpoint.label, task_id=call.task_id,
                http_status=status, task_lookup=task_lookup,
            )
        if body.get("success") is False:
            raise KieProtocolError(
                f"code 200 but success=false: {message}", endpoint=endpoint.label, task_id=call.task_id
            )
        return body.get("data")
