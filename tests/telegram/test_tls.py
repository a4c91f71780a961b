"""Both transports speak HTTPS (production Telegram is https only), checked against a local TLS server."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from functools import partial
from pathlib import Path

import pytest
import trio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from trt_actors.telegram import HTTP11Transport, HttpxTransport, TelegramClient, Transport

from .conftest import TOKEN

BODY = b'{"ok":true,"result":{"id":123456,"is_bot":true,"first_name":"TLS"}}'


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


async def answer_get_me(stream: trio.SSLStream[trio.SocketStream]) -> None:
    try:
        while True:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = await stream.receive_some(65536)
                if not chunk:
                    return
                request += chunk
            head, _, body = request.partition(b"\r\n\r\n")
            length = next(
                (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                0,
            )
            while len(body) < length:
                body += await stream.receive_some(65536)
            await stream.send_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(BODY)).encode()
                + b"\r\n\r\n"
                + BODY
            )
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        return


@pytest.mark.parametrize("transport", [HTTP11Transport, HttpxTransport])
async def test_https(tmp_path: Path, transport: type[HTTP11Transport] | type[HttpxTransport]) -> None:
    cert, key = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(
            partial(trio.serve_ssl_over_tcp, answer_get_me, 0, server_context, host="127.0.0.1", https_compatible=True)
        )
        port = listeners[0].transport_listener.socket.getsockname()[1]
        chosen: Transport = transport(ssl_context=client_context)
        async with TelegramClient(f"https://127.0.0.1:{port}", TOKEN, transport=chosen) as tg:
            for _ in range(3):
                assert (await tg.get_me()).first_name == "TLS"
        nursery.cancel_scope.cancel()
    if isinstance(chosen, HTTP11Transport):
        assert chosen.statistics().connections_opened == 1, "the TLS connection should be kept alive and reused"
