"""The Bot API wire format: parameters into a request body, a response body into a result or an error.

Parameters go out as one JSON object, unless an :class:`~trt_actors.telegram.inputs.InputFile`
appears anywhere in them; then the call becomes ``multipart/form-data``: a
top-level file is the part named after its parameter, a nested one (an album
item's ``media``) becomes ``attach://fileN`` plus a part named ``fileN``, and
every other value is a form field (strings as they are, the rest as JSON).
``None`` parameters are left out. A :class:`~trt_actors.secret.Secret` (the
webhook ``secret_token``) is revealed only here, as the body is built.

Every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false,
"error_code": ..., "description": ..., "parameters": {...}}``;
:func:`decode_result` returns the raw ``result`` JSON or raises the matching
:mod:`~trt_actors.telegram.errors` exception.

Example::

    body, content_type = encode_params({"chat_id": 1, "text": "hi"})
    result = decode_result("sendMessage", HTTPResponse(200, b'{"ok":true,"result":true}'))
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from trt_actors.secret import Secret
from trt_actors.telegram.errors import UnexpectedResponse, api_error
from trt_actors.telegram.inputs import InputFile
from trt_actors.telegram.multipart import encode_multipart
from trt_actors.telegram.transport import HTTPResponse

__all__ = ["JSON_CONTENT_TYPE", "decode_result", "encode_params"]

JSON_CONTENT_TYPE = "application/json"
_NULL = msgspec.Raw(b"null")


class _ResponseParameters(msgspec.Struct, frozen=True):
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None


class _Envelope(msgspec.Struct, frozen=True):
    ok: bool
    result: msgspec.Raw = _NULL
    error_code: int | None = None
    description: str | None = None
    parameters: _ResponseParameters | None = None


class _HasFiles(Exception):
    """Raised out of the JSON encoder when it meets an upload: switch to multipart."""


def _refuse_files(value: object) -> object:
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, InputFile):
        raise _HasFiles
    raise TypeError(f"a Bot API parameter cannot hold a {type(value).__name__}: {value!r}")


_JSON = msgspec.json.Encoder(enc_hook=_refuse_files)
_ENVELOPE = msgspec.json.Decoder(_Envelope)


def encode_params(params: Mapping[str, object]) -> tuple[bytes, str]:
    """The request body and its ``Content-Type`` for these parameters."""
    present = {name: value for name, value in params.items() if value is not None}
    if not any(isinstance(value, InputFile) for value in present.values()):
        try:
            return _JSON.encode(present), JSON_CONTENT_TYPE
        except _HasFiles:
            pass
    return _encode_form(present)


def _encode_form(present: Mapping[str, object]) -> tuple[bytes, str]:
    files: dict[str, InputFile] = {}
    attached = 0

    def attach(value: object) -> object:
        nonlocal attached
        if isinstance(value, InputFile):
            name = f"file{attached}"
            attached += 1
            files[name] = value
            return f"attach://{name}"
        return _refuse_files(value)

    encoder = msgspec.json.Encoder(enc_hook=attach)
    fields: dict[str, str] = {}
    for name, value in present.items():
        if isinstance(value, InputFile):
            files[name] = value
        elif isinstance(value, str):
            fields[name] = value
        elif isinstance(value, Secret):
            fields[name] = value.reveal()
        else:
            fields[name] = encoder.encode(value).decode("utf-8")
    return encode_multipart(fields, files)


def decode_result(method: str, response: HTTPResponse) -> msgspec.Raw:
    """The raw JSON ``result`` of a successful call; otherwise raise the matching error."""
    try:
        envelope = _ENVELOPE.decode(response.body)
    except msgspec.DecodeError:
        if response.status >= 500:
            raise api_error(method, response.status, f"HTTP {response.status} without a Bot API body") from None
        snippet = response.body[:120].decode("utf-8", "replace")
        raise UnexpectedResponse(method, response.status, repr(snippet)) from None
    if envelope.ok:
        return envelope.result
    parameters = envelope.parameters or _ResponseParameters()
    raise api_error(
        method,
        envelope.error_code or response.status,
        envelope.description or f"HTTP {response.status}",
        retry_after=parameters.retry_after,
        migrate_to_chat_id=parameters.migrate_to_chat_id,
    )
