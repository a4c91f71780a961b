"""The one seam every Bot API call goes through: :class:`BotAPI`, and its HTTP implementation.

:class:`BotAPI` is three coroutines: ``call(method, params)`` returns the raw
JSON ``result`` (or raises an :mod:`~trt_actors.telegram.errors` exception),
``download(file_path)`` returns a file's bytes, ``aclose()`` frees the
connections. The typed :class:`~trt_actors.telegram.client.TelegramClient`
sits on top; retries, rate limits, tracing and test fakes are wrappers that
take a ``BotAPI`` and are one, so they compose without touching callers::

    class Traced:
        def __init__(self, inner: BotAPI) -> None:
            self.inner = inner

        async def call(self, method: str, params: Mapping[str, object], *, timeout: float | None = None) -> msgspec.Raw:
            started = trio.current_time()
            try:
                return await self.inner.call(method, params, timeout=timeout)
            finally:
                log.info("%s took %.3f s", method, trio.current_time() - started)

        async def download(self, file_path: str, *, timeout: float | None = None) -> bytes:
            return await self.inner.download(file_path, timeout=timeout)

        async def aclose(self) -> None:
            await self.inner.aclose()

    tg = TelegramClient(base, token, wrap=[Traced])

:class:`HTTPBotAPI` is the real one: parameters encoded by
:mod:`~trt_actors.telegram.wire`, sent by a
:class:`~trt_actors.telegram.transport.Transport`. A
:class:`trio.CapacityLimiter` the size of the connection pool keeps the
requests in flight at the pool size (a getUpdates long poll holds one slot for
its duration), and each call has a deadline: ``timeout`` seconds for the
whole exchange, plus one second per megabyte of request body for uploads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from urllib.parse import quote

import msgspec
import trio

from trt_actors.secret import Secret
from trt_actors.telegram.errors import TelegramAPIError, TelegramNetworkError, UnexpectedResponse
from trt_actors.telegram.http11 import HTTP11Transport
from trt_actors.telegram.transport import TOKEN_MARK, HTTPRequest, HTTPResponse, Transport
from trt_actors.telegram.wire import decode_result, encode_params
from trt_actors.uncontended import held

__all__ = ["BotAPI", "BotAPIStatistics", "HTTPBotAPI"]

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 16
_BYTES_PER_SECOND = 1_000_000


class BotAPI(Protocol):
    """Calls Bot API methods by name. See the module docstring for how wrappers compose."""

    async def call(
        self, method: str, params: Mapping[str, object], *, timeout: float | None = None
    ) -> msgspec.Raw:
        """Call ``method``; return the raw JSON of its ``result``.

        ``params`` values are JSON-encodable values, msgspec Structs,
        :class:`~trt_actors.telegram.inputs.InputFile` uploads or
        :class:`~trt_actors.secret.Secret`; ``None`` means "leave out".
        ``timeout`` bounds the whole exchange (default: the implementation's).
        """
        ...

    async def download(self, file_path: str, *, timeout: float | None = None) -> bytes:
        """The bytes of a file, by the ``file_path`` that ``getFile`` returned."""
        ...

    async def aclose(self) -> None:
        """Close the connections."""
        ...


class BotAPIStatistics(msgspec.Struct, frozen=True):
    """A snapshot of an :class:`HTTPBotAPI`: load, and what went wrong so far."""

    max_connections: int
    in_flight: int
    waiting: int
    requests: int
    api_errors: int
    network_errors: int


class HTTPBotAPI:
    """:class:`BotAPI` over HTTP: ``{api_base}/bot<token>/<method>``.

    ``transport`` defaults to :class:`~trt_actors.telegram.http11.HTTP11Transport`
    (measured: 2.5x less CPU per call than httpx one at a time, 5x less with 16
    concurrent calls; see ``bench/telegram_client.py``).

    Deadlines are trio deadlines. Under ``trio.testing.MockClock`` with
    autojump they expire at once while a real socket waits, so run tests that
    talk HTTP on the real clock (drive the emulator's own ``VirtualClock``
    instead), or pass ``timeout=math.inf``.

    Example::

        api = HTTPBotAPI("https://api.telegram.org", settings.telegram_bot_token)
        raw = await api.call("getMe", {})
    """

    def __init__(
        self,
        api_base: str,
        token: Secret | str,
        *,
        transport: Transport | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        self.api_base = api_base.rstrip("/")
        self._token = token if isinstance(token, Secret) else Secret(token)
        self._transport: Transport = transport or HTTP11Transport(max_connections=max_connections)
        self._limiter = trio.CapacityLimiter(max_connections)
        self._max_connections = max_connections
        self.timeout = timeout
        self._in_flight = 0
        self._requests = 0
        self._api_errors = 0
        self._network_errors = 0

    def __repr__(self) -> str:
        return f"HTTPBotAPI({self.api_base!r}, token=Secret('***'), transport={type(self._transport).__name__})"

    @property
    def transport(self) -> Transport:
        return self._transport

    def statistics(self) -> BotAPIStatistics:
        return BotAPIStatistics(
            max_connections=self._max_connections,
            in_flight=self._in_flight,
            waiting=self._limiter.statistics().tasks_waiting,
            requests=self._requests,
            api_errors=self._api_errors,
            network_errors=self._network_errors,
        )

    async def call(
        self, method: str, params: Mapping[str, object], *, timeout: float | None = None
    ) -> msgspec.Raw:
        body, content_type = encode_params(params)
        request = HTTPRequest(
            "POST",
            self.api_base,
            f"/bot{TOKEN_MARK}/{method}",
            self._token,
            body=body,
            content_type=content_type,
            # Uploads get one more second per megabyte: a 50 MB video must not fail at 30 s.
            timeout=(self.timeout if timeout is None else timeout) + len(body) / _BYTES_PER_SECOND,
            label=method,
        )
        response = await self._send(request)
        try:
            return decode_result(method, response)
        except TelegramAPIError:
            self._api_errors += 1
            raise

    async def download(self, file_path: str, *, timeout: float | None = None) -> bytes:
        request = HTTPRequest(
            "GET",
            self.api_base,
            f"/file/bot{TOKEN_MARK}/{quote(file_path, safe='/')}",
            self._token,
            timeout=self.timeout if timeout is None else timeout,
            label="download",
        )
        response = await self._send(request)
        if response.status == 200:
            return response.body
        self._api_errors += 1
        decode_result("download", response)
        raise UnexpectedResponse("download", response.status, "an ok answer without the file")

    async def _send(self, request: HTTPRequest) -> HTTPResponse:
        async with held(self._limiter):  # the exchange below is where other tasks run
            self._in_flight += 1
            self._requests += 1
            try:
                with trio.CancelScope(deadline=trio.current_time() + request.timeout):
                    return await self._transport.send(request)
                raise TelegramNetworkError(request.label, f"no answer within {request.timeout:.3g} s")
            except TelegramNetworkError:
                self._network_errors += 1
                raise
            finally:
                self._in_flight -= 1

    async def aclose(self) -> None:
        await self._transport.aclose()
