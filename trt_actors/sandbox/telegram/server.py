"""The HTTP face of the emulator: Telegram's routes, envelope and status codes.

Routes:

* ``/bot<token>/<method>`` (GET or POST; query, form, JSON or multipart): a Bot
  API call, answered ``{"ok": true, "result": ...}`` or
  ``{"ok": false, "error_code": N, "description": ..., "parameters": ...}``
  with HTTP status N. A wrong token answers 401 ``Unauthorized``.
* ``/file/bot<token>/<file_path>``: the bytes of a file ``getFile`` described.

Every call is logged as a :class:`ReceivedRequest`; fault rules run before
validation (a rate-limited call is refused whatever its parameters).
"""

from __future__ import annotations

from collections import deque
from typing import Any

import trio

from trt_actors.http import Request, Response
from trt_actors.sandbox.telegram.dispatch import dispatch
from trt_actors.sandbox.telegram.errors import BotApiError
from trt_actors.sandbox.telegram.records import ReceivedRequest
from trt_actors.sandbox.telegram.request import Upload, read_call
from trt_actors.sandbox.telegram.state import BotState

__all__ = ["BotApiServer"]


def _loggable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        name: f"<upload {value.filename}, {len(value.data)} bytes>" if isinstance(value, Upload) else value
        for name, value in params.items()
    }


def _chat_id(params: dict[str, Any]) -> int | None:
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


def _error(error: BotApiError) -> Response:
    return Response.json(error.envelope(), status=error.error_code)


class BotApiServer:
    """A ``Request -> Response`` handler for one bot token."""

    def __init__(self, state: BotState, *, strict: bool = True, log_limit: int = 100_000) -> None:
        self._state = state
        self._strict = strict
        self.requests: deque[ReceivedRequest] = deque(maxlen=log_limit)  # bounded: benchmarks send a lot
        self.in_flight = 0
        self._logged = trio.Event()

    async def __call__(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/file/bot"):
            return self._file(path.removeprefix("/file/bot"))
        if not path.startswith("/bot"):
            return _error(BotApiError.not_found())
        token, _, method = path.removeprefix("/bot").partition("/")
        if token != self._state.token:
            return _error(BotApiError.unauthorized())
        if not method or "/" in method or request.method not in ("GET", "POST"):
            return _error(BotApiError.not_found())
        self.in_flight += 1
        status = 200
        params: dict[str, Any] = {}
        try:
            params = read_call(request)
            response = await self._call(method, params)
            status = response.status
            return response
        except BotApiError as error:
            status = error.error_code
            return _error(error)
        finally:
            self.in_flight -= 1
            canonical = self._state.spec.method(method)
            name = canonical.name if canonical else method
            self.requests.append(ReceivedRequest(name, _loggable(params), self._state.clock.now(), status))
            self._logged.set()
            self._logged = trio.Event()

    async def _call(self, method: str, params: dict[str, Any]) -> Response:
        state = self._state
        if state.spec.method(method) is None:
            raise BotApiError.not_found()
        delay = state.faults.delay_for(method)
        if delay > 0:
            await state.clock.sleep(delay)
        failure = state.faults.failure_for(method, _chat_id(params))
        if failure is not None:
            raise failure
        result, description = await dispatch(state, method, params, strict=self._strict)
        body: dict[str, Any] = {"ok": True, "result": result}
        if description is not None:
            body["description"] = description
        return Response.json(body)

    def _file(self, rest: str) -> Response:
        token, _, file_path = rest.partition("/")
        if token != self._state.token:
            return _error(BotApiError.unauthorized())
        stored = self._state.files.by_path(file_path)
        if stored is None:
            return _error(BotApiError.not_found())
        return Response(200, stored.data, stored.mime_type or "application/octet-stream")

    async def wait_request(self) -> None:
        """Return after the next call has been answered and logged."""
        await self._logged.wait()
