"""The lean HTTP/1.1 transport reads every framing a server may use and never reuses a connection it cannot trust.

Each test serves hand-written response bytes from a real TCP server on
loopback and sends real requests through :class:`HTTP11Transport`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial

import pytest
import trio

from trt_actors.secret import Secret
from trt_actors.telegram import HTTP11Transport, TelegramNetworkError
from trt_actors.telegram.transport import TOKEN_MARK, HTTPRequest

TOKEN = Secret("123456:secret-token-for-tests")


@asynccontextmanager
async def serving(responses: Sequence[bytes], received: list[bytes] | None = None) -> AsyncIterator[str]:
    """A server that answers the n-th request on a connection with ``responses[n]`` (then stops answering)."""

    async def handle(stream: trio.SocketStream) -> None:
        buffer = b""
        for response in responses:
            while b"\r\n\r\n" not in buffer:
                data = await stream.receive_some(65536)
                if not data:
                    return
                buffer += data
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = next(
                (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                0,
            )
            while len(buffer) < length:
                buffer += await stream.receive_some(65536)
            if received is not None:
                received.append(head + b"\r\n\r\n" + buffer[:length])
            buffer = buffer[length:]
            await stream.send_all(response)
        await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, handle, 0, host="127.0.0.1"))
        yield f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}"
        nursery.cancel_scope.cancel()


def request(base: str, body: bytes = b'{"chat_id":1}') -> HTTPRequest:
    return HTTPRequest("POST", base, f"/bot{TOKEN_MARK}/sendMessage", TOKEN, body=body, content_type="application/json")


def ok(body: bytes, *extra: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"Content-Type: application/json", b"Content-Length: %d" % len(body), *extra]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


async def test_the_request_carries_the_body_the_token_and_the_headers_in_one_piece() -> None:
    received: list[bytes] = []
    transport = HTTP11Transport()
    async with serving([ok(b'{"ok":true}')], received) as base:
        response = await transport.send(request(base))
    await transport.aclose()
    assert (response.status, response.body, response.content_type) == (200, b'{"ok":true}', "application/json")
    head, _, body = received[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /bot123456:secret-token-for-tests/sendMessage HTTP/1.1"
    assert b"Content-Length: 13" in lines and b"Content-Type: application/json" in lines and body == b'{"chat_id":1}'


async def test_a_chunked_body_is_joined_and_the_connection_kept() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        b"5;ext=1\r\n{\"ok\"\r\n6\r\n:true}\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    transport = HTTP11Transport()
    async with serving([chunked, ok(b"{}")]) as base:
        first = await transport.send(request(base))
        second = await transport.send(request(base))
    await transport.aclose()
    assert (first.body, second.body) == (b'{"ok":true}', b"{}")
    assert transport.statistics().connections_opened == 1


async def test_an_interim_100_continue_is_skipped() -> None:
    transport = HTTP11Transport()
    async with serving([b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"{}")]) as base:
        response = await transport.send(request(base))
    await transport.aclose()
    assert (response.status, response.body) == (200, b"{}")


@pytest.mark.parametrize(
    "response",
    [
        ok(b"{}", b"Connection: close"),
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        ok(b"{}") + b"HTTP/1.1 200 OK\r\n",  # bytes beyond the response
    ],
    ids=["connection-close", "http-1.0", "trailing-bytes"],
)
async def test_a_connection_that_cannot_be_trusted_again_is_not_reused(response: bytes) -> None:
    transport = HTTP11Transport()
    async with serving([response]) as base:
        answered = await transport.send(request(base))
        assert answered.body == b"{}"
        assert transport.statistics().connections_idle == 0
    await transport.aclose()


async def test_a_body_framed_by_close_is_read_to_the_end() -> None:
    async def handle(stream: trio.SocketStream) -> None:
        await stream.receive_some(65536)
        await stream.send_all(b"HTTP/1.1 200 OK\r\n\r\n{\"ok\":")
        await stream.send_all(b"true}")
        await stream.aclose()

    transport = HTTP11Transport()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, handle, 0, host="127.0.0.1"))
        base = f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}"
        response = await transport.send(request(base))
        nursery.cancel_scope.cancel()
    assert response.body == b'{"ok":true}' and transport.statistics().connections_idle == 0


@pytest.mark.parametrize(
    "response",
    [
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1_0\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{}",  # then the server closes
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    ],
    ids=[
        "http-2", "status", "header", "two-lengths", "negative-length", "chunk-size", "chunk-underscore",
        "gzip", "short-body", "huge-head",
    ],
)
async def test_a_malformed_response_is_a_network_error_without_the_token(response: bytes) -> None:
    async def handle(stream: trio.SocketStream) -> None:
        await stream.receive_some(65536)
        await stream.send_all(response)
        await stream.aclose()

    transport = HTTP11Transport()
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, handle, 0, host="127.0.0.1"))
        base = f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}"
        with pytest.raises(TelegramNetworkError) as info:
            await transport.send(request(base))
        nursery.cancel_scope.cancel()
    assert info.value.method == "sendMessage" and TOKEN.reveal() not in str(info.value)
    assert transport.statistics().connections_open == 0


async def test_a_response_over_the_limit_is_refused() -> None:
    transport = HTTP11Transport(max_response_bytes=10)
    async with serving([ok(b'{"ok":true,"result":[]}')]) as base:
        with pytest.raises(TelegramNetworkError, match="larger than 10 bytes"):
            await transport.send(request(base))
    assert transport.statistics().connections_open == 0


async def test_a_token_that_would_split_the_request_line_is_refused_before_sending() -> None:
    transport = HTTP11Transport()
    forged = HTTPRequest("POST", "http://127.0.0.1:9", f"/bot{TOKEN_MARK}/getMe", Secret("1:a\r\nX-Evil: 1"))
    with pytest.raises(ValueError, match="without spaces or line breaks"):
        await transport.send(forged)
    assert transport.statistics().connections_opened == 0
