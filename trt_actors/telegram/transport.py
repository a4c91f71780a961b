"""The HTTP seam under the Bot API client: one request in, one response out.

A :class:`Transport` sends an :class:`HTTPRequest` and returns the
:class:`HTTPResponse`, whatever its status. Two implementations ship:
:class:`~trt_actors.telegram.httpx_transport.HttpxTransport` (httpx) and
:class:`~trt_actors.telegram.http11.HTTP11Transport` (a lean HTTP/1.1 pool
on trio). Anything else (a recorder, a fault injector) only has to
follow the three rules below.

1. Network failures raise :class:`~trt_actors.telegram.errors.TelegramNetworkError`
   labelled with ``request.label``; nothing the transport raises may contain
   the token, so never put a URL into an error.
2. Cancellation is safe: a request cancelled half-way must not leave its
   connection in the pool. Deadlines are set by the caller with trio cancel
   scopes; ``request.timeout`` is a hint for libraries that want their own.
3. The token stays a :class:`~trt_actors.secret.Secret` inside the request and
   is revealed only by :meth:`HTTPRequest.target`, at the moment the bytes
   are built.

Example::

    transport = HTTP11Transport(max_connections=8)
    request = HTTPRequest("POST", "https://api.telegram.org", "/bot<token>/getMe", Secret("123:abc"))
    response = await transport.send(request)
"""

from __future__ import annotations

from typing import Protocol

import msgspec

from trt_actors.secret import Secret

__all__ = ["TOKEN_MARK", "HTTPRequest", "HTTPResponse", "Transport"]

TOKEN_MARK = "<token>"
"""Stands for the bot token in :attr:`HTTPRequest.path` until the request is built."""


class HTTPRequest:
    """One HTTP request to the Bot API. Its ``repr`` and :attr:`safe_url` never show the token."""

    __slots__ = ("method", "base", "path", "token", "content_type", "body", "timeout", "label")

    def __init__(
        self,
        method: str,
        base: str,
        path: str,
        token: Secret,
        *,
        body: bytes = b"",
        content_type: str | None = None,
        timeout: float = 30.0,
        label: str = "",
    ) -> None:
        self.method = method
        self.base = base.rstrip("/")
        self.path = path
        self.token = token
        self.body = body
        self.content_type = content_type
        self.timeout = timeout
        self.label = label or path.rsplit("/", 1)[-1]

    @property
    def safe_url(self) -> str:
        """The URL with ``<token>`` in place of the token: fit for logs and errors."""
        return self.base + self.path

    def target(self) -> str:
        """The real URL, token included. Call only to put the request on the wire."""
        return self.base + self.path.replace(TOKEN_MARK, self.token.reveal())

    def __repr__(self) -> str:
        return f"<HTTPRequest {self.method} {self.safe_url} {len(self.body)} bytes>"


class HTTPResponse(msgspec.Struct, frozen=True):
    """The status, ``Content-Type`` and whole body of a response."""

    status: int
    body: bytes
    content_type: str = ""


class Transport(Protocol):
    """Sends HTTP requests. See the module docstring for the rules an implementation follows."""

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send ``request`` and return the response (any status); raise ``TelegramNetworkError`` on failure."""
        ...

    async def aclose(self) -> None:
        """Close every pooled connection."""
        ...
