"""A :class:`~trt_actors.telegram.transport.Transport` on httpx.

The token never enters httpx's own URL: httpx sees ``/bot<token>/...``, so
its ``HTTP Request: POST ...`` log line and any exception it builds show the
placeholder. A small inner transport splices the real token in just before
the connection pool writes the request.

Example::

    async with TelegramClient(base, token, transport=HttpxTransport(max_connections=8)) as tg:
        me = await tg.get_me()
"""

from __future__ import annotations

import ssl

import httpx

from trt_actors.telegram.errors import TelegramNetworkError
from trt_actors.telegram.transport import HTTPRequest, HTTPResponse

__all__ = ["HttpxTransport"]

_REQUEST = "trt_actors.request"


class _SpliceToken(httpx.AsyncBaseTransport):
    """Rewrites the placeholder URL into the real one on its way into the pool."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        ours = request.extensions[_REQUEST]
        assert isinstance(ours, HTTPRequest)
        real = httpx.Request(
            request.method,
            ours.target(),
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await self._inner.handle_async_request(real)

    async def aclose(self) -> None:
        await self._inner.aclose()


class HttpxTransport:
    """HTTP/1.1 through an ``httpx.AsyncClient`` with a pool of ``max_connections``."""

    def __init__(
        self, *, max_connections: int = 16, ssl_context: ssl.SSLContext | None = None, retries_on_connect: int = 0
    ) -> None:
        self.max_connections = max_connections
        pool = httpx.AsyncHTTPTransport(
            verify=ssl_context or True,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            retries=retries_on_connect,
        )
        self._client = httpx.AsyncClient(transport=_SpliceToken(pool), follow_redirects=False)

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        headers = {"content-type": request.content_type} if request.content_type else {}
        try:
            response = await self._client.request(
                request.method,
                request.safe_url,
                content=request.body,
                headers=headers,
                # Our caller's cancel scope is the real deadline; this one only backstops it.
                timeout=request.timeout + 1.0,
                extensions={_REQUEST: request},
            )
        except httpx.HTTPError as exc:
            never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            # "from None": httpx's exception carries the request, and so the URL.
            raise TelegramNetworkError(
                request.label, reason, maybe_delivered=not never_sent
            ) from None
        return HTTPResponse(response.status_code, response.content, response.headers.get("content-type", ""))

    async def aclose(self) -> None:
        await self._client.aclose()
