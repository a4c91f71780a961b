"""A lean :class:`~trt_actors.telegram.transport.Transport`: HTTP/1.1 keep-alive on trio sockets, parsed by h11.

Why it exists: httpx spends 0.5-0.9 ms of CPU per Bot API call on this
machine (its client, anyio and httpcore layers; more under concurrency),
which caps one bot process at about a thousand calls per second and competes
with the actors for the CPU. This transport does only what the Bot API
needs: POST/GET, a whole body in, a whole body out, a pool of idle keep-alive
connections per origin, TLS through :mod:`ssl`, and costs 0.15-0.21 ms per
call. ``python bench/telegram_client.py`` measures both against the emulator.

No HTTP/2, proxies, redirects, cookies or compression: Telegram needs none of
them. The pool keeps at most ``max_connections`` idle connections per origin;
the client's :class:`trio.CapacityLimiter` keeps the number in use at that size.

Example::

    async with TelegramClient(base, token, transport=H11Transport(max_connections=8)) as tg:
        me = await tg.get_me()
"""

from __future__ import annotations

import ssl
from urllib.parse import urlsplit

import h11
import msgspec
import trio

from trt_actors.telegram.errors import TelegramNetworkError
from trt_actors.telegram.transport import HTTPRequest, HTTPResponse

__all__ = ["H11Transport", "H11TransportStatistics"]

_USER_AGENT = "trt-actors"
_READ_CHUNK = 256 * 1024
_NETWORK_ERRORS = (OSError, trio.BrokenResourceError, trio.ClosedResourceError, h11.ProtocolError)


class H11TransportStatistics(msgspec.Struct, frozen=True):
    connections_opened: int
    connections_open: int
    connections_idle: int
    requests: int


class _Origin(msgspec.Struct, frozen=True):
    https: bool
    host: str
    port: int

    @property
    def host_header(self) -> str:
        default = 443 if self.https else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


class _Connection:
    __slots__ = ("stream", "h11")

    def __init__(self, stream: trio.SocketStream | trio.SSLStream[trio.SocketStream]) -> None:
        self.stream = stream
        self.h11 = h11.Connection(our_role=h11.CLIENT)

    @property
    def _socket(self) -> trio.socket.SocketType:
        stream = self.stream
        return (stream.transport_stream if isinstance(stream, trio.SSLStream) else stream).socket

    def is_dropped(self) -> bool:
        """An idle keep-alive socket that is readable has been closed (or spoken to) by the server."""
        return self._socket.is_readable()

    def close_now(self) -> None:
        self._socket.close()


class H11Transport:
    """HTTP/1.1 over trio with a keep-alive pool; see the module docstring.

    ``max_response_bytes`` bounds what one response may hold in memory
    (Telegram's downloads stop at 20 MB).
    """

    def __init__(
        self,
        *,
        max_connections: int = 16,
        ssl_context: ssl.SSLContext | None = None,
        max_response_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.max_connections = max_connections
        self._ssl_context = ssl_context
        self._max_response_bytes = max_response_bytes
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._origins: dict[str, _Origin] = {}
        self._opened = 0
        self._open = 0
        self._requests = 0
        self._closed = False

    def statistics(self) -> H11TransportStatistics:
        return H11TransportStatistics(
            connections_opened=self._opened,
            connections_open=self._open,
            connections_idle=sum(len(idle) for idle in self._idle.values()),
            requests=self._requests,
        )

    def _origin(self, base: str) -> _Origin:
        origin = self._origins.get(base)
        if origin is None:
            parts = urlsplit(base)
            https = parts.scheme == "https"
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"the Bot API base must be an http(s) URL such as https://api.telegram.org, not {base!r}")
            origin = _Origin(https, parts.hostname, parts.port or (443 if https else 80))
            self._origins[base] = origin
        return origin

    async def send(self, request: HTTPRequest) -> HTTPResponse:
        if self._closed:
            raise trio.ClosedResourceError("this transport is closed")
        origin = self._origin(request.base)
        connection = self._take_idle(origin)
        if connection is None:
            connection = await self._connect(origin, request.label)
        self._requests += 1
        reusable = False
        try:
            response = await self._exchange(connection, origin, request)
            reusable = connection.h11.our_state is h11.DONE and connection.h11.their_state is h11.DONE
        except _NETWORK_ERRORS as exc:
            raise TelegramNetworkError(request.label, _describe(exc)) from None
        finally:
            idle = self._idle.setdefault(origin, [])
            if reusable and not self._closed and len(idle) < self.max_connections:
                connection.h11.start_next_cycle()
                idle.append(connection)
            else:
                self._open -= 1
                await trio.aclose_forcefully(connection.stream)
        return response

    def _take_idle(self, origin: _Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if not connection.is_dropped():
                return connection
            self._open -= 1
            connection.close_now()
        return None

    async def _connect(self, origin: _Origin, label: str) -> _Connection:
        stream: trio.SocketStream | trio.SSLStream[trio.SocketStream]
        try:
            tcp = await trio.open_tcp_stream(origin.host, origin.port)
            if origin.https:
                context = self._ssl_context or ssl.create_default_context()
                stream = trio.SSLStream(tcp, context, server_hostname=origin.host, https_compatible=True)
                try:
                    await stream.do_handshake()
                except BaseException:
                    await trio.aclose_forcefully(stream)
                    raise
            else:
                stream = tcp
        except _NETWORK_ERRORS as exc:
            raise TelegramNetworkError(label, _describe(exc), maybe_delivered=False) from None
        self._opened += 1
        self._open += 1
        return _Connection(stream)

    async def _exchange(self, connection: _Connection, origin: _Origin, request: HTTPRequest) -> HTTPResponse:
        conn = connection.h11
        headers = [("Host", origin.host_header), ("User-Agent", _USER_AGENT), ("Accept", "application/json")]
        if request.method != "GET" or request.body:
            headers.append(("Content-Length", str(len(request.body))))
        if request.content_type:
            headers.append(("Content-Type", request.content_type))
        target = request.target()[len(request.base) :]
        out = conn.send(h11.Request(method=request.method, target=target, headers=headers))
        if request.body:
            out += conn.send(h11.Data(data=request.body))
        out += conn.send(h11.EndOfMessage())
        await connection.stream.send_all(out)

        status = 0
        content_type = ""
        chunks: list[bytes] = []
        size = 0
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(bytes(await connection.stream.receive_some(_READ_CHUNK)))
            elif isinstance(event, h11.Response):
                status = event.status_code
                for name, value in event.headers:
                    if name == b"content-type":
                        content_type = value.decode("latin-1")
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > self._max_response_bytes:
                    raise h11.RemoteProtocolError(f"response larger than {self._max_response_bytes} bytes")
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return HTTPResponse(status, b"".join(chunks), content_type)
            elif isinstance(event, h11.ConnectionClosed):
                raise h11.RemoteProtocolError("the server closed the connection before answering")

    async def aclose(self) -> None:
        self._closed = True
        idle = [connection for connections in self._idle.values() for connection in connections]
        self._idle.clear()
        for connection in idle:
            self._open -= 1
            await trio.aclose_forcefully(connection.stream)


def _describe(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
