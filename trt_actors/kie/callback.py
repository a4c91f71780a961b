"""KIE's task callback: read the body, and check its optional HMAC signature.

When the account owner turns on ``webhookHmacKey``, each callback carries
``X-Webhook-Timestamp`` (Unix seconds) and ``X-Webhook-Signature``, which is
``base64(HMAC-SHA256(key, taskId + "." + timestamp))``. The signature covers
the task id and the time, **not the body**: treat a callback as a hint, ack
it with 200 at once, and confirm with ``recordInfo`` before settling money.
The same task may be called back more than once.

Both functions are pure: no I/O, and the time comes in as ``now``.

Example::

    callback = parse_callback(request.body)
    verdict = verify_signature(
        webhook_hmac_key, task_id=callback.task.task_id,
        timestamp=request.headers.get("x-webhook-timestamp"),
        signature=request.headers.get("x-webhook-signature"), now=clock.now())
    if not verdict.ok:
        return Response.text(verdict.value, status=401)
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from typing import Any

import msgspec

from trt_actors.kie.errors import KieProtocolError
from trt_actors.kie.task import TaskInfo, parse_task
from trt_actors.secret import Secret

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "KieCallback",
    "SignatureVerdict",
    "parse_callback",
    "sign_callback",
    "verify_signature",
]

TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"
DEFAULT_MAX_AGE = 300.0


class KieCallback(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed callback: KIE's ``code`` (200 success, 501 failed), its text, and the task."""

    code: int
    message: str
    task: TaskInfo


class SignatureVerdict(enum.Enum):
    """The outcome of :func:`verify_signature`; only ``VALID`` is ``ok``."""

    VALID = "valid"
    MISSING = "signature headers missing"
    MALFORMED = "timestamp is not a Unix time in seconds"
    BAD_SIGNATURE = "signature does not match"
    STALE = "timestamp too far from now"

    @property
    def ok(self) -> bool:
        return self is SignatureVerdict.VALID


def _key_bytes(key: Secret | str | bytes) -> bytes:
    if isinstance(key, Secret):
        return key.reveal().encode("utf-8")
    return key.encode("utf-8") if isinstance(key, str) else key


def sign_callback(key: Secret | str | bytes, task_id: str, timestamp: int) -> str:
    """The ``X-Webhook-Signature`` value KIE sends for ``task_id`` at ``timestamp``."""
    digest = hmac.new(_key_bytes(key), f"{task_id}.{timestamp}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(
    key: Secret | str | bytes,
    *,
    task_id: str,
    timestamp: str | None,
    signature: str | None,
    now: float,
    max_age: float = DEFAULT_MAX_AGE,
) -> SignatureVerdict:
    """Check a callback's signature headers in constant time.

    ``timestamp`` and ``signature`` are the raw header values (``None`` if
    absent). A timestamp more than ``max_age`` seconds from ``now``, in
    either direction, is ``STALE`` even when the signature matches.
    """
    if not timestamp or not signature:
        return SignatureVerdict.MISSING
    text = timestamp.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 20:  # "²" is a digit to isdigit, not to int
        return SignatureVerdict.MALFORMED
    expected = sign_callback(key, task_id, int(text)).encode("ascii")
    if not hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace")):
        return SignatureVerdict.BAD_SIGNATURE
    if abs(now - int(text)) > max_age:
        return SignatureVerdict.STALE
    return SignatureVerdict.VALID


def parse_callback(body: bytes) -> KieCallback:
    """Read a callback body; raises :class:`KieProtocolError` if it is not KIE's shape.

    Accepts ``msg`` or ``message``, and ``taskId`` or ``task_id`` inside ``data``.
    """
    try:
        envelope: Any = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise KieProtocolError("the callback body is not JSON", endpoint="callback") from None
    except RecursionError:
        raise KieProtocolError("the callback body is nested too deep to read", endpoint="callback") from None
    if not isinstance(envelope, dict):
        raise KieProtocolError("the callback body is not a JSON object", endpoint="callback")
    try:
        task = parse_task(envelope.get("data"))
    except (ValueError, TypeError) as error:
        raise KieProtocolError(f"the callback has no task: {error}", endpoint="callback") from None
    raw_code = envelope.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else 200
    if isinstance(raw_code, str) and raw_code.strip().isdigit():
        code = int(raw_code)
    message = envelope.get("msg") or envelope.get("message") or ""
    return KieCallback(code=code, message=str(message), task=task)
