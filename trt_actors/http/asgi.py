"""A small request/response layer over ASGI and a ``serve`` that reports its bound URL.

Example::

    async def hello(request: Request) -> Response:
        return Response.json({"ok": True})

    async with trio.open_nursery() as nursery:
        base_url = await nursery.start(serve, hello, "127.0.0.1", 0)
        ...                       # talk to base_url
        nursery.cancel_scope.cancel()
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import msgspec
import trio
from hypercorn.config import Config
from hypercorn.trio import serve as hypercorn_serve

__all__ = ["Handler", "Request", "Response", "asgi_app", "serve"]

MAX_BODY = 64 * 1024 * 1024

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body exceeds the limit given to :func:`asgi_app`."""


@dataclass(frozen=True)
class Request:
    """One HTTP request, body fully read. Header names are lower-case."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    client: tuple[str, int] | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return cls(status, msgspec.json.encode(value), "application/json", headers or {})

    @classmethod
    def text(cls, value: str, status: int = 200) -> Response:
        return cls(status, value.encode("utf-8"))


Handler = Callable[[Request], Awaitable[Response]]


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(send: Send, response: Response) -> None:
    headers = [(b"content-type", response.content_type.encode("latin-1"))]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def asgi_app(handler: Handler, *, max_body: int = MAX_BODY, websocket: ASGIApp | None = None) -> ASGIApp:
    """Wrap a ``Request -> Response`` coroutine as an ASGI application.

    Lifespan events are acknowledged; WebSocket scopes go to ``websocket`` if given.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if kind == "websocket":
            if websocket is None:
                await send({"type": "websocket.close", "code": 1003})
                return
            await websocket(scope, receive, send)
            return
        try:
            body = await _read_body(receive, max_body)
        except BodyTooLarge:
            await _respond(send, Response.text("request body too large", 413))
            return
        raw_query = scope.get("query_string", b"").decode("latin-1")
        request = Request(
            method=scope["method"],
            path=scope["path"],
            query=dict(parse_qsl(raw_query, keep_blank_values=True)),
            headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            body=body,
            client=tuple(scope["client"]) if scope.get("client") else None,  # type: ignore[arg-type]
        )
        await _respond(send, await handler(request))

    return app


async def serve(
    app: Handler | ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` with hypercorn's trio worker until cancelled.

    ``app`` is either a ``Request -> Response`` handler or a raw ASGI app (three
    parameters). ``port=0`` picks a free port; ``task_status.started`` reports the
    bound base URL, e.g. ``http://127.0.0.1:40123``.
    """
    asgi: ASGIApp
    code = getattr(app, "__code__", None)
    if code is not None and code.co_argcount == 3:
        asgi = app  # type: ignore[assignment]
    else:
        asgi = asgi_app(app)  # type: ignore[arg-type]
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = None
    config.keep_alive_timeout = 75
    config.graceful_timeout = 1.0

    async def run(*, task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED) -> None:
        await hypercorn_serve(asgi, config, mode="asgi", task_status=task_status)  # type: ignore[arg-type]

    async with trio.open_nursery() as nursery:
        bound: list[str] = await nursery.start(run)
        task_status.started(bound[0])
